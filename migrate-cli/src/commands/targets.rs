//! `--schemas` / `--databases`: the command run on every target
//! ([`migrate_core::targets`]), one line per target as it finishes, then a total line
//! (or one JSON document). Exit 1 when a target failed; `status --exit-code` exits 3
//! when a target needs action.

use std::time::{Duration, Instant};

use anyhow::Context;
use migrate_core::targets::{
    DatabaseConnector, FanOut, Outcome, Scope, TargetResult, Tenant, run_each_with,
};
use migrate_core::{MigrationStatus, Migrator, Report};
use tokio_postgres::Client;

use super::offline::registered;
use crate::config::{Online, OnlineCommand, OutputConfig};
use crate::database::{Database, connect};
use crate::exit;
use crate::output::{self, JsonEntry, TargetLine, Totals};

/// Runs the command on every target; the exit code.
pub(super) async fn run_targets(online: Online, out: OutputConfig) -> anyhow::Result<u8> {
    let Online {
        database,
        options,
        targets,
        command,
        ..
    } = online;
    let Some(targets) = targets else {
        return Err(anyhow::anyhow!("no targets were given"));
    };
    let scope = targets.selection.scope();
    let migrations = registered()?;
    // No progress callback: events do not say which target they belong to. The
    // blocker monitor connects to the URL's database: right for its schemas only.
    let options = match scope {
        Scope::Schema => options.blocker_monitor(connect::connector(&database)),
        Scope::Database => options,
    };
    let recording = std::thread::spawn(move || Migrator::new(&migrations, options));
    tracing::info!(target: "migrate_cli", database = %database.display, "connecting");
    let connected = connect::connect(&database).await;
    let migrator = recording
        .join()
        .map_err(|_| anyhow::anyhow!("a migration function panicked while being recorded"))??;
    let client = connected?;
    let flag = match scope {
        Scope::Schema => "--schemas",
        Scope::Database => "--databases",
    };
    let tenants = targets
        .selection
        .resolve(&client)
        .await
        .with_context(|| format!("resolving {flag}"))?;
    drop(client);
    let connector = connector(&database);
    let run = Fan {
        migrator: &migrator,
        tenants: &tenants,
        connector: &connector,
        fan_out: &targets.fan_out,
        out,
        width: tenants.iter().map(|t| t.name.len()).max().unwrap_or(0),
        started: Instant::now(),
    };
    let done = match command {
        OnlineCommand::Up { target, .. } => {
            run.reports("applied", "already up to date", async |m, c| {
                m.up(c, target).await
            })
            .await
        }
        OnlineCommand::Down { target, .. } => {
            run.reports("reverted", "nothing to revert", async |m, c| {
                m.down(c, target).await
            })
            .await
        }
        OnlineCommand::Redo => {
            run.reports("redid", "nothing to redo", async |m, c| m.redo(c).await)
                .await
        }
        OnlineCommand::Baseline { id } => {
            run.reports("applied", "already recorded", async |m, c| {
                m.baseline(c, id).await
            })
            .await
        }
        OnlineCommand::Repair => {
            run.reports("applied", "every checksum matches", async |m, c| {
                m.repair(c).await
            })
            .await
        }
        OnlineCommand::Status { exit_code } => {
            let (failed, needs_action) = run.statuses().await;
            return Ok(if failed {
                exit::FAILURE
            } else if exit_code && needs_action {
                exit::NEEDS_ACTION
            } else {
                exit::SUCCESS
            });
        }
        // Refused by the configuration.
        _ => return Err(anyhow::anyhow!("this command does not run on many targets")),
    };
    Ok(if done { exit::SUCCESS } else { exit::FAILURE })
}

/// A connection per target: the URL's settings (TLS included, and the connect
/// timeout) with the target's database.
fn connector(database: &Database) -> DatabaseConnector {
    let database = database.clone();
    DatabaseConnector::new(move |name| {
        let mut db = database.clone();
        db.config.dbname(name);
        Box::pin(async move {
            let opened = async {
                connect::open(&db)
                    .await
                    .map_err(|source| migrate_core::Error::Postgres {
                        context: "connecting to the target",
                        source,
                    })
            };
            match db.connect_timeout {
                None => opened.await,
                Some(timeout) => tokio::time::timeout(timeout, opened)
                    .await
                    .unwrap_or_else(|_| {
                        Err(migrate_core::Error::ConnectTimeout {
                            database: db.config.get_dbname().unwrap_or_default().to_owned(),
                            timeout,
                        })
                    }),
            }
        })
    })
}

/// One fan-out and how to print it.
struct Fan<'a> {
    migrator: &'a Migrator,
    tenants: &'a [Tenant],
    connector: &'a DatabaseConnector,
    fan_out: &'a FanOut,
    out: OutputConfig,
    width: usize,
    started: Instant,
}

/// The words of a target's line.
#[derive(Clone, Copy)]
struct Words {
    verb: &'static str,
    nothing: &'static str,
    verbose: bool,
}

/// What a target's operation returns, and its line.
trait Shown: Sized {
    fn shown(result: &TargetResult<Self>, words: Words) -> TargetLine<'_>;
}

