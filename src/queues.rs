//! The worker queues as the checks about them (`workers`, `heal`, `jobs`, `diagnostics`)
//! see them: the worker list fetched, the queue rules every one of them takes (queues left
//! out, workers expected, usual counts remembered), and the judgement `workers` and `heal`
//! share. It sits below the checks so that none of them imports another.

use crate::check_name::CheckName;
use crate::error::{Error, Phase};
use crate::http::{Client, Kind};
use crate::invocation::{parse_duration, Defaults};
use crate::memory;
use crate::misp;
use crate::misp::workers::{MinWorkers, ParseError, QueueRules, Usual, WorkerTable};
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::{Range, RangeUnit};
use crate::words::plural;
use clap::Args;
use hyper::Method;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PATH: &str = "/servers/getWorkers";
const VERSION: &str = "/servers/getVersion";

/// The snmp/cacti fields of `workers` and `heal`.
pub const LAYOUT: &[&str] = &["alive", "dead"];

/// `-w`/`-c` count dead workers; any dead one warns unless told otherwise.
pub fn defaults() -> Defaults {
    Defaults::new(RangeUnit::Count).warn(Range::above(0.0))
}

/// Which queues count and how many workers each should have, for `workers` and `heal`.
#[derive(Debug, Args)]
// Flattened into more than one check's `Settings`: a group of its own would add nothing.
#[group(skip)]
pub struct QueueArgs {
    /// Leave this queue out of the judgement (repeatable or comma-separated)
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub ignore_queue: Vec<String>,
    /// Live workers expected: N for every queue, QUEUE=N for one (e.g. 5,update=1); fewer count as dead
    #[arg(long, value_name = "N|QUEUE=N,...", value_parser = MinWorkers::parse)]
    pub min_workers: Option<MinWorkers>,
    /// Forget a queue's usual worker count once fewer have run this long (0: remember nothing)
    #[arg(long, default_value = "1d", value_parser = forget_after, value_name = "DURATION")]
    pub remember_workers: Duration,
}

/// A duration, or `0` to remember nothing.
fn forget_after(s: &str) -> Result<Duration, String> {
    match s.trim() {
        "0" | "off" => Ok(Duration::ZERO),
        other => parse_duration(other),
    }
}

impl QueueArgs {
    /// The queues left out and the workers expected.
    pub fn rules(&self) -> QueueRules {
        QueueRules {
            ignore: self.ignore_queue.clone(),
            min_workers: self.min_workers.clone().unwrap_or_default(),
        }
    }

    /// The worker table as judged: read (see [`fetch_settled`]), the rules applied, and
    /// each queue held to its usual count; the note says why memory was not used, if not.
    pub async fn read(
        &self,
        client: &Client,
        state_dir: Option<&Path>,
    ) -> Result<(WorkerTable, Option<String>), Error> {
        let table = self.rules().apply(fetch_settled(client).await?);
        Ok(self.with_usual(client, table, state_dir))
    }

    /// The table judged against each queue's usual worker count, remembered in the state
    /// directory; the note says why memory was not used, if it was not.
    pub fn with_usual(
        &self,
        client: &Client,
        table: WorkerTable,
        state_dir: Option<&Path>,
    ) -> (WorkerTable, Option<String>) {
        if self.remember_workers.is_zero() {
            return (table, None);
        }
        let url = client.base().identity();
        let path = match memory::path(state_dir, "workers", &url) {
            Ok(p) => p,
            Err(e) => {
                return (
                    table,
                    Some(format!("usual worker counts not remembered: {e}")),
                )
            }
        };
        let (prior, mut note) = match memory::load::<Usual>(&path) {
            Ok(p) => (p, None),
            Err(e) => (None, Some(e)),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let forget = self.remember_workers.as_secs();
        let (table, next) = table.with_usual(prior.as_ref(), &url, now, forget);
        if prior.as_ref() != Some(&next) {
            if let Err(e) = memory::save(&path, &next) {
                note = Some(format!("usual worker counts not remembered: {e}"));
            }
        }
        (table, note)
    }
}

/// `GET /servers/getWorkers`, parsed.
pub async fn fetch(client: &Client) -> Result<WorkerTable, Error> {
    let resp = client.send(Method::GET, PATH, Kind::Rest).await?;
    let json = match misp::json(&resp, "GET", PATH) {
        Ok(json) => json,
        Err(e) if misp_exception(&resp.body) => return Err(why_unlisted(client, e).await),
        Err(e) => return Err(e),
    };
    let table = misp::workers::parse(&json).map_err(|e| match e {
        ParseError::BackgroundJobsDisabled => Error::BackgroundJobsDisabled,
        ParseError::Malformed(reason) => Error::Malformed {
            path: PATH.into(),
            reason,
        },
    })?;
    Ok(table)
}

/// MISP 2.4 answers a bare 500 for the worker list when Redis is down (2.5 sends an empty
/// table instead). If MISP answers its cheapest call meanwhile, PHP and the database work,
/// which leaves Redis as what the worker list needs and the rest does not.
async fn why_unlisted(client: &Client, e: Error) -> Error {
    if !matches!(&e, Error::Status { status, .. } if *status >= 500) {
        return e;
    }
    match client.send(Method::GET, VERSION, Kind::Rest).await {
        Ok(resp) if resp.status == 200 => Error::WorkersUnlisted(e.to_string()),
        _ => e,
    }
}

/// MISP's own JSON for an exception (`{"name", "message", "url"}`), not a proxy's or
/// PHP's error page, which would point elsewhere.
fn misp_exception(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
        v.get("message").is_some_and(serde_json::Value::is_string) && v.get("url").is_some()
    })
}

