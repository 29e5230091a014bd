//! Validation of the common options into [`Options`], against what the check asks for
//! ([`Defaults`]): URL, network, key, thresholds and deadline; and the [`Invocation`] of
//! a check (for `all`, of each check it runs). Everything a user can get wrong is caught
//! here, before any request.

use super::args::{Cli, CommonArgs};
use crate::check_name::CheckName;
use crate::checks::all::Settings as AllSettings;
use crate::checks::{CheckArgs, Invocation};
use crate::error::Error;
use crate::http::{BaseUrl, ClientIdentity, Family, Network, ProxyEnv};
use crate::invocation::{Defaults, Options, ThresholdDefaults};
use crate::outcome::Thresholds;
use crate::range::{Range, RawRange};
use crate::secret::ApiKey;
use clap::Parser;
use hyper::header::{HeaderName, HeaderValue};
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

/// The environment variables read (the key, the URL, proxies), read once so tests can
/// supply them.
#[derive(Debug, Default)]
pub struct Env {
    pub url: Option<String>,
    pub proxy: ProxyEnv,
    pub key_file: Option<OsString>,
    pub key: Option<OsString>,
    pub state_dir: Option<OsString>,
}

impl Env {
    pub fn from_process() -> Self {
        Env {
            url: std::env::var_os("MISP_URL").map(|u| u.to_string_lossy().into_owned()),
            proxy: ProxyEnv::from_process(),
            key_file: std::env::var_os("MISP_KEY_FILE"),
            key: std::env::var_os("MISP_KEY"),
            state_dir: std::env::var_os("MISP_STATE_DIR"),
        }
    }
}

/// Validates everything clap could not: URL, key and ranges. A check that answers
/// without a request neither needs nor reads the URL and the key (a URL given anyway is
/// ignored).
pub fn build(check: CheckName, d: &Defaults, c: &CommonArgs, env: &Env) -> Result<Options, Error> {
    let base = if d.url {
        // The command line beats the environment; empty counts as unset (Icinga 2).
        let env_url = env.url.as_deref().filter(|u| !u.trim().is_empty());
        let base = match (&c.url, &c.hostname, env_url) {
            (Some(u), _, _) => BaseUrl::parse(u),
            (None, Some(h), _) => BaseUrl::from_host(h),
            (None, None, Some(u)) => BaseUrl::parse(u).map_err(|e| format!("MISP_URL: {e}")),
            (None, None, None) => return Err(Error::NoUrl),
        };
        Some(base.map_err(Error::Usage)?)
    } else {
        None
    };
    let network = match &base {
        Some(b) => network(c, b, env)?,
        None => Network::default(),
    };
    let key = if d.key { Some(load_key(c, env)?) } else { None };
    if let (Some(why), Some(b)) = (d.https_only, &base) {
        if !b.is_https() {
            return Err(Error::Usage(why.into()));
        }
    }
    let (identity, headers) = match &base {
        Some(_) => (
            identity(c)?,
            // A check that sends no key still must not send it in a header: the key it
            // would use is looked up for the comparison only.
            extra_headers(
                &c.header,
                key.clone().or_else(|| load_key(c, env).ok()).as_ref(),
                &c.key,
            )?,
        ),
        None => (None, Vec::new()),
    };
    let thresholds = match &d.thresholds {
        None if c.warning.is_some() || c.critical.is_some() => {
            return Err(Error::Usage(format!(
                "-w/-c do not apply to {check}: see its own options in {check} --help"
            )));
        }
        None => Thresholds::default(),
        Some(t) => thresholds(t, c)?,
    };
    Ok(Options {
        base,
        key,
        timeout: c.timeout.unwrap_or(d.timeout),
        timeout_result: c.timeout_result,
        thresholds,
        output: c.output,
        output_file: c.output_file.clone(),
        ca_cert: c.ca_cert.clone(),
        insecure: c.insecure,
        identity,
        headers,
        network,
        verbose: c.verbose,
        state_dir: state_dir(c, env),
    })
}

/// The command line beats the environment; empty counts as unset (Icinga 2).
fn state_dir(c: &CommonArgs, env: &Env) -> Option<std::path::PathBuf> {
    c.state_dir
        .clone()
        .or_else(|| env.state_dir.clone().map(std::path::PathBuf::from))
        .filter(|d| !d.as_os_str().is_empty())
}

fn thresholds(t: &ThresholdDefaults, c: &CommonArgs) -> Result<Thresholds, Error> {
    let range = |opt: &Option<RawRange>, which: &str| -> Result<Option<Range>, Error> {
        opt.as_ref()
            .map(|r| {
                r.resolve(t.unit)
                    .map_err(|e| Error::Usage(format!("{which}: {e}")))
            })
            .transpose()
    };
    let given = Thresholds {
        warn: range(&c.warning, "--warning")?,
        crit: range(&c.critical, "--critical")?,
    };
    Ok(given.or_defaults(t.warn.clone(), t.crit.clone()))
}

