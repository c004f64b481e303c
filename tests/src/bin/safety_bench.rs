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

// ----- the subjects: this crate's steps -----------------------------------------------

fn subject_index(m: &mut Migration) {
    m.create_index_concurrently("accounts_owner_idx", "accounts", ["owner_id"]);
}
fn subject_fk(m: &mut Migration) {
    m.add_foreign_key(
        "accounts",
        "accounts_owner_fk",
        ["owner_id"],
        "owners",
        ["id"],
    );
}
fn subject_not_null(m: &mut Migration) {
    m.set_not_null("accounts", "note");
}
fn subject_add_column_default(m: &mut Migration) {
    m.add_column("accounts", "c2", Integer);
}
fn subject_add_column_flat(m: &mut Migration) {
    m.add_column("accounts", "c3", Integer);
}
fn subject_backfill_default(m: &mut Migration) {
    m.reversible(
        |up| {
            up.backfill("accounts")
                .set("fill_sub", Expr::cust("id * 2"))
                .filter(Expr::cust("id % 2 = 0"));
        },
        |_down| {},
    );
}
fn subject_backfill_tuned(m: &mut Migration) {
    m.reversible(
        |up| {
            up.backfill("accounts")
                .set("fill_tuned", Expr::cust("id * 2"))
                .filter(Expr::cust("id % 2 = 0"))
                .target_batch_duration(BACKFILL_TUNED_TARGET);
        },
        |_down| {},
    );
}
reg!(SUBJECT_INDEX, 1, subject_index);
reg!(SUBJECT_BACKFILL_DEFAULT, 1, subject_backfill_default);
reg!(SUBJECT_BACKFILL_TUNED, 1, subject_backfill_tuned);
reg!(SUBJECT_FK, 1, subject_fk);
reg!(SUBJECT_NOT_NULL, 1, subject_not_null);
reg!(SUBJECT_ADD_COLUMN_DEFAULT, 1, subject_add_column_default);
reg!(SUBJECT_ADD_COLUMN_FLAT, 1, subject_add_column_flat);

/// The first rung of the default `lock_timeout` ladder: lock-taking subjects must keep
/// writers under twice this.
const FIRST_RUNG: Duration = migrate_core::DEFAULT_LOCK_TIMEOUTS[0];
/// A control "shows the stall" when its writer max reaches this.
const CONTROL_STALL: Duration = Duration::from_millis(500);
/// Bench-side backfill: ids per keyset batch (half of them are updated) and the
/// pause between batches.
const BACKFILL_RANGE: i64 = 5_000;
const BACKFILL_PAUSE: Duration = Duration::from_millis(10);
/// The crate's backfill, tuned: the batch duration it aims at (default 200 ms).
const BACKFILL_TUNED_TARGET: Duration = Duration::from_millis(40);

// ----- arguments ------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Args {
    rows: i64,
    rate: u32,
    conns: usize,
    hold: Duration,
    pre: Duration,
    post: Duration,
    scenarios: Vec<&'static str>,
}

const ALL: [&str; 5] = ["index", "fk", "not-null", "backfill", "add-column"];

