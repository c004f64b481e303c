//! Indexes, foreign keys and exclusion constraints.
//!
//! Indexes that back a constraint (primary keys, unique and exclusion constraints)
//! are the constraint's; the rest are read key by key (column or expression, operator
//! class when not the default, collation when not the column's, order), with their
//! method, `INCLUDE` columns, predicate, `NULLS NOT DISTINCT` and storage parameters,
//! and compared field by field with names mapped through the renames. An index on a
//! table that exists on both sides is built (and dropped) concurrently; a foreign key
//! added to an existing table is added `NOT VALID` and validated.
//!
//! - A changed index, foreign key or exclusion is dropped (with its old definition)
//!   and created again; a foreign key whose deferrability alone changes is altered
//!   in place (`alter_constraint_from`).
//! - An invalid index in "to" (a failed concurrent build) is left alone: nothing is
//!   created, and an index of the same name in "from" is kept.
//! - Indexes of a partitioned table are built and dropped plainly (PostgreSQL has no
//!   concurrent form for them), as is an exclusion constraint: the lint stops both on
//!   an existing table for a person to judge.
//! - The index of a dropped materialized view is dropped in the views' phase, before
//!   the view. A materialized view the views family re-creates needs its indexes
//!   dropped before and created after it: that family's call, not done here.
//! - What the DSL cannot write (an access method it lacks, `NULLS FIRST` on an
//!   ascending key, a collation outside `pg_catalog`/`public`, `MATCH FULL`,
//!   `ON DELETE SET NULL (columns)`) is `unchecked_sql` for review.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{QName, Scope, get};
use super::code::{self, Name, lit, lits};
use super::emit::{Cx, Phase};
use crate::error::Error;
use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::migration::Migration;
use crate::mode::Manual;
use crate::snapshot::catalog::{HISTORY, NS, own};
use crate::step::{Deferrable, IndexColumn};
use crate::types::{IndexMethod, ReferentialAction, SortOrder};

/// Indexes, foreign keys and exclusion constraints.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    /// The relations that may carry them (tables, partitioned tables, materialized
    /// views), with their `relkind`.
    pub(crate) relations: BTreeMap<QName, char>,
    /// Indexes that back no constraint, by qualified name.
    pub(crate) indexes: BTreeMap<QName, Index>,
    /// Foreign keys, by table and name.
    pub(crate) foreign_keys: BTreeMap<(QName, String), ForeignKey>,
    /// Exclusion constraints, by table and name.
    pub(crate) exclusions: BTreeMap<(QName, String), Exclusion>,
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.indexes.is_empty() && self.foreign_keys.is_empty() && self.exclusions.is_empty()
    }
}

/// What one index key is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Column(String),
    /// The expression as `pg_get_indexdef(index, k, true)` prints it, without
    /// the parentheses around it.
    Expr(String),
}

/// One key of an index (or element of an exclusion constraint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) kind: KeyKind,
    /// Its operator class, when not the default for its type.
    pub(crate) opclass: Option<QName>,
    /// Its collation, when not the column's (or the type's).
    pub(crate) collation: Option<QName>,
    pub(crate) desc: bool,
    pub(crate) nulls_first: bool,
}

/// An index that backs no constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Index {
    pub(crate) table: QName,
    pub(crate) unique: bool,
    /// The access method (`pg_am.amname`).
    pub(crate) method: String,
    pub(crate) keys: Vec<Key>,
    pub(crate) include: Vec<String>,
    /// `pg_get_expr(indpred)`.
    pub(crate) predicate: Option<String>,
    pub(crate) nulls_not_distinct: bool,
    /// `reloptions`, as `(name, value)`.
    pub(crate) storage: Vec<(String, String)>,
    pub(crate) valid: bool,
    /// `pg_get_indexdef`: for what the DSL cannot express.
    pub(crate) definition: String,
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ForeignKey {
    pub(crate) columns: Vec<String>,
    pub(crate) ref_table: QName,
    pub(crate) ref_columns: Vec<String>,
    /// `confdeltype`: `a` no action, `r` restrict, `c` cascade, `n` set null,
    /// `d` set default.
    pub(crate) on_delete: char,
    pub(crate) on_update: char,
    pub(crate) deferrable: Deferrable,
    pub(crate) validated: bool,
    /// `MATCH FULL` (the DSL writes `MATCH SIMPLE`, the default).
    pub(crate) match_full: bool,
    /// `ON DELETE SET NULL (columns)` / `SET DEFAULT (columns)` (PostgreSQL 15+).
    pub(crate) set_columns: bool,
    /// `pg_get_constraintdef`: for what the DSL cannot express.
    pub(crate) definition: String,
}

/// An exclusion constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Exclusion {
    pub(crate) method: String,
    /// Each element and its operator.
    pub(crate) elements: Vec<(Key, String)>,
    pub(crate) include: Vec<String>,
    pub(crate) predicate: Option<String>,
    pub(crate) deferrable: Deferrable,
    /// `pg_get_constraintdef`: for what the DSL cannot express.
    pub(crate) definition: String,
}

fn deferrable(deferrable: bool, deferred: bool) -> Deferrable {
    match (deferrable, deferred) {
        (false, _) => Deferrable::NotDeferrable,
        (true, false) => Deferrable::InitiallyImmediate,
        (true, true) => Deferrable::InitiallyDeferred,
    }
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or('a')
}

