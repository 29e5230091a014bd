//! The raw argument vector: `check_misp_<check>` link names, and best guesses of the
//! check and the output mode for a command line that clap refuses.

use crate::check_name::CheckName;
use crate::output::OutputMode;
use clap::ValueEnum;
use std::ffi::OsString;
use std::path::Path;

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
        if CheckName::from_name(&check).is_none() {
            return Err(format!(
                "unknown check '{rest}' in program name '{prog}': link the binary as check_misp_<CHECK>, CHECK one of {}",
                CheckName::NAMES.join(", ")
            ));
        }
        args[0] = "check_misp".into();
        args.insert(1, check.into());
    }
    Ok(restart_alias(args))
}

/// The flag that makes `workers` the `heal` check.
const RESTART_FLAG: &str = "--restart-dead-workers";

/// Rewrites `workers ... --restart-dead-workers ...` to `heal ...`: the older spelling of
/// the heal check keeps working (with heal's options) while `workers` itself only reads.
fn restart_alias(mut args: Vec<OsString>) -> Vec<OsString> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let Some(check) = args[..end]
        .iter()
        .skip(1)
        .position(|a| CheckName::from_name(&a.to_string_lossy()).is_some())
        .map(|i| i + 1)
    else {
        return args;
    };
    if args[check] != CheckName::Workers.as_str() || !args[..end].iter().any(|a| a == RESTART_FLAG)
    {
        return args;
    }
    args[check] = CheckName::Heal.as_str().into();
    args.retain(|a| a != RESTART_FLAG);
    args
}

/// Best guess of `-o` from raw args, so even a bad command line answers in the asked mode.
pub fn guess_output(args: &[OsString]) -> OutputMode {
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

/// The first argument that names a check.
pub fn guess_check(args: &[OsString]) -> Option<CheckName> {
    args.iter()
        .skip(1)
        .find_map(|a| CheckName::from_name(&a.to_string_lossy()))
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
    fn workers_with_restart_dead_workers_is_heal() {
        assert_eq!(
            normalize_args(os(&[
                "check_misp_workers",
                "--restart-dead-workers",
                "--cooldown",
                "5m"
            ]))
            .unwrap(),
            os(&["check_misp", "heal", "--cooldown", "5m"])
        );
        assert_eq!(
            normalize_args(os(&[
                "check_misp",
                "-o",
                "json",
                "workers",
                "-w",
                "1",
                "--restart-dead-workers"
            ]))
            .unwrap(),
            os(&["check_misp", "-o", "json", "heal", "-w", "1"])
        );
        // Only for workers, and never past `--`.
        for v in [
            &["check_misp", "jobs", "--restart-dead-workers"][..],
            &["check_misp", "workers", "--", "--restart-dead-workers"],
            &["check_misp", "workers"],
        ] {
            assert_eq!(normalize_args(os(v)).unwrap(), os(v));
        }
    }

    #[test]
    fn output_is_guessed_from_any_spelling() {
        assert_eq!(guess_output(&os(&["x", "-o", "okko"])), OutputMode::Okko);
        assert_eq!(guess_output(&os(&["x", "-ojson"])), OutputMode::Json);
        assert_eq!(guess_output(&os(&["x", "--output=snmp"])), OutputMode::Snmp);
        assert_eq!(guess_output(&os(&["x", "--bogus"])), OutputMode::Nagios);
    }

    #[test]
    fn check_is_guessed_from_the_first_check_name() {
        assert_eq!(
            guess_check(&os(&["check_misp", "-o", "json", "jobs", "users"])),
            Some(CheckName::Jobs)
        );
        assert_eq!(guess_check(&os(&["check_misp", "bogus"])), None);
    }
}
