//! `latency`: REST response time, every phase measured on the one connection used.

use super::secs;
use crate::error::Error;
use crate::http::{Client, Kind, Timings};
use crate::misp;
use crate::outcome::{Metric, Outcome, Thresholds};
use hyper::Method;
use std::time::Duration;

/// Times one REST request (the answer must still be valid JSON: a fast error page is not
/// a fast MISP).
pub async fn run(
    client: &Client,
    t: &Thresholds,
    path: &str,
    timeout: Duration,
) -> Result<Outcome, Error> {
    let resp = client.send(Method::GET, path, Kind::Rest).await?;
    misp::json(&resp, "GET", path)?;
    Ok(judge(&resp.timings, t, timeout))
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
        "latency",
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
