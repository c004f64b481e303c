//! `verify` catching wrong hand-written downs of keys, deferrable foreign keys,
//! exclusion constraints and index options: the snapshot's constraint definitions
//! (`pg_get_constraintdef`) and index definitions (`pg_get_indexdef`) carry them.

#[allow(unused_imports)]
use super::*;

use super::reversibility::failed_down;

pub(crate) fn moves_base(m: &mut Migration) {
    m.create_table("accounts", |t| {
        t.column("id", BigInt).not_null();
        t.primary_key(["id"]).name("accounts_pkey");
    });
    m.create_table("invoices", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("account_id", BigInt).not_null();
        t.foreign_key(["account_id"], "accounts", ["id"])
            .name("invoices_account_fk")
            .initially_deferred();
    });
    m.create_table("labels", |t| {
        t.column("id", BigInt).not_null();
        t.primary_key(["id"]).name("labels_pkey");
    });
    m.create_table("rooms", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("during", ColumnType::unchecked("tstzrange"))
            .not_null();
        t.column("cancelled", Boolean).not_null().default(false);
    });
    m.add_exclusion("rooms", "rooms_no_overlap", [("during", "&&")])
        .filter(Expr::col("cancelled").eq(false));
    m.create_table("people", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Text).not_null();
    });
    m.create_index(
        "people_name_prefix",
        "people",
        [IndexColumn::col("name").opclass("text_pattern_ops")],
    );
}
pub(crate) fn moves_after(m: &mut Migration) {
    m.create_table("later", |t| {
        t.column("id", BigInt).identity().primary_key();
    });
}
reg!(MOVES_BASE, 1, moves_base);
reg!(MOVES_AFTER, 3, moves_after);

// ----- a primary key not restored ----------------------------------------------------------

pub(crate) fn drops_the_key(m: &mut Migration<Manual>) {
    m.drop_constraint("labels", "labels_pkey");
}
pub(crate) fn does_not_restore_the_key(m: &mut Migration<Manual>) {
    m.add_unique("labels", "labels_id_key", ["id"]);
}
manual!(KEY_NOT_RESTORED, 2, drops_the_key, does_not_restore_the_key);

#[tokio::test]
pub(crate) async fn a_down_that_does_not_restore_a_primary_key_is_caught() {
    let report = run([&MOVES_BASE, &KEY_NOT_RESTORED, &MOVES_AFTER]).await;
    let diff = failed_down(&report).await;
    let keys: Vec<_> = diff.changes.iter().map(|c| (c.sign(), c.key())).collect();
    assert_eq!(
        keys,
        [
            ('+', "constraint public.labels.labels_id_key"),
            ('-', "constraint public.labels.labels_pkey"),
            ('+', "index public.labels_id_key"),
            ('-', "index public.labels_pkey"),
        ],
        "{report}"
    );
    assert_eq!(diff.changes[1].before(), Some("PRIMARY KEY (id), valid"));
}

// ----- a deferrable foreign key restored as not deferrable ---------------------------------

pub(crate) fn drops_the_deferred_fk(m: &mut Migration<Manual>) {
    m.drop_constraint("invoices", "invoices_account_fk");
}
pub(crate) fn restores_it_immediate(m: &mut Migration<Manual>) {
    m.add_foreign_key(
        "invoices",
        "invoices_account_fk",
        ["account_id"],
        "accounts",
        ["id"],
    );
}
manual!(
    FK_NOT_DEFERRABLE,
    2,
    drops_the_deferred_fk,
    restores_it_immediate
);

#[tokio::test]
pub(crate) async fn a_deferrable_foreign_key_restored_not_deferrable_is_caught() {
    let report = run([&MOVES_BASE, &FK_NOT_DEFERRABLE, &MOVES_AFTER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [Change::Changed {
            key: "constraint public.invoices.invoices_account_fk".into(),
            before: "FOREIGN KEY (account_id) REFERENCES public.accounts(id) DEFERRABLE INITIALLY DEFERRED, valid".into(),
            after: "FOREIGN KEY (account_id) REFERENCES public.accounts(id), valid".into(),
        }],
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("constraint public.invoices.invoices_account_fk"),
        "{report}"
    );
}

// ----- an exclusion constraint restored without its WHERE ----------------------------------

pub(crate) fn drops_the_exclusion(m: &mut Migration<Manual>) {
    m.drop_constraint("rooms", "rooms_no_overlap");
}
pub(crate) fn restores_it_for_every_row(m: &mut Migration<Manual>) {
    m.add_exclusion("rooms", "rooms_no_overlap", [("during", "&&")]);
}
manual!(
    EXCLUSION_WIDER,
    2,
    drops_the_exclusion,
    restores_it_for_every_row
);

#[tokio::test]
pub(crate) async fn an_exclusion_constraint_restored_without_its_filter_is_caught() {
    let report = run([&MOVES_BASE, &EXCLUSION_WIDER, &MOVES_AFTER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [
            Change::Changed {
                key: "constraint public.rooms.rooms_no_overlap".into(),
                before: "EXCLUDE USING gist (during WITH &&) WHERE ((cancelled = false)), valid"
                    .into(),
                after: "EXCLUDE USING gist (during WITH &&), valid".into(),
            },
            Change::Changed {
                key: "index public.rooms_no_overlap".into(),
                before: "CREATE INDEX rooms_no_overlap ON public.rooms USING gist (during) WHERE (cancelled = false), valid".into(),
                after: "CREATE INDEX rooms_no_overlap ON public.rooms USING gist (during), valid"
                    .into(),
            },
        ],
        "{report}"
    );
}

// ----- an index restored without its operator class ----------------------------------------

pub(crate) fn drops_the_prefix_index(m: &mut Migration<Manual>) {
    m.drop_index("people_name_prefix");
}
pub(crate) fn restores_it_without_its_opclass(m: &mut Migration<Manual>) {
    m.create_index("people_name_prefix", "people", ["name"]);
}
manual!(
    INDEX_WITHOUT_OPCLASS,
    2,
    drops_the_prefix_index,
    restores_it_without_its_opclass
);

#[tokio::test]
pub(crate) async fn an_index_restored_without_its_operator_class_is_caught() {
    let report = run([&MOVES_BASE, &INDEX_WITHOUT_OPCLASS, &MOVES_AFTER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [Change::Changed {
            key: "index public.people_name_prefix".into(),
            before: "CREATE INDEX people_name_prefix ON public.people USING btree (name text_pattern_ops), valid".into(),
            after: "CREATE INDEX people_name_prefix ON public.people USING btree (name), valid"
                .into(),
        }],
        "{report}"
    );
}

// ----- the derived downs of the same steps pass --------------------------------------------

pub(crate) fn derived(m: &mut Migration) {
    m.drop_primary_key_with("labels", "labels_pkey", ["id"]);
    m.drop_exclusion_with("rooms", "rooms_no_overlap", [("during", "&&")])
        .filter(Expr::col("cancelled").eq(false));
    m.drop_index_with(
        "people_name_prefix",
        "people",
        [IndexColumn::col("name").opclass("text_pattern_ops")],
    );
    m.alter_constraint_from(
        "invoices",
        "invoices_account_fk",
        Deferrable::InitiallyDeferred,
        Deferrable::NotDeferrable,
    );
}
reg!(DERIVED, 2, derived);

#[tokio::test]
pub(crate) async fn the_derived_downs_of_the_same_changes_pass() {
    let report = run([&MOVES_BASE, &DERIVED, &MOVES_AFTER]).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3]);
}
