//! Sync servers: `/servers/index` and `/servers/testConnection/{id}` as MISP 2.5 answers
//! them (`ServersController::index`/`testConnection`, `Server::runConnectionTest`).
//!
//! No partner is contacted: each server carries the outcome its connection test gives.

use crate::json::{Style, J};

/// What MISP's connection test to a server finds (the `status` of its answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// 1: connected; `post` is the test POST's status (1 fine, 8 could not POST,
    /// 9 body altered, 10 headers altered).
    Connected {
        /// The test POST's status.
        post: u8,
    },
    /// 2: the partner cannot be reached.
    Unreachable,
    /// 3: the partner's answer is not a MISP's.
    Unexpected,
    /// 4: the partner refused the key.
    KeyRefused,
    /// 5: the partner's user must change its password.
    PasswordChange,
    /// 6: the partner's user has not accepted the terms of use.
    TermsNotAccepted,
    /// 7: the partner's user has neither sync nor sighting rights.
    NotSyncUser,
    /// 8: the partner's user has sighting rights only.
    SightingsOnly,
}

impl Connection {
    fn status(self) -> u64 {
        match self {
            Connection::Connected { .. } => 1,
            Connection::Unreachable => 2,
            Connection::Unexpected => 3,
            Connection::KeyRefused => 4,
            Connection::PasswordChange => 5,
            Connection::TermsNotAccepted => 6,
            Connection::NotSyncUser => 7,
            Connection::SightingsOnly => 8,
        }
    }

    /// The status number as MISP writes it (1 to 8).
    pub fn from_status(status: u64, post: u8) -> Option<Connection> {
        Some(match status {
            1 => Connection::Connected { post },
            2 => Connection::Unreachable,
            3 => Connection::Unexpected,
            4 => Connection::KeyRefused,
            5 => Connection::PasswordChange,
            6 => Connection::TermsNotAccepted,
            7 => Connection::NotSyncUser,
            8 => Connection::SightingsOnly,
            _ => return None,
        })
    }
}

/// One server entry (a sync partner) of the simulated MISP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncServer {
    pub name: String,
    pub url: String,
    pub pull: bool,
    pub push: bool,
    /// The key MISP uses at the partner: stored, never listed by the index (as in 2.5).
    pub authkey: String,
    /// The partner's MISP version, for `mismatch`/`newer`.
    pub remote_version: String,
    pub connection: Connection,
}

impl SyncServer {
    /// A pull-and-push server that connects fine to a partner of the same version.
    pub fn new(name: &str, url: &str) -> SyncServer {
        SyncServer {
            name: name.to_string(),
            url: url.to_string(),
            pull: true,
            push: true,
            authkey: "SimPartnerSyncKey00000000000000000000001".to_string(),
            remote_version: "2.5.1".to_string(),
            connection: Connection::Connected { post: 1 },
        }
    }
}

const HOST_ORG_UUID: &str = "5e4b5a1c-0000-4c1e-9a57-3c0d2b1e6f41";

fn org() -> J {
    J::obj([
        ("id", J::s("1")),
        ("name", J::s("ORGNAME")),
        ("uuid", J::s(HOST_ORG_UUID)),
        ("nationality", J::s("")),
        ("sector", J::s("")),
        ("type", J::s("ADMIN")),
    ])
}

