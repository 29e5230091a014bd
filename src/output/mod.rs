//! Renderers: pure functions from an [`Outcome`] to what is printed and the exit code.

mod cacti;
mod checkmk;
mod json;
mod nagios;
mod okko;
mod prometheus;
mod snmp;

use crate::outcome::Outcome;

/// `-o`: the output modes, each a renderer below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
    /// Prometheus text exposition (node_exporter textfile collector)
    Prometheus,
    /// Checkmk local check lines, one per check
    Checkmk,
}

/// What `main` writes and how it exits.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: String,
    /// Empty for a normal nagios run: Icinga 2 merges it into the output.
    pub stderr: String,
    pub code: u8,
}

/// Renders `outcome` in `mode`. `layout` is the check's fixed metric names for the
/// line-oriented modes (snmp, cacti), so that a failed run still prints the same fields;
/// `usage` (bad command lines only) follows the status line.
pub fn render(
    mode: OutputMode,
    outcome: &Outcome,
    layout: &[&str],
    usage: Option<&str>,
) -> Rendered {
    match mode {
        OutputMode::Nagios => nagios::render(outcome, usage),
        OutputMode::Okko => okko::render(outcome),
        OutputMode::Json => json::render(outcome),
        OutputMode::Snmp => snmp::render(outcome, layout),
        OutputMode::Cacti => cacti::render(outcome, layout),
        OutputMode::Prometheus => prometheus::render(outcome),
        OutputMode::Checkmk => checkmk::render(outcome),
    }
}

/// The checks an outcome reports on, each as if run alone: `all`'s, or the outcome itself.
fn each_check(o: &Outcome) -> Vec<&Outcome> {
    if o.checks.is_empty() {
        vec![o]
    } else {
        o.checks.iter().collect()
    }
}

/// The upper-case name on a status line, with its leading space (none for no check).
fn shouted(o: &Outcome) -> String {
    o.check
        .map(|c| format!(" {}", c.as_str().to_uppercase()))
        .unwrap_or_default()
}

/// A metric value as printed: integers without a fraction, others with 6 decimals (as the
/// Monitoring Plugins C helpers print, and never in scientific notation).
#[allow(
    clippy::cast_possible_truncation,
    reason = "only whole values below 1e15 are cast, which i64 holds exactly"
)]
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
