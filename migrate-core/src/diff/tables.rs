//! Tables, columns, and the constraints that live inside a table (primary keys,
//! unique constraints, checks).
//!
//! New tables become `create_table` with every column (type, `NOT NULL`, default,
//! identity, serial) and their own constraints, named as the catalog names them so
//! the round trip is exact: a single-column key with PostgreSQL's own name
//! (`<table>_pkey`, `<table>_<column>_key`) is written on its column, anything else
//! at the table level with `.name(..)`. Dropped tables become `drop_table_with`
//! carrying the same definition. On tables present on both sides (after the renames
//! asked for), columns are added, dropped with their definition, retyped, their
//! defaults and nullability changed; constraints are added (checks `NOT VALID`, then
//! validated), dropped with their definition, or dropped and re-added when changed.
//!
//! What the DSL cannot express becomes `unchecked_sql` with the reason: partitioned,
//! partition, inheriting or unlogged tables, generated columns, non-default
//! collations, identity changes on existing columns and identity sequence options,
//! keys with `INCLUDE`, `NULLS NOT DISTINCT` or storage parameters, `NO INHERIT`
//! checks. Foreign keys and exclusion constraints are the indexes family's.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{Catalog, QName, Scope, get};
use super::code::{self, lit, lits};
use super::emit::{Cx, Phase};
use super::renames::{Rename, RenameCandidate, Resolved};
use crate::error::Error;
use crate::ident::Ident;
use crate::migration::{ConstraintBuilder, Migration};
use crate::mode::Manual;
use crate::snapshot::catalog::{HISTORY, NS, SEQUENCE_OPTIONS, own};
use crate::step::{ColumnDef, Deferrable, Step, TableDef};
use crate::types::{ColumnType, DefaultValue, Identity, Volatility};

/// Tables, their columns and their own constraints.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    pub(crate) tables: BTreeMap<QName, Table>,
}

/// One table.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Table {
    /// Its columns, in `attnum` order.
    pub(crate) columns: Vec<Column>,
    /// Its primary key, unique and check constraints, by name.
    pub(crate) constraints: BTreeMap<String, Constraint>,
    /// What the DSL cannot say about the table itself.
    pub(crate) flags: Flags,
}

/// A table's properties beyond an ordinary logged table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// `UNLOGGED`.
    pub(crate) unlogged: bool,
    /// `PARTITION BY ..` (`pg_get_partkeydef`): a partitioned table.
    pub(crate) partitioned_by: Option<String>,
    /// `PARTITION OF parent FOR VALUES ..`: the parent and the bound.
    pub(crate) partition_of: Option<(String, String)>,
    /// `INHERITS (..)`: the parents, in order.
    pub(crate) inherits: Option<String>,
    /// A foreign table.
    pub(crate) foreign: bool,
}

impl Flags {
    fn is_plain(&self) -> bool {
        *self == Flags::default()
    }

    /// What makes the table inexpressible, for a review comment.
    fn describe(&self) -> String {
        let mut what = Vec::new();
        if self.foreign {
            what.push("a foreign table".to_owned());
        }
        if self.unlogged {
            what.push("unlogged".to_owned());
        }
        if let Some(key) = &self.partitioned_by {
            what.push(format!("partitioned by {key}"));
        }
        if let Some((parent, bound)) = &self.partition_of {
            what.push(format!("a partition of {parent} {bound}"));
        }
        if let Some(parents) = &self.inherits {
            what.push(format!("inherits {parents}"));
        }
        what.join(", ")
    }
}

/// One column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// `format_type`.
    pub(crate) ty: String,
    /// A collation other than the type's (`schema.name`, quoted).
    pub(crate) collation: Option<String>,
    /// `NOT NULL`.
    pub(crate) not_null: bool,
    /// The default (`pg_get_expr`), not for a generated column.
    pub(crate) default: Option<String>,
    /// The default's volatility: the most volatile function it calls.
    pub(crate) volatility: Option<Volatility>,
    /// `GENERATED ALWAYS AS (..) STORED`: the expression.
    pub(crate) generated: Option<String>,
    /// `GENERATED .. AS IDENTITY`.
    pub(crate) identity: Option<Identity>,
    /// The identity sequence's non-default options (as the snapshot writes them).
    pub(crate) identity_options: String,
    /// The sequence of a column written `serial`: owned by the column, named
    /// `<table>_<column>_seq` in the table's schema, default options, the column's
    /// type, the column's default its `nextval`.
    pub(crate) serial: Option<QName>,
    /// Inherited from a parent (not declared on this table).
    pub(crate) inherited: bool,
}

/// A primary key, unique or check constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Constraint {
    pub(crate) kind: Kind,
    pub(crate) deferrable: Deferrable,
    pub(crate) validated: bool,
    /// Why the DSL cannot write it (`INCLUDE`, `NULLS NOT DISTINCT`, ..), with
    /// `pg_get_constraintdef` for the raw SQL.
    pub(crate) unsupported: Option<(String, String)>,
}

/// What a constraint constrains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    /// The expression (`pg_get_expr` of `conbin`).
    Check(String),
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    pub(crate) fn has_table(&self, name: &QName) -> bool {
        self.tables.contains_key(name)
    }

    /// Sequences that belong to a `serial` column as this family writes it
    /// (`Serial`/`BigSerial`/`SmallSerial`): the types family leaves them out.
    pub(crate) fn serial_sequences(&self) -> BTreeSet<QName> {
        self.tables
            .values()
            .flat_map(|t| t.columns.iter().filter_map(|c| c.serial.clone()))
            .collect()
    }

    pub(crate) fn has_column(&self, table: &QName, column: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == column))
    }
}

