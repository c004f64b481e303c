//! Sequences, domains, serial columns and type renames, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;

use migrate_core::DownTarget;
use migrate_core::snapshot::{Snapshot, SnapshotOptions};
use migrate_core::verify::{ScratchTarget, VerifyOptions, verify};
use migrate_tests::{admin_url, column_exists, int, table_exists, text};
use tokio_postgres::Client;

fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

async fn snapshot(c: &mut Client) -> Snapshot {
    Snapshot::read(c, &SnapshotOptions::new()).await.unwrap()
}

/// `verify` applies every migration on a scratch database, and checks that each
/// derived down restores the schema as it was before the migration.
async fn verified<const N: usize>(regs: [&'static Registration; N]) {
    let report = verify(
        &migrator(regs),
        ScratchTarget::Server(admin_url().parse().unwrap()),
        &VerifyOptions::new(),
    )
    .await
    .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed().len(), N, "{report}");
}

async fn exists(c: &Client, name: &str) -> bool {
    text(c, &format!("SELECT to_regclass('{name}')::text"))
        .await
        .unwrap()
        .is_some()
}

// ----- serial columns ------------------------------------------------------------------

fn serial_table(m: &mut Migration) {
    m.create_table("tickets", |t| {
        t.column("id", BigSerial).primary_key();
        t.column("seat", Serial).not_null();
        t.column("row_no", SmallSerial);
        t.column("note", Text);
    });
    m.allow(Rule::SerialColumn, "the legacy schema's numbering");
}
fn serial_column(m: &mut Migration) {
    m.add_column("tickets", "legacy_no", Serial);
    m.allow(Rule::SerialColumn, "mirrors the old system")
        .allow(Rule::RewritingAddColumn, "tickets is small");
}
reg!(SERIAL_TABLE, 1, serial_table);
reg!(SERIAL_COLUMN, 2, serial_column);

#[tokio::test]
async fn serial_columns_get_their_own_sequences_and_their_down_drops_them() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&SERIAL_TABLE, &SERIAL_COLUMN]);
    m.up(&mut c, Target::Latest).await.unwrap();

    let s = snapshot(&mut c).await;
    assert_eq!(
        s.get("column public.tickets.id"),
        Some("bigint not null default nextval('public.tickets_id_seq'::regclass)")
    );
    assert_eq!(
        s.get("sequence public.tickets_seat_seq"),
        Some("integer owned by public.tickets.seat")
    );
    assert_eq!(
        s.get("sequence public.tickets_row_no_seq"),
        Some("smallint owned by public.tickets.row_no")
    );
    assert_eq!(
        s.get("sequence public.tickets_legacy_no_seq"),
        Some("integer owned by public.tickets.legacy_no")
    );
    c.batch_execute("INSERT INTO tickets (note) VALUES ('a'), ('b')")
        .await
        .unwrap();
    assert_eq!(
        int(&c, "SELECT max(seat) + max(legacy_no) FROM tickets")
            .await
            .unwrap(),
        4
    );

    // The down of the added column drops it, and its sequence with it.
    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert!(!column_exists(&c, "tickets", "legacy_no").await.unwrap());
    assert!(!exists(&c, "tickets_legacy_no_seq").await);
    assert!(exists(&c, "tickets_seat_seq").await);

    m.down(&mut c, DownTarget::All).await.unwrap();
    assert!(!table_exists(&c, "tickets").await.unwrap());
    for seq in ["tickets_id_seq", "tickets_seat_seq", "tickets_row_no_seq"] {
        assert!(!exists(&c, seq).await, "{seq}");
    }

    m.up(&mut c, Target::Latest).await.unwrap();
    assert!(exists(&c, "tickets_legacy_no_seq").await);
    verified([&SERIAL_TABLE, &SERIAL_COLUMN]).await;
}

/// A migration with serial columns and no acknowledgement is refused by the lint.
#[tokio::test]
async fn an_unacknowledged_serial_column_blocks_up() {
    fn plain_serial(m: &mut Migration) {
        m.create_table("t", |t| {
            t.column("id", Serial);
        });
    }
    reg!(PLAIN_SERIAL, 1, plain_serial);
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let error = migrator([&PLAIN_SERIAL])
        .up(&mut c, Target::Latest)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("serial-column"), "{text}");
    assert!(text.contains("identity"), "{text}");
    assert!(!table_exists(&c, "t").await.unwrap());
}

