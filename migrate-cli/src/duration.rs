//! Durations on the command line: `500ms`, `10s`, `2m`, `1h`, or `0` (disabled).

use std::time::Duration;

/// Parses `<number><unit>` with unit `ms`, `s`, `m` or `h` (`1.5s` is allowed), or a
/// bare `0`.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{text}` has no unit: write e.g. `500ms`, `10s`, `2m`"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write e.g. `500ms`, `10s`, `2m`"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
}

/// Parses a comma-separated list of durations (a `lock_timeout` ladder).
pub(crate) fn parse_list(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',').map(parse).collect()
}

/// A duration for people: `850ms`, `3.2s`, `2m05s`.
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
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert!(parse("10").is_err());
        assert!(parse("10x").is_err());
        assert!(parse("s").is_err());
        assert_eq!(
            parse_list("100ms,1s"),
            Ok(vec![Duration::from_millis(100), Duration::from_secs(1)])
        );
    }

    #[test]
    fn shows_durations() {
        assert_eq!(human(Duration::from_millis(850)), "850ms");
        assert_eq!(human(Duration::from_millis(3240)), "3.2s");
        assert_eq!(human(Duration::from_secs(125)), "2m05s");
    }
}
