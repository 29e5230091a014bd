//! `all`: several checks concurrently under one deadline; worst state first, one line per
//! check, prefixed perfdata; nagios, okko and json modes.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

mod common;
use check_misp::http::{BaseUrl, Client, Exchange, Kind, Response};
use common::Misp;
use hyper::Method;
use std::sync::Arc;
use std::time::Duration;

/// The checks `all` plans for this URL, as the library plans them.
fn planned(m: &Misp, url: &str) -> Vec<&'static str> {
    let args = [
        "check_misp",
        "all",
        "--url",
        url,
        "--key-file",
        &m.path("key"),
    ];
    let inv = check_misp::cli::parse(args.iter().map(Into::into).collect())
        .unwrap_or_else(|e| panic!("all is planned: {e:?}"));
    inv.subs.iter().map(|s| s.name().as_str()).collect()
}

#[test]
fn default_set_over_https_and_http() {
    let m = Misp::start();
    let every: Vec<&str> = check_misp::checks::in_all_by_default()
        .iter()
        .map(|c| c.as_str())
        .collect();
    let https = planned(&m, &m.sim.https_url());
    assert_eq!(https, every);
    assert!(!every.contains(&"heal"), "a restart is opt-in");
    let r = m.https("all", &[]);
    r.expect(
        0,
        &format!("MISP ALL OK - all {} checks OK | ", every.len()),
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), every.len() + 1, "{r:#?}");
    for (line, check) in lines[1..].iter().zip(&every) {
        assert!(line.starts_with(&format!("\\_[OK] {check} - ")), "{line}");
    }
    assert!(r.perf("workers_alive").unwrap() > 0.0);
    assert_eq!(r.perf("events_events"), Some(12.0));
    assert!(r.perf("cert_days").unwrap() > 300.0);
    assert!(r.perf("latency_time_total").is_some());
    // Every check ran once; heal (opt-in) did not.
    assert_eq!(m.sim.count("GET /servers/getVersion"), 1);
    assert_eq!(m.sim.count("GET /users/heartbeat"), 1);
    assert_eq!(m.sim.count("GET /servers/serverSettings"), 1);
    assert_eq!(m.sim.count("POST /servers/restartDeadWorkers"), 0);
    // Over http:// there is no certificate, so cert is left out of the default set.
    let http = planned(&m, &m.sim.http_url());
    let without_cert: Vec<&str> = every.iter().copied().filter(|c| *c != "cert").collect();
    assert_eq!(http, without_cert);
    m.http("all", &[])
        .expect(0, &format!("MISP ALL OK - all {} checks OK | ", http.len()));
}

#[test]
fn worst_state_first_then_each_check() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    m.sim.set_up_to_date("older");
    let r = m.http("all", &["--only", "workers,diagnostics,version,heartbeat"]);
    r.expect(
        2,
        "MISP ALL CRITICAL - 2 of 4 checks not OK: workers CRITICAL, diagnostics WARNING | ",
    );
    assert!(
        r.stdout
            .contains("\n\\_[CRITICAL] workers - no live worker in email"),
        "{r:#?}"
    );
    assert!(r
        .stdout
        .contains("\n\\_[WARNING] diagnostics - 1 problem: MISP v2.5.1 is outdated"));
    assert!(r.stdout.contains("\n\\_[OK] heartbeat - "));
    assert_eq!(r.perf("workers_dead"), Some(1.0));
    assert_eq!(r.perf("diagnostics_findings"), Some(1.0));
    let ko = m.http("all", &["--only", "workers,version", "-o", "okko"]);
    assert_eq!((ko.stdout.as_str(), ko.code), ("KO\n", 1));
    assert!(
        ko.stderr
            .starts_with("MISP ALL CRITICAL - 1 of 2 checks not OK: workers CRITICAL"),
        "{ko:#?}"
    );
    let ok = m.http("all", &["--only", "version,heartbeat", "-o", "okko"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("OK\n", 0));
}

#[test]
fn json_nests_every_check() {
    let m = Misp::start();
    m.sim.set_heartbeat(false);
    let r = m.http("all", &["--only", "login,heartbeat,version", "-o", "json"]);
    assert_eq!(r.code, 3, "{r:#?}");
    let v = r.json();
    assert_eq!(v["check"], "all");
    assert_eq!(v["state"], "UNKNOWN");
    assert_eq!(v["summary"], "1 of 3 checks not OK: heartbeat UNKNOWN");
    let checks = v["checks"].as_array().unwrap();
    let names: Vec<&str> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["login", "heartbeat", "version"]);
    assert_eq!(checks[1]["exit_code"], 3);
    assert_eq!(
        checks[0]["metrics"][0]["name"], "time",
        "unprefixed inside each check"
    );
    assert_eq!(
        v["metrics"][0]["name"], "login_time",
        "prefixed in the combined list"
    );
}

