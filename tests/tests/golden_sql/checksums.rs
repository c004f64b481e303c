//! Checksums: a fixed migration hashes to a fixed digest, and every golden migration
//! and shared fixture is pinned.

use migrate_core::prelude::*;

use super::alterations::{
    alter_columns, constraints_not_valid, drops_with_definitions, indexes, renames,
};
use super::manual::{manual_data_steps, manual_schema_steps, paired};
use super::plan::{backfill_default_key, backfill_named_key, table_then_concurrent_index};
use super::schemas::{drop_extensions, extensions};
use super::tables::{all_types, column_modifiers, table_constraints, weird_names, with_timestamps};

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
