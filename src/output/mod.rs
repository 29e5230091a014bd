//! Renderers: pure functions from an [`Outcome`] to what is printed and the exit code.

mod cacti;
mod json;
mod nagios;
mod okko;
mod snmp;

use crate::cli::OutputMode;
use crate::outcome::Outcome;

/// What `main` writes and how it exits.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Standard output.
    pub stdout: String,
    /// Standard error (empty for a normal nagios run: Icinga 2 merges it into the output).
    pub stderr: String,
    /// Process exit code.
    pub code: u8,
}

/// Renders `outcome` in `mode`. `usage` (bad command lines only) follows the status line.
pub fn render(mode: OutputMode, outcome: &Outcome, usage: Option<&str>) -> Rendered {
    match mode {
        OutputMode::Nagios => nagios::render(outcome, usage),
        OutputMode::Okko => okko::render(outcome),
        OutputMode::Json => json::render(outcome),
        OutputMode::Snmp => snmp::render(outcome),
        OutputMode::Cacti => cacti::render(outcome),
    }
}

/// The fixed metric layout of a check for the line-oriented modes (snmp, cacti), so that a
/// failed run still prints the same number of fields. Order is the seed blog's OID order.
pub fn layout(check: &str) -> &'static [&'static str] {
    match check {
        "workers" | "heal" => &["alive", "dead"],
        "jobs" => &["jobs"],
        "stats" => &["events_month", "attributes_month"],
        "users" => &["users", "orgs"],
        "login" => &["time", "size"],
        "events" => &["time", "events"],
        "latency" => &["time_total", "time_connect", "time_tls", "time_firstbyte"],
        "diagnostics" => &[
            "findings",
            "settings_errors",
            "unwritable_dirs",
            "unwritable_files",
            "modules_down",
        ],
        "heartbeat" => &["time"],
        "cert" => &["days"],
        _ => &[],
    }
}

/// A metric value as printed: integers without a fraction, others with 6 decimals (as the
/// Monitoring Plugins C helpers print, and never in scientific notation).
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.0123), "0.012300");
        assert_eq!(number(-1.0), "-1");
    }
}
