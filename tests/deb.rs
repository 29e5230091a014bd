//! The Debian package: built by `cargo deb` from `[package.metadata.deb]` (with the
//! `deb-test` profile: the release profile without LTO, same code), checked by lintian,
//! installed with `dpkg -i` into this machine, run from /usr/lib/nagios/plugins against the
//! simulator, then purged, leaving none of its files behind.
//!
//! Needs root, cargo-deb, dpkg and lintian (`.ci/run` installs them). It refuses to touch a
//! check-misp package that was installed before it ran.

mod common;
mod external;

use common::{run_with, Misp};
use external::{have, is_root, ok, repo, require, text};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const PACKAGE: &str = "check-misp";
/// Every check has its link and man page alias: the list the binary itself is built from,
/// so a check added without its package lines fails here.
const CHECKS: &[&str] = check_misp::check_name::CheckName::NAMES;

fn installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .is_ok_and(|o| text(&o.stdout).contains("ok installed"))
}

/// Purges the package when dropped, so a failing test leaves no package behind.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if installed() {
            let _ = Command::new("dpkg").args(["-P", PACKAGE]).output();
        }
    }
}

/// The directory cargo builds into for this test run: the parent of the binary's profile
/// directory.
fn target_dir() -> PathBuf {
    let bin = common::bin();
    bin.parent()
        .and_then(Path::parent)
        .expect("the binary is in <target>/<profile>/")
        .to_path_buf()
}

#[test]
fn changelog_names_this_version() {
    let changelog = std::fs::read_to_string(repo().join("packaging/debian/changelog")).unwrap();
    let first = changelog.lines().next().unwrap_or("");
    let want = format!("{PACKAGE} ({}-1) ", env!("CARGO_PKG_VERSION"));
    assert!(
        first.starts_with(&want),
        "packaging/debian/changelog starts {first:?}, not {want:?}: add an entry for this version"
    );
}

