//! What a run did, in words: one line per migration applied or reverted (printed
//! live by [`super::progress`] or after the run), what it resumed or backfilled, and a
//! summary.

use std::time::Duration;

use migrate_core::{BackfillRun, Blocker, DisplayId, HumanDuration, Report, RunDirection};

use super::terminal::{BOLD, DIM, GREEN, YELLOW, err, out, paint};

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

/// A blocked attempt that will be retried (from the runner's retry event).
pub(super) struct Retry<'a> {
    pub(super) id: i64,
    pub(super) name: &'a str,
    /// The attempt that failed (1 for the first), of how many allowed.
    pub(super) attempt: usize,
    pub(super) attempts: usize,
    /// The SQLSTATE.
    pub(super) code: &'a str,
    pub(super) lock_timeout: Option<Duration>,
    pub(super) blockers: &'a [Blocker],
    pub(super) retry_in: Duration,
}

/// A blocked attempt that will be retried, on stderr, with the sessions that blocked
/// it: `blocked  20261121_090300 index_posts: lock timeout (55P03) under
/// lock_timeout 100ms, attempt 1 of 5; retrying in 200ms`, then one `blocked by pid
/// 4242 (psql), idle in transaction: UPDATE ...` line per blocker.
pub(super) fn retry_lines(retry: &Retry<'_>) {
    err(&retry_text(retry));
}

fn retry_text(retry: &Retry<'_>) -> String {
    let what = match retry.code {
        "55P03" => "lock timeout (55P03)".to_owned(),
        "40P01" => "deadlock (40P01)".to_owned(),
        other => other.to_owned(),
    };
    let under = match retry.lock_timeout {
        Some(timeout) => format!(" under lock_timeout {}", HumanDuration(timeout)),
        None => String::new(),
    };
    let mut text = format!(
        "{} {} {}: {what}{under}, attempt {} of {}; retrying in {}\n",
        paint(YELLOW, "blocked "),
        paint(BOLD, &DisplayId(retry.id).to_string()),
        retry.name,
        retry.attempt,
        retry.attempts,
        HumanDuration(retry.retry_in)
    );
    for blocker in retry.blockers {
        text.push_str(&format!(
            "         {} {blocker}\n",
            paint(DIM, "blocked by")
        ));
    }
    text
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

/// The summary after `reset`: `reset: reverted 10 and applied 10 migration(s) in
/// 1.2s`, or, after `--recreate`, `reset: recreated database app and applied 10
/// migration(s) in 1.1s`.
pub(crate) fn reset_summary(report: &Report, recreated: Option<&str>) {
    out(&format!("{}\n", paint(DIM, &reset_text(report, recreated))));
}

fn reset_text(report: &Report, recreated: Option<&str>) -> String {
    let count = |direction| {
        report
            .runs
            .iter()
            .filter(|r| r.direction == direction)
            .count()
    };
    let total: Duration = report.runs.iter().map(|r| r.duration).sum();
    let first = match recreated {
        Some(what) => format!("recreated {what}"),
        None => format!("reverted {}", count(RunDirection::Down)),
    };
    format!(
        "reset: {first} and applied {} migration(s) in {}",
        count(RunDirection::Up),
        HumanDuration(total)
    )
}

fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| DisplayId(*id).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_names_its_blockers() {
        let mut blocker = Blocker::default();
        blocker.pid = 4242;
        blocker.application_name = "psql".to_owned();
        blocker.state = Some("idle in transaction".to_owned());
        blocker.query = Some("UPDATE posts SET title = 'x'".to_owned());
        let blockers = [blocker];
        let mut retry = Retry {
            id: 20261121090300,
            name: "index_posts",
            attempt: 1,
            attempts: 5,
            code: "55P03",
            lock_timeout: Some(Duration::from_millis(100)),
            blockers: &blockers,
            retry_in: Duration::from_millis(200),
        };
        assert_eq!(
            anstream::adapter::strip_str(&retry_text(&retry)).to_string(),
            "blocked  20261121_090300 index_posts: lock timeout (55P03) under lock_timeout \
             100ms, attempt 1 of 5; retrying in 200ms\n         blocked by pid 4242 (psql), \
             idle in transaction: UPDATE posts SET title = 'x'\n"
        );
        retry.code = "40P01";
        retry.lock_timeout = None;
        retry.blockers = &[];
        assert!(
            retry_text(&retry).contains(": deadlock (40P01), attempt 1 of 5; retrying in"),
            "{}",
            retry_text(&retry)
        );
    }

    #[test]
    fn backfills_are_summed_up_with_their_resume_point() {
        let mut backfill = BackfillRun::default();
        backfill.table = "\"public\".\"accounts\"".to_owned();
        backfill.key = "id".to_owned();
        backfill.batches = 50;
        backfill.rows = 50_000;
        backfill.last_batch_size = 1_000;
        backfill.duration = Duration::from_millis(2_100);
        backfill.cursor = Some("50000".to_owned());
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
}
