//! The steps and definitions of one family: views and materialized views, and comments (`COMMENT ON`).
//!
//! Views and materialized views are one family enum, [`ViewStep`], carried by
//! [`Step::View`]; comments are [`CommentDef`], carried by [`Step::Comment`]. Each
//! knows its kind, whether it may run in a transaction and its inverse, with the same
//! meaning as [`Step`]'s.

use serde::{Serialize, Serializer};

use crate::ident::{Ident, ObjectName};
use crate::types::ColumnType;

use super::Step;

/// The query a view or materialized view is defined by: SQL text, or a sea-query
/// `SELECT` (rendered for PostgreSQL, values inlined).
///
/// ```
/// use migrate_core::ViewQuery;
/// use sea_query::{Expr, ExprTrait, Query};
///
/// let text: ViewQuery = "SELECT id, email FROM users WHERE active".into();
/// assert_eq!(text.to_sql(), "SELECT id, email FROM users WHERE active");
/// let built: ViewQuery = Query::select()
///     .columns(["id", "email"])
///     .from("users")
///     .and_where(Expr::col("active").eq(true))
///     .into();
/// assert_eq!(built.to_sql(), r#"SELECT "id", "email" FROM "users" WHERE "active" = TRUE"#);
/// ```
///
/// For the checksum a query stands as its rendered text (like [`SqlExpr`](crate::SqlExpr)):
/// the text as written (without trailing semicolons and whitespace), or what sea-query
/// renders.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ViewQuery {
    /// SQL text, sent as written (trailing semicolons left out).
    Sql(String),
    /// A sea-query `SELECT`.
    Select(Box<sea_query::SelectStatement>),
}

impl From<&str> for ViewQuery {
    fn from(sql: &str) -> Self {
        Self::Sql(sql.to_owned())
    }
}

impl From<String> for ViewQuery {
    fn from(sql: String) -> Self {
        Self::Sql(sql)
    }
}

impl From<&String> for ViewQuery {
    fn from(sql: &String) -> Self {
        Self::Sql(sql.clone())
    }
}

impl From<sea_query::SelectStatement> for ViewQuery {
    fn from(select: sea_query::SelectStatement) -> Self {
        Self::Select(Box::new(select))
    }
}

impl From<&sea_query::SelectStatement> for ViewQuery {
    fn from(select: &sea_query::SelectStatement) -> Self {
        Self::Select(Box::new(select.clone()))
    }
}

impl From<&mut sea_query::SelectStatement> for ViewQuery {
    fn from(select: &mut sea_query::SelectStatement) -> Self {
        Self::Select(Box::new(select.clone()))
    }
}

impl Serialize for ViewQuery {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_sql())
    }
}

/// `WITH [LOCAL | CASCADED] CHECK OPTION` of an updatable view: rows written through
/// the view must satisfy its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum CheckOption {
    /// `WITH LOCAL CHECK OPTION`: this view's condition only.
    Local,
    /// `WITH CASCADED CHECK OPTION`: this view's and those of the views under it.
    Cascaded,
}

/// A view definition: the body of `CREATE VIEW`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ViewDef {
    /// The view's name.
    pub name: ObjectName,
    /// Explicit column names (`CREATE VIEW v (a, b) AS ..`); empty: the query's.
    pub columns: Vec<Ident>,
    /// The query.
    pub query: ViewQuery,
    /// `WITH (security_barrier)`.
    pub security_barrier: bool,
    /// `WITH .. CHECK OPTION`.
    pub check_option: Option<CheckOption>,
    /// `WITH (security_invoker)` (PostgreSQL 15+): the tables under the view are read
    /// with the privileges and row-level security policies of the user querying it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub security_invoker: bool,
}

/// A materialized view definition: the body of `CREATE MATERIALIZED VIEW`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MaterializedViewDef {
    /// The materialized view's name.
    pub name: ObjectName,
    /// Explicit column names; empty: the query's.
    pub columns: Vec<Ident>,
    /// The query.
    pub query: ViewQuery,
    /// `WITH DATA` (the default: filled at once); `false` for `WITH NO DATA`, which
    /// leaves it unreadable until its first refresh.
    pub with_data: bool,
}

/// `CREATE OR REPLACE VIEW`, with the definition it replaces.
///
/// PostgreSQL's `CREATE OR REPLACE VIEW` can only add columns at the end: it refuses to
/// drop, rename or retype one ("cannot drop columns from view"). So the down of a
/// replacement that added columns cannot be another `CREATE OR REPLACE`: by default it
/// drops the view and creates the old one (in the same transaction). Dropping loses
/// the view's grants and comment and fails when other views depend on it; when the
/// old and new definitions have the same columns, [`same_columns`](Self::same_columns)
/// makes the down a `CREATE OR REPLACE VIEW` too, which keeps them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ViewReplacement {
    /// The definition replaced, when the migration gave it (needed to go back).
    pub old: Option<ViewDef>,
    /// The new definition.
    pub new: ViewDef,
    /// The old and new definitions have the same columns: the down replaces the view
    /// too, rather than dropping and creating it.
    pub same_columns: bool,
}

