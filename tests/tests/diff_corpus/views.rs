//! Views, materialized views, comments, row level security and policies.

use super::{Pair, run};

/// Tables both sides share (the tables family's business, not this one's).
const USERS: &str = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, \
     active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now()); \
     CREATE TABLE orders (id integer PRIMARY KEY, user_id integer NOT NULL, \
     total numeric(10,2) NOT NULL);";

/// A role both sides use; roles are cluster-wide, so it is created once, whichever
/// pair gets there first.
const ROLE: &str = "DO $$ BEGIN CREATE ROLE h14_views_reader; \
     EXCEPTION WHEN duplicate_object THEN NULL; END $$;";

fn with(shared: &str, sql: &str) -> String {
    format!("{shared}\n{sql}")
}

fn has(code: &str, needle: &str) {
    assert!(code.contains(needle), "missing `{needle}` in:\n{code}");
}

#[tokio::test]
async fn p065_view_created() {
    let a = with(USERS, "");
    let b = with(
        USERS,
        "CREATE VIEW active_users AS SELECT id, email FROM users \
         WHERE active AND email LIKE '%@%';",
    );
    let out = run(Pair::new("p065_view_created", &a, &b)).await;
    has(&out.code, "m.create_view(\n        \"active_users\",");
}

#[tokio::test]
async fn p066_view_dropped() {
    let a = with(
        USERS,
        "CREATE VIEW big_orders AS SELECT o.id, u.email, o.total FROM orders o \
         JOIN users u ON u.id = o.user_id WHERE o.total > 100;",
    );
    let b = with(USERS, "");
    let out = run(Pair::new("p066_view_dropped", &a, &b)).await;
    has(&out.code, "m.drop_view_with(\n        \"big_orders\",");
}

#[tokio::test]
async fn p067_view_replaced() {
    let a = with(
        USERS,
        "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active; \
         CREATE VIEW user_emails AS SELECT id, email FROM users;",
    );
    let b = with(
        USERS,
        "CREATE VIEW active_users AS SELECT id, email FROM users \
         WHERE active AND created_at > '2020-01-01'; \
         CREATE VIEW user_emails AS SELECT id, email, created_at FROM users;",
    );
    let out = run(Pair::new("p067_view_replaced", &a, &b)).await;
    has(&out.code, "m.replace_view(\n        \"active_users\",");
    has(&out.code, ".same_columns();");
    has(&out.code, "m.replace_view(\n        \"user_emails\",");
    assert!(!out.code.contains("drop_view"), "{}", out.code);
}

#[tokio::test]
async fn p068_view_changed_incompatibly() {
    // `totals` changes a column's type, which CREATE OR REPLACE cannot do: it is
    // dropped and created again, and so is `top_totals`, which reads it.
    let a = with(
        USERS,
        "CREATE VIEW totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id; \
         CREATE VIEW top_totals AS SELECT user_id FROM totals WHERE total > 1000; \
         CREATE VIEW ids AS SELECT id, email FROM users;",
    );
    let b = with(
        USERS,
        "CREATE VIEW totals AS SELECT user_id, sum(total)::bigint AS total FROM orders \
         GROUP BY user_id; \
         CREATE VIEW top_totals AS SELECT user_id FROM totals WHERE total > 1000; \
         CREATE VIEW ids AS SELECT id FROM users;",
    );
    let out = run(Pair::new("p068_view_changed_incompatibly", &a, &b)).await;
    let drop_top = out
        .code
        .find("m.drop_view_with(\n        \"top_totals\"")
        .unwrap();
    let drop_totals = out
        .code
        .find("m.drop_view_with(\n        \"totals\"")
        .unwrap();
    let create_totals = out.code.find("m.create_view(\n        \"totals\"").unwrap();
    let create_top = out
        .code
        .find("m.create_view(\n        \"top_totals\"")
        .unwrap();
    assert!(drop_top < drop_totals && drop_totals < create_totals && create_totals < create_top);
    has(&out.code, "m.drop_view_with(\n        \"ids\"");
}

