//! Rendering one family of steps: data moved with a query (insert from a select,
//! update with a join, delete with `USING`, create table as), keys added over an
//! existing index, `ALTER CONSTRAINT` and `REINDEX`; and the clauses this family adds to
//! constraints and indexes (`DEFERRABLE`, `EXCLUDE`, per-column options, storage
//! parameters), used by `schema`.
//!
//! sea-query 1.0.2 writes `INSERT .. SELECT` (`InsertStatement::select_from`) and
//! `UPDATE .. FROM` (`UpdateStatement::from`); it has no `DELETE .. USING`, no
//! `CREATE TABLE .. AS`, no `DEFERRABLE`, no exclusion constraints, no index collations
//! or storage parameters, and writes an operator class verbatim after the sort order
//! (PostgreSQL wants it before): those are composed here, with the same quoting.

use sea_query::TableRef;

use super::*;
use crate::step::{
    ConstraintStep, DataMove, Deferrable, ExclusionDef, FromItem, KeyKind, ReindexDef,
    ReindexTarget, SqlQuery, StorageParam,
};

impl SqlQuery {
    /// The query rendered for PostgreSQL, values inlined.
    pub fn to_sql(&self) -> String {
        self.0.to_string(PG)
    }
}

pub(super) fn data_move(step: &DataMove) -> String {
    match step {
        DataMove::InsertSelect(def) => {
            let mut insert = Query::insert();
            insert
                .into_table(table_name(&def.table))
                .columns(def.columns.iter().map(iden));
            let mut sql = match insert.select_from(def.query.0.clone()) {
                Ok(insert) => insert.to_string(PG),
                // sea-query refuses a query whose select list is not as long as the
                // columns (or is `*`): write it out, PostgreSQL checks it.
                Err(_) => format!(
                    "INSERT INTO {} ({}) {}",
                    quote_name(&def.table),
                    list(def.columns.iter().map(quote_ident)),
                    def.query.to_sql()
                ),
            };
            if def.on_conflict_do_nothing {
                sql.push_str(" ON CONFLICT DO NOTHING");
            }
            sql
        }
        DataMove::UpdateFrom(def) => {
            let mut update = Query::update();
            update.table(table_name(&def.table));
            for (column, value) in &def.set {
                update.value(iden(column), value.as_sea_query().clone());
            }
            for item in &def.from {
                update.from(table_ref(item));
            }
            if let Some(filter) = &def.filter {
                update.and_where(filter.as_sea_query().clone());
            }
            update.to_string(PG)
        }
        DataMove::DeleteUsing(def) => {
            let mut sql = format!("DELETE FROM {}", quote_name(&def.table));
            if !def.using.is_empty() {
                sql.push_str(" USING ");
                sql.push_str(&list(def.using.iter().map(from_item)));
            }
            if let Some(filter) = &def.filter {
                sql.push_str(" WHERE ");
                sql.push_str(&filter.to_sql());
            }
            sql
        }
        DataMove::CreateTableAs(def) => {
            let columns = if def.columns.is_empty() {
                String::new()
            } else {
                format!(" ({})", list(def.columns.iter().map(quote_ident)))
            };
            let data = if def.with_no_data {
                " WITH NO DATA"
            } else {
                ""
            };
            format!(
                "CREATE TABLE {}{columns} AS {}{data}",
                quote_name(&def.name),
                def.query.to_sql()
            )
        }
    }
}

fn table_ref(item: &FromItem) -> TableRef {
    match item {
        FromItem::Table { table, alias } => {
            TableRef::Table(table_name(table), alias.as_ref().map(iden))
        }
        FromItem::Query { query, alias } => {
            TableRef::SubQuery(Box::new(query.0.clone()), iden(alias))
        }
    }
}

/// A `FROM` / `USING` item as sea-query writes it in `UPDATE .. FROM`.
fn from_item(item: &FromItem) -> String {
    match item {
        FromItem::Table { table, alias: None } => quote_name(table),
        FromItem::Table {
            table,
            alias: Some(alias),
        } => format!("{} AS {}", quote_name(table), quote_ident(alias)),
        FromItem::Query { query, alias } => {
            format!("({}) AS {}", query.to_sql(), quote_ident(alias))
        }
    }
}

pub(super) fn constraint_step(step: &ConstraintStep) -> String {
    match step {
        ConstraintStep::AddUsingIndex(def) => {
            let key = match def.kind {
                KeyKind::PrimaryKey => "PRIMARY KEY",
                KeyKind::Unique => "UNIQUE",
            };
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {key} USING INDEX {}{}",
                quote_name(&def.table),
                quote_ident(&def.name),
                quote_ident(&def.index.name),
                deferrable(def.deferrable, false)
            )
        }
        ConstraintStep::Alter {
            table, name, to, ..
        } => format!(
            "ALTER TABLE {} ALTER CONSTRAINT {}{}",
            quote_name(table),
            quote_ident(name),
            deferrable(*to, true)
        ),
    }
}

