//! Schema snapshots and `verify` against the real local PostgreSQL, each test in its
//! own fresh database (the scratch databases `verify` creates live beside them).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use migrate_core::prelude::*;
use migrate_core::snapshot::{Change, Snapshot, SnapshotOptions};
use migrate_core::verify::{Failure, Outcome, Phase, ScratchTarget, VerifyOptions, verify};
use migrate_core::{
    Down, Error, Migrations, Migrator, MigratorOptions, Registration, Target, VerifyReport,
};
use migrate_tests::{TestDb, admin_url, connect, int, reg, server_version, text};

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

fn server() -> ScratchTarget {
    ScratchTarget::Server(admin_url().parse().unwrap())
}

async fn run<const N: usize>(regs: [&'static Registration; N]) -> VerifyReport {
    verify(&migrator(regs), server(), &VerifyOptions::new())
        .await
        .unwrap()
}

async fn database_exists(name: &str) -> bool {
    let admin = connect(&admin_url().parse().unwrap()).await.unwrap();
    let rows = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap();
    !rows.is_empty()
}

/// Registers a migration with a hand-written down: `manual!(NAME, id, up, down)`.
macro_rules! manual {
    ($static:ident, $id:expr, $up:ident, $down:ident) => {
        reg!(
            $static,
            $id,
            $up,
            Manual,
            Down::Manual({
                fn down() -> ::migrate_core::Recorded {
                    ::migrate_core::__private::record::<::migrate_core::Manual>($down)
                }
                down
            })
        );
    };
}

// ----- a correct set -------------------------------------------------------------------

fn users(m: &mut Migration) {
    m.create_enum("mood", ["sad", "ok", "happy"]);
    m.create_table("users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Text).not_null().unique();
        t.column("mood", ColumnType::named("mood"));
        t.check(Expr::col("email").ne(""))
            .name("users_email_not_empty");
    });
}
fn posts(m: &mut Migration) {
    m.create_table("posts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("author_id", BigInt)
            .not_null()
            .references("users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("title", Text).not_null().default("");
    });
}
fn posts_index(m: &mut Migration) {
    m.create_index_concurrently("posts_author_idx", "posts", ["author_id"]);
}
fn split_name(m: &mut Migration) {
    m.add_column("users", "name", Text);
    m.add_column("users", "nick", Text);
}
/// Drops a column in the middle: its down re-adds it at the end, which is the same
/// schema for every query that names its columns.
fn drop_name(m: &mut Migration) {
    m.drop_column_with("users", "name", Text);
}
fn seed(m: &mut Migration<Manual>) {
    m.unchecked_sql("INSERT INTO users (email) VALUES ('a@example.com')");
}
fn hand_written_up(m: &mut Migration<Manual>) {
    m.add_column("posts", "slug", Text);
    m.create_index("posts_slug_idx", "posts", ["slug"]);
}
fn hand_written_down(m: &mut Migration<Manual>) {
    m.drop_index("posts_slug_idx");
    m.drop_column("posts", "slug");
}
reg!(USERS, 1, users);
reg!(POSTS, 2, posts);
reg!(POSTS_INDEX, 3, posts_index);
reg!(SPLIT_NAME, 4, split_name);
reg!(DROP_NAME, 5, drop_name);
reg!(SEED, 6, seed, irreversible);
manual!(HAND_WRITTEN, 7, hand_written_up, hand_written_down);

#[tokio::test]
async fn a_correct_set_passes_and_its_scratch_database_is_dropped() {
    let report = run([
        &USERS,
        &POSTS,
        &POSTS_INDEX,
        &SPLIT_NAME,
        &DROP_NAME,
        &SEED,
        &HAND_WRITTEN,
    ])
    .await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3, 4, 5, 7]);
    assert_eq!(report.skipped(), [6]);
    assert_eq!(report.unchecked, 0);
    let text = report.to_string();
    assert!(text.contains("ok       1 users"), "{text}");
    assert!(text.contains("skipped  6 seed (irreversible"), "{text}");
    assert!(report.database.starts_with("migrate_verify_"));
    assert!(!database_exists(&report.database).await);
}

