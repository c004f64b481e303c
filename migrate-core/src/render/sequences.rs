//! Rendering one family of steps: sequences, domains and type renames.
//!
//! sea-query has no sequence or domain statements: they are composed here, with the
//! module's quoting ([`quote_name`], [`quote_ident`]) and its column types.

use super::*;

use crate::step::{
    CompositeTypeDef, DomainDef, DomainStep, SequenceDef, SequenceOptions, SequenceOwner,
    SequenceStep, TypeStep,
};

// ----- sequences -----------------------------------------------------------------------

pub(super) fn sequence(step: &SequenceStep) -> Vec<String> {
    match step {
        SequenceStep::Create(def) => vec![create_sequence(def, false)],
        SequenceStep::Ensure(def) => vec![create_sequence(def, true)],
        SequenceStep::Drop { name, .. } => vec![format!("DROP SEQUENCE {}", quote_name(name))],
        SequenceStep::DropIfExists { name } => {
            vec![format!("DROP SEQUENCE IF EXISTS {}", quote_name(name))]
        }
        SequenceStep::Rename { from, to } => vec![format!(
            "ALTER SEQUENCE {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        )],
        SequenceStep::Alter { name, from, to } => {
            let options = match from {
                Some(from) => changed_options(from, to),
                None => given_options(to),
            };
            // `ALTER SEQUENCE name` without an option is a syntax error: when nothing
            // changes there is nothing to send.
            if options.is_empty() {
                Vec::new()
            } else {
                vec![format!(
                    "ALTER SEQUENCE {} {}",
                    quote_name(name),
                    options.join(" ")
                )]
            }
        }
        SequenceStep::Restart { name, with } => vec![match with {
            Some(n) => format!("ALTER SEQUENCE {} RESTART WITH {n}", quote_name(name)),
            None => format!("ALTER SEQUENCE {} RESTART", quote_name(name)),
        }],
        SequenceStep::SetValue { name, value } => vec![format!(
            "SELECT setval({}, {})",
            literal(&quote_name(name)),
            value.to_sql()
        )],
    }
}

fn create_sequence(def: &SequenceDef, if_not_exists: bool) -> String {
    let mut sql = String::from("CREATE SEQUENCE ");
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    sql.push_str(&quote_name(&def.name));
    for option in given_options(&def.options) {
        sql.push(' ');
        sql.push_str(&option);
    }
    sql
}

/// The options that are said, in PostgreSQL's documented order.
fn given_options(o: &SequenceOptions) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ty) = &o.data_type {
        out.push(format!("AS {}", column_type(ty)));
    }
    if let Some(n) = o.increment {
        out.push(format!("INCREMENT BY {n}"));
    }
    if let Some(n) = o.min_value {
        out.push(format!("MINVALUE {n}"));
    }
    if let Some(n) = o.max_value {
        out.push(format!("MAXVALUE {n}"));
    }
    if let Some(n) = o.start {
        out.push(format!("START WITH {n}"));
    }
    if let Some(n) = o.cache {
        out.push(format!("CACHE {n}"));
    }
    match o.cycle {
        Some(true) => out.push("CYCLE".to_owned()),
        Some(false) => out.push("NO CYCLE".to_owned()),
        None => {}
    }
    if let Some(owner) = &o.owned_by {
        out.push(owned_by(owner));
    }
    out
}

fn owned_by(owner: &SequenceOwner) -> String {
    format!(
        "OWNED BY {}.{}",
        quote_name(&owner.table),
        quote_ident(&owner.column)
    )
}

/// The values a sequence ends up with, PostgreSQL's defaults filled in.
#[derive(PartialEq)]
struct Effective {
    data_type: ColumnType,
    increment: i64,
    min: i64,
    max: i64,
    start: i64,
    cache: i64,
    cycle: bool,
}