fn parse_args() -> Result<Args, HarnessError> {
    let mut args = Args {
        rows: 1_000_000,
        rate: 1_000,
        conns: 40,
        hold: Duration::from_secs(8),
        pre: Duration::from_secs(2),
        post: Duration::from_secs(2),
        scenarios: ALL.to_vec(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => args.rows = value()?.parse()?,
            "--rate" => args.rate = value()?.parse()?,
            "--conns" => args.conns = value()?.parse()?,
            "--hold" => args.hold = Duration::from_secs_f64(value()?.parse()?),
            "--pre" => args.pre = Duration::from_secs_f64(value()?.parse()?),
            "--post" => args.post = Duration::from_secs_f64(value()?.parse()?),
            "--scenario" => {
                let v = value()?;
                args.scenarios = if v == "all" {
                    ALL.to_vec()
                } else {
                    v.split(',')
                        .map(|s| {
                            ALL.iter()
                                .copied()
                                .find(|a| *a == s)
                                .ok_or_else(|| format!("unknown scenario `{s}`"))
                        })
                        .collect::<Result<_, _>>()?
                };
            }
            "-h" | "--help" => {
                println!(
                    "safety_bench [--rows N] [--rate PER_S] [--conns N] [--hold SECS] [--pre SECS] \
                     [--post SECS] [--scenario all|index|fk|not-null|backfill|add-column[,..]]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if args.rows < 1 || args.rate < 1 || args.conns < 1 {
        return Err("--rows, --rate and --conns must be positive".into());
    }
    Ok(args)
}

// ----- the open-loop writer -------------------------------------------------------------

/// One writer transaction: scheduled start (from the writer's epoch) and latency from
/// that scheduled start to its completion.
#[derive(Clone, Copy, Debug)]
struct Sample {
    sched: Duration,
    latency: Duration,
    ok: bool,
}

impl Sample {
    fn done(&self) -> Duration {
        self.sched + self.latency
    }
}

/// The writer's connections, each with its statement prepared.
struct Pool {
    clients: Vec<(Arc<Client>, tokio_postgres::Statement)>,
}

impl Pool {
    async fn open(config: &Config, n: usize) -> Result<Self, HarnessError> {
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            let client = connect(config).await?;
            let stmt = client
                .prepare("UPDATE accounts SET balance = balance + 1 WHERE id = $1")
                .await?;
            clients.push((Arc::new(client), stmt));
        }
        Ok(Self { clients })
    }
}

struct Writer {
    epoch: Instant,
    stop: Arc<AtomicBool>,
    dispatcher: JoinHandle<()>,
    workers: Vec<JoinHandle<(Vec<Sample>, Option<String>)>>,
}

fn start_writer(pool: &Pool, rate: u32, rows: i64) -> Writer {
    let epoch = Instant::now() + Duration::from_millis(20);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::unbounded_channel::<Instant>();
    let rx = Arc::new(Mutex::new(rx));
    let period_ns = 1_000_000_000u64 / u64::from(rate);
    let flag = stop.clone();
    let dispatcher = tokio::spawn(async move {
        let due = |i: u64| epoch + Duration::from_nanos(period_ns * i);
        let mut i = 0u64;
        while !flag.load(Ordering::Relaxed) {
            tokio::time::sleep_until(due(i).into()).await;
            let now = Instant::now();
            while due(i) <= now {
                if tx.send(due(i)).is_err() {
                    return;
                }
                i += 1;
            }
        }
    });
    let workers = pool
        .clients
        .iter()
        .enumerate()
        .map(|(k, (client, stmt))| {
            let (client, stmt, rx) = (client.clone(), stmt.clone(), rx.clone());
            let mut seed = 0x9e37_79b9_7f4a_7c15u64
                ^ ((k as u64 + 1) << 17)
                ^ epoch.elapsed().as_nanos() as u64;
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut first_error = None;
                loop {
                    let job = { rx.lock().await.recv().await };
                    let Some(sched) = job else { break };
                    // xorshift64
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let id = 1 + (seed % rows as u64) as i64;
                    let result = client.execute(&stmt, &[&id]).await;
                    let done = Instant::now();
                    if let Err(e) = &result
                        && first_error.is_none()
                    {
                        first_error = Some(e.to_string());
                    }
                    samples.push(Sample {
                        sched: sched.saturating_duration_since(epoch),
                        latency: done.saturating_duration_since(sched),
                        ok: result.is_ok(),
                    });
                }
                (samples, first_error)
            })
        })
        .collect();
    Writer {
        epoch,
        stop,
        dispatcher,
        workers,
    }
}

impl Writer {
    /// Stops the arrivals, lets the pool drain, returns every sample.
    async fn finish(self) -> Result<(Vec<Sample>, Option<String>), HarnessError> {
        self.stop.store(true, Ordering::Relaxed);
        self.dispatcher.await?;
        let mut all = Vec::new();
        let mut error = None;
        for w in self.workers {
            let (samples, e) = w.await?;
            all.extend(samples);
            error = error.or(e);
        }
        all.sort_by_key(|s| s.sched);
        Ok((all, error))
    }
}

// ----- lock-wait sampler --------------------------------------------------------------

