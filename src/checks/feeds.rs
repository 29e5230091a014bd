//! `feeds`: did each enabled feed fetch, and how long ago?
//!
//! `GET /feeds/index` lists the feeds; those enabled (fetched into events) or caching are
//! judged. MISP keeps no fetch time on a feed: the fetch jobs hold it. Every way MISP
//! fetches a feed leaves a row in the jobs table on the `default` queue: `fetch_feeds`
//! with input `Feed: <id>` (the UI/API `fetchFromFeed`, and `cake Server fetchFeed USER
//! <id>`), `Feed: all` (the cron's `fetchFeed USER all`, whose message counts the feeds that
//! could not be pulled), `fetch_feed` (fetching all from the UI) and `feed_fetch` (the old
//! scheduled task, which marks a failure only in its message). The row's `status` column
//! tells (4 done, 3 failed); `/jobs/index`'s `job_status` and `failed` do not, as they
//! describe the worker process, which completes even when the fetch failed.
//!
//! Job times are `Y-m-d H:i:s` in the timezone of MISP's PHP, with no offset, and MISP
//! tells its timezone nowhere a client can ask. With `--misp-timezone` the age is exact;
//! without it the age is only known to lie within the span of every zone on earth, and
//! the check says a state only when the whole span agrees on it. A caching feed's
//! `cache_timestamp` is Unix time and needs no zone.

use crate::words::{human, in_future, plural, utc, CLOCK_SKEW};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Client, Kind};
use crate::misp;
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::{Range, RangeUnit};
use clap::Args;
use hyper::Method;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: f64 = 86_400.0;
const FEEDS_PATH: &str = "/feeds/index";
/// Jobs per page: the most CakePHP's paginator gives.
const PAGE: usize = 100;
/// Pages of the default queue's jobs read at most, newest first.
const PAGES: usize = 5;
const FETCH_TYPES: [&str; 3] = ["fetch_feeds", "fetch_feed", "feed_fetch"];
/// The furthest any zone's clock is behind UTC (UTC-12) and ahead of it (UTC+14).
const WEST: i64 = 12 * 3600;
const EAST: i64 = 14 * 3600;

/// Did each enabled feed fetch, and how long ago (-w/-c on the age of the last fetch or
/// cache, as durations such as 2d; default -w 2d -c 3d)
#[derive(Debug, Args)]
pub struct Settings {
    /// Judge only this feed, by name or id (repeatable)
    #[arg(long, value_name = "NAME|ID")]
    pub feed: Vec<String>,
    /// The timezone MISP's PHP writes job times in (its date.timezone; PHP's default is
    /// UTC): UTC or an offset such as +01:00. Without it the age of a fetch is uncertain
    /// by a day, and a state that depends on it is UNKNOWN
    #[arg(long, value_name = "ZONE", value_parser = parse_zone, allow_hyphen_values = true)]
    pub misp_timezone: Option<i64>,
}

/// `UTC`, `Z` or `±HH[:MM]` as seconds east of UTC.
pub fn parse_zone(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let bad = || format!("'{s}' is not UTC nor an offset such as +01:00 or -05:30");
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (Ok(h), Ok(m)) = (h.parse::<i64>(), m.parse::<i64>()) else {
        return Err(bad());
    };
    let secs = sign * (h * 3600 + m * 60);
    if m >= 60 || !(-WEST..=EAST).contains(&secs) {
        return Err(bad());
    }
    Ok(secs)
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["feeds", "failed", "age"];
    /// Left out of `all` unless named: a fresh MISP has no enabled feed (its default
    /// feeds are off), which would turn `all` UNKNOWN, and how often feeds are fetched
    /// is each site's choice.
    const IN_ALL: bool = false;

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds)
            .warn(Range::above(2.0 * DAY))
            .crit(Range::above(3.0 * DAY))
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let client = cx.client()?;
        let resp = client.send(Method::GET, FEEDS_PATH, Kind::Rest).await?;
        let all = parse_feeds(&misp::json(&resp, "GET", FEEDS_PATH)?).map_err(|reason| {
            Error::Malformed {
                path: FEEDS_PATH.into(),
                reason,
            }
        })?;
        let feeds = match select(all, &self.feed) {
            Ok(feeds) => feeds,
            Err(out) => return Ok(*out),
        };
        let jobs = if feeds.iter().any(|f| f.enabled) {
            match fetch_jobs(client, &feeds).await? {
                Some(jobs) => jobs,
                None => return Ok(jobs_disabled()),
            }
        } else {
            Jobs::default()
        };
        Ok(judge(
            &feeds,
            &jobs,
            SystemTime::now(),
            self.misp_timezone,
            cx.thresholds(),
        ))
    }
}

