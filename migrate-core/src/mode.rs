//! Reversibility, checked by the compiler.
//!
//! A [`Migration`](crate::Migration) is recorded in one of two modes:
//!
//! - [`Reversible`] (the default): the runner derives the down from the up, so every
//!   step must have an inverse. A step that has none (dropping a table without its
//!   definition, a data update, one-way SQL) does not compile: its method carries a
//!   bound that only [`Manual`] satisfies, and the error lands on the call, even inside
//!   a helper function, with a message that names the step and the ways out.
//! - [`Manual`]: the migration has a hand-written `down = ...` or is declared
//!   `irreversible`; any step is allowed. The `#[migration]` attribute picks the mode,
//!   so a migration's signature is always `fn name(m: &mut Migration)`.

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Reversible {}
    impl Sealed for super::Manual {}
}

/// The mode a migration is recorded in: [`Reversible`] or [`Manual`].
pub trait Mode: sealed::Sealed + 'static {
    /// Whether the runner derives the down from the up.
    const AUTO_DOWN: bool;
}

/// Mode of a migration whose down is derived from its up: only steps with an
/// automatic inverse compile.
#[derive(Debug)]
pub enum Reversible {}

/// Mode of a migration with a hand-written down or declared irreversible, and of
/// hand-written down functions: every step compiles.
#[derive(Debug)]
pub enum Manual {}

impl Mode for Reversible {
    const AUTO_DOWN: bool = true;
}

impl Mode for Manual {
    const AUTO_DOWN: bool = false;
}

/// Declares one gate: a trait only [`Manual`] implements, whose message explains the
/// step and the three ways out.
macro_rules! gate {
    (
        $(#[$doc:meta])*
        $name:ident,
        message = $message:literal,
        fix = $fix:literal $(,)?
    ) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "this step has no automatic inverse",
            note = $fix,
            note = "or write the down yourself: `#[migration(id = ..., down = your_down_fn)]`",
            note = "or declare the migration one-way: `#[migration(id = ..., irreversible)]`",
            note = "in a helper function, take `m: &mut Migration<Manual>` and call it only from such migrations"
        )]
        pub trait $name: Mode {}

        #[diagnostic::do_not_recommend]
        impl $name for Manual {}
    };
}