impl Table {
    fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns of its primary key.
    fn key_columns(&self) -> BTreeSet<&str> {
        self.constraints
            .values()
            .filter_map(|c| match &c.kind {
                Kind::PrimaryKey(cols) => Some(cols.iter().map(String::as_str)),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind = 'f', c.relpersistence = 'u', \
             CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
             CASE WHEN c.relispartition THEN (SELECT i.inhparent::regclass::text \
               FROM pg_inherits i WHERE i.inhrelid = c.oid LIMIT 1) END, \
             CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, \
             CASE WHEN NOT c.relispartition THEN (SELECT string_agg(i.inhparent::regclass::text, \
               ', ' ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid) END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'f') AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let name = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let partition_of = match (
            get::<Option<String>>(&row, 5)?,
            get::<Option<String>>(&row, 6)?,
        ) {
            (Some(parent), Some(bound)) => Some((parent, bound)),
            _ => None,
        };
        let flags = Flags {
            foreign: get(&row, 2)?,
            unlogged: get(&row, 3)?,
            partitioned_by: get(&row, 4)?,
            partition_of,
            inherits: get(&row, 7)?,
        };
        part.tables.insert(
            name,
            Table {
                flags,
                ..Table::default()
            },
        );
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, a.attname::text, \
             format_type(a.atttypid, a.atttypmod), \
             CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN \
               (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) \
               FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
               WHERE co.oid = a.attcollation) END, \
             a.attnotnull, \
             CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END, \
             CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END, \
             a.attidentity::text, \
             coalesce((SELECT {SEQUENCE_OPTIONS} \
               FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid \
               WHERE a.attidentity <> '' AND d.classid = 'pg_class'::regclass \
               AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid \
               AND d.refobjsubid = a.attnum AND d.deptype = 'i' LIMIT 1), ''), \
             CASE WHEN ad.adbin IS NULL THEN 1 ELSE greatest( \
               (SELECT max(CASE p.provolatile WHEN 'v' THEN 3 WHEN 's' THEN 2 ELSE 1 END) \
                FROM pg_proc p WHERE p.oid IN (SELECT fm[1]::oid \
                FROM regexp_matches(ad.adbin::text, ':(?:func|opfunc)id (\\d+)', 'g') fm)), \
               CASE WHEN ad.adbin::text LIKE '%{{SQLVALUEFUNCTION%' THEN 2 ELSE 1 END) END, \
             (SELECT ARRAY[sn.nspname::text, sc.relname::text] \
               FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid \
               JOIN pg_namespace sn ON sn.oid = sc.relnamespace \
               JOIN pg_sequence s ON s.seqrelid = sc.oid \
               WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass \
               AND d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'a' \
               AND sc.relkind = 'S' AND s.seqtypid = a.atttypid AND {SEQUENCE_OPTIONS} = '' \
               AND sc.relnamespace = c.relnamespace AND a.attgenerated = '' \
               AND pg_get_expr(ad.adbin, ad.adrelid) = \
                 'nextval(' || quote_literal(sc.oid::regclass::text) || '::regclass)' \
               LIMIT 1), \
             NOT a.attislocal \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
             WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped \
             AND {NS} AND c.oid NOT IN ({HISTORY}) AND {} \
             ORDER BY n.nspname, c.relname, a.attnum",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let table = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let name: String = get(&row, 2)?;
        let ty: String = get(&row, 3)?;
        let not_null: bool = get(&row, 5)?;
        let default: Option<String> = get(&row, 6)?;
        let identity = match get::<String>(&row, 8)?.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let volatility = default.as_ref().map(|_| match get::<i32>(&row, 10) {
            Ok(3) => Volatility::Volatile,
            Ok(2) => Volatility::Stable,
            _ => Volatility::Immutable,
        });
        let serial = get::<Option<Vec<String>>>(&row, 11)?
            .and_then(|s| match s.as_slice() {
                [schema, seq] => Some(QName::new(schema.as_str(), seq.as_str())),
                _ => None,
            })
            .filter(|seq| {
                seq.name == format!("{}_{}_seq", table.name, name)
                    && seq.name.len() < 64
                    && not_null
                    && serial_type(&ty).is_some()
            });
        let column = Column {
            name,
            ty,
            collation: get(&row, 4)?,
            not_null,
            default,
            volatility,
            generated: get(&row, 7)?,
            identity,
            identity_options: get(&row, 9)?,
            serial,
            inherited: get(&row, 12)?,
        };
        if let Some(t) = part.tables.get_mut(&table) {
            t.columns.push(column);
        }
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, co.conname::text, co.contype::text, \
             ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord) \
               JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum \
               ORDER BY k.ord), \
             CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END, \
             co.condeferrable, co.condeferred, co.convalidated, pg_get_constraintdef(co.oid), \
             co.connoinherit \
             FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE co.contype IN ('p', 'u', 'c') AND co.conislocal \
             AND c.relkind IN ('r', 'p', 'f') AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let table = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let name: String = get(&row, 2)?;
        let columns: Vec<String> = get(&row, 4)?;
        let def: String = get(&row, 9)?;
        let kind = match get::<String>(&row, 3)?.as_str() {
            "p" => Kind::PrimaryKey(columns),
            "u" => Kind::Unique(columns),
            _ => Kind::Check(get::<Option<String>>(&row, 5)?.unwrap_or_default()),
        };
        let deferrable = match (get::<bool>(&row, 6)?, get::<bool>(&row, 7)?) {
            (false, _) => Deferrable::NotDeferrable,
            (true, false) => Deferrable::InitiallyImmediate,
            (true, true) => Deferrable::InitiallyDeferred,
        };
        let unsupported = unsupported_constraint(&kind, &def, get(&row, 10)?).map(|why| (why, def));
        let constraint = Constraint {
            kind,
            deferrable,
            validated: get(&row, 8)?,
            unsupported,
        };
        if let Some(t) = part.tables.get_mut(&table) {
            t.constraints.insert(name, constraint);
        }
    }
    Ok(part)
}

/// Why the DSL cannot write a constraint, from `pg_get_constraintdef`.
fn unsupported_constraint(kind: &Kind, def: &str, no_inherit: bool) -> Option<String> {
    match kind {
        Kind::Check(_) if no_inherit => Some("a NO INHERIT check".to_owned()),
        Kind::Check(_) => None,
        Kind::PrimaryKey(_) | Kind::Unique(_) => {
            let head = def.split(" DEFERRABLE").next().unwrap_or(def);
            [
                (" INCLUDE (", "INCLUDE columns"),
                ("NULLS NOT DISTINCT", "NULLS NOT DISTINCT"),
                (" WITH (", "storage parameters"),
                (" USING INDEX TABLESPACE ", "a tablespace"),
            ]
            .iter()
            .find(|(needle, _)| head.contains(needle))
            .map(|(_, what)| format!("a key with {what}"))
        }
    }
}

/// The serial type of a column type, when it has one.
fn serial_type(ty: &str) -> Option<(ColumnType, &'static str)> {
    match ty {
        "smallint" => Some((ColumnType::SmallSerial, "SmallSerial")),
        "integer" => Some((ColumnType::Serial, "Serial")),
        "bigint" => Some((ColumnType::BigSerial, "BigSerial")),
        _ => None,
    }
}

// ----- the values and source of DSL calls ----------------------------------------------

/// A column's type as the DSL writes it (serial columns as `Serial`..).
fn col_type(column: &Column) -> (ColumnType, String) {
    if column.serial.is_some()
        && let Some((ty, code)) = serial_type(&column.ty)
    {
        return (ty, code.to_owned());
    }
    code::column_type(&column.ty)
}

/// A column's default as the DSL writes it (a serial's is its type's).
fn default_value(column: &Column) -> Option<(DefaultValue, String)> {
    if column.serial.is_some() {
        return None;
    }
    let sql = column.default.as_deref()?;
    Some(default_of(
        sql,
        column.volatility.unwrap_or(Volatility::Volatile),
    ))
}

