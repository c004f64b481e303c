//! `migrate_core::testing`: templates built once per migration set and server, clones
//! for each test, dropped with their value (also on panic), safe when many threads and
//! processes start at once, half-built templates never served, stale ones pruned.
//!
//! Every test names its templates with a prefix of its own (and this process's pid),
//! and prunes them at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Barrier};

use migrate_core::prelude::*;
use migrate_core::testing::{Fixture, Readiness, TestDatabase, prune_templates, template_name};
use migrate_core::{Error, Migrations, Migrator, MigratorOptions};
use migrate_tests::{admin_url, column, connect, history_ids, reg, table_exists};
use tokio_postgres::{Client, Config};

fn create_items(m: &mut Migration) {
    m.create_table("items", |t| {
        t.column("id", BigInt).primary_key();
        t.column("name", Text);
    });
}
fn create_items_with_price(m: &mut Migration) {
    m.create_table("items", |t| {
        t.column("id", BigInt).primary_key();
        t.column("name", Text);
        t.column("price", Integer);
    });
}
fn create_tags(m: &mut Migration) {
    m.create_table("tags", |t| {
        t.column("id", BigInt).primary_key();
    });
}
/// Widens the build window, so that concurrent users really race for it.
fn slow(m: &mut Migration) {
    m.reversible(
        |up| {
            up.unchecked_sql("SELECT pg_sleep(0.5)");
        },
        |down| {
            down.unchecked_sql("SELECT 1");
        },
    );
    m.allow(Rule::UncheckedSql, "test: a slow build");
}
fn broken(m: &mut Migration) {
    m.reversible(
        |up| {
            up.unchecked_sql("SELECT 1/0");
        },
        |down| {
            down.unchecked_sql("SELECT 1");
        },
    );
    m.allow(Rule::UncheckedSql, "test: a build that fails");
}

reg!(ITEMS, 1, create_items);
reg!(ITEMS_WITH_PRICE, 1, create_items_with_price);
reg!(TAGS, 2, create_tags);
reg!(SLOW, 3, slow);
reg!(BROKEN, 3, broken);

