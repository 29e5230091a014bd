//! `stats` and `users`: both MISP number encodings, thresholds, every output mode, and the
//! cache (update, read, stale, missing, corrupt; no request and no key on a read; the key
//! never in the file).

mod common;
use common::{run, Misp};
use misp_sim::{Encoding, Fault, SimOptions, DEFAULT_KEY};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn misp(encoding: Encoding) -> Misp {
    let m = Misp::with(SimOptions {
        encoding,
        ..SimOptions::default()
    });
    m.sim.set_stats("event_count_month", 37);
    m.sim.set_stats("attribute_count_month", 4210);
    m.sim.set_stats("user_count", 42);
    m.sim.set_stats("org_count", 118);
    m
}

/// A cache file in the seed format plus our fetch time, `age` old.
fn cache_aged(m: &Misp, name: &str, age: Duration) -> String {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() - age;
    let path = m.path(name);
    std::fs::write(
        &path,
        format!(
            r#"{{"events":5,"attributes":6,"users":7,"orgs":8,"fetched_at":{}}}"#,
            at.as_secs()
        ),
    )
    .unwrap();
    path
}

#[test]
fn both_encodings_direct() {
    for enc in [Encoding::V25, Encoding::V24] {
        let m = misp(enc);
        let s = m.http("stats", &[]);
        s.expect(
            0,
            "MISP STATS OK - 37 events and 4210 attributes modified this month | ",
        );
        assert_eq!(s.perf("events_month"), Some(37.0), "{enc:?}");
        assert_eq!(s.perf("attributes_month"), Some(4210.0));
        let u = m.https("users", &[]);
        u.expect(0, "MISP USERS OK - 42 users in 118 organisations | ");
        assert_eq!(u.perf("users"), Some(42.0), "{enc:?}");
        assert_eq!(u.perf("orgs"), Some(118.0));
        assert_eq!(m.sim.count("GET /users/statistics"), 2);
    }
}

#[test]
fn thresholds_apply_to_events_and_users() {
    let m = misp(Encoding::V25);
    // stats: -w/-c on events modified this month (too few is the usual worry).
    m.http("stats", &["-w", "50:"])
        .expect(1, "MISP STATS WARNING");
    m.http("stats", &["-w", "50:", "-c", "40:"])
        .expect(2, "MISP STATS CRITICAL");
    m.http("stats", &["-w", "1:", "-c", "100"])
        .expect(0, "MISP STATS OK");
    let r = m.http("stats", &["-w", "10"]);
    r.expect(1, "MISP STATS WARNING");
    assert!(r.status_line().contains("events_month=37;10;;0 "), "{r:#?}");
    // users: -w/-c on the user count; orgs is perfdata only.
    m.http("users", &["-w", "40", "-c", "100"])
        .expect(1, "MISP USERS WARNING");
    m.http("users", &["-c", "100"]).expect(0, "MISP USERS OK");
    m.http("users", &["-c", "50:"])
        .expect(2, "MISP USERS CRITICAL");
    m.http("users", &["-w", "nonsense"]).expect(
        3,
        "MISP USERS UNKNOWN - invalid value 'nonsense' for '--warning <RANGE>'",
    );
}

