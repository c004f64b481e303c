//! The terminal: colors, the two streams and the one scrubber every printed text
//! passes through.
//!
//! Colors go through `anstream`, which drops them when NO_COLOR is set, when the
//! stream is not a terminal, or with `--color never`. Every text printed (clap's
//! errors and the JSON included) passes through [`scrub`]: it masks every password
//! registered with [`add_secrets`], which the command line registers for each
//! connection string it sees (arguments, environment, `.env`) before parsing it, so no
//! message built from user input can show one.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};

use anstyle::{AnsiColor, Style};

use crate::cli::ColorChoice;

pub(super) const GREEN: Style = AnsiColor::Green.on_default();
pub(super) const YELLOW: Style = AnsiColor::Yellow.on_default();
pub(super) const RED: Style = AnsiColor::Red.on_default().bold();
pub(super) const CYAN: Style = AnsiColor::Cyan.on_default();
pub(super) const DIM: Style = Style::new().dimmed();
pub(super) const BOLD: Style = Style::new().bold();

/// Secrets to mask in everything printed, longest first.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Sets the color choice for both streams.
pub(crate) fn set_color(choice: ColorChoice) {
    anstream::ColorChoice::write_global(match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    });
}

/// Whether colors are on for stderr (for the log layer).
pub(crate) fn stderr_colored() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether stderr is a terminal (for the live indicator).
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Registers passwords to mask, as given and as JSON escapes them. Passwords shorter
/// than 3 characters are not searched for (they would mask ordinary text); they are
/// still never printed on purpose, since every connection string shown is redacted.
pub(crate) fn add_secrets(secrets: impl IntoIterator<Item = String>) {
    let mut list = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in secrets.into_iter().filter(|s| s.len() >= 3) {
        let escaped = serde_json::to_string(&secret)
            .ok()
            .map(|quoted| quoted[1..quoted.len() - 1].to_owned());
        for form in [Some(secret), escaped].into_iter().flatten() {
            if !list.contains(&form) {
                list.push(form);
            }
        }
    }
    // A secret that contains another is masked first.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The text with every registered secret replaced by `***`.
pub(crate) fn scrub(text: &str) -> String {
    let list = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = text.to_owned();
    for secret in list.iter() {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

/// Writes the text, scrubbed, on stdout.
pub(super) fn out(text: &str) {
    let mut stdout = anstream::stdout().lock();
    let _ = stdout.write_all(scrub(text).as_bytes());
    let _ = stdout.flush();
}

/// Writes the text, scrubbed, on stderr.
pub(super) fn err(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(scrub(text).as_bytes());
    let _ = stderr.flush();
}

/// The text in this style (dropped by the stream when colors are off).
pub(super) fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// A log line from the tracing layer, on stderr.
pub(crate) fn log(bytes: &[u8]) {
    err(&String::from_utf8_lossy(bytes));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed() {
        add_secrets(["hunter22".to_owned(), "a\"b\\c".to_owned(), "pw".to_owned()]);
        assert_eq!(scrub("password hunter22 here"), "password *** here");
        assert_eq!(scrub(r#"{"m": "x a\"b\\c y"}"#), r#"{"m": "x *** y"}"#);
        assert_eq!(scrub("a pw b"), "a pw b");
    }
}
