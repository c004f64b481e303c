//! What needs no database: help, bad arguments, `sql`, `new`, `lint`, id forms, a bad
//! `.env` line, and an unreachable server.

use super::*;

#[test]
fn help_reads_well_for_every_command() {
    let out = ok(migrate().arg("--help"));
    for command in [
        "up", "down", "redo", "status", "sql", "new", "baseline", "repair", "verify", "schema",
        "lint",
    ] {
        assert!(
            out.stdout.contains(&format!("\n  {command} ")),
            "{command} missing from:\n{}",
            out.stdout
        );
        let sub = ok(migrate().args([command, "--help"]));
        assert!(
            sub.stdout.contains(&format!("Usage: migrate {command}")),
            "{}",
            sub.stdout
        );
    }
    assert!(out.stdout.contains("DIRECT_URL"));
    assert!(out.stdout.contains("Exit codes: 0 success, 1 failure"));
    let down = ok(migrate().args(["down", "--help"]));
    for flag in ["--steps", "--to", "--all", "--dry-run", "--json"] {
        assert!(down.stdout.contains(flag), "{}", down.stdout);
    }
    ok(migrate().arg("--version"));
}

#[test]
fn bad_arguments_exit_with_2() {
    for args in [
        &["frobnicate"][..],
        &[],
        &["down", "--steps", "1", "--all"],
        &["down", "--steps", "0"],
        &["up", "--to", "yesterday"],
        &["sql"],
        &["sql", "123"],
        &["new", "bad name!"],
        &["status"],
        &[
            "--database-url",
            "postgres://u@h/db?sslmode=sometimes",
            "status",
        ],
        &["--lock-wait", "ten", "up"],
    ] {
        let out = run(migrate().args(args));
        assert_eq!(
            out.code, 2,
            "{args:?} should be a usage error\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        assert!(!out.stderr.is_empty(), "{args:?} printed no error");
    }
    let out = run(migrate().args(["sql", "123"]));
    assert!(
        out.stderr.contains("no migration has the id 123"),
        "{}",
        out.stderr
    );
    let out = run(migrate().arg("status"));
    assert!(
        out.stderr.contains("DIRECT_URL or DATABASE_URL"),
        "{}",
        out.stderr
    );
}

#[test]
fn sql_needs_no_database() {
    let out = ok(migrate().env_clear().args(["sql", "20261121_090000"]));
    assert!(
        out.stdout.starts_with(
            "-- 20261121_090000 create_users up (transaction)\nBEGIN;\nCREATE TABLE \"users\""
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("COMMIT;\n"), "{}", out.stdout);

    let out = ok(migrate()
        .env_clear()
        .args(["sql", "20261121090000", "--down"]));
    assert!(
        out.stdout.contains("DROP TABLE \"users\";"),
        "{}",
        out.stdout
    );

    let out = ok(migrate().env_clear().args(["sql", "20261121_090300"]));
    assert!(!out.stdout.contains("BEGIN;"), "{}", out.stdout);
    assert_eq!(
        out.stdout
            .matches("-- runs outside a transaction\nCREATE INDEX CONCURRENTLY")
            .count(),
        2,
        "{}",
        out.stdout
    );
}

#[test]
fn new_scaffolds_and_registers_a_migration() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let out = ok(migrate()
        .env_clear()
        .args(["new", "AddComments", "--dir"])
        .arg(dir.path()));
    assert!(out.stdout.contains("created"), "{}", out.stdout);

    let created: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_add_comments.rs"))
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    let file = &created[0];
    let stem = file.trim_end_matches(".rs");
    let id = &stem[1..16];
    assert!(id.as_bytes()[8] == b'_' && id.len() == 15, "{id}");
    let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
    assert!(text.contains("use migrate_core::prelude::*;"), "{text}");
    assert!(text.contains(&format!("#[migration(id = {id})]")), "{text}");
    assert!(
        text.contains("fn add_comments(m: &mut Migration)"),
        "{text}"
    );

    let module = std::fs::read_to_string(dir.path().join("mod.rs")).unwrap();
    let lines: Vec<&str> = module.lines().filter(|l| l.starts_with("mod ")).collect();
    assert_eq!(lines.len(), 11, "{module}");
    assert_eq!(
        lines.last(),
        Some(&format!("mod {stem};").as_str()),
        "{module}"
    );
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);

    // The real example is untouched.
    let real = std::fs::read_to_string(source.join("mod.rs")).unwrap();
    assert!(!real.contains("add_comments"));

    let out = run(migrate()
        .env_clear()
        .args(["new", "fn", "--dir"])
        .arg(dir.path()));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = run(migrate()
        .env_clear()
        .args(["new", "x", "--dir"])
        .arg(dir.path().join("missing")));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn unreachable_server_fails_fast_without_the_password() {
    let secret = "hunter2-secret";
    for command in [&["status"][..], &["up"], &["down", "--all"]] {
        let start = Instant::now();
        let out = run(migrate()
            .arg("--database-url")
            .arg(format!("postgres://bob:{secret}@127.0.0.1:1/app"))
            .args(command));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "took {:?}",
            start.elapsed()
        );
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("could not connect to 127.0.0.1:1"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("postgres://bob:***@127.0.0.1:1/app"),
            "{}",
            out.stderr
        );
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains(secret), "password leaked: {text}");
        }
    }
    // Also through DATABASE_URL, in key=value form, with -vv logs.
    let out = run(migrate()
        .env(
            "DATABASE_URL",
            format!("host=127.0.0.1 port=1 user=bob password={secret}"),
        )
        .args(["-vv", "status", "--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !out.stdout.contains(secret) && !out.stderr.contains(secret),
        "{}",
        out.stderr
    );
}

#[test]
fn lint_needs_no_database_and_shows_acknowledged_findings() {
    let out = ok(migrate().arg("lint"));
    assert!(
        out.stdout.contains("[breaking-change]") && out.stdout.contains("allowed because:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("3 finding(s): 0 blocking, 3 acknowledged"),
        "{}",
        out.stdout
    );
    let json = ok(migrate().args(["lint", "--json"]));
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = value["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    assert!(findings.iter().all(|f| f["blocks"] == false));
    assert_eq!(findings[0]["rule"], "breaking-change");
}

#[test]
fn ids_have_two_forms_only() {
    for id in ["2025_0101__000100", "20261121__090000", "2026_1121_090000"] {
        let out = run(migrate().env_clear().args(["sql", id]));
        assert_eq!(out.code, 2, "{id}: {}", out.stderr);
        assert!(
            out.stderr.contains("YYYYMMDD_HHMMSS (20261121_090000)"),
            "{id}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_bad_env_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "# settings\nAPP=blog\nDATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x two words\n",
    )
    .unwrap();
    let out = run(migrate().current_dir(dir.path()).arg("status"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let file = dir.path().join(".env");
    assert!(
        out.stderr.contains(&format!("{}:3:", file.display())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("is not `KEY=value`"), "{}", out.stderr);
    assert!(!out.stderr.contains("no database given"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    // A command that needs no database warns and runs.
    let out = ok(migrate()
        .current_dir(dir.path())
        .args(["sql", "20261121_090000"]));
    assert!(out.stderr.contains("warning:"), "{}", out.stderr);
    assert!(out.stderr.contains(":3:"), "{}", out.stderr);
}