pub(super) fn reindex(def: &ReindexDef) -> String {
    let (what, name) = match &def.target {
        ReindexTarget::Index(name) => ("INDEX", name),
        ReindexTarget::Table(name) => ("TABLE", name),
    };
    let concurrently = if def.concurrently {
        " CONCURRENTLY"
    } else {
        ""
    };
    format!("REINDEX {what}{concurrently} {}", quote_name(name))
}

/// The clause after a constraint: ` DEFERRABLE ..`, or nothing for the default unless
/// `explicit` (`ALTER CONSTRAINT` must say `NOT DEFERRABLE`).
pub(super) fn deferrable(setting: Deferrable, explicit: bool) -> &'static str {
    match setting {
        Deferrable::NotDeferrable if explicit => " NOT DEFERRABLE",
        Deferrable::NotDeferrable => "",
        Deferrable::InitiallyImmediate if explicit => " DEFERRABLE INITIALLY IMMEDIATE",
        Deferrable::InitiallyImmediate => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

/// `EXCLUDE USING method (element WITH operator, ..) [INCLUDE (..)] [WHERE (..)]`.
pub(super) fn exclusion(def: &ExclusionDef) -> String {
    let elements = list(
        def.elements
            .iter()
            .map(|e| format!("{} WITH {}", index_column_sql(&e.column), e.operator)),
    );
    let mut sql = format!(
        "EXCLUDE USING {} ({elements})",
        method_name(def.method.unwrap_or(IndexMethod::Gist))
    );
    if !def.include.is_empty() {
        sql.push_str(&format!(
            " INCLUDE ({})",
            list(def.include.iter().map(quote_ident))
        ));
    }
    if let Some(predicate) = &def.predicate {
        sql.push_str(&format!(" WHERE ({})", predicate.to_sql()));
    }
    sql
}

pub(super) fn method_name(method: IndexMethod) -> &'static str {
    match method {
        IndexMethod::Btree => "btree",
        IndexMethod::Hash => "hash",
        IndexMethod::Gin => "gin",
        IndexMethod::Gist => "gist",
        IndexMethod::Brin => "brin",
    }
}

/// Whether an index needs the options sea-query cannot write.
pub(super) fn index_has_options(def: &IndexDef) -> bool {
    def.nulls_not_distinct
        || !def.storage.is_empty()
        || def
            .columns
            .iter()
            .any(|c| c.collation.is_some() || c.opclass.is_some())
}

/// `CREATE INDEX` written out, for an index with options sea-query cannot write.
pub(super) fn create_index_by_hand(def: &IndexDef) -> String {
    let mut sql = String::from("CREATE ");
    if def.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if def.concurrently {
        sql.push_str("CONCURRENTLY ");
    }
    sql.push_str(&format!(
        "{} ON {}",
        quote_ident(&def.name),
        quote_name(&def.table)
    ));
    if let Some(method) = def.method {
        sql.push_str(" USING ");
        sql.push_str(method_name(method));
    }
    sql.push_str(&format!(
        " ({})",
        list(def.columns.iter().map(index_column_sql))
    ));
    if !def.include.is_empty() {
        sql.push_str(&format!(
            " INCLUDE ({})",
            list(def.include.iter().map(quote_ident))
        ));
    }
    if def.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !def.storage.is_empty() {
        sql.push_str(&format!(
            " WITH ({})",
            list(def.storage.iter().map(storage_param))
        ));
    }
    if let Some(predicate) = &def.predicate {
        sql.push_str(" WHERE ");
        sql.push_str(&predicate.to_sql());
    }
    sql
}

/// One index key: `column` or `(expression)`, then `COLLATE ..`, the operator class
/// and the sort order, in PostgreSQL's order.
pub(super) fn index_column_sql(column: &IndexColumn) -> String {
    let mut sql = match &column.key {
        IndexKey::Column(name) => quote_ident(name),
        IndexKey::Expr(e) => format!("({})", e.to_sql()),
    };
    if let Some(collation) = &column.collation {
        sql.push_str(" COLLATE ");
        sql.push_str(&quote_ident(collation));
    }
    if let Some(opclass) = &column.opclass {
        sql.push(' ');
        sql.push_str(&quote_name(opclass));
    }
    match column.order {
        Some(SortOrder::Asc) => sql.push_str(" ASC"),
        Some(SortOrder::Desc) => sql.push_str(" DESC"),
        None => {}
    }
    sql
}

