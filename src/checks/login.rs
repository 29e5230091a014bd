//! `login`: the login page as a browser fetches it (no key), as OpenNMS's HttpsMonitor does.

use crate::words::{plural, secs};
use super::{Check, Context};
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Kind, Response};
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::RangeUnit;
use clap::Args;
use hyper::Method;
use std::time::Duration;

const PATH: &str = "/users/login";

/// The login page answers as a browser sees it (no key needed)
#[derive(Debug, Args)]
pub struct Settings {
    /// Acceptable HTTP statuses: codes and ranges, comma-separated
    #[arg(long, default_value = "200-202,299", value_name = "LIST")]
    pub expect_status: String,
    /// Text the page must contain
    #[arg(long, default_value = "Login", value_name = "TEXT")]
    pub expect_text: String,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["time", "size"];

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds).keyless()
    }

    fn validate(&self) -> Result<(), Error> {
        parse_statuses(&self.expect_status).map(|_| ())
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let statuses = parse_statuses(&self.expect_status)?;
        let resp = cx.client()?.send(Method::GET, PATH, Kind::Page).await?;
        Ok(judge(
            &resp,
            cx.thresholds(),
            &statuses,
            &self.expect_text,
            cx.timeout(),
        ))
    }
}

fn parse_statuses(s: &str) -> Result<Vec<(u16, u16)>, Error> {
    let bad = || {
        Error::Usage(format!(
            "--expect-status: '{s}' is not a list of status codes like 200-202,299"
        ))
    };
    let code = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
    };
    s.split(',')
        .map(|part| match part.split_once('-') {
            Some((a, b)) => match (code(a), code(b)) {
                (Some(a), Some(b)) if a <= b => Ok((a, b)),
                _ => Err(bad()),
            },
            None => code(part).map(|c| (c, c)).ok_or_else(bad),
        })
        .collect()
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
    let mut out = Outcome::new(crate::check_name::CheckName::Login, t.evaluate(time.as_secs_f64()), "");
    out.metrics = vec![
        Metric::seconds("time", time.as_secs_f64())
            .with_thresholds(t)
            .with_max(timeout.as_secs_f64()),
        Metric::bytes("size", as_value(resp.body.len() as u64)),
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
                "login page answered {}, expected {}{}",
                resp.status,
                expected.join(","),
                if resp.status >= 500 {
                    // The login page needs nothing but MISP's PHP and its configuration.
                    "; MISP itself fails: its app/tmp/logs/error.log, or for a PHP fatal error the web server's error log, says why"
                } else {
                    ""
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lists() {
        assert_eq!(
            parse_statuses("200-202,299").unwrap(),
            vec![(200, 202), (299, 299)]
        );
        for bad in ["", "2xx", "300-200", "99", "200,,201", "600"] {
            assert!(parse_statuses(bad).is_err(), "{bad:?} accepted");
        }
    }
}
