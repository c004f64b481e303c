//! Reading a snapshot from `pg_catalog`: one query per kind of object, each
//! returning `(key, description)` rows, all in one repeatable-read transaction.
//!
//! Every query takes the same parameters: `$1` schemas to leave out, `$2` the only
//! schemas to read (empty: all), `$3` and `$4` the history table's schema and name.

use std::collections::BTreeMap;

use tokio_postgres::types::Type;
use tokio_postgres::{Client, IsolationLevel};

use super::{Snapshot, SnapshotOptions};
use crate::error::Error;

const CONTEXT: &str = "reading the schema snapshot from the catalog";

/// The schemas read, for a namespace aliased `n`.
pub(crate) const NS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
     AND n.nspname <> ALL($1::text[]) \
     AND (cardinality($2::text[]) = 0 OR n.nspname = ANY($2::text[]))";

/// The history table's oid (no row when it does not exist), and those of the history
/// tables other migration tools keep, by their fixed names (sqlx, diesel, refinery,
/// SeaORM, Flyway): bookkeeping, not schema, in a database adopted from one of them.
pub(crate) const HISTORY: &str = "SELECT hc.oid FROM pg_class hc JOIN pg_namespace hn ON hn.oid = hc.relnamespace \
     WHERE (hn.nspname = $3::text AND hc.relname = $4::text) \
     OR (hc.relkind = 'r' AND hc.relname IN ('_sqlx_migrations', '__diesel_schema_migrations', \
     'refinery_schema_history', 'seaql_migrations', 'flyway_schema_history'))";

