//! The steps and definitions of one family: functions, procedures and triggers.
//!
//! A function or procedure is a [`FunctionDef`]: a typed head (name, arguments,
//! return type, language and attributes) and its body as text. A trigger is a
//! [`TriggerDef`]. Both are plain values built with chained calls, so a migration can
//! keep each version of a definition in a helper `fn` and pass it to `create_*`,
//! `replace_*(old, new)` and `drop_*_with` alike (see [`crate::Migration`]).

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::{ColumnType, Volatility};

use super::Step;

// ----- functions and procedures -------------------------------------------------------

/// Whether a routine is a function or a procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum RoutineKind {
    /// `CREATE FUNCTION`: returns a value, called in expressions.
    Function,
    /// `CREATE PROCEDURE`: returns nothing, run with `CALL`, may commit.
    Procedure,
}

impl RoutineKind {
    /// `function` or `procedure`, as in the SQL keywords and messages.
    pub fn word(self) -> &'static str {
        match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
        }
    }

    fn is_function(&self) -> bool {
        *self == RoutineKind::Function
    }
}

/// How an argument passes its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ArgMode {
    /// `IN` (the default): an input.
    #[default]
    In,
    /// `OUT`: part of the result, not of the call's signature.
    Out,
    /// `INOUT`: both.
    InOut,
    /// `VARIADIC`: the last input, an array taking any number of values.
    Variadic,
}

impl ArgMode {
    fn is_in(mode: &ArgMode) -> bool {
        *mode == ArgMode::In
    }

    /// Whether the argument is part of the routine's identity (its signature).
    pub fn is_input(self) -> bool {
        self != ArgMode::Out
    }
}

/// One argument of a function or procedure.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FunctionArg {
    /// Its name (optional in SQL; named arguments read better in a body).
    pub name: Option<Ident>,
    /// Its type.
    pub ty: ColumnType,
    /// `IN`, `OUT`, `INOUT` or `VARIADIC`.
    #[serde(skip_serializing_if = "ArgMode::is_in")]
    pub mode: ArgMode,
    /// `DEFAULT ..`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<SqlExpr>,
}

/// What a function returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Returns {
    /// One value of a type: `RETURNS type`.
    Type(ColumnType),
    /// A set of values: `RETURNS SETOF type`.
    SetOf(ColumnType),
    /// Rows: `RETURNS TABLE (column type, ..)`.
    Table(Vec<(Ident, ColumnType)>),
    /// A trigger function: `RETURNS trigger`.
    Trigger,
    /// Nothing: `RETURNS void`.
    Void,
}

/// `PARALLEL SAFE / RESTRICTED / UNSAFE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Parallel {
    /// `PARALLEL SAFE`: may run in parallel workers.
    Safe,
    /// `PARALLEL RESTRICTED`: only in the parallel group's leader.
    Restricted,
    /// `PARALLEL UNSAFE` (PostgreSQL's default): forces a serial plan.
    Unsafe,
}

/// One `SET name = value, ..` of a function: a configuration parameter set while it
/// runs (`search_path` above all, see [`FunctionDef::search_path`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FunctionSetting {
    /// The parameter, e.g. `search_path` or `work_mem`.
    pub name: Ident,
    /// Its values, each written as a string literal (`search_path` takes a list; an
    /// empty list is the empty string, `''`).
    pub values: Vec<String>,
}

/// A function or procedure: `CREATE FUNCTION name (args) RETURNS .. LANGUAGE .. AS
/// $body$..$body$`. Build it with [`FunctionDef::new`] (or [`ProcedureDef::new`]) and
/// chained calls; the body is sent dollar-quoted, exactly as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FunctionDef {
    /// Function or procedure.
    pub kind: RoutineKind,
    /// Its (schema-qualified) name.
    pub name: ObjectName,
    /// Its arguments, in order.
    pub args: Vec<FunctionArg>,
    /// What it returns: `None` for a procedure, or a function whose `OUT` arguments
    /// make its result.
    pub returns: Option<Returns>,
    /// The language: `sql`, `plpgsql`, or any installed one.
    pub language: String,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE`; `None` is PostgreSQL's default (volatile).
    pub volatility: Option<Volatility>,
    /// `STRICT`: returns NULL at once when any argument is NULL.
    pub strict: bool,
    /// `SECURITY DEFINER`: runs with its owner's privileges.
    pub security_definer: bool,
    /// `PARALLEL ..`; `None` is PostgreSQL's default (unsafe).
    pub parallel: Option<Parallel>,
    /// `SET name = value` clauses.
    pub settings: Vec<FunctionSetting>,
    /// The body, as written.
    pub body: String,
}

/// A procedure's definition: the subset of [`FunctionDef`] a procedure takes (no
/// return type, volatility, strictness or parallel safety). Build it with
/// [`ProcedureDef::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProcedureDef(pub(crate) FunctionDef);

