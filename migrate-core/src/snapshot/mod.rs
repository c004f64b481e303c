//! Schema snapshots: the database's schema as stable, ordering-independent text.
//!
//! A [`Snapshot`] is read from the catalog ([`Snapshot::read`]) and holds one entry
//! per object, keyed by a stable name (`column public.users.email`) with a canonical
//! description (`character varying(255) not null`). Its text form ([`Snapshot::to_text`])
//! has one object per line, sorted, and can be committed like Rails' structure file;
//! [`Snapshot::parse`] reads it back so two snapshots can be compared with [`diff`].
//!
//! # What is captured
//!
//! | key | description |
//! |---|---|
//! | `schema s` | (none) |
//! | `extension e` | version and schema |
//! | `table s.t`, `foreign table s.t` | `unlogged`, partitioning, inheritance, row level security |
//! | `column s.t.c` | type, collation, `not null`, default or generation expression, identity with its non-default sequence options |
//! | `column order s.t` | the column names in order (only with [`SnapshotOptions::column_order`]) |
//! | `constraint s.t.c` | `pg_get_constraintdef` (primary key, unique, check, foreign key, exclusion), then `valid` or `not valid` |
//! | `index s.i` | `pg_get_indexdef`, then `valid` or `invalid` (and `clustered`) |
//! | `sequence s.q` | data type, non-default options, the column that owns it; never its current value |
//! | `enum s.e` | the labels in order |
//! | `domain s.d`, `domain constraint s.d.c` | base type, `not null`, default; its constraints |
//! | `type s.t` | a composite type's attributes |
//! | `view s.v`, `materialized view s.v` | `pg_get_viewdef`, on one line |
//! | `function s.f(args)`, `procedure s.p(args)` | `pg_get_functiondef`, on one line |
//! | `trigger s.t.g` | `pg_get_triggerdef`, and its firing state when not the default |
//!
//! Every name is written as PostgreSQL's `quote_ident` writes it, and the catalog is
//! read with `search_path = pg_catalog`, so every name in a description is
//! schema-qualified: the text does not depend on the reader's search path.
//!
//! Left out: `pg_catalog`, `information_schema`, `pg_toast*` and `pg_temp*`; objects
//! that belong to an extension (its functions, types, tables); the migration history
//! table (it differs by design) and the `schema` line of its schema; owners, grants,
//! comments, statistics and storage settings (they differ between environments
//! without being schema changes); sequence values and table data.
//!
//! # Column order
//!
//! Columns are compared by name, not by position. A down that drops a column and
//! re-adds it (as `ALTER TABLE .. ADD COLUMN` must) appends it at the end, so a
//! position-sensitive check would reject every such down although the schema is the
//! same for every query that names its columns. Only `SELECT *` and `INSERT` without
//! a column list see the order. [`SnapshotOptions::column_order`] adds one `column
//! order` entry per table for those who want it checked.

pub(crate) mod catalog;
mod diff;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use tokio_postgres::Client;

use crate::error::Error;
use crate::options::{DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE, MigratorOptions};

pub use diff::{Change, SnapshotDiff, diff};

/// The first line of [`Snapshot::to_text`]. Lines starting with `--` are comments.
pub const HEADER: &str = "-- schema snapshot (migrate, format 1): one object per line, sorted";

/// What [`Snapshot::read`] reads.
///
/// ```
/// use migrate_core::snapshot::SnapshotOptions;
/// let options = SnapshotOptions::new()
///     .history_table("meta", "schema_history")
///     .exclude_schemas(["scratch"])
///     .column_order(true);
/// assert!(options.includes_column_order());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotOptions {
    pub(crate) schemas: Vec<String>,
    pub(crate) exclude_schemas: Vec<String>,
    pub(crate) history_schema: String,
    pub(crate) history_table: String,
    pub(crate) column_order: bool,
}

impl Default for SnapshotOptions {
    /// Every user schema, the runner's default history table left out, columns
    /// compared without their positions.
    fn default() -> Self {
        Self {
            schemas: Vec::new(),
            exclude_schemas: Vec::new(),
            history_schema: DEFAULT_HISTORY_SCHEMA.to_owned(),
            history_table: DEFAULT_HISTORY_TABLE.to_owned(),
            column_order: false,
        }
    }
}

