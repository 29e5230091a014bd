use super::*;
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const H: u64 = 3600;

fn defaults() -> Thresholds {
    let s = Settings {
        feed: vec![],
        misp_timezone: None,
    };
    let t = s.defaults().thresholds.unwrap();
    Thresholds {
        warn: t.warn,
        crit: t.crit,
    }
}

fn feed(id: u64, enabled: bool, caching: bool, cache: Option<u64>) -> Feed {
    Feed {
        id,
        name: format!("osint-{id}"),
        enabled,
        caching,
        cache_timestamp: cache,
    }
}

/// A job as a MISP whose PHP runs `off` seconds east of UTC writes it, `ago` seconds ago.
fn job(id: u64, feed: Option<u64>, status: u64, message: &str, ago: u64, off: i64) -> Job {
    let local = (NOW - ago).saturating_add_signed(off);
    Job {
        id,
        feed,
        status,
        message: message.into(),
        created: local - 5,
        modified: local,
        crashed: false,
    }
}

fn jobs(fetches: Vec<Job>) -> Jobs {
    let scanned = fetches.len();
    Jobs { fetches, scanned }
}

fn at_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

#[test]
fn zones_are_utc_or_an_offset() {
    assert_eq!(parse_zone("UTC"), Ok(0));
    assert_eq!(parse_zone("+01:00"), Ok(3600));
    assert_eq!(parse_zone("-05:30"), Ok(-19_800));
    assert_eq!(parse_zone("+14"), Ok(14 * 3600));
    for bad in ["Europe/Berlin", "+15:00", "-13:00", "+01:75", "1", ""] {
        let e = parse_zone(bad).unwrap_err();
        assert!(e.contains("is not UTC nor an offset"), "{bad}: {e}");
    }
}

#[test]
fn reads_feeds_in_both_encodings_without_their_secrets() {
    let v25 = json!([{"Feed": {"id": "3", "name": "cm-test", "url": "http://u:p@x", "enabled": true,
        "caching_enabled": false, "headers": "Authorization: Secret123", "cache_timestamp": false}},
        {"Feed": {"id": "1", "name": "CIRCL OSINT Feed", "enabled": false, "caching_enabled": true,
        "cache_timestamp": "1799990000"}}]);
    let feeds = parse_feeds(&v25).unwrap();
    assert_eq!(feeds[0], feed_named(3, "cm-test", true, false, None));
    assert_eq!(feeds[1].cache_timestamp, Some(1_799_990_000));
    let v24 = json!([{"Feed": {"id": 4, "name": "x", "enabled": 1, "caching_enabled": 0}}]);
    assert!(parse_feeds(&v24).unwrap()[0].enabled);
    for bad in [json!({"x": 1}), json!([{"id": "1"}]), json!([{"Feed": {"name": "n"}}])] {
        assert!(parse_feeds(&bad).is_err(), "{bad}");
    }
    let out = judge(&feeds, &jobs(vec![]), at_now(), Some(0), &defaults());
    let all = format!("{} {:?}", out.summary, out.details);
    assert!(!all.contains("Secret123") && !all.contains("u:p@"), "{all}");
}

fn feed_named(id: u64, name: &str, enabled: bool, caching: bool, cache: Option<u64>) -> Feed {
    Feed {
        name: name.into(),
        ..feed(id, enabled, caching, cache)
    }
}

#[test]
fn keeps_only_feed_fetches_from_the_jobs_index() {
    let row = |id: &str, ty: &str, input: &str, status: &str| {
        json!({"Job": {"id": id, "worker": "default", "job_type": ty, "job_input": input,
            "status": status, "message": "Job done.", "date_created": "2026-12-06 01:12:41",
            "date_modified": "2026-12-06 01:12:42", "job_status": "Completed", "failed": false},
            "Org": {"id": "1"}})
    };
    let v = json!([
        row("9", "fetch_feeds", "Feed: 3", "3"),
        row("8", "cache_servers", "Server: all", "4"),
        row("7", "fetch_feeds", "Feed: all", "4"),
        row("6", "feed_fetch", "Feed: 2", "4"),
        row("5", "fetch_feed", "Feed: 1", "4"),
    ]);
    let (fetches, n) = parse_jobs(&v).unwrap();
    assert_eq!(n, 5);
    let ids: Vec<(u64, Option<u64>)> = fetches.iter().map(|j| (j.id, j.feed)).collect();
    assert_eq!(ids, [(9, Some(3)), (7, None), (6, Some(2)), (5, Some(1))]);
    assert_eq!(fetches[0].status, 3);
    // The worker's view is not the fetch's: a failed fetch's process completes.
    assert!(!fetches[0].crashed);
    let mut died = v.clone();
    died[0]["Job"]["status"] = json!("0");
    died[0]["Job"]["job_status"] = json!("Failed");
    assert!(parse_jobs(&died).unwrap().0[0].crashed);
    // Run by cron through `cake`: no process, so no worker status either.
    let mut shell = v.clone();
    shell[0]["Job"]["process_id"] = json!(null);
    shell[0]["Job"]["job_status"] = json!("Unknown");
    shell[0]["Job"]["failed"] = json!(null);
    assert!(!parse_jobs(&shell).unwrap().0[0].crashed);
    assert_eq!(fetches[0].modified, local_time("2026-12-06 01:12:42").unwrap());
    let mut broken = v.clone();
    broken[0]["Job"]["date_modified"] = json!("yesterday");
    assert!(parse_jobs(&broken).unwrap_err().contains("date_modified"));
    assert!(parse_jobs(&json!({"name": "x"})).is_err());
}

