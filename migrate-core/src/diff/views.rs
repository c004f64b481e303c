//! Views, materialized views, comments, row level security and policies.
//!
//! Views are compared by the text PostgreSQL prints for them (`pg_get_viewdef(oid,
//! true)`, read with `search_path = pg_catalog` so every name is qualified), their
//! columns and their options. A view changed so that `CREATE OR REPLACE VIEW` can
//! take it (the same leading columns, with the same names, types and collations) is
//! replaced; otherwise it is dropped and created again, and so is every view that
//! reads it, and every view over a table whose column changes type. Drops run
//! dependants first, creations dependencies first (`pg_depend` of the views' rules).
//!
//! Comments are set, changed and removed with `change_comment`, which knows the
//! comment it replaces: the comment of an object that goes away is removed before
//! the object is dropped, so the down puts it back; the comment of an object created
//! is set after it. Row level security flags and policies follow their tables.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{QName, Scope, get};
use super::code::{self, lit};
use super::emit::{Cx, Phase};
use crate::error::Error;
use crate::ident::{Ident, ObjectName};
use crate::rule::Rule;
use crate::snapshot::catalog::{HISTORY, NS, own};
use crate::step::{CheckOption, CommentTarget, PolicyCommand, PolicyDef, RoleSpec, ViewDef};

/// Views, materialized views, comments, row level security and policies.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    /// Views and materialized views.
    pub(crate) views: BTreeMap<QName, View>,
    /// Comments (`COMMENT ON`), by what they are on.
    pub(crate) comments: BTreeMap<On, String>,
    /// Tables with row level security enabled or forced.
    pub(crate) row_security: BTreeMap<QName, RowSecurity>,
    /// Policies, by table and name.
    pub(crate) policies: BTreeMap<(QName, String), Policy>,
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.views.is_empty()
            && self.comments.is_empty()
            && self.row_security.is_empty()
            && self.policies.is_empty()
    }
}

/// A view or a materialized view.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct View {
    pub(crate) materialized: bool,
    /// `pg_get_viewdef(oid, true)`, without its leading space and final `;`.
    pub(crate) definition: String,
    pub(crate) columns: Vec<ViewColumn>,
    /// `security_barrier` (reloptions).
    pub(crate) security_barrier: bool,
    /// `security_invoker` (reloptions, PostgreSQL 15+).
    pub(crate) security_invoker: bool,
    /// `check_option` (reloptions).
    pub(crate) check_option: Option<CheckOption>,
    /// Whether a materialized view holds data (`WITH NO DATA` leaves it empty): not
    /// compared, used when it is created.
    pub(crate) populated: bool,
    /// The relations (tables, views, materialized views) its query reads.
    pub(crate) reads: BTreeSet<QName>,
    /// The columns of those relations its query reads.
    pub(crate) reads_columns: BTreeSet<(QName, String)>,
}

impl View {
    /// Whether the two are the same view (data and dependencies aside).
    fn same(&self, other: &View) -> bool {
        self.materialized == other.materialized
            && self.definition == other.definition
            && self.columns == other.columns
            && self.security_barrier == other.security_barrier
            && self.security_invoker == other.security_invoker
            && self.check_option == other.check_option
    }
}

/// A column of a view, as `CREATE OR REPLACE VIEW` compares them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ViewColumn {
    pub(crate) name: String,
    /// `format_type`.
    pub(crate) ty: String,
    /// `regcollation`, empty for none.
    pub(crate) collation: String,
}

/// What a comment is on: the kinds of the DSL's [`CommentTarget`], and the kinds it
/// has none for (which become `unchecked_sql`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum On {
    Schema(String),
    Table(QName),
    View(QName),
    MaterializedView(QName),
    Index(QName),
    Sequence(QName),
    Type(QName),
    /// A column of a relation.
    Column(QName, String),
    Constraint(QName, String),
    Trigger(QName, String),
    /// A function, by its input argument types (`format_type`).
    Function(QName, Vec<String>),
    Procedure(QName, Vec<String>),
    /// A foreign table (`COMMENT ON FOREIGN TABLE`; the DSL has no target for it).
    ForeignTable(QName),
}

/// Row level security of a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RowSecurity {
    pub(crate) enabled: bool,
    pub(crate) forced: bool,
}

/// A role a policy applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Public,
    Named(String),
}

/// A policy of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) restrictive: bool,
    pub(crate) command: Command,
    /// Sorted; `[Public]` is PostgreSQL's default.
    pub(crate) roles: Vec<Role>,
    /// `pg_get_expr(polqual)`.
    pub(crate) using: Option<String>,
    /// `pg_get_expr(polwithcheck)`.
    pub(crate) with_check: Option<String>,
}

/// A policy's command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

// ----- reading -------------------------------------------------------------------------

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    read_views(scope, &mut part).await?;
    read_comments(scope, &mut part).await?;
    read_policies(scope, &mut part).await?;
    Ok(part)
}

