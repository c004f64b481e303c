//! The steps and definitions of one family: row-level security, policies and privileges (`GRANT` / `REVOKE`).
//!
//! [`SecurityStep`] is carried by [`Step::Security`](super::Step::Security); its
//! [`kind`](SecurityStep::kind), [`transactional`](SecurityStep::transactional) and
//! [`inverse`](SecurityStep::inverse) have the same meaning as [`Step`]'s.

use serde::Serialize;

use super::Step;
use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::ColumnType;

/// A step of the security family: row-level security, policies, privileges.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum SecurityStep {
    /// `ALTER TABLE .. ENABLE ROW LEVEL SECURITY` (`enable: true`) or `DISABLE ..`.
    RowLevelSecurity {
        /// The table.
        table: ObjectName,
        /// `true` to enable, `false` to disable.
        enable: bool,
    },
    /// `ALTER TABLE .. FORCE ROW LEVEL SECURITY` (`force: true`) or `NO FORCE ..`:
    /// whether the table's owner is subject to its policies too.
    ForceRowLevelSecurity {
        /// The table.
        table: ObjectName,
        /// `true` for `FORCE`, `false` for `NO FORCE`.
        force: bool,
    },
    /// `CREATE POLICY .. ON ..`.
    CreatePolicy(PolicyDef),
    /// `DROP POLICY .. ON ..`; with its definition it can be re-created.
    DropPolicy {
        /// The policy's table.
        table: ObjectName,
        /// The policy's name.
        name: Ident,
        /// Its definition, when the migration gave it.
        definition: Option<PolicyDef>,
    },
    /// `ALTER POLICY .. ON .. RENAME TO ..`.
    RenamePolicy {
        /// The policy's table.
        table: ObjectName,
        /// Its current name.
        from: Ident,
        /// The new name.
        to: Ident,
    },
    /// A policy changed from one definition to another (same table, same name):
    /// `ALTER POLICY .. TO .. USING .. WITH CHECK ..` when PostgreSQL can alter it in
    /// place, otherwise (another command, permissive / restrictive, or a clause
    /// removed) `DROP POLICY` then `CREATE POLICY`.
    AlterPolicy {
        /// The policy as it is before the step.
        old: Box<PolicyDef>,
        /// The policy as it is after the step.
        new: Box<PolicyDef>,
    },
    /// `GRANT .. ON .. TO ..`; undone by the `REVOKE` of the same privileges.
    Grant(GrantDef),
    /// `REVOKE .. ON .. FROM ..`; undone by the `GRANT` of the same privileges (with
    /// the grant option when the definition says so).
    Revoke(GrantDef),
    /// `ALTER DEFAULT PRIVILEGES .. GRANT ..`: privileges on objects created later.
    GrantDefault(DefaultPrivilegesDef),
    /// `ALTER DEFAULT PRIVILEGES .. REVOKE ..`.
    RevokeDefault(DefaultPrivilegesDef),
}

