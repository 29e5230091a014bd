//! `feeds` on a real MISP: a small MISP-format feed served from this test on loopback is
//! added through `/feeds/add` and fetched through MISP's own `/feeds/fetchFromFeed` (a
//! real job on a real worker): OK; the server stopped and the feed fetched again:
//! CRITICAL naming the feed. The feed's stored credentials never show, and background
//! jobs off is UNKNOWN. On each real MISP running (in CI: 2.5.1 and 2.4.199). Everything
//! the test adds is removed after it.

mod realmisp;
use realmisp::{changing, targets, Kind, RealMisp, Undo};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SECRET: &str = "X-Feed-Token: FeedProviderSecret0123456789";

/// A request to MISP's REST API with the admin key: status and JSON body.
fn api(m: &RealMisp, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let addr = m.http.trim_start_matches("http://");
    let body = body.to_string();
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: {}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        m.key,
        body.len()
    );
    let mut s = TcpStream::connect(addr).expect("connect to MISP");
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    s.write_all(req.as_bytes()).expect("send to MISP");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read MISP's answer");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A MISP feed (manifest, one event, hashes) served on 127.0.0.1 until stopped.
struct FeedServer {
    url: String,
    stop: Arc<AtomicBool>,
    /// Whether the manifest lists the event (else it is empty: nothing new to fetch).
    listed: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FeedServer {
    /// The event is MISP's own organisation's, so no organisation is created.
    fn start(event_uuid: &str, org: &Value) -> FeedServer {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let org = json!({"name": org["name"], "uuid": org["uuid"]});
        let event = json!({"Event": {
            "uuid": event_uuid, "info": "check_misp feed test", "date": "2026-01-01",
            "threat_level_id": "4", "analysis": "2", "published": true,
            "timestamp": now.to_string(), "publish_timestamp": now.to_string(), "Orgc": org,
            "Attribute": [{"uuid": format!("{}b1", &event_uuid[..34]), "type": "ip-dst",
                "category": "Network activity", "value": "192.0.2.77", "to_ids": true,
                "timestamp": now.to_string()}]}});
        let manifest = json!({event_uuid: {"info": "check_misp feed test",
            "date": "2026-01-01", "analysis": 2, "threat_level_id": 4, "timestamp": now,
            "Orgc": org, "Tag": []}});
        let files = [
            ("/manifest.json".to_owned(), manifest.to_string()),
            (format!("/{event_uuid}.json"), event.to_string()),
            (
                "/hashes.csv".to_owned(),
                format!("ed2b3e3b6f7e2b1a1b5f1f6d2c9a4e10,{event_uuid}\n"),
            ),
        ];
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the feed server");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let listed = Arc::new(AtomicBool::new(true));
        let list = Arc::clone(&listed);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split(' ').nth(1).unwrap_or("/").to_owned();
                let empty = (path == "/manifest.json" && !list.load(Ordering::SeqCst))
                    .then(|| ("/manifest.json".to_owned(), "{}".to_owned()));
                let reply = match empty.as_ref().or_else(|| files.iter().find(|(p, _)| *p == path)) {
                    Some((_, body)) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                };
                let _ = conn.write_all(reply.as_bytes());
            }
        });
        FeedServer {
            url,
            stop,
            listed,
            thread: Some(thread),
        }
    }

    /// Closes the port: MISP's next fetch finds nothing listening.
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The PHP MISP runs: MISP 2.4's kit brings its own PHP 7.4, 2.5 uses the system's.
fn php_path(m: &RealMisp) -> String {
    let own = m.dir.join("php74/bin");
    let path = std::env::var("PATH").unwrap_or_default();
    if own.exists() {
        format!("{}:{path}", own.display())
    } else {
        path
    }
}

/// The offset of MISP's PHP, as PHP itself tells it (`date('P')`, e.g. `+00:00`).
fn php_offset(m: &RealMisp) -> String {
    let path = format!("PATH={}", php_path(m));
    let out = m.sh("env", &[path.as_str(), "php", "-r", "echo date('P');"]);
    assert!(
        out.len() == 6 && (out.starts_with('+') || out.starts_with('-')),
        "php's offset: {out:?}"
    );
    out
}

/// The offset `minutes` west of `zone` (`+00:00` and 360 give `-06:00`).
fn west_of(zone: &str, minutes: i64) -> String {
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (h, m) = zone[1..].split_once(':').expect("±HH:MM");
    let total = sign * (h.parse::<i64>().expect("hours") * 60 + m.parse::<i64>().expect("minutes"))
        - minutes;
    let s = if total < 0 { '-' } else { '+' };
    format!("{s}{:02}:{:02}", total.abs() / 60, total.abs() % 60)
}

/// The fetch job a detail line of the check names (`..., job 12` or `..., job 12: why`).
fn job_of(line: &str) -> Option<u64> {
    let rest = line.rsplit_once(", job ")?.1;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Asks MISP to fetch the feed and waits (bounded) until the check sees a finished job
/// newer than `before`.
fn fetch(m: &RealMisp, id: &str, zone: &str, before: Option<u64>) -> realmisp::Run {
    let (status, answer) = api(m, "POST", &format!("/feeds/fetchFromFeed/{id}"), &json!({}));
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("Pull queued for background execution.")),
        "{answer}"
    );
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        let r = m.http("feeds", &["--feed", id, "--misp-timezone", zone]);
        let job = job_of(r.stdout.lines().nth(1).unwrap_or(""));
        if job.is_some() && job != before {
            return r;
        }
        assert!(Instant::now() < until, "waited 90s for the fetch: {r:#?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_feed_fetched_by_misp_is_ok_then_critical_when_its_server_is_gone() {
    let _lock = changing();
    for m in targets() {
        fetched_then_gone(m);
    }
}

