//! The typed run events (`MigratorOptions::on_event`) against the real local
//! PostgreSQL, each test in its own fresh database: what an embedder's callback
//! receives while a run goes, and that it tells the same story as the report.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::{
    ConcurrentProfile, Connector, DownTarget, Migrations, Migrator, MigratorOptions,
    PreflightWarning, Registration, Report, RunDirection, RunEvent, Target,
};
use migrate_tests::{TestDb, index_validity, reg};

fn set<const N: usize>(regs: [&'static Registration; N]) -> Migrations {
    Migrations::from_registrations(regs).unwrap()
}

/// The events a run delivers, in order.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<RunEvent>>>);

impl Collected {
    /// `options` with a callback that collects into `self`.
    fn options(&self, options: MigratorOptions) -> MigratorOptions {
        let sink = self.0.clone();
        options.on_event(move |event| sink.lock().unwrap().push(event.clone()))
    }

    /// Takes what was collected so far.
    fn take(&self) -> Vec<RunEvent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn migrator<const N: usize>(
    regs: [&'static Registration; N],
    options: MigratorOptions,
) -> (Migrator, Collected) {
    let events = Collected::default();
    let m = Migrator::new(&set(regs), events.options(options)).unwrap();
    (m, events)
}

/// The migration events, written `started up 1`, `finished up 1`, `failed up 1`.
fn lifecycle(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::MigrationStarted { id, direction, .. } => {
                Some(format!("started {direction} {id}"))
            }
            RunEvent::MigrationFinished { id, direction, .. } => {
                Some(format!("finished {direction} {id}"))
            }
            RunEvent::MigrationFailed { id, direction, .. } => {
                Some(format!("failed {direction} {id}"))
            }
            _ => None,
        })
        .collect()
}

/// Every `MigrationFinished` matches the report's run at the same place.
fn assert_finished_match(events: &[RunEvent], report: &Report) {
    let finished: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::MigrationFinished {
                id,
                name,
                direction,
                duration,
                statements,
                retries,
                ..
            } => Some((*id, *name, *direction, *duration, *statements, *retries)),
            _ => None,
        })
        .collect();
    let runs: Vec<_> = report
        .runs
        .iter()
        .map(|r| {
            (
                r.id,
                r.name.as_str(),
                r.direction,
                r.duration,
                r.statements,
                r.retries.len(),
            )
        })
        .collect();
    assert_eq!(finished, runs);
}

// ----- a small schema ---------------------------------------------------------------

use migrate_tests::fixtures::{posts, users, users_bio, users_bio_idx};

fn broken(m: &mut Migration) {
    m.add_column("no_such_table", "x", Integer);
}
reg!(USERS, 1, users);
reg!(USERS_BIO, 2, users_bio);
reg!(POSTS, 3, posts);
reg!(BROKEN, 4, broken);
reg!(USERS_BIO_IDX, 5, users_bio_idx);

#[tokio::test]
async fn an_up_and_a_down_report_each_migration_started_then_finished_in_order() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let (m, events) = migrator([&USERS, &USERS_BIO, &POSTS], MigratorOptions::new());

    let report = m.up(&mut c, Target::Latest).await.unwrap();
    let up = events.take();
    assert!(
        matches!(up.first(), Some(RunEvent::LockAcquired { waited, .. }) if *waited == report.lock_waited),
        "{up:?}"
    );
    assert_eq!(
        lifecycle(&up),
        [
            "started up 1",
            "finished up 1",
            "started up 2",
            "finished up 2",
            "started up 3",
            "finished up 3"
        ]
    );
    assert!(
        up.iter().any(|e| matches!(
            e,
            RunEvent::MigrationStarted {
                id: 2,
                name: "users_bio",
                direction: RunDirection::Up,
                resumed_from: None,
                ..
            }
        )),
        "{up:?}"
    );
    assert_finished_match(&up, &report);

    // Nothing to do: the lock, and nothing else.
    m.up(&mut c, Target::Latest).await.unwrap();
    let idle = events.take();
    assert!(
        matches!(idle.as_slice(), [RunEvent::LockAcquired { .. }]),
        "{idle:?}"
    );

    let report = m.down(&mut c, DownTarget::Steps(2)).await.unwrap();
    let down = events.take();
    assert_eq!(
        lifecycle(&down),
        [
            "started down 3",
            "finished down 3",
            "started down 2",
            "finished down 2"
        ]
    );
    assert_finished_match(&down, &report);
}

