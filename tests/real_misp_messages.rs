//! What the messages say when the real MISP fails in ways production MISPs do: each names
//! what was really asked and what MISP itself said, and no fault is described as another.

mod realmisp;

use realmisp::{changing, misp, reading, Undo};
use std::os::unix::fs::PermissionsExt;

#[test]
fn a_wrong_path_prefix_is_in_the_message_and_heartbeat_does_not_blame_the_version() {
    let Some(m) = misp() else { return };
    let _lock = reading();
    let wrong = format!("{}/mispx", m.http);
    let key = m.key_file();
    m.run(&["events", "-u", &wrong, "-k", &key]).expect(
        2,
        "MISP EVENTS CRITICAL - MISP answered 404 for GET /mispx/events/index/",
    );
    m.run(&["workers", "-u", &wrong, "-k", &key]).expect(
        2,
        "MISP WORKERS CRITICAL - MISP answered 404 for GET /mispx/servers/getWorkers",
    );
    // This 2.5.1 has /users/heartbeat: under a wrong path the answer is the URL's fault.
    let r = m.run(&["heartbeat", "-u", &wrong]);
    r.expect(
        2,
        "MISP HEARTBEAT CRITICAL - no MISP under the URL's path /mispx",
    )
    .says("GET /mispx/users/heartbeat")
    .says("check the path in --url");
    assert!(!r.stdout.contains("MISP version"), "{r:#?}");
    m.run(&["heartbeat", "-u", &m.http])
        .expect(0, "MISP HEARTBEAT OK");
}

#[test]
fn verbose_output_shows_the_request_that_failed() {
    let Some(m) = misp() else { return };
    let _lock = reading();
    let wrong = format!("{}/mispx", m.http);
    let key = m.key_file();
    m.run(&["workers", "-u", &wrong, "-k", &key, "-v"])
        .expect(2, "MISP WORKERS CRITICAL")
        .says(&format!("GET {wrong}/servers/getWorkers -> 404 ("));
    // Nothing listens on the port next to MISP's database (a port setup.sh never binds).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let url = format!("http://127.0.0.1:{closed}");
    m.run(&["workers", "-u", &url, "-k", &key, "-v"])
        .expect(2, "MISP WORKERS CRITICAL - connection refused")
        .says(&format!(
            "GET {url}/servers/getWorkers -> failed: connection refused"
        ));
    // A failed handshake: MISP's own certificate, not trusted without --ca-cert.
    m.run(&["workers", "-u", &m.https, "-k", &key, "-v"])
        .expect(2, "MISP WORKERS CRITICAL - TLS with 127.0.0.1 failed")
        .says(&format!(
            "GET {}/servers/getWorkers -> failed: connected to 127.0.0.1:",
            m.https
        ));
}

/// Appends `text` to a file of MISP's and puts the original back afterwards.
fn break_file(path: std::path::PathBuf, text: &str) -> Undo<impl FnMut()> {
    let original = std::fs::read(&path).expect("read file to break");
    let mut broken = original.clone();
    broken.extend_from_slice(text.as_bytes());
    std::fs::write(&path, broken).expect("break file");
    Undo(move || std::fs::write(&path, &original).expect("restore file"))
}

