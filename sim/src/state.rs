//! The simulated MISP instance: workers, events, statistics, faults and counters.
//! Everything here is plain data behind one mutex; the server renders it per request.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::json::J;
use crate::{Encoding, Fault, SimOptions, WorkerMode};

/// `MISP.uuid`, reported by getVersion and part of the session cookie's name.
pub(crate) const INSTANCE_UUID: &str = "5e4b5a1c-8d3f-4c1e-9a57-3c0d2b1e6f40";

/// Queue names in the order MISP's `workerDiagnostics` emits them.
/// The account MISP's web server runs as.
const WEB_USER: &str = "www-data";

pub(crate) const QUEUES: [&str; 6] = ["cache", "default", "email", "prio", "update", "scheduler"];

/// State shared by every connection and by the `Sim` handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) admin_key: String,
    pub(crate) revive_delay: Duration,
}

impl Shared {
    pub(crate) fn new(opts: &SimOptions) -> Shared {
        Shared {
            state: Mutex::new(State::new(opts)),
            admin_key: opts.key.clone(),
            revive_delay: opts.revive_delay,
        }
    }

    /// A panic while holding the lock must not take every later request down with it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Clone, Copy, Debug)]
struct Worker {
    pid: u64,
    alive: bool,
}

struct Queue {
    name: &'static str,
    workers: Vec<Worker>,
    jobs: u64,
    /// The account its processes run as; MISP's own is `www-data`.
    user: String,
}

/// What a restart call will do once `revive_delay` has passed.
pub(crate) enum Revival {
    /// Supervisor `startProcessGroup`: stopped processes come back with new pids.
    Dead,
    /// CakeResque: the dead registrations were removed at once; start this many per queue.
    Add(Vec<(usize, usize)>),
    /// `restartWorkers`: a whole fresh, healthy set.
    All,
}

pub(crate) struct State {
    pub(crate) mode: WorkerMode,
    pub(crate) encoding: Encoding,
    queues: Vec<Queue>,
    next_pid: u64,
    pub(crate) background_jobs: bool,
    pub(crate) supervisord: bool,
    /// Bumped whenever the worker set is rebuilt, so a pending revival from before
    /// does not resurrect workers into the new set.
    pub(crate) generation: u64,
    pub(crate) events: u32,
    /// The newest event's `timestamp` (its last change); each older event is 10 minutes
    /// older than the next. `None`: ten minutes before each request, as on a MISP that
    /// feeds keep busy.
    pub(crate) newest_event: Option<u64>,
    stats: Vec<(String, u64)>,
    pub(crate) version: String,
    /// `MISP.baseurl`: where MISP sends a page request without a session.
    pub(crate) baseurl: String,
    /// Sessions handed out so far (each answer opens one, as MISP's do).
    pub(crate) sessions: u64,
    /// `/users/heartbeat` exists (MISP 2.4.194 and later).
    pub(crate) heartbeat: bool,
    /// What `/servers/serverSettings` reports.
    pub(crate) diag: crate::diagnostics::Diag,
    /// The sync servers, listed by `/servers/index`; a server's id is its position + 1.
    pub(crate) servers: Vec<crate::sync::SyncServer>,
    /// What MISP knows of the site admin's key.
    pub(crate) key: crate::authkeys::SimKey,
    pub(crate) latency: Duration,
    faults: Vec<(Option<String>, Fault)>,
    pub(crate) counts: BTreeMap<String, u64>,
    pub(crate) with_key: u64,
    /// CakeResque's start race, once: the next restart of the first queue's workers
    /// registers them under the second.
    pub(crate) misregister: Option<(&'static str, &'static str)>,
    /// Feeds and their fetch jobs.
    pub(crate) feeds: crate::feeds::FeedState,
}

/// Defaults from the statistics example in misp-wire-format.md §6.
const STATS: [(&str, u64); 17] = [
    ("event_count", 1520),
    ("event_count_month", 37),
    ("attribute_count", 245113),
    ("attribute_count_month", 4210),
    ("attributes_per_event", 161),
    ("correlation_count", 30211),
    ("proposal_count", 3),
    ("user_count", 42),
    ("user_count_pgp", 5),
    ("org_count", 118),
    ("local_org_count", 6),
    ("contributing_org_count", 64),
    ("average_user_per_org", 7),
    ("thread_count", 2),
    ("thread_count_month", 0),
    ("post_count", 4),
    ("post_count_month", 0),
];

impl State {
    fn new(opts: &SimOptions) -> State {
        let mut st = State {
            mode: opts.mode,
            encoding: opts.encoding,
            queues: QUEUES
                .iter()
                .map(|&name| Queue {
                    name,
                    workers: Vec::new(),
                    jobs: 0,
                    user: WEB_USER.to_owned(),
                })
                .collect(),
            // Plausible pid ranges: supervisor-started workers of a long-running host
            // versus CakeResque workers started at boot.
            next_pid: if opts.mode == WorkerMode::Supervisor {
                1673201
            } else {
                2101
            },
            background_jobs: true,
            supervisord: true,
            generation: 0,
            events: opts.events,
            newest_event: None,
            stats: STATS.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
            version: "2.5.1".to_string(),
            baseurl: opts.baseurl.clone().unwrap_or_default(),
            sessions: 0,
            heartbeat: true,
            diag: crate::diagnostics::Diag::default(),
            servers: Vec::new(),
            key: crate::authkeys::SimKey::default(),
            latency: Duration::ZERO,
            faults: Vec::new(),
            counts: BTreeMap::new(),
            with_key: 0,
            misregister: None,
            feeds: crate::feeds::FeedState::default(),
        };
        st.reset_workers();
        st
    }