/// The relations read: in the schemas read, not the history table, not an
/// extension's.
fn relation_filter(class: &str) -> String {
    format!(
        "{class}.relkind IN ('r', 'p', 'm') AND {NS} AND {class}.oid NOT IN ({HISTORY}) AND {}",
        own("pg_class", &format!("{class}.oid"))
    )
}

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    let version: i32 = {
        let rows = scope
            .query(
                "SELECT current_setting('server_version_num')::int4 \
                 WHERE $1::text[] IS NOT NULL AND $2::text[] IS NOT NULL \
                 AND $3::text IS NOT NULL AND $4::text IS NOT NULL",
            )
            .await?;
        match rows.first() {
            Some(row) => get(row, 0)?,
            None => 0,
        }
    };
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {}",
            relation_filter("c")
        ))
        .await?;
    for row in rows {
        let kind: String = get(&row, 2)?;
        part.relations.insert(
            QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?),
            first_char(&kind),
        );
    }

    // Every key of every index of the relations read (the exclusions' too).
    let rows = scope
        .query(&format!(
            "SELECT i.indexrelid::int8, k.n::int4, k.n <= i.indnkeyatts, \
               i.indkey[k.n - 1] <> 0, a.attname::text, \
               pg_get_indexdef(i.indexrelid, k.n, true), \
               ocn.nspname::text, oc.opcname::text, \
               coalesce(oc.opcdefault AND (oc.opcintype = kt.t \
                 OR (SELECT ot.typtype FROM pg_type ot WHERE ot.oid = oc.opcintype) = 'p' \
                 OR EXISTS (SELECT FROM pg_cast ca WHERE ca.castsource = kt.t \
                   AND ca.casttarget = oc.opcintype AND ca.castmethod = 'b')) \
                 AND NOT EXISTS (SELECT FROM pg_opclass o2 WHERE o2.opcmethod = oc.opcmethod \
                   AND o2.opcdefault AND o2.opcintype = kt.t AND o2.oid <> oc.oid), true), \
               CASE WHEN i.indcollation[k.n - 1] <> 0 AND i.indcollation[k.n - 1] <> \
                 CASE WHEN i.indkey[k.n - 1] <> 0 THEN a.attcollation ELSE kt.coll END \
                 THEN (SELECT cn.nspname::text FROM pg_collation co \
                   JOIN pg_namespace cn ON cn.oid = co.collnamespace \
                   WHERE co.oid = i.indcollation[k.n - 1]) END, \
               CASE WHEN i.indcollation[k.n - 1] <> 0 AND i.indcollation[k.n - 1] <> \
                 CASE WHEN i.indkey[k.n - 1] <> 0 THEN a.attcollation ELSE kt.coll END \
                 THEN (SELECT co.collname::text FROM pg_collation co \
                   WHERE co.oid = i.indcollation[k.n - 1]) END, \
               coalesce(i.indoption[k.n - 1], 0)::int4 \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN LATERAL generate_series(1, i.indnatts) k(n) \
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1] \
             LEFT JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n \
             LEFT JOIN LATERAL (SELECT coalesce(nullif(t.typbasetype, 0), t.oid) AS t, \
               t.typcollation AS coll FROM pg_type t \
               WHERE t.oid = CASE WHEN i.indkey[k.n - 1] <> 0 THEN a.atttypid ELSE ia.atttypid END) kt ON true \
             LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k.n - 1] AND k.n <= i.indnkeyatts \
             LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace \
             WHERE {} ORDER BY 1, 2",
            relation_filter("c")
        ))
        .await?;
    let mut keys: BTreeMap<i64, (Vec<Key>, Vec<String>)> = BTreeMap::new();
    for row in rows {
        let oid: i64 = get(&row, 0)?;
        let is_key: bool = get(&row, 2)?;
        let is_column: bool = get(&row, 3)?;
        let entry = keys.entry(oid).or_default();
        if !is_key {
            entry.1.push(get(&row, 4)?);
            continue;
        }
        let kind = if is_column {
            KeyKind::Column(get(&row, 4)?)
        } else {
            KeyKind::Expr(unparen(&get::<String>(&row, 5)?).to_owned())
        };
        let opclass = match (
            get::<Option<String>>(&row, 6)?,
            get::<Option<String>>(&row, 7)?,
            get::<bool>(&row, 8)?,
        ) {
            (Some(schema), Some(name), false) => Some(QName::new(schema, name)),
            _ => None,
        };
        let collation = match (
            get::<Option<String>>(&row, 9)?,
            get::<Option<String>>(&row, 10)?,
        ) {
            (Some(schema), Some(name)) => Some(QName::new(schema, name)),
            _ => None,
        };
        let option: i32 = get(&row, 11)?;
        entry.0.push(Key {
            kind,
            opclass,
            collation,
            desc: option & 1 != 0,
            nulls_first: option & 2 != 0,
        });
    }

    let nulls_not_distinct = if version >= 150_000 {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    let rows = scope
        .query(&format!(
            "SELECT i.indexrelid::int8, n.nspname::text, ic.relname::text, c.relname::text, \
               i.indisunique, am.amname::text, pg_get_expr(i.indpred, i.indrelid, true), \
               {nulls_not_distinct}, coalesce(ic.reloptions, '{{}}')::text[], i.indisvalid, \
               pg_get_indexdef(i.indexrelid) \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_am am ON am.oid = ic.relam \
             WHERE {} \
             AND NOT EXISTS (SELECT FROM pg_constraint co WHERE co.conindid = i.indexrelid \
               AND co.contype IN ('p', 'u', 'x')) \
             AND NOT EXISTS (SELECT FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid)",
            relation_filter("c")
        ))
        .await?;
    for row in rows {
        let oid: i64 = get(&row, 0)?;
        let schema: String = get(&row, 1)?;
        let (keys, include) = keys.get(&oid).cloned().unwrap_or_default();
        let storage = get::<Vec<String>>(&row, 8)?
            .iter()
            .map(|o| match o.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (o.clone(), String::new()),
            })
            .collect();
        part.indexes.insert(
            QName::new(schema.clone(), get::<String>(&row, 2)?),
            Index {
                table: QName::new(schema, get::<String>(&row, 3)?),
                unique: get(&row, 4)?,
                method: get(&row, 5)?,
                keys,
                include,
                predicate: get(&row, 6)?,
                nulls_not_distinct: get(&row, 7)?,
                storage,
                valid: get(&row, 9)?,
                definition: get(&row, 10)?,
            },
        );
    }

    let set_columns = if version >= 150_000 {
        "coalesce(cardinality(co.confdelsetcols), 0) > 0"
    } else {
        "false"
    };
    let columns = |attrs: &str, rel: &str| {
        format!(
            "ARRAY(SELECT a.attname::text FROM unnest(co.{attrs}) WITH ORDINALITY k(att, ord) \
             JOIN pg_attribute a ON a.attrelid = co.{rel} AND a.attnum = k.att ORDER BY k.ord)"
        )
    };
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, co.conname::text, {}, \
               rn.nspname::text, rc.relname::text, {}, \
               co.confdeltype::text, co.confupdtype::text, co.condeferrable, co.condeferred, \
               co.convalidated, co.confmatchtype::text, {set_columns}, \
               pg_get_constraintdef(co.oid) \
             FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class rc ON rc.oid = co.confrelid \
             JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
             WHERE co.contype = 'f' AND co.conparentid = 0 AND {}",
            columns("conkey", "conrelid"),
            columns("confkey", "confrelid"),
            relation_filter("c")
        ))
        .await?;
    for row in rows {
        let schema: String = get(&row, 0)?;
        part.foreign_keys.insert(
            (QName::new(schema, get::<String>(&row, 1)?), get(&row, 2)?),
            ForeignKey {
                columns: get(&row, 3)?,
                ref_table: QName::new(get::<String>(&row, 4)?, get::<String>(&row, 5)?),
                ref_columns: get(&row, 6)?,
                on_delete: first_char(&get::<String>(&row, 7)?),
                on_update: first_char(&get::<String>(&row, 8)?),
                deferrable: deferrable(get(&row, 9)?, get(&row, 10)?),
                validated: get(&row, 11)?,
                match_full: get::<String>(&row, 12)? == "f",
                set_columns: get(&row, 13)?,
                definition: get(&row, 14)?,
            },
        );
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, co.conname::text, co.conindid::int8, \
               am.amname::text, co.condeferrable, co.condeferred, \
               ARRAY(SELECT CASE WHEN opn.nspname = 'pg_catalog' THEN op.oprname::text \
                 ELSE 'OPERATOR(' || quote_ident(opn.nspname) || '.' || op.oprname || ')' END \
                 FROM unnest(co.conexclop) WITH ORDINALITY x(op, ord) \
                 JOIN pg_operator op ON op.oid = x.op \
                 JOIN pg_namespace opn ON opn.oid = op.oprnamespace ORDER BY x.ord), \
               pg_get_expr(i.indpred, i.indrelid, true), pg_get_constraintdef(co.oid) \
             FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_index i ON i.indexrelid = co.conindid \
             JOIN pg_class ic ON ic.oid = co.conindid \
             JOIN pg_am am ON am.oid = ic.relam \
             WHERE co.contype = 'x' AND co.conparentid = 0 AND {}",
            relation_filter("c")
        ))
        .await?;
    for row in rows {
        let schema: String = get(&row, 0)?;
        let oid: i64 = get(&row, 3)?;
        let (index_keys, include) = keys.get(&oid).cloned().unwrap_or_default();
        let operators: Vec<String> = get(&row, 7)?;
        part.exclusions.insert(
            (QName::new(schema, get::<String>(&row, 1)?), get(&row, 2)?),
            Exclusion {
                method: get(&row, 4)?,
                elements: index_keys.into_iter().zip(operators).collect(),
                include,
                predicate: get(&row, 8)?,
                deferrable: deferrable(get(&row, 5)?, get(&row, 6)?),
                definition: get(&row, 9)?,
            },
        );
    }
    Ok(part)
}

