//! Data moves, keys, constraints and index options, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;

use migrate_core::verify::{ScratchTarget, VerifyOptions, verify};
use migrate_core::{DownTarget, Registration};
use migrate_tests::{admin_url, column, int, server_version, table_exists, text};

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

/// `verify` applies every migration on a scratch database, reverts each and compares
/// the catalog: the proof that every derived down restores the schema.
async fn verified(m: &Migrator) {
    let report = verify(
        m,
        ScratchTarget::Server(admin_url().parse().unwrap()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
}

async fn constraint_def(c: &tokio_postgres::Client, name: &str) -> Option<String> {
    text(
        c,
        &format!(
            "SELECT coalesce((SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conname = '{name}'), '')"
        ),
    )
    .await
    .unwrap()
    .filter(|d| !d.is_empty())
}

async fn index_def(c: &tokio_postgres::Client, name: &str) -> Option<String> {
    text(
        c,
        &format!("SELECT coalesce(pg_get_indexdef(to_regclass('{name}')), '')"),
    )
    .await
    .unwrap()
    .filter(|d| !d.is_empty())
}

// ----- data moves --------------------------------------------------------------------------

fn blog(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).primary_key();
        t.column("name", Text).not_null();
        t.column("post_count", BigInt).not_null().default(0);
    });
    m.create_table("posts", |t| {
        t.column("id", BigInt).primary_key();
        t.column("author_id", BigInt).not_null();
        t.column("title", Text).not_null();
        t.column("archived", Boolean).not_null().default(false);
        t.column("author_name", Text);
    });
    m.create_table("archived_posts", |t| {
        t.column("id", BigInt).primary_key();
        t.column("title", Text).not_null();
    });
}
fn seed(m: &mut Migration<Manual>) {
    m.insert("users", ["id", "name"])
        .values([Expr::val(1), Expr::val("ann")])
        .values([Expr::val(2), Expr::val("bob")]);
    m.insert("posts", ["id", "author_id", "title", "archived"])
        .values([
            Expr::val(1),
            Expr::val(1),
            Expr::val("old"),
            Expr::val(true),
        ])
        .values([
            Expr::val(2),
            Expr::val(2),
            Expr::val("new"),
            Expr::val(false),
        ])
        .values([
            Expr::val(3),
            Expr::val(1),
            Expr::val("newer"),
            Expr::val(false),
        ]);
}
fn archive(m: &mut Migration) {
    m.reversible(
        |up| {
            up.insert_select(
                "archived_posts",
                ["id", "title"],
                Query::select()
                    .columns(["id", "title"])
                    .from("posts")
                    .and_where(Expr::col("archived").eq(true))
                    .take(),
            );
            up.delete_using("posts", "archived_posts")
                .filter(Expr::col(("posts", "id")).equals(("archived_posts", "id")));
            up.update_from("posts", FromItem::table_as("users", "u"))
                .set("author_name", Expr::col(("u", "name")))
                .filter(Expr::col(("posts", "author_id")).equals(("u", "id")));
            up.update_from(
                "users",
                FromItem::query(
                    Query::select()
                        .column("author_id")
                        .expr_as(Func::count(Expr::col("id")), "n")
                        .from("posts")
                        .group_by_col("author_id")
                        .take(),
                    "c",
                ),
            )
            .set("post_count", Expr::col(("c", "n")))
            .filter(Expr::col(("users", "id")).equals(("c", "author_id")));
            // Run twice, the copy skips the rows already there.
            up.insert_select(
                "archived_posts",
                ["id", "title"],
                Query::select()
                    .columns(["id", "title"])
                    .from("posts")
                    .and_where(Expr::col("id").eq(2))
                    .take(),
            )
            .on_conflict_do_nothing();
            up.insert_select(
                "archived_posts",
                ["id", "title"],
                Query::select()
                    .columns(["id", "title"])
                    .from("posts")
                    .and_where(Expr::col("id").eq(2))
                    .take(),
            )
            .on_conflict_do_nothing();
        },
        |down| {
            down.delete("archived_posts").filter(Expr::col("id").eq(2));
            down.update("users").set("post_count", 0);
            down.update("posts")
                .set("author_name", Expr::val(None::<String>));
            down.insert_select(
                "posts",
                ["id", "author_id", "title", "archived"],
                Query::select()
                    .column(("a", "id"))
                    .expr(Expr::val(1))
                    .column(("a", "title"))
                    .expr(Expr::val(true))
                    .from_as("archived_posts", "a")
                    .take(),
            );
            down.delete("archived_posts");
        },
    );
}
reg!(BLOG, 1, blog);
reg!(SEED, 2, seed, irreversible);
reg!(ARCHIVE, 3, archive);

