//! Online-safety lint: the operations that take a production table offline, found in
//! a plan before anything touches a database.
//!
//! Each [`Rule`] comes from a measured stall (see the project's SAFETY notes): a plain
//! `CREATE INDEX` on a 4M-row table blocked writers for 6.6 s, a validated foreign key
//! for 3.9 s, a volatile default rewrote the table for 9.6 s. A [`Finding`] names the
//! migration, the step, the risk in one sentence and the safe alternative.
//!
//! Two rules need no finding because the planner enforces them: a foreign key or check
//! added to an existing table is always added `NOT VALID` and validated in a transaction
//! of its own, and `set_not_null` on an existing table always goes through a validated
//! `CHECK` (see [`crate::plan`]).
//!
//! Only the way up is linted (a down mirrors an up that was linted). A table created
//! earlier in the same migration is new and empty, so rules about existing tables do
//! not apply to it. A migration acknowledges a rule at one step with
//! [`Migration::allow`] right after that step, and a reason; an acknowledged finding
//! is reported but does not block, and the same rule at another step still does.
//!
//! [`Migration::allow`]: crate::Migration::allow

use std::collections::BTreeSet;
use std::fmt;

use crate::error::Error;
use crate::ident::ObjectName;
use crate::plan::MigrationPlan;
use crate::registry::Migrations;
use crate::sql_lexer;
use crate::step::Step;
use crate::types::{ColumnType, Volatility};

pub use crate::rule::{Finding, Rule};

/// Lints every migration. Fails only when a migration cannot be planned.
pub fn lint(migrations: &Migrations) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    for registration in migrations.iter() {
        findings.extend(lint_plan(&MigrationPlan::new(registration)?));
    }
    Ok(findings)
}

/// Lints every migration, as `up` does before running them: every finding when none
/// blocks (the acknowledged ones, for review), otherwise [`Error::Lint`] with the
/// blocking ones. For users' tests:
///
/// ```no_run
/// # fn registered() -> migrate_core::Migrations { unimplemented!() }
/// #[test]
/// fn migrations_are_online_safe() {
///     let findings = migrate_core::lint::check(&registered()).unwrap();
///     assert!(findings.iter().all(|f| f.allowed.is_some()));
/// }
/// ```
pub fn check(migrations: &Migrations) -> Result<Vec<Finding>, Error> {
    let findings = lint(migrations)?;
    let blocking: Vec<Finding> = findings.iter().filter(|f| f.blocks()).cloned().collect();
    if blocking.is_empty() {
        Ok(findings)
    } else {
        Err(Error::Lint { findings: blocking })
    }
}

/// Lints one planned migration's way up.
pub fn lint_plan(plan: &MigrationPlan) -> Vec<Finding> {
    let mut linter = Linter {
        plan,
        created: BTreeSet::new(),
        findings: Vec::new(),
        step: 0,
        kind: "",
    };
    for (index, step) in plan.up.steps.iter().enumerate() {
        linter.step = index;
        linter.kind = step.kind();
        linter.visit(step);
    }
    linter.findings
}

struct Linter<'a> {
    plan: &'a MigrationPlan,
    /// Tables created earlier in this migration (new, hence empty).
    created: BTreeSet<ObjectName>,
    findings: Vec<Finding>,
    step: usize,
    kind: &'static str,
}

