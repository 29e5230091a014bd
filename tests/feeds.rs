//! `feeds` against the simulator over real HTTP: each enabled feed's last fetch from the
//! jobs, failures named, ages against durations, a MISP in another timezone, background
//! jobs off, caching feeds, and the feed's stored credentials never shown.

mod common;
use common::Misp;
use misp_sim::{Encoding, Fetch, SimOptions, WorkerMode};
use std::time::{SystemTime, UNIX_EPOCH};

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const SECRET: &str = "Authorization: FeedProviderToken0123456789";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn fetched(m: &Misp, feed: u64, status: u64, ago: u64) -> u64 {
    m.sim.add_fetch(Fetch::new(Some(feed), status, now() - ago))
}

#[test]
fn a_failed_fetch_is_critical_and_named_then_ok_again() {
    let m = Misp::start();
    let osint = m.sim.add_feed("osint", true, false, Some(SECRET));
    let other = m.sim.add_feed("other", true, false, None);
    fetched(&m, other, 4, 2 * HOUR);
    fetched(&m, osint, 4, HOUR);
    let ok = m.http("feeds", &["--misp-timezone", "UTC"]);
    ok.expect(
        0,
        "MISP FEEDS OK - 2 feeds judged, 0 failed, the oldest fetch or cache 2h",
    );
    let age = ok.perf("age").expect("age perfdata");
    assert!((7200.0..7260.0).contains(&age), "{ok:#?}");
    assert!(
        ok.status_line().contains("age=") && ok.status_line().contains(";172800;259200;0"),
        "{ok:#?}"
    );
    assert!(
        ok.stdout.contains("\nfeed osint (3): fetched 1h"),
        "{ok:#?}"
    );

    fetched(&m, osint, 3, 60);
    let bad = m.http("feeds", &["--misp-timezone", "UTC"]);
    bad.expect(
        2,
        "MISP FEEDS CRITICAL - feed osint (3): last fetch failed 1m",
    )
    .says("Job failed. See error log for more details.");
    assert_eq!(bad.perf("failed"), Some(1.0));
    // A fetch whose worker died leaves its row unfinished: CRITICAL, not "waiting".
    m.sim.add_fetch(Fetch {
        crashed: true,
        message: "Fetching 1 events.".into(),
        ..Fetch::new(Some(osint), 0, now() - 30)
    });
    m.http("feeds", &["--misp-timezone", "UTC"])
        .expect(
            2,
            "MISP FEEDS CRITICAL - feed osint (3): last fetch failed 30s",
        )
        .says("the job died in MISP's worker at \"Fetching 1 events.\"");
    // --feed selects: the other feed alone is fine.
    m.http("feeds", &["--feed", "other", "--misp-timezone", "UTC"])
        .expect(0, "MISP FEEDS OK - 1 feed judged");
    m.http("feeds", &["--feed", "9"]).expect(
        3,
        "MISP FEEDS UNKNOWN - MISP has no feed named or numbered 9",
    );
    m.http("feeds", &["--feed", "1"]).expect(
        2,
        "MISP FEEDS CRITICAL - feed CIRCL OSINT Feed (1) is neither enabled nor caching",
    );

    fetched(&m, osint, 4, 0);
    m.http("feeds", &["--misp-timezone", "UTC"])
        .expect(0, "MISP FEEDS OK");
    // Two requests: the feeds, then one page of jobs (both feeds are covered by it).
    m.sim.reset_counts();
    m.http("feeds", &[]);
    assert_eq!(m.sim.count("GET /feeds/index"), 1);
    assert_eq!(
        m.sim.counts().values().sum::<u64>(),
        2,
        "{:?}",
        m.sim.counts()
    );
    let v = m.http("feeds", &["-v"]);
    assert!(
        v.stdout
            .contains("/jobs/index/default/limit:100/page:1 -> 200"),
        "{v:#?}"
    );
}

#[test]
fn the_age_of_the_last_fetch_against_durations() {
    let m = Misp::start();
    let osint = m.sim.add_feed("osint", true, false, None);
    let utc = ["--misp-timezone", "+00:00"];
    fetched(&m, osint, 4, 2 * DAY + HOUR);
    m.http("feeds", &utc).expect(
        1,
        "MISP FEEDS WARNING - feed osint (3): last fetched 2days 1h",
    );
    fetched(&m, osint, 4, 4 * DAY);
    m.https("feeds", &utc).expect(
        2,
        "MISP FEEDS CRITICAL - feed osint (3): last fetched 4days",
    );
    m.http("feeds", &["--misp-timezone", "UTC", "-w", "5d", "-c", "1w"])
        .expect(0, "MISP FEEDS OK");
    m.http("feeds", &["--misp-timezone", "Europe/Berlin"])
        .expect(3, "MISP FEEDS UNKNOWN - ")
        .says("is not UTC nor an offset such as +01:00");
}

