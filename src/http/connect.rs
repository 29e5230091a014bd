//! Getting a byte stream to MISP: name resolution, happy eyeballs, `-I` addresses, and
//! the proxy (a CONNECT tunnel for https).
//!
//! Happy eyeballs as RFC 8305 and curl do it: the resolved addresses are tried in turn,
//! IPv6 and IPv4 interleaved, each attempt started 250 ms after the previous one (or at
//! once when every earlier one has failed), and the first to connect wins. A stale or
//! black-holed first address so costs a quarter of a second instead of the whole deadline.

use super::proxy::Proxy;
use super::url::BaseUrl;
use crate::error::{Error, Phase};
use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use http_body_util::Empty;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{sleep_until, timeout_at, Instant};

/// Delay between two connection attempts (RFC 8305's recommended value, as curl).
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Any stream a request can go over: TCP, or a tunnel through a proxy.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// Address families `-4`/`-6` restrict connections to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `-4`.
    V4,
    /// `-6`.
    V6,
}

/// How to reach MISP: where to connect and through what.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// `-I`: connect to these (addresses or names) instead of the URL's host, which is
    /// still what `Host`, SNI and certificate verification use.
    pub addresses: Vec<String>,
    /// `-4`/`-6`.
    pub family: Option<Family>,
    /// The proxy the URL goes through, if any.
    pub proxy: Option<Proxy>,
}

/// An open stream and how long getting it took.
pub(super) struct Opened {
    pub stream: Box<dyn Stream>,
    /// The address connected to (MISP's, or the proxy's).
    pub peer: SocketAddr,
    /// Start to TCP established, resolution included.
    pub connect: Duration,
    /// The proxy's share: the CONNECT exchange (zero for plain HTTP through a proxy);
    /// `None` without a proxy.
    pub proxy: Option<Duration>,
}

