//! `heal` (also `workers --restart-dead-workers`): restart dead workers, only when some are
//! dead, never twice within the cooldown, and say whether it worked.
//!
//! The POST happens only after the worker table shows something dead, and a state file
//! under a lock makes concurrent pollers (several OpenNMS or Icinga instances watching one
//! MISP) restart once.

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::error::{Error, Phase};
use crate::http::{Client, Kind};
use crate::invocation::{parse_duration, Defaults};
use crate::memory;
use crate::misp;
use crate::misp::workers::{Queue, WorkerTable, SCHEDULER};
use crate::outcome::{Metric, Outcome, State, Thresholds};
use crate::queues::{self, QueueArgs};
use clap::Args;
use hyper::Method;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const RESTART: &str = "/servers/restartDeadWorkers";

/// Workers, restarting dead ones when needed (also: workers --restart-dead-workers)
#[derive(Debug, Args)]
pub struct Settings {
    /// Never restart twice within this time
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub cooldown: Duration,
    /// Where the last restart is remembered [default: heal-<url hash>.json in --state-dir]
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// Wait this long after a restart before re-checking
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub settle: Duration,
    #[command(flatten)]
    pub queues: QueueArgs,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = queues::LAYOUT;
    /// A restart is opt-in, never a side effect of `all`.
    const IN_ALL: bool = false;

    fn defaults(&self) -> Defaults {
        queues::defaults()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        heal(cx.client()?, cx.thresholds(), self, cx.state_dir()).await
    }
}

/// What the first look at the workers calls for.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing is wrong.
    Healthy,
    /// Something is wrong that no request to MISP would mend: why, for the status line.
    Leave(&'static str),
    /// Something is dead that these requests should bring back.
    Restart(Plan),
}

/// The pure part of a heal: whether, and how, to restart, from the worker table as judged
/// (queue rules and usual counts applied, so a queue below its usual count has workers
/// supervisord can start).
pub fn decide(before: &WorkerTable) -> Decision {
    if queues::healthy(before) {
        return Decision::Healthy;
    }
    if before.supervisord_status == Some(false) {
        return Decision::Leave(
            "restart not attempted: MISP restarts workers through supervisord, which is down",
        );
    }
    if before.unlisted() {
        return Decision::Leave(
            "restart not attempted: workers cannot start while MISP cannot list them",
        );
    }
    if !queues::needs_restart(before) {
        return Decision::Leave(
            "restart not attempted: no worker is dead, and a restart cannot change the user workers run as",
        );
    }
    match plan(before) {
        Some(plan) => Decision::Restart(plan),
        None => Decision::Leave(SCHEDULER_BY_HAND),
    }
}

/// Checks the workers and heals them if needed: read, [`decide`], claim the restart
/// under the cooldown, POST, settle, read again.
pub async fn heal(
    client: &Client,
    t: &Thresholds,
    settings: &Settings,
    state_dir: Option<&Path>,
) -> Result<Outcome, Error> {
    let (before, memory_note) = match settings.queues.read(client, state_dir).await {
        Ok(read) => read,
        Err(e @ Error::WorkersUnlisted(_)) => {
            // MISP's restart starts from the same worker list that just failed.
            let why = format!("{e}; restart not attempted: MISP cannot restart workers it cannot list");
            let mut out = Outcome::new(CheckName::Heal, State::Critical, why);
            out.metrics.push(Metric::count("restarted", 0.0));
            return Ok(out);
        }
        Err(e) => return Err(e),
    };
    let mut notes: Vec<String> = memory_note.into_iter().collect();
    let plan = match decide(&before) {
        Decision::Healthy => {
            let mut out = queues::judge(CheckName::Heal, &before, t);
            out.metrics.push(Metric::count("restarted", 0.0));
            out.details.extend(notes);
            return Ok(out);
        }
        Decision::Leave(why) => return Ok(with_notes(not_restarted(&before, t, why), notes)),
        Decision::Restart(plan) => plan,
    };
    match claim_restart(client, settings, state_dir).await {
        Ok(note) => notes.extend(note),
        Err(why) => return Ok(with_notes(not_restarted(&before, t, &why), notes)),
    }
    let posted_at = SystemTime::now();
    if let Err(out) = post(client, &plan, &before, t).await {
        return Ok(with_notes(out, notes));
    }
    if plan.start_scheduler {
        notes.push(format!("CakeResque's scheduler started on its own (POST {START_SCHEDULER}): MISP's dead-worker restart would start a default worker in its place"));
    }
    // Leave the re-check a third of what remains, so a long --settle cannot eat the
    // deadline and turn a heal into a timeout.
    let remaining = client
        .deadline()
        .saturating_duration_since(tokio::time::Instant::now());
    let settle = settings.settle.min(remaining.mul_f64(2.0 / 3.0));
    if settle < settings.settle {
        notes.push(format!(
            "settle shortened to {} to fit --timeout",
            humantime::format_duration(Duration::from_millis(
                u64::try_from(settle.as_millis()).unwrap_or(u64::MAX)
            ))
        ));
    }
    let out = match recheck(client, settle, &settings.queues, state_dir).await {
        Ok(after) => judge_after(&before, &after, t),
        Err(e) => {
            // The restart happened: a failed re-check must not hide what was dead and when
            // it was restarted, which is what the person paged needs first.
            let when = humantime::format_rfc3339_seconds(posted_at);
            let why = format!("restart POSTed at {when}, but the re-check failed: {e}");
            interrupted(&before, t, &why, true)
        }
    };
    Ok(with_notes(out, notes))
}

