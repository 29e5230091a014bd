//! `freshness`: how long ago MISP last received or changed data, as the age of the newest
//! event change.
//!
//! One request: the minimal events index, newest change first, one event
//! (`sort:timestamp/direction:desc/limit:1`). An event's `timestamp` moves with every
//! change to it or to its attributes (MISP 2.5.1 bumps it when an attribute is added), so
//! the newest event also dates the newest attribute, and no attribute search is needed.
//! Publishing does not move `timestamp`; `--published` keeps only published events
//! (`searchpublished:1`). The minimal index leaves out events without attributes, which
//! carry no data to be fresh.

use crate::words::{human, utc};
use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::Kind;
use crate::misp;
use crate::outcome::{as_value, Metric, Outcome, State, Thresholds};
use crate::range::{Range, RangeUnit};
use clap::Args;
use hyper::Method;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: f64 = 86_400.0;

/// How long ago MISP's newest event changed (-w/-c as durations such as 1d; default -w 1d -c 3d)
#[derive(Debug, Args)]
pub struct Settings {
    /// Count only published events
    #[arg(long)]
    pub published: bool,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = &["age"];
    /// Left out of `all` unless named: how fresh is fresh depends on how a MISP is fed
    /// (feeds every hour, or analysts now and then), and a new, empty MISP would turn
    /// `all` UNKNOWN.
    const IN_ALL: bool = false;

    fn defaults(&self) -> Defaults {
        Defaults::new(RangeUnit::Seconds)
            .warn(Range::above(DAY))
            .crit(Range::above(3.0 * DAY))
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let path = self.path();
        let resp = cx.client()?.send(Method::GET, &path, Kind::Rest).await?;
        let json = misp::json(&resp, "GET", &path)?;
        let newest = newest(&json).map_err(|reason| Error::Malformed { path, reason })?;
        Ok(judge(
            newest.as_ref(),
            SystemTime::now(),
            self.published,
            cx.thresholds(),
        ))
    }
}

impl Settings {
    pub fn path(&self) -> String {
        let published = if self.published {
            "/searchpublished:1"
        } else {
            ""
        };
        format!("/events/index/sort:timestamp/direction:desc/limit:1/page:1/searchminimal:1{published}")
    }
}

/// The newest event as the index lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Newest {
    pub changed: SystemTime,
    pub id: String,
    pub uuid: String,
}

/// The first (newest) event of the index answer; `None` when MISP has none.
pub fn newest(v: &Value) -> Result<Option<Newest>, String> {
    misp::events::parse(v, None)?;
    let Some(first) = v.as_array().and_then(|events| events.first()) else {
        return Ok(None);
    };
    let field = first
        .get("timestamp")
        .ok_or("the newest event has no \"timestamp\"")?;
    let secs = misp::count(field, "the newest event's \"timestamp\"")?;
    let text = |key: &str| match first.get(key) {
        Some(Value::String(s)) => misp::one_line(s, 64),
        Some(other @ Value::Number(_)) => other.to_string(),
        _ => "?".to_owned(),
    };
    Ok(Some(Newest {
        changed: UNIX_EPOCH + Duration::from_secs(secs),
        id: text("id"),
        uuid: text("uuid"),
    }))
}

