//! The runner: applies and reverts plans on PostgreSQL under the run lock.
//!
//! Every operation takes the caller's direct connection (`&mut Client`, so nothing
//! else uses it meanwhile), takes the [run lock](crate::lock), creates the
//! [history table](crate::history) when missing, [reconciles](crate::reconcile) the
//! code with it, and only then runs anything.
//!
//! A transactional direction is sent as ONE simple-query message: `BEGIN; SET LOCAL
//! lock_timeout ..; <statements>; <history row>; COMMIT`. The statements and the
//! history row commit together or not at all, and the failed statement is found by
//! counting the `CommandComplete` messages received before the error. On a lock
//! timeout (`55P03`) or deadlock (`40P01`) the whole transaction is rolled back and
//! retried on the next rung of the `lock_timeout` ladder, never after a commit.
//! Migrations commit with `SET LOCAL synchronous_commit = off` and a run that committed
//! any ends with one synchronous commit that flushes them all (see `Run::flush` for why
//! this is safe); this saves one fsync wait per migration.
//!
//! A [`Migrator`] records and hashes every migration up front but renders a plan (its
//! SQL, both ways) only when an operation needs it, so a run with nothing to do renders
//! nothing.
//!
//! A direction with statements that must run alone (`CREATE/DROP INDEX
//! CONCURRENTLY`) records its row as `applying` first, then runs unit by unit: a
//! transactional unit commits its progress with it; a statement run alone runs in
//! autocommit under the concurrent timeout profile, then its progress is recorded.
//! A concurrent index build first looks its index up in `pg_index`: valid, it is
//! skipped; invalid (a failed earlier build), it is dropped concurrently and rebuilt;
//! after the build its validity is checked.
//!
//! Before anything runs, `up` (and the up of `redo`) refuses pending migrations with
//! unacknowledged [safety findings](crate::lint) ([`Error::Lint`]; see
//! [`MigratorOptions::enforce_lint`]), and a run with concurrent statements first goes
//! through the [pre-flight checks](crate::preflight). A [batched
//! backfill](crate::backfill) is a unit of its own: keyset batches, each committed
//! with its cursor in the history row, resumed from that cursor by a rerun.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::backfill::{next_batch_size, resolve_key};
use crate::db_error::DbError;
use crate::error::{ConnectionLost, Error, LostMigration, LostState, StatementFailure};
use crate::events::RunEvent;
use crate::history::{AppliedMigration, HistoryTable};
use crate::ident::ObjectName;
use crate::lint::{self, Finding};
use crate::lock::{self, RunLock, Try};
use crate::options::MigratorOptions;
use crate::plan::{Batches, Direction, Execution, Header, MigrationPlan, Statement, Unit};
use crate::preflight;
use crate::reconcile::{self, Checks, DownTarget, Target, Work};
use crate::registry::{Migrations, Registration};
use crate::report::{
    BackfillRun, FailedAttempt, MigrationRun, MigrationStatus, PlannedRun, PreflightWarning,
    Report, RunDirection, SessionWarning,
};
use crate::retry::{Monitor, backoff};

/// Opens a connection without TLS and drives it on a spawned task: for embedding and
/// tests. The connection closes (releasing any session lock) when the client drops.
pub async fn connect(config: &tokio_postgres::Config) -> Result<Client, Error> {
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(Error::pg("connecting"))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection closed with an error");
        }
    });
    Ok(client)
}

/// Applies and reverts a program's migrations.
///
/// ```no_run
/// # async fn run(migrations: migrate_core::Migrations) -> Result<(), migrate_core::Error> {
/// use migrate_core::{connect, Migrator, MigratorOptions, Target};
/// let config: tokio_postgres::Config = "postgres://app@localhost/app".parse().unwrap();
/// let mut client = connect(&config).await?;
/// let migrator = Migrator::new(&migrations, MigratorOptions::new())?;
/// let report = migrator.up(&mut client, Target::Latest).await?;
/// for run in &report.runs {
///     tracing::info!(id = run.id, name = %run.name, "applied");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    /// What every run needs of every migration, by ascending id.
    headers: Vec<Header>,
    /// Each migration's plan, built on first use (same order).
    entries: Vec<Entry>,
    options: MigratorOptions,
    history: HistoryTable,
}

/// A migration's plan: built on first use from its registration, or given.
#[derive(Debug, Clone)]
enum Entry {
    Registered(&'static Registration, OnceLock<MigrationPlan>),
    Planned(MigrationPlan),
}

/// What a locked run does.
#[derive(Clone, Copy, Debug)]
enum Operation {
    Up(Target),
    Down(DownTarget),
    Redo,
    Baseline(i64),
    Repair,
}

/// Facts about the server and the session, read before taking the lock.
struct SessionInfo {
    database: String,
    table_exists: bool,
    /// The server session's pid (each try for the lock checks it still runs there).
    pid: i32,
    /// Whether the session setup set `client_connection_check_interval` (restored
    /// when the lock is released).
    set_check_interval: bool,
}

/// The session setup: `client_connection_check_interval = 1s` (PostgreSQL 14+), so a
/// server session whose client died (a killed CLI) stops within a second instead of
/// running on (a concurrent index build, a sleep) with the run lock held. Set only
/// when the server has the setting and the session left it at `0` (a value the caller
/// set is kept); `true` when it was set.
const SET_CHECK_INTERVAL: &str = "CASE WHEN current_setting('client_connection_check_interval', true) = '0' \
     THEN set_config('client_connection_check_interval', '1s', false) IS NOT NULL ELSE false END";

/// Restores what [`SET_CHECK_INTERVAL`] set, with the release of the lock.
const RESET_CHECK_INTERVAL: &str =
    "set_config('client_connection_check_interval', '0', false) IS NOT NULL";

/// The runner's session as the server sees it.
#[derive(Clone, Copy, Debug)]
struct Backend {
    pid: i32,
    /// `server_version_num`.
    server_version: i32,
}

impl Migrator {
    /// Records every migration, checks its steps and hashes them, failing on the
    /// first invalid one; keeps the options.
    ///
    /// A migration's SQL (both directions) is rendered the first time an operation
    /// needs it: a run with nothing to do renders none, and `up` renders only the
    /// pending ones (all of them before it runs any, so a migration that cannot be
    /// planned is refused before anything changes). [`Migrator::plans`] plans all.
    pub fn new(migrations: &Migrations, options: MigratorOptions) -> Result<Self, Error> {
        let headers = migrations
            .iter()
            .map(Header::new)
            .collect::<Result<Vec<_>, _>>()?;
        let entries = migrations
            .iter()
            .map(|registration| Entry::Registered(registration, OnceLock::new()))
            .collect();
        Ok(Self::from_parts(headers, entries, options))
    }

    /// A migrator over plans built elsewhere (tests, tools). They are sorted by id;
    /// a duplicate id is refused.
    pub fn from_plans(
        mut plans: Vec<MigrationPlan>,
        options: MigratorOptions,
    ) -> Result<Self, Error> {
        plans.sort_by_key(|p| p.id);
        if let Some(pair) = plans.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(Error::DuplicateId {
                id: pair[0].id,
                first: pair[0].location,
                second: pair[1].location,
            });
        }
        let headers = plans.iter().map(MigrationPlan::header).collect();
        let entries = plans.into_iter().map(Entry::Planned).collect();
        Ok(Self::from_parts(headers, entries, options))
    }

    fn from_parts(headers: Vec<Header>, entries: Vec<Entry>, options: MigratorOptions) -> Self {
        let history = HistoryTable::new(&options.schema, &options.table);
        Self {
            headers,
            entries,
            options,
            history,
        }
    }