impl ProcedureDef {
    /// The definition as a [`FunctionDef`] of kind [`RoutineKind::Procedure`].
    pub fn into_def(self) -> FunctionDef {
        self.0
    }
}

/// What names a function or procedure to `DROP`: its name and the types of its input
/// arguments (`IN`, `INOUT`, `VARIADIC`), which tell overloads apart.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RoutineSignature {
    /// Function or procedure.
    pub kind: RoutineKind,
    /// Its name.
    pub name: ObjectName,
    /// The types of its input arguments.
    pub arg_types: Vec<ColumnType>,
}

impl FunctionDef {
    /// The signature that names this routine to `DROP`.
    pub fn signature(&self) -> RoutineSignature {
        RoutineSignature {
            kind: self.kind,
            name: self.name.clone(),
            arg_types: self
                .args
                .iter()
                .filter(|a| a.mode.is_input())
                .map(|a| a.ty.clone())
                .collect(),
        }
    }

    /// Whether `CREATE OR REPLACE` can turn `self` into `new`: PostgreSQL refuses to
    /// change a routine's kind, return type, argument names or `OUT` arguments, or to
    /// remove an argument's default, and with other input types it would create a
    /// second overload instead of replacing this one. When it cannot, `replace_*`
    /// drops the old routine and creates the new one.
    pub fn replaceable_by(&self, new: &FunctionDef) -> bool {
        let same_args = self.args.len() == new.args.len()
            && self.args.iter().zip(&new.args).all(|(old, new)| {
                old.name == new.name
                    && same_routine_type(&old.ty, &new.ty)
                    && old.mode == new.mode
                    && (old.default.is_none() || new.default.is_some())
            });
        let same_returns = match (&self.returns, &new.returns) {
            (Some(Returns::Type(a)), Some(Returns::Type(b)))
            | (Some(Returns::SetOf(a)), Some(Returns::SetOf(b))) => same_routine_type(a, b),
            (Some(Returns::Table(a)), Some(Returns::Table(b))) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((na, ta), (nb, tb))| na == nb && same_routine_type(ta, tb))
            }
            (a, b) => a == b,
        };
        self.kind == new.kind && self.name == new.name && same_args && same_returns
    }
}