/// `-I`, `-4`/`-6` and the proxy for `base`.
fn network(c: &CommonArgs, base: &BaseUrl, env: &Env) -> Result<Network, Error> {
    let mut addresses = Vec::new();
    for a in &c.address {
        let a = a.trim();
        let bare = a.trim_start_matches('[').trim_end_matches(']');
        let is_ip = bare.parse::<std::net::IpAddr>().is_ok();
        if bare.is_empty() || (!is_ip && bare.contains([':', '/', '[', ']', ' '])) {
            return Err(Error::Usage(format!(
                "-I/--address: '{a}' is not an IP address or host name"
            )));
        }
        addresses.push(bare.to_owned());
    }
    let proxy =
        crate::http::choose_proxy(base, c.proxy.as_deref(), c.noproxy.as_deref(), &env.proxy)
            .map_err(Error::Usage)?;
    Ok(Network {
        addresses,
        family: match (c.ipv4, c.ipv6) {
            (true, _) => Some(Family::V4),
            (_, true) => Some(Family::V6),
            _ => None,
        },
        proxy,
    })
}

/// `--client-cert`/`--client-key`, read before any request so a bad file is UNKNOWN.
fn identity(c: &CommonArgs) -> Result<Option<ClientIdentity>, Error> {
    c.client_cert
        .as_deref()
        .map(|cert| ClientIdentity::load(cert, c.client_key.as_deref()))
        .transpose()
}

/// Headers this client sets itself and `--header` must not touch: the key's, the proxy's,
/// the ones that frame the request, and the ones MISP's answer format depends on.
const OWN_HEADERS: [(&str, &str); 7] = [
    (
        "authorization",
        "it carries the API key, which comes only from --key-file or MISP_KEY",
    ),
    (
        "proxy-authorization",
        "proxy credentials go in the --proxy URL",
    ),
    (
        "host",
        "use --url for the name and -I/--address for where to connect",
    ),
    ("content-length", "the request's framing is this client's"),
    (
        "transfer-encoding",
        "the request's framing is this client's",
    ),
    ("accept", "the check chooses JSON or HTML by it"),
    (
        "content-type",
        "the check sets it for the requests that have a body",
    ),
];

/// `--header 'Name: value'`, each checked as HTTP allows and refused when it would replace
/// what this client sends itself or carry the API key (a header is printed by no output,
/// but fronts log them).
fn extra_headers(
    given: &[String],
    key: Option<&ApiKey>,
    key_arg: &Option<String>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let mut out = Vec::new();
    for h in given {
        let Some((name, value)) = h.split_once(':') else {
            // Not echoed: what was given may be a bare token.
            return Err(Error::Usage(
                "--header takes 'Name: value', with a colon after the name".into(),
            ));
        };
        let name = name.trim();
        let value = value.trim();
        let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::Usage(format!(
                "--header: '{}' is not a valid header name",
                crate::misp::one_line(name, 40)
            ))
        })?;
        if let Some((_, why)) = OWN_HEADERS.iter().find(|(n, _)| *n == parsed.as_str()) {
            return Err(Error::Usage(format!("--header cannot set {name}: {why}")));
        }
        let secret = key.is_some_and(|k| value.contains(k.expose()))
            || key_arg
                .as_deref()
                .is_some_and(|k| !k.is_empty() && value.contains(k));
        if secret {
            return Err(Error::Usage(format!(
                "--header {name}: the value holds the API key; the key is sent only as Authorization"
            )));
        }
        let mut v = HeaderValue::from_str(value).map_err(|_| {
            Error::Usage(format!(
                "--header {name}: the value has characters a header cannot carry"
            ))
        })?;
        v.set_sensitive(true);
        out.push((parsed, v));
    }
    Ok(out)
}

