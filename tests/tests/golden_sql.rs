//! Golden SQL: the exact statements every DSL step renders to, up and down.
//!
//! Each migration is a plain function planned with `plan::preview`, the way a user
//! previews one. Reversible migrations are checked in both directions; steps that
//! need `Manual` mode are checked alone (no down) and paired inside `reversible`.

#![allow(clippy::unwrap_used)]

use migrate_core::prelude::*;
use migrate_core::step::IndexKey;
use migrate_core::{Error, SortOrder, Step, Unit};

// ----- column types -----------------------------------------------------------------

fn all_types(m: &mut Migration) {
    m.create_schema("app");
    m.create_enum("app.mood", ["happy", "sad"]);
    m.create_table("app.all_types", |t| {
        t.column("c_smallint", SmallInt);
        t.column("c_integer", Integer);
        t.column("c_bigint", BigInt);
        t.column("c_boolean", Boolean);
        t.column("c_text", Text);
        t.column("c_varchar", Varchar(40));
        t.column("c_char", Char(3));
        t.column("c_numeric", Numeric(12, 2));
        t.column("c_real", Real);
        t.column("c_double", DoublePrecision);
        t.column("c_date", Date);
        t.column("c_time", Time);
        t.column("c_timestamp", Timestamp);
        t.column("c_timestamptz", Timestamptz);
        t.column("c_interval", Interval);
        t.column("c_uuid", Uuid);
        t.column("c_json", Json);
        t.column("c_jsonb", Jsonb);
        t.column("c_bytea", Bytea);
        t.column("c_inet", Inet);
        t.column("c_text_arr", Text.array());
        t.column("c_int_matrix", Integer.array().array());
        t.column("c_varchar_arr", Varchar(8).array());
        t.column("c_mood", ColumnType::named("app.mood"));
        t.column("c_moods", ColumnType::named(("app", "mood")).array());
        t.column("c_unchecked", ColumnType::unchecked("numeric(10,2)"));
        t.column(
            "c_unchecked_arr",
            ColumnType::unchecked("tstzrange").array(),
        );
    });
}

#[test]
fn every_column_type() {
    let plan = migrate_core::plan::preview(all_types).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE SCHEMA "app""#,
            r#"CREATE TYPE "app"."mood" AS ENUM ('happy', 'sad')"#,
            concat!(
                r#"CREATE TABLE "app"."all_types" ( "c_smallint" smallint, "c_integer" integer, "#,
                r#""c_bigint" bigint, "c_boolean" bool, "c_text" text, "c_varchar" varchar(40), "#,
                r#""c_char" char(3), "c_numeric" decimal(12, 2), "c_real" real, "#,
                r#""c_double" double precision, "c_date" date, "c_time" time, "#,
                r#""c_timestamp" timestamp, "c_timestamptz" timestamp with time zone, "#,
                r#""c_interval" interval, "c_uuid" uuid, "c_json" json, "c_jsonb" jsonb, "#,
                r#""c_bytea" bytea, "c_inet" inet, "c_text_arr" text[], "c_int_matrix" integer[][], "#,
                r#""c_varchar_arr" varchar(8)[], "c_mood" "app"."mood", "c_moods" "app"."mood"[], "#,
                r#""c_unchecked" numeric(10,2), "c_unchecked_arr" tstzrange[] )"#
            ),
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP TABLE "app"."all_types""#,
            r#"DROP TYPE "app"."mood""#,
            r#"DROP SCHEMA "app""#,
        ]
    );
}

// ----- column modifiers -------------------------------------------------------------

fn column_modifiers(m: &mut Migration) {
    m.create_table("orgs", |t| {
        t.column("id", BigInt).identity().primary_key();
    });
    m.create_table("members", |t| {
        t.column("id", Integer).identity_always().primary_key();
        t.column("org_id", BigInt)
            .not_null()
            .references("orgs", "id")
            .on_delete(ReferentialAction::Cascade)
            .on_update(ReferentialAction::NoAction);
        t.column("inviter_org_id", BigInt)
            .null()
            .references("orgs", "id")
            .on_delete(ReferentialAction::SetNull)
            .on_update(ReferentialAction::Restrict);
        t.column("fallback_org_id", BigInt)
            .default(1i64)
            .references("orgs", "id")
            .on_delete(ReferentialAction::SetDefault);
        t.column("seq", SmallInt).identity().not_null();
        t.column("email", Text).not_null().unique();
        t.column("age", SmallInt).check(Expr::col("age").gte(0));
        t.column("nickname", Text).default("it's");
        t.column("path", Text).default(r"C:\temp");
        t.column("score", DoublePrecision).not_null().default(1.5);
        t.column("rank", Integer).default(0);
        t.column("active", Boolean).not_null().default(false);
        t.column("note", Text).default(DefaultValue::null());
        t.column("token", Uuid)
            .not_null()
            .unique()
            .default(DefaultValue::gen_random_uuid());
        t.column("joined_at", Timestamptz)
            .default(DefaultValue::now());
        t.column("joined_on", Date)
            .default(DefaultValue::current_date());
        t.column("level", Integer).default(DefaultValue::expr(
            Expr::val(2).mul(3),
            Volatility::Immutable,
        ));
    });
}

#[test]
fn every_column_modifier() {
    let plan = migrate_core::plan::preview(column_modifiers).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE TABLE "orgs" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY )"#,
            concat!(
                r#"CREATE TABLE "members" ( "id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "#,
                r#""org_id" bigint NOT NULL REFERENCES "orgs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, "#,
                r#""inviter_org_id" bigint NULL REFERENCES "orgs" ("id") ON DELETE SET NULL ON UPDATE RESTRICT, "#,
                r#""fallback_org_id" bigint DEFAULT 1 REFERENCES "orgs" ("id") ON DELETE SET DEFAULT, "#,
                r#""seq" smallint GENERATED BY DEFAULT AS IDENTITY NOT NULL, "#,
                r#""email" text NOT NULL UNIQUE, "#,
                r#""age" smallint CHECK ("age" >= 0), "#,
                r#""nickname" text DEFAULT E'it\'s', "#,
                r#""path" text DEFAULT E'C:\\temp', "#,
                r#""score" double precision NOT NULL DEFAULT 1.5, "#,
                r#""rank" integer DEFAULT 0, "#,
                r#""active" bool NOT NULL DEFAULT FALSE, "#,
                r#""note" text DEFAULT NULL, "#,
                r#""token" uuid NOT NULL DEFAULT (gen_random_uuid()) UNIQUE, "#,
                r#""joined_at" timestamp with time zone DEFAULT (now()), "#,
                r#""joined_on" date DEFAULT (CURRENT_DATE), "#,
                r#""level" integer DEFAULT (2 * 3) )"#
            ),
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [r#"DROP TABLE "members""#, r#"DROP TABLE "orgs""#]
    );
}

fn with_timestamps(m: &mut Migration) {
    m.create_table("app.events", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.timestamps();
    });
}

