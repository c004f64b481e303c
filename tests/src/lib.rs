//! Shared helpers for the workspace's tests: a fresh PostgreSQL database per test.
//!
//! [`TestDb::create`] connects to `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), creates a uniquely named database
//! and hands out connections to it. Dropping the [`TestDb`] drops the database
//! (`WITH (FORCE)`), also when the test panics: it is a
//! [`migrate_core::testing::TestDatabase`], whose drop runs on its own thread with
//! its own runtime, so it works from inside or outside an async context.

use migrate_core::testing::TestDatabase;
use tokio_postgres::{Client, Config, NoTls};

pub mod diff_corpus;
pub mod fixtures;

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Errors of the harness (its own setup, not the code under test).
pub type HarnessError = Box<dyn std::error::Error + Send + Sync>;

/// The admin URL: `DATABASE_URL` or the default.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// Opens a repeatable-read transaction on `client` and takes its snapshot, holding no
/// lock on any user table: a `CREATE INDEX CONCURRENTLY` then waits for it to end.
pub async fn hold_snapshot(
    client: &mut Client,
) -> Result<tokio_postgres::Transaction<'_>, HarnessError> {
    let hold = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .start()
        .await?;
    hold.batch_execute("SELECT count(*) FROM pg_class").await?;
    Ok(hold)
}

/// Opens a transaction on `client` (named `application_name`) that reads `table` and
/// stays open, holding `ACCESS SHARE` on it; returns the session's backend pid.
pub async fn hold_access_share(
    client: &Client,
    application_name: &str,
    table: &str,
) -> Result<i64, HarnessError> {
    client
        .batch_execute(&format!(
            "SET application_name = '{application_name}'; BEGIN; SELECT count(*) FROM {table}"
        ))
        .await?;
    int(client, "SELECT pg_backend_pid()").await
}

/// Takes the run lock of `database`'s default history table on `client`, the way a
/// runner holds it (the key the runner computes), under `application_name`; it is held
/// until the session ends or unlocks it.
pub async fn hold_run_lock(
    client: &Client,
    database: &str,
    application_name: &str,
) -> Result<(), HarnessError> {
    let key = migrate_core::lock::lock_key(database, "public", "migrate_history");
    client
        .batch_execute(&format!(
            "SET application_name = '{application_name}'; SELECT pg_advisory_lock({key})"
        ))
        .await?;
    Ok(())
}

/// A fresh, empty database, dropped with this value: migrate-core's
/// [`TestDatabase`] (the fixture's lifecycle), named `mt_<pid>_<counter>_<nanos>`.
#[derive(Debug)]
pub struct TestDb {
    database: TestDatabase,
}

impl TestDb {
    /// Creates a database named `mt_<pid>_<counter>_<nanos>`.
    pub async fn create() -> Result<Self, HarnessError> {
        let admin: Config = admin_url().parse()?;
        let database = TestDatabase::empty_on(&admin, "mt").await?;
        Ok(Self { database })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        self.database.name()
    }

    /// A configuration for the database.
    pub fn config(&self) -> Config {
        self.database.config()
    }

    /// A configuration for database `name` on the test server.
    pub fn config_for(name: &str) -> Result<Config, HarnessError> {
        let mut config: Config = admin_url().parse()?;
        config.dbname(name);
        Ok(config)
    }

    /// A new connection to the database.
    pub async fn connect(&self) -> Result<Client, HarnessError> {
        connect(&self.database.config()).await
    }
}

/// A database from a [`Fixture`](migrate_core::testing::Fixture) (migrated), with the
/// harness's API.
impl From<TestDatabase> for TestDb {
    fn from(database: TestDatabase) -> Self {
        Self { database }
    }
}

/// Declares a `static` [`Registration`](migrate_core::Registration) for a migration
/// function `fn(&mut Migration<Mode>)`, for tests that pick their own sets:
/// `reg!(NAME, id, function)` (reversible, derived down),
/// `reg!(NAME, id, function, irreversible)` (manual mode, no down).
#[macro_export]
macro_rules! reg {
    ($static:ident, $id:expr, $f:ident) => {
        $crate::reg!($static, $id, $f, Reversible, ::migrate_core::Down::Auto);
    };
    ($static:ident, $id:expr, $f:ident, irreversible) => {
        $crate::reg!($static, $id, $f, Manual, ::migrate_core::Down::Irreversible);
    };
    ($static:ident, $id:expr, $f:ident, $mode:ident, $down:expr) => {
        static $static: ::migrate_core::Registration = ::migrate_core::Registration {
            id: $id,
            name: stringify!($f),
            file: file!(),
            line: line!(),
            module_path: module_path!(),
            up: ::migrate_core::Up::$mode($f),
            down: $down,
        };
    };
}

/// Connects without TLS, driving the connection on a spawned task.
pub async fn connect(config: &Config) -> Result<Client, HarnessError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// One text value from a query (`NULL` as `None`).
pub async fn text(client: &Client, sql: &str) -> Result<Option<String>, HarnessError> {
    let rows = client.simple_query(sql).await?;
    for message in rows {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            return Ok(row.get(0).map(str::to_owned));
        }
    }
    Err(format!("no row from: {sql}").into())
}

/// One integer from a query.
pub async fn int(client: &Client, sql: &str) -> Result<i64, HarnessError> {
    let value = text(client, sql)
        .await?
        .ok_or_else(|| format!("NULL from: {sql}"))?;
    Ok(value.parse()?)
}

/// The server's `server_version_num` (e.g. 150014), for expectations that differ by major.
pub async fn server_version(client: &Client) -> Result<i64, HarnessError> {
    int(
        client,
        "SELECT current_setting('server_version_num')::bigint",
    )
    .await
}

/// The first column of every row of a query, as text.
pub async fn column(client: &Client, sql: &str) -> Result<Vec<String>, HarnessError> {
    let rows = client.simple_query(sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => {
                Some(row.get(0).unwrap_or("").to_owned())
            }
            _ => None,
        })
        .collect())
}

/// Whether a table exists (`schema.table` or a name found in the search path).
pub async fn table_exists(client: &Client, name: &str) -> Result<bool, HarnessError> {
    let rows = client
        .query("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .await?;
    Ok(rows.first().map(|r| r.get::<_, bool>(0)).unwrap_or(false))
}

/// Whether a column exists.
pub async fn column_exists(
    client: &Client,
    table: &str,
    column: &str,
) -> Result<bool, HarnessError> {
    let rows = client
        .query(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
            &[&table, &column],
        )
        .await?;
    Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) == 1)
}

/// `Some(valid)` for an index that exists in `public`.
pub async fn index_validity(client: &Client, name: &str) -> Result<Option<bool>, HarnessError> {
    let rows = client
        .query(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = $1",
            &[&name],
        )
        .await?;
    Ok(rows.first().map(|r| r.get::<_, bool>(0)))
}

/// The ids in a history table, ascending.
pub async fn history_ids(client: &Client, table: &str) -> Result<Vec<i64>, HarnessError> {
    let rows = client
        .query(&format!("SELECT id FROM {table} ORDER BY id"), &[])
        .await?;
    Ok(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
}

/// A migration's row in `public.migrate_history` as `state:units_done`
/// (e.g. `applying:1`), or `None` without a row.
pub async fn history_progress(client: &Client, id: i64) -> Result<Option<String>, HarnessError> {
    text(
        client,
        &format!("SELECT state || ':' || units_done FROM migrate_history WHERE id = {id}"),
    )
    .await
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
