//! The recorder methods of one family: row-level security, policies and privileges (`GRANT` / `REVOKE`).
//!
//! Every method here has an automatic inverse. (`drop_policy` without the policy's
//! definition, which needs the migration's mode, is with [`Migration`] in the parent
//! module.)
//!
//! # What the derived downs assume
//!
//! An inverse undoes what the step *says*, not what it changed: the down of
//! `enable_row_level_security` disables it even if it was already enabled before the
//! migration, and the down of a `grant` revokes the privileges even from a role that
//! already held them before the migration (the down of a `revoke` grants them even to a
//! role that did not hold them). This is the caveat of `ensure_schema`, but unlike a
//! schema dropped with its contents nothing is lost that the migration history cannot
//! put back, and `verify` catches it whenever the earlier privilege came from an earlier
//! migration (the snapshot after the down lacks it). Privileges given outside the
//! migrations (by a hosting platform, by hand) are the migration's author's to know of.

use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    DefaultObjects, DefaultPrivilegesDef, GrantDef, GrantOn, PolicyDef, Privilege, PrivilegeSpec,
    RoleSpec, SecurityStep, Step,
};

use super::Migration;

fn roles(roles: impl IntoIterator<Item = impl Into<RoleSpec>>) -> Vec<RoleSpec> {
    roles.into_iter().map(Into::into).collect()
}

