//! Every typed step of the DSL against the real PostgreSQL, by family: each migration
//! is applied, checked in the catalog, reverted and applied again, each test in its own
//! fresh database.
//!
//! One test target in modules by concept; shared imports and helpers are here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(unused_imports)]
use migrate_core::prelude::*;
#[allow(unused_imports)]
use migrate_core::{Migrations, Migrator, MigratorOptions, Registration, Target};
#[allow(unused_imports)]
use migrate_tests::{TestDb, reg};

mod moves;
mod routines;
mod security;
mod sequences;
mod views;
