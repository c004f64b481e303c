//! The command line's grammar (clap derive). Values are checked here only as far as
//! their syntax goes; [`crate::config`] turns them into a validated configuration.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Database: --database-url, else DIRECT_URL, else DATABASE_URL (a .env file is read when
present). Migrations need a direct connection, not one through a pooler: hosts that give
a pooled DATABASE_URL also give a DIRECT_URL. sslmode (disable, prefer, require,
verify-ca, verify-full) and sslrootcert work in the URL or key=value form.

Exit codes: 0 success, 1 failure (database, migration, refusal), 2 usage error.";

/// Code-first PostgreSQL migrations: apply, revert and inspect this program's migrations.
#[derive(Debug, Parser)]
#[command(
    name = "migrate",
    version,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options that every command accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// PostgreSQL URL (or key=value string); default: DIRECT_URL, else DATABASE_URL
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    pub(crate) database_url: Option<String>,

    /// Schema of the history table, first on the search_path of the migrations
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "NAME"
    )]
    pub(crate) schema: Option<String>,

    /// Name of the history table
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "NAME",
        default_value = "migrate_history"
    )]
    pub(crate) history_table: String,

    /// Give up connecting after this long (e.g. 10s)
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATION", default_value = "10s", value_parser = crate::duration::parse)]
    pub(crate) connect_timeout: Duration,

    /// lock_timeout ladder for transactional migrations, one rung per attempt
    /// (e.g. 100ms,500ms,1s,2s,5s; 0 disables it)
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATIONS", value_parser = crate::duration::parse_list)]
    pub(crate) lock_timeout: Option<Vec<Duration>>,

    /// statement_timeout for transactional migrations (default: the server's)
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATION", value_parser = crate::duration::parse)]
    pub(crate) statement_timeout: Option<Duration>,

    /// How long to wait for another migration run to release the run lock
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATION", default_value = "60s", value_parser = crate::duration::parse)]
    pub(crate) lock_wait: Duration,

    /// When to use colors (NO_COLOR is honoured under auto)
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub(crate) color: ColorChoice,

    /// Log what happens to stderr (-v: info, -vv: debug)
    #[arg(short, long, global = true, help_heading = "Global options", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// When to color the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    // On a terminal, unless NO_COLOR is set.
    Auto,
    // Always.
    Always,
    // Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Apply pending migrations, oldest first
    Up(UpArgs),
    /// Revert applied migrations, newest first (one by default)
    Down(DownArgs),
    /// Revert the newest applied migration and apply it again
    Redo(RedoArgs),
    /// Show every migration with its state: applied, pending, modified or missing
    Status(StatusArgs),
    /// Print the SQL of one migration (no database needed)
    Sql(SqlArgs),
    /// Create a migration file with a fresh timestamp id and register it
    New(NewArgs),
    /// Record migrations up to ID as applied without running them (adopt an existing
    /// database)
    Baseline(BaselineArgs),
    /// Accept the current checksums of applied migrations that were modified on purpose
    Repair(RepairArgs),
    /// Prove on a scratch database that every down undoes its up
    Verify(VerifyArgs),
    /// Print the database's schema as stable text, or check it against a saved file
    Schema(SchemaArgs),
    /// Check every migration against the online-safety rules (no database needed)
    Lint(LintArgs),
}

/// `up`.
#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Apply pending migrations up to and including this id
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) to: Option<i64>,

    /// Print the SQL that would run, with its transaction boundaries, and change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `down`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("range").multiple(false))]
pub(crate) struct DownArgs {
    /// Revert the newest N applied migrations
    #[arg(long, value_name = "N", group = "range", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) steps: Option<u32>,

    /// Revert every applied migration newer than this id (it stays applied)
    #[arg(long, value_name = "ID", group = "range", value_parser = parse_id)]
    pub(crate) to: Option<i64>,

    /// Revert every applied migration
    #[arg(long, group = "range")]
    pub(crate) all: bool,

    /// Print the SQL that would run, with its transaction boundaries, and change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `redo`.
#[derive(Debug, Args)]
pub(crate) struct RedoArgs {
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print an object with a `migrations` array (id, name, state, applied_at...)
    #[arg(long)]
    pub(crate) json: bool,
}

/// `sql`.
#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    /// The migration's id (20261121_090000 or 20261121090000)
    #[arg(value_name = "ID", value_parser = parse_id)]
    pub(crate) id: i64,

    /// Print the way down instead of the way up
    #[arg(long)]
    pub(crate) down: bool,
}

/// `new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The migration's name, e.g. add_comments (made snake_case; must be a Rust identifier)
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// The migrations directory (default: src/migrations of the package)
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

/// `baseline`.
#[derive(Debug, Args)]
pub(crate) struct BaselineArgs {
    /// The newest migration to record as applied
    #[arg(value_name = "ID", value_parser = parse_id)]
    pub(crate) id: i64,
}

/// `repair`.
#[derive(Debug, Args)]
pub(crate) struct RepairArgs {}

/// `verify`.
#[derive(Debug, Args)]
#[command(
    long_about = "Prove on a scratch database that every down undoes its up.\n\n\
    A scratch database is created on the server (the database URL's, or --scratch-url's) \
    and dropped afterwards, also on failure and Ctrl-C. For each migration in order: \
    snapshot the schema, apply it, snapshot, revert it, compare with the first snapshot, \
    apply it again and compare with the second. Irreversible migrations are applied and \
    reported as skipped. Stops at the first mismatch, printing which objects differ."
)]
pub(crate) struct VerifyArgs {
    /// Create the scratch database on the server at this URL instead
    #[arg(long, value_name = "URL")]
    pub(crate) scratch_url: Option<String>,
}

/// `schema`.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Compare the database with this file (written by `migrate schema`); exit 1 with a
    /// diff when they differ
    #[arg(long, value_name = "FILE")]
    pub(crate) check: Option<PathBuf>,
}

/// `lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Print the findings as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// A migration id: digits, with `_` allowed as a separator (`20261121_090000`).
pub(crate) fn parse_id(text: &str) -> Result<i64, String> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not a migration id (digits, e.g. 20261121_090000)"
        ));
    }
    digits
        .parse()
        .map_err(|_| format!("`{text}` is too large for a migration id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn ids_take_underscores() {
        assert_eq!(parse_id("20261121_090000"), Ok(20261121090000));
        assert_eq!(parse_id("20261121090000"), Ok(20261121090000));
        assert!(parse_id("abc").is_err());
        assert!(parse_id("_").is_err());
        assert!(parse_id("-1").is_err());
    }

    #[test]
    fn down_ranges_exclude_each_other() {
        assert!(Cli::try_parse_from(["migrate", "down", "--steps", "2", "--all"]).is_err());
        assert!(Cli::try_parse_from(["migrate", "down", "--steps", "0"]).is_err());
        assert!(Cli::try_parse_from(["migrate", "down", "--to", "1"]).is_ok());
    }
}