#[tokio::test]
async fn data_moves_run_and_their_paired_down_restores_the_rows() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&BLOG, &SEED, &ARCHIVE]);
    m.up(&mut c, Target::Latest).await.unwrap();
    let posts = "SELECT string_agg(id || ':' || title || ':' || coalesce(author_name, '-'), ' ' ORDER BY id) FROM posts";
    assert_eq!(
        text(&c, posts).await.unwrap().as_deref(),
        Some("2:new:bob 3:newer:ann")
    );
    assert_eq!(
        text(
            &c,
            "SELECT string_agg(id || ':' || title, ' ' ORDER BY id) FROM archived_posts"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("1:old 2:new")
    );
    assert_eq!(
        text(
            &c,
            "SELECT string_agg(name || ':' || post_count, ' ' ORDER BY id) FROM users"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("ann:1 bob:1")
    );
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        text(&c, posts).await.unwrap().as_deref(),
        Some("1:old:- 2:new:- 3:newer:-")
    );
    assert_eq!(
        int(&c, "SELECT count(*) FROM archived_posts")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        int(&c, "SELECT sum(post_count) FROM users").await.unwrap(),
        0
    );
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        text(&c, posts).await.unwrap().as_deref(),
        Some("2:new:bob 3:newer:ann")
    );
}

fn tables_as(m: &mut Migration) {
    m.create_table_as(
        "post_titles",
        Query::select()
            .columns(["id", "title"])
            .from("posts")
            .and_where(Expr::col("archived").eq(false))
            .take(),
    )
    .columns(["post_id", "post_title"]);
    m.create_table_as(
        "posts_shape",
        Query::select()
            .column(sea_query::Asterisk)
            .from("posts")
            .take(),
    )
    .with_no_data();
}
reg!(TABLES_AS, 3, tables_as);

#[tokio::test]
async fn create_table_as_copies_rows_and_its_down_drops_the_table() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&BLOG, &SEED, &TABLES_AS]);
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        text(
            &c,
            "SELECT string_agg(post_id || ':' || post_title, ' ' ORDER BY post_id) FROM post_titles"
        )
        .await
        .unwrap()
        .as_deref(),
        Some("2:new 3:newer")
    );
    assert_eq!(
        int(&c, "SELECT count(*) FROM posts_shape").await.unwrap(),
        0
    );
    assert_eq!(
        column(
            &c,
            "SELECT column_name FROM information_schema.columns \
             WHERE table_name = 'posts_shape' ORDER BY ordinal_position"
        )
        .await
        .unwrap(),
        ["id", "author_id", "title", "archived", "author_name"]
    );
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert!(!table_exists(&c, "post_titles").await.unwrap());
    assert!(!table_exists(&c, "posts_shape").await.unwrap());
    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(table_exists(&c, "post_titles").await.unwrap());
    verified(&m).await;
}

// ----- keys --------------------------------------------------------------------------------

fn events(m: &mut Migration) {
    m.create_table("events", |t| {
        t.column("id", BigInt).not_null();
        t.column("code", Text).not_null();
        t.column("kind", Text);
    });
    m.create_table("tags", |t| {
        t.column("a", BigInt).not_null();
        t.column("b", BigInt).not_null();
    });
    m.create_index_concurrently("events_code_idx", "events", ["code"])
        .unique();
}
fn events_keys(m: &mut Migration) {
    m.create_index_concurrently("events_id_idx", "events", ["id"])
        .unique();
    m.add_primary_key_using_index("events", "events_pkey", "events_id_idx");
    m.add_unique_using_index_with("events", "events_code_key", "events_code_idx", ["code"])
        .initially_deferred();
}
/// A key on a table no one uses yet: the lint is acknowledged.
fn tags_key(m: &mut Migration) {
    m.add_primary_key("tags", "tags_pkey", ["a", "b"]);
    m.allow(Rule::IndexNotConcurrent, "tags is empty");
}
fn tags_key_dropped(m: &mut Migration) {
    m.drop_primary_key_with("tags", "tags_pkey", ["a", "b"]);
}
reg!(EVENTS, 1, events);
reg!(EVENTS_KEYS, 2, events_keys);
reg!(TAGS_KEY, 3, tags_key);
reg!(TAGS_KEY_DROPPED, 4, tags_key_dropped);

