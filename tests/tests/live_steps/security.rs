//! Row-level security, policies and privileges, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;
