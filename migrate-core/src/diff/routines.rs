//! Functions, procedures and triggers.
//!
//! A routine is keyed by its schema-qualified name and its identity arguments
//! (`pg_get_function_identity_arguments`): overloads are different routines, and a
//! routine whose input types change is dropped and created. Its head (arguments with
//! their modes, types and defaults, the return type, the language and attributes,
//! `SET` options) and its body (`prosrc`, exactly as PostgreSQL stores it) are read as
//! facts and fed to [`FunctionDef`] / [`ProcedureDef`]; what the DSL has no builder for
//! (a SQL-standard body, `LEAKPROOF`, a non-default `COST` or `ROWS`, a `SUPPORT`
//! function, a C function, aggregates) becomes `unchecked_sql` from PostgreSQL's own
//! definition.
//!
//! A trigger is keyed by its table and name; its definition is read from
//! `pg_trigger` (the `WHEN` condition from `pg_get_triggerdef`, the only place
//! PostgreSQL prints it with `OLD` and `NEW`). A trigger that only changes its
//! definition is replaced (`CREATE OR REPLACE TRIGGER`), one that changes its function
//! or loses a column it reads is dropped and created; its enabled state follows with
//! `enable_trigger` / `disable_trigger`.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{QName, Scope, get};
use super::code::{self, Name, column_type, lit, lits, text};
use super::emit::{Cx, Phase};
use crate::error::Error;
use crate::ident::ObjectName;
use crate::snapshot::catalog::{HISTORY, NS, own};
use crate::step::{FunctionArg, FunctionDef, Parallel, ProcedureDef, TriggerDef};

/// Functions, procedures and triggers (and aggregates, which the DSL does not write).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    /// Functions and procedures.
    pub(crate) routines: BTreeMap<RoutineKey, Routine>,
    /// Aggregates and window functions: the DSL has no builder for them.
    pub(crate) aggregates: BTreeMap<RoutineKey, Aggregate>,
    /// Triggers (not internal ones, not the clones on partitions): by table and name.
    pub(crate) triggers: BTreeMap<(QName, String), Trigger>,
    /// The columns of each table that has a trigger.
    pub(crate) trigger_tables: BTreeMap<QName, BTreeSet<String>>,
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.routines.is_empty() && self.aggregates.is_empty() && self.triggers.is_empty()
    }
}

/// What names a routine: its name and its identity arguments as PostgreSQL prints them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RoutineKey {
    pub(crate) name: QName,
    /// `pg_get_function_identity_arguments`.
    pub(crate) identity: String,
}

impl RoutineKey {
    /// `schema.name(identity arguments)`, quoted, for raw SQL.
    fn sql(&self) -> String {
        format!("{}({})", quoted(&self.name), self.identity)
    }
}

impl std::fmt::Display for RoutineKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.identity)
    }
}

/// One argument of a routine.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arg {
    /// Empty when the argument has no name.
    pub(crate) name: String,
    /// `i`, `o`, `b` (inout), `v` (variadic); `t` (`RETURNS TABLE` columns) are kept
    /// in [`Routine::table`].
    pub(crate) mode: char,
    /// `format_type`.
    pub(crate) ty: String,
    /// `pg_get_function_arg_default`.
    pub(crate) default: Option<String>,
}

/// One function or procedure.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Routine {
    pub(crate) procedure: bool,
    pub(crate) args: Vec<Arg>,
    /// The columns of `RETURNS TABLE`: name and `format_type`.
    pub(crate) table: Vec<(String, String)>,
    /// `format_type(prorettype)`.
    pub(crate) returns: String,
    pub(crate) returns_set: bool,
    pub(crate) language: String,
    /// `i`, `s` or `v`.
    pub(crate) volatility: char,
    pub(crate) strict: bool,
    pub(crate) security_definer: bool,
    /// `s`, `r` or `u`.
    pub(crate) parallel: char,
    /// `proconfig`: `name=value` entries, in order.
    pub(crate) config: Vec<String>,
    /// `prosrc`.
    pub(crate) body: String,
    /// What the DSL cannot write (a SQL-standard body, LEAKPROOF, ...): empty when it
    /// can write all of it.
    pub(crate) unsupported: Vec<String>,
    /// `pg_get_functiondef`, for raw SQL.
    pub(crate) definition: String,
    /// A table's default, check or index uses it: it must exist before the tables.
    pub(crate) used_by_tables: bool,
    /// An argument or the result is a table's or view's row type.
    pub(crate) uses_row_type: bool,
}

impl Routine {
    /// What is compared: not the definition text (it names the routine) nor where it
    /// is used.
    fn head_and_body(&self) -> Routine {
        Routine {
            definition: String::new(),
            used_by_tables: false,
            uses_row_type: false,
            ..self.clone()
        }
    }

    /// When the routine is created or replaced: a SQL-language body is checked at
    /// creation and may read tables and columns, so it comes after the columns, unless
    /// a table needs it; a routine over a row type comes after its table.
    fn create_phase(&self) -> Phase {
        if (self.language == "sql" && !self.used_by_tables) || self.uses_row_type {
            Phase::AfterColumns
        } else {
            Phase::CreateRoutines
        }
    }

    fn word(&self) -> &'static str {
        if self.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        }
    }
}

/// An aggregate or a window function: created and dropped as raw SQL.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Aggregate {
    /// `a` or `w`.
    pub(crate) kind: char,
    /// A best-effort `CREATE AGGREGATE` for review (empty for a window function).
    pub(crate) definition: String,
}

