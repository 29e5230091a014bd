//! `heal`: restart only when needed, once per cooldown, and report healed or not.

mod common;
use common::Misp;
use misp_sim::{SimOptions, WorkerMode};
use std::os::unix::fs::FileTypeExt;

const RESTART: &str = "POST /servers/restartDeadWorkers";

#[test]
fn healthy_misp_gets_no_post_and_one_request() {
    let m = Misp::start();
    let r = m.heal(&[]);
    r.expect(0, "MISP HEAL OK - ");
    assert_eq!(r.perf("restarted"), Some(0.0));
    assert_eq!(m.sim.count(RESTART), 0);
    assert_eq!(
        m.sim.counts().values().sum::<u64>(),
        1,
        "{:?}",
        m.sim.counts()
    );
}

#[test]
fn kill_heal_healthy_again_in_both_modes() {
    for mode in [WorkerMode::Supervisor, WorkerMode::CakeResque] {
        let m = Misp::with(SimOptions {
            mode,
            ..SimOptions::default()
        });
        m.sim.kill_queue("email");
        m.sim.kill_worker("default");
        m.http("workers", &[]).expect(2, "MISP WORKERS CRITICAL");
        let r = m.heal(&[]);
        r.expect(1, "MISP HEAL WARNING - healed: restarted dead workers")
            .says("no live worker in")
            .says("email");
        assert_eq!(r.perf("restarted"), Some(1.0));
        assert_eq!(m.sim.count(RESTART), 1, "{mode:?}");
        m.http("workers", &[]).expect(0, "MISP WORKERS OK");
    }
}

#[test]
fn workers_restart_flag_is_heal_and_okko_records_the_outage() {
    let m = Misp::start();
    m.sim.kill_queue("prio");
    let state = m.path("s.json");
    let r = m.http(
        "workers",
        &[
            "--restart-dead-workers",
            "--state-file",
            &state,
            "--settle",
            "1s",
            "-o",
            "okko",
        ],
    );
    assert_eq!((r.stdout.as_str(), r.code), ("KO\n", 1), "{r:#?}");
    assert!(r.stderr.starts_with("MISP HEAL WARNING - healed"), "{r:#?}");
    assert_eq!(m.sim.count(RESTART), 1);
    // heal's options are heal's alone: plain `workers` refuses them, naming the option.
    m.http("workers", &["--cooldown", "5m"])
        .expect(3, "MISP WORKERS UNKNOWN")
        .says("--cooldown");
    // Through the flag they still work: within the 5m cooldown, no second POST.
    m.sim.kill_queue("prio");
    let again = [
        "--restart-dead-workers",
        "--cooldown",
        "5m",
        "--state-file",
        &state,
    ];
    m.http("workers", &again)
        .expect(2, "MISP HEAL CRITICAL - no live worker in prio")
        .says("within the 5m cooldown");
    assert_eq!(m.sim.count(RESTART), 1);
}

#[test]
fn second_run_within_cooldown_makes_no_post_and_says_so() {
    let m = Misp::with(SimOptions {
        revive_delay: std::time::Duration::from_secs(30),
        ..SimOptions::default()
    });
    m.sim.kill_queue("email");
    let first = m.heal(&[]);
    first.expect(2, "MISP HEAL CRITICAL - not healed");
    assert_eq!(m.sim.count(RESTART), 1);
    let second = m.heal(&[]);
    second
        .expect(2, "MISP HEAL CRITICAL")
        .says("restart skipped: the last restart was");
    assert_eq!(m.sim.count(RESTART), 1);
    // A cooldown shorter than the time since the last restart allows the next one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    m.heal(&["--cooldown", "1s"])
        .expect(2, "MISP HEAL CRITICAL - not healed");
    assert_eq!(m.sim.count(RESTART), 2);
}

#[test]
fn heal_stays_within_the_deadline() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    // A 30s settle cannot fit into a 2s deadline: it is shortened, and the run still ends
    // in time with a verdict.
    let r = m.heal(&["-t", "2s", "--settle", "30s"]);
    r.expect(1, "MISP HEAL WARNING - healed");
    assert!(r.stdout.contains("settle shortened"), "{r:#?}");
}

