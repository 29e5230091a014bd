//! The shipped Icinga 2, Nagios and NRPE definitions, run by the real daemons.
//!
//! `contrib/icinga2/check_misp.conf` must pass `icinga2 daemon -C`; then a private Icinga 2
//! daemon and a private Nagios 4 daemon (temp dirs, no network but loopback) run check_misp
//! through the shipped command definitions against the simulator, and the check results
//! they store (perfdata files, status.dat) show the right state and perfdata, before and
//! after a worker queue dies. Recipes: ../shared/docs/recipes/{icinga2,nagios4}-e2e.sh.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

mod common;
mod external;
use common::{bin, Misp};
use external::Daemon;
use misp_sim::DEFAULT_KEY;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a daemon is installed; on CI (which installs them, see .ci/run) it must be.
fn have(program: &str) -> bool {
    let there = Path::new(program).exists();
    assert!(
        there || std::env::var_os("CI").is_none(),
        "{program} is missing on CI: .ci/run installs it"
    );
    there
}

/// A world-readable temp dir (Nagios runs checks as user nagios) holding the installed
/// plugins (by the shipped install.sh), a copy of the key file and of the simulator's CA.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new(m: &Misp) -> Site {
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

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// One stored check result.
#[derive(Debug, Clone)]
struct Result_ {
    service: String,
    state: String,
    output: String,
    perfdata: String,
}

