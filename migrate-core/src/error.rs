//! The one error type of this crate.
//!
//! Over 600 lines on purpose: one enum whose variants' messages are the product's
//! error texts, best read side by side, plus the types its variants carry and about
//! 110 lines of tests of those texts.

use std::fmt;

use std::time::Duration;

use crate::db_error::DbError;
use crate::display::{DisplayId, HumanDuration};
use crate::location::Location;
pub use crate::report::StatementFailure;
use crate::report::{Blocker, Report, RunDirection, SessionWarning, SnapshotDiff, VerifyReport};
use crate::rule::Finding;

/// Everything that can go wrong while collecting, planning or running migrations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No migration is registered in this program.
    #[error(
        "no migrations are registered in this program\n\
         hint: migrations register themselves when the crate or module that defines them is \
         linked into the binary; reference it from `main` (e.g. `migrate_cli::main!(my_app::migrations)`, \
         or `use my_app::migrations as _;` together with a call into that crate)"
    )]
    NoMigrations,

    /// Two migrations share an id.
    #[error("two migrations have the id {}: {first} and {second}", DisplayId(*.id))]
    DuplicateId {
        /// The id.
        id: i64,
        /// One definition.
        first: Location,
        /// The other.
        second: Location,
    },

    /// A migration's steps have problems (bad names, empty lists...).
    #[error("migration {} ({name}) is invalid:{}", DisplayId(*.id), ProblemList(problems))]
    InvalidMigration {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },

    /// A migration whose down is derived has a step without an inverse. The typed
    /// DSL makes this a compile error; this guards hand-built registrations.
    #[error(
        "migration {} ({name}) cannot be reversed automatically: step {step} (`{kind}`) has no inverse; \
         give it a `down = ...` or declare it `irreversible`",
        DisplayId(*.id)
    )]
    NotReversible {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// Index of the step.
        step: usize,
        /// The step's kind.
        kind: &'static str,
    },

    /// A statement of a migration failed. Everything the failing migration did in a
    /// transaction was rolled back; migrations applied before it stay applied and are
    /// listed in its `applied` report.
    #[error("{0}")]
    Statement(Box<StatementFailure>),

    /// Pending migrations break safety rules without acknowledging them; nothing ran.
    #[error(
        "{} unacknowledged safety finding(s); nothing was applied:{}\n\
         hint: use the safe alternative, or acknowledge the rule at that step, right after \
         it: `m.allow(Rule::..., \"why it is safe here\")`",
        findings.len(),
        FindingList(findings)
    )]
    Lint {
        /// Every blocking finding, in migration and step order.
        findings: Vec<Finding>,
    },

    /// A backfill's key column could not be determined or used.
    #[error("migration {} ({name}): cannot backfill {table}: {message}", DisplayId(*.id))]
    BackfillKey {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// The table.
        table: String,
        /// What is wrong (no primary key, a composite one, an unknown column).
        message: String,
    },

    /// Sessions would stall the run's concurrent index builds, and the options say to
    /// refuse rather than wait (see `MigratorOptions::refuse_when_blocked`).
    #[error(
        "sessions would stall a concurrent index build; nothing was applied:{}\n\
         hint: end them (pg_terminate_backend) or wait for them, or let the run wait",
        SessionList(sessions)
    )]
    Blocked {
        /// The sessions.
        sessions: Vec<SessionWarning>,
    },

    /// Migrations recorded as applied have a different checksum in the code now.
    #[error(
        "applied migrations were modified since they ran: {}\n\
         hint: revert the edit, or accept the new checksums with `repair` if it was intentional",
        IdList(ids)
    )]
    Modified {
        /// Their ids.
        ids: Vec<i64>,
    },

    /// Migrations recorded as applied are no longer in the code.
    #[error("applied migrations are missing from the code: {}", IdList(ids))]
    Missing {
        /// Their ids.
        ids: Vec<i64>,
    },

    /// Pending migrations have ids lower than the newest applied one.
    #[error(
        "pending migrations are older than the newest applied one: {}\n\
         hint: give them newer ids, or apply them anyway with `migrate up --allow-out-of-order` \
         (`MigratorOptions::allow_out_of_order`)",
        IdList(ids)
    )]
    OutOfOrder {
        /// Their ids.
        ids: Vec<i64>,
    },

    /// A migration in the requested down range has no way down.
    #[error("migration {} ({name}) is irreversible: it cannot be reverted", DisplayId(*.id))]
    Irreversible {
        /// Its id.
        id: i64,
        /// Its name.
        name: String,
    },

    /// A target id names no migration of the code.
    #[error("no migration has the id {}", DisplayId(*.id))]
    UnknownTarget {
        /// The id asked for.
        id: i64,
    },

    /// Another runner held the run lock longer than the configured wait.
    #[error(
        "another migration run held the lock for longer than {}{}",
        HumanDuration(*waited),
        holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default()
    )]
    LockWait {
        /// How long it was waited for.
        waited: Duration,
        /// Who held it, when that could be seen.
        holder: Option<Blocker>,
    },

    /// A concurrent index build finished but left its index invalid.
    #[error(
        "migration {} ({name}): the index {index} is invalid after being built concurrently",
        DisplayId(*.id)
    )]
    InvalidIndex {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// The index's qualified name.
        index: String,
        /// What was applied before, in this run.
        applied: Box<Report>,
    },

    /// The server cannot run this safely.
    #[error("PostgreSQL {version} is not supported here: {reason}")]
    UnsupportedServer {
        /// `server_version_num`.
        version: i32,
        /// Why.
        reason: &'static str,
    },

    /// A non-transactional migration was left half done by an earlier run and the
    /// requested operation cannot continue it.
    #[error(
        "migration {} ({name}) was left {state} by an interrupted run after {units_done} units\n\
         hint: {hint}",
        DisplayId(*.id)
    )]
    Incomplete {
        /// Its id.
        id: i64,
        /// Its name.
        name: String,
        /// `applying` or `reverting`.
        state: String,
        /// Units done so far.
        units_done: i32,
        /// What to do.
        hint: &'static str,
    },

    /// A connection or bookkeeping query failed (not a migration's statement).
    #[error("PostgreSQL error while {context}")]
    Postgres {
        /// What the runner was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// A schema snapshot's text could not be read.
    #[error("line {line} of the schema snapshot: {message}")]
    SnapshotSyntax {
        /// The line, counting from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },

    /// The database's schema differs from the expected snapshot.
    #[error(
        "the database schema differs from the expected snapshot \
         (- expected only, + found only, ~ changed):\n{diff}"
    )]
    SchemaDrift {
        /// Every difference.
        diff: Box<SnapshotDiff>,
    },

    /// `verify` found a migration whose down does not undo its up, or that failed.
    #[error("a migration failed the reversibility check:\n{report}")]
    VerifyFailed {
        /// The whole report.
        report: Box<VerifyReport>,
    },

    /// A file of declarative SQL given to `diff` failed on its scratch database.
    #[error("applying {file} to the target scratch database")]
    SchemaSource {
        /// The file (or the name the SQL was given under).
        file: String,
        /// PostgreSQL's error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// The database `diff` compares with records migrations, but not exactly this
    /// program's: a migration would then be generated against a stale schema.
    #[error(
        "the target database is not at this program's migrations ({states})\n\
         hint: apply them first (`migrate up` on it), or the generated migration would \
         repeat or undo them"
    )]
    DiffTargetNotCurrent {
        /// The migrations that are not applied as they are, e.g.
        /// `20261121_090900 pending`.
        states: String,
    },

    /// A rename given to `diff` does not match the two schemas.
    #[error("--rename {rename}: {reason}")]
    InvalidRename {
        /// The rename, as given.
        rename: String,
        /// What does not match.
        reason: String,
    },

    /// The database given to `verify` already has applied migrations.
    #[error(
        "the scratch database {database} already has applied migrations\n\
         hint: verify needs a database without them; let it create its own"
    )]
    ScratchNotFresh {
        /// Its name.
        database: String,
    },

    /// A blocking helper could not start its async runtime.
    #[error("could not start an async runtime")]
    Runtime {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The connection is not a session of its own: a transaction-mode pooler
    /// (PgBouncer `pool_mode = transaction`, ...) handed the runner's transactions to
    /// different server sessions, so the session's run lock would not hold. Nothing
    /// ran and no lock was left behind.
    #[error(
        "the connection goes through a transaction-mode pooler: consecutive transactions ran \
         on different server sessions (pid {first_pid}, then pid {second_pid}), so the run lock \
         (a session advisory lock) cannot protect the run; {}\n\
         hint: migrate over a direct connection to PostgreSQL (or a session-mode pooler): many \
         hosts give one as DIRECT_URL beside the pooled DATABASE_URL",
        if applied.runs.is_empty() {
            "nothing was run".to_owned()
        } else {
            format!(
                "it stopped before changing anything on another session, after applying {}",
                IdList(&applied.ids())
            )
        }
    )]
    TransactionPooler {
        /// The server pid of the session's first transaction (it holds the lock).
        first_pid: i32,
        /// The server pid of a later transaction.
        second_pid: i32,
        /// What the run did before (on the first session, under the lock); empty when
        /// it was refused before anything ran.
        applied: Box<Report>,
    },

    /// A history row this runner cannot continue from: a state it does not know, or
    /// a migration that runs in one transaction recorded as half done (its changes and
    /// its row commit together, so it never is). Refused before anything runs.
    #[error(
        "the history row of migration {} ({name}) is inconsistent: state `{state}`, \
         units_done {units_done}: {problem}; nothing was run\nhint: {hint}",
        DisplayId(*.id)
    )]
    InconsistentHistory {
        /// The row's id.
        id: i64,
        /// The name recorded in the row.
        name: String,
        /// The row's state.
        state: String,
        /// The row's `units_done`.
        units_done: i32,
        /// What is wrong with it.
        problem: &'static str,
        /// What to do.
        hint: String,
    },

    /// The connection to PostgreSQL was lost in the middle of a run (the server
    /// terminated the session, shut down or crashed, or the network failed).
    #[error("{0}")]
    ConnectionLost(Box<ConnectionLost>),

    /// `reset` would have to revert applied migrations it cannot revert faithfully:
    /// refused before anything changed. Each list holds `(id, name)` pairs, by id.
    #[error(
        "reset refused: the history holds migrations it cannot revert; nothing was changed{}{}{}\n\
         hint: start from an empty database instead, which needs no down: `migrate reset \
         --recreate` drops and recreates the database (with `--schema S`, only that schema)",
        NamedList("irreversible (no way down)", irreversible),
        NamedList("applied but missing from the code", missing),
        NamedList("modified since they ran (their down may not undo what ran)", modified)
    )]
    ResetRefused {
        /// Applied migrations declared irreversible.
        irreversible: Vec<(i64, String)>,
        /// Applied migrations no longer in the code (with their recorded names).
        missing: Vec<(i64, String)>,
        /// Applied migrations whose code's checksum differs from the recorded one.
        modified: Vec<(i64, String)>,
    },

    /// `DATABASE_URL` (the test server of [`crate::testing`]) is not a PostgreSQL
    /// connection string. The value is not repeated: it may hold a password.
    #[error(
        "DATABASE_URL is not a valid PostgreSQL connection string\n\
         hint: use a URL such as postgres://postgres@127.0.0.1:5432/postgres, or unset it \
         for that default"
    )]
    TestServerUrl {
        /// The parser's error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// A name prefix given to the test fixture cannot make valid database names.
    #[error(
        "the test database prefix `{prefix}` is invalid: {reason}\n\
         hint: use 1 to 30 lowercase ASCII letters, digits or underscores, starting with a letter"
    )]
    TestPrefix {
        /// The prefix, as given.
        prefix: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A statement of the test fixture on the test server failed: creating, cloning,
    /// renaming or dropping a test database or template.
    #[error("could not {action} database {database} on the test server")]
    TestDatabase {
        /// What the fixture was doing, e.g. `create the test` or `mark the template`.
        action: &'static str,
        /// The database concerned.
        database: String,
        /// PostgreSQL's error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// Migrating a test template failed; the half-built template was dropped and
    /// nothing is served from it.
    #[error(
        "could not build the test template {template}: migrating it failed\n\
         hint: fix the migration; the next test builds the template again"
    )]
    TestTemplate {
        /// The template's final name.
        template: String,
        /// The runner's error.
        #[source]
        source: Box<Error>,
    },

    /// A pattern of a target list (`--schemas`, `--databases`) matches no schema or
    /// database: nothing was run.
    #[error(
        "no {scope} matches `{pattern}`; nothing was run\n\
         hint: check the pattern (`*` matches any run of characters, `?` one character); \
         name a new tenant schema literally to create it"
    )]
    NoTargetMatches {
        /// `schema` or `database`.
        scope: &'static str,
        /// The pattern.
        pattern: String,
    },

    /// A database named in a target list does not exist (or refuses connections):
    /// database targets are never created. Nothing was run.
    #[error(
        "database `{name}` does not exist or does not allow connections; nothing was run\n\
         hint: create it first (CREATE DATABASE, or `migrate database create`), or fix the name"
    )]
    UnknownDatabase {
        /// The name.
        name: String,
    },

    /// An entry of a target list is not a valid name.
    #[error("invalid {scope} list entry `{name}`: {reason}")]
    InvalidTarget {
        /// `schema` or `database`.
        scope: &'static str,
        /// The entry (empty when it is empty).
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// Connecting to a target's database got no answer in time.
    #[error(
        "no answer within {} connecting to database `{database}`\n\
         hint: check the server, or allow longer (the CLI's --connect-timeout)",
        HumanDuration(*.timeout)
    )]
    ConnectTimeout {
        /// The database.
        database: String,
        /// How long it waited.
        timeout: Duration,
    },
}

