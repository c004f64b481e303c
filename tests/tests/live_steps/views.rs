//! Views and materialized views, and comments, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;

use migrate_core::DownTarget;
use migrate_core::verify::{ScratchTarget, VerifyOptions, verify};
use migrate_tests::{admin_url, column, text};
use sea_query::Query;
use tokio_postgres::Client;

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

/// The columns of a relation, in order, as `name type`.
async fn columns_of(c: &Client, relation: &str) -> Vec<String> {
    column(
        c,
        &format!(
            "SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = '{relation}'::regclass AND attnum > 0 AND NOT attisdropped \
             ORDER BY attnum"
        ),
    )
    .await
    .unwrap()
}

/// The names of the views (`v`) or materialized views (`m`) in `public` and `app`.
async fn relations(c: &Client, relkind: &str) -> Vec<String> {
    column(
        c,
        &format!(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = '{relkind}' AND n.nspname IN ('public', 'app') ORDER BY 1"
        ),
    )
    .await
    .unwrap()
}

async fn verify_passes<const N: usize>(regs: [&'static Registration; N]) {
    let report = verify(
        &migrator(regs),
        ScratchTarget::Server(admin_url().parse().unwrap()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
}

// ----- views --------------------------------------------------------------------------

fn base(m: &mut Migration) {
    m.create_schema("app");
    m.create_table("users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Text).not_null();
        t.column("active", Boolean).not_null().default(true);
    });
    m.create_table("posts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("author_id", BigInt)
            .not_null()
            .references("users", "id");
        t.column("title", Text).not_null();
    });
}
reg!(BASE, 1, base);

fn views(m: &mut Migration) {
    m.create_view("active_users", "SELECT id, email FROM users WHERE active")
        .columns(["user_id", "email"]);
    m.create_view(
        "app.writable_active",
        "SELECT id, email, active FROM users WHERE active",
    )
    .security_barrier()
    .check_option(CheckOption::Local);
    m.create_view(
        "titles",
        Query::select()
            .columns(["id", "title"])
            .from("posts")
            .and_where(Expr::col("title").ne("")),
    );
    m.rename_view("titles", "post_titles");
}
reg!(VIEWS, 2, views);

/// Adds a column: the down cannot `CREATE OR REPLACE` it away, so it drops and creates.
fn add_view_column(m: &mut Migration) {
    m.replace_view(
        "active_users",
        "SELECT id, email FROM users WHERE active",
        "SELECT id, email, active FROM users WHERE active",
    )
    .old_view(|v| {
        v.columns(["user_id", "email"]);
    })
    .new_view(|v| {
        v.columns(["user_id", "email", "is_active"]);
    });
}
reg!(ADD_VIEW_COLUMN, 3, add_view_column);

/// Changes only the filter: the down replaces the view back.
fn narrow_view(m: &mut Migration) {
    m.replace_view(
        "post_titles",
        r#"SELECT "id", "title" FROM "posts" WHERE "title" <> ''"#,
        r#"SELECT "id", "title" FROM "posts" WHERE "title" <> '' AND "id" > 0"#,
    )
    .same_columns();
}
reg!(NARROW_VIEW, 4, narrow_view);

#[tokio::test]
async fn views_are_created_replaced_renamed_and_reverted() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let all = migrator([&BASE, &VIEWS, &ADD_VIEW_COLUMN, &NARROW_VIEW]);
    all.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        relations(&c, "v").await,
        [
            "app.writable_active",
            "public.active_users",
            "public.post_titles"
        ]
    );
    assert_eq!(
        columns_of(&c, "active_users").await,
        ["user_id bigint", "email text", "is_active boolean"]
    );
    let options = text(
        &c,
        "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'app.writable_active'::regclass",
    )
    .await
    .unwrap();
    assert_eq!(
        options.as_deref(),
        Some("security_barrier=true,check_option=local")
    );
    // The check option is enforced.
    let err = c
        .batch_execute("INSERT INTO app.writable_active (email, active) VALUES ('x', false)")
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("violates check option"),
        "{err:?}"
    );
    let narrowed = text(&c, "SELECT pg_get_viewdef('post_titles'::regclass)")
        .await
        .unwrap()
        .unwrap();
    assert!(narrowed.contains("id > 0"), "{narrowed}");

    // Down one: the filter is back, by CREATE OR REPLACE.
    let oid = text(&c, "SELECT 'post_titles'::regclass::oid::text")
        .await
        .unwrap();
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    let back = text(&c, "SELECT pg_get_viewdef('post_titles'::regclass)")
        .await
        .unwrap()
        .unwrap();
    assert!(!back.contains("id > 0"), "{back}");
    assert_eq!(
        text(&c, "SELECT 'post_titles'::regclass::oid::text")
            .await
            .unwrap(),
        oid,
        "replaced in place, not re-created"
    );

    // Down one more: the added column is gone (DROP VIEW + CREATE VIEW).
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        columns_of(&c, "active_users").await,
        ["user_id bigint", "email text"]
    );

    all.down(&mut c, DownTarget::All).await.unwrap();
    assert!(relations(&c, "v").await.is_empty());
    all.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(relations(&c, "v").await.len(), 3);
    verify_passes([&BASE, &VIEWS, &ADD_VIEW_COLUMN, &NARROW_VIEW]).await;
}