/// An expression without the parentheses `pg_get_indexdef` puts around one that is
/// not a bare function call.
fn unparen(sql: &str) -> &str {
    let Some(inner) = sql.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return sql;
    };
    // The opening parenthesis must close at the very end.
    let (mut depth, mut quote) = (0i32, None::<char>);
    for (i, c) in sql.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 && i + 1 < sql.len() {
                    return sql;
                }
            }
            _ => {}
        }
    }
    inner
}

/// `sql` with the column names of `renames` (old, new) replaced (see
/// [`code::rename_columns`]).
fn rename_columns(sql: &str, renames: &[(String, String)]) -> String {
    let columns: BTreeMap<&str, &str> = renames
        .iter()
        .map(|(old, new)| (old.as_str(), new.as_str()))
        .collect();
    code::rename_columns(sql, &columns)
}

/// Quotes a qualified name for raw SQL.
fn sql_name(name: &QName) -> String {
    use crate::render::quote_ident;
    format!(
        "{}.{}",
        quote_ident(&Ident::new(name.schema.as_str())),
        quote_ident(&Ident::new(name.name.as_str()))
    )
}

// ----- comparing --------------------------------------------------------------------

/// The column renames of a table of "to", old name to new.
fn column_renames(cx: &Cx<'_>, to_table: &QName) -> Vec<(String, String)> {
    cx.renames
        .columns_of(to_table)
        .map(|(f, t)| (f.to_owned(), t.to_owned()))
        .collect()
}

fn map_key(key: &Key, renames: &[(String, String)]) -> Key {
    let kind = match &key.kind {
        KeyKind::Column(c) => KeyKind::Column(
            renames
                .iter()
                .find(|(old, _)| old == c)
                .map_or_else(|| c.clone(), |(_, new)| new.clone()),
        ),
        KeyKind::Expr(e) => KeyKind::Expr(rename_columns(e, renames)),
    };
    Key {
        kind,
        ..key.clone()
    }
}

fn map_columns(columns: &[String], renames: &[(String, String)]) -> Vec<String> {
    columns
        .iter()
        .map(|c| {
            renames
                .iter()
                .find(|(old, _)| old == c)
                .map_or_else(|| c.clone(), |(_, new)| new.clone())
        })
        .collect()
}

/// An index of "from" with the names it has in "to".
fn map_index(cx: &Cx<'_>, index: &Index) -> Index {
    let table = cx.renames.new_table(&index.table);
    let renames = column_renames(cx, &table);
    Index {
        keys: index.keys.iter().map(|k| map_key(k, &renames)).collect(),
        include: map_columns(&index.include, &renames),
        predicate: index
            .predicate
            .as_deref()
            .map(|p| rename_columns(p, &renames)),
        definition: String::new(),
        table,
        ..index.clone()
    }
}

fn map_foreign_key(cx: &Cx<'_>, table: &QName, fk: &ForeignKey) -> ForeignKey {
    let ref_table = cx.renames.new_table(&fk.ref_table);
    ForeignKey {
        columns: map_columns(&fk.columns, &column_renames(cx, table)),
        ref_columns: map_columns(&fk.ref_columns, &column_renames(cx, &ref_table)),
        ref_table,
        definition: String::new(),
        ..fk.clone()
    }
}

fn map_exclusion(cx: &Cx<'_>, table: &QName, ex: &Exclusion) -> Exclusion {
    let renames = column_renames(cx, table);
    Exclusion {
        elements: ex
            .elements
            .iter()
            .map(|(k, op)| (map_key(k, &renames), op.clone()))
            .collect(),
        include: map_columns(&ex.include, &renames),
        predicate: ex.predicate.as_deref().map(|p| rename_columns(p, &renames)),
        definition: String::new(),
        ..ex.clone()
    }
}

fn same_index(a: &Index, b: &Index) -> bool {
    Index {
        definition: String::new(),
        valid: true,
        ..a.clone()
    } == Index {
        definition: String::new(),
        valid: true,
        ..b.clone()
    }
}

fn same_foreign_key(a: &ForeignKey, b: &ForeignKey) -> bool {
    ForeignKey {
        definition: String::new(),
        ..a.clone()
    } == ForeignKey {
        definition: String::new(),
        ..b.clone()
    }
}

fn same_exclusion(a: &Exclusion, b: &Exclusion) -> bool {
    Exclusion {
        definition: String::new(),
        ..a.clone()
    } == Exclusion {
        definition: String::new(),
        ..b.clone()
    }
}

/// Whether a table of "from" is still there in "to" (under its new name).
fn survives(cx: &Cx<'_>, from_table: &QName) -> bool {
    cx.to
        .indexes
        .relations
        .contains_key(&cx.renames.new_table(from_table))
}

