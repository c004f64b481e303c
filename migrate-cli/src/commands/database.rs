//! `database create | drop`, and the drop-and-create of `reset --recreate`: statements
//! about the database URL's database, sent over a connection to a maintenance database
//! of the same server (`postgres`, else `template1`), with the URL's user, password and
//! TLS settings.

use anyhow::Context;
use migrate_core::Ident;
use migrate_core::render::quote_ident;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::config::{DatabaseAction, OutputConfig};
use crate::database::{Database, connect};
use crate::exit::usage;
use crate::output::{self, DatabaseOutcome};

/// The maintenance databases, in the order they are tried (libpq's tools do the same).
const MAINTENANCE: [&str; 2] = ["postgres", "template1"];

/// `database create` or `database drop`.
pub(super) async fn run(
    database: &Database,
    action: DatabaseAction,
    out: OutputConfig,
) -> anyhow::Result<()> {
    let name = target_name(database)?;
    let outcome = match action {
        DatabaseAction::Create => {
            let admin = Maintenance::connect(database, &name).await?;
            if admin.create(&name).await? {
                DatabaseOutcome::Created
            } else {
                DatabaseOutcome::Exists
            }
        }
        DatabaseAction::Drop { yes, force } => {
            refuse_maintenance(&name, "database drop")?;
            if !yes {
                return Err(usage(format!(
                    "database drop would drop the database `{name}` on {} with everything in \
                     it{}; nothing was changed\nhint: run again with --yes to drop it",
                    database.endpoint,
                    if force {
                        ", disconnecting its sessions"
                    } else {
                        ""
                    }
                )));
            }
            let admin = Maintenance::connect(database, &name).await?;
            match admin.drop(&name, force).await? {
                Some(disconnected) => DatabaseOutcome::Dropped { disconnected },
                None => DatabaseOutcome::Missing,
            }
        }
    };
    output::database(outcome, &name, &database.endpoint, out.json);
    Ok(())
}

/// `reset --recreate`: the database dropped (its sessions disconnected) and created
/// again, empty.
pub(super) async fn recreate(database: &Database) -> anyhow::Result<()> {
    let name = target_name(database)?;
    refuse_maintenance(&name, "reset --recreate")?;
    let admin = Maintenance::connect(database, &name).await?;
    admin.drop(&name, true).await?;
    admin.create(&name).await?;
    Ok(())
}

/// The database the URL names, checked as an identifier.
pub(super) fn target_name(database: &Database) -> anyhow::Result<String> {
    let name = database.dbname().ok_or_else(|| {
        usage(format!(
            "the connection string {} names no database",
            database.display
        ))
    })?;
    Ident::new(name)
        .check()
        .map_err(|e| usage(format!("database name `{name}`: {e}")))?;
    Ok(name.to_owned())
}

/// Refuses to drop a database this command connects to, or a template.
pub(super) fn refuse_maintenance(name: &str, command: &str) -> anyhow::Result<()> {
    if MAINTENANCE.contains(&name) || name == "template0" {
        return Err(usage(format!(
            "{command} refuses to drop `{name}`: it is the maintenance database this command \
             connects to (or a template)\nhint: point the database URL at your application's \
             database (e.g. postgres://user@host/my_app_dev)"
        )));
    }
    Ok(())
}

/// A connection to a maintenance database of the target's server.
struct Maintenance {
    client: Client,
}

impl Maintenance {
    /// Connects to `postgres`, else (when it does not exist) to `template1`; never to
    /// `target` itself.
    async fn connect(database: &Database, target: &str) -> anyhow::Result<Self> {
        let mut last = None;
        for name in MAINTENANCE.iter().filter(|n| **n != target) {
            let admin = database.with_dbname(name);
            tracing::info!(target: "migrate_cli", database = %admin.display, "connecting to the maintenance database");
            match connect::connect(&admin).await {
                Ok(client) => return Ok(Self { client }),
                Err(error) if missing_database(&error) => last = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last
            .unwrap_or_else(|| anyhow::anyhow!("no maintenance database to connect to"))
            .context(format!(
                "no maintenance database (`postgres` or `template1`) on {}",
                database.endpoint
            )))
    }

    /// Whether the database exists.
    async fn exists(&self, name: &str) -> anyhow::Result<bool> {
        let row = self
            .client
            .query_typed_one(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                &[(&name, Type::TEXT)],
            )
            .await
            .context("looking for the database")?;
        row.try_get(0).context("looking for the database")
    }

    /// `CREATE DATABASE`; `Ok(false)` when it exists already.
    async fn create(&self, name: &str) -> anyhow::Result<bool> {
        if self.exists(name).await? {
            return Ok(false);
        }
        let sql = format!("CREATE DATABASE {}", quote_ident(&Ident::new(name)));
        match self.client.batch_execute(&sql).await {
            Ok(()) => Ok(true),
            // Created by someone else meanwhile.
            Err(error) if error.code() == Some(&SqlState::DUPLICATE_DATABASE) => Ok(false),
            Err(error) => Err(error).with_context(|| format!("creating the database `{name}`")),
        }
    }

    /// `DROP DATABASE`, with `WITH (FORCE)` when asked; the number of sessions
    /// disconnected, or `None` when the database did not exist.
    async fn drop(&self, name: &str, force: bool) -> anyhow::Result<Option<i64>> {
        if !self.exists(name).await? {
            return Ok(None);
        }
        let sessions: i64 = self
            .client
            .query_typed_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                &[(&name, Type::TEXT)],
            )
            .await
            .and_then(|row| row.try_get(0))
            .context("counting the database's sessions")?;
        let mut sql = format!("DROP DATABASE IF EXISTS {}", quote_ident(&Ident::new(name)));
        if force {
            sql.push_str(" WITH (FORCE)");
        }
        match self.client.batch_execute(&sql).await {
            Ok(()) => Ok(Some(if force { sessions } else { 0 })),
            Err(error) if error.code() == Some(&SqlState::OBJECT_IN_USE) => Err(error)
                .with_context(|| {
                    format!(
                        "dropping the database `{name}`\nhint: --force disconnects its \
                         sessions first (DROP DATABASE .. WITH (FORCE))"
                    )
                }),
            Err(error) if force && error.code() == Some(&SqlState::SYNTAX_ERROR) => Err(error)
                .with_context(|| {
                    format!(
                        "dropping the database `{name}` WITH (FORCE)\nhint: FORCE needs \
                         PostgreSQL 13 or newer; end the sessions yourself and drop without \
                         --force"
                    )
                }),
            Err(error) => Err(error).with_context(|| format!("dropping the database `{name}`")),
        }
    }
}

/// Whether connecting failed because the database does not exist (`3D000`).
fn missing_database(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<tokio_postgres::Error>()
            .is_some_and(|e| e.code() == Some(&SqlState::INVALID_CATALOG_NAME))
    })
}
