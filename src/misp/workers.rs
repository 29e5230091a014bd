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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    /// Process id, when MISP gave one.
    pub pid: Option<u64>,
    /// True when MISP counts the worker as working (`ok`).
    pub ok: bool,
    /// `alive: "N/A"`: MISP cannot see `/proc`, so liveness was not verified.
    pub liveness_unknown: bool,
    /// The account the process runs as, as MISP reports it.
    pub user: Option<String>,
    /// `correct_user: false`: the process runs as another user than MISP's web server, so
    /// MISP reports it not alive whether it runs or not. Restarting cannot change that.
    pub wrong_user: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    /// Queue name (`default`, `email`, ...).
    pub name: String,
    /// Worker entries; empty when MISP sent no `workers` key.
    pub workers: Vec<Worker>,
    /// Jobs waiting (`jobCount`), absent for `scheduler`.
    pub job_count: Option<u64>,
    /// Live workers the admin expects (`--min-workers`); in supervisor mode a dead process
    /// vanishes, so a shortfall against this is the only trace of a partial loss.
    pub min_workers: Option<u64>,
    /// `min_workers` is the queue's usual count, remembered from earlier polls, not given.
    pub usual: bool,
}

impl Queue {
    /// Entries that are working.
    pub fn alive(&self) -> u64 {
        self.count(|w| w.ok)
    }

    /// Entries running as another user than MISP's: neither alive nor dead as far as MISP
    /// can tell.
    pub fn wrong_user(&self) -> u64 {
        self.count(|w| !w.ok && w.wrong_user)
    }

    /// Entries that are not working, plus one when the queue has no entry at all, or the
    /// shortfall against `--min-workers` when that is larger.
    pub fn dead(&self) -> u64 {
        let seen = if self.workers.is_empty() {
            1
        } else {
            self.count(|w| !w.ok && !w.wrong_user)
        };
        seen.max(self.missing())
    }

    /// Live workers below `--min-workers`, wrong-user workers given the benefit of the doubt.
    pub fn missing(&self) -> u64 {
        self.min_workers
            .unwrap_or(0)
            .saturating_sub(self.alive().saturating_add(self.wrong_user()))
    }

    /// No working entry and none that might be working: jobs here are not processed.
    pub fn is_down(&self) -> bool {
        self.alive() == 0 && self.wrong_user() == 0
    }

    /// The distinct accounts of the wrong-user entries, for the message.
    pub fn wrong_users(&self) -> Vec<&str> {
        let mut users: Vec<&str> = Vec::new();
        for w in self.workers.iter().filter(|w| !w.ok && w.wrong_user) {
            let u = w.user.as_deref().unwrap_or("another user");
            if !users.contains(&u) {
                users.push(u);
            }
        }
        users
    }

    fn count(&self, f: impl Fn(&Worker) -> bool) -> u64 {
        self.workers.iter().filter(|w| f(w)).count() as u64
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerTable {
    /// Queues in MISP's order (core queues first, then scheduler, then any other).
    pub queues: Vec<Queue>,
    /// `supervisord_status`; present only in supervisor (SimpleBackgroundJobs) mode.
    pub supervisord_status: Option<bool>,
    pub proc_accessible: Option<bool>,
}

impl WorkerTable {
    /// MISP failed to list its workers and sent only its empty template: no queue length
    /// and none of the facts it adds after a successful listing. MISP logs the exception;
    /// on a supervisor install it is Redis being unreachable, which MISP needs first.
    pub fn unlisted(&self) -> bool {
        self.proc_accessible.is_none()
            && self.supervisord_status.is_none()
            && self
                .queues
                .iter()
                .all(|q| q.workers.is_empty() && q.job_count.is_none())
    }
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
            None => queues.push(Queue::empty(name)),
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
        min_workers: None,
        usual: false,
    })
}

impl Queue {
    fn empty(name: &str) -> Self {
        Queue {
            name: name.to_owned(),
            workers: Vec::new(),
            job_count: None,
            min_workers: None,
            usual: false,
        }
    }
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
        user: o.get("user").and_then(Value::as_str).map(str::to_owned),
        wrong_user: correct_user == Some(false),
    })
}

