//! `all`: several checks at once, concurrently, in one process under one deadline.
//!
//! Each check was built exactly as if it ran alone (its own thresholds and, without `-t`,
//! its own timeout, inside the overall one). They run interleaved on the one-thread
//! runtime: every check spends its time waiting on the network, so a plain join of their
//! futures overlaps all the waiting, and the wall time is that of the slowest check.
//! A join rather than `tokio::spawn`/`JoinSet`, because spawned tasks must own their data
//! (`'static`); joined futures simply borrow the invocations.

use crate::cli::{Check, Invocation};
use crate::outcome::{Metric, Outcome, State};
use std::future::Future;
use std::pin::Pin;
use tokio::time::Instant;

type Pending<'a> = Pin<Box<dyn Future<Output = Vec<(usize, Outcome)>> + 'a>>;

/// Runs every check concurrently and combines their outcomes; a check that fails becomes
/// an outcome with its error's state and message, so one failure never hides the others.
pub async fn run(subs: &[Invocation], deadline: Instant, verbose: u8) -> Outcome {
    let start = Instant::now();
    let shared = shared_worker_table(subs);
    let running: Vec<Pending<'_>> = subs
        .iter()
        .enumerate()
        .filter_map(|(i, sub)| {
            let own = deadline.min(start + sub.timeout);
            match shared {
                Some(pair) if pair.jobs == i => None,
                Some(pair) if pair.workers == i => {
                    Some(Box::pin(workers_and_jobs(subs, pair, own)) as Pending<'_>)
                }
                // Boxed: `run` calls this function, so its future cannot contain its own type.
                _ => Some(Box::pin(async move { vec![(i, alone(sub, own).await)] }) as Pending<'_>),
            }
        })
        .collect();
    let mut outcomes: Vec<(usize, Outcome)> = futures_util::future::join_all(running)
        .await
        .into_iter()
        .flatten()
        .collect();
    outcomes.sort_by_key(|(i, _)| *i);
    combine(outcomes.into_iter().map(|(_, o)| o).collect(), verbose)
}

async fn alone(sub: &Invocation, deadline: Instant) -> Outcome {
    super::run(sub, deadline)
        .await
        .unwrap_or_else(|e| super::failed(sub, &e))
}

/// Positions of a `workers` (without healing) and a `jobs` sub-check, when both run.
#[derive(Clone, Copy)]
struct SharedTable {
    workers: usize,
    jobs: usize,
}

fn shared_worker_table(subs: &[Invocation]) -> Option<SharedTable> {
    let workers = subs
        .iter()
        .position(|s| matches!(s.check, Check::Workers { heal: None, .. }))?;
    let jobs = subs
        .iter()
        .position(|s| matches!(s.check, Check::Jobs { .. }))?;
    Some(SharedTable { workers, jobs })
}

/// `workers` and `jobs` judge the same getWorkers answer: ask MISP once (one site-admin
/// request less per poll, and one TLS handshake less) and judge it twice.
async fn workers_and_jobs(
    subs: &[Invocation],
    pair: SharedTable,
    deadline: Instant,
) -> Vec<(usize, Outcome)> {
    let (w, j) = (&subs[pair.workers], &subs[pair.jobs]);
    let (
        Check::Workers { rules: w_rules, .. },
        Check::Jobs {
            ignore_queues: j_ignore,
        },
    ) = (&w.check, &j.check)
    else {
        return vec![
            (pair.workers, alone(w, deadline).await),
            (pair.jobs, alone(j, deadline).await),
        ];
    };
    let fetched = match super::client(w, deadline) {
        Ok(client) => super::workers::fetch(&client)
            .await
            .map(|table| (table, client)),
        Err(e) => Err(e),
    };
    match fetched {
        Ok((table, client)) => {
            let mut workers =
                super::workers::judge("workers", &w_rules.apply(table.clone()), &w.thresholds);
            super::add_verbose_details(w, &client, &mut workers);
            let jobs = super::jobs::judge(&table.without(j_ignore), &j.thresholds);
            vec![(pair.workers, workers), (pair.jobs, jobs)]
        }
        Err(e) => vec![
            (pair.workers, super::failed(w, &e)),
            (pair.jobs, super::failed(j, &e)),
        ],
    }
}

/// The worst state first, then one line per check (`\_[STATE] check - summary`, the
/// Monitoring Plugins 3 multi-line form), perfdata labels prefixed with the check's name.
pub fn combine(outcomes: Vec<Outcome>, verbose: u8) -> Outcome {
    let state = outcomes.iter().fold(State::Ok, |acc, o| acc.worst(o.state));
    let mut bad: Vec<&Outcome> = outcomes.iter().filter(|o| o.state != State::Ok).collect();
    bad.sort_by_key(|o| std::cmp::Reverse(o.state.severity()));
    let summary = if bad.is_empty() {
        format!("all {} OK", super::plural(outcomes.len() as u64, "check"))
    } else {
        let names: Vec<String> = bad
            .iter()
            .map(|o| format!("{} {}", o.check, o.state.label()))
            .collect();
        format!(
            "{} of {} checks not OK: {}",
            bad.len(),
            outcomes.len(),
            names.join(", ")
        )
    };
    let mut out = Outcome::new("all", state, summary);
    for o in &outcomes {
        out.details.push(format!(
            "\\_[{}] {} - {}",
            o.state.label(),
            o.check,
            o.summary
        ));
        if verbose > 0 {
            out.details
                .extend(o.details.iter().map(|d| format!("    {d}")));
        }
        out.metrics.extend(o.metrics.iter().map(|m| Metric {
            name: format!("{}_{}", o.check, m.name),
            ..m.clone()
        }));
    }
    out.checks = outcomes;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(check: &str, state: State, metric: f64) -> Outcome {
        let mut o = Outcome::new(check, state, format!("{check} says {}", state.label()));
        o.metrics = vec![Metric::count("n", metric)];
        o.details = vec![format!("{check} detail")];
        o
    }

    #[test]
    fn worst_state_first_line_per_check_prefixed_perfdata() {
        let o = combine(
            vec![
                outcome("login", State::Ok, 1.0),
                outcome("version", State::Warning, 2.0),
                outcome("workers", State::Critical, 3.0),
            ],
            0,
        );
        assert_eq!(o.state, State::Critical);
        assert_eq!(
            o.summary,
            "2 of 3 checks not OK: workers CRITICAL, version WARNING"
        );
        assert_eq!(
            o.details,
            [
                "\\_[OK] login - login says OK",
                "\\_[WARNING] version - version says WARNING",
                "\\_[CRITICAL] workers - workers says CRITICAL"
            ]
        );
        assert_eq!(o.metric("workers_n"), Some(3.0));
        assert_eq!(o.checks.len(), 3);
        let quiet = combine(vec![outcome("login", State::Ok, 1.0)], 1);
        assert_eq!(quiet.summary, "all 1 check OK");
        assert_eq!(quiet.details[1], "    login detail");
    }
}
