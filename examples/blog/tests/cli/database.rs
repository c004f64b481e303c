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
