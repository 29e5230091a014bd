//! TLS trust, as curl has it, and TLS failures as sentences.
//!
//! `--ca-cert FILE` works like curl's `--cacert`: a chain to a CA in the file is trusted,
//! and so is a certificate in the file that the server presents as its own, even when it
//! is self-signed with CA:TRUE (what `openssl req -x509` makes, and what most internal
//! MISP servers run). webpki refuses such a certificate as a server certificate
//! (`CaUsedAsEndEntity`), so [`TrustVerifier`] takes over in that one case: when the
//! server's certificate is byte for byte one from the file, it checks the host name,
//! the dates and the usage itself. The handshake signatures are verified as always.

use super::x509::{date, CertFacts};
use crate::error::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// Builds the TLS configuration: `--insecure` trusts anything, `--ca-cert` trusts only that
/// bundle (as curl's `--cacert`), otherwise the system's trust store.
///
/// Built once per process and shared: `all` makes one client per sub-check, and loading
/// the trust store for each would cost as much as the checks themselves.
pub fn tls_config(
    ca_cert: Option<&Path>,
    insecure: bool,
) -> Result<Arc<rustls::ClientConfig>, Error> {
    type Built = (Option<std::path::PathBuf>, bool, Arc<rustls::ClientConfig>);
    static BUILT: std::sync::Mutex<Vec<Built>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, _, config)) = built
        .iter()
        .find(|(ca, ins, _)| ca.as_deref() == ca_cert && *ins == insecure)
    {
        return Ok(config.clone());
    }
    let config = build_tls_config(ca_cert, insecure)?;
    built.push((ca_cert.map(Path::to_path_buf), insecure, config.clone()));
    Ok(config)
}

fn build_tls_config(
    ca_cert: Option<&Path>,
    insecure: bool,
) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::LocalFile(format!("TLS set-up failed: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if insecure {
        Arc::new(AcceptAnyCertificate(provider))
    } else {
        let (roots, pinned) = match ca_cert {
            Some(path) => bundle(path)?,
            None => {
                let roots = system_roots();
                if roots.is_empty() {
                    return Err(Error::LocalFile(
                        "no trusted CA certificates found on this system: install ca-certificates or use --ca-cert FILE".into(),
                    ));
                }
                (roots, Vec::new())
            }
        };
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| Error::LocalFile(format!("TLS set-up failed: {e}")))?;
        Arc::new(TrustVerifier { webpki, pinned })
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificates of a `--ca-cert` file, as trust anchors and as they are.
fn bundle(path: &Path) -> Result<(rustls::RootCertStore, Vec<CertificateDer<'static>>), Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::LocalFile(format!("cannot read --ca-cert {}: {e}", path.display())))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| {
            Error::LocalFile(format!("bad PEM in --ca-cert {}: {e}", path.display()))
        })?;
        roots.add(cert.clone()).map_err(|e| {
            Error::LocalFile(format!(
                "unusable certificate in --ca-cert {}: {e}",
                path.display()
            ))
        })?;
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(Error::LocalFile(format!(
            "no certificate found in --ca-cert {}",
            path.display()
        )));
    }
    Ok((roots, certs))
}

/// CA bundles as distributions ship them (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine/BSD),
/// the same files curl is built to use.
const CA_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's trusted CAs. Reading the one bundle file costs about 1 ms; the full probe
/// of `rustls-native-certs` also opens every file in `/etc/ssl/certs` (≈300 on Debian) and
/// cost ≈8 ms per run here, which adds up for a plugin started thousands of times a day.
/// `SSL_CERT_FILE` is honoured. OpenSSL only looks into `SSL_CERT_DIR` lazily, by hash, and
/// distributions put every CA in the bundle too, so the directory is read only when no
/// bundle exists.
fn system_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let bundle = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            CA_BUNDLES
                .iter()
                .map(Path::new)
                .find(|p| p.is_file())
                .map(Path::to_path_buf)
        });
    if let Some(pem) = bundle.and_then(|b| std::fs::read(b).ok()) {
        roots
            .add_parsable_certificates(CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok));
        if !roots.is_empty() {
            return roots;
        }
    }
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots
}