impl Error {
    /// What the run applied or reverted before it failed, when the failure came
    /// while running migrations.
    pub fn applied(&self) -> Option<&Report> {
        match self {
            Error::Statement(f) => Some(&f.applied),
            Error::InvalidIndex { applied, .. } => Some(applied),
            Error::ConnectionLost(lost) => Some(&lost.applied),
            Error::TransactionPooler { applied, .. } => Some(applied),
            _ => None,
        }
    }

    /// The PostgreSQL error fields, when a migration statement failed.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Statement(f) => Some(&f.db),
            Error::ConnectionLost(lost) => lost.reason.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn pg(context: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
        move |source| Error::Postgres { context, source }
    }
}

struct IdList<'a>(&'a [i64]);

impl fmt::Display for IdList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", DisplayId(*id))?;
        }
        Ok(())
    }
}

/// `\n  what: 20261121_090000 (name), ...`, or nothing for an empty list.
struct NamedList<'a>(&'static str, &'a [(i64, String)]);

impl fmt::Display for NamedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1.is_empty() {
            return Ok(());
        }
        write!(f, "\n  {}: ", self.0)?;
        for (i, (id, name)) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ({name})", DisplayId(*id))?;
        }
        Ok(())
    }
}

struct FindingList<'a>(&'a [Finding]);

