//! Functions, procedures and triggers, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;

use migrate_core::verify::{ScratchTarget, VerifyOptions, verify};
use migrate_core::{DownTarget, Error};
use migrate_tests::{admin_url, column, int, text};

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

/// `verify` on a scratch database: every derived down restores the schema exactly.
async fn assert_verified(m: &Migrator) {
    let report = verify(
        m,
        ScratchTarget::Server(admin_url().parse().unwrap()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
}

async fn exists(c: &tokio_postgres::Client, signature: &str) -> bool {
    text(
        c,
        &format!("SELECT to_regprocedure('{signature}') IS NOT NULL"),
    )
    .await
    .unwrap()
    .as_deref()
        == Some("t")
}

// ----- functions and procedures ---------------------------------------------------------

fn order_total() -> FunctionDef {
    FunctionDef::new("app.order_total")
        .arg("order_id", BigInt)
        .returns(Numeric(12, 2))
        .language("sql")
        .stable()
        .strict()
        .parallel_safe()
        .body("SELECT coalesce(sum(amount), 0) FROM app.lines WHERE order_id = $1")
}

fn min_max() -> FunctionDef {
    FunctionDef::new("app.min_max")
        .param(FunctionArg::new("xs", Integer.array()).variadic())
        .out_arg("lo", Integer)
        .out_arg("hi", Integer)
        .language("sql")
        .immutable()
        .body("SELECT min(x), max(x) FROM unnest(xs) AS x")
}

fn top_lines() -> FunctionDef {
    FunctionDef::new("app.top_lines")
        .param(FunctionArg::new("lim", Integer).default(Expr::val(2)))
        .returns_table([("order_id", BigInt), ("amount", Numeric(12, 2))])
        .language("sql")
        .stable()
        .body("SELECT order_id, amount FROM app.lines ORDER BY amount DESC LIMIT lim")
}

fn clear_lines() -> FunctionDef {
    FunctionDef::new("app.clear_lines")
        .returns_void()
        .language("plpgsql")
        .security_definer()
        .search_path(["app", "pg_temp"])
        .set("lock_timeout", "2s")
        // `lines` unqualified: found through the pinned search_path.
        .body("BEGIN DELETE FROM lines WHERE amount = 0; END")
}

fn archive(body: &str) -> ProcedureDef {
    ProcedureDef::new("app.archive")
        .arg("below", Numeric(12, 2))
        .param(FunctionArg::new("moved", BigInt).inout())
        .language("plpgsql")
        .body(body)
}

const ARCHIVE_V1: &str = "BEGIN\n  DELETE FROM app.lines WHERE amount < below;\n  GET DIAGNOSTICS moved = ROW_COUNT;\nEND";
const ARCHIVE_V2: &str = "BEGIN\n  moved := -1;\nEND";

fn routines_v1(m: &mut Migration) {
    m.create_schema("app");
    m.create_table("app.lines", |t| {
        t.column("order_id", BigInt).not_null();
        t.column("amount", Numeric(12, 2)).not_null();
    });
    m.create_function(order_total());
    m.create_function(min_max());
    m.create_function(top_lines());
    m.create_function(clear_lines());
    m.create_procedure(archive(ARCHIVE_V1));
}

fn routines_v2(m: &mut Migration) {
    // Same head: CREATE OR REPLACE.
    m.replace_function(
        order_total(),
        order_total()
            .body("SELECT coalesce(sum(amount), 0) * 2 FROM app.lines WHERE order_id = $1"),
    );
    // Another return type: DROP then CREATE (CREATE OR REPLACE refuses it).
    m.replace_function(
        min_max(),
        min_max()
            .out_arg("n", BigInt)
            .body("SELECT min(x), max(x), count(*) FROM unnest(xs) AS x"),
    );
    m.replace_procedure(archive(ARCHIVE_V1), archive(ARCHIVE_V2));
}

fn drop_clear_lines(m: &mut Migration) {
    m.drop_function_with(clear_lines());
}

reg!(ROUTINES_V1, 1, routines_v1);
reg!(ROUTINES_V2, 2, routines_v2);
reg!(DROP_CLEAR_LINES, 3, drop_clear_lines);

#[tokio::test]
async fn functions_and_procedures_are_created_replaced_dropped_and_reverted() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&ROUTINES_V1, &ROUTINES_V2, &DROP_CLEAR_LINES]);

    m.up(&mut c, Target::To(1)).await.unwrap();
    c.batch_execute("INSERT INTO app.lines VALUES (1, 10), (1, 5.5), (2, 0), (2, 3)")
        .await
        .unwrap();
    let v1_checks = async |c: &tokio_postgres::Client| {
        assert_eq!(
            text(c, "SELECT app.order_total(1)")
                .await
                .unwrap()
                .as_deref(),
            Some("15.50")
        );
        assert_eq!(
            text(c, "SELECT lo || ',' || hi FROM app.min_max(3, 1, 2)")
                .await
                .unwrap()
                .as_deref(),
            Some("1,3")
        );
        assert_eq!(
            column(c, "SELECT amount::text FROM app.top_lines()")
                .await
                .unwrap(),
            ["10.00", "5.50"]
        );
    };
    v1_checks(&c).await;
    assert_eq!(
        text(
            &c,
            "SELECT p.prosecdef || ' ' || array_to_string(p.proconfig, ';') \
             FROM pg_proc p WHERE p.oid = 'app.clear_lines()'::regprocedure"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("true search_path=app, pg_temp;lock_timeout=2s")
    );
    // SECURITY DEFINER with its pinned path: `lines` resolves to app.lines.
    c.batch_execute("SELECT app.clear_lines()").await.unwrap();
    assert_eq!(int(&c, "SELECT count(*) FROM app.lines").await.unwrap(), 3);
    assert_eq!(
        text(&c, "CALL app.archive(4, 0)").await.unwrap().as_deref(),
        Some("1")
    );

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        text(&c, "SELECT app.order_total(1)")
            .await
            .unwrap()
            .as_deref(),
        Some("31.00")
    );
    assert_eq!(
        text(
            &c,
            "SELECT lo || ',' || hi || ',' || n FROM app.min_max(3, 1, 2)"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("1,3,3")
    );
    assert_eq!(
        text(&c, "CALL app.archive(4, 0)").await.unwrap().as_deref(),
        Some("-1")
    );
    assert!(!exists(&c, "app.clear_lines()").await);

    // Down two: the function is back, and every replace put back the old definition.
    m.down(&mut c, DownTarget::Steps(2)).await.unwrap();
    assert!(exists(&c, "app.clear_lines()").await);
    c.batch_execute("TRUNCATE app.lines; INSERT INTO app.lines VALUES (1, 10), (1, 5.5)")
        .await
        .unwrap();
    v1_checks(&c).await;
    assert_eq!(
        text(&c, "CALL app.archive(6, 0)").await.unwrap().as_deref(),
        Some("1")
    );

    m.down(&mut c, DownTarget::All).await.unwrap();
    for signature in [
        "app.order_total(bigint)",
        "app.min_max(integer[])",
        "app.top_lines(integer)",
        "app.archive(numeric, bigint)",
    ] {
        assert!(!exists(&c, signature).await, "{signature}");
    }
    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(exists(&c, "app.min_max(integer[])").await);
    assert_verified(&m).await;
}