fn migrator(set: &[&'static migrate_core::Registration]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(set.iter().copied()).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

fn admin() -> Config {
    admin_url().parse().unwrap()
}

/// A template prefix of this test and process.
fn prefix(test: &str) -> String {
    format!("lt_{test}_{}", std::process::id())
}

fn fixture(prefix: &str, set: &[&'static migrate_core::Registration]) -> Fixture {
    Fixture::on(admin(), migrator(set))
        .template_prefix(prefix)
        .unwrap()
        .database_prefix("mt")
        .unwrap()
}

async fn admin_client() -> Client {
    connect(&admin()).await.unwrap()
}

/// `name:is_template:allows_connections` of every database whose name starts with
/// `start`, by name.
async fn databases(start: &str) -> Vec<String> {
    column(
        &admin_client().await,
        &format!(
            "SELECT datname || ':' || datistemplate || ':' || datallowconn FROM pg_database \
             WHERE starts_with(datname, '{start}') ORDER BY datname"
        ),
    )
    .await
    .unwrap()
}

async fn exists(name: &str) -> bool {
    admin_client()
        .await
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap()
        .len()
        == 1
}

/// The `id:checksum` rows of a database's history.
async fn history(db: &TestDatabase) -> Vec<String> {
    column(
        &db.connect().await.unwrap(),
        "SELECT id || ':' || checksum FROM migrate_history ORDER BY id",
    )
    .await
    .unwrap()
}

fn expected_history(fixture: &Fixture) -> Vec<String> {
    fixture
        .migrator()
        .headers()
        .iter()
        .map(|h| format!("{}:{}", h.id, h.checksum.to_hex()))
        .collect()
}

/// Drops every template of `prefix`; returns their names.
async fn prune_all(prefix: &str) -> Vec<String> {
    let pruned = prune_templates(&admin(), prefix, &[]).await.unwrap();
    assert!(pruned.skipped.is_empty(), "{pruned:?}");
    pruned.dropped
}

#[tokio::test]
async fn one_set_builds_one_template_and_every_clone_is_migrated() {
    let prefix = prefix("reuse");
    let fixture = fixture(&prefix, &[&ITEMS, &TAGS]);
    let template = fixture.template_name().to_owned();
    assert_eq!(template, template_name(&prefix, fixture.migrator()));
    assert!(databases(&prefix).await.is_empty());

    assert_eq!(fixture.ensure_template().await.unwrap(), Readiness::Built);
    let listed = databases(&prefix).await;
    assert_eq!(listed, [format!("{template}:true:false")]);
    // Another fixture of the same set: this process knows the template is ready.
    let again = self::fixture(&prefix, &[&ITEMS, &TAGS]);
    assert_eq!(again.template_name(), template);
    assert_eq!(again.ensure_template().await.unwrap(), Readiness::Cached);

    let first = fixture.database().await.unwrap();
    let second = again.database().await.unwrap();
    assert_ne!(first.name(), second.name());
    assert!(first.name().starts_with("mt_"), "{}", first.name());
    for db in [&first, &second] {
        assert_eq!(history(db).await, expected_history(&fixture));
        let client = db.connect().await.unwrap();
        assert!(table_exists(&client, "public.items").await.unwrap());
        assert!(table_exists(&client, "public.tags").await.unwrap());
        // A clone is an ordinary database.
        let row = admin_client()
            .await
            .query_one(
                "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1",
                &[&db.name()],
            )
            .await
            .unwrap();
        assert_eq!(
            (row.get::<_, bool>(0), row.get::<_, bool>(1)),
            (false, true)
        );
    }
    // A change in one clone is not seen by the other, nor by the template's next clone.
    first
        .connect()
        .await
        .unwrap()
        .batch_execute("INSERT INTO items VALUES (1, 'first')")
        .await
        .unwrap();
    let third = fixture.database().await.unwrap();
    for db in [&second, &third] {
        let client = db.connect().await.unwrap();
        let count = migrate_tests::int(&client, "SELECT count(*) FROM items");
        assert_eq!(count.await.unwrap(), 0);
    }
    // Still one template: built once.
    assert_eq!(databases(&prefix).await, listed);
    drop((first, second, third));
    assert_eq!(prune_all(&prefix).await, [template]);
    assert!(databases(&prefix).await.is_empty());
}

#[tokio::test]
async fn a_changed_set_gets_a_new_template_and_pruning_keeps_the_current_one() {
    let prefix = prefix("change");
    let base = fixture(&prefix, &[&ITEMS]);
    let added = fixture(&prefix, &[&ITEMS, &TAGS]);
    let edited = fixture(&prefix, &[&ITEMS_WITH_PRICE]);
    let other_table = Fixture::on(
        admin(),
        migrator(&[&ITEMS]).with_history_table("public", "history"),
    )
    .template_prefix(&prefix)
    .unwrap();
    let names: Vec<String> = [&base, &added, &edited, &other_table]
        .iter()
        .map(|f| f.template_name().to_owned())
        .collect();
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{names:?}");

    for fixture in [&base, &added, &edited] {
        assert_eq!(fixture.ensure_template().await.unwrap(), Readiness::Built);
        let db = fixture.database().await.unwrap();
        assert_eq!(history(&db).await, expected_history(fixture));
        let client = db.connect().await.unwrap();
        let has_price = migrate_tests::column_exists(&client, "items", "price");
        assert_eq!(has_price.await.unwrap(), std::ptr::eq(fixture, &edited));
        let has_tags = table_exists(&client, "public.tags");
        assert_eq!(has_tags.await.unwrap(), std::ptr::eq(fixture, &added));
    }
    // The edited migration has the same id, another checksum: its template's history says so.
    assert_ne!(
        expected_history(&base)[0],
        expected_history(&edited)[0],
        "same id, another checksum"
    );
    let db = other_table.database().await.unwrap();
    assert_eq!(
        history_ids(&db.connect().await.unwrap(), "public.history")
            .await
            .unwrap(),
        [1]
    );
    drop(db);
    let mut built = names.clone();
    built.sort();
    let listed: Vec<String> = databases(&prefix)
        .await
        .iter()
        .map(|l| l.split(':').next().unwrap().to_owned())
        .collect();
    assert_eq!(listed, built);

    // Pruning from the edited set's fixture keeps its template only.
    let pruned = edited.prune_templates().await.unwrap();
    let mut expected: Vec<String> = names.clone();
    expected.retain(|n| n != edited.template_name());
    expected.sort();
    assert_eq!(pruned.dropped, expected);
    assert!(pruned.skipped.is_empty());
    assert_eq!(
        databases(&prefix).await,
        [format!("{}:true:false", edited.template_name())]
    );
    // Still served; a pruned set is built again on demand (this process's cache
    // notices the template is gone).
    drop(edited.database().await.unwrap());
    let db = base.database().await.unwrap();
    assert_eq!(history(&db).await, expected_history(&base));
    drop(db);
    assert_eq!(prune_all(&prefix).await.len(), 2);
    assert!(databases(&prefix).await.is_empty());
}

#[test]
fn eight_threads_at_once_share_one_build() {
    let prefix = prefix("threads");
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            let prefix = prefix.clone();
            // Each thread its own runtime and fixture, as each `#[tokio::test]` has.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let fixture = fixture(&prefix, &[&ITEMS, &TAGS, &SLOW]);
                    barrier.wait();
                    let readiness = fixture.ensure_template().await.unwrap();
                    let db = fixture.database().await.unwrap();
                    let history = history(&db).await;
                    assert_eq!(history, expected_history(&fixture));
                    (readiness, db.name().to_owned(), history.len())
                })
            })
        })
        .collect();
    let results: Vec<(Readiness, String, usize)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    let built = results
        .iter()
        .filter(|(r, ..)| *r == Readiness::Built)
        .count();
    assert_eq!(built, 1, "{results:?}");
    assert!(results.iter().all(|(_, _, n)| *n == 3), "{results:?}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // One template, no temporary build left; the clones were dropped.
        let template = template_name(&prefix, &migrator(&[&ITEMS, &TAGS, &SLOW]));
        assert_eq!(databases(&prefix).await, [format!("{template}:true:false")]);
        for (_, name, _) in &results {
            assert!(!exists(name).await, "{name} was not dropped");
        }
        assert_eq!(prune_all(&prefix).await, [template]);
    });
}

