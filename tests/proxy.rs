//! Proxies as curl has them, against a real proxy: Debian's tinyproxy on loopback, with a
//! configuration of its own per test (installed by .ci/run; without it these tests fail on
//! CI and are skipped, saying so, elsewhere).

mod common;
use common::Misp;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TINYPROXY: &str = "/usr/bin/tinyproxy";

fn have_tinyproxy() -> bool {
    let there = Path::new(TINYPROXY).exists();
    assert!(
        there || std::env::var_os("CI").is_none(),
        "tinyproxy is missing on CI: .ci/run installs it"
    );
    if !there {
        eprintln!("note: tinyproxy not installed (apt-get install tinyproxy); skipped");
    }
    there
}

/// A tinyproxy in the foreground, stopped when dropped.
struct Tinyproxy {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Tinyproxy {
    /// Allows CONNECT to `connect_ports` only; `auth` adds a user and password.
    fn start(dir: &Path, connect_ports: &[u16], auth: Option<(&str, &str)>) -> Tinyproxy {
        let port = free_port();
        let log = dir.join("tinyproxy.log");
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 10\nMaxClients 20\nAllow 127.0.0.1\nLogLevel Info\nLogFile \"{}\"\n",
            log.display()
        );
        for p in connect_ports {
            let _ = writeln!(conf, "ConnectPort {p}");
        }
        if let Some((user, password)) = auth {
            let _ = writeln!(conf, "BasicAuth {user} {password}");
        }
        let path = dir.join("tinyproxy.conf");
        std::fs::write(&path, conf).unwrap();
        let child = Command::new(TINYPROXY)
            .arg("-d")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tinyproxy did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Tinyproxy { child, port, log }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn args<'a>(m: &'a Misp, check: &'a str, url: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut v = vec![
        check.to_owned(),
        "--url".into(),
        url.into(),
        "--key-file".into(),
        m.path("key"),
        "--ca-cert".into(),
        m.path("ca.pem"),
    ];
    v.extend(extra.iter().map(std::string::ToString::to_string));
    v
}

fn run(argv: &[String], env: &[(&str, &str)]) -> common::Run {
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    common::run_with(&common::bin(), &argv, env)
}

#[test]
fn https_goes_through_a_connect_tunnel() {
    if !have_tinyproxy() {
        return;
    }
    let m = Misp::start();
    let proxy = Tinyproxy::start(m.dir.path(), &[m.sim.https_port()], None);
    let url = m.sim.https_url();
    let r = run(
        &args(&m, "events", &url, &["-v"]),
        &[("https_proxy", &proxy.url())],
    );
    r.expect(0, "MISP EVENTS OK");
    assert!(
        r.stdout
            .contains(&format!(" via proxy {} -> 200", proxy.url())),
        "-v names the proxy: {r:#?}"
    );
    assert!(
        proxy
            .log()
            .contains(&format!("CONNECT 127.0.0.1:{}", m.sim.https_port())),
        "{}",
        proxy.log()
    );
    // HTTPS_PROXY in capitals too; latency splits the tunnel from the connect.
    let r = run(
        &args(&m, "latency", &url, &[]),
        &[("HTTPS_PROXY", &proxy.url())],
    );
    r.expect(0, "MISP LATENCY OK - REST answered in ")
        .says("(connect to the proxy ");
    assert!(r.perf("time_proxy").is_some(), "{r:#?}");
    // cert reads the certificate through the tunnel.
    let r = run(
        &[
            "cert".into(),
            "--url".into(),
            url.clone(),
            "--ca-cert".into(),
            m.path("ca.pem"),
        ],
        &[("all_proxy", &proxy.url())],
    );
    r.expect(0, "MISP CERT OK");
    assert_eq!(m.sim.count("GET /events/index"), 2);
}

#[test]
fn plain_http_goes_as_an_absolute_form_request() {
    if !have_tinyproxy() {
        return;
    }
    let m = Misp::start();
    let proxy = Tinyproxy::start(m.dir.path(), &[], None);
    let url = m.sim.http_url();
    let r = run(
        &args(&m, "workers", &url, &["-v"]),
        &[("http_proxy", &proxy.url())],
    );
    r.expect(0, "MISP WORKERS OK");
    assert!(
        proxy
            .log()
            .contains(&format!("GET {url}/servers/getWorkers HTTP/1.1")),
        "{}",
        proxy.log()
    );
    assert!(r.stdout.contains(" via proxy "), "{r:#?}");
    // curl ignores HTTP_PROXY in capitals (a CGI request header can set it): so do we.
    let r = run(
        &args(&m, "login", &url, &["-v"]),
        &[("HTTP_PROXY", "http://127.0.0.1:1")],
    );
    r.expect(0, "MISP LOGIN OK");
}

