//! Data moves, keys, constraints and index options, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;
