//! The recorder methods of one family: views and materialized views, and comments (`COMMENT ON`).
//!
//! Here are the steps that are always allowed (each has an inverse): `create_view`,
//! `drop_view_with`, `replace_view`, `rename_view`, their materialized counterparts,
//! `refresh_materialized_view(_concurrently)` and `change_comment`, with the
//! [`ViewDef`], [`MaterializedViewDef`] and [`ViewReplacement`] builders. The one-way
//! forms (`drop_view`, the `IF EXISTS` and `CASCADE` drops, `create_or_replace_view`,
//! `set_comment`) need the migration's mode and are with [`Migration`] in the parent
//! module.

use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    CheckOption, CommentDef, CommentTarget, MaterializedViewDef, Step, ViewDef, ViewQuery,
    ViewReplacement, ViewStep,
};

use super::{Migration, idents};

impl<M: Mode> Migration<M> {
    /// `CREATE VIEW name AS query`; undone by dropping it. The query is SQL text or a
    /// sea-query `SELECT` ([`ViewQuery`]).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn active_users(m: &mut Migration) {
    ///     m.create_view("app.active_users", "SELECT id, email FROM app.users WHERE active")
    ///         .columns(["user_id", "email"])
    ///         .check_option(CheckOption::Local);
    /// }
    /// let plan = migrate_core::plan::preview(active_users).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE VIEW "app"."active_users" ("user_id", "email") AS SELECT id, email FROM app.users WHERE active WITH LOCAL CHECK OPTION"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP VIEW "app"."active_users""#]);
    /// ```
    pub fn create_view(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<ViewQuery>,
    ) -> &mut ViewDef {
        let def = ViewDef::new(name, query);
        match self.push(Step::View(ViewStep::Create(def))) {
            Step::View(ViewStep::Create(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DROP VIEW`, with the view's definition so the down can re-create it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn drop_active_users(m: &mut Migration) {
    ///     m.drop_view_with("active_users", "SELECT id FROM users WHERE active");
    /// }
    /// let plan = migrate_core::plan::preview(drop_active_users).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"DROP VIEW "active_users""#]);
    /// assert_eq!(plan.down_sql(), [r#"CREATE VIEW "active_users" AS SELECT id FROM users WHERE active"#]);
    /// ```
    pub fn drop_view_with(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<ViewQuery>,
    ) -> &mut ViewDef {
        let def = ViewDef::new(name, query);
        let step = self.push(Step::View(ViewStep::Drop {
            name: def.name.clone(),
            definition: Some(def),
            if_exists: false,
            cascade: false,
        }));
        match step {
            Step::View(ViewStep::Drop {
                definition: Some(def),
                ..
            }) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `CREATE OR REPLACE VIEW name AS new_query`, with the query it replaces.
    ///
    /// PostgreSQL's `CREATE OR REPLACE VIEW` only adds columns at the end (it refuses to
    /// drop, rename or retype one), so the down cannot replace the view back when the
    /// up added columns: it drops the view and creates the old one, in the same
    /// transaction. That loses the view's grants and comment, and fails when other
    /// views depend on it; when both queries have the same columns, say so with
    /// [`same_columns`](ViewReplacement::same_columns) and the down replaces it too.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn add_email(m: &mut Migration) {
    ///     m.replace_view(
    ///         "active_users",
    ///         "SELECT id FROM users WHERE active",
    ///         "SELECT id, email FROM users WHERE active",
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(add_email).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE OR REPLACE VIEW "active_users" AS SELECT id, email FROM users WHERE active"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"DROP VIEW "active_users""#,
    ///     r#"CREATE VIEW "active_users" AS SELECT id FROM users WHERE active"#,
    /// ]);
    ///
    /// fn only_the_filter(m: &mut Migration) {
    ///     m.replace_view(
    ///         "active_users",
    ///         "SELECT id FROM users WHERE active",
    ///         "SELECT id FROM users WHERE active AND NOT banned",
    ///     )
    ///     .same_columns();
    /// }
    /// let plan = migrate_core::plan::preview(only_the_filter).unwrap();
    /// assert_eq!(plan.down_sql(), [
    ///     r#"CREATE OR REPLACE VIEW "active_users" AS SELECT id FROM users WHERE active"#,
    /// ]);
    /// ```
    pub fn replace_view(
        &mut self,
        name: impl Into<ObjectName>,
        old_query: impl Into<ViewQuery>,
        new_query: impl Into<ViewQuery>,
    ) -> &mut ViewReplacement {
        let new = ViewDef::new(name, new_query);
        let old = ViewDef::new(new.name.clone(), old_query);
        self.replacement(Some(old), new)
    }

    pub(super) fn replacement(
        &mut self,
        old: Option<ViewDef>,
        new: ViewDef,
    ) -> &mut ViewReplacement {
        let step = self.push(Step::View(ViewStep::Replace(ViewReplacement {
            old,
            new,
            same_columns: false,
        })));
        match step {
            Step::View(ViewStep::Replace(r)) => r,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER VIEW .. RENAME TO ..`; the schema stays the same.
    pub fn rename_view(&mut self, from: impl Into<ObjectName>, to: impl Into<Ident>) -> &mut Self {
        self.push(Step::View(ViewStep::Rename {
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    pub(super) fn drop_view_step(&mut self, name: ObjectName, if_exists: bool, cascade: bool) {
        self.push(Step::View(ViewStep::Drop {
            name,
            definition: None,
            if_exists,
            cascade,
        }));
    }
}

impl<M: Mode> Migration<M> {
    /// `CREATE MATERIALIZED VIEW name AS query` (filled at once; see
    /// [`with_no_data`](MaterializedViewDef::with_no_data)); undone by dropping it.
    /// Index it with [`create_index`](Self::create_index) or
    /// [`create_index_concurrently`](Self::create_index_concurrently), giving the
    /// materialized view as the table.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn post_counts(m: &mut Migration) {
    ///     m.create_materialized_view(
    ///         "post_counts",
    ///         "SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id",
    ///     );
    ///     m.create_index("post_counts_author", "post_counts", ["author_id"]).unique();
    ///     m.refresh_materialized_view_concurrently("post_counts");
    /// }
    /// let plan = migrate_core::plan::preview(post_counts).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE MATERIALIZED VIEW "post_counts" AS SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id"#,
    ///     r#"CREATE UNIQUE INDEX "post_counts_author" ON "post_counts" ("author_id")"#,
    ///     r#"REFRESH MATERIALIZED VIEW CONCURRENTLY "post_counts""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"DROP INDEX "post_counts_author""#,
    ///     r#"DROP MATERIALIZED VIEW "post_counts""#,
    /// ]);
    /// ```
    pub fn create_materialized_view(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<ViewQuery>,
    ) -> &mut MaterializedViewDef {
        let def = MaterializedViewDef::new(name, query);
        match self.push(Step::View(ViewStep::CreateMaterialized(def))) {
            Step::View(ViewStep::CreateMaterialized(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DROP MATERIALIZED VIEW`, with its definition so the down can re-create (and
    /// fill) it. Its indexes go with it: drop them first with
    /// [`drop_index_with`](Self::drop_index_with) so the down rebuilds them too.
    pub fn drop_materialized_view_with(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<ViewQuery>,
    ) -> &mut MaterializedViewDef {
        let def = MaterializedViewDef::new(name, query);
        let step = self.push(Step::View(ViewStep::DropMaterialized {
            name: def.name.clone(),
            definition: Some(def),
            if_exists: false,
            cascade: false,
        }));
        match step {
            Step::View(ViewStep::DropMaterialized {
                definition: Some(def),
                ..
            }) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER MATERIALIZED VIEW .. RENAME TO ..`; the schema stays the same.
    pub fn rename_materialized_view(
        &mut self,
        from: impl Into<ObjectName>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::View(ViewStep::RenameMaterialized {
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    /// `REFRESH MATERIALIZED VIEW`: blocks readers while it runs. Its down is
    /// nothing (the old contents are not kept).
    pub fn refresh_materialized_view(&mut self, name: impl Into<ObjectName>) -> &mut Self {
        self.push(Step::View(ViewStep::Refresh {
            name: name.into(),
            concurrently: false,
        }));
        self
    }

    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`: readers are not blocked. It needs a
    /// unique index on the materialized view and a filled one. Unlike the concurrent
    /// index steps it runs inside the migration's transaction (PostgreSQL allows it
    /// there). Its down is nothing.
    pub fn refresh_materialized_view_concurrently(
        &mut self,
        name: impl Into<ObjectName>,
    ) -> &mut Self {
        self.push(Step::View(ViewStep::Refresh {
            name: name.into(),
            concurrently: true,
        }));
        self
    }

    pub(super) fn drop_materialized_view_step(
        &mut self,
        name: ObjectName,
        if_exists: bool,
        cascade: bool,
    ) {
        self.push(Step::View(ViewStep::DropMaterialized {
            name,
            definition: None,
            if_exists,
            cascade,
        }));
    }
}

impl<M: Mode> Migration<M> {
    /// `COMMENT ON .. IS ..`, with the comment it replaces so the down can put it
    /// back; `None` is no comment (`IS NULL` removes one).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn document(m: &mut Migration) {
    ///     m.change_comment(CommentTarget::column("users", "email"), None, Some("Login; unique"));
    ///     m.change_comment(
    ///         CommentTarget::function("app.total", [Integer]),
    ///         Some("Old"),
    ///         Some("Sum of an order's lines"),
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(document).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"COMMENT ON COLUMN "users"."email" IS 'Login; unique'"#,
    ///     r#"COMMENT ON FUNCTION "app"."total"(integer) IS E'Sum of an order\'s lines'"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"COMMENT ON FUNCTION "app"."total"(integer) IS 'Old'"#,
    ///     r#"COMMENT ON COLUMN "users"."email" IS NULL"#,
    /// ]);
    /// ```
    pub fn change_comment(
        &mut self,
        target: CommentTarget,
        old: Option<&str>,
        new: Option<&str>,
    ) -> &mut Self {
        self.push(Step::Comment(CommentDef {
            target,
            comment: new.map(str::to_owned),
            old: Some(old.map(str::to_owned)),
        }));
        self
    }

    pub(super) fn comment_step(&mut self, target: CommentTarget, new: Option<&str>) -> &mut Self {
        self.push(Step::Comment(CommentDef {
            target,
            comment: new.map(str::to_owned),
            old: None,
        }));
        self
    }
}

impl ViewDef {
    /// A view with nothing else said.
    pub fn new(name: impl Into<ObjectName>, query: impl Into<ViewQuery>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            query: query.into(),
            security_barrier: false,
            check_option: None,
            security_invoker: false,
        }
    }

    /// Names the view's columns: `CREATE VIEW v (a, b) AS ..`.
    pub fn columns(&mut self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> &mut Self {
        self.columns = idents(columns);
        self
    }

    /// `WITH (security_barrier)`: conditions of queries over the view are not
    /// evaluated before the view's own (for row-level filtering views).
    pub fn security_barrier(&mut self) -> &mut Self {
        self.security_barrier = true;
        self
    }

    /// `WITH (security_invoker)` (PostgreSQL 15+): the tables under the view are read
    /// with the privileges and row-level security policies of the user querying the
    /// view, not of its owner. Without it a view bypasses the row-level security of
    /// its tables for everyone allowed to read the view (the owner usually is exempt
    /// from the policies): set it on every view over a table with policies.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn own_docs(m: &mut Migration) {
    ///     m.create_view("my_docs", "SELECT id, title FROM docs").security_invoker();
    /// }
    /// let plan = migrate_core::plan::preview(own_docs).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE VIEW "my_docs" WITH (security_invoker) AS SELECT id, title FROM docs"#,
    /// ]);
    /// ```
    pub fn security_invoker(&mut self) -> &mut Self {
        self.security_invoker = true;
        self
    }

    /// `WITH LOCAL | CASCADED CHECK OPTION`: rows inserted or updated through the
    /// view must be visible through it.
    pub fn check_option(&mut self, option: CheckOption) -> &mut Self {
        self.check_option = Some(option);
        self
    }
}

impl MaterializedViewDef {
    /// A materialized view with nothing else said (filled when created).
    pub fn new(name: impl Into<ObjectName>, query: impl Into<ViewQuery>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            query: query.into(),
            with_data: true,
        }
    }

    /// Names its columns: `CREATE MATERIALIZED VIEW v (a, b) AS ..`.
    pub fn columns(&mut self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> &mut Self {
        self.columns = idents(columns);
        self
    }

    /// `WITH NO DATA`: created empty and unreadable until its first
    /// [refresh](Migration::refresh_materialized_view) (which cannot be concurrent).
    pub fn with_no_data(&mut self) -> &mut Self {
        self.with_data = false;
        self
    }
}

impl ViewReplacement {
    /// The old and new queries have the same columns (names and types): the down is
    /// a `CREATE OR REPLACE VIEW` too, which keeps the view's grants, comment and
    /// dependent views. If they differ, the down fails (in its transaction) with
    /// "cannot drop columns from view".
    pub fn same_columns(&mut self) -> &mut Self {
        self.same_columns = true;
        self
    }

    /// Refines the old definition (its column names, options), which the down restores.
    pub fn old_view(&mut self, define: impl FnOnce(&mut ViewDef)) -> &mut Self {
        if let Some(old) = &mut self.old {
            define(old);
        }
        self
    }

    /// Refines the new definition (its column names, options).
    pub fn new_view(&mut self, define: impl FnOnce(&mut ViewDef)) -> &mut Self {
        define(&mut self.new);
        self
    }
}