    /// Every migration's id, name, checksum and reversibility, by ascending id.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The plan of the migration with this id (built now if it was not yet).
    pub fn plan(&self, id: i64) -> Result<&MigrationPlan, Error> {
        let index = self
            .headers
            .binary_search_by_key(&id, |h| h.id)
            .map_err(|_| Error::UnknownTarget { id })?;
        self.plan_at(index)
    }

    /// Every plan, by ascending id (building those not built yet).
    pub fn plans(&self) -> Result<Vec<&MigrationPlan>, Error> {
        (0..self.entries.len()).map(|i| self.plan_at(i)).collect()
    }

    /// The plan at this index of the headers.
    fn plan_at(&self, index: usize) -> Result<&MigrationPlan, Error> {
        match self.entries.get(index) {
            Some(Entry::Planned(plan)) => Ok(plan),
            Some(Entry::Registered(registration, cell)) => {
                if let Some(plan) = cell.get() {
                    return Ok(plan);
                }
                let plan = MigrationPlan::new(registration)?;
                Ok(cell.get_or_init(|| plan))
            }
            // Indexes come from `headers`, built beside `entries`.
            None => Err(Error::UnknownTarget {
                id: self.headers.get(index).map_or(0, |h| h.id),
            }),
        }
    }

    /// The options.
    pub fn options(&self) -> &MigratorOptions {
        &self.options
    }

    /// The same migrator with the lint gate off (for `verify`, on a scratch database).
    pub(crate) fn without_lint(&self) -> Migrator {
        Self {
            options: self.options.clone().enforce_lint(false),
            ..self.clone()
        }
    }

    /// Applies pending migrations up to the target, resuming an interrupted
    /// non-transactional one. Refuses modified, missing and out-of-order migrations
    /// first.
    pub async fn up(&self, client: &mut Client, target: Target) -> Result<Report, Error> {
        self.locked(client, Operation::Up(target)).await
    }

    /// Reverts applied migrations, newest first. Refuses an irreversible migration
    /// in the range before reverting anything.
    pub async fn down(&self, client: &mut Client, target: DownTarget) -> Result<Report, Error> {
        self.locked(client, Operation::Down(target)).await
    }

    /// Reverts the newest applied migration and applies it again.
    pub async fn redo(&self, client: &mut Client) -> Result<Report, Error> {
        self.locked(client, Operation::Redo).await
    }

    /// Records every migration up to `id` as applied without running it: for adopting
    /// a database whose schema already matches them.
    pub async fn baseline(&self, client: &mut Client, id: i64) -> Result<Report, Error> {
        self.locked(client, Operation::Baseline(id)).await
    }

    /// Accepts the code's checksums (and names) for applied migrations that were
    /// modified on purpose. Missing migrations still fail.
    pub async fn repair(&self, client: &mut Client) -> Result<Report, Error> {
        self.locked(client, Operation::Repair).await
    }

    /// Where every migration stands (code and history). Reads only; takes no lock.
    pub async fn status(&self, client: &Client) -> Result<Vec<MigrationStatus>, Error> {
        let applied = self.read_history_unlocked(client).await?;
        Ok(reconcile::status(&self.headers, &applied))
    }

    /// What `up` would run, without changing anything (it reads the history table).
    pub async fn plan_up(&self, client: &Client, target: Target) -> Result<Vec<PlannedRun>, Error> {
        let applied = self.read_history_unlocked(client).await?;
        self.verify(&applied, true)?;
        let work = reconcile::up_work(&self.headers, &applied, target)?;
        self.check_resumable(&applied, &work, RunDirection::Up)?;
        self.planned(&work, RunDirection::Up)
    }

    /// What `down` would run, without changing anything (it reads the history table).
    pub async fn plan_down(
        &self,
        client: &Client,
        target: DownTarget,
    ) -> Result<Vec<PlannedRun>, Error> {
        let applied = self.read_history_unlocked(client).await?;
        self.verify(&applied, false)?;
        let work = reconcile::down_work(&self.headers, &applied, target)?;
        self.check_resumable(&applied, &work, RunDirection::Down)?;
        self.planned(&work, RunDirection::Down)
    }

    fn planned(&self, work: &[Work], direction: RunDirection) -> Result<Vec<PlannedRun>, Error> {
        let mut out = Vec::with_capacity(work.len());
        for w in work {
            let plan = self.plan_at(w.index)?;
            let Some(dir) = direction_of(plan, direction) else {
                continue;
            };
            out.push(PlannedRun {
                id: plan.id,
                name: plan.name.to_owned(),
                direction,
                transactional: dir.is_transactional(),
                resume_from: w.resume_from,
                sql: dir.sql().into_iter().map(str::to_owned).collect(),
            });
        }
        Ok(out)
    }

    /// Refuses to resume a migration recorded half done whose direction runs in one
    /// transaction (see [`reconcile::check_resumable`]).
    fn check_resumable(
        &self,
        applied: &[AppliedMigration],
        work: &[Work],
        direction: RunDirection,
    ) -> Result<(), Error> {
        reconcile::check_resumable(&self.headers, applied, work, self.history.name(), |index| {
            Ok(direction_of(self.plan_at(index)?, direction)
                .is_some_and(Direction::is_transactional))
        })
    }

    fn verify(&self, applied: &[AppliedMigration], up: bool) -> Result<(), Error> {
        reconcile::verify(
            &self.headers,
            applied,
            Checks {
                modified: true,
                out_of_order: up && !self.options.allow_out_of_order,
            },
        )
    }