gate!(
    /// Gate of `drop_table` without the table's definition.
    DropTableGate,
    message = "`drop_table` cannot be undone automatically: the migration does not say what the table looked like",
    fix = "to make it reversible, give the definition: `m.drop_table_with(\"name\", |t| {{ t.column(...); }})`",
);
gate!(
    /// Gate of `drop_column` without the column's definition.
    DropColumnGate,
    message = "`drop_column` cannot be undone automatically: the migration does not say what the column looked like",
    fix = "to make it reversible, give the definition: `m.drop_column_with(\"table\", \"column\", Text)`",
);
gate!(
    /// Gate of `alter_column_type` without the old type.
    AlterColumnTypeGate,
    message = "`alter_column_type` cannot be undone automatically: the migration does not say what the old type was",
    fix = "to make it reversible, give the old type: `m.alter_column_type_from(\"table\", \"column\", OldType, NewType)`",
);
gate!(
    /// Gate of `set_default` without the old default.
    SetDefaultGate,
    message = "`set_default` cannot be undone automatically: the migration does not say what the old default was",
    fix = "to make it reversible, give the old default: `m.change_default(\"table\", \"column\", old, Some(new))` (`None` for no default)",
);
gate!(
    /// Gate of `drop_default` without the old default.
    DropDefaultGate,
    message = "`drop_default` cannot be undone automatically: the migration does not say what the old default was",
    fix = "to make it reversible, give the old default: `m.change_default(\"table\", \"column\", Some(old), None)`",
);
gate!(
    /// Gate of `drop_index` without the index's definition.
    DropIndexGate,
    message = "`drop_index` cannot be undone automatically: the migration does not say how the index was defined",
    fix = "to make it reversible, give the definition: `m.drop_index_with(\"name\", \"table\", [\"column\"])`",
);
gate!(
    /// Gate of `drop_index_concurrently` without the index's definition.
    DropIndexConcurrentlyGate,
    message = "`drop_index_concurrently` cannot be undone automatically: the migration does not say how the index was defined",
    fix = "to make it reversible, give the definition: `m.drop_index_concurrently_with(\"name\", \"table\", [\"column\"])`",
);
gate!(
    /// Gate of `drop_constraint` without the constraint's definition.
    DropConstraintGate,
    message = "`drop_constraint` cannot be undone automatically: the migration does not say what the constraint was",
    fix = "to make it reversible, use `drop_foreign_key_with`, `drop_unique_with` or `drop_check_with`, which take the definition",
);
gate!(
    /// Gate of `drop_enum` without the enum's values.
    DropEnumGate,
    message = "`drop_enum` cannot be undone automatically: the migration does not say what the values were",
    fix = "to make it reversible, give the values: `m.drop_enum_with(\"name\", [\"a\", \"b\"])`",
);
gate!(
    /// Gate of `add_enum_value`: PostgreSQL cannot remove a value from an enum.
    AddEnumValueGate,
    message = "`add_enum_value` cannot be undone: PostgreSQL cannot remove a value from an enum type",
    fix = "an enum value cannot be removed; if a down is still wanted, it must rebuild the type by hand",
);
gate!(
    /// Gate of `add_enum_value_before`: PostgreSQL cannot remove a value from an enum.
    AddEnumValueBeforeGate,
    message = "`add_enum_value_before` cannot be undone: PostgreSQL cannot remove a value from an enum type",
    fix = "an enum value cannot be removed; if a down is still wanted, it must rebuild the type by hand",
);
gate!(
    /// Gate of `add_enum_value_after`: PostgreSQL cannot remove a value from an enum.
    AddEnumValueAfterGate,
    message = "`add_enum_value_after` cannot be undone: PostgreSQL cannot remove a value from an enum type",
    fix = "an enum value cannot be removed; if a down is still wanted, it must rebuild the type by hand",
);
gate!(
    /// Gate of `update` without a reverse.
    UpdateGate,
    message = "`update` cannot be undone automatically: the migration does not say how to restore the old values",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.update(...); }}, |down| {{ down.update(...); }})`",
);
gate!(
    /// Gate of `insert` without a reverse.
    InsertGate,
    message = "`insert` cannot be undone automatically: the migration does not say how to remove the rows",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.insert(...); }}, |down| {{ down.delete(...); }})`",
);
gate!(
    /// Gate of `delete` without a reverse.
    DeleteGate,
    message = "`delete` cannot be undone automatically: the migration does not say how to restore the rows",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.delete(...); }}, |down| {{ down.insert(...); }})`",
);
gate!(
    /// Gate of `ensure_schema`: the schema may have existed.
    EnsureSchemaGate,
    message = "`ensure_schema` cannot be undone automatically: the schema may have existed before the migration, and dropping it could drop what the migration did not make",
    fix = "to make it reversible, use `create_schema`, which fails if the schema exists and is undone by dropping it",
);
gate!(
    /// Gate of `ensure_extension`: the extension may have been installed.
    EnsureExtensionGate,
    message = "`ensure_extension` cannot be undone automatically: the extension may have been installed before the migration, and dropping it could drop what the migration did not make",
    fix = "to make it reversible, use `create_extension`, which fails if the extension is installed and is undone by dropping it",
);
gate!(
    /// Gate of `unchecked_sql` without down SQL.
    UncheckedSqlGate,
    message = "`unchecked_sql` cannot be undone automatically: raw SQL has no known inverse",
    fix = "to make it reversible, pair it with its down SQL: `m.reversible(|up| {{ up.unchecked_sql(\"...\"); }}, |down| {{ down.unchecked_sql(\"...\"); }})`",
);
gate!(
    /// Gate of `backfill` without a reverse.
    BackfillGate,
    message = "`backfill` cannot be undone automatically: the migration does not say how to restore the old values",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.backfill(...); }}, |down| {{ /* e.g. nothing, when the down drops the column */ }})`",
);

gate!(
    /// Gate of `drop_view` without the view's definition.
    DropViewGate,
    message = "`drop_view` cannot be undone automatically: the migration does not say how the view was defined",
    fix = "to make it reversible, give the definition: `m.drop_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `drop_view_if_exists`: the view may not have existed.
    DropViewIfExistsGate,
    message = "`drop_view_if_exists` cannot be undone automatically: the view may not have existed, and the migration does not say how it was defined",
    fix = "to make it reversible, drop a view that exists, with its definition: `m.drop_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `drop_view_cascade`: what the cascade drops is unknown.
    DropViewCascadeGate,
    message = "`drop_view_cascade` cannot be undone automatically: CASCADE also drops the objects that depend on the view, which the migration does not list",
    fix = "to make it reversible, drop the dependent objects first with their definitions, then the view: `m.drop_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `create_or_replace_view` without the definition it replaces.
    CreateOrReplaceViewGate,
    message = "`create_or_replace_view` cannot be undone automatically: the migration does not say what the view was before (or whether it existed)",
    fix = "to make it reversible, give the old query: `m.replace_view(\"name\", \"SELECT old ...\", \"SELECT new ...\")`, or `m.create_view(..)` for a new view",
);
gate!(
    /// Gate of `drop_materialized_view` without its definition.
    DropMaterializedViewGate,
    message = "`drop_materialized_view` cannot be undone automatically: the migration does not say how the materialized view was defined",
    fix = "to make it reversible, give the definition: `m.drop_materialized_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `drop_materialized_view_if_exists`: it may not have existed.
    DropMaterializedViewIfExistsGate,
    message = "`drop_materialized_view_if_exists` cannot be undone automatically: the materialized view may not have existed, and the migration does not say how it was defined",
    fix = "to make it reversible, drop one that exists, with its definition: `m.drop_materialized_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `drop_materialized_view_cascade`: what the cascade drops is unknown.
    DropMaterializedViewCascadeGate,
    message = "`drop_materialized_view_cascade` cannot be undone automatically: CASCADE also drops the objects that depend on the materialized view, which the migration does not list",
    fix = "to make it reversible, drop the dependent objects first with their definitions, then `m.drop_materialized_view_with(\"name\", \"SELECT ...\")`",
);
gate!(
    /// Gate of `set_comment` without the old comment.
    SetCommentGate,
    message = "`set_comment` cannot be undone automatically: the migration does not say what the comment was before",
    fix = "to make it reversible, give the old comment: `m.change_comment(target, Some(\"old\"), Some(\"new\"))` (`None` for no comment)",
);