/// Whether two types are the same to a routine's head: PostgreSQL keeps no type
/// modifiers there (`numeric(12, 2)` and `numeric(14, 4)` are both `numeric`).
fn same_routine_type(a: &ColumnType, b: &ColumnType) -> bool {
    match (a, b) {
        (ColumnType::Varchar(_), ColumnType::Varchar(_))
        | (ColumnType::Char(_), ColumnType::Char(_))
        | (
            ColumnType::Numeric(..) | ColumnType::UnconstrainedNumeric,
            ColumnType::Numeric(..) | ColumnType::UnconstrainedNumeric,
        ) => true,
        (ColumnType::Array(a), ColumnType::Array(b)) => same_routine_type(a, b),
        _ => a == b,
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The steps of functions and procedures.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum RoutineStep {
    /// `CREATE FUNCTION` / `CREATE PROCEDURE`; undone by dropping it.
    Create(FunctionDef),
    /// `CREATE OR REPLACE` with the new definition; undone by putting back the old. When
    /// the heads differ where `CREATE OR REPLACE` cannot follow
    /// ([`FunctionDef::replaceable_by`]), rendered as `DROP` then `CREATE`.
    Replace {
        /// The definition in place before.
        old: FunctionDef,
        /// The definition after.
        new: FunctionDef,
    },
    /// `DROP FUNCTION` / `DROP PROCEDURE`; with its definition it can be re-created.
    Drop {
        /// What names it.
        signature: RoutineSignature,
        /// Its definition, when the migration gave it.
        definition: Option<FunctionDef>,
        /// `IF EXISTS`: no inverse (the routine may not have been there).
        #[serde(skip_serializing_if = "is_false")]
        if_exists: bool,
        /// `CASCADE`: also drops what depends on it (triggers, views, defaults); no
        /// inverse (what it drops is unknown).
        #[serde(skip_serializing_if = "is_false")]
        cascade: bool,
    },
    /// `CREATE OR REPLACE` without the old definition: no inverse (the routine may have
    /// existed, with another definition).
    CreateOrReplace(FunctionDef),
    /// `ALTER FUNCTION / PROCEDURE name(input types) RENAME TO ..` (the schema stays).
    Rename {
        /// The routine, by its current name.
        signature: RoutineSignature,
        /// The new name.
        to: Ident,
    },
}

impl RoutineStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        let function = match self {
            RoutineStep::Create(def) => def.kind.is_function(),
            RoutineStep::Replace { new, .. } => new.kind.is_function(),
            RoutineStep::Drop { signature, .. } => signature.kind.is_function(),
            RoutineStep::CreateOrReplace(def) => def.kind.is_function(),
            RoutineStep::Rename { signature, .. } => signature.kind.is_function(),
        };
        match (self, function) {
            (RoutineStep::Create(_), true) => "create_function",
            (RoutineStep::Create(_), false) => "create_procedure",
            (RoutineStep::Replace { .. }, true) => "replace_function",
            (RoutineStep::Replace { .. }, false) => "replace_procedure",
            (RoutineStep::Drop { cascade: true, .. }, true) => "drop_function_cascade",
            (RoutineStep::Drop { cascade: true, .. }, false) => "drop_procedure_cascade",
            (
                RoutineStep::Drop {
                    if_exists: true, ..
                },
                true,
            ) => "drop_function_if_exists",
            (
                RoutineStep::Drop {
                    if_exists: true, ..
                },
                false,
            ) => "drop_procedure_if_exists",
            (RoutineStep::Drop { .. }, true) => "drop_function",
            (RoutineStep::Drop { .. }, false) => "drop_procedure",
            (RoutineStep::CreateOrReplace(_), true) => "create_or_replace_function",
            (RoutineStep::CreateOrReplace(_), false) => "create_or_replace_procedure",
            (RoutineStep::Rename { .. }, true) => "rename_function",
            (RoutineStep::Rename { .. }, false) => "rename_procedure",
        }
    }

    /// Always `true`: routines are created and dropped inside a transaction.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` for a drop without the definition.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: RoutineStep| Some(vec![Step::Routine(s)]);
        match self {
            RoutineStep::Create(def) => one(RoutineStep::Drop {
                signature: def.signature(),
                definition: Some(def.clone()),
                if_exists: false,
                cascade: false,
            }),
            RoutineStep::Replace { old, new } => one(RoutineStep::Replace {
                old: new.clone(),
                new: old.clone(),
            }),
            RoutineStep::Drop {
                if_exists: true, ..
            }
            | RoutineStep::Drop { cascade: true, .. }
            | RoutineStep::CreateOrReplace(_) => None,
            RoutineStep::Rename { signature, to } => one(RoutineStep::Rename {
                signature: RoutineSignature {
                    name: signature.name.with_name(to.clone()),
                    ..signature.clone()
                },
                to: signature.name.name.clone(),
            }),
            RoutineStep::Drop { definition, .. } => {
                definition.clone().and_then(|d| one(RoutineStep::Create(d)))
            }
        }
    }

    /// What the plan's checks refuse in this step.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            RoutineStep::Create(def) | RoutineStep::CreateOrReplace(def) => def.problems(&mut out),
            RoutineStep::Rename { signature, to } => {
                object(&mut out, signature.kind.word(), &signature.name);
                for ty in &signature.arg_types {
                    type_name(&mut out, ty);
                }
                ident(&mut out, "new name", to);
            }
            RoutineStep::Replace { old, new } => {
                old.problems(&mut out);
                new.problems(&mut out);
                if old.kind != new.kind || old.name != new.name {
                    out.push(format!(
                        "`replace_{}` changes the name (`{}` to `{}`): replace keeps the name; \
                         drop the old one with `drop_{}_with` and create the new one",
                        new.kind.word(),
                        old.name,
                        new.name,
                        old.kind.word()
                    ));
                }
            }
            RoutineStep::Drop {
                signature,
                definition,
                ..
            } => {
                object(&mut out, signature.kind.word(), &signature.name);
                for ty in &signature.arg_types {
                    type_name(&mut out, ty);
                }
                if let Some(def) = definition {
                    def.problems(&mut out);
                }
            }
        }
        out
    }
}

