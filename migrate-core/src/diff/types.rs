//! Enums, domains, composite types and standalone sequences.
//!
//! Types are dropped in [`Phase::DropTypes`] (after the columns and tables that use
//! them) and created in [`Phase::CreateTypes`] (before the tables), dependencies
//! first: a domain over an enum comes after the enum, a composite type after the
//! domains its fields use. Sequences go in [`Phase::DropSequences`] and
//! [`Phase::CreateSequences`]; their ownership (`OWNED BY`) is given up early (in
//! [`Phase::DropConstraints`], before any column goes) and taken in
//! [`Phase::AfterColumns`], once the owning column exists. Identity sequences belong
//! to their column and `serial` sequences to the tables family: both are left out.
//!
//! What PostgreSQL cannot change in place (a value removed from an enum, a domain's
//! base type, a composite type's fields) is a drop and a create when nothing uses
//! the type, and SQL for review otherwise.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{QName, Scope, get};
use super::code::{self, chain, lit, lits, strip_parens};
use super::emit::{Cx, Phase};
use crate::error::Error;
use crate::ident::{Ident, ObjectName};
use crate::render::{literal, quote_ident, quote_name};
use crate::snapshot::catalog::{HISTORY, NS, own};
use crate::step::{CompositeTypeDef, DomainDef, SequenceOptions};
use crate::types::{DefaultValue, Volatility};

/// Enums, domains, composite types and sequences.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    pub(crate) enums: BTreeMap<QName, Enum>,
    pub(crate) domains: BTreeMap<QName, Domain>,
    pub(crate) composites: BTreeMap<QName, Composite>,
    /// Sequences that are not an identity column's.
    pub(crate) sequences: BTreeMap<QName, Sequence>,
}

/// What uses a type.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Usage {
    /// Anything depends on the type or its array type (a column, another type, a
    /// routine, a default): it cannot simply be dropped and created again.
    pub(crate) used: bool,
    /// The table columns of the type (or of an array of it), in order.
    pub(crate) columns: Vec<ColumnUse>,
}

/// A table column of a type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ColumnUse {
    pub(crate) table: QName,
    pub(crate) column: String,
    /// Of an array of the type.
    pub(crate) array: bool,
}

/// An enum: its labels in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Enum {
    pub(crate) labels: Vec<String>,
    pub(crate) usage: Usage,
}

/// A domain.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Domain {
    /// The base type, `format_type`.
    pub(crate) base: String,
    /// Its collation when it is not the base type's.
    pub(crate) collation: Option<QName>,
    /// `pg_get_expr` of its default.
    pub(crate) default: Option<String>,
    pub(crate) not_null: bool,
    /// Named checks.
    pub(crate) checks: BTreeMap<String, DomainCheck>,
    pub(crate) usage: Usage,
    /// The user types it is defined with (its base type).
    pub(crate) deps: BTreeSet<QName>,
}

/// A domain's check.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DomainCheck {
    /// The condition on `VALUE`, without its outer parentheses.
    pub(crate) expr: String,
    pub(crate) valid: bool,
}

/// A composite type.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Composite {
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) usage: Usage,
    /// The user types its attributes have.
    pub(crate) deps: BTreeSet<QName>,
}

/// A composite type's attribute.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Attribute {
    pub(crate) name: String,
    /// `format_type`.
    pub(crate) ty: String,
    /// Its collation when it is not its type's.
    pub(crate) collation: Option<QName>,
}

/// A sequence: its options (`None`: PostgreSQL's default) and owner.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sequence {
    pub(crate) options: SeqOptions,
    /// `OWNED BY` table and column.
    pub(crate) owner: Option<(QName, String)>,
}

/// A sequence's options that are not PostgreSQL's defaults (the rules of the
/// snapshot's `SEQUENCE_OPTIONS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SeqOptions {
    /// `smallint` or `integer` (`bigint` is the default).
    pub(crate) data_type: Option<String>,
    pub(crate) increment: Option<i64>,
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
    pub(crate) start: Option<i64>,
    pub(crate) cache: Option<i64>,
    pub(crate) cycle: bool,
}

impl SeqOptions {
    /// The options of a sequence as `pg_sequence` has them, the defaults left out.
    pub(crate) fn from_catalog(
        data_type: &str,
        increment: i64,
        min: i64,
        max: i64,
        start: i64,
        cache: i64,
        cycle: bool,
    ) -> Self {
        let (type_min, type_max) = match data_type {
            "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
            "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        let ascending = increment > 0;
        let default_min = if ascending { 1 } else { type_min };
        let default_max = if ascending { type_max } else { -1 };
        let default_start = if ascending { min } else { max };
        Self {
            data_type: (data_type != "bigint").then(|| data_type.to_owned()),
            increment: (increment != 1).then_some(increment),
            min: (min != default_min).then_some(min),
            max: (max != default_max).then_some(max),
            start: (start != default_start).then_some(start),
            cache: (cache != 1).then_some(cache),
            cycle,
        }
    }

    /// Each option said, in PostgreSQL's order.
    fn said(&self) -> Vec<SeqOpt> {
        let mut out = Vec::new();
        if let Some(t) = &self.data_type {
            out.push(SeqOpt::AsType(t.clone()));
        }
        if let Some(n) = self.increment {
            out.push(SeqOpt::Increment(n));
        }
        if let Some(n) = self.min {
            out.push(SeqOpt::Min(n));
        }
        if let Some(n) = self.max {
            out.push(SeqOpt::Max(n));
        }
        if let Some(n) = self.start {
            out.push(SeqOpt::Start(n));
        }
        if let Some(n) = self.cache {
            out.push(SeqOpt::Cache(n));
        }
        if self.cycle {
            out.push(SeqOpt::Cycle);
        }
        out
    }

    /// The options of `old` and of `new` that differ (a default said as `None` on
    /// its side), for `alter_sequence_from`.
    fn changed(old: &Self, new: &Self) -> (Vec<SeqOpt>, Vec<SeqOpt>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        if old.data_type != new.data_type {
            let ty = |t: &Option<String>| SeqOpt::AsType(t.clone().unwrap_or("bigint".into()));
            a.push(ty(&old.data_type));
            b.push(ty(&new.data_type));
        }
        let mut int = |o: Option<i64>, n: Option<i64>, f: fn(i64) -> SeqOpt| {
            if o != n {
                a.extend(o.map(f));
                b.extend(n.map(f));
            }
        };
        int(old.increment, new.increment, SeqOpt::Increment);
        int(old.min, new.min, SeqOpt::Min);
        int(old.max, new.max, SeqOpt::Max);
        int(old.start, new.start, SeqOpt::Start);
        int(old.cache, new.cache, SeqOpt::Cache);
        // `NO CYCLE` is the default: only `CYCLE` is said.
        if old.cycle != new.cycle {
            a.extend(old.cycle.then_some(SeqOpt::Cycle));
            b.extend(new.cycle.then_some(SeqOpt::Cycle));
        }
        (a, b)
    }
}

/// One sequence option as a builder call.
#[derive(Clone, Debug, PartialEq)]
enum SeqOpt {
    AsType(String),
    Increment(i64),
    Min(i64),
    Max(i64),
    Start(i64),
    Cache(i64),
    /// `CYCLE` (`NO CYCLE` is the default, never said).
    Cycle,
    OwnedBy(QName, String),
}

impl SeqOpt {
    fn code(&self) -> String {
        match self {
            SeqOpt::AsType(t) => format!("as_type({})", code::column_type(t).1),
            SeqOpt::Increment(n) => format!("increment({n})"),
            SeqOpt::Min(n) => format!("min_value({n})"),
            SeqOpt::Max(n) => format!("max_value({n})"),
            SeqOpt::Start(n) => format!("start({n})"),
            SeqOpt::Cache(n) => format!("cache({n})"),
            SeqOpt::Cycle => "cycle()".to_owned(),
            SeqOpt::OwnedBy(t, c) => format!("owned_by({}, {})", t.code().code, lit(c)),
        }
    }