impl<M: Mode> Migration<M> {
    fn security(&mut self, step: SecurityStep) -> &mut SecurityStep {
        match self.push(Step::Security(step)) {
            Step::Security(step) => step,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. ENABLE ROW LEVEL SECURITY`; undone by disabling it. Once
    /// enabled, a table shows no rows to roles other than its owner until a policy
    /// lets them (see [`create_policy`](Self::create_policy)).
    ///
    /// The down disables row-level security even if it was enabled before the
    /// migration (see the module's notes on derived downs).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn lock_down(m: &mut Migration) {
    ///     m.enable_row_level_security("docs");
    ///     m.force_row_level_security("docs");
    /// }
    /// let plan = migrate_core::plan::preview(lock_down).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER TABLE "docs" ENABLE ROW LEVEL SECURITY"#,
    ///     r#"ALTER TABLE "docs" FORCE ROW LEVEL SECURITY"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER TABLE "docs" NO FORCE ROW LEVEL SECURITY"#,
    ///     r#"ALTER TABLE "docs" DISABLE ROW LEVEL SECURITY"#,
    /// ]);
    /// ```
    pub fn enable_row_level_security(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.security(SecurityStep::RowLevelSecurity {
            table: table.into(),
            enable: true,
        });
        self
    }

    /// `ALTER TABLE .. DISABLE ROW LEVEL SECURITY`; undone by enabling it. The
    /// table's policies stay, unused, until it is enabled again.
    pub fn disable_row_level_security(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.security(SecurityStep::RowLevelSecurity {
            table: table.into(),
            enable: false,
        });
        self
    }

    /// `ALTER TABLE .. FORCE ROW LEVEL SECURITY`: the table's owner is subject to its
    /// policies too. Undone by `NO FORCE`.
    pub fn force_row_level_security(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.security(SecurityStep::ForceRowLevelSecurity {
            table: table.into(),
            force: true,
        });
        self
    }

    /// `ALTER TABLE .. NO FORCE ROW LEVEL SECURITY`; undone by `FORCE`.
    pub fn no_force_row_level_security(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.security(SecurityStep::ForceRowLevelSecurity {
            table: table.into(),
            force: false,
        });
        self
    }

    /// `CREATE POLICY name ON table ..`; undone by `DROP POLICY name ON table`. A
    /// policy is named within its table, so the table comes first. Refine it with
    /// the returned [`PolicyDef`]: `.restrictive()`, `.for_select()` (or
    /// `.command(..)`), `.to([..])` (role names are quoted; [`RoleSpec::Public`],
    /// [`RoleSpec::CurrentUser`], .. are keywords), `.using(..)`, `.with_check(..)`
    /// (sea-query expressions or [`SqlExpr`](crate::SqlExpr), as for `add_check`).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn owners_only(m: &mut Migration) {
    ///     m.create_policy("docs", "owner_reads")
    ///         .for_select()
    ///         .to(["app_user"])
    ///         .using(Expr::col("owner").eq(Expr::cust("current_user")));
    ///     m.create_policy("docs", "not_archived")
    ///         .restrictive()
    ///         .to([RoleSpec::Public])
    ///         .using(Expr::col("archived").eq(false))
    ///         .with_check(Expr::col("archived").eq(false));
    /// }
    /// let plan = migrate_core::plan::preview(owners_only).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE POLICY "owner_reads" ON "docs" FOR SELECT TO "app_user" USING ("owner" = (current_user))"#,
    ///     r#"CREATE POLICY "not_archived" ON "docs" AS RESTRICTIVE TO PUBLIC USING ("archived" = FALSE) WITH CHECK ("archived" = FALSE)"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"DROP POLICY "not_archived" ON "docs""#,
    ///     r#"DROP POLICY "owner_reads" ON "docs""#,
    /// ]);
    /// ```
    pub fn create_policy(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut PolicyDef {
        match self.security(SecurityStep::CreatePolicy(PolicyDef::new(table, name))) {
            SecurityStep::CreatePolicy(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DROP POLICY name ON table`, with the policy's definition so that the down can
    /// re-create it: `define` refines a [`PolicyDef`] as after `create_policy`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn open_up(m: &mut Migration) {
    ///     m.drop_policy_with("docs", "owner_reads", |p| {
    ///         p.for_select().using(Expr::col("owner").eq(Expr::cust("current_user")));
    ///     });
    /// }
    /// let plan = migrate_core::plan::preview(open_up).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"DROP POLICY "owner_reads" ON "docs""#]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"CREATE POLICY "owner_reads" ON "docs" FOR SELECT USING ("owner" = (current_user))"#,
    /// ]);
    /// ```
    pub fn drop_policy_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        define: impl FnOnce(&mut PolicyDef),
    ) -> &mut Self {
        let table = table.into();
        let name = name.into();
        let mut def = PolicyDef::new(table.clone(), name.clone());
        define(&mut def);
        self.security(SecurityStep::DropPolicy {
            table,
            name,
            definition: Some(def),
        });
        self
    }

    /// `ALTER POLICY from ON table RENAME TO to`; undone by renaming it back.
    pub fn rename_policy(
        &mut self,
        table: impl Into<ObjectName>,
        from: impl Into<Ident>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.security(SecurityStep::RenamePolicy {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        });
        self
    }

    /// Changes a policy from its `old` definition to a `new` one (each built as after
    /// `create_policy`); the down changes it back. Rendered as `ALTER POLICY .. TO ..
    /// USING .. WITH CHECK ..` when PostgreSQL can alter the policy in place (same
    /// command, same permissive / restrictive kind, no clause removed), otherwise as
    /// `DROP POLICY` then `CREATE POLICY`, in the migration's transaction.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn widen(m: &mut Migration) {
    ///     m.alter_policy(
    ///         "docs",
    ///         "owner_reads",
    ///         |old| {
    ///             old.for_select().to(["app_user"]).using(Expr::col("owner").eq(Expr::cust("current_user")));
    ///         },
    ///         |new| {
    ///             new.for_select().to(["app_user", "auditor"]).using(Expr::cust("true"));
    ///         },
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(widen).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER POLICY "owner_reads" ON "docs" TO "app_user", "auditor" USING (true)"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER POLICY "owner_reads" ON "docs" TO "app_user" USING ("owner" = (current_user))"#,
    /// ]);
    /// ```
    pub fn alter_policy(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        old: impl FnOnce(&mut PolicyDef),
        new: impl FnOnce(&mut PolicyDef),
    ) -> &mut Self {
        let table = table.into();
        let name = name.into();
        let mut before = PolicyDef::new(table.clone(), name.clone());
        old(&mut before);
        let mut after = PolicyDef::new(table, name);
        new(&mut after);
        self.security(SecurityStep::AlterPolicy {
            old: Box::new(before),
            new: Box::new(after),
        });
        self
    }

    /// `GRANT privileges ON object TO roles`; undone by `REVOKE privileges ON object
    /// FROM roles`. Privileges are [`Privilege`]s, or [`PrivilegeSpec`]s for some
    /// columns of a table (`Privilege::Update.on_columns(["title"])`); the object is a
    /// [`GrantOn`]; roles are names (quoted) or [`RoleSpec`] keywords. Chain
    /// `.with_grant_option()` for `WITH GRANT OPTION`.
    ///
    /// **The down revokes what the step names, whatever the roles held before.** A
    /// role that already had one of the privileges before the migration loses it on
    /// the way down: `REVOKE` does not know who granted what when. `verify` catches
    /// this when the earlier privilege came from an earlier migration; for privileges
    /// given outside the migrations, grant only what the role does not hold yet, or
    /// write the down by hand.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn readers(m: &mut Migration) {
    ///     m.grant([Privilege::Select], GrantOn::table("docs"), ["app_reader"]);
    ///     m.grant(
    ///         [Privilege::Select.into(), Privilege::Update.on_columns(["title"])],
    ///         GrantOn::table("docs"),
    ///         ["app_editor"],
    ///     )
    ///     .with_grant_option();
    ///     m.grant([Privilege::Usage], GrantOn::schema("app"), [RoleSpec::Public]);
    /// }
    /// let plan = migrate_core::plan::preview(readers).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"GRANT SELECT ON TABLE "docs" TO "app_reader""#,
    ///     r#"GRANT SELECT, UPDATE ("title") ON TABLE "docs" TO "app_editor" WITH GRANT OPTION"#,
    ///     r#"GRANT USAGE ON SCHEMA "app" TO PUBLIC"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"REVOKE USAGE ON SCHEMA "app" FROM PUBLIC"#,
    ///     r#"REVOKE SELECT, UPDATE ("title") ON TABLE "docs" FROM "app_editor""#,
    ///     r#"REVOKE SELECT ON TABLE "docs" FROM "app_reader""#,
    /// ]);
    /// ```
    pub fn grant(
        &mut self,
        privileges: impl IntoIterator<Item = impl Into<PrivilegeSpec>>,
        on: GrantOn,
        to: impl IntoIterator<Item = impl Into<RoleSpec>>,
    ) -> &mut GrantDef {
        let def = grant_def(privileges, on, to);
        match self.security(SecurityStep::Grant(def)) {
            SecurityStep::Grant(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `REVOKE privileges ON object FROM roles` (the privileges and their grant
    /// option); undone by `GRANT privileges ON object TO roles`, with the grant option
    /// if `.with_grant_option()` is chained (say so when the roles held it).
    ///
    /// The down grants what the step names, whatever the roles held before: a
    /// privilege the role did not have comes into being on the way down (see
    /// [`grant`](Self::grant)).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn no_public_create(m: &mut Migration) {
    ///     m.revoke([Privilege::Create], GrantOn::schema("public"), [RoleSpec::Public]);
    /// }
    /// let plan = migrate_core::plan::preview(no_public_create).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"REVOKE CREATE ON SCHEMA "public" FROM PUBLIC"#]);
    /// assert_eq!(plan.down_sql(), [r#"GRANT CREATE ON SCHEMA "public" TO PUBLIC"#]);
    /// ```
    pub fn revoke(
        &mut self,
        privileges: impl IntoIterator<Item = impl Into<PrivilegeSpec>>,
        on: GrantOn,
        from: impl IntoIterator<Item = impl Into<RoleSpec>>,
    ) -> &mut GrantDef {
        let def = grant_def(privileges, on, from);
        match self.security(SecurityStep::Revoke(def)) {
            SecurityStep::Revoke(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER DEFAULT PRIVILEGES .. GRANT privileges ON kind TO roles`: the privileges
    /// objects of that kind get when they are created later (by the role running the
    /// migration, or those of `.for_role(..)`; in every schema, or those of
    /// `.in_schema(..)`). Undone by the matching `REVOKE`, with the same caveat as
    /// [`grant`](Self::grant).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn future_tables(m: &mut Migration) {
    ///     m.grant_default_privileges([Privilege::Select], DefaultObjects::Tables, ["app_reader"])
    ///         .in_schema("app");
    /// }
    /// let plan = migrate_core::plan::preview(future_tables).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" GRANT SELECT ON TABLES TO "app_reader""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" REVOKE SELECT ON TABLES FROM "app_reader""#,
    /// ]);
    /// ```
    pub fn grant_default_privileges(
        &mut self,
        privileges: impl IntoIterator<Item = Privilege>,
        on: DefaultObjects,
        to: impl IntoIterator<Item = impl Into<RoleSpec>>,
    ) -> &mut DefaultPrivilegesDef {
        let def = default_def(privileges, on, to);
        match self.security(SecurityStep::GrantDefault(def)) {
            SecurityStep::GrantDefault(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER DEFAULT PRIVILEGES .. REVOKE privileges ON kind FROM roles`; undone by
    /// the matching `GRANT`.
    pub fn revoke_default_privileges(
        &mut self,
        privileges: impl IntoIterator<Item = Privilege>,
        on: DefaultObjects,
        from: impl IntoIterator<Item = impl Into<RoleSpec>>,
    ) -> &mut DefaultPrivilegesDef {
        let def = default_def(privileges, on, from);
        match self.security(SecurityStep::RevokeDefault(def)) {
            SecurityStep::RevokeDefault(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }
}

fn grant_def(
    privileges: impl IntoIterator<Item = impl Into<PrivilegeSpec>>,
    on: GrantOn,
    to: impl IntoIterator<Item = impl Into<RoleSpec>>,
) -> GrantDef {
    GrantDef {
        privileges: privileges.into_iter().map(Into::into).collect(),
        on,
        roles: roles(to),
        with_grant_option: false,
    }
}

fn default_def(
    privileges: impl IntoIterator<Item = Privilege>,
    on: DefaultObjects,
    to: impl IntoIterator<Item = impl Into<RoleSpec>>,
) -> DefaultPrivilegesDef {
    DefaultPrivilegesDef {
        for_roles: Vec::new(),
        in_schemas: Vec::new(),
        privileges: privileges.into_iter().collect(),
        on,
        roles: roles(to),
        with_grant_option: false,
    }
}
