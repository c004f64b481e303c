//! A database's schema as structured facts: what [`super::generate`] compares.
//!
//! Each family of objects reads its own part (`schemas`, `types`, `tables`, ...), all in
//! one read-only, repeatable-read transaction with `search_path = pg_catalog`, so every
//! name in a type, default or definition is schema-qualified where it is not a
//! `pg_catalog` object. The scope is a [`SnapshotOptions`]'s: the same schemas, the same
//! history table left out, extension members left out, exactly as a snapshot reads.

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, IsolationLevel, Row, Transaction};

use super::{indexes, routines, schemas, tables, types, views};
use crate::error::Error;
use crate::snapshot::SnapshotOptions;

pub(crate) const CONTEXT: &str = "reading the catalog for diff";

/// A database's schema, read from `pg_catalog` for [`super::generate`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    pub(crate) schemas: schemas::Part,
    pub(crate) types: types::Part,
    pub(crate) tables: tables::Part,
    pub(crate) indexes: indexes::Part,
    pub(crate) routines: routines::Part,
    pub(crate) views: views::Part,
}

impl Catalog {
    /// Reads the schema of the database `client` is connected to, in one read-only
    /// transaction (rolled back), with the scope of `options`.
    pub async fn read(client: &mut Client, options: &SnapshotOptions) -> Result<Self, Error> {
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(Error::pg(CONTEXT))?;
        tx.batch_execute("SET LOCAL search_path = pg_catalog")
            .await
            .map_err(Error::pg(CONTEXT))?;
        let scope = Scope { tx: &tx, options };
        let catalog = Catalog {
            schemas: schemas::read(&scope).await?,
            types: types::read(&scope).await?,
            tables: tables::read(&scope).await?,
            indexes: indexes::read(&scope).await?,
            routines: routines::read(&scope).await?,
            views: views::read(&scope).await?,
        };
        tx.rollback().await.map_err(Error::pg(CONTEXT))?;
        Ok(catalog)
    }

    /// Whether the database has no user objects at all (no schema but `public`, no
    /// extension, table, type, routine or view): a diff from it is an adoption.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.types.is_empty()
            && self.tables.is_empty()
            && self.indexes.is_empty()
            && self.routines.is_empty()
            && self.views.is_empty()
    }
}

/// A schema-qualified name as the catalog has it (unquoted parts).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct QName {
    pub(crate) schema: String,
    pub(crate) name: String,
}

impl QName {
    pub(crate) fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// The DSL's name for it, with its source.
    pub(crate) fn code(&self) -> super::code::Name {
        super::code::name(&self.schema, &self.name)
    }

    /// The same schema, another name.
    pub(crate) fn with_name(&self, name: impl Into<String>) -> Self {
        Self::new(self.schema.clone(), name)
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// What a family's queries read with.
pub(crate) struct Scope<'a> {
    tx: &'a Transaction<'a>,
    options: &'a SnapshotOptions,
}

impl Scope<'_> {
    /// Runs `sql` with the snapshot reader's four parameters: `$1` schemas to leave
    /// out, `$2` the only schemas to read (empty: all), `$3` and `$4` the history
    /// table's schema and name. Filter namespaces with
    /// [`NS`](crate::snapshot::catalog::NS) (for a namespace aliased `n`), the history
    /// table with [`HISTORY`](crate::snapshot::catalog::HISTORY), extension members
    /// with [`own`](crate::snapshot::catalog::own).
    pub(crate) async fn query(&self, sql: &str) -> Result<Vec<Row>, Error> {
        let params: [(&(dyn ToSql + Sync), Type); 4] = [
            (&self.options.exclude_schemas, Type::TEXT_ARRAY),
            (&self.options.schemas, Type::TEXT_ARRAY),
            (&self.options.history_schema, Type::TEXT),
            (&self.options.history_table, Type::TEXT),
        ];
        self.tx
            .query_typed(sql, &params)
            .await
            .map_err(Error::pg(CONTEXT))
    }
}

/// Reads column `i` of a row, naming the query's family in the error.
pub(crate) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    i: usize,
) -> Result<T, Error> {
    row.try_get(i).map_err(Error::pg(CONTEXT))
}