/// `<catalog>` object `<oid>` is not a member of an extension.
pub(crate) fn own(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT FROM pg_depend xd WHERE xd.classid = '{catalog}'::regclass \
         AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

/// The non-default options of sequence `s` (a `pg_sequence` row), space separated.
pub(crate) const SEQUENCE_OPTIONS: &str = "concat_ws(' ', \
     CASE WHEN s.seqincrement <> 1 THEN 'increment ' || s.seqincrement END, \
     CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 \
         WHEN s.seqtypid = 'int2'::regtype THEN -32768 \
         WHEN s.seqtypid = 'int4'::regtype THEN -2147483648 \
         ELSE -9223372036854775808 END THEN 'minvalue ' || s.seqmin END, \
     CASE WHEN s.seqmax <> CASE WHEN s.seqincrement < 0 THEN -1 \
         WHEN s.seqtypid = 'int2'::regtype THEN 32767 \
         WHEN s.seqtypid = 'int4'::regtype THEN 2147483647 \
         ELSE 9223372036854775807 END THEN 'maxvalue ' || s.seqmax END, \
     CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END \
         THEN 'start ' || s.seqstart END, \
     CASE WHEN s.seqcache <> 1 THEN 'cache ' || s.seqcache END, \
     CASE WHEN s.seqcycle THEN 'cycle' END)";

/// How a kind's descriptions are kept.
#[derive(Clone, Copy)]
enum Layout {
    /// As the catalog gives them.
    Exact,
    /// Multi-line definitions (views, functions) on one line: each line trimmed,
    /// blank lines dropped, the rest joined with one space.
    OneLine,
}

fn queries(options: &SnapshotOptions) -> Vec<(String, Layout)> {
    let rel = "quote_ident(n.nspname) || '.' || quote_ident(c.relname)";
    let mut queries = vec![
        (
            format!(
                "SELECT 'schema ' || quote_ident(n.nspname), '' FROM pg_namespace n \
                 WHERE {NS} AND n.nspname <> $3::text AND {}",
                own("pg_namespace", "n.oid")
            ),
            Layout::Exact,
        ),
        (
            "SELECT 'extension ' || quote_ident(e.extname), \
             'version ' || e.extversion || ' schema ' || quote_ident(n.nspname) \
             FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                .to_owned(),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT CASE c.relkind WHEN 'f' THEN 'foreign table ' ELSE 'table ' END || {rel}, \
                 concat_ws(' ', \
                   CASE WHEN c.relpersistence = 'u' THEN 'unlogged' END, \
                   CASE WHEN c.relkind = 'p' THEN 'partitioned by ' || pg_get_partkeydef(c.oid) END, \
                   CASE WHEN c.relispartition THEN 'partition of ' || \
                     (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid) \
                     || ' ' || pg_get_expr(c.relpartbound, c.oid) END, \
                   CASE WHEN NOT c.relispartition THEN (SELECT 'inherits ' || \
                     string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) \
                     FROM pg_inherits i WHERE i.inhrelid = c.oid) END, \
                   CASE WHEN c.relrowsecurity THEN 'row level security' END, \
                   CASE WHEN c.relforcerowsecurity THEN 'forced' END) \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'f') AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'column ' || {rel} || '.' || quote_ident(a.attname), \
                 format_type(a.atttypid, a.atttypmod) \
                 || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN \
                      ' collate ' || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) \
                      FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
                      WHERE co.oid = a.attcollation) ELSE '' END \
                 || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END \
                 || CASE WHEN a.attgenerated = 's' THEN \
                      ' generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ') stored' \
                    WHEN ad.adbin IS NOT NULL THEN ' default ' || pg_get_expr(ad.adbin, ad.adrelid) \
                    ELSE '' END \
                 || CASE a.attidentity WHEN 'a' THEN ' identity always' \
                    WHEN 'd' THEN ' identity by default' ELSE '' END \
                 || coalesce((SELECT ' (' || nullif({SEQUENCE_OPTIONS}, '') || ')' \
                      FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid \
                      WHERE a.attidentity <> '' AND d.classid = 'pg_class'::regclass \
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid \
                      AND d.refobjsubid = a.attnum AND d.deptype = 'i' LIMIT 1), '') \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_type t ON t.oid = a.atttypid \
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
                 WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'constraint ' || {rel} || '.' || quote_ident(co.conname), \
                 regexp_replace(pg_get_constraintdef(co.oid), ' NOT VALID$', '') \
                 || CASE WHEN co.convalidated THEN ', valid' ELSE ', not valid' END \
                 FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'index ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname), \
                 pg_get_indexdef(i.indexrelid) \
                 || CASE WHEN i.indisvalid THEN ', valid' ELSE ', invalid' END \
                 || CASE WHEN i.indisclustered THEN ', clustered' ELSE '' END \
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = ic.relnamespace \
                 WHERE {NS} AND i.indrelid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "i.indrelid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'sequence ' || {rel}, \
                 format_type(s.seqtypid, NULL) \
                 || coalesce(' ' || nullif({SEQUENCE_OPTIONS}, ''), '') \
                 || coalesce((SELECT ' owned by ' || d.refobjid::regclass::text || '.' \
                      || quote_ident(a.attname) FROM pg_depend d JOIN pg_attribute a \
                      ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1), '') \
                 FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'S' AND {NS} AND {} \
                 AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                   AND d.objid = c.oid AND d.deptype = 'i')",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'enum ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), \
                 string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 JOIN pg_enum e ON e.enumtypid = t.oid \
                 WHERE t.typtype = 'e' AND {NS} AND {} GROUP BY n.nspname, t.typname",
                own("pg_type", "t.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'domain ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), \
                 format_type(t.typbasetype, t.typtypmod) \
                 || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END \
                 || coalesce(' default ' || t.typdefault, '') \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype = 'd' AND {NS} AND {}",
                own("pg_type", "t.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'domain constraint ' || quote_ident(n.nspname) || '.' \
                 || quote_ident(t.typname) || '.' || quote_ident(co.conname), \
                 regexp_replace(pg_get_constraintdef(co.oid), ' NOT VALID$', '') \
                 || CASE WHEN co.convalidated THEN ', valid' ELSE ', not valid' END \
                 FROM pg_constraint co JOIN pg_type t ON t.oid = co.contypid \
                 JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE {NS} AND {}",
                own("pg_type", "t.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'type ' || {rel}, '(' || coalesce((SELECT string_agg(quote_ident(a.attname) \
                   || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) \
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 \
                   AND NOT a.attisdropped), '') || ')' \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'c' AND {NS} AND {}",
                own("pg_type", "c.reltype")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT CASE c.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || {rel}, \
                 pg_get_viewdef(c.oid) \
                 || coalesce(' with (' || array_to_string(c.reloptions, ', ') || ')', '') \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('v', 'm') AND {NS} AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::OneLine,
        ),
        (
            format!(
                "SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END \
                 || quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
                 || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
                 pg_get_functiondef(p.oid) \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE p.prokind IN ('f', 'p') AND {NS} AND {}",
                own("pg_proc", "p.oid")
            ),
            Layout::OneLine,
        ),
        (
            format!(
                "SELECT 'trigger ' || {rel} || '.' || quote_ident(tg.tgname), \
                 pg_get_triggerdef(tg.oid) || CASE tg.tgenabled WHEN 'D' THEN ', disabled' \
                   WHEN 'R' THEN ', enabled on replica only' WHEN 'A' THEN ', enabled always' \
                   ELSE '' END \
                 FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE NOT tg.tgisinternal AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        // Comments (`COMMENT ON`): `comment <kind> <name>`, the text as description.
        (
            format!(
                "SELECT 'comment ' || CASE c.relkind WHEN 'v' THEN 'view ' \
                   WHEN 'm' THEN 'materialized view ' WHEN 'i' THEN 'index ' WHEN 'I' THEN 'index ' \
                   WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table ' ELSE 'table ' END || {rel}, \
                 d.description \
                 FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment column ' || {rel} || '.' || quote_ident(a.attname), d.description \
                 FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
                 WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0 \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment ' || CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END \
                 || quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
                 || '(' || pg_get_function_identity_arguments(p.oid) || ')', d.description \
                 FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE d.classoid = 'pg_proc'::regclass AND {NS} AND {}",
                own("pg_proc", "p.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment constraint ' || {rel} || '.' || quote_ident(co.conname), \
                 d.description \
                 FROM pg_description d JOIN pg_constraint co ON co.oid = d.objoid \
                 JOIN pg_class c ON c.oid = co.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE d.classoid = 'pg_constraint'::regclass \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment trigger ' || {rel} || '.' || quote_ident(tg.tgname), \
                 d.description \
                 FROM pg_description d JOIN pg_trigger tg ON tg.oid = d.objoid \
                 JOIN pg_class c ON c.oid = tg.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE d.classoid = 'pg_trigger'::regclass \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment schema ' || quote_ident(n.nspname), d.description \
                 FROM pg_description d JOIN pg_namespace n ON n.oid = d.objoid \
                 WHERE d.classoid = 'pg_namespace'::regclass AND {NS} AND {}",
                own("pg_namespace", "n.oid")
            ),
            Layout::Exact,
        ),
        (
            format!(
                "SELECT 'comment type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), \
                 d.description \
                 FROM pg_description d JOIN pg_type t ON t.oid = d.objoid \
                 JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE d.classoid = 'pg_type'::regclass AND {NS} AND {}",
                own("pg_type", "t.oid")
            ),
            Layout::Exact,
        ),
        // A domain's collation, when it is not its base type's (the domain query above
        // leaves it out).
        (
            format!(
                "SELECT 'domain collation ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), \
                 quote_ident(cn.nspname) || '.' || quote_ident(co.collname) \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 JOIN pg_type b ON b.oid = t.typbasetype \
                 JOIN pg_collation co ON co.oid = t.typcollation \
                 JOIN pg_namespace cn ON cn.oid = co.collnamespace \
                 WHERE t.typtype = 'd' AND t.typcollation <> b.typcollation AND {NS} AND {}",
                own("pg_type", "t.oid")
            ),
            Layout::Exact,
        ),
        // Policies: `policy <table>.<name>`, with their kind, command, roles and
        // expressions.
        (
            format!(
                "SELECT 'policy ' || {rel} || '.' || quote_ident(p.polname), \
                 concat_ws(' ', CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END, \
                   'for ' || CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' \
                     WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END, \
                   'to ' || (SELECT string_agg(r.name, ', ' ORDER BY r.name) FROM \
                     (SELECT CASE WHEN pr = 0 THEN 'PUBLIC' \
                       ELSE quote_ident(pg_get_userbyid(pr)) END AS name \
                      FROM unnest(p.polroles) pr) r), \
                   'using (' || pg_get_expr(p.polqual, p.polrelid) || ')', \
                   'with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')') \
                 FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {NS} AND c.oid NOT IN ({HISTORY}) AND {}",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ),
        // Privileges: `grant <object> to <role>` with the role's privileges on it
        // (`SELECT, UPDATE with grant option`), only where they differ from what the
        // object has without any GRANT (its owner's full privileges, and PUBLIC's
        // defaults: EXECUTE on functions, USAGE (and CREATE before PostgreSQL 15) on
        // the `public` schema). A NULL ACL reads as that default, so a GRANT then its
        // REVOKE leaves no trace; a default revoked shows as `none`. Default privileges
        // (`ALTER DEFAULT PRIVILEGES`) are keyed `default privileges for <role> [in
        // schema <schema>] on <kind> to <role>`.
        // Unlike the `schema` keys, the history table's schema is read too (a `REVOKE
        // CREATE ON SCHEMA public FROM PUBLIC` must be seen); the runner grants nothing.
        (
            format!(
                "WITH o AS ( \
                   SELECT 'grant ' || CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' \
                       WHEN 'm' THEN 'materialized view ' WHEN 'f' THEN 'foreign table ' \
                       ELSE 'table ' END || {rel} AS obj, \
                     coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", \
                       c.relowner)) AS acl, \
                     acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner) AS def \
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND {NS} \
                   AND c.oid NOT IN ({HISTORY}) AND {own_class} \
                   UNION ALL \
                   SELECT 'grant column ' || {rel} || '.' || quote_ident(a.attname), a.attacl, NULL \
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND {NS} \
                   AND c.oid NOT IN ({HISTORY}) AND {own_class} \
                   UNION ALL \
                   SELECT 'grant schema ' || quote_ident(n.nspname), \
                     coalesce(n.nspacl, acldefault('n', n.nspowner)), \
                     acldefault('n', n.nspowner) || CASE WHEN n.nspname <> 'public' THEN '{{}}'::aclitem[] \
                       WHEN current_setting('server_version_num')::int >= 150000 \
                       THEN ARRAY[makeaclitem(0, n.nspowner, 'USAGE', false)] \
                       ELSE ARRAY[makeaclitem(0, n.nspowner, 'USAGE', false), \
                         makeaclitem(0, n.nspowner, 'CREATE', false)] END \
                   FROM pg_namespace n WHERE {NS} AND {own_namespace} \
                   UNION ALL \
                   SELECT 'grant ' || CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END \
                     || quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
                     || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
                     coalesce(p.proacl, acldefault('f', p.proowner)), acldefault('f', p.proowner) \
                   FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                   WHERE p.prokind IN ('f', 'p') AND {NS} AND {own_proc} \
                   UNION ALL \
                   SELECT 'default privileges for ' || quote_ident(pg_get_userbyid(d.defaclrole)) \
                     || coalesce(' in schema ' || quote_ident(n.nspname), '') || ' on ' \
                     || CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' \
                       WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' ELSE 'schemas' END, \
                     d.defaclacl, \
                     CASE WHEN d.defaclnamespace = 0 THEN acldefault(CASE d.defaclobjtype \
                       WHEN 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole) END \
                   FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace \
                   WHERE d.defaclnamespace = 0 OR ({NS})), \
                 actual AS (SELECT o.obj, x.grantee, string_agg(x.privilege_type \
                     || CASE WHEN x.grantable THEN ' with grant option' ELSE '' END, ', ' \
                     ORDER BY x.privilege_type) AS privileges \
                   FROM o, LATERAL (SELECT e.grantee, e.privilege_type, bool_or(e.is_grantable) \
                     AS grantable FROM aclexplode(o.acl) e GROUP BY 1, 2) x GROUP BY 1, 2), \
                 standard AS (SELECT o.obj, x.grantee, string_agg(x.privilege_type \
                     || CASE WHEN x.grantable THEN ' with grant option' ELSE '' END, ', ' \
                     ORDER BY x.privilege_type) AS privileges \
                   FROM o, LATERAL (SELECT e.grantee, e.privilege_type, bool_or(e.is_grantable) \
                     AS grantable FROM aclexplode(o.def) e GROUP BY 1, 2) x GROUP BY 1, 2) \
                 SELECT coalesce(a.obj, s.obj) || ' to ' || CASE WHEN coalesce(a.grantee, s.grantee) = 0 \
                   THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(coalesce(a.grantee, s.grantee))) END, \
                   coalesce(a.privileges, 'none') \
                 FROM actual a FULL JOIN standard s ON s.obj = a.obj AND s.grantee = a.grantee \
                 WHERE a.privileges IS DISTINCT FROM s.privileges",
                own_class = own("pg_class", "c.oid"),
                own_namespace = own("pg_namespace", "n.oid"),
                own_proc = own("pg_proc", "p.oid"),
            ),
            Layout::Exact,
        ),
    ];
    if options.column_order {
        queries.push((
            format!(
                "SELECT 'column order ' || {rel}, \
                 string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped \
                 AND {NS} AND c.oid NOT IN ({HISTORY}) AND {} \
                 GROUP BY n.nspname, c.relname",
                own("pg_class", "c.oid")
            ),
            Layout::Exact,
        ));
    }
    queries
}