/// The pitfall the DROP + CREATE rendering avoids: PostgreSQL refuses to change a
/// function's result with `CREATE OR REPLACE`.
fn plain_replace(m: &mut Migration<Manual>) {
    m.unchecked_sql(
        "CREATE OR REPLACE FUNCTION app.min_max(VARIADIC xs integer[], OUT lo integer, \
         OUT hi integer, OUT n bigint) LANGUAGE sql AS $$SELECT 1, 2, 3::bigint$$",
    );
}
reg!(PLAIN_REPLACE, 2, plain_replace, irreversible);

#[tokio::test]
async fn create_or_replace_alone_cannot_change_the_result_type() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = Migrator::new(
        &Migrations::from_registrations([&ROUTINES_V1, &PLAIN_REPLACE]).unwrap(),
        MigratorOptions::new().enforce_lint(false),
    )
    .unwrap();
    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let text = error.to_string();
    let Error::Statement(failure) = error else {
        panic!("expected a statement failure, got {text}");
    };
    assert_eq!(failure.db.code, "42P13", "{text}");
    assert!(text.contains("cannot change return type"), "{text}");
}

// ----- triggers: an aggregate kept by a trigger ------------------------------------------

fn blog(m: &mut Migration) {
    m.create_schema("app");
    m.create_table("app.users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Text).not_null();
        t.column("posts_count", Integer).not_null().default(0);
    });
    m.create_table("app.posts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("user_id", BigInt)
            .not_null()
            .references("app.users", "id");
        t.column("title", Text).not_null();
    });
}