    fn fresh(&mut self) -> Worker {
        self.next_pid += 1;
        Worker {
            pid: self.next_pid - 1,
            alive: true,
        }
    }

    /// The healthy worker set of the current mode: supervisor numprocs 5/5/5/5/1,
    /// CakeResque one worker per queue including the scheduler.
    fn reset_workers(&mut self) {
        self.generation += 1;
        for i in 0..self.queues.len() {
            let n = match (self.mode, self.queues[i].name) {
                (WorkerMode::Supervisor, "scheduler") => 0,
                (WorkerMode::Supervisor, "update") => 1,
                (WorkerMode::Supervisor, _) => 5,
                _ => 1,
            };
            let workers = (0..n).map(|_| self.fresh()).collect();
            self.queues[i].workers = workers;
        }
    }

    pub(crate) fn set_mode(&mut self, mode: WorkerMode) {
        self.mode = mode;
        self.reset_workers();
    }

    /// Queues MISP lists in this mode (no scheduler under SimpleBackgroundJobs).
    fn visible(&self) -> impl Iterator<Item = &Queue> {
        let sup = self.mode == WorkerMode::Supervisor;
        self.queues
            .iter()
            .filter(move |q| !(sup && q.name == "scheduler"))
    }

    /// The worker entries MISP would list for a queue: supervisor only reports running
    /// processes (and nothing when supervisord is unreachable); CakeResque keeps dead
    /// registrations.
    fn shown(&self, q: &Queue) -> Vec<Worker> {
        match self.mode {
            WorkerMode::Supervisor if !self.supervisord => Vec::new(),
            WorkerMode::Supervisor => q.workers.iter().copied().filter(|w| w.alive).collect(),
            _ => q.workers.clone(),
        }
    }

    pub(crate) fn kill(&mut self, queue: &str, all: bool) -> usize {
        let Some(q) = self.queues.iter_mut().find(|q| q.name == queue) else {
            return 0;
        };
        let mut killed = 0;
        for w in q.workers.iter_mut().filter(|w| w.alive) {
            w.alive = false;
            killed += 1;
            if !all {
                break;
            }
        }
        killed
    }

