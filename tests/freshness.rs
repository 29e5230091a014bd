//! `freshness` against the simulator: the age of the newest event change, judged against
//! durations, in every output mode; no event, a change in the future and `--published`.

mod common;
use common::Misp;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

#[test]
fn age_of_the_newest_change_against_a_day_and_three_days() {
    let m = Misp::start();
    m.sim.set_newest_event(Some(now() - 2 * HOUR));
    let r = m.http("freshness", &[]);
    // To the second, so 2h and whatever second the run took.
    r.expect(0, "MISP FRESHNESS OK - the newest event changed 2h");
    let age = r.perf("age").expect("age perfdata");
    assert!((7200.0..7260.0).contains(&age), "{r:#?}");
    assert!(
        r.status_line().contains(";86400;259200;0"),
        "thresholds in seconds: {r:#?}"
    );
    assert!(r
        .stdout
        .contains("\nevent 12 (5f0c7a37-6f3c-4a3b-b2b5-00000000000c)"));
    // One request: the index, newest change first, one event (-v lists it).
    assert_eq!(m.sim.count("GET /events/index"), 1);
    assert_eq!(m.sim.counts().values().sum::<u64>(), 1);
    let v = m.http("freshness", &["-v"]);
    assert!(
        v.stdout.contains(
            "/events/index/sort:timestamp/direction:desc/limit:1/page:1/searchminimal:1 -> 200"
        ),
        "{v:#?}"
    );

    m.sim.set_newest_event(Some(now() - 2 * DAY));
    m.http("freshness", &[])
        .expect(1, "MISP FRESHNESS WARNING - the newest event changed 2days");
    m.sim.set_newest_event(Some(now() - 4 * DAY));
    m.https("freshness", &[]).expect(
        2,
        "MISP FRESHNESS CRITICAL - the newest event changed 4days",
    );
    // Durations with a unit, or plain seconds.
    m.http("freshness", &["-w", "5d", "-c", "1w"])
        .expect(0, "MISP FRESHNESS OK");
    m.http("freshness", &["-w", "3600", "-c", "2d"])
        .expect(2, "MISP FRESHNESS CRITICAL");
    m.http("freshness", &["-w", "soon"]).expect(
        3,
        "MISP FRESHNESS UNKNOWN - invalid value 'soon' for '--warning <RANGE>'",
    );
}

#[test]
fn published_counts_only_published_events() {
    let m = Misp::start();
    // Event 12 is the newest; the simulator publishes odd ids, so 11 is the newest
    // published one, ten minutes older.
    m.sim.set_newest_event(Some(now() - HOUR));
    let all = m.http("freshness", &[]);
    let published = m.http("freshness", &["--published"]);
    published.expect(
        0,
        "MISP FRESHNESS OK - the newest published event changed 1h 10m",
    );
    assert!(published.stdout.contains("\nevent 11 ("), "{published:#?}");
    let diff = published.perf("age").unwrap() - all.perf("age").unwrap();
    assert!((599.0..=601.0).contains(&diff), "{all:#?} {published:#?}");
    let v = m.http("freshness", &["--published", "-v"]);
    assert!(
        v.stdout
            .contains("/searchminimal:1/searchpublished:1 -> 200"),
        "{v:#?}"
    );
    // Only unpublished events: none to measure.
    m.sim.set_events(0);
    m.http("freshness", &["--published"]).expect(
        3,
        "MISP FRESHNESS UNKNOWN - no published event with attributes in MISP",
    );
}

#[test]
fn an_empty_misp_or_a_future_change_is_unknown() {
    let m = Misp::start();
    m.sim.set_events(0);
    m.http("freshness", &[]).expect(
        3,
        "MISP FRESHNESS UNKNOWN - no event with attributes in MISP: there is no data to measure the age of\n",
    );
    m.sim.set_events(3);
    m.sim.set_newest_event(Some(now() + 2 * HOUR));
    m.http("freshness", &[])
        .expect(
            3,
            "MISP FRESHNESS UNKNOWN - the newest event changed 1h 59m",
        )
        .says("in the future");
}

#[test]
fn every_mode_prints_the_age() {
    let m = Misp::start();
    m.sim.set_newest_event(Some(now() - 5 * DAY));
    let snmp = m.http("freshness", &["-o", "snmp"]);
    let age: f64 = snmp.stdout.trim().parse().expect("one number");
    assert!(age >= 5.0 * 86_400.0 && snmp.code == 2, "{snmp:#?}");
    let cacti = m.http("freshness", &["-o", "cacti"]);
    assert!(cacti.stdout.starts_with("age:4"), "{cacti:#?}");
    let okko = m.http("freshness", &["-o", "okko"]);
    assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
    let json = m.http("freshness", &["-o", "json"]).json();
    assert_eq!(json["check"], "freshness");
    assert_eq!(json["state"], "CRITICAL");
    assert_eq!(json["metrics"][0]["name"], "age");
    assert_eq!(json["metrics"][0]["unit"], "s");
    // A failed fetch keeps the snmp line count.
    m.sim.set_events(0);
    let empty = m.http("freshness", &["-o", "snmp"]);
    assert_eq!((empty.stdout.as_str(), empty.code), ("-1\n", 3));
    // In all only when named.
    m.http("all", &["--only", "version,freshness"])
        .expect(3, "MISP ALL UNKNOWN")
        .says("freshness UNKNOWN");
}
