//! The command line, the top floor, by job: [`args`] holds the clap root and the options
//! every check takes, [`argv`] the raw argument vector (link names, guesses for a refused
//! command line), [`build`] the validation into an [`Invocation`]. Each check's own
//! options are its `Settings` under [`crate::checks`], which the clap root takes as
//! subcommands; nothing under `checks` knows the command line.
//!
//! A user's mistake is reported as UNKNOWN (exit 3) with one line naming the problem.

pub mod args;
pub mod argv;
pub mod build;

pub use args::{Cli, CommonArgs};
pub use build::{build, Env};

use crate::check_name::CheckName;
use crate::checks::Invocation;
use crate::output::OutputMode;
use clap::Parser;
use std::ffi::OsString;

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
    build::invocation(cli.check, &cli.common, &env).map_err(|error| NotRun::Bad {
        check: Some(name),
        output,
        message: error.to_string(),
        usage: None,
    })
}

/// What happened instead of a run.
#[derive(Debug)]
pub enum NotRun {
    /// `--help` or `--version`: print and exit 3.
    Info(String),
    /// Bad input: report UNKNOWN in the output mode the user asked for (if we could tell).
    Bad {
        check: Option<CheckName>,
        output: OutputMode,
        /// The problem, one line.
        message: String,
        /// Usage text to print after the status line (nagios mode).
        usage: Option<String>,
    },
}

impl NotRun {
    /// clap's refusal of `args`: help and version as they are, an error as its first
    /// line, with the usage that clap prints after it.
    pub fn from_clap(e: &clap::Error, args: &[std::ffi::OsString]) -> NotRun {
        use clap::error::ErrorKind as K;
        let text = e.render().to_string();
        match e.kind() {
            K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand => {
                NotRun::Info(text)
            }
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
                    check: argv::guess_check(args),
                    output: argv::guess_output(args),
                    message: first,
                    usage: Some(usage),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
