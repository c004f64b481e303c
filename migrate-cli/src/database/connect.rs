//! Opening connections to the [`Database`], with TLS and a bounded wait.

use anyhow::{Context, anyhow};
use tokio_postgres::{Client, NoTls};

use super::Database;

/// Opens the direct connection the runner works on. Gives up after the connect
/// timeout (if any), naming the (redacted) target.
pub(crate) async fn connect(db: &Database) -> anyhow::Result<Client> {
    let failed = || format!("could not connect to {} ({})", db.endpoint, db.display);
    let Some(timeout) = db.connect_timeout else {
        return open(db).await.with_context(failed);
    };
    match tokio::time::timeout(timeout, open(db)).await {
        Ok(result) => result.with_context(failed),
        Err(_) => Err(anyhow!(
            "{}: no answer within {}\n\
             hint: check the host and port, or allow longer with --connect-timeout",
            failed(),
            migrate_core::HumanDuration(timeout)
        )),
    }
}

/// Connects and drives the connection on a spawned task.
pub(crate) async fn open(db: &Database) -> Result<Client, tokio_postgres::Error> {
    #[cfg(feature = "tls")]
    if let Some(tls) = &db.tls {
        let make = tokio_postgres_rustls::MakeRustlsConnect::new((**tls).clone());
        let (client, connection) = db.config.connect(make).await?;
        drive(connection);
        return Ok(client);
    }
    // Without TLS (`sslmode=disable`, or `prefer` in a build without the `tls`
    // feature, which tokio-postgres then runs in clear).
    let (client, connection) = db.config.connect(NoTls).await?;
    drive(connection);
    Ok(client)
}

/// Runs the connection's I/O until it closes.
fn drive<F>(connection: F)
where
    F: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection closed with an error");
        }
    });
}

/// A connector for the runner's blocker monitor: short-lived connections opened the
/// same way as the main one.
pub(crate) fn connector(db: &Database) -> migrate_core::Connector {
    let db = db.clone();
    migrate_core::Connector::new(move || {
        let db = db.clone();
        Box::pin(async move {
            open(&db)
                .await
                .map_err(|source| migrate_core::Error::Postgres {
                    context: "connecting the blocker monitor",
                    source,
                })
        })
    })
}