/// Keeps `users.posts_count` for inserts, deletes and posts moved to another user.
fn count_posts() -> FunctionDef {
    FunctionDef::new("app.count_posts")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE app.users SET posts_count = posts_count + 1 WHERE id = NEW.user_id;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE app.users SET posts_count = posts_count - 1 WHERE id = OLD.user_id;
  END IF;
  RETURN NULL;
END",
        )
}

fn posts_count_v1() -> TriggerDef {
    TriggerDef::new("posts_count", "app.posts")
        .after()
        .on_insert()
        .on_delete()
        .for_each_row()
        .execute("app.count_posts")
}

fn posts_count_v2() -> TriggerDef {
    posts_count_v1()
        .on_update_of(["user_id"])
        .when(Expr::cust("pg_trigger_depth() < 1"))
}

fn posts_counted(m: &mut Migration) {
    m.create_function(count_posts());
    m.create_trigger(posts_count_v1());
}

fn posts_moves_counted(m: &mut Migration) {
    m.replace_trigger(posts_count_v1(), posts_count_v2());
}

fn posts_count_paused(m: &mut Migration) {
    m.disable_trigger("app.posts", "posts_count");
}

fn posts_count_renamed(m: &mut Migration) {
    m.rename_trigger("app.posts", "posts_count", "posts_keep_count");
}

reg!(BLOG, 1, blog);
reg!(POSTS_COUNTED, 2, posts_counted);
reg!(POSTS_MOVES_COUNTED, 3, posts_moves_counted);
reg!(POSTS_COUNT_PAUSED, 4, posts_count_paused);
reg!(POSTS_COUNT_RENAMED, 5, posts_count_renamed);

async fn counts(c: &tokio_postgres::Client) -> Vec<String> {
    column(
        c,
        "SELECT name || '=' || posts_count FROM app.users ORDER BY id",
    )
    .await
    .unwrap()
}