/// A feed as the index lists it; its `url` and `headers` (which may hold credentials)
/// are never read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    pub id: u64,
    pub name: String,
    pub enabled: bool,
    pub caching: bool,
    /// Unix time of the last caching, when there was one.
    pub cache_timestamp: Option<u64>,
}

impl Feed {
    fn label(&self) -> String {
        format!("feed {} ({})", self.name, self.id)
    }
}

pub fn parse_feeds(v: &Value) -> Result<Vec<Feed>, String> {
    let rows = v
        .as_array()
        .ok_or_else(|| format!("expected a JSON array of feeds, got {}", misp::events::kind(v)))?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let f = row
                .get("Feed")
                .ok_or_else(|| format!("feed #{} has no \"Feed\"", i + 1))?;
            let id = misp::count(f.get("id").unwrap_or(&Value::Null), "a feed's id")?;
            let flag = |k: &str| f.get(k).and_then(misp::flag).unwrap_or(false);
            let cache_timestamp = match f.get("cache_timestamp") {
                None | Some(Value::Null | Value::Bool(false)) => None,
                Some(t) => Some(misp::count(t, &format!("feed {id}'s cache_timestamp"))?),
            };
            Ok(Feed {
                id,
                name: f
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| "?".to_owned(), |n| misp::one_line(n, 64)),
                enabled: flag("enabled"),
                caching: flag("caching_enabled"),
                cache_timestamp,
            })
        })
        .collect()
}

/// The feeds to judge: those named by `--feed`, or every enabled or caching feed. What
/// leaves nothing to judge is an outcome of its own.
pub fn select(all: Vec<Feed>, wanted: &[String]) -> Result<Vec<Feed>, Box<Outcome>> {
    let outcome = |state, text: String| Box::new(Outcome::new(CheckName::Feeds, state, text));
    if wanted.is_empty() {
        let active: Vec<Feed> = all.into_iter().filter(|f| f.enabled || f.caching).collect();
        if active.is_empty() {
            return Err(outcome(
                State::Unknown,
                "no feed is enabled or caching in MISP: there is no fetch to judge".into(),
            ));
        }
        return Ok(active);
    }
    let mut chosen: Vec<Feed> = Vec::new();
    for w in wanted {
        let found = all
            .iter()
            .find(|f| f.id.to_string() == w.trim())
            .or_else(|| all.iter().find(|f| f.name == *w));
        let Some(f) = found else {
            return Err(outcome(
                State::Unknown,
                format!("MISP has no feed named or numbered {}", misp::one_line(w, 64)),
            ));
        };
        if !f.enabled && !f.caching {
            return Err(outcome(
                State::Critical,
                format!("{} is neither enabled nor caching: nothing is fetched from it", f.label()),
            ));
        }
        if !chosen.contains(f) {
            chosen.push(f.clone());
        }
    }
    Ok(chosen)
}

/// A fetch job: for one feed, or for every enabled feed at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: u64,
    /// `None` for `Feed: all`.
    pub feed: Option<u64>,
    pub status: u64,
    pub message: String,
    /// `date_created` and `date_modified` read as if UTC (MISP writes them in its zone).
    pub created: u64,
    pub modified: u64,
    /// The worker process died with the job unfinished (`failed`, or `job_status`
    /// "Failed", on a row whose status never reached done or failed).
    pub crashed: bool,
}

impl Job {
    fn finished(&self) -> bool {
        matches!(self.status, 3 | 4) || self.crashed
    }

