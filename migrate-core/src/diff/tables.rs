//! Tables, columns, and the constraints that live inside a table (primary keys,
//! unique constraints, checks).

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{Catalog, QName, Scope};
use super::emit::Cx;
use super::renames::{RenameCandidate, Resolved};
use crate::error::Error;

/// Tables, their columns and their own constraints.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    pub(crate) tables: BTreeMap<QName, Table>,
}

/// One table.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Table {
    /// Its columns, in order.
    pub(crate) columns: Vec<Column>,
}

/// One column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// `format_type`.
    pub(crate) ty: String,
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    pub(crate) fn has_table(&self, name: &QName) -> bool {
        self.tables.contains_key(name)
    }

    /// Sequences that belong to a `serial` column as this family writes it
    /// (`Serial`/`BigSerial`/`SmallSerial`): the types family leaves them out.
    pub(crate) fn serial_sequences(&self) -> BTreeSet<QName> {
        BTreeSet::new()
    }

    pub(crate) fn has_column(&self, table: &QName, column: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == column))
    }
}

pub(crate) async fn read(_scope: &Scope<'_>) -> Result<Part, Error> {
    Ok(Part::default())
}

pub(crate) fn diff(_cx: &mut Cx<'_>) {}

/// Tables dropped and added in one schema with the same columns; columns dropped
/// and added in one table with the same type.
pub(crate) fn rename_candidates(
    _from: &Catalog,
    _to: &Catalog,
    _renames: &Resolved,
) -> Vec<RenameCandidate> {
    Vec::new()
}