    /// Runs a queue's processes as `user`; MISP then lists them `correct_user: false` and
    /// not alive, whether they run or not.
    pub(crate) fn set_user(&mut self, queue: &str, user: &str) -> bool {
        match self.queues.iter_mut().find(|q| q.name == queue) {
            Some(q) => {
                q.user = user.to_owned();
                true
            }
            None => false,
        }
    }

    pub(crate) fn set_backlog(&mut self, queue: &str, jobs: u64) -> bool {
        match self.queues.iter_mut().find(|q| q.name == queue) {
            Some(q) => {
                q.jobs = jobs;
                true
            }
            None => false,
        }
    }

    /// Counted like the contract counts them: live entries, and dead entries plus one
    /// per listed queue that has no entry at all (how a dead supervisor process shows).
    pub(crate) fn alive_dead(&self) -> (usize, usize) {
        if !self.background_jobs {
            return (0, 0);
        }
        let (mut alive, mut dead) = (0, 0);
        for q in self.visible() {
            let shown = self.shown(q);
            let up = shown.iter().filter(|w| w.alive).count();
            alive += up;
            dead += shown.len() - up + usize::from(shown.is_empty());
        }
        (alive, dead)
    }

    /// A count as this MISP version encodes it.
    fn num(&self, v: u64) -> J {
        match self.encoding {
            Encoding::V25 => J::Str(v.to_string()),
            Encoding::V24 => J::n(v),
        }
    }

    /// The body of `/servers/getWorkers` (wire format §1).
    pub(crate) fn workers_json(&self) -> J {
        if !self.background_jobs {
            return J::Arr(vec![J::s("Background jobs not enabled")]);
        }
        let mut out = Vec::new();
        for q in self.visible() {
            let shown = self.shown(q);
            let correct_user = q.user == WEB_USER;
            let ok = match self.mode {
                // Up to 2.4.132 a queue started out ok and stayed so with any entry.
                WorkerMode::Legacy => !shown.is_empty(),
                _ => correct_user && shown.iter().any(|w| w.alive),
            };
            let mut entry = vec![("ok".to_string(), J::Bool(ok))];
            if !shown.is_empty() {
                let list = shown
                    .iter()
                    .map(|w| {
                        J::obj([
                            // PHP array keys: ints in every version.
                            ("pid", J::n(w.pid)),
                            ("user", J::s(&q.user)),
                            ("alive", J::Bool(w.alive && correct_user)),
                            ("correct_user", J::Bool(correct_user)),
                            ("ok", J::Bool(w.alive && correct_user)),
                        ])
                    })
                    .collect();
                entry.push(("workers".to_string(), J::Arr(list)));
            }
            if q.name != "scheduler" {
                // Redis LLEN: an int in every version.
                entry.push(("jobCount".to_string(), J::n(q.jobs)));
            }
            out.push((q.name.to_string(), J::Obj(entry)));
        }
        out.push(("proc_accessible".to_string(), J::Bool(true)));
        // `MISP.manage_workers` when the config has it (2.5.1's default config and 2.4.199's
        // both say true), else 1, as the older CakeResque generation keeps it.
        let controls = match self.mode {
            WorkerMode::Legacy => J::n(1),
            _ => J::Bool(true),
        };
        out.push(("controls".to_string(), controls));
        if self.mode == WorkerMode::Supervisor {
            out.push(("supervisord_status".to_string(), J::Bool(self.supervisord)));
        }
        J::Obj(out)
    }

