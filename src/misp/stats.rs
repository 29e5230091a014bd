//! `GET /users/statistics.json` (wire format §6): `{"stats": {…}}`, counts as JSON strings
//! since MISP 2.5.0 and as JSON numbers in 2.4.x.

use super::events::kind;
use serde_json::Value;

/// The four figures check_misp reports from the statistics page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statistics {
    /// `event_count_month`: events whose last change is after the 1st of this month.
    pub events_month: u64,
    /// `attribute_count_month`: non-deleted attributes changed after the 1st of this month.
    pub attributes_month: u64,
    /// `user_count`: all users, disabled ones included.
    pub users: u64,
    /// `org_count`: all organisations, local and remote.
    pub orgs: u64,
}

/// Reads the four figures from the statistics answer, in either number encoding.
pub fn parse(v: &Value) -> Result<Statistics, String> {
    let stats = match v.get("stats") {
        Some(s @ Value::Object(_)) => s,
        Some(other) => return Err(format!("\"stats\" is {}, not an object", kind(other))),
        None if v.is_object() => return Err("no \"stats\" object in the answer".into()),
        None => return Err(format!("expected {{\"stats\": {{…}}}}, got {}", kind(v))),
    };
    let count = |key: &str| -> Result<u64, String> {
        match stats.get(key) {
            None => Err(format!("stats.{key} is missing")),
            Some(v) => super::count(v, &format!("stats.{key}")),
        }
    };
    Ok(Statistics {
        events_month: count("event_count_month")?,
        attributes_month: count("attribute_count_month")?,
        users: count("user_count")?,
        orgs: count("org_count")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WANT: Statistics = Statistics {
        events_month: 37,
        attributes_month: 4210,
        users: 42,
        orgs: 118,
    };

    #[test]
    fn misp_25_strings() {
        let v = json!({"stats": {"event_count": "1520", "event_count_month": "37",
            "attribute_count": "245113", "attribute_count_month": "4210",
            "attributes_per_event": "161", "user_count": "42", "org_count": "118"}});
        assert_eq!(parse(&v).unwrap(), WANT);
    }

    #[test]
    fn misp_24_numbers_and_floats() {
        let v = json!({"stats": {"event_count_month": 37, "attribute_count_month": 4210,
            "attributes_per_event": 161.0, "user_count": 42, "org_count": 118,
            "average_user_per_org": 7.0}});
        assert_eq!(parse(&v).unwrap(), WANT);
    }

    #[test]
    fn other_shapes_are_named() {
        assert_eq!(
            parse(&json!([])).unwrap_err(),
            "expected {\"stats\": {…}}, got an array"
        );
        assert_eq!(
            parse(&json!({"name": "Forbidden"})).unwrap_err(),
            "no \"stats\" object in the answer"
        );
        assert_eq!(
            parse(&json!({"stats": []})).unwrap_err(),
            "\"stats\" is an array, not an object"
        );
        assert_eq!(
            parse(&json!({"stats": {"event_count_month": "37"}})).unwrap_err(),
            "stats.attribute_count_month is missing"
        );
        assert_eq!(
            parse(
                &json!({"stats": {"event_count_month": "x", "attribute_count_month": 1,
                "user_count": 1, "org_count": 1}})
            )
            .unwrap_err(),
            "stats.event_count_month is not a count: \"x\""
        );
    }
}
