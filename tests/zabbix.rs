//! The shipped Zabbix files: `contrib/zabbix/userparameter_check_misp.conf`, loaded by a real
//! `zabbix_agentd` 6.0 whose test mode (`-t KEY`) runs every agent item of the template
//! `contrib/zabbix/zbx_template_misp_check_misp.yaml` against the simulator; the template's
//! JSONPath preprocessing and state triggers are then applied to what the agent returned.
//! The template is read with PyYAML and checked against the UserParameter file.
//!
//! Needs Debian's `zabbix-agent` and `python3-yaml` (`.ci/run` installs them).

mod common;
mod external;

use common::{bin, Misp};
use external::{have, ok, repo, require, text};
use misp_sim::DEFAULT_KEY;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const AGENT: &str = "/usr/sbin/zabbix_agentd";
const PYTHON: &str = "/usr/bin/python3";
const CONF: &str = "contrib/zabbix/userparameter_check_misp.conf";
const TEMPLATE: &str = "contrib/zabbix/zbx_template_misp_check_misp.yaml";
const NAME: &str = "MISP by check_misp";

fn available() -> bool {
    if !have("zabbix", "zabbix-agent python3-yaml", &[AGENT, PYTHON]) {
        return false;
    }
    let yaml = Command::new(PYTHON).args(["-c", "import yaml"]).status();
    require(
        "zabbix",
        "python3-yaml",
        yaml.is_ok_and(|s| s.success()),
        "python3 cannot import yaml",
    )
}

/// The template as JSON, parsed by PyYAML (what a YAML 1.1 reader such as Zabbix's sees).
fn template() -> Value {
    let out = ok(Command::new(PYTHON)
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(repo().join(TEMPLATE)));
    serde_json::from_slice(&out.stdout).expect("the template as JSON")
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {v}"))
}

fn list(v: &Value, field: &str) -> Vec<Value> {
    v[field].as_array().cloned().unwrap_or_default()
}

/// The keys (`misp.check`, ...) the UserParameter file defines.
fn user_parameters(conf: &str) -> BTreeSet<String> {
    conf.lines()
        .filter_map(|l| l.strip_prefix("UserParameter="))
        .map(|l| {
            let key = l.split(',').next().unwrap_or("");
            key.trim_end_matches("[*]").to_owned()
        })
        .collect()
}

/// The subset of Zabbix JSONPath the template uses: `$.a.b` and
/// `$.list[?(@.field=='value')].member.first()`. Anything else fails the test, so an edit
/// to the template that this does not understand is noticed.
fn jsonpath(doc: &Value, path: &str) -> Option<Value> {
    let rest = path
        .strip_prefix("$.")
        .unwrap_or_else(|| panic!("path {path}"));
    let (rest, first) = match rest.strip_suffix(".first()") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    if let Some((list, filter)) = rest.split_once("[?(@.") {
        let (cond, member) = filter
            .split_once(")].")
            .unwrap_or_else(|| panic!("path {path}"));
        let (field, value) = cond
            .split_once("==")
            .unwrap_or_else(|| panic!("path {path}"));
        let value = value.trim_matches('\'');
        assert!(first, "a filter gives a list: {path} needs .first()");
        return doc[list]
            .as_array()?
            .iter()
            .find(|e| e[field].as_str() == Some(value))
            .map(|e| e[member].clone())
            .filter(|v| !v.is_null());
    }
    let mut v = doc;
    for part in rest.split('.') {
        v = v.get(part)?;
    }
    Some(v.clone())
}

/// The template's agent items (those the agent answers), with everything computed from them.
struct Items {
    all: Vec<Value>,
}

impl Items {
    fn agent(&self) -> Vec<&Value> {
        self.all
            .iter()
            .filter(|i| i["type"].is_null() || i["type"] == "ZABBIX_ACTIVE")
            .collect()
    }

    fn dependents_of(&self, key: &str) -> Vec<&Value> {
        self.all
            .iter()
            .filter(|i| i["type"] == "DEPENDENT" && i["master_item"]["key"] == key)
            .collect()
    }

    fn by_key(&self, key: &str) -> &Value {
        self.all
            .iter()
            .find(|i| i["key"] == key)
            .unwrap_or_else(|| panic!("no item {key}"))
    }
}