fn with_notes(mut out: Outcome, notes: Vec<String>) -> Outcome {
    out.details.extend(notes);
    out
}

/// Takes the restart for this poller if the cooldown allows: `Ok` with a note about the
/// state file, if any, or `Err` with why no restart is attempted.
async fn claim_restart(
    client: &Client,
    settings: &Settings,
    state_dir: Option<&Path>,
) -> Result<Option<String>, String> {
    let identity = client.base().identity();
    let path = match &settings.state_file {
        Some(p) => p.clone(),
        None => memory::path(state_dir, "heal", &identity)
            .map_err(|e| format!("restart not attempted: {e}"))?,
    };
    match claim(client, &path, &identity, settings.cooldown).await {
        Ok(Claim::Granted { note }) => Ok(note),
        Ok(Claim::CoolingDown { ago }) => Err(format!(
            "restart skipped: the last restart was {} ago, within the {} cooldown",
            crate::words::human(ago),
            crate::words::human(settings.cooldown)
        )),
        // The outage is already known: another poller stuck with the lock must not turn it
        // into a bare timeout that hides which queue is down.
        Err(ClaimError::Deadline) => Err(
            "restart not attempted: another poller held the heal lock until the deadline".into(),
        ),
        Err(ClaimError::File(e)) => Err(format!("restart not attempted: {e}")),
    }
}

/// Sends the plan's requests; `Err` is the outcome when one failed or MISP refused.
async fn post(client: &Client, plan: &Plan, before: &WorkerTable, t: &Thresholds) -> Result<(), Outcome> {
    let mut posted = false;
    for path in plan.requests() {
        let answer = match request_restart(client, path).await {
            Ok(answer) => answer,
            Err(e) => {
                let why = format!("the restart request failed: {e}");
                return Err(interrupted(before, t, &why, posted));
            }
        };
        posted = true;
        if answer.get("success").and_then(misp::flag) == Some(false) {
            let msg = answer
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or("no reason given");
            return Err(not_restarted(
                before,
                t,
                &format!("MISP refused the restart: {}", misp::one_line(msg, 200)),
            ));
        }
    }
    Ok(())
}

async fn recheck(
    client: &Client,
    settle: Duration,
    queues: &QueueArgs,
    state_dir: Option<&Path>,
) -> Result<WorkerTable, Error> {
    client.sleep(settle, Phase::Settling).await?;
    Ok(queues.read(client, state_dir).await?.0)
}

async fn request_restart(client: &Client, path: &str) -> Result<serde_json::Value, Error> {
    let resp = client.send(Method::POST, path, Kind::Rest).await?;
    misp::json(&resp, "POST", path)
}

const START_SCHEDULER: &str = "/servers/startWorker/scheduler";

/// Said when only CakeResque's scheduler is dead and still listed: nothing through MISP
/// brings it back, and a POST at every cooldown would only add default workers.
const SCHEDULER_BY_HAND: &str = "restart not attempted: MISP cannot restart CakeResque's scheduler while its dead process is listed (its dead-worker restart starts a default worker in its place); run app/Console/worker/start.sh as the web server's user";

/// Which restart requests a heal sends.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// `POST /servers/restartDeadWorkers`: every queue but CakeResque's scheduler.
    pub restart_dead: bool,
    /// `POST /servers/startWorker/scheduler`, after the first if both.
    pub start_scheduler: bool,
}

