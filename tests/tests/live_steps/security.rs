//! Row-level security, policies and privileges, applied and reverted on PostgreSQL.
//!
//! Roles are cluster-wide: each test creates its own, named after the process and the
//! test (a migration is a plain `fn`, so the name is computed, not captured), and a
//! [`TestRole`] drops it at the end, also when the test panics.

#[allow(unused_imports)]
use super::*;

use migrate_core::DownTarget;
use migrate_core::snapshot::{Snapshot, SnapshotOptions};
use migrate_tests::{column, text};

/// The name of this process's role for `suffix`: unique per test run and test.
fn role(suffix: &str) -> String {
    format!("mt_sec_{}_{suffix}", std::process::id())
}

/// A role for one test, dropped (after `DROP OWNED BY` in the test's database) when
/// this value is dropped. Declare it after the [`TestDb`], so that it is dropped first.
struct TestRole {
    name: String,
    db: tokio_postgres::Config,
}

impl TestRole {
    async fn create(db: &TestDb, suffix: &str) -> Self {
        let name = role(suffix);
        let admin = migrate_tests::connect(&migrate_tests::admin_url().parse().unwrap())
            .await
            .unwrap();
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS \"{name}\"; CREATE ROLE \"{name}\""
            ))
            .await
            .unwrap();
        Self {
            name,
            db: db.config(),
        }
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let name = self.name.clone();
        let db = self.db.clone();
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(c) = migrate_tests::connect(&db).await {
                    let _ = c.batch_execute(&format!("DROP OWNED BY \"{name}\"")).await;
                }
                let admin: Result<tokio_postgres::Config, _> = migrate_tests::admin_url().parse();
                if let Ok(admin) = admin
                    && let Ok(c) = migrate_tests::connect(&admin).await
                {
                    let _ = c
                        .batch_execute(&format!("DROP ROLE IF EXISTS \"{name}\""))
                        .await;
                }
            });
        });
        let _ = handle.join();
    }
}

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

async fn snapshot(c: &mut tokio_postgres::Client) -> Snapshot {
    Snapshot::read(c, &SnapshotOptions::new()).await.unwrap()
}

