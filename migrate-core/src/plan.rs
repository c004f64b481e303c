//! Plans: a migration's steps, their inverses and their SQL, built without a database.
//!
//! Planning is pure. It powers dry runs, `migrate sql`, linting and checksums, and it
//! is where names are checked and the statements are grouped into units: consecutive
//! transactional statements share one transaction; a statement that must run outside
//! a transaction (`CREATE INDEX CONCURRENTLY`) is a unit of its own.

use crate::checksum::Checksum;
use crate::error::{Error, Problem};
use std::collections::BTreeSet;

use crate::ident::{Ident, MAX_IDENT_BYTES, ObjectName};
use crate::migration::{Migration, Recorded};
use crate::mode::Mode;
use crate::registry::{Down, Location, Registration};
use crate::render;
use crate::step::{
    BackfillDef, ColumnDef, ConstraintDef, ConstraintKind, IndexDef, MigrationSettings, Step,
    TableDef,
};
use crate::types::ColumnType;

/// One SQL statement of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL, one statement, without a trailing semicolon.
    pub sql: String,
    /// Index of the step it comes from, in its direction's steps.
    pub step: usize,
    /// The step's name in the DSL.
    pub kind: &'static str,
    /// How the runner executes it.
    pub execution: Execution,
}

impl Statement {
    /// The SQL as written into a script or a multi-statement message, without its
    /// trailing semicolons and whitespace.
    pub(crate) fn text(&self) -> &str {
        render::statement_text(&self.sql)
    }

    /// What ends [`Statement::text`] in a script or a message: `;`, or `\n;` when its
    /// last line may hold a comment.
    pub(crate) fn terminator(&self) -> &'static str {
        render::terminator(self.text())
    }
}

/// How the runner executes a statement: what the plan decided, so that the runner
/// never looks back at the steps or the renderer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Execution {
    /// Inside its unit's transaction ([`Unit::Transaction`]).
    Transactional,
    /// Alone, outside any transaction, sent as is (hand-written SQL that must not run
    /// in a transaction).
    Alone,
    /// `CREATE INDEX CONCURRENTLY`, alone: skipped when the index already exists and
    /// is valid, an invalid index left by a failed build dropped first, and the index
    /// checked valid after the build.
    BuildIndex {
        /// The index, schema-qualified as its table is.
        index: ObjectName,
        /// Its table, quoted (for the pre-flight's invalid-index check).
        table: String,
    },
    /// `DROP INDEX CONCURRENTLY`, alone: skipped when the index is already gone.
    DropIndex {
        /// The index.
        index: ObjectName,
    },
    /// A batched backfill: a loop of keyset batches, each in its own transaction
    /// with its cursor (see [`crate::backfill`]). The statement's SQL is the whole
    /// `UPDATE`, as `migrate sql` prints it; the runner runs the batches instead.
    Backfill(Box<Batches>),
}

impl Execution {
    fn of(step: &Step) -> Self {
        match step {
            Step::CreateIndex(def) if def.concurrently => Self::BuildIndex {
                index: def.qualified_name(),
                table: render::quote_name(&def.table),
            },
            Step::DropIndex {
                index,
                concurrently: true,
                ..
            } => Self::DropIndex {
                index: index.clone(),
            },
            Step::Backfill(def) => Self::Backfill(Box::new(Batches {
                table: render::quote_name(&def.table),
                def: def.clone(),
            })),
            step if step.transactional() => Self::Transactional,
            _ => Self::Alone,
        }
    }
}

/// A backfill as the runner runs it: its definition and the SQL of its batches,
/// rendered once the key (read from the catalog) and the cursor are known.
#[derive(Clone, Debug, PartialEq)]
pub struct Batches {
    def: BackfillDef,
    table: String,
}

impl Batches {
    /// The backfill.
    pub fn def(&self) -> &BackfillDef {
        &self.def
    }

    /// Its table, quoted.
    pub(crate) fn table(&self) -> &str {
        &self.table
    }

