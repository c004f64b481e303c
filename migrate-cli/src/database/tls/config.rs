//! The rustls client configuration for an [`SslMode`] and its [`Roots`].

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::{Roots, SslMode};

/// The rustls configuration for a mode, or `None` without TLS. Reads the root
/// certificates file now, so a bad one is reported before any work.
pub(crate) fn client_config(
    mode: SslMode,
    roots: Option<&Roots>,
) -> Result<Option<ClientConfig>, String> {
    let provider = Arc::new(provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let verify_chain = match mode {
        SslMode::Disable => return Ok(None),
        SslMode::Prefer => false,
        SslMode::Require => roots.is_some(),
        SslMode::VerifyCa | SslMode::VerifyFull => true,
    };
    if !verify_chain {
        let verifier = Arc::new(NoVerification(provider));
        return Ok(Some(
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth(),
        ));
    }
    let store = Arc::new(root_store(roots.unwrap_or(&Roots::BuiltIn))?);
    if mode == SslMode::VerifyFull {
        return Ok(Some(
            builder.with_root_certificates(store).with_no_client_auth(),
        ));
    }
    let inner = WebPkiServerVerifier::builder_with_provider(store, provider)
        .build()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    Ok(Some(
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
            .with_no_client_auth(),
    ))
}

/// ring, with P-256 offered first: PostgreSQL up to 17 accepts only `prime256v1` for
/// key exchange by default (`ssl_ecdh_curve`), so a client leading with X25519 gets a
/// HelloRetryRequest and pays one more round trip and key generation per connection.
/// PostgreSQL 18 (`ssl_groups = 'X25519:prime256v1'`) accepts either.
fn provider() -> CryptoProvider {
    use rustls::crypto::ring::kx_group::{SECP256R1, SECP384R1, X25519};
    CryptoProvider {
        kx_groups: vec![SECP256R1, X25519, SECP384R1],
        ..rustls::crypto::ring::default_provider()
    }
}

fn root_store(roots: &Roots) -> Result<RootCertStore, String> {
    match roots {
        Roots::BuiltIn => Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        Roots::System => system_store(),
        Roots::File(path) => {
            let mut store = RootCertStore::empty();
            let certs = read_pem(path)?;
            let (added, _ignored) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "sslrootcert {}: no usable certificate in it",
                    path.display()
                ));
            }
            Ok(store)
        }
    }
}

/// The operating system's trust store, as libpq's `sslrootcert=system` loads it
/// (OpenSSL's default locations; `SSL_CERT_FILE` / `SSL_CERT_DIR` override them).
/// Unreadable entries are skipped while any usable root remains, as OpenSSL does.
fn system_store() -> Result<RootCertStore, String> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let (added, ignored) = store.add_parsable_certificates(loaded.certs);
    for error in &loaded.errors {
        tracing::debug!(%error, "sslrootcert=system: skipped part of the trust store");
    }
    if added == 0 {
        let why = match loaded.errors.first() {
            Some(error) => format!(": {error}"),
            None if ignored > 0 => format!(": none of its {ignored} certificates is usable"),
            None => String::new(),
        };
        return Err(format!(
            "sslrootcert=system: no trusted root certificate found in the system's trust store{why}\n\
             hint: install the system's CA certificates (ca-certificates), point SSL_CERT_FILE at a \
             PEM bundle, or give sslrootcert the path of the server's CA certificate"
        ));
    }
    Ok(store)
}

fn read_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("sslrootcert {}: {e}", path.display()))
}

/// `prefer` and `require`: the certificate is not checked (as libpq), but the
/// handshake's signatures still are.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first, then the name: a name error means the chain
        // was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_roots_come_from_the_operating_system() {
        // Debian's /etc/ssl/certs (ca-certificates) holds well over 100 roots.
        let store = root_store(&Roots::System).unwrap();
        assert!(!store.is_empty(), "no root loaded from the system store");
        assert!(
            client_config(SslMode::VerifyFull, Some(&Roots::System))
                .unwrap()
                .is_some()
        );
    }
}
