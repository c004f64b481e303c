//! The wire: one simple-query message sent to PostgreSQL, and the mapping back from
//! an error to the statement that failed.
//!
//! A transactional unit goes out as ONE message (`BEGIN; SET LOCAL ..; <statements>;
//! <history row>; COMMIT`): the statements and the history row commit together or not
//! at all. [`Message`] builds it and keeps where each statement starts (in characters,
//! as PostgreSQL counts an error's position); the failed statement is the one the
//! error's position points into, else the one after the `CommandComplete`s received.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::db_error::DbError;
use crate::plan::Statement;

/// What the runner does while it sends a migration's transaction.
pub(super) const RUNNING: &str = "running a migration";

/// What the runner does while it sends a statement that runs alone.
pub(super) const RUNNING_ALONE: &str = "running a migration's statement that runs alone";

/// How a failed message ended.
pub(super) enum SendError {
    /// PostgreSQL refused statement number `completed` (0-based count of
    /// `CommandComplete` messages before the error).
    Db { completed: usize, db: Box<DbError> },
    /// The connection failed.
    Driver(tokio_postgres::Error),
}

/// Sends one simple-query message; the row counts of the statements that completed.
pub(super) async fn send(client: &Client, sql: &str) -> Result<Vec<u64>, SendError> {
    let stream = client
        .simple_query_raw(sql)
        .await
        .map_err(SendError::Driver)?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = Vec::new();
    while let Some(message) = stream.next().await {
        match message {
            Ok(SimpleQueryMessage::CommandComplete(rows)) => completed.push(rows),
            Ok(_) => {}
            Err(error) => {
                return Err(match DbError::from_driver(&error) {
                    Some(db) => SendError::Db {
                        completed: completed.len(),
                        db: Box::new(db),
                    },
                    None => SendError::Driver(error),
                });
            }
        }
    }
    Ok(completed)
}

/// A PostgreSQL interval literal for a timeout (`'0'` disables it).
pub(super) fn timeout_literal(timeout: Option<Duration>) -> String {
    match timeout {
        Some(d) if !d.is_zero() => format!("'{}ms'", d.as_millis().max(1)),
        _ => "'0'".to_owned(),
    }
}

/// A statement of a transactional message, with where it starts and how long it is (in
/// characters, as PostgreSQL counts an error's position).
pub(super) struct Piece {
    pub(super) sql: String,
    pub(super) offset: u32,
    /// Characters of the statement.
    pub(super) chars: u32,
    /// Characters of the statement and its terminator.
    span: u32,
}

/// Builds `BEGIN; <settings>; <statements>; <bookkeeping>; COMMIT`.
pub(super) struct Message {
    pub(super) text: String,
    chars: u32,
    pub(super) prefix: usize,
    pub(super) pieces: Vec<Piece>,
}

impl Message {
    pub(super) fn new() -> Self {
        Self {
            text: String::new(),
            chars: 0,
            prefix: 0,
            pieces: Vec::new(),
        }
    }

    /// Appends a statement (without its semicolon), followed by its terminator.
    fn push(&mut self, sql: &str, terminator: &str) -> Piece {
        let offset = self.chars;
        self.text.push_str(sql);
        self.text.push_str(terminator);
        self.text.push('\n');
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        let chars = count(sql);
        let span = chars.saturating_add(count(terminator));
        self.chars = self.chars.saturating_add(span).saturating_add(1);
        Piece {
            sql: sql.to_owned(),
            offset,
            chars,
            span,
        }
    }

    /// Appends a setting the runner wrote (no semicolon, no comment).
    pub(super) fn setting(&mut self, sql: &str) {
        let _ = self.push(sql, ";");
        self.prefix += 1;
    }

    /// Appends a statement of the plan, terminated so that no trailing comment
    /// swallows its `;`.
    pub(super) fn statement(&mut self, statement: &Statement) {
        let piece = self.push(statement.text(), statement.terminator());
        self.pieces.push(piece);
    }

    /// Appends a statement the runner wrote (bookkeeping, `COMMIT`): no semicolon,
    /// no comment.
    pub(super) fn own(&mut self, sql: &str) {
        let piece = self.push(sql, ";");
        self.pieces.push(piece);
    }

    /// The statement (index among `pieces`) that a 1-based character position of the
    /// whole message falls in, its terminator included.
    fn piece_at(&self, position: u32) -> Option<usize> {
        let at = position.checked_sub(1)?;
        self.pieces
            .iter()
            .position(|p| at >= p.offset && at - p.offset < p.span)
    }

    /// The statement that failed: where PostgreSQL's position points when it gave one
    /// (a syntax error fails the whole message before anything runs, so no statement
    /// completed), else the one after the `completed` ones.
    pub(super) fn failed_piece(&self, completed: usize, position: Option<u32>) -> Option<usize> {
        match position.and_then(|p| self.piece_at(p)) {
            Some(i) => Some(i),
            None => completed
                .checked_sub(self.prefix)
                .filter(|i| *i < self.pieces.len()),
        }
    }
}