#[tokio::test]
async fn column_positions_are_checked_only_when_asked() {
    let options = VerifyOptions::new().snapshot(SnapshotOptions::new().column_order(true));
    let report = verify(
        &migrator([&USERS, &SPLIT_NAME, &DROP_NAME]),
        server(),
        &options,
    )
    .await
    .unwrap();
    let failure = report
        .failure()
        .expect("a re-added column moves to the end");
    assert_eq!(failure.id, 5);
    let Outcome::Failed(Failure::DownDidNotRestore(diff)) = &failure.outcome else {
        panic!("{report}");
    };
    assert_eq!(
        diff.changes,
        [Change::Changed {
            key: "column order public.users".into(),
            before: "id, email, mood, name, nick".into(),
            after: "id, email, mood, nick, name".into(),
        }]
    );
    assert!(!database_exists(&report.database).await);
}

// ----- wrong hand-written downs ---------------------------------------------------------

fn add_bio_and_index(m: &mut Migration<Manual>) {
    m.add_column("users", "bio", Text);
    m.create_index("users_email_idx", "users", ["email"]);
}
fn forgets_the_index(m: &mut Migration<Manual>) {
    m.drop_column("users", "bio");
}
manual!(FORGETS_INDEX, 2, add_bio_and_index, forgets_the_index);

fn add_two_columns(m: &mut Migration<Manual>) {
    m.add_column("users", "age", Integer);
    m.add_column("users", "city", Text).not_null().default("");
}
fn leaves_a_column(m: &mut Migration<Manual>) {
    m.drop_column("users", "age");
}
manual!(LEAVES_COLUMN, 2, add_two_columns, leaves_a_column);

fn add_unique_email(m: &mut Migration<Manual>) {
    m.add_unique("users", "users_email_unique", ["email"]);
}
fn drops_the_wrong_constraint(m: &mut Migration<Manual>) {
    m.drop_constraint("users", "users_email_not_empty");
}
manual!(
    WRONG_CONSTRAINT,
    2,
    add_unique_email,
    drops_the_wrong_constraint
);

reg!(AFTER, 3, posts);

/// The failed migration, its diff, and checks common to every failure.
async fn failed_down(report: &VerifyReport) -> migrate_core::SnapshotDiff {
    assert!(!report.is_success());
    assert_eq!(report.passed(), [1]);
    assert_eq!(report.unchecked, 1, "checking stops at the first failure");
    assert!(!database_exists(&report.database).await);
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    match &failure.outcome {
        Outcome::Failed(Failure::DownDidNotRestore(diff)) => diff.clone(),
        other => panic!("expected DownDidNotRestore, got {other:?}"),
    }
}