impl Plan {
    fn requests(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.restart_dead, RESTART),
            (self.start_scheduler, START_SCHEDULER),
        ]
        .into_iter()
        .filter_map(|(send, path)| send.then_some(path))
    }
}

/// What to ask MISP for, or `None` when nothing it offers would help. restartDeadWorkers
/// restarts each dead worker with the queue saved for it, and CakeResque saves `default`
/// for its scheduler: a dead scheduler comes back as one more default worker. Its own
/// start (startWorker/scheduler) works only once no dead scheduler is listed, since
/// CakeResque takes a listed pid for a running scheduler; restartDeadWorkers unlists it.
pub fn plan(table: &WorkerTable) -> Option<Plan> {
    let cakeresque = !table.supervisor_mode();
    let is_scheduler = |q: &&Queue| cakeresque && q.name == SCHEDULER;
    let restart_dead = table
        .queues
        .iter()
        .filter(|q| !is_scheduler(q))
        .any(|q| q.dead() > 0 || q.is_down());
    let scheduler = table.queues.iter().find(|q| is_scheduler(q));
    let start_scheduler =
        scheduler.is_some_and(|q| q.is_down() && (q.workers.is_empty() || restart_dead));
    (restart_dead || start_scheduler).then_some(Plan {
        restart_dead,
        start_scheduler,
    })
}

/// What the first look found dead, for messages written after the restart.
fn was_dead(before: &WorkerTable) -> String {
    let b = before.summary();
    if b.queues_down.is_empty() {
        format!("{} dead", b.dead)
    } else {
        format!(
            "{} dead, no live worker in {}",
            b.dead,
            b.queues_down.join(", ")
        )
    }
}

/// The heal could not finish: CRITICAL, since nothing shows the workers came back.
fn interrupted(before: &WorkerTable, t: &Thresholds, why: &str, restarted: bool) -> Outcome {
    let mut out = queues::judge(CheckName::Heal, before, t);
    out.state = State::Critical;
    out.summary = format!("dead workers ({}): {why}", was_dead(before));
    out.metrics
        .push(Metric::count("restarted", if restarted { 1.0 } else { 0.0 }));
    out
}

/// After a restart: healed is WARNING (the outage still happened and should be seen,
/// which `okko` turns into KO), not healed is CRITICAL.
pub fn judge_after(before: &WorkerTable, after: &WorkerTable, t: &Thresholds) -> Outcome {
    let was = was_dead(before);
    let mut out = queues::judge(CheckName::Heal, after, t);
    if !queues::needs_restart(after) {
        // Healed, but what a restart cannot mend (workers of another user) still counts.
        out.state = out.state.worst(State::Warning);
        out.summary = format!(
            "healed: restarted dead workers ({was}); now {}",
            out.summary
        );
    } else {
        out.state = State::Critical;
        out.summary = format!(
            "not healed: restarted dead workers ({was}) but {}",
            out.summary
        );
        out.details.extend(misregistered(before, after));
    }
    out.metrics.push(Metric::count("restarted", 1.0));
    out
}

/// CakeResque names a new worker's pidfile after the time: two started at once can swap
/// settings, and a restarted worker then serves another queue. Seen as a queue still empty
/// beside one that gained workers.
fn misregistered(before: &WorkerTable, after: &WorkerTable) -> Option<String> {
    let had = |name: &str| {
        before
            .queues
            .iter()
            .find(|q| q.name == name)
            .map_or(0, |q| q.workers.len() as u64)
    };
    let empty: Vec<&str> = after
        .queues
        .iter()
        .filter(|q| q.is_down())
        .map(|q| q.name.as_str())
        .collect();
    let gained: Vec<&str> = after
        .queues
        .iter()
        .filter(|q| q.alive() > had(&q.name))
        .map(|q| q.name.as_str())
        .collect();
    if empty.is_empty() || gained.is_empty() {
        return None;
    }
    let verb = if empty.len() == 1 { "is" } else { "are" };
    Some(format!(
        "{} {verb} still empty while {} got more workers than it had: a restarted worker may have registered under the wrong queue (CakeResque's start race); run app/Console/worker/start.sh as the web server's user",
        empty.join(", "),
        gained.join(", ")
    ))
}

fn not_restarted(before: &WorkerTable, t: &Thresholds, why: &str) -> Outcome {
    let mut out = queues::judge(CheckName::Heal, before, t);
    out.summary = format!("{}; {why}", out.summary);
    out.metrics.push(Metric::count("restarted", 0.0));
    out
}

#[derive(Debug)]
enum Claim {
    Granted { note: Option<String> },
    CoolingDown { ago: Duration },
}

