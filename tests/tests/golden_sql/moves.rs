//! Data moves, keys, constraint options (deferrable, exclusion, `ALTER CONSTRAINT`),
//! index options (operator classes, collations, `NULLS NOT DISTINCT`, storage
//! parameters) and `REINDEX`: their SQL both ways, their checks and their checksums.

use migrate_core::prelude::*;

use super::plan::unit_shape;

// ----- data moves ------------------------------------------------------------------------

pub(crate) fn data_moves(m: &mut Migration<Manual>) {
    m.insert_select(
        "app.archived_posts",
        ["id", "title"],
        Query::select()
            .columns(["id", "title"])
            .from(("app", "posts"))
            .and_where(Expr::col("archived").eq(true)),
    )
    .on_conflict_do_nothing();
    m.update_from(
        "app.posts",
        FromItem::query(
            Query::select()
                .column("post_id")
                .expr_as(Func::count(Expr::col("id")), "n")
                .from(("app", "comments"))
                .group_by_col("post_id")
                .take(),
            "c",
        ),
    )
    .set("comment_count", Expr::col(("c", "n")))
    .filter(Expr::col(("posts", "id")).equals(("c", "post_id")));
    m.update_from("app.posts", FromItem::table_as("app.users", "u"))
        .from("app.orgs")
        .set("author_name", Expr::col(("u", "name")))
        .set("org_name", Expr::col(("orgs", "name")))
        .filter(Expr::col(("posts", "author_id")).equals(("u", "id")))
        .filter(Expr::col(("u", "org_id")).equals(("orgs", "id")));
    m.delete_using("app.sessions", FromItem::table_as("app.users", "u"))
        .filter(Expr::col(("sessions", "user_id")).equals(("u", "id")))
        .filter(Expr::col(("u", "deleted_at")).is_not_null());
    m.delete_using(
        "app.tags",
        FromItem::query(
            Query::select()
                .column("tag_id")
                .from(("app", "post_tags"))
                .group_by_col("tag_id")
                .and_having(Func::count(Expr::col("post_id")).eq(0))
                .take(),
            "unused",
        ),
    )
    .using("app.tag_stats")
    .filter(Expr::col(("tags", "id")).equals(("unused", "tag_id")));
    m.alter_constraint(
        "app.posts",
        "posts_author_fk",
        Deferrable::InitiallyDeferred,
    );
}

pub(crate) fn data_moves_paired(m: &mut Migration) {
    m.reversible(
        |up| {
            up.insert_select(
                "archived_posts",
                ["id", "title"],
                Query::select()
                    .columns(["id", "title"])
                    .from("posts")
                    .and_where(Expr::col("archived").eq(true)),
            );
            up.delete_using("posts", "archived_posts")
                .filter(Expr::col(("posts", "id")).equals(("archived_posts", "id")));
        },
        |down| {
            down.insert_select(
                "posts",
                ["id", "title", "archived"],
                Query::select()
                    .columns(["id", "title"])
                    .expr(Expr::val(true))
                    .from("archived_posts"),
            );
            down.delete("archived_posts");
        },
    );
}

pub(crate) fn tables_as(m: &mut Migration) {
    m.create_table_as(
        "app.post_counts",
        Query::select()
            .column("author_id")
            .expr(Func::count(Expr::col("id")))
            .from(("app", "posts"))
            .group_by_col("author_id")
            .take(),
    )
    .columns(["author_id", "posts"]);
    m.create_table_as(
        "app.posts_shape",
        Query::select()
            .column(sea_query::Asterisk)
            .from(("app", "posts"))
            .take(),
    )
    .with_no_data();
    m.create_index("posts_shape_id", "app.posts_shape", ["id"]);
}

// ----- keys ------------------------------------------------------------------------------

pub(crate) fn keys(m: &mut Migration) {
    m.add_primary_key("app.memberships", "memberships_pkey", ["user_id", "org_id"]);
    m.drop_primary_key_with("app.legacy", "legacy_pkey", ["id"]);
    m.create_index_concurrently("events_id_idx", "app.events", ["id"])
        .unique();
    m.add_primary_key_using_index("app.events", "events_pkey", "events_id_idx");
    m.add_unique_using_index_with("app.users", "users_email_key", "users_email_idx", ["email"])
        .initially_deferred();
}

