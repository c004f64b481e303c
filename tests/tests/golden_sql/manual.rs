//! Steps that need `Manual` mode: checked alone (up only) and paired in `reversible`.

use migrate_core::prelude::*;

use super::plan::unit_shape;

// ----- steps that need Manual mode ------------------------------------------------------

pub(crate) fn manual_schema_steps(m: &mut Migration<Manual>) {
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

pub(crate) fn manual_data_steps(m: &mut Migration<Manual>) {
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

pub(crate) fn paired(m: &mut Migration) {
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
