//! Whether queued jobs are being taken: MISP's jobs list (`GET /jobs/index`) and what earlier
//! polls saw waiting.
//!
//! A queue length alone cannot tell a busy queue from a hung one: workers stopped (SIGSTOP,
//! a worker stuck in a system call) stay listed and alive while their jobs wait. MISP's
//! jobs list says which jobs still wait (`job_status: "Waiting"`, from the job's status in
//! Redis). The jobs' `date_created` is in the MISP server's own time zone, which the check
//! cannot know, so ages are measured on this host's clock instead: a queue makes progress
//! when a job an earlier poll saw waiting is no longer waiting, and is stalled since the
//! last poll that saw progress or the queue empty.

use serde_json::Value;
use std::collections::BTreeMap;

/// The jobs list's page size asked for (CakePHP's largest by default).
pub const LIST_LIMIT: u32 = 100;

/// Job ids MISP lists, by status, per queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobList {
    /// Waiting job ids per queue.
    pub waiting: BTreeMap<String, Vec<u64>>,
    /// Every listed job id with whether it still waits.
    pub listed: BTreeMap<u64, bool>,
}

/// Reads `GET /jobs/index` (a list of `{"Job": {...}}`).
pub fn parse_list(v: &Value) -> Result<JobList, String> {
    let entries = v.as_array().ok_or_else(|| {
        format!(
            "expected the jobs list (a JSON list), got {}",
            super::events::kind(v)
        )
    })?;
    let mut list = JobList::default();
    for e in entries {
        let job = e.get("Job").unwrap_or(e);
        let (Some(id), Some(queue)) = (
            job.get("id").and_then(super::number),
            job.get("worker").and_then(Value::as_str),
        ) else {
            continue;
        };
        let waiting = job.get("job_status").and_then(Value::as_str) == Some("Waiting");
        list.listed.insert(id, waiting);
        if waiting {
            list.waiting.entry(queue.to_owned()).or_default().push(id);
        }
    }
    Ok(list)
}

/// Reads `GET /jobs/getGenerateCorrelationProgress/ID,ID` (`{"ID": {"job_status": ...}}`):
/// which of these jobs still wait.
pub fn parse_statuses(v: &Value) -> BTreeMap<u64, bool> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(id, s)| {
                    let waiting = s.get("job_status").and_then(Value::as_str)? == "Waiting";
                    Some((id.parse().ok()?, waiting))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the state directory keeps per MISP: per queue, the waiting jobs and the queue length
/// last seen, and since when nothing was taken. Never the key.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    pub url: String,
    pub queues: BTreeMap<String, SeenQueue>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeenQueue {
    /// Waiting job ids at the last poll (at most [`LIST_LIMIT`]).
    pub waiting: Vec<u64>,
    /// The queue length at the last poll.
    pub count: u64,
    /// Unix time of the last poll that saw a job taken or the queue empty.
    pub since: u64,
}

/// One queue's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stall {
    pub queue: String,
    /// Jobs waiting now (listed waiting, or the queue length if larger).
    pub waiting: u64,
    /// Seconds since a job was last seen taken (or the queue empty).
    pub for_secs: u64,
}

/// The ids an earlier poll saw waiting in some queue that the list does not show, whose
/// status must be asked for separately.
pub fn unlisted_ids(prior: Option<&Seen>, list: &JobList) -> Vec<u64> {
    prior
        .map(|p| {
            p.queues
                .values()
                .flat_map(|q| q.waiting.iter().copied())
                .filter(|id| !list.listed.contains_key(id))
                .collect()
        })
        .unwrap_or_default()
}

