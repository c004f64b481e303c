//! A runner SIGKILLed in the middle of a migration (a separate process), then rerun:
//! the database converges to fully migrated, nothing applied twice.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use migrate_core::{Migrator, MigratorOptions, Target};
use migrate_tests::{
    TestDb, fixtures, history_ids, history_progress, index_validity, int, table_exists,
};

/// The victim process; killed and reaped when dropped (also when a test panics).
struct Victim(Child);

impl Drop for Victim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the victim and waits until its slow statement runs.
async fn start_victim(db: &TestDb, set: &str) -> Victim {
    let victim = Victim(
        Command::new(env!("CARGO_BIN_EXE_migrate_victim"))
            .arg(db.name())
            .arg(set)
            .spawn()
            .unwrap(),
    );
    let watcher = db.connect().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sleeping = int(
            &watcher,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate_victim' \
             AND datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep%'",
        )
        .await
        .unwrap();
        if sleeping == 1 {
            return victim;
        }
        assert!(
            Instant::now() < deadline,
            "the victim never reached its slow statement"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// SIGKILL (what `Child::kill` sends on Unix), then reap.
fn kill(mut victim: Victim) {
    victim.0.kill().unwrap();
    let status = victim.0.wait().unwrap();
    assert!(!status.success());
}

/// The dead victim's server session ends promptly (the runner set
/// `client_connection_check_interval` on it), not when its 30 s sleep is over: it no
/// longer runs, and its run lock is free.
async fn assert_session_ends_promptly(db: &TestDb) {
    let watcher = db.connect().await.unwrap();
    let start = Instant::now();
    loop {
        let left = int(
            &watcher,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate_victim' \
             AND datname = current_database()",
        )
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the killed runner's session still runs {:?} after the kill",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        int(
            &watcher,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        .await
        .unwrap(),
        0,
        "the run lock is still held"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_a_transactional_migration_then_rerun_converges() {
    let db = TestDb::create().await.unwrap();
    let victim = start_victim(&db, "transactional").await;
    let c0 = db.connect().await.unwrap();
    // Migration 1 is committed; 2 is sleeping inside its transaction.
    assert_eq!(history_ids(&c0, "migrate_history").await.unwrap(), [1]);
    kill(victim);
    assert_session_ends_promptly(&db).await;

    let mut c = db.connect().await.unwrap();
    let m = Migrator::new(
        &fixtures::kill_transactional().unwrap(),
        MigratorOptions::new(),
    )
    .unwrap();
    // The dead runner's session is gone with its lock; the rerun finds 2 not applied
    // (its transaction rolled back).
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [2, 3]);
    assert_eq!(history_ids(&c, "migrate_history").await.unwrap(), [1, 2, 3]);
    assert_eq!(
        int(&c, "SELECT count(*) FROM items WHERE id = 1")
            .await
            .unwrap(),
        1
    );
    assert!(table_exists(&c, "after_sleep").await.unwrap());
    assert!(table_exists(&c, "last_one").await.unwrap());
    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate_victim' \
             AND datname = current_database()"
        )
        .await
        .unwrap(),
        0
    );
    // And once more: nothing left to do.
    assert!(m.up(&mut c, Target::Latest).await.unwrap().runs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_units_of_a_non_transactional_migration_then_resumed() {
    let db = TestDb::create().await.unwrap();
    let victim = start_victim(&db, "non-transactional").await;
    let c0 = db.connect().await.unwrap();
    // The first concurrent index is built and recorded; the victim sleeps in unit 2.
    assert_eq!(
        history_progress(&c0, 2).await.unwrap().unwrap(),
        "applying:1"
    );
    kill(victim);
    assert_session_ends_promptly(&db).await;

    let mut c = db.connect().await.unwrap();
    let m = Migrator::new(
        &fixtures::kill_non_transactional().unwrap(),
        MigratorOptions::new(),
    )
    .unwrap();
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [2]);
    assert_eq!(report.runs[0].resumed_from, Some(1));
    assert_eq!(history_progress(&c, 2).await.unwrap().unwrap(), "applied:3");
    assert_eq!(
        index_validity(&c, "things_v_idx").await.unwrap(),
        Some(true)
    );
    assert_eq!(
        index_validity(&c, "things_id_v_idx").await.unwrap(),
        Some(true)
    );
    // The interrupted transactional unit ran exactly once; the data of 1 once.
    assert_eq!(
        int(&c, "SELECT count(*) FROM things WHERE id = 100000")
            .await
            .unwrap(),
        1
    );
    assert_eq!(int(&c, "SELECT count(*) FROM things").await.unwrap(), 1001);
}