impl Linter<'_> {
    fn existing(&self, table: &ObjectName) -> bool {
        !self.created.contains(table)
    }

    fn find(&mut self, rule: Rule, object: impl fmt::Display) {
        let allowed = self
            .plan
            .settings
            .allowed
            .iter()
            .find(|a| a.rule == rule && a.step == Some(self.step))
            .map(|a| a.reason.clone());
        self.findings.push(Finding {
            id: self.plan.id,
            name: self.plan.name.to_owned(),
            step: self.step,
            kind: self.kind,
            object: object.to_string(),
            rule,
            allowed,
        });
    }

    fn visit(&mut self, step: &Step) {
        // A serial column wherever a column is defined, on a new table
        // as on an existing one (the arms below see existing tables only).
        for object in serial_columns(step) {
            self.find(Rule::SerialColumn, object);
        }
        match step {
            Step::CreateTable(def) => {
                self.created.insert(def.name.clone());
            }
            Step::CreateIndex(def) if !def.concurrently && self.existing(&def.table) => {
                self.find(Rule::IndexNotConcurrent, def.qualified_name());
            }
            Step::DropIndex {
                index,
                concurrently: false,
                definition,
            } => {
                let on_new_table = definition
                    .as_ref()
                    .is_some_and(|d| !self.existing(&d.table));
                if !on_new_table {
                    self.find(Rule::DropIndexNotConcurrent, index);
                }
            }
            Step::AddColumn { table, column } if self.existing(table) => {
                let object = format!("{table}.{}", column.name);
                if column.nullable == Some(false) && column.default.is_none() {
                    self.find(Rule::NotNullWithoutDefault, &object);
                }
                let volatile = column
                    .default
                    .as_ref()
                    .is_some_and(|d| d.volatility == Volatility::Volatile);
                if volatile || column.identity.is_some() || is_serial(&column.ty) {
                    self.find(Rule::RewritingAddColumn, &object);
                }
                if column.references.is_some() {
                    self.find(Rule::ConstraintNotValidFirst, &object);
                }
            }
            Step::AlterColumnType {
                table,
                column,
                to,
                from,
                ..
            } => {
                let coercible = from.as_ref().is_some_and(|from| binary_coercible(from, to));
                if self.existing(table) && !coercible {
                    self.find(Rule::RewritingTypeChange, format!("{table}.{column}"));
                }
            }
            Step::RenameTable { from: table, .. } | Step::DropTable { table, .. }
                if self.existing(table) =>
            {
                self.find(Rule::BreakingChange, table);
            }
            Step::RenameColumn {
                table,
                from: column,
                ..
            }
            | Step::DropColumn { table, column, .. }
                if self.existing(table) =>
            {
                self.find(Rule::BreakingChange, format!("{table}.{column}"));
            }
            Step::UncheckedSql(sql) => {
                if sql.transactional && runs_concurrently(&sql.sql) {
                    self.find(Rule::ConcurrentInTransaction, first_line(&sql.sql));
                }
                self.find(Rule::UncheckedSql, first_line(&sql.sql));
            }
            Step::View(view) => {
                use crate::step::{MaterializedViewDef, ViewDef, ViewReplacement, ViewStep};
                match view {
                    // A new view is read by no one yet: indexing a materialized one
                    // blocks nobody, dropping or renaming one breaks nobody.
                    ViewStep::Create(ViewDef { name, .. })
                    | ViewStep::CreateMaterialized(MaterializedViewDef { name, .. }) => {
                        self.created.insert(name.clone());
                    }
                    ViewStep::Drop { name, .. }
                    | ViewStep::DropMaterialized { name, .. }
                    | ViewStep::Rename { from: name, .. }
                    | ViewStep::RenameMaterialized { from: name, .. }
                        if self.existing(name) =>
                    {
                        self.find(Rule::BreakingChange, name);
                    }
                    _ => {}
                }
                let query = match view {
                    ViewStep::Create(def) | ViewStep::Replace(ViewReplacement { new: def, .. }) => {
                        Some((&def.name, &def.query))
                    }
                    ViewStep::CreateMaterialized(def) => Some((&def.name, &def.query)),
                    _ => None,
                };
                if let Some((name, query)) = query
                    && selects_star(&query.to_sql())
                {
                    self.find(Rule::ViewSelectStar, name);
                }
            }
            // Adding a key or an exclusion constraint builds its index under a lock
            // that blocks reads and writes; a key has an online form (an index built
            // concurrently, then `.._using_index`), an exclusion constraint has none.
            Step::AddConstraint { table, constraint } if self.existing(table) => {
                use crate::step::ConstraintKind;
                let name = constraint.name.as_ref().map(|n| n.as_str()).unwrap_or("?");
                let online = match constraint.kind {
                    ConstraintKind::PrimaryKey(_) => Some(
                        "build a unique index with `create_index_concurrently`, then \
                         `add_primary_key_using_index`",
                    ),
                    ConstraintKind::Unique(_) => Some(
                        "build a unique index with `create_index_concurrently`, then \
                         `add_unique_using_index`",
                    ),
                    ConstraintKind::Exclusion(_) => Some(
                        "an exclusion constraint has no online form: allow it only on a small table",
                    ),
                    _ => None,
                };
                if let Some(online) = online {
                    self.find(
                        Rule::IndexNotConcurrent,
                        format!("{table}.{name}: {online}"),
                    );
                }
            }
            // A table created empty is new; created with the rows of a query it has rows,
            // and the rules about existing tables apply to it.
            Step::DataMove(crate::step::DataMove::CreateTableAs(def)) if def.with_no_data => {
                self.created.insert(def.name.clone());
            }
            Step::Reindex(def) if !def.concurrently => {
                use crate::step::ReindexTarget;
                match &def.target {
                    ReindexTarget::Index(index) => self.find(
                        Rule::IndexNotConcurrent,
                        format!("{index}: use `reindex_index_concurrently`"),
                    ),
                    ReindexTarget::Table(table) if self.existing(table) => self.find(
                        Rule::IndexNotConcurrent,
                        format!("{table}: use `reindex_table_concurrently`"),
                    ),
                    ReindexTarget::Table(_) => {}
                }
            }
            Step::Reversible { up, .. } => {
                for inner in up {
                    self.visit(inner);
                }
            }
            _ => {}
        }
    }
}

