//! One HTTP/1.1 request under the check's deadline, timed phase by phase.
//!
//! Built on hyper and tokio-rustls (the crates reqwest itself is made of) rather than on
//! reqwest, because a monitoring check must say *which* phase failed or was slow:
//! reqwest hides DNS, connect and TLS inside one call, so it can neither report
//! `time_connect`/`time_tls` of the connection it measured (the `latency` check) nor say
//! "timed out after 10s in the TLS handshake". Redirects are never followed, so the key is
//! never sent anywhere but the configured URL.

use crate::error::{Error, Phase};
use crate::secret::ApiKey;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{timeout_at, Instant};

/// Largest body read before giving up: far above any real getWorkers or index answer, far
/// below what would hurt a poller running many checks at once.
pub const BODY_LIMIT: u64 = 16 * 1024 * 1024;

mod connect;
mod identity;
mod proxy;
mod shared;
mod tls;
mod url;
pub mod x509;

pub use connect::{Family, Network, ATTEMPT_DELAY};
pub use identity::ClientIdentity;
pub use proxy::{choose as choose_proxy, Proxy, ProxyEnv};
pub use shared::{Exchange, RequestKey};
pub use tls::tls_config;
pub use url::BaseUrl;

/// The header in which MISP says when the key in use expires.
pub const KEY_EXPIRATION_HEADER: &str = "x-auth-key-expiration";

const USER_AGENT: &str = concat!("MISP check_misp/", env!("CARGO_PKG_VERSION"));

/// Time spent in each phase of one request, each measured on the same connection.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// Start to TCP established (name resolution included, as curl counts it); through a
    /// proxy, the connection to the proxy.
    pub connect: Duration,
    /// Through a proxy, its CONNECT exchange (zero for plain HTTP); `None` without one.
    pub proxy: Option<Duration>,
    /// TLS handshake alone; zero over plain HTTP.
    pub tls: Duration,
    /// Handshake done to response headers received.
    pub firstbyte: Duration,
    /// Start to last body byte.
    pub total: Duration,
}

/// A complete answer, body read in full (up to [`BODY_LIMIT`]).
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub timings: Timings,
    /// The URL's path prefix the request went under (`/misp` for `https://host/misp`), so
    /// a message names the path that was really asked for.
    pub prefix: String,
}

impl Response {
    /// A header as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What kind of request: a REST call carrying the key, or a browser-like page fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `Accept: application/json` and `Authorization: KEY`.
    Rest,
    /// `Accept: text/html`, no key (the login page is public).
    Page,
}

/// Sends requests to one MISP until one deadline.
pub struct Client {
    base: BaseUrl,
    key: Option<ApiKey>,
    tls: Option<Arc<rustls::ClientConfig>>,
    identity: Option<ClientIdentity>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    net: Network,
    deadline: Instant,
    timeout_text: String,
    log: std::sync::Mutex<Vec<String>>,
    key_expiration: std::sync::Mutex<Option<String>>,
    shared: Option<shared::Shared>,
}

impl Client {
    /// A client for `base` whose requests all end by `deadline` (`timeout` is only for
    /// messages). `tls` is required for an https base.
    pub fn new(
        base: BaseUrl,
        key: Option<ApiKey>,
        tls: Option<Arc<rustls::ClientConfig>>,
        deadline: Instant,
        timeout: Duration,
    ) -> Self {
        Client {
            base,
            key,
            tls,
            identity: None,
            headers: Vec::new(),
            net: Network::default(),
            deadline,
            timeout_text: humantime::format_duration(timeout).to_string(),
            log: std::sync::Mutex::new(Vec::new()),
            key_expiration: std::sync::Mutex::new(None),
            shared: None,
        }
    }

    /// This client, connecting as `net` says (`-I`, `-4`/`-6`, proxy).
    pub fn with_network(mut self, net: Network) -> Self {
        self.net = net;
        self
    }

    /// This client, presenting `identity` to a server that asks for a client certificate.
    pub fn with_identity(mut self, identity: Option<ClientIdentity>) -> Self {
        self.identity = identity;
        self
    }

    pub fn identity(&self) -> Option<&ClientIdentity> {
        self.identity.as_ref()
    }

