//! The runner: applies and reverts plans on PostgreSQL under the run lock.
//!
//! Every operation of the public [`Migrator`] takes the caller's direct connection
//! (`&mut Client`, so nothing else uses it meanwhile), takes the [run lock](crate::lock),
//! creates the [history table](crate::history) when missing,
//! [reconciles](crate::reconcile) the code with it, and only then runs anything. A
//! [`Migrator`] records and hashes every migration up front but renders a plan (its SQL,
//! both ways) only when an operation needs it, and keeps none: a run with nothing to do
//! renders nothing, and a run builds each pending plan twice, once to check it (before
//! anything changes; only the few facts the later checks need are kept) and once when
//! it runs, dropped after. Memory stays flat however many migrations are pending.
//!
//! One locked run is a `Run`; its work is spread by concept over this folder:
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the public `Migrator`, its operations, the lock around a run |
//! | `session.rs` | facts about the session, the pooler guard, the final flush, history creation, a lost connection |
//! | `sequence.rs` | what each operation runs, one migration after another, unit by unit |
//! | `gates.rs` | the lint gate and the pre-flight checks, before anything runs |
//! | `reset.rs` | `reset`: everything reverted (or the schema recreated), then everything applied |
//! | `wire.rs` | one simple-query message, and which statement of it failed |
//! | `transaction.rs` | a transactional unit, with its `lock_timeout` ladder |
//! | `alone.rs` | statements run alone: concurrent index builds and drops |
//! | `backfill.rs` | the batch loop of a backfill |
//! | `retry.rs` | the backoff between attempts, and who blocks the runner |
//!
//! Every step of a run is logged with `tracing` and, when the options have a
//! callback, sent as a [`crate::RunEvent`] (see [`crate::events`]).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use crate::error::Error;
use crate::events::RunEvent;
use crate::history::{AppliedMigration, HistoryTable};
use crate::lock::{self, RunLock, Try};
use crate::options::MigratorOptions;
use crate::plan::{Direction, Header, MigrationPlan};
use crate::reconcile::{self, Checks, DownTarget, Target, Work};
use crate::registry::{Migrations, Registration};
use crate::report::{MigrationStatus, PlannedRun, Report, RunDirection};

mod alone;
mod backfill;
mod gates;
mod reset;
mod retry;
mod sequence;
mod session;
mod transaction;
mod wire;

use reset::ResetMode;
use retry::Monitor;
use session::{Backend, RESET_CHECK_INTERVAL};

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
    /// What every run needs of every migration, by ascending id (shared by the
    /// migrators [`Migrator::with_history_table`] makes).
    headers: Arc<[Header]>,
    /// Where each migration's plan comes from (same order, shared likewise).
    entries: Arc<[Entry]>,
    options: MigratorOptions,
    history: HistoryTable,
}

/// Where a migration's plan comes from.
#[derive(Debug, Clone)]
enum Entry {
    /// A registered migration: planned from its function whenever an operation needs
    /// the plan, and not kept (a plan of a few steps takes kilobytes; 10,000 of them
    /// held at once took tens of megabytes).
    Registered(&'static Registration),
    /// A migration planned already, which no function records
    /// ([`Migrator::with_planned`]): its plan is the only copy, so it is kept.
    Planned(Arc<MigrationPlan>),
}

/// What was read of the history together with the lock's first try.
enum Prefetched {
    /// Every row (`None`: the table lacks the backfill cursor column).
    Rows(Result<Option<Vec<AppliedMigration>>, Error>),
    /// The summary `up` reads first (`None`: likewise).
    Summary(Result<Option<crate::history::Summary>, Error>),
}

/// What a locked run does.
#[derive(Clone, Copy, Debug)]
enum Operation {
    Up(Target),
    Down(DownTarget),
    Redo,
    Baseline(i64),
    Repair,
    Reset(ResetMode),
}

impl Migrator {
    /// Records every migration, checks its steps and hashes them, failing on the
    /// first invalid one; keeps the options.
    ///
    /// A migration's SQL (both directions) is rendered only when an operation needs
    /// it, and not kept: a run with nothing to do renders none, and `up` renders only
    /// the pending ones, each twice: all of them are planned (and dropped) before it
    /// runs any, so a migration that cannot be planned is refused before anything
    /// changes, then each again when it runs. [`Migrator::plans`] plans all.
    ///
    /// Recording and hashing is spread over the available cores when there are many
    /// migrations (see [`Header::new_all`]).
    pub fn new(migrations: &Migrations, options: MigratorOptions) -> Result<Self, Error> {
        let headers = Header::new_all(migrations)?;
        let entries = migrations.iter().map(Entry::Registered).collect();
        Ok(Self::from_parts(headers.into(), entries, options))
    }

    /// The same migrator with one more migration, planned already: a migration
    /// [`diff`](crate::diff) generated ([`Generated::plan`](crate::diff::Generated::plan)),
    /// which no compiled function records yet. Fails when its id is taken.
    pub fn with_planned(&self, plan: MigrationPlan) -> Result<Migrator, Error> {
        let index = match self.headers.binary_search_by_key(&plan.id, |h| h.id) {
            Ok(i) => {
                return Err(Error::DuplicateId {
                    id: plan.id,
                    first: self.headers[i].location,
                    second: plan.location,
                });
            }
            Err(i) => i,
        };
        let mut headers = self.headers.to_vec();
        let mut entries = self.entries.to_vec();
        headers.insert(index, plan.header());
        entries.insert(index, Entry::Planned(Arc::new(plan)));
        Ok(Self::from_parts(
            headers.into(),
            entries.into(),
            self.options.clone(),
        ))
    }