#[tokio::test]
async fn keys_added_over_an_index_rename_it_and_their_down_rebuilds_it() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&EVENTS, &EVENTS_KEYS, &TAGS_KEY, &TAGS_KEY_DROPPED]);
    m.up(&mut c, Target::To(3)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "events_pkey").await.as_deref(),
        Some("PRIMARY KEY (id)")
    );
    assert_eq!(
        constraint_def(&c, "events_code_key").await.as_deref(),
        Some("UNIQUE (code) DEFERRABLE INITIALLY DEFERRED")
    );
    // PostgreSQL renamed the indexes to the constraints' names.
    assert_eq!(index_def(&c, "events_id_idx").await, None);
    assert_eq!(index_def(&c, "events_code_idx").await, None);
    assert!(index_def(&c, "events_pkey").await.is_some());
    assert_eq!(
        constraint_def(&c, "tags_pkey").await.as_deref(),
        Some("PRIMARY KEY (a, b)")
    );

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(constraint_def(&c, "tags_pkey").await, None);
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "tags_pkey").await.as_deref(),
        Some("PRIMARY KEY (a, b)")
    );

    m.down(&mut c, DownTarget::To(1)).await.unwrap();
    assert_eq!(constraint_def(&c, "events_pkey").await, None);
    assert_eq!(constraint_def(&c, "events_code_key").await, None);
    assert_eq!(constraint_def(&c, "tags_pkey").await, None);
    // The index made by migration 1 is back under its own name; the one migration 2
    // made is gone.
    assert_eq!(
        index_def(&c, "events_code_idx").await.as_deref(),
        Some("CREATE UNIQUE INDEX events_code_idx ON public.events USING btree (code)")
    );
    assert_eq!(index_def(&c, "events_id_idx").await, None);
    assert_eq!(index_def(&c, "events_pkey").await, None);

    m.up(&mut c, Target::Latest).await.unwrap();
    verified(&m).await;
}

// ----- deferrable constraints ----------------------------------------------------------------

fn tree(m: &mut Migration) {
    m.create_table("nodes", |t| {
        t.column("id", BigInt).not_null();
        t.column("parent_id", BigInt);
        t.column("position", Integer).not_null();
        t.primary_key(["id"]).name("nodes_pkey");
        t.unique(["parent_id", "position"])
            .name("nodes_position_key")
            .initially_deferred();
    });
    m.add_foreign_key("nodes", "nodes_parent_fk", ["parent_id"], "nodes", ["id"])
        .initially_deferred();
    // A foreign key cannot reference a deferrable key: another table.
    m.create_table("slots", |t| {
        t.column("n", Integer).not_null();
        t.primary_key(["n"]).name("slots_pkey").deferrable();
    });
}
fn tree_immediate(m: &mut Migration) {
    m.alter_constraint_from(
        "nodes",
        "nodes_parent_fk",
        Deferrable::InitiallyDeferred,
        Deferrable::InitiallyImmediate,
    );
}
fn tree_not_deferrable(m: &mut Migration) {
    m.alter_constraint_from(
        "nodes",
        "nodes_parent_fk",
        Deferrable::InitiallyImmediate,
        Deferrable::NotDeferrable,
    );
}
reg!(TREE, 1, tree);
reg!(TREE_IMMEDIATE, 2, tree_immediate);
reg!(TREE_NOT_DEFERRABLE, 3, tree_not_deferrable);

