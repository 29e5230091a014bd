//! `version`: the MISP release from `getVersion`, against `--min-version` and
//! `--min-version-critical`.

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::invocation::Defaults;
use crate::error::Error;
use crate::http::Kind;
use crate::misp::{self, version::MispVersion};
use crate::outcome::{Outcome, State};
use clap::Args;
use hyper::Method;
use serde_json::Value;

const PATH: &str = "/servers/getVersion";

/// MISP release, against --min-version and --min-version-critical
#[derive(Debug, Args)]
pub struct Settings {
    /// WARNING when MISP is older than this release (e.g. 2.4.194)
    #[arg(long, value_name = "X.Y.Z")]
    pub min_version: Option<String>,
    /// CRITICAL when MISP is older than this release
    #[arg(long, value_name = "X.Y.Z")]
    pub min_version_critical: Option<String>,
}

impl Settings {
    fn bounds(&self) -> Result<(Option<MispVersion>, Option<MispVersion>), Error> {
        Ok((
            bound(self.min_version.as_deref(), "--min-version")?,
            bound(self.min_version_critical.as_deref(), "--min-version-critical")?,
        ))
    }
}

fn bound(text: Option<&str>, option: &str) -> Result<Option<MispVersion>, Error> {
    text.map(|t| {
        MispVersion::parse_bound(t).ok_or_else(|| {
            Error::Usage(format!(
                "{option}: '{t}' is not a MISP version like 2.4.194"
            ))
        })
    })
    .transpose()
}

impl Check for Settings {
    /// The judgement compares releases: `-w`/`-c` have no number to apply to.
    fn defaults(&self) -> Defaults {
        Defaults::without_thresholds()
    }

    fn validate(&self) -> Result<(), Error> {
        self.bounds().map(|_| ())
    }

    /// Fetches `getVersion` (any key with `perm_auth` may ask) and judges it.
    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let (warn_below, crit_below) = self.bounds()?;
        let resp = cx.client()?.send(Method::GET, PATH, Kind::Rest).await?;
        let json = misp::json(&resp, "GET", PATH)?;
        judge(&json, warn_below, crit_below)
    }
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
    let mut out = Outcome::new(CheckName::Version, state, summary);
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