/// Samples, every 20 ms, how many writer sessions wait on a lock (heavyweight lock or
/// row lock: `wait_event_type = 'Lock'`), to tell lock stalls from CPU or I/O noise.
fn start_sampler(
    client: Client,
    epoch: Instant,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Vec<(Duration, i64)>> {
    tokio::spawn(async move {
        let mut out = Vec::new();
        let Ok(stmt) = client
            .prepare(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query LIKE 'UPDATE accounts SET balance%'",
            )
            .await
        else {
            return out;
        };
        while !stop.load(Ordering::Relaxed) {
            let at = epoch.elapsed();
            if let Ok(row) = client.query_one(&stmt, &[]).await {
                out.push((at, row.get::<_, i64>(0)));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        out
    })
}

// ----- statistics -----------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct Stats {
    count: usize,
    max: Duration,
    p99: Duration,
    over_100ms: usize,
    over_1s: usize,
    throughput: f64,
    errors: usize,
}

/// Over transactions scheduled in `[from, to]` or in flight at `from`.
fn stats(samples: &[Sample], from: Duration, to: Duration) -> Stats {
    let mut lat: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for s in samples {
        let inside = s.sched >= from && s.sched <= to;
        let overlapping = s.sched < from && s.done() > from;
        if inside || overlapping {
            lat.push(s.latency);
            errors += usize::from(!s.ok);
        }
    }
    lat.sort();
    let completed = samples
        .iter()
        .filter(|s| s.done() >= from && s.done() <= to)
        .count();
    let secs = (to - from).as_secs_f64();
    let p99 = if lat.is_empty() {
        Duration::ZERO
    } else {
        lat[((lat.len() as f64 * 0.99).ceil() as usize).clamp(1, lat.len()) - 1]
    };
    Stats {
        count: lat.len(),
        max: lat.last().copied().unwrap_or_default(),
        p99,
        over_100ms: lat
            .iter()
            .filter(|l| **l > Duration::from_millis(100))
            .count(),
        over_1s: lat.iter().filter(|l| **l > Duration::from_secs(1)).count(),
        throughput: if secs > 0.0 {
            completed as f64 / secs
        } else {
            0.0
        },
        errors,
    }
}

// ----- steps ----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Control,
    Subject,
}

/// What a measured run executes in the step window.
enum Step {
    /// One statement on a plain connection, no `lock_timeout`, no `statement_timeout`.
    Sql(String),
    /// Keyset batches of `UPDATE .. WHERE id >= lo AND id < hi`, committed one by one.
    BenchBackfill { column: &'static str },
    /// A migration through `Migrator::up`, in its own history table.
    Migrate {
        registration: &'static Registration,
        history: &'static str,
        options: Box<MigratorOptions>,
    },
}

struct Outcome {
    ok: bool,
    text: String,
}

struct Row {
    scenario: &'static str,
    form: Form,
    label: String,
    duration: Duration,
    pre: Stats,
    window: Stats,
    rewritten: bool,
    /// Most writer sessions seen waiting on a lock at once during the window.
    lock_waiters: i64,
    outcome: Outcome,
    writer_error: Option<String>,
    lock_taking: bool,
}

struct Bench {
    args: Args,
    config: Config,
    admin: Client,
    pool: Pool,
}

impl Bench {
    async fn filenode(&self) -> Result<i64, HarnessError> {
        int(
            &self.admin,
            "SELECT pg_relation_filenode('accounts')::bigint",
        )
        .await
    }

    async fn reset(&self) -> Result<(), HarnessError> {
        // One statement per message: VACUUM refuses an implicit transaction block.
        for sql in ["VACUUM ANALYZE accounts", "CHECKPOINT"] {
            self.admin.batch_execute(sql).await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn measure(
        &self,
        scenario: &'static str,
        form: Form,
        label: &str,
        lock_taking: bool,
        step: Step,
        reader_hold: Option<Duration>,
    ) -> Result<Row, HarnessError> {
        self.reset().await?;
        // Everything the step needs is connected before the writer starts.
        let mut ddl = migrate_core::connect(&self.config).await?;
        ddl.batch_execute("SET lock_timeout = 0; SET statement_timeout = 0")
            .await?;
        let migrator = match &step {
            Step::Migrate {
                registration,
                history,
                options,
            } => {
                let set = Migrations::from_registrations([*registration])?;
                Some(Migrator::new(
                    &set,
                    (**options).clone().history_table("public", *history),
                )?)
            }
            _ => None,
        };
        let reader = match reader_hold {
            Some(_) => Some(connect(&self.config).await?),
            None => None,
        };
        let sampler_client = connect(&self.config).await?;
        let before = self.filenode().await?;

        let writer = start_writer(&self.pool, self.args.rate, self.args.rows);
        let sampler_stop = Arc::new(AtomicBool::new(false));
        let sampler = start_sampler(sampler_client, writer.epoch, sampler_stop.clone());
        tokio::time::sleep_until((writer.epoch + self.args.pre).into()).await;

        // The long-running reader: BEGIN; SELECT count(*); hold; COMMIT.
        let reader_task = match (reader, reader_hold) {
            (Some(reader), Some(hold)) => {
                let (locked_tx, locked_rx) = oneshot::channel();
                let task = tokio::spawn(async move {
                    let r = reader
                        .batch_execute("BEGIN; SELECT count(*) FROM accounts")
                        .await;
                    let _ = locked_tx.send(());
                    if r.is_ok() {
                        tokio::time::sleep(hold).await;
                        let _ = reader.batch_execute("COMMIT").await;
                    }
                    r.map_err(|e| e.to_string())
                });
                let _ = locked_rx.await;
                Some(task)
            }
            _ => None,
        };

        let start = Instant::now();
        let outcome = match step {
            Step::Sql(sql) => match ddl.batch_execute(&sql).await {
                Ok(()) => Outcome {
                    ok: true,
                    text: "ok".into(),
                },
                Err(e) => Outcome {
                    ok: false,
                    text: format!("error: {e}"),
                },
            },
            Step::BenchBackfill { column } => self.bench_backfill(&ddl, column).await,
            Step::Migrate { .. } => {
                let migrator = migrator.as_ref().ok_or("no migrator")?;
                match migrator.up(&mut ddl, Target::Latest).await {
                    Ok(report) => {
                        let retries: usize = report.runs.iter().map(|r| r.retries.len()).sum();
                        let backfills: Vec<String> = report
                            .runs
                            .iter()
                            .flat_map(|r| &r.backfills)
                            .map(|b| {
                                format!(
                                    ", crate backfill: {} rows in {} batches, last batch size {}",
                                    b.rows, b.batches, b.last_batch_size
                                )
                            })
                            .collect();
                        Outcome {
                            ok: true,
                            text: format!(
                                "applied, {} attempt(s){}",
                                retries + 1,
                                backfills.concat()
                            ),
                        }
                    }
                    Err(Error::Statement(f)) => Outcome {
                        ok: false,
                        text: if f.db.is_retryable() {
                            format!(
                                "gave up after {} attempts ({}, safe)",
                                f.retries.len(),
                                f.db.code
                            )
                        } else {
                            format!("failed: {} {}", f.db.code, f.db.message)
                        },
                    },
                    Err(e) => Outcome {
                        ok: false,
                        text: format!("failed: {e}"),
                    },
                }
            }
        };
        let end = Instant::now();

        if let Some(task) = reader_task
            && let Err(e) = task.await?
        {
            return Err(format!("the long-running reader failed: {e}").into());
        }
        tokio::time::sleep(self.args.post).await;
        let epoch = writer.epoch;
        sampler_stop.store(true, Ordering::Relaxed);
        let waits = sampler.await?;
        let (samples, writer_error) = writer.finish().await?;
        let after = self.filenode().await?;

        let from = start.saturating_duration_since(epoch);
        let to = end.saturating_duration_since(epoch);
        Ok(Row {
            scenario,
            form,
            label: label.to_owned(),
            duration: end - start,
            // The steady state before the step (skipping the first 500 ms; only
            // transactions done before it started): the noise floor.
            pre: {
                let done_before: Vec<Sample> = samples
                    .iter()
                    .copied()
                    .filter(|s| s.done() < from)
                    .collect();
                stats(&done_before, Duration::from_millis(500), from)
            },
            window: stats(&samples, from, to),
            rewritten: before != after,
            lock_waiters: waits
                .iter()
                .filter(|(at, _)| *at >= from && *at <= to)
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0),
            outcome,
            writer_error,
            lock_taking,
        })
    }

    /// Keyset batches over the primary key, each its own autocommit `UPDATE`,
    /// idempotent (`IS DISTINCT FROM`), with a pause between batches.
    async fn bench_backfill(&self, client: &Client, column: &str) -> Outcome {
        let sql = format!(
            "UPDATE accounts SET {column} = id * 2 WHERE id >= $1 AND id < $2 AND id % 2 = 0 \
             AND {column} IS DISTINCT FROM id * 2"
        );
        let run = async {
            let stmt = client.prepare(&sql).await?;
            let bounds = client
                .query_one("SELECT min(id), max(id) FROM accounts", &[])
                .await?;
            let (min, max): (i64, i64) = (bounds.get(0), bounds.get(1));
            let (mut lo, mut batches, mut rows, mut longest) = (min, 0u64, 0u64, Duration::ZERO);
            while lo <= max {
                let hi = lo + BACKFILL_RANGE;
                let t = Instant::now();
                rows += client.execute(&stmt, &[&lo, &hi]).await?;
                longest = longest.max(t.elapsed());
                batches += 1;
                lo = hi;
                tokio::time::sleep(BACKFILL_PAUSE).await;
            }
            Ok::<_, tokio_postgres::Error>((batches, rows, longest))
        };
        match run.await {
            Ok((batches, rows, longest)) => Outcome {
                ok: true,
                text: format!(
                    "bench-side batches of {BACKFILL_RANGE} ids, pause {} ms: {rows} rows in \
                     {batches} batches, longest {} ms",
                    BACKFILL_PAUSE.as_millis(),
                    longest.as_millis()
                ),
            },
            Err(e) => Outcome {
                ok: false,
                text: format!("error: {e}"),
            },
        }
    }

    /// Appends a check of the subject's end state to its outcome.
    async fn verify(&self, row: &mut Row, sql: &str, want: &str) -> Result<(), HarnessError> {
        let got = text(&self.admin, sql).await?.unwrap_or_default();
        if got != want {
            row.outcome.ok = false;
            row.outcome.text = format!("{}; END STATE WRONG: {sql} -> {got}", row.outcome.text);
        } else if row.outcome.ok {
            row.outcome.text = format!("{}; verified", row.outcome.text);
        }
        Ok(())
    }
}

fn subject_options(config: &Config) -> MigratorOptions {
    MigratorOptions::new().blocker_monitor(Connector::no_tls(config.clone()))
}

async fn scenario(bench: &Bench, name: &'static str) -> Result<Vec<Row>, HarnessError> {
    let mut rows = Vec::new();
    let opts = || subject_options(&bench.config);
    match name {
        "index" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "CREATE INDEX",
                        false,
                        Step::Sql("CREATE INDEX accounts_owner_ctl ON accounts (owner_id)".into()),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("DROP INDEX accounts_owner_ctl")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "create_index_concurrently",
                    false,
                    Step::Migrate {
                        registration: &SUBJECT_INDEX,
                        history: "hist_index",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT string_agg(i.indisvalid::text, ',') FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'accounts_owner_idx'",
                    "true",
                )
                .await?;
            rows.push(row);
            bench
                .admin
                .batch_execute("DROP INDEX accounts_owner_idx")
                .await?;
        }
        "fk" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "ADD FOREIGN KEY (validated)",
                        true,
                        Step::Sql(
                            "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk_ctl \
                             FOREIGN KEY (owner_id) REFERENCES owners (id)"
                                .into(),
                        ),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk_ctl")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_foreign_key",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_FK,
                        history: "hist_fk",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT string_agg(convalidated::text, ',') FROM pg_constraint \
                     WHERE conname = 'accounts_owner_fk'",
                    "true",
                )
                .await?;
            rows.push(row);
            bench
                .admin
                .batch_execute("ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk")
                .await?;
        }
        "not-null" => {
            let nulls = int(
                &bench.admin,
                "SELECT count(*) FROM accounts WHERE note IS NULL",
            )
            .await?;
            if nulls != 0 {
                return Err(format!("accounts.note has {nulls} NULLs").into());
            }
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "SET NOT NULL (scan)",
                        true,
                        Step::Sql("ALTER TABLE accounts ALTER COLUMN note SET NOT NULL".into()),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("ALTER TABLE accounts ALTER COLUMN note DROP NOT NULL")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "set_not_null",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_NOT_NULL,
                        history: "hist_not_null",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT a.attnotnull::text || ',' || (SELECT count(*) FROM pg_constraint \
                     WHERE conname = 'accounts_note_not_null') FROM pg_attribute a \
                     WHERE a.attrelid = 'accounts'::regclass AND a.attname = 'note'",
                    "true,0",
                )
                .await?;
            rows.push(row);
        }
        "backfill" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "one UPDATE (half the table)",
                        false,
                        Step::Sql("UPDATE accounts SET fill_ctl = id * 2 WHERE id % 2 = 0".into()),
                        None,
                    )
                    .await?,
            );
            let subjects: [(&str, Step, &str); 3] = [
                (
                    "backfill, default pacing",
                    Step::Migrate {
                        registration: &SUBJECT_BACKFILL_DEFAULT,
                        history: "hist_backfill_default",
                        options: Box::new(opts()),
                    },
                    "fill_sub",
                ),
                (
                    "backfill, target_batch_duration 40ms",
                    Step::Migrate {
                        registration: &SUBJECT_BACKFILL_TUNED,
                        history: "hist_backfill_tuned",
                        options: Box::new(opts()),
                    },
                    "fill_tuned",
                ),
                (
                    "bench-side keyset batches (ref.)",
                    Step::BenchBackfill {
                        column: "fill_bench",
                    },
                    "fill_bench",
                ),
            ];
            for (label, step, column) in subjects {
                let mut row = bench
                    .measure(name, Form::Subject, label, false, step, None)
                    .await?;
                bench
                    .verify(
                        &mut row,
                        &format!(
                            "SELECT count(*) FILTER (WHERE {column} IS DISTINCT FROM id * 2)::text \
                             || ',' || count(*) FILTER (WHERE {column} IS NOT NULL)::text \
                             FROM accounts WHERE id % 2 = 0"
                        ),
                        &format!("0,{}", bench.args.rows / 2),
                    )
                    .await?;
                rows.push(row);
            }
        }
        "add-column" => {
            let hold = Some(bench.args.hold);
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "ADD COLUMN, no lock_timeout",
                        true,
                        Step::Sql("ALTER TABLE accounts ADD COLUMN c1 int".into()),
                        hold,
                    )
                    .await?,
            );
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_column, default ladder",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_ADD_COLUMN_DEFAULT,
                        history: "hist_add_column_default",
                        options: Box::new(opts()),
                    },
                    hold,
                )
                .await?;
            bench
                .verify(&mut row, "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'c2' AND NOT attisdropped", "1")
                .await?;
            rows.push(row);
            // A flat ladder: every rung 100 ms, enough of them (backoff 100 ms doubling
            // to at most 1 s, scaled by 50-100 %) to outlast the reader.
            let flat = opts()
                .lock_timeouts(std::iter::repeat_n(FIRST_RUNG, 30))
                .backoff(Duration::from_millis(100), Duration::from_secs(1));
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_column, flat 100ms x30 ladder",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_ADD_COLUMN_FLAT,
                        history: "hist_add_column_flat",
                        options: Box::new(flat),
                    },
                    hold,
                )
                .await?;
            bench
                .verify(&mut row, "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'c3' AND NOT attisdropped", "1")
                .await?;
            rows.push(row);
        }
        other => return Err(format!("unknown scenario {other}").into()),
    }
    Ok(rows)
}

