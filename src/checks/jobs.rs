//! `jobs`: the backlog, summed over every queue.

use std::fmt::Write as _;
use super::words::plural;
use super::{workers, Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::misp::workers::WorkerTable;
use crate::outcome::{as_value, Metric, Outcome, Thresholds};
use crate::range::RangeUnit;
use clap::Args;

/// Jobs waiting in the worker queues, summed (-w/-c on the total)
#[derive(Debug, Args)]
pub struct Settings {
    /// Leave this queue out of the sum (repeatable or comma-separated)
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub ignore_queue: Vec<String>,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["jobs"];

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Count)
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let table = workers::fetch(cx.client()?).await?;
        Ok(judge(&table.without(&self.ignore_queue), cx.thresholds()))
    }
}

/// The total against `-w`/`-c`.
pub fn judge(table: &WorkerTable, t: &Thresholds) -> Outcome {
    let s = table.summary();
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
    let mut out = Outcome::new(CheckName::Jobs, t.evaluate(as_value(s.jobs)), summary);
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
    use crate::outcome::State;
    use crate::range::{Range, RangeUnit};
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
}
