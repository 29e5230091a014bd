//! Building invocations from whole command lines: each check's defaults and refusals.

use super::*;
use crate::checks::{in_all, layout, CheckArgs};
use crate::error::Error;
use crate::outcome::State;
use crate::range::Range;
use std::time::Duration;

fn invocation(v: &[&str], env: &Env) -> Result<Invocation, Error> {
    let args = super::argv::normalize_args(v.iter().map(Into::into).collect()).unwrap();
    let cli = Cli::try_parse_from(args).unwrap();
    build::invocation(cli.check, &cli.common, env)
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
    let alias = with(&["workers", "--restart-dead-workers", "--cooldown", "5m"]).unwrap();
    match alias.check {
        CheckArgs::Heal(h) => assert_eq!(h.cooldown, Duration::from_secs(300)),
        other => panic!("{other:?}"),
    }
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
    // Every check that says it belongs in `all`, in the registry's order: a new check
    // joins without this test naming it.
    let want: Vec<CheckName> = <CheckName as clap::ValueEnum>::value_variants()
        .iter()
        .copied()
        .filter(|c| crate::checks::in_all(*c))
        .collect();
    assert_eq!(names, want);
    assert!(names.contains(&Workers) && names.contains(&Cert));
    assert!(!names.contains(&Heal) && !names.contains(&All));
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
            CheckArgs::Workers(w) => w.queues.rules(),
            CheckArgs::Heal(h) => h.queues.rules(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            rules.min_workers,
            crate::misp::workers::MinWorkers::parse("3").unwrap()
        );
    }
}

#[test]
fn state_dir_comes_from_the_command_line_then_the_environment() {
    let url = ["--url", "https://misp"];
    let env = |dir: Option<&str>| Env {
        key: Some("SimSiteAdminKey0000000000000000000000001".into()),
        state_dir: dir.map(Into::into),
        ..Env::default()
    };
    let dir = |v: &[&str], e: &Env| invocation(v, e).unwrap().opts.state_dir;
    let plain = ["check_misp", "workers", url[0], url[1]];
    assert_eq!(dir(&plain, &env(None)), None);
    // Empty is unset, as Icinga 2 passes an unset custom variable.
    assert_eq!(dir(&plain, &env(Some(""))), None);
    assert_eq!(dir(&plain, &env(Some("/e"))), Some("/e".into()));
    let given = ["check_misp", "jobs", "--state-dir", "/c", url[0], url[1]];
    assert_eq!(dir(&given, &env(Some("/e"))), Some("/c".into()));
    // `all` hands it to each check it runs.
    let all = invocation(
        &["check_misp", "all", "--state-dir", "/c", url[0], url[1]],
        &env(None),
    )
    .unwrap();
    assert!(!all.subs.is_empty());
    assert!(all
        .subs
        .iter()
        .all(|s| s.opts.state_dir.as_deref() == Some("/c".as_ref())));
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
