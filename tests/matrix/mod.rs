//! The bad-input matrix shared by `bad_input.rs` (right state, one line naming the cause,
//! in `nagios` and `okko`) and `secrets.rs` (the key appears nowhere, in any mode).
//!
//! Each case is a row of [`table::ROWS`], built on demand with the key to use, so
//! `secrets.rs` can run every case with a distinctive key of its own. `each_case!` lists
//! every case once; both test files expand it into one `#[test]` per case, so a case added
//! here is covered by both.
#![allow(dead_code)]

mod table;

use crate::common::{self, Misp, Run};
use misp_sim::{Fault, SimOptions};
use std::time::Duration;

/// Calls `$m!(case, case, ...)` with every case name.
macro_rules! each_case {
    ($m:ident) => {
        $m!(
            // 1. network
            refused,
            unresolvable_host,
            hang_after_request,
            silent_listener,
            silent_listener_tls,
            drip_body,
            reset_mid_body,
            // 2. TLS
            self_signed_without_ca,
            expired_certificate,
            certificate_for_another_host,
            insecure_accepted,
            plain_http_with_key,
            // 3. HTTP
            redirect_to_login,
            key_rejected_403,
            method_not_allowed_405,
            rate_limited_429,
            html_error_page_500,
            login_page_instead_of_json,
            html_instead_of_json,
            truncated_json,
            huge_body,
            huge_chunked_body,
            non_utf8_body,
            redirect_to_other_host,
            // 4. input
            key_wrong_length,
            key_not_alphanumeric,
            key_file_missing,
            key_file_is_a_directory,
            key_file_is_dev_zero,
            key_file_is_a_fifo,
            key_file_is_huge,
            key_in_misp_key_file,
            empty_misp_key,
            bad_url,
            bad_url_scheme,
            url_with_credentials,
            bad_range,
            bad_duration,
            unknown_check,
            key_as_stray_argument,
            key_given_as_key_file
        );
    };
}

/// A well-formed key MISP does not know, for the 403 case.
pub const UNKNOWN_KEY: &str = "NotTheRightKeyButWellFormed0000000000009";

/// Something held alive for the duration of a case (a second MISP, a silent listener).
type Hold = Box<dyn std::any::Any + Send + Sync>;

/// A check run after every run of a case.
type After = Box<dyn Fn(&Misp) + Send + Sync>;

/// One row of the matrix, ready to run.
pub struct Case {
    /// The simulated MISP (and the private directory with key and CA files).
    pub misp: Misp,
    /// Arguments, without `-o`.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Exit code in `nagios` mode.
    pub code: i32,
    /// How the status line starts, e.g. `MISP WORKERS CRITICAL - `.
    pub prefix: String,
    /// Text naming the cause, which the status line (and okko's stderr line) must contain.
    pub cause: String,
    /// Secrets of this case that must appear in no output: the key, and anything
    /// secret-like the case passes (a malformed key, a password in a URL).
    pub secrets: Vec<String>,
    /// Upper bound on how long one run may take, tighter than the harness's
    /// deadline + 1 s (the "read is capped, quickly" cases).
    pub quick: Option<Duration>,
    /// Run after each run of the binary, e.g. "the other host saw no key".
    pub after: Option<After>,
    hold: Vec<Hold>,
}

impl Case {
    fn new(misp: Misp, args: Vec<String>, code: i32, prefix: &str, cause: String) -> Case {
        Case {
            misp,
            args,
            env: Vec::new(),
            code,
            prefix: prefix.to_owned(),
            cause,
            secrets: Vec::new(),
            quick: None,
            after: None,
            hold: Vec::new(),
        }
    }

    /// Runs the case in `mode` with `extra` arguments, checking the harness invariants,
    /// `quick`, and `after`.
    pub fn run(&self, mode: &str, extra: &[&str]) -> Run {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend(["-o", mode]);
        args.extend_from_slice(extra);
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let run = common::run_with(&common::bin(), &args, &env);
        if let Some(limit) = self.quick {
            assert!(run.elapsed <= limit, "took {:?}: {run:#?}", run.elapsed);
        }
        if let Some(after) = &self.after {
            after(&self.misp);
        }
        run
    }

    /// The contract for this case in both modes OpenNMS and Nagios use: `nagios` gives the
    /// state's exit code and a status line naming the cause, nothing on stderr; `okko`
    /// gives `OK`/0, or `KO`/1 with exactly one stderr line naming the cause.
    pub fn verify(&self) {
        let n = self.run("nagios", &[]);
        n.expect(self.code, &self.prefix).says(&self.cause);
        assert_eq!(n.stderr, "", "nagios mode writes nothing on stderr: {n:#?}");
        let o = self.run("okko", &[]);
        if self.code == 0 {
            assert_eq!(
                (o.stdout.as_str(), o.code, o.stderr.as_str()),
                ("OK\n", 0, ""),
                "{o:#?}"
            );
        } else {
            assert_eq!((o.stdout.as_str(), o.code), ("KO\n", 1), "{o:#?}");
            assert_eq!(o.stderr.lines().count(), 1, "one stderr line: {o:#?}");
            assert!(o.stderr.ends_with('\n'), "{o:#?}");
            assert!(
                o.stderr.starts_with(&self.prefix) && o.stderr.contains(&self.cause),
                "expected {:?} … {:?} on stderr: {o:#?}",
                self.prefix,
                self.cause
            );
        }
    }
}

