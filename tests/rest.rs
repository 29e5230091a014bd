//! `login`, `events` and `latency` against the simulator over HTTP and HTTPS.

mod common;
use common::Misp;
use misp_sim::Fault;
use std::time::Duration;

#[test]
fn login_page_ok_over_http_and_https() {
    let m = Misp::start();
    let r = m.http("login", &[]);
    r.expect(0, "MISP LOGIN OK - login page answered 200 in ");
    assert!(r.perf("size").unwrap() > 500.0, "{r:#?}");
    assert!(r.perf("time").is_some());
    m.https("login", &[]).expect(0, "MISP LOGIN OK");
    assert_eq!(m.sim.count("GET /users/login"), 2);
    // The login page is public: no key is needed, and none is sent.
    let url = m.sim.http_url();
    common::run(&["login", "--url", &url]).expect(0, "MISP LOGIN OK");
    assert_eq!(m.sim.requests_with_key(), 0);
}

#[test]
fn login_text_and_status_are_judged() {
    let m = Misp::start();
    m.http("login", &["--expect-text", "Welcome aboard"])
        .expect(2, "MISP LOGIN CRITICAL")
        .says("does not contain 'Welcome aboard'");
    m.sim.set_fault(Some("/users/login"), misp_sim::html_500());
    m.http("login", &[]).expect(
        2,
        "MISP LOGIN CRITICAL - login page answered 500, expected 200-202,299",
    );
    m.http("login", &["--expect-status", "500"])
        .expect(2, "MISP LOGIN CRITICAL")
        .says("does not contain 'Login'");
    m.sim.set_fault(
        Some("/users/login"),
        Fault::RedirectTo {
            location: "https://sso.example.org/auth".into(),
        },
    );
    m.http("login", &[])
        .expect(2, "MISP LOGIN CRITICAL")
        .says("redirecting to https://sso.example.org/auth");
}

#[test]
fn events_index_counts_and_minimum() {
    let m = Misp::start();
    m.sim.set_events(57);
    let r = m.http("events", &[]);
    r.expect(0, "MISP EVENTS OK - events index answered 57 events");
    assert_eq!(r.perf("events"), Some(57.0));
    m.http("events", &["--min-events", "100"]).expect(
        2,
        "MISP EVENTS CRITICAL - only 57 events match, expected at least 100",
    );
    m.sim.set_events(0);
    m.https("events", &[])
        .expect(0, "MISP EVENTS OK - events index answered 0 events");
    m.http("events", &["--min-events", "1"])
        .expect(2, "MISP EVENTS CRITICAL");
}

#[test]
fn latency_reports_every_phase_of_one_connection() {
    let m = Misp::start();
    let r = m.https("latency", &[]);
    r.expect(0, "MISP LATENCY OK - REST answered in ");
    let (connect, tls, first, total) = (
        r.perf("time_connect").unwrap(),
        r.perf("time_tls").unwrap(),
        r.perf("time_firstbyte").unwrap(),
        r.perf("time_total").unwrap(),
    );
    assert!(tls > 0.0, "TLS handshake took no time? {r:#?}");
    assert!(connect + tls + first <= total + 1e-6, "{r:#?}");
    assert!(
        r.status_line().contains("time_total=") && r.status_line().contains(";;5;0;10"),
        "{r:#?}"
    );
    // One request, not a second probe.
    assert_eq!(m.sim.count("GET /events/index"), 1);
    let plain = m.http("latency", &[]);
    assert_eq!(plain.perf("time_tls"), Some(0.0));
}

#[test]
fn latency_thresholds_with_units() {
    let m = Misp::start();
    m.sim.set_latency(Duration::from_millis(300));
    let r = m.http("latency", &["-w", "100ms", "-c", "2s"]);
    r.expect(1, "MISP LATENCY WARNING");
    assert!(r.perf("time_firstbyte").unwrap() >= 0.3, "{r:#?}");
    m.http("latency", &["-c", "0.2"])
        .expect(2, "MISP LATENCY CRITICAL");
    m.http("latency", &["--path", "/servers/getVersion"])
        .expect(0, "MISP LATENCY OK");
    assert_eq!(m.sim.count("GET /servers/getVersion"), 1);
}

#[test]
fn multicall_links_and_env_configuration() {
    let m = Misp::start();
    let dir = tempfile::tempdir().unwrap();
    for name in ["check_misp_events", "check_misp-jobs"] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(common::bin(), &link).unwrap();
        let url = m.sim.http_url();
        let key = m.path("key");
        let r = common::run_with(
            &link,
            &[],
            &[("MISP_URL", url.as_str()), ("MISP_KEY_FILE", key.as_str())],
        );
        assert_eq!(r.code, 0, "{name}: {r:#?}");
    }
    let r = common::run_with(
        &dir.path().join("check_misp_events"),
        &[],
        &[
            ("MISP_URL", &m.sim.http_url()),
            ("MISP_KEY", misp_sim::DEFAULT_KEY),
        ],
    );
    r.expect(0, "MISP EVENTS OK");
    let bogus = dir.path().join("check_misp_bogus");
    std::os::unix::fs::symlink(common::bin(), &bogus).unwrap();
    let r = common::run_with(&bogus, &[], &[]);
    r.expect(3, "MISP UNKNOWN - unknown check 'bogus'");
}