/// A default from `pg_get_expr`: the DSL's own form when it renders to the same stored
/// default, else the expression verbatim with its volatility.
pub(crate) fn default_of(sql: &str, volatility: Volatility) -> (DefaultValue, String) {
    match sql {
        "now()" => return (DefaultValue::now(), "DefaultValue::now()".to_owned()),
        "CURRENT_DATE" => {
            return (
                DefaultValue::current_date(),
                "DefaultValue::current_date()".to_owned(),
            );
        }
        "gen_random_uuid()" => {
            return (
                DefaultValue::gen_random_uuid(),
                "DefaultValue::gen_random_uuid()".to_owned(),
            );
        }
        "true" => return (DefaultValue::from(true), "true".to_owned()),
        "false" => return (DefaultValue::from(false), "false".to_owned()),
        _ => {}
    }
    if let Some(n) = integer_literal(sql) {
        return match i32::try_from(n) {
            Ok(n) => (DefaultValue::from(n), n.to_string()),
            Err(_) => (DefaultValue::from(n), format!("{n}_i64")),
        };
    }
    if let Some(s) = string_literal(sql) {
        return (DefaultValue::from(s.as_str()), lit(&s));
    }
    let volatility_code = match volatility {
        Volatility::Immutable => "Immutable",
        Volatility::Stable => "Stable",
        Volatility::Volatile => "Volatile",
    };
    let (expr, expr_code) = code::expr(sql);
    (
        DefaultValue::expr(expr, volatility),
        format!("DefaultValue::expr({expr_code}, Volatility::{volatility_code})"),
    )
}

/// `0`, `42`, `'-1'::integer`: an integer literal as PostgreSQL prints it.
fn integer_literal(sql: &str) -> Option<i64> {
    let digits = |s: &str| {
        let body = s.strip_prefix('-').unwrap_or(s);
        !body.is_empty() && body.len() < 19 && body.bytes().all(|b| b.is_ascii_digit())
    };
    if digits(sql) && !sql.starts_with('-') {
        return sql.parse().ok();
    }
    let quoted = ["integer", "bigint", "smallint"]
        .iter()
        .find_map(|ty| sql.strip_suffix(&format!("'::{ty}")))?;
    let n = quoted.strip_prefix('\'')?;
    (digits(n) && n.starts_with('-')).then(|| n.parse().ok())?
}

/// `'draft'::text`, `'x'::character varying`: a plain string literal (no quote,
/// backslash or control character, which the DSL's literal would escape otherwise).
fn string_literal(sql: &str) -> Option<String> {
    let body = ["text", "character varying"]
        .iter()
        .find_map(|ty| sql.strip_suffix(&format!("'::{ty}")))?
        .strip_prefix('\'')?;
    (!body.contains(['\'', '\\']) && !body.chars().any(char::is_control)).then(|| body.to_owned())
}

/// How a column is written in a definition.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In `create_table` / `drop_table_with`: `NOT NULL` is implied by the table's
    /// primary key, so it is not said for its columns.
    InTable,
    /// In `add_column` / `drop_column_with`.
    Alone,
}

/// A column of a definition: the values and their source.
struct ColSpec {
    name: String,
    ty: (ColumnType, String),
    not_null: bool,
    default: Option<(DefaultValue, String)>,
    identity: Option<Identity>,
    primary_key: bool,
    unique: bool,
}

impl ColSpec {
    fn new(column: &Column, table: &Table, place: Place) -> Self {
        let implied = column.identity.is_some()
            || column.serial.is_some()
            || (place == Place::InTable && table.key_columns().contains(column.name.as_str()));
        Self {
            name: column.name.clone(),
            ty: col_type(column),
            not_null: column.not_null && !implied,
            default: default_value(column),
            identity: column.identity,
            primary_key: false,
            unique: false,
        }
    }

    /// `.not_null().default(..)..`.
    fn chain(&self) -> String {
        let mut out = String::new();
        if self.not_null {
            out.push_str(".not_null()");
        }
        if let Some((_, code)) = &self.default {
            out.push_str(&format!(".default({code})"));
        }
        match self.identity {
            Some(Identity::Always) => out.push_str(".identity_always()"),
            Some(_) => out.push_str(".identity()"),
            None => {}
        }
        if self.primary_key {
            out.push_str(".primary_key()");
        }
        if self.unique {
            out.push_str(".unique()");
        }
        out
    }

    fn apply(&self, c: &mut ColumnDef) {
        if self.not_null {
            c.not_null();
        }
        if let Some((value, _)) = &self.default {
            c.default(value.clone());
        }
        match self.identity {
            Some(Identity::Always) => {
                c.identity_always();
            }
            Some(_) => {
                c.identity();
            }
            None => {}
        }
        if self.primary_key {
            c.primary_key();
        }
        if self.unique {
            c.unique();
        }
    }
}

/// `.not_valid()`, `.deferrable()`, `.initially_deferred()` of a constraint.
fn modifiers(c: &Constraint, not_valid: bool) -> String {
    let mut out = String::new();
    if not_valid {
        out.push_str(".not_valid()");
    }
    match c.deferrable {
        Deferrable::InitiallyImmediate => out.push_str(".deferrable()"),
        Deferrable::InitiallyDeferred => out.push_str(".initially_deferred()"),
        _ => {}
    }
    out
}

fn apply_modifiers(b: ConstraintBuilder<'_>, c: &Constraint, not_valid: bool) {
    let b = if not_valid { b.not_valid() } else { b };
    match c.deferrable {
        Deferrable::InitiallyImmediate => {
            b.deferrable();
        }
        Deferrable::InitiallyDeferred => {
            b.initially_deferred();
        }
        _ => {}
    }
}

/// PostgreSQL's name for an unnamed key on one column, when it is that.
fn default_key_name(table: &str, c: &Constraint) -> Option<(String, bool)> {
    let (name, pk) = match &c.kind {
        Kind::PrimaryKey(cols) if cols.len() == 1 => (format!("{table}_pkey"), true),
        Kind::Unique(cols) if cols.len() == 1 => (format!("{table}_{}_key", cols[0]), false),
        _ => return None,
    };
    (name.len() < 64 && c.deferrable.is_default()).then_some((name, pk))
}

/// A table definition without what the DSL cannot write: its columns and the
/// constraints that go into `create_table` (not the unsupported ones, nor checks that
/// are `NOT VALID`, which `CREATE TABLE` cannot make).
struct TableSpec {
    name: code::Name,
    columns: Vec<ColSpec>,
    /// Table-level constraints: name, constraint.
    constraints: Vec<(String, Constraint)>,
}

impl TableSpec {
    fn new(name: &QName, table: &Table) -> Self {
        let mut columns: Vec<ColSpec> = table
            .columns
            .iter()
            .filter(|c| expressible(c) && !c.inherited)
            .map(|c| ColSpec::new(c, table, Place::InTable))
            .collect();
        let mut constraints = Vec::new();
        for (cname, c) in in_create(table) {
            if let Some((default, pk)) = default_key_name(&name.name, c)
                && default == *cname
                && let Kind::PrimaryKey(cols) | Kind::Unique(cols) = &c.kind
                && let Some(spec) = columns.iter_mut().find(|s| s.name == cols[0])
                && !(if pk { spec.primary_key } else { spec.unique })
            {
                if pk {
                    spec.primary_key = true;
                } else {
                    spec.unique = true;
                }
                continue;
            }
            constraints.push((cname.clone(), c.clone()));
        }
        Self {
            name: name.code(),
            columns,
            constraints,
        }
    }

