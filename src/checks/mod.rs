//! The checks: each fetches what it needs from MISP, then judges it with a pure function.
//! Checks never print or exit; they return an [`Outcome`] or an [`Error`].

pub mod events;
pub mod heal;
pub mod jobs;
pub mod latency;
pub mod login;
pub mod workers;

use crate::cli::{Check, Invocation};
use crate::error::Error;
use crate::http::{self, Client};
use crate::outcome::Outcome;
use tokio::time::Instant;

/// Runs the invocation's check against MISP, finishing by `deadline`.
pub async fn run(inv: &Invocation, deadline: Instant) -> Result<Outcome, Error> {
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
        Check::Workers {
            heal: None,
            ignore_queues,
        } => workers::run(&client, t, ignore_queues).await?,
        Check::Workers {
            heal: Some(settings),
            ignore_queues,
        } => heal::run(&client, t, ignore_queues, settings).await?,
        Check::Jobs { ignore_queues } => jobs::run(&client, t, ignore_queues).await?,
        Check::Stats { .. } => {
            return Err(Error::Usage(format!(
                "the {} check is not available in this build",
                inv.check.name()
            )))
        }
    };
    if inv.verbose > 0 && client.has_key() && !client.base().is_https() {
        outcome
            .details
            .push("warning: the API key travels in clear text over http://; use https://".into());
    }
    Ok(outcome)
}

/// The HTTP client for this invocation; TLS trust is only loaded for an https URL.
pub fn client(inv: &Invocation, deadline: Instant) -> Result<Client, Error> {
    let tls = if inv.base.is_https() {
        Some(http::tls_config(inv.ca_cert.as_deref(), inv.insecure)?)
    } else {
        None
    };
    Ok(Client::new(
        inv.base.clone(),
        inv.key.clone(),
        tls,
        deadline,
        inv.timeout,
    ))
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