/// webpki, plus the certificates of `--ca-cert` accepted as the server's own (see the
/// module comment), plus name errors that list the names the certificate holds.
#[derive(Debug)]
struct TrustVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl TrustVerifier {
    /// The checks webpki would have made of a server certificate, for one the user listed.
    fn verify_pinned(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let facts = CertFacts::of(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let at = |ts: i64| {
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(ts.max(0).unsigned_abs()))
        };
        if now_secs < facts.not_before {
            return Err(CertificateError::NotValidYetContext {
                time: now,
                not_before: at(facts.not_before),
            }
            .into());
        }
        if now_secs > facts.not_after {
            return Err(CertificateError::ExpiredContext {
                time: now,
                not_after: at(facts.not_after),
            }
            .into());
        }
        if !facts.matches_host(&server_name.to_str()) {
            return Err(name_error(server_name, &facts));
        }
        if facts.server_usage == Some(false) {
            return Err(CertificateError::InvalidPurpose.into());
        }
        Ok(ServerCertVerified::assertion())
    }
}

fn name_error(server_name: &ServerName<'_>, facts: &CertFacts) -> rustls::Error {
    CertificateError::NotValidForNameContext {
        expected: server_name.to_owned(),
        presented: facts.host_names().to_vec(),
    }
    .into()
}

/// The webpki error inside a rustls certificate error, if that is what it is.
fn webpki_error(e: &CertificateError) -> Option<&webpki::Error> {
    match e {
        CertificateError::Other(other) => other.0.downcast_ref::<webpki::Error>(),
        _ => None,
    }
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let Err(rustls::Error::InvalidCertificate(e)) = &verdict else {
            return verdict;
        };
        let listed = || {
            self.pinned
                .iter()
                .any(|p| p.as_ref() == end_entity.as_ref())
        };
        let not_anchored = matches!(e, CertificateError::UnknownIssuer)
            || matches!(webpki_error(e), Some(webpki::Error::CaUsedAsEndEntity));
        if not_anchored && listed() {
            return self.verify_pinned(end_entity, server_name, now);
        }
        if matches!(
            e,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ) {
            // webpki lists the names in Debug form (`DnsName("x")`); say them plainly.
            if let Ok(facts) = CertFacts::of(end_entity) {
                return Err(name_error(server_name, &facts));
            }
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// `--insecure`: skips certificate checks but still verifies the handshake signatures, so the
/// connection is at least consistent with the certificate the server showed.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
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
        rustls::crypto::verify_tls12_signature(
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
        rustls::crypto::verify_tls13_signature(
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

/// The hint for a certificate that nothing in the trust vouches for.
const TRUST_HINT: &str = "use --ca-cert FILE (its CA, or the certificate itself), or --insecure";

/// One sentence for a failed handshake.
pub(crate) fn tls_reason(e: &std::io::Error) -> String {
    let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                "the server closed the connection during the handshake".into()
            }
            _ => e.to_string(),
        };
    };
    rustls_reason(inner)
}

fn rustls_reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(cert) => certificate_reason(cert),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer in TLS: is this a plain http:// port?".into()
        }
        rustls::Error::AlertReceived(alert) => format!(
            "the server ended the handshake with the alert '{}'",
            words(&format!("{alert:?}"))
        ),
        rustls::Error::PeerIncompatible(_) => {
            "no TLS version or cipher suite in common with the server (TLS 1.2 or 1.3 is needed)"
                .into()
        }
        rustls::Error::NoApplicationProtocol => {
            "the server refused HTTP/1.1 in the TLS negotiation (ALPN)".into()
        }
        rustls::Error::PeerMisbehaved(_) => "the server broke the TLS protocol".into(),
        rustls::Error::DecryptError => "the server's TLS records could not be decrypted".into(),
        _ => "the TLS handshake failed".into(),
    }
}