pub(crate) fn deferrable_constraints(m: &mut Migration) {
    m.create_table("app.nodes", |t| {
        t.column("id", BigInt).not_null();
        t.column("parent_id", BigInt);
        t.column("position", Integer).not_null();
        t.primary_key(["id"]).name("nodes_pkey").deferrable();
        t.unique(["parent_id", "position"])
            .name("nodes_position_key")
            .initially_deferred();
        t.foreign_key(["parent_id"], "app.nodes", ["id"])
            .name("nodes_parent_fk")
            .on_delete(ReferentialAction::Cascade)
            .initially_deferred();
    });
    m.add_foreign_key(
        "app.posts",
        "posts_author_fk",
        ["author_id"],
        "app.users",
        ["id"],
    )
    .initially_deferred();
    m.add_unique("app.users", "users_handle_key", ["handle"])
        .deferrable();
    m.alter_constraint_from(
        "app.comments",
        "comments_post_fk",
        Deferrable::InitiallyImmediate,
        Deferrable::NotDeferrable,
    );
}

pub(crate) fn exclusions(m: &mut Migration) {
    m.add_exclusion(
        "app.bookings",
        "bookings_no_overlap",
        [("room_id", "="), ("during", "&&")],
    )
    .filter(Expr::col("cancelled").eq(false))
    .include(["booked_by"])
    .deferrable();
    m.add_exclusion(
        "app.shifts",
        "shifts_one_at_a_time",
        [(
            IndexColumn::expr(Expr::cust("tstzrange(starts_at, ends_at)")),
            "&&",
        )],
    )
    .using(IndexMethod::Gist);
    m.drop_exclusion_with("app.rooms", "rooms_no_overlap", [("during", "&&")])
        .initially_deferred();
    m.create_table("app.reservations", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("during", ColumnType::unchecked("tstzrange"))
            .not_null();
    });
    m.add_exclusion(
        "app.reservations",
        "reservations_no_overlap",
        [("during", "&&")],
    );
}

// ----- index options ---------------------------------------------------------------------

pub(crate) fn index_options(m: &mut Migration) {
    m.create_index_concurrently(
        "users_name_prefix",
        "app.users",
        [IndexColumn::col("name").opclass("text_pattern_ops")],
    );
    m.create_index_concurrently(
        "users_name_trgm",
        "app.users",
        [IndexColumn::col("name").opclass("public.gin_trgm_ops")],
    )
    .using(IndexMethod::Gin)
    .with("fastupdate", "off");
    m.create_index_concurrently(
        "users_prefs_path",
        "app.users",
        [IndexColumn::col("prefs").opclass("jsonb_path_ops")],
    )
    .using(IndexMethod::Gin);
    m.create_index_concurrently(
        "users_lower_email_c",
        "app.users",
        [
            IndexColumn::expr(Func::lower(Expr::col("email")))
                .collate("C")
                .opclass("text_pattern_ops")
                .order(SortOrder::Desc),
            IndexColumn::col("org_id"),
        ],
    )
    .filter(Expr::col("email").is_not_null());
    m.create_index_concurrently("users_code_key", "app.users", ["code", "org_id"])
        .unique()
        .nulls_not_distinct()
        .include(["id"])
        .with("fillfactor", 70)
        .with("deduplicate_items", "off");
    m.drop_index_concurrently_with(
        "users_city_idx",
        "app.users",
        [IndexColumn::col("city").collate("en_US.utf8")],
    )
    .with("fillfactor", 90);
}

pub(crate) fn reindexes(m: &mut Migration) {
    m.reindex_index("app.users_email_idx");
    m.reindex_index_concurrently("app.users_email_idx");
    m.reindex_table("app.users");
    m.reindex_table_concurrently("users");
}

