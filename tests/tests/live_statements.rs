//! How the runner joins a migration's statements into one message, against the real
//! PostgreSQL, each test in its own fresh database: a trailing comment swallows no
//! separator, and a failed statement is named with its own SQL and a position inside it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use migrate_core::prelude::*;
use migrate_core::{Error, Migrations, Migrator, MigratorOptions, Registration, Target};
use migrate_tests::{TestDb, history_ids, reg, table_exists};

fn migrator(registration: &'static Registration) -> Migrator {
    let migrations = Migrations::from_registrations([registration]).unwrap();
    // Raw SQL is a lint finding; these tests are about running it.
    Migrator::new(&migrations, MigratorOptions::new().enforce_lint(false)).unwrap()
}

fn commented(m: &mut Migration<Manual>) {
    m.unchecked_sql("CREATE TABLE t (a int) -- note");
    m.unchecked_sql("CREATE TABLE u (b int)");
}
reg!(COMMENTED, 1, commented, irreversible);

#[tokio::test]
async fn a_statement_ending_in_a_comment_does_not_swallow_the_next_one() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let report = migrator(&COMMENTED)
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(report.runs.len(), 1);
    assert!(table_exists(&c, "t").await.unwrap());
    assert!(table_exists(&c, "u").await.unwrap());
}

/// The second statement's syntax error: `TABL` starts at its 8th character.
const BROKEN: &str = "CREATE TABL u (b int)";

fn second_is_broken(m: &mut Migration<Manual>) {
    m.unchecked_sql("CREATE TABLE t (a int) -- note");
    m.unchecked_sql(BROKEN);
    m.unchecked_sql("CREATE TABLE v (c int)");
}
reg!(SECOND_IS_BROKEN, 1, second_is_broken, irreversible);

#[tokio::test]
async fn a_syntax_error_names_its_statement_and_a_position_inside_it() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let error = migrator(&SECOND_IS_BROKEN)
        .up(&mut c, Target::Latest)
        .await
        .unwrap_err();
    let text = error.to_string();
    let Error::Statement(failure) = error else {
        panic!("expected a statement failure, got {text}");
    };
    assert_eq!(failure.db.code, "42601", "{text}");
    assert_eq!(failure.statement, 1, "{text}");
    assert_eq!(failure.sql, BROKEN, "{text}");
    assert_eq!(failure.db.position, Some(8), "{text}");
    assert!(text.contains("statement 1"), "{text}");
    assert!(text.contains(&format!("statement: {BROKEN}")), "{text}");
    // Nothing ran: the whole message failed to parse.
    assert!(!table_exists(&c, "t").await.unwrap());
    assert!(
        history_ids(&c, "public.migrate_history")
            .await
            .unwrap()
            .is_empty()
    );
}

fn third_fails_at_run_time(m: &mut Migration<Manual>) {
    m.unchecked_sql("CREATE TABLE t (a int)");
    m.unchecked_sql("INSERT INTO t VALUES (1) -- one row");
    m.unchecked_sql("INSERT INTO t SELECT a FROM missing");
}
reg!(THIRD_FAILS, 1, third_fails_at_run_time, irreversible);

#[tokio::test]
async fn a_run_time_error_names_its_statement_and_a_position_inside_it() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let error = migrator(&THIRD_FAILS)
        .up(&mut c, Target::Latest)
        .await
        .unwrap_err();
    let text = error.to_string();
    let Error::Statement(failure) = error else {
        panic!("expected a statement failure, got {text}");
    };
    assert_eq!(failure.db.code, "42P01", "{text}");
    assert_eq!(failure.statement, 2, "{text}");
    assert_eq!(failure.sql, "INSERT INTO t SELECT a FROM missing", "{text}");
    // `missing` starts at the 29th character.
    assert_eq!(failure.db.position, Some(29), "{text}");
}
