//! The commands: parse, validate, then call migrate-core and hand its data to
//! [`crate::output`]. No business logic lives here: planning, locking, reconciling and
//! running are the core's.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use migrate_core::verify::ScratchConnector;
use migrate_core::{
    MigrationPlan, Migrations, Migrator, Report, RunDirection, ScratchTarget, Snapshot,
    SnapshotOptions, VerifyOptions,
};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, LevelFilter, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;

use crate::cli::Cli;
use crate::config::{Action, Config, Online, OnlineCommand, OutputConfig};
use crate::database::Database;
use crate::exit::{self, usage};
use crate::progress::Progress;
use crate::{Project, connect, conninfo, env_file, output, scaffold};

/// Parses, validates and runs; prints errors; returns the exit code.
pub(crate) fn main<I, T>(args: I, project: &Project) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Before anything can echo them (clap's errors quote arguments): the passwords in
    // every argument, whatever it turns out to be.
    for arg in &args {
        output::add_secrets(conninfo::secrets(&arg.to_string_lossy()));
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            output::clap_error(&error);
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(exit::USAGE));
        }
    };
    output::set_color(cli.global.color);
    let json = cli.command.json();
    let env_file = env_file::load();
    // The URLs a database command may read (a command without one never shows them,
    // and masking their password would mask it in, say, the SQL `sql` prints).
    if cli.command.needs_database() {
        for key in ["DIRECT_URL", "DATABASE_URL"] {
            if let Ok(value) = std::env::var(key) {
                output::add_secrets(conninfo::secrets(&value));
            }
        }
    }
    if let Err(error) = env_file {
        // The file is read for the database's URL: without it, this command could only
        // fail later with a vaguer message (or use another database).
        if cli.command.needs_database() && cli.global.database_url.is_none() {
            return fail(&usage(error.to_string()), json);
        }
        output::warning(&error.to_string());
    }
    let config = match Config::new(cli, project, |key| std::env::var(key).ok()) {
        Ok(config) => config,
        Err(error) => return fail(&error, json),
    };
    match execute(config) {
        Ok(code) => ExitCode::from(code),
        Err(error) => fail(&error, json),
    }
}

/// Prints the error (also as JSON on stdout under `--json`, unless the command's
/// JSON already carries it) and returns its exit code.
fn fail(error: &anyhow::Error, json: bool) -> ExitCode {
    if json && !output::json_printed() {
        output::failure_json(error);
    }
    output::error(error);
    exit::code_for(error)
}

/// Runs the validated command; the exit code of a success (`status --exit-code` may
/// succeed with [`exit::NEEDS_ACTION`]).
fn execute(config: Config) -> anyhow::Result<u8> {
    match config.action {
        Action::Sql { id, down } => sql(id, down).map(|()| exit::SUCCESS),
        Action::New { name, dir } => new(&name, &dir).map(|()| exit::SUCCESS),
        Action::Lint => lint(config.output).map(|()| exit::SUCCESS),
        Action::Online(online) => {
            output::add_secrets(online.database.password.clone());
            let progress = Progress::new(
                !config.output.json,
                output::stderr_is_terminal() && config.output.verbose == 0,
            );
            install_logging(config.output, &progress);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let ticker = progress.ticker();
            let result = runtime.block_on(run_online(*online, config.output, &progress));
            ticker.stop();
            progress.clear();
            result
        }
    }
}

