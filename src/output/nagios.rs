//! Monitoring Plugins output: `MISP <CHECK> <STATE> - summary | perfdata`, then long output.

use super::{number, Rendered};
use crate::outcome::{Metric, Outcome};

pub(super) fn render(o: &Outcome, usage: Option<&str>) -> Rendered {
    let name = super::shouted(o);
    // A '|' in text would start perfdata early; Nagios and Icinga have no escape for it.
    let clean = |s: &str| s.replace('|', "/");
    let mut out = format!("MISP{name} {} - {}", o.state.label(), clean(&o.summary));
    if !o.metrics.is_empty() {
        let perf: Vec<String> = o.metrics.iter().map(perfdata).collect();
        out.push_str(" | ");
        out.push_str(&perf.join(" "));
    }
    out.push('\n');
    for line in o.details.iter().map(String::as_str).chain(usage) {
        out.push_str(&clean(line));
        out.push('\n');
    }
    Rendered {
        stdout: out,
        stderr: String::new(),
        code: o.state.code(),
    }
}

/// `'label'=value[UOM];[warn];[crit];[min];[max]`, trailing empty fields dropped.
fn perfdata(m: &Metric) -> String {
    let label = if m.name.contains([' ', '=', '\'']) {
        format!("'{}'", m.name.replace('\'', "''"))
    } else {
        m.name.clone()
    };
    let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
    let fields = [
        format!("{}{}", number(m.value), m.unit.suffix()),
        m.warn.as_ref().map(ToString::to_string).unwrap_or_default(),
        m.crit.as_ref().map(ToString::to_string).unwrap_or_default(),
        opt(m.min),
        opt(m.max),
    ];
    let used = fields.iter().rposition(|f| !f.is_empty()).unwrap_or(0) + 1;
    format!("{label}={}", fields[..used].join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::{State, Thresholds};
    use crate::range::{Range, RangeUnit};

    #[test]
    fn status_line_perfdata_and_long_output() {
        let mut o = Outcome::new(CheckName::Workers, State::Warning, "1 dead | odd");
        let t = Thresholds {
            warn: Some(Range::parse("0", RangeUnit::Count).unwrap()),
            crit: Some(Range::parse("@5:10", RangeUnit::Count).unwrap()),
        };
        o.metrics = vec![
            Metric::count("alive", 20.0),
            Metric::count("dead", 1.0).with_thresholds(&t),
            Metric::seconds("time", 0.0123).with_max(10.0),
            Metric::count("odd name", 2.0),
        ];
        o.details = vec!["email: 0 alive".into()];
        let r = render(&o, None);
        assert_eq!(
            r.stdout,
            "MISP WORKERS WARNING - 1 dead / odd | alive=20;;;0 dead=1;0;@5:10;0 time=0.012300s;;;0;10 'odd name'=2;;;0\nemail: 0 alive\n"
        );
        assert_eq!(r.code, 1);
        assert!(r.stderr.is_empty());
    }

    #[test]
    fn no_metrics_no_pipe() {
        let o = Outcome::of(None, State::Unknown, "bad");
        assert_eq!(
            render(&o, Some("Usage: x")).stdout,
            "MISP UNKNOWN - bad\nUsage: x\n"
        );
    }
}