impl SecurityStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            SecurityStep::RowLevelSecurity { enable: true, .. } => "enable_row_level_security",
            SecurityStep::RowLevelSecurity { enable: false, .. } => "disable_row_level_security",
            SecurityStep::ForceRowLevelSecurity { force: true, .. } => "force_row_level_security",
            SecurityStep::ForceRowLevelSecurity { force: false, .. } => {
                "no_force_row_level_security"
            }
            SecurityStep::CreatePolicy(_) => "create_policy",
            SecurityStep::DropPolicy { .. } => "drop_policy",
            SecurityStep::RenamePolicy { .. } => "rename_policy",
            SecurityStep::AlterPolicy { .. } => "alter_policy",
            SecurityStep::Grant(_) => "grant",
            SecurityStep::Revoke(_) => "revoke",
            SecurityStep::GrantDefault(_) => "grant_default_privileges",
            SecurityStep::RevokeDefault(_) => "revoke_default_privileges",
        }
    }

    /// Whether the step may run inside a transaction block: all of them may.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what
    /// it carries (a policy dropped without its definition).
    ///
    /// A `GRANT`'s inverse is a `REVOKE` of the same privileges, which also takes
    /// away a privilege the role already held before the migration (and a
    /// `REVOKE`'s inverse grants one it did not hold): see
    /// [`Migration::grant`](crate::Migration::grant).
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: SecurityStep| Some(vec![Step::Security(s)]);
        match self {
            SecurityStep::RowLevelSecurity { table, enable } => {
                one(SecurityStep::RowLevelSecurity {
                    table: table.clone(),
                    enable: !enable,
                })
            }
            SecurityStep::ForceRowLevelSecurity { table, force } => {
                one(SecurityStep::ForceRowLevelSecurity {
                    table: table.clone(),
                    force: !force,
                })
            }
            SecurityStep::CreatePolicy(def) => one(SecurityStep::DropPolicy {
                table: def.table.clone(),
                name: def.name.clone(),
                definition: Some(def.clone()),
            }),
            SecurityStep::DropPolicy {
                table,
                name,
                definition,
            } => definition.clone().map(|mut def| {
                def.table = table.clone();
                def.name = name.clone();
                vec![Step::Security(SecurityStep::CreatePolicy(def))]
            }),
            SecurityStep::RenamePolicy { table, from, to } => one(SecurityStep::RenamePolicy {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            SecurityStep::AlterPolicy { old, new } => one(SecurityStep::AlterPolicy {
                old: new.clone(),
                new: old.clone(),
            }),
            SecurityStep::Grant(def) => one(SecurityStep::Revoke(def.clone())),
            SecurityStep::Revoke(def) => one(SecurityStep::Grant(def.clone())),
            SecurityStep::GrantDefault(def) => one(SecurityStep::RevokeDefault(def.clone())),
            SecurityStep::RevokeDefault(def) => one(SecurityStep::GrantDefault(def.clone())),
        }
    }
}

// ----- roles ----------------------------------------------------------------------------

/// A role as a policy or a `GRANT` names it: a role name (quoted as an identifier) or
/// one of the keywords `PUBLIC`, `CURRENT_USER`, `SESSION_USER`, `CURRENT_ROLE`.
///
/// A string converts to a named role: `"app_reader".into()`. The keywords are
/// variants, so a role that happens to be called `public` is still
/// `RoleSpec::named("public")`, quoted, and never the keyword.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum RoleSpec {
    /// A role by name.
    Named(Ident),
    /// `PUBLIC`: every role.
    Public,
    /// `CURRENT_USER`.
    CurrentUser,
    /// `SESSION_USER`.
    SessionUser,
    /// `CURRENT_ROLE` (PostgreSQL 14 and later).
    CurrentRole,
}

impl RoleSpec {
    /// A role by name.
    pub fn named(name: impl Into<Ident>) -> Self {
        Self::Named(name.into())
    }
}

impl From<&str> for RoleSpec {
    fn from(s: &str) -> Self {
        Self::Named(s.into())
    }
}

impl From<String> for RoleSpec {
    fn from(s: String) -> Self {
        Self::Named(s.into())
    }
}

impl From<&String> for RoleSpec {
    fn from(s: &String) -> Self {
        Self::Named(s.into())
    }
}

impl From<Ident> for RoleSpec {
    fn from(s: Ident) -> Self {
        Self::Named(s)
    }
}

// ----- policies -------------------------------------------------------------------------

/// The command a policy applies to: `FOR ALL` (the default), `SELECT`, `INSERT`,
/// `UPDATE` or `DELETE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PolicyCommand {
    /// `FOR ALL`: every command.
    #[default]
    All,
    /// `FOR SELECT`.
    Select,
    /// `FOR INSERT`.
    Insert,
    /// `FOR UPDATE`.
    Update,
    /// `FOR DELETE`.
    Delete,
}

