//! Against a real MISP 2.5.1 (`../shared/real-misp/setup.sh`): its only `update` worker killed
//! for real reaches a webhook through the shipped cron line's textfile, node_exporter,
//! Prometheus with the shipped rules and Alertmanager, as an alert naming the queue, and
//! resolves once `check_misp heal` has restarted it. Takes the write lock; the workers are
//! restored afterwards even when the test fails.

mod alertchain;
mod external;
mod realmisp;

use alertchain::Chain;
use realmisp::{changing, misp, Undo};

#[test]
fn a_killed_worker_reaches_alertmanager_named_and_resolves_after_heal() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| m.restore_workers());
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(chain) = Chain::start("real_misp_alerting", dir.path(), &m.http, &m.key_file()) else {
        return;
    };
    chain.healthy("misp_workers_alive{queue=\"update\"}", 1.0);
    m.kill_worker("update_00");
    chain.fired("update");
    m.heal(&dir.path().join("heal.json"), &[])
        .expect(1, "MISP HEAL WARNING - healed: restarted dead workers");
    chain.resolved("update");
}
