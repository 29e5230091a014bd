//! `-o checkmk`: every line follows the grammar of Checkmk's local checks, `all` gives one
//! service per check, and the shipped agent plugin prints them.

mod common;
use common::{run_with, Misp};
use std::path::Path;

/// `<0-3> "<name>" <metrics|-> <text>`, metrics `name=value;warn;crit;min;max` joined with
/// `|`, each number plain (no unit), the text on one line.
fn assert_local_check_line(line: &str) -> (u8, String) {
    let (state, rest) = line
        .split_once(' ')
        .unwrap_or_else(|| panic!("no state: {line:?}"));
    let state: u8 = state
        .parse()
        .unwrap_or_else(|_| panic!("state {state:?}: {line:?}"));
    assert!(state <= 3, "{line:?}");
    let rest = rest
        .strip_prefix('"')
        .unwrap_or_else(|| panic!("service name not quoted: {line:?}"));
    let (name, rest) = rest
        .split_once("\" ")
        .unwrap_or_else(|| panic!("name: {line:?}"));
    assert!(name.starts_with("MISP ") && !name.contains('"'), "{line:?}");
    let (metrics, text) = rest
        .split_once(' ')
        .unwrap_or_else(|| panic!("no text: {line:?}"));
    assert!(!text.is_empty() && !text.contains('\n'), "{line:?}");
    if metrics != "-" {
        for m in metrics.split('|') {
            let (label, values) = m.split_once('=').unwrap_or_else(|| panic!("metric {m:?}"));
            assert!(
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "label {label:?} in {line:?}"
            );
            let fields: Vec<&str> = values.split(';').collect();
            assert_eq!(fields.len(), 5, "{m:?} in {line:?}");
            assert!(fields[0].parse::<f64>().is_ok(), "value of {m:?}");
            for f in &fields[1..] {
                assert!(f.is_empty() || f.parse::<f64>().is_ok(), "{f:?} in {m:?}");
            }
        }
    }
    (state, name.to_owned())
}

#[test]
fn single_checks_and_all_follow_the_local_check_grammar() {
    let m = Misp::start();
    let r = m.http("workers", &["-o", "checkmk"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:#?}");
    let (state, name) = assert_local_check_line(r.stdout.trim_end());
    assert_eq!((state, name.as_str()), (0, "MISP workers"));
    assert!(r.stdout.contains("|dead=0;0;;0;|"), "{r:#?}");
    let all = m.http("all", &["-o", "checkmk"]);
    let names: Vec<String> = all
        .stdout
        .lines()
        .map(|l| assert_local_check_line(l).1)
        .collect();
    assert!(names.len() >= 10, "{all:#?}");
    for check in [
        "login",
        "events",
        "workers",
        "jobs",
        "diagnostics",
        "version",
    ] {
        assert!(
            names.contains(&format!("MISP {check}")),
            "{check}: {all:#?}"
        );
    }
    m.sim.kill_queue("email");
    let bad = m.http("all", &["-o", "checkmk"]);
    let workers = bad
        .stdout
        .lines()
        .find(|l| l.contains("\"MISP workers\""))
        .expect("workers line");
    assert_eq!(assert_local_check_line(workers).0, 2, "{bad:#?}");
    assert!(workers.contains("no live worker in email"), "{workers}");
    assert!(
        workers.contains("\\nemail: 0 alive"),
        "long output after a literal \\n: {workers}"
    );
}

#[test]
fn the_agent_plugin_prints_local_checks() {
    let m = Misp::start();
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/checkmk/check_misp");
    let bin_dir = common::bin()
        .parent()
        .expect("bin dir")
        .display()
        .to_string();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let url = m.sim.http_url();
    let key = m.path("key");
    let r = run_with(
        &plugin,
        &[],
        &[("PATH", &path), ("MISP_URL", &url), ("MISP_KEY_FILE", &key)],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines.len() >= 10, "{r:#?}");
    for l in lines {
        assert_eq!(assert_local_check_line(l).0, 0, "{l}");
    }
}
