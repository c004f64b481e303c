//! The run lock: a session advisory lock that lets one runner at a time migrate a
//! database.
//!
//! Taken with `pg_try_advisory_lock` polled under a bounded wait (never the blocking
//! `pg_advisory_lock`, which would queue forever), on the runner's own connection. The
//! key is a stable 64-bit hash of the database, schema and table of the history, so
//! two applications keeping their history in different tables do not exclude each
//! other.
//!
//! Release: the runner calls `RunLock::release` on success and on error. If the
//! future running a migration is dropped (cancelled, or a panic unwinds through it)
//! the lock stays with the session until the connection closes, which releases every
//! session lock: drop the client in that case (the CLI does).
//!
//! Session advisory locks need a session of one's own: behind a transaction-mode
//! pooler (PgBouncer `pool_mode = transaction`) each transaction may run on another
//! server session, so the lock would be held by a pooled server connection that other
//! clients use. The runner reads the server pid when it starts and every try for the
//! lock checks, in the same statement, that it runs on that session: when it does
//! not, nothing is taken and the run is refused ([`Error::TransactionPooler`]).

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::error::Error;
use crate::events::{EventSink, RunEvent};
use crate::report::Blocker;

/// The advisory lock key for a history table in a database.
///
/// ```
/// let a = migrate_core::lock::lock_key("app", "public", "migrate_history");
/// assert_eq!(a, migrate_core::lock::lock_key("app", "public", "migrate_history"));
/// assert_ne!(a, migrate_core::lock::lock_key("app", "meta", "migrate_history"));
/// ```
pub fn lock_key(database: &str, schema: &str, table: &str) -> i64 {
    let mut hasher = Sha256::new();
    // Lengths keep ("ab", "c") and ("a", "bc") apart.
    for part in ["migrate", database, schema, table] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// A held run lock. Release it with [`RunLock::release`].
#[derive(Debug)]
#[must_use = "release the run lock"]
pub(crate) struct RunLock {
    key: i64,
    /// The server session (pid) that holds it.
    pid: i32,
    waited: Duration,
}

/// What one try for the lock found.
#[derive(Debug)]
pub(crate) enum Try {
    /// Taken, on the expected server session.
    Taken(RunLock),
    /// Held by another session.
    Busy,
    /// The try ran on another server session than the expected one (a transaction
    /// pooler): nothing was taken.
    OtherSession(i32),
}

impl RunLock {
    /// One try, without waiting, on the server session `pid` only: the statement
    /// reads the pid it runs on and tries for the lock only when that is `pid`, so a
    /// pooler that hands the transaction to another server session gets nothing taken
    /// there (nothing to release on a session the runner may never see again).
    ///
    /// A session that holds the lock marks itself (`migrate.run_lock` = the key) and a
    /// try on a marked session finds the lock busy: advisory locks are re-entrant, and
    /// a pooled server session holding another client's run lock must not hand it to a
    /// second runner (nor may a run cancelled half way lend it to the next one).
    pub(crate) async fn try_take(client: &Client, key: i64, pid: i32) -> Result<Try, Error> {
        const CONTEXT: &str = "taking the run lock";
        let row = client
            .query_typed_one(
                "SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = $2 THEN \
                 CASE WHEN current_setting('migrate.run_lock', true) = $1::text THEN false \
                 WHEN pg_try_advisory_lock($1) \
                 THEN set_config('migrate.run_lock', $1::text, false) IS NOT NULL \
                 ELSE false END END",
                &[
                    (&key, tokio_postgres::types::Type::INT8),
                    (&pid, tokio_postgres::types::Type::INT4),
                ],
            )
            .await
            .map_err(Error::pg(CONTEXT))?;
        let ran_on: i32 = row.try_get(0).map_err(Error::pg(CONTEXT))?;
        let got: Option<bool> = row.try_get(1).map_err(Error::pg(CONTEXT))?;
        Ok(match got {
            None => Try::OtherSession(ran_on),
            Some(false) => Try::Busy,
            Some(true) => {
                tracing::debug!(key, pid, "run lock taken");
                Try::Taken(Self {
                    key,
                    pid,
                    waited: Duration::ZERO,
                })
            }
        })
    }

    /// Takes the lock, polling every `poll` for at most `wait`. While waiting, logs
    /// the session that holds it and sends `events` a [`RunEvent::WaitingForLock`]
    /// (at the first failed try, then every 5 s).
    ///
    /// `pid` is the server session the connection was seen on first
    /// (`pg_backend_pid()`): a try that runs on another one takes nothing and fails
    /// with [`Error::TransactionPooler`].
    pub(crate) async fn acquire(
        client: &Client,
        key: i64,
        pid: i32,
        wait: Duration,
        poll: Duration,
        events: &EventSink,
    ) -> Result<Self, Error> {
        let start = Instant::now();
        let mut last_report: Option<Instant> = None;
        let mut holder = None;
        loop {
            match Self::try_take(client, key, pid).await? {
                Try::Taken(lock) => {
                    let waited = start.elapsed();
                    return Ok(Self { waited, ..lock });
                }
                Try::OtherSession(second_pid) => {
                    return Err(Error::TransactionPooler {
                        first_pid: pid,
                        second_pid,
                        applied: Box::default(),
                    });
                }
                Try::Busy => {}
            }
            let waited = start.elapsed();
            if last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) || waited >= wait {
                holder = lock_holder(client, key).await?;
                last_report = Some(Instant::now());
                match &holder {
                    Some(h) => tracing::info!(
                        key,
                        holder_pid = h.pid,
                        holder_application = %h.application_name,
                        holder_state = h.state.as_deref().unwrap_or(""),
                        holder_query = h.query.as_deref().unwrap_or(""),
                        waited_ms = waited.as_millis() as u64,
                        "waiting for the run lock held by another session"
                    ),
                    None => tracing::info!(
                        key,
                        waited_ms = waited.as_millis() as u64,
                        "waiting for the run lock"
                    ),
                }
                events.emit(|| RunEvent::WaitingForLock {
                    holder: holder.clone(),
                    waited,
                });
            }
            if waited >= wait {
                return Err(Error::LockWait { waited, holder });
            }
            tokio::time::sleep(
                poll.min(wait.saturating_sub(waited))
                    .max(Duration::from_millis(1)),
            )
            .await;
        }
    }

    /// How long the lock was waited for.
    pub(crate) fn waited(&self) -> Duration {
        self.waited
    }

    /// Releases the lock, on the session that holds it only (the marker with it). A
    /// failure (a broken connection) is only traced: closing the connection releases
    /// the lock anyway. `also`: one more expression, evaluated on the lock's session
    /// in the same statement (the runner restores a session setting with it).
    ///
    /// Behind a transaction pooler the statement may run on another server session:
    /// it then unlocks nothing there and is tried again (up to 50 times, 10 ms apart)
    /// until it runs on the lock's session, so that no pooled server connection keeps
    /// the lock for the clients it serves next.
    pub(crate) async fn release(self, client: &Client, also: Option<&str>) {
        let sql = format!(
            "SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = $2 THEN \
             CASE WHEN pg_advisory_unlock($1) \
             THEN set_config('migrate.run_lock', '', false) IS NOT NULL ELSE false END END{}",
            also.map(|e| format!(", CASE WHEN pg_backend_pid() = $2 THEN {e} END"))
                .unwrap_or_default()
        );
        let int8 = tokio_postgres::types::Type::INT8;
        let int4 = tokio_postgres::types::Type::INT4;
        for attempt in 1..=50 {
            let result = client
                .query_typed_one(
                    &sql,
                    &[(&self.key, int8.clone()), (&self.pid, int4.clone())],
                )
                .await;
            let row = result.and_then(|row| {
                Ok((
                    row.try_get::<_, i32>(0)?,
                    row.try_get::<_, Option<bool>>(1)?,
                ))
            });
            match row {
                Ok((_, Some(_))) => {
                    tracing::debug!(key = self.key, "run lock released");
                    return;
                }
                Ok((pid, None)) => {
                    tracing::warn!(
                        key = self.key,
                        holder_pid = self.pid,
                        pid,
                        attempt,
                        "the release ran on another server session than the lock's; trying again"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(error) => {
                    tracing::warn!(key = self.key, %error, "could not release the run lock; closing the connection releases it");
                    return;
                }
            }
        }
        tracing::error!(
            key = self.key,
            holder_pid = self.pid,
            "could not reach the server session holding the run lock; it keeps it until it \
             closes (pg_terminate_backend it)"
        );
    }
}

/// The session holding an advisory lock, when it can be seen.
async fn lock_holder(client: &Client, key: i64) -> Result<Option<Blocker>, Error> {
    // A bigint advisory lock shows in pg_locks as classid = high 32 bits, objid = low
    // 32 bits, objsubid = 1.
    let bits = key as u64;
    let high = i64::from((bits >> 32) as u32);
    let low = i64::from(bits as u32);
    let int8 = tokio_postgres::types::Type::INT8;
    let row = client
        .query_typed_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), a.state, left(a.query, 200) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
             LIMIT 1",
            &[(&high, int8.clone()), (&low, int8)],
        )
        .await
        .map_err(Error::pg("looking up the run lock's holder"))?;
    row.map(|row| {
        Ok(Blocker {
            pid: row
                .try_get(0)
                .map_err(Error::pg("looking up the run lock's holder"))?,
            application_name: row
                .try_get(1)
                .map_err(Error::pg("looking up the run lock's holder"))?,
            state: row
                .try_get(2)
                .map_err(Error::pg("looking up the run lock's holder"))?,
            query: row
                .try_get(3)
                .map_err(Error::pg("looking up the run lock's holder"))?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_pinned() {
        // The key must never change between versions: two runner versions migrating the
        // same database must exclude each other.
        assert_eq!(
            lock_key("app", "public", "migrate_history"),
            1530858519567512057
        );
        assert_ne!(lock_key("ab", "c", "t"), lock_key("a", "bc", "t"));
    }
}