#[test]
fn data_moves_sql() {
    let plan = migrate_core::plan::preview(data_moves).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"INSERT INTO "app"."archived_posts" ("id", "title") SELECT "id", "title" FROM "app"."posts" WHERE "archived" = TRUE ON CONFLICT DO NOTHING"#,
            r#"UPDATE "app"."posts" SET "comment_count" = "c"."n" FROM (SELECT "post_id", COUNT("id") AS "n" FROM "app"."comments" GROUP BY "post_id") AS "c" WHERE "posts"."id" = "c"."post_id""#,
            r#"UPDATE "app"."posts" SET "author_name" = "u"."name", "org_name" = "orgs"."name" FROM "app"."users" AS "u", "app"."orgs" WHERE "posts"."author_id" = "u"."id" AND "u"."org_id" = "orgs"."id""#,
            r#"DELETE FROM "app"."sessions" USING "app"."users" AS "u" WHERE "sessions"."user_id" = "u"."id" AND "u"."deleted_at" IS NOT NULL"#,
            r#"DELETE FROM "app"."tags" USING (SELECT "tag_id" FROM "app"."post_tags" GROUP BY "tag_id" HAVING COUNT("post_id") = 0) AS "unused", "app"."tag_stats" WHERE "tags"."id" = "unused"."tag_id""#,
            r#"ALTER TABLE "app"."posts" ALTER CONSTRAINT "posts_author_fk" DEFERRABLE INITIALLY DEFERRED"#,
        ]
    );
    assert!(!plan.is_reversible());
    assert!(plan.down_sql().is_empty());
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(6)"]);
}

#[test]
fn data_moves_paired_sql() {
    let plan = migrate_core::plan::preview(data_moves_paired).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"INSERT INTO "archived_posts" ("id", "title") SELECT "id", "title" FROM "posts" WHERE "archived" = TRUE"#,
            r#"DELETE FROM "posts" USING "archived_posts" WHERE "posts"."id" = "archived_posts"."id""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"INSERT INTO "posts" ("id", "title", "archived") SELECT "id", "title", TRUE FROM "archived_posts""#,
            r#"DELETE FROM "archived_posts""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(2)"]);
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(units, ["transaction(2)"]);
}

#[test]
fn tables_as_sql() {
    let plan = migrate_core::plan::preview(tables_as).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE TABLE "app"."post_counts" ("author_id", "posts") AS SELECT "author_id", COUNT("id") FROM "app"."posts" GROUP BY "author_id""#,
            r#"CREATE TABLE "app"."posts_shape" AS SELECT * FROM "app"."posts" WITH NO DATA"#,
            r#"CREATE INDEX "posts_shape_id" ON "app"."posts_shape" ("id")"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP INDEX "app"."posts_shape_id""#,
            r#"DROP TABLE "app"."posts_shape""#,
            r#"DROP TABLE "app"."post_counts""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(3)"]);
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(units, ["transaction(3)"]);
}

#[test]
fn keys_sql() {
    let plan = migrate_core::plan::preview(keys).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."memberships" ADD CONSTRAINT "memberships_pkey" PRIMARY KEY ("user_id", "org_id")"#,
            r#"ALTER TABLE "app"."legacy" DROP CONSTRAINT "legacy_pkey""#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "events_id_idx" ON "app"."events" ("id")"#,
            r#"ALTER TABLE "app"."events" ADD CONSTRAINT "events_pkey" PRIMARY KEY USING INDEX "events_id_idx""#,
            r#"ALTER TABLE "app"."users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_idx" DEFERRABLE INITIALLY DEFERRED"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_email_key""#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "users_email_idx" ON "app"."users" ("email")"#,
            r#"ALTER TABLE "app"."events" DROP CONSTRAINT "events_pkey""#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "events_id_idx" ON "app"."events" ("id")"#,
            r#"DROP INDEX CONCURRENTLY "app"."events_id_idx""#,
            r#"ALTER TABLE "app"."legacy" ADD CONSTRAINT "legacy_pkey" PRIMARY KEY ("id")"#,
            r#"ALTER TABLE "app"."memberships" DROP CONSTRAINT "memberships_pkey""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(2)", "alone", "transaction(2)"]);
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(
        units,
        [
            "transaction(1)",
            "alone",
            "transaction(1)",
            "alone",
            "alone",
            "transaction(2)"
        ]
    );
}

