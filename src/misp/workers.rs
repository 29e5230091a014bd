//! `GET /servers/getWorkers`: the queue table, parsed from what MISP really sends.
//!
//! Workers are judged from their entries, never from a queue's `ok` flag: MISP up to
//! 2.4.132 says `ok: true` for a queue whose workers are all dead. Both worker-list modes
//! are understood: CakeResque keeps dead entries (`ok: false`); supervisor mode drops dead
//! processes, so a queue with no entry at all is the only trace an outage leaves.

use super::{flag, number};
use serde_json::{Map, Value};

/// Queues MISP always reports (`Server::workerDiagnostics`).
pub const CORE_QUEUES: [&str; 5] = ["cache", "default", "email", "prio", "update"];
/// Reported only in CakeResque mode; expected only when present.
pub const SCHEDULER: &str = "scheduler";
/// Top-level keys that are facts about the installation, not queues.
const NOT_QUEUES: [&str; 3] = ["proc_accessible", "controls", "supervisord_status"];

/// One worker entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    /// Process id, when MISP gave one.
    pub pid: Option<u64>,
    /// True when MISP counts the worker as working (`ok`).
    pub ok: bool,
    /// `alive: "N/A"`: MISP cannot see `/proc`, so liveness was not verified.
    pub liveness_unknown: bool,
}

/// One queue and its entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    /// Queue name (`default`, `email`, ...).
    pub name: String,
    /// Worker entries; empty when MISP sent no `workers` key.
    pub workers: Vec<Worker>,
    /// Jobs waiting (`jobCount`), absent for `scheduler`.
    pub job_count: Option<u64>,
}

impl Queue {
    /// Entries that are working.
    pub fn alive(&self) -> u64 {
        self.workers.iter().filter(|w| w.ok).count() as u64
    }

    /// Entries that are not working, plus one when the queue has no entry at all.
    pub fn dead(&self) -> u64 {
        if self.workers.is_empty() {
            1
        } else {
            self.workers.iter().filter(|w| !w.ok).count() as u64
        }
    }

    /// No working entry: jobs on this queue are not processed.
    pub fn is_down(&self) -> bool {
        self.alive() == 0
    }
}

/// The whole answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerTable {
    /// Queues in MISP's order (core queues first, then scheduler, then any other).
    pub queues: Vec<Queue>,
    /// `supervisord_status`; present only in supervisor (SimpleBackgroundJobs) mode.
    pub supervisord_status: Option<bool>,
    /// `proc_accessible`.
    pub proc_accessible: Option<bool>,
}

/// Why the answer could not be read as a worker table.
#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `["Background jobs not enabled"]`.
    BackgroundJobsDisabled,
    /// Anything else that is not a worker table.
    Malformed(String),
}

/// Reads a getWorkers answer.
pub fn parse(v: &Value) -> Result<WorkerTable, ParseError> {
    let obj = match v {
        Value::Object(o) => o,
        Value::Array(a)
            if a.iter()
                .any(|x| x.as_str().is_some_and(|s| s.contains("Background jobs"))) =>
        {
            return Err(ParseError::BackgroundJobsDisabled)
        }
        other => {
            return Err(ParseError::Malformed(format!(
                "expected the worker table (a JSON object), got {}",
                super::events::kind(other)
            )))
        }
    };
    let mut queues = Vec::new();
    // Core queues are always in MISP's answer; one missing is treated like a queue with no
    // live worker rather than silently ignored.
    for name in CORE_QUEUES {
        match obj.get(name) {
            Some(q) => queues.push(parse_queue(name, q)?),
            None => queues.push(Queue {
                name: name.to_owned(),
                workers: Vec::new(),
                job_count: None,
            }),
        }
    }
    let mut others: Vec<(&String, &Value)> = obj
        .iter()
        .filter(|(k, v)| {
            !CORE_QUEUES.contains(&k.as_str()) && !NOT_QUEUES.contains(&k.as_str()) && is_queue(v)
        })
        .collect();
    // scheduler first, then any unexpected queue by name, for a stable order.
    others.sort_by_key(|(k, _)| (k.as_str() != SCHEDULER, k.as_str()));
    for (name, q) in others {
        queues.push(parse_queue(name, q)?);
    }
    if obj.keys().all(|k| !is_queue(&obj[k])) {
        return Err(ParseError::Malformed(
            "no worker queue in the answer (is this really /servers/getWorkers?)".into(),
        ));
    }
    Ok(WorkerTable {
        queues,
        supervisord_status: obj.get("supervisord_status").and_then(flag),
        proc_accessible: obj.get("proc_accessible").and_then(flag),
    })
}