// ----- setup ----------------------------------------------------------------------------

async fn load(client: &Client, rows: i64) -> Result<(), HarnessError> {
    client
        .batch_execute(&format!(
            "CREATE TABLE owners (id bigint PRIMARY KEY, name text NOT NULL);
             INSERT INTO owners SELECT g, 'owner ' || g FROM generate_series(1, 1000) g;
             CREATE TABLE accounts (id bigint NOT NULL, owner_id bigint, balance bigint NOT NULL,
                                    note text, fill_ctl bigint, fill_sub bigint,
                                    fill_tuned bigint, fill_bench bigint);
             INSERT INTO accounts (id, owner_id, balance, note)
               SELECT g, 1 + g % 1000, 0, 'account note ' || g FROM generate_series(1, {rows}) g;
             ALTER TABLE accounts ADD PRIMARY KEY (id);"
        ))
        .await?;
    for sql in [
        "VACUUM ANALYZE owners",
        "VACUUM ANALYZE accounts",
        "CHECKPOINT",
    ] {
        client.batch_execute(sql).await?;
    }
    // Warm the cache: pg_prewarm when the extension is there, else scans.
    if client
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_prewarm; SELECT pg_prewarm('accounts'); \
             SELECT pg_prewarm('accounts_pkey'); SELECT pg_prewarm('owners')",
        )
        .await
        .is_err()
    {
        client
            .batch_execute("SELECT sum(balance) FROM accounts; SELECT count(*) FROM owners")
            .await?;
    }
    Ok(())
}