    /// The query for the last key of the next batch of `size` rows after `cursor`
    /// (the text of the last key done), returning it as text.
    pub(crate) fn next_upper_sql(
        &self,
        key: &Ident,
        key_type: &str,
        cursor: Option<&str>,
        size: u64,
    ) -> String {
        render::backfill_next_upper(&self.def.table, key, key_type, cursor, size)
    }

    /// One batch: the rows with `cursor < key <= upper` that match the filter.
    pub(crate) fn batch_sql(
        &self,
        key: &Ident,
        key_type: &str,
        cursor: Option<&str>,
        upper: &str,
    ) -> String {
        render::backfill_batch(&self.def, key, key_type, cursor, upper)
    }
}

/// A unit of execution.
#[derive(Clone, Debug, PartialEq)]
pub enum Unit {
    /// Statements that run in one transaction.
    Transaction(Vec<Statement>),
    /// One statement that must run alone, outside any transaction.
    Alone(Statement),
}

impl Unit {
    /// The unit's statements.
    pub fn statements(&self) -> &[Statement] {
        match self {
            Unit::Transaction(s) => s,
            Unit::Alone(s) => std::slice::from_ref(s),
        }
    }
}

/// One direction (up or down) of a migration.
#[derive(Clone, Debug, PartialEq)]
pub struct Direction {
    /// The steps.
    pub steps: Vec<Step>,
    /// Their statements, grouped into units.
    pub units: Vec<Unit>,
}

impl Direction {
    fn build(steps: Vec<Step>) -> Self {
        let mut units: Vec<Unit> = Vec::new();
        // Whether the last unit must not take more statements (it validated).
        let mut sealed = false;
        let mut created = BTreeSet::new();
        for (index, step) in steps.iter().enumerate() {
            for phase in phases(step, &mut created) {
                let statement = Statement {
                    sql: phase.sql,
                    step: index,
                    kind: step.kind(),
                    execution: phase.execution,
                };
                match (phase.transactional, units.last_mut()) {
                    (true, Some(Unit::Transaction(open))) if !sealed && !phase.isolated => {
                        open.push(statement);
                    }
                    (true, _) => units.push(Unit::Transaction(vec![statement])),
                    (false, _) => units.push(Unit::Alone(statement)),
                }
                sealed = phase.isolated;
            }
        }
        Self { steps, units }
    }

    /// Whether the whole direction runs as one transaction, together with its history
    /// row. Otherwise it runs unit by unit, its progress recorded after each, so an
    /// interrupted run resumes where it stopped.
    pub fn is_transactional(&self) -> bool {
        self.units.len() <= 1 && self.units.iter().all(|u| matches!(u, Unit::Transaction(_)))
    }

    /// Every statement, in order.
    pub fn sql(&self) -> Vec<&str> {
        self.statements().map(|s| s.sql.as_str()).collect()
    }

    /// Every statement, in order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.units.iter().flat_map(Unit::statements)
    }
}

/// One statement of a step, as planned.
struct Phase {
    sql: String,
    /// May run inside a transaction.
    transactional: bool,
    /// Runs in a transaction of its own, committed before anything else runs.
    isolated: bool,
    /// How it runs; consistent with `transactional`.
    execution: Execution,
}

impl Phase {
    /// The phases of a leaf step (never [`Step::Reversible`], which [`phases`]
    /// opens).
    fn of(step: &Step) -> Vec<Phase> {
        let transactional = step.transactional();
        let isolated = matches!(step, Step::ValidateConstraint { .. });
        let execution = Execution::of(step);
        render::step(step)
            .into_iter()
            .map(|sql| Phase {
                sql,
                transactional,
                isolated,
                execution: execution.clone(),
            })
            .collect()
    }
}