fn fetched_then_gone(m: &RealMisp) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // A new event uuid each run: MISP blocklists a deleted event's uuid.
    let event_uuid = format!("5f0c7a37-6f3c-4a3b-b2b5-{:012x}", nanos % (1 << 48));
    let name = format!("check_misp test feed {}", nanos % 1_000_000);
    let (_, me) = api(m, "GET", "/users/view/me", &json!({}));
    assert!(me["Organisation"]["uuid"].is_string(), "{me}");
    let mut server = FeedServer::start(&event_uuid, &me["Organisation"]);
    let (status, added) = api(
        m,
        "POST",
        "/feeds/add",
        &json!({"Feed": {"name": name, "provider": "check_misp", "url": server.url,
            "source_format": "misp", "input_source": "network", "enabled": true,
            "distribution": "0", "headers": SECRET}}),
    );
    assert_eq!(status, 200, "{added}");
    let id = added["Feed"]["id"]
        .as_str()
        .expect("the new feed's id")
        .to_owned();
    let _undo = Undo(|| {
        api(m, "POST", &format!("/feeds/delete/{id}"), &json!({}));
        api(
            m,
            "POST",
            &format!("/events/delete/{event_uuid}"),
            &json!({}),
        );
    });
    let zone = php_offset(m);

    let mut ok = fetch(m, &id, &zone, None);
    if m.kind == Kind::V24 {
        // MISP 2.4.199 on PHP 7.4 cannot save an event from a feed (its validation calls
        // PHP 8's `str_contains`): the worker dies mid-fetch, which is CRITICAL too.
        ok.expect(
            2,
            &format!("MISP FEEDS CRITICAL - feed {name} ({id}): last fetch failed"),
        )
        .says("the job died in MISP's worker");
        // With nothing new in the manifest, its fetch completes.
        server.listed.store(false, Ordering::SeqCst);
        let died = job_of(ok.stdout.lines().nth(1).unwrap_or(""));
        ok = fetch(m, &id, &zone, died);
    }
    ok.expect(
        0,
        "MISP FEEDS OK - 1 feed judged, 0 failed, the oldest fetch or cache",
    );
    let age = ok.perf("age").expect("age perfdata");
    assert!(age < 120.0, "a fetch just now: {ok:#?}");
    let job = ok.stdout.lines().nth(1).unwrap_or("").to_owned();
    assert!(
        job.starts_with(&format!("feed {name} ({id}): fetched ")),
        "{ok:#?}"
    );
    let job_id = job_of(&job);
    // Without the zone the age is uncertain, but a fetch just now is fine in every zone.
    let unsure = m.http("feeds", &["--feed", &id]);
    unsure.expect(0, "MISP FEEDS OK");
    assert!(unsure.stdout.contains("unknown timezone"), "{unsure:#?}");
    // Told a zone six hours west of PHP's, the fetch would lie in the future: no age.
    let wrong = west_of(&zone, 6 * 60);
    m.http("feeds", &["--feed", &id, "--misp-timezone", &wrong])
        .expect(3, "MISP FEEDS UNKNOWN")
        .says("ahead of this host's clock (is --misp-timezone or a clock wrong?)");

    server.stop();
    let bad = fetch(m, &id, &zone, job_id);
    bad.expect(
        2,
        &format!("MISP FEEDS CRITICAL - feed {name} ({id}): last fetch failed"),
    )
    .says("Job failed");
    assert_eq!(bad.perf("failed"), Some(1.0));
    // Every enabled feed: this one is among them, and still named.
    let all = m.http("feeds", &["--misp-timezone", &zone]);
    all.expect(2, "MISP FEEDS CRITICAL")
        .says(&format!("feed {name} ({id})"));

    for mode in ["nagios", "json", "okko", "snmp", "prometheus", "checkmk"] {
        let r = m.https("feeds", &["-o", mode, "-v", "--feed", &id]);
        for text in [&r.stdout, &r.stderr] {
            assert!(!text.contains("FeedProviderSecret"), "{mode}: {r:#?}");
            assert!(
                !text.contains(&server.url),
                "{mode}: the feed's URL: {r:#?}"
            );
        }
    }
}

#[test]
fn background_jobs_off_is_unknown() {
    let _lock = changing();
    for m in targets() {
        jobs_off(m);
    }
}

fn jobs_off(m: &RealMisp) {
    let (status, added) = api(
        m,
        "POST",
        "/feeds/add",
        &json!({"Feed": {"name": "check_misp jobs-off feed", "provider": "check_misp",
            "url": "http://127.0.0.1:9", "source_format": "misp", "input_source": "network",
            "enabled": true, "distribution": "0"}}),
    );
    assert_eq!(status, 200, "{added}");
    let id = added["Feed"]["id"].as_str().expect("feed id").to_owned();
    let set = |on: &str| m.cake(&["Admin", "setSetting", "MISP.background_jobs", on, "--force"]);
    let _undo = Undo(|| {
        set("true");
        m.wait_for("background jobs back on", &[], |r| r.code == 0);
        api(m, "POST", &format!("/feeds/delete/{id}"), &json!({}));
    });
    assert!(set("false").contains("changed to false"));
    // PHP's opcache may serve the old config.php for a moment.
    m.wait_for("background jobs off", &[], |r| r.code == 3);
    m.http("feeds", &["--feed", &id]).expect(
        3,
        "MISP FEEDS UNKNOWN - background jobs are disabled in MISP (MISP.background_jobs is off)",
    );
}
