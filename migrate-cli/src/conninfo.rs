//! Connection strings as text, in both of libpq's forms: a URL
//! (`postgres://user:pass@host:5432/db?sslmode=require`) and `key=value` pairs
//! (`host=localhost user=app sslmode=require`).
//!
//! Two jobs: take out the parameters that tokio-postgres refuses or does not
//! implement the way libpq does (`sslmode`, `sslrootcert`...) before it parses the
//! rest, and redact the password for display. Every place that shows a connection
//! string uses [`redact`].

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
    } else {
        take_kv_params(text, keys)
    }
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
            Err(_) => "<unparsable connection string>".to_owned(),
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
}
