//! `cert`: days until MISP's TLS certificate expires (like check_curl `-C`), with its
//! subject and issuer.
//!
//! The certificate is read from a real handshake with the configured trust. When that
//! handshake fails on the certificate (expired, unknown issuer, wrong name), a second
//! handshake that accepts any certificate reads it anyway: an expired certificate is
//! exactly what this check must be able to describe. The trust failure is then reported
//! as CRITICAL beside the dates, since every client of MISP fails the same way. With
//! `--insecure` only the dates are judged.
//!
//! X.509 is parsed with `x509-parser` (rusticata): pure Rust, zero-copy, widely used and
//! maintained, and it exposes the subject, issuer, SANs and validity that rustls' own
//! verifier (webpki) keeps private.

use crate::error::Error;
use crate::http::{self, Client};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use rustls::pki_types::CertificateDer;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_parser::extensions::GeneralName;

const DAY: i64 = 86_400;

/// Reads the server's certificate chain and judges the days left on its own certificate.
pub async fn run(
    client: &Client,
    t: &Thresholds,
    insecure: bool,
    timeout: Duration,
) -> Result<Outcome, Error> {
    let (chain, untrusted) = match client.peer_certificates().await {
        Ok(chain) => (chain, None),
        Err(Error::Tls { reason, .. }) if !insecure => {
            let inspector = Client::new(
                client.base().clone(),
                None,
                Some(http::tls_config(None, true)?),
                client.deadline(),
                timeout,
            );
            // Whatever stops the inspection (a server that does not speak TLS at all) is
            // better described by the first failure.
            match inspector.peer_certificates().await {
                Ok(chain) => (chain, Some(reason)),
                Err(e @ Error::Timeout { .. }) => return Err(e),
                Err(_) => {
                    return Err(Error::Tls {
                        host: client.base().host().to_owned(),
                        reason,
                    })
                }
            }
        }
        Err(e) => return Err(e),
    };
    judge(&chain, untrusted.as_deref(), SystemTime::now(), t).map_err(|reason| Error::Tls {
        host: client.base().host().to_owned(),
        reason,
    })
}

/// What is judged of one certificate.
#[derive(Debug)]
struct Facts {
    subject: String,
    issuer: String,
    not_before: i64,
    not_after: i64,
    names: Vec<String>,
}

fn facts(der: &CertificateDer<'_>) -> Result<Facts, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|e| format!("the server's certificate is not valid X.509 ({e})"))?;
    let names = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some((*d).to_owned()),
                GeneralName::IPAddress(b) => ip_text(b),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let blank = |s: String| if s.is_empty() { "(empty)".into() } else { s };
    Ok(Facts {
        subject: blank(cert.subject().to_string()),
        issuer: blank(cert.issuer().to_string()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        names,
    })
}

fn ip_text(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv4Addr::from(a).to_string()),
        16 => <[u8; 16]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

/// A UNIX time as RFC 3339 (`2027-01-01T00:00:00Z`).
fn date(ts: i64) -> String {
    u64::try_from(ts)
        .map(|s| humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(s)).to_string())
        .unwrap_or_else(|_| format!("{ts} (UNIX time)"))
}

/// Whole days from `now` until `ts`, rounded down (a certificate with 6.9 days left has 6).
fn days_until(ts: i64, now: i64) -> i64 {
    (ts - now).div_euclid(DAY)
}

