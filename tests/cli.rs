//! Command-line contract: option order, -H, help/version, the deadline and its state.

mod common;
use common::Misp;
use misp_sim::Fault;

#[test]
fn gpmonitor_order_options_before_the_check() {
    // OpenNMS's GpMonitor runs `script --hostname IP --timeout N [args]`.
    let m = Misp::start();
    let host = format!("127.0.0.1:{}", m.sim.https_port());
    let key = m.path("key");
    let ca = m.path("ca.pem");
    common::run(&[
        "--hostname",
        &host,
        "--timeout",
        "3",
        "workers",
        "--key-file",
        &key,
        "--ca-cert",
        &ca,
    ])
    .expect(0, "MISP WORKERS OK");
    common::run(&[
        "workers",
        "-H",
        &host,
        "-t",
        "3",
        "-k",
        &key,
        "--ca-cert",
        &ca,
        "-o",
        "okko",
    ])
    .expect(0, "OK");
}

#[test]
fn every_check_over_https_with_ca_cert_and_insecure() {
    let m = Misp::start();
    let state = m.path("state.json");
    for check in ["login", "events", "latency", "workers", "heal", "jobs"] {
        let extra: Vec<&str> = if check == "heal" {
            vec!["--state-file", &state]
        } else {
            vec![]
        };
        m.https(check, &extra)
            .expect(0, &format!("MISP {} OK", check.to_uppercase()));
        let url = m.sim.https_url();
        let key = m.path("key");
        let mut args = vec![check, "--url", &url, "--key-file", &key, "--insecure"];
        args.extend(&extra);
        common::run(&args).expect(0, &format!("MISP {} OK", check.to_uppercase()));
    }
}

#[test]
fn timeout_names_the_phase_and_uses_timeout_result() {
    let m = Misp::start();
    m.sim.set_fault(Some("/servers/getWorkers"), Fault::Hang);
    m.http("workers", &["-t", "1s"]).expect(
        2,
        "MISP WORKERS CRITICAL - timed out after 1s waiting for response headers",
    );
    m.http("workers", &["-t", "1", "--timeout-result", "warning"])
        .expect(1, "MISP WORKERS WARNING - timed out");
    m.http("workers", &["-t", "500ms", "--timeout-result", "unknown"])
        .expect(3, "MISP WORKERS UNKNOWN - timed out after 500ms");
    let okko = m.http(
        "workers",
        &["-t", "1s", "-o", "okko", "--timeout-result", "ok"],
    );
    assert_eq!((okko.stdout.as_str(), okko.code), ("OK\n", 0));
}

#[test]
fn help_version_and_usage_errors_exit_3_on_stdout() {
    for args in [
        vec![],
        vec!["--help"],
        vec!["-V"],
        vec!["--version"],
        vec!["workers", "--help"],
        vec!["heal", "-h"],
    ] {
        let r = common::run(&args);
        assert_eq!(r.code, 3, "{args:?}: {r:#?}");
        assert!(
            !r.stdout.is_empty() && r.stderr.is_empty(),
            "{args:?}: {r:#?}"
        );
    }
    assert!(common::run(&["--help"])
        .stdout
        .contains("Usage: check_misp"));
    assert!(common::run(&["-V"]).stdout.starts_with("check_misp "));
    for args in [
        vec!["workers", "--bogus"],
        vec!["nosuchcheck"],
        vec!["workers", "-t", "soon"],
    ] {
        let r = common::run(&args);
        assert_eq!(r.code, 3, "{args:?}: {r:#?}");
        assert!(
            r.stdout.starts_with("MISP ") && r.stdout.contains("UNKNOWN - "),
            "{args:?}: {r:#?}"
        );
        assert!(r.stderr.is_empty(), "{r:#?}");
    }
    let okko = common::run(&["workers", "--bogus", "-o", "okko"]);
    assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
    assert_eq!(okko.stderr.lines().count(), 1, "{okko:#?}");
}

/// A malformed range is refused while parsing the command line, before any URL or key is
/// looked at, with the syntax in the message; the check's unit comes later.
#[test]
fn malformed_thresholds_are_refused_by_the_parser_with_the_syntax() {
    for (check, option, value) in [
        ("workers", "-w", "abc"),
        ("jobs", "-c", "1:2:3"),
        ("latency", "-w", "soon"),
        ("freshness", "--critical", "20:10"),
        ("cert", "-w", "@"),
        ("users", "-c", "NaN"),
        ("all", "-w", "x"),
    ] {
        let r = common::run(&[check, option, value]);
        let long = if option == "-c" || option == "--critical" {
            "--critical"
        } else {
            "--warning"
        };
        r.expect(
            3,
            &format!(
                "MISP {} UNKNOWN - invalid value '{value}' for '{long} <RANGE>': ",
                check.to_uppercase()
            ),
        );
        assert!(
            r.status_line().contains("a range is [@][START:][END]"),
            "{r:#?}"
        );
        assert!(r.stderr.is_empty(), "{r:#?}");
    }
    // A well-formed range in the wrong unit is the check's to refuse, naming the option;
    // in days, a plain number is a minimum.
    let key = [("MISP_KEY", "SimSiteAdminKey0000000000000000000000001")];
    let url = ["--url", "https://127.0.0.1:9"];
    common::run_with(
        &common::bin(),
        &["workers", "-w", "2s", url[0], url[1]],
        &key,
    )
    .expect(
        3,
        "MISP WORKERS UNKNOWN - --warning: invalid range '2s': '2s' is not a number",
    );
    common::run_with(&common::bin(), &["cert", "-c", "1h", url[0], url[1]], &key).expect(
        3,
        "MISP CERT UNKNOWN - --critical: invalid range '1h': '1h' is not a number",
    );
}

#[test]
fn missing_url_and_key_are_unknown() {
    common::run(&["workers"]).expect(3, "MISP WORKERS UNKNOWN - no MISP given");
    common::run(&["workers", "--url", "http://127.0.0.1:9"])
        .expect(3, "MISP WORKERS UNKNOWN - no API key");
    // login needs no key
    common::run(&["login", "--url", "http://127.0.0.1:9"])
        .expect(2, "MISP LOGIN CRITICAL - connection refused");
}

#[test]
fn verbose_logs_each_request_and_warns_about_clear_text_keys() {
    let m = Misp::start();
    let r = m.http("workers", &["-v"]);
    r.expect(0, "MISP WORKERS OK");
    let url = format!("GET {}/servers/getWorkers -> 200 (", m.sim.http_url());
    assert!(r.stdout.contains(&url), "{r:#?}");
    assert!(r.stdout.contains("travels in clear text"), "{r:#?}");
    let quiet = m.http("workers", &[]);
    assert!(!quiet.stdout.contains("-> 200"), "{quiet:#?}");
    let tls = m.https("workers", &["-v"]);
    assert!(!tls.stdout.contains("clear text"), "{tls:#?}");
    assert!(tls.stdout.contains("TLS 0."), "{tls:#?}");
}
