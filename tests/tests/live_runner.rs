//! The runner against the real local PostgreSQL, each test in its own fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::{
    ConcurrentProfile, Connector, DownTarget, Error, MigrationState, Migrations, Migrator,
    MigratorOptions, Registration, RunDirection, Target,
};
use migrate_tests::{
    TestDb, column_exists, history_ids, history_progress, index_validity, int, reg, table_exists,
    text,
};

const HISTORY: &str = "public.migrate_history";

fn set<const N: usize>(regs: [&'static Registration; N]) -> Migrations {
    Migrations::from_registrations(regs).unwrap()
}

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(&set(regs), MigratorOptions::new()).unwrap()
}

// ----- a small schema ---------------------------------------------------------------

fn users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).primary_key();
        t.column("email", Text).not_null();
    });
}
fn users_bio(m: &mut Migration) {
    m.add_column("users", "bio", Text);
}
fn posts(m: &mut Migration) {
    m.create_table("posts", |t| {
        t.column("id", BigInt).primary_key();
        t.column("user_id", BigInt).not_null();
    });
}
fn users_bio_idx(m: &mut Migration) {
    m.create_index_concurrently("users_bio_idx", "users", ["bio"]);
}
reg!(USERS, 1, users);
reg!(USERS_BIO, 2, users_bio);
reg!(POSTS, 3, posts);
reg!(USERS_BIO_IDX, 4, users_bio_idx);

#[tokio::test]
async fn up_down_redo_and_targets_round_trip() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&USERS, &USERS_BIO, &POSTS, &USERS_BIO_IDX]);

    // Nothing applied: plan_up lists everything, changes nothing.
    let plan = m.plan_up(&c, Target::Latest).await.unwrap();
    assert_eq!(plan.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(!plan[3].transactional);
    assert!(plan.iter().all(|p| !p.sql.is_empty()));
    assert!(!table_exists(&c, HISTORY).await.unwrap());

    let report = m.up(&mut c, Target::To(2)).await.unwrap();
    assert_eq!(report.ids(), [1, 2]);
    assert!(column_exists(&c, "users", "bio").await.unwrap());
    assert!(!table_exists(&c, "posts").await.unwrap());
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2]);

    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [3, 4]);
    assert!(table_exists(&c, "posts").await.unwrap());
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3, 4]);
    assert_eq!(
        text(&c, "SELECT state || ':' || units_done || ':' || applied_by FROM migrate_history WHERE id = 4")
            .await
            .unwrap()
            .unwrap(),
        "applied:1:postgres"
    );
    let status = m.status(&c).await.unwrap();
    assert!(
        status
            .iter()
            .all(|s| s.state == MigrationState::Applied && s.applied_at.is_some())
    );

    // Up again: nothing to do.
    assert!(m.up(&mut c, Target::Latest).await.unwrap().runs.is_empty());

    // Down one step (the concurrent index), then two more.
    let plan = m.plan_down(&c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(plan[0].sql.len(), 1);
    assert!(
        plan[0].sql[0].contains("DROP INDEX CONCURRENTLY"),
        "{:?}",
        plan[0].sql
    );
    let report = m.down(&mut c, DownTarget::default()).await.unwrap();
    assert_eq!(report.ids(), [4]);
    assert_eq!(report.runs[0].direction, RunDirection::Down);
    assert_eq!(index_validity(&c, "users_bio_idx").await.unwrap(), None);
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3]);

    let report = m.down(&mut c, DownTarget::Steps(2)).await.unwrap();
    assert_eq!(report.ids(), [3, 2]);
    assert!(!table_exists(&c, "posts").await.unwrap());
    assert!(!column_exists(&c, "users", "bio").await.unwrap());
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1]);

    m.up(&mut c, Target::Latest).await.unwrap();
    let report = m.redo(&mut c).await.unwrap();
    assert_eq!(
        report
            .runs
            .iter()
            .map(|r| (r.id, r.direction))
            .collect::<Vec<_>>(),
        [(4, RunDirection::Down), (4, RunDirection::Up)]
    );
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3, 4]);

    let report = m.down(&mut c, DownTarget::To(1)).await.unwrap();
    assert_eq!(report.ids(), [4, 3, 2]);
    assert!(table_exists(&c, "users").await.unwrap());
    assert!(!column_exists(&c, "users", "bio").await.unwrap());
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1]);

    let report = m.down(&mut c, DownTarget::All).await.unwrap();
    assert_eq!(report.ids(), [1]);
    assert!(!table_exists(&c, "users").await.unwrap());
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());

    // Unknown targets are refused before anything runs.
    assert!(matches!(
        m.up(&mut c, Target::To(99)).await,
        Err(Error::UnknownTarget { id: 99 })
    ));
    assert!(!table_exists(&c, "users").await.unwrap());
}

