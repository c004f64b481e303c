//! Online-safety runtime against the real local PostgreSQL, each test in its own fresh
//! database: the lint gate of `up`, batched backfills (resumable) and the pre-flight
//! checks before concurrent index builds.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use migrate_core::lint::{self, Finding};
use migrate_core::prelude::*;
use migrate_core::{
    ConcurrentProfile, DownTarget, Error, Migrations, Migrator, MigratorOptions, PreflightWarning,
    Registration, Target,
};
use migrate_tests::{TestDb, history_ids, index_validity, int, reg, table_exists, text};

const HISTORY: &str = "public.migrate_history";

fn set<const N: usize>(regs: [&'static Registration; N]) -> Migrations {
    Migrations::from_registrations(regs).unwrap()
}

fn migrator<const N: usize>(
    regs: [&'static Registration; N],
    options: MigratorOptions,
) -> Migrator {
    Migrator::new(&set(regs), options).unwrap()
}

// ----- the lint gate -----------------------------------------------------------------

fn accounts(m: &mut Migration) {
    m.create_table("accounts", |t| {
        t.column("id", BigInt).primary_key();
        t.column("email", Text).not_null();
    });
}
fn accounts_email_idx(m: &mut Migration) {
    m.create_index("accounts_email_idx", "accounts", ["email"]);
}
fn accounts_email_idx_allowed(m: &mut Migration) {
    m.create_index("accounts_email_idx", "accounts", ["email"]);
    m.allow(
        Rule::IndexNotConcurrent,
        "accounts is a small admin table; a short write pause is fine",
    );
}
fn accounts_rename(m: &mut Migration) {
    m.rename_column("accounts", "email", "mail");
}
reg!(ACCOUNTS, 1, accounts);
reg!(ACCOUNTS_EMAIL_IDX, 2, accounts_email_idx);
reg!(ACCOUNTS_EMAIL_IDX_ALLOWED, 2, accounts_email_idx_allowed);
reg!(ACCOUNTS_RENAME, 3, accounts_rename);

#[tokio::test]
async fn up_refuses_unacknowledged_findings_before_running_anything() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();

    let m = migrator(
        [&ACCOUNTS, &ACCOUNTS_EMAIL_IDX, &ACCOUNTS_RENAME],
        MigratorOptions::new(),
    );
    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let Error::Lint { findings } = &error else {
        panic!("expected Error::Lint, got {error:?}");
    };
    let rules: Vec<_> = findings.iter().map(|f| (f.id, f.rule)).collect();
    assert_eq!(
        rules,
        [(2, Rule::IndexNotConcurrent), (3, Rule::BreakingChange)]
    );
    // One line per finding, as `Finding` shows itself.
    let message = error.to_string();
    for finding in findings {
        assert!(
            message.lines().any(|l| l == finding.to_string()),
            "{message}"
        );
    }
    assert!(message.contains("nothing was applied"), "{message}");
    // Nothing ran: not even migration 1, which has no finding.
    assert!(!table_exists(&c, "accounts").await.unwrap());
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());

    // Up to 1 only: the range holds no finding, so it runs.
    let report = m.up(&mut c, Target::To(1)).await.unwrap();
    assert_eq!(report.ids(), [1]);
    // The next range still refuses.
    assert!(matches!(
        m.up(&mut c, Target::To(2)).await,
        Err(Error::Lint { .. })
    ));
    assert_eq!(
        index_validity(&c, "accounts_email_idx").await.unwrap(),
        None
    );

    // Acknowledged with a reason: it runs.
    let allowed = migrator(
        [&ACCOUNTS, &ACCOUNTS_EMAIL_IDX_ALLOWED],
        MigratorOptions::new(),
    );
    let report = allowed.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [2]);
    assert_eq!(
        index_validity(&c, "accounts_email_idx").await.unwrap(),
        Some(true)
    );

    // With the gate off (the lint runs elsewhere), the rename runs.
    let off = migrator(
        [&ACCOUNTS, &ACCOUNTS_EMAIL_IDX_ALLOWED, &ACCOUNTS_RENAME],
        MigratorOptions::new().enforce_lint(false),
    );
    assert_eq!(off.up(&mut c, Target::Latest).await.unwrap().ids(), [3]);

    // Redo's up is gated too (before its down runs).
    let gated = migrator(
        [&ACCOUNTS, &ACCOUNTS_EMAIL_IDX_ALLOWED, &ACCOUNTS_RENAME],
        MigratorOptions::new(),
    );
    assert!(matches!(gated.redo(&mut c).await, Err(Error::Lint { .. })));
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3]);
    // Down is not gated.
    assert_eq!(
        gated
            .down(&mut c, DownTarget::Steps(1))
            .await
            .unwrap()
            .ids(),
        [3]
    );
}