/// Whether a table of "to" was there in "from" (under its old name).
fn existed(cx: &Cx<'_>, to_table: &QName) -> bool {
    cx.from
        .indexes
        .relations
        .contains_key(&cx.renames.old_table(to_table))
}

/// Indexes of a partitioned table cannot be built or dropped concurrently.
fn partitioned(part: &Part, table: &QName) -> bool {
    part.relations.get(table) == Some(&'p')
}

pub(crate) fn diff(cx: &mut Cx<'_>) {
    diff_indexes(cx);
    diff_exclusions(cx);
    diff_foreign_keys(cx);
}

fn diff_indexes(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.indexes, &cx.to.indexes);
    // Materialized views the views family drops and creates again: their indexes go
    // with the drop, so each is dropped before (its down builds it again on the old
    // view) and built again on the new one.
    let remade = super::views::recreated(cx);
    let mut drops: Vec<(QName, Index)> = Vec::new();
    let mut creates: Vec<(QName, Index)> = Vec::new();
    for (name, index) in &from.indexes {
        match to.indexes.get(name) {
            // An invalid index in "to" (a failed concurrent build) is left alone.
            Some(new) if !new.valid => {}
            Some(new) if remade.contains(&cx.renames.new_table(&index.table)) => {
                drops.push((name.clone(), index.clone()));
                creates.push((name.clone(), new.clone()));
            }
            Some(new) if index.valid && same_index(&map_index(cx, index), new) => {}
            Some(new) => {
                drops.push((name.clone(), index.clone()));
                creates.push((name.clone(), new.clone()));
            }
            None => drops.push((name.clone(), index.clone())),
        }
    }
    for (name, index) in &to.indexes {
        if index.valid && !from.indexes.contains_key(name) {
            creates.push((name.clone(), index.clone()));
        }
    }
    for (name, index) in drops {
        let again = remade.contains(&cx.renames.new_table(&index.table));
        let surviving = survives(cx, &index.table) && !again;
        let phase = match from.relations.get(&index.table) {
            // A materialized view is dropped before the indexes' phase.
            Some('m') if !surviving => Phase::DropViews,
            _ => Phase::DropIndexes,
        };
        let verb = if surviving && !partitioned(from, &index.table) {
            Verb::DropConcurrentlyWith
        } else {
            Verb::DropWith
        };
        match IndexSpec::of(&name, &index) {
            Ok(spec) => {
                let code = spec.code(verb);
                cx.emit(phase, code, |m| spec.apply(m, verb));
            }
            Err(why) => cx.unchecked(
                phase,
                format!("index {name} {why}"),
                &format!("DROP INDEX {}", sql_name(&name)),
            ),
        }
    }
    for (name, index) in creates {
        // A view created again in this migration is new: nothing reads it yet.
        let verb = if existed(cx, &index.table)
            && !remade.contains(&index.table)
            && !partitioned(to, &index.table)
        {
            Verb::CreateConcurrently
        } else {
            Verb::Create
        };
        match IndexSpec::of(&name, &index) {
            Ok(spec) => {
                let code = spec.code(verb);
                cx.emit(Phase::CreateIndexes, code, |m| spec.apply(m, verb));
            }
            Err(why) => cx.unchecked(
                Phase::CreateIndexes,
                format!("index {name} {why}"),
                &index.definition,
            ),
        }
    }
}

fn diff_foreign_keys(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.indexes, &cx.to.indexes);
    let mut drops = Vec::new();
    let mut adds = Vec::new();
    let mut alters = Vec::new();
    let mut seen = BTreeSet::new();
    for ((table, name), fk) in &from.foreign_keys {
        let new_table = cx.renames.new_table(table);
        let key = (new_table.clone(), name.clone());
        match to.foreign_keys.get(&key) {
            Some(new) => {
                seen.insert(key);
                let mapped = map_foreign_key(cx, &new_table, fk);
                if same_foreign_key(&mapped, new) {
                    continue;
                }
                let only_deferrable = same_foreign_key(
                    &ForeignKey {
                        deferrable: new.deferrable,
                        ..mapped
                    },
                    new,
                );
                if only_deferrable {
                    alters.push((new_table, name.clone(), fk.deferrable, new.deferrable));
                } else {
                    drops.push((table.clone(), name.clone(), fk.clone()));
                    adds.push((new_table, name.clone(), new.clone()));
                }
            }
            None => drops.push((table.clone(), name.clone(), fk.clone())),
        }
    }
    for ((table, name), fk) in &to.foreign_keys {
        if !seen.contains(&(table.clone(), name.clone())) {
            adds.push((table.clone(), name.clone(), fk.clone()));
        }
    }
    for (table, name, fk) in drops {
        match FkSpec::of(&table, &name, &fk) {
            Ok(spec) => {
                let code = spec.code(FkVerb::DropWith);
                cx.emit(Phase::DropForeignKeys, code, |m| {
                    spec.apply(m, FkVerb::DropWith)
                });
            }
            Err(why) => cx.unchecked(
                Phase::DropForeignKeys,
                format!("foreign key {name} of {table} {why}"),
                &format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    sql_name(&table),
                    crate::render::quote_ident(&Ident::new(name.as_str()))
                ),
            ),
        }
    }
    for (table, name, from_deferrable, to_deferrable) in alters {
        let t = table.code();
        let args = [
            t.code.clone(),
            lit(&name),
            deferrable_code(from_deferrable).to_owned(),
            deferrable_code(to_deferrable).to_owned(),
        ];
        let code = call_code("alter_constraint_from", &args, &[]);
        cx.emit(Phase::AddForeignKeys, code, |m| {
            m.alter_constraint_from(t.value, name.as_str(), from_deferrable, to_deferrable);
        });
    }
    for (table, name, fk) in adds {
        let verb = if existed(cx, &table) && fk.validated {
            FkVerb::AddNotValidThenValidate
        } else {
            FkVerb::Add
        };
        match FkSpec::of(&table, &name, &fk) {
            Ok(spec) => {
                let code = spec.code(verb);
                cx.emit(Phase::AddForeignKeys, code, |m| spec.apply(m, verb));
            }
            Err(why) => cx.unchecked(
                Phase::AddForeignKeys,
                format!("foreign key {name} of {table} {why}"),
                &format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {}",
                    sql_name(&table),
                    crate::render::quote_ident(&Ident::new(name.as_str())),
                    fk.definition
                ),
            ),
        }
    }
}

