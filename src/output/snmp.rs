//! net-snmp `extend`: the values only, one per line, in the check's layout order (the OIDs
//! the Cacti data sources read, as `misp-snmp-monitor.py` laid them out). A value that could
//! not be measured is `-1`, as that helper printed on failure.

use super::{number, Rendered};
use crate::outcome::Outcome;

pub(super) fn render(o: &Outcome, layout: &[&str]) -> Rendered {
    let values: Vec<String> = if layout.is_empty() {
        o.metrics.iter().map(|m| number(m.value)).collect()
    } else {
        layout
            .iter()
            .map(|n| o.metric(n).map_or_else(|| "-1".into(), number))
            .collect()
    };
    // A check with no figures (version) prints no line rather than an empty one.
    let stdout: String = values.iter().map(|v| format!("{v}\n")).collect();
    Rendered {
        stdout,
        stderr: String::new(),
        code: o.state.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::{Metric, State};

    const WORKERS: &[&str] = &["alive", "dead"];

    #[test]
    fn fixed_lines_and_minus_one_on_failure() {
        let mut o = Outcome::new(CheckName::Workers, State::Critical, "x");
        o.metrics = vec![Metric::count("dead", 2.0), Metric::count("alive", 19.0)];
        assert_eq!(render(&o, WORKERS).stdout, "19\n2\n");
        let failed = render(
            &Outcome::new(CheckName::Workers, State::Critical, "refused"),
            WORKERS,
        );
        assert_eq!((failed.stdout.as_str(), failed.code), ("-1\n-1\n", 2));
        assert_eq!(
            render(
                &Outcome::new(CheckName::Jobs, State::Unknown, "x"),
                &["jobs"]
            )
            .stdout,
            "-1\n"
        );
        assert_eq!(
            render(&Outcome::new(CheckName::Version, State::Ok, "x"), &[]).stdout,
            ""
        );
    }
}
