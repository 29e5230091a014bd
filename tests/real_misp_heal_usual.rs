//! `heal` on a real MISP 2.5 holds each queue to the usual count `workers` remembered: in
//! supervisor mode workers that supervisord stopped vanish from MISP's list, leaving only a
//! lower count, and `restartDeadWorkers` has supervisord start them again.

mod realmisp;
use realmisp::{changing, misp, Undo};

#[test]
fn stopped_workers_below_the_usual_count_are_restarted_once() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| m.restore_workers());
    m.restore_workers();
    // Its own memory: no other test's usual counts, and no earlier restart's cooldown.
    let dir = tempfile::tempdir().expect("temp dir");
    let state_dir = dir.path().display().to_string();
    let state = ["--state-dir", state_dir.as_str()];
    m.http("workers", &state)
        .expect(0, "MISP WORKERS OK - 21 workers alive");
    let stopped = ["misp-workers:default_03", "misp-workers:default_04"];
    let mut stop = vec!["stop"];
    stop.extend(stopped);
    m.supervisorctl(&stop);
    m.http("workers", &state).expect(
        1,
        "MISP WORKERS WARNING - default: 3 of usually 5 workers (the others stopped or never came back); 19 workers alive, 2 dead",
    );
    let posts = m.restart_posts();
    let mut extra = vec!["--state-dir", state_dir.as_str()];
    extra.extend(["--cooldown", "15m"]);
    m.heal(&dir.path().join("heal.json"), &extra).expect(
        1,
        "MISP HEAL WARNING - healed: restarted dead workers (2 dead); now 21 workers alive, 0 dead",
    );
    assert_eq!(m.restart_posts(), posts + 1, "one restartDeadWorkers");
    for process in stopped {
        let status = m.supervisorctl(&["status", process]);
        assert!(status.contains("RUNNING"), "{status}");
    }
    // Everything back: the next heal has nothing to do.
    m.heal(&dir.path().join("heal.json"), &extra)
        .expect(0, "MISP HEAL OK - 21 workers alive");
    assert_eq!(m.restart_posts(), posts + 1);
}
