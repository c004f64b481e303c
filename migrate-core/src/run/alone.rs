//! Statements run alone, outside any transaction (`CREATE/DROP INDEX CONCURRENTLY`),
//! in autocommit under the concurrent timeout profile
//! ([`ConcurrentProfile`](crate::ConcurrentProfile)). A concurrent build first looks its
//! index up in `pg_index`: valid, it is skipped; invalid (a failed earlier build), it is
//! dropped concurrently and rebuilt; after the build its validity is checked. With a
//! `lock_timeout` in the profile, a blocked statement is retried alone.

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use crate::error::{ConnectionLost, Error};
use crate::events::RunEvent;
use crate::ident::ObjectName;
use crate::plan::{Execution, MigrationPlan, Statement};
use crate::report::{FailedAttempt, MigrationRun, Report, RunDirection};

use super::Run;
use super::retry::backoff;
use super::session::is_fatal;
use super::wire::{RUNNING_ALONE, SendError, send, timeout_literal};

impl Run<'_> {
    /// [`Run::alone`], retried on a lock timeout or deadlock when the concurrent
    /// profile sets a `lock_timeout`: as many attempts as the transactional ladder has
    /// rungs, with its backoff between them. Each attempt stands alone (nothing spans
    /// a commit): a build cut short left an invalid index, which the next attempt
    /// finds in `pg_index`, drops and rebuilds.
    pub(super) async fn alone_retried(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: &Statement,
        index: usize,
        run: &mut MigrationRun,
    ) -> Result<bool, Error> {
        let options = self.options();
        let lock_timeout = options.concurrent.lock_timeout;
        let attempts = match lock_timeout {
            Some(_) => options.lock_timeouts.len().max(1),
            None => 1,
        };
        let mut failed: Vec<FailedAttempt> = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.alone(plan, direction, statement, index).await {
                Ok(ran) => {
                    run.retries.append(&mut failed);
                    return Ok(ran);
                }
                Err(Error::Statement(mut failure)) if failure.db.is_retryable() => {
                    failed.push(FailedAttempt {
                        attempt,
                        lock_timeout,
                        code: failure.db.code.clone(),
                        statement: failure.statement,
                        blockers: Vec::new(),
                    });
                    if attempt >= attempts {
                        failure.retries = failed;
                        return Err(Error::Statement(failure));
                    }
                    let sleep = backoff(attempt, options.backoff_base, options.backoff_max);
                    tracing::warn!(
                        id = plan.id,
                        name = plan.name,
                        attempt,
                        code = %failure.db.code,
                        statement = failure.statement,
                        retry_in_ms = sleep.as_millis() as u64,
                        "statement run alone was blocked; will retry"
                    );
                    self.emit(|| RunEvent::StatementRetry {
                        id: plan.id,
                        name: plan.name,
                        statement: failure.statement,
                        attempt,
                        attempts,
                        code: failure.db.code.clone(),
                        lock_timeout,
                        blockers: Vec::new(),
                        retry_in: sleep,
                    });
                    tokio::time::sleep(sleep).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs one statement alone under the concurrent profile. Returns `false` when it
    /// was skipped (its index already valid, or already dropped).
    async fn alone(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        statement: &Statement,
        index: usize,
    ) -> Result<bool, Error> {
        let mut built_index = None;
        match &statement.execution {
            Execution::BuildIndex { index: name, .. } => {
                match index_state(self.client, name).await? {
                    Some((_, true)) => {
                        tracing::info!(id = plan.id, index = %name, "index already built and valid; skipping its build");
                        self.emit(|| RunEvent::IndexAlreadyBuilt {
                            id: plan.id,
                            index: name.to_string(),
                        });
                        return Ok(false);
                    }
                    Some((qualified, false)) => {
                        tracing::warn!(id = plan.id, index = %qualified.name, "invalid index left by a failed build; dropping it to rebuild");
                        self.emit(|| RunEvent::RebuildingInvalidIndex {
                            id: plan.id,
                            index: qualified.name.to_string(),
                        });
                        let drop = format!("DROP INDEX CONCURRENTLY {}", qualified.quoted);
                        self.profiled(plan, direction, index, &drop).await?;
                    }
                    None => {}
                }
                built_index = Some(name);
            }
            Execution::DropIndex { index: name }
                if index_state(self.client, name).await?.is_none() =>
            {
                tracing::info!(id = plan.id, index = %name, "index already dropped; skipping");
                self.emit(|| RunEvent::IndexAlreadyDropped {
                    id: plan.id,
                    index: name.to_string(),
                });
                return Ok(false);
            }
            _ => {}
        }
        self.profiled(plan, direction, index, &statement.sql)
            .await?;
        if let Some(name) = built_index
            && !matches!(index_state(self.client, name).await?, Some((_, true)))
        {
            return Err(Error::InvalidIndex {
                id: plan.id,
                name: plan.name.to_owned(),
                index: name.to_string(),
                applied: Box::new(self.report.clone()),
            });
        }
        Ok(true)
    }

    /// Sends one statement alone with the concurrent timeout profile set for the
    /// session around it, then reset (each setting by name, never `RESET ALL`).
    async fn profiled(
        &self,
        plan: &MigrationPlan,
        direction: RunDirection,
        index: usize,
        sql: &str,
    ) -> Result<(), Error> {
        let profile = self.options().concurrent;
        let set = format!(
            "SET lock_timeout = {}; SET statement_timeout = {}",
            timeout_literal(profile.lock_timeout),
            timeout_literal(profile.statement_timeout)
        );
        self.batch(&set, "setting the concurrent timeout profile")
            .await?;
        let result = send(self.client, sql).await;
        if let Err(SendError::Db { db, .. }) = &result
            && (is_fatal(db) || self.client.is_closed())
        {
            return Err(Error::ConnectionLost(Box::new(ConnectionLost {
                context: RUNNING_ALONE,
                reason: Some((**db).clone()),
                migration: None,
                applied: Report::default(),
            })));
        }
        self.batch(
            "RESET lock_timeout; RESET statement_timeout",
            "resetting the timeouts",
        )
        .await?;
        match result {
            Ok(_) => Ok(()),
            Err(SendError::Driver(source)) => Err(Error::Postgres {
                context: RUNNING_ALONE,
                source,
            }),
            Err(SendError::Db { db, .. }) => {
                tracing::error!(id = plan.id, name = plan.name, statement = index, code = %db.code, "migration statement failed");
                Err(self.failure(plan, direction, index, sql.to_owned(), *db, Vec::new()))
            }
        }
    }
}

/// An index found in the catalog: its schema-qualified name, and that name quoted by
/// PostgreSQL (`quote_ident`) for a statement.
struct FoundIndex {
    name: ObjectName,
    quoted: String,
}

/// An index's schema-qualified name and validity, when it exists. An unqualified
/// name is looked up in `current_schema()`.
async fn index_state(
    client: &Client,
    name: &ObjectName,
) -> Result<Option<(FoundIndex, bool)>, Error> {
    let schema = name.schema.as_ref().map(|s| s.as_str().to_owned());
    let row = client
        .query_typed_opt(
            "SELECT n.nspname::text, i.indisvalid AND i.indisready, \
             quote_ident(n.nspname) || '.' || quote_ident(c.relname) \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = $1 AND n.nspname = coalesce($2, current_schema())",
            &[(&name.name.as_str(), Type::TEXT), (&schema, Type::TEXT)],
        )
        .await
        .map_err(Error::pg("looking up an index in pg_index"))?;
    row.map(|row| {
        let schema: String = row
            .try_get(0)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let valid: bool = row
            .try_get(1)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let quoted: String = row
            .try_get(2)
            .map_err(Error::pg("looking up an index in pg_index"))?;
        let name = ObjectName::qualified(schema, name.name.clone());
        Ok((FoundIndex { name, quoted }, valid))
    })
    .transpose()
}
