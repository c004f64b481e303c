//! Constraints: primary keys, foreign keys, unique, check and exclusion constraints,
//! validating, dropping with a definition and renaming, with [`ConstraintBuilder`].
//! (`drop_constraint`, which needs the migration's mode, is with [`Migration`] in the
//! parent module.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    ConstraintDef, ConstraintKind, Deferrable, ExclusionDef, ExclusionElement, ForeignKeyDef,
    IndexColumn, Step,
};
use crate::types::{IndexMethod, ReferentialAction};

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

    /// `ALTER TABLE .. ADD CONSTRAINT .. PRIMARY KEY (..)`; undone by dropping the
    /// constraint.
    ///
    /// On an existing table this builds the key's index under a lock that blocks reads
    /// and writes (the lint says so): build a unique index with
    /// [`create_index_concurrently`](Self::create_index_concurrently) first and add the
    /// key with [`add_primary_key_using_index`](Self::add_primary_key_using_index).
    /// PostgreSQL makes the columns `NOT NULL`, and dropping the key does not make them
    /// nullable again: set them `NOT NULL` before, so the down restores the schema.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn key(m: &mut Migration) {
    ///     m.add_primary_key("memberships", "memberships_pkey", ["user_id", "org_id"]);
    /// }
    /// let plan = migrate_core::plan::preview(key).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER TABLE "memberships" ADD CONSTRAINT "memberships_pkey" PRIMARY KEY ("user_id", "org_id")"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER TABLE "memberships" DROP CONSTRAINT "memberships_pkey""#]);
    /// ```
    pub fn add_primary_key(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::PrimaryKey(idents(columns));
        self.add_constraint(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. ADD CONSTRAINT .. EXCLUDE USING gist (element WITH operator, ..)`:
    /// no two rows match on every element. Each element is a column or
    /// [`IndexColumn::expr`] and its operator; chain `.using(..)` for another method,
    /// `.filter(..)`, `.include(..)`, `.deferrable()`. Undone by dropping it.
    ///
    /// Scalar columns compared with `=` in a gist index need the `btree_gist`
    /// extension; ranges compared with `&&` need none.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn no_double_booking(m: &mut Migration) {
    ///     m.add_exclusion("bookings", "bookings_no_overlap", [("room", "="), ("during", "&&")])
    ///         .filter(Expr::col("cancelled").eq(false));
    /// }
    /// let plan = migrate_core::plan::preview(no_double_booking).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist ("room" WITH =, "during" WITH &&) WHERE ("cancelled" = FALSE)"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER TABLE "bookings" DROP CONSTRAINT "bookings_no_overlap""#]);
    /// ```
    pub fn add_exclusion<C: Into<IndexColumn>, O: Into<String>>(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        elements: impl IntoIterator<Item = (C, O)>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Exclusion(ExclusionDef::new(elements));
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
            constraint: ConstraintDef::new(Some(name), kind),
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

    /// `ALTER TABLE .. DROP CONSTRAINT ..` of a primary key, with its columns so the down
    /// can add it again.
    pub fn drop_primary_key_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::PrimaryKey(idents(columns));
        self.drop_constraint_step(table.into(), name.into(), kind)
    }

    /// `ALTER TABLE .. DROP CONSTRAINT ..` of an exclusion constraint, with its elements
    /// (refine the definition with the builder: `.using(..)`, `.filter(..)`, ..).
    pub fn drop_exclusion_with<C: Into<IndexColumn>, O: Into<String>>(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        elements: impl IntoIterator<Item = (C, O)>,
    ) -> ConstraintBuilder<'_> {
        let kind = ConstraintKind::Exclusion(ExclusionDef::new(elements));
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
            definition: Some(ConstraintDef::new(Some(name), kind)),
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

impl ExclusionDef {
    fn new<C: Into<IndexColumn>, O: Into<String>>(
        elements: impl IntoIterator<Item = (C, O)>,
    ) -> Self {
        Self {
            method: None,
            elements: elements
                .into_iter()
                .map(|(column, operator)| ExclusionElement {
                    column: column.into(),
                    operator: operator.into(),
                })
                .collect(),
            include: Vec::new(),
            predicate: None,
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

    /// `DEFERRABLE` (initially immediate): a transaction may defer the check to its
    /// commit with `SET CONSTRAINTS .. DEFERRED`. Foreign keys, unique, primary key and
    /// exclusion constraints only.
    pub fn deferrable(self) -> Self {
        self.def.deferrable = Deferrable::InitiallyImmediate;
        self
    }

    /// `DEFERRABLE INITIALLY DEFERRED`: checked at commit.
    pub fn initially_deferred(self) -> Self {
        self.def.deferrable = Deferrable::InitiallyDeferred;
        self
    }

    /// `USING method` of an exclusion constraint (default gist; ignored on other
    /// constraints).
    pub fn using(self, method: IndexMethod) -> Self {
        if let ConstraintKind::Exclusion(e) = &mut self.def.kind {
            e.method = Some(method);
        }
        self
    }

    /// `INCLUDE (..)` of an exclusion constraint (ignored on other constraints).
    pub fn include(self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> Self {
        if let ConstraintKind::Exclusion(e) = &mut self.def.kind {
            e.include = idents(columns);
        }
        self
    }

    /// `WHERE (..)` of an exclusion constraint: the rows it applies to (ignored on
    /// other constraints).
    pub fn filter(self, predicate: impl Into<SqlExpr>) -> Self {
        if let ConstraintKind::Exclusion(e) = &mut self.def.kind {
            e.predicate = Some(predicate.into());
        }
        self
    }
}
