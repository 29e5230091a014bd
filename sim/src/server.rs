//! HTTP(S) front end: accepts connections, routes requests as MISP would, and injects
//! network faults.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use crate::json::{Style, J};

#[path = "server/workers_events.rs"]
mod workers_events;
use crate::state::{endpoint, Shared};
use crate::{Fault, WorkerMode, READONLY_KEY};
use workers_events::{events, restart};
pub(crate) use workers_events::{parse_encoding, parse_mode};

const JSON: &str = "application/json; charset=UTF-8";
const HTML: &str = "text/html; charset=UTF-8";
/// Request bodies are only ever small JSON; anything bigger is dropped, not buffered.
const MAX_BODY: usize = 1 << 20;
const AUTH_FAILED: &str = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.";
const NO_PERMISSION: &str = "You do not have permission to use this functionality.";

/// Per-connection context handed to every request on it.
#[derive(Clone)]
struct Conn {
    shared: Arc<Shared>,
    /// Set by `ResetMidBody`: close this socket with RST instead of FIN.
    reset: Arc<AtomicBool>,
}

/// Accepts connections forever; the task dies with the runtime when the `Sim` drops.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
) {
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(c) => c,
            // EMFILE and friends: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let reset = Arc::new(AtomicBool::new(false));
        let conn = Conn {
            shared: shared.clone(),
            reset: reset.clone(),
        };
        let io = Guarded { tcp, reset };
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(io, conn).await,
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(io).await {
                        serve(stream, conn).await;
                    }
                }
            }
        });
    }
}

async fn serve<IO: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: IO, conn: Conn) {
    let svc = service_fn(move |req| {
        let conn = conn.clone();
        async move { Ok::<_, Infallible>(handle(req, conn).await) }
    });
    let mut builder = http1::Builder::new();
    // Apache sends Title-Case header names; some clients' tests compare them verbatim.
    builder.timer(TokioTimer::new()).title_case_headers(true);
    let _ = builder.serve_connection(TokioIo::new(io), svc).await;
}

/// A TCP stream that closes with RST (SO_LINGER 0) when its reset flag was raised.
struct Guarded {
    tcp: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.tcp.set_zero_linger();
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// Response bodies: whole, generated on demand (huge), or fed by a task (drip, reset).
pub(crate) enum SimBody {
    Full(Option<Bytes>),
    Filler {
        sent: u64,
        total: u64,
        announce: bool,
    },
    Chan {
        rx: mpsc::Receiver<io::Result<Bytes>>,
        len: u64,
    },
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            SimBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            SimBody::Filler { sent, total, .. } => {
                if *sent >= *total {
                    return Poll::Ready(None);
                }
                let chunk = if *sent == 0 {
                    Bytes::from_static(b"[")
                } else {
                    const FILL: &[u8; 16] = b"\"misp-sim-fill\",";
                    let n = (*total - *sent).min(64 * 1024) as usize;
                    FILL.iter()
                        .copied()
                        .cycle()
                        .take(n)
                        .collect::<Vec<u8>>()
                        .into()
                };
                *sent += chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            SimBody::Chan { rx, .. } => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            SimBody::Filler {
                total,
                announce: true,
                ..
            } => SizeHint::with_exact(*total),
            SimBody::Filler { .. } => SizeHint::default(),
            SimBody::Chan { len, .. } => SizeHint::with_exact(*len),
        }
    }
}

/// A complete answer before it is turned into a hyper response (or mangled by a fault).
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Reply {
    pub(crate) fn new(status: u16, ctype: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", ctype.to_string())],
            body: body.into(),
        }
    }
    pub(crate) fn json(status: u16, j: &J, style: Style) -> Reply {
        Reply::new(status, JSON, j.render(style))
    }
    fn into_response(self) -> Response<SimBody> {
        respond(self.status, &self.headers, SimBody::Full(Some(self.body)))
    }
}

fn respond(status: u16, headers: &[(&str, String)], body: SimBody) -> Response<SimBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