#[tokio::test]
async fn a_down_that_forgets_an_index_is_caught() {
    let report = run([&USERS, &FORGETS_INDEX, &AFTER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [Change::Added {
            key: "index public.users_email_idx".into(),
            after: "CREATE INDEX users_email_idx ON public.users USING btree (email), valid".into(),
        }]
    );
    let text = report.to_string();
    assert!(
        text.contains("FAILED   2 add_bio_and_index: the down did not restore"),
        "{text}"
    );
    assert!(
        text.contains("\n    + index public.users_email_idx: CREATE INDEX"),
        "{text}"
    );
    assert!(text.contains("1 later migration not checked"), "{text}");
}

#[tokio::test]
async fn a_down_that_leaves_a_column_is_caught() {
    let report = run([&USERS, &LEAVES_COLUMN, &AFTER]).await;
    let diff = failed_down(&report).await;
    let mut expected = vec![Change::Added {
        key: "column public.users.city".into(),
        after: "text not null default ''::text".into(),
    }];
    // PostgreSQL 18 catalogues NOT NULL as a constraint of its own: the column the down
    // leaves brings its constraint (under its default name; the set_not_null protocol
    // keeps that name too, see live_protocols), a real difference between majors.
    let admin = connect(&admin_url().parse().unwrap()).await.unwrap();
    if server_version(&admin).await.unwrap() >= 180000 {
        expected.push(Change::Added {
            key: "constraint public.users.users_city_not_null".into(),
            after: "NOT NULL city, valid".into(),
        });
    }
    assert_eq!(diff.changes, expected);
    assert!(
        report
            .to_string()
            .contains("+ column public.users.city: text not null default ''::text")
    );
}

#[tokio::test]
async fn a_down_that_drops_the_wrong_constraint_is_caught() {
    let report = run([&USERS, &WRONG_CONSTRAINT, &AFTER]).await;
    let diff = failed_down(&report).await;
    let keys: Vec<_> = diff.changes.iter().map(|c| (c.sign(), c.key())).collect();
    assert_eq!(
        keys,
        [
            ('-', "constraint public.users.users_email_not_empty"),
            ('+', "constraint public.users.users_email_unique"),
            ('+', "index public.users_email_unique"),
        ]
    );
    assert_eq!(
        diff.changes[0].before(),
        Some("CHECK ((email <> ''::text)), valid")
    );
}

fn fails_down_up(m: &mut Migration<Manual>) {
    m.add_column("users", "extra", Text);
}
fn fails_down(m: &mut Migration<Manual>) {
    m.drop_column("users", "no_such_column");
}
manual!(FAILING_DOWN, 2, fails_down_up, fails_down);

#[tokio::test]
async fn a_down_whose_statement_fails_is_a_failure_of_that_migration() {
    let report = run([&USERS, &FAILING_DOWN]).await;
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    match &failure.outcome {
        Outcome::Failed(Failure::Statement { phase, failure }) => {
            assert_eq!(*phase, Phase::Down);
            assert_eq!(failure.db.code, "42703");
        }
        other => panic!("expected a failed statement, got {other:?}"),
    }
    assert!(!database_exists(&report.database).await);
}

// ----- cancellation and the other targets -----------------------------------------------

fn slow(m: &mut Migration<Manual>) {
    m.unchecked_sql("SELECT pg_sleep(30) /* live_verify_cancel */");
}
reg!(SLOW, 2, slow, irreversible);

#[tokio::test]
async fn a_cancelled_verify_drops_its_scratch_database() {
    let m = migrator([&USERS, &SLOW]);
    let options = VerifyOptions::new();
    let running = verify(&m, server(), &options);
    let admin = connect(&admin_url().parse().unwrap()).await.unwrap();
    let watch = async {
        // The scratch database is the one where the marked statement sleeps.
        loop {
            let rows = admin
                .query(
                    "SELECT datname::text FROM pg_stat_activity \
                     WHERE query LIKE '%/* live_verify_cancel */%' AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .unwrap();
            if let Some(row) = rows.first() {
                return row.get::<_, String>(0);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // Dropping `running` when `watch` finishes is the cancellation (as a Ctrl-C
    // handler that stops awaiting the verify future does).
    let name = tokio::select! {
        result = running => panic!("verify finished: {result:?}"),
        name = tokio::time::timeout(Duration::from_secs(20), watch) => name.unwrap(),
    };
    assert!(name.starts_with("migrate_verify_"), "{name}");
    assert!(!database_exists(&name).await);
}

#[tokio::test]
async fn an_existing_database_can_be_the_scratch_when_nothing_is_applied() {
    let db = TestDb::create().await.unwrap();
    let m = migrator([&USERS, &POSTS]);
    let report = verify(
        &m,
        ScratchTarget::Database(db.config()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.database, db.name());
    // Left with every migration applied; a second run is refused.
    let c = db.connect().await.unwrap();
    assert_eq!(
        int(&c, "SELECT count(*) FROM migrate_history")
            .await
            .unwrap(),
        2
    );
    let err = verify(
        &m,
        ScratchTarget::Database(db.config()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::ScratchNotFresh { .. }), "{err:?}");
}

#[tokio::test]
async fn assert_reversible_fails_with_the_report() {
    let set = Migrations::from_registrations([&USERS, &FORGETS_INDEX]).unwrap();
    let err = migrate_core::verify::assert_reversible(&set, &admin_url())
        .await
        .unwrap_err();
    let Error::VerifyFailed { report } = &err else {
        panic!("{err:?}");
    };
    assert!(!database_exists(&report.database).await);
    let message = err.to_string();
    assert!(message.contains("add_bio_and_index"), "{message}");
    assert!(
        message.contains("index public.users_email_idx"),
        "{message}"
    );

    let good = Migrations::from_registrations([&USERS, &POSTS]).unwrap();
    let report = migrate_core::verify::assert_reversible_blocking(&good, &admin_url()).unwrap();
    assert_eq!(report.passed(), [1, 2]);
}

// ----- snapshots ------------------------------------------------------------------------

const SCHEMA_PARTS: [&str; 5] = [
    "CREATE SCHEMA app",
    "CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE TABLE app.people (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
     name text NOT NULL, mood app.mood DEFAULT 'ok')",
    "CREATE TABLE public.notes (id serial PRIMARY KEY, \
     person_id bigint REFERENCES app.people (id), body text)",
    "CREATE INDEX notes_body_idx ON public.notes (lower(body)) WHERE body IS NOT NULL; \
     CREATE VIEW app.moods AS SELECT mood, count(*) AS n FROM app.people GROUP BY mood",
];

async fn snapshot_of(db: &TestDb) -> Snapshot {
    let mut c = db.connect().await.unwrap();
    Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn snapshot_text_is_stable_and_independent_of_creation_order() {
    let a = TestDb::create().await.unwrap();
    let b = TestDb::create().await.unwrap();
    let ca = a.connect().await.unwrap();
    for sql in SCHEMA_PARTS {
        ca.batch_execute(sql).await.unwrap();
    }
    // Same schema, built in another order, with columns added afterwards and a
    // search_path that would change unqualified names.
    let cb = b.connect().await.unwrap();
    cb.batch_execute(
        "SET search_path = app, public; \
         CREATE SCHEMA app; \
         CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy'); \
         CREATE TABLE app.people (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY); \
         CREATE TABLE public.notes (body text); \
         CREATE INDEX notes_body_idx ON public.notes (lower(body)) WHERE body IS NOT NULL; \
         ALTER TABLE app.people ADD COLUMN name text NOT NULL, ADD COLUMN mood app.mood DEFAULT 'ok'; \
         CREATE VIEW app.moods AS SELECT mood, count(*) AS n FROM app.people GROUP BY mood; \
         ALTER TABLE public.notes ADD COLUMN id serial PRIMARY KEY, \
           ADD COLUMN person_id bigint REFERENCES app.people (id)",
    )
    .await
    .unwrap();

    let first = snapshot_of(&a).await;
    let again = snapshot_of(&a).await;
    assert_eq!(first.to_text(), again.to_text());
    let other = snapshot_of(&b).await;
    assert_eq!(first.to_text(), other.to_text(), "{}", first.diff(&other));
    assert_eq!(Snapshot::parse(&first.to_text()).unwrap(), first);

    let text = first.to_text();
    for line in [
        "schema app",
        "enum app.mood: 'sad', 'ok', 'happy'",
        "table app.people",
        "column app.people.id: bigint not null identity by default",
        "column app.people.mood: app.mood default 'ok'::app.mood",
        "constraint app.people.people_pkey: PRIMARY KEY (id), valid",
        "column public.notes.id: integer not null default nextval('public.notes_id_seq'::regclass)",
        "constraint public.notes.notes_person_id_fkey: FOREIGN KEY (person_id) REFERENCES app.people(id), valid",
        "index public.notes_body_idx: CREATE INDEX notes_body_idx ON public.notes USING btree (lower(body)) WHERE (body IS NOT NULL), valid",
        "sequence public.notes_id_seq: integer owned by public.notes.id",
        "extension plpgsql: version 1.0 schema pg_catalog",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
    let view = first.get("view app.moods").unwrap();
    // PostgreSQL 16 stopped qualifying columns of a view over a single table.
    let expected = if server_version(&ca).await.unwrap() >= 160000 {
        "SELECT mood, count(*) AS n FROM app.people"
    } else {
        "SELECT people.mood, count(*) AS n FROM app.people"
    };
    assert!(view.starts_with(expected), "{view}");
    assert!(!view.contains('\n'));
    assert!(
        text.lines().all(|l| !l.contains("app.people_id_seq")),
        "{text}"
    );
}

#[tokio::test]
async fn a_column_added_by_hand_shows_against_a_saved_snapshot() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&USERS, &POSTS])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    let options = SnapshotOptions::new();
    let saved = Snapshot::read(&mut c, &options).await.unwrap().to_text();
    assert!(!saved.contains("migrate_history"), "{saved}");

    c.batch_execute("ALTER TABLE users ADD COLUMN nickname varchar(40)")
        .await
        .unwrap();
    let now = Snapshot::read(&mut c, &options).await.unwrap();
    let expected = Snapshot::parse(&saved).unwrap();
    let err = expected.check(&now).unwrap_err();
    let Error::SchemaDrift { diff } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        diff.changes,
        [Change::Added {
            key: "column public.users.nickname".into(),
            after: "character varying(40)".into(),
        }]
    );
    assert!(
        err.to_string()
            .ends_with("\n+ column public.users.nickname: character varying(40)\n"),
        "{err}"
    );
    c.batch_execute("ALTER TABLE users DROP COLUMN nickname")
        .await
        .unwrap();
    let back = Snapshot::read(&mut c, &options).await.unwrap();
    assert!(expected.check(&back).is_ok());
}

#[tokio::test]
async fn exclusion_constraints_views_sequences_enums_and_extensions_are_captured() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE EXTENSION btree_gist; \
         CREATE TYPE shift_kind AS ENUM ('day', 'night'); \
         CREATE SEQUENCE ticket_seq AS integer INCREMENT 5 START 100 CACHE 10 CYCLE; \
         CREATE TABLE rooms (room int NOT NULL, during tstzrange NOT NULL, \
           kind shift_kind NOT NULL DEFAULT 'day', \
           ticket int NOT NULL DEFAULT nextval('ticket_seq'), \
           width int, height int, area int GENERATED ALWAYS AS (width * height) STORED, \
           CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)); \
         ALTER TABLE rooms ADD CONSTRAINT positive CHECK (width > 0) NOT VALID; \
         CREATE VIEW night_rooms AS SELECT room FROM rooms WHERE kind = 'night'; \
         CREATE MATERIALIZED VIEW room_counts AS SELECT room, count(*) FROM rooms GROUP BY room; \
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
         CREATE TRIGGER rooms_touch BEFORE UPDATE ON rooms FOR EACH ROW EXECUTE FUNCTION touch(); \
         CREATE DOMAIN percent AS int NOT NULL CHECK (VALUE BETWEEN 0 AND 100)",
    )
    .await
    .unwrap();
    let snapshot = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    let expect = [
        (
            "constraint public.rooms.no_overlap",
            "EXCLUDE USING gist (room WITH =, during WITH &&), valid",
        ),
        (
            "constraint public.rooms.positive",
            "CHECK ((width > 0)), not valid",
        ),
        ("enum public.shift_kind", "'day', 'night'"),
        (
            "sequence public.ticket_seq",
            "integer increment 5 start 100 cache 10 cycle",
        ),
        (
            "column public.rooms.ticket",
            "integer not null default nextval('public.ticket_seq'::regclass)",
        ),
        (
            "column public.rooms.area",
            "integer generated always as ((width * height)) stored",
        ),
        (
            "column public.rooms.kind",
            "public.shift_kind not null default 'day'::public.shift_kind",
        ),
        (
            "view public.night_rooms",
            // PostgreSQL 16 stopped qualifying columns of a view over a single table.
            if server_version(&c).await.unwrap() >= 160000 {
                "SELECT room FROM public.rooms WHERE (kind = 'night'::public.shift_kind);"
            } else {
                "SELECT rooms.room FROM public.rooms WHERE (rooms.kind = 'night'::public.shift_kind);"
            },
        ),
        (
            "trigger public.rooms.rooms_touch",
            "CREATE TRIGGER rooms_touch BEFORE UPDATE ON public.rooms FOR EACH ROW EXECUTE FUNCTION public.touch()",
        ),
        ("domain public.percent", "integer not null"),
    ];
    for (key, description) in expect {
        assert_eq!(snapshot.get(key), Some(description), "{key} in\n{snapshot}");
    }
    let ext = snapshot.get("extension btree_gist").unwrap();
    assert!(
        ext.starts_with("version ") && ext.ends_with(" schema public"),
        "{ext}"
    );
    assert!(
        snapshot
            .get("materialized view public.room_counts")
            .is_some()
    );
    assert!(snapshot.get("function public.touch()").is_some());
    assert!(
        snapshot
            .get("domain constraint public.percent.percent_check")
            .is_some(),
        "{snapshot}"
    );
    // The extension's own functions are not listed as the schema's.
    assert!(
        snapshot.objects().all(|(k, _)| !k.contains("gbt_")),
        "{snapshot}"
    );

    // Sequence values are not part of the schema.
    let before = snapshot.to_text();
    text(&c, "SELECT nextval('ticket_seq')::text")
        .await
        .unwrap();
    let after = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    assert_eq!(before, after.to_text());

    // An index built concurrently and left invalid shows as invalid.
    c.batch_execute("INSERT INTO rooms (room, during, width) VALUES (1, '[2020-01-01, 2020-01-02)', 1), (1, '[2021-01-01, 2021-01-02)', 1)")
        .await
        .unwrap();
    let _ = c
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY rooms_room_key ON rooms (room)")
        .await
        .unwrap_err();
    let after = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    assert_eq!(
        after.get("index public.rooms_room_key"),
        Some("CREATE UNIQUE INDEX rooms_room_key ON public.rooms USING btree (room), invalid")
    );
}
