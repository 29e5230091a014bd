//! Command line: clap definitions, multi-call names, and the validated [`Invocation`].
//!
//! Everything a user can get wrong is caught here, before any request, and reported as
//! UNKNOWN (exit 3) with one line naming the problem.

use crate::error::Error;
use crate::http::BaseUrl;
use crate::misp::version::MispVersion;
use crate::misp::workers::{MinWorkers, QueueRules};
use crate::outcome::{State, Thresholds};
use crate::range::{Range, RangeUnit};
use crate::secret::ApiKey;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Names a `check_misp_<check>` link may carry.
pub const CHECK_NAMES: [&str; 13] = [
    "login",
    "events",
    "latency",
    "workers",
    "heal",
    "jobs",
    "stats",
    "users",
    "diagnostics",
    "version",
    "heartbeat",
    "cert",
    "all",
];

/// What `all` runs without `--only`: every check that needs no opt-in (so not `heal`).
/// `cert` comes last and is left out for an http:// URL, where there is no certificate.
pub const ALL_DEFAULT: [&str; 11] = [
    "login",
    "events",
    "latency",
    "workers",
    "jobs",
    "stats",
    "users",
    "diagnostics",
    "version",
    "heartbeat",
    "cert",
];

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
    /// The check to run.
    #[command(subcommand)]
    pub check: CheckArgs,
    /// Options every check takes.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options every check takes (accepted before or after the check name).
#[derive(Clone, Debug, Args)]
pub struct CommonArgs {
    /// Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)
    #[arg(short = 'u', long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Shorthand for --url https://HOST (as OpenNMS passes it)
    #[arg(
        short = 'H',
        long,
        global = true,
        value_name = "HOST",
        conflicts_with = "url"
    )]
    pub hostname: Option<String>,
    /// File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)
    #[arg(short = 'k', long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// The API key itself (visible in ps: prefer --key-file)
    #[arg(long, global = true, value_name = "KEY", conflicts_with = "key_file")]
    pub key: Option<String>,
    /// Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]
    #[arg(short = 't', long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// State to report when the deadline fires
    #[arg(long, global = true, value_enum, default_value_t = StateArg::Critical, value_name = "STATE")]
    pub timeout_result: StateArg,
    /// Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)
    #[arg(
        short = 'w',
        long,
        global = true,
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub warning: Option<String>,
    /// Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)
    #[arg(
        short = 'c',
        long,
        global = true,
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub critical: Option<String>,
    /// Output mode
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputMode::Nagios, value_name = "MODE")]
    pub output: OutputMode,
    /// Trust only the CA certificates in this PEM file
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify the server's certificate
    #[arg(long, global = true, conflicts_with = "ca_cert")]
    pub insecure: bool,
    /// Connect to this address instead of the URL's host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host's addresses
    #[arg(
        short = 'I',
        long,
        global = true,
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub address: Vec<String>,
    /// Connect over IPv4 only
    #[arg(short = '4', long, global = true, conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Connect over IPv6 only
    #[arg(short = '6', long, global = true)]
    pub ipv6: bool,
    /// HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy
    #[arg(long, global = true, value_name = "LIST")]
    pub noproxy: Option<String>,
    /// More detail in the long output (repeatable; never shows the key)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The checks.
#[derive(Debug, Subcommand)]
pub enum CheckArgs {
    /// The login page answers as a browser sees it (no key needed)
    Login(LoginArgs),
    /// The REST events index answers with events
    Events(EventsArgs),
    /// REST response time, phase by phase (-c defaults to 5s)
    Latency(LatencyArgs),
    /// Background workers per queue (-w/-c on dead workers; -w defaults to 0)
    Workers(WorkersArgs),
    /// Workers, restarting dead ones when needed (= workers --restart-dead-workers)
    Heal(HealArgs),
    /// Jobs waiting in the worker queues, summed (-w/-c on the total)
    Jobs(JobsArgs),
    /// Events and attributes modified this month
    Stats(StatsArgs),
    /// Users and organisations
    Users(StatsArgs),
    /// MISP's own diagnostics: jobs, Redis, DB schema, version, writable paths, modules, settings (default -t 30s)
    Diagnostics(DiagnosticsArgs),
    /// MISP release, against --min-version and --min-version-critical
    Version(VersionArgs),
    /// The public liveness endpoint /users/heartbeat (MISP 2.4.194 or later; no key needed)
    Heartbeat,
    /// Days until the TLS certificate expires (-w/-c in days left; default -w 30 -c 7)
    Cert,
    /// Several checks at once, concurrently, one line each (--only CHECK,CHECK,...)
    All(AllArgs),
}

