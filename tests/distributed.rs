//! Icinga 2 spread over two machines, as users scale out: a master that schedules the MISP
//! checks and an agent that runs them (`command_endpoint`), joined by certificates from the
//! master's CA, each a real `icinga2` daemon with its own directories and API port, set up
//! from `contrib/icinga2/distributed/` against the real MISP 2.5.
//!
//! The master runs as `nobody`, the agent as `nagios`, and the key file is the agent's
//! (mode 0600 in a directory only the agent can enter): the master could not read the key
//! even if it tried. The test reads every result from the master's REST API.

mod external;
mod realmisp;

use external::{have, is_root, ok, repo, require, Daemon};
use realmisp::{changing, misp, RealMisp, Undo};
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const MASTER: &str = "icinga2-master1.localdomain";
const AGENT: &str = "icinga2-agent1.localdomain";
const API_PASSWORD: &str = "distributed-test";

/// One Icinga 2 node: its directories (etc, lib, log, ...) under `dir`, its user and port.
struct Node {
    dir: PathBuf,
    name: &'static str,
    user: &'static str,
    group: &'static str,
    port: u16,
}

impl Node {
    fn new(root: &Path, name: &'static str, user: &'static str, group: &'static str) -> Node {
        let dir = root.join(name);
        for sub in ["etc", "lib/certs", "log", "cache", "spool", "run"] {
            std::fs::create_dir_all(dir.join(sub)).expect("node directories");
        }
        Node {
            dir,
            name,
            user,
            group,
            port: free_port(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("config directory");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// The paths Debian's package puts under /etc, /var and /run, here all in `dir`.
    fn defines(&self, user: &str, group: &str) -> Vec<String> {
        let d = self.dir.display();
        vec![
            format!("-DConfigDir={d}/etc"),
            // Derived from ConfigDir only before the command line is read.
            format!("-DZonesDir={d}/etc/zones.d"),
            format!("-DDataDir={d}/lib"),
            format!("-DLogDir={d}/log"),
            format!("-DCacheDir={d}/cache"),
            format!("-DSpoolDir={d}/spool"),
            format!("-DInitRunDir={d}/run"),
            format!("-DPidPath={d}/run/icinga2.pid"),
            format!("-DRunAsUser={user}"),
            format!("-DRunAsGroup={group}"),
        ]
    }

    fn icinga2(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("icinga2");
        cmd.args(args).args(self.defines(self.user, self.group));
        cmd
    }

    /// `icinga2 pki`, which needs no other user than the caller's.
    fn pki(&self, args: &[&str]) {
        ok(Command::new("icinga2")
            .arg("pki")
            .args(args)
            .args(self.defines("root", "root")));
    }

    fn main_config(&self, plugins: &str, extra: &str) -> String {
        format!(
            r#"const PluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "{plugins}"
const NodeName = "{name}"
const ZoneName = "{zone}"
include <itl>
include <plugins>
include "zones.conf"
object FileLogger "main-log" {{ severity = "information"; path = LogDir + "/icinga2.log" }}
object CheckerComponent "checker" {{ }}
{extra}
"#,
            name = self.name,
            zone = if self.name == MASTER { "master" } else { AGENT },
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("log/icinga2.log")).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn shipped(path: &str) -> String {
    let path = repo().join("contrib/icinga2").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` with `from` replaced by `to`; `from` must be there, so the shipped file and this
/// test cannot drift apart silently.
fn subst(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is gone from {text}");
    text.replace(from, to)
}

/// The master's CA, and a certificate it signed for each node (`icinga2 pki`, as Icinga's
/// docs set up a cluster by hand); only the master holds the CA's key.
fn certificates(master: &Node, agent: &Node) {
    master.pki(&["new-ca"]);
    for node in [master, agent] {
        let certs = node.path("lib/certs");
        let file = |ext: &str| {
            certs
                .join(format!("{}.{ext}", node.name))
                .display()
                .to_string()
        };
        node.pki(&[
            "new-cert",
            "--cn",
            node.name,
            "--key",
            &file("key"),
            "--csr",
            &file("csr"),
        ]);
        master.pki(&["sign-csr", "--csr", &file("csr"), "--cert", &file("crt")]);
        std::fs::copy(master.path("lib/ca/ca.crt"), certs.join("ca.crt")).expect("CA copy");
    }
}

/// The master's REST API, through curl, trusting only the cluster's CA.
struct Api<'a> {
    master: &'a Node,
}

impl Api<'_> {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let m = self.master;
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "10", "-X", method])
            .arg("--cacert")
            .arg(m.path("lib/certs/ca.crt"))
            .args(["--resolve", &format!("{MASTER}:{}:127.0.0.1", m.port)])
            .args(["-u", &format!("root:{API_PASSWORD}")])
            .args(["-H", "Accept: application/json"]);
        if let Some(body) = body {
            cmd.args(["-d", &body.to_string()]);
        }
        let out = ok(cmd.arg(format!("https://{MASTER}:{}{path}", m.port)));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn text(&self, path: &str) -> String {
        self.call("GET", path, None).to_string()
    }

    /// The last result of each service of host `misp`, by service name.
    fn results(&self) -> Vec<(String, Value)> {
        let all = self.call(
            "GET",
            "/v1/objects/services?attrs=last_check_result&filter=host.name==%22misp%22",
            None,
        );
        all["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| {
                        let name = r["name"].as_str().unwrap_or_default();
                        let short = name.rsplit('!').next().unwrap_or_default().to_owned();
                        (short, r["attrs"]["last_check_result"].clone())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn reschedule(&self, service: &str) {
        self.call(
            "POST",
            "/v1/actions/reschedule-check",
            Some(&serde_json::json!({
                "type": "Service",
                "filter": format!("host.name==\"misp\" && service.name==\"{service}\""),
                "force": true,
            })),
        );
    }

    /// Forces checks of `service`, one at a time (a result can live for less than a
    /// poll when the next forced check follows it at once), until one that ended after
    /// `since` (Unix seconds) was run by the agent and satisfies `done`; returns it.
    fn wait(&self, what: &str, service: &str, since: f64, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut since = since;
        let mut last = Value::Null;
        loop {
            self.reschedule(service);
            // A check lost on the way (the agent reloading its synced config) is forced again.
            let attempt = Instant::now() + Duration::from_secs(15);
            while Instant::now() < attempt.min(deadline) {
                let fresh = self.results().into_iter().find(|(s, r)| {
                    s == service && r["execution_end"].as_f64().unwrap_or(0.0) > since
                });
                if let Some((_, r)) = fresh {
                    if r["check_source"] == AGENT && done(&r) {
                        return r;
                    }
                    since = r["execution_end"].as_f64().unwrap_or(since);
                    last = r;
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            assert!(
                Instant::now() < deadline,
                "waited 60s for {what}; last result of {service}: {last:#}\nmaster log:\n{}",
                self.master.log()
            );
        }
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Whether a check result is in `state` (Icinga's API gives 0.0 for OK, ...).
fn state_is(r: &Value, state: f64) -> bool {
    r["state"] == state
}

fn output(r: &Value) -> &str {
    r["output"].as_str().unwrap_or_default()
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle))
            {
                found.push(path);
            }
        }
    }
    found
}

fn chown(user_group: &str, path: &Path) {
    ok(Command::new("chown").args(["-R", user_group]).arg(path));
}

fn uid(user: &str) -> Option<u32> {
    let out = Command::new("id").args(["-u", user]).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The uid the daemon runs as, from its pid file.
fn daemon_uid(node: &Node) -> Option<u32> {
    let pid = std::fs::read_to_string(node.path("run/icinga2.pid")).ok()?;
    let meta = std::fs::metadata(format!("/proc/{}", pid.trim())).ok()?;
    Some(meta.uid())
}

fn wait_until(what: &str, node: &Node, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited 60s for {what}\nlog of {}:\n{}",
            node.name,
            node.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The master's side as shipped, pointed at this machine's real MISP and the agent's paths.
fn master_objects(m: &RealMisp, agent: &Node) -> String {
    let a = agent.dir.display();
    let text = shipped("distributed/master/zones.d/master/misp.conf");
    let text = subst(
        &text,
        "\"https://misp.example.org\"",
        &format!("\"{}\"", m.https),
    );
    let text = subst(&text, "\"misp.example.org\"", "\"127.0.0.1\"");
    let text = subst(&text, "/etc/icinga2/misp.key", &format!("{a}/misp.key"));
    let text = subst(
        &text,
        "// vars.misp_ca_cert = \"/etc/icinga2/misp-ca.pem\"",
        &format!("vars.misp_ca_cert = \"{a}/misp-ca.pem\""),
    );
    subst(&text, "/var/lib/icinga2/", &format!("{a}/lib/"))
}

#[test]
fn a_master_schedules_misp_checks_that_only_its_agent_runs_and_heals() {
    let name = "a_master_schedules_misp_checks_that_only_its_agent_runs_and_heals";
    if !have(name, "icinga2", &["/usr/sbin/icinga2", "/usr/bin/curl"])
        || !require(
            name,
            "root",
            is_root(),
            "the daemons switch to nagios and nobody",
        )
    {
        return;
    }
    let Some(m) = misp() else { return };
    let _change = changing();
    let _undo = Undo(|| m.restore_workers());

    let root = tempfile::Builder::new()
        .prefix("check_misp-distributed-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let master = Node::new(root.path(), MASTER, "nobody", "nogroup");
    let agent = Node::new(root.path(), AGENT, "nagios", "nagios");
    certificates(&master, &agent);

    // The master: zones, the global zone with the shipped CheckCommands, the MISP host and
    // services in its own zone, and an API for this test to read them.
    master.write("etc/zones.conf", &shipped("distributed/master/zones.conf"));
    master.write(
        "etc/zones.d/global-templates/check_misp.conf",
        &shipped("check_misp.conf"),
    );
    master.write("etc/zones.d/master/misp.conf", &master_objects(m, &agent));
    master.write(
        "etc/icinga2.conf",
        &master.main_config(
            "/usr/lib/nagios/plugins",
            &format!(
                r#"object ApiListener "api" {{ bind_host = "127.0.0.1"; bind_port = {port} }}
object ApiUser "root" {{ password = "{API_PASSWORD}"; permissions = [ "*" ] }}"#,
                port = master.port
            ),
        ),
    );

    // The agent: zones pointing at the master, its API listener as shipped, no objects; the
    // plugins, the key file and MISP's CA are on this machine only.
    let agent_zones = subst(
        &shipped("distributed/agent/zones.conf"),
        "host = \"192.0.2.10\"\n  port = \"5665\"",
        &format!("host = \"127.0.0.1\"\n  port = \"{}\"", master.port),
    );
    agent.write("etc/zones.conf", &agent_zones);
    let api = subst(
        &shipped("distributed/agent/api.conf"),
        "object ApiListener \"api\" {",
        &format!(
            "object ApiListener \"api\" {{\n  bind_host = \"127.0.0.1\"\n  bind_port = {}",
            agent.port
        ),
    );
    agent.write("etc/api.conf", &api);
    let plugins = agent.path("plugins");
    ok(Command::new(repo().join("plugins/install.sh"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_check_misp"))
        .arg("--no-docs")
        .arg(&plugins));
    agent.write(
        "etc/icinga2.conf",
        &agent.main_config(&plugins.display().to_string(), "include \"api.conf\""),
    );
    std::fs::copy(m.key_file(), agent.path("misp.key")).expect("key file");
    std::fs::copy(m.cert(), agent.path("misp-ca.pem")).expect("MISP's CA");

    chown("nobody:nogroup", &master.dir);
    chown("nagios:nagios", &agent.dir);
    std::fs::set_permissions(&agent.dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::set_permissions(
        agent.path("misp.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");

    for node in [&master, &agent] {
        ok(&mut node.icinga2(&[
            "daemon",
            "-C",
            "-c",
            &node.path("etc/icinga2.conf").display().to_string(),
        ]));
    }
    let start = |node: &Node| {
        Daemon::spawn(
            node.name,
            &mut node.icinga2(&[
                "daemon",
                "-c",
                &node.path("etc/icinga2.conf").display().to_string(),
            ]),
            &node.path("log/daemon.out"),
        )
    };
    let _master_daemon = start(&master);
    let _agent_daemon = start(&agent);
    let api = Api { master: &master };
    wait_until("the master's API", &master, || {
        Command::new("curl")
            .args(["-sS", "--max-time", "2", "-o", "/dev/null", "-k"])
            .arg(format!("https://127.0.0.1:{}/", master.port))
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert_eq!(
        daemon_uid(&master),
        uid("nobody"),
        "the master runs as nobody"
    );

    // Healthy: each check runs on the agent, and heal has nothing to restart.
    let posts = m.restart_posts();
    let t0 = now();
    let workers = api.wait("workers OK", "misp-workers", t0, |r| state_is(r, 0.0));
    assert!(
        output(&workers).starts_with("MISP WORKERS OK"),
        "{workers:#}"
    );
    let events = api.wait("events OK", "misp-events", t0, |r| state_is(r, 0.0));
    assert!(output(&events).starts_with("MISP EVENTS OK"), "{events:#}");
    let heal = api.wait("heal OK", "misp-heal", t0, |r| state_is(r, 0.0));
    assert!(output(&heal).starts_with("MISP HEAL OK"), "{heal:#}");
    assert_eq!(m.restart_posts(), posts, "heal POSTed on a healthy MISP");
    assert_eq!(
        daemon_uid(&agent),
        uid("nagios"),
        "the agent runs as nagios"
    );

    // A worker dies on MISP: the master's workers service turns CRITICAL.
    let killed = now();
    m.kill_worker("update_00");
    let dead = api.wait("workers CRITICAL", "misp-workers", killed, |r| {
        state_is(r, 2.0)
    });
    assert!(
        output(&dead).starts_with("MISP WORKERS CRITICAL - no live worker in update"),
        "{dead:#}"
    );

    // heal on the agent restarts it with one POST, and the workers are back.
    let healed = api.wait("heal to restart", "misp-heal", killed, |r| state_is(r, 1.0));
    assert!(
        output(&healed).starts_with("MISP HEAL WARNING - healed: restarted dead workers"),
        "{healed:#}"
    );
    assert_eq!(m.restart_posts(), posts + 1, "exactly one POST");
    let back = now();
    api.wait("workers OK again", "misp-workers", back, |r| {
        state_is(r, 0.0)
    });

    // Heal's state is the agent's alone.
    let state_file = agent.path("lib/check_misp-heal-misp.json");
    let meta = std::fs::metadata(&state_file).expect("heal state on the agent");
    assert_eq!(
        Some(meta.uid()),
        uid("nagios"),
        "written by the agent's user"
    );
    assert!(
        meta.modified().is_ok_and(|t| t
            .duration_since(UNIX_EPOCH)
            .is_ok_and(|d| d.as_secs_f64() >= killed.floor())),
        "heal state not written by this restart"
    );

    // The key never reached the master: not in its configuration, state, logs or objects.
    // (Its path did: the agent needs to be told where its key file is.)
    let leaks = files_containing(&master.dir, &m.key);
    assert!(leaks.is_empty(), "the key is on the master: {leaks:?}");
    // Nor in what the agent logged while it used it.
    let logged = files_containing(&agent.path("log"), &m.key);
    assert!(logged.is_empty(), "the key in the agent's log: {logged:?}");
    // The master's user could not have read it.
    let peek = Command::new("runuser")
        .args(["-u", master.user, "--", "cat"])
        .arg(agent.path("misp.key"))
        .output()
        .expect("runuser");
    assert!(
        !peek.status.success() && !String::from_utf8_lossy(&peek.stdout).contains(&m.key),
        "the master's user can read the agent's key file"
    );
    for path in [
        "/v1/objects/hosts",
        "/v1/objects/services",
        "/v1/objects/checkcommands",
        "/v1/objects/endpoints",
        "/v1/status",
    ] {
        let text = api.text(path);
        assert!(!text.contains(&m.key), "the key in the master's {path}");
        assert!(text.contains("\"results\""), "{path}: {text}");
    }
    assert!(
        api.text("/v1/objects/hosts").contains("misp.key"),
        "the key file's path is in the master's objects, so the search above could see them"
    );
}