/// Parses perfdata-file records `TIMET\tSERVICE\tSTATE\tOUTPUT\tPERFDATA` (Nagios) or the
/// `KEY::value` form of Icinga 2's PerfdataWriter, whose output includes the long output
/// lines: a record goes on until the next line that starts with a time stamp.
fn parse_lines(text: &str) -> Vec<Result_> {
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
fn wait_for(
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

fn perf_value(perfdata: &str, label: &str) -> Option<f64> {
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

#[test]
fn nagios4_daemon_runs_the_shipped_commands_against_misp() {
    if !have("/usr/sbin/nagios4") {
        eprintln!("nagios4 not installed (apt-get install nagios4-core): skipped");
        return;
    }
    let m = Misp::start();
    let site = Site::new(&m);
    let d = site.dir.path().join("nagios");
    std::fs::create_dir_all(d.join("checkresults")).unwrap();
    // The shipped file itself, copied only so the nagios user can read it.
    std::fs::copy(
        repo().join("contrib/nagios/check_misp.cfg"),
        d.join("check_misp.cfg"),
    )
    .unwrap();
    let dp = d.display();
    std::fs::write(
        d.join("nagios.cfg"),
        format!(
            "log_file={dp}/nagios.log
cfg_file={dp}/check_misp.cfg
cfg_file={dp}/objects.cfg
resource_file={dp}/resource.cfg
object_cache_file={dp}/objects.cache
precached_object_file={dp}/objects.precache
status_file={dp}/status.dat
status_update_interval=1
temp_file={dp}/nagios.tmp
temp_path={dp}
lock_file={dp}/nagios.lock
check_result_path={dp}/checkresults
state_retention_file={dp}/retention.dat
retain_state_information=0
command_file={dp}/nagios.cmd
check_external_commands=1
query_socket={dp}/nagios.qh
nagios_user=nagios
nagios_group=nagios
use_syslog=0
interval_length=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
check_result_reaper_frequency=1
process_performance_data=1
service_perfdata_file={dp}/service-perfdata
service_perfdata_file_mode=a
service_perfdata_file_template=$TIMET$\\t$SERVICEDESC$\\t$SERVICESTATE$\\t$SERVICEOUTPUT$\\t$SERVICEPERFDATA$
enable_notifications=0
illegal_macro_output_chars=`~$&|\"<>
"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("resource.cfg"),
        format!(
            "$USER1$={}\n$USER3$={}\n",
            site.path("plugins"),
            site.path("misp.key")
        ),
    )
    .unwrap();
    let service = |name: &str, command: &str| {
        format!(
            "define service {{
  host_name misp
  service_description {name}
  check_command {command}
  check_interval 2
  retry_interval 2
  max_check_attempts 1
  check_period 24x7
  contacts nobody
  notification_period 24x7
}}
"
        )
    };
    let ca = site.path("ca.pem");
    let objects = format!(
        "define timeperiod {{
  timeperiod_name 24x7
  alias always
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
  sunday 00:00-24:00
}}
define command {{
  command_name do-nothing
  command_line /bin/true
}}
define contact {{
  contact_name nobody
  host_notifications_enabled 0
  service_notifications_enabled 0
  host_notification_period 24x7
  service_notification_period 24x7
  host_notification_options n
  service_notification_options n
  host_notification_commands do-nothing
  service_notification_commands do-nothing
}}
define host {{
  host_name misp
  address 127.0.0.1:{port}
  check_command do-nothing
  check_interval 3600
  max_check_attempts 1
  check_period 24x7
  contacts nobody
  notification_period 24x7
}}
{workers}{events}{login}",
        port = m.sim.https_port(),
        workers = service(
            "misp-workers",
            &format!("check_misp_workers!--ca-cert {ca} --warning 1 --critical 2")
        ),
        events = service("misp-events", &format!("check_misp_events!--ca-cert {ca}")),
        login = service("misp-login", &format!("check_misp_login!--ca-cert {ca}")),
    );
    std::fs::write(d.join("objects.cfg"), objects).unwrap();
    let chown = Command::new("chown")
        .args(["-R", "nagios:nagios"])
        .arg(&d)
        .status()
        .unwrap();
    assert!(chown.success());
    let verify = Command::new("/usr/sbin/nagios4")
        .arg("-v")
        .arg(d.join("nagios.cfg"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "nagios4 -v: {}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let log = d.join("daemon.out");
    let _daemon = Daemon::spawn(
        "nagios4",
        Command::new("/usr/sbin/nagios4").arg(d.join("nagios.cfg")),
        &log,
    );
    let perf = d.join("service-perfdata");
    let read = || parse_lines(&std::fs::read_to_string(&perf).unwrap_or_default());
    let nagios_log = d.join("nagios.log");
    let first = wait_for(
        "nagios4, healthy MISP",
        Duration::from_secs(20),
        &[
            ("misp-workers", "OK"),
            ("misp-events", "OK"),
            ("misp-login", "OK"),
        ],
        read,
        &nagios_log,
    );
    let workers = &first[0];
    assert!(workers.output.starts_with("MISP WORKERS OK"), "{workers:?}");
    assert!(
        perf_value(&workers.perfdata, "alive").unwrap_or(0.0) > 0.0,
        "{workers:?}"
    );
    assert!(
        perf_value(&first[1].perfdata, "events").is_some(),
        "{:?}",
        first[1]
    );

    // status.dat (rewritten every second) holds the same state and perfdata.
    let workers_status = |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = std::fs::read_to_string(d.join("status.dat")).unwrap_or_default();
            let block = status
                .split("servicestatus {")
                .find(|b| b.contains("service_description=misp-workers"))
                .and_then(|b| b.split('}').next())
                .unwrap_or_default()
                .to_owned();
            if block.contains(want) || Instant::now() > deadline {
                return block;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let block = workers_status("plugin_output=MISP WORKERS OK");
    assert!(block.contains("current_state=0"), "{block}");
    assert!(block.contains("plugin_output=MISP WORKERS OK"), "{block}");
    assert!(block.contains("performance_data=alive="), "{block}");

    // Kill a queue and force an immediate re-check through the external command pipe.
    m.sim.kill_queue("email");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cmd = format!("[{now}] SCHEDULE_FORCED_SVC_CHECK;misp;misp-workers;{now}\n");
    std::fs::OpenOptions::new()
        .write(true)
        .open(d.join("nagios.cmd"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, cmd.as_bytes()))
        .unwrap();
    let after = wait_for(
        "nagios4, email queue dead",
        Duration::from_secs(10),
        &[("misp-workers", "CRITICAL")],
        read,
        &nagios_log,
    );
    assert!(after[0].output.contains("email"), "{:?}", after[0]);
    let block = workers_status("current_state=2");
    assert!(block.contains("current_state=2"), "{block}");
    assert!(
        block.contains("plugin_output=MISP WORKERS CRITICAL"),
        "{block}"
    );
    let status = std::fs::read_to_string(d.join("status.dat")).unwrap_or_default();
    assert!(!status.contains(DEFAULT_KEY));
}

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
    // A MISP with an enabled feed, fetched an hour ago, for check_misp_feeds.
    let osint = m.sim.add_feed("osint", true, false, None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    m.sim
        .add_fetch(misp_sim::Fetch::new(Some(osint), 4, now - 3600));
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