impl FunctionDef {
    fn problems(&self, out: &mut Vec<String>) {
        let what = self.kind.word();
        object(out, what, &self.name);
        for arg in &self.args {
            if let Some(name) = &arg.name {
                ident(out, "argument", name);
            }
            type_name(out, &arg.ty);
        }
        if self.language.trim().is_empty() {
            out.push(format!("{what} `{}` has no language: call `.language(\"sql\")` or `.language(\"plpgsql\")`", self.name));
        }
        if self.body.trim().is_empty() {
            out.push(format!("{what} `{}` has an empty body", self.name));
        }
        let outputs = self
            .args
            .iter()
            .any(|a| !ArgMode::is_in(&a.mode) && a.mode != ArgMode::Variadic);
        match (&self.returns, self.kind) {
            (None, RoutineKind::Function) if !outputs => out.push(format!(
                "function `{}` has no return type: call `.returns(..)` (or `.returns_void()`), or give it `OUT` arguments",
                self.name
            )),
            (Some(_), RoutineKind::Procedure) => out.push(format!(
                "procedure `{}` has a return type: procedures return nothing",
                self.name
            )),
            (Some(Returns::Trigger), _) if !self.args.is_empty() => out.push(format!(
                "trigger function `{}` declares arguments: a trigger function takes none \
                 (its trigger's arguments are in `TG_ARGV`)",
                self.name
            )),
            (Some(Returns::Table(columns)), _) => {
                if outputs {
                    out.push(format!(
                        "function `{}` has both `OUT` arguments and `RETURNS TABLE`: the \
                         table's columns are its outputs; use one or the other",
                        self.name
                    ));
                }
                if columns.is_empty() {
                    out.push(format!("function `{}` returns a table without columns", self.name));
                }
                for (name, ty) in columns {
                    ident(out, "result column", name);
                    type_name(out, ty);
                }
            }
            (Some(Returns::Type(ty) | Returns::SetOf(ty)), _) => type_name(out, ty),
            _ => {}
        }
        let mut variadic_seen = false;
        for arg in &self.args {
            if variadic_seen && arg.mode.is_input() {
                out.push(format!(
                    "{what} `{}`: a `VARIADIC` argument must be the last input argument",
                    self.name
                ));
                break;
            }
            variadic_seen |= arg.mode == ArgMode::Variadic;
        }
        for setting in &self.settings {
            ident(out, "setting", &setting.name);
        }
        // PostgreSQL docs, "Writing SECURITY DEFINER Functions Safely": without a
        // pinned search_path, whoever calls the function can put their own objects in
        // its way and run them with the owner's privileges.
        if self.security_definer && !self.pins_search_path() {
            out.push(format!(
                "{what} `{}` is SECURITY DEFINER without a pinned search_path: any caller could \
                 put objects of their own first in the search path and have them run with the \
                 owner's privileges; add `.search_path([\"{}\", \"pg_temp\"])` (or \
                 `.empty_search_path()` with every name in the body schema-qualified)",
                self.name,
                self.name.schema.as_ref().map_or("public", Ident::as_str)
            ));
        }
    }

    fn pins_search_path(&self) -> bool {
        self.settings
            .iter()
            .any(|s| s.name.as_str().eq_ignore_ascii_case("search_path"))
    }
}

// ----- triggers ------------------------------------------------------------------------

/// When a trigger fires, relative to the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TriggerTiming {
    /// `BEFORE`.
    Before,
    /// `AFTER`.
    After,
    /// `INSTEAD OF` (views only).
    InsteadOf,
}

/// What fires a trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TriggerEvent {
    /// `INSERT`.
    Insert,
    /// `UPDATE`, or `UPDATE OF columns` when the list is not empty.
    Update(Vec<Ident>),
    /// `DELETE`.
    Delete,
    /// `TRUNCATE` (statement-level triggers only).
    Truncate,
}

