//! `reset`: every applied migration reverted then every migration applied (the core's
//! `Migrator::reset`), or, with `--recreate`, the database (or the `--schema`) dropped
//! and created again, then every migration applied. Without `--yes`, says what it would
//! do and changes nothing.

use migrate_core::{Ident, MigrationState, Migrator};
use tokio_postgres::Client;

use super::database;
use super::online::finish_with;
use crate::config::OutputConfig;
use crate::database::{Database, connect};
use crate::exit::usage;
use crate::output;
use crate::output::progress::Progress;

/// `reset --recreate` without `--schema`: the database dropped and created again
/// (before connecting to it: it need not exist), then `up`.
pub(super) async fn recreate_database(
    migrator: &Migrator,
    database: &Database,
    yes: bool,
    out: OutputConfig,
    progress: &Progress,
) -> anyhow::Result<()> {
    let name = database::target_name(database)?;
    database::refuse_maintenance(&name, "reset --recreate")?;
    if !yes {
        return Err(unconfirmed(format!(
            "drop the database `{name}` on {} with everything in it (disconnecting its \
             sessions), create it again empty and apply {} migration(s)",
            database.endpoint,
            migrator.headers().len()
        )));
    }
    database::recreate(database).await?;
    tracing::info!(target: "migrate_cli", database = %database.display, "connecting");
    let mut client = connect::connect(database).await?;
    let result = migrator.up(&mut client, migrate_core::Target::Latest).await;
    let recreated = format!("database `{name}`");
    finish_with(result, out, progress, |report| {
        output::reset_summary(report, Some(&recreated));
    })
}

/// `reset` on the connected database: reverted then applied, or (`recreate`: the
/// `--schema` of `reset --recreate`) that schema dropped and created again then applied.
pub(super) async fn reset(
    migrator: &Migrator,
    client: &mut Client,
    database: &Database,
    recreate: Option<&Ident>,
    yes: bool,
    out: OutputConfig,
    progress: &Progress,
) -> anyhow::Result<()> {
    let name = database.dbname().unwrap_or("?");
    let schema = recreate;
    if !yes {
        let what = match schema {
            Some(schema) => format!(
                "drop the schema `{schema}` of the database `{name}` on {} with everything in \
                 it, create it again empty and apply {} migration(s)",
                database.endpoint,
                migrator.headers().len()
            ),
            None => describe(migrator, client, name, &database.endpoint).await?,
        };
        return Err(unconfirmed(what));
    }
    let (result, recreated) = match schema {
        Some(schema) => (
            migrator.reset_schema(client).await,
            Some(format!("schema `{schema}`")),
        ),
        None => (migrator.reset(client).await, None),
    };
    finish_with(result, out, progress, |report| {
        output::reset_summary(report, recreated.as_deref());
    })
}

/// What a plain reset would do, from the history as it stands (read without the lock;
/// nothing is changed): how many migrations it would revert and apply; or the refusal
/// it would meet, naming the migrations in the way.
async fn describe(
    migrator: &Migrator,
    client: &Client,
    name: &str,
    endpoint: &str,
) -> anyhow::Result<String> {
    let status = migrator.status(client).await?;
    let recorded: Vec<_> = status
        .iter()
        .filter(|s| !matches!(s.state, MigrationState::Pending))
        .collect();
    let what = if recorded.is_empty() {
        format!(
            "apply the {} migration(s) to the database `{name}` on {endpoint} (none is \
             applied yet)",
            migrator.headers().len()
        )
    } else {
        format!(
            "revert the {} applied migration(s) of the database `{name}` on {endpoint}, \
             newest first, then apply {} migration(s)",
            recorded.len(),
            migrator.headers().len()
        )
    };
    let blocking: Vec<String> = recorded
        .iter()
        .filter(|s| {
            matches!(s.state, MigrationState::Missing | MigrationState::Modified)
                || migrator
                    .headers()
                    .iter()
                    .any(|h| h.id == s.id && !h.reversible)
        })
        .map(|s| format!("{} {}", migrate_core::DisplayId(s.id), s.name))
        .collect();
    if !blocking.is_empty() {
        return Err(usage(format!(
            "reset would refuse: it cannot revert {} (irreversible, missing from the code or \
             modified since it ran); nothing was changed\nhint: `migrate reset --recreate \
             --yes` drops and recreates the database (with --schema S, only that schema) and \
             needs no down",
            blocking.join(", ")
        )));
    }
    Ok(what)
}

/// The refusal of an unconfirmed reset: what it would do, and how to confirm.
fn unconfirmed(what: String) -> anyhow::Error {
    usage(format!(
        "reset would {what}; nothing was changed\nhint: run again with --yes to do it"
    ))
}
