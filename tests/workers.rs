//! `workers` and `jobs` against the simulator, in every worker mode and number encoding.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

mod common;
use common::Misp;
use misp_sim::{Encoding, SimOptions, WorkerMode};

fn misp(mode: WorkerMode, encoding: Encoding) -> Misp {
    Misp::with(SimOptions {
        mode,
        encoding,
        ..SimOptions::default()
    })
}

#[test]
fn healthy_in_every_mode_and_encoding() {
    for mode in [
        WorkerMode::Supervisor,
        WorkerMode::CakeResque,
        WorkerMode::Legacy,
    ] {
        for enc in [Encoding::V25, Encoding::V24] {
            let m = misp(mode, enc);
            let r = m.http("workers", &[]);
            r.expect(0, "MISP WORKERS OK - ");
            assert_eq!(
                r.perf("alive"),
                Some(m.sim.alive_workers() as f64),
                "{mode:?} {enc:?}"
            );
            assert_eq!(r.perf("dead"), Some(0.0));
            assert_eq!(r.perf("queues_down"), Some(0.0));
        }
    }
}

#[test]
fn supervisor_mode_vanished_queue_is_critical_and_named() {
    let m = misp(WorkerMode::Supervisor, Encoding::V25);
    assert_eq!(m.sim.kill_queue("email"), 5);
    let r = m.http("workers", &[]);
    r.expect(2, "MISP WORKERS CRITICAL - ")
        .says("no live worker in email");
    assert_eq!(r.perf("dead"), Some(1.0));
    assert_eq!(r.perf("queues_down"), Some(1.0));
    assert!(r.stdout.contains("\nemail: 0 alive, 1 dead"), "{r:#?}");
}

#[test]
fn cakeresque_dead_entry_counts_as_dead_worker() {
    let m = misp(WorkerMode::CakeResque, Encoding::V24);
    assert!(m.sim.kill_worker("prio"));
    let r = m.http("workers", &[]);
    r.expect(2, "MISP WORKERS CRITICAL - ")
        .says("no live worker in prio");
    assert_eq!(r.perf("dead"), Some(1.0));
}

#[test]
fn legacy_ok_true_quirk_does_not_hide_dead_workers() {
    let m = misp(WorkerMode::Legacy, Encoding::V24);
    assert!(m.sim.kill_worker("default"));
    m.http("workers", &[])
        .expect(2, "MISP WORKERS CRITICAL - ")
        .says("no live worker in default");
}

#[test]
fn dead_count_thresholds_apply_when_queues_still_have_workers() {
    // Supervisor keeps 5 email workers: one left alive keeps the queue up, and the four
    // killed ones leave no trace (they vanish), so only thresholds on dead can matter in
    // CakeResque mode. Here: ignore the down queue to look at thresholds alone.
    let m = misp(WorkerMode::CakeResque, Encoding::V25);
    assert!(m.sim.kill_worker("email"));
    m.http("workers", &["--ignore-queue", "email"])
        .expect(0, "MISP WORKERS OK");
    let r = m.http("workers", &["-w", "5", "-c", "10"]);
    r.expect(2, "MISP WORKERS CRITICAL")
        .says("no live worker in email");
}

#[test]
fn background_jobs_disabled_is_unknown() {
    let m = Misp::start();
    m.sim.set_background_jobs(false);
    m.http("workers", &[])
        .expect(3, "MISP WORKERS UNKNOWN - background jobs are disabled");
    m.http("jobs", &[])
        .expect(3, "MISP JOBS UNKNOWN - background jobs are disabled");
    let okko = m.http("workers", &["-o", "okko"]);
    assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
}

#[test]
fn supervisord_down_is_critical() {
    let m = Misp::start();
    m.sim.set_supervisord(false);
    let r = m.http("workers", &[]);
    r.expect(2, "MISP WORKERS CRITICAL - supervisord is down");
    // MISP cannot see its workers: no "alive=0", whether they run is unknown.
    let perf = r
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_once(" | ")
        .unwrap()
        .1;
    assert!(!perf.contains("alive") && !perf.contains("dead"), "{r:#?}");
    let snmp = m.http("workers", &["-o", "snmp"]);
    assert_eq!(snmp.stdout, "-1\n-1\n", "{snmp:#?}");
}

