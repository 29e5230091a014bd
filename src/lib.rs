//! check_misp: monitoring plugins for MISP, as a library behind the `check_misp` binary.
//!
//! Layout, one concern per module: [`cli`] parses and validates, [`http`] talks to MISP,
//! [`misp`] parses MISP's answers, [`checks`] fetch and judge (one file per check),
//! [`output`] renders (one file per mode), [`error`] maps failures to states.

// Every public item says what it is for; CI's `clippy -D warnings` makes this a gate.
#![warn(missing_docs)]

pub mod atomic;
pub mod checks;
pub mod cli;
pub mod error;
pub mod http;
pub mod misp;
pub mod outcome;
pub mod output;
pub mod range;
pub mod secret;