/// Without the drop-and-create down, the replacement could not be undone: PostgreSQL
/// refuses to replace a view with one that has fewer columns.
#[tokio::test]
async fn create_or_replace_cannot_drop_a_column() {
    let db = TestDb::create().await.unwrap();
    let c = db.connect().await.unwrap();
    c.batch_execute("CREATE TABLE t (a int, b int); CREATE VIEW v AS SELECT a, b FROM t")
        .await
        .unwrap();
    let err = c
        .batch_execute("CREATE OR REPLACE VIEW v AS SELECT a FROM t")
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("cannot drop columns from view"),
        "{err:?}"
    );
}

fn drop_views(m: &mut Migration) {
    m.drop_view_with(
        "app.writable_active",
        "SELECT id, email, active FROM users WHERE active",
    )
    .security_barrier()
    .check_option(CheckOption::Local);
    m.allow(Rule::BreakingChange, "no application reads it");
}
reg!(DROP_VIEWS, 3, drop_views);

#[tokio::test]
async fn a_view_dropped_with_its_definition_comes_back() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let all = migrator([&BASE, &VIEWS, &DROP_VIEWS]);
    all.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        relations(&c, "v").await,
        ["public.active_users", "public.post_titles"]
    );
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(relations(&c, "v").await.len(), 3);
    all.up(&mut c, Target::Latest).await.unwrap();
    verify_passes([&BASE, &VIEWS, &DROP_VIEWS]).await;
}

// ----- materialized views -------------------------------------------------------------

fn seed(m: &mut Migration) {
    m.reversible(
        |up| {
            up.insert("users", ["id", "email"])
                .values([Expr::val(1), Expr::val("a@example.com")])
                .values([Expr::val(2), Expr::val("b@example.com")]);
            up.insert("posts", ["author_id", "title"])
                .values([Expr::val(1), Expr::val("one")])
                .values([Expr::val(1), Expr::val("two")]);
        },
        |down| {
            down.delete("posts");
            down.delete("users");
        },
    );
}
reg!(SEED, 2, seed);

fn materialized(m: &mut Migration) {
    m.create_materialized_view(
        "post_counts",
        "SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id",
    );
    // New: indexing it blocks no one, and the lint knows it.
    m.create_index("post_counts_author", "post_counts", ["author_id"])
        .unique();
    // Runs inside the migration's transaction.
    m.refresh_materialized_view_concurrently("post_counts");
    m.create_materialized_view("app.emails", "SELECT id, email FROM users")
        .columns(["user_id", "email"])
        .with_no_data();
}
reg!(MATERIALIZED, 3, materialized);

