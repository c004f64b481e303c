//! `verify`: proves on a scratch database that every migration's down undoes its up.
//!
//! For each migration, in order, on a database of its own:
//!
//! 1. snapshot the schema (S0), apply the up, snapshot (S1);
//! 2. apply the down, snapshot (S2): it must equal S0;
//! 3. apply the up again, snapshot (S3): it must equal S1.
//!
//! An irreversible migration is applied and reported as skipped. The check stops at
//! the first failure, unless [`VerifyOptions::keep_going`] asks for every failure in one
//! run; a failure is an [`Outcome`] in the [`VerifyReport`], naming the
//! migration and every object that differs, not an `Err` (that is for connection
//! and server failures). Snapshots compare what [`Snapshot`] captures, with columns
//! compared by name, not position (see [`crate::snapshot`]).
//!
//! The scratch database is dropped on every path: success, error, panic, and when
//! the future is dropped (a Ctrl-C handler that stops awaiting it, a timeout).
//!
//! In a project's own tests:
//!
//! ```no_run
//! # async fn t() -> Result<(), migrate_core::Error> {
//! use migrate_core::Migrations;
//! let migrations = Migrations::registered()?.in_module("my_app::migrations");
//! // Creates and drops a scratch database on this server; fails with a readable
//! // report (`Error::VerifyFailed`) when a down does not undo its up.
//! migrate_core::verify::assert_reversible(&migrations, "postgres://postgres@localhost/postgres").await?;
//! # Ok(()) }
//! ```

mod scratch;

#[cfg(feature = "testing")]
pub(crate) use scratch::unique_database_name;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio_postgres::{Client, Config};

use crate::error::Error;
use crate::options::MigratorOptions;
use crate::plan::MigrationPlan;
use crate::reconcile::{DownTarget, Target};
use crate::registry::Migrations;
use crate::report::MigrationState;
use crate::run::Migrator;
use crate::snapshot::{Snapshot, SnapshotOptions, diff};

pub use crate::report::{Failure, MigrationCheck, Outcome, Phase, VerifyReport};
pub(crate) use scratch::ScratchDb;

/// Where `verify` runs.
#[derive(Clone, Debug)]
pub enum ScratchTarget {
    /// A database created for the run on the server this configuration points to,
    /// and dropped at the end. It is created and dropped over a connection to the
    /// configuration's database (or to `postgres` when that one does not exist), so
    /// the role needs `CREATEDB`.
    Server(Config),
    /// An existing database with no applied migrations, used as it is: nothing is
    /// created or dropped, and it is left with every migration applied.
    Database(Config),
}

/// A future that opens a connection.
pub type ConnectFuture = Pin<Box<dyn Future<Output = Result<Client, Error>> + Send>>;

/// Opens connections to the scratch server (for TLS: build them the way the main
/// connection is built). The default connects without TLS ([`crate::connect`]).
#[derive(Clone)]
pub struct ScratchConnector(Arc<dyn Fn(Config) -> ConnectFuture + Send + Sync>);

impl ScratchConnector {
    /// A connector from a function of the configuration to connect with.
    pub fn new(f: impl Fn(Config) -> ConnectFuture + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Connects without TLS.
    pub fn no_tls() -> Self {
        Self::new(|config| Box::pin(async move { crate::connection::connect(&config).await }))
    }

    pub(crate) fn connect(&self, config: Config) -> ConnectFuture {
        (self.0)(config)
    }
}

impl Default for ScratchConnector {
    fn default() -> Self {
        Self::no_tls()
    }
}

impl fmt::Debug for ScratchConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScratchConnector(..)")
    }
}

/// How `verify` snapshots and connects.
///
/// ```
/// use migrate_core::snapshot::SnapshotOptions;
/// use migrate_core::verify::VerifyOptions;
/// let options = VerifyOptions::new().snapshot(SnapshotOptions::new().column_order(true));
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    snapshot: SnapshotOptions,
    connector: ScratchConnector,
    keep_going: bool,
}

impl VerifyOptions {
    /// Default snapshots (columns compared without their positions), no TLS.
    pub fn new() -> Self {
        Self::default()
    }

    /// What the snapshots capture. Their history table is always the migrator's.
    pub fn snapshot(mut self, options: SnapshotOptions) -> Self {
        self.snapshot = options;
        self
    }

    /// How to connect to the scratch server.
    pub fn connector(mut self, connector: ScratchConnector) -> Self {
        self.connector = connector;
        self
    }

