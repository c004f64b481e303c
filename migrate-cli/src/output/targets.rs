//! Many targets (`--schemas`, `--databases`): one line per target as it finishes, a
//! total line, or one JSON document with an object per target.
//!
//! ```text
//! tenant_001  applied 10 migration(s) in 120ms
//! tenant_007  FAILED at 20261201_000000 add_col: relation "x" already exists (SQLSTATE 42P07)
//! tenant_008  skipped
//! 200 target(s): 198 ok, 1 failed, 1 skipped in 12.3s
//! ```

use std::time::Duration;

use migrate_core::targets::{Scope, Tenant};
use migrate_core::{DisplayId, HumanDuration, MigrationState, MigrationStatus, Report};
use serde::Serialize;
use serde_json::Value;

use super::json;
use super::status::late_and_clean;
use super::terminal::{BOLD, DIM, GREEN, RED, YELLOW, out, paint};

/// How one target ended, as the line and the JSON show it.
pub(crate) enum TargetLine<'a> {
    /// `up`, `down`, `redo`, `baseline` or `repair` succeeded; `verb` is what its
    /// migrations had done to them (`applied`), `nothing` the words for an empty run.
    Ran {
        report: &'a Report,
        verb: &'static str,
        nothing: &'static str,
    },
    /// `status` read the target's history (`verbose`: also print its table).
    Status {
        list: &'a [MigrationStatus],
        verbose: bool,
    },
    /// It failed.
    Failed(&'a (dyn std::error::Error + Send + Sync + 'static)),
    /// It was not started (`--fail-fast`).
    Skipped,
}

/// One target's line, printed as it finishes: its name padded to `width`, what
/// happened, how long it took.
pub(crate) fn target_line(name: &str, width: usize, elapsed: Duration, line: &TargetLine<'_>) {
    let name = paint(BOLD, &format!("{name:<width$}"));
    let took = paint(DIM, &format!("in {}", HumanDuration(elapsed)));
    let text = match line {
        TargetLine::Ran {
            report,
            verb,
            nothing,
        } => {
            let mut parts = Vec::new();
            if !report.runs.is_empty() {
                // Distinct ids: a redo runs one migration twice (down, then up).
                let mut ids = report.ids();
                ids.sort_unstable();
                ids.dedup();
                parts.push(format!("{verb} {} migration(s)", ids.len()));
            }
            if !report.baselined.is_empty() {
                parts.push(format!("baselined {} migration(s)", report.baselined.len()));
            }
            if !report.repaired.is_empty() {
                parts.push(format!("repaired {} checksum(s)", report.repaired.len()));
            }
            if parts.is_empty() {
                format!("{name}  {} {took}\n", paint(DIM, nothing))
            } else {
                format!("{name}  {} {took}\n", paint(GREEN, &parts.join(", ")))
            }
        }
        TargetLine::Status { list, verbose } => {
            let counts = Counts::of(list);
            let (_, clean) = late_and_clean(list);
            let state = if clean {
                paint(GREEN, "up to date")
            } else {
                paint(YELLOW, "needs action")
            };
            let mut text = format!(
                "{name}  {} applied, {} pending, {} modified, {} missing: {state}\n",
                counts.applied, counts.pending, counts.modified, counts.missing
            );
            if *verbose {
                out(&text);
                super::status(list, false);
                text = String::new();
            }
            text
        }
        TargetLine::Failed(error) => {
            format!("{name}  {} {took}\n", paint(RED, &failure_text(*error)))
        }
        TargetLine::Skipped => format!("{name}  {}\n", paint(DIM, "skipped")),
    };
    out(&text);
}

/// `FAILED at 20261201_000000 add_col: <PostgreSQL's message> (SQLSTATE ..)`, or
/// `FAILED: <the error and its causes>`, on one line.
fn failure_text<'e>(error: &'e (dyn std::error::Error + Send + Sync + 'static)) -> String {
    let mut causes: Vec<&'e (dyn std::error::Error + 'static)> = vec![error];
    while let Some(cause) = causes.last().and_then(|e| e.source()) {
        causes.push(cause);
    }
    let core = causes
        .iter()
        .find_map(|e| e.downcast_ref::<migrate_core::Error>());
    let mut text = match core {
        Some(migrate_core::Error::Statement(failure)) => format!(
            "FAILED at {} {}: {} (SQLSTATE {})",
            DisplayId(failure.id),
            failure.name,
            failure.db.message,
            failure.db.code
        ),
        _ => {
            let mut chain: Vec<String> = Vec::new();
            for cause in &causes {
                let message = cause.to_string();
                // Drivers often repeat their source's text in their own.
                if !chain.iter().any(|c| c.contains(&message)) {
                    chain.push(message);
                }
            }
            format!("FAILED: {}", chain.join(": ").replace('\n', "; "))
        }
    };
    if let Some(applied) = core
        .and_then(migrate_core::Error::applied)
        .filter(|a| !a.runs.is_empty())
    {
        text.push_str(&format!(
            " (after {} migration(s) that stay done)",
            applied.runs.len()
        ));
    }
    text
}

