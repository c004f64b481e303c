//! Following a run as it happens, from the runner's typed events
//! ([`RunEvent`], received through `MigratorOptions::on_event`): each finished
//! migration gets its line at once, a blocked statement that will be retried says what
//! blocked it, a pre-flight warning or an invalid index about to be rebuilt is a
//! warning; and on a terminal a ticker redraws "⠋ applying 20261121_090300
//! index_posts 3.2s" in place while a migration runs (or the run waits for the lock).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use migrate_core::{Blocker, DisplayId, HumanDuration, RunDirection, RunEvent};

use super::errors::warning;
use super::run::{Retry, retry_lines, run_line};
use super::terminal::{CYAN, DIM, err, paint};

/// What the indicator shows.
#[derive(Clone, Debug)]
enum Activity {
    /// A migration that started and has not finished.
    Migration {
        id: i64,
        name: String,
        direction: RunDirection,
        started: Instant,
        /// Rows its backfills updated so far.
        backfilled: Option<u64>,
    },
    /// The run lock is held by another session.
    WaitingForLock {
        since: Instant,
        /// The session holding it, when seen.
        holder: Option<Blocker>,
    },
}

#[derive(Debug, Default)]
struct State {
    activity: Option<Activity>,
    /// Migrations whose line was printed, so the final report does not repeat them.
    printed: Vec<(i64, RunDirection)>,
    /// Whether the indicator line is on screen.
    drawn: bool,
}

impl State {
    /// Erases the indicator, if drawn.
    fn clear(&mut self) {
        if self.drawn {
            clear_indicator();
            self.drawn = false;
        }
    }
}

/// The shared state of a run's progress.
#[derive(Clone, Debug)]
pub(crate) struct Progress {
    state: Arc<Mutex<State>>,
    /// Print a line per finished migration as it finishes (text output only).
    lines: bool,
    /// Draw the live indicator (stderr is a terminal).
    live: bool,
}

impl Progress {
    /// `lines`: print run lines as they come; `live`: draw the indicator.
    pub(crate) fn new(lines: bool, live: bool) -> Self {
        Self {
            state: Arc::default(),
            lines,
            live,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the line of this migration was already printed.
    pub(crate) fn printed(&self, id: i64, direction: RunDirection) -> bool {
        self.lock().printed.contains(&(id, direction))
    }

    /// Erases the indicator (before other output, and at the end).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Follows one event of the run (the callback given to
    /// `MigratorOptions::on_event`).
    pub(crate) fn on_event(&self, event: &RunEvent) {
        let mut state = self.lock();
        match event {
            RunEvent::WaitingForLock { holder, waited, .. } => {
                state.activity = Some(Activity::WaitingForLock {
                    since: Instant::now()
                        .checked_sub(*waited)
                        .unwrap_or_else(Instant::now),
                    holder: holder.clone(),
                });
            }
            RunEvent::MigrationStarted {
                id,
                name,
                direction,
                ..
            } => {
                state.activity = Some(Activity::Migration {
                    id: *id,
                    name: (*name).to_owned(),
                    direction: *direction,
                    started: Instant::now(),
                    backfilled: None,
                });
            }
            RunEvent::MigrationFinished {
                id,
                name,
                direction,
                duration,
                ..
            } => {
                state.activity = None;
                state.clear();
                if self.lines {
                    run_line(*id, name, *direction, *duration);
                    state.printed.push((*id, *direction));
                }
            }
            // The run starts, or a migration stopped it.
            RunEvent::LockAcquired { .. } | RunEvent::MigrationFailed { .. } => {
                state.activity = None;
                state.clear();
            }
            RunEvent::StatementRetry {
                id,
                name,
                attempt,
                attempts,
                code,
                lock_timeout,
                blockers,
                retry_in,
                ..
            } => {
                state.clear();
                retry_lines(&Retry {
                    id: *id,
                    name,
                    attempt: *attempt,
                    attempts: *attempts,
                    code,
                    lock_timeout: *lock_timeout,
                    blockers,
                    retry_in: *retry_in,
                });
            }
            RunEvent::BackfillProgress { rows, .. } => {
                if let Some(Activity::Migration { backfilled, .. }) = &mut state.activity {
                    *backfilled = Some(*rows);
                }
            }
            RunEvent::Preflight(found) => {
                state.clear();
                warning(&format!("pre-flight: {found}"));
            }
            RunEvent::RebuildingInvalidIndex { index, .. } => {
                state.clear();
                warning(&format!(
                    "invalid index {index} left by a failed concurrent build: dropping it to \
                     build it again"
                ));
            }
            _ => {}
        }
    }

    fn tick(&self, frame: usize) {
        let mut state = self.lock();
        if let Some(activity) = &state.activity {
            draw_indicator(frame, activity);
            state.drawn = true;
        }
    }

    /// Starts the ticker thread when the indicator is wanted. Stop it with
    /// [`Ticker::stop`].
    pub(crate) fn ticker(&self) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = self.live.then(|| {
            let progress = self.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut frame = 0;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    progress.tick(frame);
                    frame += 1;
                }
                progress.clear();
            })
        });
        Ticker { stop, handle }
    }
}

