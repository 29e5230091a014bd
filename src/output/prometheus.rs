//! Prometheus text exposition (format 0.0.4, which node_exporter's textfile collector and
//! promtool read): every series prefixed `misp_`, the unit in the name, per-queue values as
//! a `queue` label, and each check's state as `misp_check_state{check="..."}`.
//!
//! A family's HELP, TYPE and samples must stand together, so samples are grouped by family
//! first; `all` contributes the families of every check it ran.

use super::{number, Rendered};
use crate::outcome::{Metric, Outcome, Unit};
use std::fmt::Write;

pub(super) fn render(o: &Outcome) -> Rendered {
    let checks = super::each_check(o);
    let mut families: Vec<Family> = vec![Family {
        name: "misp_check_state".into(),
        help: "State of each check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN".into(),
        samples: checks
            .iter()
            .filter(|c| c.check.is_some())
            .map(|c| (format!("check=\"{}\"", c.name()), f64::from(c.state.code())))
            .collect(),
    }];
    for c in &checks {
        for m in &c.metrics {
            let (name, labels) = series(c.name(), m);
            let sample = (labels, m.value);
            match families.iter_mut().find(|f| f.name == name) {
                Some(f) => f.samples.push(sample),
                None => families.push(Family {
                    help: help(c.name(), m),
                    name,
                    samples: vec![sample],
                }),
            }
        }
    }
    // A total beside its per-queue series would be counted twice by `sum()`, and
    // node_exporter would label it `queue=""`: the per-queue series carry it.
    for f in &mut families {
        if f.samples.iter().any(|(labels, _)| !labels.is_empty()) {
            f.samples.retain(|(labels, _)| !labels.is_empty());
        }
    }
    let mut stdout = String::new();
    for f in &families {
        // Writing to a String cannot fail.
        let _ = write!(
            stdout,
            "# HELP {} {}\n# TYPE {} gauge\n",
            f.name, f.help, f.name
        );
        for (labels, value) in &f.samples {
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            };
            let _ = writeln!(stdout, "{}{labels} {}", f.name, number(*value));
        }
    }
    Rendered {
        stdout,
        stderr: String::new(),
        code: o.state.code(),
    }
}

struct Family {
    name: String,
    help: String,
    samples: Vec<(String, f64)>,
}

/// `misp_<check>_<metric>[_seconds|_bytes]` and its labels.
fn series(check: &str, m: &Metric) -> (String, String) {
    let labels = m
        .queue
        .as_ref()
        .map(|q| format!("queue=\"{}\"", escape(q)))
        .unwrap_or_default();
    let unit = match m.unit {
        Unit::Seconds => "_seconds",
        Unit::Bytes => "_bytes",
        Unit::None => "",
    };
    (
        format!("misp_{}_{}{unit}", sanitize(check), sanitize(base(m))),
        labels,
    )
}

fn help(check: &str, m: &Metric) -> String {
    format!("check_misp {check}: {}", base(m))
}

/// The metric's name without the queue its perfdata label ends in.
fn base(m: &Metric) -> &str {
    m.queue
        .as_ref()
        .and_then(|q| m.name.strip_suffix(q.as_str()))
        .and_then(|n| n.strip_suffix('_'))
        .unwrap_or(&m.name)
}

/// Metric names allow `[a-zA-Z0-9_:]`; anything else becomes `_`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::State;

    #[test]
    fn per_queue_series_replace_their_total_and_units_name_the_family() {
        let mut o = Outcome::new(CheckName::Workers, State::Critical, "x");
        o.metrics = vec![
            Metric::count("alive", 4.0),
            Metric::per_queue("alive", "email", 0.0),
            Metric::per_queue("alive", "prio", 4.0),
            Metric::seconds("time", 0.5),
        ];
        assert_eq!(
            render(&o).stdout,
            "# HELP misp_check_state State of each check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n\
             # TYPE misp_check_state gauge\n\
             misp_check_state{check=\"workers\"} 2\n\
             # HELP misp_workers_alive check_misp workers: alive\n\
             # TYPE misp_workers_alive gauge\n\
             misp_workers_alive{queue=\"email\"} 0\n\
             misp_workers_alive{queue=\"prio\"} 4\n\
             # HELP misp_workers_time_seconds check_misp workers: time\n\
             # TYPE misp_workers_time_seconds gauge\n\
             misp_workers_time_seconds 0.500000\n"
        );
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