#[derive(Debug)]
enum ClaimError {
    Deadline,
    File(String),
}

#[derive(serde::Serialize, serde::Deserialize)]
struct HealState {
    url: String,
    last_restart: u64,
}

/// Takes the lock, reads the last restart, and records a new one if the cooldown allows.
/// The restart is recorded *before* the POST so that a concurrent poller waiting on the
/// lock sees it and stands down.
async fn claim(
    client: &Client,
    path: &Path,
    identity: &str,
    cooldown: Duration,
) -> Result<Claim, ClaimError> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let file_err = |what: &str, e: std::io::Error| {
        ClaimError::File(format!("cannot {what} {}: {e}", lock_path.display()))
    };
    let lock = {
        use std::os::unix::fs::OpenOptionsExt;
        // A link planted in a shared state directory would have a root poller create or
        // open any file it points to.
        let no_follow = crate::secret::open_flags(rustix::fs::OFlags::NOFOLLOW);
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(no_follow)
            .open(&lock_path)
            .map_err(|e| file_err("open the heal lock", e))?
    };
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) => {
                if tokio::time::Instant::now() + Duration::from_millis(20) >= client.deadline() {
                    return Err(ClaimError::Deadline);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(fs::TryLockError::Error(e)) => return Err(file_err("lock", e)),
        }
    }
    let now_t = SystemTime::now();
    let now = now_t
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let shown = path.display().to_string();
    let note = match fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        // Never read (a FIFO would block, a device never end) nor renamed over.
        Ok(m) if !m.is_file() => {
            let kind = if m.is_dir() {
                "a directory"
            } else {
                "a FIFO, device or socket"
            };
            return Err(ClaimError::File(format!(
                "state file {shown} is {kind}, not a regular file: use another --state-file"
            )));
        }
        Ok(m) if m.len() > STATE_LIMIT => Some(format!(
            "state file {shown} was corrupt (larger than 4 KiB) and has been rewritten"
        )),
        _ => match fs::read(path) {
            Ok(bytes) => match prior(&bytes, &shown, identity, now_t, cooldown) {
                Prior::CoolingDown(ago) => return Ok(Claim::CoolingDown { ago }),
                Prior::Clear(note) => note,
            },
            Err(e) => {
                return Err(ClaimError::File(format!(
                    "cannot read state file {shown}: {e}"
                )))
            }
        },
    };
    let state = HealState {
        url: identity.to_owned(),
        last_restart: now,
    };
    let bytes = serde_json::to_vec(&state).unwrap_or_default();
    crate::atomic::write(path, &bytes).map_err(|e| {
        ClaimError::File(format!("cannot write state file {}: {e}", path.display()))
    })?;
    drop(lock);
    Ok(Claim::Granted { note })
}

/// Ours is about 80 bytes; a larger "state file" is something else.
const STATE_LIMIT: u64 = 4096;

/// What a state file's bytes say about restarting now.
#[derive(Debug, PartialEq, Eq)]
pub enum Prior {
    /// This MISP was restarted this long ago, within the cooldown: do not restart.
    CoolingDown(Duration),
    /// Restarting is allowed; the note (for the long output) says what was wrong with the
    /// file, if anything.
    Clear(Option<String>),
}