/// An item's value after its preprocessing, as Zabbix would store it, or None when a step
/// fails with the error handler "discard".
fn preprocess(item: &Value, raw: &str) -> Option<String> {
    let mut value = raw.to_owned();
    for step in list(item, "preprocessing") {
        assert_eq!(step["type"], "JSONPATH", "{step}");
        let doc: Value = serde_json::from_str(&value)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {value}", item["key"]));
        let path = step["parameters"][0].as_str().unwrap();
        match jsonpath(&doc, path) {
            Some(Value::String(s)) => value = s,
            Some(v) => value = v.to_string(),
            None if step["error_handler"] == "DISCARD_VALUE" => return None,
            None => panic!("{}: {path} found nothing in {doc}", item["key"]),
        }
    }
    match str_of(item, "value_type") {
        "UNSIGNED" => assert!(value.parse::<u64>().is_ok(), "{}: {value}", item["key"]),
        "FLOAT" => assert!(value.parse::<f64>().is_ok(), "{}: {value}", item["key"]),
        _ => {}
    }
    Some(value)
}

/// The triggers of `item` that fire on `value`: the template's are all `last(/T/KEY)=N` or
/// `nodata(...)`, which never fires on a fresh value.
fn firing(item: &Value, value: &str) -> Vec<String> {
    list(item, "triggers")
        .iter()
        .filter(|t| {
            let expr = str_of(t, "expression");
            if expr.starts_with("nodata(") {
                return false;
            }
            let want = expr
                .rsplit_once(")=")
                .unwrap_or_else(|| panic!("trigger {expr}"))
                .1;
            value == want
        })
        .map(|t| str_of(t, "name").to_owned())
        .collect()
}

#[test]
fn template_is_consistent_with_the_user_parameters() {
    if !available() {
        return;
    }
    let doc = template();
    let export = &doc["zabbix_export"];
    assert_eq!(export["version"], "6.0");
    let templates = list(export, "templates");
    assert_eq!(templates.len(), 1);
    let t = &templates[0];
    assert_eq!(t["template"], NAME);
    let conf = std::fs::read_to_string(repo().join(CONF)).unwrap();
    let params = user_parameters(&conf);
    assert_eq!(
        params,
        ["misp.check", "misp.heal", "misp.state"]
            .map(String::from)
            .into()
    );

    let items = list(t, "items");
    let keys: BTreeSet<&str> = items.iter().map(|i| str_of(i, "key")).collect();
    assert_eq!(keys.len(), items.len(), "duplicate item keys");
    let macros: BTreeSet<String> = list(t, "macros")
        .iter()
        .map(|m| str_of(m, "macro").to_owned())
        .collect();
    let valuemaps: BTreeSet<String> = list(t, "valuemaps")
        .iter()
        .map(|v| str_of(v, "name").to_owned())
        .collect();
    let mut uuids = vec![str_of(t, "uuid").to_owned()];
    let mut jsonpaths = BTreeSet::new();
    for item in &items {
        let key = str_of(item, "key");
        uuids.push(str_of(item, "uuid").to_owned());
        match item["type"].as_str() {
            None | Some("ZABBIX_ACTIVE") => {
                let base = key.split('[').next().unwrap();
                assert!(params.contains(base), "{key} is not a UserParameter");
            }
            Some("DEPENDENT") => {
                let master = str_of(&item["master_item"], "key");
                assert!(keys.contains(master), "{key}: no master {master}");
                let steps = list(item, "preprocessing");
                assert!(!steps.is_empty(), "{key} has no preprocessing");
                for s in steps {
                    assert_eq!(s["type"], "JSONPATH", "{key}");
                    jsonpaths.insert(s["parameters"][0].as_str().unwrap().to_owned());
                }
            }
            Some(other) => panic!("{key}: unexpected item type {other}"),
        }
        if let Some(vm) = item["valuemap"]["name"].as_str() {
            assert!(valuemaps.contains(vm), "{key}: no value map {vm}");
        }
        for (at, _) in key.match_indices("{$") {
            let name = &key[at..=at + key[at..].find('}').unwrap()];
            assert!(macros.contains(name), "{key}: macro {name} not defined");
        }
        for trigger in list(item, "triggers") {
            uuids.push(str_of(&trigger, "uuid").to_owned());
            let expr = str_of(&trigger, "expression");
            assert!(
                expr.contains(&format!("(/{NAME}/{key}")),
                "trigger of {key} is about another item: {expr}"
            );
            assert!(["WARNING", "AVERAGE", "HIGH", "DISASTER", "INFO"]
                .contains(&str_of(&trigger, "priority")));
        }
    }
    // The JSONPath preprocessing covers state, exit code and metrics, per the issue.
    for needed in ["$.state", "$.exit_code"] {
        assert!(jsonpaths.contains(needed), "{needed} not used");
    }
    assert!(jsonpaths.iter().any(|p| p.starts_with("$.metrics[")));
    for v in list(t, "valuemaps") {
        uuids.push(str_of(&v, "uuid").to_owned());
    }
    let unique: BTreeSet<&String> = uuids.iter().collect();
    assert_eq!(unique.len(), uuids.len(), "duplicate UUIDs");
    for u in &uuids {
        let b = u.as_bytes();
        assert!(
            u.len() == 32
                && u.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
                && b[12] == b'4'
                && b"89ab".contains(&b[16]),
            "not a UUIDv4 as Zabbix writes them: {u}"
        );
    }
}