/// A MISP accepting `key`, whose key file holds `key`.
fn misp_with(key: &str, opts: SimOptions) -> Misp {
    let m = Misp::with(SimOptions {
        key: key.to_owned(),
        ..opts
    });
    std::fs::write(m.path("key"), format!("{key}\n")).expect("key file");
    m
}

fn misp(key: &str) -> Misp {
    misp_with(key, SimOptions::default())
}

/// A port on loopback where nothing listens (bound, then released).
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A server that accepts connections and never reads or writes a byte; its thread holds
/// the listener and every connection until the test process ends.
fn silent_listener() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            held.push(s);
        }
    });
    port
}

const GET_WORKERS: &str = "/servers/getWorkers";
const CRIT: &str = "MISP WORKERS CRITICAL - ";
const UNKNOWN: &str = "MISP WORKERS UNKNOWN - ";
const OK: &str = "MISP WORKERS OK - ";

/// The simulated MISP of a case.
#[derive(Clone, Copy)]
enum Server {
    Healthy,
    /// Its certificate has expired.
    Expired,
    /// Its certificate names only this host.
    Named(&'static str),
    /// It knows another key than the one in the case's key file.
    OtherKey,
}

/// Where a case's `--url` points. Placeholders as in [`fill`].
#[derive(Clone, Copy)]
enum Url {
    Http,
    Https,
    /// A loopback port where nothing listens (`{port}`).
    DeadPort,
    /// A listener that never says a word (`{port}`), over https when `tls`.
    Silent {
        tls: bool,
    },
    Text(&'static str),
}

/// A case's command line. Placeholders as in [`fill`].
#[derive(Clone, Copy)]
enum Argv {
    /// `workers --url URL --key-file KEYFILE` and these.
    Workers(&'static [&'static str]),
    Text(&'static [&'static str]),
}

/// What a case puts in its directory before it runs.
#[derive(Clone, Copy)]
enum Prep {
    Nothing,
    /// A file with this content (placeholders as in [`fill`]).
    File(&'static str, &'static str),
    Dir(&'static str),
    Fifo(&'static str),
    /// A sparse file of this many bytes.
    Sparse(&'static str, u64),
}

/// One row of the matrix: the input, and the state and cause it must be reported with.
/// Texts may hold placeholders (see [`fill`]).
#[derive(Clone, Copy)]
struct Row {
    name: &'static str,
    code: i32,
    prefix: &'static str,
    cause: &'static str,
    server: Server,
    /// What the simulator answers to getWorkers instead of the workers.
    fault: Option<fn(&Misp) -> Fault>,
    url: Url,
    argv: Argv,
    env: &'static [(&'static str, &'static str)],
    prep: Prep,
    /// Secret-like texts the case passes, which must appear in no output.
    secrets: &'static [&'static str],
    /// See [`Case::quick`], in seconds.
    quick: Option<u64>,
    /// What a row cannot say as data (a second MISP, a check after each run).
    hook: Option<fn(&mut Case, &str)>,
}

/// A row of `workers` over plain http to a healthy MISP.
const fn row(name: &'static str, code: i32, prefix: &'static str, cause: &'static str) -> Row {
    Row {
        name,
        code,
        prefix,
        cause,
        server: Server::Healthy,
        fault: None,
        url: Url::Http,
        argv: Argv::Workers(&[]),
        env: &[],
        prep: Prep::Nothing,
        secrets: &[],
        quick: None,
        hook: None,
    }
}

impl Row {
    const fn server(self, server: Server) -> Row {
        Row { server, ..self }
    }
    const fn fault(self, fault: fn(&Misp) -> Fault) -> Row {
        Row {
            fault: Some(fault),
            ..self
        }
    }
    const fn url(self, url: Url) -> Row {
        Row { url, ..self }
    }
    const fn args(self, extra: &'static [&'static str]) -> Row {
        Row {
            argv: Argv::Workers(extra),
            ..self
        }
    }
    const fn argv(self, argv: &'static [&'static str]) -> Row {
        Row {
            argv: Argv::Text(argv),
            ..self
        }
    }
    const fn env(self, env: &'static [(&'static str, &'static str)]) -> Row {
        Row { env, ..self }
    }
    const fn prep(self, prep: Prep) -> Row {
        Row { prep, ..self }
    }
    const fn secrets(self, secrets: &'static [&'static str]) -> Row {
        Row { secrets, ..self }
    }
    const fn quick(self, secs: u64) -> Row {
        Row {
            quick: Some(secs),
            ..self
        }
    }
    const fn hook(self, hook: fn(&mut Case, &str)) -> Row {
        Row {
            hook: Some(hook),
            ..self
        }
    }
}

