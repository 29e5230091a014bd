//! `users`: users and organisations, from the statistics page `stats` reads (or its
//! cache, see [`crate::statistics`]).

use crate::words::plural;
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::misp::stats::Statistics;
use crate::outcome::{as_value, Metric, Outcome, Thresholds};
use clap::Args;

/// Users and organisations
#[derive(Debug, Args)]
pub struct Settings {
    #[command(flatten)]
    pub cache: crate::statistics::Cache,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["users", "orgs"];

    fn defaults(&self) -> Defaults {
        self.cache.defaults()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        self.cache.run(cx.thresholds(), || cx.client(), judge).await
    }
}

/// `-w`/`-c` on the users; the organisations are perfdata only.
pub fn judge(s: &Statistics, t: &Thresholds) -> Outcome {
    let mut out = Outcome::new(
        CheckName::Users,
        t.evaluate(as_value(s.users)),
        format!(
            "{} in {}",
            plural(s.users, "user"),
            plural(s.orgs, "organisation")
        ),
    );
    out.metrics = vec![
        Metric::count("users", as_value(s.users)).with_thresholds(t),
        Metric::count("orgs", as_value(s.orgs)),
    ];
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::tests::{th, S};
    use crate::outcome::State;

    #[test]
    fn users_judges_users() {
        let o = judge(&S, &th(Some("40"), Some("100")));
        assert_eq!(o.state, State::Warning);
        assert_eq!(o.summary, "42 users in 118 organisations");
        assert_eq!(o.metric("users"), Some(42.0));
        assert_eq!(o.metric("orgs"), Some(118.0));
        let one = Statistics {
            users: 1,
            orgs: 1,
            ..S
        };
        assert_eq!(
            judge(&one, &th(None, None)).summary,
            "1 user in 1 organisation"
        );
    }

}
