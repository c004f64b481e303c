//! Logs (`-v`): the tracing subscriber that writes migrate-core's log lines to stderr,
//! erasing the live indicator first. Progress is not read from logs: it comes from the
//! run's typed events ([`super::progress`]).

use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, LevelFilter, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;

use super::progress::Progress;
use super::terminal::{log, stderr_colored};
use crate::config::OutputConfig;

/// Logs to stderr (`-v`: info, `-vv`: debug, `-vvv`: trace). Without `-v`, only
/// migrate-core's warnings, less those the runner also sends as events (a blocked
/// statement retried, a pre-flight finding, an invalid index rebuilt), which
/// [`Progress`] shows instead.
pub(crate) fn install_logging(output: OutputConfig, progress: &Progress) {
    let targets = match output.verbose {
        0 => Targets::new()
            .with_target("migrate_core", LevelFilter::WARN)
            // The runner's modules whose warnings are also events (a blocked statement
            // retried, a pre-flight finding, an invalid index rebuilt): shown once, by
            // `Progress`. The session's own warnings (a failed flush) still show.
            .with_target("migrate_core::run::gates", LevelFilter::OFF)
            .with_target("migrate_core::run::alone", LevelFilter::OFF)
            .with_target("migrate_core::run::transaction", LevelFilter::OFF),
        1 => Targets::new()
            .with_target("migrate_core", LevelFilter::INFO)
            .with_target("migrate_cli", LevelFilter::INFO),
        2 => Targets::new().with_default(LevelFilter::DEBUG),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    // Without -v, errors are not logged: the error message says it all.
    let quiet = output.verbose == 0;
    let filter = targets.and(filter_fn(move |meta| {
        !(quiet && *meta.level() == tracing::Level::ERROR)
    }));
    let progress_for_logs = progress.clone();
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(stderr_colored())
        .with_target(output.verbose >= 2)
        .without_time()
        .with_writer(move || LogWriter(progress_for_logs.clone()))
        .with_filter(filter);
    let subscriber = tracing_subscriber::registry().with(fmt);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Writes log lines on stderr, erasing the indicator first.
struct LogWriter(Progress);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.clear();
        log(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
