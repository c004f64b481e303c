//! `--json`: every document printed on stdout, one per command, uncolored and
//! scrubbed.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use migrate_core::{Direction, MigrationState, MigrationStatus, PlannedRun, Report, Unit};
use serde_json::{Value, json};

use super::terminal::scrub;

/// Whether a JSON document was printed on stdout (a failed command prints its own
/// only when none was).
static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// A run's report as JSON (also for a failed run, with what it did before).
pub(crate) fn report(report: &Report, error: Option<&anyhow::Error>) {
    let migrations: Vec<Value> = report
        .runs
        .iter()
        .map(|run| {
            json!({
                "id": run.id,
                "name": run.name,
                "direction": run.direction.to_string(),
                "duration_ms": u64::try_from(run.duration.as_millis()).unwrap_or(u64::MAX),
                "statements": run.statements,
                "retries": run.retries.len(),
                "skipped_units": run.skipped_units,
                "resumed_from": run.resumed_from,
                "backfills": run.backfills.iter().map(|b| json!({
                    "table": b.table,
                    "key": b.key,
                    "rows": b.rows,
                    "batches": b.batches,
                    "duration_ms": u64::try_from(b.duration.as_millis()).unwrap_or(u64::MAX),
                    "resumed_from": b.resumed_from,
                    "cursor": b.cursor,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let value = json!({
        "ok": error.is_none(),
        "dry_run": false,
        "migrations": migrations,
        "baselined": report.baselined,
        "repaired": report.repaired,
        "lock_waited_ms": u64::try_from(report.lock_waited.as_millis()).unwrap_or(u64::MAX),
        "preflight": report.preflight.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "error": error.map(error_json),
    });
    json_line(&value);
}

/// A failure as JSON, for a command whose `--json` output could not say it otherwise
/// (no connection, a refused configuration...): `{"ok": false, "error": {...}}`.
pub(crate) fn failure(error: &anyhow::Error) {
    json_line(&json!({ "ok": false, "error": error_json(error) }));
}

/// Whether a JSON document was printed.
pub(crate) fn printed() -> bool {
    JSON_PRINTED.load(Ordering::Relaxed)
}

/// `{message, chain, code, detail, hint}`; `code` is the SQLSTATE when PostgreSQL
/// reported the error (a migration's statement, a bookkeeping query, or connecting:
/// `28P01` bad password, `3D000` no such database...).
fn error_json(error: &anyhow::Error) -> Value {
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
    json!({
        "message": error.to_string(),
        "chain": error.chain().skip(1).map(ToString::to_string).collect::<Vec<_>>(),
        "code": code,
        "detail": detail,
        "hint": hint,
    })
}

fn json_line(value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| String::from("{}"));
    // JSON is for machines: no colors, whatever the stream.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", scrub(&text));
    let _ = stdout.flush();
    JSON_PRINTED.store(true, Ordering::Relaxed);
}

/// `--dry-run --json`: `{"ok": true, "dry_run": true, "migrations": [...]}`, each
/// migration with its units (`find` gives the direction a planned run would run).
pub(crate) fn dry_run<'a>(
    planned: &[PlannedRun],
    find: impl Fn(&PlannedRun) -> Option<&'a Direction>,
) {
    let migrations: Vec<Value> = planned
        .iter()
        .map(|run| {
            let units: Vec<Value> = find(run)
                .map(|dir| {
                    dir.units
                        .iter()
                        .map(|u| {
                            json!({
                                "transaction": matches!(u, Unit::Transaction(_)),
                                "sql": u.statements().iter().map(|s| s.sql.clone()).collect::<Vec<_>>(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "id": run.id,
                "name": run.name,
                "direction": run.direction.to_string(),
                "transactional": run.transactional,
                "resume_from": run.resume_from,
                "units": units,
            })
        })
        .collect();
    json_line(&json!({ "ok": true, "dry_run": true, "migrations": migrations }));
}

/// `status --json`: `{"ok": true, "up_to_date", "migrations": [...]}`; `late` are the
/// out-of-order ids.
pub(crate) fn status(list: &[MigrationStatus], clean: bool, late: &[i64]) {
    let migrations: Vec<Value> = list
        .iter()
        .map(|s| {
            let (state, mut detail) = state_word(s.state);
            if late.contains(&s.id) {
                detail = Some("out-of-order");
            }
            json!({
                "id": s.id,
                "name": s.name,
                "state": state,
                "detail": detail,
                "applied_at": s.applied_at.and_then(rfc3339),
                "checksum": s.checksum.to_string(),
                "recorded_checksum": s.recorded_checksum,
            })
        })
        .collect();
    json_line(&json!({ "ok": true, "up_to_date": clean, "migrations": migrations }));
}

/// `lint --json`: `{"findings": [...]}`.
pub(crate) fn lint(findings: &[migrate_core::lint::Finding]) {
    let items: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id,
                "name": f.name,
                "step": f.step,
                "kind": f.kind,
                "object": f.object,
                "rule": f.rule.code(),
                "risk": f.rule.risk(),
                "fix": f.rule.fix(),
                "allowed": f.allowed,
                "blocks": f.blocks(),
            })
        })
        .collect();
    json_line(&json!({ "findings": items }));
}

/// The four states of the JSON output (and a detail for the finer ones).
pub(super) fn state_word(state: MigrationState) -> (&'static str, Option<&'static str>) {
    match state {
        MigrationState::Applied => ("applied", None),
        MigrationState::Baselined => ("applied", Some("baselined")),
        MigrationState::Pending => ("pending", None),
        MigrationState::Modified => ("modified", None),
        MigrationState::Missing => ("missing", None),
        MigrationState::Incomplete => ("pending", Some("incomplete")),
    }
}

/// A time as RFC 3339, in UTC.
pub(super) fn rfc3339(time: SystemTime) -> Option<String> {
    jiff::Timestamp::try_from(time)
        .ok()
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
}