    fn apply(&self, o: &mut SequenceOptions) {
        match self {
            SeqOpt::AsType(t) => {
                o.as_type(code::column_type(t).0);
            }
            SeqOpt::Increment(n) => {
                o.increment(*n);
            }
            SeqOpt::Min(n) => {
                o.min_value(*n);
            }
            SeqOpt::Max(n) => {
                o.max_value(*n);
            }
            SeqOpt::Start(n) => {
                o.start(*n);
            }
            SeqOpt::Cache(n) => {
                o.cache(*n);
            }
            SeqOpt::Cycle => {
                o.cycle();
            }
            SeqOpt::OwnedBy(t, c) => {
                o.owned_by(t.code().value, c.as_str());
            }
        }
    }
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.enums.is_empty()
            && self.domains.is_empty()
            && self.composites.is_empty()
            && self.sequences.is_empty()
    }

    /// The user types `name` is defined with (none for an enum).
    fn deps(&self, name: &QName) -> Option<&BTreeSet<QName>> {
        self.domains
            .get(name)
            .map(|d| &d.deps)
            .or_else(|| self.composites.get(name).map(|c| &c.deps))
    }
}

/// Anything but the type's own array type depends on type `t` or on its array.
const USED: &str = "EXISTS (SELECT FROM pg_depend ud WHERE ud.refclassid = 'pg_type'::regclass \
     AND ud.refobjid IN (t.oid, t.typarray) AND ud.deptype = 'n')";

fn qname(row: &tokio_postgres::Row, schema: usize, name: usize) -> Result<QName, Error> {
    Ok(QName::new(
        get::<String>(row, schema)?,
        get::<String>(row, name)?,
    ))
}

