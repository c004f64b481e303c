//! Rendering steps to PostgreSQL SQL: the only module that talks to sea-query's
//! builders, and the only place identifiers are quoted and values escaped.
//!
//! Statements go through sea-query's builders wherever those produce correct SQL
//! (`CREATE TABLE`, `ALTER TABLE`, indexes, foreign keys, enum types, data changes)
//! and are composed here, with the same quoting, where sea-query cannot express them
//! (`NOT VALID`, `VALIDATE CONSTRAINT`, `DROP DEFAULT`, `ALTER INDEX .. RENAME`,
//! `RENAME CONSTRAINT`, schemas, column-level `REFERENCES`, `GENERATED ALWAYS AS
//! IDENTITY`).
//!
//! sea-query 1.0.2 writes index names and primary-key, unique and foreign-key
//! constraint names between double quotes *without* escaping them, and custom type
//! and extension names verbatim. Those names are handed to it already escaped
//! (see `unescaped_iden`), so every identifier comes out exactly as
//! [`quote_ident`] writes it, whichever path a statement takes.
//!
//! Every function here is total: no [`Step`] value makes it panic. Steps that
//! the plan's checks reject (empty lists, dangling references)
//! still render, to SQL that PostgreSQL refuses.
//!
//! This file holds the entry points (a step's statements, expressions, quoting,
//! statement terminators) and the names sea-query is handed; `schema` renders tables,
//! columns, constraints and indexes; `data` renders data changes and backfill batches.

use sea_query::extension::postgres::{Extension, Type};
use sea_query::{
    Check, ConditionalStatement, DynIden, ForeignKey, ForeignKeyAction, ForeignKeyBuilder,
    ForeignKeyCreateStatement, Index, IndexBuilder, IndexCreateStatement, IndexOrder, IndexType,
    PostgresQueryBuilder, Query, QueryBuilder, QuotedBuilder, RcOrArc, SchemaName, StringLen,
    Table, TableBuilder, TableName, TableRefBuilder, TypeRef, Value,
};

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::step::{
    BackfillDef, ColumnDef, ColumnReference, ConstraintDef, ConstraintKind, DeleteDef,
    EnumValuePosition, ForeignKeyDef, IndexColumn, IndexDef, IndexKey, InsertDef, Step, TableDef,
    UpdateDef,
};
use crate::types::{ColumnType, Identity, IndexMethod, ReferentialAction, SortOrder};

mod data;
mod moves;
mod routines;
mod schema;
mod security;
mod sequences;
mod views;

use data::*;
pub(crate) use data::{backfill_batch, backfill_next_upper};
use schema::*;

const PG: PostgresQueryBuilder = PostgresQueryBuilder;

// ----- public API ----------------------------------------------------------------------

