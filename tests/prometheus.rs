//! `-o prometheus`: promtool accepts the exposition, and a real node_exporter serves what
//! `--output-file` wrote into its textfile directory.

mod common;
mod external;
use common::{run, Misp};
use external::{have, Daemon};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROMTOOL: &str = "/usr/bin/promtool";
const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";

/// promtool's lint: exit 0 and nothing to say.
fn promtool_accepts(text: &str) {
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("promtool stdin")
        .write_all(text.as_bytes())
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_check_and_all_pass_promtool() {
    if !have("prometheus", "prometheus (promtool)", &[PROMTOOL]) {
        return;
    }
    let m = Misp::start();
    for check in [
        "workers", "jobs", "login", "events", "latency", "stats", "all",
    ] {
        let r = m.http(check, &["-o", "prometheus"]);
        assert_eq!(r.code, 0, "{r:#?}");
        promtool_accepts(&r.stdout);
        assert!(
            r.stdout
                .contains(&format!("misp_check_state{{check=\"{check}\"}} 0\n"))
                || check == "all",
            "{r:#?}"
        );
    }
    let all = m.http("all", &["-o", "prometheus"]).stdout;
    for line in [
        "# TYPE misp_workers_alive gauge\n",
        "misp_workers_alive{queue=\"email\"} 5\n",
        "misp_check_state{check=\"workers\"} 0\n",
        "# TYPE misp_login_time_seconds gauge\n",
        "# TYPE misp_login_size_bytes gauge\n",
    ] {
        assert!(all.contains(line), "{line:?} missing:\n{all}");
    }
    // A dead queue and an unreachable MISP still give a valid exposition with the state.
    m.sim.kill_queue("email");
    let r = m.http("workers", &["-o", "prometheus"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("misp_check_state{check=\"workers\"} 2\n"),
        "{r:#?}"
    );
    assert!(
        r.stdout.contains("misp_workers_alive{queue=\"email\"} 0\n"),
        "{r:#?}"
    );
    promtool_accepts(&r.stdout);
    let key = m.path("key");
    let down = run(&[
        "events",
        "-u",
        "http://127.0.0.1:9",
        "-k",
        &key,
        "-o",
        "prometheus",
    ]);
    assert_eq!(down.code, 2);
    assert_eq!(
        down.stdout.lines().last(),
        Some("misp_check_state{check=\"events\"} 2"),
        "{down:#?}"
    );
    promtool_accepts(&down.stdout);
}

#[test]
fn node_exporter_serves_the_textfile() {
    if !have("prometheus", "prometheus-node-exporter", &[NODE_EXPORTER]) {
        return;
    }
    let m = Misp::start();
    let dir = m.dir.path().join("textfile");
    std::fs::create_dir(&dir).expect("textfile dir");
    let prom = dir.join("misp.prom");
    let r = m.http(
        "all",
        &[
            "-o",
            "prometheus",
            "--output-file",
            &prom.display().to_string(),
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:#?}");
    let port = free_port();
    let _exporter = Daemon::spawn(
        "node_exporter",
        Command::new(NODE_EXPORTER).args([
            &format!("--web.listen-address=127.0.0.1:{port}"),
            "--collector.disable-defaults",
            "--collector.textfile",
            &format!("--collector.textfile.directory={}", dir.display()),
        ]),
        &m.dir.path().join("node_exporter.log"),
    );
    let page = scrape(port);
    for line in [
        "misp_check_state{check=\"workers\"} 0",
        "misp_workers_alive{queue=\"email\"} 5",
        "misp_jobs_jobs{queue=\"email\"} 0",
        "misp_workers_dead{queue=\"update\"} 0",
    ] {
        assert!(
            page.lines().any(|l| l == line),
            "{line:?} not served:\n{page}"
        );
    }
    assert!(
        page.lines().any(|l| l == "node_textfile_scrape_error 0") && !page.contains("queue=\"\""),
        "node_exporter could not read the file as written:\n{page}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// GET /metrics, retried while the exporter starts.
fn scrape(port: u16) -> String {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut page = String::new();
            if s.read_to_string(&mut page).is_ok() && page.contains("misp_") {
                return page;
            }
        }
        assert!(
            Instant::now() < until,
            "node_exporter did not serve the metrics"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_unwritable_output_file_is_unknown_and_named() {
    let m = Misp::start();
    let target = m.dir.path().join("no-such-dir/misp.prom");
    let r = m.http(
        "workers",
        &[
            "-o",
            "prometheus",
            "--output-file",
            &target.display().to_string(),
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (3, ""), "{r:#?}");
    assert!(
        r.stderr.starts_with(&format!(
            "cannot write --output-file {}: ",
            target.display()
        )) && r.stderr.lines().count() == 1,
        "{r:#?}"
    );
}
