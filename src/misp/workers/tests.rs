use super::*;
use serde_json::json;

fn w(ok: bool) -> Value {
    json!({"pid": 1, "user": "www-data", "alive": ok, "correct_user": true, "ok": ok})
}

#[test]
fn healthy_supervisor_table() {
    let v = json!({
        "cache": {"ok": true, "workers": [w(true), w(true)], "jobCount": 0},
        "default": {"ok": true, "workers": [w(true)], "jobCount": "3"},
        "email": {"ok": true, "workers": [w(true)], "jobCount": 0},
        "prio": {"ok": true, "workers": [w(true)], "jobCount": 0},
        "update": {"ok": true, "workers": [w(true)], "jobCount": "1"},
        "proc_accessible": true, "controls": 1, "supervisord_status": true
    });
    let t = parse(&v).unwrap();
    assert!(t.supervisor_mode());
    let s = t.summary();
    assert_eq!((s.alive, s.dead, s.jobs), (6, 0, 4));
    assert!(s.queues_down.is_empty());
}

#[test]
fn empty_queue_counts_as_one_dead_and_down() {
    let v = json!({
        "cache": {"ok": true, "workers": [w(true)], "jobCount": 0},
        "default": {"ok": true, "workers": [w(true), w(false)], "jobCount": 0},
        "email": {"ok": false, "jobCount": 87},
        "prio": {"ok": true, "workers": [w(true)], "jobCount": 0},
        "update": {"ok": true, "workers": [w(true)], "jobCount": 0},
        "scheduler": {"ok": false},
        "proc_accessible": true, "controls": 1
    });
    let s = parse(&v).unwrap().summary();
    assert_eq!((s.alive, s.dead, s.jobs), (4, 3, 87));
    assert_eq!(s.queues_down, vec!["email", "scheduler"]);
}

#[test]
fn legacy_ok_true_with_dead_entries_is_judged_from_entries() {
    let mut v = json!({});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": 0});
    }
    v["email"] = json!({"ok": true, "workers": [{"pid": 1507, "user": "www-data", "alive": false, "correct_user": true, "ok": false}], "jobCount": 0});
    let s = parse(&v).unwrap().summary();
    assert_eq!(s.dead, 1);
    assert_eq!(s.queues_down, vec!["email"]);
}

fn root(pid: u64) -> Value {
    json!({"pid": pid, "user": "root", "alive": false, "correct_user": false, "ok": false})
}

#[test]
fn workers_of_another_user_are_neither_alive_nor_dead() {
    let mut v = json!({"supervisord_status": true});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": 0});
    }
    v["email"] = json!({"ok": false, "workers": [root(7), root(8)], "jobCount": 0});
    v["prio"] = json!({"ok": true, "workers": [w(true), root(9)], "jobCount": 0});
    let t = parse(&v).unwrap();
    let s = t.summary();
    assert_eq!((s.alive, s.dead, s.wrong_user), (4, 0, 3));
    assert!(s.queues_down.is_empty());
    let email = &t.queues[2];
    assert_eq!((email.alive(), email.wrong_user()), (0, 2));
    assert_eq!(email.wrong_users(), vec!["root"]);
}

#[test]
fn min_workers_turns_a_shortfall_into_dead_workers() {
    let mut v = json!({"supervisord_status": true});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [w(true), w(true)], "jobCount": 0});
    }
    v["update"] = json!({"ok": true, "workers": [w(true)], "jobCount": 0});
    v["email"] = json!({"ok": false, "jobCount": 0});
    v["prio"] = json!({"ok": true, "workers": [w(true), root(3)], "jobCount": 0});
    let mins = MinWorkers::parse("2,update=1,email=3").unwrap();
    let s = parse(&v).unwrap().expecting(&mins).summary();
    // email: empty queue expected to hold 3; prio: the root worker gets the benefit of
    // the doubt; default and cache: exactly at the minimum.
    assert_eq!(s.dead, 3);
    assert_eq!(s.queues_down, vec!["email"]);
    assert!(s.short.is_empty(), "{:?}", s.short);
    let s = parse(&v)
        .unwrap()
        .expecting(&MinWorkers::parse("default=3").unwrap())
        .summary();
    assert_eq!(s.short, vec![("default".to_owned(), 2, 3)]);
    assert_eq!(s.dead, 2, "one missing in default, email empty");
}

fn layout(default: usize) -> Value {
    let mut v = json!({"supervisord_status": true});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": vec![w(true); 5], "jobCount": 0});
    }
    v["default"]["workers"] = json!(vec![w(true); default]);
    if default == 0 {
        v["default"] = json!({"ok": false, "jobCount": 0});
    }
    v
}

