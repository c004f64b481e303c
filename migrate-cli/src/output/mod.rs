//! Everything the command prints: run lines, status tables, SQL, JSON, errors, logs
//! and the live indicator. This is the ONE place in the workspace that writes to
//! stdout and stderr (hence the `print_stdout`/`print_stderr` allowance below), and
//! every text it writes passes through one scrubber ([`terminal::scrub`]).
//!
//! The modules depend one way: [`terminal`] (streams, colors, scrubbing) is below all
//! others; [`json`] below the human renderings that also have a JSON form ([`sql`],
//! [`status`], [`text`]); [`run`] below [`progress`], below [`logging`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod database;
mod diff;
mod errors;
pub(crate) mod json;
mod logging;
pub(crate) mod progress;
mod run;
mod sql;
mod status;
mod targets;
mod terminal;
mod text;

pub(crate) use database::{DatabaseOutcome, database};
pub(crate) use diff::{diff_changes, diff_none, diff_proof, diff_uncovered, diff_written, prompt};
pub(crate) use errors::{clap_error, error, warning};
pub(crate) use logging::install_logging;
pub(crate) use run::{report, reset_summary, summary};
pub(crate) use sql::{dry_run, sql};
pub(crate) use status::status;
pub(crate) use targets::{JsonEntry, TargetLine, Totals, target_line, targets_json, targets_total};
pub(crate) use terminal::{add_secrets, set_color, stderr_is_terminal};
pub(crate) use text::{completions, lint, scaffolded, schema, schema_matches, verify};