    /// This client, adding `headers` (`--header`) to every request sent to MISP.
    pub fn with_headers(mut self, headers: Vec<(header::HeaderName, HeaderValue)>) -> Self {
        self.headers = headers;
        self
    }

    /// This client, sharing its reads with the other clients of `exchange` (the checks of
    /// one `all` run).
    pub fn with_exchange(mut self, exchange: Arc<Exchange>) -> Self {
        self.shared = Some(shared::Shared::new(exchange));
        self
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    /// One line per request made so far (method, URL, status, size, phase times), for
    /// `-v`. Never contains the key: only the URL and what came back are recorded.
    pub fn request_log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The instant by which everything must be done.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True when requests carry an API key.
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// The timeout error for `phase`.
    pub fn timeout(&self, phase: Phase) -> Error {
        Error::Timeout {
            after: self.timeout_text.clone(),
            phase,
        }
    }

    /// Sleeps for `d`, or fails with a timeout if the deadline comes first.
    pub async fn sleep(&self, d: Duration, phase: Phase) -> Result<(), Error> {
        let until = Instant::now() + d;
        if until > self.deadline {
            tokio::time::sleep_until(self.deadline).await;
            return Err(self.timeout(phase));
        }
        tokio::time::sleep_until(until).await;
        Ok(())
    }

    /// Sends one request on a fresh connection and reads the whole answer; with an
    /// [`Exchange`], the answer another check of the run got to the same request.
    pub async fn send(&self, method: Method, path: &str, kind: Kind) -> Result<Response, Error> {
        match &self.shared {
            Some(shared) => shared.send(self, method, path, kind).await,
            None => self.send_now(method, path, kind).await,
        }
    }

    async fn send_now(&self, method: Method, path: &str, kind: Kind) -> Result<Response, Error> {
        self.send_body(method, path, kind, None).await
    }

    /// The `X-Auth-Key-Expiration` MISP sent with the last answer that had one: when the
    /// key in use expires, in MISP's words.
    pub fn key_expiration(&self) -> Option<String> {
        self.key_expiration.lock().ok().and_then(|e| e.clone())
    }

    /// Like [`Client::send`], with this JSON body instead of `{}` (MISP reads its filters
    /// from the body of a POST, which keeps them out of URLs and access logs).
    pub async fn send_body(
        &self,
        method: Method,
        path: &str,
        kind: Kind,
        body: Option<Bytes>,
    ) -> Result<Response, Error> {
        let via = match &self.net.proxy {
            Some(p) => format!(" via proxy http://{}", p.name()),
            None => String::new(),
        };
        // Names only: a front's header may carry a token.
        let extra = if self.headers.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
            format!(" with header {}", names.join(", "))
        };
        let cert = match &self.identity {
            Some(id) if self.base.https => {
                format!(" with client certificate {}", id.cert_path.display())
            }
            _ => String::new(),
        };
        let line = format!("{method} {}{via}{extra}{cert}", self.base.url_of(path));
        let mut peer = None;
        let result = self.send_inner(method, path, kind, body, &mut peer).await;
        let connected = peer.map_or(String::new(), |p| format!("connected to {p}; "));
        let outcome = match &result {
            Ok(r) => format!(
                "{} ({} bytes; {connected}connect {:.3}s, {}TLS {:.3}s, first byte {:.3}s, total {:.3}s)",
                r.status,
                r.body.len(),
                r.timings.connect.as_secs_f64(),
                r.timings
                    .proxy
                    .map_or(String::new(), |p| format!("proxy {:.3}s, ", p.as_secs_f64())),
                r.timings.tls.as_secs_f64(),
                r.timings.firstbyte.as_secs_f64(),
                r.timings.total.as_secs_f64()
            ),
            Err(e) => format!("failed: {connected}{e}"),
        };
        if let Ok(mut log) = self.log.lock() {
            log.push(format!("{line} -> {outcome}"));
        }
        result
    }