/// `FOR EACH ROW` or `FOR EACH STATEMENT`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TriggerLevel {
    /// `FOR EACH STATEMENT` (PostgreSQL's default).
    #[default]
    Statement,
    /// `FOR EACH ROW`.
    Row,
}

/// A trigger: `CREATE TRIGGER name {BEFORE | AFTER | INSTEAD OF} events ON table
/// [REFERENCING ..] FOR EACH {ROW | STATEMENT} [WHEN (..)] EXECUTE FUNCTION f(args)`.
/// Build it with [`TriggerDef::new`] and chained calls.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TriggerDef {
    /// The trigger's name (unique per table).
    pub name: Ident,
    /// The table (or view) it is on.
    pub table: ObjectName,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`; the plan refuses a trigger without.
    pub timing: Option<TriggerTiming>,
    /// The events, ORed.
    pub events: Vec<TriggerEvent>,
    /// `FOR EACH ROW` or `FOR EACH STATEMENT`.
    pub level: TriggerLevel,
    /// `WHEN (..)`: a condition on `OLD` and `NEW` (boxed: an expression is large).
    pub when: Option<Box<SqlExpr>>,
    /// `REFERENCING OLD TABLE AS ..` (a transition table; `AFTER` triggers only).
    pub old_table: Option<Ident>,
    /// `REFERENCING NEW TABLE AS ..`.
    pub new_table: Option<Ident>,
    /// The trigger function; the plan refuses a trigger without.
    pub function: Option<ObjectName>,
    /// The function's literal arguments (`TG_ARGV`).
    pub args: Vec<String>,
}

/// Which triggers `ENABLE` / `DISABLE TRIGGER` applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TriggerSelector {
    /// One trigger, by name.
    Named(Ident),
    /// `USER`: every trigger on the table except the internal ones (foreign keys).
    User,
}

/// The steps of triggers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum TriggerStep {
    /// `CREATE TRIGGER`; undone by dropping it.
    Create(TriggerDef),
    /// `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+) with the new definition; undone by
    /// putting back the old one.
    Replace {
        /// The definition in place before.
        old: TriggerDef,
        /// The definition after.
        new: TriggerDef,
    },
    /// `DROP TRIGGER name ON table`; with its definition it can be re-created.
    Drop {
        /// The table.
        table: ObjectName,
        /// The trigger's name.
        name: Ident,
        /// Its definition, when the migration gave it.
        definition: Option<TriggerDef>,
        /// `IF EXISTS`: no inverse (the trigger may not have been there).
        #[serde(skip_serializing_if = "is_false")]
        if_exists: bool,
    },
    /// `ALTER TRIGGER .. ON .. RENAME TO ..`.
    Rename {
        /// The table.
        table: ObjectName,
        /// The trigger's current name.
        from: Ident,
        /// The new name.
        to: Ident,
    },
    /// `ALTER TABLE .. ENABLE TRIGGER ..` / `DISABLE TRIGGER ..`; undone by the other.
    SetEnabled {
        /// The table.
        table: ObjectName,
        /// Which triggers.
        triggers: TriggerSelector,
        /// `true` for `ENABLE`, `false` for `DISABLE`.
        enabled: bool,
    },
}

