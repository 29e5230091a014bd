//! `heartbeat`: MISP's unauthenticated liveness endpoint (`/users/heartbeat`, MISP 2.4.194
//! and later), timed against `-w`/`-c`.

use crate::words::secs;
use super::{Check, Context, LOGIN_PAGE};
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
        let client = cx.client()?;
        let resp = client.send(Method::GET, PATH, Kind::Page).await?;
        // The same answer comes from a URL whose path is not MISP's: the login page,
        // which every MISP has, tells the two apart.
        let login = match missing(&resp) {
            Some(_) => Some(client.send(Method::GET, LOGIN_PAGE, Kind::Page).await?),
            None => None,
        };
        judge(&resp, login.as_ref(), cx.thresholds(), cx.timeout())
    }
}

/// How MISP said it has no such page: a 404, or its redirect to the login page.
fn missing(resp: &Response) -> Option<String> {
    let redirected_to_login = (300..400).contains(&resp.status)
        && resp
            .header("location")
            .is_some_and(|l| l.contains("/users/login"));
    if resp.status == 404 {
        Some("404 Not Found".to_owned())
    } else if redirected_to_login {
        Some(format!("{} to the login page", resp.status))
    } else {
        None
    }
}

/// 200 with MISP's `{"message": ...}` is alive. No such page (see [`missing`]) where the
/// login page (`login`, fetched then) is MISP's means this MISP predates the endpoint
/// (UNKNOWN: nothing was learnt about its health); where it is not, the URL does not lead
/// to MISP (CRITICAL, as any check says for a wrong URL).
pub fn judge(
    resp: &Response,
    login: Option<&Response>,
    t: &Thresholds,
    timeout: Duration,
) -> Result<Outcome, Error> {
    if let Some(how) = missing(resp) {
        let asked = format!("{}{PATH}", resp.prefix);
        let misp_here = login.is_some_and(|l| {
            l.status == 200 && l.body.windows(13).any(|w| w == b"UserLoginForm")
        });
        if misp_here {
            return Ok(Outcome::new(
                CheckName::Heartbeat,
                State::Unknown,
                format!("heartbeat not supported by this MISP version (it answered {how} for GET {asked}; /users/heartbeat needs MISP 2.4.194 or later)"),
            ));
        }
        let login_said = login.map_or(String::new(), |l| {
            let to = l
                .header("location")
                .map(|loc| format!(" redirecting to {}", misp::one_line(loc, 200)))
                .unwrap_or_default();
            format!(" ({}{to})", l.status)
        });
        let prefix = if resp.prefix.is_empty() {
            "/"
        } else {
            resp.prefix.as_str()
        };
        return Ok(Outcome::new(
            CheckName::Heartbeat,
            State::Critical,
            format!("no MISP under the URL's path {prefix}: it answered {how} for GET {asked}, and {}{LOGIN_PAGE} is not MISP's login page either{login_said}; check the path in --url", resp.prefix),
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
            prefix: String::new(),
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
        let o = judge(&r, None, &t, Duration::from_secs(10)).unwrap();
        assert_eq!(o.state, State::Ok);
        assert_eq!(o.metric("time"), Some(0.3));
        let slow = Thresholds {
            warn: Some(Range::above(0.1)),
            crit: None,
        };
        assert_eq!(
            judge(&r, None, &slow, Duration::from_secs(10)).unwrap().state,
            State::Warning
        );
    }

    #[test]
    fn older_misp_is_unknown_not_critical() {
        let t = Thresholds::default();
        let login = resp(200, None, r#"<form id="UserLoginForm">"#);
        for r in [
            resp(302, Some("https://misp/users/login"), ""),
            resp(404, None, "{}"),
        ] {
            let o = judge(&r, Some(&login), &t, Duration::from_secs(10)).unwrap();
            assert_eq!(o.state, State::Unknown);
            assert!(o
                .summary
                .starts_with("heartbeat not supported by this MISP version"));
        }
        // Where the login page is not MISP's either, the URL's path is wrong.
        let elsewhere = resp(302, Some("https://misp/users/login"), "");
        let o = judge(&elsewhere, Some(&elsewhere), &t, Duration::from_secs(10)).unwrap();
        assert_eq!(o.state, State::Critical);
        assert!(o.summary.starts_with("no MISP under the URL's path /"));
        // A redirect elsewhere is not an old MISP: it is named as any redirect is.
        let r = resp(302, Some("https://sso.example.org/"), "");
        assert!(matches!(
            judge(&r, None, &t, Duration::from_secs(10)),
            Err(Error::Redirect { .. })
        ));
    }
}
