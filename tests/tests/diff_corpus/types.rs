//! Enums, domains, composite types and standalone sequences.

use super::{Pair, run};

/// `needle` is in `code`, its lines after the first indented by 4 as in the
/// function body.
fn has(code: &str, needle: &str) {
    let needle = needle.replace('\n', "\n    ");
    assert!(code.contains(&needle), "missing `{needle}` in:\n{code}");
}

#[tokio::test]
async fn p005_enums_created() {
    let out = run(Pair::new(
        "p005_enums_created",
        "",
        "CREATE SCHEMA app; \
         CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy'); \
         CREATE TYPE status AS ENUM ('draft', 'live');",
    ))
    .await;
    has(
        &out.code,
        r#"m.create_enum("app.mood", ["sad", "ok", "happy"]);"#,
    );
    has(&out.code, r#"m.create_enum("status", ["draft", "live"]);"#);
}

#[tokio::test]
async fn p006_enum_dropped() {
    let out = run(Pair::new(
        "p006_enum_dropped",
        "CREATE SCHEMA audit; CREATE TYPE audit.level AS ENUM ('info', 'warn', 'it''s bad');",
        "CREATE SCHEMA audit;",
    ))
    .await;
    has(
        &out.code,
        r#"m.drop_enum_with("audit.level", ["info", "warn", "it's bad"]);"#,
    );
}

#[tokio::test]
async fn p007_enum_values_added() {
    let table = "CREATE TABLE people (id integer, mood mood);";
    let a = format!("CREATE TYPE mood AS ENUM ('sad', 'ok'); {table}");
    let b = format!("CREATE TYPE mood AS ENUM ('awful', 'sad', 'meh', 'ok', 'happy'); {table}");
    let out = run(Pair::new("p007_enum_values_added", &a, &b)).await;
    has(
        &out.code,
        r#"m.add_enum_value_before("mood", "awful", "sad");"#,
    );
    has(
        &out.code,
        r#"m.add_enum_value_after("mood", "meh", "sad");"#,
    );
    has(&out.code, r#"m.add_enum_value("mood", "happy");"#);
    has(&out.code, "irreversible");
    assert_eq!(out.generated.irreversible_reasons().len(), 3);
}

#[tokio::test]
async fn p008_enum_value_removed_in_use() {
    let table = "CREATE TABLE people (id integer, mood app.mood, past app.mood[]);";
    let a =
        format!("CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy'); {table}");
    let b = format!("CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('sad', 'happy'); {table}");
    let out = run(Pair::new("p008_enum_value_removed_in_use", &a, &b)).await;
    assert_eq!(out.generated.needs_review(), 1, "{}", out.code);
    has(&out.code, "PostgreSQL cannot drop or move an enum value");
    has(&out.code, r#"ALTER TYPE "app"."mood" RENAME TO "mood_old""#);
    has(
        &out.code,
        r#"ALTER TABLE "public"."people" ALTER COLUMN "past" TYPE "app"."mood"[] USING "past"::text[]::"app"."mood"[]"#,
    );
}

#[tokio::test]
async fn p009_enum_unused_reordered() {
    let out = run(Pair::new(
        "p009_enum_unused_reordered",
        "CREATE TYPE size AS ENUM ('small', 'large', 'medium');",
        "CREATE TYPE size AS ENUM ('small', 'medium', 'large');",
    ))
    .await;
    has(
        &out.code,
        r#"m.drop_enum_with("size", ["small", "large", "medium"]);"#,
    );
    has(
        &out.code,
        r#"m.create_enum("size", ["small", "medium", "large"]);"#,
    );
}

#[tokio::test]
async fn p010_domains_created_and_dropped() {
    let out = run(Pair::new(
        "p010_domains_created_and_dropped",
        "CREATE DOMAIN old_code AS varchar(8) NOT NULL CONSTRAINT old_code_upper \
           CHECK (VALUE = upper(VALUE));",
        "CREATE SCHEMA billing; \
         CREATE TYPE billing.currency AS ENUM ('EUR', 'USD'); \
         CREATE DOMAIN billing.amount AS numeric(12, 2) DEFAULT 0 NOT NULL \
           CONSTRAINT amount_positive CHECK (VALUE >= 0); \
         CREATE DOMAIN billing.main_currency AS billing.currency DEFAULT 'EUR'; \
         CREATE DOMAIN email AS text COLLATE \"C\" \
           CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%'); \
         ALTER DOMAIN email ADD CONSTRAINT email_short CHECK (length(VALUE) < 200) NOT VALID;",
    ))
    .await;
    has(&out.code, r#"m.drop_domain_with("old_code", Varchar(8))"#);
    has(
        &out.code,
        r#".check("amount_positive", Expr::cust("VALUE >= (0)::numeric"))"#,
    );
    has(
        &out.code,
        r#"m.add_domain_check("email", "email_short", Expr::cust("length(VALUE) < 200")).not_valid();"#,
    );
    let currency = out.code.find("billing.currency\", [").unwrap();
    let main = out.code.find("\"billing.main_currency\"").unwrap();
    assert!(currency < main, "the enum first:\n{}", out.code);
}

#[tokio::test]
async fn p011_domain_checks_changed() {
    let table = "CREATE TABLE scores (id integer, score score);";
    let a = format!(
        "CREATE DOMAIN score AS integer \
           CONSTRAINT score_not_negative CHECK (VALUE >= 0) \
           CONSTRAINT score_even CHECK (VALUE % 2 = 0) \
           CONSTRAINT score_small CHECK (VALUE < 1000); {table}"
    );
    let b = format!(
        "CREATE DOMAIN score AS integer \
           CONSTRAINT score_not_negative CHECK (VALUE >= 0) \
           CONSTRAINT score_small CHECK (VALUE < 100) \
           CONSTRAINT score_bounded CHECK (VALUE <= 100); {table} \
         ALTER DOMAIN score ADD CONSTRAINT score_not_seven CHECK (VALUE <> 7) NOT VALID;"
    );
    let out = run(Pair::new("p011_domain_checks_changed", &a, &b)).await;
    has(
        &out.code,
        r#"m.drop_domain_check_with("score", "score_even", Expr::cust("(VALUE % 2) = 0"));"#,
    );
    has(
        &out.code,
        r#"m.add_domain_check("score", "score_bounded", Expr::cust("VALUE <= 100")).not_valid();
m.validate_domain_constraint("score", "score_bounded");"#,
    );
    has(
        &out.code,
        r#"m.add_domain_check("score", "score_not_seven", Expr::cust("VALUE <> 7")).not_valid();"#,
    );
    assert!(
        !out.code
            .contains(r#"validate_domain_constraint("score", "score_not_seven")"#)
    );
}

#[tokio::test]
async fn p012_composite_types() {
    let out = run(Pair::new(
        "p012_composite_types",
        "CREATE TYPE point2 AS (x integer); CREATE TYPE old_pair AS (a integer, b text);",
        "CREATE SCHEMA app; \
         CREATE TYPE app.mood AS ENUM ('sad', 'ok'); \
         CREATE DOMAIN app.percent AS smallint CHECK (VALUE BETWEEN 0 AND 100); \
         CREATE TYPE app.entry AS (moods app.mood[], confidence app.percent, at timestamptz); \
         CREATE TYPE point2 AS (x integer, y integer); \
         CREATE TYPE app.money_amount AS (amount numeric(12, 2), currency char(3));",
    ))
    .await;
    has(&out.code, r#"m.drop_type_with("old_pair", |t| {"#);
    has(
        &out.code,
        r#"t.field("moods", ColumnType::named("app.mood").array());"#,
    );
    has(&out.code, r#"m.drop_type_with("point2", |t| {"#);
    let domain = out.code.find("m.create_domain(\"app.percent\"").unwrap();
    let entry = out.code.find("m.create_type(\"app.entry\"").unwrap();
    assert!(domain < entry, "the domain first:\n{}", out.code);
}

#[tokio::test]
async fn p013_types_in_use_changed() {
    let tables = "CREATE TABLE orders (id integer, total money2, code code); \
                  CREATE TABLE labels (id integer, label label);";
    let a = format!(
        "CREATE TYPE money2 AS (amount numeric(12, 2), currency char(3), rate real); \
         CREATE DOMAIN code AS text; \
         CREATE DOMAIN label AS varchar(20) DEFAULT 'none'; {tables}"
    );
    let b = format!(
        "CREATE TYPE money2 AS (amount numeric(12, 2), currency char(3), note text); \
         CREATE DOMAIN code AS text NOT NULL DEFAULT 'x'; \
         CREATE DOMAIN label AS varchar(40) DEFAULT 'none'; {tables}"
    );
    let out = run(Pair::new("p013_types_in_use_changed", &a, &b)).await;
    assert_eq!(out.generated.needs_review(), 4, "{}", out.code);
    has(
        &out.code,
        r#"ALTER TYPE "public"."money2" DROP ATTRIBUTE "rate", ADD ATTRIBUTE "note" text"#,
    );
    has(
        &out.code,
        r#"ALTER DOMAIN "public"."code" SET DEFAULT 'x'::text"#,
    );
    has(&out.code, r#"ALTER DOMAIN "public"."code" SET NOT NULL"#);
    has(
        &out.code,
        r#"ALTER DOMAIN "public"."label" RENAME TO "label_old""#,
    );
}

#[tokio::test]
async fn p014_sequences_created_and_dropped() {
    let table = "CREATE TABLE tickets (no bigint, old bigint);";
    let a = format!(
        "{table} CREATE SEQUENCE old_no INCREMENT 5 CACHE 10 OWNED BY tickets.old; \
         CREATE SEQUENCE countdown INCREMENT -1;"
    );
    let b = format!(
        "{table} CREATE SCHEMA billing; \
         CREATE SEQUENCE billing.invoice_no AS integer START 1000 INCREMENT 10 CACHE 20; \
         CREATE SEQUENCE billing.wrap AS smallint MINVALUE 0 MAXVALUE 99 CYCLE; \
         CREATE SEQUENCE ticket_no OWNED BY tickets.no;"
    );
    let out = run(Pair::new("p014_sequences_created_and_dropped", &a, &b)).await;
    has(
        &out.code,
        r#"m.create_sequence("billing.invoice_no").as_type(Integer).increment(10).start(1000).cache(20);"#,
    );
    has(
        &out.code,
        r#"m.drop_sequence_with("countdown").increment(-1);"#,
    );
    has(
        &out.code,
        r#"m.alter_sequence_from("old_no", |old| {
    old.owned_by("tickets", "old");
}, |_| {});"#,
    );
    has(
        &out.code,
        r#"m.alter_sequence_from("ticket_no", |_| {}, |new| {
    new.owned_by("tickets", "no");
});"#,
    );
}

#[tokio::test]
async fn p015_sequence_altered() {
    let table = "CREATE SCHEMA app; CREATE TABLE app.events (a bigint, b bigint);";
    let a = format!(
        "{table} CREATE SEQUENCE app.event_no CACHE 10 MAXVALUE 500 OWNED BY app.events.a; \
         CREATE SEQUENCE app.small AS integer;"
    );
    let b = format!(
        "{table} CREATE SEQUENCE app.event_no INCREMENT 2 MAXVALUE 500 CYCLE \
           OWNED BY app.events.b; \
         CREATE SEQUENCE app.small AS bigint MAXVALUE 1000000;"
    );
    let out = run(Pair::new("p015_sequence_altered", &a, &b)).await;
    has(
        &out.code,
        r#"m.alter_sequence_from("app.event_no", |old| {
    old.cache(10).owned_by("app.events", "a");
}, |new| {
    new.increment(2).cycle().owned_by("app.events", "b");
});"#,
    );
}
