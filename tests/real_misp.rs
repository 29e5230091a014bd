//! Against the real MISPs `.ci/run` starts (2.5.1 with supervisord, 2.4.199 with CakeResque):
//! every check in every output mode over HTTP and HTTPS, then each failure a MISP admin
//! meets, caused for real (a killed worker, workers of the wrong user, supervisord or Redis
//! stopped, background jobs off, a plain user's key) and undone afterwards. A case that
//! holds for both versions runs one body over `targets()`; what only 2.4 does is in
//! `real_misp_24.rs`.
//!
//! Tests that change the MISP take the write lock; those that only read take the read lock,
//! so nothing reads a MISP another test is breaking. Outside CI, without a real MISP, every
//! test says it was skipped; in CI (`CI` set) a missing MISP fails.

mod realmisp;

use realmisp::{changing, misp, reading, targets, Kind, RealMisp, Undo};

/// Every check `all` runs by default, and `all` itself: the registry's list.
fn checks() -> Vec<&'static str> {
    let mut names: Vec<&str> = check_misp::checks::in_all_by_default()
        .iter()
        .map(|c| c.as_str())
        .collect();
    names.push("all");
    names
}

/// What a healthy, freshly installed MISP gets: its own diagnostics flag the settings the
/// install guide leaves unset, and `cert` has nothing to inspect over plain HTTP.
/// 2.5 runs 21 workers in 5 queues under supervisord, 2.4 one per queue plus CakeResque's
/// scheduler.
fn expected(kind: Kind, check: &str, https: bool) -> (&'static str, &'static str) {
    match (check, https, kind) {
        ("diagnostics", _, _) => ("WARNING", "critical settings errors"),
        ("all", _, _) => ("WARNING", "diagnostics WARNING"),
        ("cert", false, _) => ("UNKNOWN", "needs an https:// URL"),
        ("cert", true, _) => ("OK", "expires in"),
        ("workers", _, Kind::V25) => ("OK", "21 workers alive, 0 dead in 5 queues"),
        ("workers", _, Kind::V24) => ("OK", "6 workers alive, 0 dead in 6 queues"),
        ("version", _, Kind::V25) => ("OK", "MISP 2.5.1"),
        ("version", _, Kind::V24) => ("OK", "MISP 2.4.199"),
        ("key", _, _) => ("OK", "API key has no expiry"),
        _ => ("OK", ""),
    }
}

