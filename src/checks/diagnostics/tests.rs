use super::*;
use serde_json::json;

fn healthy() -> Value {
    json!({
        "version": {"current": "v2.5.1", "newest": "v2.5.1", "upToDate": "same"},
        "moduleStatus": {"Enrichment": 0, "Import": 0, "Export": 0, "Cortex": 1},
        "writeableDirs": {"/var/www/MISP/app/tmp": 0, "/var/www/MISP/app/files": 0},
        "writeableFiles": {"/var/www/MISP/app/Config/config.php": 0, "/var/www/MISP/.git/ORIG_HEAD": 1},
        "dbSchemaDiagnostics": {"actual_db_version": "128", "expected_db_version": 128, "update_fail_number_reached": false},
        "redisInfo": {"extensionVersion": "5.3.7", "connection": true},
        "finalSettings": [
            {"level": 0, "setting": "MISP.baseurl", "value": "https://misp", "type": "string", "error": 0},
            {"level": 1, "setting": "MISP.welcome_text_top", "error": 1, "errorMessage": "Recommended"},
            {"level": 0, "setting": "MISP.live", "value": true, "error": 0}
        ],
        "backgroundJobsStatus": "OK"
    })
}

#[test]
fn simple_background_jobs_unconfigured_is_no_finding_on_cakeresque() {
    let mut r = healthy();
    r["backgroundJobsStatus"] = json!("Not configured (so not tested)");
    let o = judge(&r, &[]).unwrap();
    assert_eq!(o.state, State::Warning, "{o:#?}");
    assert!(o.summary.contains("background jobs are not configured"), "{}", o.summary);
    for (setting, value) in [("SimpleBackgroundJobs.enabled", false), ("MISP.background_jobs", true)] {
        r["finalSettings"].as_array_mut().unwrap().push(
            json!({"level": 1, "setting": setting, "value": value, "type": "boolean", "error": 0}),
        );
    }
    let o = judge(&r, &[]).unwrap();
    assert_eq!(o.state, State::Ok, "{o:#?}");
}

#[test]
fn healthy_report_is_ok() {
    let o = judge(&healthy(), &[]).unwrap();
    assert_eq!(o.state, State::Ok, "{o:#?}");
    assert_eq!(o.summary, "no problem found in 9 diagnostics");
    assert_eq!(o.metric("findings"), Some(0.0));
    assert_eq!(o.metric("settings_errors"), Some(0.0));
    assert!(o
        .details
        .iter()
        .any(|d| d.contains("ORIG_HEAD does not exist (not judged)")));
}

#[test]
fn every_finding_is_found_and_named() {
    let breakers: [(&str, &str, Value, State); 9] = [
        (
            "background_jobs",
            "/backgroundJobsStatus",
            json!("Error connecting to Redis."),
            State::Critical,
        ),
        (
            "redis",
            "/redisInfo/connection",
            json!(false),
            State::Critical,
        ),
        (
            "db_schema",
            "/dbSchemaDiagnostics/actual_db_version",
            json!("127"),
            State::Warning,
        ),
        (
            "version",
            "/version/upToDate",
            json!("older"),
            State::Warning,
        ),
        (
            "writeable_dirs",
            "/writeableDirs/~1var~1www~1MISP~1app~1tmp",
            json!(2),
            State::Critical,
        ),
        (
            "writeable_files",
            "/writeableFiles/~1var~1www~1MISP~1app~1Config~1config.php",
            json!(2),
            State::Warning,
        ),
        (
            "modules",
            "/moduleStatus/Enrichment",
            json!("Could not connect to the module server."),
            State::Warning,
        ),
        (
            "settings",
            "/finalSettings/0/error",
            json!(1),
            State::Warning,
        ),
        (
            "live",
            "/finalSettings/2/value",
            json!(false),
            State::Critical,
        ),
    ];
    for (name, pointer, value, state) in breakers {
        let mut r = healthy();
        *r.pointer_mut(pointer).unwrap() = value;
        let o = judge(&r, &[]).unwrap();
        assert_eq!(o.state, state, "{name}: {o:#?}");
        assert_eq!(o.metric("findings"), Some(1.0), "{name}");
        assert!(
            o.details[0].contains(&format!(" {name}: ")),
            "{name}: {o:#?}"
        );
        let quiet = judge(&r, &[Finding::from_str(name, false).unwrap()]).unwrap();
        assert_eq!(quiet.state, State::Ok, "{name} not ignored");
        assert!(quiet
            .details
            .iter()
            .any(|d| d.starts_with(&format!("ignored {name}:"))));
    }
}

