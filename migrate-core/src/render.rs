//! Rendering steps to PostgreSQL SQL: the only module that talks to sea-query, and the
//! only place identifiers are quoted and values escaped.
//! (Being written.)

use crate::step::Step;

/// The statements of one step.
pub fn step(_step: &Step) -> Vec<String> {
    Vec::new()
}

/// A standalone expression.
pub fn expr(_e: &sea_query::Expr) -> String {
    String::new()
}