/// How long a worker seen as another user's is given to finish starting before the table
/// is read again.
const RESPAWN_PAUSE: Duration = Duration::from_secs(1);

/// The worker table, read a second time after [`RESPAWN_PAUSE`] when it shows a worker of
/// another user. supervisord forks a (re)started worker as root and only then switches to
/// the worker's user, and MISP reads the owner from `/proc/PID/status`: a check that runs
/// while supervisord respawns a worker sees, for a few milliseconds, a worker "running as
/// root". A worker really configured as another user still is one a second later. The
/// second look is skipped when it would not leave the deadline room for one more request.
pub async fn fetch_settled(client: &Client) -> Result<WorkerTable, Error> {
    let first = fetch(client).await?;
    if first.summary().wrong_user == 0 {
        return Ok(first);
    }
    let left = client
        .deadline()
        .saturating_duration_since(tokio::time::Instant::now());
    if left < RESPAWN_PAUSE * 3 {
        return Ok(first);
    }
    client.sleep(RESPAWN_PAUSE, Phase::Check).await?;
    fetch(client).await
}

/// True when some worker is dead or missing, the only thing a restart can mend.
pub fn needs_restart(table: &WorkerTable) -> bool {
    let s = table.summary();
    s.dead > 0 || !s.queues_down.is_empty()
}

/// True when nothing is wrong with the workers.
pub fn healthy(table: &WorkerTable) -> bool {
    !needs_restart(table)
        && table.summary().wrong_user == 0
        && table.supervisord_status != Some(false)
}