#[tokio::test]
async fn p069_views_over_views_in_a_schema() {
    let shared = "CREATE SCHEMA reporting; \
         CREATE TABLE reporting.events (id bigint PRIMARY KEY, kind text NOT NULL, \
         at timestamptz NOT NULL);";
    let a = with(
        shared,
        "CREATE VIEW reporting.old_events AS SELECT id FROM reporting.events; \
         CREATE VIEW reporting.old_counts AS SELECT count(*) AS n FROM reporting.old_events;",
    );
    let b = with(
        shared,
        "CREATE VIEW reporting.logins AS SELECT id, at FROM reporting.events \
         WHERE kind = 'login'; \
         CREATE VIEW reporting.a_daily_logins AS SELECT date_trunc('day', at) AS day, \
         count(*) AS logins FROM reporting.logins GROUP BY 1;",
    );
    let out = run(Pair::new("p069_views_over_views_in_a_schema", &a, &b)).await;
    let logins = out.code.find("\"reporting.logins\"").unwrap();
    let daily = out.code.find("\"reporting.a_daily_logins\"").unwrap();
    assert!(logins < daily, "{}", out.code);
    let counts = out.code.find("\"reporting.old_counts\"").unwrap();
    let events = out.code.find("\"reporting.old_events\"").unwrap();
    assert!(counts < events, "{}", out.code);
}

#[tokio::test]
async fn p070_materialized_views() {
    let a = with(
        USERS,
        "CREATE MATERIALIZED VIEW order_counts AS SELECT user_id, count(*) AS orders \
         FROM orders GROUP BY user_id;",
    );
    let b = with(
        USERS,
        "CREATE MATERIALIZED VIEW user_totals AS SELECT user_id, sum(total) AS total \
         FROM orders GROUP BY user_id; \
         CREATE MATERIALIZED VIEW later AS SELECT id FROM users WITH NO DATA;",
    );
    let out = run(Pair::new("p070_materialized_views", &a, &b)).await;
    has(
        &out.code,
        "m.drop_materialized_view_with(\n        \"order_counts\",",
    );
    has(
        &out.code,
        "m.create_materialized_view(\n        \"user_totals\",",
    );
    has(&out.code, ".with_no_data();");
}

#[tokio::test]
async fn p071_view_options() {
    let a = with(
        USERS,
        "CREATE VIEW emails AS SELECT id, email FROM users WITH LOCAL CHECK OPTION;",
    );
    let b = with(
        USERS,
        "CREATE VIEW emails WITH (security_barrier) AS SELECT id, email FROM users; \
         CREATE VIEW my_orders WITH (security_invoker) AS SELECT id, total FROM orders \
         WHERE total > 0 WITH CASCADED CHECK OPTION;",
    );
    let out = run(Pair::new("p071_view_options", &a, &b)).await;
    has(
        &out.code,
        ".old_view(|v| {\n        v.check_option(CheckOption::Local);",
    );
    has(&out.code, ".new_view(|v| {\n        v.security_barrier();");
    has(
        &out.code,
        ".security_invoker()\n    .check_option(CheckOption::Cascaded);",
    );
}

#[tokio::test]
async fn p072_comments() {
    let shared = with(
        USERS,
        "CREATE SCHEMA app; CREATE SEQUENCE app.tickets; \
         CREATE TYPE app.mood AS ENUM ('ok', 'sad'); \
         CREATE INDEX users_email ON users (email); \
         ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0); \
         CREATE FUNCTION app.add_one(i integer, note character varying) RETURNS integer \
         LANGUAGE sql AS 'SELECT i + 1'; \
         CREATE PROCEDURE app.touch() LANGUAGE sql AS 'SELECT 1'; \
         CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;",
    );
    let a = with(
        &shared,
        "COMMENT ON TABLE users IS 'People'; \
         COMMENT ON COLUMN users.email IS 'Login'; \
         COMMENT ON VIEW active_users IS 'Who may log in'; \
         COMMENT ON FUNCTION app.add_one(integer, character varying) IS 'Old'; \
         COMMENT ON SEQUENCE app.tickets IS 'Ticket numbers'; \
         COMMENT ON CONSTRAINT orders_total_positive ON orders IS 'No refunds here';",
    );
    let b = with(
        &shared,
        "COMMENT ON TABLE users IS 'People who log in'; \
         COMMENT ON COLUMN orders.total IS 'With tax, in EUR'; \
         COMMENT ON COLUMN active_users.email IS 'Lower case'; \
         COMMENT ON FUNCTION app.add_one(integer, character varying) IS 'Adds one; it''s simple'; \
         COMMENT ON PROCEDURE app.touch() IS 'Does nothing'; \
         COMMENT ON SCHEMA app IS 'The application'; \
         COMMENT ON TYPE app.mood IS 'How it went'; \
         COMMENT ON INDEX users_email IS 'For logins';",
    );
    let out = run(Pair::new("p072_comments", &a, &b)).await;
    has(
        &out.code,
        r#"m.change_comment(CommentTarget::table("users"), Some("People"), Some("People who log in"));"#,
    );
    has(
        &out.code,
        r#"m.change_comment(CommentTarget::column("users", "email"), Some("Login"), None);"#,
    );
    has(
        &out.code,
        r#"CommentTarget::function("app.add_one", [Integer, ColumnType::unchecked("character varying")])"#,
    );
    has(
        &out.code,
        r#"CommentTarget::view("active_users"), Some("Who may log in"), None"#,
    );
}