/// Whether a query's select list holds `*` or `t.*`, read as PostgreSQL
/// reads it (not in strings, quoted names or comments; not `count(*)`
/// or `f(t.*)`: a star inside a call's parentheses is an argument).
fn selects_star(sql: &str) -> bool {
    use crate::sql_lexer::Kind;
    // One entry per open parenthesis (and the top level): whether
    // the text there is a select list, between SELECT and FROM.
    let mut select_list = vec![false];
    let mut previous = "";
    for token in crate::sql_lexer::tokens(sql) {
        if matches!(
            token.kind,
            Kind::Space | Kind::LineComment | Kind::BlockComment
        ) {
            continue;
        }
        let text = token.text;
        let word = |w: &str| token.kind == Kind::Word && text.eq_ignore_ascii_case(w);
        match text {
            "(" if token.kind == Kind::Other => select_list.push(false),
            ")" if token.kind == Kind::Other && select_list.len() > 1 => {
                select_list.pop();
            }
            "*" if token.kind == Kind::Other => {
                let after = ["SELECT", "DISTINCT", "ALL", ",", "."]
                    .iter()
                    .any(|p| previous.eq_ignore_ascii_case(p));
                if after && select_list.last() == Some(&true) {
                    return true;
                }
            }
            _ if word("SELECT") => {
                if let Some(top) = select_list.last_mut() {
                    *top = true;
                }
            }
            _ if word("FROM") || word("INTO") => {
                if let Some(top) = select_list.last_mut() {
                    *top = false;
                }
            }
            _ => {}
        }
        previous = text;
    }
    false
}

/// Whether raw SQL holds a concurrent statement, one that fails inside a transaction
/// block: the keyword `CONCURRENTLY` read as PostgreSQL reads it (not in a string, a
/// function's dollar-quoted body, a quoted name or a comment; see [`sql_lexer`]), except
/// `REFRESH MATERIALIZED VIEW CONCURRENTLY`, which runs in a transaction.
fn runs_concurrently(sql: &str) -> bool {
    let mut previous: [&str; 3] = [""; 3];
    for word in sql_lexer::words(sql) {
        if word.eq_ignore_ascii_case("CONCURRENTLY") {
            let refresh = ["REFRESH", "MATERIALIZED", "VIEW"]
                .iter()
                .zip(previous)
                .all(|(keyword, word)| word.eq_ignore_ascii_case(keyword));
            if !refresh {
                return true;
            }
        }
        previous = [previous[1], previous[2], word];
    }
    false
}

