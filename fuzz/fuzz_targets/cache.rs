//! Any bytes as the statistics cache, read against clocks before, at and far after the
//! time it was written: never a panic, errors are one line, a fresh answer is never older
//! than allowed.
#![no_main]

use check_misp::statistics as stats;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    if let Err(e) = stats::parse_cache(data) {
        assert!(!e.contains('\n'));
    }
    let path = std::env::temp_dir().join(format!("check_misp-fuzz-cache-{}", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let now = SystemTime::now();
    let max_age = Duration::from_secs(3600);
    for clock in [
        now,
        now - Duration::from_secs(86_400),
        now + Duration::from_secs(86_400 * 365 * 100),
    ] {
        match stats::read_cache(&path, max_age, clock) {
            Ok(c) => assert!(c.age <= max_age),
            Err(e) => assert!(!e.to_string().contains('\n')),
        }
    }
});
