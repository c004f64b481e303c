//! Data moves, keys, constraints and index options: `verify` catches a wrong down of each kind of object.

#[allow(unused_imports)]
use super::*;
