//! Concurrent index builds that fail or are blocked, and lock timeouts with retries.

use super::*;

// ----- concurrent index builds ----------------------------------------------------------

pub(crate) fn dups(m: &mut Migration) {
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
pub(crate) fn dups_unique(m: &mut Migration) {
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
    // A snapshot, and no lock on `users`.
    let hold = migrate_tests::hold_snapshot(&mut blocker).await.unwrap();
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

use migrate_tests::fixtures::{t_add_w, table_t};

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
    let blocker_pid = migrate_tests::hold_access_share(&blocker, "long_reader", "t")
        .await
        .unwrap();

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
