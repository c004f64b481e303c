//! A runner to be killed: `migrate_victim <database> <transactional|non-transactional>`
//! applies a fixture set whose slow unit sleeps 30 s (its connection sets
//! `migrate_test.sleep`), so a test can SIGKILL it in the middle.
//!
//! It sets nothing else on its connection: the runner itself sets
//! `client_connection_check_interval`, so the server notices the dead client during
//! the sleep and ends its session (and its transaction and run lock) within a second.

use std::process::ExitCode;

use migrate_core::{Migrator, MigratorOptions, Target};
use migrate_tests::{TestDb, fixtures};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

async fn run() -> Result<(), migrate_tests::HarnessError> {
    let mut args = std::env::args().skip(1);
    let database = args.next().ok_or("missing database name")?;
    let set = match args.next().as_deref() {
        Some("transactional") => fixtures::kill_transactional()?,
        Some("non-transactional") => fixtures::kill_non_transactional()?,
        _ => return Err("expected transactional or non-transactional".into()),
    };
    let mut config = TestDb::config_for(&database)?;
    config.application_name("migrate_victim");
    config.options("-c migrate_test.sleep=30");
    let mut client = migrate_core::connect(&config).await?;
    let migrator = Migrator::new(&set, MigratorOptions::new())?;
    migrator.up(&mut client, Target::Latest).await?;
    Ok(())
}