#[test]
fn a_failed_last_fetch_is_critical_and_named() {
    let feeds = [feed(3, true, false, None), feed(4, true, false, None)];
    let j = jobs(vec![
        job(12, Some(3), 3, "Job failed. See error log for more details.", 60, 0),
        job(11, Some(4), 4, "Job done.", 120, 0),
        job(10, Some(3), 4, "Job done.", 3 * H, 0),
    ]);
    let o = judge(&feeds, &j, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Critical);
    assert!(
        o.summary
            .starts_with("feed osint-3 (3): last fetch failed 1m ago (2027-01-15T07:59:00Z): Job failed."),
        "{}",
        o.summary
    );
    assert!(o.summary.ends_with("; 2 feeds judged, 1 failed"), "{}", o.summary);
    assert_eq!(o.metric("failed"), Some(1.0));
    assert_eq!(o.metric("age"), Some(120.0));
    // A job whose worker died: its row never finishes, the worker says Failed.
    let died = jobs(vec![Job {
        crashed: true,
        ..job(6, Some(3), 0, "Fetching 1 events.", 60, 0)
    }]);
    let o = judge(&feeds[..1], &died, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Critical);
    assert!(
        o.summary.contains("the job died in MISP's worker at \"Fetching 1 events.\""),
        "{}",
        o.summary
    );
    // The scheduled task marks a failure in its message only.
    let old = jobs(vec![job(5, Some(3), 4, "Could not fetch feed.", 60, 0)]);
    let o = judge(&feeds[..1], &old, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Critical);
}

#[test]
fn the_age_of_the_last_fetch_against_durations() {
    let feeds = [feed(3, true, false, None)];
    let t = defaults();
    let fetched = |ago| jobs(vec![job(1, Some(3), 4, "Job done.", ago, 0)]);
    let o = judge(&feeds, &fetched(2 * H), at_now(), Some(0), &t);
    assert_eq!(o.state, State::Ok);
    assert_eq!(o.summary, "1 feed judged, 0 failed, the oldest fetch or cache 2h ago");
    assert_eq!(o.details, ["feed osint-3 (3): fetched 2h ago (2027-01-15T06:00:00Z), job 1"]);
    assert_eq!(judge(&feeds, &fetched(50 * H), at_now(), Some(0), &t).state, State::Warning);
    let stale = judge(&feeds, &fetched(100 * H), at_now(), Some(0), &t);
    assert_eq!(stale.state, State::Critical);
    assert!(stale.summary.starts_with("feed osint-3 (3): last fetched 4days 4h ago"), "{}", stale.summary);
}

#[test]
fn a_fetch_of_all_feeds_counts_for_each_and_reports_its_failures() {
    let feeds = [feed(3, true, false, None), feed(4, true, false, None)];
    let all_ok = jobs(vec![job(
        7,
        None,
        4,
        "Job done. 2 feeds pulled successfully, 0 feeds could not be pulled.",
        H,
        0,
    )]);
    let o = judge(&feeds, &all_ok, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Ok, "{}", o.summary);
    assert!(o.details[0].ends_with("job 7, all feeds"), "{:?}", o.details);
    let one_failed = jobs(vec![job(
        7,
        None,
        4,
        "Job done. 1 feeds pulled successfully, 1 feeds could not be pulled.",
        H,
        0,
    )]);
    let o = judge(&feeds, &one_failed, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Critical);
    assert!(o.summary.contains("1 of 2 feeds could not be pulled (MISP does not say which)"), "{}", o.summary);
}

#[test]
fn no_fetch_in_sight_is_a_warning_that_says_why() {
    let feeds = [feed(3, true, false, None)];
    let o = judge(&feeds, &jobs(vec![]), at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Warning);
    assert!(o.summary.starts_with("feed osint-3 (3): no fetch in the newest 0 jobs of MISP's default queue (is a cron running `cake Server fetchFeed USER_ID all`?)"), "{}", o.summary);
    let queued = jobs(vec![job(2, Some(3), 1, "Starting fetch from Feed.", 600, 0)]);
    let o = judge(&feeds, &queued, at_now(), Some(0), &defaults());
    assert_eq!(o.state, State::Warning);
    assert!(o.summary.contains("no finished fetch; fetch job 2 waiting since"), "{}", o.summary);
}