#[tokio::test]
async fn deferrable_constraints_are_checked_at_commit_and_alter_constraint_goes_back() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&TREE, &TREE_IMMEDIATE, &TREE_NOT_DEFERRABLE]);
    m.up(&mut c, Target::To(1)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "nodes_parent_fk").await.as_deref(),
        Some("FOREIGN KEY (parent_id) REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED")
    );
    assert_eq!(
        constraint_def(&c, "nodes_position_key").await.as_deref(),
        Some("UNIQUE (parent_id, \"position\") DEFERRABLE INITIALLY DEFERRED")
    );
    assert_eq!(
        constraint_def(&c, "slots_pkey").await.as_deref(),
        Some("PRIMARY KEY (n) DEFERRABLE")
    );
    // A child before its parent, and two rows swapping positions in two statements:
    // fine at commit.
    c.batch_execute(
        "BEGIN; INSERT INTO nodes VALUES (2, 1, 1); INSERT INTO nodes VALUES (1, NULL, 1); \
         INSERT INTO nodes VALUES (3, 1, 2); COMMIT; \
         BEGIN; UPDATE nodes SET position = 2 WHERE id = 2; \
         UPDATE nodes SET position = 1 WHERE id = 3; COMMIT; \
         INSERT INTO slots VALUES (1), (2); UPDATE slots SET n = n + 1",
    )
    .await
    .unwrap();

    m.up(&mut c, Target::To(2)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "nodes_parent_fk").await.as_deref(),
        Some("FOREIGN KEY (parent_id) REFERENCES nodes(id) DEFERRABLE")
    );
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(
        constraint_def(&c, "nodes_parent_fk").await.as_deref(),
        Some("FOREIGN KEY (parent_id) REFERENCES nodes(id)")
    );
    let error = c
        .batch_execute("BEGIN; INSERT INTO nodes VALUES (5, 4, 1); INSERT INTO nodes VALUES (4, NULL, 9); COMMIT")
        .await
        .unwrap_err();
    assert_eq!(error.code().unwrap().code(), "23503");
    c.batch_execute("ROLLBACK").await.unwrap();

    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "nodes_parent_fk").await.as_deref(),
        Some("FOREIGN KEY (parent_id) REFERENCES nodes(id) DEFERRABLE")
    );
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "nodes_parent_fk").await.as_deref(),
        Some("FOREIGN KEY (parent_id) REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED")
    );
    verified(&m).await;
}

// ----- exclusion constraints -----------------------------------------------------------------

fn bookings(m: &mut Migration) {
    m.create_table("bookings", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("room", Integer).not_null();
        t.column("during", ColumnType::unchecked("tstzrange"))
            .not_null();
        t.column("cancelled", Boolean).not_null().default(false);
    });
}
fn no_overlap(m: &mut Migration) {
    // Ranges compared with `&&`: no extension needed (`room WITH =` would need
    // btree_gist).
    m.add_exclusion("bookings", "bookings_no_overlap", [("during", "&&")])
        .filter(Expr::col("cancelled").eq(false))
        .include(["room"])
        .deferrable();
    m.allow(Rule::IndexNotConcurrent, "bookings is new");
}
fn no_overlap_dropped(m: &mut Migration) {
    m.drop_exclusion_with("bookings", "bookings_no_overlap", [("during", "&&")])
        .filter(Expr::col("cancelled").eq(false))
        .include(["room"])
        .deferrable();
}
reg!(BOOKINGS, 1, bookings);
reg!(NO_OVERLAP, 2, no_overlap);
reg!(NO_OVERLAP_DROPPED, 3, no_overlap_dropped);

#[tokio::test]
async fn an_exclusion_constraint_refuses_overlaps_and_comes_back_from_its_drop() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&BOOKINGS, &NO_OVERLAP, &NO_OVERLAP_DROPPED]);
    m.up(&mut c, Target::To(2)).await.unwrap();
    let expected =
        "EXCLUDE USING gist (during WITH &&) INCLUDE (room) WHERE ((cancelled = false)) DEFERRABLE";
    assert_eq!(
        constraint_def(&c, "bookings_no_overlap").await.as_deref(),
        Some(expected)
    );
    c.batch_execute("INSERT INTO bookings (room, during) VALUES (1, '[2026-01-01, 2026-01-02)')")
        .await
        .unwrap();
    let error = c
        .batch_execute(
            "INSERT INTO bookings (room, during) VALUES (1, '[2026-01-01 12:00, 2026-01-03)')",
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().unwrap().code(), "23P01");
    c.batch_execute(
        "INSERT INTO bookings (room, during, cancelled) VALUES (1, '[2026-01-01 12:00, 2026-01-03)', true)",
    )
    .await
    .unwrap();

    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(constraint_def(&c, "bookings_no_overlap").await, None);
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        constraint_def(&c, "bookings_no_overlap").await.as_deref(),
        Some(expected)
    );
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(constraint_def(&c, "bookings_no_overlap").await, None);
    verified(&m).await;
}

// ----- index options -----------------------------------------------------------------------