#[test]
fn a_misp_in_another_timezone_never_gets_a_wrong_age() {
    let m = Misp::start();
    let osint = m.sim.add_feed("osint", true, false, None);
    // MISP's PHP runs at UTC+05:30 and writes its local time without an offset.
    m.sim.set_php_offset(5 * 3600 + 1800);
    fetched(&m, osint, 4, 2 * HOUR);
    let told = m.http("feeds", &["--misp-timezone", "+05:30"]);
    told.expect(0, "MISP FEEDS OK");
    let age = told.perf("age").expect("age perfdata");
    assert!((7200.0..7260.0).contains(&age), "{told:#?}");
    // Not told: a fetch 2h ago is fine in every zone, but no exact age is claimed.
    let unsure = m.http("feeds", &[]);
    unsure.expect(0, "MISP FEEDS OK");
    assert!(
        unsure.stdout.contains("in MISP's unknown timezone"),
        "{unsure:#?}"
    );
    assert_eq!(unsure.perf("age"), None, "{unsure:#?}");
    // 40h ago: under 2 days in some zones, over it in others: not known.
    fetched(&m, osint, 4, 40 * HOUR);
    m.http("feeds", &[])
        .expect(
            3,
            "MISP FEEDS UNKNOWN - feed osint (3): last fetched between",
        )
        .says("depends on MISP's timezone (give --misp-timezone)");
    m.http("feeds", &["--misp-timezone", "+05:30"])
        .expect(0, "MISP FEEDS OK");
    // A zone west of UTC is an offset starting with '-', not an option.
    m.http("feeds", &["--misp-timezone", "-05:00"])
        .expect(0, "MISP FEEDS OK");
    // Told UTC, MISP's times look 5.5h ahead of the clock: no age, and why.
    fetched(&m, osint, 4, 0);
    m.http("feeds", &["--misp-timezone", "UTC"])
        .expect(3, "MISP FEEDS UNKNOWN")
        .says("ahead of this host's clock (is --misp-timezone or a clock wrong?)");
}

#[test]
fn background_jobs_off_is_unknown() {
    let m = Misp::start();
    m.sim.add_feed("osint", true, false, None);
    m.sim.set_background_jobs(false);
    m.http("feeds", &[]).expect(
        3,
        "MISP FEEDS UNKNOWN - background jobs are disabled in MISP (MISP.background_jobs is off)",
    );
    // A caching feed needs no job, so it is still judged.
    let m = Misp::start();
    let cached = m.sim.add_feed("cached", false, true, None);
    m.sim.set_background_jobs(false);
    m.sim.set_feed_cached(cached, Some(now() - HOUR));
    m.http("feeds", &[]).expect(
        0,
        "MISP FEEDS OK - 1 feed judged, 0 failed, the oldest fetch or cache 1h",
    );
}

#[test]
fn no_fetch_in_sight_and_no_feed_enabled() {
    let m = Misp::start();
    m.http("feeds", &[]).expect(
        3,
        "MISP FEEDS UNKNOWN - no feed is enabled or caching in MISP: there is no fetch to judge",
    );
    let osint = m.sim.add_feed("osint", true, false, None);
    m.http("feeds", &[]).expect(
        1,
        "MISP FEEDS WARNING - feed osint (3): no fetch in the newest 0 jobs of MISP's default queue (is a cron running `cake Server fetchFeed USER_ID all`?)",
    );
    // The cron's fetch of all feeds counts for each, and its failures are reported.
    m.sim.add_fetch(Fetch {
        message: "Job done. 0 feeds pulled successfully, 1 feeds could not be pulled.".into(),
        from_shell: true,
        ..Fetch::new(None, 4, now() - HOUR)
    });
    m.http("feeds", &[])
        .expect(2, "MISP FEEDS CRITICAL - feed osint (3): last fetch failed")
        .says("1 of 1 feeds could not be pulled (MISP does not say which)");
    // Older jobs than one page hold: the check reads further pages.
    fetched(&m, osint, 4, 2 * HOUR);
    for _ in 0..150 {
        m.sim.add_fetch(Fetch::new(Some(99), 4, now()));
    }
    m.sim.reset_counts();
    m.http("feeds", &["--misp-timezone", "UTC"])
        .expect(0, "MISP FEEDS OK");
    assert_eq!(m.sim.count("GET /jobs/index"), 2, "{:?}", m.sim.counts());
}

#[test]
fn a_cakeresque_misp_and_every_output_mode_keep_the_credentials_out() {
    let m = Misp::with(SimOptions {
        mode: WorkerMode::CakeResque,
        encoding: Encoding::V24,
        ..SimOptions::default()
    });
    let osint = m.sim.add_feed("osint", true, true, Some(SECRET));
    m.sim.set_feed_cached(osint, Some(now() - HOUR));
    fetched(&m, osint, 3, HOUR);
    for mode in [
        "nagios",
        "json",
        "okko",
        "snmp",
        "cacti",
        "prometheus",
        "checkmk",
    ] {
        let r = m.http("feeds", &["-o", mode, "-v", "--misp-timezone", "UTC"]);
        assert!(
            !r.stdout.contains("FeedProviderToken") && !r.stderr.contains("FeedProviderToken"),
            "{mode}: {r:#?}"
        );
        assert!(
            !r.stdout.contains("feeds.example"),
            "{mode}: the feed's URL: {r:#?}"
        );
    }
    let snmp = m.http("feeds", &["-o", "snmp", "--misp-timezone", "UTC"]);
    // The layout: feeds, failed, age.
    let lines: Vec<&str> = snmp.stdout.lines().collect();
    assert_eq!((snmp.code, &lines[..2]), (2, &["1", "1"][..]), "{snmp:#?}");
    let age: u64 = lines[2].parse().expect("age in seconds");
    assert!((3600..3660).contains(&age), "{snmp:#?}");
    m.http("feeds", &["--misp-timezone", "UTC"]).expect(
        2,
        "MISP FEEDS CRITICAL - feed osint (3): last fetch failed 1h",
    );
}
