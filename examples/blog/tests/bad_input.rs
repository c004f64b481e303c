//! The bad-input corpus: the real `migrate` binary of the example, fed what users and
//! operators get wrong (flags, ids, targets, URLs, TLS options, `.env` files, server
//! and history states). Every case asserts its exit code and a clear message (a
//! substring), that nothing panicked, that the run ended within its bound, and that
//! the password (`hunter2`, in every URL) shows nowhere: stdout, stderr, and the
//! `--json` output when the command has one (run a second time with `--json`, which
//! must then be a JSON document with `"ok": false` and the same message).
//!
//! Each case runs in a temporary working directory (holding the case's `.env`, if
//! any), with no `DATABASE_URL`/`DIRECT_URL` in its environment, and each case with
//! a server or history state gets its own fresh database.
//!
//! Why one file of ~1,000 lines: it is one corpus, a table of cases read top to bottom
//! beside the small harness that runs every case the same way (`run_case`); split by
//! topic, the cases would scatter over files and the harness would need a module of
//! its own for a few dozen lines. Add a case to the table, not a file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    missing_docs
)]

use std::cell::RefCell;
use std::time::{Duration, Instant};

use migrate_tests::TestDb;

mod common;
use serde_json::Value;

/// The password of every URL of the corpus; it must never be printed.
const PASSWORD: &str = "hunter2";
/// A URL whose server refuses connections at once.
const UNREACHABLE: &str = "postgres://bob:hunter2@127.0.0.1:1/app";
/// An id of the example.
const ID: &str = "20261121_090000";

/// What to set up in a case's fresh database before running the command.
type Setup = fn(&Fresh);

struct Case {
    name: &'static str,
    /// Arguments; `{url}` is the fresh database's URL (with the password).
    args: Vec<String>,
    /// Environment variables (`{url}` replaced too).
    env: Vec<(&'static str, String)>,
    /// The `.env` file of the working directory (`{url}` replaced too).
    dotenv: Option<&'static str>,
    /// A fresh database, and what to do to it first.
    db: Option<Setup>,
    code: i32,
    says: &'static str,
    /// Also run with `--json`.
    json: bool,
    /// The run must end within this.
    within: Duration,
}

fn case(name: &'static str, args: &[&str]) -> Case {
    Case {
        name,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        env: Vec::new(),
        dotenv: None,
        db: None,
        code: 0,
        says: "",
        json: false,
        within: Duration::from_secs(30),
    }
}

impl Case {
    fn fails(mut self, code: i32, says: &'static str) -> Self {
        self.code = code;
        self.says = says;
        self
    }
    fn env(mut self, key: &'static str, value: &str) -> Self {
        self.env.push((key, value.to_owned()));
        self
    }
    fn dotenv(mut self, text: &'static str) -> Self {
        self.dotenv = Some(text);
        self
    }
    /// A fresh database, left empty.
    fn fresh(self) -> Self {
        self.with(|_| {})
    }
    fn with(mut self, setup: Setup) -> Self {
        self.db = Some(setup);
        self
    }
    fn json(mut self) -> Self {
        self.json = true;
        self
    }
    fn within(mut self, bound: Duration) -> Self {
        self.within = bound;
        self
    }
}

/// A case's fresh database.
struct Fresh {
    db: TestDb,
    runtime: tokio::runtime::Runtime,
    /// What `{url}` becomes (a setup may point it elsewhere, e.g. another role).
    url: RefCell<String>,
    /// Connections kept open for the run (holding a lock...).
    held: RefCell<Vec<tokio_postgres::Client>>,
    /// Roles to drop afterwards.
    roles: RefCell<Vec<String>>,
}

impl Fresh {
    fn new() -> Self {
        let (db, runtime) = common::fresh_database();
        let url = url_with_password(db.name(), None);
        Self {
            db,
            runtime,
            url: RefCell::new(url),
            held: RefCell::new(Vec::new()),
            roles: RefCell::new(Vec::new()),
        }
    }

