//! `--json`: every document printed on stdout, one per command, uncolored and
//! scrubbed.
//!
//! The data is the core's report types serialized as they are (migrate-core's `serde`
//! feature: [`Report`], [`MigrationStatus`], [`Finding`]); the structs here add only the
//! envelope a command's document wraps them in (`ok`, `dry_run`, `error`...).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use migrate_core::lint::Finding;
use migrate_core::{Direction, MigrationStatus, PlannedRun, Report, RunDirection, Unit};
use serde::Serialize;
use serde_json::Value;

use super::terminal::scrub;

/// Whether a JSON document was printed on stdout (a failed command prints its own
/// only when none was).
static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// What `up`, `down`, `redo`, `baseline` and `repair` print: `{"ok", "dry_run": false,
/// "migrations", "baselined", "repaired", "lock_waited_ms", "preflight", "error"}`,
/// the [`Report`]'s own fields inside the envelope's.
#[derive(Serialize)]
struct RunDocument<'a> {
    ok: bool,
    dry_run: bool,
    #[serde(flatten)]
    report: &'a Report,
    error: Option<ErrorDocument>,
}

/// A failure: `{"ok": false, "error"}`.
#[derive(Serialize)]
struct FailureDocument {
    ok: bool,
    error: ErrorDocument,
}

/// `{message, chain, code, detail, hint}`; `code` is the SQLSTATE when PostgreSQL
/// reported the error (a migration's statement, a bookkeeping query, or connecting:
/// `28P01` bad password, `3D000` no such database...).
#[derive(Serialize)]
struct ErrorDocument {
    message: String,
    chain: Vec<String>,
    code: Option<String>,
    detail: Option<String>,
    hint: Option<String>,
}

/// `status`: `{"ok": true, "up_to_date", "migrations"}`, each a [`MigrationStatus`].
#[derive(Serialize)]
struct StatusDocument {
    ok: bool,
    up_to_date: bool,
    migrations: Vec<Value>,
}

/// `lint`: `{"findings"}`.
#[derive(Serialize)]
struct LintDocument<'a> {
    findings: &'a [Finding],
}

/// `--dry-run`: `{"ok": true, "dry_run": true, "migrations"}`.
#[derive(Serialize)]
struct DryRunDocument<'a> {
    ok: bool,
    dry_run: bool,
    migrations: Vec<Planned<'a>>,
}

/// A [`PlannedRun`] with the units of its plan (instead of its flat list of SQL).
#[derive(Serialize)]
struct Planned<'a> {
    id: i64,
    name: &'a str,
    direction: RunDirection,
    transactional: bool,
    resume_from: usize,
    units: Vec<PlannedUnit<'a>>,
}

/// One unit of a planned run: one transaction, or one statement run alone.
#[derive(Serialize)]
struct PlannedUnit<'a> {
    transaction: bool,
    sql: Vec<&'a str>,
}

/// A run's report as JSON (also for a failed run, with what it did before).
pub(crate) fn report(report: &Report, error: Option<&anyhow::Error>) {
    json_line(&RunDocument {
        ok: error.is_none(),
        dry_run: false,
        report,
        error: error.map(error_document),
    });
}

/// A failure as JSON, for a command whose `--json` output could not say it otherwise
/// (no connection, a refused configuration...): `{"ok": false, "error": {...}}`.
pub(crate) fn failure(error: &anyhow::Error) {
    json_line(&FailureDocument {
        ok: false,
        error: error_document(error),
    });
}

/// Whether a JSON document was printed.
pub(crate) fn printed() -> bool {
    JSON_PRINTED.load(Ordering::Relaxed)
}

fn error_document(error: &anyhow::Error) -> ErrorDocument {
    let statement = error
        .chain()
        .find_map(|e| e.downcast_ref::<migrate_core::Error>())
        .and_then(migrate_core::Error::db_error);
    let (code, detail, hint) = match statement {
        Some(db) => (Some(db.code.clone()), db.detail.clone(), db.hint.clone()),
        None => match error
            .chain()
            .filter_map(|e| e.downcast_ref::<tokio_postgres::Error>())
            .find_map(tokio_postgres::Error::as_db_error)
        {
            Some(db) => (
                Some(db.code().code().to_owned()),
                db.detail().map(str::to_owned),
                db.hint().map(str::to_owned),
            ),
            None => (None, None, None),
        },
    };
    ErrorDocument {
        message: error.to_string(),
        chain: error.chain().skip(1).map(ToString::to_string).collect(),
        code,
        detail,
        hint,
    }
}

/// The document, pretty, scrubbed, on stdout.
/// A command's own document (one the commands above do not cover), printed as the
/// others are.
pub(crate) fn document(document: &impl Serialize) {
    json_line(document);
}

fn json_line(document: &impl Serialize) {
    let text = serde_json::to_string_pretty(document).unwrap_or_else(|_| String::from("{}"));
    // JSON is for machines: no colors, whatever the stream.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", scrub(&text));
    let _ = stdout.flush();
    JSON_PRINTED.store(true, Ordering::Relaxed);
}

