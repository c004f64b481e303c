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

// ----- types and columns ---------------------------------------------------------------

fn sea_type(ty: &ColumnType) -> sea_query::ColumnType {
    use sea_query::ColumnType as Sea;
    match ty {
        ColumnType::SmallInt => Sea::SmallInteger,
        ColumnType::Integer => Sea::Integer,
        ColumnType::BigInt => Sea::BigInteger,
        ColumnType::Boolean => Sea::Boolean,
        ColumnType::Text => Sea::Text,
        ColumnType::Varchar(n) => Sea::String(StringLen::N(*n)),
        ColumnType::Char(n) => Sea::Char(Some(*n)),
        ColumnType::Numeric(precision, scale) => Sea::Decimal(Some((*precision, *scale))),
        ColumnType::Real => Sea::Float,
        ColumnType::DoublePrecision => Sea::Double,
        ColumnType::Date => Sea::Date,
        ColumnType::Time => Sea::Time,
        ColumnType::Timestamp => Sea::Timestamp,
        ColumnType::Timestamptz => Sea::TimestampWithTimeZone,
        ColumnType::Interval => Sea::Interval(None, None),
        ColumnType::Uuid => Sea::Uuid,
        ColumnType::Json => Sea::Json,
        ColumnType::Jsonb => Sea::JsonBinary,
        ColumnType::Bytea => Sea::Blob,
        ColumnType::Inet => Sea::Inet,
        ColumnType::Array(inner) => Sea::Array(RcOrArc::new(sea_type(inner))),
        // sea-query writes custom types verbatim: quote the name here.
        ColumnType::Named(name) => Sea::Custom(DynIden::from(quote_name(name))),
        ColumnType::Unchecked(sql) => Sea::Custom(DynIden::from(sql.clone())),
    }
}

fn column_def(column: &ColumnDef) -> sea_query::ColumnDef {
    let name = iden(&column.name);
    let integer = matches!(
        column.ty,
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
    );
    let mut def = match column.identity {
        None => sea_query::ColumnDef::new_with_type(name, sea_type(&column.ty)),
        Some(Identity::ByDefault) if integer => {
            let mut def = sea_query::ColumnDef::new_with_type(name, sea_type(&column.ty));
            def.auto_increment();
            def
        }
        // sea-query panics on `auto_increment` of any other type, and has no
        // `ALWAYS`: compose the clause in the type's place, where sea-query writes its
        // own. PostgreSQL reports an identity on a non-integer type.
        Some(identity) => {
            let generated = match identity {
                Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
                Identity::Always => "GENERATED ALWAYS AS IDENTITY",
            };
            let ty = format!("{} {generated}", column_type(&column.ty));
            sea_query::ColumnDef::new_with_type(name, sea_query::ColumnType::Custom(ty.into()))
        }
    };
    match column.nullable {
        Some(false) => {
            def.not_null();
        }
        Some(true) => {
            def.null();
        }
        None => {}
    }
    if let Some(default) = &column.default {
        def.default(default.expr.as_sea_query().clone());
    }
    if column.primary_key {
        def.primary_key();
    }
    if column.unique {
        def.unique_key();
    }
    if let Some(check) = &column.check {
        def.check(check.as_sea_query().clone());
    }
    if let Some(reference) = &column.references {
        // sea-query has no column-level REFERENCES.
        def.extra(references(reference));
    }
    def
}

fn references(r: &ColumnReference) -> String {
    let mut sql = format!(
        "REFERENCES {} ({})",
        quote_name(&r.table),
        quote_ident(&r.column)
    );
    if let Some(action) = r.on_delete {
        sql.push_str(" ON DELETE ");
        PG.prepare_foreign_key_action(&fk_action(action), &mut sql);
    }
    if let Some(action) = r.on_update {
        sql.push_str(" ON UPDATE ");
        PG.prepare_foreign_key_action(&fk_action(action), &mut sql);
    }
    sql
}

