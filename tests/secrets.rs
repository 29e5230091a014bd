//! Secret hygiene: every case of the bad-input matrix, run with a
//! distinctive key in every output mode and with `-v`, shows the key nowhere: not on
//! stdout, not on stderr, not in the JSON object, not in any file the run left behind
//! (state, lock, cache). The same holds for the runs that write state and cache files.

mod common;
#[macro_use]
mod matrix;

use common::{Misp, Run};
use misp_sim::SimOptions;
use std::path::Path;

/// Distinctive, so a hit can only be a leak: 40 letters and digits, as MISP requires.
const KEY: &str = "Zq7SecretHygieneProbe4Xw9Lm2Vn8Kd3Jt6Rb0";

/// Every output mode, each with `-v` where it means anything.
const MODES: [(&str, &[&str]); 6] = [
    ("nagios", &["-v"]),
    ("nagios", &["-vv"]),
    ("okko", &["-v"]),
    ("json", &["-v"]),
    ("snmp", &[]),
    ("cacti", &["-v"]),
];

/// The key and its halves: a leak of part of the key is a leak.
fn needles(extra: &[String]) -> Vec<String> {
    let mut n = vec![KEY.to_owned(), KEY[..20].to_owned(), KEY[20..].to_owned()];
    n.extend(extra.iter().cloned());
    n
}

#[track_caller]
fn assert_clean(run: &Run, secrets: &[String]) {
    for s in needles(secrets) {
        assert!(!run.stdout.contains(&s), "{s:?} on stdout: {run:#?}");
        assert!(!run.stderr.contains(&s), "{s:?} on stderr: {run:#?}");
    }
}

/// Every file under `dir` but the key files the test itself wrote holds no secret.
/// Returns how many files were looked at.
#[track_caller]
fn assert_files_clean(dir: &Path, secrets: &[String], key_files: &[&str]) -> usize {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            seen += assert_files_clean(&path, secrets, key_files);
            continue;
        }
        if key_files.contains(&name.as_str()) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in needles(secrets) {
            assert!(!text.contains(&s), "{s:?} in {}: {text}", path.display());
        }
        seen += 1;
    }
    seen
}

macro_rules! secret_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let case = matrix::build(stringify!($name), KEY);
                // In parallel: the timeout cases would otherwise take 2 s per mode. The
                // cases timed for speed (16 MiB reads) run one after the other, so that
                // they measure check_misp rather than six of them sharing two cores.
                let parallel = case.quick.is_none();
                std::thread::scope(|s| {
                    let runs: Vec<_> = MODES
                        .iter()
                        .map(|(mode, extra)| {
                            let h = s.spawn(|| case.run(mode, extra));
                            if !parallel {
                                while !h.is_finished() {
                                    std::thread::sleep(std::time::Duration::from_millis(5));
                                }
                            }
                            h
                        })
                        .collect();
                    for r in runs {
                        let run = r.join().unwrap();
                        assert_clean(&run, &case.secrets);
                        if run.stdout.starts_with('{') {
                            // The JSON object, decoded: no escaping hides the key.
                            let doc = run.json().to_string();
                            assert!(!doc.contains(KEY), "{doc}");
                        }
                    }
                });
                // The key files the cases planted (a FIFO and an 8 GiB sparse file among them).
                assert_files_clean(case.misp.dir.path(), &case.secrets, &["key", "badkey", "keyfifo", "bigkey"]);
            }
        )*
    };
}

each_case!(secret_tests);

/// A MISP knowing the distinctive key, with it in the key file.
fn misp() -> Misp {
    let m = Misp::with(SimOptions {
        key: KEY.into(),
        revive_delay: std::time::Duration::from_secs(30),
        ..SimOptions::default()
    });
    std::fs::write(m.path("key"), format!("{KEY}\n")).unwrap();
    m
}

/// Healing writes a state file and a lock; neither holds the key, whatever the outcome
/// (restart, cooldown skip, a corrupt state rewritten), in any mode.
#[test]
fn heal_state_and_lock_files_hold_no_key() {
    let m = misp();
    m.sim.kill_queue("email");
    let state = m.path("heal/heal.json");
    std::fs::create_dir(m.path("heal")).unwrap();
    let none: Vec<String> = Vec::new();
    for (mode, extra) in MODES {
        let mut args = vec!["--state-file", state.as_str(), "--settle", "1s", "-o", mode];
        args.extend_from_slice(extra);
        assert_clean(&m.http("heal", &args), &none);
    }
    std::fs::write(&state, "{corrupt").unwrap();
    let r = m.http("heal", &["--state-file", &state, "--settle", "1s", "-v"]);
    assert!(r.stdout.contains("was corrupt"), "{r:#?}");
    assert_clean(&r, &none);
    // Two restarts were made (the first run, and after the corrupt state), and both
    // files exist: the check above looked at real files.
    assert_eq!(m.sim.count("POST /servers/restartDeadWorkers"), 2);
    assert_eq!(
        assert_files_clean(&m.dir.path().join("heal"), &none, &[]),
        2
    );
    // What heal remembers of the usual worker counts, in the state directory, too.
    assert!(assert_files_clean(&m.dir.path().join("state"), &none, &[]) >= 1);
    assert_private(Path::new(&state));
    assert_private(Path::new(&format!("{state}.lock")));
}

/// Files check_misp writes are readable by their owner only.
#[track_caller]
fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
}

/// The statistics cache written for cron holds the figures, never the key.
#[test]
fn stats_cache_holds_no_key() {
    let m = misp();
    let cache = m.path("stats.json");
    let none: Vec<String> = Vec::new();
    let r = m.http("stats", &["--update-cache", "--cache-file", &cache, "-v"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_clean(&r, &none);
    assert!(Path::new(&cache).is_file(), "no cache written: {r:#?}");
    // The cache is 0644 by design (snmpd reads it as another user): it holds public counts
    // only, which is why it must never hold the key. Nobody else may write it.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o022, 0, "cache writable by others: {mode:o}");
    }
    for (mode, extra) in MODES {
        let mut args = vec!["--cache-file", cache.as_str(), "-o", mode];
        args.extend_from_slice(extra);
        assert_clean(&m.http("users", &args), &none);
    }
    assert_files_clean(m.dir.path(), &none, &["key"]);
}