/// The statements of one step, each a single SQL statement without a trailing
/// semicolon. A [`Step::Reversible`] renders its `up` steps.
///
/// ```
/// use migrate_core::render;
/// use migrate_core::{ObjectName, Step};
///
/// let rename = Step::RenameTable { from: "app.users".into(), to: "members".into() };
/// assert_eq!(render::step(&rename), [r#"ALTER TABLE "app"."users" RENAME TO "members""#]);
///
/// let schema = Step::CreateSchema { name: "billing".into() };
/// assert_eq!(render::step(&schema), [r#"CREATE SCHEMA "billing""#]);
///
/// let drop = Step::DropTable { table: ObjectName::qualified("app", r#"we"ird"#), definition: None };
/// assert_eq!(render::step(&drop), [r#"DROP TABLE "app"."we""ird""#]);
/// ```
pub fn step(step: &Step) -> Vec<String> {
    let one = |sql: String| vec![sql];
    match step {
        Step::CreateTable(def) => one(create_table(def)),
        Step::DropTable { table, .. } => one(Table::drop().table(table_name(table)).to_string(PG)),
        Step::RenameTable { from, to } => one(Table::rename()
            .table(table_name(from), iden(to))
            .to_string(PG)),
        Step::AddColumn { table, column } => one(Table::alter()
            .table(table_name(table))
            .add_column(column_def(column))
            .to_string(PG)),
        Step::DropColumn { table, column, .. } => one(Table::alter()
            .table(table_name(table))
            .drop_column(iden(column))
            .to_string(PG)),
        Step::RenameColumn { table, from, to } => one(Table::alter()
            .table(table_name(table))
            .rename_column(iden(from), iden(to))
            .to_string(PG)),
        Step::AlterColumnType {
            table,
            column,
            to,
            using,
            ..
        } => {
            let mut def = sea_query::ColumnDef::new_with_type(iden(column), sea_type(to));
            if let Some(using) = using {
                def.using(using.as_sea_query().clone());
            }
            one(Table::alter()
                .table(table_name(table))
                .modify_column(def)
                .to_string(PG))
        }
        Step::ChangeDefault {
            table, column, to, ..
        } => one(match to {
            Some(default) => Table::alter()
                .table(table_name(table))
                .modify_column(
                    sea_query::ColumnDef::new(iden(column))
                        .default(default.expr.as_sea_query().clone()),
                )
                .to_string(PG),
            None => format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                quote_name(table),
                quote_ident(column)
            ),
        }),
        Step::SetNullability {
            table,
            column,
            not_null,
        } => {
            let mut def = sea_query::ColumnDef::new(iden(column));
            if *not_null {
                def.not_null();
            } else {
                def.null();
            }
            one(Table::alter()
                .table(table_name(table))
                .modify_column(def)
                .to_string(PG))
        }
        Step::CreateIndex(def) => one(create_index(def)),
        Step::DropIndex {
            index,
            concurrently,
            ..
        } => {
            let mut drop = Index::drop();
            // sea-query writes only the schema of `table`, as the index's qualifier.
            drop.name(unescaped_iden(&index.name))
                .table(table_name(index));
            if *concurrently {
                drop.concurrently();
            }
            one(drop.to_string(PG))
        }
        Step::RenameIndex { from, to } => one(format!(
            "ALTER INDEX {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        )),
        Step::AddConstraint { table, constraint } => one(add_constraint(table, constraint)),
        Step::ValidateConstraint { table, name } => one(format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            quote_name(table),
            quote_ident(name)
        )),
        Step::DropConstraint { table, name, .. } => one(Table::alter()
            .table(table_name(table))
            .drop_constraint(iden(name))
            .to_string(PG)),
        Step::RenameConstraint { table, from, to } => one(format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            quote_name(table),
            quote_ident(from),
            quote_ident(to)
        )),
        Step::CreateSchema { name } => one(format!("CREATE SCHEMA {}", quote_ident(name))),
        Step::EnsureSchema { name } => {
            one(format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name)))
        }
        Step::DropSchema { name } => one(format!("DROP SCHEMA {}", quote_ident(name))),
        Step::CreateExtension { name } => {
            one(Extension::create().name(quote_ident(name)).to_string(PG))
        }
        Step::EnsureExtension { name } => one(Extension::create()
            .name(quote_ident(name))
            .if_not_exists()
            .to_string(PG)),
        Step::DropExtension { name } => {
            one(Extension::drop().name(quote_ident(name)).to_string(PG))
        }
        Step::CreateEnum { name, values } => one(if values.is_empty() {
            // sea-query leaves out the parentheses of an empty list.
            format!("CREATE TYPE {} AS ENUM ()", quote_name(name))
        } else {
            Type::create()
                .as_enum(type_ref(name))
                .values(values.iter().map(|v| DynIden::from(v.clone())))
                .to_string(PG)
        }),
        Step::DropEnum { name, .. } => one(Type::drop().name(type_ref(name)).to_string(PG)),
        Step::AddEnumValue {
            name,
            value,
            position,
        } => {
            let alter = Type::alter()
                .name(type_ref(name))
                .add_value(DynIden::from(value.clone()));
            let alter = match position {
                None => alter,
                Some(EnumValuePosition::Before(v)) => alter.before(DynIden::from(v.clone())),
                Some(EnumValuePosition::After(v)) => alter.after(DynIden::from(v.clone())),
            };
            one(alter.to_string(PG))
        }
        Step::RenameEnumValue { name, from, to } => one(Type::alter()
            .name(type_ref(name))
            .rename_value(DynIden::from(from.clone()), DynIden::from(to.clone()))
            .to_string(PG)),
        Step::Update(def) => one(update(def)),
        Step::Insert(def) => one(insert(def)),
        Step::Delete(def) => one(delete(def)),
        Step::Backfill(def) => one(backfill_shape(def)),
        Step::UncheckedSql(sql) => one(sql.sql.clone()),
        Step::View(v) => one(views::view(v)),
        Step::Comment(c) => one(views::comment(c)),
        Step::Routine(s) => routines::routine(s),
        Step::Trigger(s) => routines::trigger(s),
        Step::DataMove(d) => one(moves::data_move(d)),
        Step::Constraint(c) => one(moves::constraint_step(c)),
        Step::Reindex(r) => one(moves::reindex(r)),
        Step::Sequence(s) => sequences::sequence(s),
        Step::Domain(s) => sequences::domain(s),
        Step::Type(s) => sequences::type_step(s),
        Step::Security(s) => security::security(s),
        Step::Reversible { up, .. } => up.iter().flat_map(self::step).collect(),
    }
}

