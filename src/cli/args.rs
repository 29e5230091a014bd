//! The options every check takes, and the value parsers they share.

use crate::outcome::State;
use crate::output::OutputMode;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Options every check takes (accepted before or after the check name).
#[derive(Clone, Debug, Args)]
pub struct CommonArgs {
    /// Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)
    #[arg(short = 'u', long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Shorthand for --url https://HOST (as OpenNMS passes it)
    #[arg(
        short = 'H',
        long,
        global = true,
        value_name = "HOST",
        conflicts_with = "url"
    )]
    pub hostname: Option<String>,
    /// File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)
    #[arg(short = 'k', long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// The API key itself (visible in ps: prefer --key-file)
    #[arg(long, global = true, value_name = "KEY", conflicts_with = "key_file")]
    pub key: Option<String>,
    /// Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]
    #[arg(short = 't', long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// State to report when the deadline fires
    #[arg(long, global = true, value_enum, default_value_t = State::Critical, value_name = "STATE")]
    pub timeout_result: State,
    /// Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)
    #[arg(
        short = 'w',
        long,
        global = true,
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub warning: Option<String>,
    /// Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)
    #[arg(
        short = 'c',
        long,
        global = true,
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub critical: Option<String>,
    /// Output mode
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputMode::Nagios, value_name = "MODE")]
    pub output: OutputMode,
    /// Write what would go to standard output into this file instead, atomically (e.g. for node_exporter's textfile collector)
    #[arg(long, global = true, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// Trust only the CA certificates in this PEM file
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify the server's certificate
    #[arg(long, global = true, conflicts_with = "ca_cert")]
    pub insecure: bool,
    /// Client certificate (PEM, own certificate first) for a TLS front that requires one
    #[arg(short = 'J', long, global = true, value_name = "PEM")]
    pub client_cert: Option<PathBuf>,
    /// Private key of --client-cert (PEM; not needed when it is in the certificate file)
    #[arg(
        short = 'K',
        long,
        global = true,
        value_name = "PEM",
        requires = "client_cert"
    )]
    pub client_key: Option<PathBuf>,
    /// Extra request header 'Name: value' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)
    #[arg(long, global = true, value_name = "HEADER")]
    pub header: Vec<String>,
    /// Connect to this address instead of the URL's host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host's addresses
    #[arg(
        short = 'I',
        long,
        global = true,
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub address: Vec<String>,
    /// Connect over IPv4 only
    #[arg(short = '4', long, global = true, conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Connect over IPv6 only
    #[arg(short = '6', long, global = true)]
    pub ipv6: bool,
    /// HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy
    #[arg(long, global = true, value_name = "LIST")]
    pub noproxy: Option<String>,
    /// More detail in the long output (repeatable; never shows the key)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