/// The shipped UserParameter file with only what its comments say to adapt: the binary's
/// and key's paths, and a --state-file for heal.
fn agent_conf(dir: &Path, m: &Misp) -> std::path::PathBuf {
    let shipped = std::fs::read_to_string(repo().join(CONF)).unwrap();
    let state = dir.join("heal-state.json");
    let user_params = shipped
        .replace("/usr/bin/check_misp", &bin().display().to_string())
        .replace("/etc/zabbix/misp.key", &m.path("key"))
        .replace(
            " heal --url ",
            &format!(" heal --state-file {} --url ", state.display()),
        );
    let up = dir.join("userparameter_check_misp.conf");
    std::fs::write(&up, user_params).unwrap();
    let conf = dir.join("zabbix_agentd.conf");
    std::fs::write(
        &conf,
        format!("LogType=console\nTimeout=30\nInclude={}\n", up.display()),
    )
    .unwrap();
    conf
}

/// `zabbix_agentd -t KEY`: the value, or the failure the agent printed.
fn agent_test(conf: &Path, m: &Misp, key: &str) -> Result<String, String> {
    let out = Command::new(AGENT)
        .arg("-c")
        .arg(conf)
        .arg("-t")
        .arg(key)
        // The simulator's private CA, through the variable check_misp's trust store reads.
        .env("SSL_CERT_FILE", m.path("ca.pem"))
        .env_remove("MISP_KEY")
        .env_remove("MISP_KEY_FILE")
        .env_remove("MISP_URL")
        .output()
        .expect("run zabbix_agentd");
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(DEFAULT_KEY) && !text(&out.stderr).contains(DEFAULT_KEY));
    let (_, value) = stdout
        .split_once(" [")
        .ok_or_else(|| format!("{stdout}{}", text(&out.stderr)))?;
    let value = value.trim_end().trim_end_matches(']');
    match value.split_once('|') {
        Some(("m", why)) => Err(why.to_owned()),
        Some((_, v)) => Ok(v.to_owned()),
        None => Err(stdout),
    }
}

/// Runs every agent item of the template through the agent, applies the preprocessing of
/// its dependent items, and returns every item's value and the triggers that fire.
fn poll(
    items: &Items,
    conf: &Path,
    m: &Misp,
    enabled_only: bool,
) -> (BTreeMap<String, Option<String>>, Vec<String>) {
    let url = m.sim.https_url();
    let mut values = BTreeMap::new();
    let mut fired = Vec::new();
    for item in items.agent() {
        if enabled_only && item["status"] == "DISABLED" {
            continue;
        }
        let key = str_of(item, "key");
        let raw = agent_test(conf, m, &key.replace("{$MISP.URL}", &url))
            .unwrap_or_else(|e| panic!("the agent could not run {key}: {e}"));
        fired.extend(firing(item, &raw));
        for dep in items.dependents_of(key) {
            let value = preprocess(dep, &raw);
            if let Some(v) = &value {
                fired.extend(firing(dep, v));
            }
            values.insert(str_of(dep, "key").to_owned(), value);
        }
        values.insert(key.to_owned(), Some(raw));
    }
    (values, fired)
}

