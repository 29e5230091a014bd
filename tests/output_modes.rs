//! Every check, healthy and failing, in every output mode, with the contract's exit codes.

mod common;
use common::Misp;

const CHECKS: [&str; 8] = [
    "login", "events", "latency", "workers", "heal", "jobs", "stats", "users",
];

#[test]
fn healthy_in_every_mode() {
    let m = Misp::start();
    let state = m.path("state.json");
    for check in CHECKS {
        let run = |mode: &str| {
            let mut args = vec!["-o", mode];
            if check == "heal" {
                args.extend(["--state-file", state.as_str()]);
            }
            m.http(check, &args)
        };
        let okko = run("okko");
        assert_eq!(
            (okko.stdout.as_str(), okko.code, okko.stderr.as_str()),
            ("OK\n", 0, ""),
            "{check}"
        );
        let j = run("json").json();
        assert_eq!(j["check"], check);
        assert_eq!(j["state"], "OK");
        assert_eq!(j["exit_code"], 0);
        assert!(!j["metrics"].as_array().unwrap().is_empty(), "{check}: {j}");
        let n = run("nagios");
        n.expect(0, &format!("MISP {} OK - ", check.to_uppercase()));
        assert!(n.stderr.is_empty());
        let snmp = run("snmp");
        assert_eq!(snmp.code, 0);
        assert!(
            snmp.stdout.lines().all(|l| l.parse::<f64>().is_ok()),
            "{check}: {snmp:#?}"
        );
        let cacti = run("cacti");
        assert_eq!(cacti.stdout.lines().count(), 1);
        assert!(
            cacti.stdout.split_whitespace().all(|p| p.contains(':')),
            "{cacti:#?}"
        );
    }
}

#[test]
fn failing_in_every_mode() {
    // Nothing listens here: every check is CRITICAL, KO, and every snmp line -1.
    let url = "http://127.0.0.1:9";
    let m = Misp::start();
    let key = m.path("key");
    for check in CHECKS {
        let base = ["--url", url, "--key-file", key.as_str()];
        let with = |mode: &str| {
            let mut a = vec![check];
            a.extend_from_slice(&base);
            a.extend(["-o", mode]);
            common::run(&a)
        };
        with("nagios").expect(
            2,
            &format!(
                "MISP {} CRITICAL - connection refused by 127.0.0.1:9",
                check.to_uppercase()
            ),
        );
        let okko = with("okko");
        assert_eq!((okko.stdout.as_str(), okko.code), ("KO\n", 1));
        assert!(okko.stderr.contains("connection refused"), "{okko:#?}");
        assert_eq!(okko.stderr.lines().count(), 1);
        let j = with("json").json();
        assert_eq!(
            (j["state"].as_str(), j["exit_code"].as_u64()),
            (Some("CRITICAL"), Some(2))
        );
        let snmp = with("snmp");
        assert_eq!(snmp.code, 2);
        assert!(snmp.stdout.lines().all(|l| l == "-1"), "{snmp:#?}");
    }
}

#[test]
fn threshold_states_map_to_exit_codes() {
    let m = Misp::start();
    m.sim.set_backlog("default", 50);
    for (args, code, okko) in [
        (vec!["-w", "10", "-c", "100"], 1, "KO\n"),
        (vec!["-w", "10", "-c", "20"], 2, "KO\n"),
        (vec!["-w", "100"], 0, "OK\n"),
    ] {
        let mut a = args.clone();
        a.extend(["-o", "okko"]);
        assert_eq!(m.http("jobs", &a).stdout, okko);
        let mut a = args.clone();
        a.extend(["-o", "json"]);
        assert_eq!(m.http("jobs", &a).code, code);
        assert_eq!(m.http("jobs", &args).code, code);
    }
}
