//! The recorder methods of one family: sequences, domains and type renames:
//! `create_sequence`, `drop_sequence_with`, `rename_sequence`, `alter_sequence_from`;
//! `create_domain`, `drop_domain_with`, `rename_domain`, `add_domain_check`,
//! `validate_domain_constraint`, `drop_domain_check_with`; `rename_type`, `create_type`,
//! `drop_type_with`. (The one-way steps, which need the migration's mode, are with
//! [`Migration`] in the parent module: `drop_sequence`, `ensure_sequence`,
//! `drop_sequence_if_exists`, `alter_sequence`, `restart_sequence`,
//! `set_sequence_value`, `drop_domain`, `drop_domain_check`, `drop_type`.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    CompositeTypeDef, DomainCheck, DomainCheckBuilder, DomainDef, DomainStep, SequenceDef,
    SequenceOptions, SequenceStep, Step, TypeStep,
};
use crate::types::ColumnType;

use super::Migration;

impl<M: Mode> Migration<M> {
    pub(super) fn sequence_step(&mut self, step: SequenceStep) -> &mut SequenceOptions {
        match self.push(Step::Sequence(step)) {
            Step::Sequence(
                SequenceStep::Create(def)
                | SequenceStep::Ensure(def)
                | SequenceStep::Drop {
                    definition: Some(def),
                    ..
                },
            ) => &mut def.options,
            Step::Sequence(SequenceStep::Alter { to, .. }) => to,
            _ => unreachable!("sequence_step is given a step with options"),
        }
    }

    pub(super) fn domain_def(&mut self, step: DomainStep) -> &mut DomainDef {
        match self.push(Step::Domain(step)) {
            Step::Domain(
                DomainStep::Create(def)
                | DomainStep::Drop {
                    definition: Some(def),
                    ..
                },
            ) => def,
            _ => unreachable!("domain_def is given a step with a definition"),
        }
    }
}

// ----- sequences -----------------------------------------------------------------------

impl<M: Mode> Migration<M> {
    /// `CREATE SEQUENCE ..`, refined with the returned [`SequenceOptions`]; undone by
    /// dropping it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn invoice_numbers(m: &mut Migration) {
    ///     m.create_sequence("billing.invoice_no")
    ///         .as_type(Integer)
    ///         .start(1000)
    ///         .increment(10)
    ///         .cache(20);
    /// }
    /// let plan = migrate_core::plan::preview(invoice_numbers).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE SEQUENCE "billing"."invoice_no" AS integer INCREMENT BY 10 START WITH 1000 CACHE 20"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP SEQUENCE "billing"."invoice_no""#]);
    /// ```
    pub fn create_sequence(&mut self, name: impl Into<ObjectName>) -> &mut SequenceOptions {
        self.sequence_step(SequenceStep::Create(SequenceDef::new(name)))
    }

    /// `DROP SEQUENCE ..`, with its options (refined with the returned
    /// [`SequenceOptions`]) so the down can re-create it. Its current value is not
    /// restored: the down's sequence starts over.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn drop_ticket_no(m: &mut Migration) {
    ///     m.drop_sequence_with("ticket_no").increment(5).owned_by("tickets", "no");
    /// }
    /// let plan = migrate_core::plan::preview(drop_ticket_no).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"DROP SEQUENCE "ticket_no""#]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"CREATE SEQUENCE "ticket_no" INCREMENT BY 5 OWNED BY "tickets"."no""#,
    /// ]);
    /// ```
    pub fn drop_sequence_with(&mut self, name: impl Into<ObjectName>) -> &mut SequenceOptions {
        let def = SequenceDef::new(name);
        self.sequence_step(SequenceStep::Drop {
            name: def.name.clone(),
            definition: Some(def),
        })
    }

