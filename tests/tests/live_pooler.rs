//! The runner behind a real PgBouncer, started by the test on its own port in front
//! of the test server: in transaction mode `up` is refused before anything runs and
//! leaves no lock behind; in session mode it applies as usual.
//!
//! Without a `pgbouncer` binary the tests print a loud notice and pass, so that
//! `cargo test --workspace` works on a machine without it; with
//! `MIGRATE_REQUIRE_PGBOUNCER=1` (set by `.ci/run`) its absence is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use migrate_core::{Error, Migrator, MigratorOptions, Target};
use migrate_tests::{TestDb, admin_url, fixtures, history_ids, int, table_exists};
use tokio_postgres::Config;

/// PgBouncer's pooling modes under test.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Session,
    Transaction,
}

/// A PgBouncer process with its config in a temporary directory; killed, reaped and
/// removed when dropped (also when the test panics).
struct Pgbouncer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Pgbouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `pgbouncer` binary: on the PATH or in the Debian package's place.
fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join("pgbouncer"))
        .find(|candidate| candidate.is_file())
}

impl Pgbouncer {
    /// Starts PgBouncer in `mode` in front of the test server, or returns `None` (after
    /// a loud notice) when it is not installed and not required.
    fn start(mode: Mode) -> Option<Self> {
        let Some(binary) = binary() else {
            let required = std::env::var("MIGRATE_REQUIRE_PGBOUNCER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "MIGRATE_REQUIRE_PGBOUNCER=1 but no pgbouncer binary was found \
                 (apt-get install pgbouncer)"
            );
            // Straight to the process's stderr: the test harness captures (and hides)
            // what `eprintln!` prints in a passing test, and this must be seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"\n!!! SKIPPED: pgbouncer is not installed, so the pooler test did not run.\n\
                  !!! Install it (apt-get install pgbouncer), or set MIGRATE_REQUIRE_PGBOUNCER=1 \
                  to make its absence a failure.\n\n",
            );
            return None;
        };
        let upstream: Config = admin_url().parse().unwrap();
        let host = match upstream.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let upstream_port = upstream.get_ports().first().copied().unwrap_or(5432);
        let user = upstream.get_user().unwrap_or("postgres").to_owned();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let userlist = dir.path().join("userlist.txt");
        std::fs::write(&userlist, format!("\"{user}\" \"\"\n")).unwrap();
        // Round robin: each transaction takes the server connection idle the longest,
        // as under other clients' traffic (PgBouncer's default, LIFO, gives a lone
        // client the same server connection back every time).
        let (pool_mode, round_robin) = match mode {
            Mode::Session => ("session", 0),
            Mode::Transaction => ("transaction", 1),
        };
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n\
                 * = host={host} port={upstream_port}\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {}\n\
                 pool_mode = {pool_mode}\n\
                 server_round_robin = {round_robin}\n\
                 default_pool_size = 20\n\
                 max_client_conn = 200\n",
                userlist.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("pgbouncer.log")).unwrap();
        let mut command = Command::new(binary);
        // PgBouncer refuses to run as root.
        if Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
        {
            command.arg("-u").arg("postgres");
        }
        let child = command
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let pgbouncer = Self {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "pgbouncer did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(pgbouncer)
    }

    /// A configuration for database `db` through this pooler.
    fn config(&self, db: &TestDb) -> Config {
        let direct = db.config();
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user(direct.get_user().unwrap_or("postgres"))
            .dbname(db.name());
        config
    }

    /// Opens `n` server connections at once (each client holds a transaction), so
    /// the pool has them idle afterwards.
    async fn warm(&self, db: &TestDb, n: usize) {
        let mut clients = Vec::new();
        for _ in 0..n {
            let client = migrate_core::connect(&self.config(db)).await.unwrap();
            client.batch_execute("BEGIN; SELECT 1").await.unwrap();
            clients.push(client);
        }
        for client in &clients {
            client.batch_execute("COMMIT").await.unwrap();
        }
    }
}