/// The environment variable that makes [`child_fixture_user`] a fixture user.
const CHILD: &str = "MIGRATE_LIVE_TESTING_CHILD";

/// Not a test of its own: the body of the processes
/// [`several_processes_at_once_share_one_build`] starts (it returns at once otherwise).
/// Each prints how it found the template and the history of its database.
#[tokio::test]
async fn child_fixture_user() {
    let Ok(prefix) = std::env::var(CHILD) else {
        return;
    };
    let fixture = fixture(&prefix, &[&ITEMS, &SLOW]);
    let readiness = fixture.ensure_template().await.unwrap();
    let db = fixture.database().await.unwrap();
    let history = history(&db).await;
    assert_eq!(history, expected_history(&fixture));
    println!("CHILD {readiness:?} {} {}", db.name(), history.len());
}

#[test]
fn several_processes_at_once_share_one_build() {
    let prefix = prefix("procs");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["child_fixture_user", "--exact", "--nocapture"])
                .env(CHILD, &prefix)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut lines = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("CHILD "))
            .unwrap_or_else(|| panic!("no CHILD line in:\n{stdout}"))
            .to_owned();
        lines.push(line);
    }
    let built = lines.iter().filter(|l| l.starts_with("Built ")).count();
    let found = lines.iter().filter(|l| l.starts_with("Found ")).count();
    assert_eq!((built, found), (1, 3), "{lines:?}");
    assert!(lines.iter().all(|l| l.ends_with(" 2")), "{lines:?}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let template = template_name(&prefix, &migrator(&[&ITEMS, &SLOW]));
        assert_eq!(databases(&prefix).await, [format!("{template}:true:false")]);
        for line in &lines {
            let name = line.split(' ').nth(1).unwrap();
            assert!(!exists(name).await, "{name} was not dropped");
        }
        assert_eq!(prune_all(&prefix).await, [template]);
    });
}

#[tokio::test]
async fn concurrent_connections_race_for_the_build_lock_and_one_wins() {
    // Eight fixture users on one task, past the process's cache: each checks the
    // server and, the template missing, waits for the advisory lock on its own
    // connection; the first builds, the others find the template under the lock.
    let prefix = prefix("race");
    let fixtures: Vec<Fixture> = (0..8).map(|_| fixture(&prefix, &[&ITEMS, &SLOW])).collect();
    let readiness: Vec<Readiness> =
        futures_util::future::join_all(fixtures.iter().map(|f| f.ensure_template_uncached()))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    let built = readiness.iter().filter(|r| **r == Readiness::Built).count();
    let found = readiness.iter().filter(|r| **r == Readiness::Found).count();
    assert_eq!((built, found), (1, 7), "{readiness:?}");
    assert_eq!(databases(&prefix).await.len(), 1);
    assert_eq!(prune_all(&prefix).await.len(), 1);
}

#[tokio::test]
async fn a_database_is_dropped_with_its_value_and_when_its_test_panics() {
    let prefix = prefix("drop");
    let fixture = fixture(&prefix, &[&ITEMS]);
    let db = fixture.database().await.unwrap();
    let name = db.name().to_owned();
    assert!(exists(&name).await);
    // Dropped while a connection to it is open: FORCE.
    let client = db.connect().await.unwrap();
    drop(db);
    assert!(!exists(&name).await);
    assert!(client.simple_query("SELECT 1").await.is_err());

    // A test that panics in a thread of its own.
    let (send, receive) = std::sync::mpsc::channel();
    let panicking = fixture.clone();
    let thread = std::thread::spawn(move || {
        let db = panicking.database_blocking().unwrap();
        send.send(db.name().to_owned()).unwrap();
        panic!("the test fails");
    });
    assert!(thread.join().is_err());
    let name = receive.recv().unwrap();
    assert!(name.starts_with("mt_"), "{name}");
    assert!(!exists(&name).await, "{name} survived a panic");

    // A panic caught in this thread, with an empty database.
    let empty = TestDatabase::empty_on(&admin(), "mt").await.unwrap();
    let name = empty.name().to_owned();
    assert!(exists(&name).await);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _db = empty;
        panic!("the test fails");
    }));
    assert!(caught.is_err());
    assert!(!exists(&name).await, "{name} survived a panic");
    assert_eq!(prune_all(&prefix).await.len(), 1);
}

