//! `all`: several checks at once, concurrently, in one process under one deadline.
//!
//! Each check was built exactly as if it ran alone (its own thresholds and, without `-t`,
//! its own timeout, inside the overall one). They run interleaved on the one-thread
//! runtime: every check spends its time waiting on the network, so a plain join of their
//! futures overlaps all the waiting, and the wall time is that of the slowest check.
//! A join rather than `tokio::spawn`/`JoinSet`, because spawned tasks must own their data
//! (`'static`); joined futures simply borrow the invocations.

use crate::cli::Invocation;
use crate::outcome::{Metric, Outcome, State};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use tokio::time::Instant;

type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// Runs every check concurrently and combines their outcomes; a check that fails becomes
/// an outcome with its error's state and message, so one failure never hides the others.
pub async fn run(subs: &[Invocation], deadline: Instant, verbose: u8) -> Outcome {
    let start = Instant::now();
    let running: Vec<Pending<'_>> = subs
        .iter()
        .map(|sub| {
            let own = deadline.min(start + sub.timeout);
            // Boxed: `run` calls this function, so its future cannot contain its own type.
            Box::pin(async move {
                super::run(sub, own).await.unwrap_or_else(|e| {
                    Outcome::new(sub.check.name(), e.state(sub.timeout_result), e.to_string())
                })
            }) as Pending<'_>
        })
        .collect();
    combine(join_all(running).await, verbose)
}

/// Polls every future until all are done; results keep the input order.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut done: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (future, slot) in futures.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

/// The worst state first, then one line per check (`\_[STATE] check - summary`, the
/// Monitoring Plugins 3 multi-line form), perfdata labels prefixed with the check's name.
pub fn combine(outcomes: Vec<Outcome>, verbose: u8) -> Outcome {
    let state = outcomes.iter().fold(State::Ok, |acc, o| acc.worst(o.state));
    let mut bad: Vec<&Outcome> = outcomes.iter().filter(|o| o.state != State::Ok).collect();
    bad.sort_by_key(|o| std::cmp::Reverse(severity(o.state)));
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

fn severity(s: State) -> u8 {
    match s {
        State::Ok => 0,
        State::Warning => 1,
        State::Unknown => 2,
        State::Critical => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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

    #[tokio::test(flavor = "current_thread")]
    async fn join_all_overlaps_waiting_and_keeps_order() {
        let start = Instant::now();
        let futures: Vec<Pin<Box<dyn Future<Output = u64>>>> = [300u64, 100, 200]
            .into_iter()
            .map(|ms| {
                Box::pin(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    ms
                }) as Pin<Box<dyn Future<Output = u64>>>
            })
            .collect();
        assert_eq!(join_all(futures).await, [300, 100, 200]);
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(550),
            "{took:?}"
        );
    }
}
