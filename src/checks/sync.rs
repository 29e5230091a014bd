//! `sync`: can MISP still talk to each sync partner?
//!
//! `GET /servers/index` lists the servers (site admin); each with pull or push enabled is
//! tested with `POST /servers/testConnection/{id}`, for which MISP itself connects to the
//! partner (`getVersion`, then a test POST). The tests run concurrently, each bounded by
//! the check's deadline: MISP waits up to `MISP.curl_request_timeout` (300 s by default)
//! for a partner that does not answer, far longer than any poller does.
//!
//! The server entries carry the key MISP uses at the partner; only the fields judged here
//! are ever read from them, so no output can show it.

use crate::words::{plural, secs};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Client, Kind};
use crate::misp::{self, flag, number};
use crate::outcome::{as_value, Metric, Outcome, State};
use clap::Args;
use hyper::Method;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

const INDEX: &str = "/servers/index";

/// Sync partners: MISP tests its connection to each server with pull or push enabled (default -t 15s)
#[derive(Debug, Args)]
pub struct Settings {
    /// Test only this server, by name or id (repeatable); one with pull and push off is reported
    #[arg(long, value_name = "NAME|ID")]
    pub server: Vec<String>,
    /// Leave this server out, by name or id (repeatable)
    #[arg(long, value_name = "NAME|ID")]
    pub ignore_server: Vec<String>,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["servers", "connected", "failing"];
    /// Every test makes MISP send two requests to a partner: opt-in, never a side effect
    /// of `all`.
    const IN_ALL: bool = false;

    /// No number to judge; 15 seconds, since each test is two requests MISP makes to a
    /// partner that may be far away, after the index.
    fn defaults(&self) -> Defaults {
        Defaults::without_thresholds().timeout(Duration::from_secs(15))
    }

    fn validate(&self) -> Result<(), Error> {
        let options = [
            ("--server", &self.server),
            ("--ignore-server", &self.ignore_server),
        ];
        for (option, values) in options {
            if values.iter().any(|v| v.trim().is_empty()) {
                return Err(Error::Usage(format!(
                    "{option} needs a server's name or id, not an empty value"
                )));
            }
        }
        Ok(())
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let client = cx.client()?;
        let servers = fetch(client).await?;
        let chosen = select(&servers, &self.server, &self.ignore_server);
        let tests = chosen.tested.iter().map(|s| test(client, s));
        let results = futures_util::future::join_all(tests).await;
        Ok(judge(&chosen, &results, cx.timeout()))
    }
}

/// A server entry as far as this check reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub id: String,
    pub name: String,
    /// The partner's URL as shown, credentials in it (`user:pass@`) left out.
    pub url: String,
    pub pull: bool,
    pub push: bool,
}

impl Server {
    fn enabled(&self) -> bool {
        self.pull || self.push
    }

    fn who(&self) -> String {
        format!("server \"{}\" ({})", self.name, self.url)
    }

    fn matches(&self, wanted: &str) -> bool {
        self.id == wanted.trim() || self.name.eq_ignore_ascii_case(wanted.trim())
    }
}

/// `GET /servers/index`, reduced to the servers' ids, names, URLs and directions.
pub async fn fetch(client: &Client) -> Result<Vec<Server>, Error> {
    let resp = client.send(Method::GET, INDEX, Kind::Rest).await?;
    parse_index(&misp::json(&resp, "GET", INDEX)?)
}

/// The servers of an index answer. Only `id`, `name`, `url`, `pull` and `push` are read:
/// `authkey` (which older MISPs list) is never touched, so no message can quote it.
pub fn parse_index(json: &Value) -> Result<Vec<Server>, Error> {
    let malformed = |reason: String| Error::Malformed {
        path: INDEX.into(),
        reason,
    };
    let list = json
        .as_array()
        .ok_or_else(|| malformed("not a list of servers".into()))?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let s = entry
                .get("Server")
                .ok_or_else(|| malformed(format!("entry {i} has no Server")))?;
            // The id goes into the test's path: digits only, as MISP's ids are.
            let id = s
                .get("id")
                .and_then(number)
                .ok_or_else(|| malformed(format!("entry {i} has no numeric server id")))?;
            let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            let on = |k: &str| s.get(k).and_then(flag).unwrap_or(false);
            Ok(Server {
                name: misp::one_line(text("name"), 100),
                url: without_credentials(&misp::one_line(text("url"), 200)),
                pull: on("pull"),
                push: on("push"),
                id: id.to_string(),
            })
        })
        .collect()
}

