//! Commands against a fresh database each: up, status, down, redo, dry runs, baseline
//! and repair, schema, verify, TLS modes, global options, exit codes, JSON and retries.

use super::*;

#[test]
fn up_status_down_redo() {
    let live = Live::new();
    let status = live.status();
    assert_eq!(status.len(), 10);
    assert!(states(&status).iter().all(|s| s == "pending"));
    assert!(status.iter().all(|m| m["applied_at"].is_null()));

    let out = ok(live.migrate().arg("up"));
    for id in IDS {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("applied") && l.contains(id)),
            "{id} not in:\n{}",
            out.stdout
        );
    }
    assert!(live.query_bool("SELECT to_regclass('public.posts') IS NOT NULL"));
    assert!(live.query_bool(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_posts_published'::regclass"
    ));

    let status = live.status();
    assert!(states(&status).iter().all(|s| s == "applied"), "{status:?}");
    let first = &status[0];
    assert_eq!(first["id"].as_i64(), Some(20261121090000));
    assert_eq!(first["name"], "create_users");
    let applied_at = first["applied_at"].as_str().unwrap();
    assert!(
        applied_at.len() >= 20 && applied_at.as_bytes()[10] == b'T' && applied_at.ends_with('Z'),
        "{applied_at}"
    );
    let text = ok(live.migrate().arg("status"));
    assert!(text.stdout.contains("10 applied"), "{}", text.stdout);

    let out = ok(live.migrate().arg("up"));
    assert!(out.stdout.contains("already up to date"), "{}", out.stdout);

    let out = ok(live.migrate().arg("down"));
    assert!(
        out.stdout.starts_with("reverted 20261121_090900 seed_tags"),
        "{}",
        out.stdout
    );
    assert_eq!(states(&live.status())[9], "pending");

    let out = ok(live.migrate().args(["redo", "--json"]));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let runs = report["migrations"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0]["direction"].as_str(), runs[1]["direction"].as_str()),
        (Some("down"), Some("up"))
    );
    assert_eq!(runs[0]["id"].as_i64(), Some(20261121090800));

    let out = ok(live
        .migrate()
        .args(["down", "--to", "20261121_090200", "--json"]));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["migrations"].as_array().unwrap().len(), 6);
    assert_eq!(
        states(&live.status()),
        [
            "applied", "applied", "applied", "pending", "pending", "pending", "pending", "pending",
            "pending", "pending"
        ]
    );
    ok(live.migrate().args(["down", "--all"]));
    assert!(!live.query_bool("SELECT to_regclass('public.users') IS NOT NULL"));
}

#[test]
fn dry_run_prints_sql_and_changes_nothing() {
    let live = Live::new();
    let out = ok(live.migrate().args(["up", "--dry-run"]));
    assert!(
        out.stdout.contains(
            "-- 20261121_090000 create_users up (transaction)\nBEGIN;\nCREATE TABLE \"users\""
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("COMMIT;"));
    assert!(
        out.stdout
            .contains("-- runs outside a transaction\nCREATE INDEX CONCURRENTLY")
    );
    assert!(!live.query_bool("SELECT to_regclass('public.users') IS NOT NULL"));
    assert!(!live.query_bool("SELECT to_regclass('public.migrate_history') IS NOT NULL"));

    ok(live.migrate().args(["up", "--to", "20261121_090300"]));
    let out = ok(live.migrate().args(["down", "--all", "--dry-run"]));
    let first = out.stdout.find("20261121_090300 index_posts down").unwrap();
    let last = out
        .stdout
        .find("20261121_090000 create_users down")
        .unwrap();
    assert!(first < last, "{}", out.stdout);
    assert!(live.query_bool("SELECT to_regclass('public.users') IS NOT NULL"));
    assert_eq!(states(&live.status())[..4], ["applied"; 4]);

    let out = ok(live.migrate().args(["up", "--dry-run", "--json"]));
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["migrations"].as_array().unwrap().len(), 6);
}