/// Judges the state file's `bytes` (`shown` names the file in notes) for the MISP
/// `identity` at `now`. A restart recorded in the future never happened (a clock stepped
/// back, a hand-edited file): honouring it would block healing until that date, so it is
/// ignored, and said.
pub fn prior(
    bytes: &[u8],
    shown: &str,
    identity: &str,
    now: SystemTime,
    cooldown: Duration,
) -> Prior {
    let Ok(state) = serde_json::from_slice::<HealState>(bytes) else {
        return Prior::Clear(Some(format!(
            "state file {shown} was corrupt and has been rewritten"
        )));
    };
    let recorded = UNIX_EPOCH.checked_add(Duration::from_secs(state.last_restart));
    let Some(recorded) = recorded.filter(|t| crate::words::in_future(*t, now).is_none()) else {
        return Prior::Clear(Some(format!(
            "state file {shown} records a restart in the future ({}): ignored",
            recorded.map_or_else(|| format!("Unix time {}", state.last_restart), crate::words::utc)
        )));
    };
    // Ahead by no more than the skew allowed between hosts: just now.
    let ago = now.duration_since(recorded).unwrap_or_default();
    if state.url == identity && ago.as_secs() < cooldown.as_secs() {
        Prior::CoolingDown(Duration::from_secs(ago.as_secs()))
    } else {
        Prior::Clear(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::Range;
    use serde_json::json;

    fn table(email_alive: bool) -> WorkerTable {
        let ok = json!([{"pid": 1, "user": "www-data", "alive": true, "correct_user": true, "ok": true}]);
        let email = if email_alive {
            json!({"ok": true, "workers": ok, "jobCount": 0})
        } else {
            json!({"ok": false, "jobCount": 0})
        };
        misp::workers::parse(&json!({
            "cache": {"ok": true, "workers": ok, "jobCount": 0},
            "default": {"ok": true, "workers": ok, "jobCount": 0},
            "email": email,
            "prio": {"ok": true, "workers": ok, "jobCount": 0},
            "update": {"ok": true, "workers": ok, "jobCount": 0},
            "supervisord_status": true
        }))
        .unwrap()
    }

    #[test]
    fn healed_is_warning_and_not_healed_critical() {
        let t = Thresholds::default().or_defaults(Some(Range::above(0.0)), None);
        let healed = judge_after(&table(false), &table(true), &t);
        assert_eq!(healed.state, State::Warning);
        assert!(healed.summary.starts_with("healed:"), "{}", healed.summary);
        assert_eq!(healed.metric("restarted"), Some(1.0));
        let not = judge_after(&table(false), &table(false), &t);
        assert_eq!(not.state, State::Critical);
        assert!(not.summary.starts_with("not healed:"), "{}", not.summary);
    }

    #[test]
    fn the_decision_restarts_only_what_a_restart_can_mend() {
        let restart = Decision::Restart(Plan {
            restart_dead: true,
            start_scheduler: false,
        });
        assert_eq!(decide(&table(true)), Decision::Healthy);
        assert_eq!(decide(&table(false)), restart);
        let mut blind = table(false);
        blind.supervisord_status = Some(false);
        assert!(matches!(decide(&blind), Decision::Leave(why) if why.contains("supervisord")));
        // One of five default workers gone from the list, against the usual five.
        let (url, day) = ("http://misp", 86_400);
        let (_, usual) = table(true).with_usual(None, url, 0, day);
        let mut layout = table(true);
        let five = layout.queues[1].workers[0].clone();
        layout.queues[1].workers = vec![five; 5];
        let (_, usual) = layout.with_usual(Some(&usual), url, 1, day);
        let (short, _) = table(true).with_usual(Some(&usual), url, 2, day);
        assert_eq!(decide(&short), restart);
        assert_eq!(decide(&table(true).with_usual(None, url, 2, day).0), Decision::Healthy);
    }

    fn cakeresque(scheduler: serde_json::Value, update_alive: bool) -> WorkerTable {
        let w = |alive: bool| json!([{"pid": 1, "user": "www-data", "alive": alive, "correct_user": true, "ok": alive}]);
        misp::workers::parse(&json!({
            "cache": {"ok": true, "workers": w(true), "jobCount": 0},
            "default": {"ok": true, "workers": w(true), "jobCount": 0},
            "email": {"ok": true, "workers": w(true), "jobCount": 0},
            "prio": {"ok": true, "workers": w(true), "jobCount": 0},
            "update": {"ok": update_alive, "workers": w(update_alive), "jobCount": 0},
            "scheduler": scheduler,
            "proc_accessible": true, "controls": true
        }))
        .unwrap()
    }

    #[test]
    fn a_listed_dead_scheduler_alone_gets_no_request() {
        let dead = json!({"ok": false, "workers": [{"pid": 7, "user": "www-data", "alive": false, "correct_user": true, "ok": false}]});
        let plan_for = |sched: &serde_json::Value, update_alive| plan(&cakeresque(sched.clone(), update_alive));
        assert_eq!(plan_for(&dead, true), None);
        // restartDeadWorkers unlists it, after which its own start works.
        let both = Some(Plan {
            restart_dead: true,
            start_scheduler: true,
        });
        assert_eq!(plan_for(&dead, false), both);
        assert_eq!(
            plan_for(&json!({"ok": false}), true),
            Some(Plan {
                restart_dead: false,
                start_scheduler: true
            })
        );
        // Supervisor mode has no scheduler of its own: one restart for everything.
        let mut t = table(false);
        t.queues.push(misp::workers::Queue {
            name: "scheduler".into(),
            workers: vec![],
            job_count: None,
            min_workers: None,
            usual: false,
        });
        assert_eq!(
            plan(&t),
            Some(Plan {
                restart_dead: true,
                start_scheduler: false
            })
        );
    }
}