impl TriggerStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            TriggerStep::Create(_) => "create_trigger",
            TriggerStep::Replace { .. } => "replace_trigger",
            TriggerStep::Drop {
                if_exists: true, ..
            } => "drop_trigger_if_exists",
            TriggerStep::Drop { .. } => "drop_trigger",
            TriggerStep::Rename { .. } => "rename_trigger",
            TriggerStep::SetEnabled {
                triggers: TriggerSelector::Named(_),
                enabled: true,
                ..
            } => "enable_trigger",
            TriggerStep::SetEnabled {
                triggers: TriggerSelector::Named(_),
                enabled: false,
                ..
            } => "disable_trigger",
            TriggerStep::SetEnabled { enabled: true, .. } => "enable_user_triggers",
            TriggerStep::SetEnabled { enabled: false, .. } => "disable_user_triggers",
        }
    }

    /// Always `true`.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` for a drop without the definition.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: TriggerStep| Some(vec![Step::Trigger(s)]);
        match self {
            TriggerStep::Create(def) => one(TriggerStep::Drop {
                table: def.table.clone(),
                name: def.name.clone(),
                definition: Some(def.clone()),
                if_exists: false,
            }),
            TriggerStep::Replace { old, new } => one(TriggerStep::Replace {
                old: new.clone(),
                new: old.clone(),
            }),
            TriggerStep::Drop {
                if_exists: true, ..
            } => None,
            TriggerStep::Drop { definition, .. } => {
                definition.clone().and_then(|d| one(TriggerStep::Create(d)))
            }
            TriggerStep::Rename { table, from, to } => one(TriggerStep::Rename {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            TriggerStep::SetEnabled {
                table,
                triggers,
                enabled,
            } => one(TriggerStep::SetEnabled {
                table: table.clone(),
                triggers: triggers.clone(),
                enabled: !enabled,
            }),
        }
    }

    /// What the plan's checks refuse in this step.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            TriggerStep::Create(def) => def.problems(&mut out),
            TriggerStep::Replace { old, new } => {
                old.problems(&mut out);
                new.problems(&mut out);
                if old.name != new.name || old.table != new.table {
                    out.push(format!(
                        "`replace_trigger` changes the trigger's name or table (`{}` on `{}` to \
                         `{}` on `{}`): replace keeps both; drop the old one with \
                         `drop_trigger_with` and create the new one",
                        old.name, old.table, new.name, new.table
                    ));
                }
            }
            TriggerStep::Drop {
                table,
                name,
                definition,
                ..
            } => {
                object(&mut out, "table", table);
                ident(&mut out, "trigger", name);
                if let Some(def) = definition {
                    def.problems(&mut out);
                    if def.name != *name || def.table != *table {
                        out.push(format!(
                            "the definition given is of trigger `{}` on `{}`, not `{name}` on `{table}`",
                            def.name, def.table
                        ));
                    }
                }
            }
            TriggerStep::Rename { table, from, to } => {
                object(&mut out, "table", table);
                ident(&mut out, "trigger", from);
                ident(&mut out, "new trigger name", to);
            }
            TriggerStep::SetEnabled {
                table, triggers, ..
            } => {
                object(&mut out, "table", table);
                if let TriggerSelector::Named(name) = triggers {
                    ident(&mut out, "trigger", name);
                }
            }
        }
        out
    }
}

impl TriggerDef {
    fn problems(&self, out: &mut Vec<String>) {
        ident(out, "trigger", &self.name);
        object(out, "table", &self.table);
        let name = &self.name;
        match &self.function {
            Some(function) => object(out, "trigger function", function),
            None => out.push(format!(
                "trigger `{name}` has no function: call `.execute(\"schema.function\")`"
            )),
        }
        if self.timing.is_none() {
            out.push(format!(
                "trigger `{name}` has no timing: call `.before()`, `.after()` or `.instead_of()`"
            ));
        }
        if self.events.is_empty() {
            out.push(format!(
                "trigger `{name}` has no event: call `.on_insert()`, `.on_update()`, \
                 `.on_update_of(..)`, `.on_delete()` or `.on_truncate()`"
            ));
        }
        let kinds: Vec<_> = self.events.iter().map(std::mem::discriminant).collect();
        if (1..kinds.len()).any(|i| kinds[..i].contains(&kinds[i])) {
            out.push(format!(
                "trigger `{name}` lists an event twice: give each of INSERT, UPDATE, DELETE \
                 and TRUNCATE once (`.on_update_of(..)` takes every column)"
            ));
        }
        for event in &self.events {
            if let TriggerEvent::Update(columns) = event {
                for column in columns {
                    ident(out, "column", column);
                }
            }
        }
        let row = self.level == TriggerLevel::Row;
        if row && self.events.contains(&TriggerEvent::Truncate) {
            out.push(format!(
                "trigger `{name}` fires on TRUNCATE for each row: TRUNCATE triggers are \
                 statement-level only"
            ));
        }
        if self.timing == Some(TriggerTiming::InsteadOf) && (!row || self.when.is_some()) {
            out.push(format!(
                "trigger `{name}` is INSTEAD OF: such triggers are FOR EACH ROW \
                 (`.for_each_row()`) and take no WHEN condition"
            ));
        }
        if self.old_table.is_some() || self.new_table.is_some() {
            if self.timing != Some(TriggerTiming::After) {
                out.push(format!(
                    "trigger `{name}` has transition tables (REFERENCING): only AFTER \
                     triggers can have them"
                ));
            }
            if self.events.len() != 1 {
                out.push(format!(
                    "trigger `{name}` has transition tables (REFERENCING): such a trigger \
                     fires on exactly one event"
                ));
            }
        }
        for table in self.old_table.iter().chain(&self.new_table) {
            ident(out, "transition table", table);
        }
    }
}

