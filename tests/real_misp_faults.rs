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