/// The age of the newest change against `-w`/`-c`, in whole seconds. No event is UNKNOWN:
/// there is nothing to be fresh or stale. A change dated ahead of this host's clock by
/// more than [`crate::words::CLOCK_SKEW`] is UNKNOWN too, since its age cannot be known; within
/// that skew the age is zero.
pub fn judge(
    newest: Option<&Newest>,
    now: SystemTime,
    published: bool,
    t: &Thresholds,
) -> Outcome {
    let what = if published {
        "published event"
    } else {
        "event"
    };
    let Some(newest) = newest else {
        return Outcome::new(
            CheckName::Freshness,
            State::Unknown,
            format!("no {what} with attributes in MISP: there is no data to measure the age of"),
        );
    };
    let event = format!("event {} ({})", newest.id, newest.uuid);
    if let Some(ahead) = crate::words::in_future(newest.changed, now) {
        let mut out = Outcome::new(
            CheckName::Freshness,
            State::Unknown,
            format!(
                "the newest {what} changed {} in the future ({}): is MISP's or this host's clock wrong?",
                human(ahead),
                utc(newest.changed)
            ),
        );
        out.details.push(event);
        return out;
    }
    let age = now.duration_since(newest.changed).unwrap_or_default();
    let secs = as_value(age.as_secs());
    let mut out = Outcome::new(
        CheckName::Freshness,
        t.evaluate(secs),
        format!(
            "the newest {what} changed {} ago ({})",
            human(age),
            utc(newest.changed)
        ),
    );
    out.details.push(event);
    out.metrics = vec![Metric::seconds("age", secs).with_thresholds(t)];
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn defaults() -> Thresholds {
        let d = Settings { published: false }.defaults();
        let t = d.thresholds.unwrap();
        Thresholds {
            warn: t.warn,
            crit: t.crit,
        }
    }

    fn newest_at(secs: u64) -> Newest {
        Newest {
            changed: at(secs),
            id: "7".into(),
            uuid: "5f0c7a37-6f3c-4a3b-b2b5-000000000007".into(),
        }
    }

    #[test]
    fn age_against_a_day_and_three_days() {
        let t = defaults();
        let o = judge(Some(&newest_at(NOW - 7200)), at(NOW), false, &t);
        assert_eq!(o.state, State::Ok);
        assert_eq!(
            o.summary,
            "the newest event changed 2h ago (2027-01-15T06:00:00Z)"
        );
        assert_eq!(o.metric("age"), Some(7200.0));
        assert_eq!(
            o.details,
            ["event 7 (5f0c7a37-6f3c-4a3b-b2b5-000000000007)"]
        );
        let two_days = judge(Some(&newest_at(NOW - 2 * 86_400)), at(NOW), true, &t);
        assert_eq!(two_days.state, State::Warning);
        assert!(two_days.summary.starts_with("the newest published event changed 2days ago"));
        let four_days = judge(Some(&newest_at(NOW - 4 * 86_400)), at(NOW), false, &t);
        assert_eq!(four_days.state, State::Critical);
    }

    #[test]
    fn no_event_and_a_future_change_are_unknown() {
        let t = defaults();
        let empty = judge(None, at(NOW), false, &t);
        assert_eq!(empty.state, State::Unknown);
        assert_eq!(
            empty.summary,
            "no event with attributes in MISP: there is no data to measure the age of"
        );
        assert!(empty.metrics.is_empty());
        assert!(judge(None, at(NOW), true, &t)
            .summary
            .starts_with("no published event"));
        let ahead = judge(Some(&newest_at(NOW + 3600)), at(NOW), false, &t);
        assert_eq!(ahead.state, State::Unknown);
        assert!(ahead.summary.contains("1h in the future"), "{}", ahead.summary);
        // Within the skew allowed between clocks: just changed.
        let skewed = judge(Some(&newest_at(NOW + 60)), at(NOW), false, &t);
        assert_eq!((skewed.state, skewed.metric("age")), (State::Ok, Some(0.0)));
    }

    #[test]
    fn reads_the_newest_event_in_both_encodings() {
        let v25 = json!([{"id": "12", "timestamp": "1729407200", "uuid": "u-12", "published": false}]);
        let n = newest(&v25).unwrap().unwrap();
        assert_eq!((n.changed, n.id.as_str()), (at(1_729_407_200), "12"));
        let v24 = json!([{"id": 12, "timestamp": 1_729_407_200, "uuid": "u-12"}]);
        assert_eq!(newest(&v24).unwrap().unwrap().id, "12");
        assert_eq!(newest(&json!([])).unwrap(), None);
        for bad in [
            json!({"name": "Not Found"}),
            json!([{"id": "1", "uuid": "u"}]),
            json!([{"id": "1", "uuid": "u", "timestamp": "soon"}]),
            json!([{"id": "1", "uuid": "u", "timestamp": -5}]),
        ] {
            assert!(newest(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn published_only_asks_misp_to_filter() {
        assert_eq!(
            Settings { published: false }.path(),
            "/events/index/sort:timestamp/direction:desc/limit:1/page:1/searchminimal:1"
        );
        assert!(Settings { published: true }
            .path()
            .ends_with("/searchminimal:1/searchpublished:1"));
    }
}