/// A standalone expression, values inlined.
///
/// ```
/// use migrate_core::render;
/// use sea_query::{Expr, ExprTrait};
///
/// assert_eq!(render::expr(&Expr::col("name").eq("O'Reilly")), r#""name" = E'O\'Reilly'"#);
/// assert_eq!(render::expr(&Expr::cust("now()")), "now()");
/// ```
pub fn expr(e: &sea_query::Expr) -> String {
    let mut sql = String::new();
    QueryBuilder::prepare_expr(&PG, e, &mut sql);
    sql
}

impl SqlExpr {
    /// The expression rendered for PostgreSQL, values inlined. (Defined here, where
    /// all SQL is rendered, so that the expression type depends on nothing.)
    pub fn to_sql(&self) -> String {
        expr(&self.0)
    }
}

/// An identifier, always double-quoted, with embedded double quotes doubled.
///
/// ```
/// use migrate_core::{render, Ident};
///
/// assert_eq!(render::quote_ident(&Ident::new("users")), r#""users""#);
/// assert_eq!(render::quote_ident(&Ident::new("Users")), r#""Users""#);
/// assert_eq!(render::quote_ident(&Ident::new(r#"a"b"#)), r#""a""b""#);
/// ```
pub fn quote_ident(ident: &Ident) -> String {
    let mut sql = String::new();
    PG.prepare_iden(&iden(ident), &mut sql);
    sql
}

/// An identifier as PostgreSQL prints it (`quote_ident()`, `pg_get_expr`): bare when
/// it is a plain lower-case name that is not a keyword, double-quoted otherwise.
///
/// ```
/// use migrate_core::render::quote_ident_if_needed;
///
/// assert_eq!(quote_ident_if_needed("search_path"), "search_path");
/// assert_eq!(quote_ident_if_needed("Big N"), r#""Big N""#);
/// assert_eq!(quote_ident_if_needed("user"), r#""user""#);
/// assert_eq!(quote_ident_if_needed("2fa"), r#""2fa""#);
/// ```
pub fn quote_ident_if_needed(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && KEYWORDS.binary_search(&name).is_err() {
        name.to_owned()
    } else {
        quote_ident(&Ident::new(name))
    }
}

/// PostgreSQL's keywords that `quote_ident()` quotes (every category but
/// "unreserved": reserved, type or function names, column names), sorted.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// A possibly schema-qualified name, each part quoted as by [`quote_ident`].
///
/// ```
/// use migrate_core::{render, ObjectName};
///
/// assert_eq!(render::quote_name(&"users".into()), r#""users""#);
/// assert_eq!(render::quote_name(&"billing.invoices".into()), r#""billing"."invoices""#);
/// assert_eq!(render::quote_name(&ObjectName::qualified("a.b", "c")), r#""a.b"."c""#);
/// ```
pub fn quote_name(name: &ObjectName) -> String {
    let mut sql = String::new();
    PG.prepare_table_name(&table_name(name), &mut sql);
    sql
}

/// A string literal. Text that needs escaping is written as an `E'..'` literal with
/// backslash escapes, valid whatever `standard_conforming_strings` is set to.
///
/// ```
/// use migrate_core::render;
///
/// assert_eq!(render::literal("plain"), "'plain'");
/// assert_eq!(render::literal("O'Reilly"), r"E'O\'Reilly'");
/// assert_eq!(render::literal(r"C:\dir"), r"E'C:\\dir'");
/// ```
pub fn literal(value: &str) -> String {
    PG.value_to_string(&Value::from(value))
}

