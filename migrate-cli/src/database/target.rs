//! The database to migrate: where its URL comes from, and the URL checked and turned
//! into a tokio-postgres configuration plus TLS settings, before any connection.

use std::path::PathBuf;
use std::str::FromStr;
#[cfg(feature = "tls")]
use std::sync::Arc;
use std::time::Duration;

use super::conninfo;
#[cfg(feature = "tls")]
use super::tls;
use super::tls::{Roots, SslMode};

/// The parameters taken out of the connection string before tokio-postgres parses it.
const TAKEN: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// A validated connection target.
#[derive(Clone)]
pub(crate) struct Database {
    /// The driver's configuration (without `sslmode`/`sslrootcert`).
    pub(crate) config: tokio_postgres::Config,
    /// The `sslmode`.
    pub(crate) ssl_mode: SslMode,
    /// Where the trusted roots come from (`None`: no `sslrootcert`).
    pub(crate) roots: Option<Roots>,
    /// TLS, unless `sslmode=disable`.
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    /// The connection string, password redacted, for every message.
    pub(crate) display: String,
    /// `host:port` of the first host, for messages.
    pub(crate) endpoint: String,
    /// The whole attempt to connect is abandoned after this long (`None`: no limit).
    pub(crate) connect_timeout: Option<Duration>,
    /// The password (to scrub it from anything printed).
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("display", &self.display)
            .field("ssl_mode", &self.ssl_mode)
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

/// Where the URL was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--database-url`.
    Flag,
    /// `DIRECT_URL`.
    DirectUrl,
    /// `DATABASE_URL`.
    DatabaseUrl,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "--database-url",
            Source::DirectUrl => "DIRECT_URL",
            Source::DatabaseUrl => "DATABASE_URL",
        })
    }
}

/// The URL to use: the flag, else `DIRECT_URL`, else `DATABASE_URL` (empty values are
/// ignored), with where it came from.
pub(crate) fn locate(
    flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(String, Source)> {
    let nonempty = |v: String| (!v.trim().is_empty()).then_some(v);
    flag.map(str::to_owned)
        .and_then(nonempty)
        .map(|v| (v, Source::Flag))
        .or_else(|| {
            env("DIRECT_URL")
                .and_then(nonempty)
                .map(|v| (v, Source::DirectUrl))
        })
        .or_else(|| {
            env("DATABASE_URL")
                .and_then(nonempty)
                .map(|v| (v, Source::DatabaseUrl))
        })
}

impl Database {
    /// Parses a connection string (URL or key=value form). `connect_timeout`: the
    /// bound on connecting, unless the string gives its own (`None`: no limit).
    pub(crate) fn parse(text: &str, connect_timeout: Option<Duration>) -> Result<Self, String> {
        let display = conninfo::redact(text);
        let invalid = |e: &dyn std::fmt::Display| {
            if display == conninfo::UNPARSABLE {
                format!("invalid connection string: {e}")
            } else {
                format!("invalid connection string {display}: {e}")
            }
        };
        let taken = conninfo::take_params(text, TAKEN).map_err(|e| invalid(&e))?;
        let mut ssl_mode = None;
        let mut roots = None;
        for (key, value) in &taken.params {
            match key.as_str() {
                "sslmode" => ssl_mode = Some(SslMode::parse(value)?),
                "sslrootcert" if value == "system" => roots = Some(Roots::System),
                "sslrootcert" => roots = Some(Roots::File(PathBuf::from(value))),
                _ => {
                    return Err(format!(
                        "`{key}` is not supported: client certificates are not implemented"
                    ));
                }
            }
        }
        let ssl_mode = match (ssl_mode, &roots) {
            // libpq 16+: sslrootcert=system makes verify-full the default, and refuses
            // any weaker mode (anyone can get a publicly trusted certificate for a
            // host name they control).
            (None, Some(Roots::System)) => SslMode::VerifyFull,
            (Some(mode), Some(Roots::System)) if mode != SslMode::VerifyFull => {
                return Err(format!(
                    "weak sslmode `{mode}` may not be used with sslrootcert=system\n\
                     hint: use sslmode=verify-full, or leave sslmode out (sslrootcert=system \
                     implies it, as in libpq)"
                ));
            }
            (mode, _) => mode.unwrap_or(SslMode::Prefer),
        };
        let mut config = tokio_postgres::Config::from_str(&taken.rest).map_err(|e| {
            // The driver says what is wrong in the error's source ("invalid value for
            // option `port`", "unknown option `colour`").
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text = cause.to_string();
                source = cause.source();
            }
            invalid(&text)
        })?;
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        if config.get_application_name().is_none() {
            config.application_name("migrate");
        }
        if let Some(timeout) = connect_timeout
            && config.get_connect_timeout().is_none()
        {
            config.connect_timeout(timeout);
        }
        if config.get_hosts().is_empty() {
            return Err(format!("the connection string {display} names no host"));
        }
        #[cfg(feature = "tls")]
        let tls = tls::config::client_config(ssl_mode, roots.as_ref())?.map(Arc::new);
        #[cfg(not(feature = "tls"))]
        if ssl_mode > SslMode::Prefer || roots.is_some() {
            return Err(format!(
                "sslmode={ssl_mode}{} needs TLS, which this build leaves out\n\
                 hint: build migrate-cli with its `tls` feature (on by default), or use \
                 sslmode=disable or prefer",
                if roots.is_some() {
                    " with sslrootcert"
                } else {
                    ""
                }
            ));
        }
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        Ok(Self {
            endpoint: endpoint(&config),
            config,
            ssl_mode,
            roots,
            #[cfg(feature = "tls")]
            tls,
            display,
            connect_timeout,
            password,
        })
    }
}

