//! Functions, procedures and triggers, applied and reverted on PostgreSQL.

#[allow(unused_imports)]
use super::*;
