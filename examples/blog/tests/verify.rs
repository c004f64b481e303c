//! Every blog migration's down undoes its up, checked on a scratch database on the
//! local PostgreSQL server (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The reference that links the migrations' registrations into this test binary.
#[allow(unused_imports)]
use blog::migrations as _;

use migrate_core::Migrations;

#[test]
fn every_blog_migration_is_reversible() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let migrations = Migrations::registered()
        .unwrap()
        .in_module("blog::migrations");
    assert_eq!(migrations.len(), 10, "every blog migration is registered");
    match migrate_core::verify::assert_reversible_blocking(&migrations, &url) {
        Ok(report) => {
            // The one-way data migrations are skipped; every other one passes.
            assert_eq!(
                report.passed().len() + report.skipped().len(),
                migrations.len(),
                "{report}"
            );
        }
        Err(error) => panic!("{error}"),
    }
}
