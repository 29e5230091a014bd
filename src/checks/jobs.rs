//! `jobs`: the backlog, summed over every queue.

use std::fmt::Write as _;
use crate::words::{human, plural};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::invocation::parse_duration;
use crate::http::{Client, Kind};
use crate::memory;
use crate::misp::{self, jobs, workers::WorkerTable};
use crate::range::Range;
use hyper::Method;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::RangeUnit;
use clap::Args;

/// Jobs waiting in the worker queues, summed (-w/-c on the total), and whether they are taken
#[derive(Debug, Args)]
pub struct Settings {
    /// Leave this queue out of the sum (repeatable or comma-separated)
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub ignore_queue: Vec<String>,
    /// WARNING when jobs wait in a queue and none was taken for this long
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub stalled_warning: Duration,
    /// CRITICAL when jobs wait in a queue and none was taken for this long
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub stalled_critical: Duration,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["jobs"];

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Count)
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let client = cx.client()?;
        let table = crate::queues::fetch(client).await?.without(&self.ignore_queue);
        let mut out = judge(&table, cx.thresholds());
        self.judge_progress(client, cx.state_dir(), &table, &mut out).await;
        Ok(out)
    }
}

impl Settings {
    /// Adds to `out` whether waiting jobs are being taken (see [`crate::misp::jobs`]): a
    /// queue with jobs waiting and none taken for `--stalled-warning`/`--stalled-critical`
    /// is WARNING/CRITICAL. What cannot be learnt (MISP without a jobs list, an unusable
    /// state file) goes to the long output and never hides the backlog.
    pub async fn judge_progress(
        &self,
        client: &Client,
        state_dir: Option<&std::path::Path>,
        table: &WorkerTable, out: &mut Outcome) {
        let counts = table.summary().jobs_by_queue;
        if counts.is_empty() {
            return;
        }
        let url = client.base().identity();
        let path = match memory::path(state_dir, "jobs", &url) {
            Ok(p) => p,
            Err(e) => {
                out.details.push(format!("job progress not judged: {e}"));
                return;
            }
        };
        let prior = match memory::load::<jobs::Seen>(&path) {
            Ok(p) => p,
            Err(e) => {
                out.details.push(e);
                None
            }
        };
        let list = match fetch_list(client).await {
            Ok(l) => l,
            Err(e) => {
                out.details.push(format!("job progress not judged: {e}"));
                return;
            }
        };
        let mut more = BTreeMap::new();
        let unlisted = jobs::unlisted_ids(prior.as_ref(), &list);
        if !unlisted.is_empty() {
            match fetch_statuses(client, &unlisted).await {
                Ok(m) => more = m,
                Err(e) => out.details.push(format!("status of older waiting jobs unknown: {e}")),
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let (stalls, next) = jobs::judge(prior.as_ref(), &url, &list, &more, &counts, now);
        if let Err(e) = memory::save(&path, &next) {
            out.details.push(e);
        }
        let mut problems = Vec::new();
        for st in &stalls {
            let state = if st.for_secs >= self.stalled_critical.as_secs() {
                State::Critical
            } else if st.for_secs >= self.stalled_warning.as_secs() {
                State::Warning
            } else {
                State::Ok
            };
            let taken = if st.for_secs == 0 {
                "a job was taken since the last poll (or first seen now)".to_owned()
            } else {
                format!("none taken for {}", human(Duration::from_secs(st.for_secs)))
            };
            out.details.push(format!("{}: {} waiting, {taken}", st.queue, plural(st.waiting, "job")));
            if state != State::Ok {
                out.state = out.state.worst(state);
                problems.push(format!(
                    "{}: {} waiting and none taken for {} (workers hung or stopped?)",
                    st.queue,
                    plural(st.waiting, "job"),
                    human(Duration::from_secs(st.for_secs))
                ));
            }
        }
        if !problems.is_empty() {
            out.summary = format!("{}; {}", problems.join("; "), out.summary);
        }
        let longest = stalls.first().map_or(0, |s| s.for_secs);
        out.metrics.push(
            Metric::seconds("stalled", as_value(longest))
                .with_thresholds(&Thresholds {
                    warn: Some(Range::above(self.stalled_warning.as_secs_f64())),
                    crit: Some(Range::above(self.stalled_critical.as_secs_f64())),
                }),
        );
    }
}

const LIST: &str = "/jobs/index";

async fn fetch_list(client: &Client) -> Result<jobs::JobList, Error> {
    let path = format!("{LIST}/limit:{}", jobs::LIST_LIMIT);
    let resp = client.send(Method::GET, &path, Kind::Rest).await?;
    let v = misp::json(&resp, "GET", &path)?;
    jobs::parse_list(&v).map_err(|reason| Error::Malformed { path, reason })
}

async fn fetch_statuses(client: &Client, ids: &[u64]) -> Result<BTreeMap<u64, bool>, Error> {
    let ids: Vec<String> = ids.iter().take(jobs::LIST_LIMIT as usize).map(u64::to_string).collect();
    let path = format!("/jobs/getGenerateCorrelationProgress/{}", ids.join(","));
    let resp = client.send(Method::GET, &path, Kind::Rest).await?;
    Ok(jobs::parse_statuses(&misp::json(&resp, "GET", &path)?))
}

/// The total against `-w`/`-c`. A queue without a length is not an empty queue: when MISP
/// gives none at all (Redis down on MISP 2.5, so nothing is queued nor taken) the check is
/// CRITICAL, when only some lack one UNKNOWN, and no total is made up from the rest.
pub fn judge(table: &WorkerTable, t: &Thresholds) -> Outcome {
    let s = table.summary();
    if s.jobs_by_queue.is_empty() && !s.jobs_unknown.is_empty() {
        let why = if table.unlisted() {
            "MISP could not read any queue length (is Redis down? MISP's error log says why)"
        } else {
            "MISP sent no queue length"
        };
        let summary = format!("{why}: jobs queued in {} unknown", s.jobs_unknown.join(", "));
        return Outcome::new(CheckName::Jobs, State::Critical, summary);
    }
    let busy: Vec<String> = s
        .jobs_by_queue
        .iter()
        .filter(|(_, j)| *j > 0)
        .map(|(q, j)| format!("{q} {j}"))
        .collect();
    let mut summary = format!("{} queued", plural(s.jobs, "job"));
    if !busy.is_empty() {
        let _ = write!(summary, " ({})", busy.join(", "));
    }
    let mut state = t.evaluate(as_value(s.jobs));
    if !s.jobs_unknown.is_empty() {
        state = state.worst(State::Unknown);
        summary = format!(
            "no queue length for {} (not counted); {summary}",
            s.jobs_unknown.join(", ")
        );
    }
    let mut out = Outcome::new(CheckName::Jobs, state, summary);
    out.metrics = vec![Metric::count("jobs", as_value(s.jobs)).with_thresholds(t)];
    out.metrics.extend(
        s.jobs_by_queue
            .iter()
            .map(|(q, j)| Metric::per_queue("jobs", q, as_value(*j))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::misp::workers::parse;
    use crate::range::RangeUnit;
    use serde_json::json;

    #[test]
    fn sums_every_queue_in_both_encodings() {
        let t = parse(&json!({
            "cache": {"ok": false, "jobCount": 1}, "default": {"ok": false, "jobCount": "1532"},
            "email": {"ok": false, "jobCount": 87}, "prio": {"ok": false, "jobCount": "0"},
            "update": {"ok": false, "jobCount": 0}, "proc_accessible": true
        }))
        .unwrap();
        let th = Thresholds {
            warn: Some(Range::parse("100", RangeUnit::Count).unwrap()),
            crit: Some(Range::parse("1000", RangeUnit::Count).unwrap()),
        };
        let o = judge(&t, &th);
        assert_eq!(o.metric("jobs"), Some(1620.0));
        assert_eq!(o.metric("jobs_email"), Some(87.0));
        assert_eq!(o.state, State::Critical);
        assert!(o.summary.contains("default 1532"), "{}", o.summary);
    }

    #[test]
    fn a_queue_without_a_length_is_not_an_empty_queue() {
        let mut v = json!({});
        for q in crate::misp::workers::CORE_QUEUES {
            v[q] = json!({"ok": false});
        }
        let o = judge(&parse(&v).unwrap(), &Thresholds::default());
        assert_eq!(o.state, State::Critical);
        assert!(o.summary.starts_with("MISP could not read any queue length (is Redis down?"), "{}", o.summary);
        assert_eq!(o.metric("jobs"), None);
        v["default"] = json!({"ok": true, "jobCount": 3});
        let o = judge(&parse(&v).unwrap(), &Thresholds::default());
        assert_eq!(o.state, State::Unknown);
        assert!(o.summary.starts_with("no queue length for cache, email, prio, update (not counted); 3 jobs queued"), "{}", o.summary);
    }
}
