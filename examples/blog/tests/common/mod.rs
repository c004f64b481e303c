//! What the example's test binaries share.

use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use migrate_core::testing::Fixture;
use migrate_core::{Migrations, Migrator, MigratorOptions};

/// The example's `migrate` binary, with no database in its environment, no colour, a
/// working directory without a `.env` file, and a bound on how long it may run.
pub(crate) fn migrate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migrate"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("DIRECT_URL")
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .timeout(Duration::from_secs(120));
    cmd
}

/// A fresh database on the test server, and the current-thread runtime that created
/// it and is used to inspect it.
pub(crate) fn fresh_database() -> (migrate_tests::TestDb, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(migrate_tests::TestDb::create()).unwrap();
    (db, runtime)
}

/// A database of the test server at the blog's latest migration, cloned from the
/// template the fixture migrates once per set of migrations (and the runtime to
/// inspect it with): for tests whose subject is not migrating.
#[allow(dead_code)] // Not every test binary needs a migrated database.
pub(crate) fn migrated_database() -> (migrate_tests::TestDb, tokio::runtime::Runtime) {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    let fixture = FIXTURE.get_or_init(|| {
        // The registrations this binary links (`use blog::migrations as _`), as the
        // `migrate` binary collects them: the same history table, the same checksums.
        let migrations = Migrations::registered()
            .unwrap()
            .in_module("blog::migrations");
        assert_eq!(migrations.len(), 10, "every blog migration is linked");
        let migrator = Migrator::new(&migrations, MigratorOptions::new()).unwrap();
        Fixture::new(migrator)
            .unwrap()
            .template_prefix("blog_tpl")
            .unwrap()
            .database_prefix("mt")
            .unwrap()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (fixture.database_blocking().unwrap().into(), runtime)
}
