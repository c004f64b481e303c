//! A realistic application schema (accounts, users, a catalog, orders with
//! trigger-maintained totals and counts, reporting views, row-level security, two
//! data moves), written twice: in raw SQL as a team would keep it in SQL files
//! (`raw.rs`), and with the typed DSL (`dsl.rs`).
//!
//! Against the real PostgreSQL, each test in its own fresh databases: both versions
//! build the same catalog and move the same data; every DSL migration's down is proved
//! by `verify`; and the share of statements the DSL could not type (`unchecked_sql`) is
//! counted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod dsl;
mod raw;

use migrate_core::snapshot::{Snapshot, SnapshotOptions};
use migrate_core::verify::{VerifyOptions, verify};
use migrate_core::{Migrations, Migrator, MigratorOptions, ScratchTarget, Step, Target};
use migrate_tests::{TestDb, admin_url, column};
use tokio_postgres::Client;

fn migrator() -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(dsl::ALL).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

/// The id of the last migration before the data moves.
const BEFORE_MOVES: i64 = 5;

/// Rows for every table, inserted before the data moves run (and before the last
/// migrations exist), the same way in both databases.
const SEED: &str = "
    INSERT INTO app.accounts (name) VALUES ('acme'), ('globex');
    INSERT INTO app.users (account_id, email, display_name, address) VALUES
        (1, 'ann@acme.test', 'Ann', '1 Main St'), (1, 'bob@acme.test', 'Bob', NULL),
        (2, 'cy@globex.test', NULL, '9 Elm Rd');
    INSERT INTO app.products (sku, name, price) VALUES
        ('widget', 'Widget', 2.50), ('test-1', 'Test product', 1.00), ('gadget', 'Gadget', 10);
    INSERT INTO app.orders (user_id) VALUES (1), (1), (3);
    INSERT INTO app.order_lines (order_id, product_id, quantity, unit_price) VALUES
        (1, 1, 4, 2.50), (1, 2, 1, 1.00), (2, 3, 1, 10), (3, 1, 2, 2.50);
    DELETE FROM app.order_lines WHERE order_id = 2;
    UPDATE app.accounts SET created_at = '2026-12-01 09:00+00';
    UPDATE app.users SET created_at = '2026-12-01 09:00+00';
    UPDATE app.orders SET placed_at = '2026-12-02 10:00+00';
";

async fn apply_raw(client: &Client, migrations: &[(&str, &[&str])]) {
    for (name, statements) in migrations {
        for sql in *statements {
            if let Err(error) = client.batch_execute(sql).await {
                panic!("raw migration {name}: {sql}: {error:?}");
            }
        }
    }
}

/// What the data looks like: every row of every table, as text, in a stable order.
async fn data(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "accounts",
        "users",
        "products",
        "orders",
        "order_lines",
        "addresses",
        "product_sales",
    ] {
        let rows = column(
            client,
            &format!("SELECT t::text FROM app.{table} t ORDER BY t::text"),
        )
        .await
        .unwrap();
        out.extend(rows.into_iter().map(|r| format!("{table} {r}")));
    }
    out
}

/// Both versions, applied to their own database with the same rows inserted before
/// the data moves: the same catalog (views, functions, triggers, policies, grants,
/// comments, sequences, domains included) and the same rows, those the data moves
/// wrote and those the triggers keep.
#[tokio::test]
async fn the_dsl_builds_the_same_catalog_and_moves_the_same_data_as_the_raw_sql() {
    let (raw_db, dsl_db) = (
        TestDb::create().await.unwrap(),
        TestDb::create().await.unwrap(),
    );
    let raw = raw_db.connect().await.unwrap();
    let mut dsl = dsl_db.connect().await.unwrap();
    let split = usize::try_from(BEFORE_MOVES).unwrap();
    let migrator = migrator();

    apply_raw(&raw, &raw::RAW[..split]).await;
    raw.batch_execute(SEED).await.unwrap();
    migrator
        .up(&mut dsl, Target::To(BEFORE_MOVES))
        .await
        .unwrap();
    dsl.batch_execute(SEED).await.unwrap();

    apply_raw(&raw, &raw::RAW[split..]).await;
    migrator.up(&mut dsl, Target::Latest).await.unwrap();

    let options = SnapshotOptions::new();
    let (raw_schema, dsl_schema) = (
        Snapshot::read(&mut raw_db.connect().await.unwrap(), &options)
            .await
            .unwrap(),
        Snapshot::read(&mut dsl, &options).await.unwrap(),
    );
    let diff = raw_schema.diff(&dsl_schema);
    assert!(diff.is_empty(), "the catalogs differ:\n{diff}");
    assert!(raw_schema.len() > 60, "{} objects", raw_schema.len());

    let rows = data(&raw).await;
    assert_eq!(rows, data(&dsl).await);
    for expected in [
        // Moved by `addresses` (INSERT .. SELECT).
        "addresses (1,1,\"1 Main St\")",
        "addresses (2,3,\"9 Elm Rd\")",
        // Written by `orders_account` (UPDATE .. FROM), totals kept by the trigger.
        "orders (1,1,pending,1000,\"2026-12-02 10:00:00+00\",10.00,1)",
        "orders (3,3,pending,1002,\"2026-12-02 10:00:00+00\",5.00,2)",
        // Counted by the trigger on orders.
        "users (1,1,ann@acme.test,Ann,2,",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(expected)),
            "{expected} not in {rows:#?}"
        );
    }
}

/// Every statement of the raw version, and how many of them the DSL version had to
/// write as `unchecked_sql`.
#[test]
fn the_dsl_needs_no_unchecked_sql() {
    let statements: usize = raw::RAW.iter().map(|(_, s)| s.len()).sum();
    let mut unchecked = 0;
    for registration in dsl::ALL {
        let plan = migrate_core::MigrationPlan::new(registration).unwrap();
        unchecked += count_unchecked(&plan.up.steps);
    }
    assert_eq!(
        raw::RAW.len(),
        dsl::ALL.len(),
        "one DSL migration per raw one"
    );
    assert!(statements >= 40, "{statements} statements");
    assert_eq!(unchecked, 0, "of {statements} statements");
}

fn count_unchecked(steps: &[Step]) -> usize {
    steps
        .iter()
        .map(|step| match step {
            Step::UncheckedSql(_) => 1,
            Step::Reversible { up, down } => count_unchecked(up) + count_unchecked(down),
            _ => 0,
        })
        .sum()
}

#[tokio::test]
async fn every_down_is_proved_by_verify() {
    let report = verify(
        &migrator(),
        ScratchTarget::Server(admin_url().parse().unwrap()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3, 4, 5, 6, 7, 9], "{report}");
    assert_eq!(report.skipped(), [8], "{report}");
}
