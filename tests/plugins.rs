//! `plugins/`: the drop-in OpenNMS scripts (misp-rest.sh, misp-rest-slow.sh, misp-worker.sh,
//! misp-worker-heal.sh) against the simulator, and `plugins/install.sh` into a temp dir.

mod common;
use common::{bin, run_with, Misp, Run};
use misp_sim::{SimOptions, WorkerMode, DEFAULT_KEY};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCRIPTS: [&str; 4] = [
    "misp-rest.sh",
    "misp-rest-slow.sh",
    "misp-worker.sh",
    "misp-worker-heal.sh",
];
const RESTART: &str = "POST /servers/restartDeadWorkers";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str) -> PathBuf {
    repo().join("plugins").join(name)
}

/// The simulator's HTTPS endpoint as the scripts' HOST argument: `127.0.0.1:PORT`.
fn host(m: &Misp) -> String {
    format!("127.0.0.1:{}", m.sim.https_port())
}

/// Runs a shipped script with `CHECK_MISP` pointing at the binary under test.
fn run_script(name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let b = bin().display().to_string();
    let mut all = vec![("CHECK_MISP", b.as_str())];
    all.extend_from_slice(env);
    run_with(&script(name), args, &all)
}

/// `OK` on stdout, exit 0, nothing on stderr.
#[track_caller]
fn ok(r: &Run) {
    assert_eq!((r.stdout.as_str(), r.code), ("OK\n", 0), "{r:#?}");
    assert_eq!(r.stderr, "", "{r:#?}");
}

/// `KO` on stdout, exit 1, one reason line on stderr containing `why`.
#[track_caller]
fn ko(r: &Run, why: &str) {
    assert_eq!((r.stdout.as_str(), r.code), ("KO\n", 1), "{r:#?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:#?}");
    assert!(r.stderr.contains(why), "expected {why:?} in stderr: {r:#?}");
}

/// Extra options every heal run needs in a test: a private state file, a short settle.
fn heal_args(m: &Misp) -> String {
    format!("--state-file {} --settle 1s", m.path("heal.json"))
}

#[test]
fn every_script_is_ok_over_https_with_a_key_file() {
    let m = Misp::start();
    let (key, ca, extra) = (m.path("key"), m.path("ca.pem"), heal_args(&m));
    for name in SCRIPTS {
        let mut env = vec![("MISP_CA_CERT", ca.as_str())];
        if name == "misp-worker-heal.sh" {
            env.push(("CHECK_MISP_ARGS", &extra));
        }
        ok(&run_script(name, &[&host(&m), &key], &env));
    }
    assert_eq!(m.sim.count(RESTART), 0, "healthy: no restart");
    assert!(m.sim.requests_with_key() >= 4);
}