impl Shown for Report {
    fn shown(result: &TargetResult<Self>, words: Words) -> TargetLine<'_> {
        match result {
            TargetResult::Done(report) => TargetLine::Ran {
                report,
                verb: words.verb,
                nothing: words.nothing,
            },
            TargetResult::Failed(error) => TargetLine::Failed(error),
            TargetResult::Skipped => TargetLine::Skipped,
        }
    }
}

impl Shown for Vec<MigrationStatus> {
    fn shown(result: &TargetResult<Self>, words: Words) -> TargetLine<'_> {
        match result {
            TargetResult::Done(list) => TargetLine::Status {
                list,
                verbose: words.verbose,
            },
            TargetResult::Failed(error) => TargetLine::Failed(error),
            TargetResult::Skipped => TargetLine::Skipped,
        }
    }
}

impl Fan<'_> {
    /// `up`, `down`, `redo`, `baseline`, `repair`; whether every target succeeded.
    async fn reports<F>(&self, verb: &'static str, nothing: &'static str, operation: F) -> bool
    where
        F: AsyncFn(&Migrator, &mut Client) -> Result<Report, migrate_core::Error>,
    {
        let words = Words {
            verb,
            nothing,
            verbose: false,
        };
        let outcomes = self.fan(operation, words).await;
        self.finish(outcomes, None, words)
    }

    /// `status`; whether a target failed, and whether one needs action.
    async fn statuses(&self) -> (bool, bool) {
        let words = Words {
            verb: "",
            nothing: "",
            verbose: self.out.verbose > 0,
        };
        let outcomes = self.fan(async |m, c| m.status(c).await, words).await;
        let needs_action = outcomes
            .iter()
            .filter(|o| match &o.result {
                TargetResult::Done(list) => !list.iter().all(|s| {
                    matches!(
                        s.state,
                        migrate_core::MigrationState::Applied
                            | migrate_core::MigrationState::Baselined
                    )
                }),
                _ => false,
            })
            .count();
        let ok = self.finish(outcomes, Some(needs_action), words);
        (!ok, needs_action > 0)
    }

    /// Runs the operation everywhere, printing a line per target as it finishes
    /// (text output only).
    async fn fan<T: Shown, F>(&self, operation: F, words: Words) -> Vec<Outcome<T>>
    where
        F: AsyncFn(&Migrator, &mut Client) -> Result<T, migrate_core::Error>,
    {
        let json = self.out.json;
        let width = self.width;
        run_each_with(
            self.migrator,
            self.tenants,
            self.connector,
            self.fan_out,
            operation,
            |outcome| {
                if !json {
                    let line = T::shown(&outcome.result, words);
                    output::target_line(&outcome.target.name, width, outcome.elapsed, &line);
                }
            },
        )
        .await
    }

    /// The skipped targets' lines and the total line, or the JSON document; whether
    /// no target failed.
    fn finish<T: Shown>(
        &self,
        outcomes: Vec<Outcome<T>>,
        needs_action: Option<usize>,
        words: Words,
    ) -> bool {
        let wall = self.started.elapsed();
        let mut totals = Totals {
            needs_action,
            ..Totals::default()
        };
        for outcome in &outcomes {
            match outcome.result {
                TargetResult::Done(_) => totals.ok += 1,
                TargetResult::Failed(_) => totals.failed += 1,
                TargetResult::Skipped => totals.skipped += 1,
            }
        }
        if self.out.json {
            // The failures as `anyhow` errors, for the chain of the JSON's `error`.
            let mut errors = Vec::new();
            let mut rest = Vec::new();
            for outcome in outcomes {
                match outcome.result {
                    TargetResult::Failed(error) => {
                        errors.push(anyhow::Error::new(error));
                        rest.push((outcome.target, outcome.elapsed, None));
                    }
                    result => rest.push((outcome.target, outcome.elapsed, Some(result))),
                }
            }
            let mut failures = errors.iter();
            let entries: Vec<JsonEntry<'_>> = rest
                .iter()
                .map(|(target, elapsed, result)| match result {
                    Some(result) => JsonEntry {
                        target,
                        elapsed: *elapsed,
                        line: T::shown(result, words),
                        error: None,
                    },
                    None => {
                        let error = failures.next();
                        JsonEntry {
                            target,
                            elapsed: *elapsed,
                            line: match error {
                                Some(error) => TargetLine::Failed(error.as_ref()),
                                None => TargetLine::Skipped,
                            },
                            error,
                        }
                    }
                })
                .collect();
            output::targets_json(
                self.tenants.first().map_or(Scope::Schema, |t| t.scope),
                self.fan_out.jobs_limit(),
                self.fan_out.is_fail_fast(),
                &entries,
                &totals,
                wall,
            );
        } else {
            for outcome in outcomes.iter().filter(|o| o.skipped()) {
                output::target_line(
                    &outcome.target.name,
                    self.width,
                    Duration::ZERO,
                    &TargetLine::Skipped,
                );
            }
            output::targets_total(&totals, wall);
        }
        totals.failed == 0
    }
}