#[test]
fn counts_and_worst_first() {
    let mut r = healthy();
    r["finalSettings"] = json!([
        {"level": 0, "setting": "MISP.baseurl", "error": 1, "errorMessage": "empty"},
        {"level": "0", "setting": "Security.salt", "error": "1"},
        {"level": 0, "setting": "MISP.org", "error": 0}
    ]);
    r["redisInfo"] = json!({"connection": false, "connection_error": "Connection refused"});
    r["writeableDirs"]["/var/www/MISP/app/files"] = json!(1);
    let o = judge(&r, &[]).unwrap();
    assert_eq!(o.state, State::Critical);
    assert_eq!(o.metric("settings_errors"), Some(2.0));
    assert_eq!(o.metric("unwritable_dirs"), Some(1.0));
    assert_eq!(o.metric("findings"), Some(3.0));
    assert!(o.summary.starts_with("3 problems: MISP cannot reach Redis (Connection refused); 1 directory MISP cannot write: /var/www/MISP/app/files (missing); 2 critical settings errors (MISP.baseurl, Security.salt)"), "{}", o.summary);
}

#[test]
fn missing_sections_are_named_and_nothing_left_is_unknown() {
    let mut r = healthy();
    let o = r.as_object_mut().unwrap();
    o.remove("redisInfo");
    o.insert("moduleStatus".into(), Value::Null);
    o.insert("finalSettings".into(), json!("n/a"));
    let out = judge(&r, &[]).unwrap();
    assert_eq!(out.state, State::Ok);
    assert_eq!(
        out.summary,
        "no problem found in 5 diagnostics; not judged, missing from MISP's report: redis (redisInfo), modules (moduleStatus), settings (finalSettings), live (finalSettings)"
    );
    // Ignoring a missing section silences it.
    let quiet = judge(
        &r,
        &[
            Finding::Redis,
            Finding::Modules,
            Finding::Settings,
            Finding::Live,
        ],
    )
    .unwrap();
    assert_eq!(quiet.summary, "no problem found in 5 diagnostics");
    // A problem found still counts, and the gap is still named.
    r["redisInfo"] = json!({"connection": false});
    r["version"]["upToDate"] = json!("older");
    let bad = judge(&r, &[]).unwrap();
    assert_eq!(bad.state, State::Critical);
    assert!(
        bad.summary
            .ends_with("; not judged, missing from MISP's report: modules (moduleStatus), settings (finalSettings), live (finalSettings)"),
        "{}",
        bad.summary
    );

    let bare = judge(&json!({"version": "2.4.21"}), &[]).unwrap();
    assert_eq!(bare.state, State::Unknown);
    assert_eq!(
        bare.summary,
        "nothing to judge: MISP's report lacks background_jobs (backgroundJobsStatus), redis (redisInfo), db_schema (dbSchemaDiagnostics), version (version), writeable_dirs (writeableDirs), writeable_files (writeableFiles), modules (moduleStatus), settings (finalSettings), live (finalSettings)"
    );
    let only_redis = json!({"redisInfo": {"connection": true}});
    let o = judge(&only_redis, &[Finding::Redis]).unwrap();
    assert_eq!(o.state, State::Unknown, "{o:#?}");
}

#[test]
fn repeated_ignores_count_once() {
    let o = judge(&healthy(), &[Finding::Redis, Finding::Redis]).unwrap();
    assert_eq!(o.summary, "no problem found in 8 diagnostics");
    let none = judge(&healthy(), Finding::value_variants()).unwrap();
    assert_eq!(none.state, State::Unknown);
    assert_eq!(
        none.summary,
        "nothing to judge: every diagnostic is ignored"
    );
}

#[test]
fn something_else_is_malformed() {
    assert!(matches!(
        judge(&json!({"name": "Not Found"}), &[]),
        Err(Error::Malformed { .. })
    ));
    assert!(judge(&json!([1, 2]), &[]).is_err());
}
