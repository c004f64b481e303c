//! What the example's test binaries share.

use std::time::Duration;

use assert_cmd::Command;

/// The example's `migrate` binary, with no database in its environment, no colour, a
/// working directory without a `.env` file, and a bound on how long it may run.
pub(crate) fn migrate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migrate"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("DIRECT_URL")
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .timeout(Duration::from_secs(120));
    cmd
}

/// A fresh database on the test server, and the current-thread runtime that created
/// it and is used to inspect it.
pub(crate) fn fresh_database() -> (migrate_tests::TestDb, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(migrate_tests::TestDb::create()).unwrap();
    (db, runtime)
}
