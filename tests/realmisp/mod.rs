//! The real MISP the real-MISP suites run against (`../shared/real-misp/setup.sh`, started by
//! `.ci/run`), and how a test runs check_misp against it, breaks it and undoes that.
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

pub struct RealMisp {
    pub dir: PathBuf,
    pub http: String,
    pub https: String,
    pub redis_port: String,
    pub key: String,
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

/// The real MISP, or `None` (with a note) outside CI when none is running.
pub fn misp() -> Option<&'static RealMisp> {
    static MISP: OnceLock<Option<RealMisp>> = OnceLock::new();
    MISP.get_or_init(|| {
        let dir = PathBuf::from(env_or("REAL_MISP_DIR", "/tmp/realmisp"));
        let port = env_or("REAL_MISP_HTTP_PORT", "28080");
        let key = std::fs::read_to_string(dir.join("key"))
            .map(|k| k.trim().to_owned())
            .ok();
        let up = std::net::TcpStream::connect(("127.0.0.1", port.parse().unwrap_or(28080))).is_ok();
        match key {
            Some(key) if up => Some(RealMisp {
                http: format!("http://127.0.0.1:{port}"),
                https: format!(
                    "https://127.0.0.1:{}",
                    env_or("REAL_MISP_HTTPS_PORT", "28443")
                ),
                redis_port: env_or("REAL_MISP_REDIS_PORT", "26379"),
                dir,
                key,
            }),
            _ => {
                let why = format!(
                    "no real MISP at 127.0.0.1:{port} with a key in {}",
                    dir.display()
                );
                assert!(
                    std::env::var_os("CI").is_none(),
                    "{why}: .ci/run starts one with ../shared/real-misp/setup.sh"
                );
                eprintln!("skipped: {why} (start one with ../shared/real-misp/setup.sh)");
                None
            }
        }
    })
    .as_ref()
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
        let mut all = vec!["-u", "www-data", "--", "Console/cake"];
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

    /// setup.sh starts whatever is down (Redis, supervisord with its workers).
    pub fn setup(&self) {
        let script = std::env::var_os("REAL_MISP_SETUP").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-misp/setup.sh"),
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
            if let Some(value) = std::env::var_os(format!("REAL_MISP_{knob}")) {
                setup.env(knob, value);
            }
        }
        let out = setup
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run setup.sh");
        assert!(out.success(), "{} failed", script.display());
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
            self.supervisorctl(&["start", "misp-workers:*"]);
            self.wait_for("all workers back", &[], |r| r.code == 0);
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
