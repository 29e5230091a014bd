//! The shipped Prometheus alerting rules, end to end: check_misp rewrites its textfile as the
//! shipped cron line does, a real node_exporter serves it, a real Prometheus scrapes it and
//! evaluates `contrib/prometheus/check_misp.rules.yml`, and a real Alertmanager delivers to a
//! webhook receiver in this test. promtool checks the rules and runs their unit tests.

mod alertchain;
mod common;
mod external;
mod promql;
use alertchain::{contrib, encode, get, read, Chain};
use common::Misp;
use external::{have, ok};
use promql::{dashboard, dashboard_queries, families, identifiers, NODE_EXPORTER_SERIES};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const PROMTOOL: &str = "/usr/bin/promtool";

#[test]
fn shipped_rules_pass_promtool_and_their_unit_tests_cover_every_alert() {
    if !have("alerting", "prometheus (promtool)", &[PROMTOOL]) {
        return;
    }
    let rules = contrib().join("check_misp.rules.yml");
    ok(Command::new(PROMTOOL).arg("check").arg("rules").arg(&rules));
    ok(Command::new(PROMTOOL).current_dir(contrib()).args([
        "test",
        "rules",
        "check_misp.rules.test.yml",
    ]));
    let tests = std::fs::read_to_string(contrib().join("check_misp.rules.test.yml"))
        .expect("read the rules' unit tests");
    let alerts = alert_names(&read(&rules));
    assert!(alerts.len() >= 8, "too few alerts found: {alerts:?}");
    for alert in alerts {
        assert!(
            tests.contains(&format!("alertname: {alert}\n")),
            "no promtool unit test evaluates {alert}"
        );
    }
}

/// The names after `- alert:` in a rules file.
fn alert_names(rules: &str) -> Vec<String> {
    rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert:"))
        .map(|n| n.trim().to_owned())
        .collect()
}

#[test]
fn a_queue_without_workers_reaches_alertmanager_named_and_resolves_after_heal() {
    let m = Misp::start();
    let Some(chain) = Chain::start("alerting", m.dir.path(), &m.sim.http_url(), &m.path("key"))
    else {
        return;
    };
    chain.healthy("misp_workers_alive{queue=\"email\"}", 5.0);
    m.sim.kill_queue("email");
    chain.fired("email");
    dashboard_queries_answer(chain.prom_port, &chain.textfile);
    let healed = m.heal(&[]);
    assert_eq!(
        healed.code, 1,
        "heal did not restart the queue: {healed:#?}"
    );
    chain.resolved("email");
}

/// Every dashboard query is valid PromQL to the real Prometheus, and answers with series when
/// the textfile has the figures it names (the cron line's `all` over http:// has no `cert`).
fn dashboard_queries_answer(port: u16, textfile: &Path) {
    let mut present = families(&read(textfile));
    present.extend(NODE_EXPORTER_SERIES.map(String::from));
    present.push("ALERTS".into());
    for (panel, expr) in dashboard_queries(&dashboard()) {
        let promql = expr.replace("$instance", ".+");
        let body = get(port, &format!("/api/v1/query?query={}", encode(&promql)))
            .unwrap_or_else(|| panic!("Prometheus did not answer {promql}"));
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!(v["status"], "success", "panel {panel:?}: {promql}: {body}");
        let answered = v["data"]["result"]
            .as_array()
            .is_some_and(|r| !r.is_empty());
        let expected = identifiers(&expr).iter().all(|n| present.contains(n));
        assert!(
            answered || !expected,
            "panel {panel:?}: {promql} gave no series: {body}"
        );
    }
}

#[test]
fn the_dashboard_and_the_rules_name_only_series_check_misp_and_node_exporter_serve() {
    let m = Misp::start();
    // Every check that writes figures, cert and freshness included.
    let checks = "login,events,latency,workers,jobs,stats,users,diagnostics,version,heartbeat,cert,freshness";
    let r = m.https("all", &["--only", checks, "-o", "prometheus"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let mut known = families(&r.stdout);
    for family in [
        "misp_cert_days",
        "misp_freshness_age_seconds",
        "misp_workers_alive",
    ] {
        assert!(
            known.iter().any(|f| f == family),
            "{family} not written: {r:#?}"
        );
    }
    known.extend(NODE_EXPORTER_SERIES.map(String::from));
    known.push("ALERTS".into());

    let dashboard = dashboard();
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .expect("dashboard variables")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert!(variables.contains(&"datasource"), "{variables:?}");
    let queries = dashboard_queries(&dashboard);
    assert!(queries.len() >= 10, "{queries:?}");
    let mut ids = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        ids.push(panel["id"].as_u64().expect("panel id"));
        for ds in std::iter::once(&panel["datasource"]).chain(
            panel["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| &t["datasource"]),
        ) {
            assert_eq!(ds["uid"], "${datasource}", "panel {}: {ds}", panel["title"]);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        dashboard["panels"].as_array().map_or(0, Vec::len),
        "panel ids repeat"
    );
    for (panel, expr) in &queries {
        for var in expr.split('$').skip(1) {
            let name: String = var
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                variables.contains(&name.as_str()),
                "panel {panel:?}: ${name} is not a variable"
            );
        }
    }

    assert_eq!(
        identifiers("time() - node_textfile_mtime_seconds{file=~\"a b\"} > 300 or sum by (queue) (misp_x[5m])"),
        ["node_textfile_mtime_seconds", "misp_x"]
    );
    let rules = read(&contrib().join("check_misp.rules.yml"));
    let rule_exprs: Vec<(String, String)> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr:"))
        .map(|e| ("rules".to_owned(), e.trim().to_owned()))
        .collect();
    for (place, expr) in queries.iter().chain(&rule_exprs) {
        let names = identifiers(expr);
        assert!(!names.is_empty(), "{place}: {expr} names no series");
        for name in names {
            assert!(
                known.contains(&name),
                "{place}: {expr} names {name}, which neither check_misp nor node_exporter writes"
            );
        }
    }
    // The alerts panel lists ALERTS{alertname=~"Misp.+"}: every rule must be in it.
    for alert in alert_names(&rules) {
        assert!(alert.starts_with("Misp") && alert.len() > 4, "{alert}");
    }
}