    /// First half of a restart call. `Err` means supervisord is unreachable (MISP lets
    /// that exception through as a 500). CakeResque removes dead registrations at once,
    /// the new workers only register later, as `start … &` does.
    pub(crate) fn begin_restart(&mut self, all: bool) -> Result<Option<Revival>, ()> {
        if self.mode == WorkerMode::Supervisor && !self.supervisord {
            return Err(());
        }
        if !self.background_jobs {
            return Ok(None);
        }
        if all {
            return Ok(Some(Revival::All));
        }
        if self.mode == WorkerMode::Supervisor {
            return Ok(Some(Revival::Dead));
        }
        let mut add = Vec::new();
        // A worker comes back with the queue CakeResque saved for it, `default` for the
        // scheduler: MISP never restarts a dead scheduler as one.
        let default = self.queues.iter().position(|q| q.name == "default");
        for (i, q) in self.queues.iter_mut().enumerate() {
            let before = q.workers.len();
            q.workers.retain(|w| w.alive);
            if q.workers.len() < before {
                let into = if q.name == "scheduler" {
                    default
                } else {
                    Some(i)
                };
                add.extend(into.map(|i| (i, before - q.workers.len())));
            }
        }
        Ok(Some(Revival::Add(add)))
    }

    /// `startWorker/<queue>`: supervisor mode starts a stopped process of the queue;
    /// CakeResque starts one more worker, but no scheduler while one is listed, dead or
    /// alive (CakeResque takes a listed pid for a running scheduler).
    pub(crate) fn start_worker(&mut self, queue: &str) -> bool {
        let Some(qi) = self.queues.iter().position(|q| q.name == queue) else {
            return false;
        };
        let fresh = self.fresh();
        let q = &mut self.queues[qi];
        match self.mode {
            WorkerMode::Supervisor => {
                if let Some(w) = q.workers.iter_mut().find(|w| !w.alive) {
                    *w = fresh;
                }
            }
            _ if queue == "scheduler" && !q.workers.is_empty() => {}
            _ => q.workers.push(fresh),
        }
        true
    }

    pub(crate) fn finish_restart(&mut self, rev: Revival, generation: u64) {
        if generation != self.generation {
            return;
        }
        match rev {
            Revival::All => self.reset_workers(),
            Revival::Dead => {
                for qi in 0..self.queues.len() {
                    for wi in 0..self.queues[qi].workers.len() {
                        if !self.queues[qi].workers[wi].alive {
                            let w = self.fresh();
                            self.queues[qi].workers[wi] = w;
                        }
                    }
                }
            }
            Revival::Add(add) => {
                let misregister = self.misregister.take();
                for (qi, n) in add {
                    let into = misregister
                        .filter(|(from, _)| *from == self.queues[qi].name)
                        .and_then(|(_, to)| self.queues.iter().position(|q| q.name == to))
                        .unwrap_or(qi);
                    for _ in 0..n {
                        let w = self.fresh();
                        self.queues[into].workers.push(w);
                    }
                }
            }
        }
    }