fn is_queue(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("ok") || o.contains_key("workers") || o.contains_key("jobCount")
    })
}

fn parse_queue(name: &str, v: &Value) -> Result<Queue, ParseError> {
    let bad = |why: String| ParseError::Malformed(format!("queue '{name}': {why}"));
    let obj: &Map<String, Value> = v.as_object().ok_or_else(|| bad("not an object".into()))?;
    let workers = match obj.get("workers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(entries)) => entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                parse_worker(e).ok_or_else(|| bad(format!("worker #{} is malformed", i + 1)))
            })
            .collect::<Result<_, _>>()?,
        // An empty PHP array can be encoded as {}.
        Some(Value::Object(o)) if o.is_empty() => Vec::new(),
        Some(_) => return Err(bad("'workers' is not a list".into())),
    };
    let job_count = match obj.get("jobCount") {
        None | Some(Value::Null) => None,
        Some(j) => Some(super::count(j, "jobCount").map_err(bad)?),
    };
    Ok(Queue {
        name: name.to_owned(),
        workers,
        job_count,
    })
}

fn parse_worker(v: &Value) -> Option<Worker> {
    let o = v.as_object()?;
    let alive = o.get("alive");
    let liveness_unknown = alive.and_then(Value::as_str).is_some_and(|s| s == "N/A");
    let correct_user = o.get("correct_user").and_then(flag);
    // `ok` is what MISP itself concluded (alive && correct_user); when it is missing, work it
    // out the same way, treating "N/A" as alive as PHP's truthiness does.
    let ok = match o.get("ok").and_then(flag) {
        Some(ok) => ok,
        None => {
            let alive = liveness_unknown || alive.and_then(flag).unwrap_or(false);
            alive && correct_user.unwrap_or(false)
        }
    };
    Some(Worker {
        pid: o.get("pid").and_then(number),
        ok,
        liveness_unknown,
    })
}

/// Counts over the table, the numbers every worker-based check reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Working entries.
    pub alive: u64,
    /// Non-working entries plus one per queue with no entry.
    pub dead: u64,
    /// Queues with no working entry.
    pub queues_down: Vec<String>,
    /// Jobs waiting, summed over all queues (saturating; each count is at most 2^53).
    pub jobs: u64,
    /// `(queue, jobCount)` for each queue that reports one.
    pub jobs_by_queue: Vec<(String, u64)>,
    /// Some entry had `alive: "N/A"`.
    pub liveness_unknown: bool,
}

impl WorkerTable {
    /// The table without the named queues (for `--ignore-queue`).
    pub fn without(mut self, ignored: &[String]) -> Self {
        self.queues
            .retain(|q| !ignored.iter().any(|i| i == &q.name));
        self
    }