async fn verify_passes<const N: usize>(regs: [&'static Registration; N]) {
    let report = migrate_core::verify(
        &migrator(regs),
        migrate_core::ScratchTarget::Server(migrate_tests::admin_url().parse().unwrap()),
        &migrate_core::VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
}

// ----- row-level security and policies ---------------------------------------------------

fn docs_table(m: &mut Migration) {
    m.create_table("docs", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("owner", Text).not_null();
        t.column("title", Text).not_null();
        t.column("locked", Boolean).not_null().default(false);
    });
}

fn policies(m: &mut Migration) {
    let reader = role("pol_reader");
    m.grant(
        [Privilege::Select, Privilege::Insert, Privilege::Update],
        GrantOn::table("docs"),
        [reader.as_str()],
    );
    m.enable_row_level_security("docs");
    m.force_row_level_security("docs");
    m.create_policy("docs", "own_rows")
        .for_select()
        .to([reader.as_str()])
        .using(Expr::col("owner").eq(Expr::cust("current_user")));
    m.create_policy("docs", "unlocked")
        .restrictive()
        .for_update()
        .to([RoleSpec::Public])
        .using(Expr::col("locked").eq(false))
        .with_check(Expr::col("locked").eq(false));
    m.create_policy("docs", "insert_own")
        .for_insert()
        .to([RoleSpec::CurrentUser, RoleSpec::named(reader.as_str())])
        .with_check(Expr::col("owner").eq(Expr::cust("current_user")));
    m.create_policy("docs", "owner_all")
        .using(Expr::cust("current_user = 'postgres'"));
    m.rename_policy("docs", "owner_all", "superuser_all");
}

fn change_policies(m: &mut Migration) {
    let reader = role("pol_reader");
    // In place.
    m.alter_policy(
        "docs",
        "own_rows",
        |old| {
            old.for_select()
                .to([reader.as_str()])
                .using(Expr::col("owner").eq(Expr::cust("current_user")));
        },
        |new| {
            new.for_select().to([reader.as_str()]).using(
                Expr::col("owner")
                    .eq(Expr::cust("current_user"))
                    .or(Expr::col("title").eq("public")),
            );
        },
    );
    // Re-created: another command.
    m.alter_policy(
        "docs",
        "unlocked",
        |old| {
            old.restrictive()
                .for_update()
                .to([RoleSpec::Public])
                .using(Expr::col("locked").eq(false))
                .with_check(Expr::col("locked").eq(false));
        },
        |new| {
            new.restrictive()
                .for_delete()
                .using(Expr::col("locked").eq(false));
        },
    );
    m.drop_policy_with("docs", "insert_own", |p| {
        p.for_insert()
            .to([RoleSpec::CurrentUser, RoleSpec::named(reader.as_str())])
            .with_check(Expr::col("owner").eq(Expr::cust("current_user")));
    });
}

reg!(DOCS, 1, docs_table);
reg!(POLICIES, 2, policies);
reg!(CHANGE_POLICIES, 3, change_policies);

async fn policy_rows(c: &tokio_postgres::Client) -> Vec<String> {
    column(
        c,
        "SELECT policyname || ' ' || permissive || ' ' || cmd || ' ' || array_to_string(roles, ',') \
         || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-') \
         FROM pg_policies WHERE tablename = 'docs' ORDER BY policyname",
    )
    .await
    .unwrap()
}

async fn rls(c: &tokio_postgres::Client) -> String {
    text(
        c,
        "SELECT relrowsecurity || ' ' || relforcerowsecurity FROM pg_class WHERE relname = 'docs'",
    )
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn row_level_security_and_policies_apply_and_revert() {
    let db = TestDb::create().await.unwrap();
    let reader = TestRole::create(&db, "pol_reader").await;
    let r = reader.name.as_str();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&DOCS, &POLICIES, &CHANGE_POLICIES]);

    m.up(&mut c, Target::To(1)).await.unwrap();
    let before = snapshot(&mut c).await;
    assert_eq!(rls(&c).await, "false false");

    m.up(&mut c, Target::To(2)).await.unwrap();
    assert_eq!(rls(&c).await, "true true");
    assert_eq!(
        policy_rows(&c).await,
        [
            format!(
                "insert_own PERMISSIVE INSERT {r},postgres using - check (owner = CURRENT_USER)"
            ),
            format!("own_rows PERMISSIVE SELECT {r} using (owner = CURRENT_USER) check -"),
            "superuser_all PERMISSIVE ALL public using (CURRENT_USER = 'postgres'::name) check -"
                .to_owned(),
            "unlocked RESTRICTIVE UPDATE public using (locked = false) check (locked = false)"
                .to_owned(),
        ]
    );
    // The policies work: the reader sees its own rows only, and may insert only its own.
    c.batch_execute(&format!(
        "INSERT INTO docs (owner, title) VALUES ('{r}', 'mine'), ('someone', 'theirs')"
    ))
    .await
    .unwrap();
    c.batch_execute(&format!("SET ROLE \"{r}\"")).await.unwrap();
    assert_eq!(
        column(&c, "SELECT title FROM docs").await.unwrap(),
        ["mine"]
    );
    let refused = c
        .batch_execute("INSERT INTO docs (owner, title) VALUES ('someone', 'forged')")
        .await
        .unwrap_err();
    let refused = refused.as_db_error().unwrap();
    assert_eq!(refused.code().code(), "42501", "{refused}");
    assert!(
        refused.message().contains("row-level security"),
        "{refused}"
    );
    c.batch_execute("RESET ROLE; DELETE FROM docs")
        .await
        .unwrap();

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        policy_rows(&c).await,
        [
            format!(
                "own_rows PERMISSIVE SELECT {r} using ((owner = CURRENT_USER) OR (title = 'public'::text)) check -"
            ),
            "superuser_all PERMISSIVE ALL public using (CURRENT_USER = 'postgres'::name) check -"
                .to_owned(),
            "unlocked RESTRICTIVE DELETE public using (locked = false) check -".to_owned(),
        ]
    );

    // Back to the table alone: no policy, no row-level security, no grant; the same
    // snapshot as before (a grant and its revoke leave no trace in the ACL's reading).
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(policy_rows(&c).await.len(), 4);
    m.down(&mut c, DownTarget::To(1)).await.unwrap();
    assert!(policy_rows(&c).await.is_empty());
    assert_eq!(rls(&c).await, "false false");
    let after = snapshot(&mut c).await;
    assert_eq!(before.to_text(), after.to_text(), "{}", before.diff(&after));

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(policy_rows(&c).await.len(), 3);
    assert_eq!(rls(&c).await, "true true");
    drop(c);

    verify_passes([&DOCS, &POLICIES, &CHANGE_POLICIES]).await;
}