fn collation(row: &tokio_postgres::Row, schema: usize) -> Result<Option<QName>, Error> {
    let schema_name: Option<String> = get(row, schema)?;
    let name: Option<String> = get(row, schema + 1)?;
    Ok(schema_name.zip(name).map(|(s, n)| QName::new(s, n)))
}

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    let own_type = own("pg_type", "t.oid");

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, t.typname::text, \
             coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) \
               FROM pg_enum e WHERE e.enumtypid = t.oid), '{{}}'), {USED} \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'e' AND {NS} AND {own_type} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
        ))
        .await?;
    for row in rows {
        let usage = Usage {
            used: get(&row, 3)?,
            columns: Vec::new(),
        };
        part.enums.insert(
            qname(&row, 0, 1)?,
            Enum {
                labels: get(&row, 2)?,
                usage,
            },
        );
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, t.typname::text, format_type(t.typbasetype, t.typtypmod), \
             t.typnotnull, pg_get_expr(t.typdefaultbin, 0), cn.nspname::text, co.collname::text, \
             {USED} \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_type b ON b.oid = t.typbasetype \
             LEFT JOIN pg_collation co ON co.oid = t.typcollation \
               AND t.typcollation <> b.typcollation \
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE t.typtype = 'd' AND {NS} AND {own_type} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
        ))
        .await?;
    for row in rows {
        part.domains.insert(
            qname(&row, 0, 1)?,
            Domain {
                base: get(&row, 2)?,
                not_null: get(&row, 3)?,
                default: get(&row, 4)?,
                collation: collation(&row, 5)?,
                usage: Usage {
                    used: get(&row, 7)?,
                    columns: Vec::new(),
                },
                ..Domain::default()
            },
        );
    }
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, t.typname::text, co.conname::text, \
             pg_get_expr(co.conbin, 0), co.convalidated \
             FROM pg_constraint co JOIN pg_type t ON t.oid = co.contypid \
             JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE co.contype = 'c' AND t.typtype = 'd' AND {NS} AND {own_type} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
        ))
        .await?;
    for row in rows {
        if let Some(domain) = part.domains.get_mut(&qname(&row, 0, 1)?) {
            let expr: String = get(&row, 3)?;
            domain.checks.insert(
                get(&row, 2)?,
                DomainCheck {
                    expr: strip_parens(&expr).to_owned(),
                    valid: get(&row, 4)?,
                },
            );
        }
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, {USED} \
             FROM pg_class c JOIN pg_type t ON t.oid = c.reltype \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'c' AND {NS} AND {own_type} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
        ))
        .await?;
    for row in rows {
        part.composites.insert(
            qname(&row, 0, 1)?,
            Composite {
                usage: Usage {
                    used: get(&row, 2)?,
                    columns: Vec::new(),
                },
                ..Composite::default()
            },
        );
    }
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, a.attname::text, \
             format_type(a.atttypid, a.atttypmod), cn.nspname::text, co.collname::text \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_type at ON at.oid = a.atttypid \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
               AND a.attcollation <> at.typcollation \
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped AND {NS} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL \
             ORDER BY n.nspname, c.relname, a.attnum"
        ))
        .await?;
    for row in rows {
        if let Some(composite) = part.composites.get_mut(&qname(&row, 0, 1)?) {
            composite.attributes.push(Attribute {
                name: get(&row, 2)?,
                ty: get(&row, 3)?,
                collation: collation(&row, 4)?,
            });
        }
    }

    // The user types each domain and composite type is defined with (an array
    // counts as its element type).
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, t.typname::text, rn.nspname::text, r.typname::text \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_depend d ON (d.classid = 'pg_type'::regclass AND d.objid = t.oid) \
               OR (t.typrelid <> 0 AND d.classid = 'pg_class'::regclass AND d.objid = t.typrelid) \
             JOIN pg_type r0 ON r0.oid = d.refobjid \
             JOIN pg_type r ON r.oid = CASE WHEN r0.typcategory = 'A' AND r0.typelem <> 0 \
               THEN r0.typelem ELSE r0.oid END \
             JOIN pg_namespace rn ON rn.oid = r.typnamespace \
             WHERE d.refclassid = 'pg_type'::regclass AND d.deptype = 'n' \
             AND t.typtype IN ('d', 'c') AND {NS} \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
        ))
        .await?;
    for row in rows {
        let (name, dep) = (qname(&row, 0, 1)?, qname(&row, 2, 3)?);
        if let Some(d) = part.domains.get_mut(&name) {
            d.deps.insert(dep);
        } else if let Some(c) = part.composites.get_mut(&name) {
            c.deps.insert(dep);
        }
    }

    // The table columns of each enum and domain (or of an array of one).
    let rows = scope
        .query(&format!(
            "SELECT tn.nspname::text, t.typname::text, n.nspname::text, c.relname::text, \
             a.attname::text, a.atttypid <> t.oid \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_type t ON a.atttypid IN (t.oid, t.typarray) AND t.typtype IN ('e', 'd', 'c') \
             JOIN pg_namespace tn ON tn.oid = t.typnamespace \
             WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
             AND {NS} AND c.oid NOT IN ({HISTORY}) \
             ORDER BY n.nspname, c.relname, a.attnum"
        ))
        .await?;
    for row in rows {
        let ty = qname(&row, 0, 1)?;
        let column = ColumnUse {
            table: qname(&row, 2, 3)?,
            column: get(&row, 4)?,
            array: get(&row, 5)?,
        };
        if let Some(e) = part.enums.get_mut(&ty) {
            e.usage.columns.push(column);
        } else if let Some(d) = part.domains.get_mut(&ty) {
            d.usage.columns.push(column);
        } else if let Some(c) = part.composites.get_mut(&ty) {
            c.usage.columns.push(column);
        }
    }

    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, format_type(s.seqtypid, NULL), \
             s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, s.seqcycle, \
             o.schema, o.table, o.column \
             FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN LATERAL (SELECT tn.nspname::text AS schema, tc.relname::text AS table, \
                 a.attname::text AS column \
               FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid \
               JOIN pg_namespace tn ON tn.oid = tc.relnamespace \
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
               AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1) o ON true \
             WHERE c.relkind = 'S' AND {NS} AND {} \
             AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
               AND d.objid = c.oid AND d.deptype = 'i') \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let data_type: String = get(&row, 2)?;
        let options = SeqOptions::from_catalog(
            &data_type,
            get(&row, 3)?,
            get(&row, 4)?,
            get(&row, 5)?,
            get(&row, 6)?,
            get(&row, 7)?,
            get(&row, 8)?,
        );
        let owner_schema: Option<String> = get(&row, 9)?;
        let owner_table: Option<String> = get(&row, 10)?;
        let owner_column: Option<String> = get(&row, 11)?;
        let owner = match (owner_schema, owner_table, owner_column) {
            (Some(s), Some(t), Some(c)) => Some((QName::new(s, t), c)),
            _ => None,
        };
        part.sequences
            .insert(qname(&row, 0, 1)?, Sequence { options, owner });
    }
    Ok(part)
}

// ----- diff ----------------------------------------------------------------------------

/// A type's name for people: unqualified in `public`.
fn shown(name: &QName) -> String {
    if name.schema == "public" {
        name.name.clone()
    } else {
        name.to_string()
    }
}

fn object(name: &QName) -> ObjectName {
    ObjectName::qualified(name.schema.as_str(), name.name.as_str())
}

fn quoted(name: &QName) -> String {
    quote_name(&object(name))
}

/// `names` ordered so that each comes after the types (among `names`) it is defined
/// with; otherwise by name.
fn dependency_order(part: &Part, names: &BTreeSet<QName>) -> Vec<QName> {
    fn visit(
        part: &Part,
        names: &BTreeSet<QName>,
        name: &QName,
        seen: &mut BTreeSet<QName>,
        out: &mut Vec<QName>,
    ) {
        if !seen.insert(name.clone()) {
            return;
        }
        if let Some(deps) = part.deps(name) {
            for dep in deps {
                if names.contains(dep) {
                    visit(part, names, dep, seen, out);
                }
            }
        }
        out.push(name.clone());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for name in names {
        visit(part, names, name, &mut seen, &mut out);
    }
    out
}

pub(crate) fn diff(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.types, &cx.to.types);
    // Types dropped (`drop`) and created (`create`), a changed type that can be
    // neither altered nor replaced in place being in both.
    let mut drop = BTreeSet::new();
    let mut create = BTreeSet::new();
    for name in from.enums.keys() {
        if !to.enums.contains_key(name) {
            drop.insert(name.clone());
        }
    }
    for name in to.enums.keys() {
        if !from.enums.contains_key(name) {
            create.insert(name.clone());
        }
    }
    for (name, d) in &from.domains {
        match to.domains.get(name) {
            None => {
                drop.insert(name.clone());
            }
            Some(t) if !same_shape(d, t) && !d.usage.used => {
                drop.insert(name.clone());
                create.insert(name.clone());
            }
            Some(_) => {}
        }
    }
    for name in to.domains.keys() {
        if !from.domains.contains_key(name) {
            create.insert(name.clone());
        }
    }
    for (name, c) in &from.composites {
        match to.composites.get(name) {
            None => {
                drop.insert(name.clone());
            }
            Some(t) if t.attributes != c.attributes && !c.usage.used => {
                drop.insert(name.clone());
                create.insert(name.clone());
            }
            Some(_) => {}
        }
    }
    for name in to.composites.keys() {
        if !from.composites.contains_key(name) {
            create.insert(name.clone());
        }
    }
    // An enum whose labels change other than by additions.
    for (name, e) in &from.enums {
        if let Some(t) = to.enums.get(name)
            && added_labels(&e.labels, &t.labels).is_none()
            && !e.usage.used
        {
            drop.insert(name.clone());
            create.insert(name.clone());
        }
    }

    // Drops: dependants first.
    let mut order = dependency_order(from, &drop);
    order.reverse();
    for name in &order {
        drop_type(cx, name);
    }

    // Changes in place: enum values first (nothing else here may use them in the
    // same transaction anyway), then what needs review.
    for (name, e) in &from.enums {
        let Some(t) = to.enums.get(name) else {
            continue;
        };
        if e.labels == t.labels || create.contains(name) {
            continue;
        }
        match added_labels(&e.labels, &t.labels) {
            Some(added) => add_labels(cx, name, added),
            None => replace_enum(cx, name, &e.labels, &t.labels),
        }
    }
    for (name, d) in &from.domains {
        if let Some(t) = to.domains.get(name)
            && !create.contains(name)
            && !same_shape(d, t)
        {
            alter_domain(cx, name, d, t);
        }
    }
    for (name, c) in &from.composites {
        if let Some(t) = to.composites.get(name)
            && !create.contains(name)
            && t.attributes != c.attributes
        {
            alter_composite(cx, name, c, t);
        }
    }

    // Creations: dependencies first.
    for name in dependency_order(to, &create) {
        create_type(cx, &name);
    }

    // The checks of domains kept.
    for (name, d) in &from.domains {
        if let Some(t) = to.domains.get(name)
            && !create.contains(name)
        {
            domain_checks(cx, name, d, t);
        }
    }

    sequences(cx);
}

