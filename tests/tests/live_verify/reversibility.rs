//! `verify` proving downs: a correct set passes, wrong hand-written downs are caught,
//! failing downs, cancellation, and the other scratch targets.

use super::*;

#[tokio::test]
pub(crate) async fn a_correct_set_passes_and_its_scratch_database_is_dropped() {
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
pub(crate) async fn column_positions_are_checked_only_when_asked() {
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

pub(crate) fn add_bio_and_index(m: &mut Migration<Manual>) {
    m.add_column("users", "bio", Text);
    m.create_index("users_email_idx", "users", ["email"]);
}
pub(crate) fn forgets_the_index(m: &mut Migration<Manual>) {
    m.drop_column("users", "bio");
}
manual!(FORGETS_INDEX, 2, add_bio_and_index, forgets_the_index);

pub(crate) fn add_two_columns(m: &mut Migration<Manual>) {
    m.add_column("users", "age", Integer);
    m.add_column("users", "city", Text).not_null().default("");
}
pub(crate) fn leaves_a_column(m: &mut Migration<Manual>) {
    m.drop_column("users", "age");
}
manual!(LEAVES_COLUMN, 2, add_two_columns, leaves_a_column);

pub(crate) fn add_unique_email(m: &mut Migration<Manual>) {
    m.add_unique("users", "users_email_unique", ["email"]);
}
pub(crate) fn drops_the_wrong_constraint(m: &mut Migration<Manual>) {
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
pub(crate) async fn failed_down(report: &VerifyReport) -> migrate_core::SnapshotDiff {
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
pub(crate) async fn a_down_that_forgets_an_index_is_caught() {
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
pub(crate) async fn a_down_that_leaves_a_column_is_caught() {
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
pub(crate) async fn a_down_that_drops_the_wrong_constraint_is_caught() {
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

pub(crate) fn fails_down_up(m: &mut Migration<Manual>) {
    m.add_column("users", "extra", Text);
}
pub(crate) fn fails_down(m: &mut Migration<Manual>) {
    m.drop_column("users", "no_such_column");
}
manual!(FAILING_DOWN, 2, fails_down_up, fails_down);

#[tokio::test]
pub(crate) async fn a_down_whose_statement_fails_is_a_failure_of_that_migration() {
    let report = run([&USERS, &FAILING_DOWN]).await;
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    match &failure.outcome {
        Outcome::Failed(Failure::Statement {
            phase,
            failure: statement,
        }) => {
            assert_eq!(*phase, Phase::Down);
            assert_eq!(statement.db.code, "42703");
        }
        other => panic!("expected a failed statement, got {other:?}"),
    }
    assert!(!database_exists(&report.database).await);
}

// ----- cancellation and the other targets -----------------------------------------------

pub(crate) fn slow(m: &mut Migration<Manual>) {
    m.unchecked_sql("SELECT pg_sleep(30) /* live_verify_cancel */");
}
reg!(SLOW, 2, slow, irreversible);

#[tokio::test]
pub(crate) async fn a_cancelled_verify_drops_its_scratch_database() {
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
pub(crate) async fn an_existing_database_can_be_the_scratch_when_nothing_is_applied() {
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
pub(crate) async fn assert_reversible_fails_with_the_report() {
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

// ----- --keep-going ---------------------------------------------------------------------

manual!(LEAVES_COLUMN_3, 3, add_two_columns, leaves_a_column);
pub(crate) fn bio_index(m: &mut Migration) {
    m.create_index("users_bio_idx", "users", ["bio"]);
}
reg!(BIO_INDEX, 4, bio_index);

/// A connector that remembers the name of every database it connected to.
fn recording_connector() -> (
    migrate_core::verify::ScratchConnector,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let connector = migrate_core::verify::ScratchConnector::new(move |config| {
        log.lock()
            .unwrap()
            .push(config.get_dbname().unwrap_or_default().to_owned());
        Box::pin(async move { migrate_core::connect(&config).await })
    });
    (connector, seen)
}

/// With `keep_going`, two wrong downs in a row are both reported, the migration after
/// them (which needs the first one's column) is still checked, and every scratch
/// database the run created, the rebuilt ones too, is dropped.
#[tokio::test]
pub(crate) async fn keep_going_reports_every_wrong_down_and_drops_every_scratch_database() {
    let set = [&USERS, &FORGETS_INDEX, &LEAVES_COLUMN_3, &BIO_INDEX];
    let (connector, seen) = recording_connector();
    let options = VerifyOptions::new().connector(connector).keep_going(true);
    let report = verify(&migrator(set), server(), &options).await.unwrap();
    assert!(!report.is_success());
    let failed: Vec<i64> = report.failures().map(|m| m.id).collect();
    assert_eq!(failed, [2, 3], "{report}");
    assert_eq!(report.passed(), [1, 4], "{report}");
    assert_eq!(report.unchecked, 0);
    let text = report.to_string();
    assert!(text.contains("FAILED   2 add_bio_and_index"), "{text}");
    assert!(text.contains("FAILED   3 add_two_columns"), "{text}");
    assert!(text.contains("ok       4 bio_index"), "{text}");
    assert!(!text.contains("not checked"), "{text}");
    let scratch: std::collections::BTreeSet<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|name| name.starts_with("migrate_verify_"))
        .cloned()
        .collect();
    assert_eq!(
        scratch.len(),
        3,
        "one database, rebuilt after each failure: {scratch:?}"
    );
    assert!(scratch.contains(&report.database));
    for name in &scratch {
        assert!(!database_exists(name).await, "{name} was left behind");
    }

    // Without it, the same set stops at the first failure.
    let report = run(set).await;
    assert_eq!(report.failures().count(), 1);
    assert_eq!(report.unchecked, 2);
}

/// A failed up stops even a `keep_going` run: the migrations after it build on it.
#[tokio::test]
pub(crate) async fn keep_going_stops_at_a_failed_up() {
    fn broken_up(m: &mut Migration<Manual>) {
        m.add_column("no_such_table", "x", Text);
    }
    fn broken_down(m: &mut Migration<Manual>) {
        m.drop_column("no_such_table", "x");
    }
    manual!(BROKEN_UP, 2, broken_up, broken_down);
    let options = VerifyOptions::new().keep_going(true);
    let report = verify(&migrator([&USERS, &BROKEN_UP, &AFTER]), server(), &options)
        .await
        .unwrap();
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    assert!(
        matches!(
            failure.outcome,
            Outcome::Failed(Failure::Statement {
                phase: Phase::Up,
                ..
            })
        ),
        "{report}"
    );
    assert_eq!(report.unchecked, 1);
    assert!(!database_exists(&report.database).await);
}
