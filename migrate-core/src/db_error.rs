//! PostgreSQL's own description of a failed statement, kept as plain data.

use std::fmt;

use tokio_postgres::error::ErrorPosition;

/// SQLSTATE `55P03`: a lock could not be obtained within `lock_timeout`.
pub const LOCK_NOT_AVAILABLE: &str = "55P03";
/// SQLSTATE `40P01`: the statement was chosen as a deadlock victim.
pub const DEADLOCK_DETECTED: &str = "40P01";

/// The fields of a PostgreSQL error response, copied out of the driver's error so
/// they can be matched, shown and stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    /// The SQLSTATE code, e.g. `42P01`.
    pub code: String,
    /// The severity (`ERROR`, `FATAL`...).
    pub severity: String,
    /// The primary message.
    pub message: String,
    /// The optional detail.
    pub detail: Option<String>,
    /// The optional hint.
    pub hint: Option<String>,
    /// 1-based character position of the error in the statement, when PostgreSQL gave
    /// one (already made relative to the failed statement, not the whole message the
    /// runner sent).
    pub position: Option<u32>,
    /// The context (`where`) of the error, e.g. the PL/pgSQL line.
    pub context: Option<String>,
    /// The schema of the object concerned.
    pub schema: Option<String>,
    /// The table concerned.
    pub table: Option<String>,
    /// The column concerned.
    pub column: Option<String>,
    /// The constraint concerned (e.g. the unique index that saw duplicates).
    pub constraint: Option<String>,
}

impl DbError {
    /// The fields of a driver error, when it is an error PostgreSQL reported (not an I/O
    /// or protocol failure).
    pub fn from_driver(error: &tokio_postgres::Error) -> Option<Self> {
        error.as_db_error().map(Self::from)
    }

    /// Whether retrying the whole transaction may succeed: a lock timeout (`55P03`) or
    /// a deadlock (`40P01`).
    pub fn is_retryable(&self) -> bool {
        self.code == LOCK_NOT_AVAILABLE || self.code == DEADLOCK_DETECTED
    }

    /// Shifts the position so it counts from a statement that started `offset`
    /// characters into the message that was sent and is `chars` long: a position past
    /// its end (at the `;` after it) becomes the one just after its last character, a
    /// position before it none.
    pub(crate) fn relative_to(mut self, offset: u32, chars: u32) -> Self {
        self.position = self
            .position
            .and_then(|p| p.checked_sub(offset))
            .filter(|p| *p > 0)
            .map(|p| p.min(chars.saturating_add(1)));
        self
    }
}

impl From<&tokio_postgres::error::DbError> for DbError {
    fn from(e: &tokio_postgres::error::DbError) -> Self {
        Self {
            code: e.code().code().to_owned(),
            severity: e.severity().to_owned(),
            message: e.message().to_owned(),
            detail: e.detail().map(str::to_owned),
            hint: e.hint().map(str::to_owned),
            position: match e.position() {
                Some(ErrorPosition::Original(p)) => Some(*p),
                _ => None,
            },
            context: e.where_().map(str::to_owned),
            schema: e.schema().map(str::to_owned),
            table: e.table().map(str::to_owned),
            column: e.column().map(str::to_owned),
            constraint: e.constraint().map(str::to_owned),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (SQLSTATE {})", self.message, self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, "\ndetail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        if let Some(position) = self.position {
            write!(f, "\nposition: {position}")?;
        }
        if let Some(context) = &self.context {
            write!(f, "\ncontext: {context}")?;
        }
        Ok(())
    }
}
