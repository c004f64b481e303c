//! What a run did, returned as data: the library never prints.
//!
//! With the `serde` feature, these types are `serde::Serialize` in the shape of
//! `migrate --json`: durations are whole milliseconds in a field named `..._ms`, times
//! RFC 3339 in UTC, checksums hex, pre-flight warnings and directions as the words
//! they display as. A [`MigrationRun`]'s `retries` is their number, a
//! [`MigrationStatus`]'s `state` one of `applied`, `pending`, `modified` and
//! `missing`, with a `detail` for the finer states (`baselined`, `incomplete`).

mod diff;
mod failure;
mod verify;

pub use diff::{Change, SnapshotDiff};
pub use failure::StatementFailure;
pub use verify::{Failure, MigrationCheck, Outcome, Phase, VerifyReport};

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::checksum::Checksum;
use crate::display::HumanDuration;

/// Which way a migration ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum RunDirection {
    /// Applied.
    Up,
    /// Reverted.
    Down,
}

impl fmt::Display for RunDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunDirection::Up => "up",
            RunDirection::Down => "down",
        })
    }
}

/// A session that blocked one of the runner's statements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Blocker {
    /// Its backend pid.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// Its state (`active`, `idle in transaction`...).
    pub state: Option<String>,
    /// The start of its current or last query (at most 200 characters).
    pub query: Option<String>,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        session(f, self.pid, &self.application_name, self.state.as_deref())?;
        write!(f, ": {}", self.query.as_deref().unwrap_or(""))
    }
}

/// One failed attempt of a unit that was retried (or gave up).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct FailedAttempt {
    /// 1 for the first attempt.
    pub attempt: usize,
    /// The `lock_timeout` it ran under.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "lock_timeout_ms", serialize_with = "ser::millis_opt")
    )]
    pub lock_timeout: Option<Duration>,
    /// The SQLSTATE (`55P03` or `40P01`).
    pub code: String,
    /// Index of the statement that failed, in the migration's direction.
    pub statement: usize,
    /// The sessions seen blocking it (empty without a blocker monitor, or when none
    /// was seen in time).
    pub blockers: Vec<Blocker>,
}

/// One migration applied or reverted by a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct MigrationRun {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// Which way it ran.
    pub direction: RunDirection,
    /// How long it took, retries included.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "duration_ms", serialize_with = "ser::millis")
    )]
    pub duration: Duration,
    /// How many statements it ran (this time: a resumed migration counts only the rest).
    pub statements: usize,
    /// For a resumed non-transactional migration: the number of units already done
    /// by an earlier run.
    pub resumed_from: Option<usize>,
    /// Concurrent index builds skipped because a valid index was already there.
    pub skipped_units: usize,
    /// Attempts that failed on a lock timeout or deadlock before it went through.
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser::count"))]
    pub retries: Vec<FailedAttempt>,
    /// Its batched backfills, in order (those run by this run).
    pub backfills: Vec<BackfillRun>,
}

/// One batched backfill as run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct BackfillRun {
    /// Index of the step in the migration's direction.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub step: usize,
    /// The table.
    pub table: String,
    /// The key column batches were cut on.
    pub key: String,
    /// The cursor an interrupted run had left, when this run resumed from it.
    pub resumed_from: Option<String>,
    /// Batches committed by this run.
    pub batches: u64,
    /// Rows updated by this run.
    pub rows: u64,
    /// The batch size the last batch was given.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub last_batch_size: u64,
    /// How long it took, pauses included.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "duration_ms", serialize_with = "ser::millis")
    )]
    pub duration: Duration,
    /// The last key done (`None` when the table had no row to visit).
    pub cursor: Option<String>,
}

impl BackfillRun {
    /// Rows updated per second over the whole backfill.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.duration.as_secs_f64();
        if secs > 0.0 {
            self.rows as f64 / secs
        } else {
            0.0
        }
    }
}

/// Something the pre-flight checks saw before a concurrent index build, reported and
/// logged (`tracing` warning); see [`crate::preflight`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightWarning {
    /// A session that would stall a concurrent build, which waits for every
    /// transaction holding a snapshot older than its own.
    Session(SessionWarning),
    /// An invalid index (a failed concurrent build) on a table the run will index.
    InvalidIndex {
        /// The index's schema-qualified name.
        index: String,
        /// Its table's schema-qualified name.
        table: String,
    },
}

impl fmt::Display for PreflightWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreflightWarning::Session(s) => write!(f, "session that would stall: {s}"),
            PreflightWarning::InvalidIndex { index, table } => write!(
                f,
                "invalid index {index} on {table} (left by a failed concurrent build; \
                 it is still maintained on every write)"
            ),
        }
    }
}

/// As the text it displays as.
#[cfg(feature = "serde")]
impl serde::Serialize for PreflightWarning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A session seen by the pre-flight checks: idle in a transaction, or in a
/// transaction older than the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionWarning {
    /// Its backend pid.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// Its state (`idle in transaction`, `active`...).
    pub state: Option<String>,
    /// How long its transaction has been open.
    pub transaction_age: Option<Duration>,
    /// Whether it holds a snapshot (`backend_xmin` set): a concurrent build then
    /// waits for its transaction to end.
    pub holds_snapshot: bool,
    /// The start of its current or last query (at most 200 characters).
    pub query: Option<String>,
}

