//! Schema snapshots and `verify` against the real local PostgreSQL, each test in its
//! own fresh database (the scratch databases `verify` creates live beside them).
//!
//! One test target in modules by concept; shared imports, helpers and the correct
//! set of migrations are here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use migrate_core::prelude::*;
use migrate_core::snapshot::{Change, Snapshot, SnapshotOptions};
use migrate_core::verify::{Failure, Outcome, Phase, ScratchTarget, VerifyOptions, verify};
use migrate_core::{
    Down, Error, Migrations, Migrator, MigratorOptions, Registration, Target, VerifyReport,
};
use migrate_tests::{TestDb, admin_url, connect, int, reg, server_version, text};

pub(crate) fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(
        &Migrations::from_registrations(regs).unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

pub(crate) fn server() -> ScratchTarget {
    ScratchTarget::Server(admin_url().parse().unwrap())
}

pub(crate) async fn run<const N: usize>(regs: [&'static Registration; N]) -> VerifyReport {
    verify(&migrator(regs), server(), &VerifyOptions::new())
        .await
        .unwrap()
}

pub(crate) async fn database_exists(name: &str) -> bool {
    let admin = connect(&admin_url().parse().unwrap()).await.unwrap();
    let rows = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap();
    !rows.is_empty()
}

/// Registers a migration with a hand-written down: `manual!(NAME, id, up, down)`.
macro_rules! manual {
    ($static:ident, $id:expr, $up:ident, $down:ident) => {
        reg!(
            $static,
            $id,
            $up,
            Manual,
            Down::Manual({
                fn down() -> ::migrate_core::Recorded {
                    ::migrate_core::__private::record::<::migrate_core::Manual>($down)
                }
                down
            })
        );
    };
}

// ----- a correct set -------------------------------------------------------------------

pub(crate) fn users(m: &mut Migration) {
    m.create_enum("mood", ["sad", "ok", "happy"]);
    m.create_table("users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Text).not_null().unique();
        t.column("mood", ColumnType::named("mood"));
        t.check(Expr::col("email").ne(""))
            .name("users_email_not_empty");
    });
}
pub(crate) fn posts(m: &mut Migration) {
    m.create_table("posts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("author_id", BigInt)
            .not_null()
            .references("users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("title", Text).not_null().default("");
    });
}
pub(crate) fn posts_index(m: &mut Migration) {
    m.create_index_concurrently("posts_author_idx", "posts", ["author_id"]);
}
pub(crate) fn split_name(m: &mut Migration) {
    m.add_column("users", "name", Text);
    m.add_column("users", "nick", Text);
}
/// Drops a column in the middle: its down re-adds it at the end, which is the same
/// schema for every query that names its columns.
pub(crate) fn drop_name(m: &mut Migration) {
    m.drop_column_with("users", "name", Text);
}
pub(crate) fn seed(m: &mut Migration<Manual>) {
    m.unchecked_sql("INSERT INTO users (email) VALUES ('a@example.com')");
}
pub(crate) fn hand_written_up(m: &mut Migration<Manual>) {
    m.add_column("posts", "slug", Text);
    m.create_index("posts_slug_idx", "posts", ["slug"]);
}
pub(crate) fn hand_written_down(m: &mut Migration<Manual>) {
    m.drop_index("posts_slug_idx");
    m.drop_column("posts", "slug");
}
reg!(USERS, 1, users);
reg!(POSTS, 2, posts);
reg!(POSTS_INDEX, 3, posts_index);
reg!(SPLIT_NAME, 4, split_name);
reg!(DROP_NAME, 5, drop_name);
reg!(SEED, 6, seed, irreversible);
manual!(HAND_WRITTEN, 7, hand_written_up, hand_written_down);

// After `manual!`: a `macro_rules!` macro is visible only to modules declared below it.
mod moves;
mod reversibility;
mod routines;
mod security;
mod sequences;
mod snapshots;
mod views;
