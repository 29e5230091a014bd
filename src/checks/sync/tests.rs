use super::*;
use serde_json::json;

const T: Duration = Duration::from_secs(15);

fn server(id: &str, name: &str, pull: bool, push: bool) -> Server {
    Server {
        id: id.into(),
        name: name.into(),
        url: format!("https://{name}.example"),
        pull,
        push,
    }
}

fn answered(v: Value) -> Tested {
    Tested {
        answer: Ok(v),
        took: Duration::from_millis(250),
    }
}

fn one(s: Server, t: Tested) -> Outcome {
    let sel = Selection {
        tested: vec![s],
        total: 1,
        ..Selection::default()
    };
    judge(&sel, &[t], T)
}

fn ok_answer() -> Value {
    json!({"status": 1, "local_version": "2.5.1", "version": "2.5.1", "mismatch": "proposal",
           "newer": false, "post": 1, "client_certificate": null, "uuid": "x"})
}

#[test]
fn index_entries_keep_no_key_and_no_url_credentials() {
    let key = "PartnerKey000000000000000000000000000001";
    let index = json!([
        {"Server": {"id": "1", "name": "a", "url": "https://u:secret@a.example/misp", "authkey": key,
                    "push": true, "pull": false}},
        {"Server": {"id": 2, "name": "b", "url": "https://b.example", "push": "0", "pull": "0"}}
    ]);
    let servers = parse_index(&index).unwrap();
    assert_eq!(servers[0].url, "https://a.example/misp");
    assert!(servers[0].push && !servers[0].pull);
    assert_eq!(servers[1].id, "2");
    assert!(!servers[1].enabled());
    assert!(!format!("{servers:?}").contains(key));
    let e = parse_index(&json!([{"Server": {"id": "1/../2", "name": "x"}}])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unexpected answer to /servers/index: entry 0 has no numeric server id"
    );
    let e = parse_index(&json!({"Server": []})).unwrap_err();
    assert_eq!(e.to_string(), "unexpected answer to /servers/index: not a list of servers");
}

#[test]
fn selection_by_name_or_id_and_ignores() {
    let all = [
        server("1", "Alpha", true, true),
        server("2", "beta", true, false),
        server("3", "off", false, false),
    ];
    let names = |s: &Selection| s.tested.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let none: &[String] = &[];
    assert_eq!(names(&select(&all, none, none)), ["Alpha", "beta"]);
    let s = select(&all, &["alpha".into(), "3".into(), "gamma".into()], none);
    assert_eq!(names(&s), ["Alpha"]);
    assert_eq!(s.disabled[0].name, "off");
    assert_eq!(s.unknown, ["gamma"]);
    let s = select(&all, none, &["2".into()]);
    assert_eq!((names(&s), s.ignored), (vec!["Alpha".to_owned()], 1));
}

#[test]
fn connected_is_ok_and_proposal_is_no_mismatch() {
    let o = one(server("1", "a", true, true), answered(ok_answer()));
    assert_eq!(o.state, State::Ok);
    assert_eq!(o.summary, "1 sync server connected");
    assert_eq!(o.metric("connected"), Some(1.0));
    assert_eq!(o.metric("failing"), Some(0.0));
    assert_eq!(o.metric("time_a"), Some(0.25));
}

#[test]
fn failed_post_matters_only_when_pushing() {
    for (post, why) in [(8, "could not POST"), (9, "body"), (10, "headers")] {
        let mut a = ok_answer();
        a["post"] = json!(post);
        let o = one(server("1", "a", true, true), answered(a.clone()));
        assert_eq!(o.state, State::Critical, "{post}");
        assert!(o.summary.contains("pushing will fail") && o.summary.contains(why), "{}", o.summary);
        let pull_only = one(server("1", "a", true, false), answered(a));
        assert_eq!(pull_only.state, State::Ok, "{post}");
        assert!(pull_only.details[0].contains("push is off"), "{:?}", pull_only.details);
    }
    let mut old = ok_answer();
    old["post"] = json!("too old");
    assert_eq!(one(server("1", "a", true, true), answered(old)).state, State::Ok);
}

