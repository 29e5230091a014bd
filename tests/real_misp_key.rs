//! The API key's expiry and limits on the real MISP 2.5.1: a key made with an expiry, read-only
//! and limited to loopback, and a classic key (advanced auth keys off). Each key a test makes
//! is deleted after it, and the setting put back.

mod realmisp;

use realmisp::{changing, misp, RealMisp, Undo};
use std::time::{SystemTime, UNIX_EPOCH};

fn date_in_days(days: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let t = now + days * 86_400;
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%d"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Waits until MISP takes the key in `file`: PHP's opcache rereads a changed config.php
/// only every 2 seconds.
fn accepted(m: &RealMisp, file: &str) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = m.run(&["version", "--url", &m.http, "--key-file", file]);
        if r.code == 0 {
            return;
        }
        assert!(std::time::Instant::now() < until, "key not taken: {r:#?}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

#[test]
fn the_installed_key_has_no_expiry() {
    let Some(m) = misp() else { return };
    let _read = realmisp::reading();
    m.http("key", &[])
        .expect(
            0,
            "MISP KEY OK - API key has no expiry\nadvanced auth key #",
        )
        .says(" of admin@admin.test\n");
}

#[test]
fn a_key_with_an_expiry_is_counted_down_and_its_limits_said() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let dir = tempfile::tempdir().expect("temp dir");
    let made = m.api(
        "POST",
        "/auth_keys/add/1",
        &serde_json::json!({
            "expiration": date_in_days(10),
            "comment": "check_misp test",
            "read_only": 1,
            "allowed_ips": ["127.0.0.1", "::1"]
        }),
    );
    let id = made["AuthKey"]["id"]
        .as_str()
        .expect("new key id")
        .to_owned();
    let raw = made["AuthKey"]["authkey_raw"]
        .as_str()
        .expect("new key")
        .to_owned();
    let _undo = Undo(|| {
        m.api(
            "POST",
            &format!("/auth_keys/delete/{id}"),
            &serde_json::json!({}),
        );
    });
    let file = RealMisp::write_key(dir.path(), "expiring", &raw);
    let r = m.run(&["key", "--url", &m.http, "--key-file", &file]);
    // Midnight UTC ten days on: 9 whole days and some hours left.
    r.expect(1, "MISP KEY WARNING - API key expires in 9 days (")
        .says("+00:00); read-only; usable only from 127.0.0.1, ::1 | days=9;14:;3:")
        .says("\nadvanced auth key #");
    assert_eq!(r.perf("days"), Some(9.0));
    m.run(&["key", "--url", &m.http, "--key-file", &file, "-w", "5"])
        .expect(0, "MISP KEY OK - API key expires in 9 days (");
    // Any check's -v says it.
    m.run(&["version", "--url", &m.http, "--key-file", &file, "-v"])
        .expect(0, "MISP VERSION OK - MISP 2.5.1")
        .says("\nnote: MISP says the API key expires in 9 days (");
}

#[test]
fn a_classic_key_is_said_to_never_expire() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let dir = tempfile::tempdir().expect("temp dir");
    let was = m.cake(&["Admin", "getSetting", "Security.advanced_authkeys"]);
    assert!(
        was.contains("\"value\": true"),
        "advanced auth keys are on: {was}"
    );
    m.cake(&["Admin", "setSetting", "Security.advanced_authkeys", "false"]);
    let _undo = Undo(|| {
        m.cake(&["Admin", "setSetting", "Security.advanced_authkeys", "true"]);
        accepted(m, &m.key_file());
    });
    let classic = format!("ClassicCheckMispKey{:021}", std::process::id());
    let said = m.cake(&["user", "change_authkey", "admin@admin.test", &classic]);
    assert!(said.contains("Authentication key changed"), "{said}");
    let file = RealMisp::write_key(dir.path(), "classic", &classic);
    accepted(m, &file);
    m.run(&["key", "--url", &m.http, "--key-file", &file])
        .expect(0, "MISP KEY OK - API key has no expiry: MISP lists no advanced auth key like it, so it is a classic key (Security.advanced_authkeys off), which never expires");
}
