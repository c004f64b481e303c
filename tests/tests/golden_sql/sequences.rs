//! Sequences, domains, serial columns and type renames: golden SQL both ways, and pinned checksums.

use migrate_core::Error;
use migrate_core::lint::{Rule as LintRule, lint_plan};
use migrate_core::prelude::*;

fn up(plan: &migrate_core::MigrationPlan) -> Vec<&str> {
    plan.up_sql()
}

// ----- serial columns ------------------------------------------------------------------

pub(crate) fn serial_columns(m: &mut Migration) {
    m.create_table("tickets", |t| {
        t.column("id", BigSerial).primary_key();
        t.column("seat", Serial).not_null();
        t.column("row_no", SmallSerial);
    });
    m.allow(Rule::SerialColumn, "kept as the legacy schema has it");
    m.add_column("orders", "legacy_no", Serial);
    m.allow(Rule::SerialColumn, "mirrors the old system's numbering");
    m.allow(Rule::RewritingAddColumn, "orders has a few hundred rows");
}

#[test]
fn serial_columns_render_as_postgresql_writes_them_and_their_down_drops_them() {
    let plan = migrate_core::plan::preview(serial_columns).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"CREATE TABLE "tickets" ( "id" bigserial PRIMARY KEY, "seat" serial NOT NULL, "row_no" smallserial )"#,
            r#"ALTER TABLE "orders" ADD COLUMN "legacy_no" serial"#,
        ]
    );
    // Dropping the column (or the table) drops the sequence it owns.
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "orders" DROP COLUMN "legacy_no""#,
            r#"DROP TABLE "tickets""#,
        ]
    );
    assert_eq!(migrate_core::render::column_type(&Serial), "serial");
    assert_eq!(migrate_core::render::column_type(&BigSerial), "bigserial");
    assert_eq!(
        migrate_core::render::column_type(&SmallSerial),
        "smallserial"
    );
}

#[test]
fn serial_columns_are_flagged_with_the_identity_fix() {
    fn serials(m: &mut Migration) {
        m.create_table("t", |t| {
            t.column("id", Serial).primary_key();
            t.column("n", Integer);
        });
        m.add_column("t", "m", BigSerial);
        m.add_column("users", "legacy", SmallSerial);
    }
    let findings = lint_plan(&migrate_core::plan::preview(serials).unwrap());
    let found: Vec<_> = findings
        .iter()
        .map(|f| (f.step, f.rule, f.object.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (0, LintRule::SerialColumn, "t.id"),
            (1, LintRule::SerialColumn, "t.m"),
            // On an existing table, a serial column also fills every row: a rewrite.
            (2, LintRule::SerialColumn, "users.legacy"),
            (2, LintRule::RewritingAddColumn, "users.legacy"),
        ]
    );
    assert!(findings.iter().all(|f| f.blocks()));
    assert!(LintRule::SerialColumn.fix().contains("identity"));

    // The spelling written by hand is still a serial.
    fn verbatim(m: &mut Migration) {
        m.add_column("users", "legacy", ColumnType::unchecked("SERIAL"));
    }
    let rules: Vec<_> = lint_plan(&migrate_core::plan::preview(verbatim).unwrap())
        .iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(
        rules,
        [LintRule::SerialColumn, LintRule::RewritingAddColumn]
    );

    // Allowed: reported, not blocking (the golden migration above).
    let findings = lint_plan(&migrate_core::plan::preview(serial_columns).unwrap());
    assert_eq!(findings.len(), 5, "{findings:?}");
    assert!(findings.iter().all(|f| f.allowed.is_some()), "{findings:?}");

    fn identity(m: &mut Migration) {
        m.create_table("t", |t| {
            t.column("id", BigInt).identity().primary_key();
        });
    }
    assert!(lint_plan(&migrate_core::plan::preview(identity).unwrap()).is_empty());
}

// ----- sequences -----------------------------------------------------------------------

pub(crate) fn sequences(m: &mut Migration) {
    m.create_sequence("billing.invoice_no")
        .as_type(Integer)
        .increment(-2)
        .min_value(-1000)
        .max_value(-1)
        .start(-10)
        .cache(5)
        .cycle()
        .owned_by("billing.invoices", "no");
    m.create_sequence("plain_seq");
    m.rename_sequence("billing.invoice_no", "invoice_number");
    m.alter_sequence_from(
        "ticket_no",
        |old| {
            old.increment(1).owned_by("tickets", "no");
        },
        |new| {
            new.as_type(Integer)
                .increment(10)
                .min_value(100)
                .max_value(1_000_000)
                .cache(20)
                .cycle();
        },
    );
    m.drop_sequence_with("legacy_seq")
        .as_type(SmallInt)
        .start(5)
        .no_cycle();
}