    /// Why the fetch failed, or `None` when it did not.
    fn failure(&self) -> Option<String> {
        let msg = misp::one_line(&self.message, 120);
        if self.crashed {
            return Some(format!(
                "the job died in MISP's worker at \"{msg}\" (MISP's worker log says why)"
            ));
        }
        if self.status == 3 || msg.starts_with("Could not fetch") || msg.starts_with("Job failed")
        {
            return Some(msg);
        }
        let unpulled = self.feed.is_none() && msg.contains("could not be pulled");
        let numbers: Vec<u64> = msg
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        match numbers.as_slice() {
            [ok, failed, ..] if unpulled && *failed > 0 => Some(format!(
                "{failed} of {} feeds could not be pulled (MISP does not say which)",
                ok + failed
            )),
            _ => None,
        }
    }

    fn applies_to(&self, feed: u64) -> bool {
        self.feed.is_none_or(|f| f == feed)
    }
}

/// The fetch jobs read, newest first, and how many jobs were looked at.
#[derive(Clone, Debug, Default)]
pub struct Jobs {
    pub fetches: Vec<Job>,
    pub scanned: usize,
}

/// One page of `/jobs/index`, keeping the feed fetches; also returns the page's length.
pub fn parse_jobs(v: &Value) -> Result<(Vec<Job>, usize), String> {
    let rows = v
        .as_array()
        .ok_or_else(|| format!("expected a JSON array of jobs, got {}", misp::events::kind(v)))?;
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let j = row
            .get("Job")
            .ok_or_else(|| format!("job #{} has no \"Job\"", i + 1))?;
        let text = |k: &str| j.get(k).and_then(Value::as_str).unwrap_or("");
        if !FETCH_TYPES.contains(&text("job_type")) {
            continue;
        }
        let Some(target) = text("job_input").strip_prefix("Feed: ") else {
            continue;
        };
        let feed = match target.trim() {
            "all" => None,
            id => match id.parse() {
                Ok(id) => Some(id),
                Err(_) => continue,
            },
        };
        let id = misp::count(j.get("id").unwrap_or(&Value::Null), "a job's id")?;
        let status = misp::count(j.get("status").unwrap_or(&Value::Null), "a job's status")?;
        let time = |k: &str| local_time(text(k)).ok_or_else(|| format!("job {id}'s {k} is not a date and time: {}", misp::one_line(text(k), 40)));
        out.push(Job {
            id,
            feed,
            status,
            message: text("message").to_owned(),
            crashed: !matches!(status, 3 | 4)
                && (j.get("failed").and_then(misp::flag) == Some(true)
                    || text("job_status") == "Failed"),
            created: time("date_created")?,
            modified: time("date_modified")?,
        });
    }
    Ok((out, rows.len()))
}

/// `2026-12-06 01:12:42` as seconds since the epoch, as if it were UTC.
fn local_time(s: &str) -> Option<u64> {
    let t = humantime::parse_rfc3339(&format!("{}Z", s.trim().replacen(' ', "T", 1))).ok()?;
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Reads the default queue's jobs, newest first, until every enabled feed has a finished
/// fetch or the pages run out. `None`: background jobs are off.
async fn fetch_jobs(client: &Client, feeds: &[Feed]) -> Result<Option<Jobs>, Error> {
    let mut jobs = Jobs::default();
    for page in 1..=PAGES {
        let path = format!("/jobs/index/default/limit:{PAGE}/page:{page}");
        let resp = client.send(Method::GET, &path, Kind::Rest).await?;
        if resp.status == 404 {
            let body = String::from_utf8_lossy(&resp.body);
            if body.contains("Background jobs are not enabled") {
                return Ok(None);
            }
            // CakePHP answers 404 for a page past the last.
            if page > 1 {
                break;
            }
        }
        let json = misp::json(&resp, "GET", &path)?;
        let (fetches, n) =
            parse_jobs(&json).map_err(|reason| Error::Malformed { path, reason })?;
        jobs.scanned += n;
        jobs.fetches.extend(fetches);
        let covered = feeds.iter().filter(|f| f.enabled).all(|f| {
            jobs.fetches
                .iter()
                .any(|j| j.finished() && j.applies_to(f.id))
        });
        if n < PAGE || covered {
            break;
        }
    }
    Ok(Some(jobs))
}

fn jobs_disabled() -> Outcome {
    Outcome::new(
        CheckName::Feeds,
        State::Unknown,
        "background jobs are disabled in MISP (MISP.background_jobs is off): MISP keeps no fetch jobs to judge feeds by",
    )
}

/// How long ago something happened: exactly (`lo == hi`), or somewhere in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Age {
    pub lo: u64,
    pub hi: u64,
}