// ----- baseline and repair -------------------------------------------------------------

fn users_v2(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).primary_key();
        t.column("email", Text).not_null();
        t.column("name", Text);
    });
}
reg!(USERS_V2, 1, users_v2);

#[tokio::test]
async fn baseline_adopts_an_existing_schema_and_repair_accepts_an_edit() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    // The schema exists already (made by hand): running migration 1 would fail.
    c.batch_execute("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)")
        .await
        .unwrap();
    let m = migrator([&USERS, &USERS_BIO]);
    let report = m.baseline(&mut c, 1).await.unwrap();
    assert_eq!(report.baselined, [1]);
    assert!(report.runs.is_empty());
    assert_eq!(
        text(&c, "SELECT state FROM migrate_history WHERE id = 1")
            .await
            .unwrap()
            .unwrap(),
        "baselined"
    );
    let status = m.status(&c).await.unwrap();
    assert_eq!(status[0].state, MigrationState::Baselined);
    assert_eq!(status[1].state, MigrationState::Pending);
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [2]);
    assert!(column_exists(&c, "users", "bio").await.unwrap());

    // Migration 1 edited after it ran: refused, then accepted explicitly.
    let edited = migrator([&USERS_V2, &USERS_BIO]);
    match edited.up(&mut c, Target::Latest).await {
        Err(Error::Modified { ids }) => assert_eq!(ids, [1]),
        other => panic!("expected Modified, got {other:?}"),
    }
    assert_eq!(
        edited.status(&c).await.unwrap()[0].state,
        MigrationState::Modified
    );
    let report = edited.repair(&mut c).await.unwrap();
    assert_eq!(report.repaired, [1]);
    let recorded = text(&c, "SELECT checksum FROM migrate_history WHERE id = 1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded, edited.headers()[0].checksum.to_hex());
    assert!(
        edited
            .up(&mut c, Target::Latest)
            .await
            .unwrap()
            .runs
            .is_empty()
    );
    // Repair does not run the edit.
    assert!(!column_exists(&c, "users", "name").await.unwrap());
}

// ----- reconcile ---------------------------------------------------------------------

#[tokio::test]
async fn modified_missing_and_out_of_order_are_refused() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&USERS, &POSTS])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();

    // 2 is new but older than 3: out of order.
    let all = migrator([&USERS, &USERS_BIO, &POSTS]);
    match all.up(&mut c, Target::Latest).await {
        Err(Error::OutOfOrder { ids }) => assert_eq!(ids, [2]),
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
    assert!(!column_exists(&c, "users", "bio").await.unwrap());
    let allowed = Migrator::new(
        &set([&USERS, &USERS_BIO, &POSTS]),
        MigratorOptions::new().allow_out_of_order(true),
    )
    .unwrap();
    assert_eq!(allowed.up(&mut c, Target::Latest).await.unwrap().ids(), [2]);
    assert!(column_exists(&c, "users", "bio").await.unwrap());

    // 3 is applied but gone from the code: missing, for every operation.
    let fewer = migrator([&USERS, &USERS_BIO]);
    match fewer.up(&mut c, Target::Latest).await {
        Err(Error::Missing { ids }) => assert_eq!(ids, [3]),
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(matches!(
        fewer.down(&mut c, DownTarget::All).await,
        Err(Error::Missing { .. })
    ));
    let status = fewer.status(&c).await.unwrap();
    assert_eq!(
        status.last().map(|s| (s.id, s.state)),
        Some((3, MigrationState::Missing))
    );

    // 1 is edited: modified, for down too.
    let edited = migrator([&USERS_V2, &USERS_BIO, &POSTS]);
    match edited.down(&mut c, DownTarget::All).await {
        Err(Error::Modified { ids }) => assert_eq!(ids, [1]),
        other => panic!("expected Modified, got {other:?}"),
    }
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3]);
    assert!(table_exists(&c, "posts").await.unwrap());
}