#[tokio::test]
async fn a_half_built_template_is_never_served_and_is_cleaned() {
    let prefix = prefix("half");
    let fixture = fixture(&prefix, &[&ITEMS, &TAGS]);
    let template = fixture.template_name().to_owned();
    // Two builders killed: one before migrating all (a table of its own shows whether
    // it is served), one after marking it a template, before the rename.
    let admin = admin_client().await;
    let killed = [
        format!("{template}_tmp_999991"),
        format!("{template}_tmp_999992"),
    ];
    for name in &killed {
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let half = connect(&migrate_tests::TestDb::config_for(name).unwrap())
            .await
            .unwrap();
        half.batch_execute("CREATE TABLE half_built (x int)")
            .await
            .unwrap();
    }
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
            killed[1]
        ))
        .await
        .unwrap();
    assert_eq!(databases(&prefix).await.len(), 2);

    assert_eq!(fixture.ensure_template().await.unwrap(), Readiness::Built);
    assert_eq!(databases(&prefix).await, [format!("{template}:true:false")]);
    let db = fixture.database().await.unwrap();
    let client = db.connect().await.unwrap();
    assert!(!table_exists(&client, "half_built").await.unwrap());
    assert_eq!(history(&db).await, expected_history(&fixture));
    drop((client, db));
    assert_eq!(prune_all(&prefix).await, [template]);
}

#[tokio::test]
async fn a_failed_build_leaves_nothing_and_says_why() {
    let prefix = prefix("fail");
    let fixture = fixture(&prefix, &[&ITEMS, &BROKEN]);
    let error = fixture.database().await.unwrap_err();
    let Error::TestTemplate {
        ref template,
        ref source,
    } = error
    else {
        panic!("expected TestTemplate, got {error:?}");
    };
    assert_eq!(template, fixture.template_name());
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "could not build the test template {}: migrating it failed",
            fixture.template_name()
        )),
        "{text}"
    );
    assert_eq!(source.db_error().map(|e| e.code.as_str()), Some("22012"));
    assert!(databases(&prefix).await.is_empty());
    // Errors are typed and name the database: here, a prefix.
    let bad = Fixture::on(admin(), migrator(&[&ITEMS])).template_prefix("Bad-Prefix");
    assert!(matches!(bad, Err(Error::TestPrefix { .. })));
    assert!(prune_all(&prefix).await.is_empty());
}

#[tokio::test]
async fn pruning_skips_a_template_it_cannot_drop_and_keeps_it_a_template() {
    let prefix = prefix("busy");
    let stale = fixture(&prefix, &[&ITEMS]);
    let current = fixture(&prefix, &[&ITEMS, &TAGS]);
    assert_eq!(stale.ensure_template().await.unwrap(), Readiness::Built);
    assert_eq!(current.ensure_template().await.unwrap(), Readiness::Built);
    // A session inside the stale template: DROP DATABASE without FORCE refuses.
    let admin = admin_client().await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true",
            stale.template_name()
        ))
        .await
        .unwrap();
    let inside = connect(&migrate_tests::TestDb::config_for(stale.template_name()).unwrap())
        .await
        .unwrap();
    let pruned = current.prune_templates().await.unwrap();
    assert!(pruned.dropped.is_empty(), "{pruned:?}");
    assert_eq!(pruned.skipped, [stale.template_name()]);
    // Still a template (marked again after the failed drop), still whole.
    assert_eq!(
        databases(&prefix).await,
        [
            format!("{}:true:true", stale.template_name()),
            format!("{}:true:false", current.template_name()),
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    assert!(table_exists(&inside, "public.items").await.unwrap());
    drop(inside);
    // Once nobody is inside, the next prune drops it.
    let mut pruned = current.prune_templates().await;
    for _ in 0..50 {
        // The closed session's backend may take a moment to exit.
        if pruned.as_ref().is_ok_and(|p| p.dropped.len() == 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        pruned = current.prune_templates().await;
    }
    assert_eq!(pruned.unwrap().dropped, [stale.template_name()]);
    assert_eq!(prune_all(&prefix).await, [current.template_name()]);
}
