//! `sync` against two real MISPs: the default one, and a partner this test starts itself
//! (`../shared/real-misp/setup.sh` with its own state directory and ports, one worker per
//! queue) unless one already runs there, and stops (purged) after.
//!
//! On the partner: a sync user (role 5) with a key; on the default MISP: a server entry
//! for the partner, added through the API. Cases: connected; a second partner that
//! accepts the connection and never answers (named, within `-t`, the first still
//! judged); the partner's Apache killed by its pidfile (unreachable); the partner's key
//! deleted (refused); a plain user's key on `sync`. Each case is undone, and the users and
//! servers are deleted at the end.

mod realmisp;
use realmisp::{api, changing, env_or, misp, RealMisp, Undo};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SERVER: &str = "check-misp-sync-partner";

/// The partner MISP: its state directory, ports and admin key.
struct Partner {
    dir: PathBuf,
    ports: [(&'static str, String); 5],
    http: String,
    admin_key: String,
    /// Started by this test, so stopped (and purged) by it.
    started: bool,
}

/// `setup.sh` or `stop.sh` beside the one `REAL_MISP_SETUP` names, or in ../shared/real-misp.
fn setup_script(name: &str) -> PathBuf {
    let dir = std::env::var_os("REAL_MISP_SETUP")
        .and_then(|s| PathBuf::from(s).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-misp"));
    dir.join(name)
}

impl Partner {
    fn up(&self) -> bool {
        let port = self.ports[0].1.parse().unwrap_or(0);
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    }

    fn script(&self, name: &str, args: &[&str]) {
        if let Err(log) = self.try_script(name, args) {
            // A first set-up on a loaded machine can fail on a slow start (MariaDB, Apache):
            // once more from scratch, then say what the script said.
            if name == "setup.sh" {
                let _ = self.try_script("stop.sh", &["--purge"]);
                if self.try_script(name, args).is_ok() {
                    return;
                }
            }
            panic!(
                "{name} for the partner MISP in {} failed:\n{log}",
                self.dir.display()
            );
        }
    }

    /// Runs the kit's script; on failure, the end of what it printed, keys masked (its log
    /// names the admin key).
    fn try_script(&self, name: &str, args: &[&str]) -> Result<(), String> {
        let mut cmd = Command::new("bash");
        cmd.arg(setup_script(name)).args(args).env("R", &self.dir);
        for (knob, value) in &self.ports {
            cmd.env(knob, value);
        }
        for queue in ["DEFAULT", "PRIO", "EMAIL", "CACHE", "UPDATE"] {
            cmd.env(format!("WORKERS_{queue}"), "1");
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let masked: Vec<String> = text
            .lines()
            .rev()
            .take(30)
            .map(|l| {
                l.split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| w.len() == 40)
                    .fold(l.to_owned(), |l, w| l.replace(w, "<key>"))
            })
            .collect();
        Err(masked.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }

    /// The partner named by REAL_MISP_PARTNER_* (default /tmp/realmisp-sync-partner on the
    /// 49xxx ports), started when it does not answer.
    fn start() -> Partner {
        let port =
            |knob: &str, default: &str| env_or(&format!("REAL_MISP_PARTNER_{knob}"), default);
        let ports = [
            ("HTTP_PORT", port("HTTP_PORT", "49080")),
            ("HTTPS_PORT", port("HTTPS_PORT", "49443")),
            ("DB_PORT", port("DB_PORT", "49306")),
            ("REDIS_PORT", port("REDIS_PORT", "49379")),
            ("SUPERVISOR_PORT", port("SUPERVISOR_PORT", "49001")),
        ];
        let mut p = Partner {
            dir: PathBuf::from(env_or(
                "REAL_MISP_PARTNER_DIR",
                "/tmp/realmisp-sync-partner",
            )),
            http: format!("http://127.0.0.1:{}", ports[0].1),
            ports,
            admin_key: String::new(),
            started: false,
        };
        if !p.up() {
            p.started = true;
            p.script("setup.sh", &[]);
        }
        p.admin_key = std::fs::read_to_string(p.dir.join("key"))
            .map(|k| k.trim().to_owned())
            .unwrap_or_default();
        assert_eq!(p.admin_key.len(), 40, "no admin key in {}", p.dir.display());
        p
    }

    /// Kills its Apache by the pidfile, as an outage would, and waits until the port is closed.
    fn kill_apache(&self) {
        let pid = std::fs::read_to_string(self.dir.join("run/apache2.pid")).unwrap_or_default();
        let pid = pid.trim();
        assert!(pid.parse::<u32>().is_ok(), "no Apache pid for the partner");
        let killed = Command::new("kill").args(["-TERM", pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill {pid}");
        let until = Instant::now() + Duration::from_secs(20);
        while self.up() {
            assert!(Instant::now() < until, "the partner's Apache still answers");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Partner {
    fn drop(&mut self) {
        if self.started {
            self.script("stop.sh", &["--purge"]);
        }
    }
}

/// A user on `http` with `role`, and a key of it, as (user id, key id, key).
fn user_with_key(http: &str, admin: &str, email: &str, role: u32) -> (String, String, String) {
    let (status, made) = api(
        http,
        admin,
        "POST",
        "/admin/users/add",
        Some(&json!({"email": email, "org_id": 1, "role_id": role})),
    );
    let id = made["User"]["id"].as_str().map(str::to_owned);
    let id = id.unwrap_or_else(|| panic!("user add on {http} answered {status}"));
    let (key_id, key) = new_key(http, admin, &id);
    (id, key_id, key)
}

fn new_key(http: &str, admin: &str, user: &str) -> (String, String) {
    let (status, k) = api(
        http,
        admin,
        "POST",
        &format!("/auth_keys/add/{user}"),
        Some(&json!({"comment": "check_misp sync test"})),
    );
    match (
        k["AuthKey"]["id"].as_str(),
        k["AuthKey"]["authkey_raw"].as_str(),
    ) {
        (Some(id), Some(key)) => (id.to_owned(), key.to_owned()),
        _ => panic!("auth key add on {http} answered {status}"),
    }
}

fn add_server(m: &RealMisp, name: &str, url: &str, authkey: &str) -> String {
    let body = json!({"name": name, "url": url, "authkey": authkey, "remote_org_id": 1,
                      "pull": true, "push": true});
    let (status, made) = api(&m.http, &m.key, "POST", "/servers/add", Some(&body));
    let id = made["Server"]["id"].as_str().map(str::to_owned);
    id.unwrap_or_else(|| panic!("server add answered {status}"))
}

/// Every output mode, with -v, for the same selection: the partner's key in none.
fn assert_key_hidden(m: &RealMisp, key: &str) {
    for mode in [
        "nagios",
        "okko",
        "json",
        "snmp",
        "cacti",
        "prometheus",
        "checkmk",
    ] {
        let r = m.http("sync", &["--server", SERVER, "-o", mode, "-v", "-v"]);
        for text in [&r.stdout, &r.stderr] {
            assert!(!text.contains(key), "partner key shown in mode {mode}");
        }
    }
}

#[test]
fn sync_sees_a_partner_connected_silent_down_refusing_and_a_plain_key() {
    let Some(m) = misp() else { return };
    let _lock = changing();
    let partner = Partner::start();
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let sync_email = format!("sync-{stamp}@check-misp.test");
    let (sync_user, sync_key_id, sync_key) =
        user_with_key(&partner.http, &partner.admin_key, &sync_email, 5);
    let _sync_user = Undo(|| {
        let path = format!("/admin/users/delete/{sync_user}");
        api(&partner.http, &partner.admin_key, "POST", &path, None);
    });
    let server = add_server(m, SERVER, &partner.http, &sync_key);
    let _server = Undo(|| {
        api(
            &m.http,
            &m.key,
            "POST",
            &format!("/servers/delete/{server}"),
            None,
        );
    });

    // Connected.
    let r = m.http("sync", &["--server", SERVER]);
    r.expect(0, "MISP SYNC OK - 1 sync server connected | servers=1;;;0 connected=1;;;0;1 failing=0;;;0;1 time_check_misp_sync_partner=");
    r.says(&format!(
        "[OK] server \"{SERVER}\" ({}) (id {server}): connected, partner MISP 2.5.1",
        partner.http
    ));
    assert_key_hidden(m, &sync_key);

    // A partner that takes the connection and never answers: named within -t, while the
    // real partner is still judged. The listener's backlog completes the handshake.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let silent_url = format!("http://{}", silent.local_addr().expect("address"));
    let silent_id = add_server(m, "check-misp-sync-silent", &silent_url, &sync_key);
    let start = Instant::now();
    let r = m.http(
        "sync",
        &[
            "--server",
            SERVER,
            "--server",
            "check-misp-sync-silent",
            "-t",
            "4",
        ],
    );
    let took = start.elapsed();
    r.expect(2, &format!("MISP SYNC CRITICAL - server \"check-misp-sync-silent\" ({silent_url}): did not answer within 4s: MISP is still waiting for the partner"));
    r.says("; 1 of 2 fine |")
        .says(&format!("[OK] server \"{SERVER}\""));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // Closing the listener resets the connection MISP still waits on.
    drop(silent);
    api(
        &m.http,
        &m.key,
        "POST",
        &format!("/servers/delete/{silent_id}"),
        None,
    );

    // The partner's Apache killed: unreachable, well within -t.
    {
        let _restart = Undo(|| partner.script("setup.sh", &[]));
        partner.kill_apache();
        let start = Instant::now();
        m.http("sync", &["--server", SERVER, "-t", "10"]).expect(
            2,
            &format!("MISP SYNC CRITICAL - server \"{SERVER}\" ({}): unreachable: check that the partner is up", partner.http),
        );
        assert!(start.elapsed() < Duration::from_secs(10));
    }
    m.http("sync", &["--server", SERVER])
        .expect(0, "MISP SYNC OK");

    // The partner's key deleted there: refused. Undone with a fresh key in the server entry.
    api(
        &partner.http,
        &partner.admin_key,
        "POST",
        &format!("/auth_keys/delete/{sync_key_id}"),
        None,
    );
    m.http("sync", &["--server", SERVER]).expect(
        2,
        &format!("MISP SYNC CRITICAL - server \"{SERVER}\" ({}): the partner refused the key: the key was changed or expired", partner.http),
    );
    let (_, fresh) = new_key(&partner.http, &partner.admin_key, &sync_user);
    let (status, _) = api(
        &m.http,
        &m.key,
        "POST",
        &format!("/servers/edit/{server}"),
        Some(&json!({"authkey": fresh})),
    );
    assert_eq!(status, 200, "server edit");
    m.http("sync", &["--server", SERVER])
        .expect(0, "MISP SYNC OK");
    assert_key_hidden(m, &fresh);

    // A plain user's key on `sync`: told it needs a site admin, as `workers` says.
    let plain_email = format!("plain-{stamp}@check-misp.test");
    let (plain_user, _, plain_key) = user_with_key(&m.http, &m.key, &plain_email, 3);
    let _plain_user = Undo(|| {
        let path = format!("/admin/users/delete/{plain_user}");
        api(&m.http, &m.key, "POST", &path, None);
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let plain_file = dir.path().join("plain-key");
    std::fs::write(&plain_file, &plain_key).expect("key file");
    let plain_file = plain_file.display().to_string();
    let r = m.run(&["sync", "-u", &m.http, "-k", &plain_file]);
    r.expect(3, "MISP SYNC UNKNOWN - MISP answered 403 for GET /servers/index: You do not have permission to use this functionality. (the key's user must be a site admin, and the key not read-only)");
    assert!(!r.stdout.contains(&plain_key));
}