    /// `m.create_table(..)` or `m.drop_table_with(..)`.
    fn code(&self, method: &str) -> String {
        let mut out = format!("m.{method}({}, |t| {{\n", self.name.code);
        for c in &self.columns {
            out.push_str(&format!(
                "    t.column({}, {}){};\n",
                lit(&c.name),
                c.ty.1,
                c.chain()
            ));
        }
        for (name, c) in &self.constraints {
            let head = match &c.kind {
                Kind::PrimaryKey(cols) => format!("t.primary_key({})", lits(cols)),
                Kind::Unique(cols) => format!("t.unique({})", lits(cols)),
                Kind::Check(e) => format!("t.check({})", code::expr(e).1),
            };
            out.push_str(&format!(
                "    {head}.name({}){};\n",
                lit(name),
                modifiers(c, false)
            ));
        }
        out.push_str("});");
        out
    }

    fn define(&self, t: &mut TableDef) {
        for c in &self.columns {
            c.apply(t.column(c.name.as_str(), c.ty.0.clone()));
        }
        for (name, c) in &self.constraints {
            let b = match &c.kind {
                Kind::PrimaryKey(cols) => t.primary_key(cols.iter().map(String::as_str)),
                Kind::Unique(cols) => t.unique(cols.iter().map(String::as_str)),
                Kind::Check(e) => t.check(code::expr(e).0),
            };
            apply_modifiers(b.name(name.as_str()), c, false);
        }
    }
}

/// Whether the DSL can write a column (no generated expression, no collation).
fn expressible(c: &Column) -> bool {
    c.generated.is_none() && c.collation.is_none()
}

/// The constraints `create_table` holds.
fn in_create(table: &Table) -> impl Iterator<Item = (&String, &Constraint)> {
    table
        .constraints
        .iter()
        .filter(|(_, c)| c.unsupported.is_none() && c.validated)
}

fn quoted(name: &QName) -> String {
    crate::render::quote_name(&name.code().value)
}

fn ident(s: &str) -> String {
    crate::render::quote_ident(&Ident::new(s))
}

/// The SQL of a column the DSL cannot write: as the DSL renders it, with `COLLATE` and
/// `GENERATED ALWAYS AS (..) STORED` after it.
fn add_column_sql(table: &QName, table_def: &Table, column: &Column) -> String {
    let spec = ColSpec::new(column, table_def, Place::Alone);
    let mut def = ColumnDef::new(column.name.as_str(), spec.ty.0.clone());
    spec.apply(&mut def);
    let step = Step::AddColumn {
        table: table.code().value,
        column: def,
    };
    let mut sql = crate::render::step(&step).join("; ");
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(generated) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED"));
    }
    sql
}

/// `ALTER TABLE .. ADD CONSTRAINT ..` from the catalog's own definition.
fn add_constraint_sql(table: &QName, name: &str, def: &str) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {def}",
        quoted(table),
        ident(name)
    )
}

/// The identity sequence options as snapshot text (`increment 5 start 100 cycle`):
/// option to value (`cycle` without one).
fn parse_options(options: &str) -> BTreeMap<&str, &str> {
    let words: Vec<&str> = options.split_whitespace().collect();
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "cycle" {
            out.insert("cycle", "");
            i += 1;
        } else {
            out.insert(words[i], words.get(i + 1).copied().unwrap_or_default());
            i += 2;
        }
    }
    out
}

/// `ALTER COLUMN .. SET ..` clauses taking an identity sequence from the options
/// `old` to `new` (an option left out is PostgreSQL's default).
fn identity_options_sql(old: &str, new: &str) -> String {
    let (old, new) = (parse_options(old), parse_options(new));
    let mut out = Vec::new();
    for option in [
        "increment",
        "minvalue",
        "maxvalue",
        "start",
        "cache",
        "cycle",
    ] {
        let clause = match (new.get(option), old.contains_key(option)) {
            (Some(v), _) if old.get(option) == Some(v) => continue,
            (Some(v), _) => match option {
                "increment" => format!("SET INCREMENT BY {v}"),
                "minvalue" => format!("SET MINVALUE {v}"),
                "maxvalue" => format!("SET MAXVALUE {v}"),
                "start" => format!("SET START WITH {v}"),
                "cache" => format!("SET CACHE {v}"),
                _ => "SET CYCLE".to_owned(),
            },
            (None, true) => match option {
                "increment" => "SET INCREMENT BY 1".to_owned(),
                "minvalue" => "SET NO MINVALUE".to_owned(),
                "maxvalue" => "SET NO MAXVALUE".to_owned(),
                "start" => "SET START WITH 1".to_owned(),
                "cache" => "SET CACHE 1".to_owned(),
                _ => "SET NO CYCLE".to_owned(),
            },
            (None, false) => continue,
        };
        out.push(clause);
    }
    out.join(" ")
}

// ----- the comparison ------------------------------------------------------------------

pub(crate) fn diff(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.tables, &cx.to.tables);
    let renames = cx.renames;

    // Renames first: tables, then their columns, then what PostgreSQL named after them.
    for (old, new) in renames.tables() {
        let (o, n) = (old.code(), new.name.clone());
        cx.emit(
            Phase::Renames,
            format!("m.rename_table({}, {});", o.code, lit(&n)),
            |m| {
                m.rename_table(o.value.clone(), n.as_str());
            },
        );
    }
    for (name, table) in &to.tables {
        let t = name.code();
        for (old, new) in renames.columns_of(name) {
            cx.emit(
                Phase::Renames,
                format!("m.rename_column({}, {}, {});", t.code, lit(old), lit(new)),
                |m| {
                    m.rename_column(t.value.clone(), old, new);
                },
            );
        }
        let old_name = renames.old_table(name);
        if let Some(old) = from.tables.get(&old_name)
            && (old_name != *name || renames.columns_of(name).next().is_some())
        {
            rename_dependants(cx, name, old, table);
        }
    }

    // Tables only in "from": dropped with their definition.
    for (name, table) in &from.tables {
        if renames.is_renamed_table(name) || to.tables.contains_key(name) {
            continue;
        }
        drop_table(cx, name, table);
    }
    // Tables only in "to": created.
    for (name, table) in &to.tables {
        let old = renames.old_table(name);
        if from.tables.contains_key(&old) {
            continue;
        }
        create_table(cx, name, table);
    }
    // Tables on both sides.
    for (name, table) in &to.tables {
        let old_name = renames.old_table(name);
        if let Some(old) = from.tables.get(&old_name) {
            alter_table(cx, name, old, table);
        }
    }
}

