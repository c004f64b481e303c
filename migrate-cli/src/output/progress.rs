//! Following a run as it happens: a tracing layer hears the runner's "migration
//! starting" / "migration finished" events; each finished migration gets its line at
//! once, and on a terminal a ticker redraws "⠋ 20261121_090300 index_posts 3.2s"
//! in place while a migration runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use migrate_core::{DisplayId, HumanDuration, RunDirection};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

use super::run::run_line;
use super::terminal::{CYAN, DIM, err, paint};

/// A migration that started and has not finished.
#[derive(Clone, Debug)]
struct Running {
    /// Its id.
    id: i64,
    /// Its name.
    name: String,
    /// Which way.
    direction: RunDirection,
    /// When it started.
    started: Instant,
}

#[derive(Debug, Default)]
struct State {
    running: Option<Running>,
    /// Migrations whose line was printed, so the final report does not repeat them.
    printed: Vec<(i64, RunDirection)>,
    /// Whether the indicator line is on screen.
    drawn: bool,
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
        let mut state = self.lock();
        if state.drawn {
            clear_indicator();
            state.drawn = false;
        }
    }

    fn started(&self, running: Running) {
        self.lock().running = Some(running);
    }

    fn finished(&self, id: i64, name: &str, direction: RunDirection, duration: Duration) {
        let mut state = self.lock();
        state.running = None;
        if state.drawn {
            clear_indicator();
            state.drawn = false;
        }
        if self.lines {
            run_line(id, name, direction, duration);
            state.printed.push((id, direction));
        }
    }

    fn tick(&self, frame: usize) {
        let mut state = self.lock();
        if let Some(running) = &state.running {
            draw_indicator(frame, running);
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

/// The fields of a runner event that matter here.
#[derive(Default)]
struct Fields {
    message: String,
    id: Option<i64>,
    name: Option<String>,
    direction: Option<RunDirection>,
    duration_ms: Option<u64>,
}

impl Visit for Fields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "id" {
            self.id = Some(value);
        } else if field.name() == "duration_ms" {
            self.duration_ms = u64::try_from(value).ok();
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "id" => self.id = i64::try_from(value).ok(),
            "duration_ms" => self.duration_ms = Some(value),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "name" => self.name = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        match field.name() {
            "message" => self.message = text,
            "name" => self.name = Some(text.trim_matches('"').to_owned()),
            "direction" => {
                self.direction = match text.as_str() {
                    "up" | "Up" => Some(RunDirection::Up),
                    "down" | "Down" => Some(RunDirection::Down),
                    _ => None,
                }
            }
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Progress {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("migrate_core") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(id), Some(name), Some(direction)) = (fields.id, fields.name, fields.direction)
        else {
            return;
        };
        match fields.message.as_str() {
            "migration starting" => self.started(Running {
                id,
                name,
                direction,
                started: Instant::now(),
            }),
            "migration finished" => self.finished(
                id,
                &name,
                direction,
                Duration::from_millis(fields.duration_ms.unwrap_or(0)),
            ),
            _ => {}
        }
    }
}

/// Draws the live indicator on stderr, in place.
fn draw_indicator(frame: usize, running: &Running) {
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
fn clear_indicator() {
    err("\r\x1b[2K");
}