async fn trigger_state(c: &tokio_postgres::Client) -> Vec<String> {
    column(
        c,
        "SELECT tgname || ' ' || tgenabled::text FROM pg_trigger \
         WHERE tgrelid = 'app.posts'::regclass AND NOT tgisinternal ORDER BY tgname",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_trigger_maintains_an_aggregate_and_is_reverted_and_re_applied() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([
        &BLOG,
        &POSTS_COUNTED,
        &POSTS_MOVES_COUNTED,
        &POSTS_COUNT_PAUSED,
        &POSTS_COUNT_RENAMED,
    ]);

    m.up(&mut c, Target::To(2)).await.unwrap();
    c.batch_execute(
        "INSERT INTO app.users (name) VALUES ('ann'), ('bob');
         INSERT INTO app.posts (user_id, title) VALUES (1, 'a'), (1, 'b'), (2, 'c');
         DELETE FROM app.posts WHERE title = 'b';",
    )
    .await
    .unwrap();
    assert_eq!(counts(&c).await, ["ann=1", "bob=1"]);
    // v1 does not follow a post moved to another user.
    c.batch_execute("UPDATE app.posts SET user_id = 2 WHERE title = 'a'")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=1", "bob=1"]);

    // v2 does.
    m.up(&mut c, Target::To(3)).await.unwrap();
    c.batch_execute("UPDATE app.posts SET user_id = 1 WHERE title = 'a'")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=2", "bob=0"]);

    // Paused: nothing is counted; the rename keeps it disabled.
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(trigger_state(&c).await, ["posts_keep_count D"]);
    c.batch_execute("INSERT INTO app.posts (user_id, title) VALUES (2, 'd')")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=2", "bob=0"]);

    // Down the rename and the pause: counted again.
    m.down(&mut c, DownTarget::To(3)).await.unwrap();
    assert_eq!(trigger_state(&c).await, ["posts_count O"]);
    c.batch_execute("INSERT INTO app.posts (user_id, title) VALUES (2, 'e')")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=2", "bob=1"]);

    // Down the replace: moves are no longer followed.
    m.down(&mut c, DownTarget::To(2)).await.unwrap();
    assert!(
        text(
            &c,
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'posts_count'"
        )
        .await
        .unwrap()
        .unwrap()
        .contains(
            "AFTER INSERT OR DELETE ON app.posts FOR EACH ROW EXECUTE FUNCTION app.count_posts()"
        )
    );
    c.batch_execute("UPDATE app.posts SET user_id = 1 WHERE title = 'e'")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=2", "bob=1"]);

    // Down the trigger and its function: gone, nothing counted.
    m.down(&mut c, DownTarget::To(1)).await.unwrap();
    assert!(trigger_state(&c).await.is_empty());
    assert!(!exists(&c, "app.count_posts()").await);
    c.batch_execute("INSERT INTO app.posts (user_id, title) VALUES (1, 'f')")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=2", "bob=1"]);

    // Up again: counted again, from where the column stands.
    m.up(&mut c, Target::Latest).await.unwrap();
    m.down(&mut c, DownTarget::To(3)).await.unwrap();
    c.batch_execute("DELETE FROM app.posts WHERE title = 'f'")
        .await
        .unwrap();
    assert_eq!(counts(&c).await, ["ann=1", "bob=1"]);
    assert_verified(&m).await;
}

// ----- triggers: the other forms -------------------------------------------------------

fn log_changes() -> FunctionDef {
    FunctionDef::new("app.log_changes")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN
  INSERT INTO app.log (what, n) SELECT TG_ARGV[0] || ' ' || TG_OP, count(*) FROM new_rows;
  RETURN NULL;
END",
        )
}

fn statement_log() -> TriggerDef {
    TriggerDef::new("users_log", "app.users")
        .after()
        .on_insert()
        .referencing_new_table("new_rows")
        .execute_with("app.log_changes", ["it's"])
}

fn logged(m: &mut Migration) {
    m.create_table("app.log", |t| {
        t.column("what", Text).not_null();
        t.column("n", BigInt).not_null();
    });
    m.create_function(log_changes());
    m.create_trigger(statement_log());
}

fn users_paused(m: &mut Migration) {
    m.disable_user_triggers("app.users");
}

/// Enables the triggers again, then drops one with its definition: the down creates it
/// (enabled), then disables the table's triggers again.
fn unlogged(m: &mut Migration) {
    m.enable_user_triggers("app.users");
    m.drop_trigger_with(statement_log());
}

reg!(LOGGED, 2, logged);
reg!(USERS_PAUSED, 3, users_paused);
reg!(UNLOGGED, 4, unlogged);

async fn log_count(c: &tokio_postgres::Client) -> i64 {
    int(c, "SELECT count(*) FROM app.log").await.unwrap()
}

async fn add_user(c: &tokio_postgres::Client, name: &str) {
    c.execute("INSERT INTO app.users (name) VALUES ($1)", &[&name])
        .await
        .unwrap();
}

