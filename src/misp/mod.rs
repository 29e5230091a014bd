//! MISP's wire format: how its answers look, parsed into small types (no I/O here).
//!
//! MISP 2.5 sends most numbers as JSON strings and 2.4 as numbers, so every number and flag
//! goes through [`number`] and [`flag`], which accept both.

pub mod authkey;
pub mod events;
pub mod jobs;
pub mod stats;
pub mod version;
pub mod workers;

use crate::error::Error;
use crate::http::Response;
use serde_json::Value;
use std::fmt::Write;

/// The largest count believed: 2^53, the last integer a double (PHP's and JavaScript's
/// number) holds exactly. Nothing MISP counts comes near it; a value above it is a broken
/// answer, and summing such values would wrap.
pub const MAX_COUNT: u64 = 1 << 53;

/// A count from MISP: a JSON number or a string holding one (`12`, `"12"`, `12.0`), at
/// most [`MAX_COUNT`].
pub fn number(v: &Value) -> Option<u64> {
    match read_count(v) {
        Count::Valid(n) => Some(n),
        Count::TooLarge | Count::Invalid => None,
    }
}

/// Like [`number`], with the reason spelled out for `field` when `v` is not a count:
/// `jobCount is 18446744073709551615, beyond any real count (above 2^53)`.
pub fn count(v: &Value, field: &str) -> Result<u64, String> {
    let shown = || one_line(&v.to_string(), 40);
    match read_count(v) {
        Count::Valid(n) => Ok(n),
        Count::TooLarge => Err(format!(
            "{field} is {}, beyond any real count (above 2^53)",
            shown()
        )),
        Count::Invalid => Err(format!("{field} is not a count: {}", shown())),
    }
}

enum Count {
    Valid(u64),
    TooLarge,
    Invalid,
}

// A float is only taken when whole, non-negative and at most 2^53, where f64 holds every
// integer exactly: the cast back to u64 then loses nothing.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "bounds checked against MAX_COUNT = 2^53 first"
)]
fn read_count(v: &Value) -> Count {
    let whole = |f: f64| {
        if !(f.is_finite() && f >= 0.0 && f.fract() == 0.0) {
            Count::Invalid
        } else if f > MAX_COUNT as f64 {
            Count::TooLarge
        } else {
            Count::Valid(f as u64)
        }
    };
    let int = |n: u64| {
        if n > MAX_COUNT {
            Count::TooLarge
        } else {
            Count::Valid(n)
        }
    };
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(n) => int(n),
            None => n.as_f64().map_or(Count::Invalid, whole),
        },
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<u64>() {
                Ok(n) => int(n),
                Err(_) => s.parse::<f64>().map_or(Count::Invalid, whole),
            }
        }
        _ => Count::Invalid,
    }
}

/// A flag from MISP: a JSON boolean, `0`/`1`, or their string forms.
pub fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_u64().and_then(|n| match n {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Turns any non-2xx answer into the error that names its cause. `path` is the path under
/// the URL's prefix; messages name the whole path that was asked for.
pub fn check_status(resp: &Response, method: &str, path: &str) -> Result<(), Error> {
    let status = resp.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let path = &format!("{}{path}", resp.prefix);
    if (300..400).contains(&status) {
        let location = resp.header("location").unwrap_or("(no Location header)");
        // MISP answers a key it does not know with 403 when asked for JSON; it sends a key
        // it knows to the login page when it is offline (MISP.live off) and the key's user
        // is no site admin. Without the Accept header reaching it, any key is sent there.
        let hint = if location.contains("/users/login") {
            " (MISP sends this key to its login page: MISP is most likely offline, MISP.live off, where only site admins may use it; or the Accept: application/json header did not reach MISP)"
        } else {
            " (redirects are not followed, so the key is never sent elsewhere)"
        };
        return Err(Error::Redirect {
            status,
            path: path.to_owned(),
            location: one_line(location, 200),
            hint: hint.to_owned(),
        });
    }
    let message = error_message(resp);
    if status == 403 {
        if let Some(m) = &message {
            if m.starts_with("Authentication failed") {
                // MISP says the same to a key it knows when it cannot keep the request's
                // session, so its words are kept and that other cause named.
                return Err(Error::KeyRejected {
                    detail: format!(
                        "; MISP says \"{m}\"; a right key is refused the same way when MISP cannot write its sessions directory (app/tmp/sessions), which app/tmp/logs/error.log then shows"
                    ),
                });
            }
        }
    }
    if let (403, Some(m)) = (status, &message) {
        if m.contains("permission") {
            return Err(Error::NotPermitted {
                method: method.to_owned(),
                path: path.to_owned(),
                detail: format!(
                    ": {m} (the key's user must be a site admin, and the key not read-only)"
                ),
            });
        }
    }
    let mut detail = match (status, message) {
        (429, Some(m)) => format!(": {m} (MISP's rate limit for this key)"),
        (_, Some(m)) => format!(": {m}"),
        (_, None) if resp.body.iter().all(u8::is_ascii_whitespace) => {
            " with an empty body".to_owned()
        }
        (_, None) if looks_like_html(resp) => match html_title(&resp.body) {
            Some(title) => format!(" (an HTML error page titled \"{title}\")"),
            None => " (an HTML error page)".to_owned(),
        },
        (_, None) => String::new(),
    };
    if let Some(after) = resp.header("retry-after").map(|v| one_line(v, 40)) {
        if !after.is_empty() {
            let when = if after.bytes().all(|b| b.is_ascii_digit()) {
                format!("{after}s")
            } else {
                after
            };
            let _ = write!(detail, "; it asks to retry after {when}");
        }
    }
    Err(Error::Status {
        status,
        method: method.to_owned(),
        path: path.to_owned(),
        detail,
    })
}

/// The text of an HTML page's `<title>`, on one line, if it has a non-empty one.
fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = one_line(text.get(start..end)?, 120);
    (!title.is_empty()).then_some(title)
}

/// Parses a 2xx answer that must be JSON.
pub fn json(resp: &Response, method: &str, path: &str) -> Result<Value, Error> {
    check_status(resp, method, path)?;
    let malformed = |reason: String| Error::Malformed {
        path: format!("{}{path}", resp.prefix),
        reason,
    };
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed("empty body where JSON was expected".into()));
    }
    if looks_like_html(resp) {
        let what = if contains(&resp.body, b"UserLoginForm") {
            "MISP's login page instead of JSON (the API key or the Accept header was not honoured)"
        } else {
            "an HTML page instead of JSON"
        };
        return Err(malformed(what.into()));
    }
    serde_json::from_slice(&resp.body).map_err(|e| malformed(format!("malformed JSON ({e})")))
}

