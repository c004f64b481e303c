//! Row-level security, policies and privileges: `verify` catches a wrong down of each kind of object.

#[allow(unused_imports)]
use super::*;
