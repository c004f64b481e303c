//! `database create | drop`: through the maintenance database, idempotent, refusing
//! without `--yes` and to drop the maintenance database, `--force` for connected
//! sessions, PostgreSQL's message in errors and never the password.

use super::*;

/// Whether database `name` exists on the test server.
fn exists(live: &Live, name: &str) -> bool {
    live.runtime.block_on(async {
        let admin = migrate_tests::TestDb::config_for("postgres").unwrap();
        let client = migrate_tests::connect(&admin).await.unwrap();
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                &[&name],
            )
            .await
            .unwrap();
        row.get::<_, bool>(0)
    })
}

#[test]
fn drop_and_create_are_idempotent_and_drop_needs_yes() {
    // The test's database is dropped by the command, then created again by it (and
    // dropped at the end of the test all the same).
    let live = Live::new();
    let name = live.db.name().to_owned();

    let out = run(live.migrate().args(["database", "drop"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "database drop would drop the database `{name}` on"
        )) && out.stderr.contains("run again with --yes"),
        "{}",
        out.stderr
    );
    assert!(exists(&live, &name));

    let out = ok(live.migrate().args(["database", "drop", "--yes"]));
    assert!(
        out.stdout
            .starts_with(&format!("dropped  database {name} on ")),
        "{}",
        out.stdout
    );
    assert!(!exists(&live, &name));
    let out = ok(live.migrate().args(["database", "drop", "--yes"]));
    assert!(
        out.stdout.contains("does not exist, nothing to drop"),
        "{}",
        out.stdout
    );

    let out = ok(live.migrate().args(["database", "create"]));
    assert!(
        out.stdout
            .starts_with(&format!("created  database {name} on ")),
        "{}",
        out.stdout
    );
    assert!(exists(&live, &name));
    let out = ok(live.migrate().args(["database", "create"]));
    assert!(
        out.stdout.contains("already there, nothing to do"),
        "{}",
        out.stdout
    );
    // A usable, empty database.
    ok(live.migrate().arg("up"));
    assert!(live.query_bool("SELECT to_regclass('public.users') IS NOT NULL"));
}

#[test]
fn drop_refuses_connected_sessions_unless_forced() {
    let live = Live::new();
    let name = live.db.name().to_owned();
    let session = live.runtime.block_on(live.db.connect()).unwrap();

    let out = run(live.migrate().args(["database", "drop", "--yes"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "database \"{name}\" is being accessed by other users"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--force disconnects"), "{}", out.stderr);
    assert!(exists(&live, &name));

    let out = ok(live
        .migrate()
        .args(["database", "drop", "--yes", "--force"]));
    assert!(
        out.stdout.contains("(1 session disconnected)"),
        "{}",
        out.stdout
    );
    assert!(!exists(&live, &name));
    assert!(
        live.runtime
            .block_on(session.simple_query("SELECT 1"))
            .is_err()
    );
}

#[test]
fn the_maintenance_databases_are_never_dropped() {
    let live = Live::new();
    for name in ["postgres", "template1", "template0"] {
        let out = run(migrate()
            .arg("--database-url")
            .arg(url_for(name))
            .args(["database", "drop", "--yes", "--force"]));
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("database drop refuses to drop `{name}`")),
            "{}",
            out.stderr
        );
        assert!(exists(&live, name));
    }
    for yes in [false, true] {
        let mut cmd = migrate();
        cmd.arg("--database-url")
            .arg(url_for("postgres"))
            .args(["reset", "--recreate"]);
        if yes {
            cmd.arg("--yes");
        }
        let out = run(&mut cmd);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("reset --recreate refuses to drop `postgres`"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn errors_carry_postgres_message_and_never_the_password() {
    let live = Live::new();
    let role = format!("{}_nocreatedb", live.db.name());
    let password = "s3cret-h15-pw";
    live.execute(&format!(
        "CREATE ROLE \"{role}\" LOGIN NOCREATEDB PASSWORD '{password}'"
    ));
    let admin = migrate_tests::TestDb::config_for("postgres").unwrap();
    let host = match &admin.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    let port = admin.get_ports().first().copied().unwrap_or(5432);
    let url = format!(
        "postgres://{role}:{password}@{host}:{port}/{}_new?sslmode=disable",
        live.db.name()
    );
    let out = run(migrate()
        .arg("--database-url")
        .arg(&url)
        .args(["database", "create"]));
    live.execute(&format!("DROP ROLE \"{role}\""));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("permission denied to create database"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(password), "{}", out.stderr);
    assert!(!out.stdout.contains(password), "{}", out.stdout);
}

#[test]
fn json_says_what_was_done_and_how_it_failed() {
    let live = Live::new();
    let name = live.db.name().to_owned();
    let doc = |args: &[&str]| -> Value {
        let out = ok(live.migrate().args(args));
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    };
    let server = |doc: &Value| doc["server"].as_str().unwrap_or_default().to_owned();

    let created = doc(&["database", "create", "--json"]);
    assert_eq!(created["ok"], true, "{created}");
    assert_eq!(created["action"], "exists", "{created}");
    assert_eq!(created["database"], name.as_str(), "{created}");
    // `host:port`, as the text line says it: never the user or the password.
    let text = ok(live.migrate().args(["database", "create"])).stdout;
    assert!(
        text.contains(&format!(" on {}:", server(&created))),
        "{text} / {created}"
    );
    assert!(!server(&created).contains('@'), "{created}");
    assert!(created.get("sessions_disconnected").is_none(), "{created}");

    // A connected session: without --force the drop fails, as JSON, with the SQLSTATE.
    let session = live.runtime.block_on(live.db.connect()).unwrap();
    let out = run(live.migrate().args(["database", "drop", "--yes", "--json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let failed: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(failed["ok"], false, "{failed}");
    assert_eq!(failed["error"]["code"], "55006", "{failed}");
    assert!(exists(&live, &name));

    let dropped = doc(&["database", "drop", "--yes", "--force", "--json"]);
    assert_eq!(
        (&dropped["action"], &dropped["sessions_disconnected"]),
        (&Value::from("dropped"), &Value::from(1)),
        "{dropped}"
    );
    assert!(!exists(&live, &name));
    drop(session);
    assert_eq!(
        doc(&["database", "drop", "--yes", "--json"])["action"],
        "missing"
    );
    assert_eq!(doc(&["database", "create", "--json"])["action"], "created");
    assert!(exists(&live, &name));
}