/// Views and materialized views.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum ViewStep {
    /// `CREATE VIEW ..`.
    Create(ViewDef),
    /// `DROP VIEW [IF EXISTS] .. [CASCADE]`; with its definition (and neither `IF
    /// EXISTS` nor `CASCADE`) it can be re-created on the way down.
    Drop {
        /// The view.
        name: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<ViewDef>,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`: also drops what depends on it.
        cascade: bool,
    },
    /// `CREATE OR REPLACE VIEW ..`.
    Replace(ViewReplacement),
    /// `ALTER VIEW .. RENAME TO ..`.
    Rename {
        /// The view's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `CREATE MATERIALIZED VIEW .. [WITH NO DATA]`.
    CreateMaterialized(MaterializedViewDef),
    /// `DROP MATERIALIZED VIEW [IF EXISTS] .. [CASCADE]`; with its definition (and
    /// neither `IF EXISTS` nor `CASCADE`) it can be re-created on the way down.
    DropMaterialized {
        /// The materialized view.
        name: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<MaterializedViewDef>,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`: also drops what depends on it.
        cascade: bool,
    },
    /// `ALTER MATERIALIZED VIEW .. RENAME TO ..`.
    RenameMaterialized {
        /// The materialized view's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] ..`: its inverse is nothing.
    Refresh {
        /// The materialized view.
        name: ObjectName,
        /// `CONCURRENTLY`: without blocking readers; needs a unique index on the
        /// materialized view, and a populated one.
        concurrently: bool,
    },
}

