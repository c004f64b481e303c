//! The `migrate diff` corpus: schema pairs (A -> B), each run end to end.
//!
//! For each pair, in databases of its own: A and B are applied as raw SQL and read
//! back as catalogs; the migration from A to B is generated and compared with its
//! committed file in `tests/src/diff_corpus` (`MIGRATE_BLESS=1` rewrites the file);
//! the compiled file must have the checksum of the generated steps; then the compiled
//! migration (or, for one that needs review and so does not compile, the generated
//! plan) is applied to A with the runner: the schema must be B's exactly, the down
//! must give A's exactly, and a second up B's again.
//!
//! One test target in modules by family; the harness is here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use migrate_core::diff::{Catalog, DiffOptions, Generated};
use migrate_core::snapshot::{Snapshot, SnapshotOptions};
use migrate_core::{DownTarget, Header, Migrations, Migrator, MigratorOptions, Target};
use migrate_tests::TestDb;

mod adoption;
mod schemas;

mod types;

mod tables;

mod indexes;

mod routines;

mod views;

/// The PostgreSQL major the goldens are blessed on: another server may print
/// expressions and definitions differently, so there only the round trip is checked
/// (with the generated plan), not the files.
pub const BLESSED_MAJOR: i64 = 15;

/// A schema pair.
pub struct Pair<'a> {
    /// The module (and file) name of the generated migration: `pNNN_what`.
    pub name: &'a str,
    /// The migration's id.
    pub id: i64,
    /// The schema before, as SQL.
    pub a: &'a str,
    /// The schema after, as SQL.
    pub b: &'a str,
    /// Renames, as `--rename` takes them.
    pub renames: &'a [&'a str],
}

impl Pair<'_> {
    /// A pair with no renames; the id is derived from the number in the name.
    pub fn new<'a>(name: &'a str, a: &'a str, b: &'a str) -> Pair<'a> {
        let number: i64 = name[1..4].parse().expect("pNNN_ name");
        Pair {
            name,
            id: 20_261_207_000_000 + number,
            a,
            b,
            renames: &[],
        }
    }

    /// The same pair with renames.
    pub fn renames<'a>(self, renames: &'a [&'a str]) -> Pair<'a>
    where
        Self: 'a,
    {
        Pair { renames, ..self }
    }
}

/// What a pair's run found, for tests to assert more on.
pub struct Outcome {
    /// The generated migration.
    pub generated: Generated,
    /// Its source.
    pub code: String,
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/diff_corpus")
        .join(format!("{name}.rs"))
}

async fn schema(sql: &str) -> (TestDb, Catalog, Snapshot, i64) {
    let db = TestDb::create().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let major = migrate_tests::server_version(&client).await.unwrap() / 10_000;
    client.batch_execute(sql).await.unwrap_or_else(|e| {
        panic!("the pair's SQL failed: {e:?}\n{sql}");
    });
    let options = SnapshotOptions::new();
    let catalog = Catalog::read(&mut client, &options).await.unwrap();
    let snapshot = Snapshot::read(&mut client, &options).await.unwrap();
    (db, catalog, snapshot, major)
}