/// The total line: `200 target(s): 198 ok, 1 failed, 1 skipped in 12.3s` (and how
/// many need action, for `status`).
pub(crate) fn targets_total(totals: &Totals, wall: Duration) {
    let mut text = format!(
        "{} target(s): {} ok, {} failed, {} skipped",
        totals.ok + totals.failed + totals.skipped,
        totals.ok,
        totals.failed,
        totals.skipped
    );
    if let Some(n) = totals.needs_action {
        text.push_str(&format!(", {n} need(s) action"));
    }
    text.push_str(&format!(" in {}", HumanDuration(wall)));
    let style = if totals.failed > 0 { RED } else { DIM };
    out(&format!("{}\n", paint(style, &text)));
}

/// The counts of the total line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Totals {
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) skipped: usize,
    /// For `status`: the targets not up to date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) needs_action: Option<usize>,
}

/// A status's counts by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
struct Counts {
    applied: usize,
    pending: usize,
    modified: usize,
    missing: usize,
    incomplete: usize,
}

impl Counts {
    fn of(list: &[MigrationStatus]) -> Self {
        let mut counts = Counts::default();
        for status in list {
            match status.state {
                MigrationState::Applied | MigrationState::Baselined => counts.applied += 1,
                MigrationState::Pending => counts.pending += 1,
                MigrationState::Modified => counts.modified += 1,
                MigrationState::Missing => counts.missing += 1,
                _ => counts.incomplete += 1,
            }
        }
        counts
    }
}

/// `--json` with many targets: `{"ok", "scope", "jobs", "fail_fast", "targets": [{"target",
/// "database", "created", "result": "ok"|"failed"|"skipped", "elapsed_ms", ...}],
/// "totals", "wall_ms"}`. A run's target carries `report` (the document `up --json`
/// prints for one database); a status's, `counts` and `status` (`status --json`'s
/// document); a failure's, `error`.
pub(crate) fn targets_json(
    scope: Scope,
    jobs: usize,
    fail_fast: bool,
    entries: &[JsonEntry<'_>],
    totals: &Totals,
    wall: Duration,
) {
    #[derive(Serialize)]
    struct Document<'a> {
        ok: bool,
        scope: Scope,
        jobs: usize,
        fail_fast: bool,
        targets: Vec<Value>,
        totals: &'a Totals,
        wall_ms: u128,
    }
    let targets = entries.iter().map(target_value).collect();
    json::print(&Document {
        ok: totals.failed == 0,
        scope,
        jobs,
        fail_fast,
        targets,
        totals,
        wall_ms: wall.as_millis(),
    });
}

/// One target of the JSON document; `error` is the failure of a failed one.
pub(crate) struct JsonEntry<'a> {
    pub(crate) target: &'a Tenant,
    pub(crate) elapsed: Duration,
    pub(crate) line: TargetLine<'a>,
    pub(crate) error: Option<&'a anyhow::Error>,
}

fn target_value(entry: &JsonEntry<'_>) -> Value {
    let JsonEntry {
        target,
        elapsed,
        line,
        error,
    } = entry;
    let result = match line {
        TargetLine::Ran { .. } | TargetLine::Status { .. } => "ok",
        TargetLine::Failed(_) => "failed",
        TargetLine::Skipped => "skipped",
    };
    let mut value = serde_json::json!({
        "target": target.name,
        "database": target.database,
        "created": !target.exists,
        "result": result,
        "elapsed_ms": elapsed.as_millis(),
    });
    if let Value::Object(fields) = &mut value {
        match line {
            TargetLine::Ran { report, .. } => {
                fields.insert("report".to_owned(), json::report_value(report, None));
            }
            TargetLine::Status { list, .. } => {
                let (late, clean) = late_and_clean(list);
                fields.insert(
                    "counts".to_owned(),
                    serde_json::to_value(Counts::of(list)).unwrap_or(Value::Null),
                );
                fields.insert("status".to_owned(), json::status_value(list, clean, &late));
            }
            TargetLine::Failed(_) => {
                let Some(error) = error else {
                    return value;
                };
                let applied = error
                    .chain()
                    .find_map(|e| e.downcast_ref::<migrate_core::Error>())
                    .and_then(migrate_core::Error::applied)
                    .cloned()
                    .unwrap_or_default();
                fields.insert("error".to_owned(), json::error_value(error));
                fields.insert(
                    "report".to_owned(),
                    json::report_value(&applied, Some(error)),
                );
            }
            TargetLine::Skipped => {}
        }
    }
    value
}
