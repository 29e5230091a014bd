//! `diagnostics`: MISP's serverSettings report, healthy and with each finding broken, in
//! nagios, okko and json modes; `--ignore`; the simulator's control endpoint.

mod common;
use common::Misp;
use misp_sim::Sim;
use std::io::{Read, Write};

/// Breaks one finding of the simulator's report, and what the check must then say.
struct Breakage {
    finding: &'static str,
    brk: fn(&Sim),
    code: i32,
    says: &'static str,
}

const BREAKAGES: [Breakage; 8] = [
    Breakage {
        finding: "background_jobs",
        brk: |s| s.set_jobs_status("Error connecting to Supervisor."),
        code: 2,
        says: "background jobs: Error connecting to Supervisor",
    },
    Breakage {
        finding: "redis",
        brk: |s| s.set_redis(false),
        code: 2,
        says: "MISP cannot reach Redis (Connection refused)",
    },
    Breakage {
        finding: "db_schema",
        brk: |s| s.set_db_version(misp_sim::DB_VERSION - 2),
        code: 1,
        says: "database schema is at version 130, this MISP expects 132",
    },
    Breakage {
        finding: "version",
        brk: |s| s.set_up_to_date("older"),
        code: 1,
        says: "MISP v2.5.1 is outdated, v2.5.2 is available",
    },
    Breakage {
        finding: "writeable_dirs",
        brk: |s| s.set_writeable_dir("/var/www/MISP/app/tmp/logs", 2),
        code: 2,
        says: "1 directory MISP cannot write: /var/www/MISP/app/tmp/logs (not writable)",
    },
    Breakage {
        finding: "writeable_files",
        brk: |s| s.set_writeable_file("/var/www/MISP/app/Config/config.php", 2),
        code: 1,
        says: "1 file MISP cannot write: /var/www/MISP/app/Config/config.php (not writable)",
    },
    Breakage {
        finding: "modules",
        brk: |s| {
            s.set_module_error(
                "Enrichment",
                Some("Could not connect to the module server."),
            );
        },
        code: 1,
        says: "MISP modules unreachable: Enrichment (Could not connect to the module server.)",
    },
    Breakage {
        finding: "settings",
        brk: |s| s.set_settings_errors(2),
        code: 1,
        says: "2 critical settings errors (MISP.baseurl, Security.salt)",
    },
];

#[test]
fn healthy_report_is_ok_with_counts() {
    let m = Misp::start();
    let r = m.http("diagnostics", &[]);
    r.expect(0, "MISP DIAGNOSTICS OK - no problem found in 9 diagnostics | findings=0;;;0 settings_errors=0;;;0 unwritable_dirs=0;;;0 unwritable_files=0;;;0 modules_down=0;;;0 time=");
    // Its own default deadline is 30s (the perfdata maximum of `time`), unless -t says.
    assert!(r.status_line().ends_with(";0;30"), "{r:#?}");
    assert!(m
        .https("diagnostics", &["-t", "5"])
        .status_line()
        .ends_with(";0;5"));
    // A missing .git/ORIG_HEAD is normal and only listed; a level-1 setting error is not
    // counted as critical.
    assert!(
        r.stdout.contains("ORIG_HEAD does not exist (not judged)"),
        "{r:#?}"
    );
    assert_eq!(m.sim.count("GET /servers/serverSettings"), 2);
}

#[test]
fn every_finding_breaks_and_can_be_ignored() {
    let m = Misp::start();
    for b in &BREAKAGES {
        m.sim.reset_diagnostics();
        (b.brk)(&m.sim);
        let r = m.http("diagnostics", &[]);
        let state = ["OK", "WARNING", "CRITICAL"][usize::try_from(b.code).unwrap()];
        r.expect(
            b.code,
            &format!("MISP DIAGNOSTICS {state} - 1 problem: {}", b.says),
        );
        assert_eq!(r.perf("findings"), Some(1.0), "{}: {r:#?}", b.finding);
        assert!(
            r.stdout.contains(&format!("\n{state} {}: ", b.finding)),
            "{}: {r:#?}",
            b.finding
        );
        let quiet = m.http("diagnostics", &["--ignore", b.finding]);
        quiet.expect(0, "MISP DIAGNOSTICS OK - no problem found in 8 diagnostics");
        assert!(quiet.stdout.contains(&format!("\nignored {}: ", b.finding)));
    }
}

