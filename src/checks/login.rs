//! `login`: the login page as a browser fetches it (no key), like the seed blog's HttpsMonitor.

use super::{plural, secs};
use crate::error::Error;
use crate::http::{Client, Kind, Response};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use hyper::Method;
use std::time::Duration;

const PATH: &str = "/users/login";

/// Fetches `/users/login` and judges it.
pub async fn run(
    client: &Client,
    t: &Thresholds,
    expect_status: &[(u16, u16)],
    expect_text: &str,
    timeout: Duration,
) -> Result<Outcome, Error> {
    let resp = client.send(Method::GET, PATH, Kind::Page).await?;
    Ok(judge(&resp, t, expect_status, expect_text, timeout))
}

/// Status in the accepted list, the text present, then the time against `-w`/`-c`.
pub fn judge(
    resp: &Response,
    t: &Thresholds,
    expect_status: &[(u16, u16)],
    expect_text: &str,
    timeout: Duration,
) -> Outcome {
    let time = resp.timings.total;
    let mut out = Outcome::new("login", t.evaluate(time.as_secs_f64()), "");
    out.metrics = vec![
        Metric::seconds("time", time.as_secs_f64())
            .with_thresholds(t)
            .with_max(timeout.as_secs_f64()),
        Metric::bytes("size", resp.body.len() as f64),
    ];
    let status_ok = expect_status
        .iter()
        .any(|(lo, hi)| (*lo..=*hi).contains(&resp.status));
    let text_found = expect_text.is_empty()
        || resp
            .body
            .windows(expect_text.len())
            .any(|w| w == expect_text.as_bytes());
    out.summary = if !status_ok {
        out.state = State::Critical;
        let expected: Vec<String> = expect_status
            .iter()
            .map(|(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        match resp.header("location") {
            Some(loc) if (300..400).contains(&resp.status) => format!(
                "login page answered {} redirecting to {} (expected {})",
                resp.status,
                crate::misp::one_line(loc, 200),
                expected.join(",")
            ),
            _ => format!(
                "login page answered {}, expected {}",
                resp.status,
                expected.join(",")
            ),
        }
    } else if !text_found {
        out.state = State::Critical;
        format!(
            "login page answered {} but does not contain '{expect_text}'",
            resp.status
        )
    } else {
        format!(
            "login page answered {} in {} ({})",
            resp.status,
            secs(time),
            plural(resp.body.len() as u64, "byte")
        )
    };
    out
}
