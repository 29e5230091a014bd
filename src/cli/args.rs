//! The clap root: the checks' subcommands and the options every check takes.

use crate::checks::CheckArgs;
use crate::invocation::parse_duration;
use crate::outcome::State;
use crate::output::OutputMode;
use crate::range::RawRange;
use clap::{Args, Parser};
use std::path::PathBuf;
use std::time::Duration;

/// Monitoring plugins for MISP.
///
/// Run as `check_misp <CHECK> [OPTIONS]`, or through a link named `check_misp_<CHECK>`.
/// Exit codes follow the Monitoring Plugins guidelines (0 OK, 1 WARNING, 2 CRITICAL,
/// 3 UNKNOWN); `-o okko` prints OK/KO and exits 0/1 for OpenNMS.
#[derive(Debug, Parser)]
#[command(
    name = "check_misp",
    version,
    disable_help_subcommand = true,
    propagate_version = true,
    after_help = "The API key is read from --key-file, MISP_KEY_FILE or MISP_KEY (--key is visible in ps)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

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
        allow_hyphen_values = true,
        value_parser = RawRange::parse_arg
    )]
    pub warning: Option<RawRange>,
    /// Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)
    #[arg(
        short = 'c',
        long,
        global = true,
        value_name = "RANGE",
        allow_hyphen_values = true,
        value_parser = RawRange::parse_arg
    )]
    pub critical: Option<RawRange>,
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
    /// Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// More detail in the long output (repeatable; never shows the key)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}