#[test]
fn every_output_mode_direct_and_from_cache() {
    let m = misp(Encoding::V25);
    let cache = m.path("stats.json");
    m.http("stats", &["--update-cache", "--cache-file", &cache])
        .expect(0, "MISP STATS OK");
    for (check, lines, pairs) in [
        (
            "stats",
            "37\n4210\n",
            "events_month:37 attributes_month:4210\n",
        ),
        ("users", "42\n118\n", "users:42 orgs:118\n"),
    ] {
        let direct = |mode: &str| m.http(check, &["-o", mode]);
        let cached = |mode: &str| run(&[check, "--cache-file", &cache, "-o", mode]);
        for r in [direct("snmp"), cached("snmp")] {
            assert_eq!((r.stdout.as_str(), r.code), (lines, 0), "{r:#?}");
        }
        for r in [direct("cacti"), cached("cacti")] {
            assert_eq!((r.stdout.as_str(), r.code), (pairs, 0), "{r:#?}");
        }
        for r in [direct("okko"), cached("okko")] {
            assert_eq!(
                (r.stdout.as_str(), r.code, r.stderr.as_str()),
                ("OK\n", 0, "")
            );
        }
        for r in [direct("json"), cached("json")] {
            let j = r.json();
            assert_eq!(
                (j["check"].as_str(), j["state"].as_str()),
                (Some(check), Some("OK"))
            );
            let first = &j["metrics"][0];
            assert_eq!(
                first["value"].as_f64(),
                lines.lines().next().unwrap().parse().ok()
            );
        }
        let n = cached("nagios");
        n.expect(0, &format!("MISP {} OK - ", check.to_uppercase()))
            .says(" ago) | ")
            .says(" (cached ");
        assert!(
            n.stdout
                .contains(&format!("\nfrom cache {cache} (max age 1h)\n")),
            "{n:#?}"
        );
        assert!(n.stderr.is_empty());
    }
    // On a failure every snmp line is -1, cacti says U, okko says KO with the reason.
    let down = |check: &str, mode: &str| {
        let key = m.path("key");
        run(&[
            check,
            "--url",
            "http://127.0.0.1:9",
            "--key-file",
            &key,
            "-o",
            mode,
        ])
    };
    let r = down("stats", "snmp");
    assert_eq!((r.stdout.as_str(), r.code), ("-1\n-1\n", 2));
    let r = down("users", "cacti");
    assert_eq!((r.stdout.as_str(), r.code), ("users:U orgs:U\n", 2));
    let r = down("users", "okko");
    assert_eq!(r.stdout, "KO\n");
    assert!(r.stderr.contains("connection refused"), "{r:#?}");
    let missing = m.path("missing.json");
    let r = run(&["users", "--cache-file", &missing, "-o", "snmp"]);
    assert_eq!((r.stdout.as_str(), r.code), ("-1\n-1\n", 3));
    let r = run(&["stats", "--cache-file", &missing, "-o", "json"]).json();
    assert_eq!(r["state"], "UNKNOWN");
    assert!(r["summary"].as_str().unwrap().contains("does not exist"));
}

#[test]
fn cache_update_then_read_makes_no_request_and_holds_no_key() {
    let m = misp(Encoding::V24);
    let cache = m.path("stats.json");
    let r = m.https("stats", &["--update-cache", "--cache-file", &cache]);
    r.expect(
        0,
        "MISP STATS OK - 37 events and 4210 attributes modified this month; cache ",
    )
    .says(&format!("cache {cache} updated"));
    assert_eq!(m.sim.count("GET /users/statistics"), 1);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(!text.contains(DEFAULT_KEY), "{text}");
    assert!(!text.contains(&DEFAULT_KEY[..8]), "{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (
            doc["events"].as_u64(),
            doc["attributes"].as_u64(),
            doc["users"].as_u64(),
            doc["orgs"].as_u64()
        ),
        (Some(37), Some(4210), Some(42), Some(118))
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        doc["fetched_at"]
            .as_u64()
            .is_some_and(|t| t.abs_diff(now) < 60),
        "{doc}"
    );
    // Readable by snmpd's user although another user wrote it; no temporary left over.
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    let leftovers: Vec<_> = std::fs::read_dir(m.dir.path())
        .unwrap()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Reads: no URL, no key, no MISP_* environment, and the simulator sees nothing.
    m.sim.reset_counts();
    run(&["stats", "--cache-file", &cache]).expect(0, "MISP STATS OK - 37 events");
    run(&["users", "--cache-file", &cache, "-w", "40"]).expect(1, "MISP USERS WARNING - 42 users");
    // A URL and an unreadable key file given anyway are neither used nor opened.
    let url = m.sim.http_url();
    run(&[
        "users",
        "--cache-file",
        &cache,
        "--url",
        &url,
        "--key-file",
        "/nonexistent/key",
    ])
    .expect(0, "MISP USERS OK");
    assert!(m.sim.counts().is_empty(), "{:?}", m.sim.counts());
    assert_eq!(m.sim.requests_with_key(), 0);

    // The next update replaces the figures; `users --update-cache` refreshes the same file.
    m.sim.set_stats("user_count", 43);
    m.sim.set_stats("event_count_month", 38);
    m.http("users", &["--update-cache", "--cache-file", &cache])
        .expect(0, "MISP USERS OK - 43 users in 118 organisations; cache ");
    let r = run(&["stats", "--cache-file", &cache, "-o", "snmp"]);
    assert_eq!(r.stdout, "38\n4210\n");
}