impl fmt::Display for SessionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        session(f, self.pid, &self.application_name, self.state.as_deref())?;
        if let Some(age) = self.transaction_age {
            write!(f, ", transaction open for {}", HumanDuration(age))?;
        }
        if self.holds_snapshot {
            f.write_str(", holds a snapshot")?;
        }
        write!(f, ": {}", self.query.as_deref().unwrap_or(""))
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Report {
    /// Migrations applied or reverted, in the order they ran.
    #[cfg_attr(feature = "serde", serde(rename = "migrations"))]
    pub runs: Vec<MigrationRun>,
    /// Ids recorded as applied without running (baseline).
    pub baselined: Vec<i64>,
    /// Ids whose recorded checksum was replaced by the current one (repair).
    pub repaired: Vec<i64>,
    /// How long the advisory run lock was waited for.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "lock_waited_ms", serialize_with = "ser::millis")
    )]
    pub lock_waited: Duration,
    /// What the pre-flight checks saw before the run's concurrent index builds.
    pub preflight: Vec<PreflightWarning>,
}

impl Report {
    /// The ids of the migrations that ran, in order.
    pub fn ids(&self) -> Vec<i64> {
        self.runs.iter().map(|r| r.id).collect()
    }

    /// Whether nothing was done.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.baselined.is_empty() && self.repaired.is_empty()
    }
}

/// Where a migration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
#[non_exhaustive]
pub enum MigrationState {
    /// Recorded as applied, with the checksum of the code.
    Applied,
    /// Recorded as applied without running it (baseline).
    Baselined,
    /// Not applied yet.
    Pending,
    /// Applied, but the code's checksum differs from the recorded one.
    Modified,
    /// Recorded in the database but no longer in the code.
    Missing,
    /// A non-transactional migration stopped half way (applying or reverting).
    Incomplete,
}

impl MigrationState {
    /// The state as one lowercase word (`applied`, `baselined`, `pending`,
    /// `modified`, `missing`, `incomplete`), as `migrate status` shows it.
    ///
    /// ```
    /// assert_eq!(migrate_core::MigrationState::Baselined.as_str(), "baselined");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Baselined => "baselined",
            MigrationState::Pending => "pending",
            MigrationState::Modified => "modified",
            MigrationState::Missing => "missing",
            MigrationState::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for MigrationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct MigrationStatus {
    /// The id.
    pub id: i64,
    /// The name (the code's, or the recorded one for a missing migration).
    pub name: String,
    /// Where it stands (serialized as `state` and `detail`).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "ser::state_and_detail")
    )]
    pub state: MigrationState,
    /// When it was applied.
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser::rfc3339"))]
    pub applied_at: Option<SystemTime>,
    /// The code's checksum (the recorded one for a missing migration).
    pub checksum: Checksum,
    /// The recorded checksum, when it differs from the code's.
    pub recorded_checksum: Option<String>,
}

/// A migration a run would apply or revert (`--dry-run`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PlannedRun {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// Which way it would run.
    pub direction: RunDirection,
    /// Whether it runs in one transaction with its history row.
    pub transactional: bool,
    /// Units already done by an earlier, interrupted run (they are skipped).
    pub resume_from: usize,
    /// The statements it would send, in order (all of them, even resumed ones).
    pub sql: Vec<String>,
}

/// `pid N (application), state`: how a session is named in messages.
fn session(
    f: &mut fmt::Formatter<'_>,
    pid: i32,
    application_name: &str,
    state: Option<&str>,
) -> fmt::Result {
    let application = if application_name.is_empty() {
        "no application_name"
    } else {
        application_name
    };
    write!(
        f,
        "pid {pid} ({application}), {}",
        state.unwrap_or("unknown state")
    )
}

/// The serializers of the `serde` feature's less plain fields.
#[cfg(feature = "serde")]
mod ser {
    use std::time::{Duration, SystemTime};

    use serde::Serializer;
    use serde::ser::SerializeMap;

    use super::MigrationState;

    /// Whole milliseconds.
    pub(super) fn millis<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
    }

    /// Whole milliseconds, or null.
    pub(super) fn millis_opt<S: Serializer>(
        duration: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => millis(duration, s),
            None => s.serialize_none(),
        }
    }

    /// The number of items.
    pub(super) fn count<T, S: Serializer>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(items.len() as u64)
    }

    /// RFC 3339 in UTC, to the second (`2026-11-21T09:00:00Z`), or null.
    pub(super) fn rfc3339<S: Serializer>(
        time: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let text = time
            .and_then(|time| jiff::Timestamp::try_from(time).ok())
            .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string());
        match text {
            Some(text) => s.serialize_str(&text),
            None => s.serialize_none(),
        }
    }

    /// `"state"`: the four states (`applied`, `pending`, `modified`, `missing`), and
    /// `"detail"` for the finer ones (`baselined` is applied, `incomplete` pending).
    pub(super) fn state_and_detail<S: Serializer>(
        state: &MigrationState,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let (word, detail) = match state {
            MigrationState::Applied => ("applied", None),
            MigrationState::Baselined => ("applied", Some("baselined")),
            MigrationState::Pending => ("pending", None),
            MigrationState::Modified => ("modified", None),
            MigrationState::Missing => ("missing", None),
            MigrationState::Incomplete => ("pending", Some("incomplete")),
        };
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("state", word)?;
        map.serialize_entry("detail", &detail)?;
        map.end()
    }
}

/// The `serde` shape is the one `migrate --json` documents: a change to an attribute
/// above (a renamed field, a duration no longer in milliseconds) fails here.
#[cfg(all(test, feature = "serde"))]
// Ids are written as in `#[migration(id = 20261121_090000)]`.
#[allow(clippy::inconsistent_digit_grouping)]
mod serde_tests;