#[test]
fn lint_check_fails_on_blocking_findings_only() {
    let error = lint::check(&set([&ACCOUNTS, &ACCOUNTS_EMAIL_IDX])).unwrap_err();
    match &error {
        Error::Lint { findings } => {
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].rule, Rule::IndexNotConcurrent);
        }
        other => panic!("expected Error::Lint, got {other:?}"),
    }
    let findings: Vec<Finding> =
        lint::check(&set([&ACCOUNTS, &ACCOUNTS_EMAIL_IDX_ALLOWED])).unwrap();
    assert_eq!(findings.len(), 1);
    assert!(!findings[0].blocks());
}

// ----- batched backfill ----------------------------------------------------------------

fn people_nick_and_full_name(m: &mut Migration) {
    m.add_column("people", "nick", Text);
    m.reversible(
        |up| {
            up.backfill("people")
                .set("full_name", Expr::cust("first_name || ' ' || last_name"))
                .filter(Expr::col("full_name").is_null())
                .batch_size(2000)
                .pause(Duration::from_millis(1));
        },
        |_down| {},
    );
}
reg!(PEOPLE_FULL_NAME, 1, people_nick_and_full_name);

#[tokio::test]
async fn a_backfill_updates_every_matching_row_in_committed_batches() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE people (id bigint PRIMARY KEY, first_name text NOT NULL, \
         last_name text NOT NULL, full_name text);
         INSERT INTO people SELECT g, 'first' || g, 'last' || g, NULL FROM generate_series(1, 50000) g;
         UPDATE people SET full_name = 'keep' WHERE id % 10 = 0;",
    )
    .await
    .unwrap();

    let m = migrator([&PEOPLE_FULL_NAME], MigratorOptions::new());
    // The plan shows the batch statement's shape, outside the migration's transaction.
    let planned = m.plan_up(&c, Target::Latest).await.unwrap();
    assert!(!planned[0].transactional);
    assert!(
        planned[0].sql[1].contains("$1 = the last key done"),
        "{planned:?}"
    );

    let report = m.up(&mut c, Target::Latest).await.unwrap();
    let backfill = &report.runs[0].backfills[0];
    assert_eq!(backfill.table, "people");
    assert_eq!(backfill.key, "id");
    assert_eq!(backfill.rows, 45_000);
    assert!(backfill.batches >= 3, "{backfill:?}");
    assert_eq!(backfill.cursor.as_deref(), Some("50000"));
    assert_eq!(backfill.resumed_from, None);
    assert!(backfill.rows_per_second() > 0.0);

    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM people WHERE full_name = first_name || ' ' || last_name"
        )
        .await
        .unwrap(),
        45_000
    );
    // Rows outside the filter were left alone.
    assert_eq!(
        int(&c, "SELECT count(*) FROM people WHERE full_name = 'keep'")
            .await
            .unwrap(),
        5_000
    );
    assert_eq!(
        text(
            &c,
            "SELECT state || ':' || units_done || ':' || coalesce(backfill_cursor, 'none') \
             FROM migrate_history WHERE id = 1"
        )
        .await
        .unwrap()
        .unwrap(),
        "applied:2:none"
    );
    // Its down (the derived drop of `nick`, and nothing for the backfill) runs.
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());
}

/// Touches every row once; the batch holding id 12345 fails when the connection sets
/// `migrate_test.fail`, as a run killed mid-way.
fn touch_counters(m: &mut Migration<Manual>) {
    m.backfill("counters")
        .set(
            "touched",
            Expr::cust(
                "touched + 1 + CASE WHEN current_setting('migrate_test.fail', true) = 'on' \
                 THEN 0 * (1 / (id - 12345)) ELSE 0 END",
            ),
        )
        .batch_size(1000)
        .target_batch_duration(Duration::ZERO)
        .pause(Duration::ZERO);
}
reg!(TOUCH_COUNTERS, 1, touch_counters, irreversible);

