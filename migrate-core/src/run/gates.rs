//! The gates a run passes before anything changes: the lint gate ([`crate::lint`])
//! (pending migrations with unacknowledged safety findings are refused, see
//! [`MigratorOptions::enforce_lint`](crate::MigratorOptions::enforce_lint)) and, when
//! the run has concurrent statements, the [pre-flight checks](crate::preflight)
//! (server version, sessions that would stall a build, invalid indexes), reported as
//! warnings or, on request, refused.

use crate::error::Error;
use crate::events::RunEvent;
use crate::lint::{self, Finding};
use crate::plan::{Execution, Unit};
use crate::preflight;
use crate::reconcile::Work;
use crate::report::{PreflightWarning, RunDirection, SessionWarning};

use super::{Run, direction_of};

impl Run<'_> {
    /// Refuses, before anything runs, pending migrations with safety findings they
    /// do not acknowledge (unless the options turn the gate off).
    pub(super) fn lint_gate(&self, work: &[Work]) -> Result<(), Error> {
        if !self.options().enforce_lint {
            return Ok(());
        }
        let mut findings: Vec<Finding> = Vec::new();
        for w in work {
            let plan = self.migrator.plan_at(w.index)?;
            findings.extend(lint::lint_plan(plan).into_iter().filter(Finding::blocks));
        }
        if findings.is_empty() {
            return Ok(());
        }
        for finding in &findings {
            tracing::error!(%finding, "unacknowledged safety finding");
        }
        Err(Error::Lint { findings })
    }

    /// How the statements the work will run alone as concurrent statements (not
    /// backfills) execute.
    fn concurrent_executions<'p>(
        &'p self,
        work: &[Work],
        direction: RunDirection,
    ) -> Result<Vec<&'p Execution>, Error> {
        let mut out = Vec::new();
        for w in work {
            let Some(dir) = direction_of(self.migrator.plan_at(w.index)?, direction) else {
                continue;
            };
            for unit in dir.units.iter().skip(w.resume_from) {
                if let Unit::Alone(statement) = unit
                    && !matches!(statement.execution, Execution::Backfill(_))
                {
                    out.push(&statement.execution);
                }
            }
        }
        Ok(out)
    }

    /// Pre-flight against the live database before the run's concurrent statements
    /// (see [`crate::preflight`]): sessions that would stall them and invalid indexes
    /// on the tables they index, reported (and, with `refuse_when_blocked`, refused).
    pub(super) async fn live_preflight(
        &mut self,
        items: &[(&[Work], RunDirection)],
    ) -> Result<(), Error> {
        let mut any = false;
        let mut tables: Vec<String> = Vec::new();
        for (work, direction) in items {
            for execution in self.concurrent_executions(work, *direction)? {
                any = true;
                if let Execution::BuildIndex { table, .. } = execution
                    && !tables.contains(table)
                {
                    tables.push(table.clone());
                }
            }
        }
        if !any {
            return Ok(());
        }
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
    pub(super) async fn preflight(
        &self,
        work: &[Work],
        direction: RunDirection,
    ) -> Result<(), Error> {
        if self.concurrent_executions(work, direction)?.is_empty() {
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
