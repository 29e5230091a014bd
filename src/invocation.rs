//! What a check runs with: the common options, validated.

use crate::http::{BaseUrl, ClientIdentity, Network};
use crate::outcome::{State, Thresholds};
use crate::output::OutputMode;
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
}