async fn read_views(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    let views = format!(
        "c.relkind IN ('v', 'm') AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
        own("pg_class", "c.oid")
    );
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind = 'm', \
             pg_get_viewdef(c.oid, true), coalesce(c.reloptions, '{{}}')::text[], \
             c.relispopulated \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {views}"
        ))
        .await?;
    for row in rows {
        let name = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let definition: String = get(&row, 3)?;
        let options: Vec<String> = get(&row, 4)?;
        let mut view = View {
            materialized: get(&row, 2)?,
            definition: trim_definition(&definition),
            populated: get(&row, 5)?,
            ..View::default()
        };
        for option in options {
            let (key, value) = option.split_once('=').unwrap_or((option.as_str(), "true"));
            match key {
                "security_barrier" => view.security_barrier = truthy(value),
                "security_invoker" => view.security_invoker = truthy(value),
                "check_option" if value.eq_ignore_ascii_case("local") => {
                    view.check_option = Some(CheckOption::Local);
                }
                "check_option" if value.eq_ignore_ascii_case("cascaded") => {
                    view.check_option = Some(CheckOption::Cascaded);
                }
                _ => {}
            }
        }
        part.views.insert(name, view);
    }
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, a.attname::text, \
             format_type(a.atttypid, a.atttypmod), \
             CASE WHEN a.attcollation = 0 THEN '' ELSE a.attcollation::regcollation::text END \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE a.attnum > 0 AND NOT a.attisdropped AND {views} \
             ORDER BY 1, 2, a.attnum"
        ))
        .await?;
    for row in rows {
        let name = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        if let Some(view) = part.views.get_mut(&name) {
            view.columns.push(ViewColumn {
                name: get(&row, 2)?,
                ty: get(&row, 3)?,
                collation: get(&row, 4)?,
            });
        }
    }
    // What each view's rule reads: relations, and their columns.
    let rows = scope
        .query(&format!(
            "SELECT DISTINCT n.nspname::text, c.relname::text, rn.nspname::text, \
             rc.relname::text, coalesce(a.attname::text, '') \
             FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid \
             JOIN pg_class c ON c.oid = r.ev_class \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class rc ON rc.oid = d.refobjid \
             JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
             LEFT JOIN pg_attribute a ON d.refobjsubid > 0 AND a.attrelid = rc.oid \
               AND a.attnum = d.refobjsubid \
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass \
             AND d.deptype = 'n' AND rc.oid <> c.oid AND {views}"
        ))
        .await?;
    for row in rows {
        let name = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let read = QName::new(get::<String>(&row, 2)?, get::<String>(&row, 3)?);
        let column: String = get(&row, 4)?;
        if let Some(view) = part.views.get_mut(&name) {
            if !column.is_empty() {
                view.reads_columns.insert((read.clone(), column));
            }
            view.reads.insert(read);
        }
    }
    Ok(())
}

/// `pg_get_viewdef` text without the leading space of its first line and its `;`.
fn trim_definition(definition: &str) -> String {
    let trimmed = definition.trim_end();
    let trimmed = trimmed.strip_suffix(';').unwrap_or(trimmed).trim_end();
    trimmed.trim_start().to_owned()
}

/// A boolean reloption as PostgreSQL accepts it.
fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "on" | "yes" | "1" | "t" | "y"
    )
}

async fn read_comments(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    let rel_own = own("pg_class", "c.oid");
    let not_history = format!(
        "c.oid NOT IN ({HISTORY}) AND NOT EXISTS (SELECT FROM pg_index hi \
         WHERE hi.indexrelid = c.oid AND hi.indrelid IN ({HISTORY}))"
    );
    let args = "array(SELECT format_type(u.t, NULL) FROM unnest(p.proargtypes) \
                WITH ORDINALITY u(t, i) ORDER BY u.i)";
    let sql = format!(
        "SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
           WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' \
           WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'table' END, \
           n.nspname::text, c.relname::text, '', '{{}}'::text[], d.description \
         FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 AND {NS} \
         AND {not_history} AND {rel_own} \
         UNION ALL \
         SELECT 'column', n.nspname::text, c.relname::text, a.attname::text, '{{}}', \
           d.description \
         FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
         WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0 AND {NS} \
         AND {not_history} AND {rel_own} \
         UNION ALL \
         SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, \
           n.nspname::text, p.proname::text, '', {args}, d.description \
         FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE d.classoid = 'pg_proc'::regclass AND p.prokind IN ('f', 'p', 'w') AND {NS} \
         AND {proc_own} \
         UNION ALL \
         SELECT 'constraint', n.nspname::text, c.relname::text, co.conname::text, '{{}}', \
           d.description \
         FROM pg_description d JOIN pg_constraint co ON co.oid = d.objoid \
         JOIN pg_class c ON c.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE d.classoid = 'pg_constraint'::regclass AND {NS} AND {not_history} \
         AND {rel_own} \
         UNION ALL \
         SELECT 'trigger', n.nspname::text, c.relname::text, tg.tgname::text, '{{}}', \
           d.description \
         FROM pg_description d JOIN pg_trigger tg ON tg.oid = d.objoid \
         JOIN pg_class c ON c.oid = tg.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE d.classoid = 'pg_trigger'::regclass AND NOT tg.tgisinternal AND {NS} \
         AND {not_history} AND {rel_own} \
         UNION ALL \
         SELECT 'schema', n.nspname::text, '', '', '{{}}', d.description \
         FROM pg_description d JOIN pg_namespace n ON n.oid = d.objoid \
         WHERE d.classoid = 'pg_namespace'::regclass AND {NS} AND n.nspname <> $3::text \
         AND {ns_own} \
         UNION ALL \
         SELECT 'type', n.nspname::text, t.typname::text, '', '{{}}', d.description \
         FROM pg_description d JOIN pg_type t ON t.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE d.classoid = 'pg_type'::regclass AND {NS} AND {type_own}",
        proc_own = own("pg_proc", "p.oid"),
        ns_own = own("pg_namespace", "n.oid"),
        type_own = own("pg_type", "t.oid"),
    );
    for row in scope.query(&sql).await? {
        let kind: String = get(&row, 0)?;
        let schema: String = get(&row, 1)?;
        let name = QName::new(schema.clone(), get::<String>(&row, 2)?);
        let sub: String = get(&row, 3)?;
        let args: Vec<String> = get(&row, 4)?;
        let on = match kind.as_str() {
            "table" => On::Table(name),
            "view" => On::View(name),
            "materialized view" => On::MaterializedView(name),
            "index" => On::Index(name),
            "sequence" => On::Sequence(name),
            "type" => On::Type(name),
            "foreign table" => On::ForeignTable(name),
            "column" => On::Column(name, sub),
            "constraint" => On::Constraint(name, sub),
            "trigger" => On::Trigger(name, sub),
            "function" => On::Function(name, args),
            "procedure" => On::Procedure(name, args),
            _ => On::Schema(schema),
        };
        part.comments.insert(on, get(&row, 5)?);
    }
    Ok(())
}

