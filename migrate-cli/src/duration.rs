//! Durations on the command line (`500ms`, `10s`, `2m`, `1m30s`, or `0`), parsed with
//! jiff's friendly format, and shown to people with [`human`].

use std::time::Duration;

const EXAMPLES: &str = "write e.g. `500ms`, `10s`, `2m` or `1m30s`";

/// Parses a duration in jiff's friendly format (`500ms`, `1.5s`, `2m`, `1h`, `1m30s`;
/// also ISO 8601's `PT10S`), or a bare `0`. A unit is required otherwise.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.bytes().all(|b| b == b'0') && !text.is_empty() {
        return Ok(Duration::ZERO);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!("`{text}` has no unit: {EXAMPLES}"));
    }
    let signed: jiff::SignedDuration = text
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: {EXAMPLES}"))?;
    Duration::try_from(signed).map_err(|_| format!("`{text}` is negative: {EXAMPLES}"))
}

/// A duration for people: `850ms`, `3.2s`, `2m05s`. Every duration a message shows
/// goes through it.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse(" 250ms "), Ok(Duration::from_millis(250)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        for bad in ["10", "1.5", "10x", "s", "", "-1s", "ten", "1d"] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("10s"), "{bad}: {error}");
        }
        assert!(parse("10").unwrap_err().contains("no unit"));
    }

    #[test]
    fn shows_durations() {
        assert_eq!(human(Duration::from_millis(850)), "850ms");
        assert_eq!(human(Duration::from_millis(3240)), "3.2s");
        assert_eq!(human(Duration::from_nanos(3_002_042_521)), "3.0s");
        assert_eq!(human(Duration::from_secs(125)), "2m05s");
    }
}