/// After a table or column rename: the serial sequences and constraints PostgreSQL
/// named after the old names, renamed to what the new schema calls them.
fn rename_dependants(cx: &mut Cx<'_>, name: &QName, old: &Table, new: &Table) {
    let t = name.code();
    for column in &new.columns {
        let old_col = cx.renames.old_column(name, &column.name);
        let (Some(seq), Some(old_seq)) = (
            &column.serial,
            old.column(old_col).and_then(|c| c.serial.as_ref()),
        ) else {
            continue;
        };
        if seq != old_seq {
            let (o, n) = (old_seq.code(), seq.name.clone());
            cx.emit(
                Phase::Renames,
                format!("m.rename_sequence({}, {});", o.code, lit(&n)),
                |m| {
                    m.rename_sequence(o.value.clone(), n.as_str());
                },
            );
        }
    }
    let mapped = mapped_constraints(cx.renames, name, old);
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    for (old_cname, c) in &mapped {
        if new.constraints.contains_key(old_cname) {
            continue;
        }
        let Some((new_cname, _)) = new.constraints.iter().find(|(n, nc)| {
            *nc == c && !old.constraints.contains_key(*n) && !taken.contains(n.as_str())
        }) else {
            continue;
        };
        taken.insert(new_cname);
        let (oc, nc) = (old_cname.clone(), new_cname.clone());
        cx.emit(
            Phase::Renames,
            format!(
                "m.rename_constraint({}, {}, {});",
                t.code,
                lit(&oc),
                lit(&nc)
            ),
            |m| {
                m.rename_constraint(t.value.clone(), oc.as_str(), nc.as_str());
            },
        );
    }
}

/// The constraints of a table of "from", with its columns' names in "to".
fn mapped_constraints(
    renames: &Resolved,
    to_name: &QName,
    old: &Table,
) -> BTreeMap<String, Constraint> {
    let columns: BTreeMap<&str, &str> = renames.columns_of(to_name).collect();
    old.constraints
        .iter()
        .map(|(n, c)| {
            let map = |cols: &[String]| -> Vec<String> {
                cols.iter()
                    .map(|col| renames.new_column(to_name, col).to_owned())
                    .collect()
            };
            let kind = match &c.kind {
                Kind::PrimaryKey(cols) => Kind::PrimaryKey(map(cols)),
                Kind::Unique(cols) => Kind::Unique(map(cols)),
                Kind::Check(e) => Kind::Check(code::rename_columns(e, &columns)),
            };
            (n.clone(), Constraint { kind, ..c.clone() })
        })
        .collect()
}

fn create_table(cx: &mut Cx<'_>, name: &QName, table: &Table) {
    let spec = TableSpec::new(name, table);
    if !table.flags.is_plain() {
        let mut def = TableDef::new(spec.name.value.clone());
        spec.define(&mut def);
        let mut sql = crate::render::step(&Step::CreateTable(def)).join("; ");
        let flags = &table.flags;
        if let Some((parent, bound)) = &flags.partition_of {
            sql = format!(
                "CREATE TABLE {} PARTITION OF {parent} {bound}",
                quoted(name)
            );
        } else if flags.foreign {
            sql = format!(
                "{} SERVER <server>",
                sql.replacen("CREATE TABLE", "CREATE FOREIGN TABLE", 1)
            );
        } else {
            if flags.unlogged {
                sql = sql.replacen("CREATE TABLE", "CREATE UNLOGGED TABLE", 1);
            }
            if let Some(parents) = &flags.inherits {
                sql.push_str(&format!(" INHERITS ({parents})"));
            }
            if let Some(key) = &flags.partitioned_by {
                sql.push_str(&format!(" PARTITION BY {key}"));
            }
        }
        cx.unchecked(
            Phase::CreateTables,
            format!(
                "table {name} is {}, which the DSL cannot create",
                flags.describe()
            ),
            &sql,
        );
    } else if spec.columns.is_empty() {
        cx.unchecked(
            Phase::CreateTables,
            format!("table {name} has no columns the DSL can write"),
            &format!("CREATE TABLE {} ()", quoted(name)),
        );
    } else {
        let code = spec.code("create_table");
        cx.emit(Phase::CreateTables, code, |m| {
            m.create_table(spec.name.value.clone(), |t| spec.define(t));
        });
    }
    if table.flags.partition_of.is_some() {
        return;
    }
    for column in table
        .columns
        .iter()
        .filter(|c| !expressible(c) && !c.inherited)
    {
        add_inexpressible_column(cx, name, table, column);
    }
    for column in &table.columns {
        if column.identity.is_some() && !column.identity_options.is_empty() {
            identity_options(cx, name, None, column);
        }
    }
    for (cname, c) in &table.constraints {
        if c.unsupported.is_some() || !c.validated {
            add_constraint(cx, name, cname, c, false);
        }
    }
}

fn add_inexpressible_column(cx: &mut Cx<'_>, name: &QName, table: &Table, column: &Column) {
    let why = if column.generated.is_some() {
        format!(
            "column {name}.{} is generated, which the DSL cannot write",
            column.name
        )
    } else {
        format!(
            "column {name}.{} has collation {}, which the DSL cannot write",
            column.name,
            column.collation.as_deref().unwrap_or_default()
        )
    };
    cx.unchecked(
        Phase::AlterColumns,
        why,
        &add_column_sql(name, table, column),
    );
}

fn identity_options(cx: &mut Cx<'_>, name: &QName, before: Option<&Column>, column: &Column) {
    let old = before.map_or("", |c| c.identity_options.as_str());
    let options = identity_options_sql(old, &column.identity_options);
    if options.is_empty() {
        return;
    }
    cx.unchecked(
        Phase::AlterColumns,
        format!(
            "the identity of column {name}.{} has sequence options ({}), which the DSL \
             cannot write",
            column.name,
            if column.identity_options.is_empty() {
                "the defaults"
            } else {
                &column.identity_options
            }
        ),
        &format!(
            "ALTER TABLE {} ALTER COLUMN {} {options}",
            quoted(name),
            ident(&column.name)
        ),
    );
}

fn drop_table(cx: &mut Cx<'_>, name: &QName, table: &Table) {
    if !table.flags.is_plain() {
        cx.unchecked(
            Phase::DropTables,
            format!(
                "table {name} is {}, which the DSL cannot re-create in the down",
                table.flags.describe()
            ),
            &format!("DROP TABLE {}", quoted(name)),
        );
        return;
    }
    for (cname, c) in &table.constraints {
        if c.unsupported.is_some() || !c.validated {
            drop_constraint(cx, name, cname, c);
        }
    }
    for column in table.columns.iter().filter(|c| !expressible(c)) {
        drop_inexpressible_column(cx, name, column);
    }
    let spec = TableSpec::new(name, table);
    if spec.columns.is_empty() {
        cx.unchecked(
            Phase::DropTables,
            format!(
                "table {name} has no columns the DSL can write, so the down cannot re-create it"
            ),
            &format!("DROP TABLE {}", quoted(name)),
        );
        return;
    }
    let code = spec.code("drop_table_with");
    cx.emit(Phase::DropTables, code, |m| {
        m.drop_table_with(spec.name.value.clone(), |t| spec.define(t));
    });
}

fn drop_inexpressible_column(cx: &mut Cx<'_>, name: &QName, column: &Column) {
    cx.unchecked(
        Phase::DropColumns,
        format!(
            "column {name}.{} is {}, which the DSL cannot re-add in the down",
            column.name,
            if column.generated.is_some() {
                "generated".to_owned()
            } else {
                format!(
                    "of collation {}",
                    column.collation.as_deref().unwrap_or_default()
                )
            }
        ),
        &format!(
            "ALTER TABLE {} DROP COLUMN {}",
            quoted(name),
            ident(&column.name)
        ),
    );
}

