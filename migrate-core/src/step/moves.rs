//! The steps and definitions of one family: data moved with a query (insert from a
//! select, update with a join, delete with `USING`, create table as), keys added with
//! an index built beforehand, `ALTER CONSTRAINT`, and `REINDEX`.
//!
//! The options this family adds to existing definitions (deferrable constraints,
//! exclusion constraints, index operator classes, collations, `NULLS NOT DISTINCT`,
//! storage parameters) are fields of those definitions, in `defs`.

use serde::{Serialize, Serializer};

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::step::{Deferrable, IndexDef, Step};

/// A `SELECT` statement inside a step, built with sea-query's typed API
/// (`Query::select()`), stored as data.
///
/// Like [`SqlExpr`], it stands as its rendered PostgreSQL text in the checksum.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlQuery(pub(crate) sea_query::SelectStatement);

impl SqlQuery {
    /// The sea-query statement.
    pub fn as_sea_query(&self) -> &sea_query::SelectStatement {
        &self.0
    }
}

impl From<sea_query::SelectStatement> for SqlQuery {
    fn from(query: sea_query::SelectStatement) -> Self {
        Self(query)
    }
}

impl From<&mut sea_query::SelectStatement> for SqlQuery {
    fn from(query: &mut sea_query::SelectStatement) -> Self {
        Self(query.clone())
    }
}

impl Serialize for SqlQuery {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_sql())
    }
}

/// What a `FROM` (of an `UPDATE`) or `USING` (of a `DELETE`) reads: a table or a
/// sub-query, with an alias.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
// Plain data, recorded once per migration: a box would only cost readability.
#[allow(clippy::large_enum_variant)]
pub enum FromItem {
    /// A table, `AS alias` when given.
    Table {
        /// The table.
        table: ObjectName,
        /// Its alias.
        alias: Option<Ident>,
    },
    /// `(SELECT ..) AS alias`.
    Query {
        /// The sub-query.
        query: SqlQuery,
        /// Its alias (PostgreSQL before 16 requires one).
        alias: Ident,
    },
}

impl FromItem {
    /// A table.
    pub fn table(table: impl Into<ObjectName>) -> Self {
        Self::Table {
            table: table.into(),
            alias: None,
        }
    }

    /// A table under an alias: `table AS alias`.
    pub fn table_as(table: impl Into<ObjectName>, alias: impl Into<Ident>) -> Self {
        Self::Table {
            table: table.into(),
            alias: Some(alias.into()),
        }
    }

    /// A sub-query under an alias: `(SELECT ..) AS alias`.
    pub fn query(query: impl Into<SqlQuery>, alias: impl Into<Ident>) -> Self {
        Self::Query {
            query: query.into(),
            alias: alias.into(),
        }
    }
}

impl<T: Into<ObjectName>> From<T> for FromItem {
    fn from(table: T) -> Self {
        Self::table(table)
    }
}

/// The data moves: statements that move rows with a query.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum DataMove {
    /// `INSERT INTO table (columns) SELECT ..`: no automatic inverse.
    InsertSelect(InsertSelectDef),
    /// `UPDATE table SET .. FROM .. WHERE ..`: no automatic inverse.
    UpdateFrom(UpdateFromDef),
    /// `DELETE FROM table USING .. WHERE ..`: no automatic inverse.
    DeleteUsing(DeleteUsingDef),
    /// `CREATE TABLE .. AS SELECT ..`: undone by dropping the table.
    CreateTableAs(CreateTableAsDef),
}

/// `INSERT INTO table (columns) SELECT .. [ON CONFLICT DO NOTHING]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct InsertSelectDef {
    /// The table.
    pub table: ObjectName,
    /// The columns filled, in the order the query selects them.
    pub columns: Vec<Ident>,
    /// The query giving the rows.
    pub query: SqlQuery,
    /// `ON CONFLICT DO NOTHING`.
    pub on_conflict_do_nothing: bool,
}

/// `UPDATE table SET .. FROM .. WHERE ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UpdateFromDef {
    /// The table updated.
    pub table: ObjectName,
    /// Columns and their new values, in order (the values may read the `FROM` items).
    pub set: Vec<(Ident, SqlExpr)>,
    /// What the update reads besides the table.
    pub from: Vec<FromItem>,
    /// The join condition and the rows to change.
    pub filter: Option<SqlExpr>,
}