#[test]
fn supervisord_down_is_not_restarted() {
    let m = Misp::start();
    m.sim.set_supervisord(false);
    m.heal(&[])
        .expect(2, "MISP HEAL CRITICAL")
        .says("restart not attempted");
    assert_eq!(m.sim.count(RESTART), 0);
}

#[test]
fn a_failed_recheck_still_says_what_was_dead_and_when_it_was_restarted() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    // Once the restart is in, getWorkers stops answering: the re-check runs into -t.
    std::thread::scope(|s| {
        s.spawn(|| {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while m.sim.count(RESTART) == 0 && std::time::Instant::now() < until {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            m.sim
                .set_fault(Some("/servers/getWorkers"), misp_sim::Fault::Hang);
        });
        let r = m.heal(&["-t", "3s", "--settle", "500ms"]);
        r.expect(2, "MISP HEAL CRITICAL - dead workers (1 dead, no live worker in email): restart POSTed at ")
            .says("but the re-check failed: timed out after 3s");
        assert_eq!(r.perf("restarted"), Some(1.0));
        assert!(r.stdout.contains("email: 0 alive, 1 dead"), "{r:#?}");
    });
    assert_eq!(m.sim.count(RESTART), 1);
}

#[test]
fn a_failed_restart_request_still_says_what_was_dead() {
    let m = Misp::start();
    m.sim.kill_queue("prio");
    m.sim
        .set_fault(Some("/servers/restartDeadWorkers"), misp_sim::html_500());
    let r = m.heal(&[]);
    r.expect(2, "MISP HEAL CRITICAL - dead workers (1 dead, no live worker in prio): the restart request failed: MISP answered 500");
    assert_eq!(r.perf("restarted"), Some(0.0));
}

#[test]
fn workers_of_another_user_get_no_post() {
    let m = Misp::start();
    m.sim.set_worker_user("email", "root");
    m.http("workers", &[])
        .expect(2, "MISP WORKERS CRITICAL - email: 5 workers run as root, not as MISP's own user (MISP cannot see if they are alive; start them as the web server user)");
    let r = m.heal(&[]);
    r.expect(2, "MISP HEAL CRITICAL - email: 5 workers run as root")
        .says("restart not attempted");
    assert_eq!(m.sim.count(RESTART), 0);
    assert_eq!(r.perf("wrong_user"), Some(5.0));
}

#[test]
fn min_workers_makes_a_partial_loss_visible_and_heals_it() {
    let m = Misp::start();
    m.sim.kill_worker("default");
    m.http("workers", &[]).expect(0, "MISP WORKERS OK");
    m.http("workers", &["--min-workers", "5,update=1"])
        .expect(1, "MISP WORKERS WARNING - default: 4 of 5 workers; ");
    m.heal(&["--min-workers", "5,update=1"]).expect(
        1,
        "MISP HEAL WARNING - healed: restarted dead workers (1 dead)",
    );
    assert_eq!(m.sim.count(RESTART), 1);
    m.http("workers", &["--min-workers", "5,update=1"])
        .expect(0, "MISP WORKERS OK");
}

