//! The checks, one module each. A module owns its check's options (a clap `Args` struct
//! called `Settings`, whose doc comment is the check's help), its [`Defaults`], its
//! snmp/cacti layout, its requests and its pure judgement; [`Check`] is what the rest of
//! the program needs from it. The list in [`crate::check_name`] turns each module into a
//! subcommand here. Checks never print or exit; they return an [`Outcome`] or an
//! [`Error`].

use crate::check_name::{for_each_check, CheckName};
use crate::cli::{self, argv, CommonArgs, Defaults, Env, NotRun};
use crate::error::Error;
use crate::http::{self, Client};
use crate::invocation::Options;
use crate::outcome::{Outcome, Thresholds};
use clap::Parser;
use std::cell::OnceCell;
use std::ffi::OsString;
use std::time::Duration;
use tokio::time::Instant;

/// What the program needs from a check, implemented by its `Settings`.
// `async fn` in a public trait cannot promise a `Send` future; none is needed, since
// everything runs on one thread.
#[allow(async_fn_in_trait)]
pub trait Check {
    /// The metrics the line-oriented modes (snmp, cacti) always print, in this order, so
    /// that a failed run still prints the same fields (`-1`, `U`). Empty: every metric, as
    /// measured.
    const LAYOUT: &'static [&'static str] = &[];
    /// Whether `all` runs this check when `--only` does not name the checks.
    const IN_ALL: bool = true;

    fn defaults(&self) -> Defaults;

    /// Refuses settings clap could not check on its own (run before any request).
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    /// The name to report under when not the subcommand's own (`workers
    /// --restart-dead-workers` is `heal`).
    fn reported_as(&self) -> Option<CheckName> {
        None
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error>;
}

macro_rules! registry {
    ($($module:ident $variant:ident,)*) => {
        $(pub mod $module;)*

        /// The checks, as subcommands; each variant's help is its `Settings`' doc comment.
        #[derive(Debug, clap::Subcommand)]
        pub enum CheckArgs {
            $($variant($module::Settings),)*
        }

        impl CheckArgs {
            pub fn name(&self) -> CheckName {
                match self {
                    $(CheckArgs::$variant(s) => s.reported_as().unwrap_or(CheckName::$variant),)*
                }
            }

            pub fn defaults(&self) -> Defaults {
                match self {
                    $(CheckArgs::$variant(s) => s.defaults(),)*
                }
            }

            fn validate(&self) -> Result<(), Error> {
                match self {
                    $(CheckArgs::$variant(s) => s.validate(),)*
                }
            }

            async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
                match self {
                    $(CheckArgs::$variant(s) => s.run(cx).await,)*
                }
            }
        }

        /// The snmp/cacti layout of a check (see [`Check::LAYOUT`]).
        pub fn layout(name: CheckName) -> &'static [&'static str] {
            match name {
                $(CheckName::$variant => <$module::Settings as Check>::LAYOUT,)*
            }
        }

        /// Whether `all` runs a check by default (see [`Check::IN_ALL`]).
        pub fn in_all(name: CheckName) -> bool {
            match name {
                $(CheckName::$variant => <$module::Settings as Check>::IN_ALL,)*
            }
        }
    };
}
for_each_check!(registry);

/// Monitoring plugins for MISP.
///
/// Run as `check_misp <CHECK> [OPTIONS]`, or through a link named `check_misp_<CHECK>`.
/// Exit codes follow the Monitoring Plugins guidelines (0 OK, 1 WARNING, 2 CRITICAL,
/// 3 UNKNOWN); `-o okko` prints OK/KO and exits 0/1 for OpenNMS.
#[derive(Debug, Parser)]
#[command(
    name = "check_misp",
    version,
    disable_help_subcommand = true,
    propagate_version = true,
    after_help = "The API key is read from --key-file, MISP_KEY_FILE or MISP_KEY (--key is visible in ps)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What to run, fully validated.