/// A statement as it is written into a script or a multi-statement message: without
/// its trailing semicolons and whitespace, followed by [`terminator`].
///
/// ```
/// use migrate_core::render;
///
/// assert_eq!(render::terminated("CREATE TABLE t (a int);  "), "CREATE TABLE t (a int);");
/// // A `;` after a trailing `--` comment would be part of the comment.
/// assert_eq!(
///     render::terminated("CREATE TABLE t (a int) -- note"),
///     "CREATE TABLE t (a int) -- note\n;"
/// );
/// ```
pub fn terminated(sql: &str) -> String {
    let statement = statement_text(sql);
    format!("{statement}{}", terminator(statement))
}

/// A statement without its trailing semicolons and whitespace.
pub fn statement_text(sql: &str) -> &str {
    let mut statement = sql.trim_end();
    while let Some(rest) = statement.strip_suffix(';') {
        statement = rest.trim_end();
    }
    statement
}

/// What ends a statement (given without its semicolon) in a script: `;`, or `\n;`
/// when its last line holds a `--`, which may open a comment that would swallow a `;`
/// on the same line and glue the next statement to this one. A comment ends at a line
/// break, so the test is safe however the line lexes (a `--` inside a string only
/// costs a line break).
pub fn terminator(statement: &str) -> &'static str {
    let last_line = statement.rsplit(['\n', '\r']).next().unwrap_or_default();
    if last_line.contains("--") { "\n;" } else { ";" }
}

/// A column type as PostgreSQL text: sea-query's spelling for the built-in types
/// (`bool`, `decimal(p, s)`, `timestamp with time zone`), a quoted name for
/// [`ColumnType::Named`], the text itself for [`ColumnType::Unchecked`].
///
/// ```
/// use migrate_core::{render, ColumnType, ObjectName};
///
/// assert_eq!(render::column_type(&ColumnType::Varchar(40)), "varchar(40)");
/// assert_eq!(render::column_type(&ColumnType::Numeric(12, 2)), "decimal(12, 2)");
/// assert_eq!(render::column_type(&ColumnType::UnconstrainedNumeric), "decimal");
/// assert_eq!(render::column_type(&ColumnType::Text.array()), "text[]");
/// assert_eq!(render::column_type(&ColumnType::named("app.mood").array()), r#""app"."mood"[]"#);
/// assert_eq!(render::column_type(&ColumnType::unchecked("vector(3)")), "vector(3)");
/// ```
pub fn column_type(ty: &ColumnType) -> String {
    let mut sql = String::new();
    PG.prepare_column_type(&sea_type(ty), &mut sql);
    sql
}

// ----- names ---------------------------------------------------------------------------

fn iden(ident: &Ident) -> DynIden {
    DynIden::from(ident.as_str().to_owned())
}

/// The text sea-query must be given for a name it writes between double quotes
/// without escaping (index names; primary-key, unique and foreign-key constraint
/// names): the inside of [`quote_ident`]'s output, so the result is identical.
fn unescaped_iden(ident: &Ident) -> String {
    let quoted = quote_ident(ident);
    if let Some(inner) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        return inner.to_owned();
    }
    quoted
}

fn table_name(name: &ObjectName) -> TableName {
    TableName(
        name.schema.as_ref().map(|s| SchemaName(None, iden(s))),
        iden(&name.name),
    )
}

