//! `all`: several checks at once, concurrently, in one process under one deadline.
//!
//! Each check was built exactly as if it ran alone (its own thresholds and, without `-t`,
//! its own timeout, inside the overall one). They run interleaved on the one-thread
//! runtime: every check spends its time waiting on the network, so a plain join of their
//! futures overlaps all the waiting, and the wall time is that of the slowest check.
//! A join rather than `tokio::spawn`/`JoinSet`, because spawned tasks must own their data
//! (`'static`); joined futures simply borrow the invocations.

use super::{stats, CheckArgs, Context, Invocation};
use crate::check_name::CheckName;
use crate::error::Error;
use crate::http::{Client, Kind};
use crate::invocation::Defaults;
use crate::misp::workers::MinWorkers;
use crate::outcome::{Metric, Outcome, State};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};
use hyper::Method;
use std::future::Future;
use std::pin::Pin;
use tokio::time::Instant;

/// Several checks at once, concurrently, one line each (--only CHECK,CHECK,...)
#[derive(Clone, Debug, Args)]
pub struct Settings {
    /// Run only these checks (repeatable or comma-separated) [default: all but heal; cert only for https://]
    #[arg(long, value_name = "CHECK", value_delimiter = ',', value_parser = check_to_run())]
    pub only: Vec<CheckName>,
    /// Live workers expected, for workers and heal: N for every queue, QUEUE=N for one
    #[arg(long, value_name = "N|QUEUE=N,...", value_parser = MinWorkers::parse)]
    pub min_workers: Option<MinWorkers>,
}

/// Any check but `all` itself, so that clap lists exactly what `--only` takes.
fn check_to_run() -> impl TypedValueParser<Value = CheckName> {
    let names = CheckName::value_variants()
        .iter()
        .filter(|c| **c != CheckName::All)
        .filter_map(ValueEnum::to_possible_value);
    PossibleValuesParser::new(names).try_map(|name| {
        CheckName::from_name(&name).ok_or_else(|| format!("'{name}' is not a check"))
    })
}

impl super::Check for Settings {
    const IN_ALL: bool = false;

    /// Never used to build: the command line builds each check with its own
    /// defaults.
    fn defaults(&self) -> Defaults {
        Defaults::without_thresholds()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        Ok(run(&cx.inv.subs, cx.deadline, cx.inv.opts.verbose).await)
    }
}

type Pending<'a> = Pin<Box<dyn Future<Output = Vec<(usize, Outcome)>> + 'a>>;

