//! The `.env` file: found in the working directory or one of its parents (as dotenvy
//! looks for it), checked whole before anything of it is loaded, so that a line that
//! does not parse is reported with its file, line and column instead of silently
//! dropping the rest of the file. It never overrides the environment.
//!
//! A message never shows a line's text: it may hold a password.

use std::fmt;
use std::path::{Path, PathBuf};

/// A `.env` file that could not be read or parsed. Nothing of it was loaded.
#[derive(Debug)]
pub(crate) struct EnvFileError {
    /// The file.
    pub(crate) path: PathBuf,
    problem: Problem,
}

#[derive(Debug)]
enum Problem {
    /// A line that is not `KEY=value`; `line` and `column` count from 1, `line` is
    /// `None` when it could not be found again in the file.
    Syntax { line: Option<usize>, column: usize },
    /// The file could not be read.
    Io(std::io::Error),
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.problem {
            Problem::Syntax { line, column } => {
                match line {
                    Some(line) => write!(f, "{path}:{line}:{column}: this line")?,
                    None => write!(f, "{path}: a line")?,
                }
                write!(
                    f,
                    " is not `KEY=value`, so nothing of the file was loaded\n\
                     hint: fix that line: quote a value holding spaces or quotes \
                     (KEY=\"a value\"), start a comment with `#`"
                )
            }
            Problem::Io(error) => write!(
                f,
                "could not read {path}: {error}\n\
                 hint: make it a readable file, or remove it"
            ),
        }
    }
}

impl std::error::Error for EnvFileError {}

/// The `.env` file of the working directory or the nearest parent, if any.
pub(crate) fn find() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join(".env"))
        .find(|path| path.is_file())
}

/// Finds, checks and loads the `.env` file; `Ok(None)` when there is none.
pub(crate) fn load() -> Result<Option<PathBuf>, EnvFileError> {
    let Some(path) = find() else {
        return Ok(None);
    };
    check(&path)?;
    dotenvy::from_path(&path).map_err(|error| EnvFileError {
        problem: match error {
            dotenvy::Error::Io(error) => Problem::Io(error),
            _ => Problem::Syntax {
                line: None,
                column: 1,
            },
        },
        path: path.clone(),
    })?;
    Ok(Some(path))
}

/// Parses the whole file without loading it.
fn check(path: &Path) -> Result<(), EnvFileError> {
    let failed = |problem| EnvFileError {
        path: path.to_owned(),
        problem,
    };
    let content = std::fs::read_to_string(path).map_err(|e| failed(Problem::Io(e)))?;
    // dotenvy skips a byte-order mark when loading, not when iterating.
    let content = content.strip_prefix('\u{feff}').unwrap_or(&content);
    for item in dotenvy::from_read_iter(content.as_bytes()) {
        item.map_err(|error| {
            failed(match error {
                dotenvy::Error::LineParse(fragment, index) => {
                    let (line, column) = locate(content, &fragment, index);
                    Problem::Syntax { line, column }
                }
                dotenvy::Error::Io(error) => Problem::Io(error),
                // Not produced while parsing (it is about reading a variable).
                _ => Problem::Syntax {
                    line: None,
                    column: 1,
                },
            })
        })?;
    }
    Ok(())
}

/// Where the error at character `index` of `fragment` stands in the file: its line
/// and column, counting from 1. dotenvy reports either a whole logical line (which
/// starts a line of the file, and may span several when a quoted value does) or the
/// value of one (which starts right after the line's `KEY=`). The first line of the
/// file where the fragment stands so is the one: an identical earlier line would have
/// failed first.
fn locate(content: &str, fragment: &str, index: usize) -> (Option<usize>, usize) {
    let byte_index = fragment
        .char_indices()
        .nth(index)
        .map_or(fragment.len(), |(i, _)| i);
    let mut start = 0;
    let mut number = 1;
    while start <= content.len() {
        let rest = &content[start..];
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let offset = if rest.starts_with(fragment) {
            Some(0)
        } else {
            rest[..end].find('=').and_then(|eq| {
                let value = rest[eq + 1..].trim_start_matches([' ', '\t']);
                let offset = rest.len() - value.len();
                value.starts_with(fragment).then_some(offset)
            })
        };
        if let Some(offset) = offset {
            let before = format!("{}{}", &rest[..offset], &fragment[..byte_index]);
            let column = before
                .rsplit('\n')
                .next()
                .map_or(0, |last| last.chars().count())
                + 1;
            return (Some(number + before.matches('\n').count()), column);
        }
        if end == rest.len() {
            break;
        }
        start += end;
        number += 1;
    }
    (None, index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(content: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, content).unwrap();
        let error = check(&path).unwrap_err();
        let text = error.to_string();
        let shown = path.display().to_string();
        text.strip_prefix(&shown)
            .unwrap_or_else(|| panic!("{text} does not start with {shown}"))
            .to_owned()
    }

    #[test]
    fn names_the_line_and_column_without_its_text() {
        let text = error_of("# comment\nA=1\n\nDATABASE_URL=postgres://u:hunter2@h/db x y\nB=2\n");
        assert!(text.starts_with(":4:"), "{text}");
        assert!(text.contains("is not `KEY=value`"), "{text}");
        assert!(text.contains("hint: "), "{text}");
        assert!(!text.contains("hunter2"), "{text}");

        let text = error_of("A=1\nthis is not a pair\n");
        assert!(text.starts_with(":2:"), "{text}");
        // An unterminated quote runs to the end of the file.
        let text = error_of("A=1\nB='open\nC=3\n");
        assert!(text.starts_with(":"), "{text}");
        assert!(!text.contains("open"), "{text}");
        // A quoted value over two lines, then a bad line.
        let text = error_of("A=\"x\ny\"\nBAD LINE\n");
        assert!(text.starts_with(":3:"), "{text}");
        // A byte-order mark does not shift the lines.
        let text = error_of("\u{feff}A=1\nB C\n");
        assert!(text.starts_with(":2:"), "{text}");
    }

    #[test]
    fn a_valid_file_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "# x\nexport A=1\nB=\"two words\" # c\nC='q'\n").unwrap();
        check(&path).unwrap();
    }

    #[test]
    fn positions_inside_the_logical_line() {
        assert_eq!(locate("A=1\nB C\n", "B C", 2), (Some(2), 3));
        assert_eq!(locate("A=\"x\ny z\n", "A=\"x\ny z", 8), (Some(2), 4));
        assert_eq!(locate("A=1\n", "missing", 0), (None, 1));
        // A value's error: the fragment is the value, after `KEY=`.
        assert_eq!(locate("A=1 2\nB= x y\n", "x y", 2), (Some(2), 6));
        // A quoted earlier value holding the same text is not the line.
        assert_eq!(locate("A=\"x y\"\nB=x y\n", "x y", 2), (Some(2), 5));
    }
}
