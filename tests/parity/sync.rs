//! The parity test's part for sync servers (a child module, so it uses the test's own
//! request and comparison helpers).

use super::{case, compare, send, Identity, Target, Who, BAD_KEY};
use misp_sim::{Connection, Sim, SyncServer};
use serde_json::json;

/// A server entry on the real MISP, deleted again when dropped.
struct RealServer<'a>(&'a Target, String);

impl Drop for RealServer<'_> {
    fn drop(&mut self) {
        let path = format!("/servers/delete/{}", self.1);
        let _ = send(self.0, "POST", &path, Who::Admin, true, None);
    }
}

/// `/servers/index` and `testConnection` with the statuses a real MISP gives without a
/// second MISP: server entries pointing at the real MISP itself with its admin key
/// (connected) or a key nobody has (refused), and at a closed port (unreachable); the
/// simulator gets the same three. An unknown id is compared too.
pub(super) fn sync_servers(
    real: &Target,
    simulated: &Target,
    sim: &Sim,
    ids: [&Identity; 2],
) -> Vec<(&'static str, Vec<String>)> {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| format!("http://{a}"))
        .expect("a free port");
    let own = format!("http://{}", real.addr);
    // The entry pointing at the real MISP compares its version with itself: the simulator
    // is given that version on both ends, so `mismatch` and `newer` come out alike.
    let version = send(real, "GET", "/servers/getVersion", Who::Admin, true, None)
        .ok()
        .and_then(|a| a.json())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .expect("the real MISP's version");
    sim.set_version(&version);
    let entries = [
        (
            "testConnection, connected",
            own.as_str(),
            real.admin_key.as_str(),
            Connection::Connected { post: 1 },
        ),
        (
            "testConnection, unreachable",
            closed.as_str(),
            BAD_KEY,
            Connection::Unreachable,
        ),
        (
            "testConnection, key refused",
            own.as_str(),
            BAD_KEY,
            Connection::KeyRefused,
        ),
    ];
    let mut paths = vec![(
        "servers index",
        "GET",
        "/servers/index".to_owned(),
        "/servers/index".to_owned(),
    )];
    let mut added = Vec::new();
    for (name, url, key, connection) in entries {
        let body = json!({"name": format!("check-misp-parity {name}"), "url": url, "authkey": key,
                          "remote_org_id": 1, "pull": true, "push": true})
        .to_string();
        let made =
            send(real, "POST", "/servers/add", Who::Admin, true, Some(&body)).expect("server add");
        let id = made
            .json()
            .and_then(|v| v["Server"]["id"].as_str().map(str::to_owned));
        let id = id.unwrap_or_else(|| panic!("server add answered {}", made.status));
        let sim_id = sim.add_server(SyncServer {
            connection,
            remote_version: version.clone(),
            ..SyncServer::new(name, url)
        });
        paths.push((
            name,
            "POST",
            format!("/servers/testConnection/{id}"),
            format!("/servers/testConnection/{sim_id}"),
        ));
        added.push(RealServer(real, id));
    }
    let unknown = "/servers/testConnection/987654".to_owned();
    paths.push((
        "testConnection, no such server",
        "POST",
        unknown.clone(),
        unknown,
    ));
    let mut report = Vec::new();
    for (name, method, real_path, sim_path) in paths {
        let c = case(name, method, "/servers", Who::Admin);
        let a = send(real, method, &real_path, Who::Admin, true, None).expect("real MISP");
        let b = send(simulated, method, &sim_path, Who::Admin, true, None).expect("simulator");
        let problems = compare(&c, &a, &b, ids);
        println!(
            "{name:<32} real {} simulator {}: {}",
            a.status,
            b.status,
            if problems.is_empty() {
                "same"
            } else {
                "DIFFERENT"
            }
        );
        if !problems.is_empty() {
            report.push((name, problems));
        }
    }
    report
}
