//! `verify`: on a scratch database, every down undoes its up.

use migrate_core::verify::ScratchConnector;
use migrate_core::{Migrator, ScratchTarget, SnapshotOptions, VerifyOptions};

use crate::database::{Database, connect};
use crate::output;

/// Connects to scratch databases on `server` the way `server` itself is connected to
/// (its TLS settings), for `verify` and `diff`.
pub(super) fn scratch_connector(server: &Database) -> ScratchConnector {
    let tls = server.clone();
    ScratchConnector::new(move |config| {
        let mut db = tls.clone();
        db.config = config;
        Box::pin(async move {
            connect::open(&db)
                .await
                .map_err(|source| migrate_core::Error::Postgres {
                    context: "connecting to the scratch database",
                    source,
                })
        })
    })
}

/// `verify`: on a scratch database, every down undoes its up. Ctrl-C drops the
/// verification, and with it the scratch database.
pub(super) async fn verify(
    migrator: &Migrator,
    database: &Database,
    scratch: Option<&Database>,
    keep_going: bool,
) -> anyhow::Result<()> {
    let server = scratch.unwrap_or(database);
    let connector = scratch_connector(server);
    let options = VerifyOptions::new()
        .snapshot(SnapshotOptions::for_migrator(migrator.options()))
        .connector(connector)
        .keep_going(keep_going);
    tracing::info!(target: "migrate_cli", server = %server.display, "verifying on a scratch database");
    let target = ScratchTarget::Server(server.config.clone());
    let report = tokio::select! {
        report = migrate_core::verify(migrator, target, &options) => report?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted: the scratch database was dropped"),
    };
    output::verify(&report);
    match report.failures().count() {
        0 => {}
        1 => anyhow::bail!("verify failed: a migration failed its check (see above)"),
        n => anyhow::bail!("verify failed: {n} migrations failed their checks (see above)"),
    }
    Ok(())
}