fn effective(o: &SequenceOptions) -> Effective {
    let data_type = o.data_type.clone().unwrap_or(ColumnType::BigInt);
    let (type_min, type_max) = match data_type {
        ColumnType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
        ColumnType::Integer => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let increment = o.increment.unwrap_or(1);
    let ascending = increment > 0;
    let min = o.min_value.unwrap_or(if ascending { 1 } else { type_min });
    let max = o.max_value.unwrap_or(if ascending { type_max } else { -1 });
    Effective {
        data_type,
        increment,
        min,
        max,
        start: o.start.unwrap_or(if ascending { min } else { max }),
        cache: o.cache.unwrap_or(1),
        cycle: o.cycle.unwrap_or(false),
    }
}

/// The options that turn a sequence with `from` into one with `to`: each value that
/// differs once defaults are filled in, a default given back as `NO MINVALUE` /
/// `NO MAXVALUE` / its value.
fn changed_options(from: &SequenceOptions, to: &SequenceOptions) -> Vec<String> {
    let (a, b) = (effective(from), effective(to));
    let mut out = Vec::new();
    if a.data_type != b.data_type {
        out.push(format!("AS {}", column_type(&b.data_type)));
    }
    if a.increment != b.increment {
        out.push(format!("INCREMENT BY {}", b.increment));
    }
    if a.min != b.min {
        out.push(match to.min_value {
            Some(n) => format!("MINVALUE {n}"),
            None => "NO MINVALUE".to_owned(),
        });
    }
    if a.max != b.max {
        out.push(match to.max_value {
            Some(n) => format!("MAXVALUE {n}"),
            None => "NO MAXVALUE".to_owned(),
        });
    }
    // ALTER SEQUENCE never recomputes the start: it is always said when it moves.
    if a.start != b.start {
        out.push(format!("START WITH {}", b.start));
    }
    if a.cache != b.cache {
        out.push(format!("CACHE {}", b.cache));
    }
    if a.cycle != b.cycle {
        out.push(if b.cycle { "CYCLE" } else { "NO CYCLE" }.to_owned());
    }
    if from.owned_by != to.owned_by {
        out.push(match &to.owned_by {
            Some(owner) => owned_by(owner),
            None => "OWNED BY NONE".to_owned(),
        });
    }
    out
}

// ----- domains -------------------------------------------------------------------------

pub(super) fn domain(step: &DomainStep) -> Vec<String> {
    let sql = match step {
        DomainStep::Create(def) => create_domain(def),
        DomainStep::Drop { name, .. } => format!("DROP DOMAIN {}", quote_name(name)),
        DomainStep::Rename { from, to } => format!(
            "ALTER DOMAIN {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        ),
        DomainStep::AddCheck {
            domain,
            check,
            not_valid,
        } => format!(
            "ALTER DOMAIN {} ADD CONSTRAINT {} CHECK ({}){}",
            quote_name(domain),
            quote_ident(&check.name),
            check.check.to_sql(),
            if *not_valid { " NOT VALID" } else { "" }
        ),
        DomainStep::ValidateConstraint { domain, name } => format!(
            "ALTER DOMAIN {} VALIDATE CONSTRAINT {}",
            quote_name(domain),
            quote_ident(name)
        ),
        DomainStep::DropCheck { domain, name, .. } => format!(
            "ALTER DOMAIN {} DROP CONSTRAINT {}",
            quote_name(domain),
            quote_ident(name)
        ),
    };
    vec![sql]
}

fn create_domain(def: &DomainDef) -> String {
    let mut sql = format!(
        "CREATE DOMAIN {} AS {}",
        quote_name(&def.name),
        column_type(&def.base)
    );
    if let Some(collation) = &def.collation {
        sql.push_str(&format!(" COLLATE {}", quote_ident(collation)));
    }
    if let Some(default) = &def.default {
        sql.push_str(&format!(" DEFAULT {}", default.expr.to_sql()));
    }
    if def.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in &def.checks {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({})",
            quote_ident(&check.name),
            check.check.to_sql()
        ));
    }
    sql
}

// ----- types ---------------------------------------------------------------------------

pub(super) fn type_step(step: &TypeStep) -> Vec<String> {
    let sql = match step {
        TypeStep::Rename { from, to } => format!(
            "ALTER TYPE {} RENAME TO {}",
            quote_name(from),
            quote_ident(to)
        ),
        TypeStep::CreateComposite(def) => create_composite(def),
        TypeStep::DropComposite { name, .. } => format!("DROP TYPE {}", quote_name(name)),
    };
    vec![sql]
}

fn create_composite(def: &CompositeTypeDef) -> String {
    let fields: Vec<String> = def
        .fields
        .iter()
        .map(|(name, ty)| format!("{} {}", quote_ident(name), column_type(ty)))
        .collect();
    format!(
        "CREATE TYPE {} AS ({})",
        quote_name(&def.name),
        fields.join(", ")
    )
}
