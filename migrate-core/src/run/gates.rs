//! The gates a run passes before anything changes: the lint gate ([`crate::lint`])
//! (pending migrations with unacknowledged safety findings are refused, see
//! [`MigratorOptions::enforce_lint`](crate::MigratorOptions::enforce_lint)) and, when
//! the run has concurrent statements, the [pre-flight checks](crate::preflight)
//! (server version, sessions that would stall a build, invalid indexes), reported as
//! warnings or, on request, refused.

use std::collections::HashSet;

use crate::error::Error;
use crate::events::RunEvent;
use crate::history::AppliedMigration;
use crate::lint::{self, Finding};
use crate::plan::{Execution, Unit};
use crate::preflight;
use crate::reconcile::{self, Work};
use crate::report::{PreflightWarning, RunDirection, SessionWarning};

use super::{Run, direction_of};

/// What the gates need to know of the plans of some work, gathered while each plan
/// is built (and dropped: the plans are built again when they run, so a run never
/// holds more than one).
#[derive(Debug, Default)]
pub(super) struct Checked {
    /// For each migration the work resumes (its row exists), by index: whether its
    /// direction runs in one transaction.
    resumed: Vec<(usize, bool)>,
    /// Safety findings that block (the way up, with the lint gate on), in order.
    findings: Vec<Finding>,
    /// Whether a statement of the work runs alone as a concurrent statement (not a
    /// backfill).
    concurrent: bool,
    /// The tables those concurrent index builds index, each once, in order.
    tables: Vec<String>,
}

impl Run<'_> {
    /// Plans every migration of the work now, so that one that cannot be planned is
    /// refused before anything runs, and keeps of each plan what the gates need.
    pub(super) fn plan_work(
        &self,
        work: &[Work],
        direction: RunDirection,
    ) -> Result<Checked, Error> {
        let lint = direction == RunDirection::Up && self.options().enforce_lint;
        let mut checked = Checked::default();
        let mut seen: HashSet<String> = HashSet::new();
        for w in work {
            let plan = self.migrator.plan_at(w.index)?;
            let dir = direction_of(&plan, direction);
            if w.has_row {
                checked
                    .resumed
                    .push((w.index, dir.is_some_and(|d| d.is_transactional())));
            }
            if lint {
                checked
                    .findings
                    .extend(lint::lint_plan(&plan).into_iter().filter(Finding::blocks));
            }
            let Some(dir) = dir else {
                continue;
            };
            for unit in dir.units.iter().skip(w.resume_from) {
                if let Unit::Alone(statement) = unit
                    && !matches!(statement.execution, Execution::Backfill(_))
                {
                    checked.concurrent = true;
                    if let Execution::BuildIndex { table, .. } = &statement.execution
                        && seen.insert(table.clone())
                    {
                        checked.tables.push(table.clone());
                    }
                }
            }
        }
        Ok(checked)
    }

    /// Refuses to resume a migration recorded half done whose direction runs in one
    /// transaction (see [`reconcile::check_resumable`]).
    pub(super) fn check_resumable(
        &self,
        applied: &[AppliedMigration],
        work: &[Work],
        checked: &Checked,
    ) -> Result<(), Error> {
        reconcile::check_resumable(
            self.headers(),
            applied,
            work,
            self.history().name(),
            |index| {
                Ok(checked
                    .resumed
                    .iter()
                    .any(|&(i, transactional)| i == index && transactional))
            },
        )
    }

    /// Refuses, before anything runs, pending migrations with safety findings they
    /// do not acknowledge (unless the options turn the gate off).
    pub(super) fn lint_gate(&self, checked: &Checked) -> Result<(), Error> {
        if !self.options().enforce_lint || checked.findings.is_empty() {
            return Ok(());
        }
        for finding in &checked.findings {
            tracing::error!(%finding, "unacknowledged safety finding");
        }
        Err(Error::Lint {
            findings: checked.findings.clone(),
        })
    }

    /// Pre-flight against the live database before the run's concurrent statements
    /// (see [`crate::preflight`]): sessions that would stall them and invalid indexes
    /// on the tables they index, reported (and, with `refuse_when_blocked`, refused).
    pub(super) async fn live_preflight(&mut self, items: &[&Checked]) -> Result<(), Error> {
        if !items.iter().any(|checked| checked.concurrent) {
            return Ok(());
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let tables: Vec<String> = items
            .iter()
            .flat_map(|checked| &checked.tables)
            .filter(|table| seen.insert(table.as_str()))
            .cloned()
            .collect();
        let options = self.options();
        let pid = self.backend().await?.pid;
        let sessions = preflight::sessions(self.client, pid, options.long_transaction).await?;
        let refuse = options.refuse_when_blocked;
        let stalling: Vec<SessionWarning> = sessions
            .iter()
            .filter(|s| s.holds_snapshot)
            .cloned()
            .collect();
        if refuse && !stalling.is_empty() {
            for session in &stalling {
                tracing::error!(%session, "session would stall a concurrent index build; refusing");
            }
            return Err(Error::Blocked { sessions: stalling });
        }
        let mut warnings: Vec<PreflightWarning> = sessions
            .into_iter()
            .map(PreflightWarning::Session)
            .collect();
        warnings.extend(preflight::invalid_indexes(self.client, &tables).await?);
        for warning in &warnings {
            tracing::warn!(%warning, "pre-flight");
            self.emit(|| RunEvent::Preflight(warning.clone()));
        }
        self.report.preflight.extend(warnings);
        Ok(())
    }

    /// Refuses concurrent builds on servers that corrupt them (PostgreSQL 14.0–14.3).
    pub(super) async fn preflight(&self, checked: &Checked) -> Result<(), Error> {
        if !checked.concurrent {
            return Ok(());
        }
        let version = self.backend().await?.server_version;
        if !preflight::concurrent_builds_are_safe(version) {
            return Err(Error::UnsupportedServer {
                version,
                reason: "concurrent index builds can silently corrupt indexes before 14.4; upgrade the server",
            });
        }
        Ok(())
    }
}