/// Opens a stream for `base` as `net` says, all by `deadline`.
pub(super) async fn open(
    base: &BaseUrl,
    net: &Network,
    deadline: Instant,
    timeout: &dyn Fn(Phase) -> Error,
) -> Result<Opened, Error> {
    let start = Instant::now();
    let Some(proxy) = &net.proxy else {
        let hosts = if net.addresses.is_empty() {
            std::slice::from_ref(&base.host)
        } else {
            &net.addresses[..]
        };
        let (tcp, peer) = dial(hosts, base.port, net.family, deadline, timeout).await?;
        return Ok(Opened {
            stream: Box::new(tcp),
            peer,
            connect: start.elapsed(),
            proxy: None,
        });
    };
    let (tcp, peer) = dial(
        std::slice::from_ref(&proxy.host),
        proxy.port,
        net.family,
        deadline,
        timeout,
    )
    .await
    .map_err(|e| about_proxy(e, proxy))?;
    let connect = start.elapsed();
    if !base.is_https() {
        // Plain HTTP goes to the proxy as an absolute-form request (see `Client`).
        return Ok(Opened {
            stream: Box::new(tcp),
            peer,
            connect,
            proxy: Some(Duration::ZERO),
        });
    }
    let tunnel_start = Instant::now();
    // Through the proxy, `-I` names where the proxy connects; the name stays for TLS.
    let target = match net.addresses.first() {
        Some(a) => authority(a, base.port),
        None => base.host_port(),
    };
    let stream = timeout_at(deadline, tunnel(tcp, &target, proxy))
        .await
        .map_err(|_| timeout(Phase::ProxyTunnel(proxy.name())))??;
    Ok(Opened {
        stream,
        peer,
        connect,
        proxy: Some(tunnel_start.elapsed()),
    })
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A dial failure, said of the proxy rather than of MISP.
fn about_proxy(e: Error, proxy: &Proxy) -> Error {
    let name = proxy.name();
    match e {
        Error::Refused { .. } => Error::Proxy(format!("proxy {name} refused the connection")),
        Error::Connect { reason, .. } => {
            Error::Proxy(format!("cannot connect to proxy {name}: {reason}"))
        }
        Error::Dns { host, reason } => {
            Error::Proxy(format!("cannot resolve proxy host {host}: {reason}"))
        }
        Error::Timeout {
            after,
            phase: Phase::Connecting(to),
        } => Error::Timeout {
            after,
            phase: Phase::Connecting(format!("proxy {to}")),
        },
        other => other,
    }
}

/// `CONNECT target` through the proxy, with hyper's HTTP/1 client (so the proxy's answer
/// is parsed by hyper and its status can be named); on 200 the connection is the tunnel.
async fn tunnel(tcp: TcpStream, target: &str, proxy: &Proxy) -> Result<Box<dyn Stream>, Error> {
    let name = proxy.name();
    let broke =
        |what: &str| Error::Proxy(format!("proxy {name} {what} during CONNECT to {target}"));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|_| broke("failed"))?;
    tokio::spawn(async move {
        // Errors surface through `send_request` and the upgrade.
        let _ = conn.with_upgrades().await;
    });
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri(target)
        .header(header::HOST, target)
        .header(header::USER_AGENT, super::USER_AGENT);
    if let Some(auth) = &proxy.auth {
        let mut auth: HeaderValue = auth.clone();
        auth.set_sensitive(true);
        request = request.header(header::PROXY_AUTHORIZATION, auth);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|_| broke("could not be asked"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|_| broke("closed the connection"))?;
    let status = response.status();
    if status != hyper::StatusCode::OK {
        let hint = match status.as_u16() {
            // tinyproxy answers a wrong password with 401.
            401 | 407 => " (proxy credentials missing or wrong: give them in the proxy URL)",
            _ => "",
        };
        return Err(Error::Proxy(format!(
            "proxy {name} refused CONNECT to {target}: {} {}{hint}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|_| broke("closed the connection"))?;
    Ok(Box::new(TokioIo::new(upgraded)))
}

/// Resolves `hosts` and races connections to their addresses (see the module comment).
async fn dial(
    hosts: &[String],
    port: u16,
    family: Option<Family>,
    deadline: Instant,
    timeout: &dyn Fn(Phase) -> Error,
) -> Result<(TcpStream, SocketAddr), Error> {
    let mut found: Vec<SocketAddr> = Vec::new();
    for host in hosts {
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
                .await
                .map_err(|_| timeout(Phase::Resolving(host.clone())))?
                .map_err(|e| Error::Dns {
                    host: host.clone(),
                    reason: e
                        .to_string()
                        .trim_start_matches("failed to lookup address information: ")
                        .to_owned(),
                })?
                .collect(),
        };
        for a in addrs {
            if !found.contains(&a) {
                found.push(a);
            }
        }
    }
    let wanted = |a: &SocketAddr| match family {
        Some(Family::V4) => a.is_ipv4(),
        Some(Family::V6) => a.is_ipv6(),
        None => true,
    };
    let addrs = interleave(found.iter().copied().filter(wanted).collect());
    if addrs.is_empty() {
        let (kind, flag) = match family {
            Some(Family::V6) => ("IPv6", "-6"),
            _ => ("IPv4", "-4"),
        };
        return Err(Error::Connect {
            addr: hosts.join(", "),
            reason: if found.is_empty() {
                "no address found".into()
            } else {
                format!("no {kind} address ({flag} was given)")
            },
        });
    }
    race(&addrs, deadline, timeout).await
}

/// RFC 8305 order: the resolver's first family first, then alternating families.
fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_v6 = first.is_ipv6();
    let (mut lead, mut other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == first_v6);
    lead.reverse();
    other.reverse();
    let mut out = Vec::with_capacity(addrs.len());
    while !lead.is_empty() || !other.is_empty() {
        out.extend(lead.pop());
        out.extend(other.pop());
    }
    out
}

async fn race(
    addrs: &[SocketAddr],
    deadline: Instant,
    timeout: &dyn Fn(Phase) -> Error,
) -> Result<(TcpStream, SocketAddr), Error> {
    let mut pending = FuturesUnordered::new();
    let mut next = 0;
    let mut next_at = Instant::now();
    let mut failures: Vec<(SocketAddr, std::io::Error)> = Vec::new();
    loop {
        if next < addrs.len() && (pending.is_empty() || Instant::now() >= next_at) {
            let addr = addrs[next];
            next += 1;
            next_at = Instant::now() + ATTEMPT_DELAY;
            pending.push(async move { (addr, TcpStream::connect(addr).await) });
            continue;
        }
        if pending.is_empty() {
            break;
        }
        tokio::select! {
            Some((addr, result)) = pending.next() => match result {
                Ok(stream) => {
                    // One small request: Nagle would only add latency to what we measure.
                    let _ = stream.set_nodelay(true);
                    return Ok((stream, addr));
                }
                Err(e) => failures.push((addr, e)),
            },
            _ = sleep_until(next_at), if next < addrs.len() => {}
            _ = sleep_until(deadline) => {
                let tried: Vec<String> = addrs[..next].iter().map(SocketAddr::to_string).collect();
                return Err(timeout(Phase::Connecting(tried.join(", "))));
            }
        }
    }
    let refused = |e: &std::io::Error| e.kind() == std::io::ErrorKind::ConnectionRefused;
    if failures.iter().all(|(_, e)| refused(e)) {
        let all: Vec<String> = failures.iter().map(|(a, _)| a.to_string()).collect();
        return Err(Error::Refused {
            addr: all.join(", "),
        });
    }
    let reasons: Vec<String> = failures.iter().map(|(a, e)| format!("{a}: {e}")).collect();
    let (addr, e) = failures
        .iter()
        .find(|(_, e)| !refused(e))
        .map(|(a, e)| (a.to_string(), e.to_string()))
        .unwrap_or_default();
    Err(Error::Connect {
        addr,
        reason: if reasons.len() > 1 {
            reasons.join("; ")
        } else {
            e
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn families_interleave_from_the_first() {
        let order = interleave(vec![
            a("[::1]:1"),
            a("[::2]:1"),
            a("[::3]:1"),
            a("127.0.0.1:1"),
            a("127.0.0.2:1"),
        ]);
        assert_eq!(
            order,
            [
                a("[::1]:1"),
                a("127.0.0.1:1"),
                a("[::2]:1"),
                a("127.0.0.2:1"),
                a("[::3]:1")
            ]
        );
        let v4_first = interleave(vec![a("127.0.0.1:1"), a("[::1]:1")]);
        assert_eq!(v4_first, [a("127.0.0.1:1"), a("[::1]:1")]);
    }
}
