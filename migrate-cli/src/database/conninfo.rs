//! Connection strings as text, in both of libpq's forms: a URL
//! (`postgres://user:pass@host:5432/db?sslmode=require`) and `key=value` pairs
//! (`host=localhost user=app sslmode=require`).
//!
//! Three jobs: take out the parameters that tokio-postgres refuses or does not
//! implement the way libpq does (`sslmode`, `sslrootcert`...) before it parses the
//! rest; redact the password for display (every place that shows a connection string
//! uses [`redact`]); and find what may be a password in any text the user gave
//! ([`secrets`]), parsable or not, so that the one scrubber of everything printed
//! (`output::terminal::scrub`) masks it.

use std::ops::Range;

/// What [`take_params`] took out of a connection string, and the rest.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Taken {
    /// The connection string without the taken parameters.
    pub(crate) rest: String,
    /// The taken parameters, decoded, in order.
    pub(crate) params: Vec<(String, String)>,
}

/// Whether the text is in the URL form.
pub(crate) fn is_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Takes the parameters named in `keys` out of a connection string.
pub(crate) fn take_params(text: &str, keys: &[&str]) -> Result<Taken, String> {
    if is_url(text) {
        take_url_params(text, keys)
    } else if let Some(scheme) = other_scheme(text) {
        Err(not_postgres_url(scheme))
    } else {
        take_kv_params(text, keys)
    }
}

/// The scheme of text that looks like a URL but not a PostgreSQL one (`mysql://...`,
/// `postgress://...`, `postgres:/...`): the letters before the first `:`. Key/value
/// text has an `=` before any `:`, so it never has one.
fn other_scheme(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let scheme = &text[..text.find(':')?];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
    .then_some(scheme)
}

fn not_postgres_url(scheme: &str) -> String {
    let lower = scheme.to_ascii_lowercase();
    let what = if lower == "postgres" || lower == "postgresql" {
        format!("`{scheme}:` must be followed by `//`")
    } else {
        format!("it starts with `{scheme}:`, not `postgres://` or `postgresql://`")
    };
    format!(
        "not a PostgreSQL connection string: {what}\n\
         hint: write postgres://user:password@host:5432/dbname, or key=value pairs \
         (host=... user=... dbname=...)"
    )
}