/// Runs every check concurrently and combines their outcomes; a check that fails becomes
/// an outcome with its error's state and message, so one failure never hides the others.
/// Checks that judge the same answer share one request (see [`Pair`]), so `all` sends
/// each distinct request once.
pub async fn run(subs: &[Invocation], deadline: Instant, verbose: u8) -> Outcome {
    let start = Instant::now();
    let pairs = pairs(subs);
    let running: Vec<Pending<'_>> = subs
        .iter()
        .enumerate()
        .filter_map(|(i, sub)| {
            let own = deadline.min(start + sub.opts.timeout);
            match pairs.iter().find(|p| p.first == i || p.second == i) {
                Some(pair) if pair.second == i => None,
                Some(&pair) => Some(Box::pin(shared(subs, pair, own)) as Pending<'_>),
                // Boxed: `run` calls this function, so its future cannot contain its own type.
                None => {
                    Some(Box::pin(async move { vec![(i, alone(sub, own).await)] }) as Pending<'_>)
                }
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

/// Two sub-checks that judge the same answer, by position: `workers` (without healing)
/// and `jobs` judge one getWorkers answer; `stats` and `users` one statistics answer;
/// `events` and `latency` one events index answer when latency times that very request
/// (its timings are then those of the request events judges). One site-admin request and
/// one TLS handshake less per pair and poll.
#[derive(Clone, Copy)]
struct Pair {
    first: usize,
    second: usize,
}

fn pairs(subs: &[Invocation]) -> Vec<Pair> {
    let find = |want: &dyn Fn(&CheckArgs) -> bool| subs.iter().position(|s| want(&s.check));
    let fetched = |c: &stats::Cache| c.cache_file.is_none() && !c.update_cache;
    let events_path = subs.iter().find_map(|s| match &s.check {
        CheckArgs::Events(e) => Some(super::events::index_path(e.limit)),
        _ => None,
    });
    let candidates = [
        (
            find(&|c| matches!(c, CheckArgs::Workers(w) if !w.restart_dead_workers)),
            find(&|c| matches!(c, CheckArgs::Jobs(_))),
        ),
        (
            find(&|c| matches!(c, CheckArgs::Stats(s) if fetched(&s.cache))),
            find(&|c| matches!(c, CheckArgs::Users(u) if fetched(&u.cache))),
        ),
        (
            find(&|c| matches!(c, CheckArgs::Events(_))),
            find(&|c| matches!(c, CheckArgs::Latency(l) if Some(l.path()) == events_path)),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|pair| match pair {
            // One deadline for both: only when they have the same timeout.
            (Some(first), Some(second)) if subs[first].opts.timeout == subs[second].opts.timeout => {
                Some(Pair { first, second })
            }
            _ => None,
        })
        .collect()
}

/// Fetches once for both checks of `pair` and judges the answer twice; a failed fetch
/// fails both, each with the same message.
async fn shared(subs: &[Invocation], pair: Pair, deadline: Instant) -> Vec<(usize, Outcome)> {
    let (a, b) = (&subs[pair.first], &subs[pair.second]);
    let client = match super::client(&a.opts, deadline) {
        Ok(client) => client,
        Err(e) => {
            return vec![
                (pair.first, super::failed(a, &e)),
                (pair.second, super::failed(b, &e)),
            ]
        }
    };
    match judge_both(a, b, &client).await {
        Ok(Some((mut first, second))) => {
            super::add_verbose_details(&a.opts, &client, &mut first);
            vec![(pair.first, first), (pair.second, second)]
        }
        Ok(None) => vec![
            (pair.first, alone(a, deadline).await),
            (pair.second, alone(b, deadline).await),
        ],
        Err(e) => {
            let e = super::whole_misp_failing(&client, e).await;
            let mut first = super::failed(a, &e);
            super::add_verbose_details(&a.opts, &client, &mut first);
            vec![(pair.first, first), (pair.second, super::failed(b, &e))]
        }
    }
}

async fn judge_both(
    a: &Invocation,
    b: &Invocation,
    client: &Client,
) -> Result<Option<(Outcome, Outcome)>, Error> {
    use super::{events, jobs, latency, users, workers};
    let (ta, tb) = (&a.opts.thresholds, &b.opts.thresholds);
    match (&a.check, &b.check) {
        (CheckArgs::Workers(w), CheckArgs::Jobs(j)) => {
            let table = workers::fetch(client).await?;
            Ok(Some((
                workers::judge(
                    CheckName::Workers,
                    &w.heal.rules().apply(table.clone()),
                    ta,
                ),
                jobs::judge(&table.without(&j.ignore_queue), tb),
            )))
        }
        (CheckArgs::Stats(_), CheckArgs::Users(_)) => {
            let figures = stats::fetch(client).await?;
            Ok(Some((stats::judge(&figures, ta), users::judge(&figures, tb))))
        }
        (CheckArgs::Events(e), CheckArgs::Latency(_)) => {
            let path = events::index_path(e.limit);
            let resp = client.send(Method::GET, &path, Kind::Rest).await?;
            let index = events::parse(&resp, &path)?;
            Ok(Some((
                events::judge(&index, &resp, ta, e.min_events, a.opts.timeout),
                latency::judge(&resp.timings, tb, b.opts.timeout),
            )))
        }
        // `pairs` only pairs the checks above.
        _ => Ok(None),
    }
}

/// The worst state first, then one line per check (`\_[STATE] check - summary`, the
/// Monitoring Plugins 3 multi-line form), perfdata labels prefixed with the check's name.
pub fn combine(outcomes: Vec<Outcome>, verbose: u8) -> Outcome {
    let state = outcomes.iter().fold(State::Ok, |acc, o| acc.worst(o.state));
    let mut bad: Vec<&Outcome> = outcomes.iter().filter(|o| o.state != State::Ok).collect();
    bad.sort_by_key(|o| std::cmp::Reverse(o.state.severity()));
    let summary = if bad.is_empty() {
        format!("all {} OK", super::words::plural(outcomes.len() as u64, "check"))
    } else {
        let names: Vec<String> = bad
            .iter()
            .map(|o| format!("{} {}", o.name(), o.state.label()))
            .collect();
        format!(
            "{} of {} checks not OK: {}",
            bad.len(),
            outcomes.len(),
            names.join(", ")
        )
    };
    let mut out = Outcome::new(CheckName::All, state, summary);
    for o in &outcomes {
        out.details.push(format!(
            "\\_[{}] {} - {}",
            o.state.label(),
            o.name(),
            o.summary
        ));
        if verbose > 0 {
            out.details
                .extend(o.details.iter().map(|d| format!("    {d}")));
        }
        out.metrics.extend(o.metrics.iter().map(|m| Metric {
            name: format!("{}_{}", o.name(), m.name),
            ..m.clone()
        }));
    }
    out.checks = outcomes;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(check: CheckName, state: State, metric: f64) -> Outcome {
        let mut o = Outcome::new(check, state, format!("{check} says {}", state.label()));
        o.metrics = vec![Metric::count("n", metric)];
        o.details = vec![format!("{check} detail")];
        o
    }

    #[test]
    fn worst_state_first_line_per_check_prefixed_perfdata() {
        let o = combine(
            vec![
                outcome(CheckName::Login, State::Ok, 1.0),
                outcome(CheckName::Version, State::Warning, 2.0),
                outcome(CheckName::Workers, State::Critical, 3.0),
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
        let quiet = combine(vec![outcome(CheckName::Login, State::Ok, 1.0)], 1);
        assert_eq!(quiet.summary, "all 1 check OK");
        assert_eq!(quiet.details[1], "    login detail");
    }
}