/// MISP's `{"name", "message", "url"}` error text, if the body is one.
fn error_message(resp: &Response) -> Option<String> {
    let v: Value = serde_json::from_slice(&resp.body).ok()?;
    let m = v
        .get("message")
        .or_else(|| v.get("name"))
        .and_then(Value::as_str)?;
    Some(one_line(m, 200))
}

fn looks_like_html(resp: &Response) -> bool {
    let ct = resp.header("content-type").unwrap_or("");
    let first = resp.body.iter().find(|b| !b.is_ascii_whitespace());
    ct.starts_with("text/html") || first == Some(&b'<')
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Squeezes text a server sent into one printable line of at most `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_in_both_encodings() {
        assert_eq!(number(&json!(12)), Some(12));
        assert_eq!(number(&json!("12")), Some(12));
        assert_eq!(number(&json!(" 7 ")), Some(7));
        assert_eq!(number(&json!(161.0)), Some(161));
        assert_eq!(number(&json!("161.0")), Some(161));
        assert_eq!(number(&json!(-1)), None);
        assert_eq!(number(&json!("x")), None);
        assert_eq!(number(&json!(null)), None);
        assert_eq!(number(&json!(1.5)), None);
    }

    #[test]
    fn counts_beyond_two_to_the_53_are_refused_and_named() {
        assert_eq!(number(&json!(MAX_COUNT)), Some(MAX_COUNT));
        assert_eq!(number(&json!(format!("{MAX_COUNT}"))), Some(MAX_COUNT));
        for absurd in [
            json!(u64::MAX),
            json!("18446744073709551615"),
            json!("18446744073709551616"),
            json!(MAX_COUNT + 1),
            json!("1e300"),
            json!(1e300),
        ] {
            assert_eq!(number(&absurd), None, "{absurd}");
            let e = count(&absurd, "jobCount").unwrap_err();
            assert!(
                e.starts_with("jobCount is ") && e.ends_with("beyond any real count (above 2^53)"),
                "{e}"
            );
        }
        assert_eq!(
            count(&json!("x"), "stats.user_count").unwrap_err(),
            "stats.user_count is not a count: \"x\""
        );
    }

    #[test]
    fn flags_in_both_encodings() {
        assert_eq!(flag(&json!(true)), Some(true));
        assert_eq!(flag(&json!(0)), Some(false));
        assert_eq!(flag(&json!("1")), Some(true));
        assert_eq!(flag(&json!("N/A")), None);
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str, prefix: &str) -> Response {
        let mut map = hyper::HeaderMap::new();
        for (n, v) in headers {
            map.insert(
                hyper::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                hyper::header::HeaderValue::from_str(v).unwrap(),
            );
        }
        Response {
            status,
            headers: map,
            body: body.to_owned().into(),
            timings: crate::http::Timings::default(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn status_messages_name_the_path_asked_and_what_the_page_says() {
        let html = [("content-type", "text/html; charset=UTF-8")];
        let empty = answer(500, &html, "", "/misp");
        assert_eq!(
            check_status(&empty, "GET", "/servers/getWorkers")
                .unwrap_err()
                .to_string(),
            "MISP answered 500 for GET /misp/servers/getWorkers with an empty body"
        );
        let page = "<html><head><TITLE>Down\nfor upgrade</TITLE></head></html>";
        let maintenance = answer(503, &[html[0], ("retry-after", "120")], page, "");
        assert_eq!(
            check_status(&maintenance, "GET", "/users/heartbeat")
                .unwrap_err()
                .to_string(),
            "MISP answered 503 for GET /users/heartbeat (an HTML error page titled \"Down for upgrade\"); it asks to retry after 120s"
        );
        let untitled = answer(502, &html, "<html><body>Bad gateway</body></html>", "");
        assert!(check_status(&untitled, "GET", "/x")
            .unwrap_err()
            .to_string()
            .ends_with("(an HTML error page)"));
    }

    #[test]
    fn one_line_strips_controls_and_caps() {
        assert_eq!(one_line("a\nb\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