#[tokio::test]
async fn p073_comments_of_objects_dropped_and_created() {
    let a = with(
        USERS,
        "CREATE VIEW old_emails AS SELECT id, email FROM users; \
         COMMENT ON VIEW old_emails IS 'Going away'; \
         COMMENT ON COLUMN old_emails.email IS 'Was the login'; \
         CREATE VIEW totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id; \
         COMMENT ON VIEW totals IS 'Per user';",
    );
    let b = with(
        USERS,
        "CREATE VIEW new_emails AS SELECT id, email FROM users WHERE active; \
         COMMENT ON VIEW new_emails IS 'Only active ones'; \
         CREATE MATERIALIZED VIEW busy AS SELECT user_id FROM orders GROUP BY user_id; \
         COMMENT ON MATERIALIZED VIEW busy IS 'Users with orders'; \
         CREATE VIEW totals AS SELECT user_id, sum(total)::bigint AS total FROM orders \
         GROUP BY user_id; \
         COMMENT ON VIEW totals IS 'Per user';",
    );
    let out = run(Pair::new(
        "p073_comments_of_objects_dropped_and_created",
        &a,
        &b,
    ))
    .await;
    let removed = out
        .code
        .find(r#"m.change_comment(CommentTarget::view("old_emails"), Some("Going away"), None);"#)
        .unwrap();
    let dropped = out
        .code
        .find("m.drop_view_with(\n        \"old_emails\"")
        .unwrap();
    assert!(removed < dropped, "{}", out.code);
    let created = out
        .code
        .find("m.create_view(\n        \"new_emails\"")
        .unwrap();
    let set = out
        .code
        .find(r#"m.change_comment(CommentTarget::view("new_emails"), None, Some("Only active ones"));"#)
        .unwrap();
    assert!(created < set, "{}", out.code);
    // `totals` is dropped and created again: its comment goes and comes back.
    has(
        &out.code,
        r#"m.change_comment(CommentTarget::view("totals"), Some("Per user"), None);"#,
    );
    has(
        &out.code,
        r#"m.change_comment(CommentTarget::view("totals"), None, Some("Per user"));"#,
    );
}

#[tokio::test]
async fn p074_row_level_security_and_policies() {
    let shared = with(ROLE, USERS);
    let a = shared.clone();
    let b = with(
        &shared,
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE orders FORCE ROW LEVEL SECURITY; \
         CREATE POLICY own_orders ON orders FOR SELECT \
         USING (user_id = current_setting('app.user_id')::integer); \
         CREATE POLICY readers ON orders FOR SELECT TO h14_views_reader USING (true); \
         CREATE POLICY not_huge ON orders AS RESTRICTIVE \
         USING (total < 1000000) WITH CHECK (total < 1000000); \
         CREATE POLICY insert_own ON orders FOR INSERT TO PUBLIC \
         WITH CHECK (user_id = current_setting('app.user_id')::integer);",
    );
    let out = run(Pair::new("p074_row_level_security_and_policies", &a, &b)).await;
    has(&out.code, r#"m.enable_row_level_security("orders");"#);
    has(&out.code, r#"m.force_row_level_security("orders");"#);
    has(
        &out.code,
        "m.create_policy(\"orders\", \"readers\")\n        .for_select()\n        .to([\"h14_views_reader\"])",
    );
    has(&out.code, ".restrictive()");
}

#[tokio::test]
async fn p075_policies_changed_and_dropped() {
    let shared = with(ROLE, USERS);
    let a = with(
        &shared,
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE users ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE users FORCE ROW LEVEL SECURITY; \
         CREATE POLICY readers ON orders FOR SELECT TO h14_views_reader USING (total > 0); \
         CREATE POLICY writers ON orders FOR UPDATE USING (true); \
         CREATE POLICY gone ON orders AS RESTRICTIVE FOR DELETE TO h14_views_reader \
         USING (false); \
         CREATE POLICY own_user ON users USING (id = current_setting('app.user_id')::integer);",
    );
    let b = with(
        &shared,
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY; \
         CREATE POLICY readers ON orders FOR SELECT TO PUBLIC \
         USING (total >= 0); \
         CREATE POLICY writers ON orders AS RESTRICTIVE FOR UPDATE USING (true) \
         WITH CHECK (total > 0);",
    );
    let out = run(Pair::new("p075_policies_changed_and_dropped", &a, &b)).await;
    has(&out.code, "m.drop_policy_with(\"orders\", \"gone\", |p| {");
    has(
        &out.code,
        "m.alter_policy(\n        \"orders\",\n        \"readers\",",
    );
    has(&out.code, r#"m.disable_row_level_security("users");"#);
    has(&out.code, r#"m.no_force_row_level_security("users");"#);
}

#[tokio::test]
async fn p076_a_schema_of_its_own() {
    let shared = "CREATE SCHEMA app; \
         CREATE TABLE app.docs (id bigint PRIMARY KEY, owner text NOT NULL, \
         title text NOT NULL, archived boolean NOT NULL DEFAULT false);";
    let a = with(
        shared,
        "CREATE VIEW app.titles AS SELECT id, title FROM app.docs;",
    );
    let b = with(
        shared,
        "CREATE VIEW app.titles AS SELECT id, title FROM app.docs WHERE NOT archived; \
         COMMENT ON VIEW app.titles IS 'Live documents'; \
         CREATE MATERIALIZED VIEW app.doc_counts AS SELECT owner, count(*) AS docs \
         FROM app.docs GROUP BY owner; \
         ALTER TABLE app.docs ENABLE ROW LEVEL SECURITY; \
         CREATE POLICY owner_only ON app.docs USING (owner = CURRENT_USER);",
    );
    let out = run(Pair::new("p076_a_schema_of_its_own", &a, &b)).await;
    has(&out.code, "m.create_policy(\"app.docs\", \"owner_only\")");
    has(&out.code, "\"app.doc_counts\"");
    has(&out.code, r#"CommentTarget::view("app.titles")"#);
}

#[tokio::test]
async fn p077_materialized_view_recreated_keeps_its_indexes() {
    let a = with(
        USERS,
        "CREATE MATERIALIZED VIEW order_counts AS SELECT user_id, count(*) AS orders \
         FROM orders GROUP BY user_id; \
         CREATE UNIQUE INDEX order_counts_user_idx ON order_counts (user_id);",
    );
    let b = with(
        USERS,
        "CREATE MATERIALIZED VIEW order_counts AS SELECT user_id, count(*) AS orders \
         FROM orders WHERE total > 0 GROUP BY user_id; \
         CREATE UNIQUE INDEX order_counts_user_idx ON order_counts (user_id);",
    );
    let out = run(Pair::new(
        "p077_materialized_view_recreated_keeps_its_indexes",
        &a,
        &b,
    ))
    .await;
    // Dropped before the view (the down builds it again on the old one), built
    // again after it, in the migration's transaction (the view is new).
    let drop_index = out.code.find("m.drop_index_with(").unwrap();
    let drop_view = out.code.find("m.drop_materialized_view_with(").unwrap();
    let create_view = out.code.find("m.create_materialized_view(").unwrap();
    let create_index = out.code.find("m.create_index(").unwrap();
    assert!(
        drop_index < drop_view && drop_view < create_view && create_view < create_index,
        "{}",
        out.code
    );
    assert!(!out.code.contains("concurrently"), "{}", out.code);
}