// ----- privileges -----------------------------------------------------------------------

fn app_objects(m: &mut Migration) {
    m.create_schema("app");
    m.create_table("app.docs", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("title", Text).not_null();
    });
    m.reversible(
        |up| {
            up.unchecked_sql(
                "CREATE FUNCTION app.shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$",
            );
            up.unchecked_sql("CREATE SEQUENCE app.tickets");
        },
        |down| {
            down.unchecked_sql("DROP SEQUENCE app.tickets");
            down.unchecked_sql("DROP FUNCTION app.shout(text)");
        },
    )
    .allow(
        Rule::UncheckedSql,
        "a function and a sequence to grant on (other families' steps)",
    );
}

fn grants(m: &mut Migration) {
    let reader = role("grant_reader");
    let editor = role("grant_editor");
    m.grant(
        [Privilege::Usage],
        GrantOn::schema("app"),
        [reader.as_str(), editor.as_str()],
    );
    m.grant(
        [Privilege::Select],
        GrantOn::table("app.docs"),
        [reader.as_str()],
    );
    m.grant(
        [
            Privilege::Select.into(),
            Privilege::Update.on_columns(["title"]),
        ],
        GrantOn::tables(["app.docs"]),
        [editor.as_str()],
    )
    .with_grant_option();
    m.grant(
        [Privilege::Usage],
        GrantOn::all_sequences_in_schema("app"),
        [editor.as_str()],
    );
    m.revoke(
        [Privilege::Execute],
        GrantOn::function("app.shout", [Text]),
        [RoleSpec::Public],
    );
    m.grant(
        [Privilege::Execute],
        GrantOn::function("app.shout", [Text]),
        [reader.as_str()],
    );
    m.grant_default_privileges(
        [Privilege::Select],
        DefaultObjects::Tables,
        [reader.as_str()],
    )
    .in_schema("app");
}

reg!(APP_OBJECTS, 1, app_objects);
reg!(GRANTS, 2, grants);

