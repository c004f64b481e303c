//! The one error type of this crate.

use std::fmt;

use crate::registry::Location;

/// Everything that can go wrong while collecting, planning or running migrations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No migration is registered in this program.
    #[error(
        "no migrations are registered in this program\n\
         hint: migrations register themselves when the crate or module that defines them is \
         linked into the binary; reference it from `main` (e.g. `migrate_cli::main!(my_app::migrations)`, \
         or `use my_app::migrations as _;` together with a call into that crate)"
    )]
    NoMigrations,

    /// Two migrations share an id.
    #[error("two migrations have the id {id}: {first} and {second}")]
    DuplicateId {
        /// The id.
        id: i64,
        /// One definition.
        first: Location,
        /// The other.
        second: Location,
    },

    /// A migration's steps have problems (bad names, empty lists...).
    #[error("migration {id} ({name}) is invalid:{}", ProblemList(problems))]
    InvalidMigration {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },

    /// A migration whose down is derived has a step without an inverse. The typed
    /// DSL makes this a compile error; this guards hand-built registrations.
    #[error(
        "migration {id} ({name}) cannot be reversed automatically: step {step} (`{kind}`) has no inverse; \
         give it a `down = ...` or declare it `irreversible`"
    )]
    NotReversible {
        /// The migration's id.
        id: i64,
        /// Its name.
        name: String,
        /// Index of the step.
        step: usize,
        /// The step's kind.
        kind: &'static str,
    },
}

/// One problem found in a migration's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Index of the step (in its direction).
    pub step: usize,
    /// The step's kind.
    pub kind: &'static str,
    /// Whether the step belongs to the hand-written down.
    pub down: bool,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = if self.down { "down " } else { "" };
        write!(
            f,
            "{direction}step {} (`{}`): {}",
            self.step, self.kind, self.message
        )
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}
