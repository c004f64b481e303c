//! The online protocols against the real PostgreSQL, each test in its own fresh
//! databases: a step planned as several statements (a temporary `CHECK` behind
//! `set_not_null`, `NOT VALID` then `VALIDATE` for a constraint) must leave the catalog
//! the plain statement leaves, on every supported major (`tests/pg_versions.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use migrate_core::prelude::*;
use migrate_core::snapshot::{Snapshot, SnapshotOptions, diff};
use migrate_core::{Migrations, Migrator, MigratorOptions, Registration, Target};
use migrate_tests::{TestDb, column, reg};

/// The existing schema both databases start from, with rows.
const SETUP: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text, manager_id bigint); \
     CREATE TABLE a_table_with_a_rather_long_name_for_the_check_name_to_be_cut \
       (id bigint PRIMARY KEY, a_column_with_a_long_name_too text); \
     INSERT INTO users VALUES (1, 'a@example.com', NULL), (2, 'b@example.com', 1); \
     INSERT INTO a_table_with_a_rather_long_name_for_the_check_name_to_be_cut VALUES (1, 'x')";

fn not_null(m: &mut Migration) {
    m.set_not_null("users", "email");
    m.set_not_null(
        "a_table_with_a_rather_long_name_for_the_check_name_to_be_cut",
        "a_column_with_a_long_name_too",
    );
}
reg!(NOT_NULL, 1, not_null);

/// What the protocol stands for, run as plain statements.
const PLAIN_NOT_NULL: &str = "ALTER TABLE users ALTER COLUMN email SET NOT NULL; \
     ALTER TABLE a_table_with_a_rather_long_name_for_the_check_name_to_be_cut \
       ALTER COLUMN a_column_with_a_long_name_too SET NOT NULL";

fn constraints(m: &mut Migration) {
    m.add_foreign_key("users", "users_manager_fk", ["manager_id"], "users", ["id"]);
    m.add_check("users", "users_email_at", Expr::cust("email LIKE '%@%'"));
}
reg!(CONSTRAINTS, 1, constraints);

const PLAIN_CONSTRAINTS: &str = "ALTER TABLE users ADD CONSTRAINT users_manager_fk \
       FOREIGN KEY (manager_id) REFERENCES users (id); \
     ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (email LIKE '%@%')";

/// Every constraint of the public schema but the history table's: name, table,
/// definition, validated.
const CONSTRAINTS_SQL: &str = "SELECT conname || ' on ' || conrelid::regclass || ': ' \
       || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END \
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
       AND conrelid::regclass::text <> 'migrate_history' ORDER BY 1";

/// Runs `registration` over [`SETUP`] in one database and `plain` over it in another,
/// and returns both catalogs: their constraints, and the difference of their snapshots.
async fn protocol_and_plain(
    registration: &'static Registration,
    plain: &str,
) -> (Vec<String>, Vec<String>, String) {
    let by_protocol = TestDb::create().await.unwrap();
    let mut c = by_protocol.connect().await.unwrap();
    c.batch_execute(SETUP).await.unwrap();
    let migrations = Migrations::from_registrations([registration]).unwrap();
    let migrator = Migrator::new(&migrations, MigratorOptions::new()).unwrap();
    let report = migrator.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(report.runs.len(), 1);
    // The protocol really ran (not the one-statement form of a new table).
    assert!(!migrator.plan(1).unwrap().up.is_transactional());

    let by_plain = TestDb::create().await.unwrap();
    let mut p = by_plain.connect().await.unwrap();
    p.batch_execute(SETUP).await.unwrap();
    p.batch_execute(plain).await.unwrap();

    let options = SnapshotOptions::new();
    let after_protocol = Snapshot::read(&mut c, &options).await.unwrap();
    let after_plain = Snapshot::read(&mut p, &options).await.unwrap();
    (
        column(&c, CONSTRAINTS_SQL).await.unwrap(),
        column(&p, CONSTRAINTS_SQL).await.unwrap(),
        diff(&after_plain, &after_protocol).to_string(),
    )
}

#[tokio::test]
async fn set_not_null_leaves_the_catalog_of_the_plain_statement() {
    // PostgreSQL 18 catalogues NOT NULL as a constraint named `<table>_<column>_not_null`:
    // a temporary check of that name made it `..._not_null1`.
    let (protocol, plain, snapshot_diff) = protocol_and_plain(&NOT_NULL, PLAIN_NOT_NULL).await;
    assert_eq!(protocol, plain);
    assert!(snapshot_diff.is_empty(), "{snapshot_diff}");
    // No temporary check is left behind.
    assert!(protocol.iter().all(|c| !c.contains("_tmp")), "{protocol:?}");
}

#[tokio::test]
async fn constraints_added_not_valid_then_validated_leave_the_catalog_of_the_plain_statement() {
    let (protocol, plain, snapshot_diff) =
        protocol_and_plain(&CONSTRAINTS, PLAIN_CONSTRAINTS).await;
    assert_eq!(protocol, plain);
    assert!(snapshot_diff.is_empty(), "{snapshot_diff}");
}