/// `https://user:pass@host/` as `https://host/`.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Which servers are tested, and what the selection itself found.
#[derive(Debug, Default)]
pub struct Selection {
    pub tested: Vec<Server>,
    /// Servers with neither pull nor push, named by `--server`.
    pub disabled: Vec<Server>,
    /// `--server` values that name no server.
    pub unknown: Vec<String>,
    pub ignored: usize,
    /// Servers MISP has in all.
    pub total: usize,
}

/// Without `--server`, every server with pull or push enabled; with it, the servers it
/// names. `--ignore-server` then leaves servers out.
pub fn select(servers: &[Server], wanted: &[String], ignore: &[String]) -> Selection {
    let mut sel = Selection {
        total: servers.len(),
        ..Selection::default()
    };
    let named: Vec<&Server> = if wanted.is_empty() {
        servers.iter().filter(|s| s.enabled()).collect()
    } else {
        for w in wanted {
            if !servers.iter().any(|s| s.matches(w)) {
                sel.unknown.push(misp::one_line(w, 100));
            }
        }
        servers
            .iter()
            .filter(|s| wanted.iter().any(|w| s.matches(w)))
            .collect()
    };
    for s in named {
        if ignore.iter().any(|i| s.matches(i)) {
            sel.ignored += 1;
        } else if s.enabled() {
            sel.tested.push(s.clone());
        } else {
            sel.disabled.push(s.clone());
        }
    }
    sel
}

/// What one connection test came to.
#[derive(Debug)]
pub struct Tested {
    pub answer: Result<Value, Error>,
    pub took: Duration,
}

async fn test(client: &Client, server: &Server) -> Tested {
    let start = Instant::now();
    let path = format!("/servers/testConnection/{}", server.id);
    let answer = match client.send(Method::POST, &path, Kind::Rest).await {
        Ok(resp) => misp::json(&resp, "POST", &path),
        Err(e) => Err(e),
    };
    Tested {
        answer,
        took: start.elapsed(),
    }
}

/// One server's verdict.
struct Verdict {
    state: State,
    connected: bool,
    /// What is wrong, short, for the summary; empty when all is well.
    problem: String,
    /// What to do about it; empty when all is well.
    advice: String,
    /// How it went, for the long output.
    notes: Vec<String>,
}

impl Verdict {
    fn bad(state: State, problem: impl Into<String>, advice: impl Into<String>) -> Verdict {
        Verdict {
            state,
            connected: false,
            problem: problem.into(),
            advice: advice.into(),
            notes: Vec::new(),
        }
    }
}

const SYNC_ROLE: &str = "give that user a sync role on the partner";

