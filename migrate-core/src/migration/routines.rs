//! The recorder methods of one family: functions, procedures and triggers, and the
//! builders of their definitions ([`FunctionDef`], [`ProcedureDef`], [`TriggerDef`]).
//! (`drop_function`, `drop_procedure` and `drop_trigger`, which need the migration's
//! mode, are with [`Migration`] in the parent module.)
//!
//! Definitions are values built with chained calls, so each version of a function can
//! live in a helper `fn` and be passed to `create_function`, `replace_function(old,
//! new)` and `drop_function_with` alike.

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    ArgMode, FunctionArg, FunctionDef, FunctionSetting, Parallel, ProcedureDef, Returns,
    RoutineKind, RoutineSignature, RoutineStep, Step, TriggerDef, TriggerEvent, TriggerLevel,
    TriggerSelector, TriggerStep, TriggerTiming,
};
use crate::types::{ColumnType, Volatility};

use super::{Migration, idents};

// ----- recorder: functions and procedures ---------------------------------------------

impl<M: Mode> Migration<M> {
    /// `CREATE FUNCTION`; undone by `DROP FUNCTION name(input types)`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn order_total() -> FunctionDef {
    ///     FunctionDef::new("app.order_total")
    ///         .arg("order_id", BigInt)
    ///         .returns(Numeric(12, 2))
    ///         .language("sql")
    ///         .stable()
    ///         .body("SELECT sum(amount) FROM app.lines WHERE order_id = $1")
    /// }
    /// fn add_total(m: &mut Migration) {
    ///     m.create_function(order_total());
    /// }
    /// let plan = migrate_core::plan::preview(add_total).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE FUNCTION "app"."order_total"("order_id" bigint) RETURNS decimal(12, 2) LANGUAGE sql STABLE AS $body$SELECT sum(amount) FROM app.lines WHERE order_id = $1$body$"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP FUNCTION "app"."order_total"(bigint)"#]);
    /// ```
    pub fn create_function(&mut self, def: FunctionDef) -> &mut Self {
        self.push(Step::Routine(RoutineStep::Create(def)));
        self
    }

    /// `CREATE OR REPLACE FUNCTION` with `new`; undone by putting back `old`.
    ///
    /// PostgreSQL's `CREATE OR REPLACE` cannot change a function's return type,
    /// argument names or `OUT` arguments, and with other input types it would add an
    /// overload beside the old function. When the heads differ in any of these
    /// ([`FunctionDef::replaceable_by`]), the step is `DROP FUNCTION old` then `CREATE
    /// FUNCTION new`, in the migration's transaction (PostgreSQL then refuses the drop
    /// if a view or another function depends on it; the new function does not keep the
    /// old one's grants or comment). Type modifiers are no change: PostgreSQL keeps none
    /// in a function's head.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn greet(greeting: &str) -> FunctionDef {
    ///     FunctionDef::new("greet")
    ///         .arg("name", Text)
    ///         .returns(Text)
    ///         .language("sql")
    ///         .immutable()
    ///         .body(format!("SELECT '{greeting}, ' || name"))
    /// }
    /// fn friendlier(m: &mut Migration) {
    ///     m.replace_function(greet("Hello"), greet("Hi"));
    /// }
    /// let plan = migrate_core::plan::preview(friendlier).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE OR REPLACE FUNCTION "greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hi, ' || name$body$"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"CREATE OR REPLACE FUNCTION "greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hello, ' || name$body$"#,
    /// ]);
    /// ```
    pub fn replace_function(&mut self, old: FunctionDef, new: FunctionDef) -> &mut Self {
        self.push(Step::Routine(RoutineStep::Replace { old, new }));
        self
    }

    /// `DROP FUNCTION`, with the function's definition so the down can re-create it.
    pub fn drop_function_with(&mut self, def: FunctionDef) -> &mut Self {
        self.push(Step::Routine(RoutineStep::Drop {
            signature: def.signature(),
            definition: Some(def),
            if_exists: false,
            cascade: false,
        }));
        self
    }

    /// `ALTER FUNCTION name(input types) RENAME TO ..`; the schema stays the same.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn rename_total(m: &mut Migration) {
    ///     m.rename_function("app.order_total", [BigInt], "order_sum");
    /// }
    /// let plan = migrate_core::plan::preview(rename_total).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"ALTER FUNCTION "app"."order_total"(bigint) RENAME TO "order_sum""#]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER FUNCTION "app"."order_sum"(bigint) RENAME TO "order_total""#]);
    /// ```
    pub fn rename_function(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.rename_routine(RoutineKind::Function, name.into(), arg_types, to.into())
    }