    /// `ALTER SEQUENCE .. RENAME TO ..`; the schema stays the same.
    pub fn rename_sequence(
        &mut self,
        from: impl Into<ObjectName>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::Sequence(SequenceStep::Rename {
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    /// `ALTER SEQUENCE .. <options>` from the options it has (`old`) to new ones
    /// (`new`): the options not said on either side are PostgreSQL's defaults, and only
    /// those that differ are rendered (a default comes back as `NO MINVALUE`,
    /// `NO MAXVALUE`, `OWNED BY NONE` or its value). The down goes from `new` to `old`.
    /// [`alter_sequence`](Self::alter_sequence) is the one-way form without the old
    /// options.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn faster_ids(m: &mut Migration) {
    ///     m.alter_sequence_from(
    ///         "order_no",
    ///         |old| {
    ///             old.max_value(99_999);
    ///         },
    ///         |new| {
    ///             new.cache(50).owned_by("orders", "no");
    ///         },
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(faster_ids).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER SEQUENCE "order_no" NO MAXVALUE CACHE 50 OWNED BY "orders"."no""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER SEQUENCE "order_no" MAXVALUE 99999 CACHE 1 OWNED BY NONE"#,
    /// ]);
    /// ```
    pub fn alter_sequence_from(
        &mut self,
        name: impl Into<ObjectName>,
        old: impl FnOnce(&mut SequenceOptions),
        new: impl FnOnce(&mut SequenceOptions),
    ) -> &mut Self {
        let (mut from, mut to) = (SequenceOptions::default(), SequenceOptions::default());
        old(&mut from);
        new(&mut to);
        self.push(Step::Sequence(SequenceStep::Alter {
            name: name.into(),
            from: Some(from),
            to,
        }));
        self
    }
}

// ----- domains -------------------------------------------------------------------------

impl<M: Mode> Migration<M> {
    /// `CREATE DOMAIN .. AS ..`, refined with the returned [`DomainDef`] (`DEFAULT`,
    /// `NOT NULL`, `COLLATE`, named checks on `VALUE`); undone by dropping it. Use it as
    /// a column type with [`ColumnType::named`].
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn email_domain(m: &mut Migration) {
    ///     m.create_domain("email", Text)
    ///         .not_null()
    ///         .check("email_has_at", Expr::cust("VALUE LIKE '%@%'"));
    ///     m.create_table("users", |t| {
    ///         t.column("email", ColumnType::named("email"));
    ///     });
    /// }
    /// let plan = migrate_core::plan::preview(email_domain).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE DOMAIN "email" AS text NOT NULL CONSTRAINT "email_has_at" CHECK (VALUE LIKE '%@%')"#,
    ///     r#"CREATE TABLE "users" ( "email" "email" )"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP TABLE "users""#, r#"DROP DOMAIN "email""#]);
    /// ```
    pub fn create_domain(
        &mut self,
        name: impl Into<ObjectName>,
        base: ColumnType,
    ) -> &mut DomainDef {
        self.domain_def(DomainStep::Create(DomainDef::new(name, base)))
    }

    /// `DROP DOMAIN ..`, with its definition (refined with the returned [`DomainDef`])
    /// so the down can re-create it.
    pub fn drop_domain_with(
        &mut self,
        name: impl Into<ObjectName>,
        base: ColumnType,
    ) -> &mut DomainDef {
        let def = DomainDef::new(name, base);
        self.domain_def(DomainStep::Drop {
            name: def.name.clone(),
            definition: Some(def),
        })
    }

    /// `ALTER DOMAIN .. RENAME TO ..`; the schema stays the same.
    pub fn rename_domain(
        &mut self,
        from: impl Into<ObjectName>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::Domain(DomainStep::Rename {
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    /// `ALTER DOMAIN .. ADD CONSTRAINT .. CHECK (..)`, on `VALUE`; undone by dropping
    /// it. Chain `.not_valid()` to leave the existing values unchecked, and check them
    /// later with [`validate_domain_constraint`](Self::validate_domain_constraint).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn positive(m: &mut Migration) {
    ///     m.add_domain_check("amount", "amount_positive", Expr::cust("VALUE > 0")).not_valid();
    ///     m.validate_domain_constraint("amount", "amount_positive");
    /// }
    /// let plan = migrate_core::plan::preview(positive).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER DOMAIN "amount" ADD CONSTRAINT "amount_positive" CHECK (VALUE > 0) NOT VALID"#,
    ///     r#"ALTER DOMAIN "amount" VALIDATE CONSTRAINT "amount_positive""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER DOMAIN "amount" DROP CONSTRAINT "amount_positive""#]);
    /// ```
    pub fn add_domain_check(
        &mut self,
        domain: impl Into<ObjectName>,
        name: impl Into<Ident>,
        check: impl Into<SqlExpr>,
    ) -> DomainCheckBuilder<'_> {
        let step = self.push(Step::Domain(DomainStep::AddCheck {
            domain: domain.into(),
            check: DomainCheck {
                name: name.into(),
                check: check.into(),
            },
            not_valid: false,
        }));
        match step {
            Step::Domain(DomainStep::AddCheck { not_valid, .. }) => {
                DomainCheckBuilder { not_valid }
            }
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER DOMAIN .. VALIDATE CONSTRAINT ..`: checks the existing values against a
    /// check added `NOT VALID`. Its down does nothing.
    pub fn validate_domain_constraint(
        &mut self,
        domain: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::Domain(DomainStep::ValidateConstraint {
            domain: domain.into(),
            name: name.into(),
        }));
        self
    }

    /// `ALTER DOMAIN .. DROP CONSTRAINT ..` of a check, with its condition so the down
    /// can re-add it.
    pub fn drop_domain_check_with(
        &mut self,
        domain: impl Into<ObjectName>,
        name: impl Into<Ident>,
        check: impl Into<SqlExpr>,
    ) -> &mut Self {
        self.push(Step::Domain(DomainStep::DropCheck {
            domain: domain.into(),
            name: name.into(),
            definition: Some(check.into()),
        }));
        self
    }
}

// ----- types ---------------------------------------------------------------------------

impl<M: Mode> Migration<M> {
    /// `ALTER TYPE .. RENAME TO ..`: renames an enum, a composite type or a domain
    /// (columns of the type follow it); the schema stays the same. The one way to
    /// rename an enum.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn rename_mood(m: &mut Migration) {
    ///     m.rename_type("app.mood", "feeling");
    /// }
    /// let plan = migrate_core::plan::preview(rename_mood).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"ALTER TYPE "app"."mood" RENAME TO "feeling""#]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER TYPE "app"."feeling" RENAME TO "mood""#]);
    /// ```
    pub fn rename_type(&mut self, from: impl Into<ObjectName>, to: impl Into<Ident>) -> &mut Self {
        self.push(Step::Type(TypeStep::Rename {
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    /// `CREATE TYPE .. AS (..)`: a composite type, its fields given to the closure;
    /// undone by dropping it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn money(m: &mut Migration) {
    ///     m.create_type("money_amount", |t| {
    ///         t.field("amount", Numeric(12, 2)).field("currency", Char(3));
    ///     });
    /// }
    /// let plan = migrate_core::plan::preview(money).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE TYPE "money_amount" AS ("amount" decimal(12, 2), "currency" char(3))"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP TYPE "money_amount""#]);
    /// ```
    pub fn create_type(
        &mut self,
        name: impl Into<ObjectName>,
        define: impl FnOnce(&mut CompositeTypeDef),
    ) -> &mut Self {
        let mut def = CompositeTypeDef::new(name);
        define(&mut def);
        self.push(Step::Type(TypeStep::CreateComposite(def)));
        self
    }

    /// `DROP TYPE ..` of a composite type, with its fields so the down can re-create it.
    pub fn drop_type_with(
        &mut self,
        name: impl Into<ObjectName>,
        define: impl FnOnce(&mut CompositeTypeDef),
    ) -> &mut Self {
        let mut def = CompositeTypeDef::new(name);
        define(&mut def);
        self.push(Step::Type(TypeStep::DropComposite {
            name: def.name.clone(),
            definition: Some(def),
        }));
        self
    }
}
