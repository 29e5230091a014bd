//! MISP's statistics page (`GET /users/statistics.json`) as `stats` and `users` read it,
//! directly or from the cache that `stats --update-cache` keeps for snmpd. It sits below
//! both checks so that neither imports the other.
//!
//! The cache exists so that snmpd, which runs as its own user (Debian-snmp) and polls
//! often, needs neither MISP's URL nor the key and never makes MISP count its attribute
//! table: a cron job run by the user who holds the key refreshes it. It holds the four
//! counts and the fetch time, never the key, and is written atomically and world-readable.
//! Reading it never fails hard: a missing, unreadable, corrupt or stale cache is UNKNOWN
//! with one line naming the file and the problem (so `-o snmp` prints `-1` lines).

use crate::error::Error;
use crate::http::{Client, Kind};
use crate::invocation::{parse_duration, Defaults};
use crate::misp::{self, stats::Statistics};
use crate::outcome::{Outcome, Thresholds};
use crate::range::RangeUnit;
use crate::words::human;
use clap::Args;
use hyper::Method;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The statistics page.
pub const PATH: &str = "/users/statistics.json";

/// A cache larger than this is not one of ours (ours is about 150 bytes).
const CACHE_LIMIT: u64 = 64 * 1024;

/// The cache file's permissions: it holds four counts and a time, nothing secret, and
/// snmpd's user must be able to read what the cron job's user wrote.
const CACHE_MODE: u32 = 0o644;

/// The cache options `stats` and `users` share (both figures pairs come from one page).
#[derive(Debug, Args)]
pub struct Cache {
    /// Answer from this cache file (written by `stats --update-cache`)
    #[arg(long, value_name = "PATH")]
    pub cache_file: Option<PathBuf>,
    /// Oldest cache accepted
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub max_age: Duration,
    /// Fetch the statistics and rewrite the cache file (for cron)
    #[arg(long, requires = "cache_file")]
    pub update_cache: bool,
}

/// A judgement of the statistics: `stats`' or `users'`.
pub type Judge = fn(&Statistics, &Thresholds) -> Outcome;

impl Cache {
    /// True when answered from the cache alone: no request, so snmpd's user needs
    /// neither URL nor key.
    pub fn offline(&self) -> bool {
        self.cache_file.is_some() && !self.update_cache
    }

    pub fn defaults(&self) -> Defaults {
        let d = Defaults::new(RangeUnit::Count);
        if self.offline() {
            d.offline()
        } else {
            d
        }
    }

    /// From the cache, or from MISP (then also rewriting the cache with `--update-cache`).
    /// `client` is called only when MISP is asked.
    pub async fn run<'c>(
        &self,
        t: &Thresholds,
        client: impl FnOnce() -> Result<&'c Client, Error>,
        judge: Judge,
    ) -> Result<Outcome, Error> {
        match (&self.cache_file, self.update_cache) {
            (Some(path), false) => from_cache(path, self.max_age, t, judge),
            (target, update) => {
                let target = if update { target.as_deref() } else { None };
                fetch_and_judge(client()?, t, judge, target).await
            }
        }
    }
}

/// Fetches the statistics and judges them; with `cache_file` also rewrites it.
async fn fetch_and_judge(
    client: &Client,
    t: &Thresholds,
    judge: Judge,
    cache_file: Option<&Path>,
) -> Result<Outcome, Error> {
    let stats = fetch(client).await?;
    let mut out = judge(&stats, t);
    if let Some(path) = cache_file {
        write_cache(path, &stats, SystemTime::now())?;
        let _ = write!(out.summary, "; cache {} updated", path.display());
    }
    Ok(out)
}

/// `GET /users/statistics.json`, parsed.
pub async fn fetch(client: &Client) -> Result<Statistics, Error> {
    let resp = client.send(Method::GET, PATH, Kind::Rest).await?;
    let json = misp::json(&resp, "GET", PATH)?;
    misp::stats::parse(&json).map_err(|reason| Error::Malformed {
        path: PATH.into(),
        reason,
    })
}

/// Answers from the cache alone: no request, no URL, no key.
pub fn from_cache(
    path: &Path,
    max_age: Duration,
    t: &Thresholds,
    judge: Judge,
) -> Result<Outcome, Error> {
    let cached = read_cache(path, max_age, SystemTime::now())?;
    let mut out = judge(&cached.stats, t);
    let _ = write!(out.summary, " (cached {} ago)", human(cached.age));
    out.details.push(format!(
        "from cache {} (max age {})",
        path.display(),
        human(max_age)
    ));
    out.details.extend(cached.note);
    Ok(out)
}

/// The cache's bytes: one JSON object, the four counts under the keys the
/// `misp-snmp-monitor.py` helper used, plus the fetch time.
pub fn cache_bytes(s: &Statistics, fetched_at: SystemTime) -> Vec<u8> {
    let secs = fetched_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let doc = json!({
        "events": s.events_month,
        "attributes": s.attributes_month,
        "users": s.users,
        "orgs": s.orgs,
        "fetched_at": secs,
        "fetched_at_utc": humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string(),
    });
    format!("{doc}\n").into_bytes()
}

