//! Durations on the command line (`500ms`, `10s`, `2m`, `1m30s`, or `0`), parsed with
//! jiff's friendly format. They are shown to people with [`migrate_core::HumanDuration`].

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
}
