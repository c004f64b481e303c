//! Sequences, domains, serial columns and type renames: `verify` catches a wrong down of each kind of object.

#[allow(unused_imports)]
use super::*;

// ----- what the wrong downs undo ---------------------------------------------------------

pub(crate) fn typed_objects(m: &mut Migration) {
    m.create_table("tickets", |t| {
        t.column("no", BigInt);
    });
    m.create_sequence("counter").increment(5).cache(10);
    m.create_sequence("ticket_no").owned_by("tickets", "no");
    m.create_domain("email", Text)
        .collate("C")
        .not_null()
        .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"));
    m.create_enum("mood", ["sad", "ok"]);
}
reg!(TYPED_OBJECTS, 1, typed_objects);

pub(crate) fn later(m: &mut Migration) {
    m.create_table("later", |t| {
        t.column("id", BigInt);
    });
}
reg!(LATER, 3, later);

/// The diff of migration 2, the failing one, after migration 1 passed.
async fn wrong_down(wrong: &'static Registration) -> (VerifyReport, Vec<Change>) {
    let report = run([&TYPED_OBJECTS, wrong, &LATER]).await;
    assert!(!report.is_success(), "{report}");
    assert_eq!(report.passed(), [1], "{report}");
    assert_eq!(report.unchecked, 1, "{report}");
    let failure = report.failure().unwrap();
    assert_eq!(failure.id, 2);
    let changes = match &failure.outcome {
        Outcome::Failed(Failure::DownDidNotRestore(diff)) => diff.changes.clone(),
        other => panic!("expected DownDidNotRestore, got {other:?}"),
    };
    assert!(!database_exists(&report.database).await);
    (report, changes)
}

// ----- sequences -----------------------------------------------------------------------

pub(crate) fn drops_counter(m: &mut Migration<Manual>) {
    m.drop_sequence("counter");
}
pub(crate) fn restores_counter_with_another_increment(m: &mut Migration<Manual>) {
    m.create_sequence("counter").increment(1).cache(10);
}
manual!(
    WRONG_INCREMENT,
    2,
    drops_counter,
    restores_counter_with_another_increment
);

#[tokio::test]
pub(crate) async fn a_sequence_restored_with_another_increment_is_caught() {
    let (report, changes) = wrong_down(&WRONG_INCREMENT).await;
    assert_eq!(
        changes,
        [Change::Changed {
            key: "sequence public.counter".into(),
            before: "bigint increment 5 cache 10".into(),
            after: "bigint cache 10".into(),
        }]
    );
    let text = report.to_string();
    assert!(text.contains("sequence public.counter"), "{text}");
}

pub(crate) fn drops_ticket_no(m: &mut Migration<Manual>) {
    m.drop_sequence("ticket_no");
}
pub(crate) fn restores_ticket_no_unowned(m: &mut Migration<Manual>) {
    m.create_sequence("ticket_no");
}
manual!(WRONG_OWNER, 2, drops_ticket_no, restores_ticket_no_unowned);

#[tokio::test]
pub(crate) async fn a_sequence_restored_without_its_owner_is_caught() {
    let (_, changes) = wrong_down(&WRONG_OWNER).await;
    assert_eq!(
        changes,
        [Change::Changed {
            key: "sequence public.ticket_no".into(),
            before: "bigint owned by public.tickets.no".into(),
            after: "bigint".into(),
        }]
    );
}

// ----- domains -------------------------------------------------------------------------

pub(crate) fn drops_email(m: &mut Migration<Manual>) {
    m.drop_domain("email");
}
pub(crate) fn restores_email_without_its_check(m: &mut Migration<Manual>) {
    m.create_domain("email", Text).collate("C").not_null();
}
manual!(
    WRONG_DOMAIN,
    2,
    drops_email,
    restores_email_without_its_check
);

#[tokio::test]
pub(crate) async fn a_domain_restored_without_its_check_is_caught() {
    let (report, changes) = wrong_down(&WRONG_DOMAIN).await;
    assert_eq!(
        changes,
        [Change::Removed {
            key: "domain constraint public.email.email_has_at".into(),
            before: "CHECK ((VALUE ~~ '%@%'::text)), valid".into(),
        }]
    );
    let text = report.to_string();
    assert!(
        text.contains("- domain constraint public.email.email_has_at"),
        "{text}"
    );
}

pub(crate) fn restores_email_without_its_collation(m: &mut Migration<Manual>) {
    m.create_domain("email", Text)
        .not_null()
        .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"));
}
manual!(
    WRONG_COLLATION,
    2,
    drops_email,
    restores_email_without_its_collation
);

#[tokio::test]
pub(crate) async fn a_domain_restored_without_its_collation_is_caught() {
    let (_, changes) = wrong_down(&WRONG_COLLATION).await;
    assert_eq!(
        changes,
        [Change::Removed {
            key: "domain collation public.email".into(),
            before: r#"pg_catalog."C""#.into(),
        }]
    );
}

// ----- types ---------------------------------------------------------------------------

pub(crate) fn renames_mood(m: &mut Migration<Manual>) {
    m.rename_type("mood", "feeling");
}
pub(crate) fn renames_it_back_wrong(m: &mut Migration<Manual>) {
    m.rename_type("feeling", "moods");
}
manual!(WRONG_RENAME, 2, renames_mood, renames_it_back_wrong);

#[tokio::test]
pub(crate) async fn a_type_renamed_back_to_another_name_is_caught() {
    let (_, changes) = wrong_down(&WRONG_RENAME).await;
    assert_eq!(
        changes,
        [
            Change::Removed {
                key: "enum public.mood".into(),
                before: "'sad', 'ok'".into(),
            },
            Change::Added {
                key: "enum public.moods".into(),
                after: "'sad', 'ok'".into(),
            },
        ]
    );
}

/// The same objects with derived downs pass.
pub(crate) fn changes_them_all(m: &mut Migration) {
    m.drop_sequence_with("counter").increment(5).cache(10);
    m.alter_sequence_from(
        "ticket_no",
        |old| {
            old.owned_by("tickets", "no");
        },
        |new| {
            new.as_type(Integer);
        },
    );
    m.drop_domain_with("email", Text)
        .collate("C")
        .not_null()
        .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"));
    m.rename_type("mood", "feeling");
}
reg!(CHANGES_THEM_ALL, 2, changes_them_all);

#[tokio::test]
pub(crate) async fn the_derived_downs_of_the_same_changes_pass() {
    let report = run([&TYPED_OBJECTS, &CHANGES_THEM_ALL, &LATER]).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3]);
}