    fn execute(&self, sql: &str) {
        self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            client.batch_execute(sql).await.unwrap();
        });
    }

    /// Runs the binary on this database and expects success.
    fn migrate(&self, args: &[&str]) -> String {
        let output = common::migrate()
            .arg("--database-url")
            .arg(&*self.url.borrow())
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "setup `migrate {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The code's checksum of a migration, from `status --json`.
    fn checksum(&self, id: i64) -> String {
        let status: Value = serde_json::from_str(&self.migrate(&["status", "--json"])).unwrap();
        status["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"].as_i64() == Some(id))
            .unwrap()["checksum"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Holds the run lock of this database's default history table, on a connection
    /// that stays open for the run.
    fn hold_run_lock(&self) {
        let key = migrate_core::lock::lock_key(self.db.name(), "public", "migrate_history");
        let client = self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            client
                .execute("SELECT pg_advisory_lock($1)", &[&key])
                .await
                .unwrap();
            client
        });
        self.held.borrow_mut().push(client);
    }

    /// Opens a transaction that runs `sql` and stays open for the run.
    fn hold_in_transaction(&self, sql: &str) {
        let client = self.runtime.block_on(async {
            let client = self.db.connect().await.unwrap();
            client.batch_execute("BEGIN").await.unwrap();
            client.batch_execute(sql).await.unwrap();
            client
        });
        self.held.borrow_mut().push(client);
    }

    /// A role that may log in but not create anything; `{url}` becomes its.
    fn as_unprivileged_role(&self) {
        let role = format!("migrate_noperm_{}", self.db.name());
        self.execute(&format!("CREATE ROLE {role} LOGIN"));
        // PostgreSQL 14 and older let every role create in `public`; 15 does not.
        self.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        self.roles.borrow_mut().push(role.clone());
        *self.url.borrow_mut() = url_with_password(self.db.name(), Some(&role));
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        self.held.borrow_mut().clear();
        for role in self.roles.borrow().iter() {
            self.execute(&format!("DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}"));
        }
    }
}

/// The test server's URL for database `name` (as `user`, default the admin's), with
/// the corpus's password (the local server trusts, and ignores it).
fn url_with_password(name: &str, user: Option<&str>) -> String {
    let admin: tokio_postgres::Config = migrate_tests::admin_url().parse().unwrap();
    let host = match admin.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "127.0.0.1".to_owned(),
    };
    let port = admin.get_ports().first().copied().unwrap_or(5432);
    let user = user.map_or_else(
        || admin.get_user().unwrap_or("postgres").to_owned(),
        str::to_owned,
    );
    format!("postgres://{user}:{PASSWORD}@{host}:{port}/{name}")
}