    /// The same migrations and options, recorded in another history table: one
    /// tenant's schema of many, say. Cheap: the migrations (their checksums, and the
    /// plans [`Migrator::with_planned`] gave) are shared, not copied.
    ///
    /// ```
    /// # fn main() -> Result<(), migrate_core::Error> {
    /// use migrate_core::{Migrations, Migrator, MigratorOptions};
    /// let migrator = Migrator::new(&Migrations::from_registrations([])?, MigratorOptions::new())?;
    /// let tenant = migrator.with_history_table("tenant_0042", "migrate_history");
    /// assert_eq!(tenant.options().history_schema().as_str(), "tenant_0042");
    /// # Ok(()) }
    /// ```
    pub fn with_history_table(
        &self,
        schema: impl Into<crate::Ident>,
        table: impl Into<crate::Ident>,
    ) -> Migrator {
        Self::from_parts(
            Arc::clone(&self.headers),
            Arc::clone(&self.entries),
            self.options.clone().history_table(schema, table),
        )
    }

    fn from_parts(headers: Arc<[Header]>, entries: Arc<[Entry]>, options: MigratorOptions) -> Self {
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

    /// The plan of the migration with this id, built now (the migrator keeps none,
    /// except those [`Migrator::with_planned`] gave it, which are borrowed).
    ///
    /// ```
    /// # fn main() -> Result<(), migrate_core::Error> {
    /// use migrate_core::prelude::*;
    /// use migrate_core::{Down, Migrations, Migrator, MigratorOptions, Registration, Up};
    /// fn create_users(m: &mut Migration) {
    ///     m.create_table("users", |t| {
    ///         t.column("id", BigInt).primary_key();
    ///     });
    /// }
    /// static USERS: Registration = Registration {
    ///     id: 1,
    ///     name: "create_users",
    ///     file: file!(),
    ///     line: line!(),
    ///     module_path: module_path!(),
    ///     up: Up::Reversible(create_users),
    ///     down: Down::Auto,
    /// };
    /// let migrator = Migrator::new(&Migrations::from_registrations([&USERS])?, MigratorOptions::new())?;
    /// let plan = migrator.plan(1)?;
    /// assert_eq!(plan.down_sql(), [r#"DROP TABLE "users""#]);
    /// assert!(migrator.plan(2).is_err());
    /// # Ok(()) }
    /// ```
    pub fn plan(&self, id: i64) -> Result<Cow<'_, MigrationPlan>, Error> {
        let index = self
            .headers
            .binary_search_by_key(&id, |h| h.id)
            .map_err(|_| Error::UnknownTarget { id })?;
        self.plan_at(index)
    }

    /// Every plan, by ascending id, each built when the iterator reaches it: hold only
    /// the ones you need at once. To refuse every migration that cannot be planned
    /// before using any plan, go through them once first (as [`verify()`](crate::verify()) does).
    pub fn plans(
        &self,
    ) -> impl ExactSizeIterator<Item = Result<Cow<'_, MigrationPlan>, Error>> + '_ {
        (0..self.entries.len()).map(|i| self.plan_at(i))
    }

    /// The plan at this index of the headers, built now (or borrowed when given).
    fn plan_at(&self, index: usize) -> Result<Cow<'_, MigrationPlan>, Error> {
        match self.entries.get(index) {
            Some(Entry::Registered(registration)) => {
                MigrationPlan::new(registration).map(Cow::Owned)
            }
            Some(Entry::Planned(plan)) => Ok(Cow::Borrowed(plan)),
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

    /// Reverts every applied migration, newest first, then applies every migration,
    /// in one run under the run lock: for development, to start again from a clean
    /// schema. The report lists the reverted runs, then the applied ones.
    ///
    /// Refused before anything changes ([`Error::ResetRefused`], naming them all) when
    /// an applied migration cannot be reverted faithfully: it is irreversible, missing
    /// from the code, or modified since it ran. [`Migrator::reset_schema`] needs no
    /// down.
    pub async fn reset(&self, client: &mut Client) -> Result<Report, Error> {
        self.locked(client, Operation::Reset(ResetMode::Revert))
            .await
    }

    /// Drops the history table's schema (see
    /// [`MigratorOptions::history_table`]) with everything in it
    /// (`DROP SCHEMA .. CASCADE`), creates it again empty and applies every migration,
    /// in one run under the run lock. Needs no down, so irreversible, missing and
    /// modified migrations do not stop it; for development only, and only where
    /// everything the migrations create lives in that schema.
    pub async fn reset_schema(&self, client: &mut Client) -> Result<Report, Error> {
        self.locked(client, Operation::Reset(ResetMode::RecreateSchema))
            .await
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
            let Some(dir) = direction_of(&plan, direction) else {
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
            Ok(direction_of(&*self.plan_at(index)?, direction)
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
        // `up` reads the history's summary first: when the history holds exactly the
        // first migrations, finished, nothing more is read (see `reconcile::settled_prefix`).
        let mut prefetched = None;
        let first = if info.table_exists {
            let read = async {
                if matches!(operation, Operation::Up(_)) {
                    Prefetched::Summary(self.history.read_summary(client).await)
                } else {
                    Prefetched::Rows(self.history.read(client).await)
                }
            };
            let (lock, read) = tokio::join!(RunLock::try_take(client, key, info.pid), read);
            let lock = lock?;
            if matches!(lock, Try::Taken(_)) {
                prefetched = Some(read);
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