#[test]
fn deferrable_constraints_sql() {
    let plan = migrate_core::plan::preview(deferrable_constraints).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE TABLE "app"."nodes" ( "id" bigint NOT NULL, "parent_id" bigint, "position" integer NOT NULL, CONSTRAINT "nodes_pkey" PRIMARY KEY ("id") DEFERRABLE, CONSTRAINT "nodes_position_key" UNIQUE ("parent_id", "position") DEFERRABLE INITIALLY DEFERRED, CONSTRAINT "nodes_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "app"."nodes" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED )"#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "app"."users" ("id") DEFERRABLE INITIALLY DEFERRED NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_author_fk""#,
            r#"ALTER TABLE "app"."users" ADD CONSTRAINT "users_handle_key" UNIQUE ("handle") DEFERRABLE"#,
            r#"ALTER TABLE "app"."comments" ALTER CONSTRAINT "comments_post_fk" NOT DEFERRABLE"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."comments" ALTER CONSTRAINT "comments_post_fk" DEFERRABLE INITIALLY IMMEDIATE"#,
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_handle_key""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_author_fk""#,
            r#"DROP TABLE "app"."nodes""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(
        units,
        ["transaction(2)", "transaction(1)", "transaction(2)"]
    );
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(units, ["transaction(4)"]);
}

#[test]
fn exclusions_sql() {
    let plan = migrate_core::plan::preview(exclusions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."bookings" ADD CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&) INCLUDE ("booked_by") WHERE ("cancelled" = FALSE) DEFERRABLE"#,
            r#"ALTER TABLE "app"."shifts" ADD CONSTRAINT "shifts_one_at_a_time" EXCLUDE USING gist ((tstzrange(starts_at, ends_at)) WITH &&)"#,
            r#"ALTER TABLE "app"."rooms" DROP CONSTRAINT "rooms_no_overlap""#,
            r#"CREATE TABLE "app"."reservations" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "during" tstzrange NOT NULL )"#,
            r#"ALTER TABLE "app"."reservations" ADD CONSTRAINT "reservations_no_overlap" EXCLUDE USING gist ("during" WITH &&)"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."reservations" DROP CONSTRAINT "reservations_no_overlap""#,
            r#"DROP TABLE "app"."reservations""#,
            r#"ALTER TABLE "app"."rooms" ADD CONSTRAINT "rooms_no_overlap" EXCLUDE USING gist ("during" WITH &&) DEFERRABLE INITIALLY DEFERRED"#,
            r#"ALTER TABLE "app"."shifts" DROP CONSTRAINT "shifts_one_at_a_time""#,
            r#"ALTER TABLE "app"."bookings" DROP CONSTRAINT "bookings_no_overlap""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(5)"]);
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(units, ["transaction(5)"]);
}

#[test]
fn index_options_sql() {
    let plan = migrate_core::plan::preview(index_options).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE INDEX CONCURRENTLY "users_name_prefix" ON "app"."users" ("name" "text_pattern_ops")"#,
            r#"CREATE INDEX CONCURRENTLY "users_name_trgm" ON "app"."users" USING gin ("name" "public"."gin_trgm_ops") WITH ("fastupdate" = 'off')"#,
            r#"CREATE INDEX CONCURRENTLY "users_prefs_path" ON "app"."users" USING gin ("prefs" "jsonb_path_ops")"#,
            r#"CREATE INDEX CONCURRENTLY "users_lower_email_c" ON "app"."users" ((LOWER("email")) COLLATE "C" "text_pattern_ops" DESC, "org_id") WHERE "email" IS NOT NULL"#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "users_code_key" ON "app"."users" ("code", "org_id") INCLUDE ("id") NULLS NOT DISTINCT WITH ("fillfactor" = 70, "deduplicate_items" = 'off')"#,
            r#"DROP INDEX CONCURRENTLY "app"."users_city_idx""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE INDEX CONCURRENTLY "users_city_idx" ON "app"."users" ("city" COLLATE "en_US.utf8") WITH ("fillfactor" = 90)"#,
            r#"DROP INDEX CONCURRENTLY "app"."users_code_key""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_lower_email_c""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_prefs_path""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_name_trgm""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_name_prefix""#,
        ]
    );
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(
        units,
        ["alone", "alone", "alone", "alone", "alone", "alone"]
    );
    let units: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    assert_eq!(
        units,
        ["alone", "alone", "alone", "alone", "alone", "alone"]
    );
}

#[test]
fn reindexes_sql() {
    let plan = migrate_core::plan::preview(reindexes).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"REINDEX INDEX "app"."users_email_idx""#,
            r#"REINDEX INDEX CONCURRENTLY "app"."users_email_idx""#,
            r#"REINDEX TABLE "app"."users""#,
            r#"REINDEX TABLE CONCURRENTLY "users""#,
        ]
    );
    assert!(plan.down_sql().is_empty());
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(
        units,
        ["transaction(1)", "alone", "transaction(1)", "alone"]
    );
    assert!(plan.down.as_ref().unwrap().units.is_empty());
}

