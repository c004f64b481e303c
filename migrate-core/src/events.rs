//! Typed run events: what a run is doing, as it happens, for an embedder's progress
//! display, metrics or logs.
//!
//! Register a callback with [`MigratorOptions::on_event`]; the runner calls it
//! synchronously, on the task that runs the migrations, at each [`RunEvent`]. The
//! events are built only when a callback is registered, so a runner without one pays
//! nothing. `tracing` stays the runner's log: every event has its log line too.
//!
//! The callback runs between the runner's round trips to PostgreSQL, while the run
//! lock is held: keep it short (push to a channel, update a counter), never block on
//! the run itself. A panic in it unwinds through the run like any panic (the run lock
//! is then released when the connection closes, see [`crate::lock`]).
//!
//! The [`Report`](crate::Report) a run returns stays the record of what it did; the
//! events tell the same story while it happens (a [`RunEvent::MigrationFinished`] for
//! each entry of [`Report::runs`](crate::Report::runs), in the same order).
//!
//! [`MigratorOptions::on_event`]: crate::MigratorOptions::on_event

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::report::{Blocker, PreflightWarning, RunDirection};

/// Something a run did, or is waiting for, delivered to the callback of
/// [`MigratorOptions::on_event`](crate::MigratorOptions::on_event) as it happens.
///
/// New variants and fields may be added in any release: match with a wildcard arm
/// and `..`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use migrate_core::{MigratorOptions, RunEvent};
///
/// let seen: Arc<Mutex<Vec<String>>> = Arc::default();
/// let sink = seen.clone();
/// let options = MigratorOptions::new().on_event(move |event| {
///     let line = match event {
///         RunEvent::MigrationStarted { id, name, direction, .. } => {
///             format!("{direction} {id} {name}...")
///         }
///         RunEvent::MigrationFinished { id, duration, .. } => format!("{id} done in {duration:?}"),
///         RunEvent::StatementRetry { attempt, attempts, blockers, .. } => {
///             format!("blocked by {} session(s), attempt {attempt} of {attempts}", blockers.len())
///         }
///         other => format!("{other:?}"),
///     };
///     if let Ok(mut seen) = sink.lock() {
///         seen.push(line);
///     }
/// });
/// // `Migrator::new(&migrations, options)` then reports every run through `sink`.
/// # drop(options);
/// assert!(seen.lock().unwrap().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunEvent {
    /// The run lock is held by another session; the run polls for it (see
    /// [`MigratorOptions::lock_wait`](crate::MigratorOptions::lock_wait)). Sent at the
    /// first failed try, then about every 5 s while the wait lasts.
    #[non_exhaustive]
    WaitingForLock {
        /// The session holding the lock, when it can be seen in `pg_locks`.
        holder: Option<Blocker>,
        /// How long the run has waited so far.
        waited: Duration,
    },
    /// The run lock was taken; the run starts.
    #[non_exhaustive]
    LockAcquired {
        /// How long the run waited for it (zero when it was free).
        waited: Duration,
    },
    /// A pre-flight check found something to warn about before the run's concurrent
    /// statements (also in [`Report::preflight`](crate::Report::preflight)).
    Preflight(PreflightWarning),
    /// A migration starts running.
    #[non_exhaustive]
    MigrationStarted {
        /// Its id.
        id: i64,
        /// Its name.
        name: &'static str,
        /// Which way it runs.
        direction: RunDirection,
        /// For a non-transactional migration that an earlier run left half done: the
        /// number of its units already done, which this run skips.
        resumed_from: Option<usize>,
    },
    /// A migration finished (an entry of [`Report::runs`](crate::Report::runs)).
    #[non_exhaustive]
    MigrationFinished {
        /// Its id.
        id: i64,
        /// Its name.
        name: &'static str,
        /// Which way it ran.
        direction: RunDirection,
        /// How long it took, retries included.
        duration: Duration,
        /// How many statements it ran this time.
        statements: usize,
        /// How many attempts failed on a lock timeout or deadlock and were retried.
        retries: usize,
    },
    /// A migration failed; the run stops with the error it returns.
    #[non_exhaustive]
    MigrationFailed {
        /// Its id.
        id: i64,
        /// Its name.
        name: &'static str,
        /// Which way it ran.
        direction: RunDirection,
        /// The SQLSTATE, when PostgreSQL refused a statement or ended the session.
        code: Option<String>,
        /// One line: PostgreSQL's message (with its SQLSTATE), or the first line of
        /// the error.
        reason: String,
    },
    /// An attempt hit its `lock_timeout` (or a deadlock) and was rolled back; the
    /// runner pauses, then tries again.
    #[non_exhaustive]
    StatementRetry {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: &'static str,
        /// Index of the blocked statement among the direction's statements.
        statement: usize,
        /// The attempt that failed (1 for the first).
        attempt: usize,
        /// How many attempts the ladder allows in all.
        attempts: usize,
        /// The SQLSTATE (`55P03` lock timeout, `40P01` deadlock).
        code: String,
        /// The `lock_timeout` the attempt ran under.
        lock_timeout: Option<Duration>,
        /// The sessions seen blocking it (empty without a
        /// [blocker monitor](crate::MigratorOptions::blocker_monitor)).
        blockers: Vec<Blocker>,
        /// The pause before the next attempt.
        retry_in: Duration,
    },
    /// A batch of a backfill committed (with its cursor).
    #[non_exhaustive]
    BackfillProgress {
        /// The migration's id.
        id: i64,
        /// The table.
        table: String,
        /// Batches committed so far by this run (1 for the first).
        batch: u64,
        /// Rows updated so far by this run.
        rows: u64,
    },
    /// A concurrent index build was skipped: the index is already there and valid (an
    /// earlier, interrupted run built it).
    #[non_exhaustive]
    IndexAlreadyBuilt {
        /// The migration's id.
        id: i64,
        /// The index.
        index: String,
    },
    /// A concurrent index drop was skipped: the index is already gone.
    #[non_exhaustive]
    IndexAlreadyDropped {
        /// The migration's id.
        id: i64,
        /// The index.
        index: String,
    },
    /// An invalid index left by a failed concurrent build is dropped, to be built
    /// again.
    #[non_exhaustive]
    RebuildingInvalidIndex {
        /// The migration's id.
        id: i64,
        /// The index, schema-qualified.
        index: String,
    },
}