/// Plans a step into statements, choosing the online protocol where the table already
/// exists (was not created earlier in the same direction):
///
/// - a foreign key or check is added `NOT VALID` (a brief lock), committed, then
///   validated in a transaction of its own, which does not block writes (SAFETY rule 6);
/// - `SET NOT NULL` goes through a `CHECK (col IS NOT NULL) NOT VALID`, validated in
///   its own transaction, so the `SET NOT NULL` that follows skips its scan
///   (PostgreSQL 12+), and the check is dropped (rule 7);
/// - `VALIDATE CONSTRAINT` always runs in a transaction of its own.
fn phases(step: &Step, created: &mut BTreeSet<ObjectName>) -> Vec<Phase> {
    match step {
        Step::Reversible { up, .. } => up.iter().flat_map(|s| phases(s, created)).collect(),
        Step::CreateTable(def) => {
            created.insert(def.name.clone());
            Phase::of(step)
        }
        Step::AddConstraint { table, constraint }
            if !created.contains(table)
                && !constraint.not_valid
                && matches!(
                    constraint.kind,
                    ConstraintKind::ForeignKey(_) | ConstraintKind::Check(_)
                ) =>
        {
            let Some(name) = constraint.name.clone() else {
                return Phase::of(step);
            };
            let mut not_valid = constraint.clone();
            not_valid.not_valid = true;
            let mut out = Phase::of(&Step::AddConstraint {
                table: table.clone(),
                constraint: not_valid,
            });
            out.extend(Phase::of(&Step::ValidateConstraint {
                table: table.clone(),
                name,
            }));
            out
        }
        Step::SetNullability {
            table,
            column,
            not_null: true,
        } if !created.contains(table) => {
            let check = not_null_check_name(table, column);
            let mut out = Phase::of(&Step::AddConstraint {
                table: table.clone(),
                constraint: ConstraintDef {
                    name: Some(check.clone()),
                    kind: ConstraintKind::Check(
                        sea_query::ExprTrait::is_not_null(sea_query::Expr::col(
                            column.as_str().to_owned(),
                        ))
                        .into(),
                    ),
                    not_valid: true,
                },
            });
            out.extend(Phase::of(&Step::ValidateConstraint {
                table: table.clone(),
                name: check.clone(),
            }));
            out.extend(Phase::of(step));
            out.extend(Phase::of(&Step::DropConstraint {
                table: table.clone(),
                name: check,
                definition: None,
            }));
            out
        }
        _ => Phase::of(step),
    }
}

/// Suffix of the temporary check behind an online `SET NOT NULL`.
///
/// PostgreSQL names a constraint it creates itself `<table>_<column>_<label>`, with a
/// number appended on a clash, and the label is one of `pkey`, `key`, `fkey`, `check`,
/// `excl` or (PostgreSQL 18, which catalogues `NOT NULL` as a constraint) `not_null`.
/// A name ending in `_tmp` is none of these, so the check can never take the name
/// that `SET NOT NULL` gives its constraint on PostgreSQL 18 (which would then become
/// `<table>_<column>_not_null1`, a catalog the plain statement would not leave).
const NOT_NULL_CHECK_SUFFIX: &str = "_not_null_tmp";

/// Name of the temporary check behind an online `SET NOT NULL`:
/// `<table>_<column>_not_null_tmp`, the `<table>_<column>` part cut on a character
/// boundary so the whole fits in PostgreSQL's 63 bytes and keeps its suffix.
fn not_null_check_name(table: &ObjectName, column: &Ident) -> Ident {
    let mut stem = format!("{}_{}", table.name, column);
    while stem.len() + NOT_NULL_CHECK_SUFFIX.len() > MAX_IDENT_BYTES {
        stem.pop();
    }
    Ident::new(stem + NOT_NULL_CHECK_SUFFIX)
}

/// A migration's complete plan.
#[derive(Clone, Debug)]
pub struct MigrationPlan {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: &'static str,
    /// Where it is defined.
    pub location: Location,
    /// SHA-256 of the canonical encoding of the up steps.
    pub checksum: Checksum,
    /// The migration's own settings.
    pub settings: MigrationSettings,
    /// The way up.
    pub up: Direction,
    /// The way down; `None` for an irreversible migration.
    pub down: Option<Direction>,
}

impl MigrationPlan {
    /// Plans a registered migration: records it, checks it, derives or records its
    /// down, renders both directions.
    pub fn new(registration: &Registration) -> Result<Self, Error> {
        plan_recorded(registration, registration.up.record())
    }

