//! Faults production MISPs really have, caused for real on the real MISP: Redis gone, workers
//! hung or not coming back, workers being respawned. Each test undoes its fault.

mod realmisp;

use realmisp::{changing, misp, Undo};

#[test]
fn redis_down_leaves_the_backlog_unknown_not_zero() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| {
        m.setup();
        m.restore_workers();
    });
    m.sh("redis-cli", &["-p", &m.redis_port, "shutdown", "nosave"]);
    let jobs = m.http("jobs", &[]);
    jobs.expect(
        2,
        "MISP JOBS CRITICAL - MISP could not read any queue length (is Redis down?",
    );
    assert!(!jobs.stdout.contains("0 jobs queued"), "{jobs:#?}");
    assert_eq!(jobs.perf("jobs"), None, "{jobs:#?}");
    let workers = m.http("workers", &[]);
    workers
        .expect(2, "MISP WORKERS CRITICAL")
        .says("jobs queued unknown");
    assert!(!workers.stdout.contains("0 jobs queued"), "{workers:#?}");
    let all = m.http("all", &["--only", "workers,jobs"]);
    all.expect(2, "MISP ALL CRITICAL - 2 of 2 checks not OK")
        .says("\\_[CRITICAL] jobs - MISP could not read any queue length");
}

impl realmisp::RealMisp {
    /// Sets supervisord's `autorestart` for every worker (MISP's installer writes `true`) and
    /// has supervisord apply it, which restarts the workers; returns whether it was on.
    fn set_autorestart(&self, on: bool) -> bool {
        let conf = self.dir.join("etc/supervisord.conf");
        let text = std::fs::read_to_string(&conf).expect("supervisord.conf");
        let was = text.contains("autorestart=true");
        let (from, to) = if on {
            ("autorestart=false", "autorestart=true")
        } else {
            ("autorestart=true", "autorestart=false")
        };
        if text.contains(from) {
            std::fs::write(&conf, text.replace(from, to)).expect("write supervisord.conf");
            self.supervisorctl(&["reread"]);
            self.supervisorctl(&["update"]);
        }
        // A worker killed too often in a row ends FATAL; start it, as a test found it.
        self.supervisorctl(&["start", "misp-workers:*"]);
        self.wait_for("every worker after the change", &[], |r| r.code == 0);
        was
    }
}

/// Autorestart on for the test, as it was after.
fn autorestarting(m: &'static realmisp::RealMisp) -> Undo<impl FnMut()> {
    let was = m.set_autorestart(true);
    Undo(move || {
        m.set_autorestart(was);
        m.restore_workers();
    })
}

#[test]
fn a_worker_being_respawned_is_not_a_worker_of_another_user() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = autorestarting(m);
    let mut seen = Vec::new();
    for round in 0..40u64 {
        m.kill_worker("update_00");
        // Land the check anywhere in supervisord's respawn, the fork included.
        std::thread::sleep(std::time::Duration::from_millis(round % 10 * 100));
        let r = m.http("workers", &[]);
        if r.stdout.contains("not as MISP's own user") {
            seen.push(r.stdout.lines().next().unwrap_or_default().to_owned());
        }
        m.wait_for("the update worker back", &[], |r| r.code == 0);
        // Past supervisord's startsecs (1s), or the next kill counts as a failed start and
        // the worker ends FATAL after a few.
        std::thread::sleep(std::time::Duration::from_millis(1500));
    }
    assert!(
        seen.is_empty(),
        "a respawning worker called another user's: {seen:#?}"
    );
}