#[test]
fn a_caching_feed_is_judged_by_its_cache_age() {
    let t = defaults();
    let cached = |at| [feed(1, false, true, at)];
    let o = judge(&cached(Some(NOW - 3 * H)), &jobs(vec![]), at_now(), None, &t);
    assert_eq!(o.state, State::Ok, "{}", o.summary);
    assert_eq!(o.metric("age"), Some(10_800.0));
    let o = judge(&cached(Some(NOW - 80 * H)), &jobs(vec![]), at_now(), None, &t);
    assert_eq!(o.state, State::Critical);
    assert!(o.summary.starts_with("feed osint-1 (1): last cached 3days 8h ago"), "{}", o.summary);
    let o = judge(&cached(None), &jobs(vec![]), at_now(), None, &t);
    assert_eq!(o.state, State::Warning);
    assert!(o.summary.contains("never cached"), "{}", o.summary);
    let o = judge(&cached(Some(NOW + 2 * H)), &jobs(vec![]), at_now(), None, &t);
    assert_eq!(o.state, State::Unknown);
}

#[test]
fn selection_by_name_or_id() {
    let all = || vec![feed(1, false, false, None), feed(3, true, false, None), feed(4, true, false, None)];
    assert_eq!(select(all(), &[]).unwrap().len(), 2);
    let by = |w: &[&str]| select(all(), &w.iter().map(ToString::to_string).collect::<Vec<_>>());
    assert_eq!(by(&["osint-4", "3", "4"]).unwrap().iter().map(|f| f.id).collect::<Vec<_>>(), [4, 3]);
    let none = by(&["nope"]).unwrap_err();
    assert_eq!((none.state, none.summary.as_str()), (State::Unknown, "MISP has no feed named or numbered nope"));
    let off = by(&["1"]).unwrap_err();
    assert_eq!(off.state, State::Critical);
    assert!(off.summary.contains("feed osint-1 (1) is neither enabled nor caching"));
    let fresh = select(vec![feed(1, false, false, None)], &[]).unwrap_err();
    assert_eq!(fresh.state, State::Unknown);
}

/// Whatever zone MISP's PHP runs in, the check prints the true age or none: with the zone
/// given, exactly; without it, a state only when every possible zone agrees.
#[test]
fn no_wrong_age_in_any_timezone() {
    let t = defaults();
    let feeds = [feed(3, true, false, None)];
    for off_h in -12i64..=14 {
        let off = off_h * 3600;
        for ago in [0, 90, 5 * H, 30 * H, 47 * H, 60 * H, 100 * H] {
            let j = jobs(vec![job(1, Some(3), 4, "Job done.", ago, off)]);
            let known = judge(&feeds, &j, at_now(), Some(off), &t);
            assert_eq!(known.metric("age"), Some(as_value(ago)), "{off_h}h {ago}s");
            assert_eq!(known.state, t.evaluate(as_value(ago)), "{off_h}h {ago}s");
            let unknown = judge(&feeds, &j, at_now(), None, &t);
            let age = unknown.metric("age");
            assert!(age.is_none_or(|a| a == as_value(ago)), "{off_h}h {ago}s: {age:?}");
            if unknown.state == State::Unknown {
                assert!(unknown.summary.contains("give --misp-timezone"), "{}", unknown.summary);
            } else {
                assert_eq!(unknown.state, t.evaluate(as_value(ago)), "{off_h}h {ago}s");
                assert!(unknown.details[0].contains("in MISP's unknown timezone"));
            }
            // The same MISP read as if in UTC would be wrong by the offset: refused.
            if off != 0 {
                let wrong = judge(&feeds, &j, at_now(), Some(0), &t);
                assert_ne!(wrong.metric("age"), Some(as_value(ago)));
            }
        }
    }
    // A fresh fetch is plainly fine whatever the zone, and a week-old one plainly stale.
    let j = |ago| jobs(vec![job(1, Some(3), 4, "Job done.", ago, 3 * 3600)]);
    assert_eq!(judge(&feeds, &j(600), at_now(), None, &t).state, State::Ok);
    assert_eq!(judge(&feeds, &j(7 * 24 * H), at_now(), None, &t).state, State::Critical);
    let future = judge(&feeds, &j(0), at_now(), Some(-5 * 3600), &t);
    assert_eq!(future.state, State::Unknown);
    assert!(future.summary.contains("ahead of this host's clock"), "{}", future.summary);
    // A failure told in the wrong zone is still a failure.
    let failed = jobs(vec![job(1, Some(3), 3, "Job failed.", 0, 3 * 3600)]);
    let o = judge(&feeds, &failed, at_now(), Some(-5 * 3600), &t);
    assert_eq!(o.state, State::Critical);
    assert!(o.summary.contains("last fetch failed at "), "{}", o.summary);
}
