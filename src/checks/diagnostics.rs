//! `diagnostics`: what MISP's own "Server settings & diagnostics" page knows
//! (`GET /servers/serverSettings`), summarised into one state.
//!
//! Each problem is a *finding* with a stable name (see [`Finding`]) that `--ignore`
//! takes. MISP builds this report slowly (it asks GitHub for the newest release, probes
//! the modules, ...), so the check's default timeout is 30s.

use std::fmt::Write as _;
use crate::words::{plural, secs};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::{Client, Kind};
use crate::misp::{self, flag, number};
use crate::outcome::{as_value, Metric, Outcome, State};
use clap::{Args, ValueEnum};
use hyper::Method;
use serde_json::{Map, Value};
use std::time::Duration;

mod live;
mod schema;

const PATH: &str = "/servers/serverSettings";

/// MISP's own diagnostics: jobs, Redis, DB schema, version, writable paths, modules, settings (default -t 30s)
#[derive(Debug, Args)]
pub struct Settings {
    /// Leave these findings out of the judgement (repeatable or comma-separated)
    #[arg(long, value_name = "FINDING", value_delimiter = ',', value_enum)]
    pub ignore: Vec<Finding>,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &[
        "findings",
        "settings_errors",
        "unwritable_dirs",
        "unwritable_files",
        "modules_down",
    ];

    /// 30 seconds, because MISP builds this report slowly: it asks GitHub for the newest
    /// release with a 3s timeout of its own and probes every module.
    fn defaults(&self) -> Defaults {
        Defaults::without_thresholds().timeout(Duration::from_secs(30))
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        run(cx.client()?, &self.ignore, cx.timeout()).await
    }
}

/// The findings, in the order they are reported; the comments are `--ignore`'s help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Finding {
    /// The background job system (backgroundJobsStatus)
    BackgroundJobs,
    /// MISP's connection to Redis (redisInfo)
    Redis,
    /// Pending or failed database updates (dbSchemaDiagnostics)
    DbSchema,
    /// A newer MISP release (version)
    Version,
    /// Directories MISP must write to (writeableDirs)
    WriteableDirs,
    /// Files MISP must write to (writeableFiles)
    WriteableFiles,
    /// The enrichment, import and export modules (moduleStatus)
    Modules,
    /// Critical settings in error (finalSettings)
    Settings,
    /// MISP switched offline, only site admins let in (finalSettings: MISP.live)
    Live,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::BackgroundJobs => "background_jobs",
            Finding::Redis => "redis",
            Finding::DbSchema => "db_schema",
            Finding::Version => "version",
            Finding::WriteableDirs => "writeable_dirs",
            Finding::WriteableFiles => "writeable_files",
            Finding::Modules => "modules",
            Finding::Settings => "settings",
            Finding::Live => "live",
        }
    }

    /// The section of MISP's report the finding is judged from.
    fn section(self) -> &'static str {
        match self {
            Finding::BackgroundJobs => "backgroundJobsStatus",
            Finding::Redis => "redisInfo",
            Finding::DbSchema => "dbSchemaDiagnostics",
            Finding::Version => "version",
            Finding::WriteableDirs => "writeableDirs",
            Finding::WriteableFiles => "writeableFiles",
            Finding::Modules => "moduleStatus",
            Finding::Settings | Finding::Live => "finalSettings",
        }
    }
}

/// Fetches the diagnostics report (site admin only) and judges it.
pub async fn run(client: &Client, ignore: &[Finding], timeout: Duration) -> Result<Outcome, Error> {
    let resp = client.send(Method::GET, PATH, Kind::Rest).await?;
    let json = match misp::json(&resp, "GET", PATH) {
        Ok(json) => json,
        Err(e) => return Err(why_report_failed(client, e, ignore).await),
    };
    let mut out = judge(&json, ignore)?;
    let time = resp.timings.total;
    out.details
        .push(format!("MISP built the report in {}", secs(time)));
    out.metrics
        .push(Metric::seconds("time", time.as_secs_f64()).with_max(timeout.as_secs_f64()));
    Ok(out)
}

