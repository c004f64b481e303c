//! The scratch database: created for one `verify`, dropped on every path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Config;
use tokio_postgres::error::SqlState;

use super::ScratchConnector;
use crate::error::Error;
use crate::ident::Ident;
use crate::render::quote_ident;

/// A database created for one run. Dropping the value drops the database
/// (`DROP DATABASE .. WITH (FORCE)`) from a thread of its own when
/// [`drop_database`](Self::drop_database) did not run: after a panic, or when the
/// future running `verify` was dropped (Ctrl-C, a timeout).
pub(crate) struct ScratchDb {
    name: String,
    admin: Config,
    connector: ScratchConnector,
    dropped: bool,
}

impl ScratchDb {
    /// Creates a uniquely named database on `server`'s server. The statements are
    /// sent over a connection to `server`'s database, or to `postgres` when that
    /// database does not exist.
    pub(crate) async fn create(
        server: &Config,
        connector: &ScratchConnector,
    ) -> Result<Self, Error> {
        let (admin, client) = match connector.connect(server.clone()).await {
            Ok(client) => (server.clone(), client),
            Err(error) if missing_database(&error) => {
                let mut admin = server.clone();
                admin.dbname("postgres");
                let client = connector.connect(admin.clone()).await?;
                (admin, client)
            }
            Err(error) => return Err(error),
        };
        // The guard exists before the database does: a cancellation while
        // `CREATE DATABASE` runs still drops it (`IF EXISTS`).
        let guard = Self {
            name: unique_database_name("migrate_verify"),
            admin,
            connector: connector.clone(),
            dropped: false,
        };
        client
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                quote_ident(&Ident::new(guard.name.as_str()))
            ))
            .await
            .map_err(Error::pg("creating the scratch database"))?;
        Ok(guard)
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A configuration for the database.
    pub(crate) fn config(&self) -> Config {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        config
    }

    /// Drops the database now, disconnecting whoever is still connected.
    pub(crate) async fn drop_database(mut self) -> Result<(), Error> {
        let result = drop_now(&self.connector, self.admin.clone(), &self.name).await;
        // Whatever happened, the synchronous fallback in `Drop` would fail the same
        // way: do not try twice.
        self.dropped = true;
        result
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let connector = self.connector.clone();
        let admin = self.admin.clone();
        let name = std::mem::take(&mut self.name);
        // Its own thread and runtime: works inside or outside an async context.
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Err(error) = drop_now(&connector, admin, &name).await {
                    tracing::warn!(database = %name, %error, "could not drop the scratch database");
                }
            });
        });
        let _ = handle.join();
    }
}

/// `DROP DATABASE .. WITH (FORCE)` (PostgreSQL 13+), or without `FORCE` on an older
/// server that refuses the syntax.
async fn drop_now(connector: &ScratchConnector, admin: Config, name: &str) -> Result<(), Error> {
    let client = connector.connect(admin).await?;
    let drop = format!("DROP DATABASE IF EXISTS {}", quote_ident(&Ident::new(name)));
    match client.batch_execute(&format!("{drop} WITH (FORCE)")).await {
        Err(error) if error.code() == Some(&SqlState::SYNTAX_ERROR) => {
            client.batch_execute(&drop).await
        }
        other => other,
    }
    .map_err(Error::pg("dropping the scratch database"))
}

fn missing_database(error: &Error) -> bool {
    match error {
        Error::Postgres { source, .. } => source.code() == Some(&SqlState::INVALID_CATALOG_NAME),
        _ => false,
    }
}

/// `<prefix>_<pid>_<counter>_<nanoseconds>`: a database name unique on the server for
/// any number of concurrent processes and threads (scratch and test databases).
pub(crate) fn unique_database_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}