fn certificate_reason(e: &CertificateError) -> String {
    use CertificateError as C;
    let when = |t: &UnixTime| date(i64::try_from(t.as_secs()).unwrap_or(i64::MAX));
    match e {
        C::UnknownIssuer => format!("certificate not trusted (unknown issuer): {TRUST_HINT}"),
        C::ExpiredContext { not_after, .. } => {
            format!("certificate expired on {}", when(not_after))
        }
        C::Expired => "certificate expired".into(),
        C::NotValidYetContext { not_before, .. } => {
            format!("certificate not valid before {}", when(not_before))
        }
        C::NotValidYet => "certificate not valid yet".into(),
        C::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "certificate is not valid for the name {}: it holds {}",
            expected.to_str(),
            if presented.is_empty() {
                "no host name".to_owned()
            } else {
                presented.join(", ")
            }
        ),
        C::NotValidForName => "certificate is not valid for this host name".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "not a server certificate: its extended key usage does not allow TLS servers".into()
        }
        C::BadEncoding => "the server's certificate is not valid X.509".into(),
        C::BadSignature => "a signature in the certificate chain does not verify".into(),
        C::Revoked => "certificate revoked".into(),
        C::UnhandledCriticalExtension => {
            "certificate has a critical extension this client does not know".into()
        }
        C::Other(_) => match webpki_error(e) {
            Some(w) => webpki_reason(w),
            None => "certificate rejected".into(),
        },
        // The remaining kinds (signature algorithms, revocation lists, OCSP) share a cause.
        _ => "certificate uses an algorithm or status this client cannot verify".into(),
    }
}

fn webpki_reason(e: &webpki::Error) -> String {
    use webpki::Error as W;
    match e {
        W::CaUsedAsEndEntity => format!(
            "certificate not trusted: the server presents a CA certificate (CA:TRUE) as its own; {TRUST_HINT}"
        ),
        W::EndEntityUsedAsCa => {
            "not a server certificate chain: a certificate that is not a CA signed another".into()
        }
        W::NameConstraintViolation => {
            "certificate violates the name constraints of its CA".into()
        }
        W::PathLenConstraintViolated | W::MaximumPathDepthExceeded => {
            "certificate chain is longer than its CAs allow".into()
        }
        W::EmptyEkuExtension => {
            "not a server certificate: its extended key usage does not allow TLS servers".into()
        }
        W::CertDistrusted => "certificate distrusted".into(),
        _ => format!(
            "certificate rejected: {}",
            words(format!("{e:?}").split(['(', ' ', '{']).next().unwrap_or(""))
        ),
    }
}

/// `CaUsedAsEndEntity` as `ca used as end entity`.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_sentences() {
        let expired = CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_798_761_600)),
        };
        assert_eq!(
            certificate_reason(&expired),
            "certificate expired on 2027-01-01T00:00:00Z"
        );
        let name = CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("127.0.0.1").unwrap(),
            presented: vec!["misp.other.example".into()],
        };
        assert_eq!(
            certificate_reason(&name),
            "certificate is not valid for the name 127.0.0.1: it holds misp.other.example"
        );
        let ca = CertificateError::Other(rustls::OtherError(Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        )));
        assert!(certificate_reason(&ca).contains("CA certificate (CA:TRUE) as its own"));
        let other = CertificateError::Other(rustls::OtherError(Arc::new(
            webpki::Error::UnsupportedCriticalExtension,
        )));
        assert_eq!(
            certificate_reason(&other),
            "certificate rejected: unsupported critical extension"
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        assert_eq!(
            rustls_reason(&alert),
            "the server ended the handshake with the alert 'handshake failure'"
        );
    }
}