fn type_ref(name: &ObjectName) -> TypeRef {
    TypeRef(
        name.schema.as_ref().map(|s| SchemaName(None, iden(s))),
        iden(&name.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::UncheckedSql;
    use sea_query::{Expr, ExprTrait};

    fn weird() -> Ident {
        Ident::new(r#"we"ird"#)
    }

    #[test]
    fn names_sea_query_does_not_escape_are_quoted_like_the_others() {
        let q = quote_ident(&weird());
        assert_eq!(q, r#""we""ird""#);
        let index = IndexDef {
            name: weird(),
            table: ObjectName::qualified(weird(), weird()),
            columns: vec![IndexColumn::from(weird())],
            unique: false,
            concurrently: false,
            method: None,
            include: vec![weird()],
            predicate: None,
            nulls_not_distinct: false,
            storage: vec![],
        };
        assert_eq!(
            step(&Step::CreateIndex(index.clone())),
            [format!("CREATE INDEX {q} ON {q}.{q} ({q}) INCLUDE ({q})")]
        );
        assert_eq!(
            step(&Step::DropIndex {
                index: index.qualified_name(),
                concurrently: true,
                definition: None
            }),
            [format!("DROP INDEX CONCURRENTLY {q}.{q}")]
        );
        let fk = ForeignKeyDef {
            columns: vec![weird()],
            ref_table: weird().as_str().into(),
            ref_columns: vec![weird()],
            on_delete: None,
            on_update: None,
        };
        for (kind, body) in [
            (
                ConstraintKind::ForeignKey(fk),
                format!("FOREIGN KEY ({q}) REFERENCES {q} ({q})"),
            ),
            (
                ConstraintKind::PrimaryKey(vec![weird()]),
                format!("PRIMARY KEY ({q})"),
            ),
            (
                ConstraintKind::Unique(vec![weird()]),
                format!("UNIQUE ({q})"),
            ),
            (
                ConstraintKind::Check(Expr::col(weird().as_str().to_owned()).gt(0).into()),
                format!("CHECK ({q} > 0)"),
            ),
        ] {
            let constraint = ConstraintDef::new(Some(weird()), kind);
            assert_eq!(
                step(&Step::AddConstraint {
                    table: ObjectName::unqualified(weird()),
                    constraint: constraint.clone(),
                }),
                [format!("ALTER TABLE {q} ADD CONSTRAINT {q} {body}")]
            );
            let mut table = TableDef::new(ObjectName::unqualified(weird()));
            table.column(weird(), ColumnType::Integer);
            table.constraints.push(constraint);
            assert_eq!(
                step(&Step::CreateTable(table)),
                [format!(
                    "CREATE TABLE {q} ( {q} integer, CONSTRAINT {q} {body} )"
                )]
            );
        }
        assert_eq!(
            step(&Step::CreateExtension { name: weird() }),
            [format!("CREATE EXTENSION {q}")]
        );
        assert_eq!(
            step(&Step::EnsureExtension { name: weird() }),
            [format!("CREATE EXTENSION IF NOT EXISTS {q}")]
        );
        assert_eq!(
            column_type(&ColumnType::Named(ObjectName::qualified(weird(), weird()))),
            format!("{q}.{q}")
        );
    }

    #[test]
    fn inputs_sea_query_panics_on_render() {
        // auto_increment on a non-integer type panics in sea-query.
        let mut table = TableDef::new("t");
        table
            .column("id", ColumnType::Uuid)
            .identity()
            .primary_key();
        table.column("n", ColumnType::Text).identity_always();
        assert_eq!(
            step(&Step::CreateTable(table)),
            [concat!(
                r#"CREATE TABLE "t" ( "id" uuid GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "#,
                r#""n" text GENERATED ALWAYS AS IDENTITY )"#
            )]
        );
        assert_eq!(
            step(&Step::CreateTable(TableDef::new("t"))),
            [r#"CREATE TABLE "t" ()"#]
        );
        assert_eq!(
            step(&Step::CreateEnum {
                name: "e".into(),
                values: vec![]
            }),
            [r#"CREATE TYPE "e" AS ENUM ()"#]
        );
        let insert = InsertDef {
            table: "t".into(),
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec![Expr::val(1).into()]],
            on_conflict_do_nothing: true,
        };
        assert_eq!(
            step(&Step::Insert(insert)),
            [r#"INSERT INTO "t" ("a", "b") VALUES (1) ON CONFLICT DO NOTHING"#]
        );
        assert_eq!(
            step(&Step::Reversible {
                up: vec![
                    Step::UncheckedSql(UncheckedSql {
                        sql: "SELECT 1".into(),
                        transactional: true
                    }),
                    Step::DropSchema { name: "s".into() },
                ],
                down: vec![],
            }),
            ["SELECT 1", r#"DROP SCHEMA "s""#]
        );
        assert!(
            step(&Step::Reversible {
                up: vec![],
                down: vec![]
            })
            .is_empty()
        );
    }

    #[test]
    fn keywords_are_sorted_and_unique_for_the_binary_search() {
        assert!(super::KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }
}
