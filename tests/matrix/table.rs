//! The rows of the bad-input matrix, in the order of `each_case!`.

use super::{row, Case, Prep, Row, Server, Url, CRIT, GET_WORKERS, OK, UNKNOWN};
use crate::common::Misp;
use misp_sim::{Fault, Sim, SimOptions};

const HUGE: u64 = 100 * 1024 * 1024;

pub(super) const ROWS: &[Row] = &[
    // ---- 1. network -------------------------------------------------------------
    row("refused", 2, CRIT, "connection refused by 127.0.0.1:{port}").url(Url::DeadPort),
    // .invalid is reserved (RFC 2606): it never resolves, anywhere.
    row("unresolvable_host", 2, CRIT, "cannot resolve misp.invalid")
        .url(Url::Text("http://misp.invalid")),
    row(
        "hang_after_request",
        2,
        CRIT,
        "timed out after 2s waiting for response headers",
    )
    .fault(|_| Fault::Hang)
    .args(&["-t", "2s"]),
    row(
        "silent_listener",
        2,
        CRIT,
        "timed out after 2s waiting for response headers",
    )
    .url(Url::Silent { tls: false })
    .args(&["-t", "2s"]),
    row(
        "silent_listener_tls",
        2,
        CRIT,
        "timed out after 2s in the TLS handshake",
    )
    .url(Url::Silent { tls: true })
    .args(&["-t", "2s", "--ca-cert", "{ca}"]),
    row(
        "drip_body",
        2,
        CRIT,
        "timed out after 2s reading the response body",
    )
    .fault(|_| Fault::Drip { bytes_per_sec: 1 })
    .args(&["-t", "2s"]),
    row(
        "reset_mid_body",
        2,
        CRIT,
        "connection reset by MISP while reading the response body",
    )
    .fault(|_| Fault::ResetMidBody),
    // ---- 2. TLS -------------------------------------------------------------------
    row(
        "self_signed_without_ca",
        2,
        CRIT,
        "certificate not trusted (unknown issuer): use --ca-cert FILE (its CA, or the certificate itself), or --insecure",
    )
    .url(Url::Https)
    .hook(nothing_sent),
    row("expired_certificate", 2, CRIT, "certificate expired")
        .server(Server::Expired)
        .url(Url::Https)
        .args(&["--ca-cert", "{ca}"]),
    row(
        "certificate_for_another_host",
        2,
        CRIT,
        "certificate is not valid for the name 127.0.0.1",
    )
    .server(Server::Named("misp.other.example"))
    .url(Url::Https)
    .args(&["--ca-cert", "{ca}"]),
    row("insecure_accepted", 0, OK, "5 queues")
        .url(Url::Https)
        .args(&["--insecure"]),
    row("plain_http_with_key", 0, OK, "5 queues"),
    // ---- 3. HTTP ------------------------------------------------------------------
    row(
        "redirect_to_login",
        2,
        CRIT,
        "MISP answered 302 redirecting /servers/getWorkers to {http}/users/login (MISP sends this key to its login page: MISP is most likely offline, MISP.live off, where only site admins may use it; or the Accept: application/json header did not reach MISP)",
    )
    .fault(|m| Fault::RedirectTo {
        location: format!("{}/users/login", m.sim.http_url()),
    }),
    // MISP knows another key; the one we send gets its authentication JSON.
    row(
        "key_rejected_403",
        2,
        CRIT,
        "MISP answered 403: the API key was not accepted",
    )
    .server(Server::OtherKey),
    row(
        "method_not_allowed_405",
        2,
        CRIT,
        "MISP answered 405 for GET /servers/getWorkers: Method Not Allowed",
    )
    .fault(|_| Fault::Status {
        code: 405,
        content_type: "application/json; charset=UTF-8".into(),
        body: r#"{"name":"Method Not Allowed","message":"Method Not Allowed","url":"\/servers\/getWorkers"}"#.into(),
    }),
    row(
        "rate_limited_429",
        2,
        CRIT,
        "MISP answered 429 for GET /servers/getWorkers: Rate limit exceeded. (MISP's rate limit for this key)",
    )
    .fault(|_| misp_sim::rate_limited()),
    row(
        "html_error_page_500",
        2,
        CRIT,
        "MISP answered 500 for GET /servers/getWorkers (an HTML error page titled \"Error - MISP\")",
    )
    .fault(|_| misp_sim::html_500()),
    row(
        "login_page_instead_of_json",
        2,
        CRIT,
        "unexpected answer to /servers/getWorkers: MISP's login page instead of JSON (the API key or the Accept header was not honoured)",
    )
    .fault(|_| Fault::Status {
        code: 200,
        content_type: "text/html; charset=UTF-8".into(),
        body: "<!DOCTYPE html>\n<html><head><title>Users - MISP</title></head><body>\n<form action=\"/users/login\" id=\"UserLoginForm\" method=\"post\">\n<input name=\"data[User][email]\"/></form></body></html>\n".into(),
    }),
    row(
        "html_instead_of_json",
        2,
        CRIT,
        "unexpected answer to /servers/getWorkers: an HTML page instead of JSON",
    )
    .fault(|_| Fault::Status {
        code: 200,
        content_type: "text/html".into(),
        body: "<html><body><h1>Down for maintenance</h1></body></html>".into(),
    }),
    row(
        "truncated_json",
        2,
        CRIT,
        "unexpected answer to /servers/getWorkers: malformed JSON (EOF while parsing",
    )
    .fault(|_| Fault::TruncatedJson),
    // The cap stops the read at 16 MiB: nowhere near the 10 s deadline.
    row(
        "huge_body",
        2,
        CRIT,
        "response too large: MISP sent more than {limit} bytes for /servers/getWorkers",
    )
    .fault(|_| Fault::HugeBody { bytes: HUGE })
    .quick(5),
    row(
        "huge_chunked_body",
        2,
        CRIT,
        "response too large: MISP sent more than {limit} bytes for /servers/getWorkers",
    )
    .fault(|_| Fault::HugeChunked { bytes: HUGE })
    .quick(5),
    row(
        "non_utf8_body",
        2,
        CRIT,
        "unexpected answer to /servers/getWorkers: malformed JSON (invalid unicode code point",
    )
    .fault(|_| Fault::NonUtf8),
    row("redirect_to_other_host", 2, CRIT, "").hook(redirect_to_other_host),
    // ---- 4. input -----------------------------------------------------------------
    row(
        "key_wrong_length",
        3,
        UNKNOWN,
        "API key from --key is malformed: expected 40 letters or digits, found 39 characters",
    )
    .argv(&["workers", "--url", "{http}", "--key", "{key39}"])
    .secrets(&["{key39}"]),
    row(
        "key_not_alphanumeric",
        3,
        UNKNOWN,
        "API key from file {dir}/badkey is malformed: expected 40 letters or digits, found other characters",
    )
    .prep(Prep::File("badkey", "{key39}-\n"))
    .argv(&["workers", "--url", "{http}", "--key-file", "{dir}/badkey"])
    .secrets(&["{key39}-"]),
    row(
        "key_file_missing",
        3,
        UNKNOWN,
        "cannot read API key file {dir}/no-such-key: No such file or directory",
    )
    .argv(&["workers", "--url", "{http}", "--key-file", "{dir}/no-such-key"]),
    // Tests run as root, which chmod cannot lock out; a directory cannot be read as a
    // file by anyone.
    row(
        "key_file_is_a_directory",
        3,
        UNKNOWN,
        "cannot read API key file {dir}/keydir: is a directory, not a regular file",
    )
    .prep(Prep::Dir("keydir"))
    .argv(&["workers", "--url", "{http}", "--key-file", "{dir}/keydir"]),
    // Endless: read to the end, it ran past -t and ate gigabytes.
    row(
        "key_file_is_dev_zero",
        3,
        UNKNOWN,
        "cannot read API key file /dev/zero: is a character device, not a regular file",
    )
    .argv(&[
        "workers",
        "--url",
        "{http}",
        "--key-file",
        "/dev/zero",
        "-t",
        "2s",
    ])
    .quick(1),
    // No writer: a plain open() blocks for ever.
    row(
        "key_file_is_a_fifo",
        3,
        UNKNOWN,
        "cannot read API key file {dir}/keyfifo: is a FIFO (named pipe), not a regular file",
    )
    .prep(Prep::Fifo("keyfifo"))
    .argv(&[
        "workers",
        "--url",
        "{http}",
        "--key-file",
        "{dir}/keyfifo",
        "-t",
        "2s",
    ])
    .quick(1),
    // Sparse, so the test costs no disk: 8 GiB are never read.
    row(
        "key_file_is_huge",
        3,
        UNKNOWN,
        "cannot read API key file {dir}/bigkey: is larger than 4 KiB, so not a key file",
    )
    .prep(Prep::Sparse("bigkey", 8 << 30))
    .argv(&[
        "workers",
        "--url",
        "{http}",
        "--key-file",
        "{dir}/bigkey",
        "-t",
        "2s",
    ])
    .quick(1),
    // The key pasted into MISP_KEY_FILE (an Icinga vars mix-up): not echoed as the "file"
    // that does not exist, and the mix-up is named.
    row(
        "key_in_misp_key_file",
        3,
        UNKNOWN,
        "cannot read API key file [redacted]: No such file or directory (os error 2); the value looks like the key itself, but MISP_KEY_FILE takes the path of a file holding it (the key itself goes in MISP_KEY)",
    )
    .argv(&["workers", "--url", "{http}"])
    .env(&[("MISP_KEY_FILE", "{key}")]),
    row("empty_misp_key", 3, UNKNOWN, "API key from MISP_KEY is empty")
        .argv(&["workers", "--url", "{http}"])
        .env(&[("MISP_KEY", "")]),
    row(
        "bad_url",
        3,
        UNKNOWN,
        "invalid URL 'misp.example.org': it must start with https:// or http://",
    )
    .url(Url::Text("misp.example.org")),
    row(
        "bad_url_scheme",
        3,
        UNKNOWN,
        "invalid URL 'ftp://misp.example.org': scheme 'ftp' is not http or https",
    )
    .url(Url::Text("ftp://misp.example.org")),
    // A password pasted into the URL is a secret too: refused, and not echoed. The
    // password is longer than a key, so only hiding the user info keeps it out.
    row(
        "url_with_credentials",
        3,
        UNKNOWN,
        "invalid URL 'https://***@127.0.0.1:{https-port}': user info in the URL is not supported; use --key-file",
    )
    .url(Url::Text("https://admin:pw{key}@127.0.0.1:{https-port}"))
    .secrets(&["pw{key}"]),
    row(
        "bad_range",
        3,
        UNKNOWN,
        "invalid value 'abc' for '--warning <RANGE>': 'abc' is neither a number nor a duration like 500ms; a range is [@][START:][END]",
    )
    .args(&["-w", "abc"]),
    row(
        "bad_duration",
        3,
        UNKNOWN,
        "invalid value 'ten' for '--timeout <DURATION>'",
    )
    .args(&["-t", "ten"]),
    row(
        "unknown_check",
        3,
        "MISP UNKNOWN - ",
        "unrecognized subcommand 'bogus'",
    )
    .argv(&["bogus", "--url", "{http}", "--key-file", "{key-file}"]),
    // The OpenNMS monitoring scripts take `HOST KEY`: the key pasted where no argument is
    // expected must not be echoed back in clap's "unexpected argument" error.
    row(
        "key_as_stray_argument",
        3,
        UNKNOWN,
        "unexpected argument '[redacted]' found",
    )
    .argv(&["workers", "--url", "{http}", "{key}"]),
    // `-k` reads like "key" but takes a file: the key typed there is not echoed in
    // "cannot read API key file ...".
    row(
        "key_given_as_key_file",
        3,
        UNKNOWN,
        "cannot read API key file [redacted]: No such file or directory",
    )
    .argv(&["workers", "--url", "{http}", "-k", "{key}"]),
];

/// The request (and so the key) never went over the unverified connection.
fn nothing_sent(c: &mut Case, _key: &str) {
    c.after = Some(Box::new(|m: &Misp| {
        assert!(m.sim.counts().is_empty(), "{:?}", m.sim.counts());
        assert_eq!(m.sim.requests_with_key(), 0);
    }));
}

/// MISP redirects to a second MISP that would accept the key if it ever got it.
fn redirect_to_other_host(c: &mut Case, key: &str) {
    let other = std::sync::Arc::new(
        Sim::start(SimOptions {
            key: key.to_owned(),
            ..SimOptions::default()
        })
        .expect("second simulator"),
    );
    let location = format!("{}{GET_WORKERS}", other.http_url());
    c.misp.sim.set_fault(
        Some(GET_WORKERS),
        Fault::RedirectTo {
            location: location.clone(),
        },
    );
    c.cause = format!("MISP answered 302 redirecting /servers/getWorkers to {location} (redirects are not followed, so the key is never sent elsewhere)");
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
}