impl fmt::Display for FindingList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in self.0 {
            write!(f, "\n{finding}")?;
        }
        Ok(())
    }
}

struct SessionList<'a>(&'a [SessionWarning]);

impl fmt::Display for SessionList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for session in self.0 {
            write!(f, "\n  {session}")?;
        }
        Ok(())
    }
}

/// One problem found in a migration's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// Index of the step (in its direction).
    pub step: usize,
    /// The step's kind.
    pub kind: &'static str,
    /// Whether the step belongs to the hand-written down.
    pub down: bool,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = if self.down { "down " } else { "" };
        write!(
            f,
            "{direction}step {} (`{}`): {}",
            self.step, self.kind, self.message
        )
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// A connection lost in the middle of a run: what the runner was doing, the server's
/// reason when it sent one, and where the migration that was running stands.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionLost {
    /// What the runner was doing when it noticed.
    pub context: &'static str,
    /// The server's last word, when it sent one before closing: e.g. `57P01`
    /// (terminated by an administrator or a fast shutdown), `57P02` (crash of another
    /// server process), `57P03` (the server is starting or stopping).
    pub reason: Option<DbError>,
    /// The migration that was running, when one was.
    pub migration: Option<LostMigration>,
    /// What this run applied or reverted before the connection was lost.
    pub applied: Report,
}