#[test]
fn checks_run_concurrently_under_one_deadline() {
    let m = Misp::start();
    m.sim.set_latency(Duration::from_secs(1));
    // Four network checks of at least 1s each: one after the other they would take 4s.
    let r = m.http(
        "all",
        &["--only", "login,events,latency,version", "-t", "5"],
    );
    r.expect(0, "MISP ALL OK - all 4 checks OK");
    assert!(
        r.elapsed < Duration::from_millis(2500),
        "took {:?}",
        r.elapsed
    );
    // One hung check times out alone, on the shared deadline; the others still report.
    m.sim.set_latency(Duration::ZERO);
    m.sim
        .set_fault(Some("/servers/getVersion"), misp_sim::Fault::Hang);
    let r = m.http("all", &["--only", "login,version,heartbeat", "-t", "2"]);
    r.expect(
        2,
        "MISP ALL CRITICAL - 1 of 3 checks not OK: version CRITICAL",
    );
    assert!(
        r.stdout
            .contains("\n\\_[CRITICAL] version - timed out after 2s waiting for response headers"),
        "{r:#?}"
    );
    assert!(r.stdout.contains("\n\\_[OK] login - "));
    assert!(
        r.elapsed >= Duration::from_secs(2) && r.elapsed < Duration::from_millis(2900),
        "{:?}",
        r.elapsed
    );
}

#[test]
fn usage_errors() {
    let m = Misp::start();
    m.http("all", &["-w", "1"])
        .expect(3, "MISP ALL UNKNOWN - -w/-c do not apply to all");
    // clap refuses a name outside the list, and lists what --only takes (all but all).
    let runnable: Vec<&str> = check_misp::CheckName::NAMES
        .iter()
        .copied()
        .filter(|c| *c != "all")
        .collect();
    let listed = format!("[possible values: {}]", runnable.join(", "));
    let r = m.http("all", &["--only", "workers,bogus"]);
    r.expect(
        3,
        "MISP ALL UNKNOWN - invalid value 'bogus' for '--only <CHECK>'",
    );
    assert!(r.stdout.contains(&listed), "{r:#?}");
    let r = m.http("all", &["--only", "all", "-o", "json"]);
    r.expect(3, "{");
    assert!(
        r.stdout
            .contains("invalid value 'all' for '--only <CHECK>'"),
        "{r:#?}"
    );
    m.http("all", &["--only", "cert"])
        .expect(3, "MISP ALL UNKNOWN - cert needs an https:// URL");
    assert!(m.sim.counts().is_empty(), "{:?}", m.sim.counts());
    // Checks that need no key run without one.
    let url = m.sim.http_url();
    common::run(&["all", "--url", &url, "--only", "login,heartbeat"])
        .expect(0, "MISP ALL OK - all 2 checks OK");
    common::run(&["all", "--url", &url]).expect(3, "MISP ALL UNKNOWN - no API key");
}

#[test]
fn workers_and_jobs_share_one_get_workers_request() {
    let m = Misp::start();
    m.sim.set_backlog("default", 50);
    let r = m.http("all", &["--only", "jobs,events,workers"]);
    r.expect(0, "MISP ALL OK - all 3 checks OK");
    assert_eq!(
        m.sim.count("GET /servers/getWorkers"),
        1,
        "{:?}",
        m.sim.counts()
    );
    assert_eq!(r.perf("workers_alive"), Some(m.sim.alive_workers() as f64));
    assert_eq!(r.perf("jobs_jobs"), Some(50.0));
    // Sub-check lines keep the order asked for.
    let order: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(order, ["jobs", "events", "workers"], "{r:#?}");
    // Each keeps its own judgement of the one answer: a backlog only jobs' thresholds see
    // is not possible in all (no -w/-c), but a dead queue shows in workers and not in jobs.
    m.sim.kill_queue("email");
    let r = m.http("all", &["--only", "workers,jobs"]);
    r.expect(
        2,
        "MISP ALL CRITICAL - 1 of 2 checks not OK: workers CRITICAL",
    );
    assert_eq!(m.sim.count("GET /servers/getWorkers"), 2);
    // A failed fetch fails both, each named.
    m.sim
        .set_fault(Some("/servers/getWorkers"), misp_sim::html_500());
    let r = m.http("all", &["--only", "workers,jobs"]);
    r.expect(2, "MISP ALL CRITICAL - 2 of 2 checks not OK");
    assert!(
        r.stdout
            .contains("\\_[CRITICAL] workers - MISP answered 500"),
        "{r:#?}"
    );
    assert!(
        r.stdout.contains("\\_[CRITICAL] jobs - MISP answered 500"),
        "{r:#?}"
    );
}