#[test]
fn misp_failing_as_a_whole_with_empty_500s_names_its_logs() {
    let Some(m) = misp() else { return };
    let _lock = changing();
    let key = m.key_file();
    {
        // A hand edit gone wrong: PHP cannot parse MISP's config, every page is an empty 500.
        let _undo = break_file(
            m.dir.join("MISP/app/Config/config.php"),
            "\n$config = array(,\n",
        );
        // PHP's opcache notices the changed file within its revalidation period.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let r = loop {
            let r = m.run(&["workers", "-u", &m.http, "-k", &key]);
            if r.code != 0 || std::time::Instant::now() > until {
                break r;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
        };
        r.expect(
            2,
            "MISP WORKERS CRITICAL - MISP answered 500 for GET /servers/getWorkers with an empty body; its login page answers 500 too, so MISP fails as a whole: its app/tmp/logs/error.log",
        );
        assert!(!r.stdout.contains("HTML"), "{r:#?}");
        m.run(&["login", "-u", &m.http])
            .expect(2, "MISP LOGIN CRITICAL - login page answered 500, expected 200-202,299; MISP itself fails: its app/tmp/logs/error.log");
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while m.run(&["workers", "-u", &m.http, "-k", &key]).code != 0 {
        assert!(std::time::Instant::now() < until, "MISP did not recover");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
fn a_maintenance_page_keeps_its_title_and_retry_after() {
    let Some(m) = misp() else { return };
    let _lock = changing();
    let webroot = m.dir.join("MISP/app/webroot");
    let page = webroot.join("maintenance-check-misp.html");
    std::fs::write(
        &page,
        "<html><head><title>MISP down for upgrade until 14:00</title></head><body>Back soon.</body></html>\n",
    )
    .expect("write maintenance page");
    let _page = Undo(|| {
        let _ = std::fs::remove_file(&page);
    });
    // What an admin puts in front of MISP during an upgrade, in Apache's own terms.
    let htaccess = webroot.join(".htaccess");
    let original = std::fs::read_to_string(&htaccess).expect(".htaccess");
    let maintenance = "ErrorDocument 503 /maintenance-check-misp.html\n\
        Header always set Retry-After \"600\"\n\
        RewriteEngine On\n\
        RewriteCond %{REQUEST_URI} !=/maintenance-check-misp.html\n\
        RewriteRule ^ - [R=503,L]\n";
    std::fs::write(&htaccess, format!("{maintenance}{original}")).expect("write .htaccess");
    let _undo = Undo(|| std::fs::write(&htaccess, &original).expect("restore .htaccess"));
    m.run(&["workers", "-u", &m.http, "-k", &m.key_file()]).expect(
        2,
        "MISP WORKERS CRITICAL - MISP answered 503 for GET /servers/getWorkers (an HTML error page titled \"MISP down for upgrade until 14:00\"); it asks to retry after 600s",
    );
}

#[test]
fn a_valid_key_refused_for_an_unwritable_sessions_directory_keeps_misps_words() {
    let Some(m) = misp() else { return };
    let _lock = changing();
    let sessions = m.dir.join("MISP/app/tmp/sessions");
    let mode = std::fs::metadata(&sessions)
        .expect("sessions dir")
        .permissions()
        .mode();
    std::fs::set_permissions(&sessions, std::fs::Permissions::from_mode(0o000))
        .expect("chmod sessions");
    let _undo = Undo(|| {
        std::fs::set_permissions(&sessions, std::fs::Permissions::from_mode(mode))
            .expect("restore sessions mode");
    });
    m.run(&["workers", "-u", &m.http, "-k", &m.key_file()])
        .expect(2, "MISP WORKERS CRITICAL - MISP answered 403: the API key was not accepted; MISP says \"Authentication failed.")
        .says("app/tmp/sessions")
        .says("app/tmp/logs/error.log");
}

#[test]
fn misp_locked_out_of_supervisord_reports_no_worker_count() {
    let Some(m) = misp() else { return };
    let _lock = changing();
    let setting = "SimpleBackgroundJobs.supervisor_password";
    let password = std::fs::read_to_string(m.dir.join("etc/supervisor_password"))
        .expect("supervisor password")
        .trim()
        .to_owned();
    m.cake(&["Admin", "setSetting", setting, "not-the-password"]);
    let _undo = Undo(|| {
        m.cake(&["Admin", "setSetting", setting, &password]);
    });
    // The workers run all along; MISP only cannot ask supervisord about them.
    assert!(m.supervisorctl(&["status"]).contains("RUNNING"));
    let r = m.run(&["workers", "-u", &m.http, "-k", &m.key_file()]);
    r.expect(
        2,
        "MISP WORKERS CRITICAL - supervisord is down or MISP cannot reach it",
    )
    .says("supervisor_password")
    .says("whether they run is unknown");
    assert!(!r.stdout.contains("0 workers alive"), "{r:#?}");
    assert!(!r.stdout.contains("no live worker"), "{r:#?}");
}
