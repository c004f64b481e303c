//! Many targets from the command line: `--schemas 'tenant_*' --jobs 4` on a fresh
//! database: one line per tenant and a total line, the JSON document, status across
//! tenants, a failing tenant (exit 1), and the usage errors.

use super::*;

/// A fresh database with schemas `tenant_00` .. `tenant_{n-1}`.
fn tenants(n: usize) -> (Live, Vec<String>) {
    let live = Live::new();
    let names: Vec<String> = (0..n).map(|i| format!("tenant_{i:02}")).collect();
    let sql: String = names
        .iter()
        .map(|s| format!("CREATE SCHEMA {s};"))
        .collect();
    live.execute(&sql);
    (live, names)
}

/// The lines of a target's summary, by name (they come in the order they finish).
fn lines_by_target(stdout: &str) -> Vec<String> {
    let mut lines: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with("tenant_"))
        .map(|l| l.to_owned())
        .collect();
    lines.sort();
    lines
}

#[test]
fn up_and_status_across_tenant_schemas() {
    let (live, names) = tenants(8);
    let out = ok(live
        .migrate()
        .args(["up", "--schemas", "tenant_*", "--jobs", "4"]));
    let lines = lines_by_target(&out.stdout);
    assert_eq!(lines.len(), 8, "{}", out.stdout);
    for (line, name) in lines.iter().zip(&names) {
        assert!(
            line.starts_with(&format!("{name}  applied 10 migration(s) in ")),
            "{line}"
        );
    }
    let last = out.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("8 target(s): 8 ok, 0 failed, 0 skipped in "),
        "{last}"
    );
    // No per-migration lines with many targets.
    assert!(!out.stdout.contains("20261121_090000"), "{}", out.stdout);
    for name in &names {
        assert!(live.query_bool(&format!("SELECT count(*) = 10 FROM {name}.migrate_history")));
        assert!(live.query_bool(&format!("SELECT to_regclass('{name}.posts') IS NOT NULL")));
    }
    assert!(live.query_bool("SELECT to_regclass('public.posts') IS NULL"));

    let out = ok(live.migrate().args([
        "status",
        "--schemas",
        "tenant_*",
        "--jobs",
        "4",
        "--exit-code",
    ]));
    let lines = lines_by_target(&out.stdout);
    assert_eq!(
        lines[0],
        "tenant_00  10 applied, 0 pending, 0 modified, 0 missing: up to date"
    );

    // One tenant reverted: status --exit-code needs action (3).
    ok(live.migrate().args(["down", "--schemas", "tenant_03"]));
    let out = run(live
        .migrate()
        .args(["status", "--schemas", "tenant_*", "--exit-code"]));
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("tenant_03  9 applied, 1 pending, 0 modified, 0 missing: needs action"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(", 1 need(s) action in "),
        "{}",
        out.stdout
    );

    // -v adds each tenant's table.
    let out = ok(live
        .migrate()
        .args(["status", "--schemas", "tenant_03", "-v"]));
    assert!(out.stdout.contains("seed_tags"), "{}", out.stdout);

    // redo and repair fan out the same way.
    let out = ok(live
        .migrate()
        .args(["redo", "--schemas", "tenant_00,tenant_01"]));
    let lines = lines_by_target(&out.stdout);
    assert!(
        lines[0].starts_with("tenant_00  redid 1 migration(s) in "),
        "{}",
        out.stdout
    );
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    let out = ok(live.migrate().args(["repair", "--schemas", "tenant_0?"]));
    assert!(
        out.stdout.contains("tenant_07  every checksum matches in "),
        "{}",
        out.stdout
    );
}

