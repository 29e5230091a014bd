//! The bad-input matrix: every network, TLS, HTTP and command-line
//! failure gives the contract's state and exit code in `nagios` and `okko` modes, one line
//! naming the cause, within the deadline + 1 s, with no panic and no key in the output.
//!
//! The cases live in `matrix/table.rs`; `secrets.rs` runs the same cases with another key.

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

macro_rules! case_names {
    ($($name:ident),* $(,)?) => {
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

each_case!(case_names);

/// A row the list leaves out would never run; a listed case without a row panics.
#[test]
fn the_table_has_one_row_per_listed_case_in_order() {
    assert_eq!(matrix::row_names(), LISTED);
}

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
        3,
        "MISP WORKERS UNKNOWN - MISP answered 403 for GET /servers/getWorkers",
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

/// A key with a typo pasted into MISP_KEY_FILE or --key-file is still mostly the key: not
/// echoed either, while an ordinary missing path is shown as it is.
#[test]
fn key_like_key_file_paths_are_never_echoed() {
    let m = common::Misp::start();
    let url = m.sim.http_url();
    let typo = &DEFAULT_KEY[..39];
    let env = common::run_with(
        &common::bin(),
        &["workers", "--url", &url],
        &[("MISP_KEY_FILE", typo)],
    );
    env.expect(3, "MISP WORKERS UNKNOWN - cannot read API key file [redacted]: No such file or directory (os error 2); the value looks like the key itself, but MISP_KEY_FILE takes");
    let arg = common::run(&["workers", "--url", &url, "--key-file", typo]);
    arg.expect(
        3,
        "MISP WORKERS UNKNOWN - cannot read API key file [redacted]: ",
    )
    .says("but --key-file takes the path of a file holding it");
    for r in [&env, &arg] {
        assert!(!r.stdout.contains(&typo[..30]), "{r:#?}");
    }
    let plain = m.path("misp.example.org.key");
    common::run(&["workers", "--url", &url, "--key-file", &plain]).expect(
        3,
        &format!("MISP WORKERS UNKNOWN - cannot read API key file {plain}: No such file or directory (os error 2)\n"),
    );
}

/// A key file saved by a Windows editor starts with a byte order mark (and may end in
/// CRLF): the key is read all the same. One saved as UTF-16 is named as such.
#[test]
fn key_file_with_a_byte_order_mark_is_read() {
    let m = common::Misp::start();
    std::fs::write(m.path("bom"), format!("\u{feff}{DEFAULT_KEY}\r\n")).unwrap();
    let url = m.sim.http_url();
    common::run(&["workers", "--url", &url, "--key-file", &m.path("bom")])
        .expect(0, "MISP WORKERS OK - ");
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(DEFAULT_KEY.bytes().flat_map(|b| [b, 0]))
        .collect();
    std::fs::write(m.path("utf16"), utf16).unwrap();
    let path = m.path("utf16");
    common::run(&["workers", "--url", &url, "--key-file", &path]).expect(
        3,
        &format!("MISP WORKERS UNKNOWN - cannot read API key file {path}: is not UTF-8 text (it looks like UTF-16: save it as plain text)\n"),
    );
}
