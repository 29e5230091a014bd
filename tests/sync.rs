//! `sync` against the simulator: MISP's connection test to each partner, every status it
//! answers, a test that never ends, selection, and the partner keys that must never show.

mod common;
use common::{run, Misp};
use misp_sim::{Connection, Fault, SyncServer, READONLY_KEY};
use std::time::Duration;

/// A partner key as MISP stores it in a server entry.
const PARTNER_KEY: &str = "PartnerSyncKeyThatMustNeverShow000000042";

fn partner(name: &str, port: u16) -> SyncServer {
    SyncServer {
        authkey: PARTNER_KEY.into(),
        ..SyncServer::new(name, &format!("https://127.0.0.1:{port}"))
    }
}

#[test]
fn connected_partners_are_ok_with_perfdata() {
    let m = Misp::start();
    m.sim.add_server(partner("alpha", 1001));
    m.sim.add_server(SyncServer {
        pull: false,
        push: false,
        ..partner("off", 1002)
    });
    m.sim.add_server(partner("beta", 1003));
    let r = m.http("sync", &[]);
    r.expect(0, "MISP SYNC OK - 2 sync servers connected | servers=2;;;0 connected=2;;;0;2 failing=0;;;0;2 time_alpha=");
    assert!(r.perf("time_beta").is_some(), "{r:#?}");
    assert!(
        r.stdout.contains(
            "[OK] server \"alpha\" (https://127.0.0.1:1001) (id 1): connected, partner MISP 2.5.1"
        ),
        "{r:#?}"
    );
    assert_eq!(m.sim.count("POST /servers/testConnection"), 2);
    // Not in `all` by default: each test costs MISP requests to its partners.
    m.sim.reset_counts();
    let all = m.http("all", &["--only", "version,sync"]);
    assert_eq!(all.code, 0, "{all:#?}");
    assert!(
        all.stdout
            .contains("\\_[OK] sync - 2 sync servers connected"),
        "{all:#?}"
    );
    assert_eq!(m.sim.count("POST /servers/testConnection"), 2);
    m.sim.reset_counts();
    let _ = m.http("all", &[]);
    assert_eq!(m.sim.count("GET /servers/index"), 0);
    assert_eq!(m.sim.count("POST /servers/testConnection"), 0);
}

#[test]
fn each_failure_names_the_server_and_what_to_do() {
    let m = Misp::start();
    let id = m.sim.add_server(partner("gamma", 2001));
    let cases = [
        (
            Connection::Unreachable,
            2,
            "unreachable: check that the partner is up",
        ),
        (
            Connection::Unexpected,
            2,
            "unexpected answer, not a MISP's: check that the URL",
        ),
        (Connection::KeyRefused, 2, "the partner refused the key: "),
        (
            Connection::PasswordChange,
            2,
            "must change its password: log in to the partner",
        ),
        (
            Connection::TermsNotAccepted,
            2,
            "terms of use: log in to the partner",
        ),
        (
            Connection::NotSyncUser,
            2,
            "not a sync user (pushing fails): give that user a sync role",
        ),
        (Connection::SightingsOnly, 2, "only push sightings"),
        (
            Connection::Connected { post: 9 },
            2,
            "connected, but pushing will fail: the body",
        ),
    ];
    for (connection, code, text) in cases {
        m.sim.set_server_connection(id, connection);
        m.http("sync", &[])
            .expect(code, "MISP SYNC ")
            .says("server \"gamma\" (https://127.0.0.1:2001): ")
            .says(text);
    }
    m.sim
        .set_server_connection(id, Connection::Connected { post: 1 });
    m.sim.set_version("2.4.199");
    m.http("sync", &[])
        .expect(1, "MISP SYNC WARNING - server \"gamma\" (https://127.0.0.1:2001): minor version mismatch: the partner runs 2.5.1, this MISP 2.4.199 (sync is incompatible): update this MISP");
}

#[test]
fn a_partner_that_never_answers_is_named_within_the_deadline() {
    let m = Misp::start();
    m.sim.add_server(partner("fine", 3001));
    let slow = m.sim.add_server(partner("silent", 3002));
    m.sim.add_server(SyncServer {
        connection: Connection::KeyRefused,
        ..partner("refused", 3003)
    });
    m.sim.set_fault(
        Some(&format!("/servers/testConnection/{slow}")),
        Fault::Hang,
    );
    // `run` asserts the check ends within -t + 1 s.
    let r = m.http("sync", &["-t", "2"]);
    r.expect(2, "MISP SYNC CRITICAL - server \"silent\" (https://127.0.0.1:3002): did not answer within 2s; server \"refused\" (https://127.0.0.1:3003): the partner refused the key; 1 of 3 fine |");
    assert!(r.elapsed >= Duration::from_secs(2), "{r:#?}");
    assert!(r.stdout.contains("[OK] server \"fine\""), "{r:#?}");
    assert!(r.stdout.contains("[CRITICAL] server \"silent\" (https://127.0.0.1:3002) (id 2): did not answer within 2s: MISP is still waiting for the partner"), "{r:#?}");
    assert_eq!(r.perf("connected"), Some(1.0));
    assert_eq!(r.perf("failing"), Some(2.0));
}