/// `DELETE FROM table USING .. WHERE ..`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DeleteUsingDef {
    /// The table rows are deleted from.
    pub table: ObjectName,
    /// What the delete reads besides the table.
    pub using: Vec<FromItem>,
    /// The join condition and the rows to delete.
    pub filter: Option<SqlExpr>,
}

/// `CREATE TABLE name [(columns)] AS SELECT .. [WITH NO DATA]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CreateTableAsDef {
    /// The new table.
    pub name: ObjectName,
    /// Names for its columns (`None`: the query's column names).
    pub columns: Vec<Ident>,
    /// The query giving its columns and rows.
    pub query: SqlQuery,
    /// `WITH NO DATA`: the columns only, no rows.
    pub with_no_data: bool,
}

impl DataMove {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            DataMove::InsertSelect(_) => "insert_select",
            DataMove::UpdateFrom(_) => "update_from",
            DataMove::DeleteUsing(_) => "delete_using",
            DataMove::CreateTableAs(_) => "create_table_as",
        }
    }

    /// Whether it may run inside a transaction: always.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo it: dropping the table a `CREATE TABLE AS` made; `None` for
    /// the others (a data change has no automatic inverse).
    pub fn inverse(&self) -> Option<Vec<Step>> {
        match self {
            DataMove::CreateTableAs(def) => Some(vec![Step::DropTable {
                table: def.name.clone(),
                definition: None,
            }]),
            DataMove::InsertSelect(_) | DataMove::UpdateFrom(_) | DataMove::DeleteUsing(_) => None,
        }
    }
}

/// Which key a constraint added over an existing index is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum KeyKind {
    /// `PRIMARY KEY`.
    PrimaryKey,
    /// `UNIQUE`.
    Unique,
}

/// `ALTER TABLE .. ADD CONSTRAINT name {PRIMARY KEY | UNIQUE} USING INDEX index`: a key
/// over a unique index built beforehand (concurrently), taking only a brief lock.
/// PostgreSQL renames the index to the constraint's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct KeyUsingIndexDef {
    /// The table.
    pub table: ObjectName,
    /// The constraint's name (the index takes it).
    pub name: Ident,
    /// Primary key or unique.
    pub kind: KeyKind,
    /// The index's definition, under its name before the step: the down drops the
    /// constraint (which drops the index) and builds the index again, so that what
    /// comes before the step in the down (e.g. dropping the index) finds it.
    pub index: IndexDef,
    /// `DEFERRABLE [INITIALLY DEFERRED]`.
    #[serde(skip_serializing_if = "Deferrable::is_default")]
    pub deferrable: Deferrable,
}

/// Steps changing a constraint in place, or adding a key over an existing index.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
// Plain data, recorded once per migration: a box would only cost readability.
#[allow(clippy::large_enum_variant)]
pub enum ConstraintStep {
    /// `ALTER TABLE .. ADD CONSTRAINT .. {PRIMARY KEY | UNIQUE} USING INDEX ..`.
    AddUsingIndex(KeyUsingIndexDef),
    /// `ALTER TABLE .. ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY ..]` (foreign
    /// keys only, in PostgreSQL).
    Alter {
        /// The table.
        table: ObjectName,
        /// The constraint.
        name: Ident,
        /// The new setting.
        to: Deferrable,
        /// The current setting, when the migration gave it (needed to go back).
        from: Option<Deferrable>,
    },
}

impl ConstraintStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            ConstraintStep::AddUsingIndex(def) => match def.kind {
                KeyKind::PrimaryKey => "add_primary_key_using_index",
                KeyKind::Unique => "add_unique_using_index",
            },
            ConstraintStep::Alter { .. } => "alter_constraint",
        }
    }

    /// Whether it may run inside a transaction: always.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo it.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        match self {
            ConstraintStep::AddUsingIndex(def) => Some(vec![
                Step::DropConstraint {
                    table: def.table.clone(),
                    name: def.name.clone(),
                    definition: None,
                },
                Step::CreateIndex(def.index.clone()),
            ]),
            ConstraintStep::Alter {
                table,
                name,
                to,
                from,
            } => from.map(|from| {
                vec![Step::Constraint(ConstraintStep::Alter {
                    table: table.clone(),
                    name: name.clone(),
                    to: from,
                    from: Some(*to),
                })]
            }),
        }
    }
}

