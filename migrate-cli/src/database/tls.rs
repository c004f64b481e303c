//! TLS with rustls (the `ring` provider), following libpq's `sslmode` semantics.
//!
//! | sslmode | TLS | certificate chain | host name |
//! |---|---|---|---|
//! | `disable` | never | - | - |
//! | `prefer` (default) | when the server offers it | not checked | not checked |
//! | `require` | mandatory | not checked (checked when `sslrootcert` is given, as libpq does) | not checked |
//! | `verify-ca` | mandatory | checked | not checked |
//! | `verify-full` | mandatory | checked | checked |
//!
//! The roots are the PEM certificates of `sslrootcert`; with `sslrootcert=system`, the
//! operating system's trust store (as libpq 16+: `rustls-native-certs` reads the same
//! files OpenSSL does, honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`), which also makes
//! `verify-full` the default and refuses any weaker `sslmode`; without `sslrootcert`,
//! the Mozilla roots built in (`webpki-roots`).
//!
//! The rustls part ([`config`]) is behind the `tls` feature (on by default); without
//! it only `disable` and `prefer` (then always in clear) are accepted.

use std::path::PathBuf;

// The rustls configuration depends on the types below, not the other way round.
#[cfg(feature = "tls")]
pub(crate) mod config;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unverified.
    Prefer,
    /// TLS, unverified (unless roots are given).
    Require,
    /// TLS, chain verified, host name not checked.
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyFull,
}

impl SslMode {
    /// Parses a libpq `sslmode` value. `allow` is taken as `prefer`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "disable" => Self::Disable,
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(format!(
                    "invalid sslmode `{other}`: expected one of disable, prefer, require, verify-ca, verify-full"
                ));
            }
        })
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        })
    }
}

/// Where the trusted roots come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// The built-in Mozilla roots (no `sslrootcert`).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    BuiltIn,
    /// The operating system's trust store (`sslrootcert=system`).
    System,
    /// The PEM certificates of a file.
    File(PathBuf),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes() {
        assert_eq!(SslMode::parse("verify-ca"), Ok(SslMode::VerifyCa));
        assert_eq!(SslMode::parse("allow"), Ok(SslMode::Prefer));
        assert!(SslMode::parse("verify_full").is_err());
    }

    #[cfg(feature = "tls")]
    #[test]
    fn builds_configs() {
        use super::config::client_config;
        assert!(client_config(SslMode::Disable, None).unwrap().is_none());
        for mode in [
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            assert!(client_config(mode, None).unwrap().is_some());
        }
        let missing = Roots::File(PathBuf::from("/nonexistent/ca.pem"));
        let error = client_config(SslMode::VerifyFull, Some(&missing)).unwrap_err();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
    }
}