#[derive(Debug)]
pub struct Invocation {
    pub check: CheckArgs,
    pub opts: Options,
    /// The checks `all` runs, each built as if it ran alone; empty for any other check.
    pub subs: Vec<Invocation>,
}

impl Invocation {
    pub fn name(&self) -> CheckName {
        self.check.name()
    }
}

/// Parses and validates the command line (and MISP_* environment).
pub fn parse(args: Vec<OsString>) -> Result<Invocation, NotRun> {
    let guessed = argv::guess_output(&args);
    let args = argv::normalize_args(args).map_err(|message| NotRun::Bad {
        check: None,
        output: guessed,
        message,
        usage: None,
    })?;
    let cli = Cli::try_parse_from(&args).map_err(|e| NotRun::from_clap(&e, &args))?;
    let output = cli.common.output;
    let name = cli.check.name();
    let env = Env::from_process();
    let built = match cli.check {
        CheckArgs::All(settings) => all::plan(settings, &cli.common, &env),
        check => single(check, &cli.common, &env),
    };
    built.map_err(|error| NotRun::Bad {
        check: Some(name),
        output,
        message: error.to_string(),
        usage: None,
    })
}

/// One check, validated and with the common options built against its defaults.
pub fn single(check: CheckArgs, common: &CommonArgs, env: &Env) -> Result<Invocation, Error> {
    check.validate()?;
    let opts = cli::build(check.name(), &check.defaults(), common, env)?;
    Ok(Invocation {
        check,
        opts,
        subs: Vec::new(),
    })
}

/// What a check's `run` works with: the options, the deadline, and the HTTP client,
/// made on first use (a check answered from a file makes none).
pub struct Context<'a> {
    pub inv: &'a Invocation,
    pub deadline: Instant,
    client: OnceCell<Client>,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Invocation, deadline: Instant) -> Self {
        Context {
            inv,
            deadline,
            client: OnceCell::new(),
        }
    }

    pub fn client(&self) -> Result<&Client, Error> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let made = client(&self.inv.opts, self.deadline)?;
        Ok(self.client.get_or_init(|| made))
    }

    pub fn thresholds(&self) -> &Thresholds {
        &self.inv.opts.thresholds
    }

    pub fn timeout(&self) -> Duration {
        self.inv.opts.timeout
    }
}

/// Runs the invocation's check, finishing by `deadline`.
pub async fn run(inv: &Invocation, deadline: Instant) -> Result<Outcome, Error> {
    let cx = Context::new(inv, deadline);
    let mut outcome = inv.check.run(&cx).await?;
    if let Some(client) = cx.client.get() {
        add_verbose_details(&inv.opts, client, &mut outcome);
    }
    Ok(outcome)
}

/// With `-v`: one line per request made, a note when MISP announced that the key expires
/// soon, and a warning when the key went over plain HTTP.
pub fn add_verbose_details(opts: &Options, client: &Client, outcome: &mut Outcome) {
    if opts.verbose == 0 {
        return;
    }
    outcome.details.extend(client.request_log());
    // The key check says it in its status line already.
    let note = client
        .key_expiration()
        .filter(|_| outcome.check != Some(CheckName::Key))
        .and_then(|h| key::near_expiry_now(&h));
    outcome.details.extend(note);
    if client.has_key() && !client.base().is_https() {
        outcome
            .details
            .push("warning: the API key travels in clear text over http://; use https://".into());
    }
}

/// The HTTP client for these options; TLS trust is only loaded for an https URL.
pub fn client(opts: &Options, deadline: Instant) -> Result<Client, Error> {
    let base = opts.base.clone().ok_or(Error::NoUrl)?;
    let tls = if base.is_https() {
        Some(http::tls_config(opts.ca_cert.as_deref(), opts.insecure)?)
    } else {
        None
    };
    Ok(
        Client::new(base, opts.key.clone(), tls, deadline, opts.timeout)
            .with_network(opts.network.clone()),
    )
}

/// The outcome of a check that failed: the error's state and its one-line message.
pub fn failed(inv: &Invocation, e: &Error) -> Outcome {
    Outcome::new(inv.name(), e.state(inv.opts.timeout_result), e.to_string())
}

