//! How ids and durations are written for people: one form in every message, the
//! library's errors and reports and the command line's output alike.

use std::fmt;
use std::time::Duration;

/// A migration id as people read it: `YYYYMMDD_HHMMSS` for a 14-digit id (the form
/// `#[migration(id = 20250101_000400)]` is written in), the plain number otherwise.
///
/// ```
/// use migrate_core::DisplayId;
///
/// assert_eq!(DisplayId(20250101000400).to_string(), "20250101_000400");
/// assert_eq!(DisplayId(42).to_string(), "42");
/// assert_eq!(DisplayId(-20250101000400).to_string(), "-20250101000400");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DisplayId(pub i64);

impl fmt::Display for DisplayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.0;
        if (10_000_000_000_000..=99_999_999_999_999).contains(&id) {
            write!(f, "{}_{:06}", id / 1_000_000, id % 1_000_000)
        } else {
            write!(f, "{id}")
        }
    }
}

/// A duration as people read it: `250ms` under a second, `3.0s` under a minute (one
/// decimal), then `2m05s`, then `1h02m`.
///
/// ```
/// use std::time::Duration;
/// use migrate_core::HumanDuration;
///
/// let human = |d| HumanDuration(d).to_string();
/// assert_eq!(human(Duration::from_micros(250_400)), "250ms");
/// assert_eq!(human(Duration::from_nanos(3_002_042_521)), "3.0s");
/// assert_eq!(human(Duration::from_secs(125)), "2m05s");
/// assert_eq!(human(Duration::from_secs(3725)), "1h02m");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let ms = d.as_millis();
        // Whole seconds, rounded, for the forms without a decimal.
        let s = (ms + 500) / 1000;
        if ms < 1000 {
            write!(f, "{ms}ms")
        } else if ms < 59_950 {
            // Rounded to a tenth: 59.96 s would print as `60.0s`, so it goes below.
            write!(f, "{:.1}s", d.as_secs_f64())
        } else if s < 3600 {
            write!(f, "{}m{:02}s", s / 60, s % 60)
        } else {
            write!(f, "{}h{:02}m", s / 3600, s % 3600 / 60)
        }
    }
}

#[cfg(test)]
// Ids are written as in `#[migration(id = 20250101_000400)]`.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_14_digits_split_at_the_time() {
        assert_eq!(DisplayId(20261121_090000).to_string(), "20261121_090000");
        assert_eq!(DisplayId(10000000000000).to_string(), "10000000_000000");
        assert_eq!(DisplayId(99999999999999).to_string(), "99999999_999999");
        assert_eq!(DisplayId(9999999999999).to_string(), "9999999999999");
        assert_eq!(DisplayId(100000000000000).to_string(), "100000000000000");
        assert_eq!(DisplayId(0).to_string(), "0");
    }

    #[test]
    fn durations_round_at_their_unit() {
        let human = |d| HumanDuration(d).to_string();
        assert_eq!(human(Duration::ZERO), "0ms");
        assert_eq!(human(Duration::from_millis(999)), "999ms");
        assert_eq!(human(Duration::from_millis(1000)), "1.0s");
        assert_eq!(human(Duration::from_millis(59_940)), "59.9s");
        assert_eq!(human(Duration::from_millis(59_960)), "1m00s");
        assert_eq!(human(Duration::from_millis(61_600)), "1m02s");
        assert_eq!(human(Duration::from_secs(60)), "1m00s");
        assert_eq!(human(Duration::from_secs(3599)), "59m59s");
        assert_eq!(human(Duration::from_secs(3600)), "1h00m");
    }
}
