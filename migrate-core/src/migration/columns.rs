//! Columns: adding, renaming, retyping, defaults and nullability, with the [`ColumnDef`]
//! builder and [`AlterTypeBuilder`]. (The steps that need the migration's mode, such as
//! `drop_column` or `alter_column_type`, are with [`Migration`] in the parent module.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{ColumnDef, ColumnReference, Step};
use crate::types::{ColumnType, DefaultValue, Identity, ReferentialAction};

use super::Migration;

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. ADD COLUMN ..`; undone by dropping it.
    pub fn add_column(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        ty: ColumnType,
    ) -> &mut ColumnDef {
        let step = self.push(Step::AddColumn {
            table: table.into(),
            column: ColumnDef::new(name, ty),
        });
        match step {
            Step::AddColumn { column, .. } => column,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. DROP COLUMN ..`, with the column's definition so the down can
    /// re-add it (the data is not restored). Refine the definition with the
    /// returned builder, as for [`add_column`](Self::add_column).
    pub fn drop_column_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        ty: ColumnType,
    ) -> &mut ColumnDef {
        let column = ColumnDef::new(name, ty);
        let step = self.push(Step::DropColumn {
            table: table.into(),
            column: column.name.clone(),
            definition: Some(column),
        });
        match step {
            Step::DropColumn {
                definition: Some(column),
                ..
            } => column,
            _ => unreachable!("push returns the step it was given"),
        }
    }
}

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. RENAME COLUMN .. TO ..`.
    pub fn rename_column(
        &mut self,
        table: impl Into<ObjectName>,
        from: impl Into<Ident>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::RenameColumn {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        });
        self
    }

    /// `ALTER TABLE .. ALTER COLUMN .. TYPE ..` from a known old type, so the down
    /// can change it back. Add `USING` expressions with the returned builder.
    pub fn alter_column_type_from(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
        from: ColumnType,
        to: ColumnType,
    ) -> AlterTypeBuilder<'_> {
        self.alter_type(table.into(), column.into(), Some(from), to)
    }
}

impl<M: Mode> Migration<M> {
    pub(super) fn alter_type(
        &mut self,
        table: ObjectName,
        column: Ident,
        from: Option<ColumnType>,
        to: ColumnType,
    ) -> AlterTypeBuilder<'_> {
        AlterTypeBuilder {
            step: self.push(Step::AlterColumnType {
                table,
                column,
                to,
                from,
                using: None,
                reverse_using: None,
            }),
        }
    }

    /// Changes a column's default from a known one (`None`: it had none) to another
    /// (`None`: drop it), so the down can put the old one back.
    pub fn change_default(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
        from: Option<DefaultValue>,
        to: Option<DefaultValue>,
    ) -> &mut Self {
        self.push(Step::ChangeDefault {
            table: table.into(),
            column: column.into(),
            to,
            from: Some(from),
        });
        self
    }
}

impl<M: Mode> Migration<M> {
    /// `ALTER TABLE .. ALTER COLUMN .. SET NOT NULL`; undone by dropping it.
    pub fn set_not_null(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::SetNullability {
            table: table.into(),
            column: column.into(),
            not_null: true,
        });
        self
    }

    /// `ALTER TABLE .. ALTER COLUMN .. DROP NOT NULL`; undone by setting it.
    pub fn drop_not_null(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::SetNullability {
            table: table.into(),
            column: column.into(),
            not_null: false,
        });
        self
    }
}

impl ColumnDef {
    /// `NOT NULL`.
    pub fn not_null(&mut self) -> &mut Self {
        self.nullable = Some(false);
        self
    }

    /// An explicit `NULL` (columns are nullable unless said otherwise).
    pub fn null(&mut self) -> &mut Self {
        self.nullable = Some(true);
        self
    }

    /// `DEFAULT ..`: a literal (`0`, `"draft"`, `false`) or a [`DefaultValue`].
    pub fn default(&mut self, value: impl Into<DefaultValue>) -> &mut Self {
        self.default = Some(value.into());
        self
    }

    /// `PRIMARY KEY`.
    pub fn primary_key(&mut self) -> &mut Self {
        self.primary_key = true;
        self
    }

    /// `UNIQUE`.
    pub fn unique(&mut self) -> &mut Self {
        self.unique = true;
        self
    }

    /// `CHECK (..)`.
    pub fn check(&mut self, check: impl Into<SqlExpr>) -> &mut Self {
        self.check = Some(check.into());
        self
    }

    /// `REFERENCES table (column)`.
    pub fn references(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
    ) -> &mut Self {
        self.references = Some(ColumnReference {
            table: table.into(),
            column: column.into(),
            on_delete: None,
            on_update: None,
        });
        self
    }

    /// `ON DELETE ..` of the column's `REFERENCES` (call [`references`](Self::references)
    /// first; without it the plan reports an error).
    pub fn on_delete(&mut self, action: ReferentialAction) -> &mut Self {
        if let Some(r) = &mut self.references {
            r.on_delete = Some(action);
        } else {
            self.references = Some(ColumnReference::dangling(Some(action), None));
        }
        self
    }

    /// `ON UPDATE ..` of the column's `REFERENCES`.
    pub fn on_update(&mut self, action: ReferentialAction) -> &mut Self {
        if let Some(r) = &mut self.references {
            r.on_update = Some(action);
        } else {
            self.references = Some(ColumnReference::dangling(None, Some(action)));
        }
        self
    }

    /// `GENERATED BY DEFAULT AS IDENTITY`.
    pub fn identity(&mut self) -> &mut Self {
        self.identity = Some(Identity::ByDefault);
        self
    }

    /// `GENERATED ALWAYS AS IDENTITY`.
    pub fn identity_always(&mut self) -> &mut Self {
        self.identity = Some(Identity::Always);
        self
    }
}

impl ColumnReference {
    /// A reference whose target was never given: reported when the plan is built.
    fn dangling(
        on_delete: Option<ReferentialAction>,
        on_update: Option<ReferentialAction>,
    ) -> Self {
        Self {
            table: ObjectName::unqualified(""),
            column: Ident::new(""),
            on_delete,
            on_update,
        }
    }
}

/// Refines an `ALTER COLUMN .. TYPE` step.
#[derive(Debug)]
pub struct AlterTypeBuilder<'a> {
    step: &'a mut Step,
}

impl AlterTypeBuilder<'_> {
    /// `USING expr` to convert existing values.
    pub fn using(self, expr: impl Into<SqlExpr>) -> Self {
        if let Step::AlterColumnType { using, .. } = self.step {
            *using = Some(expr.into());
        }
        self
    }

    /// `USING expr` for the way back.
    pub fn reverse_using(self, expr: impl Into<SqlExpr>) -> Self {
        if let Step::AlterColumnType { reverse_using, .. } = self.step {
            *reverse_using = Some(expr.into());
        }
        self
    }
}