/// Advisory locks held in the database, seen directly on the server.
async fn advisory_locks(db: &TestDb) -> i64 {
    let direct = db.connect().await.unwrap();
    int(
        &direct,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await
    .unwrap()
}

fn migrator() -> Migrator {
    Migrator::new(
        &fixtures::kill_transactional().unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

fn assert_refused(error: &Error) {
    assert!(
        matches!(error, Error::TransactionPooler { first_pid, second_pid, applied } if first_pid != second_pid && applied.runs.is_empty()),
        "expected TransactionPooler, got {error:?}"
    );
    let text = error.to_string();
    for part in [
        "transaction-mode pooler",
        "DIRECT_URL",
        "nothing was run",
        "hint:",
    ] {
        assert!(text.contains(part), "{part:?} not in: {text}");
    }
}

/// Nothing ran: no history row (a runner whose first transactions stayed on one
/// server session may have made the empty table), none of the fixture's tables.
async fn assert_nothing_ran(db: &TestDb) {
    let direct = db.connect().await.unwrap();
    if table_exists(&direct, "migrate_history").await.unwrap() {
        assert!(
            history_ids(&direct, "migrate_history")
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(!table_exists(&direct, "items").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_through_a_transaction_pooler_is_refused_and_leaves_no_lock() {
    let Some(pgbouncer) = Pgbouncer::start(Mode::Transaction) else {
        return;
    };
    let db = TestDb::create().await.unwrap();
    pgbouncer.warm(&db, 2).await;
    let mut client = migrate_core::connect(&pgbouncer.config(&db)).await.unwrap();
    let error = migrator()
        .up(&mut client, Target::Latest)
        .await
        .unwrap_err();
    assert_refused(&error);
    assert_nothing_ran(&db).await;
    assert_eq!(advisory_locks(&db).await, 0, "a run lock was left behind");

    // With the history table there (its read goes with the lock's try), the same.
    let mut direct = db.connect().await.unwrap();
    migrator().up(&mut direct, Target::To(1)).await.unwrap();
    let error = migrator()
        .up(&mut client, Target::Latest)
        .await
        .unwrap_err();
    assert_refused(&error);
    assert_eq!(history_ids(&direct, "migrate_history").await.unwrap(), [1]);
    assert!(!table_exists(&direct, "after_sleep").await.unwrap());
    assert_eq!(advisory_locks(&db).await, 0, "a run lock was left behind");
    drop(pgbouncer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_runs_through_a_transaction_pooler_are_all_refused() {
    let Some(pgbouncer) = Pgbouncer::start(Mode::Transaction) else {
        return;
    };
    let db = TestDb::create().await.unwrap();
    pgbouncer.warm(&db, 8).await;
    let mut runs = Vec::new();
    for _ in 0..8 {
        let config = pgbouncer.config(&db);
        runs.push(tokio::spawn(async move {
            let mut client = migrate_core::connect(&config).await.unwrap();
            migrator().up(&mut client, Target::Latest).await
        }));
    }
    for run in runs {
        assert_refused(&run.await.unwrap().unwrap_err());
    }
    assert_nothing_ran(&db).await;
    assert_eq!(advisory_locks(&db).await, 0, "a run lock was left behind");
    drop(pgbouncer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_through_a_session_pooler_applies_as_usual() {
    let Some(pgbouncer) = Pgbouncer::start(Mode::Session) else {
        return;
    };
    let db = TestDb::create().await.unwrap();
    pgbouncer.warm(&db, 2).await;
    let mut client = migrate_core::connect(&pgbouncer.config(&db)).await.unwrap();
    let report = migrator().up(&mut client, Target::Latest).await.unwrap();
    assert_eq!(report.ids(), [1, 2, 3]);
    assert!(
        migrator()
            .up(&mut client, Target::Latest)
            .await
            .unwrap()
            .runs
            .is_empty()
    );
    let direct = db.connect().await.unwrap();
    assert_eq!(
        history_ids(&direct, "migrate_history").await.unwrap(),
        [1, 2, 3]
    );
    assert_eq!(
        advisory_locks(&db).await,
        0,
        "the run lock was not released"
    );
    drop(pgbouncer);
}