#[tokio::test]
async fn transition_tables_arguments_user_triggers_and_drop_with() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&BLOG, &LOGGED, &USERS_PAUSED, &UNLOGGED]);
    m.up(&mut c, Target::To(2)).await.unwrap();
    c.batch_execute("INSERT INTO app.users (name) VALUES ('ann'), ('bob')")
        .await
        .unwrap();
    assert_eq!(
        column(&c, "SELECT what || ':' || n FROM app.log")
            .await
            .unwrap(),
        ["it's INSERT:2"]
    );
    let state = "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'users_log'";

    m.up(&mut c, Target::To(3)).await.unwrap();
    assert_eq!(text(&c, state).await.unwrap().as_deref(), Some("D"));
    add_user(&c, "cy").await;
    assert_eq!(log_count(&c).await, 1);

    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(column(&c, state).await.unwrap().is_empty());
    add_user(&c, "dee").await;
    assert_eq!(log_count(&c).await, 1);

    // Back one: the trigger is re-created, and disabled again with the others.
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(text(&c, state).await.unwrap().as_deref(), Some("D"));
    add_user(&c, "eve").await;
    assert_eq!(log_count(&c).await, 1);

    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(text(&c, state).await.unwrap().as_deref(), Some("O"));
    add_user(&c, "fay").await;
    assert_eq!(log_count(&c).await, 2);

    m.down(&mut c, DownTarget::All).await.unwrap();
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_verified(&m).await;
}

// ----- the one-way forms: OR REPLACE, IF EXISTS ------------------------------------------

fn now_utc(body: &str) -> FunctionDef {
    FunctionDef::new("app.now_utc")
        .returns(Timestamp)
        .language("sql")
        .stable()
        .body(body)
}

fn one_way_forms(m: &mut Migration<Manual>) {
    m.create_schema("app");
    m.create_or_replace_function(now_utc("SELECT now() AT TIME ZONE 'utc'"));
    // Again, over the existing one.
    m.create_or_replace_function(now_utc("SELECT timezone('utc', now())"));
}
reg!(ONE_WAY_FORMS, 1, one_way_forms, irreversible);

fn tolerant_drops(m: &mut Migration<Manual>) {
    m.create_table("app.t", |t| {
        t.column("a", Integer);
    });
    m.drop_trigger_if_exists("app.t", "never_there");
    // PostgreSQL accepts a missing table too (with a notice).
    m.drop_trigger_if_exists("app.no_such_table", "never_there");
    m.drop_function_if_exists("app.never_there", [Integer]);
    m.drop_function_if_exists("app.now_utc", []);
}
reg!(TOLERANT_DROPS, 2, tolerant_drops, irreversible);

#[tokio::test]
async fn or_replace_and_if_exists_forms_run_one_way() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&ONE_WAY_FORMS, &TOLERANT_DROPS])
        .up(&mut c, Target::To(1))
        .await
        .unwrap();
    assert!(
        text(&c, "SELECT prosrc FROM pg_proc WHERE proname = 'now_utc'")
            .await
            .unwrap()
            .unwrap()
            .contains("timezone('utc', now())")
    );
    migrator([&ONE_WAY_FORMS, &TOLERANT_DROPS])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert!(!exists(&c, "app.now_utc()").await);
}

// ----- DROP + CREATE refused while something depends on the function ----------------------

fn totals_view(m: &mut Migration<Manual>) {
    m.unchecked_sql("CREATE VIEW app.totals AS SELECT app.order_total(1) AS total");
}
reg!(TOTALS_VIEW, 2, totals_view, irreversible);

fn total_as_bigint(m: &mut Migration) {
    m.replace_function(order_total(), order_total().returns(BigInt));
}
reg!(TOTAL_AS_BIGINT, 3, total_as_bigint);