fn seed(m: &mut Migration<Manual>) {
    m.unchecked_sql("INSERT INTO users VALUES (1, 'a@example.com')");
    m.allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}
reg!(SEED, 3, seed, irreversible);

#[tokio::test]
async fn an_irreversible_migration_in_the_down_range_stops_everything() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&USERS, &USERS_BIO, &SEED, &USERS_BIO_IDX]);
    m.up(&mut c, Target::Latest).await.unwrap();
    match m.down(&mut c, DownTarget::Steps(2)).await {
        Err(Error::Irreversible { id, name }) => assert_eq!((id, name.as_str()), (3, "seed")),
        other => panic!("expected Irreversible, got {other:?}"),
    }
    // Nothing was reverted, not even 4, which comes first.
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3, 4]);
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );
    assert_eq!(
        m.down(&mut c, DownTarget::Steps(1)).await.unwrap().ids(),
        [4]
    );
}

// ----- failure ---------------------------------------------------------------------

fn half_way(m: &mut Migration<Manual>) {
    m.create_table("first_half", |t| {
        t.column("id", BigInt);
    });
    m.add_column("users", "half", Integer);
    m.unchecked_sql("SELECT 1 FROM missing_table");
    m.allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
    m.create_table("never", |t| {
        t.column("id", BigInt);
    });
}
reg!(HALF_WAY, 3, half_way, irreversible);

#[tokio::test]
async fn a_failing_migration_leaves_nothing_and_earlier_ones_stay() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&USERS, &USERS_BIO, &HALF_WAY, &USERS_BIO_IDX]);
    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let Error::Statement(failure) = &error else {
        panic!("expected a statement failure, got {error:?}");
    };
    assert_eq!((failure.id, failure.name.as_str()), (3, "half_way"));
    assert_eq!(failure.direction, RunDirection::Up);
    assert_eq!(failure.statement, 2);
    assert_eq!(failure.sql, "SELECT 1 FROM missing_table");
    assert_eq!(failure.db.code, "42P01");
    assert!(
        failure.db.message.contains("missing_table"),
        "{}",
        failure.db.message
    );
    // "SELECT 1 FROM " is 14 characters: the position is relative to the statement.
    assert_eq!(failure.db.position, Some(15));
    assert_eq!(failure.applied.ids(), [1, 2]);
    assert_eq!(error.applied().map(|r| r.ids()), Some(vec![1, 2]));
    let shown = error.to_string();
    assert!(
        shown.contains("migration 3 (half_way)") && shown.contains("42P01"),
        "{shown}"
    );

    // No partial DDL, no history row; earlier ones intact; later ones not run.
    assert!(!table_exists(&c, "first_half").await.unwrap());
    assert!(!column_exists(&c, "users", "half").await.unwrap());
    assert_eq!(index_validity(&c, "users_bio_idx").await.unwrap(), None);
    assert!(column_exists(&c, "users", "bio").await.unwrap());
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2]);
    // The session is usable and holds no lock or open transaction.
    assert_eq!(text(&c, "SELECT 'idle'").await.unwrap().unwrap(), "idle");
    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(text(&c, "SHOW lock_timeout").await.unwrap().unwrap(), "0");
}

// ----- a schema-qualified history table --------------------------------------------

fn app_schema(m: &mut Migration) {
    m.create_schema("app");
}
reg!(APP_SCHEMA, 1, app_schema);
fn app_schema_ensured(m: &mut Migration<Manual>) {
    m.ensure_schema("app");
}
reg!(APP_SCHEMA_ENSURED, 1, app_schema_ensured, irreversible);

