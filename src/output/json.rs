//! One JSON object for scripts: check, state, exit_code, summary, metrics, details.

use super::Rendered;
use crate::outcome::Outcome;
use serde_json::{json, Value};

pub(super) fn render(o: &Outcome) -> Rendered {
    let metrics: Vec<Value> = o
        .metrics
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "value": m.value,
                "unit": m.unit.suffix(),
                "warn": m.warn.as_ref().map(ToString::to_string),
                "crit": m.crit.as_ref().map(ToString::to_string),
                "min": m.min,
                "max": m.max,
            })
        })
        .collect();
    let doc = json!({
        "check": o.check,
        "state": o.state,
        "exit_code": o.state.code(),
        "summary": o.summary,
        "metrics": metrics,
        "details": o.details,
    });
    Rendered {
        stdout: format!("{doc}\n"),
        stderr: String::new(),
        code: o.state.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Metric, State};

    #[test]
    fn one_object_with_every_field() {
        let mut o = Outcome::new("jobs", State::Critical, "5 jobs");
        o.metrics = vec![Metric::count("jobs", 5.0)];
        let r = render(&o);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["check"], "jobs");
        assert_eq!(v["state"], "CRITICAL");
        assert_eq!(v["exit_code"], 2);
        assert_eq!(v["metrics"][0]["name"], "jobs");
        assert_eq!(v["metrics"][0]["value"], 5.0);
        assert_eq!(v["metrics"][0]["min"], 0.0);
        assert!(v["metrics"][0]["warn"].is_null());
        assert_eq!(r.code, 2);
    }
}
