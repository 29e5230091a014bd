//! The bad-input matrix (issue 6, items 1-4): every network, TLS, HTTP and command-line
//! failure gives the contract's state and exit code in `nagios` and `okko` modes, one line
//! naming the cause, within the deadline + 1 s, with no panic and no key in the output.
//!
//! The cases live in `matrix/mod.rs`; `secrets.rs` runs the same cases with another key.

mod common;
#[macro_use]
mod matrix;

use misp_sim::DEFAULT_KEY;

macro_rules! bad_input_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                matrix::build(stringify!($name), DEFAULT_KEY).verify();
            }
        )*
    };
}

each_case!(bad_input_tests);

/// Plain `http://` works (MISP behind a TLS-terminating proxy on loopback is real), but
/// `-v` says that the key travels in clear; over https it says nothing of the sort.
#[test]
fn plain_http_with_key_warns_only_when_verbose() {
    const WARNING: &str = "warning: the API key travels in clear text over http://";
    let m = common::Misp::start();
    let quiet = m.http("workers", &[]);
    quiet.expect(0, "MISP WORKERS OK - ");
    assert!(!quiet.stdout.contains(WARNING), "{quiet:#?}");
    let verbose = m.http("workers", &["-v"]);
    verbose.expect(0, "MISP WORKERS OK - ");
    assert!(
        verbose
            .stdout
            .lines()
            .skip(1)
            .any(|l| l.starts_with(WARNING)),
        "{verbose:#?}"
    );
    let json = m.http("workers", &["-v", "-o", "json"]).json();
    assert!(
        json["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().starts_with(WARNING)),
        "{json}"
    );
    let tls = m.https("workers", &["-v"]);
    tls.expect(0, "MISP WORKERS OK - ");
    assert!(!tls.stdout.contains("clear text"), "{tls:#?}");
}

/// A key MISP rejects and a key of a non-admin user are different causes, named apart.
#[test]
fn rejected_key_and_missing_permission_are_told_apart() {
    let m = common::Misp::start();
    std::fs::write(m.path("unknown"), matrix::UNKNOWN_KEY).unwrap();
    std::fs::write(m.path("ro"), misp_sim::READONLY_KEY).unwrap();
    let url = m.sim.http_url();
    let unknown = common::run(&["workers", "--url", &url, "--key-file", &m.path("unknown")]);
    unknown.expect(
        2,
        "MISP WORKERS CRITICAL - MISP answered 403: the API key was not accepted",
    );
    assert!(!unknown.stdout.contains(matrix::UNKNOWN_KEY));
    let ro = common::run(&["workers", "--url", &url, "--key-file", &m.path("ro")]);
    ro.expect(
        2,
        "MISP WORKERS CRITICAL - MISP answered 403 for GET /servers/getWorkers",
    )
    .says("site admin");
    assert!(!ro.stdout.contains(misp_sim::READONLY_KEY));
}

/// Every check names a transport failure the same way, not just `workers`.
#[test]
fn every_check_names_a_hang_and_a_reset() {
    let m = common::Misp::start();
    m.sim.set_fault(None, misp_sim::Fault::Hang);
    for check in ["login", "events", "latency", "workers", "heal", "jobs"] {
        let state = m.path("state.json");
        m.http(
            check,
            &["-t", "1s", "--state-file", state.as_str()][..if check == "heal" { 4 } else { 2 }],
        )
        .expect(2, &format!("MISP {} CRITICAL - ", check.to_uppercase()))
        .says("timed out after 1s waiting for response headers");
    }
    m.sim.set_fault(None, misp_sim::Fault::ResetMidBody);
    for check in ["login", "events", "latency", "workers", "jobs"] {
        m.http(check, &[])
            .expect(2, &format!("MISP {} CRITICAL - ", check.to_uppercase()))
            .says("while reading the response body");
    }
}