/// Runs one case (and its `--json` twin); `Err` says what is wrong.
fn run_case(case: &Case) -> Result<(), String> {
    let fresh = case.db.map(|setup| {
        let fresh = Fresh::new();
        setup(&fresh);
        fresh
    });
    let url = fresh
        .as_ref()
        .map_or_else(|| UNREACHABLE.to_owned(), |f| f.url.borrow().clone());
    let fill = |text: &str| text.replace("{url}", &url);
    let dir = tempfile::tempdir().unwrap();
    if let Some(text) = case.dotenv {
        std::fs::write(dir.path().join(".env"), fill(text)).unwrap();
    }
    for json in [false, true] {
        if json && !case.json {
            continue;
        }
        let mut cmd = common::migrate();
        cmd.current_dir(dir.path()).timeout(case.within);
        for arg in &case.args {
            cmd.arg(fill(arg));
        }
        if json {
            cmd.arg("--json");
        }
        for (key, value) in &case.env {
            cmd.env(key, fill(value));
        }
        let start = Instant::now();
        let output = cmd
            .output()
            .map_err(|e| format!("did not end within {:?}: {e}", case.within))?;
        let elapsed = start.elapsed();
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let cut = |text: &str| text.chars().take(1500).collect::<String>();
        let shown = || {
            format!(
                "(json: {json})\nstdout:\n{}\nstderr:\n{}",
                cut(&stdout),
                cut(&stderr)
            )
        };
        if elapsed > case.within {
            return Err(format!("took {elapsed:?} {}", shown()));
        }
        if code == 101 || stderr.contains("panicked") {
            return Err(format!("panicked {}", shown()));
        }
        if stdout.contains(PASSWORD) || stderr.contains(PASSWORD) {
            return Err(format!("printed the password {}", shown()));
        }
        if code != case.code {
            return Err(format!(
                "exit code {code}, expected {} {}",
                case.code,
                shown()
            ));
        }
        if !json && !stderr.contains(case.says) && !stdout.contains(case.says) {
            return Err(format!("does not say {:?} {}", case.says, shown()));
        }
        if json {
            let value: Value = serde_json::from_str(&stdout)
                .map_err(|e| format!("stdout is not JSON ({e}) {}", shown()))?;
            let ok = value["ok"].as_bool();
            if case.code == 0 || case.code == 3 {
                if ok != Some(true) {
                    return Err(format!("JSON is not ok {}", shown()));
                }
            } else {
                let error = &value["error"];
                let chain = error["chain"].as_array().cloned().unwrap_or_default();
                let text = std::iter::once(&error["message"])
                    .chain(&chain)
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n");
                if ok != Some(false) || !text.contains(case.says) {
                    return Err(format!(
                        "JSON error does not say {:?} {}",
                        case.says,
                        shown()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Runs every case, then fails listing all the failed ones.
fn check(group: &str, cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("--- {}: {e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {group} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{group}: {} cases", cases.len());
}

fn flag_cases() -> Vec<Case> {
    let long_name = "x".repeat(64);
    let long: &'static str = Box::leak(long_name.into_boxed_str());
    vec![
        case("unknown command", &["frobnicate"]).fails(2, "unrecognized subcommand"),
        case("no command", &[]).fails(2, "Usage: migrate"),
        case("unknown flag", &["up", "--fast"]).fails(2, "unexpected argument '--fast'"),
        case("lock timeout word", &["--lock-timeout", "fast", "sql", ID])
            .fails(2, "`fast` is not a duration"),
        case(
            "lock timeout no unit",
            &["--lock-timeout", "100", "sql", ID],
        )
        .fails(2, "`100` has no unit"),
        case(
            "lock timeout empty rung",
            &["--lock-timeout", "100ms,,1s", "sql", ID],
        )
        .fails(2, "invalid value"),
        case(
            "lock timeout ladder",
            &["--lock-timeout", "100ms,500ms", "sql", ID],
        )
        .fails(0, "CREATE TABLE"),
        case("lock timeout zero", &["--lock-timeout", "0", "sql", ID]).fails(0, "CREATE TABLE"),
        case("negative lock wait", &["--lock-wait=-1s", "up"]).fails(2, "is negative"),
        case(
            "connect timeout bad unit",
            &["--connect-timeout", "10x", "status"],
        )
        .fails(2, "`10x` is not a duration"),
        case(
            "statement timeout word",
            &["--statement-timeout", "forever", "up"],
        )
        .fails(2, "not a duration"),
        case("color value", &["--color", "sometimes", "sql", ID]).fails(2, "invalid value"),
        case(
            "schema too long",
            &["--database-url", UNREACHABLE, "--schema", long, "status"],
        )
        .fails(2, "--schema")
        .json(),
        case(
            "history table empty",
            &[
                "--database-url",
                UNREACHABLE,
                "--history-table",
                "",
                "status",
            ],
        )
        .fails(2, "--history-table")
        .json(),
        case("down steps zero", &["down", "--steps", "0"]).fails(2, "invalid value '0'"),
        case("down steps negative", &["down", "--steps", "-1"])
            .fails(2, "unexpected argument '-1'"),
        case("down two ranges", &["down", "--steps", "1", "--all"]).fails(2, "cannot be used with"),
        case("exit code takes no value", &["status", "--exit-code=yes"]).fails(2, "--exit-code"),
        case("new bad name", &["new", "bad name!"]).fails(2, "bad name!"),
        case("new keyword", &["new", "fn"]).fails(2, "fn"),
        case(
            "url as a positional",
            &["status", "postgres://u:hunter2@h/x"],
        )
        .fails(2, "unexpected argument 'postgres://u:***@h/x'"),
        case("url as the command", &["postgres://u:hunter2@h/x"])
            .fails(2, "unrecognized subcommand"),
        case("url flag without value", &["status", "--database-url"])
            .fails(2, "a value is required"),
        case("no database", &["status"])
            .fails(2, "no database given")
            .json(),
        case("empty url flag", &["--database-url", "", "up"])
            .fails(2, "no database given")
            .json(),
        case(
            "schema check file missing",
            &[
                "--database-url",
                "{url}",
                "schema",
                "--check",
                "/nonexistent/schema.txt",
            ],
        )
        .fails(2, "/nonexistent/schema.txt")
        .fresh(),
    ]
}

fn id_cases() -> Vec<Case> {
    vec![
        case("doubled underscore", &["sql", "2025_0101__000100"]).fails(2, "YYYYMMDD_HHMMSS"),
        case("misplaced underscore", &["sql", "2026_1121090000"]).fails(2, "YYYYMMDD_HHMMSS"),
        case("trailing underscore", &["sql", "20261121_090000_"]).fails(2, "YYYYMMDD_HHMMSS"),
        case("letters", &["sql", "abc"]).fails(2, "is not a migration id"),
        case("too large", &["sql", "99999999999999999999"]).fails(2, "too large"),
        case("negative", &["sql", "-1"]).fails(2, "unexpected argument '-1'"),
        case("unknown id", &["sql", "123"]).fails(2, "no migration has the id 123"),
        case("unknown id down", &["sql", "20261121_090001", "--down"])
            .fails(2, "no migration has the id 20261121_090001"),
        case("baseline bad id", &["baseline", "2026_11"]).fails(2, "YYYYMMDD_HHMMSS"),
        case("up to bad id", &["up", "--to", "yesterday"]).fails(2, "is not a migration id"),
        case(
            "up to unknown id",
            &["--database-url", "{url}", "up", "--to", "20261121_090001"],
        )
        .fails(2, "no migration has the id")
        .fresh()
        .json(),
        case(
            "down to unknown id",
            &["--database-url", "{url}", "down", "--to", "1"],
        )
        .fails(2, "no migration has the id 1")
        .fresh()
        .json(),
        case(
            "baseline unknown id",
            &["--database-url", "{url}", "baseline", "42"],
        )
        .fails(2, "no migration has the id 42")
        .fresh(),
        case("redo on nothing", &["--database-url", "{url}", "redo"])
            .fails(0, "nothing to redo")
            .fresh()
            .json(),
        case(
            "down on nothing",
            &["--database-url", "{url}", "down", "--all"],
        )
        .fails(0, "nothing to revert")
        .fresh()
        .json(),
    ]
}

fn url_cases() -> Vec<Case> {
    let flag = |name, url: &'static str, code, says| {
        case(name, &["--database-url", url, "status"])
            .fails(code, says)
            .json()
    };
    vec![
        flag(
            "mysql scheme",
            "mysql://u:hunter2@127.0.0.1:5432/x",
            2,
            "starts with `mysql:`",
        ),
        flag(
            "misspelt scheme",
            "postgress://u:hunter2@127.0.0.1:5432/x",
            2,
            "starts with `postgress:`",
        ),
        flag(
            "one slash",
            "postgres:/u:hunter2@127.0.0.1:5432/x",
            2,
            "must be followed by `//`",
        ),
        flag(
            "no scheme",
            "u:hunter2@127.0.0.1:5432/x",
            2,
            "starts with `u:`",
        ),
        flag(
            "port not a number",
            "postgres://u:hunter2@127.0.0.1:notaport/x",
            2,
            "invalid connection string postgres://u:***@127.0.0.1:notaport/x: invalid value",
        ),
        flag(
            "port too large",
            "postgres://u:hunter2@127.0.0.1:99999/x",
            2,
            "invalid value for option `port`",
        ),
        flag(
            "unknown parameter",
            "postgres://u:hunter2@127.0.0.1:5432/x?frobnicate=1",
            2,
            "unknown option `frobnicate`",
        ),
        flag(
            "bad percent escape",
            "postgres://u:hunter2@127.0.0.1:5432/x?sslmode=verify%zz",
            2,
            "invalid percent-encoding",
        ),
        flag(
            "odd percent escape in the password",
            "postgres://u:hunter2%zz@127.0.0.1:1/x",
            1,
            "could not connect to 127.0.0.1:1",
        ),
        flag(
            "password in the query",
            "postgres://127.0.0.1:1/x?user=u&password=hunter2",
            1,
            "could not connect to 127.0.0.1:1",
        ),
        flag(
            "password with an at sign",
            "postgres://u:hunter2@x@127.0.0.1:1/x",
            1,
            "postgres://u:***@127.0.0.1:1/x",
        ),
        flag(
            "unclosed ipv6 host",
            "postgres://u:hunter2@[::1/x",
            2,
            "invalid value for option `host`",
        ),
        flag(
            "key value missing equals",
            "host=127.0.0.1 password=hunter2 port",
            2,
            "missing `=` after `port`",
        ),
        flag(
            "key value open quote",
            "host=127.0.0.1 password='hunter2",
            2,
            "unterminated quoted value",
        ),
        flag(
            "key value unreachable",
            "host=127.0.0.1 port=1 user=u password=hunter2",
            1,
            "could not connect to 127.0.0.1:1",
        ),
        flag(
            "key value unknown key",
            "host=127.0.0.1 password=hunter2 colour=blue",
            2,
            "unknown option `colour`",
        ),
        case("bad DATABASE_URL", &["status"])
            .env("DATABASE_URL", "mysql://u:hunter2@127.0.0.1/x")
            .fails(2, "DATABASE_URL: invalid connection string")
            .json(),
        case("bad DIRECT_URL wins", &["status"])
            .env("DIRECT_URL", "postgress://u:hunter2@127.0.0.1/x")
            .env("DATABASE_URL", UNREACHABLE)
            .fails(2, "DIRECT_URL: invalid connection string")
            .json(),
        case(
            "bad scratch url",
            &[
                "--database-url",
                UNREACHABLE,
                "verify",
                "--scratch-url",
                "mysql://u:hunter2@h/x",
            ],
        )
        .fails(2, "--scratch-url: invalid connection string"),
        case(
            "unreachable with -vv logs",
            &["-vv", "--database-url", UNREACHABLE, "up"],
        )
        .fails(1, "could not connect to 127.0.0.1:1")
        .json(),
    ]
}

fn tls_cases() -> Vec<Case> {
    let flag = |name, url: &'static str, code, says| {
        case(name, &["--database-url", url, "status"])
            .fails(code, says)
            .json()
    };
    vec![
        flag(
            "unknown sslmode",
            "postgres://u:hunter2@127.0.0.1/x?sslmode=sometimes",
            2,
            "invalid sslmode `sometimes`",
        ),
        flag(
            "sslmode with underscore",
            "postgres://u:hunter2@127.0.0.1/x?sslmode=verify_full",
            2,
            "invalid sslmode `verify_full`",
        ),
        flag(
            "missing root certificate",
            "postgres://u:hunter2@127.0.0.1/x?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
            2,
            "sslrootcert /nonexistent/ca.pem",
        ),
        flag(
            "root certificate is a directory",
            "postgres://u:hunter2@127.0.0.1/x?sslmode=verify-full&sslrootcert=/tmp",
            2,
            "sslrootcert /tmp",
        ),
        flag(
            "root certificate without a certificate",
            concat!(
                "postgres://u:hunter2@127.0.0.1/x?sslmode=verify-full&sslrootcert=",
                env!("CARGO_MANIFEST_DIR"),
                "/Cargo.toml"
            ),
            2,
            "Cargo.toml",
        ),
        flag(
            "client certificate",
            "postgres://u:hunter2@127.0.0.1/x?sslcert=/c.pem",
            2,
            "client certificates are not implemented",
        ),
        flag(
            "client key",
            "host=127.0.0.1 password=hunter2 sslkey=/k.pem",
            2,
            "client certificates are not implemented",
        ),
        flag(
            "key value sslmode",
            "host=127.0.0.1 password=hunter2 sslmode=bogus",
            2,
            "invalid sslmode `bogus`",
        ),
        case(
            "verify-full against an untrusted certificate",
            &["--database-url", "{url}?sslmode=verify-full", "status"],
        )
        .fresh()
        .fails(1, "TLS")
        .json(),
        case(
            "require on an unreachable port",
            &[
                "--database-url",
                "postgres://u:hunter2@127.0.0.1:1/x?sslmode=require",
                "status",
            ],
        )
        .fails(1, "could not connect to 127.0.0.1:1")
        .json(),
    ]
}

fn env_file_cases() -> Vec<Case> {
    vec![
        case("bad line with a password", &["status"])
            .dotenv("DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x two words\n")
            .fails(2, ".env:1:")
            .json(),
        case("bad third line", &["up"])
            .dotenv("# local settings\nAPP=blog\nnot a pair\nDATABASE_URL={url}\n")
            .fails(2, ".env:3:")
            .json(),
        case("unterminated quote", &["status"])
            .dotenv("DATABASE_URL='postgres://u:hunter2@127.0.0.1:1/x\n")
            .fails(2, "is not `KEY=value`"),
        case("bad escape", &["status"])
            .dotenv("A=1\nDATABASE_URL=postgres://u:hunter2@h/x\\q\n")
            .fails(2, ".env:2:"),
        case(
            "bad line, url given",
            &["--database-url", UNREACHABLE, "status"],
        )
        .dotenv("PASSWORD=hunter2 oops\n")
        .fails(1, "warning: "),
        case("bad line, offline command", &["sql", ID])
            .dotenv("oops hunter2\n")
            .fails(0, ".env:1:"),
        case("url from .env unreachable", &["status"])
            .dotenv("DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x\n")
            .fails(1, "could not connect to 127.0.0.1:1")
            .json(),
        case("url from .env unparsable", &["status"])
            .dotenv("DATABASE_URL=mysql://u:hunter2@127.0.0.1/x\n")
            .fails(2, "DATABASE_URL: invalid connection string")
            .json(),
        case("DIRECT_URL of .env first", &["status"])
            .dotenv("DATABASE_URL={url}\nDIRECT_URL=postgres://u:hunter2@127.0.0.1:1/x\n")
            .fails(1, "could not connect to 127.0.0.1:1"),
        case("environment beats .env", &["status"])
            .dotenv("DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x\n")
            .env("DATABASE_URL", "{url}")
            .fresh()
            .fails(0, "10 pending"),
        case("valid .env", &["status", "--exit-code"])
            .dotenv("# ok\nexport DATABASE_URL=\"{url}\"\n")
            .fresh()
            .fails(3, "10 pending")
            .json(),
        case("empty url in .env", &["status"])
            .dotenv("DATABASE_URL=\n")
            .fails(2, "no database given"),
    ]
}

fn server_cases() -> Vec<Case> {
    vec![
        case("refused port", &["--database-url", UNREACHABLE, "up"])
            .fails(1, "could not connect to 127.0.0.1:1")
            .within(Duration::from_secs(10))
            .json(),
        case(
            "unroutable host, bounded",
            &[
                "--connect-timeout",
                "1s",
                "--database-url",
                "postgres://u:hunter2@10.255.255.1:5432/x",
                "status",
            ],
        )
        .fails(1, "could not connect to 10.255.255.1:5432")
        .within(Duration::from_secs(10))
        .json(),
        case(
            "unknown host",
            &[
                "--database-url",
                "postgres://u:hunter2@no-such-host.invalid/x",
                "status",
            ],
        )
        .fails(1, "could not connect to no-such-host.invalid:5432")
        .json(),
        case(
            "socket directory that does not exist",
            &[
                "--database-url",
                "host=/nonexistent/dir password=hunter2",
                "status",
            ],
        )
        .fails(1, "could not connect")
        .json(),
        case(
            "database that does not exist",
            &["--database-url", "{url}_missing", "status"],
        )
        .fresh()
        .fails(1, "does not exist")
        .json(),
        case("wrong user", &["--database-url", "{url}", "status"])
            .with(|f| *f.url.borrow_mut() = url_with_password(f.db.name(), Some("nobody_here")))
            .fails(1, "role \"nobody_here\" does not exist")
            .json(),
        case(
            "no privilege for the history table",
            &["--database-url", "{url}", "up"],
        )
        .with(Fresh::as_unprivileged_role)
        .fails(1, "permission denied")
        .json(),
        case(
            "run lock held by another session",
            &["--lock-wait", "1s", "--database-url", "{url}", "up"],
        )
        .with(Fresh::hold_run_lock)
        .fails(1, "another migration run held the lock")
        .within(Duration::from_secs(15))
        .json(),
        case(
            "lock timeout ladder exhausted",
            &[
                "--lock-timeout",
                "50ms,50ms",
                "--database-url",
                "{url}",
                "up",
            ],
        )
        .with(|f| {
            f.migrate(&["up", "--to", "20261121_090300"]);
            f.hold_in_transaction("LOCK TABLE users IN ACCESS SHARE MODE");
        })
        .fails(1, "canceling statement due to lock timeout")
        .json(),
        case("table already there", &["--database-url", "{url}", "up"])
            .with(|f| f.execute("CREATE TABLE users (x int)"))
            .fails(1, "already exists")
            .json(),
    ]
}

fn history_cases() -> Vec<Case> {
    fn url(args: &[&'static str]) -> Vec<&'static str> {
        let mut all = vec!["--database-url", "{url}"];
        all.extend(args);
        all
    }
    vec![
        case("modified checksum, up", &url(&["up"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090200"]);
                f.execute("UPDATE migrate_history SET checksum = repeat('0', 64) WHERE id = 20261121090100");
            })
            .fails(1, "modified since they ran")
            .json(),
        case("modified checksum, status", &url(&["status", "--exit-code"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090200"]);
                f.execute("UPDATE migrate_history SET checksum = 'garbage' WHERE id = 20261121090100");
            })
            .fails(3, "modified")
            .json(),
        case("modified checksum, down", &url(&["down"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090200"]);
                f.execute("UPDATE migrate_history SET checksum = 'garbage' WHERE id = 20261121090200");
            })
            .fails(1, "modified")
            .json(),
        case("missing migration, up", &url(&["up"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090000"]);
                f.execute("INSERT INTO migrate_history (id, name, checksum) VALUES (20200101000000, 'gone', 'x')");
            })
            .fails(1, "missing from the code")
            .json(),
        case("missing migration, status", &url(&["status", "--exit-code"]))
            .with(|f| {
                f.execute("CREATE TABLE migrate_history (id bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL DEFAULT 0, applied_by text NOT NULL DEFAULT current_user, state text NOT NULL DEFAULT 'applied', units_done integer NOT NULL DEFAULT 0, backfill_cursor text)");
                f.execute("INSERT INTO migrate_history (id, name, checksum) VALUES (20991231235959, 'from_the_future', 'x')");
            })
            .fails(3, "missing")
            .json(),
        case("out of order, up", &url(&["up"]))
            .with(out_of_order)
            .fails(1, "up --allow-out-of-order")
            .json(),
        case("out of order, status", &url(&["status", "--exit-code"]))
            .with(out_of_order)
            .fails(3, "out-of-order")
            .json(),
        case("out of order, allowed", &url(&["up", "--allow-out-of-order"]))
            .with(out_of_order)
            .fails(0, "drop_split_names")
            .json(),
        case("history table of another shape", &url(&["up"]))
            .with(|f| f.execute("CREATE TABLE migrate_history (x int)"))
            .fails(1, "reading the history table")
            .json(),
        case("history table of another shape, status", &url(&["status"]))
            .with(|f| f.execute("CREATE TABLE migrate_history (x int)"))
            .fails(1, "column \"id\" does not exist")
            .json(),
        case("history is a view", &url(&["up"]))
            .with(|f| f.execute("CREATE VIEW migrate_history AS SELECT 1 AS id"))
            .fails(1, "history table")
            .json(),
        case("renamed in the history", &url(&["status", "--exit-code"]))
            .with(|f| {
                f.migrate(&["up"]);
                f.execute("UPDATE migrate_history SET name = 'old_name' WHERE id = 20261121090000");
            })
            .fails(0, "10 applied")
            .json(),
        case("interrupted concurrent migration", &url(&["status", "--exit-code"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090300"]);
                f.execute("UPDATE migrate_history SET state = 'applying', units_done = 1 WHERE id = 20261121090300");
            })
            .fails(3, "incomplete")
            .json(),
        case("baseline over applied", &url(&["baseline", "20261121_090100"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090200"]);
            })
            .fails(0, "nothing to baseline"),
        case("repair with nothing to repair", &url(&["repair"]))
            .fresh()
            .fails(0, "nothing to repair"),
        case("schema that does not exist", &url(&["--schema", "nowhere", "status", "--exit-code"]))
            .fresh()
            .fails(3, "10 pending")
            .json(),
        case("drift from a saved schema", &url(&["schema", "--check", "/dev/null"]))
            .with(|f| {
                f.migrate(&["up", "--to", "20261121_090000"]);
            })
            .fails(1, "differs from the expected snapshot"),
    ]
}

/// Applies 090000..090700, then records 090900 (seed_tags) as applied: 090800 is
/// pending and older than the newest applied migration.
fn out_of_order(f: &Fresh) {
    f.migrate(&["up", "--to", "20261121_090700"]);
    let checksum = f.checksum(20261121090900);
    f.execute(&format!(
        "INSERT INTO tags (name) VALUES ('rust'), ('postgresql'), ('migrations');
         INSERT INTO migrate_history (id, name, checksum) VALUES (20261121090900, 'seed_tags', '{checksum}')"
    ));
}

#[test]
fn the_corpus_is_large_enough() {
    let total = flag_cases().len()
        + id_cases().len()
        + url_cases().len()
        + tls_cases().len()
        + env_file_cases().len()
        + server_cases().len()
        + history_cases().len();
    eprintln!("bad-input corpus: {total} cases");
    assert!(total >= 60, "{total} cases");
}

#[test]
fn bad_flags() {
    check("flag", &flag_cases());
}

#[test]
fn bad_ids_and_targets() {
    check("id", &id_cases());
}

#[test]
fn bad_urls() {
    check("url", &url_cases());
}

#[test]
fn bad_tls_options() {
    check("tls", &tls_cases());
}

#[test]
fn bad_env_files() {
    check(".env", &env_file_cases());
}

#[test]
fn bad_server_states() {
    check("server", &server_cases());
}

#[test]
fn bad_history_states() {
    check("history", &history_cases());
}
