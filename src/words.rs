//! How the checks put counts, durations and times into words, and when a recorded time
//! is too far ahead of this host's clock to be believed.

/// A duration as a person reads it, to the second: `2h`, `12m 3s`, `0s`.
pub fn human(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
}

/// Seconds with millisecond precision, for summaries.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// `n thing` or `n things`.
pub fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// How far ahead of this host's clock a recorded time may be and still count as "now":
/// hosts kept by NTP differ by far less, and a state or cache file written by a host a
/// few minutes ahead must not be thrown away.
pub const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(300);

/// How far `t` is ahead of `now`, when that is more than [`CLOCK_SKEW`]: such a time
/// cannot have been recorded yet, so it is invalid rather than "very recent".
pub fn in_future(
    t: std::time::SystemTime,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    t.duration_since(now)
        .ok()
        .filter(|ahead| *ahead > CLOCK_SKEW)
}

/// A time as RFC 3339 UTC, or as Unix seconds where RFC 3339 has no year for it.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // humantime formats years up to 9999 only (and fails, not saturates, past that).
    if secs < 253_402_300_800 {
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
        )
        .to_string()
    } else {
        format!("Unix time {secs}")
    }
}
