//! Rust source for generated migrations: literals, names, types, expressions, and the
//! file around the calls. Each helper returns the value the DSL call takes and the
//! source that builds the same value, so the two cannot drift apart.

use sea_query::Expr;

use super::emit::Item;
use crate::display::DisplayId;
use crate::expr::SqlExpr;
use crate::ident::ObjectName;
use crate::types::ColumnType;

/// A Rust string literal for `s` (escaped like `{:?}`).
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A Rust string literal for a long text (SQL bodies, view queries): a raw string
/// when it spans lines or holds quotes, so it reads as the SQL it is.
pub(crate) fn text(s: &str) -> String {
    if !s.contains('\n') && !s.contains('"') && !s.contains('\\') {
        return lit(s);
    }
    let mut hashes = 1;
    while s.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{s}\"{h}")
}

/// A list of string literals: `["a", "b"]`.
pub(crate) fn lits<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s.as_ref())).collect();
    format!("[{}]", inner.join(", "))
}

/// A schema-qualified catalog name as the DSL takes it: objects in `public` are
/// written unqualified (`"users"`), others `"schema.name"`, and a name holding a dot
/// as a tuple (`("schema", "a.b")`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    /// The value the DSL call receives.
    pub(crate) value: ObjectName,
    /// The source of the same value.
    pub(crate) code: String,
}

/// The DSL name of object `name` in `schema`.
pub(crate) fn name(schema: &str, name: &str) -> Name {
    if schema == "public" && !name.contains('.') {
        Name {
            value: ObjectName::unqualified(name),
            code: lit(name),
        }
    } else if schema.contains('.') || name.contains('.') {
        Name {
            value: ObjectName::qualified(schema, name),
            code: format!("({}, {})", lit(schema), lit(name)),
        }
    } else {
        Name {
            value: ObjectName::qualified(schema, name),
            code: lit(&format!("{schema}.{name}")),
        }
    }
}

/// A SQL expression as PostgreSQL printed it (`pg_get_expr`), kept verbatim:
/// `Expr::cust("..")`.
pub(crate) fn expr(sql: &str) -> (SqlExpr, String) {
    (
        SqlExpr::from(Expr::cust(sql.to_owned())),
        format!("Expr::cust({})", lit(sql)),
    )
}

/// A column type from `format_type` (read with `search_path = pg_catalog`): the
/// DSL's typed variant when there is one, `ColumnType::named` for a user type
/// (an enum, a domain, a composite or an extension's type), else
/// `ColumnType::unchecked` with PostgreSQL's own spelling.
pub(crate) fn column_type(formatted: &str) -> (ColumnType, String) {
    if let Some(element) = formatted.strip_suffix("[]") {
        let (ty, code) = column_type(element);
        return (ty.array(), format!("{code}.array()"));
    }
    let simple = match formatted {
        "smallint" => Some((ColumnType::SmallInt, "SmallInt")),
        "integer" => Some((ColumnType::Integer, "Integer")),
        "bigint" => Some((ColumnType::BigInt, "BigInt")),
        "boolean" => Some((ColumnType::Boolean, "Boolean")),
        "text" => Some((ColumnType::Text, "Text")),
        "real" => Some((ColumnType::Real, "Real")),
        "double precision" => Some((ColumnType::DoublePrecision, "DoublePrecision")),
        "date" => Some((ColumnType::Date, "Date")),
        "time without time zone" => Some((ColumnType::Time, "Time")),
        "timestamp without time zone" => Some((ColumnType::Timestamp, "Timestamp")),
        "timestamp with time zone" => Some((ColumnType::Timestamptz, "Timestamptz")),
        "interval" => Some((ColumnType::Interval, "Interval")),
        "uuid" => Some((ColumnType::Uuid, "Uuid")),
        "json" => Some((ColumnType::Json, "Json")),
        "jsonb" => Some((ColumnType::Jsonb, "Jsonb")),
        "bytea" => Some((ColumnType::Bytea, "Bytea")),
        "inet" => Some((ColumnType::Inet, "Inet")),
        _ => None,
    };
    if let Some((ty, code)) = simple {
        return (ty, code.to_owned());
    }
    if let Some(n) = modifier(formatted, "character varying").and_then(|m| m.parse::<u32>().ok()) {
        return (ColumnType::Varchar(n), format!("Varchar({n})"));
    }
    if let Some(n) = modifier(formatted, "character").and_then(|m| m.parse::<u32>().ok()) {
        return (ColumnType::Char(n), format!("Char({n})"));
    }
    if let Some((p, s)) = modifier(formatted, "numeric").and_then(|m| {
        let (p, s) = m.split_once(',')?;
        Some((p.trim().parse::<u32>().ok()?, s.trim().parse::<u32>().ok()?))
    }) {
        return (ColumnType::Numeric(p, s), format!("Numeric({p}, {s})"));
    }
    if let Some((schema, name)) = qualified(formatted) {
        let n = self::name(&schema, &name);
        return (
            ColumnType::Named(n.value),
            format!("ColumnType::named({})", n.code),
        );
    }
    (
        ColumnType::unchecked(formatted),
        format!("ColumnType::unchecked({})", lit(formatted)),
    )
}

