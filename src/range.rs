//! Monitoring Plugins threshold ranges (`10`, `10:`, `~:10`, `10:20`, `@10:20`).
//!
//! Written here rather than taken from `nagios-range` because that crate has no notion of
//! units, and latency thresholds are more readable as `500ms` or `2s` than as fractions.

use std::fmt;

/// What the numbers of a range measure: durations may carry a unit, counts may not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeUnit {
    Count,
    /// Seconds; an end point may be written with a humantime unit (`500ms`, `2s`, `1m`).
    Seconds,
}

/// A parsed threshold range. The alert fires when the value is outside `[start, end]`, or
/// inside it when the range was written with a leading `@`.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    start: f64,
    end: f64,
    inside: bool,
}

/// Why a range could not be parsed; shown to the user as is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid range '{text}': {why}")]
pub struct RangeError {
    text: String,
    why: String,
}

impl Range {
    /// Parses the Monitoring Plugins syntax `[@][start:][end]`, `~` meaning minus infinity.
    pub fn parse(text: &str, unit: RangeUnit) -> Result<Self, RangeError> {
        let err = |why: &str| RangeError {
            text: text.to_owned(),
            why: why.to_owned(),
        };
        let (inside, body) = match text.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if body.is_empty() {
            return Err(err("empty range"));
        }
        let (start, end) = match body.split_once(':') {
            None => (0.0, parse_point(body, unit).map_err(|w| err(&w))?),
            Some((s, e)) => {
                let start = match s {
                    "~" => f64::NEG_INFINITY,
                    "" => 0.0,
                    _ => parse_point(s, unit).map_err(|w| err(&w))?,
                };
                let end = if e.is_empty() {
                    f64::INFINITY
                } else {
                    parse_point(e, unit).map_err(|w| err(&w))?
                };
                (start, end)
            }
        };
        if start > end {
            return Err(err("start is greater than end"));
        }
        Ok(Range { start, end, inside })
    }

    /// True when `value` should raise this threshold's alert.
    pub fn alerts(&self, value: f64) -> bool {
        let within = value >= self.start && value <= self.end;
        if self.inside {
            within
        } else {
            !within
        }
    }

    /// The bound above which this range alerts, when that is all it does (`10`, `~:10`):
    /// the one kind of level tools such as Checkmk take.
    pub fn upper_level(&self) -> Option<f64> {
        (!self.inside && self.start <= 0.0 && self.end.is_finite()).then_some(self.end)
    }

    /// A range alerting when the value is below `min` (what `-c 7:` means).
    pub fn below(min: f64) -> Self {
        Range {
            start: min,
            end: f64::INFINITY,
            inside: false,
        }
    }

    /// A range alerting when the value is above `max` (what a plain `-c 5` means).
    pub fn above(max: f64) -> Self {
        Range {
            start: 0.0,
            end: max,
            inside: false,
        }
    }
}

fn parse_point(s: &str, unit: RangeUnit) -> Result<f64, String> {
    if let Ok(v) = s.parse::<f64>() {
        if v.is_finite() {
            return Ok(v);
        }
        return Err(format!("'{s}' is not a finite number"));
    }
    match unit {
        RangeUnit::Count => Err(format!("'{s}' is not a number")),
        RangeUnit::Seconds => humantime::parse_duration(s)
            .map(|d| d.as_secs_f64())
            .map_err(|_| format!("'{s}' is neither a number of seconds nor a duration like 500ms")),
    }
}

/// Formats the range back in canonical syntax for perfdata (units resolved to plain numbers).
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inside {
            f.write_str("@")?;
        }
        if self.start == f64::NEG_INFINITY {
            f.write_str("~:")?;
        } else if self.start != 0.0 || !self.end.is_finite() {
            // `0:` (alert below zero) must keep its start: with neither end point printed
            // it would be the empty string, which perfdata reads as "no threshold".
            write!(f, "{}:", self.start)?;
        }
        if self.end.is_finite() {
            write!(f, "{}", self.end)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Range {
        Range::parse(s, RangeUnit::Count).unwrap()
    }

    // One test per row of the guideline table (monitoring-conventions.md §1).
    #[test]
    fn plain_number_alerts_below_zero_or_above() {
        let x = r("10");
        assert!(x.alerts(-0.1) && x.alerts(10.5) && x.alerts(11.0));
        assert!(!x.alerts(0.0) && !x.alerts(5.0) && !x.alerts(10.0));
    }

    #[test]
    fn open_end_alerts_below_start() {
        let x = r("10:");
        assert!(x.alerts(9.99) && x.alerts(-1.0));
        assert!(!x.alerts(10.0) && !x.alerts(1e12));
    }

    #[test]
    fn tilde_start_alerts_above_end() {
        let x = r("~:10");
        assert!(x.alerts(10.01));
        assert!(!x.alerts(10.0) && !x.alerts(-1e12));
    }

    #[test]
    fn closed_range_alerts_outside() {
        let x = r("10:20");
        assert!(x.alerts(9.9) && x.alerts(20.1));
        assert!(!x.alerts(10.0) && !x.alerts(15.0) && !x.alerts(20.0));
    }

    #[test]
    fn at_range_alerts_inside_inclusive() {
        let x = r("@10:20");
        assert!(x.alerts(10.0) && x.alerts(15.0) && x.alerts(20.0));
        assert!(!x.alerts(9.9) && !x.alerts(20.1));
    }

    #[test]
    fn durations_with_units() {
        let x = Range::parse("500ms", RangeUnit::Seconds).unwrap();
        assert!(x.alerts(0.6) && !x.alerts(0.5));
        let y = Range::parse("1s:2s", RangeUnit::Seconds).unwrap();
        assert!(y.alerts(0.9) && !y.alerts(1.5) && y.alerts(2.1));
        assert_eq!(y.to_string(), "1:2");
        assert_eq!(
            Range::parse("1m", RangeUnit::Seconds).unwrap().to_string(),
            "60"
        );
        assert!(Range::parse("2s", RangeUnit::Count).is_err());
    }

    #[test]
    fn rejects_bad_ranges() {
        for bad in ["", "@", "abc", "20:10", "1:2:3", "NaN", "inf", "~", ":x"] {
            assert!(
                Range::parse(bad, RangeUnit::Count).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn displays_canonically() {
        for s in ["10", "10:", "~:10", "10:20", "@10:20", "0.5", "@~:3"] {
            assert_eq!(r(s).to_string(), s);
        }
        assert_eq!(r(":5").to_string(), "5");
        assert_eq!(r("0:").to_string(), "0:");
        assert_eq!(r("@0:").to_string(), "@0:");
    }
}