#[test]
fn failed_update_keeps_the_last_good_cache() {
    let m = misp(Encoding::V25);
    let cache = m.path("stats.json");
    m.http("stats", &["--update-cache", "--cache-file", &cache])
        .expect(0, "MISP STATS OK");
    let before = std::fs::read(&cache).unwrap();
    m.sim
        .set_fault(Some("/users/statistics"), misp_sim::html_500());
    m.http("stats", &["--update-cache", "--cache-file", &cache])
        .expect(2, "MISP STATS CRITICAL - MISP answered 500");
    m.sim.set_fault(
        Some("/users/statistics"),
        Fault::Status {
            code: 200,
            content_type: "application/json".into(),
            body: r#"{"stats":{"event_count_month":"37"}}"#.into(),
        },
    );
    m.http("stats", &["--update-cache", "--cache-file", &cache]).expect(
        2,
        "MISP STATS CRITICAL - unexpected answer to /users/statistics.json: stats.attribute_count_month is missing",
    );
    assert_eq!(std::fs::read(&cache).unwrap(), before);
    // okko for cron: stdout KO, the reason on stderr (the mail cron sends).
    let r = m.http(
        "stats",
        &["--update-cache", "--cache-file", &cache, "-o", "okko"],
    );
    assert_eq!((r.stdout.as_str(), r.code), ("KO\n", 1));
    assert!(
        r.stderr.contains("stats.attribute_count_month is missing"),
        "{r:#?}"
    );
    run(&["stats", "--cache-file", &cache]).expect(0, "MISP STATS OK - 37 events");
    // A directory that does not exist cannot take the cache: named, not a crash.
    let nowhere = m.path("no/such/dir/stats.json");
    m.sim.clear_faults();
    m.http("stats", &["--update-cache", "--cache-file", &nowhere])
        .expect(
            3,
            &format!("MISP STATS UNKNOWN - cannot write cache {nowhere}: "),
        );
}