/// Runs a pair end to end (see the module documentation).
pub async fn run(pair: Pair<'_>) -> Outcome {
    let (db_a, from, snap_a, major) = schema(pair.a).await;
    let (_db_b, to, snap_b, _) = schema(pair.b).await;
    let goldens = major == BLESSED_MAJOR;
    assert_ne!(snap_a, snap_b, "{}: A and B must differ", pair.name);
    let mut options = DiffOptions::new();
    for rename in pair.renames {
        options = options.rename(rename.parse().unwrap());
    }
    let generated = migrate_core::diff::generate(&from, &to, &options).unwrap();
    let code = generated.to_rust(pair.id, pair.name);
    let path = golden(pair.name);
    let bless = std::env::var_os("MIGRATE_BLESS").is_some();
    if bless && goldens {
        std::fs::write(&path, &code).unwrap();
    } else if goldens {
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run with MIGRATE_BLESS=1, add `pub mod {};` to \
                 tests/src/diff_corpus/mod.rs (unless it needs review) and read it",
                path.display(),
                pair.name
            )
        });
        assert_eq!(
            committed,
            code,
            "{}: the generated migration differs from {} (MIGRATE_BLESS=1 rewrites it)",
            pair.name,
            path.display()
        );
    }

    // The compiled file, when it compiles (a migration needing review does not).
    let module = format!("migrate_tests::diff_corpus::{}", pair.name);
    let compiled = Migrations::registered().unwrap().in_module(&module);
    // Without the lint gate, as `diff`'s own proof applies it: a generated drop or
    // rename is a breaking-change finding and the raw SQL of a change that needs
    // review an unchecked-SQL one, by design (a person acknowledges them).
    let options = || MigratorOptions::new().enforce_lint(false);
    let migrator = if !goldens {
        let empty = Migrations::from_registrations([]).unwrap();
        let plan = generated.plan(pair.id, "other_major").unwrap();
        Migrator::new(&empty, options())
            .unwrap()
            .with_planned(plan)
            .unwrap()
    } else if generated.needs_review() > 0 {
        assert!(
            compiled.is_empty(),
            "{}: a migration that needs review must not compile",
            pair.name
        );
        let empty = Migrations::from_registrations([]).unwrap();
        let plan = generated.plan(pair.id, "needs_review").unwrap();
        Migrator::new(&empty, options())
            .unwrap()
            .with_planned(plan)
            .unwrap()
    } else {
        if !bless {
            assert_eq!(
                compiled.len(),
                1,
                "{}: `pub mod {}` compiled",
                pair.name,
                pair.name
            );
            let header = Header::new(compiled.iter().next().unwrap()).unwrap();
            assert_eq!(
                header.checksum,
                generated.checksum(),
                "{}: the compiled file records other steps than the generator applied",
                pair.name
            );
        }
        if compiled.is_empty() {
            let empty = Migrations::from_registrations([]).unwrap();
            let plan = generated.plan(pair.id, "blessing").unwrap();
            Migrator::new(&empty, options())
                .unwrap()
                .with_planned(plan)
                .unwrap()
        } else {
            Migrator::new(&compiled, options()).unwrap()
        }
    };

    let options = SnapshotOptions::new();
    let mut client = db_a.connect().await.unwrap();
    migrator
        .up(&mut client, Target::Latest)
        .await
        .unwrap_or_else(|e| {
            panic!("{}: the up failed: {e}\n{code}", pair.name);
        });
    let after = Snapshot::read(&mut client, &options).await.unwrap();
    let remaining = snap_b.diff(&after);
    assert!(
        remaining.is_empty(),
        "{}: after the up the schema is not B (- B only, + after the up only):\n{remaining}\n{code}",
        pair.name
    );
    let reversible = migrator.headers()[0].reversible;
    assert_eq!(
        reversible,
        generated.irreversible_reasons().is_empty() && generated.needs_review() == 0,
        "{}: reversibility",
        pair.name
    );
    if reversible {
        migrator
            .down(&mut client, DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("{}: the down failed: {e}\n{code}", pair.name));
        let back = Snapshot::read(&mut client, &options).await.unwrap();
        let diff = snap_a.diff(&back);
        assert!(
            diff.is_empty(),
            "{}: after the down the schema is not A (- A only, + after the down only):\n{diff}\n{code}",
            pair.name
        );
        migrator
            .up(&mut client, Target::Latest)
            .await
            .unwrap_or_else(|e| panic!("{}: the second up failed: {e}", pair.name));
        let again = Snapshot::read(&mut client, &options).await.unwrap();
        assert!(snap_b.diff(&again).is_empty(), "{}: second up", pair.name);
    }
    Outcome { generated, code }
}