fn first_line(sql: &str) -> String {
    let line = sql.trim().lines().next().unwrap_or_default();
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(60).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// A serial type: the typed ones, or one written verbatim.
fn is_serial(ty: &ColumnType) -> bool {
    ty.is_serial()
        || matches!(ty, ColumnType::Unchecked(raw) if raw.to_ascii_lowercase().contains("serial"))
}

/// The serial columns a step defines (`table.column`), for [`Rule::SerialColumn`].
fn serial_columns(step: &Step) -> Vec<String> {
    match step {
        Step::CreateTable(def) => def
            .columns
            .iter()
            .filter(|c| is_serial(&c.ty))
            .map(|c| format!("{}.{}", def.name, c.name))
            .collect(),
        Step::AddColumn { table, column } if is_serial(&column.ty) => {
            vec![format!("{table}.{}", column.name)]
        }
        _ => Vec::new(),
    }
}

/// Type changes PostgreSQL makes without rewriting the table.
fn binary_coercible(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        (Varchar(_), Text) => true,
        (Varchar(a), Varchar(b)) => b >= a,
        (Numeric(p1, s1), Numeric(p2, s2)) => s1 == s2 && p2 >= p1,
        (Numeric(..), UnconstrainedNumeric) => true,
        (a, b) => a == b,
    }
}