    /// `ALTER PROCEDURE name(input types) RENAME TO ..`; the schema stays the same.
    pub fn rename_procedure(
        &mut self,
        name: impl Into<ObjectName>,
        arg_types: impl IntoIterator<Item = ColumnType>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.rename_routine(RoutineKind::Procedure, name.into(), arg_types, to.into())
    }

    fn rename_routine(
        &mut self,
        kind: RoutineKind,
        name: ObjectName,
        arg_types: impl IntoIterator<Item = ColumnType>,
        to: Ident,
    ) -> &mut Self {
        self.push(Step::Routine(RoutineStep::Rename {
            signature: RoutineSignature {
                kind,
                name,
                arg_types: arg_types.into_iter().collect(),
            },
            to,
        }));
        self
    }

    /// `CREATE PROCEDURE`; undone by `DROP PROCEDURE name(input types)`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn archive() -> ProcedureDef {
    ///     ProcedureDef::new("app.archive_orders")
    ///         .arg("before", Date)
    ///         .language("sql")
    ///         .body("DELETE FROM app.orders WHERE placed_on < before")
    /// }
    /// fn add_archive(m: &mut Migration) {
    ///     m.create_procedure(archive());
    /// }
    /// let plan = migrate_core::plan::preview(add_archive).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE PROCEDURE "app"."archive_orders"("before" date) LANGUAGE sql AS $body$DELETE FROM app.orders WHERE placed_on < before$body$"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP PROCEDURE "app"."archive_orders"(date)"#]);
    /// ```
    pub fn create_procedure(&mut self, def: ProcedureDef) -> &mut Self {
        self.create_function(def.0)
    }

    /// `CREATE OR REPLACE PROCEDURE` with `new`; undone by putting back `old`. As for
    /// [`replace_function`](Self::replace_function), other arguments make it `DROP`
    /// then `CREATE`.
    pub fn replace_procedure(&mut self, old: ProcedureDef, new: ProcedureDef) -> &mut Self {
        self.replace_function(old.0, new.0)
    }

    /// `DROP PROCEDURE`, with the procedure's definition so the down can re-create it.
    pub fn drop_procedure_with(&mut self, def: ProcedureDef) -> &mut Self {
        self.drop_function_with(def.0)
    }
}

// ----- recorder: triggers ------------------------------------------------------------

impl<M: Mode> Migration<M> {
    /// `CREATE TRIGGER`; undone by `DROP TRIGGER name ON table`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn touch() -> TriggerDef {
    ///     TriggerDef::new("posts_touch", "app.posts")
    ///         .before()
    ///         .on_update()
    ///         .for_each_row()
    ///         .when(Expr::cust("OLD.* IS DISTINCT FROM NEW.*"))
    ///         .execute("app.touch_updated_at")
    /// }
    /// fn add_touch(m: &mut Migration) {
    ///     m.create_trigger(touch());
    /// }
    /// let plan = migrate_core::plan::preview(add_touch).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE TRIGGER "posts_touch" BEFORE UPDATE ON "app"."posts" FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION "app"."touch_updated_at"()"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP TRIGGER "posts_touch" ON "app"."posts""#]);
    /// ```
    pub fn create_trigger(&mut self, def: TriggerDef) -> &mut Self {
        self.push(Step::Trigger(TriggerStep::Create(def)));
        self
    }

    /// `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+) with `new`; undone by putting back
    /// `old`. Both must be the same trigger (name and table). Replacing a trigger
    /// enables it (PostgreSQL resets its enabled state).
    pub fn replace_trigger(&mut self, old: TriggerDef, new: TriggerDef) -> &mut Self {
        self.push(Step::Trigger(TriggerStep::Replace { old, new }));
        self
    }

    /// `DROP TRIGGER name ON table`, with its definition so the down can re-create it.
    /// A definition does not say whether the trigger was disabled: the down creates it
    /// enabled. To drop a disabled trigger reversibly, `enable_trigger` it first in the
    /// same migration: the down then re-creates it and disables it again.
    pub fn drop_trigger_with(&mut self, def: TriggerDef) -> &mut Self {
        self.push(Step::Trigger(TriggerStep::Drop {
            table: def.table.clone(),
            name: def.name.clone(),
            definition: Some(def),
            if_exists: false,
        }));
        self
    }

