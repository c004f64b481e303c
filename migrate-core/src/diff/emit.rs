//! What the families emit: each change is a DSL call made on a recorder, beside the
//! Rust source of the same call, in a phase that orders it.

use std::collections::BTreeSet;

use super::catalog::{Catalog, QName};
use super::code;
use super::renames::Resolved;
use crate::migration::Migration;
use crate::mode::Manual;
use crate::step::Step;

/// When a change runs. Drops of dependants come before what they depend on, then
/// creations in dependency order; a family keeps the order within a phase itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// Renames of tables, columns and other objects: first, so every later step
    /// uses the new names.
    Renames,
    /// Comments removed.
    DropComments,
    /// Row level security turned off, policies dropped.
    DropPolicies,
    /// Triggers dropped.
    DropTriggers,
    /// Views and materialized views dropped (dependants first), including those
    /// re-created because a column they read changes type.
    DropViews,
    /// Foreign keys dropped (before the keys and tables they reference).
    DropForeignKeys,
    /// Indexes dropped.
    DropIndexes,
    /// Other constraints dropped (checks, unique, primary keys, exclusions).
    DropConstraints,
    /// Columns dropped.
    DropColumns,
    /// Tables dropped.
    DropTables,
    /// Triggers' and other functions and procedures dropped.
    DropRoutines,
    /// Sequences dropped.
    DropSequences,
    /// Enums, domains and composite types dropped.
    DropTypes,
    /// Extensions dropped.
    DropExtensions,
    /// Schemas dropped.
    DropSchemas,
    /// Schemas created.
    CreateSchemas,
    /// Extensions created.
    CreateExtensions,
    /// Enums, domains, composite types created or changed.
    CreateTypes,
    /// Sequences created or changed (before the defaults that use them).
    CreateSequences,
    /// Routines that tables may use (in defaults, checks, generated columns), and
    /// those whose bodies PostgreSQL does not check at creation (PL/pgSQL).
    CreateRoutines,
    /// Tables created.
    CreateTables,
    /// Columns added and changed.
    AlterColumns,
    /// What needs the tables' final columns: sequence ownership, SQL-language
    /// routines whose bodies read tables.
    AfterColumns,
    /// Views and materialized views created (dependencies first) or replaced.
    CreateViews,
    /// Indexes created.
    CreateIndexes,
    /// Primary keys, unique constraints, checks, exclusions added (and validated).
    AddConstraints,
    /// Foreign keys added (and validated), once every referenced key exists.
    AddForeignKeys,
    /// Triggers created or changed.
    CreateTriggers,
    /// Row level security, policies.
    CreatePolicies,
    /// Comments set or changed.
    SetComments,
}

/// One change: the Rust source of its DSL call and the steps that call recorded.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) phase: Phase,
    /// The statement(s), starting with `m.` and ending with `;`, unindented; may
    /// span lines.
    pub(crate) code: String,
    /// What the call recorded.
    pub(crate) steps: Vec<Step>,
    /// Why the change cannot be undone, when PostgreSQL cannot undo it.
    pub(crate) one_way: Option<String>,
    /// Why the DSL cannot express it, when the code is `unchecked_sql`.
    pub(crate) unchecked: Option<String>,
}

impl Item {
    /// One line: the first line of the code.
    pub(crate) fn summary(&self) -> String {
        let first = self.code.lines().next().unwrap_or_default();
        let more = self.code.lines().nth(1).is_some();
        if more {
            format!("{first} ..")
        } else {
            first.to_owned()
        }
    }
}

/// Facts one family learns that another needs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Facts {
    /// Tables (by their name in `to`) with a column whose type changes: the views
    /// that read them are dropped before and re-created after.
    pub(crate) retyped_tables: BTreeSet<QName>,
    /// Objects another family drops and creates again rather than altering in place
    /// (an index or constraint whose definition changes, a table rebuilt): the views
    /// family removes their comments before the drop and sets them after the
    /// creation, since a drop loses a comment. A table here stands for its columns'
    /// comments too. Fill it before `views::diff` runs.
    pub(crate) recreated: Vec<crate::step::CommentTarget>,
}

/// The state of one comparison.
pub(crate) struct Cx<'a> {
    /// The schema the migration starts from.
    pub(crate) from: &'a Catalog,
    /// The schema it must produce.
    pub(crate) to: &'a Catalog,
    /// The renames asked for.
    pub(crate) renames: &'a Resolved,
    /// What earlier families learned.
    pub(crate) facts: Facts,
    items: Vec<Item>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(from: &'a Catalog, to: &'a Catalog, renames: &'a Resolved) -> Self {
        Self {
            from,
            to,
            renames,
            facts: Facts::default(),
            items: Vec::new(),
        }
    }

    /// Records one change: `code` is the Rust source of the call(s) that `apply`
    /// makes on the recorder `m`. The two must say the same thing; the corpus tests
    /// compile the code and compare checksums.
    pub(crate) fn emit(
        &mut self,
        phase: Phase,
        code: impl Into<String>,
        apply: impl FnOnce(&mut Migration<Manual>),
    ) {
        let steps = record(apply);
        self.items.push(Item {
            phase,
            code: code.into(),
            steps,
            one_way: None,
            unchecked: None,
        });
    }

    /// Records a change PostgreSQL cannot undo: the migration becomes
    /// `irreversible`, with `reason` (a sentence) above its attribute.
    pub(crate) fn emit_one_way(
        &mut self,
        phase: Phase,
        reason: impl Into<String>,
        code: impl Into<String>,
        apply: impl FnOnce(&mut Migration<Manual>),
    ) {
        let steps = record(apply);
        self.items.push(Item {
            phase,
            code: code.into(),
            steps,
            one_way: Some(reason.into()),
            unchecked: None,
        });
    }

    /// Records what the DSL cannot express: `unchecked_sql(sql)` without a down,
    /// under a comment saying `why` (a sentence). The compiler refuses the file until
    /// a person writes the inverse (a `down`) or declares the migration irreversible.
    pub(crate) fn unchecked(&mut self, phase: Phase, why: impl Into<String>, sql: &str) {
        let why = why.into();
        let code = format!(
            "// Needs review: {why}\n\
             // Write its inverse in a `down` (or declare the migration `irreversible`).\n\
             m.unchecked_sql({});",
            code::text(sql)
        );
        let steps = record(|m| {
            m.unchecked_sql(sql);
        });
        self.items.push(Item {
            phase,
            code,
            steps,
            one_way: None,
            unchecked: Some(why),
        });
    }

    /// The changes, ordered by phase (stable within a phase).
    pub(crate) fn finish(mut self) -> Vec<Item> {
        self.items.sort_by_key(|i| i.phase);
        self.items
    }
}

fn record(apply: impl FnOnce(&mut Migration<Manual>)) -> Vec<Step> {
    let mut m = Migration::<Manual>::new();
    apply(&mut m);
    m.finish().steps
}