/// An embedder's event callback.
type Callback = dyn Fn(&RunEvent) + Send + Sync;

/// The callback of [`MigratorOptions::on_event`](crate::MigratorOptions::on_event),
/// shared by the clones of the options. Empty by default.
#[derive(Clone, Default)]
pub(crate) struct EventSink(Option<Arc<Callback>>);

impl EventSink {
    /// A sink calling `f`.
    pub(crate) fn new(f: impl Fn(&RunEvent) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// Delivers the event `make` builds, building it only when there is a callback.
    #[inline]
    pub(crate) fn emit(&self, make: impl FnOnce() -> RunEvent) {
        if let Some(f) = &self.0 {
            f(&make());
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "EventSink(..)",
            None => "EventSink(none)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn emits_only_with_a_callback() {
        let built = Mutex::new(0);
        EventSink::default().emit(|| {
            *built.lock().unwrap() += 1;
            RunEvent::LockAcquired {
                waited: Duration::ZERO,
            }
        });
        assert_eq!(*built.lock().unwrap(), 0);
        let seen: Arc<Mutex<Vec<RunEvent>>> = Arc::default();
        let out = seen.clone();
        let sink = EventSink::new(move |e| out.lock().unwrap().push(e.clone()));
        sink.clone().emit(|| RunEvent::LockAcquired {
            waited: Duration::ZERO,
        });
        assert_eq!(
            *seen.lock().unwrap(),
            [RunEvent::LockAcquired {
                waited: Duration::ZERO
            }]
        );
        assert_eq!(format!("{sink:?}"), "EventSink(..)");
        assert_eq!(format!("{:?}", EventSink::default()), "EventSink(none)");
    }
}
