//! The real MISPs the real-MISP suites run against, both started by `.ci/run`: MISP 2.5.1 in
//! supervisor mode (`../shared/real-misp/setup.sh`, [`misp`]) and MISP 2.4.199 with
//! CakeResque workers (`../shared/real-misp-2.4/setup.sh`, [`misp24`]); and how a test runs
//! check_misp against one, breaks it and undoes that. A case that holds for both runs one
//! body over [`targets`].
//!
//! Tests that change the MISP take the write lock; those that only read take the read lock,
//! so nothing reads a MISP another test is breaking. Test binaries run one after another, so
//! the lock needs to cover one binary only. Outside CI, without a real MISP, every test says
//! it was skipped; in CI (`CI` set) a missing MISP fails.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Which MISP a target is: their workers are managed differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// MISP 2.5.1, SimpleBackgroundJobs: supervisord runs the workers.
    V25,
    /// MISP 2.4.199, CakeResque: workers registered in Redis, started by `start.sh`.
    V24,
}

pub struct RealMisp {
    pub kind: Kind,
    pub dir: PathBuf,
    pub http: String,
    pub https: String,
    pub redis_port: String,
    pub key: String,
    /// What check_misp remembers between polls of this MISP (`MISP_STATE_DIR`), private to
    /// this test process, so no earlier run's usual worker counts judge this one.
    pub state_dir: PathBuf,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn expect(&self, code: i32, prefix: &str) -> &Self {
        assert!(
            self.code == code && self.stdout.starts_with(prefix),
            "expected exit {code} and {prefix:?}: {self:#?}"
        );
        self
    }

    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "expected {text:?} in the output: {self:#?}"
        );
        self
    }

    pub fn perf(&self, label: &str) -> Option<f64> {
        let perf = self.stdout.lines().next()?.split_once(" | ")?.1;
        perf.split(' ').find_map(|p| {
            let (l, rest) = p.split_once('=')?;
            let v: String = rest
                .split(';')
                .next()?
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
                .collect();
            (l == label).then(|| v.parse().ok()).flatten()
        })
    }
}

pub static LOCK: RwLock<()> = RwLock::new(());

pub fn reading() -> RwLockReadGuard<'static, ()> {
    LOCK.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn changing() -> RwLockWriteGuard<'static, ()> {
    LOCK.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// Where to find one MISP: env var prefix, default directory and ports, its setup script.
struct Place {
    kind: Kind,
    prefix: &'static str,
    dir: &'static str,
    http: u16,
    https: u16,
    redis: u16,
    kit: &'static str,
}

const V25: Place = Place {
    kind: Kind::V25,
    prefix: "REAL_MISP",
    dir: "/tmp/realmisp",
    http: 28080,
    https: 28443,
    redis: 26379,
    kit: "real-misp",
};

const V24: Place = Place {
    kind: Kind::V24,
    prefix: "REAL_MISP24",
    dir: "/tmp/realmisp24",
    http: 38080,
    https: 38443,
    redis: 36379,
    kit: "real-misp-2.4",
};

fn find(place: &Place) -> Option<RealMisp> {
    let var = |knob: &str, default: String| env_or(&format!("{}_{knob}", place.prefix), &default);
    let dir = PathBuf::from(var("DIR", place.dir.to_owned()));
    let port = var("HTTP_PORT", place.http.to_string());
    let key = std::fs::read_to_string(dir.join("key"))
        .map(|k| k.trim().to_owned())
        .ok();
    let up = port
        .parse::<u16>()
        .is_ok_and(|p| std::net::TcpStream::connect(("127.0.0.1", p)).is_ok());
    match key {
        Some(key) if up => Some(RealMisp {
            kind: place.kind,
            http: format!("http://127.0.0.1:{port}"),
            https: format!(
                "https://127.0.0.1:{}",
                var("HTTPS_PORT", place.https.to_string())
            ),
            redis_port: var("REDIS_PORT", place.redis.to_string()),
            state_dir: private_state_dir(place),
            dir,
            key,
        }),
        _ => {
            let why = format!(
                "no real MISP at 127.0.0.1:{port} with a key in {}",
                dir.display()
            );
            let kit = place.kit;
            assert!(
                std::env::var_os("CI").is_none(),
                "{why}: .ci/run starts one with ../shared/{kit}/setup.sh"
            );
            eprintln!("skipped: {why} (start one with ../shared/{kit}/setup.sh)");
            None
        }
    }
}

