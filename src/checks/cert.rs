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
//! The whole chain the server sends is judged by its earliest expiry: an intermediate that
//! runs out next week breaks every client next week, however long the server's own
//! certificate lasts.

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::x509::{date, CertFacts};
use crate::http::{self, Client};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use crate::range::{Range, RangeUnit};
use clap::Args;
use rustls::pki_types::CertificateDer;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: i64 = 86_400;

/// Days until the TLS certificate expires (-w/-c in days left; default -w 30 -c 7)
#[derive(Debug, Args)]
pub struct Settings {}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["days"];

    /// Days left, check_curl's defaults; no key, since the handshake is all it reads.
    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Days)
            .warn(Range::below(30.0))
            .crit(Range::below(7.0))
            .keyless()
            .https_only("cert needs an https:// URL: a plain http:// MISP has no certificate")
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let opts = &cx.inv.opts;
        run(cx.client()?, cx.thresholds(), opts.insecure, cx.timeout()).await
    }
}

/// Reads the server's certificate chain and judges the days left on its own certificate.
async fn run(
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
            )
            .with_network(client.network().clone())
            .with_identity(client.identity().cloned());
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

/// Whole days from `now` until `ts`, rounded down (a certificate with 6.9 days left has 6).
fn days_until(ts: i64, now: i64) -> i64 {
    (ts - now).div_euclid(DAY)
}

#[allow(
    clippy::cast_precision_loss,
    reason = "whole days between X.509 times (years 0 to 9999) are at most a few million"
)]
fn days_value(days: i64) -> f64 {
    days as f64
}

/// `-w`/`-c` on the whole days left until the earliest expiry in the chain the server
/// sent (its own certificate unless an intermediate ends sooner, which is then named);
/// expired, not yet valid or untrusted is CRITICAL. Fails, with the reason, when there is
/// no readable certificate.
pub fn judge(
    chain: &[CertificateDer<'_>],
    untrusted: Option<&str>,
    now: SystemTime,
    t: &Thresholds,
) -> Result<Outcome, String> {
    let host_cert = chain.first().ok_or("the server presented no certificate")?;
    let leaf = CertFacts::of(host_cert)?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let others: Vec<Result<CertFacts, String>> = chain.iter().skip(1).map(CertFacts::of).collect();
    // The first to expire; the server's own on a tie.
    let (first, position) = others
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.as_ref().ok().map(|f| (f, i + 1)))
        .fold((&leaf, 0), |best, (f, i)| {
            if f.not_after < best.0.not_after {
                (f, i)
            } else {
                best
            }
        });
    let days = days_until(first.not_after, now);
    let mut state = t.evaluate(days_value(days));
    let mut problems = Vec::new();
    let which = if position == 0 {
        "certificate".to_owned()
    } else {
        format!("chain certificate {position} ({})", first.subject)
    };
    let when = if first.not_after <= now {
        state = State::Critical;
        // The same number as the perfdata, so text and graph never disagree.
        format!(
            "{which} expired {} days ago ({})",
            -days,
            date(first.not_after)
        )
    } else {
        format!("{which} expires in {days} days ({})", date(first.not_after))
    };
    if let Some(f) = std::iter::once(&leaf)
        .chain(others.iter().filter_map(|f| f.as_ref().ok()))
        .find(|f| f.not_before > now)
    {
        state = State::Critical;
        problems.push(format!(
            "{} not valid before {}",
            if std::ptr::eq(f, &leaf) {
                "certificate".to_owned()
            } else {
                format!("chain certificate {}", f.subject)
            },
            date(f.not_before)
        ));
    }
    if let Some(reason) = untrusted {
        state = State::Critical;
        // Dates are already said, in days.
        if !reason.contains("expired") && !reason.contains("not valid before") {
            problems.push(reason.to_owned());
        }
    }
    let problems = if problems.is_empty() {
        String::new()
    } else {
        format!("{}; ", problems.join("; "))
    };
    let mut out = Outcome::new(
        CheckName::Cert,
        state,
        format!(
            "{problems}{when}, subject {}, issuer {}",
            leaf.subject, leaf.issuer
        ),
    );
    out.details.push(format!(
        "valid from {} until {}",
        date(leaf.not_before),
        date(leaf.not_after)
    ));
    if !leaf.host_names().is_empty() {
        out.details
            .push(format!("names: {}", leaf.host_names().join(", ")));
    }
    for (i, f) in others.iter().enumerate() {
        match f {
            Ok(f) => out.details.push(format!(
                "chain {}: {} (issuer {}), expires in {} days ({})",
                i + 1,
                f.subject,
                f.issuer,
                days_until(f.not_after, now),
                date(f.not_after)
            )),
            Err(e) => out.details.push(format!("chain {}: {e}", i + 1)),
        }
    }
    if t.warn.is_none() && t.crit.is_none() {
        out.details
            .push("no -w/-c: only expiry and trust are judged".into());
    }
    out.metrics = vec![Metric {
        min: None,
        ..Metric::count("days", days_value(days)).with_thresholds(t)
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
        UNIX_EPOCH + Duration::from_secs(ts.unsigned_abs())
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
            Some("certificate not trusted (unknown issuer): use --ca-cert FILE (its CA, or the certificate itself), or --insecure"),
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
        assert!(o
            .summary
            .starts_with("certificate not valid before 2025-01-01"));
    }

    #[test]
    fn expired_text_and_perfdata_agree() {
        let c = [cert((2020, 1, 1), (2021, 1, 1))];
        // 698 days and 9 hours after the expiry.
        let now = at(2022, 11, 30) + Duration::from_secs(9 * 3600);
        let o = judge(&c, None, now, &defaults()).unwrap();
        let days = o.metric("days").unwrap();
        assert_eq!(days, -699.0);
        assert!(
            o.summary.starts_with("certificate expired 699 days ago"),
            "{}",
            o.summary
        );
    }

    #[test]
    fn earliest_expiry_of_the_chain_is_judged_and_named() {
        let root_key = rcgen::KeyPair::generate().unwrap();
        let mut root = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        root.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        root.distinguished_name
            .push(rcgen::DnType::CommonName, "Root");
        let root = root.self_signed(&root_key).unwrap();
        let mid_key = rcgen::KeyPair::generate().unwrap();
        let mut mid = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        mid.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        mid.distinguished_name
            .push(rcgen::DnType::CommonName, "Short Intermediate");
        mid.not_before = rcgen::date_time_ymd(2025, 1, 1);
        mid.not_after = rcgen::date_time_ymd(2025, 6, 5);
        let mid = mid.signed_by(&mid_key, &root, &root_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(vec!["misp.example.org".into()]).unwrap();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "misp.example.org");
        leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2026, 1, 1);
        let leaf = leaf.signed_by(&leaf_key, &mid, &mid_key).unwrap();
        let chain = [leaf.der().clone(), mid.der().clone()];
        let o = judge(&chain, None, at(2025, 6, 1), &defaults()).unwrap();
        assert_eq!((o.state, o.metric("days")), (State::Critical, Some(4.0)));
        assert_eq!(
            o.summary,
            "chain certificate 1 (CN=Short Intermediate) expires in 4 days (2025-06-05T00:00:00Z), subject CN=misp.example.org, issuer CN=Short Intermediate"
        );
        let only_leaf = judge(&chain[..1], None, at(2025, 6, 1), &defaults()).unwrap();
        assert_eq!(only_leaf.state, State::Ok);
    }
}
