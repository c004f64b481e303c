//! Latency statistics over the writer samples of a window.

use super::*;

#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    pub(crate) count: usize,
    pub(crate) max: Duration,
    pub(crate) p99: Duration,
    pub(crate) over_100ms: usize,
    pub(crate) over_1s: usize,
    pub(crate) throughput: f64,
    pub(crate) errors: usize,
}

/// Over transactions scheduled in `[from, to]` or in flight at `from`.
pub(crate) fn stats(samples: &[Sample], from: Duration, to: Duration) -> Stats {
    let mut lat: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for s in samples {
        let inside = s.sched >= from && s.sched <= to;
        let overlapping = s.sched < from && s.done() > from;
        if inside || overlapping {
            lat.push(s.latency);
            errors += usize::from(!s.ok);
        }
    }
    lat.sort();
    let completed = samples
        .iter()
        .filter(|s| s.done() >= from && s.done() <= to)
        .count();
    let secs = (to - from).as_secs_f64();
    let p99 = if lat.is_empty() {
        Duration::ZERO
    } else {
        lat[((lat.len() as f64 * 0.99).ceil() as usize).clamp(1, lat.len()) - 1]
    };
    Stats {
        count: lat.len(),
        max: lat.last().copied().unwrap_or_default(),
        p99,
        over_100ms: lat
            .iter()
            .filter(|l| **l > Duration::from_millis(100))
            .count(),
        over_1s: lat.iter().filter(|l| **l > Duration::from_secs(1)).count(),
        throughput: if secs > 0.0 {
            completed as f64 / secs
        } else {
            0.0
        },
        errors,
    }
}