/// The migration that was running when the connection was lost, and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LostMigration {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Which way it was running.
    pub direction: RunDirection,
    /// Where it stands now.
    pub state: LostState,
}

/// Where a migration interrupted by a lost connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LostState {
    /// It runs in one transaction, which the server rolled back: nothing of it
    /// happened and it is not recorded.
    RolledBack,
    /// It runs in one transaction whose `COMMIT` may have reached the server before
    /// the connection broke: it either fully happened (and is recorded) or not at all.
    CommitUnknown,
    /// It runs unit by unit with its progress in the history: the next run (in the
    /// same direction) resumes it after its last recorded unit.
    Resumable {
        /// Units recorded as done (the next run starts at this 0-based unit).
        units_done: usize,
    },
}

impl fmt::Display for LostState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LostState::RolledBack => f.write_str(
                "it runs in one transaction, which the server rolled back: nothing of it was \
                 applied and it is not recorded",
            ),
            LostState::CommitUnknown => f.write_str(
                "it runs in one transaction, and the connection broke while its COMMIT may have \
                 been on its way: it is either fully applied and recorded, or not at all \
                 (`status` tells)",
            ),
            LostState::Resumable { units_done } => write!(
                f,
                "it runs unit by unit and {units_done} unit(s) are recorded as done: the next run \
                 resumes it from unit {units_done}"
            ),
        }
    }
}

impl fmt::Display for ConnectionLost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the connection to PostgreSQL was lost while {}",
            self.context
        )?;
        match &self.reason {
            Some(db) => write!(f, ": {}", lost_reason(db))?,
            None => f.write_str(
                ": it closed without a word from the server (the network failed, or the \
                 server process died)",
            )?,
        }
        if let Some(m) = &self.migration {
            write!(
                f,
                "\n  migration {} ({}) was running {}: {}",
                DisplayId(m.id),
                m.name,
                m.direction,
                m.state
            )?;
        }
        if !self.applied.runs.is_empty() {
            write!(
                f,
                "\n  applied before it in this run: {}",
                IdList(&self.applied.ids())
            )?;
        }
        f.write_str("\nhint: reconnect and run the same command again once the server is back")
    }
}

