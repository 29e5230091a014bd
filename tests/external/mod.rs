//! Helpers for tests that drive programs installed from Debian packages (zabbix-agent,
//! cacti with MariaDB, dpkg and lintian): whether they are there, and running them.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether every program is installed. On CI (`CI` set; `.ci/run` installs them) a missing
/// one fails the test; elsewhere the test says it is skipped and returns.
pub fn have(test: &str, package: &str, programs: &[&str]) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| !Path::new(p).exists())
        .collect();
    require(
        test,
        package,
        missing.is_empty(),
        &format!("{missing:?} missing"),
    )
}

/// `present`, or a skip (a failure on CI) saying `package` is not installed and `why`.
pub fn require(test: &str, package: &str, present: bool, why: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why} on CI: .ci/run installs {package}"
    );
    eprintln!("{test} skipped: {package} not installed ({why})");
    false
}

/// Whether this process runs as root (dpkg, and daemons that must be told to stay root).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` to completion (stdin closed unless `cmd` sets one) and fails the test, with
/// its output, unless it succeeds.
#[track_caller]
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A daemon in its own process group, stopped (group and all) when dropped, even when the
/// test fails.
pub struct Daemon {
    child: Child,
    name: String,
}

impl Daemon {
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Daemon {
        let out = std::fs::File::create(log).expect("daemon log file");
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("daemon log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Daemon {
            child,
            name: name.to_owned(),
        }
    }

    /// Whether the daemon has already exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args([sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                signal("-KILL");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        signal("-KILL");
        let _ = self.child.wait();
    }
}