gate!(
    /// Gate of `drop_function` without the function's definition.
    DropFunctionGate,
    message = "`drop_function` cannot be undone automatically: the migration does not say how the function was defined",
    fix = "to make it reversible, give the definition: `m.drop_function_with(FunctionDef::new(\"name\").arg(..).returns(..).language(..).body(..))`",
);
gate!(
    /// Gate of `drop_procedure` without the procedure's definition.
    DropProcedureGate,
    message = "`drop_procedure` cannot be undone automatically: the migration does not say how the procedure was defined",
    fix = "to make it reversible, give the definition: `m.drop_procedure_with(ProcedureDef::new(\"name\").arg(..).language(..).body(..))`",
);
gate!(
    /// Gate of `drop_trigger` without the trigger's definition.
    DropTriggerGate,
    message = "`drop_trigger` cannot be undone automatically: the migration does not say how the trigger was defined",
    fix = "to make it reversible, give the definition: `m.drop_trigger_with(TriggerDef::new(\"name\", \"table\").after().on_insert().for_each_row().execute(\"function\"))`",
);
gate!(
    /// Gate of `drop_function_if_exists`: the function may not have existed.
    DropFunctionIfExistsGate,
    message = "`drop_function_if_exists` cannot be undone automatically: the function may not have existed, and the migration does not say how it was defined",
    fix = "to make it reversible, use `drop_function_with(definition)`, which fails if the function is missing and is undone by creating it",
);
gate!(
    /// Gate of `create_or_replace_function` without the old definition.
    CreateOrReplaceFunctionGate,
    message = "`create_or_replace_function` cannot be undone automatically: the function may have existed with another definition, which the migration does not give",
    fix = "to make it reversible, use `create_function(def)` for a new function, or `replace_function(old, new)` with the definition in place",
);
gate!(
    /// Gate of `drop_trigger_if_exists`: the trigger may not have existed.
    DropTriggerIfExistsGate,
    message = "`drop_trigger_if_exists` cannot be undone automatically: the trigger may not have existed, and the migration does not say how it was defined",
    fix = "to make it reversible, use `drop_trigger_with(definition)`, which fails if the trigger is missing and is undone by creating it",
);
gate!(
    /// Gate of `drop_function_cascade`: what the cascade drops is unknown.
    DropFunctionCascadeGate,
    message = "`drop_function_cascade` cannot be undone automatically: CASCADE also drops what depends on the function (triggers, views, defaults), which the migration does not list",
    fix = "to make it reversible, drop the dependents first with their definitions (`drop_trigger_with`, ..), then the function with `drop_function_with(definition)`",
);

