//! Rendering one family of steps: row-level security, policies and privileges (`GRANT` / `REVOKE`).
//!
//! sea-query has no builder for any of these statements: they are composed here with
//! [`quote_ident`] / [`quote_name`], and expressions through [`SqlExpr::to_sql`].

use super::{column_type, quote_ident, quote_name};
use crate::expr::SqlExpr;
use crate::ident::Ident;
use crate::step::{
    DefaultPrivilegesDef, FunctionSignature, GrantDef, GrantOn, PolicyCommand, PolicyDef,
    PrivilegeSpec, RoleSpec, SecurityStep,
};

/// The statements of a security step.
pub(super) fn security(step: &SecurityStep) -> Vec<String> {
    match step {
        SecurityStep::RowLevelSecurity { table, enable } => vec![format!(
            "ALTER TABLE {} {} ROW LEVEL SECURITY",
            quote_name(table),
            if *enable { "ENABLE" } else { "DISABLE" }
        )],
        SecurityStep::ForceRowLevelSecurity { table, force } => vec![format!(
            "ALTER TABLE {} {} ROW LEVEL SECURITY",
            quote_name(table),
            if *force { "FORCE" } else { "NO FORCE" }
        )],
        SecurityStep::CreatePolicy(def) => vec![create_policy(def)],
        SecurityStep::DropPolicy { table, name, .. } => vec![format!(
            "DROP POLICY {} ON {}",
            quote_ident(name),
            quote_name(table)
        )],
        SecurityStep::RenamePolicy { table, from, to } => vec![format!(
            "ALTER POLICY {} ON {} RENAME TO {}",
            quote_ident(from),
            quote_name(table),
            quote_ident(to)
        )],
        SecurityStep::AlterPolicy { old, new } => alter_policy(old, new),
        SecurityStep::Grant(def) => vec![grant(def)],
        SecurityStep::Revoke(def) => vec![revoke(def)],
        SecurityStep::GrantDefault(def) => vec![default_privileges(def, true)],
        SecurityStep::RevokeDefault(def) => vec![default_privileges(def, false)],
    }
}

/// Whether PostgreSQL can turn policy `old` into `new` with `ALTER POLICY`: same table,
/// name, command and kind, and no `USING` / `WITH CHECK` clause removed (`ALTER
/// POLICY` can replace a clause but not remove one).
pub(crate) fn alters_in_place(old: &PolicyDef, new: &PolicyDef) -> bool {
    old.table == new.table
        && old.name == new.name
        && old.command == new.command
        && old.restrictive == new.restrictive
        && (old.using.is_none() || new.using.is_some())
        && (old.with_check.is_none() || new.with_check.is_some())
}

fn alter_policy(old: &PolicyDef, new: &PolicyDef) -> Vec<String> {
    if !alters_in_place(old, new) {
        return vec![
            format!(
                "DROP POLICY {} ON {}",
                quote_ident(&old.name),
                quote_name(&old.table)
            ),
            create_policy(new),
        ];
    }
    let mut sql = format!(
        "ALTER POLICY {} ON {} TO {}",
        quote_ident(&new.name),
        quote_name(&new.table),
        if new.roles.is_empty() {
            "PUBLIC".to_owned()
        } else {
            roles(&new.roles)
        }
    );
    clauses(&mut sql, new);
    vec![sql]
}

fn create_policy(def: &PolicyDef) -> String {
    let mut sql = format!(
        "CREATE POLICY {} ON {}",
        quote_ident(&def.name),
        quote_name(&def.table)
    );
    if def.restrictive {
        sql.push_str(" AS RESTRICTIVE");
    }
    if def.command != PolicyCommand::All {
        sql.push_str(" FOR ");
        sql.push_str(def.command.keyword());
    }
    if !def.roles.is_empty() {
        sql.push_str(" TO ");
        sql.push_str(&roles(&def.roles));
    }
    clauses(&mut sql, def);
    sql
}

/// ` USING (..)` and ` WITH CHECK (..)`, those the policy has.
fn clauses(sql: &mut String, def: &PolicyDef) {
    if let Some(using) = &def.using {
        sql.push_str(&format!(" USING ({})", expr(using)));
    }
    if let Some(check) = &def.with_check {
        sql.push_str(&format!(" WITH CHECK ({})", expr(check)));
    }
}

