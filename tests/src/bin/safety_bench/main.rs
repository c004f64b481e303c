//! Online-safety benchmark: does a migration step stall the application's writers?
//!
//! `safety_bench [--rows 1000000] [--rate 1000] [--conns 40] [--hold 8]
//! [--scenario all|index|fk|not-null|backfill|add-column]`
//!
//! Creates its own database (dropped at the end), loads `accounts` (`--rows` rows) and
//! a small `owners` table, then for each scenario runs an OPEN-loop writer (a fixed
//! arrival schedule of `UPDATE accounts SET balance = balance + 1 WHERE id = $1` on
//! random ids, dispatched to a pool of connections; latency counts from the SCHEDULED
//! start, so queueing behind a stall counts) and, mid-stream, the unsafe form of the
//! step (control) and this crate's step run through `Migrator::up` (subject). It
//! prints, over the writer transactions that overlap the step's window: max and p99
//! latency, counts over 100 ms and 1 s, throughput, the step's duration and whether
//! the table was rewritten (`pg_relation_filenode`), then PASS/FAIL per target.
//! The method is the one at the end of `/work/shared/SAFETY.md`.
#![allow(clippy::print_stdout)]

mod args;
mod bench;
mod report;
mod scenario;
mod setup;
mod stats;
mod subjects;
mod writer;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::{Connector, Error, Migrations, Migrator, MigratorOptions, Registration, Target};
use migrate_tests::{HarnessError, TestDb, connect, int, reg, text};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config};

// Every module takes these and its siblings' items with `use super::*`.
use crate::args::*;
use crate::bench::*;
use crate::report::*;
use crate::scenario::*;
use crate::setup::*;
use crate::stats::*;
use crate::subjects::*;
use crate::writer::*;

async fn run() -> Result<(), HarnessError> {
    let args = parse_args()?;
    let db = TestDb::create().await?;
    let config = db.config();
    let admin = connect(&config).await?;
    let t = Instant::now();
    load(&admin, args.rows).await?;
    println!(
        "database {}: loaded {} rows in {:.1} s ({}, {} cores)",
        db.name(),
        args.rows,
        t.elapsed().as_secs_f64(),
        text(&admin, "SELECT version()").await?.unwrap_or_default(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let pool = Pool::open(&config, args.conns).await?;
    let bench = Bench {
        args: args.clone(),
        config,
        admin,
        pool,
    };
    let mut rows = Vec::new();
    let mut result = Ok(());
    for name in &args.scenarios {
        let t = Instant::now();
        match scenario(&bench, name).await {
            Ok(r) => {
                println!(
                    "scenario {name}: done in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
                rows.extend(r);
            }
            Err(e) => {
                result = Err(format!("scenario {name}: {e}"));
                break;
            }
        }
    }
    print_table(&rows, &args);
    drop(bench);
    drop(db);
    result.map_err(Into::into)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut message = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            println!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
