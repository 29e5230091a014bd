//! Talks to a running simulator over raw HTTP/1.1 on a std TcpStream.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use misp_sim::{Encoding, Fault, Sim, SimOptions, WorkerMode, DEFAULT_KEY, READONLY_KEY};
use serde_json::{json, Value};

const AUTH_FAILED: &str = r#"{"name":"Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.","message":"Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.","url":"\/servers\/getWorkers"}"#;

struct Resp {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

fn parse(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    Resp {
        status,
        head,
        body: buf[split + 4..].to_vec(),
    }
}

fn raw_request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let mut raw =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        // As the OpenNMS blog's curl does: `-d '{}'`.
        raw.push_str("Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    } else {
        raw.push_str("\r\n");
    }
    raw
}

fn request(sim: &Sim, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", sim.http_port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw_request(sim.http_port(), method, path, headers).as_bytes())
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    parse(&buf)
}

/// A REST call as check_misp makes it; the MISP user agent asks for compact JSON.
fn api(sim: &Sim, method: &str, path: &str, key: &str) -> Resp {
    let h = [
        ("Accept", "application/json"),
        ("Authorization", key),
        ("User-Agent", "MISP check"),
    ];
    request(sim, method, path, &h)
}

fn start(mode: WorkerMode, encoding: Encoding) -> Sim {
    Sim::start(SimOptions {
        mode,
        encoding,
        revive_delay: Duration::from_millis(100),
        ..SimOptions::default()
    })
    .unwrap()
}

fn workers(sim: &Sim) -> (Resp, Value) {
    let r = api(sim, "GET", "/servers/getWorkers", DEFAULT_KEY);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    (r, v)
}

