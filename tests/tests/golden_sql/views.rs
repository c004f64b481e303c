//! Views and materialized views, and comments: golden SQL both ways, and pinned checksums.

use migrate_core::prelude::*;
use sea_query::Query;

fn sql<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> (Vec<String>, Vec<String>) {
    let plan = migrate_core::plan::preview(f).unwrap();
    let own = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    (own(plan.up_sql()), own(plan.down_sql()))
}

// ----- views --------------------------------------------------------------------------

/// `security_invoker` joins `security_barrier` in the view's `WITH (..)`; the down is
/// the same drop.
#[test]
fn security_invoker_views() {
    fn invoker(m: &mut Migration) {
        m.create_view("my_docs", "SELECT id FROM docs")
            .security_invoker();
        m.create_view("my_rows", "SELECT id FROM app.rows")
            .security_barrier()
            .security_invoker();
    }
    let (up, down) = sql(invoker);
    assert_eq!(
        up,
        [
            r#"CREATE VIEW "my_docs" WITH (security_invoker) AS SELECT id FROM docs"#,
            r#"CREATE VIEW "my_rows" WITH (security_barrier, security_invoker) AS SELECT id FROM app.rows"#,
        ]
    );
    assert_eq!(down, [r#"DROP VIEW "my_rows""#, r#"DROP VIEW "my_docs""#]);
}

pub(crate) fn create_views(m: &mut Migration) {
    m.create_view(
        "app.active_users",
        "SELECT id, email FROM app.users WHERE active;\n",
    );
    m.create_view(
        "app.own_rows",
        "SELECT id, owner FROM app.rows WHERE owner = current_user",
    )
    .columns(["row_id", "owner"])
    .security_barrier()
    .check_option(CheckOption::Cascaded);
    m.create_view(
        "recent_posts",
        Query::select()
            .columns(["id", "title"])
            .from("posts")
            .and_where(Expr::col("published").eq(true))
            .order_by("id", sea_query::Order::Desc)
            .limit(10),
    )
    .check_option(CheckOption::Local);
    m.rename_view("app.active_users", "live_users");
}

#[test]
fn views_are_created_renamed_and_dropped_back() {
    let (up, down) = sql(create_views);
    assert_eq!(
        up,
        [
            r#"CREATE VIEW "app"."active_users" AS SELECT id, email FROM app.users WHERE active"#,
            r#"CREATE VIEW "app"."own_rows" ("row_id", "owner") WITH (security_barrier) AS SELECT id, owner FROM app.rows WHERE owner = current_user WITH CASCADED CHECK OPTION"#,
            r#"CREATE VIEW "recent_posts" AS SELECT "id", "title" FROM "posts" WHERE "published" = TRUE ORDER BY "id" DESC LIMIT 10 WITH LOCAL CHECK OPTION"#,
            r#"ALTER VIEW "app"."active_users" RENAME TO "live_users""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"ALTER VIEW "app"."live_users" RENAME TO "active_users""#,
            r#"DROP VIEW "recent_posts""#,
            r#"DROP VIEW "app"."own_rows""#,
            r#"DROP VIEW "app"."active_users""#,
        ]
    );
}

pub(crate) fn drop_views(m: &mut Migration) {
    m.drop_view_with("app.own_rows", "SELECT id, owner FROM app.rows")
        .columns(["row_id", "owner"])
        .security_barrier();
}

#[test]
fn a_view_dropped_with_its_definition_is_created_back() {
    let (up, down) = sql(drop_views);
    assert_eq!(up, [r#"DROP VIEW "app"."own_rows""#]);
    assert_eq!(
        down,
        [
            r#"CREATE VIEW "app"."own_rows" ("row_id", "owner") WITH (security_barrier) AS SELECT id, owner FROM app.rows"#
        ]
    );
}

pub(crate) fn replace_views(m: &mut Migration) {
    m.replace_view(
        "active_users",
        "SELECT id FROM users WHERE active",
        "SELECT id, email FROM users WHERE active",
    );
    m.replace_view(
        "app.own_rows",
        "SELECT id FROM app.rows WHERE owner = current_user",
        "SELECT id FROM app.rows WHERE owner = current_user AND NOT hidden",
    )
    .same_columns()
    .old_view(|v| {
        v.columns(["row_id"]).security_barrier();
    })
    .new_view(|v| {
        v.columns(["row_id"])
            .security_barrier()
            .check_option(CheckOption::Local);
    });
}

/// `CREATE OR REPLACE VIEW` cannot drop the columns a replacement added: the down drops
/// the view and creates the old one, unless both have the same columns.
#[test]
fn a_replaced_view_comes_back_by_drop_and_create_or_by_replace() {
    let (up, down) = sql(replace_views);
    assert_eq!(
        up,
        [
            r#"CREATE OR REPLACE VIEW "active_users" AS SELECT id, email FROM users WHERE active"#,
            r#"CREATE OR REPLACE VIEW "app"."own_rows" ("row_id") WITH (security_barrier) AS SELECT id FROM app.rows WHERE owner = current_user AND NOT hidden WITH LOCAL CHECK OPTION"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"CREATE OR REPLACE VIEW "app"."own_rows" ("row_id") WITH (security_barrier) AS SELECT id FROM app.rows WHERE owner = current_user"#,
            r#"DROP VIEW "active_users""#,
            r#"CREATE VIEW "active_users" AS SELECT id FROM users WHERE active"#,
        ]
    );
    // The drop and the create are one transaction with the rest of the down.
    let plan = migrate_core::plan::preview(replace_views).unwrap();
    assert_eq!(plan.down.unwrap().units.len(), 1);
}

// ----- materialized views -------------------------------------------------------------

pub(crate) fn materialized_views(m: &mut Migration) {
    m.create_materialized_view(
        "app.post_counts",
        "SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id",
    )
    .columns(["author_id", "posts"]);
    m.create_index("post_counts_author", "app.post_counts", ["author_id"])
        .unique();
    m.create_materialized_view("daily", "SELECT now()::date AS day")
        .with_no_data();
    m.refresh_materialized_view("daily");
    m.refresh_materialized_view_concurrently("app.post_counts");
    m.rename_materialized_view("daily", "today");
}

#[test]
fn materialized_views_are_created_refreshed_renamed_and_dropped_back() {
    let (up, down) = sql(materialized_views);
    assert_eq!(
        up,
        [
            r#"CREATE MATERIALIZED VIEW "app"."post_counts" ("author_id", "posts") AS SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id"#,
            r#"CREATE UNIQUE INDEX "post_counts_author" ON "app"."post_counts" ("author_id")"#,
            r#"CREATE MATERIALIZED VIEW "daily" AS SELECT now()::date AS day WITH NO DATA"#,
            r#"REFRESH MATERIALIZED VIEW "daily""#,
            r#"REFRESH MATERIALIZED VIEW CONCURRENTLY "app"."post_counts""#,
            r#"ALTER MATERIALIZED VIEW "daily" RENAME TO "today""#,
        ]
    );
    // A refresh has nothing to undo.
    assert_eq!(
        down,
        [
            r#"ALTER MATERIALIZED VIEW "today" RENAME TO "daily""#,
            r#"DROP MATERIALIZED VIEW "daily""#,
            r#"DROP INDEX "app"."post_counts_author""#,
            r#"DROP MATERIALIZED VIEW "app"."post_counts""#,
        ]
    );
    // REFRESH .. CONCURRENTLY runs in a transaction block: one unit.
    let plan = migrate_core::plan::preview(materialized_views).unwrap();
    assert_eq!(plan.up.units.len(), 1);
}

pub(crate) fn drop_materialized_views(m: &mut Migration) {
    m.drop_index_with("post_counts_author", "post_counts", ["author_id"])
        .unique();
    m.drop_materialized_view_with(
        "post_counts",
        "SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id",
    );
    m.drop_materialized_view_with("daily", "SELECT now()::date AS day")
        .with_no_data();
}

#[test]
fn a_materialized_view_dropped_with_its_definition_is_created_back() {
    let (up, down) = sql(drop_materialized_views);
    assert_eq!(
        up,
        [
            r#"DROP INDEX "post_counts_author""#,
            r#"DROP MATERIALIZED VIEW "post_counts""#,
            r#"DROP MATERIALIZED VIEW "daily""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"CREATE MATERIALIZED VIEW "daily" AS SELECT now()::date AS day WITH NO DATA"#,
            r#"CREATE MATERIALIZED VIEW "post_counts" AS SELECT author_id, count(*) AS posts FROM posts GROUP BY author_id"#,
            r#"CREATE UNIQUE INDEX "post_counts_author" ON "post_counts" ("author_id")"#,
        ]
    );
}

// ----- comments -----------------------------------------------------------------------

pub(crate) fn comments(m: &mut Migration) {
    m.change_comment(
        CommentTarget::table("app.users"),
        None,
        Some("People who log in"),
    );
    m.change_comment(
        CommentTarget::column("app.users", "email"),
        Some("old"),
        Some("Unique; lower case"),
    );
    m.change_comment(
        CommentTarget::index("app.users_email_idx"),
        None,
        Some("login"),
    );
    m.change_comment(CommentTarget::view("active_users"), Some("it's live"), None);
    m.change_comment(
        CommentTarget::materialized_view("post_counts"),
        None,
        Some("refreshed hourly"),
    );
    m.change_comment(CommentTarget::sequence("ticket_seq"), None, Some("tickets"));
    m.change_comment(
        CommentTarget::function("app.total", [Integer, Text.array()]),
        None,
        Some("sum"),
    );
    m.change_comment(
        CommentTarget::function("app.now_utc", []),
        None,
        Some("utc"),
    );
    m.change_comment(
        CommentTarget::procedure("app.archive", [BigInt]),
        None,
        Some("moves old rows"),
    );
    m.change_comment(CommentTarget::schema("app"), None, Some("the application"));
    m.change_comment(CommentTarget::ty("app.mood"), None, Some(r"C:\moods"));
}

#[test]
fn comments_are_set_and_put_back() {
    let (up, down) = sql(comments);
    assert_eq!(
        up,
        [
            r#"COMMENT ON TABLE "app"."users" IS 'People who log in'"#,
            r#"COMMENT ON COLUMN "app"."users"."email" IS 'Unique; lower case'"#,
            r#"COMMENT ON INDEX "app"."users_email_idx" IS 'login'"#,
            r#"COMMENT ON VIEW "active_users" IS NULL"#,
            r#"COMMENT ON MATERIALIZED VIEW "post_counts" IS 'refreshed hourly'"#,
            r#"COMMENT ON SEQUENCE "ticket_seq" IS 'tickets'"#,
            r#"COMMENT ON FUNCTION "app"."total"(integer, text[]) IS 'sum'"#,
            r#"COMMENT ON FUNCTION "app"."now_utc"() IS 'utc'"#,
            r#"COMMENT ON PROCEDURE "app"."archive"(bigint) IS 'moves old rows'"#,
            r#"COMMENT ON SCHEMA "app" IS 'the application'"#,
            r#"COMMENT ON TYPE "app"."mood" IS E'C:\\moods'"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"COMMENT ON TYPE "app"."mood" IS NULL"#,
            r#"COMMENT ON SCHEMA "app" IS NULL"#,
            r#"COMMENT ON PROCEDURE "app"."archive"(bigint) IS NULL"#,
            r#"COMMENT ON FUNCTION "app"."now_utc"() IS NULL"#,
            r#"COMMENT ON FUNCTION "app"."total"(integer, text[]) IS NULL"#,
            r#"COMMENT ON SEQUENCE "ticket_seq" IS NULL"#,
            r#"COMMENT ON MATERIALIZED VIEW "post_counts" IS NULL"#,
            r#"COMMENT ON VIEW "active_users" IS E'it\'s live'"#,
            r#"COMMENT ON INDEX "app"."users_email_idx" IS NULL"#,
            r#"COMMENT ON COLUMN "app"."users"."email" IS 'old'"#,
            r#"COMMENT ON TABLE "app"."users" IS NULL"#,
        ]
    );
}

pub(crate) fn comments_on_constraints_and_triggers(m: &mut Migration) {
    m.change_comment(
        CommentTarget::constraint("app.users", "users_email_key"),
        None,
        Some("one account per address"),
    );
    m.change_comment(
        CommentTarget::trigger("posts", "posts_touch"),
        Some("old"),
        Some("keeps updated_at"),
    );
}

#[test]
fn comments_on_constraints_and_triggers_name_their_table() {
    let (up, down) = sql(comments_on_constraints_and_triggers);
    assert_eq!(
        up,
        [
            r#"COMMENT ON CONSTRAINT "users_email_key" ON "app"."users" IS 'one account per address'"#,
            r#"COMMENT ON TRIGGER "posts_touch" ON "posts" IS 'keeps updated_at'"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"COMMENT ON TRIGGER "posts_touch" ON "posts" IS 'old'"#,
            r#"COMMENT ON CONSTRAINT "users_email_key" ON "app"."users" IS NULL"#,
        ]
    );
}

// ----- names --------------------------------------------------------------------------

pub(crate) fn weird_view_names(m: &mut Migration) {
    m.create_view(r#"we"ird.v"w"#, "SELECT 1 AS one")
        .columns([r#"o"ne"#]);
    m.create_materialized_view(r#"we"ird.m"v"#, "SELECT 1 AS one");
    m.change_comment(
        CommentTarget::column(r#"we"ird.v"w"#, r#"o"ne"#),
        None,
        Some("1"),
    );
}

#[test]
fn view_and_comment_names_are_quoted() {
    let (up, down) = sql(weird_view_names);
    assert_eq!(
        up,
        [
            r#"CREATE VIEW "we""ird"."v""w" ("o""ne") AS SELECT 1 AS one"#,
            r#"CREATE MATERIALIZED VIEW "we""ird"."m""v" AS SELECT 1 AS one"#,
            r#"COMMENT ON COLUMN "we""ird"."v""w"."o""ne" IS '1'"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"COMMENT ON COLUMN "we""ird"."v""w"."o""ne" IS NULL"#,
            r#"DROP MATERIALIZED VIEW "we""ird"."m""v""#,
            r#"DROP VIEW "we""ird"."v""w""#,
        ]
    );
}

/// A clause after a query that ends in a `--` comment goes on a line of its own.
pub(crate) fn commented_queries(m: &mut Migration) {
    m.create_view("v", "SELECT id FROM t -- the ids")
        .check_option(CheckOption::Local);
    m.create_materialized_view("m", "SELECT id FROM t -- the ids\n")
        .with_no_data();
}

#[test]
fn a_clause_after_a_commented_query_is_not_swallowed() {
    let (up, _) = sql(commented_queries);
    assert_eq!(
        up,
        [
            "CREATE VIEW \"v\" AS SELECT id FROM t -- the ids\nWITH LOCAL CHECK OPTION",
            "CREATE MATERIALIZED VIEW \"m\" AS SELECT id FROM t -- the ids\nWITH NO DATA",
        ]
    );
}

// ----- one-way forms ------------------------------------------------------------------

pub(crate) fn one_way_views(m: &mut Migration<Manual>) {
    m.drop_view("a");
    m.drop_view_if_exists("app.b");
    m.drop_view_cascade("c");
    m.create_or_replace_view("d", "SELECT 1 AS one")
        .check_option(CheckOption::Local);
    m.drop_materialized_view("e");
    m.drop_materialized_view_if_exists("app.f");
    m.drop_materialized_view_cascade("g");
    m.set_comment(CommentTarget::table("users"), Some("people"));
    m.set_comment(CommentTarget::column("users", "email"), None);
}

#[test]
fn one_way_view_and_comment_steps() {
    let (up, down) = sql(one_way_views);
    assert_eq!(
        up,
        [
            r#"DROP VIEW "a""#,
            r#"DROP VIEW IF EXISTS "app"."b""#,
            r#"DROP VIEW "c" CASCADE"#,
            r#"CREATE OR REPLACE VIEW "d" AS SELECT 1 AS one WITH LOCAL CHECK OPTION"#,
            r#"DROP MATERIALIZED VIEW "e""#,
            r#"DROP MATERIALIZED VIEW IF EXISTS "app"."f""#,
            r#"DROP MATERIALIZED VIEW "g" CASCADE"#,
            r#"COMMENT ON TABLE "users" IS 'people'"#,
            r#"COMMENT ON COLUMN "users"."email" IS NULL"#,
        ]
    );
    assert!(down.is_empty());
    let plan = migrate_core::plan::preview(one_way_views).unwrap();
    let kinds: Vec<&str> = plan.up.steps.iter().map(|s| s.kind()).collect();
    assert_eq!(
        kinds,
        [
            "drop_view",
            "drop_view_if_exists",
            "drop_view_cascade",
            "create_or_replace_view",
            "drop_materialized_view",
            "drop_materialized_view_if_exists",
            "drop_materialized_view_cascade",
            "set_comment",
            "set_comment",
        ]
    );
    // None of them has an inverse.
    assert!(plan.up.steps.iter().all(|s| s.inverse().is_none()));
}

/// Paired with a hand-written down inside `reversible`, the one-way forms are fine in a
/// reversible migration.
pub(crate) fn paired_views(m: &mut Migration) {
    m.reversible(
        |up| {
            up.drop_view_cascade("report");
            up.set_comment(CommentTarget::table("users"), Some("people"));
        },
        |down| {
            down.create_view("report", "SELECT id FROM users");
            down.set_comment(CommentTarget::table("users"), None);
        },
    );
}

#[test]
fn one_way_view_steps_paired_with_their_down() {
    let (up, down) = sql(paired_views);
    assert_eq!(
        up,
        [
            r#"DROP VIEW "report" CASCADE"#,
            r#"COMMENT ON TABLE "users" IS 'people'"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"CREATE VIEW "report" AS SELECT id FROM users"#,
            r#"COMMENT ON TABLE "users" IS NULL"#,
        ]
    );
}

// ----- checks -------------------------------------------------------------------------

#[test]
fn bad_view_and_comment_steps_are_problems() {
    fn bad(m: &mut Migration<Manual>) {
        m.create_view("", " ;");
        m.create_materialized_view("m", "SELECT 1 AS a, 2 AS b")
            .columns(["a", "a"]);
        m.rename_view("v", "");
        m.set_comment(CommentTarget::column("t", ""), Some("nul \0 here"));
        m.refresh_materialized_view("x".repeat(64));
        m.create_view("two", "SELECT 1; DROP TABLE users");
        m.create_view("fine", "SELECT ';' AS semicolon -- ;");
    }
    let err = migrate_core::plan::preview(bad).unwrap_err().to_string();
    for expected in [
        "view ``: the name is empty",
        "the query of view `` is empty",
        "column `a` is named twice",
        "new view name ``",
        "column ``",
        "NUL character",
        "materialized view `xxxx",
        "the query of view `two` holds a `;`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in {err}");
    }
    assert!(!err.contains("`fine`"), "{err}");
}

// ----- checksums ----------------------------------------------------------------------

fn checksum_of<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration above hashes to a fixed digest (see `checksums.rs`): a
/// change to the serialization of these steps is a break.
#[test]
fn every_golden_view_migration_has_a_pinned_checksum() {
    let actual = [
        ("create_views", checksum_of(create_views)),
        ("drop_views", checksum_of(drop_views)),
        ("replace_views", checksum_of(replace_views)),
        ("materialized_views", checksum_of(materialized_views)),
        (
            "drop_materialized_views",
            checksum_of(drop_materialized_views),
        ),
        ("comments", checksum_of(comments)),
        ("weird_view_names", checksum_of(weird_view_names)),
        ("one_way_views", checksum_of(one_way_views)),
        ("paired_views", checksum_of(paired_views)),
        ("commented_queries", checksum_of(commented_queries)),
        (
            "comments_on_constraints_and_triggers",
            checksum_of(comments_on_constraints_and_triggers),
        ),
    ];
    let pinned: [(&str, &str); 11] = [
        (
            "create_views",
            "363b73a6a2fffdb79ba1162ead7da12e42111faecfc97dd50d54252668775e59",
        ),
        (
            "drop_views",
            "b2eeffffecd7c059c86ba0c29adc9897efcd8be2601ed6d30d299931a4edfb52",
        ),
        (
            "replace_views",
            "f800f34b562e059d2e120e6fc994da4d4388e501389515c15fbefb7e0b5999f9",
        ),
        (
            "materialized_views",
            "759cd7176314926e6c0e4fcf772162e687a50c76ac618deac0a3dd788022e69f",
        ),
        (
            "drop_materialized_views",
            "17e427c96ce7f023da5abb50632565278f2b07a73ac6db7e609a96242addf433",
        ),
        (
            "comments",
            "3324944f3dd09f1155e34a1a42dcc55fac89822361dda338b4358d5af4183bf1",
        ),
        (
            "weird_view_names",
            "0654c356e7bace486a5c35336a2fa3d0f28711785802325c1807852704897a97",
        ),
        (
            "one_way_views",
            "14fd131d546214001222af5727d32b40c1c1df55b0f97434dfff3af67141e5e9",
        ),
        (
            "paired_views",
            "2c1facfa7b079fe7770d02600c7372d91a3748d77e01b3e18776ef989e00fa6d",
        ),
        (
            "commented_queries",
            "be4f4c78b59c0409b0f35d86fb005b1a3b5d6202072fb833c9a712f8abe49240",
        ),
        (
            "comments_on_constraints_and_triggers",
            "8d877e313d2cb2d74988acc28efed6ef3b36422d9a8f729fe37d5c27f4053bf3",
        ),
    ];
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, c)| (*n, c.as_str())).collect();
    assert_eq!(actual, pinned);
}

/// The SQL text and the sea-query form of a query are hashed as their rendered text.
#[test]
fn a_query_is_hashed_as_its_rendered_text() {
    fn text(m: &mut Migration) {
        m.create_view("v", r#"SELECT "id" FROM "users""#);
    }
    fn built(m: &mut Migration) {
        m.create_view("v", Query::select().column("id").from("users"));
    }
    fn other(m: &mut Migration) {
        m.create_view("v", r#"SELECT "id" FROM "posts""#);
    }
    assert_eq!(checksum_of(text), checksum_of(built));
    assert_ne!(checksum_of(text), checksum_of(other));
}
