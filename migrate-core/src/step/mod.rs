//! Our own AST of schema operations: what a migration records, before any SQL exists.
//!
//! A [`Step`] is plain data. The recorder ([`crate::Migration`]) builds steps, the
//! planner derives their inverses ([`Step::inverse`]) and the renderer turns them into
//! SQL ([`crate::render`]). Keeping the three apart is what makes plans pure, checksums
//! independent of SQL text, and the SQL of every step testable without a database.
//!
//! This file holds [`Step`] and what a step knows of itself (its kind, its inverse);
//! `defs` holds the definitions steps carry (tables, columns, constraints, indexes,
//! data changes, settings).
//!
//! The steps of the first release are variants of [`Step`] itself. Later families are
//! one variant each holding the family's own enum or definition ([`Step::View`],
//! [`Step::Routine`], [`Step::Trigger`], [`Step::DataMove`], [`Step::Constraint`],
//! [`Step::Sequence`], [`Step::Domain`], [`Step::Type`], [`Step::Security`], ...),
//! defined with their kind, inverse and transactionality in a file of their own
//! (`views`, `routines`, `moves`, `sequences`, `security`), rendered in the same-named
//! file of [`crate::render`] and recorded in the same-named file of `migration`. The
//! two shapes stay side by side on purpose: a step's serde encoding is its checksum
//! (see `checksum.rs`), so the first release's variants cannot move into families
//! without marking every applied migration as modified.

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::{ColumnType, DefaultValue};

mod defs;
mod moves;
mod routines;
mod security;
mod sequences;
mod views;

pub use defs::*;
pub use moves::*;
pub use routines::*;
pub use security::*;
pub use sequences::*;
pub use views::*;