// ----- checks shared by both families --------------------------------------------------

fn ident(out: &mut Vec<String>, what: &str, name: &Ident) {
    if let Err(e) = name.check() {
        out.push(format!("{what} `{name}`: {e}"));
    }
}

fn object(out: &mut Vec<String>, what: &str, name: &ObjectName) {
    if let Err(e) = name.check() {
        out.push(format!("{what} `{name}`: {e}"));
    }
}

fn type_name(out: &mut Vec<String>, ty: &ColumnType) {
    match ty {
        ColumnType::Named(name) => object(out, "type", name),
        ColumnType::Array(inner) => type_name(out, inner),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::Expr;

    fn f() -> FunctionDef {
        FunctionDef::new("app.f")
            .arg("a", ColumnType::Integer)
            .param(FunctionArg::new("b", ColumnType::Numeric(12, 2)).default(Expr::val(1)))
            .returns(ColumnType::Varchar(10))
            .language("sql")
            .body("SELECT 'x'")
    }

    /// What `CREATE OR REPLACE` accepts, as PostgreSQL 15 answered each case.
    #[test]
    fn replaceable_follows_what_create_or_replace_accepts() {
        let same = |new: FunctionDef| f().replaceable_by(&new);
        assert!(same(f().body("SELECT 'y'").stable().strict()));
        // Type modifiers are not kept.
        assert!(same(f().returns(ColumnType::Varchar(20))));
        let mut wider = f();
        wider.args[1].ty = ColumnType::Numeric(14, 4);
        assert!(same(wider));
        // A default added is accepted; a default removed is not.
        let mut added = f();
        added.args[0].default = Some(Expr::val(0).into());
        assert!(same(added));
        let mut removed = f();
        removed.args[1].default = None;
        assert!(!same(removed));
        // "cannot change name of input parameter".
        let mut renamed = f();
        renamed.args[0].name = Some("z".into());
        assert!(!same(renamed));
        // Another input type makes another overload.
        let mut retyped = f();
        retyped.args[0].ty = ColumnType::BigInt;
        assert!(!same(retyped));
        // "cannot change return type of existing function", OUT arguments included.
        assert!(!same(f().returns(ColumnType::Text)));
        assert!(!same(f().out_arg("n", ColumnType::Integer)));
        assert!(!same(f().returns_setof(ColumnType::Varchar(10))));
    }

    #[test]
    fn the_signature_lists_input_types_only() {
        let def = FunctionDef::new("g")
            .arg("a", ColumnType::Integer)
            .out_arg("b", ColumnType::Text)
            .param(FunctionArg::new("c", ColumnType::Date).inout())
            .param(FunctionArg::unnamed(ColumnType::Integer.array()).variadic());
        assert_eq!(
            def.signature().arg_types,
            [
                ColumnType::Integer,
                ColumnType::Date,
                ColumnType::Integer.array()
            ]
        );
    }

    #[test]
    fn one_way_forms_have_no_inverse_and_pairs_invert_each_other() {
        let drop = RoutineStep::Drop {
            signature: f().signature(),
            definition: Some(f()),
            if_exists: true,
            cascade: false,
        };
        assert_eq!(drop.inverse(), None);
        assert_eq!(RoutineStep::CreateOrReplace(f()).inverse(), None);
        let disable = TriggerStep::SetEnabled {
            table: "t".into(),
            triggers: TriggerSelector::User,
            enabled: false,
        };
        let Some(inverse) = disable.inverse() else {
            panic!("enable/disable invert each other");
        };
        assert_eq!(
            inverse,
            [Step::Trigger(TriggerStep::SetEnabled {
                table: "t".into(),
                triggers: TriggerSelector::User,
                enabled: true,
            })]
        );
    }
}