/// One trigger.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Trigger {
    /// `tgtype`: the bits of timing, level and events.
    pub(crate) tgtype: i32,
    /// `UPDATE OF` columns, in order.
    pub(crate) update_of: Vec<String>,
    /// The `WHEN` condition, as `pg_get_triggerdef` prints it.
    pub(crate) when: Option<String>,
    pub(crate) old_table: Option<String>,
    pub(crate) new_table: Option<String>,
    pub(crate) function: QName,
    pub(crate) args: Vec<String>,
    /// `O` (enabled), `D` (disabled), `R` (on replica only), `A` (always).
    pub(crate) enabled: char,
    /// A constraint trigger (`CREATE CONSTRAINT TRIGGER`).
    pub(crate) constraint: bool,
    /// `pg_get_triggerdef`, for raw SQL.
    pub(crate) definition: String,
    /// The table's columns it depends on (in `UPDATE OF` or `WHEN`).
    pub(crate) columns: BTreeSet<String>,
}

// tgtype bits (PostgreSQL's `pg_trigger.h`).
const ROW: i32 = 1 << 0;
const BEFORE: i32 = 1 << 1;
const INSERT: i32 = 1 << 2;
const DELETE: i32 = 1 << 3;
const UPDATE: i32 = 1 << 4;
const TRUNCATE: i32 = 1 << 5;
const INSTEAD: i32 = 1 << 6;

impl Trigger {
    /// What a replace or a create says: not the enabled state, the definition text
    /// (it names the table) nor the columns it depends on.
    fn shape(&self) -> Trigger {
        Trigger {
            enabled: 'O',
            definition: String::new(),
            columns: BTreeSet::new(),
            ..self.clone()
        }
    }

    /// Why the DSL cannot write it, if it cannot.
    fn unsupported(&self) -> Option<String> {
        if self.constraint {
            Some("a constraint trigger (CREATE CONSTRAINT TRIGGER) has no DSL builder".to_owned())
        } else if matches!(self.enabled, 'R' | 'A') {
            Some(format!(
                "the trigger is enabled {}, which the DSL cannot set",
                if self.enabled == 'R' {
                    "on replicas only (ENABLE REPLICA TRIGGER)"
                } else {
                    "always (ENABLE ALWAYS TRIGGER)"
                }
            ))
        } else {
            None
        }
    }
}

// ----- reading ---------------------------------------------------------------------------

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    read_routines(scope, &mut part).await?;
    read_aggregates(scope, &mut part).await?;
    read_triggers(scope, &mut part).await?;
    Ok(part)
}

async fn read_routines(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), \
               p.prokind = 'p', \
               ARRAY(SELECT format_type(u.t, NULL) FROM unnest(coalesce(p.proallargtypes, \
                 p.proargtypes::oid[])) WITH ORDINALITY u(t, i) ORDER BY u.i), \
               coalesce(p.proargmodes::text[], '{{}}'), coalesce(p.proargnames, '{{}}'), \
               ARRAY(SELECT pg_get_function_arg_default(p.oid, u.i::int) FROM \
                 unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY u(t, i) \
                 ORDER BY u.i), \
               format_type(p.prorettype, NULL), p.proretset, l.lanname::text, \
               p.provolatile::text, p.proisstrict, p.prosecdef, p.proparallel::text, \
               p.proleakproof, p.procost::float8, p.prorows::float8, \
               CASE WHEN p.prosupport <> 0 THEN p.prosupport::regproc::text END, \
               p.probin IS NOT NULL AND l.lanname NOT IN ('sql', 'plpgsql'), \
               p.prosqlbody IS NOT NULL, coalesce(p.proconfig, '{{}}'), p.prosrc, \
               pg_get_functiondef(p.oid), \
               EXISTS (SELECT FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass \
                 AND d.refobjid = p.oid AND (d.classid IN ('pg_attrdef'::regclass, \
                 'pg_constraint'::regclass) OR (d.classid = 'pg_class'::regclass \
                 AND EXISTS (SELECT FROM pg_index i WHERE i.indexrelid = d.objid)))), \
               EXISTS (SELECT FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]) \
                 || p.prorettype) u(t) JOIN pg_type ty ON ty.oid = u.t \
                 LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typlen = -1 \
                 JOIN pg_class rc ON rc.oid = coalesce(nullif(ty.typrelid, 0), el.typrelid) \
                 WHERE rc.relkind <> 'c') \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             JOIN pg_language l ON l.oid = p.prolang \
             WHERE p.prokind IN ('f', 'p') AND {NS} AND {}",
            own("pg_proc", "p.oid")
        ))
        .await?;
    for row in rows {
        let key = RoutineKey {
            name: QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?),
            identity: get(&row, 2)?,
        };
        let types: Vec<String> = get(&row, 4)?;
        let modes: Vec<String> = get(&row, 5)?;
        let names: Vec<String> = get(&row, 6)?;
        let defaults: Vec<Option<String>> = get(&row, 7)?;
        let mut args = Vec::new();
        let mut table = Vec::new();
        for (i, ty) in types.into_iter().enumerate() {
            let mode = modes.get(i).and_then(|m| m.chars().next()).unwrap_or('i');
            let name = names.get(i).cloned().unwrap_or_default();
            if mode == 't' {
                table.push((name, ty));
            } else {
                args.push(Arg {
                    name,
                    mode,
                    ty,
                    default: defaults.get(i).cloned().flatten(),
                });
            }
        }
        let language: String = get(&row, 10)?;
        let cost: f64 = get(&row, 16)?;
        let rows_estimate: f64 = get(&row, 17)?;
        let returns_set: bool = get(&row, 9)?;
        let support: Option<String> = get(&row, 18)?;
        let config: Vec<String> = get(&row, 21)?;
        let mut unsupported = Vec::new();
        if get::<bool>(&row, 20)? {
            unsupported.push(
                "its body is SQL-standard (BEGIN ATOMIC or RETURN), which the DSL does not write"
                    .to_owned(),
            );
        }
        if get::<bool>(&row, 19)? {
            unsupported.push(format!(
                "it is a {language} function in a loadable object file"
            ));
        }
        if get::<bool>(&row, 15)? {
            unsupported.push("it is LEAKPROOF, which the DSL does not write".to_owned());
        }
        let default_cost = if matches!(language.as_str(), "c" | "internal") {
            1.0
        } else {
            100.0
        };
        if cost != default_cost {
            unsupported.push(format!("it has COST {cost}, which the DSL does not write"));
        }
        if rows_estimate != if returns_set { 1000.0 } else { 0.0 } {
            unsupported.push(format!(
                "it has ROWS {rows_estimate}, which the DSL does not write"
            ));
        }
        if let Some(support) = support {
            unsupported.push(format!(
                "it has SUPPORT {support}, which the DSL does not write"
            ));
        }
        for entry in &config {
            if setting(entry).is_none() {
                unsupported.push(format!(
                    "its setting `{entry}` is a list the DSL cannot write exactly"
                ));
            }
        }
        let routine = Routine {
            procedure: get(&row, 3)?,
            args,
            table,
            returns: get(&row, 8)?,
            returns_set,
            language,
            volatility: char_of(&get::<String>(&row, 11)?),
            strict: get(&row, 12)?,
            security_definer: get(&row, 13)?,
            parallel: char_of(&get::<String>(&row, 14)?),
            config,
            body: get(&row, 22)?,
            unsupported,
            definition: get(&row, 23)?,
            used_by_tables: get(&row, 24)?,
            uses_row_type: get(&row, 25)?,
        };
        part.routines.insert(key, routine);
    }
    Ok(())
}

