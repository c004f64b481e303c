//! `database create | drop`: one line saying what was done, or that it was done
//! already.

use super::terminal::{BOLD, DIM, GREEN, YELLOW, out, paint};

/// `created  database app on 127.0.0.1:5432`.
pub(crate) fn database_created(name: &str, endpoint: &str) {
    out(&line(paint(GREEN, "created "), name, endpoint, ""));
}

/// The database was there already.
pub(crate) fn database_exists(name: &str, endpoint: &str) {
    out(&line(
        paint(DIM, "exists  "),
        name,
        endpoint,
        &paint(DIM, ": already there, nothing to do"),
    ));
}

/// `dropped  database app on 127.0.0.1:5432 (1 session disconnected)`.
pub(crate) fn database_dropped(name: &str, endpoint: &str, disconnected: i64) {
    let sessions = match disconnected {
        0 => String::new(),
        1 => " (1 session disconnected)".to_owned(),
        n => format!(" ({n} sessions disconnected)"),
    };
    out(&line(paint(YELLOW, "dropped "), name, endpoint, &sessions));
}

/// The database was not there.
pub(crate) fn database_missing(name: &str, endpoint: &str) {
    out(&line(
        paint(DIM, "missing "),
        name,
        endpoint,
        &paint(DIM, ": does not exist, nothing to drop"),
    ));
}

fn line(verb: String, name: &str, endpoint: &str, tail: &str) -> String {
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
        let text = line(
            String::from("dropped "),
            "app",
            "h:5432",
            " (2 sessions disconnected)",
        );
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "dropped  database app on h:5432 (2 sessions disconnected)\n"
        );
    }
}
