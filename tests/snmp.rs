//! The real client: a private net-snmp agent whose `extend` lines run check_misp against
//! the simulator, read back with `snmpget` by the numeric OIDs the Cacti data sources use.
//!
//! Needs `snmpd` and `snmpget` (Debian: `apt-get install snmpd snmp`; `.ci/run` installs
//! them). Without them these tests fail and say so: nothing is skipped silently.

mod common;
use common::{bin, run, Misp};
use misp_sim::{Encoding, SimOptions, WorkerMode};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `nsExtendOutLine."misp-workers"`: .1 alive, .2 dead (the issue's OIDs, verbatim).
const WORKERS: &str =
    ".1.3.6.1.4.1.8072.1.3.2.4.1.2.12.109.105.115.112.45.119.111.114.107.101.114.115";
/// `nsExtendOutLine."misp-jobs"`: .1 jobs waiting in all queues.
const JOBS: &str = ".1.3.6.1.4.1.8072.1.3.2.4.1.2.9.109.105.115.112.45.106.111.98.115";
/// `nsExtendOutLine."misp-stats"`: .1 events, .2 attributes modified this month.
const STATS: &str = ".1.3.6.1.4.1.8072.1.3.2.4.1.2.10.109.105.115.112.45.115.116.97.116.115";
/// `nsExtendOutLine."misp-users"`: .1 users, .2 organisations.
const USERS: &str = ".1.3.6.1.4.1.8072.1.3.2.4.1.2.10.109.105.115.112.45.117.115.101.114.115";

/// `nsExtendOutLine."misp-feeds"`: .1 feeds judged, .2 failed, .3 age of the oldest fetch.
const FEEDS: &str = ".1.3.6.1.4.1.8072.1.3.2.4.1.2.10.109.105.115.112.45.102.101.101.100.115";

/// `sysUpTime.0`, answered by any snmpd: the readiness probe.
const SYS_UPTIME: &str = ".1.3.6.1.2.1.1.3.0";

/// An extend name as an OID index: its length, then its bytes.
fn index(name: &str) -> String {
    let bytes: Vec<String> = name.bytes().map(|b| b.to_string()).collect();
    format!("{}.{}", name.len(), bytes.join("."))
}

/// `nsExtendResult."NAME"`: the exit code of the last run.
fn result_oid(name: &str) -> String {
    format!(".1.3.6.1.4.1.8072.1.3.2.3.1.4.{}", index(name))
}

/// `nsExtendOutNumLines."NAME"`.
fn lines_oid(name: &str) -> String {
    format!(".1.3.6.1.4.1.8072.1.3.2.3.1.3.{}", index(name))
}

/// Finds a net-snmp program or fails the test with what to install.
fn tool(name: &str) -> PathBuf {
    let mut dirs = vec![PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} not found in /usr/sbin, /usr/bin or PATH: this test drives the real \
                 net-snmp agent; install it with `apt-get install snmpd snmp` (.ci/run does)"
            )
        })
}

/// A private snmpd on a free loopback UDP port; killed when dropped, even on a panic.
struct Snmpd {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Snmpd {
    /// Starts snmpd with these `extend` lines (`NAME PROGRAM ARGS...`, cached 1 s) and a
    /// community that sees everything.
    fn start(dir: &Path, extends: &[(&str, Vec<String>)]) -> Snmpd {
        let mut conf = String::from("rocommunity public 127.0.0.1\n");
        for (name, argv) in extends {
            let _ = writeln!(conf, "extend -cacheTime 1 {name} {}", argv.join(" "));
        }
        Snmpd::start_with(dir, &conf)
    }

