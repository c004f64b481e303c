//! Schemas and extensions: `create_schema`, `drop_schema`, `create_extension`,
//! `drop_extension`. (`ensure_schema` and `ensure_extension`, which need the migration's
//! mode, are with [`Migration`] in the parent module.)

use crate::ident::Ident;
use crate::mode::Mode;
use crate::step::Step;

use super::Migration;

impl<M: Mode> Migration<M> {
    /// `CREATE SCHEMA`; undone by dropping it (it must then be empty). Fails if the
    /// schema exists: see [`ensure_schema`](Self::ensure_schema) for that case.
    pub fn create_schema(&mut self, name: impl Into<Ident>) -> &mut Self {
        self.push(Step::CreateSchema { name: name.into() });
        self
    }
}

impl<M: Mode> Migration<M> {
    /// `DROP SCHEMA` of an empty schema (never `CASCADE`); undone by creating it.
    pub fn drop_schema(&mut self, name: impl Into<Ident>) -> &mut Self {
        self.push(Step::DropSchema { name: name.into() });
        self
    }

    /// `CREATE EXTENSION`; undone by dropping it. Fails if the extension is
    /// installed: see [`ensure_extension`](Self::ensure_extension) for that case.
    pub fn create_extension(&mut self, name: impl Into<Ident>) -> &mut Self {
        self.push(Step::CreateExtension { name: name.into() });
        self
    }
}

impl<M: Mode> Migration<M> {
    /// `DROP EXTENSION`; undone by creating it.
    pub fn drop_extension(&mut self, name: impl Into<Ident>) -> &mut Self {
        self.push(Step::DropExtension { name: name.into() });
        self
    }
}
