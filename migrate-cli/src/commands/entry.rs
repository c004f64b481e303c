//! The way in: the arguments parsed (every password in them registered for scrubbing
//! first), the `.env` file loaded, the configuration validated, then the command run
//! on the runtime it needs and its error printed with its exit code.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use super::{completions, offline, online};
use crate::cli::Cli;
use crate::config::{Action, Config};
use crate::database::{conninfo, env_file};
use crate::exit::{self, usage};
use crate::output;
use crate::output::progress::Progress;
use crate::project::Project;

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
    if json && !output::json::printed() {
        output::json::failure(error);
    }
    output::error(error);
    exit::code_for(error)
}

/// Runs the validated command; the exit code of a success (`status --exit-code` may
/// succeed with [`exit::NEEDS_ACTION`]).
fn execute(config: Config) -> anyhow::Result<u8> {
    match config.action {
        Action::Sql { id, down } => offline::sql(id, down).map(|()| exit::SUCCESS),
        Action::New { name, dir } => offline::new(&name, &dir).map(|()| exit::SUCCESS),
        Action::Lint => offline::lint(config.output).map(|()| exit::SUCCESS),
        Action::Completions { shell, bin_name } => {
            completions::print(shell, &bin_name);
            Ok(exit::SUCCESS)
        }
        Action::Online(online) => {
            output::add_secrets(online.database.password.clone());
            let progress = Progress::new(
                !config.output.json,
                output::stderr_is_terminal() && config.output.verbose == 0,
            );
            output::install_logging(config.output, &progress);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let ticker = progress.ticker();
            let result = runtime.block_on(online::run_online(*online, config.output, &progress));
            ticker.stop();
            progress.clear();
            result
        }
    }
}