#[test]
fn no_proxy_and_the_options_decide_as_curl() {
    if !have_tinyproxy() {
        return;
    }
    let m = Misp::start();
    let proxy = Tinyproxy::start(m.dir.path(), &[m.sim.https_port()], None);
    let url = m.sim.https_url();
    let dead = "http://127.0.0.1:1";
    // no_proxy bypasses the (dead) proxy; --noproxy replaces no_proxy.
    run(
        &args(&m, "events", &url, &[]),
        &[("https_proxy", dead), ("no_proxy", "localhost,127.0.0.0/8")],
    )
    .expect(0, "MISP EVENTS OK");
    run(
        &args(&m, "events", &url, &["--noproxy", "misp.example.org"]),
        &[("https_proxy", dead), ("NO_PROXY", "127.0.0.1")],
    )
    .expect(
        2,
        "MISP EVENTS CRITICAL - proxy 127.0.0.1:1 refused the connection",
    );
    // --proxy beats the environment, and "" means none at all.
    run(
        &args(&m, "events", &url, &["--proxy", &proxy.url()]),
        &[("https_proxy", dead)],
    )
    .expect(0, "MISP EVENTS OK");
    run(
        &args(&m, "events", &url, &["--proxy", ""]),
        &[("https_proxy", dead)],
    )
    .expect(0, "MISP EVENTS OK");
    run(
        &args(&m, "events", &url, &["--proxy", "socks5://127.0.0.1:1080"]),
        &[],
    )
    .expect(
        3,
        "MISP EVENTS UNKNOWN - --proxy: invalid proxy 'socks5://127.0.0.1:1080': socks5 proxies are not supported",
    );
    assert_eq!(m.sim.count("GET /events/index"), 3);
}

#[test]
fn a_refusing_proxy_is_named_with_its_answer() {
    if !have_tinyproxy() {
        return;
    }
    let m = Misp::start();
    // CONNECT is allowed to some other port only.
    let proxy = Tinyproxy::start(m.dir.path(), &[1], None);
    let url = m.sim.https_url();
    let r = run(&args(&m, "events", &url, &["--proxy", &proxy.url()]), &[]);
    r.expect(
        2,
        &format!(
            "MISP EVENTS CRITICAL - proxy 127.0.0.1:{} refused CONNECT to 127.0.0.1:{}: 403 Forbidden",
            proxy.port,
            m.sim.https_port()
        ),
    );
    assert_eq!(m.sim.requests_with_key(), 0);
}

#[test]
fn proxy_credentials_are_sent_and_never_shown() {
    if !have_tinyproxy() {
        return;
    }
    let m = Misp::start();
    let password = "pr0xyPassw0rd";
    let proxy = Tinyproxy::start(
        m.dir.path(),
        &[m.sim.https_port()],
        Some(("poller", password)),
    );
    let with = |user_password: &str| format!("http://{user_password}@127.0.0.1:{}", proxy.port);
    let url = m.sim.https_url();
    let good = with(&format!("poller:{password}"));
    let mut runs = Vec::new();
    let r = run(
        &args(&m, "events", &url, &["-v"]),
        &[("https_proxy", &good)],
    );
    r.expect(0, "MISP EVENTS OK");
    runs.push(r);
    let wrong = with("poller:nope");
    let r = run(&args(&m, "events", &url, &["--proxy", &wrong]), &[]);
    r.expect(2, "MISP EVENTS CRITICAL - proxy 127.0.0.1:")
        .says("refused CONNECT to 127.0.0.1:")
        .says("401 Unauthorized (proxy credentials missing or wrong: give them in the proxy URL)");
    runs.push(r);
    let none = proxy.url();
    run(&args(&m, "events", &url, &["--proxy", &none]), &[])
        .expect(2, "MISP EVENTS CRITICAL - proxy 127.0.0.1:")
        .says("407 Proxy Authentication Required");
    // Plain HTTP: the proxy's 407 is the proxy's, not MISP's.
    let http = m.sim.http_url();
    let r = run(&args(&m, "login", &http, &[]), &[("http_proxy", &none)]);
    r.expect(2, "MISP LOGIN CRITICAL - proxy 127.0.0.1:")
        .says("407 Proxy Authentication Required");
    let r = run(&args(&m, "login", &http, &["-v"]), &[("http_proxy", &good)]);
    r.expect(0, "MISP LOGIN OK");
    runs.push(r);
    let r = run(
        &args(&m, "login", &http, &["--proxy", &format!("{good}:x")]),
        &[],
    );
    r.expect(
        3,
        "MISP LOGIN UNKNOWN - --proxy: invalid proxy 'http://***@127.0.0.1:",
    );
    runs.push(r);
    for r in &runs {
        assert!(
            !r.stdout.contains(password) && !r.stderr.contains(password),
            "the proxy password was printed: {r:#?}"
        );
    }
}