/// Counts over the table, the numbers every worker-based check reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub alive: u64,
    /// Non-working entries plus one per queue with no entry (or its shortfall against
    /// `--min-workers`).
    pub dead: u64,
    /// Entries running as another user than MISP's.
    pub wrong_user: u64,
    /// Queues with no working entry and none running as another user.
    pub queues_down: Vec<String>,
    /// `(queue, alive, expected)` for each queue below `--min-workers`.
    pub short: Vec<(String, u64, u64)>,
    /// Jobs waiting, summed over all queues (saturating; each count is at most 2^53).
    pub jobs: u64,
    /// `(queue, jobCount)` for each queue that reports one.
    pub jobs_by_queue: Vec<(String, u64)>,
    /// Core queues without a `jobCount`: their backlog is unknown, not zero (MISP 2.5 sends
    /// none when it cannot reach Redis).
    pub jobs_unknown: Vec<String>,
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

    /// The table with `--min-workers` applied; a queue named there that MISP does not list
    /// is added empty, since workers were expected on it.
    pub fn expecting(mut self, mins: &MinWorkers) -> Self {
        for (name, _) in &mins.per_queue {
            if !self.queues.iter().any(|q| &q.name == name) {
                self.queues.push(Queue::empty(name));
            }
        }
        for q in &mut self.queues {
            q.min_workers = mins.for_queue(&q.name);
        }
        self
    }

    /// Counts alive, dead, down queues and jobs.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for q in &self.queues {
            s.alive = s.alive.saturating_add(q.alive());
            s.dead = s.dead.saturating_add(q.dead());
            s.wrong_user = s.wrong_user.saturating_add(q.wrong_user());
            if q.is_down() {
                s.queues_down.push(q.name.clone());
            }
            // A down queue is already named as such; its shortfall would say it twice.
            if let Some(min) = q.min_workers.filter(|_| q.missing() > 0 && !q.is_down()) {
                s.short.push((q.name.clone(), q.alive(), min));
            }
            match q.job_count {
                Some(j) => {
                    s.jobs = s.jobs.saturating_add(j);
                    s.jobs_by_queue.push((q.name.clone(), j));
                }
                None if CORE_QUEUES.contains(&q.name.as_str()) => {
                    s.jobs_unknown.push(q.name.clone());
                }
                None => {}
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

/// Each queue's usual number of workers, as earlier polls saw it. In supervisor mode MISP
/// lists only running processes, so workers that ended FATAL (autorestart gave up, e.g. after
/// a Redis outage) leave no trace but a count lower than before.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usual {
    /// The MISP this is about (its URL identity), never the key.
    pub url: String,
    pub queues: Vec<UsualQueue>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UsualQueue {
    pub name: String,
    /// The highest count seen and not yet forgotten.
    pub workers: u64,
    /// Unix time since which the queue has had fewer (but some) workers, if it has.
    pub fewer_since: Option<u64>,
}

impl WorkerTable {
    /// Applies the remembered usual counts (to queues without `--min-workers`) and returns
    /// the memory to keep. A queue with fewer workers than usual gets the usual count as its
    /// minimum, so the shortfall counts as dead. A lower count that has lasted `forget`
    /// becomes the new usual (the admin changed the layout); a higher one does at once. A
    /// queue with no worker at all is down (CRITICAL on its own) and never lowers the usual
    /// count. A table that shows nothing reliable (supervisord down, MISP unable to list its
    /// workers) changes nothing.
    pub fn with_usual(
        mut self,
        prior: Option<&Usual>,
        url: &str,
        now: u64,
        forget: u64,
    ) -> (Self, Usual) {
        let prior = prior.filter(|p| p.url == url);
        let mut next = Usual {
            url: url.to_owned(),
            queues: prior.map(|p| p.queues.clone()).unwrap_or_default(),
        };
        if self.unlisted() || self.supervisord_status == Some(false) {
            return (self, next);
        }
        for q in &mut self.queues {
            let seen = q.alive().saturating_add(q.wrong_user());
            let Some(usual) = next.queues.iter_mut().find(|u| u.name == q.name) else {
                if seen > 0 {
                    next.queues.push(UsualQueue {
                        name: q.name.clone(),
                        workers: seen,
                        fewer_since: None,
                    });
                }
                continue;
            };
            if seen >= usual.workers {
                usual.workers = seen;
                usual.fewer_since = None;
                continue;
            }
            if seen > 0 {
                let since = *usual.fewer_since.get_or_insert(now);
                if now.saturating_sub(since) >= forget {
                    usual.workers = seen;
                    usual.fewer_since = None;
                    continue;
                }
            }
            if q.min_workers.is_none() {
                q.min_workers = Some(usual.workers);
                q.usual = true;
            }
        }
        (self, next)
    }
}

/// Which queues count and how many workers each should have.
#[derive(Clone, Debug, Default)]
pub struct QueueRules {
    /// `--ignore-queue`.
    pub ignore: Vec<String>,
    /// `--min-workers`.
    pub min_workers: MinWorkers,
}

impl QueueRules {
    /// The table as these rules judge it.
    pub fn apply(&self, table: WorkerTable) -> WorkerTable {
        table.without(&self.ignore).expecting(&self.min_workers)
    }
}

/// `--min-workers N` or `QUEUE=N[,QUEUE=N]`: the live workers each queue should have. A bare
/// `N` applies to every queue not named, so `5,update=1` fits MISP's default layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MinWorkers {
    every: Option<u64>,
    per_queue: Vec<(String, u64)>,
}

impl MinWorkers {
    /// Parses the option's value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mins = MinWorkers::default();
        for part in text.split(',').map(str::trim) {
            let count = |n: &str| {
                n.trim().parse::<u64>().map_err(|_| {
                    format!("'{part}' is not a count of workers: expected N or QUEUE=N, e.g. 5,update=1")
                })
            };
            match part.split_once('=') {
                None if mins.every.is_some() => {
                    return Err(format!(
                        "'{part}': a count for every queue is already given"
                    ))
                }
                None => mins.every = Some(count(part)?),
                Some((queue, n)) => {
                    let queue = queue.trim();
                    if queue.is_empty()
                        || !queue
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        return Err(format!("'{part}': '{queue}' is not a queue name"));
                    }
                    if mins.per_queue.iter().any(|(q, _)| q == queue) {
                        return Err(format!("queue '{queue}' is given twice"));
                    }
                    mins.per_queue.push((queue.to_owned(), count(n)?));
                }
            }
        }
        Ok(mins)
    }

    /// The minimum for `queue`, if any.
    pub fn for_queue(&self, queue: &str) -> Option<u64> {
        self.per_queue
            .iter()
            .find(|(q, _)| q == queue)
            .map(|(_, n)| *n)
            .or(self.every)
    }
}

#[cfg(test)]
mod tests;
