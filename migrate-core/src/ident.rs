//! Names of database objects: the one place where names are checked.
//!
//! Names are recorded as the user wrote them and checked when a plan is built
//! ([`Ident::check`]): empty names, names with a NUL byte and names longer than
//! PostgreSQL's 63-byte limit (which the server would silently truncate) are
//! errors, never surprises. Quoting happens in exactly one place, the renderer.

use std::fmt;

use serde::Serialize;

/// PostgreSQL's limit on identifier length in bytes (`NAMEDATALEN - 1`).
pub const MAX_IDENT_BYTES: usize = 63;

/// One SQL identifier (a table, column, index, constraint, type or schema name),
/// exactly as written: `"Users"` stays mixed-case because it is always quoted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ident(String);

impl Ident {
    /// Wraps a name. Nothing is checked until the plan is built.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the name against PostgreSQL's rules.
    ///
    /// ```
    /// use migrate_core::{Ident, IdentError};
    /// assert!(Ident::new("users").check().is_ok());
    /// assert_eq!(Ident::new("").check(), Err(IdentError::Empty));
    /// let long = "x".repeat(64);
    /// assert_eq!(Ident::new(long).check(), Err(IdentError::TooLong { bytes: 64 }));
    /// ```
    pub fn check(&self) -> Result<(), IdentError> {
        if self.0.is_empty() {
            Err(IdentError::Empty)
        } else if self.0.len() > MAX_IDENT_BYTES {
            Err(IdentError::TooLong {
                bytes: self.0.len(),
            })
        } else if self.0.contains('\0') {
            Err(IdentError::Nul)
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Ident {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Ident {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&String> for Ident {
    fn from(s: &String) -> Self {
        Self(s.clone())
    }
}

/// Why a name is not a valid PostgreSQL identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentError {
    /// The name is empty.
    #[error("the name is empty")]
    Empty,
    /// The name is longer than PostgreSQL keeps.
    #[error(
        "the name is {bytes} bytes long; PostgreSQL keeps only {MAX_IDENT_BYTES} and would silently truncate it"
    )]
    TooLong {
        /// Length of the name in bytes.
        bytes: usize,
    },
    /// The name contains a NUL byte.
    #[error("the name contains a NUL byte")]
    Nul,
    /// A string with more than one `.` was given where a `schema.name` is expected.
    #[error(
        "the name has {dots} dots, so it is neither `name` nor `schema.name`; \
         write `schema.name`, or pass `(schema, name)` or `ObjectName::unqualified(name)` \
         for a name that itself contains a dot"
    )]
    TooManyParts {
        /// How many dots the string has.
        dots: usize,
    },
}

/// A name that may be qualified by a schema: `"users"` or `"billing.invoices"`.
///
/// Built from a string, a single `.` separates the schema from the name, and a string
/// with more dots is refused when the plan is built ([`ObjectName::check`]): `"a.b.c"`
/// names no table. Use [`ObjectName::qualified`] (or a `(schema, name)` tuple) or
/// [`ObjectName::unqualified`] for names that themselves contain a dot.
///
/// ```
/// use migrate_core::{IdentError, ObjectName};
/// assert_eq!(ObjectName::from("billing.invoices"), ObjectName::qualified("billing", "invoices"));
/// assert_eq!(ObjectName::from("a.b.c").check(), Err(IdentError::TooManyParts { dots: 2 }));
/// assert!(ObjectName::qualified("a", "b.c").check().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectName {
    /// The schema, when given; otherwise the connection's `search_path` decides.
    pub schema: Option<Ident>,
    /// The object's own name.
    pub name: Ident,
    /// The dots of the string it was built from, when it had more than one (the whole
    /// string is then kept as `name`, and [`ObjectName::check`] refuses it). Not part
    /// of the checksum encoding.
    #[serde(skip)]
    extra_dots: Option<usize>,
}

impl ObjectName {
    /// A name without a schema.
    pub fn unqualified(name: impl Into<Ident>) -> Self {
        Self {
            schema: None,
            name: name.into(),
            extra_dots: None,
        }
    }

    /// A schema-qualified name.
    pub fn qualified(schema: impl Into<Ident>, name: impl Into<Ident>) -> Self {
        Self {
            schema: Some(schema.into()),
            name: name.into(),
            extra_dots: None,
        }
    }

    /// The same schema with another name (renames keep the schema).
    pub fn with_name(&self, name: impl Into<Ident>) -> Self {
        Self {
            schema: self.schema.clone(),
            name: name.into(),
            extra_dots: None,
        }
    }

    /// Checks both parts, and that a name built from a string had at most one dot.
    pub fn check(&self) -> Result<(), IdentError> {
        if let Some(dots) = self.extra_dots {
            return Err(IdentError::TooManyParts { dots });
        }
        if let Some(schema) = &self.schema {
            schema.check()?;
        }
        self.name.check()
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

impl From<&str> for ObjectName {
    fn from(s: &str) -> Self {
        match s.matches('.').count() {
            0 => Self::unqualified(s),
            1 => match s.split_once('.') {
                Some((schema, name)) => Self::qualified(schema, name),
                None => Self::unqualified(s),
            },
            dots => Self {
                extra_dots: Some(dots),
                ..Self::unqualified(s)
            },
        }
    }
}

impl From<String> for ObjectName {
    fn from(s: String) -> Self {
        Self::from(s.as_str())
    }
}

impl From<&String> for ObjectName {
    fn from(s: &String) -> Self {
        Self::from(s.as_str())
    }
}

impl<S: Into<Ident>, N: Into<Ident>> From<(S, N)> for ObjectName {
    fn from((schema, name): (S, N)) -> Self {
        Self::qualified(schema, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_strings_are_schema_qualified() {
        assert_eq!(
            ObjectName::from("billing.invoices"),
            ObjectName::qualified("billing", "invoices")
        );
        assert_eq!(ObjectName::from("users"), ObjectName::unqualified("users"));
        let dotted = ObjectName::from("a.b.c");
        assert_eq!(dotted.to_string(), "a.b.c");
        assert_eq!(dotted.check(), Err(IdentError::TooManyParts { dots: 2 }));
        assert!(ObjectName::unqualified("a.b.c").check().is_ok());
        assert!(ObjectName::from(("a", "b.c")).check().is_ok());
    }

    #[test]
    fn limits_are_in_bytes() {
        // 32 two-byte characters = 64 bytes.
        assert_eq!(
            Ident::new("é".repeat(32)).check(),
            Err(IdentError::TooLong { bytes: 64 })
        );
        assert!(Ident::new("x".repeat(63)).check().is_ok());
        assert_eq!(Ident::new("a\0b").check(), Err(IdentError::Nul));
    }
}