/// `add_primary_key`, `add_unique`, `add_check(..).not_valid()` (then validated when
/// the new schema has it valid): a constraint on a table that exists.
fn add_constraint(cx: &mut Cx<'_>, table: &QName, cname: &str, c: &Constraint, existing: bool) {
    if let Some((why, def)) = &c.unsupported {
        cx.unchecked(
            Phase::AddConstraints,
            format!("constraint {cname} of {table} is {why}, which the DSL cannot write"),
            &add_constraint_sql(table, cname, def),
        );
        return;
    }
    let t = table.code();
    if existing && let Kind::PrimaryKey(cols) | Kind::Unique(cols) = &c.kind {
        add_key_online(cx, &t, cname, c, cols);
        return;
    }
    let is_check = matches!(c.kind, Kind::Check(_));
    // A check on a table with rows is added NOT VALID and validated after; a new
    // table's NOT VALID check stays so.
    let not_valid = is_check && (existing || !c.validated);
    let validate = is_check && existing && c.validated;
    let (head, mods) = match &c.kind {
        Kind::PrimaryKey(cols) => (
            format!(
                "m.add_primary_key({}, {}, {})",
                t.code,
                lit(cname),
                lits(cols)
            ),
            modifiers(c, false),
        ),
        Kind::Unique(cols) => (
            format!("m.add_unique({}, {}, {})", t.code, lit(cname), lits(cols)),
            modifiers(c, false),
        ),
        Kind::Check(e) => (
            format!(
                "m.add_check({}, {}, {})",
                t.code,
                lit(cname),
                code::expr(e).1
            ),
            modifiers(c, not_valid),
        ),
    };
    let mut code = format!("{head}{mods};");
    if validate {
        code.push_str(&format!(
            "\nm.validate_constraint({}, {});",
            t.code,
            lit(cname)
        ));
    }
    cx.emit(Phase::AddConstraints, code, |m: &mut Migration<Manual>| {
        let b = match &c.kind {
            Kind::PrimaryKey(cols) => {
                m.add_primary_key(t.value.clone(), cname, cols.iter().map(String::as_str))
            }
            Kind::Unique(cols) => {
                m.add_unique(t.value.clone(), cname, cols.iter().map(String::as_str))
            }
            Kind::Check(e) => m.add_check(t.value.clone(), cname, code::expr(e).0),
        };
        apply_modifiers(b, c, not_valid);
        if validate {
            m.validate_constraint(t.value.clone(), cname);
        }
    });
}

/// A primary key or unique constraint on a table that exists: its unique index built
/// concurrently under the constraint's name, then the constraint over it (a brief
/// lock).
fn add_key_online(cx: &mut Cx<'_>, t: &code::Name, cname: &str, c: &Constraint, cols: &[String]) {
    let pk = matches!(c.kind, Kind::PrimaryKey(_));
    let method = if pk {
        "add_primary_key_using_index"
    } else {
        "add_unique_using_index"
    };
    let mods = match c.deferrable {
        Deferrable::InitiallyImmediate => ".deferrable()",
        Deferrable::InitiallyDeferred => ".initially_deferred()",
        _ => "",
    };
    let code = format!(
        "m.create_index_concurrently({n}, {t}, {cols}).unique();\n\
         m.{method}({t}, {n}, {n}){mods};",
        n = lit(cname),
        t = t.code,
        cols = lits(cols),
    );
    cx.emit(Phase::AddConstraints, code, |m| {
        m.create_index_concurrently(cname, t.value.clone(), cols.iter().map(String::as_str))
            .unique();
        let key = if pk {
            m.add_primary_key_using_index(t.value.clone(), cname, cname)
        } else {
            m.add_unique_using_index(t.value.clone(), cname, cname)
        };
        match c.deferrable {
            Deferrable::InitiallyImmediate => {
                key.deferrable();
            }
            Deferrable::InitiallyDeferred => {
                key.initially_deferred();
            }
            _ => {}
        }
    });
}

/// `drop_*_with` the constraint's definition (kept `NOT VALID` when it was).
fn drop_constraint(cx: &mut Cx<'_>, table: &QName, cname: &str, c: &Constraint) {
    if let Some((why, def)) = &c.unsupported {
        cx.unchecked(
            Phase::DropConstraints,
            format!(
                "constraint {cname} of {table} is {why} ({def}), which the DSL cannot re-add \
                 in the down"
            ),
            &format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                quoted(table),
                ident(cname)
            ),
        );
        return;
    }
    let t = table.code();
    let not_valid = !c.validated;
    let head = match &c.kind {
        Kind::PrimaryKey(cols) => format!(
            "m.drop_primary_key_with({}, {}, {})",
            t.code,
            lit(cname),
            lits(cols)
        ),
        Kind::Unique(cols) => format!(
            "m.drop_unique_with({}, {}, {})",
            t.code,
            lit(cname),
            lits(cols)
        ),
        Kind::Check(e) => format!(
            "m.drop_check_with({}, {}, {})",
            t.code,
            lit(cname),
            code::expr(e).1
        ),
    };
    let code = format!("{head}{};", modifiers(c, not_valid));
    cx.emit(Phase::DropConstraints, code, |m: &mut Migration<Manual>| {
        let b = match &c.kind {
            Kind::PrimaryKey(cols) => {
                m.drop_primary_key_with(t.value.clone(), cname, cols.iter().map(String::as_str))
            }
            Kind::Unique(cols) => {
                m.drop_unique_with(t.value.clone(), cname, cols.iter().map(String::as_str))
            }
            Kind::Check(e) => m.drop_check_with(t.value.clone(), cname, code::expr(e).0),
        };
        apply_modifiers(b, c, not_valid);
    });
}