/// `create_schema` is the exact inverse of its down: it refuses a schema that was
/// there already, so reverting it can never drop what the migration did not make.
#[tokio::test]
async fn create_schema_refuses_an_existing_schema_and_ensure_schema_accepts_it() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute("CREATE SCHEMA app").await.unwrap();
    let error = migrator([&APP_SCHEMA])
        .up(&mut c, Target::Latest)
        .await
        .unwrap_err();
    let Error::Statement(failure) = &error else {
        panic!("expected a statement failure, got {error:?}");
    };
    assert_eq!(
        (failure.db.code.as_str(), failure.sql.as_str()),
        ("42P06", r#"CREATE SCHEMA "app""#)
    );
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());
    let report = migrator([&APP_SCHEMA_ENSURED])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(report.ids(), [1]);
    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"
        )
        .await
        .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_history_table_can_live_in_its_own_schema() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let options = MigratorOptions::new().history_table("Meta Data", "schema_history");
    let m = Migrator::new(&set([&USERS, &USERS_BIO]), options).unwrap();
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        history_ids(&c, r#""Meta Data".schema_history"#)
            .await
            .unwrap(),
        [1, 2]
    );
    assert!(!table_exists(&c, HISTORY).await.unwrap());
    // A migrator with the default table sees a fresh history (and fails on the
    // existing table): the two histories are independent.
    assert!(matches!(
        migrator([&USERS]).up(&mut c, Target::Latest).await,
        Err(Error::Statement(_))
    ));
    assert_eq!(m.down(&mut c, DownTarget::All).await.unwrap().ids(), [2, 1]);
    assert!(
        history_ids(&c, r#""Meta Data".schema_history"#)
            .await
            .unwrap()
            .is_empty()
    );
}

// ----- concurrency --------------------------------------------------------------------

fn counter(m: &mut Migration) {
    m.create_table("counter", |t| {
        t.column("id", BigInt);
    });
}
fn bump_two(m: &mut Migration) {
    m.reversible(
        |up| {
            up.unchecked_sql("INSERT INTO counter VALUES (2)");
        },
        |down| {
            down.unchecked_sql("DELETE FROM counter WHERE id = 2");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}
fn counter_idx(m: &mut Migration) {
    m.create_index_concurrently("counter_id_idx", "counter", ["id"]);
}
fn bump_four(m: &mut Migration) {
    m.reversible(
        |up| {
            up.unchecked_sql("INSERT INTO counter VALUES (4)");
        },
        |down| {
            down.unchecked_sql("DELETE FROM counter WHERE id = 4");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}
reg!(COUNTER, 1, counter);
reg!(BUMP_TWO, 2, bump_two);
reg!(COUNTER_IDX, 3, counter_idx);
reg!(BUMP_FOUR, 4, bump_four);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_runners_at_once_apply_each_migration_exactly_once() {
    let db = TestDb::create().await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut client = db.connect().await.unwrap();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let options = MigratorOptions::new().lock_poll(Duration::from_millis(20));
            let m = Migrator::new(
                &set([&COUNTER, &BUMP_TWO, &COUNTER_IDX, &BUMP_FOUR]),
                options,
            )
            .unwrap();
            barrier.wait().await;
            m.up(&mut client, Target::Latest).await
        }));
    }
    let mut applied = Vec::new();
    for task in tasks {
        let report = task.await.unwrap().unwrap();
        applied.extend(report.ids());
    }
    applied.sort_unstable();
    assert_eq!(
        applied,
        [1, 2, 3, 4],
        "every migration applied by exactly one runner"
    );
    let c = db.connect().await.unwrap();
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3, 4]);
    assert_eq!(
        int(&c, "SELECT count(*) FROM counter WHERE id = 2")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        int(&c, "SELECT count(*) FROM counter WHERE id = 4")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        index_validity(&c, "counter_id_idx").await.unwrap(),
        Some(true)
    );
}

