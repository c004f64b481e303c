//! Views and materialized views, and comments, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;