async fn read_policies(scope: &Scope<'_>, part: &mut Part) -> Result<(), Error> {
    let tables = format!(
        "{NS} AND c.oid NOT IN ({HISTORY}) AND {}",
        own("pg_class", "c.oid")
    );
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, c.relrowsecurity, c.relforcerowsecurity \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) \
             AND {tables}"
        ))
        .await?;
    for row in rows {
        let name = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        part.row_security.insert(
            name,
            RowSecurity {
                enabled: get(&row, 2)?,
                forced: get(&row, 3)?,
            },
        );
    }
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text, c.relname::text, p.polname::text, p.polpermissive, \
             p.polcmd::text, \
             array(SELECT CASE WHEN r.r = 0 THEN '' ELSE pg_get_userbyid(r.r)::text END \
               FROM unnest(p.polroles) r(r) ORDER BY 1), \
             pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) \
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {tables}"
        ))
        .await?;
    for row in rows {
        let table = QName::new(get::<String>(&row, 0)?, get::<String>(&row, 1)?);
        let command = match get::<String>(&row, 4)?.as_str() {
            "r" => Command::Select,
            "a" => Command::Insert,
            "w" => Command::Update,
            "d" => Command::Delete,
            _ => Command::All,
        };
        let mut roles: Vec<Role> = get::<Vec<String>>(&row, 5)?
            .into_iter()
            .map(|r| {
                if r.is_empty() {
                    Role::Public
                } else {
                    Role::Named(r)
                }
            })
            .collect();
        roles.sort();
        part.policies.insert(
            (table, get(&row, 2)?),
            Policy {
                restrictive: !get::<bool>(&row, 3)?,
                command,
                roles,
                using: get(&row, 6)?,
                with_check: get(&row, 7)?,
            },
        );
    }
    Ok(())
}

// ----- comparing -----------------------------------------------------------------------

pub(crate) fn diff(cx: &mut Cx<'_>) {
    let recreated = views(cx);
    comments(cx, &recreated);
    row_security(cx);
    policies(cx);
}

/// The views and materialized views (by name) that are dropped and created again
/// rather than left alone or replaced: changed materialized views, views whose
/// change `CREATE OR REPLACE VIEW` cannot make, views over a table whose column
/// changes type ([`Facts::retyped_tables`](super::emit::Facts)) or over a column
/// that goes away, and every view that reads one of them. Their indexes, triggers
/// and comments go with the drop: the families of those see them here.
pub(crate) fn recreated(cx: &Cx<'_>) -> BTreeSet<QName> {
    let (from, to) = (&cx.from.views.views, &cx.to.views.views);
    let mut seeds = BTreeSet::new();
    for (name, old) in from {
        let Some(new) = to.get(name) else { continue };
        if renamed_reads(cx, old) {
            continue;
        }
        let retyped = old
            .reads
            .iter()
            .any(|t| cx.facts.retyped_tables.contains(&cx.renames.new_table(t)));
        if retyped || (!old.same(new) && !replaceable(cx, name, old, new)) {
            seeds.insert(name.clone());
        }
    }
    let reads: BTreeMap<QName, BTreeSet<QName>> = from
        .iter()
        .map(|(name, view)| (name.clone(), view.reads.clone()))
        .collect();
    with_dependants(&reads, seeds)
        .into_iter()
        .filter(|v| to.contains_key(v))
        .collect()
}

/// Whether `CREATE OR REPLACE VIEW` takes `old` to `new` with a down that works: both
/// plain views, the old columns the new ones' first (same names, types and
/// collations), no column of another table read that goes away, and no view reads it
/// when columns are added (the down of an added column drops the view).
fn replaceable(cx: &Cx<'_>, name: &QName, old: &View, new: &View) -> bool {
    if old.materialized || new.materialized || old.columns.len() > new.columns.len() {
        return false;
    }
    if old.columns.iter().zip(&new.columns).any(|(a, b)| a != b) {
        return false;
    }
    // A column or table that goes away must lose its view before the drop.
    let gone = old.reads_columns.iter().any(|(table, column)| {
        cx.from.tables.has_table(table) && {
            let t = cx.renames.new_table(table);
            !cx.to
                .tables
                .has_column(&t, cx.renames.new_column(&t, column))
        }
    });
    if gone {
        return false;
    }
    let adds = new.columns.len() > old.columns.len();
    !(adds && cx.to.views.views.values().any(|v| v.reads.contains(name)))
}

/// Whether the view reads a table or column that the migration renames: PostgreSQL
/// renames it inside the view, but the generator cannot write the old definition in
/// the new names.
fn renamed_reads(cx: &Cx<'_>, view: &View) -> bool {
    view.reads.iter().any(|t| cx.renames.is_renamed_table(t))
        || view.reads_columns.iter().any(|(t, c)| {
            let t = cx.renames.new_table(t);
            cx.renames.new_column(&t, c) != c
        })
}