#[cfg(test)]
// Ids are written as in `#[migration(id = 20250101_000400)]`.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::plan::preview;
    use crate::prelude::*;

    fn rules<M: Mode>(f: fn(&mut Migration<M>)) -> Vec<(Rule, bool)> {
        lint_plan(&preview(f).unwrap())
            .into_iter()
            .map(|f| (f.rule, f.blocks()))
            .collect()
    }

    use crate::Mode;

    #[test]
    fn indexes_on_existing_tables_must_be_concurrent() {
        fn plain(m: &mut Migration) {
            m.create_index("i", "users", ["email"]);
        }
        assert_eq!(rules(plain), [(Rule::IndexNotConcurrent, true)]);

        fn same_migration(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("a", Text);
            });
            m.create_index("i", "t", ["a"]);
        }
        assert_eq!(rules(same_migration), []);

        fn concurrent(m: &mut Migration) {
            m.create_index_concurrently("i", "users", ["email"]);
        }
        assert_eq!(rules(concurrent), []);
    }

    #[test]
    fn a_column_added_with_references_is_validated_at_once() {
        fn fk_column(m: &mut Migration) {
            m.add_column("posts", "editor_id", BigInt)
                .references("users", "id");
        }
        assert_eq!(rules(fk_column), [(Rule::ConstraintNotValidFirst, true)]);

        fn planned_online(m: &mut Migration) {
            m.add_column("posts", "editor_id", BigInt);
            m.add_foreign_key("posts", "fk", ["editor_id"], "users", ["id"]);
            m.set_not_null("posts", "editor_id");
        }
        assert_eq!(rules(planned_online), []);
    }

    #[test]
    fn columns() {
        fn not_null_no_default(m: &mut Migration) {
            m.add_column("users", "a", Text).not_null();
        }
        assert_eq!(
            rules(not_null_no_default),
            [(Rule::NotNullWithoutDefault, true)]
        );

        fn constant_default(m: &mut Migration) {
            m.add_column("users", "a", Text).not_null().default("x");
            m.add_column("users", "b", Timestamptz)
                .default(DefaultValue::now());
        }
        assert_eq!(rules(constant_default), []);

        fn volatile(m: &mut Migration) {
            m.add_column("users", "token", Uuid)
                .default(DefaultValue::gen_random_uuid());
            m.add_column("users", "n", BigInt).identity();
        }
        assert_eq!(
            rules(volatile),
            [
                (Rule::RewritingAddColumn, true),
                (Rule::RewritingAddColumn, true)
            ]
        );
    }

    #[test]
    fn type_changes_are_safe_only_when_binary_coercible() {
        fn widen(m: &mut Migration) {
            m.alter_column_type_from("users", "a", Varchar(10), Text);
            m.alter_column_type_from("users", "b", Varchar(10), Varchar(20));
            m.alter_column_type_from("users", "c", Numeric(10, 2), Numeric(12, 2));
            m.alter_column_type_from("users", "d", Numeric(10, 2), UnconstrainedNumeric);
        }
        assert_eq!(rules(widen), []);

        fn narrow(m: &mut Migration) {
            m.alter_column_type_from("users", "a", Integer, BigInt);
        }
        assert_eq!(rules(narrow), [(Rule::RewritingTypeChange, true)]);
    }

    #[test]
    fn breaking_changes_can_be_allowed_with_a_reason() {
        fn rename(m: &mut Migration) {
            m.rename_column("posts", "body", "content");
        }
        assert_eq!(rules(rename), [(Rule::BreakingChange, true)]);

        fn allowed(m: &mut Migration) {
            m.rename_column("posts", "body", "content")
                .allow(Rule::BreakingChange, "v2.3 no longer reads body");
        }
        let findings = lint_plan(&preview(allowed).unwrap());
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].allowed.as_deref(),
            Some("v2.3 no longer reads body")
        );
        assert!(findings[0].to_string().contains("allowed: v2.3"));
    }

    #[test]
    fn an_allowance_covers_only_the_step_it_follows() {
        fn two_renames(m: &mut Migration) {
            m.rename_column("posts", "body", "content")
                .allow(Rule::BreakingChange, "v2.3 no longer reads body");
            m.rename_column("posts", "title", "headline");
        }
        let findings = lint_plan(&preview(two_renames).unwrap());
        let found: Vec<_> = findings
            .iter()
            .map(|f| (f.step, f.rule, f.blocks()))
            .collect();
        assert_eq!(
            found,
            [
                (0, Rule::BreakingChange, false),
                (1, Rule::BreakingChange, true)
            ]
        );

        // After a builder: the statement right after the step.
        fn after_a_builder(m: &mut Migration) {
            m.create_index("i", "users", ["email"]);
            m.allow(Rule::IndexNotConcurrent, "users has 12 rows");
            m.add_column("users", "n", BigInt).identity();
            m.create_index("j", "users", ["n"]);
        }
        assert_eq!(
            rules(after_a_builder),
            [
                (Rule::IndexNotConcurrent, false),
                (Rule::RewritingAddColumn, true),
                (Rule::IndexNotConcurrent, true),
            ]
        );

        // Inside `reversible`, the block is one step.
        fn in_a_block(m: &mut Migration) {
            m.add_column("users", "a", Text);
            m.reversible(
                |up| {
                    up.unchecked_sql("UPDATE users SET a = 'x'");
                    up.allow(Rule::UncheckedSql, "reviewed");
                },
                |_| {},
            );
            m.reversible(
                |up| {
                    up.unchecked_sql("UPDATE users SET a = 'y'");
                },
                |_| {},
            );
        }
        let findings = lint_plan(&preview(in_a_block).unwrap());
        let found: Vec<_> = findings
            .iter()
            .map(|f| (f.step, f.rule, f.blocks()))
            .collect();
        assert_eq!(
            found,
            [
                (1, Rule::UncheckedSql, false),
                (2, Rule::UncheckedSql, true)
            ]
        );
    }

    #[test]
    fn an_allowance_before_any_step_is_invalid() {
        fn first(m: &mut Migration) {
            m.allow(Rule::BreakingChange, "v2.3 no longer reads body");
            m.rename_column("posts", "body", "content");
        }
        let err = preview(first).unwrap_err().to_string();
        assert!(err.contains("comes before any step"), "{err}");
    }

    #[test]
    fn raw_sql_is_flagged_and_concurrent_raw_sql_in_a_transaction_too() {
        fn raw(m: &mut Migration<Manual>) {
            m.unchecked_sql("CREATE INDEX CONCURRENTLY i ON t (a)");
        }
        assert_eq!(
            rules(raw),
            [
                (Rule::ConcurrentInTransaction, true),
                (Rule::UncheckedSql, true)
            ]
        );
        fn raw_outside(m: &mut Migration<Manual>) {
            m.unchecked_sql("CREATE INDEX CONCURRENTLY i ON t (a)")
                .outside_transaction();
        }
        assert_eq!(rules(raw_outside), [(Rule::UncheckedSql, true)]);
    }

    fn concurrent(sql: &str) -> bool {
        runs_concurrently(sql)
    }

    #[test]
    fn a_function_body_that_refreshes_concurrently_is_not_a_concurrent_statement() {
        // It runs later, from a trigger, in the trigger's transaction.
        fn function(m: &mut Migration<Manual>) {
            m.unchecked_sql(
                "CREATE FUNCTION refresh_stats() RETURNS trigger LANGUAGE plpgsql AS $$\n\
                 BEGIN\n\
                   REFRESH MATERIALIZED VIEW CONCURRENTLY stats;\n\
                   RETURN NULL;\n\
                 END $$",
            );
        }
        assert_eq!(rules(function), [(Rule::UncheckedSql, true)]);
        assert!(!concurrent(
            "CREATE FUNCTION f() RETURNS void AS $body$ CREATE INDEX CONCURRENTLY i ON t (a) $body$ \
             LANGUAGE sql"
        ));
    }

    #[test]
    fn concurrent_statements_in_raw_sql_are_found_in_every_case_and_spacing() {
        for sql in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "create unique index\nconcurrently i on t (a)",
            "DROP INDEX CONCURRENTLY i",
            "REINDEX INDEX CONCURRENTLY i",
            "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
            "-- build it\nCREATE INDEX /* online */ CONCURRENTLY i ON t (a)",
            "SELECT 'x'; CREATE INDEX CONCURRENTLY i ON t (a)",
        ] {
            assert!(concurrent(sql), "{sql}");
        }
    }

    #[test]
    fn the_keyword_in_strings_names_and_comments_is_not_a_statement() {
        for sql in [
            "COMMENT ON TABLE t IS 'built CONCURRENTLY'",
            "COMMENT ON TABLE t IS E'it\\'s built CONCURRENTLY'",
            "INSERT INTO log VALUES ('don''t CONCURRENTLY')",
            r#"CREATE TABLE "concurrently" (a int)"#,
            "CREATE INDEX i ON t (a) -- not CONCURRENTLY: the table is new",
            "CREATE INDEX i ON t (a) /* not /* nested */ CONCURRENTLY */",
            "DO $x$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (a)'; END $x$",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY stats",
            "SELECT concurrently_flag FROM t",
        ] {
            assert!(!concurrent(sql), "{sql}");
        }
    }

    #[test]
    fn a_finding_names_its_migration_by_the_id_as_written() {
        let finding = Finding {
            id: 20250101_000400,
            name: "add_index".into(),
            step: 0,
            kind: "create_index",
            object: "users_email_idx".into(),
            rule: Rule::IndexNotConcurrent,
            allowed: None,
        };
        assert!(
            finding
                .to_string()
                .starts_with("20250101_000400 add_index, step 0 (`create_index` users_email_idx)"),
            "{finding}"
        );
    }

    #[test]
    fn drops_of_indexes() {
        fn plain(m: &mut Migration<Manual>) {
            m.drop_index("i");
        }
        assert_eq!(rules(plain), [(Rule::DropIndexNotConcurrent, true)]);
        fn concurrent(m: &mut Migration<Manual>) {
            m.drop_index_concurrently("i");
        }
        assert_eq!(rules(concurrent), []);
    }

    #[test]
    fn dropping_or_renaming_an_existing_view_is_a_breaking_change() {
        fn existing(m: &mut Migration<Manual>) {
            m.rename_view("report", "old_report");
            m.drop_view("old_report");
            m.rename_materialized_view("totals", "old_totals");
            m.drop_materialized_view("old_totals");
        }
        fn same_migration(m: &mut Migration) {
            m.create_view("report", "SELECT 1 AS one");
            m.rename_view("report", "new_report");
            m.create_materialized_view("totals", "SELECT 1 AS one");
            m.rename_materialized_view("totals", "new_totals");
        }
        assert_eq!(
            rules(existing),
            [(Rule::BreakingChange, true); 4],
            "every view the application may read"
        );
        assert_eq!(rules(same_migration), [], "views no one reads yet");
    }

    // ----- view-select-star -----

    /// The findings for a view over `$sql`, one query each.
    macro_rules! view_findings {
        ($($sql:expr),+ $(,)?) => {{
            let mut all = Vec::new();
            $({
                fn view(m: &mut Migration) {
                    m.create_view("v", $sql);
                }
                all.push(($sql, rules(view)));
            })+
            all
        }};
    }

    #[test]
    fn a_view_selecting_star_is_flagged() {
        for (sql, found) in view_findings![
            "SELECT * FROM users",
            "select u.* from users u",
            r#"SELECT "u".*, p.title FROM users u JOIN posts p ON p.author_id = u.id"#,
            "SELECT id, * FROM users",
            "SELECT DISTINCT * FROM users",
            "SELECT id FROM users UNION ALL SELECT * FROM admins",
            // A star in a subquery, even under EXISTS, is expanded too: the view then
            // depends on every column (PostgreSQL refuses to drop one of them).
            "SELECT id FROM (SELECT * FROM users) s",
            "SELECT id FROM t WHERE EXISTS (SELECT * FROM u WHERE u.id = t.id)",
            "SELECT /* all */ * -- of them\nFROM users",
        ] {
            assert_eq!(found, [(Rule::ViewSelectStar, true)], "{sql}");
        }
    }

    #[test]
    fn stars_that_are_not_a_select_list_are_not_flagged() {
        for (sql, found) in view_findings![
            "SELECT author_id, count(*) FROM posts GROUP BY author_id",
            "SELECT count(p.*) AS n FROM posts p",
            "SELECT row_to_json(u.*) FROM users u",
            "SELECT price * quantity AS total FROM lines",
            "SELECT a.n * 2 FROM a",
            "SELECT '*' AS star, 'SELECT *' AS text FROM t",
            r#"SELECT "*" FROM t"#,
            "SELECT id FROM t -- SELECT * FROM t",
            "SELECT id FROM t /* SELECT * */",
            "SELECT id FROM t WHERE n = 2 * 3",
        ] {
            assert_eq!(found, [], "{sql}");
        }
    }

    #[test]
    fn materialized_views_and_replacements_are_linted_too_and_can_be_allowed() {
        fn matview(m: &mut Migration) {
            m.create_materialized_view("m", "SELECT * FROM users");
            m.replace_view("v", "SELECT id FROM users", "SELECT * FROM users");
            m.allow(Rule::ViewSelectStar, "users is frozen");
            m.drop_view_with("w", "SELECT * FROM users");
        }
        // The dropped view's definition is not flagged (it is the past); its drop is
        // a breaking change.
        assert_eq!(
            rules(matview),
            [
                (Rule::ViewSelectStar, true),
                (Rule::ViewSelectStar, false),
                (Rule::BreakingChange, true)
            ]
        );
        fn built(m: &mut Migration) {
            m.create_view(
                "v",
                sea_query::Query::select()
                    .column(sea_query::Asterisk)
                    .from("users"),
            );
        }
        assert_eq!(rules(built), [(Rule::ViewSelectStar, true)]);

        fn index_a_new_materialized_view(m: &mut Migration) {
            m.create_materialized_view("m", "SELECT id FROM users");
            m.create_index("m_id", "m", ["id"]).unique();
            m.create_index("users_id", "users", ["id"]);
        }
        assert_eq!(
            rules(index_a_new_materialized_view),
            [(Rule::IndexNotConcurrent, true)]
        );
    }
}

/// The `serde` shape is the one `migrate lint --json` documents.
#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_finding_serializes_with_its_rule_code_risk_fix_and_whether_it_blocks() {
        let mut finding = Finding {
            id: 1,
            name: "index_posts".into(),
            step: 2,
            kind: "create_index",
            object: "idx_posts".into(),
            rule: Rule::IndexNotConcurrent,
            allowed: None,
        };
        let rule = Rule::IndexNotConcurrent;
        assert_eq!(
            serde_json::to_value(&finding).unwrap(),
            json!({
                "id": 1,
                "name": "index_posts",
                "step": 2,
                "kind": "create_index",
                "object": "idx_posts",
                "rule": "index-not-concurrent",
                "risk": rule.risk(),
                "fix": rule.fix(),
                "allowed": null,
                "blocks": true,
            })
        );
        finding.allowed = Some("empty table".into());
        let value = serde_json::to_value(&finding).unwrap();
        assert_eq!(
            (&value["allowed"], &value["blocks"]),
            (&json!("empty table"), &json!(false))
        );
    }
}