impl PolicyCommand {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// A policy: the body of `CREATE POLICY name ON table`.
///
/// Built by [`Migration::create_policy`](crate::Migration::create_policy) and the
/// `drop_policy_with` / `alter_policy` closures, with chained calls:
/// `.restrictive()`, `.command(PolicyCommand::Select)` (or `.for_select()`, ..),
/// `.to([..])`, `.using(..)`, `.with_check(..)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PolicyDef {
    /// The table the policy is on.
    pub table: ObjectName,
    /// The policy's name (unique within its table).
    pub name: Ident,
    /// `AS RESTRICTIVE` when `true`; `AS PERMISSIVE` (the default) otherwise.
    pub restrictive: bool,
    /// `FOR ..`.
    pub command: PolicyCommand,
    /// `TO ..`; empty means `PUBLIC` (PostgreSQL's default).
    pub roles: Vec<RoleSpec>,
    /// `USING (..)`: which existing rows are visible (or may be updated / deleted).
    pub using: Option<SqlExpr>,
    /// `WITH CHECK (..)`: which new rows may be written.
    pub with_check: Option<SqlExpr>,
}

impl PolicyDef {
    /// A permissive policy for all commands and every role, with no expression yet.
    pub fn new(table: impl Into<ObjectName>, name: impl Into<Ident>) -> Self {
        Self {
            table: table.into(),
            name: name.into(),
            restrictive: false,
            command: PolicyCommand::All,
            roles: Vec::new(),
            using: None,
            with_check: None,
        }
    }

    /// `AS RESTRICTIVE`: combined with the other policies by `AND` instead of `OR`.
    pub fn restrictive(&mut self) -> &mut Self {
        self.restrictive = true;
        self
    }

    /// `AS PERMISSIVE` (the default).
    pub fn permissive(&mut self) -> &mut Self {
        self.restrictive = false;
        self
    }

    /// `FOR ..`: the command the policy applies to.
    pub fn command(&mut self, command: PolicyCommand) -> &mut Self {
        self.command = command;
        self
    }

    /// `FOR SELECT`.
    pub fn for_select(&mut self) -> &mut Self {
        self.command(PolicyCommand::Select)
    }

    /// `FOR INSERT`.
    pub fn for_insert(&mut self) -> &mut Self {
        self.command(PolicyCommand::Insert)
    }

    /// `FOR UPDATE`.
    pub fn for_update(&mut self) -> &mut Self {
        self.command(PolicyCommand::Update)
    }

    /// `FOR DELETE`.
    pub fn for_delete(&mut self) -> &mut Self {
        self.command(PolicyCommand::Delete)
    }

    /// `TO ..`: the roles the policy applies to (names, or [`RoleSpec`] keywords).
    /// Called again, the roles are added.
    pub fn to(&mut self, roles: impl IntoIterator<Item = impl Into<RoleSpec>>) -> &mut Self {
        self.roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// `USING (..)`: the rows the policy lets a command see (a sea-query expression
    /// or a [`SqlExpr`], as for `add_check`).
    pub fn using(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.using = Some(condition.into());
        self
    }

    /// `WITH CHECK (..)`: the rows the policy lets a command write.
    pub fn with_check(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.with_check = Some(condition.into());
        self
    }
}

// ----- privileges -----------------------------------------------------------------------

/// A privilege of `GRANT` / `REVOKE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Privilege {
    /// `SELECT` (tables, views, columns, sequences).
    Select,
    /// `INSERT` (tables, columns).
    Insert,
    /// `UPDATE` (tables, columns, sequences).
    Update,
    /// `DELETE` (tables).
    Delete,
    /// `TRUNCATE` (tables).
    Truncate,
    /// `REFERENCES` (tables, columns).
    References,
    /// `TRIGGER` (tables).
    Trigger,
    /// `USAGE` (schemas, sequences).
    Usage,
    /// `EXECUTE` (functions and procedures).
    Execute,
    /// `CREATE` (schemas, databases).
    Create,
    /// `CONNECT` (databases).
    Connect,
    /// `TEMPORARY` (databases).
    Temporary,
    /// `ALL PRIVILEGES` that apply to the object.
    All,
}

