//! The commands that work on a database: connect (while the migrations are recorded
//! on another thread), then `status`, `up`, `down`, `redo`, `baseline`, `repair`,
//! `reset`, `schema` or `verify` (or `database create | drop`, about the database itself), and print what the run did (also what a failed run did before
//! failing).

use anyhow::Context;
use migrate_core::{Migrator, Report};

use super::offline::registered;
use super::{database, diff, reset, schema, verify};
use crate::config::{Online, OnlineCommand, OutputConfig};
use crate::database::connect;
use crate::exit;
use crate::output;
use crate::output::progress::Progress;

/// The commands that work on the database; the exit code of a success.
pub(super) async fn run_online(
    online: Online,
    out: OutputConfig,
    progress: &Progress,
) -> anyhow::Result<u8> {
    if online.targets.is_some() {
        return super::targets::run_targets(online, out).await;
    }
    let status = matches!(online.command, OnlineCommand::Status { .. });
    let needs_action = run_command(online, out, progress).await?;
    Ok(if status && needs_action {
        exit::NEEDS_ACTION
    } else {
        exit::SUCCESS
    })
}

/// Runs one command on the database; `Ok(true)` when `status --exit-code` found
/// migrations to act on.
async fn run_command(
    online: Online,
    out: OutputConfig,
    progress: &Progress,
) -> anyhow::Result<bool> {
    let Online {
        database,
        options,
        search_path,
        command,
        ..
    } = online;
    if let OnlineCommand::Database(action) = command {
        // About the database itself: the migrations do not matter.
        return database::run(&database, action, out).await.map(|()| false);
    }
    // `diff` can write a program's first migration: no migrations is no error there.
    let migrations = if matches!(command, OnlineCommand::Diff(_)) {
        migrate_core::Migrations::linked()?
    } else {
        registered()?
    };
    let follow = progress.clone();
    // `diff` replays the migrations on a scratch database: no run lines for that.
    let options = if matches!(command, OnlineCommand::Diff(_)) {
        options
    } else {
        options
            .blocker_monitor(connect::connector(&database))
            .on_event(move |event| follow.on_event(event))
    };
    // Recording and hashing every migration takes a few milliseconds: done on another
    // thread while the connection is set up.
    let recording = std::thread::spawn(move || Migrator::new(&migrations, options));
    let joined = |recording: std::thread::JoinHandle<_>| -> anyhow::Result<Migrator> {
        let migrator = recording
            .join()
            .map_err(|_| anyhow::anyhow!("a migration function panicked while being recorded"))?;
        Ok(migrator?)
    };
    if let OnlineCommand::Verify {
        scratch,
        keep_going,
    } = &command
    {
        // The target database is not touched: it need not even exist.
        let migrator = joined(recording)?;
        return verify::verify(&migrator, &database, scratch.as_deref(), *keep_going)
            .await
            .map(|()| false);
    }
    if let OnlineCommand::Diff(diff) = &command {
        // The target is only read; the migrations run on scratch databases.
        let migrator = joined(recording)?;
        return diff::diff(&migrator, &database, diff).await.map(|()| false);
    }
    if let OnlineCommand::Reset {
        yes,
        recreate: true,
    } = command
        && search_path.is_none()
    {
        // The database is dropped and created again: it need not exist.
        let migrator = joined(recording)?;
        return reset::recreate_database(&migrator, &database, yes, out, progress)
            .await
            .map(|()| false);
    }
    tracing::info!(target: "migrate_cli", database = %database.display, "connecting");
    let connected = connect::connect(&database).await;
    // An invalid migration is reported before an unreachable database.
    let migrator = joined(recording)?;
    let mut client = connected?;
    if let Some(schema) = &search_path {
        let sql = format!(
            "SET search_path TO {}, public",
            migrate_core::render::quote_ident(schema)
        );
        client
            .batch_execute(&sql)
            .await
            .context("setting the search_path")?;
    }
    let done = match command {
        OnlineCommand::Status { exit_code } => {
            let list = migrator.status(&client).await?;
            let clean = output::status(&list, out.json);
            return Ok(exit_code && !clean);
        }
        OnlineCommand::Up {
            target,
            dry_run: true,
        } => {
            let planned = migrator.plan_up(&client, target).await?;
            output::dry_run(&migrator, &planned, out.json);
            Ok(())
        }
        OnlineCommand::Down {
            target,
            dry_run: true,
        } => {
            let planned = migrator.plan_down(&client, target).await?;
            output::dry_run(&migrator, &planned, out.json);
            Ok(())
        }
        OnlineCommand::Up {
            target,
            dry_run: false,
        } => {
            let result = migrator.up(&mut client, target).await;
            finish(result, out, progress, "already up to date")
        }
        OnlineCommand::Down {
            target,
            dry_run: false,
        } => {
            let result = migrator.down(&mut client, target).await;
            finish(result, out, progress, "nothing to revert")
        }
        OnlineCommand::Redo => {
            let result = migrator.redo(&mut client).await;
            finish(
                result,
                out,
                progress,
                "nothing to redo: no migration is applied",
            )
        }
        OnlineCommand::Baseline { id } => {
            let result = migrator.baseline(&mut client, id).await;
            finish(
                result,
                out,
                progress,
                "nothing to baseline: already recorded",
            )
        }
        OnlineCommand::Schema { check } => {
            schema::schema(&migrator, &mut client, check.as_deref()).await
        }
        OnlineCommand::Reset { yes, recreate } => {
            let schema = search_path.as_ref().filter(|_| recreate);
            reset::reset(
                &migrator,
                &mut client,
                &database,
                schema,
                yes,
                out,
                progress,
            )
            .await
        }
        OnlineCommand::Verify { .. } | OnlineCommand::Diff(_) | OnlineCommand::Database(_) => {
            Ok(())
        }
        OnlineCommand::Repair => {
            let result = migrator.repair(&mut client).await;
            finish(
                result,
                out,
                progress,
                "nothing to repair: every checksum matches",
            )
        }
    };
    done.map(|()| false)
}

/// Prints what a run did (also what a failed run did before failing).
fn finish(
    result: Result<Report, migrate_core::Error>,
    out: OutputConfig,
    progress: &Progress,
    nothing: &str,
) -> anyhow::Result<()> {
    finish_with(result, out, progress, |report| {
        output::summary(report, nothing)
    })
}

/// [`finish`] with another summary line.
pub(super) fn finish_with(
    result: Result<Report, migrate_core::Error>,
    out: OutputConfig,
    progress: &Progress,
    summary: impl FnOnce(&Report),
) -> anyhow::Result<()> {
    progress.clear();
    match result {
        Ok(report) => {
            if out.json {
                output::json::report(&report, None);
            } else {
                output::report(&report, |id, d| progress.printed(id, d));
                summary(&report);
            }
            Ok(())
        }
        Err(error) => {
            let applied = error.applied().cloned();
            let error = anyhow::Error::new(error);
            if out.json {
                output::json::report(&applied.unwrap_or_default(), Some(&error));
            } else if let Some(applied) = applied {
                output::report(&applied, |id, d| progress.printed(id, d));
            }
            Err(error)
        }
    }
}
