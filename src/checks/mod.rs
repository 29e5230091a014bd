//! The checks, one module each. A module owns its check's options (a clap `Args` struct
//! called `Settings`, whose doc comment is the check's help), its [`Defaults`], its
//! snmp/cacti layout, its requests and its pure judgement; [`Check`] is what the rest of
//! the program needs from it. The list in [`crate::check_name`] turns each module into a
//! subcommand here. Checks never print or exit; they return an [`Outcome`] or an
//! [`Error`].

use crate::check_name::{for_each_check, CheckName};
use crate::error::Error;
use crate::http::{self, Client, Exchange, Kind};
use crate::invocation::{Defaults, Options};
use crate::outcome::{Outcome, Thresholds};
use hyper::Method;
use std::cell::OnceCell;
use std::fmt::Write;
use std::sync::Arc;
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
                    $(CheckArgs::$variant(_) => CheckName::$variant,)*
                }
            }

            pub fn defaults(&self) -> Defaults {
                match self {
                    $(CheckArgs::$variant(s) => s.defaults(),)*
                }
            }

            pub fn validate(&self) -> Result<(), Error> {
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

/// The checks `all` runs when `--only` does not name them, in the registry's order (a
/// check that needs https is then left out for an http:// URL).
pub fn in_all_by_default() -> Vec<CheckName> {
    use clap::ValueEnum;
    CheckName::value_variants()
        .iter()
        .copied()
        .filter(|c| in_all(*c))
        .collect()
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

/// What a check's `run` works with: the options, the deadline, and the HTTP client,
/// made on first use (a check answered from a file makes none).
pub struct Context<'a> {
    pub inv: &'a Invocation,
    pub deadline: Instant,
    /// Where the client's reads are shared with the other checks of the run, if any.
    exchange: Option<Arc<Exchange>>,
    client: OnceCell<Client>,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Invocation, deadline: Instant) -> Self {
        Context {
            inv,
            deadline,
            exchange: None,
            client: OnceCell::new(),
        }
    }

    /// This context, its client sharing each read with the other checks of `exchange`.
    pub fn sharing(mut self, exchange: Arc<Exchange>) -> Self {
        self.exchange = Some(exchange);
        self
    }

    pub fn client(&self) -> Result<&Client, Error> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let mut made = client(&self.inv.opts, self.deadline)?;
        if let Some(exchange) = &self.exchange {
            made = made.with_exchange(exchange.clone());
        }
        Ok(self.client.get_or_init(|| made))
    }

    pub fn thresholds(&self) -> &Thresholds {
        &self.inv.opts.thresholds
    }

    /// Where the check remembers things between polls (`None`: the default directory).
    pub fn state_dir(&self) -> Option<&std::path::Path> {
        self.inv.opts.state_dir.as_deref()
    }

    pub fn timeout(&self) -> Duration {
        self.inv.opts.timeout
    }
}

/// Runs the invocation's check, finishing by `deadline`.
pub async fn run(inv: &Invocation, deadline: Instant) -> Result<Outcome, Error> {
    run_in(Context::new(inv, deadline)).await
}

/// Runs the check of `cx`'s invocation.
pub async fn run_in(cx: Context<'_>) -> Result<Outcome, Error> {
    let result = cx.inv.check.run(&cx).await;
    let Some(client) = cx.client.get() else {
        return result;
    };
    // A failed check keeps its request lines for -v: they show what failed where.
    let mut outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => failed(cx.inv, &whole_misp_failing(client, e).await),
    };
    add_verbose_details(&cx.inv.opts, client, &mut outcome);
    Ok(outcome)
}

/// A 5xx that MISP's login page answers too is MISP failing as a whole (a PHP or
/// configuration error), not this one request: said so, with where MISP logs why.
pub async fn whole_misp_failing(client: &Client, e: Error) -> Error {
    let Error::Status {
        status,
        method,
        path,
        mut detail,
    } = e
    else {
        return e;
    };
    let login = format!("{}{LOGIN_PAGE}", client.base().prefix());
    if status >= 500 && path != login {
        if let Ok(page) = client.send(Method::GET, LOGIN_PAGE, Kind::Page).await {
            if page.status >= 500 {
                let _ = write!(
                    detail,
                    "; its login page answers {} too, so MISP fails as a whole: its app/tmp/logs/error.log, or for a PHP fatal error the web server's error log, says why",
                    page.status
                );
            }
        }
    }
    Error::Status {
        status,
        method,
        path,
        detail,
    }
}

/// MISP's public login page, which answers whenever MISP's PHP runs at all.
pub const LOGIN_PAGE: &str = "/users/login";

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
            .with_network(opts.network.clone())
            .with_identity(opts.identity.clone())
            .with_headers(opts.headers.clone()),
    )
}

/// The outcome of a check that failed: the error's state and its one-line message.
pub fn failed(inv: &Invocation, e: &Error) -> Outcome {
    Outcome::new(inv.name(), e.state(inv.opts.timeout_result), e.to_string())
}