fn fill(m: &mut Migration) {
    m.refresh_materialized_view("app.emails");
    m.rename_materialized_view("app.emails", "user_emails");
    m.allow(Rule::BreakingChange, "no application reads it");
}
reg!(FILL, 4, fill);

fn index_existing(m: &mut Migration) {
    m.create_index_concurrently("user_emails_email", "app.user_emails", ["email"]);
}
reg!(INDEX_EXISTING, 5, index_existing);

fn drop_materialized(m: &mut Migration) {
    m.drop_index_concurrently_with("post_counts_author", "post_counts", ["author_id"])
        .unique();
    m.drop_materialized_view_with(
        "post_counts",
        "SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id",
    );
    m.allow(Rule::BreakingChange, "no application reads it");
}
reg!(DROP_MATERIALIZED, 6, drop_materialized);

async fn populated(c: &Client, name: &str) -> Option<String> {
    text(
        c,
        &format!("SELECT relispopulated::text FROM pg_class WHERE oid = to_regclass('{name}')"),
    )
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn materialized_views_are_created_indexed_refreshed_and_reverted() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let regs = [
        &BASE,
        &SEED,
        &MATERIALIZED,
        &FILL,
        &INDEX_EXISTING,
        &DROP_MATERIALIZED,
    ];
    let all = migrator(regs);
    all.up(&mut c, Target::To(3)).await.unwrap();
    assert_eq!(
        relations(&c, "m").await,
        ["app.emails", "public.post_counts"]
    );
    assert_eq!(populated(&c, "app.emails").await.as_deref(), Some("false"));
    assert_eq!(
        text(
            &c,
            "SELECT posts::text FROM post_counts WHERE author_id = 1"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("2")
    );
    assert_eq!(
        columns_of(&c, "app.emails").await,
        ["user_id bigint", "email text"]
    );

    all.up(&mut c, Target::To(5)).await.unwrap();
    assert_eq!(
        populated(&c, "app.user_emails").await.as_deref(),
        Some("true")
    );
    let indexes = column(
        &c,
        "SELECT indexrelid::regclass::text || ' ' || indisunique::text || ' ' || indisvalid::text \
         FROM pg_index WHERE indrelid IN ('post_counts'::regclass, 'app.user_emails'::regclass) \
         ORDER BY 1",
    )
    .await
    .unwrap();
    assert_eq!(
        indexes,
        [
            "app.user_emails_email false true",
            "post_counts_author true true"
        ]
    );
    // The unique index is what lets it refresh concurrently.
    c.batch_execute("INSERT INTO posts (author_id, title) VALUES (2, 'three')")
        .await
        .unwrap();
    c.batch_execute("REFRESH MATERIALIZED VIEW CONCURRENTLY post_counts")
        .await
        .unwrap();

    all.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(relations(&c, "m").await, ["app.user_emails"]);
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        relations(&c, "m").await,
        ["app.user_emails", "public.post_counts"]
    );
    // Re-created with its data and its unique index.
    assert_eq!(
        text(&c, "SELECT count(*)::text FROM post_counts")
            .await
            .unwrap()
            .as_deref(),
        Some("2")
    );
    c.batch_execute("REFRESH MATERIALIZED VIEW CONCURRENTLY post_counts")
        .await
        .unwrap();

    all.down(&mut c, DownTarget::To(2)).await.unwrap();
    assert!(relations(&c, "m").await.is_empty());
    all.up(&mut c, Target::Latest).await.unwrap();
    verify_passes(regs).await;
}

// ----- comments -----------------------------------------------------------------------

