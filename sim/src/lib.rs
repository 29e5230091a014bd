//! A MISP simulator for check_misp's tests, demo and benchmarks.
//!
//! It speaks MISP's wire format as described in `docs/misp-wire-format.md` (REST
//! detection, key auth, `getWorkers` in three generations of worker management,
//! `restartDeadWorkers` that really revives killed workers, the minimal event index,
//! statistics, version, heartbeat, the `serverSettings` diagnostics report, and sync
//! servers with `testConnection` answering each of MISP's statuses) over HTTP
//! and HTTPS on loopback, and can be told to misbehave (hang, drip, reset, truncate, …)
//! per path.
//!
//! ```no_run
//! let sim = misp_sim::Sim::start(Default::default()).unwrap();
//! sim.kill_worker("default");
//! println!("{} with key {}", sim.https_url(), misp_sim::DEFAULT_KEY);
//! ```

mod authkeys;
mod control;
mod diagnostics;
mod feeds;
mod json;
mod login;
mod server;
mod state;
mod sync;

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use feeds::Fetch;
use state::Shared;
pub use sync::{Connection, SyncServer};

/// The site-admin API key a default `Sim` accepts (40 alphanumerics, as MISP requires).
pub const DEFAULT_KEY: &str = "SimSiteAdminKey0000000000000000000000001";

/// A valid key of a user who is not site admin: REST works, but `getWorkers` and the
/// restart calls answer 403 "You do not have permission to use this functionality.".
pub const READONLY_KEY: &str = "SimReadOnlyUserKey0000000000000000000002";

/// How the simulated MISP manages its background workers (wire format §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerMode {
    /// 2.5 SimpleBackgroundJobs: supervisord runs 5/5/5/5/1 processes; dead processes
    /// vanish from the list; `supervisord_status` key; no scheduler queue.
    Supervisor,
    /// CakeResque from 2.4.133: dead registrations stay as `alive:false, ok:false`; a
    /// `scheduler` queue without `jobCount`; queue `ok` only with a live worker.
    CakeResque,
    /// CakeResque up to 2.4.132: like `CakeResque`, but a queue is `ok:true` whenever it
    /// has any entry, even if all of them are dead.
    Legacy,
}

/// How numbers are encoded in JSON answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// MISP 2.5: counts as JSON strings (statistics, event ids and timestamps);
    /// `jobCount` and `pid` in `getWorkers` stay ints, as in 2.4.
    V25,
    /// MISP 2.4: JSON numbers; `attributes_per_event` and `average_user_per_org` are
    /// floats such as `161.0`.
    V24,
}

/// Start-up options of a [`Sim`].
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// The site-admin API key (40 alphanumerics).
    pub key: String,
    /// Worker management generation.
    pub mode: WorkerMode,
    /// Number encoding of the JSON answers.
    pub encoding: Encoding,
    /// Address both listeners bind to (default 127.0.0.1).
    pub bind: IpAddr,
    /// HTTP port; 0 picks a free one.
    pub http_port: u16,
    /// HTTPS port; 0 picks a free one.
    pub https_port: u16,
    /// How long after `restartDeadWorkers` the workers show up again (default 300 ms).
    pub revive_delay: Duration,
    /// Subject alternative names of the certificate; IP strings become IP SANs.
    pub tls_names: Vec<String>,
    /// Make the certificate's validity lie entirely in the past.
    pub tls_expired: bool,
    /// Mark the self-signed certificate CA:TRUE, as `openssl req -x509` does.
    pub tls_ca: bool,
    /// Sign the certificate by an intermediate CA that expires in this many days, itself
    /// signed by a root; the chain is served and [`Sim::ca_pem`] is the root.
    pub tls_intermediate_days: Option<u32>,
    /// Number of events in the event index (default 12).
    pub events: u32,
    /// `MISP.baseurl`, where a page request without a session is redirected (default:
    /// the simulator's own HTTPS URL, as on an installed MISP).
    pub baseurl: Option<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            key: DEFAULT_KEY.to_string(),
            mode: WorkerMode::Supervisor,
            encoding: Encoding::V25,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            http_port: 0,
            https_port: 0,
            revive_delay: Duration::from_millis(300),
            tls_names: vec!["localhost".to_string(), "127.0.0.1".to_string()],
            tls_expired: false,
            tls_ca: false,
            tls_intermediate_days: None,
            events: 12,
            baseurl: None,
        }
    }
}

