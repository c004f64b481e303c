//! The runner against the real local PostgreSQL, each test in its own fresh database.
//!
//! One test target in modules by concept; shared imports and helpers are here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod concurrency;
mod lifecycle;
mod locks;
mod reset;

use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_core::prelude::*;
use migrate_core::{
    ConcurrentProfile, Connector, DownTarget, Error, MigrationState, Migrations, Migrator,
    MigratorOptions, Registration, RunDirection, Target,
};
use migrate_tests::{
    TestDb, column_exists, history_ids, history_progress, index_validity, int, reg, table_exists,
    text,
};

pub(crate) const HISTORY: &str = "public.migrate_history";

pub(crate) fn set<const N: usize>(regs: [&'static Registration; N]) -> Migrations {
    Migrations::from_registrations(regs).unwrap()
}

pub(crate) fn migrator<const N: usize>(regs: [&'static Registration; N]) -> Migrator {
    Migrator::new(&set(regs), MigratorOptions::new()).unwrap()
}

// ----- a small schema ---------------------------------------------------------------

use migrate_tests::fixtures::{posts, users, users_bio, users_bio_idx};

reg!(USERS, 1, users);
reg!(USERS_BIO, 2, users_bio);
reg!(POSTS, 3, posts);
reg!(USERS_BIO_IDX, 4, users_bio_idx);