// ----- sequences -----------------------------------------------------------------------

fn invoices(m: &mut Migration) {
    m.create_schema("billing");
    m.create_table("billing.invoices", |t| {
        t.column("no", Integer);
    });
    m.create_sequence("billing.invoice_no")
        .as_type(Integer)
        .increment(-2)
        .min_value(-1000)
        .max_value(-1)
        .start(-10)
        .cache(5)
        .cycle()
        .owned_by("billing.invoices", "no");
    m.create_sequence("old_seq")
        .as_type(SmallInt)
        .start(5)
        .cache(3);
}
fn change_sequences(m: &mut Migration) {
    m.rename_sequence("billing.invoice_no", "invoice_number");
    m.alter_sequence_from(
        "billing.invoice_number",
        |old| {
            old.as_type(Integer)
                .increment(-2)
                .min_value(-1000)
                .max_value(-1)
                .start(-10)
                .cache(5)
                .cycle()
                .owned_by("billing.invoices", "no");
        },
        |new| {
            new.as_type(Integer).increment(-5).max_value(-1).cache(20);
        },
    );
    m.drop_sequence_with("old_seq")
        .as_type(SmallInt)
        .start(5)
        .cache(3);
}
reg!(INVOICES, 1, invoices);
reg!(CHANGE_SEQUENCES, 2, change_sequences);

#[tokio::test]
async fn sequences_are_created_altered_renamed_dropped_and_restored() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&INVOICES, &CHANGE_SEQUENCES]);
    m.up(&mut c, Target::To(1)).await.unwrap();
    let first = snapshot(&mut c).await;
    let created = "integer increment -2 minvalue -1000 start -10 cache 5 cycle \
                   owned by billing.invoices.no";
    assert_eq!(first.get("sequence billing.invoice_no"), Some(created));
    assert_eq!(
        first.get("sequence public.old_seq"),
        Some("smallint start 5 cache 3")
    );
    assert_eq!(
        int(&c, "SELECT nextval('billing.invoice_no')")
            .await
            .unwrap(),
        -10
    );

    m.up(&mut c, Target::Latest).await.unwrap();
    let second = snapshot(&mut c).await;
    assert_eq!(second.get("sequence billing.invoice_no"), None);
    assert_eq!(
        second.get("sequence billing.invoice_number"),
        Some("integer increment -5 cache 20")
    );
    assert_eq!(second.get("sequence public.old_seq"), None);
    // The options changed; the value did not move (a RESTART would): -10, and the
    // 4 values the cache of 5 logged after it.
    assert_eq!(
        int(&c, "SELECT last_value FROM billing.invoice_number")
            .await
            .unwrap(),
        -18
    );

    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(snapshot(&mut c).await, first);
    m.down(&mut c, DownTarget::All).await.unwrap();
    assert!(!exists(&c, "billing.invoice_no").await);
    assert!(!exists(&c, "old_seq").await);
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(snapshot(&mut c).await, second);
    verified([&INVOICES, &CHANGE_SEQUENCES]).await;
}

fn one_way_sequence_steps(m: &mut Migration<Manual>) {
    m.create_table("users", |t| {
        t.column("id", BigInt).primary_key();
    });
    m.unchecked_sql("INSERT INTO users VALUES (41), (42)");
    m.allow(Rule::UncheckedSql, "test data");
    m.ensure_sequence("counter").start(10);
    m.ensure_sequence("counter").start(99);
    m.alter_sequence("counter").increment(5).cache(2);
    m.restart_sequence("counter", 100);
    m.create_sequence("users_id_seq");
    m.set_sequence_value("users_id_seq", Expr::cust("(SELECT max(id) FROM users)"));
    m.create_sequence("gone");
    m.drop_sequence("gone");
    m.drop_sequence_if_exists("gone");
}
reg!(ONE_WAY_SEQUENCES, 1, one_way_sequence_steps, irreversible);