#[test]
fn non_admin_key_is_named() {
    let m = Misp::start();
    std::fs::write(m.path("ro"), misp_sim::READONLY_KEY).unwrap();
    let url = m.sim.http_url();
    let ro = m.path("ro");
    let r = common::run(&["workers", "--url", &url, "--key-file", &ro]);
    r.expect(3, "MISP WORKERS UNKNOWN - MISP answered 403")
        .says("site admin");
    assert!(!r.stdout.contains(misp_sim::READONLY_KEY));
}

#[test]
fn jobs_are_summed_over_all_queues() {
    let m = misp(WorkerMode::Supervisor, Encoding::V25);
    m.sim.set_backlog("default", 1532);
    m.sim.set_backlog("email", 87);
    m.sim.set_backlog("update", 1);
    let r = m.http("jobs", &["-w", "100", "-c", "5000"]);
    r.expect(1, "MISP JOBS WARNING - 1620 jobs queued")
        .says("default 1532");
    assert_eq!(r.perf("jobs"), Some(1620.0));
    assert_eq!(r.perf("jobs_email"), Some(87.0));
    assert_eq!(r.perf("jobs_update"), Some(1.0));
    m.http("jobs", &["-c", "1000"])
        .expect(2, "MISP JOBS CRITICAL");
    m.http("jobs", &[]).expect(0, "MISP JOBS OK");
    let w = m.http("workers", &[]);
    assert_eq!(w.perf("jobs"), Some(1620.0));
}

/// A count no MISP could hold (u64::MAX, in two queues so a plain sum would wrap to a small
/// number) is a broken answer: CRITICAL naming the field, in both encodings, never an OK
/// built on a wrapped total.
#[test]
fn absurd_job_counts_are_refused_not_wrapped() {
    for enc in [Encoding::V25, Encoding::V24] {
        let m = misp(WorkerMode::Supervisor, enc);
        m.sim.set_backlog("default", u64::MAX);
        m.sim.set_backlog("email", u64::MAX);
        for check in ["jobs", "workers"] {
            m.http(
                check,
                &["-c", "1000"][..if check == "jobs" { 2 } else { 0 }],
            )
            .expect(2, &format!("MISP {} CRITICAL - ", check.to_uppercase()))
            .says("jobCount is ")
            .says("18446744073709551615")
            .says("beyond any real count (above 2^53)");
        }
        // 2^53 is believable, and two of them add up exactly.
        m.sim.set_backlog("default", 1 << 53);
        m.sim.set_backlog("email", 1 << 53);
        let r = m.http("jobs", &["-c", "1000"]);
        r.expect(2, "MISP JOBS CRITICAL - 18014398509481984 jobs queued");
    }
}

/// What `workers` remembers lives in the state directory of the run: `MISP_STATE_DIR` (the
/// harness sets it), or `--state-dir`, which wins. Another directory has no memory, so the
/// same loss is not seen there.
#[test]
fn usual_counts_live_in_the_state_directory() {
    let m = Misp::start();
    let other = m.path("other-state");
    m.http("workers", &[]).expect(0, "MISP WORKERS OK");
    assert!(m.sim.kill_worker("default"));
    m.http("workers", &[])
        .expect(1, "MISP WORKERS WARNING")
        .says("default: 4 of usually 5 workers");
    m.http("workers", &["--state-dir", &other])
        .expect(0, "MISP WORKERS OK - 20 workers alive");
    let files = |dir: &str| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for dir in [m.state_dir(), other] {
        let names = files(&dir);
        assert!(
            names.len() == 1 && names[0].starts_with("workers-"),
            "{dir}: {names:?}"
        );
    }
}
