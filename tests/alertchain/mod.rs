//! The alerting chain the Prometheus tests drive, all real and private to one test: the
//! shipped cron line's command rewrites a textfile every second, node_exporter serves it,
//! Prometheus scrapes it and evaluates `contrib/prometheus/check_misp.rules.yml` (every `for:`
//! cut to 2s), and Alertmanager posts to a webhook receiver here. Every daemon runs on
//! loopback from its own directory and is stopped when the chain is dropped.
#![allow(dead_code)]

use crate::external::{have, repo, Daemon};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const PROMETHEUS: &str = "/usr/bin/prometheus";
pub const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";
pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
pub const QUEUE_ALERT: &str = "MispQueueNoLiveWorker";
const WAIT: Duration = Duration::from_secs(30);

pub fn contrib() -> PathBuf {
    repo().join("contrib/prometheus")
}

pub struct Chain {
    pub dir: PathBuf,
    pub textfile: PathBuf,
    pub prom_port: u16,
    // Fields drop in order: the writer stops before the daemons.
    writer: Writer,
    daemons: Vec<Daemon>,
    webhook: Webhook,
}

impl Chain {
    /// The chain in `dir` for the MISP at `url` with the key in `key_file`; `None` (the
    /// test skipped) when the daemons are not installed outside CI.
    pub fn start(test: &str, dir: &Path, url: &str, key_file: &str) -> Option<Chain> {
        if !have(
            test,
            "prometheus, prometheus-node-exporter and prometheus-alertmanager",
            &[PROMETHEUS, NODE_EXPORTER, ALERTMANAGER],
        ) {
            return None;
        }
        let textfiles = dir.join("textfile");
        std::fs::create_dir(&textfiles).expect("textfile dir");
        let textfile = textfiles.join("misp.prom");
        let writer = Writer::start(cron_command(url, key_file, &textfile));
        let webhook = Webhook::start();
        let mut daemons = Vec::new();

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
        daemons.push(Daemon::spawn(
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
        ));

        let ne_port = free_port();
        daemons.push(Daemon::spawn(
            "node_exporter",
            Command::new(NODE_EXPORTER)
                .arg(format!("--web.listen-address=127.0.0.1:{ne_port}"))
                .args(["--collector.disable-defaults", "--collector.textfile"])
                .arg(format!(
                    "--collector.textfile.directory={}",
                    textfiles.display()
                )),
            &dir.join("node_exporter.log"),
        ));

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
        daemons.push(Daemon::spawn(
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
        ));
        Some(Chain {
            dir: dir.to_owned(),
            textfile,
            prom_port,
            writer,
            daemons,
            webhook,
        })
    }

    /// Waits until Prometheus reads `value` for `promql`, and checks that no queue alert
    /// fired meanwhile: the healthy figures come first, so an alert after them follows the
    /// fault the test causes next.
    pub fn healthy(&self, promql: &str, value: f64) {
        let until = Instant::now() + WAIT;
        while query(self.prom_port, promql) != Some(value) {
            assert!(
                Instant::now() < until,
                "Prometheus never read {promql} = {value} through node_exporter; the cron \
                 command's last run: {}\n{}",
                self.writer
                    .last
                    .lock()
                    .map(|l| l.clone())
                    .unwrap_or_default(),
                logs(&self.dir)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let seen = self.webhook.seen();
        assert!(
            seen.iter().all(|n| queue_alert(n, "firing").is_none()),
            "{QUEUE_ALERT} fired while every queue had workers: {seen:#?}"
        );
    }

    /// The firing queue alert for `queue`, as the webhook received it; no other queue's.
    pub fn fired(&self, queue: &str) -> Value {
        let fired = self.wait(queue, "firing");
        let labels = &fired["labels"];
        assert_eq!(labels["severity"], "critical", "{fired:#}");
        assert_eq!(labels["job"], "node", "{fired:#}");
        let summary = format!("queue {queue} has no live worker");
        assert!(
            fired["annotations"]["summary"]
                .as_str()
                .is_some_and(|s| s.contains(&summary)),
            "{fired:#}"
        );
        for n in self.webhook.seen() {
            for a in alerts(&n) {
                assert!(
                    a["labels"]["alertname"] != QUEUE_ALERT || a["labels"]["queue"] == queue,
                    "an alert for a queue that kept its workers: {a:#}"
                );
            }
        }
        fired
    }

    /// The resolved notification of the queue alert for `queue`.
    pub fn resolved(&self, queue: &str) -> Value {
        self.wait(queue, "resolved")
    }

    fn wait(&self, queue: &str, status: &str) -> Value {
        self.webhook
            .wait(WAIT, |n| {
                queue_alert(n, status)
                    .filter(|a| a["labels"]["queue"] == queue)
                    .cloned()
            })
            .unwrap_or_else(|| {
                panic!(
                    "no {status} {QUEUE_ALERT} for queue {queue} reached the webhook within \
                     {WAIT:?}; received: {:#?}\n{}",
                    self.webhook.seen(),
                    logs(&self.dir)
                )
            })
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

/// The shipped cron line's command, pointed at `url`, `key` and a private textfile.
fn cron_command(url: &str, key: &str, output: &Path) -> Command {
    let cron = read(&contrib().join("check_misp.cron"));
    let line = cron
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .expect("a cron line in check_misp.cron");
    // Five time fields and the user, then the command.
    let words: Vec<&str> = line.split_whitespace().skip(6).collect();
    assert_eq!(words.first(), Some(&"check_misp"), "{line}");
    let (url, key) = (url.to_owned(), key.to_owned());
    let state = output.with_extension("state");
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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_check_misp"));
    cmd.args(&args).stdin(Stdio::null());
    // What workers and jobs remember stays beside the textfile: a simulator of another test
    // on the same port must not find it.
    cmd.env("MISP_STATE_DIR", state);
    // Hermetic: no MISP or proxy settings of the machine running the tests.
    for var in [
        "MISP_URL",
        "MISP_KEY",
        "MISP_KEY_FILE",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the command every second, as cron would every minute, until dropped.
struct Writer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// What the last run ended with, for a failure message.
    last: Arc<Mutex<String>>,
}

impl Writer {
    fn start(mut cmd: Command) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let last = Arc::new(Mutex::new("not run yet".to_owned()));
        let (flag, record) = (stop.clone(), last.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let ended = match cmd.output() {
                    Ok(out) => format!(
                        "{}, stdout: {:?}, stderr: {:?}",
                        out.status,
                        String::from_utf8_lossy(&out.stdout).trim(),
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                    Err(e) => format!("cannot run: {e}"),
                };
                if let Ok(mut l) = record.lock() {
                    *l = ended;
                }
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
            last,
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
pub fn query(port: u16, promql: &str) -> Option<f64> {
    let body = get(port, &format!("/api/v1/query?query={}", encode(promql)))?;
    let v: Value = serde_json::from_str(&body).ok()?;
    match v["data"]["result"].as_array()?.as_slice() {
        [one] => one["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

/// The body of GET `path`, or None when the server does not answer (yet).
pub fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .ok()?;
    let mut page = String::new();
    s.read_to_string(&mut page).ok()?;
    page.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The daemons' last log lines, for a failure message.
pub fn logs(dir: &Path) -> String {
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
