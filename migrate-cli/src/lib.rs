//! The `migrate` command line, as a library that your own binary calls.
//!
//! Migrations register themselves at link time, so the command must be built inside
//! your project, where it can see them. Put this in `src/bin/migrate.rs`:
//!
//! ```ignore
//! migrate_cli::main!(my_app::migrations);
//! ```
//!
//! and run `cargo run --bin migrate -- <command>`. The macro names the module holding
//! the migrations (so the linker keeps them) and writes `main` for you; see [`main!`].
//! To write `main` yourself, reference the module and call [`run`], [`run_with`] or
//! [`run_with_args`].
//!
//! # Commands
//!
//! `up`, `down`, `redo`, `status`, `sql`, `new`, `baseline`, `repair`, `verify`, `diff`,
//! `schema`, `lint`, `reset`, `database create | drop`, `completions`: `migrate --help`
//! and `migrate <command> --help` describe them.
//!
//! # Configuration
//!
//! The database is `--database-url`, else `DIRECT_URL` (migrations need a direct,
//! unpooled connection; hosts with a pooler give one beside a pooled `DATABASE_URL`),
//! else `DATABASE_URL`. A `.env` file is read when present (it never overrides the
//! environment); one with a line that does not parse is refused, naming the line. `sslmode` (`disable`, `prefer`, `require`, `verify-ca`,
//! `verify-full`) and `sslrootcert` are honoured with rustls, in the URL or the
//! `key=value` form.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (also `--help` and `--version`) |
//! | 1 | failure: the database could not be reached, a migration failed, or the run was refused (irreversible or modified migrations, a lock held too long...) |
//! | 2 | usage error: bad arguments, no database configured, an invalid URL, an unreadable `.env` file, an id that names no migration, an invalid name for `new`, a destructive command (`reset`, `database drop`) without `--yes` |
//! | 3 | `status --exit-code`: a migration is pending, modified, missing or out of order |

// The command line, from the arguments to the validated configuration.
mod cli;
mod config;
mod duration;
// The project the binary belongs to, and `new`'s file writing.
mod project;
mod scaffold;
// The commands (a folder: one file per family), the database they connect to
// (a folder: connection strings, `.env`, TLS, connecting) and everything printed (a
// folder: human text, JSON, errors, logs and live progress).
mod commands;
mod database;
mod output;
// The exit codes.
mod exit;

use std::ffi::OsString;
use std::process::ExitCode;

pub use exit::{FAILURE, NEEDS_ACTION, SUCCESS, USAGE};
pub use project::Project;

/// Runs the command line with the process's arguments, for a default [`Project`].
///
/// The module holding the migrations must be referenced somewhere in the binary
/// (`use my_app::migrations as _;`), or none are found.
pub fn run() -> ExitCode {
    run_with(Project::default())
}

/// Runs the command line with the process's arguments for this project.
pub fn run_with(project: Project) -> ExitCode {
    commands::main(std::env::args_os(), &project)
}

/// Runs the command line with these arguments (the first is the program name) for
/// this project: for a binary that parses its own command line and hands the
/// migration commands on.
pub fn run_with_args<I, T>(project: &Project, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    commands::main(args, project)
}

/// Writes the `main` of a migration binary: `migrate_cli::main!(my_app::migrations);`
///
/// It expands to `use my_app::migrations as _;`, the reference that makes the linker
/// keep the migrations' registrations (without one, a binary sees no migrations), and
/// a `main` returning [`ExitCode`] that calls [`run_with`] with the package's
/// `CARGO_MANIFEST_DIR` and `src/migrations` as the directory `new` writes to. Give
/// another directory with `dir = "..."`:
///
/// ```ignore
/// migrate_cli::main!(my_app::db::migrations, dir = "src/db/migrations");
/// ```
#[macro_export]
macro_rules! main {
    ($($segment:ident)::+ $(,)?) => {
        $crate::main!($($segment)::+, dir = "src/migrations");
    };
    ($($segment:ident)::+, dir = $dir:literal $(,)?) => {
        #[allow(unused_imports)]
        use $($segment)::+ as _;

        fn main() -> ::std::process::ExitCode {
            $crate::run_with($crate::Project::new(
                ::std::env!("CARGO_MANIFEST_DIR"),
                $dir,
            ))
        }
    };
}
