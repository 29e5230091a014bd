//! Which proxy, if any, carries the requests: curl's rules, through hyper-util's matcher.
//!
//! The environment is read as curl reads it (`http_proxy` in lower case only, since a CGI
//! request header may set `HTTP_PROXY`; `https_proxy`/`HTTPS_PROXY`, `all_proxy`/`ALL_PROXY`,
//! `no_proxy`/`NO_PROXY`); `--proxy` and `--noproxy` replace them, since Icinga Director
//! cannot set a plugin's environment. `hyper_util::client::proxy::matcher` applies the
//! `no_proxy` rules (domains and their subdomains, IP addresses and networks, `*`) and
//! turns credentials in the proxy URL into a `Proxy-Authorization` value.

use super::url::{hide_user_info, BaseUrl};
use hyper::header::HeaderValue;
use hyper_util::client::proxy::matcher::Matcher;

/// The proxy settings of the environment.
#[derive(Clone, Debug, Default)]
pub struct ProxyEnv {
    /// `http_proxy`.
    pub http: Option<String>,
    /// `https_proxy` or `HTTPS_PROXY`.
    pub https: Option<String>,
    /// `all_proxy` or `ALL_PROXY`.
    pub all: Option<String>,
    /// `no_proxy` or `NO_PROXY`.
    pub no: Option<String>,
}

impl ProxyEnv {
    /// Reads the variables curl reads.
    pub fn from_process() -> Self {
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        ProxyEnv {
            http: first(&["http_proxy"]),
            https: first(&["https_proxy", "HTTPS_PROXY"]),
            all: first(&["all_proxy", "ALL_PROXY"]),
            no: first(&["no_proxy", "NO_PROXY"]),
        }
    }
}

/// An HTTP proxy to go through. Its credentials only ever go into `Proxy-Authorization`.
#[derive(Clone)]
pub struct Proxy {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) auth: Option<HeaderValue>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("auth", &self.auth.as_ref().map(|_| "(set)"))
            .finish()
    }
}