#[test]
fn timestamps_helper() {
    let plan = migrate_core::plan::preview(with_timestamps).unwrap();
    assert_eq!(
        plan.up_sql(),
        [concat!(
            r#"CREATE TABLE "app"."events" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "#,
            r#""created_at" timestamp with time zone NOT NULL DEFAULT (now()), "#,
            r#""updated_at" timestamp with time zone NOT NULL DEFAULT (now()) )"#
        )]
    );
    assert_eq!(plan.down_sql(), [r#"DROP TABLE "app"."events""#]);
}

// ----- table constraints ------------------------------------------------------------

fn table_constraints(m: &mut Migration) {
    m.create_schema("app");
    m.create_table("app.orgs", |t| {
        t.column("id", BigInt).not_null();
        t.column("slug", Text).not_null();
        t.primary_key(["id"]);
        t.unique(["slug"]).name("orgs_slug_key");
    });
    m.create_table("app.memberships", |t| {
        t.column("org_id", BigInt).not_null();
        t.column("user_id", BigInt).not_null();
        t.column("role", Text).not_null();
        t.column("parent_org_id", BigInt);
        t.primary_key(["org_id", "user_id"])
            .name("memberships_pkey");
        t.unique(["user_id", "role"]);
        t.check(Expr::col("role").is_in(["admin", "member"]))
            .name("memberships_role_check");
        t.check(Expr::col("org_id").ne(Expr::col("parent_org_id")));
        // (`not_valid` inside `create_table` is refused by the plan: see plan.rs tests.)
        t.foreign_key(["org_id"], "app.orgs", ["id"])
            .name("memberships_org_fk")
            .on_delete(ReferentialAction::Cascade)
            .on_update(ReferentialAction::Restrict);
        t.foreign_key(["parent_org_id"], "app.orgs", ["id"])
            .on_delete(ReferentialAction::SetNull);
    });
}

#[test]
fn table_level_constraints() {
    let plan = migrate_core::plan::preview(table_constraints).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE SCHEMA "app""#,
            concat!(
                r#"CREATE TABLE "app"."orgs" ( "id" bigint NOT NULL, "slug" text NOT NULL, "#,
                r#"PRIMARY KEY ("id"), CONSTRAINT "orgs_slug_key" UNIQUE ("slug") )"#
            ),
            concat!(
                r#"CREATE TABLE "app"."memberships" ( "org_id" bigint NOT NULL, "user_id" bigint NOT NULL, "#,
                r#""role" text NOT NULL, "parent_org_id" bigint, "#,
                r#"CONSTRAINT "memberships_pkey" PRIMARY KEY ("org_id", "user_id"), "#,
                r#"UNIQUE ("user_id", "role"), "#,
                r#"CONSTRAINT "memberships_org_fk" FOREIGN KEY ("org_id") REFERENCES "app"."orgs" ("id") ON DELETE CASCADE ON UPDATE RESTRICT, "#,
                r#"FOREIGN KEY ("parent_org_id") REFERENCES "app"."orgs" ("id") ON DELETE SET NULL, "#,
                r#"CONSTRAINT "memberships_role_check" CHECK ("role" IN ('admin', 'member')), "#,
                r#"CHECK ("org_id" <> "parent_org_id") )"#
            ),
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP TABLE "app"."memberships""#,
            r#"DROP TABLE "app"."orgs""#,
            r#"DROP SCHEMA "app""#,
        ]
    );
}

// ----- awkward identifiers and literals ---------------------------------------------