/// A last restart recorded in 2100 (a clock stepped back, a hand-edited file) never
/// happened: it does not hold healing back, and the long output says it was ignored.
/// Within the few minutes of skew between hosts, a recorded time still counts.
#[test]
fn restart_recorded_in_the_future_is_ignored_and_named() {
    let m = Misp::with(SimOptions {
        revive_delay: std::time::Duration::from_secs(30),
        ..SimOptions::default()
    });
    m.sim.kill_queue("email");
    m.heal(&[]).expect(2, "MISP HEAL CRITICAL - not healed");
    assert_eq!(m.sim.count(RESTART), 1);
    let state = m.path("heal-state.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let now = doc["last_restart"].as_u64().unwrap();

    doc["last_restart"] = 4_102_444_800u64.into(); // 2100-01-01
    std::fs::write(&state, doc.to_string()).unwrap();
    let r = m.heal(&[]);
    r.expect(2, "MISP HEAL CRITICAL - not healed");
    assert_eq!(m.sim.count(RESTART), 2, "{r:#?}");
    assert!(
        r.stdout.lines().skip(1).any(|l| l
            == format!(
                "state file {state} records a restart in the future (2100-01-01T00:00:00Z): ignored"
            )),
        "{r:#?}"
    );
    // Rewritten with the real time of this restart.
    let again: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert!(again["last_restart"].as_u64().unwrap() < 4_102_444_800);

    // Two minutes ahead is clock skew, not an error: the cooldown holds.
    doc["last_restart"] = (now + 120).into();
    std::fs::write(&state, doc.to_string()).unwrap();
    m.heal(&[])
        .expect(2, "MISP HEAL CRITICAL")
        .says("restart skipped");
    assert_eq!(m.sim.count(RESTART), 2);
    // Beyond the largest time there is: ignored just the same, no panic.
    doc["last_restart"] = u64::MAX.into();
    std::fs::write(&state, doc.to_string()).unwrap();
    let r = m.heal(&[]);
    assert_eq!(m.sim.count(RESTART), 3, "{r:#?}");
    assert!(
        r.stdout.contains("records a restart in the future"),
        "{r:#?}"
    );
}

/// In a state directory others can write, a link planted at the lock's name is not
/// followed: its target is neither created nor opened, and no restart is made blind.
#[test]
fn planted_link_at_the_lock_is_not_followed() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    let state = m.path("shared.json");
    let victim = m.dir.path().join("victim");
    std::os::unix::fs::symlink(&victim, format!("{state}.lock")).unwrap();
    let r = m.http("heal", &["--state-file", &state, "--settle", "1s"]);
    r.expect(2, "MISP HEAL CRITICAL")
        .says("restart not attempted: cannot open the heal lock")
        .says("Too many levels of symbolic links");
    assert!(!victim.exists(), "the link was followed");
    assert_eq!(m.sim.count(RESTART), 0);
}

/// The state directory is refused with the OS error of the call that failed; a state
/// "file" that is a FIFO or a device is neither read (it would block or never end) nor
/// renamed over.
#[test]
fn unusable_state_file_names_the_os_error() {
    let m = Misp::start();
    m.sim.kill_queue("email");
    let fifo = m.path("fifo");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        fifo.as_str(),
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    m.http("heal", &["--state-file", &fifo, "--settle", "1s", "-t", "2s"])
        .expect(2, "MISP HEAL CRITICAL")
        .says(&format!("restart not attempted: state file {fifo} is a FIFO, device or socket, not a regular file: use another --state-file"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    std::fs::write(m.path("plain"), "").unwrap();
    let state = m.path("plain/heal.json");
    m.http("heal", &["--state-file", &state, "--settle", "1s"])
        .expect(2, "MISP HEAL CRITICAL")
        .says(&format!("restart not attempted: cannot open the heal lock {state}.lock: Not a directory (os error 20)"));
    assert_eq!(m.sim.count(RESTART), 0);
}

/// In supervisor mode a stopped worker vanishes from MISP's list, leaving only a lower
/// count: heal holds each queue to the usual count `workers` remembered, as `workers` does,
/// restarts once, and sees every worker back.
#[test]
fn workers_below_the_usual_count_are_restarted() {
    let m = Misp::start();
    m.http("workers", &[]).expect(0, "MISP WORKERS OK");
    assert!(m.sim.kill_worker("default"));
    assert!(m.sim.kill_worker("default"));
    m.http("workers", &[])
        .expect(1, "MISP WORKERS WARNING")
        .says("default: 3 of usually 5 workers");
    let r = m.heal(&[]);
    r.expect(
        1,
        "MISP HEAL WARNING - healed: restarted dead workers (2 dead); now 21 workers alive",
    );
    assert_eq!(r.perf("restarted"), Some(1.0));
    assert_eq!(m.sim.count(RESTART), 1);
    assert_eq!(m.sim.alive_workers(), 21);
    // Without the memory a lower count is all MISP shows: nothing to restart.
    assert!(m.sim.kill_worker("default"));
    m.heal(&["--remember-workers", "0"])
        .expect(0, "MISP HEAL OK - 20 workers alive");
    assert_eq!(m.sim.count(RESTART), 1);
}
