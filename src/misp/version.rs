//! MISP release numbers, as `getVersion` reports them and as `--min-version` takes them.

use serde_json::Value;
use std::fmt;

/// A MISP release `major.minor.hotfix` (e.g. `2.4.199`). Ordered numerically, so
/// `2.4.99 < 2.4.100`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MispVersion {
    /// `2`.
    pub major: u64,
    /// `4` or `5`.
    pub minor: u64,
    /// The release within the minor line (MISP calls it "hotfix").
    pub hotfix: u64,
}

impl MispVersion {
    /// Parses `2.5.1`, `v2.5.1`, `2.4` (hotfix 0) and tolerates a suffix after the
    /// numbers (`2.4.199-dev`, `2.5.1 (abc123)`), as development checkouts report.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let numeric: String = t
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = numeric.trim_end_matches('.').split('.');
        let mut next = |required: bool| match parts.next() {
            Some(p) => p.parse::<u64>().ok(),
            None if required => None,
            None => Some(0),
        };
        let v = MispVersion {
            major: next(true)?,
            minor: next(true)?,
            hotfix: next(false)?,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(v)
    }

    /// Parses a version the user wrote as a bound (`--min-version`): `2.5.1`, `v2.5.1` or
    /// `2.5`, and nothing else. Unlike [`MispVersion::parse`], nothing after the numbers
    /// is tolerated: `2.4.x` or `2.4.1a` is a typo whose intended bound is unknown, and
    /// reading it as 2.4.0 or 2.4.1 would silently check something else.
    pub fn parse_bound(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let parts: Vec<&str> = t.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let mut numbers = parts.iter().map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse::<u64>().ok()
            } else {
                None
            }
        });
        Some(MispVersion {
            major: numbers.next()??,
            minor: numbers.next()??,
            hotfix: numbers.next().unwrap_or(Some(0))?,
        })
    }

    /// The version in a `getVersion` answer. Every MISP from 2.4.130 to 2.5 sends
    /// `{"version": "2.x.y", ...}` (the other keys changed over time and are not needed);
    /// `VERSION.json`'s own `{"major":2,"minor":4,"hotfix":130}` is accepted too.
    pub fn from_get_version(v: &Value) -> Option<Self> {
        if let Some(s) = v.get("version").and_then(Value::as_str) {
            return MispVersion::parse(s);
        }
        let n = |k: &str| v.get(k).and_then(super::number);
        Some(MispVersion {
            major: n("major")?,
            minor: n("minor")?,
            hotfix: n("hotfix")?,
        })
    }
}

impl fmt::Display for MispVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.hotfix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_spelling() {
        let v = |s| MispVersion::parse(s);
        assert_eq!(v("2.5.1").unwrap().to_string(), "2.5.1");
        assert_eq!(v("v2.4.199").unwrap().to_string(), "2.4.199");
        assert_eq!(v("2.4").unwrap().to_string(), "2.4.0");
        assert_eq!(v("2.4.199-dev").unwrap().to_string(), "2.4.199");
        for bad in ["", "two", "2", "2..1", "2.4.1.9", "x2.4.1"] {
            assert_eq!(v(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn bounds_are_numbers_only() {
        let b = |s| MispVersion::parse_bound(s);
        assert_eq!(b("2.5.1").unwrap().to_string(), "2.5.1");
        assert_eq!(b(" v2.4.199 ").unwrap().to_string(), "2.4.199");
        assert_eq!(b("2.4").unwrap().to_string(), "2.4.0");
        for bad in [
            "2.4.x",
            "2.4.1a",
            "2.4.",
            "2.4.1-dev",
            "2.4.1.9",
            "2",
            "",
            "v",
            "2..1",
            ".2.4",
            "2.4.+1",
            "2.4.99999999999999999999",
            "2.4 .1",
            "x2.4.1",
        ] {
            assert_eq!(b(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn orders_numerically() {
        let v = |s| MispVersion::parse(s).unwrap();
        assert!(v("2.4.99") < v("2.4.100"));
        assert!(v("2.4.199") < v("2.5.0"));
        assert_eq!(v("2.5"), v("2.5.0"));
    }

    #[test]
    fn reads_historical_get_version_shapes() {
        let shapes = [
            // 2.4.130
            json!({"version": "2.4.130", "perm_sync": false, "perm_sighting": true}),
            // 2.4.150 - 2.4.180
            json!({"version": "2.4.170", "pymisp_recommended_version": "2.4.170", "perm_sync": false, "perm_sighting": true, "perm_galaxy_editor": true, "request_encoding": ["gzip"], "filter_sightings": true}),
            // 2.4.190+ and 2.5
            json!({"version": "2.5.1", "pymisp_recommended_version": "2.5.1", "perm_sync": false, "perm_sighting": true, "perm_galaxy_editor": true, "perm_analyst_data": true, "uuid": "-", "request_encoding": ["gzip", "br"], "filter_sightings": true}),
            json!({"major": 2, "minor": "4", "hotfix": 99}),
        ];
        let found: Vec<String> = shapes
            .iter()
            .map(|s| MispVersion::from_get_version(s).unwrap().to_string())
            .collect();
        assert_eq!(found, ["2.4.130", "2.4.170", "2.5.1", "2.4.99"]);
        assert_eq!(MispVersion::from_get_version(&json!({"name": "x"})), None);
        assert_eq!(MispVersion::from_get_version(&json!(["2.5.1"])), None);
    }
}
