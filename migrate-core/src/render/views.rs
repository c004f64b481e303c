//! Rendering one family of steps: views and materialized views, and comments (`COMMENT ON`).
//!
//! sea-query has no builder for views or comments: the statements are composed here,
//! with the quoting of [`quote_ident`] / [`quote_name`] and [`literal`] for comment
//! text. A query given as a sea-query `SELECT` is rendered by sea-query.

use crate::ident::Ident;
use crate::step::{
    CheckOption, CommentDef, CommentTarget, MaterializedViewDef, ViewDef, ViewQuery, ViewStep,
};
use crate::types::ColumnType;

use super::{PG, column_type, literal, quote_ident, quote_name, statement_text, terminator};

impl ViewQuery {
    /// The query as PostgreSQL text: SQL as written (without trailing semicolons and
    /// whitespace), or the sea-query statement rendered with values inlined. (Defined
    /// here, where all SQL is rendered.)
    pub fn to_sql(&self) -> String {
        match self {
            ViewQuery::Sql(sql) => statement_text(sql).trim_start().to_owned(),
            ViewQuery::Select(select) => select.to_string(PG),
        }
    }
}

pub(super) fn view(step: &ViewStep) -> String {
    match step {
        ViewStep::Create(def) => create_view(def, false),
        ViewStep::Drop {
            name,
            if_exists,
            cascade,
            ..
        } => drop("VIEW", &quote_name(name), *if_exists, *cascade),
        ViewStep::Replace(r) => create_view(&r.new, true),
        ViewStep::Rename { from, to } => format!(
            "ALTER VIEW {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        ),
        ViewStep::CreateMaterialized(def) => create_materialized_view(def),
        ViewStep::DropMaterialized {
            name,
            if_exists,
            cascade,
            ..
        } => drop("MATERIALIZED VIEW", &quote_name(name), *if_exists, *cascade),
        ViewStep::RenameMaterialized { from, to } => format!(
            "ALTER MATERIALIZED VIEW {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        ),
        ViewStep::Refresh { name, concurrently } => format!(
            "REFRESH MATERIALIZED VIEW {}{}",
            if *concurrently { "CONCURRENTLY " } else { "" },
            quote_name(name)
        ),
    }
}

fn columns(columns: &[Ident]) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let list: Vec<String> = columns.iter().map(quote_ident).collect();
    format!(" ({})", list.join(", "))
}

fn create_view(def: &ViewDef, or_replace: bool) -> String {
    let mut sql = format!(
        "CREATE {}VIEW {}{}",
        if or_replace { "OR REPLACE " } else { "" },
        quote_name(&def.name),
        columns(&def.columns)
    );
    let options: Vec<&str> = [
        (def.security_barrier, "security_barrier"),
        (def.security_invoker, "security_invoker"),
    ]
    .into_iter()
    .filter_map(|(set, option)| set.then_some(option))
    .collect();
    if !options.is_empty() {
        sql.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    sql.push_str(" AS ");
    let query = def.query.to_sql();
    sql.push_str(&query);
    match def.check_option {
        None => {}
        Some(CheckOption::Local) => sql.push_str(&after(&query, "WITH LOCAL CHECK OPTION")),
        Some(CheckOption::Cascaded) => {
            sql.push_str(&after(&query, "WITH CASCADED CHECK OPTION"));
        }
    }
    sql
}

/// A clause after a query: on a line of its own when the query's last line holds a
/// `--`, which may open a comment that would swallow it (see [`terminator`]).
fn after(query: &str, clause: &str) -> String {
    let separator = if terminator(query) == ";" { " " } else { "\n" };
    format!("{separator}{clause}")
}

fn create_materialized_view(def: &MaterializedViewDef) -> String {
    let query = def.query.to_sql();
    format!(
        "CREATE MATERIALIZED VIEW {}{} AS {query}{}",
        quote_name(&def.name),
        columns(&def.columns),
        if def.with_data {
            String::new()
        } else {
            after(&query, "WITH NO DATA")
        }
    )
}

fn drop(what: &str, name: &str, if_exists: bool, cascade: bool) -> String {
    format!(
        "DROP {what} {}{name}{}",
        if if_exists { "IF EXISTS " } else { "" },
        if cascade { " CASCADE" } else { "" }
    )
}

fn signature(types: &[ColumnType]) -> String {
    let list: Vec<String> = types.iter().map(column_type).collect();
    format!("({})", list.join(", "))
}

pub(super) fn comment(def: &CommentDef) -> String {
    let target = match &def.target {
        CommentTarget::Table(name) => format!("TABLE {}", quote_name(name)),
        CommentTarget::Column(table, column) => {
            format!("COLUMN {}.{}", quote_name(table), quote_ident(column))
        }
        CommentTarget::Constraint(table, name) => {
            format!("CONSTRAINT {} ON {}", quote_ident(name), quote_name(table))
        }
        CommentTarget::Trigger(table, name) => {
            format!("TRIGGER {} ON {}", quote_ident(name), quote_name(table))
        }
        CommentTarget::Index(name) => format!("INDEX {}", quote_name(name)),
        CommentTarget::View(name) => format!("VIEW {}", quote_name(name)),
        CommentTarget::MaterializedView(name) => {
            format!("MATERIALIZED VIEW {}", quote_name(name))
        }
        CommentTarget::Sequence(name) => format!("SEQUENCE {}", quote_name(name)),
        CommentTarget::Function(name, args) => {
            format!("FUNCTION {}{}", quote_name(name), signature(args))
        }
        CommentTarget::Procedure(name, args) => {
            format!("PROCEDURE {}{}", quote_name(name), signature(args))
        }
        CommentTarget::Schema(name) => format!("SCHEMA {}", quote_ident(name)),
        CommentTarget::Type(name) => format!("TYPE {}", quote_name(name)),
    };
    let text = match &def.comment {
        Some(text) => literal(text),
        None => "NULL".to_owned(),
    };
    format!("COMMENT ON {target} IS {text}")
}