impl realmisp::RealMisp {
    /// Kills `process` each time supervisord respawns it, until supervisord gives up on it
    /// (FATAL), as it does for workers that cannot start while Redis is away.
    fn kill_until_fatal(&self, process: &str) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(40);
        let name = format!("misp-workers:{process}");
        while !self.supervisorctl(&["status", &name]).contains("FATAL") {
            assert!(
                std::time::Instant::now() < until,
                "{process} never ended FATAL"
            );
            let pid = self.supervisorctl(&["pid", &name]).trim().to_owned();
            if pid.parse::<u32>().is_ok_and(|p| p > 0) {
                self.sh("kill", &["-9", &pid]);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}

#[test]
fn workers_that_did_not_come_back_show_against_the_usual_count() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = autorestarting(m);
    // The poll before the loss is the one that knows the usual count.
    m.http("workers", &[])
        .expect(0, "MISP WORKERS OK - 21 workers alive");
    m.kill_until_fatal("default_03");
    m.kill_until_fatal("default_04");
    m.http("workers", &[]).expect(
        1,
        "MISP WORKERS WARNING - default: 3 of usually 5 workers (the others stopped or never came back); 19 workers alive, 2 dead",
    );
    m.http("all", &["--only", "workers,jobs"])
        .expect(1, "MISP ALL WARNING")
        .says("default: 3 of usually 5 workers");
    // A day later the lower count would be the usual one; without memory it is OK.
    m.http("workers", &["--remember-workers", "0"])
        .expect(0, "MISP WORKERS OK - 19 workers alive");
    // The heal that brings them back, then the usual count holds again.
    m.supervisorctl(&["start", "misp-workers:*"]);
    m.wait_for("the workers back", &[], |r| r.code == 0)
        .expect(0, "MISP WORKERS OK - 21 workers alive");
}

impl realmisp::RealMisp {
    /// Queues one background job on the `default` queue (a correlation rebuild, which finds
    /// nothing to do on this MISP).
    fn queue_default_job(&self, headers: &std::path::Path) {
        let url = format!("{}/attributes/generateCorrelation", self.http);
        let h = format!("@{}", headers.display());
        let code = self.sh(
            "curl",
            &[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "POST",
                "-H",
                &h,
                "-d",
                "{}",
                &url,
            ],
        );
        assert_eq!(code.trim(), "302", "queueing a job: {code}");
    }

    fn pids(&self, processes: &[&str]) -> Vec<String> {
        processes
            .iter()
            .map(|p| {
                self.supervisorctl(&["pid", &format!("misp-workers:{p}")])
                    .trim()
                    .to_owned()
            })
            .collect()
    }
}

#[test]
fn jobs_nobody_takes_are_named_once_they_have_waited_too_long() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let dir = tempfile::tempdir().expect("temp dir");
    let headers = dir.path().join("headers");
    std::fs::write(
        &headers,
        format!(
            "Authorization: {}\nAccept: application/json\nContent-Type: application/json\n",
            m.key
        ),
    )
    .expect("header file");
    // Nothing waits yet: whatever an earlier run remembered about the queue is cleared.
    m.http("jobs", &[])
        .expect(0, "MISP JOBS OK - 0 jobs queued");
    let pids = m.pids(&[
        "default_00",
        "default_01",
        "default_02",
        "default_03",
        "default_04",
    ]);
    assert!(
        pids.iter().all(|p| p.parse::<u32>().is_ok_and(|p| p > 0)),
        "{pids:?}"
    );
    let _undo = Undo(|| {
        for pid in &pids {
            m.sh("kill", &["-CONT", pid]);
        }
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while m.http("jobs", &[]).code != 0 && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        m.restore_workers();
    });
    // Hung, not dead: stopped workers stay listed and alive.
    for pid in &pids {
        m.sh("kill", &["-STOP", pid]);
    }
    for _ in 0..8 {
        m.queue_default_job(&headers);
    }
    let stalled = ["--stalled-warning", "5s", "--stalled-critical", "1h"];
    m.http("jobs", &stalled).expect(0, "MISP JOBS OK - ");
    std::thread::sleep(std::time::Duration::from_secs(6));
    let r = m.http("jobs", &stalled);
    r.expect(
        1,
        "MISP JOBS WARNING - default: 8 jobs waiting and none taken for ",
    )
    .says("(workers hung or stopped?)");
    assert!(r.perf("stalled").is_some_and(|s| s >= 5.0), "{r:#?}");
    m.http("workers", &[])
        .expect(0, "MISP WORKERS OK - 21 workers alive");
    m.http("all", &["--only", "jobs", "-v"])
        .says("default: 8 jobs waiting, none taken for ");
    // Taken again: OK at once.
    for pid in &pids {
        m.sh("kill", &["-CONT", pid]);
    }
    std::thread::sleep(std::time::Duration::from_secs(3));
    m.http("jobs", &stalled)
        .expect(0, "MISP JOBS OK - 0 jobs queued");
}
