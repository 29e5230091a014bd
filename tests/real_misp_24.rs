//! What only the real MISP 2.4 (v2.4.199, CakeResque workers, `../shared/real-misp-2.4/`)
//! does: a dead worker stays listed, CakeResque's scheduler is a queue of its own that
//! MISP's dead-worker restart never brings back, there is no `supervisord_status`, and
//! statistics are numbers. Cases that hold for 2.5 too are in `real_misp.rs`.

mod realmisp;

use realmisp::{changing, misp24, reading, RealMisp, Undo};
use serde_json::Value;
use std::time::Duration;

fn api(m: &RealMisp, method: &str, path: &str) -> Value {
    m.api(method, path, &serde_json::json!({}))
}

/// The set start.sh makes, one worker per queue: a restart that started a stray default
/// worker is undone by killing one default worker, which has setup.sh run start.sh again.
fn restore_one_per_queue(m: &RealMisp) {
    let defaults = m.cakeresque_pids("default");
    if defaults.len() > 1 {
        m.sh("kill", &["-9", &defaults[0]]);
    }
    m.setup();
    m.restore_workers();
}

#[test]
fn cakeresque_lists_a_scheduler_and_no_supervisord_and_counts_as_numbers() {
    let Some(m) = misp24() else { return };
    let _read = reading();
    let workers = api(m, "GET", "/servers/getWorkers");
    assert!(workers.get("supervisord_status").is_none(), "{workers}");
    let scheduler = &workers["scheduler"];
    assert_eq!(scheduler["ok"], true, "{workers}");
    assert!(scheduler.get("jobCount").is_none(), "{workers}");
    let r = m.http("workers", &[]);
    r.expect(0, "MISP WORKERS OK - 6 workers alive, 0 dead in 6 queues");
    assert!(
        r.stdout.contains("\nscheduler: 1 alive, 0 dead\n"),
        "{r:#?}"
    );
    assert!(!r.stdout.contains("supervisor mode"), "{r:#?}");
    let stats = api(m, "GET", "/users/statistics.json");
    for key in ["event_count", "user_count", "org_count"] {
        assert!(stats["stats"][key].is_number(), "{key}: {stats}");
    }
    // backgroundJobsStatus is SimpleBackgroundJobs', which CakeResque leaves unconfigured.
    let d = m.http("diagnostics", &[]);
    assert!(!d.stdout.contains("background jobs"), "{d:#?}");
    m.http("stats", &[]).expect(0, "MISP STATS OK - ");
    m.http("users", &[]).expect(0, "MISP USERS OK - ");
}

#[test]
fn a_killed_worker_stays_listed_dead_until_restarted() {
    let Some(m) = misp24() else { return };
    let _change = changing();
    let _undo = Undo(|| restore_one_per_queue(m));
    let pid = m.cakeresque_pids("email")[0].clone();
    m.kill_queue_worker("email");
    let r = m.wait_for("email to die", &[], |r| r.code == 2);
    r.expect(
        2,
        "MISP WORKERS CRITICAL - no live worker in email; 5 workers alive, 1 dead in 6 queues",
    );
    // "(usually 1)" follows "0 alive" once a poll has seen the worker alive.
    assert!(
        r.stdout.contains("\nemail: 0 alive")
            && r.stdout.contains(", 1 dead, 0 jobs - no live worker\n"),
        "{r:#?}"
    );
    let listed = &api(m, "GET", "/servers/getWorkers")["email"]["workers"][0];
    assert_eq!(listed["pid"].to_string(), pid, "{listed}");
    assert_eq!(listed["alive"], false, "{listed}");
}

/// MISP restarts a dead scheduler with the queue saved for it, `default`; startWorker/scheduler
/// is refused while the dead one is listed. Repeated heals must not POST for it, and once an
/// admin's restart has unlisted it, one startWorker brings it back.
#[test]
fn a_dead_scheduler_gets_at_most_one_post_over_repeated_heals() {
    let Some(m) = misp24() else { return };
    let _change = changing();
    let _undo = Undo(|| restore_one_per_queue(m));
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("heal.json");
    let heal = || m.heal(&state, &["--cooldown", "1s"]);
    m.kill_queue_worker("scheduler");
    m.wait_for("the scheduler to die", &[], |r| r.code == 2)
        .expect(2, "MISP WORKERS CRITICAL - no live worker in scheduler");
    let posts = m.server_posts();
    for _ in 0..3 {
        heal()
            .expect(2, "MISP HEAL CRITICAL - no live worker in scheduler")
            .says("restart not attempted: MISP cannot restart CakeResque's scheduler")
            .says("run app/Console/worker/start.sh as the web server's user");
        std::thread::sleep(Duration::from_millis(1100));
    }
    assert_eq!(
        m.server_posts(),
        posts,
        "no POST for a listed dead scheduler"
    );

    // What MISP's own restart does with it: a second default worker, the scheduler unlisted.
    api(m, "POST", "/servers/restartDeadWorkers");
    m.wait_for("the restart to settle", &[], |r| {
        r.stdout.contains("\ndefault: 2 alive") && r.stdout.contains("\nscheduler: 0 alive")
    });
    let posts = m.server_posts().len();
    let r = heal();
    r.expect(1, "MISP HEAL WARNING - healed: restarted dead workers (1 dead, no live worker in scheduler); now 7 workers alive");
    assert!(
        r.stdout
            .contains("scheduler started on its own (POST /servers/startWorker/scheduler)"),
        "{r:#?}"
    );
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1100));
        heal().expect(0, "MISP HEAL OK - 7 workers alive");
    }
    let sent = m.server_posts();
    assert_eq!(
        sent[posts..],
        ["POST /servers/startWorker/scheduler HTTP/1.1".to_owned()],
        "one POST over repeated heals"
    );
}