/// What `REINDEX` rebuilds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum ReindexTarget {
    /// `REINDEX INDEX ..`.
    Index(ObjectName),
    /// `REINDEX TABLE ..`: every index of the table.
    Table(ObjectName),
}

/// `REINDEX {INDEX | TABLE} [CONCURRENTLY] ..`: rebuilds indexes; its inverse does
/// nothing (the schema does not change).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReindexDef {
    /// The index or table.
    pub target: ReindexTarget,
    /// `CONCURRENTLY`: without blocking writes, outside any transaction.
    pub concurrently: bool,
}

impl ReindexDef {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match (&self.target, self.concurrently) {
            (ReindexTarget::Index(_), false) => "reindex_index",
            (ReindexTarget::Index(_), true) => "reindex_index_concurrently",
            (ReindexTarget::Table(_), false) => "reindex_table",
            (ReindexTarget::Table(_), true) => "reindex_table_concurrently",
        }
    }

    /// Whether it may run inside a transaction: not `CONCURRENTLY`.
    pub fn transactional(&self) -> bool {
        !self.concurrently
    }

    /// Its inverse: nothing.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        Some(Vec::new())
    }
}

/// This family's prelude items: the sea-query items the data moves are written with,
/// and the options' types. Re-exported by the prelude as a glob, so that another family
/// re-exporting one of them too does not clash.
#[doc(hidden)]
pub mod moves_prelude {
    pub use super::FromItem;
    pub use crate::step::Deferrable;
    pub use crate::types::SortOrder;
    pub use sea_query::{Query, SelectStatement};
}

// ----- checks ----------------------------------------------------------------------------
// What the plan's checks (`plan/check.rs`) report about this family's steps and options,
// as messages.

use crate::step::{ConstraintDef, ConstraintKind, ExclusionDef};

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn name(&mut self, what: &str, name: &Ident) {
        if let Err(e) = name.check() {
            self.0.push(format!("{what} `{name}`: {e}"));
        }
    }

    fn object(&mut self, what: &str, name: &ObjectName) {
        if let Err(e) = name.check() {
            self.0.push(format!("{what} `{name}`: {e}"));
        }
    }

    fn nonempty<T>(&mut self, what: &str, list: &[T]) {
        if list.is_empty() {
            self.0.push(format!("{what} is empty"));
        }
    }

    fn items(&mut self, items: &[FromItem]) {
        for item in items {
            match item {
                FromItem::Table { table, alias } => {
                    self.object("table", table);
                    if let Some(alias) = alias {
                        self.name("alias", alias);
                    }
                }
                FromItem::Query { alias, .. } => self.name("alias", alias),
            }
        }
    }

    fn index_columns<'a>(
        &mut self,
        columns: impl IntoIterator<Item = &'a crate::step::IndexColumn>,
    ) {
        for c in columns {
            if let crate::step::IndexKey::Column(name) = &c.key {
                self.name("column", name);
            }
            if let Some(collation) = &c.collation {
                self.name("collation", collation);
            }
            if let Some(opclass) = &c.opclass {
                self.object("operator class", opclass);
            }
        }
    }
}

impl DataMove {
    /// What is wrong with it, as the plan reports it.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        match self {
            DataMove::InsertSelect(def) => {
                p.object("table", &def.table);
                p.nonempty("the list of columns", &def.columns);
                for c in &def.columns {
                    p.name("column", c);
                }
            }
            DataMove::UpdateFrom(def) => {
                p.object("table", &def.table);
                p.nonempty("the list of columns to set", &def.set);
                for (c, _) in &def.set {
                    p.name("column", c);
                }
                p.nonempty(
                    "the list of `from` items (without one, use `update`)",
                    &def.from,
                );
                p.items(&def.from);
            }
            DataMove::DeleteUsing(def) => {
                p.object("table", &def.table);
                p.nonempty(
                    "the list of `using` items (without one, use `delete`)",
                    &def.using,
                );
                p.items(&def.using);
            }
            DataMove::CreateTableAs(def) => {
                p.object("table", &def.name);
                let mut seen = std::collections::BTreeSet::new();
                for c in &def.columns {
                    p.name("column", c);
                    if !seen.insert(c) {
                        p.0.push(format!("column `{c}` is named twice"));
                    }
                }
            }
        }
        p.0
    }
}