#[tokio::test]
async fn a_failing_migration_is_reported_failed_with_its_sqlstate() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let (m, events) = migrator([&USERS, &BROKEN], MigratorOptions::new());

    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let seen = events.take();
    assert_eq!(
        lifecycle(&seen),
        [
            "started up 1",
            "finished up 1",
            "started up 4",
            "failed up 4"
        ]
    );
    let failed = seen
        .iter()
        .find_map(|e| match e {
            RunEvent::MigrationFailed {
                name, code, reason, ..
            } => Some((*name, code.clone(), reason.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(failed.0, "broken");
    assert_eq!(failed.1.as_deref(), Some("42P01"));
    assert_eq!(error.db_error().map(|d| d.code.as_str()), Some("42P01"));
    assert!(failed.2.contains("no_such_table"), "{failed:?}");
    assert!(!failed.2.contains('\n'), "one line: {failed:?}");
    assert_finished_match(&seen, error.applied().unwrap());
}

// ----- retries under a held table lock ------------------------------------------------

use migrate_tests::fixtures::{t_add_w, table_t};

reg!(TABLE_T, 1, table_t);
reg!(T_ADD_W, 2, t_add_w);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_retry_of_a_blocked_migration_is_reported_with_its_blocker() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    Migrator::new(&set([&TABLE_T]), MigratorOptions::new())
        .unwrap()
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    // A reader holds ACCESS SHARE on t in an open transaction.
    let blocker = db.connect().await.unwrap();
    let blocker_pid = migrate_tests::hold_access_share(&blocker, "long_reader", "t")
        .await
        .unwrap();

    let (m, events) = migrator(
        [&TABLE_T, &T_ADD_W],
        MigratorOptions::new()
            .lock_timeouts([Duration::from_millis(100); 50])
            .backoff(Duration::from_millis(50), Duration::from_millis(100))
            .blocker_monitor(Connector::no_tls(db.config())),
    );
    let runner = tokio::spawn(async move { m.up(&mut c, Target::Latest).await });
    tokio::time::sleep(Duration::from_millis(1000)).await;
    blocker.batch_execute("COMMIT").await.unwrap();
    let report = runner.await.unwrap().unwrap();
    let seen = events.take();

    let retries: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            RunEvent::StatementRetry {
                id,
                statement,
                attempt,
                attempts,
                code,
                lock_timeout,
                blockers,
                retry_in,
                ..
            } => Some((
                *id,
                *statement,
                *attempt,
                *attempts,
                code.clone(),
                *lock_timeout,
                blockers.clone(),
                *retry_in,
            )),
            _ => None,
        })
        .collect();
    assert!(retries.len() >= 3, "{seen:?}");
    for (n, (id, statement, attempt, attempts, code, lock_timeout, _, retry_in)) in
        retries.iter().enumerate()
    {
        assert_eq!((*id, *statement, *attempt, *attempts), (2, 0, n + 1, 50));
        assert_eq!(code, "55P03");
        assert_eq!(*lock_timeout, Some(Duration::from_millis(100)));
        assert!(*retry_in <= Duration::from_millis(100), "{retry_in:?}");
    }
    assert!(
        retries.iter().any(|r| r
            .6
            .iter()
            .any(|b| i64::from(b.pid) == blocker_pid && b.application_name == "long_reader")),
        "the blocking reader is named: {retries:?}"
    );
    // One event per failed attempt of the report, in its order.
    let reported = &report.runs[0].retries;
    assert_eq!(
        retries.iter().map(|r| r.2).collect::<Vec<_>>(),
        reported.iter().map(|r| r.attempt).collect::<Vec<_>>()
    );
    assert_eq!(
        retries.iter().map(|r| r.6.clone()).collect::<Vec<_>>(),
        reported
            .iter()
            .map(|r| r.blockers.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(lifecycle(&seen), ["started up 2", "finished up 2"]);
    assert_finished_match(&seen, &report);
}

/// A concurrent build stalled by an old snapshot: pre-flight warns of the session,
/// each attempt cut short by the concurrent `lock_timeout` is a retry, and the invalid
/// index it leaves is reported dropped for a rebuild; a rerun skips the built index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_concurrent_build_reports_preflight_retries_and_rebuilds() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    Migrator::new(&set([&USERS, &USERS_BIO]), MigratorOptions::new())
        .unwrap()
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    let mut blocker = db.connect().await.unwrap();
    let hold = migrate_tests::hold_snapshot(&mut blocker).await.unwrap();
    let (m, events) = migrator(
        [&USERS, &USERS_BIO, &USERS_BIO_IDX],
        MigratorOptions::new()
            .concurrent_profile(ConcurrentProfile {
                lock_timeout: Some(Duration::from_millis(100)),
                statement_timeout: None,
            })
            .lock_timeouts([Duration::from_millis(100); 20])
            .backoff(Duration::from_millis(50), Duration::from_millis(200)),
    );
    let run = tokio::spawn(async move {
        let report = m.up(&mut c, Target::Latest).await;
        (report, c, m)
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    hold.commit().await.unwrap();
    let (report, mut c, m) = run.await.unwrap();
    let report = report.unwrap();
    let seen = events.take();

    assert!(
        seen.iter().any(|e| matches!(
            e,
            RunEvent::Preflight(PreflightWarning::Session(s)) if s.holds_snapshot
        )),
        "{seen:?}"
    );
    let retries = seen
        .iter()
        .filter(|e| {
            matches!(e, RunEvent::StatementRetry { id: 5, code, attempts: 20, .. } if code == "55P03")
        })
        .count();
    assert!(retries >= 1, "{seen:?}");
    assert_eq!(retries, report.runs[0].retries.len());
    assert!(
        seen.iter().any(|e| matches!(
            e,
            RunEvent::RebuildingInvalidIndex { id: 5, index, .. } if index == "public.users_bio_idx"
        )),
        "{seen:?}"
    );
    assert_finished_match(&seen, &report);
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );

    // Recorded as not applied, the migration runs again and finds its index built.
    c.batch_execute("DELETE FROM migrate_history WHERE id = 5")
        .await
        .unwrap();
    m.up(&mut c, Target::Latest).await.unwrap();
    let again = events.take();
    assert!(
        again.iter().any(|e| matches!(
            e,
            RunEvent::IndexAlreadyBuilt { id: 5, index, .. } if index == "users_bio_idx"
        )),
        "{again:?}"
    );
}

// ----- backfill ---------------------------------------------------------------------

fn touch_counters(m: &mut Migration<Manual>) {
    m.backfill("counters")
        .set("touched", Expr::cust("touched + 1"))
        .batch_size(1000)
        .target_batch_duration(Duration::ZERO)
        .pause(Duration::ZERO);
}
reg!(TOUCH_COUNTERS, 1, touch_counters, irreversible);

#[tokio::test]
async fn a_backfill_reports_each_committed_batch() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE counters (id bigint PRIMARY KEY, touched integer NOT NULL DEFAULT 0);
         INSERT INTO counters (id) SELECT generate_series(1, 4500);",
    )
    .await
    .unwrap();
    let (m, events) = migrator([&TOUCH_COUNTERS], MigratorOptions::new());
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    let seen = events.take();
    let progress: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            RunEvent::BackfillProgress {
                id,
                table,
                batch,
                rows,
                ..
            } => Some((*id, table.clone(), *batch, *rows)),
            _ => None,
        })
        .collect();
    let table = report.runs[0].backfills[0].table.clone();
    assert_eq!(
        progress,
        [
            (1, table.clone(), 1, 1000),
            (1, table.clone(), 2, 2000),
            (1, table.clone(), 3, 3000),
            (1, table.clone(), 4, 4000),
            (1, table, 5, 4500),
        ]
    );
    // Between the migration's start and its end.
    assert_eq!(lifecycle(&seen), ["started up 1", "finished up 1"]);
    let position = |f: &dyn Fn(&RunEvent) -> bool| seen.iter().position(f).unwrap();
    assert!(
        position(&|e| matches!(e, RunEvent::MigrationStarted { .. }))
            < position(&|e| matches!(e, RunEvent::BackfillProgress { .. }))
    );
    assert!(
        position(&|e| matches!(e, RunEvent::BackfillProgress { batch: 5, .. }))
            < position(&|e| matches!(e, RunEvent::MigrationFinished { .. }))
    );
}