/// The labels `new` adds to `old`, each with the label it goes after (`None`: first),
/// when `old` is `new` with some labels left out; `None` when a label is removed
/// or moved.
fn added_labels(old: &[String], new: &[String]) -> Option<Vec<(String, Option<String>)>> {
    let mut rest = old.iter().peekable();
    let mut added = Vec::new();
    for (i, label) in new.iter().enumerate() {
        if rest.peek() == Some(&label) {
            rest.next();
        } else if old.contains(label) {
            return None;
        } else {
            added.push((label.clone(), i.checked_sub(1).map(|p| new[p].clone())));
        }
    }
    rest.peek().is_none().then_some(added)
}

fn add_labels(cx: &mut Cx<'_>, name: &QName, added: Vec<(String, Option<String>)>) {
    let n = name.code();
    let mut current = cx.from.types.enums[name].labels.clone();
    for (label, after) in added {
        let reason = format!(
            "adding value '{label}' to enum {}: PostgreSQL cannot remove an enum value",
            shown(name)
        );
        let position = match &after {
            Some(a) => current.iter().position(|l| l == a).map(|p| p + 1),
            None => Some(0),
        };
        let Some(position) = position else { continue };
        let value = n.value.clone();
        if position == current.len() {
            let code = format!("m.add_enum_value({}, {});", n.code, lit(&label));
            let l = label.clone();
            cx.emit_one_way(Phase::CreateTypes, reason, code, move |m| {
                m.add_enum_value(value, l);
            });
        } else if let Some(after) = after {
            let code = format!(
                "m.add_enum_value_after({}, {}, {});",
                n.code,
                lit(&label),
                lit(&after)
            );
            let l = label.clone();
            cx.emit_one_way(Phase::CreateTypes, reason, code, move |m| {
                m.add_enum_value_after(value, l, after);
            });
        } else {
            let before = current[0].clone();
            let code = format!(
                "m.add_enum_value_before({}, {}, {});",
                n.code,
                lit(&label),
                lit(&before)
            );
            let l = label.clone();
            cx.emit_one_way(Phase::CreateTypes, reason, code, move |m| {
                m.add_enum_value_before(value, l, before);
            });
        }
        current.insert(position, label);
    }
}

fn enum_sql(name: &QName, labels: &[String]) -> String {
    let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        quoted(name),
        labels.join(", ")
    )
}

/// The columns of a type (in "from"), by their names after the renames.
fn renamed_columns(cx: &Cx<'_>, usage: &Usage) -> Vec<ColumnUse> {
    usage
        .columns
        .iter()
        .map(|c| {
            let table = cx.renames.new_table(&c.table);
            let column = cx.renames.new_column(&table, &c.column).to_owned();
            ColumnUse {
                table,
                column,
                array: c.array,
            }
        })
        .collect()
}

/// SQL that replaces type `name` by a new one made by `create`, converting the
/// columns of the old one through `through` (the text they cast by).
fn replace_sql(
    cx: &Cx<'_>,
    kind: &str,
    name: &QName,
    usage: &Usage,
    create: &str,
    through: &str,
) -> String {
    let old = name.with_name(format!("{}_old", name.name));
    let mut sql = vec![
        format!(
            "ALTER {kind} {} RENAME TO {}",
            quoted(name),
            quote_ident(&Ident::new(old.name.as_str()))
        ),
        create.to_owned(),
    ];
    for c in renamed_columns(cx, usage) {
        let column = quote_ident(&Ident::new(c.column.as_str()));
        let (ty, via) = if c.array {
            (format!("{}[]", quoted(name)), format!("{through}[]"))
        } else {
            (quoted(name), through.to_owned())
        };
        sql.push(format!(
            "ALTER TABLE {} ALTER COLUMN {column} TYPE {ty} USING {column}::{via}::{ty}",
            quoted(&c.table)
        ));
    }
    sql.push(format!("DROP {kind} {}", quoted(&old)));
    sql.join(";\n")
}

fn replace_enum(cx: &mut Cx<'_>, name: &QName, old: &[String], new: &[String]) {
    let usage = &cx.from.types.enums[name].usage;
    let removed: Vec<&String> = old.iter().filter(|l| !new.contains(l)).collect();
    let what = if removed.is_empty() {
        "reorders its values".to_owned()
    } else {
        let list: Vec<String> = removed.iter().map(|l| format!("'{l}'")).collect();
        format!("loses {}", list.join(", "))
    };
    let why = format!(
        "enum {} {what}, and PostgreSQL cannot drop or move an enum value: this replaces \
         the type and converts its columns (update the rows holding a removed value first; \
         drop and re-add defaults of the type around it)",
        shown(name)
    );
    let sql = replace_sql(cx, "TYPE", name, usage, &enum_sql(name, new), "text");
    cx.unchecked(Phase::CreateTypes, why, &sql);
}

fn same_shape(a: &Domain, b: &Domain) -> bool {
    a.base == b.base
        && a.collation == b.collation
        && a.default == b.default
        && a.not_null == b.not_null
}