/// MISP builds the report from Redis among others and answers a bare 500 when Redis is
/// down, which names nothing. The worker list (one cheap request) tells that case apart:
/// MISP then cannot list workers nor read a queue length (2.5), or fails on the list
/// while answering the rest (2.4).
async fn why_report_failed(client: &Client, e: Error, ignore: &[Finding]) -> Error {
    let server_error = matches!(&e, Error::Status { status, .. } if *status >= 500);
    if !server_error || ignore.contains(&Finding::Redis) {
        return e;
    }
    match crate::queues::fetch(client).await {
        Ok(table) if table.unlisted() => Error::RedisUnreachable(e.to_string()),
        Err(Error::WorkersUnlisted(_)) => Error::RedisUnreachable(e.to_string()),
        _ => e,
    }
}

/// One problem found in the report.
#[derive(Debug, PartialEq)]
struct Problem {
    name: &'static str,
    state: State,
    text: String,
}

/// Counts for perfdata, measured whether or not a finding is ignored.
#[derive(Debug, Default)]
struct Counts {
    settings_errors: u64,
    unwritable_dirs: u64,
    unwritable_files: u64,
    modules_down: u64,
}

/// Every finding in the report; the worst non-ignored one sets the state.
pub fn judge(json: &Value, ignore: &[Finding]) -> Result<Outcome, Error> {
    let report = json.as_object().filter(|o| {
        [
            "backgroundJobsStatus",
            "redisInfo",
            "finalSettings",
            "version",
        ]
        .iter()
        .any(|k| o.contains_key(*k))
    });
    let Some(report) = report else {
        return Err(Error::Malformed {
            path: PATH.into(),
            reason: "not MISP's server settings report (none of backgroundJobsStatus, redisInfo, finalSettings, version)".into(),
        });
    };
    let mut counts = Counts::default();
    let mut notes = Vec::new();
    let mut found = Vec::new();
    found.extend(background_jobs(report));
    found.extend(redis(report));
    found.extend(db_schema(report));
    found.extend(schema::drift(report, &mut notes));
    found.extend(version(report, &mut notes));
    found.extend(writeable(report, true, &mut counts, &mut notes));
    found.extend(writeable(report, false, &mut counts, &mut notes));
    found.extend(modules(report, &mut counts));
    found.extend(settings(report, &mut counts, &mut notes));
    found.extend(live::offline(report));
    let (ignored, mut active): (Vec<Problem>, Vec<Problem>) = found
        .into_iter()
        .partition(|f| ignore.iter().any(|i| i.as_str() == f.name));
    // Worst first, so the status line starts with what matters most.
    active.sort_by_key(|f| std::cmp::Reverse(f.state.severity()));
    // A finding whose section is absent was not judged: "no problem found" would be a
    // guess, so the sections are named, and with none left there is nothing to say.
    let wanted: Vec<(&str, &str)> = Finding::value_variants()
        .iter()
        .filter(|f| !ignore.contains(f))
        .map(|f| (f.as_str(), f.section()))
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(_, section)| !readable(report, section))
        .map(|(name, section)| format!("{name} ({section})"))
        .collect();
    let judged = wanted.len() - missing.len();
    let mut state = active.iter().fold(State::Ok, |acc, f| acc.worst(f.state));
    let mut summary = if judged == 0 {
        state = State::Unknown;
        if missing.is_empty() {
            "nothing to judge: every diagnostic is ignored".to_owned()
        } else {
            format!(
                "nothing to judge: MISP's report lacks {}",
                missing.join(", ")
            )
        }
    } else if active.is_empty() {
        format!(
            "no problem found in {}",
            plural(judged as u64, "diagnostic")
        )
    } else {
        let texts: Vec<&str> = active.iter().map(|f| f.text.as_str()).collect();
        format!(
            "{}: {}",
            plural(active.len() as u64, "problem"),
            texts.join("; ")
        )
    };
    if judged > 0 && !missing.is_empty() {
        let _ = write!(summary, 
            "; not judged, missing from MISP's report: {}",
            missing.join(", ")
        );
    }
    let mut out = Outcome::new(CheckName::Diagnostics, state, summary);
    out.details = active
        .iter()
        .map(|f| format!("{} {}: {}", f.state.label(), f.name, f.text))
        .chain(
            ignored
                .iter()
                .map(|f| format!("ignored {}: {}", f.name, f.text)),
        )
        .chain(notes)
        .collect();
    out.metrics = vec![
        Metric::count("findings", as_value(active.len() as u64)),
        Metric::count("settings_errors", as_value(counts.settings_errors)),
        Metric::count("unwritable_dirs", as_value(counts.unwritable_dirs)),
        Metric::count("unwritable_files", as_value(counts.unwritable_files)),
        Metric::count("modules_down", as_value(counts.modules_down)),
    ];
    Ok(out)
}

