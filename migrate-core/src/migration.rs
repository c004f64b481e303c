//! The recorder users call: `m.create_table(..)`, `m.add_column(..)`, ...
//!
//! Each method records a [`Step`]; nothing touches a database here. Methods that
//! return a builder (`&mut ColumnDef`, `&mut IndexDef`, ...) let the step be refined
//! with chained calls. Names are checked when the plan is built.
//!
//! [`Migration`] is defined here with the steps whose availability depends on its
//! [mode](crate::mode): the one-way steps (`drop_table`, `drop_column`, `update`,
//! `unchecked_sql`, ...), each gated by a `where M: ..Gate` bound. They stay in this file
//! on purpose: when a gate refuses a step, the compiler names the method by the path of
//! its `impl` block, and only an `impl` here reads `migrate_core::Migration::<M>::drop_table`
//! (from a submodule it reads `migrate_core::migration::tables::<impl
//! migrate_core::Migration<M>>::drop_table`); the compile-fail snapshots pin this. The other steps and their builders are in one submodule
//! per family: tables, columns, indexes, constraints, schemas, enums, data,
//! reversible (hand-written pairs) and settings.

use std::marker::PhantomData;

use crate::ident::{Ident, ObjectName};
use crate::mode::{
    AddEnumValueAfterGate, AddEnumValueBeforeGate, AddEnumValueGate, AlterColumnTypeGate,
    AlterConstraintGate, AlterSequenceGate, BackfillGate, CreateOrReplaceFunctionGate,
    CreateOrReplaceViewGate, DeleteGate, DeleteUsingGate, DropColumnGate, DropConstraintGate,
    DropDefaultGate, DropDomainCheckGate, DropDomainGate, DropEnumGate, DropFunctionCascadeGate,
    DropFunctionGate, DropFunctionIfExistsGate, DropIndexConcurrentlyGate, DropIndexGate,
    DropMaterializedViewCascadeGate, DropMaterializedViewGate, DropMaterializedViewIfExistsGate,
    DropPolicyGate, DropProcedureGate, DropSequenceGate, DropSequenceIfExistsGate, DropTableGate,
    DropTriggerGate, DropTriggerIfExistsGate, DropTypeGate, DropViewCascadeGate, DropViewGate,
    DropViewIfExistsGate, EnsureExtensionGate, EnsureSchemaGate, EnsureSequenceGate, InsertGate,
    InsertSelectGate, Mode, RestartSequenceGate, Reversible, SetCommentGate, SetDefaultGate,
    SetSequenceValueGate, UncheckedSqlGate, UpdateFromGate, UpdateGate,
};
use crate::step::{
    BackfillDef, BackfillPacing, DeleteDef, EnumValuePosition, InsertDef, MigrationSettings, Step,
    UncheckedSql, UpdateDef,
};
use crate::types::{ColumnType, DefaultValue};

mod columns;
mod constraints;
mod data;
mod enums;
mod indexes;
mod moves;
mod reversible;
mod routines;
mod schemas;
mod security;
mod sequences;
mod settings;
mod tables;
mod views;

pub use columns::AlterTypeBuilder;
pub use constraints::ConstraintBuilder;

/// What recording a migration function produced: its steps and its own settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Settings the migration gave for itself.
    pub settings: MigrationSettings,
}