fn pids(v: &Value, queue: &str) -> Vec<String> {
    v[queue]["workers"]
        .as_array()
        .map(|w| w.iter().map(|w| w["pid"].to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn non_rest_requests_go_to_the_login_page() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    // A valid key does not help without the JSON Accept header.
    let r = request(
        &sim,
        "GET",
        "/events/index/limit:1/page:1/searchminimal:1",
        &[("Authorization", DEFAULT_KEY)],
    );
    // To MISP.baseurl (by default the simulator's HTTPS URL), with no body, as MISP does.
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location").unwrap(),
        format!("{}/users/login", sim.https_url())
    );
    assert!(r.body.is_empty());
    sim.set_baseurl("https://misp.example.test/");
    let r = request(&sim, "GET", "/servers/getWorkers", &[]);
    assert_eq!(
        r.header("location").unwrap(),
        "https://misp.example.test/users/login"
    );

    let r = request(&sim, "GET", "/users/login", &[]);
    assert_eq!(r.status, 200);
    let page = r.text();
    assert!(page.contains("<title>Users - MISP</title>"));
    assert!(page.contains(r#"<body data-controller="users" data-action="login">"#));
    assert!(page.contains(r#"id="UserLoginForm""#) && page.contains("<legend>Login</legend>"));
    assert!(page.len() > 2000);
}

#[test]
fn bad_keys_get_403() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    let short = &DEFAULT_KEY[1..];
    let unknown = "A".repeat(40);
    let basic = format!("Basic {DEFAULT_KEY}");
    for key in ["", short, unknown.as_str(), basic.as_str()] {
        let r = api(&sim, "GET", "/servers/getWorkers", key);
        assert_eq!(r.status, 403, "key {key:?}");
        assert_eq!(r.text(), AUTH_FAILED);
        assert_eq!(
            r.header("content-type").unwrap(),
            "application/json; charset=UTF-8"
        );
    }
    // X-MISP-AUTH wins over Authorization.
    let h = [
        ("Accept", "application/json"),
        ("Authorization", DEFAULT_KEY),
        ("X-MISP-AUTH", unknown.as_str()),
    ];
    assert_eq!(request(&sim, "GET", "/servers/getWorkers", &h).status, 403);
    // A valid user that is not site admin.
    let r = api(&sim, "GET", "/servers/getWorkers", READONLY_KEY);
    assert_eq!(r.status, 403);
    assert!(r
        .text()
        .contains("You do not have permission to use this functionality."));
    assert_eq!(api(&sim, "GET", "/events/index", READONLY_KEY).status, 200);
}

#[test]
fn healthy_workers_in_each_mode() {
    // Supervisor, 2.5 encoding: 5/5/5/5/1 processes, ints (as 2.5.1 sends them),
    // supervisord_status, controls true (2.5's default config sets manage_workers).
    let sim = start(WorkerMode::Supervisor, Encoding::V25);
    let (r, v) = workers(&sim);
    let text = r.text();
    let order = [
        "\"cache\"",
        "\"default\"",
        "\"email\"",
        "\"prio\"",
        "\"update\"",
        "\"proc_accessible\"",
        "\"controls\"",
        "\"supervisord_status\"",
    ];
    let pos: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(v.get("scheduler").is_none());
    for (q, n) in [
        ("cache", 5),
        ("default", 5),
        ("email", 5),
        ("prio", 5),
        ("update", 1),
    ] {
        assert_eq!(v[q]["ok"], json!(true));
        assert_eq!(v[q]["jobCount"], json!(0));
        assert_eq!(pids(&v, q).len(), n);
    }
    assert_eq!(
        v["cache"]["workers"][0],
        json!({"pid": 1673201, "user": "www-data", "alive": true, "correct_user": true, "ok": true})
    );
    assert_eq!(v["controls"], json!(true));
    assert_eq!(v["supervisord_status"], json!(true));
    assert_eq!((sim.alive_workers(), sim.dead_workers()), (21, 0));

    // CakeResque (and Legacy), 2.4 encoding: one worker per queue, scheduler w/o jobCount.
    for mode in [WorkerMode::CakeResque, WorkerMode::Legacy] {
        let sim = start(mode, Encoding::V24);
        let (r, v) = workers(&sim);
        let text = r.text();
        assert!(text.find("\"update\"") < text.find("\"scheduler\""));
        assert!(text.find("\"scheduler\"") < text.find("\"proc_accessible\""));
        assert!(v.get("supervisord_status").is_none());
        for q in ["cache", "default", "email", "prio", "update", "scheduler"] {
            assert_eq!(v[q]["ok"], json!(true));
            assert_eq!(pids(&v, q).len(), 1);
            assert!(v[q]["workers"][0]["pid"].is_u64());
        }
        assert_eq!(v["update"]["jobCount"], json!(0));
        assert!(v["scheduler"].get("jobCount").is_none());
        // 2.4.199 (as the real one answers) says true; the older generation 1.
        let controls = if mode == WorkerMode::Legacy {
            json!(1)
        } else {
            json!(true)
        };
        assert_eq!(v["controls"], controls);
        assert_eq!((sim.alive_workers(), sim.dead_workers()), (6, 0));
    }
}

#[test]
fn killed_workers_show_per_mode() {
    // Supervisor: a dead process vanishes; a queue without processes has no `workers`.
    let sim = start(WorkerMode::Supervisor, Encoding::V25);
    assert!(sim.kill_worker("cache"));
    assert_eq!(sim.kill_queue("update"), 1);
    assert!(!sim.kill_worker("update"));
    sim.set_backlog("update", 7);
    let (r, v) = workers(&sim);
    assert_eq!(pids(&v, "cache").len(), 4);
    assert_eq!(v["cache"]["ok"], json!(true));
    assert!(r.text().contains(r#""update":{"ok":false,"jobCount":7}"#));
    assert_eq!((sim.alive_workers(), sim.dead_workers()), (19, 1));

    // CakeResque: the entry stays, dead; the queue is not ok.
    let sim = start(WorkerMode::CakeResque, Encoding::V25);
    assert!(sim.kill_worker("email"));
    let (_, v) = workers(&sim);
    assert_eq!(v["email"]["ok"], json!(false));
    assert_eq!(v["email"]["workers"][0]["alive"], json!(false));
    assert_eq!(v["email"]["workers"][0]["ok"], json!(false));
    assert_eq!((sim.alive_workers(), sim.dead_workers()), (5, 1));

    // Legacy (<= 2.4.132): same entry, but the queue still claims ok.
    let sim = start(WorkerMode::Legacy, Encoding::V24);
    assert!(sim.kill_worker("email"));
    let (_, v) = workers(&sim);
    assert_eq!(v["email"]["ok"], json!(true));
    assert_eq!(v["email"]["workers"][0]["ok"], json!(false));
    assert_eq!(sim.dead_workers(), 1);

    // Supervisord down and background jobs off.
    let sim = start(WorkerMode::Supervisor, Encoding::V24);
    sim.set_supervisord(false);
    let (r, v) = workers(&sim);
    assert!(r.text().contains(r#""cache":{"ok":false,"jobCount":0}"#));
    assert_eq!(v["supervisord_status"], json!(false));
    sim.set_background_jobs(false);
    assert_eq!(workers(&sim).1, json!(["Background jobs not enabled"]));
}

#[test]
fn every_answer_opens_a_session_as_misp_does() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    let uuid = api(&sim, "GET", "/servers/getVersion", DEFAULT_KEY).json()["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    for r in [
        api(&sim, "GET", "/servers/getWorkers", DEFAULT_KEY),
        api(&sim, "GET", "/servers/getWorkers", READONLY_KEY),
        request(&sim, "GET", "/users/login", &[]),
        request(&sim, "GET", "/servers/getWorkers", &[]),
    ] {
        let cookie = r.header("set-cookie").expect("Set-Cookie");
        assert!(cookie.starts_with(&format!("MISP-{uuid}=")), "{cookie}");
        assert!(
            cookie.ends_with("; path=/; HttpOnly; SameSite=Lax"),
            "{cookie}"
        );
    }
    // The heartbeat answers before MISP names its session.
    let r = request(&sim, "GET", "/users/heartbeat", &[]);
    assert!(r.header("set-cookie").unwrap().starts_with("CAKEPHP="));
    // Control answers are the simulator's own.
    assert!(request(&sim, "GET", "/__sim/counts", &[])
        .header("set-cookie")
        .is_none());
}

#[test]
fn restart_dead_workers() {
    for mode in [WorkerMode::Supervisor, WorkerMode::CakeResque] {
        let sim = start(mode, Encoding::V25);
        let r = api(&sim, "GET", "/servers/restartDeadWorkers", DEFAULT_KEY);
        assert_eq!(r.status, 405);
        assert_eq!(
            r.text(),
            r#"{"name":"Method Not Allowed","message":"Method Not Allowed","url":"\/servers\/restartDeadWorkers"}"#
        );
        let before = pids(&workers(&sim).1, "default");
        sim.kill_queue("default");
        assert!(sim.dead_workers() > 0);
        let r = api(&sim, "POST", "/servers/restartDeadWorkers", DEFAULT_KEY);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.text(),
            r#"{"saved":true,"success":true,"name":"Restarting workers.","message":"Restarting workers.","url":"/servers/restartDeadWorkers"}"#
        );
        // Not instantly: the queue is empty until the new workers register.
        assert!(workers(&sim).1["default"].get("workers").is_none());
        std::thread::sleep(Duration::from_millis(400));
        let after = pids(&workers(&sim).1, "default");
        assert_eq!(after.len(), before.len());
        assert!(after.iter().all(|p| !before.contains(p)), "fresh pids");
        assert_eq!(sim.dead_workers(), 0);
    }
    // Supervisord down: 500 HTML.
    let sim = start(WorkerMode::Supervisor, Encoding::V25);
    sim.set_supervisord(false);
    let r = api(&sim, "POST", "/servers/restartDeadWorkers", DEFAULT_KEY);
    assert_eq!(r.status, 500);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
}

#[test]
fn counts_requests() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    api(&sim, "GET", "/servers/getWorkers", DEFAULT_KEY);
    api(&sim, "GET", "/servers/getWorkers.json", DEFAULT_KEY);
    api(
        &sim,
        "GET",
        "/events/index/limit:1/page:1/searchminimal:1",
        "",
    );
    request(&sim, "GET", "/users/login", &[]);
    request(&sim, "GET", "/__sim/state", &[]);
    assert_eq!(sim.count("GET /servers/getWorkers"), 2);
    assert_eq!(sim.count("GET /events/index"), 1);
    assert_eq!(sim.count("GET /users/login"), 1);
    assert_eq!(sim.count("POST /servers/restartDeadWorkers"), 0);
    assert_eq!(
        sim.counts().values().sum::<u64>(),
        4,
        "control calls are not counted"
    );
    assert_eq!(sim.requests_with_key(), 3);
    let r = request(&sim, "GET", "/__sim/counts", &[]);
    assert_eq!(r.json()["GET /servers/getWorkers"], json!(2));
    assert_eq!(r.json()["requests_with_key"], json!(3));
    sim.reset_counts();
    assert!(sim.counts().is_empty());
    assert_eq!(sim.requests_with_key(), 0);
}

/// `sort:timestamp/direction:desc` puts the newest change first, `searchpublished:1` keeps
/// published events only (as MISP 2.5.1's index does), and the newest event's time is set
/// by the test or the control API.
#[test]
fn event_index_sorts_by_change_and_filters_published() {
    let sim = start(WorkerMode::Supervisor, Encoding::V25);
    let newest = |path: &str| {
        let r = api(&sim, "GET", path, DEFAULT_KEY);
        let v = r.json();
        (
            v[0]["id"].as_str().map(str::to_owned),
            v[0]["timestamp"].as_str().map(str::to_owned),
            r.header("x-result-count"),
        )
    };
    let sorted = "/events/index/sort:timestamp/direction:desc/limit:1/searchminimal:1";
    let (id, changed, total) = newest(sorted);
    assert_eq!((id.as_deref(), total.as_deref()), (Some("12"), Some("12")));
    // By default the newest change was ten minutes ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let age = now - changed.unwrap().parse::<u64>().unwrap();
    assert!((600..=602).contains(&age), "{age}");
    sim.set_newest_event(Some(1_800_000_000));
    assert_eq!(
        newest(&format!("{sorted}/searchpublished:1")),
        (
            Some("11".into()),
            Some("1799999400".into()),
            Some("6".into())
        )
    );
    assert_eq!(
        request(&sim, "GET", "/__sim/newest_event?t=1700000000", &[]).status,
        200
    );
    assert_eq!(newest(sorted).1, Some("1700000000".into()));
    // Without a sort, the index stays in id order.
    assert_eq!(newest("/events/index/limit:1").0, Some("1".into()));
}

#[test]
fn event_index_pages_and_controls() {
    let sim = start(WorkerMode::Supervisor, Encoding::V24);
    let r = api(
        &sim,
        "GET",
        "/events/index/page:2/limit:5/searchminimal:1",
        DEFAULT_KEY,
    );
    assert_eq!(r.header("x-result-count").as_deref(), Some("12"));
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(v[0]["id"], json!(6));
    assert!(v[0]["uuid"].is_string() && v[0]["published"].is_boolean());
    assert_eq!(request(&sim, "GET", "/__sim/events?n=0", &[]).status, 200);
    let r = api(&sim, "GET", "/events/index/limit:5", DEFAULT_KEY);
    assert_eq!(
        (r.text().as_str(), r.header("x-result-count")),
        ("[]", Some("0".into()))
    );
    request(&sim, "POST", "/__sim/kill?queue=prio&all=1", &[]);
    assert_eq!(
        request(&sim, "GET", "/__sim/state", &[]).json(),
        json!({"alive": 16, "dead": 1})
    );
    request(&sim, "GET", "/__sim/stats?user_count=9", &[]);
    let r = api(&sim, "GET", "/users/statistics/data.json", DEFAULT_KEY);
    assert_eq!(r.json()["stats"]["user_count"], json!(9));
    assert_eq!(r.json()["stats"]["attributes_per_event"], json!(161.0));
}

#[test]
fn faults() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    sim.set_fault(Some("/events"), Fault::ResetMidBody);
    let mut s = TcpStream::connect(("127.0.0.1", sim.http_port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let h = [
        ("Accept", "application/json"),
        ("Authorization", DEFAULT_KEY),
    ];
    s.write_all(raw_request(sim.http_port(), "GET", "/events/index", &h).as_bytes())
        .unwrap();
    let mut buf = Vec::new();
    let err = s.read_to_end(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    let r = parse(&buf);
    let len: usize = r.header("content-length").unwrap().parse().unwrap();
    assert!(!r.body.is_empty() && r.body.len() < len);

    sim.set_fault(None, Fault::Hang);
    let mut s = TcpStream::connect(("127.0.0.1", sim.http_port())).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    s.write_all(raw_request(sim.http_port(), "GET", "/servers/getWorkers", &h).as_bytes())
        .unwrap();
    let mut one = [0u8; 1];
    let err = s.read(&mut one).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));

    sim.clear_faults();
    sim.set_fault(Some("/servers"), misp_sim::rate_limited());
    assert_eq!(
        api(&sim, "GET", "/servers/getWorkers", DEFAULT_KEY).status,
        429
    );
    assert_eq!(api(&sim, "GET", "/events/index", DEFAULT_KEY).status, 200);
}

fn tls_get(sim: &Sim, name: &str) -> Result<Resp, String> {
    use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(sim.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server = ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), server).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", sim.https_port())).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let h = [
        ("Accept", "application/json"),
        ("Authorization", DEFAULT_KEY),
    ];
    let req = raw_request(sim.https_port(), "GET", "/servers/getVersion", &h);
    tls.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    if let Err(e) = tls.read_to_end(&mut buf) {
        if buf.is_empty() {
            return Err(e.to_string());
        }
    }
    Ok(parse(&buf))
}

#[test]
fn https_with_the_sim_ca() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    for name in ["127.0.0.1", "localhost"] {
        let r = tls_get(&sim, name).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["version"], json!("2.5.1"));
    }
    assert!(sim.https_url().starts_with("https://127.0.0.1:"));
    let expired = Sim::start(SimOptions {
        tls_expired: true,
        ..SimOptions::default()
    })
    .unwrap();
    let err = tls_get(&expired, "localhost")
        .map(|r| r.status)
        .unwrap_err();
    assert!(err.to_lowercase().contains("expired"), "{err}");
}

/// The main crate's tests may be async: starting and dropping a Sim there must work.
#[tokio::test]
async fn usable_inside_an_async_test() {
    let sim = Sim::start(SimOptions::default()).unwrap();
    let port = sim.http_port();
    let r = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(raw_request(port, "GET", "/users/heartbeat", &[]).as_bytes())
            .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        parse(&buf)
    })
    .await
    .unwrap();
    assert_eq!(
        r.json(),
        json!({"message": "You must construct additional pylons."})
    );
    drop(sim);
}
