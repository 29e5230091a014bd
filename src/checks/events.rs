//! `events`: the REST events index answers with real events.

use crate::words::{plural, secs};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Kind, Response};
use crate::misp::{self, events::{index_path, EventIndex, DEFAULT_LIMIT}};
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::RangeUnit;
use clap::Args;
use hyper::Method;
use std::time::Duration;

/// The REST events index answers with events
#[derive(Debug, Args)]
pub struct Settings {
    /// Events to ask for (the index page size)
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// CRITICAL when fewer events match
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub min_events: u64,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["time", "events"];

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds)
    }

    /// Fetches one page of the minimal index and judges it.
    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let path = index_path(self.limit);
        let resp = cx.client()?.send(Method::GET, &path, Kind::Rest).await?;
        let index = parse(&resp, &path)?;
        Ok(judge(
            &index,
            &resp,
            cx.thresholds(),
            self.min_events,
            cx.timeout(),
        ))
    }
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
    let mut out = Outcome::new(CheckName::Events, t.evaluate(time.as_secs_f64()), "");
    out.metrics = vec![
        Metric::seconds("time", time.as_secs_f64())
            .with_thresholds(t)
            .with_max(timeout.as_secs_f64()),
        Metric::count("events", as_value(total)),
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
