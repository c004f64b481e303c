//! Errors and warnings on stderr, clap's own messages included, with their whole
//! chain.

use super::terminal::{DIM, RED, YELLOW, err, out, paint};

/// A clap error (or `--help` / `--version`), printed the way clap prints it, but
/// scrubbed: clap echoes arguments (`unexpected argument 'postgres://u:pw@h'`).
pub(crate) fn clap_error(error: &clap::Error) {
    let text = error.render().ansi().to_string();
    if error.use_stderr() {
        err(&text);
    } else {
        out(&text);
    }
}

/// An error with its whole chain, PostgreSQL's detail and hint included.
pub(crate) fn error(error: &anyhow::Error) {
    let mut text = format!("{} {}\n", paint(RED, "error:"), indent(&error.to_string()));
    let mut previous = error.to_string();
    for cause in error.chain().skip(1) {
        let message = cause.to_string();
        // Drivers often repeat their source's text in their own: show it once.
        if previous.contains(&message) {
            continue;
        }
        text.push_str(&format!(
            "  {} {}\n",
            paint(DIM, "caused by:"),
            indent(&message)
        ));
        previous = message;
    }
    err(&text);
}

/// A warning on stderr.
pub(crate) fn warning(message: &str) {
    err(&format!("{} {message}\n", paint(YELLOW, "warning:")));
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}