/// A duration as a person reads it, to the second: `2h`, `12m 3s`, `0s`.
pub fn human(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
}

/// Seconds with millisecond precision, for summaries.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// `n thing` or `n things`.
pub fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// How far ahead of this host's clock a recorded time may be and still count as "now":
/// hosts kept by NTP differ by far less, and a state or cache file written by a host a
/// few minutes ahead must not be thrown away.
pub const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(300);

/// How far `t` is ahead of `now`, when that is more than [`CLOCK_SKEW`]: such a time
/// cannot have been recorded yet, so it is invalid rather than "very recent".
pub fn in_future(
    t: std::time::SystemTime,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    t.duration_since(now)
        .ok()
        .filter(|ahead| *ahead > CLOCK_SKEW)
}

/// A time as RFC 3339 UTC, or as Unix seconds where RFC 3339 has no year for it.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // humantime formats years up to 9999 only (and fails, not saturates, past that).
    if secs < 253_402_300_800 {
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
        )
        .to_string()
    } else {
        format!("Unix time {secs}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::State;
    use crate::range::Range;

    fn invocation(v: &[&str], env: &Env) -> Result<Invocation, Error> {
        let cli = Cli::try_parse_from(v).unwrap();
        match cli.check {
            CheckArgs::All(a) => all::plan(a, &cli.common, env),
            other => single(other, &cli.common, env),
        }
    }

    fn with_key(v: &[&str]) -> Result<Invocation, Error> {
        let env = Env {
            key: Some("SimSiteAdminKey0000000000000000000000001".into()),
            ..Env::default()
        };
        invocation(v, &env)
    }

    #[test]
    fn cache_reads_need_no_url_and_no_key() {
        let keyless = |v: &[&str]| invocation(v, &Env::default());
        for check in ["stats", "users"] {
            let inv = keyless(&["check_misp", check, "--cache-file", "/x.json"]).unwrap();
            assert!(inv.opts.base.is_none() && inv.opts.key.is_none());
            // A key file given anyway is not even opened (snmpd's user cannot read it).
            let inv = keyless(&[
                "check_misp",
                check,
                "--cache-file",
                "/x.json",
                "--key-file",
                "/nonexistent/key",
            ])
            .unwrap();
            assert!(inv.opts.key.is_none());
        }
        // Updating the cache and asking MISP directly need both.
        let e = keyless(&[
            "check_misp",
            "stats",
            "--cache-file",
            "/x",
            "--update-cache",
        ]);
        assert!(e.unwrap_err().to_string().starts_with("no MISP given"));
        let e = keyless(&[
            "check_misp",
            "users",
            "--url",
            "https://misp.example",
            "--cache-file",
            "/x",
            "--update-cache",
        ]);
        assert!(matches!(e.unwrap_err(), Error::NoKey));
        let e = keyless(&["check_misp", "stats", "--url", "https://misp.example"]);
        assert!(matches!(e.unwrap_err(), Error::NoKey));
        assert!(Cli::try_parse_from(["check_misp", "stats", "--update-cache"]).is_err());
    }

    #[test]
    fn each_check_gets_its_own_defaults_and_refusals() {
        let with = |rest: &[&str]| {
            let mut v = vec!["check_misp"];
            v.extend_from_slice(rest);
            v.extend_from_slice(&["--url", "https://misp.example"]);
            with_key(&v)
        };
        // diagnostics waits 30s by default, the others 10s; -t wins.
        assert_eq!(
            with(&["diagnostics"]).unwrap().opts.timeout,
            Duration::from_secs(30)
        );
        assert_eq!(
            with(&["version"]).unwrap().opts.timeout,
            Duration::from_secs(10)
        );
        assert_eq!(
            with(&["diagnostics", "-t", "5"]).unwrap().opts.timeout,
            Duration::from_secs(5)
        );
        // cert: plain numbers are minimum days, with check_curl-like defaults.
        let cert = with(&["cert"]).unwrap();
        assert!(cert.opts.key.is_none());
        assert_eq!(cert.opts.thresholds.warn, Some(Range::below(30.0)));
        assert_eq!(cert.opts.thresholds.crit, Some(Range::below(7.0)));
        let cert = with(&["cert", "-w", "60", "-c", "@0:3"]).unwrap();
        assert_eq!(cert.opts.thresholds.warn, Some(Range::below(60.0)));
        assert_eq!(cert.opts.thresholds.evaluate(2.0), State::Critical);
        assert!(with(&["heartbeat"]).unwrap().opts.key.is_none());
        assert!(with(&["login"]).unwrap().opts.key.is_none());
        assert!(with(&["workers", "--restart-dead-workers"]).unwrap().name() == CheckName::Heal);
        for bad in [
            &["version", "-w", "1"][..],
            &["version", "--min-version", "2"],
            &["login", "--expect-status", "2xx"],
            &["all", "-c", "1"],
        ] {
            assert!(
                matches!(with(bad), Err(Error::Usage(_))),
                "{bad:?} accepted"
            );
        }
        // clap itself refuses values outside the lists.
        for bad in [
            &["check_misp", "diagnostics", "--ignore", "nope"][..],
            &["check_misp", "all", "--only", "login,all"],
            &["check_misp", "workers", "--timeout-result", "fine"],
            &["check_misp", "workers", "-o", "xml"],
        ] {
            let e = Cli::try_parse_from(bad).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue, "{bad:?}");
            assert!(e.to_string().contains("[possible values: "), "{e}");
        }
    }

    #[test]
    fn all_builds_each_check_as_if_alone() {
        let url = ["--url", "https://misp.example"];
        let all = with_key(&["check_misp", "all", url[0], url[1]]).unwrap();
        let names: Vec<CheckName> = all.subs.iter().map(Invocation::name).collect();
        use CheckName::*;
        assert_eq!(
            names,
            [
                Login,
                Events,
                Latency,
                Workers,
                Jobs,
                Stats,
                Users,
                Diagnostics,
                Version,
                Heartbeat,
                Cert,
                Key
            ]
        );
        // The overall deadline is the longest own one.
        assert_eq!(all.opts.timeout, Duration::from_secs(30));
        assert!(all.opts.key.is_some());
        let latency = all.subs.iter().find(|s| s.name() == Latency).unwrap();
        assert_eq!(latency.opts.thresholds.crit, Some(Range::above(5.0)));
        let plain = with_key(&["check_misp", "all", "--url", "http://misp", "-t", "4"]).unwrap();
        assert!(plain
            .subs
            .iter()
            .all(|s| s.name() != Cert && s.opts.timeout == Duration::from_secs(4)));
        let keyless = with_key(&[
            "check_misp",
            "all",
            "--only",
            "heartbeat,cert,heartbeat",
            url[0],
            url[1],
        ])
        .unwrap();
        assert!(keyless.opts.key.is_none());
        assert_eq!(keyless.subs.len(), 2);
        let mins = with_key(&[
            "check_misp",
            "all",
            "--only",
            "workers,heal",
            "--min-workers",
            "3",
            url[0],
            url[1],
        ])
        .unwrap();
        for sub in &mins.subs {
            let rules = match &sub.check {
                CheckArgs::Workers(w) => w.heal.rules(),
                CheckArgs::Heal(h) => h.rules(),
                other => panic!("{other:?}"),
            };
            assert_eq!(
                rules.min_workers,
                crate::misp::workers::MinWorkers::parse("3").unwrap()
            );
        }
    }

    #[test]
    fn every_check_has_a_subcommand_and_layouts_match_the_list() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let subs: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
        assert_eq!(subs, CheckName::NAMES);
        assert_eq!(layout(CheckName::Heal), layout(CheckName::Workers));
        assert!(layout(CheckName::All).is_empty());
        assert!(!in_all(CheckName::Heal) && !in_all(CheckName::All));
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
