//! Sequences, domains, serial columns and type renames, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;