/// A table on both sides (`name` as "to" calls it).
fn alter_table(cx: &mut Cx<'_>, name: &QName, old: &Table, new: &Table) {
    let renames = cx.renames;
    if old.flags != new.flags {
        let sql = match (old.flags.unlogged, new.flags.unlogged) {
            (false, true) => format!("ALTER TABLE {} SET UNLOGGED", quoted(name)),
            (true, false) => format!("ALTER TABLE {} SET LOGGED", quoted(name)),
            _ => format!("-- re-create {}", quoted(name)),
        };
        cx.unchecked(
            Phase::AlterColumns,
            format!(
                "table {name} changes from {} to {}, which the DSL cannot do",
                if old.flags.is_plain() {
                    "an ordinary table".to_owned()
                } else {
                    old.flags.describe()
                },
                if new.flags.is_plain() {
                    "an ordinary table".to_owned()
                } else {
                    new.flags.describe()
                }
            ),
            &sql,
        );
    }
    if new.flags.partition_of.is_some() {
        // A partition's columns and keys are its parent's.
        return;
    }
    let t = name.code();

    // Constraints first (dropped before the columns they use).
    let mapped = mapped_constraints(renames, name, old);
    let renamed: BTreeSet<&String> =
        {
            // Those rename_dependants renamed: same definition under another name.
            let mut taken = BTreeSet::new();
            for (old_cname, c) in &mapped {
                if new.constraints.contains_key(old_cname) {
                    continue;
                }
                if let Some((n, _)) = new.constraints.iter().find(|(n, nc)| {
                    *nc == c && !old.constraints.contains_key(*n) && !taken.contains(n)
                }) {
                    taken.insert(n);
                    taken.insert(old_cname);
                }
            }
            taken
        };
    for (cname, c) in &mapped {
        if renamed.contains(cname) {
            continue;
        }
        match new.constraints.get(cname) {
            Some(nc) if nc == c => {}
            _ => drop_constraint(cx, name, cname, c),
        }
    }
    for (cname, c) in &new.constraints {
        if renamed.contains(cname) {
            continue;
        }
        match mapped.get(cname) {
            Some(oc) if oc == c => {}
            _ => add_constraint(cx, name, cname, c, true),
        }
    }

    // Columns dropped.
    for column in &old.columns {
        if column.inherited {
            continue;
        }
        let new_name = renames.new_column(name, &column.name);
        if new.column(new_name).is_some() {
            continue;
        }
        if !expressible(column) {
            drop_inexpressible_column(cx, name, column);
            continue;
        }
        let spec = ColSpec::new(column, old, Place::Alone);
        let code = format!(
            "m.drop_column_with({}, {}, {}){};",
            t.code,
            lit(&spec.name),
            spec.ty.1,
            spec.chain()
        );
        cx.emit(Phase::DropColumns, code, |m| {
            spec.apply(m.drop_column_with(t.value.clone(), spec.name.as_str(), spec.ty.0.clone()));
        });
    }

    // Columns added or changed.
    for column in &new.columns {
        if column.inherited {
            continue;
        }
        let old_name = renames.old_column(name, &column.name);
        let Some(before) = old.column(old_name) else {
            if !expressible(column) {
                add_inexpressible_column(cx, name, new, column);
            } else {
                let spec = ColSpec::new(column, new, Place::Alone);
                let code = format!(
                    "m.add_column({}, {}, {}){};",
                    t.code,
                    lit(&spec.name),
                    spec.ty.1,
                    spec.chain()
                );
                cx.emit(Phase::AlterColumns, code, |m| {
                    spec.apply(m.add_column(
                        t.value.clone(),
                        spec.name.as_str(),
                        spec.ty.0.clone(),
                    ));
                });
            }
            if column.identity.is_some() && !column.identity_options.is_empty() {
                identity_options(cx, name, None, column);
            }
            continue;
        };
        alter_column(cx, name, before, column);
    }
}

fn alter_column(cx: &mut Cx<'_>, name: &QName, before: &Column, after: &Column) {
    let t = name.code();
    let col = after.name.clone();
    let qt = quoted(name);
    let qc = ident(&col);
    if before.generated != after.generated || before.serial.is_some() != after.serial.is_some() {
        let what = if before.generated != after.generated {
            "its generated expression"
        } else {
            "whether it is serial (its own sequence)"
        };
        cx.unchecked(
            Phase::AlterColumns,
            format!(
                "column {name}.{col} changes {what}, which the DSL cannot alter: drop it and add it again"
            ),
            &format!("ALTER TABLE {qt} DROP COLUMN {qc}"),
        );
        let new_table = cx.to.tables.tables.get(name).cloned().unwrap_or_default();
        if expressible(after) {
            let spec = ColSpec::new(after, &new_table, Place::Alone);
            let code = format!(
                "m.add_column({}, {}, {}){};",
                t.code,
                lit(&spec.name),
                spec.ty.1,
                spec.chain()
            );
            cx.emit(Phase::AlterColumns, code, |m| {
                spec.apply(m.add_column(t.value.clone(), spec.name.as_str(), spec.ty.0.clone()));
            });
        } else {
            add_inexpressible_column(cx, name, &new_table, after);
        }
        return;
    }
    if before.ty != after.ty {
        let (from, from_code) = col_type(before);
        let (to, to_code) = col_type(after);
        if before.serial.is_some() {
            cx.unchecked(
                Phase::AlterColumns,
                format!(
                    "serial column {name}.{col} changes type, and its sequence with it, which the \
                     DSL cannot do"
                ),
                &format!(
                    "ALTER TABLE {qt} ALTER COLUMN {qc} TYPE {}",
                    crate::render::column_type(&code::column_type(&after.ty).0)
                ),
            );
        } else {
            cx.emit(
                Phase::AlterColumns,
                format!(
                    "m.alter_column_type_from({}, {}, {from_code}, {to_code});",
                    t.code,
                    lit(&col)
                ),
                |m| {
                    m.alter_column_type_from(t.value.clone(), col.as_str(), from, to);
                },
            );
        }
        cx.facts.retyped_tables.insert(name.clone());
    }
    if before.collation != after.collation {
        let collate = after
            .collation
            .clone()
            .unwrap_or_else(|| "pg_catalog.\"default\"".to_owned());
        cx.unchecked(
            Phase::AlterColumns,
            format!("column {name}.{col} changes collation, which the DSL cannot write"),
            &format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} TYPE {} COLLATE {collate}",
                after.ty
            ),
        );
    }
    let (old_default, new_default) = (default_value(before), default_value(after));
    if before.serial.is_none() && before.default != after.default {
        let show = |d: &Option<(DefaultValue, String)>| match d {
            Some((_, code)) if code.starts_with("DefaultValue::") => format!("Some({code})"),
            Some((_, code)) => format!("Some(DefaultValue::from({code}))"),
            None => "None".to_owned(),
        };
        let code = format!(
            "m.change_default({}, {}, {}, {});",
            t.code,
            lit(&col),
            show(&old_default),
            show(&new_default)
        );
        let (o, n) = (old_default.map(|(v, _)| v), new_default.map(|(v, _)| v));
        cx.emit(Phase::AlterColumns, code, |m| {
            m.change_default(t.value.clone(), col.as_str(), o, n);
        });
    }
    if before.not_null != after.not_null && before.identity.is_none() && after.identity.is_none() {
        if after.not_null {
            cx.emit(
                Phase::AlterColumns,
                format!("m.set_not_null({}, {});", t.code, lit(&col)),
                |m| {
                    m.set_not_null(t.value.clone(), col.as_str());
                },
            );
        } else {
            cx.emit(
                Phase::AlterColumns,
                format!("m.drop_not_null({}, {});", t.code, lit(&col)),
                |m| {
                    m.drop_not_null(t.value.clone(), col.as_str());
                },
            );
        }
    }
    if before.identity != after.identity {
        let clause = |i: Identity| match i {
            Identity::Always => "ALWAYS",
            _ => "BY DEFAULT",
        };
        let sql = match (before.identity, after.identity) {
            (None, Some(i)) => format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} {}ADD GENERATED {} AS IDENTITY",
                if before.not_null {
                    ""
                } else {
                    "SET NOT NULL, ALTER COLUMN {qc} "
                }
                .replace("{qc}", &qc),
                clause(i)
            ),
            (Some(_), None) => format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} DROP IDENTITY{}",
                if after.not_null {
                    String::new()
                } else {
                    format!(", ALTER COLUMN {qc} DROP NOT NULL")
                }
            ),
            (_, Some(i)) => format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} SET GENERATED {}",
                clause(i)
            ),
            (None, None) => String::new(),
        };
        cx.unchecked(
            Phase::AlterColumns,
            format!("the identity of column {name}.{col} changes, which the DSL cannot alter"),
            &sql,
        );
    }
    if after.identity.is_some() && before.identity_options != after.identity_options {
        identity_options(cx, name, Some(before), after);
    }
}

