//! The parsed command line checked and resolved into what to do, before any work
//! (ripgrep's habit): a bad URL, name or option is a usage error here, not half way
//! through a run.

use std::path::PathBuf;
use std::time::Duration;

use migrate_core::{DownTarget, Ident, MigratorOptions, Target};

use crate::cli::{Cli, Command, DatabaseCommand};
use crate::database::{self, Database};
use crate::exit::usage;
use crate::project::Project;
use crate::scaffold;

/// Everything a run needs, validated.
#[derive(Debug)]
pub(crate) struct Config {
    /// How to print.
    pub(crate) output: OutputConfig,
    /// What to do.
    pub(crate) action: Action,
}

/// How to print.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutputConfig {
    /// `-v` count.
    pub(crate) verbose: u8,
    /// JSON on stdout.
    pub(crate) json: bool,
}

/// What to do.
#[derive(Debug)]
pub(crate) enum Action {
    /// Print a migration's SQL.
    Sql {
        /// Its id.
        id: i64,
        /// The way down.
        down: bool,
    },
    /// Scaffold a migration.
    New {
        /// Its snake_case name.
        name: String,
        /// The migrations directory.
        dir: PathBuf,
    },
    /// Lint every migration.
    Lint,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
        /// The program's name in the script.
        bin_name: String,
    },
    /// A command that works on the database.
    Online(Box<Online>),
}

/// A command that works on the database, with the database and the runner's options.
#[derive(Debug)]
pub(crate) struct Online {
    /// The target.
    pub(crate) database: Database,
    /// The runner's settings (a blocker monitor is added when connecting).
    pub(crate) options: MigratorOptions,
    /// The schema for the `search_path`, when `--schema` was given.
    pub(crate) search_path: Option<Ident>,
    /// The targets, when --schemas or --databases was given.
    pub(crate) targets: Option<Targets>,
    /// The command.
    pub(crate) command: OnlineCommand,
}

/// The commands that need the database.
#[derive(Debug)]
pub(crate) enum OnlineCommand {
    /// `up`.
    Up {
        /// How far.
        target: Target,
        /// Print, change nothing.
        dry_run: bool,
    },
    /// `down`.
    Down {
        /// How far.
        target: DownTarget,
        /// Print, change nothing.
        dry_run: bool,
    },
    /// `redo`.
    Redo,
    /// `status`.
    Status {
        /// Exit with [`crate::exit::NEEDS_ACTION`] unless everything is applied.
        exit_code: bool,
    },
    /// `baseline`.
    Baseline {
        /// Up to this id.
        id: i64,
    },
    /// `repair`.
    Repair,
    /// `verify`.
    Verify {
        /// The server to create the scratch database on, when not the target's.
        scratch: Option<Box<Database>>,
        /// Check every migration instead of stopping at the first failure.
        keep_going: bool,
    },
    /// `schema`.
    Schema {
        /// The saved snapshot to compare with.
        check: Option<std::path::PathBuf>,
    },
    /// `diff`.
    Diff(Box<DiffCommand>),
    /// `reset`.
    Reset {
        /// Confirmed with `--yes` (else: say what it would do, change nothing).
        yes: bool,
        /// Drop and recreate the database (or the `--schema`) instead of reverting.
        recreate: bool,
    },
    /// `database create` and `database drop`.
    Database(DatabaseAction),
}

/// `database create | drop`, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DatabaseAction {
    /// Create the URL's database.
    Create,
    /// Drop it.
    Drop {
        /// Confirmed with `--yes`.
        yes: bool,
        /// Disconnect its sessions (`WITH (FORCE)`).
        force: bool,
    },
}

/// `diff`, validated.
#[derive(Debug)]
pub(crate) struct DiffCommand {
    /// The new migration's snake_case name (`None` with `--check`).
    pub(crate) name: Option<String>,
    /// The migrations directory.
    pub(crate) dir: PathBuf,
    /// What to diff against.
    pub(crate) to: DiffTo,
    /// Renames given with `--rename`.
    pub(crate) renames: Vec<migrate_core::diff::Rename>,
    /// Write nothing; fail when there is a difference.
    pub(crate) check: bool,
    /// Ask about rename candidates on a terminal.
    pub(crate) prompt: bool,
    /// The server for the scratch databases, when not the database URL's.
    pub(crate) scratch: Option<Database>,
}