/// `GET /servers/index`: every server, without its authkey.
pub(crate) fn index(servers: &[SyncServer]) -> J {
    let pull_rules = r#"{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]},"type_attributes":{"NOT":[]},"type_objects":{"NOT":[]},"url_params":""}"#;
    let push_rules = r#"{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}"#;
    J::Arr(
        servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let server = J::obj([
                    ("id", J::s((i + 1).to_string())),
                    ("name", J::s(s.name.clone())),
                    ("url", J::s(s.url.clone())),
                    ("org_id", J::s("1")),
                    ("push", J::Bool(s.push)),
                    ("pull", J::Bool(s.pull)),
                    ("push_sightings", J::Bool(false)),
                    ("push_galaxy_clusters", J::Bool(false)),
                    ("push_analyst_data", J::Bool(false)),
                    ("pull_analyst_data", J::Bool(false)),
                    ("pull_galaxy_clusters", J::Bool(false)),
                    ("lastpulledid", J::Null),
                    ("lastpushedid", J::Null),
                    ("organization", J::Null),
                    ("remote_org_id", J::s("1")),
                    ("publish_without_email", J::Bool(false)),
                    ("unpublish_event", J::Bool(false)),
                    ("self_signed", J::Bool(false)),
                    ("pull_rules", J::s(pull_rules)),
                    ("push_rules", J::s(push_rules)),
                    ("cert_file", J::Null),
                    ("client_cert_file", J::Null),
                    ("internal", J::Bool(false)),
                    ("skip_proxy", J::Bool(false)),
                    ("remove_missing_tags", J::Bool(false)),
                    ("caching_enabled", J::Bool(false)),
                    ("priority", J::s((i + 1).to_string())),
                    ("cache_timestamp", J::Bool(false)),
                ]);
                J::obj([
                    ("Server", server),
                    ("Organisation", org()),
                    ("RemoteOrg", org()),
                    ("User", J::Arr(Vec::new())),
                ])
            })
            .collect(),
    )
}

fn parts(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, p) in out.iter_mut().zip(v.split('.')) {
        *slot = p.parse().unwrap_or(0);
    }
    out
}

/// `POST /servers/testConnection/{id}`: the answer and the style MISP encodes it in
/// (status 1 through the REST view, the others as plain `json_encode`).
pub(crate) fn test(s: &SyncServer, local_version: &str, style: Style) -> (J, Style) {
    let status = s.connection.status();
    let cert = ("client_certificate", J::Null);
    match s.connection {
        Connection::Connected { post } => {
            let (remote, local) = (parts(&s.remote_version), parts(local_version));
            let mut mismatch = J::Bool(false);
            let mut newer = J::Bool(false);
            for (i, part) in ["major", "minor", "hotfix"].iter().enumerate() {
                if remote[i] != local[i] {
                    mismatch = J::s(*part);
                    newer = J::s(if remote[i] > local[i] {
                        "remote"
                    } else {
                        "local"
                    });
                    break;
                }
            }
            if matches!(mismatch, J::Bool(false)) && remote[2] < 111 {
                mismatch = J::s("proposal");
            }
            let body = J::obj([
                ("status", J::n(status)),
                ("local_version", J::s(local_version)),
                ("version", J::s(s.remote_version.clone())),
                ("mismatch", mismatch),
                ("newer", newer),
                ("post", J::n(u64::from(post))),
                ("response_encoding", J::Null),
                ("request_encoding", J::Arr(vec![J::s("gzip")])),
                cert,
                ("uuid", J::s("1dcecc24-9e96-4df7-adcb-2d507d793cf0")),
            ]);
            (body, style)
        }
        Connection::NotSyncUser | Connection::SightingsOnly => {
            let info = J::obj([
                ("version", J::s(s.remote_version.clone())),
                ("pymisp_recommended_version", J::s(s.remote_version.clone())),
                ("perm_sync", J::Bool(false)),
                (
                    "perm_sighting",
                    J::Bool(s.connection == Connection::SightingsOnly),
                ),
                ("perm_galaxy_editor", J::Bool(true)),
                ("perm_analyst_data", J::Bool(true)),
                ("uuid", J::s("-")),
                ("request_encoding", J::Arr(vec![J::s("gzip")])),
                ("filter_sightings", J::Bool(true)),
            ]);
            let post = J::obj([("status", J::n(1)), ("content-encoding", J::Null)]);
            let body = J::obj([
                ("status", J::n(status)),
                ("info", info),
                cert,
                ("post", post),
            ]);
            (body, Style::Php)
        }
        _ => (J::obj([("status", J::n(status)), cert]), Style::Php),
    }
}
