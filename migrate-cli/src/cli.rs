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

Exit codes: 0 success, 1 failure (database, migration, refusal), 2 usage error (also
`reset` or `database drop` without --yes), 3 `status --exit-code` found migrations to act on.";

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

    /// Give up connecting after this long (e.g. 10s; 0: no limit, as in libpq)
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATION", default_value = "10s", value_parser = crate::duration::parse)]
    pub(crate) connect_timeout: Duration,

    /// lock_timeout ladder for transactional migrations, one rung per attempt
    /// (e.g. 100ms,500ms,1s,2s,5s; 0 disables it)
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATIONS", value_parser = crate::duration::parse, value_delimiter = ',', num_args = 1)]
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
    /// Run on each of these schemas of the database, each with its history table in
    /// it: names and patterns, comma separated (tenant_*,acme; `*` any run, `?` one
    /// character). A name that does not exist yet is a new tenant: its schema is created.
    /// For up, down, redo, baseline, repair and status
    #[arg(long, global = true, help_heading = "Targets", value_name = "LIST", group = "targets", conflicts_with_all = ["schema", "databases"])]
    pub(crate) schemas: Option<String>,

    /// Run on each of these databases of the URL's server (names and patterns, comma
    /// separated; the URL's database is the one that lists them; a name must exist)
    #[arg(
        long,
        global = true,
        help_heading = "Targets",
        value_name = "LIST",
        group = "targets"
    )]
    pub(crate) databases: Option<String>,

    /// With --schemas or --databases: how many targets run at once, each on its own
    /// connection
    #[arg(long, global = true, help_heading = "Targets", value_name = "N", default_value = "1", requires = "targets", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) jobs: u16,

    /// With --schemas or --databases: after a target fails, start no other (those
    /// running finish; the rest are reported as skipped)
    #[arg(long, global = true, help_heading = "Targets", requires = "targets")]
    pub(crate) fail_fast: bool,
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
    #[command(
        long_about = "Prove on a scratch database that every down undoes its up.\n\n\
        A scratch database is created on the server (the database URL's, or --scratch-url's) \
        and dropped afterwards, also on failure and Ctrl-C. For each migration in order: \
        snapshot the schema, apply it, snapshot, revert it, compare with the first snapshot, \
        apply it again and compare with the second. Irreversible migrations are applied and \
        reported as skipped. Stops at the first mismatch, printing which objects differ; with \
        --keep-going, rebuilds the scratch database past a failed down and checks the rest."
    )]
    Verify(VerifyArgs),
    /// Generate the next migration, as typed Rust, from a changed database or schema file
    #[command(
        long_about = "Generate the next migration, as typed Rust, from a changed database or \
        schema file.\n\n\
        The \"from\" schema is what replaying this program's migrations produces on a scratch \
        database (created on the database URL's server, or --scratch-url's, and dropped \
        afterwards). The \"to\" schema is the database URL's own database (a development \
        database changed by hand or by another tool; only read), or --to-url's, or the \
        declarative SQL of --to-sql applied to a second scratch database. The catalogs are \
        compared and the migration is written like `new` writes one, in the DSL: drops carry \
        the old definition (reversible by construction), indexes on existing tables are built \
        concurrently, foreign keys and checks on existing tables are added NOT VALID and \
        validated. What the DSL cannot express is raw SQL without a down, which does not \
        compile until you write its inverse: review it. Renames are never guessed: give them \
        with --rename, or answer the prompt on a terminal. Then the migration is applied to \
        the replayed database, which must then match the target, and reverted and applied \
        again. With --check, nothing is written: exit 1 when the target differs."
    )]
    #[command(group = clap::ArgGroup::new("target").multiple(false))]
    Diff(DiffArgs),
    /// Print the database's schema as stable text, or check it against a saved file
    Schema(SchemaArgs),
    /// Check every migration against the online-safety rules (no database needed)
    Lint(LintArgs),
    /// Revert every applied migration, then apply every migration: start again, in
    /// development (needs --yes)
    #[command(
        long_about = "Revert every applied migration, then apply every migration: start again, \
        in development.\n\n\
        One run under the run lock: every applied migration is reverted with its down, newest \
        first, then every migration is applied, oldest first. Refused before anything changes \
        when an applied migration cannot be reverted faithfully (irreversible, missing from the \
        code, or modified since it ran), naming them all. With --recreate, nothing is \
        reverted: the database URL's database is dropped (disconnecting its sessions) and \
        created again empty, through the maintenance database `postgres` (or `template1`); \
        with --schema S, only schema S is dropped and created again. Then every migration is \
        applied. Without --yes, says what it would do and changes nothing (exit 2)."
    )]
    Reset(ResetArgs),
    /// Create or drop the database URL's database
    #[command(subcommand)]
    Database(DatabaseCommand),
    /// Print a shell completion script on stdout (no database needed)
    #[command(
        long_about = "Print a shell completion script on stdout (no database needed).\n\n\
        The script completes the commands and options of the program as installed under the \
        name `migrate` (or --bin-name's), e.g. by `cargo install --path . --bin migrate`:\n\n  \
        bash:       migrate completions bash > ~/.local/share/bash-completion/completions/migrate\n  \
        zsh:        migrate completions zsh > ~/.zfunc/_migrate   (with fpath+=~/.zfunc before compinit)\n  \
        fish:       migrate completions fish > ~/.config/fish/completions/migrate.fish\n  \
        elvish:     migrate completions elvish >> ~/.config/elvish/rc.elv\n  \
        powershell: migrate completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
}

