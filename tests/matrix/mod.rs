//! The bad-input matrix shared by `bad_input.rs` (right state, one line naming the cause,
//! in `nagios` and `okko`) and `secrets.rs` (the key appears nowhere, in any mode).
//!
//! Each case is built on demand with the key to use, so `secrets.rs` can run every case
//! with a distinctive key of its own. `each_case!` lists every case once; both test files
//! expand it into one `#[test]` per case, so a case added here is covered by both.
#![allow(dead_code)]

use crate::common::{self, Misp, Run};
use misp_sim::{Fault, Sim, SimOptions};
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

/// `workers --url URL --key-file KEYFILE EXTRA...`
fn workers(m: &Misp, url: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["workers", "--url", url, "--key-file", &m.path("key")]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    a.extend(extra.iter().map(std::string::ToString::to_string));
    a
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(std::string::ToString::to_string).collect()
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

fn fault(m: &Misp, f: Fault) {
    m.sim.set_fault(Some(GET_WORKERS), f);
}

/// Builds the case `name` around `key`.
pub fn build(name: &str, key: &str) -> Case {
    assert_eq!(key.len(), 40, "test keys are MISP-shaped");
    let mut c = match name {
        // ---- 1. network -------------------------------------------------------------
        "refused" => {
            let m = misp(key);
            let port = dead_port();
            let a = workers(&m, &format!("http://127.0.0.1:{port}"), &[]);
            Case::new(
                m,
                a,
                2,
                CRIT,
                format!("connection refused by 127.0.0.1:{port}"),
            )
        }
        "unresolvable_host" => {
            // .invalid is reserved (RFC 2606): it never resolves, anywhere.
            let m = misp(key);
            let a = workers(&m, "http://misp.invalid", &[]);
            Case::new(m, a, 2, CRIT, "cannot resolve misp.invalid".into())
        }
        "hang_after_request" => {
            let m = misp(key);
            fault(&m, Fault::Hang);
            let a = workers(&m, &m.sim.http_url(), &["-t", "2s"]);
            let cause = "timed out after 2s waiting for response headers".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "silent_listener" => {
            let m = misp(key);
            let port = silent_listener();
            let a = workers(&m, &format!("http://127.0.0.1:{port}"), &["-t", "2s"]);
            let cause = "timed out after 2s waiting for response headers".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "silent_listener_tls" => {
            let m = misp(key);
            let port = silent_listener();
            let ca = m.path("ca.pem");
            let url = format!("https://127.0.0.1:{port}");
            let a = workers(&m, &url, &["-t", "2s", "--ca-cert", &ca]);
            let cause = "timed out after 2s in the TLS handshake".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "drip_body" => {
            let m = misp(key);
            fault(&m, Fault::Drip { bytes_per_sec: 1 });
            let a = workers(&m, &m.sim.http_url(), &["-t", "2s"]);
            let cause = "timed out after 2s reading the response body".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "reset_mid_body" => {
            let m = misp(key);
            fault(&m, Fault::ResetMidBody);
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "connection reset by MISP while reading the response body".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        // ---- 2. TLS -------------------------------------------------------------------
        "self_signed_without_ca" => {
            let m = misp(key);
            let a = workers(&m, &m.sim.https_url(), &[]);
            let cause =
                "certificate not trusted (unknown issuer): use --ca-cert FILE (its CA, or the certificate itself), or --insecure";
            let mut c = Case::new(m, a, 2, CRIT, cause.into());
            // The request (and so the key) never went over the unverified connection.
            c.after = Some(Box::new(|m: &Misp| {
                assert!(m.sim.counts().is_empty(), "{:?}", m.sim.counts());
                assert_eq!(m.sim.requests_with_key(), 0);
            }));
            c
        }
        "expired_certificate" => {
            let m = misp_with(
                key,
                SimOptions {
                    tls_expired: true,
                    ..SimOptions::default()
                },
            );
            let ca = m.path("ca.pem");
            let a = workers(&m, &m.sim.https_url(), &["--ca-cert", &ca]);
            Case::new(m, a, 2, CRIT, "certificate expired".into())
        }
        "certificate_for_another_host" => {
            let m = misp_with(
                key,
                SimOptions {
                    tls_names: vec!["misp.other.example".into()],
                    ..SimOptions::default()
                },
            );
            let ca = m.path("ca.pem");
            let a = workers(&m, &m.sim.https_url(), &["--ca-cert", &ca]);
            let cause = "certificate is not valid for the name 127.0.0.1".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "insecure_accepted" => {
            let m = misp(key);
            let a = workers(&m, &m.sim.https_url(), &["--insecure"]);
            Case::new(m, a, 0, "MISP WORKERS OK - ", "5 queues".into())
        }
        "plain_http_with_key" => {
            let m = misp(key);
            let a = workers(&m, &m.sim.http_url(), &[]);
            Case::new(m, a, 0, "MISP WORKERS OK - ", "5 queues".into())
        }
        // ---- 3. HTTP ------------------------------------------------------------------
        "redirect_to_login" => {
            let m = misp(key);
            let login = format!("{}/users/login", m.sim.http_url());
            fault(
                &m,
                Fault::RedirectTo {
                    location: login.clone(),
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = format!(
                "MISP answered 302 redirecting /servers/getWorkers to {login} (MISP sends this key to its login page: MISP is most likely offline, MISP.live off, where only site admins may use it; or the Accept: application/json header did not reach MISP)"
            );
            Case::new(m, a, 2, CRIT, cause)
        }
        "key_rejected_403" => {
            // MISP knows another key; the one we send gets its authentication JSON.
            let m = misp_with(UNKNOWN_KEY, SimOptions::default());
            std::fs::write(m.path("key"), format!("{key}\n")).expect("key file");
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "MISP answered 403: the API key was not accepted".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "method_not_allowed_405" => {
            let m = misp(key);
            fault(
                &m,
                Fault::Status {
                    code: 405,
                    content_type: "application/json; charset=UTF-8".into(),
                    body: r#"{"name":"Method Not Allowed","message":"Method Not Allowed","url":"\/servers\/getWorkers"}"#.into(),
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "MISP answered 405 for GET /servers/getWorkers: Method Not Allowed".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "rate_limited_429" => {
            let m = misp(key);
            fault(&m, misp_sim::rate_limited());
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "MISP answered 429 for GET /servers/getWorkers: Rate limit exceeded. (MISP's rate limit for this key)".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "html_error_page_500" => {
            let m = misp(key);
            fault(&m, misp_sim::html_500());
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "MISP answered 500 for GET /servers/getWorkers (an HTML error page)".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "login_page_instead_of_json" => {
            let m = misp(key);
            fault(
                &m,
                Fault::Status {
                    code: 200,
                    content_type: "text/html; charset=UTF-8".into(),
                    body: "<!DOCTYPE html>\n<html><head><title>Users - MISP</title></head><body>\n<form action=\"/users/login\" id=\"UserLoginForm\" method=\"post\">\n<input name=\"data[User][email]\"/></form></body></html>\n".into(),
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "unexpected answer to /servers/getWorkers: MISP's login page instead of JSON (the API key or the Accept header was not honoured)".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "html_instead_of_json" => {
            let m = misp(key);
            fault(
                &m,
                Fault::Status {
                    code: 200,
                    content_type: "text/html".into(),
                    body: "<html><body><h1>Down for maintenance</h1></body></html>".into(),
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause =
                "unexpected answer to /servers/getWorkers: an HTML page instead of JSON".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "truncated_json" => {
            let m = misp(key);
            fault(&m, Fault::TruncatedJson);
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause =
                "unexpected answer to /servers/getWorkers: malformed JSON (EOF while parsing"
                    .into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "huge_body" | "huge_chunked_body" => {
            let m = misp(key);
            let bytes = 100 * 1024 * 1024;
            fault(
                &m,
                if name == "huge_body" {
                    Fault::HugeBody { bytes }
                } else {
                    Fault::HugeChunked { bytes }
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = format!(
                "response too large: MISP sent more than {} bytes for /servers/getWorkers",
                check_misp::http::BODY_LIMIT
            );
            let mut c = Case::new(m, a, 2, CRIT, cause);
            // The cap stops the read at 16 MiB: nowhere near the 10 s deadline.
            c.quick = Some(Duration::from_secs(5));
            c
        }
        "non_utf8_body" => {
            let m = misp(key);
            fault(&m, Fault::NonUtf8);
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = "unexpected answer to /servers/getWorkers: malformed JSON (invalid unicode code point".into();
            Case::new(m, a, 2, CRIT, cause)
        }
        "redirect_to_other_host" => {
            let m = misp(key);
            // A second MISP that would accept the key if it ever got it.
            let other = std::sync::Arc::new(
                Sim::start(SimOptions {
                    key: key.to_owned(),
                    ..SimOptions::default()
                })
                .expect("second simulator"),
            );
            let location = format!("{}{GET_WORKERS}", other.http_url());
            fault(
                &m,
                Fault::RedirectTo {
                    location: location.clone(),
                },
            );
            let a = workers(&m, &m.sim.http_url(), &[]);
            let cause = format!("MISP answered 302 redirecting /servers/getWorkers to {location} (redirects are not followed, so the key is never sent elsewhere)");
            let mut c = Case::new(m, a, 2, CRIT, cause);
            let seen = other.clone();
            c.after = Some(Box::new(move |_: &Misp| {
                assert_eq!(
                    seen.requests_with_key(),
                    0,
                    "the key went to the other host"
                );
                assert!(seen.counts().is_empty(), "{:?}", seen.counts());
            }));
            c.hold.push(Box::new(other));
            c
        }
        // ---- 4. input -----------------------------------------------------------------
        "key_wrong_length" => {
            let m = misp(key);
            let short = &key[..39];
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, "--key", short]);
            let cause =
                "API key from --key is malformed: expected 40 letters or digits, found 39 characters";
            let mut c = Case::new(m, a, 3, UNKNOWN, cause.into());
            c.secrets.push(short.to_owned());
            c
        }
        "key_not_alphanumeric" => {
            let m = misp(key);
            let bad = format!("{}-", &key[..39]);
            std::fs::write(m.path("badkey"), format!("{bad}\n")).expect("key file");
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, "--key-file", &m.path("badkey")]);
            let cause = format!(
                "API key from file {} is malformed: expected 40 letters or digits, found other characters",
                m.path("badkey")
            );
            let mut c = Case::new(m, a, 3, UNKNOWN, cause);
            c.secrets.push(bad);
            c
        }
        "key_file_missing" => {
            let m = misp(key);
            let url = m.sim.http_url();
            let path = m.path("no-such-key");
            let a = strings(&["workers", "--url", &url, "--key-file", &path]);
            let cause = format!("cannot read API key file {path}: No such file or directory");
            Case::new(m, a, 3, UNKNOWN, cause)
        }
        "key_file_is_a_directory" => {
            // Tests run as root, which chmod cannot lock out; a directory cannot be read
            // as a file by anyone.
            let m = misp(key);
            std::fs::create_dir(m.path("keydir")).expect("dir");
            let url = m.sim.http_url();
            let path = m.path("keydir");
            let a = strings(&["workers", "--url", &url, "--key-file", &path]);
            let cause =
                format!("cannot read API key file {path}: is a directory, not a regular file");
            Case::new(m, a, 3, UNKNOWN, cause)
        }
        "key_file_is_dev_zero" => {
            // Endless: read to the end, it ran past -t and ate gigabytes.
            let m = misp(key);
            let url = m.sim.http_url();
            let a = strings(&[
                "workers",
                "--url",
                &url,
                "--key-file",
                "/dev/zero",
                "-t",
                "2s",
            ]);
            let cause =
                "cannot read API key file /dev/zero: is a character device, not a regular file";
            let mut c = Case::new(m, a, 3, UNKNOWN, cause.into());
            c.quick = Some(Duration::from_secs(1));
            c
        }
        "key_file_is_a_fifo" => {
            // No writer: a plain open() blocks for ever.
            let m = misp(key);
            let path = m.path("keyfifo");
            let mode = rustix::fs::Mode::from_raw_mode(0o600);
            rustix::fs::mkfifoat(rustix::fs::CWD, path.as_str(), mode).expect("mkfifo");
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, "--key-file", &path, "-t", "2s"]);
            let cause = format!(
                "cannot read API key file {path}: is a FIFO (named pipe), not a regular file"
            );
            let mut c = Case::new(m, a, 3, UNKNOWN, cause);
            c.quick = Some(Duration::from_secs(1));
            c
        }
        "key_file_is_huge" => {
            // Sparse, so the test costs no disk: 8 GiB are never read.
            let m = misp(key);
            let path = m.path("bigkey");
            let f = std::fs::File::create(&path).expect("create");
            f.set_len(8 << 30).expect("set_len");
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, "--key-file", &path, "-t", "2s"]);
            let cause =
                format!("cannot read API key file {path}: is larger than 4 KiB, so not a key file");
            let mut c = Case::new(m, a, 3, UNKNOWN, cause);
            c.quick = Some(Duration::from_secs(1));
            c
        }
        "key_in_misp_key_file" => {
            // The key pasted into MISP_KEY_FILE (an Icinga vars mix-up): not echoed as the
            // "file" that does not exist, and the mix-up is named.
            let m = misp(key);
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url]);
            let cause = "cannot read API key file [redacted]: No such file or directory (os error 2); the value looks like the key itself, but MISP_KEY_FILE takes the path of a file holding it (the key itself goes in MISP_KEY)";
            let mut c = Case::new(m, a, 3, UNKNOWN, cause.into());
            c.env.push(("MISP_KEY_FILE".into(), key.to_owned()));
            c
        }
        "empty_misp_key" => {
            let m = misp(key);
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url]);
            let mut c = Case::new(m, a, 3, UNKNOWN, "API key from MISP_KEY is empty".into());
            c.env.push(("MISP_KEY".into(), String::new()));
            c
        }
        "bad_url" => {
            let m = misp(key);
            let a = workers(&m, "misp.example.org", &[]);
            let cause = "invalid URL 'misp.example.org': it must start with https:// or http://";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        "bad_url_scheme" => {
            let m = misp(key);
            let a = workers(&m, "ftp://misp.example.org", &[]);
            let cause = "invalid URL 'ftp://misp.example.org': scheme 'ftp' is not http or https";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        "url_with_credentials" => {
            // A password pasted into the URL is a secret too: refused, and not echoed.
            // The password is longer than a key, so only hiding the user info keeps it out.
            let m = misp(key);
            let port = m.sim.https_port();
            let password = format!("pw{key}");
            let url = format!("https://admin:{password}@127.0.0.1:{port}");
            let a = workers(&m, &url, &[]);
            let cause = format!("invalid URL 'https://***@127.0.0.1:{port}': user info in the URL is not supported; use --key-file");
            let mut c = Case::new(m, a, 3, UNKNOWN, cause);
            c.secrets.push(password);
            c
        }
        "bad_range" => {
            let m = misp(key);
            let a = workers(&m, &m.sim.http_url(), &["-w", "abc"]);
            let cause = "--warning: invalid range 'abc': 'abc' is not a number";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        "bad_duration" => {
            let m = misp(key);
            let a = workers(&m, &m.sim.http_url(), &["-t", "ten"]);
            let cause = "invalid value 'ten' for '--timeout <DURATION>'";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        "unknown_check" => {
            let m = misp(key);
            let mut a = workers(&m, &m.sim.http_url(), &[]);
            a[0] = "bogus".into();
            let cause = "unrecognized subcommand 'bogus'";
            Case::new(m, a, 3, "MISP UNKNOWN - ", cause.into())
        }
        "key_as_stray_argument" => {
            // The OpenNMS monitoring scripts take `HOST KEY`: the key pasted where no argument
            // is expected must not be echoed back in clap's "unexpected argument" error.
            let m = misp(key);
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, key]);
            let cause = "unexpected argument '[redacted]' found";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        "key_given_as_key_file" => {
            // `-k` reads like "key" but takes a file: the key typed there is not echoed
            // in "cannot read API key file ...".
            let m = misp(key);
            let url = m.sim.http_url();
            let a = strings(&["workers", "--url", &url, "-k", key]);
            let cause = "cannot read API key file [redacted]: No such file or directory";
            Case::new(m, a, 3, UNKNOWN, cause.into())
        }
        other => panic!("no case named {other}"),
    };
    c.secrets.push(key.to_owned());
    c
}
