//! The checks: each fetches what it needs from MISP, then judges it with a pure function.
//! Checks never print or exit; they return an [`Outcome`] or an [`Error`].

pub mod all;
pub mod cert;
pub mod diagnostics;
pub mod events;
pub mod heal;
pub mod heartbeat;
pub mod jobs;
pub mod latency;
pub mod login;
pub mod stats;
pub mod version;
pub mod workers;

use crate::cli::{Check, Invocation};
use crate::error::Error;
use crate::http::{self, Client};
use crate::outcome::Outcome;
use tokio::time::Instant;

/// Runs the invocation's check against MISP, finishing by `deadline`.
pub async fn run(inv: &Invocation, deadline: Instant) -> Result<Outcome, Error> {
    if let Check::All { subs } = &inv.check {
        return Ok(all::run(subs, deadline, inv.verbose).await);
    }
    // Answered from the cache alone: no client, so no URL, key or TLS setup is needed.
    if let Check::Stats {
        kind,
        cache_file: Some(path),
        max_age,
        update_cache: false,
    } = &inv.check
    {
        return stats::from_cache(*kind, path, *max_age, &inv.thresholds);
    }
    let client = client(inv, deadline)?;
    let t = &inv.thresholds;
    let mut outcome = match &inv.check {
        Check::Login {
            expect_status,
            expect_text,
        } => login::run(&client, t, expect_status, expect_text, inv.timeout).await?,
        Check::Events { limit, min_events } => {
            events::run(&client, t, *limit, *min_events, inv.timeout).await?
        }
        Check::Latency { path } => latency::run(&client, t, path, inv.timeout).await?,
        Check::Workers { heal: None, rules } => workers::run(&client, t, rules).await?,
        Check::Workers {
            heal: Some(settings),
            rules,
        } => heal::run(&client, t, rules, settings).await?,
        Check::Jobs { ignore_queues } => jobs::run(&client, t, ignore_queues).await?,
        Check::Stats {
            kind,
            cache_file,
            update_cache,
            ..
        } => stats::run(&client, t, *kind, cache_file.as_deref(), *update_cache).await?,
        Check::Diagnostics { ignore } => diagnostics::run(&client, ignore, inv.timeout).await?,
        Check::Version {
            warn_below,
            crit_below,
        } => version::run(&client, *warn_below, *crit_below).await?,
        Check::Heartbeat => heartbeat::run(&client, t, inv.timeout).await?,
        Check::Cert => cert::run(&client, t, inv.insecure, inv.timeout).await?,
        Check::All { .. } => {
            return Err(Error::Usage("all cannot run inside all".into()));
        }
    };
    add_verbose_details(inv, &client, &mut outcome);
    Ok(outcome)
}

/// With `-v`: one line per request made, and a warning when the key went over plain HTTP.
pub fn add_verbose_details(inv: &Invocation, client: &Client, outcome: &mut Outcome) {
    if inv.verbose == 0 {
        return;
    }
    outcome.details.extend(client.request_log());
    if client.has_key() && !client.base().is_https() {
        outcome
            .details
            .push("warning: the API key travels in clear text over http://; use https://".into());
    }
}

/// The HTTP client for this invocation; TLS trust is only loaded for an https URL.
pub fn client(inv: &Invocation, deadline: Instant) -> Result<Client, Error> {
    let base = inv.base.clone().ok_or(Error::NoUrl)?;
    let tls = if base.is_https() {
        Some(http::tls_config(inv.ca_cert.as_deref(), inv.insecure)?)
    } else {
        None
    };
    Ok(
        Client::new(base, inv.key.clone(), tls, deadline, inv.timeout)
            .with_network(inv.network.clone()),
    )
}

/// The outcome of a check that failed: the error's state and its one-line message.
pub fn failed(inv: &Invocation, e: &Error) -> Outcome {
    Outcome::new(inv.check.name(), e.state(inv.timeout_result), e.to_string())
}

/// A duration as a person reads it, to the second: `2h`, `12m 3s`, `0s`.
pub fn human(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
}

/// Seconds with millisecond precision, for summaries.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// `n thing` or `n things`.
pub fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// How far ahead of this host's clock a recorded time may be and still count as "now":
/// hosts kept by NTP differ by far less, and a state or cache file written by a host a
/// few minutes ahead must not be thrown away.
pub const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(300);

/// How far `t` is ahead of `now`, when that is more than [`CLOCK_SKEW`]: such a time
/// cannot have been recorded yet, so it is invalid rather than "very recent".
pub fn in_future(
    t: std::time::SystemTime,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    t.duration_since(now)
        .ok()
        .filter(|ahead| *ahead > CLOCK_SKEW)
}

/// A time as RFC 3339 UTC, or as Unix seconds where RFC 3339 has no year for it.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // humantime formats years up to 9999 only (and fails, not saturates, past that).
    if secs < 253_402_300_800 {
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
        )
        .to_string()
    } else {
        format!("Unix time {secs}")
    }
}
