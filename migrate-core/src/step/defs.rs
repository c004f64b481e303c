//! The definitions steps carry: tables and columns, constraints, indexes, enum value
//! positions, data changes and backfills, raw SQL, and a migration's settings.

use std::time::Duration;

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::{ColumnType, DefaultValue, Identity, IndexMethod, ReferentialAction, SortOrder};

/// A table definition: the body of `CREATE TABLE`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
pub struct ConstraintDef {
    /// Its name (`None` lets PostgreSQL choose one; only allowed inside `CREATE TABLE`).
    pub name: Option<Ident>,
    /// What it constrains.
    pub kind: ConstraintKind,
    /// Added `NOT VALID`: existing rows are not checked until `VALIDATE CONSTRAINT`.
    pub not_valid: bool,
    /// `DEFERRABLE [INITIALLY DEFERRED]` (foreign keys, unique, primary key and
    /// exclusion constraints).
    #[serde(skip_serializing_if = "Deferrable::is_default")]
    pub deferrable: Deferrable,
}

impl ConstraintDef {
    /// A constraint of a kind, with nothing else said.
    pub fn new(name: Option<Ident>, kind: ConstraintKind) -> Self {
        Self {
            name,
            kind,
            not_valid: false,
            deferrable: Deferrable::NotDeferrable,
        }
    }
}

/// When a constraint is checked: at each statement, or at commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Deferrable {
    /// `NOT DEFERRABLE` (the default): checked after each statement.
    #[default]
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`: checked after each statement unless a
    /// transaction says `SET CONSTRAINTS .. DEFERRED`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`: checked at commit.
    InitiallyDeferred,
}

impl Deferrable {
    /// Whether it is the default, `NOT DEFERRABLE`.
    pub fn is_default(&self) -> bool {
        *self == Deferrable::NotDeferrable
    }
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
    /// `EXCLUDE USING .. (element WITH operator, ..)`.
    Exclusion(ExclusionDef),
}

/// An exclusion constraint: no two rows may match on every element's operator.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ExclusionDef {
    /// `USING ..` (`None`: gist).
    pub method: Option<IndexMethod>,
    /// The elements, each a column or expression and its operator.
    pub elements: Vec<ExclusionElement>,
    /// `INCLUDE (..)`: non-key columns stored in the constraint's index.
    pub include: Vec<Ident>,
    /// `WHERE (..)`: the rows the constraint applies to.
    pub predicate: Option<SqlExpr>,
}

/// One element of an exclusion constraint: `element WITH operator`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ExclusionElement {
    /// The column or expression, with its operator class and collation if any.
    pub column: IndexColumn,
    /// The operator, e.g. `=` or `&&`.
    pub operator: String,
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// `NULLS NOT DISTINCT` (unique indexes, PostgreSQL 15+): `NULL`s are equal.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// `WITH (name = value, ..)`: storage parameters, e.g. `fillfactor`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<StorageParam>,
}

/// A storage parameter of an index: `name = value`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StorageParam {
    /// The parameter, e.g. `fillfactor`.
    pub name: Ident,
    /// Its value: a number is written as is, anything else as a string literal.
    pub value: String,
}

impl IndexDef {
    /// The index's schema-qualified name (an index lives in its table's schema).
    pub fn qualified_name(&self) -> ObjectName {
        self.table.with_name(self.name.clone())
    }
}

/// One key of an index: build it with [`IndexColumn::col`], [`IndexColumn::expr`] (or
/// from a column name) and refine it with `.opclass(..)`, `.collate(..)`, `.order(..)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct IndexColumn {
    /// The column or expression.
    pub key: IndexKey,
    /// Its sort order, when not the default.
    pub order: Option<SortOrder>,
    /// `COLLATE ..`, when not the column's own (one name: collation names hold dots,
    /// as in `en_US.utf8`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<Ident>,
    /// Its operator class, e.g. `text_pattern_ops` or `gin_trgm_ops`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opclass: Option<ObjectName>,
}

/// What an index key is built from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum IndexKey {
    /// A column.
    Column(Ident),
    /// An expression, e.g. `lower(email)`.
    Expr(SqlExpr),
}

/// Where `ALTER TYPE .. ADD VALUE` puts the new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum EnumValuePosition {
    /// `BEFORE 'x'`.
    Before(String),
    /// `AFTER 'x'`.
    After(String),
}

/// `UPDATE table SET .. WHERE ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
pub struct DeleteDef {
    /// The table.
    pub table: ObjectName,
    /// The rows to delete (`None`: every row).
    pub filter: Option<SqlExpr>,
}

/// Hand-written SQL: one statement, sent as is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UncheckedSql {
    /// The statement.
    pub sql: String,
    /// Whether it may run inside a transaction; `false` for statements such as
    /// `CREATE INDEX CONCURRENTLY` or `VACUUM`.
    pub transactional: bool,
}

/// Settings a migration gives for itself, over the runner's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