#[test]
fn deb_builds_passes_lintian_installs_runs_and_purges_cleanly() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo_deb = Command::new(&cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !require(
        "deb",
        "cargo-deb (cargo install cargo-deb --locked)",
        cargo_deb,
        "`cargo deb --version` failed",
    ) || !have("deb", "lintian", &["/usr/bin/dpkg", "/usr/bin/lintian"])
    {
        return;
    }
    if !is_root() {
        assert!(std::env::var_os("CI").is_none(), "dpkg -i needs root on CI");
        eprintln!("deb skipped: dpkg -i needs root");
        return;
    }
    if installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{PACKAGE} is already installed on CI"
        );
        eprintln!("deb skipped: {PACKAGE} is already installed here and is left alone");
        return;
    }

    // Build. A target directory of its own: `cargo test` may still hold the lock on its own.
    let out_dir = target_dir().join("debian-test");
    let _ = std::fs::remove_dir_all(&out_dir);
    let started = Instant::now();
    ok(Command::new(&cargo)
        .current_dir(repo())
        .args(["deb", "--profile", "deb-test", "--output"])
        .arg(&out_dir)
        .env("CARGO_TARGET_DIR", target_dir().join("deb-test-build")));
    eprintln!("cargo deb --profile deb-test: {:?}", started.elapsed());
    let debs: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "{debs:?}");
    let deb = &debs[0];

    // lintian: no error; the warnings are printed for the record.
    let lint = Command::new("lintian").arg(deb).output().unwrap();
    let report = text(&lint.stdout);
    eprintln!("lintian:\n{report}{}", text(&lint.stderr));
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors: {errors:#?}");
    assert!(lint.status.success(), "lintian failed: {lint:?}");

    // Install.
    let guard = Installed;
    ok(Command::new("dpkg").arg("-i").arg(deb));
    let files: Vec<String> = text(&ok(Command::new("dpkg").args(["-L", PACKAGE])).stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let has = |p: &str| files.iter().any(|f| f == p);
    assert!(has("/usr/bin/check_misp"), "{files:#?}");
    for check in CHECKS {
        let link = format!("/usr/lib/nagios/plugins/check_misp_{check}");
        assert!(has(&link), "{link} not in the package");
        let target = std::fs::canonicalize(&link).unwrap();
        assert_eq!(target, Path::new("/usr/bin/check_misp"), "{link}");
        let page = format!("/usr/share/man/man1/check_misp-{check}.1.gz");
        assert!(Path::new(&page).is_file(), "{page}");
        let alias = format!("/usr/share/man/man1/check_misp_{check}.1.gz");
        assert_eq!(
            std::fs::canonicalize(&alias).unwrap(),
            Path::new(&page),
            "{alias}"
        );
    }
    for path in [
        "/usr/share/man/man1/check_misp.1.gz",
        "/usr/share/bash-completion/completions/check_misp",
        "/usr/share/zsh/vendor-completions/_check_misp",
        "/usr/share/fish/vendor_completions.d/check_misp.fish",
        "/usr/share/doc/check-misp/copyright",
        "/usr/share/doc/check-misp/changelog.Debian.gz",
        "/usr/share/doc/check-misp/README.md",
        "/usr/share/doc/check-misp/docs/checks.md",
        "/usr/share/doc/check-misp/docs/integrations.md",
        "/usr/share/doc/check-misp/examples/icinga2/check_misp.conf",
        "/usr/share/doc/check-misp/examples/nagios/check_misp.cfg",
        "/usr/share/doc/check-misp/examples/nrpe/check_misp.cfg",
        "/usr/share/doc/check-misp/examples/zabbix/userparameter_check_misp.conf",
        "/usr/share/doc/check-misp/examples/zabbix/zbx_template_misp_check_misp.yaml",
        "/usr/share/doc/check-misp/examples/cacti/misp_rest_latency.xml",
        "/usr/share/doc/check-misp/examples/snmpd.conf",
        "/usr/share/doc/check-misp/examples/opennms/services.xml",
    ] {
        assert!(has(path), "{path} not in the package: {files:#?}");
    }

    // Run the installed plugin, by the name a Nagios command uses.
    let m = Misp::start();
    let plugin = Path::new("/usr/lib/nagios/plugins/check_misp_workers");
    let url = m.sim.http_url();
    let key = m.path("key");
    run_with(plugin, &["--url", &url, "--key-file", &key], &[])
        .expect(0, "MISP WORKERS OK")
        .says("21 workers alive");
    m.sim.kill_queue("email");
    run_with(plugin, &["--url", &url, "--key-file", &key], &[])
        .expect(2, "MISP WORKERS CRITICAL")
        .says("no live worker in email");
    let version = run_with(Path::new("/usr/bin/check_misp"), &["--version"], &[]);
    // Exit 3, as for --help: the Monitoring Plugins convention check_misp follows.
    assert_eq!(version.code, 3, "{version:#?}");
    assert!(
        version.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{version:#?}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let login = Path::new("/usr/lib/nagios/plugins/check_misp_login");
    run_with(login, &["--url", &format!("http://127.0.0.1:{port}")], &[])
        .expect(2, "MISP LOGIN CRITICAL")
        .says("connection refused");

    // Purge: nothing of the package is left.
    ok(Command::new("dpkg").args(["-P", PACKAGE]));
    drop(guard);
    assert!(!installed());
    let left: Vec<&String> = files
        .iter()
        .filter(|f| {
            let p = Path::new(f.as_str());
            // Directories shared with other packages (/usr/lib/nagios/plugins, ...) may stay.
            p.symlink_metadata().is_ok_and(|m| !m.is_dir())
        })
        .collect();
    assert!(left.is_empty(), "left after dpkg -P: {left:#?}");
    for dir in [
        "/usr/share/doc/check-misp",
        "/usr/share/doc/check-misp/examples",
    ] {
        assert!(!Path::new(dir).exists(), "{dir} left after dpkg -P");
    }
}