#[test]
fn several_findings_worst_first_in_every_mode() {
    let m = Misp::start();
    m.sim.set_settings_errors(1);
    m.sim.set_redis(false);
    m.sim.set_writeable_dir("/var/www/MISP/app/files", 1);
    m.sim
        .set_module_error("Cortex", Some("Module type Cortex is not enabled."));
    let r = m.https("diagnostics", &[]);
    r.expect(2, "MISP DIAGNOSTICS CRITICAL - 3 problems: MISP cannot reach Redis (Connection refused); 1 directory MISP cannot write: /var/www/MISP/app/files (missing); 1 critical settings error (MISP.baseurl)");
    assert_eq!(r.perf("settings_errors"), Some(1.0));
    assert_eq!(r.perf("unwritable_dirs"), Some(1.0));
    assert_eq!(
        r.perf("modules_down"),
        Some(0.0),
        "a disabled module type is no problem"
    );
    assert!(
        r.stdout
            .contains("\ncritical setting MISP.baseurl: Invalid baseurl"),
        "{r:#?}"
    );
    let ko = m.http(
        "diagnostics",
        &["-o", "okko", "--ignore", "redis,writeable_dirs"],
    );
    assert_eq!((ko.stdout.as_str(), ko.code), ("KO\n", 1));
    assert_eq!(
        ko.stderr,
        "MISP DIAGNOSTICS WARNING - 1 problem: 1 critical settings error (MISP.baseurl)\n"
    );
    let j = m.http(
        "diagnostics",
        &["-o", "json", "--ignore", "settings", "--ignore", "redis"],
    );
    assert_eq!(j.code, 2);
    let v = j.json();
    assert_eq!(v["state"], "CRITICAL");
    assert_eq!(v["metrics"][0]["name"], "findings");
    assert_eq!(v["metrics"][0]["value"], 1.0);
    let details: Vec<&str> = v["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        details.iter().any(|d| d.starts_with("ignored redis: ")),
        "{details:?}"
    );
    m.sim.reset_diagnostics();
    let ok = m.http("diagnostics", &["-o", "okko"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("OK\n", 0));
}

#[test]
fn refusals_and_bad_options() {
    let m = Misp::start();
    let r = m.http("diagnostics", &["--ignore", "gpg"]);
    r.expect(
        3,
        "MISP DIAGNOSTICS UNKNOWN - invalid value 'gpg' for '--ignore <FINDING>'",
    );
    assert!(
        r.stdout.contains("[possible values: background_jobs, redis, db_schema, version, writeable_dirs, writeable_files, modules, settings, live]"),
        "{r:#?}"
    );
    m.http("diagnostics", &["-c", "1"]).expect(
        3,
        "MISP DIAGNOSTICS UNKNOWN - -w/-c do not apply to diagnostics",
    );
    assert_eq!(m.sim.count("GET /servers/serverSettings"), 0);
    // A key of a user who is not site admin: named, with the fix.
    let ro = m.path("readonly-key");
    std::fs::write(&ro, misp_sim::READONLY_KEY).unwrap();
    let url = m.sim.http_url();
    common::run(&["diagnostics", "--url", &url, "--key-file", &ro])
        .expect(3, "MISP DIAGNOSTICS UNKNOWN - MISP answered 403 for GET /servers/serverSettings: You do not have permission")
        .says("site admin");
    m.sim.set_fault(
        Some("/servers/serverSettings"),
        misp_sim::Fault::TruncatedJson,
    );
    m.http("diagnostics", &[]).expect(
        2,
        "MISP DIAGNOSTICS CRITICAL - unexpected answer to /servers/serverSettings: malformed JSON",
    );
}

/// GET on the simulator's control API, which needs no client beyond a socket.
fn control(sim: &Sim, path_and_query: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", sim.http_port())).unwrap();
    write!(
        s,
        "GET {path_and_query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn control_api_breaks_findings_too() {
    let m = Misp::start();
    let answer = control(
        &m.sim,
        "/__sim/diagnostics?redis=0&settings_errors=6&dir=%2Fsrv%2Fmisp&code=2",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let r = m.http("diagnostics", &[]);
    r.expect(
        2,
        "MISP DIAGNOSTICS CRITICAL - 3 problems: MISP cannot reach Redis",
    );
    assert_eq!(r.perf("settings_errors"), Some(6.0));
    assert!(
        r.status_line().contains("/srv/misp (not writable)"),
        "{r:#?}"
    );
    assert!(control(
        &m.sim,
        "/__sim/diagnostics?reset=1&module=Import&error=down"
    )
    .starts_with("HTTP/1.1 200"));
    m.http("diagnostics", &[]).expect(
        1,
        "MISP DIAGNOSTICS WARNING - 1 problem: MISP modules unreachable: Import (down)",
    );
    assert!(control(&m.sim, "/__sim/heartbeat?enabled=no").starts_with("HTTP/1.1 200"));
    m.http("heartbeat", &[]).expect(3, "MISP HEARTBEAT UNKNOWN");
    assert!(control(&m.sim, "/__sim/diagnostics?redis=maybe").starts_with("HTTP/1.1 400"));
}

/// A report missing whole sections (an old MISP, a proxy cutting it short) says which were
/// not judged; with nothing judgeable left it is UNKNOWN, never "no problem found".
/// `--ignore redis,redis` ignores one diagnostic, not two.
#[test]
fn partial_reports_name_what_was_not_judged() {
    let m = Misp::start();
    m.http("diagnostics", &["--ignore", "redis,redis"]).expect(
        0,
        "MISP DIAGNOSTICS OK - no problem found in 8 diagnostics |",
    );
    let answer = |body: &str| misp_sim::Fault::Status {
        code: 200,
        content_type: "application/json; charset=UTF-8".into(),
        body: body.into(),
    };
    m.sim.set_fault(
        Some("/servers/serverSettings"),
        answer(r#"{"version": "2.4.21"}"#),
    );
    m.http("diagnostics", &[]).expect(
        3,
        "MISP DIAGNOSTICS UNKNOWN - nothing to judge: MISP's report lacks background_jobs (backgroundJobsStatus), redis (redisInfo), db_schema (dbSchemaDiagnostics), version (version), writeable_dirs (writeableDirs), writeable_files (writeableFiles), modules (moduleStatus), settings (finalSettings), live (finalSettings)",
    );
    let okko = m.http("diagnostics", &["-o", "okko"]);
    assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
    m.sim.set_fault(
        Some("/servers/serverSettings"),
        answer(r#"{"redisInfo": {"connection": true}, "backgroundJobsStatus": "OK"}"#),
    );
    m.http("diagnostics", &[]).expect(
        0,
        "MISP DIAGNOSTICS OK - no problem found in 2 diagnostics; not judged, missing from MISP's report: db_schema (dbSchemaDiagnostics), version (version), writeable_dirs (writeableDirs), writeable_files (writeableFiles), modules (moduleStatus), settings (finalSettings), live (finalSettings) |",
    );
    m.http(
        "diagnostics",
        &[
            "--ignore",
            "db_schema,version,writeable_dirs,writeable_files,modules,settings,live",
        ],
    )
    .expect(
        0,
        "MISP DIAGNOSTICS OK - no problem found in 2 diagnostics |",
    );
    m.http("diagnostics", &["--ignore", "redis,background_jobs"])
        .expect(
            3,
            "MISP DIAGNOSTICS UNKNOWN - nothing to judge: MISP's report lacks db_schema",
        );
}

/// An offline MISP answers the site admin as usual: only its report tells, and it tells it
/// as a CRITICAL finding of its own. A plain user's key is sent to the login page.
#[test]
fn an_offline_misp_is_critical_and_named_where_a_user_key_is_turned_away() {
    let m = Misp::start();
    m.sim.set_live(false);
    m.http("version", &[]).expect(0, "MISP VERSION OK - ");
    let r = m.http("diagnostics", &[]);
    r.expect(2, "MISP DIAGNOSTICS CRITICAL - 1 problem: MISP is offline (MISP.live is off) (MISP says: MISP disabled.): only site admins can use it, every other user and API key is locked out | ");
    assert_eq!(r.perf("settings_errors"), Some(0.0), "{r:#?}");
    m.http("diagnostics", &["--ignore", "live"])
        .expect(0, "MISP DIAGNOSTICS OK - no problem found in 8 diagnostics");
    let ro = m.path("ro");
    std::fs::write(&ro, misp_sim::READONLY_KEY).unwrap();
    let url = m.sim.http_url();
    common::run(&["events", "--url", &url, "--key-file", &ro])
        .expect(2, "MISP EVENTS CRITICAL - MISP answered 302 redirecting ")
        .says("/users/login (MISP sends this key to its login page: MISP is most likely offline, MISP.live off, where only site admins may use it;");
}

#[test]
fn a_missing_column_is_critical_and_named() {
    let m = Misp::start();
    m.sim.drop_column("events", "extends_uuid", "varchar(40)");
    m.sim.drop_column("events", "protected", "tinyint(1)");
    m.http("diagnostics", &[]).expect(
        2,
        "MISP DIAGNOSTICS CRITICAL - 1 problem: database schema differs from what MISP expects: column events.extends_uuid (varchar(40)) is missing; column events.protected (tinyint(1)) is missing | ",
    );
}
