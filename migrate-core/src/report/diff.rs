//! Differences between two schema snapshots, as data (computed by
//! [`crate::snapshot::diff`]; carried by `Error::SchemaDrift` and verify's report).

use std::fmt;

/// One object that differs between an expected and an actual snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the actual snapshot (`+`).
    Added {
        /// The object's key.
        key: String,
        /// Its description.
        after: String,
    },
    /// Only in the expected snapshot (`-`).
    Removed {
        /// The object's key.
        key: String,
        /// Its description.
        before: String,
    },
    /// In both, described differently (`~`).
    Changed {
        /// The object's key.
        key: String,
        /// The expected description.
        before: String,
        /// The actual one.
        after: String,
    },
}

impl Change {
    /// The object's key (`column public.users.email`).
    pub fn key(&self) -> &str {
        match self {
            Change::Added { key, .. }
            | Change::Removed { key, .. }
            | Change::Changed { key, .. } => key,
        }
    }

    /// The expected description, unless the object was added.
    pub fn before(&self) -> Option<&str> {
        match self {
            Change::Added { .. } => None,
            Change::Removed { before, .. } | Change::Changed { before, .. } => Some(before),
        }
    }

    /// The actual description, unless the object was removed.
    pub fn after(&self) -> Option<&str> {
        match self {
            Change::Removed { .. } => None,
            Change::Added { after, .. } | Change::Changed { after, .. } => Some(after),
        }
    }

    /// `+`, `-` or `~`.
    pub fn sign(&self) -> char {
        match self {
            Change::Added { .. } => '+',
            Change::Removed { .. } => '-',
            Change::Changed { .. } => '~',
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, sign: char, key: &str, desc: &str| {
            if desc.is_empty() {
                write!(f, "{sign} {key}")
            } else {
                write!(f, "{sign} {key}: {desc}")
            }
        };
        match self {
            Change::Added { key, after } => line(f, '+', key, after),
            Change::Removed { key, before } => line(f, '-', key, before),
            Change::Changed { key, before, after } => {
                write!(f, "~ {key}\n    was: {before}\n    now: {after}")
            }
        }
    }
}

/// What differs between two snapshots, sorted by key. Its `Display` writes one change
/// per line: `- key: description` for an object only in the expected snapshot,
/// `+ key: description` for one only in the actual snapshot, and `~ key` followed by
/// `was:` and `now:` lines for one described differently.
///
/// ```
/// use migrate_core::snapshot::{diff, Snapshot};
/// let before = Snapshot::from_objects([("table public.t", ""), ("column public.t.a", "integer")]);
/// let after = Snapshot::from_objects([
///     ("table public.t", ""),
///     ("column public.t.a", "bigint"),
///     ("column public.t.b", "text"),
/// ]);
/// let d = diff(&before, &after);
/// assert_eq!(
///     d.to_string(),
///     "~ column public.t.a\n    was: integer\n    now: bigint\n+ column public.t.b: text\n"
/// );
/// assert!(d.mentions("column public.t.b"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotDiff {
    /// The changes, sorted by key.
    pub changes: Vec<Change>,
}

impl SnapshotDiff {
    /// Whether the snapshots are identical.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many objects differ.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether the object with this key differs.
    pub fn mentions(&self, key: &str) -> bool {
        self.changes.iter().any(|c| c.key() == key)
    }

    /// The objects only in the actual snapshot.
    pub fn added(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| matches!(c, Change::Added { .. }))
    }

    /// The objects only in the expected snapshot.
    pub fn removed(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| matches!(c, Change::Removed { .. }))
    }

    /// The objects described differently.
    pub fn changed(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| matches!(c, Change::Changed { .. }))
    }
}

impl fmt::Display for SnapshotDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        Ok(())
    }
}
