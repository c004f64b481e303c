//! A migration's life: up, down, redo and targets, baseline and repair, reconcile
//! refusals, a failing migration, schema-qualified history, and a run with nothing to do.

use super::*;

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

// ----- a migration that cannot be planned ----------------------------------------------

pub(crate) fn bad_down_up(m: &mut Migration<Manual>) {
    m.create_table("bad_down", |t| {
        t.column("id", BigInt);
    });
}
/// A hand-written down with a 64-byte name: its up records (and hashes) fine, so only
/// planning finds it.
pub(crate) fn bad_down_down(m: &mut Migration<Manual>) {
    m.create_table("x".repeat(64), |t| {
        t.column("id", BigInt);
    });
}
static BAD_DOWN: Registration = Registration {
    id: 3,
    name: "bad_down",
    file: file!(),
    line: line!(),
    module_path: module_path!(),
    up: migrate_core::Up::Manual(bad_down_up),
    down: migrate_core::Down::Manual({
        fn down() -> migrate_core::Recorded {
            migrate_core::__private::record::<Manual>(bad_down_down)
        }
        down
    }),
};

#[tokio::test]
async fn a_migration_that_cannot_be_planned_is_refused_before_any_runs() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    // Recording and hashing pass: the problem is in the down, which only a plan builds.
    let m = migrator([&USERS, &USERS_BIO, &BAD_DOWN, &USERS_BIO_IDX]);
    let failure = m.up(&mut c, Target::Latest).await.unwrap_err();
    match &failure {
        Error::InvalidMigration {
            id: 3, problems, ..
        } => {
            assert!(problems.iter().all(|p| p.down), "{problems:?}");
        }
        other => panic!("expected InvalidMigration for 3, got {other:?}"),
    }
    // The history table is made (under the lock, before the plans), nothing else.
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());
    assert!(!table_exists(&c, "users").await.unwrap());
    // The dry run refuses it the same way. A run that stops before it does not plan
    // it (it is not that run's work); the next full run refuses it again.
    assert!(matches!(
        m.plan_up(&c, Target::Latest).await,
        Err(Error::InvalidMigration { id: 3, .. })
    ));
    assert_eq!(m.up(&mut c, Target::To(2)).await.unwrap().ids(), [1, 2]);
    assert!(matches!(
        m.up(&mut c, Target::Latest).await,
        Err(Error::InvalidMigration { id: 3, .. })
    ));
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2]);
    assert!(!table_exists(&c, "bad_down").await.unwrap());
}

// ----- baseline and repair -------------------------------------------------------------

pub(crate) fn users_v2(m: &mut Migration) {
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

pub(crate) fn seed(m: &mut Migration<Manual>) {
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

pub(crate) fn half_way(m: &mut Migration<Manual>) {
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

pub(crate) fn app_schema(m: &mut Migration) {
    m.create_schema("app");
}
reg!(APP_SCHEMA, 1, app_schema);
pub(crate) fn app_schema_ensured(m: &mut Migration<Manual>) {
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

// ----- a run with nothing to do ---------------------------------------------------

pub(crate) static RECORDED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub(crate) fn counted(m: &mut Migration) {
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

    // Recorded once for its checksum; planned (recorded again) only when it is
    // pending: once to check it before anything runs, once when it runs (no plan is
    // kept between the two, so memory stays flat however many are pending).
    let m = migrator([&COUNTED]);
    assert_eq!(recorded(), 1);
    assert_eq!(m.up(&mut c, Target::Latest).await.unwrap().ids(), [1]);
    assert_eq!(recorded(), 3);

    // A fresh migrator over the applied migration: checksum only, no plan, and no
    // transaction id taken (the end-of-run flush commits only after async commits).
    let m = migrator([&COUNTED]);
    assert_eq!(recorded(), 4);
    // Transaction ids are cluster-wide: a test running in another database can take
    // one between the two reads. Such noise only adds, so the smallest gap over a few
    // tries is this session's own: 1 when the no-op took none (a no-op that took an
    // id would never show less than 2). Tests beside this one apply hundreds of
    // migrations (`a_modified_migration_among_many_applied_is_still_refused`): enough
    // tries to find a quiet moment (the loop stops at the first gap of 1).
    let mut gaps = Vec::new();
    for _ in 0..200 {
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
    assert_eq!(recorded(), 4, "the applied migration was not planned");

    // Its plan is built on demand, each time: the migrator keeps none.
    assert_eq!(m.plan(1).unwrap().up_sql().len(), 1);
    assert_eq!(m.plan(1).unwrap().id, 1);
    assert_eq!(recorded(), 6);
    assert!(matches!(m.plan(2), Err(Error::UnknownTarget { id: 2 })));
}

// ----- many applied migrations ------------------------------------------------------

pub(crate) fn nothing(_: &mut Migration) {}

/// Migrations 1..=n that do nothing, but `users` at `edited`.
fn many(n: i64, edited: Option<i64>) -> Migrator {
    let regs = (1..=n).map(|id| -> &'static Registration {
        Box::leak(Box::new(Registration {
            id,
            name: "nothing",
            file: file!(),
            line: line!(),
            module_path: module_path!(),
            up: migrate_core::Up::Reversible(if Some(id) == edited { users } else { nothing }),
            down: migrate_core::Down::Auto,
        }))
    });
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_modified_migration_among_many_applied_is_still_refused() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    // 600: recorded and hashed on more than one thread (on a machine with two cores).
    let m = many(600, None);
    assert_eq!(m.up(&mut c, Target::To(400)).await.unwrap().runs.len(), 400);
    // The history holds exactly the first 400, finished: the rest is found from the
    // history's summary, and applied.
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), (401..=600).collect::<Vec<_>>());
    assert!(m.up(&mut c, Target::Latest).await.unwrap().runs.is_empty());
    assert_eq!(history_ids(&c, HISTORY).await.unwrap().len(), 600);

    // One edited in the middle: the summary differs, the rows say which.
    assert!(matches!(
        many(600, Some(300)).up(&mut c, Target::Latest).await,
        Err(Error::Modified { ids }) if ids == [300]
    ));
    // Checksums in capitals: the summary differs too, but the rows match.
    c.batch_execute("UPDATE migrate_history SET checksum = upper(checksum)")
        .await
        .unwrap();
    assert!(m.up(&mut c, Target::Latest).await.unwrap().runs.is_empty());
    // A row the code lacks.
    c.batch_execute(
        "INSERT INTO migrate_history (id, name, checksum) VALUES (601, 'gone', repeat('0', 64))",
    )
    .await
    .unwrap();
    assert!(matches!(
        m.up(&mut c, Target::Latest).await,
        Err(Error::Missing { ids }) if ids == [601]
    ));
    c.batch_execute("DELETE FROM migrate_history WHERE id IN (601, 200)")
        .await
        .unwrap();
    // A hole: 200 is pending but older than the newest applied.
    assert!(matches!(
        m.up(&mut c, Target::Latest).await,
        Err(Error::OutOfOrder { ids }) if ids == [200]
    ));
    assert!(!table_exists(&c, "users").await.unwrap());
}