fn load_key(c: &CommonArgs, env: &Env) -> Result<ApiKey, Error> {
    let from_file = |path: &Path, option: &str| -> Result<ApiKey, Error> {
        // A key where its file's path belongs (an easy mix-up in Icinga's vars) would
        // otherwise be echoed by the very error that says the "file" does not exist.
        let key_like = crate::secret::looks_like_key(&path.to_string_lossy());
        let shown = if key_like {
            "[redacted]".to_owned()
        } else {
            path.display().to_string()
        };
        ApiKey::from_file(path).map_err(|e| match e {
            crate::secret::KeyFileError::Format(reason) => Error::KeyFormat {
                source_name: format!("file {shown}"),
                reason,
            },
            other => Error::KeyFile {
                path: shown.clone(),
                reason: if key_like {
                    format!("{other}; the value looks like the key itself, but {option} takes the path of a file holding it (the key itself goes in MISP_KEY)")
                } else {
                    other.to_string()
                },
            },
        })
    };
    let literal = |text: &str, source: &str| {
        ApiKey::parse(text).map_err(|reason| Error::KeyFormat {
            source_name: source.to_owned(),
            reason,
        })
    };
    if let Some(path) = &c.key_file {
        return from_file(path, "--key-file");
    }
    if let Some(k) = &c.key {
        return literal(k, "--key");
    }
    if let Some(path) = env.key_file.as_ref().filter(|p| !p.is_empty()) {
        return from_file(Path::new(path), "MISP_KEY_FILE");
    }
    // Empty counts as unset: Icinga 2 sets `env` entries whose variable is undefined to "".
    if let Some(k) = env.key.as_ref().filter(|k| !k.is_empty()) {
        return literal(&k.to_string_lossy(), "MISP_KEY");
    }
    // ...but when nothing else supplied a key, say that the variable was empty rather than
    // that there was none: that is the mistake to fix.
    if env.key.is_some() {
        return literal("", "MISP_KEY");
    }
    Err(Error::NoKey)
}

/// The invocation for a parsed command line: `all` plans its checks, any other check is
/// built alone.
pub fn invocation(check: CheckArgs, common: &CommonArgs, env: &Env) -> Result<Invocation, Error> {
    match check {
        CheckArgs::All(settings) => plan(settings, common, env),
        check => single(check, common, env),
    }
}

/// One check, validated and with the common options built against its defaults.
pub fn single(check: CheckArgs, common: &CommonArgs, env: &Env) -> Result<Invocation, Error> {
    check.validate()?;
    let opts = build(check.name(), &check.defaults(), common, env)?;
    Ok(Invocation {
        check,
        opts,
        subs: Vec::new(),
    })
}

/// `all`: each check is parsed from its bare name (so it gets exactly its own defaults)
/// and built with the common options, as if it ran alone. `-w`/`-c` are refused: one
/// range cannot mean seconds for `latency`, dead workers for `workers` and days for `cert`.
/// Without `--only`, a check that needs https is left out for an http:// URL.
pub fn plan(settings: AllSettings, c: &CommonArgs, env: &Env) -> Result<Invocation, Error> {
    if c.warning.is_some() || c.critical.is_some() {
        return Err(Error::Usage(
            "-w/-c do not apply to all: every check keeps its own defaults; run a check alone to set its thresholds".into(),
        ));
    }
    let chosen = settings.only.is_empty();
    let wanted: Vec<CheckName> = if chosen {
        crate::checks::in_all_by_default()
    } else {
        settings.only.clone()
    };
    let mut names: Vec<CheckName> = Vec::new();
    for name in wanted {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut subs: Vec<Invocation> = Vec::new();
    for name in names {
        let https = subs
            .iter()
            .find_map(|s| s.opts.base.as_ref().map(BaseUrl::is_https));
        let mut check = Cli::try_parse_from(["check_misp", name.as_str()])
            .map_err(|e| Error::Usage(format!("--only {name}: {}", e.kind())))?
            .check;
        if chosen && check.defaults().https_only.is_some() && https == Some(false) {
            continue;
        }
        if let Some(mins) = &settings.min_workers {
            match &mut check {
                CheckArgs::Workers(w) => w.queues.min_workers = Some(mins.clone()),
                CheckArgs::Heal(h) => h.queues.min_workers = Some(mins.clone()),
                _ => {}
            }
        }
        subs.push(single(check, c, env)?);
    }
    let first_online = subs.iter().find(|s| s.opts.base.is_some());
    let opts = Options {
        base: first_online.and_then(|s| s.opts.base.clone()),
        key: subs.iter().find_map(|s| s.opts.key.clone()),
        network: first_online
            .map(|s| s.opts.network.clone())
            .unwrap_or_default(),
        // Without -t, `all` waits for its slowest check.
        timeout: c.timeout.unwrap_or_else(|| {
            subs.iter()
                .map(|s| s.opts.timeout)
                .max()
                .unwrap_or(Duration::from_secs(10))
        }),
        timeout_result: c.timeout_result,
        thresholds: Thresholds::default(),
        output: c.output,
        output_file: c.output_file.clone(),
        ca_cert: c.ca_cert.clone(),
        insecure: c.insecure,
        identity: first_online.and_then(|s| s.opts.identity.clone()),
        headers: first_online
            .map(|s| s.opts.headers.clone())
            .unwrap_or_default(),
        verbose: c.verbose,
        state_dir: state_dir(c, env),
    };
    Ok(Invocation {
        check: CheckArgs::All(settings),
        opts,
        subs,
    })
}
