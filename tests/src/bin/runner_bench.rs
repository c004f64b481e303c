//! Measures the runner against psql on a set of trivial migrations:
//! `runner_bench [count]`. The baseline is psql applying, per migration,
//! `BEGIN; <body>; INSERT INTO history ..; COMMIT` from a file.
#![allow(clippy::print_stdout)]

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use migrate_core::plan::{Direction, Statement, Unit};
use migrate_core::step::UncheckedSql;
use migrate_core::{Checksum, Location, MigrationPlan, Migrator, MigratorOptions, Step, Target};
use migrate_tests::{HarnessError, TestDb};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn trivial(id: i64) -> MigrationPlan {
    let sql = format!("CREATE TABLE t_{id} (id integer)");
    let steps = vec![Step::UncheckedSql(UncheckedSql {
        sql: sql.clone(),
        transactional: true,
    })];
    MigrationPlan {
        id,
        name: "trivial",
        location: Location {
            file: file!(),
            line: line!(),
            module_path: module_path!(),
        },
        checksum: Checksum::of_steps(&steps),
        settings: Default::default(),
        up: Direction {
            steps,
            units: vec![Unit::Transaction(vec![Statement {
                sql,
                step: 0,
                kind: "unchecked_sql",
            }])],
        },
        down: None,
    }
}

async fn runner(count: i64) -> Result<Duration, HarnessError> {
    let db = TestDb::create().await?;
    let plans = (1..=count).map(trivial).collect();
    let migrator = Migrator::from_plans(plans, MigratorOptions::new().enforce_lint(false))?;
    let start = Instant::now();
    let mut client = migrate_core::connect(&db.config()).await?;
    let report = migrator.up(&mut client, Target::Latest).await?;
    let elapsed = start.elapsed();
    assert_eq!(report.runs.len() as i64, count);
    Ok(elapsed)
}

fn psql(count: i64) -> Result<Duration, HarnessError> {
    let rt = tokio::runtime::Runtime::new()?;
    let db = rt.block_on(TestDb::create())?;
    let mut script = String::from(
        "CREATE TABLE hist (id bigint PRIMARY KEY, name text, checksum text, applied_at timestamptz, \
         execution_ms bigint, applied_by text);\n",
    );
    for id in 1..=count {
        script.push_str(&format!(
            "BEGIN;\nCREATE TABLE t_{id} (id integer);\nINSERT INTO hist VALUES ({id}, 'trivial', \
             'abc', now(), 0, current_user);\nCOMMIT;\n"
        ));
    }
    let path = std::env::temp_dir().join(format!("runner_bench_{}.sql", std::process::id()));
    std::fs::write(&path, script)?;
    let start = Instant::now();
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            db.name(),
            "-f",
        ])
        .arg(&path)
        .status()?;
    let elapsed = start.elapsed();
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err("psql failed".into());
    }
    drop(db);
    Ok(elapsed)
}

async fn run() -> Result<(), HarnessError> {
    let count: i64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..5 {
        ours.push(runner(count).await?);
        theirs.push(
            tokio::task::spawn_blocking(move || psql(count))
                .await
                .map_err(|e| e.to_string())??,
        );
    }
    ours.sort();
    theirs.sort();
    let (o, t) = (ours[2], theirs[2]);
    println!(
        "{count} trivial migrations, median of 5: runner {:.1} ms, psql {:.1} ms, ratio {:.2}",
        o.as_secs_f64() * 1000.0,
        t.as_secs_f64() * 1000.0,
        o.as_secs_f64() / t.as_secs_f64()
    );
    Ok(())
}
