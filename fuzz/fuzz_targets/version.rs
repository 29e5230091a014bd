//! Any text as a MISP version (from getVersion, or as a --min-version bound): never a
//! panic, and a bound that is accepted prints back as itself.
#![no_main]

use check_misp::misp::version::MispVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = MispVersion::parse(text);
        if let Some(v) = MispVersion::parse_bound(text) {
            assert_eq!(MispVersion::parse_bound(&v.to_string()), Some(v));
        }
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = MispVersion::from_get_version(&v);
    }
});
