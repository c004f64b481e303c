//! What a measured run executes (control or subject) and how one run is measured.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    Control,
    Subject,
}

/// What a measured run executes in the step window.
pub(crate) enum Step {
    /// One statement on a plain connection, no `lock_timeout`, no `statement_timeout`.
    Sql(String),
    /// Keyset batches of `UPDATE .. WHERE id >= lo AND id < hi`, committed one by one.
    BenchBackfill { column: &'static str },
    /// A migration through `Migrator::up`, in its own history table.
    Migrate {
        registration: &'static Registration,
        history: &'static str,
        options: Box<MigratorOptions>,
    },
}

pub(crate) struct Outcome {
    pub(crate) ok: bool,
    pub(crate) text: String,
}

pub(crate) struct Row {
    pub(crate) scenario: &'static str,
    pub(crate) form: Form,
    pub(crate) label: String,
    pub(crate) duration: Duration,
    pub(crate) pre: Stats,
    pub(crate) window: Stats,
    pub(crate) rewritten: bool,
    /// Most writer sessions seen waiting on a lock at once during the window.
    pub(crate) lock_waiters: i64,
    pub(crate) outcome: Outcome,
    pub(crate) writer_error: Option<String>,
    pub(crate) lock_taking: bool,
}

pub(crate) struct Bench {
    pub(crate) args: Args,
    pub(crate) config: Config,
    pub(crate) admin: Client,
    pub(crate) pool: Pool,
}

impl Bench {
    pub(crate) async fn filenode(&self) -> Result<i64, HarnessError> {
        int(
            &self.admin,
            "SELECT pg_relation_filenode('accounts')::bigint",
        )
        .await
    }