/// `base(m)` -> `m`.
fn modifier<'a>(formatted: &'a str, base: &str) -> Option<&'a str> {
    formatted
        .strip_prefix(base)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// A `schema.name` as `format_type` or `quote_ident` writes it (either part may be
/// double-quoted), with no type modifier; `None` for anything else.
pub(crate) fn qualified(formatted: &str) -> Option<(String, String)> {
    let (schema, rest) = ident_prefix(formatted)?;
    let rest = rest.strip_prefix('.')?;
    let (name, rest) = ident_prefix(rest)?;
    rest.is_empty().then_some((schema, name))
}

/// One identifier at the start of `s`, quoted or not, and what follows it.
fn ident_prefix(s: &str) -> Option<(String, &str)> {
    if let Some(quoted) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|&(_, n)| n == '"') {
                    chars.next();
                    out.push('"');
                } else {
                    return Some((out, &quoted[i + 1..]));
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        let end = s
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$'))
            .unwrap_or(s.len());
        (end > 0 && !s.starts_with(|c: char| c.is_ascii_digit()))
            .then(|| (s[..end].to_owned(), &s[end..]))
    }
}

// Shared helpers a family adds go at its marker (keep them general):
// [h14:types]

/// A builder chain: `head.a().b();` on one line when it fits in 96 columns, else
/// one call a line, indented by 4.
pub(crate) fn chain<S: AsRef<str>>(head: &str, links: &[S]) -> String {
    let one: String = links.iter().map(|l| format!(".{}", l.as_ref())).collect();
    if head.len() + one.len() < 96 && !head.contains('\n') {
        return format!("{head}{one};");
    }
    let mut out = head.to_owned();
    for link in links {
        out.push_str(&format!("\n    .{}", link.as_ref()));
    }
    out.push(';');
    out
}

/// `sql` without the parentheses around all of it, once (`(a > 0)` -> `a > 0`,
/// `(a) OR (b)` unchanged); quotes are respected.
pub(crate) fn strip_parens(sql: &str) -> &str {
    let s = sql.trim();
    let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return s;
    };
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return s;
                    }
                }
                _ => {}
            },
        }
    }
    if depth == 0 && quote.is_none() {
        inner
    } else {
        s
    }
}
// [h14:tables]
// [h14:indexes]
// [h14:routines]
// [h14:views]

