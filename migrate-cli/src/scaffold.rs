//! `new`: writes a migration file with a fresh timestamp id and registers it in the
//! migrations module (`mod.rs`), so the project compiles at once.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use migrate_core::DisplayId;

/// Rust's keywords (strict and reserved, 2024 edition): refused as names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// The snake_case function name for a migration name (`AddComments`, `add-comments`
/// and `add comments` all give `add_comments`). Refuses what is not then a plain
/// Rust identifier.
pub(crate) fn migration_name(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in raw.trim().chars() {
        match c {
            '-' | ' ' | '.' | '_' => out.push('_'),
            c if c.is_ascii_uppercase() => {
                if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
        previous = Some(c);
    }
    let mut name = String::new();
    for c in out.chars() {
        if !(c == '_' && (name.is_empty() || name.ends_with('_'))) {
            name.push(c);
        }
    }
    let name = name.trim_end_matches('_').to_owned();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "`{raw}` is not a valid migration name: use letters, digits and underscores, \
             starting with a letter (e.g. add_comments)"
        ));
    }
    if KEYWORDS.contains(&name.as_str()) {
        return Err(format!(
            "`{name}` is a Rust keyword: choose another migration name"
        ));
    }
    Ok(name)
}

/// What `new` wrote.
#[derive(Debug)]
pub(crate) struct Scaffolded {
    /// The new migration's id.
    pub(crate) id: i64,
    /// The file created.
    pub(crate) file: PathBuf,
    /// The module file the migration was registered in.
    pub(crate) module: PathBuf,
}

/// The id for a UTC time: `YYYYMMDDHHMMSS`, shown as `YYYYMMDD_HHMMSS`.
pub(crate) fn id_for(now: jiff::Timestamp) -> i64 {
    let t = now.to_zoned(jiff::tz::TimeZone::UTC);
    i64::from(t.year()) * 10_000_000_000
        + i64::from(t.month()) * 100_000_000
        + i64::from(t.day()) * 1_000_000
        + i64::from(t.hour()) * 10_000
        + i64::from(t.minute()) * 100
        + i64::from(t.second())
}

/// Writes `m{id}_{name}.rs` in `dir` and registers it in the directory's `mod.rs` (or
/// the sibling `dir.rs`). Refuses an id that `taken` says is in use or that a file in
/// the directory already has, and an existing file; writes nothing then.
pub(crate) fn create(
    dir: &Path,
    name: &str,
    id: i64,
    taken: impl Fn(i64) -> bool,
) -> anyhow::Result<Scaffolded> {
    create_with(dir, name, id, taken, &template(id, name))
}

/// [`create`] with the file's source given (`diff` writes generated code).
pub(crate) fn create_with(
    dir: &Path,
    name: &str,
    id: i64,
    taken: impl Fn(i64) -> bool,
    source: &str,
) -> anyhow::Result<Scaffolded> {
    if !dir.is_dir() {
        bail!(
            "the migrations directory {} does not exist (give it with --dir)",
            dir.display()
        );
    }
    let module = module_file(dir)?;
    let stem = format!("m{}_{name}", DisplayId(id));
    let prefix = format!("m{}_", DisplayId(id));
    let clash = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with(&prefix));
    if taken(id) || clash {
        bail!(
            "a migration with the id {} already exists: wait a second and try again",
            DisplayId(id)
        );
    }
    let file = dir.join(format!("{stem}.rs"));
    let mut handle = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .with_context(|| format!("creating {}", file.display()))?;
    handle
        .write_all(source.as_bytes())
        .with_context(|| format!("writing {}", file.display()))?;
    let text =
        fs::read_to_string(&module).with_context(|| format!("reading {}", module.display()))?;
    let updated = register(&text, &stem);
    if let Err(error) = fs::write(&module, updated) {
        let _ = fs::remove_file(&file);
        return Err(error).with_context(|| format!("writing {}", module.display()));
    }
    Ok(Scaffolded { id, file, module })
}

/// `dir/mod.rs`, else `dir.rs` beside it.
fn module_file(dir: &Path) -> anyhow::Result<PathBuf> {
    let inner = dir.join("mod.rs");
    if inner.is_file() {
        return Ok(inner);
    }
    let outer = dir.with_extension("rs");
    if outer.is_file() {
        return Ok(outer);
    }
    bail!(
        "neither {} nor {} exists: create the migrations module first",
        inner.display(),
        outer.display()
    )
}