impl Privilege {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Usage => "USAGE",
            Privilege::Execute => "EXECUTE",
            Privilege::Create => "CREATE",
            Privilege::Connect => "CONNECT",
            Privilege::Temporary => "TEMPORARY",
            Privilege::All => "ALL PRIVILEGES",
        }
    }

    /// The privilege on some columns of a table only: `UPDATE ("title", "body")`
    /// (for `SELECT`, `INSERT`, `UPDATE`, `REFERENCES` and `ALL`).
    pub fn on_columns(self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> PrivilegeSpec {
        PrivilegeSpec {
            privilege: self,
            columns: columns.into_iter().map(Into::into).collect(),
        }
    }
}

/// A privilege, on the whole object or on some of a table's columns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct PrivilegeSpec {
    /// The privilege.
    pub privilege: Privilege,
    /// The columns it is limited to; empty for the whole object.
    pub columns: Vec<Ident>,
}

impl From<Privilege> for PrivilegeSpec {
    fn from(privilege: Privilege) -> Self {
        Self {
            privilege,
            columns: Vec::new(),
        }
    }
}

/// A function or procedure named with its argument types, as `GRANT .. ON FUNCTION`
/// needs it: `app.touch(integer, text)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FunctionSignature {
    /// The function's name.
    pub name: ObjectName,
    /// The types of its input arguments, in order.
    pub args: Vec<ColumnType>,
}

/// What a `GRANT` / `REVOKE` is on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum GrantOn {
    /// `ON TABLE a, b` (tables, views, materialized views, foreign tables).
    Tables(Vec<ObjectName>),
    /// `ON SEQUENCE a, b`.
    Sequences(Vec<ObjectName>),
    /// `ON SCHEMA a, b`.
    Schemas(Vec<Ident>),
    /// `ON FUNCTION f(types), ..`.
    Functions(Vec<FunctionSignature>),
    /// `ON PROCEDURE p(types), ..`.
    Procedures(Vec<FunctionSignature>),
    /// `ON ALL TABLES IN SCHEMA a, b`: the tables that exist now (see
    /// [`Migration::grant_default_privileges`](crate::Migration::grant_default_privileges)
    /// for tables created later). The inverse `REVOKE .. ON ALL TABLES IN SCHEMA` applies
    /// to the tables that exist when the down runs (those created by later migrations
    /// are gone by then, when their migrations were reverted first).
    AllTablesInSchema(Vec<Ident>),
    /// `ON ALL SEQUENCES IN SCHEMA a, b`.
    AllSequencesInSchema(Vec<Ident>),
    /// `ON ALL FUNCTIONS IN SCHEMA a, b`.
    AllFunctionsInSchema(Vec<Ident>),
    /// `ON DATABASE a`. Database privileges are outside any schema: the snapshot
    /// (and so `verify`) does not compare them.
    Database(Ident),
}

impl GrantOn {
    /// `ON TABLE name`.
    pub fn table(name: impl Into<ObjectName>) -> Self {
        Self::Tables(vec![name.into()])
    }

    /// `ON TABLE a, b, ..`.
    pub fn tables(names: impl IntoIterator<Item = impl Into<ObjectName>>) -> Self {
        Self::Tables(names.into_iter().map(Into::into).collect())
    }

    /// `ON SEQUENCE name`.
    pub fn sequence(name: impl Into<ObjectName>) -> Self {
        Self::Sequences(vec![name.into()])
    }

