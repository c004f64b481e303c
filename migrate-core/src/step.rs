//! Our own AST of schema operations: what a migration records, before any SQL exists.
//!
//! A [`Step`] is plain data. The recorder ([`crate::Migration`]) builds steps, the
//! planner derives their inverses ([`Step::inverse`]) and the renderer turns them into
//! SQL ([`crate::render`]). Keeping the three apart is what makes plans pure, checksums
//! independent of SQL text, and the SQL of every step testable without a database.

use std::time::Duration;

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::{ColumnType, DefaultValue, Identity, IndexMethod, ReferentialAction, SortOrder};

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
    /// Steps with their hand-written inverse: `up` runs on the way up, `down` on the
    /// way down.
    Reversible {
        /// Steps for the way up.
        up: Vec<Step>,
        /// Steps for the way down.
        down: Vec<Step>,
    },
}

/// A table definition: the body of `CREATE TABLE`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableDef {
    /// The table's name.
    pub name: ObjectName,
    /// Its columns, in order.
    pub columns: Vec<ColumnDef>,
    /// Table-level constraints (composite keys, named checks, foreign keys).
    pub constraints: Vec<ConstraintDef>,
}

/// A column definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnDef {
    /// The column's name.
    pub name: Ident,
    /// Its type.
    pub ty: ColumnType,
    /// `Some(false)` for `NOT NULL`, `Some(true)` for an explicit `NULL`, `None` when
    /// not said (nullable).
    pub nullable: Option<bool>,
    /// `DEFAULT ..`.
    pub default: Option<DefaultValue>,
    /// `PRIMARY KEY`.
    pub primary_key: bool,
    /// `UNIQUE`.
    pub unique: bool,
    /// `CHECK (..)`.
    pub check: Option<SqlExpr>,
    /// `REFERENCES table (column)`.
    pub references: Option<ColumnReference>,
    /// `GENERATED .. AS IDENTITY`.
    pub identity: Option<Identity>,
}

impl ColumnDef {
    /// A nullable column of a type, with nothing else said.
    pub fn new(name: impl Into<Ident>, ty: ColumnType) -> Self {
        Self {
            name: name.into(),
            ty,
            nullable: None,
            default: None,
            primary_key: false,
            unique: false,
            check: None,
            references: None,
            identity: None,
        }
    }
}

/// The target of a column-level `REFERENCES`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnReference {
    /// The referenced table.
    pub table: ObjectName,
    /// The referenced column.
    pub column: Ident,
    /// `ON DELETE ..`.
    pub on_delete: Option<ReferentialAction>,
    /// `ON UPDATE ..`.
    pub on_update: Option<ReferentialAction>,
}

/// A named table constraint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConstraintDef {
    /// Its name (`None` lets PostgreSQL choose one; only allowed inside `CREATE TABLE`).
    pub name: Option<Ident>,
    /// What it constrains.
    pub kind: ConstraintKind,
    /// Added `NOT VALID`: existing rows are not checked until `VALIDATE CONSTRAINT`.
    pub not_valid: bool,
}

/// The kinds of table constraint.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// `PRIMARY KEY (..)`.
    PrimaryKey(Vec<Ident>),
    /// `UNIQUE (..)`.
    Unique(Vec<Ident>),
    /// `CHECK (..)`.
    Check(SqlExpr),
    /// `FOREIGN KEY (..) REFERENCES .. (..)`.
    ForeignKey(ForeignKeyDef),
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForeignKeyDef {
    /// The referencing columns.
    pub columns: Vec<Ident>,
    /// The referenced table.
    pub ref_table: ObjectName,
    /// The referenced columns.
    pub ref_columns: Vec<Ident>,
    /// `ON DELETE ..`.
    pub on_delete: Option<ReferentialAction>,
    /// `ON UPDATE ..`.
    pub on_update: Option<ReferentialAction>,
}

/// An index definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexDef {
    /// The index's name (created in the table's schema).
    pub name: Ident,
    /// The indexed table.
    pub table: ObjectName,
    /// The indexed columns or expressions, in order.
    pub columns: Vec<IndexColumn>,
    /// `UNIQUE`.
    pub unique: bool,
    /// Built `CONCURRENTLY`, outside any transaction, without blocking writes.
    pub concurrently: bool,
    /// `USING ..`.
    pub method: Option<IndexMethod>,
    /// `INCLUDE (..)`: covered, non-key columns.
    pub include: Vec<Ident>,
    /// `WHERE ..`: a partial index.
    pub predicate: Option<SqlExpr>,
}

impl IndexDef {
    /// The index's schema-qualified name (an index lives in its table's schema).
    pub fn qualified_name(&self) -> ObjectName {
        self.table.with_name(self.name.clone())
    }
}