/// `-w`/`-c` on dead workers; a queue with no live worker, or supervisord down, is always
/// CRITICAL because jobs on that queue are simply not processed. Workers of another user
/// are named apart: MISP cannot tell whether they run, and no restart changes that.
pub fn judge(check: CheckName, table: &WorkerTable, t: &Thresholds) -> Outcome {
    let s = table.summary();
    let mut state = t.evaluate(as_value(s.dead));
    let mut problems = Vec::new();
    // MISP lists no worker at all when it cannot talk to supervisord, whether they run or
    // not (a wrong supervisor_password leaves all of them running): counting them alive or
    // dead would be a guess.
    let blind = table.supervisord_status == Some(false);
    if blind {
        state = State::Critical;
        problems.push("supervisord is down or MISP cannot reach it (a wrong SimpleBackgroundJobs.supervisor_password, user, host or port looks the same; MISP's app/tmp/logs/error.log says which): MISP cannot see its workers, so whether they run is unknown".to_owned());
    }
    if table.unlisted() {
        state = State::Critical;
        problems.push(
            "MISP could not list its workers nor read a queue length (is Redis down? MISP's error log says why)"
                .to_owned(),
        );
    }
    if !s.queues_down.is_empty() && !blind {
        state = State::Critical;
        problems.push(format!("no live worker in {}", s.queues_down.join(", ")));
    }
    for q in table.queues.iter().filter(|q| q.wrong_user() > 0) {
        let whole_queue = q.alive() == 0;
        state = state.worst(if whole_queue {
            State::Critical
        } else {
            State::Warning
        });
        let n = q.wrong_user();
        let verb = if n == 1 { "runs" } else { "run" };
        problems.push(format!(
            "{}: {} {verb} as {}, not as MISP's own user (MISP cannot see if {} alive; start {} as the web server user)",
            q.name,
            plural(n, "worker"),
            q.wrong_users().join(", "),
            if n == 1 { "it is" } else { "they are" },
            if n == 1 { "it" } else { "them" },
        ));
    }
    for (queue, alive, min) in &s.short {
        let usual = table.queues.iter().any(|q| &q.name == queue && q.usual);
        problems.push(if usual {
            format!(
                "{queue}: {alive} of usually {} (the others stopped or never came back)",
                plural(*min, "worker")
            )
        } else {
            format!("{queue}: {alive} of {}", plural(*min, "worker"))
        });
    }
    // A queue without a length is not an empty one: no "0 jobs queued" made up.
    let queued = if s.jobs_by_queue.is_empty() && !s.jobs_unknown.is_empty() {
        "jobs queued unknown".to_owned()
    } else {
        format!("{} queued", plural(s.jobs, "job"))
    };
    let counts = if blind {
        queued
    } else {
        format!(
            "{} alive, {} dead in {}, {queued}",
            plural(s.alive, "worker"),
            s.dead,
            plural(table.queues.len() as u64, "queue"),
        )
    };
    let summary = if problems.is_empty() {
        counts
    } else {
        format!("{}; {counts}", problems.join("; "))
    };
    let mut out = Outcome::new(check, state, summary);
    out.details = table
        .queues
        .iter()
        .map(|q| {
            let jobs = q
                .job_count
                .map(|j| format!(", {}", plural(j, "job")))
                .unwrap_or_default();
            if blind {
                return format!("{}: workers not visible to MISP{jobs}", q.name);
            }
            let down = if q.is_down() { " - no live worker" } else { "" };
            let wrong = match q.wrong_user() {
                0 => String::new(),
                n => format!(", {n} as {}", q.wrong_users().join(", ")),
            };
            let min = match q.min_workers {
                Some(m) if q.usual => format!(" (usually {m})"),
                Some(m) => format!(" (expected {m})"),
                None => String::new(),
            };
            format!(
                "{}: {} alive{min}, {} dead{wrong}{jobs}{down}",
                q.name,
                q.alive(),
                q.dead()
            )
        })
        .collect();
    if table.supervisor_mode() {
        out.details
            .push("supervisor mode: dead processes vanish from MISP's list, so a loss shows as an empty queue or against the usual count remembered between polls".into());
    }
    if s.liveness_unknown {
        out.details
            .push("MISP cannot read /proc (alive: N/A): worker liveness is not verified".into());
    }
    out.metrics = metrics(table, t);
    out
}