#[test]
fn sequences_both_ways() {
    let plan = migrate_core::plan::preview(sequences).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"CREATE SEQUENCE "billing"."invoice_no" AS integer INCREMENT BY -2 MINVALUE -1000 MAXVALUE -1 START WITH -10 CACHE 5 CYCLE OWNED BY "billing"."invoices"."no""#,
            r#"CREATE SEQUENCE "plain_seq""#,
            r#"ALTER SEQUENCE "billing"."invoice_no" RENAME TO "invoice_number""#,
            r#"ALTER SEQUENCE "ticket_no" AS integer INCREMENT BY 10 MINVALUE 100 MAXVALUE 1000000 START WITH 100 CACHE 20 CYCLE OWNED BY NONE"#,
            r#"DROP SEQUENCE "legacy_seq""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE SEQUENCE "legacy_seq" AS smallint START WITH 5 NO CYCLE"#,
            r#"ALTER SEQUENCE "ticket_no" AS bigint INCREMENT BY 1 NO MINVALUE NO MAXVALUE START WITH 1 CACHE 1 NO CYCLE OWNED BY "tickets"."no""#,
            r#"ALTER SEQUENCE "billing"."invoice_number" RENAME TO "invoice_no""#,
            r#"DROP SEQUENCE "plain_seq""#,
            r#"DROP SEQUENCE "billing"."invoice_no""#,
        ]
    );
}

