//! `latency`: REST response time, every phase measured on the one connection used.

use crate::words::secs;
use super::{Check, Context};
use crate::misp::events::{index_path, DEFAULT_LIMIT};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Kind, Timings};
use crate::misp;
use crate::outcome::{Metric, Outcome, Thresholds};
use crate::range::{Range, RangeUnit};
use clap::Args;
use hyper::Method;
use std::time::Duration;

/// REST response time, phase by phase (-c defaults to 5s)
#[derive(Debug, Args)]
pub struct Settings {
    /// REST path to time instead of the events index
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
}

impl Settings {
    /// The path timed: by default the events check's own request, so that `all` can time
    /// the request `events` judges.
    pub fn path(&self) -> String {
        self.path
            .clone()
            .unwrap_or_else(|| index_path(DEFAULT_LIMIT))
    }
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] =
        &["time_total", "time_connect", "time_tls", "time_firstbyte"];

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds).crit(Range::above(5.0))
    }

    /// Times one REST request (the answer must still be valid JSON: a fast error page is
    /// not a fast MISP).
    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let path = self.path();
        let resp = cx.client()?.send(Method::GET, &path, Kind::Rest).await?;
        misp::json(&resp, "GET", &path)?;
        Ok(judge(&resp.timings, cx.thresholds(), cx.timeout()))
    }
}

/// Total time against `-w`/`-c`; the phases as perfdata.
pub fn judge(timings: &Timings, t: &Thresholds, timeout: Duration) -> Outcome {
    let total = timings.total.as_secs_f64();
    let max = timeout.as_secs_f64();
    // Through a proxy, connect is to the proxy and the tunnel is its own phase.
    let (to, tunnel) = match timings.proxy {
        Some(p) => (" to the proxy", format!(", proxy {}", secs(p))),
        None => ("", String::new()),
    };
    let mut out = Outcome::new(
        CheckName::Latency,
        t.evaluate(total),
        format!(
            "REST answered in {} (connect{to} {}{tunnel}, TLS {}, first byte {})",
            secs(timings.total),
            secs(timings.connect),
            secs(timings.tls),
            secs(timings.firstbyte)
        ),
    );
    out.metrics = vec![
        Metric::seconds("time_connect", timings.connect.as_secs_f64()).with_max(max),
        Metric::seconds("time_tls", timings.tls.as_secs_f64()).with_max(max),
        Metric::seconds("time_firstbyte", timings.firstbyte.as_secs_f64()).with_max(max),
        Metric::seconds("time_total", total)
            .with_thresholds(t)
            .with_max(max),
    ];
    if let Some(p) = timings.proxy {
        out.metrics.insert(
            1,
            Metric::seconds("time_proxy", p.as_secs_f64()).with_max(max),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_the_events_request_by_default() {
        let s = Settings { path: None };
        assert_eq!(s.path(), "/events/index/limit:60/page:1/searchminimal:1");
        assert_eq!(s.path(), index_path(DEFAULT_LIMIT));
    }
}
