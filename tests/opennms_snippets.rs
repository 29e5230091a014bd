//! `opennms-poller-snippets/`: the `<service>` and `<monitor>` entries, wrapped in a complete
//! poller-configuration.xml, validate against OpenNMS's XSD with xmllint, and every
//! SystemExecuteMonitor command line, split and substituted as OpenNMS does it, runs
//! check_misp successfully against the simulator.

mod common;
use common::{bin, run_with, Misp};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXEC: &str = "org.opennms.netmgt.poller.monitors.SystemExecuteMonitor";
const HTTPS: &str = "org.opennms.netmgt.poller.monitors.HttpsMonitor";
/// Where the snippets expect `plugins/install.sh` to have put check_misp.
const SCRIPT_DIR: &str = "/etc/opennms/monitoring-scripts/";
const KEY_FILE: &str = "/etc/opennms/misp-api.key";
/// The placeholders SystemExecuteMonitor substitutes (plain `String.replace`).
const PLACEHOLDERS: [&str; 7] = [
    "${timeout}",
    "${timeoutsec}",
    "${retry}",
    "${ipaddr}",
    "${nodeid}",
    "${nodelabel}",
    "${svcname}",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snippet(name: &str) -> String {
    std::fs::read_to_string(repo().join("opennms-poller-snippets").join(name)).unwrap()
}

fn xsd() -> PathBuf {
    repo().join("../shared/schemas/poller-configuration.xsd")
}

/// A complete poller-configuration.xml around the shipped snippets, as a user would paste
/// them: services into a package, monitors at the end.
fn document(services: &str, monitors: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<poller-configuration xmlns="http://xmlns.opennms.org/xsd/config/poller" threads="30" serviceUnresponsiveEnabled="false" pathOutageEnabled="false">
  <node-outage status="on" pollAllIfNoCriticalServiceDefined="true">
    <critical-service name="ICMP"/>
  </node-outage>
  <package name="misp">
    <filter>IPADDR != '0.0.0.0'</filter>
    <include-range begin="1.1.1.1" end="254.254.254.254"/>
    <rrd step="300">
      <rra>RRA:AVERAGE:0.5:1:2016</rra>
      <rra>RRA:MAX:0.5:288:366</rra>
    </rrd>
{services}
    <downtime begin="0" end="300000" interval="30000"/>
    <downtime begin="300000" end="43200000" interval="300000"/>
    <downtime begin="43200000" delete="true"/>
  </package>
  <monitor service="ICMP" class-name="org.opennms.netmgt.poller.monitors.IcmpMonitor"/>
{monitors}
</poller-configuration>
"#
    )
}

