//! `MISP.live`: MISP switched offline (`cake Admin live 0`, or the setting turned off) lets
//! only site admins in. A site admin's key, which the other checks use, sees nothing
//! wrong; every other user and key is sent to the login page. So it is its own finding,
//! CRITICAL, rather than one of the settings errors MISP lists it among.

use super::{finding, text, Problem};
use crate::misp::flag;
use crate::outcome::State;
use serde_json::{Map, Value};

pub(super) const SETTING: &str = "MISP.live";

/// The `MISP.live` entry of `finalSettings`, when it says MISP is offline.
pub(super) fn offline(r: &Map<String, Value>) -> Option<Problem> {
    let entry = r
        .get("finalSettings")?
        .as_array()?
        .iter()
        .find(|s| s.get("setting").and_then(Value::as_str) == Some(SETTING))?;
    if entry.get("value").and_then(flag) != Some(false) {
        return None;
    }
    let said = entry
        .get("errorMessage")
        .filter(|m| !m.is_null())
        .map(|m| format!(" (MISP says: {})", text(m)))
        .unwrap_or_default();
    finding(
        "live",
        State::Critical,
        format!("MISP is offline (MISP.live is off){said}: only site admins can use it, every other user and API key is locked out"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offline_only_when_the_setting_is_off() {
        let report = |value: Value| {
            json!({"finalSettings": [
                {"level": 0, "setting": "MISP.live", "value": value, "error": 1, "errorMessage": "MISP disabled."}
            ]})
        };
        let off = report(json!(false));
        let p = offline(off.as_object().unwrap()).unwrap();
        assert_eq!((p.name, p.state), ("live", State::Critical));
        assert!(p.text.starts_with("MISP is offline (MISP.live is off) (MISP says: MISP disabled.)"), "{}", p.text);
        assert!(offline(report(json!(true)).as_object().unwrap()).is_none());
        assert!(offline(report(json!("0")).as_object().unwrap()).is_some());
        assert!(offline(json!({"finalSettings": []}).as_object().unwrap()).is_none());
    }
}
