//! Everything the command prints: run lines, status tables, SQL, JSON, errors and the
//! live indicator. This is the ONE place in the workspace that writes to stdout and
//! stderr (hence the `print_stdout`/`print_stderr` allowance below).
//!
//! Colors go through `anstream`, which drops them when NO_COLOR is set, when the
//! stream is not a terminal, or with `--color never`. Every text printed (clap's
//! errors and the JSON included) passes through [`scrub`], the one scrubber: it masks
//! every password registered with [`add_secrets`], which the command line registers
//! for each connection string it sees (arguments, environment, `.env`) before parsing
//! it, so no message built from user input can show one.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use anstyle::{AnsiColor, Style};
use migrate_core::{
    BackfillRun, Direction, DisplayId, HumanDuration, MigrationPlan, MigrationState,
    MigrationStatus, Migrator, PlannedRun, Report, RunDirection, Unit, render,
};
use serde_json::{Value, json};

use crate::cli::ColorChoice;
use crate::progress::Running;
use crate::scaffold::Scaffolded;

const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const RED: Style = AnsiColor::Red.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// Secrets to mask in everything printed, longest first.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether a JSON document was printed on stdout (a failed command prints its own
/// only when none was).
static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// Sets the color choice for both streams.
pub(crate) fn set_color(choice: ColorChoice) {
    anstream::ColorChoice::write_global(match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    });
}