/// A collation as the DSL takes it: only one of `pg_catalog`'s (by bare name).
fn dsl_collation(c: Option<&QName>) -> Result<Option<String>, String> {
    match c {
        None => Ok(None),
        Some(c) if c.schema == "pg_catalog" => Ok(Some(c.name.clone())),
        Some(c) => Err(format!("collation {c} is not in pg_catalog")),
    }
}

fn collation_sql(c: &QName) -> String {
    if c.schema == "pg_catalog" {
        quote_ident(&Ident::new(c.name.as_str()))
    } else {
        quoted(c)
    }
}

/// The volatility to state for a domain default: immutable for a literal, stable
/// for the time of the transaction, volatile otherwise (which only matters to a
/// column added with it).
fn volatility(sql: &str) -> Volatility {
    let s = sql.trim();
    let literal_text = quoted_literal_end(s).is_some_and(|rest| {
        rest.is_empty()
            || rest.strip_prefix("::").is_some_and(|ty| {
                !ty.is_empty()
                    && ty.chars().all(|c| {
                        c.is_ascii_alphanumeric()
                            || matches!(c, '_' | ' ' | '.' | '"' | '[' | ']' | '(' | ')' | ',')
                    })
            })
    });
    let number = s.strip_prefix('-').unwrap_or(s).parse::<f64>().is_ok()
        || s.strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .is_some_and(|n| n.parse::<f64>().is_ok());
    if literal_text || number || matches!(s, "true" | "false" | "NULL") {
        Volatility::Immutable
    } else if s == "now()"
        || s.starts_with("CURRENT_")
        || s.starts_with("LOCALTIME")
        || s.starts_with("transaction_timestamp()")
    {
        Volatility::Stable
    } else {
        Volatility::Volatile
    }
}

/// What follows a string literal at the start of `s` (`''` inside it is a quote);
/// `None` when `s` does not start with one.
fn quoted_literal_end(s: &str) -> Option<&str> {
    let body = s.strip_prefix('\'')?;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
            } else {
                return Some(&body[i + 1..]);
            }
        }
    }
    None
}

/// One part of a domain definition as a builder call.
enum DomainOpt {
    Collate(String),
    Default(String),
    NotNull,
    Check(String, String),
}

impl DomainOpt {
    fn code(&self) -> String {
        match self {
            DomainOpt::Collate(c) => format!("collate({})", lit(c)),
            DomainOpt::Default(d) => format!(
                "default(DefaultValue::expr({}, Volatility::{:?}))",
                code::expr(d).1,
                volatility(d)
            ),
            DomainOpt::NotNull => "not_null()".to_owned(),
            DomainOpt::Check(n, e) => format!("check({}, {})", lit(n), code::expr(e).1),
        }
    }

    fn apply(&self, d: &mut DomainDef) {
        match self {
            DomainOpt::Collate(c) => {
                d.collate(c.as_str());
            }
            DomainOpt::Default(e) => {
                d.default(DefaultValue::expr(code::expr(e).0, volatility(e)));
            }
            DomainOpt::NotNull => {
                d.not_null();
            }
            DomainOpt::Check(n, e) => {
                d.check(n.as_str(), code::expr(e).0);
            }
        }
    }
}

/// The builder calls of a domain (its valid checks only: a check `NOT VALID` is
/// added after), or why the DSL cannot say it.
fn domain_opts(d: &Domain) -> Result<Vec<DomainOpt>, String> {
    let mut out = Vec::new();
    if let Some(c) = dsl_collation(d.collation.as_ref())? {
        out.push(DomainOpt::Collate(c));
    }
    if let Some(e) = &d.default {
        out.push(DomainOpt::Default(e.clone()));
    }
    if d.not_null {
        out.push(DomainOpt::NotNull);
    }
    for (name, check) in &d.checks {
        if check.valid {
            out.push(DomainOpt::Check(name.clone(), check.expr.clone()));
        }
    }
    Ok(out)
}

fn domain_sql(name: &QName, d: &Domain) -> String {
    let mut sql = format!("CREATE DOMAIN {} AS {}", quoted(name), d.base);
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {}", collation_sql(c)));
    }
    if let Some(e) = &d.default {
        sql.push_str(&format!(" DEFAULT {e}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for (n, c) in &d.checks {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({})",
            quote_ident(&Ident::new(n.as_str())),
            c.expr
        ));
    }
    sql
}

/// A changed domain that something uses: `ALTER DOMAIN` for its default and
/// `NOT NULL`, a replacement for its base type or collation; all for review.
fn alter_domain(cx: &mut Cx<'_>, name: &QName, d: &Domain, t: &Domain) {
    let q = quoted(name);
    if d.base != t.base || d.collation != t.collation {
        let usage = d.usage.clone();
        let mut new = t.clone();
        new.checks.retain(|_, c| c.valid);
        let sql = replace_sql(cx, "DOMAIN", name, &usage, &domain_sql(name, &new), &t.base);
        let why = format!(
            "domain {} changes its base type or collation, which PostgreSQL cannot alter, \
             and it is in use: this replaces it and converts its columns (other users of \
             the domain must be moved by hand)",
            shown(name)
        );
        cx.unchecked(Phase::CreateTypes, why, &sql);
        return;
    }
    if d.default != t.default {
        let sql = match &t.default {
            Some(e) => format!("ALTER DOMAIN {q} SET DEFAULT {e}"),
            None => format!("ALTER DOMAIN {q} DROP DEFAULT"),
        };
        let why = format!(
            "the default of domain {} changes, and the DSL cannot alter a domain's default",
            shown(name)
        );
        cx.unchecked(Phase::CreateTypes, why, &sql);
    }
    if d.not_null != t.not_null {
        let sql = format!(
            "ALTER DOMAIN {q} {} NOT NULL",
            if t.not_null { "SET" } else { "DROP" }
        );
        let why = format!(
            "domain {} {} NOT NULL, and the DSL cannot alter that on a domain",
            shown(name),
            if t.not_null {
                "becomes"
            } else {
                "is no longer"
            }
        );
        cx.unchecked(Phase::CreateTypes, why, &sql);
    }
}

