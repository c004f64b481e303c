//! Where a migration is defined in the user's source, as data: registrations give it,
//! errors and findings name it.

use std::fmt;

/// Where a migration is defined in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Source file.
    pub file: &'static str,
    /// Line of the function's name.
    pub line: u32,
    /// Module path.
    pub module_path: &'static str,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({})", self.file, self.line, self.module_path)
    }
}