/// `-w`/`-c` on the whole days left on the server's own certificate (the first of the
/// chain, as check_curl `-C` judges it); expired, not yet valid or untrusted is CRITICAL.
/// Fails, with the reason, when there is no readable certificate.
pub fn judge(
    chain: &[CertificateDer<'_>],
    untrusted: Option<&str>,
    now: SystemTime,
    t: &Thresholds,
) -> Result<Outcome, String> {
    let host_cert = chain.first().ok_or("the server presented no certificate")?;
    let leaf = facts(host_cert)?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let days = days_until(leaf.not_after, now);
    let mut state = t.evaluate(days as f64);
    let mut problems = Vec::new();
    let when = if leaf.not_after <= now {
        state = State::Critical;
        let ago = days_until(now, leaf.not_after);
        format!("expired {ago} days ago ({})", date(leaf.not_after))
    } else {
        format!("expires in {days} days ({})", date(leaf.not_after))
    };
    if leaf.not_before > now {
        state = State::Critical;
        problems.push(format!("not valid before {}", date(leaf.not_before)));
    }
    if let Some(reason) = untrusted {
        state = State::Critical;
        // The expiry is already said, in days.
        if !reason.contains("expired") {
            problems.push(reason.to_owned());
        }
    }
    let problems = if problems.is_empty() {
        String::new()
    } else {
        format!("{}; ", problems.join("; "))
    };
    let mut out = Outcome::new(
        "cert",
        state,
        format!(
            "{problems}certificate {when}, subject {}, issuer {}",
            leaf.subject, leaf.issuer
        ),
    );
    out.details.push(format!(
        "valid from {} until {}",
        date(leaf.not_before),
        date(leaf.not_after)
    ));
    if !leaf.names.is_empty() {
        out.details
            .push(format!("names: {}", leaf.names.join(", ")));
    }
    for (i, der) in chain.iter().enumerate().skip(1) {
        match facts(der) {
            Ok(f) => out.details.push(format!(
                "chain {i}: {} (issuer {}), expires in {} days ({})",
                f.subject,
                f.issuer,
                days_until(f.not_after, now),
                date(f.not_after)
            )),
            Err(e) => out.details.push(format!("chain {i}: {e}")),
        }
    }
    if t.warn.is_none() && t.crit.is_none() {
        out.details
            .push("no -w/-c: only expiry and trust are judged".into());
    }
    out.metrics = vec![Metric {
        min: None,
        ..Metric::count("days", days as f64).with_thresholds(t)
    }];
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::Range;

    fn cert(from: (i32, u8, u8), to: (i32, u8, u8)) -> CertificateDer<'static> {
        let mut p =
            rcgen::CertificateParams::new(vec!["misp.example.org".into(), "10.0.0.1".into()])
                .unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "misp.example.org");
        p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        p.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        let key = rcgen::KeyPair::generate().unwrap();
        p.self_signed(&key).unwrap().der().clone()
    }

    fn at(y: i32, m: u8, d: u8) -> SystemTime {
        let ts = rcgen::date_time_ymd(y, m, d).unix_timestamp();
        UNIX_EPOCH + Duration::from_secs(ts as u64)
    }

    fn defaults() -> Thresholds {
        Thresholds {
            warn: Some(Range::below(30.0)),
            crit: Some(Range::below(7.0)),
        }
    }

    #[test]
    fn days_left_against_minimums() {
        let c = [cert((2025, 1, 1), (2026, 1, 1))];
        let o = judge(&c, None, at(2025, 6, 1), &defaults()).unwrap();
        assert_eq!(o.state, State::Ok);
        assert_eq!(o.metric("days"), Some(214.0));
        assert_eq!(
            o.summary,
            "certificate expires in 214 days (2026-01-01T00:00:00Z), subject CN=misp.example.org, issuer CN=misp.example.org"
        );
        assert!(o
            .details
            .contains(&"names: misp.example.org, 10.0.0.1".to_owned()));
        let o = judge(&c, None, at(2025, 12, 10), &defaults()).unwrap();
        assert_eq!((o.state, o.metric("days")), (State::Warning, Some(22.0)));
        let o = judge(&c, None, at(2025, 12, 28), &defaults()).unwrap();
        assert_eq!((o.state, o.metric("days")), (State::Critical, Some(4.0)));
    }

    #[test]
    fn expired_is_critical_even_without_thresholds() {
        let c = [cert((2020, 1, 1), (2021, 1, 1))];
        let o = judge(
            &c,
            Some("certificate expired"),
            at(2021, 1, 11),
            &Thresholds::default(),
        )
        .unwrap();
        assert_eq!(o.state, State::Critical);
        assert_eq!(o.metric("days"), Some(-10.0));
        assert!(
            o.summary
                .starts_with("certificate expired 10 days ago (2021-01-01T00:00:00Z)"),
            "{}",
            o.summary
        );
    }

    #[test]
    fn untrusted_is_critical_and_says_why() {
        let c = [cert((2025, 1, 1), (2027, 1, 1))];
        let o = judge(
            &c,
            Some("certificate not trusted (unknown issuer): use --ca-cert FILE, or --insecure"),
            at(2025, 6, 1),
            &defaults(),
        )
        .unwrap();
        assert_eq!(o.state, State::Critical);
        assert!(o
            .summary
            .starts_with("certificate not trusted (unknown issuer)"));
        assert!(o.summary.contains("expires in 579 days"), "{}", o.summary);
        let o = judge(&c, None, at(2024, 6, 1), &defaults()).unwrap();
        assert_eq!(o.state, State::Critical);
        assert!(o.summary.starts_with("not valid before 2025-01-01"));
    }
}
