//! The simulator against a real MISP: every request check_misp makes is sent to both, with
//! check_misp's own headers, and the answers are compared: status, content type, the
//! headers a client can act on (Set-Cookie, Location, X-Result-Count,
//! Content-Disposition) and the JSON shape (every key and value type, recursively; the
//! entries of an array, and the values of objects keyed by data such as file paths, are
//! merged into one shape, so a list of five workers compares with a list of four).
//!
//! The real MISP 2.5 is found through `REAL_MISP_URL` (default http://127.0.0.1:28080) and
//! `REAL_MISP_KEY_FILE` (default /tmp/realmisp/key, a site admin's key), as
//! `../shared/real-misp/setup.sh` builds it; MISP 2.4 (CakeResque) likewise through
//! `REAL_MISP24_URL` and `REAL_MISP24_KEY_FILE`. Without one a test says so and passes.
//!
//! The feeds index is compared as a fresh MISP lists it (its two default feeds only).
//!
//! The only change it makes to that MISP: a plain User (role 3) with a fixed email,
//! created once and reused, and an auth key for it that lives for this test only.
//! `restartDeadWorkers` is POSTed once; on a healthy MISP it starts nothing.
//! Three server entries (sync partners: the MISP itself, a closed port) live for the
//! comparison of `/servers/index` and `testConnection` only.

use misp_sim::{Encoding, Sim, SimOptions, WorkerMode, DEFAULT_KEY, READONLY_KEY};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[path = "parity/sync.rs"]
mod sync;
#[path = "parity/wire.rs"]
mod wire;

use wire::{parse, Answer};

const USER_AGENT: &str = concat!("MISP check_misp/", env!("CARGO_PKG_VERSION"));
const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml";
const PLAIN_USER: &str = "check-misp-parity-user@check-misp.test";
/// 40 alphanumerics that no MISP issues.
const BAD_KEY: &str = "NoSuchKey0000000000000000000000000000000";

/// One MISP, real or simulated, as the test talks to it.
struct Target {
    label: &'static str,
    /// `host:port` of its plain-HTTP listener.
    addr: String,
    admin_key: String,
    plain_key: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Admin,
    Plain,
    BadKey,
    Nobody,
}

