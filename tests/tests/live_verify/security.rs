//! Row-level security, policies and privileges: `verify` catches a wrong down of each kind of object.
//!
//! Roles are cluster-wide, so the scratch database `verify` works in sees them; each
//! test creates its own (named after the process and the test) and drops it at the end.

#[allow(unused_imports)]
use super::*;

/// The name of this process's role for `suffix`.
fn role(suffix: &str) -> String {
    format!("mt_secv_{}_{suffix}", std::process::id())
}

/// A role for one test, dropped when this value is (also on a panic). `verify` works in
/// scratch databases it drops itself; a test that grants in a database of its own gives
/// it, to `DROP OWNED BY` there first (declare the role after the [`TestDb`], so that it
/// is dropped first).
struct TestRole(String, Option<tokio_postgres::Config>);

impl TestRole {
    async fn create(suffix: &str) -> Self {
        let name = role(suffix);
        let admin = connect(&admin_url().parse().unwrap()).await.unwrap();
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS \"{name}\"; CREATE ROLE \"{name}\""
            ))
            .await
            .unwrap();
        Self(name, None)
    }

    async fn create_in(db: &TestDb, suffix: &str) -> Self {
        let mut role = Self::create(suffix).await;
        role.1 = Some(db.config());
        role
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let name = self.0.clone();
        let db = self.1.clone();
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Some(db) = db
                    && let Ok(c) = connect(&db).await
                {
                    let _ = c.batch_execute(&format!("DROP OWNED BY \"{name}\"")).await;
                }
                let admin: Result<tokio_postgres::Config, _> = admin_url().parse();
                if let Ok(admin) = admin
                    && let Ok(c) = connect(&admin).await
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

/// The diff of migration 2's down, the one that failed.
fn failed_down_of_2(report: &VerifyReport) -> Vec<Change> {
    assert!(!report.is_success(), "{report}");
    assert_eq!(report.passed(), [1], "{report}");
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    match &failure.outcome {
        Outcome::Failed(Failure::DownDidNotRestore(diff)) => diff.changes.clone(),
        other => panic!("expected DownDidNotRestore, got {other:?}"),
    }
}

// ----- policies and row-level security --------------------------------------------------

pub(crate) fn docs_with_policy(m: &mut Migration) {
    m.create_table("docs", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("owner", Text).not_null();
    });
    m.create_policy("docs", "owner_only")
        .using(Expr::col("owner").eq(Expr::cust("current_user")));
}
reg!(DOCS_WITH_POLICY, 1, docs_with_policy);

pub(crate) fn drops_the_policy(m: &mut Migration<Manual>) {
    m.drop_policy("docs", "owner_only");
}
pub(crate) fn restores_another_using(m: &mut Migration<Manual>) {
    m.create_policy("docs", "owner_only")
        .using(Expr::cust("true"));
}
manual!(
    POLICY_WRONG_USING,
    2,
    drops_the_policy,
    restores_another_using
);

#[tokio::test]
pub(crate) async fn a_down_that_restores_a_policy_with_another_using_is_caught() {
    let report = run([&DOCS_WITH_POLICY, &POLICY_WRONG_USING]).await;
    assert_eq!(
        failed_down_of_2(&report),
        [Change::Changed {
            key: "policy public.docs.owner_only".into(),
            before: "permissive for all to PUBLIC using ((owner = CURRENT_USER))".into(),
            after: "permissive for all to PUBLIC using (true)".into(),
        }]
    );
    assert!(
        report.to_string().contains("policy public.docs.owner_only"),
        "{report}"
    );
}

pub(crate) fn enables_rls(m: &mut Migration<Manual>) {
    m.enable_row_level_security("docs");
    m.create_policy("docs", "everyone")
        .using(Expr::cust("true"));
}
pub(crate) fn forgets_rls(m: &mut Migration<Manual>) {
    m.drop_policy("docs", "everyone");
}
manual!(RLS_LEFT_ENABLED, 2, enables_rls, forgets_rls);

#[tokio::test]
pub(crate) async fn a_down_that_leaves_row_level_security_enabled_is_caught() {
    let report = run([&DOCS_WITH_POLICY, &RLS_LEFT_ENABLED]).await;
    assert_eq!(
        failed_down_of_2(&report),
        [Change::Changed {
            key: "table public.docs".into(),
            before: "".into(),
            after: "row level security".into(),
        }]
    );
}

// ----- privileges -----------------------------------------------------------------------

pub(crate) fn docs(m: &mut Migration) {
    m.create_table("docs", |t| {
        t.column("id", BigInt).primary_key();
        t.column("title", Text);
    });
}
reg!(DOCS, 1, docs);

pub(crate) fn grants_select(m: &mut Migration<Manual>) {
    m.grant(
        [Privilege::Select],
        GrantOn::table("docs"),
        [role("not_revoked").as_str()],
    );
}
pub(crate) fn revokes_nothing(m: &mut Migration<Manual>) {
    m.revoke(
        [Privilege::Update],
        GrantOn::table("docs"),
        [role("not_revoked").as_str()],
    );
}
manual!(GRANT_NOT_REVOKED, 2, grants_select, revokes_nothing);