/// The indicator's thread.
#[derive(Debug)]
pub(crate) struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Stops the thread and erases the indicator.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The indicator's text, without its spinner.
fn indicator_text(activity: &Activity) -> String {
    match activity {
        Activity::Migration {
            id,
            name,
            direction,
            started,
            backfilled,
        } => {
            let verb = match direction {
                RunDirection::Up => "applying",
                RunDirection::Down => "reverting",
            };
            let rows = match backfilled {
                Some(rows) => format!(", {rows} row(s) backfilled"),
                None => String::new(),
            };
            format!(
                "{verb} {} {name} {}",
                DisplayId(*id),
                paint(DIM, &format!("{}{rows}", HumanDuration(started.elapsed())))
            )
        }
        Activity::WaitingForLock { since, holder } => {
            let held = match holder {
                Some(holder) if holder.application_name.is_empty() => {
                    format!(", held by pid {}", holder.pid)
                }
                Some(holder) => {
                    format!(", held by pid {} ({})", holder.pid, holder.application_name)
                }
                None => String::new(),
            };
            format!(
                "waiting for the run lock{held} {}",
                paint(DIM, &HumanDuration(since.elapsed()).to_string())
            )
        }
    }
}

/// Draws the live indicator on stderr, in place.
fn draw_indicator(frame: usize, activity: &Activity) {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    err(&format!(
        "\r\x1b[2K{} {}",
        paint(CYAN, &FRAMES[frame % FRAMES.len()].to_string()),
        indicator_text(activity)
    ));
}

/// Erases the indicator line.
fn clear_indicator() {
    err("\r\x1b[2K");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(activity: &Activity) -> String {
        anstream::adapter::strip_str(&indicator_text(activity)).to_string()
    }

    #[test]
    fn the_indicator_says_what_the_run_is_doing() {
        let migration = Activity::Migration {
            id: 20261121090500,
            name: "backfill_post_status".to_owned(),
            direction: RunDirection::Up,
            started: Instant::now(),
            backfilled: Some(12_000),
        };
        let text = shown(&migration);
        assert!(
            text.starts_with("applying 20261121_090500 backfill_post_status "),
            "{text}"
        );
        assert!(text.ends_with(", 12000 row(s) backfilled"), "{text}");
        let waiting = |application_name: &str| {
            let mut holder = Blocker::default();
            holder.pid = 7;
            holder.application_name = application_name.to_owned();
            Activity::WaitingForLock {
                since: Instant::now(),
                holder: Some(holder),
            }
        };
        assert!(
            shown(&waiting("deploy"))
                .starts_with("waiting for the run lock, held by pid 7 (deploy) ")
        );
        assert!(shown(&waiting("")).starts_with("waiting for the run lock, held by pid 7 "));
    }
}