impl Command {
    /// Whether the command works on a database (and so reads its URL).
    pub(crate) fn needs_database(&self) -> bool {
        !matches!(
            self,
            Command::Sql(_) | Command::New(_) | Command::Lint(_) | Command::Completions(_)
        )
    }

    /// Whether `--json` was asked for.
    pub(crate) fn json(&self) -> bool {
        match self {
            Command::Up(args) => args.json,
            Command::Down(args) => args.json,
            Command::Redo(args) => args.json,
            Command::Status(args) => args.json,
            Command::Lint(args) => args.json,
            Command::Reset(args) => args.json,
            Command::Database(DatabaseCommand::Create(args)) => args.json,
            Command::Database(DatabaseCommand::Drop(args)) => args.json,
            Command::Completions(_) => false,
            Command::Sql(_)
            | Command::New(_)
            | Command::Baseline(_)
            | Command::Repair(_)
            | Command::Verify(_)
            | Command::Diff(_)
            | Command::Schema(_) => false,
        }
    }
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

    /// Apply pending migrations older than the newest applied one too, instead of
    /// refusing (e.g. after merging a branch whose migrations were written earlier)
    #[arg(long)]
    pub(crate) allow_out_of_order: bool,

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

    /// Exit with 3 when a migration is pending, modified, missing or out of order (to
    /// gate CI or a deploy); 0 when everything is applied
    #[arg(long)]
    pub(crate) exit_code: bool,
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
pub(crate) struct VerifyArgs {
    /// Create the scratch database on the server at this URL instead
    #[arg(long, value_name = "URL")]
    pub(crate) scratch_url: Option<String>,

    /// Report every migration whose down does not undo its up, not only the first (a
    /// failed up still stops the run: later migrations build on it)
    #[arg(long)]
    pub(crate) keep_going: bool,
}

/// `diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The new migration's name, e.g. add_comments (not needed with --check)
    #[arg(value_name = "NAME", required_unless_present = "check")]
    pub(crate) name: Option<String>,

    /// Diff against this database instead of the database URL's
    #[arg(long, value_name = "URL", group = "target")]
    pub(crate) to_url: Option<String>,

