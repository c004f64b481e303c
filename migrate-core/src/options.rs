//! The runner's settings, as a builder with documented defaults.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::events::{EventSink, RunEvent};
use crate::ident::Ident;

/// The default schema of the history table.
pub const DEFAULT_HISTORY_SCHEMA: &str = "public";
/// The default name of the history table.
pub const DEFAULT_HISTORY_TABLE: &str = "migrate_history";
/// The default `lock_timeout` ladder: 30 attempts of 100 ms each, with the backoff
/// (100 ms doubling, capped at 3 s, jittered) between them.
///
/// Rungs stay short on purpose: while a statement waits for its lock, every writer
/// queues behind it, so each rung is a possible writer stall of that length. Measured
/// with the safety bench (1M rows, 1,000 writes/s, a reader holding the table 8 s): an
/// escalating 100 ms..5 s ladder stalled writers 3.2 s; this one, 117 ms, and the
/// migration went through once the reader ended. Together the attempts and pauses wait
/// out a blocker of about a minute.
pub const DEFAULT_LOCK_TIMEOUTS: [Duration; 30] = [Duration::from_millis(100); 30];

/// A future that opens a connection.
pub type ConnectFuture =
    Pin<Box<dyn Future<Output = Result<tokio_postgres::Client, Error>> + Send>>;

/// Opens extra, short-lived connections to the migrated database. The runner uses
/// one only to see who blocks a statement that waits for a lock (it never opens a
/// transaction on it).
#[derive(Clone)]
pub struct Connector(Arc<dyn Fn() -> ConnectFuture + Send + Sync>);

impl Connector {
    /// A connector from a function (for TLS: build the connection the way the main one
    /// was built).
    pub fn new(f: impl Fn() -> ConnectFuture + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// A connector that connects without TLS with this configuration (see
    /// [`crate::connect`]).
    pub fn no_tls(config: tokio_postgres::Config) -> Self {
        Self::new(move || {
            let config = config.clone();
            Box::pin(async move { crate::connection::connect(&config).await })
        })
    }

    pub(crate) fn connect(&self) -> ConnectFuture {
        (self.0)()
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector(..)")
    }
}

/// Timeouts for statements that run alone, outside any transaction (`CREATE INDEX
/// CONCURRENTLY`, `DROP INDEX CONCURRENTLY`).
///
/// A concurrent build waits for every older snapshot in the database; a
/// `lock_timeout` would cut it short and leave an invalid index (SAFETY.md rule 4).
/// So both are disabled by default. They are set for the session around the statement
/// (`SET`), then `RESET` one by one. With a `lock_timeout`, a statement that times out
/// (or deadlocks) is retried alone, as many times as the `lock_timeout` ladder has
/// rungs, with its backoff; an invalid index left by a build cut short is dropped
/// concurrently before the next attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConcurrentProfile {
    /// `lock_timeout` for the statement; `None` disables it (`0`). Default: `None`.
    pub lock_timeout: Option<Duration>,
    /// `statement_timeout` for the statement; `None` disables it. Default: `None`.
    pub statement_timeout: Option<Duration>,
}

/// How the runner behaves. Build with [`MigratorOptions::new`] (or `default()`) and
/// the chained setters.
///
/// | setting | default |
/// |---|---|
/// | history table | `public.migrate_history` |
/// | `lock_timeout` ladder | 100 ms, 30 times (one rung per attempt) |
/// | backoff between attempts | 100 ms doubling, at most 3 s, with jitter (50–100 %) |
/// | `statement_timeout` | none (the session's own) |
/// | concurrent statements | no `lock_timeout`, no `statement_timeout` |
/// | advisory lock wait | 60 s, polled every 200 ms |
/// | out-of-order migrations | refused |
/// | blocker monitor | none (failed attempts then report no blockers) |
/// | safety lint before `up` | enforced: unacknowledged findings refuse the run |
/// | pre-flight: long transaction threshold | 60 s |
/// | pre-flight: sessions that would stall a concurrent build | warned about, not refused |
/// | run events | none (see [`MigratorOptions::on_event`]) |
///
/// ```
/// use std::time::Duration;
/// use migrate_core::MigratorOptions;
/// let options = MigratorOptions::new()
///     .history_table("meta", "schema_history")
///     .lock_timeouts([Duration::from_millis(200), Duration::from_secs(1)])
///     .statement_timeout(Some(Duration::from_secs(30)))
///     .lock_wait(Duration::from_secs(10));
/// assert_eq!(options.history_schema().as_str(), "meta");
/// ```
#[derive(Clone, Debug)]
pub struct MigratorOptions {
    pub(crate) schema: Ident,
    pub(crate) table: Ident,
    pub(crate) lock_timeouts: Vec<Duration>,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) statement_timeout: Option<Duration>,
    pub(crate) concurrent: ConcurrentProfile,
    pub(crate) lock_wait: Duration,
    pub(crate) lock_poll: Duration,
    pub(crate) allow_out_of_order: bool,
    pub(crate) monitor: Option<Connector>,
    pub(crate) enforce_lint: bool,
    pub(crate) long_transaction: Duration,
    pub(crate) refuse_when_blocked: bool,
    pub(crate) events: EventSink,
}

impl Default for MigratorOptions {
    fn default() -> Self {
        Self {
            schema: Ident::new(DEFAULT_HISTORY_SCHEMA),
            table: Ident::new(DEFAULT_HISTORY_TABLE),
            lock_timeouts: DEFAULT_LOCK_TIMEOUTS.to_vec(),
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(3),
            statement_timeout: None,
            concurrent: ConcurrentProfile::default(),
            lock_wait: Duration::from_secs(60),
            lock_poll: Duration::from_millis(200),
            allow_out_of_order: false,
            monitor: None,
            enforce_lint: true,
            long_transaction: Duration::from_secs(60),
            refuse_when_blocked: false,
            events: EventSink::default(),
        }
    }
}