/// `diagnostics` options.
#[derive(Debug, Args)]
pub struct DiagnosticsArgs {
    /// Leave these findings out of the judgement (repeatable or comma-separated): background_jobs, redis, db_schema, version, writeable_dirs, writeable_files, modules, settings
    #[arg(long, value_name = "FINDING", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// `version` options.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// WARNING when MISP is older than this release (e.g. 2.4.194)
    #[arg(long, value_name = "X.Y.Z")]
    pub min_version: Option<String>,
    /// CRITICAL when MISP is older than this release
    #[arg(long, value_name = "X.Y.Z")]
    pub min_version_critical: Option<String>,
}

/// `all` options.
#[derive(Debug, Args)]
pub struct AllArgs {
    /// Run only these checks (repeatable or comma-separated) [default: all but heal; cert only for https://]
    #[arg(long, value_name = "CHECK", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Live workers expected, for workers and heal: N for every queue, QUEUE=N for one
    #[arg(long, value_name = "N|QUEUE=N,...", value_parser = MinWorkers::parse)]
    pub min_workers: Option<MinWorkers>,
}

/// `login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Acceptable HTTP statuses: codes and ranges, comma-separated
    #[arg(long, default_value = "200-202,299", value_name = "LIST")]
    pub expect_status: String,
    /// Text the page must contain
    #[arg(long, default_value = "Login", value_name = "TEXT")]
    pub expect_text: String,
}

/// The seed blog's page size for the events index; `latency` times the same request.
pub const DEFAULT_EVENTS_LIMIT: u32 = 60;

/// `events` options.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Events to ask for (the index page size)
    #[arg(long, default_value_t = DEFAULT_EVENTS_LIMIT, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// CRITICAL when fewer events match
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub min_events: u64,
}

/// `latency` options.
#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// REST path to time instead of the events index
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
}

/// `workers` options.
#[derive(Debug, Args)]
pub struct WorkersArgs {
    /// Restart dead workers when (and only when) some are dead; same as the heal check
    #[arg(long)]
    pub restart_dead_workers: bool,
    /// The heal options, used with --restart-dead-workers.
    #[command(flatten)]
    pub heal: HealArgs,
}

/// Options of the self-healing path, also accepted by `workers`.
#[derive(Debug, Args)]
pub struct HealArgs {
    /// Never restart twice within this time
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub cooldown: Duration,
    /// Where the last restart is remembered [default: /var/tmp/check_misp-UID/heal-<url hash>.json]
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// Wait this long after a restart before re-checking
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub settle: Duration,
    /// Leave this queue out of the judgement (repeatable or comma-separated)
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub ignore_queue: Vec<String>,
    /// Live workers expected: N for every queue, QUEUE=N for one (e.g. 5,update=1); fewer count as dead
    #[arg(long, value_name = "N|QUEUE=N,...", value_parser = MinWorkers::parse)]
    pub min_workers: Option<MinWorkers>,
}

/// `jobs` options.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Leave this queue out of the sum (repeatable or comma-separated)
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub ignore_queue: Vec<String>,
}

/// `stats` and `users` options.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Answer from this cache file (written by `stats --update-cache`)
    #[arg(long, value_name = "PATH")]
    pub cache_file: Option<PathBuf>,
    /// Oldest cache accepted
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub max_age: Duration,
    /// Fetch the statistics and rewrite the cache file (for cron)
    #[arg(long, requires = "cache_file")]
    pub update_cache: bool,
}

/// `--timeout-result` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Exit 0.
    Ok,
    /// Exit 1.
    Warning,
    /// Exit 2.
    Critical,
    /// Exit 3.
    Unknown,
}

impl From<StateArg> for State {
    fn from(s: StateArg) -> State {
        match s {
            StateArg::Ok => State::Ok,
            StateArg::Warning => State::Warning,
            StateArg::Critical => State::Critical,
            StateArg::Unknown => State::Unknown,
        }
    }
}

/// Output modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputMode {
    /// Status line, perfdata, exit 0-3
    Nagios,
    /// OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)
    Okko,
    /// One JSON object
    Json,
    /// Values only, one per line (net-snmp extend)
    Snmp,
    /// name:value pairs on one line (Cacti data input)
    Cacti,
}

/// `--timeout`-style values: humantime (`10s`, `1m30s`, `500ms`) or plain seconds (`10`, `2.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = match s.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        Ok(_) => return Err(format!("'{s}' is not a positive duration")),
        Err(_) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("'{s}' is not a duration like 10s, 1m30s or 10 ({e})"))?,
    };
    if d.is_zero() {
        return Err("a zero duration is not allowed".into());
    }
    Ok(d)
}

