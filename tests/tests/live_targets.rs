//! Many targets at once (`migrate_core::targets`): 200 tenant schemas migrated four at
//! a time, a failing tenant that does not stop the others (unless fail-fast), a new
//! tenant created by its first run, status and down across tenants, and database
//! targets. Each test creates its own database (and its own extra databases).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use migrate_core::targets::{
    DatabaseConnector, FanOut, Outcome, Scope, Selection, TargetResult, Tenant, run_each,
};
use migrate_core::{
    DownTarget, Error, MigrationState, MigrationStatus, Migrations, Migrator, MigratorOptions,
    Registration, Report, Target,
};
use migrate_tests::fixtures::{posts, users, users_bio, users_bio_idx};
use migrate_tests::{TestDb, column, reg};
use tokio_postgres::Client;

reg!(USERS, 1, users);
reg!(USERS_BIO, 2, users_bio);
reg!(POSTS, 3, posts);
reg!(USERS_BIO_IDX, 4, users_bio_idx);

fn migrator() -> Migrator {
    let regs: [&'static Registration; 4] = [&USERS, &USERS_BIO, &POSTS, &USERS_BIO_IDX];
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

async fn create_schemas(client: &Client, names: &[String]) {
    let sql: String = names
        .iter()
        .map(|n| format!("CREATE SCHEMA \"{n}\";"))
        .collect();
    client.batch_execute(&sql).await.unwrap();
}

/// `schema: ids` of every schema's history, in one query.
async fn histories(client: &Client, schemas: &[String]) -> Vec<String> {
    let sql = schemas
        .iter()
        .map(|s| {
            format!(
                "SELECT '{s}: ' || coalesce((SELECT string_agg(id::text, ',' ORDER BY id) \
                 FROM \"{s}\".migrate_history), '')"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut rows = column(client, &sql).await.unwrap();
    rows.sort();
    rows
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

fn reports<T: std::fmt::Debug>(outcomes: &[Outcome<T>]) -> Vec<(&str, &T)> {
    outcomes
        .iter()
        .map(|o| match &o.result {
            TargetResult::Done(value) => (o.target.name.as_str(), value),
            other => panic!("{}: {other:?}", o.target.name),
        })
        .collect()
}

#[tokio::test]
async fn two_hundred_tenant_schemas_migrate_four_at_a_time() {
    let db = TestDb::create().await.unwrap();
    let client = db.connect().await.unwrap();
    let tenants = names("tenant_", 200);
    create_schemas(&client, &tenants).await;
    client.batch_execute("CREATE SCHEMA other").await.unwrap();

    let targets = Selection::parse(Scope::Schema, "tenant_*")
        .unwrap()
        .resolve(&client)
        .await
        .unwrap();
    assert_eq!(
        targets.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        tenants
    );
    assert!(targets.iter().all(|t| t.exists && t.database == db.name()));

    let m = migrator();
    let connector = DatabaseConnector::no_tls(db.config());
    let outcomes = run_each(
        &m,
        &targets,
        &connector,
        &FanOut::new().jobs(4),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    assert_eq!(outcomes.len(), 200);
    for (name, report) in reports(&outcomes) {
        assert_eq!(report.ids(), [1, 2, 3, 4], "{name}");
    }
    // Every tenant has its tables, its index and its own history; nothing landed in
    // public or in the schema that was not asked for.
    let tables = column(
        &client,
        "SELECT schemaname || '.' || tablename FROM pg_tables \
         WHERE tablename IN ('users', 'posts', 'migrate_history') ORDER BY 1",
    )
    .await
    .unwrap();
    assert_eq!(tables.len(), 600, "{tables:?}");
    assert!(
        tables.iter().all(|t| t.starts_with("tenant_")),
        "{tables:?}"
    );
    let indexes = column(
        &client,
        "SELECT count(*)::text FROM pg_indexes i JOIN pg_index x \
         ON x.indexrelid = format('%I.%I', i.schemaname, i.indexname)::regclass \
         WHERE i.indexname = 'users_bio_idx' AND x.indisvalid",
    )
    .await
    .unwrap();
    assert_eq!(indexes, ["200"]);
    let expected: Vec<String> = tenants.iter().map(|s| format!("{s}: 1,2,3,4")).collect();
    assert_eq!(histories(&client, &tenants).await, expected);

    // Status across the tenants: everything applied.
    let statuses = run_each(
        &m,
        &targets,
        &connector,
        &FanOut::new().jobs(4),
        async |m, c| m.status(c).await,
    )
    .await;
    for (name, list) in reports(&statuses) {
        let states: Vec<MigrationState> = list.iter().map(|s: &MigrationStatus| s.state).collect();
        assert_eq!(states, [MigrationState::Applied; 4], "{name}");
    }

    // Down across the tenants: the newest migration of each is reverted.
    let downs = run_each(
        &m,
        &targets,
        &connector,
        &FanOut::new().jobs(4),
        async |m, c| m.down(c, DownTarget::Steps(1)).await,
    )
    .await;
    for (name, report) in reports(&downs) {
        assert_eq!(report.ids(), [4], "{name}");
    }
    let expected: Vec<String> = tenants.iter().map(|s| format!("{s}: 1,2,3")).collect();
    assert_eq!(histories(&client, &tenants).await, expected);
    assert_eq!(
        migrate_tests::int(
            &client,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_bio_idx'"
        )
        .await
        .unwrap(),
        0
    );
}

/// Twenty tenants at migration 2, one of them with a `posts` table in the way of
/// migration 3.
async fn tenants_with_a_conflict(
    db: &TestDb,
    client: &Client,
    prefix: &str,
    broken: usize,
) -> (Vec<String>, Vec<Tenant>) {
    let tenants = names(prefix, 20);
    create_schemas(client, &tenants).await;
    let targets = Selection::parse(Scope::Schema, &format!("{prefix}*"))
        .unwrap()
        .resolve(client)
        .await
        .unwrap();
    let outcomes = run_each(
        &migrator(),
        &targets,
        &DatabaseConnector::no_tls(db.config()),
        &FanOut::new().jobs(4),
        async |m, c| m.up(c, Target::To(2)).await,
    )
    .await;
    assert_eq!(reports(&outcomes).len(), 20);
    client
        .batch_execute(&format!(
            "CREATE TABLE \"{}\".posts (conflict int)",
            tenants[broken]
        ))
        .await
        .unwrap();
    (tenants, targets)
}

#[tokio::test]
async fn a_failing_tenant_does_not_stop_the_others() {
    let db = TestDb::create().await.unwrap();
    let client = db.connect().await.unwrap();
    let (tenants, targets) = tenants_with_a_conflict(&db, &client, "t_", 7).await;

    let outcomes = run_each(
        &migrator(),
        &targets,
        &DatabaseConnector::no_tls(db.config()),
        &FanOut::new().jobs(4),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    let mut expected = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.target.name, tenants[i]);
        match (&outcome.result, i) {
            (TargetResult::Failed(Error::Statement(failure)), 7) => {
                assert_eq!((failure.id, failure.db.code.as_str()), (3, "42P07"));
                assert!(failure.applied.runs.is_empty());
                expected.push(format!("{}: 1,2", tenants[i]));
            }
            (TargetResult::Done(report), i) if i != 7 => {
                assert_eq!(report.ids(), [3, 4]);
                expected.push(format!("{}: 1,2,3,4", tenants[i]));
            }
            (other, _) => panic!("{}: {other:?}", outcome.target.name),
        }
    }
    // The failing tenant's history is as it was; every other tenant is migrated.
    assert_eq!(histories(&client, &tenants).await, expected);
}

#[tokio::test]
async fn fail_fast_starts_no_other_tenant_after_a_failure() {
    let db = TestDb::create().await.unwrap();
    let client = db.connect().await.unwrap();
    let (tenants, targets) = tenants_with_a_conflict(&db, &client, "ff_", 0).await;

    let outcomes = run_each(
        &migrator(),
        &targets,
        &DatabaseConnector::no_tls(db.config()),
        &FanOut::new().jobs(1).fail_fast(true),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    assert!(matches!(
        outcomes[0].result,
        TargetResult::Failed(Error::Statement(_))
    ));
    assert!(outcomes[1..].iter().all(Outcome::skipped), "{outcomes:?}");
    assert!(
        outcomes[1..]
            .iter()
            .all(|o| o.elapsed == std::time::Duration::ZERO)
    );
    // Nothing ran anywhere.
    let expected: Vec<String> = tenants.iter().map(|s| format!("{s}: 1,2")).collect();
    assert_eq!(histories(&client, &tenants).await, expected);

    // With two jobs, the target running beside the failure finishes; whatever was not
    // started is skipped and untouched.
    let outcomes = run_each(
        &migrator(),
        &targets,
        &DatabaseConnector::no_tls(db.config()),
        &FanOut::new().jobs(2).fail_fast(true),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    assert!(outcomes[0].failed());
    let done: Vec<&str> = outcomes
        .iter()
        .filter(|o| matches!(o.result, TargetResult::Done(_)))
        .map(|o| o.target.name.as_str())
        .collect();
    assert_eq!(
        1 + done.len() + outcomes.iter().filter(|o| o.skipped()).count(),
        20
    );
    let expected: Vec<String> = tenants
        .iter()
        .map(|s| {
            if done.contains(&s.as_str()) {
                format!("{s}: 1,2,3,4")
            } else {
                format!("{s}: 1,2")
            }
        })
        .collect();
    assert_eq!(histories(&client, &tenants).await, expected);
}

#[tokio::test]
async fn a_new_tenant_named_literally_is_created_and_migrated() {
    let db = TestDb::create().await.unwrap();
    let client = db.connect().await.unwrap();
    create_schemas(&client, &["acme".to_owned()]).await;
    let targets = Selection::parse(Scope::Schema, "acme, brand_new")
        .unwrap()
        .resolve(&client)
        .await
        .unwrap();
    assert_eq!(
        targets
            .iter()
            .map(|t| (t.name.as_str(), t.exists))
            .collect::<Vec<_>>(),
        [("acme", true), ("brand_new", false)]
    );
    let outcomes = run_each(
        &migrator(),
        &targets,
        &DatabaseConnector::no_tls(db.config()),
        &FanOut::new().jobs(2),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    assert_eq!(reports(&outcomes).len(), 2);
    assert_eq!(
        histories(&client, &["acme".to_owned(), "brand_new".to_owned()]).await,
        ["acme: 1,2,3,4", "brand_new: 1,2,3,4"]
    );
    assert!(
        migrate_tests::table_exists(&client, "brand_new.posts")
            .await
            .unwrap()
    );

    // A pattern that matches nothing is an error, not a run that does nothing.
    let error = Selection::parse(Scope::Schema, "acme, shard_*")
        .unwrap()
        .resolve(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NoTargetMatches { ref pattern, scope: "schema" } if pattern == "shard_*"),
        "{error:?}"
    );
    assert!(error.to_string().contains("no schema matches `shard_*`"));
}

/// Extra databases on the test server, dropped with this value (also on panic).
struct Databases(Vec<String>);

impl Drop for Databases {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.0);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let admin: tokio_postgres::Config = migrate_tests::admin_url().parse().unwrap();
                let client = migrate_tests::connect(&admin).await.unwrap();
                for name in names {
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn database_targets_each_get_their_own_history() {
    let db = TestDb::create().await.unwrap();
    let client = db.connect().await.unwrap();
    let prefix = format!("{}_tenant_", db.name());
    let created = Databases(names(&prefix, 4));
    for name in &created.0 {
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
    }
    let targets = Selection::parse(Scope::Database, &format!("{prefix}*"))
        .unwrap()
        .resolve(&client)
        .await
        .unwrap();
    assert_eq!(
        targets
            .iter()
            .map(|t| t.database.clone())
            .collect::<Vec<_>>(),
        created.0
    );
    let m = migrator();
    let connector = DatabaseConnector::no_tls(db.config());
    let outcomes: Vec<Outcome<Report>> = run_each(
        &m,
        &targets,
        &connector,
        &FanOut::new().jobs(2),
        async |m, c| m.up(c, Target::Latest).await,
    )
    .await;
    for (name, report) in reports(&outcomes) {
        assert_eq!(report.ids(), [1, 2, 3, 4], "{name}");
    }
    for name in &created.0 {
        let tenant = migrate_tests::connect(&TestDb::config_for(name).unwrap())
            .await
            .unwrap();
        assert_eq!(
            migrate_tests::history_ids(&tenant, "public.migrate_history")
                .await
                .unwrap(),
            [1, 2, 3, 4],
            "{name}"
        );
    }
    // The database that listed them was not touched.
    assert!(!migrate_tests::table_exists(&client, "users").await.unwrap());

    let downs = run_each(
        &m,
        &targets,
        &connector,
        &FanOut::new().jobs(4),
        async |m, c| m.down(c, DownTarget::All).await,
    )
    .await;
    for (name, report) in reports(&downs) {
        assert_eq!(report.ids(), [4, 3, 2, 1], "{name}");
    }

    // A database named literally must exist: database targets are never created.
    let missing = format!("{prefix}missing");
    let error = Selection::parse(Scope::Database, &format!("{prefix}000,{missing}"))
        .unwrap()
        .resolve(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnknownDatabase { ref name } if *name == missing),
        "{error:?}"
    );
    drop(client);
    drop(created);
}
