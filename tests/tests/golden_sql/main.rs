//! Golden SQL: the exact statements every DSL step renders to, up and down.
//!
//! Each migration is a plain function planned with `plan::preview`, the way a user
//! previews one. Reversible migrations are checked in both directions; steps that
//! need `Manual` mode are checked alone (no down) and paired inside `reversible`.
//!
//! One test target in modules by concept; the migration functions are `pub(crate)` so
//! that `checksums` can pin every one of them.

#![allow(clippy::unwrap_used)]

mod alterations;
mod checksums;
mod manual;
mod moves;
mod plan;
mod routines;
mod schemas;
mod security;
mod sequences;
mod tables;
mod views;
