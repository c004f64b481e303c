//! A connection lost in the middle of a run (the server terminates the runner's
//! session) is reported as lost, with the server's reason, the migration that was
//! running and the state it is in; the history is as the server left it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::{Error, LostState, Migrations, Migrator, MigratorOptions, RunDirection, Target};
use migrate_tests::{TestDb, history_ids, history_progress, int, reg, table_exists};

fn lost_first(m: &mut Migration) {
    m.create_table("lost_first", |t| {
        t.column("id", BigInt).primary_key();
        t.column("v", Integer);
    });
}

fn lost_sleeps(m: &mut Migration) {
    m.create_table("lost_sleeps", |t| {
        t.column("id", BigInt).primary_key();
    });
    m.reversible(
        |up| {
            up.unchecked_sql("SELECT pg_sleep(5)");
        },
        |down| {
            down.unchecked_sql("SELECT 1");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}

fn lost_units(m: &mut Migration) {
    m.create_index_concurrently("lost_first_v_idx", "lost_first", ["v"]);
    m.reversible(
        |up| {
            up.unchecked_sql("SELECT pg_sleep(5)");
        },
        |down| {
            down.unchecked_sql("SELECT 1");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
    m.create_index_concurrently("lost_first_id_v_idx", "lost_first", ["id", "v"]);
}

reg!(LOST_FIRST, 1, lost_first);
reg!(LOST_SLEEPS, 2, lost_sleeps);
reg!(LOST_UNITS, 2, lost_units);

/// Runs `up` with application_name `lost_runner`, terminates its session while it
/// sleeps, and returns the error.
async fn up_terminated(db: &TestDb, set: &Migrations) -> Error {
    let mut config = db.config();
    config.application_name("lost_runner");
    let mut client = migrate_core::connect(&config).await.unwrap();
    let migrator = Migrator::new(set, MigratorOptions::new()).unwrap();
    let run = tokio::spawn(async move { migrator.up(&mut client, Target::Latest).await });
    let killer = db.connect().await.unwrap();
    let start = Instant::now();
    loop {
        let killed = int(
            &killer,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = 'lost_runner' AND datname = current_database() \
             AND query LIKE '%pg_sleep(5)%' AND state = 'active'",
        )
        .await
        .unwrap();
        if killed == 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never saw the sleep"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let result = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the run did not end")
        .unwrap();
    result.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_session_during_a_transactional_migration_reads_as_lost_and_rolled_back() {
    let db = TestDb::create().await.unwrap();
    let set = Migrations::from_registrations([&LOST_FIRST, &LOST_SLEEPS]).unwrap();
    let error = up_terminated(&db, &set).await;
    let text = error.to_string();
    let Error::ConnectionLost(lost) = &error else {
        panic!("expected ConnectionLost, got {error:?}");
    };
    assert_eq!(lost.reason.as_ref().map(|r| r.code.as_str()), Some("57P01"));
    let running = lost.migration.as_ref().unwrap();
    assert_eq!((running.id, running.name.as_str()), (2, "lost_sleeps"));
    assert_eq!(running.direction, RunDirection::Up);
    assert_eq!(running.state, LostState::RolledBack);
    assert_eq!(lost.applied.ids(), [1]);
    assert_eq!(error.db_error().map(|d| d.code.as_str()), Some("57P01"));
    for part in [
        "connection to PostgreSQL was lost",
        "the server terminated the session",
        "migration 2 (lost_sleeps)",
        "rolled back",
        "hint:",
    ] {
        assert!(text.contains(part), "{part:?} not in: {text}");
    }
    assert!(!text.contains("connection closed"), "{text}");
    // The history is as it was before migration 2.
    let c = db.connect().await.unwrap();
    assert_eq!(history_ids(&c, "migrate_history").await.unwrap(), [1]);
    assert!(!table_exists(&c, "lost_sleeps").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_session_during_a_resumable_migration_reads_as_lost_and_resumable() {
    let db = TestDb::create().await.unwrap();
    let set = Migrations::from_registrations([&LOST_FIRST, &LOST_UNITS]).unwrap();
    let error = up_terminated(&db, &set).await;
    let text = error.to_string();
    let Error::ConnectionLost(lost) = &error else {
        panic!("expected ConnectionLost, got {error:?}");
    };
    assert_eq!(lost.reason.as_ref().map(|r| r.code.as_str()), Some("57P01"));
    let running = lost.migration.as_ref().unwrap();
    assert_eq!((running.id, running.name.as_str()), (2, "lost_units"));
    assert_eq!(running.state, LostState::Resumable { units_done: 1 });
    assert!(text.contains("resumes it from unit 1"), "{text}");
    let c = db.connect().await.unwrap();
    assert_eq!(
        history_progress(&c, 2).await.unwrap().unwrap(),
        "applying:1"
    );
    // And it does resume.
    let mut c = db.connect().await.unwrap();
    let report = Migrator::new(&set, MigratorOptions::new())
        .unwrap()
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(report.runs[0].resumed_from, Some(1));
    assert_eq!(history_progress(&c, 2).await.unwrap().unwrap(), "applied:3");
}
