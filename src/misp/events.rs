//! The minimal events index (`/events/index/.../searchminimal:1`).

use serde_json::Value;

/// The index page size: one page of the web UI's event list; `latency` times the same
/// request by default.
pub const DEFAULT_LIMIT: u32 = 60;

/// The minimal index page (`events` asks for it, `latency` times it by default).
pub fn index_path(limit: u32) -> String {
    format!("/events/index/limit:{limit}/page:1/searchminimal:1")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventIndex {
    /// Events in this page.
    pub returned: u64,
    /// All matching events, from `X-Result-Count` when MISP sent it.
    pub total: Option<u64>,
}

/// Checks the index shape: an array of events that each carry a `uuid`.
pub fn parse(v: &Value, result_count: Option<&str>) -> Result<EventIndex, String> {
    let events = v
        .as_array()
        .ok_or_else(|| format!("expected a JSON array of events, got {}", kind(v)))?;
    for (i, e) in events.iter().enumerate() {
        let has_uuid = e
            .get("uuid")
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
        if !has_uuid {
            return Err(format!("event #{} has no uuid", i + 1));
        }
    }
    Ok(EventIndex {
        returned: events.len() as u64,
        total: result_count.and_then(|c| c.trim().parse().ok()),
    })
}

/// A JSON value's kind, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_events_and_reads_total() {
        let v = json!([{"id":"1","uuid":"a"},{"id":2,"uuid":"b"}]);
        assert_eq!(
            parse(&v, Some("57")).unwrap(),
            EventIndex {
                returned: 2,
                total: Some(57)
            }
        );
        assert_eq!(parse(&json!([]), None).unwrap().returned, 0);
    }

    #[test]
    fn refuses_other_shapes() {
        assert!(parse(&json!({"name":"x"}), None).is_err());
        assert!(parse(&json!([{"id":"1"}]), None).is_err());
        assert!(parse(&json!([{"uuid":""}]), None).is_err());
    }
}