#[test]
fn zabbix_agent_runs_every_template_item_against_the_simulator() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let m = Misp::start();
    let conf = agent_conf(dir.path(), &m);
    let items = Items {
        all: list(&list(&template()["zabbix_export"], "templates")[0], "items"),
    };

    // Healthy: every dependent item has a value (cert too: the URL is https), all states
    // are OK, no trigger fires.
    let (values, fired) = poll(&items, &conf, &m, true);
    let missing: Vec<&String> = values
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(missing.is_empty(), "no value for {missing:?}: {values:#?}");
    assert!(fired.is_empty(), "{fired:?}: {values:#?}");
    let v = |k: &str| values[k].clone().unwrap_or_default();
    assert_eq!(v("misp.all.state"), "OK");
    assert_eq!(v("misp.all.exit_code"), "0");
    assert_eq!(v("misp.all.state[cert]"), "0");
    assert_eq!(v("misp.workers.alive"), "21.0");
    assert_eq!(v("misp.events.count"), "12.0");
    assert!(v("misp.all.summary[workers]").contains("21 workers alive"));
    let days: f64 = v("misp.cert.days").parse().unwrap();
    assert!(days > 30.0, "{days}");

    // A queue dies: the workers state item says 2 and its CRITICAL trigger fires.
    m.sim.kill_queue("email");
    let (values, fired) = poll(&items, &conf, &m, true);
    let v = |k: &str| values[k].clone().unwrap_or_default();
    assert_eq!(v("misp.all.state"), "CRITICAL");
    assert_eq!(v("misp.all.state[workers]"), "2");
    assert_eq!(v("misp.workers.queues_down"), "1.0");
    assert!(
        fired.contains(&"MISP background workers is CRITICAL".to_owned()),
        "{fired:?}"
    );
    assert!(
        fired
            .iter()
            .all(|f| f.starts_with("MISP background workers") || f.starts_with("MISP job backlog")),
        "{fired:?}"
    );

    // The opt-in heal item restarts them: 1 (healed), its WARNING trigger fires; then the
    // workers are back.
    let heal = items.by_key("misp.heal[{$MISP.URL}]");
    let url = m.sim.https_url();
    let raw = agent_test(&conf, &m, &format!("misp.heal[{url}]")).unwrap();
    assert_eq!(raw, "1");
    assert_eq!(
        firing(heal, &raw),
        ["MISP heal: dead workers were restarted"]
    );
    assert!(dir.path().join("heal-state.json").exists());
    let state = agent_test(&conf, &m, &format!("misp.state[workers,{url}]")).unwrap();
    assert_eq!(state, "0");

    // MISP down: the JSON still parses, states are CRITICAL, metrics are discarded.
    let down = agent_test(&conf, &m, "misp.check[workers,https://127.0.0.1:1]").unwrap();
    let doc: Value = serde_json::from_str(&down).unwrap();
    assert_eq!(doc["state"], "CRITICAL");
    assert_eq!(
        agent_test(&conf, &m, "misp.state[workers,https://127.0.0.1:1]").unwrap(),
        "2"
    );
    // The opt-in feeds item and its dependents: a feed fetched an hour ago is OK, its
    // failed fetch CRITICAL with the feed named.
    let feeds_key = "misp.check[feeds,{$MISP.URL}]";
    let feeds = |m: &Misp| {
        let raw = agent_test(&conf, m, &feeds_key.replace("{$MISP.URL}", &url)).unwrap();
        let mut fired = Vec::new();
        let mut values = BTreeMap::new();
        for dep in items.dependents_of(feeds_key) {
            let value = preprocess(dep, &raw);
            if let Some(v) = &value {
                fired.extend(firing(dep, v));
            }
            values.insert(str_of(dep, "key").to_owned(), value);
        }
        (values, fired)
    };
    assert_eq!(items.by_key(feeds_key)["status"], "DISABLED");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let osint = m
        .sim
        .add_feed("osint", true, false, Some("Authorization: FeedSecret"));
    m.sim
        .add_fetch(misp_sim::Fetch::new(Some(osint), 4, now - 3600));
    let (values, fired) = feeds(&m);
    assert!(fired.is_empty(), "{fired:?}: {values:#?}");
    assert_eq!(
        values["misp.feeds.state"].as_deref(),
        Some("0"),
        "{values:#?}"
    );
    assert_eq!(
        values["misp.feeds.failed"].as_deref(),
        Some("0.0"),
        "{values:#?}"
    );
    // No timezone given: the age is uncertain, so no value rather than a wrong one.
    assert_eq!(values["misp.feeds.age"], None, "{values:#?}");
    m.sim
        .add_fetch(misp_sim::Fetch::new(Some(osint), 3, now - 60));
    let (values, fired) = feeds(&m);
    assert_eq!(fired, ["MISP feeds is CRITICAL"], "{values:#?}");
    let summary = values["misp.feeds.summary"].clone().unwrap_or_default();
    assert!(
        summary.starts_with("feed osint (3): last fetch failed"),
        "{summary}"
    );
    assert!(!summary.contains("FeedSecret"));

    // What the agent refuses by default: shell characters in a parameter.
    let refused = agent_test(&conf, &m, "misp.state[workers;id,https://127.0.0.1:1]");
    assert!(refused.is_err(), "{refused:?}");
}