#[test]
fn fewer_workers_than_usual_count_as_dead_until_the_new_count_lasts() {
    let (day, url) = (86_400, "http://misp");
    let (t, mem) = parse(&layout(5)).unwrap().with_usual(None, url, 0, day);
    assert_eq!(t.summary().dead, 0);
    assert_eq!(
        mem.queues
            .iter()
            .find(|q| q.name == "default")
            .unwrap()
            .workers,
        5
    );
    // Two lost: counted as dead and named, the usual count kept.
    let (t, mem) = parse(&layout(3))
        .unwrap()
        .with_usual(Some(&mem), url, 100, day);
    let s = t.summary();
    assert_eq!(
        (s.dead, s.short.clone()),
        (2, vec![("default".to_owned(), 3, 5)])
    );
    assert!(t.queues[1].usual);
    // All gone: down, and the usual count is still 5 afterwards.
    let (t, mem) = parse(&layout(0))
        .unwrap()
        .with_usual(Some(&mem), url, 200, day);
    assert_eq!(t.summary().queues_down, vec!["default"]);
    let (t, mem2) = parse(&layout(3))
        .unwrap()
        .with_usual(Some(&mem), url, 300, day);
    assert_eq!(t.summary().dead, 2);
    // Three a day after the drop: the admin's new layout.
    let (t, mem3) = parse(&layout(3))
        .unwrap()
        .with_usual(Some(&mem2), url, 100 + day, day);
    assert_eq!(t.summary().dead, 0);
    let (t, _) = parse(&layout(3))
        .unwrap()
        .with_usual(Some(&mem3), url, 200 + day, day);
    assert_eq!(t.summary().dead, 0);
    // Another MISP's memory, or an explicit minimum, wins over it.
    let (t, _) = parse(&layout(3))
        .unwrap()
        .with_usual(Some(&mem2), "http://other", 400, day);
    assert_eq!(t.summary().dead, 0);
    let mins = MinWorkers::parse("default=3").unwrap();
    let (t, _) = parse(&layout(3))
        .unwrap()
        .expecting(&mins)
        .with_usual(Some(&mem2), url, 400, day);
    assert_eq!(t.summary().dead, 0);
}

#[test]
fn min_workers_for_a_queue_misp_does_not_list_expects_it() {
    let mut v = json!({});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": 0});
    }
    let s = parse(&v)
        .unwrap()
        .expecting(&MinWorkers::parse("scheduler=1").unwrap())
        .summary();
    assert_eq!(s.queues_down, vec!["scheduler"]);
}

#[test]
fn min_workers_values() {
    let m = MinWorkers::parse("5, update=1").unwrap();
    assert_eq!(m.for_queue("default"), Some(5));
    assert_eq!(m.for_queue("update"), Some(1));
    assert_eq!(
        MinWorkers::parse("email=2").unwrap().for_queue("prio"),
        None
    );
    for bad in [
        "",
        "x",
        "5,6",
        "email=",
        "=3",
        "email=-1",
        "email=1,email=2",
        "a b=1",
    ] {
        assert!(MinWorkers::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn alive_not_available_is_flagged_and_trusted_as_misp_does() {
    let mut v = json!({});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [{"pid": "12", "user": "www-data", "alive": "N/A", "correct_user": true, "ok": true}], "jobCount": "0"});
    }
    let s = parse(&v).unwrap().summary();
    assert_eq!((s.alive, s.dead), (5, 0));
    assert!(s.liveness_unknown);
}

#[test]
fn missing_core_queue_is_down() {
    let v = json!({"cache": {"ok": true, "workers": [w(true)], "jobCount": 0}, "proc_accessible": true});
    let s = parse(&v).unwrap().summary();
    assert_eq!(s.dead, 4);
    assert_eq!(s.queues_down.len(), 4);
}

#[test]
fn background_jobs_disabled_and_garbage() {
    assert_eq!(
        parse(&json!(["Background jobs not enabled"])),
        Err(ParseError::BackgroundJobsDisabled)
    );
    assert!(matches!(parse(&json!([])), Err(ParseError::Malformed(_))));
    assert!(matches!(
        parse(&json!({"name": "x", "message": "y"})),
        Err(ParseError::Malformed(_))
    ));
    let mut v = json!({});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": "nope"});
    }
    assert!(matches!(parse(&v), Err(ParseError::Malformed(_))));
}

#[test]
fn absurd_job_counts_are_malformed_not_wrapped() {
    let mut v = json!({"supervisord_status": true});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": true, "workers": [w(true)], "jobCount": "0"});
    }
    v["default"]["jobCount"] = json!("18446744073709551615");
    v["email"]["jobCount"] = json!("18446744073709551615");
    assert_eq!(
        parse(&v),
        Err(ParseError::Malformed(
            "queue 'default': jobCount is \"18446744073709551615\", beyond any real count (above 2^53)".into()
        ))
    );
    // The largest believable counts still add up without wrapping.
    v["default"]["jobCount"] = json!(super::super::MAX_COUNT);
    v["email"]["jobCount"] = json!(super::super::MAX_COUNT);
    assert_eq!(
        parse(&v).unwrap().summary().jobs,
        2 * super::super::MAX_COUNT
    );
}

#[test]
fn supervisord_down_every_queue_empty() {
    let mut v = json!({"proc_accessible": true, "controls": 1, "supervisord_status": false});
    for q in CORE_QUEUES {
        v[q] = json!({"ok": false, "jobCount": 2});
    }
    let t = parse(&v).unwrap();
    assert_eq!(t.supervisord_status, Some(false));
    let s = t.summary();
    assert_eq!((s.alive, s.dead, s.jobs), (0, 5, 10));
}

#[test]
fn ignored_queues_drop_out() {
    let v = json!({"cache": {"ok": true, "workers": [w(true)], "jobCount": 0}, "proc_accessible": true});
    let s = parse(&v)
        .unwrap()
        .without(&[
            "default".into(),
            "email".into(),
            "prio".into(),
            "update".into(),
        ])
        .summary();
    assert_eq!((s.alive, s.dead), (1, 0));
}