#[test]
fn each_distinct_request_goes_out_once() {
    let m = Misp::start();
    let r = m.https("all", &[]);
    let every = check_misp::checks::in_all_by_default().len();
    r.expect(0, &format!("MISP ALL OK - all {every} checks OK"));
    let counts = m.sim.counts();
    // stats and users share one statistics request, events and latency one index request,
    // workers and jobs one getWorkers request (jobs also reads the jobs list).
    assert_eq!(
        counts.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "GET /events/index",
            "GET /jobs/index",
            "GET /servers/getVersion",
            "GET /servers/getWorkers",
            "GET /servers/serverSettings",
            "GET /users/heartbeat",
            "GET /users/login",
            "GET /users/statistics",
            "POST /auth_keys/index",
        ],
        "{counts:?}"
    );
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    // latency times the very request events judged.
    assert_eq!(r.perf("latency_time_total"), r.perf("events_time"));
    assert_eq!(r.perf("stats_events_month"), Some(37.0));
    assert_eq!(r.perf("users_users"), Some(42.0));
    // A failed shared fetch fails both checks, each named.
    m.sim
        .set_fault(Some("/users/statistics"), misp_sim::html_500());
    let r = m.http("all", &["--only", "users,login,stats"]);
    r.expect(2, "MISP ALL CRITICAL - 2 of 3 checks not OK");
    assert!(
        r.stdout.contains("\\_[CRITICAL] users - MISP answered 500"),
        "{r:#?}"
    );
    assert!(
        r.stdout.contains("\\_[CRITICAL] stats - MISP answered 500"),
        "{r:#?}"
    );
    assert_eq!(m.sim.count("GET /users/statistics"), 2);
    // The pair alone shares too.
    m.sim.reset_counts();
    let r = m.http("all", &["--only", "events,latency"]);
    r.expect(0, "MISP ALL OK - all 2 checks OK");
    assert_eq!(m.sim.count("GET /events/index"), 1);
}

#[test]
fn checks_all_never_paired_share_a_request_too() {
    let m = Misp::start();
    // heal reads the worker list before deciding anything, as jobs does: one request.
    let r = m.http("all", &["--only", "heal,jobs"]);
    r.expect(0, "MISP ALL OK - all 2 checks OK");
    assert_eq!(r.perf("heal_alive"), Some(m.sim.alive_workers() as f64));
    assert_eq!(
        m.sim.count("GET /servers/getWorkers"),
        1,
        "{:?}",
        m.sim.counts()
    );
    assert_eq!(m.sim.count("POST /servers/restartDeadWorkers"), 0);
    // With -v, the check that did not send says whose answer it judged.
    let r = m.http("all", &["--only", "heal,jobs", "-v"]);
    assert!(
        r.stdout
            .contains("/servers/getWorkers -> the answer another check of this run got: 200"),
        "{r:#?}"
    );
    assert_eq!(m.sim.count("GET /servers/getWorkers"), 2);
}

async fn workers(c: &Client) -> Result<Response, check_misp::error::Error> {
    c.send(Method::GET, "/servers/getWorkers", Kind::Rest).await
}

async fn restart(c: &Client) -> Result<Response, check_misp::error::Error> {
    c.send(Method::POST, "/servers/restartDeadWorkers", Kind::Rest)
        .await
}

#[test]
fn an_exchange_sends_each_read_once_and_a_repeated_one_afresh() {
    let m = Misp::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = BaseUrl::parse(&m.sim.http_url()).unwrap();
    let key = check_misp::secret::ApiKey::parse(misp_sim::DEFAULT_KEY).ok();
    let exchange = Arc::new(Exchange::default());
    let client = |deadline| {
        Client::new(
            base.clone(),
            key.clone(),
            None,
            deadline,
            Duration::from_secs(5),
        )
        .with_exchange(exchange.clone())
    };
    let count = || m.sim.count("GET /servers/getWorkers");
    runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let (a, b) = (client(deadline), client(deadline));
        // Asked at once: one request, one answer for both, timings included.
        let (ra, rb) = tokio::join!(workers(&a), workers(&b));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(count(), 1);
        assert_eq!((ra.timings, &ra.body), (rb.timings, &rb.body));
        // Asked later by another client: still that answer.
        workers(&client(deadline)).await.unwrap();
        assert_eq!(count(), 1);
        // Asked again by a client that has its answer: a fresh one (heal re-reading the
        // workers after a restart).
        workers(&a).await.unwrap();
        assert_eq!(count(), 2);
        // Another deadline is another request: no check waits on another's timeout.
        workers(&client(deadline + Duration::from_secs(1)))
            .await
            .unwrap();
        assert_eq!(count(), 3);
        // An action always goes out.
        m.sim.kill_worker("email");
        let (c, d) = (client(deadline), client(deadline));
        let (rc, rd) = tokio::join!(restart(&c), restart(&d));
        assert_eq!((rc.unwrap().status, rd.unwrap().status), (200, 200));
        assert_eq!(m.sim.count("POST /servers/restartDeadWorkers"), 2);
    });
}
