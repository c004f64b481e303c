//! The `migrate` binary of the blog example, run as a user runs it: help, every
//! command's happy path, bad arguments, an unreachable server, exit codes.
//!
//! Live tests each create and drop their own database (through `migrate_tests::TestDb`)
//! on the server of `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! One test target in modules (`offline`, `live`); the harness (`Out`, `Live`) is here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use migrate_tests::TestDb;

// The reference that links the migrations' registrations into this test binary: the
// fixture of `Live::migrated` migrates its template with them.
#[allow(unused_imports)]
use blog::migrations as _;

#[path = "../common/mod.rs"]
mod common;
mod completions;
mod database;
mod diff;
mod live;
mod offline;
mod reset;
mod targets;
use common::migrate;
use serde_json::Value;

pub(crate) const IDS: [&str; 10] = [
    "20261121_090000",
    "20261121_090100",
    "20261121_090200",
    "20261121_090300",
    "20261121_090400",
    "20261121_090500",
    "20261121_090600",
    "20261121_090700",
    "20261121_090800",
    "20261121_090900",
];

pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(cmd: &mut Command) -> Out {
    let output = cmd.output().unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs and expects success.
pub(crate) fn ok(cmd: &mut Command) -> Out {
    let out = run(cmd);
    assert_eq!(
        out.code, 0,
        "expected success\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

/// A fresh database and the runtime used to inspect it.
pub(crate) struct Live {
    pub(crate) db: TestDb,
    pub(crate) url: String,
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl Live {
    pub(crate) fn new() -> Self {
        let (db, runtime) = common::fresh_database();
        let url = url_for(db.name());
        Self { db, url, runtime }
    }

    /// A database at the blog's latest migration, cloned from the fixture's template
    /// (as if `migrate up` had run): for tests whose subject is not migrating.
    pub(crate) fn migrated() -> Self {
        let (db, runtime) = common::migrated_database();
        let url = url_for(db.name());
        Self { db, url, runtime }
    }

    /// The binary pointed at this database.
    pub(crate) fn migrate(&self) -> Command {
        let mut cmd = migrate();
        cmd.arg("--database-url").arg(&self.url);
        cmd
    }

    pub(crate) fn query_bool(&self, sql: &str) -> bool {
        self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            let row = client.query_one(sql, &[]).await.unwrap();
            row.get::<_, bool>(0)
        })
    }

    pub(crate) fn execute(&self, sql: &str) {
        self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            client.batch_execute(sql).await.unwrap();
        });
    }

    /// Names of verify's scratch databases on the server.
    pub(crate) fn scratch_databases(&self) -> Vec<String> {
        self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            client
                .query(
                    "SELECT datname::text FROM pg_database WHERE datname LIKE 'migrate_verify%' ORDER BY 1",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        })
    }

    pub(crate) fn status(&self) -> Vec<Value> {
        let out = ok(self.migrate().args(["status", "--json"]));
        let value: Value = serde_json::from_str(&out.stdout).unwrap();
        value["migrations"].as_array().unwrap().clone()
    }
}

/// The test server's URL with another database.
pub(crate) fn url_for(name: &str) -> String {
    let admin = migrate_tests::admin_url();
    if admin.starts_with("postgres://") || admin.starts_with("postgresql://") {
        let (base, query) = match admin.split_once('?') {
            Some((base, query)) => (base.to_owned(), format!("?{query}")),
            None => (admin.clone(), String::new()),
        };
        let scheme_end = base.find("://").unwrap() + 3;
        let host_end = base[scheme_end..]
            .find('/')
            .map_or(base.len(), |i| scheme_end + i);
        format!("{}/{name}{query}", &base[..host_end])
    } else {
        format!("{admin} dbname={name}")
    }
}

pub(crate) fn states(status: &[Value]) -> Vec<String> {
    status
        .iter()
        .map(|m| m["state"].as_str().unwrap().to_owned())
        .collect()
}