/// One key of an index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexColumn {
    /// The column or expression.
    pub key: IndexKey,
    /// Its sort order, when not the default.
    pub order: Option<SortOrder>,
}

/// What an index key is built from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum IndexKey {
    /// A column.
    Column(Ident),
    /// An expression, e.g. `lower(email)`.
    Expr(SqlExpr),
}

/// Where `ALTER TYPE .. ADD VALUE` puts the new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum EnumValuePosition {
    /// `BEFORE 'x'`.
    Before(String),
    /// `AFTER 'x'`.
    After(String),
}

/// `UPDATE table SET .. WHERE ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpdateDef {
    /// The table.
    pub table: ObjectName,
    /// Columns and their new values, in order.
    pub set: Vec<(Ident, SqlExpr)>,
    /// The rows to change (`None`: every row).
    pub filter: Option<SqlExpr>,
}

/// A batched backfill: `UPDATE table SET .. WHERE key > $cursor AND key <= $upper
/// AND (filter)`, repeated over key ranges until no key is left, each batch committed
/// in its own transaction together with the cursor (see [`crate::backfill`]).
///
/// Only what the backfill does is part of the checksum (table, columns, values,
/// filter, key); the pacing ([`BackfillPacing`]) is not, so it can be tuned after the
/// migration ran without marking it modified.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackfillDef {
    /// The table.
    pub table: ObjectName,
    /// Columns and their new values, in order.
    pub set: Vec<(Ident, SqlExpr)>,
    /// The idempotent predicate: the rows that still need the change (`None`: every
    /// row).
    pub filter: Option<SqlExpr>,
    /// The key column batches are cut on; `None`: the table's primary key, which must
    /// be a single column (looked up in the catalog when the backfill runs).
    pub key: Option<Ident>,
    /// Also skip rows whose columns already hold their new values
    /// (`col IS DISTINCT FROM value`), so re-running a batch changes nothing.
    pub skip_unchanged: bool,
    /// How fast it goes.
    #[serde(skip)]
    pub pacing: BackfillPacing,
}

/// The pacing of a [`BackfillDef`]: not part of the checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackfillPacing {
    /// Rows per batch to start with. Default: 1,000.
    pub batch_size: u64,
    /// The duration batches aim at; the batch size adapts towards it (at most
    /// doubling or halving per batch, within 1 and 100 times the initial size).
    /// Default: 40 ms (a writer touching a row of the batch waits for its commit: the
    /// safety bench measured a 162 ms writer stall with 200 ms batches, 30-54 ms with
    /// 40 ms ones).
    pub target_batch_duration: Duration,
    /// The sleep between batches, leaving room for other writers and replicas.
    /// Default: 50 ms.
    pub pause: Duration,
}

impl Default for BackfillPacing {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            target_batch_duration: Duration::from_millis(40),
            pause: Duration::from_millis(50),
        }
    }
}

/// `INSERT INTO table (..) VALUES (..), ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InsertDef {
    /// The table.
    pub table: ObjectName,
    /// The columns given.
    pub columns: Vec<Ident>,
    /// The rows: one value per column each.
    pub rows: Vec<Vec<SqlExpr>>,
    /// `ON CONFLICT DO NOTHING`.
    pub on_conflict_do_nothing: bool,
}

/// `DELETE FROM table WHERE ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeleteDef {
    /// The table.
    pub table: ObjectName,
    /// The rows to delete (`None`: every row).
    pub filter: Option<SqlExpr>,
}

/// Hand-written SQL: one statement, sent as is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncheckedSql {
    /// The statement.
    pub sql: String,
    /// Whether it may run inside a transaction; `false` for statements such as
    /// `CREATE INDEX CONCURRENTLY` or `VACUUM`.
    pub transactional: bool,
}

/// Settings a migration gives for itself, over the runner's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MigrationSettings {
    /// `lock_timeout` for this migration's statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_timeout: Option<Duration>,
    /// `statement_timeout` for this migration's statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_timeout: Option<Duration>,
    /// Safety rules the migration acknowledges breaking, each at one step, with its
    /// reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Allowance>,
}

/// A migration's acknowledgement that one of its steps breaks a safety rule, and why.
/// Recorded by [`Migration::allow`](crate::Migration::allow) right after the step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allowance {
    /// The rule.
    pub rule: crate::rule::Rule,
    /// Index of the step it covers, in the migration's up steps: the step recorded
    /// just before the acknowledgement. `None` when it came before any step, which
    /// planning rejects. Findings of the same rule at other steps are not covered.
    pub step: Option<usize>,
    /// Why breaking it is fine here (shown in code review and in `migrate lint`).
    pub reason: String,
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
            Step::Reversible { up, down } => one(Step::Reversible {
                up: down.clone(),
                down: up.clone(),
            }),
        }
    }
}
