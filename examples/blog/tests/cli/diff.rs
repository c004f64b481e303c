//! `diff`: generated from a changed development database or a schema file, written
//! into a migrations directory and proved; `--check` for CI; renames and bad input.

use super::*;

/// A migrations directory of its own (with the module file `new` and `diff` register
/// migrations in).
fn migrations_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mod.rs"), "").unwrap();
    dir
}

fn written(dir: &Path) -> String {
    let file = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("m2"))
        .expect("a migration file");
    std::fs::read_to_string(file).unwrap()
}

#[test]
fn check_passes_on_a_migrated_database_and_fails_after_a_change() {
    let live = Live::migrated();
    let out = ok(live.migrate().args(["diff", "--check"]));
    assert!(out.stdout.contains("nothing to generate"), "{}", out.stdout);
    live.execute("CREATE SCHEMA reporting");
    let out = run(live.migrate().args(["diff", "--check"]));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(r#"m.create_schema("reporting");"#),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 change(s) to generate"),
        "{}",
        out.stderr
    );
    // The target was only read.
    assert!(live.query_bool("SELECT to_regnamespace('reporting') IS NOT NULL"));
}

#[test]
fn diff_writes_a_registered_migration_and_proves_it() {
    let live = Live::migrated();
    live.execute("CREATE SCHEMA reporting");
    let dir = migrations_dir();
    let out = ok(live
        .migrate()
        .args(["diff", "add_reporting", "--dir"])
        .arg(dir.path()));
    assert!(out.stdout.contains("proved"), "{}", out.stdout);
    assert!(out.stdout.contains("reversible"), "{}", out.stdout);
    let source = written(dir.path());
    assert!(
        source.contains("fn add_reporting(m: &mut Migration)"),
        "{source}"
    );
    assert!(
        source.contains(r#"m.create_schema("reporting");"#),
        "{source}"
    );
    let module = std::fs::read_to_string(dir.path().join("mod.rs")).unwrap();
    assert!(module.contains("_add_reporting;"), "{module}");
}

#[test]
fn to_sql_reads_a_declarative_schema_file() {
    let live = Live::migrated();
    let dir = migrations_dir();
    let schema = dir.path().join("schema.sql");
    // The blog's schema, plus a schema: only the schema is new.
    std::fs::write(&schema, "CREATE SCHEMA audit;").unwrap();
    let out = run(live
        .migrate()
        .args(["diff", "--check", "--to-sql"])
        .arg(&schema));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(r#"m.create_schema("audit");"#),
        "{}",
        out.stdout
    );
    std::fs::write(&schema, "CREATE TABLE broken (").unwrap();
    let out = run(live
        .migrate()
        .args(["diff", "--check", "--to-sql"])
        .arg(&schema));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("schema.sql"), "{}", out.stderr);
    assert!(out.stderr.contains("syntax error"), "{}", out.stderr);
}

#[test]
fn bad_renames_and_missing_names_are_usage_errors() {
    let live = Live::migrated();
    let out = run(live.migrate().args(["diff"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = run(live.migrate().args(["diff", "x", "--rename", "users"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("OLD=NEW"), "{}", out.stderr);
    let out = run(live
        .migrate()
        .args(["diff", "--check", "--rename", "nosuch=other"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("no table public.nosuch"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_target_behind_the_migrations_is_refused() {
    let live = Live::migrated();
    ok(live.migrate().arg("down"));
    let out = run(live.migrate().args(["diff", "--check"]));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("not at this program's migrations (20261121_090900 pending)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("apply them first"), "{}", out.stderr);
}