/// Judges MISP's answer to one connection test (`ServersController::testConnection`,
/// statuses as `Server::runConnectionTest` sets them and `misp.js` shows them).
fn verdict(server: &Server, tested: &Tested, timeout: Duration) -> Verdict {
    let answer = match &tested.answer {
        Ok(a) => a,
        Err(Error::Timeout { .. }) => {
            return Verdict::bad(
                State::Critical,
                format!("did not answer within {}", humantime::format_duration(timeout)),
                "MISP is still waiting for the partner (up to MISP.curl_request_timeout, 300s by default): check that the partner is up and reachable from MISP",
            );
        }
        Err(e) => {
            return Verdict::bad(
                e.state(State::Critical),
                format!("the connection test failed: {e}"),
                "",
            )
        }
    };
    let status = answer.get("status").and_then(number);
    // A user without sync rights can still pull what it may see, but nothing it pushes
    // arrives as sync data.
    let not_sync = |what: &str| {
        let state = if server.push {
            State::Critical
        } else {
            State::Warning
        };
        let push = if server.push {
            "pushing fails"
        } else {
            "pull only"
        };
        Verdict::bad(state, format!("{what} ({push})"), SYNC_ROLE)
    };
    match status {
        Some(1) => connected(server, answer),
        Some(2) => Verdict::bad(
            State::Critical,
            "unreachable",
            "check that the partner is up, the URL, DNS, firewall and proxy, and for https its certificate (MISP's log has the reason)",
        ),
        Some(3) => Verdict::bad(
            State::Critical,
            "unexpected answer, not a MISP's",
            "check that the URL is the partner's MISP base URL and that nothing (a proxy, a login page) stands in between (MISP's log has the answer)",
        ),
        Some(4) => Verdict::bad(
            State::Critical,
            "the partner refused the key",
            "the key was changed or expired, or its user disabled, on the partner: get a new key from the partner's sync user and update this server in MISP",
        ),
        Some(5) => Verdict::bad(
            State::Critical,
            "the partner's user must change its password",
            "log in to the partner as that user and change it",
        ),
        Some(6) => Verdict::bad(
            State::Critical,
            "the partner's user has not accepted the terms of use",
            "log in to the partner as that user and accept them",
        ),
        Some(7) => not_sync("the partner's user is not a sync user"),
        Some(8) => not_sync("the partner's user may only push sightings, it is not a sync user"),
        Some(n) => Verdict::bad(
            State::Unknown,
            format!("MISP answered connection status {n}, unknown to this check"),
            "",
        ),
        None => Verdict::bad(State::Unknown, "MISP's answer to the connection test has no status", ""),
    }
}

/// Status 1: MISP reached the partner with its key. The test POST and the versions can
/// still say that sync will not work.
fn connected(server: &Server, answer: &Value) -> Verdict {
    let text = |k: &str| {
        answer
            .get(k)
            .and_then(Value::as_str)
            .map(|v| misp::one_line(v, 40))
    };
    let remote = text("version").unwrap_or_else(|| "?".into());
    let local = text("local_version").unwrap_or_else(|| "?".into());
    let mut v = Verdict {
        state: State::Ok,
        connected: true,
        problem: String::new(),
        advice: String::new(),
        notes: vec![format!("connected, partner MISP {remote}")],
    };
    let post = answer.get("post").and_then(number);
    let post_failure = match post {
        Some(8) => Some("MISP could not POST to it"),
        Some(9) => Some("the body of MISP's test POST came back altered"),
        Some(10) => Some("the headers of MISP's test POST arrived altered"),
        _ => None,
    };
    match (post_failure, server.push) {
        (Some(why), true) => {
            v.state = State::Critical;
            v.problem = format!("connected, but pushing will fail: {why}");
            v.advice = "check the proxy or web server limits between MISP and the partner (MISP's log has the answer)".into();
        }
        (Some(why), false) => v.notes.push(format!("test POST failed ({why}); push is off")),
        (None, _) if post.is_none() => v.notes.push("the partner is too old for the POST test".into()),
        (None, _) => {}
    }
    let mismatch = text("mismatch");
    if let Some(part @ ("major" | "minor")) = mismatch.as_deref() {
        let local_newer = text("newer").as_deref() == Some("local");
        let compat = if part == "minor" && local_newer {
            "only pulling works"
        } else {
            "sync is incompatible"
        };
        let update = if local_newer { "the partner" } else { "this MISP" };
        v.state = v.state.worst(State::Warning);
        let what = format!("{part} version mismatch: the partner runs {remote}, this MISP {local} ({compat})");
        let advice = format!("update {update}");
        if v.problem.is_empty() {
            v.problem = what;
            v.advice = advice;
        } else {
            v.problem = format!("{}; {what}", v.problem);
            v.advice = format!("{}; {advice}", v.advice);
        }
    } else if mismatch.as_deref() == Some("hotfix") {
        v.notes.push(format!("hotfix differs from this MISP's {local}"));
    }
    v
}