/// The checks of a domain on both sides: dropped ones early, added ones
/// `NOT VALID` then validated, once the columns are in place.
fn domain_checks(cx: &mut Cx<'_>, name: &QName, d: &Domain, t: &Domain) {
    let n = name.code();
    // A domain replaced by SQL for review has its new checks in that SQL.
    if d.base != t.base || d.collation != t.collation {
        return;
    }
    for (check, old) in &d.checks {
        let new = t.checks.get(check);
        let keep = new.is_some_and(|new| new.expr == old.expr && (new.valid || !old.valid));
        if keep {
            continue;
        }
        let (e, e_code) = code::expr(&old.expr);
        let code = format!(
            "m.drop_domain_check_with({}, {}, {e_code});",
            n.code,
            lit(check)
        );
        let (value, c) = (n.value.clone(), check.clone());
        cx.emit(Phase::DropConstraints, code, move |m| {
            m.drop_domain_check_with(value, c.as_str(), e);
        });
    }
    for (check, new) in &t.checks {
        match d.checks.get(check) {
            Some(old) if old.expr == new.expr && (new.valid || !old.valid) => {
                if new.valid && !old.valid {
                    validate(cx, &n, check);
                }
            }
            _ => {
                let (e, e_code) = code::expr(&new.expr);
                let code = format!(
                    "m.add_domain_check({}, {}, {e_code}).not_valid();",
                    n.code,
                    lit(check)
                );
                let (value, c) = (n.value.clone(), check.clone());
                cx.emit(Phase::AddConstraints, code, move |m| {
                    m.add_domain_check(value, c.as_str(), e).not_valid();
                });
                if new.valid {
                    validate(cx, &n, check);
                }
            }
        }
    }
}

fn validate(cx: &mut Cx<'_>, n: &code::Name, check: &str) {
    let code = format!("m.validate_domain_constraint({}, {});", n.code, lit(check));
    let (value, c) = (n.value.clone(), check.to_owned());
    cx.emit(Phase::AddConstraints, code, move |m| {
        m.validate_domain_constraint(value, c.as_str());
    });
}

/// A composite type's fields as the DSL takes them, or why it cannot.
fn fields(c: &Composite) -> Result<(), String> {
    match c.attributes.iter().find(|a| a.collation.is_some()) {
        Some(a) => Err(format!(
            "field {} has its own collation, which the DSL cannot give a composite type's field",
            a.name
        )),
        None => Ok(()),
    }
}

fn fields_code(c: &Composite) -> String {
    if c.attributes.is_empty() {
        return "|_| {}".to_owned();
    }
    let mut out = String::from("|t| {\n");
    for a in &c.attributes {
        out.push_str(&format!(
            "    t.field({}, {});\n",
            lit(&a.name),
            code::column_type(&a.ty).1
        ));
    }
    out.push('}');
    out
}

fn fields_apply(c: &Composite, t: &mut CompositeTypeDef) {
    for a in &c.attributes {
        t.field(a.name.as_str(), code::column_type(&a.ty).0);
    }
}

fn attribute_sql(a: &Attribute) -> String {
    let mut sql = format!("{} {}", quote_ident(&Ident::new(a.name.as_str())), a.ty);
    if let Some(c) = &a.collation {
        sql.push_str(&format!(" COLLATE {}", collation_sql(c)));
    }
    sql
}

fn composite_sql(name: &QName, c: &Composite) -> String {
    let attributes: Vec<String> = c.attributes.iter().map(attribute_sql).collect();
    format!(
        "CREATE TYPE {} AS ({})",
        quoted(name),
        attributes.join(", ")
    )
}

/// A changed composite type that something uses: `ALTER TYPE` for review.
fn alter_composite(cx: &mut Cx<'_>, name: &QName, c: &Composite, t: &Composite) {
    let mut actions = Vec::new();
    for a in &c.attributes {
        match t.attributes.iter().find(|b| b.name == a.name) {
            None => actions.push(format!(
                "DROP ATTRIBUTE {}",
                quote_ident(&Ident::new(a.name.as_str()))
            )),
            Some(b) if b != a => actions.push(format!(
                "ALTER ATTRIBUTE {} TYPE {}",
                quote_ident(&Ident::new(a.name.as_str())),
                attribute_sql(b)
                    .split_once(' ')
                    .map_or(String::new(), |(_, rest)| rest.to_owned())
            )),
            Some(_) => {}
        }
    }
    for b in &t.attributes {
        if !c.attributes.iter().any(|a| a.name == b.name) {
            actions.push(format!("ADD ATTRIBUTE {}", attribute_sql(b)));
        }
    }
    let kept_order = |list: &[Attribute]| -> Vec<String> {
        list.iter()
            .filter(|a| {
                c.attributes.iter().any(|x| x.name == a.name)
                    && t.attributes.iter().any(|x| x.name == a.name)
            })
            .map(|a| a.name.clone())
            .collect()
    };
    let reordered = kept_order(&c.attributes) != kept_order(&t.attributes);
    let retyped = c
        .attributes
        .iter()
        .any(|a| t.attributes.iter().any(|b| b.name == a.name && b != a));
    let mut why = format!(
        "the fields of composite type {} change and it is in use: the DSL cannot alter \
         a composite type",
        shown(name)
    );
    if reordered {
        why.push_str(
            " (nor can ALTER TYPE reorder its fields: this only adds, drops and retypes them)",
        );
    }
    if retyped && !c.usage.columns.is_empty() {
        why.push_str(
            "; PostgreSQL refuses to retype a field while a table column has the type: \
             convert those columns first",
        );
    }
    let sql = format!("ALTER TYPE {} {}", quoted(name), actions.join(", "));
    cx.unchecked(Phase::CreateTypes, why, &sql);
}

fn drop_type(cx: &mut Cx<'_>, name: &QName) {
    let from = &cx.from.types;
    let n = name.code();
    if let Some(e) = from.enums.get(name) {
        let labels = e.labels.clone();
        let code = chain_list(&format!("m.drop_enum_with({}, ", n.code), &labels);
        cx.emit(Phase::DropTypes, code, move |m| {
            m.drop_enum_with(n.value, labels);
        });
    } else if let Some(d) = from.domains.get(name) {
        let d = d.clone();
        match domain_opts(&d) {
            Ok(opts) => {
                let (base, base_code) = code::column_type(&d.base);
                let links: Vec<String> = opts.iter().map(DomainOpt::code).collect();
                let code = chain(
                    &format!("m.drop_domain_with({}, {base_code})", n.code),
                    &links,
                );
                cx.emit(Phase::DropTypes, code, move |m| {
                    let def = m.drop_domain_with(n.value, base);
                    for o in &opts {
                        o.apply(def);
                    }
                });
            }
            Err(why) => {
                let why = format!(
                    "domain {} is dropped, and its definition cannot be carried for the \
                     down: {why}",
                    shown(name)
                );
                cx.unchecked(
                    Phase::DropTypes,
                    why,
                    &format!("DROP DOMAIN {}", quoted(name)),
                );
            }
        }
    } else if let Some(c) = from.composites.get(name) {
        let c = c.clone();
        match fields(&c) {
            Ok(()) => {
                let code = format!("m.drop_type_with({}, {});", n.code, fields_code(&c));
                cx.emit(Phase::DropTypes, code, move |m| {
                    m.drop_type_with(n.value, |t| fields_apply(&c, t));
                });
            }
            Err(why) => {
                let why = format!(
                    "composite type {} is dropped, and its definition cannot be carried for \
                     the down: {why}",
                    shown(name)
                );
                cx.unchecked(
                    Phase::DropTypes,
                    why,
                    &format!("DROP TYPE {}", quoted(name)),
                );
            }
        }
    }
}

