//! The shipped Nagios definitions, run by the real Nagios 4 daemon.
//!
//! A private Nagios 4 daemon (temp dirs, no network but loopback) runs check_misp through
//! the shipped command definitions against the simulator, and the check results it stores
//! (perfdata file, status.dat) show the right state and perfdata, before and after a
//! worker queue dies. Recipe: ../shared/docs/recipes/nagios4-e2e.sh.

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
use std::process::Command;
use std::time::{Duration, Instant};

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