    /// Checks every migration instead of stopping at the first failure.
    ///
    /// After a down that did not restore the schema (or an up applied again that
    /// differs), the scratch database is in no state a later check can start from: it
    /// is dropped, a fresh one is created and every migration up to the failed one is
    /// applied to it (without checks), then checking goes on with the next one. So a
    /// run with `n` failures applies the migrations before them up to `n` extra
    /// times. Two failures still stop the run: an up that fails (the migrations after
    /// it build on it), and any failure on a [`ScratchTarget::Database`], which
    /// `verify` does not create and so cannot rebuild.
    pub fn keep_going(mut self, keep_going: bool) -> Self {
        self.keep_going = keep_going;
        self
    }

    pub(crate) fn snapshot_options(&self) -> &SnapshotOptions {
        &self.snapshot
    }

    pub(crate) fn scratch_connector(&self) -> &ScratchConnector {
        &self.connector
    }
}

/// Checks every migration of `migrator`, in order, in a scratch database (see the
/// [module documentation](self)).
///
/// Returns the report, successful or not; `Err` only when the scratch database
/// cannot be created, connected to or read, or holds applied migrations already
/// ([`Error::ScratchNotFresh`]).
pub async fn verify(
    migrator: &Migrator,
    scratch: ScratchTarget,
    options: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    // Reversibility is checked whatever the safety lint says (a scratch database has
    // no writers to stall); `migrate lint` and `up` enforce the lint.
    let migrator = &migrator.without_lint();
    let snapshot = options.snapshot.clone().history_table(
        migrator.options().history_schema().as_str(),
        migrator.options().history_table_name().as_str(),
    );
    match scratch {
        ScratchTarget::Database(config) => {
            let mut scratch = Scratch::Existing(config);
            check_all(migrator, &mut scratch, &snapshot, options).await
        }
        ScratchTarget::Server(server) => {
            let db = ScratchDb::create(&server, &options.connector).await?;
            let mut scratch = Scratch::Created { server, db };
            let result = check_all(migrator, &mut scratch, &snapshot, options).await;
            let dropped = match scratch {
                Scratch::Created { db, .. } => db.drop_database().await,
                Scratch::Existing(_) => Ok(()),
            };
            match (result, dropped) {
                (Err(error), _) | (Ok(_), Err(error)) => Err(error),
                (Ok(report), Ok(())) => Ok(report),
            }
        }
    }
}

/// The database a check runs in.
#[allow(clippy::large_enum_variant, reason = "one value per run, on the stack")]
enum Scratch {
    /// Given by the caller: used as it is, never rebuilt.
    Existing(Config),
    /// Created by `verify` on `server`, dropped at the end (and when rebuilt).
    Created { server: Config, db: ScratchDb },
}

impl Scratch {
    fn config(&self) -> Config {
        match self {
            Scratch::Existing(config) => config.clone(),
            Scratch::Created { db, .. } => db.config(),
        }
    }

    fn name(&self) -> String {
        match self {
            Scratch::Existing(config) => config.get_dbname().unwrap_or_default().to_owned(),
            Scratch::Created { db, .. } => db.name().to_owned(),
        }
    }

    /// Replaces a created database with a fresh, empty one; `false` for a database
    /// the caller gave, which is left as it is.
    async fn rebuild(&mut self, connector: &ScratchConnector) -> Result<bool, Error> {
        let Scratch::Created { server, db } = self else {
            return Ok(false);
        };
        let fresh = ScratchDb::create(server, connector).await?;
        std::mem::replace(db, fresh).drop_database().await?;
        Ok(true)
    }
}

/// [`verify`] for a project's tests: plans `migrations` with the default runner
/// options, checks them in a scratch database created on the server of
/// `server_url` (and dropped), and fails with [`Error::VerifyFailed`], whose message
/// is the whole report, when a migration's down does not undo its up.
pub async fn assert_reversible(
    migrations: &Migrations,
    server_url: &str,
) -> Result<VerifyReport, Error> {
    let config: Config = server_url
        .parse()
        .map_err(Error::pg("parsing the database URL"))?;
    let migrator = Migrator::new(migrations, MigratorOptions::new())?;
    let report = verify(
        &migrator,
        ScratchTarget::Server(config),
        &VerifyOptions::new(),
    )
    .await?;
    if report.is_success() {
        Ok(report)
    } else {
        Err(Error::VerifyFailed {
            report: Box::new(report),
        })
    }
}