fn storage_param(param: &StorageParam) -> String {
    let number = !param.value.is_empty()
        && param.value.parse::<f64>().is_ok()
        && param
            .value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    let value = if number {
        param.value.clone()
    } else {
        literal(&param.value)
    };
    format!("{} = {value}", quote_ident(&param.name))
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{
        ConstraintStep, CreateTableAsDef, DeleteUsingDef, ExclusionElement, InsertSelectDef,
        KeyUsingIndexDef, UpdateFromDef,
    };

    fn weird() -> Ident {
        Ident::new(r#"we"ird"#)
    }

    #[test]
    fn names_are_quoted_on_every_hand_written_path() {
        let q = quote_ident(&weird());
        let table = ObjectName::qualified(weird(), weird());
        let mut index = IndexDef {
            name: weird(),
            table: table.clone(),
            columns: vec![
                IndexColumn::from(weird())
                    .collate(weird())
                    .opclass(ObjectName::qualified(weird(), weird())),
            ],
            unique: true,
            concurrently: false,
            method: None,
            include: vec![weird()],
            predicate: None,
            nulls_not_distinct: true,
            storage: vec![StorageParam {
                name: weird(),
                value: "it's".into(),
            }],
        };
        assert_eq!(
            step(&Step::CreateIndex(index.clone())),
            [format!(
                r"CREATE UNIQUE INDEX {q} ON {q}.{q} ({q} COLLATE {q} {q}.{q}) INCLUDE ({q}) NULLS NOT DISTINCT WITH ({q} = E'it\'s')"
            )]
        );
        index.storage[0].value = "-1.5".into();
        assert!(step(&Step::CreateIndex(index.clone()))[0].ends_with(&format!("({q} = -1.5)")));
        index.storage[0].value = "1e5".into();
        assert!(step(&Step::CreateIndex(index.clone()))[0].ends_with(&format!("({q} = '1e5')")));
        let exclusion = ConstraintDef::new(
            Some(weird()),
            ConstraintKind::Exclusion(ExclusionDef {
                method: Some(IndexMethod::Gist),
                elements: vec![ExclusionElement {
                    column: IndexColumn::from(weird()),
                    operator: "&&".into(),
                }],
                include: vec![weird()],
                predicate: None,
            }),
        );
        assert_eq!(
            step(&Step::AddConstraint {
                table: table.clone(),
                constraint: exclusion.clone(),
            }),
            [format!(
                "ALTER TABLE {q}.{q} ADD CONSTRAINT {q} EXCLUDE USING gist ({q} WITH &&) INCLUDE ({q})"
            )]
        );
        assert_eq!(
            step(&Step::Constraint(ConstraintStep::AddUsingIndex(
                KeyUsingIndexDef {
                    table: table.clone(),
                    name: weird(),
                    kind: KeyKind::PrimaryKey,
                    index,
                    deferrable: Deferrable::InitiallyImmediate,
                }
            ))),
            [format!(
                "ALTER TABLE {q}.{q} ADD CONSTRAINT {q} PRIMARY KEY USING INDEX {q} DEFERRABLE"
            )]
        );
        assert_eq!(
            step(&Step::DataMove(DataMove::DeleteUsing(DeleteUsingDef {
                table: table.clone(),
                using: vec![
                    FromItem::table_as(table.clone(), weird()),
                    FromItem::query(
                        Query::select().column(weird().as_str().to_owned()).take(),
                        weird()
                    ),
                ],
                filter: None,
            }))),
            [format!(
                "DELETE FROM {q}.{q} USING {q}.{q} AS {q}, (SELECT {q}) AS {q}"
            )]
        );
        assert_eq!(
            step(&Step::DataMove(DataMove::CreateTableAs(CreateTableAsDef {
                name: table.clone(),
                columns: vec![weird()],
                query: Query::select().expr(sea_query::Expr::val(1)).take().into(),
                with_no_data: true,
            }))),
            [format!(
                "CREATE TABLE {q}.{q} ({q}) AS SELECT 1 WITH NO DATA"
            )]
        );
        assert_eq!(
            step(&Step::Reindex(ReindexDef {
                target: ReindexTarget::Table(table),
                concurrently: true,
            })),
            [format!("REINDEX TABLE CONCURRENTLY {q}.{q}")]
        );
    }

    #[test]
    fn inputs_the_checks_refuse_still_render() {
        let empty = Query::select().take();
        let insert = InsertSelectDef {
            table: "t".into(),
            columns: vec![],
            query: empty.clone().into(),
            on_conflict_do_nothing: true,
        };
        assert!(!step(&Step::DataMove(DataMove::InsertSelect(insert)))[0].is_empty());
        let mismatch = InsertSelectDef {
            table: "t".into(),
            columns: vec!["a".into(), "b".into()],
            query: Query::select().column("a").from("s").take().into(),
            on_conflict_do_nothing: false,
        };
        assert_eq!(
            step(&Step::DataMove(DataMove::InsertSelect(mismatch))),
            [r#"INSERT INTO "t" ("a", "b") SELECT "a" FROM "s""#]
        );
        let update = UpdateFromDef {
            table: "t".into(),
            set: vec![],
            from: vec![],
            filter: None,
        };
        assert!(!step(&Step::DataMove(DataMove::UpdateFrom(update)))[0].is_empty());
        let delete = DeleteUsingDef {
            table: "t".into(),
            using: vec![],
            filter: None,
        };
        assert_eq!(
            step(&Step::DataMove(DataMove::DeleteUsing(delete))),
            [r#"DELETE FROM "t""#]
        );
        let exclusion = ConstraintDef::new(
            None,
            ConstraintKind::Exclusion(ExclusionDef {
                method: None,
                elements: vec![],
                include: vec![],
                predicate: None,
            }),
        );
        let mut table = TableDef::new("t");
        table.constraints.push(exclusion);
        assert_eq!(
            step(&Step::CreateTable(table)),
            [r#"CREATE TABLE "t" ( EXCLUDE USING gist () )"#]
        );
    }
}
