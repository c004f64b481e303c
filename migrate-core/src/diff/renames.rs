//! Renames: never guessed, always asked for (`--rename`, or a prompt that
//! [`rename_candidates`] feeds).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::catalog::{Catalog, QName};
use super::{DiffOptions, tables};
use crate::error::Error;

/// A rename asked for: `FROM=TO`, where `FROM` names a table (`users`,
/// `blog.posts`) or a column (`users.email`, `blog.posts.title`) in the "from"
/// schema and `TO` is its new bare name. A two-part `FROM` is a table when the
/// "from" schema has a table of that name in that schema, else a column of a table
/// in `public`.
///
/// ```
/// use migrate_core::diff::Rename;
/// let rename: Rename = "users.email=email_address".parse().unwrap();
/// assert_eq!(rename.to_string(), "users.email=email_address");
/// assert!("users=".parse::<Rename>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    pub(crate) from: Vec<String>,
    pub(crate) to: String,
}

impl FromStr for Rename {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "`{s}` is not a rename: write OLD=NEW, with OLD a table (users, blog.posts) \
                 or a column (users.email, blog.posts.title) and NEW its new name"
            )
        };
        let (from, to) = s.split_once('=').ok_or_else(usage)?;
        let from: Vec<String> = from.trim().split('.').map(str::to_owned).collect();
        let to = to.trim().to_owned();
        if to.is_empty() || to.contains('.') || from.len() > 3 || from.iter().any(String::is_empty)
        {
            return Err(usage());
        }
        Ok(Self { from, to })
    }
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.from.join("."), self.to)
    }
}

/// What looks like a rename: an object dropped and one added beside it with the
/// same shape. [`generate`](super::generate) never acts on it; a prompt may ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameCandidate {
    /// The rename, if confirmed.
    pub rename: Rename,
    /// What it would rename, for the question (`table public.users to people`).
    pub description: String,
}

/// The renames, resolved against both catalogs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolved {
    /// Tables: the name in "from" to the name in "to".
    tables: BTreeMap<QName, QName>,
    /// Columns: (the table's name in "to", the column's name in "from") to its name
    /// in "to".
    columns: BTreeMap<(QName, String), String>,
}

impl Resolved {
    /// The name in "to" of a table of "from".
    pub(crate) fn new_table(&self, from: &QName) -> QName {
        self.tables
            .get(from)
            .cloned()
            .unwrap_or_else(|| from.clone())
    }

    /// The name in "from" of a table of "to".
    pub(crate) fn old_table(&self, to: &QName) -> QName {
        self.tables
            .iter()
            .find(|(_, t)| *t == to)
            .map(|(f, _)| f.clone())
            .unwrap_or_else(|| to.clone())
    }

    /// Whether this table of "from" is renamed.
    pub(crate) fn is_renamed_table(&self, from: &QName) -> bool {
        self.tables.contains_key(from)
    }

    /// Every table rename, "from" name to "to" name.
    pub(crate) fn tables(&self) -> impl Iterator<Item = (&QName, &QName)> {
        self.tables.iter()
    }

    /// The name in "to" of a column of "from", given its table's name in "to".
    pub(crate) fn new_column<'a>(&'a self, to_table: &QName, from_column: &'a str) -> &'a str {
        self.columns
            .get(&(to_table.clone(), from_column.to_owned()))
            .map_or(from_column, String::as_str)
    }

    /// The name in "from" of a column of "to", given its table's name in "to".
    pub(crate) fn old_column<'a>(&'a self, to_table: &QName, to_column: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|((t, _), c)| t == to_table && c.as_str() == to_column)
            .map_or(to_column, |((_, f), _)| f.as_str())
    }

    /// Every column rename of a table (by its name in "to"): "from" name to "to" name.
    pub(crate) fn columns_of<'a>(
        &'a self,
        to_table: &'a QName,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.columns
            .iter()
            .filter(move |((t, _), _)| t == to_table)
            .map(|((_, f), c)| (f.as_str(), c.as_str()))
    }
}

fn invalid(rename: &Rename, reason: impl Into<String>) -> Error {
    Error::InvalidRename {
        rename: rename.to_string(),
        reason: reason.into(),
    }
}

/// Checks each rename against the catalogs: the old name must exist in "from" only,
/// the new one in "to" only.
pub(crate) fn resolve(from: &Catalog, to: &Catalog, renames: &[Rename]) -> Result<Resolved, Error> {
    let mut resolved = Resolved::default();
    // Tables first: a column rename may name its table by its old name.
    let mut columns = Vec::new();
    for rename in renames {
        let table = match rename.from.as_slice() {
            [t] => Some(QName::new("public", t.as_str())),
            [s, t] if from.tables.has_table(&QName::new(s.as_str(), t.as_str())) => {
                Some(QName::new(s.as_str(), t.as_str()))
            }
            _ => None,
        };
        match table {
            Some(old) => {
                if !from.tables.has_table(&old) {
                    return Err(invalid(
                        rename,
                        format!("there is no table {old} to rename"),
                    ));
                }
                let new = old.with_name(rename.to.as_str());
                if !to.tables.has_table(&new) {
                    return Err(invalid(
                        rename,
                        format!("the new schema has no table {new}"),
                    ));
                }
                if from.tables.has_table(&new) {
                    return Err(invalid(rename, format!("a table {new} exists already")));
                }
                if to.tables.has_table(&old) {
                    return Err(invalid(rename, format!("the new schema still has {old}")));
                }
                resolved.tables.insert(old, new);
            }
            None => columns.push(rename),
        }
    }
    for rename in columns {
        let (old_table, column) = match rename.from.as_slice() {
            [t, c] => (QName::new("public", t.as_str()), c),
            [s, t, c] => (QName::new(s.as_str(), t.as_str()), c),
            _ => return Err(invalid(rename, "name a table or a column to rename")),
        };
        if !from.tables.has_column(&old_table, column) {
            return Err(invalid(
                rename,
                format!("there is no column {column} in table {old_table} to rename"),
            ));
        }
        let table = resolved.new_table(&old_table);
        if !to.tables.has_column(&table, &rename.to) {
            return Err(invalid(
                rename,
                format!(
                    "the new schema has no column {} in table {table}",
                    rename.to
                ),
            ));
        }
        if from.tables.has_column(&old_table, &rename.to) {
            return Err(invalid(
                rename,
                format!("table {old_table} has a column {} already", rename.to),
            ));
        }
        resolved
            .columns
            .insert((table, column.clone()), rename.to.clone());
    }
    Ok(resolved)
}

/// What looks like a rename and was not asked for: a table dropped and one added in
/// the same schema with the same columns, a column dropped and one added in the same
/// table with the same type. For a prompt; [`generate`](super::generate) never
/// guesses.
pub fn rename_candidates(
    from: &Catalog,
    to: &Catalog,
    options: &DiffOptions,
) -> Result<Vec<RenameCandidate>, Error> {
    let resolved = resolve(from, to, &options.renames)?;
    Ok(tables::rename_candidates(from, to, &resolved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_parse_tables_and_columns_and_refuse_the_rest() {
        let r: Rename = "blog.posts.title=headline".parse().unwrap();
        assert_eq!(r.from, ["blog", "posts", "title"]);
        assert_eq!(r.to, "headline");
        for bad in ["users", "=x", "a.b.c.d=x", "users=a.b", "users..x=y"] {
            assert!(bad.parse::<Rename>().is_err(), "{bad}");
        }
    }
}
