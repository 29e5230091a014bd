//! The shipped Prometheus alerting rules, end to end: check_misp rewrites its textfile as the
//! shipped cron line does, a real node_exporter serves it, a real Prometheus scrapes it and
//! evaluates `contrib/prometheus/check_misp.rules.yml`, and a real Alertmanager delivers to a
//! webhook receiver in this test. promtool checks the rules and runs their unit tests.

mod common;
mod external;
mod promql;
use common::{bin, Misp};
use external::{have, ok, repo, Daemon};
use promql::{dashboard, dashboard_queries, families, identifiers, NODE_EXPORTER_SERIES};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const PROMTOOL: &str = "/usr/bin/promtool";
const PROMETHEUS: &str = "/usr/bin/prometheus";
const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
const QUEUE_ALERT: &str = "MispQueueNoLiveWorker";

fn contrib() -> PathBuf {
    repo().join("contrib/prometheus")
}

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
    if !have(
        "alerting",
        "prometheus, prometheus-node-exporter and prometheus-alertmanager",
        &[PROMETHEUS, NODE_EXPORTER, ALERTMANAGER],
    ) {
        return;
    }
    let m = Misp::start();
    let dir = m.dir.path().to_owned();
    let textfiles = dir.join("textfile");
    std::fs::create_dir(&textfiles).expect("textfile dir");
    let _writer = Writer::start(cron_command(&m, &textfiles.join("misp.prom")));

    let webhook = Webhook::start();
    let am_port = free_port();
    std::fs::write(
        dir.join("alertmanager.yml"),
        format!(
            "route:\n  receiver: test\n  group_by: [alertname, queue]\n  group_wait: 1s\n  \
             group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: test\n    \
             webhook_configs:\n      - url: http://127.0.0.1:{}/\n        send_resolved: true\n",
            webhook.port
        ),
    )
    .expect("alertmanager.yml");
    let _alertmanager = Daemon::spawn(
        "alertmanager",
        Command::new(ALERTMANAGER)
            .arg(format!(
                "--config.file={}",
                dir.join("alertmanager.yml").display()
            ))
            .arg(format!("--storage.path={}", dir.join("am-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
            .arg("--cluster.listen-address="),
        &dir.join("alertmanager.log"),
    );

    let ne_port = free_port();
    let _exporter = Daemon::spawn(
        "node_exporter",
        Command::new(NODE_EXPORTER)
            .arg(format!("--web.listen-address=127.0.0.1:{ne_port}"))
            .args(["--collector.disable-defaults", "--collector.textfile"])
            .arg(format!(
                "--collector.textfile.directory={}",
                textfiles.display()
            )),
        &dir.join("node_exporter.log"),
    );

    let rules = dir.join("rules.yml");
    std::fs::write(
        &rules,
        quick(&read(&contrib().join("check_misp.rules.yml"))),
    )
    .expect("rules.yml");
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
             alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n\
             scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{ne_port}']\n",
            rules.display()
        ),
    )
    .expect("prometheus.yml");
    let prom_port = free_port();
    let _prometheus = Daemon::spawn(
        "prometheus",
        Command::new(PROMETHEUS)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("prom-data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--rules.alert.resend-delay=1s"),
        &dir.join("prometheus.log"),
    );

    // The healthy figures reach Prometheus first, so the alert below follows the fault.
    let until = Instant::now() + Duration::from_secs(30);
    while query(prom_port, "misp_workers_alive{queue=\"email\"}") != Some(5.0) {
        assert!(
            Instant::now() < until,
            "Prometheus never read misp_workers_alive{{queue=\"email\"}} 5 through node_exporter\n{}",
            logs(&dir)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        webhook
            .seen()
            .iter()
            .all(|n| queue_alert(n, "firing").is_none()),
        "{QUEUE_ALERT} fired while every queue had workers: {:#?}",
        webhook.seen()
    );

    m.sim.kill_queue("email");
    let fired = webhook
        .wait(Duration::from_secs(30), |n| {
            queue_alert(n, "firing").cloned()
        })
        .unwrap_or_else(|| {
            panic!(
                "no {QUEUE_ALERT} reached the webhook within 30s of killing queue email; \
                 received: {:#?}\n{}",
                webhook.seen(),
                logs(&dir)
            )
        });
    let labels = &fired["labels"];
    assert_eq!(labels["queue"], "email", "{fired:#}");
    assert_eq!(labels["severity"], "critical", "{fired:#}");
    assert_eq!(labels["job"], "node", "{fired:#}");
    assert!(
        fired["annotations"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("queue email has no live worker")),
        "{fired:#}"
    );
    for n in webhook.seen() {
        for a in alerts(&n) {
            assert!(
                a["labels"]["alertname"] != QUEUE_ALERT || a["labels"]["queue"] == "email",
                "an alert for a queue that kept its workers: {a:#}"
            );
        }
    }

    dashboard_queries_answer(prom_port, &textfiles.join("misp.prom"));

    let healed = m.heal(&[]);
    assert_eq!(
        healed.code, 1,
        "heal did not restart the queue: {healed:#?}"
    );
    let resolved = webhook
        .wait(Duration::from_secs(30), |n| {
            queue_alert(n, "resolved").cloned()
        })
        .unwrap_or_else(|| {
            panic!(
                "{QUEUE_ALERT} was not resolved within 30s of heal; received: {:#?}\n{}",
                webhook.seen(),
                logs(&dir)
            )
        });
    assert_eq!(resolved["labels"]["queue"], "email", "{resolved:#}");
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

/// The rules with every `for:` at 2s, so the chain fires within seconds.
fn quick(rules: &str) -> String {
    rules
        .lines()
        .map(|l| match l.trim_start().strip_prefix("for:") {
            Some(_) => format!("{}for: 2s", &l[..l.len() - l.trim_start().len()]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The shipped cron line's command, pointed at the simulator and a private textfile.
fn cron_command(m: &Misp, output: &Path) -> Command {
    let cron = read(&contrib().join("check_misp.cron"));
    let line = cron
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .expect("a cron line in check_misp.cron");
    // Five time fields and the user, then the command.
    let words: Vec<&str> = line.split_whitespace().skip(6).collect();
    assert_eq!(words.first(), Some(&"check_misp"), "{line}");
    let url = m.sim.http_url();
    let key = m.path("key");
    let output = output.display().to_string();
    let mut replaced = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut words = words[1..].iter();
    while let Some(w) = words.next() {
        args.push((*w).to_owned());
        let value = match *w {
            "--url" => &url,
            "--key-file" => &key,
            "--output-file" => &output,
            _ => continue,
        };
        replaced.push(*w);
        words.next();
        args.push(value.clone());
    }
    assert_eq!(
        replaced,
        ["--url", "--key-file", "--output-file"],
        "the cron line no longer has the options this test replaces: {line}"
    );
    let mut cmd = Command::new(bin());
    cmd.args(&args)
        .env_remove("MISP_URL")
        .env_remove("MISP_KEY")
        .env_remove("MISP_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Runs the command every second, as cron would every minute, until dropped.
struct Writer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    fn start(mut cmd: Command) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = cmd.status();
                for _ in 0..10 {
                    if flag.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        });
        Writer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A webhook receiver: every POST body, parsed as JSON, in arrival order.
struct Webhook {
    port: u16,
    received: Receiver<Result<Value, String>>,
    seen: std::cell::RefCell<Vec<Value>>,
}

impl Webhook {
    fn start() -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webhook");
        let port = listener.local_addr().expect("webhook address").port();
        let (tx, received) = channel();
        // Detached: it blocks in accept() until the test process ends.
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                if tx.send(receive(conn)).is_err() {
                    return;
                }
            }
        });
        Webhook {
            port,
            received,
            seen: Default::default(),
        }
    }

    /// Every notification received so far.
    fn seen(&self) -> Vec<Value> {
        while let Ok(n) = self.received.try_recv() {
            self.keep(n);
        }
        self.seen.borrow().clone()
    }

    fn keep(&self, n: Result<Value, String>) {
        match n {
            Ok(v) => self.seen.borrow_mut().push(v),
            Err(e) => panic!("the webhook received a bad notification: {e}"),
        }
    }

    /// The first `pick` finds in a notification, waiting up to `limit` for it.
    fn wait<T>(&self, limit: Duration, pick: impl Fn(&Value) -> Option<T>) -> Option<T> {
        let until = Instant::now() + limit;
        let mut from = 0;
        loop {
            let seen = self.seen();
            if let Some(found) = seen[from..].iter().find_map(&pick) {
                return Some(found);
            }
            from = seen.len();
            let left = until.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok(n) => self.keep(n),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => panic!("the webhook receiver stopped"),
            }
        }
    }
}

/// One HTTP request on `conn`: its body as JSON, answered 200.
fn receive(mut conn: TcpStream) -> Result<Value, String> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let (head_len, length) = loop {
        let n = conn.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!("closed early: {}", String::from_utf8_lossy(&data)));
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| format!("no Content-Length in {head}"))?;
            break (end + 4, length);
        }
    };
    while data.len() < head_len + length {
        let n = conn.read(&mut buf).map_err(|e| format!("read body: {e}"))?;
        if n == 0 {
            return Err("body cut short".into());
        }
        data.extend_from_slice(&buf[..n]);
    }
    let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let body = &data[head_len..head_len + length];
    serde_json::from_slice(body).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(body)))
}

fn alerts(notification: &Value) -> Vec<Value> {
    notification["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The queue alert in `status` carried by this notification, if any.
fn queue_alert<'a>(notification: &'a Value, status: &str) -> Option<&'a Value> {
    notification["alerts"]
        .as_array()?
        .iter()
        .find(|a| a["labels"]["alertname"] == QUEUE_ALERT && a["status"] == status)
}

/// An instant query's single value, if Prometheus has exactly one series for it.
fn query(port: u16, promql: &str) -> Option<f64> {
    let body = get(port, &format!("/api/v1/query?query={}", encode(promql)))?;
    let v: Value = serde_json::from_str(&body).ok()?;
    match v["data"]["result"].as_array()?.as_slice() {
        [one] => one["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

/// The body of GET `path`, or None when the server does not answer (yet).
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .ok()?;
    let mut page = String::new();
    s.read_to_string(&mut page).ok()?;
    page.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The daemons' last log lines, for a failure message.
fn logs(dir: &Path) -> String {
    ["prometheus", "alertmanager", "node_exporter"]
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(dir.join(format!("{d}.log"))).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!("--- {d}.log\n{}", tail.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