impl Database {
    /// The database the connection string names (libpq's default: the user's name).
    pub(crate) fn dbname(&self) -> Option<&str> {
        self.config
            .get_dbname()
            .or_else(|| self.config.get_user())
            .filter(|name| !name.is_empty())
    }

    /// The same server, user, password and TLS settings, connecting to database
    /// `name` instead (a maintenance database, say).
    pub(crate) fn with_dbname(&self, name: &str) -> Self {
        let mut other = self.clone();
        other.config.dbname(name);
        other.display = format!("database {name} of {}", self.display);
        other
    }
}

/// `host:port` of the first host.
fn endpoint(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => String::from("?"),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    fn parse(text: &str) -> Result<Database, String> {
        Database::parse(text, Some(Duration::from_secs(3)))
    }

    #[test]
    #[cfg(feature = "tls")]
    fn sslmode_is_handled_before_tokio_postgres() {
        let db = parse("postgres://u:pw@db.example:6543/app?sslmode=verify-full").unwrap();
        assert_eq!(db.ssl_mode, SslMode::VerifyFull);
        assert!(db.tls.is_some());
        assert_eq!(
            db.display,
            "postgres://u:***@db.example:6543/app?sslmode=verify-full"
        );
        assert_eq!(db.endpoint, "db.example:6543");
        assert_eq!(db.config.get_application_name(), Some("migrate"));
        assert_eq!(
            db.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        assert_eq!(db.password.as_deref(), Some("pw"));

        let db = parse("host=h user=u sslmode=verify-ca application_name=app").unwrap();
        assert_eq!(db.ssl_mode, SslMode::VerifyCa);
        assert_eq!(db.config.get_application_name(), Some("app"));

        let db = parse("postgres://h/db?sslmode=disable").unwrap();
        assert!(db.tls.is_none());
        let db = parse("postgres://h/db").unwrap();
        assert_eq!(db.ssl_mode, SslMode::Prefer);
        let db = parse("postgres://h/db?sslrootcert=system").unwrap();
        assert_eq!(db.ssl_mode, SslMode::VerifyFull);

        // --connect-timeout 0: no limit, as libpq's connect_timeout=0.
        let db = Database::parse("postgres://h/db", None).unwrap();
        assert_eq!(db.config.get_connect_timeout(), None);
        assert_eq!(db.connect_timeout, None);
    }

    /// libpq 16+: `sslrootcert=system` is the operating system's trust store, implies
    /// `verify-full`, and refuses a weaker explicit mode.
    #[test]
    #[cfg(feature = "tls")]
    fn sslrootcert_system_is_the_system_store_and_verify_full() {
        for text in [
            "postgres://h/db?sslrootcert=system",
            "postgres://h/db?sslmode=verify-full&sslrootcert=system",
            "host=h sslrootcert=system",
        ] {
            let db = parse(text).unwrap();
            assert_eq!(db.roots, Some(Roots::System), "{text}");
            assert_eq!(db.ssl_mode, SslMode::VerifyFull, "{text}");
        }
        for weak in ["disable", "prefer", "require", "verify-ca"] {
            let text = format!("postgres://h/db?sslrootcert=system&sslmode={weak}");
            let error = parse(&text).unwrap_err();
            assert!(
                error.starts_with(&format!("weak sslmode `{weak}` may not be used")),
                "{error}"
            );
            assert!(error.contains("hint: use sslmode=verify-full"), "{error}");
        }
    }

    #[test]
    #[cfg(feature = "tls")]
    fn bad_strings_are_refused_without_their_password() {
        let error = parse("postgres://u:hunter22@h/db?sslmode=sometimes").unwrap_err();
        assert!(error.contains("sometimes"), "{error}");
        let error = parse("postgres://u:hunter22@h:notaport/db").unwrap_err();
        assert!(!error.contains("hunter22"), "{error}");
        assert!(
            error.ends_with("invalid value for option `port`"),
            "{error}"
        );
        let error = parse("host=h colour=blue").unwrap_err();
        assert!(error.ends_with("unknown option `colour`"), "{error}");
        let error =
            parse("postgres://u:hunter22@h/db?sslrootcert=/nonexistent.pem&sslmode=verify-ca")
                .unwrap_err();
        assert!(error.contains("/nonexistent.pem"), "{error}");
        assert!(parse("postgres://h/db?sslcert=/c.pem").is_err());
    }

    #[test]
    fn another_database_on_the_same_server() {
        let db = Database::parse("postgres://u:pw@h:6543/app", None).unwrap();
        assert_eq!(db.dbname(), Some("app"));
        let admin = db.with_dbname("postgres");
        assert_eq!(admin.config.get_dbname(), Some("postgres"));
        assert_eq!(admin.config.get_user(), Some("u"));
        assert_eq!(admin.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(admin.endpoint, "h:6543");
        assert_eq!(
            admin.display,
            "database postgres of postgres://u:***@h:6543/app"
        );
        assert_eq!(admin.ssl_mode, db.ssl_mode);
        // No dbname: libpq's default, the user's name.
        let db = Database::parse("host=h user=alice", None).unwrap();
        assert_eq!(db.dbname(), Some("alice"));
    }

    #[test]
    fn the_flag_wins_then_direct_url_then_database_url() {
        let env = |k: &str| match k {
            "DIRECT_URL" => Some("direct".to_owned()),
            "DATABASE_URL" => Some("pooled".to_owned()),
            _ => None,
        };
        assert_eq!(
            locate(Some("flag"), env),
            Some(("flag".to_owned(), Source::Flag))
        );
        assert_eq!(
            locate(None, env),
            Some(("direct".to_owned(), Source::DirectUrl))
        );
        let only_pooled = |k: &str| (k == "DATABASE_URL").then(|| "pooled".to_owned());
        assert_eq!(
            locate(None, only_pooled),
            Some(("pooled".to_owned(), Source::DatabaseUrl))
        );
        let empty_direct = |k: &str| match k {
            "DIRECT_URL" => Some(String::new()),
            "DATABASE_URL" => Some("pooled".to_owned()),
            _ => None,
        };
        assert_eq!(
            locate(None, empty_direct).map(|l| l.1),
            Some(Source::DatabaseUrl)
        );
        assert_eq!(locate(None, |_| None), None);
    }
}