// ----- pinned checksums -------------------------------------------------------------------

/// The checksum of a migration function, as its plan records it.
fn checksum_of<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration of this family hashes to a fixed digest (see `checksums.rs`):
/// a change to one is a break. The queries and expressions inside are hashed as
/// sea-query renders them.
#[test]
fn every_moves_migration_has_a_pinned_checksum() {
    let actual = [
        ("data_moves", checksum_of(data_moves)),
        ("data_moves_paired", checksum_of(data_moves_paired)),
        ("tables_as", checksum_of(tables_as)),
        ("keys", checksum_of(keys)),
        (
            "deferrable_constraints",
            checksum_of(deferrable_constraints),
        ),
        ("exclusions", checksum_of(exclusions)),
        ("index_options", checksum_of(index_options)),
        ("reindexes", checksum_of(reindexes)),
    ];
    let expected = [
        (
            "data_moves",
            "4680f88976242e683457393a4b1f89e0eff2f663290dbe734779fe946e5c98a6",
        ),
        (
            "data_moves_paired",
            "cc87b5dd6f5279b2d82b311f87c72688ee974efcf804fc57353bab3b2a5010dc",
        ),
        (
            "tables_as",
            "63cc4230f85eb2ccdfced263a012147054715efcae4032b0771fe21b1e162dce",
        ),
        (
            "keys",
            "61859e4e5eb083943c4cf294aee859fa215b1e3faab1be5746e408f8bdab9170",
        ),
        (
            "deferrable_constraints",
            "a37daf08f1543b3125045872222abc4d52933ef13c8cef029ea84d0d99cb7e7e",
        ),
        (
            "exclusions",
            "3d8733c18c8a9d96cf726514e4a3b8e34c022eceecbc5951a2bd411bf21d66ae",
        ),
        (
            "index_options",
            "ace7683b5bfd70195ec70adfbf1a4ce90042a6f3bbeb6d6e37ea878c5c40088d",
        ),
        (
            "reindexes",
            "bcf146934531e217e6b1be05bc3e97f397f38421cee2bbaebfc5d857f45e4e6d",
        ),
    ];
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, c)| (*n, c.as_str())).collect();
    assert_eq!(actual, expected);
}

// ----- checks and lint -------------------------------------------------------------------

fn problems<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
    match migrate_core::plan::preview(f) {
        Err(migrate_core::Error::InvalidMigration { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected an invalid migration, got {other:?}"),
    }
}

#[test]
fn options_postgres_refuses_are_problems() {
    fn bad(m: &mut Migration) {
        m.add_exclusion("t", "t_excl", [("a", "= 1; --")]);
        m.add_check("t", "t_check", Expr::col("a").gt(0))
            .deferrable();
        m.add_exclusion("t", "t_excl2", [("a", "&&")]).not_valid();
        m.create_index("t_idx", "t", ["a"]).nulls_not_distinct();
        m.add_primary_key_using_index("t", "t_pkey", "t_made_elsewhere");
        m.create_table_as("t2", Query::select().columns(["a", "b"]).from("t").take())
            .columns(["x", "x"]);
    }
    fn bad_index(m: &mut Migration) {
        m.create_index_concurrently("t_a_idx", "t", ["a"]);
        m.add_unique_using_index("t", "t_a_key", "t_a_idx");
        m.create_index_concurrently("t_b_idx", "t", ["b"])
            .unique()
            .filter(Expr::col("b").gt(0));
        m.add_primary_key_using_index("t", "t_pkey", "t_b_idx");
    }
    let found = problems(bad_index);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].contains("the index `t_a_idx` is not unique"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("the index `t_b_idx` is partial"),
        "{found:#?}"
    );
    let found = problems(bad);
    let expected = [
        "`= 1; --` is not an operator",
        "a check constraint cannot be deferrable",
        "`not_valid` applies to foreign keys and checks only; PostgreSQL builds an index for an exclusion constraint",
        "`nulls_not_distinct` applies to unique indexes only",
        "the index `t_made_elsewhere` is not created earlier in this migration, so the down cannot rebuild it: give its columns with `add_primary_key_using_index_with(table, name, index, columns)`",
        "column `x` is named twice",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(found.contains(expected), "{found} / {expected}");
    }
}

