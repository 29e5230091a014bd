//! Monitoring Plugins threshold ranges (`10`, `10:`, `~:10`, `10:20`, `@10:20`).
//!
//! Written here rather than taken from `nagios-range` because that crate has no notion of
//! units, and latency thresholds are more readable as `500ms` or `2s` than as fractions.

use std::fmt;

/// What the numbers of a range measure, as a check declares it for its `-w`/`-c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeUnit {
    Count,
    /// Seconds; an end point may be written with a humantime unit (`500ms`, `2s`, `1m`).
    Seconds,
    /// Days left, counted like [`RangeUnit::Count`], except that a plain number is a
    /// minimum (`30`: alert below 30), as check_curl's `-C 30,7` takes it: the range "more
    /// than 30" would never make sense for an expiry. Full ranges (`30:`, `@0:7`) keep
    /// their meaning.
    Days,
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

/// The syntax, said where a range is refused on the command line.
const SYNTAX: &str =
    "a range is [@][START:][END], ~ for minus infinity (10, 10:, ~:10, 10:20, @10:20)";

/// A range as written, its syntax checked but no unit applied yet: what clap parses
/// `-w`/`-c` into, before the check's [`RangeUnit`] says what the numbers measure.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRange {
    text: String,
    inside: bool,
    start: Point,
    end: Point,
    /// Written as one number alone (`30`), which [`RangeUnit::Days`] reads as a minimum.
    plain: bool,
    /// A plain number with blanks around it, which only [`RangeUnit::Days`] takes.
    padded: bool,
}

/// One end point as written.
#[derive(Clone, Debug, PartialEq)]
enum Point {
    Number(f64),
    /// A humantime duration, in seconds; `text` is how it was written.
    Duration {
        secs: f64,
        text: String,
    },
    /// `~` as a start, nothing as an end.
    Infinite,
}

impl RawRange {
    /// Parses the Monitoring Plugins syntax `[@][start:][end]`, `~` meaning minus infinity;
    /// an end point is a number or a duration (`500ms`, `2s`, `1m`).
    pub fn parse(text: &str) -> Result<Self, RangeError> {
        let err = |why: &str| RangeError {
            text: text.to_owned(),
            why: why.to_owned(),
        };
        let trimmed = text.trim();
        if trimmed != text && trimmed.parse::<f64>().is_ok_and(f64::is_finite) {
            let end = parse_point(trimmed).map_err(|w| err(&w))?;
            return Ok(RawRange {
                text: text.to_owned(),
                inside: false,
                start: Point::Number(0.0),
                end,
                plain: true,
                padded: true,
            });
        }
        let (inside, body) = match text.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if body.is_empty() {
            return Err(err("empty range"));
        }
        let (start, end) = match body.split_once(':') {
            None => (Point::Number(0.0), parse_point(body).map_err(|w| err(&w))?),
            Some((s, e)) => {
                let start = match s {
                    "~" => Point::Infinite,
                    "" => Point::Number(0.0),
                    _ => parse_point(s).map_err(|w| err(&w))?,
                };
                let end = if e.is_empty() {
                    Point::Infinite
                } else {
                    parse_point(e).map_err(|w| err(&w))?
                };
                (start, end)
            }
        };
        let plain = !inside && !body.contains(':') && matches!(end, Point::Number(_));
        let raw = RawRange {
            text: text.to_owned(),
            inside,
            start,
            end,
            plain,
            padded: false,
        };
        // A plain negative number is a minimum in days, so its order is judged with the unit.
        if !raw.plain
            && raw.seconds(&raw.start, f64::NEG_INFINITY) > raw.seconds(&raw.end, f64::INFINITY)
        {
            return Err(err("start is greater than end"));
        }
        Ok(raw)
    }

    /// `-w`/`-c`'s value parser: a malformed range is refused by clap, with the syntax.
    pub fn parse_arg(text: &str) -> Result<Self, String> {
        RawRange::parse(text).map_err(|e| format!("{}; {SYNTAX}", e.why))
    }

    fn seconds(&self, p: &Point, infinite: f64) -> f64 {
        match p {
            Point::Number(v) | Point::Duration { secs: v, .. } => *v,
            Point::Infinite => infinite,
        }
    }