#[tokio::test]
async fn a_held_run_lock_is_waited_for_boundedly_and_its_holder_named() {
    let db = TestDb::create().await.unwrap();
    let mut first = db.connect().await.unwrap();
    let mut second = db.connect().await.unwrap();
    let m = migrator([&USERS]);
    m.up(&mut first, Target::Latest).await.unwrap();
    // Hold the run lock from `first` by hand, with the key the runner uses.
    let key = migrate_core::lock::lock_key(db.name(), "public", "migrate_history");
    first
        .batch_execute(&format!(
            "SET application_name = 'holder'; SELECT pg_advisory_lock({key})"
        ))
        .await
        .unwrap();
    let impatient = Migrator::new(
        &set([&USERS, &USERS_BIO]),
        MigratorOptions::new()
            .lock_wait(Duration::from_millis(300))
            .lock_poll(Duration::from_millis(50)),
    )
    .unwrap();
    let start = Instant::now();
    match impatient.up(&mut second, Target::Latest).await {
        Err(Error::LockWait { waited, holder }) => {
            assert!(waited >= Duration::from_millis(300));
            let holder = holder.expect("the holder is named");
            assert_eq!(holder.application_name, "holder");
        }
        other => panic!("expected LockWait, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(!column_exists(&second, "users", "bio").await.unwrap());
    // Released: the next run goes through.
    first
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .await
        .unwrap();
    assert_eq!(
        impatient
            .up(&mut second, Target::Latest)
            .await
            .unwrap()
            .ids(),
        [2]
    );
}

/// The runner's opening query has the server compute the run lock's key: it must be
/// `lock_key` exactly, whatever the names' bytes.
#[tokio::test]
async fn the_server_computes_the_same_run_lock_key_for_any_names() {
    let db = TestDb::create().await.unwrap();
    let holder = db.connect().await.unwrap();
    let mut runner = db.connect().await.unwrap();
    let (schema, table) = ("méta ☃", "Histoire \"ü\"");
    let key = migrate_core::lock::lock_key(db.name(), schema, table);
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
        .await
        .unwrap();
    let m = Migrator::new(
        &set([&USERS]),
        MigratorOptions::new()
            .history_table(schema, table)
            .lock_wait(Duration::from_millis(100))
            .lock_poll(Duration::from_millis(20)),
    )
    .unwrap();
    assert!(matches!(
        m.up(&mut runner, Target::Latest).await,
        Err(Error::LockWait { .. })
    ));
    holder
        .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
        .await
        .unwrap();
    assert_eq!(m.up(&mut runner, Target::Latest).await.unwrap().ids(), [1]);
}

// ----- concurrent index builds ----------------------------------------------------------

fn dups(m: &mut Migration) {
    m.create_table("dups", |t| {
        t.column("v", Integer);
    });
    m.reversible(
        |up| {
            up.unchecked_sql("INSERT INTO dups VALUES (1), (1), (2)");
        },
        |down| {
            down.unchecked_sql("DELETE FROM dups");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}
fn dups_unique(m: &mut Migration) {
    m.create_index_concurrently("dups_v_key", "dups", ["v"])
        .unique();
}
reg!(DUPS, 1, dups);
reg!(DUPS_UNIQUE, 2, dups_unique);

#[tokio::test]
async fn a_failed_concurrent_build_is_found_invalid_and_rebuilt() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&DUPS, &DUPS_UNIQUE]);
    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let Error::Statement(failure) = &error else {
        panic!("expected a statement failure, got {error:?}");
    };
    assert_eq!(
        (failure.id, failure.statement, failure.db.code.as_str()),
        (2, 0, "23505")
    );
    assert_eq!(failure.applied.ids(), [1]);
    // The invalid index is there; the migration is recorded as being applied.
    assert_eq!(index_validity(&c, "dups_v_key").await.unwrap(), Some(false));
    assert_eq!(
        history_progress(&c, 2).await.unwrap().unwrap(),
        "applying:0"
    );
    assert_eq!(
        m.status(&c).await.unwrap()[1].state,
        MigrationState::Incomplete
    );
    assert!(matches!(
        m.down(&mut c, DownTarget::All).await,
        Err(Error::Incomplete { id: 2, .. })
    ));
    // Still failing while the data is bad: the invalid index is rebuilt, fails again.
    assert!(matches!(
        m.up(&mut c, Target::Latest).await,
        Err(Error::Statement(_))
    ));

    c.batch_execute("DELETE FROM dups WHERE ctid IN (SELECT max(ctid) FROM dups GROUP BY v HAVING count(*) > 1)")
        .await
        .unwrap();
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [2]);
    assert_eq!(report.runs[0].resumed_from, Some(0));
    assert_eq!(index_validity(&c, "dups_v_key").await.unwrap(), Some(true));
    assert_eq!(history_progress(&c, 2).await.unwrap().unwrap(), "applied:1");
    // It really is the unique index.
    assert!(
        c.batch_execute("INSERT INTO dups VALUES (2)")
            .await
            .is_err()
    );
}