#[tokio::test]
async fn one_way_sequence_steps_run() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&ONE_WAY_SEQUENCES])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(
        snapshot(&mut c).await.get("sequence public.counter"),
        Some("bigint increment 5 start 10 cache 2")
    );
    assert_eq!(int(&c, "SELECT nextval('counter')").await.unwrap(), 100);
    assert_eq!(int(&c, "SELECT nextval('counter')").await.unwrap(), 105);
    assert_eq!(int(&c, "SELECT nextval('users_id_seq')").await.unwrap(), 43);
    assert!(!exists(&c, "gone").await);
}

// ----- domains -------------------------------------------------------------------------

fn email_domain(m: &mut Migration) {
    m.create_domain("email", Text)
        .collate("C")
        .default("nobody@example.com")
        .not_null()
        .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"))
        .check("email_short", Expr::cust("length(VALUE) <= 320"));
    m.create_domain("amount", Numeric(12, 2));
    m.create_table("payments", |t| {
        t.column("paid", ColumnType::named("amount"));
        t.column("payer", ColumnType::named("email"));
    });
    m.create_domain("legacy_code", Varchar(8))
        .default(DefaultValue::expr(
            Expr::cust("'none'"),
            Volatility::Immutable,
        ))
        .check("code_upper", Expr::cust("VALUE = upper(VALUE)"));
}
fn change_domains(m: &mut Migration) {
    m.add_domain_check("amount", "amount_positive", Expr::cust("VALUE > 0"))
        .not_valid();
    m.validate_domain_constraint("amount", "amount_positive");
    m.add_domain_check("amount", "amount_small", Expr::cust("VALUE < 1000000"))
        .not_valid();
    m.drop_domain_check_with("email", "email_short", Expr::cust("length(VALUE) <= 320"));
    m.rename_domain("email", "email_address");
    m.drop_domain_with("legacy_code", Varchar(8))
        .default(DefaultValue::expr(
            Expr::cust("'none'"),
            Volatility::Immutable,
        ))
        .check("code_upper", Expr::cust("VALUE = upper(VALUE)"));
}
reg!(EMAIL_DOMAIN, 1, email_domain);
reg!(CHANGE_DOMAINS, 2, change_domains);

#[tokio::test]
async fn domains_are_created_checked_renamed_dropped_and_restored() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&EMAIL_DOMAIN, &CHANGE_DOMAINS]);
    m.up(&mut c, Target::To(1)).await.unwrap();
    let first = snapshot(&mut c).await;
    assert_eq!(
        first.get("domain public.email"),
        Some("text not null default 'nobody@example.com'::text")
    );
    assert_eq!(
        first.get("domain collation public.email"),
        Some(r#"pg_catalog."C""#)
    );
    assert_eq!(
        first.get("domain constraint public.email.email_has_at"),
        Some("CHECK ((VALUE ~~ '%@%'::text)), valid")
    );
    assert_eq!(
        first.get("domain public.legacy_code"),
        Some("character varying(8) default 'none'::character varying")
    );
    // The domain's default, NOT NULL and checks apply to the column.
    c.batch_execute("INSERT INTO payments (paid) VALUES (1)")
        .await
        .unwrap();
    assert_eq!(
        text(&c, "SELECT payer FROM payments")
            .await
            .unwrap()
            .unwrap(),
        "nobody@example.com"
    );
    let refused = c
        .batch_execute("INSERT INTO payments (payer) VALUES ('no-at')")
        .await
        .unwrap_err();
    assert_eq!(refused.code().unwrap().code(), "23514");

    m.up(&mut c, Target::Latest).await.unwrap();
    let second = snapshot(&mut c).await;
    assert_eq!(second.get("domain public.email"), None);
    assert!(second.get("domain public.email_address").is_some());
    assert_eq!(
        second.get("domain constraint public.amount.amount_positive"),
        Some("CHECK ((VALUE > (0)::numeric)), valid")
    );
    assert_eq!(
        second.get("domain constraint public.amount.amount_small"),
        Some("CHECK ((VALUE < (1000000)::numeric)), not valid")
    );
    assert_eq!(
        second.get("domain constraint public.email_address.email_short"),
        None
    );
    assert_eq!(second.get("domain public.legacy_code"), None);
    assert_eq!(
        text(&c, "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'payments'::regclass AND attname = 'payer'")
            .await
            .unwrap()
            .unwrap(),
        "email_address"
    );

    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(snapshot(&mut c).await, first);
    m.down(&mut c, DownTarget::All).await.unwrap();
    assert_eq!(
        int(&c, "SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace")
            .await
            .unwrap(),
        0
    );
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(snapshot(&mut c).await, second);
    verified([&EMAIL_DOMAIN, &CHANGE_DOMAINS]).await;
}

