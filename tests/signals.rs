//! Signals: OpenNMS and Icinga send SIGTERM to a plugin that overruns
//! their timeout. check_misp then exits at once with one line saying so, and leaves no
//! partial state or cache file behind.

mod common;
use common::Misp;
use misp_sim::{Fault, SimOptions, DEFAULT_KEY};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RESTART: &str = "POST /servers/restartDeadWorkers";

/// What a signalled run printed, and how long it took to exit after the signal.
#[derive(Debug)]
struct Stopped {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    after_signal: Duration,
}

fn spawn(args: &[&str]) -> Child {
    Command::new(common::bin())
        .args(args)
        .env_remove("MISP_URL")
        .env_remove("MISP_KEY")
        .env_remove("MISP_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls `ready` until it holds (the run reached the phase to interrupt), for 5 s at most.
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(5), "never {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` to `child` and collects what it printed.
fn stop(child: Child, signal: &str) -> Stopped {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let sent = Instant::now();
    let out = child.wait_with_output().unwrap();
    let s = Stopped {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
        after_signal: sent.elapsed(),
    };
    for text in [&s.stdout, &s.stderr] {
        assert!(!text.contains("panicked"), "{s:#?}");
        assert!(!text.contains(DEFAULT_KEY), "{s:#?}");
    }
    assert!(
        s.after_signal < Duration::from_secs(1),
        "slow to stop: {s:#?}"
    );
    s
}

/// The files in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn sigterm_and_sigint_against_a_hanging_misp_end_at_once_with_one_line() {
    let m = Misp::start();
    m.sim.set_fault(None, Fault::Hang);
    let (url, key) = (m.sim.http_url(), m.path("key"));
    let cases = [("TERM", "nagios"), ("TERM", "okko"), ("INT", "nagios")];
    for (requests, (signal, mode)) in (1..).zip(cases) {
        let child = spawn(&[
            "workers",
            "--url",
            &url,
            "--key-file",
            &key,
            "-t",
            "20s",
            "-o",
            mode,
        ]);
        wait_until("sent the request", || {
            m.sim.count("GET /servers/getWorkers") == requests
        });
        let s = stop(child, signal);
        let line =
            format!("MISP WORKERS UNKNOWN - terminated by SIG{signal} before the check finished\n");
        if mode == "okko" {
            assert_eq!((s.stdout.as_str(), s.code), ("KO\n", Some(1)), "{s:#?}");
            assert_eq!(s.stderr, line, "{s:#?}");
        } else {
            assert_eq!(
                (s.stdout.as_str(), s.code),
                (line.as_str(), Some(3)),
                "{s:#?}"
            );
            assert_eq!(s.stderr, "");
        }
    }
}

#[test]
fn sigterm_while_settling_after_a_restart_leaves_a_complete_state_file() {
    let m = Misp::with(SimOptions {
        revive_delay: Duration::from_secs(60),
        ..SimOptions::default()
    });
    m.sim.kill_queue("email");
    std::fs::create_dir(m.path("state")).unwrap();
    let state = m.path("state/heal.json");
    let (url, key) = (m.sim.http_url(), m.path("key"));
    let args = [
        "heal",
        "--url",
        &url,
        "--key-file",
        &key,
        "--state-file",
        &state,
        "--settle",
        "15s",
        "-t",
        "20s",
    ];
    let child = spawn(&args);
    wait_until("restarted", || m.sim.count(RESTART) == 1);
    std::thread::sleep(Duration::from_millis(100));
    let s = stop(child, "TERM");
    assert_eq!(s.code, Some(3), "{s:#?}");
    assert!(
        s.stdout
            .starts_with("MISP HEAL UNKNOWN - terminated by SIGTERM"),
        "{s:#?}"
    );
    // Only whole files: the state (valid, recording the restart) and the lock. No
    // temporary file of the atomic write is left behind.
    assert_eq!(
        names(&m.dir.path().join("state")),
        ["heal.json", "heal.json.lock"]
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert!(v["last_restart"].as_u64().is_some(), "{v}");
    // The interrupted restart still counts for the cooldown: the next poller does not
    // restart again.
    common::run(&args[..9])
        .expect(2, "MISP HEAL CRITICAL")
        .says("restart skipped");
    assert_eq!(m.sim.count(RESTART), 1);
}

#[test]
fn sigterm_while_waiting_for_the_heal_lock_writes_nothing() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    std::fs::create_dir(m.path("state")).unwrap();
    let state = m.path("state/heal.json");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{state}.lock"))
        .unwrap();
    lock.lock().unwrap();
    let (url, key) = (m.sim.http_url(), m.path("key"));
    let child = spawn(&[
        "heal",
        "--url",
        &url,
        "--key-file",
        &key,
        "--state-file",
        &state,
        "-t",
        "20s",
    ]);
    wait_until("looked at the workers", || {
        m.sim.count("GET /servers/getWorkers") == 1
    });
    std::thread::sleep(Duration::from_millis(200));
    let s = stop(child, "TERM");
    assert!(
        s.stdout
            .starts_with("MISP HEAL UNKNOWN - terminated by SIGTERM"),
        "{s:#?}"
    );
    assert_eq!(names(&m.dir.path().join("state")), ["heal.json.lock"]);
    assert_eq!(m.sim.count(RESTART), 0);
}

#[test]
fn sigterm_while_refreshing_the_stats_cache_keeps_the_old_cache_whole() {
    let m = Misp::start();
    std::fs::create_dir(m.path("cache")).unwrap();
    let cache = m.path("cache/stats.json");
    let (url, key) = (m.sim.http_url(), m.path("key"));
    let args = [
        "stats",
        "--url",
        &url,
        "--key-file",
        &key,
        "--update-cache",
        "--cache-file",
        &cache,
        "-t",
        "20s",
    ];
    common::run(&args).expect(0, "MISP STATS OK");
    let old = std::fs::read(&cache).unwrap();
    assert!(!old.is_empty());
    m.sim
        .set_fault(Some("/users/statistics"), Fault::Drip { bytes_per_sec: 20 });
    let child = spawn(&args);
    wait_until("asked for the statistics", || {
        m.sim.count("GET /users/statistics") == 2
    });
    std::thread::sleep(Duration::from_millis(300));
    let s = stop(child, "TERM");
    assert!(
        s.stdout
            .starts_with("MISP STATS UNKNOWN - terminated by SIGTERM"),
        "{s:#?}"
    );
    assert_eq!(names(&m.dir.path().join("cache")), ["stats.json"]);
    assert_eq!(std::fs::read(&cache).unwrap(), old);
}