// ----- lock timeouts ------------------------------------------------------------------

/// A concurrent build under the concurrent profile's `lock_timeout`, stalled by a
/// session holding an old snapshot (SAFETY.md rule 4): each attempt times out and
/// leaves an invalid index; the runner retries, each time dropping the invalid index
/// first, and once the snapshot is gone it builds a valid one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_concurrent_build_is_retried_and_rebuilt_valid() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&USERS, &USERS_BIO])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    let mut blocker = db.connect().await.unwrap();
    let hold = blocker
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .start()
        .await
        .unwrap();
    // A snapshot, and no lock on `users`.
    hold.batch_execute("SELECT count(*) FROM pg_class")
        .await
        .unwrap();
    let m = Migrator::new(
        &set([&USERS, &USERS_BIO, &USERS_BIO_IDX]),
        MigratorOptions::new()
            .concurrent_profile(ConcurrentProfile {
                lock_timeout: Some(Duration::from_millis(100)),
                statement_timeout: None,
            })
            .lock_timeouts([Duration::from_millis(100); 20])
            .backoff(Duration::from_millis(50), Duration::from_millis(200)),
    )
    .unwrap();
    let run = tokio::spawn(async move {
        let report = m.up(&mut c, Target::Latest).await;
        (report, c)
    });
    // Meanwhile the failed attempts' invalid index is there (between a drop and the
    // next build it briefly is not).
    let watcher = db.connect().await.unwrap();
    let mut seen_invalid = false;
    for _ in 0..14 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen_invalid |= index_validity(&watcher, "users_bio_idx").await.unwrap() == Some(false);
    }
    assert!(seen_invalid);
    hold.commit().await.unwrap();
    let (report, c) = run.await.unwrap();
    let report = report.unwrap();
    assert_eq!(report.ids(), [4]);
    let retries = &report.runs[0].retries;
    assert!(!retries.is_empty(), "{report:?}");
    assert!(retries.iter().all(|r| r.code == "55P03"), "{retries:?}");
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );
}