#[test]
fn the_json_document_has_one_object_per_target() {
    let (live, names) = tenants(3);
    let out = ok(live.migrate().args([
        "up",
        "--schemas",
        "tenant_*,tenant_new",
        "--jobs",
        "4",
        "--json",
    ]));
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["scope"], "schema");
    assert_eq!(doc["jobs"], 4);
    assert_eq!(
        doc["totals"],
        serde_json::json!({"ok": 4, "failed": 0, "skipped": 0})
    );
    let targets = doc["targets"].as_array().unwrap();
    let got: Vec<(&str, bool, &str)> = targets
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap(),
                t["created"].as_bool().unwrap(),
                t["result"].as_str().unwrap(),
            )
        })
        .collect();
    let mut expected: Vec<(&str, bool, &str)> =
        names.iter().map(|n| (n.as_str(), false, "ok")).collect();
    expected.push(("tenant_new", true, "ok"));
    assert_eq!(got, expected);
    for target in targets {
        let report = &target["report"];
        assert_eq!(report["ok"], true);
        assert_eq!(report["migrations"].as_array().unwrap().len(), 10);
        assert_eq!(report["migrations"][0]["id"], 20261121090000_i64);
        assert!(target["elapsed_ms"].is_u64());
    }

    let out = ok(live
        .migrate()
        .args(["status", "--schemas", "tenant_new", "--json"]));
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let target = &doc["targets"][0];
    assert_eq!(target["counts"]["applied"], 10);
    assert_eq!(target["counts"]["pending"], 0);
    assert_eq!(target["status"]["up_to_date"], true);
    assert_eq!(target["status"]["migrations"].as_array().unwrap().len(), 10);
}

#[test]
fn a_failing_tenant_fails_the_run_but_not_the_others() {
    let (live, _) = tenants(6);
    live.execute("CREATE TABLE tenant_02.users (conflict int)");
    let out = run(live
        .migrate()
        .args(["up", "--schemas", "tenant_*", "--jobs", "4"]));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let lines = lines_by_target(&out.stdout);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("applied 10 migration(s)"))
            .count(),
        5,
        "{}",
        out.stdout
    );
    assert!(
        lines[2].starts_with(
            "tenant_02  FAILED at 20261121_090000 create_users: relation \"users\" already \
             exists (SQLSTATE 42P07) in "
        ),
        "{}",
        lines[2]
    );
    assert!(
        out.stdout
            .contains("6 target(s): 5 ok, 1 failed, 0 skipped in "),
        "{}",
        out.stdout
    );
    assert!(live.query_bool("SELECT count(*) = 0 FROM tenant_02.migrate_history"));

    // Fail-fast, one at a time: the failing tenant first, the rest skipped.
    let out = run(live.migrate().args([
        "down",
        "--all",
        "--schemas",
        "tenant_03,tenant_04",
        "--json",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(live.migrate().args([
        "up",
        "--schemas",
        "tenant_02,tenant_03,tenant_04",
        "--fail-fast",
        "--json",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    let results: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["failed", "skipped", "skipped"]);
    let failed = &doc["targets"][0];
    assert_eq!(failed["error"]["code"], "42P07");
    assert_eq!(failed["report"]["ok"], false);
    assert!(live.query_bool("SELECT count(*) = 0 FROM tenant_03.migrate_history"));
}

#[test]
fn target_lists_are_checked_before_anything_runs() {
    let (live, _) = tenants(1);
    let out = run(live
        .migrate()
        .args(["up", "--schema", "app", "--schemas", "tenant_*"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the argument '--schema <NAME>' cannot be used with '--schemas <LIST>'"),
        "{}",
        out.stderr
    );
    let out = run(live.migrate().args(["schema", "--schemas", "tenant_*"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--schemas works with up, down, redo, baseline, repair and status only"),
        "{}",
        out.stderr
    );
    // --jobs and --fail-fast mean nothing without a target list: refused, not ignored.
    for flag in [&["--jobs", "4"][..], &["--fail-fast"][..]] {
        let out = run(live.migrate().arg("up").args(flag));
        assert_eq!(out.code, 2, "{flag:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("<--schemas <LIST>|--databases <LIST>>"),
            "{flag:?}: {}",
            out.stderr
        );
    }
    assert!(live.query_bool("SELECT to_regclass('public.migrate_history') IS NULL"));
    let out = run(live.migrate().args(["up", "--schemas", "shard_*"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("no schema matches `shard_*`"),
        "{}",
        out.stderr
    );
    assert!(live.query_bool("SELECT to_regclass('tenant_00.migrate_history') IS NULL"));
    let out = run(live
        .migrate()
        .args(["up", "--dry-run", "--schemas", "tenant_*"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
}