fn private_state_dir(place: &Place) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "check_misp-realmisp-{}-{}",
        place.prefix.to_ascii_lowercase(),
        std::process::id()
    ));
    // A leftover of an earlier process with the same pid holds nothing of this run's.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a state directory");
    dir
}

/// The real MISP 2.5, or `None` (with a note) outside CI when none is running.
pub fn misp() -> Option<&'static RealMisp> {
    static MISP: OnceLock<Option<RealMisp>> = OnceLock::new();
    MISP.get_or_init(|| find(&V25)).as_ref()
}

/// The real MISP 2.4 (CakeResque), or `None` (with a note) outside CI when none is running.
pub fn misp24() -> Option<&'static RealMisp> {
    static MISP: OnceLock<Option<RealMisp>> = OnceLock::new();
    MISP.get_or_init(|| find(&V24)).as_ref()
}

/// Every real MISP that is running (in CI: both), for a case that holds for each.
pub fn targets() -> Vec<&'static RealMisp> {
    [misp(), misp24()].into_iter().flatten().collect()
}

impl RealMisp {
    pub fn key_file(&self) -> String {
        self.dir.join("key").display().to_string()
    }

    pub fn cert(&self) -> String {
        self.dir.join("ssl/misp.local.crt").display().to_string()
    }