#[tokio::test]
async fn an_interrupted_backfill_resumes_from_its_persisted_cursor() {
    let db = TestDb::create().await.unwrap();
    let setup = db.connect().await.unwrap();
    setup
        .batch_execute(
            "CREATE TABLE counters (id bigint PRIMARY KEY, touched integer NOT NULL DEFAULT 0);
             INSERT INTO counters (id) SELECT generate_series(1, 20000);",
        )
        .await
        .unwrap();
    let m = migrator([&TOUCH_COUNTERS], MigratorOptions::new());

    let mut config = db.config();
    config.options("-c migrate_test.fail=on");
    let mut failing = migrate_core::connect(&config).await.unwrap();
    let error = m.up(&mut failing, Target::Latest).await.unwrap_err();
    assert_eq!(
        error.db_error().map(|d| d.code.as_str()),
        Some("22012"),
        "{error}"
    );
    // Twelve batches of 1,000 committed with their cursor; the thirteenth rolled back.
    assert_eq!(
        text(
            &setup,
            "SELECT state || ':' || units_done || ':' || backfill_cursor FROM migrate_history"
        )
        .await
        .unwrap()
        .unwrap(),
        "applying:0:12000"
    );
    assert_eq!(
        int(&setup, "SELECT count(*) FROM counters WHERE touched = 1")
            .await
            .unwrap(),
        12_000
    );
    drop(failing);

    let mut c = db.connect().await.unwrap();
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    let backfill = &report.runs[0].backfills[0];
    assert_eq!(backfill.resumed_from.as_deref(), Some("12000"));
    assert_eq!(backfill.batches, 8);
    assert_eq!(backfill.rows, 8_000);
    // Every row touched exactly once: the resumed run did not redo a done range.
    assert_eq!(
        int(&c, "SELECT count(*) FROM counters WHERE touched = 1")
            .await
            .unwrap(),
        20_000
    );
    assert_eq!(
        text(
            &c,
            "SELECT state || ':' || coalesce(backfill_cursor, 'none') FROM migrate_history"
        )
        .await
        .unwrap()
        .unwrap(),
        "applied:none"
    );
}

fn backfill_composite(m: &mut Migration<Manual>) {
    m.backfill("pairs").set("v", 1);
}
reg!(BACKFILL_COMPOSITE, 1, backfill_composite, irreversible);

fn backfill_by_key(m: &mut Migration<Manual>) {
    m.backfill("pairs")
        .set("v", 1)
        .key("b")
        .batch_size(3)
        .target_batch_duration(Duration::ZERO);
}
reg!(BACKFILL_BY_KEY, 1, backfill_by_key, irreversible);

#[tokio::test]
async fn a_backfill_needs_a_single_column_key() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE pairs (a int, b uuid UNIQUE NOT NULL DEFAULT gen_random_uuid(), v int, \
         PRIMARY KEY (a, b));
         INSERT INTO pairs (a) SELECT generate_series(1, 10);",
    )
    .await
    .unwrap();
    let m = migrator([&BACKFILL_COMPOSITE], MigratorOptions::new());
    match m.up(&mut c, Target::Latest).await {
        Err(Error::BackfillKey { message, .. }) => {
            assert!(message.contains("several columns"), "{message}")
        }
        other => panic!("expected BackfillKey, got {other:?}"),
    }
    // Named explicitly, a uuid key works (no `max(uuid)` needed).
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE pairs (a int, b uuid UNIQUE NOT NULL DEFAULT gen_random_uuid(), v int, \
         PRIMARY KEY (a, b));
         INSERT INTO pairs (a) SELECT generate_series(1, 10);",
    )
    .await
    .unwrap();
    let m = migrator([&BACKFILL_BY_KEY], MigratorOptions::new());
    let report = m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.runs[0].backfills[0].rows, 10);
    assert_eq!(report.runs[0].backfills[0].batches, 4);
    assert_eq!(
        int(&c, "SELECT count(*) FROM pairs WHERE v = 1")
            .await
            .unwrap(),
        10
    );
}

// ----- pre-flight ----------------------------------------------------------------------