/// One operation of a migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Step {
    /// `CREATE TABLE`.
    CreateTable(TableDef),
    /// `DROP TABLE`; with its definition it can be re-created on the way down.
    DropTable {
        /// The table.
        table: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<TableDef>,
    },
    /// `ALTER TABLE .. RENAME TO ..`.
    RenameTable {
        /// The table's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `ALTER TABLE .. ADD COLUMN ..`.
    AddColumn {
        /// The table.
        table: ObjectName,
        /// The column.
        column: ColumnDef,
    },
    /// `ALTER TABLE .. DROP COLUMN ..`; with its definition it can be re-added.
    DropColumn {
        /// The table.
        table: ObjectName,
        /// The column's name.
        column: Ident,
        /// Its definition, when the migration gave it.
        definition: Option<ColumnDef>,
    },
    /// `ALTER TABLE .. RENAME COLUMN .. TO ..`.
    RenameColumn {
        /// The table.
        table: ObjectName,
        /// The column's current name.
        from: Ident,
        /// The new name.
        to: Ident,
    },
    /// `ALTER TABLE .. ALTER COLUMN .. TYPE ..`.
    AlterColumnType {
        /// The table.
        table: ObjectName,
        /// The column.
        column: Ident,
        /// The new type.
        to: ColumnType,
        /// The current type, when the migration gave it (needed to go back).
        from: Option<ColumnType>,
        /// `USING` expression converting old values to the new type.
        using: Option<SqlExpr>,
        /// `USING` expression for the way back.
        reverse_using: Option<SqlExpr>,
    },
    /// `ALTER TABLE .. ALTER COLUMN .. SET DEFAULT ..` / `DROP DEFAULT`.
    ChangeDefault {
        /// The table.
        table: ObjectName,
        /// The column.
        column: Ident,
        /// The new default (`None` drops it).
        to: Option<DefaultValue>,
        /// The current default, when the migration gave it: `Some(None)` means
        /// "there is none now", `None` means "not said" (no automatic inverse).
        from: Option<Option<DefaultValue>>,
    },
    /// `ALTER TABLE .. ALTER COLUMN .. SET NOT NULL` / `DROP NOT NULL`.
    SetNullability {
        /// The table.
        table: ObjectName,
        /// The column.
        column: Ident,
        /// `true` for `SET NOT NULL`, `false` for `DROP NOT NULL`.
        not_null: bool,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] ..`.
    CreateIndex(IndexDef),
    /// `DROP INDEX [CONCURRENTLY] ..`; with its definition it can be rebuilt.
    DropIndex {
        /// The index (its schema is the table's).
        index: ObjectName,
        /// Whether to drop without blocking writes (outside a transaction).
        concurrently: bool,
        /// Its definition, when the migration gave it.
        definition: Option<IndexDef>,
    },
    /// `ALTER INDEX .. RENAME TO ..`.
    RenameIndex {
        /// The index's current name.
        from: ObjectName,
        /// The new name.
        to: Ident,
    },
    /// `ALTER TABLE .. ADD CONSTRAINT ..`.
    AddConstraint {
        /// The table.
        table: ObjectName,
        /// The constraint.
        constraint: ConstraintDef,
    },
    /// `ALTER TABLE .. VALIDATE CONSTRAINT ..` (after adding it `NOT VALID`).
    ValidateConstraint {
        /// The table.
        table: ObjectName,
        /// The constraint's name.
        name: Ident,
    },
    /// `ALTER TABLE .. DROP CONSTRAINT ..`; with its definition it can be re-added.
    DropConstraint {
        /// The table.
        table: ObjectName,
        /// The constraint's name.
        name: Ident,
        /// Its definition, when the migration gave it.
        definition: Option<ConstraintDef>,
    },
    /// `ALTER TABLE .. RENAME CONSTRAINT .. TO ..`.
    RenameConstraint {
        /// The table.
        table: ObjectName,
        /// The constraint's current name.
        from: Ident,
        /// The new name.
        to: Ident,
    },
    /// `CREATE SCHEMA ..`: fails if it exists, so its down (dropping it) only ever
    /// drops what the migration made.
    CreateSchema {
        /// The schema.
        name: Ident,
    },
    /// `CREATE SCHEMA IF NOT EXISTS ..`: no inverse (the schema may have been there).
    EnsureSchema {
        /// The schema.
        name: Ident,
    },
    /// `DROP SCHEMA ..` (only an empty schema: never `CASCADE`).
    DropSchema {
        /// The schema.
        name: Ident,
    },
    /// `CREATE EXTENSION ..`: fails if it is installed, so its down (dropping it)
    /// only ever drops what the migration installed.
    CreateExtension {
        /// The extension.
        name: Ident,
    },
    /// `CREATE EXTENSION IF NOT EXISTS ..`: no inverse (it may have been installed).
    EnsureExtension {
        /// The extension.
        name: Ident,
    },
    /// `DROP EXTENSION ..`.
    DropExtension {
        /// The extension.
        name: Ident,
    },
    /// `CREATE TYPE .. AS ENUM (..)`.
    CreateEnum {
        /// The type.
        name: ObjectName,
        /// Its values, in order.
        values: Vec<String>,
    },
    /// `DROP TYPE ..` of an enum; with its values it can be re-created.
    DropEnum {
        /// The type.
        name: ObjectName,
        /// Its values, when the migration gave them.
        values: Option<Vec<String>>,
    },
    /// `ALTER TYPE .. ADD VALUE ..`: PostgreSQL cannot remove an enum value, so this
    /// step has no inverse.
    AddEnumValue {
        /// The type.
        name: ObjectName,
        /// The new value.
        value: String,
        /// Where it goes, when not last.
        position: Option<EnumValuePosition>,
    },
    /// `ALTER TYPE .. RENAME VALUE .. TO ..`.
    RenameEnumValue {
        /// The type.
        name: ObjectName,
        /// The value's current text.
        from: String,
        /// The new text.
        to: String,
    },
    /// `UPDATE ..`: a data change, with no automatic inverse.
    Update(UpdateDef),
    /// `INSERT INTO ..`: seed data, with no automatic inverse.
    Insert(InsertDef),
    /// `DELETE FROM ..`: with no automatic inverse.
    Delete(DeleteDef),
    /// A batched `UPDATE`: keyset batches, each committed on its own with the
    /// cursor, outside the migration's transaction. No automatic inverse.
    Backfill(BackfillDef),
    /// SQL written by hand, sent as is. Nothing checks it.
    UncheckedSql(UncheckedSql),
    /// Views and materialized views: create, drop, replace, rename, refresh.
    View(ViewStep),
    /// `COMMENT ON .. IS ..`.
    Comment(CommentDef),
    /// A function or procedure: create, replace, drop.
    Routine(RoutineStep),
    /// A trigger: create, replace, drop, rename, enable / disable.
    Trigger(TriggerStep),
    /// Rows moved with a query: `INSERT .. SELECT`, `UPDATE .. FROM`, `DELETE .. USING`,
    /// `CREATE TABLE .. AS`.
    DataMove(DataMove),
    /// A key added over an existing index, or a constraint's deferrability changed.
    Constraint(ConstraintStep),
    /// `REINDEX {INDEX | TABLE} [CONCURRENTLY] ..`.
    Reindex(ReindexDef),
    /// Sequences: create, drop, rename, alter, restart (see [`SequenceStep`]).
    Sequence(SequenceStep),
    /// Domains: create, drop, rename, their checks (see [`DomainStep`]).
    Domain(DomainStep),
    /// Types as such: renames of any type, composite types (see [`TypeStep`]).
    Type(TypeStep),
    /// Row-level security, policies and privileges (`GRANT` / `REVOKE`).
    Security(SecurityStep),
    /// Steps with their hand-written inverse: `up` runs on the way up, `down` on the
    /// way down.
    Reversible {
        /// Steps for the way up.
        up: Vec<Step>,
        /// Steps for the way down.
        down: Vec<Step>,
    },
}

impl Step {
    /// The step's name in the DSL, used in messages and plans.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::CreateTable(_) => "create_table",
            Step::DropTable { .. } => "drop_table",
            Step::RenameTable { .. } => "rename_table",
            Step::AddColumn { .. } => "add_column",
            Step::DropColumn { .. } => "drop_column",
            Step::RenameColumn { .. } => "rename_column",
            Step::AlterColumnType { .. } => "alter_column_type",
            Step::ChangeDefault { .. } => "change_default",
            Step::SetNullability { not_null: true, .. } => "set_not_null",
            Step::SetNullability {
                not_null: false, ..
            } => "drop_not_null",
            Step::CreateIndex(i) if i.concurrently => "create_index_concurrently",
            Step::CreateIndex(_) => "create_index",
            Step::DropIndex {
                concurrently: true, ..
            } => "drop_index_concurrently",
            Step::DropIndex { .. } => "drop_index",
            Step::RenameIndex { .. } => "rename_index",
            Step::AddConstraint { .. } => "add_constraint",
            Step::ValidateConstraint { .. } => "validate_constraint",
            Step::DropConstraint { .. } => "drop_constraint",
            Step::RenameConstraint { .. } => "rename_constraint",
            Step::CreateSchema { .. } => "create_schema",
            Step::EnsureSchema { .. } => "ensure_schema",
            Step::DropSchema { .. } => "drop_schema",
            Step::CreateExtension { .. } => "create_extension",
            Step::EnsureExtension { .. } => "ensure_extension",
            Step::DropExtension { .. } => "drop_extension",
            Step::CreateEnum { .. } => "create_enum",
            Step::DropEnum { .. } => "drop_enum",
            Step::AddEnumValue { .. } => "add_enum_value",
            Step::RenameEnumValue { .. } => "rename_enum_value",
            Step::Update(_) => "update",
            Step::Insert(_) => "insert",
            Step::Delete(_) => "delete",
            Step::Backfill(_) => "backfill",
            Step::UncheckedSql(_) => "unchecked_sql",
            Step::View(v) => v.kind(),
            Step::Comment(c) => c.kind(),
            Step::Routine(s) => s.kind(),
            Step::Trigger(s) => s.kind(),
            Step::DataMove(d) => d.kind(),
            Step::Constraint(c) => c.kind(),
            Step::Reindex(r) => r.kind(),
            Step::Sequence(s) => s.kind(),
            Step::Domain(s) => s.kind(),
            Step::Type(s) => s.kind(),
            Step::Security(s) => s.kind(),
            Step::Reversible { .. } => "reversible",
        }
    }

    /// Whether the step may run inside a transaction block. Concurrent index
    /// operations may not: PostgreSQL refuses them there (SQLSTATE 25001). A
    /// backfill may not either: it commits batch by batch.
    pub fn transactional(&self) -> bool {
        match self {
            Step::CreateIndex(i) => !i.concurrently,
            Step::DropIndex { concurrently, .. } => !concurrently,
            Step::UncheckedSql(s) => s.transactional,
            Step::Backfill(_) => false,
            Step::View(v) => v.transactional(),
            Step::Routine(s) => s.transactional(),
            Step::Trigger(s) => s.transactional(),
            Step::DataMove(d) => d.transactional(),
            Step::Constraint(c) => c.transactional(),
            Step::Reindex(r) => r.transactional(),
            Step::Sequence(s) => s.transactional(),
            Step::Domain(s) => s.transactional(),
            Step::Type(s) => s.transactional(),
            Step::Security(s) => s.transactional(),
            Step::Reversible { up, .. } => up.iter().all(Step::transactional),
            _ => true,
        }
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what
    /// the migration said.
    ///
    /// ```
    /// use migrate_core::{Step, ObjectName};
    /// let rename = Step::RenameTable { from: "app.users".into(), to: "members".into() };
    /// assert_eq!(
    ///     rename.inverse(),
    ///     Some(vec![Step::RenameTable { from: "app.members".into(), to: "users".into() }])
    /// );
    /// let drop = Step::DropTable { table: "users".into(), definition: None };
    /// assert_eq!(drop.inverse(), None);
    /// ```
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: Step| Some(vec![s]);
        match self {
            Step::CreateTable(def) => one(Step::DropTable {
                table: def.name.clone(),
                definition: Some(def.clone()),
            }),
            Step::DropTable { definition, .. } => {
                definition.clone().map(|d| vec![Step::CreateTable(d)])
            }
            Step::RenameTable { from, to } => one(Step::RenameTable {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            Step::AddColumn { table, column } => one(Step::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
                definition: Some(column.clone()),
            }),
            Step::DropColumn {
                table, definition, ..
            } => definition.clone().map(|column| {
                vec![Step::AddColumn {
                    table: table.clone(),
                    column,
                }]
            }),
            Step::RenameColumn { table, from, to } => one(Step::RenameColumn {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            Step::AlterColumnType {
                table,
                column,
                to,
                from,
                using,
                reverse_using,
            } => from.clone().map(|from| {
                vec![Step::AlterColumnType {
                    table: table.clone(),
                    column: column.clone(),
                    to: from,
                    from: Some(to.clone()),
                    using: reverse_using.clone(),
                    reverse_using: using.clone(),
                }]
            }),
            Step::ChangeDefault {
                table,
                column,
                to,
                from,
            } => from.clone().map(|from| {
                vec![Step::ChangeDefault {
                    table: table.clone(),
                    column: column.clone(),
                    to: from,
                    from: Some(to.clone()),
                }]
            }),
            Step::SetNullability {
                table,
                column,
                not_null,
            } => one(Step::SetNullability {
                table: table.clone(),
                column: column.clone(),
                not_null: !not_null,
            }),
            Step::CreateIndex(def) => one(Step::DropIndex {
                index: def.qualified_name(),
                concurrently: def.concurrently,
                definition: Some(def.clone()),
            }),
            Step::DropIndex {
                concurrently,
                definition,
                ..
            } => definition.clone().map(|mut def| {
                def.concurrently = *concurrently;
                vec![Step::CreateIndex(def)]
            }),
            Step::RenameIndex { from, to } => one(Step::RenameIndex {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            Step::AddConstraint { table, constraint } => constraint.name.clone().map(|name| {
                vec![Step::DropConstraint {
                    table: table.clone(),
                    name,
                    definition: Some(constraint.clone()),
                }]
            }),
            Step::ValidateConstraint { .. } => Some(Vec::new()),
            Step::DropConstraint {
                table,
                name,
                definition,
            } => definition.clone().map(|mut constraint| {
                constraint.name = Some(name.clone());
                vec![Step::AddConstraint {
                    table: table.clone(),
                    constraint,
                }]
            }),
            Step::RenameConstraint { table, from, to } => one(Step::RenameConstraint {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            Step::CreateSchema { name } => one(Step::DropSchema { name: name.clone() }),
            Step::DropSchema { name } => one(Step::CreateSchema { name: name.clone() }),
            Step::CreateExtension { name } => one(Step::DropExtension { name: name.clone() }),
            Step::DropExtension { name } => one(Step::CreateExtension { name: name.clone() }),
            // The object may have existed before: dropping it could drop what the
            // migration did not make.
            Step::EnsureSchema { .. } | Step::EnsureExtension { .. } => None,
            Step::CreateEnum { name, values } => one(Step::DropEnum {
                name: name.clone(),
                values: Some(values.clone()),
            }),
            Step::DropEnum { name, values } => values.clone().map(|values| {
                vec![Step::CreateEnum {
                    name: name.clone(),
                    values,
                }]
            }),
            Step::RenameEnumValue { name, from, to } => one(Step::RenameEnumValue {
                name: name.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            Step::AddEnumValue { .. }
            | Step::Update(_)
            | Step::Insert(_)
            | Step::Delete(_)
            | Step::Backfill(_)
            | Step::UncheckedSql(_) => None,
            Step::View(v) => v.inverse(),
            Step::Comment(c) => c.inverse(),
            Step::Routine(s) => s.inverse(),
            Step::Trigger(s) => s.inverse(),
            Step::DataMove(d) => d.inverse(),
            Step::Constraint(c) => c.inverse(),
            Step::Reindex(r) => r.inverse(),
            Step::Sequence(s) => s.inverse(),
            Step::Domain(s) => s.inverse(),
            Step::Type(s) => s.inverse(),
            Step::Security(s) => s.inverse(),
            Step::Reversible { up, down } => one(Step::Reversible {
                up: down.clone(),
                down: up.clone(),
            }),
        }
    }
}
