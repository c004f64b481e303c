//! `migrate diff`: the next migration, generated as typed Rust from two catalogs.
//!
//! The "from" schema is what replaying a program's migrations produces on a scratch
//! database; the "to" schema is a development database or declarative SQL applied to
//! a second scratch database (so PostgreSQL itself normalises types, defaults and
//! expressions). Both are read into a [`Catalog`]: structured facts from
//! `pg_catalog`, not text. [`generate`] compares them and returns a [`Generated`]
//! migration: the DSL steps, recorded by calling the DSL itself, each beside the Rust
//! source of that same call. [`Generated::to_rust`] writes the migration file;
//! [`Generated::checksum`] is the checksum the compiled file will have, so a test can
//! prove that the file is exactly what was applied.
//!
//! # What is generated
//!
//! - Drops carry the old definition read from the catalog (`drop_table_with`,
//!   `drop_column_with`, `drop_view_with`, ...), so the migration is reversible by
//!   construction.
//! - Safe protocols are the default: indexes on existing tables are built
//!   concurrently, foreign keys and checks on existing tables are added `NOT VALID`
//!   and validated, `set_not_null` goes through a validated CHECK (the planner's own
//!   protocol).
//! - Renames are never guessed: they come from [`DiffOptions::rename`]; otherwise a
//!   renamed object is a drop and an add (which the lint flags as data loss).
//!   [`rename_candidates`] lists what looks like a rename, for a prompt to ask about.
//! - What the DSL cannot express becomes `unchecked_sql` without a down, with a
//!   comment saying why: the compiler refuses the file until a person writes the
//!   inverse or declares the migration irreversible.
//! - A change PostgreSQL cannot undo (a new enum value) makes the migration
//!   `irreversible`, with the reason in a comment above the attribute.
//!
//! # Order
//!
//! Every change belongs to a phase: renames, then drops of
//! dependants before what they depend on (policies, triggers, views, foreign keys,
//! indexes, constraints, columns, tables, routines, sequences, types, extensions,
//! schemas), then creations in the other order. Within a phase, a family keeps
//! dependency order itself (views by `pg_depend`). A column whose type changes has
//! the views that read it dropped before and re-created after.

mod catalog;
mod code;
mod emit;
mod prove;
mod renames;

// Families: each reads its part of the catalog and compares it.
mod indexes;
mod routines;
mod schemas;
mod tables;
mod types;
mod views;

pub use catalog::Catalog;
pub use prove::{DiffSession, DiffTarget, Proof};
pub use renames::{Rename, RenameCandidate, rename_candidates};

use crate::checksum::Checksum;
use crate::error::Error;
use crate::migration::Recorded;
use crate::plan::MigrationPlan;
use crate::step::Step;

use emit::{Cx, Item};

/// How [`generate`] compares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    pub(crate) renames: Vec<Rename>,
}

impl DiffOptions {
    /// No renames: an object missing on one side and present on the other is a drop
    /// and an add.
    pub fn new() -> Self {
        Self::default()
    }

    /// Treats `rename` as a rename rather than a drop and an add.
    ///
    /// ```
    /// use migrate_core::diff::DiffOptions;
    /// let options = DiffOptions::new()
    ///     .rename("users.email=email_address".parse().unwrap())
    ///     .rename("blog.posts=articles".parse().unwrap());
    /// assert_eq!(options.renames().len(), 2);
    /// ```
    pub fn rename(mut self, rename: Rename) -> Self {
        self.renames.push(rename);
        self
    }

    /// The renames given.
    pub fn renames(&self) -> &[Rename] {
        &self.renames
    }
}

/// A generated migration: its steps, each with the Rust source of its DSL call.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    items: Vec<Item>,
}

impl Generated {
    /// Whether the two schemas are the same (nothing to generate).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One line per change, in order (for `diff --check`).
    pub fn summary(&self) -> Vec<String> {
        self.items.iter().map(Item::summary).collect()
    }

    /// The steps, in order: what the generated file records.
    pub fn steps(&self) -> Vec<Step> {
        self.items
            .iter()
            .flat_map(|i| i.steps.iter().cloned())
            .collect()
    }

    /// The recording of the generated migration (no settings of its own).
    pub fn recorded(&self) -> Recorded {
        Recorded {
            steps: self.steps(),
            ..Recorded::default()
        }
    }

    /// The checksum the compiled migration will have.
    pub fn checksum(&self) -> Checksum {
        Checksum::of_steps(&self.steps())
    }

    /// Why the migration is one-way, when it is (it is then declared `irreversible`).
    pub fn irreversible_reasons(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| i.one_way.as_deref())
            .collect()
    }

    /// How many changes the DSL cannot express: each is `unchecked_sql` without a
    /// down, which the compiler refuses until a person writes the inverse.
    pub fn needs_review(&self) -> usize {
        self.items.iter().filter(|i| i.unchecked.is_some()).count()
    }

    /// The migration file: `use`, the `#[migration]` function named `name` with id
    /// `id`, one DSL call per change.
    pub fn to_rust(&self, id: i64, name: &str) -> String {
        code::file(&self.items, id, name)
    }

    /// The plan of the generated migration, as the runner would build it from the
    /// compiled file (a derived down unless it is one-way or needs review).
    pub fn plan(&self, id: i64, name: &'static str) -> Result<MigrationPlan, Error> {
        let reversible = self.irreversible_reasons().is_empty() && self.needs_review() == 0;
        crate::plan::plan_generated(id, name, self.recorded(), reversible)
    }
}

/// Compares two catalogs and generates the migration that takes `from` to `to`.
///
/// Fails when a rename names an object that does not exist on its side.
pub fn generate(from: &Catalog, to: &Catalog, options: &DiffOptions) -> Result<Generated, Error> {
    let renames = renames::resolve(from, to, &options.renames)?;
    let mut cx = Cx::new(from, to, &renames);
    schemas::diff(&mut cx);
    types::diff(&mut cx);
    tables::diff(&mut cx);
    indexes::diff(&mut cx);
    routines::diff(&mut cx);
    views::diff(&mut cx);
    Ok(Generated { items: cx.finish() })
}