fn diff_exclusions(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.indexes, &cx.to.indexes);
    let mut drops = Vec::new();
    let mut adds = Vec::new();
    let mut seen = BTreeSet::new();
    for ((table, name), ex) in &from.exclusions {
        let new_table = cx.renames.new_table(table);
        let key = (new_table.clone(), name.clone());
        match to.exclusions.get(&key) {
            Some(new) => {
                seen.insert(key);
                if !same_exclusion(&map_exclusion(cx, &new_table, ex), new) {
                    drops.push((table.clone(), name.clone(), ex.clone()));
                    adds.push((new_table, name.clone(), new.clone()));
                }
            }
            None => drops.push((table.clone(), name.clone(), ex.clone())),
        }
    }
    for ((table, name), ex) in &to.exclusions {
        if !seen.contains(&(table.clone(), name.clone())) {
            adds.push((table.clone(), name.clone(), ex.clone()));
        }
    }
    for (table, name, ex) in drops {
        match ExclusionSpec::of(&table, &name, &ex) {
            Ok(spec) => {
                let code = spec.code(false);
                cx.emit(Phase::DropConstraints, code, |m| spec.apply(m, false));
            }
            Err(why) => cx.unchecked(
                Phase::DropConstraints,
                format!("exclusion constraint {name} of {table} {why}"),
                &format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    sql_name(&table),
                    crate::render::quote_ident(&Ident::new(name.as_str()))
                ),
            ),
        }
    }
    for (table, name, ex) in adds {
        match ExclusionSpec::of(&table, &name, &ex) {
            Ok(spec) => {
                let code = spec.code(true);
                cx.emit(Phase::AddConstraints, code, |m| spec.apply(m, true));
            }
            Err(why) => cx.unchecked(
                Phase::AddConstraints,
                format!("exclusion constraint {name} of {table} {why}"),
                &format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {}",
                    sql_name(&table),
                    crate::render::quote_ident(&Ident::new(name.as_str())),
                    ex.definition
                ),
            ),
        }
    }
}

// ----- the DSL calls ------------------------------------------------------------------

/// Which index call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Create,
    CreateConcurrently,
    DropWith,
    DropConcurrentlyWith,
}

impl Verb {
    fn method(self) -> &'static str {
        match self {
            Verb::Create => "create_index",
            Verb::CreateConcurrently => "create_index_concurrently",
            Verb::DropWith => "drop_index_with",
            Verb::DropConcurrentlyWith => "drop_index_concurrently_with",
        }
    }
}

/// An index method the DSL has, with its source.
fn method(name: &str) -> Option<(IndexMethod, &'static str)> {
    Some(match name {
        "btree" => (IndexMethod::Btree, "IndexMethod::Btree"),
        "hash" => (IndexMethod::Hash, "IndexMethod::Hash"),
        "gin" => (IndexMethod::Gin, "IndexMethod::Gin"),
        "gist" => (IndexMethod::Gist, "IndexMethod::Gist"),
        "brin" => (IndexMethod::Brin, "IndexMethod::Brin"),
        _ => return None,
    })
}

/// An operator class or collation name as the DSL takes it: unqualified in
/// `pg_catalog` and `public`.
fn catalog_name(name: &QName) -> Name {
    if name.schema == "pg_catalog" {
        code::name("public", &name.name)
    } else {
        name.code()
    }
}

/// One key as the DSL builds it, with its source; `plain` when it is a bare column
/// (written as a string).
struct KeySpec {
    value: IndexColumn,
    code: String,
    plain: bool,
}

fn key_spec(key: &Key, method: &str) -> Result<KeySpec, String> {
    // btree's order: ASC NULLS LAST or DESC NULLS FIRST, the defaults.
    if key.nulls_first != key.desc {
        return Err(
            "orders NULLs against its sort order (NULLS FIRST/LAST), which the DSL does not write"
                .into(),
        );
    }
    if key.desc && method != "btree" {
        return Err("sorts a key of a method other than btree".into());
    }
    let (mut value, mut code, mut plain) = match &key.kind {
        KeyKind::Column(c) if key.desc => (
            IndexColumn::desc(c.as_str()),
            format!("IndexColumn::desc({})", lit(c)),
            false,
        ),
        KeyKind::Column(c) => (
            IndexColumn::col(c.as_str()),
            format!("IndexColumn::col({})", lit(c)),
            true,
        ),
        KeyKind::Expr(e) => {
            let (expr, expr_code) = code::expr(e);
            let mut value = IndexColumn::expr(expr);
            let mut code = format!("IndexColumn::expr({expr_code})");
            if key.desc {
                value = value.order(SortOrder::Desc);
                code.push_str(".order(SortOrder::Desc)");
            }
            (value, code, false)
        }
    };
    if let Some(collation) = &key.collation {
        if !matches!(collation.schema.as_str(), "pg_catalog" | "public") {
            return Err(format!(
                "uses collation {collation}, and the DSL names collations unqualified"
            ));
        }
        value = value.collate(collation.name.as_str());
        code.push_str(&format!(".collate({})", lit(&collation.name)));
        plain = false;
    }
    if let Some(opclass) = &key.opclass {
        let n = catalog_name(opclass);
        value = value.opclass(n.value);
        code.push_str(&format!(".opclass({})", n.code));
        plain = false;
    }
    Ok(KeySpec { value, code, plain })
}