    /// Diff against this SQL file, or the .sql files of this directory in name order,
    /// applied to a scratch database
    #[arg(long, value_name = "FILE|DIR", group = "target")]
    pub(crate) to_sql: Option<PathBuf>,

    /// Treat OLD=NEW as a rename: a table (users=people, blog.posts=articles) or a
    /// column (users.email=mail, blog.posts.title=headline); repeatable
    #[arg(long, value_name = "OLD=NEW")]
    pub(crate) rename: Vec<String>,

    /// Write nothing; exit 1 when the target differs from the migrations (for CI)
    #[arg(long)]
    pub(crate) check: bool,

    /// Never ask about renames, even on a terminal
    #[arg(long)]
    pub(crate) no_prompt: bool,

    /// The migrations directory (default: src/migrations of the package)
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// Create the scratch databases on the server at this URL instead
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

/// `reset`.
#[derive(Debug, Args)]
pub(crate) struct ResetArgs {
    /// Do it (without --yes, reset says what it would do and changes nothing)
    #[arg(long)]
    pub(crate) yes: bool,

    /// Instead of reverting, drop and recreate the database (with --schema S, schema S),
    /// then apply every migration; needs no down
    #[arg(long)]
    pub(crate) recreate: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `database`.
#[derive(Debug, Subcommand)]
pub(crate) enum DatabaseCommand {
    /// Create the database URL's database (done already when it exists), connected
    /// through the maintenance database `postgres` (or `template1`)
    Create(DatabaseCreateArgs),
    /// Drop the database URL's database with everything in it (done already when it
    /// does not exist; needs --yes)
    Drop(DatabaseDropArgs),
}

/// `database create`.
#[derive(Debug, Args)]
pub(crate) struct DatabaseCreateArgs {
    /// Print the outcome as one JSON document: {"ok", "action", "database", "server"}
    #[arg(long)]
    pub(crate) json: bool,
}

/// `database drop`.
#[derive(Debug, Args)]
pub(crate) struct DatabaseDropArgs {
    /// Do it (without --yes, drop says what it would do and changes nothing)
    #[arg(long)]
    pub(crate) yes: bool,

    /// Disconnect the sessions connected to it first (DROP DATABASE .. WITH (FORCE),
    /// PostgreSQL 13+)
    #[arg(long)]
    pub(crate) force: bool,

    /// Print the outcome as one JSON document: {"ok", "action", "database", "server",
    /// "sessions_disconnected"}
    #[arg(long)]
    pub(crate) json: bool,
}

/// `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,

