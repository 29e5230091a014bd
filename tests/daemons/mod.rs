//! What the tests of the real monitoring daemons (Icinga 2, Nagios 4, NRPE) share: the
//! installed plugins, reading the check results a daemon stores, and waiting for them.
#![allow(dead_code)]
#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

use crate::common::{bin, Misp};
pub use crate::external::repo;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Whether a daemon is installed; on CI (which installs them, see .ci/run) it must be.
pub fn have(program: &str) -> bool {
    let there = Path::new(program).exists();
    assert!(
        there || std::env::var_os("CI").is_none(),
        "{program} is missing on CI: .ci/run installs it"
    );
    there
}

/// A world-readable temp dir (Nagios runs checks as user nagios) holding the installed
/// plugins (by the shipped install.sh), a copy of the key file and of the simulator's CA.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new(m: &Misp) -> Site {
        let dir = tempfile::Builder::new()
            .prefix("check_misp-daemon-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = Command::new(repo().join("plugins/install.sh"))
            .arg("--bin")
            .arg(bin())
            .arg("--no-docs")
            .arg(dir.path().join("plugins"))
            .output()
            .unwrap();
        assert!(out.status.success(), "install.sh: {out:?}");
        for (from, to) in [(m.path("key"), "misp.key"), (m.path("ca.pem"), "ca.pem")] {
            let to = dir.path().join(to);
            std::fs::copy(from, &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        Site { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// One stored check result.
#[derive(Debug, Clone)]
pub struct Result_ {
    pub service: String,
    pub state: String,
    pub output: String,
    pub perfdata: String,
}

/// Parses perfdata-file records `TIMET\tSERVICE\tSTATE\tOUTPUT\tPERFDATA` (Nagios) or the
/// `KEY::value` form of Icinga 2's PerfdataWriter, whose output includes the long output
/// lines: a record goes on until the next line that starts with a time stamp.
pub fn parse_lines(text: &str) -> Vec<Result_> {
    let mut records: Vec<String> = Vec::new();
    for line in text.lines() {
        let first = line.split('\t').next().unwrap_or("");
        let starts = first.starts_with("TIMET::") || first.parse::<u64>().is_ok();
        match records.last_mut() {
            Some(last) if !starts => {
                last.push('\n');
                last.push_str(line);
            }
            _ => records.push(line.to_owned()),
        }
    }
    records
        .iter()
        .filter_map(|line| {
            let fields: Vec<&str> = line
                .split('\t')
                .map(|f| f.split_once("::").map_or(f, |(_, v)| v))
                .collect();
            (fields.len() >= 5).then(|| Result_ {
                service: fields[1].to_owned(),
                state: fields[2].to_owned(),
                output: fields[3].to_owned(),
                perfdata: fields[4].to_owned(),
            })
        })
        .collect()
}

/// Waits until `read` yields, for every service in `want`, a result in the wanted state
/// (after `after` results of that service were already seen); returns the last results.
pub fn wait_for(
    what: &str,
    timeout: Duration,
    want: &[(&str, &str)],
    read: impl Fn() -> Vec<Result_>,
    daemon_log: &Path,
) -> Vec<Result_> {
    let deadline = Instant::now() + timeout;
    loop {
        let all = read();
        let last = |svc: &str| all.iter().rev().find(|r| r.service == svc).cloned();
        if want
            .iter()
            .all(|(svc, state)| last(svc).is_some_and(|r| r.state == *state))
        {
            return want.iter().filter_map(|(s, _)| last(s)).collect();
        }
        if Instant::now() > deadline {
            panic!(
                "{what}: wanted {want:?}, have {:#?}\ndaemon log:\n{}",
                want.iter().map(|(s, _)| last(s)).collect::<Vec<_>>(),
                std::fs::read_to_string(daemon_log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub fn perf_value(perfdata: &str, label: &str) -> Option<f64> {
    perfdata.split(' ').find_map(|item| {
        let (name, rest) = item.split_once('=')?;
        (name.trim_matches('\'') == label)
            .then(|| {
                rest.split(';')
                    .next()?
                    .trim_end_matches(char::is_alphabetic)
                    .parse()
                    .ok()
            })
            .flatten()
    })
}