/// What a route needs to know about the request.
struct Req<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Req<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// CakePHP's `request->here()`: path plus query string.
    fn here(&self) -> String {
        if self.query.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

async fn handle(req: Request<Incoming>, conn: Conn) -> Response<SimBody> {
    let (parts, body) = req.into_parts();
    // Read the whole request first, as PHP does, so `Hang` really has read it.
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let r = Req {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    if r.path == "/__sim" || r.path.starts_with("/__sim/") {
        return crate::control::control(&conn.shared, r.path, r.query).into_response();
    }
    let (latency, fault) = {
        let mut st = conn.shared.lock();
        *st.counts.entry(endpoint(r.method, r.path)).or_insert(0) += 1;
        if r.headers.contains_key("authorization") || r.headers.contains_key("x-misp-auth") {
            st.with_key += 1;
        }
        (st.latency, st.fault_for(r.path))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        None => {
            let mut rep = route(&conn, &r);
            let heartbeat = endpoint(r.method, r.path).ends_with(" /users/heartbeat");
            let cookie = conn.shared.lock().session_cookie(heartbeat);
            rep.headers.push(("Set-Cookie", cookie));
            rep.into_response()
        }
        Some(f) => faulted(f, &conn, &r).await,
    }
}

/// Answers with `fault` instead of (or built from) the real answer.
async fn faulted(fault: Fault, conn: &Conn, r: &Req<'_>) -> Response<SimBody> {
    let json_200 = |body: SimBody| respond(200, &[("Content-Type", JSON.to_string())], body);
    match fault {
        Fault::Hang => std::future::pending().await,
        Fault::Status {
            code,
            content_type,
            body,
        } => Reply::new(code, &content_type, body).into_response(),
        Fault::RedirectTo { location } => {
            let mut rep = Reply::new(302, HTML, redirect_html(&location));
            rep.headers.push(("Location", location));
            rep.into_response()
        }
        Fault::HugeBody { bytes } | Fault::HugeChunked { bytes } => {
            let announce = matches!(fault, Fault::HugeBody { .. });
            json_200(SimBody::Filler {
                sent: 0,
                total: bytes,
                announce,
            })
        }
        Fault::NonUtf8 => {
            let mut rep = route(conn, r);
            rep.status = 200;
            rep.headers = vec![("Content-Type", JSON.to_string())];
            rep.body = corrupt(&rep.body);
            rep.into_response()
        }
        Fault::TruncatedJson => {
            let mut rep = route(conn, r);
            rep.body = rep.body.slice(0..rep.body.len() / 2);
            rep.into_response()
        }
        Fault::Drip { bytes_per_sec } => {
            let rep = route(conn, r);
            let gap = Duration::from_secs_f64(1.0 / f64::from(bytes_per_sec.max(1)));
            streamed(rep, move |body, tx| async move {
                for i in 0..body.len() {
                    if tx.send(Ok(body.slice(i..i + 1))).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(gap).await;
                }
            })
        }
        Fault::ResetMidBody => {
            let rep = route(conn, r);
            conn.reset.store(true, Ordering::SeqCst);
            streamed(rep, |body, tx| async move {
                let _ = tx.send(Ok(body.slice(0..body.len() / 2))).await;
                // Let hyper flush the half before the error aborts the connection.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = tx.send(Err(io::ErrorKind::ConnectionReset.into())).await;
            })
        }
    }
}

/// Sends `rep`'s headers with its full Content-Length and lets `feed` produce the body.
fn streamed<F, Fut>(rep: Reply, feed: F) -> Response<SimBody>
where
    F: FnOnce(Bytes, mpsc::Sender<io::Result<Bytes>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(1);
    let len = rep.body.len() as u64;
    tokio::spawn(feed(rep.body, tx));
    let mut headers = rep.headers;
    headers.push(("Content-Length", len.to_string()));
    respond(rep.status, &headers, SimBody::Chan { rx, len })
}

/// Puts invalid UTF-8 into the first string value of `body`.
fn corrupt(body: &[u8]) -> Bytes {
    const BAD: &[u8] = b"\xff\xfe\xc3\x28";
    let at = body
        .windows(3)
        .position(|w| w == b": \"")
        .map(|p| p + 3)
        .or_else(|| body.windows(2).position(|w| w == b":\"").map(|p| p + 2));
    match at {
        Some(p) => [&body[..p], BAD, &body[p..]].concat().into(),
        None => [&b"{\"name\":\""[..], BAD, b"\",\"message\":\"Not Found\"}"]
            .concat()
            .into(),
    }
}

fn redirect_html(location: &str) -> String {
    let loc = html_escape(location);
    format!("<!DOCTYPE html>\n<html><head><title>302 Found</title></head><body>\n<h1>Found</h1>\n<p>The document has moved <a href=\"{loc}\">here</a>.</p>\n</body></html>\n")
}

/// PHP's `h()`.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}

/// CakePHP's exception renderer: plain `json_encode`, all values through `h()`.
fn cake_error(code: u16, msg: &str, r: &Req) -> Reply {
    let msg = html_escape(msg);
    let body = J::obj([
        ("name", J::s(msg.clone())),
        ("message", J::s(msg)),
        ("url", J::s(html_escape(&r.here()))),
    ]);
    Reply::json(code, &body, Style::Php)
}

/// CakePHP's production (debug 0) 500 page.
pub(crate) fn error_500_html(path: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n<title>Error - MISP</title>\n</head>\n<body>\n<div id=\"container\">\n<h2>An Internal Error Has Occurred.</h2>\n<p class=\"error\">\n\t<strong>Error: </strong>\n\tAn Internal Error Has Occurred.</p>\n<p>Requested address <strong>'{}'</strong> was not found on this server or could not be processed.</p>\n</div>\n</body>\n</html>\n",
        html_escape(path)
    )
}

#[derive(PartialEq)]
enum Role {
    SiteAdmin,
    User,
}

/// MISP's key lookup: `X-MISP-AUTH` wins over `Authorization`; `Basic …` is no key; the
/// value is a comma list and the first 40-alphanumeric entry decides.
fn authenticate(r: &Req, admin_key: &str) -> Option<Role> {
    let raw = r
        .header("x-misp-auth")
        .or_else(|| r.header("authorization"))?;
    if raw.starts_with("Basic") {
        return None;
    }
    let key = raw
        .split(',')
        .map(str::trim)
        .find(|k| k.len() == 40 && k.bytes().all(|b| b.is_ascii_alphanumeric()))?;
    if key == admin_key {
        Some(Role::SiteAdmin)
    } else if key == READONLY_KEY {
        Some(Role::User)
    } else {
        None
    }
}

fn route(conn: &Conn, r: &Req) -> Reply {
    let rest = r.header("accept") == Some("application/json") || r.path.ends_with(".json");
    let clean = r.path.strip_suffix(".json").unwrap_or(r.path);
    let segs: Vec<&str> = clean.split('/').filter(|s| !s.is_empty()).collect();
    let lower = |i: usize| {
        segs.get(i)
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let (ctrl, action) = (lower(0), lower(1));
    let ajax = r.header("x-requested-with") == Some("XMLHttpRequest");
    let ua = r.header("user-agent").unwrap_or("");
    let style = if ajax || ua.starts_with("MISP") || ua.starts_with("PyMISP") {
        Style::Compact
    } else {
        Style::Pretty
    };

    // The liveness probe skips authentication altogether (where it exists).
    if (ctrl.as_str(), action.as_str()) == ("users", "heartbeat") && conn.shared.lock().heartbeat {
        let body = J::obj([("message", J::s("You must construct additional pylons."))]);
        return Reply::json(200, &body, style);
    }
    if !rest {
        if (ctrl.as_str(), action.as_str()) == ("users", "login") {
            return Reply::new(200, HTML, crate::login::LOGIN_PAGE);
        }
        // Cake builds the target from `MISP.baseurl`, whatever URL the request came to.
        let base = conn.shared.lock().baseurl.clone();
        return redirect(&format!("{base}/users/login"));
    }
    let Some(role) = authenticate(r, &conn.shared.admin_key) else {
        let msg = if ajax {
            "Authentication failed."
        } else {
            AUTH_FAILED
        };
        return cake_error(403, msg, r);
    };
    // Offline, MISP logs a key's user out again and sends it to the login page unless
    // it is a site admin.
    if role != Role::SiteAdmin && !conn.shared.lock().diag.live {
        let base = conn.shared.lock().baseurl.clone();
        return redirect(&format!("{base}/users/login"));
    }
    let admin_only = matches!(
        (ctrl.as_str(), action.as_str()),
        (
            "servers",
            "getworkers"
                | "restartdeadworkers"
                | "restartworkers"
                | "serversettings"
                | "index"
                | "testconnection"
                | "startworker"
        ) | ("jobs", "index")
    );
    if admin_only && role != Role::SiteAdmin {
        return cake_error(403, NO_PERMISSION, r);
    }
    let page = lower(2);
    let expiration = (role == Role::SiteAdmin)
        .then(|| conn.shared.lock().key.header())
        .flatten();
    // MISP 2.4 lets Redis being down through as a bare 500 wherever it reads the workers
    // (2.5 lists an empty table instead).
    let needs_redis = matches!(
        action.as_str(),
        "getworkers" | "restartdeadworkers" | "restartworkers" | "startworker" | "serversettings"
    );
    if ctrl == "servers" && needs_redis {
        let st = conn.shared.lock();
        if st.mode != WorkerMode::Supervisor && !st.diag.redis {
            return cake_error(500, "An Internal Error Has Occurred.", r);
        }
    }
    let mut rep = match (ctrl.as_str(), action.as_str()) {
        ("servers", "getworkers") => Reply::json(200, &conn.shared.lock().workers_json(), style),
        ("servers", "restartdeadworkers") | ("servers", "restartworkers") => {
            if r.method != "POST" {
                return cake_error(405, "Method Not Allowed", r);
            }
            restart(conn, action == "restartworkers", r, style)
        }
        ("servers", "startworker") => {
            if r.method != "POST" {
                return cake_error(405, "Method Not Allowed", r);
            }
            if !conn.shared.lock().start_worker(&page) {
                return cake_error(405, "Invalid worker type.", r);
            }
            let body = J::obj([
                ("saved", J::Bool(true)),
                ("success", J::Bool(true)),
                ("name", J::s("Worker start signal sent")),
                ("message", J::s("Worker start signal sent")),
                ("url", J::s(format!("/servers/startWorker/{page}"))),
                ("id", J::s(page.clone())),
            ]);
            Reply::json(200, &body, style)
        }
        ("events", "index") | ("events", "") => events(conn, &segs, r, style),
        ("feeds", "index") => {
            let st = conn.shared.lock();
            Reply::json(200, &st.feeds.feeds_json(), style)
        }
        ("jobs", "index") => {
            let st = conn.shared.lock();
            if !st.background_jobs {
                return cake_error(404, "Background jobs are not enabled on this instance.", r);
            }
            match st.feeds.jobs_page(&segs[2..]) {
                Some(list) => Reply::json(200, &list, style),
                None => cake_error(404, "Not Found", r),
            }
        }
        ("users", "statistics") if page.is_empty() || page == "data" => {
            Reply::json(200, &conn.shared.lock().stats_json(), style)
        }
        ("servers", "getversion") => {
            let v = conn.shared.lock().version.clone();
            let body = J::obj([
                ("version", J::s(v.clone())),
                ("pymisp_recommended_version", J::s(v)),
                ("perm_sync", J::Bool(role == Role::SiteAdmin)),
                ("perm_sighting", J::Bool(true)),
                ("perm_galaxy_editor", J::Bool(true)),
                ("perm_analyst_data", J::Bool(true)),
                ("uuid", J::s(crate::state::INSTANCE_UUID)),
                ("request_encoding", J::Arr(vec![J::s("gzip"), J::s("br")])),
                ("filter_sightings", J::Bool(true)),
            ]);
            Reply::json(200, &body, style)
        }
        ("servers", "serversettings") => {
            if r.method != "GET" {
                return cake_error(405, "Just GET method is allowed.", r);
            }
            // A download of plain `json_encode(JSON_PRETTY_PRINT)`: slashes escaped.
            let body = crate::diagnostics::report(&conn.shared.lock());
            let mut rep = Reply::json(200, &body, Style::PhpPretty);
            rep.headers.push((
                "Content-Disposition",
                "attachment; filename=\"MISP.report.json\"".to_string(),
            ));
            rep
        }
        ("servers", "index") => {
            Reply::json(200, &crate::sync::index(&conn.shared.lock().servers), style)
        }
        ("servers", "testconnection") => {
            let st = conn.shared.lock();
            let server = segs
                .get(2)
                .and_then(|id| id.parse::<usize>().ok())
                .and_then(|id| id.checked_sub(1))
                .and_then(|i| st.servers.get(i));
            match server {
                Some(s) => {
                    let (body, style) = crate::sync::test(s, &st.version, style);
                    Reply::json(200, &body, style)
                }
                None => cake_error(404, "Invalid server", r),
            }
        }
        ("servers", "getpymispversion") => {
            let v = conn.shared.lock().version.clone();
            Reply::json(200, &J::obj([("version", J::s(v))]), style)
        }
        ("users", "checkifloggedin") => Reply::new(200, HTML, "OK"),
        // A key logs a session in, and a logged-in user is sent on from the login page.
        ("users", "login") => {
            let base = conn.shared.lock().baseurl.clone();
            redirect(&format!("{base}/users/routeafterlogin"))
        }
        ("auth_keys", "index") => {
            let body = if role == Role::SiteAdmin {
                let filter = if r.method == "POST" { r.body } else { b"" };
                conn.shared.lock().key.index(&conn.shared.admin_key, filter)
            } else {
                J::Arr(Vec::new())
            };
            Reply::json(200, &body, style)
        }
        _ => cake_error(404, "Not Found", r),
    };
    if let Some(at) = expiration {
        rep.headers.push(("X-Auth-Key-Expiration", at));
    }
    rep
}

/// MISP's redirects carry no body (Content-Length: 0).
fn redirect(location: &str) -> Reply {
    let mut rep = Reply::new(302, HTML, "");
    rep.headers.push(("Location", location.to_string()));
    rep
}