impl Proxy {
    /// `host:port`, as messages name the proxy (never its credentials).
    pub fn name(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The proxy for requests to `base`: from `--proxy` (an empty value means none) and
/// `--noproxy` when given, else from the environment. A proxy setting that cannot be
/// used is an error, not silently a direct connection.
pub fn choose(
    base: &BaseUrl,
    option: Option<&str>,
    noproxy: Option<&str>,
    env: &ProxyEnv,
) -> Result<Option<Proxy>, String> {
    let (raw, source) = match option {
        Some(p) if p.trim().is_empty() => return Ok(None),
        Some(p) => (Some(p.trim().to_owned()), "--proxy"),
        None if base.is_https() => match (&env.https, &env.all) {
            (Some(p), _) => (Some(p.clone()), "https_proxy"),
            (None, Some(p)) => (Some(p.clone()), "all_proxy"),
            (None, None) => (None, ""),
        },
        None => match (&env.http, &env.all) {
            (Some(p), _) => (Some(p.clone()), "http_proxy"),
            (None, Some(p)) => (Some(p.clone()), "all_proxy"),
            (None, None) => (None, ""),
        },
    };
    let Some(raw) = raw else { return Ok(None) };
    let bad = |why: &str| format!("{source}: invalid proxy '{}': {why}", hide_user_info(&raw));
    let no = noproxy.map(str::to_owned).or_else(|| env.no.clone());
    let target: hyper::Uri = base
        .url_of("/")
        .parse()
        .map_err(|_| bad("the MISP URL cannot be matched"))?;
    // Whether the value itself is usable, judged before `no_proxy` may skip it.
    let probe = Matcher::builder().all(raw.clone()).build();
    let intercept = probe
        .intercept(&target)
        .ok_or_else(|| bad("not a URL like http://proxy.example:3128"))?;
    let uri = intercept.uri();
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(bad(
                "TLS to the proxy (https://) is not supported; give it as http://",
            ))
        }
        Some(other) => {
            return Err(bad(&format!(
                "{other} proxies are not supported, only http://"
            )))
        }
        None => return Err(bad("no scheme")),
    }
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    let after_host = authority
        .as_str()
        .rsplit_once(']')
        .map_or(authority.as_str(), |(_, tail)| tail);
    // curl's default proxy port.
    let port = match (authority.port_u16(), after_host.split_once(':')) {
        (Some(n), _) if n > 0 => n,
        (None, None) => 1080,
        (_, Some((_, p))) => return Err(bad(&format!("invalid port '{p}'"))),
        (Some(_), None) => return Err(bad("invalid port")),
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let matcher = Matcher::builder()
        .all(raw.clone())
        .no(no.unwrap_or_default())
        .build();
    if matcher.intercept(&target).is_none() {
        return Ok(None);
    }
    Ok(Some(Proxy {
        host,
        port,
        auth: intercept.basic_auth().cloned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: Option<&str>, all: Option<&str>, no: Option<&str>) -> ProxyEnv {
        ProxyEnv {
            http: Some("http://plain-proxy:8080".into()),
            https: https.map(Into::into),
            all: all.map(Into::into),
            no: no.map(Into::into),
        }
    }

    fn name(p: Result<Option<Proxy>, String>) -> Option<String> {
        p.unwrap().map(|p| p.name())
    }

    #[test]
    fn environment_rules_as_curl() {
        let tls = BaseUrl::parse("https://misp.example.org").unwrap();
        let plain = BaseUrl::parse("http://misp.example.org").unwrap();
        let e = env(Some("http://proxy:3128"), Some("http://all:1"), None);
        assert_eq!(
            name(choose(&tls, None, None, &e)),
            Some("proxy:3128".into())
        );
        assert_eq!(
            name(choose(&plain, None, None, &e)),
            Some("plain-proxy:8080".into())
        );
        let e = env(None, Some("all:1"), None);
        assert_eq!(name(choose(&tls, None, None, &e)), Some("all:1".into()));
        let e = env(Some("http://proxy"), None, Some("example.org, 10.0.0.0/8"));
        assert_eq!(name(choose(&tls, None, None, &e)), None);
        assert_eq!(
            name(choose(&tls, None, Some(""), &e)),
            Some("proxy:1080".into())
        );
        let ip = BaseUrl::parse("https://10.1.2.3").unwrap();
        assert_eq!(name(choose(&ip, None, None, &e)), None);
        let v6 = BaseUrl::parse("https://[::1]:8443").unwrap();
        let e = env(Some("http://[::1]:3128"), None, None);
        assert_eq!(name(choose(&v6, None, None, &e)), Some("[::1]:3128".into()));
        assert_eq!(name(choose(&v6, None, Some("::1"), &e)), None);
    }

    #[test]
    fn options_override_the_environment() {
        let tls = BaseUrl::parse("https://misp.example.org").unwrap();
        let e = env(Some("http://proxy:3128"), None, Some("*"));
        assert_eq!(name(choose(&tls, None, None, &e)), None);
        assert_eq!(
            name(choose(&tls, Some("http://mine:8888"), Some("other"), &e)),
            Some("mine:8888".into())
        );
        let e = env(Some("http://proxy:3128"), None, None);
        assert_eq!(name(choose(&tls, Some(""), None, &e)), None);
    }

    #[test]
    fn credentials_become_a_header_and_are_never_shown() {
        let tls = BaseUrl::parse("https://misp.example.org").unwrap();
        let p = choose(
            &tls,
            Some("http://user:s3cr%40t@proxy:3128"),
            None,
            &ProxyEnv::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.name(), "proxy:3128");
        let auth = p.auth.clone().unwrap();
        // base64("user:s3cr@t")
        assert_eq!(auth, "Basic dXNlcjpzM2NyQHQ=");
        assert!(auth.is_sensitive());
        assert!(!format!("{p:?}").contains("dXNl"));
        let e = choose(
            &tls,
            Some("socks5://user:hunter2@proxy:1080"),
            None,
            &ProxyEnv::default(),
        )
        .unwrap_err();
        assert!(
            !e.contains("hunter2") && e.contains("socks5 proxies are not supported"),
            "{e}"
        );
        let e = choose(&tls, Some("https://proxy:3128"), None, &ProxyEnv::default()).unwrap_err();
        assert!(
            e.starts_with("--proxy: invalid proxy 'https://proxy:3128'"),
            "{e}"
        );
        let e = choose(&tls, Some("http://pro xy"), None, &ProxyEnv::default()).unwrap_err();
        assert!(e.contains("not a URL"), "{e}");
        for bad in ["http://proxy:31x8", "http://proxy:0", "http://proxy:99999"] {
            assert!(
                choose(&tls, Some(bad), None, &ProxyEnv::default()).is_err(),
                "{bad}"
            );
        }
    }
}