    /// Starts snmpd with `conf` (everything but the listening address).
    fn start_with(dir: &Path, conf: &str) -> Snmpd {
        let snmpd = tool("snmpd");
        let persistent = dir.join("snmp-persistent");
        std::fs::create_dir_all(&persistent).unwrap();
        let mut failures = Vec::new();
        // A port picked free can be taken before snmpd binds it: try a few.
        for attempt in 0..5 {
            let port = std::net::UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .expect("a free UDP port")
                .port();
            let conf = format!("agentAddress udp:127.0.0.1:{port}\n{conf}");
            let conf_path = dir.join(format!("snmpd-{attempt}.conf"));
            std::fs::write(&conf_path, conf).unwrap();
            let log = dir.join(format!("snmpd-{attempt}.log"));
            let child = Command::new(&snmpd)
                .arg("-f")
                .arg("-C")
                .arg("-c")
                .arg(&conf_path)
                .arg("-Lf")
                .arg(&log)
                .arg("-p")
                .arg(dir.join(format!("snmpd-{attempt}.pid")))
                // Keep snmpd's state files out of /var/lib/snmp, and MISP_* out of the
                // extends' environment: what they need is on their command lines.
                .env("SNMP_PERSISTENT_DIR", &persistent)
                .env_remove("MISP_URL")
                .env_remove("MISP_KEY")
                .env_remove("MISP_KEY_FILE")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", snmpd.display()));
            let mut agent = Snmpd { child, port, log };
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if let Ok(Some(status)) = agent.child.try_wait() {
                    failures.push(format!(
                        "port {port}: snmpd exited with {status}: {}",
                        agent.log_text()
                    ));
                    break;
                }
                if agent.try_get(&[SYS_UPTIME]).is_ok() {
                    return agent;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if failures.len() <= attempt {
                failures.push(format!(
                    "port {port}: no answer within 10s: {}",
                    agent.log_text()
                ));
            }
        }
        panic!("snmpd did not come up:\n{}", failures.join("\n"));
    }

    fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        // Skip net-snmp's complaints about MIB files Debian does not ship.
        text.lines()
            .filter(|l| !l.contains("MIB") && !l.contains("Cannot find module"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn snmpget(&self, format: &str, oids: &[&str]) -> std::process::Output {
        Command::new(tool("snmpget"))
            .args(["-v2c", "-c", "public", "-t", "1", "-r", "1", format])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(oids)
            .stdin(Stdio::null())
            .output()
            .expect("run snmpget")
    }

    fn try_get(&self, oids: &[&str]) -> Result<Vec<String>, String> {
        let out = self.snmpget("-Oqv", oids);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() || stdout.lines().count() != oids.len() {
            return Err(format!(
                "snmpget {oids:?}: {}\nstdout: {stdout}\nstderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // -Oqv prints a string value quoted: "21".
        Ok(stdout
            .lines()
            .map(|l| l.trim().trim_matches('"').to_owned())
            .collect())
    }

    /// Values of `oids`, in order, with `snmpget -Oqv`.
    #[track_caller]
    fn get(&self, oids: &[&str]) -> Vec<String> {
        self.try_get(oids)
            .unwrap_or_else(|e| panic!("{e}\nsnmpd log:\n{}", self.log_text()))
    }

    /// `OID = TYPE: VALUE` lines with `snmpget -On`, as the README's "test it first" shows.
    #[track_caller]
    fn get_numeric(&self, oids: &[&str]) -> Vec<(String, String)> {
        let out = self.snmpget("-On", oids);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "snmpget -On {oids:?}: {stdout}");
        stdout
            .lines()
            .map(|l| {
                let (oid, value) = l.split_once(" = ").unwrap_or_else(|| panic!("{l:?}"));
                (oid.to_owned(), value.to_owned())
            })
            .collect()
    }
}

fn line(base: &str, n: u8) -> String {
    format!("{base}.{n}")
}

/// The four extend lines of `contrib/snmpd.conf`: workers and jobs ask MISP, stats and
/// users read the cache.
fn extends(m: &Misp, url: &str, cache: &str) -> Vec<(&'static str, Vec<String>)> {
    let exe = bin();
    assert!(exe.is_absolute(), "snmpd needs an absolute path: {exe:?}");
    let exe = exe.display().to_string();
    let key = m.path("key");
    let ca = m.path("ca.pem");
    let remote = |check: &str| {
        let mut argv = vec![exe.clone(), check.into(), "-o".into(), "snmp".into()];
        argv.extend([
            "--url".into(),
            url.to_owned(),
            "--key-file".into(),
            key.clone(),
        ]);
        if url.starts_with("https:") {
            argv.extend(["--ca-cert".into(), ca.clone()]);
        }
        argv
    };
    let cached = |check: &str| {
        vec![
            exe.clone(),
            check.into(),
            "-o".into(),
            "snmp".into(),
            "--cache-file".into(),
            cache.to_owned(),
        ]
    };
    vec![
        ("misp-workers", remote("workers")),
        ("misp-jobs", remote("jobs")),
        ("misp-stats", cached("stats")),
        ("misp-users", cached("users")),
    ]
}

fn update_cache(m: &Misp, cache: &str) {
    m.http("stats", &["--update-cache", "--cache-file", cache])
        .expect(0, "MISP STATS OK");
}

/// Every OID of the issue, in one request: workers 1-2, jobs 1, stats 1-2, users 1-2.
fn all(agent: &Snmpd) -> Vec<u64> {
    let oids = [
        line(WORKERS, 1),
        line(WORKERS, 2),
        line(JOBS, 1),
        line(STATS, 1),
        line(STATS, 2),
        line(USERS, 1),
        line(USERS, 2),
    ];
    let oids: Vec<&str> = oids.iter().map(String::as_str).collect();
    agent
        .get(&oids)
        .iter()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("not a count: {v:?}")))
        .collect()
}

fn exit_codes(agent: &Snmpd) -> Vec<String> {
    let oids: Vec<String> = ["misp-workers", "misp-jobs", "misp-stats", "misp-users"]
        .iter()
        .map(|n| result_oid(n))
        .collect();
    agent.get(&oids.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Past `-cacheTime 1`, so the next read runs the extends again.
fn let_cache_expire() {
    std::thread::sleep(Duration::from_millis(1500));
}

#[test]
fn oid_constants_are_the_extend_names() {
    let out_line = |name: &str| format!(".1.3.6.1.4.1.8072.1.3.2.4.1.2.{}", index(name));
    assert_eq!(out_line("misp-workers"), WORKERS);
    assert_eq!(out_line("misp-jobs"), JOBS);
    assert_eq!(out_line("misp-stats"), STATS);
    assert_eq!(out_line("misp-users"), USERS);
    assert_eq!(out_line("misp-feeds"), FEEDS);
}

#[test]
fn snmpd_serves_every_oid_and_follows_changes() {
    let m = Misp::with(SimOptions {
        mode: WorkerMode::Supervisor,
        encoding: Encoding::V25,
        ..SimOptions::default()
    });
    m.sim.set_backlog("default", 12);
    m.sim.set_backlog("email", 3);
    m.sim.set_stats("event_count_month", 41);
    m.sim.set_stats("attribute_count_month", 5001);
    m.sim.set_stats("user_count", 17);
    m.sim.set_stats("org_count", 9);
    let cache = m.path("stats.json");
    update_cache(&m, &cache);
    let agent = Snmpd::start(m.dir.path(), &extends(&m, &m.sim.https_url(), &cache));

    // The README's "test it first": numeric OIDs echoed back with STRING values.
    let numeric = agent.get_numeric(&[&line(WORKERS, 1), &line(WORKERS, 2)]);
    assert_eq!(
        numeric,
        vec![
            (
                line(WORKERS, 1),
                format!("STRING: \"{}\"", m.sim.alive_workers())
            ),
            (
                line(WORKERS, 2),
                format!("STRING: \"{}\"", m.sim.dead_workers())
            ),
        ]
    );
    let alive = m.sim.alive_workers() as u64;
    assert_eq!(alive, 21, "supervisor numprocs 5/5/5/5/1");
    assert_eq!(all(&agent), vec![alive, 0, 15, 41, 5001, 17, 9]);
    assert_eq!(exit_codes(&agent), vec!["0"; 4]);
    let numlines: Vec<String> = ["misp-workers", "misp-jobs", "misp-stats", "misp-users"]
        .iter()
        .map(|n| lines_oid(n))
        .collect();
    assert_eq!(
        agent.get(&numlines.iter().map(String::as_str).collect::<Vec<_>>()),
        vec!["2", "1", "2", "2"]
    );

    // Kill a whole queue (supervisor: its processes vanish), grow a backlog, change the
    // statistics and let cron's update run: every OID follows.
    assert_eq!(m.sim.kill_queue("email"), 5);
    m.sim.set_backlog("default", 20);
    m.sim.set_stats("event_count_month", 42);
    m.sim.set_stats("user_count", 18);
    update_cache(&m, &cache);
    let_cache_expire();
    let (alive, dead) = (m.sim.alive_workers() as u64, m.sim.dead_workers() as u64);
    assert_eq!((alive, dead), (16, 1));
    // The check remembers that email usually has 5 workers: all 5 count as dead.
    assert_eq!(all(&agent), vec![alive, 5, 23, 42, 5001, 18, 9]);
    // The values are still served; the exit code says the workers are CRITICAL.
    assert_eq!(exit_codes(&agent), vec!["2", "0", "0", "0"]);

    // One more worker dies in a queue that keeps others: MISP's list no longer shows it,
    // the usual count of that queue does (5 dead in email, 1 in default).
    assert!(m.sim.kill_worker("default"));
    let_cache_expire();
    let got = agent.get(&[&line(WORKERS, 1), &line(WORKERS, 2)]);
    assert_eq!(got, vec!["15", "6"]);
    assert_eq!(
        (m.sim.alive_workers(), m.sim.dead_workers()),
        (15, 1),
        "the simulator agrees"
    );
}

#[test]
fn snmpd_serves_minus_one_when_misp_or_the_cache_is_gone() {
    let m = Misp::with(SimOptions {
        mode: WorkerMode::CakeResque,
        encoding: Encoding::V24,
        ..SimOptions::default()
    });
    m.sim.set_backlog("prio", 4);
    let cache = m.path("stats.json");
    update_cache(&m, &cache);
    let url = m.sim.http_url();
    let agent = Snmpd::start(m.dir.path(), &extends(&m, &url, &cache));
    let alive = m.sim.alive_workers() as u64;
    assert_eq!(
        alive, 6,
        "CakeResque: one worker per queue, scheduler included"
    );
    assert_eq!(all(&agent), vec![alive, 0, 4, 37, 4210, 42, 118]);

    // MISP goes away: workers and jobs are -1, exit 2 (CRITICAL); stats and users keep
    // answering from the cache, which is what it is for.
    let Misp { sim, dir } = m;
    drop(sim);
    let refused = run(&[
        "workers",
        "--url",
        &url,
        "--key-file",
        &dir.path().join("key").display().to_string(),
    ]);
    refused.expect(2, "MISP WORKERS CRITICAL - connection refused");
    let_cache_expire();
    assert_eq!(
        agent.get(&[&line(WORKERS, 1), &line(WORKERS, 2), &line(JOBS, 1)]),
        vec!["-1", "-1", "-1"]
    );
    assert_eq!(
        agent.get(&[
            &line(STATS, 1),
            &line(STATS, 2),
            &line(USERS, 1),
            &line(USERS, 2)
        ]),
        vec!["37", "4210", "42", "118"]
    );
    assert_eq!(exit_codes(&agent), vec!["2", "2", "0", "0"]);

    // The cache goes away (or goes stale, or is corrupt): -1 lines, exit 3 (UNKNOWN).
    std::fs::remove_file(&cache).unwrap();
    let_cache_expire();
    assert_eq!(
        agent.get(&[
            &line(STATS, 1),
            &line(STATS, 2),
            &line(USERS, 1),
            &line(USERS, 2)
        ]),
        vec!["-1", "-1", "-1", "-1"]
    );
    assert_eq!(exit_codes(&agent), vec!["2", "2", "3", "3"]);
    std::fs::write(&cache, "not json").unwrap();
    let_cache_expire();
    assert_eq!(
        agent.get(&[&line(STATS, 1), &line(USERS, 2)]),
        vec!["-1", "-1"]
    );
    drop(agent);
    drop(dir);
}

/// The shipped files, as a user would install them: `contrib/cron.d/check_misp-stats` fills
/// the cache, `contrib/snmpd.conf` is pasted below Debian's default community (which only
/// sees the `systemonly` view), with only paths, URL and cache time swapped for the test's.
#[test]
fn shipped_cron_line_and_snmpd_excerpt_work_as_written() {
    let m = Misp::start();
    m.sim.set_backlog("update", 2);
    let exe = bin().display().to_string();
    let key = m.path("key");
    let cache = m.path("stats.json");
    let url = m.sim.http_url();
    let localize = |text: &str| {
        text.replace("/usr/local/bin/check_misp", &exe)
            .replace("https://misp.example.org", &url)
            .replace("/etc/check_misp/snmp.key", &key)
            .replace("/home/misp/.check_misp.key", &key)
            .replace("/var/cache/check_misp/stats.json", &cache)
    };

    let cron = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/cron.d/check_misp-stats"
    ))
    .expect("contrib/cron.d/check_misp-stats");
    assert!(
        cron.ends_with('\n'),
        "cron ignores a last line without a newline"
    );
    let jobs: Vec<&str> = cron
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.contains('='))
        .collect();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    // minute hour day month weekday user command...
    let fields: Vec<&str> = jobs[0].splitn(7, ' ').collect();
    assert_eq!(fields[5], "misp", "{fields:?}");
    let command = localize(fields[6]).replacen("check_misp", &exe, 1);
    let out = Command::new("/bin/sh")
        .args(["-c", &command])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .output()
        .unwrap();
    // Nothing for cron to mail on success.
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{command}: {out:?}"
    );
    let written = std::fs::read_to_string(&cache).unwrap();
    assert!(
        written.contains("\"users\":42") && !written.contains(misp_sim::DEFAULT_KEY),
        "{written}"
    );

    let excerpt =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/snmpd.conf"))
            .expect("contrib/snmpd.conf");
    assert!(excerpt.contains("-cacheTime 60 ") && excerpt.contains("-cacheTime 300 misp-feeds "));
    let conf = format!(
        "view systemonly included .1.3.6.1.2.1.1\nrocommunity public 127.0.0.1 -V systemonly\n{}",
        localize(&excerpt)
            .replace("-cacheTime 60 ", "-cacheTime 1 ")
            .replace("-cacheTime 300 ", "-cacheTime 1 ")
    );
    let agent = Snmpd::start_with(m.dir.path(), &conf);
    assert_eq!(
        all(&agent),
        vec![m.sim.alive_workers() as u64, 0, 2, 37, 4210, 42, 118]
    );
    // No feed enabled: nothing judged, so no figures.
    let feeds = || agent.get(&[&line(FEEDS, 1), &line(FEEDS, 2), &line(FEEDS, 3)]);
    assert_eq!(feeds(), ["-1", "-1", "-1"]);
    let osint = m.sim.add_feed("osint", true, false, None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    m.sim
        .add_fetch(misp_sim::Fetch::new(Some(osint), 3, now - 60));
    m.sim.kill_worker("prio");
    let_cache_expire();
    // The feeds line is cached for 5 minutes in the shipped excerpt; here for a second. Its
    // age is -1: the shipped line does not know MISP's timezone.
    assert_eq!(feeds(), ["1", "1", "-1"]);
    // The vanished prio worker counts as dead against the queue's usual count of 5.
    assert_eq!(m.sim.dead_workers(), 0);
    assert_eq!(
        agent.get(&[&line(WORKERS, 1), &line(WORKERS, 2)]),
        vec![m.sim.alive_workers().to_string(), "1".to_owned()]
    );
}

/// The opt-in `misp-sync` line of `contrib/snmpd.conf`, uncommented: three lines (servers
/// tested, connected, failing) under the OID its header names.
#[test]
fn shipped_opt_in_sync_extend_reports_its_three_figures() {
    let m = Misp::start();
    m.sim
        .add_server(misp_sim::SyncServer::new("a", "https://127.0.0.1:1"));
    m.sim.add_server(misp_sim::SyncServer {
        connection: misp_sim::Connection::Unreachable,
        ..misp_sim::SyncServer::new("b", "https://127.0.0.1:2")
    });
    let excerpt =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/snmpd.conf"))
            .expect("contrib/snmpd.conf");
    let sync = format!(".1.3.6.1.4.1.8072.1.3.2.4.1.2.{}", index("misp-sync"));
    assert!(excerpt.contains(&format!("#   misp-sync     {sync}.{{1,2,3}}")));
    let shipped = excerpt
        .lines()
        .find_map(|l| l.strip_prefix("#extend -cacheTime 900 misp-sync "))
        .expect("the opt-in misp-sync line");
    let conf = format!(
        "rocommunity public 127.0.0.1\nextend -cacheTime 1 misp-sync {}\n",
        shipped
            .replace("/usr/local/bin/check_misp", &bin().display().to_string())
            .replace("https://misp.example.org", &m.sim.http_url())
            .replace("/etc/check_misp/snmp.key", &m.path("key"))
    );
    let agent = Snmpd::start_with(m.dir.path(), &conf);
    assert_eq!(
        agent.get(&[&line(&sync, 1), &line(&sync, 2), &line(&sync, 3)]),
        ["2", "1", "1"]
    );
    assert_eq!(agent.get(&[&result_oid("misp-sync")]), ["2"]);
}