fn profiles(m: &mut Migration) {
    m.create_table("profiles", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Text).not_null();
        t.column("email", Text);
        t.column("org_id", BigInt);
        t.column("prefs", Jsonb);
    });
}
fn profile_indexes(m: &mut Migration) {
    m.create_index_concurrently(
        "profiles_name_prefix",
        "profiles",
        [IndexColumn::col("name").opclass("text_pattern_ops")],
    );
    m.create_index_concurrently(
        "profiles_name_c",
        "profiles",
        [IndexColumn::expr(Func::lower(Expr::col("name")))
            .collate("C")
            .order(SortOrder::Desc)],
    )
    .with("fillfactor", 70);
    m.create_index_concurrently(
        "profiles_prefs_path",
        "profiles",
        [IndexColumn::col("prefs").opclass("jsonb_path_ops")],
    )
    .using(IndexMethod::Gin)
    .with("fastupdate", "off");
    m.reindex_index_concurrently("profiles_name_prefix");
    m.reindex_table_concurrently("profiles");
}
fn profile_email_key(m: &mut Migration) {
    m.create_index_concurrently("profiles_email_key", "profiles", ["email", "org_id"])
        .unique()
        .nulls_not_distinct();
}
fn profile_index_dropped(m: &mut Migration) {
    m.drop_index_concurrently_with(
        "profiles_name_prefix",
        "profiles",
        [IndexColumn::col("name").opclass("text_pattern_ops")],
    );
}
reg!(PROFILES, 1, profiles);
reg!(PROFILE_INDEXES, 2, profile_indexes);
reg!(PROFILE_EMAIL_KEY, 3, profile_email_key);
reg!(PROFILE_INDEX_DROPPED, 3, profile_index_dropped);
reg!(PROFILE_INDEX_DROPPED_LATER, 4, profile_index_dropped);

#[tokio::test]
async fn index_options_reach_the_catalog_and_survive_a_drop_and_its_down() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    // NULLS NOT DISTINCT is PostgreSQL 15+.
    let nulls_not_distinct = server_version(&c).await.unwrap() >= 150000;
    let m = if nulls_not_distinct {
        migrator([
            &PROFILES,
            &PROFILE_INDEXES,
            &PROFILE_EMAIL_KEY,
            &PROFILE_INDEX_DROPPED_LATER,
        ])
    } else {
        migrator([&PROFILES, &PROFILE_INDEXES, &PROFILE_INDEX_DROPPED])
    };
    m.up(&mut c, Target::To(2)).await.unwrap();
    assert_eq!(
        index_def(&c, "profiles_name_prefix").await.as_deref(),
        Some(
            "CREATE INDEX profiles_name_prefix ON public.profiles USING btree (name text_pattern_ops)"
        )
    );
    assert_eq!(
        index_def(&c, "profiles_name_c").await.as_deref(),
        Some(
            "CREATE INDEX profiles_name_c ON public.profiles USING btree (lower(name) COLLATE \"C\" DESC) WITH (fillfactor='70')"
        )
    );
    assert_eq!(
        index_def(&c, "profiles_prefs_path").await.as_deref(),
        Some(
            "CREATE INDEX profiles_prefs_path ON public.profiles USING gin (prefs jsonb_path_ops) WITH (fastupdate=off)"
        )
    );
    if nulls_not_distinct {
        m.up(&mut c, Target::To(3)).await.unwrap();
        assert_eq!(
            index_def(&c, "profiles_email_key").await.as_deref(),
            Some(
                "CREATE UNIQUE INDEX profiles_email_key ON public.profiles USING btree (email, org_id) NULLS NOT DISTINCT"
            )
        );
        c.batch_execute("INSERT INTO profiles (name) VALUES ('a')")
            .await
            .unwrap();
        let error = c
            .batch_execute("INSERT INTO profiles (name) VALUES ('b')")
            .await
            .unwrap_err();
        assert_eq!(error.code().unwrap().code(), "23505");
    }
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(index_def(&c, "profiles_name_prefix").await, None);
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(
        index_def(&c, "profiles_name_prefix").await.as_deref(),
        Some(
            "CREATE INDEX profiles_name_prefix ON public.profiles USING btree (name text_pattern_ops)"
        )
    );
    m.down(&mut c, DownTarget::To(1)).await.unwrap();
    assert_eq!(index_def(&c, "profiles_name_prefix").await, None);
    assert_eq!(index_def(&c, "profiles_name_c").await, None);
    assert_eq!(index_def(&c, "profiles_email_key").await, None);
    m.up(&mut c, Target::Latest).await.unwrap();
    verified(&m).await;
}