/// Judges progress per queue from the list, the queue lengths (`counts`), the statuses of
/// ids no longer listed (`more`), and the previous poll; returns the queues with jobs
/// waiting (longest stalled first) and the state to keep. A queue with a length of zero is
/// never stalled. A queue progresses when a job seen waiting before no longer waits, or,
/// when MISP lists none of its waiting jobs, when its length went down.
pub fn judge(
    prior: Option<&Seen>,
    url: &str,
    list: &JobList,
    more: &BTreeMap<u64, bool>,
    counts: &[(String, u64)],
    now: u64,
) -> (Vec<Stall>, Seen) {
    let prior = prior.filter(|p| p.url == url);
    let mut next = Seen {
        url: url.to_owned(),
        queues: BTreeMap::new(),
    };
    let mut stalls = Vec::new();
    for (queue, count) in counts {
        let waiting = list.waiting.get(queue).cloned().unwrap_or_default();
        // Only a queue that holds jobs can be stalled. A job listed as waiting in an empty
        // queue was taken by a worker that never reported on it (killed while holding it):
        // lost, but no reason to call the queue stuck until its status expires.
        if *count == 0 {
            continue;
        }
        let before = prior.and_then(|p| p.queues.get(queue));
        let taken = |id: &u64| match list.listed.get(id).or_else(|| more.get(id)) {
            Some(still_waiting) => !still_waiting,
            None => false,
        };
        let progressed = match before {
            None => true,
            Some(b) if waiting.is_empty() && b.waiting.is_empty() => *count < b.count,
            Some(b) => b.waiting.iter().any(taken),
        };
        let since = match before {
            Some(b) if !progressed => b.since,
            _ => now,
        };
        let mut kept = waiting.clone();
        kept.sort_unstable();
        kept.truncate(LIST_LIMIT as usize);
        next.queues.insert(
            queue.clone(),
            SeenQueue {
                waiting: kept,
                count: *count,
                since,
            },
        );
        stalls.push(Stall {
            queue: queue.clone(),
            waiting: (waiting.len() as u64).max(*count),
            for_secs: now.saturating_sub(since),
        });
    }
    stalls.sort_by_key(|s| std::cmp::Reverse(s.for_secs));
    (stalls, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(jobs: &[(u64, &str, &str)]) -> JobList {
        let v: Vec<Value> = jobs
            .iter()
            .map(|(id, q, s)| json!({"Job": {"id": id.to_string(), "worker": q, "job_status": s}}))
            .collect();
        parse_list(&json!(v)).unwrap()
    }

    #[test]
    fn a_hung_queue_stalls_and_a_busy_one_progresses() {
        let url = "http://misp";
        let none = BTreeMap::new();
        let counts = vec![("default".to_owned(), 3), ("email".to_owned(), 2)];
        let l1 = list(&[
            (1, "default", "Waiting"),
            (2, "default", "Waiting"),
            (3, "email", "Waiting"),
            (4, "email", "Waiting"),
        ]);
        let (s, seen) = judge(None, url, &l1, &none, &counts, 1000);
        assert!(s.iter().all(|s| s.for_secs == 0), "{s:?}");
        // default: nothing taken; email: job 3 ran, a new one waits.
        let l2 = list(&[
            (1, "default", "Waiting"),
            (2, "default", "Waiting"),
            (3, "email", "Completed"),
            (4, "email", "Waiting"),
            (5, "email", "Waiting"),
        ]);
        let (s, seen) = judge(Some(&seen), url, &l2, &none, &counts, 1600);
        assert_eq!(
            s[0],
            Stall {
                queue: "default".into(),
                waiting: 3,
                for_secs: 600
            }
        );
        assert_eq!(s[1].for_secs, 0);
        // A job no longer in the list, found taken by asking for it.
        let l3 = list(&[(2, "default", "Waiting")]);
        let taken = BTreeMap::from([(1, false)]);
        let (s, _) = judge(Some(&seen), url, &l3, &taken, &counts, 2000);
        let default = s.iter().find(|s| s.queue == "default").unwrap();
        assert_eq!(default.for_secs, 0, "{s:?}");
        assert_eq!(unlisted_ids(Some(&seen), &l3), vec![1, 4, 5]);
        // Not asked about: no evidence of progress.
        let (s, _) = judge(Some(&seen), url, &l3, &none, &counts, 2000);
        assert_eq!(
            s[0],
            Stall {
                queue: "default".into(),
                waiting: 3,
                for_secs: 1000
            }
        );
    }

    #[test]
    fn without_listed_jobs_the_queue_length_must_go_down() {
        let url = "http://misp";
        let none = BTreeMap::new();
        let empty = JobList::default();
        let at = |n: u64| vec![("cache".to_owned(), n)];
        let (_, seen) = judge(None, url, &empty, &none, &at(5), 0);
        let (s, seen) = judge(Some(&seen), url, &empty, &none, &at(7), 300);
        assert_eq!(s[0].for_secs, 300);
        let (s, seen) = judge(Some(&seen), url, &empty, &none, &at(6), 600);
        assert_eq!(s[0].for_secs, 0);
        let (s, seen) = judge(Some(&seen), url, &empty, &none, &at(0), 900);
        assert!(s.is_empty());
        assert!(seen.queues.is_empty());
    }
}
