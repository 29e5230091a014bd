//! `key`: days left on the API key in use, and what MISP says of that key.
//!
//! MISP adds `X-Auth-Key-Expiration` to every answer to an advanced auth key that has an
//! expiry, and nothing else announces it: without this check the first sign of an expired
//! key is every other check failing with "key not accepted". One request tells both the
//! expiry and the key's limits: `POST /auth_keys/index` with the key's first and last four
//! characters as filter (in the body, so they stay out of URLs and access logs) lists
//! only that key, and its answer carries the header.
//!
//! No header means no expiry. Whether the key is an advanced key without expiry or a
//! classic one (`users.authkey`, with `Security.advanced_authkeys` off), which never
//! expires, is told by whether the index lists it.

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Kind, KEY_EXPIRATION_HEADER};
use crate::misp::{
    self,
    authkey::{self, Entry},
};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use crate::range::{Range, RangeUnit};
use bytes::Bytes;
use clap::Args;
use hyper::Method;
use std::time::{SystemTime, UNIX_EPOCH};

const PATH: &str = "/auth_keys/index";

/// Days left before the key's expiry at which `-w` warns by default, and `-v` of any check
/// mentions it.
pub const WARN_DAYS: f64 = 14.0;

/// Days until the API key in use expires, and its limits (-w/-c in days left; default -w 14 -c 3)
#[derive(Debug, Args)]
pub struct Settings {}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["days"];

    /// Days left, as `cert` counts them, with a shorter lead: a new key is a minute's work
    /// in MISP's interface, a new certificate may take days.
    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Days)
            .warn(Range::below(WARN_DAYS))
            .crit(Range::below(3.0))
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let key = cx.inv.opts.key.as_ref().ok_or(Error::NoKey)?;
        let key = key.expose();
        let filter = serde_json::json!({
            "authkey_start": key.get(..4).unwrap_or(""),
            "authkey_end": key.get(key.len().saturating_sub(4)..).unwrap_or(""),
        });
        let client = cx.client()?;
        let resp = client
            .send_body(
                Method::POST,
                PATH,
                Kind::Rest,
                Some(Bytes::from(filter.to_string())),
            )
            .await?;
        let listed = match misp::json(&resp, "POST", PATH) {
            Ok(json) => authkey::matching(&json, key).ok_or_else(|| {
                "MISP's answer is not a list of auth keys".to_owned()
            }),
            // A key MISP refused, or a login redirect, says nothing of the key's expiry.
            Err(e @ (Error::KeyRejected { .. } | Error::Redirect { .. })) => return Err(e),
            Err(e) => Err(e.to_string()),
        };
        judge(
            resp.header(KEY_EXPIRATION_HEADER),
            listed,
            now(),
            cx.thresholds(),
        )
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[allow(
    clippy::cast_precision_loss,
    reason = "days between Unix times are at most a few hundred million"
)]
fn days_value(days: i64) -> f64 {
    days as f64
}

/// `-w`/`-c` on the whole days left until the expiry MISP announced; expired is
/// CRITICAL; no announcement is OK "no expiry". `listed` is the key's entries in the
/// auth key index, or why they could not be read (then only the expiry is judged).
pub fn judge(
    header: Option<&str>,
    listed: Result<Vec<Entry>, String>,
    now: i64,
    t: &Thresholds,
) -> Result<Outcome, Error> {
    let expires = header
        .map(|h| {
            authkey::parse_expiration(h).ok_or_else(|| Error::Malformed {
                path: PATH.into(),
                reason: format!(
                    "{KEY_EXPIRATION_HEADER} is not a date: {}",
                    misp::one_line(h, 60)
                ),
            })
        })
        .transpose()?;
    let mut details = Vec::new();
    // The entry that is the key in use: the only one with its ends, and with the expiry
    // MISP announced if several share them.
    let entry = match &listed {
        Ok(entries) if entries.len() > 1 => {
            details.push(format!(
                "{} auth keys share this key's first and last four characters",
                entries.len()
            ));
            let same: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.expiration == expires)
                .collect();
            (same.len() == 1).then(|| same[0])
        }
        Ok(entries) => entries.first(),
        Err(why) => {
            details.push(format!(
                "MISP did not list the key, so its limits are unknown: {why}"
            ));
            None
        }
    };
    let (state, mut summary, metric) = match (expires, header) {
        (Some(at), Some(text)) => {
            let days = authkey::days_left(at, now);
            let shown = misp::one_line(text, 40);
            if at <= now {
                (
                    State::Critical,
                    format!("API key expired {} days ago ({shown})", -days),
                    Some(days),
                )
            } else {
                (
                    t.evaluate(days_value(days)),
                    format!("API key expires in {days} days ({shown})"),
                    Some(days),
                )
            }
        }
        _ => {
            let text = match (&listed, entry) {
                (_, Some(_)) => "API key has no expiry".to_owned(),
                (Ok(entries), None) if entries.is_empty() => {
                    "API key has no expiry: MISP lists no advanced auth key like it, so it is a classic key (Security.advanced_authkeys off), which never expires".to_owned()
                }
                _ => "API key has no expiry (MISP announced none)".to_owned(),
            };
            (State::Ok, text, None)
        }
    };
    if let Some(e) = entry {
        if e.read_only {
            summary.push_str("; read-only");
        }
        if !e.allowed_ips.is_empty() {
            summary.push_str("; usable only from ");
            summary.push_str(&e.allowed_ips.join(", "));
        }
        let id = e.id.map(|i| format!(" #{i}")).unwrap_or_default();
        let comment = if e.comment.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.comment)
        };
        let user = e
            .user
            .as_ref()
            .map(|u| format!(" of {u}"))
            .unwrap_or_default();
        details.insert(0, format!("advanced auth key{id}{comment}{user}"));
        if e.expiration.is_some() && expires.is_none() {
            details.push("its entry has an expiry, but MISP announced none: MISP authenticated the key another way (advanced auth keys off?)".into());
        }
    }
    if t.warn.is_none() && t.crit.is_none() && metric.is_some() {
        details.push("no -w/-c: only an expired key is judged".into());
    }
    let mut out = Outcome::new(CheckName::Key, state, summary);
    out.details = details;
    out.metrics = metric
        .map(|days| Metric {
            min: None,
            ..Metric::count("days", days_value(days)).with_thresholds(t)
        })
        .into_iter()
        .collect();
    Ok(out)
}