    /// `ON SEQUENCE a, b, ..`.
    pub fn sequences(names: impl IntoIterator<Item = impl Into<ObjectName>>) -> Self {
        Self::Sequences(names.into_iter().map(Into::into).collect())
    }

    /// `ON SCHEMA name`.
    pub fn schema(name: impl Into<Ident>) -> Self {
        Self::Schemas(vec![name.into()])
    }

    /// `ON FUNCTION name(args)`; `args` are the input argument types.
    pub fn function(
        name: impl Into<ObjectName>,
        args: impl IntoIterator<Item = ColumnType>,
    ) -> Self {
        Self::Functions(vec![FunctionSignature {
            name: name.into(),
            args: args.into_iter().collect(),
        }])
    }

    /// `ON PROCEDURE name(args)`.
    pub fn procedure(
        name: impl Into<ObjectName>,
        args: impl IntoIterator<Item = ColumnType>,
    ) -> Self {
        Self::Procedures(vec![FunctionSignature {
            name: name.into(),
            args: args.into_iter().collect(),
        }])
    }

    /// `ON ALL TABLES IN SCHEMA name`.
    pub fn all_tables_in_schema(name: impl Into<Ident>) -> Self {
        Self::AllTablesInSchema(vec![name.into()])
    }

    /// `ON ALL SEQUENCES IN SCHEMA name`.
    pub fn all_sequences_in_schema(name: impl Into<Ident>) -> Self {
        Self::AllSequencesInSchema(vec![name.into()])
    }

    /// `ON ALL FUNCTIONS IN SCHEMA name`.
    pub fn all_functions_in_schema(name: impl Into<Ident>) -> Self {
        Self::AllFunctionsInSchema(vec![name.into()])
    }

    /// `ON DATABASE name`.
    pub fn database(name: impl Into<Ident>) -> Self {
        Self::Database(name.into())
    }
}

/// The body of a `GRANT` or `REVOKE`: privileges, object, roles.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GrantDef {
    /// The privileges.
    pub privileges: Vec<PrivilegeSpec>,
    /// What they are on.
    pub on: GrantOn,
    /// The roles that receive (or lose) them.
    pub roles: Vec<RoleSpec>,
    /// `WITH GRANT OPTION` on a `GRANT` (a `REVOKE` always takes the grant option away
    /// with the privilege; on a `REVOKE` this says that its inverse re-grants it).
    pub with_grant_option: bool,
}

impl GrantDef {
    /// `WITH GRANT OPTION`: the roles may grant the privileges on. On a `revoke`, it
    /// says the roles held the grant option, so that the down grants it back too.
    pub fn with_grant_option(&mut self) -> &mut Self {
        self.with_grant_option = true;
        self
    }
}

/// The kind of objects `ALTER DEFAULT PRIVILEGES` applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum DefaultObjects {
    /// `ON TABLES` (and views, materialized views, foreign tables).
    Tables,
    /// `ON SEQUENCES`.
    Sequences,
    /// `ON FUNCTIONS` (and procedures).
    Functions,
    /// `ON TYPES`.
    Types,
    /// `ON SCHEMAS` (not with `IN SCHEMA`).
    Schemas,
}

impl DefaultObjects {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "TABLES",
            DefaultObjects::Sequences => "SEQUENCES",
            DefaultObjects::Functions => "FUNCTIONS",
            DefaultObjects::Types => "TYPES",
            DefaultObjects::Schemas => "SCHEMAS",
        }
    }
}

/// The body of `ALTER DEFAULT PRIVILEGES .. GRANT / REVOKE ..`: the privileges objects
/// get when they are created later.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DefaultPrivilegesDef {
    /// `FOR ROLE ..`: whose future objects (empty: the role running the migration).
    pub for_roles: Vec<Ident>,
    /// `IN SCHEMA ..`: only objects created in these schemas (empty: everywhere).
    pub in_schemas: Vec<Ident>,
    /// The privileges.
    pub privileges: Vec<Privilege>,
    /// The kind of objects.
    pub on: DefaultObjects,
    /// The roles that receive (or lose) them.
    pub roles: Vec<RoleSpec>,
    /// `WITH GRANT OPTION` (as for [`GrantDef::with_grant_option`]).
    pub with_grant_option: bool,
}