/// `seeds` and every view that reads one of them, directly or through others
/// (`reads`: each view to the relations it reads).
fn with_dependants(
    reads: &BTreeMap<QName, BTreeSet<QName>>,
    seeds: BTreeSet<QName>,
) -> BTreeSet<QName> {
    let mut out = seeds;
    loop {
        let more: Vec<QName> = reads
            .iter()
            .filter(|(v, r)| !out.contains(*v) && r.iter().any(|x| out.contains(x)))
            .map(|(v, _)| v.clone())
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// `nodes` in dependency order (what a view reads first), ties by name; `reads` as
/// for [`with_dependants`]. A cycle (which PostgreSQL does not allow) ends in name
/// order.
fn dependencies_first(
    nodes: &BTreeSet<QName>,
    reads: &BTreeMap<QName, BTreeSet<QName>>,
) -> Vec<QName> {
    let mut left: BTreeSet<QName> = nodes.clone();
    let mut out = Vec::new();
    while !left.is_empty() {
        let ready: Vec<QName> = left
            .iter()
            .filter(|v| {
                reads
                    .get(*v)
                    .is_none_or(|r| r.iter().all(|x| x == *v || !left.contains(x)))
            })
            .cloned()
            .collect();
        let ready = if ready.is_empty() {
            left.iter().cloned().collect()
        } else {
            ready
        };
        for v in ready {
            left.remove(&v);
            out.push(v);
        }
    }
    out
}

fn reads_of(views: &BTreeMap<QName, View>) -> BTreeMap<QName, BTreeSet<QName>> {
    views
        .iter()
        .map(|(name, view)| (name.clone(), view.reads.clone()))
        .collect()
}

/// Views: drops (dependants first), then creations and replacements (dependencies
/// first). Returns the views dropped and created again, and those replaced with
/// added columns (whose down drops them): their comments are taken off and put back.
fn views(cx: &mut Cx<'_>) -> BTreeSet<QName> {
    let from = cx.from.views.views.clone();
    let to = cx.to.views.views.clone();
    let recreated = recreated(cx);
    let mut drops = BTreeSet::new();
    let mut creates = BTreeSet::new();
    let mut replaces = BTreeSet::new();
    let mut review = BTreeSet::new();
    for (name, old) in &from {
        match to.get(name) {
            None => {
                drops.insert(name.clone());
            }
            Some(_) if recreated.contains(name) => {
                drops.insert(name.clone());
                creates.insert(name.clone());
            }
            Some(new) if old.same(new) => {}
            Some(_) if renamed_reads(cx, old) => {
                review.insert(name.clone());
            }
            Some(_) => {
                replaces.insert(name.clone());
            }
        }
    }
    for name in to.keys() {
        if !from.contains_key(name) {
            creates.insert(name.clone());
        }
    }
    let mut order = dependencies_first(&drops, &reads_of(&from));
    order.reverse();
    for name in order {
        let old = &from[&name];
        let again = creates.contains(&name) && keeps_columns(old, to.get(&name));
        drop_view(cx, &name, old, again);
    }
    let changes: BTreeSet<QName> = creates
        .iter()
        .chain(&replaces)
        .chain(&review)
        .cloned()
        .collect();
    let mut commented = recreated.clone();
    for name in dependencies_first(&changes, &reads_of(&to)) {
        let new = &to[&name];
        if review.contains(&name) {
            let sql = format!(
                "CREATE OR REPLACE VIEW {} AS {}",
                crate::render::quote_name(&name.code().value),
                new.definition
            );
            cx.unchecked(
                Phase::CreateViews,
                format!(
                    "view {name} reads a table or column that this migration renames, and \
                     PostgreSQL renames it inside the view too; this is the view's new \
                     definition: keep it only if the rename alone does not give it, with \
                     the old definition (in the new names) as its down"
                ),
                &sql,
            );
        } else if replaces.contains(&name) {
            let old = &from[&name];
            if old.columns.len() < new.columns.len() {
                commented.insert(name.clone());
            }
            replace_view(cx, &name, old, new);
        } else {
            create_view(cx, &name, new);
        }
    }
    commented
}

/// The query's value and source, as an argument on a line of its own (at column 8
/// of the file).
fn query(sql: &str) -> (String, String) {
    code::sql_block(sql, 8, 4)
}

/// `.security_barrier()` and the rest, for a view's definition.
fn view_options(view: &View) -> Vec<&'static str> {
    let mut out = Vec::new();
    if view.security_barrier {
        out.push(".security_barrier()");
    }
    if view.security_invoker {
        out.push(".security_invoker()");
    }
    match view.check_option {
        Some(CheckOption::Local) => out.push(".check_option(CheckOption::Local)"),
        Some(CheckOption::Cascaded) => out.push(".check_option(CheckOption::Cascaded)"),
        _ => {}
    }
    out
}

fn apply_view_options(def: &mut ViewDef, view: &View) {
    if view.security_barrier {
        def.security_barrier();
    }
    if view.security_invoker {
        def.security_invoker();
    }
    if let Some(option) = view.check_option {
        def.check_option(option);
    }
}

/// `m.<method>(name, query)` with chained calls, on one line when it fits.
fn call(method: &str, name: &str, query: &str, chain: &[&str]) -> String {
    let long = query.contains('\n') || method.len() + name.len() + query.len() > 80;
    let (mut out, sep) = if long {
        (format!("m.{method}(\n    {name},\n    {query},\n)"), "\n")
    } else {
        (format!("m.{method}({name}, {query})"), "\n    ")
    };
    for c in chain {
        out.push_str(sep);
        out.push_str(c);
    }
    out.push(';');
    out
}

/// What a drop of a view created again in the same migration tells the lint: its
/// readers see it again, with the same columns, once the migration commits.
const AGAIN: &str = "created again below, with the same columns, in the same transaction";

/// Whether readers of the view see the same columns after it is created again (the
/// old ones first, unchanged).
fn keeps_columns(old: &View, new: Option<&View>) -> bool {
    new.is_some_and(|new| {
        old.columns.len() <= new.columns.len()
            && old.columns.iter().zip(&new.columns).all(|(a, b)| a == b)
    })
}

fn drop_view(cx: &mut Cx<'_>, name: &QName, view: &View, again: bool) {
    let n = name.code();
    let (sql, sql_code) = query(&view.definition);
    let allow = |code: String| {
        if again {
            format!("{code}\nm.allow(Rule::BreakingChange, {});", lit(AGAIN))
        } else {
            code
        }
    };
    if view.materialized {
        let chain: &[&str] = if view.populated {
            &[]
        } else {
            &[".with_no_data()"]
        };
        let code = allow(call(
            "drop_materialized_view_with",
            &n.code,
            &sql_code,
            chain,
        ));
        let populated = view.populated;
        cx.emit(Phase::DropViews, code, |m| {
            let def = m.drop_materialized_view_with(n.value, sql);
            if !populated {
                def.with_no_data();
            }
            if again {
                m.allow(Rule::BreakingChange, AGAIN);
            }
        });
    } else {
        let code = allow(call(
            "drop_view_with",
            &n.code,
            &sql_code,
            &view_options(view),
        ));
        cx.emit(Phase::DropViews, code, |m| {
            apply_view_options(m.drop_view_with(n.value, sql), view);
            if again {
                m.allow(Rule::BreakingChange, AGAIN);
            }
        });
    }
}

fn create_view(cx: &mut Cx<'_>, name: &QName, view: &View) {
    let n = name.code();
    let (sql, sql_code) = query(&view.definition);
    if view.materialized {
        let chain: &[&str] = if view.populated {
            &[]
        } else {
            &[".with_no_data()"]
        };
        let code = call("create_materialized_view", &n.code, &sql_code, chain);
        let populated = view.populated;
        cx.emit(Phase::CreateViews, code, |m| {
            let def = m.create_materialized_view(n.value, sql);
            if !populated {
                def.with_no_data();
            }
        });
    } else {
        let code = call("create_view", &n.code, &sql_code, &view_options(view));
        cx.emit(Phase::CreateViews, code, |m| {
            apply_view_options(m.create_view(n.value, sql), view);
        });
    }
}

/// A closure refining a view's definition: `|v| { v.security_barrier(); }`.
fn view_closure(options: &[&str]) -> String {
    format!("|v| {{\n    v{};\n}}", options.join(""))
}

fn replace_view(cx: &mut Cx<'_>, name: &QName, old: &View, new: &View) {
    let n = name.code();
    let (old_sql, old_code) = query(&old.definition);
    let (new_sql, new_code) = query(&new.definition);
    let same_columns = old.columns == new.columns;
    let mut code = format!(
        "m.replace_view(\n    {},\n    {old_code},\n    {new_code},\n)",
        n.code
    );
    if same_columns {
        code.push_str("\n.same_columns()");
    }
    let (old_options, new_options) = (view_options(old), view_options(new));
    if !old_options.is_empty() {
        code.push_str(&format!("\n.old_view({})", view_closure(&old_options)));
    }
    if !new_options.is_empty() {
        code.push_str(&format!("\n.new_view({})", view_closure(&new_options)));
    }
    code.push(';');
    cx.emit(Phase::CreateViews, code, |m| {
        let r = m.replace_view(n.value, old_sql, new_sql);
        if same_columns {
            r.same_columns();
        }
        if !old_options.is_empty() {
            r.old_view(|v| apply_view_options(v, old));
        }
        if !new_options.is_empty() {
            r.new_view(|v| apply_view_options(v, new));
        }
    });
}

// ----- comments ------------------------------------------------------------------------

/// A comment's target in the names of "to" (a renamed table's comments follow it).
fn renamed(cx: &Cx<'_>, on: &On) -> On {
    let table = |t: &QName| cx.renames.new_table(t);
    match on {
        On::Table(t) => On::Table(table(t)),
        On::Column(t, c) => {
            let t = table(t);
            let c = cx.renames.new_column(&t, c).to_owned();
            On::Column(t, c)
        }
        On::Constraint(t, c) => On::Constraint(table(t), c.clone()),
        On::Trigger(t, c) => On::Trigger(table(t), c.clone()),
        other => other.clone(),
    }
}

/// The DSL's target for a comment, with its source; `None` for a kind the DSL has no
/// target for.
fn target(on: &On) -> Option<(CommentTarget, String)> {
    let one = |f: fn(ObjectName) -> CommentTarget, fname: &str, q: &QName| {
        let n = q.code();
        (f(n.value), format!("CommentTarget::{fname}({})", n.code))
    };
    let sub = |f: fn(ObjectName, Ident) -> CommentTarget, fname: &str, q: &QName, s: &str| {
        let n = q.code();
        (
            f(n.value, Ident::new(s)),
            format!("CommentTarget::{fname}({}, {})", n.code, lit(s)),
        )
    };
    let routine = |procedure: bool, q: &QName, args: &[String]| {
        let n = q.code();
        let (types, codes): (Vec<_>, Vec<_>) = args.iter().map(|a| code::column_type(a)).unzip();
        let fname = if procedure { "procedure" } else { "function" };
        let code = format!("CommentTarget::{fname}({}, [{}])", n.code, codes.join(", "));
        let target = if procedure {
            CommentTarget::procedure(n.value, types)
        } else {
            CommentTarget::function(n.value, types)
        };
        (target, code)
    };
    Some(match on {
        On::Schema(s) => (
            CommentTarget::schema(s.as_str()),
            format!("CommentTarget::schema({})", lit(s)),
        ),
        On::Table(q) => one(CommentTarget::table, "table", q),
        On::View(q) => one(CommentTarget::view, "view", q),
        On::MaterializedView(q) => one(CommentTarget::materialized_view, "materialized_view", q),
        On::Index(q) => one(CommentTarget::index, "index", q),
        On::Sequence(q) => one(CommentTarget::sequence, "sequence", q),
        On::Type(q) => one(CommentTarget::ty, "ty", q),
        On::Column(q, c) => sub(CommentTarget::column, "column", q, c),
        On::Constraint(q, c) => sub(CommentTarget::constraint, "constraint", q, c),
        On::Trigger(q, c) => sub(CommentTarget::trigger, "trigger", q, c),
        On::Function(q, args) => routine(false, q, args),
        On::Procedure(q, args) => routine(true, q, args),
        On::ForeignTable(_) => return None,
    })
}

/// The relation a comment is on or in (a view's comment, its columns' comments).
fn relation(on: &On) -> Option<&QName> {
    match on {
        On::View(q) | On::MaterializedView(q) | On::Column(q, _) => Some(q),
        _ => None,
    }
}

fn opt(comment: Option<&str>) -> String {
    comment.map_or_else(|| "None".to_owned(), |c| format!("Some({})", lit(c)))
}

fn comments(cx: &mut Cx<'_>, recreated: &BTreeSet<QName>) {
    let from: BTreeMap<On, String> = cx
        .from
        .views
        .comments
        .iter()
        .map(|(on, c)| (renamed(cx, on), c.clone()))
        .collect();
    let to = cx.to.views.comments.clone();
    let others = cx.facts.recreated.clone();
    // Whether the object goes away and comes back: its comment with it.
    let again = |on: &On| {
        relation(on).is_some_and(|q| recreated.contains(q))
            || target(on).is_some_and(|(t, _)| {
                others.contains(&t)
                    || match &t {
                        CommentTarget::Column(table, _) => {
                            others.contains(&CommentTarget::Table(table.clone()))
                        }
                        _ => false,
                    }
            })
    };
    let keys: BTreeSet<&On> = from.keys().chain(to.keys()).collect();
    let mut removals = Vec::new();
    let mut sets = Vec::new();
    for on in keys {
        let (old, new) = (from.get(on), to.get(on));
        match (old, new) {
            (Some(old), Some(new)) if old == new && !again(on) => {}
            (Some(old), Some(new)) if !again(on) => sets.push((on, Some(old), Some(new))),
            (Some(old), Some(new)) => {
                removals.push((on, Some(old), None));
                sets.push((on, None, Some(new)));
            }
            (Some(old), None) => removals.push((on, Some(old), None)),
            (None, Some(new)) => sets.push((on, None, Some(new))),
            (None, None) => {}
        }
    }
    for (phase, list) in [(Phase::DropComments, removals), (Phase::SetComments, sets)] {
        for (on, old, new) in list {
            comment(
                cx,
                phase,
                on,
                old.map(String::as_str),
                new.map(String::as_str),
            );
        }
    }
}

fn comment(cx: &mut Cx<'_>, phase: Phase, on: &On, old: Option<&str>, new: Option<&str>) {
    let Some((target, target_code)) = target(on) else {
        if let On::ForeignTable(q) = on {
            let sql = format!(
                "COMMENT ON FOREIGN TABLE {} IS {}",
                crate::render::quote_name(&q.code().value),
                new.map_or_else(|| "NULL".to_owned(), crate::render::literal)
            );
            cx.unchecked(
                phase,
                format!("the DSL has no comment target for foreign table {q}"),
                &sql,
            );
        }
        return;
    };
    let code = format!(
        "m.change_comment({target_code}, {}, {});",
        opt(old),
        opt(new)
    );
    cx.emit(phase, code, |m| {
        m.change_comment(target, old, new);
    });
}

// ----- row level security and policies -------------------------------------------------

fn row_security(cx: &mut Cx<'_>) {
    let from: BTreeMap<QName, RowSecurity> = cx
        .from
        .views
        .row_security
        .iter()
        .map(|(t, s)| (cx.renames.new_table(t), *s))
        .collect();
    let to = cx.to.views.row_security.clone();
    let tables: BTreeSet<&QName> = from.keys().chain(to.keys()).collect();
    for table in tables {
        let old = from.get(table).copied().unwrap_or_default();
        let new = to.get(table).copied().unwrap_or_default();
        let n = table.code();
        // Turned off (before policies and tables are dropped), forcing first.
        if old.forced && !new.forced {
            let value = n.value.clone();
            cx.emit(
                Phase::DropPolicies,
                format!("m.no_force_row_level_security({});", n.code),
                |m| {
                    m.no_force_row_level_security(value);
                },
            );
        }
        if old.enabled && !new.enabled {
            let value = n.value.clone();
            cx.emit(
                Phase::DropPolicies,
                format!("m.disable_row_level_security({});", n.code),
                |m| {
                    m.disable_row_level_security(value);
                },
            );
        }
        // Turned on (once the table and its policies exist).
        if !old.enabled && new.enabled {
            let value = n.value.clone();
            cx.emit(
                Phase::CreatePolicies,
                format!("m.enable_row_level_security({});", n.code),
                |m| {
                    m.enable_row_level_security(value);
                },
            );
        }
        if !old.forced && new.forced {
            let value = n.value.clone();
            cx.emit(
                Phase::CreatePolicies,
                format!("m.force_row_level_security({});", n.code),
                |m| {
                    m.force_row_level_security(value);
                },
            );
        }
    }
}

/// A policy's refinements: the calls after `create_policy` (or in a closure), and a
/// function that makes them on a [`PolicyDef`].
fn policy_calls(policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    if policy.restrictive {
        out.push(".restrictive()".to_owned());
    }
    match policy.command {
        Command::All => {}
        Command::Select => out.push(".for_select()".to_owned()),
        Command::Insert => out.push(".for_insert()".to_owned()),
        Command::Update => out.push(".for_update()".to_owned()),
        Command::Delete => out.push(".for_delete()".to_owned()),
    }
    if policy.roles != [Role::Public] {
        let keywords = policy.roles.contains(&Role::Public);
        let roles: Vec<String> = policy
            .roles
            .iter()
            .map(|r| match r {
                Role::Public => "RoleSpec::Public".to_owned(),
                Role::Named(n) if keywords => format!("RoleSpec::named({})", lit(n)),
                Role::Named(n) => lit(n),
            })
            .collect();
        out.push(format!(".to([{}])", roles.join(", ")));
    }
    if let Some(using) = &policy.using {
        out.push(format!(".using({})", code::expr(using).1));
    }
    if let Some(check) = &policy.with_check {
        out.push(format!(".with_check({})", code::expr(check).1));
    }
    out
}

fn apply_policy(def: &mut PolicyDef, policy: &Policy) {
    if policy.restrictive {
        def.restrictive();
    }
    def.command(match policy.command {
        Command::All => PolicyCommand::All,
        Command::Select => PolicyCommand::Select,
        Command::Insert => PolicyCommand::Insert,
        Command::Update => PolicyCommand::Update,
        Command::Delete => PolicyCommand::Delete,
    });
    if policy.roles != [Role::Public] {
        def.to(policy.roles.iter().map(|r| match r {
            Role::Public => RoleSpec::Public,
            Role::Named(n) => RoleSpec::named(n.as_str()),
        }));
    }
    if let Some(using) = &policy.using {
        def.using(code::expr(using).0);
    }
    if let Some(check) = &policy.with_check {
        def.with_check(code::expr(check).0);
    }
}

/// `|p| { p.a().b(); }`, or `|_| {}` when there is nothing to say.
fn policy_closure(calls: &[String]) -> String {
    if calls.is_empty() {
        return "|_| {}".to_owned();
    }
    format!("|p| {{\n    p{};\n}}", calls.join("\n        "))
}

fn policies(cx: &mut Cx<'_>) {
    let from: BTreeMap<(QName, String), Policy> = cx
        .from
        .views
        .policies
        .iter()
        .map(|((t, n), p)| ((cx.renames.new_table(t), n.clone()), p.clone()))
        .collect();
    let to = cx.to.views.policies.clone();
    for ((table, name), old) in &from {
        if to.contains_key(&(table.clone(), name.clone())) {
            continue;
        }
        let t = table.code();
        let calls = policy_calls(old);
        let code = format!(
            "m.drop_policy_with({}, {}, {});",
            t.code,
            lit(name),
            policy_closure(&calls)
        );
        cx.emit(Phase::DropPolicies, code, |m| {
            m.drop_policy_with(t.value, name.as_str(), |p| apply_policy(p, old));
        });
    }
    for ((table, name), new) in &to {
        let t = table.code();
        match from.get(&(table.clone(), name.clone())) {
            None => {
                let calls = policy_calls(new);
                let mut code = format!("m.create_policy({}, {})", t.code, lit(name));
                for c in &calls {
                    code.push_str("\n    ");
                    code.push_str(c);
                }
                code.push(';');
                cx.emit(Phase::CreatePolicies, code, |m| {
                    apply_policy(m.create_policy(t.value, name.as_str()), new);
                });
            }
            Some(old) if old == new => {}
            Some(old) => {
                if cx.renames.columns_of(table).next().is_some()
                    || cx.renames.old_table(table) != *table
                {
                    let mut def = PolicyDef::new(t.value.clone(), name.as_str());
                    apply_policy(&mut def, new);
                    cx.unchecked(
                        Phase::CreatePolicies,
                        format!(
                            "policy {name} on {table} changes, and the migration renames its \
                             table or one of its columns: write its old definition in the new \
                             names (an `alter_policy`)"
                        ),
                        &format!(
                            "DROP POLICY {} ON {}",
                            crate::render::quote_ident(&Ident::new(name.as_str())),
                            crate::render::quote_name(&t.value)
                        ),
                    );
                    continue;
                }
                let (old_calls, new_calls) = (policy_calls(old), policy_calls(new));
                let code = format!(
                    "m.alter_policy(\n    {},\n    {},\n    {},\n    {},\n);",
                    t.code,
                    lit(name),
                    code::indent(&policy_closure(&old_calls), 4).trim_start(),
                    code::indent(&policy_closure(&new_calls), 4).trim_start(),
                );
                cx.emit(Phase::CreatePolicies, code, |m| {
                    m.alter_policy(
                        t.value,
                        name.as_str(),
                        |p| apply_policy(p, old),
                        |p| apply_policy(p, new),
                    );
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str) -> QName {
        QName::new("public", name)
    }

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<QName, BTreeSet<QName>> {
        edges
            .iter()
            .map(|(v, r)| (q(v), r.iter().map(|x| q(x)).collect()))
            .collect()
    }

    #[test]
    fn dependants_of_a_retyped_table_are_found_through_other_views() {
        // users <- active <- active_emails; orders <- totals; users <- (nothing else)
        let reads = graph(&[
            ("active", &["users"]),
            ("active_emails", &["active"]),
            ("totals", &["orders"]),
            ("both", &["totals", "active_emails"]),
        ]);
        let seeds: BTreeSet<QName> = reads
            .iter()
            .filter(|(_, r)| r.contains(&q("users")))
            .map(|(v, _)| v.clone())
            .collect();
        let all = with_dependants(&reads, seeds);
        assert_eq!(
            all,
            [q("active"), q("active_emails"), q("both")]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn creations_come_dependencies_first_and_drops_reverse() {
        let reads = graph(&[
            ("a", &["t"]),
            ("b", &["a", "t"]),
            ("c", &["b"]),
            ("aa", &["c", "a"]),
        ]);
        let nodes: BTreeSet<QName> = reads.keys().cloned().collect();
        let order = dependencies_first(&nodes, &reads);
        assert_eq!(order, [q("a"), q("b"), q("c"), q("aa")]);
        // Only the nodes asked for, even if they read others.
        let some: BTreeSet<QName> = [q("c"), q("aa")].into_iter().collect();
        assert_eq!(dependencies_first(&some, &reads), [q("c"), q("aa")]);
    }

    #[test]
    fn definitions_lose_their_leading_space_and_semicolon() {
        assert_eq!(
            trim_definition(" SELECT users.id\n   FROM public.users;"),
            "SELECT users.id\n   FROM public.users"
        );
        assert!(truthy("on") && truthy("true") && !truthy("false"));
    }

    #[test]
    fn policies_say_only_what_is_not_the_default() {
        let mut policy = Policy {
            restrictive: false,
            command: Command::All,
            roles: vec![Role::Public],
            using: None,
            with_check: None,
        };
        assert_eq!(policy_closure(&policy_calls(&policy)), "|_| {}");
        policy.restrictive = true;
        policy.command = Command::Select;
        policy.roles = vec![Role::Named("app".into())];
        policy.using = Some("(owner = CURRENT_USER)".into());
        assert_eq!(
            policy_closure(&policy_calls(&policy)),
            "|p| {\n    p.restrictive()\n        .for_select()\n        .to([\"app\"])\n        \
             .using(Expr::cust(\"(owner = CURRENT_USER)\"));\n}"
        );
        policy.roles = vec![Role::Public, Role::Named("app".into())];
        assert!(
            policy_calls(&policy)
                .contains(&".to([RoleSpec::Public, RoleSpec::named(\"app\")])".to_owned())
        );
    }

    fn view(definition: &str, reads: &[&str]) -> View {
        View {
            definition: definition.to_owned(),
            columns: vec![ViewColumn {
                name: "id".into(),
                ty: "integer".into(),
                collation: String::new(),
            }],
            populated: true,
            reads: reads.iter().map(|r| q(r)).collect(),
            ..View::default()
        }
    }

    #[test]
    fn views_over_a_retyped_table_are_dropped_and_created_again_in_order() {
        use super::super::catalog::Catalog;
        use super::super::renames::Resolved;
        let mut catalog = Catalog::default();
        let views = &mut catalog.views.views;
        views.insert(
            q("active"),
            view("SELECT users.id FROM public.users", &["users"]),
        );
        views.insert(
            q("active_ids"),
            view("SELECT active.id FROM public.active", &["active"]),
        );
        views.insert(
            q("totals"),
            view("SELECT orders.id FROM public.orders", &["orders"]),
        );
        let renames = Resolved::default();
        let mut cx = Cx::new(&catalog, &catalog, &renames);
        assert!(recreated(&cx).is_empty());
        cx.facts.retyped_tables.insert(q("users"));
        assert_eq!(
            recreated(&cx),
            [q("active"), q("active_ids")].into_iter().collect()
        );
        diff(&mut cx);
        let items = cx.finish();
        let calls: Vec<(Phase, String)> = items
            .iter()
            .map(|i| {
                (
                    i.phase,
                    i.code.lines().next().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            calls,
            [
                (
                    Phase::DropViews,
                    r#"m.drop_view_with("active_ids", "SELECT active.id FROM public.active");"#
                        .to_owned()
                ),
                (
                    Phase::DropViews,
                    r#"m.drop_view_with("active", "SELECT users.id FROM public.users");"#
                        .to_owned()
                ),
                (
                    Phase::CreateViews,
                    r#"m.create_view("active", "SELECT users.id FROM public.users");"#.to_owned()
                ),
                (
                    Phase::CreateViews,
                    r#"m.create_view("active_ids", "SELECT active.id FROM public.active");"#
                        .to_owned()
                ),
            ]
        );
        // Same columns after: the drops tell the lint the views come back.
        assert!(items[0].code.contains("m.allow(Rule::BreakingChange"));
    }

    #[test]
    fn multi_line_queries_keep_their_layout_under_the_first_line() {
        let (value, source) = code::sql_block("SELECT a,\n    b\n   FROM t", 8, 4);
        // The source carries the whole shift (the file does not indent inside a raw
        // string): the value is what the literal holds.
        assert_eq!(
            source,
            "r#\"SELECT a,\n              b\n             FROM t\"#"
        );
        assert_eq!(value, "SELECT a,\n              b\n             FROM t");
        // A line break inside a literal stays escaped on one line.
        let (value, source) = code::sql_block("SELECT 'a\nb'\n   FROM t", 8, 4);
        assert_eq!(value, "SELECT 'a\nb'\n   FROM t");
        assert_eq!(source, "\"SELECT 'a\\nb'\\n   FROM t\"");
    }
}