/// Writes the cache atomically (write, fsync, rename), mode 0644.
pub fn write_cache(path: &Path, s: &Statistics, fetched_at: SystemTime) -> Result<(), Error> {
    crate::atomic::write_mode(path, &cache_bytes(s, fetched_at), CACHE_MODE).map_err(|e| {
        Error::LocalFile(format!(
            "cannot write cache {}: {e} (the directory must exist and be writable by this user)",
            path.display()
        ))
    })
}

/// A cache fresh enough to answer from.
#[derive(Debug, PartialEq, Eq)]
pub struct Cached {
    /// The four counts.
    pub stats: Statistics,
    /// Time since the fetch (zero when the fetch is ahead of this host's clock by less
    /// than [`crate::words::CLOCK_SKEW`]).
    pub age: Duration,
    /// Something the reader should know for the long output (an ignored fetch time).
    pub note: Option<String>,
}

/// Reads the cache and its age, refusing a missing, unreadable, corrupt or stale one.
///
/// A fetch time in the future cannot be true: it is ignored (and said), and the file's
/// modification time stands in. When that too is in the future, the cache's age is
/// unknown and the cache is refused, never taken as fresh forever.
pub fn read_cache(path: &Path, max_age: Duration, now: SystemTime) -> Result<Cached, Error> {
    let shown = path.display();
    let fail = |what: String| Error::LocalFile(format!("cache {shown} {what}"));
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => fail(format!(
            "does not exist: has `check_misp stats --update-cache --cache-file {shown}` run yet (cron)?"
        )),
        std::io::ErrorKind::PermissionDenied => fail(format!(
            "cannot be read by this user ({e}): the directory and file must be readable by snmpd's user"
        )),
        _ => fail(format!("cannot be read: {e}")),
    })?;
    if meta.is_dir() {
        return Err(fail("is a directory, not a cache file".into()));
    }
    if meta.len() > CACHE_LIMIT {
        return Err(fail(format!(
            "is corrupt (larger than {} KiB): the next --update-cache rewrites it",
            CACHE_LIMIT / 1024
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => fail(format!(
            "cannot be read by this user ({e}): the file must be readable by snmpd's user"
        )),
        _ => fail(format!("cannot be read: {e}")),
    })?;
    let (stats, fetched_at) = parse_cache(&bytes).map_err(|why| {
        fail(format!(
            "is corrupt ({why}): the next --update-cache rewrites it"
        ))
    })?;
    let mut note = None;
    let fetched_at = match fetched_at {
        Some(t) if crate::words::in_future(t, now).is_some() => {
            note = Some(format!(
                "cache {shown} says it was fetched at {}, in the future: ignored, the file's time is used",
                crate::words::utc(t)
            ));
            None
        }
        other => other,
    };
    // A cache in the older SNMP helper's format has no fetch time: its file time stands in.
    let fetched_at = fetched_at.or_else(|| meta.modified().ok()).unwrap_or(now);
    if let Some(ahead) = crate::words::in_future(fetched_at, now) {
        return Err(fail(format!(
            "was written {} in the future ({}), so its age is unknown: is this host's clock right? The next --update-cache rewrites it",
            human(ahead),
            crate::words::utc(fetched_at)
        )));
    }
    // Ahead by no more than the skew allowed between hosts: just written.
    let age = now.duration_since(fetched_at).unwrap_or_default();
    if age > max_age {
        return Err(fail(format!(
            "is {} old (max {}): is the cron job running?",
            human(age),
            human(max_age)
        )));
    }
    Ok(Cached { stats, age, note })
}

/// The four counts, and the fetch time when the cache records one. Accepts the
/// `misp-snmp-monitor.py` helper's cache too (`{"events": "37", …}`: strings or numbers, no time).
pub fn parse_cache(bytes: &[u8]) -> Result<(Statistics, Option<SystemTime>), String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty file".into());
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err(format!(
            "expected a JSON object, got {}",
            misp::events::kind(&v)
        ));
    }
    let count = |key: &str| -> Result<u64, String> {
        let field = v.get(key).ok_or_else(|| format!("no \"{key}\""))?;
        if field.as_i64() == Some(-1) || field.as_str().map(str::trim) == Some("-1") {
            return Err(format!(
                "\"{key}\" is -1: the writer recorded a failed update"
            ));
        }
        misp::count(field, &format!("\"{key}\""))
    };
    let stats = Statistics {
        events_month: count("events")?,
        attributes_month: count("attributes")?,
        users: count("users")?,
        orgs: count("orgs")?,
    };
    let fetched_at = match v.get("fetched_at") {
        None => None,
        Some(t) => Some(
            misp::number(t)
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
                .ok_or("\"fetched_at\" is not a Unix time")?,
        ),
    };
    Ok((stats, fetched_at))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcome::State;
    use crate::range::{Range, RangeUnit};

    /// Figures shared with the `users` tests.
    pub(crate) const S: Statistics = Statistics {
        events_month: 37,
        attributes_month: 4210,
        users: 42,
        orgs: 118,
    };

    pub(crate) fn th(w: Option<&str>, c: Option<&str>) -> Thresholds {
        let r = |s: Option<&str>| s.map(|s| Range::parse(s, RangeUnit::Count).unwrap());
        Thresholds {
            warn: r(w),
            crit: r(c),
        }
    }

    #[test]
    fn cache_round_trip_keeps_the_time() {
        let at = UNIX_EPOCH + Duration::from_secs(1_732_350_000);
        let bytes = cache_bytes(&S, at);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            "{\"events\":37,\"attributes\":4210,\"users\":42,\"orgs\":118,\"fetched_at\":1732350000,\"fetched_at_utc\":\"2024-11-23T08:20:00Z\"}\n"
        );
        assert_eq!(parse_cache(&bytes).unwrap(), (S, Some(at)));
    }

    #[test]
    fn cache_of_strings_without_a_fetch_time_is_read() {
        let legacy = br#"{"events": "37", "attributes": "4210", "users": "42", "orgs": "118"}"#;
        assert_eq!(parse_cache(legacy).unwrap(), (S, None));
        let legacy24 = br#"{"events": 37, "attributes": 4210, "users": 42, "orgs": 118}"#;
        assert_eq!(parse_cache(legacy24).unwrap(), (S, None));
    }

    #[test]
    fn corrupt_caches_are_named() {
        for (bytes, why) in [
            (&b""[..], "empty file"),
            (b"  \n", "empty file"),
            (b"{\"events\":", "not JSON"),
            (b"[1,2]", "expected a JSON object, got an array"),
            (
                b"{\"events\":1,\"attributes\":2,\"users\":3}",
                "no \"orgs\"",
            ),
            (
                b"{\"events\":-1,\"attributes\":-1,\"users\":-1,\"orgs\":-1}",
                "\"events\" is -1: the writer recorded a failed update",
            ),
            (
                b"{\"events\":1,\"attributes\":\"x\",\"users\":3,\"orgs\":4}",
                "\"attributes\" is not a count: \"x\"",
            ),
            (
                b"{\"events\":1,\"attributes\":2,\"users\":3,\"orgs\":4,\"fetched_at\":\"soon\"}",
                "\"fetched_at\" is not a Unix time",
            ),
        ] {
            let err = parse_cache(bytes).unwrap_err();
            assert!(err.starts_with(why), "{err:?} for {bytes:?}");
        }
    }

    #[test]
    fn stale_missing_and_future_caches() {
        let dir = std::env::temp_dir().join(format!("check_misp-stats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("stats.json");
        let at = UNIX_EPOCH + Duration::from_secs(1_732_350_000);
        write_cache(&p, &S, at).unwrap();
        let hour = Duration::from_secs(3600);
        let c = read_cache(&p, hour, at + Duration::from_secs(723)).unwrap();
        assert_eq!(
            (c.stats, c.age, c.note),
            (S, Duration::from_secs(723), None)
        );
        let err = read_cache(&p, hour, at + 2 * hour).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "cache {} is 2h old (max 1h): is the cron job running?",
                p.display()
            )
        );
        // A few minutes ahead is skew between hosts: just written.
        let skewed = read_cache(&p, hour, at - Duration::from_secs(120)).unwrap();
        assert_eq!((skewed.age, skewed.note), (Duration::ZERO, None));
        let missing = dir.join("nope.json");
        let err = read_cache(&missing, hour, at).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert_eq!(err.state(State::Critical), State::Unknown);
        let err = read_cache(&dir, hour, at).unwrap_err().to_string();
        assert!(err.ends_with("is a directory, not a cache file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fetch time in the future is never "fresh forever": it is ignored and said, the
    /// file's time is used, and when that is in the future too the cache is refused.
    #[test]
    fn future_fetch_times_are_ignored_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("stats.json");
        let in_2100 = UNIX_EPOCH + Duration::from_secs(4_102_444_800);
        write_cache(&p, &S, in_2100).unwrap();
        let hour = Duration::from_secs(3600);
        let now = SystemTime::now();
        let c = read_cache(&p, hour, now).unwrap();
        assert!(c.age < Duration::from_secs(60), "{c:?}");
        assert_eq!(
            c.note.unwrap(),
            format!(
                "cache {} says it was fetched at 2100-01-01T00:00:00Z, in the future: ignored, the file's time is used",
                p.display()
            )
        );
        // An hour later the file's own time makes it stale, as it should be.
        let err = read_cache(&p, hour, now + 2 * hour)
            .unwrap_err()
            .to_string();
        assert!(err.contains(" is 2h old (max 1h)"), "{err}");
        // Seen from a clock a day behind, the file itself was written in the future.
        let err = read_cache(&p, hour, now - 24 * hour).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("cache {} was written 2", p.display()))
                && text.contains(" in the future (")
                && text.ends_with("its age is unknown: is this host's clock right? The next --update-cache rewrites it"),
            "{text}"
        );
        assert_eq!(err.state(State::Critical), State::Unknown);
    }
}