fn judge_modes(m: &RealMisp, check: &str, https: bool) {
    let run = |mode: &str| {
        if https {
            m.https(check, &["-o", mode])
        } else {
            m.http(check, &["-o", mode])
        }
    };
    let (state, cause) = expected(m.kind, check, https);
    let code = match state {
        "OK" => 0,
        "WARNING" => 1,
        "CRITICAL" => 2,
        _ => 3,
    };
    let name = check.to_uppercase();
    run("nagios")
        .expect(code, &format!("MISP {name} {state} - "))
        .says(cause);
    let okko = run("okko");
    let want = if code == 0 { ("OK\n", 0) } else { ("KO\n", 1) };
    assert_eq!(
        (okko.stdout.as_str(), okko.code),
        want,
        "{check}: {okko:#?}"
    );
    if code != 0 {
        assert!(okko.stderr.contains(cause), "{check}: {okko:#?}");
    }
    let json = run("json");
    let v: serde_json::Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{check} json: {e}: {json:#?}"));
    assert_eq!(v["state"], state, "{check}: {json:#?}");
    assert_eq!(v["exit_code"], code, "{check}: {json:#?}");
    assert_eq!(json.code, code, "{check}: {json:#?}");
    let snmp = run("snmp");
    assert_eq!(snmp.code, code, "{check}: {snmp:#?}");
    for line in snmp.stdout.lines() {
        assert!(
            line.parse::<f64>().is_ok(),
            "{check} snmp line {line:?}: {snmp:#?}"
        );
    }
    let cacti = run("cacti");
    assert_eq!(cacti.code, code, "{check}: {cacti:#?}");
    for pair in cacti.stdout.split_whitespace() {
        let value = pair.split_once(':').map(|(_, v)| v);
        assert!(
            value.is_some_and(|v| v == "U" || v.parse::<f64>().is_ok()),
            "{check} cacti pair {pair:?}: {cacti:#?}"
        );
    }
    // One state line per check it ran (all: each of its checks), in both exposition modes.
    let prometheus = run("prometheus");
    assert_eq!(prometheus.code, code, "{check}: {prometheus:#?}");
    let states: Vec<&str> = prometheus
        .stdout
        .lines()
        .filter(|l| l.starts_with("misp_check_state{"))
        .collect();
    let checkmk = run("checkmk");
    assert_eq!(checkmk.code, code, "{check}: {checkmk:#?}");
    assert_eq!(
        states.len(),
        checkmk.stdout.lines().count(),
        "{prometheus:#?} {checkmk:#?}"
    );
    if check != "all" {
        let want = format!("misp_check_state{{check=\"{check}\"}} {code}");
        assert_eq!(states, [want.as_str()], "{prometheus:#?}");
        let line = format!("{code} \"MISP {check}\" ");
        assert!(checkmk.stdout.starts_with(&line), "{checkmk:#?}");
    }
    if check == "workers" {
        let (email, all) = match m.kind {
            Kind::V25 => (5, 21),
            Kind::V24 => (1, 6),
        };
        assert!(
            prometheus.stdout.contains(&format!(
                "\nmisp_workers_alive{{queue=\"email\"}} {email}\n"
            )),
            "{prometheus:#?}"
        );
        assert_eq!(snmp.stdout, format!("{all}\n0\n"), "{snmp:#?}");
        assert!(
            cacti
                .stdout
                .starts_with(&format!("alive:{all} dead:0 wrong_user:0 ")),
            "{cacti:#?}"
        );
    }
}

#[test]
fn every_check_in_every_mode_over_http_and_https() {
    let _read = reading();
    let names = checks();
    let jobs: Vec<(&RealMisp, &str, bool)> = targets()
        .into_iter()
        .flat_map(|m| {
            names
                .iter()
                .flat_map(move |c| [(m, *c, false), (m, *c, true)])
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((m, check, https)) = jobs.get(i) else {
                    break;
                };
                judge_modes(m, check, *https);
            });
        }
    });
}

#[test]
fn a_killed_queue_is_critical_and_one_post_heals_it() {
    let _change = changing();
    for m in targets() {
        let _undo = Undo(|| m.restore_workers());
        let dir = tempfile::tempdir().expect("temp dir");
        let all = match m.kind {
            Kind::V25 => 21,
            Kind::V24 => 6,
        };
        m.kill_queue_worker("update");
        m.wait_for("update to die", &[], |r| r.code == 2)
            .expect(2, "MISP WORKERS CRITICAL - no live worker in update; ");
        let posts = m.restart_posts();
        let r = m.heal(&dir.path().join("heal.json"), &[]);
        r.expect(1, &format!("MISP HEAL WARNING - healed: restarted dead workers (1 dead, no live worker in update); now {all} workers alive"));
        assert_eq!(r.perf("restarted"), Some(1.0));
        assert_eq!(
            m.restart_posts(),
            posts + 1,
            "{}: exactly one POST",
            m.version()
        );
        m.http("workers", &[])
            .expect(0, &format!("MISP WORKERS OK - {all} workers alive"));
    }
}

