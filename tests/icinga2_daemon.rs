//! The shipped Icinga 2 definitions, run by the real daemon.
//!
//! `contrib/icinga2/check_misp.conf` must pass `icinga2 daemon -C`; then a private Icinga 2
//! daemon (temp dirs, no network but loopback) runs check_misp through the shipped command
//! definitions against the simulator, and the check results it stores (perfdata files) show
//! the right state and perfdata, before and after a worker queue dies. Recipe:
//! ../shared/docs/recipes/icinga2-e2e.sh.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

mod common;
mod daemons;
mod external;
use common::Misp;
use daemons::{have, parse_lines, perf_value, repo, wait_for, Site};
use external::Daemon;
use misp_sim::DEFAULT_KEY;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The Icinga 2 constants and includes around the shipped file.
fn icinga_main(d: &Path, plugins: &str, extra: &str) -> String {
    let shipped = repo().join("contrib/icinga2/check_misp.conf");
    format!(
        r#"const PluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "{plugins}"
const NodeName = "localhost"
const ZoneName = "misp-test"
include <itl>
include "{shipped}"
object FileLogger "main-log" {{ severity = "information"; path = "{d}/log/icinga2.log" }}
{extra}
"#,
        shipped = shipped.display(),
        d = d.display(),
    )
}

fn icinga_defines(d: &Path) -> Vec<String> {
    let d = d.display();
    [
        format!("-DConfigDir={d}/etc"),
        format!("-DDataDir={d}/lib"),
        format!("-DLogDir={d}/log"),
        format!("-DCacheDir={d}/cache"),
        format!("-DSpoolDir={d}/spool"),
        format!("-DInitRunDir={d}/run"),
        format!("-DPidPath={d}/run/icinga2.pid"),
        "-DRunAsUser=root".into(),
        "-DRunAsGroup=root".into(),
    ]
    .into()
}