/// What may be a password in `text`, whether it parses or not: the part after the
/// first `:` of a URL's user info (`scheme://user:PASSWORD@host`, also with a
/// mistyped scheme or none), and every `password=` value (key/value form or URL
/// query), each as written and percent-decoded. Registered with the scrubber before
/// the text is parsed, so that no message built from it can show them.
pub(crate) fn secrets(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |raw: &str| {
        for candidate in [Some(raw.to_owned()), percent_decode(raw).ok()]
            .into_iter()
            .flatten()
        {
            if !candidate.is_empty() && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
    };
    for token in text.split_ascii_whitespace() {
        let head = token.split_once('?').map_or(token, |(head, _)| head);
        if let Some(at) = head.rfind('@') {
            let before = &head[..at];
            let start = before
                .find("://")
                .map(|i| i + 3)
                .or_else(|| before.rfind('/').map(|i| i + 1))
                .or_else(|| before.rfind('=').map(|i| i + 1))
                .unwrap_or(0);
            if let Some((_user, password)) = before[start..].split_once(':') {
                add(password);
            }
        }
    }
    // `password=value`, `password = 'quoted value'`, `?password=value&...`.
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password") {
        let after = from + i + "password".len();
        from = after;
        let rest = text[after..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.strip_prefix('\'') {
            Some(quoted) => quoted
                .split_once('\'')
                .map_or(quoted, |(value, _)| value)
                .replace("\\'", "'"),
            None => rest
                .split(|c: char| c.is_ascii_whitespace() || c == '&')
                .next()
                .unwrap_or("")
                .to_owned(),
        };
        add(value.trim_end_matches('\''));
    }
    found
}

fn take_url_params(text: &str, keys: &[&str]) -> Result<Taken, String> {
    let Some((base, query)) = text.split_once('?') else {
        return Ok(Taken {
            rest: text.to_owned(),
            params: Vec::new(),
        });
    };
    let mut kept = Vec::new();
    let mut params = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = percent_decode(key)?;
        if keys.contains(&key.as_str()) {
            params.push((key, percent_decode(value)?));
        } else {
            kept.push(part);
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Taken { rest, params })
}

fn take_kv_params(text: &str, keys: &[&str]) -> Result<Taken, String> {
    let mut kept = Vec::new();
    let mut params = Vec::new();
    for pair in kv_pairs(text)? {
        if keys.contains(&pair.key.as_str()) {
            params.push((pair.key, pair.value));
        } else {
            kept.push(&text[pair.range]);
        }
    }
    Ok(Taken {
        rest: kept.join(" "),
        params,
    })
}

/// A `key=value` pair of the key/value form, with where it stands in the text.
#[derive(Debug)]
struct Pair {
    key: String,
    value: String,
    /// The whole pair.
    range: Range<usize>,
    /// The value as written (quotes included).
    value_range: Range<usize>,
}

/// Splits libpq's key/value form: `key = value` pairs separated by whitespace; a value
/// is either single-quoted (with `\'` and `\\`) or runs to the next whitespace.
fn kv_pairs(text: &str) -> Result<Vec<Pair>, String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= bytes.len() {
            return Ok(out);
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = text[start..i].to_owned();
        skip_ws(&mut i);
        if i >= bytes.len() || bytes[i] != b'=' {
            return Err(format!(
                "missing `=` after `{key}` in the connection string"
            ));
        }
        i += 1;
        skip_ws(&mut i);
        let value_start = i;
        let mut value = Vec::new();
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(format!(
                            "unterminated quoted value for `{key}` in the connection string"
                        ));
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if i + 1 < bytes.len() => {
                        value.push(bytes[i + 1]);
                        i += 2;
                    }
                    Some(&b) => {
                        value.push(b);
                        i += 1;
                    }
                }
            }
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
        }
        out.push(Pair {
            key,
            value: String::from_utf8_lossy(&value).into_owned(),
            range: start..i,
            value_range: value_start..i,
        });
    }
}

/// Decodes `%XX` escapes (and leaves everything else as it is).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "invalid percent-encoding in the connection URL".to_owned())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the connection URL does not decode to UTF-8".to_owned())
}

/// What [`redact`] shows for text that parses in neither form.
pub(crate) const UNPARSABLE: &str = "<unparsable connection string>";

/// The connection string with its password replaced by `***`, for display:
/// `postgres://user:***@host/db`, `host=h password=***`. Text that cannot be parsed
/// is shown as `<unparsable connection string>`, since it might hold a password
/// anywhere.
pub(crate) fn redact(text: &str) -> String {
    if is_url(text) {
        redact_url(text)
    } else {
        match kv_pairs(text) {
            Ok(pairs) => {
                let mut out = text.to_owned();
                for pair in pairs.iter().rev() {
                    if pair.key == "password" {
                        out.replace_range(pair.value_range.clone(), "***");
                    }
                }
                out
            }
            Err(_) => UNPARSABLE.to_owned(),
        }
    }
}