    /// The SQL of the way up.
    pub fn up_sql(&self) -> Vec<&str> {
        self.up.sql()
    }

    /// The SQL of the way down (empty for an irreversible migration).
    pub fn down_sql(&self) -> Vec<&str> {
        self.down.as_ref().map(Direction::sql).unwrap_or_default()
    }

    /// Whether the migration has a way down.
    pub fn is_reversible(&self) -> bool {
        self.down.is_some()
    }

    /// The plan's [`Header`].
    pub fn header(&self) -> Header {
        Header {
            id: self.id,
            name: self.name,
            location: self.location,
            checksum: self.checksum,
            reversible: self.down.is_some(),
        }
    }
}

/// Plans a migration function directly, without registering it: for tests, docs and
/// previews. A [`Reversible`](crate::Reversible) function gets its derived down; a
/// [`Manual`](crate::Manual) one gets none.
///
/// ```
/// use migrate_core::prelude::*;
/// fn add_bio(m: &mut Migration) {
///     m.add_column("users", "bio", Text).not_null().default("");
/// }
/// let plan = migrate_core::plan::preview(add_bio).unwrap();
/// assert_eq!(plan.up_sql(), [r#"ALTER TABLE "users" ADD COLUMN "bio" text NOT NULL DEFAULT ''"#]);
/// assert_eq!(plan.down_sql(), [r#"ALTER TABLE "users" DROP COLUMN "bio""#]);
/// ```
pub fn preview<M: Mode>(f: fn(&mut Migration<M>)) -> Result<MigrationPlan, Error> {
    fn noop(_: &mut Migration<crate::Manual>) {}
    // A throwaway registration; `up` is replaced by the recorded steps below.
    let mut m = Migration::<M>::new();
    f(&mut m);
    let recorded = m.finish();
    let registration = Registration {
        id: 0,
        name: "preview",
        file: file!(),
        line: line!(),
        module_path: module_path!(),
        up: crate::registry::Up::Manual(noop),
        down: if M::AUTO_DOWN {
            Down::Auto
        } else {
            Down::Irreversible
        },
    };
    plan_recorded(&registration, recorded)
}

fn plan_recorded(registration: &Registration, recorded: Recorded) -> Result<MigrationPlan, Error> {
    let checksum = validate(registration, &recorded)?;
    plan_checked(registration, recorded, checksum)
}

