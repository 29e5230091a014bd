//! Checkmk local checks: one line per check,
//! `<state> "<service name>" <metric=value;warn;crit;min;max|...|-> <text>`, as Checkmk's
//! agent reads the output of a script in its `local/` directory. `all` gives one service
//! per check it ran. Long output follows the summary after a literal `\n`, which Checkmk
//! turns into a line break.

use super::{number, Rendered};
use crate::outcome::{Metric, Outcome};

pub(super) fn render(o: &Outcome) -> Rendered {
    let checks = super::each_check(o);
    let stdout = checks.iter().map(|c| line(c)).collect();
    Rendered {
        stdout,
        stderr: String::new(),
        code: o.state.code(),
    }
}

fn line(o: &Outcome) -> String {
    let metrics: Vec<String> = o.metrics.iter().map(metric).collect();
    let metrics = if metrics.is_empty() {
        "-".to_owned()
    } else {
        metrics.join("|")
    };
    let mut text = one_line(&o.summary);
    for d in &o.details {
        text.push_str("\\n");
        text.push_str(&one_line(d));
    }
    let name = o.check.map_or("check", |c| c.as_str());
    format!("{} \"MISP {name}\" {metrics} {text}\n", o.state.code())
}

/// Checkmk's levels are upper bounds: a range that alerts only above a value maps to it,
/// any other range (below a minimum, inside a band) is left for the state to carry.
fn metric(m: &Metric) -> String {
    let level = |r: &Option<crate::range::Range>| {
        r.as_ref()
            .and_then(crate::range::Range::upper_level)
            .map(number)
            .unwrap_or_default()
    };
    let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
    format!(
        "{}={};{};{};{};{}",
        m.name,
        number(m.value),
        level(&m.warn),
        level(&m.crit),
        opt(m.min),
        opt(m.max)
    )
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::{State, Thresholds};
    use crate::range::Range;

    #[test]
    fn only_upper_levels_become_checkmk_levels() {
        let mut o = Outcome::new(CheckName::Cert, State::Warning, "expires\nsoon");
        o.metrics = vec![
            Metric::count("dead", 2.0).with_thresholds(&Thresholds {
                warn: Some(Range::above(0.0)),
                crit: Some(Range::above(3.0)),
            }),
            Metric::count("days", 20.0).with_thresholds(&Thresholds {
                warn: Some(Range::below(30.0)),
                crit: None,
            }),
        ];
        o.details = vec!["subject CN=misp".into()];
        assert_eq!(
            render(&o).stdout,
            "1 \"MISP cert\" dead=2;0;3;0;|days=20;;;0; expires soon\\nsubject CN=misp\n"
        );
    }
}