/// What `diff` compares the replayed migrations with.
#[derive(Debug)]
pub(crate) enum DiffTo {
    /// The database URL's database.
    Database,
    /// Another database.
    Url(Box<Database>),
    /// Declarative SQL: a file or a directory of `.sql` files.
    Sql(PathBuf),
}

impl Config {
    /// Validates the command line; `env` reads environment variables (after `.env`).
    pub(crate) fn new(
        cli: Cli,
        project: &Project,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let global = cli.global;
        if (global.schemas.is_some() || global.databases.is_some()) && !cli.command.needs_database()
        {
            return Err(usage(
                "--schemas and --databases work with up, down, redo, baseline, repair and status only",
            ));
        }
        let mut json = false;
        let mut allow_out_of_order = false;
        // 0 means no limit, as libpq's connect_timeout.
        let connect_timeout = Some(global.connect_timeout).filter(|d| !d.is_zero());
        let online = match cli.command {
            Command::Sql(args) => {
                return Ok(Self {
                    output: OutputConfig {
                        verbose: global.verbose,
                        json: false,
                    },
                    action: Action::Sql {
                        id: args.id,
                        down: args.down,
                    },
                });
            }
            Command::New(args) => {
                let name = scaffold::migration_name(&args.name).map_err(usage)?;
                let dir = args.dir.unwrap_or_else(|| project.migrations_dir());
                return Ok(Self {
                    output: OutputConfig {
                        verbose: global.verbose,
                        json: false,
                    },
                    action: Action::New { name, dir },
                });
            }
            Command::Up(args) => {
                json = args.json;
                allow_out_of_order = args.allow_out_of_order;
                OnlineCommand::Up {
                    target: args.to.map_or(Target::Latest, Target::To),
                    dry_run: args.dry_run,
                }
            }
            Command::Down(args) => {
                json = args.json;
                let target = match (args.steps, args.to, args.all) {
                    (_, _, true) => DownTarget::All,
                    (_, Some(id), _) => DownTarget::To(id),
                    (Some(n), _, _) => DownTarget::Steps(n as usize),
                    (None, None, false) => DownTarget::Steps(1),
                };
                OnlineCommand::Down {
                    target,
                    dry_run: args.dry_run,
                }
            }
            Command::Redo(args) => {
                json = args.json;
                OnlineCommand::Redo
            }
            Command::Status(args) => {
                json = args.json;
                OnlineCommand::Status {
                    exit_code: args.exit_code,
                }
            }
            Command::Baseline(args) => OnlineCommand::Baseline { id: args.id },
            Command::Repair(_) => OnlineCommand::Repair,
            Command::Lint(args) => {
                return Ok(Self {
                    output: OutputConfig {
                        verbose: global.verbose,
                        json: args.json,
                    },
                    action: Action::Lint,
                });
            }
            Command::Verify(args) => {
                let scratch = args
                    .scratch_url
                    .map(|url| {
                        Database::parse(&url, connect_timeout)
                            .map_err(|e| usage(format!("--scratch-url: {e}")))
                    })
                    .transpose()?;
                OnlineCommand::Verify {
                    scratch: scratch.map(Box::new),
                    keep_going: args.keep_going,
                }
            }
            Command::Schema(args) => OnlineCommand::Schema { check: args.check },
            Command::Completions(args) => {
                return Ok(Self {
                    output: OutputConfig {
                        verbose: global.verbose,
                        json: false,
                    },
                    action: Action::Completions {
                        shell: args.shell,
                        bin_name: args.bin_name,
                    },
                });
            }
            Command::Reset(args) => {
                json = args.json;
                OnlineCommand::Reset {
                    yes: args.yes,
                    recreate: args.recreate,
                }
            }
            Command::Database(DatabaseCommand::Create(args)) => {
                json = args.json;
                OnlineCommand::Database(DatabaseAction::Create)
            }
            Command::Database(DatabaseCommand::Drop(args)) => {
                json = args.json;
                OnlineCommand::Database(DatabaseAction::Drop {
                    yes: args.yes,
                    force: args.force,
                })
            }
            Command::Diff(args) => {
                let name = args
                    .name
                    .as_deref()
                    .map(scaffold::migration_name)
                    .transpose()
                    .map_err(usage)?;
                let parse = |url: &str, what: &str| {
                    Database::parse(url, connect_timeout).map_err(|e| usage(format!("{what}: {e}")))
                };
                let to = match (args.to_url, args.to_sql) {
                    (Some(url), _) => DiffTo::Url(Box::new(parse(&url, "--to-url")?)),
                    (None, Some(path)) => DiffTo::Sql(path),
                    (None, None) => DiffTo::Database,
                };
                let renames = args
                    .rename
                    .iter()
                    .map(|r| r.parse().map_err(usage))
                    .collect::<Result<Vec<_>, _>>()?;
                let scratch = args
                    .scratch_url
                    .map(|url| parse(&url, "--scratch-url"))
                    .transpose()?;
                OnlineCommand::Diff(Box::new(DiffCommand {
                    name,
                    dir: args.dir.unwrap_or_else(|| project.migrations_dir()),
                    to,
                    renames,
                    check: args.check,
                    prompt: !args.no_prompt,
                    scratch,
                }))
            }
        };

        let targets = targets(&global, &online)?;
        let (url, source) =
            database::locate(global.database_url.as_deref(), &env).ok_or_else(|| {
                usage(
                    "no database given: pass --database-url, or set DIRECT_URL or DATABASE_URL \
                 (in the environment or a .env file)",
                )
            })?;
        let database =
            Database::parse(&url, connect_timeout).map_err(|e| usage(format!("{source}: {e}")))?;

        let schema = global.schema.map(Ident::new);
        let table = Ident::new(global.history_table);
        for (what, ident) in [
            ("--schema", schema.as_ref()),
            ("--history-table", Some(&table)),
        ] {
            if let Some(ident) = ident {
                ident
                    .check()
                    .map_err(|e| usage(format!("{what} `{ident}`: {e}")))?;
            }
        }
        let mut options = MigratorOptions::new()
            .history_table(
                schema
                    .clone()
                    .unwrap_or_else(|| Ident::new(migrate_core::DEFAULT_HISTORY_SCHEMA)),
                table,
            )
            .lock_wait(global.lock_wait)
            .allow_out_of_order(allow_out_of_order)
            .statement_timeout(global.statement_timeout.filter(|d| !d.is_zero()));
        if let Some(ladder) = global.lock_timeout {
            let ladder: Vec<Duration> = ladder.into_iter().filter(|d| !d.is_zero()).collect();
            options = options.lock_timeouts(ladder);
        }
        Ok(Self {
            output: OutputConfig {
                verbose: global.verbose,
                json,
            },
            action: Action::Online(Box::new(Online {
                database,
                options,
                search_path: schema,
                targets,
                command: online,
            })),
        })
    }
}

