//! One JSON object for scripts: check, state, exit_code, summary, metrics, details.

use super::Rendered;
use crate::outcome::Outcome;
use serde_json::{json, Value};

pub(super) fn render(o: &Outcome) -> Rendered {
    Rendered {
        stdout: format!("{}\n", object(o)),
        stderr: String::new(),
        code: o.state.code(),
    }
}

/// One outcome as an object; `all` adds `checks`, the same object for each check it ran.
fn object(o: &Outcome) -> Value {
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
    let mut doc = json!({
        // A command line too broken to name its check still has the key, empty.
        "check": o.name(),
        "state": o.state,
        "exit_code": o.state.code(),
        "summary": o.summary,
        "metrics": metrics,
        "details": o.details,
    });
    if !o.checks.is_empty() {
        doc["checks"] = Value::Array(o.checks.iter().map(object).collect());
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;
    use crate::outcome::{Metric, State};

    #[test]
    fn one_object_with_every_field() {
        let mut o = Outcome::new(CheckName::Jobs, State::Critical, "5 jobs");
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
        assert!(v.get("checks").is_none());
    }

    #[test]
    fn all_nests_each_check() {
        let mut o = Outcome::new(CheckName::All, State::Warning, "1 of 1 checks not OK");
        o.checks = vec![Outcome::new(CheckName::Version, State::Warning, "old")];
        let v: Value = serde_json::from_str(&render(&o).stdout).unwrap();
        assert_eq!(v["checks"][0]["check"], "version");
        assert_eq!(v["checks"][0]["exit_code"], 1);
        assert_eq!(v["checks"][0]["metrics"], serde_json::json!([]));
    }
}
