//! Opening a connection without TLS, for embedding and tests (below the options,
//! whose [`Connector::no_tls`](crate::Connector::no_tls) uses it, and the runner).

use tokio_postgres::Client;

use crate::error::Error;

/// Opens a connection without TLS and drives it on a spawned task: for embedding and
/// tests. The connection closes (releasing any session lock) when the client drops.
pub async fn connect(config: &tokio_postgres::Config) -> Result<Client, Error> {
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(Error::pg("connecting"))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection closed with an error");
        }
    });
    Ok(client)
}
