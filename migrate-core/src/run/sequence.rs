//! The sequence of a run: what each operation (up, down, redo, baseline, repair) runs
//! once the lock is held and the history read, then each migration in turn. A
//! transactional direction is one unit; a direction with statements that must run
//! alone records its row as `applying` first, then runs unit by unit, each unit's
//! progress recorded, so that a rerun resumes after the last one done.

use std::time::{Duration, Instant};

use crate::db_error::DbError;
use crate::error::{Error, LostMigration, LostState, StatementFailure};
use crate::events::RunEvent;
use crate::plan::{Direction, Execution, MigrationPlan, Statement, Unit};
use crate::reconcile::{self, Checks, DownTarget, Work};
use crate::report::{FailedAttempt, MigrationRun, RunDirection};

use super::backfill::BackfillTarget;
use super::session::SessionInfo;
use super::{Operation, Prefetched, Run, direction_of};

/// The event of a migration that failed with `error`.
fn failed_event(plan: &MigrationPlan, direction: RunDirection, error: &Error) -> RunEvent {
    let db = error.db_error();
    let reason = match db {
        Some(db) => format!("{} (SQLSTATE {})", db.message, db.code),
        None => error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    RunEvent::MigrationFailed {
        id: plan.id,
        name: plan.name,
        direction,
        code: db.map(|db| db.code.clone()),
        reason,
    }
}

impl Run<'_> {
    /// `prefetched`: the history as read together with the lock's first try.
    pub(super) async fn operate(
        &mut self,
        operation: Operation,
        info: &SessionInfo,
        prefetched: Option<Prefetched>,
    ) -> Result<(), Error> {
        if !info.table_exists {
            // Seen missing before the lock: another runner may have made it (and
            // applied migrations) since, so it is read all the same.
            self.create_history().await?;
        }
        // The number of migrations, from the first, the history records exactly and
        // finished: when known, its rows are not read (`applied` stays empty) and
        // `up`'s work is the migrations after them.
        let mut settled = None;
        let read = match prefetched {
            Some(Prefetched::Rows(read)) => Some(read?),
            Some(Prefetched::Summary(summary)) => {
                settled = summary?
                    .and_then(|summary| reconcile::settled_prefix(self.headers(), &summary));
                settled.map(|_| Some(Vec::new()))
            }
            None => None,
        };
        let read = match read {
            Some(read) => read,
            None => self.history().read(self.client).await?,
        };
        let applied = if let Some(rows) = read {
            rows
        } else {
            // A table made by an older version, without the cursor column.
            let sql = self.history().upgrade_sql();
            self.batch(&sql, "adding the backfill cursor to the history table")
                .await?;
            self.history().read_rows(self.client, true).await?
        };
        self.cursors = applied
            .iter()
            .filter_map(|a| Some((a.id, a.backfill_cursor.clone()?)))
            .collect();
        match operation {
            Operation::Up(target) => {
                let work = match settled {
                    Some(done) => reconcile::up_work_after(self.headers(), done, target)?,
                    None => {
                        self.migrator.verify(&applied, true)?;
                        reconcile::up_work(self.headers(), &applied, target)?
                    }
                };
                let checked = self.plan_work(&work, RunDirection::Up)?;
                self.check_resumable(&applied, &work, &checked)?;
                self.lint_gate(&checked)?;
                self.preflight(&checked).await?;
                self.live_preflight(&[&checked]).await?;
                for w in work {
                    self.run_one(w, RunDirection::Up).await?;
                }
            }
            Operation::Down(target) => {
                self.migrator.verify(&applied, false)?;
                let work = reconcile::down_work(self.headers(), &applied, target)?;
                let checked = self.plan_work(&work, RunDirection::Down)?;
                self.check_resumable(&applied, &work, &checked)?;
                self.preflight(&checked).await?;
                self.live_preflight(&[&checked]).await?;
                for w in work {
                    self.run_one(w, RunDirection::Down).await?;
                }
            }
            Operation::Redo => {
                self.migrator.verify(&applied, false)?;
                let work = reconcile::down_work(self.headers(), &applied, DownTarget::Steps(1))?;
                let checked = self.plan_work(&work, RunDirection::Down)?;
                self.check_resumable(&applied, &work, &checked)?;
                self.preflight(&checked).await?;
                let again: Vec<Work> = work
                    .iter()
                    .map(|w| Work {
                        index: w.index,
                        resume_from: 0,
                        has_row: false,
                    })
                    .collect();
                let checked_again = self.plan_work(&again, RunDirection::Up)?;
                self.lint_gate(&checked_again)?;
                self.preflight(&checked_again).await?;
                self.live_preflight(&[&checked, &checked_again]).await?;
                for w in work {
                    self.run_one(w, RunDirection::Down).await?;
                }
                for w in again {
                    self.run_one(w, RunDirection::Up).await?;
                }
            }
            Operation::Baseline(id) => {
                self.migrator.verify(&applied, false)?;
                if !self.headers().iter().any(|p| p.id == id) {
                    return Err(Error::UnknownTarget { id });
                }
                let mut sql = String::from("BEGIN;\n");
                let mut ids = Vec::new();
                for plan in self.headers().iter().filter(|p| p.id <= id) {
                    if !applied.iter().any(|a| a.id == plan.id) {
                        sql.push_str(&self.history().insert_baselined_sql(
                            plan.id,
                            plan.name,
                            &plan.checksum,
                        ));
                        sql.push_str(";\n");
                        ids.push(plan.id);
                    }
                }
                sql.push_str("COMMIT");
                if !ids.is_empty() {
                    self.batch(&sql, "recording the baseline").await?;
                    tracing::info!(up_to = id, count = ids.len(), "migrations baselined");
                }
                self.report.baselined = ids;
            }
            Operation::Repair => {
                reconcile::verify(
                    self.headers(),
                    &applied,
                    Checks {
                        modified: false,
                        out_of_order: false,
                    },
                )?;
                let modified = reconcile::modified(self.headers(), &applied);
                if !modified.is_empty() {
                    let mut sql = String::from("BEGIN;\n");
                    for id in &modified {
                        if let Some(plan) = self.headers().iter().find(|p| p.id == *id) {
                            sql.push_str(&self.history().repair_sql(
                                plan.id,
                                plan.name,
                                &plan.checksum,
                            ));
                            sql.push_str(";\n");
                        }
                    }
                    sql.push_str("COMMIT");
                    self.batch(&sql, "repairing checksums").await?;
                    tracing::info!(ids = ?modified, "checksums repaired");
                }
                self.report.repaired = modified;
            }
            Operation::Reset(mode) => self.reset(&applied, mode).await?,
        }
        Ok(())
    }

    /// Runs one migration; a lost connection is reported with the migration and the
    /// state it was left in.
    ///
    /// Its plan is built now (it was checked before the run began) and dropped when it
    /// is done.
    pub(super) async fn run_one(
        &mut self,
        work: Work,
        direction: RunDirection,
    ) -> Result<(), Error> {
        self.units_recorded = if work.has_row { work.resume_from } else { 0 };
        let plan = self.migrator.plan_at(work.index)?;
        let plan = &*plan;
        match self.run_one_inner(plan, work, direction).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let state = match direction_of(plan, direction) {
                    Some(dir) if !dir.is_transactional() => LostState::Resumable {
                        units_done: self.units_recorded,
                    },
                    _ => LostState::RolledBack,
                };
                let migration = LostMigration {
                    id: plan.id,
                    name: plan.name.to_owned(),
                    direction,
                    state,
                };
                let error = self.lost(error, Some(migration));
                self.emit(|| failed_event(plan, direction, &error));
                Err(error)
            }
        }
    }

    async fn run_one_inner(
        &mut self,
        plan: &MigrationPlan,
        work: Work,
        direction: RunDirection,
    ) -> Result<(), Error> {
        let Some(dir) = direction_of(plan, direction) else {
            return Err(Error::Irreversible {
                id: plan.id,
                name: plan.name.to_owned(),
            });
        };
        let start = Instant::now();
        tracing::info!(
            id = plan.id,
            name = plan.name,
            direction = %direction,
            resume_from = work.resume_from,
            "migration starting"
        );
        self.emit(|| RunEvent::MigrationStarted {
            id: plan.id,
            name: plan.name,
            direction,
            resumed_from: work.has_row.then_some(work.resume_from),
        });
        let mut run = MigrationRun {
            id: plan.id,
            name: plan.name.to_owned(),
            direction,
            duration: Duration::ZERO,
            statements: 0,
            resumed_from: work.has_row.then_some(work.resume_from),
            skipped_units: 0,
            retries: Vec::new(),
            backfills: Vec::new(),
        };
        if dir.is_transactional() {
            let statements: Vec<&Statement> = dir.statements().collect();
            let bookkeeping = match direction {
                RunDirection::Up => self.history().insert_applied_sql(
                    plan.id,
                    plan.name,
                    &plan.checksum,
                    dir.units.len(),
                ),
                RunDirection::Down => self.history().delete_sql(plan.id),
            };
            self.transaction(plan, direction, &statements, 0, &bookkeeping, &mut run)
                .await?;
            run.statements = statements.len();
        } else {
            self.units(plan, dir, direction, work, start, &mut run)
                .await?;
        }
        run.duration = start.elapsed();
        tracing::info!(
            id = plan.id,
            name = plan.name,
            direction = %direction,
            duration_ms = run.duration.as_millis() as u64,
            statements = run.statements,
            retries = run.retries.len(),
            "migration finished"
        );
        self.emit(|| RunEvent::MigrationFinished {
            id: plan.id,
            name: plan.name,
            direction,
            duration: run.duration,
            statements: run.statements,
            retries: run.retries.len(),
        });
        self.report.runs.push(run);
        Ok(())
    }

    /// Runs a non-transactional direction unit by unit, with progress in the history.
    async fn units(
        &mut self,
        plan: &MigrationPlan,
        dir: &Direction,
        direction: RunDirection,
        work: Work,
        start: Instant,
        run: &mut MigrationRun,
    ) -> Result<(), Error> {
        if !work.has_row {
            let sql = match direction {
                RunDirection::Up => {
                    self.history()
                        .insert_applying_sql(plan.id, plan.name, &plan.checksum)
                }
                RunDirection::Down => self.history().start_reverting_sql(plan.id),
            };
            self.batch(&sql, "recording the start of a non-transactional migration")
                .await?;
        }
        let mut offset: usize = dir
            .units
            .iter()
            .take(work.resume_from)
            .map(|u| u.statements().len())
            .sum();
        for (k, unit) in dir.units.iter().enumerate().skip(work.resume_from) {
            let progress = self.history().progress_sql(plan.id, k + 1);
            match unit {
                Unit::Transaction(statements) => {
                    let statements: Vec<&Statement> = statements.iter().collect();
                    self.transaction(plan, direction, &statements, offset, &progress, run)
                        .await?;
                    self.units_recorded = k + 1;
                }
                Unit::Alone(statement) => {
                    if let Execution::Backfill(batches) = &statement.execution {
                        let cursor = if work.has_row && k == work.resume_from {
                            self.recorded_cursor(plan.id)
                        } else {
                            None
                        };
                        let target = BackfillTarget {
                            plan,
                            direction,
                            batches,
                            step: statement.step,
                            index: offset,
                        };
                        let done = self.backfill(target, cursor, run).await?;
                        run.backfills.push(done);
                    } else {
                        let ran = self
                            .alone_retried(plan, direction, statement, offset, run)
                            .await?;
                        if !ran {
                            run.skipped_units += 1;
                        }
                    }
                    self.batch(&progress, "recording a unit's progress").await?;
                    self.units_recorded = k + 1;
                }
            }
            run.statements += unit.statements().len();
            offset += unit.statements().len();
        }
        let sql = match direction {
            RunDirection::Up => {
                let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
                self.history()
                    .finish_applying_sql(plan.id, dir.units.len(), ms)
            }
            RunDirection::Down => self.history().delete_sql(plan.id),
        };
        self.batch(&sql, "recording the end of a non-transactional migration")
            .await
    }

    pub(super) fn failure(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: usize,
        sql: String,
        db: DbError,
        retries: Vec<FailedAttempt>,
    ) -> Error {
        Error::Statement(Box::new(StatementFailure {
            id: plan.id,
            name: plan.name.to_owned(),
            direction,
            statement,
            sql,
            db,
            retries,
            applied: self.report.clone(),
        }))
    }
}
