//! What a person (and the pinned-certificate check) needs to know of one certificate.
//!
//! X.509 is parsed with `x509-parser` (rusticata): pure Rust, zero-copy, widely used and
//! maintained, and it exposes the subject, issuer, SANs, validity and extensions that
//! rustls' own verifier (webpki) keeps private.

use rustls::pki_types::CertificateDer;
use std::net::IpAddr;
use std::time::{Duration, UNIX_EPOCH};
use x509_parser::extensions::{GeneralName, ParsedExtension};

/// Facts of one certificate, in printable form.
#[derive(Clone, Debug)]
pub struct CertFacts {
    /// Subject DN (`(empty)` when there is none).
    pub subject: String,
    pub issuer: String,
    /// Start of validity, UNIX seconds.
    pub not_before: i64,
    /// End of validity, UNIX seconds.
    pub not_after: i64,
    /// DNS names and IP addresses of the subjectAltName extension, in order.
    pub names: Vec<String>,
    /// True when the certificate has a subjectAltName extension at all.
    pub has_san: bool,
    /// The subject's common names.
    pub common_names: Vec<String>,
    /// Extended key usages present, `None` without the extension; `Some(true)` when
    /// TLS server authentication (or any usage) is allowed.
    pub server_usage: Option<bool>,
}

impl CertFacts {
    /// Parses `der`; the error is a sentence.
    pub fn of(der: &CertificateDer<'_>) -> Result<Self, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
            .map_err(|e| format!("the server's certificate is not valid X.509 ({e})"))?;
        let mut names = Vec::new();
        let mut has_san = false;
        let mut server_usage = None;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    has_san = true;
                    names.extend(san.general_names.iter().filter_map(|n| match n {
                        GeneralName::DNSName(d) => Some((*d).to_owned()),
                        GeneralName::IPAddress(b) => ip_of(b).map(|ip| ip.to_string()),
                        _ => None,
                    }));
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    server_usage = Some(eku.server_auth || eku.any);
                }
                _ => {}
            }
        }
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
            .collect();
        let blank = |s: String| if s.is_empty() { "(empty)".into() } else { s };
        Ok(CertFacts {
            subject: blank(cert.subject().to_string()),
            issuer: blank(cert.issuer().to_string()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            names,
            has_san,
            common_names,
            server_usage,
        })
    }

    /// The names a client may check the host against: the SANs, or, for a certificate
    /// without that extension, its common names (curl and OpenSSL still accept those;
    /// `openssl req -x509` without `-addext` makes exactly such a certificate).
    pub fn host_names(&self) -> &[String] {
        if self.has_san {
            &self.names
        } else {
            &self.common_names
        }
    }

    /// True when `host` (a DNS name or an IP address) is one of [`CertFacts::host_names`];
    /// a `*.` wildcard stands for exactly one leftmost label, never for an IP address.
    pub fn matches_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        match host.parse::<IpAddr>() {
            Ok(ip) => self
                .host_names()
                .iter()
                .any(|n| n.parse::<IpAddr>().is_ok_and(|m| m == ip)),
            Err(_) => self.host_names().iter().any(|n| dns_matches(n, host)),
        }
    }
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(parent)),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

/// A UNIX time as RFC 3339 (`2027-01-01T00:00:00Z`).
pub fn date(ts: i64) -> String {
    u64::try_from(ts).map_or_else(
        |_| format!("{ts} (UNIX time)"),
        |s| humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(s)).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(names: &[&str], cn: &str) -> CertFacts {
        let mut p = rcgen::CertificateParams::new(
            names
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        CertFacts::of(p.self_signed(&key).unwrap().der()).unwrap()
    }

    #[test]
    fn names_wildcards_and_addresses() {
        let f = facts(&["*.example.org", "10.0.0.1", "::1"], "ignored.example");
        assert_eq!(f.names, ["*.example.org", "10.0.0.1", "::1"]);
        assert!(f.matches_host("misp.example.org"));
        assert!(f.matches_host("MISP.Example.org."));
        assert!(!f.matches_host("example.org"));
        assert!(!f.matches_host("a.b.example.org"));
        assert!(f.matches_host("10.0.0.1"));
        assert!(f.matches_host("0:0::1"));
        assert!(!f.matches_host("10.0.0.2"));
        // A common name counts only when there is no SAN at all.
        assert!(!f.matches_host("ignored.example"));
        let cn_only = facts(&[], "127.0.0.1");
        assert!(!cn_only.has_san);
        assert!(cn_only.matches_host("127.0.0.1"));
        assert!(!cn_only.matches_host("127.0.0.2"));
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(date(1_798_761_600), "2027-01-01T00:00:00Z");
        assert_eq!(date(-5), "-5 (UNIX time)");
    }
}