#[test]
fn one_lost_worker_of_five_shows_against_the_usual_count_or_min_workers() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| m.restore_workers());
    let dir = tempfile::tempdir().expect("temp dir");
    let mins = ["--min-workers", "5,update=1"];
    m.http("workers", &[])
        .expect(0, "MISP WORKERS OK - 21 workers alive");
    m.kill_worker("default_02");
    // MISP drops the dead process from its list: only the count remembered from the poll
    // before, or a minimum, shows the loss.
    m.wait_for("default_02 to vanish", &[], |r| {
        r.perf("alive") == Some(20.0)
    })
    .expect(1, "MISP WORKERS WARNING - default: 4 of usually 5 workers");
    m.http("workers", &["--remember-workers", "0"])
        .expect(0, "MISP WORKERS OK - 20 workers alive");
    m.http("workers", &mins).expect(
        1,
        "MISP WORKERS WARNING - default: 4 of 5 workers; 20 workers alive, 1 dead",
    );
    m.http("all", &["--only", "workers", "--min-workers", "5,update=1"])
        .expect(1, "MISP ALL WARNING")
        .says("default: 4 of 5 workers");
    let posts = m.restart_posts();
    m.heal(&dir.path().join("heal.json"), &mins).expect(
        1,
        "MISP HEAL WARNING - healed: restarted dead workers (1 dead)",
    );
    assert_eq!(m.restart_posts(), posts + 1);
    m.http("workers", &mins)
        .expect(0, "MISP WORKERS OK - 21 workers alive");
}

#[test]
fn workers_running_as_root_are_named_and_not_restarted() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let conf = m.dir.join("etc/supervisord.conf");
    let original = std::fs::read_to_string(&conf).expect("supervisord.conf");
    let start = original.find("[program:email]").expect("email program");
    let end = original[start..].find("user=www-data").expect("its user") + start;
    let as_root = format!("{}user=root{}", &original[..end], &original[end + 13..]);
    let _undo = Undo(|| {
        let _ = std::fs::write(&conf, &original);
        m.supervisorctl(&["update"]);
        m.restore_workers();
    });
    std::fs::write(&conf, as_root).expect("write supervisord.conf");
    m.supervisorctl(&["update"]);
    let r = m.wait_for("email workers as root", &[], |r| {
        r.perf("wrong_user") == Some(5.0) && r.perf("alive") == Some(16.0)
    });
    r.expect(2, "MISP WORKERS CRITICAL - email: 5 workers run as root, not as MISP's own user (MISP cannot see if they are alive; start them as the web server user)");
    assert_eq!(r.perf("dead"), Some(0.0));
    let dir = tempfile::tempdir().expect("temp dir");
    let posts = m.restart_posts();
    m.heal(&dir.path().join("heal.json"), &[])
        .expect(2, "MISP HEAL CRITICAL - email: 5 workers run as root")
        .says("restart not attempted");
    assert_eq!(m.restart_posts(), posts, "no POST for a wrong user");
}

#[test]
fn supervisord_stopped_is_named_and_not_restarted() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| {
        m.setup();
        m.restore_workers();
    });
    let pid = std::fs::read_to_string(m.dir.join("run/supervisord.pid")).expect("supervisord pid");
    m.sh("kill", &[pid.trim()]);
    m.wait_for("supervisord to stop", &[], |r| {
        r.stdout.contains("supervisord")
    })
    .expect(
        2,
        "MISP WORKERS CRITICAL - supervisord is down or MISP cannot reach it",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let posts = m.restart_posts();
    m.heal(&dir.path().join("heal.json"), &[])
        .expect(2, "MISP HEAL CRITICAL - supervisord is down")
        .says("restart not attempted: MISP restarts workers through supervisord, which is down");
    assert_eq!(m.restart_posts(), posts);
}