    async fn send_inner(
        &self,
        method: Method,
        path: &str,
        kind: Kind,
        body: Option<Bytes>,
        peer: &mut Option<std::net::SocketAddr>,
    ) -> Result<Response, Error> {
        let start = Instant::now();
        let opened =
            connect::open(&self.base, &self.net, self.deadline, &|p| self.timeout(p)).await?;
        *peer = Some(opened.peer);
        let request = self.build_request(method, path, kind, body)?;
        let phases = (start, opened.connect, opened.proxy);
        let response = if self.base.https {
            let tls_start = Instant::now();
            let (stream, offer) = self.handshake(opened.stream).await?;
            let tls = tls_start.elapsed();
            // TLS 1.3 servers refuse a missing client certificate only after the handshake.
            self.exchange(stream, request, path, phases, tls)
                .await
                .map_err(|e| self.refused_identity(e, &offer))?
        } else {
            self.exchange(opened.stream, request, path, phases, Duration::ZERO)
                .await?
        };
        if let Some(v) = response.header(KEY_EXPIRATION_HEADER) {
            if let Ok(mut seen) = self.key_expiration.lock() {
                *seen = Some(v.to_owned());
            }
        }
        if response.status == 407 {
            if let Some(p) = &self.net.proxy {
                return Err(Error::Proxy(format!(
                    "proxy {} answered 407 Proxy Authentication Required (proxy credentials missing or wrong: give them in the proxy URL)",
                    p.name()
                )));
            }
        }
        Ok(response)
    }

