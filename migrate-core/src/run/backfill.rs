//! The batch loop of a [batched backfill](crate::backfill): the key column resolved
//! from the catalog, then keyset batches, each committed with its cursor in the
//! history row (as a transactional unit, with its retries), the batch size adapted
//! after each one, resumed from the recorded cursor by a rerun.

use std::time::{Duration, Instant};

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use crate::backfill::next_batch_size;
use crate::error::Error;
use crate::events::RunEvent;
use crate::ident::Ident;
use crate::plan::{Batches, Execution, MigrationPlan, Statement};
use crate::report::{BackfillRun, MigrationRun, RunDirection};

use super::Run;

impl Run<'_> {
    /// The backfill cursor an interrupted run left in a migration's history row.
    pub(super) fn recorded_cursor(&self, id: i64) -> Option<String> {
        self.cursors
            .iter()
            .find(|(row, _)| *row == id)
            .map(|(_, cursor)| cursor.clone())
    }

    /// Runs a batched backfill (see [`crate::backfill`]): keyset batches from `cursor`
    /// (the last key done by an interrupted run), each committed with its cursor.
    pub(super) async fn backfill(
        &self,
        target: BackfillTarget<'_>,
        cursor: Option<String>,
        run: &mut MigrationRun,
    ) -> Result<BackfillRun, Error> {
        let BackfillTarget {
            plan,
            direction,
            batches,
            step,
            index,
        } = target;
        let def = batches.def();
        let start = Instant::now();
        let (key, key_type) = match resolve_key(self.client, batches).await? {
            Ok(key) => key,
            Err(message) => {
                return Err(Error::BackfillKey {
                    id: plan.id,
                    name: plan.name.to_owned(),
                    table: def.table.to_string(),
                    message,
                });
            }
        };
        let table = def.table.to_string();
        tracing::info!(
            id = plan.id,
            table = %table,
            key = %key,
            resume_from = cursor.as_deref(),
            batch_size = def.pacing.batch_size,
            "backfill starting"
        );
        let mut done = BackfillRun {
            step,
            table,
            key: key.to_string(),
            resumed_from: cursor.clone(),
            batches: 0,
            rows: 0,
            last_batch_size: 0,
            duration: Duration::ZERO,
            cursor,
        };
        let mut size = def.pacing.batch_size.max(1);
        let mut logged = Instant::now();
        loop {
            if done.batches > 0 && !def.pacing.pause.is_zero() {
                tokio::time::sleep(def.pacing.pause).await;
            }
            let batch_start = Instant::now();
            let next = batches.next_upper_sql(&key, &key_type, done.cursor.as_deref(), size);
            let upper: Option<String> = match self
                .client
                .query_typed_opt(&next, &[])
                .await
                .map_err(Error::pg("finding the next backfill batch"))?
            {
                Some(row) => row
                    .try_get(0)
                    .map_err(Error::pg("finding the next backfill batch"))?,
                None => None,
            };
            let Some(upper) = upper else { break };
            let statement = Statement {
                sql: batches.batch_sql(&key, &key_type, done.cursor.as_deref(), &upper),
                step,
                kind: "backfill",
                execution: Execution::Transactional,
            };
            let bookkeeping = self.history().cursor_sql(plan.id, &upper);
            let counts = self
                .transaction(plan, direction, &[&statement], index, &bookkeeping, run)
                .await?;
            let rows = counts.first().copied().unwrap_or(0);
            done.batches += 1;
            done.rows += rows;
            done.last_batch_size = size;
            done.cursor = Some(upper);
            let elapsed = batch_start.elapsed();
            tracing::debug!(
                id = plan.id,
                table = %done.table,
                batch = done.batches,
                batch_size = size,
                rows,
                elapsed_ms = elapsed.as_millis() as u64,
                cursor = done.cursor.as_deref(),
                "backfill batch committed"
            );
            self.emit(|| RunEvent::BackfillProgress {
                id: plan.id,
                table: done.table.clone(),
                batch: done.batches,
                rows: done.rows,
            });
            size = next_batch_size(size, elapsed, &def.pacing);
            if logged.elapsed() >= Duration::from_secs(1) {
                logged = Instant::now();
                done.duration = start.elapsed();
                tracing::info!(
                    id = plan.id,
                    table = %done.table,
                    rows = done.rows,
                    rows_per_sec = done.rows_per_second().round(),
                    batches = done.batches,
                    next_batch_size = size,
                    cursor = done.cursor.as_deref(),
                    "backfill progress"
                );
            }
        }
        done.duration = start.elapsed();
        tracing::info!(
            id = plan.id,
            table = %done.table,
            rows = done.rows,
            rows_per_sec = done.rows_per_second().round(),
            batches = done.batches,
            duration_ms = done.duration.as_millis() as u64,
            "backfill finished"
        );
        Ok(done)
    }
}

/// A backfill to run, and where it sits in its migration.
pub(super) struct BackfillTarget<'p> {
    pub(super) plan: &'p MigrationPlan,
    pub(super) direction: RunDirection,
    pub(super) batches: &'p Batches,
    /// Index of its step in the direction.
    pub(super) step: usize,
    /// Index of its statement in the direction.
    pub(super) index: usize,
}

/// The key column of a backfill and its type as `format_type` writes it (`bigint`,
/// `uuid`, `character varying(20)`...).
pub(super) async fn resolve_key(
    client: &Client,
    batches: &Batches,
) -> Result<Result<(Ident, String), String>, Error> {
    let def = batches.def();
    let table = batches.table();
    let context = "looking up a backfill's key column";
    let exists = client
        .query_typed_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[(&table, Type::TEXT)],
        )
        .await
        .map_err(Error::pg(context))?;
    if !exists.try_get::<_, bool>(0).map_err(Error::pg(context))? {
        return Ok(Err("the table does not exist".to_owned()));
    }
    match &def.key {
        Some(key) => {
            let row = client
                .query_typed_opt(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
                     WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 \
                     AND NOT attisdropped",
                    &[(&table, Type::TEXT), (&key.as_str(), Type::TEXT)],
                )
                .await
                .map_err(Error::pg(context))?;
            match row {
                Some(row) => Ok(Ok((
                    key.clone(),
                    row.try_get(0).map_err(Error::pg(context))?,
                ))),
                None => Ok(Err(format!("the key column `{key}` does not exist"))),
            }
        }
        None => {
            let rows = client
                .query_typed(
                    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
                     FROM pg_index i JOIN pg_attribute a \
                     ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
                     WHERE i.indrelid = to_regclass($1) AND i.indisprimary",
                    &[(&table, Type::TEXT)],
                )
                .await
                .map_err(Error::pg(context))?;
            match rows.as_slice() {
                [row] => {
                    let name: String = row.try_get(0).map_err(Error::pg(context))?;
                    let ty: String = row.try_get(1).map_err(Error::pg(context))?;
                    Ok(Ok((Ident::new(name), ty)))
                }
                [] => Ok(Err(
                    "it has no primary key; name a unique, indexed key column with `.key(..)`"
                        .to_owned(),
                )),
                _ => Ok(Err(
                    "its primary key has several columns; name one unique, indexed key column \
                     with `.key(..)`"
                        .to_owned(),
                )),
            }
        }
    }
}
