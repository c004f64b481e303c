//! A migration statement that failed, as data: carried by `Error::Statement` and by
//! verify's report.

use std::fmt;

use super::{FailedAttempt, Report, RunDirection};
use crate::db_error::DbError;
use crate::display::DisplayId;

/// A migration statement that failed, with PostgreSQL's description and what the run
/// had done before.
#[derive(Debug)]
#[non_exhaustive]
pub struct StatementFailure {
    /// The migration's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Which way it ran.
    pub direction: RunDirection,
    /// Index of the failed statement among the direction's statements (equal to their
    /// number when the failure came at `COMMIT`, e.g. a deferred constraint).
    pub statement: usize,
    /// The failed statement's SQL.
    pub sql: String,
    /// PostgreSQL's error fields (the position counts from the start of `sql`).
    pub db: DbError,
    /// Every attempt that failed on a lock timeout or deadlock (with its blockers),
    /// including the last one when the run gave up on a lock timeout or deadlock.
    pub retries: Vec<FailedAttempt>,
    /// What this run applied or reverted before the failure.
    pub applied: Report,
}

impl fmt::Display for StatementFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} ({}) failed on {} statement {}: {}\n  statement: {}",
            DisplayId(self.id),
            self.name,
            self.direction,
            self.statement,
            self.db,
            self.sql
        )?;
        if !self.retries.is_empty() {
            // The last attempt is among the retries when it failed the same way.
            let attempts = if self.db.is_retryable() {
                self.retries.len()
            } else {
                self.retries.len() + 1
            };
            write!(f, "\n  after {attempts} attempts")?;
            if let Some(last) = self.retries.last() {
                for b in &last.blockers {
                    write!(f, "\n  blocked by {b}")?;
                }
            }
        }
        Ok(())
    }
}