#[test]
fn a_plain_users_key_and_a_wrong_key_are_named() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let email = "monitoring-plain@check-misp.test";
    let plain = "PlainUserKeyForCheckMisp0000000000000001";
    if !m.cake(&["user", "list"]).contains(email) {
        m.cake(&["user", "create", email, "3", "1", "Plain-User-Pass-1234!"]);
    }
    m.cake(&["user", "change_authkey", email, plain]);
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("plain.key");
    std::fs::write(&key, format!("{plain}\n")).expect("key file");
    let key = key.display().to_string();
    // The key works but may not do this: the monitoring's own set-up is wrong (UNKNOWN).
    for (check, path) in [
        ("workers", "/servers/getWorkers"),
        ("heal", "/servers/getWorkers"),
        ("jobs", "/servers/getWorkers"),
        ("diagnostics", "/servers/serverSettings"),
    ] {
        let r = m.run(&[check, "-u", &m.http, "-k", &key]);
        r.expect(
            3,
            &format!(
                "MISP {} UNKNOWN - MISP answered 403 for GET {path}: You do not have permission",
                check.to_uppercase()
            ),
        )
        .says("must be a site admin");
        assert!(!r.stdout.contains(plain));
    }
    m.run(&["events", "-u", &m.http, "-k", &key])
        .expect(0, "MISP EVENTS OK - events index answered");
    std::fs::write(&key, "WrongKeyForCheckMisp00000000000000000001\n").expect("key file");
    m.run(&["events", "-u", &m.http, "-k", &key]).expect(
        2,
        "MISP EVENTS CRITICAL - MISP answered 403: the API key was not accepted",
    );
}

#[test]
fn background_jobs_switched_off_is_unknown() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let set = |on: &str| m.cake(&["Admin", "setSetting", "MISP.background_jobs", on, "--force"]);
    let _undo = Undo(|| {
        set("true");
        m.wait_for("background jobs back on", &[], |r| r.code == 0);
    });
    assert!(set("false").contains("changed to false"));
    // PHP's opcache may serve the old config.php for a moment.
    m.wait_for("background jobs off", &[], |r| r.code == 3);
    for check in ["workers", "jobs", "heal"] {
        m.http(check, &[]).expect(
            3,
            &format!(
                "MISP {} UNKNOWN - background jobs are disabled",
                check.to_uppercase()
            ),
        );
    }
}

/// 2.5 answers the worker list with an empty table, 2.4 with a bare 500: both are named.
#[test]
fn redis_stopped_is_named_by_diagnostics_and_workers() {
    let _change = changing();
    for m in targets() {
        let _undo = Undo(|| {
            m.setup();
            m.restore_workers();
        });
        m.sh("redis-cli", &["-p", &m.redis_port, "shutdown", "nosave"]);
        m.http("diagnostics", &[]).expect(
            2,
            "MISP DIAGNOSTICS CRITICAL - redis: MISP cannot reach Redis",
        );
        m.http("workers", &[])
            .expect(2, "MISP WORKERS CRITICAL - MISP could not list its workers")
            .says("is Redis down?");
        let dir = tempfile::tempdir().expect("temp dir");
        let posts = m.server_posts().len();
        m.heal(&dir.path().join("heal.json"), &[])
            .expect(2, "MISP HEAL CRITICAL")
            .says("is Redis down?")
            .says("restart not attempted");
        assert_eq!(m.server_posts().len(), posts, "{}: no POST", m.version());
    }
}

/// Events added through the API, deleted again when the test ends however it ends.
struct AddedEvents<'a> {
    misp: &'a RealMisp,
    ids: std::cell::RefCell<Vec<String>>,
}

impl AddedEvents<'_> {
    /// Adds an event with one attribute (the minimal index leaves out empty events);
    /// `extra` fields (`timestamp`, `published`) go into the event. Returns its uuid.
    fn add(&self, info: &str, extra: serde_json::Value) -> String {
        let mut event = serde_json::json!({
            "info": info,
            "distribution": 0,
            "threat_level_id": 4,
            "analysis": 0,
            "Attribute": [{"type": "ip-dst", "category": "Network activity", "value": "192.0.2.1"}],
        });
        if let (Some(e), Some(x)) = (event.as_object_mut(), extra.as_object()) {
            e.extend(x.clone());
        }
        let v = self.misp.api(
            "POST",
            "/events/add",
            &serde_json::json!({ "Event": event }),
        );
        let id = v["Event"]["id"].as_str().expect("event id").to_owned();
        self.ids.borrow_mut().push(id);
        v["Event"]["uuid"].as_str().expect("event uuid").to_owned()
    }
}

impl Drop for AddedEvents<'_> {
    fn drop(&mut self) {
        for id in self.ids.borrow().iter() {
            self.misp.api(
                "POST",
                &format!("/events/delete/{id}"),
                &serde_json::json!({}),
            );
        }
    }
}