/// Checks a recorded migration (names, lists, allowances) and returns its checksum:
/// everything a run needs to know before it plans.
fn validate(registration: &Registration, recorded: &Recorded) -> Result<Checksum, Error> {
    let mut problems = check(&recorded.steps);
    for allowance in &recorded.settings.allowed {
        if allowance.step.is_none() {
            problems.push(Problem {
                step: 0,
                kind: "allow",
                down: false,
                message: format!(
                    "`allow({:?}, ..)` comes before any step: it acknowledges the step \
                     recorded just before it, so put it right after that step",
                    allowance.rule,
                ),
            });
        }
        if allowance.reason.trim().is_empty() {
            problems.push(Problem {
                step: 0,
                kind: "allow",
                down: false,
                message: format!(
                    "`allow({:?}, ..)` needs a reason: say why breaking `{}` is fine here",
                    allowance.rule,
                    allowance.rule.code()
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidMigration {
            id: registration.id,
            name: registration.name.to_owned(),
            problems,
        });
    }
    Ok(Checksum::of_steps(&recorded.steps))
}

/// Plans a validated migration: derives or records its down, renders both directions.
fn plan_checked(
    registration: &Registration,
    recorded: Recorded,
    checksum: Checksum,
) -> Result<MigrationPlan, Error> {
    let id = registration.id;
    let name = registration.name;
    let down = match registration.down {
        Down::Auto => {
            Some(
                derive_down(&recorded.steps).map_err(|(step, kind)| Error::NotReversible {
                    id,
                    name: name.to_owned(),
                    step,
                    kind,
                })?,
            )
        }
        Down::Manual(f) => {
            // A derived down is built from checked steps; only a hand-written one needs
            // its own check.
            let steps = f().steps;
            let problems: Vec<Problem> = check(&steps)
                .into_iter()
                .map(|mut p| {
                    p.down = true;
                    p
                })
                .collect();
            if !problems.is_empty() {
                return Err(Error::InvalidMigration {
                    id,
                    name: name.to_owned(),
                    problems,
                });
            }
            Some(steps)
        }
        Down::Irreversible => None,
    };
    let Recorded { steps, settings } = recorded;
    Ok(MigrationPlan {
        id,
        name,
        location: registration.location(),
        checksum,
        settings,
        up: Direction::build(steps),
        down: down.map(Direction::build),
    })
}

/// What a run must know of every migration before it plans any: who it is, its
/// checksum and whether it has a way down. Cheap: recording and hashing the steps,
/// no SQL rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: &'static str,
    /// Where it is defined.
    pub location: Location,
    /// SHA-256 of the canonical encoding of the up steps.
    pub checksum: Checksum,
    /// Whether it has a way down (derived or hand-written).
    pub reversible: bool,
}

impl Header {
    /// Records a registered migration, checks its steps and hashes them; the plan
    /// itself is left for [`MigrationPlan::new`].
    pub fn new(registration: &Registration) -> Result<Self, Error> {
        let recorded = registration.up.record();
        let checksum = validate(registration, &recorded)?;
        Ok(Self {
            id: registration.id,
            name: registration.name,
            location: registration.location(),
            checksum,
            reversible: !matches!(registration.down, Down::Irreversible),
        })
    }
}

/// The inverse of a list of steps: each step's inverse, in reverse order. On failure,
/// the index and kind of the first step without an inverse.
pub fn derive_down(steps: &[Step]) -> Result<Vec<Step>, (usize, &'static str)> {
    let mut down = Vec::new();
    for (index, step) in steps.iter().enumerate().rev() {
        down.extend(step.inverse().ok_or((index, step.kind()))?);
    }
    Ok(down)
}

/// Every problem in a list of steps: bad names, empty lists, dangling references.
pub fn check(steps: &[Step]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let mut c = Checker {
            out: &mut out,
            index,
            kind: step.kind(),
        };
        c.step(step);
    }
    out
}

struct Checker<'a> {
    out: &'a mut Vec<Problem>,
    index: usize,
    kind: &'static str,
}