    /// Minimal event index (wire format §4) and the total for `X-Result-Count`.
    /// `limit` 0 means no limit, as when MISP gets none. Events come by id, or newest
    /// change first with `sort:timestamp/direction:desc`; `published` keeps only
    /// published (odd ids) or unpublished ones, as `searchpublished:1`/`:0` do.
    pub(crate) fn events_json(&self, q: &EventQuery) -> (J, u32) {
        let mut ids: Vec<u64> = (1..=u64::from(self.events))
            .filter(|id| q.published.is_none_or(|p| (id % 2 == 1) == p))
            .collect();
        if q.newest_first {
            ids.reverse();
        }
        let total = ids.len() as u64;
        let (from, to) = if q.limit == 0 {
            (0, total)
        } else {
            let from = q.limit.saturating_mul(q.page.max(1) - 1).min(total);
            (from, from.saturating_add(q.limit).min(total))
        };
        let newest_id = u64::from(self.events);
        let list = ids[usize::try_from(from).unwrap_or(0)..usize::try_from(to).unwrap_or(0)]
            .iter()
            .map(|&id| {
                let newest = self.newest_event.unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                        .saturating_sub(600)
                });
                let ts = newest.saturating_sub((newest_id - id) * 600);
                let seen = if id % 3 == 0 { ts + 120 } else { 0 };
                J::obj([
                    ("id", self.num(id)),
                    ("timestamp", self.num(ts)),
                    ("sighting_timestamp", self.num(seen)),
                    ("published", J::Bool(id % 2 == 1)),
                    ("uuid", J::Str(format!("5f0c7a37-6f3c-4a3b-b2b5-{id:012x}"))),
                    ("orgc_uuid", J::s("5d1b4f59-9a14-4f9d-8c3e-1f2a0242ac12")),
                ])
            })
            .collect();
        (J::Arr(list), u32::try_from(total).unwrap_or(u32::MAX))
    }

    pub(crate) fn set_stat(&mut self, key: &str, value: u64) {
        match self.stats.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.stats.push((key.to_string(), value)),
        }
    }

    /// `{"stats":{…}}`: strings since 2.5.0; 2.4 sends ints, and floats from `round()`.
    pub(crate) fn stats_json(&self) -> J {
        let stats = self.stats.iter().map(|(k, v)| {
            let val = match self.encoding {
                Encoding::V25 => J::Str(v.to_string()),
                Encoding::V24 if k == "attributes_per_event" || k == "average_user_per_org" => {
                    J::Num(format!("{v}.0"))
                }
                // CakePHP's count with a GROUP BY over no rows is false, not 0.
                Encoding::V24 if k == "contributing_org_count" && *v == 0 => J::Bool(false),
                Encoding::V24 => J::n(*v),
            };
            (k.clone(), val)
        });
        J::obj([("stats", J::obj(stats))])
    }

    /// A new session cookie as MISP sets it (the name carries the instance uuid; the
    /// heartbeat runs before MISP's session setup and gets CakePHP's default name).
    pub(crate) fn session_cookie(&mut self, heartbeat: bool) -> String {
        self.sessions += 1;
        let name = if heartbeat {
            "CAKEPHP".to_string()
        } else {
            format!("MISP-{INSTANCE_UUID}")
        };
        // 26 characters of [0-9a-v], as PHP's session ids.
        let mut n = self.sessions.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let id: String = (0..26)
            .map(|_| {
                let c = char::from_digit((n % 32) as u32, 32).unwrap_or('0');
                n = n.rotate_right(5) ^ self.sessions;
                c
            })
            .collect();
        format!("{name}={id}; Max-Age=216000; path=/; HttpOnly; SameSite=Lax")
    }

    /// Setting a fault for a prefix replaces any earlier one for the same prefix.
    pub(crate) fn set_fault(&mut self, prefix: Option<&str>, fault: Fault) {
        self.faults.retain(|(p, _)| p.as_deref() != prefix);
        self.faults.push((prefix.map(str::to_string), fault));
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The most recently set fault that applies to this path.
    pub(crate) fn fault_for(&self, path: &str) -> Option<Fault> {
        self.faults
            .iter()
            .rev()
            .find(|(p, _)| p.as_deref().is_none_or(|p| path.starts_with(p)))
            .map(|(_, f)| f.clone())
    }
}

/// Counter name of a request: `METHOD /controller/action`, without named or passed
/// params and without a `.json` extension, so every spelling of a call counts once.
pub(crate) fn endpoint(method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .take(2)
        .map(|s| s.strip_suffix(".json").unwrap_or(s))
        .take_while(|s| !s.contains(':'))
        .collect();
    format!("{} /{}", method.to_ascii_uppercase(), segs.join("/"))
}

/// What an `/events/index` request asks for.
#[derive(Debug, Default)]
pub(crate) struct EventQuery {
    pub limit: u64,
    pub page: u64,
    pub newest_first: bool,
    pub published: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoint_names() {
        assert_eq!(
            endpoint("GET", "/events/index/limit:5/page:1/searchminimal:1"),
            "GET /events/index"
        );
        assert_eq!(
            endpoint("GET", "/users/statistics/data.json"),
            "GET /users/statistics"
        );
        assert_eq!(
            endpoint("GET", "/users/statistics.json"),
            "GET /users/statistics"
        );
        assert_eq!(endpoint("post", "/"), "POST /");
    }
}
