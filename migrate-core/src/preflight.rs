//! Pre-flight checks against the live database before a run's concurrent index
//! builds (SAFETY.md: rules 3, 4 and 17).
//!
//! They run once, after the run lock is taken and before anything is applied, when
//! the run will build or drop an index concurrently (resumed runs included):
//!
//! - **server version**: PostgreSQL 14.0 to 14.3 can silently corrupt indexes built
//!   concurrently; the run is refused ([`Error::UnsupportedServer`]).
//! - **sessions that would stall the build**: `CREATE INDEX CONCURRENTLY` waits for
//!   every transaction of the database that holds a snapshot older than its own
//!   (`backend_xmin` set). Sessions `idle in transaction` and transactions open for
//!   longer than [`long_transaction_threshold`] are reported with their pid,
//!   `application_name`, state, age and query. Only the current database counts:
//!   PostgreSQL waits for snapshots of its own database only. By default they are
//!   warned about (a `tracing` warning and [`Report::preflight`]) and the build goes
//!   ahead: it waits without blocking writers. With [`refuse_when_blocked`], sessions
//!   holding a snapshot refuse the run ([`Error::Blocked`]).
//! - **invalid indexes** on the tables the run will index concurrently: left by an
//!   earlier failed build, still maintained on every write (and still enforcing
//!   uniqueness). Warned about; the runner rebuilds its own when it reaches them.
//!
//! [`long_transaction_threshold`]: crate::MigratorOptions::long_transaction_threshold
//! [`refuse_when_blocked`]: crate::MigratorOptions::refuse_when_blocked
//! [`Report::preflight`]: crate::Report::preflight
//! [`Error::UnsupportedServer`]: crate::Error::UnsupportedServer
//! [`Error::Blocked`]: crate::Error::Blocked

use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use crate::error::Error;
use crate::report::{PreflightWarning, SessionWarning};

/// Whether a server version (`server_version_num`) builds indexes concurrently
/// without the corruption bug of 14.0 to 14.3.
///
/// ```
/// use migrate_core::preflight::concurrent_builds_are_safe;
/// assert!(concurrent_builds_are_safe(130_012));
/// assert!(!concurrent_builds_are_safe(140_003));
/// assert!(concurrent_builds_are_safe(140_004));
/// ```
pub fn concurrent_builds_are_safe(server_version: i32) -> bool {
    !(140_000..=140_003).contains(&server_version)
}

/// Sessions of the current database (other than `own_pid`) idle in a transaction,
/// or in a transaction open longer than `threshold`.
pub(crate) async fn sessions(
    client: &Client,
    own_pid: i32,
    threshold: Duration,
) -> Result<Vec<SessionWarning>, Error> {
    let context = "checking for sessions that would stall a concurrent index build";
    let threshold_ms = i64::try_from(threshold.as_millis()).unwrap_or(i64::MAX);
    let rows = client
        .query_typed(
            "SELECT pid, coalesce(application_name, ''), state, \
             (extract(epoch FROM now() - xact_start) * 1000)::bigint, \
             backend_xmin IS NOT NULL, left(query, 200) \
             FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> $1 \
             AND backend_type = 'client backend' AND xact_start IS NOT NULL \
             AND (state LIKE 'idle in transaction%' \
                  OR xact_start < now() - make_interval(secs => $2::bigint / 1000.0)) \
             ORDER BY xact_start, pid",
            &[(&own_pid, Type::INT4), (&threshold_ms, Type::INT8)],
        )
        .await
        .map_err(Error::pg(context))?;
    rows.iter()
        .map(|row| {
            let age_ms: Option<i64> = row.try_get(3).map_err(Error::pg(context))?;
            Ok(SessionWarning {
                pid: row.try_get(0).map_err(Error::pg(context))?,
                application_name: row.try_get(1).map_err(Error::pg(context))?,
                state: row.try_get(2).map_err(Error::pg(context))?,
                transaction_age: age_ms
                    .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
                holds_snapshot: row.try_get(4).map_err(Error::pg(context))?,
                query: row.try_get(5).map_err(Error::pg(context))?,
            })
        })
        .collect()
}

/// Invalid indexes on the given tables (quoted names, resolved in the search path).
pub(crate) async fn invalid_indexes(
    client: &Client,
    tables: &[String],
) -> Result<Vec<PreflightWarning>, Error> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let context = "checking for invalid indexes";
    let rows = client
        .query_typed(
            "SELECT format('%I.%I', n.nspname, c.relname), i.indrelid::regclass::text \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT (i.indisvalid AND i.indisready) \
             AND i.indrelid IN (SELECT to_regclass(t) FROM unnest($1::text[]) AS t) \
             ORDER BY 1",
            &[(&tables, Type::TEXT_ARRAY)],
        )
        .await
        .map_err(Error::pg(context))?;
    rows.iter()
        .map(|row| {
            Ok(PreflightWarning::InvalidIndex {
                index: row.try_get(0).map_err(Error::pg(context))?,
                table: row.try_get(1).map_err(Error::pg(context))?,
            })
        })
        .collect()
}
