//! `version`: the MISP release from `getVersion`, against `--min-version` and
//! `--min-version-critical`.

use crate::error::Error;
use crate::http::{Client, Kind};
use crate::misp::{self, version::MispVersion};
use crate::outcome::{Outcome, State};
use hyper::Method;
use serde_json::Value;

const PATH: &str = "/servers/getVersion";

/// Fetches `getVersion` (any key with `perm_auth` may ask) and judges it.
pub async fn run(
    client: &Client,
    warn_below: Option<MispVersion>,
    crit_below: Option<MispVersion>,
) -> Result<Outcome, Error> {
    let resp = client.send(Method::GET, PATH, Kind::Rest).await?;
    let json = misp::json(&resp, "GET", PATH)?;
    judge(&json, warn_below, crit_below)
}

/// CRITICAL below `crit_below`, WARNING below `warn_below`, otherwise OK. The other keys
/// of the answer (which vary by release) go to the long output.
pub fn judge(
    json: &Value,
    warn_below: Option<MispVersion>,
    crit_below: Option<MispVersion>,
) -> Result<Outcome, Error> {
    let version = MispVersion::from_get_version(json).ok_or_else(|| Error::Malformed {
        path: PATH.into(),
        reason: "no MISP version in the answer".into(),
    })?;
    let (state, summary) = match (crit_below, warn_below) {
        (Some(min), _) if version < min => (
            State::Critical,
            format!("MISP {version} is older than {min} (--min-version-critical)"),
        ),
        (_, Some(min)) if version < min => (
            State::Warning,
            format!("MISP {version} is older than {min} (--min-version)"),
        ),
        _ => {
            let floor = warn_below
                .into_iter()
                .chain(crit_below)
                .max()
                .map(|m| format!(" (at least {m})"))
                .unwrap_or_default();
            (State::Ok, format!("MISP {version}{floor}"))
        }
    };
    let mut out = Outcome::new("version", state, summary);
    if let Some(p) = json
        .get("pymisp_recommended_version")
        .and_then(Value::as_str)
    {
        out.details
            .push(format!("PyMISP recommended: {}", misp::one_line(p, 40)));
    }
    let perms: Vec<String> = json
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("perm_")?;
            Some(format!("{name} {}", yes_no(misp::flag(v)?)))
        })
        .collect();
    if !perms.is_empty() {
        out.details
            .push(format!("the key's role may: {}", perms.join(", ")));
    }
    Ok(out)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(s: &str) -> Option<MispVersion> {
        MispVersion::parse(s)
    }

    #[test]
    fn minimums_warn_then_critical() {
        let answer = json!({"version": "2.4.170", "perm_sync": false, "perm_sighting": true});
        let o = judge(&answer, None, None).unwrap();
        assert_eq!((o.state, o.summary.as_str()), (State::Ok, "MISP 2.4.170"));
        assert_eq!(o.details, ["the key's role may: sync no, sighting yes"]);
        let o = judge(&answer, v("2.4.194"), v("2.4.150")).unwrap();
        assert_eq!(o.state, State::Warning);
        assert_eq!(
            o.summary,
            "MISP 2.4.170 is older than 2.4.194 (--min-version)"
        );
        let o = judge(&answer, v("2.5.0"), v("2.4.171")).unwrap();
        assert_eq!(o.state, State::Critical);
        let o = judge(&answer, v("2.4.170"), None).unwrap();
        assert_eq!(
            (o.state, o.summary.as_str()),
            (State::Ok, "MISP 2.4.170 (at least 2.4.170)")
        );
    }

    #[test]
    fn no_version_is_malformed() {
        assert!(matches!(
            judge(&json!({"message": "hi"}), None, None),
            Err(Error::Malformed { .. })
        ));
    }
}