/// What to run, fully validated.
#[derive(Debug)]
pub struct Invocation {
    /// The check and its own settings.
    pub check: Check,
    /// MISP's base URL; `None` only when the check does not talk to MISP (`stats`/`users`
    /// answered from `--cache-file`), where no URL is required.
    pub base: Option<BaseUrl>,
    /// The key, for checks that need one.
    pub key: Option<ApiKey>,
    /// Deadline for the whole check.
    pub timeout: Duration,
    /// State when the deadline fires.
    pub timeout_result: State,
    /// `-w`/`-c`, with the check's defaults filled in.
    pub thresholds: Thresholds,
    /// Output mode.
    pub output: OutputMode,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--insecure`.
    pub insecure: bool,
    /// How to connect: `-I`, `-4`/`-6`, the proxy.
    pub network: crate::http::Network,
    /// `-v` count.
    pub verbose: u8,
}

/// A check with its own settings.
#[derive(Debug)]
pub enum Check {
    /// See [`LoginArgs`].
    Login {
        /// Accepted status ranges, inclusive.
        expect_status: Vec<(u16, u16)>,
        /// Required body text.
        expect_text: String,
    },
    /// See [`EventsArgs`].
    Events {
        /// Page size.
        limit: u32,
        /// Minimum matching events.
        min_events: u64,
    },
    /// See [`LatencyArgs`].
    Latency {
        /// Path timed.
        path: String,
    },
    /// Workers, healing when `heal` is set.
    Workers {
        /// Self-healing settings, when asked for.
        heal: Option<HealSettings>,
        /// Queues left out and workers expected.
        rules: QueueRules,
    },
    /// See [`JobsArgs`].
    Jobs {
        /// Queues left out.
        ignore_queues: Vec<String>,
    },
    /// Statistics (`stats` or `users`).
    Stats {
        /// Which figures: events/attributes, or users/orgs.
        kind: StatsKind,
        /// Cache file.
        cache_file: Option<PathBuf>,
        /// Oldest cache accepted.
        max_age: Duration,
        /// Refresh the cache.
        update_cache: bool,
    },
    /// See [`DiagnosticsArgs`].
    Diagnostics {
        /// Findings left out (validated names).
        ignore: Vec<String>,
    },
    /// See [`VersionArgs`].
    Version {
        /// WARNING below this release.
        warn_below: Option<MispVersion>,
        /// CRITICAL below this release.
        crit_below: Option<MispVersion>,
    },
    /// `/users/heartbeat`.
    Heartbeat,
    /// TLS certificate expiry.
    Cert,
    /// Several checks, each built exactly as if it ran alone (its own thresholds and
    /// timeout), run concurrently.
    All {
        /// The checks to run.
        subs: Vec<Invocation>,
    },
}

/// Which pair of statistics a stats-type check reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsKind {
    /// Events and attributes modified this month.
    Activity,
    /// Users and organisations.
    Users,
}

/// Self-healing settings.
#[derive(Clone, Debug)]
pub struct HealSettings {
    /// Minimum time between two restarts.
    pub cooldown: Duration,
    /// Explicit state file, else the per-URL default.
    pub state_file: Option<PathBuf>,
    /// Wait before the re-check.
    pub settle: Duration,
}

impl Check {
    /// The check's name as the user typed it.
    pub fn name(&self) -> &'static str {
        match self {
            Check::Login { .. } => "login",
            Check::Events { .. } => "events",
            Check::Latency { .. } => "latency",
            Check::Workers { heal: None, .. } => "workers",
            Check::Workers { heal: Some(_), .. } => "heal",
            Check::Jobs { .. } => "jobs",
            Check::Stats {
                kind: StatsKind::Activity,
                ..
            } => "stats",
            Check::Stats {
                kind: StatsKind::Users,
                ..
            } => "users",
            Check::Diagnostics { .. } => "diagnostics",
            Check::Version { .. } => "version",
            Check::Heartbeat => "heartbeat",
            Check::Cert => "cert",
            Check::All { .. } => "all",
        }
    }

    /// The deadline when `-t` is not given. `diagnostics` gets 30s because MISP builds
    /// that report slowly (it asks GitHub for the newest release with a 3s timeout of its
    /// own and probes every module); `all` waits for its slowest check.
    pub fn default_timeout(&self) -> Duration {
        match self {
            Check::Diagnostics { .. } => Duration::from_secs(30),
            Check::All { subs } => subs
                .iter()
                .map(|s| s.timeout)
                .max()
                .unwrap_or(Duration::from_secs(10)),
            _ => Duration::from_secs(10),
        }
    }

    /// False for checks whose judgement has no number for `-w`/`-c` to apply to.
    fn takes_thresholds(&self) -> bool {
        !matches!(
            self,
            Check::Diagnostics { .. } | Check::Version { .. } | Check::All { .. }
        )
    }

    fn range_unit(&self) -> RangeUnit {
        match self {
            Check::Login { .. }
            | Check::Events { .. }
            | Check::Latency { .. }
            | Check::Heartbeat => RangeUnit::Seconds,
            _ => RangeUnit::Count,
        }
    }

    /// False only for `stats`/`users` answered from `--cache-file` (no `--update-cache`):
    /// they read a file and make no request, so snmpd's user needs neither URL nor key.
    pub fn talks_to_misp(&self) -> bool {
        !matches!(
            self,
            Check::Stats {
                cache_file: Some(_),
                update_cache: false,
                ..
            }
        )
    }

    fn needs_key(&self) -> bool {
        match self {
            Check::All { subs } => subs.iter().any(|s| s.key.is_some()),
            _ => {
                self.talks_to_misp()
                    && !matches!(self, Check::Login { .. } | Check::Heartbeat | Check::Cert)
            }
        }
    }
}

/// What happened instead of an [`Invocation`].
#[derive(Debug)]
pub enum NotRun {
    /// `--help` or `--version`: print and exit 3.
    Info(String),
    /// Bad input: report UNKNOWN in the output mode the user asked for (if we could tell).
    Bad {
        /// Check name, if known.
        check: Option<String>,
        /// Output mode, if known.
        output: OutputMode,
        /// The problem, one line.
        message: String,
        /// Usage text to print after the status line (nagios mode).
        usage: Option<String>,
    },
}

/// Rewrites `check_misp_<check> ARGS` to `check_misp <check> ARGS`.
///
/// Done here rather than with clap's `multicall`, which needs one subcommand per link
/// name; with this, one definition serves both forms and an unknown link name gets a
/// message that says what the name should be.
pub fn normalize_args(mut args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let Some(argv0) = args.first() else {
        return Ok(vec!["check_misp".into()]);
    };
    let prog = Path::new(argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prog = prog.strip_suffix(".exe").unwrap_or(&prog);
    let rest = prog
        .strip_prefix("check_misp_")
        .or_else(|| prog.strip_prefix("check_misp-"));
    if let Some(rest) = rest {
        let check = rest.replace('-', "_");
        if !CHECK_NAMES.contains(&check.as_str()) {
            return Err(format!(
                "unknown check '{rest}' in program name '{prog}': link the binary as check_misp_<CHECK>, CHECK one of {}",
                CHECK_NAMES.join(", ")
            ));
        }
        args[0] = "check_misp".into();
        args.insert(1, check.into());
    }
    Ok(args)
}

/// Parses and validates the command line (and MISP_* environment).
pub fn parse(args: Vec<OsString>) -> Result<Invocation, NotRun> {
    let guessed = guess_output(&args);
    let args = normalize_args(args).map_err(|m| NotRun::Bad {
        check: None,
        output: guessed,
        message: m,
        usage: None,
    })?;
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind as K;
            let text = e.render().to_string();
            return Err(match e.kind() {
                K::DisplayHelp
                | K::DisplayVersion
                | K::DisplayHelpOnMissingArgumentOrSubcommand => NotRun::Info(text),
                _ => {
                    let first = text
                        .lines()
                        .next()
                        .unwrap_or("invalid command line")
                        .trim_start_matches("error: ")
                        .to_owned();
                    let usage = text
                        .lines()
                        .skip(1)
                        .filter(|l| !l.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join("\n");
                    NotRun::Bad {
                        check: guess_check(&args),
                        output: guessed,
                        message: first,
                        usage: Some(usage),
                    }
                }
            });
        }
    };
    let output = cli.common.output;
    let name = check_name(&cli.check);
    let env = Env::from_process();
    let built = match cli.check {
        CheckArgs::All(a) => build_all(&a, cli.common, &env),
        other => check_of(other).and_then(|check| build(check, cli.common, &env)),
    };
    built.map_err(|error| NotRun::Bad {
        check: Some(name.to_owned()),
        output,
        message: error.to_string(),
        usage: None,
    })
}

fn check_name(args: &CheckArgs) -> &'static str {
    match args {
        CheckArgs::Login(_) => "login",
        CheckArgs::Events(_) => "events",
        CheckArgs::Latency(_) => "latency",
        CheckArgs::Workers(a) if a.restart_dead_workers => "heal",
        CheckArgs::Workers(_) => "workers",
        CheckArgs::Heal(_) => "heal",
        CheckArgs::Jobs(_) => "jobs",
        CheckArgs::Stats(_) => "stats",
        CheckArgs::Users(_) => "users",
        CheckArgs::Diagnostics(_) => "diagnostics",
        CheckArgs::Version(_) => "version",
        CheckArgs::Heartbeat => "heartbeat",
        CheckArgs::Cert => "cert",
        CheckArgs::All(_) => "all",
    }
}

/// The environment variables read (the key, the URL, proxies), read once so tests can
/// supply them.
#[derive(Debug, Default)]
pub struct Env {
    /// `MISP_URL`.
    pub url: Option<String>,
    /// `http_proxy` and the like.
    pub proxy: crate::http::ProxyEnv,
    /// `MISP_KEY_FILE`.
    pub key_file: Option<OsString>,
    /// `MISP_KEY`.
    pub key: Option<OsString>,
}

impl Env {
    fn from_process() -> Self {
        Env {
            url: std::env::var_os("MISP_URL").map(|u| u.to_string_lossy().into_owned()),
            proxy: crate::http::ProxyEnv::from_process(),
            key_file: std::env::var_os("MISP_KEY_FILE"),
            key: std::env::var_os("MISP_KEY"),
        }
    }
}

fn check_of(args: CheckArgs) -> Result<Check, Error> {
    let heal = |h: HealArgs| HealSettings {
        cooldown: h.cooldown,
        state_file: h.state_file,
        settle: h.settle,
    };
    Ok(match args {
        CheckArgs::Login(a) => Check::Login {
            expect_status: parse_statuses(&a.expect_status)?,
            expect_text: a.expect_text,
        },
        CheckArgs::Events(a) => Check::Events {
            limit: a.limit,
            min_events: a.min_events,
        },
        CheckArgs::Latency(a) => Check::Latency {
            path: a
                .path
                .unwrap_or_else(|| crate::checks::events::index_path(DEFAULT_EVENTS_LIMIT)),
        },
        CheckArgs::Workers(a) => Check::Workers {
            rules: rules(&a.heal),
            heal: a.restart_dead_workers.then(|| heal(a.heal)),
        },
        CheckArgs::Heal(a) => Check::Workers {
            rules: rules(&a),
            heal: Some(heal(a)),
        },
        CheckArgs::Jobs(a) => Check::Jobs {
            ignore_queues: a.ignore_queue,
        },
        CheckArgs::Stats(a) => stats(StatsKind::Activity, a),
        CheckArgs::Users(a) => stats(StatsKind::Users, a),
        CheckArgs::Diagnostics(a) => {
            let known = crate::checks::diagnostics::FINDINGS;
            if let Some(bad) = a.ignore.iter().find(|f| !known.contains(&f.as_str())) {
                return Err(Error::Usage(format!(
                    "--ignore: unknown finding '{bad}', expected one of {}",
                    known.join(", ")
                )));
            }
            Check::Diagnostics { ignore: a.ignore }
        }
        CheckArgs::Version(a) => Check::Version {
            warn_below: min_version(a.min_version.as_deref(), "--min-version")?,
            crit_below: min_version(a.min_version_critical.as_deref(), "--min-version-critical")?,
        },
        CheckArgs::Heartbeat => Check::Heartbeat,
        CheckArgs::Cert => Check::Cert,
        CheckArgs::All(_) => {
            return Err(Error::Usage("all cannot run inside all".into()));
        }
    })
}

fn rules(h: &HealArgs) -> QueueRules {
    QueueRules {
        ignore: h.ignore_queue.clone(),
        min_workers: h.min_workers.clone().unwrap_or_default(),
    }
}

fn min_version(text: Option<&str>, option: &str) -> Result<Option<MispVersion>, Error> {
    text.map(|t| {
        MispVersion::parse_bound(t).ok_or_else(|| {
            Error::Usage(format!(
                "{option}: '{t}' is not a MISP version like 2.4.194"
            ))
        })
    })
    .transpose()
}

/// check_curl's `-C 30,7` takes the minimum days left; a plain number given to `cert`
/// means the same (`-w 30`: fewer than 30 days left), not the range "more than 30" that
/// would never make sense for an expiry. Full ranges (`30:`, `@0:7`) keep their meaning.
fn min_days(s: &str) -> String {
    if s.trim().parse::<f64>().is_ok() {
        format!("{}:", s.trim())
    } else {
        s.to_owned()
    }
}

/// `all`: each check is parsed from its bare name (so it gets exactly its own defaults)
/// and built with the common options, as if it ran alone. `-w`/`-c` are refused: one
/// range cannot mean seconds for `latency`, dead workers for `workers` and days for `cert`.
fn build_all(a: &AllArgs, c: CommonArgs, env: &Env) -> Result<Invocation, Error> {
    let only = &a.only;
    if c.warning.is_some() || c.critical.is_some() {
        return Err(Error::Usage(
            "-w/-c do not apply to all: every check keeps its own defaults; run a check alone to set its thresholds".into(),
        ));
    }
    let mut names: Vec<&str> = Vec::new();
    let wanted: Vec<&str> = if only.is_empty() {
        ALL_DEFAULT.to_vec()
    } else {
        only.iter().map(|s| s.trim()).collect()
    };
    for name in wanted {
        if name == "all" || !CHECK_NAMES.contains(&name) {
            return Err(Error::Usage(format!(
                "--only: '{name}' is not a check to run in all, expected some of {}",
                ALL_DEFAULT.join(", ") + ", heal"
            )));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut subs: Vec<Invocation> = Vec::new();
    for name in names {
        let https = subs
            .iter()
            .find_map(|s| s.base.as_ref().map(BaseUrl::is_https));
        if only.is_empty() && name == "cert" && https == Some(false) {
            continue;
        }
        let args = Cli::try_parse_from(["check_misp", name])
            .map_err(|e| Error::Usage(format!("--only {name}: {}", e.kind())))?;
        let mut check = check_of(args.check)?;
        if let (Check::Workers { rules, .. }, Some(mins)) = (&mut check, &a.min_workers) {
            rules.min_workers = mins.clone();
        }
        subs.push(build(check, c.clone(), env)?);
    }
    let base = subs.iter().find_map(|s| s.base.clone());
    let key = subs.iter().find_map(|s| s.key.clone());
    let network = subs
        .iter()
        .find(|s| s.base.is_some())
        .map(|s| s.network.clone())
        .unwrap_or_default();
    let check = Check::All { subs };
    Ok(Invocation {
        timeout: c.timeout.unwrap_or_else(|| check.default_timeout()),
        check,
        base,
        key,
        timeout_result: c.timeout_result.into(),
        thresholds: Thresholds::default(),
        output: c.output,
        ca_cert: c.ca_cert,
        insecure: c.insecure,
        network,
        verbose: c.verbose,
    })
}

fn stats(kind: StatsKind, a: StatsArgs) -> Check {
    Check::Stats {
        kind,
        cache_file: a.cache_file,
        max_age: a.max_age,
        update_cache: a.update_cache,
    }
}

/// Validates everything clap could not: URL, key and ranges. A check that answers from
/// its cache neither needs nor reads the URL and the key (a URL given anyway is ignored).
pub fn build(check: Check, c: CommonArgs, env: &Env) -> Result<Invocation, Error> {
    let base = if check.talks_to_misp() {
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
        Some(b) => network(&c, b, env)?,
        None => crate::http::Network::default(),
    };
    let key = if check.needs_key() {
        Some(load_key(&c, env)?)
    } else {
        None
    };
    if matches!(check, Check::Cert) && base.as_ref().is_some_and(|b| !b.is_https()) {
        return Err(Error::Usage(
            "cert needs an https:// URL: a plain http:// MISP has no certificate".into(),
        ));
    }
    if !check.takes_thresholds() && (c.warning.is_some() || c.critical.is_some()) {
        return Err(Error::Usage(format!(
            "-w/-c do not apply to {}: see its own options in {} --help",
            check.name(),
            check.name()
        )));
    }
    let (warning, critical) = match check {
        Check::Cert => (
            c.warning.as_deref().map(min_days),
            c.critical.as_deref().map(min_days),
        ),
        _ => (c.warning.clone(), c.critical.clone()),
    };
    let unit = check.range_unit();
    let range = |opt: &Option<String>, which: &str| -> Result<Option<Range>, Error> {
        opt.as_deref()
            .map(|s| Range::parse(s, unit).map_err(|e| Error::Usage(format!("{which}: {e}"))))
            .transpose()
    };
    let given = Thresholds {
        warn: range(&warning, "--warning")?,
        crit: range(&critical, "--critical")?,
    };
    let thresholds = match &check {
        Check::Latency { .. } => given.or_defaults(None, Some(Range::above(5.0))),
        Check::Workers { .. } => given.or_defaults(Some(Range::above(0.0)), None),
        Check::Cert => given.or_defaults(Some(Range::below(30.0)), Some(Range::below(7.0))),
        _ => given,
    };
    let timeout = c.timeout.unwrap_or_else(|| check.default_timeout());
    Ok(Invocation {
        check,
        base,
        key,
        timeout,
        timeout_result: c.timeout_result.into(),
        thresholds,
        output: c.output,
        ca_cert: c.ca_cert,
        insecure: c.insecure,
        network,
        verbose: c.verbose,
    })
}

/// `-I`, `-4`/`-6` and the proxy for `base`.
fn network(c: &CommonArgs, base: &BaseUrl, env: &Env) -> Result<crate::http::Network, Error> {
    use crate::http::{Family, Network};
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

fn parse_statuses(s: &str) -> Result<Vec<(u16, u16)>, Error> {
    let bad = || {
        Error::Usage(format!(
            "--expect-status: '{s}' is not a list of status codes like 200-202,299"
        ))
    };
    let code = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
    };
    s.split(',')
        .map(|part| match part.split_once('-') {
            Some((a, b)) => match (code(a), code(b)) {
                (Some(a), Some(b)) if a <= b => Ok((a, b)),
                _ => Err(bad()),
            },
            None => code(part).map(|c| (c, c)).ok_or_else(bad),
        })
        .collect()
}

/// Best guess of `-o` from raw args, so even a bad command line answers in the asked mode.
fn guess_output(args: &[OsString]) -> OutputMode {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        let value = if a == "-o" || a == "--output" {
            args.get(i + 1).map(String::as_str)
        } else {
            a.strip_prefix("--output=")
                .or_else(|| a.strip_prefix("-o").filter(|v| !v.is_empty()))
        };
        if let Some(v) = value.and_then(|v| OutputMode::from_str(v, true).ok()) {
            found = Some(v);
        }
    }
    found.unwrap_or(OutputMode::Nagios)
}

fn guess_check(args: &[OsString]) -> Option<String> {
    args.iter()
        .skip(1)
        .map(|a| a.to_string_lossy())
        .find(|a| CHECK_NAMES.contains(&a.as_ref()))
        .map(|a| a.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn link_names_become_subcommands() {
        assert_eq!(
            normalize_args(os(&[
                "/usr/lib/nagios/plugins/check_misp_workers",
                "-w",
                "1"
            ]))
            .unwrap(),
            os(&["check_misp", "workers", "-w", "1"])
        );
        assert_eq!(
            normalize_args(os(&["check_misp-latency"])).unwrap(),
            os(&["check_misp", "latency"])
        );
        assert_eq!(
            normalize_args(os(&["./check_misp", "jobs"])).unwrap(),
            os(&["./check_misp", "jobs"])
        );
        assert!(normalize_args(os(&["check_misp_bogus"])).is_err());
    }

    #[test]
    fn durations_plain_or_humantime() {
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "ten", "", "10 parsecs", "inf", "NaN"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn status_lists() {
        assert_eq!(
            parse_statuses("200-202,299").unwrap(),
            vec![(200, 202), (299, 299)]
        );
        for bad in ["", "2xx", "300-200", "99", "200,,201", "600"] {
            assert!(parse_statuses(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn output_is_guessed_from_any_spelling() {
        assert_eq!(guess_output(&os(&["x", "-o", "okko"])), OutputMode::Okko);
        assert_eq!(guess_output(&os(&["x", "-ojson"])), OutputMode::Json);
        assert_eq!(guess_output(&os(&["x", "--output=snmp"])), OutputMode::Snmp);
        assert_eq!(guess_output(&os(&["x", "--bogus"])), OutputMode::Nagios);
    }

    fn built(v: &[&str]) -> Result<Invocation, Error> {
        let cli = Cli::try_parse_from(os(v)).unwrap();
        build(check_of(cli.check).unwrap(), cli.common, &Env::default())
    }

    #[test]
    fn cache_reads_need_no_url_and_no_key() {
        for check in ["stats", "users"] {
            let inv = built(&["check_misp", check, "--cache-file", "/x.json"]).unwrap();
            assert!(inv.base.is_none() && inv.key.is_none());
            assert!(!inv.check.talks_to_misp());
            // A key file given anyway is not even opened (snmpd's user cannot read it).
            let inv = built(&[
                "check_misp",
                check,
                "--cache-file",
                "/x.json",
                "--key-file",
                "/nonexistent/key",
            ])
            .unwrap();
            assert!(inv.key.is_none());
        }
        // Updating the cache and asking MISP directly need both.
        let e = built(&[
            "check_misp",
            "stats",
            "--cache-file",
            "/x",
            "--update-cache",
        ]);
        assert!(e.unwrap_err().to_string().starts_with("no MISP given"));
        let e = built(&[
            "check_misp",
            "users",
            "--url",
            "https://misp.example",
            "--cache-file",
            "/x",
            "--update-cache",
        ]);
        assert!(matches!(e.unwrap_err(), Error::NoKey));
        let e = built(&["check_misp", "stats", "--url", "https://misp.example"]);
        assert!(matches!(e.unwrap_err(), Error::NoKey));
        assert!(Cli::try_parse_from(os(&["check_misp", "stats", "--update-cache"])).is_err());
    }

    fn invocation(v: &[&str]) -> Result<Invocation, Error> {
        let cli = Cli::try_parse_from(os(v)).unwrap();
        let env = Env {
            key: Some("SimSiteAdminKey0000000000000000000000001".into()),
            ..Env::default()
        };
        match cli.check {
            CheckArgs::All(a) => build_all(&a, cli.common, &env),
            other => check_of(other).and_then(|c| build(c, cli.common, &env)),
        }
    }

    #[test]
    fn issue7_checks_defaults_and_refusals() {
        let url = ["--url", "https://misp.example"];
        let with = |rest: &[&str]| {
            let mut v = vec!["check_misp"];
            v.extend_from_slice(rest);
            v.extend_from_slice(&url);
            invocation(&v)
        };
        // diagnostics waits 30s by default, the others 10s; -t wins.
        assert_eq!(
            with(&["diagnostics"]).unwrap().timeout,
            Duration::from_secs(30)
        );
        assert_eq!(with(&["version"]).unwrap().timeout, Duration::from_secs(10));
        assert_eq!(
            with(&["diagnostics", "-t", "5"]).unwrap().timeout,
            Duration::from_secs(5)
        );
        // cert: plain numbers are minimum days, with check_curl-like defaults.
        let cert = with(&["cert"]).unwrap();
        assert!(cert.key.is_none());
        assert_eq!(cert.thresholds.warn, Some(Range::below(30.0)));
        assert_eq!(cert.thresholds.crit, Some(Range::below(7.0)));
        let cert = with(&["cert", "-w", "60", "-c", "@0:3"]).unwrap();
        assert_eq!(cert.thresholds.warn, Some(Range::below(60.0)));
        assert_eq!(cert.thresholds.evaluate(2.0), State::Critical);
        assert!(with(&["heartbeat"]).unwrap().key.is_none());
        for bad in [
            &["version", "-w", "1"][..],
            &["diagnostics", "--ignore", "nope"],
            &["version", "--min-version", "2"],
            &["all", "-c", "1"],
            &["all", "--only", "login,all"],
        ] {
            assert!(
                matches!(with(bad), Err(Error::Usage(_))),
                "{bad:?} accepted"
            );
        }
        // all: every check as if alone; the overall deadline is the longest own one.
        let all = with(&["all"]).unwrap();
        let Check::All { subs } = &all.check else {
            panic!("not all")
        };
        let names: Vec<&str> = subs.iter().map(|s| s.check.name()).collect();
        assert_eq!(names, ALL_DEFAULT);
        assert_eq!(all.timeout, Duration::from_secs(30));
        assert!(all.key.is_some());
        let latency = subs.iter().find(|s| s.check.name() == "latency").unwrap();
        assert_eq!(latency.thresholds.crit, Some(Range::above(5.0)));
        let plain = invocation(&["check_misp", "all", "--url", "http://misp", "-t", "4"]).unwrap();
        let Check::All { subs } = &plain.check else {
            panic!("not all")
        };
        assert!(subs
            .iter()
            .all(|s| s.check.name() != "cert" && s.timeout == Duration::from_secs(4)));
        let keyless = with(&["all", "--only", "heartbeat,cert,heartbeat"]).unwrap();
        assert!(keyless.key.is_none());
        assert!(matches!(&keyless.check, Check::All { subs } if subs.len() == 2));
    }

    #[test]
    fn latency_times_the_events_request_by_default() {
        let cli = Cli::try_parse_from(["check_misp", "latency"]).unwrap();
        let Check::Latency { path } = check_of(cli.check).unwrap() else {
            panic!("not latency");
        };
        assert_eq!(path, "/events/index/limit:60/page:1/searchminimal:1");
        let cli = Cli::try_parse_from(["check_misp", "events"]).unwrap();
        let Check::Events { limit, .. } = check_of(cli.check).unwrap() else {
            panic!("not events");
        };
        assert_eq!(crate::checks::events::index_path(limit), path);
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