#[test]
fn major_or_minor_mismatch_warns_hotfix_does_not() {
    let mut a = ok_answer();
    a["version"] = json!("2.4.199");
    a["mismatch"] = json!("minor");
    a["newer"] = json!("local");
    let o = one(server("1", "a", true, true), answered(a.clone()));
    assert_eq!(o.state, State::Warning);
    assert!(
        o.summary.contains("minor version mismatch: the partner runs 2.4.199, this MISP 2.5.1 (only pulling works): update the partner"),
        "{}",
        o.summary
    );
    a["mismatch"] = json!("hotfix");
    assert_eq!(one(server("1", "a", true, true), answered(a)).state, State::Ok);
}

#[test]
fn every_failure_status_names_the_server_and_the_remedy() {
    let cases = [
        (2, true, State::Critical, "unreachable: check that the partner is up"),
        (3, true, State::Critical, "unexpected answer"),
        (4, true, State::Critical, "the partner refused the key: "),
        (5, true, State::Critical, "must change its password: log in"),
        (6, true, State::Critical, "terms of use: log in"),
        (7, true, State::Critical, "not a sync user (pushing fails): give"),
        (7, false, State::Warning, "not a sync user (pull only)"),
        (8, true, State::Critical, "only push sightings"),
        (8, false, State::Warning, "only push sightings"),
        (11, true, State::Unknown, "connection status 11, unknown"),
    ];
    for (status, push, state, text) in cases {
        let o = one(
            server("7", "partner", true, push),
            answered(json!({"status": status, "client_certificate": null})),
        );
        assert_eq!(o.state, state, "{status}");
        assert!(
            o.summary.starts_with("server \"partner\" (https://partner.example): ") && o.summary.contains(text),
            "{status}: {}",
            o.summary
        );
        assert_eq!(o.metric("connected"), Some(0.0));
        assert_eq!(o.metric("failing"), Some(1.0));
    }
}

#[test]
fn a_test_past_the_deadline_is_named_and_the_others_still_count() {
    let sel = Selection {
        tested: vec![server("1", "slow", true, true), server("2", "fine", true, true)],
        total: 2,
        ..Selection::default()
    };
    let timeout = Error::Timeout {
        after: "5s".into(),
        phase: crate::error::Phase::ResponseHeaders,
    };
    let results = [
        Tested {
            answer: Err(timeout),
            took: Duration::from_secs(5),
        },
        answered(ok_answer()),
    ];
    let o = judge(&sel, &results, Duration::from_secs(5));
    assert_eq!(o.state, State::Critical);
    assert!(
        o.summary.starts_with("server \"slow\" (https://slow.example): did not answer within 5s: MISP is still waiting"),
        "{}",
        o.summary
    );
    assert!(o.summary.ends_with("; 1 of 2 fine"), "{}", o.summary);
    assert!(o.details[1].starts_with("[OK] server \"fine\""), "{:?}", o.details);
    assert_eq!(o.metric("connected"), Some(1.0));
}

#[test]
fn nothing_to_test_is_ok_and_says_why() {
    let none = judge(&Selection::default(), &[], T);
    assert_eq!(none.state, State::Ok);
    assert_eq!(none.summary, "no sync server to test: MISP has no servers configured");
    let off = Selection {
        total: 2,
        ..Selection::default()
    };
    assert!(judge(&off, &[], T).summary.contains("none of MISP's 2 servers has pull or push"));
    let ignored = Selection {
        total: 1,
        ignored: 1,
        ..Selection::default()
    };
    assert_eq!(judge(&ignored, &[], T).summary, "no sync server left to test: 1 server ignored");
}

#[test]
fn same_labels_get_the_id() {
    let sel = Selection {
        tested: vec![server("1", "a b", true, true), server("2", "a-b", true, true)],
        total: 2,
        ..Selection::default()
    };
    let o = judge(&sel, &[answered(ok_answer()), answered(ok_answer())], T);
    assert!(o.metric("time_a_b").is_some() && o.metric("time_a_b_2").is_some());
}
