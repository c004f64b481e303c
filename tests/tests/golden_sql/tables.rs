//! Creating tables: every column type and modifier, the timestamps helper,
//! table-level constraints, and identifiers and literals that need quoting.

use migrate_core::prelude::*;

// ----- column types -----------------------------------------------------------------

pub(crate) fn all_types(m: &mut Migration) {
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

pub(crate) fn column_modifiers(m: &mut Migration) {
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

pub(crate) fn with_timestamps(m: &mut Migration) {
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

pub(crate) fn table_constraints(m: &mut Migration) {
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

pub(crate) fn weird_names(m: &mut Migration) {
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
