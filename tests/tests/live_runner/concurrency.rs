//! Runners at once: each migration applied exactly once, the run lock waited for.

use super::*;

// ----- concurrency --------------------------------------------------------------------

pub(crate) fn counter(m: &mut Migration) {
    m.create_table("counter", |t| {
        t.column("id", BigInt);
    });
}
pub(crate) fn bump_two(m: &mut Migration) {
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
pub(crate) fn counter_idx(m: &mut Migration) {
    m.create_index_concurrently("counter_id_idx", "counter", ["id"]);
}
pub(crate) fn bump_four(m: &mut Migration) {
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
    migrate_tests::hold_run_lock(&first, db.name(), "holder")
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
        .batch_execute("SELECT pg_advisory_unlock_all()")
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