    async fn read_history_unlocked(&self, client: &Client) -> Result<Vec<AppliedMigration>, Error> {
        let row = client
            .query_typed_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[(&self.history.name(), Type::TEXT)],
            )
            .await
            .map_err(Error::pg("looking for the history table"))?;
        let exists: bool = row
            .try_get(0)
            .map_err(Error::pg("looking for the history table"))?;
        if !exists {
            return Ok(Vec::new());
        }
        match self.history.read(client).await? {
            Some(rows) => Ok(rows),
            None => self.history.read_rows(client, false).await,
        }
    }

    /// What every run needs before the lock, and no more, and the session's setup (in
    /// the same round trip): each catalog function costs a fresh session a lookup, so
    /// the server version and the schema are asked for only when needed. The pid is
    /// what the lock's tries check to see a transaction pooler.
    async fn session_info(&self, client: &Client) -> Result<SessionInfo, Error> {
        const CONTEXT: &str = "reading the session's facts";
        let row = client
            .query_typed_one(
                &format!(
                    "SELECT current_database()::text, to_regclass($1) IS NOT NULL, \
                     pg_backend_pid(), {SET_CHECK_INTERVAL}"
                ),
                &[(&self.history.name(), Type::TEXT)],
            )
            .await
            .map_err(Error::pg(CONTEXT))?;
        Ok(SessionInfo {
            database: row.try_get(0).map_err(Error::pg(CONTEXT))?,
            table_exists: row.try_get(1).map_err(Error::pg(CONTEXT))?,
            pid: row.try_get(2).map_err(Error::pg(CONTEXT))?,
            set_check_interval: row.try_get(3).map_err(Error::pg(CONTEXT))?,
        })
    }

    /// Takes the run lock, runs the operation, releases the lock on every return path.
    async fn locked(&self, client: &mut Client, operation: Operation) -> Result<Report, Error> {
        let client: &Client = client;
        let info = self.session_info(client).await?;
        let key = lock::lock_key(&info.database, self.history.schema(), self.history.table());
        // The first try for the lock and the read of the history go out together, one
        // round trip: the server runs them in order, so when the try took the lock the
        // rows were read under it. (Only when the table exists: a read of a missing
        // table would leave an error in the server's log.)
        // The try checks, in the same statement, that it runs on the server session
        // seen above: behind a transaction pooler it may not, and then it takes nothing.
        let reset = info.set_check_interval.then_some(RESET_CHECK_INTERVAL);
        let mut prefetched = None;
        let first = if info.table_exists {
            let (lock, rows) = tokio::join!(
                RunLock::try_take(client, key, info.pid),
                self.history.read(client)
            );
            let lock = lock?;
            if matches!(lock, Try::Taken(_)) {
                prefetched = Some(rows);
            }
            lock
        } else {
            RunLock::try_take(client, key, info.pid).await?
        };
        let lock = match first {
            Try::Taken(lock) => lock,
            Try::OtherSession(second_pid) => {
                tracing::error!(
                    first_pid = info.pid,
                    second_pid,
                    "transaction-mode pooler detected; refusing"
                );
                return Err(Error::TransactionPooler {
                    first_pid: info.pid,
                    second_pid,
                    applied: Box::default(),
                });
            }
            Try::Busy => {
                let options = &self.options;
                RunLock::acquire(
                    client,
                    key,
                    info.pid,
                    options.lock_wait,
                    options.lock_poll,
                    &options.events,
                )
                .await?
            }
        };
        self.options.events.emit(|| RunEvent::LockAcquired {
            waited: lock.waited(),
        });
        let mut run = Run {
            migrator: self,
            client,
            session_pid: info.pid,
            units_recorded: 0,
            backend: tokio::sync::OnceCell::new(),
            monitor: Monitor::new(self.options.monitor.clone()),
            cursors: Vec::new(),
            unflushed: AtomicBool::new(false),
            report: Report {
                lock_waited: lock.waited(),
                ..Report::default()
            },
        };
        let result = run
            .operate(operation, &info, prefetched)
            .await
            .map_err(|error| run.lost(error, None));
        run.flush().await;
        lock.release(client, reset).await;
        result.map(|()| run.report)
    }
}

/// The event of a migration that failed with `error`.
fn failed_event(plan: &MigrationPlan, direction: RunDirection, error: &Error) -> RunEvent {
    let db = error.db_error();
    let reason = match db {
        Some(db) => format!("{} (SQLSTATE {})", db.message, db.code),
        None => error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    RunEvent::MigrationFailed {
        id: plan.id,
        name: plan.name,
        direction,
        code: db.map(|db| db.code.clone()),
        reason,
    }
}

fn direction_of(plan: &MigrationPlan, direction: RunDirection) -> Option<&Direction> {
    match direction {
        RunDirection::Up => Some(&plan.up),
        RunDirection::Down => plan.down.as_ref(),
    }
}

/// One locked run.
struct Run<'a> {
    migrator: &'a Migrator,
    client: &'a Client,
    /// The server session the run lock was taken on.
    session_pid: i32,
    /// Units of the running non-transactional migration recorded as done.
    units_recorded: usize,
    /// The session's pid and server version, asked for the first time they are needed
    /// (never by a run with nothing to do).
    backend: tokio::sync::OnceCell<Backend>,
    monitor: Monitor,
    /// The backfill cursors of the history rows read when the run started, by id.
    cursors: Vec<(i64, String)>,
    /// Whether a commit without a flush may have happened (see `flush`).
    unflushed: AtomicBool,
    report: Report,
}

/// Marks the error of a failed [guard](guard_sql), followed by the pid it ran on.
const GUARD_MARKER: &str = "migrate guard: server session ";

/// A statement that fails (`22P02`, its message holding [`GUARD_MARKER`] and the pid
/// it ran on) unless it runs on server session `pid`, the one holding the run lock.
/// Every message of a run that changes something starts with it (inside the
/// transaction, when the message has one), so that behind a transaction pooler a
/// transaction handed to another server session changes nothing. A statement that
/// runs alone (`CREATE INDEX CONCURRENTLY`) cannot share its message; the guarded
/// message that sets its timeouts goes just before it.
fn guard_sql(pid: i32) -> String {
    format!(
        "SELECT (CASE WHEN pg_backend_pid() = {pid} THEN '0' \
         ELSE '{GUARD_MARKER}' || pg_backend_pid() END)::int"
    )
}