fn fk_action(action: ReferentialAction) -> ForeignKeyAction {
    match action {
        ReferentialAction::NoAction => ForeignKeyAction::NoAction,
        ReferentialAction::Restrict => ForeignKeyAction::Restrict,
        ReferentialAction::Cascade => ForeignKeyAction::Cascade,
        ReferentialAction::SetNull => ForeignKeyAction::SetNull,
        ReferentialAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

// ----- tables and constraints ----------------------------------------------------------

fn create_table(def: &TableDef) -> String {
    if def.columns.is_empty() && def.constraints.is_empty() {
        // sea-query would leave out the parentheses; PostgreSQL accepts a table
        // without columns.
        return format!("CREATE TABLE {} ()", quote_name(&def.name));
    }
    let mut create = Table::create();
    create.table(table_name(&def.name));
    for column in &def.columns {
        create.col(column_def(column));
    }
    // `NOT VALID` is not allowed inside CREATE TABLE: ignored here.
    for constraint in &def.constraints {
        let name = constraint.name.as_ref();
        match &constraint.kind {
            ConstraintKind::PrimaryKey(columns) => {
                create.primary_key(&mut key_index(name, columns));
            }
            ConstraintKind::Unique(columns) => {
                create.index(key_index(name, columns).unique());
            }
            ConstraintKind::Check(check) => {
                create.check(check_constraint(name, check));
            }
            ConstraintKind::ForeignKey(fk) => {
                create.foreign_key(&mut foreign_key(&def.name, name, fk));
            }
        }
    }
    create.to_string(PG)
}

/// The index of a primary key or unique constraint.
fn key_index(name: Option<&Ident>, columns: &[Ident]) -> IndexCreateStatement {
    let mut index = Index::create();
    if let Some(name) = name {
        index.name(unescaped_iden(name));
    }
    for column in columns {
        index.col(iden(column));
    }
    index
}

fn check_constraint(name: Option<&Ident>, check: &SqlExpr) -> Check {
    let e = check.as_sea_query().clone();
    match name {
        Some(name) => Check::named(iden(name), e),
        None => Check::unnamed(e),
    }
}

fn foreign_key(
    table: &ObjectName,
    name: Option<&Ident>,
    fk: &ForeignKeyDef,
) -> ForeignKeyCreateStatement {
    let mut create = ForeignKey::create();
    if let Some(name) = name {
        create.name(unescaped_iden(name));
    }
    create.from_tbl(table_name(table));
    for column in &fk.columns {
        create.from_col(iden(column));
    }
    create.to_tbl(table_name(&fk.ref_table));
    for column in &fk.ref_columns {
        create.to_col(iden(column));
    }
    if let Some(action) = fk.on_delete {
        create.on_delete(fk_action(action));
    }
    if let Some(action) = fk.on_update {
        create.on_update(fk_action(action));
    }
    create
}

fn add_constraint(table: &ObjectName, constraint: &ConstraintDef) -> String {
    let name = constraint.name.as_ref();
    let mut body = String::new();
    // NOT VALID only exists for foreign keys and checks.
    let not_valid = match &constraint.kind {
        ConstraintKind::ForeignKey(fk) => {
            let sql = foreign_key(table, name, fk).to_string(PG);
            return if constraint.not_valid {
                format!("{sql} NOT VALID")
            } else {
                sql
            };
        }
        ConstraintKind::PrimaryKey(columns) => {
            PG.prepare_table_index_expression(key_index(name, columns).primary(), &mut body);
            false
        }
        ConstraintKind::Unique(columns) => {
            PG.prepare_table_index_expression(key_index(name, columns).unique(), &mut body);
            false
        }
        ConstraintKind::Check(check) => {
            PG.prepare_check_constraint(&check_constraint(name, check), &mut body);
            constraint.not_valid
        }
    };
    let suffix = if not_valid { " NOT VALID" } else { "" };
    format!("ALTER TABLE {} ADD {body}{suffix}", quote_name(table))
}

// ----- indexes -------------------------------------------------------------------------

fn create_index(def: &IndexDef) -> String {
    let mut index = Index::create();
    index
        .name(unescaped_iden(&def.name))
        .table(table_name(&def.table));
    if def.unique {
        index.unique();
    }
    if def.concurrently {
        index.concurrently();
    }
    if let Some(method) = def.method {
        let method = match method {
            IndexMethod::Btree => "btree",
            IndexMethod::Hash => "hash",
            IndexMethod::Gin => "gin",
            IndexMethod::Gist => "gist",
            IndexMethod::Brin => "brin",
        };
        index.index_type(IndexType::Custom(DynIden::from(method)));
    }
    for column in &def.columns {
        index.col(index_column(column));
    }
    for column in &def.include {
        index.include(iden(column));
    }
    if let Some(predicate) = &def.predicate {
        index.and_where(predicate.as_sea_query().clone());
    }
    index.to_string(PG)
}

fn index_column(column: &IndexColumn) -> sea_query::IndexColumn {
    let order = column.order.map(|o| match o {
        SortOrder::Asc => IndexOrder::Asc,
        SortOrder::Desc => IndexOrder::Desc,
    });
    match (&column.key, order) {
        (IndexKey::Column(name), None) => iden(name).into(),
        (IndexKey::Column(name), Some(order)) => (iden(name), order).into(),
        (IndexKey::Expr(e), None) => e.as_sea_query().clone().into(),
        (IndexKey::Expr(e), Some(order)) => (e.as_sea_query().clone(), order).into(),
    }
}

// ----- data ----------------------------------------------------------------------------

fn update(def: &UpdateDef) -> String {
    let mut update = Query::update();
    update.table(table_name(&def.table));
    for (column, value) in &def.set {
        update.value(iden(column), value.as_sea_query().clone());
    }
    if let Some(filter) = &def.filter {
        update.and_where(filter.as_sea_query().clone());
    }
    update.to_string(PG)
}

fn insert(def: &InsertDef) -> String {
    let mut insert = Query::insert();
    insert
        .into_table(table_name(&def.table))
        .columns(def.columns.iter().map(iden));
    let mut sql = None;
    for row in &def.rows {
        let values = row.iter().map(|v| v.as_sea_query().clone());
        if insert.values(values).is_err() {
            // A row of the wrong length (which the plan reports): sea-query refuses
            // it, so write the statement out and let PostgreSQL refuse it too.
            sql = Some(insert_by_hand(def));
            break;
        }
    }
    let mut sql = sql.unwrap_or_else(|| insert.to_string(PG));
    if def.on_conflict_do_nothing {
        // sea-query's target-less `OnConflict` writes `ON CONFLICT  DO NOTHING`.
        sql.push_str(" ON CONFLICT DO NOTHING");
    }
    sql
}

fn insert_by_hand(def: &InsertDef) -> String {
    let columns: Vec<String> = def.columns.iter().map(quote_ident).collect();
    let rows: Vec<String> = def
        .rows
        .iter()
        .map(|row| {
            let values: Vec<String> = row.iter().map(SqlExpr::to_sql).collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote_name(&def.table),
        columns.join(", "),
        rows.join(", ")
    )
}

fn delete(def: &DeleteDef) -> String {
    let mut delete = Query::delete();
    delete.from_table(table_name(&def.table));
    if let Some(filter) = &def.filter {
        delete.and_where(filter.as_sea_query().clone());
    }
    delete.to_string(PG)
}

// ----- backfill ------------------------------------------------------------------------

/// The batch statement of a backfill as plans show it (`migrate sql`, dry runs): a
/// comment explaining the placeholders, then the `UPDATE` with `$1` (the cursor) and
/// `$2` (the batch's upper key). The runner never sends this text: it writes each
/// batch with [`backfill_batch`].
fn backfill_shape(def: &BackfillDef) -> String {
    let key = match &def.key {
        Some(key) => quote_ident(key),
        None => "<key>".to_owned(),
    };
    let key_note = match &def.key {
        Some(_) => String::new(),
        None => format!(
            "; <key> = the primary key column of {}, looked up when it runs",
            quote_name(&def.table)
        ),
    };
    let pacing = def.pacing;
    format!(
        "-- backfill in batches outside the migration's transaction: each batch commits on its own \
         with the cursor, so an interrupted run resumes after the last batch done\n\
         -- about {} rows per batch, adapted towards {} ms a batch, {} ms pause between batches{key_note}\n\
         -- $1 = the last key done (no lower bound on the first batch); \
         $2 = the batch's last key: {}\n{}",
        pacing.batch_size,
        pacing.target_batch_duration.as_millis(),
        pacing.pause.as_millis(),
        backfill_upper_sql(&def.table, &key, &key, Some("$1"), "<batch size>"),
        backfill_update(def, &key, Some("$1"), "$2"),
    )
}

/// `SELECT key FROM (SELECT key FROM t WHERE key > lower ORDER BY key LIMIT n) ORDER BY
/// key DESC LIMIT 1`: the last key of the next batch (keyset, never `OFFSET`; not
/// `max()`, which some key types such as `uuid` lack). `output` is what is selected.
fn backfill_upper_sql(
    table: &ObjectName,
    key: &str,
    output: &str,
    lower: Option<&str>,
    limit: &str,
) -> String {
    let bound = lower
        .map(|lower| format!(" WHERE {key} > {lower}"))
        .unwrap_or_default();
    format!(
        "SELECT {output} FROM (SELECT {key} FROM {}{bound} ORDER BY {key} LIMIT {limit}) AS batch \
         ORDER BY {key} DESC LIMIT 1",
        quote_name(table)
    )
}

fn backfill_update(def: &BackfillDef, key: &str, lower: Option<&str>, upper: &str) -> String {
    let set: Vec<String> = def
        .set
        .iter()
        .map(|(column, value)| format!("{} = {}", quote_ident(column), value.to_sql()))
        .collect();
    let mut conditions = Vec::new();
    if let Some(lower) = lower {
        conditions.push(format!("{key} > {lower}"));
    }
    conditions.push(format!("{key} <= {upper}"));
    if let Some(filter) = &def.filter {
        conditions.push(format!("({})", filter.to_sql()));
    }
    if def.skip_unchanged && !def.set.is_empty() {
        let changed: Vec<String> = def
            .set
            .iter()
            .map(|(column, value)| {
                format!(
                    "{} IS DISTINCT FROM ({})",
                    quote_ident(column),
                    value.to_sql()
                )
            })
            .collect();
        conditions.push(format!("({})", changed.join(" OR ")));
    }
    format!(
        "UPDATE {} SET {} WHERE {}",
        quote_name(&def.table),
        set.join(", "),
        conditions.join(" AND ")
    )
}

/// A key value as SQL: its text as a literal, cast to the key's type
/// (`format_type` output, e.g. `bigint`).
fn key_literal(value: &str, key_type: &str) -> String {
    format!("{}::{key_type}", literal(value))
}

/// The query for the last key of the next backfill batch, after `cursor` (the text
/// of the last key done; `None` before the first batch). It returns the key as text.
pub(crate) fn backfill_next_upper(
    table: &ObjectName,
    key: &Ident,
    key_type: &str,
    cursor: Option<&str>,
    batch_size: u64,
) -> String {
    let key = quote_ident(key);
    let lower = cursor.map(|c| key_literal(c, key_type));
    // As text (to be persisted as the cursor), under another name so that the outer
    // `ORDER BY` sorts the key itself, not its text.
    backfill_upper_sql(
        table,
        &key,
        &format!("{key}::text AS migrate_backfill_cursor"),
        lower.as_deref(),
        &batch_size.to_string(),
    )
}

/// One backfill batch: the rows with `cursor < key <= upper` that match the filter.
pub(crate) fn backfill_batch(
    def: &BackfillDef,
    key: &Ident,
    key_type: &str,
    cursor: Option<&str>,
    upper: &str,
) -> String {
    let lower = cursor.map(|c| key_literal(c, key_type));
    backfill_update(
        def,
        &quote_ident(key),
        lower.as_deref(),
        &key_literal(upper, key_type),
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
            let constraint = ConstraintDef {
                name: Some(weird()),
                kind,
                not_valid: false,
            };
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
}