/// With the old options known, only what changes is sent; nothing changing sends
/// nothing (`ALTER SEQUENCE name` alone is a syntax error).
#[test]
fn an_alter_sends_only_what_changes() {
    fn cache_only(m: &mut Migration) {
        m.alter_sequence_from(
            "s",
            |old| {
                old.increment(1).cache(1);
            },
            |new| {
                new.cache(50);
            },
        );
        m.alter_sequence_from("s", |_| {}, |_| {});
    }
    let plan = migrate_core::plan::preview(cache_only).unwrap();
    assert_eq!(up(&plan), [r#"ALTER SEQUENCE "s" CACHE 50"#]);
    assert_eq!(plan.down_sql(), [r#"ALTER SEQUENCE "s" CACHE 1"#]);

    // A move to the minimum moves the default start with it.
    fn new_minimum(m: &mut Migration) {
        m.alter_sequence_from(
            "s",
            |_| {},
            |new| {
                new.min_value(10);
            },
        );
    }
    let plan = migrate_core::plan::preview(new_minimum).unwrap();
    assert_eq!(
        up(&plan),
        [r#"ALTER SEQUENCE "s" MINVALUE 10 START WITH 10"#]
    );
    assert_eq!(
        plan.down_sql(),
        [r#"ALTER SEQUENCE "s" NO MINVALUE START WITH 1"#]
    );
}

pub(crate) fn manual_sequence_steps(m: &mut Migration<Manual>) {
    m.ensure_sequence("app.counter").start(10);
    m.alter_sequence("app.counter").increment(5).no_cycle();
    m.restart_sequence("app.counter", 100);
    m.set_sequence_value("users_id_seq", Expr::cust("(SELECT max(id) FROM users)"));
    m.set_sequence_value("it's", 7);
    m.drop_sequence_if_exists("app.counter");
    m.drop_sequence("old_seq");
}

#[test]
fn one_way_sequence_steps() {
    let plan = migrate_core::plan::preview(manual_sequence_steps).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"CREATE SEQUENCE IF NOT EXISTS "app"."counter" START WITH 10"#,
            r#"ALTER SEQUENCE "app"."counter" INCREMENT BY 5 NO CYCLE"#,
            r#"ALTER SEQUENCE "app"."counter" RESTART WITH 100"#,
            r#"SELECT setval('"users_id_seq"', (SELECT max(id) FROM users))"#,
            r#"SELECT setval(E'"it\'s"', 7)"#,
            r#"DROP SEQUENCE IF EXISTS "app"."counter""#,
            r#"DROP SEQUENCE "old_seq""#,
        ]
    );
    assert!(plan.down_sql().is_empty());
}

/// A value set inside `reversible` is paired with its reverse.
#[test]
fn a_restart_pairs_with_its_reverse() {
    fn renumber(m: &mut Migration) {
        m.reversible(
            |up| {
                up.restart_sequence("order_no", 5000);
            },
            |down| {
                down.restart_sequence("order_no", 1);
            },
        );
    }
    let plan = migrate_core::plan::preview(renumber).unwrap();
    assert_eq!(
        up(&plan),
        [r#"ALTER SEQUENCE "order_no" RESTART WITH 5000"#]
    );
    assert_eq!(
        plan.down_sql(),
        [r#"ALTER SEQUENCE "order_no" RESTART WITH 1"#]
    );
}

// ----- domains -------------------------------------------------------------------------

pub(crate) fn domains(m: &mut Migration) {
    m.create_domain("app.email", Text)
        .collate("C")
        .default("nobody@example.com")
        .not_null()
        .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"))
        .check("email_short", Expr::cust("length(VALUE) <= 320"));
    m.create_domain("amount", Numeric(12, 2));
    m.add_domain_check("amount", "amount_positive", Expr::cust("VALUE > 0"))
        .not_valid();
    m.validate_domain_constraint("amount", "amount_positive");
    m.add_domain_check("amount", "amount_small", Expr::cust("VALUE < 1000000"));
    m.drop_domain_check_with(
        "app.email",
        "email_short",
        Expr::cust("length(VALUE) <= 320"),
    );
    m.create_table("payments", |t| {
        t.column("paid", ColumnType::named("amount")).not_null();
        t.column("payer", ColumnType::named("app.email"));
    });
    m.rename_domain("app.email", "email_address");
    m.drop_domain_with("legacy_code", Varchar(8))
        .default(DefaultValue::expr(
            Expr::cust("'none'"),
            Volatility::Immutable,
        ))
        .check("code_upper", Expr::cust("VALUE = upper(VALUE)"));
}

#[test]
fn domains_both_ways() {
    let plan = migrate_core::plan::preview(domains).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"CREATE DOMAIN "app"."email" AS text COLLATE "C" DEFAULT 'nobody@example.com' NOT NULL CONSTRAINT "email_has_at" CHECK (VALUE LIKE '%@%') CONSTRAINT "email_short" CHECK (length(VALUE) <= 320)"#,
            r#"CREATE DOMAIN "amount" AS decimal(12, 2)"#,
            r#"ALTER DOMAIN "amount" ADD CONSTRAINT "amount_positive" CHECK (VALUE > 0) NOT VALID"#,
            r#"ALTER DOMAIN "amount" VALIDATE CONSTRAINT "amount_positive""#,
            r#"ALTER DOMAIN "amount" ADD CONSTRAINT "amount_small" CHECK (VALUE < 1000000)"#,
            r#"ALTER DOMAIN "app"."email" DROP CONSTRAINT "email_short""#,
            r#"CREATE TABLE "payments" ( "paid" "amount" NOT NULL, "payer" "app"."email" )"#,
            r#"ALTER DOMAIN "app"."email" RENAME TO "email_address""#,
            r#"DROP DOMAIN "legacy_code""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE DOMAIN "legacy_code" AS varchar(8) DEFAULT 'none' CONSTRAINT "code_upper" CHECK (VALUE = upper(VALUE))"#,
            r#"ALTER DOMAIN "app"."email_address" RENAME TO "email""#,
            r#"DROP TABLE "payments""#,
            r#"ALTER DOMAIN "app"."email" ADD CONSTRAINT "email_short" CHECK (length(VALUE) <= 320)"#,
            r#"ALTER DOMAIN "amount" DROP CONSTRAINT "amount_small""#,
            r#"ALTER DOMAIN "amount" DROP CONSTRAINT "amount_positive""#,
            r#"DROP DOMAIN "amount""#,
            r#"DROP DOMAIN "app"."email""#,
        ]
    );
}

pub(crate) fn manual_domain_steps(m: &mut Migration<Manual>) {
    m.drop_domain_check("amount", "amount_positive");
    m.drop_domain("amount");
}

#[test]
fn one_way_domain_steps() {
    let plan = migrate_core::plan::preview(manual_domain_steps).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"ALTER DOMAIN "amount" DROP CONSTRAINT "amount_positive""#,
            r#"DROP DOMAIN "amount""#,
        ]
    );
}

// ----- types ---------------------------------------------------------------------------

pub(crate) fn types(m: &mut Migration) {
    m.create_enum("mood", ["sad", "ok"]);
    m.rename_type("mood", "feeling");
    m.create_type("app.money_amount", |t| {
        t.field("amount", Numeric(12, 2))
            .field("currency", Char(3))
            .field("tags", Text.array());
    });
    m.rename_type("app.money_amount", "price");
    m.drop_type_with("we\"ird", |t| {
        t.field("a", Integer);
    });
}

#[test]
fn types_both_ways() {
    let plan = migrate_core::plan::preview(types).unwrap();
    assert_eq!(
        up(&plan),
        [
            r#"CREATE TYPE "mood" AS ENUM ('sad', 'ok')"#,
            r#"ALTER TYPE "mood" RENAME TO "feeling""#,
            r#"CREATE TYPE "app"."money_amount" AS ("amount" decimal(12, 2), "currency" char(3), "tags" text[])"#,
            r#"ALTER TYPE "app"."money_amount" RENAME TO "price""#,
            r#"DROP TYPE "we""ird""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE TYPE "we""ird" AS ("a" integer)"#,
            r#"ALTER TYPE "app"."price" RENAME TO "money_amount""#,
            r#"DROP TYPE "app"."money_amount""#,
            r#"ALTER TYPE "feeling" RENAME TO "mood""#,
            r#"DROP TYPE "mood""#,
        ]
    );
}

pub(crate) fn manual_type_steps(m: &mut Migration<Manual>) {
    m.drop_type("app.money_amount");
}

#[test]
fn one_way_type_steps() {
    let plan = migrate_core::plan::preview(manual_type_steps).unwrap();
    assert_eq!(up(&plan), [r#"DROP TYPE "app"."money_amount""#]);
}

// ----- problems ------------------------------------------------------------------------

fn problems<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
    match migrate_core::plan::preview(f) {
        Err(Error::InvalidMigration { problems, .. }) => {
            problems.into_iter().map(|p| p.message).collect()
        }
        other => panic!("expected InvalidMigration, got {other:?}"),
    }
}

#[test]
fn bad_sequences_domains_and_types_are_reported() {
    fn bad_sequence(m: &mut Migration<Manual>) {
        m.create_sequence("s")
            .as_type(Text)
            .increment(0)
            .cache(0)
            .min_value(10)
            .max_value(10);
    }
    let found = problems(bad_sequence);
    for expected in [
        "a sequence is smallint, integer or bigint, not `text`",
        "a sequence's increment cannot be 0",
        "a sequence's cache is at least 1",
        "the minimum value (10) must be less than the maximum (10)",
    ] {
        assert!(found.iter().any(|p| p == expected), "{expected}: {found:?}");
    }

    fn empty_alter(m: &mut Migration<Manual>) {
        m.alter_sequence("s");
    }
    assert_eq!(
        problems(empty_alter),
        ["`alter_sequence` is given no option to change"]
    );

    fn serial_domain(m: &mut Migration) {
        m.create_domain("d", Serial)
            .check("c", Expr::cust("VALUE > 0"))
            .check("c", Expr::cust("VALUE < 9"));
    }
    let found = problems(serial_domain);
    assert!(
        found
            .iter()
            .any(|p| p.contains("a serial type is only a column type")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p == "check `c` is defined twice"),
        "{found:?}"
    );

    fn bad_type(m: &mut Migration) {
        m.create_type("t", |t| {
            t.field("a", Serial).field("a", Integer);
        });
        m.rename_type("t", "");
    }
    let found = problems(bad_type);
    assert!(
        found.iter().any(|p| p == "field `a` is defined twice"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p == "field `a`: a serial type is only a column type"),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("new type name ``")),
        "{found:?}"
    );
}

// ----- pinned checksums -----------------------------------------------------------------

fn checksum_of<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration of this family hashes to a fixed digest (see
/// `checksums.rs`): a change to one is a break that must be deliberate.
#[test]
fn every_sequences_golden_migration_has_a_pinned_checksum() {
    let actual = [
        ("serial_columns", checksum_of(serial_columns)),
        ("sequences", checksum_of(sequences)),
        ("manual_sequence_steps", checksum_of(manual_sequence_steps)),
        ("domains", checksum_of(domains)),
        ("manual_domain_steps", checksum_of(manual_domain_steps)),
        ("types", checksum_of(types)),
        ("manual_type_steps", checksum_of(manual_type_steps)),
    ];
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, h)| (*n, h.as_str())).collect();
    let pinned: &[(&str, &str)] = &[
        (
            "serial_columns",
            "75c6ae44c1ab4ac5352abdd11784d8fb4b32f84c381181b5a134a0e5a125ce28",
        ),
        (
            "sequences",
            "19f4254ad21f054e7d9105163f061ca77565c3afa2a21c28b6f23ebf2588f213",
        ),
        (
            "manual_sequence_steps",
            "a1861594472535db7a0e693183dc00d4d8ce28bff536938f45e05625fff64e7b",
        ),
        (
            "domains",
            "51adcb0c99ccdc81578b7ee4c45c6c68d8b45d7c6cdca0c7fa6ac4f73332c796",
        ),
        (
            "manual_domain_steps",
            "086b49f57a7acaa04dad3c1d20e786bfbbb7b2898b60211de0e7e3644ac3d7de",
        ),
        (
            "types",
            "5f5e03fe77b30f11a713766357b0324c20595504fc507523ca168f99ceda1119",
        ),
        (
            "manual_type_steps",
            "44b4fd2c81de70533c9731836049bb1def455dc3c46e64a6f66709c07a6ced06",
        ),
    ];
    assert_eq!(actual, pinned);
}
