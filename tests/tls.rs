//! TLS trust: verified by default, `--ca-cert`, `--insecure`, and named failures.

mod common;
use common::Misp;
use misp_sim::SimOptions;

#[test]
fn untrusted_self_signed_is_critical_with_the_fix_named() {
    let m = Misp::start();
    let url = m.sim.https_url();
    let key = m.path("key");
    let r = common::run(&["workers", "--url", &url, "--key-file", &key]);
    r.expect(
        2,
        "MISP WORKERS CRITICAL - TLS with 127.0.0.1 failed: certificate not trusted",
    )
    .says("use --ca-cert");
    common::run(&["workers", "--url", &url, "--key-file", &key, "--insecure"])
        .expect(0, "MISP WORKERS OK");
    m.https("workers", &[]).expect(0, "MISP WORKERS OK");
    // The key never went over a connection that failed verification.
    assert_eq!(m.sim.count("GET /servers/getWorkers"), 2);
}

#[test]
fn expired_and_wrong_name_certificates_are_named() {
    let expired = Misp::with(SimOptions {
        tls_expired: true,
        ..SimOptions::default()
    });
    expired
        .https("events", &[])
        .expect(2, "MISP EVENTS CRITICAL")
        .says("certificate expired");
    let other = Misp::with(SimOptions {
        tls_names: vec!["misp.other.example".into()],
        ..SimOptions::default()
    });
    other
        .https("events", &[])
        .expect(2, "MISP EVENTS CRITICAL")
        .says("not valid for the name 127.0.0.1");
}

#[test]
fn bad_ca_file_is_unknown() {
    let m = Misp::start();
    std::fs::write(m.path("junk.pem"), "not a certificate").unwrap();
    let url = m.sim.https_url();
    let key = m.path("key");
    for ca in [m.path("junk.pem"), m.path("missing.pem")] {
        common::run(&[
            "events",
            "--url",
            &url,
            "--key-file",
            &key,
            "--ca-cert",
            &ca,
        ])
        .expect(3, "MISP EVENTS UNKNOWN")
        .says("--ca-cert");
    }
}

#[test]
fn https_port_spoken_to_in_plain_http_and_back() {
    let m = Misp::start();
    // http:// to the TLS port: the server answers garbage or closes; named, not a hang.
    let url = format!("http://127.0.0.1:{}", m.sim.https_port());
    let key = m.path("key");
    let r = common::run(&["events", "--url", &url, "--key-file", &key, "-t", "3s"]);
    assert_eq!(r.code, 2, "{r:#?}");
    // https:// to the plain port.
    let url = format!("https://127.0.0.1:{}", m.sim.http_port());
    common::run(&["events", "--url", &url, "--key-file", &key, "-t", "3s"])
        .expect(2, "MISP EVENTS CRITICAL")
        .says("plain http:// port");
}