    pub(crate) async fn reset(&self) -> Result<(), HarnessError> {
        // One statement per message: VACUUM refuses an implicit transaction block.
        for sql in ["VACUUM ANALYZE accounts", "CHECKPOINT"] {
            self.admin.batch_execute(sql).await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn measure(
        &self,
        scenario: &'static str,
        form: Form,
        label: &str,
        lock_taking: bool,
        step: Step,
        reader_hold: Option<Duration>,
    ) -> Result<Row, HarnessError> {
        self.reset().await?;
        // Everything the step needs is connected before the writer starts.
        let mut ddl = migrate_core::connect(&self.config).await?;
        ddl.batch_execute("SET lock_timeout = 0; SET statement_timeout = 0")
            .await?;
        let migrator = match &step {
            Step::Migrate {
                registration,
                history,
                options,
            } => {
                let set = Migrations::from_registrations([*registration])?;
                Some(Migrator::new(
                    &set,
                    (**options).clone().history_table("public", *history),
                )?)
            }
            _ => None,
        };
        let reader = match reader_hold {
            Some(_) => Some(connect(&self.config).await?),
            None => None,
        };
        let sampler_client = connect(&self.config).await?;
        let before = self.filenode().await?;

        let writer = start_writer(&self.pool, self.args.rate, self.args.rows);
        let sampler_stop = Arc::new(AtomicBool::new(false));
        let sampler = start_sampler(sampler_client, writer.epoch, sampler_stop.clone());
        tokio::time::sleep_until((writer.epoch + self.args.pre).into()).await;

        // The long-running reader: BEGIN; SELECT count(*); hold; COMMIT.
        let reader_task = match (reader, reader_hold) {
            (Some(reader), Some(hold)) => {
                let (locked_tx, locked_rx) = oneshot::channel();
                let task = tokio::spawn(async move {
                    let r = reader
                        .batch_execute("BEGIN; SELECT count(*) FROM accounts")
                        .await;
                    let _ = locked_tx.send(());
                    if r.is_ok() {
                        tokio::time::sleep(hold).await;
                        let _ = reader.batch_execute("COMMIT").await;
                    }
                    r.map_err(|e| e.to_string())
                });
                let _ = locked_rx.await;
                Some(task)
            }
            _ => None,
        };

        let start = Instant::now();
        let outcome = match step {
            Step::Sql(sql) => match ddl.batch_execute(&sql).await {
                Ok(()) => Outcome {
                    ok: true,
                    text: "ok".into(),
                },
                Err(e) => Outcome {
                    ok: false,
                    text: format!("error: {e}"),
                },
            },
            Step::BenchBackfill { column } => self.bench_backfill(&ddl, column).await,
            Step::Migrate { .. } => {
                let migrator = migrator.as_ref().ok_or("no migrator")?;
                match migrator.up(&mut ddl, Target::Latest).await {
                    Ok(report) => {
                        let retries: usize = report.runs.iter().map(|r| r.retries.len()).sum();
                        let backfills: Vec<String> = report
                            .runs
                            .iter()
                            .flat_map(|r| &r.backfills)
                            .map(|b| {
                                format!(
                                    ", crate backfill: {} rows in {} batches, last batch size {}",
                                    b.rows, b.batches, b.last_batch_size
                                )
                            })
                            .collect();
                        Outcome {
                            ok: true,
                            text: format!(
                                "applied, {} attempt(s){}",
                                retries + 1,
                                backfills.concat()
                            ),
                        }
                    }
                    Err(Error::Statement(f)) => Outcome {
                        ok: false,
                        text: if f.db.is_retryable() {
                            format!(
                                "gave up after {} attempts ({}, safe)",
                                f.retries.len(),
                                f.db.code
                            )
                        } else {
                            format!("failed: {} {}", f.db.code, f.db.message)
                        },
                    },
                    Err(e) => Outcome {
                        ok: false,
                        text: format!("failed: {e}"),
                    },
                }
            }
        };
        let end = Instant::now();

        if let Some(task) = reader_task
            && let Err(e) = task.await?
        {
            return Err(format!("the long-running reader failed: {e}").into());
        }
        tokio::time::sleep(self.args.post).await;
        let epoch = writer.epoch;
        sampler_stop.store(true, Ordering::Relaxed);
        let waits = sampler.await?;
        let (samples, writer_error) = writer.finish().await?;
        let after = self.filenode().await?;

        let from = start.saturating_duration_since(epoch);
        let to = end.saturating_duration_since(epoch);
        Ok(Row {
            scenario,
            form,
            label: label.to_owned(),
            duration: end - start,
            // The steady state before the step (skipping the first 500 ms; only
            // transactions done before it started): the noise floor.
            pre: {
                let done_before: Vec<Sample> = samples
                    .iter()
                    .copied()
                    .filter(|s| s.done() < from)
                    .collect();
                stats(&done_before, Duration::from_millis(500), from)
            },
            window: stats(&samples, from, to),
            rewritten: before != after,
            lock_waiters: waits
                .iter()
                .filter(|(at, _)| *at >= from && *at <= to)
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0),
            outcome,
            writer_error,
            lock_taking,
        })
    }

    /// Keyset batches over the primary key, each its own autocommit `UPDATE`,
    /// idempotent (`IS DISTINCT FROM`), with a pause between batches.
    pub(crate) async fn bench_backfill(&self, client: &Client, column: &str) -> Outcome {
        let sql = format!(
            "UPDATE accounts SET {column} = id * 2 WHERE id >= $1 AND id < $2 AND id % 2 = 0 \
             AND {column} IS DISTINCT FROM id * 2"
        );
        let run = async {
            let stmt = client.prepare(&sql).await?;
            let bounds = client
                .query_one("SELECT min(id), max(id) FROM accounts", &[])
                .await?;
            let (min, max): (i64, i64) = (bounds.get(0), bounds.get(1));
            let (mut lo, mut batches, mut rows, mut longest) = (min, 0u64, 0u64, Duration::ZERO);
            while lo <= max {
                let hi = lo + BACKFILL_RANGE;
                let t = Instant::now();
                rows += client.execute(&stmt, &[&lo, &hi]).await?;
                longest = longest.max(t.elapsed());
                batches += 1;
                lo = hi;
                tokio::time::sleep(BACKFILL_PAUSE).await;
            }
            Ok::<_, tokio_postgres::Error>((batches, rows, longest))
        };
        match run.await {
            Ok((batches, rows, longest)) => Outcome {
                ok: true,
                text: format!(
                    "bench-side batches of {BACKFILL_RANGE} ids, pause {} ms: {rows} rows in \
                     {batches} batches, longest {} ms",
                    BACKFILL_PAUSE.as_millis(),
                    longest.as_millis()
                ),
            },
            Err(e) => Outcome {
                ok: false,
                text: format!("error: {e}"),
            },
        }
    }

    /// Appends a check of the subject's end state to its outcome.
    pub(crate) async fn verify(
        &self,
        row: &mut Row,
        sql: &str,
        want: &str,
    ) -> Result<(), HarnessError> {
        let got = text(&self.admin, sql).await?.unwrap_or_default();
        if got != want {
            row.outcome.ok = false;
            row.outcome.text = format!("{}; END STATE WRONG: {sql} -> {got}", row.outcome.text);
        } else if row.outcome.ok {
            row.outcome.text = format!("{}; verified", row.outcome.text);
        }
        Ok(())
    }
}
