//! Every blog migration hashes to a fixed digest. A database migrated by any earlier
//! build of the blog holds these in its history table, so a change to one (a new
//! checksum encoding, a step field that is not skipped at its default, an expression
//! that sea-query renders differently) would mark it modified: it must be deliberate.
#![allow(clippy::unwrap_used)]

// The reference that links the migrations' registrations into this test binary.
#[allow(unused_imports)]
use blog::migrations as _;

use migrate_core::{MigrationPlan, Migrations};

#[test]
fn every_blog_migration_has_a_pinned_checksum() {
    let migrations = Migrations::registered()
        .unwrap()
        .in_module("blog::migrations");
    let actual: Vec<(i64, String)> = migrations
        .iter()
        .map(|r| (r.id, MigrationPlan::new(r).unwrap().checksum.to_hex()))
        .collect();
    let actual: Vec<(i64, &str)> = actual.iter().map(|(id, h)| (*id, h.as_str())).collect();
    let pinned: &[(i64, &str)] = &[
        (
            20261121090000,
            "5160fbfc065df9d2adc25f30dd1ffeb42432347a12c46bb8eca11baf91a6f837",
        ),
        (
            20261121090100,
            "ce6defb38c64638ebb77a73591aa5b191cf0675c1e516068bee3286d05865c9a",
        ),
        (
            20261121090200,
            "6c1439a4680ae89eb657e3ea602d4a19692b45c578138c5f71a1c7ec44172bdc",
        ),
        (
            20261121090300,
            "7d0668b7089f5a6ff74018dd3f92da0c691db73a54733226827aa8a3d10e6725",
        ),
        (
            20261121090400,
            "07d98033352882eaad751570fd5a0fe18cb5dcc1c538ca053fde064e8f69d119",
        ),
        (
            20261121090500,
            "97b8ef9f896a9279a3a04b237773c294f86690e45027314f26eaf9cace3411b4",
        ),
        (
            20261121090600,
            "c1aeb213fc139796c5f4674a33a0a27ca2ecaee0175977ca0d8a43087472cc8d",
        ),
        (
            20261121090700,
            "8aea3f76488edfc558752dc8c6d74ebf23e93b80e9ceef5eac6db694beb3f2ec",
        ),
        (
            20261121090800,
            "6e2a37ec4280aae127a56f9e8b46aa7b5275fd61c53132110cd5cd6381bd68c9",
        ),
        (
            20261121090900,
            "542c4119540d817930660c2e3deda49ffea31257549c1c206ba80d4e25b0fe1a",
        ),
    ];
    assert_eq!(actual, pinned);
}
