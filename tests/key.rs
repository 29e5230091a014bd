//! `key`: days left on the API key in use, read from the `X-Auth-Key-Expiration` MISP
//! sends, and the key's limits from MISP's auth key index.

mod common;
use common::Misp;
use std::time::{SystemTime, UNIX_EPOCH};

fn in_days(days: u64) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    now + days * 86_400 + 3600
}

#[test]
fn days_left_against_the_default_minimums() {
    let m = Misp::start();
    for (days, code, state) in [(40u32, 0, "OK"), (10, 1, "WARNING"), (2, 2, "CRITICAL")] {
        m.sim.set_key(Some(in_days(u64::from(days))), false, &[]);
        let r = m.https("key", &[]);
        r.expect(
            code,
            &format!("MISP KEY {state} - API key expires in {days} days ("),
        );
        assert_eq!(r.perf("days"), Some(f64::from(days)), "{r:#?}");
        assert!(r.status_line().ends_with(";14:;3:"), "{r:#?}");
    }
    m.sim.set_key(Some(in_days(10)), false, &[]);
    m.https("key", &["-w", "5", "-c", "1"])
        .expect(0, "MISP KEY OK - API key expires in 10 days (");
}

#[test]
fn one_request_with_the_key_ends_in_its_body_only() {
    let m = Misp::start();
    m.sim.set_key(None, false, &[]);
    let r = m.http("key", &["-v"]);
    r.expect(
        0,
        "MISP KEY OK - API key has no expiry\nadvanced auth key #3 (monitoring) of admin@admin.test\nPOST http://",
    );
    assert_eq!(r.perf("days"), None, "no expiry, no number: {r:#?}");
    assert_eq!(
        m.sim.counts().into_iter().collect::<Vec<_>>(),
        [("POST /auth_keys/index".to_owned(), 1)]
    );
    // The filter names the key by its first and last four characters, which stay out of
    // the URL (and so out of -v and MISP's access log).
    assert!(!r.stdout.contains("SimS"), "{r:#?}");
}

#[test]
fn read_only_and_allowed_addresses_are_said() {
    let m = Misp::start();
    m.sim
        .set_key(Some(in_days(100)), true, &["127.0.0.1", "::1"]);
    m.https("key", &[])
        .expect(0, "MISP KEY OK - API key expires in 100 days (")
        .says("); read-only; usable only from 127.0.0.1, ::1 |");
}

#[test]
fn a_classic_key_never_expires_and_is_said_to_be_one() {
    let m = Misp::start();
    m.sim.set_key(Some(in_days(1)), false, &[]);
    m.sim.set_classic_key(true);
    m.https("key", &[])
        .expect(0, "MISP KEY OK - API key has no expiry: MISP lists no advanced auth key like it, so it is a classic key (Security.advanced_authkeys off), which never expires");
}

#[test]
fn verbose_output_of_any_check_mentions_a_near_expiry() {
    let m = Misp::start();
    m.sim.set_key(Some(in_days(5)), false, &[]);
    let near = m.https("version", &["-v"]);
    near.expect(0, "MISP VERSION OK - ");
    assert!(
        near.stdout
            .contains("\nnote: MISP says the API key expires in 5 days ("),
        "{near:#?}"
    );
    m.sim.set_key(Some(in_days(60)), false, &[]);
    let far = m.https("version", &["-v"]);
    assert!(!far.stdout.contains("expires in"), "{far:#?}");
    m.sim.set_key(Some(in_days(5)), false, &[]);
    let quiet = m.https("version", &[]);
    assert!(!quiet.stdout.contains("expires in"), "{quiet:#?}");
}

#[test]
fn line_modes_keep_their_layout() {
    let m = Misp::start();
    m.sim.set_key(Some(in_days(10)), false, &[]);
    let snmp = m.https("key", &["-o", "snmp"]);
    assert_eq!(snmp.stdout, "10\n", "{snmp:#?}");
    let cacti = m.https("key", &["-o", "cacti"]);
    assert_eq!(cacti.stdout, "days:10\n", "{cacti:#?}");
    let prometheus = m.https("key", &["-o", "prometheus"]);
    assert!(
        prometheus.stdout.contains("\nmisp_key_days 10\n"),
        "{prometheus:#?}"
    );
    m.sim.set_key(None, false, &[]);
    let snmp = m.https("key", &["-o", "snmp"]);
    let cacti = m.https("key", &["-o", "cacti"]);
    assert_eq!(
        (snmp.stdout.as_str(), cacti.stdout.as_str()),
        ("-1\n", "days:U\n")
    );
}
