//! Tables: `create_table`, `drop_table_with`, `rename_table`, and the [`TableDef`] builder
//! `create_table` hands out. (`drop_table`, which needs the migration's mode, is with
//! [`Migration`] in the parent module.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{ColumnDef, ConstraintDef, ConstraintKind, ForeignKeyDef, Step, TableDef};
use crate::types::{ColumnType, DefaultValue};

use super::{ConstraintBuilder, Migration, idents};

impl<M: Mode> Migration<M> {
    /// `CREATE TABLE`; undone by dropping it.
    pub fn create_table(
        &mut self,
        name: impl Into<ObjectName>,
        define: impl FnOnce(&mut TableDef),
    ) -> &mut Self {
        let mut def = TableDef::new(name);
        define(&mut def);
        self.push(Step::CreateTable(def));
        self
    }

    /// `DROP TABLE`, with the table's definition so the down can re-create it
    /// (the data is not restored).
    pub fn drop_table_with(
        &mut self,
        name: impl Into<ObjectName>,
        define: impl FnOnce(&mut TableDef),
    ) -> &mut Self {
        let mut def = TableDef::new(name);
        define(&mut def);
        self.push(Step::DropTable {
            table: def.name.clone(),
            definition: Some(def),
        });
        self
    }
}

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. RENAME TO ..`; the schema stays the same.
    pub fn rename_table(&mut self, from: impl Into<ObjectName>, to: impl Into<Ident>) -> &mut Self {
        self.push(Step::RenameTable {
            from: from.into(),
            to: to.into(),
        });
        self
    }
}

impl TableDef {
    /// An empty definition.
    pub fn new(name: impl Into<ObjectName>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            constraints: Vec::new(),
        }
    }

    /// Adds a column; refine it with the returned builder.
    pub fn column(&mut self, name: impl Into<Ident>, ty: ColumnType) -> &mut ColumnDef {
        self.columns.push(ColumnDef::new(name, ty));
        let last = self.columns.len() - 1;
        &mut self.columns[last]
    }

    /// `created_at` and `updated_at`, both `timestamptz NOT NULL DEFAULT now()`.
    pub fn timestamps(&mut self) -> &mut Self {
        for name in ["created_at", "updated_at"] {
            self.column(name, ColumnType::Timestamptz)
                .not_null()
                .default(DefaultValue::now());
        }
        self
    }

    /// A (composite) `PRIMARY KEY (..)`.
    pub fn primary_key(
        &mut self,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        self.constraint(ConstraintKind::PrimaryKey(idents(columns)))
    }

    /// A (composite) `UNIQUE (..)`.
    pub fn unique(
        &mut self,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        self.constraint(ConstraintKind::Unique(idents(columns)))
    }

    /// A table-level `CHECK (..)`.
    pub fn check(&mut self, check: impl Into<SqlExpr>) -> ConstraintBuilder<'_> {
        self.constraint(ConstraintKind::Check(check.into()))
    }

    /// A table-level `FOREIGN KEY (..) REFERENCES .. (..)`.
    pub fn foreign_key(
        &mut self,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
        ref_table: impl Into<ObjectName>,
        ref_columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        self.constraint(ConstraintKind::ForeignKey(ForeignKeyDef::new(
            columns,
            ref_table,
            ref_columns,
        )))
    }

    fn constraint(&mut self, kind: ConstraintKind) -> ConstraintBuilder<'_> {
        self.constraints.push(ConstraintDef::new(None, kind));
        let last = self.constraints.len() - 1;
        ConstraintBuilder {
            def: &mut self.constraints[last],
        }
    }
}