/// `--dry-run --json`, each migration with its units (`find` gives the direction a
/// planned run would run).
pub(crate) fn dry_run<'a>(
    planned: &'a [PlannedRun],
    find: impl Fn(&PlannedRun) -> Option<&'a Direction>,
) {
    json_line(&dry_run_document(planned, find));
}

fn dry_run_document<'a>(
    planned: &'a [PlannedRun],
    find: impl Fn(&PlannedRun) -> Option<&'a Direction>,
) -> DryRunDocument<'a> {
    let migrations = planned
        .iter()
        .map(|run| Planned {
            id: run.id,
            name: &run.name,
            direction: run.direction,
            transactional: run.transactional,
            resume_from: run.resume_from,
            units: find(run)
                .map(|dir| {
                    dir.units
                        .iter()
                        .map(|unit| PlannedUnit {
                            transaction: matches!(unit, Unit::Transaction(_)),
                            sql: unit.statements().iter().map(|s| s.sql.as_str()).collect(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    DryRunDocument {
        ok: true,
        dry_run: true,
        migrations,
    }
}

/// `status --json`; `late` are the out-of-order ids, whose `detail` says so (the
/// core's status does not know the order `up` will refuse).
pub(crate) fn status(list: &[MigrationStatus], clean: bool, late: &[i64]) {
    json_line(&status_document(list, clean, late));
}

fn status_document(list: &[MigrationStatus], clean: bool, late: &[i64]) -> StatusDocument {
    let migrations = list
        .iter()
        .map(|status| {
            let mut value = serde_json::to_value(status).unwrap_or(Value::Null);
            if let Value::Object(fields) = &mut value
                && late.contains(&status.id)
            {
                fields.insert("detail".to_owned(), Value::from("out-of-order"));
            }
            value
        })
        .collect();
    StatusDocument {
        ok: true,
        up_to_date: clean,
        migrations,
    }
}

/// A run's document as a value: one target's, inside the `--schemas` / `--databases`
/// document.
pub(super) fn report_value(report: &Report, error: Option<&anyhow::Error>) -> Value {
    serde_json::to_value(RunDocument {
        ok: error.is_none(),
        dry_run: false,
        report,
        error: error.map(error_document),
    })
    .unwrap_or(Value::Null)
}

/// `status`'s document as a value (one target's).
pub(super) fn status_value(list: &[MigrationStatus], clean: bool, late: &[i64]) -> Value {
    serde_json::to_value(status_document(list, clean, late)).unwrap_or(Value::Null)
}

/// An error's document as a value.
pub(super) fn error_value(error: &anyhow::Error) -> Value {
    serde_json::to_value(error_document(error)).unwrap_or(Value::Null)
}

/// Prints a document built elsewhere in [`super`].
pub(super) fn print(document: &impl Serialize) {
    json_line(document);
}

/// `lint --json`: `{"findings": [...]}`.
pub(crate) fn lint(findings: &[Finding]) {
    json_line(&LintDocument { findings });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_run_document_wraps_the_report_in_its_envelope() {
        let error = anyhow::anyhow!("no such table").context("applying 1 create_users");
        let document = RunDocument {
            ok: false,
            dry_run: false,
            report: &Report::default(),
            error: Some(error_document(&error)),
        };
        assert_eq!(
            serde_json::to_value(&document).unwrap(),
            json!({
                "ok": false,
                "dry_run": false,
                "migrations": [],
                "baselined": [],
                "repaired": [],
                "lock_waited_ms": 0,
                "preflight": [],
                "error": {
                    "message": "applying 1 create_users",
                    "chain": ["no such table"],
                    "code": null,
                    "detail": null,
                    "hint": null,
                },
            })
        );
    }

    #[test]
    fn a_dry_run_lists_each_migration_with_its_units() {
        let plan = super::super::sql::tests::table_then_concurrent_index();
        let runs = [PlannedRun {
            id: 1,
            name: "index".into(),
            direction: RunDirection::Up,
            transactional: false,
            resume_from: 0,
            sql: Vec::new(),
        }];
        let value = serde_json::to_value(dry_run_document(&runs, |_| Some(&plan.up))).unwrap();
        assert_eq!(value["ok"], true);
        assert_eq!(value["dry_run"], true);
        let migration = &value["migrations"][0];
        assert_eq!(
            (
                &migration["id"],
                &migration["direction"],
                &migration["resume_from"]
            ),
            (&json!(1), &json!("up"), &json!(0))
        );
        let units: Vec<(bool, String)> = migration["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|unit| {
                let first = unit["sql"][0].as_str().unwrap_or_default();
                (unit["transaction"] == true, first.to_owned())
            })
            .collect();
        assert_eq!(units.len(), 2, "{value:#}");
        assert!(
            units[0].0 && units[0].1.starts_with("CREATE TABLE"),
            "{units:?}"
        );
        assert!(
            !units[1].0 && units[1].1.starts_with("CREATE INDEX CONCURRENTLY"),
            "{units:?}"
        );
    }
}
