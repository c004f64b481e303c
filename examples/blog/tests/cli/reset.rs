//! `reset`: refused without `--yes` (saying what it would do), every applied migration
//! reverted then every migration applied, refused over a history it cannot revert
//! (naming what is in the way), and `--recreate` for the database or a `--schema`.

use super::*;

/// One text value from a query on the test's database.
fn text(live: &Live, sql: &str) -> String {
    live.runtime.block_on(async {
        let client = live.db.connect().await.unwrap();
        migrate_tests::text(&client, sql).await.unwrap().unwrap()
    })
}

const APPLIED_AT: &str =
    "SELECT string_agg(applied_at::text, ',' ORDER BY id) FROM migrate_history";

#[test]
fn reset_without_yes_says_what_it_would_do_and_changes_nothing() {
    let live = Live::new();
    ok(live.migrate().arg("up"));
    live.execute("INSERT INTO users (email, full_name) VALUES ('kept@example.com', 'A')");
    let before = text(&live, APPLIED_AT);

    let out = run(live.migrate().arg("reset"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "reset would revert the 10 applied migration(s) of the database `{}` on",
            live.db.name()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("then apply 10 migration(s); nothing was changed")
            && out.stderr.contains("hint: run again with --yes to do it"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let out = run(live.migrate().args(["reset", "--recreate"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "reset would drop the database `{}` on",
            live.db.name()
        )),
        "{}",
        out.stderr
    );
    let out = run(live.migrate().args(["reset", "--json"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);

    assert_eq!(text(&live, APPLIED_AT), before);
    assert_eq!(text(&live, "SELECT count(*) FROM users"), "1");
}

#[test]
fn reset_reverts_every_migration_then_applies_every_one() {
    let live = Live::new();
    ok(live.migrate().arg("up"));
    live.execute("INSERT INTO users (email, full_name) VALUES ('gone@example.com', 'A')");
    let before = text(&live, "SELECT max(applied_at)::text FROM migrate_history");

    let out = ok(live.migrate().args(["reset", "--yes"]));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 21, "{}", out.stdout);
    for (i, id) in IDS.iter().rev().enumerate() {
        assert!(
            lines[i].starts_with(&format!("reverted {id} ")),
            "{}",
            out.stdout
        );
    }
    for (i, id) in IDS.iter().enumerate() {
        assert!(
            lines[10 + i].starts_with(&format!("applied  {id} ")),
            "{}",
            out.stdout
        );
    }
    assert!(
        lines[20].starts_with("reset: reverted 10 and applied 10 migration(s) in "),
        "{}",
        out.stdout
    );
    // The tables were dropped and created again; the history rows written again.
    assert_eq!(text(&live, "SELECT count(*) FROM users"), "0");
    assert_eq!(
        text(
            &live,
            &format!("SELECT count(*) FROM migrate_history WHERE applied_at > '{before}'")
        ),
        "10"
    );
    assert!(states(&live.status()).iter().all(|s| s == "applied"));

    let out = ok(live.migrate().args(["reset", "--yes", "--json"]));
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    let runs = doc["migrations"].as_array().unwrap();
    let directions: Vec<&str> = runs
        .iter()
        .map(|r| r["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, [["down"; 10], ["up"; 10]].concat());
    assert_eq!(runs[0]["id"].as_i64(), Some(20261121090900));
    assert_eq!(runs[19]["id"].as_i64(), Some(20261121090900));
}

#[test]
fn reset_refuses_a_history_it_cannot_revert_and_recreate_does_not() {
    let live = Live::new();
    ok(live.migrate().arg("up"));
    live.execute(
        "INSERT INTO users (email, full_name) VALUES ('kept@example.com', 'A');
         UPDATE migrate_history SET checksum = repeat('0', 64) WHERE id = 20261121090300;
         INSERT INTO migrate_history (id, name, checksum)
             VALUES (20991231000000, 'gone_from_the_code', repeat('0', 64))",
    );

    // Without --yes: the refusal it would meet, and the way out.
    let out = run(live.migrate().arg("reset"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "reset would refuse: it cannot revert 20261121_090300 index_posts, \
             20991231_000000 gone_from_the_code"
        ) && out.stderr.contains("`migrate reset --recreate --yes`"),
        "{}",
        out.stderr
    );
    // With it: refused by the runner before anything changed, naming them.
    let out = run(live.migrate().args(["reset", "--yes"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    for expected in [
        "reset refused: the history holds migrations it cannot revert; nothing was changed",
        "applied but missing from the code: 20991231_000000 (gone_from_the_code)",
        "modified since they ran (their down may not undo what ran): 20261121_090300 (index_posts)",
        "`migrate reset --recreate`",
    ] {
        assert!(out.stderr.contains(expected), "{expected}:\n{}", out.stderr);
    }
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(text(&live, "SELECT count(*) FROM users"), "1");
    assert_eq!(text(&live, "SELECT count(*) FROM migrate_history"), "11");

    let out = ok(live.migrate().args(["reset", "--yes", "--recreate"]));
    assert!(
        out.stdout.contains(&format!(
            "\nreset: recreated database `{}` and applied 10 migration(s) in ",
            live.db.name()
        )),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("reverted"), "{}", out.stdout);
    assert_eq!(text(&live, "SELECT count(*) FROM users"), "0");
    assert_eq!(text(&live, "SELECT count(*) FROM migrate_history"), "10");
    assert!(states(&live.status()).iter().all(|s| s == "applied"));
}

#[test]
fn reset_recreate_with_schema_recreates_only_that_schema() {
    let live = Live::new();
    live.execute("CREATE TABLE public.keep (id int)");
    let out = run(live
        .migrate()
        .args(["--schema", "dev", "reset", "--recreate"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "reset would drop the schema `dev` of the database `{}`",
            live.db.name()
        )),
        "{}",
        out.stderr
    );
    assert!(!live.query_bool("SELECT to_regnamespace('dev') IS NOT NULL"));

    // A first time on a database without the schema, then again over data.
    ok(live
        .migrate()
        .args(["--schema", "dev", "reset", "--yes", "--recreate"]));
    assert!(live.query_bool("SELECT to_regclass('dev.users') IS NOT NULL"));
    live.execute("INSERT INTO dev.users (email, full_name) VALUES ('gone@example.com', 'A')");
    let out = ok(live
        .migrate()
        .args(["--schema", "dev", "reset", "--yes", "--recreate"]));
    assert!(
        out.stdout
            .contains("reset: recreated schema `dev` and applied 10 migration(s) in "),
        "{}",
        out.stdout
    );
    assert_eq!(text(&live, "SELECT count(*) FROM dev.users"), "0");
    assert_eq!(
        text(&live, "SELECT count(*) FROM dev.migrate_history"),
        "10"
    );
    // The rest of the database is left alone.
    assert!(live.query_bool("SELECT to_regclass('public.keep') IS NOT NULL"));
    assert!(!live.query_bool("SELECT to_regclass('public.users') IS NOT NULL"));
}
