//! Healing under concurrency: many pollers, one restart; the cooldown
//! holds; a corrupt, unwritable or locked state file never keeps the outage from being
//! reported.

mod common;
use common::{Misp, Run};
use misp_sim::SimOptions;
use std::sync::Barrier;
use std::time::Duration;

const RESTART: &str = "POST /servers/restartDeadWorkers";

/// A MISP whose `email` queue is dead and whose restart takes far longer than any run,
/// so every poller in a test sees the outage.
fn broken_misp() -> Misp {
    let m = Misp::with(SimOptions {
        revive_delay: Duration::from_secs(60),
        ..SimOptions::default()
    });
    assert_eq!(m.sim.kill_queue("email"), 5);
    m
}

/// `heal` with this state file and a short settle.
fn heal(m: &Misp, state: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--state-file", state, "--settle", "1s"];
    args.extend_from_slice(extra);
    m.http("heal", &args)
}

#[track_caller]
fn reports_outage(r: &Run) {
    r.expect(2, "MISP HEAL CRITICAL - ")
        .says("no live worker in email");
}

#[test]
fn ten_pollers_at_once_restart_exactly_once() {
    let m = broken_misp();
    let state = m.path("heal-state.json");
    let start = Barrier::new(10);
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    heal(&m, &state, &["-t", "5s"])
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(m.sim.count(RESTART), 1, "{runs:#?}");
    // All ten looked at the workers and every one reported the outage ...
    assert_eq!(m.sim.count("GET /servers/getWorkers"), 10 + 1);
    for r in &runs {
        reports_outage(r);
    }
    // ... one restarted (and found it not healed yet), nine stood down and said why.
    let restarted: Vec<&Run> = runs
        .iter()
        .filter(|r| r.perf("restarted") == Some(1.0))
        .collect();
    assert_eq!(restarted.len(), 1, "{runs:#?}");
    assert!(restarted[0].status_line().contains("not healed"));
    let skipped = runs
        .iter()
        .filter(|r| {
            r.perf("restarted") == Some(0.0)
                && r.status_line()
                    .contains("restart skipped: the last restart was")
                && r.status_line().contains("within the 15m cooldown")
        })
        .count();
    assert_eq!(skipped, 9, "{runs:#?}");

    // A later poller within the cooldown makes no request to restart and says so, in
    // okko mode on its one stderr line.
    let again = heal(&m, &state, &["-o", "okko"]);
    assert_eq!((again.stdout.as_str(), again.code), ("KO\n", 1));
    assert!(
        again.stderr.contains("no live worker in email")
            && again.stderr.contains("restart skipped"),
        "{again:#?}"
    );
    assert_eq!(again.stderr.lines().count(), 1);
    assert_eq!(m.sim.count(RESTART), 1);
}

#[test]
fn corrupt_state_file_is_reported_rewritten_and_the_outage_reported() {
    let m = broken_misp();
    let state = m.path("heal-state.json");
    for garbage in ["", "{\"url\": 17", "\u{0}\u{1}binary", "[]"] {
        std::fs::write(&state, garbage).unwrap();
        let before = m.sim.count(RESTART);
        let r = heal(&m, &state, &[]);
        reports_outage(&r);
        assert!(
            r.stdout.contains(&format!(
                "state file {state} was corrupt and has been rewritten"
            )),
            "{garbage:?}: {r:#?}"
        );
        // A corrupt file is no evidence of a recent restart, so one is made, once.
        assert_eq!(m.sim.count(RESTART), before + 1, "{garbage:?}");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
        assert!(v["last_restart"].as_u64().is_some(), "{v}");
        // And the rewritten file now holds the cooldown.
        heal(&m, &state, &[]).says("restart skipped");
        assert_eq!(m.sim.count(RESTART), before + 1);
    }
}

#[test]
fn unwritable_state_is_reported_and_never_hides_the_outage() {
    let m = broken_misp();
    // Tests run as root, whom chmod does not stop: use paths nobody can write instead.
    std::fs::write(m.path("plain-file"), "x").unwrap();
    std::fs::create_dir(m.path("a-directory")).unwrap();
    let under_a_file = m.path("plain-file/state.json");
    let a_directory = m.path("a-directory");
    for (state, cause) in [
        (
            under_a_file.as_str(),
            format!("restart not attempted: cannot open the heal lock {under_a_file}.lock: Not a directory"),
        ),
        (
            a_directory.as_str(),
            format!("restart not attempted: state file {a_directory} is a directory, not a regular file: use another --state-file"),
        ),
    ] {
        let r = heal(&m, state, &[]);
        reports_outage(&r);
        r.says(&cause);
        assert_eq!(r.perf("restarted"), Some(0.0));
        let okko = heal(&m, state, &["-o", "okko"]);
        assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
        assert!(
            okko.stderr.contains("no live worker in email") && okko.stderr.contains(&cause),
            "{okko:#?}"
        );
    }
    // Without a state file there is no cooldown to honour, so no restart was made.
    assert_eq!(m.sim.count(RESTART), 0);
}

/// Another poller holding the lock past our deadline (stuck on a slow disk, or killed
/// with SIGSTOP) must not turn a known outage into a bare timeout.
#[test]
fn lock_held_past_the_deadline_still_reports_the_outage() {
    let m = broken_misp();
    let state = m.path("heal-state.json");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{state}.lock"))
        .unwrap();
    lock.lock().unwrap();
    let r = heal(&m, &state, &["-t", "2s"]);
    reports_outage(&r);
    r.says("restart not attempted: another poller held the heal lock");
    assert!(r.elapsed >= Duration::from_millis(1500), "{r:#?}");
    assert_eq!(m.sim.count(RESTART), 0);
    // Released, the next poller restarts.
    lock.unlock().unwrap();
    heal(&m, &state, &[]).says("not healed");
    assert_eq!(m.sim.count(RESTART), 1);
}

/// Only `heal` (or `workers --restart-dead-workers`) ever POSTs an action: every other
/// check looks at a broken MISP without touching it, and writes no heal state. `key`'s
/// `POST /auth_keys/index` is a search (MISP takes its filters in the body), not an action.
#[test]
fn no_other_check_ever_posts() {
    let m = broken_misp();
    let heal_state = || {
        std::fs::read_dir(m.state_dir()).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("heal-"))
        })
    };
    for &check in check_misp::CheckName::NAMES {
        if check != "heal" {
            m.http(check, &[]);
        }
    }
    m.http("workers", &[])
        .expect(2, "MISP WORKERS CRITICAL")
        .says("no live worker in email");
    let posts: Vec<_> = m
        .sim
        .counts()
        .into_iter()
        .filter(|(k, _)| k.starts_with("POST") && k != "POST /auth_keys/index")
        .collect();
    assert!(posts.is_empty(), "{posts:?}");
    assert!(!heal_state());
    // The same MISP, asked to heal, does POST and records it in the same state directory:
    // the count and the look above could see both.
    m.http("heal", &["--settle", "1s"]);
    assert_eq!(m.sim.count(RESTART), 1);
    assert!(heal_state());
}