gate!(
    /// Gate of `insert_select` without a reverse.
    InsertSelectGate,
    message = "`insert_select` cannot be undone automatically: the migration does not say how to remove the rows it copies",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.insert_select(...); }}, |down| {{ down.delete(...); }})`",
);
gate!(
    /// Gate of `update_from` without a reverse.
    UpdateFromGate,
    message = "`update_from` cannot be undone automatically: the migration does not say how to restore the old values",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.update_from(...); }}, |down| {{ down.update(...); }})`",
);
gate!(
    /// Gate of `delete_using` without a reverse.
    DeleteUsingGate,
    message = "`delete_using` cannot be undone automatically: the migration does not say how to restore the rows",
    fix = "to make it reversible, pair it with its reverse: `m.reversible(|up| {{ up.delete_using(...); }}, |down| {{ down.insert_select(...); }})`",
);
gate!(
    /// Gate of `alter_constraint` without the current setting.
    AlterConstraintGate,
    message = "`alter_constraint` cannot be undone automatically: the migration does not say whether the constraint was deferrable before",
    fix = "to make it reversible, give the current setting: `m.alter_constraint_from(\"table\", \"name\", Deferrable::NotDeferrable, Deferrable::InitiallyDeferred)`",
);

gate!(
    /// Gate of `drop_sequence` without the sequence's options.
    DropSequenceGate,
    message = "`drop_sequence` cannot be undone automatically: the migration does not say what the sequence looked like",
    fix = "to make it reversible, give its options: `m.drop_sequence_with(\"name\").increment(1)` (nothing chained: the defaults)",
);
gate!(
    /// Gate of `ensure_sequence`: the sequence may have existed.
    EnsureSequenceGate,
    message = "`ensure_sequence` cannot be undone automatically: the sequence may have existed before the migration, and dropping it could drop what the migration did not make",
    fix = "to make it reversible, use `create_sequence`, which fails if the sequence exists and is undone by dropping it",
);
gate!(
    /// Gate of `drop_sequence_if_exists`: what it drops is unknown.
    DropSequenceIfExistsGate,
    message = "`drop_sequence_if_exists` cannot be undone automatically: the sequence may not have existed, and the migration does not say what it looked like",
    fix = "to make it reversible, drop a sequence that exists, with its options: `m.drop_sequence_with(\"name\")`",
);
gate!(
    /// Gate of `alter_sequence` without the old options.
    AlterSequenceGate,
    message = "`alter_sequence` cannot be undone automatically: the migration does not say what the old options were",
    fix = "to make it reversible, give the old options: `m.alter_sequence_from(\"name\", |old| {{ old.increment(1); }}, |new| {{ new.increment(10); }})`",
);
gate!(
    /// Gate of `restart_sequence`: the old value is unknown.
    RestartSequenceGate,
    message = "`restart_sequence` cannot be undone automatically: it changes the sequence's value, and the migration does not say what it was",
    fix = "a value is data: pair it with its reverse: `m.reversible(|up| {{ up.restart_sequence(...); }}, |down| {{ /* e.g. nothing */ }})`",
);
gate!(
    /// Gate of `set_sequence_value`: the old value is unknown.
    SetSequenceValueGate,
    message = "`set_sequence_value` cannot be undone automatically: it changes the sequence's value, and the migration does not say what it was",
    fix = "a value is data: pair it with its reverse: `m.reversible(|up| {{ up.set_sequence_value(...); }}, |down| {{ /* e.g. nothing */ }})`",
);
gate!(
    /// Gate of `drop_domain` without the domain's definition.
    DropDomainGate,
    message = "`drop_domain` cannot be undone automatically: the migration does not say what the domain looked like",
    fix = "to make it reversible, give the definition: `m.drop_domain_with(\"name\", Text).not_null().check(\"check_name\", Expr::cust(\"VALUE <> ''\"))`",
);
gate!(
    /// Gate of `drop_domain_check` without the check's condition.
    DropDomainCheckGate,
    message = "`drop_domain_check` cannot be undone automatically: the migration does not say what the check was",
    fix = "to make it reversible, give the condition: `m.drop_domain_check_with(\"domain\", \"name\", Expr::cust(\"VALUE > 0\"))`",
);
gate!(
    /// Gate of `drop_type` without the composite type's fields.
    DropTypeGate,
    message = "`drop_type` cannot be undone automatically: the migration does not say what the type's fields were",
    fix = "to make it reversible, give the fields: `m.drop_type_with(\"name\", |t| {{ t.field(\"a\", Integer); }})` (an enum: `drop_enum_with`)",
);

gate!(
    /// Gate of `drop_policy` without the policy's definition.
    DropPolicyGate,
    message = "`drop_policy` cannot be undone automatically: the migration does not say what the policy was",
    fix = "to make it reversible, give the definition: `m.drop_policy_with(\"table\", \"name\", |p| {{ p.for_select().using(...); }})`",
);
