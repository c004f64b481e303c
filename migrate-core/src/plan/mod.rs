//! Plans: a migration's steps, their inverses and their SQL, built without a database.
//!
//! Planning is pure. It powers dry runs, `migrate sql`, linting and checksums, and it
//! is where names are checked and the statements are grouped into units: consecutive
//! transactional statements share one transaction; a statement that must run outside
//! a transaction (`CREATE INDEX CONCURRENTLY`) is a unit of its own.
//!
//! This module holds the plan types ([`MigrationPlan`], [`Direction`], [`Unit`],
//! [`Statement`], [`Header`]); building a plan (and [`preview`]) is in `build`, checking
//! steps in `check`, and how a step becomes statements and units (the online
//! protocols) in `statements`.

use crate::checksum::Checksum;
use crate::error::Error;
use std::collections::BTreeSet;

use crate::ident::{Ident, ObjectName};
use crate::registry::{Down, Location, Migrations, Registration};
use crate::render;
use crate::step::{BackfillDef, MigrationSettings, Step};

mod build;
mod check;
mod statements;

pub(crate) use build::plan_generated;
pub use build::preview;

use build::{plan_recorded, validate};
use statements::phases;

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

    /// The headers of every migration, in order, failing on the first invalid one (by
    /// id) as [`Header::new`] one after another would. Many migrations are recorded and
    /// hashed on all the available cores, in contiguous slices (a run records and
    /// hashes every migration, so this is what a run with nothing to do costs as the
    /// history grows). A migration function that panics makes this panic, with its
    /// payload, as it would have on one thread.
    pub fn new_all(migrations: &Migrations) -> Result<Vec<Self>, Error> {
        /// Below this many migrations per thread, one thread does it all: starting a
        /// thread costs about as much as recording a few dozen migrations.
        const PER_THREAD: usize = 256;
        let list = migrations.as_slice();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(list.len() / PER_THREAD)
            .max(1);
        if threads == 1 {
            return list.iter().map(|r| Header::new(r)).collect();
        }
        let chunk = list.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut slices = list.chunks(chunk);
            // The first slice is done on this thread, the others meanwhile.
            let first = slices.next().unwrap_or_default();
            let others: Vec<_> = slices
                .map(|slice| {
                    scope.spawn(move || {
                        slice
                            .iter()
                            .map(|r| Header::new(r))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut results = vec![first.iter().map(|r| Header::new(r)).collect()];
            for handle in others {
                results.push(match handle.join() {
                    Ok(slice) => slice,
                    Err(payload) => std::panic::resume_unwind(payload),
                });
            }
            let mut headers = Vec::with_capacity(list.len());
            for slice in results {
                // The first error in id order wins.
                headers.extend(slice?);
            }
            Ok(headers)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Migration;
    use crate::registry::Up;
    use crate::types::ColumnType::BigInt;

    fn table(m: &mut Migration) {
        m.create_table("t", |t| {
            t.column("id", BigInt);
        });
    }
    fn too_long(m: &mut Migration) {
        m.create_table("x".repeat(64), |t| {
            t.column("id", BigInt);
        });
    }

    /// `n` registrations with ids 1..=n, the ids in `bad` invalid.
    fn set(n: i64, bad: &[i64]) -> Migrations {
        let regs = (1..=n).map(|id| -> &'static Registration {
            Box::leak(Box::new(Registration {
                id,
                name: "m",
                file: "m.rs",
                line: 1,
                module_path: "m",
                up: Up::Reversible(if bad.contains(&id) { too_long } else { table }),
                down: Down::Auto,
            }))
        });
        Migrations::from_registrations(regs).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn headers_of_many_are_those_of_each_in_order() {
        // Enough for several threads (256 each) where there are several cores.
        let migrations = set(2000, &[]);
        let all = Header::new_all(&migrations).unwrap_or_else(|e| panic!("{e}"));
        let one_by_one: Vec<Header> = migrations
            .iter()
            .map(|r| Header::new(r).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(all, one_by_one);
        assert_eq!(all.len(), 2000);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn the_first_invalid_migration_by_id_is_the_one_reported() {
        for bad in [[1999, 700], [3, 1500], [1000, 1001]] {
            match Header::new_all(&set(2000, &bad)) {
                Err(Error::InvalidMigration { id, .. }) => assert_eq!(id, bad[0].min(bad[1])),
                other => panic!("expected InvalidMigration, got {other:?}"),
            }
        }
    }
}