#[test]
fn a_literal_key_reaches_check_misp_through_the_environment_only() {
    let m = Misp::start();
    // A stand-in for check_misp that records its arguments and environment key, then
    // runs the real binary: proves the key never is an argument (visible in ps).
    let dir = tempfile::tempdir().unwrap();
    let spy = dir.path().join("check_misp");
    let log = dir.path().join("argv");
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n[ \"$MISP_KEY\" = '{DEFAULT_KEY}' ] && echo env-ok >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            log.display(),
            bin().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spy_path = spy.display().to_string();
    let url = m.sim.http_url();
    let extra = heal_args(&m);
    for name in SCRIPTS {
        let mut env = vec![("CHECK_MISP", spy_path.as_str())];
        if name == "misp-worker-heal.sh" {
            env.push(("CHECK_MISP_ARGS", &extra));
        }
        // The key arrives as OpenNMS passes it to these scripts: the second argument.
        let r = run_with(&script(name), &[&url, DEFAULT_KEY], &env);
        ok(&r);
        let argv = std::fs::read_to_string(&log).unwrap();
        assert!(
            !argv.contains(DEFAULT_KEY),
            "key on the command line: {argv}"
        );
        assert!(argv.ends_with("env-ok\n"), "{name}: {argv}");
        assert!(argv.contains("\nokko\n"), "{name}: {argv}");
    }
    // The requests really carried the key.
    assert!(m.sim.requests_with_key() >= 4);
}

#[test]
fn dead_worker_is_ko_and_the_rest_stays_ok() {
    // CakeResque keeps a dead worker's entry, so one dead worker of five is visible.
    let m = Misp::with(SimOptions {
        mode: WorkerMode::CakeResque,
        ..SimOptions::default()
    });
    let (key, ca) = (m.path("key"), m.path("ca.pem"));
    let env = [("MISP_CA_CERT", ca.as_str())];
    m.sim.kill_worker("default");
    ko(
        &run_script("misp-worker.sh", &[&host(&m), &key], &env),
        "WORKERS",
    );
    ok(&run_script("misp-rest.sh", &[&host(&m), &key], &env));
    // A whole queue gone (the case the original jq pipeline reported as OK).
    m.sim.kill_queue("email");
    ko(
        &run_script("misp-worker.sh", &[&host(&m), &key], &env),
        "email",
    );
    // Options after KEY reach check_misp: leaving the dead queues out makes it OK.
    m.sim.kill_worker("default");
    ko(
        &run_script("misp-worker.sh", &[&host(&m), &key], &env),
        "WORKERS",
    );
    ok(&run_script(
        "misp-worker.sh",
        &[&host(&m), &key, "--ignore-queue", "email,default"],
        &env,
    ));
    assert_eq!(
        m.sim.count(RESTART),
        0,
        "the plain worker script never heals"
    );
}

#[test]
fn heal_script_revives_workers_and_records_the_outage() {
    let m = Misp::start();
    let (key, ca, extra) = (m.path("key"), m.path("ca.pem"), heal_args(&m));
    let env = [("MISP_CA_CERT", ca.as_str()), ("CHECK_MISP_ARGS", &extra)];
    m.sim.kill_queue("prio");
    m.sim.kill_worker("default");
    assert!(m.sim.dead_workers() > 0);
    // Healed is still KO, so OpenNMS records the outage.
    ko(
        &run_script("misp-worker-heal.sh", &[&host(&m), &key], &env),
        "healed",
    );
    assert_eq!(m.sim.count(RESTART), 1);
    // heal's own options are heal's: the plain worker script gets none.
    ok(&run_script("misp-worker.sh", &[&host(&m), &key], &env[..1]));
    // Healthy again: the next heal poll is OK and does not POST.
    ok(&run_script("misp-worker-heal.sh", &[&host(&m), &key], &env));
    assert_eq!(m.sim.count(RESTART), 1);
}

#[test]
fn slow_rest_is_ko_and_says_how_slow() {
    let m = Misp::start();
    let (key, ca) = (m.path("key"), m.path("ca.pem"));
    m.sim.set_latency(Duration::from_millis(700));
    // The scripts' 5 s limit: 0.7 s is fine.
    let env = [("MISP_CA_CERT", ca.as_str())];
    ok(&run_script("misp-rest-slow.sh", &[&host(&m), &key], &env));
    let env = [("MISP_CA_CERT", ca.as_str()), ("MISP_SLOW", "300ms")];
    ko(
        &run_script("misp-rest-slow.sh", &[&host(&m), &key], &env),
        "LATENCY CRITICAL",
    );
    // The REST check has no time limit of its own below the deadline.
    ok(&run_script("misp-rest.sh", &[&host(&m), &key], &env));
}

#[test]
fn failures_are_ko_with_a_reason() {
    let m = Misp::start();
    let key = m.path("key");
    for name in SCRIPTS {
        // Missing arguments.
        ko(&run_script(name, &[], &[]), "usage");
        ko(&run_script(name, &[&host(&m)], &[]), "KEY");
        // A key file that does not exist is named as such.
        ko(
            &run_script(name, &[&host(&m), "/nonexistent/key"], &[]),
            "/nonexistent/key",
        );
        // Without the CA the certificate is not trusted: KO, not a hang.
        ko(&run_script(name, &[&host(&m), &key], &[]), "certificate");
    }
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    ko(
        &run_script("misp-rest.sh", &[&format!("127.0.0.1:{port}"), &key], &[]),
        "refused",
    );
    // No binary to be found.
    let r = run_with(
        &script("misp-worker.sh"),
        &[&host(&m), &key],
        &[("PATH", "/usr/bin:/bin")],
    );
    ko(&r, "check_misp not found");
}

/// install.sh puts the binary, a link per check, the scripts, the man pages and the
/// completions into directories of the user's choice, and every link runs its check.
#[test]
fn install_script_creates_working_links_scripts_and_docs() {
    let m = Misp::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugins");
    let prefix = tmp.path().join("prefix");
    let out = std::process::Command::new(repo().join("plugins/install.sh"))
        .arg("--bin")
        .arg(bin())
        .arg("--prefix")
        .arg(&prefix)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let installed = dir.join("check_misp");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(bin()).unwrap()
    );
    let url = m.sim.http_url();
    let https = m.sim.https_url();
    let key = m.path("key");
    let ca = m.path("ca.pem");
    let state = m.path("heal.json");
    for &check in check_misp::CheckName::NAMES {
        let link = dir.join(format!("check_misp_{check}"));
        let meta =
            std::fs::symlink_metadata(&link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
        assert!(meta.file_type().is_symlink(), "{}", link.display());
        // HTTPS, since `cert` needs a certificate to look at.
        let mut args = vec![
            "--url",
            https.as_str(),
            "--ca-cert",
            ca.as_str(),
            "--key-file",
            key.as_str(),
        ];
        if check == "heal" {
            args.extend(["--state-file", state.as_str(), "--settle", "1s"]);
        }
        let r = run_with(&link, &args, &[]);
        r.expect(0, &format!("MISP {} OK - ", check.to_uppercase()));
    }

    // The scripts find the binary next to them, with nothing on PATH or in CHECK_MISP.
    for name in SCRIPTS {
        let installed_script = dir.join(name);
        assert_eq!(
            std::fs::read(&installed_script).unwrap(),
            std::fs::read(script(name)).unwrap()
        );
        let extra = heal_args(&m);
        let mut env = vec![("PATH", "/usr/bin:/bin")];
        if name == "misp-worker-heal.sh" {
            env.push(("CHECK_MISP_ARGS", &extra));
        }
        ok(&run_with(&installed_script, &[&url, &key], &env));
    }

    // Man pages and completions, byte for byte the committed ones.
    let doc = repo().join("doc");
    let pairs = [
        ("man/check_misp.1", "share/man/man1/check_misp.1"),
        (
            "completions/check_misp.bash",
            "share/bash-completion/completions/check_misp",
        ),
        (
            "completions/_check_misp",
            "share/zsh/site-functions/_check_misp",
        ),
        (
            "completions/check_misp.fish",
            "share/fish/vendor_completions.d/check_misp.fish",
        ),
    ];
    for (from, to) in pairs {
        assert_eq!(
            std::fs::read(doc.join(from)).unwrap(),
            std::fs::read(prefix.join(to)).unwrap_or_default(),
            "{to}"
        );
    }
    for &check in check_misp::CheckName::NAMES {
        let page = prefix.join(format!("share/man/man1/check_misp_{check}.1"));
        let text = std::fs::read_to_string(&page).unwrap_or_default();
        assert!(text.contains(&format!("check_misp\\-{check}")), "{page:?}");
    }
    if Path::new("/usr/bin/man").exists() {
        let out = std::process::Command::new("man")
            .arg("--manpath")
            .arg(prefix.join("share/man"))
            .args(["-w", "check_misp_workers"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

#[test]
fn install_script_refuses_a_missing_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(repo().join("plugins/install.sh"))
        .args(["--bin", "/nonexistent/check_misp", "--no-docs"])
        .arg(tmp.path().join("p"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cargo build --release"));
    assert!(!tmp.path().join("p/check_misp").exists());
}
