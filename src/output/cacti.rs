//! Cacti Script/Command data input: `name:value` pairs on one line.
//! A value that could not be measured is `U`, Cacti's and RRDtool's "unknown".

use super::{number, Rendered};
use crate::outcome::Outcome;

pub(super) fn render(o: &Outcome, layout: &[&str]) -> Rendered {
    let mut pairs: Vec<String> = layout
        .iter()
        .map(|n| format!("{n}:{}", o.metric(n).map_or_else(|| "U".into(), number)))
        .collect();
    pairs.extend(
        o.metrics
            .iter()
            .filter(|m| !layout.contains(&m.name.as_str()))
            .map(|m| format!("{}:{}", m.name, number(m.value))),
    );
    Rendered {
        stdout: format!("{}\n", pairs.join(" ")),
        stderr: String::new(),
        code: o.state.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::{Metric, State};

    #[test]
    fn pairs_on_one_line() {
        let mut o = Outcome::new(CheckName::Latency, State::Ok, "x");
        o.metrics = vec![
            Metric::seconds("time_connect", 0.004),
            Metric::seconds("time_tls", 0.0),
            Metric::seconds("time_firstbyte", 0.1),
            Metric::seconds("time_total", 0.123),
        ];
        assert_eq!(
            render(
                &o,
                &["time_total", "time_connect", "time_tls", "time_firstbyte"]
            )
            .stdout,
            "time_total:0.123000 time_connect:0.004000 time_tls:0 time_firstbyte:0.100000\n"
        );
        assert_eq!(
            render(
                &Outcome::new(CheckName::Jobs, State::Critical, "x"),
                &["jobs"]
            )
            .stdout,
            "jobs:U\n"
        );
    }
}
