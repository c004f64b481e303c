//! Rendering one family of steps: functions, procedures and triggers.
//!
//! sea-query has no builder for these statements: they are composed here with the
//! module's quoting. A routine's body is sent dollar-quoted, never escaped, with a tag
//! that does not occur in it (`$body$`, else `$body1$`, ...).

use super::*;
use crate::step::{
    ArgMode, FunctionArg, FunctionDef, Parallel, Returns, RoutineSignature, RoutineStep,
    TriggerDef, TriggerEvent, TriggerLevel, TriggerSelector, TriggerStep, TriggerTiming,
};
use crate::types::Volatility;

/// The statements of a function or procedure step.
pub(super) fn routine(step: &RoutineStep) -> Vec<String> {
    match step {
        RoutineStep::Create(def) => vec![create_routine(def, false)],
        RoutineStep::Replace { old, new } if old.replaceable_by(new) => {
            vec![create_routine(new, true)]
        }
        // `CREATE OR REPLACE` cannot follow (another return type, other arguments):
        // drop the old one and create the new one, in the same transaction.
        RoutineStep::Replace { old, new } => {
            vec![
                drop_routine(&old.signature(), false),
                create_routine(new, false),
            ]
        }
        RoutineStep::Drop {
            signature,
            if_exists,
            cascade,
            ..
        } => {
            let mut sql = drop_routine(signature, *if_exists);
            if *cascade {
                sql.push_str(" CASCADE");
            }
            vec![sql]
        }
        RoutineStep::CreateOrReplace(def) => vec![create_routine(def, true)],
        RoutineStep::Rename { signature, to } => vec![format!(
            "ALTER {} {}({}) RENAME TO {}",
            keyword(signature.kind),
            quote_name(&signature.name),
            arg_types(signature),
            quote_ident(to)
        )],
    }
}

/// The statements of a trigger step.
pub(super) fn trigger(step: &TriggerStep) -> Vec<String> {
    vec![match step {
        TriggerStep::Create(def) => create_trigger(def, false),
        TriggerStep::Replace { new, .. } => create_trigger(new, true),
        TriggerStep::Drop {
            table,
            name,
            if_exists,
            ..
        } => format!(
            "DROP TRIGGER {}{} ON {}",
            if *if_exists { "IF EXISTS " } else { "" },
            quote_ident(name),
            quote_name(table)
        ),
        TriggerStep::Rename { table, from, to } => format!(
            "ALTER TRIGGER {} ON {} RENAME TO {}",
            quote_ident(from),
            quote_name(table),
            quote_ident(to)
        ),
        TriggerStep::SetEnabled {
            table,
            triggers,
            enabled,
        } => format!(
            "ALTER TABLE {} {} TRIGGER {}",
            quote_name(table),
            if *enabled { "ENABLE" } else { "DISABLE" },
            match triggers {
                TriggerSelector::Named(name) => quote_ident(name),
                TriggerSelector::User => "USER".to_owned(),
            }
        ),
    }]
}

// ----- functions and procedures ---------------------------------------------------------

fn keyword(kind: crate::step::RoutineKind) -> &'static str {
    match kind {
        crate::step::RoutineKind::Procedure => "PROCEDURE",
        _ => "FUNCTION",
    }
}

