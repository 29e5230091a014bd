//! The contract between the command line and the checks: what a check runs with (the
//! common options, validated) and what a check states about itself ([`Defaults`]).

use crate::http::{BaseUrl, ClientIdentity, Network};
use crate::outcome::{State, Thresholds};
use crate::output::OutputMode;
use crate::range::{Range, RangeUnit};
use crate::secret::ApiKey;
use std::path::PathBuf;
use std::time::Duration;

/// Built by [`crate::cli::build`] from the command line and the environment, with the
/// check's own defaults filled in.
#[derive(Clone, Debug)]
pub struct Options {
    /// `None` only when the check does not talk to MISP (`stats`/`users` answered from
    /// `--cache-file`), where no URL is required.
    pub base: Option<BaseUrl>,
    /// Present for checks that need one.
    pub key: Option<ApiKey>,
    pub timeout: Duration,
    /// State when the deadline fires.
    pub timeout_result: State,
    /// `-w`/`-c`, with the check's defaults filled in.
    pub thresholds: Thresholds,
    pub output: OutputMode,
    /// `--output-file`: main writes the rendered output there instead of to stdout.
    pub output_file: Option<PathBuf>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    /// `--client-cert`/`--client-key`, read and matched.
    pub identity: Option<ClientIdentity>,
    /// `--header`, validated: never Authorization, never the key.
    pub headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    /// How to connect: `-I`, `-4`/`-6`, the proxy.
    pub network: Network,
    pub verbose: u8,
    /// `--state-dir` or env `MISP_STATE_DIR`; `None`: [`crate::memory::default_dir`].
    pub state_dir: Option<PathBuf>,
}

/// What a check asks of the common options; each check states its own.
#[derive(Clone, Debug)]
pub struct Defaults {
    /// The deadline when `-t` is not given.
    pub timeout: Duration,
    /// `None` for a check whose judgement has no number for `-w`/`-c` to apply to.
    pub thresholds: Option<ThresholdDefaults>,
    /// False for a check that makes no request (then neither URL nor key is read).
    pub url: bool,
    pub key: bool,
    /// Set for a check that only makes sense over https: why, said for an http:// URL.
    pub https_only: Option<&'static str>,
}

/// How `-w`/`-c` read for a check, and what they are when not given.
#[derive(Clone, Debug)]
pub struct ThresholdDefaults {
    pub unit: RangeUnit,
    pub warn: Option<Range>,
    pub crit: Option<Range>,
}

impl Defaults {
    /// A check that asks MISP with a key, takes `-w`/`-c` in `unit` with no defaults and
    /// waits 10 seconds.
    pub fn new(unit: RangeUnit) -> Self {
        Defaults {
            timeout: Duration::from_secs(10),
            thresholds: Some(ThresholdDefaults {
                unit,
                warn: None,
                crit: None,
            }),
            url: true,
            key: true,
            https_only: None,
        }
    }

    /// A check with no number to judge: `-w`/`-c` are refused.
    pub fn without_thresholds() -> Self {
        Defaults {
            thresholds: None,
            ..Defaults::new(RangeUnit::Count)
        }
    }

    pub fn warn(mut self, r: Range) -> Self {
        if let Some(t) = &mut self.thresholds {
            t.warn = Some(r);
        }
        self
    }

    pub fn crit(mut self, r: Range) -> Self {
        if let Some(t) = &mut self.thresholds {
            t.crit = Some(r);
        }
        self
    }

    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Public endpoints: no key is loaded, so none can leak.
    pub fn keyless(mut self) -> Self {
        self.key = false;
        self
    }

    /// No request at all: neither URL nor key is read.
    pub fn offline(mut self) -> Self {
        self.url = false;
        self.key = false;
        self
    }

    pub fn https_only(mut self, why: &'static str) -> Self {
        self.https_only = Some(why);
        self
    }
}

/// `--timeout`-style values: humantime (`10s`, `1m30s`, `500ms`) or plain seconds (`10`, `2.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = match s.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        Ok(_) => return Err(format!("'{s}' is not a positive duration")),
        Err(_) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("'{s}' is not a duration like 10s, 1m30s or 10 ({e})"))?,
    };
    if d.is_zero() {
        return Err("a zero duration is not allowed".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_plain_or_humantime() {
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "ten", "", "10 parsecs", "inf", "NaN"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }
}
