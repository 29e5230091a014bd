//! `/__sim/*`: the control API for scripts and the demo (no auth, never counted).

use std::time::Duration;

use crate::json::{Style, J};
use crate::server::{parse_encoding, parse_mode, Reply};
use crate::state::{State, QUEUES};
use crate::Fault;

/// Answers one control request; every answer is a small JSON object.
pub(crate) fn control(shared: &crate::state::Shared, path: &str, query: &str) -> Reply {
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect();
    let mut st = shared.lock();
    match run(
        &mut st,
        path.trim_start_matches("/__sim").trim_matches('/'),
        &params,
    ) {
        Ok(j) => Reply::json(200, &j, Style::Compact),
        Err((code, msg)) => Reply::json(code, &J::obj([("error", J::s(msg))]), Style::Compact),
    }
}

type Outcome = Result<J, (u16, String)>;

fn run(st: &mut State, cmd: &str, params: &[(String, String)]) -> Outcome {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let ok = || Ok(J::obj([("ok", J::Bool(true))]));
    let bad = |what: &str| Err((400, format!("missing or invalid parameter: {what}")));
    let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    let flag = |k: &str| match get(k) {
        Some("1" | "true" | "yes" | "on") => Some(true),
        Some("0" | "false" | "no" | "off") => Some(false),
        _ => None,
    };
    let queue = || get("queue").filter(|q| QUEUES.contains(q));
    match cmd {
        "kill" => {
            let Some(q) = queue() else {
                return bad("queue");
            };
            let n = st.kill(q, flag("all").unwrap_or(false));
            Ok(J::obj([("killed", J::n(n as u64))]))
        }
        "user" => match (queue(), get("user").filter(|u| !u.is_empty())) {
            (Some(q), Some(u)) => {
                st.set_user(q, u);
                ok()
            }
            _ => bad("queue, user"),
        },
        "backlog" => match (queue(), num("jobs")) {
            (Some(q), Some(n)) => {
                st.set_backlog(q, n);
                ok()
            }
            _ => bad("queue, jobs"),
        },
        "latency" => {
            let Some(ms) = num("ms") else {
                return bad("ms");
            };
            st.latency = Duration::from_millis(ms);
            ok()
        }
        "background_jobs" => {
            let Some(on) = flag("enabled") else {
                return bad("enabled");
            };
            st.background_jobs = on;
            ok()
        }
        "supervisord" => {
            let Some(up) = flag("up") else {
                return bad("up");
            };
            st.supervisord = up;
            ok()
        }
        "mode" => {
            let Some(m) = get("m").and_then(parse_mode) else {
                return bad("m");
            };
            st.set_mode(m);
            ok()
        }
        "encoding" => {
            let Some(e) = get("e").and_then(parse_encoding) else {
                return bad("e");
            };
            st.encoding = e;
            ok()
        }
        "events" => {
            let Some(n) = num("n").and_then(|n| u32::try_from(n).ok()) else {
                return bad("n");
            };
            st.events = n;
            ok()
        }
        "newest_event" => {
            let Some(t) = num("t") else {
                return bad("t");
            };
            st.newest_event = Some(t);
            ok()
        }
        "stats" => {
            // Validate everything first so a typo changes nothing.
            if let Some((k, _)) = params.iter().find(|(_, v)| v.parse::<u64>().is_err()) {
                return bad(k);
            }
            for (k, v) in params {
                st.set_stat(k, v.parse().unwrap_or_default());
            }
            ok()
        }
        "version" => {
            let Some(v) = get("v").filter(|v| !v.is_empty()) else {
                return bad("v");
            };
            st.version = v.to_string();
            ok()
        }
        "heartbeat" => {
            let Some(on) = flag("enabled") else {
                return bad("enabled");
            };
            st.heartbeat = on;
            ok()
        }
        // Each parameter breaks (or mends) one finding of /servers/serverSettings;
        // `reset=1` first puts everything back to healthy.
        "diagnostics" => {
            let mut d = if flag("reset") == Some(true) {
                crate::diagnostics::Diag::default()
            } else {
                st.diag.clone()
            };
            if let Some(s) = get("jobs") {
                d.jobs_status = s.to_string();
            }
            if let Some(v) = get("redis") {
                let Some(up) = flag("redis") else {
                    return bad(&format!("redis={v}"));
                };
                d.redis = up;
            }
            if get("db_version").is_some() {
                let Some(n) = num("db_version") else {
                    return bad("db_version");
                };
                d.db_version = n;
            }
            if let Some(s) = get("up_to_date") {
                d.up_to_date = s.to_string();
            }
            for (key, dirs) in [("dir", true), ("file", false)] {
                if let Some(path) = get(key) {
                    let Some(code) = num("code") else {
                        return bad("code");
                    };
                    let list = if dirs { &mut d.dirs } else { &mut d.files };
                    crate::diagnostics::Diag::set_path(list, path, code);
                }
            }
            if let Some(kind) = get("module") {
                d.set_module(kind, get("error").filter(|e| !e.is_empty()));
            }
            if get("settings_errors").is_some() {
                let Some(n) = num("settings_errors").and_then(|n| usize::try_from(n).ok()) else {
                    return bad("settings_errors");
                };
                d.settings_errors = n;
            }
            st.diag = d;
            ok()
        }
        "fault" => {
            let path = get("path").filter(|p| !p.is_empty());
            let fault = match get("kind").unwrap_or("") {
                "clear" => {
                    st.clear_faults();
                    return ok();
                }
                "hang" => Fault::Hang,
                "drip" => Fault::Drip {
                    bytes_per_sec: num("bps")
                        .map_or(10, |n| n.clamp(1, u64::from(u32::MAX)) as u32),
                },
                "reset" => Fault::ResetMidBody,
                "truncated" => Fault::TruncatedJson,
                "nonutf8" => Fault::NonUtf8,
                "huge" => Fault::HugeBody {
                    bytes: num("bytes").unwrap_or(16 << 20),
                },
                "chunked" => Fault::HugeChunked {
                    bytes: num("bytes").unwrap_or(16 << 20),
                },
                "status" => Fault::Status {
                    code: num("code")
                        .and_then(|c| u16::try_from(c).ok())
                        .unwrap_or(500),
                    content_type: get("content_type").unwrap_or("text/plain").to_string(),
                    body: get("body").unwrap_or("").to_string(),
                },
                "ratelimit" => crate::rate_limited(),
                "html500" => crate::html_500(),
                "redirect" => Fault::RedirectTo {
                    location: get("location").unwrap_or("http://127.0.0.1:9/").to_string(),
                },
                _ => return bad("kind"),
            };
            st.set_fault(path, fault);
            ok()
        }
        "reset" => {
            st.counts.clear();
            st.with_key = 0;
            ok()
        }
        "feed" => {
            let Some(name) = get("name").filter(|n| !n.is_empty()) else {
                return bad("name");
            };
            let (enabled, caching) = (
                flag("enabled").unwrap_or(true),
                flag("caching").unwrap_or(false),
            );
            let id = st.feeds.add_feed(name, enabled, caching, get("headers"));
            if let Some(t) = num("cache_timestamp") {
                st.feeds.set_cached(id, Some(t));
            }
            Ok(J::obj([("id", J::n(id))]))
        }
        "fetch" => {
            let feed = match get("feed") {
                Some("all") => None,
                Some(id) => match id.parse() {
                    Ok(id) => Some(id),
                    Err(_) => return bad("feed"),
                },
                None => return bad("feed"),
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut fetch = crate::Fetch::new(
                feed,
                num("status").unwrap_or(4),
                now.saturating_sub(num("ago").unwrap_or(0)),
            );
            if let Some(m) = get("message") {
                fetch.message = m.to_owned();
            }
            fetch.crashed = flag("crashed").unwrap_or(false);
            if let Some(t) = get("type") {
                fetch.job_type = t.to_owned();
            }
            Ok(J::obj([("id", J::n(st.feeds.add_fetch(fetch)))]))
        }
        "php_offset" => {
            let Some(secs) = get("secs").and_then(|v| v.parse::<i64>().ok()) else {
                return bad("secs");
            };
            st.feeds.php_offset = secs;
            ok()
        }
        "feeds_clear" => {
            st.feeds.clear();
            ok()
        }
        "counts" => {
            let mut items: Vec<(String, J)> = st
                .counts
                .iter()
                .map(|(k, v)| (k.clone(), J::n(*v)))
                .collect();
            items.push(("requests_with_key".to_string(), J::n(st.with_key)));
            Ok(J::Obj(items))
        }
        "state" => {
            let (alive, dead) = st.alive_dead();
            Ok(J::obj([
                ("alive", J::n(alive as u64)),
                ("dead", J::n(dead as u64)),
            ]))
        }
        _ => Err((404, format!("unknown control: {cmd}"))),
    }
}

/// Decodes `%XX` and `+` in a query component; bad escapes are kept literally.
fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
