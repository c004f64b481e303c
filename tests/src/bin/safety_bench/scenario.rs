//! The scenarios: each runs the control and the subject forms of one step.

use super::*;

// The subjects' registrations live here, beside their one user: `reg!` makes private statics.
reg!(SUBJECT_INDEX, 1, subject_index);
reg!(SUBJECT_BACKFILL_DEFAULT, 1, subject_backfill_default);
reg!(SUBJECT_BACKFILL_TUNED, 1, subject_backfill_tuned);
reg!(SUBJECT_FK, 1, subject_fk);
reg!(SUBJECT_NOT_NULL, 1, subject_not_null);
reg!(SUBJECT_ADD_COLUMN_DEFAULT, 1, subject_add_column_default);
reg!(SUBJECT_ADD_COLUMN_FLAT, 1, subject_add_column_flat);

pub(crate) fn subject_options(config: &Config) -> MigratorOptions {
    MigratorOptions::new().blocker_monitor(Connector::no_tls(config.clone()))
}

pub(crate) async fn scenario(bench: &Bench, name: &'static str) -> Result<Vec<Row>, HarnessError> {
    let mut rows = Vec::new();
    let opts = || subject_options(&bench.config);
    match name {
        "index" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "CREATE INDEX",
                        false,
                        Step::Sql("CREATE INDEX accounts_owner_ctl ON accounts (owner_id)".into()),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("DROP INDEX accounts_owner_ctl")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "create_index_concurrently",
                    false,
                    Step::Migrate {
                        registration: &SUBJECT_INDEX,
                        history: "hist_index",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT string_agg(i.indisvalid::text, ',') FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'accounts_owner_idx'",
                    "true",
                )
                .await?;
            rows.push(row);
            bench
                .admin
                .batch_execute("DROP INDEX accounts_owner_idx")
                .await?;
        }
        "fk" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "ADD FOREIGN KEY (validated)",
                        true,
                        Step::Sql(
                            "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk_ctl \
                             FOREIGN KEY (owner_id) REFERENCES owners (id)"
                                .into(),
                        ),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk_ctl")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_foreign_key",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_FK,
                        history: "hist_fk",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT string_agg(convalidated::text, ',') FROM pg_constraint \
                     WHERE conname = 'accounts_owner_fk'",
                    "true",
                )
                .await?;
            rows.push(row);
            bench
                .admin
                .batch_execute("ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk")
                .await?;
        }
        "not-null" => {
            let nulls = int(
                &bench.admin,
                "SELECT count(*) FROM accounts WHERE note IS NULL",
            )
            .await?;
            if nulls != 0 {
                return Err(format!("accounts.note has {nulls} NULLs").into());
            }
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "SET NOT NULL (scan)",
                        true,
                        Step::Sql("ALTER TABLE accounts ALTER COLUMN note SET NOT NULL".into()),
                        None,
                    )
                    .await?,
            );
            bench
                .admin
                .batch_execute("ALTER TABLE accounts ALTER COLUMN note DROP NOT NULL")
                .await?;
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "set_not_null",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_NOT_NULL,
                        history: "hist_not_null",
                        options: Box::new(opts()),
                    },
                    None,
                )
                .await?;
            bench
                .verify(
                    &mut row,
                    "SELECT a.attnotnull::text || ',' || (SELECT count(*) FROM pg_constraint \
                     WHERE conname = 'accounts_note_not_null') FROM pg_attribute a \
                     WHERE a.attrelid = 'accounts'::regclass AND a.attname = 'note'",
                    "true,0",
                )
                .await?;
            rows.push(row);
        }
        "backfill" => {
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "one UPDATE (half the table)",
                        false,
                        Step::Sql("UPDATE accounts SET fill_ctl = id * 2 WHERE id % 2 = 0".into()),
                        None,
                    )
                    .await?,
            );
            let subjects: [(&str, Step, &str); 3] = [
                (
                    "backfill, default pacing",
                    Step::Migrate {
                        registration: &SUBJECT_BACKFILL_DEFAULT,
                        history: "hist_backfill_default",
                        options: Box::new(opts()),
                    },
                    "fill_sub",
                ),
                (
                    "backfill, target_batch_duration 40ms",
                    Step::Migrate {
                        registration: &SUBJECT_BACKFILL_TUNED,
                        history: "hist_backfill_tuned",
                        options: Box::new(opts()),
                    },
                    "fill_tuned",
                ),
                (
                    "bench-side keyset batches (ref.)",
                    Step::BenchBackfill {
                        column: "fill_bench",
                    },
                    "fill_bench",
                ),
            ];
            for (label, step, column) in subjects {
                let mut row = bench
                    .measure(name, Form::Subject, label, false, step, None)
                    .await?;
                bench
                    .verify(
                        &mut row,
                        &format!(
                            "SELECT count(*) FILTER (WHERE {column} IS DISTINCT FROM id * 2)::text \
                             || ',' || count(*) FILTER (WHERE {column} IS NOT NULL)::text \
                             FROM accounts WHERE id % 2 = 0"
                        ),
                        &format!("0,{}", bench.args.rows / 2),
                    )
                    .await?;
                rows.push(row);
            }
        }
        "add-column" => {
            let hold = Some(bench.args.hold);
            rows.push(
                bench
                    .measure(
                        name,
                        Form::Control,
                        "ADD COLUMN, no lock_timeout",
                        true,
                        Step::Sql("ALTER TABLE accounts ADD COLUMN c1 int".into()),
                        hold,
                    )
                    .await?,
            );
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_column, default ladder",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_ADD_COLUMN_DEFAULT,
                        history: "hist_add_column_default",
                        options: Box::new(opts()),
                    },
                    hold,
                )
                .await?;
            bench
                .verify(&mut row, "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'c2' AND NOT attisdropped", "1")
                .await?;
            rows.push(row);
            // A flat ladder: every rung 100 ms, enough of them (backoff 100 ms doubling
            // to at most 1 s, scaled by 50-100 %) to outlast the reader.
            let flat = opts()
                .lock_timeouts(std::iter::repeat_n(FIRST_RUNG, 30))
                .backoff(Duration::from_millis(100), Duration::from_secs(1));
            let mut row = bench
                .measure(
                    name,
                    Form::Subject,
                    "add_column, flat 100ms x30 ladder",
                    true,
                    Step::Migrate {
                        registration: &SUBJECT_ADD_COLUMN_FLAT,
                        history: "hist_add_column_flat",
                        options: Box::new(flat),
                    },
                    hold,
                )
                .await?;
            bench
                .verify(&mut row, "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'c3' AND NOT attisdropped", "1")
                .await?;
            rows.push(row);
        }
        other => return Err(format!("unknown scenario {other}").into()),
    }
    Ok(rows)
}