/// One request exactly as check_misp sends it (`src/http.rs`: Host, User-Agent, Accept,
/// Authorization; POST bodies are `{}`), on a fresh connection.
fn send(
    t: &Target,
    method: &str,
    path: &str,
    who: Who,
    accept_json: bool,
    body: Option<&str>,
) -> std::io::Result<Answer> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nConnection: close\r\n",
        t.addr
    );
    let accept = if accept_json {
        "application/json"
    } else {
        PAGE_ACCEPT
    };
    let _ = write!(head, "Accept: {accept}\r\n");
    let key = match who {
        Who::Admin => Some(t.admin_key.as_str()),
        Who::Plain => Some(t.plain_key.as_str()),
        Who::BadKey => Some(BAD_KEY),
        Who::Nobody => None,
    };
    if let Some(key) = key {
        let _ = write!(head, "Authorization: {key}\r\n");
    }
    let body = body.unwrap_or(if method == "POST" { "{}" } else { "" });
    if method == "POST" {
        let _ = write!(
            head,
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    head.push_str("\r\n");
    head.push_str(body);
    let mut s = TcpStream::connect(&t.addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(head.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    parse(&raw).ok_or_else(|| std::io::Error::other(format!("unparsable answer from {}", t.addr)))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every `(path, type)` in `v`: array entries become `[]`, and so do the keys of the
/// objects at `maps` (whose keys are data: paths, table names), so that their values are
/// compared as one merged shape.
fn shape(v: &Value, path: &str, maps: &[&str], out: &mut BTreeSet<(String, &'static str)>) {
    out.insert((path.to_owned(), type_name(v)));
    match v {
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{path}/[]"), maps, out);
            }
        }
        Value::Object(map) => {
            let keyed_by_data = maps.contains(&path);
            for (k, item) in map {
                let sub = if keyed_by_data {
                    format!("{path}/{{}}")
                } else {
                    format!("{path}/{k}")
                };
                shape(item, &sub, maps, out);
            }
        }
        _ => {}
    }
}

/// How far the simulator must match: all of it, or (for the 200 KB diagnostics report,
/// of which it models what a monitoring check reads) the same top-level sections and
/// nothing below them that the real MISP does not send.
#[derive(Clone, Copy, PartialEq)]
enum Depth {
    Exact,
    SimSubset,
}

fn compare_shapes(real: &Value, sim: &Value, maps: &[&str], depth: Depth) -> Vec<String> {
    let (mut r, mut s) = (BTreeSet::new(), BTreeSet::new());
    shape(real, "", maps, &mut r);
    shape(sim, "", maps, &mut s);
    let mut problems = Vec::new();
    for (p, t) in s.difference(&r) {
        problems.push(format!(
            "simulator sends {p} as {t}; the real MISP does not"
        ));
    }
    for (p, t) in r.difference(&s) {
        let top_level = p.matches('/').count() <= 1;
        if depth == Depth::Exact || top_level {
            problems.push(format!(
                "real MISP sends {p} as {t}; the simulator does not"
            ));
        }
    }
    problems
}

/// Cookie names, with the MISP instance's uuid (part of the session cookie's name)
/// written as `<uuid>`.
fn cookie_names(a: &Answer, uuid: &str) -> BTreeSet<String> {
    a.all("set-cookie")
        .filter_map(|c| c.split('=').next())
        .map(|n| n.replace(uuid, "<uuid>"))
        .collect()
}

/// A request check_misp makes, and how its answer is judged.
struct Case {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    who: Who,
    accept_json: bool,
    maps: &'static [&'static str],
    depth: Depth,
}

const fn case(name: &'static str, method: &'static str, path: &'static str, who: Who) -> Case {
    Case {
        name,
        method,
        path,
        who,
        accept_json: !matches!(who, Who::Nobody),
        maps: &[],
        depth: Depth::Exact,
    }
}

const SETTINGS_MAPS: &[&str] = &[
    "/writeableDirs",
    "/writeableFiles",
    "/readableFiles",
    "/dbDiagnostics",
    "/extensions/extensions",
];

const JOBS_PAGE: &str = "/jobs/index/default/limit:100/page:1";
const JOBS_PAST: &str = "/jobs/index/default/limit:100/page:999999";

fn cases() -> Vec<Case> {
    vec![
        case("login page", "GET", "/users/login", Who::Nobody),
        case(
            "events index",
            "GET",
            "/events/index/limit:60/page:1/searchminimal:1",
            Who::Admin,
        ),
        case("getWorkers", "GET", "/servers/getWorkers", Who::Admin),
        case(
            "restartDeadWorkers",
            "POST",
            "/servers/restartDeadWorkers",
            Who::Admin,
        ),
        case("statistics", "GET", "/users/statistics.json", Who::Admin),
        Case {
            maps: SETTINGS_MAPS,
            depth: Depth::SimSubset,
            ..case(
                "serverSettings",
                "GET",
                "/servers/serverSettings",
                Who::Admin,
            )
        },
        case("getVersion", "GET", "/servers/getVersion", Who::Admin),
        case("feeds index", "GET", "/feeds/index", Who::Admin),
        case("jobs index", "GET", JOBS_PAGE, Who::Admin),
        case("jobs past the last page", "GET", JOBS_PAST, Who::Admin),
        case("heartbeat", "GET", "/users/heartbeat", Who::Nobody),
        case(
            "bad key, Accept JSON",
            "GET",
            "/servers/getWorkers",
            Who::BadKey,
        ),
        Case {
            accept_json: false,
            ..case(
                "bad key, no Accept JSON",
                "GET",
                "/servers/getWorkers",
                Who::BadKey,
            )
        },
        case(
            "plain user, getWorkers",
            "GET",
            "/servers/getWorkers",
            Who::Plain,
        ),
        case(
            "plain user, events index",
            "GET",
            "/events/index/limit:60/page:1/searchminimal:1",
            Who::Plain,
        ),
    ]
}

/// What each side says about itself: the instance uuid (in cookie names), `MISP.baseurl`
/// (where a page request without a session is sent) and the version check's result
/// (which decides whether `newest` is null).
struct Identity {
    uuid: String,
    baseurl: String,
    /// `version.upToDate` in serverSettings.
    up_to_date: Option<String>,
}

fn identity(t: &Target) -> Identity {
    let version = send(t, "GET", "/servers/getVersion", Who::Admin, true, None)
        .ok()
        .and_then(|a| a.json())
        .unwrap_or_default();
    let settings = send(t, "GET", "/servers/serverSettings", Who::Admin, true, None)
        .ok()
        .and_then(|a| a.json())
        .unwrap_or_default();
    let baseurl = settings["finalSettings"]
        .as_array()
        .and_then(|list| list.iter().find(|s| s["setting"] == "MISP.baseurl"))
        .and_then(|s| s["value"].as_str())
        .unwrap_or_default()
        .to_owned();
    Identity {
        uuid: version["uuid"].as_str().unwrap_or_default().to_owned(),
        baseurl,
        up_to_date: settings["version"]["upToDate"].as_str().map(str::to_owned),
    }
}

fn compare(c: &Case, real: &Answer, sim: &Answer, ids: [&Identity; 2]) -> Vec<String> {
    let mut problems = Vec::new();
    if real.status != sim.status {
        problems.push(format!(
            "status: real {} simulator {}",
            real.status, sim.status
        ));
    }
    for h in ["content-type", "x-result-count", "content-disposition"] {
        let (r, s) = (real.header(h), sim.header(h));
        let same = match h {
            "x-result-count" => r.is_some() == s.is_some(),
            _ => r == s,
        };
        if !same {
            problems.push(format!("{h}: real {r:?} simulator {s:?}"));
        }
    }
    let (rc, sc) = (
        cookie_names(real, &ids[0].uuid),
        cookie_names(sim, &ids[1].uuid),
    );
    if rc != sc {
        problems.push(format!("Set-Cookie names: real {rc:?} simulator {sc:?}"));
    }
    if (300..400).contains(&real.status) {
        for (label, a, id) in [("real", real, ids[0]), ("simulator", sim, ids[1])] {
            let want = format!("{}/users/login", id.baseurl);
            if a.header("location") != Some(want.as_str()) {
                problems.push(format!(
                    "{label} Location {:?}, expected MISP.baseurl + /users/login = {want}",
                    a.header("location")
                ));
            }
        }
        if real.body.is_empty() != sim.body.is_empty() {
            problems.push(format!(
                "redirect body: real {} bytes, simulator {} bytes",
                real.body.len(),
                sim.body.len()
            ));
        }
    }
    let is_json = real
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        match (real.json(), sim.json()) {
            (Some(r), Some(s)) => problems.extend(compare_shapes(&r, &s, c.maps, c.depth)),
            (r, s) => problems.push(format!(
                "JSON: real {} simulator {}",
                if r.is_some() {
                    "parses"
                } else {
                    "does not parse"
                },
                if s.is_some() {
                    "parses"
                } else {
                    "does not parse"
                }
            )),
        }
    } else if c.path == "/users/login" {
        // What the login check looks for by default.
        for (label, a) in [("real", real), ("simulator", sim)] {
            if !a.text().contains("Login") {
                problems.push(format!("{label} login page lacks \"Login\""));
            }
        }
    }
    problems
}

fn key_file_text(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let key = text.trim();
    (key.len() == 40).then(|| key.to_owned())
}

/// The plain User's id on the real MISP: found by its email, created when absent.
fn plain_user_id(real: &Target) -> Result<String, String> {
    let search = send(
        real,
        "GET",
        &format!("/admin/users/index/searchall:{PLAIN_USER}"),
        Who::Admin,
        true,
        None,
    )
    .map_err(|e| format!("user search: {e}"))?;
    let found = search.json().and_then(|v| {
        v.as_array()?
            .iter()
            .find(|u| u["User"]["email"] == PLAIN_USER)
            .and_then(|u| u["User"]["id"].as_str().map(str::to_owned))
    });
    if let Some(id) = found {
        return Ok(id);
    }
    let body = json!({"email": PLAIN_USER, "org_id": 1, "role_id": 3}).to_string();
    let made = send(
        real,
        "POST",
        "/admin/users/add",
        Who::Admin,
        true,
        Some(&body),
    )
    .map_err(|e| format!("user add: {e}"))?;
    made.json()
        .and_then(|v| v["User"]["id"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("user add answered {}: {}", made.status, made.text()))
}

/// A fresh auth key for the plain user, as (key id, key); deleted again at the end.
fn plain_key(real: &Target, user_id: &str) -> Result<(String, String), String> {
    // If the test dies before deleting it, it expires on its own.
    let tomorrow = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 86_400;
    let body =
        json!({"comment": "check_misp simulator parity test", "expiration": tomorrow}).to_string();
    let made = send(
        real,
        "POST",
        &format!("/auth_keys/add/{user_id}"),
        Who::Admin,
        true,
        Some(&body),
    )
    .map_err(|e| format!("auth key add: {e}"))?;
    let v = made.json().unwrap_or_default();
    match (
        v["AuthKey"]["id"].as_str(),
        v["AuthKey"]["authkey_raw"].as_str(),
    ) {
        (Some(id), Some(key)) => Ok((id.to_owned(), key.to_owned())),
        _ => Err(format!(
            "auth key add answered {}: {}",
            made.status,
            made.text()
        )),
    }
}

#[test]
fn simulator_answers_like_a_real_misp() {
    compare_with_real(
        "REAL_MISP",
        "http://127.0.0.1:28080",
        "/tmp/realmisp/key",
        SimOptions::default(),
    );
}

/// The same for MISP 2.4 (`../shared/real-misp-2.4/setup.sh`): the simulator in CakeResque
/// mode with 2.4's number encoding, found through `REAL_MISP24_URL` (default
/// http://127.0.0.1:38080) and `REAL_MISP24_KEY_FILE` (default /tmp/realmisp24/key).
#[test]
fn simulator_in_cakeresque_mode_answers_like_a_real_misp_24() {
    let opts = SimOptions {
        mode: WorkerMode::CakeResque,
        encoding: Encoding::V24,
        ..SimOptions::default()
    };
    compare_with_real(
        "REAL_MISP24",
        "http://127.0.0.1:38080",
        "/tmp/realmisp24/key",
        opts,
    );
}

/// Sends every case to the real MISP `{prefix}_URL` and to a simulator started with `opts`.
fn compare_with_real(prefix: &str, default_url: &str, default_key: &str, opts: SimOptions) {
    let url = std::env::var(format!("{prefix}_URL")).unwrap_or_else(|_| default_url.to_owned());
    let key_file =
        std::env::var(format!("{prefix}_KEY_FILE")).unwrap_or_else(|_| default_key.to_owned());
    let addr = url.strip_prefix("http://").map_or_else(
        || panic!("REAL_MISP_URL must be an http:// URL, not {url}"),
        |a| a.trim_end_matches('/').to_owned(),
    );
    let Some(admin_key) = key_file_text(&key_file) else {
        println!("skipped: no real MISP at {url} (no 40-character key in {key_file})");
        return;
    };
    let mut real = Target {
        label: "real",
        addr,
        admin_key,
        plain_key: String::new(),
    };
    if send(&real, "GET", "/users/login", Who::Nobody, false, None).is_err() {
        println!("skipped: no real MISP at {url}");
        return;
    }

    let user = plain_user_id(&real).unwrap_or_else(|e| panic!("plain user: {e}"));
    let (key_id, key) = plain_key(&real, &user).unwrap_or_else(|e| panic!("plain user: {e}"));
    real.plain_key = key;

    let sim = Sim::start(opts).expect("start the simulator");
    let simulated = Target {
        label: "simulator",
        addr: format!("127.0.0.1:{}", sim.http_port()),
        admin_key: DEFAULT_KEY.to_owned(),
        plain_key: READONLY_KEY.to_owned(),
    };
    // The same situation on both sides, so that values which depend on it (an empty
    // events list, `newest: null` when MISP cannot reach GitHub) compare.
    let index = send(
        &real,
        "GET",
        "/events/index/limit:60/page:1/searchminimal:1",
        Who::Admin,
        true,
        None,
    )
    .expect("events index");
    let events = index
        .header("x-result-count")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    sim.set_events(events);
    if events == 0 {
        println!(
            "note: the real MISP has no events, so the shape of an index entry is not compared"
        );
    }
    // Jobs on the simulator like the real MISP's rows (run by a worker, or by cron through
    // `cake`: no process id; made by a user, or by MISP's SYSTEM user: no organisation),
    // so that the shape of a job row is compared.
    let rows = send(&real, "GET", JOBS_PAGE, Who::Admin, true, None).map(|a| a.json());
    let rows = rows.ok().flatten().and_then(|v| v.as_array().cloned());
    for (from_shell, by_system) in [(false, false), (true, false), (false, true), (true, true)] {
        let like = |r: &Value| {
            r["Job"]["process_id"].is_null() == from_shell && r["Org"]["id"].is_null() == by_system
        };
        if rows.as_ref().is_some_and(|rows| rows.iter().any(like)) {
            let fetch = misp_sim::Fetch::new(Some(1), 4, 1_796_519_562);
            sim.add_fetch(misp_sim::Fetch {
                from_shell,
                by_system,
                ..fetch
            });
        }
    }
    let real_id = identity(&real);
    assert!(
        !real_id.uuid.is_empty() && !real_id.baseurl.is_empty(),
        "real MISP: no uuid in getVersion or no MISP.baseurl in serverSettings"
    );
    // 2.4 counts contributing organisations with a GROUP BY: false, not 0, when there is none.
    let stats = send(
        &real,
        "GET",
        "/users/statistics.json",
        Who::Admin,
        true,
        None,
    )
    .ok()
    .and_then(|a| a.json())
    .unwrap_or_default();
    if stats["stats"]["contributing_org_count"] == Value::Bool(false) {
        sim.set_stats("contributing_org_count", 0);
    }
    if let Some(status) = &real_id.up_to_date {
        sim.set_up_to_date(status);
    }
    let ids = [real_id, identity(&simulated)];
    let mut report: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in cases() {
        let answers: Vec<Answer> = [&real, &simulated]
            .iter()
            .map(|t| {
                send(t, c.method, c.path, c.who, c.accept_json, None)
                    .unwrap_or_else(|e| panic!("{}: {} {}: {e}", t.label, c.method, c.path))
            })
            .collect();
        let problems = compare(&c, &answers[0], &answers[1], [&ids[0], &ids[1]]);
        println!(
            "{:<26} real {} simulator {}: {}",
            c.name,
            answers[0].status,
            answers[1].status,
            if problems.is_empty() {
                "same"
            } else {
                "DIFFERENT"
            }
        );
        if !problems.is_empty() {
            report.insert(c.name, problems);
        }
    }
    report.extend(sync::sync_servers(
        &real,
        &simulated,
        &sim,
        [&ids[0], &ids[1]],
    ));

    let deleted = send(
        &real,
        "POST",
        &format!("/auth_keys/delete/{key_id}"),
        Who::Admin,
        true,
        None,
    );
    assert!(
        deleted.as_ref().is_ok_and(|a| a.status == 200),
        "could not delete the plain user's test key {key_id}"
    );
    assert!(
        report.is_empty(),
        "the simulator differs from the real MISP at {url}:\n{}",
        report
            .iter()
            .map(|(name, p)| format!("{name}:\n  {}", p.join("\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn shapes_merge_entries_and_data_keys() {
    let real = json!({"q": {"workers": [{"pid": 1}, {"pid": 2, "user": "a"}]}, "dirs": {"/a": 0}});
    let sim = json!({"q": {"workers": [{"pid": 3, "user": "b"}]}, "dirs": {"/b": 1, "/c": 0}});
    assert!(compare_shapes(&real, &sim, &["/dirs"], Depth::Exact).is_empty());
    let sim = json!({"q": {"workers": [{"pid": "3"}]}, "dirs": {"/b": 1}});
    let problems = compare_shapes(&real, &sim, &["/dirs"], Depth::Exact);
    assert!(
        problems.contains(
            &"simulator sends /q/workers/[]/pid as string; the real MISP does not".to_owned()
        ),
        "{problems:?}"
    );
    assert!(
        problems.contains(
            &"real MISP sends /q/workers/[]/user as string; the simulator does not".to_owned()
        ),
        "{problems:?}"
    );
    // Below the top level, what only the real MISP sends is allowed when asked for.
    let problems = compare_shapes(
        &real,
        &json!({"q": {}, "dirs": {}}),
        &["/dirs"],
        Depth::SimSubset,
    );
    assert!(problems.is_empty(), "{problems:?}");
}
