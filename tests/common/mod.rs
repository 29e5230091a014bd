//! Test harness: a simulated MISP per test, and the real `check_misp` binary run against it.
//!
//! Every run is checked for what must hold in any case: no panic, no API key in any output,
//! done within the deadline plus a second.
//!
//! Every run remembers (usual worker counts, waiting jobs, heal's last restart) in a state
//! directory of its own test (`MISP_STATE_DIR`), or of its simulated MISP: simulators
//! listen on ephemeral ports, and a later test whose simulator got the same port must not
//! read another test's memory.
#![allow(dead_code)]

use misp_sim::{Sim, SimOptions, DEFAULT_KEY};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_check_misp"))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    pub elapsed: Duration,
}

impl Run {
    /// The first line of stdout.
    pub fn status_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// Asserts the exit code and that stdout starts with `prefix`.
    #[track_caller]
    pub fn expect(&self, code: i32, prefix: &str) -> &Self {
        assert_eq!(self.code, code, "exit code of {self:#?}");
        assert!(
            self.stdout.starts_with(prefix),
            "expected stdout to start with {prefix:?}: {self:#?}"
        );
        self
    }

    /// Asserts the status line contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.status_line().contains(text),
            "expected {text:?} in the status line: {self:#?}"
        );
        self
    }

    /// The perfdata value of `label` on the status line.
    pub fn perf(&self, label: &str) -> Option<f64> {
        let (_, perf) = self.status_line().split_once(" | ")?;
        perf.split(' ').find_map(|item| {
            let (name, rest) = item.split_once('=')?;
            if name != label {
                return None;
            }
            let value = rest.split(';').next()?;
            value
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse()
                .ok()
        })
    }

    /// Parses stdout as the JSON output mode.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }
}

/// Runs the binary with `args`, no MISP_* variables inherited, and checks the invariants.
pub fn run(args: &[&str]) -> Run {
    run_with(&bin(), args, &[])
}

thread_local! {
    /// The state directory of the test running on this thread (libtest runs each test on
    /// a thread of its own), removed when the test ends.
    static TEST_STATE: tempfile::TempDir = tempfile::tempdir().expect("state dir");
}

/// Runs `program` (the binary or a link to it) with extra environment variables; without
/// `MISP_STATE_DIR` among them, in the state directory of the running test.
pub fn run_with(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_remove("MISP_URL")
        .env_remove("MISP_KEY")
        .env_remove("MISP_KEY_FILE")
        .stdin(Stdio::null());
    TEST_STATE.with(|dir| cmd.env("MISP_STATE_DIR", dir.path()));
    // Hermetic: no proxy of the machine running the tests.
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(proxy);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("run check_misp");
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
        elapsed: start.elapsed(),
    };
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("panicked"), "panic: {run:#?}");
        assert!(!text.contains("RUST_BACKTRACE"), "backtrace: {run:#?}");
        assert!(!text.contains(DEFAULT_KEY), "API key leaked: {run:#?}");
    }
    let deadline = timeout_of(args) + Duration::from_secs(1);
    assert!(
        run.elapsed <= deadline,
        "took {:?}, deadline {deadline:?}: {run:#?}",
        run.elapsed
    );
    run
}

fn timeout_of(args: &[&str]) -> Duration {
    args.iter()
        .position(|a| *a == "-t" || *a == "--timeout")
        .and_then(|i| args.get(i + 1))
        .and_then(|t| {
            humantime::parse_duration(t)
                .ok()
                .or_else(|| t.parse().ok().map(Duration::from_secs))
        })
        .unwrap_or(Duration::from_secs(10))
}

/// A simulated MISP with a key file and a CA file in a private directory.
pub struct Misp {
    pub sim: Sim,
    pub dir: tempfile::TempDir,
}

impl Misp {
    /// A healthy MISP 2.5 in supervisor mode.
    pub fn start() -> Misp {
        Misp::with(SimOptions::default())
    }

    /// A MISP with these options.
    pub fn with(opts: SimOptions) -> Misp {
        let sim = Sim::start(opts).expect("start the simulator");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("key"), format!("{DEFAULT_KEY}\n")).expect("key file");
        sim.write_ca(&dir.path().join("ca.pem")).expect("CA file");
        Misp { sim, dir }
    }

    /// Path of a file in the private directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// The state directory of every run against this MISP (made on first use).
    pub fn state_dir(&self) -> String {
        self.path("state")
    }

    /// Runs the binary with `args` in this MISP's state directory.
    pub fn run(&self, args: &[&str]) -> Run {
        run_with(&bin(), args, &[("MISP_STATE_DIR", &self.state_dir())])
    }

    /// `check` over HTTP with the key file, plus `extra`.
    pub fn http(&self, check: &str, extra: &[&str]) -> Run {
        let url = self.sim.http_url();
        let key = self.path("key");
        let mut args = vec![check, "--url", &url, "--key-file", &key];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `check` over HTTPS trusting the simulator's CA, plus `extra`.
    pub fn https(&self, check: &str, extra: &[&str]) -> Run {
        let url = self.sim.https_url();
        let key = self.path("key");
        let ca = self.path("ca.pem");
        let mut args = vec![check, "--url", &url, "--key-file", &key, "--ca-cert", &ca];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `heal` over HTTP with a private state file and a short settle.
    pub fn heal(&self, extra: &[&str]) -> Run {
        let state = self.path("heal-state.json");
        let mut args = vec!["--state-file", state.as_str()];
        if !extra.contains(&"--settle") {
            args.extend(["--settle", "1s"]);
        }
        args.extend_from_slice(extra);
        self.http("heal", &args)
    }
}