/// Puts a multi-line definition on one line.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) async fn read(
    client: &mut Client,
    options: &SnapshotOptions,
) -> Result<Snapshot, Error> {
    let transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(Error::pg(CONTEXT))?;
    transaction
        .batch_execute("SET LOCAL search_path = pg_catalog")
        .await
        .map_err(Error::pg(CONTEXT))?;
    let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 4] = [
        (&options.exclude_schemas, Type::TEXT_ARRAY),
        (&options.schemas, Type::TEXT_ARRAY),
        (&options.history_schema, Type::TEXT),
        (&options.history_table, Type::TEXT),
    ];
    let mut objects = BTreeMap::new();
    for (sql, layout) in queries(options) {
        let rows = transaction
            .query_typed(&sql, &params)
            .await
            .map_err(Error::pg(CONTEXT))?;
        for row in rows {
            let key: Option<String> = row.try_get(0).map_err(Error::pg(CONTEXT))?;
            let description: Option<String> = row.try_get(1).map_err(Error::pg(CONTEXT))?;
            // A NULL key cannot come from these queries; a NULL description is an
            // object the catalog describes as nothing (e.g. a view being dropped).
            let Some(key) = key else { continue };
            let description = description.unwrap_or_default();
            let description = match layout {
                Layout::Exact => description,
                Layout::OneLine => one_line(&description),
            };
            objects.insert(key, description);
        }
    }
    transaction.rollback().await.map_err(Error::pg(CONTEXT))?;
    Ok(Snapshot { objects })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_trims_and_joins() {
        assert_eq!(
            one_line(" SELECT a,\n    b\n\n   FROM t;"),
            "SELECT a, b FROM t;"
        );
    }
}
