//! Constraints: foreign keys, unique and check constraints, validating, dropping with a
//! definition and renaming, with [`ConstraintBuilder`]. (`drop_constraint`, which needs
//! the migration's mode, is with [`Migration`] in the parent module.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{ConstraintDef, ConstraintKind, ForeignKeyDef, Step};
use crate::types::ReferentialAction;

use super::{Migration, idents};

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. ADD CONSTRAINT .. FOREIGN KEY (..) REFERENCES .. (..)`.
    /// Chain `.not_valid()` to add it without checking existing rows, and validate
    /// later with [`validate_constraint`](Self::validate_constraint).
    pub fn add_foreign_key(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
        ref_table: impl Into<ObjectName>,
        ref_columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::ForeignKey(ForeignKeyDef::new(columns, ref_table, ref_columns));
        self.add_constraint(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. ADD CONSTRAINT .. UNIQUE (..)`.
    pub fn add_unique(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Unique(idents(columns));
        self.add_constraint(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. ADD CONSTRAINT .. CHECK (..)`.
    pub fn add_check(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        check: impl Into<SqlExpr>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Check(check.into());
        self.add_constraint(table.into(), name.into(), kind)
    }

    fn add_constraint(
        &mut self,
        table: ObjectName,
        name: Ident,
        kind: ConstraintKind,
    ) -> ConstraintBuilder<'_> {
        let step = self.push(Step::AddConstraint {
            table,
            constraint: ConstraintDef {
                name: Some(name),
                kind,
                not_valid: false,
            },
        });
        match step {
            Step::AddConstraint { constraint, .. } => ConstraintBuilder { def: constraint },
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. VALIDATE CONSTRAINT ..`: checks the rows of a constraint added
    /// `NOT VALID`, without blocking writes. Its down does nothing.
    pub fn validate_constraint(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::ValidateConstraint {
            table: table.into(),
            name: name.into(),
        });
        self
    }

    /// `ALTER TABLE .. DROP CONSTRAINT ..` of a foreign key, with its definition so the
    /// down can re-add it.
    pub fn drop_foreign_key_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
        ref_table: impl Into<ObjectName>,
        ref_columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::ForeignKey(ForeignKeyDef::new(columns, ref_table, ref_columns));
        self.drop_constraint_step(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. DROP CONSTRAINT ..` of a unique constraint, with its columns.
    pub fn drop_unique_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Unique(idents(columns));
        self.drop_constraint_step(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. DROP CONSTRAINT ..` of a check constraint, with its expression.
    pub fn drop_check_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        check: impl Into<SqlExpr>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Check(check.into());
        self.drop_constraint_step(table.into(), name.into(), kind)
    }

    fn drop_constraint_step(
        &mut self,
        table: ObjectName,
        name: Ident,
        kind: ConstraintKind,
    ) -> ConstraintBuilder<'_> {
        let step = self.push(Step::DropConstraint {
            table,
            name: name.clone(),
            definition: Some(ConstraintDef {
                name: Some(name),
                kind,
                not_valid: false,
            }),
        });
        match step {
            Step::DropConstraint {
                definition: Some(def),
                ..
            } => ConstraintBuilder { def },
            _ => unreachable!("push returns the step it was given"),
        }
    }
}

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. RENAME CONSTRAINT .. TO ..`.
    pub fn rename_constraint(
        &mut self,
        table: impl Into<ObjectName>,
        from: impl Into<Ident>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::RenameConstraint {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        });
        self
    }
}

impl ForeignKeyDef {
    pub(super) fn new(
        columns: impl IntoIterator<Item = impl Into<Ident>>,
        ref_table: impl Into<ObjectName>,
        ref_columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> Self {
        Self {
            columns: idents(columns),
            ref_table: ref_table.into(),
            ref_columns: idents(ref_columns),
            on_delete: None,
            on_update: None,
        }
    }
}

/// Refines a constraint being added.
#[derive(Debug)]
pub struct ConstraintBuilder<'a> {
    pub(super) def: &'a mut ConstraintDef,
}

impl ConstraintBuilder<'_> {
    /// Names the constraint (table-level constraints of `create_table` are otherwise
    /// named by PostgreSQL).
    pub fn name(self, name: impl Into<Ident>) -> Self {
        self.def.name = Some(name.into());
        self
    }

    /// Adds it `NOT VALID`: existing rows are not checked (brief lock), new rows are.
    /// Validate later, in another migration or step, with `validate_constraint`.
    pub fn not_valid(self) -> Self {
        self.def.not_valid = true;
        self
    }

    /// `ON DELETE ..` (foreign keys only; ignored on other constraints).
    pub fn on_delete(self, action: ReferentialAction) -> Self {
        if let ConstraintKind::ForeignKey(fk) = &mut self.def.kind {
            fk.on_delete = Some(action);
        }
        self
    }

    /// `ON UPDATE ..` (foreign keys only; ignored on other constraints).
    pub fn on_update(self, action: ReferentialAction) -> Self {
        if let ConstraintKind::ForeignKey(fk) = &mut self.def.kind {
            fk.on_update = Some(action);
        }
        self
    }
}