fn items_v_idx(m: &mut Migration) {
    m.create_index_concurrently("items_v_idx", "items", ["v"]);
}
reg!(ITEMS_V_IDX, 1, items_v_idx);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_that_would_stall_a_concurrent_build_are_reported_first() {
    let db = TestDb::create().await.unwrap();
    let setup = db.connect().await.unwrap();
    setup
        .batch_execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, v int);
             INSERT INTO items SELECT g, g % 7 FROM generate_series(1, 1000) g;",
        )
        .await
        .unwrap();
    // A session idle in a transaction that holds a snapshot.
    let mut blocker_config = db.config();
    blocker_config.application_name("preflight_blocker");
    let blocker = migrate_core::connect(&blocker_config).await.unwrap();
    blocker
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM items")
        .await
        .unwrap();
    let blocker_pid = int(
        &setup,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'preflight_blocker'",
    )
    .await
    .unwrap();

    // Refusing: nothing runs.
    let mut c = db.connect().await.unwrap();
    let refusing = migrator(
        [&ITEMS_V_IDX],
        MigratorOptions::new().refuse_when_blocked(true),
    );
    match refusing.up(&mut c, Target::Latest).await {
        Err(Error::Blocked { sessions }) => {
            assert_eq!(sessions.len(), 1, "{sessions:?}");
            assert_eq!(i64::from(sessions[0].pid), blocker_pid);
            assert_eq!(sessions[0].application_name, "preflight_blocker");
            assert_eq!(sessions[0].state.as_deref(), Some("idle in transaction"));
            assert!(sessions[0].holds_snapshot);
        }
        other => panic!("expected Blocked, got {other:?}"),
    }
    assert!(history_ids(&c, HISTORY).await.unwrap().is_empty());
    assert_eq!(index_validity(&c, "items_v_idx").await.unwrap(), None);

    // Warning (the default): reported, then the build waits for the snapshot; a
    // statement timeout ends the wait for the test.
    let warning = migrator(
        [&ITEMS_V_IDX],
        MigratorOptions::new().concurrent_profile(ConcurrentProfile {
            lock_timeout: None,
            statement_timeout: Some(Duration::from_secs(1)),
        }),
    );
    let error = warning.up(&mut c, Target::Latest).await.unwrap_err();
    assert_eq!(
        error.db_error().map(|d| d.code.as_str()),
        Some("57014"),
        "{error}"
    );
    let preflight = &error.applied().unwrap().preflight;
    assert!(
        preflight.iter().any(|w| matches!(
            w,
            PreflightWarning::Session(s)
                if i64::from(s.pid) == blocker_pid && s.holds_snapshot
        )),
        "{preflight:?}"
    );
    assert_eq!(
        index_validity(&c, "items_v_idx").await.unwrap(),
        Some(false)
    );

    // The blocker ends; the next run reports the invalid index it will rebuild.
    blocker.batch_execute("COMMIT").await.unwrap();
    let report = migrator([&ITEMS_V_IDX], MigratorOptions::new())
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(
        report.preflight,
        [PreflightWarning::InvalidIndex {
            index: "public.items_v_idx".to_owned(),
            table: "items".to_owned(),
        }]
    );
    assert_eq!(index_validity(&c, "items_v_idx").await.unwrap(), Some(true));
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1]);
}

// ----- history tables made by an older version ---------------------------------------------

#[tokio::test]
async fn a_history_table_without_the_cursor_column_is_read_and_upgraded() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE migrate_history (id bigint PRIMARY KEY, name text NOT NULL, \
         checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), \
         execution_ms bigint NOT NULL DEFAULT 0, applied_by text NOT NULL DEFAULT current_user, \
         state text NOT NULL DEFAULT 'applied', units_done integer NOT NULL DEFAULT 0)",
    )
    .await
    .unwrap();
    let m = migrator([&ACCOUNTS], MigratorOptions::new());
    // Reading (no lock, no change) works on the old shape.
    assert_eq!(m.status(&c).await.unwrap().len(), 1);
    assert_eq!(m.up(&mut c, Target::Latest).await.unwrap().ids(), [1]);
    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_name = 'migrate_history' AND column_name = 'backfill_cursor'"
        )
        .await
        .unwrap(),
        1
    );
}