#[test]
fn freshness_dates_the_newest_event_change() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let events = AddedEvents {
        misp: m,
        ids: std::cell::RefCell::new(Vec::new()),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    // The suite's fresh MISP holds no event: nothing to date.
    let index = m.api(
        "GET",
        "/events/index/limit:1/searchminimal:1",
        &serde_json::json!({}),
    );
    if index.as_array().is_some_and(Vec::is_empty) {
        m.http("freshness", &[]).expect(
            3,
            "MISP FRESHNESS UNKNOWN - no event with attributes in MISP: there is no data to measure the age of\n",
        );
    }
    // An event added now, dated by MISP: the newest change, seconds old.
    let fresh = events.add("check_misp freshness: added now", serde_json::json!({}));
    let r = m.http("freshness", &[]);
    r.expect(0, "MISP FRESHNESS OK - the newest event changed ")
        .says(";86400;259200;0");
    assert!(r.stdout.contains(&fresh), "{r:#?}");
    assert!(r.perf("age").is_some_and(|a| a < 60.0), "{r:#?}");
    // Added later but dated three days back (MISP keeps a given timestamp): the index is
    // sorted by change, not by id, so the first event stays the newest.
    let old = events.add(
        "check_misp freshness: three days old",
        serde_json::json!({"timestamp": (now - 3 * 86_400).to_string()}),
    );
    let r = m.https("freshness", &["-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["state"], "OK", "{r:#?}");
    assert!(
        v["details"][0].as_str().is_some_and(|d| d.contains(&fresh)),
        "{r:#?}"
    );
    assert!(!r.stdout.contains(&old), "{r:#?}");
    // --published: a newer unpublished event does not count. Both are dated a minute or
    // two ahead (within the clock skew allowed), so they are the newest whatever else the
    // MISP holds.
    let unpublished = events.add(
        "check_misp freshness: unpublished",
        serde_json::json!({"timestamp": (now + 120).to_string()}),
    );
    let published = events.add(
        "check_misp freshness: published",
        serde_json::json!({"timestamp": (now + 60).to_string(), "published": true}),
    );
    let all = m.http("freshness", &[]);
    all.expect(0, "MISP FRESHNESS OK - the newest event changed 0s ago");
    assert!(all.stdout.contains(&unpublished), "{all:#?}");
    let only = m.http("freshness", &["--published", "-o", "cacti"]);
    assert_eq!(
        (only.stdout.as_str(), only.code),
        ("age:0\n", 0),
        "{only:#?}"
    );
    m.http("freshness", &["--published"]).expect(
        0,
        "MISP FRESHNESS OK - the newest published event changed 0s ago",
    );
    assert!(m
        .http("freshness", &["--published"])
        .stdout
        .contains(&published));
}

/// MISP's "start worker" for one queue: 2.5 starts the stopped supervisord process; 2.4
/// starts one more CakeResque worker and leaves the dead one listed, so only
/// restartDeadWorkers clears it (heal uses startWorker only for CakeResque's scheduler).
#[test]
fn start_worker_starts_one_worker_of_a_queue() {
    let _change = changing();
    for m in targets() {
        let _undo = Undo(|| m.restore_workers());
        m.kill_queue_worker("update");
        m.wait_for("update to die", &[], |r| r.code == 2);
        let answer = m.api(
            "POST",
            "/servers/startWorker/update",
            &serde_json::json!({}),
        );
        assert_eq!(answer["success"], true, "{}: {answer}", m.version());
        match m.kind {
            Kind::V25 => m
                .wait_for("update back", &[], |r| r.code == 0)
                .expect(0, "MISP WORKERS OK - 21 workers alive, 0 dead"),
            Kind::V24 => m
                .wait_for("a new update worker", &[], |r| r.code == 1)
                .expect(
                    1,
                    "MISP WORKERS WARNING - 6 workers alive, 1 dead in 6 queues",
                ),
        };
    }
}
