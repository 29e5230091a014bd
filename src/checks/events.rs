//! `events`: the REST events index answers with real events (the seed blog's REST check).

use super::{plural, secs};
use crate::error::Error;
use crate::http::{Client, Kind, Response};
use crate::misp::{self, events::EventIndex};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use hyper::Method;
use std::time::Duration;

/// Fetches one page of the minimal index and judges it.
pub async fn run(
    client: &Client,
    t: &Thresholds,
    limit: u32,
    min_events: u64,
    timeout: Duration,
) -> Result<Outcome, Error> {
    let path = index_path(limit);
    let resp = client.send(Method::GET, &path, Kind::Rest).await?;
    let index = parse(&resp, &path)?;
    Ok(judge(&index, &resp, t, min_events, timeout))
}

/// The minimal index page the seed blog's REST check asks for (and `latency` times).
pub fn index_path(limit: u32) -> String {
    format!("/events/index/limit:{limit}/page:1/searchminimal:1")
}

/// The index answer, checked for shape.
pub fn parse(resp: &Response, path: &str) -> Result<EventIndex, Error> {
    let json = misp::json(resp, "GET", path)?;
    misp::events::parse(&json, resp.header("x-result-count")).map_err(|reason| Error::Malformed {
        path: path.to_owned(),
        reason,
    })
}

/// Enough events, then the response time against `-w`/`-c`.
pub fn judge(
    index: &EventIndex,
    resp: &Response,
    t: &Thresholds,
    min_events: u64,
    timeout: Duration,
) -> Outcome {
    let time = resp.timings.total;
    let total = index.total.unwrap_or(index.returned);
    let mut out = Outcome::new("events", t.evaluate(time.as_secs_f64()), "");
    out.metrics = vec![
        Metric::seconds("time", time.as_secs_f64())
            .with_thresholds(t)
            .with_max(timeout.as_secs_f64()),
        Metric::count("events", total as f64),
    ];
    out.summary = if total < min_events {
        out.state = State::Critical;
        format!(
            "only {} match, expected at least {min_events}",
            plural(total, "event")
        )
    } else {
        format!(
            "events index answered {} in {}",
            plural(total, "event"),
            secs(time)
        )
    };
    out
}