fn objects(m: &mut Migration) {
    m.create_enum("app.mood", ["sad", "happy"]);
    m.create_index_concurrently("users_email_idx", "users", ["email"]);
    m.create_view("active_users", "SELECT id, email FROM users WHERE active");
    m.create_materialized_view("user_count", "SELECT count(*) AS n FROM users");
    m.reversible(
        |up| {
            up.unchecked_sql(
                "CREATE FUNCTION app.total(a integer, b integer) RETURNS integer \
                 LANGUAGE sql AS 'SELECT a + b'",
            );
            up.unchecked_sql("CREATE PROCEDURE app.noop(n bigint) LANGUAGE sql AS 'SELECT 1'");
            up.unchecked_sql("CREATE SEQUENCE app.tickets");
            up.unchecked_sql(
                "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN RETURN NEW; END $$",
            );
            up.unchecked_sql(
                "CREATE TRIGGER users_touch BEFORE UPDATE ON users \
                 FOR EACH ROW EXECUTE FUNCTION app.touch()",
            );
            up.allow(
                Rule::UncheckedSql,
                "the function family is not part of this test",
            );
        },
        |down| {
            down.unchecked_sql("DROP TRIGGER users_touch ON users");
            down.unchecked_sql("DROP FUNCTION app.touch()");
            down.unchecked_sql("DROP SEQUENCE app.tickets");
            down.unchecked_sql("DROP PROCEDURE app.noop(bigint)");
            down.unchecked_sql("DROP FUNCTION app.total(integer, integer)");
        },
    );
}
reg!(OBJECTS, 2, objects);

fn comment_everything(m: &mut Migration) {
    m.change_comment(CommentTarget::table("users"), None, Some("People"));
    m.change_comment(
        CommentTarget::column("users", "email"),
        None,
        Some("Login, unique"),
    );
    m.change_comment(
        CommentTarget::index("users_email_idx"),
        None,
        Some("for login"),
    );
    m.change_comment(CommentTarget::view("active_users"), None, Some("it's live"));
    m.change_comment(
        CommentTarget::column("active_users", "email"),
        None,
        Some("from users"),
    );
    m.change_comment(
        CommentTarget::materialized_view("user_count"),
        None,
        Some(r"refreshed by hand \o/"),
    );
    m.change_comment(
        CommentTarget::sequence("app.tickets"),
        None,
        Some("tickets"),
    );
    m.change_comment(
        CommentTarget::function("app.total", [Integer, Integer]),
        None,
        Some("adds"),
    );
    m.change_comment(
        CommentTarget::procedure("app.noop", [BigInt]),
        None,
        Some("nothing"),
    );
    m.change_comment(CommentTarget::schema("app"), None, Some("the application"));
    m.change_comment(CommentTarget::ty("app.mood"), None, Some("how one feels"));
    m.change_comment(
        CommentTarget::constraint("users", "users_pkey"),
        None,
        Some("the id"),
    );
    m.change_comment(
        CommentTarget::trigger("users", "users_touch"),
        None,
        Some("touches"),
    );
}
reg!(COMMENT_EVERYTHING, 3, comment_everything);

fn recomment(m: &mut Migration) {
    m.change_comment(
        CommentTarget::table("users"),
        Some("People"),
        Some("Members"),
    );
    m.change_comment(CommentTarget::schema("app"), Some("the application"), None);
}
reg!(RECOMMENT, 4, recomment);

const COMMENTS: &str = "SELECT coalesce(obj_description('users'::regclass, 'pg_class'), '-') \
     || ' | ' || coalesce(col_description('users'::regclass, 2), '-') \
     || ' | ' || coalesce(obj_description('users_email_idx'::regclass, 'pg_class'), '-') \
     || ' | ' || coalesce(obj_description('active_users'::regclass, 'pg_class'), '-') \
     || ' | ' || coalesce(col_description('active_users'::regclass, 2), '-') \
     || ' | ' || coalesce(obj_description('user_count'::regclass, 'pg_class'), '-') \
     || ' | ' || coalesce(obj_description('app.tickets'::regclass, 'pg_class'), '-') \
     || ' | ' || coalesce(obj_description('app.total(integer, integer)'::regprocedure, 'pg_proc'), '-') \
     || ' | ' || coalesce(obj_description('app.noop(bigint)'::regprocedure, 'pg_proc'), '-') \
     || ' | ' || coalesce(obj_description('app'::regnamespace, 'pg_namespace'), '-') \
     || ' | ' || coalesce(obj_description('app.mood'::regtype, 'pg_type'), '-') \
     || ' | ' || coalesce(obj_description((SELECT oid FROM pg_constraint WHERE conname = 'users_pkey'), 'pg_constraint'), '-') \
     || ' | ' || coalesce(obj_description((SELECT oid FROM pg_trigger WHERE tgname = 'users_touch'), 'pg_trigger'), '-')";