#[tokio::test]
pub(crate) async fn a_down_that_does_not_revoke_a_grant_is_caught() {
    let reader = TestRole::create("not_revoked").await;
    let report = run([&DOCS, &GRANT_NOT_REVOKED]).await;
    assert_eq!(
        failed_down_of_2(&report),
        [Change::Added {
            key: format!("grant table public.docs to {}", reader.0),
            after: "SELECT".into(),
        }]
    );
}

pub(crate) fn docs_readable(m: &mut Migration) {
    docs(m);
    m.grant(
        [Privilege::Select],
        GrantOn::table("docs"),
        [role("too_much").as_str()],
    );
    m.grant(
        [Privilege::Update.on_columns(["title"])],
        GrantOn::table("docs"),
        [role("too_much").as_str()],
    );
}
reg!(DOCS_READABLE, 1, docs_readable);

pub(crate) fn grants_insert(m: &mut Migration<Manual>) {
    m.grant(
        [Privilege::Insert],
        GrantOn::table("docs"),
        [role("too_much").as_str()],
    );
}
pub(crate) fn revokes_all(m: &mut Migration<Manual>) {
    m.revoke(
        [Privilege::All],
        GrantOn::table("docs"),
        [role("too_much").as_str()],
    );
}
manual!(REVOKES_TOO_MUCH, 2, grants_insert, revokes_all);

#[tokio::test]
pub(crate) async fn a_down_that_revokes_too_much_is_caught() {
    let reader = TestRole::create("too_much").await;
    let report = run([&DOCS_READABLE, &REVOKES_TOO_MUCH]).await;
    // `REVOKE ALL` on a table takes the column privileges too.
    assert_eq!(
        failed_down_of_2(&report),
        [
            Change::Removed {
                key: format!("grant column public.docs.title to {}", reader.0),
                before: "UPDATE".into(),
            },
            Change::Removed {
                key: format!("grant table public.docs to {}", reader.0),
                before: "SELECT".into(),
            },
        ]
    );
}

/// The caveat of a derived `REVOKE`: granting again what an earlier migration granted
/// is a no-op, but its down revokes the earlier grant. `verify` catches it.
pub(crate) fn docs_granted(m: &mut Migration) {
    docs(m);
    m.grant(
        [Privilege::Select],
        GrantOn::table("docs"),
        [role("redundant").as_str()],
    );
}
pub(crate) fn grants_select_again(m: &mut Migration) {
    m.grant(
        [Privilege::Select, Privilege::Insert],
        GrantOn::table("docs"),
        [role("redundant").as_str()],
    );
}
reg!(DOCS_GRANTED, 1, docs_granted);
reg!(GRANTS_AGAIN, 2, grants_select_again);

#[tokio::test]
pub(crate) async fn a_derived_revoke_of_a_privilege_granted_earlier_is_caught() {
    let reader = TestRole::create("redundant").await;
    let report = run([&DOCS_GRANTED, &GRANTS_AGAIN]).await;
    assert_eq!(
        failed_down_of_2(&report),
        [Change::Removed {
            key: format!("grant table public.docs to {}", reader.0),
            before: "SELECT".into(),
        }]
    );
}

/// A database nobody granted anything in reads as no privileges at all, whatever the
/// major (the `public` schema's PUBLIC privileges differ between 14 and 15+), and a
/// grant then its revoke leave it so.
#[tokio::test]
pub(crate) async fn a_database_without_grants_has_no_privilege_lines() {
    let db = TestDb::create().await.unwrap();
    let reader = TestRole::create_in(&db, "fresh").await;
    let mut c = db.connect().await.unwrap();
    c.batch_execute(
        "CREATE SCHEMA app; CREATE TABLE app.t (id int); CREATE SEQUENCE app.s; \
         CREATE VIEW app.v AS SELECT 1 AS one; \
         CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    )
    .await
    .unwrap();
    let privileges = |s: &Snapshot| {
        s.objects()
            .filter(|(k, _)| k.starts_with("grant ") || k.starts_with("default privileges "))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
    };
    let fresh = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    assert_eq!(privileges(&fresh), Vec::<String>::new());
    let r = &reader.0;
    c.batch_execute(&format!(
        "GRANT ALL ON app.t, app.v TO {r}; GRANT ALL ON SEQUENCE app.s TO {r}; \
         GRANT ALL ON SCHEMA app, public TO {r}; GRANT ALL ON FUNCTION app.f() TO {r}; \
         ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {r}"
    ))
    .await
    .unwrap();
    let granted = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    assert_eq!(privileges(&granted).len(), 7, "{granted}");
    c.batch_execute(&format!(
        "REVOKE ALL ON app.t, app.v FROM {r}; REVOKE ALL ON SEQUENCE app.s FROM {r}; \
         REVOKE ALL ON SCHEMA app, public FROM {r}; REVOKE ALL ON FUNCTION app.f() FROM {r}; \
         ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM {r}"
    ))
    .await
    .unwrap();
    let revoked = Snapshot::read(&mut c, &SnapshotOptions::new())
        .await
        .unwrap();
    assert_eq!(
        fresh.to_text(),
        revoked.to_text(),
        "{}",
        fresh.diff(&revoked)
    );
}