/// With `-v`, a line for any check whose answers announced a key expiry within
/// [`WARN_DAYS`].
pub fn near_expiry_note(header: &str, now: i64) -> Option<String> {
    let at = authkey::parse_expiration(header)?;
    let days = authkey::days_left(at, now);
    (days_value(days) < WARN_DAYS).then(|| {
        format!(
            "note: MISP says the API key expires in {days} days ({}); see the key check",
            misp::one_line(header, 40)
        )
    })
}

/// The same, at this moment.
pub fn near_expiry_now(header: &str) -> Option<String> {
    near_expiry_note(header, now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::misp::authkey::DAY;

    const NOW: i64 = 1_796_515_200; // 2026-12-06T00:00:00Z

    fn defaults() -> Thresholds {
        Thresholds {
            warn: Some(Range::below(14.0)),
            crit: Some(Range::below(3.0)),
        }
    }

    fn entry(read_only: bool, ips: &[&str], expiration: Option<i64>) -> Entry {
        Entry {
            id: Some(4),
            comment: "nagios".into(),
            user: Some("admin@admin.test".into()),
            expiration,
            read_only,
            allowed_ips: ips.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn days_left_against_minimums() {
        let at = |d: i64| NOW + d * DAY + 3600;
        for (days, state) in [(40, State::Ok), (10, State::Warning), (2, State::Critical)] {
            let header = crate::words::utc(UNIX_EPOCH + std::time::Duration::from_secs(at(days).unsigned_abs()));
            let o = judge(Some(&header), Ok(vec![]), NOW, &defaults()).unwrap();
            assert_eq!((o.state, o.metric("days")), (state, Some(days_value(days))), "{o:?}");
            assert!(o.summary.starts_with(&format!("API key expires in {days} days (")));
        }
    }

    #[test]
    fn expired_is_critical_even_without_thresholds() {
        let o = judge(
            Some("2026-12-01T00:00:00+00:00"),
            Ok(vec![]),
            NOW,
            &Thresholds::default(),
        )
        .unwrap();
        assert_eq!(o.state, State::Critical);
        assert_eq!(o.summary, "API key expired 5 days ago (2026-12-01T00:00:00+00:00)");
    }

    #[test]
    fn limits_are_said_and_no_expiry_is_ok() {
        let o = judge(
            Some("2026-12-16T00:00:00+00:00"),
            Ok(vec![entry(true, &["127.0.0.1", "::1"], Some(1_797_379_200))]),
            NOW,
            &defaults(),
        )
        .unwrap();
        assert_eq!(o.state, State::Warning);
        assert_eq!(
            o.summary,
            "API key expires in 10 days (2026-12-16T00:00:00+00:00); read-only; usable only from 127.0.0.1, ::1"
        );
        assert_eq!(o.details[0], "advanced auth key #4 (nagios) of admin@admin.test");
        let o = judge(None, Ok(vec![entry(false, &[], None)]), NOW, &defaults()).unwrap();
        assert_eq!((o.state, o.summary.as_str()), (State::Ok, "API key has no expiry"));
        assert!(o.metrics.is_empty());
        let classic = judge(None, Ok(vec![]), NOW, &defaults()).unwrap();
        assert_eq!(classic.state, State::Ok);
        assert!(classic.summary.contains("classic key"), "{}", classic.summary);
        let unlisted = judge(None, Err("MISP answered 404".into()), NOW, &defaults()).unwrap();
        assert_eq!(unlisted.summary, "API key has no expiry (MISP announced none)");
        assert!(unlisted.details[0].contains("limits are unknown"));
    }

    #[test]
    fn a_header_that_is_no_date_is_malformed() {
        assert!(matches!(
            judge(Some("soon"), Ok(vec![]), NOW, &defaults()),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn verbose_note_only_when_near() {
        assert!(near_expiry_note("2027-06-01T00:00:00+00:00", NOW).is_none());
        assert_eq!(
            near_expiry_note("2026-12-16T00:00:00+00:00", NOW).unwrap(),
            "note: MISP says the API key expires in 10 days (2026-12-16T00:00:00+00:00); see the key check"
        );
        assert!(near_expiry_note("garbage", NOW).is_none());
    }
}