fn create_type(cx: &mut Cx<'_>, name: &QName) {
    let to = &cx.to.types;
    let n = name.code();
    if let Some(e) = to.enums.get(name) {
        let labels = e.labels.clone();
        let code = chain_list(&format!("m.create_enum({}, ", n.code), &labels);
        cx.emit(Phase::CreateTypes, code, move |m| {
            m.create_enum(n.value, labels);
        });
    } else if let Some(d) = to.domains.get(name) {
        let d = d.clone();
        match domain_opts(&d) {
            Ok(opts) => {
                let (base, base_code) = code::column_type(&d.base);
                let links: Vec<String> = opts.iter().map(DomainOpt::code).collect();
                let code = chain(&format!("m.create_domain({}, {base_code})", n.code), &links);
                let value = n.value.clone();
                cx.emit(Phase::CreateTypes, code, move |m| {
                    let def = m.create_domain(value, base);
                    for o in &opts {
                        o.apply(def);
                    }
                });
                // Checks the new domain has `NOT VALID`.
                for (check, c) in d.checks.iter().filter(|(_, c)| !c.valid) {
                    let (e, e_code) = code::expr(&c.expr);
                    let code = format!(
                        "m.add_domain_check({}, {}, {e_code}).not_valid();",
                        n.code,
                        lit(check)
                    );
                    let (value, check) = (n.value.clone(), check.clone());
                    cx.emit(Phase::CreateTypes, code, move |m| {
                        m.add_domain_check(value, check.as_str(), e).not_valid();
                    });
                }
            }
            Err(why) => {
                let why = format!("domain {}: {why}", shown(name));
                cx.unchecked(Phase::CreateTypes, why, &domain_sql(name, &d));
            }
        }
    } else if let Some(c) = to.composites.get(name) {
        let c = c.clone();
        match fields(&c) {
            Ok(()) => {
                let code = format!("m.create_type({}, {});", n.code, fields_code(&c));
                cx.emit(Phase::CreateTypes, code, move |m| {
                    m.create_type(n.value, |t| fields_apply(&c, t));
                });
            }
            Err(why) => {
                let why = format!("composite type {}: {why}", shown(name));
                cx.unchecked(Phase::CreateTypes, why, &composite_sql(name, &c));
            }
        }
    }
}

/// `head` followed by a list of string literals and `);`: on one line when it fits,
/// else one item a line.
fn chain_list(head: &str, items: &[String]) -> String {
    let one = format!(
        "{head}{});",
        if items.is_empty() {
            "Vec::<String>::new()".to_owned()
        } else {
            lits(items)
        }
    );
    if one.len() <= 96 || items.is_empty() {
        return one;
    }
    let mut out = format!("{head}[\n");
    for item in items {
        out.push_str(&format!("    {},\n", lit(item)));
    }
    out.push_str("]);");
    out
}

// ----- sequences -----------------------------------------------------------------------

fn sequences(cx: &mut Cx<'_>) {
    let skip_from = cx.from.tables.serial_sequences();
    let skip_to = cx.to.tables.serial_sequences();
    let from: BTreeMap<QName, Sequence> = cx
        .from
        .types
        .sequences
        .iter()
        .filter(|(n, _)| !skip_from.contains(*n))
        .map(|(n, s)| (n.clone(), s.clone()))
        .collect();
    let to: BTreeMap<QName, Sequence> = cx
        .to
        .types
        .sequences
        .iter()
        .filter(|(n, _)| !skip_to.contains(*n))
        .map(|(n, s)| (n.clone(), s.clone()))
        .collect();

    // Ownership changed in place, with the options, when each owning column exists
    // on both sides; otherwise given up early and taken late.
    let mut in_place = BTreeSet::new();
    for (name, old) in &from {
        let new = to.get(name);
        // The owner in "to"'s names (after the renames).
        let old_owner = renamed_owner(cx, old);
        let new_owner = new.and_then(|s| s.owner.clone());
        let owner_changes = old_owner != new_owner;
        let stable = new.is_some()
            && old_owner
                .as_ref()
                .is_none_or(|(t, c)| cx.to.tables.has_column(t, c))
            && new_owner.as_ref().is_none_or(|(t, c)| {
                let table = cx.renames.old_table(t);
                cx.from
                    .tables
                    .has_column(&table, cx.renames.old_column(t, c))
            });
        if owner_changes && stable {
            in_place.insert(name.clone());
        } else if let Some((table, column)) = &old_owner
            && owner_changes
        {
            // Given up before any column or table goes, so that dropping the owner
            // does not drop the sequence; the down takes it back last.
            own_sequence(
                cx,
                Phase::DropConstraints,
                name,
                Some((table, column)),
                None,
            );
        }
        match new {
            None => {
                let n = name.code();
                let opts = old.options.said();
                let links: Vec<String> = opts.iter().map(SeqOpt::code).collect();
                let code = chain(&format!("m.drop_sequence_with({})", n.code), &links);
                cx.emit(Phase::DropSequences, code, move |m| {
                    let o = m.drop_sequence_with(n.value);
                    for opt in &opts {
                        opt.apply(o);
                    }
                });
            }
            Some(new) if new.options != old.options || in_place.contains(name) => {
                let n = name.code();
                let (mut a, mut b) = SeqOptions::changed(&old.options, &new.options);
                if in_place.contains(name) {
                    a.extend(old_owner.map(|(t, c)| SeqOpt::OwnedBy(t, c)));
                    b.extend(new_owner.map(|(t, c)| SeqOpt::OwnedBy(t, c)));
                }
                let code = format!(
                    "m.alter_sequence_from({}, {}, {});",
                    n.code,
                    options_closure("old", &a),
                    options_closure("new", &b)
                );
                cx.emit(Phase::CreateSequences, code, move |m| {
                    m.alter_sequence_from(
                        n.value,
                        |o| a.iter().for_each(|x| x.apply(o)),
                        |o| b.iter().for_each(|x| x.apply(o)),
                    );
                });
            }
            Some(_) => {}
        }
    }
    for (name, new) in &to {
        if !from.contains_key(name) {
            let n = name.code();
            let opts = new.options.said();
            let links: Vec<String> = opts.iter().map(SeqOpt::code).collect();
            let code = chain(&format!("m.create_sequence({})", n.code), &links);
            cx.emit(Phase::CreateSequences, code, move |m| {
                let o = m.create_sequence(n.value);
                for opt in &opts {
                    opt.apply(o);
                }
            });
        }
        let old_owner = from.get(name).and_then(|s| renamed_owner(cx, s));
        if let Some((table, column)) = &new.owner
            && old_owner.as_ref() != new.owner.as_ref()
            && !in_place.contains(name)
        {
            own_sequence(cx, Phase::AfterColumns, name, None, Some((table, column)));
        }
    }
}

