//! Renderers: pure functions from an [`Outcome`] to what is printed and the exit code.

mod cacti;
mod checkmk;
mod json;
mod nagios;
mod okko;
mod prometheus;
mod snmp;

use crate::outcome::{Metric, Outcome};
use std::borrow::Cow;

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
/// `usage` (bad command lines only) follows the status line; `verbose` (`-v`) shows each
/// subcheck's long output under its line.
pub fn render(
    mode: OutputMode,
    outcome: &Outcome,
    layout: &[&str],
    usage: Option<&str>,
    verbose: u8,
) -> Rendered {
    match mode {
        OutputMode::Nagios => nagios::render(&flat(outcome, verbose), usage),
        OutputMode::Okko => okko::render(outcome),
        OutputMode::Json => json::render(&flat(outcome, verbose)),
        OutputMode::Snmp => snmp::render(&flat(outcome, verbose), layout),
        OutputMode::Cacti => cacti::render(&flat(outcome, verbose), layout),
        OutputMode::Prometheus => prometheus::render(outcome),
        OutputMode::Checkmk => checkmk::render(outcome),
    }
}

/// An outcome with subchecks as the modes with one status print it, after the way
/// monitoring-plugins' `lib/output.c` renders its subchecks: after the outcome's own long
/// output, one `\_[STATE] check - summary` line per subcheck (its long output below it with
/// `-v`, and its own subchecks, indented), and after the outcome's own perfdata that of
/// every subcheck, each label prefixed with the subcheck's name (`workers_dead`), so that
/// labels stay unique.
fn flat(o: &Outcome, verbose: u8) -> Cow<'_, Outcome> {
    if o.checks.is_empty() {
        return Cow::Borrowed(o);
    }
    let mut out = o.clone();
    add_subchecks(o, verbose > 0, "", "", &mut out);
    Cow::Owned(out)
}

fn add_subchecks(o: &Outcome, long: bool, indent: &str, prefix: &str, out: &mut Outcome) {
    let deeper = format!("{indent}    ");
    for c in &o.checks {
        out.details.push(format!(
            "{indent}\\_[{}] {} - {}",
            c.state.label(),
            c.name(),
            c.summary
        ));
        if long {
            out.details
                .extend(c.details.iter().map(|d| format!("{deeper}{d}")));
        }
        let prefix = format!("{prefix}{}_", c.name());
        out.metrics.extend(c.metrics.iter().map(|m| Metric {
            name: format!("{prefix}{}", m.name),
            ..m.clone()
        }));
        add_subchecks(c, long, &deeper, &prefix, out);
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

    use crate::check_name::CheckName;
    use crate::outcome::State;

    fn sub(check: CheckName, state: State, value: f64) -> Outcome {
        let mut o = Outcome::new(check, state, format!("{check} says {}", state.label()));
        o.metrics = vec![Metric::count("n", value)];
        o.details = vec![format!("{check} detail")];
        o
    }

    #[test]
    fn subchecks_are_lines_under_the_status_and_prefixed_perfdata() {
        let mut all = Outcome::new(CheckName::All, State::Critical, "2 of 3 checks not OK");
        all.checks = vec![
            sub(CheckName::Login, State::Ok, 1.0),
            sub(CheckName::Version, State::Warning, 2.0),
            sub(CheckName::Workers, State::Critical, 3.0),
        ];
        let r = render(OutputMode::Nagios, &all, &[], None, 0);
        assert_eq!(
            r.stdout,
            "MISP ALL CRITICAL - 2 of 3 checks not OK | login_n=1;;;0 version_n=2;;;0 workers_n=3;;;0\n\
             \\_[OK] login - login says OK\n\
             \\_[WARNING] version - version says WARNING\n\
             \\_[CRITICAL] workers - workers says CRITICAL\n"
        );
        assert_eq!(r.code, 2);
        let verbose = render(OutputMode::Nagios, &all, &[], None, 1).stdout;
        assert!(
            verbose.contains("\\_[OK] login - login says OK\n    login detail\n\\_[WARNING]"),
            "{verbose}"
        );
        // The flat list and lines for scripts; each subcheck as it is, unprefixed.
        let json: serde_json::Value =
            serde_json::from_str(&render(OutputMode::Json, &all, &[], None, 0).stdout).unwrap();
        assert_eq!(json["metrics"][2]["name"], "workers_n");
        assert_eq!(
            json["details"][1],
            "\\_[WARNING] version - version says WARNING"
        );
        assert_eq!(json["checks"][2]["metrics"][0]["name"], "n");
        assert_eq!(json["checks"][2]["details"][0], "workers detail");
        let cacti = render(OutputMode::Cacti, &all, &[], None, 0).stdout;
        assert_eq!(cacti, "login_n:1 version_n:2 workers_n:3\n");
    }

    #[test]
    fn deeper_subchecks_indent_and_prefix_further() {
        let mut workers = sub(CheckName::Workers, State::Critical, 3.0);
        workers.checks = vec![sub(CheckName::Jobs, State::Critical, 4.0)];
        let mut all = Outcome::new(CheckName::All, State::Critical, "x");
        all.checks = vec![workers];
        let r = render(OutputMode::Nagios, &all, &[], None, 1);
        assert_eq!(
            r.stdout,
            "MISP ALL CRITICAL - x | workers_n=3;;;0 workers_jobs_n=4;;;0\n\
             \\_[CRITICAL] workers - workers says CRITICAL\n    workers detail\n\
             \x20   \\_[CRITICAL] jobs - jobs says CRITICAL\n        jobs detail\n"
        );
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.0123), "0.012300");
        assert_eq!(number(-1.0), "-1");
    }
}
