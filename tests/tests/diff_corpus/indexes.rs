//! Indexes, foreign keys and exclusion constraints. The tables are the same in A and
//! B, so only these objects differ.

use super::{Pair, run};

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, \
     name text, deleted_at timestamptz);";

const POSTS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE); \
     CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint, editor_id bigint, \
     title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());";

fn with(base: &str, more: &str) -> String {
    format!("{base} {more}")
}

fn has(code: &str, needle: &str) {
    assert!(code.contains(needle), "missing `{needle}` in:\n{code}");
}

#[tokio::test]
async fn p035_index_on_an_existing_table() {
    let b = with(USERS, "CREATE INDEX users_email_idx ON users (email);");
    let out = run(Pair::new("p035_index_on_an_existing_table", USERS, &b)).await;
    has(
        &out.code,
        r#"m.create_index_concurrently("users_email_idx", "users", ["email"]);"#,
    );
}

#[tokio::test]
async fn p036_unique_partial_expression_index() {
    let b = with(
        USERS,
        "CREATE UNIQUE INDEX users_email_live_key ON users (lower(email)) \
         WHERE deleted_at IS NULL;",
    );
    let out = run(Pair::new("p036_unique_partial_expression_index", USERS, &b)).await;
    has(
        &out.code,
        r#"[IndexColumn::expr(Expr::cust("lower(email)"))]"#,
    );
    has(&out.code, ".unique()");
    has(&out.code, r#".filter(Expr::cust("deleted_at IS NULL"))"#);
}

#[tokio::test]
async fn p037_multi_column_index_with_desc_include_and_storage() {
    let b = with(
        POSTS,
        "CREATE INDEX posts_author_recent ON posts (author_id, created_at DESC) \
         INCLUDE (title) WITH (fillfactor = 70); \
         CREATE UNIQUE INDEX posts_editor_title ON posts (editor_id, title) NULLS NOT DISTINCT;",
    );
    let out = run(Pair::new(
        "p037_multi_column_index_with_desc_include_and_storage",
        POSTS,
        &b,
    ))
    .await;
    has(
        &out.code,
        r#"[IndexColumn::col("author_id"), IndexColumn::desc("created_at")]"#,
    );
    has(&out.code, r#".include(["title"])"#);
    has(&out.code, r#".with("fillfactor", 70)"#);
    has(&out.code, ".nulls_not_distinct()");
}

#[tokio::test]
async fn p038_gin_and_gist_indexes_with_operator_classes() {
    let base = "CREATE EXTENSION pg_trgm; CREATE DOMAIN slug AS text; \
         CREATE TABLE docs (id bigint PRIMARY KEY, title text, tags text[], body jsonb, \
         during tstzrange, code varchar(20), slug slug);";
    let b = with(
        base,
        "CREATE INDEX docs_title_trgm ON docs USING gin (title gin_trgm_ops); \
         CREATE INDEX docs_body_path ON docs USING gin (body jsonb_path_ops) WITH (fastupdate = off); \
         CREATE INDEX docs_tags ON docs USING gin (tags); \
         CREATE INDEX docs_during ON docs USING gist (during); \
         CREATE INDEX docs_title_pattern ON docs (title text_pattern_ops); \
         CREATE INDEX docs_title_c ON docs (title COLLATE \"C\"); \
         CREATE INDEX docs_code_slug ON docs (code, slug);",
    );
    let out = run(Pair::new(
        "p038_gin_and_gist_indexes_with_operator_classes",
        base,
        &b,
    ))
    .await;
    has(
        &out.code,
        r#"IndexColumn::col("title").opclass("gin_trgm_ops")"#,
    );
    has(&out.code, ".using(IndexMethod::Gin)");
    has(&out.code, ".using(IndexMethod::Gist)");
    has(&out.code, r#".with("fastupdate", "off")"#);
    has(&out.code, r#"IndexColumn::col("title").collate("C")"#);
    // The default operator classes of a varchar and a domain over text are left out.
    has(
        &out.code,
        r#"m.create_index_concurrently("docs_code_slug", "docs", ["code", "slug"]);"#,
    );
    has(
        &out.code,
        r#"m.create_index_concurrently("docs_tags", "docs", ["tags"])"#,
    );
}

#[tokio::test]
async fn p039_index_dropped() {
    let a = with(
        POSTS,
        "CREATE INDEX posts_author ON posts (author_id) WHERE author_id IS NOT NULL; \
         CREATE INDEX posts_created ON posts USING brin (created_at);",
    );
    let out = run(Pair::new("p039_index_dropped", &a, POSTS)).await;
    has(
        &out.code,
        r#"m.drop_index_concurrently_with("posts_author", "posts", ["author_id"])"#,
    );
    has(&out.code, ".using(IndexMethod::Brin)");
}

#[tokio::test]
async fn p040_index_changed() {
    let a = with(
        USERS,
        "CREATE INDEX users_name ON users (name); \
         CREATE INDEX users_seen ON users (deleted_at) WHERE deleted_at IS NOT NULL;",
    );
    let b = with(
        USERS,
        "CREATE INDEX users_name ON users (name, email); \
         CREATE INDEX users_seen ON users (deleted_at DESC) WHERE deleted_at IS NOT NULL;",
    );
    let out = run(Pair::new("p040_index_changed", &a, &b)).await;
    has(
        &out.code,
        r#"m.drop_index_concurrently_with("users_name", "users", ["name"]);"#,
    );
    has(
        &out.code,
        r#"m.create_index_concurrently("users_name", "users", ["name", "email"]);"#,
    );
}

#[tokio::test]
async fn p041_foreign_key_added_to_an_existing_table() {
    let b = with(
        POSTS,
        "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) \
         REFERENCES users (id) ON DELETE CASCADE; \
         ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) \
         REFERENCES users (id) ON DELETE SET NULL ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED;",
    );
    let out = run(Pair::new(
        "p041_foreign_key_added_to_an_existing_table",
        POSTS,
        &b,
    ))
    .await;
    has(
        &out.code,
        r#"    m.add_foreign_key("posts", "posts_author_fk", ["author_id"], "users", ["id"])
        .on_delete(ReferentialAction::Cascade)
        .not_valid();
    m.validate_constraint("posts", "posts_author_fk");"#,
    );
    has(&out.code, ".initially_deferred()");
}

#[tokio::test]
async fn p042_foreign_key_dropped() {
    let a = with(
        POSTS,
        "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) \
         REFERENCES users (id) ON DELETE CASCADE; \
         ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) \
         REFERENCES users (id) NOT VALID;",
    );
    let out = run(Pair::new("p042_foreign_key_dropped", &a, POSTS)).await;
    has(
        &out.code,
        r#"    m.drop_foreign_key_with("posts", "posts_author_fk", ["author_id"], "users", ["id"])
        .on_delete(ReferentialAction::Cascade);"#,
    );
    // Not valid in A: the down re-adds it not valid.
    has(
        &out.code,
        r#"    m.drop_foreign_key_with("posts", "posts_editor_fk", ["editor_id"], "users", ["id"])
        .not_valid();"#,
    );
}

#[tokio::test]
async fn p043_foreign_key_changed() {
    let a = with(
        POSTS,
        "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) \
         REFERENCES users (id) ON DELETE RESTRICT; \
         ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) \
         REFERENCES users (id);",
    );
    let b = with(
        POSTS,
        "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) \
         REFERENCES users (id) ON DELETE SET NULL; \
         ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) \
         REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED;",
    );
    let out = run(Pair::new("p043_foreign_key_changed", &a, &b)).await;
    has(&out.code, ".on_delete(ReferentialAction::Restrict);");
    has(&out.code, ".on_delete(ReferentialAction::SetNull)");
    has(&out.code, "m.alter_constraint_from(");
    has(&out.code, "        Deferrable::InitiallyDeferred,\n    );");
}

/// Adding an exclusion constraint to an existing table has no online form (the
/// lint stops it for a person to judge the table's size), so on existing tables
/// only drops round-trip here; the down re-adds each with its whole definition.
#[tokio::test]
async fn p044_exclusion_constraints_dropped() {
    let b = "CREATE EXTENSION btree_gist; \
         CREATE TABLE bookings (id bigint PRIMARY KEY, room int NOT NULL, \
         during tstzrange NOT NULL, cancelled boolean NOT NULL DEFAULT false); \
         CREATE TABLE shifts (id bigint PRIMARY KEY, worker int NOT NULL, during tsrange NOT NULL);";
    let a = with(
        b,
        "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap \
         EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (NOT cancelled) DEFERRABLE; \
         ALTER TABLE shifts ADD CONSTRAINT shifts_no_overlap \
         EXCLUDE USING gist (worker WITH =, during WITH &&) INCLUDE (id) INITIALLY DEFERRED;",
    );
    let out = run(Pair::new("p044_exclusion_constraints_dropped", &a, b)).await;
    has(
        &out.code,
        r#"m.drop_exclusion_with("bookings", "bookings_no_overlap", [("room", "="), ("during", "&&")])"#,
    );
    has(&out.code, r#".filter(Expr::cust("NOT cancelled"))"#);
    has(&out.code, ".deferrable()");
    has(&out.code, r#".include(["id"])"#);
    has(&out.code, ".initially_deferred()");
}

#[tokio::test]
async fn p045_objects_in_another_schema() {
    let base = "CREATE SCHEMA billing; \
         CREATE TABLE billing.accounts (id bigint PRIMARY KEY, owner text NOT NULL); \
         CREATE TABLE billing.invoices (id bigint PRIMARY KEY, account_id bigint NOT NULL, \
         period daterange NOT NULL, total numeric(12,2));";
    let a = with(
        base,
        "CREATE INDEX invoices_total ON billing.invoices (total); \
         ALTER TABLE billing.invoices ADD CONSTRAINT invoices_one_per_period \
         EXCLUDE USING gist (period WITH &&);",
    );
    let b = with(
        base,
        "CREATE INDEX invoices_account ON billing.invoices (account_id, period); \
         ALTER TABLE billing.invoices ADD CONSTRAINT invoices_account_fk \
         FOREIGN KEY (account_id) REFERENCES billing.accounts (id) ON UPDATE CASCADE;",
    );
    let out = run(Pair::new("p045_objects_in_another_schema", &a, &b)).await;
    has(
        &out.code,
        r#"m.drop_index_concurrently_with("invoices_total", "billing.invoices", ["total"]);"#,
    );
    has(
        &out.code,
        r#"m.create_index_concurrently("invoices_account", "billing.invoices", ["account_id", "period"]);"#,
    );
    has(
        &out.code,
        r#"    m.validate_constraint("billing.invoices", "invoices_account_fk");"#,
    );
    has(&out.code, r#"    .on_update(ReferentialAction::Cascade)"#);
    has(
        &out.code,
        r#"m.drop_exclusion_with("billing.invoices", "invoices_one_per_period", [("period", "&&")]);"#,
    );
}

#[tokio::test]
async fn p046_materialized_view_index() {
    let base = "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL); \
         CREATE MATERIALIZED VIEW event_kinds AS SELECT kind, count(*) AS n FROM events GROUP BY kind;";
    let b = with(
        base,
        "CREATE UNIQUE INDEX event_kinds_kind ON event_kinds (kind); \
         CREATE INDEX events_kind ON events USING hash (kind);",
    );
    let out = run(Pair::new("p046_materialized_view_index", base, &b)).await;
    has(
        &out.code,
        r#"m.create_index_concurrently("event_kinds_kind", "event_kinds", ["kind"])"#,
    );
    has(&out.code, ".using(IndexMethod::Hash)");
}

#[tokio::test]
async fn p047_composite_and_not_valid_foreign_keys() {
    let base = "CREATE SCHEMA org; \
         CREATE TABLE org.members (org_id int, user_id int, PRIMARY KEY (org_id, user_id)); \
         CREATE TABLE grants (id int PRIMARY KEY, org_id int, user_id int, by_org int, by_user int);";
    let a = with(
        base,
        "ALTER TABLE grants ADD CONSTRAINT grants_by_fk FOREIGN KEY (by_org, by_user) \
         REFERENCES org.members (org_id, user_id) DEFERRABLE;",
    );
    let b = with(
        base,
        "ALTER TABLE grants ADD CONSTRAINT grants_member_fk FOREIGN KEY (org_id, user_id) \
         REFERENCES org.members (org_id, user_id) ON DELETE CASCADE NOT VALID; \
         ALTER TABLE grants ADD CONSTRAINT grants_by_fk FOREIGN KEY (by_org, by_user) \
         REFERENCES org.members (org_id, user_id);",
    );
    let out = run(Pair::new(
        "p047_composite_and_not_valid_foreign_keys",
        &a,
        &b,
    ))
    .await;
    // Not valid in B: added not valid, and not validated.
    has(&out.code, "        \"org.members\",\n");
    assert!(!out.code.contains("validate_constraint"), "{}", out.code);
    has(&out.code, "Deferrable::InitiallyImmediate,");
}
