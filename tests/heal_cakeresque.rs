//! `heal` on CakeResque (MISP 2.4) through the simulator, which restarts workers as the
//! real 2.4 does: a dead scheduler comes back as a `default` worker, `startWorker/scheduler`
//! starts one only while no scheduler is listed, and two workers restarted at once can
//! register under the wrong queue. `real_misp_24.rs` proves the same on the real MISP 2.4.

mod common;
use common::Misp;
use misp_sim::{SimOptions, WorkerMode};

const RESTART: &str = "POST /servers/restartDeadWorkers";
const START_SCHEDULER: &str = "POST /servers/startWorker/scheduler";

fn cakeresque() -> Misp {
    Misp::with(SimOptions {
        mode: WorkerMode::CakeResque,
        ..SimOptions::default()
    })
}

fn posts(m: &Misp) -> u64 {
    m.sim.count(RESTART) + m.sim.count(START_SCHEDULER)
}

#[test]
fn a_dead_listed_scheduler_is_not_posted_for_and_the_operator_is_told() {
    let m = cakeresque();
    m.sim.kill_queue("scheduler");
    for _ in 0..3 {
        m.heal(&["--cooldown", "1s"])
            .expect(2, "MISP HEAL CRITICAL - no live worker in scheduler")
            .says("restart not attempted: MISP cannot restart CakeResque's scheduler")
            .says("run app/Console/worker/start.sh as the web server's user");
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert_eq!(posts(&m), 0, "{:?}", m.sim.counts());
}

#[test]
fn an_unlisted_scheduler_is_started_on_its_own_with_one_post() {
    let m = cakeresque();
    m.sim.kill_queue("scheduler");
    // Beside another dead queue: restartDeadWorkers unlists the dead scheduler (and starts a
    // default worker in its place), after which its own start works.
    m.sim.kill_queue("update");
    let r = m.heal(&[]);
    r.expect(1, "MISP HEAL WARNING - healed: restarted dead workers (2 dead, no live worker in update, scheduler); now 7 workers alive");
    assert!(
        r.stdout
            .contains("scheduler started on its own (POST /servers/startWorker/scheduler)"),
        "{r:#?}"
    );
    assert_eq!(m.sim.count(RESTART), 1);
    assert_eq!(m.sim.count(START_SCHEDULER), 1);
    let w = m.http("workers", &[]);
    w.expect(0, "MISP WORKERS OK - 7 workers alive");
    assert!(w.stdout.contains("\nscheduler: 1 alive, 0 dead"), "{w:#?}");
    for _ in 0..2 {
        m.heal(&["--cooldown", "1s"]).expect(0, "MISP HEAL OK");
    }
    assert_eq!(
        posts(&m),
        2,
        "nothing more once healed: {:?}",
        m.sim.counts()
    );
}

#[test]
fn a_restart_that_registers_under_the_wrong_queue_is_not_healed() {
    let m = cakeresque();
    m.sim.kill_queue("update");
    m.sim.kill_queue("email");
    m.sim.misregister_next_restart("update", "default");
    let r = m.heal(&[]);
    r.expect(2, "MISP HEAL CRITICAL - not healed: restarted dead workers (2 dead, no live worker in email, update) but no live worker in update;");
    for detail in [
        "\ndefault: 2 alive",
        "\nupdate is still empty while default got more workers than it had: a restarted worker may have registered under the wrong queue",
    ] {
        assert!(r.stdout.contains(detail), "{detail:?}: {r:#?}");
    }
    assert_eq!(r.perf("restarted"), Some(1.0));
}

#[test]
fn redis_down_on_cakeresque_is_named_and_never_posted_for() {
    let m = cakeresque();
    m.sim.kill_queue("update");
    m.sim.set_redis(false);
    m.http("workers", &[])
        .expect(2, "MISP WORKERS CRITICAL - MISP could not list its workers, while it answers GET /servers/getVersion (is Redis down?")
        .says("MISP answered 500 for GET /servers/getWorkers");
    m.heal(&[])
        .expect(2, "MISP HEAL CRITICAL - MISP could not list its workers")
        .says("restart not attempted");
    m.http("diagnostics", &[]).expect(
        2,
        "MISP DIAGNOSTICS CRITICAL - redis: MISP cannot reach Redis",
    );
    assert_eq!(posts(&m), 0, "{:?}", m.sim.counts());
    // A 500 with MISP down as a whole names nothing it cannot know.
    m.sim
        .set_fault(Some("/servers/getVersion"), misp_sim::html_500());
    m.http("workers", &[]).expect(
        2,
        "MISP WORKERS CRITICAL - MISP answered 500 for GET /servers/getWorkers",
    );
}