async fn read_aggregates(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), \
               p.prokind::text, \
               CASE WHEN p.prokind = 'a' THEN 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' \
                 || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) \
                 || ') (SFUNC = ' || a.aggtransfn::regproc::text \
                 || ', STYPE = ' || format_type(a.aggtranstype, NULL) \
                 || coalesce(', FINALFUNC = ' || nullif(a.aggfinalfn, 0)::regproc::text, '') \
                 || coalesce(', COMBINEFUNC = ' || nullif(a.aggcombinefn, 0)::regproc::text, '') \
                 || coalesce(', INITCOND = ' || quote_literal(a.agginitval), '') || ')' \
               ELSE '' END \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid \
             WHERE p.prokind IN ('a', 'w') AND {NS} AND {}",
            own("pg_proc", "p.oid")
        ))
        .await?;
    for row in rows {
        let key = RoutineKey {
            name: QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?),
            identity: get(&row, 2)?,
        };
        let kind = char_of(&get::<String>(&row, 3)?);
        part.aggregates.insert(
            key,
            Aggregate {
                kind,
                definition: get(&row, 4)?,
            },
        );
    }
    Ok(())
}

async fn read_triggers(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    // Clones of a partitioned table's trigger on its partitions follow their parent.
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, tg.tgname::text, tg.tgtype::int4, \
               ARRAY(SELECT a.attname::text FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY u(k, i) \
                 JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = u.k ORDER BY u.i), \
               pg_get_triggerdef(tg.oid), tg.tgoldtable::text, tg.tgnewtable::text, \
               fn.nspname::text, f.proname::text, tg.tgnargs::int4, tg.tgargs, \
               tg.tgenabled::text, tg.tgconstraint <> 0, \
               ARRAY(SELECT DISTINCT a.attname::text FROM pg_depend d JOIN pg_attribute a \
                 ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
                 WHERE d.classid = 'pg_trigger'::regclass AND d.objid = tg.oid \
                 AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0) \
             FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_proc f ON f.oid = tg.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace \
             WHERE NOT tg.tgisinternal AND {NS} AND c.oid NOT IN ({HISTORY}) AND {} \
             AND NOT EXISTS (SELECT FROM pg_depend pd WHERE pd.classid = 'pg_trigger'::regclass \
               AND pd.objid = tg.oid AND pd.deptype IN ('P', 'S'))",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let table = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let definition: String = get(&row, 5)?;
        let nargs: i32 = get(&row, 10)?;
        let raw_args: Vec<u8> = get(&row, 11)?;
        let trigger = Trigger {
            tgtype: get(&row, 3)?,
            update_of: get(&row, 4)?,
            when: when_of(&definition),
            old_table: get(&row, 6)?,
            new_table: get(&row, 7)?,
            function: QName::new(get::<String>(&row, 8)?, get::<String>(&row, 9)?),
            args: trigger_args(&raw_args, nargs),
            enabled: char_of(&get::<String>(&row, 12)?),
            constraint: get(&row, 13)?,
            definition,
            columns: get::<Vec<String>>(&row, 14)?.into_iter().collect(),
        };
        part.triggers
            .insert((table, get::<String>(&row, 2)?), trigger);
    }
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, ARRAY(SELECT a.attname::text \
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 \
               AND NOT a.attisdropped) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgrelid = c.oid \
               AND NOT tg.tgisinternal) AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
            own("pg_class", "c.oid")
        ))
        .await?;
    for row in rows {
        let table = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let columns: Vec<String> = get(&row, 2)?;
        part.trigger_tables
            .insert(table, columns.into_iter().collect());
    }
    Ok(())
}

fn char_of(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

/// The arguments of a trigger (`tgargs`: each one ends with a NUL byte).
fn trigger_args(raw: &[u8], n: i32) -> Vec<String> {
    raw.split(|&b| b == 0)
        .take(usize::try_from(n).unwrap_or(0))
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The `WHEN` condition in a `pg_get_triggerdef`: the parenthesised text after
/// `FOR EACH ROW WHEN` (or `STATEMENT`), outside quoted names and literals, without
/// the parentheses PostgreSQL puts around the whole condition.
fn when_of(definition: &str) -> Option<String> {
    let bytes = definition.as_bytes();
    let mut i = 0;
    let mut open = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => i = skip_quoted(bytes, i),
            _ => {
                let rest = &definition[i..];
                if let Some(after) = ["FOR EACH ROW WHEN (", "FOR EACH STATEMENT WHEN ("]
                    .iter()
                    .find_map(|p| rest.strip_prefix(p))
                {
                    open = Some(definition.len() - after.len() - 1);
                    break;
                }
                i += 1;
            }
        }
    }
    let open = open?;
    let close = matching_paren(bytes, open)?;
    let inner = &definition[open + 1..close];
    Some(strip_parens(inner).to_owned())
}

