//! The commands: parse, validate, then call migrate-core and hand its data to
//! [`crate::output`]. No business logic lives here: planning, locking, reconciling and
//! running are the core's.
//!
//! [`entry`] parses and dispatches to the commands without a database ([`offline`],
//! [`completions`]) or with one ([`online`], which uses [`schema`], [`verify`], [`diff`],
//! [`reset`] and [`database`]).

mod completions;
mod database;
mod diff;
mod entry;
mod offline;
mod online;
mod reset;
mod schema;
mod targets;
mod verify;

pub(crate) use entry::main;