/// The pid a failed guard ran on, when this error is one.
fn guard_pid(db: &DbError) -> Option<i32> {
    let (_, rest) = db.message.split_once(GUARD_MARKER)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What the runner does while it sends a migration's transaction.
const RUNNING: &str = "running a migration";
/// What the runner does while it sends a statement that runs alone.
const RUNNING_ALONE: &str = "running a migration's statement that runs alone";

/// Whether the server ended the session with this error: severity `FATAL` or
/// `PANIC`, or an operator intervention (class `57P`: terminated, shut down, crash).
fn is_fatal(db: &DbError) -> bool {
    db.severity == "FATAL" || db.severity == "PANIC" || db.code.starts_with("57P")
}

/// Whether a driver error means the connection is gone.
fn is_lost(error: &tokio_postgres::Error) -> bool {
    error.is_closed() || DbError::from_driver(error).is_some_and(|db| is_fatal(&db))
}

/// How a failed message ended.
enum SendError {
    /// PostgreSQL refused statement number `completed` (0-based count of
    /// `CommandComplete` messages before the error).
    Db { completed: usize, db: Box<DbError> },
    /// The connection failed.
    Driver(tokio_postgres::Error),
}

/// Sends one simple-query message; the row counts of the statements that completed.
async fn send(client: &Client, sql: &str) -> Result<Vec<u64>, SendError> {
    let stream = client
        .simple_query_raw(sql)
        .await
        .map_err(SendError::Driver)?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = Vec::new();
    while let Some(message) = stream.next().await {
        match message {
            Ok(SimpleQueryMessage::CommandComplete(rows)) => completed.push(rows),
            Ok(_) => {}
            Err(error) => {
                return Err(match DbError::from_driver(&error) {
                    Some(db) => SendError::Db {
                        completed: completed.len(),
                        db: Box::new(db),
                    },
                    None => SendError::Driver(error),
                });
            }
        }
    }
    Ok(completed)
}

/// A PostgreSQL interval literal for a timeout (`'0'` disables it).
fn timeout_literal(timeout: Option<Duration>) -> String {
    match timeout {
        Some(d) if !d.is_zero() => format!("'{}ms'", d.as_millis().max(1)),
        _ => "'0'".to_owned(),
    }
}

/// A statement of a transactional message, with where it starts and how long it is (in
/// characters, as PostgreSQL counts an error's position).
struct Piece {
    sql: String,
    offset: u32,
    /// Characters of the statement.
    chars: u32,
    /// Characters of the statement and its terminator.
    span: u32,
}

/// Builds `BEGIN; <settings>; <statements>; <bookkeeping>; COMMIT`.
struct Message {
    text: String,
    chars: u32,
    prefix: usize,
    pieces: Vec<Piece>,
}

impl Message {
    fn new() -> Self {
        Self {
            text: String::new(),
            chars: 0,
            prefix: 0,
            pieces: Vec::new(),
        }
    }

    /// Appends a statement (without its semicolon), followed by its terminator.
    fn push(&mut self, sql: &str, terminator: &str) -> Piece {
        let offset = self.chars;
        self.text.push_str(sql);
        self.text.push_str(terminator);
        self.text.push('\n');
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        let chars = count(sql);
        let span = chars.saturating_add(count(terminator));
        self.chars = self.chars.saturating_add(span).saturating_add(1);
        Piece {
            sql: sql.to_owned(),
            offset,
            chars,
            span,
        }
    }

    /// Appends a setting the runner wrote (no semicolon, no comment).
    fn setting(&mut self, sql: &str) {
        let _ = self.push(sql, ";");
        self.prefix += 1;
    }

    /// Appends a statement of the plan, terminated so that no trailing comment
    /// swallows its `;`.
    fn statement(&mut self, statement: &Statement) {
        let piece = self.push(statement.text(), statement.terminator());
        self.pieces.push(piece);
    }

    /// Appends a statement the runner wrote (bookkeeping, `COMMIT`): no semicolon,
    /// no comment.
    fn own(&mut self, sql: &str) {
        let piece = self.push(sql, ";");
        self.pieces.push(piece);
    }

    /// The statement (index among `pieces`) that a 1-based character position of the
    /// whole message falls in, its terminator included.
    fn piece_at(&self, position: u32) -> Option<usize> {
        let at = position.checked_sub(1)?;
        self.pieces
            .iter()
            .position(|p| at >= p.offset && at - p.offset < p.span)
    }

    /// The statement that failed: where PostgreSQL's position points when it gave one
    /// (a syntax error fails the whole message before anything runs, so no statement
    /// completed), else the one after the `completed` ones.
    fn failed_piece(&self, completed: usize, position: Option<u32>) -> Option<usize> {
        match position.and_then(|p| self.piece_at(p)) {
            Some(i) => Some(i),
            None => completed
                .checked_sub(self.prefix)
                .filter(|i| *i < self.pieces.len()),
        }
    }
}

impl Run<'_> {
    fn headers(&self) -> &[Header] {
        &self.migrator.headers
    }

    /// The plans of the work, built now (once each), so that a migration that cannot be
    /// planned is refused before anything runs.
    fn plan_work(&self, work: &[Work]) -> Result<(), Error> {
        for w in work {
            self.migrator.plan_at(w.index)?;
        }
        Ok(())
    }

    fn history(&self) -> &HistoryTable {
        &self.migrator.history
    }

    fn options(&self) -> &MigratorOptions {
        &self.migrator.options
    }

    /// Delivers a run event to the options' callback (built only when there is one).
    fn emit(&self, make: impl FnOnce() -> RunEvent) {
        self.migrator.options.events.emit(make);
    }

    /// Makes every commit of the run durable before returning, on success and on
    /// error alike.
    ///
    /// Migrations commit with `synchronous_commit = off`: the commit does not wait for
    /// its WAL to reach the disk, which saves one fsync wait per migration. A commit
    /// that does wait flushes all WAL before it, so ONE synchronous commit at the end
    /// (a transaction that takes an xid) makes the whole run durable. A server crash
    /// before that point can lose only the run's latest migrations, each with its
    /// history row (they commit together), so the history never lies and a rerun
    /// applies them again; and any later durable write of the application flushes them
    /// first, since WAL is flushed in order.
    async fn flush(&self) {
        if !self.unflushed.load(Ordering::Relaxed) {
            return;
        }
        let result = self
            .client
            .batch_execute("BEGIN; SELECT txid_current(); COMMIT")
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not flush the run's commits to disk");
        }
    }

    /// The session's pid and server version (one query, the first time).
    async fn backend(&self) -> Result<Backend, Error> {
        const CONTEXT: &str = "reading the session's pid and server version";
        let backend = self
            .backend
            .get_or_try_init(|| async {
                let row = self
                    .client
                    .query_typed_one(
                        "SELECT pg_backend_pid(), current_setting('server_version_num')::int",
                        &[],
                    )
                    .await
                    .map_err(Error::pg(CONTEXT))?;
                Ok::<_, Error>(Backend {
                    pid: row.try_get(0).map_err(Error::pg(CONTEXT))?,
                    server_version: row.try_get(1).map_err(Error::pg(CONTEXT))?,
                })
            })
            .await?;
        if backend.pid != self.session_pid {
            return Err(self.pooled(backend.pid));
        }
        Ok(*backend)
    }

    /// Creates the history table (and its schema when missing).
    async fn create_history(&self) -> Result<(), Error> {
        const CONTEXT: &str = "creating the history table";
        let row = self
            .client
            .query_typed_one(
                "SELECT to_regnamespace($1) IS NOT NULL",
                &[(&self.history().quoted_schema(), Type::TEXT)],
            )
            .await
            .map_err(Error::pg(CONTEXT))?;
        let schema_exists: bool = row.try_get(0).map_err(Error::pg(CONTEXT))?;
        let sql = self.history().create_sql(!schema_exists);
        self.batch(&sql, CONTEXT).await
    }

    /// Sends `sql` as one message, behind the [guard](guard_sql): a change made by
    /// the run happens on the session holding the run lock or not at all.
    async fn batch(&self, sql: &str, context: &'static str) -> Result<(), Error> {
        let guarded = format!("{};\n{sql}", guard_sql(self.session_pid));
        match self.client.batch_execute(&guarded).await {
            Ok(()) => Ok(()),
            Err(source) => match DbError::from_driver(&source).and_then(|db| guard_pid(&db)) {
                Some(second_pid) => Err(self.pooled(second_pid)),
                None => Err(Error::Postgres { context, source }),
            },
        }
    }

    /// The run's transactions moved to another server session (a transaction pooler).
    fn pooled(&self, second_pid: i32) -> Error {
        tracing::error!(
            first_pid = self.session_pid,
            second_pid,
            "a transaction ran on another server session than the run lock's; stopping"
        );
        Error::TransactionPooler {
            first_pid: self.session_pid,
            second_pid,
            applied: Box::new(self.report.clone()),
        }
    }

    /// `prefetched`: the history as read together with the lock's first try.
    async fn operate(
        &mut self,
        operation: Operation,
        info: &SessionInfo,
        prefetched: Option<Result<Option<Vec<AppliedMigration>>, Error>>,
    ) -> Result<(), Error> {
        if !info.table_exists {
            // Seen missing before the lock: another runner may have made it (and
            // applied migrations) since, so it is read all the same.
            self.create_history().await?;
        }
        let read = match prefetched {
            Some(read) => read?,
            None => self.history().read(self.client).await?,
        };
        let applied = if let Some(rows) = read {
            rows
        } else {
            // A table made by an older version, without the cursor column.
            let sql = self.history().upgrade_sql();
            self.batch(&sql, "adding the backfill cursor to the history table")
                .await?;
            self.history().read_rows(self.client, true).await?
        };
        self.cursors = applied
            .iter()
            .filter_map(|a| Some((a.id, a.backfill_cursor.clone()?)))
            .collect();
        match operation {
            Operation::Up(target) => {
                self.migrator.verify(&applied, true)?;
                let work = reconcile::up_work(self.headers(), &applied, target)?;
                self.plan_work(&work)?;
                self.migrator
                    .check_resumable(&applied, &work, RunDirection::Up)?;
                self.lint_gate(&work)?;
                self.preflight(&work, RunDirection::Up).await?;
                self.live_preflight(&[(&work, RunDirection::Up)]).await?;
                for w in work {
                    self.run_one(w, RunDirection::Up).await?;
                }
            }
            Operation::Down(target) => {
                self.migrator.verify(&applied, false)?;
                let work = reconcile::down_work(self.headers(), &applied, target)?;
                self.plan_work(&work)?;
                self.migrator
                    .check_resumable(&applied, &work, RunDirection::Down)?;
                self.preflight(&work, RunDirection::Down).await?;
                self.live_preflight(&[(&work, RunDirection::Down)]).await?;
                for w in work {
                    self.run_one(w, RunDirection::Down).await?;
                }
            }
            Operation::Redo => {
                self.migrator.verify(&applied, false)?;
                let work = reconcile::down_work(self.headers(), &applied, DownTarget::Steps(1))?;
                self.plan_work(&work)?;
                self.migrator
                    .check_resumable(&applied, &work, RunDirection::Down)?;
                self.preflight(&work, RunDirection::Down).await?;
                let again: Vec<Work> = work
                    .iter()
                    .map(|w| Work {
                        index: w.index,
                        resume_from: 0,
                        has_row: false,
                    })
                    .collect();
                self.lint_gate(&again)?;
                self.preflight(&again, RunDirection::Up).await?;
                self.live_preflight(&[(&work, RunDirection::Down), (&again, RunDirection::Up)])
                    .await?;
                for w in work {
                    self.run_one(w, RunDirection::Down).await?;
                }
                for w in again {
                    self.run_one(w, RunDirection::Up).await?;
                }
            }
            Operation::Baseline(id) => {
                self.migrator.verify(&applied, false)?;
                if !self.headers().iter().any(|p| p.id == id) {
                    return Err(Error::UnknownTarget { id });
                }
                let mut sql = String::from("BEGIN;\n");
                let mut ids = Vec::new();
                for plan in self.headers().iter().filter(|p| p.id <= id) {
                    if !applied.iter().any(|a| a.id == plan.id) {
                        sql.push_str(&self.history().insert_baselined_sql(
                            plan.id,
                            plan.name,
                            &plan.checksum,
                        ));
                        sql.push_str(";\n");
                        ids.push(plan.id);
                    }
                }
                sql.push_str("COMMIT");
                if !ids.is_empty() {
                    self.batch(&sql, "recording the baseline").await?;
                    tracing::info!(up_to = id, count = ids.len(), "migrations baselined");
                }
                self.report.baselined = ids;
            }
            Operation::Repair => {
                reconcile::verify(
                    self.headers(),
                    &applied,
                    Checks {
                        modified: false,
                        out_of_order: false,
                    },
                )?;
                let modified = reconcile::modified(self.headers(), &applied);
                if !modified.is_empty() {
                    let mut sql = String::from("BEGIN;\n");
                    for id in &modified {
                        if let Some(plan) = self.headers().iter().find(|p| p.id == *id) {
                            sql.push_str(&self.history().repair_sql(
                                plan.id,
                                plan.name,
                                &plan.checksum,
                            ));
                            sql.push_str(";\n");
                        }
                    }
                    sql.push_str("COMMIT");
                    self.batch(&sql, "repairing checksums").await?;
                    tracing::info!(ids = ?modified, "checksums repaired");
                }
                self.report.repaired = modified;
            }
        }
        Ok(())
    }

    /// Refuses, before anything runs, pending migrations with safety findings they
    /// do not acknowledge (unless the options turn the gate off).
    fn lint_gate(&self, work: &[Work]) -> Result<(), Error> {
        if !self.options().enforce_lint {
            return Ok(());
        }
        let mut findings: Vec<Finding> = Vec::new();
        for w in work {
            let plan = self.migrator.plan_at(w.index)?;
            findings.extend(lint::lint_plan(plan).into_iter().filter(Finding::blocks));
        }
        if findings.is_empty() {
            return Ok(());
        }
        for finding in &findings {
            tracing::error!(%finding, "unacknowledged safety finding");
        }
        Err(Error::Lint { findings })
    }

    /// How the statements the work will run alone as concurrent statements (not
    /// backfills) execute.
    fn concurrent_executions<'p>(
        &'p self,
        work: &[Work],
        direction: RunDirection,
    ) -> Result<Vec<&'p Execution>, Error> {
        let mut out = Vec::new();
        for w in work {
            let Some(dir) = direction_of(self.migrator.plan_at(w.index)?, direction) else {
                continue;
            };
            for unit in dir.units.iter().skip(w.resume_from) {
                if let Unit::Alone(statement) = unit
                    && !matches!(statement.execution, Execution::Backfill(_))
                {
                    out.push(&statement.execution);
                }
            }
        }
        Ok(out)
    }

    /// Pre-flight against the live database before the run's concurrent statements
    /// (see [`crate::preflight`]): sessions that would stall them and invalid indexes
    /// on the tables they index, reported (and, with `refuse_when_blocked`, refused).
    async fn live_preflight(&mut self, items: &[(&[Work], RunDirection)]) -> Result<(), Error> {
        let mut any = false;
        let mut tables: Vec<String> = Vec::new();
        for (work, direction) in items {
            for execution in self.concurrent_executions(work, *direction)? {
                any = true;
                if let Execution::BuildIndex { table, .. } = execution
                    && !tables.contains(table)
                {
                    tables.push(table.clone());
                }
            }
        }
        if !any {
            return Ok(());
        }
        let options = self.options();
        let pid = self.backend().await?.pid;
        let sessions = preflight::sessions(self.client, pid, options.long_transaction).await?;
        let refuse = options.refuse_when_blocked;
        let stalling: Vec<SessionWarning> = sessions
            .iter()
            .filter(|s| s.holds_snapshot)
            .cloned()
            .collect();
        if refuse && !stalling.is_empty() {
            for session in &stalling {
                tracing::error!(%session, "session would stall a concurrent index build; refusing");
            }
            return Err(Error::Blocked { sessions: stalling });
        }
        let mut warnings: Vec<PreflightWarning> = sessions
            .into_iter()
            .map(PreflightWarning::Session)
            .collect();
        warnings.extend(preflight::invalid_indexes(self.client, &tables).await?);
        for warning in &warnings {
            tracing::warn!(%warning, "pre-flight");
            self.emit(|| RunEvent::Preflight(warning.clone()));
        }
        self.report.preflight.extend(warnings);
        Ok(())
    }

    /// Refuses concurrent builds on servers that corrupt them (PostgreSQL 14.0–14.3).
    async fn preflight(&self, work: &[Work], direction: RunDirection) -> Result<(), Error> {
        if self.concurrent_executions(work, direction)?.is_empty() {
            return Ok(());
        }
        let version = self.backend().await?.server_version;
        if !preflight::concurrent_builds_are_safe(version) {
            return Err(Error::UnsupportedServer {
                version,
                reason: "concurrent index builds can silently corrupt indexes before 14.4; upgrade the server",
            });
        }
        Ok(())
    }

    /// Runs one migration; a lost connection is reported with the migration and the
    /// state it was left in.
    async fn run_one(&mut self, work: Work, direction: RunDirection) -> Result<(), Error> {
        self.units_recorded = if work.has_row { work.resume_from } else { 0 };
        let plan = self.migrator.plan_at(work.index)?;
        match self.run_one_inner(work, direction).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let state = match direction_of(plan, direction) {
                    Some(dir) if !dir.is_transactional() => LostState::Resumable {
                        units_done: self.units_recorded,
                    },
                    _ => LostState::RolledBack,
                };
                let migration = LostMigration {
                    id: plan.id,
                    name: plan.name.to_owned(),
                    direction,
                    state,
                };
                let error = self.lost(error, Some(migration));
                self.emit(|| failed_event(plan, direction, &error));
                Err(error)
            }
        }
    }

    /// Turns an error that is a lost connection (closed, or ended by the server with
    /// a `FATAL` error) into [`Error::ConnectionLost`], with the migration that was
    /// running and what the run did before; other errors pass through.
    fn lost(&self, error: Error, migration: Option<LostMigration>) -> Error {
        let mut lost = match error {
            Error::ConnectionLost(lost) => lost,
            Error::Postgres { context, source } if is_lost(&source) => Box::new(ConnectionLost {
                context,
                reason: DbError::from_driver(&source),
                migration: None,
                applied: Report::default(),
            }),
            Error::Statement(failure) if is_fatal(&failure.db) => Box::new(ConnectionLost {
                context: RUNNING,
                reason: Some(failure.db),
                migration: None,
                applied: Report::default(),
            }),
            other => return other,
        };
        if lost.migration.is_none() {
            lost.migration = migration.map(|mut m| {
                // Lost while the message with its COMMIT was on its way, without a word
                // from the server: it may have committed.
                if m.state == LostState::RolledBack
                    && lost.reason.is_none()
                    && lost.context == RUNNING
                {
                    m.state = LostState::CommitUnknown;
                }
                m
            });
        }
        lost.applied = self.report.clone();
        Error::ConnectionLost(lost)
    }

    async fn run_one_inner(&mut self, work: Work, direction: RunDirection) -> Result<(), Error> {
        let plan = self.migrator.plan_at(work.index)?;
        let Some(dir) = direction_of(plan, direction) else {
            return Err(Error::Irreversible {
                id: plan.id,
                name: plan.name.to_owned(),
            });
        };
        let start = Instant::now();
        tracing::info!(
            id = plan.id,
            name = plan.name,
            direction = %direction,
            resume_from = work.resume_from,
            "migration starting"
        );
        self.emit(|| RunEvent::MigrationStarted {
            id: plan.id,
            name: plan.name,
            direction,
            resumed_from: work.has_row.then_some(work.resume_from),
        });
        let mut run = MigrationRun {
            id: plan.id,
            name: plan.name.to_owned(),
            direction,
            duration: Duration::ZERO,
            statements: 0,
            resumed_from: work.has_row.then_some(work.resume_from),
            skipped_units: 0,
            retries: Vec::new(),
            backfills: Vec::new(),
        };
        if dir.is_transactional() {
            let statements: Vec<&Statement> = dir.statements().collect();
            let bookkeeping = match direction {
                RunDirection::Up => self.history().insert_applied_sql(
                    plan.id,
                    plan.name,
                    &plan.checksum,
                    dir.units.len(),
                ),
                RunDirection::Down => self.history().delete_sql(plan.id),
            };
            self.transaction(plan, direction, &statements, 0, &bookkeeping, &mut run)
                .await?;
            run.statements = statements.len();
        } else {
            self.units(plan, dir, direction, work, start, &mut run)
                .await?;
        }
        run.duration = start.elapsed();
        tracing::info!(
            id = plan.id,
            name = plan.name,
            direction = %direction,
            duration_ms = run.duration.as_millis() as u64,
            statements = run.statements,
            retries = run.retries.len(),
            "migration finished"
        );
        self.emit(|| RunEvent::MigrationFinished {
            id: plan.id,
            name: plan.name,
            direction,
            duration: run.duration,
            statements: run.statements,
            retries: run.retries.len(),
        });
        self.report.runs.push(run);
        Ok(())
    }

    /// Runs a non-transactional direction unit by unit, with progress in the history.
    async fn units(
        &mut self,
        plan: &MigrationPlan,
        dir: &Direction,
        direction: RunDirection,
        work: Work,
        start: Instant,
        run: &mut MigrationRun,
    ) -> Result<(), Error> {
        if !work.has_row {
            let sql = match direction {
                RunDirection::Up => {
                    self.history()
                        .insert_applying_sql(plan.id, plan.name, &plan.checksum)
                }
                RunDirection::Down => self.history().start_reverting_sql(plan.id),
            };
            self.batch(&sql, "recording the start of a non-transactional migration")
                .await?;
        }
        let mut offset: usize = dir
            .units
            .iter()
            .take(work.resume_from)
            .map(|u| u.statements().len())
            .sum();
        for (k, unit) in dir.units.iter().enumerate().skip(work.resume_from) {
            let progress = self.history().progress_sql(plan.id, k + 1);
            match unit {
                Unit::Transaction(statements) => {
                    let statements: Vec<&Statement> = statements.iter().collect();
                    self.transaction(plan, direction, &statements, offset, &progress, run)
                        .await?;
                    self.units_recorded = k + 1;
                }
                Unit::Alone(statement) => {
                    if let Execution::Backfill(batches) = &statement.execution {
                        let cursor = if work.has_row && k == work.resume_from {
                            self.recorded_cursor(plan.id)
                        } else {
                            None
                        };
                        let target = BackfillTarget {
                            plan,
                            direction,
                            batches,
                            step: statement.step,
                            index: offset,
                        };
                        let done = self.backfill(target, cursor, run).await?;
                        run.backfills.push(done);
                    } else {
                        let ran = self
                            .alone_retried(plan, direction, statement, offset, run)
                            .await?;
                        if !ran {
                            run.skipped_units += 1;
                        }
                    }
                    self.batch(&progress, "recording a unit's progress").await?;
                    self.units_recorded = k + 1;
                }
            }
            run.statements += unit.statements().len();
            offset += unit.statements().len();
        }
        let sql = match direction {
            RunDirection::Up => {
                let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
                self.history()
                    .finish_applying_sql(plan.id, dir.units.len(), ms)
            }
            RunDirection::Down => self.history().delete_sql(plan.id),
        };
        self.batch(&sql, "recording the end of a non-transactional migration")
            .await
    }

    fn failure(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: usize,
        sql: String,
        db: DbError,
        retries: Vec<FailedAttempt>,
    ) -> Error {
        Error::Statement(Box::new(StatementFailure {
            id: plan.id,
            name: plan.name.to_owned(),
            direction,
            statement,
            sql,
            db,
            retries,
            applied: self.report.clone(),
        }))
    }

    /// Runs statements and their bookkeeping in one transaction, in one message,
    /// retrying the whole of it on a lock timeout or deadlock. Returns the row counts
    /// of the statements, the bookkeeping and the `COMMIT`.
    async fn transaction(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statements: &[&Statement],
        offset: usize,
        bookkeeping: &str,
        run: &mut MigrationRun,
    ) -> Result<Vec<u64>, Error> {
        let options = self.options();
        let ladder = options.ladder_for(plan.settings.lock_timeout);
        let statement_timeout = plan
            .settings
            .statement_timeout
            .or(options.statement_timeout);
        let mut failed: Vec<FailedAttempt> = Vec::new();
        for (attempt, lock_timeout) in ladder.iter().copied().enumerate() {
            let mut message = Message::new();
            message.setting("BEGIN");
            message.setting(&guard_sql(self.session_pid));
            // Durability comes from the flush at the end of the run (see `flush`).
            message.setting("SET LOCAL synchronous_commit = off");
            if let Some(timeout) = lock_timeout {
                message.setting(&format!(
                    "SET LOCAL lock_timeout = {}",
                    timeout_literal(Some(timeout))
                ));
            }
            if let Some(timeout) = statement_timeout {
                message.setting(&format!(
                    "SET LOCAL statement_timeout = {}",
                    timeout_literal(Some(timeout))
                ));
            }
            for statement in statements {
                message.statement(statement);
            }
            message.own(bookkeeping);
            message.own("COMMIT");

            // The monitor looks for the sessions blocking this one (by its pid).
            let pid = match lock_timeout {
                Some(_) => Some(self.backend().await?.pid),
                None => None,
            };
            let watch = lock_timeout.zip(pid).and_then(|(t, pid)| {
                let delay = (t / 2).min(Duration::from_millis(50));
                let interval = (t / 4).clamp(Duration::from_millis(10), Duration::from_millis(500));
                self.monitor.watch(pid, delay, interval)
            });
            self.unflushed.store(true, Ordering::Relaxed);
            let result = send(self.client, &message.text).await;
            let blockers = watch.map(|w| w.finish()).unwrap_or_default();
            let (completed, db) = match result {
                Ok(counts) => {
                    run.retries.append(&mut failed);
                    return Ok(counts.get(message.prefix..).unwrap_or_default().to_vec());
                }
                Err(SendError::Driver(source)) => {
                    return Err(Error::Postgres {
                        context: RUNNING,
                        source,
                    });
                }
                Err(SendError::Db { db, .. }) if is_fatal(&db) || self.client.is_closed() => {
                    // The server ended the session: it rolled the transaction back.
                    return Err(Error::ConnectionLost(Box::new(ConnectionLost {
                        context: RUNNING,
                        reason: Some(*db),
                        migration: None,
                        applied: Report::default(),
                    })));
                }
                Err(SendError::Db { completed, db }) => (completed, *db),
            };
            // The transaction is aborted (or, after a failed COMMIT, already gone):
            // end it before anything else.
            // Not guarded: a failed transaction keeps its server session, and a guard
            // before the ROLLBACK would fail in it and skip the ROLLBACK.
            self.client
                .batch_execute("ROLLBACK")
                .await
                .map_err(Error::pg("rolling back a failed migration"))?;
            if let Some(second_pid) = guard_pid(&db) {
                return Err(self.pooled(second_pid));
            }
            let found = message.failed_piece(completed, db.position);
            let piece = found.and_then(|i| message.pieces.get(i));
            let index = found.unwrap_or(0);
            let sql = piece.map(|p| p.sql.clone()).unwrap_or_default();
            let db = match piece {
                Some(p) => db.relative_to(p.offset, p.chars),
                None => db,
            };
            // Index among the direction's statements; the bookkeeping and COMMIT count
            // past the end.
            let statement = offset + index.min(statements.len());
            if db.is_retryable() && attempt + 1 < ladder.len() {
                let sleep = backoff(attempt + 1, options.backoff_base, options.backoff_max);
                tracing::warn!(
                    id = plan.id,
                    name = plan.name,
                    attempt = attempt + 1,
                    code = %db.code,
                    statement,
                    lock_timeout_ms = lock_timeout.map(|t| t.as_millis() as u64),
                    blockers = ?blockers,
                    retry_in_ms = sleep.as_millis() as u64,
                    "migration blocked; rolled back, will retry"
                );
                self.emit(|| RunEvent::StatementRetry {
                    id: plan.id,
                    name: plan.name,
                    statement,
                    attempt: attempt + 1,
                    attempts: ladder.len(),
                    code: db.code.clone(),
                    lock_timeout,
                    blockers: blockers.clone(),
                    retry_in: sleep,
                });
                failed.push(FailedAttempt {
                    attempt: attempt + 1,
                    lock_timeout,
                    code: db.code.clone(),
                    statement,
                    blockers,
                });
                tokio::time::sleep(sleep).await;
                continue;
            }
            if db.is_retryable() {
                failed.push(FailedAttempt {
                    attempt: attempt + 1,
                    lock_timeout,
                    code: db.code.clone(),
                    statement,
                    blockers,
                });
            }
            tracing::error!(id = plan.id, name = plan.name, statement, code = %db.code, "migration failed; rolled back");
            return Err(self.failure(plan, direction, statement, sql, db, failed));
        }
        // An empty ladder is turned into one rung by `ladder_for`.
        Ok(Vec::new())
    }

    /// The backfill cursor an interrupted run left in a migration's history row.
    fn recorded_cursor(&self, id: i64) -> Option<String> {
        self.cursors
            .iter()
            .find(|(row, _)| *row == id)
            .map(|(_, cursor)| cursor.clone())
    }

    /// Runs a batched backfill (see [`crate::backfill`]): keyset batches from `cursor`
    /// (the last key done by an interrupted run), each committed with its cursor.
    async fn backfill(
        &self,
        target: BackfillTarget<'_>,
        cursor: Option<String>,
        run: &mut MigrationRun,
    ) -> Result<BackfillRun, Error> {
        let BackfillTarget {
            plan,
            direction,
            batches,
            step,
            index,
        } = target;
        let def = batches.def();
        let start = Instant::now();
        let (key, key_type) = match resolve_key(self.client, batches).await? {
            Ok(key) => key,
            Err(message) => {
                return Err(Error::BackfillKey {
                    id: plan.id,
                    name: plan.name.to_owned(),
                    table: def.table.to_string(),
                    message,
                });
            }
        };
        let table = def.table.to_string();
        tracing::info!(
            id = plan.id,
            table = %table,
            key = %key,
            resume_from = cursor.as_deref(),
            batch_size = def.pacing.batch_size,
            "backfill starting"
        );
        let mut done = BackfillRun {
            step,
            table,
            key: key.to_string(),
            resumed_from: cursor.clone(),
            batches: 0,
            rows: 0,
            last_batch_size: 0,
            duration: Duration::ZERO,
            cursor,
        };
        let mut size = def.pacing.batch_size.max(1);
        let mut logged = Instant::now();
        loop {
            if done.batches > 0 && !def.pacing.pause.is_zero() {
                tokio::time::sleep(def.pacing.pause).await;
            }
            let batch_start = Instant::now();
            let next = batches.next_upper_sql(&key, &key_type, done.cursor.as_deref(), size);
            let upper: Option<String> = match self
                .client
                .query_typed_opt(&next, &[])
                .await
                .map_err(Error::pg("finding the next backfill batch"))?
            {
                Some(row) => row
                    .try_get(0)
                    .map_err(Error::pg("finding the next backfill batch"))?,
                None => None,
            };
            let Some(upper) = upper else { break };
            let statement = Statement {
                sql: batches.batch_sql(&key, &key_type, done.cursor.as_deref(), &upper),
                step,
                kind: "backfill",
                execution: Execution::Transactional,
            };
            let bookkeeping = self.history().cursor_sql(plan.id, &upper);
            let counts = self
                .transaction(plan, direction, &[&statement], index, &bookkeeping, run)
                .await?;
            let rows = counts.first().copied().unwrap_or(0);
            done.batches += 1;
            done.rows += rows;
            done.last_batch_size = size;
            done.cursor = Some(upper);
            let elapsed = batch_start.elapsed();
            tracing::debug!(
                id = plan.id,
                table = %done.table,
                batch = done.batches,
                batch_size = size,
                rows,
                elapsed_ms = elapsed.as_millis() as u64,
                cursor = done.cursor.as_deref(),
                "backfill batch committed"
            );
            self.emit(|| RunEvent::BackfillProgress {
                id: plan.id,
                table: done.table.clone(),
                batch: done.batches,
                rows: done.rows,
            });
            size = next_batch_size(size, elapsed, &def.pacing);
            if logged.elapsed() >= Duration::from_secs(1) {
                logged = Instant::now();
                done.duration = start.elapsed();
                tracing::info!(
                    id = plan.id,
                    table = %done.table,
                    rows = done.rows,
                    rows_per_sec = done.rows_per_second().round(),
                    batches = done.batches,
                    next_batch_size = size,
                    cursor = done.cursor.as_deref(),
                    "backfill progress"
                );
            }
        }
        done.duration = start.elapsed();
        tracing::info!(
            id = plan.id,
            table = %done.table,
            rows = done.rows,
            rows_per_sec = done.rows_per_second().round(),
            batches = done.batches,
            duration_ms = done.duration.as_millis() as u64,
            "backfill finished"
        );
        Ok(done)
    }

    /// [`Run::alone`], retried on a lock timeout or deadlock when the concurrent
    /// profile sets a `lock_timeout`: as many attempts as the transactional ladder has
    /// rungs, with its backoff between them. Each attempt stands alone (nothing spans
    /// a commit): a build cut short left an invalid index, which the next attempt
    /// finds in `pg_index`, drops and rebuilds.
    async fn alone_retried(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: &Statement,
        index: usize,
        run: &mut MigrationRun,
    ) -> Result<bool, Error> {
        let options = self.options();
        let lock_timeout = options.concurrent.lock_timeout;
        let attempts = match lock_timeout {
            Some(_) => options.lock_timeouts.len().max(1),
            None => 1,
        };
        let mut failed: Vec<FailedAttempt> = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.alone(plan, direction, statement, index).await {
                Ok(ran) => {
                    run.retries.append(&mut failed);
                    return Ok(ran);
                }
                Err(Error::Statement(mut failure)) if failure.db.is_retryable() => {
                    failed.push(FailedAttempt {
                        attempt,
                        lock_timeout,
                        code: failure.db.code.clone(),
                        statement: failure.statement,
                        blockers: Vec::new(),
                    });
                    if attempt >= attempts {
                        failure.retries = failed;
                        return Err(Error::Statement(failure));
                    }
                    let sleep = backoff(attempt, options.backoff_base, options.backoff_max);
                    tracing::warn!(
                        id = plan.id,
                        name = plan.name,
                        attempt,
                        code = %failure.db.code,
                        statement = failure.statement,
                        retry_in_ms = sleep.as_millis() as u64,
                        "statement run alone was blocked; will retry"
                    );
                    self.emit(|| RunEvent::StatementRetry {
                        id: plan.id,
                        name: plan.name,
                        statement: failure.statement,
                        attempt,
                        attempts,
                        code: failure.db.code.clone(),
                        lock_timeout,
                        blockers: Vec::new(),
                        retry_in: sleep,
                    });
                    tokio::time::sleep(sleep).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs one statement alone under the concurrent profile. Returns `false` when it
    /// was skipped (its index already valid, or already dropped).
    async fn alone(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: &Statement,
        index: usize,
    ) -> Result<bool, Error> {
        let mut built_index = None;
        match &statement.execution {
            Execution::BuildIndex { index: name, .. } => {
                match index_state(self.client, name).await? {
                    Some((_, true)) => {
                        tracing::info!(id = plan.id, index = %name, "index already built and valid; skipping its build");
                        self.emit(|| RunEvent::IndexAlreadyBuilt {
                            id: plan.id,
                            index: name.to_string(),
                        });
                        return Ok(false);
                    }
                    Some((qualified, false)) => {
                        tracing::warn!(id = plan.id, index = %qualified.name, "invalid index left by a failed build; dropping it to rebuild");
                        self.emit(|| RunEvent::RebuildingInvalidIndex {
                            id: plan.id,
                            index: qualified.name.to_string(),
                        });
                        let drop = format!("DROP INDEX CONCURRENTLY {}", qualified.quoted);
                        self.profiled(plan, direction, index, &drop).await?;
                    }
                    None => {}
                }
                built_index = Some(name);
            }
            Execution::DropIndex { index: name }
                if index_state(self.client, name).await?.is_none() =>
            {
                tracing::info!(id = plan.id, index = %name, "index already dropped; skipping");
                self.emit(|| RunEvent::IndexAlreadyDropped {
                    id: plan.id,
                    index: name.to_string(),
                });
                return Ok(false);
            }
            _ => {}
        }
        self.profiled(plan, direction, index, &statement.sql)
            .await?;
        if let Some(name) = built_index
            && !matches!(index_state(self.client, name).await?, Some((_, true)))
        {
            return Err(Error::InvalidIndex {
                id: plan.id,
                name: plan.name.to_owned(),
                index: name.to_string(),
                applied: Box::new(self.report.clone()),
            });
        }
        Ok(true)
    }

    /// Sends one statement alone with the concurrent timeout profile set for the
    /// session around it, then reset (each setting by name, never `RESET ALL`).
    async fn profiled(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        index: usize,
        sql: &str,
    ) -> Result<(), Error> {
        let profile = self.options().concurrent;
        let set = format!(
            "SET lock_timeout = {}; SET statement_timeout = {}",
            timeout_literal(profile.lock_timeout),
            timeout_literal(profile.statement_timeout)
        );
        self.batch(&set, "setting the concurrent timeout profile")
            .await?;
        let result = send(self.client, sql).await;
        if let Err(SendError::Db { db, .. }) = &result
            && (is_fatal(db) || self.client.is_closed())
        {
            return Err(Error::ConnectionLost(Box::new(ConnectionLost {
                context: RUNNING_ALONE,
                reason: Some((**db).clone()),
                migration: None,
                applied: Report::default(),
            })));
        }
        self.batch(
            "RESET lock_timeout; RESET statement_timeout",
            "resetting the timeouts",
        )
        .await?;
        match result {
            Ok(_) => Ok(()),
            Err(SendError::Driver(source)) => Err(Error::Postgres {
                context: RUNNING_ALONE,
                source,
            }),
            Err(SendError::Db { db, .. }) => {
                tracing::error!(id = plan.id, name = plan.name, statement = index, code = %db.code, "migration statement failed");
                Err(self.failure(plan, direction, index, sql.to_owned(), *db, Vec::new()))
            }
        }
    }
}

/// A backfill to run, and where it sits in its migration.
struct BackfillTarget<'p> {
    plan: &'p MigrationPlan,
    direction: RunDirection,
    batches: &'p Batches,
    /// Index of its step in the direction.
    step: usize,
    /// Index of its statement in the direction.
    index: usize,
}

/// An index found in the catalog: its schema-qualified name, and that name quoted by
/// PostgreSQL (`quote_ident`) for a statement.
struct FoundIndex {
    name: ObjectName,
    quoted: String,
}

/// An index's schema-qualified name and validity, when it exists. An unqualified
/// name is looked up in `current_schema()`.
async fn index_state(
    client: &Client,
    name: &ObjectName,
) -> Result<Option<(FoundIndex, bool)>, Error> {
    let schema = name.schema.as_ref().map(|s| s.as_str().to_owned());
    let row = client
        .query_typed_opt(
            "SELECT n.nspname::text, i.indisvalid AND i.indisready, \
             quote_ident(n.nspname) || '.' || quote_ident(c.relname) \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = $1 AND n.nspname = coalesce($2, current_schema())",
            &[(&name.name.as_str(), Type::TEXT), (&schema, Type::TEXT)],
        )
        .await
        .map_err(Error::pg("looking up an index in pg_index"))?;
    row.map(|row| {
        let schema: String = row
            .try_get(0)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let valid: bool = row
            .try_get(1)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let quoted: String = row
            .try_get(2)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let name = ObjectName::qualified(schema, name.name.clone());
        Ok((FoundIndex { name, quoted }, valid))
    })
    .transpose()
}
