//! MISP switched offline (`cake Admin live 0`) on the real MISP 2.5.1: a site admin's key
//! still gets every answer, so only MISP's own report tells it, and a plain user's key is
//! sent to the login page. Each test puts MISP back online and removes the user it made.

mod realmisp;

use realmisp::{changing, misp, RealMisp, Undo};

#[test]
fn offline_is_critical_in_diagnostics_and_named_where_a_user_key_is_turned_away() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let dir = tempfile::tempdir().expect("temp dir");
    let (id, key) = m.plain_user("offline-check@admin.test");
    let user_key = RealMisp::write_key(dir.path(), "user", &key);
    let _user = Undo(|| m.delete_user(&id));
    let said = m.cake(&["Admin", "live", "0"]);
    assert!(said.contains("MISP is now disabled"), "{said}");
    let _live = Undo(|| {
        m.cake(&["Admin", "live", "1"]);
        // Back online once the user's key is served again.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while m
            .run(&["version", "--url", &m.http, "--key-file", &user_key])
            .code
            != 0
            && std::time::Instant::now() < until
        {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    });
    // PHP's opcache rereads the changed config.php within 2 seconds.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let r = loop {
        let r = m.http("diagnostics", &[]);
        if r.code == 2 || std::time::Instant::now() > until {
            break r;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    r.expect(2, "MISP DIAGNOSTICS CRITICAL - ")
        .says("MISP is offline (MISP.live is off) (MISP says: MISP disabled.): only site admins can use it, every other user and API key is locked out");
    // Only the settings that are misconfigured count as settings errors.
    assert_eq!(r.perf("settings_errors"), Some(10.0), "{r:#?}");
    // MISP's own sentence about the offline MISP is the first problem, before any other.
    assert!(
        r.stdout
            .split_once(" - ")
            .is_some_and(|(_, rest)| rest.contains(": MISP is offline")),
        "{r:#?}"
    );
    m.http("diagnostics", &["--ignore", "live"])
        .expect(1, "MISP DIAGNOSTICS WARNING - ");
    // A plain user's key is sent to the login page.
    m.run(&["version", "--url", &m.http, "--key-file", &user_key])
        .expect(2, "MISP VERSION CRITICAL - MISP answered 302 redirecting /servers/getVersion to ")
        .says("/users/login (MISP sends this key to its login page: MISP is most likely offline, MISP.live off, where only site admins may use it;");
}