/// The worst server decides. The summary names every server that is not OK (name and
/// URL) with what is wrong, and what to do when only one is; the long output has one line
/// per server with the advice; each test's time goes to the perfdata.
pub fn judge(sel: &Selection, results: &[Tested], timeout: Duration) -> Outcome {
    let mut state = State::Ok;
    // (short, with advice)
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut details = Vec::new();
    let mut metrics = Vec::new();
    let (mut connected, mut failing) = (0u64, 0u64);
    let with = |short: &str, advice: &str| {
        if advice.is_empty() {
            short.to_owned()
        } else {
            format!("{short}: {advice}")
        }
    };
    for w in &sel.unknown {
        state = state.worst(State::Unknown);
        let short = format!("--server {w}: MISP has no such server");
        let long = with(&short, "check the name or id in MISP's server list");
        details.push(format!("[UNKNOWN] {long}"));
        problems.push((short, long));
    }
    for s in &sel.disabled {
        state = state.worst(State::Warning);
        let short = format!("{}: pull and push are both off", s.who());
        let long = with(
            &short,
            "nothing is exchanged with it; enable one in MISP, or stop selecting it",
        );
        details.push(format!("[WARNING] {long} (id {})", s.id));
        problems.push((short, long));
    }
    let mut labels: Vec<String> = Vec::new();
    for (server, tested) in sel.tested.iter().zip(results) {
        let v = verdict(server, tested, timeout);
        state = state.worst(v.state);
        connected += u64::from(v.connected);
        let mut line = format!("[{}] {} (id {}): ", v.state.label(), server.who(), server.id);
        if v.state != State::Ok {
            failing += 1;
            let short = format!("{}: {}", server.who(), v.problem);
            problems.push((short.clone(), with(&short, &v.advice)));
            line.push_str(&with(&v.problem, &v.advice));
            if !v.notes.is_empty() {
                line.push_str("; ");
            }
        }
        line.push_str(&v.notes.join("; "));
        details.push(format!("{line} ({})", secs(tested.took)));
        let mut label = format!("time_{}", label_part(&server.name));
        if labels.contains(&label) {
            label = format!("{label}_{}", server.id);
        }
        labels.push(label.clone());
        metrics.push(
            Metric::seconds(label, tested.took.as_secs_f64()).with_max(timeout.as_secs_f64()),
        );
    }
    let tested = sel.tested.len() as u64;
    let summary = match problems.as_slice() {
        [] if tested > 0 => format!("{} connected", plural(tested, "sync server")),
        [] if sel.ignored > 0 => format!(
            "no sync server left to test: {} ignored",
            plural(sel.ignored as u64, "server")
        ),
        [] if sel.total > 0 => format!(
            "no sync server to test: none of MISP's {} has pull or push enabled",
            plural(sel.total as u64, "server")
        ),
        [] => "no sync server to test: MISP has no servers configured".to_owned(),
        [(_, one)] if tested == 0 || tested == failing => one.clone(),
        [(_, one)] => format!("{one}; {} of {tested} fine", tested - failing),
        many => {
            let shorts: Vec<&str> = many.iter().map(|(s, _)| s.as_str()).collect();
            let fine = if tested > 0 {
                format!("; {} of {tested} fine", tested - failing)
            } else {
                String::new()
            };
            format!("{}{fine}", shorts.join("; "))
        }
    };
    let mut out = Outcome::new(CheckName::Sync, state, summary);
    out.details = details;
    out.metrics = vec![
        Metric::count("servers", as_value(tested)),
        Metric::count("connected", as_value(connected)).with_max(as_value(tested)),
        Metric::count("failing", as_value(failing)).with_max(as_value(tested)),
    ];
    out.metrics.extend(metrics);
    out
}

/// A server name as a perfdata label part: `[a-z0-9_]`, anything else `_`.
fn label_part(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "unnamed".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
