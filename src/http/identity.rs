//! `--client-cert`/`--client-key`: the certificate a TLS front in front of MISP may demand
//! (common between sharing partners), and knowing afterwards whether the server asked for one.
//!
//! Whether the server asked matters for the message: with TLS 1.3 a server that requires a
//! certificate only says so after the handshake, as an alert that surfaces while the response
//! is awaited ("received fatal alert: CertificateRequired"), which names no fix. The resolver
//! rustls consults when a CertificateRequest arrives records that it was consulted, so the
//! failure can say which option is missing.

use crate::error::Error;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A client certificate chain and its private key, read and matched before any request.
#[derive(Clone)]
pub struct ClientIdentity {
    pub cert_path: PathBuf,
    key: Arc<CertifiedKey>,
}

impl std::fmt::Debug for ClientIdentity {
    // The private key stays out of any Debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

impl ClientIdentity {
    /// Reads the PEM certificate chain (own certificate first) and the PEM private key
    /// (PKCS#8, PKCS#1 or SEC1; the key may also sit in the certificate file when `key` is
    /// `None`), and checks that they belong together.
    pub fn load(cert: &Path, key: Option<&Path>) -> Result<Self, Error> {
        let bad = |what: String| Error::LocalFile(what);
        let cert_pem = std::fs::read(cert)
            .map_err(|e| bad(format!("cannot read --client-cert {}: {e}", cert.display())))?;
        let mut chain = Vec::new();
        for c in CertificateDer::pem_slice_iter(&cert_pem) {
            chain.push(
                c.map_err(|e| bad(format!("bad PEM in --client-cert {}: {e}", cert.display())))?,
            );
        }
        if chain.is_empty() {
            return Err(bad(format!(
                "no certificate (BEGIN CERTIFICATE) found in --client-cert {}",
                cert.display()
            )));
        }
        let (key_path, option) = match key {
            Some(k) => (k, "--client-key"),
            None => (cert, "--client-cert"),
        };
        let key_pem = if key.is_some() {
            std::fs::read(key_path).map_err(|e| {
                bad(format!(
                    "cannot read --client-key {}: {e}",
                    key_path.display()
                ))
            })?
        } else {
            cert_pem.clone()
        };
        let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
            bad(if key.is_some() {
                format!(
                    "no private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) found in --client-key {}",
                    key_path.display()
                )
            } else {
                format!(
                    "no private key found in --client-cert {}: give it with --client-key FILE",
                    cert.display()
                )
            })
        })?;
        let provider = rustls::crypto::ring::default_provider();
        let certified = CertifiedKey::from_der(chain, private, &provider).map_err(|e| {
            bad(match e {
                rustls::Error::InconsistentKeys(_) => format!(
                    "the key in {option} {} does not belong to the certificate in --client-cert {}",
                    key_path.display(),
                    cert.display()
                ),
                _ => format!(
                    "unusable private key in {option} {} (encrypted, or of a kind TLS cannot use)",
                    key_path.display()
                ),
            })
        })?;
        Ok(ClientIdentity {
            cert_path: cert.to_path_buf(),
            key: Arc::new(certified),
        })
    }
}

/// Offers the identity, if there is one, and records that the server asked for it.
#[derive(Debug)]
pub(crate) struct Offer {
    identity: Option<ClientIdentity>,
    asked: AtomicBool,
}

impl Offer {
    pub(crate) fn new(identity: Option<ClientIdentity>) -> Arc<Self> {
        Arc::new(Offer {
            identity,
            asked: AtomicBool::new(false),
        })
    }

    /// The sentence for a failed connection on which the server asked for a certificate,
    /// or `None` when it did not ask (the failure has another cause). `alert` is the TLS
    /// alert the server ended with, as rustls names it (`UnknownCA`), if known.
    pub(crate) fn refusal(&self, alert: Option<&str>) -> Option<String> {
        if !self.asked.load(Ordering::Relaxed) {
            return None;
        }
        Some(match &self.identity {
            None => "the server requires a client certificate and none was given: use --client-cert FILE and --client-key FILE".into(),
            Some(id) => format!(
                "the server did not accept the client certificate from --client-cert {}{}",
                id.cert_path.display(),
                alert.map_or(String::new(), |a| format!(": {}", alert_meaning(a)))
            ),
        })
    }
}

/// What a TLS alert says about the client certificate the server was given.
fn alert_meaning(alert: &str) -> String {
    match alert {
        "UnknownCA" => {
            "the server does not trust the CA that issued it (alert 'unknown CA')".into()
        }
        "CertificateExpired" => "the server finds it expired (alert 'certificate expired')".into(),
        "CertificateRevoked" => "the server finds it revoked (alert 'certificate revoked')".into(),
        "BadCertificate" | "UnsupportedCertificate" | "CertificateUnknown" => {
            format!("the server finds it unusable (alert '{alert}')")
        }
        "AccessDenied" => {
            "the server denies this certificate access (alert 'access denied')".into()
        }
        other => format!("the server ended the connection with the TLS alert '{other}'"),
    }
}

/// The TLS alert in a failure's text (`... received fatal alert: UnknownCA`), if any.
pub(crate) fn alert_in(failure: &str) -> Option<&str> {
    failure
        .rsplit_once("alert: ")
        .map(|(_, a)| a.trim())
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The TLS alert a failed handshake ended with, as rustls names it.
pub(crate) fn alert_of(e: &std::io::Error) -> Option<String> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(a) => Some(format!("{a:?}")),
        _ => None,
    }
}

impl ResolvesClientCert for Offer {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.identity.as_ref().map(|id| id.key.clone())
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}