    /// The program's name as typed in the shell
    #[arg(long, value_name = "NAME", default_value = "migrate")]
    pub(crate) bin_name: String,
}

/// A migration id, in one of the two forms it is printed in: its digits
/// (`20261121090000`, or any number) or a timestamp id as `YYYYMMDD_HHMMSS`
/// (`20261121_090000`). Other underscores (`2026_1121__090000`) are refused: they are
/// more likely a typo than an id.
pub(crate) fn parse_id(text: &str) -> Result<i64, String> {
    const FORMS: &str = "write its digits (20261121090000) or YYYYMMDD_HHMMSS (20261121_090000)";
    let digits = match text.split_once('_') {
        None => text.to_owned(),
        Some((date, time))
            if date.len() == 8
                && time.len() == 6
                && date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit()) =>
        {
            format!("{date}{time}")
        }
        Some(_) => return Err(format!("`{text}` is not a migration id: {FORMS}")),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a migration id: {FORMS}"));
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

    /// A real value for every global option. A global option added without a line
    /// here fails [`every_global_option_takes_a_real_value`].
    const GLOBAL_VALUES: &[(&str, &[&str])] = &[
        (
            "database_url",
            &["--database-url", "postgres://u:hunter2@h/db"],
        ),
        ("schema", &["--schema", "app"]),
        ("history_table", &["--history-table", "history"]),
        ("connect_timeout", &["--connect-timeout", "0"]),
        ("lock_timeout", &["--lock-timeout", "100ms,500ms,0"]),
        ("statement_timeout", &["--statement-timeout", "30s"]),
        ("lock_wait", &["--lock-wait", "1m30s"]),
        ("color", &["--color", "never"]),
        ("verbose", &["-vv"]),
        ("schemas", &["--schemas", "tenant_*,acme"]),
        ("databases", &["--databases", "shard_?"]),
        ("jobs", &["--jobs", "4"]),
        ("fail_fast", &["--fail-fast"]),
    ];

    #[test]
    fn every_global_option_takes_a_real_value() {
        let command = Cli::command();
        let globals: Vec<String> = command
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().to_string())
            .filter(|id| id != "help" && id != "version")
            .collect();
        for id in &globals {
            assert!(
                GLOBAL_VALUES.iter().any(|(known, _)| known == id),
                "the global option `{id}` has no value in GLOBAL_VALUES"
            );
        }
        // Each alone, before and after the command (clap panics at access time on
        // a type mismatch, so parsing is the test), then all together.
        for (_, args) in GLOBAL_VALUES {
            for at_end in [false, true] {
                let mut argv = vec!["migrate"];
                // --jobs and --fail-fast need a target list.
                let with: &[&str] = match args[0] {
                    "--jobs" | "--fail-fast" => &["--databases", "shard_?"],
                    _ => &[],
                };
                if at_end {
                    argv.extend(["sql", "1"]);
                    argv.extend(*args);
                    argv.extend(with);
                } else {
                    argv.extend(with);
                    argv.extend(*args);
                    argv.extend(["sql", "1"]);
                }
                Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            }
        }
        let mut argv = vec!["migrate"];
        // The target lists exclude `--schema` and each other (and --jobs and
        // --fail-fast need one: see the test below).
        for (_, args) in GLOBAL_VALUES
            .iter()
            .filter(|(id, _)| !matches!(*id, "schemas" | "databases" | "jobs" | "fail_fast"))
        {
            argv.extend(*args);
        }
        argv.push("status");
        let cli = Cli::try_parse_from(&argv).unwrap();
        let g = &cli.global;
        assert_eq!(
            g.lock_timeout,
            Some(vec![
                Duration::from_millis(100),
                Duration::from_millis(500),
                Duration::ZERO
            ])
        );
        assert_eq!(g.connect_timeout, Duration::ZERO);
        assert_eq!(g.statement_timeout, Some(Duration::from_secs(30)));
        assert_eq!(g.lock_wait, Duration::from_secs(90));
        assert_eq!(g.verbose, 2);
        assert_eq!(g.color, ColorChoice::Never);
        // And through the configuration, as a run takes them.
        let config =
            crate::config::Config::new(cli, &crate::project::Project::default(), |_| None).unwrap();
        assert!(matches!(
            config.action,
            crate::config::Action::Online(ref online) if online.database.connect_timeout.is_none()
        ));
    }

