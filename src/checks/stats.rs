//! `stats`: events and attributes modified this month, from MISP's statistics page or
//! its cache (see [`crate::statistics`]).

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::error::Error;
use crate::invocation::Defaults;
use crate::misp::stats::Statistics;
use crate::outcome::{as_value, Metric, Outcome, Thresholds};
use crate::statistics::Cache;
use crate::words::plural;
use clap::Args;

/// Events and attributes modified this month
#[derive(Debug, Args)]
pub struct Settings {
    #[command(flatten)]
    pub cache: Cache,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["events_month", "attributes_month"];

    fn defaults(&self) -> Defaults {
        self.cache.defaults()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        self.cache.run(cx.thresholds(), || cx.client(), judge).await
    }
}

/// `-w`/`-c` on the events modified this month; the attributes are perfdata only.
pub fn judge(s: &Statistics, t: &Thresholds) -> Outcome {
    let mut out = Outcome::new(
        CheckName::Stats,
        t.evaluate(as_value(s.events_month)),
        format!(
            "{} and {} modified this month",
            plural(s.events_month, "event"),
            plural(s.attributes_month, "attribute")
        ),
    );
    out.metrics = vec![
        Metric::count("events_month", as_value(s.events_month)).with_thresholds(t),
        Metric::count("attributes_month", as_value(s.attributes_month)),
    ];
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::State;
    use crate::statistics::tests::{th, S};

    #[test]
    fn stats_judges_events_this_month() {
        let o = judge(&S, &th(None, None));
        assert_eq!(o.state, State::Ok);
        assert_eq!(
            o.summary,
            "37 events and 4210 attributes modified this month"
        );
        assert_eq!(o.metric("events_month"), Some(37.0));
        assert_eq!(o.metric("attributes_month"), Some(4210.0));
        // Too little activity is the usual worry: -w 50: warns below 50 events.
        let o = judge(&S, &th(Some("50:"), Some("1:")));
        assert_eq!(o.state, State::Warning);
        assert_eq!(
            judge(&S, &th(None, Some("30"))).state,
            State::Critical
        );
    }

}