// ----- the run lock -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_runner_reports_its_wait_for_the_lock_and_who_holds_it() {
    let db = TestDb::create().await.unwrap();
    let mut first = db.connect().await.unwrap();
    let mut second = db.connect().await.unwrap();
    Migrator::new(&set([&USERS]), MigratorOptions::new())
        .unwrap()
        .up(&mut first, Target::Latest)
        .await
        .unwrap();
    migrate_tests::hold_run_lock(&first, db.name(), "holder")
        .await
        .unwrap();
    let (m, events) = migrator(
        [&USERS, &USERS_BIO],
        MigratorOptions::new()
            .lock_wait(Duration::from_secs(10))
            .lock_poll(Duration::from_millis(50)),
    );
    let start = Instant::now();
    let runner = tokio::spawn(async move { m.up(&mut second, Target::Latest).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    first
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .await
        .unwrap();
    let report = runner.await.unwrap().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    let seen = events.take();

    match seen.first() {
        Some(RunEvent::WaitingForLock { holder, .. }) => {
            let holder = holder.as_ref().expect("the holder is named");
            assert_eq!(holder.application_name, "holder");
        }
        other => panic!("expected WaitingForLock first, got {other:?} in {seen:?}"),
    }
    let acquired = seen
        .iter()
        .position(
            |e| matches!(e, RunEvent::LockAcquired { waited, .. } if *waited == report.lock_waited),
        )
        .expect("the lock is reported taken");
    assert!(report.lock_waited >= Duration::from_millis(300));
    assert!(
        seen[..acquired]
            .iter()
            .all(|e| matches!(e, RunEvent::WaitingForLock { .. })),
        "{seen:?}"
    );
    assert_eq!(
        lifecycle(&seen[acquired..]),
        ["started up 2", "finished up 2"]
    );
}