    /// Connects and completes the TLS handshake with this client's trust settings, then
    /// hangs up without sending a request: the certificate chain the server presented,
    /// its own certificate first (the `cert` check). Fails as [`Client::send`] would if the
    /// handshake fails, so an untrusted certificate is an [`Error::Tls`] here too.
    pub async fn peer_certificates(&self) -> Result<Vec<CertificateDer<'static>>, Error> {
        let opened =
            connect::open(&self.base, &self.net, self.deadline, &|p| self.timeout(p)).await?;
        let (stream, _) = self.handshake(opened.stream).await?;
        let (_, session) = stream.get_ref();
        Ok(session
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default())
    }

    async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
    ) -> Result<(tokio_rustls::client::TlsStream<S>, Arc<identity::Offer>), Error> {
        let host = self.base.host.clone();
        let shared = self.tls.clone().ok_or_else(|| Error::Tls {
            host: host.clone(),
            reason: "no TLS configuration".into(),
        })?;
        // One offer per connection, so "the server asked" is about this connection only.
        let offer = identity::Offer::new(self.identity.clone());
        let mut config = (*shared).clone();
        config.client_auth_cert_resolver = offer.clone();
        let name = ServerName::try_from(host.clone()).map_err(|_| Error::Tls {
            host: host.clone(),
            reason: "the host is not a valid TLS server name".into(),
        })?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = timeout_at(self.deadline, connector.connect(name, stream))
            .await
            .map_err(|_| self.timeout(Phase::TlsHandshake))?
            .map_err(|e| Error::Tls {
                reason: offer
                    .refusal(identity::alert_of(&e).as_deref())
                    .unwrap_or_else(|| tls::tls_reason(&e)),
                host,
            })?;
        Ok((stream, offer))
    }

    /// A broken exchange after the server asked for a client certificate is that
    /// certificate's refusal (missing, or not trusted by the server), said as such.
    fn refused_identity(&self, e: Error, offer: &identity::Offer) -> Error {
        match e {
            Error::Transport(failure) => match offer.refusal(identity::alert_in(&failure)) {
                Some(reason) => Error::Tls {
                    host: self.base.host.clone(),
                    reason,
                },
                None => Error::Transport(failure),
            },
            other => other,
        }
    }

    fn build_request(
        &self,
        method: Method,
        path: &str,
        kind: Kind,
        body: Option<Bytes>,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let proxied = self.net.proxy.as_ref().filter(|_| !self.base.https);
        // Plain HTTP through a proxy names the whole URL in the request line.
        let uri = match proxied {
            Some(_) => self.base.url_of(path),
            None => format!("{}{path}", self.base.prefix),
        };
        let post = method == Method::POST;
        let mut builder = Request::builder()
            .method(method)
            .uri(uri.as_str())
            .header(header::HOST, self.base.authority.as_str())
            .header(header::USER_AGENT, USER_AGENT);
        if let Some(auth) = proxied.and_then(|p| p.auth.clone()) {
            builder = builder.header(header::PROXY_AUTHORIZATION, auth);
        }
        builder = match kind {
            Kind::Page => builder.header(header::ACCEPT, "text/html,application/xhtml+xml"),
            Kind::Rest => {
                let key = self.key.as_ref().ok_or(Error::NoKey)?;
                let mut value = HeaderValue::from_str(key.expose()).map_err(|_| Error::NoKey)?;
                value.set_sensitive(true);
                builder
                    .header(header::ACCEPT, "application/json")
                    .header(header::AUTHORIZATION, value)
            }
        };
        if let Some(h) = builder.headers_mut() {
            // `--header` may replace the User-Agent (some fronts filter on it); the names
            // this client sets otherwise are refused when the options are read.
            if self.headers.iter().any(|(n, _)| n == header::USER_AGENT) {
                h.remove(header::USER_AGENT);
            }
            for (name, value) in &self.headers {
                h.append(name.clone(), value.clone());
            }
        }
        // Without a body of its own, `{}`: MISP ignores the body of the POST actions that take
        // none, it is what MISP's own clients send, and it keeps proxies that dislike an
        // empty POST happy.
        let body = if post {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            body.unwrap_or_else(|| Bytes::from_static(b"{}"))
        } else {
            Bytes::new()
        };
        builder
            .body(Full::new(body))
            .map_err(|e| Error::Usage(format!("cannot build a request for '{uri}': {e}")))
    }

    async fn exchange<S>(
        &self,
        stream: S,
        request: Request<Full<Bytes>>,
        path: &str,
        (start, connect, proxy): (Instant, Duration, Option<Duration>),
        tls: Duration,
    ) -> Result<Response, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let sent = Instant::now();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Error::Transport(describe(&e, "starting the HTTP exchange")))?;
        tokio::spawn(async move {
            // Its errors surface through `send_request` and the body stream.
            let _ = conn.await;
        });
        let response = timeout_at(self.deadline, sender.send_request(request))
            .await
            .map_err(|_| self.timeout(Phase::ResponseHeaders))?
            .map_err(|e| Error::Transport(describe(&e, "waiting for response headers")))?;
        let firstbyte = sent.elapsed();
        let (parts, mut body) = response.into_parts();
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let too_large = || Error::TooLarge {
            path: path.to_owned(),
            limit: BODY_LIMIT,
        };
        if declared.is_some_and(|n| n > BODY_LIMIT) {
            return Err(too_large());
        }
        // At most BODY_LIMIT (checked above), which fits any usize this runs on.
        let capacity = declared.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        let mut buf = Vec::with_capacity(capacity);
        loop {
            let frame = timeout_at(self.deadline, body.frame())
                .await
                .map_err(|_| self.timeout(Phase::ResponseBody))?;
            match frame {
                None => break,
                Some(Err(e)) => {
                    return Err(Error::Transport(describe(&e, "reading the response body")))
                }
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        if (buf.len() + data.len()) as u64 > BODY_LIMIT {
                            return Err(too_large());
                        }
                        buf.extend_from_slice(data);
                    }
                }
            }
        }
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: Bytes::from(buf),
            timings: Timings {
                connect,
                proxy,
                tls,
                firstbyte,
                total: start.elapsed(),
            },
            prefix: self.base.prefix.clone(),
        })
    }
}

/// Names a hyper failure by its cause, walking the source chain (hyper's own text is often
/// just "error sending request" or "connection error").
fn describe(e: &hyper::Error, doing: &str) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionReset => {
                    format!("connection reset by MISP while {doing}")
                }
                std::io::ErrorKind::UnexpectedEof => {
                    format!("MISP closed the connection while {doing}")
                }
                _ => format!("connection failed while {doing}: {io}"),
            };
        }
        source = s.source();
    }
    if e.is_incomplete_message() {
        format!("MISP closed the connection while {doing}")
    } else if e.is_parse() {
        format!("MISP's answer is not valid HTTP ({e}) while {doing}")
    } else {
        format!("HTTP error while {doing}: {e}")
    }
}
