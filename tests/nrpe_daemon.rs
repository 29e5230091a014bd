//! The shipped NRPE definitions, run by a real NRPE daemon and check_nrpe against the
//! simulator.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

mod common;
mod daemons;
mod external;
use common::Misp;
use daemons::{have, perf_value, repo, Site};
use external::Daemon;
use misp_sim::DEFAULT_KEY;
use std::process::Command;
use std::time::{Duration, Instant};

const CHECK_NRPE: &str = "/usr/lib/nagios/plugins/check_nrpe";

/// A free loopback port, for a daemon that cannot be told to pick one itself.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn nrpe_runs_the_shipped_commands_against_misp() {
    if !have("/usr/sbin/nrpe") || !have(CHECK_NRPE) {
        eprintln!(
            "nrpe not installed (apt-get install nagios-nrpe-server nagios-nrpe-plugin): skipped"
        );
        return;
    }
    let m = Misp::start();
    let site = Site::new(&m);
    let d = site.dir.path().join("nrpe");
    std::fs::create_dir_all(&d).unwrap();
    let shipped = std::fs::read_to_string(repo().join("contrib/nrpe/check_misp.cfg")).unwrap();
    // Exactly the edits the file's comments ask for: MISP's URL, where the links and the
    // key file are, and --ca-cert appended for a private CA.
    let ca = site.path("ca.pem");
    let edited: String = shipped
        .lines()
        .map(|line| {
            let line = line
                .replace("https://misp.example.org", &m.sim.https_url())
                .replace("/usr/lib/nagios/plugins", &site.path("plugins"))
                .replace("/etc/nagios/misp.key", &site.path("misp.key"));
            if line.starts_with("command[") {
                format!("{line} --ca-cert {ca}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(d.join("check_misp.cfg"), edited).unwrap();
    let port = free_port();
    let dp = d.display();
    std::fs::write(
        d.join("nrpe.cfg"),
        format!(
            "pid_file={dp}/nrpe.pid
server_address=127.0.0.1
server_port={port}
nrpe_user=nagios
nrpe_group=nagios
allowed_hosts=127.0.0.1
dont_blame_nrpe=0
command_timeout=40
include={dp}/check_misp.cfg
"
        ),
    )
    .unwrap();
    let chown = Command::new("chown")
        .arg("-R")
        .arg("nagios:")
        .arg(&d)
        .status()
        .unwrap();
    assert!(chown.success());
    let _nrpe = Daemon::spawn(
        "nrpe",
        Command::new("/usr/sbin/nrpe")
            .arg("-c")
            .arg(d.join("nrpe.cfg"))
            .arg("-f"),
        &d.join("nrpe.log"),
    );
    let port = port.to_string();
    let nrpe = |command: Option<&str>| {
        let mut cmd = Command::new(CHECK_NRPE);
        cmd.args(["-H", "127.0.0.1", "-p", &port, "-t", "45"]);
        if let Some(c) = command {
            cmd.args(["-c", c]);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while nrpe(None).0 != 0 {
        assert!(
            Instant::now() < deadline,
            "nrpe did not answer: {}",
            std::fs::read_to_string(d.join("nrpe.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let commands: Vec<&str> = shipped
        .lines()
        .filter_map(|l| l.strip_prefix("command[")?.split(']').next())
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    for command in &commands {
        let (code, out) = nrpe(Some(command));
        let check = command.trim_start_matches("check_misp_").to_uppercase();
        assert_eq!(code, 0, "{command}: {out}");
        assert!(
            out.starts_with(&format!("MISP {check} OK - ")),
            "{command}: {out}"
        );
    }
    let (_, out) = nrpe(Some("check_misp_workers"));
    let perfdata = out
        .lines()
        .next()
        .and_then(|l| l.split_once(" | "))
        .map(|(_, p)| p);
    assert_eq!(
        perfdata.and_then(|p| perf_value(p, "alive")),
        Some(m.sim.alive_workers() as f64),
        "{out}"
    );
    m.sim.kill_queue("email");
    let (code, out) = nrpe(Some("check_misp_workers"));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with("MISP WORKERS CRITICAL - no live worker in email"),
        "{out}"
    );
    // The key went only through the key file, never through NRPE's command lines.
    assert!(!std::fs::read_to_string(d.join("check_misp.cfg"))
        .unwrap()
        .contains(DEFAULT_KEY));
}