/// Whether colors are on for stderr (for the log layer).
pub(crate) fn stderr_colored() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether stderr is a terminal (for the live indicator).
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Registers passwords to mask, as given and as JSON escapes them. Passwords shorter
/// than 3 characters are not searched for (they would mask ordinary text); they are
/// still never printed on purpose, since every connection string shown is redacted.
pub(crate) fn add_secrets(secrets: impl IntoIterator<Item = String>) {
    let mut list = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in secrets.into_iter().filter(|s| s.len() >= 3) {
        let escaped = serde_json::to_string(&secret)
            .ok()
            .map(|quoted| quoted[1..quoted.len() - 1].to_owned());
        for form in [Some(secret), escaped].into_iter().flatten() {
            if !list.contains(&form) {
                list.push(form);
            }
        }
    }
    // A secret that contains another is masked first.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The text with every registered secret replaced by `***`.
pub(crate) fn scrub(text: &str) -> String {
    let list = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = text.to_owned();
    for secret in list.iter() {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

fn out(text: &str) {
    let mut stdout = anstream::stdout().lock();
    let _ = stdout.write_all(scrub(text).as_bytes());
    let _ = stdout.flush();
}

fn err(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(scrub(text).as_bytes());
    let _ = stderr.flush();
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// A clap error (or `--help` / `--version`), printed the way clap prints it, but
/// scrubbed: clap echoes arguments (`unexpected argument 'postgres://u:pw@h'`).
pub(crate) fn clap_error(error: &clap::Error) {
    let text = error.render().ansi().to_string();
    if error.use_stderr() {
        err(&text);
    } else {
        out(&text);
    }
}

/// An error with its whole chain, PostgreSQL's detail and hint included.
pub(crate) fn error(error: &anyhow::Error) {
    let mut text = format!("{} {}\n", paint(RED, "error:"), indent(&error.to_string()));
    let mut previous = error.to_string();
    for cause in error.chain().skip(1) {
        let message = cause.to_string();
        // Drivers often repeat their source's text in their own: show it once.
        if previous.contains(&message) {
            continue;
        }
        text.push_str(&format!(
            "  {} {}\n",
            paint(DIM, "caused by:"),
            indent(&message)
        ));
        previous = message;
    }
    err(&text);
}

/// A warning on stderr.
pub(crate) fn warning(message: &str) {
    err(&format!("{} {message}\n", paint(YELLOW, "warning:")));
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// One line per migration run: `applied  20261121_090000 create_users  12ms`.
pub(crate) fn run_line(id: i64, name: &str, direction: RunDirection, duration: Duration) {
    let verb = match direction {
        RunDirection::Up => paint(GREEN, "applied "),
        RunDirection::Down => paint(YELLOW, "reverted"),
    };
    out(&format!(
        "{verb} {} {name}  {}\n",
        paint(BOLD, &DisplayId(id).to_string()),
        paint(DIM, &HumanDuration(duration).to_string())
    ));
}

/// Draws the live indicator on stderr, in place.
pub(crate) fn draw_indicator(frame: usize, running: &Running) {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let verb = match running.direction {
        RunDirection::Up => "applying",
        RunDirection::Down => "reverting",
    };
    err(&format!(
        "\r\x1b[2K{} {verb} {} {} {}",
        paint(CYAN, &FRAMES[frame % FRAMES.len()].to_string()),
        DisplayId(running.id),
        running.name,
        paint(DIM, &HumanDuration(running.started.elapsed()).to_string())
    ));
}

/// Erases the indicator line.
pub(crate) fn clear_indicator() {
    err("\r\x1b[2K");
}

/// What a run did, after the lines printed live: the lines not printed yet, then a
/// summary.
pub(crate) fn report(report: &Report, already: impl Fn(i64, RunDirection) -> bool) {
    for run in &report.runs {
        if !already(run.id, run.direction) {
            run_line(run.id, &run.name, run.direction, run.duration);
        }
        if !run.retries.is_empty() {
            out(&format!(
                "         {} after {} blocked attempts\n",
                paint(DIM, "succeeded"),
                run.retries.len()
            ));
        }
        if let Some(units) = run.resumed_from {
            out(&format!(
                "         {}\n",
                paint(
                    DIM,
                    &format!("resumed after {units} unit(s) done by an interrupted run")
                )
            ));
        }
        for backfill in &run.backfills {
            out(&format!(
                "         {}\n",
                paint(DIM, &backfill_line(backfill))
            ));
        }
    }
    if !report.baselined.is_empty() {
        out(&format!(
            "baselined {} migration(s): {}\n",
            report.baselined.len(),
            id_list(&report.baselined)
        ));
    }
    if !report.repaired.is_empty() {
        out(&format!(
            "repaired the checksums of {} migration(s): {}\n",
            report.repaired.len(),
            id_list(&report.repaired)
        ));
    }
}

/// `backfilled 50000 rows of accounts in 50 batches (keyset on id) in 2.1s`.
fn backfill_line(backfill: &BackfillRun) -> String {
    let resumed = match &backfill.resumed_from {
        Some(cursor) => format!(", resumed after {} = {cursor}", backfill.key),
        None => String::new(),
    };
    format!(
        "backfilled {} row(s) of {} in {} batch(es) (keyset on {}{resumed}) in {}",
        backfill.rows,
        backfill.table,
        backfill.batches,
        backfill.key,
        HumanDuration(backfill.duration)
    )
}

/// The summary after a successful run.
pub(crate) fn summary(report: &Report, what: &str) {
    if report.is_empty() {
        out(&format!("{}\n", paint(DIM, what)));
        return;
    }
    let total: Duration = report.runs.iter().map(|r| r.duration).sum();
    if !report.runs.is_empty() {
        out(&format!(
            "{}\n",
            paint(
                DIM,
                &format!(
                    "{} migration(s) in {}",
                    report.runs.len(),
                    HumanDuration(total)
                )
            )
        ));
    }
}

fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| DisplayId(*id).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A run's report as JSON (also for a failed run, with what it did before).
pub(crate) fn report_json(report: &Report, error: Option<&anyhow::Error>) {
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
pub(crate) fn failure_json(error: &anyhow::Error) {
    json_line(&json!({ "ok": false, "error": error_json(error) }));
}

/// Whether a JSON document was printed.
pub(crate) fn json_printed() -> bool {
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

/// The SQL of one direction of a migration, with its transaction boundaries. Units
/// before `resume_from` are shown as done.
fn sql_block(
    id: i64,
    name: &str,
    direction: RunDirection,
    dir: &Direction,
    resume_from: usize,
) -> String {
    let kind = if dir.is_transactional() {
        "transaction"
    } else {
        "not one transaction"
    };
    let arrow = match direction {
        RunDirection::Up => "up",
        RunDirection::Down => "down",
    };
    let mut text = format!("-- {} {name} {arrow} ({kind})\n", DisplayId(id));
    if dir.is_transactional() {
        text.push_str("BEGIN;\n");
        for statement in dir.statements() {
            text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
        }
        text.push_str("COMMIT;\n");
        return text;
    }
    for (k, unit) in dir.units.iter().enumerate() {
        if k < resume_from {
            text.push_str(&format!(
                "-- unit {} done by an interrupted run; skipped\n",
                k + 1
            ));
            continue;
        }
        match unit {
            Unit::Transaction(statements) => {
                text.push_str("BEGIN;\n");
                for statement in statements {
                    text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
                }
                text.push_str("COMMIT;\n");
            }
            Unit::Alone(statement) => {
                text.push_str("-- runs outside a transaction\n");
                text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
            }
        }
    }
    text
}

/// `sql ID`: the SQL of one migration.
pub(crate) fn sql(plan: &MigrationPlan, direction: RunDirection, dir: &Direction) {
    out(&sql_block(plan.id, plan.name, direction, dir, 0));
}

/// `--dry-run`: what would run, as SQL (or JSON), changing nothing.
pub(crate) fn dry_run(migrator: &Migrator, planned: &[PlannedRun], json: bool) {
    let find = |run: &PlannedRun| {
        let plan = migrator.plan(run.id).ok()?;
        let dir = match run.direction {
            RunDirection::Up => Some(&plan.up),
            RunDirection::Down => plan.down.as_ref(),
        }?;
        Some((plan, dir))
    };
    if json {
        let migrations: Vec<Value> = planned
            .iter()
            .map(|run| {
                let units: Vec<Value> = find(run)
                    .map(|(_, dir)| {
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
        return;
    }
    if planned.is_empty() {
        out("-- dry run: nothing to do\n");
        return;
    }
    let mut text = String::from(
        "-- dry run: nothing was changed. The runner also records each migration in its \
         history table, in the same transaction.\n",
    );
    for run in planned {
        text.push('\n');
        match find(run) {
            Some((plan, dir)) => {
                text.push_str(&sql_block(
                    plan.id,
                    plan.name,
                    run.direction,
                    dir,
                    run.resume_from,
                ));
            }
            None => {
                text.push_str(&format!("-- {} {}\n", DisplayId(run.id), run.name));
                for sql in &run.sql {
                    text.push_str(&format!("{}\n", render::terminated(sql)));
                }
            }
        }
    }
    out(&text);
}

/// The four states of the JSON output (and a detail for the finer ones).
fn state_word(state: MigrationState) -> (&'static str, Option<&'static str>) {
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
fn rfc3339(time: SystemTime) -> Option<String> {
    jiff::Timestamp::try_from(time)
        .ok()
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
}

/// The ids of pending migrations older than the newest recorded one: `up` refuses
/// them (as the runner's reconciliation does) unless `--allow-out-of-order`.
fn out_of_order(list: &[MigrationStatus]) -> Vec<i64> {
    let newest = list
        .iter()
        .filter(|s| s.state != MigrationState::Pending)
        .map(|s| s.id)
        .max();
    list.iter()
        .filter(|s| s.state == MigrationState::Pending && newest.is_some_and(|n| s.id < n))
        .map(|s| s.id)
        .collect()
}

/// `status`. Returns whether the database is up to date: every migration applied,
/// nothing pending, modified, missing or out of order (`--exit-code`).
pub(crate) fn status(list: &[MigrationStatus], json: bool) -> bool {
    let late = out_of_order(list);
    let clean = list
        .iter()
        .all(|s| matches!(s.state, MigrationState::Applied | MigrationState::Baselined));
    if json {
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
        return clean;
    }
    if list.is_empty() {
        out("no migrations\n");
        return clean;
    }
    let width = list.iter().map(|s| s.name.len()).max().unwrap_or(4).max(4);
    let mut text = format!(
        "{}\n",
        paint(
            BOLD,
            &format!(
                "{:<15}  {:<width$}  {:<12}  APPLIED AT",
                "ID", "NAME", "STATE"
            )
        )
    );
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in list {
        let (word, detail) = state_word(s.state);
        let shown = if late.contains(&s.id) {
            "out-of-order"
        } else {
            detail.unwrap_or(word)
        };
        let style = match s.state {
            MigrationState::Applied | MigrationState::Baselined => GREEN,
            MigrationState::Pending if !late.contains(&s.id) => DIM,
            _ => RED,
        };
        match counts.iter_mut().find(|(w, _)| *w == shown) {
            Some((_, n)) => *n += 1,
            None => counts.push((shown, 1)),
        }
        text.push_str(&format!(
            "{:<15}  {:<width$}  {}  {}\n",
            DisplayId(s.id).to_string(),
            s.name,
            paint(style, &format!("{shown:<12}")),
            s.applied_at.and_then(rfc3339).unwrap_or_default()
        ));
    }
    let summary: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    text.push_str(&format!(
        "{}\n",
        paint(
            DIM,
            &format!("{} migration(s): {}", list.len(), summary.join(", "))
        )
    ));
    if list.iter().any(|s| s.state == MigrationState::Modified) {
        text.push_str(
            "hint: a modified migration changed since it ran: revert the edit, or accept it with `repair`\n",
        );
    }
    if !late.is_empty() {
        text.push_str(
            "hint: `up` refuses out-of-order migrations: give them newer ids, or apply them \
             with `up --allow-out-of-order`\n",
        );
    }
    out(&text);
    clean
}

/// `new`.
pub(crate) fn scaffolded(made: &Scaffolded) {
    out(&format!(
        "{} {} ({})\n{} {}\n",
        paint(GREEN, "created   "),
        made.file.display(),
        DisplayId(made.id),
        paint(GREEN, "registered"),
        made.module.display()
    ));
}

/// `lint`: one line per finding, then a summary; or a JSON object with `findings`.
pub(crate) fn lint(findings: &[migrate_core::lint::Finding], json: bool) {
    if json {
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
        return;
    }
    let mut text = String::new();
    for f in findings {
        let (mark, color) = if f.blocks() {
            ("error  ", RED)
        } else {
            ("allowed", YELLOW)
        };
        text.push_str(&format!(
            "{} {} {} step {} (`{}` {}): [{}] {}\n        fix: {}\n",
            paint(color, mark),
            DisplayId(f.id),
            f.name,
            f.step,
            f.kind,
            f.object,
            f.rule.code(),
            f.rule.risk(),
            f.rule.fix(),
        ));
        if let Some(reason) = &f.allowed {
            text.push_str(&format!("        allowed because: {reason}\n"));
        }
    }
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    text.push_str(&format!(
        "{} finding(s): {} blocking, {} acknowledged\n",
        findings.len(),
        blocking,
        findings.len() - blocking
    ));
    out(&text);
}

/// `verify`: the report, one line per migration, a diff for the failure.
pub(crate) fn verify(report: &migrate_core::VerifyReport) {
    out(&format!("{report}\n"));
}

/// `schema`: the snapshot's text.
pub(crate) fn schema(text: &str) {
    out(text);
    if !text.ends_with('\n') {
        out("\n");
    }
}

/// `schema --check FILE` found no difference.
pub(crate) fn schema_matches(path: &std::path::Path, objects: usize) {
    out(&format!(
        "{} the database matches {} ({objects} objects)\n",
        paint(GREEN, "ok"),
        path.display()
    ));
}

/// A log line from the tracing layer, on stderr.
pub(crate) fn log(bytes: &[u8]) {
    err(&String::from_utf8_lossy(bytes));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed() {
        add_secrets(["hunter22".to_owned(), "a\"b\\c".to_owned(), "pw".to_owned()]);
        assert_eq!(scrub("password hunter22 here"), "password *** here");
        assert_eq!(scrub(r#"{"m": "x a\"b\\c y"}"#), r#"{"m": "x *** y"}"#);
        assert_eq!(scrub("a pw b"), "a pw b");
    }

    #[test]
    fn backfills_are_summed_up_with_their_resume_point() {
        let mut backfill = BackfillRun {
            step: 0,
            table: "\"public\".\"accounts\"".to_owned(),
            key: "id".to_owned(),
            resumed_from: None,
            batches: 50,
            rows: 50_000,
            last_batch_size: 1_000,
            duration: Duration::from_millis(2_100),
            cursor: Some("50000".to_owned()),
        };
        assert_eq!(
            backfill_line(&backfill),
            "backfilled 50000 row(s) of \"public\".\"accounts\" in 50 batch(es) (keyset on id) in 2.1s"
        );
        backfill.resumed_from = Some("20000".to_owned());
        assert!(
            backfill_line(&backfill).contains("(keyset on id, resumed after id = 20000)"),
            "{}",
            backfill_line(&backfill)
        );
    }

    #[test]
    fn times_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_400);
        assert_eq!(rfc3339(t).as_deref(), Some("2023-11-14T22:13:20Z"));
    }

    #[test]
    fn dry_run_shows_transaction_boundaries() {
        use migrate_core::prelude::*;
        fn index(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt).primary_key();
            });
            m.create_index_concurrently("idx_t", "t", ["id"]);
        }
        let plan = migrate_core::plan::preview(index).unwrap();
        let text = sql_block(1, "index", RunDirection::Up, &plan.up, 0);
        assert!(
            text.starts_with("-- 1 index up (not one transaction)\nBEGIN;\nCREATE TABLE"),
            "{text}"
        );
        assert!(
            text.contains("COMMIT;\n-- runs outside a transaction\nCREATE INDEX CONCURRENTLY"),
            "{text}"
        );
        let down = plan.down.as_ref().unwrap();
        let text = sql_block(1, "index", RunDirection::Down, down, 1);
        assert!(
            text.contains("-- unit 1 done by an interrupted run; skipped"),
            "{text}"
        );
    }
}