    #[test]
    fn jobs_and_fail_fast_need_a_target_list() {
        for flag in [&["--jobs", "4"][..], &["--fail-fast"][..]] {
            for list in ["--schemas", "--databases"] {
                let mut argv = vec!["migrate", list, "t_*"];
                argv.extend(flag);
                argv.push("status");
                Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            }
            let mut argv = vec!["migrate"];
            argv.extend(flag);
            argv.push("status");
            let error = Cli::try_parse_from(&argv).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::MissingRequiredArgument,
                "{argv:?}"
            );
        }
        let cli = Cli::try_parse_from(["migrate", "--schemas", "t_*", "status"]).unwrap();
        assert_eq!((cli.global.jobs, cli.global.fail_fast), (1, false));
    }

    #[test]
    fn lock_timeout_values_are_checked() {
        for bad in ["100", "100ms,", "fast", "100ms,,1s"] {
            assert!(
                Cli::try_parse_from(["migrate", "--lock-timeout", bad, "sql", "1"]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn ids_take_underscores() {
        assert_eq!(parse_id("20261121_090000"), Ok(20261121090000));
        assert_eq!(parse_id("20261121090000"), Ok(20261121090000));
        assert!(parse_id("abc").is_err());
        assert!(parse_id("_").is_err());
        assert!(parse_id("-1").is_err());
        assert_eq!(parse_id("42"), Ok(42));
        for misplaced in [
            "2025_0101__000100",
            "20250101__000100",
            "2025_0101_000100",
            "20250101_0001",
            "20250101_000100_",
            "_20250101000100",
            "1_000",
        ] {
            let error = parse_id(misplaced).unwrap_err();
            assert!(error.contains("YYYYMMDD_HHMMSS"), "{misplaced}: {error}");
        }
    }

    #[test]
    fn reset_database_and_completions_parse() {
        let cli =
            Cli::try_parse_from(["migrate", "reset", "--yes", "--recreate", "--json"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Reset(ResetArgs {
                yes: true,
                recreate: true,
                json: true
            })
        ));
        assert!(cli.command.needs_database() && cli.command.json());
        let cli = Cli::try_parse_from(["migrate", "database", "drop", "--yes", "--force"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Database(DatabaseCommand::Drop(DatabaseDropArgs {
                yes: true,
                force: true,
                json: false
            }))
        ));
        assert!(cli.command.needs_database() && !cli.command.json());
        let cli = Cli::try_parse_from(["migrate", "database", "create"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Database(DatabaseCommand::Create(DatabaseCreateArgs { json: false }))
        ));
        let cli = Cli::try_parse_from(["migrate", "database", "drop", "--yes", "--json"]).unwrap();
        assert!(cli.command.json());
        assert!(Cli::try_parse_from(["migrate", "database"]).is_err());
        assert!(Cli::try_parse_from(["migrate", "database", "create", "--force"]).is_err());

        let cli = Cli::try_parse_from(["migrate", "completions", "zsh"]).unwrap();
        let Command::Completions(args) = &cli.command else {
            panic!("{:?}", cli.command);
        };
        assert_eq!(args.shell, clap_complete::Shell::Zsh);
        assert_eq!(args.bin_name, "migrate");
        assert!(!cli.command.needs_database());
        assert!(Cli::try_parse_from(["migrate", "completions", "tcsh"]).is_err());
        // No database needed: the configuration is complete without one.
        let config =
            crate::config::Config::new(cli, &crate::project::Project::default(), |_| None).unwrap();
        assert!(matches!(
            config.action,
            crate::config::Action::Completions { .. }
        ));
    }

    #[test]
    fn target_lists_exclude_the_schema_and_each_other() {
        for conflict in [
            ["--schema", "app", "--schemas", "t_*"],
            ["--schemas", "t_*", "--databases", "d_*"],
        ] {
            let error = Cli::try_parse_from(["migrate"].into_iter().chain(conflict).chain(["up"]))
                .unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
        }
        let cli = Cli::try_parse_from([
            "migrate",
            "up",
            "--schemas",
            "t_*",
            "--jobs",
            "4",
            "--fail-fast",
        ])
        .unwrap();
        assert_eq!(
            (
                cli.global.schemas.as_deref(),
                cli.global.jobs,
                cli.global.fail_fast
            ),
            (Some("t_*"), 4, true)
        );
        assert!(Cli::try_parse_from(["migrate", "up", "--jobs", "0"]).is_err());
    }

    #[test]
    fn down_ranges_exclude_each_other() {
        assert!(Cli::try_parse_from(["migrate", "down", "--steps", "2", "--all"]).is_err());
        assert!(Cli::try_parse_from(["migrate", "down", "--steps", "0"]).is_err());
        assert!(Cli::try_parse_from(["migrate", "down", "--to", "1"]).is_ok());
    }
}
