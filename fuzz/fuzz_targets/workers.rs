//! Any bytes as a getWorkers answer: parse and judge never panic.
#![no_main]

use check_misp::misp::workers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(table) = workers::parse(&v) {
            let s = table.summary();
            assert!(s.queues_down.len() as u64 <= s.dead);
        }
    }
});