    /// `ALTER TRIGGER from ON table RENAME TO to`.
    pub fn rename_trigger(
        &mut self,
        table: impl Into<ObjectName>,
        from: impl Into<Ident>,
        to: impl Into<Ident>,
    ) -> &mut Self {
        self.push(Step::Trigger(TriggerStep::Rename {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        }));
        self
    }

    /// `ALTER TABLE .. DISABLE TRIGGER name`; undone by enabling it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn pause_audit(m: &mut Migration) {
    ///     m.disable_trigger("app.orders", "orders_audit");
    /// }
    /// let plan = migrate_core::plan::preview(pause_audit).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"ALTER TABLE "app"."orders" DISABLE TRIGGER "orders_audit""#]);
    /// assert_eq!(plan.down_sql(), [r#"ALTER TABLE "app"."orders" ENABLE TRIGGER "orders_audit""#]);
    /// ```
    pub fn disable_trigger(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self {
        self.set_trigger_enabled(table.into(), TriggerSelector::Named(name.into()), false)
    }

    /// `ALTER TABLE .. ENABLE TRIGGER name`; undone by disabling it.
    pub fn enable_trigger(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
    ) -> &mut Self {
        self.set_trigger_enabled(table.into(), TriggerSelector::Named(name.into()), true)
    }

    /// `ALTER TABLE .. DISABLE TRIGGER USER`: every trigger on the table but the
    /// internal ones (foreign keys stay enforced); undone by enabling them all, which
    /// also enables a trigger that was disabled before.
    pub fn disable_user_triggers(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.set_trigger_enabled(table.into(), TriggerSelector::User, false)
    }

    /// `ALTER TABLE .. ENABLE TRIGGER USER`; undone by disabling them all.
    pub fn enable_user_triggers(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.set_trigger_enabled(table.into(), TriggerSelector::User, true)
    }

    fn set_trigger_enabled(
        &mut self,
        table: ObjectName,
        triggers: TriggerSelector,
        enabled: bool,
    ) -> &mut Self {
        self.push(Step::Trigger(TriggerStep::SetEnabled {
            table,
            triggers,
            enabled,
        }));
        self
    }
}

// ----- builders: functions -------------------------------------------------------------

impl FunctionArg {
    /// An `IN` argument with a name.
    pub fn new(name: impl Into<Ident>, ty: ColumnType) -> Self {
        Self {
            name: Some(name.into()),
            ty,
            mode: ArgMode::In,
            default: None,
        }
    }

    /// An `IN` argument without a name (the body reads it as `$1`, `$2`, ..).
    pub fn unnamed(ty: ColumnType) -> Self {
        Self {
            name: None,
            ty,
            mode: ArgMode::In,
            default: None,
        }
    }

    /// `OUT`: part of the result.
    pub fn out(mut self) -> Self {
        self.mode = ArgMode::Out;
        self
    }

    /// `INOUT`.
    pub fn inout(mut self) -> Self {
        self.mode = ArgMode::InOut;
        self
    }

    /// `VARIADIC` (its type is an array, e.g. `Integer.array()`).
    pub fn variadic(mut self) -> Self {
        self.mode = ArgMode::Variadic;
        self
    }

    /// `DEFAULT expr`.
    pub fn default(mut self, expr: impl Into<SqlExpr>) -> Self {
        self.default = Some(expr.into());
        self
    }
}

impl FunctionDef {
    /// A function with nothing said yet: give it a return type, a language and a body.
    pub fn new(name: impl Into<ObjectName>) -> Self {
        Self {
            kind: RoutineKind::Function,
            name: name.into(),
            args: Vec::new(),
            returns: None,
            language: String::new(),
            volatility: None,
            strict: false,
            security_definer: false,
            parallel: None,
            settings: Vec::new(),
            body: String::new(),
        }
    }

    /// Adds an `IN` argument.
    pub fn arg(self, name: impl Into<Ident>, ty: ColumnType) -> Self {
        self.param(FunctionArg::new(name, ty))
    }

    /// Adds an `OUT` argument.
    pub fn out_arg(self, name: impl Into<Ident>, ty: ColumnType) -> Self {
        self.param(FunctionArg::new(name, ty).out())
    }

