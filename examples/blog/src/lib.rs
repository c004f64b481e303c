//! An example application: a blog. Its schema lives in [`migrations`], one file per
//! migration; `src/bin/migrate.rs` turns them into the `migrate` command.

pub mod migrations;