impl Age {
    /// The age of a time MISP wrote without an offset, read as if UTC (`naive`); `None`
    /// when it lies in the future even in the zone furthest east.
    fn of_local(naive: u64, now: u64, zone: Option<i64>) -> Option<Age> {
        let seen = i64::try_from(now).ok()? - i64::try_from(naive).ok()?;
        let (lo, hi) = match zone {
            Some(off) => (seen + off, seen + off),
            None => (seen - WEST, seen + EAST),
        };
        let skew = i64::try_from(CLOCK_SKEW.as_secs()).ok()?;
        if hi < -skew {
            return None;
        }
        let clip = |a: i64| u64::try_from(a.max(0)).ok();
        Some(Age {
            lo: clip(lo)?,
            hi: clip(hi)?,
        })
    }

    fn exact(&self) -> Option<u64> {
        (self.lo == self.hi).then_some(self.lo)
    }

    /// The state every age in the span agrees on, or `None`.
    fn state(&self, t: &Thresholds) -> Option<State> {
        let first = t.evaluate(as_value(self.lo));
        (self.lo..=self.hi)
            .all(|a| t.evaluate(as_value(a)) == first)
            .then_some(first)
    }

    fn ago(&self, at: u64, zone: Option<i64>) -> String {
        match (self.exact(), zone) {
            (Some(a), Some(off)) => format!(
                "{} ago ({})",
                human(Duration::from_secs(a)),
                utc(UNIX_EPOCH + Duration::from_secs(at.saturating_add_signed(-off)))
            ),
            _ => format!(
                "between {} and {} ago ({} in MISP's unknown timezone)",
                human(Duration::from_secs(self.lo)),
                human(Duration::from_secs(self.hi)),
                local_text(at)
            ),
        }
    }
}

fn local_text(naive: u64) -> String {
    utc(UNIX_EPOCH + Duration::from_secs(naive))
        .trim_end_matches('Z')
        .replacen('T', " ", 1)
}

/// What one feed's fetch or cache came to.
struct Finding {
    state: State,
    /// For the summary when not OK.
    problem: Option<String>,
    detail: String,
    /// The exact age, for the `age` metric.
    age: Option<u64>,
    failed: bool,
}

impl Finding {
    /// A finding with no age to report, whose one sentence is both summary and detail.
    fn unaged(state: State, why: String) -> Finding {
        Finding {
            state,
            problem: Some(why.clone()),
            detail: why,
            age: None,
            failed: false,
        }
    }
}

/// Judges each feed's newest finished fetch (failed: CRITICAL; its age against `-w`/`-c`)
/// and, for a caching feed, the age of its cache.
pub fn judge(
    feeds: &[Feed],
    jobs: &Jobs,
    now: SystemTime,
    zone: Option<i64>,
    t: &Thresholds,
) -> Outcome {
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut findings = Vec::new();
    for f in feeds {
        if f.enabled {
            findings.push(fetch_finding(f, jobs, now, zone, t));
        }
        if f.caching {
            findings.push(cache_finding(f, now, t));
        }
    }
    let state = findings
        .iter()
        .fold(State::Ok, |s, f| s.worst(f.state));
    let failed = findings.iter().filter(|f| f.failed).count() as u64;
    let oldest = findings.iter().filter_map(|f| f.age).max();
    let problems: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.problem.as_deref())
        .collect();
    let counts = format!(
        "{} judged, {failed} failed",
        plural(feeds.len() as u64, "feed")
    );
    let summary = if problems.is_empty() {
        let oldest = oldest.map_or_else(String::new, |a| {
            format!(", the oldest fetch or cache {} ago", human(Duration::from_secs(a)))
        });
        format!("{counts}{oldest}")
    } else {
        format!("{}; {counts}", problems.join("; "))
    };
    let mut out = Outcome::new(CheckName::Feeds, state, summary);
    out.details = findings.into_iter().map(|f| f.detail).collect();
    out.metrics = vec![
        Metric::count("feeds", as_value(feeds.len() as u64)),
        Metric::count("failed", as_value(failed)),
    ];
    if let Some(a) = oldest {
        out.metrics
            .push(Metric::seconds("age", as_value(a)).with_thresholds(t));
    }
    out
}