impl ViewStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            ViewStep::Create(_) => "create_view",
            ViewStep::Drop { cascade: true, .. } => "drop_view_cascade",
            ViewStep::Drop {
                if_exists: true, ..
            } => "drop_view_if_exists",
            ViewStep::Drop { .. } => "drop_view",
            ViewStep::Replace(r) if r.old.is_none() => "create_or_replace_view",
            ViewStep::Replace(_) => "replace_view",
            ViewStep::Rename { .. } => "rename_view",
            ViewStep::CreateMaterialized(_) => "create_materialized_view",
            ViewStep::DropMaterialized { cascade: true, .. } => "drop_materialized_view_cascade",
            ViewStep::DropMaterialized {
                if_exists: true, ..
            } => "drop_materialized_view_if_exists",
            ViewStep::DropMaterialized { .. } => "drop_materialized_view",
            ViewStep::RenameMaterialized { .. } => "rename_materialized_view",
            ViewStep::Refresh {
                concurrently: true, ..
            } => "refresh_materialized_view_concurrently",
            ViewStep::Refresh { .. } => "refresh_materialized_view",
        }
    }

    /// Whether the step may run inside a transaction block: every view step may.
    ///
    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`, unlike `CREATE INDEX CONCURRENTLY`,
    /// runs in a transaction block (checked on PostgreSQL 14, 15 and 18; the lint's
    /// `runs_concurrently` knows it too): it takes an `EXCLUSIVE` lock, which lets
    /// readers through, until the transaction ends.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what
    /// the migration said.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: ViewStep| Some(vec![Step::View(s)]);
        match self {
            ViewStep::Create(def) => one(ViewStep::Drop {
                name: def.name.clone(),
                definition: Some(def.clone()),
                if_exists: false,
                cascade: false,
            }),
            ViewStep::Drop {
                definition: Some(def),
                if_exists: false,
                cascade: false,
                ..
            } => one(ViewStep::Create(def.clone())),
            ViewStep::Drop { .. } => None,
            ViewStep::Replace(ViewReplacement {
                old: Some(old),
                new,
                same_columns,
            }) => {
                if *same_columns {
                    one(ViewStep::Replace(ViewReplacement {
                        old: Some(new.clone()),
                        new: old.clone(),
                        same_columns: true,
                    }))
                } else {
                    // `CREATE OR REPLACE VIEW` cannot drop the columns the up added.
                    Some(vec![
                        Step::View(ViewStep::Drop {
                            name: new.name.clone(),
                            definition: Some(new.clone()),
                            if_exists: false,
                            cascade: false,
                        }),
                        Step::View(ViewStep::Create(old.clone())),
                    ])
                }
            }
            ViewStep::Replace(_) => None,
            ViewStep::Rename { from, to } => one(ViewStep::Rename {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            ViewStep::CreateMaterialized(def) => one(ViewStep::DropMaterialized {
                name: def.name.clone(),
                definition: Some(def.clone()),
                if_exists: false,
                cascade: false,
            }),
            ViewStep::DropMaterialized {
                definition: Some(def),
                if_exists: false,
                cascade: false,
                ..
            } => one(ViewStep::CreateMaterialized(def.clone())),
            ViewStep::DropMaterialized { .. } => None,
            ViewStep::RenameMaterialized { from, to } => one(ViewStep::RenameMaterialized {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            // Refreshing changes no definition; the old contents are not kept.
            ViewStep::Refresh { .. } => Some(Vec::new()),
        }
    }
}

/// What a `COMMENT ON` is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum CommentTarget {
    /// `COMMENT ON TABLE`.
    Table(ObjectName),
    /// `COMMENT ON COLUMN table.column` (of a table, view or materialized view).
    Column(ObjectName, Ident),
    /// `COMMENT ON CONSTRAINT name ON table`.
    Constraint(ObjectName, Ident),
    /// `COMMENT ON TRIGGER name ON table`.
    Trigger(ObjectName, Ident),
    /// `COMMENT ON INDEX`.
    Index(ObjectName),
    /// `COMMENT ON VIEW`.
    View(ObjectName),
    /// `COMMENT ON MATERIALIZED VIEW`.
    MaterializedView(ObjectName),
    /// `COMMENT ON SEQUENCE`.
    Sequence(ObjectName),
    /// `COMMENT ON FUNCTION name(argument types)`.
    Function(ObjectName, Vec<ColumnType>),
    /// `COMMENT ON PROCEDURE name(argument types)`.
    Procedure(ObjectName, Vec<ColumnType>),
    /// `COMMENT ON SCHEMA`.
    Schema(Ident),
    /// `COMMENT ON TYPE` (an enum, a composite type, a domain).
    Type(ObjectName),
}

impl CommentTarget {
    /// A table.
    pub fn table(name: impl Into<ObjectName>) -> Self {
        Self::Table(name.into())
    }

    /// A column of a table, view or materialized view.
    pub fn column(table: impl Into<ObjectName>, column: impl Into<Ident>) -> Self {
        Self::Column(table.into(), column.into())
    }

    /// A constraint of a table.
    pub fn constraint(table: impl Into<ObjectName>, name: impl Into<Ident>) -> Self {
        Self::Constraint(table.into(), name.into())
    }

    /// A trigger of a table.
    pub fn trigger(table: impl Into<ObjectName>, name: impl Into<Ident>) -> Self {
        Self::Trigger(table.into(), name.into())
    }

    /// An index (its schema is its table's).
    pub fn index(name: impl Into<ObjectName>) -> Self {
        Self::Index(name.into())
    }

    /// A view.
    pub fn view(name: impl Into<ObjectName>) -> Self {
        Self::View(name.into())
    }

    /// A materialized view.
    pub fn materialized_view(name: impl Into<ObjectName>) -> Self {
        Self::MaterializedView(name.into())
    }

    /// A sequence.
    pub fn sequence(name: impl Into<ObjectName>) -> Self {
        Self::Sequence(name.into())
    }

    /// A function, by its name and argument types (its signature:
    /// `CommentTarget::function("app.total", [Integer])` is `app.total(integer)`).
    pub fn function(
        name: impl Into<ObjectName>,
        arguments: impl IntoIterator<Item = ColumnType>,
    ) -> Self {
        Self::Function(name.into(), arguments.into_iter().collect())
    }

    /// A procedure, by its name and argument types.
    pub fn procedure(
        name: impl Into<ObjectName>,
        arguments: impl IntoIterator<Item = ColumnType>,
    ) -> Self {
        Self::Procedure(name.into(), arguments.into_iter().collect())
    }

    /// A schema.
    pub fn schema(name: impl Into<Ident>) -> Self {
        Self::Schema(name.into())
    }

    /// A type: an enum, a composite type or a domain.
    pub fn ty(name: impl Into<ObjectName>) -> Self {
        Self::Type(name.into())
    }
}

/// `COMMENT ON .. IS ..`: the new comment, and the old one when the migration gave it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CommentDef {
    /// What the comment is on.
    pub target: CommentTarget,
    /// The new comment; `None` removes it (`IS NULL`).
    pub comment: Option<String>,
    /// The comment before, when the migration gave it: `Some(None)` means "there was
    /// none", `None` means "not said" (no automatic inverse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Option<String>>,
}

impl CommentDef {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        if self.old.is_some() {
            "change_comment"
        } else {
            "set_comment"
        }
    }

    /// The steps that undo this one: the old comment back, when it was given.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        self.old.clone().map(|old| {
            vec![Step::Comment(CommentDef {
                target: self.target.clone(),
                comment: old,
                old: Some(self.comment.clone()),
            })]
        })
    }
}