#[tokio::test]
async fn comments_are_set_changed_and_put_back() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let regs = [&BASE, &OBJECTS, &COMMENT_EVERYTHING, &RECOMMENT];
    let all = migrator(regs);
    all.up(&mut c, Target::To(3)).await.unwrap();
    assert_eq!(
        text(&c, COMMENTS).await.unwrap().as_deref(),
        Some(
            r"People | Login, unique | for login | it's live | from users | refreshed by hand \o/ | tickets | adds | nothing | the application | how one feels | the id | touches"
        )
    );
    // The snapshot sees every kind of comment, keyed by its object.
    let snapshot = migrate_core::Snapshot::read(&mut c, &migrate_core::SnapshotOptions::new())
        .await
        .unwrap();
    for (key, comment) in [
        ("comment table public.users", "People"),
        ("comment column public.users.email", "Login, unique"),
        ("comment index public.users_email_idx", "for login"),
        ("comment view public.active_users", "it's live"),
        ("comment column public.active_users.email", "from users"),
        (
            "comment materialized view public.user_count",
            r"refreshed by hand \o/",
        ),
        ("comment sequence app.tickets", "tickets"),
        ("comment function app.total(a integer, b integer)", "adds"),
        ("comment procedure app.noop(IN n bigint)", "nothing"),
        ("comment schema app", "the application"),
        ("comment type app.mood", "how one feels"),
        ("comment constraint public.users.users_pkey", "the id"),
        ("comment trigger public.users.users_touch", "touches"),
    ] {
        assert_eq!(snapshot.get(key), Some(comment), "{key} in\n{snapshot}");
    }
    all.up(&mut c, Target::Latest).await.unwrap();
    let changed = text(&c, COMMENTS).await.unwrap().unwrap();
    assert!(
        changed.starts_with("Members | Login, unique") && changed.contains("nothing | - | how"),
        "{changed}"
    );
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    let back = text(&c, COMMENTS).await.unwrap().unwrap();
    assert!(
        back.starts_with("People | ") && back.contains("| the application |"),
        "{back}"
    );
    all.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        text(&c, COMMENTS).await.unwrap().as_deref(),
        Some("- | - | - | - | - | - | - | - | - | - | - | - | -")
    );
    all.up(&mut c, Target::Latest).await.unwrap();
    verify_passes(regs).await;
}

// ----- one-way forms ------------------------------------------------------------------

fn one_way(m: &mut Migration<Manual>) {
    m.create_or_replace_view(
        "active_users",
        "SELECT id, email, active FROM users WHERE active",
    )
    .columns(["user_id", "email", "is_active"]);
    m.create_or_replace_view("brand_new", "SELECT 1 AS one");
    m.drop_view_if_exists("missing_view");
    m.allow(Rule::BreakingChange, "no application reads it");
    m.create_view("over_active", "SELECT user_id FROM active_users");
    m.drop_view_cascade("active_users");
    m.allow(Rule::BreakingChange, "no application reads it");
    m.drop_view("brand_new");
    m.allow(Rule::BreakingChange, "no application reads it");
    m.create_materialized_view("m1", "SELECT 1 AS one");
    m.create_view("over_m1", "SELECT one FROM m1");
    m.drop_materialized_view_cascade("m1");
    m.drop_materialized_view_if_exists("m2");
    m.allow(Rule::BreakingChange, "no application reads it");
    m.create_materialized_view("m3", "SELECT 1 AS one");
    m.drop_materialized_view("m3");
    m.set_comment(CommentTarget::table("users"), Some("People"));
    m.set_comment(CommentTarget::table("posts"), None);
}
reg!(ONE_WAY, 3, one_way, irreversible);