/// Indents every non-empty line of `code` by `spaces`.
pub(crate) fn indent(code: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    code.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The migration file.
pub(crate) fn file(items: &[Item], id: i64, name: &str) -> String {
    let one_way: Vec<&str> = items.iter().filter_map(|i| i.one_way.as_deref()).collect();
    let review = items.iter().filter(|i| i.unchecked.is_some()).count();
    let mut out = String::from(
        "//! Generated by `migrate diff`: review it, then commit it like any migration.\n",
    );
    if review > 0 {
        out.push_str(&format!(
            "//!\n//! {review} change(s) below need review: the DSL cannot express them, so they\n\
             //! are raw SQL without a down, which does not compile until you write their\n\
             //! inverse in a `down` or declare the migration `irreversible`.\n"
        ));
    }
    out.push_str("\nuse migrate_core::prelude::*;\n\n");
    // The attribute decides the recorder's mode (`irreversible` makes it
    // `Migration<Manual>`): the signature never says it.
    if one_way.is_empty() {
        out.push_str(&format!("#[migration(id = {})]\n", DisplayId(id)));
    } else {
        out.push_str("// Irreversible: PostgreSQL cannot undo these changes:\n");
        for reason in &one_way {
            out.push_str(&format!("// - {reason}\n"));
        }
        out.push_str(&format!(
            "#[migration(id = {}, irreversible)]\n",
            DisplayId(id)
        ));
    }
    out.push_str(&format!("fn {name}(m: &mut Migration) {{\n"));
    for item in items {
        out.push_str(&indent(&item.code, 4));
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_public_are_unqualified_others_qualified_dotted_ones_tuples() {
        assert_eq!(name("public", "users").code, r#""users""#);
        assert_eq!(name("blog", "posts").code, r#""blog.posts""#);
        assert_eq!(name("blog", "a.b").code, r#"("blog", "a.b")"#);
        assert_eq!(
            name("blog", "a.b").value,
            ObjectName::qualified("blog", "a.b")
        );
    }

    #[test]
    fn types_map_to_the_typed_variants_then_named_then_unchecked() {
        assert_eq!(column_type("character varying(255)").1, "Varchar(255)");
        assert_eq!(column_type("numeric(10,2)").1, "Numeric(10, 2)");
        assert_eq!(column_type("text[]").1, "Text.array()");
        assert_eq!(column_type("public.mood").1, r#"ColumnType::named("mood")"#);
        assert_eq!(
            column_type(r#"app."Weird Type"[]"#).1,
            r#"ColumnType::named("app.Weird Type").array()"#
        );
        assert_eq!(
            column_type("tsvector").1,
            r#"ColumnType::unchecked("tsvector")"#
        );
        assert_eq!(
            column_type("character varying").1,
            r#"ColumnType::unchecked("character varying")"#
        );
        assert_eq!(
            column_type("timestamp(3) with time zone").1,
            r#"ColumnType::unchecked("timestamp(3) with time zone")"#
        );
    }

    #[test]
    fn outer_parentheses_go_once_when_they_wrap_everything() {
        assert_eq!(strip_parens("(VALUE > 0)"), "VALUE > 0");
        assert_eq!(strip_parens("((VALUE > 0))"), "(VALUE > 0)");
        assert_eq!(strip_parens("(a > 0) AND (b > 0)"), "(a > 0) AND (b > 0)");
        assert_eq!(strip_parens("(VALUE <> ')(')"), "VALUE <> ')('");
        assert_eq!(strip_parens("VALUE > 0"), "VALUE > 0");
    }

    #[test]
    fn chains_break_when_long() {
        assert_eq!(chain("m.x()", &["a()", "b(1)"]), "m.x().a().b(1);");
        assert_eq!(chain("m.x()", &[] as &[&str]), "m.x();");
        let long = chain(&format!("m.x({:?})", "n".repeat(90)), &["a()"]);
        assert!(long.ends_with("\n    .a();"), "{long}");
    }

    #[test]
    fn long_texts_are_raw_strings_with_enough_hashes() {
        assert_eq!(text("select 1"), r#""select 1""#);
        assert_eq!(text("a\nb"), "r#\"a\nb\"#");
        assert_eq!(text("say \"#hi\""), "r##\"say \"#hi\"\"##");
    }
}