    /// Counts alive, dead, down queues and jobs.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for q in &self.queues {
            s.alive = s.alive.saturating_add(q.alive());
            s.dead = s.dead.saturating_add(q.dead());
            if q.is_down() {
                s.queues_down.push(q.name.clone());
            }
            if let Some(j) = q.job_count {
                s.jobs = s.jobs.saturating_add(j);
                s.jobs_by_queue.push((q.name.clone(), j));
            }
            s.liveness_unknown |= q.workers.iter().any(|w| w.liveness_unknown);
        }
        s
    }

    /// True when the answer came from supervisor (SimpleBackgroundJobs) mode.
    pub fn supervisor_mode(&self) -> bool {
        self.supervisord_status.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn w(ok: bool) -> Value {
        json!({"pid": 1, "user": "www-data", "alive": ok, "correct_user": true, "ok": ok})
    }

    #[test]
    fn healthy_supervisor_table() {
        let v = json!({
            "cache": {"ok": true, "workers": [w(true), w(true)], "jobCount": 0},
            "default": {"ok": true, "workers": [w(true)], "jobCount": "3"},
            "email": {"ok": true, "workers": [w(true)], "jobCount": 0},
            "prio": {"ok": true, "workers": [w(true)], "jobCount": 0},
            "update": {"ok": true, "workers": [w(true)], "jobCount": "1"},
            "proc_accessible": true, "controls": 1, "supervisord_status": true
        });
        let t = parse(&v).unwrap();
        assert!(t.supervisor_mode());
        let s = t.summary();
        assert_eq!((s.alive, s.dead, s.jobs), (6, 0, 4));
        assert!(s.queues_down.is_empty());
    }

    #[test]
    fn empty_queue_counts_as_one_dead_and_down() {
        let v = json!({
            "cache": {"ok": true, "workers": [w(true)], "jobCount": 0},
            "default": {"ok": true, "workers": [w(true), w(false)], "jobCount": 0},
            "email": {"ok": false, "jobCount": 87},
            "prio": {"ok": true, "workers": [w(true)], "jobCount": 0},
            "update": {"ok": true, "workers": [w(true)], "jobCount": 0},
            "scheduler": {"ok": false},
            "proc_accessible": true, "controls": 1
        });
        let s = parse(&v).unwrap().summary();
        assert_eq!((s.alive, s.dead, s.jobs), (4, 3, 87));
        assert_eq!(s.queues_down, vec!["email", "scheduler"]);
    }

    #[test]
    fn legacy_ok_true_with_dead_entries_is_judged_from_entries() {
        let mut v = json!({});
        for q in CORE_QUEUES {
            v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": 0});
        }
        v["email"] = json!({"ok": true, "workers": [{"pid": 1507, "user": "www-data", "alive": false, "correct_user": false, "ok": false}], "jobCount": 0});
        let s = parse(&v).unwrap().summary();
        assert_eq!(s.dead, 1);
        assert_eq!(s.queues_down, vec!["email"]);
    }

    #[test]
    fn alive_not_available_is_flagged_and_trusted_as_misp_does() {
        let mut v = json!({});
        for q in CORE_QUEUES {
            v[q] = json!({"ok": true, "workers": [{"pid": "12", "user": "www-data", "alive": "N/A", "correct_user": true, "ok": true}], "jobCount": "0"});
        }
        let s = parse(&v).unwrap().summary();
        assert_eq!((s.alive, s.dead), (5, 0));
        assert!(s.liveness_unknown);
    }

    #[test]
    fn missing_core_queue_is_down() {
        let v = json!({"cache": {"ok": true, "workers": [w(true)], "jobCount": 0}, "proc_accessible": true});
        let s = parse(&v).unwrap().summary();
        assert_eq!(s.dead, 4);
        assert_eq!(s.queues_down.len(), 4);
    }

    #[test]
    fn background_jobs_disabled_and_garbage() {
        assert_eq!(
            parse(&json!(["Background jobs not enabled"])),
            Err(ParseError::BackgroundJobsDisabled)
        );
        assert!(matches!(parse(&json!([])), Err(ParseError::Malformed(_))));
        assert!(matches!(
            parse(&json!({"name": "x", "message": "y"})),
            Err(ParseError::Malformed(_))
        ));
        let mut v = json!({});
        for q in CORE_QUEUES {
            v[q] = json!({"ok": true, "workers": "nope"});
        }
        assert!(matches!(parse(&v), Err(ParseError::Malformed(_))));
    }

    #[test]
    fn absurd_job_counts_are_malformed_not_wrapped() {
        let mut v = json!({"supervisord_status": true});
        for q in CORE_QUEUES {
            v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": "0"});
        }
        v["default"]["jobCount"] = json!("18446744073709551615");
        v["email"]["jobCount"] = json!("18446744073709551615");
        assert_eq!(
            parse(&v),
            Err(ParseError::Malformed(
                "queue 'default': jobCount is \"18446744073709551615\", beyond any real count (above 2^53)".into()
            ))
        );
        // The largest believable counts still add up without wrapping.
        v["default"]["jobCount"] = json!(super::super::MAX_COUNT);
        v["email"]["jobCount"] = json!(super::super::MAX_COUNT);
        assert_eq!(
            parse(&v).unwrap().summary().jobs,
            2 * super::super::MAX_COUNT
        );
    }

    #[test]
    fn supervisord_down_every_queue_empty() {
        let mut v = json!({"proc_accessible": true, "controls": 1, "supervisord_status": false});
        for q in CORE_QUEUES {
            v[q] = json!({"ok": false, "jobCount": 2});
        }
        let t = parse(&v).unwrap();
        assert_eq!(t.supervisord_status, Some(false));
        let s = t.summary();
        assert_eq!((s.alive, s.dead, s.jobs), (0, 5, 10));
    }

    #[test]
    fn ignored_queues_drop_out() {
        let v = json!({"cache": {"ok": true, "workers": [w(true)], "jobCount": 0}, "proc_accessible": true});
        let s = parse(&v)
            .unwrap()
            .without(&[
                "default".into(),
                "email".into(),
                "prio".into(),
                "update".into(),
            ])
            .summary();
        assert_eq!((s.alive, s.dead), (1, 0));
    }
}
