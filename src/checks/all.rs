//! `all`: several checks at once, concurrently, in one process under one deadline.
//!
//! Each check was built exactly as if it ran alone (its own thresholds and, without `-t`,
//! its own timeout, inside the overall one). They run interleaved on the one-thread
//! runtime: every check spends its time waiting on the network, so a plain join of their
//! futures overlaps all the waiting, and the wall time is that of the slowest check.
//! A join rather than `tokio::spawn`/`JoinSet`, because spawned tasks must own their data
//! (`'static`); joined futures simply borrow the invocations.
//!
//! The checks share one [`Exchange`]: a request several of them make goes out once and each
//! judges its answer, so `all` knows nothing of which check reads what. Its outcome holds
//! each check's outcome as a subcheck, which `output` renders.

use super::{Context, Invocation};
use crate::check_name::CheckName;
use crate::error::Error;
use crate::http::Exchange;
use crate::invocation::Defaults;
use crate::misp::workers::MinWorkers;
use crate::outcome::{Outcome, State};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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
        Ok(run(&cx.inv.subs, cx.deadline).await)
    }
}

type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// Runs every check concurrently, each under its own timeout within `deadline`, and
/// combines their outcomes; a check that fails becomes an outcome with its error's state
/// and message, so one failure never hides the others.
pub async fn run(subs: &[Invocation], deadline: Instant) -> Outcome {
    let start = Instant::now();
    let exchange = Arc::new(Exchange::default());
    let running: Vec<Pending<'_>> = subs
        .iter()
        .map(|sub| {
            let cx = Context::new(sub, deadline.min(start + sub.opts.timeout))
                .sharing(exchange.clone());
            // Boxed: `run` calls this function, so its future cannot contain its own type.
            Box::pin(async move {
                super::run_in(cx)
                    .await
                    .unwrap_or_else(|e| super::failed(sub, &e))
            }) as Pending<'_>
        })
        .collect();
    combine(futures_util::future::join_all(running).await)
}

/// The worst state, a summary naming the checks that are not OK (worst first), and each
/// check's outcome as a subcheck, in the order run.
pub fn combine(outcomes: Vec<Outcome>) -> Outcome {
    let state = outcomes.iter().fold(State::Ok, |acc, o| acc.worst(o.state));
    let mut bad: Vec<&Outcome> = outcomes.iter().filter(|o| o.state != State::Ok).collect();
    bad.sort_by_key(|o| std::cmp::Reverse(o.state.severity()));
    let summary = if bad.is_empty() {
        format!("all {} OK", crate::words::plural(outcomes.len() as u64, "check"))
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
    out.checks = outcomes;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_state_and_the_checks_not_ok_worst_first() {
        // Any three checks: `all` judges outcomes, whoever made them.
        let [a, b, c] = [0, 1, 2].map(|i| CheckName::value_variants()[i]);
        let o = combine(vec![
            Outcome::new(a, State::Ok, "fine"),
            Outcome::new(b, State::Warning, "old"),
            Outcome::new(c, State::Critical, "dead"),
        ]);
        assert_eq!(o.state, State::Critical);
        assert_eq!(
            o.summary,
            format!("2 of 3 checks not OK: {c} CRITICAL, {b} WARNING")
        );
        let names: Vec<&str> = o.checks.iter().map(Outcome::name).collect();
        assert_eq!(names, [a.as_str(), b.as_str(), c.as_str()]);
        assert!(o.details.is_empty() && o.metrics.is_empty());
        let quiet = combine(vec![Outcome::new(a, State::Ok, "fine")]);
        assert_eq!(quiet.summary, "all 1 check OK");
    }
}