/// The perfdata shared by `workers` and `heal`. When MISP cannot see its workers
/// (supervisord down or unreachable), how many are alive or dead is unknown: no figure
/// rather than a made-up 0 alive (snmp and cacti then print -1 and U).
pub fn metrics(table: &WorkerTable, t: &Thresholds) -> Vec<Metric> {
    let s = table.summary();
    let blind = table.supervisord_status == Some(false);
    let mut m = Vec::new();
    if !blind {
        m.push(Metric::count("alive", as_value(s.alive)));
        m.push(Metric::count("dead", as_value(s.dead)).with_thresholds(t));
    }
    m.push(Metric::count("wrong_user", as_value(s.wrong_user)));
    if !blind {
        m.push(Metric::count(
            "queues_down",
            as_value(s.queues_down.len() as u64),
        ));
    }
    if !s.jobs_by_queue.is_empty() || s.jobs_unknown.is_empty() {
        m.push(Metric::count("jobs", as_value(s.jobs)));
    }
    m.extend(
        s.jobs_by_queue
            .iter()
            .map(|(q, j)| Metric::per_queue("jobs", q, as_value(*j))),
    );
    for q in table.queues.iter().filter(|_| !blind) {
        m.push(Metric::per_queue("alive", &q.name, as_value(q.alive())));
        m.push(Metric::per_queue("dead", &q.name, as_value(q.dead())));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(email_workers: serde_json::Value) -> WorkerTable {
        let ok = json!([{"pid": 1, "user": "www-data", "alive": true, "correct_user": true, "ok": true}]);
        misp::workers::parse(&json!({
            "cache": {"ok": true, "workers": ok, "jobCount": 0},
            "default": {"ok": true, "workers": ok, "jobCount": "4"},
            "email": email_workers,
            "prio": {"ok": true, "workers": ok, "jobCount": 0},
            "update": {"ok": true, "workers": ok, "jobCount": 0},
            "proc_accessible": true, "controls": 1, "supervisord_status": true
        }))
        .unwrap()
    }

    fn default_t() -> Thresholds {
        Thresholds::default().or_defaults(Some(Range::above(0.0)), None)
    }

    #[test]
    fn healthy_is_ok_with_perfdata() {
        let t = table(
            json!({"ok": true, "workers": [{"pid": 2, "user": "www-data", "alive": true, "correct_user": true, "ok": true}], "jobCount": 0}),
        );
        let o = judge(CheckName::Workers, &t, &default_t());
        assert_eq!(o.state, State::Ok);
        assert_eq!(o.metric("alive"), Some(5.0));
        assert_eq!(o.metric("dead"), Some(0.0));
        assert_eq!(o.metric("jobs"), Some(4.0));
        assert_eq!(o.metric("jobs_default"), Some(4.0));
        assert!(healthy(&t));
    }

    #[test]
    fn vanished_queue_is_critical_and_named() {
        let t = table(json!({"ok": false, "jobCount": 3}));
        let o = judge(CheckName::Workers, &t, &default_t());
        assert_eq!(o.state, State::Critical);
        assert!(
            o.summary.contains("no live worker in email"),
            "{}",
            o.summary
        );
        assert_eq!(o.metric("dead"), Some(1.0));
        assert!(!healthy(&t));
    }

    #[test]
    fn a_queue_run_by_another_user_is_critical_and_needs_no_restart() {
        let root =
            json!({"pid": 9, "user": "root", "alive": false, "correct_user": false, "ok": false});
        let t =
            table(json!({"ok": false, "workers": [root, root, root, root, root], "jobCount": 0}));
        let o = judge(CheckName::Workers, &t, &default_t());
        assert_eq!(o.state, State::Critical);
        assert!(
            o.summary.starts_with("email: 5 workers run as root, not as MISP's own user (MISP cannot see if they are alive; start them as the web server user)"),
            "{}",
            o.summary
        );
        assert!(!o.summary.contains("no live worker"), "{}", o.summary);
        assert_eq!(o.metric("wrong_user"), Some(5.0));
        assert_eq!(o.metric("dead"), Some(0.0));
        assert!(!needs_restart(&t));
        assert!(!healthy(&t));
    }

    #[test]
    fn an_unlisted_table_points_at_redis() {
        let mut v = json!({});
        for q in misp::workers::CORE_QUEUES {
            v[q] = json!({"ok": false});
        }
        let t = misp::workers::parse(&v).unwrap();
        assert!(t.unlisted());
        let o = judge(CheckName::Workers, &t, &default_t());
        assert_eq!(o.state, State::Critical);
        assert!(o.summary.contains("is Redis down?"), "{}", o.summary);
        assert!(!table(json!({"ok": false, "jobCount": 0})).unlisted());
    }

    #[test]
    fn below_min_workers_is_dead_and_named() {
        let live =
            json!({"pid": 2, "user": "www-data", "alive": true, "correct_user": true, "ok": true});
        let t = table(json!({"ok": true, "workers": [live, live, live, live], "jobCount": 0}));
        let rules = QueueRules {
            ignore: vec![],
            min_workers: MinWorkers::parse("email=5").unwrap(),
        };
        assert_eq!(judge(CheckName::Workers, &t, &default_t()).state, State::Ok);
        let t = rules.apply(t);
        let o = judge(CheckName::Workers, &t, &default_t());
        assert_eq!(o.state, State::Warning);
        assert!(
            o.summary.starts_with("email: 4 of 5 workers; "),
            "{}",
            o.summary
        );
        assert_eq!(o.metric("dead"), Some(1.0));
        assert!(needs_restart(&t));
    }

    #[test]
    fn dead_entry_with_live_sibling_warns_by_default() {
        let t = table(json!({"ok": true, "workers": [
            {"pid": 2, "user": "www-data", "alive": true, "correct_user": true, "ok": true},
            {"pid": 3, "user": "www-data", "alive": false, "correct_user": true, "ok": false}], "jobCount": 0}));
        assert_eq!(
            judge(CheckName::Workers, &t, &default_t()).state,
            State::Warning
        );
        let lenient = Thresholds {
            warn: Some(Range::above(1.0)),
            crit: None,
        };
        assert_eq!(judge(CheckName::Workers, &t, &lenient).state, State::Ok);
    }
}