/// The key list's source: `["a", "b"]` when every key is a bare column.
fn keys_code(keys: &[KeySpec]) -> String {
    if keys.iter().all(|k| k.plain) {
        let names: Vec<String> = keys
            .iter()
            .map(|k| match &k.value.key {
                crate::step::IndexKey::Column(c) => c.to_string(),
                crate::step::IndexKey::Expr(_) => String::new(),
            })
            .collect();
        lits(&names)
    } else {
        format!(
            "[{}]",
            keys.iter()
                .map(|k| k.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// A call with its arguments, then the builder's chain, each link on its own line.
fn call_code(call: &str, args: &[String], chain: &[String]) -> String {
    // The file indents the body by 4: lines up to 100 columns there.
    let one_line = format!("m.{call}({})", args.join(", "));
    let (mut code, link_indent) = if one_line.len() <= 96 {
        (one_line, "\n    ")
    } else {
        // As rustfmt writes it: one argument a line, the chain after the `)`.
        (format!("m.{call}(\n    {},\n)", args.join(",\n    ")), "\n")
    };
    for link in chain {
        code.push_str(link_indent);
        code.push_str(link);
    }
    code.push(';');
    code
}

/// An index as the DSL builds it, each value beside its source.
struct IndexSpec {
    name: String,
    table: Name,
    keys: Vec<KeySpec>,
    unique: bool,
    method: Option<(IndexMethod, &'static str)>,
    include: Vec<String>,
    predicate: Option<(SqlExpr, String)>,
    nulls_not_distinct: bool,
    storage: Vec<(String, String)>,
}

impl IndexSpec {
    fn of(name: &QName, index: &Index) -> Result<Self, String> {
        let Some(m) = method(&index.method) else {
            return Err(format!(
                "uses access method {}, which the DSL does not have",
                index.method
            ));
        };
        let keys = index
            .keys
            .iter()
            .map(|k| key_spec(k, &index.method))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name: name.name.clone(),
            table: index.table.code(),
            keys,
            unique: index.unique,
            method: (m.0 != IndexMethod::Btree).then_some(m),
            include: index.include.clone(),
            predicate: index.predicate.as_deref().map(code::expr),
            nulls_not_distinct: index.nulls_not_distinct,
            storage: index.storage.clone(),
        })
    }

    fn code(&self, verb: Verb) -> String {
        let args = [
            lit(&self.name),
            self.table.code.clone(),
            keys_code(&self.keys),
        ];
        let mut chain = Vec::new();
        if self.unique {
            chain.push(".unique()".to_owned());
        }
        if let Some((_, code)) = self.method {
            chain.push(format!(".using({code})"));
        }
        if !self.include.is_empty() {
            chain.push(format!(".include({})", lits(&self.include)));
        }
        if let Some((_, code)) = &self.predicate {
            chain.push(format!(".filter({code})"));
        }
        if self.nulls_not_distinct {
            chain.push(".nulls_not_distinct()".to_owned());
        }
        for (name, value) in &self.storage {
            let value = if value.parse::<i64>().is_ok() {
                value.clone()
            } else {
                lit(value)
            };
            chain.push(format!(".with({}, {value})", lit(name)));
        }
        call_code(verb.method(), &args, &chain)
    }

    fn apply(&self, m: &mut Migration<Manual>, verb: Verb) {
        let name = self.name.as_str();
        let table = self.table.value.clone();
        let keys: Vec<IndexColumn> = self.keys.iter().map(|k| k.value.clone()).collect();
        let def = match verb {
            Verb::Create => m.create_index(name, table, keys),
            Verb::CreateConcurrently => m.create_index_concurrently(name, table, keys),
            Verb::DropWith => m.drop_index_with(name, table, keys),
            Verb::DropConcurrentlyWith => m.drop_index_concurrently_with(name, table, keys),
        };
        if self.unique {
            def.unique();
        }
        if let Some((method, _)) = self.method {
            def.using(method);
        }
        if !self.include.is_empty() {
            def.include(self.include.iter().map(String::as_str));
        }
        if let Some((predicate, _)) = &self.predicate {
            def.filter(predicate.clone());
        }
        if self.nulls_not_distinct {
            def.nulls_not_distinct();
        }
        for (name, value) in &self.storage {
            def.with(name.as_str(), value);
        }
    }
}

fn action(c: char) -> Result<Option<(ReferentialAction, &'static str)>, String> {
    Ok(match c {
        'a' => None,
        'r' => Some((ReferentialAction::Restrict, "ReferentialAction::Restrict")),
        'c' => Some((ReferentialAction::Cascade, "ReferentialAction::Cascade")),
        'n' => Some((ReferentialAction::SetNull, "ReferentialAction::SetNull")),
        'd' => Some((
            ReferentialAction::SetDefault,
            "ReferentialAction::SetDefault",
        )),
        other => {
            return Err(format!(
                "has referential action `{other}`, unknown to the DSL"
            ));
        }
    })
}

fn deferrable_code(d: Deferrable) -> &'static str {
    match d {
        Deferrable::InitiallyImmediate => "Deferrable::InitiallyImmediate",
        Deferrable::InitiallyDeferred => "Deferrable::InitiallyDeferred",
        _ => "Deferrable::NotDeferrable",
    }
}

/// Which foreign key call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FkVerb {
    Add,
    /// On an existing table: `NOT VALID`, then validated without blocking writes.
    AddNotValidThenValidate,
    DropWith,
}

struct FkSpec {
    table: Name,
    name: String,
    columns: Vec<String>,
    ref_table: Name,
    ref_columns: Vec<String>,
    on_delete: Option<(ReferentialAction, &'static str)>,
    on_update: Option<(ReferentialAction, &'static str)>,
    deferrable: Deferrable,
    /// Not validated (in its catalog).
    not_valid: bool,
}

impl FkSpec {
    fn of(table: &QName, name: &str, fk: &ForeignKey) -> Result<Self, String> {
        if fk.match_full {
            return Err("is MATCH FULL, which the DSL does not write".into());
        }
        if fk.set_columns {
            return Err("sets only some columns on delete, which the DSL does not write".into());
        }
        Ok(Self {
            table: table.code(),
            name: name.to_owned(),
            columns: fk.columns.clone(),
            ref_table: fk.ref_table.code(),
            ref_columns: fk.ref_columns.clone(),
            on_delete: action(fk.on_delete)?,
            on_update: action(fk.on_update)?,
            deferrable: fk.deferrable,
            not_valid: !fk.validated,
        })
    }

    fn code(&self, verb: FkVerb) -> String {
        let call = match verb {
            FkVerb::DropWith => "drop_foreign_key_with",
            _ => "add_foreign_key",
        };
        let args = [
            self.table.code.clone(),
            lit(&self.name),
            lits(&self.columns),
            self.ref_table.code.clone(),
            lits(&self.ref_columns),
        ];
        let mut chain = Vec::new();
        if let Some((_, code)) = self.on_delete {
            chain.push(format!(".on_delete({code})"));
        }
        if let Some((_, code)) = self.on_update {
            chain.push(format!(".on_update({code})"));
        }
        match self.deferrable {
            Deferrable::InitiallyImmediate => chain.push(".deferrable()".to_owned()),
            Deferrable::InitiallyDeferred => chain.push(".initially_deferred()".to_owned()),
            _ => {}
        }
        if self.not_valid || verb == FkVerb::AddNotValidThenValidate {
            chain.push(".not_valid()".to_owned());
        }
        let mut code = call_code(call, &args, &chain);
        if verb == FkVerb::AddNotValidThenValidate {
            code.push_str(&format!(
                "\nm.validate_constraint({}, {});",
                self.table.code,
                lit(&self.name)
            ));
        }
        code
    }

    fn apply(&self, m: &mut Migration<Manual>, verb: FkVerb) {
        let columns = self.columns.iter().map(String::as_str);
        let ref_columns = self.ref_columns.iter().map(String::as_str);
        let table = self.table.value.clone();
        let ref_table = self.ref_table.value.clone();
        let name = self.name.as_str();
        let mut b = match verb {
            FkVerb::DropWith => {
                m.drop_foreign_key_with(table, name, columns, ref_table, ref_columns)
            }
            _ => m.add_foreign_key(table, name, columns, ref_table, ref_columns),
        };
        if let Some((action, _)) = self.on_delete {
            b = b.on_delete(action);
        }
        if let Some((action, _)) = self.on_update {
            b = b.on_update(action);
        }
        match self.deferrable {
            Deferrable::InitiallyImmediate => b = b.deferrable(),
            Deferrable::InitiallyDeferred => b = b.initially_deferred(),
            _ => {}
        }
        if self.not_valid || verb == FkVerb::AddNotValidThenValidate {
            b.not_valid();
        }
        if verb == FkVerb::AddNotValidThenValidate {
            m.validate_constraint(self.table.value.clone(), name);
        }
    }
}

struct ExclusionSpec {
    table: Name,
    name: String,
    elements: Vec<(KeySpec, String)>,
    method: Option<(IndexMethod, &'static str)>,
    include: Vec<String>,
    predicate: Option<(SqlExpr, String)>,
    deferrable: Deferrable,
}

impl ExclusionSpec {
    fn of(table: &QName, name: &str, ex: &Exclusion) -> Result<Self, String> {
        let Some(m) = method(&ex.method) else {
            return Err(format!(
                "uses access method {}, which the DSL does not have",
                ex.method
            ));
        };
        let elements = ex
            .elements
            .iter()
            .map(|(k, op)| Ok((key_spec(k, &ex.method)?, op.clone())))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self {
            table: table.code(),
            name: name.to_owned(),
            elements,
            method: (m.0 != IndexMethod::Gist).then_some(m),
            include: ex.include.clone(),
            predicate: ex.predicate.as_deref().map(code::expr),
            deferrable: ex.deferrable,
        })
    }

    fn code(&self, add: bool) -> String {
        let call = if add {
            "add_exclusion"
        } else {
            "drop_exclusion_with"
        };
        let plain = self.elements.iter().all(|(k, _)| k.plain);
        let elements: Vec<String> = self
            .elements
            .iter()
            .map(|(k, op)| {
                let key = if plain {
                    keys_code(std::slice::from_ref(k))
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_owned()
                } else {
                    k.code.clone()
                };
                format!("({key}, {})", lit(op))
            })
            .collect();
        let args = [
            self.table.code.clone(),
            lit(&self.name),
            format!("[{}]", elements.join(", ")),
        ];
        let mut chain = Vec::new();
        if let Some((_, code)) = self.method {
            chain.push(format!(".using({code})"));
        }
        if !self.include.is_empty() {
            chain.push(format!(".include({})", lits(&self.include)));
        }
        if let Some((_, code)) = &self.predicate {
            chain.push(format!(".filter({code})"));
        }
        match self.deferrable {
            Deferrable::InitiallyImmediate => chain.push(".deferrable()".to_owned()),
            Deferrable::InitiallyDeferred => chain.push(".initially_deferred()".to_owned()),
            _ => {}
        }
        call_code(call, &args, &chain)
    }

    fn apply(&self, m: &mut Migration<Manual>, add: bool) {
        let elements: Vec<(IndexColumn, String)> = self
            .elements
            .iter()
            .map(|(k, op)| (k.value.clone(), op.clone()))
            .collect();
        let table: ObjectName = self.table.value.clone();
        let name = self.name.as_str();
        let mut b = if add {
            m.add_exclusion(table, name, elements)
        } else {
            m.drop_exclusion_with(table, name, elements)
        };
        if let Some((method, _)) = self.method {
            b = b.using(method);
        }
        if !self.include.is_empty() {
            b = b.include(self.include.iter().map(String::as_str));
        }
        if let Some((predicate, _)) = &self.predicate {
            b = b.filter(predicate.clone());
        }
        match self.deferrable {
            Deferrable::InitiallyImmediate => {
                b.deferrable();
            }
            Deferrable::InitiallyDeferred => {
                b.initially_deferred();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_lose_only_the_parentheses_around_all_of_them() {
        assert_eq!(unparen("(a + b)"), "a + b");
        assert_eq!(unparen("lower(email)"), "lower(email)");
        assert_eq!(unparen("(a + 1) * (b + 1)"), "(a + 1) * (b + 1)");
        assert_eq!(unparen("((a))"), "(a)");
        assert_eq!(unparen("(')' || a)"), "')' || a");
    }

    #[test]
    fn keys_are_written_as_strings_when_all_are_bare_columns() {
        let col = |c: &str| Key {
            kind: KeyKind::Column(c.to_owned()),
            opclass: None,
            collation: None,
            desc: false,
            nulls_first: false,
        };
        let plain = [
            key_spec(&col("a"), "btree").unwrap(),
            key_spec(&col("b"), "btree").unwrap(),
        ];
        assert_eq!(keys_code(&plain), r#"["a", "b"]"#);
        let desc = Key {
            desc: true,
            nulls_first: true,
            ..col("c")
        };
        let mixed = [
            key_spec(&col("a"), "btree").unwrap(),
            key_spec(&desc, "btree").unwrap(),
        ];
        assert_eq!(
            keys_code(&mixed),
            r#"[IndexColumn::col("a"), IndexColumn::desc("c")]"#
        );
        let odd = Key {
            nulls_first: true,
            ..col("d")
        };
        assert!(key_spec(&odd, "btree").is_err());
        let trgm = Key {
            opclass: Some(QName::new("public", "gin_trgm_ops")),
            ..col("name")
        };
        assert_eq!(
            key_spec(&trgm, "gin").unwrap().code,
            r#"IndexColumn::col("name").opclass("gin_trgm_ops")"#
        );
    }

    #[test]
    fn long_calls_break_their_arguments() {
        let short = call_code("f", &["\"a\"".into()], &[".x()".into()]);
        assert_eq!(short, "m.f(\"a\")\n    .x();");
        let long: Vec<String> = (0..5)
            .map(|i| lit(&format!("argument_{i}_{}", "x".repeat(10))))
            .collect();
        assert!(call_code("f", &long, &[]).starts_with("m.f(\n    \"argument_0"));
    }

    // ----- generate() on hand-made catalogs ---------------------------------------

    use crate::diff::catalog::Catalog;
    use crate::diff::{DiffOptions, generate};

    fn q(name: &str) -> QName {
        match name.split_once('.') {
            Some((s, n)) => QName::new(s, n),
            None => QName::new("public", name),
        }
    }

    fn column_key(c: &str) -> Key {
        Key {
            kind: KeyKind::Column(c.to_owned()),
            opclass: None,
            collation: None,
            desc: false,
            nulls_first: false,
        }
    }

    fn index(table: &str, keys: Vec<Key>) -> Index {
        Index {
            table: q(table),
            unique: false,
            method: "btree".into(),
            keys,
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            storage: Vec::new(),
            valid: true,
            definition: format!("CREATE INDEX i ON public.{table} USING btree (..)"),
        }
    }

    fn fk(columns: &[&str], ref_table: &str) -> ForeignKey {
        ForeignKey {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            ref_table: q(ref_table),
            ref_columns: vec!["id".into()],
            on_delete: 'a',
            on_update: 'a',
            deferrable: Deferrable::NotDeferrable,
            validated: true,
            match_full: false,
            set_columns: false,
            definition: "FOREIGN KEY (..) REFERENCES ..".into(),
        }
    }

    /// A catalog with these relations (`name:kind`) and this family's part.
    fn catalog(relations: &[&str], build: impl FnOnce(&mut Part)) -> Catalog {
        let mut part = Part::default();
        for r in relations {
            let (name, kind) = r.split_once(':').unwrap_or((r, "r"));
            part.relations.insert(q(name), first_char(kind));
        }
        build(&mut part);
        Catalog {
            indexes: part,
            ..Catalog::default()
        }
    }

    fn code(from: &Catalog, to: &Catalog) -> (String, usize) {
        let generated = generate(from, to, &DiffOptions::new()).unwrap();
        (generated.to_rust(1, "t"), generated.needs_review())
    }

    #[test]
    fn a_new_tables_index_and_foreign_key_are_plain_steps() {
        let from = catalog(&["users"], |_| {});
        let to = catalog(&["users", "posts"], |p| {
            p.indexes.insert(
                q("posts_author"),
                index("posts", vec![column_key("author_id")]),
            );
            p.foreign_keys.insert(
                (q("posts"), "posts_author_fk".into()),
                fk(&["author_id"], "users"),
            );
        });
        let (code, review) = code(&from, &to);
        assert_eq!(review, 0);
        assert!(
            code.contains(r#"m.create_index("posts_author", "posts", ["author_id"]);"#),
            "{code}"
        );
        assert!(
            code.contains(
                r#"m.add_foreign_key("posts", "posts_author_fk", ["author_id"], "users", ["id"]);"#
            ),
            "{code}"
        );
        assert!(!code.contains("validate_constraint"), "{code}");
    }

    #[test]
    fn a_dropped_tables_index_is_dropped_plainly_and_a_matviews_before_the_view() {
        let from = catalog(&["logs", "stats:m"], |p| {
            p.indexes
                .insert(q("logs_at"), index("logs", vec![column_key("at")]));
            p.indexes
                .insert(q("stats_day"), index("stats", vec![column_key("day")]));
        });
        let to = catalog(&[], |_| {});
        let generated = generate(&from, &to, &DiffOptions::new()).unwrap();
        let code = generated.to_rust(1, "t");
        assert!(
            code.contains(r#"m.drop_index_with("logs_at", "logs", ["at"]);"#),
            "{code}"
        );
        // The materialized view's index, in the views' drop phase (before them).
        let phases: Vec<Phase> = generated.items.iter().map(|i| i.phase).collect();
        assert_eq!(phases, [Phase::DropViews, Phase::DropIndexes], "{code}");
    }

    #[test]
    fn an_invalid_index_in_to_is_left_alone() {
        let from = catalog(&["users"], |p| {
            p.indexes
                .insert(q("users_email"), index("users", vec![column_key("email")]));
        });
        let to = catalog(&["users"], |p| {
            let mut i = index("users", vec![column_key("name")]);
            i.valid = false;
            p.indexes.insert(q("users_email"), i.clone());
            p.indexes.insert(q("users_name"), i);
        });
        let (code, _) = code(&from, &to);
        assert!(!code.contains("m."), "{code}");
    }

    #[test]
    fn what_the_dsl_cannot_write_needs_review() {
        let from = catalog(&["points", "pairs"], |_| {});
        let to = catalog(&["points", "pairs"], |p| {
            let mut spgist = index("points", vec![column_key("p")]);
            spgist.method = "spgist".into();
            p.indexes.insert(q("points_p"), spgist);
            let nulls_first = Key {
                nulls_first: true,
                ..column_key("a")
            };
            p.indexes
                .insert(q("points_a"), index("points", vec![nulls_first]));
            let mut full = fk(&["a", "b"], "pairs");
            full.match_full = true;
            p.foreign_keys
                .insert((q("points"), "points_pair_fk".into()), full);
        });
        let (code, review) = code(&from, &to);
        assert_eq!(review, 3, "{code}");
        assert!(
            code.contains("MATCH FULL") || code.contains("FOREIGN KEY (..)"),
            "{code}"
        );
        assert!(code.contains("access method spgist"), "{code}");
    }

    #[test]
    fn renamed_tables_and_columns_keep_their_indexes_and_foreign_keys() {
        use crate::diff::tables;
        // Built from defaults: the tables family owns these types.
        let table = |columns: &[&str]| {
            let mut table = tables::Table::default();
            for c in columns {
                table.columns.push(tables::Column {
                    name: c.to_string(),
                    ..Default::default()
                });
            }
            table
        };
        let mut from = catalog(&["users", "posts"], |p| {
            let mut i = index(
                "posts",
                vec![Key {
                    kind: KeyKind::Expr("lower(title)".into()),
                    ..column_key("")
                }],
            );
            i.predicate = Some("author_id IS NOT NULL".into());
            p.indexes.insert(q("posts_title"), i);
            p.foreign_keys.insert(
                (q("posts"), "posts_author_fk".into()),
                fk(&["author_id"], "users"),
            );
        });
        from.tables
            .tables
            .insert(q("posts"), table(&["id", "title", "author_id"]));
        from.tables.tables.insert(q("users"), table(&["id"]));
        let mut to = catalog(&["users", "articles"], |p| {
            let mut i = index(
                "articles",
                vec![Key {
                    kind: KeyKind::Expr("lower(headline)".into()),
                    ..column_key("")
                }],
            );
            i.predicate = Some("writer_id IS NOT NULL".into());
            p.indexes.insert(q("posts_title"), i);
            p.foreign_keys.insert(
                (q("articles"), "posts_author_fk".into()),
                fk(&["writer_id"], "users"),
            );
        });
        to.tables
            .tables
            .insert(q("articles"), table(&["id", "headline", "writer_id"]));
        to.tables.tables.insert(q("users"), table(&["id"]));
        let options = DiffOptions::new()
            .rename("posts=articles".parse().unwrap())
            .rename("posts.title=headline".parse().unwrap())
            .rename("posts.author_id=writer_id".parse().unwrap());
        let generated = generate(&from, &to, &options).unwrap();
        let code = generated.to_rust(1, "t");
        assert!(!code.contains("index"), "{code}");
        assert!(!code.contains("foreign_key"), "{code}");
    }
}
