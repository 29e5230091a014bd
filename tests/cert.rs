//! `cert`: days left on MISP's TLS certificate, its subject and issuer, with every kind of
//! trust (`--ca-cert`, the system store, `--insecure`) and broken certificates.

mod common;
use common::Misp;
use misp_sim::SimOptions;

/// `cert` against the simulator's HTTPS port without a key, trusting its CA.
fn cert(m: &Misp, extra: &[&str]) -> common::Run {
    let url = m.sim.https_url();
    let ca = m.path("ca.pem");
    let mut args = vec!["cert", "--url", &url, "--ca-cert", &ca];
    args.extend_from_slice(extra);
    common::run(&args)
}

#[test]
fn valid_certificate_reports_days_subject_and_issuer() {
    let m = Misp::start();
    let r = cert(&m, &[]);
    r.expect(0, "MISP CERT OK - certificate expires in ")
        .says(", subject CN=misp-sim, issuer CN=misp-sim");
    // The simulator's certificate is valid until 1 January two years ahead.
    let days = r.perf("days").unwrap();
    assert!((365.0..=1096.0).contains(&days), "{r:#?}");
    assert!(
        r.status_line().contains(";30:;7:"),
        "default -w 30 -c 7 as minimums: {r:#?}"
    );
    assert!(
        r.stdout.contains("\nnames: localhost, 127.0.0.1\n"),
        "{r:#?}"
    );
    // Only a handshake: no HTTP request, so no key and nothing counted.
    assert!(m.sim.counts().is_empty(), "{:?}", m.sim.counts());
    assert_eq!(m.sim.requests_with_key(), 0);
}

#[test]
fn thresholds_are_minimum_days_left() {
    let m = Misp::start();
    // A plain number is a minimum, as with check_curl -C: fewer than 5000 days left.
    cert(&m, &["-w", "5000"]).expect(1, "MISP CERT WARNING - certificate expires in ");
    cert(&m, &["-w", "5000", "-c", "4000"]).expect(2, "MISP CERT CRITICAL");
    cert(&m, &["-c", "4000:"]).expect(2, "MISP CERT CRITICAL");
    cert(&m, &["-w", "10", "-c", "5"]).expect(0, "MISP CERT OK");
    cert(&m, &["-w", "soon"]).expect(
        3,
        "MISP CERT UNKNOWN - invalid value 'soon' for '--warning <RANGE>'",
    );
}

#[test]
fn untrusted_certificate_is_still_described() {
    let m = Misp::start();
    let url = m.sim.https_url();
    let r = common::run(&["cert", "--url", &url]);
    r.expect(
        2,
        "MISP CERT CRITICAL - certificate not trusted (unknown issuer): use --ca-cert FILE (its CA, or the certificate itself), or --insecure; certificate expires in ",
    )
    .says("subject CN=misp-sim");
    assert!(r.perf("days").unwrap() > 300.0);
    common::run(&["cert", "--url", &url, "--insecure"]).expect(0, "MISP CERT OK");
}

#[test]
fn expired_certificate_is_critical_even_with_insecure() {
    let m = Misp::with(SimOptions {
        tls_expired: true,
        ..SimOptions::default()
    });
    let r = cert(&m, &[]);
    r.expect(2, "MISP CERT CRITICAL - certificate expired ")
        .says("days ago")
        .says("issuer CN=misp-sim");
    let days = r.perf("days").unwrap();
    assert!(days < -300.0, "{r:#?}");
    // Text and perfdata give the same number of days.
    r.says(&format!("certificate expired {} days ago", -days));
    let url = m.sim.https_url();
    let r = common::run(&["cert", "--url", &url, "--insecure", "-o", "json"]);
    assert_eq!(r.code, 2);
    let v = r.json();
    assert_eq!(v["check"], "cert");
    assert_eq!(v["state"], "CRITICAL");
    assert_eq!(v["metrics"][0]["name"], "days");
    assert!(
        v["metrics"][0]["min"].is_null(),
        "days may be negative: {v}"
    );
    let ko = common::run(&["cert", "--url", &url, "--insecure", "-o", "okko"]);
    assert_eq!((ko.stdout.as_str(), ko.code), ("KO\n", 1));
    assert!(
        ko.stderr
            .starts_with("MISP CERT CRITICAL - certificate expired"),
        "{ko:#?}"
    );
}

#[test]
fn wrong_name_is_named() {
    let m = Misp::with(SimOptions {
        tls_names: vec!["misp.other.example".into()],
        ..SimOptions::default()
    });
    cert(&m, &[])
        .expect(
            2,
            "MISP CERT CRITICAL - certificate is not valid for the name 127.0.0.1: it holds misp.other.example; certificate expires in ",
        )
        .says("subject CN=misp-sim");
    let url = m.sim.https_url();
    let ok = common::run(&["cert", "--url", &url, "-o", "okko", "--insecure"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("OK\n", 0));
}

#[test]
fn no_certificate_to_read() {
    let m = Misp::start();
    let http = m.sim.http_url();
    common::run(&["cert", "--url", &http])
        .expect(3, "MISP CERT UNKNOWN - cert needs an https:// URL");
    // An https URL whose port speaks plain HTTP: the handshake fails, and says so.
    let wrong = format!("https://127.0.0.1:{}", m.sim.http_port());
    common::run(&["cert", "--url", &wrong, "--insecure"])
        .expect(2, "MISP CERT CRITICAL - TLS with 127.0.0.1 failed");
    common::run(&["cert", "--url", "https://127.0.0.1:9"])
        .expect(2, "MISP CERT CRITICAL - connection refused");
}

#[test]
fn self_signed_ca_certificate_given_with_ca_cert_is_ok() {
    let m = Misp::with(SimOptions {
        tls_ca: true,
        ..SimOptions::default()
    });
    cert(&m, &[])
        .expect(0, "MISP CERT OK - certificate expires in ")
        .says("subject CN=misp-sim");
    let url = m.sim.https_url();
    common::run(&["cert", "--url", &url])
        .expect(2, "MISP CERT CRITICAL - certificate not trusted: the server presents a CA certificate (CA:TRUE) as its own; use --ca-cert FILE")
        .says("expires in ");
}

#[test]
fn short_lived_intermediate_is_judged_and_named() {
    let m = Misp::with(SimOptions {
        tls_intermediate_days: Some(4),
        ..SimOptions::default()
    });
    let r = cert(&m, &[]);
    r.expect(
        2,
        "MISP CERT CRITICAL - chain certificate 1 (CN=misp-sim intermediate) expires in 4 days (",
    )
    .says("subject CN=misp-sim, issuer CN=misp-sim intermediate");
    assert_eq!(r.perf("days"), Some(4.0), "{r:#?}");
    assert!(
        r.stdout.contains(
            "\nchain 1: CN=misp-sim intermediate (issuer CN=misp-sim root), expires in 4 days"
        ),
        "{r:#?}"
    );
    // A long-lived chain is judged by the server's own certificate, as before.
    let long = Misp::with(SimOptions {
        tls_intermediate_days: Some(4000),
        ..SimOptions::default()
    });
    cert(&long, &[]).expect(0, "MISP CERT OK - certificate expires in ");
}
