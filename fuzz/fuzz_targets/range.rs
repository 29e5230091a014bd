//! Any text as a `-w`/`-c` range, in both units: never a panic; what parses prints back
//! as an equal range.
#![no_main]

use check_misp::range::{Range, RangeUnit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for unit in [RangeUnit::Count, RangeUnit::Seconds] {
        if let Ok(r) = Range::parse(text, unit) {
            let again = Range::parse(&r.to_string(), RangeUnit::Count);
            assert_eq!(again.ok(), Some(r), "{text:?}");
        }
    }
});