impl Checker<'_> {
    fn problem(&mut self, message: String) {
        self.out.push(Problem {
            step: self.index,
            kind: self.kind,
            down: false,
            message,
        });
    }

    fn name(&mut self, what: &str, name: &crate::Ident) {
        if let Err(e) = name.check() {
            self.problem(format!("{what} `{name}`: {e}"));
        }
    }

    fn object(&mut self, what: &str, name: &ObjectName) {
        if let Err(e) = name.check() {
            self.problem(format!("{what} `{name}`: {e}"));
        }
    }

    fn nonempty<T>(&mut self, what: &str, list: &[T]) {
        if list.is_empty() {
            self.problem(format!("{what} is empty"));
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::CreateTable(def) => self.table(def),
            Step::DropTable { table, definition } => {
                self.object("table", table);
                if let Some(def) = definition {
                    self.table(def);
                }
            }
            Step::RenameTable { from, to } => {
                self.object("table", from);
                self.name("new table name", to);
            }
            Step::AddColumn { table, column } => {
                self.object("table", table);
                self.column(column);
            }
            Step::DropColumn {
                table,
                column,
                definition,
            } => {
                self.object("table", table);
                self.name("column", column);
                if let Some(def) = definition {
                    self.column(def);
                }
            }
            Step::RenameColumn { table, from, to } | Step::RenameConstraint { table, from, to } => {
                self.object("table", table);
                self.name("name", from);
                self.name("new name", to);
            }
            Step::AlterColumnType {
                table,
                column,
                to,
                from,
                ..
            } => {
                self.object("table", table);
                self.name("column", column);
                self.ty(to);
                if let Some(from) = from {
                    self.ty(from);
                }
            }
            Step::ChangeDefault { table, column, .. }
            | Step::SetNullability { table, column, .. } => {
                self.object("table", table);
                self.name("column", column);
            }
            Step::CreateIndex(def) => self.index(def),
            Step::DropIndex {
                index, definition, ..
            } => {
                self.object("index", index);
                if let Some(def) = definition {
                    self.index(def);
                }
            }
            Step::RenameIndex { from, to } => {
                self.object("index", from);
                self.name("new index name", to);
            }
            Step::AddConstraint { table, constraint } => {
                self.object("table", table);
                self.constraint(constraint);
                if constraint.not_valid
                    && matches!(
                        constraint.kind,
                        ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                    )
                {
                    self.problem(
                        "`not_valid` applies to foreign keys and checks only; PostgreSQL builds \
                         a unique index for unique and primary key constraints"
                            .to_owned(),
                    );
                }
            }
            Step::ValidateConstraint { table, name } => {
                self.object("table", table);
                self.name("constraint", name);
            }
            Step::DropConstraint {
                table,
                name,
                definition,
            } => {
                self.object("table", table);
                self.name("constraint", name);
                if let Some(def) = definition {
                    self.constraint(def);
                }
            }
            Step::CreateSchema { name }
            | Step::EnsureSchema { name }
            | Step::DropSchema { name }
            | Step::CreateExtension { name }
            | Step::EnsureExtension { name }
            | Step::DropExtension { name } => self.name("name", name),
            Step::CreateEnum { name, values } => {
                self.object("type", name);
                self.nonempty("the list of enum values", values);
            }
            Step::DropEnum { name, values } => {
                self.object("type", name);
                if let Some(values) = values {
                    self.nonempty("the list of enum values", values);
                }
            }
            Step::AddEnumValue { name, .. } | Step::RenameEnumValue { name, .. } => {
                self.object("type", name);
            }
            Step::Update(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns to set", &def.set);
                for (column, _) in &def.set {
                    self.name("column", column);
                }
            }
            Step::Insert(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns", &def.columns);
                self.nonempty("the list of rows", &def.rows);
                for column in &def.columns {
                    self.name("column", column);
                }
                for (i, row) in def.rows.iter().enumerate() {
                    if row.len() != def.columns.len() {
                        self.problem(format!(
                            "row {} has {} values for {} columns",
                            i + 1,
                            row.len(),
                            def.columns.len()
                        ));
                    }
                }
            }
            Step::Delete(def) => self.object("table", &def.table),
            Step::Backfill(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns to set", &def.set);
                for (column, _) in &def.set {
                    self.name("column", column);
                }
                if let Some(key) = &def.key {
                    self.name("key column", key);
                }
                if def.pacing.batch_size == 0 {
                    self.problem("the batch size is 0; it must be at least 1".to_owned());
                }
            }
            Step::UncheckedSql(sql) => {
                if sql.sql.trim().is_empty() {
                    self.problem("the SQL is empty".to_owned());
                }
            }
            Step::Reversible { up, down } => {
                for s in up.iter().chain(down) {
                    self.step(s);
                }
            }
        }
    }

    fn table(&mut self, def: &TableDef) {
        self.object("table", &def.name);
        self.nonempty("the list of columns", &def.columns);
        let mut seen = std::collections::BTreeSet::new();
        for column in &def.columns {
            if !seen.insert(&column.name) {
                self.problem(format!("column `{}` is defined twice", column.name));
            }
            self.column(column);
        }
        for constraint in &def.constraints {
            self.constraint(constraint);
            if constraint.not_valid {
                self.problem(
                    "`not_valid` has no meaning inside `create_table` (a new table has no rows); \
                     remove it"
                        .to_owned(),
                );
            }
        }
    }

    /// A user-defined type's name (an array's element type too).
    fn ty(&mut self, ty: &ColumnType) {
        match ty {
            ColumnType::Named(name) => self.object("type", name),
            ColumnType::Array(inner) => self.ty(inner),
            _ => {}
        }
    }

    fn column(&mut self, def: &ColumnDef) {
        self.name("column", &def.name);
        self.ty(&def.ty);
        if def.identity.is_some()
            && !matches!(
                def.ty,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            )
        {
            self.problem(format!(
                "column `{}` is an identity column but its type is not smallint, integer or bigint",
                def.name
            ));
        }
        if let Some(r) = &def.references {
            if r.table.name.as_str().is_empty() {
                self.problem(format!(
                    "column `{}` has `on_delete`/`on_update` but no `references(table, column)`",
                    def.name
                ));
            } else {
                self.object("referenced table", &r.table);
                self.name("referenced column", &r.column);
            }
        }
    }

    fn constraint(&mut self, def: &ConstraintDef) {
        if let Some(name) = &def.name {
            self.name("constraint", name);
        }
        match &def.kind {
            ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => {
                self.nonempty("the constraint's column list", cols);
                for c in cols {
                    self.name("column", c);
                }
            }
            ConstraintKind::Check(_) => {}
            ConstraintKind::ForeignKey(fk) => {
                self.nonempty("the foreign key's column list", &fk.columns);
                self.object("referenced table", &fk.ref_table);
                if fk.columns.len() != fk.ref_columns.len() {
                    self.problem(format!(
                        "the foreign key has {} columns but references {}",
                        fk.columns.len(),
                        fk.ref_columns.len()
                    ));
                }
                for c in fk.columns.iter().chain(&fk.ref_columns) {
                    self.name("column", c);
                }
            }
        }
    }

    fn index(&mut self, def: &IndexDef) {
        self.name("index", &def.name);
        self.object("table", &def.table);
        self.nonempty("the index's column list", &def.columns);
        for c in &def.include {
            self.name("included column", c);
        }
        for c in &def.columns {
            if let crate::step::IndexKey::Column(name) = &c.key {
                self.name("column", name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn problems<M: Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
        match preview(f) {
            Err(Error::InvalidMigration { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected an invalid migration, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_name_is_reported_once_even_with_a_derived_down() {
        fn long(m: &mut Migration) {
            m.create_table("t".repeat(64).as_str(), |t| {
                t.column("id", BigInt);
            });
        }
        let found = problems(long);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("63"), "{found:?}");
    }

    #[test]
    fn a_name_with_two_dots_is_an_invalid_migration_naming_the_step() {
        fn dotted(m: &mut Migration) {
            m.create_table("public.users", |t| {
                t.column("id", BigInt);
            });
            m.create_table("a.b.c", |t| {
                t.column("id", BigInt);
                t.column("mood", ColumnType::named("app.x.mood").array());
            });
        }
        let error = preview(dotted).unwrap_err().to_string();
        assert!(
            error.contains("step 1 (`create_table`): table `a.b.c`: the name has 2 dots"),
            "{error}"
        );
        assert!(
            error.contains("step 1 (`create_table`): type `app.x.mood`: the name has 2 dots"),
            "{error}"
        );
        assert_eq!(problems(dotted).len(), 2);

        // A name that itself holds a dot is written as a tuple.
        fn tuple(m: &mut Migration) {
            m.create_table(("a", "b.c"), |t| {
                t.column("id", BigInt);
            });
        }
        assert_eq!(
            preview(tuple).unwrap().up_sql(),
            [r#"CREATE TABLE "a"."b.c" ( "id" bigint )"#]
        );
    }

    #[test]
    fn not_valid_is_refused_where_postgres_ignores_it() {
        fn unique(m: &mut Migration) {
            m.add_unique("users", "users_email_key", ["email"])
                .not_valid();
        }
        assert!(problems(unique)[0].contains("foreign keys and checks only"));

        fn in_create_table(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt);
                t.check(Expr::col("id").gt(0)).not_valid();
            });
        }
        assert!(problems(in_create_table)[0].contains("create_table"));

        fn fk(m: &mut Migration) {
            m.add_foreign_key("posts", "fk", ["user_id"], "users", ["id"])
                .not_valid();
        }
        assert!(preview(fk).is_ok());
    }

    #[test]
    fn identity_needs_an_integer_type() {
        fn uuid_identity(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", Uuid).identity();
            });
        }
        assert!(problems(uuid_identity)[0].contains("identity column"));
    }

    #[test]
    fn mixed_migrations_split_into_units() {
        fn mixed(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt);
            });
            m.add_column("t", "a", Text);
            m.create_index_concurrently("i", "t", ["a"]);
            m.add_column("t", "b", Text);
        }
        let plan = preview(mixed).unwrap();
        let shape: Vec<_> = plan
            .up
            .units
            .iter()
            .map(|u| match u {
                Unit::Transaction(s) => ("tx", s.len()),
                Unit::Alone(_) => ("alone", 1),
            })
            .collect();
        assert_eq!(shape, [("tx", 2), ("alone", 1), ("tx", 1)]);
        assert!(!plan.up.is_transactional());
        let down_shape: Vec<_> = plan
            .down
            .as_ref()
            .unwrap()
            .units
            .iter()
            .map(|u| u.statements().len())
            .collect();
        assert_eq!(down_shape, [1, 1, 2]);
    }

    fn unit_sql(direction: &Direction) -> Vec<Vec<&str>> {
        direction
            .units
            .iter()
            .map(|u| u.statements().iter().map(|s| s.sql.as_str()).collect())
            .collect()
    }

    #[test]
    fn constraints_on_existing_tables_are_validated_in_their_own_transaction() {
        fn fk(m: &mut Migration) {
            m.add_column("posts", "editor_id", BigInt);
            m.add_foreign_key("posts", "posts_editor_fk", ["editor_id"], "users", ["id"]);
            m.add_column("posts", "x", Text);
        }
        let plan = preview(fk).unwrap();
        assert_eq!(
            unit_sql(&plan.up),
            [
                vec![
                    r#"ALTER TABLE "posts" ADD COLUMN "editor_id" bigint"#,
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id") REFERENCES "users" ("id") NOT VALID"#,
                ],
                vec![r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_editor_fk""#],
                vec![r#"ALTER TABLE "posts" ADD COLUMN "x" text"#],
            ]
        );
        assert!(!plan.up.is_transactional());
        // The down is a plain drop, in one transaction.
        assert!(plan.down.as_ref().unwrap().is_transactional());
    }

    #[test]
    fn constraints_on_tables_created_in_the_migration_are_added_at_once() {
        fn fresh(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("a", BigInt);
            });
            m.add_check("t", "t_a_positive", Expr::col("a").gt(0));
            m.set_not_null("t", "a");
        }
        let plan = preview(fresh).unwrap();
        assert_eq!(plan.up.units.len(), 1);
        assert!(plan.up.is_transactional());
        assert_eq!(
            plan.up_sql()[1..],
            [
                r#"ALTER TABLE "t" ADD CONSTRAINT "t_a_positive" CHECK ("a" > 0)"#,
                r#"ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL"#,
            ]
        );
    }

    #[test]
    fn set_not_null_on_an_existing_table_goes_through_a_validated_check() {
        fn not_null(m: &mut Migration) {
            m.set_not_null("users", "email");
        }
        let plan = preview(not_null).unwrap();
        assert_eq!(
            unit_sql(&plan.up),
            [
                vec![
                    r#"ALTER TABLE "users" ADD CONSTRAINT "users_email_not_null_tmp" CHECK ("email" IS NOT NULL) NOT VALID"#
                ],
                vec![r#"ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_not_null_tmp""#],
                vec![
                    r#"ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL"#,
                    r#"ALTER TABLE "users" DROP CONSTRAINT "users_email_not_null_tmp""#,
                ],
            ]
        );
        assert_eq!(
            plan.down_sql(),
            [r#"ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL"#]
        );
    }

    #[test]
    fn the_temporary_check_name_fits_in_63_bytes() {
        fn long(m: &mut Migration) {
            m.set_not_null("a".repeat(40).as_str(), "b".repeat(40).as_str());
        }
        let plan = preview(long).unwrap();
        let first = plan.up_sql()[0];
        let name = first.split('"').nth(3).unwrap();
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_not_null_tmp"), "{name}");
    }
}
