//! A transactional unit: its statements and its bookkeeping (the history row) in one
//! transaction, in one message, under a `SET LOCAL lock_timeout`. On a lock timeout
//! (`55P03`) or deadlock (`40P01`) the whole transaction is rolled back and retried on
//! the next rung of the `lock_timeout` ladder, after a backoff, never after a commit;
//! the sessions blocking it are sampled meanwhile (see `retry.rs`). Migrations commit
//! with `synchronous_commit = off`; the run's flush makes them durable.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::error::{ConnectionLost, Error};
use crate::events::RunEvent;
use crate::plan::{MigrationPlan, Statement};
use crate::report::{FailedAttempt, MigrationRun, Report, RunDirection};

use super::Run;
use super::retry::backoff;
use super::session::{guard_pid, guard_sql, is_fatal};
use super::wire::{Message, RUNNING, SendError, send, timeout_literal};

impl Run<'_> {
    /// Runs statements and their bookkeeping in one transaction, in one message,
    /// retrying the whole of it on a lock timeout or deadlock. Returns the row counts
    /// of the statements, the bookkeeping and the `COMMIT`.
    pub(super) async fn transaction(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statements: &[&Statement],
        offset: usize,
        bookkeeping: &str,
        run: &mut MigrationRun,
    ) -> Result<Vec<u64>, Error> {
        let options = self.options();
        let ladder = options.ladder_for(plan.settings.lock_timeout);
        let statement_timeout = plan
            .settings
            .statement_timeout
            .or(options.statement_timeout);
        let mut failed: Vec<FailedAttempt> = Vec::new();
        for (attempt, lock_timeout) in ladder.iter().copied().enumerate() {
            let mut message = Message::new();
            message.setting("BEGIN");
            message.setting(&guard_sql(self.session_pid));
            // Durability comes from the flush at the end of the run (see `flush`).
            message.setting("SET LOCAL synchronous_commit = off");
            if let Some(timeout) = lock_timeout {
                message.setting(&format!(
                    "SET LOCAL lock_timeout = {}",
                    timeout_literal(Some(timeout))
                ));
            }
            if let Some(timeout) = statement_timeout {
                message.setting(&format!(
                    "SET LOCAL statement_timeout = {}",
                    timeout_literal(Some(timeout))
                ));
            }
            for statement in statements {
                message.statement(statement);
            }
            message.own(bookkeeping);
            message.own("COMMIT");

            // The monitor looks for the sessions blocking this one (by its pid).
            let pid = match lock_timeout {
                Some(_) => Some(self.backend().await?.pid),
                None => None,
            };
            let watch = lock_timeout.zip(pid).and_then(|(t, pid)| {
                let delay = (t / 2).min(Duration::from_millis(50));
                let interval = (t / 4).clamp(Duration::from_millis(10), Duration::from_millis(500));
                self.monitor.watch(pid, delay, interval)
            });
            self.unflushed.store(true, Ordering::Relaxed);
            let result = send(self.client, &message.text).await;
            let blockers = watch.map(|w| w.finish()).unwrap_or_default();
            let (completed, db) = match result {
                Ok(counts) => {
                    run.retries.append(&mut failed);
                    return Ok(counts.get(message.prefix..).unwrap_or_default().to_vec());
                }
                Err(SendError::Driver(source)) => {
                    return Err(Error::Postgres {
                        context: RUNNING,
                        source,
                    });
                }
                Err(SendError::Db { db, .. }) if is_fatal(&db) || self.client.is_closed() => {
                    // The server ended the session: it rolled the transaction back.
                    return Err(Error::ConnectionLost(Box::new(ConnectionLost {
                        context: RUNNING,
                        reason: Some(*db),
                        migration: None,
                        applied: Report::default(),
                    })));
                }
                Err(SendError::Db { completed, db }) => (completed, *db),
            };
            // The transaction is aborted (or, after a failed COMMIT, already gone):
            // end it before anything else.
            // Not guarded: a failed transaction keeps its server session, and a guard
            // before the ROLLBACK would fail in it and skip the ROLLBACK.
            self.client
                .batch_execute("ROLLBACK")
                .await
                .map_err(Error::pg("rolling back a failed migration"))?;
            if let Some(second_pid) = guard_pid(&db) {
                return Err(self.pooled(second_pid));
            }
            let found = message.failed_piece(completed, db.position);
            let piece = found.and_then(|i| message.pieces.get(i));
            let index = found.unwrap_or(0);
            let sql = piece.map(|p| p.sql.clone()).unwrap_or_default();
            let db = match piece {
                Some(p) => db.relative_to(p.offset, p.chars),
                None => db,
            };
            // Index among the direction's statements; the bookkeeping and COMMIT count
            // past the end.
            let statement = offset + index.min(statements.len());
            if db.is_retryable() {
                let failure = FailedAttempt {
                    attempt: attempt + 1,
                    lock_timeout,
                    code: db.code.clone(),
                    statement,
                    blockers,
                };
                if attempt + 1 < ladder.len() {
                    let sleep = backoff(attempt + 1, options.backoff_base, options.backoff_max);
                    tracing::warn!(
                        id = plan.id,
                        name = plan.name,
                        attempt = attempt + 1,
                        code = %db.code,
                        statement,
                        lock_timeout_ms = lock_timeout.map(|t| t.as_millis() as u64),
                        blockers = ?failure.blockers,
                        retry_in_ms = sleep.as_millis() as u64,
                        "migration blocked; rolled back, will retry"
                    );
                    self.emit(|| RunEvent::StatementRetry {
                        id: plan.id,
                        name: plan.name,
                        statement,
                        attempt: attempt + 1,
                        attempts: ladder.len(),
                        code: db.code.clone(),
                        lock_timeout,
                        blockers: failure.blockers.clone(),
                        retry_in: sleep,
                    });
                    failed.push(failure);
                    tokio::time::sleep(sleep).await;
                    continue;
                }
                // The last rung: its attempt is among the failures too.
                failed.push(failure);
            }
            tracing::error!(id = plan.id, name = plan.name, statement, code = %db.code, "migration failed; rolled back");
            return Err(self.failure(plan, direction, statement, sql, db, failed));
        }
        // An empty ladder is turned into one rung by `ladder_for`.
        Ok(Vec::new())
    }
}