/// [`assert_reversible`] for a plain `#[test]` (no async runtime needed): it runs on
/// a thread of its own with its own runtime, so it may also be called from async
/// code.
///
/// ```no_run
/// #[test]
/// fn every_migration_is_reversible() {
///     let migrations = migrate_core::Migrations::registered().unwrap();
///     if let Err(error) = migrate_core::verify::assert_reversible_blocking(
///         &migrations,
///         "postgres://postgres@localhost/postgres",
///     ) {
///         panic!("{error}");
///     }
/// }
/// ```
pub fn assert_reversible_blocking(
    migrations: &Migrations,
    server_url: &str,
) -> Result<VerifyReport, Error> {
    let migrations = migrations.clone();
    let server_url = server_url.to_owned();
    let handle = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Runtime { source })?;
        runtime.block_on(assert_reversible(&migrations, &server_url))
    });
    match handle.join() {
        Ok(result) => result,
        // The check itself panicked: let the caller's test see that panic.
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

async fn check_all(
    migrator: &Migrator,
    scratch: &mut Scratch,
    snapshot: &SnapshotOptions,
    options: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    let connector = &options.connector;
    let database = scratch.name();
    let mut client = connector.connect(scratch.config()).await?;
    let status = migrator.status(&client).await?;
    if status.iter().any(|s| s.state != MigrationState::Pending) {
        return Err(Error::ScratchNotFresh { database });
    }
    // Every migration must plan before any is checked; the plans are built again one
    // at a time below, so that no more than one is held.
    for plan in migrator.plans() {
        plan?;
    }
    let total = migrator.headers().len();
    let mut report = VerifyReport {
        database,
        migrations: Vec::with_capacity(total),
        unchecked: 0,
    };
    for (index, plan) in migrator.plans().enumerate() {
        let plan = plan?;
        let outcome = check_one(migrator, &mut client, &plan, snapshot).await?;
        let up_failed = matches!(
            outcome,
            Outcome::Failed(
                Failure::Statement {
                    phase: Phase::Up,
                    ..
                } | Failure::InvalidIndex {
                    phase: Phase::Up,
                    ..
                }
            )
        );
        let failed = matches!(outcome, Outcome::Failed(_));
        report.migrations.push(MigrationCheck {
            id: plan.id,
            name: plan.name.to_owned(),
            outcome,
        });
        let rest = total - index - 1;
        if !failed || rest == 0 {
            continue;
        }
        if !options.keep_going || up_failed {
            report.unchecked = rest;
            break;
        }
        // Start again from a fresh database holding every migration up to this one.
        drop(client);
        if !scratch.rebuild(connector).await? {
            report.unchecked = rest;
            break;
        }
        client = connector.connect(scratch.config()).await?;
        if apply(
            migrator.up(&mut client, Target::To(plan.id)).await,
            Phase::Up,
        )?
        .is_some()
        {
            // It applied once: only a migration that behaves differently on a second
            // fresh database gets here, and nothing after it can be checked.
            report.unchecked = rest;
            break;
        }
    }
    Ok(report)
}

/// Up, down, up again, with snapshots around each; leaves the migration applied
/// (unless it failed).
async fn check_one(
    migrator: &Migrator,
    client: &mut Client,
    plan: &MigrationPlan,
    options: &SnapshotOptions,
) -> Result<Outcome, Error> {
    let before_up = Snapshot::read(client, options).await?;
    if let Some(failure) = apply(migrator.up(client, Target::To(plan.id)).await, Phase::Up)? {
        return Ok(Outcome::Failed(failure));
    }
    let after_up = Snapshot::read(client, options).await?;
    if !plan.is_reversible() {
        return Ok(Outcome::SkippedIrreversible);
    }
    if let Some(failure) = apply(
        migrator.down(client, DownTarget::Steps(1)).await,
        Phase::Down,
    )? {
        return Ok(Outcome::Failed(failure));
    }
    let after_down = Snapshot::read(client, options).await?;
    let restored = diff(&before_up, &after_down);
    if !restored.is_empty() {
        return Ok(Outcome::Failed(Failure::DownDidNotRestore(restored)));
    }
    if let Some(failure) = apply(migrator.up(client, Target::To(plan.id)).await, Phase::Reup)? {
        return Ok(Outcome::Failed(failure));
    }
    let after_reup = Snapshot::read(client, options).await?;
    let reup = diff(&after_up, &after_reup);
    if !reup.is_empty() {
        return Ok(Outcome::Failed(Failure::ReupDiffers(reup)));
    }
    Ok(Outcome::Passed)
}

/// A migration's own failure becomes a report outcome; anything else stays an error.
fn apply<T>(result: Result<T, Error>, phase: Phase) -> Result<Option<Failure>, Error> {
    match result {
        Ok(_) => Ok(None),
        Err(Error::Statement(failure)) => Ok(Some(Failure::Statement { phase, failure })),
        Err(Error::InvalidIndex { index, .. }) => Ok(Some(Failure::InvalidIndex { phase, index })),
        Err(error) => Err(error),
    }
}