impl ConstraintStep {
    /// What is wrong with it, as the plan reports it.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        match self {
            ConstraintStep::AddUsingIndex(def) => {
                p.object("table", &def.table);
                p.name("constraint", &def.name);
                p.name("index", &def.index.name);
                if def.index.columns.is_empty() {
                    p.0.push(format!(
                        "the index `{}` is not created earlier in this migration, so the down \
                         cannot rebuild it: give its columns with `{}_with(table, name, index, columns)`",
                        def.index.name,
                        self.kind()
                    ));
                }
                // What PostgreSQL refuses in `USING INDEX`.
                let index = &def.index;
                if !index.columns.is_empty() {
                    if !index.unique {
                        p.0.push(format!("the index `{}` is not unique", index.name));
                    }
                    if index.predicate.is_some()
                        || index.columns.iter().any(|c| {
                            matches!(c.key, crate::step::IndexKey::Expr(_)) || c.order.is_some()
                        })
                    {
                        p.0.push(format!(
                            "the index `{}` is partial, has an expression or a sort order: a key \
                             needs a plain unique index",
                            index.name
                        ));
                    }
                }
                p.index_columns(&def.index.columns);
                for c in &def.index.include {
                    p.name("included column", c);
                }
            }
            ConstraintStep::Alter { table, name, .. } => {
                p.object("table", table);
                p.name("constraint", name);
            }
        }
        p.0
    }
}

impl ReindexDef {
    /// What is wrong with it, as the plan reports it.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        match &self.target {
            ReindexTarget::Index(name) => p.object("index", name),
            ReindexTarget::Table(name) => p.object("table", name),
        }
        p.0
    }
}

impl ConstraintDef {
    /// What is wrong with the options this family adds (deferrable, exclusion), as the
    /// plan reports it.
    pub(crate) fn option_problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        if !self.deferrable.is_default() && matches!(self.kind, ConstraintKind::Check(_)) {
            p.0.push(
                "a check constraint cannot be deferrable (PostgreSQL checks it at each row)"
                    .to_owned(),
            );
        }
        if let ConstraintKind::Exclusion(e) = &self.kind {
            if self.not_valid {
                p.0.push(
                    "`not_valid` applies to foreign keys and checks only; PostgreSQL builds \
                     an index for an exclusion constraint"
                        .to_owned(),
                );
            }
            p.0.extend(e.problems());
        }
        p.0
    }
}

impl ExclusionDef {
    fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        p.nonempty("the exclusion constraint's element list", &self.elements);
        p.index_columns(self.elements.iter().map(|e| &e.column));
        for e in &self.elements {
            if !is_operator(&e.operator) {
                p.0.push(format!(
                    "`{}` is not an operator (e.g. `=`, `&&`)",
                    e.operator
                ));
            }
        }
        for c in &self.include {
            p.name("included column", c);
        }
        p.0
    }
}

impl IndexDef {
    /// What is wrong with the options this family adds (operator classes, collations,
    /// storage parameters, `NULLS NOT DISTINCT`), as the plan reports it.
    pub(crate) fn option_problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        for c in &self.columns {
            if let Some(collation) = &c.collation {
                p.name("collation", collation);
            }
            if let Some(opclass) = &c.opclass {
                p.object("operator class", opclass);
            }
        }
        for param in &self.storage {
            p.name("storage parameter", &param.name);
            if param.value.is_empty() {
                p.0.push(format!("storage parameter `{}` has no value", param.name));
            }
        }
        if self.nulls_not_distinct && !self.unique {
            p.0.push("`nulls_not_distinct` applies to unique indexes only".to_owned());
        }
        p.0
    }
}

/// An operator as PostgreSQL lexes one: operator characters, no comment start.
fn is_operator(op: &str) -> bool {
    !op.is_empty()
        && op.chars().all(|c| "+-*/<>=~!@#%^&|`?".contains(c))
        && !op.contains("--")
        && !op.contains("/*")
}