// ----- report ---------------------------------------------------------------------------

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

fn print_table(rows: &[Row], args: &Args) {
    println!();
    println!(
        "writer: open loop, {}/s scheduled, {} connections, latency from the scheduled start; \
         window = transactions scheduled during the step or in flight at its start; \
         pre max = max of the steady state before the step (noise floor); lockwait = most \
         writer sessions seen waiting on a lock at once (sampled every 20 ms)",
        args.rate, args.conns
    );
    println!(
        "{:<11} {:<8} {:<37} {:>8} {:>5} {:>8} {:>7} {:>6} {:>5} {:>6} {:>9} {:>7} {:>8}  outcome",
        "scenario",
        "form",
        "step",
        "step ms",
        "tx",
        "max ms",
        "p99 ms",
        ">100ms",
        ">1s",
        "tx/s",
        "rewritten",
        "pre max",
        "lockwait"
    );
    for r in rows {
        let form = match r.form {
            Form::Control => "control",
            Form::Subject => "subject",
        };
        println!(
            "{:<11} {:<8} {:<37} {:>8} {:>5} {:>8} {:>7} {:>6} {:>5} {:>6.0} {:>9} {:>7} {:>8}  {}{}",
            r.scenario,
            form,
            r.label,
            ms(r.duration),
            r.window.count,
            ms(r.window.max),
            ms(r.window.p99),
            r.window.over_100ms,
            r.window.over_1s,
            r.window.throughput,
            if r.rewritten { "YES" } else { "no" },
            ms(r.pre.max),
            r.lock_waiters,
            r.outcome.text,
            match (&r.writer_error, r.window.errors) {
                (Some(e), n) => format!(" [writer errors in window: {n}; first: {e}]"),
                (None, _) => String::new(),
            }
        );
    }
    println!();
    println!(
        "targets: subject no tx > 1 s; lock-taking subject max <= {} ms (2 x first rung {} ms); \
         other subjects max < 100 ms; control max >= min({} ms, 80% of its step) and > 100 ms \
         (the harness sees the stall)",
        ms(FIRST_RUNG * 2),
        ms(FIRST_RUNG),
        ms(CONTROL_STALL)
    );
    let mut failed = 0;
    for r in rows {
        let mut checks: Vec<(String, bool)> = Vec::new();
        match r.form {
            Form::Control => {
                // A control can only stall writers for as long as it runs: a step
                // shorter than 500 ms shows its stall as writers blocked for (nearly)
                // all of it, and it must still be over 100 ms to count.
                let threshold = CONTROL_STALL.min(r.duration.mul_f64(0.8));
                checks.push((
                    format!(
                        "control shows the stall (max {} ms >= {} ms = min({} ms, 80% of the \
                         {} ms step), and > 100 ms)",
                        ms(r.window.max),
                        ms(threshold),
                        ms(CONTROL_STALL),
                        ms(r.duration)
                    ),
                    r.window.max >= threshold && r.window.max > Duration::from_millis(100),
                ));
            }
            Form::Subject => {
                checks.push((
                    format!("no writer tx > 1 s ({} over)", r.window.over_1s),
                    r.window.over_1s == 0,
                ));
                if r.lock_taking {
                    checks.push((
                        format!("max {} ms <= {} ms", ms(r.window.max), ms(FIRST_RUNG * 2)),
                        r.window.max <= FIRST_RUNG * 2,
                    ));
                } else {
                    checks.push((
                        format!("max {} ms < 100 ms", ms(r.window.max)),
                        r.window.max < Duration::from_millis(100),
                    ));
                }
                checks.push((format!("step succeeded ({})", r.outcome.text), r.outcome.ok));
                checks.push(("table not rewritten".to_owned(), !r.rewritten));
            }
        }
        for (what, ok) in checks {
            failed += usize::from(!ok);
            println!(
                "{} {:<11} {:<37} {}",
                if ok { "PASS" } else { "FAIL" },
                r.scenario,
                r.label,
                what
            );
        }
    }
    println!();
    println!("{failed} check(s) failed");
}

// ----- main -----------------------------------------------------------------------------

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