fn findings<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> Vec<(Rule, String)> {
    migrate_core::lint::lint_plan(&migrate_core::plan::preview(f).unwrap())
        .into_iter()
        .map(|f| (f.rule, f.object))
        .collect()
}

#[test]
fn keys_and_exclusions_on_existing_tables_are_linted() {
    fn offline(m: &mut Migration) {
        m.add_primary_key("events", "events_pkey", ["id"]);
        m.add_unique("users", "users_email_key", ["email"]);
        m.add_exclusion("bookings", "bookings_no_overlap", [("during", "&&")]);
    }
    assert_eq!(
        findings(offline),
        [
            (
                Rule::IndexNotConcurrent,
                "events.events_pkey: build a unique index with `create_index_concurrently`, then `add_primary_key_using_index`".to_owned()
            ),
            (
                Rule::IndexNotConcurrent,
                "users.users_email_key: build a unique index with `create_index_concurrently`, then `add_unique_using_index`".to_owned()
            ),
            (
                Rule::IndexNotConcurrent,
                "bookings.bookings_no_overlap: an exclusion constraint has no online form: allow it only on a small table".to_owned()
            ),
        ]
    );

    fn online(m: &mut Migration) {
        m.create_index_concurrently("events_id_idx", "events", ["id"])
            .unique();
        m.add_primary_key_using_index("events", "events_pkey", "events_id_idx");
        m.create_table("t", |t| {
            t.column("id", BigInt).not_null();
        });
        m.add_primary_key("t", "t_pkey", ["id"]);
        m.add_foreign_key("posts", "posts_author_fk", ["author_id"], "users", ["id"])
            .initially_deferred();
    }
    assert_eq!(findings(online), []);
}

#[test]
fn a_table_created_with_rows_counts_as_existing() {
    fn with_rows(m: &mut Migration) {
        m.create_table_as("copy", Query::select().column("id").from("t").take());
        m.create_index("copy_id", "copy", ["id"]);
        m.add_check("copy", "copy_id_positive", Expr::col("id").gt(0));
    }
    assert_eq!(
        findings(with_rows),
        [(Rule::IndexNotConcurrent, "copy_id".to_owned())]
    );
    // The check is added NOT VALID, then validated on its own.
    let plan = migrate_core::plan::preview(with_rows).unwrap();
    let units: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(units, ["transaction(3)", "transaction(1)"]);

    fn empty(m: &mut Migration) {
        m.create_table_as("copy", Query::select().column("id").from("t").take())
            .with_no_data();
        m.create_index("copy_id", "copy", ["id"]);
        m.add_check("copy", "copy_id_positive", Expr::col("id").gt(0));
    }
    assert_eq!(findings(empty), []);
    let plan = migrate_core::plan::preview(empty).unwrap();
    assert_eq!(plan.up.units.len(), 1);
}

#[test]
fn reindex_without_concurrently_is_linted() {
    fn plain(m: &mut Migration) {
        m.reindex_index("users_email_idx");
        m.reindex_table("users");
        m.reindex_index_concurrently("users_email_idx");
        m.reindex_table_concurrently("users");
    }
    assert_eq!(
        findings(plain),
        [
            (
                Rule::IndexNotConcurrent,
                "users_email_idx: use `reindex_index_concurrently`".to_owned()
            ),
            (
                Rule::IndexNotConcurrent,
                "users: use `reindex_table_concurrently`".to_owned()
            ),
        ]
    );
}

#[test]
fn an_index_key_keeps_its_options_through_a_drop_with() {
    let column = IndexColumn::col("name")
        .collate("C")
        .opclass("text_pattern_ops")
        .order(SortOrder::Asc);
    assert_eq!(column.collation.as_ref().map(|c| c.as_str()), Some("C"));
    fn round_trip(m: &mut Migration) {
        m.drop_index_with(
            "users_name_idx",
            "users",
            [IndexColumn::col("name").opclass("text_pattern_ops")],
        );
    }
    let plan = migrate_core::plan::preview(round_trip).unwrap();
    assert_eq!(
        plan.down_sql(),
        [r#"CREATE INDEX "users_name_idx" ON "users" ("name" "text_pattern_ops")"#]
    );
}