impl DefaultPrivilegesDef {
    /// `FOR ROLE ..`: the objects that role creates later (default: the role running
    /// the migration). Called again, roles are added.
    pub fn for_role(&mut self, role: impl Into<Ident>) -> &mut Self {
        self.for_roles.push(role.into());
        self
    }

    /// `IN SCHEMA ..`: only objects created in that schema. Called again, schemas are
    /// added.
    pub fn in_schema(&mut self, schema: impl Into<Ident>) -> &mut Self {
        self.in_schemas.push(schema.into());
        self
    }

    /// `WITH GRANT OPTION`.
    pub fn with_grant_option(&mut self) -> &mut Self {
        self.with_grant_option = true;
        self
    }
}

// ----- checks ---------------------------------------------------------------------------

/// Collects the problems of one step, in the plan's wording (`what `name`: why`).
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    fn name(&mut self, what: &str, name: &Ident) {
        if let Err(e) = name.check() {
            self.push(format!("{what} `{name}`: {e}"));
        }
    }

    fn object(&mut self, what: &str, name: &ObjectName) {
        if let Err(e) = name.check() {
            self.push(format!("{what} `{name}`: {e}"));
        }
    }

    fn nonempty<T>(&mut self, what: &str, list: &[T]) {
        if list.is_empty() {
            self.push(format!("{what} is empty"));
        }
    }

    fn roles(&mut self, roles: &[RoleSpec]) {
        for role in roles {
            if let RoleSpec::Named(name) = role {
                self.name("role", name);
            }
        }
    }

    fn policy(&mut self, def: &PolicyDef) {
        self.object("table", &def.table);
        self.name("policy", &def.name);
        self.roles(&def.roles);
        let command = def.command.keyword();
        if def.with_check.is_some()
            && matches!(def.command, PolicyCommand::Select | PolicyCommand::Delete)
        {
            self.push(format!(
                "policy `{}` is FOR {command} and has a WITH CHECK expression, which PostgreSQL \
                 refuses: WITH CHECK tests rows being written, and {command} writes none; \
                 use `using(..)` to choose the rows it may {}",
                def.name,
                if def.command == PolicyCommand::Select {
                    "see"
                } else {
                    "delete"
                }
            ));
        }
        if def.using.is_some() && def.command == PolicyCommand::Insert {
            self.push(format!(
                "policy `{}` is FOR INSERT and has a USING expression, which PostgreSQL refuses: \
                 USING tests existing rows, and INSERT reads none; use `with_check(..)` to \
                 choose the rows it may insert",
                def.name
            ));
        }
    }

    fn privileges(&mut self, privileges: &[Privilege], allowed: &[Privilege], on: &str) {
        for privilege in privileges {
            if !allowed.contains(privilege) {
                self.push(format!(
                    "privilege {} does not apply to {on} (PostgreSQL refuses it); {on} take {}",
                    privilege.keyword(),
                    allowed
                        .iter()
                        .map(|p| p.keyword())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if privileges.len() > 1 && privileges.contains(&Privilege::All) {
            self.push("ALL PRIVILEGES cannot be listed with other privileges");
        }
    }

    fn grant(&mut self, def: &GrantDef) {
        use Privilege::*;
        self.nonempty("the list of privileges", &def.privileges);
        self.nonempty("the list of roles", &def.roles);
        self.roles(&def.roles);
        let (on, allowed): (&str, &[Privilege]) = match &def.on {
            GrantOn::Tables(names) => {
                self.nonempty("the list of tables", names);
                for name in names {
                    self.object("table", name);
                }
                ("tables", TABLE)
            }
            GrantOn::Sequences(names) => {
                self.nonempty("the list of sequences", names);
                for name in names {
                    self.object("sequence", name);
                }
                ("sequences", SEQUENCE)
            }
            GrantOn::Functions(functions) | GrantOn::Procedures(functions) => {
                self.nonempty("the list of functions", functions);
                for f in functions {
                    self.object("function", &f.name);
                }
                ("functions", &[Execute, All])
            }
            GrantOn::Schemas(names)
            | GrantOn::AllTablesInSchema(names)
            | GrantOn::AllSequencesInSchema(names)
            | GrantOn::AllFunctionsInSchema(names) => {
                self.nonempty("the list of schemas", names);
                for name in names {
                    self.name("schema", name);
                }
                match &def.on {
                    GrantOn::AllTablesInSchema(_) => ("tables", TABLE),
                    GrantOn::AllSequencesInSchema(_) => ("sequences", SEQUENCE),
                    GrantOn::AllFunctionsInSchema(_) => ("functions", &[Execute, All]),
                    _ => ("schemas", &[Create, Usage, All]),
                }
            }
            GrantOn::Database(name) => {
                self.name("database", name);
                ("databases", &[Create, Connect, Temporary, All])
            }
        };
        let privileges: Vec<Privilege> = def.privileges.iter().map(|p| p.privilege).collect();
        self.privileges(&privileges, allowed, on);
        for spec in &def.privileges {
            if spec.columns.is_empty() {
                continue;
            }
            for column in &spec.columns {
                self.name("column", column);
            }
            if !matches!(def.on, GrantOn::Tables(_)) {
                self.push(format!(
                    "column privileges ({} on columns) apply to tables only: use \
                     `GrantOn::table(..)`",
                    spec.privilege.keyword()
                ));
            } else if !matches!(spec.privilege, Select | Insert | Update | References | All) {
                self.push(format!(
                    "privilege {} cannot be limited to columns; only SELECT, INSERT, UPDATE \
                     and REFERENCES can",
                    spec.privilege.keyword()
                ));
            }
        }
    }

    fn default_privileges(&mut self, def: &DefaultPrivilegesDef) {
        use Privilege::*;
        self.nonempty("the list of privileges", &def.privileges);
        self.nonempty("the list of roles", &def.roles);
        self.roles(&def.roles);
        for role in &def.for_roles {
            self.name("role", role);
        }
        for schema in &def.in_schemas {
            self.name("schema", schema);
        }
        let (on, allowed): (&str, &[Privilege]) = match def.on {
            DefaultObjects::Tables => ("tables", TABLE),
            DefaultObjects::Sequences => ("sequences", SEQUENCE),
            DefaultObjects::Functions => ("functions", &[Execute, All]),
            DefaultObjects::Types => ("types", &[Usage, All]),
            DefaultObjects::Schemas => ("schemas", &[Create, Usage, All]),
        };
        self.privileges(&def.privileges, allowed, on);
        if def.on == DefaultObjects::Schemas && !def.in_schemas.is_empty() {
            self.push(
                "default privileges ON SCHEMAS cannot be limited `in_schema(..)` \
                 (PostgreSQL refuses IN SCHEMA with ON SCHEMAS)",
            );
        }
    }
}

/// The privileges a table takes.
const TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
    Privilege::All,
];

/// The privileges a sequence takes.
const SEQUENCE: &[Privilege] = &[
    Privilege::Usage,
    Privilege::Select,
    Privilege::Update,
    Privilege::All,
];

impl SecurityStep {
    /// What is wrong with the step, as the plan's problems (bad names, empty lists,
    /// privileges that do not apply to the object, clauses PostgreSQL refuses on a
    /// policy's command). Used by the plan's checks.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        match self {
            SecurityStep::RowLevelSecurity { table, .. }
            | SecurityStep::ForceRowLevelSecurity { table, .. } => p.object("table", table),
            SecurityStep::CreatePolicy(def) => p.policy(def),
            SecurityStep::DropPolicy {
                table,
                name,
                definition,
            } => {
                p.object("table", table);
                p.name("policy", name);
                if let Some(def) = definition {
                    p.policy(def);
                }
            }
            SecurityStep::RenamePolicy { table, from, to } => {
                p.object("table", table);
                p.name("policy", from);
                p.name("new policy name", to);
            }
            SecurityStep::AlterPolicy { old, new } => {
                p.policy(old);
                p.policy(new);
                if old.table != new.table || old.name != new.name {
                    p.push(format!(
                        "`alter_policy` changes one policy: the old one is `{}` on `{}`, the new \
                         one `{}` on `{}`",
                        old.name, old.table, new.name, new.table
                    ));
                }
            }
            SecurityStep::Grant(def) | SecurityStep::Revoke(def) => p.grant(def),
            SecurityStep::GrantDefault(def) | SecurityStep::RevokeDefault(def) => {
                p.default_privileges(def)
            }
        }
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PolicyDef {
        let mut def = PolicyDef::new("app.docs", "p");
        def.for_update()
            .to(["r"])
            .using(sea_query::Expr::cust("true"));
        def
    }

    fn grant() -> GrantDef {
        GrantDef {
            privileges: vec![Privilege::Select.into()],
            on: GrantOn::table("docs"),
            roles: vec![RoleSpec::Public],
            with_grant_option: true,
        }
    }

    #[test]
    fn every_inverse_is_undone_by_its_own_inverse() {
        let steps = [
            SecurityStep::RowLevelSecurity {
                table: "docs".into(),
                enable: true,
            },
            SecurityStep::ForceRowLevelSecurity {
                table: "docs".into(),
                force: false,
            },
            SecurityStep::CreatePolicy(policy()),
            SecurityStep::DropPolicy {
                table: "app.docs".into(),
                name: "p".into(),
                definition: Some(policy()),
            },
            SecurityStep::RenamePolicy {
                table: "docs".into(),
                from: "a".into(),
                to: "b".into(),
            },
            SecurityStep::AlterPolicy {
                old: Box::new(policy()),
                new: Box::new(PolicyDef::new("app.docs", "p")),
            },
            SecurityStep::Grant(grant()),
            SecurityStep::Revoke(grant()),
        ];
        for step in steps {
            let inverse = step.inverse().unwrap();
            let [Step::Security(inverse)] = inverse.as_slice() else {
                panic!("{inverse:?}");
            };
            assert_ne!(inverse.kind(), "", "{step:?}");
            assert_eq!(
                inverse.inverse(),
                Some(vec![Step::Security(step.clone())]),
                "{step:?}"
            );
            assert!(step.transactional());
        }
        let bare = SecurityStep::DropPolicy {
            table: "docs".into(),
            name: "p".into(),
            definition: None,
        };
        assert_eq!(bare.inverse(), None);
    }

    #[test]
    fn a_policy_alters_in_place_unless_its_command_or_kind_changes_or_a_clause_goes() {
        use crate::render::step;
        let alter = |old: PolicyDef, new: PolicyDef| {
            step(&Step::Security(SecurityStep::AlterPolicy {
                old: Box::new(old),
                new: Box::new(new),
            }))
            .len()
        };
        let mut roles = policy();
        roles.roles.clear();
        assert_eq!(alter(policy(), roles), 1);
        let mut select = policy();
        select.for_select();
        assert_eq!(alter(policy(), select), 2);
        let mut restrictive = policy();
        restrictive.restrictive();
        assert_eq!(alter(policy(), restrictive), 2);
        let mut no_using = policy();
        no_using.using = None;
        assert_eq!(alter(policy(), no_using.clone()), 2);
        assert_eq!(alter(no_using, policy()), 1);
    }
}