    /// Adds any argument: `.param(FunctionArg::new("limit", Integer).default(Expr::val(10)))`.
    pub fn param(mut self, arg: FunctionArg) -> Self {
        self.args.push(arg);
        self
    }

    /// `RETURNS type`.
    pub fn returns(mut self, ty: ColumnType) -> Self {
        self.returns = Some(Returns::Type(ty));
        self
    }

    /// `RETURNS SETOF type`.
    pub fn returns_setof(mut self, ty: ColumnType) -> Self {
        self.returns = Some(Returns::SetOf(ty));
        self
    }

    /// `RETURNS TABLE (column type, ..)`.
    pub fn returns_table(
        mut self,
        columns: impl IntoIterator<Item = (impl Into<Ident>, ColumnType)>,
    ) -> Self {
        self.returns = Some(Returns::Table(
            columns
                .into_iter()
                .map(|(name, ty)| (name.into(), ty))
                .collect(),
        ));
        self
    }

    /// `RETURNS trigger`: a trigger function (no arguments).
    pub fn returns_trigger(mut self) -> Self {
        self.returns = Some(Returns::Trigger);
        self
    }

    /// `RETURNS void`.
    pub fn returns_void(mut self) -> Self {
        self.returns = Some(Returns::Void);
        self
    }

    /// `LANGUAGE ..`: `sql`, `plpgsql`, or any installed language.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// `IMMUTABLE`, `STABLE` or `VOLATILE`.
    pub fn volatility(mut self, volatility: Volatility) -> Self {
        self.volatility = Some(volatility);
        self
    }

    /// `IMMUTABLE`: the same arguments always give the same result.
    pub fn immutable(self) -> Self {
        self.volatility(Volatility::Immutable)
    }

    /// `STABLE`: the same result within one statement.
    pub fn stable(self) -> Self {
        self.volatility(Volatility::Stable)
    }

    /// `VOLATILE` (PostgreSQL's default).
    pub fn volatile(self) -> Self {
        self.volatility(Volatility::Volatile)
    }

    /// `STRICT`: NULL at once when any argument is NULL.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// `SECURITY DEFINER`: runs with its owner's privileges. The plan refuses it
    /// without a pinned [`search_path`](Self::search_path).
    pub fn security_definer(mut self) -> Self {
        self.security_definer = true;
        self
    }

    /// `PARALLEL SAFE / RESTRICTED / UNSAFE`.
    pub fn parallel(mut self, parallel: Parallel) -> Self {
        self.parallel = Some(parallel);
        self
    }

    /// `PARALLEL SAFE`.
    pub fn parallel_safe(self) -> Self {
        self.parallel(Parallel::Safe)
    }

    /// `SET search_path = 'a', 'b'` while the function runs; an empty list pins the
    /// empty path (`''`: every name in the body schema-qualified).
    pub fn search_path(self, schemas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let values = schemas.into_iter().map(Into::into).collect();
        self.setting("search_path", values)
    }

    /// `SET search_path = ''` while the function runs: nothing is found through the
    /// path, so every name in the body must be schema-qualified.
    pub fn empty_search_path(self) -> Self {
        self.setting("search_path", Vec::new())
    }

    /// `SET name = 'value'` while the function runs, e.g. `.set("work_mem", "64MB")`.
    pub fn set(self, name: impl Into<Ident>, value: impl Into<String>) -> Self {
        self.setting(name, vec![value.into()])
    }

    fn setting(mut self, name: impl Into<Ident>, values: Vec<String>) -> Self {
        self.settings.push(FunctionSetting {
            name: name.into(),
            values,
        });
        self
    }

    /// The body, sent dollar-quoted exactly as written.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }
}

impl ProcedureDef {
    /// A procedure with nothing said yet: give it a language and a body.
    pub fn new(name: impl Into<ObjectName>) -> Self {
        let mut def = FunctionDef::new(name);
        def.kind = RoutineKind::Procedure;
        Self(def)
    }

    /// Adds an `IN` argument.
    pub fn arg(self, name: impl Into<Ident>, ty: ColumnType) -> Self {
        Self(self.0.arg(name, ty))
    }

    /// Adds any argument (`INOUT`, `OUT`, `VARIADIC`, with a default).
    pub fn param(self, arg: FunctionArg) -> Self {
        Self(self.0.param(arg))
    }

