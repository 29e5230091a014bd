//! Any bytes as a statistics answer: the parser never panics; errors are one line.
#![no_main]

use check_misp::misp::stats;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Err(e) = stats::parse(&v) {
            assert!(!e.contains('\n'));
        }
    }
});
