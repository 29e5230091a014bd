//! Any bytes as the heal state file, judged against a clock taken from the input: never a
//! panic, notes are one line, and a cooldown is only ever shorter than asked.
#![no_main]

use check_misp::checks::heal::{prior, Prior};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let (clock, bytes) = data.split_at(data.len().min(5));
    let secs = clock.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let now = UNIX_EPOCH + Duration::from_secs(secs);
    let cooldown = Duration::from_secs(900);
    match prior(bytes, "state.json", "https://misp", now, cooldown) {
        Prior::CoolingDown(ago) => assert!(ago < cooldown),
        Prior::Clear(Some(note)) => assert!(!note.contains('\n')),
        Prior::Clear(None) => {}
    }
});