/// The index after the quoted name or literal starting at `i` (a doubled quote is
/// part of it).
fn skip_quoted(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    j
}

/// The index of the parenthesis closing the one at `open`.
fn matching_paren(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                i = skip_quoted(bytes, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `s` without one pair of parentheses around all of it.
fn strip_parens(s: &str) -> &str {
    let bytes = s.as_bytes();
    if bytes.first() == Some(&b'(') && matching_paren(bytes, 0) == Some(bytes.len() - 1) {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// A `proconfig` entry as the DSL writes it: `search_path` as its list of schemas, any
/// other setting as one value. `None` when the DSL would write another value (a list
/// in another setting).
fn setting(entry: &str) -> Option<(String, Vec<String>)> {
    let (name, value) = entry.split_once('=')?;
    if name == "search_path" {
        return search_path(value).map(|p| (name.to_owned(), p));
    }
    if value.contains(',') || value.contains('"') {
        return None;
    }
    Some((name.to_owned(), vec![value.to_owned()]))
}

/// The schemas of a `search_path` as PostgreSQL stores it (`a, "B c", ""`), unquoted;
/// the empty path (`""`) is no schema at all.
fn search_path(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    loop {
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'"') {
            let end = skip_quoted(bytes, i);
            let quoted = value.get(i + 1..end.checked_sub(1)?)?;
            out.push(quoted.replace("\"\"", "\""));
            i = end;
        } else {
            let end = value[i..].find(',').map_or(value.len(), |e| i + e);
            out.push(value[i..end].trim_end().to_owned());
            i = end;
        }
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        match bytes.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return None,
        }
    }
    if out == [""] {
        out.clear();
    }
    Some(out)
}

fn quoted(name: &QName) -> String {
    use crate::ident::Ident;
    use crate::render::quote_ident;
    format!(
        "{}.{}",
        quote_ident(&Ident::new(name.schema.as_str())),
        quote_ident(&Ident::new(name.name.as_str()))
    )
}

// ----- the DSL values and their source ---------------------------------------------------

/// A definition and the source of the same value: a builder chain, one call a line.
struct Built<T> {
    value: T,
    code: String,
}

impl<T> Built<T> {
    /// Adds `.call` to the source and makes the same call on the value.
    fn call(&mut self, call: impl Into<String>, apply: impl FnOnce(T) -> T)
    where
        T: Placeholder,
    {
        self.code.push_str("\n    .");
        self.code.push_str(&call.into());
        let value = std::mem::replace(&mut self.value, T::placeholder());
        self.value = apply(value);
    }
}

/// A value to hold the place of a definition while a builder call consumes it.
trait Placeholder {
    fn placeholder() -> Self;
}

impl Placeholder for FunctionDef {
    fn placeholder() -> Self {
        FunctionDef::new("")
    }
}

impl Placeholder for TriggerDef {
    fn placeholder() -> Self {
        TriggerDef::new("", "")
    }
}

/// The [`FunctionDef`] of a routine (a procedure's is wrapped in [`ProcedureDef`] by
/// the caller), or why the DSL cannot write it.
fn function_def(key: &RoutineKey, r: &Routine) -> Result<Built<FunctionDef>, String> {
    if let Some(why) = r.unsupported.first() {
        return Err(why.clone());
    }
    let name: Name = key.name.code();
    let mut b = Built {
        value: if r.procedure {
            ProcedureDef::new(name.value.clone()).into_def()
        } else {
            FunctionDef::new(name.value.clone())
        },
        code: format!(
            "{}::new({})",
            if r.procedure {
                "ProcedureDef"
            } else {
                "FunctionDef"
            },
            name.code
        ),
    };
    for arg in &r.args {
        let (ty, ty_code) = column_type(&arg.ty);
        let simple = !arg.name.is_empty() && arg.default.is_none();
        if simple && arg.mode == 'i' {
            let n = arg.name.clone();
            b.call(format!("arg({}, {ty_code})", lit(&n)), |d| {
                d.arg(n.as_str(), ty)
            });
            continue;
        }
        if simple && arg.mode == 'o' && !r.procedure {
            let n = arg.name.clone();
            b.call(format!("out_arg({}, {ty_code})", lit(&n)), |d| {
                d.out_arg(n.as_str(), ty)
            });
            continue;
        }
        let (mut value, mut code) = if arg.name.is_empty() {
            (
                FunctionArg::unnamed(ty),
                format!("FunctionArg::unnamed({ty_code})"),
            )
        } else {
            (
                FunctionArg::new(arg.name.as_str(), ty),
                format!("FunctionArg::new({}, {ty_code})", lit(&arg.name)),
            )
        };
        match arg.mode {
            'o' => {
                value = value.out();
                code.push_str(".out()");
            }
            'b' => {
                value = value.inout();
                code.push_str(".inout()");
            }
            'v' => {
                value = value.variadic();
                code.push_str(".variadic()");
            }
            _ => {}
        }
        if let Some(default) = &arg.default {
            let (expr, expr_code) = code::expr(default);
            value = value.default(expr);
            code.push_str(&format!(".default({expr_code})"));
        }
        b.call(format!("param({code})"), |d| d.param(value));
    }
    let outputs = r.args.iter().any(|a| matches!(a.mode, 'o' | 'b'));
    if !r.procedure {
        if !r.table.is_empty() {
            let columns: Vec<(String, (crate::types::ColumnType, String))> = r
                .table
                .iter()
                .map(|(n, t)| (n.clone(), column_type(t)))
                .collect();
            let code = columns
                .iter()
                .map(|(n, (_, c))| format!("({}, {c})", lit(n)))
                .collect::<Vec<_>>()
                .join(", ");
            let value: Vec<_> = columns.into_iter().map(|(n, (t, _))| (n, t)).collect();
            b.call(format!("returns_table([{code}])"), |d| {
                d.returns_table(value)
            });
        } else if outputs && !r.returns_set {
            // The result is the OUT arguments': PostgreSQL derives it.
        } else if r.returns == "trigger" && !r.returns_set {
            b.call("returns_trigger()".to_owned(), |d| d.returns_trigger());
        } else if r.returns == "void" && !r.returns_set {
            b.call("returns_void()".to_owned(), |d| d.returns_void());
        } else {
            let (ty, ty_code) = column_type(&r.returns);
            if r.returns_set {
                b.call(format!("returns_setof({ty_code})"), |d| d.returns_setof(ty));
            } else {
                b.call(format!("returns({ty_code})"), |d| d.returns(ty));
            }
        }
    }
    let language = r.language.clone();
    b.call(format!("language({})", lit(&language)), |d| {
        d.language(language)
    });
    if !r.procedure {
        match r.volatility {
            'i' => b.call("immutable()".to_owned(), |d| d.immutable()),
            's' => b.call("stable()".to_owned(), |d| d.stable()),
            _ => {}
        }
        if r.strict {
            b.call("strict()".to_owned(), |d| d.strict());
        }
    }
    if r.security_definer {
        b.call("security_definer()".to_owned(), |d| d.security_definer());
    }
    if !r.procedure {
        match r.parallel {
            's' => b.call("parallel_safe()".to_owned(), |d| d.parallel_safe()),
            'r' => b.call("parallel(Parallel::Restricted)".to_owned(), |d| {
                d.parallel(Parallel::Restricted)
            }),
            _ => {}
        }
    }
    let mut pinned = false;
    for entry in &r.config {
        let Some((name, values)) = setting(entry) else {
            return Err(format!(
                "its setting `{entry}` is a list the DSL cannot write exactly"
            ));
        };
        if name == "search_path" {
            pinned = true;
            if values.is_empty() {
                b.call("empty_search_path()".to_owned(), |d| d.empty_search_path());
            } else {
                b.call(format!("search_path({})", lits(&values)), |d| {
                    d.search_path(values)
                });
            }
        } else {
            let value = values.concat();
            b.call(format!("set({}, {})", lit(&name), lit(&value)), |d| {
                d.set(name.as_str(), value)
            });
        }
    }
    if r.security_definer && !pinned {
        return Err(
            "it is SECURITY DEFINER without a pinned search_path, which the DSL \
                    refuses (any caller could run their own objects with its owner's \
                    privileges)"
                .to_owned(),
        );
    }
    let body = r.body.clone();
    b.call(format!("body({})", text(&body)), |d| d.body(body));
    Ok(b)
}

/// `m.<method>(<def>);` over lines, the definition's chain indented.
fn call(method: &str, defs: &[&str]) -> String {
    let args: Vec<String> = defs
        .iter()
        .map(|d| format!("    {},", code::indent(d, 4).trim_start()))
        .collect();
    format!("m.{method}(\n{}\n);", args.join("\n"))
}

/// `create_function`, `drop_procedure_with`, ..
fn routine_method(r: &Routine, verb: &str) -> String {
    let kind = if r.procedure { "procedure" } else { "function" };
    if verb == "drop" {
        format!("drop_{kind}_with")
    } else {
        format!("{verb}_{kind}")
    }
}

// ----- comparing -------------------------------------------------------------------------

pub(crate) fn diff(cx: &mut Cx<'_>) {
    diff_routines(cx);
    diff_aggregates(cx);
    diff_triggers(cx);
}

fn diff_routines(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.routines.routines, &cx.to.routines.routines);
    let mut dropped = Vec::new();
    let mut created = Vec::new();
    let mut changed = Vec::new();
    for (key, old) in from {
        match to.get(key) {
            None => dropped.push((key.clone(), old.clone())),
            Some(new) if old.head_and_body() != new.head_and_body() => {
                changed.push((key.clone(), old.clone(), new.clone()));
            }
            Some(_) => {}
        }
    }
    for (key, new) in to {
        if !from.contains_key(key) {
            created.push((key.clone(), new.clone()));
        }
    }
    for (key, old) in dropped {
        drop_routine(cx, &key, &old);
    }
    for (key, new) in creation_order(created) {
        create_routine(cx, &key, &new);
    }
    for (key, old, new) in changed {
        match (function_def(&key, &old), function_def(&key, &new)) {
            (Ok(o), Ok(n)) if o.value.replaceable_by(&n.value) => {
                let code = call(&routine_method(&new, "replace"), &[&o.code, &n.code]);
                let (old_def, new_def) = (o.value, n.value);
                cx.emit(new.create_phase(), code, |m| {
                    if new.procedure {
                        m.replace_procedure(ProcedureDef(old_def), ProcedureDef(new_def));
                    } else {
                        m.replace_function(old_def, new_def);
                    }
                });
            }
            (Ok(_), Ok(_)) => {
                // Another return type, argument names or OUT arguments: `CREATE OR
                // REPLACE` cannot follow.
                drop_routine(cx, &key, &old);
                create_routine(cx, &key, &new);
            }
            (Err(why), _) | (_, Err(why)) => {
                cx.unchecked(
                    new.create_phase(),
                    format!("{} {key} changes and {why}.", new.word().to_lowercase()),
                    new.definition.trim_end(),
                );
            }
        }
    }
}

/// The routines to create, each after those its body names (PostgreSQL checks a
/// SQL body at creation, so a function it calls must exist), else by name.
fn creation_order(created: Vec<(RoutineKey, Routine)>) -> Vec<(RoutineKey, Routine)> {
    fn visit(
        i: usize,
        created: &[(RoutineKey, Routine)],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        for j in 0..created.len() {
            if j != i && names(&created[i].1.body, &created[j].0.name.name) {
                visit(j, created, state, order);
            }
        }
        state[i] = 2;
        order.push(i);
    }
    let mut state = vec![0u8; created.len()];
    let mut order = Vec::with_capacity(created.len());
    for i in 0..created.len() {
        visit(i, &created, &mut state, &mut order);
    }
    let mut slots: Vec<Option<(RoutineKey, Routine)>> = created.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Whether `body` holds `name` as a whole word (case-insensitively): a guess at a
/// call, good enough to order creations.
fn names(body: &str, name: &str) -> bool {
    let (body, name) = (body.to_lowercase(), name.to_lowercase());
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    body.match_indices(&name).any(|(at, _)| {
        !body[..at].chars().next_back().is_some_and(word)
            && !body[at + name.len()..].chars().next().is_some_and(word)
    })
}

fn drop_routine(cx: &mut Cx<'_>, key: &RoutineKey, old: &Routine) {
    match function_def(key, old) {
        Ok(b) => {
            let code = call(&routine_method(old, "drop"), &[&b.code]);
            let procedure = old.procedure;
            cx.emit(Phase::DropRoutines, code, |m| {
                if procedure {
                    m.drop_procedure_with(ProcedureDef(b.value));
                } else {
                    m.drop_function_with(b.value);
                }
            });
        }
        Err(why) => cx.unchecked(
            Phase::DropRoutines,
            format!(
                "{} {key} is dropped and {why}; its definition was:\n{}",
                old.word().to_lowercase(),
                comment(&old.definition)
            ),
            &format!("DROP {} {}", old.word(), key.sql()),
        ),
    }
}

fn create_routine(cx: &mut Cx<'_>, key: &RoutineKey, new: &Routine) {
    match function_def(key, new) {
        Ok(b) => {
            let code = call(&routine_method(new, "create"), &[&b.code]);
            let procedure = new.procedure;
            cx.emit(new.create_phase(), code, |m| {
                if procedure {
                    m.create_procedure(ProcedureDef(b.value));
                } else {
                    m.create_function(b.value);
                }
            });
        }
        Err(why) => cx.unchecked(
            new.create_phase(),
            format!("{} {key} is created and {why}.", new.word().to_lowercase()),
            new.definition.trim_end(),
        ),
    }
}

/// A text as the continuation of a `// Needs review:` comment.
fn comment(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("//     {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn diff_aggregates(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.routines.aggregates, &cx.to.routines.aggregates);
    let dropped: Vec<_> = from
        .iter()
        .filter(|(k, _)| !to.contains_key(*k))
        .map(|(k, a)| (k.clone(), a.clone()))
        .collect();
    let created: Vec<_> = to
        .iter()
        .filter(|(k, a)| from.get(*k) != Some(*a))
        .map(|(k, a)| (k.clone(), a.clone(), from.contains_key(k)))
        .collect();
    for (key, agg) in dropped {
        let word = if agg.kind == 'a' {
            "AGGREGATE"
        } else {
            "FUNCTION"
        };
        cx.unchecked(
            Phase::DropRoutines,
            format!(
                "{} {key} is dropped, and the DSL has no builder for aggregates and window \
                 functions.",
                word.to_lowercase(),
            ),
            &format!("DROP {word} {}", key.sql()),
        );
    }
    for (key, agg, existed) in created {
        let what = if agg.kind == 'a' {
            "aggregate"
        } else {
            "window function"
        };
        let mut sql = String::new();
        if existed {
            sql.push_str(&format!("DROP AGGREGATE {};\n", key.sql()));
        }
        if agg.definition.is_empty() {
            sql.push_str(&format!("-- CREATE FUNCTION {} .. WINDOW", key.sql()));
        } else {
            sql.push_str(&agg.definition);
        }
        cx.unchecked(
            Phase::AfterColumns,
            format!(
                "{what} {key} is {}, and the DSL has no builder for aggregates and window \
                 functions; check this definition (read from pg_aggregate) against the \
                 schema's.",
                if existed { "changed" } else { "created" }
            ),
            &sql,
        );
    }
}

// ----- triggers --------------------------------------------------------------------------

/// A trigger's definition with its table by its name in "to" (renames come first).
fn trigger_def(table: &QName, name: &str, t: &Trigger) -> Built<TriggerDef> {
    let tn = table.code();
    let mut b = Built {
        value: TriggerDef::new(name, tn.value.clone()),
        code: format!("TriggerDef::new({}, {})", lit(name), tn.code),
    };
    if t.tgtype & BEFORE != 0 {
        b.call("before()".to_owned(), |d| d.before());
    } else if t.tgtype & INSTEAD != 0 {
        b.call("instead_of()".to_owned(), |d| d.instead_of());
    } else {
        b.call("after()".to_owned(), |d| d.after());
    }
    if t.tgtype & INSERT != 0 {
        b.call("on_insert()".to_owned(), |d| d.on_insert());
    }
    if t.tgtype & UPDATE != 0 {
        if t.update_of.is_empty() {
            b.call("on_update()".to_owned(), |d| d.on_update());
        } else {
            let columns = t.update_of.clone();
            b.call(format!("on_update_of({})", lits(&columns)), |d| {
                d.on_update_of(columns)
            });
        }
    }
    if t.tgtype & DELETE != 0 {
        b.call("on_delete()".to_owned(), |d| d.on_delete());
    }
    if t.tgtype & TRUNCATE != 0 {
        b.call("on_truncate()".to_owned(), |d| d.on_truncate());
    }
    if let Some(old) = &t.old_table {
        let old = old.clone();
        b.call(format!("referencing_old_table({})", lit(&old)), |d| {
            d.referencing_old_table(old.as_str())
        });
    }
    if let Some(new) = &t.new_table {
        let new = new.clone();
        b.call(format!("referencing_new_table({})", lit(&new)), |d| {
            d.referencing_new_table(new.as_str())
        });
    }
    if t.tgtype & ROW != 0 {
        b.call("for_each_row()".to_owned(), |d| d.for_each_row());
    }
    if let Some(when) = &t.when {
        let (expr, code) = code::expr(when);
        b.call(format!("when({code})"), |d| d.when(expr));
    }
    let function = t.function.code();
    let f: ObjectName = function.value.clone();
    if t.args.is_empty() {
        b.call(format!("execute({})", function.code), |d| d.execute(f));
    } else {
        let args = t.args.clone();
        b.call(
            format!("execute_with({}, {})", function.code, lits(&args)),
            |d| d.execute_with(f, args),
        );
    }
    b
}

/// A trigger of "from" as it reads after the renames: its table's and columns' names
/// in "to".
fn renamed(cx: &Cx<'_>, table: &QName, t: &Trigger) -> (QName, Trigger) {
    let to_table = cx.renames.new_table(table);
    let map = |c: &String| cx.renames.new_column(&to_table, c).to_owned();
    let t = Trigger {
        update_of: t.update_of.iter().map(map).collect(),
        columns: t.columns.iter().map(map).collect(),
        ..t.clone()
    };
    (to_table, t)
}

fn diff_triggers(cx: &mut Cx<'_>) {
    let from: BTreeMap<(QName, String), Trigger> = cx
        .from
        .routines
        .triggers
        .iter()
        .map(|((table, name), t)| {
            let (table, t) = renamed(cx, table, t);
            ((table, name.clone()), t)
        })
        .collect();
    let to = cx.to.routines.triggers.clone();
    for ((table, name), old) in &from {
        match to.get(&(table.clone(), name.clone())) {
            None => drop_trigger(cx, table, name, old),
            Some(new) if old.shape() == new.shape() => {
                if old.enabled != new.enabled {
                    set_enabled(cx, table, name, new);
                }
            }
            Some(new) => {
                let same_function = old.function == new.function;
                let columns = cx.to.routines.trigger_tables.get(table);
                let keeps_columns = old
                    .columns
                    .iter()
                    .all(|c| columns.is_some_and(|cs| cs.contains(c)));
                if same_function
                    && keeps_columns
                    && old.unsupported().is_none()
                    && new.unsupported().is_none()
                {
                    replace_trigger(cx, table, name, old, new);
                } else {
                    drop_trigger(cx, table, name, old);
                    create_trigger(cx, table, name, new);
                }
            }
        }
    }
    for ((table, name), new) in &to {
        if !from.contains_key(&(table.clone(), name.clone())) {
            create_trigger(cx, table, name, new);
        }
    }
}

fn drop_trigger(cx: &mut Cx<'_>, table: &QName, name: &str, old: &Trigger) {
    if let Some(why) = old.unsupported() {
        cx.unchecked(
            Phase::DropTriggers,
            format!(
                "trigger {name} on {table} is dropped and {why}; its definition was:\n{}",
                comment(&old.definition)
            ),
            &format!(
                "DROP TRIGGER {} ON {}",
                crate::render::quote_ident(&crate::ident::Ident::new(name)),
                quoted(table)
            ),
        );
        return;
    }
    let b = trigger_def(table, name, old);
    let tn = table.code();
    let mut code = String::new();
    let disabled = old.enabled == 'D';
    if disabled {
        // The down re-creates it enabled: enabled first, the down disables it again.
        code.push_str(&format!("m.enable_trigger({}, {});\n", tn.code, lit(name)));
    }
    code.push_str(&call("drop_trigger_with", &[&b.code]));
    cx.emit(Phase::DropTriggers, code, |m| {
        if disabled {
            m.enable_trigger(tn.value.clone(), name);
        }
        m.drop_trigger_with(b.value);
    });
}

fn create_trigger(cx: &mut Cx<'_>, table: &QName, name: &str, new: &Trigger) {
    if let Some(why) = new.unsupported() {
        let mut sql = new.definition.clone();
        let state = match new.enabled {
            'D' => Some("DISABLE"),
            'R' => Some("ENABLE REPLICA"),
            'A' => Some("ENABLE ALWAYS"),
            _ => None,
        };
        if let Some(state) = state {
            sql.push_str(&format!(
                ";\nALTER TABLE {} {state} TRIGGER {}",
                quoted(table),
                crate::render::quote_ident(&crate::ident::Ident::new(name))
            ));
        }
        cx.unchecked(
            Phase::CreateTriggers,
            format!("trigger {name} on {table} is created and {why}."),
            &sql,
        );
        return;
    }
    let b = trigger_def(table, name, new);
    let tn = table.code();
    let mut code = call("create_trigger", &[&b.code]);
    let disabled = new.enabled == 'D';
    if disabled {
        code.push_str(&format!("\nm.disable_trigger({}, {});", tn.code, lit(name)));
    }
    cx.emit(Phase::CreateTriggers, code, |m| {
        m.create_trigger(b.value);
        if disabled {
            m.disable_trigger(tn.value.clone(), name);
        }
    });
}

fn replace_trigger(cx: &mut Cx<'_>, table: &QName, name: &str, old: &Trigger, new: &Trigger) {
    let o = trigger_def(table, name, old);
    let n = trigger_def(table, name, new);
    let tn = table.code();
    // `CREATE OR REPLACE TRIGGER` enables the trigger: a disabled one is enabled
    // first (so the down, which replaces it back, disables it again) and disabled
    // after when it stays so.
    let (was, stays) = (old.enabled == 'D', new.enabled == 'D');
    let mut code = String::new();
    if was {
        code.push_str(&format!("m.enable_trigger({}, {});\n", tn.code, lit(name)));
    }
    code.push_str(&call("replace_trigger", &[&o.code, &n.code]));
    if stays {
        code.push_str(&format!("\nm.disable_trigger({}, {});", tn.code, lit(name)));
    }
    cx.emit(Phase::CreateTriggers, code, |m| {
        if was {
            m.enable_trigger(tn.value.clone(), name);
        }
        m.replace_trigger(o.value, n.value);
        if stays {
            m.disable_trigger(tn.value.clone(), name);
        }
    });
}

fn set_enabled(cx: &mut Cx<'_>, table: &QName, name: &str, new: &Trigger) {
    let tn = table.code();
    match new.enabled {
        'O' => cx.emit(
            Phase::CreateTriggers,
            format!("m.enable_trigger({}, {});", tn.code, lit(name)),
            |m| {
                m.enable_trigger(tn.value.clone(), name);
            },
        ),
        'D' => cx.emit(
            Phase::CreateTriggers,
            format!("m.disable_trigger({}, {});", tn.code, lit(name)),
            |m| {
                m.disable_trigger(tn.value.clone(), name);
            },
        ),
        state => {
            let sql = format!(
                "ALTER TABLE {} {} TRIGGER {}",
                quoted(table),
                if state == 'R' {
                    "ENABLE REPLICA"
                } else {
                    "ENABLE ALWAYS"
                },
                crate::render::quote_ident(&crate::ident::Ident::new(name))
            );
            cx.unchecked(
                Phase::CreateTriggers,
                format!(
                    "trigger {name} on {table} becomes {}, which the DSL cannot set.",
                    if state == 'R' {
                        "enabled on replicas only"
                    } else {
                        "enabled always"
                    }
                ),
                &sql,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_when_condition_comes_out_of_the_trigger_definition() {
        let def = "CREATE TRIGGER tt BEFORE UPDATE OF status ON public.t FOR EACH ROW \
                   WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION public.trg()";
        assert_eq!(
            when_of(def).as_deref(),
            Some("old.status IS DISTINCT FROM new.status")
        );
        // Quoted names and literals may hold anything.
        let def = "CREATE TRIGGER \"FOR EACH ROW WHEN (x\" AFTER INSERT ON public.t FOR EACH ROW \
                   WHEN (((new.a = ')(''') AND (new.b > 0))) EXECUTE FUNCTION f()";
        assert_eq!(
            when_of(def).as_deref(),
            Some("(new.a = ')(''') AND (new.b > 0)")
        );
        let def = "CREATE TRIGGER t AFTER INSERT ON public.t FOR EACH STATEMENT EXECUTE FUNCTION f('WHEN (')";
        assert_eq!(when_of(def), None);
    }

    #[test]
    fn a_routine_is_created_after_those_its_body_names() {
        let routine = |name: &str, body: &str| {
            let key = RoutineKey {
                name: QName::new("public", name),
                identity: String::new(),
            };
            let mut r = sample();
            r.body = body.to_owned();
            (key, r)
        };
        let created = vec![
            routine("a_total", "SELECT b_net() * c_rate()"),
            routine("b_net", "SELECT c_rate() + 1"),
            routine("c_rate", "SELECT 0.2"),
            routine("d_self", "SELECT d_self_other FROM d_self"),
        ];
        let order: Vec<String> = creation_order(created)
            .into_iter()
            .map(|(k, _)| k.name.name)
            .collect();
        assert_eq!(order, ["c_rate", "b_net", "a_total", "d_self"]);
        assert!(names("select X_Y(1)", "x_y"));
        assert!(!names("select x_yz(1)", "x_y"));
    }

    #[test]
    fn parentheses_come_off_only_when_they_hold_everything() {
        assert_eq!(strip_parens("(a)"), "a");
        assert_eq!(strip_parens("(a) AND (b)"), "(a) AND (b)");
        assert_eq!(strip_parens("((a))"), "(a)");
        assert_eq!(strip_parens("a"), "a");
    }

    #[test]
    fn trigger_arguments_split_at_nul_bytes() {
        assert_eq!(trigger_args(b"a\0b'c\0", 2), ["a", "b'c"]);
        assert_eq!(trigger_args(b"\0", 1), [""]);
        assert!(trigger_args(b"", 0).is_empty());
    }

    #[test]
    fn search_paths_and_settings_read_as_the_dsl_writes_them() {
        assert_eq!(
            setting("search_path=public, pg_temp"),
            Some((
                "search_path".into(),
                vec!["public".into(), "pg_temp".into()]
            ))
        );
        assert_eq!(
            setting(r#"search_path="$user", "My ""Schema""", app"#),
            Some((
                "search_path".into(),
                vec!["$user".into(), r#"My "Schema""#.into(), "app".into()]
            ))
        );
        assert_eq!(
            setting(r#"search_path="""#),
            Some(("search_path".into(), vec![]))
        );
        assert_eq!(
            setting("work_mem=64MB"),
            Some(("work_mem".into(), vec!["64MB".into()]))
        );
        assert_eq!(setting("temp_tablespaces=a, b"), None);
    }

    fn sample() -> Routine {
        Routine {
            procedure: false,
            args: vec![
                Arg {
                    name: "a".into(),
                    mode: 'i',
                    ty: "integer".into(),
                    default: Some("1".into()),
                },
                Arg {
                    name: "b".into(),
                    mode: 'o',
                    ty: "text".into(),
                    default: None,
                },
            ],
            table: vec![],
            returns: "text".into(),
            returns_set: false,
            language: "sql".into(),
            volatility: 'i',
            strict: true,
            security_definer: false,
            parallel: 's',
            config: vec!["search_path=\"\"".into()],
            body: "SELECT 'x'".into(),
            unsupported: vec![],
            definition: String::new(),
            used_by_tables: false,
            uses_row_type: false,
        }
    }

    #[test]
    fn a_function_with_defaults_and_outputs_reads_as_a_builder_chain() {
        let key = RoutineKey {
            name: QName::new("app", "f"),
            identity: "a integer".into(),
        };
        let b = function_def(&key, &sample()).unwrap();
        assert_eq!(
            b.code,
            "FunctionDef::new(\"app.f\")\n    \
             .param(FunctionArg::new(\"a\", Integer).default(Expr::cust(\"1\")))\n    \
             .out_arg(\"b\", Text)\n    .language(\"sql\")\n    .immutable()\n    .strict()\n    \
             .parallel_safe()\n    .empty_search_path()\n    .body(\"SELECT 'x'\")"
        );
        assert_eq!(b.value.args.len(), 2);
        assert!(b.value.returns.is_none());
    }
}