#[test]
fn selection_by_name_or_id_and_nothing_to_test() {
    let m = Misp::start();
    m.http("sync", &[]).expect(
        0,
        "MISP SYNC OK - no sync server to test: MISP has no servers configured | servers=0",
    );
    m.sim.add_server(partner("alpha", 1));
    m.sim.add_server(SyncServer {
        connection: Connection::Unreachable,
        ..partner("Beta", 2)
    });
    m.http("sync", &["--server", "alpha"])
        .expect(0, "MISP SYNC OK - 1 sync server connected");
    m.http("sync", &["--ignore-server", "beta"])
        .expect(0, "MISP SYNC OK - 1 sync server connected");
    m.http("sync", &["--server", "2"])
        .expect(2, "MISP SYNC CRITICAL - server \"Beta\"");
    m.http("sync", &["--server", "1", "--server", "delta"])
        .expect(3, "MISP SYNC UNKNOWN - --server delta: MISP has no such server: check the name or id in MISP's server list; 1 of 1 fine");
    m.http("sync", &["--ignore-server", "1", "--ignore-server", "Beta"])
        .expect(
            0,
            "MISP SYNC OK - no sync server left to test: 2 servers ignored",
        );
    // Refused before any request.
    m.sim.reset_counts();
    m.http("sync", &["--ignore-server", " "]).expect(
        3,
        "MISP SYNC UNKNOWN - --ignore-server needs a server's name or id, not an empty value",
    );
    assert_eq!(m.sim.count("GET /servers/index"), 0);
}

#[test]
fn a_key_without_site_admin_rights_is_told_so() {
    let m = Misp::start();
    let key = m.path("plain-key");
    std::fs::write(&key, READONLY_KEY).unwrap();
    let url = m.sim.http_url();
    run(&["sync", "-u", &url, "-k", &key]).expect(
        3,
        "MISP SYNC UNKNOWN - MISP answered 403 for GET /servers/index: You do not have permission to use this functionality. (the key's user must be a site admin, and the key not read-only)",
    );
}

/// Older MISPs list each server's authkey in the index; a broken answer may carry it too.
/// No mode, no -v line and no error shows it.
#[test]
fn partner_keys_never_show() {
    let m = Misp::start();
    m.sim.add_server(partner("alpha", 1));
    let id = m.sim.add_server(SyncServer {
        connection: Connection::KeyRefused,
        ..partner("beta", 2)
    });
    let listed = format!(
        r#"[{{"Server":{{"id":"1","name":"alpha","url":"https://127.0.0.1:1","authkey":"{PARTNER_KEY}","pull":true,"push":true}}}},{{"Server":{{"id":"{id}","name":"beta","url":"https://127.0.0.1:2","authkey":"{PARTNER_KEY}","pull":true,"push":true}}}}]"#
    );
    let answers = [
        listed.clone(),
        // Cut inside the key: not JSON any more.
        listed[..listed.find(PARTNER_KEY).unwrap() + 20].to_owned(),
        // The key where a name should be.
        listed.replacen(
            "\"name\":\"alpha\"",
            &format!("\"name\":{{\"k\":\"{PARTNER_KEY}\"}}"),
            1,
        ),
        format!(r#"{{"name":"x","message":"x","authkey":"{PARTNER_KEY}"}}"#),
    ];
    for (i, body) in answers.iter().enumerate() {
        let status = if i == 3 { 500 } else { 200 };
        m.sim.set_fault(
            Some("/servers/index"),
            Fault::Status {
                code: status,
                content_type: "application/json; charset=UTF-8".into(),
                body: body.clone(),
            },
        );
        for mode in [
            "nagios",
            "okko",
            "json",
            "snmp",
            "cacti",
            "prometheus",
            "checkmk",
        ] {
            let r = m.http("sync", &["-o", mode, "-v", "-v"]);
            for text in [&r.stdout, &r.stderr] {
                assert!(
                    !text.contains(PARTNER_KEY),
                    "partner key shown ({mode}, answer {i}): {r:#?}"
                );
            }
        }
    }
    m.sim.clear_faults();
    let r = m.http("sync", &["-o", "json", "-v"]);
    assert!(!r.stdout.contains(PARTNER_KEY), "{r:#?}");
    assert_eq!(r.json()["state"], "CRITICAL");
}
