//! The snapshot's text form: writing and parsing it.

use std::collections::BTreeMap;

use super::HEADER;
use crate::error::Error;

/// Writes the header and one line per object.
pub(super) fn write(objects: &BTreeMap<String, String>) -> String {
    let mut text = String::with_capacity(64 * objects.len() + HEADER.len() + 1);
    text.push_str(HEADER);
    text.push('\n');
    for (key, description) in objects {
        text.push_str(&escape(key));
        if !description.is_empty() {
            text.push_str(": ");
            text.push_str(&escape(description));
        }
        text.push('\n');
    }
    text
}

/// Parses the lines written by [`write`].
pub(super) fn parse(text: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut objects = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with("--") {
            continue;
        }
        let (key, description) = match separator(line) {
            Some(at) => (&line[..at], &line[at + 2..]),
            None => (line.strip_suffix(':').unwrap_or(line), ""),
        };
        let error = |message: String| Error::SnapshotSyntax {
            line: number,
            message,
        };
        if key.trim().is_empty() {
            return Err(error("an object without a key".to_owned()));
        }
        let key = unescape(key).map_err(error)?;
        let description = unescape(description).map_err(error)?;
        if objects.contains_key(&key) {
            return Err(error(format!("`{key}` is listed twice")));
        }
        objects.insert(key, description);
    }
    Ok(objects)
}

/// Where `": "` separates the key from the description: the first one outside a
/// double-quoted identifier.
fn separator(line: &str) -> Option<usize> {
    let mut quoted = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted && bytes.get(i + 1) == Some(&b' ') => return Some(i),
            _ => {}
        }
    }
    None
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => return Err(format!("unknown escape `\\{other}`")),
            None => return Err("a line ends with a lone `\\`".to_owned()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_odd_names_and_descriptions() {
        let objects: BTreeMap<String, String> = [
            ("table public.\"a: b\"", ""),
            ("column public.\"a: b\".x", "text default 'x\ny'::text"),
            ("view public.v", "SELECT 1 AS \"\\\";"),
            ("schema app", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let text = write(&objects);
        assert!(text.starts_with(HEADER));
        assert_eq!(text.lines().count(), 5, "{text}");
        assert_eq!(parse(&text).ok(), Some(objects));
    }

    #[test]
    fn reports_the_line_of_a_problem() {
        let err = parse("-- header\ntable a\ntable a\n").err();
        assert!(
            matches!(err, Some(Error::SnapshotSyntax { line: 3, .. })),
            "{err:?}"
        );
        let err = parse("column a.b: bad \\q escape").err();
        assert!(
            matches!(err, Some(Error::SnapshotSyntax { line: 1, .. })),
            "{err:?}"
        );
    }
}