#[test]
fn stale_missing_and_corrupt_caches_are_unknown_and_named() {
    let m = misp(Encoding::V25);
    let stale = cache_aged(&m, "stale.json", Duration::from_secs(2 * 3600 + 5));
    // Written with whole seconds: a second may tick between writing and reading.
    let r = run(&["stats", "--cache-file", &stale]);
    let said = |secs: u32| {
        format!("MISP STATS UNKNOWN - cache {stale} is 2h {secs}s old (max 1h): is the cron job running?\n")
    };
    assert!(
        r.code == 3 && (r.stdout == said(5) || r.stdout == said(6)),
        "{r:#?}"
    );
    let r = run(&["users", "--cache-file", &stale, "-o", "snmp"]);
    assert_eq!((r.stdout.as_str(), r.code), ("-1\n-1\n", 3));
    let r = run(&["stats", "--cache-file", &stale, "-o", "cacti"]);
    assert_eq!(r.stdout, "events_month:U attributes_month:U\n");
    // --max-age widens (or narrows) what is fresh enough.
    run(&["users", "--cache-file", &stale, "--max-age", "3h"])
        .expect(0, "MISP USERS OK - 7 users in 8 organisations (cached 2h ");
    let fresh = cache_aged(&m, "fresh.json", Duration::from_secs(600));
    run(&["stats", "--cache-file", &fresh, "--max-age", "5m"])
        .expect(3, "MISP STATS UNKNOWN - cache ")
        .says(" is 10m ")
        .says(" old (max 5m): is the cron job running?");

    let missing = m.path("missing.json");
    run(&["stats", "--cache-file", &missing]).expect(
        3,
        &format!("MISP STATS UNKNOWN - cache {missing} does not exist: has `check_misp stats --update-cache --cache-file {missing}` run yet (cron)?\n"),
    );

    let corrupt = m.path("corrupt.json");
    for (bytes, why) in [
        (&b""[..], "empty file"),
        (b"{\"events\": 1, \"attr", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[37, 4210]", "expected a JSON object, got an array"),
        (b"{\"events\": 1}", "no \"attributes\""),
        (
            br#"{"events": -1, "attributes": -1, "users": -1, "orgs": -1}"#,
            "\"events\" is -1",
        ),
    ] {
        std::fs::write(&corrupt, bytes).unwrap();
        for check in ["stats", "users"] {
            let r = run(&[check, "--cache-file", &corrupt]);
            r.expect(
                3,
                &format!(
                    "MISP {} UNKNOWN - cache {corrupt} is corrupt ({why}",
                    check.to_uppercase()
                ),
            )
            .says("the next --update-cache rewrites it");
            assert_eq!(r.stdout.lines().count(), 1, "{r:#?}");
        }
    }
    std::fs::write(&corrupt, vec![b' '; 100 * 1024]).unwrap();
    run(&["stats", "--cache-file", &corrupt]).says("is corrupt (larger than 64 KiB)");
    let dir = m.dir.path().display().to_string();
    run(&["stats", "--cache-file", &dir]).expect(
        3,
        &format!("MISP STATS UNKNOWN - cache {dir} is a directory, not a cache file"),
    );
    // misp-snmp-monitor.py's own cache (strings, no fetch time: the file's time is used).
    let legacy = m.path("misp-snmp.cache");
    std::fs::write(
        &legacy,
        r#"{"events": "37", "attributes": "4210", "users": "42", "orgs": "118"}"#,
    )
    .unwrap();
    assert_eq!(
        run(&["users", "--cache-file", &legacy, "-o", "snmp"]).stdout,
        "42\n118\n"
    );
}

#[test]
fn direct_failures_are_named() {
    let m = misp(Encoding::V25);
    let url = m.sim.http_url();
    run(&["stats", "--url", &url]).expect(3, "MISP STATS UNKNOWN - no API key");
    let key = m.path("key");
    run(&["users", "--key-file", &key]).expect(3, "MISP USERS UNKNOWN - no MISP given");
    run(&["stats", "--update-cache"]).expect(3, "MISP STATS UNKNOWN - ");
    std::fs::write(m.path("bad"), "B".repeat(40)).unwrap();
    let bad = m.path("bad");
    run(&["users", "--url", &url, "--key-file", &bad]).expect(
        2,
        "MISP USERS CRITICAL - MISP answered 403: the API key was not accepted",
    );
}

/// A cache "fetched" in 2100 is not fresh forever: the time is ignored (the long output
/// says so) and the file's own time judges it; a file that is itself from the future has
/// an unknown age and is refused.
#[test]
fn cache_fetched_in_the_future_is_not_fresh_forever() {
    let m = misp(Encoding::V25);
    let cache = m.path("future.json");
    std::fs::write(
        &cache,
        r#"{"events":5,"attributes":6,"users":7,"orgs":8,"fetched_at":4102444800}"#,
    )
    .unwrap();
    let r = run(&["stats", "--cache-file", &cache]);
    r.expect(
        0,
        "MISP STATS OK - 5 events and 6 attributes modified this month (cached 0s ago)",
    );
    assert!(
        r.stdout.lines().any(|l| l
            == format!("cache {cache} says it was fetched at 2100-01-01T00:00:00Z, in the future: ignored, the file's time is used")),
        "{r:#?}"
    );
    // The file is two hours old: stale, whatever it claims.
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    run(&["stats", "--cache-file", &cache])
        .expect(3, &format!("MISP STATS UNKNOWN - cache {cache} is 2h "))
        .says("old (max 1h)");
    // A file modified in 2100: no time left to trust.
    std::fs::File::options()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(4_102_444_800))
        .unwrap();
    let r = run(&["users", "--cache-file", &cache, "-o", "snmp"]);
    assert_eq!((r.stdout.as_str(), r.code), ("-1\n-1\n", 3));
    run(&["users", "--cache-file", &cache])
        .expect(
            3,
            &format!("MISP USERS UNKNOWN - cache {cache} was written "),
        )
        .says("in the future (2100-01-01T00:00:00Z), so its age is unknown");
}

/// A statistics figure no MISP could hold is a broken answer, named by its field.
#[test]
fn absurd_figures_are_refused_and_named() {
    for enc in [Encoding::V25, Encoding::V24] {
        let m = misp(enc);
        m.sim.set_stats("user_count", u64::MAX);
        m.http("users", &[])
            .expect(2, "MISP USERS CRITICAL - unexpected answer to /users/statistics.json: stats.user_count is ")
            .says("18446744073709551615")
            .says("beyond any real count (above 2^53)");
    }
}