fn icinga_dirs(d: &Path) {
    for sub in ["etc", "lib", "log", "cache", "spool", "run", "perfdata/tmp"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
}

#[test]
fn icinga2_accepts_the_shipped_check_commands() {
    if !have("/usr/sbin/icinga2") {
        eprintln!("icinga2 not installed (apt-get install icinga2): skipped");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    icinga_dirs(d.path());
    let conf = d.path().join("etc/icinga2.conf");
    std::fs::write(&conf, icinga_main(d.path(), "/usr/lib/nagios/plugins", "")).unwrap();
    let out = Command::new("icinga2")
        .args(["daemon", "-C", "-c"])
        .arg(&conf)
        .args(icinga_defines(d.path()))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "icinga2 daemon -C: {text}");
    // Every check has its command, and none was dropped on the way.
    let count = |what: &str| {
        text.lines()
            .find(|l| l.contains(what))
            .and_then(|l| l.split_whitespace().find_map(|w| w.parse::<usize>().ok()))
    };
    let commands = count("CheckCommands").unwrap_or(0);
    assert!(
        commands > check_misp::CheckName::NAMES.len(),
        "{commands} CheckCommands: {text}"
    );
    let shipped = std::fs::read_to_string(repo().join("contrib/icinga2/check_misp.conf")).unwrap();
    for &check in check_misp::CheckName::NAMES {
        assert!(
            shipped.contains(&format!("object CheckCommand \"misp_{check}\"")),
            "{check}"
        );
        assert!(shipped.contains(&format!("env.MISP_KEY_FILE = \"$misp_{check}_key_file$\"")));
    }
    // The key never is an argument.
    assert!(!shipped.contains("\"--key\"") && !shipped.contains("\"--key-file\""));

    // Negative control: a broken copy is refused, so the acceptance above means something.
    let broken = d.path().join("broken.conf");
    std::fs::write(
        &broken,
        shipped.replacen("arguments = {", "arguments = {{", 1),
    )
    .unwrap();
    std::fs::write(
        &conf,
        icinga_main(d.path(), "/usr/lib/nagios/plugins", "").replace(
            &repo()
                .join("contrib/icinga2/check_misp.conf")
                .display()
                .to_string(),
            &broken.display().to_string(),
        ),
    )
    .unwrap();
    let out = Command::new("icinga2")
        .args(["daemon", "-C", "-c"])
        .arg(&conf)
        .args(icinga_defines(d.path()))
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken copy was accepted");
}

#[test]
fn icinga2_daemon_runs_the_shipped_commands_against_misp() {
    if !have("/usr/sbin/icinga2") {
        eprintln!("icinga2 not installed (apt-get install icinga2): skipped");
        return;
    }
    // A name no resolver knows: only --address can reach it.
    let m = Misp::with(misp_sim::SimOptions {
        tls_names: vec![
            "localhost".into(),
            "127.0.0.1".into(),
            "misp-by-address.test".into(),
        ],
        ..misp_sim::SimOptions::default()
    });
    let site = Site::new(&m);
    let d = tempfile::tempdir().unwrap();
    icinga_dirs(d.path());
    let dp = d.path().display();
    let objects = format!(
        r#"object CheckerComponent "checker" {{ }}
object Endpoint NodeName {{ }}
object Zone ZoneName {{ endpoints = [ NodeName ] }}
object PerfdataWriter "perfdata" {{
  service_perfdata_path = "{dp}/perfdata/service-perfdata"
  service_temp_path = "{dp}/perfdata/tmp/service-perfdata"
  host_perfdata_path = "{dp}/perfdata/host-perfdata"
  host_temp_path = "{dp}/perfdata/tmp/host-perfdata"
  service_format_template = "TIMET::$icinga.timet$\tSERVICEDESC::$service.name$\tSTATE::$service.state$\tOUTPUT::$service.output$\tPERFDATA::$service.perfdata$"
  rotation_interval = 1s
}}
template Service "fast" {{
  check_interval = 1s
  retry_interval = 1s
  max_check_attempts = 1
}}
/* The host as users would set it: its address, the key file and the CA. */
object Host "misp" {{
  check_command = "dummy"
  vars.dummy_state = 0
  check_interval = 1h
  address = "127.0.0.1:{https_port}"
  vars.misp_key_file = "{key}"
  vars.misp_ca_cert = "{ca}"
}}
/* Host-level defaults: --hostname from the address, over TLS with the CA. */
object Service "misp-events" {{ import "fast"; host_name = "misp"; check_command = "misp_events" }}
object Service "misp-login" {{ import "fast"; host_name = "misp"; check_command = "misp_login" }}
/* A per-command URL overrides --hostname. */
object Service "misp-workers" {{
  import "fast"; host_name = "misp"; check_command = "misp_workers"
  vars.misp_workers_url = "{http_url}"
  vars.misp_workers_warning = "1"
}}
/* The key itself through env MISP_KEY, the key file switched off. */
object Service "misp-latency" {{
  import "fast"; host_name = "misp"; check_command = "misp_latency"
  vars.misp_latency_key_file = ""
  vars.misp_key = "{literal_key}"
  vars.misp_latency_critical = "5s"
}}
/* Known by its IP address: the URL names MISP for the certificate, --address connects. */
object Service "misp-login-by-address" {{
  import "fast"; host_name = "misp"; check_command = "misp_login"
  vars.misp_url = "https://misp-by-address.test:{https_port}"
  vars.misp_address = "127.0.0.1"
  vars.misp_login_verbose = true
}}
"#,
        https_port = m.sim.https_port(),
        key = site.path("misp.key"),
        ca = site.path("ca.pem"),
        http_url = m.sim.http_url(),
        literal_key = DEFAULT_KEY,
    );
    let conf = d.path().join("etc/icinga2.conf");
    std::fs::write(
        &conf,
        icinga_main(d.path(), &site.path("plugins"), &objects),
    )
    .unwrap();
    let log = d.path().join("daemon.out");
    let check = Command::new("icinga2")
        .args(["daemon", "-C", "-c"])
        .arg(&conf)
        .args(icinga_defines(d.path()))
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    let _daemon = Daemon::spawn(
        "icinga2",
        Command::new("icinga2")
            .args(["daemon", "-c"])
            .arg(&conf)
            .args(icinga_defines(d.path())),
        &log,
    );
    let perf_dir = d.path().join("perfdata");
    let read = || {
        let mut all = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(&perf_dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for f in files.iter().filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("service-perfdata"))
        }) {
            all.extend(parse_lines(&std::fs::read_to_string(f).unwrap_or_default()));
        }
        all
    };
    let icinga_log = d.path().join("log/icinga2.log");
    let first = wait_for(
        "icinga2, healthy MISP",
        Duration::from_secs(20),
        &[
            ("misp-events", "OK"),
            ("misp-login", "OK"),
            ("misp-workers", "OK"),
            ("misp-latency", "OK"),
            ("misp-login-by-address", "OK"),
        ],
        read,
        &icinga_log,
    );
    for r in &first {
        assert!(r.output.starts_with("MISP "), "{r:?}");
        assert!(!r.output.contains(DEFAULT_KEY) && !r.perfdata.contains(DEFAULT_KEY));
    }
    let workers = &first[2];
    assert!(workers.output.starts_with("MISP WORKERS OK"), "{workers:?}");
    assert_eq!(
        perf_value(&workers.perfdata, "dead"),
        Some(0.0),
        "{workers:?}"
    );
    assert!(
        perf_value(&workers.perfdata, "alive").unwrap_or(0.0) > 0.0,
        "{workers:?}"
    );
    assert!(
        perf_value(&first[0].perfdata, "events").is_some(),
        "{:?}",
        first[0]
    );
    assert!(
        perf_value(&first[3].perfdata, "time_total").is_some(),
        "{:?}",
        first[3]
    );

    m.sim.kill_queue("default");
    let after = wait_for(
        "icinga2, default queue dead",
        Duration::from_secs(15),
        &[("misp-workers", "CRITICAL"), ("misp-events", "OK")],
        read,
        &icinga_log,
    );
    assert!(after[0].output.contains("default"), "{:?}", after[0]);
    assert!(
        perf_value(&after[0].perfdata, "queues_down").unwrap_or(0.0) >= 1.0,
        "{:?}",
        after[0]
    );
}