/// Logs to stderr (`-v`: info, `-vv`: debug, `-vvv`: trace; warnings of the runner
/// always), beside the progress layer.
fn install_logging(output: OutputConfig, progress: &Progress) {
    let targets = match output.verbose {
        0 => Targets::new().with_target("migrate_core", LevelFilter::WARN),
        1 => Targets::new()
            .with_target("migrate_core", LevelFilter::INFO)
            .with_target("migrate_cli", LevelFilter::INFO),
        2 => Targets::new().with_default(LevelFilter::DEBUG),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    // Without -v, errors are not logged: the error message says it all.
    let quiet = output.verbose == 0;
    let filter = targets.and(filter_fn(move |meta| {
        !(quiet && *meta.level() == tracing::Level::ERROR)
    }));
    let progress_for_logs = progress.clone();
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(output::stderr_colored())
        .with_target(output.verbose >= 2)
        .without_time()
        .with_writer(move || LogWriter(progress_for_logs.clone()))
        .with_filter(filter);
    let subscriber = tracing_subscriber::registry()
        .with(progress.clone())
        .with(fmt);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Writes log lines through [`output::log`], erasing the indicator first.
struct LogWriter(Progress);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.clear();
        output::log(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The registered migrations.
fn registered() -> anyhow::Result<Migrations> {
    Ok(Migrations::registered()?)
}

/// `sql ID [--down]`.
fn sql(id: i64, down: bool) -> anyhow::Result<()> {
    let migrations = registered()?;
    let registration = migrations.get(id).ok_or_else(|| {
        usage(format!(
            "no migration has the id {}: `migrate status` lists them",
            migrate_core::DisplayId(id)
        ))
    })?;
    let plan = MigrationPlan::new(registration)?;
    if down {
        let dir = plan
            .down
            .as_ref()
            .ok_or_else(|| migrate_core::Error::Irreversible {
                id: plan.id,
                name: plan.name.to_owned(),
            })?;
        output::sql(&plan, RunDirection::Down, dir);
    } else {
        output::sql(&plan, RunDirection::Up, &plan.up);
    }
    Ok(())
}

/// `new NAME`.
fn new(name: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let migrations = Migrations::registered().ok();
    let id = scaffold::id_for(jiff::Timestamp::now());
    let made = scaffold::create(dir, name, id, |id| {
        migrations.as_ref().is_some_and(|m| m.get(id).is_some())
    })
    .map_err(|e| {
        // A name clash or a missing directory is about what was asked.
        usage(format!("{e:#}"))
    })?;
    output::scaffolded(&made);
    Ok(())
}

/// `lint`: every rule over every migration; fails on a finding not acknowledged.
fn lint(out: OutputConfig) -> anyhow::Result<()> {
    let findings = migrate_core::lint::lint(&registered()?)?;
    output::lint(&findings, out.json);
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    if blocking > 0 {
        anyhow::bail!(
            "{blocking} finding(s) block `up`: use the safe form, or acknowledge the rule at \
             that step, right after it: `m.allow(Rule::..., \"why it is fine\")`"
        );
    }
    Ok(())
}

/// `verify`: on a scratch database, every down undoes its up. Ctrl-C drops the
/// verification, and with it the scratch database.
async fn verify(
    migrator: &Migrator,
    database: &Database,
    scratch: Option<&Database>,
) -> anyhow::Result<()> {
    let server = scratch.unwrap_or(database);
    let tls = server.clone();
    let connector = ScratchConnector::new(move |config| {
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
    });
    let options = VerifyOptions::new()
        .snapshot(SnapshotOptions::for_migrator(migrator.options()))
        .connector(connector);
    tracing::info!(target: "migrate_cli", server = %server.display, "verifying on a scratch database");
    let target = ScratchTarget::Server(server.config.clone());
    let report = tokio::select! {
        report = migrate_core::verify(migrator, target, &options) => report?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted: the scratch database was dropped"),
    };
    output::verify(&report);
    if !report.is_success() {
        anyhow::bail!("verify failed: a down does not undo its up (see above)");
    }
    Ok(())
}

/// `schema [--check FILE]`.
async fn schema(
    migrator: &Migrator,
    client: &mut tokio_postgres::Client,
    check: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let options = SnapshotOptions::for_migrator(migrator.options());
    let current = Snapshot::read(client, &options).await?;
    match check {
        None => {
            output::schema(&current.to_text());
            Ok(())
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))
                .map_err(|e| usage(format!("{e:#}")))?;
            let expected = Snapshot::parse(&text)
                .with_context(|| format!("reading the snapshot in {}", path.display()))?;
            expected
                .check(&current)
                .with_context(|| format!("the database has drifted from {}", path.display()))?;
            output::schema_matches(path, current.len());
            Ok(())
        }
    }
}

/// The commands that work on the database; the exit code of a success.
async fn run_online(online: Online, out: OutputConfig, progress: &Progress) -> anyhow::Result<u8> {
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
    } = online;
    let migrations = registered()?;
    let options = options.blocker_monitor(connect::connector(&database));
    // Recording and hashing every migration takes a few milliseconds: done on another
    // thread while the connection is set up.
    let recording = std::thread::spawn(move || Migrator::new(&migrations, options));
    let joined = |recording: std::thread::JoinHandle<_>| -> anyhow::Result<Migrator> {
        let migrator = recording
            .join()
            .map_err(|_| anyhow::anyhow!("a migration function panicked while being recorded"))?;
        Ok(migrator?)
    };
    if let OnlineCommand::Verify { scratch } = &command {
        // The target database is not touched: it need not even exist.
        let migrator = joined(recording)?;
        return verify(&migrator, &database, scratch.as_deref())
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
        OnlineCommand::Schema { check } => schema(&migrator, &mut client, check.as_deref()).await,
        OnlineCommand::Verify { .. } => Ok(()),
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
    progress.clear();
    match result {
        Ok(report) => {
            if out.json {
                output::report_json(&report, None);
            } else {
                output::report(&report, |id, d| progress.printed(id, d));
                output::summary(&report, nothing);
            }
            Ok(())
        }
        Err(error) => {
            let applied = error.applied().cloned();
            let error = anyhow::Error::new(error);
            if out.json {
                output::report_json(&applied.unwrap_or_default(), Some(&error));
            } else if let Some(applied) = applied {
                output::report(&applied, |id, d| progress.printed(id, d));
            }
            Err(error)
        }
    }
}
