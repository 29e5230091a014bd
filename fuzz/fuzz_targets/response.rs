//! Any status and body as MISP's answer: the reader never panics, only a 2xx passes, and
//! every error is one line.
#![no_main]

use check_misp::http::Response;
use check_misp::misp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, bool, &[u8])| {
    let (status, html, body) = input;
    let status = 100 + status % 500;
    let mut headers = hyper::HeaderMap::new();
    if html {
        headers.insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/html"),
        );
    }
    let resp = Response {
        status,
        headers,
        body: bytes::Bytes::copy_from_slice(body),
        timings: Default::default(),
    };
    match misp::json(&resp, "GET", "/servers/getWorkers") {
        Ok(_) => assert!((200..300).contains(&status)),
        Err(e) => assert!(!e.to_string().contains(['\n', '\r'])),
    }
});