fn redact_url(text: &str) -> String {
    let scheme_end = text.find("://").map_or(0, |i| i + 3);
    let (head, query) = match text.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (text, None),
    };
    let mut out = String::new();
    match head[scheme_end..].rfind('@') {
        Some(at) => {
            let userinfo = &head[scheme_end..scheme_end + at];
            out.push_str(&head[..scheme_end]);
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&head[scheme_end + at..]);
        }
        None => out.push_str(head),
    }
    if let Some(query) = query {
        out.push('?');
        let parts: Vec<String> = query
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((key, _)) if percent_decode(key).is_ok_and(|k| k == "password") => {
                    format!("{key}=***")
                }
                _ => part.to_owned(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSL: &[&str] = &["sslmode", "sslrootcert"];

    #[test]
    fn takes_ssl_params_from_urls() {
        let taken = take_params(
            "postgres://u:p@h:5432/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem",
            SSL,
        )
        .unwrap();
        assert_eq!(taken.rest, "postgres://u:p@h:5432/db?application_name=x");
        assert_eq!(
            taken.params,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/tmp/ca.pem".to_owned())
            ]
        );
        let taken = take_params("postgresql://h/db?sslmode=require", SSL).unwrap();
        assert_eq!(taken.rest, "postgresql://h/db");
        let taken = take_params("postgres://h/db", SSL).unwrap();
        assert_eq!(taken.rest, "postgres://h/db");
        assert!(taken.params.is_empty());
    }

    #[test]
    fn takes_ssl_params_from_key_value_strings() {
        let taken = take_params(
            "host=h sslmode = 'verify-ca' user=u sslrootcert='/a b/ca.pem' dbname=d",
            SSL,
        )
        .unwrap();
        assert_eq!(taken.rest, "host=h user=u dbname=d");
        assert_eq!(
            taken.params,
            [
                ("sslmode".to_owned(), "verify-ca".to_owned()),
                ("sslrootcert".to_owned(), "/a b/ca.pem".to_owned())
            ]
        );
        assert!(take_params("host=h sslmode", SSL).is_err());
        assert!(take_params("host='h", SSL).is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://user:s3cret@host:5432/db"),
            "postgres://user:***@host:5432/db"
        );
        assert_eq!(
            redact("postgres://user:p@ss@host/db?sslmode=require"),
            "postgres://user:***@host/db?sslmode=require"
        );
        assert_eq!(redact("postgres://user@host/db"), "postgres://user@host/db");
        assert_eq!(redact("postgres://host/db"), "postgres://host/db");
        assert_eq!(
            redact("postgres://host/db?user=u&password=s3cret"),
            "postgres://host/db?user=u&password=***"
        );
        assert_eq!(
            redact("host=h password='s3 cret' user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(redact("host=h password=s3cret"), "host=h password=***");
        assert!(!redact("host='h password=s3cret").contains("s3cret"));
    }

    #[test]
    fn other_schemes_are_named_without_the_rest() {
        for (text, expected) in [
            ("mysql://u:hunter2@127.0.0.1:5432/x", "starts with `mysql:`"),
            ("postgress://u:hunter2@h/x", "starts with `postgress:`"),
            (
                "postgres:/u:hunter2@h/x",
                "`postgres:` must be followed by `//`",
            ),
            ("localhost:5432", "starts with `localhost:`"),
        ] {
            let error = take_params(text, SSL).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(error.contains("hint: write postgres://"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
        assert!(take_params("host=h:1 user=u", SSL).is_ok());
    }

    #[test]
    fn secrets_are_found_in_any_text() {
        for text in [
            "postgres://u:hunter2@127.0.0.1:5432/x",
            "mysql://u:hunter2@127.0.0.1:5432/x",
            "postgress://u:hunter2@h/x",
            "postgres:/u:hunter2@h/x",
            "u:hunter2@h/x",
            "--database-url=postgres://u:hunter2@h/x",
            "postgres://h/x?user=u&password=hunter2&sslmode=require",
            "host=h password=hunter2 user=u",
            "host=h password = 'hunter2' user=u",
            "host=h PASSWORD=hunter2",
            "DATABASE_URL=postgres://u:hunter2@h:notaport/x",
        ] {
            assert!(
                secrets(text).iter().any(|s| s == "hunter2"),
                "{text}: {:?}",
                secrets(text)
            );
        }
        let found = secrets("postgres://u:p%40ss:w@h/x");
        assert!(found.contains(&"p%40ss:w".to_owned()), "{found:?}");
        assert!(found.contains(&"p@ss:w".to_owned()), "{found:?}");
        assert!(secrets("postgres://u@h/x host=h user=u").is_empty());
    }
}