#[tokio::test]
async fn a_head_change_is_refused_while_a_view_depends_on_the_function() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = Migrator::new(
        &Migrations::from_registrations([&ROUTINES_V1, &TOTALS_VIEW, &TOTAL_AS_BIGINT]).unwrap(),
        MigratorOptions::new().enforce_lint(false),
    )
    .unwrap();
    m.up(&mut c, Target::To(2)).await.unwrap();
    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let text_of = error.to_string();
    let Error::Statement(failure) = error else {
        panic!("expected a statement failure, got {text_of}");
    };
    // 2BP01: dependent objects still exist. The transaction rolled back: nothing changed.
    assert_eq!(failure.db.code, "2BP01", "{text_of}");
    assert_eq!(
        text(
            &c,
            "SELECT pg_get_function_result('app.order_total(bigint)'::regprocedure)"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("numeric")
    );
}

// ----- INSTEAD OF on a view ------------------------------------------------------------

fn feed_insert() -> FunctionDef {
    FunctionDef::new("app.feed_insert")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN
  INSERT INTO app.posts (user_id, title) VALUES (NEW.user_id, upper(NEW.title));
  RETURN NEW;
END",
        )
}

fn feed(m: &mut Migration) {
    m.reversible(
        |up| {
            up.unchecked_sql("CREATE VIEW app.feed AS SELECT user_id, title FROM app.posts");
        },
        |down| {
            down.unchecked_sql("DROP VIEW app.feed");
        },
    );
    m.create_function(feed_insert());
    m.create_trigger(
        TriggerDef::new("feed_insert", "app.feed")
            .instead_of()
            .on_insert()
            .for_each_row()
            .execute("app.feed_insert"),
    );
}
reg!(FEED, 2, feed);

#[tokio::test]
async fn an_instead_of_trigger_makes_a_view_insertable() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = Migrator::new(
        &Migrations::from_registrations([&BLOG, &FEED]).unwrap(),
        MigratorOptions::new().enforce_lint(false),
    )
    .unwrap();
    m.up(&mut c, Target::Latest).await.unwrap();
    c.batch_execute(
        "INSERT INTO app.users (name) VALUES ('ann');
         INSERT INTO app.feed (user_id, title) VALUES (1, 'hello')",
    )
    .await
    .unwrap();
    assert_eq!(
        column(&c, "SELECT title FROM app.posts").await.unwrap(),
        ["HELLO"]
    );
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert!(!exists(&c, "app.feed_insert()").await);
    m.up(&mut c, Target::Latest).await.unwrap();
    c.batch_execute("INSERT INTO app.feed (user_id, title) VALUES (1, 'again')")
        .await
        .unwrap();
    assert_eq!(int(&c, "SELECT count(*) FROM app.posts").await.unwrap(), 2);
}

// ----- renames ------------------------------------------------------------------------

fn renamed(m: &mut Migration) {
    m.rename_function("app.order_total", [BigInt], "order_sum");
    m.rename_procedure("app.archive", [Numeric(12, 2), BigInt], "archive_old");
}
reg!(RENAMED, 2, renamed);

#[tokio::test]
async fn functions_and_procedures_are_renamed_and_back() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&ROUTINES_V1, &RENAMED]);
    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(exists(&c, "app.order_sum(bigint)").await);
    assert!(exists(&c, "app.archive_old(numeric, bigint)").await);
    assert!(!exists(&c, "app.order_total(bigint)").await);
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert!(exists(&c, "app.order_total(bigint)").await);
    assert!(exists(&c, "app.archive(numeric, bigint)").await);
    assert!(!exists(&c, "app.order_sum(bigint)").await);
    assert_verified(&m).await;
}

// ----- CASCADE ------------------------------------------------------------------------

fn count_posts_dropped(m: &mut Migration<Manual>) {
    m.drop_function_cascade("app.count_posts", []);
}
reg!(COUNT_POSTS_DROPPED, 3, count_posts_dropped, irreversible);

#[tokio::test]
async fn a_cascade_drop_takes_the_functions_triggers_with_it() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&BLOG, &POSTS_COUNTED, &COUNT_POSTS_DROPPED]);
    m.up(&mut c, Target::To(2)).await.unwrap();
    assert_eq!(trigger_state(&c).await, ["posts_count O"]);
    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(trigger_state(&c).await.is_empty());
    assert!(!exists(&c, "app.count_posts()").await);
}