    /// The range in `unit`: durations are refused where the unit is not seconds, and a
    /// plain number is a minimum for days.
    pub fn resolve(&self, unit: RangeUnit) -> Result<Range, RangeError> {
        let err = |why: String| RangeError {
            text: self.text.clone(),
            why,
        };
        if self.padded && unit != RangeUnit::Days {
            let why = match unit {
                RangeUnit::Seconds => not_seconds(&self.text),
                _ => not_a_number(&self.text),
            };
            return Err(err(why));
        }
        let value = |p: &Point, infinite: f64| match p {
            Point::Duration { text, .. } if unit != RangeUnit::Seconds => {
                Err(err(not_a_number(text)))
            }
            other => Ok(self.seconds(other, infinite)),
        };
        let start = value(&self.start, f64::NEG_INFINITY)?;
        let end = value(&self.end, f64::INFINITY)?;
        if unit == RangeUnit::Days && self.plain {
            return Ok(Range::below(end));
        }
        if start > end {
            return Err(err("start is greater than end".into()));
        }
        Ok(Range {
            start,
            end,
            inside: self.inside,
        })
    }
}

impl Range {
    /// Parses the Monitoring Plugins syntax `[@][start:][end]`, `~` meaning minus infinity,
    /// in `unit`.
    pub fn parse(text: &str, unit: RangeUnit) -> Result<Self, RangeError> {
        RawRange::parse(text)?.resolve(unit)
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

/// A number, or else a duration.
fn parse_point(s: &str) -> Result<Point, String> {
    if let Ok(v) = s.parse::<f64>() {
        if v.is_finite() {
            return Ok(Point::Number(v));
        }
        return Err(format!("'{s}' is not a finite number"));
    }
    humantime::parse_duration(s)
        .map(|d| Point::Duration {
            secs: d.as_secs_f64(),
            text: s.to_owned(),
        })
        .map_err(|_| format!("'{s}' is neither a number nor a duration like 500ms"))
}

fn not_a_number(s: &str) -> String {
    format!("'{s}' is not a number")
}

fn not_seconds(s: &str) -> String {
    format!("'{s}' is neither a number of seconds nor a duration like 500ms")
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
    fn plain_days_are_a_minimum_and_full_ranges_keep_their_meaning() {
        let days = |s: &str| Range::parse(s, RangeUnit::Days);
        assert_eq!(days("30"), Ok(Range::below(30.0)));
        assert_eq!(days(" 30 "), Ok(Range::below(30.0)));
        assert_eq!(days("-5"), Ok(Range::below(-5.0)));
        assert_eq!(days("30:"), Ok(Range::below(30.0)));
        assert_eq!(days("~:30"), Range::parse("~:30", RangeUnit::Count));
        assert!(days("@0:3").unwrap().alerts(2.0));
        for bad in ["30d", "inf", "@-5", "1h:2h"] {
            assert!(days(bad).is_err(), "{bad:?} accepted");
        }
        // Anywhere else a padded or negative plain number stays refused.
        for unit in [RangeUnit::Count, RangeUnit::Seconds] {
            assert!(Range::parse(" 30", unit).is_err());
            assert!(Range::parse("-5", unit).is_err());
        }
    }

    #[test]
    fn the_command_line_refuses_malformed_ranges_with_the_syntax() {
        for bad in ["", "@", "abc", "20:10", "1:2:3", "NaN", "~", ":x", "2s:1"] {
            let e = RawRange::parse_arg(bad).unwrap_err();
            assert!(e.contains("[@][START:][END]"), "{bad:?}: {e}");
        }
        // What is well formed is left to the check's unit.
        for good in ["10", "2s", "-5", " 30", "@1m:2m", "~:"] {
            assert!(RawRange::parse_arg(good).is_ok(), "{good:?} refused");
        }
        let raw = RawRange::parse_arg("2s").unwrap();
        assert_eq!(raw.resolve(RangeUnit::Seconds), Ok(Range::above(2.0)));
        let e = raw.resolve(RangeUnit::Count).unwrap_err().to_string();
        assert_eq!(e, "invalid range '2s': '2s' is not a number");
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