#[test]
fn baseline_and_repair() {
    let live = Live::new();
    let out = ok(live.migrate().args(["baseline", "20261121_090200"]));
    assert!(
        out.stdout.contains("baselined 3 migration(s)"),
        "{}",
        out.stdout
    );
    let status = live.status();
    assert_eq!(
        states(&status)[..4],
        ["applied", "applied", "applied", "pending"]
    );
    assert_eq!(status[0]["detail"], "baselined");

    // An applied migration whose recorded checksum differs: modified; `up` refuses.
    live.execute("UPDATE migrate_history SET checksum = repeat('0', 64) WHERE id = 20261121090100");
    assert_eq!(states(&live.status())[1], "modified");
    let out = run(live.migrate().arg("up"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("modified"), "{}", out.stderr);
    assert!(out.stderr.contains("20261121_090100"), "{}", out.stderr);

    let out = ok(live.migrate().arg("repair"));
    assert!(
        out.stdout
            .contains("repaired the checksums of 1 migration(s): 20261121_090100"),
        "{}",
        out.stdout
    );
    assert_eq!(states(&live.status())[1], "applied");
    let out = ok(live.migrate().arg("repair"));
    assert!(out.stdout.contains("nothing to repair"), "{}", out.stdout);

    let out = run(live.migrate().args(["baseline", "42"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn schema_option_moves_the_history_and_the_search_path() {
    let live = Live::new();
    ok(live
        .migrate()
        .args(["--schema", "app", "up", "--to", "20261121_090000"]));
    assert!(live.query_bool("SELECT to_regclass('app.migrate_history') IS NOT NULL"));
    assert!(live.query_bool("SELECT to_regclass('app.users') IS NOT NULL"));
    assert!(!live.query_bool("SELECT to_regclass('public.migrate_history') IS NOT NULL"));
    let status = ok(live.migrate().args(["--schema", "app", "status"]));
    assert!(
        status.stdout.contains("1 applied, 9 pending"),
        "{}",
        status.stdout
    );
}

#[test]
fn sslmodes_are_honoured() {
    let live = Live::new();
    if !live.query_bool("SELECT current_setting('ssl') = 'on'") {
        eprintln!("skipped: the test server has no TLS");
        return;
    }
    let sep = if live.url.contains('?') { '&' } else { '?' };
    let with_mode = |mode: &str| {
        if live.url.starts_with("postgres") {
            format!("{}{sep}sslmode={mode}", live.url)
        } else {
            format!("{} sslmode={mode}", live.url)
        }
    };
    for mode in ["disable", "prefer", "require"] {
        ok(migrate()
            .args(["status", "--database-url"])
            .arg(with_mode(mode)));
    }
    // The test server's certificate is not signed by a trusted root.
    let out = run(migrate()
        .args(["status", "--database-url"])
        .arg(with_mode("verify-full")));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("TLS"), "{}", out.stderr);
}

#[test]
fn verify_proves_every_down_and_leaves_no_scratch_database() {
    let live = Live::new();
    // Scratch databases are named after the process that creates them
    // (`migrate_verify_<pid>_...`): watch this one's, whatever else runs meanwhile.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["--database-url", &live.url, "verify"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for id in IDS {
        assert!(
            stdout.contains(&format!("ok       {id} ")),
            "{id} not verified:\n{stdout}"
        );
    }
    let prefix = format!("migrate_verify_{pid}_");
    assert!(
        live.scratch_databases()
            .iter()
            .all(|name| !name.starts_with(&prefix)),
        "a scratch database of process {pid} is left"
    );
    // The target database itself was not touched.
    assert!(!live.query_bool("SELECT to_regclass('public.migrate_history') IS NOT NULL"));
}

#[test]
fn schema_prints_a_stable_snapshot_and_check_detects_drift() {
    let live = Live::migrated();
    let first = ok(live.migrate().arg("schema")).stdout;
    let second = ok(live.migrate().arg("schema")).stdout;
    assert_eq!(first, second);
    assert!(
        first.contains("column public.users.full_name: text not null"),
        "{first}"
    );
    assert!(!first.contains("migrate_history"), "{first}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.txt");
    std::fs::write(&file, &first).unwrap();
    let check = ok(live.migrate().arg("schema").arg("--check").arg(&file));
    assert!(
        check.stdout.contains("the database matches"),
        "{}",
        check.stdout
    );

    live.execute("ALTER TABLE users ADD COLUMN nickname text");
    let drift = run(live.migrate().arg("schema").arg("--check").arg(&file));
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    assert!(
        drift
            .stderr
            .contains("+ column public.users.nickname: text"),
        "{}",
        drift.stderr
    );
}

/// Every option of the "Global options" section of `--help`, with a real value.
const GLOBAL_OPTIONS: &[(&str, &[&str])] = &[
    ("--database-url", &[]), // given by each caller
    ("--schema", &["--schema", "app"]),
    ("--history-table", &["--history-table", "history"]),
    ("--connect-timeout", &["--connect-timeout", "5s"]),
    ("--lock-timeout", &["--lock-timeout", "100ms,500ms,1s"]),
    ("--statement-timeout", &["--statement-timeout", "30s"]),
    ("--lock-wait", &["--lock-wait", "10s"]),
    ("--color", &["--color", "never"]),
    ("--verbose", &["-v"]),
];

#[test]
fn every_global_option_works_with_a_real_value() {
    // The list above is the help's list.
    let help = ok(migrate().arg("--help")).stdout;
    let section = help.split("Global options:").nth(1).unwrap();
    let listed: Vec<&str> = section
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter(|l| l.trim_start().starts_with('-'))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .map(|w| w.trim_end_matches(',').trim_end_matches("..."))
        .filter(|w| *w != "--help" && *w != "--version")
        .collect();
    assert_eq!(listed.len(), GLOBAL_OPTIONS.len(), "{listed:?}");
    for option in &listed {
        assert!(
            GLOBAL_OPTIONS.iter().any(|(o, _)| o == option),
            "{option} has no value in GLOBAL_OPTIONS"
        );
    }
    // The documented forms of the lock_timeout ladder, without a database.
    for ladder in ["100ms", "100ms,500ms", "0", "100ms,1s,0"] {
        let out =
            ok(migrate()
                .env_clear()
                .args(["--lock-timeout", ladder, "sql", "20261121_090000"]));
        assert!(out.stdout.contains("CREATE TABLE"), "{}", out.stderr);
    }
    // Each option alone, then all together, on a real run.
    let live = Live::new();
    for (_, args) in GLOBAL_OPTIONS {
        ok(live.migrate().args(*args).arg("status"));
    }
    let mut cmd = live.migrate();
    for (_, args) in GLOBAL_OPTIONS {
        cmd.args(*args);
    }
    ok(cmd.arg("up"));
    assert!(live.query_bool("SELECT to_regclass('app.history') IS NOT NULL"));
    assert!(live.query_bool("SELECT to_regclass('app.users') IS NOT NULL"));
}

#[test]
fn connect_timeout_zero_means_no_limit() {
    let live = Live::new();
    let out = ok(live.migrate().args(["--connect-timeout", "0", "status"]));
    assert!(out.stdout.contains("10 pending"), "{}", out.stdout);
}

#[test]
fn status_exit_code_gates_ci() {
    let live = Live::new();
    // Without --exit-code, status succeeds whatever the state.
    ok(live.migrate().arg("status"));
    let out = run(live.migrate().args(["status", "--exit-code"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.contains("10 pending"), "{}", out.stdout);
    let out = run(live.migrate().args(["status", "--exit-code", "--json"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["up_to_date"], false);

    ok(live.migrate().arg("up"));
    ok(live.migrate().args(["status", "--exit-code"]));
    let out = ok(live.migrate().args(["status", "--exit-code", "--json"]));
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["up_to_date"], true);

    // Modified, then missing: 3 again.
    live.execute("UPDATE migrate_history SET checksum = repeat('0', 64) WHERE id = 20261121090100");
    let out = run(live.migrate().args(["status", "--exit-code"]));
    assert_eq!(out.code, 3, "{}", out.stdout);
    ok(live.migrate().arg("repair"));
    ok(live.migrate().args(["status", "--exit-code"]));
    live.execute(
        "INSERT INTO migrate_history (id, name, checksum) VALUES (20200101000000, 'gone', 'x')",
    );
    let out = run(live.migrate().args(["status", "--exit-code", "--json"]));
    assert_eq!(out.code, 3, "{}", out.stdout);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["migrations"][0]["state"], "missing");
    // A failure to read the status is 1, not 3.
    let out = run(migrate()
        .args(["--database-url", "postgres://u@127.0.0.1:1/x"])
        .args(["status", "--exit-code"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// Applies 090000..090700, then records 090900 (seed_tags) as applied: 090800 is
/// pending and older than the newest applied migration.
fn out_of_order(live: &Live) {
    ok(live.migrate().args(["up", "--to", "20261121_090700"]));
    let status = live.status();
    let seed = status
        .iter()
        .find(|m| m["id"].as_i64() == Some(20261121090900))
        .unwrap();
    let checksum = seed["checksum"].as_str().unwrap();
    live.execute(&format!(
        "INSERT INTO tags (name) VALUES ('rust'), ('postgresql'), ('migrations');
         INSERT INTO migrate_history (id, name, checksum) VALUES (20261121090900, 'seed_tags', '{checksum}')"
    ));
}

#[test]
fn out_of_order_migrations_can_be_applied_explicitly() {
    let live = Live::new();
    out_of_order(&live);
    let out = run(live.migrate().args(["status", "--exit-code"]));
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(out.stdout.contains("out-of-order"), "{}", out.stdout);
    assert!(
        out.stdout.contains("up --allow-out-of-order"),
        "{}",
        out.stdout
    );
    let json = ok(live.migrate().args(["status", "--json"]));
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["migrations"][8]["detail"], "out-of-order");

    let out = run(live.migrate().arg("up"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("older than the newest applied one")
            && out.stderr.contains("migrate up --allow-out-of-order"),
        "{}",
        out.stderr
    );
    let out = ok(live.migrate().args(["up", "--allow-out-of-order"]));
    assert!(
        out.stdout
            .contains("applied  20261121_090800 drop_split_names"),
        "{}",
        out.stdout
    );
    ok(live.migrate().args(["status", "--exit-code"]));
}

#[test]
fn up_json_carries_the_sqlstate() {
    // A migration's statement.
    let live = Live::new();
    live.execute("CREATE TABLE users (x int)");
    let out = run(live.migrate().args(["up", "--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(value["error"]["code"], "42P07");

    // Connecting: the database does not exist.
    let missing = url_for("migrate_no_such_database");
    let out = run(migrate()
        .args(["--database-url", &missing])
        .args(["up", "--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(value["error"]["code"], "3D000", "{value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{value}"
    );

    // A bookkeeping query: a role that may not create the history table.
    let role = format!("migrate_noperm_{}", live.db.name());
    live.execute(&format!("CREATE ROLE {role} LOGIN"));
    let as_role = {
        let config: tokio_postgres::Config = live.url.parse().unwrap();
        let host = match &config.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        };
        format!(
            "host={host} port={} user={role} dbname={}",
            config.get_ports().first().copied().unwrap_or(5432),
            live.db.name()
        )
    };
    let out = run(migrate()
        .args(["--database-url", &as_role])
        .args(["up", "--json"]));
    live.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["error"]["code"], "42501", "{value}");
}

/// A blocked migration that is retried says so on stderr, from the runner's retry
/// events: which attempt, under which lock_timeout, and the session that blocked it
/// (not the runner's log line with its `Debug` dump of the blockers).
#[test]
fn retries_name_the_session_that_blocked_them() {
    let live = Live::new();
    ok(live.migrate().args(["up", "--to", "20261121_090300"]));
    // A transaction holding a lock on `users` until its connection closes.
    let holder = live.runtime.block_on(async {
        let client = live.db.connect().await.unwrap();
        client
            .batch_execute("BEGIN; LOCK TABLE users IN ACCESS SHARE MODE")
            .await
            .unwrap();
        client
    });
    let out = run(live.migrate().args([
        "--lock-timeout",
        "50ms,50ms",
        "up",
        "--to",
        "20261121_090400",
    ]));
    drop(holder);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "blocked  20261121_090400 add_profile_columns: lock timeout (55P03) under \
             lock_timeout 50ms, attempt 1 of 2; retrying in"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("blocked by pid ")
            && out.stderr.contains("LOCK TABLE users IN ACCESS SHARE MODE"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Blocker {"), "{}", out.stderr);
}