/// Many targets: what `--schemas` / `--databases`, `--jobs` and `--fail-fast` ask for.
#[derive(Debug)]
pub(crate) struct Targets {
    /// The names and patterns.
    pub(crate) selection: migrate_core::targets::Selection,
    /// The parallelism and the failure policy.
    pub(crate) fan_out: migrate_core::targets::FanOut,
}

/// The targets of the command line, checked: a list only for the commands that fan
/// out, without `--dry-run`.
fn targets(
    global: &crate::cli::GlobalArgs,
    command: &OnlineCommand,
) -> anyhow::Result<Option<Targets>> {
    use migrate_core::targets::{FanOut, Scope, Selection};
    let (flag, scope, list) = match (&global.schemas, &global.databases) {
        (Some(list), _) => ("--schemas", Scope::Schema, list),
        (None, Some(list)) => ("--databases", Scope::Database, list),
        (None, None) => return Ok(None),
    };
    let dry_run = matches!(
        command,
        OnlineCommand::Up { dry_run: true, .. } | OnlineCommand::Down { dry_run: true, .. }
    );
    let fans_out = matches!(
        command,
        OnlineCommand::Up { .. }
            | OnlineCommand::Down { .. }
            | OnlineCommand::Redo
            | OnlineCommand::Baseline { .. }
            | OnlineCommand::Repair
            | OnlineCommand::Status { .. }
    );
    if !fans_out {
        return Err(usage(format!(
            "{flag} works with up, down, redo, baseline, repair and status only"
        )));
    }
    if dry_run {
        return Err(usage(format!(
            "--dry-run prints one target's SQL: run it without {flag}, with --schema or \
             another --database-url"
        )));
    }
    let selection = Selection::parse(scope, list).map_err(|e| usage(format!("{flag}: {e}")))?;
    let schema = global.schema.as_ref().map(Ident::new);
    Ok(Some(Targets {
        selection,
        fan_out: FanOut::new()
            .jobs(usize::from(global.jobs))
            .fail_fast(global.fail_fast)
            .database_search_path(schema),
    }))
}
