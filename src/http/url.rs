//! The MISP base URL, parsed strictly: a URL that does not say exactly where to go is
//! refused rather than guessed at.

use std::net::Ipv6Addr;

/// The MISP base URL, split once into what each request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    pub(super) https: bool,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) authority: String,
    pub(super) prefix: String,
}

impl BaseUrl {
    /// Parses `http[s]://host[:port][/prefix]`; a query, fragment or user info is refused,
    /// and so is a port that is not a number from 1 to 65535 (never replaced by the default).
    pub fn parse(text: &str) -> Result<Self, String> {
        // User info is a password pasted into the URL: never echo it back.
        let shown = hide_user_info(text);
        let bad = |why: &str| format!("invalid URL '{shown}': {why}");
        if text.contains('#') {
            return Err(bad("a fragment (#...) has no meaning here"));
        }
        let port_text = raw_port(text);
        if let Some(p) = port_text {
            if !p.is_empty() {
                port_number(p).map_err(|why| bad(&why))?;
            }
        }
        let uri: hyper::Uri = text.parse().map_err(|e| bad(&format!("{e}")))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => return Err(bad(&format!("scheme '{other}' is not http or https"))),
            None => return Err(bad("it must start with https:// or http://")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user info in the URL is not supported; use --key-file"));
        }
        if uri.query().is_some() {
            return Err(bad("a query string (?...) has no meaning here"));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let default = if https { 443 } else { 80 };
        let port = match port_text.filter(|p| !p.is_empty()) {
            Some(p) => port_number(p).map_err(|why| bad(&why))?,
            None => default,
        };
        Ok(BaseUrl {
            https,
            host: host.to_owned(),
            port,
            authority: authority.as_str().to_owned(),
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The URL `-H HOST` stands for: `https://HOST`, a bare IPv6 address in brackets.
    /// A URL given to `-H` is refused: `-H` takes a host name (as check_http's does).
    pub fn from_host(host: &str) -> Result<Self, String> {
        let host = host.trim();
        if host.contains("://") || host.contains('/') {
            return Err(format!(
                "-H takes a host name or address, not a URL: give '{}' with --url instead",
                hide_user_info(host)
            ));
        }
        if host.is_empty() {
            return Err("-H: empty host name".into());
        }
        let authority = match host.parse::<Ipv6Addr>() {
            Ok(v6) => format!("[{v6}]"),
            Err(_) => host.to_owned(),
        };
        Self::parse(&format!("https://{authority}")).map_err(|e| format!("-H {host}: {e}"))
    }

    /// The path MISP is under (`/misp` for `https://host/misp`), empty at the root.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Host name or address, without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port` as a request line or CONNECT names it (IPv6 in brackets).
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL of `path` under this base, for messages.
    pub fn url_of(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}{path}", self.authority, self.prefix)
    }

    /// A stable identity of this MISP for state files: scheme, authority and prefix.
    pub fn identity(&self) -> String {
        self.url_of("")
    }
}

/// The text after the host's `:` in the authority, if there is one (IPv6 brackets skipped).
fn raw_port(text: &str) -> Option<&str> {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("", |(_, tail)| tail),
        None => host_port,
    };
    after_host.split_once(':').map(|(_, port)| port)
}

fn port_number(p: &str) -> Result<u16, String> {
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid port '{p}': not a number"));
    }
    match p.parse::<u32>().map(u16::try_from) {
        Ok(Ok(n)) if n != 0 => Ok(n),
        _ => Err(format!("invalid port '{p}': out of range 1-65535")),
    }
}

/// `scheme://user:password@host/...` as `scheme://***@host/...`, for messages.
pub(crate) fn hide_user_info(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***{}", &rest[at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base_urls() {
        let b = BaseUrl::parse("https://misp.example.org/misp/").unwrap();
        assert!(b.is_https());
        assert_eq!((b.host(), b.port()), ("misp.example.org", 443));
        assert_eq!(
            b.url_of("/servers/getWorkers"),
            "https://misp.example.org/misp/servers/getWorkers"
        );
        let v6 = BaseUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!((v6.host(), v6.port()), ("::1", 8080));
        assert_eq!(v6.url_of("/x"), "http://[::1]:8080/x");
        assert_eq!(v6.host_port(), "[::1]:8080");
        let empty_port = BaseUrl::parse("http://misp:/").unwrap();
        assert_eq!(empty_port.port(), 80);
    }

    #[test]
    fn refuses_bad_base_urls() {
        for bad in [
            "misp.example.org",
            "ftp://misp",
            "https://",
            "https://user:pw@misp",
            "https://misp/?a=b",
            "https://misp/#x",
            "https://mi sp",
            "",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ports_are_never_guessed() {
        for (url, why) in [
            ("http://127.0.0.1:8O80", "invalid port '8O80': not a number"),
            (
                "http://127.0.0.1:99999",
                "invalid port '99999': out of range",
            ),
            ("https://misp:0/", "invalid port '0': out of range"),
            ("https://[::1]:-1/", "invalid port '-1': not a number"),
            ("https://misp:443x/p", "invalid port '443x'"),
        ] {
            let e = BaseUrl::parse(url).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
        }
        assert_eq!(BaseUrl::parse("https://misp:65535").unwrap().port(), 65535);
    }

    #[test]
    fn host_option_brackets_ipv6_and_refuses_urls() {
        let v6 = BaseUrl::from_host("::1").unwrap();
        assert_eq!(v6.url_of(""), "https://[::1]");
        assert_eq!((v6.host(), v6.port()), ("::1", 443));
        assert_eq!(BaseUrl::from_host("[fe80::1]").unwrap().host(), "fe80::1");
        assert_eq!(BaseUrl::from_host("misp:8443").unwrap().port(), 8443);
        let e = BaseUrl::from_host("https://misp.example.org").unwrap_err();
        assert!(e.starts_with("-H takes a host name"), "{e}");
        let e = BaseUrl::from_host("misp:8O").unwrap_err();
        assert!(e.contains("invalid port '8O'"), "{e}");
    }

    #[test]
    fn refused_urls_never_echo_a_password() {
        let e = BaseUrl::parse("https://admin:hunter2pass@misp.example.org/x").unwrap_err();
        assert!(!e.contains("hunter2pass"), "{e}");
        assert!(e.contains("'https://***@misp.example.org/x'"), "{e}");
        assert_eq!(hide_user_info("ftp://a@b@c?d@e"), "ftp://***@c?d@e");
        assert_eq!(hide_user_info("misp.example.org"), "misp.example.org");
        let e = BaseUrl::from_host("https://u:hunter2pass@misp").unwrap_err();
        assert!(!e.contains("hunter2pass"), "{e}");
    }
}