fn table_t(m: &mut Migration) {
    m.create_table("t", |t| {
        t.column("id", BigInt);
    });
}
fn t_add_w(m: &mut Migration) {
    m.add_column("t", "w", Integer);
}
reg!(TABLE_T, 1, table_t);
reg!(T_ADD_W, 2, t_add_w);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_migration_times_out_retries_and_does_not_stall_writers() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&TABLE_T])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();

    // A reader holds ACCESS SHARE on t in an open transaction.
    let blocker = db.connect().await.unwrap();
    blocker
        .batch_execute("SET application_name = 'long_reader'; BEGIN; SELECT count(*) FROM t")
        .await
        .unwrap();
    let blocker_pid = int(&blocker, "SELECT pg_backend_pid()").await.unwrap();

    // A writer inserts into t all along and measures its worst latency.
    let writer = db.connect().await.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_writer = stop.clone();
    let writer_task = tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        let mut count = 0u32;
        while !stop_writer.load(std::sync::atomic::Ordering::Relaxed) {
            let start = Instant::now();
            writer
                .batch_execute("INSERT INTO t VALUES (1)")
                .await
                .unwrap();
            worst = worst.max(start.elapsed());
            count += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (worst, count)
    });

    let options = MigratorOptions::new()
        .lock_timeouts([Duration::from_millis(100); 50])
        .backoff(Duration::from_millis(50), Duration::from_millis(100))
        .blocker_monitor(Connector::no_tls(db.config()));
    let m = Migrator::new(&set([&TABLE_T, &T_ADD_W]), options).unwrap();
    let runner = tokio::spawn(async move { m.up(&mut c, Target::Latest).await.map(|r| (r, c)) });

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !runner.is_finished(),
        "the migration cannot go through while the reader holds its lock"
    );
    blocker.batch_execute("COMMIT").await.unwrap();
    let (report, c) = runner.await.unwrap().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (worst, writes) = writer_task.await.unwrap();

    assert_eq!(report.ids(), [2]);
    let retries = &report.runs[0].retries;
    assert!(retries.len() >= 3, "{retries:?}");
    assert!(
        retries
            .iter()
            .all(|r| r.code == "55P03" && r.lock_timeout == Some(Duration::from_millis(100)))
    );
    assert!(
        retries.iter().any(
            |r| r.blockers.iter().any(|b| i64::from(b.pid) == blocker_pid
                && b.application_name == "long_reader"
                && b.state.as_deref() == Some("idle in transaction"))
        ),
        "the blocking reader is reported: {retries:?}"
    );
    assert!(column_exists(&c, "t", "w").await.unwrap());
    assert!(writes > 20, "the writer kept writing ({writes} writes)");
    // Writers queue behind the waiting ALTER for at most one lock_timeout (plus slack).
    assert!(
        worst < Duration::from_millis(600),
        "a writer stalled for {worst:?}"
    );
    // Settings did not leak into the session.
    assert_eq!(text(&c, "SHOW lock_timeout").await.unwrap().unwrap(), "0");
}

// ----- a run with nothing to do ---------------------------------------------------

static RECORDED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn counted(m: &mut Migration) {
    RECORDED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    m.create_table("counted", |t| {
        t.column("id", BigInt).primary_key();
    });
}
reg!(COUNTED, 1, counted);

#[tokio::test]
async fn a_run_with_nothing_to_do_plans_nothing_and_writes_nothing() {
    use std::sync::atomic::Ordering::SeqCst;
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let recorded = || RECORDED.load(SeqCst);

    // Recorded once for its checksum; planned (recorded again) only when it runs.
    let m = migrator([&COUNTED]);
    assert_eq!(recorded(), 1);
    assert_eq!(m.up(&mut c, Target::Latest).await.unwrap().ids(), [1]);
    assert_eq!(recorded(), 2);

    // A fresh migrator over the applied migration: checksum only, no plan, and no
    // transaction id taken (the end-of-run flush commits only after async commits).
    let m = migrator([&COUNTED]);
    assert_eq!(recorded(), 3);
    // Transaction ids are cluster-wide: a test running in another database can take
    // one between the two reads. Such noise only adds, so the smallest gap over a few
    // tries is this session's own: 1 when the no-op took none (a no-op that took an
    // id would never show less than 2).
    let mut gaps = Vec::new();
    for _ in 0..5 {
        let before = int(&c, "SELECT txid_current()").await.unwrap();
        let report = m.up(&mut c, Target::Latest).await.unwrap();
        assert!(report.runs.is_empty());
        let after = int(&c, "SELECT txid_current()").await.unwrap();
        gaps.push(after - before);
        if after - before == 1 {
            break;
        }
    }
    assert_eq!(
        gaps.iter().min(),
        Some(&1),
        "only the second txid_current() took an id (gaps seen: {gaps:?})"
    );
    assert_eq!(recorded(), 3, "the applied migration was not planned");

    // Its plan is built on demand, once.
    assert_eq!(m.plan(1).unwrap().up_sql().len(), 1);
    assert_eq!(m.plan(1).unwrap().id, 1);
    assert_eq!(recorded(), 4);
    assert!(matches!(m.plan(2), Err(Error::UnknownTarget { id: 2 })));
}