fn expr(e: &SqlExpr) -> String {
    e.to_sql()
}

/// A role: a name quoted as an identifier, or a keyword.
fn role(spec: &RoleSpec) -> String {
    match spec {
        RoleSpec::Named(name) => quote_ident(name),
        RoleSpec::Public => "PUBLIC".to_owned(),
        RoleSpec::CurrentUser => "CURRENT_USER".to_owned(),
        RoleSpec::SessionUser => "SESSION_USER".to_owned(),
        RoleSpec::CurrentRole => "CURRENT_ROLE".to_owned(),
    }
}

fn roles(specs: &[RoleSpec]) -> String {
    specs.iter().map(role).collect::<Vec<_>>().join(", ")
}

fn idents(names: &[Ident]) -> String {
    names.iter().map(quote_ident).collect::<Vec<_>>().join(", ")
}

fn privilege(spec: &PrivilegeSpec) -> String {
    if spec.columns.is_empty() {
        spec.privilege.keyword().to_owned()
    } else {
        format!("{} ({})", spec.privilege.keyword(), idents(&spec.columns))
    }
}

fn privileges(specs: &[PrivilegeSpec]) -> String {
    specs.iter().map(privilege).collect::<Vec<_>>().join(", ")
}

fn signature(f: &FunctionSignature) -> String {
    format!(
        "{}({})",
        quote_name(&f.name),
        f.args
            .iter()
            .map(column_type)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn object(on: &GrantOn) -> String {
    let names = |kind: &str, list: &[crate::ident::ObjectName]| {
        format!(
            "{kind} {}",
            list.iter().map(quote_name).collect::<Vec<_>>().join(", ")
        )
    };
    let signatures = |kind: &str, list: &[FunctionSignature]| {
        format!(
            "{kind} {}",
            list.iter().map(signature).collect::<Vec<_>>().join(", ")
        )
    };
    match on {
        GrantOn::Tables(list) => names("TABLE", list),
        GrantOn::Sequences(list) => names("SEQUENCE", list),
        GrantOn::Schemas(list) => format!("SCHEMA {}", idents(list)),
        GrantOn::Functions(list) => signatures("FUNCTION", list),
        GrantOn::Procedures(list) => signatures("PROCEDURE", list),
        GrantOn::AllTablesInSchema(list) => format!("ALL TABLES IN SCHEMA {}", idents(list)),
        GrantOn::AllSequencesInSchema(list) => {
            format!("ALL SEQUENCES IN SCHEMA {}", idents(list))
        }
        GrantOn::AllFunctionsInSchema(list) => {
            format!("ALL FUNCTIONS IN SCHEMA {}", idents(list))
        }
        GrantOn::Database(name) => format!("DATABASE {}", quote_ident(name)),
    }
}

fn grant(def: &GrantDef) -> String {
    format!(
        "GRANT {} ON {} TO {}{}",
        privileges(&def.privileges),
        object(&def.on),
        roles(&def.roles),
        if def.with_grant_option {
            " WITH GRANT OPTION"
        } else {
            ""
        }
    )
}

fn revoke(def: &GrantDef) -> String {
    format!(
        "REVOKE {} ON {} FROM {}",
        privileges(&def.privileges),
        object(&def.on),
        roles(&def.roles)
    )
}

fn default_privileges(def: &DefaultPrivilegesDef, grant: bool) -> String {
    let mut sql = "ALTER DEFAULT PRIVILEGES".to_owned();
    if !def.for_roles.is_empty() {
        sql.push_str(&format!(" FOR ROLE {}", idents(&def.for_roles)));
    }
    if !def.in_schemas.is_empty() {
        sql.push_str(&format!(" IN SCHEMA {}", idents(&def.in_schemas)));
    }
    let privileges = def
        .privileges
        .iter()
        .map(|p| p.keyword())
        .collect::<Vec<_>>()
        .join(", ");
    if grant {
        sql.push_str(&format!(
            " GRANT {privileges} ON {} TO {}",
            def.on.keyword(),
            roles(&def.roles)
        ));
        if def.with_grant_option {
            sql.push_str(" WITH GRANT OPTION");
        }
    } else {
        sql.push_str(&format!(
            " REVOKE {privileges} ON {} FROM {}",
            def.on.keyword(),
            roles(&def.roles)
        ));
    }
    sql
}