/// What the placeholders of a row stand for in one case.
struct Fill<'a> {
    m: &'a Misp,
    key: &'a str,
    url: String,
    port: u16,
}

/// Replaces `{url}` (the case's URL), `{http}` (the simulator's http URL), `{https-port}`,
/// `{port}` (the dead or silent port), `{dir}` (the case's directory), `{key-file}`,
/// `{ca}`, `{key}`, `{key39}` (the key less its last character) and `{limit}` (the body
/// limit).
fn fill(text: &str, f: &Fill) -> String {
    let dir = f.m.dir.path().display().to_string();
    [
        ("{url}", f.url.clone()),
        ("{http}", f.m.sim.http_url()),
        ("{https-port}", f.m.sim.https_port().to_string()),
        ("{port}", f.port.to_string()),
        ("{key-file}", f.m.path("key")),
        ("{ca}", f.m.path("ca.pem")),
        ("{dir}", dir),
        ("{key39}", f.key[..39].to_owned()),
        ("{key}", f.key.to_owned()),
        ("{limit}", check_misp::http::BODY_LIMIT.to_string()),
    ]
    .iter()
    .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
}

/// The names of the rows, in order.
pub fn row_names() -> Vec<&'static str> {
    table::ROWS.iter().map(|r| r.name).collect()
}

/// Builds the case `name` around `key`.
pub fn build(name: &str, key: &str) -> Case {
    assert_eq!(key.len(), 40, "test keys are MISP-shaped");
    let row = table::ROWS
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no case named {name}"));
    let m = match row.server {
        Server::Healthy => misp(key),
        Server::Expired => misp_with(
            key,
            SimOptions {
                tls_expired: true,
                ..SimOptions::default()
            },
        ),
        Server::Named(host) => misp_with(
            key,
            SimOptions {
                tls_names: vec![host.into()],
                ..SimOptions::default()
            },
        ),
        Server::OtherKey => {
            let m = misp_with(UNKNOWN_KEY, SimOptions::default());
            std::fs::write(m.path("key"), format!("{key}\n")).expect("key file");
            m
        }
    };
    if let Some(fault) = row.fault {
        m.sim.set_fault(Some(GET_WORKERS), fault(&m));
    }
    let (url, port) = match row.url {
        Url::Http => (m.sim.http_url(), 0),
        Url::Https => (m.sim.https_url(), 0),
        Url::DeadPort => {
            let port = dead_port();
            (format!("http://127.0.0.1:{port}"), port)
        }
        Url::Silent { tls } => {
            let port = silent_listener();
            let scheme = if tls { "https" } else { "http" };
            (format!("{scheme}://127.0.0.1:{port}"), port)
        }
        Url::Text(_) => (String::new(), 0),
    };
    let mut f = Fill {
        m: &m,
        key,
        url,
        port,
    };
    if let Url::Text(text) = row.url {
        f.url = fill(text, &f);
    }
    match row.prep {
        Prep::Nothing => {}
        Prep::File(name, content) => {
            std::fs::write(m.path(name), fill(content, &f)).expect("file");
        }
        Prep::Dir(name) => std::fs::create_dir(m.path(name)).expect("dir"),
        Prep::Fifo(name) => {
            let mode = rustix::fs::Mode::from_raw_mode(0o600);
            rustix::fs::mkfifoat(rustix::fs::CWD, m.path(name).as_str(), mode).expect("mkfifo");
        }
        Prep::Sparse(name, bytes) => {
            let file = std::fs::File::create(m.path(name)).expect("create");
            file.set_len(bytes).expect("set_len");
        }
    }
    let args: Vec<String> = match row.argv {
        Argv::Workers(extra) => ["workers", "--url", "{url}", "--key-file", "{key-file}"]
            .iter()
            .chain(extra)
            .map(|a| fill(a, &f))
            .collect(),
        Argv::Text(argv) => argv.iter().map(|a| fill(a, &f)).collect(),
    };
    let env = row
        .env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), fill(v, &f)))
        .collect();
    let cause = fill(row.cause, &f);
    let secrets: Vec<String> = row.secrets.iter().map(|s| fill(s, &f)).collect();
    let mut c = Case::new(m, args, row.code, row.prefix, cause);
    c.env = env;
    c.secrets = secrets;
    c.quick = row.quick.map(Duration::from_secs);
    if let Some(hook) = row.hook {
        hook(&mut c, key);
    }
    c.secrets.push(key.to_owned());
    c
}