/// The database schema version the simulated MISP expects in `serverSettings`.
pub const DB_VERSION: u64 = diagnostics::DB_VERSION;

/// A misbehaviour to inject instead of the normal answer (see [`Sim::set_fault`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Read the request, never answer; the socket stays open until the `Sim` drops.
    Hang,
    /// Send the real answer's headers (with its full Content-Length), then its body one
    /// byte every `1/bytes_per_sec` seconds.
    Drip {
        /// Body bytes per second (at least 1).
        bytes_per_sec: u32,
    },
    /// Send the real answer's headers with its full Content-Length and half its body,
    /// then close the TCP connection with RST.
    ResetMidBody,
    /// Answer exactly this.
    Status {
        /// HTTP status code.
        code: u16,
        /// Content-Type header.
        content_type: String,
        /// Body.
        body: String,
    },
    /// 200 `application/json` with a Content-Length of `bytes`: `[` then filler.
    HugeBody {
        /// Body size.
        bytes: u64,
    },
    /// Like `HugeBody` but chunked, so the size is not known up front.
    HugeChunked {
        /// Body size.
        bytes: u64,
    },
    /// 200 `application/json`: the real answer with invalid UTF-8 inside a string.
    NonUtf8,
    /// The real answer (status and headers) with its body cut in the middle; the
    /// Content-Length matches the cut body, so only the JSON is broken.
    TruncatedJson,
    /// 302 to `location`.
    RedirectTo {
        /// Location header.
        location: String,
    },
}

/// MISP's rate-limit answer (`RestResponse->throwException(429, …)`; the
/// `X-Rate-Limit-*` headers are left out).
pub fn rate_limited() -> Fault {
    Fault::Status {
        code: 429,
        content_type: "application/json; charset=UTF-8".to_string(),
        body: r#"{"name":"Rate limit exceeded.","message":"Rate limit exceeded.","url":"/events/index"}"#
            .to_string(),
    }
}

/// The HTML page MISP (CakePHP, debug 0) serves for an internal error.
pub fn html_500() -> Fault {
    Fault::Status {
        code: 500,
        content_type: "text/html; charset=UTF-8".to_string(),
        body: server::error_500_html("/"),
    }
}

/// The 403 a non-site-admin gets on admin endpoints, for the given request path.
pub fn permission_denied(path: &str) -> Fault {
    Fault::Status {
        code: 403,
        content_type: "application/json; charset=UTF-8".to_string(),
        body: format!(
            r#"{{"name":"You do not have permission to use this functionality.","message":"You do not have permission to use this functionality.","url":"{}"}}"#,
            path.replace('/', "\\/")
        ),
    }
}

/// A running simulator. Dropping it stops both listeners and every connection.
pub struct Sim {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    http: std::net::SocketAddr,
    https: std::net::SocketAddr,
    ca_pem: String,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("http", &self.http)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // shutdown_background never blocks, so a Sim may be dropped inside async tests.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// A fresh certificate for `names` as (PEM to trust, rustls config): self-signed, or
/// behind an intermediate when asked.
fn make_tls(opts: &SimOptions) -> io::Result<(String, rustls::ServerConfig)> {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut params = rcgen::CertificateParams::new(opts.tls_names.clone()).map_err(other)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "misp-sim");
    // From last year to two years ahead: valid today and far from any expiry warning.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let year = 1970 + (now / 31_556_952) as i32;
    let (from, to) = if opts.tls_expired {
        (year - 3, year - 2)
    } else {
        (year - 1, year + 2)
    };
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    if opts.tls_ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    let key = rcgen::KeyPair::generate().map_err(other)?;
    let (chain, trusted) = match opts.tls_intermediate_days {
        None => {
            let cert = params.self_signed(&key).map_err(other)?;
            (vec![cert.der().clone()], cert.pem())
        }
        Some(days) => {
            let ca = |cn: &str| -> io::Result<rcgen::CertificateParams> {
                let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(other)?;
                p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
                p.distinguished_name.push(rcgen::DnType::CommonName, cn);
                p.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
                p.not_after = rcgen::date_time_ymd(year + 5, 1, 1);
                Ok(p)
            };
            let root_key = rcgen::KeyPair::generate().map_err(other)?;
            let root = ca("misp-sim root")?.self_signed(&root_key).map_err(other)?;
            let mut mid = ca("misp-sim intermediate")?;
            let end = now + u64::from(days) * 86_400 + 3_600;
            mid.not_after = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(end);
            let mid_key = rcgen::KeyPair::generate().map_err(other)?;
            let mid = mid.signed_by(&mid_key, &root, &root_key).map_err(other)?;
            let cert = params.signed_by(&key, &mid, &mid_key).map_err(other)?;
            (vec![cert.der().clone(), mid.der().clone()], root.pem())
        }
    };
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(other)?
        .with_no_client_auth()
        .with_single_cert(chain, der)
        .map_err(other)?;
    Ok((trusted, config))
}