impl MigratorOptions {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the history table lives. Created (with its schema) when missing.
    pub fn history_table(mut self, schema: impl Into<Ident>, table: impl Into<Ident>) -> Self {
        self.schema = schema.into();
        self.table = table.into();
        self
    }

    /// The `lock_timeout` ladder for transactional units: attempt `n` runs under rung
    /// `n`; after the last rung fails the migration fails. An empty ladder means one
    /// attempt without a `lock_timeout` (not recommended). A migration's own
    /// `lock_timeout` becomes its first rung, and its later rungs are the ladder's,
    /// raised to at least that value (the number of attempts does not change).
    pub fn lock_timeouts(mut self, ladder: impl IntoIterator<Item = Duration>) -> Self {
        self.lock_timeouts = ladder.into_iter().collect();
        self
    }

    /// The sleep between attempts: `base * 2^(attempt - 1)`, capped at `max`, then
    /// scaled by a random 50–100 %.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// `statement_timeout` for transactional units (`None`: leave the session's).
    /// A migration's own `statement_timeout` wins.
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Timeouts for statements that run alone (concurrent index builds and drops).
    pub fn concurrent_profile(mut self, profile: ConcurrentProfile) -> Self {
        self.concurrent = profile;
        self
    }

    /// How long to wait for the run lock held by another runner before failing with
    /// [`Error::LockWait`].
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// How often to try the run lock while waiting for it.
    pub fn lock_poll(mut self, interval: Duration) -> Self {
        self.lock_poll = interval;
        self
    }

    /// Apply pending migrations whose id is lower than the newest applied one instead
    /// of refusing with [`Error::OutOfOrder`].
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }

    /// How to open a second, short-lived connection to sample the sessions that block
    /// a statement waiting for a lock. Without one, failed attempts report no blockers.
    pub fn blocker_monitor(mut self, connector: Connector) -> Self {
        self.monitor = Some(connector);
        self
    }

    /// Whether `up` (and the up of `redo`) refuses, before running anything,
    /// pending migrations with [safety findings](crate::lint) they do not acknowledge
    /// with `allow` (default `true`). Turn it off only when the migrations are linted
    /// elsewhere (e.g. `migrate lint` in CI, or [`lint::check`](crate::lint::check)
    /// in a test).
    pub fn enforce_lint(mut self, enforce: bool) -> Self {
        self.enforce_lint = enforce;
        self
    }

    /// Pre-flight: a session whose transaction has been open longer than this is
    /// reported before a concurrent index build (which waits for it). Sessions idle
    /// in a transaction are reported whatever their age. Default: 60 s.
    pub fn long_transaction_threshold(mut self, threshold: Duration) -> Self {
        self.long_transaction = threshold;
        self
    }

    /// Pre-flight: refuse the run ([`Error::Blocked`]) instead of warning when
    /// sessions holding a snapshot would stall a concurrent index build. Default:
    /// `false` (warn, in the report and as a `tracing` warning, then build: the build
    /// waits for them without blocking writers).
    pub fn refuse_when_blocked(mut self, refuse: bool) -> Self {
        self.refuse_when_blocked = refuse;
        self
    }

    /// Calls `f` with every [`RunEvent`] of the runs made with these options, as
    /// they happen (see [`crate::events`]): lock waits, each migration started,
    /// finished or failed, retries with their blockers, backfill batches, pre-flight
    /// warnings, concurrent index builds skipped or redone. Replaces an earlier
    /// callback; clones of the options share it. Without one, no event is built.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use migrate_core::{MigratorOptions, RunEvent};
    ///
    /// let events: Arc<Mutex<Vec<RunEvent>>> = Arc::default();
    /// let sink = events.clone();
    /// let options = MigratorOptions::new().on_event(move |event| {
    ///     if let Ok(mut events) = sink.lock() {
    ///         events.push(event.clone());
    ///     }
    /// });
    /// # drop(options);
    /// ```
    pub fn on_event(mut self, f: impl Fn(&RunEvent) + Send + Sync + 'static) -> Self {
        self.events = EventSink::new(f);
        self
    }

    /// The history table's schema.
    pub fn history_schema(&self) -> &Ident {
        &self.schema
    }

    /// The history table's name.
    pub fn history_table_name(&self) -> &Ident {
        &self.table
    }

    /// The `lock_timeout` rungs for a migration whose own setting is `own`.
    pub(crate) fn ladder_for(&self, own: Option<Duration>) -> Vec<Option<Duration>> {
        match (own, self.lock_timeouts.is_empty()) {
            (None, true) => vec![None],
            (Some(t), true) => vec![Some(t)],
            (None, false) => self.lock_timeouts.iter().copied().map(Some).collect(),
            (Some(t), false) => std::iter::once(t)
                .chain(self.lock_timeouts.iter().skip(1).map(|r| (*r).max(t)))
                .map(Some)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_lock_timeout_is_the_first_rung() {
        let ms = Duration::from_millis;
        let o = MigratorOptions::new().lock_timeouts([ms(100), ms(500), ms(1000)]);
        assert_eq!(
            o.ladder_for(None),
            [Some(ms(100)), Some(ms(500)), Some(ms(1000))]
        );
        assert_eq!(
            o.ladder_for(Some(ms(700))),
            [Some(ms(700)), Some(ms(700)), Some(ms(1000))]
        );
        let empty = MigratorOptions::new().lock_timeouts([]);
        assert_eq!(empty.ladder_for(None), [None]);
    }
}