    /// check_misp with `args`; the key must never appear in what it prints.
    pub fn run(&self, args: &[&str]) -> Run {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_check_misp"))
            .args(args)
            .env_remove("MISP_URL")
            .env_remove("MISP_KEY")
            .env_remove("MISP_KEY_FILE")
            .env("MISP_STATE_DIR", &self.state_dir)
            .stdin(Stdio::null())
            .output()
            .expect("run check_misp");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(&self.key), "API key printed: {run:?}");
            assert!(!text.contains("panicked"), "panic: {run:#?}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(45),
            "took {:?}: {run:#?}",
            start.elapsed()
        );
        run
    }

    pub fn http(&self, check: &str, extra: &[&str]) -> Run {
        let key = self.key_file();
        let mut args = vec![check, "-u", &self.http, "-k", &key];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn https(&self, check: &str, extra: &[&str]) -> Run {
        let (key, cert) = (self.key_file(), self.cert());
        let mut args = vec![check, "-u", &self.https, "-k", &key, "--ca-cert", &cert];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `heal` with a private state file, so no earlier restart's cooldown applies.
    pub fn heal(&self, state: &Path, extra: &[&str]) -> Run {
        let state = state.display().to_string();
        let mut args = vec!["--state-file", &state, "--settle", "3s", "-t", "30s"];
        args.extend_from_slice(extra);
        self.http("heal", &args)
    }

    /// How many restarts MISP has been asked for, from Apache's own log.
    pub fn restart_posts(&self) -> usize {
        std::fs::read_to_string(self.dir.join("log/apache-access.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"POST /servers/restartDeadWorkers"))
            .count()
    }

    pub fn sh(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .current_dir(self.dir.join("MISP/app"))
            .env("R", &self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    pub fn supervisorctl(&self, args: &[&str]) -> String {
        let conf = self.dir.join("etc/supervisord.conf").display().to_string();
        let mut all = vec!["-c", conf.as_str()];
        all.extend_from_slice(args);
        self.sh("supervisorctl", &all)
    }

    pub fn cake(&self, args: &[&str]) -> String {
        // 2.4 needs its private PHP 7.4 first in PATH (Debian 12's PHP 8 cannot run it).
        let path = format!(
            "PATH={}:{}",
            self.dir.join("php74/bin").display(),
            env_or("PATH", "/usr/bin:/bin")
        );
        let mut all = vec!["-u", "www-data", "--", "env", &path, "Console/cake"];
        all.extend_from_slice(args);
        self.sh("runuser", &all)
    }

    pub fn kill_worker(&self, process: &str) {
        let pid = self
            .supervisorctl(&["pid", &format!("misp-workers:{process}")])
            .trim()
            .to_owned();
        assert!(
            pid.parse::<u32>().is_ok_and(|p| p > 0),
            "no pid for {process}: {pid}"
        );
        self.sh("kill", &["-9", &pid]);
    }

    /// setup.sh starts whatever is down (Redis, supervisord with its workers; on 2.4 it runs
    /// start.sh when a listed worker is dead or a queue is short).
    pub fn setup(&self) {
        let place = self.place();
        let script = std::env::var_os(format!("{}_SETUP", place.prefix)).map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../shared/{}/setup.sh", place.kit))
            },
            PathBuf::from,
        );
        let mut setup = Command::new("bash");
        setup.arg(&script).env("R", &self.dir);
        // A MISP started on other ports (a second instance) is restarted on the same ones.
        for knob in [
            "HTTP_PORT",
            "HTTPS_PORT",
            "DB_PORT",
            "REDIS_PORT",
            "SUPERVISOR_PORT",
        ] {
            if let Some(value) = std::env::var_os(format!("{}_{knob}", place.prefix)) {
                setup.env(knob, value);
            }
        }
        let out = setup
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run setup.sh");
        assert!(out.success(), "{} failed", script.display());
        // start.sh's `stop --all` can leave a dead worker registered (kill: No such
        // process); removing it as MISP's workerRemoveDead does lets setup.sh start what
        // is then missing.
        if self.kind == Kind::V24 && self.forget_dead_cakeresque_workers() > 0 {
            let again = Command::new("bash")
                .arg(&script)
                .envs(setup.get_envs().filter_map(|(k, v)| Some((k, v?))))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .expect("run setup.sh");
            assert!(again.success(), "{} failed", script.display());
        }
        self.forget_usual_workers();
        if self.kind == Kind::V24 {
            // start.sh runs in the background: stop --all, then one queue after the other,
            // the scheduler last.
            self.wait_for("start.sh to start every worker", &[], |r| {
                r.code == 0 && !self.cakeresque_pids("scheduler").is_empty()
            });
        }
    }

    /// Forgets the usual worker counts learnt so far: a test that changed how many workers
    /// run (a stray default worker from a restart, say) must not leave its count as usual.
    pub fn forget_usual_workers(&self) {
        for entry in std::fs::read_dir(&self.state_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.file_name().to_string_lossy().starts_with("workers-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Polls the workers check until `done` holds for its output.
    pub fn wait_for(&self, what: &str, extra: &[&str], done: impl Fn(&Run) -> bool) -> Run {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.http("workers", extra);
            if done(&r) {
                return r;
            }
            assert!(Instant::now() < until, "waited 30s for {what}: {r:#?}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Every worker running and the workers check OK, as the tests found it.
    pub fn restore_workers(&self) {
        if self.http("workers", &[]).code != 0 {
            match self.kind {
                Kind::V25 => drop(self.supervisorctl(&["start", "misp-workers:*"])),
                Kind::V24 => self.setup(),
            }
            self.forget_usual_workers();
            self.wait_for("all workers back", &[], |r| r.code == 0);
        }
    }
}

impl RealMisp {
    fn place(&self) -> &'static Place {
        match self.kind {
            Kind::V25 => &V25,
            Kind::V24 => &V24,
        }
    }

    /// "2.5" or "2.4", for messages.
    pub fn version(&self) -> &'static str {
        match self.kind {
            Kind::V25 => "2.5",
            Kind::V24 => "2.4",
        }
    }

    /// Every POST to `/servers/` (restartDeadWorkers, startWorker, stopWorker,
    /// restartWorkers), from Apache's own log.
    pub fn server_posts(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("log/apache-access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let request = l.split('"').nth(1)?;
                request
                    .starts_with("POST /servers/")
                    .then(|| request.to_owned())
            })
            .collect()
    }

    /// The pids CakeResque has registered for `queue` (2.4); the scheduler is the worker
    /// CakeResque names in `ResqueSchedulerWorker` (its saved queue says `default`).
    pub fn cakeresque_pids(&self, queue: &str) -> Vec<String> {
        let redis = |args: &[&str]| {
            let mut all = vec!["-p", self.redis_port.as_str()];
            all.extend_from_slice(args);
            self.sh("redis-cli", &all)
        };
        let scheduler = redis(&["get", "resque:ResqueSchedulerWorker"])
            .trim()
            .to_owned();
        if queue == "scheduler" {
            return vec![scheduler]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
        }
        let saved = format!("s:5:\"queue\";s:{}:\"{queue}\";", queue.len());
        let listing = redis(&["hgetall", "resque:ResqueWorker"]);
        let lines: Vec<&str> = listing.lines().collect();
        lines
            .chunks(2)
            .filter(|pair| pair.len() == 2 && pair[1].contains(&saved) && pair[0] != scheduler)
            .map(|pair| pair[0].trim().to_owned())
            .collect()
    }

    /// Removes registrations of CakeResque workers whose process is gone; how many.
    pub fn forget_dead_cakeresque_workers(&self) -> usize {
        let port = self.redis_port.as_str();
        let listed = self.sh("redis-cli", &["-p", port, "hkeys", "resque:ResqueWorker"]);
        let dead: Vec<&str> = listed
            .lines()
            .map(str::trim)
            .filter(|pid| pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists())
            .collect();
        for pid in &dead {
            self.sh(
                "redis-cli",
                &["-p", port, "hdel", "resque:ResqueWorker", pid],
            );
        }
        dead.len()
    }

    /// Kills (SIGKILL) one worker of `queue`, the way each MISP runs it.
    pub fn kill_queue_worker(&self, queue: &str) {
        match self.kind {
            Kind::V25 => self.kill_worker(&format!("{queue}_00")),
            Kind::V24 => {
                let pids = self.cakeresque_pids(queue);
                let pid = pids
                    .first()
                    .unwrap_or_else(|| panic!("no worker of {queue} registered"));
                self.sh("kill", &["-9", pid]);
            }
        }
    }
}

/// Undoes a test's change to the MISP even when the test fails half-way.
pub struct Undo<F: FnMut()>(pub F);

impl<F: FnMut()> Drop for Undo<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl RealMisp {
    /// A REST call with the site-admin key (through curl, the key on its stdin, not in ps).
    pub fn api(&self, method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
        use std::io::Write;
        let mut child = Command::new("curl")
            .args(["-sS", "-m", "30", "-X", method, "-H", "@-"])
            .args(["-H", "Accept: application/json"])
            .args(["-H", "Content-Type: application/json"])
            .args(["--data-binary", &body.to_string()])
            .arg(format!("{}{path}", self.http))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run curl");
        child
            .stdin
            .take()
            .expect("curl's stdin")
            .write_all(format!("Authorization: {}\n", self.key).as_bytes())
            .expect("key to curl");
        let out = child.wait_with_output().expect("curl's answer");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: {e}: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// A plain User (role 3) of the admin's organisation with an API key of its own: its id
    /// and key. Delete it with [`RealMisp::delete_user`].
    pub fn plain_user(&self, email: &str) -> (String, String) {
        let user = self.api(
            "POST",
            "/admin/users/add",
            &serde_json::json!({
                "email": email,
                "role_id": 3,
                "org_id": 1,
                "password": "Plain-User-Passw0rd-1",
                "change_pw": 0
            }),
        );
        let id = user["User"]["id"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| user["User"]["id"].as_u64().map(|n| n.to_string()))
            .unwrap_or_else(|| panic!("no user made: {user}"));
        let key = self.api(
            "POST",
            &format!("/auth_keys/add/{id}"),
            &serde_json::json!({}),
        );
        let raw = key["AuthKey"]["authkey_raw"]
            .as_str()
            .unwrap_or_else(|| panic!("no key made: {key}"))
            .to_owned();
        (id, raw)
    }

    pub fn delete_user(&self, id: &str) {
        self.api(
            "POST",
            &format!("/admin/users/delete/{id}"),
            &serde_json::json!({}),
        );
    }

    /// A key file in `dir` holding `key`.
    pub fn write_key(dir: &Path, name: &str, key: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, format!("{key}\n")).expect("write a key file");
        path.display().to_string()
    }
}

/// One REST call with `key` to the MISP at `http` (`http://host:port`), as (status, JSON
/// body or null). For setting a MISP up; check_misp itself is run through `RealMisp::run`.
pub fn api(
    http: &str,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let addr = http.trim_start_matches("http://").trim_end_matches('/');
    let body = body.map_or_else(|| "{}".to_owned(), serde_json::Value::to_string);
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {key}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut raw = Vec::new();
    let sent = std::net::TcpStream::connect(addr).and_then(|mut s| {
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        s.write_all(request.as_bytes())?;
        s.read_to_end(&mut raw)
    });
    assert!(sent.is_ok(), "{method} {http}{path}: {sent:?}");
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        // Sizes on their own lines, data between: keep the data lines.
        rest.split("\r\n")
            .collect::<Vec<_>>()
            .chunks(2)
            .filter_map(|c| c.get(1).copied())
            .collect::<String>()
    } else {
        rest.to_owned()
    };
    (status, serde_json::from_str(&body).unwrap_or_default())
}