/// The owner of a sequence of "from", by its names in "to".
fn renamed_owner(cx: &Cx<'_>, s: &Sequence) -> Option<(QName, String)> {
    s.owner.as_ref().map(|(t, c)| {
        let table = cx.renames.new_table(t);
        let column = cx.renames.new_column(&table, c).to_owned();
        (table, column)
    })
}

/// `|name| { name.a().b(); }`, or `|_| {}` without options.
fn options_closure(var: &str, opts: &[SeqOpt]) -> String {
    if opts.is_empty() {
        return "|_| {}".to_owned();
    }
    let links: Vec<String> = opts.iter().map(SeqOpt::code).collect();
    format!("|{var}| {{\n{}\n}}", code::indent(&chain(var, &links), 4))
}

/// `OWNED BY` from `old` to `new` (either may be none).
fn own_sequence(
    cx: &mut Cx<'_>,
    phase: Phase,
    name: &QName,
    old: Option<(&QName, &String)>,
    new: Option<(&QName, &String)>,
) {
    let n = name.code();
    let a: Vec<SeqOpt> = old
        .map(|(t, c)| SeqOpt::OwnedBy(t.clone(), c.clone()))
        .into_iter()
        .collect();
    let b: Vec<SeqOpt> = new
        .map(|(t, c)| SeqOpt::OwnedBy(t.clone(), c.clone()))
        .into_iter()
        .collect();
    let code = format!(
        "m.alter_sequence_from({}, {}, {});",
        n.code,
        options_closure("old", &a),
        options_closure("new", &b)
    );
    cx.emit(phase, code, move |m| {
        m.alter_sequence_from(
            n.value,
            |o| a.iter().for_each(|x| x.apply(o)),
            |o| b.iter().for_each(|x| x.apply(o)),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn labels_added_anywhere_keep_the_old_order() {
        assert_eq!(
            added_labels(&s(&["a", "c"]), &s(&["x", "a", "b", "c", "d"])),
            Some(vec![
                ("x".to_owned(), None),
                ("b".to_owned(), Some("a".to_owned())),
                ("d".to_owned(), Some("c".to_owned())),
            ])
        );
        assert_eq!(added_labels(&s(&["a", "b"]), &s(&["a", "b"])), Some(vec![]));
        assert_eq!(added_labels(&s(&["a", "b"]), &s(&["b", "a"])), None);
        assert_eq!(added_labels(&s(&["a", "b"]), &s(&["a"])), None);
        assert_eq!(added_labels(&s(&["a", "b"]), &s(&["a", "c"])), None);
    }

    #[test]
    fn sequence_defaults_are_left_out() {
        assert_eq!(
            SeqOptions::from_catalog("bigint", 1, 1, i64::MAX, 1, 1, false),
            SeqOptions::default()
        );
        let desc = SeqOptions::from_catalog("integer", -1, i64::from(i32::MIN), -1, -1, 1, false);
        assert_eq!(
            desc,
            SeqOptions {
                data_type: Some("integer".into()),
                increment: Some(-1),
                ..SeqOptions::default()
            }
        );
        let o = SeqOptions::from_catalog("smallint", 5, 10, 100, 20, 3, true);
        assert_eq!(o.min, Some(10));
        assert_eq!(o.max, Some(100));
        assert_eq!(o.start, Some(20));
        assert_eq!(o.cache, Some(3));
        // The start defaults to the minimum given.
        assert_eq!(
            SeqOptions::from_catalog("bigint", 1, 10, i64::MAX, 10, 1, false).start,
            None
        );
    }

    #[test]
    fn changed_options_name_only_what_differs() {
        let old = SeqOptions {
            cache: Some(10),
            max: Some(500),
            ..SeqOptions::default()
        };
        let new = SeqOptions {
            increment: Some(2),
            max: Some(500),
            cycle: true,
            ..SeqOptions::default()
        };
        let (a, b) = SeqOptions::changed(&old, &new);
        assert_eq!(a, vec![SeqOpt::Cache(10)]);
        assert_eq!(b, vec![SeqOpt::Increment(2), SeqOpt::Cycle]);
    }

    #[test]
    fn default_volatility_is_read_from_the_expression() {
        assert_eq!(volatility("0"), Volatility::Immutable);
        assert_eq!(volatility("(-1)"), Volatility::Immutable);
        assert_eq!(volatility("'x'::text"), Volatility::Immutable);
        assert_eq!(volatility("now()"), Volatility::Stable);
        assert_eq!(volatility("CURRENT_TIMESTAMP"), Volatility::Stable);
        assert_eq!(volatility("gen_random_uuid()"), Volatility::Volatile);
        assert_eq!(volatility("'a'::text || 'b'::text"), Volatility::Volatile);
    }

    #[test]
    fn types_come_after_what_they_are_defined_with() {
        let mut part = Part::default();
        let (a, b, c) = (
            QName::new("public", "a"),
            QName::new("public", "b"),
            QName::new("public", "c"),
        );
        part.enums.insert(c.clone(), Enum::default());
        part.composites.insert(
            a.clone(),
            Composite {
                deps: [b.clone()].into(),
                ..Composite::default()
            },
        );
        part.domains.insert(
            b.clone(),
            Domain {
                deps: [c.clone()].into(),
                ..Domain::default()
            },
        );
        let all: BTreeSet<QName> = [a.clone(), b.clone(), c.clone()].into();
        assert_eq!(dependency_order(&part, &all), vec![c, b, a]);
    }
}