async fn privileges(c: &tokio_postgres::Client, reader: &str, editor: &str) -> Vec<String> {
    column(
        c,
        &format!(
            "SELECT concat_ws(' ', \
               CASE WHEN has_schema_privilege('{reader}', 'app', 'USAGE') THEN 'reader:usage' END, \
               CASE WHEN has_table_privilege('{reader}', 'app.docs', 'SELECT') THEN 'reader:select' END, \
               CASE WHEN has_function_privilege('{reader}', 'app.shout(text)', 'EXECUTE') THEN 'reader:execute' END, \
               CASE WHEN has_table_privilege('{editor}', 'app.docs', 'SELECT WITH GRANT OPTION') THEN 'editor:select*' END, \
               CASE WHEN has_column_privilege('{editor}', 'app.docs', 'title', 'UPDATE WITH GRANT OPTION') THEN 'editor:update(title)*' END, \
               CASE WHEN has_table_privilege('{editor}', 'app.docs', 'UPDATE') THEN 'editor:update' END, \
               CASE WHEN has_sequence_privilege('{editor}', 'app.tickets', 'USAGE') THEN 'editor:usage(tickets)' END, \
               CASE WHEN has_function_privilege('{editor}', 'app.shout(text)', 'EXECUTE') THEN 'editor:execute' END)"
        ),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn grants_and_revokes_apply_and_revert_to_the_same_snapshot() {
    let db = TestDb::create().await.unwrap();
    let reader = TestRole::create(&db, "grant_reader").await;
    let editor = TestRole::create(&db, "grant_editor").await;
    let (r, e) = (reader.name.as_str(), editor.name.as_str());
    let mut c = db.connect().await.unwrap();
    let m = migrator([&APP_OBJECTS, &GRANTS]);

    m.up(&mut c, Target::To(1)).await.unwrap();
    let before = snapshot(&mut c).await;
    assert_eq!(
        privileges(&c, r, e).await,
        ["reader:execute editor:execute"]
    );

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        privileges(&c, r, e).await,
        [
            "reader:usage reader:select reader:execute editor:select* editor:update(title)* editor:usage(tickets)"
        ]
    );
    let granted = snapshot(&mut c).await;
    for (key, description) in [
        (format!("grant schema app to {r}"), "USAGE"),
        (format!("grant schema app to {e}"), "USAGE"),
        (format!("grant table app.docs to {r}"), "SELECT"),
        (
            format!("grant table app.docs to {e}"),
            "SELECT with grant option",
        ),
        (
            format!("grant column app.docs.title to {e}"),
            "UPDATE with grant option",
        ),
        (format!("grant sequence app.tickets to {e}"), "USAGE"),
        (format!("grant sequence app.docs_id_seq to {e}"), "USAGE"),
        (
            "grant function app.shout(t text) to PUBLIC".to_owned(),
            "none",
        ),
        (
            format!("grant function app.shout(t text) to {r}"),
            "EXECUTE",
        ),
        (
            format!("default privileges for postgres in schema app on tables to {r}"),
            "SELECT",
        ),
    ] {
        assert_eq!(
            granted.get(key.as_str()),
            Some(description),
            "{key} in\n{granted}"
        );
    }
    // A table created later gets the default privileges.
    c.batch_execute("CREATE TABLE app.later (id int)")
        .await
        .unwrap();
    assert_eq!(
        text(
            &c,
            &format!("SELECT has_table_privilege('{r}', 'app.later', 'SELECT')::text")
        )
        .await
        .unwrap()
        .as_deref(),
        Some("true")
    );
    c.batch_execute("DROP TABLE app.later").await.unwrap();

    // The down revokes exactly what was granted: the ACLs read as they did before the
    // first GRANT, even though they are no longer NULL in the catalog.
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        privileges(&c, r, e).await,
        ["reader:execute editor:execute"]
    );
    assert_eq!(
        text(
            &c,
            // Only the owner's entry is left (`arwdDxt`, and `m` for MAINTAIN from 17).
            "SELECT (relacl IS NOT NULL AND cardinality(relacl) = 1)::text FROM pg_class \
             WHERE oid = 'app.docs'::regclass"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("true"),
        "the ACL is no longer NULL after a grant and its revoke"
    );
    let after = snapshot(&mut c).await;
    assert_eq!(before.to_text(), after.to_text(), "{}", before.diff(&after));

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(snapshot(&mut c).await.to_text(), granted.to_text());
    m.down(&mut c, DownTarget::All).await.unwrap();
    drop(c);

    verify_passes([&APP_OBJECTS, &GRANTS]).await;
}