#[tokio::test]
async fn the_one_way_forms_run() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&BASE, &VIEWS, &ONE_WAY])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    // `active_users` and what depended on it went with the cascade.
    assert_eq!(
        relations(&c, "v").await,
        ["app.writable_active", "public.post_titles"]
    );
    assert!(relations(&c, "m").await.is_empty());
    assert_eq!(
        text(&c, "SELECT obj_description('users'::regclass, 'pg_class')")
            .await
            .unwrap()
            .as_deref(),
        Some("People")
    );
}

// ----- queries written with comments --------------------------------------------------

fn commented(m: &mut Migration) {
    m.create_view(
        "commented_view",
        "SELECT id, email FROM users -- every user\n  WHERE active -- still here",
    )
    .check_option(CheckOption::Local);
    m.create_materialized_view("commented_counts", "SELECT count(*) AS n FROM users -- all")
        .with_no_data();
}
reg!(COMMENTED, 2, commented);

#[tokio::test]
async fn a_clause_after_a_query_ending_in_a_comment_is_applied() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&BASE, &COMMENTED])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(
        text(
            &c,
            "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'commented_view'::regclass"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("check_option=local")
    );
    assert_eq!(
        populated(&c, "commented_counts").await.as_deref(),
        Some("false")
    );
    verify_passes([&BASE, &COMMENTED]).await;
}

// ----- security_invoker ---------------------------------------------------------------

fn private_docs(m: &mut Migration) {
    m.create_table("docs", |t| {
        t.column("owner", Text).not_null();
        t.column("title", Text).not_null();
    });
    m.enable_row_level_security("docs");
    m.create_policy("docs", "own_docs")
        .using(Expr::col("owner").eq(Expr::cust("current_user")));
    m.create_view("my_docs", "SELECT owner, title FROM docs")
        .security_invoker();
    m.create_view("owner_docs", "SELECT owner, title FROM docs");
}
reg!(PRIVATE_DOCS, 1, private_docs);

/// A view reads its tables with its owner's rights, so it bypasses their row-level
/// security; with `security_invoker` (PostgreSQL 15+) the policies apply to whoever
/// queries it. Checked as a role that is neither superuser nor owner.
#[tokio::test]
async fn a_security_invoker_view_applies_the_row_level_security_of_its_tables() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    if migrate_tests::server_version(&c).await.unwrap() < 150000 {
        return; // security_invoker is PostgreSQL 15+
    }
    migrator([&PRIVATE_DOCS])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    let options = text(
        &c,
        "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'my_docs'::regclass",
    )
    .await
    .unwrap();
    assert_eq!(options.as_deref(), Some("security_invoker=true"));

    let role = format!("mt_view_invoker_{}", std::process::id());
    c.batch_execute(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role}; \
         GRANT SELECT ON docs, my_docs, owner_docs TO {role}; \
         INSERT INTO docs VALUES ('{role}', 'mine'), ('someone_else', 'theirs')"
    ))
    .await
    .unwrap();
    c.batch_execute(&format!("SET ROLE {role}")).await.unwrap();
    let own = migrate_tests::int(&c, "SELECT count(*) FROM my_docs").await;
    let all = migrate_tests::int(&c, "SELECT count(*) FROM owner_docs").await;
    c.batch_execute(&format!(
        "RESET ROLE; DROP OWNED BY {role}; DROP ROLE {role}"
    ))
    .await
    .unwrap();
    assert_eq!(
        own.unwrap(),
        1,
        "the policy applies through the invoker view"
    );
    assert_eq!(all.unwrap(), 2, "the owner's view bypasses it");

    migrator([&PRIVATE_DOCS])
        .down(&mut c, DownTarget::All)
        .await
        .unwrap();
    assert!(relations(&c, "v").await.is_empty());
    verify_passes([&PRIVATE_DOCS]).await;
}