fn fetch_finding(f: &Feed, jobs: &Jobs, now: u64, zone: Option<i64>, t: &Thresholds) -> Finding {
    let mine = || jobs.fetches.iter().filter(|j| j.applies_to(f.id));
    let last = mine().find(|j| j.finished());
    let pending = mine()
        .take_while(|j| !j.finished())
        .last()
        .map(|j| format!("; fetch job {} waiting since {}", j.id, local_text(j.created)));
    let label = f.label();
    let Some(job) = last else {
        let why = match &pending {
            Some(p) => format!("{label}: no finished fetch{p}"),
            None => format!(
                "{label}: no fetch in the newest {} of MISP's default queue (is a cron running `cake Server fetchFeed USER_ID all`?)",
                plural(jobs.scanned as u64, "job")
            ),
        };
        return Finding::unaged(State::Warning, why);
    };
    let which = if job.feed.is_some() {
        format!("job {}", job.id)
    } else {
        format!("job {}, all feeds", job.id)
    };
    let pending = pending.unwrap_or_default();
    let age = Age::of_local(job.modified, now, zone);
    let ago = age.map_or_else(
        || {
            format!(
                "at {} in MISP's time, ahead of this host's clock (is --misp-timezone or a clock wrong?)",
                local_text(job.modified)
            )
        },
        |a| a.ago(job.modified, zone),
    );
    // A failure needs no age: it is CRITICAL whenever it happened.
    if let Some(why) = job.failure() {
        return Finding {
            state: State::Critical,
            problem: Some(format!("{label}: last fetch failed {ago}: {why}")),
            detail: format!("{label}: fetch failed {ago}, {which}: {why}{pending}"),
            age: age.and_then(|a| a.exact()),
            failed: true,
        };
    }
    let Some(age) = age else {
        let why = format!("{label}: last fetched {ago}, {which}");
        return Finding::unaged(State::Unknown, why);
    };
    let detail = format!("{label}: fetched {ago}, {which}{pending}");
    match age.state(t) {
        Some(State::Ok) => Finding {
            state: State::Ok,
            problem: None,
            detail,
            age: age.exact(),
            failed: false,
        },
        Some(state) => Finding {
            state,
            problem: Some(format!("{label}: last fetched {ago}")),
            detail,
            age: age.exact(),
            failed: false,
        },
        None => Finding {
            state: State::Unknown,
            problem: Some(format!(
                "{label}: last fetched {ago}: whether that is within -w/-c depends on MISP's timezone (give --misp-timezone)"
            )),
            detail,
            age: None,
            failed: false,
        },
    }
}

fn cache_finding(f: &Feed, now: u64, t: &Thresholds) -> Finding {
    let label = f.label();
    let Some(at) = f.cache_timestamp else {
        let why = format!(
            "{label}: caching is on but it was never cached (is a cron running `cake Server cacheFeed USER_ID all`?)"
        );
        return Finding::unaged(State::Warning, why);
    };
    let when = UNIX_EPOCH + Duration::from_secs(at);
    let now_t = UNIX_EPOCH + Duration::from_secs(now);
    if let Some(ahead) = in_future(when, now_t) {
        let why = format!(
            "{label}: cached {} in the future ({}): is MISP's or this host's clock wrong?",
            human(ahead),
            utc(when)
        );
        return Finding::unaged(State::Unknown, why);
    }
    let age = now.saturating_sub(at);
    let ago = format!("{} ago ({})", human(Duration::from_secs(age)), utc(when));
    let state = t.evaluate(as_value(age));
    Finding {
        state,
        problem: (state != State::Ok).then(|| format!("{label}: last cached {ago}")),
        detail: format!("{label}: cached {ago}"),
        age: Some(age),
        failed: false,
    }
}

#[cfg(test)]
#[path = "feeds_tests.rs"]
mod tests;
