//! `heartbeat`: MISP's unauthenticated liveness endpoint (`/users/heartbeat`, MISP 2.4.194
//! and later), timed against `-w`/`-c`.

use super::words::secs;
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Kind, Response};
use crate::misp;
use crate::outcome::{Metric, Outcome, State, Thresholds};
use crate::range::RangeUnit;
use clap::Args;
use hyper::Method;
use serde_json::Value;
use std::time::Duration;

const PATH: &str = "/users/heartbeat";

/// The public liveness endpoint /users/heartbeat (MISP 2.4.194 or later; no key needed)
#[derive(Debug, Args)]
pub struct Settings {}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["time"];

    /// No key: the endpoint is public, and a key has no business on a liveness probe.
    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds).keyless()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        // Fetched as a page, not as REST: an older MISP then answers with its usual
        // redirect to the login page, which is how "no such endpoint" shows, instead of a
        // 403 for the missing key.
        let resp = cx.client()?.send(Method::GET, PATH, Kind::Page).await?;
        judge(&resp, cx.thresholds(), cx.timeout())
    }
}

/// 200 with MISP's `{"message": ...}` is alive; a redirect to the login page or a 404 means
/// this MISP predates the endpoint (UNKNOWN: nothing was learnt about its health).
pub fn judge(resp: &Response, t: &Thresholds, timeout: Duration) -> Result<Outcome, Error> {
    let redirected_to_login = (300..400).contains(&resp.status)
        && resp
            .header("location")
            .is_some_and(|l| l.contains("/users/login"));
    if redirected_to_login || resp.status == 404 {
        let how = if resp.status == 404 {
            "404 Not Found".to_owned()
        } else {
            format!("{} to the login page", resp.status)
        };
        return Ok(Outcome::new(
            CheckName::Heartbeat,
            State::Unknown,
            format!("heartbeat not supported by this MISP version (it answered {how}; /users/heartbeat needs MISP 2.4.194 or later)"),
        ));
    }
    let json = misp::json(resp, "GET", PATH)?;
    let message = json
        .get("message")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Malformed {
            path: PATH.into(),
            reason: "no \"message\" in the heartbeat answer".into(),
        })?;
    let time = resp.timings.total;
    let mut out = Outcome::new(
        CheckName::Heartbeat,
        t.evaluate(time.as_secs_f64()),
        format!("MISP answered the heartbeat in {}", secs(time)),
    );
    out.details
        .push(format!("MISP says: {}", misp::one_line(message, 120)));
    out.metrics = vec![Metric::seconds("time", time.as_secs_f64())
        .with_thresholds(t)
        .with_max(timeout.as_secs_f64())];
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Timings;
    use crate::range::Range;
    use hyper::header::{HeaderMap, HeaderValue};

    fn resp(status: u16, location: Option<&str>, body: &str) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(l) = location {
            headers.insert("location", HeaderValue::from_str(l).unwrap());
        }
        Response {
            status,
            headers,
            body: body.to_owned().into(),
            timings: Timings {
                total: Duration::from_millis(300),
                ..Timings::default()
            },
        }
    }

    #[test]
    fn alive_and_timed() {
        let r = resp(
            200,
            None,
            r#"{"message": "You must construct additional pylons."}"#,
        );
        let t = Thresholds::default();
        let o = judge(&r, &t, Duration::from_secs(10)).unwrap();
        assert_eq!(o.state, State::Ok);
        assert_eq!(o.metric("time"), Some(0.3));
        let slow = Thresholds {
            warn: Some(Range::above(0.1)),
            crit: None,
        };
        assert_eq!(
            judge(&r, &slow, Duration::from_secs(10)).unwrap().state,
            State::Warning
        );
    }

    #[test]
    fn older_misp_is_unknown_not_critical() {
        let t = Thresholds::default();
        for r in [
            resp(302, Some("https://misp/users/login"), ""),
            resp(404, None, "{}"),
        ] {
            let o = judge(&r, &t, Duration::from_secs(10)).unwrap();
            assert_eq!(o.state, State::Unknown);
            assert!(o
                .summary
                .starts_with("heartbeat not supported by this MISP version"));
        }
        // A redirect elsewhere is not an old MISP: it is named as any redirect is.
        let r = resp(302, Some("https://sso.example.org/"), "");
        assert!(matches!(
            judge(&r, &t, Duration::from_secs(10)),
            Err(Error::Redirect { .. })
        ));
    }
}