fn create_routine(def: &FunctionDef, or_replace: bool) -> String {
    let mut sql = format!(
        "CREATE {}{} {}({})",
        if or_replace { "OR REPLACE " } else { "" },
        keyword(def.kind),
        quote_name(&def.name),
        def.args.iter().map(arg).collect::<Vec<_>>().join(", ")
    );
    if let Some(returns) = &def.returns {
        sql.push_str(" RETURNS ");
        sql.push_str(&match returns {
            Returns::Type(ty) => column_type(ty),
            Returns::SetOf(ty) => format!("SETOF {}", column_type(ty)),
            Returns::Table(columns) => format!(
                "TABLE ({})",
                columns
                    .iter()
                    .map(|(name, ty)| format!("{} {}", quote_ident(name), column_type(ty)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Returns::Trigger => "trigger".to_owned(),
            Returns::Void => "void".to_owned(),
        });
    }
    sql.push_str(" LANGUAGE ");
    sql.push_str(&super::quote_ident_if_needed(&def.language));
    if let Some(volatility) = def.volatility {
        sql.push_str(match volatility {
            Volatility::Immutable => " IMMUTABLE",
            Volatility::Stable => " STABLE",
            Volatility::Volatile => " VOLATILE",
        });
    }
    if def.strict {
        sql.push_str(" STRICT");
    }
    if def.security_definer {
        sql.push_str(" SECURITY DEFINER");
    }
    if let Some(parallel) = def.parallel {
        sql.push_str(match parallel {
            Parallel::Safe => " PARALLEL SAFE",
            Parallel::Restricted => " PARALLEL RESTRICTED",
            Parallel::Unsafe => " PARALLEL UNSAFE",
        });
    }
    for setting in &def.settings {
        let values = if setting.values.is_empty() {
            "''".to_owned()
        } else {
            setting
                .values
                .iter()
                .map(|v| literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        sql.push_str(&format!(
            " SET {} = {values}",
            super::quote_ident_if_needed(setting.name.as_str())
        ));
    }
    sql.push_str(" AS ");
    sql.push_str(&dollar_quoted(&def.body));
    sql
}

fn arg(arg: &FunctionArg) -> String {
    let mut sql = String::new();
    sql.push_str(match arg.mode {
        ArgMode::Out => "OUT ",
        ArgMode::InOut => "INOUT ",
        ArgMode::Variadic => "VARIADIC ",
        _ => "",
    });
    if let Some(name) = &arg.name {
        sql.push_str(&quote_ident(name));
        sql.push(' ');
    }
    sql.push_str(&column_type(&arg.ty));
    if let Some(default) = &arg.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default.to_sql());
    }
    sql
}

fn drop_routine(signature: &RoutineSignature, if_exists: bool) -> String {
    format!(
        "DROP {}{} {}({})",
        keyword(signature.kind),
        if if_exists { " IF EXISTS" } else { "" },
        quote_name(&signature.name),
        arg_types(signature)
    )
}

fn arg_types(signature: &RoutineSignature) -> String {
    signature
        .arg_types
        .iter()
        .map(column_type)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body between dollar quotes whose tag does not occur in it: the first tag of
/// `$body$`, `$body1$`, `$body2$`, .. such that the body followed by the tag holds the
/// tag only at its end (a body ending in `$body` would otherwise close early).
pub(super) fn dollar_quoted(body: &str) -> String {
    let mut n = 0usize;
    loop {
        let tag = if n == 0 {
            "$body$".to_owned()
        } else {
            format!("$body{n}$")
        };
        let closed = format!("{body}{tag}");
        if closed.find(&tag) == Some(body.len()) {
            return format!("{tag}{body}{tag}");
        }
        n += 1;
    }
}

// ----- triggers -------------------------------------------------------------------------

fn create_trigger(def: &TriggerDef, or_replace: bool) -> String {
    let timing = match def.timing {
        Some(TriggerTiming::Before) => "BEFORE",
        Some(TriggerTiming::InsteadOf) => "INSTEAD OF",
        // The plan refuses a trigger without a timing; render something PostgreSQL
        // refuses too rather than guess.
        Some(TriggerTiming::After) | None => "AFTER",
    };
    let events = def
        .events
        .iter()
        .map(|event| match event {
            TriggerEvent::Insert => "INSERT".to_owned(),
            TriggerEvent::Update(columns) if columns.is_empty() => "UPDATE".to_owned(),
            TriggerEvent::Update(columns) => format!(
                "UPDATE OF {}",
                columns
                    .iter()
                    .map(quote_ident)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TriggerEvent::Delete => "DELETE".to_owned(),
            TriggerEvent::Truncate => "TRUNCATE".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut sql = format!(
        "CREATE {}TRIGGER {} {timing} {events} ON {}",
        if or_replace { "OR REPLACE " } else { "" },
        quote_ident(&def.name),
        quote_name(&def.table)
    );
    if def.old_table.is_some() || def.new_table.is_some() {
        sql.push_str(" REFERENCING");
        if let Some(old) = &def.old_table {
            sql.push_str(&format!(" OLD TABLE AS {}", quote_ident(old)));
        }
        if let Some(new) = &def.new_table {
            sql.push_str(&format!(" NEW TABLE AS {}", quote_ident(new)));
        }
    }
    sql.push_str(match def.level {
        TriggerLevel::Row => " FOR EACH ROW",
        _ => " FOR EACH STATEMENT",
    });
    if let Some(when) = &def.when {
        sql.push_str(&format!(" WHEN ({})", when.to_sql()));
    }
    let function = def
        .function
        .as_ref()
        .map(quote_name)
        .unwrap_or_else(|| "\"\"".to_owned());
    sql.push_str(&format!(
        " EXECUTE FUNCTION {function}({})",
        def.args
            .iter()
            .map(|a| literal(a))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dollar_tag_never_occurs_in_the_body() {
        assert_eq!(dollar_quoted("SELECT 1"), "$body$SELECT 1$body$");
        assert_eq!(
            dollar_quoted("SELECT '$body$'"),
            "$body1$SELECT '$body$'$body1$"
        );
        // A body ending in `$body` would close at its own end.
        assert_eq!(dollar_quoted("x $body"), "$body1$x $body$body1$");
        assert_eq!(
            dollar_quoted("$body$ $body1$"),
            "$body2$$body$ $body1$$body2$"
        );
        assert_eq!(dollar_quoted("ends in $"), "$body$ends in $$body$");
        assert_eq!(dollar_quoted(""), "$body$$body$");
    }

    #[test]
    fn names_are_bare_only_when_plain() {
        assert_eq!(super::quote_ident_if_needed("plpgsql"), "plpgsql");
        assert_eq!(super::quote_ident_if_needed("search_path"), "search_path");
        assert_eq!(super::quote_ident_if_needed("PlPgSQL"), r#""PlPgSQL""#);
        assert_eq!(
            super::quote_ident_if_needed("app.tenant"),
            r#""app.tenant""#
        );
        assert_eq!(super::quote_ident_if_needed(""), r#""""#);
    }
}