/// The server's reason for ending a session, in words, with its own message.
fn lost_reason(db: &DbError) -> String {
    let why = match db.code.as_str() {
        "57P01" => "the server terminated the session (pg_terminate_backend, or a fast shutdown)",
        "57P02" => "the server restarted after another server process crashed",
        "57P03" => "the server is starting up or shutting down",
        "57P04" => "the server dropped the database",
        "57P05" => "the session was idle for too long (idle_session_timeout)",
        "25P03" => "the session stayed idle in a transaction for too long",
        _ => "the server ended the session",
    };
    format!("{why}: {db}")
}

#[cfg(test)]
// Ids are written as in `#[migration(id = 20250101_000400)]`.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::report::FailedAttempt;

    #[test]
    fn ids_are_written_as_in_the_attribute_and_durations_for_people() {
        let modified = Error::Modified {
            ids: vec![20250101_000400, 7],
        };
        assert!(
            modified
                .to_string()
                .contains("modified since they ran: 20250101_000400, 7\n"),
            "{modified}"
        );
        let invalid = Error::InvalidMigration {
            id: 20250101_000400,
            name: "m".into(),
            problems: Vec::new(),
        };
        assert_eq!(
            invalid.to_string(),
            "migration 20250101_000400 (m) is invalid:"
        );
        let unknown = Error::UnknownTarget {
            id: 20250101_000400,
        };
        assert_eq!(
            unknown.to_string(),
            "no migration has the id 20250101_000400"
        );
        let waited = Error::LockWait {
            waited: Duration::from_nanos(3_002_042_521),
            holder: None,
        };
        assert_eq!(
            waited.to_string(),
            "another migration run held the lock for longer than 3.0s"
        );
        let failure = Error::Statement(Box::new(StatementFailure {
            id: 20250101_000400,
            name: "m".into(),
            direction: RunDirection::Up,
            statement: 1,
            sql: "SELECT x".into(),
            db: DbError {
                code: "42703".into(),
                severity: "ERROR".into(),
                message: "column \"x\" does not exist".into(),
                detail: None,
                hint: None,
                position: Some(8),
                context: None,
                schema: None,
                table: None,
                column: None,
                constraint: None,
            },
            retries: Vec::new(),
            applied: Report::default(),
        }));
        assert!(
            failure
                .to_string()
                .starts_with("migration 20250101_000400 (m) failed on up statement 1: "),
            "{failure}"
        );
    }

    fn failed_with(code: &str, retries: usize) -> String {
        let attempt = |n| FailedAttempt {
            attempt: n,
            lock_timeout: Some(Duration::from_millis(50)),
            code: "55P03".into(),
            statement: 0,
            blockers: Vec::new(),
        };
        StatementFailure {
            id: 1,
            name: "m".into(),
            direction: RunDirection::Up,
            statement: 0,
            sql: "ALTER TABLE t ADD COLUMN c int".into(),
            db: DbError {
                code: code.into(),
                severity: "ERROR".into(),
                message: "failed".into(),
                detail: None,
                hint: None,
                position: None,
                context: None,
                schema: None,
                table: None,
                column: None,
                constraint: None,
            },
            retries: (1..=retries).map(attempt).collect(),
            applied: Report::default(),
        }
        .to_string()
    }

    #[test]
    fn attempts_are_counted_once() {
        // A two-rung ladder that timed out twice: both attempts are in `retries`.
        assert!(failed_with("55P03", 2).contains("after 2 attempts"));
        // One lock timeout, then another error on the second attempt.
        assert!(failed_with("23505", 1).contains("after 2 attempts"));
    }

    #[test]
    fn a_refused_reset_names_every_migration_in_the_way() {
        let refused = Error::ResetRefused {
            irreversible: vec![(20250101_000400, "drop_legacy".into())],
            missing: vec![(20250101_000500, "gone".into()), (7, "old".into())],
            modified: Vec::new(),
        };
        assert_eq!(
            refused.to_string(),
            "reset refused: the history holds migrations it cannot revert; nothing was changed\n  \
             irreversible (no way down): 20250101_000400 (drop_legacy)\n  \
             applied but missing from the code: 20250101_000500 (gone), 7 (old)\n\
             hint: start from an empty database instead, which needs no down: `migrate reset \
             --recreate` drops and recreates the database (with `--schema S`, only that schema)"
        );
    }
}