// ----- rename candidates ---------------------------------------------------------------

/// Tables dropped and added in one schema with the same columns; columns dropped
/// and added in one table with the same type.
pub(crate) fn rename_candidates(
    from: &Catalog,
    to: &Catalog,
    renames: &Resolved,
) -> Vec<RenameCandidate> {
    let (from, to) = (&from.tables, &to.tables);
    let renamed_to: BTreeSet<QName> = renames.tables().map(|(_, t)| t.clone()).collect();
    let shape = |t: &Table| -> BTreeSet<(String, String)> {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect()
    };
    let mut out = Vec::new();
    let dropped: Vec<(&QName, &Table)> = from
        .tables
        .iter()
        .filter(|(n, _)| !renames.is_renamed_table(n) && !to.tables.contains_key(*n))
        .collect();
    let added: Vec<(&QName, &Table)> = to
        .tables
        .iter()
        .filter(|(n, _)| !from.tables.contains_key(*n) && !renamed_to.contains(*n))
        .collect();
    for (old, old_table) in &dropped {
        for (new, new_table) in &added {
            if old.schema == new.schema && shape(old_table) == shape(new_table) {
                out.push(RenameCandidate {
                    rename: Rename {
                        from: table_path(old),
                        to: new.name.clone(),
                    },
                    description: format!("table {old} -> {}", new.name),
                });
            }
        }
    }
    for (new_name, new_table) in &to.tables {
        let old_name = renames.old_table(new_name);
        let Some(old_table) = from.tables.get(&old_name) else {
            continue;
        };
        let gone: Vec<&Column> = old_table
            .columns
            .iter()
            .filter(|c| !new_table.has(renames.new_column(new_name, &c.name)))
            .collect();
        let came: Vec<&Column> = new_table
            .columns
            .iter()
            .filter(|c| !old_table.has(renames.old_column(new_name, &c.name)))
            .collect();
        for g in &gone {
            for c in came.iter().filter(|c| c.ty == g.ty) {
                let mut path = table_path(&old_name);
                path.push(g.name.clone());
                out.push(RenameCandidate {
                    rename: Rename {
                        from: path,
                        to: c.name.clone(),
                    },
                    description: format!("column {old_name}.{} -> {}", g.name, c.name),
                });
            }
        }
    }
    out
}

impl Table {
    fn has(&self, column: &str) -> bool {
        self.column(column).is_some()
    }
}

/// A table as a rename names it: `users` in `public`, else `schema.table`.
fn table_path(name: &QName) -> Vec<String> {
    if name.schema == "public" {
        vec![name.name.clone()]
    } else {
        vec![name.schema.clone(), name.name.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, ty: &str) -> Column {
        Column {
            name: name.to_owned(),
            ty: ty.to_owned(),
            ..Column::default()
        }
    }

    fn table(columns: &[(&str, &str)]) -> Table {
        Table {
            columns: columns.iter().map(|(n, t)| column(n, t)).collect(),
            ..Table::default()
        }
    }

    fn catalog(tables: Vec<(QName, Table)>) -> Catalog {
        Catalog {
            tables: Part {
                tables: tables.into_iter().collect(),
            },
            ..Catalog::default()
        }
    }

    #[test]
    fn a_table_dropped_and_added_with_the_same_columns_is_a_candidate() {
        let from = catalog(vec![
            (
                QName::new("public", "users"),
                table(&[("id", "bigint"), ("email", "text")]),
            ),
            (QName::new("app", "a"), table(&[("x", "integer")])),
        ]);
        let to = catalog(vec![
            (
                QName::new("public", "people"),
                table(&[("email", "text"), ("id", "bigint")]),
            ),
            (QName::new("other", "b"), table(&[("x", "integer")])),
        ]);
        let found = rename_candidates(&from, &to, &Resolved::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rename.to_string(), "users=people");
        assert_eq!(found[0].description, "table public.users -> people");
    }

    #[test]
    fn a_column_dropped_and_added_with_the_same_type_is_a_candidate() {
        let from = catalog(vec![(
            QName::new("app", "users"),
            table(&[("id", "bigint"), ("email", "text"), ("age", "integer")]),
        )]);
        let to = catalog(vec![(
            QName::new("app", "users"),
            table(&[("id", "bigint"), ("mail", "text"), ("years", "smallint")]),
        )]);
        let found = rename_candidates(&from, &to, &Resolved::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rename.to_string(), "app.users.email=mail");
        assert_eq!(found[0].description, "column app.users.email -> mail");
    }

    #[test]
    fn defaults_use_the_dsl_forms_when_they_store_the_same() {
        let code = |sql: &str| default_of(sql, Volatility::Immutable).1;
        assert_eq!(code("now()"), "DefaultValue::now()");
        assert_eq!(code("CURRENT_DATE"), "DefaultValue::current_date()");
        assert_eq!(code("0"), "0");
        assert_eq!(code("'-1'::integer"), "-1");
        assert_eq!(code("5000000000"), "5000000000_i64");
        assert_eq!(code("true"), "true");
        assert_eq!(code("'draft'::text"), r#""draft""#);
        assert_eq!(code("'x'::character varying"), r#""x""#);
        assert_eq!(
            code("'it''s'::text"),
            r#"DefaultValue::expr(Expr::cust("'it''s'::text"), Volatility::Immutable)"#
        );
        assert_eq!(
            default_of("clock_timestamp()", Volatility::Volatile).1,
            r#"DefaultValue::expr(Expr::cust("clock_timestamp()"), Volatility::Volatile)"#
        );
        assert_eq!(
            code("'{}'::jsonb"),
            r#"DefaultValue::expr(Expr::cust("'{}'::jsonb"), Volatility::Immutable)"#
        );
    }

    #[test]
    fn identity_options_become_set_clauses() {
        assert_eq!(
            identity_options_sql("", "increment 5 start 100 cycle"),
            "SET INCREMENT BY 5 SET START WITH 100 SET CYCLE"
        );
        assert_eq!(
            identity_options_sql("increment 5 start 100 cycle", "start 100"),
            "SET INCREMENT BY 1 SET NO CYCLE"
        );
    }

    #[test]
    fn keys_with_options_the_dsl_lacks_are_unsupported() {
        let k = Kind::Unique(vec!["a".into()]);
        assert!(unsupported_constraint(&k, "UNIQUE (a) INCLUDE (b)", false).is_some());
        assert!(unsupported_constraint(&k, "UNIQUE NULLS NOT DISTINCT (a)", false).is_some());
        assert!(unsupported_constraint(&k, "UNIQUE (a) DEFERRABLE", false).is_none());
        let c = Kind::Check("(a > 0)".into());
        assert!(unsupported_constraint(&c, "CHECK ((a > 0)) NO INHERIT", true).is_some());
    }
}
