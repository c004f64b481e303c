//! One test database: created (empty or from a template), handed out, dropped with its
//! value.

use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config};

use super::{DEFAULT_DATABASE_PREFIX, admin_config, check_prefix, config_for};
use crate::error::Error;
use crate::ident::Ident;
use crate::render::quote_ident;
use crate::verify::unique_database_name;

/// A database of one test, dropped (`DROP DATABASE .. WITH (FORCE)`) when the value
/// drops, also when the test panics: the drop runs on a thread of its own with its own
/// current-thread runtime, so it works inside and outside an async context. A
/// process killed outright (`SIGKILL`) runs no drop: its databases stay, named after
/// its pid.
///
/// Made by [`Fixture::database`](super::Fixture::database) (migrated, cloned from the
/// template) or [`TestDatabase::empty`].
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    /// The server to drop the database on; `None` once there is nothing to drop.
    admin: Option<Config>,
    config: Config,
}

impl TestDatabase {
    /// An empty database on the test server of `DATABASE_URL` (see
    /// [`admin_config`]), named `migrate_test_<pid>_<counter>_<nanoseconds>`.
    pub async fn empty() -> Result<Self, Error> {
        Self::empty_on(&admin_config()?, DEFAULT_DATABASE_PREFIX).await
    }

    /// An empty database on the server of `admin`, named
    /// `<prefix>_<pid>_<counter>_<nanoseconds>`.
    pub async fn empty_on(admin: &Config, prefix: &str) -> Result<Self, Error> {
        check_prefix(prefix)?;
        create(admin, prefix, None).await
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A configuration for the database (the admin connection's, with this database).
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    /// A new connection to the database, without TLS (see [`crate::connect`]).
    pub async fn connect(&self) -> Result<Client, Error> {
        crate::connect(&self.config).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(admin) = self.admin.take() else {
            return;
        };
        let name = std::mem::take(&mut self.name);
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let dropped = async {
                    let session = Session::open(&admin).await?;
                    let result = drop_database(&session.client, &name, true).await;
                    session.close().await;
                    result
                };
                if let Err(error) = dropped.await {
                    tracing::warn!(database = %name, %error, "could not drop the test database");
                }
            });
        });
        let _ = handle.join();
    }
}

/// Creates a uniquely named database, from `template` when given.
pub(super) async fn create(
    admin: &Config,
    prefix: &str,
    template: Option<&str>,
) -> Result<TestDatabase, Error> {
    let session = Session::open(admin).await?;
    let name = unique_database_name(prefix);
    // The guard exists before the database does: a cancellation while `CREATE
    // DATABASE` runs still drops it (`IF EXISTS`).
    let mut guard = TestDatabase {
        config: config_for(admin, &name),
        admin: Some(admin.clone()),
        name,
    };
    let (sql, action) = match template {
        Some(template) => (
            format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quoted(&guard.name),
                quoted(template)
            ),
            "clone the template into test",
        ),
        None => (
            format!("CREATE DATABASE {}", quoted(&guard.name)),
            "create test",
        ),
    };
    let created = session.client.batch_execute(&sql).await;
    session.close().await;
    match created {
        Ok(()) => Ok(guard),
        Err(source) => {
            let database = guard.name.clone();
            // Nothing to drop: do not pay for a connection in `Drop`.
            guard.admin = None;
            Err(Error::TestDatabase {
                action,
                database,
                source,
            })
        }
    }
}

/// `DROP DATABASE IF EXISTS`, `WITH (FORCE)` when asked.
pub(super) async fn drop_database(client: &Client, name: &str, force: bool) -> Result<(), Error> {
    let force = if force { " WITH (FORCE)" } else { "" };
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {}{force}", quoted(name)))
        .await
        .map_err(|source| Error::TestDatabase {
            action: "drop",
            database: name.to_owned(),
            source,
        })
}

/// A database name, quoted.
pub(super) fn quoted(name: &str) -> String {
    quote_ident(&Ident::new(name))
}

/// A connection whose closing can be awaited: PostgreSQL refuses to rename or clone a
/// database while a session is still connected to it.
pub(super) struct Session {
    pub(super) client: Client,
    connection: JoinHandle<()>,
}

impl Session {
    pub(super) async fn open(config: &Config) -> Result<Self, Error> {
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(Error::pg("connecting to the test server"))?;
        let connection = tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "test server connection closed with an error");
            }
        });
        Ok(Self { client, connection })
    }

    /// Closes the connection and waits until it is closed.
    pub(super) async fn close(self) {
        drop(self.client);
        let _ = self.connection.await;
    }
}
