//! check_misp: monitoring plugins for MISP, as a library behind the `check_misp` binary.
//!
//! Layout, one concern per module: [`check_name`] lists the checks, [`cli`] parses the
//! command line and builds the invocation, [`invocation`] is what a run is and what a
//! check states about itself, [`checks`] holds one module per check (its own options,
//! defaults, requests and judgement), [`http`] talks to MISP, [`misp`] parses MISP's
//! answers, [`output`] renders (one file per mode), [`error`] maps failures to states.

pub mod atomic;
pub mod check_name;
pub mod checks;
pub mod cli;
pub mod error;
pub mod http;
pub mod invocation;
pub mod memory;
pub mod misp;
pub mod outcome;
pub mod output;
pub mod queues;
pub mod range;
pub mod secret;
pub mod statistics;
pub mod words;

pub use check_name::CheckName;