impl Sim {
    /// Starts both listeners on a runtime of its own and returns once they are bound.
    pub fn start(opts: SimOptions) -> io::Result<Sim> {
        let (ca_pem, tls) = make_tls(&opts)?;
        let http = std::net::TcpListener::bind((opts.bind, opts.http_port))?;
        let https = std::net::TcpListener::bind((opts.bind, opts.https_port))?;
        http.set_nonblocking(true)?;
        https.set_nonblocking(true)?;
        let (http_addr, https_addr) = (http.local_addr()?, https.local_addr()?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("misp-sim")
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared::new(&opts));
        if opts.baseurl.is_none() {
            shared.lock().baseurl = format!("https://{https_addr}");
        }
        {
            // from_std needs a runtime context; entering one works even when the caller
            // is itself inside another runtime (no block_on here).
            let _guard = runtime.enter();
            let http = tokio::net::TcpListener::from_std(http)?;
            let https = tokio::net::TcpListener::from_std(https)?;
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
            runtime.spawn(server::accept_loop(http, shared.clone(), None));
            runtime.spawn(server::accept_loop(https, shared.clone(), Some(acceptor)));
        }
        Ok(Sim {
            shared,
            runtime: Some(runtime),
            http: http_addr,
            https: https_addr,
            ca_pem,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// `https://127.0.0.1:PORT`; the certificate covers 127.0.0.1 and localhost.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.https)
    }

    /// Port of the HTTP listener.
    pub fn http_port(&self) -> u16 {
        self.http.port()
    }

    /// Port of the HTTPS listener.
    pub fn https_port(&self) -> u16 {
        self.https.port()
    }

    /// PEM of the self-signed server certificate; trust it as the CA.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Writes [`Sim::ca_pem`] to `path`.
    pub fn write_ca(&self, path: &std::path::Path) -> io::Result<()> {
        std::fs::write(path, &self.ca_pem)
    }

    /// Kills one live worker of `queue`; false if it has none alive (or is unknown).
    pub fn kill_worker(&self, queue: &str) -> bool {
        self.shared.lock().kill(queue, false) > 0
    }

    /// Kills every live worker of `queue`; returns how many.
    pub fn kill_queue(&self, queue: &str) -> usize {
        self.shared.lock().kill(queue, true)
    }

    /// CakeResque's start race, once: the next restart of `from`'s dead workers registers
    /// them under `to` (seen on a real MISP 2.4: the new update worker listed as default).
    pub fn misregister_next_restart(&self, from: &'static str, to: &'static str) {
        self.shared.lock().misregister = Some((from, to));
    }

    /// Runs `queue`'s workers as `user` (MISP's own is `www-data`), as a supervisor
    /// program with another `user=` does.
    pub fn set_worker_user(&self, queue: &str, user: &str) {
        self.shared.lock().set_user(queue, user);
    }

    /// Sets the number of queued jobs (`jobCount`) of `queue`.
    pub fn set_backlog(&self, queue: &str, jobs: u64) {
        self.shared.lock().set_backlog(queue, jobs);
    }

    /// `MISP.background_jobs`: when off, `getWorkers` answers
    /// `["Background jobs not enabled"]` and restarts do nothing.
    pub fn set_background_jobs(&self, enabled: bool) {
        self.shared.lock().background_jobs = enabled;
    }

    /// Supervisor mode only: when down, every queue is `{"ok":false,"jobCount":N}`,
    /// `supervisord_status` is false and `restartDeadWorkers` answers 500.
    pub fn set_supervisord(&self, up: bool) {
        self.shared.lock().supervisord = up;
    }

    /// Switches the worker generation and resets the workers to its healthy set
    /// (backlogs are kept; a pending revival is dropped).
    pub fn set_mode(&self, m: WorkerMode) {
        self.shared.lock().set_mode(m);
    }

    /// Switches the number encoding.
    pub fn set_encoding(&self, e: Encoding) {
        self.shared.lock().encoding = e;
    }

    /// Worker entries `getWorkers` currently shows as ok.
    pub fn alive_workers(&self) -> usize {
        self.shared.lock().alive_dead().0
    }

    /// Dead workers as the contract counts them from `getWorkers`: entries that are not
    /// ok, plus one per listed queue with no entry at all (how a dead supervisor process
    /// shows). 0 when background jobs are disabled.
    pub fn dead_workers(&self) -> usize {
        self.shared.lock().alive_dead().1
    }

    /// Number of events in the event index.
    pub fn set_events(&self, n: u32) {
        self.shared.lock().events = n;
    }

    /// The newest event's last change (Unix seconds); each older event is 10 minutes
    /// older. `None` restores the default: ten minutes before each request.
    pub fn set_newest_event(&self, timestamp: Option<u64>) {
        self.shared.lock().newest_event = timestamp;
    }

    /// Sets one statistics value (e.g. `event_count_month`, `user_count`); an unknown
    /// key is added at the end.
    pub fn set_stats(&self, key: &str, value: u64) {
        self.shared.lock().set_stat(key, value);
    }

    /// The version `getVersion` reports (default `2.5.1`).
    /// The site admin's key: its expiry (Unix seconds; `None`: none), whether it is
    /// read-only, and the addresses it is limited to.
    pub fn set_key(&self, expiration: Option<u64>, read_only: bool, allowed_ips: &[&str]) {
        let mut st = self.shared.lock();
        st.key.expiration = expiration;
        st.key.read_only = read_only;
        st.key.allowed_ips = allowed_ips.iter().map(|s| (*s).to_string()).collect();
    }

    /// Makes the site admin's key a classic `users.authkey` key (advanced auth keys off).
    pub fn set_classic_key(&self, classic: bool) {
        self.shared.lock().key.classic = classic;
    }

    /// `MISP.live`: offline, MISP lets only site admins in and sends every other key to its
    /// login page.
    pub fn set_live(&self, live: bool) {
        self.shared.lock().diag.live = live;
    }

    /// A column MISP expects, missing from the database (`dbSchemaDiagnostics`).
    pub fn drop_column(&self, table: &str, column: &str, column_type: &str) {
        self.shared.lock().diag.missing_columns.push((
            table.to_string(),
            column.to_string(),
            column_type.to_string(),
        ));
    }

    pub fn set_version(&self, v: &str) {
        self.shared.lock().version = v.to_string();
    }

    /// `MISP.baseurl` (see [`SimOptions::baseurl`]).
    pub fn set_baseurl(&self, url: &str) {
        self.shared.lock().baseurl = url.trim_end_matches('/').to_string();
    }

    /// Whether `/users/heartbeat` exists (default true). Off, the simulator behaves as a
    /// MISP before 2.4.194: a page request is redirected to the login page, and a REST
    /// request gets 404 once its key is accepted.
    pub fn set_heartbeat(&self, enabled: bool) {
        self.shared.lock().heartbeat = enabled;
    }

    /// `serverSettings` `backgroundJobsStatus` (default `OK`; MISP's others are
    /// `Not configured (so not tested)`, `Error connecting to Redis.`,
    /// `Error connecting to Supervisor.`, `Error connecting to Redis and Supervisor.`).
    /// Adds a feed to `/feeds/index` (after MISP's two default feeds, disabled) and
    /// returns its id; `headers` is what MISP stores for it, credentials included.
    pub fn add_feed(&self, name: &str, enabled: bool, caching: bool, headers: Option<&str>) -> u64 {
        self.shared
            .lock()
            .feeds
            .add_feed(name, enabled, caching, headers)
    }

    /// A feed's `cache_timestamp` (Unix time; `None`: never cached). False: no such feed.
    pub fn set_feed_cached(&self, id: u64, at: Option<u64>) -> bool {
        self.shared.lock().feeds.set_cached(id, at)
    }

    /// Records a fetch job, newest of all, and returns its id.
    pub fn add_fetch(&self, fetch: Fetch) -> u64 {
        self.shared.lock().feeds.add_fetch(fetch)
    }

    /// The timezone MISP's PHP writes job times in, as seconds east of UTC (default 0).
    pub fn set_php_offset(&self, secs: i64) {
        self.shared.lock().feeds.php_offset = secs;
    }

    pub fn set_jobs_status(&self, status: &str) {
        self.shared.lock().diag.jobs_status = status.to_string();
    }

    /// `serverSettings` `redisInfo.connection` (default true; false adds
    /// `connection_error: "Connection refused"`). In the CakeResque modes Redis down is
    /// what MISP 2.4 answers: a bare 500 for the worker list, the restarts and serverSettings.
    pub fn set_redis(&self, up: bool) {
        self.shared.lock().diag.redis = up;
    }

    /// `serverSettings` `dbSchemaDiagnostics.actual_db_version`; the expected version is
    /// [`DB_VERSION`].
    pub fn set_db_version(&self, actual: u64) {
        self.shared.lock().diag.db_version = actual;
    }

    /// `serverSettings` `version.upToDate`: `same` (default), `older` (then `newest` is
    /// the next hotfix), `newer`, `error` or `disabled` (then `newest` is null).
    pub fn set_up_to_date(&self, status: &str) {
        self.shared.lock().diag.up_to_date = status.to_string();
    }

    /// `serverSettings` `writeableDirs[path]`: 0 fine, 1 missing, 2 not writable (an
    /// unknown path is added).
    pub fn set_writeable_dir(&self, path: &str, code: u64) {
        diagnostics::Diag::set_path(&mut self.shared.lock().diag.dirs, path, code);
    }

    /// `serverSettings` `writeableFiles[path]`, codes as for directories.
    pub fn set_writeable_file(&self, path: &str, code: u64) {
        diagnostics::Diag::set_path(&mut self.shared.lock().diag.files, path, code);
    }

    /// `serverSettings` `moduleStatus[kind]` (`Enrichment`, `Import`, `Export`,
    /// `Cortex`): `None` is 0 (fine), `Some(text)` is MISP's error message.
    pub fn set_module_error(&self, kind: &str, error: Option<&str>) {
        self.shared.lock().diag.set_module(kind, error);
    }

    /// How many level-0 ("critical") entries of `serverSettings` `finalSettings` carry
    /// `error: 1` (default 0; a level-1 entry in error is always there).
    pub fn set_settings_errors(&self, n: usize) {
        self.shared.lock().diag.settings_errors = n;
    }

    /// Puts every `serverSettings` finding back to healthy.
    pub fn reset_diagnostics(&self) {
        self.shared.lock().diag = diagnostics::Diag::default();
    }

    /// Adds a sync server (listed by `/servers/index`) and returns its id.
    pub fn add_server(&self, server: SyncServer) -> u64 {
        let mut st = self.shared.lock();
        st.servers.push(server);
        st.servers.len() as u64
    }

    /// Changes what the connection test of server `id` finds; false for an unknown id.
    pub fn set_server_connection(&self, id: u64, connection: Connection) -> bool {
        let mut st = self.shared.lock();
        let slot = usize::try_from(id).ok().and_then(|i| i.checked_sub(1));
        match slot.and_then(|i| st.servers.get_mut(i)) {
            Some(s) => {
                s.connection = connection;
                true
            }
            None => false,
        }
    }

    /// Removes every sync server.
    pub fn clear_servers(&self) {
        self.shared.lock().servers.clear();
    }

    /// Delay added before answering every request outside `/__sim`.
    pub fn set_latency(&self, d: Duration) {
        self.shared.lock().latency = d;
    }

    /// Injects `fault` for request paths starting with `path_prefix` (every path when
    /// `None`). The newest matching fault wins; one per prefix.
    pub fn set_fault(&self, path_prefix: Option<&str>, fault: Fault) {
        self.shared.lock().set_fault(path_prefix, fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().clear_faults();
    }

    /// Requests seen for `endpoint`, written `"METHOD /controller/action"` (params and
    /// `.json` are stripped on both sides, so `"GET /events/index/limit:1"` works too).
    pub fn count(&self, endpoint: &str) -> u64 {
        let (method, path) = endpoint.split_once(' ').unwrap_or(("GET", endpoint));
        let key = state::endpoint(method, path);
        self.shared.lock().counts.get(&key).copied().unwrap_or(0)
    }

    /// Every request counter.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.clone()
    }

    /// Requests that carried an `Authorization` or `X-MISP-AUTH` header.
    pub fn requests_with_key(&self) -> u64 {
        self.shared.lock().with_key
    }

    /// Zeroes every counter.
    pub fn reset_counts(&self) {
        let mut st = self.shared.lock();
        st.counts.clear();
        st.with_key = 0;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_misp_shaped() {
        for k in [super::DEFAULT_KEY, super::READONLY_KEY] {
            assert_eq!(k.len(), 40);
            assert!(k.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }
}
