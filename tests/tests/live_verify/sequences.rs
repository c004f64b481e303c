//! Sequences, domains, serial columns and type renames: `verify` catches a wrong down of each kind of object.

#[allow(unused_imports)]
use super::*;