/// The source of a new migration: compiles as is, reversible, with an example to
/// start from.
fn template(id: i64, name: &str) -> String {
    format!(
        "use migrate_core::prelude::*;

#[migration(id = {id})]
fn {name}(m: &mut Migration) {{
    // Describe the change with `m`; its down is derived. For example:
    // m.create_table(\"comments\", |t| {{
    //     t.column(\"id\", BigInt).identity().primary_key();
    //     t.column(\"body\", Text).not_null();
    //     t.timestamps();
    // }});
    let _ = m;
}}
",
        id = DisplayId(id)
    )
}

/// Whether a line declares a migration module (`mod m20261121_090000_x;`, maybe
/// `pub`), and its name.
fn declared(line: &str) -> Option<&str> {
    let line = line.trim();
    let rest = line
        .strip_prefix("pub(crate) mod ")
        .or_else(|| line.strip_prefix("pub mod "))
        .or_else(|| line.strip_prefix("mod "))?;
    let name = rest.strip_suffix(';')?.trim();
    let is_migration = name.starts_with('m')
        && name.len() > 17
        && name[1..9].bytes().all(|b| b.is_ascii_digit())
        && name.as_bytes()[9] == b'_'
        && name[10..16].bytes().all(|b| b.is_ascii_digit());
    is_migration.then_some(name)
}

/// The module file's text with `mod {stem};` added among the migration modules, in
/// order (nothing else changes; nothing is added twice). The new line copies the
/// visibility of the existing ones.
fn register(text: &str, stem: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.iter().any(|l| declared(l) == Some(stem)) {
        return text.to_owned();
    }
    let existing: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| declared(l).map(|_| (i, *l)))
        .collect();
    let new_line = match existing.first() {
        Some((_, l)) => {
            let indent: String = l.chars().take_while(|c| c.is_whitespace()).collect();
            let visibility = l.trim_start().split("mod ").next().unwrap_or("");
            format!("{indent}{visibility}mod {stem};")
        }
        None => format!("mod {stem};"),
    };
    let at = existing
        .iter()
        .find(|(_, l)| declared(l).is_some_and(|name| name > stem))
        .map(|(i, _)| *i)
        .or_else(|| existing.last().map(|(i, _)| i + 1))
        .unwrap_or(lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    out.insert(at, new_line);
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_cased_and_checked() {
        assert_eq!(migration_name("add_comments").unwrap(), "add_comments");
        assert_eq!(migration_name("AddComments").unwrap(), "add_comments");
        assert_eq!(
            migration_name("add-comments to posts").unwrap(),
            "add_comments_to_posts"
        );
        assert_eq!(migration_name("addV2Index").unwrap(), "add_v2_index");
        assert!(migration_name("2fast").is_err());
        assert!(migration_name("").is_err());
        assert!(migration_name("drop;table").is_err());
        assert!(migration_name("café").is_err());
        assert!(migration_name("type").is_err());
    }

    #[test]
    fn ids_are_utc_timestamps() {
        let t: jiff::Timestamp = "2026-11-21T09:03:07Z".parse().unwrap();
        assert_eq!(id_for(t), 20261121090307);
    }

    #[test]
    fn registration_is_sorted_and_unique() {
        let text = "//! Docs.\n\nmod m20261121_090000_a;\nmod m20261121_090200_c;\n";
        let out = register(text, "m20261121_090100_b");
        assert_eq!(
            out,
            "//! Docs.\n\nmod m20261121_090000_a;\nmod m20261121_090100_b;\nmod m20261121_090200_c;\n"
        );
        assert_eq!(register(&out, "m20261121_090100_b"), out);
        let out = register("pub mod m20261121_090000_a;\n", "m20261121_090300_d");
        assert_eq!(
            out,
            "pub mod m20261121_090000_a;\npub mod m20261121_090300_d;\n"
        );
        assert_eq!(
            register("//! Empty.\n", "m20261121_090300_d"),
            "//! Empty.\nmod m20261121_090300_d;\n"
        );
    }

    #[test]
    fn creates_the_file_and_refuses_a_taken_id() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("mod.rs"), "mod m20261121_090000_a;\n").unwrap();
        let made = create(dir.path(), "add_b", 20261121090100, |_| false).unwrap();
        let source = fs::read_to_string(&made.file).unwrap();
        assert!(
            source.contains("#[migration(id = 20261121_090100)]"),
            "{source}"
        );
        assert!(source.contains("fn add_b(m: &mut Migration)"), "{source}");
        let module = fs::read_to_string(dir.path().join("mod.rs")).unwrap();
        assert_eq!(
            module,
            "mod m20261121_090000_a;\nmod m20261121_090100_add_b;\n"
        );
        assert!(create(dir.path(), "again", 20261121090100, |_| false).is_err());
        assert!(
            create(dir.path(), "other", 20261121090200, |id| id
                == 20261121090200)
            .is_err()
        );
        assert!(create(&dir.path().join("nope"), "x", 1, |_| false).is_err());
    }
}
