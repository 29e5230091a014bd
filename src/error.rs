//! Every way a check can fail, and the one place that maps a failure to a state.

use crate::outcome::State;

/// What the check was doing when the deadline fired, for the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Resolving(String),
    Connecting(String),
    /// Waiting for a proxy to open a CONNECT tunnel.
    ProxyTunnel(String),
    TlsHandshake,
    /// Request sent, no status line yet.
    ResponseHeaders,
    /// Status line seen, body incomplete.
    ResponseBody,
    /// Sleeping between the restart and the re-check.
    Settling,
    /// Anything else in the check (the backstop deadline).
    Check,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Resolving(h) => write!(f, "resolving {h}"),
            Phase::Connecting(a) => write!(f, "connecting to {a}"),
            Phase::ProxyTunnel(p) => write!(f, "waiting for proxy {p} to open a tunnel"),
            Phase::TlsHandshake => f.write_str("in the TLS handshake"),
            Phase::ResponseHeaders => f.write_str("waiting for response headers"),
            Phase::ResponseBody => f.write_str("reading the response body"),
            Phase::Settling => f.write_str("waiting for workers to restart"),
            Phase::Check => f.write_str("running the check"),
        }
    }
}

/// A failure, named by a cause a person can act on. Messages never contain the API key.
/// Cloned when checks share a request that failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line (including bad ranges and durations).
    #[error("{0}")]
    Usage(String),
    /// No MISP URL from any source although the check talks to MISP.
    #[error("no MISP given: use --url URL (or env MISP_URL) or -H HOST")]
    NoUrl,
    /// No key from any source although the check needs one.
    #[error("no API key: use --key-file PATH, MISP_KEY_FILE or MISP_KEY")]
    NoKey,
    /// The key file could not be read.
    #[error("cannot read API key file {path}: {reason}")]
    KeyFile {
        /// The file's path as shown (`[redacted]` when it looks like a key).
        path: String,
        reason: String,
    },
    /// The key is not of MISP's format; `source` names where it came from.
    #[error("API key from {source_name} {reason}")]
    KeyFormat {
        /// Where the key came from (`--key`, `MISP_KEY`, a file path).
        source_name: String,
        /// The shape problem (never the key).
        reason: crate::secret::KeyError,
    },
    /// A local file the check needs (CA bundle, state file, cache) is unusable.
    #[error("{0}")]
    LocalFile(String),

    /// Name resolution failed.
    #[error("cannot resolve {host}: {reason}")]
    Dns {
        host: String,
        /// Resolver's answer.
        reason: String,
    },
    /// Nothing listens on the port.
    #[error("connection refused by {addr}")]
    Refused { addr: String },
    /// Connect failed for another reason (unreachable network, ...).
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    /// The proxy could not be reached or refused to carry the request; the sentence names it.
    #[error("{0}")]
    Proxy(String),
    /// TLS handshake failed (certificate problems included).
    #[error("TLS with {host} failed: {reason}")]
    Tls {
        host: String,
        /// The cause and, where there is one, the fix.
        reason: String,
    },
    /// The deadline fired.
    #[error("timed out after {after} {phase}")]
    Timeout {
        /// The configured deadline, as given.
        after: String,
        phase: Phase,
    },
    /// The connection broke or the peer did not speak HTTP.
    #[error("{0}")]
    Transport(String),
    /// The body was larger than the cap.
    #[error("response too large: MISP sent more than {limit} bytes for {path}")]
    TooLarge { path: String, limit: u64 },

    /// The diagnostics report failed, and the worker list shows MISP cannot reach Redis.
    #[error("redis: MISP cannot reach Redis (it could not list its workers nor read a queue length); {0}")]
    RedisUnreachable(String),
    /// The worker list failed with a server error while MISP's cheapest API call answered:
    /// MISP 2.4 (CakeResque) lets Redis being down through as a bare 500 there.
    #[error("MISP could not list its workers, while it answers GET /servers/getVersion (is Redis down? CakeResque keeps its worker list there; MISP's error log says why); {0}")]
    WorkersUnlisted(String),
    /// 403 with MISP's authentication failure.
    #[error("MISP answered 403: the API key was not accepted{detail}")]
    KeyRejected {
        /// Extra detail MISP gave, if any, starting with "; ".
        detail: String,
    },
    /// 403 "You do not have permission": the key works but its user may not do this (not a
    /// site admin, or a read-only key). The monitoring is set up wrong, MISP is fine.
    #[error("MISP answered 403 for {method} {path}{detail}")]
    NotPermitted {
        method: String,
        path: String,
        /// MISP's message and the fix, starting with ": ".
        detail: String,
    },
    /// Any other unexpected HTTP status.
    #[error("MISP answered {status} for {method} {path}{detail}")]
    Status {
        status: u16,
        method: String,
        path: String,
        /// MISP's message or a hint, starting with ": " or " (".
        detail: String,
    },
    /// A 3xx answer; redirects are never followed.
    #[error("MISP answered {status} redirecting {path} to {location}{hint}")]
    Redirect {
        status: u16,
        path: String,
        location: String,
        /// What the redirect most likely means.
        hint: String,
    },
    /// Something else than the JSON expected.
    #[error("unexpected answer to {path}: {reason}")]
    Malformed { path: String, reason: String },
    /// `["Background jobs not enabled"]`: nothing to judge.
    #[error(
        "background jobs are disabled in MISP (MISP.background_jobs is off): no workers to check"
    )]
    BackgroundJobsDisabled,
    /// The process was asked to stop.
    #[error("terminated by {0} before the check finished")]
    Terminated(&'static str),
}

impl Error {
    /// The one mapping from failure to state. `timeout_result` is `--timeout-result`.
    pub fn state(&self, timeout_result: State) -> State {
        match self {
            Error::Usage(_)
            | Error::NoUrl
            | Error::NoKey
            | Error::KeyFile { .. }
            | Error::KeyFormat { .. }
            | Error::LocalFile(_)
            | Error::BackgroundJobsDisabled
            | Error::NotPermitted { .. }
            | Error::Terminated(_) => State::Unknown,
            Error::Timeout { .. } => timeout_result,
            Error::Dns { .. }
            | Error::Refused { .. }
            | Error::Connect { .. }
            | Error::Proxy(_)
            | Error::Tls { .. }
            | Error::Transport(_)
            | Error::TooLarge { .. }
            | Error::KeyRejected { .. }
            | Error::Status { .. }
            | Error::RedisUnreachable(_)
            | Error::WorkersUnlisted(_)
            | Error::Redirect { .. }
            | Error::Malformed { .. } => State::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_problems_are_unknown_and_outages_critical() {
        assert_eq!(Error::NoKey.state(State::Critical), State::Unknown);
        assert_eq!(
            Error::BackgroundJobsDisabled.state(State::Critical),
            State::Unknown
        );
        let not_admin = Error::NotPermitted {
            method: "GET".into(),
            path: "/servers/getWorkers".into(),
            detail: String::new(),
        };
        assert_eq!(not_admin.state(State::Critical), State::Unknown);
        let refused = Error::Refused {
            addr: "127.0.0.1:1".into(),
        };
        assert_eq!(refused.state(State::Unknown), State::Critical);
        let t = Error::Timeout {
            after: "10s".into(),
            phase: Phase::ResponseHeaders,
        };
        assert_eq!(t.state(State::Warning), State::Warning);
        assert_eq!(
            t.to_string(),
            "timed out after 10s waiting for response headers"
        );
    }
}
