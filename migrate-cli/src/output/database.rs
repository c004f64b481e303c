//! `database create | drop`: one line saying what was done, or that it was done
//! already; or, under `--json`, one document saying the same.

use serde::Serialize;

use super::json;
use super::terminal::{BOLD, DIM, GREEN, YELLOW, out, paint};

/// What `database create` or `database drop` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DatabaseOutcome {
    /// Created.
    Created,
    /// There already: nothing done.
    Exists,
    /// Dropped, after disconnecting this many sessions (`--force`).
    Dropped {
        /// Sessions ended by `WITH (FORCE)`.
        disconnected: i64,
    },
    /// Not there: nothing done.
    Missing,
}

impl DatabaseOutcome {
    /// `created`, `exists`, `dropped` or `missing`.
    fn as_str(self) -> &'static str {
        match self {
            DatabaseOutcome::Created => "created",
            DatabaseOutcome::Exists => "exists",
            DatabaseOutcome::Dropped { .. } => "dropped",
            DatabaseOutcome::Missing => "missing",
        }
    }
}

/// `{"ok": true, "action", "database", "server", "sessions_disconnected"}` (the last
/// only for `dropped`).
#[derive(Serialize)]
struct DatabaseDocument<'a> {
    ok: bool,
    action: &'static str,
    database: &'a str,
    server: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions_disconnected: Option<i64>,
}

/// Prints what was done to the database `name` on `endpoint` (`host:port`).
pub(crate) fn database(outcome: DatabaseOutcome, name: &str, endpoint: &str, as_json: bool) {
    if as_json {
        json::document(&DatabaseDocument {
            ok: true,
            action: outcome.as_str(),
            database: name,
            server: endpoint,
            sessions_disconnected: match outcome {
                DatabaseOutcome::Dropped { disconnected } => Some(disconnected),
                _ => None,
            },
        });
    } else {
        out(&text(outcome, name, endpoint));
    }
}

/// The line: `created  database app on 127.0.0.1:5432`, `dropped  database app on
/// 127.0.0.1:5432 (1 session disconnected)`...
fn text(outcome: DatabaseOutcome, name: &str, endpoint: &str) -> String {
    let (verb, tail) = match outcome {
        DatabaseOutcome::Created => (paint(GREEN, "created "), String::new()),
        DatabaseOutcome::Exists => (
            paint(DIM, "exists  "),
            paint(DIM, ": already there, nothing to do"),
        ),
        DatabaseOutcome::Dropped { disconnected } => (
            paint(YELLOW, "dropped "),
            match disconnected {
                0 => String::new(),
                1 => " (1 session disconnected)".to_owned(),
                n => format!(" ({n} sessions disconnected)"),
            },
        ),
        DatabaseOutcome::Missing => (
            paint(DIM, "missing "),
            paint(DIM, ": does not exist, nothing to drop"),
        ),
    };
    format!(
        "{verb} database {} on {endpoint}{tail}\n",
        paint(BOLD, name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_database_and_the_server() {
        let plain =
            |outcome| anstream::adapter::strip_str(&text(outcome, "app", "h:5432")).to_string();
        assert_eq!(
            plain(DatabaseOutcome::Dropped { disconnected: 2 }),
            "dropped  database app on h:5432 (2 sessions disconnected)\n"
        );
        assert_eq!(
            plain(DatabaseOutcome::Dropped { disconnected: 1 }),
            "dropped  database app on h:5432 (1 session disconnected)\n"
        );
        assert_eq!(
            plain(DatabaseOutcome::Created),
            "created  database app on h:5432\n"
        );
        assert_eq!(
            plain(DatabaseOutcome::Exists),
            "exists   database app on h:5432: already there, nothing to do\n"
        );
        assert_eq!(
            plain(DatabaseOutcome::Missing),
            "missing  database app on h:5432: does not exist, nothing to drop\n"
        );
    }
}
