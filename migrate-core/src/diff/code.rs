//! Rust source for generated migrations: literals, names, types, expressions, and the
//! file around the calls. Each helper returns the value the DSL call takes and the
//! source that builds the same value, so the two cannot drift apart.

use std::collections::BTreeMap;

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
        "numeric" => Some((ColumnType::UnconstrainedNumeric, "UnconstrainedNumeric")),
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

/// A SQL text that PostgreSQL printed over several lines (a view's query), as a
/// literal starting at column `at` of the migration file, whose lines the file
/// indents by `file_indent`: a raw string whose later lines are shifted to keep
/// their place under the first (PostgreSQL lays them out for a first line starting
/// at column 1; [`indent`] leaves the lines inside a raw string alone, so the
/// source carries the whole shift). Returns the text the compiled literal holds, which the DSL call
/// must receive so that the recording and the file agree, and the source. A text
/// with a line break inside a quoted literal or identifier (which a shift would
/// change) stays on one line, escaped.
pub(crate) fn sql_block(sql: &str, at: usize, file_indent: usize) -> (String, String) {
    if !sql.contains('\n') || breaks_inside_quotes(sql) {
        return (sql.to_owned(), lit(sql));
    }
    let raw = text(sql);
    let opener = raw.find('"').map_or(1, |i| i + 1);
    let shift = (at + opener).saturating_sub(1).max(file_indent);
    let mut lines = sql.lines();
    let first = lines.next().unwrap_or_default();
    let (mut value, mut code) = (first.to_owned(), String::new());
    for line in lines {
        value.push('\n');
        code.push('\n');
        if !line.is_empty() {
            value.push_str(&" ".repeat(shift));
            code.push_str(&" ".repeat(shift));
            value.push_str(line);
            code.push_str(line);
        }
    }
    let hashes = &raw[1..opener - 1];
    (value, format!("r{hashes}\"{first}{code}\"{hashes}"))
}

/// Whether a line break of `sql` is inside a `'..'` or `".."` (doubled quotes
/// toggle twice, so they need no special case).
fn breaks_inside_quotes(sql: &str) -> bool {
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\n') => return true,
            _ => {}
        }
    }
    false
}

/// Indents every non-empty line of `code` by `spaces`, except the lines that
/// continue a raw string literal (a multi-line SQL body from [`text`]): indenting
/// those would change the string.
pub(crate) fn indent(code: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    let mut raw = None;
    code.split('\n')
        .map(|l| {
            let inside = raw.is_some();
            raw = raw_string_state(l, raw);
            if l.is_empty() || inside {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a raw string literal is still open after `line` of generated code (and
/// closed by how many `#`), given the state before it. Knows plain string literals
/// (escapes included), raw strings and `//` comments: what generated code holds.
fn raw_string_state(line: &str, mut raw: Option<usize>) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(hashes) = raw {
            if bytes[i] == b'"'
                && bytes[i + 1..].iter().take_while(|&&b| b == b'#').count() >= hashes
            {
                raw = None;
                i += 1 + hashes;
            } else {
                i += 1;
            }
            continue;
        }
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'r' if i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    raw = Some(hashes);
                    i += 2 + hashes;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    raw
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

/// An expression of "from" (as `pg_get_expr` prints it) with the renamed columns
/// (old name to new) under their new names, as PostgreSQL prints it after `RENAME
/// COLUMN`: PostgreSQL keeps expressions by column number, so an expression of "from"
/// reads with the old names what the same expression of "to" reads with the new ones.
/// Renamed are the names that are column references (not qualified, not qualifying,
/// not called; never inside a literal), quoted only when needed.
pub(crate) fn rename_columns(sql: &str, columns: &BTreeMap<&str, &str>) -> String {
    use crate::sql_lexer::{Kind as Tok, tokens};
    if columns.is_empty() {
        return sql.to_owned();
    }
    let all: Vec<_> = tokens(sql).collect();
    let mut out = String::with_capacity(sql.len());
    for (i, token) in all.iter().enumerate() {
        let name = match token.kind {
            Tok::Word => Some(token.text.to_owned()),
            Tok::QuotedIdent => token
                .text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .map(|t| t.replace("\"\"", "\"")),
            _ => None,
        };
        let qualified = i > 0 && all[i - 1].text == ".";
        let called_or_qualifying = all
            .get(i + 1)
            .is_some_and(|n| n.text == "(" || n.text == ".");
        match name.as_deref().and_then(|n| columns.get(n)) {
            Some(new) if !qualified && !called_or_qualifying => {
                out.push_str(&crate::render::quote_ident_if_needed(new));
            }
            _ => out.push_str(token.text),
        }
    }
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
        assert_eq!(column_type("numeric").1, "UnconstrainedNumeric");
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
    fn indenting_leaves_the_lines_of_raw_strings_alone() {
        let code = "m.f(\n    \"a\\\"r#\\\"\", r#\"x\n  y\"# // r\"\n);\nm.g(r##\"\"#\n\"##);";
        assert_eq!(
            indent(code, 4),
            "    m.f(\n        \"a\\\"r#\\\"\", r#\"x\n  y\"# // r\"\n    );\n    m.g(r##\"\"#\n\"##);"
        );
        assert_eq!(indent("a\r\n\nb", 2), "  a\r\n\n  b");
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

    #[test]
    fn renamed_columns_are_renamed_in_expressions_but_not_functions_literals_or_qualified() {
        let map: BTreeMap<&str, &str> =
            [("email", "mail"), ("n", "Big N"), ("lower", "Low")].into();
        assert_eq!(
            rename_columns("((length(email) > 3) AND (email <> 'email'::text))", &map),
            "((length(mail) > 3) AND (mail <> 'email'::text))"
        );
        assert_eq!(rename_columns("(n > 0)", &map), r#"("Big N" > 0)"#);
        assert_eq!(
            rename_columns("(public.email(x) > t.email)", &map),
            "(public.email(x) > t.email)"
        );
        assert_eq!(
            rename_columns("lower(email) = 'email' AND \"email\" IS NOT NULL", &map),
            "lower(mail) = 'email' AND mail IS NOT NULL"
        );
        assert_eq!(
            rename_columns("t.email || lower", &map),
            "t.email || \"Low\""
        );
        let user: BTreeMap<&str, &str> = [("owner", "user")].into();
        assert_eq!(rename_columns("(owner > 0)", &user), r#"("user" > 0)"#);
        assert_eq!(rename_columns("x", &BTreeMap::new()), "x");
    }
}