fn one_way_domain_steps(m: &mut Migration<Manual>) {
    m.create_domain("amount", Integer)
        .check("amount_positive", Expr::cust("VALUE > 0"));
    m.drop_domain_check("amount", "amount_positive");
    m.drop_domain("amount");
}
reg!(ONE_WAY_DOMAINS, 1, one_way_domain_steps, irreversible);

#[tokio::test]
async fn one_way_domain_steps_run() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&ONE_WAY_DOMAINS])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(
        int(&c, "SELECT count(*) FROM pg_type WHERE typname = 'amount'")
            .await
            .unwrap(),
        0
    );
}

// ----- types ---------------------------------------------------------------------------

fn make_types(m: &mut Migration) {
    m.create_enum("mood", ["sad", "ok"]);
    m.create_type("money_amount", |t| {
        t.field("amount", Numeric(12, 2)).field("currency", Char(3));
    });
    m.create_domain("code", Text);
    m.create_type("old_pair", |t| {
        t.field("a", Integer).field("b", Text.array());
    });
    m.create_table("prices", |t| {
        t.column("mood", ColumnType::named("mood"));
        t.column("price", ColumnType::named("money_amount"));
        t.column("code", ColumnType::named("code"));
    });
}
fn rename_types(m: &mut Migration) {
    m.rename_type("mood", "feeling");
    m.rename_type("money_amount", "price");
    m.rename_type("code", "sku");
    m.drop_type_with("old_pair", |t| {
        t.field("a", Integer).field("b", Text.array());
    });
}
reg!(MAKE_TYPES, 1, make_types);
reg!(RENAME_TYPES, 2, rename_types);

#[tokio::test]
async fn types_are_renamed_and_composite_types_created_and_dropped() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&MAKE_TYPES, &RENAME_TYPES]);
    m.up(&mut c, Target::To(1)).await.unwrap();
    let first = snapshot(&mut c).await;
    assert_eq!(
        first.get("type public.money_amount"),
        Some("(amount numeric(12,2), currency character(3))")
    );
    assert_eq!(
        first.get("type public.old_pair"),
        Some("(a integer, b text[])")
    );

    m.up(&mut c, Target::Latest).await.unwrap();
    let second = snapshot(&mut c).await;
    assert_eq!(second.get("enum public.feeling"), Some("'sad', 'ok'"));
    assert_eq!(second.get("enum public.mood"), None);
    assert!(second.get("type public.price").is_some());
    assert_eq!(second.get("domain public.sku"), Some("text"));
    assert_eq!(second.get("type public.old_pair"), None);
    assert_eq!(
        second.get("column public.prices.mood"),
        Some("public.feeling")
    );

    m.down(&mut c, DownTarget::Steps(1)).await.unwrap();
    assert_eq!(snapshot(&mut c).await, first);
    m.down(&mut c, DownTarget::All).await.unwrap();
    assert_eq!(
        int(
            &c,
            "SELECT count(*) FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace \
             AND (t.typtype IN ('d', 'e') OR EXISTS (SELECT FROM pg_class c \
             WHERE c.oid = t.typrelid AND c.relkind = 'c'))"
        )
        .await
        .unwrap(),
        0
    );
    m.up(&mut c, Target::Latest).await.unwrap();
    assert_eq!(snapshot(&mut c).await, second);
    verified([&MAKE_TYPES, &RENAME_TYPES]).await;
}

fn one_way_type_steps(m: &mut Migration<Manual>) {
    m.create_type("pair", |t| {
        t.field("a", Integer);
    });
    m.drop_type("pair");
}
reg!(ONE_WAY_TYPES, 1, one_way_type_steps, irreversible);

#[tokio::test]
async fn one_way_type_steps_run() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    migrator([&ONE_WAY_TYPES])
        .up(&mut c, Target::Latest)
        .await
        .unwrap();
    assert_eq!(
        int(&c, "SELECT count(*) FROM pg_type WHERE typname = 'pair'")
            .await
            .unwrap(),
        0
    );
}
