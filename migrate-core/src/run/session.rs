//! The run's session: what the runner reads of it before the lock (and the session
//! setup that goes with it), its pid and server version, the guard that keeps every
//! change on the server session holding the run lock (a transaction pooler would hand
//! transactions to others), the flush that makes a run's commits durable, the creation
//! of the history table, and a lost connection turned into [`Error::ConnectionLost`].

use std::sync::atomic::Ordering;

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use crate::db_error::DbError;
use crate::error::{ConnectionLost, Error, LostMigration, LostState};
use crate::events::RunEvent;
use crate::history::HistoryTable;
use crate::options::MigratorOptions;
use crate::plan::Header;
use crate::report::Report;

use super::wire::RUNNING;
use super::{Migrator, Run};

/// Facts about the server and the session, read before taking the lock.
pub(super) struct SessionInfo {
    pub(super) database: String,
    pub(super) table_exists: bool,
    /// The server session's pid (each try for the lock checks it still runs there).
    pub(super) pid: i32,
    /// Whether the session setup set `client_connection_check_interval` (restored
    /// when the lock is released).
    pub(super) set_check_interval: bool,
}

/// The session setup: `client_connection_check_interval = 1s` (PostgreSQL 14+), so a
/// server session whose client died (a killed CLI) stops within a second instead of
/// running on (a concurrent index build, a sleep) with the run lock held. Set only
/// when the server has the setting and the session left it at `0` (a value the caller
/// set is kept); `true` when it was set.
const SET_CHECK_INTERVAL: &str = "CASE WHEN current_setting('client_connection_check_interval', true) = '0' \
     THEN set_config('client_connection_check_interval', '1s', false) IS NOT NULL ELSE false END";

/// Restores what [`SET_CHECK_INTERVAL`] set, with the release of the lock.
pub(super) const RESET_CHECK_INTERVAL: &str =
    "set_config('client_connection_check_interval', '0', false) IS NOT NULL";

/// The runner's session as the server sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Backend {
    pub(super) pid: i32,
    /// `server_version_num`.
    pub(super) server_version: i32,
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
pub(super) fn guard_sql(pid: i32) -> String {
    format!(
        "SELECT (CASE WHEN pg_backend_pid() = {pid} THEN '0' \
         ELSE '{GUARD_MARKER}' || pg_backend_pid() END)::int"
    )
}

/// The pid a failed guard ran on, when this error is one.
pub(super) fn guard_pid(db: &DbError) -> Option<i32> {
    let (_, rest) = db.message.split_once(GUARD_MARKER)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether the server ended the session with this error: severity `FATAL` or
/// `PANIC`, or an operator intervention (class `57P`: terminated, shut down, crash).
pub(super) fn is_fatal(db: &DbError) -> bool {
    db.severity == "FATAL" || db.severity == "PANIC" || db.code.starts_with("57P")
}

/// Whether a driver error means the connection is gone.
fn is_lost(error: &tokio_postgres::Error) -> bool {
    error.is_closed() || DbError::from_driver(error).is_some_and(|db| is_fatal(&db))
}

impl Migrator {
    /// What every run needs before the lock, and no more, and the session's setup (in
    /// the same round trip): each catalog function costs a fresh session a lookup, so
    /// the server version and the schema are asked for only when needed. The pid is
    /// what the lock's tries check to see a transaction pooler.
    pub(super) async fn session_info(&self, client: &Client) -> Result<SessionInfo, Error> {
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
}

impl Run<'_> {
    pub(super) fn headers(&self) -> &[Header] {
        &self.migrator.headers
    }

    pub(super) fn history(&self) -> &HistoryTable {
        &self.migrator.history
    }

    pub(super) fn options(&self) -> &MigratorOptions {
        &self.migrator.options
    }

    /// Delivers a run event to the options' callback (built only when there is one).
    pub(super) fn emit(&self, make: impl FnOnce() -> RunEvent) {
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
    pub(super) async fn flush(&self) {
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
    pub(super) async fn backend(&self) -> Result<Backend, Error> {
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
    pub(super) async fn create_history(&self) -> Result<(), Error> {
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
    pub(super) async fn batch(&self, sql: &str, context: &'static str) -> Result<(), Error> {
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
    pub(super) fn pooled(&self, second_pid: i32) -> Error {
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

    /// Turns an error that is a lost connection (closed, or ended by the server with
    /// a `FATAL` error) into [`Error::ConnectionLost`], with the migration that was
    /// running and what the run did before; other errors pass through.
    pub(super) fn lost(&self, error: Error, migration: Option<LostMigration>) -> Error {
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
}