/// The recorder a migration function receives.
///
/// `M` is the [mode](crate::mode): [`Reversible`] (the default: every step needs an
/// automatic inverse, checked by the compiler) or [`Manual`](crate::mode::Manual). The
/// `#[migration]` attribute chooses it; users write `m: &mut Migration`.
///
/// # Argument order
///
/// One rule for every method: **what a name lives in comes before the name.**
///
/// - Columns and constraints are named within their table (PostgreSQL addresses
///   them as `ALTER TABLE table .. column/constraint`), so the table comes first,
///   then the column or constraint, then its definition:
///   `add_column(table, column, type)`, `rename_column(table, from, to)`,
///   `add_foreign_key(table, name, columns, ref_table, ref_columns)`,
///   `add_unique(table, name, columns)`, `add_check(table, name, check)`,
///   `validate_constraint(table, name)`, `drop_constraint(table, name)`,
///   `rename_constraint(table, from, to)`, and the `drop_*_with` forms alike.
/// - Enum values are named within their enum: `add_enum_value(enum, value)`,
///   `rename_enum_value(enum, from, to)`.
/// - Tables, indexes, enums, schemas and extensions have names of their own in a
///   schema (qualify them as `"schema.name"`), so their name comes first. An index's
///   table is part of its definition and follows the name, as in
///   `CREATE INDEX name ON table`: `create_index(name, table, columns)`;
///   `drop_index(name)` and `rename_index(from, to)` need no table.
///
/// Table and object names are both strings, so the compiler cannot catch a swap:
/// `migrate sql ID` and [`plan::preview`](crate::plan::preview) show what a
/// migration renders.
///
/// ```
/// use migrate_core::prelude::*;
///
/// fn create_users(m: &mut Migration) {
///     m.create_table("users", |t| {
///         t.column("id", BigInt).identity().primary_key();
///         t.column("email", Varchar(255)).not_null().unique();
///     });
///     m.create_index_concurrently("idx_users_email_lower", "users", [IndexColumn::expr(Expr::cust("lower(email)"))]);
/// }
///
/// let plan = migrate_core::plan::preview(create_users).unwrap();
/// assert_eq!(plan.up_sql(), [
///     r#"CREATE TABLE "users" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "email" varchar(255) NOT NULL UNIQUE )"#,
///     r#"CREATE INDEX CONCURRENTLY "idx_users_email_lower" ON "users" ((lower(email)))"#,
/// ]);
/// assert_eq!(plan.down_sql(), [
///     r#"DROP INDEX CONCURRENTLY "idx_users_email_lower""#,
///     r#"DROP TABLE "users""#,
/// ]);
/// ```
#[derive(Debug)]
pub struct Migration<M: Mode = Reversible> {
    recorded: Recorded,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> Default for Migration<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Mode> Migration<M> {
    /// An empty recorder. Migrations are normally recorded by the runtime; this is
    /// for tests and previews.
    pub fn new() -> Self {
        Self {
            recorded: Recorded::default(),
            mode: PhantomData,
        }
    }

    /// The steps recorded so far.
    pub fn steps(&self) -> &[Step] {
        &self.recorded.steps
    }

    /// The recording: steps and settings.
    pub fn finish(self) -> Recorded {
        self.recorded
    }

    fn push(&mut self, step: Step) -> &mut Step {
        self.recorded.steps.push(step);
        let last = self.recorded.steps.len() - 1;
        &mut self.recorded.steps[last]
    }

    // ----- tables -------------------------------------------------------------

    /// `DROP TABLE` without the definition: no automatic inverse.
    pub fn drop_table(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropTableGate,
    {
        self.push(Step::DropTable {
            table: name.into(),
            definition: None,
        });
        self
    }

    // ----- columns ------------------------------------------------------------

    /// `ALTER TABLE .. DROP COLUMN ..` without the definition: no automatic inverse.
    pub fn drop_column(&mut self, table: impl Into<ObjectName>, name: impl Into<Ident>) -> &mut Self
    where
        M: DropColumnGate,
    {
        self.push(Step::DropColumn {
            table: table.into(),
            column: name.into(),
            definition: None,
        });
        self
    }

    /// `ALTER TABLE .. ALTER COLUMN .. TYPE ..` without the old type: no automatic
    /// inverse.
    pub fn alter_column_type(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
        to: ColumnType,
    ) -> AlterTypeBuilder<'_>
    where
        M: AlterColumnTypeGate,
    {
        self.alter_type(table.into(), column.into(), None, to)
    }

    /// `ALTER TABLE .. ALTER COLUMN .. SET DEFAULT ..` without the old default: no
    /// automatic inverse.
    pub fn set_default(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
        default: impl Into<DefaultValue>,
    ) -> &mut Self
    where
        M: SetDefaultGate,
    {
        self.push(Step::ChangeDefault {
            table: table.into(),
            column: column.into(),
            to: Some(default.into()),
            from: None,
        });
        self
    }

    /// `ALTER TABLE .. ALTER COLUMN .. DROP DEFAULT` without the old default: no
    /// automatic inverse.
    pub fn drop_default(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
    ) -> &mut Self
    where
        M: DropDefaultGate,
    {
        self.push(Step::ChangeDefault {
            table: table.into(),
            column: column.into(),
            to: None,
            from: None,
        });
        self
    }

    // ----- indexes ------------------------------------------------------------

    /// `DROP INDEX` without the definition: no automatic inverse.
    /// `name` may be schema-qualified (`"app.idx_users_email"`).
    pub fn drop_index(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropIndexGate,
    {
        self.push(Step::DropIndex {
            index: name.into(),
            concurrently: false,
            definition: None,
        });
        self
    }

    /// `DROP INDEX CONCURRENTLY` without the definition: no automatic inverse.
    pub fn drop_index_concurrently(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropIndexConcurrentlyGate,
    {
        self.push(Step::DropIndex {
            index: name.into(),
            concurrently: true,
            definition: None,
        });
        self
    }

    // ----- constraints --------------------------------------------------------

    /// `ALTER TABLE .. DROP CONSTRAINT ..` without the definition: no automatic inverse.
    pub fn drop_constraint(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self
    where
        M: DropConstraintGate,
    {
        self.push(Step::DropConstraint {
            table: table.into(),
            name: name.into(),
            definition: None,
        });
        self
    }

    // ----- schemas, extensions, enums -----------------------------------------

    /// `CREATE SCHEMA IF NOT EXISTS`. No inverse: the schema may have been there
    /// before, so only a one-way migration or one with its own down may ensure one.
    pub fn ensure_schema(&mut self, name: impl Into<Ident>) -> &mut Self
    where
        M: EnsureSchemaGate,
    {
        self.push(Step::EnsureSchema { name: name.into() });
        self
    }

    /// `CREATE EXTENSION IF NOT EXISTS`. No inverse: the extension may have been
    /// installed before, so only a one-way migration or one with its own down may
    /// ensure one.
    pub fn ensure_extension(&mut self, name: impl Into<Ident>) -> &mut Self
    where
        M: EnsureExtensionGate,
    {
        self.push(Step::EnsureExtension { name: name.into() });
        self
    }

    /// `DROP TYPE` of an enum without its values: no automatic inverse.
    pub fn drop_enum(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropEnumGate,
    {
        self.push(Step::DropEnum {
            name: name.into(),
            values: None,
        });
        self
    }

    /// `ALTER TYPE .. ADD VALUE ..` at the end of the enum. PostgreSQL cannot remove
    /// an enum value, so this step has no inverse.
    pub fn add_enum_value(
        &mut self,
        name: impl Into<ObjectName>,
        value: impl Into<String>,
    ) -> &mut Self
    where
        M: AddEnumValueGate,
    {
        self.enum_value(name.into(), value.into(), None)
    }

    /// `ALTER TYPE .. ADD VALUE .. BEFORE ..`. No inverse.
    pub fn add_enum_value_before(
        &mut self,
        name: impl Into<ObjectName>,
        value: impl Into<String>,
        before: impl Into<String>,
    ) -> &mut Self
    where
        M: AddEnumValueBeforeGate,
    {
        self.enum_value(
            name.into(),
            value.into(),
            Some(EnumValuePosition::Before(before.into())),
        )
    }

    /// `ALTER TYPE .. ADD VALUE .. AFTER ..`. No inverse.
    pub fn add_enum_value_after(
        &mut self,
        name: impl Into<ObjectName>,
        value: impl Into<String>,
        after: impl Into<String>,
    ) -> &mut Self
    where
        M: AddEnumValueAfterGate,
    {
        self.enum_value(
            name.into(),
            value.into(),
            Some(EnumValuePosition::After(after.into())),
        )
    }

    // ----- data ---------------------------------------------------------------

    /// `UPDATE table SET .. WHERE ..`: no automatic inverse; pair it with its reverse
    /// through [`reversible`](Self::reversible).
    pub fn update(&mut self, table: impl Into<ObjectName>) -> &mut UpdateDef
    where
        M: UpdateGate,
    {
        let step = self.push(Step::Update(UpdateDef {
            table: table.into(),
            set: Vec::new(),
            filter: None,
        }));
        match step {
            Step::Update(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `INSERT INTO table (columns) VALUES ..`: no automatic inverse.
    pub fn insert(
        &mut self,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
    ) -> &mut InsertDef
    where
        M: InsertGate,
    {
        let step = self.push(Step::Insert(InsertDef {
            table: table.into(),
            columns: idents(columns),
            rows: Vec::new(),
            on_conflict_do_nothing: false,
        }));
        match step {
            Step::Insert(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DELETE FROM table WHERE ..`: no automatic inverse.
    pub fn delete(&mut self, table: impl Into<ObjectName>) -> &mut DeleteDef
    where
        M: DeleteGate,
    {
        let step = self.push(Step::Delete(DeleteDef {
            table: table.into(),
            filter: None,
        }));
        match step {
            Step::Delete(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// A batched backfill: `UPDATE table SET .. WHERE (filter)` run in keyset batches
    /// over the key (by default the table's single-column primary key), each batch
    /// in its own transaction together with the persisted cursor, outside the
    /// migration's transaction, so writers are never blocked for long and an
    /// interrupted run resumes after the last batch done. The batch size adapts
    /// towards a target duration; batches are separated by a pause. No automatic
    /// inverse: pair it with its reverse through [`reversible`](Self::reversible).
    ///
    /// The filter is the idempotent predicate: the rows that still need the change.
    /// Rows whose columns already hold their new values are skipped too
    /// (`IS DISTINCT FROM`; turn it off with
    /// [`skip_unchanged(false)`](BackfillDef::skip_unchanged) for types without
    /// equality, such as `json`).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn full_name(m: &mut Migration) {
    ///     m.add_column("users", "full_name", Text);
    ///     m.reversible(
    ///         |up| {
    ///             up.backfill("users")
    ///                 .set("full_name", Expr::cust("first_name || ' ' || last_name"))
    ///                 .filter(Expr::col("full_name").is_null())
    ///                 .batch_size(5_000)
    ///                 .target_batch_duration(Duration::from_millis(300));
    ///         },
    ///         |_down| {},
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(full_name).unwrap();
    /// assert_eq!(plan.up.units.len(), 2);
    /// assert!(plan.up_sql()[1].ends_with(
    ///     r#"UPDATE "users" SET "full_name" = first_name || ' ' || last_name WHERE <key> > $1 AND <key> <= $2 AND ("full_name" IS NULL) AND ("full_name" IS DISTINCT FROM (first_name || ' ' || last_name))"#
    /// ));
    /// ```
    pub fn backfill(&mut self, table: impl Into<ObjectName>) -> &mut BackfillDef
    where
        M: BackfillGate,
    {
        let step = self.push(Step::Backfill(BackfillDef {
            table: table.into(),
            set: Vec::new(),
            filter: None,
            key: None,
            skip_unchanged: true,
            pacing: BackfillPacing::default(),
        }));
        match step {
            Step::Backfill(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    // ----- views, materialized views, comments ---------------------------------

    /// `DROP VIEW` without the view's definition: no automatic inverse.
    pub fn drop_view(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropViewGate,
    {
        self.drop_view_step(name.into(), false, false);
        self
    }

    /// `DROP VIEW IF EXISTS`: no inverse (the view may not have been there).
    pub fn drop_view_if_exists(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropViewIfExistsGate,
    {
        self.drop_view_step(name.into(), true, false);
        self
    }

    /// `DROP VIEW .. CASCADE`: also drops what depends on the view, so no inverse.
    pub fn drop_view_cascade(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropViewCascadeGate,
    {
        self.drop_view_step(name.into(), false, true);
        self
    }

    /// `CREATE OR REPLACE VIEW` without the definition it replaces: no automatic
    /// inverse (and the view may not have existed).
    pub fn create_or_replace_view(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<crate::step::ViewQuery>,
    ) -> &mut crate::step::ViewDef
    where
        M: CreateOrReplaceViewGate,
    {
        let new = crate::step::ViewDef::new(name, query);
        &mut self.replacement(None, new).new
    }

    /// `DROP MATERIALIZED VIEW` without its definition: no automatic inverse.
    pub fn drop_materialized_view(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropMaterializedViewGate,
    {
        self.drop_materialized_view_step(name.into(), false, false);
        self
    }

    /// `DROP MATERIALIZED VIEW IF EXISTS`: no inverse.
    pub fn drop_materialized_view_if_exists(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropMaterializedViewIfExistsGate,
    {
        self.drop_materialized_view_step(name.into(), true, false);
        self
    }

    /// `DROP MATERIALIZED VIEW .. CASCADE`: no inverse.
    pub fn drop_materialized_view_cascade(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropMaterializedViewCascadeGate,
    {
        self.drop_materialized_view_step(name.into(), false, true);
        self
    }

    /// `COMMENT ON .. IS ..` without the comment it replaces: no automatic inverse.
    pub fn set_comment(
        &mut self,
        target: crate::step::CommentTarget,
        comment: Option<&str>,
    ) -> &mut Self
    where
        M: SetCommentGate,
    {
        self.comment_step(target, comment)
    }

    /// `DROP FUNCTION name(arg types)` without the definition: no automatic inverse.
    /// `arg_types` are the input arguments' types (`IN`, `INOUT`, `VARIADIC`).
    pub fn drop_function(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
    ) -> &mut Self
    where
        M: DropFunctionGate,
    {
        self.drop_routine(
            crate::step::RoutineKind::Function,
            name.into(),
            arg_types,
            false,
            false,
        )
    }

    /// `DROP FUNCTION name(arg types) CASCADE`: also drops what depends on the function
    /// (its triggers, views, defaults); no inverse.
    pub fn drop_function_cascade(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
    ) -> &mut Self
    where
        M: DropFunctionCascadeGate,
    {
        self.drop_routine(
            crate::step::RoutineKind::Function,
            name.into(),
            arg_types,
            false,
            true,
        )
    }

    /// `DROP FUNCTION IF EXISTS name(arg types)`: no inverse (the function may not have
    /// been there).
    pub fn drop_function_if_exists(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
    ) -> &mut Self
    where
        M: DropFunctionIfExistsGate,
    {
        self.drop_routine(
            crate::step::RoutineKind::Function,
            name.into(),
            arg_types,
            true,
            false,
        )
    }

    /// `CREATE OR REPLACE FUNCTION` without the old definition: no inverse (the
    /// function may have existed, with another body).
    pub fn create_or_replace_function(&mut self, def: crate::step::FunctionDef) -> &mut Self
    where
        M: CreateOrReplaceFunctionGate,
    {
        self.push(Step::Routine(crate::step::RoutineStep::CreateOrReplace(
            def,
        )));
        self
    }

    /// `DROP PROCEDURE name(arg types)` without the definition: no automatic inverse.
    pub fn drop_procedure(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
    ) -> &mut Self
    where
        M: DropProcedureGate,
    {
        self.drop_routine(
            crate::step::RoutineKind::Procedure,
            name.into(),
            arg_types,
            false,
            false,
        )
    }

    fn drop_routine(
        &mut self,
        kind: crate::step::RoutineKind,
        name: ObjectName,
        arg_types: impl IntoIterator<Item = ColumnType>,
        if_exists: bool,
        cascade: bool,
    ) -> &mut Self {
        self.push(Step::Routine(crate::step::RoutineStep::Drop {
            signature: crate::step::RoutineSignature {
                kind,
                name,
                arg_types: arg_types.into_iter().collect(),
            },
            definition: None,
            if_exists,
            cascade,
        }));
        self
    }

    /// `DROP TRIGGER name ON table` without the definition: no automatic inverse.
    pub fn drop_trigger(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self
    where
        M: DropTriggerGate,
    {
        self.push(Step::Trigger(crate::step::TriggerStep::Drop {
            table: table.into(),
            name: name.into(),
            definition: None,
            if_exists: false,
        }));
        self
    }

    /// `DROP TRIGGER IF EXISTS name ON table`: no inverse (the trigger may not have been
    /// there).
    pub fn drop_trigger_if_exists(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self
    where
        M: DropTriggerIfExistsGate,
    {
        self.push(Step::Trigger(crate::step::TriggerStep::Drop {
            table: table.into(),
            name: name.into(),
            definition: None,
            if_exists: true,
        }));
        self
    }
    /// `INSERT INTO table (columns) SELECT ..`: rows copied from a query (built with
    /// sea-query's `Query::select()`). No automatic inverse: pair it with its reverse
    /// through [`reversible`](Self::reversible).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn copy(m: &mut Migration) {
    ///     m.reversible(
    ///         |up| {
    ///             up.insert_select(
    ///                 "archived_posts",
    ///                 ["id", "title"],
    ///                 Query::select().columns(["id", "title"]).from("posts").and_where(Expr::col("archived")),
    ///             );
    ///         },
    ///         |down| {
    ///             down.delete("archived_posts");
    ///         },
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(copy).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"INSERT INTO "archived_posts" ("id", "title") SELECT "id", "title" FROM "posts" WHERE "archived""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DELETE FROM "archived_posts""#]);
    /// ```
    pub fn insert_select(
        &mut self,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<Ident>>,
        query: impl Into<crate::step::SqlQuery>,
    ) -> &mut crate::step::InsertSelectDef
    where
        M: InsertSelectGate,
    {
        let step = self.push(Step::DataMove(crate::step::DataMove::InsertSelect(
            crate::step::InsertSelectDef {
                table: table.into(),
                columns: idents(columns),
                query: query.into(),
                on_conflict_do_nothing: false,
            },
        )));
        match step {
            Step::DataMove(crate::step::DataMove::InsertSelect(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `UPDATE table SET .. FROM item WHERE ..`: an update reading another table or a
    /// sub-query (chain `.set(..)`, `.filter(..)` with the join condition, `.from(..)`
    /// for more). No automatic inverse: pair it with its reverse through
    /// [`reversible`](Self::reversible).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn denormalize(m: &mut Migration<Manual>) {
    ///     m.update_from("posts", FromItem::table_as("users", "u"))
    ///         .set("author_name", Expr::col(("u", "name")))
    ///         .filter(Expr::col(("posts", "author_id")).equals(("u", "id")));
    /// }
    /// let plan = migrate_core::plan::preview(denormalize).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"UPDATE "posts" SET "author_name" = "u"."name" FROM "users" AS "u" WHERE "posts"."author_id" = "u"."id""#,
    /// ]);
    /// ```
    pub fn update_from(
        &mut self,
        table: impl Into<ObjectName>,
        from: impl Into<crate::step::FromItem>,
    ) -> &mut crate::step::UpdateFromDef
    where
        M: UpdateFromGate,
    {
        let step = self.push(Step::DataMove(crate::step::DataMove::UpdateFrom(
            crate::step::UpdateFromDef {
                table: table.into(),
                set: Vec::new(),
                from: vec![from.into()],
                filter: None,
            },
        )));
        match step {
            Step::DataMove(crate::step::DataMove::UpdateFrom(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DELETE FROM table USING item WHERE ..`: a delete joining another table or a
    /// sub-query. No automatic inverse: pair it with its reverse through
    /// [`reversible`](Self::reversible).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn orphans(m: &mut Migration<Manual>) {
    ///     m.delete_using("sessions", "users")
    ///         .filter(Expr::col(("sessions", "user_id")).equals(("users", "id")))
    ///         .filter(Expr::col(("users", "deleted")));
    /// }
    /// let plan = migrate_core::plan::preview(orphans).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"DELETE FROM "sessions" USING "users" WHERE "sessions"."user_id" = "users"."id" AND "users"."deleted""#,
    /// ]);
    /// ```
    pub fn delete_using(
        &mut self,
        table: impl Into<ObjectName>,
        using: impl Into<crate::step::FromItem>,
    ) -> &mut crate::step::DeleteUsingDef
    where
        M: DeleteUsingGate,
    {
        let step = self.push(Step::DataMove(crate::step::DataMove::DeleteUsing(
            crate::step::DeleteUsingDef {
                table: table.into(),
                using: vec![using.into()],
                filter: None,
            },
        )));
        match step {
            Step::DataMove(crate::step::DataMove::DeleteUsing(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY ..]` without
    /// the current setting: no automatic inverse (use
    /// [`alter_constraint_from`](Self::alter_constraint_from)).
    pub fn alter_constraint(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        to: crate::step::Deferrable,
    ) -> &mut Self
    where
        M: AlterConstraintGate,
    {
        self.push(Step::Constraint(crate::step::ConstraintStep::Alter {
            table: table.into(),
            name: name.into(),
            to,
            from: None,
        }));
        self
    }
    /// `DROP SEQUENCE ..` without its options: no automatic inverse.
    pub fn drop_sequence(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropSequenceGate,
    {
        self.push(Step::Sequence(crate::step::SequenceStep::Drop {
            name: name.into(),
            definition: None,
        }));
        self
    }

    /// `CREATE SEQUENCE IF NOT EXISTS ..`. No inverse: the sequence may have been there
    /// before.
    pub fn ensure_sequence(
        &mut self,
        name: impl Into<ObjectName>,
    ) -> &mut crate::step::SequenceOptions
    where
        M: EnsureSequenceGate,
    {
        self.sequence_step(crate::step::SequenceStep::Ensure(
            crate::step::SequenceDef::new(name),
        ))
    }

    /// `DROP SEQUENCE IF EXISTS ..`: no inverse.
    pub fn drop_sequence_if_exists(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropSequenceIfExistsGate,
    {
        self.push(Step::Sequence(crate::step::SequenceStep::DropIfExists {
            name: name.into(),
        }));
        self
    }

    /// `ALTER SEQUENCE .. <options>` with only the new options (those not said are left
    /// as they are): no automatic inverse. See
    /// [`alter_sequence_from`](Self::alter_sequence_from).
    pub fn alter_sequence(
        &mut self,
        name: impl Into<ObjectName>,
    ) -> &mut crate::step::SequenceOptions
    where
        M: AlterSequenceGate,
    {
        self.sequence_step(crate::step::SequenceStep::Alter {
            name: name.into(),
            from: None,
            to: crate::step::SequenceOptions::default(),
        })
    }

    /// `ALTER SEQUENCE .. RESTART WITH ..`: the next `nextval` returns `value`. A data
    /// change: no automatic inverse.
    pub fn restart_sequence(&mut self, name: impl Into<ObjectName>, value: i64) -> &mut Self
    where
        M: RestartSequenceGate,
    {
        self.push(Step::Sequence(crate::step::SequenceStep::Restart {
            name: name.into(),
            with: Some(value),
        }));
        self
    }

    /// `SELECT setval(.., value)`: the sequence's current value becomes `value` (an
    /// expression, e.g. `Expr::cust("(SELECT max(id) FROM users)")`), the next
    /// `nextval` returns the one after it. A data change: no automatic inverse.
    pub fn set_sequence_value(
        &mut self,
        name: impl Into<ObjectName>,
        value: impl Into<crate::expr::SqlExpr>,
    ) -> &mut Self
    where
        M: SetSequenceValueGate,
    {
        self.push(Step::Sequence(crate::step::SequenceStep::SetValue {
            name: name.into(),
            value: value.into(),
        }));
        self
    }

    /// `DROP DOMAIN ..` without its definition: no automatic inverse.
    pub fn drop_domain(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropDomainGate,
    {
        self.push(Step::Domain(crate::step::DomainStep::Drop {
            name: name.into(),
            definition: None,
        }));
        self
    }

    /// `ALTER DOMAIN .. DROP CONSTRAINT ..` without the check's condition: no automatic
    /// inverse.
    pub fn drop_domain_check(
        &mut self,
        domain: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self
    where
        M: DropDomainCheckGate,
    {
        self.push(Step::Domain(crate::step::DomainStep::DropCheck {
            domain: domain.into(),
            name: name.into(),
            definition: None,
        }));
        self
    }

    /// `DROP TYPE ..` of a composite type without its fields: no automatic inverse.
    pub fn drop_type(&mut self, name: impl Into<ObjectName>) -> &mut Self
    where
        M: DropTypeGate,
    {
        self.push(Step::Type(crate::step::TypeStep::DropComposite {
            name: name.into(),
            definition: None,
        }));
        self
    }

    /// `DROP POLICY name ON table` without the policy's definition: no automatic
    /// inverse. Use [`drop_policy_with`](Self::drop_policy_with) to make it reversible.
    pub fn drop_policy(&mut self, table: impl Into<ObjectName>, name: impl Into<Ident>) -> &mut Self
    where
        M: DropPolicyGate,
    {
        self.push(Step::Security(crate::step::SecurityStep::DropPolicy {
            table: table.into(),
            name: name.into(),
            definition: None,
        }));
        self
    }
    // ----- raw SQL ------------------------------------------------------------

    /// Hand-written SQL, sent as one statement. **Nothing checks it**: not its
    /// syntax, not its safety, not its inverse. Prefer a typed step.
    pub fn unchecked_sql(&mut self, sql: impl Into<String>) -> &mut UncheckedSql
    where
        M: UncheckedSqlGate,
    {
        let step = self.push(Step::UncheckedSql(UncheckedSql {
            sql: sql.into(),
            transactional: true,
        }));
        match step {
            Step::UncheckedSql(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }
}

fn idents(items: impl IntoIterator<Item = impl Into<Ident>>) -> Vec<Ident> {
    items.into_iter().map(Into::into).collect()
}