fn weird_names(m: &mut Migration) {
    let table = ("My Schema", r#"Odd"Table"#);
    m.create_schema("My Schema");
    m.create_table(table, |t| {
        t.column(r#"Col"Quote"#, Integer).not_null();
        t.column("MixedCase", Text);
        t.primary_key([r#"Col"Quote"#]).name(r#"Odd"Pkey"#);
        t.unique(["MixedCase"]).name(r#"Odd"Key"#);
        t.check(Expr::col("MixedCase").ne("")).name(r#"Odd"Check"#);
        t.foreign_key(["MixedCase"], table, ["MixedCase"])
            .name(r#"Odd"SelfFk"#);
    });
    m.create_index(r#"Odd"Idx"#, table, ["MixedCase"])
        .include([r#"Col"Quote"#]);
    m.add_column(table, r#"Ref"Col"#, Integer)
        .references(table, r#"Col"Quote"#);
    m.add_foreign_key(table, r#"Odd"Fk"#, [r#"Ref"Col"#], table, [r#"Col"Quote"#])
        .not_valid();
    m.validate_constraint(table, r#"Odd"Fk"#);
    m.rename_index(("My Schema", r#"Odd"Idx"#), r#"Renamed"Idx"#);
    m.rename_constraint(table, r#"Odd"Check"#, r#"Renamed"Check"#);
    m.create_enum(
        ("My Schema", r#"Odd"Enum"#),
        ["it's", r"back\slash", "Plain"],
    );
}

#[test]
fn identifiers_with_quotes_and_mixed_case() {
    let plan = migrate_core::plan::preview(weird_names).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE SCHEMA "My Schema""#,
            concat!(
                r#"CREATE TABLE "My Schema"."Odd""Table" ( "Col""Quote" integer NOT NULL, "MixedCase" text, "#,
                r#"CONSTRAINT "Odd""Pkey" PRIMARY KEY ("Col""Quote"), "#,
                r#"CONSTRAINT "Odd""Key" UNIQUE ("MixedCase"), "#,
                r#"CONSTRAINT "Odd""SelfFk" FOREIGN KEY ("MixedCase") REFERENCES "My Schema"."Odd""Table" ("MixedCase"), "#,
                r#"CONSTRAINT "Odd""Check" CHECK ("MixedCase" <> '') )"#
            ),
            r#"CREATE INDEX "Odd""Idx" ON "My Schema"."Odd""Table" ("MixedCase") INCLUDE ("Col""Quote")"#,
            r#"ALTER TABLE "My Schema"."Odd""Table" ADD COLUMN "Ref""Col" integer REFERENCES "My Schema"."Odd""Table" ("Col""Quote")"#,
            r#"ALTER TABLE "My Schema"."Odd""Table" ADD CONSTRAINT "Odd""Fk" FOREIGN KEY ("Ref""Col") REFERENCES "My Schema"."Odd""Table" ("Col""Quote") NOT VALID"#,
            r#"ALTER TABLE "My Schema"."Odd""Table" VALIDATE CONSTRAINT "Odd""Fk""#,
            r#"ALTER INDEX "My Schema"."Odd""Idx" RENAME TO "Renamed""Idx""#,
            r#"ALTER TABLE "My Schema"."Odd""Table" RENAME CONSTRAINT "Odd""Check" TO "Renamed""Check""#,
            r#"CREATE TYPE "My Schema"."Odd""Enum" AS ENUM (E'it\'s', E'back\\slash', 'Plain')"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP TYPE "My Schema"."Odd""Enum""#,
            r#"ALTER TABLE "My Schema"."Odd""Table" RENAME CONSTRAINT "Renamed""Check" TO "Odd""Check""#,
            r#"ALTER INDEX "My Schema"."Renamed""Idx" RENAME TO "Odd""Idx""#,
            r#"ALTER TABLE "My Schema"."Odd""Table" DROP CONSTRAINT "Odd""Fk""#,
            r#"ALTER TABLE "My Schema"."Odd""Table" DROP COLUMN "Ref""Col""#,
            r#"DROP INDEX "My Schema"."Odd""Idx""#,
            r#"DROP TABLE "My Schema"."Odd""Table""#,
            r#"DROP SCHEMA "My Schema""#,
        ]
    );
}

// ----- columns ----------------------------------------------------------------------

fn alter_columns(m: &mut Migration) {
    m.add_column("app.users", "bio", Text)
        .not_null()
        .default("");
    m.add_column("app.users", "seq", BigInt).identity();
    m.add_column("app.users", "uid", Uuid)
        .not_null()
        .default(DefaultValue::gen_random_uuid())
        .unique();
    m.drop_column_with("app.users", "legacy", Varchar(20))
        .not_null()
        .default("x");
    m.rename_column("app.users", "name", "full_name");
    m.alter_column_type_from("app.users", "age", Integer, BigInt);
    m.alter_column_type_from("app.users", "code", Text, Integer)
        .using(Expr::cust(r#""code"::integer"#))
        .reverse_using(Expr::col("code").cast_as("text"));
    m.change_default("app.users", "status", None, Some("active".into()));
    m.change_default("app.users", "created_at", Some(DefaultValue::now()), None);
    m.change_default("app.users", "kind", Some("a'b".into()), Some(r"c\d".into()));
    m.set_not_null("app.users", "email");
    m.drop_not_null("app.users", "phone");
}

#[test]
fn column_steps_on_a_qualified_table() {
    let plan = migrate_core::plan::preview(alter_columns).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."users" ADD COLUMN "bio" text NOT NULL DEFAULT ''"#,
            r#"ALTER TABLE "app"."users" ADD COLUMN "seq" bigint GENERATED BY DEFAULT AS IDENTITY"#,
            r#"ALTER TABLE "app"."users" ADD COLUMN "uid" uuid NOT NULL DEFAULT (gen_random_uuid()) UNIQUE"#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "legacy""#,
            r#"ALTER TABLE "app"."users" RENAME COLUMN "name" TO "full_name""#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "age" TYPE bigint"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "code" TYPE integer USING "code"::integer"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "status" SET DEFAULT 'active'"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "created_at" DROP DEFAULT"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "kind" SET DEFAULT E'c\\d'"#,
            // On an existing table, SET NOT NULL goes through a validated CHECK (plan.rs).
            r#"ALTER TABLE "app"."users" ADD CONSTRAINT "users_email_not_null_tmp" CHECK ("email" IS NOT NULL) NOT VALID"#,
            r#"ALTER TABLE "app"."users" VALIDATE CONSTRAINT "users_email_not_null_tmp""#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "email" SET NOT NULL"#,
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_email_not_null_tmp""#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "phone" DROP NOT NULL"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."users" ADD CONSTRAINT "users_phone_not_null_tmp" CHECK ("phone" IS NOT NULL) NOT VALID"#,
            r#"ALTER TABLE "app"."users" VALIDATE CONSTRAINT "users_phone_not_null_tmp""#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "phone" SET NOT NULL"#,
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_phone_not_null_tmp""#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "email" DROP NOT NULL"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "kind" SET DEFAULT E'a\'b'"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "created_at" SET DEFAULT now()"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "status" DROP DEFAULT"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "code" TYPE text USING CAST("code" AS text)"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "age" TYPE integer"#,
            r#"ALTER TABLE "app"."users" RENAME COLUMN "full_name" TO "name""#,
            r#"ALTER TABLE "app"."users" ADD COLUMN "legacy" varchar(20) NOT NULL DEFAULT 'x'"#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "uid""#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "seq""#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "bio""#,
        ]
    );
}

// ----- indexes ----------------------------------------------------------------------

fn indexes(m: &mut Migration) {
    m.create_index("users_email_key", "app.users", ["email"])
        .unique();
    m.create_index_concurrently(
        "users_active_idx",
        "app.users",
        [IndexColumn::from("org_id"), IndexColumn::desc("created_at")],
    )
    .filter(Expr::col("deleted_at").is_null());
    m.create_index("users_tags_idx", "app.users", ["tags"])
        .using(IndexMethod::Gin);
    m.create_index_concurrently(
        "users_lower_email_idx",
        "app.users",
        [IndexColumn::expr(Expr::cust("lower(email)"))],
    )
    .unique()
    .include(["id"])
    .filter(Expr::col("email").is_not_null());
    m.create_index("users_org_idx", "app.users", ["org_id"])
        .using(IndexMethod::Btree)
        .include(["email", "id"]);
    m.create_index_concurrently("users_created_brin", "app.users", ["created_at"])
        .using(IndexMethod::Brin);
    m.create_index("users_email_hash", "app.users", ["email"])
        .using(IndexMethod::Hash);
    m.create_index("users_active_during_idx", "app.users", ["active_during"])
        .using(IndexMethod::Gist);
    m.create_index(
        "users_lower_name_desc",
        "app.users",
        [IndexColumn {
            key: IndexKey::Expr(Func::lower(Expr::col("name")).into()),
            order: Some(SortOrder::Desc),
        }],
    )
    .filter(Expr::col("kind").eq("it's").and(Expr::col("org_id").gt(0)));
    m.create_index("users_plain_idx", "users", ["id"]);
}

#[test]
fn indexes_of_every_shape() {
    let plan = migrate_core::plan::preview(indexes).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE UNIQUE INDEX "users_email_key" ON "app"."users" ("email")"#,
            r#"CREATE INDEX CONCURRENTLY "users_active_idx" ON "app"."users" ("org_id", "created_at" DESC) WHERE "deleted_at" IS NULL"#,
            r#"CREATE INDEX "users_tags_idx" ON "app"."users" USING gin ("tags")"#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "users_lower_email_idx" ON "app"."users" ((lower(email))) INCLUDE ("id") WHERE "email" IS NOT NULL"#,
            r#"CREATE INDEX "users_org_idx" ON "app"."users" USING btree ("org_id") INCLUDE ("email", "id")"#,
            r#"CREATE INDEX CONCURRENTLY "users_created_brin" ON "app"."users" USING brin ("created_at")"#,
            r#"CREATE INDEX "users_email_hash" ON "app"."users" USING hash ("email")"#,
            r#"CREATE INDEX "users_active_during_idx" ON "app"."users" USING gist ("active_during")"#,
            r#"CREATE INDEX "users_lower_name_desc" ON "app"."users" ((LOWER("name")) DESC) WHERE "kind" = E'it\'s' AND "org_id" > 0"#,
            r#"CREATE INDEX "users_plain_idx" ON "users" ("id")"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP INDEX "users_plain_idx""#,
            r#"DROP INDEX "app"."users_lower_name_desc""#,
            r#"DROP INDEX "app"."users_active_during_idx""#,
            r#"DROP INDEX "app"."users_email_hash""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_created_brin""#,
            r#"DROP INDEX "app"."users_org_idx""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_lower_email_idx""#,
            r#"DROP INDEX "app"."users_tags_idx""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_active_idx""#,
            r#"DROP INDEX "app"."users_email_key""#,
        ]
    );
}

// ----- constraints ------------------------------------------------------------------

fn constraints_not_valid(m: &mut Migration) {
    m.add_foreign_key(
        "app.posts",
        "posts_author_fk",
        ["author_id"],
        "app.users",
        ["id"],
    )
    .on_delete(ReferentialAction::Cascade)
    .not_valid();
    m.validate_constraint("app.posts", "posts_author_fk");
    m.add_check(
        "app.posts",
        "posts_title_len",
        Expr::cust("char_length(title) <= 200"),
    )
    .not_valid();
    m.validate_constraint("app.posts", "posts_title_len");
    // (`not_valid` on a unique constraint is refused by the plan: see plan.rs tests.)
    m.add_unique("app.posts", "posts_slug_key", ["slug"]);
    m.add_foreign_key(
        "app.posts",
        "posts_editor_fk",
        ["editor_id", "org_id"],
        "app.users",
        ["id", "org_id"],
    )
    .on_update(ReferentialAction::SetNull);
}

#[test]
fn constraints_not_valid_then_validated() {
    let plan = migrate_core::plan::preview(constraints_not_valid).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "app"."users" ("id") ON DELETE CASCADE NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_author_fk""#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_title_len" CHECK (char_length(title) <= 200) NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_title_len""#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_slug_key" UNIQUE ("slug")"#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id", "org_id") REFERENCES "app"."users" ("id", "org_id") ON UPDATE SET NULL NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_editor_fk""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_editor_fk""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_slug_key""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_title_len""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_author_fk""#,
        ]
    );
}

// ----- drops with their definitions ---------------------------------------------------

fn drops_with_definitions(m: &mut Migration) {
    m.drop_foreign_key_with(
        "app.posts",
        "posts_author_fk",
        ["author_id"],
        "app.users",
        ["id"],
    )
    .on_delete(ReferentialAction::Cascade);
    m.drop_unique_with("app.posts", "posts_slug_key", ["slug"]);
    m.drop_check_with(
        "app.posts",
        "posts_title_len",
        Expr::cust("char_length(title) <= 200"),
    );
    m.drop_index_with("posts_slug_idx", "app.posts", ["slug"])
        .unique();
    m.drop_index_concurrently_with(
        "posts_created_idx",
        "app.posts",
        [IndexColumn::desc("created_at")],
    );
    m.drop_table_with("app.drafts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("body", Text).not_null();
    });
    m.drop_enum_with("app.status", ["draft", "published"]);
    m.drop_schema("old");
}

#[test]
fn drops_with_definitions_round_trip() {
    let plan = migrate_core::plan::preview(drops_with_definitions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_author_fk""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_slug_key""#,
            r#"ALTER TABLE "app"."posts" DROP CONSTRAINT "posts_title_len""#,
            r#"DROP INDEX "app"."posts_slug_idx""#,
            r#"DROP INDEX CONCURRENTLY "app"."posts_created_idx""#,
            r#"DROP TABLE "app"."drafts""#,
            r#"DROP TYPE "app"."status""#,
            r#"DROP SCHEMA "old""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE SCHEMA "old""#,
            r#"CREATE TYPE "app"."status" AS ENUM ('draft', 'published')"#,
            r#"CREATE TABLE "app"."drafts" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "body" text NOT NULL )"#,
            r#"CREATE INDEX CONCURRENTLY "posts_created_idx" ON "app"."posts" ("created_at" DESC)"#,
            r#"CREATE UNIQUE INDEX "posts_slug_idx" ON "app"."posts" ("slug")"#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_title_len" CHECK (char_length(title) <= 200) NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_title_len""#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_slug_key" UNIQUE ("slug")"#,
            r#"ALTER TABLE "app"."posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "app"."users" ("id") ON DELETE CASCADE NOT VALID"#,
            r#"ALTER TABLE "app"."posts" VALIDATE CONSTRAINT "posts_author_fk""#,
        ]
    );
}

// ----- renames ----------------------------------------------------------------------

fn renames(m: &mut Migration) {
    m.rename_table("app.users", "members");
    m.rename_column("app.members", "name", "full_name");
    m.rename_index("app.users_email_key", "members_email_key");
    m.rename_constraint("app.members", "users_age_check", "members_age_check");
    m.rename_enum_value("app.mood", "sad", "it's blue");
}

#[test]
fn renames_round_trip() {
    let plan = migrate_core::plan::preview(renames).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."users" RENAME TO "members""#,
            r#"ALTER TABLE "app"."members" RENAME COLUMN "name" TO "full_name""#,
            r#"ALTER INDEX "app"."users_email_key" RENAME TO "members_email_key""#,
            r#"ALTER TABLE "app"."members" RENAME CONSTRAINT "users_age_check" TO "members_age_check""#,
            r#"ALTER TYPE "app"."mood" RENAME VALUE 'sad' TO E'it\'s blue'"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TYPE "app"."mood" RENAME VALUE E'it\'s blue' TO 'sad'"#,
            r#"ALTER TABLE "app"."members" RENAME CONSTRAINT "members_age_check" TO "users_age_check""#,
            r#"ALTER INDEX "app"."members_email_key" RENAME TO "users_email_key""#,
            r#"ALTER TABLE "app"."members" RENAME COLUMN "full_name" TO "name""#,
            r#"ALTER TABLE "app"."members" RENAME TO "users""#,
        ]
    );
}

// ----- schemas and extensions -------------------------------------------------------

fn extensions(m: &mut Migration) {
    m.create_schema("ext");
    m.create_extension("uuid-ossp");
    m.create_extension("pgcrypto");
}

fn drop_extensions(m: &mut Migration) {
    m.drop_extension("pg_trgm");
    m.drop_schema("legacy");
}

#[test]
fn schemas_and_extensions() {
    let plan = migrate_core::plan::preview(extensions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE SCHEMA "ext""#,
            r#"CREATE EXTENSION "uuid-ossp""#,
            r#"CREATE EXTENSION "pgcrypto""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP EXTENSION "pgcrypto""#,
            r#"DROP EXTENSION "uuid-ossp""#,
            r#"DROP SCHEMA "ext""#,
        ]
    );

    let plan = migrate_core::plan::preview(drop_extensions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [r#"DROP EXTENSION "pg_trgm""#, r#"DROP SCHEMA "legacy""#]
    );
    assert_eq!(
        plan.down_sql(),
        [r#"CREATE SCHEMA "legacy""#, r#"CREATE EXTENSION "pg_trgm""#,]
    );
}

/// `ensure_*` accepts what exists already; having no inverse, it needs `Manual` mode
/// (a one-way migration, or one with its own down).
#[test]
fn ensured_schemas_and_extensions_are_one_way() {
    fn ensure(m: &mut Migration<Manual>) {
        m.ensure_schema("ext");
        m.ensure_extension("pgcrypto");
    }
    assert_eq!(
        migrate_core::plan::preview(ensure).unwrap().up_sql(),
        [
            r#"CREATE SCHEMA IF NOT EXISTS "ext""#,
            r#"CREATE EXTENSION IF NOT EXISTS "pgcrypto""#,
        ]
    );
    let steps = [
        Step::EnsureSchema { name: "ext".into() },
        Step::EnsureExtension {
            name: "pgcrypto".into(),
        },
    ];
    assert!(steps.iter().all(|step| step.inverse().is_none()));
}

// ----- steps that need Manual mode ------------------------------------------------------

fn manual_schema_steps(m: &mut Migration<Manual>) {
    m.alter_column_type("app.users", "code", Integer)
        .using(Expr::cust(r#""code"::integer"#));
    m.alter_column_type("app.users", "tags", Varchar(16).array());
    m.set_default("app.users", "status", "new");
    m.set_default(
        "app.users",
        "score",
        DefaultValue::expr(Expr::val(1).add(1), Volatility::Immutable),
    );
    m.drop_default("app.users", "created_at");
    m.drop_column("app.users", "legacy");
    m.drop_index("app.users_email_key");
    m.drop_index_concurrently("users_plain_idx");
    m.drop_constraint("app.users", "users_age_check");
    m.add_enum_value("app.mood", "ok");
    m.add_enum_value_before("app.mood", "meh", "sad");
    m.add_enum_value_after("app.mood", "it's", "happy");
    m.drop_table("app.legacy");
    m.drop_enum("app.unused");
}

#[test]
fn manual_schema_steps_up_only() {
    let plan = migrate_core::plan::preview(manual_schema_steps).unwrap();
    assert!(!plan.is_reversible());
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER TABLE "app"."users" ALTER COLUMN "code" TYPE integer USING "code"::integer"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "tags" TYPE varchar(16)[]"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "status" SET DEFAULT 'new'"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "score" SET DEFAULT 1 + 1"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "created_at" DROP DEFAULT"#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "legacy""#,
            r#"DROP INDEX "app"."users_email_key""#,
            r#"DROP INDEX CONCURRENTLY "users_plain_idx""#,
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_age_check""#,
            r#"ALTER TYPE "app"."mood" ADD VALUE 'ok'"#,
            r#"ALTER TYPE "app"."mood" ADD VALUE 'meh' BEFORE 'sad'"#,
            r#"ALTER TYPE "app"."mood" ADD VALUE E'it\'s' AFTER 'happy'"#,
            r#"DROP TABLE "app"."legacy""#,
            r#"DROP TYPE "app"."unused""#,
        ]
    );
    assert!(plan.down_sql().is_empty());
}

fn manual_data_steps(m: &mut Migration<Manual>) {
    m.insert("app.users", ["id", "name", "active"])
        .values([Expr::val(1), Expr::val("it's"), Expr::val(true)])
        .values([Expr::val(2), Expr::val(r"back\slash"), Expr::val(false)])
        .on_conflict_do_nothing();
    m.insert("app.users", ["id", "name"])
        .values([Expr::val(3), Expr::val("plain")]);
    m.update("app.users")
        .set("name", "O'Reilly")
        .set("score", Expr::col("score").add(1))
        .set("note", Expr::val(Option::<String>::None))
        .filter(Expr::col("id").eq(1))
        .filter(Expr::col("name").like(r"%\_%"));
    m.update("app.users").set("active", true);
    m.delete("app.users").filter(Expr::col("active").eq(false));
    m.delete("app.sessions");
    m.unchecked_sql("CREATE INDEX CONCURRENTLY users_id_idx ON app.users (id)")
        .outside_transaction();
    m.unchecked_sql("ANALYZE app.users");
}

#[test]
fn manual_data_steps_up_only() {
    let plan = migrate_core::plan::preview(manual_data_steps).unwrap();
    assert!(!plan.is_reversible());
    assert_eq!(
        plan.up_sql(),
        [
            r#"INSERT INTO "app"."users" ("id", "name", "active") VALUES (1, E'it\'s', TRUE), (2, E'back\\slash', FALSE) ON CONFLICT DO NOTHING"#,
            r#"INSERT INTO "app"."users" ("id", "name") VALUES (3, 'plain')"#,
            r#"UPDATE "app"."users" SET "name" = E'O\'Reilly', "score" = "score" + 1, "note" = NULL WHERE "id" = 1 AND "name" LIKE E'%\\_%'"#,
            r#"UPDATE "app"."users" SET "active" = TRUE"#,
            r#"DELETE FROM "app"."users" WHERE "active" = FALSE"#,
            r#"DELETE FROM "app"."sessions""#,
            r#"CREATE INDEX CONCURRENTLY users_id_idx ON app.users (id)"#,
            r#"ANALYZE app.users"#,
        ]
    );
    assert!(plan.down_sql().is_empty());
    let kinds: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(kinds, ["transaction(6)", "alone", "transaction(1)"]);
}

fn paired(m: &mut Migration) {
    m.reversible(
        |up| {
            up.insert("app.users", ["id", "name"])
                .values([Expr::val(10), Expr::val("seed")]);
        },
        |down| {
            down.delete("app.users").filter(Expr::col("id").eq(10));
        },
    );
    m.reversible(
        |up| {
            up.update("app.users")
                .set("status", "archived")
                .filter(Expr::col("status").eq("old"));
        },
        |down| {
            down.update("app.users")
                .set("status", "old")
                .filter(Expr::col("status").eq("archived"));
        },
    );
    m.reversible(
        |up| {
            up.set_default("app.users", "status", "new");
        },
        |down| {
            down.drop_default("app.users", "status");
        },
    );
    m.reversible(
        |up| {
            up.alter_column_type("app.users", "code", Integer)
                .using(Expr::cust(r#""code"::integer"#));
        },
        |down| {
            down.alter_column_type("app.users", "code", Text);
        },
    );
    m.reversible(
        |up| {
            up.drop_column("app.users", "legacy");
        },
        |down| {
            down.add_column("app.users", "legacy", Varchar(20));
        },
    );
    m.reversible(
        |up| {
            up.drop_index_concurrently("app.users_email_key");
        },
        |down| {
            down.create_index_concurrently("users_email_key", "app.users", ["email"])
                .unique();
        },
    );
    m.reversible(
        |up| {
            up.drop_constraint("app.users", "users_age_check");
        },
        |down| {
            down.add_check("app.users", "users_age_check", Expr::col("age").gte(0));
        },
    );
    m.reversible(
        |up| {
            up.drop_enum("app.unused");
        },
        |down| {
            down.create_enum("app.unused", ["x"]);
        },
    );
    m.reversible(
        |up| {
            up.drop_table("app.legacy");
        },
        |down| {
            down.unchecked_sql("CREATE TABLE app.legacy (id bigint)");
        },
    );
    m.reversible(
        |up| {
            up.unchecked_sql("COMMENT ON TABLE app.users IS 'people'");
        },
        |down| {
            down.unchecked_sql("COMMENT ON TABLE app.users IS NULL");
        },
    );
    m.reversible(
        |up| {
            up.add_enum_value_after("app.mood", "ok", "happy");
        },
        |_down| {},
    );
}

#[test]
fn manual_steps_paired_in_reversible() {
    let plan = migrate_core::plan::preview(paired).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"INSERT INTO "app"."users" ("id", "name") VALUES (10, 'seed')"#,
            r#"UPDATE "app"."users" SET "status" = 'archived' WHERE "status" = 'old'"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "status" SET DEFAULT 'new'"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "code" TYPE integer USING "code"::integer"#,
            r#"ALTER TABLE "app"."users" DROP COLUMN "legacy""#,
            r#"DROP INDEX CONCURRENTLY "app"."users_email_key""#,
            r#"ALTER TABLE "app"."users" DROP CONSTRAINT "users_age_check""#,
            r#"DROP TYPE "app"."unused""#,
            r#"DROP TABLE "app"."legacy""#,
            r#"COMMENT ON TABLE app.users IS 'people'"#,
            r#"ALTER TYPE "app"."mood" ADD VALUE 'ok' AFTER 'happy'"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"COMMENT ON TABLE app.users IS NULL"#,
            r#"CREATE TABLE app.legacy (id bigint)"#,
            r#"CREATE TYPE "app"."unused" AS ENUM ('x')"#,
            r#"ALTER TABLE "app"."users" ADD CONSTRAINT "users_age_check" CHECK ("age" >= 0) NOT VALID"#,
            r#"ALTER TABLE "app"."users" VALIDATE CONSTRAINT "users_age_check""#,
            r#"CREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "app"."users" ("email")"#,
            r#"ALTER TABLE "app"."users" ADD COLUMN "legacy" varchar(20)"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "code" TYPE text"#,
            r#"ALTER TABLE "app"."users" ALTER COLUMN "status" DROP DEFAULT"#,
            r#"UPDATE "app"."users" SET "status" = 'old' WHERE "status" = 'archived'"#,
            r#"DELETE FROM "app"."users" WHERE "id" = 10"#,
        ]
    );
    let up: Vec<_> = plan.up.units.iter().map(unit_shape).collect();
    assert_eq!(up, ["transaction(5)", "alone", "transaction(5)"]);
    let down: Vec<_> = plan
        .down
        .as_ref()
        .unwrap()
        .units
        .iter()
        .map(unit_shape)
        .collect();
    // The check is added NOT VALID, then validated in a transaction of its own.
    assert_eq!(
        down,
        [
            "transaction(4)",
            "transaction(1)",
            "alone",
            "transaction(5)"
        ]
    );
}

// ----- transactions and plan units --------------------------------------------------

fn unit_shape(unit: &Unit) -> String {
    match unit {
        Unit::Transaction(statements) => format!("transaction({})", statements.len()),
        Unit::Alone(_) => "alone".to_owned(),
    }
}

fn table_then_concurrent_index(m: &mut Migration) {
    m.create_table("app.users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Text).not_null();
    });
    m.create_index_concurrently("users_email_idx", "app.users", ["email"]);
}

#[test]
fn concurrent_index_runs_alone() {
    let plan = migrate_core::plan::preview(table_then_concurrent_index).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE TABLE "app"."users" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "email" text NOT NULL )"#,
            r#"CREATE INDEX CONCURRENTLY "users_email_idx" ON "app"."users" ("email")"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP INDEX CONCURRENTLY "app"."users_email_idx""#,
            r#"DROP TABLE "app"."users""#,
        ]
    );
    match plan.up.units.as_slice() {
        [Unit::Transaction(first), Unit::Alone(second)] => {
            assert_eq!(first.len(), 1);
            assert_eq!(first[0].kind, "create_table");
            assert_eq!(second.kind, "create_index_concurrently");
            assert_eq!(second.step, 1);
        }
        other => panic!("unexpected units: {other:?}"),
    }
    assert!(!plan.up.is_transactional());
    let down = plan.down.as_ref().unwrap();
    match down.units.as_slice() {
        [Unit::Alone(first), Unit::Transaction(second)] => {
            assert_eq!(first.kind, "drop_index_concurrently");
            assert_eq!(second.len(), 1);
            assert_eq!(second[0].kind, "drop_table");
        }
        other => panic!("unexpected units: {other:?}"),
    }

    let plan = migrate_core::plan::preview(all_types).unwrap();
    assert!(plan.up.is_transactional());
    assert!(matches!(plan.up.units.as_slice(), [Unit::Transaction(s)] if s.len() == 3));
}

#[test]
fn which_steps_are_transactional() {
    let mut m = Migration::<Manual>::new();
    m.create_table("t", |t| {
        t.column("a", Integer);
    });
    m.create_index("t_a_idx", "t", ["a"]);
    m.create_index_concurrently("t_a_idx2", "t", ["a"]);
    m.drop_index("t_a_idx");
    m.drop_index_concurrently("t_a_idx2");
    m.unchecked_sql("VACUUM t").outside_transaction();
    m.unchecked_sql("SELECT 1");
    m.reversible(
        |up| {
            up.create_index_concurrently("t_b_idx", "t", ["a"]);
        },
        |down| {
            down.drop_index_concurrently("t_b_idx");
        },
    );
    m.reversible(
        |up| {
            up.add_column("t", "b", Integer);
        },
        |down| {
            down.drop_column("t", "b");
        },
    );
    let transactional: Vec<(&str, bool)> = m
        .steps()
        .iter()
        .map(|s: &Step| (s.kind(), s.transactional()))
        .collect();
    assert_eq!(
        transactional,
        [
            ("create_table", true),
            ("create_index", true),
            ("create_index_concurrently", false),
            ("drop_index", true),
            ("drop_index_concurrently", false),
            ("unchecked_sql", false),
            ("unchecked_sql", true),
            ("reversible", false),
            ("reversible", true),
        ]
    );
}

// ----- errors reported by the plan --------------------------------------------------

fn too_long_name(m: &mut Migration) {
    m.create_table("x".repeat(64), |t| {
        t.column("id", BigInt);
    });
}

#[test]
fn a_64_byte_identifier_is_rejected() {
    match migrate_core::plan::preview(too_long_name) {
        Err(Error::InvalidMigration { problems, .. }) => {
            // The up step is reported, and so is the derived down (`drop_table`).
            assert!(!problems[0].down);
            assert_eq!(problems[0].kind, "create_table");
            assert!(
                problems.iter().all(|p| p.message.contains("63")),
                "{problems:?}"
            );
            assert!(
                problems[0].message.contains("63"),
                "{}",
                problems[0].message
            );
            assert!(
                problems[0].message.contains("64"),
                "{}",
                problems[0].message
            );
        }
        other => panic!("expected InvalidMigration, got {other:?}"),
    }
}

fn dangling_on_delete(m: &mut Migration) {
    m.create_table("members", |t| {
        t.column("org_id", BigInt)
            .on_delete(ReferentialAction::Cascade);
    });
}

#[test]
fn on_delete_without_references_is_reported() {
    match migrate_core::plan::preview(dangling_on_delete) {
        Err(Error::InvalidMigration { problems, .. }) => {
            assert!(
                problems
                    .iter()
                    .any(|p| p.message.contains("no `references(table, column)`")
                        && p.message.contains("org_id")),
                "{problems:?}"
            );
        }
        other => panic!("expected InvalidMigration, got {other:?}"),
    }
}

// ----- batched backfill ---------------------------------------------------------------

fn backfill_default_key(m: &mut Migration<Manual>) {
    m.add_column("users", "full_name", Text);
    m.backfill("users")
        .set("full_name", Expr::cust("first_name || ' ' || last_name"))
        .filter(Expr::col("full_name").is_null());
    m.set_not_null("users", "full_name");
}

fn backfill_named_key(m: &mut Migration<Manual>) {
    m.backfill("app.events")
        .set("kind", "click")
        .set("score", Expr::col("score").mul(2))
        .key("event_id")
        .batch_size(5000)
        .target_batch_duration(std::time::Duration::from_millis(300))
        .pause(std::time::Duration::from_millis(10))
        .skip_unchanged(false);
}

#[test]
fn a_backfill_runs_alone_and_shows_its_batch_statement() {
    let plan = migrate_core::plan::preview(backfill_default_key).unwrap();
    let shape: Vec<&str> = plan
        .up
        .units
        .iter()
        .map(|u| match u {
            Unit::Transaction(_) => "tx",
            Unit::Alone(_) => "alone",
        })
        .collect();
    // add column | backfill | the online SET NOT NULL (check, validate, set + drop).
    assert_eq!(shape, ["tx", "alone", "tx", "tx", "tx"]);
    assert!(!plan.is_reversible());
    assert_eq!(
        plan.up_sql()[1],
        concat!(
            "-- backfill in batches outside the migration's transaction: each batch commits on its own with the cursor, so an interrupted run resumes after the last batch done\n",
            "-- about 1000 rows per batch, adapted towards 40 ms a batch, 50 ms pause between batches; <key> = the primary key column of \"users\", looked up when it runs\n",
            "-- $1 = the last key done (no lower bound on the first batch); $2 = the batch's last key: SELECT <key> FROM (SELECT <key> FROM \"users\" WHERE <key> > $1 ORDER BY <key> LIMIT <batch size>) AS batch ORDER BY <key> DESC LIMIT 1\n",
            r#"UPDATE "users" SET "full_name" = first_name || ' ' || last_name WHERE <key> > $1 AND <key> <= $2 AND ("full_name" IS NULL) AND ("full_name" IS DISTINCT FROM (first_name || ' ' || last_name))"#,
        )
    );

    let plan = migrate_core::plan::preview(backfill_named_key).unwrap();
    assert_eq!(
        plan.up_sql(),
        [concat!(
            "-- backfill in batches outside the migration's transaction: each batch commits on its own with the cursor, so an interrupted run resumes after the last batch done\n",
            "-- about 5000 rows per batch, adapted towards 300 ms a batch, 10 ms pause between batches\n",
            "-- $1 = the last key done (no lower bound on the first batch); $2 = the batch's last key: SELECT \"event_id\" FROM (SELECT \"event_id\" FROM \"app\".\"events\" WHERE \"event_id\" > $1 ORDER BY \"event_id\" LIMIT <batch size>) AS batch ORDER BY \"event_id\" DESC LIMIT 1\n",
            r#"UPDATE "app"."events" SET "kind" = 'click', "score" = "score" * 2 WHERE "event_id" > $1 AND "event_id" <= $2"#,
        )]
    );
}

#[test]
fn a_backfill_pairs_with_its_reverse_and_its_pacing_is_not_checksummed() {
    fn fill(m: &mut Migration) {
        m.reversible(
            |up| {
                up.backfill("users").set("active", true);
            },
            |down| {
                down.backfill("users").set("active", false);
            },
        );
    }
    fn fill_slower(m: &mut Migration) {
        m.reversible(
            |up| {
                up.backfill("users").set("active", true).batch_size(10);
            },
            |down| {
                down.backfill("users").set("active", false);
            },
        );
    }
    let plan = migrate_core::plan::preview(fill).unwrap();
    assert!(plan.down_sql()[0].ends_with(
        r#"UPDATE "users" SET "active" = FALSE WHERE <key> > $1 AND <key> <= $2 AND ("active" IS DISTINCT FROM (FALSE))"#
    ));
    let slower = migrate_core::plan::preview(fill_slower).unwrap();
    assert_eq!(plan.checksum, slower.checksum);

    fn empty_set(m: &mut Migration<Manual>) {
        m.backfill("users").batch_size(0);
    }
    match migrate_core::plan::preview(empty_set) {
        Err(Error::InvalidMigration { problems, .. }) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(text.len(), 2, "{text:?}");
            assert!(text[0].contains("columns to set is empty"), "{text:?}");
            assert!(text[1].contains("batch size is 0"), "{text:?}");
        }
        other => panic!("expected an invalid migration, got {other:?}"),
    }
}

/// Checksums are recorded in every history table: the same steps must hash to the
/// same digest in every version, or every applied migration would read as modified.
/// A change here is a break (see the maintainers' rule in `checksum.rs`).
#[test]
fn a_fixed_migration_has_a_fixed_checksum() {
    fn pinned(m: &mut Migration) {
        m.create_table("users", |t| {
            t.column("id", BigInt).primary_key().identity();
            t.column("email", Varchar(320)).not_null().unique();
            t.column("active", Boolean).not_null().default(true);
            t.timestamps();
        });
        m.add_column("users", "bio", Text);
        m.create_index_concurrently("idx_users_email_active", "users", ["email"])
            .filter(Expr::col("active").eq(true));
    }
    let digests = [
        migrate_core::plan::preview(all_types)
            .unwrap()
            .checksum
            .to_hex(),
        migrate_core::plan::preview(pinned)
            .unwrap()
            .checksum
            .to_hex(),
    ];
    assert_eq!(
        digests,
        [
            "899a94348e88aaad3a1a59f0fd61a6ad5a560d91918d29b56cb7c0fac7778fd1",
            "f821a9e2c10ba9104f392723e5910bc7601ecaa615dd7b04dd288286889c653c",
        ]
    );
}

// ----- scripts --------------------------------------------------------------------------

/// The statements of a direction joined as `migrate sql` and `--dry-run` print them and
/// the runner sends them: each ends with `render::terminated`.
fn script(statements: &[&str]) -> String {
    statements
        .iter()
        .map(|sql| migrate_core::render::terminated(sql) + "\n")
        .collect()
}

#[test]
fn a_statement_ending_in_a_comment_keeps_its_semicolon_out_of_the_comment() {
    fn commented(m: &mut Migration<Manual>) {
        m.unchecked_sql("CREATE TABLE t (a int) -- note");
        m.unchecked_sql("CREATE TABLE u (b int);\n");
        m.unchecked_sql("-- a heading\nCREATE TABLE v (c int) /* trailing */;;");
        m.unchecked_sql("INSERT INTO t VALUES (1); -- one row");
    }
    let plan = migrate_core::plan::preview(commented).unwrap();
    assert_eq!(
        script(&plan.up_sql()),
        "CREATE TABLE t (a int) -- note\n\
         ;\n\
         CREATE TABLE u (b int);\n\
         -- a heading\n\
         CREATE TABLE v (c int) /* trailing */;\n\
         INSERT INTO t VALUES (1); -- one row\n\
         ;\n"
    );
}

// ----- pinned checksums -----------------------------------------------------------------

/// The checksum of a migration function, as its plan records it.
fn checksum_of<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration above, and every shared fixture, hashes to a fixed digest:
/// a history table written by any earlier build holds these, so a change to one is a
/// break that must be deliberate (and called out in the README and changelog). The
/// list covers steps with and without expressions: for the latter the digest must
/// never change; for the former it moves only if sea-query renders the expression
/// differently (see "Checksums" in the README). `too_long_name` and
/// `dangling_on_delete` are left out: they do not plan, so they were never applied.
/// The blog's migrations are pinned in `examples/blog/tests/checksums.rs`.
#[test]
fn every_golden_migration_has_a_pinned_checksum() {
    let mut actual = vec![
        ("all_types", checksum_of(all_types)),
        ("column_modifiers", checksum_of(column_modifiers)),
        ("with_timestamps", checksum_of(with_timestamps)),
        ("table_constraints", checksum_of(table_constraints)),
        ("weird_names", checksum_of(weird_names)),
        ("alter_columns", checksum_of(alter_columns)),
        ("indexes", checksum_of(indexes)),
        ("constraints_not_valid", checksum_of(constraints_not_valid)),
        (
            "drops_with_definitions",
            checksum_of(drops_with_definitions),
        ),
        ("renames", checksum_of(renames)),
        ("extensions", checksum_of(extensions)),
        ("drop_extensions", checksum_of(drop_extensions)),
        ("manual_schema_steps", checksum_of(manual_schema_steps)),
        ("manual_data_steps", checksum_of(manual_data_steps)),
        ("paired", checksum_of(paired)),
        (
            "table_then_concurrent_index",
            checksum_of(table_then_concurrent_index),
        ),
        ("backfill_default_key", checksum_of(backfill_default_key)),
        ("backfill_named_key", checksum_of(backfill_named_key)),
    ];
    let fixtures = [
        migrate_tests::fixtures::kill_transactional().unwrap(),
        migrate_tests::fixtures::kill_non_transactional().unwrap(),
    ];
    for set in &fixtures {
        for registration in set.iter() {
            let plan = migrate_core::MigrationPlan::new(registration).unwrap();
            actual.push((registration.name, plan.checksum.to_hex()));
        }
    }
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, h)| (*n, h.as_str())).collect();
    let pinned: &[(&str, &str)] = &[
        (
            "all_types",
            "899a94348e88aaad3a1a59f0fd61a6ad5a560d91918d29b56cb7c0fac7778fd1",
        ),
        (
            "column_modifiers",
            "a2876e1328a4f78706716d3e6ce386a5b14d46883a7dac03f574f6aee966a2c4",
        ),
        (
            "with_timestamps",
            "a22a21baa34f951be004589b06f44f8570d92b0c9c607721377fa16233f549e8",
        ),
        (
            "table_constraints",
            "01fab3f8c4bcfc4a5a813ad43def074560d30b5d9691379a13dee88ef46ecffa",
        ),
        (
            "weird_names",
            "f26441dfe9b3d5fcb6a4600c09d5059a5f4fe965873633fd0b7e15213d42db38",
        ),
        (
            "alter_columns",
            "35eb07e63bd4e793e8ae72cfcb7127f829d372ec8343e0717c2aac3ab2334d6a",
        ),
        (
            "indexes",
            "81d85cc30c4895acb40e0469f10934247d85d25d4415503f3cb775b113f74b3f",
        ),
        (
            "constraints_not_valid",
            "daf5ab401b72facce4403a2bcd8096419cfd43c06f814d54ba2a2d61dc25d0ba",
        ),
        (
            "drops_with_definitions",
            "dd2fa791498569b847a1441f7e45f9d3dfa45d573284ef77aca43ead5e206773",
        ),
        (
            "renames",
            "c87e3bae0457f701278fbc3b73bc56d025e17193005a24064bfdb2af9c38af2c",
        ),
        (
            "extensions",
            "7cb3713c9ed24ba53af0fd6292d8a71ff8b224f93a75026c0be8ee40ccaab54e",
        ),
        (
            "drop_extensions",
            "7bf1997368d235a250a04d0938901583ae8fcdbb66f53032d6b5c93e6b79d8c7",
        ),
        (
            "manual_schema_steps",
            "b7de7cc8b6572bf3a1e6ae24966578a6d2ef7bdaf7c7f9d2c3791b524b7543bc",
        ),
        (
            "manual_data_steps",
            "b4aa98e29a7a471f17b44857f2a330366ae97aef57ddb387874df70de5fae8b0",
        ),
        (
            "paired",
            "0a65785ad6940ee7e80cdf2d0bac3079b049774a97070bba288d15ad36bce5d5",
        ),
        (
            "table_then_concurrent_index",
            "b6bf6d7e519212917ade0911c67ece361c88eba62ece248c27b68e2673a5254b",
        ),
        (
            "backfill_default_key",
            "eb6fef77768d478f740caba2db3602f8e95d3685a01a29ab1a039ccd77c775aa",
        ),
        (
            "backfill_named_key",
            "6b27895e430373df05c861c8fd4cdf64854a7d33b8a4c0da85f7e158e799f226",
        ),
        (
            "kill_items",
            "409e18354d87fac8722641578a5868d4579c253eb93c223edd0755ad61a916e6",
        ),
        (
            "kill_slow",
            "f1dc03dc1515d5b9968c5fec1ea80ade81ce57727095bb3def4db6a8e930ef98",
        ),
        (
            "kill_last",
            "97f882e2cb3a8f636b52193db12d77f7982dc1ebe8b01f85e58232636b21d67c",
        ),
        (
            "nt_things",
            "738f2bceb2a6f469c0d49626afc5445c38fe51ef8076ee42ec9a01694fe06a82",
        ),
        (
            "nt_indexes",
            "33d3200acc80d82261e3addc50efa579a122e322c1902f21947968f0fa84057a",
        ),
    ];
    assert_eq!(actual, pinned);
}