    /// `LANGUAGE ..`.
    pub fn language(self, language: impl Into<String>) -> Self {
        Self(self.0.language(language))
    }

    /// `SECURITY DEFINER` (the plan refuses it without a pinned `search_path`).
    pub fn security_definer(self) -> Self {
        Self(self.0.security_definer())
    }

    /// `SET search_path = ..` while the procedure runs.
    pub fn search_path(self, schemas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self(self.0.search_path(schemas))
    }

    /// `SET search_path = ''` while the procedure runs (every name qualified).
    pub fn empty_search_path(self) -> Self {
        Self(self.0.empty_search_path())
    }

    /// `SET name = 'value'` while the procedure runs.
    pub fn set(self, name: impl Into<Ident>, value: impl Into<String>) -> Self {
        Self(self.0.set(name, value))
    }

    /// The body, sent dollar-quoted exactly as written.
    pub fn body(self, body: impl Into<String>) -> Self {
        Self(self.0.body(body))
    }
}

// ----- builders: triggers --------------------------------------------------------------

impl TriggerDef {
    /// A trigger on a table with nothing said yet: give it a timing, events and a
    /// function.
    pub fn new(name: impl Into<Ident>, table: impl Into<ObjectName>) -> Self {
        Self {
            name: name.into(),
            table: table.into(),
            timing: None,
            events: Vec::new(),
            level: TriggerLevel::Statement,
            when: None,
            old_table: None,
            new_table: None,
            function: None,
            args: Vec::new(),
        }
    }

    /// `BEFORE`.
    pub fn before(mut self) -> Self {
        self.timing = Some(TriggerTiming::Before);
        self
    }

    /// `AFTER`.
    pub fn after(mut self) -> Self {
        self.timing = Some(TriggerTiming::After);
        self
    }

    /// `INSTEAD OF` (on a view, for each row).
    pub fn instead_of(mut self) -> Self {
        self.timing = Some(TriggerTiming::InsteadOf);
        self
    }

    fn on(mut self, event: TriggerEvent) -> Self {
        self.events.push(event);
        self
    }

    /// Fires on `INSERT` (events add up: `OR`).
    pub fn on_insert(self) -> Self {
        self.on(TriggerEvent::Insert)
    }

    /// Fires on `UPDATE`.
    pub fn on_update(self) -> Self {
        self.on(TriggerEvent::Update(Vec::new()))
    }

    /// Fires on `UPDATE OF columns`.
    pub fn on_update_of(self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> Self {
        self.on(TriggerEvent::Update(idents(columns)))
    }

    /// Fires on `DELETE`.
    pub fn on_delete(self) -> Self {
        self.on(TriggerEvent::Delete)
    }

    /// Fires on `TRUNCATE` (statement-level).
    pub fn on_truncate(self) -> Self {
        self.on(TriggerEvent::Truncate)
    }

    /// `FOR EACH ROW`.
    pub fn for_each_row(mut self) -> Self {
        self.level = TriggerLevel::Row;
        self
    }

    /// `FOR EACH STATEMENT` (PostgreSQL's default).
    pub fn for_each_statement(mut self) -> Self {
        self.level = TriggerLevel::Statement;
        self
    }

    /// `WHEN (condition)`, e.g. `Expr::cust("OLD.status IS DISTINCT FROM NEW.status")`.
    pub fn when(mut self, condition: impl Into<SqlExpr>) -> Self {
        self.when = Some(Box::new(condition.into()));
        self
    }

    /// `REFERENCING OLD TABLE AS name` (the rows before, in an `AFTER` trigger).
    pub fn referencing_old_table(mut self, name: impl Into<Ident>) -> Self {
        self.old_table = Some(name.into());
        self
    }

    /// `REFERENCING NEW TABLE AS name` (the rows after, in an `AFTER` trigger).
    pub fn referencing_new_table(mut self, name: impl Into<Ident>) -> Self {
        self.new_table = Some(name.into());
        self
    }

    /// `EXECUTE FUNCTION function()`.
    pub fn execute(mut self, function: impl Into<ObjectName>) -> Self {
        self.function = Some(function.into());
        self
    }

    /// `EXECUTE FUNCTION function('arg', ..)`: literal arguments, read as `TG_ARGV`.
    pub fn execute_with(
        mut self,
        function: impl Into<ObjectName>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.function = Some(function.into());
        self.args = args.into_iter().map(Into::into).collect();
        self
    }
}
