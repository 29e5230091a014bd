//! `version` and `heartbeat` against the simulator, healthy and broken, in every mode that
//! matters (nagios, okko, json), and through their `check_misp_<name>` links.

mod common;
use common::Misp;
use std::time::Duration;

#[test]
fn version_reports_and_judges_minimums() {
    let m = Misp::start();
    m.http("version", &[])
        .expect(0, "MISP VERSION OK - MISP 2.5.1\n");
    m.sim.set_version("2.4.170");
    m.http("version", &["--min-version", "2.4.194"]).expect(
        1,
        "MISP VERSION WARNING - MISP 2.4.170 is older than 2.4.194 (--min-version)\n",
    );
    m.https(
        "version",
        &["--min-version", "2.5", "--min-version-critical", "2.4.171"],
    )
    .expect(
        2,
        "MISP VERSION CRITICAL - MISP 2.4.170 is older than 2.4.171 (--min-version-critical)",
    );
    // Numeric order, not text order: 2.4.170 is newer than 2.4.99.
    m.http("version", &["--min-version", "2.4.99"])
        .expect(0, "MISP VERSION OK - MISP 2.4.170 (at least 2.4.99)");
    assert_eq!(m.sim.count("GET /servers/getVersion"), 4);
}

#[test]
fn version_in_okko_and_json() {
    let m = Misp::start();
    let ok = m.http("version", &["-o", "okko"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("OK\n", 0));
    m.sim.set_version("2.4.150");
    let ko = m.http("version", &["-o", "okko", "--min-version", "2.4.194"]);
    assert_eq!((ko.stdout.as_str(), ko.code), ("KO\n", 1));
    assert!(ko.stderr.contains("older than 2.4.194"), "{ko:#?}");
    let j = m.http("version", &["-o", "json", "--min-version", "2.4.194"]);
    assert_eq!(j.code, 1);
    let v = j.json();
    assert_eq!(v["check"], "version");
    assert_eq!(v["state"], "WARNING");
    assert_eq!(v["details"][0], "PyMISP recommended: 2.4.150");
}

#[test]
fn version_failures_are_named() {
    let m = Misp::start();
    m.http("version", &["--min-version", "two.four"]).expect(
        3,
        "MISP VERSION UNKNOWN - --min-version: 'two.four' is not a MISP version",
    );
    // A typo in a bound is refused, not read as the nearest version it starts with.
    for (option, bad) in [
        ("--min-version", "2.4.x"),
        ("--min-version", "2.4.1a"),
        ("--min-version-critical", "2.4."),
        ("--min-version-critical", "2.5.1-rc1"),
    ] {
        m.http("version", &[option, bad]).expect(
            3,
            &format!(
                "MISP VERSION UNKNOWN - {option}: '{bad}' is not a MISP version like 2.4.194\n"
            ),
        );
    }
    assert_eq!(m.sim.count("GET /servers/getVersion"), 0);
    m.http("version", &["-w", "1"])
        .expect(3, "MISP VERSION UNKNOWN - -w/-c do not apply to version");
    m.sim
        .set_fault(Some("/servers/getVersion"), misp_sim::html_500());
    m.http("version", &[])
        .expect(2, "MISP VERSION CRITICAL - MISP answered 500");
    m.sim.set_fault(
        Some("/servers/getVersion"),
        misp_sim::Fault::Status {
            code: 200,
            content_type: "application/json".into(),
            body: r#"{"name":"something else"}"#.into(),
        },
    );
    m.http("version", &[])
        .expect(2, "MISP VERSION CRITICAL")
        .says("no MISP version in the answer");
    assert_eq!(
        m.sim.count("GET /servers/getVersion"),
        2,
        "bad options must not reach MISP"
    );
}

#[test]
fn heartbeat_needs_no_key_and_is_timed() {
    let m = Misp::start();
    let url = m.sim.http_url();
    let r = common::run(&["heartbeat", "--url", &url]);
    r.expect(0, "MISP HEARTBEAT OK - MISP answered the heartbeat in ");
    assert!(r.perf("time").is_some(), "{r:#?}");
    assert!(r
        .stdout
        .contains("MISP says: You must construct additional pylons."));
    // Even with a key at hand, the public probe does not send it.
    m.https("heartbeat", &[]).expect(0, "MISP HEARTBEAT OK");
    assert_eq!(m.sim.requests_with_key(), 0);
    assert_eq!(m.sim.count("GET /users/heartbeat"), 2);
    m.sim.set_latency(Duration::from_millis(400));
    m.http("heartbeat", &["-w", "200ms", "-c", "5s"])
        .expect(1, "MISP HEARTBEAT WARNING");
}

#[test]
fn heartbeat_on_an_older_misp_is_unknown_and_named() {
    let m = Misp::start();
    m.sim.set_heartbeat(false);
    m.http("heartbeat", &[]).expect(
        3,
        "MISP HEARTBEAT UNKNOWN - heartbeat not supported by this MISP version (it answered 302 to the login page",
    );
    let ko = m.http("heartbeat", &["-o", "okko"]);
    assert_eq!((ko.stdout.as_str(), ko.code), ("KO\n", 1));
    assert!(ko.stderr.contains("heartbeat not supported"), "{ko:#?}");
    // A 404 (e.g. from a proxy in front of an older MISP) means the same.
    m.sim.set_heartbeat(true);
    m.sim.set_fault(
        Some("/users/heartbeat"),
        misp_sim::Fault::Status {
            code: 404,
            content_type: "text/html".into(),
            body: "<h1>Not Found</h1>".into(),
        },
    );
    let j = m.http("heartbeat", &["-o", "json"]);
    assert_eq!(j.code, 3);
    assert_eq!(j.json()["state"], "UNKNOWN");
}

#[test]
fn heartbeat_outages_are_critical() {
    let m = Misp::start();
    m.sim
        .set_fault(Some("/users/heartbeat"), misp_sim::html_500());
    m.http("heartbeat", &[]).expect(
        2,
        "MISP HEARTBEAT CRITICAL - MISP answered 500 for GET /users/heartbeat",
    );
    m.sim
        .set_fault(Some("/users/heartbeat"), misp_sim::Fault::Hang);
    m.http("heartbeat", &["-t", "1"]).expect(
        2,
        "MISP HEARTBEAT CRITICAL - timed out after 1s waiting for response headers",
    );
    drop(m);
    let json = common::run(&["heartbeat", "--url", "http://127.0.0.1:9", "-o", "json"]);
    assert_eq!(json.code, 2);
    assert!(json.json()["summary"]
        .as_str()
        .unwrap()
        .contains("connection refused"));
}

#[test]
fn link_names_reach_the_new_checks() {
    let m = Misp::start();
    let url = m.sim.http_url();
    let key = m.path("key");
    for (name, expect) in [
        ("check_misp_heartbeat", "MISP HEARTBEAT OK"),
        ("check_misp_version", "MISP VERSION OK"),
        ("check_misp_diagnostics", "MISP DIAGNOSTICS OK"),
        ("check_misp-all", "MISP ALL OK"),
    ] {
        let link = m.dir.path().join(name);
        std::os::unix::fs::symlink(common::bin(), &link).unwrap();
        common::run_with(&link, &["--url", &url, "--key-file", &key], &[]).expect(0, expect);
    }
    let link = m.dir.path().join("check_misp_cert");
    std::os::unix::fs::symlink(common::bin(), &link).unwrap();
    let https = m.sim.https_url();
    let ca = m.path("ca.pem");
    common::run_with(&link, &["--url", &https, "--ca-cert", &ca], &[]).expect(0, "MISP CERT OK");
}