impl SnapshotOptions {
    /// The defaults: every schema except the system ones, the history table
    /// `public.migrate_history` left out, no column positions.
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults, leaving out the history table that these runner options use.
    pub fn for_migrator(options: &MigratorOptions) -> Self {
        Self::new().history_table(
            options.history_schema().as_str(),
            options.history_table_name().as_str(),
        )
    }

    /// The migration history table to leave out (with the `schema` line of its
    /// schema, which the runner creates when missing).
    pub fn history_table(mut self, schema: impl Into<String>, table: impl Into<String>) -> Self {
        self.history_schema = schema.into();
        self.history_table = table.into();
        self
    }

    /// Only these schemas (by default every schema but the system ones). Extensions
    /// are always listed.
    pub fn schemas(mut self, schemas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.schemas = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Leave these schemas out as well.
    pub fn exclude_schemas(mut self, schemas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.exclude_schemas = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Also record each table's column order (a `column order s.t` entry), so that a
    /// column re-added at another position is a difference. Off by default: see the
    /// [module documentation](self#column-order).
    pub fn column_order(mut self, include: bool) -> Self {
        self.column_order = include;
        self
    }

    /// Whether column order is recorded.
    pub fn includes_column_order(&self) -> bool {
        self.column_order
    }
}

/// A database schema: one canonical description per object, keyed by a stable name.
///
/// ```
/// use migrate_core::snapshot::Snapshot;
/// let text = "-- a comment\n\
///             table public.users\n\
///             column public.users.id: bigint not null\n";
/// let snapshot = Snapshot::parse(text).unwrap();
/// assert_eq!(snapshot.get("column public.users.id"), Some("bigint not null"));
/// assert_eq!(Snapshot::parse(&snapshot.to_text()).unwrap(), snapshot);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    objects: BTreeMap<String, String>,
}

impl Snapshot {
    /// Reads the schema of the database `client` is connected to.
    ///
    /// The catalog is read in one read-only, repeatable-read transaction with
    /// `search_path = pg_catalog` (so every name is qualified), rolled back at the
    /// end: nothing about the session changes. Do not call it while the client is in
    /// a transaction opened with `BEGIN` by hand.
    pub async fn read(client: &mut Client, options: &SnapshotOptions) -> Result<Self, Error> {
        catalog::read(client, options).await
    }

    /// A snapshot of the given `(key, description)` pairs (a later duplicate key wins).
    pub fn from_objects(
        objects: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        Self {
            objects: objects
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Reads the text written by [`to_text`](Self::to_text). Blank lines and lines
    /// starting with `--` are ignored; a key given twice is an error.
    pub fn parse(text: &str) -> Result<Self, Error> {
        text::parse(text).map(|objects| Self { objects })
    }

    /// The stable text form: a header comment, then one `key: description` line per
    /// object (`key` alone when the description is empty), sorted by key. Line breaks
    /// and backslashes inside names or descriptions are escaped (`\n`, `\\`).
    pub fn to_text(&self) -> String {
        text::write(&self.objects)
    }

    /// The description of an object, by key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.objects.get(key).map(String::as_str)
    }

    /// Every object as `(key, description)`, sorted by key.
    pub fn objects(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.objects.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What differs from `self` (the expected schema) to `actual`.
    pub fn diff(&self, actual: &Snapshot) -> SnapshotDiff {
        diff(self, actual)
    }

    /// `Ok` when `actual` has exactly this schema, else [`Error::SchemaDrift`] with
    /// the differences (`-` only in `self`, `+` only in `actual`).
    pub fn check(&self, actual: &Snapshot) -> Result<(), Error> {
        let diff = self.diff(actual);
        if diff.is_empty() {
            Ok(())
        } else {
            Err(Error::SchemaDrift {
                diff: Box::new(diff),
            })
        }
    }
}

impl fmt::Display for Snapshot {
    /// The same text as [`Snapshot::to_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl FromStr for Snapshot {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