/// The section is there in the shape its finding reads (a PHP `null` or a stray
/// string where an object belongs is as good as absent).
fn readable(report: &Map<String, Value>, section: &str) -> bool {
    match (section, report.get(section)) {
        (_, None | Some(Value::Null)) => false,
        ("backgroundJobsStatus", Some(v)) => v.is_string() || v.is_number(),
        ("finalSettings", Some(v)) => v.is_array(),
        (_, Some(v)) => v.is_object(),
    }
}

fn finding(name: &'static str, state: State, text: impl Into<String>) -> Option<Problem> {
    Some(Problem {
        name,
        state,
        text: text.into(),
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => misp::one_line(s, 160),
        other => misp::one_line(&other.to_string(), 160),
    }
}

/// `backgroundJobsStatus`: MISP's text (or, in older releases, its code 0-4).
fn background_jobs(r: &Map<String, Value>) -> Option<Problem> {
    let v = r.get("backgroundJobsStatus")?;
    let status = match number(v) {
        Some(0) => "OK".to_owned(),
        Some(1) => "Not configured (so not tested)".to_owned(),
        Some(2) => "Error connecting to Redis.".to_owned(),
        Some(3) => "Error connecting to Supervisor.".to_owned(),
        Some(4) => "Error connecting to Redis and Supervisor.".to_owned(),
        _ => text(v),
    };
    if status == "OK" {
        None
    } else if status.starts_with("Not configured") {
        // The status is SimpleBackgroundJobs' (2.5's supervisor mode). A 2.4 install that
        // runs CakeResque workers instead has it off on purpose; `workers` checks those.
        if cakeresque(r) {
            return None;
        }
        finding(
            "background_jobs",
            State::Warning,
            "background jobs are not configured, so MISP did not test them",
        )
    } else {
        finding(
            "background_jobs",
            State::Critical,
            format!("background jobs: {}", status.trim_end_matches('.')),
        )
    }
}

/// `SimpleBackgroundJobs.enabled` false with `MISP.background_jobs` on: MISP 2.4's
/// CakeResque workers.
fn cakeresque(r: &Map<String, Value>) -> bool {
    let setting = |name: &str| {
        r.get("finalSettings")?
            .as_array()?
            .iter()
            .find(|s| s.get("setting").and_then(Value::as_str) == Some(name))?
            .get("value")
            .and_then(flag)
    };
    setting("SimpleBackgroundJobs.enabled") == Some(false)
        && setting("MISP.background_jobs") == Some(true)
}

/// `redisInfo.connection`: MISP cannot reach Redis (sessions, caches and jobs need it).
fn redis(r: &Map<String, Value>) -> Option<Problem> {
    let info = r.get("redisInfo")?;
    if info.get("connection").and_then(flag) != Some(false) {
        return None;
    }
    let why = info
        .get("connection_error")
        .map(|e| format!(" ({})", text(e)))
        .unwrap_or_default();
    finding(
        "redis",
        State::Critical,
        format!("MISP cannot reach Redis{why}"),
    )
}

/// `dbSchemaDiagnostics`: the database is not at the schema version this MISP expects,
/// i.e. updates are pending or failed.
fn db_schema(r: &Map<String, Value>) -> Option<Problem> {
    let d = r.get("dbSchemaDiagnostics")?;
    if d.get("update_fail_number_reached").and_then(flag) == Some(true) {
        return finding(
            "db_schema",
            State::Critical,
            "database updates failed too often; MISP stopped retrying them",
        );
    }
    let actual = d.get("actual_db_version").and_then(number)?;
    let expected = d.get("expected_db_version").and_then(number)?;
    (actual != expected).then_some(()).and_then(|()| {
        finding(
            "db_schema",
            State::Warning,
            format!("database schema is at version {actual}, this MISP expects {expected}: run the pending updates"),
        )
    })
}

/// `version.upToDate`: `older` means a newer MISP release exists.
fn version(r: &Map<String, Value>, notes: &mut Vec<String>) -> Option<Problem> {
    let v = r.get("version")?;
    let current = v.get("current").map_or_else(|| "?".into(), text);
    let newest = v.get("newest").filter(|n| !n.is_null()).map(text);
    match v.get("upToDate").and_then(Value::as_str) {
        Some("older") => finding(
            "version",
            State::Warning,
            format!(
                "MISP {current} is outdated{}",
                newest
                    .map(|n| format!(", {n} is available"))
                    .unwrap_or_default()
            ),
        ),
        Some("error") => {
            notes.push(format!(
                "MISP {current}: could not check for a newer release"
            ));
            None
        }
        Some(other) => {
            notes.push(format!("MISP {current} (up to date: {other})"));
            None
        }
        None => None,
    }
}

/// `writeableDirs`/`writeableFiles`: `{path: 0|1|2}`, 0 fine, 1 missing, 2 not writable.
/// A missing directory breaks MISP as much as a read-only one; a missing *file* is not an
/// error in MISP's own count (e.g. `.git/ORIG_HEAD` on an install without git), so it is
/// only listed.
fn writeable(
    r: &Map<String, Value>,
    dirs: bool,
    counts: &mut Counts,
    notes: &mut Vec<String>,
) -> Option<Problem> {
    let key = if dirs {
        "writeableDirs"
    } else {
        "writeableFiles"
    };
    let entries = r.get(key)?.as_object()?;
    let mut bad = Vec::new();
    for (path, code) in entries {
        match number(code) {
            Some(0) => {}
            Some(1) if !dirs => notes.push(format!("file {path} does not exist (not judged)")),
            Some(1) => bad.push(format!("{path} (missing)")),
            Some(2) => bad.push(format!("{path} (not writable)")),
            _ => bad.push(format!("{path} ({})", text(code))),
        }
    }
    if bad.is_empty() {
        return None;
    }
    let n = bad.len() as u64;
    let (name, state, what) = if dirs {
        counts.unwritable_dirs = n;
        ("writeable_dirs", State::Critical, "directory")
    } else {
        counts.unwritable_files = n;
        ("writeable_files", State::Warning, "file")
    };
    finding(
        name,
        state,
        format!("{} MISP cannot write: {}", plural(n, what), bad.join(", ")),
    )
}

/// `moduleStatus`: `{type: 0|1|2|"error"}`; 0 is fine and 1 means the module type is
/// switched off on purpose; anything else means enabled modules are unreachable.
fn modules(r: &Map<String, Value>, counts: &mut Counts) -> Option<Problem> {
    let status = r.get("moduleStatus")?.as_object()?;
    let mut down = Vec::new();
    for (kind, v) in status {
        match (number(v), v.as_str()) {
            (Some(0 | 1), _) => {}
            (_, Some(s)) if s.to_ascii_lowercase().contains("not enabled") => {}
            (Some(2), _) => down.push(format!("{kind} (no modules found)")),
            _ => down.push(format!("{kind} ({})", text(v))),
        }
    }
    counts.modules_down = down.len() as u64;
    if down.is_empty() {
        return None;
    }
    finding(
        "modules",
        State::Warning,
        format!("MISP modules unreachable: {}", down.join(", ")),
    )
}

/// `finalSettings`: entries with `error: 1` at level 0, which MISP labels "critical".
/// WARNING, not CRITICAL: MISP is running, but misconfigured where it matters most.
/// `MISP.live` is left to its own finding.
fn settings(
    r: &Map<String, Value>,
    counts: &mut Counts,
    notes: &mut Vec<String>,
) -> Option<Problem> {
    let list = r.get("finalSettings")?.as_array()?;
    let critical: Vec<&Value> = list
        .iter()
        .filter(|s| s.get("error").and_then(flag) == Some(true))
        .filter(|s| s.get("level").and_then(number) == Some(0))
        .filter(|s| s.get("setting").and_then(Value::as_str) != Some(live::SETTING))
        .collect();
    counts.settings_errors = critical.len() as u64;
    if critical.is_empty() {
        return None;
    }
    for s in &critical {
        let name = s.get("setting").map_or_else(|| "?".into(), text);
        let why = s
            .get("errorMessage")
            .map(|m| format!(": {}", text(m)))
            .unwrap_or_default();
        notes.push(format!("critical setting {name}{why}"));
    }
    let names: Vec<String> = critical
        .iter()
        .take(3)
        .map(|s| s.get("setting").map_or_else(|| "?".into(), text))
        .collect();
    let more = if critical.len() > 3 { ", ..." } else { "" };
    finding(
        "settings",
        State::Warning,
        format!(
            "{} ({}{more})",
            plural(critical.len() as u64, "critical settings error"),
            names.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests;