/// Writes `xml` to a temp file and runs xmllint against the XSD: (exit code, stderr).
fn xmllint_validate(dir: &Path, name: &str, xml: &str) -> (i32, String) {
    let path = dir.join(name);
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(xsd())
        .arg(&path)
        .output()
        .expect("xmllint (apt package libxml2-utils) must be installed");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `xmllint --xpath` on the full document; every value on its own line.
fn xpath(doc: &Path, expr: &str) -> Vec<String> {
    let out = Command::new("xmllint")
        .args(["--nonet", "--xpath", expr])
        .arg(doc)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect()
}

/// One `<service>` of the snippets, with its parameters and its monitor's class.
#[derive(Debug)]
struct Service {
    name: String,
    class: String,
    params: Vec<(String, String)>,
}

impl Service {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn services(doc: &Path) -> Vec<Service> {
    let el = |n: &str| format!("*[local-name()='{n}']");
    let names = xpath(doc, &format!("//{}/{}/@name", el("package"), el("service")));
    assert!(!names.is_empty());
    names
        .iter()
        .map(|line| {
            let name = line
                .trim()
                .trim_start_matches("name=\"")
                .trim_end_matches('"')
                .to_owned();
            let svc = format!("//{}/{}[@name='{name}']", el("package"), el("service"));
            let keys = xpath(doc, &format!("{svc}/{}/@key", el("parameter")));
            let params = keys
                .iter()
                .map(|k| {
                    let key = k.trim().trim_start_matches("key=\"").trim_end_matches('"');
                    let value = xpath(
                        doc,
                        &format!("string({svc}/{}[@key='{key}']/@value)", el("parameter")),
                    )
                    .join("\n");
                    (key.to_owned(), value)
                })
                .collect();
            let class = xpath(
                doc,
                &format!(
                    "string(/{}/{}[@service='{name}']/@class-name)",
                    el("poller-configuration"),
                    el("monitor")
                ),
            )
            .join("");
            Service {
                name,
                class,
                params,
            }
        })
        .collect()
}

fn full_document(dir: &Path) -> PathBuf {
    let xml = document(&snippet("services.xml"), &snippet("monitors.xml"));
    let path = dir.join("poller-configuration.xml");
    std::fs::write(&path, xml).unwrap();
    path
}

#[test]
fn snippets_in_a_complete_document_validate_against_the_xsd() {
    let dir = tempfile::tempdir().unwrap();
    let (services, monitors) = (snippet("services.xml"), snippet("monitors.xml"));
    let (code, err) = xmllint_validate(dir.path(), "ok.xml", &document(&services, &monitors));
    assert_eq!(code, 0, "xmllint rejected the snippets: {err}");
    assert!(err.contains("validates"), "{err}");

    // Negative controls: the same validation must reject broken copies, or it proves nothing.
    let broken = [
        (
            "a service without its required interval",
            document(
                &services.replacen(r#" interval="300000""#, "", 1),
                &monitors,
            ),
        ),
        (
            "status that is not on/off",
            document(
                &services.replacen(r#"status="on""#, r#"status="yes""#, 1),
                &monitors,
            ),
        ),
        (
            "a parameter element misspelt",
            document(
                &services.replacen("<parameter ", "<param ", 1).replacen(
                    "<parameter ",
                    "<param ",
                    0,
                ),
                &monitors,
            ),
        ),
        (
            "a monitor without class-name",
            document(
                &services,
                &monitors.replacen(" class-name=", " classname=", 1),
            ),
        ),
        (
            "no namespace",
            document(&services, &monitors).replacen(
                r#" xmlns="http://xmlns.opennms.org/xsd/config/poller""#,
                "",
                1,
            ),
        ),
    ];
    for (what, xml) in broken {
        assert_ne!(xml, document(&services, &monitors), "{what}: not broken");
        let (code, err) = xmllint_validate(dir.path(), "broken.xml", &xml);
        assert_ne!(code, 0, "{what}: accepted by xmllint: {err}");
    }
}

#[test]
fn every_service_has_its_monitor_and_its_own_rrd() {
    let dir = tempfile::tempdir().unwrap();
    let doc = full_document(dir.path());
    let all = services(&doc);
    let names: BTreeSet<_> = all.iter().map(|s| s.name.as_str()).collect();
    for wanted in [
        "MISP-Login",
        "MISP-Login-Exec",
        "MISP-REST",
        "MISP-REST-Address",
        "MISP-REST-Slow",
        "MISP-Workers",
        "MISP-Workers-Heal",
    ] {
        assert!(names.contains(wanted), "{wanted} missing from {names:?}");
    }
    let mut rrd = BTreeSet::new();
    for s in &all {
        assert!(
            s.class == EXEC || s.class == HTTPS,
            "{}: monitor class {:?}",
            s.name,
            s.class
        );
        let base = s.param("rrd-base-name").unwrap_or_else(|| panic!("{s:?}"));
        assert!(rrd.insert(base.to_owned()), "rrd-base-name {base} shared");
        assert!(s.param("timeout").is_some(), "{s:?}");
    }
    // The login page as OpenNMS's HttpsMonitor checks it.
    let login = all.iter().find(|s| s.name == "MISP-Login").unwrap();
    assert_eq!(login.class, HTTPS);
    assert_eq!(login.param("url"), Some("/users/login"));
    assert_eq!(login.param("response"), Some("200-202,299"));
    assert_eq!(login.param("response-text"), Some("~.*Login.*"));
    // A retry after a successful heal would hide the outage it healed.
    let heal = all.iter().find(|s| s.name == "MISP-Workers-Heal").unwrap();
    assert_eq!(heal.param("retry"), Some("0"));
}

/// Each SystemExecuteMonitor `script` + `args`, as OpenNMS runs them: placeholders replaced,
/// split on single spaces, no shell. They must run check_misp to OK within the poller
/// timeout, and a dead worker must make the worker services KO.
#[test]
fn exec_command_lines_run_check_misp_as_opennms_would() {
    let m = Misp::start();
    let dir = tempfile::tempdir().unwrap();
    let doc = full_document(dir.path());
    // The install layout the snippets assume, under a temp dir.
    let scripts = dir.path().join("monitoring-scripts");
    std::fs::create_dir(&scripts).unwrap();
    // The node label names MISP as its certificate does; the interface has an address.
    let host = format!("localhost:{}", m.sim.https_port());
    let ipaddr = "127.0.0.1";
    let key = m.path("key");
    let ca = m.path("ca.pem");

    let exec: Vec<Service> = services(&doc)
        .into_iter()
        .filter(|s| s.class == EXEC)
        .collect();
    assert!(exec.len() >= 5, "{exec:?}");
    let run = |s: &Service| {
        let script = s.param("script").unwrap();
        let link_name = script
            .strip_prefix(SCRIPT_DIR)
            .unwrap_or_else(|| panic!("{}: script {script} not in {SCRIPT_DIR}", s.name));
        let check = link_name
            .strip_prefix("check_misp_")
            .unwrap_or_else(|| panic!("{}: {link_name} is not a check_misp_<check> name", s.name));
        assert!(check_misp::CheckName::NAMES.contains(&check), "{check}");
        let link = scripts.join(link_name);
        if !link.exists() {
            std::os::unix::fs::symlink(bin(), &link).unwrap();
        }

        let args = s.param("args").unwrap();
        assert!(
            !args.contains("  ") && !args.contains(['\t', '\n', '"', '\'']),
            "{}: args {args:?} would not split into the intended arguments",
            s.name
        );
        // Every ${...} is one OpenNMS substitutes; upper-case forms like ${ipAddr} are not.
        let mut rest = args;
        while let Some(i) = rest.find("${") {
            let end = rest[i..].find('}').map(|e| i + e + 1).unwrap();
            let p = &rest[i..end];
            assert!(
                PLACEHOLDERS.contains(&p),
                "{}: {p} is not substituted by SystemExecuteMonitor",
                s.name
            );
            rest = &rest[end..];
        }
        assert!(
            !args.contains("--key "),
            "{}: key on the command line",
            s.name
        );
        if check != "login" {
            assert!(
                args.contains(&format!("--key-file {KEY_FILE}")),
                "{}",
                s.name
            );
        }
        let timeout_ms: u64 = s.param("timeout").unwrap().parse().unwrap();
        let substituted = args
            .replace("${ipaddr}", ipaddr)
            .replace("${nodelabel}", &host)
            .replace("${timeoutsec}", &(timeout_ms / 1000).to_string())
            .replace("${timeout}", &timeout_ms.to_string())
            .replace(KEY_FILE, &key);
        // ExecRunner: StringTokenizer(command, " ").
        let argv: Vec<&str> = substituted.split(' ').filter(|a| !a.is_empty()).collect();
        // check_misp's own deadline must fire before OpenNMS kills it.
        let own = argv
            .iter()
            .position(|a| *a == "--timeout" || *a == "-t")
            .and_then(|i| argv.get(i + 1))
            .map_or_else(
                || panic!("{}: no --timeout in args", s.name),
                |t| check_misp::invocation::parse_duration(t).unwrap(),
            );
        assert!(
            own.as_millis() < u128::from(timeout_ms),
            "{}: --timeout {own:?} is not below the poller timeout {timeout_ms} ms",
            s.name
        );
        // The site's CA comes from the environment OpenNMS passes on, as a public CA would.
        let r = run_with(&link, &argv, &[("SSL_CERT_FILE", ca.as_str())]);
        assert!(r.elapsed.as_millis() < u128::from(timeout_ms), "{r:#?}");
        (r, s.param("banner").unwrap_or("*").to_owned())
    };

    for s in &exec {
        let (r, banner) = run(s);
        assert_eq!(
            (r.stdout.as_str(), r.code),
            ("OK\n", 0),
            "{}: {r:#?}",
            s.name
        );
        assert!(r.stdout.contains(&banner), "{}: banner {banner}", s.name);
    }
    assert_eq!(m.sim.count("POST /servers/restartDeadWorkers"), 0);

    m.sim.kill_queue("default");
    for s in exec.iter().filter(|s| s.name == "MISP-Workers") {
        let (r, banner) = run(s);
        assert_eq!(
            (r.stdout.as_str(), r.code),
            ("KO\n", 1),
            "{}: {r:#?}",
            s.name
        );
        assert!(!r.stdout.contains(&banner));
    }
}
