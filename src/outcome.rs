//! What a check found: a state, a one-line summary, metrics and detail lines.

use crate::check_name::CheckName;
use crate::range::Range;

/// Service state, in the Monitoring Plugins sense. The discriminant is the exit code; the
/// variants' comments are the help of `--timeout-result`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Exit 0.
    Ok = 0,
    /// Exit 1.
    Warning = 1,
    /// Exit 2.
    Critical = 2,
    /// Exit 3.
    Unknown = 3,
}

impl State {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Upper-case name as shown on the status line.
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// How bad a state is when several are combined, the one ordering used everywhere
    /// (`all`, diagnostics' findings): CRITICAL outranks UNKNOWN (a known outage matters
    /// more than a failure to look), which outranks WARNING.
    pub fn severity(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Unknown => 2,
            State::Critical => 3,
        }
    }

    pub fn worst(self, other: State) -> State {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

/// A count as the float that perfdata and ranges hold.
#[allow(
    clippy::cast_precision_loss,
    reason = "f64 holds every integer up to 2^53 (9e15) exactly; no count of events, workers, jobs or bytes comes near"
)]
pub fn as_value(n: u64) -> f64 {
    n as f64
}

/// Unit of measurement, as perfdata spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A count of things.
    None,
    Seconds,
    Bytes,
}

impl Unit {
    /// The perfdata UOM suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::None => "",
            Unit::Seconds => "s",
            Unit::Bytes => "B",
        }
    }
}

/// One measured value, with the thresholds it was judged against.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit of `value`, `min` and `max`.
    pub unit: Unit,
    pub warn: Option<Range>,
    pub crit: Option<Range>,
    /// Smallest possible value, when known.
    pub min: Option<f64>,
    /// Largest possible value, when known.
    pub max: Option<f64>,
    /// The queue a per-queue value is about. `name` already ends in `_<queue>`, so perfdata
    /// stays flat; Prometheus turns it into a `queue` label instead.
    pub queue: Option<String>,
}

impl Metric {
    /// A count with minimum 0 and no thresholds.
    pub fn count(name: impl Into<String>, value: f64) -> Self {
        Metric {
            name: name.into(),
            value,
            unit: Unit::None,
            warn: None,
            crit: None,
            min: Some(0.0),
            max: None,
            queue: None,
        }
    }

    /// A count about one queue, labelled `<base>_<queue>`.
    pub fn per_queue(base: &str, queue: &str, value: f64) -> Self {
        Metric {
            queue: Some(queue.to_owned()),
            ..Metric::count(format!("{base}_{queue}"), value)
        }
    }

    /// A duration in seconds with minimum 0.
    pub fn seconds(name: impl Into<String>, value: f64) -> Self {
        Metric {
            unit: Unit::Seconds,
            ..Metric::count(name, value)
        }
    }

    /// A size in bytes with minimum 0.
    pub fn bytes(name: impl Into<String>, value: f64) -> Self {
        Metric {
            unit: Unit::Bytes,
            ..Metric::count(name, value)
        }
    }

    pub fn with_thresholds(mut self, t: &Thresholds) -> Self {
        self.warn = t.warn.clone();
        self.crit = t.crit.clone();
        self
    }

    /// Sets the maximum (e.g. the timeout for a duration).
    pub fn with_max(mut self, max: f64) -> Self {
        self.max = Some(max);
        self
    }
}

/// The `-w`/`-c` pair of a check, already parsed with the check's unit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thresholds {
    pub warn: Option<Range>,
    pub crit: Option<Range>,
}

impl Thresholds {
    /// Critical is tested first, then warning (as `lib/utils_base.c:get_status` does).
    pub fn evaluate(&self, value: f64) -> State {
        if self.crit.as_ref().is_some_and(|r| r.alerts(value)) {
            State::Critical
        } else if self.warn.as_ref().is_some_and(|r| r.alerts(value)) {
            State::Warning
        } else {
            State::Ok
        }
    }

    /// Fills in a default for each side the user left out.
    pub fn or_defaults(mut self, warn: Option<Range>, crit: Option<Range>) -> Self {
        if self.warn.is_none() {
            self.warn = warn;
        }
        if self.crit.is_none() {
            self.crit = crit;
        }
        self
    }
}

/// The result of one check, ready for any renderer.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The check, unknown only when the command line did not name one.
    pub check: Option<CheckName>,
    pub state: State,
    /// One line for a person: what is wrong, or what was seen.
    pub summary: String,
    /// Perfdata, in order.
    pub metrics: Vec<Metric>,
    /// Long output, one finding per line.
    pub details: Vec<String>,
    /// Subchecks: the outcomes of the checks `all` ran, each as if run alone (empty
    /// otherwise). `output` renders them under this outcome (the JSON mode as its `checks`
    /// array).
    pub checks: Vec<Outcome>,
}

impl Outcome {
    /// An outcome with no metrics or details.
    pub fn new(check: CheckName, state: State, summary: impl Into<String>) -> Self {
        Outcome::of(Some(check), state, summary)
    }

    /// An outcome for a check that may be unknown (a command line too broken to name one).
    pub fn of(check: Option<CheckName>, state: State, summary: impl Into<String>) -> Self {
        Outcome {
            check,
            state,
            summary: summary.into(),
            metrics: Vec::new(),
            details: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// The check's name, empty when unknown.
    pub fn name(&self) -> &'static str {
        self.check.map_or("", CheckName::as_str)
    }

    /// The value of the metric called `name`, if measured.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::RangeUnit;

    #[test]
    fn critical_is_tested_before_warning() {
        let t = Thresholds {
            warn: Some(Range::parse("10", RangeUnit::Count).unwrap()),
            crit: Some(Range::parse("20", RangeUnit::Count).unwrap()),
        };
        assert_eq!(t.evaluate(5.0), State::Ok);
        assert_eq!(t.evaluate(15.0), State::Warning);
        assert_eq!(t.evaluate(25.0), State::Critical);
        assert_eq!(t.evaluate(-1.0), State::Critical);
    }

    #[test]
    fn worst_orders_critical_over_unknown_over_warning() {
        assert_eq!(State::Ok.worst(State::Warning), State::Warning);
        assert_eq!(State::Warning.worst(State::Unknown), State::Unknown);
        assert_eq!(State::Critical.worst(State::Unknown), State::Critical);
        assert_eq!(State::Unknown.worst(State::Ok), State::Unknown);
    }
}
