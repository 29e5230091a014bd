//! Property tests of the parsers that read what MISP and the user send:
//! the getWorkers judge, the statistics parser, the range parser, and the JSON/status
//! reader in front of them. None of them may panic on any input, every error they return
//! is one line, and the worker judge agrees with a reference model written from the
//! contract on generated worker tables in both encodings.

#![allow(
    clippy::cast_precision_loss,
    reason = "the counts compared here are small"
)]

use check_misp::misp::{self, stats, version::MispVersion, workers};
use check_misp::range::{Range, RangeUnit};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

// ---- arbitrary JSON -----------------------------------------------------------------------

/// Keys MISP answers use, so random objects often look almost right.
const KEYS: [&str; 22] = [
    "cache",
    "default",
    "email",
    "prio",
    "update",
    "scheduler",
    "workers",
    "ok",
    "alive",
    "correct_user",
    "pid",
    "user",
    "jobCount",
    "supervisord_status",
    "proc_accessible",
    "controls",
    "stats",
    "event_count_month",
    "attribute_count_month",
    "user_count",
    "org_count",
    "message",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("N/A".to_owned()),
            Just("1".to_owned()),
            Just("0".to_owned()),
            Just("-1".to_owned()),
            Just("1e400".to_owned()),
            Just("Background jobs not enabled".to_owned()),
            "[0-9]{1,25}",
            "[0-9]{1,5}\\.[0-9]{1,3}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS.to_vec()).prop_map(String::from),
                        any::<String>()
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

// ---- generated worker tables and their reference model ----------------------------------

/// How a flag or count is written: MISP 2.4 numbers/booleans or MISP 2.5 strings.
#[derive(Clone, Copy, Debug)]
enum Enc {
    Json,
    Number,
    Text,
}

fn enc() -> impl Strategy<Value = Enc> {
    prop_oneof![Just(Enc::Json), Just(Enc::Number), Just(Enc::Text)]
}

fn flag(b: bool, e: Enc) -> Value {
    match e {
        Enc::Json => json!(b),
        Enc::Number => json!(u8::from(b)),
        Enc::Text => json!(if b { "1" } else { "0" }),
    }
}

fn count(n: u64, e: Enc) -> Value {
    match e {
        Enc::Text => json!(n.to_string()),
        _ => json!(n),
    }
}

#[derive(Clone, Debug)]
enum Alive {
    Missing,
    Flag(bool, Enc),
    NotAvailable,
}

#[derive(Clone, Debug)]
struct WorkerModel {
    ok: Option<(bool, Enc)>,
    alive: Alive,
    correct_user: Option<bool>,
    pid: Option<(u64, Enc)>,
}

impl WorkerModel {
    /// The contract: `ok` is MISP's own verdict; without it, alive (with "N/A" trusted, as
    /// PHP's truthiness does) and running as the right user.
    fn is_ok(&self) -> bool {
        match self.ok {
            Some((b, _)) => b,
            None => {
                let alive = match self.alive {
                    Alive::Missing => false,
                    Alive::Flag(b, _) => b,
                    Alive::NotAvailable => true,
                };
                alive && self.correct_user == Some(true)
            }
        }
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some((pid, e)) = self.pid {
            o.insert("pid".into(), count(pid, e));
        }
        o.insert("user".into(), json!("www-data"));
        match self.alive {
            Alive::Missing => {}
            Alive::Flag(b, e) => {
                o.insert("alive".into(), flag(b, e));
            }
            Alive::NotAvailable => {
                o.insert("alive".into(), json!("N/A"));
            }
        }
        if let Some(c) = self.correct_user {
            o.insert("correct_user".into(), json!(c));
        }
        if let Some((b, e)) = self.ok {
            o.insert("ok".into(), flag(b, e));
        }
        Value::Object(o)
    }
}

fn worker() -> impl Strategy<Value = WorkerModel> {
    (
        prop::option::of((any::<bool>(), enc())),
        prop_oneof![
            Just(Alive::Missing),
            (any::<bool>(), enc()).prop_map(|(b, e)| Alive::Flag(b, e)),
            Just(Alive::NotAvailable),
        ],
        prop::option::of(any::<bool>()),
        prop::option::of((1u64..100_000, enc())),
    )
        .prop_map(|(ok, alive, correct_user, pid)| WorkerModel {
            ok,
            alive,
            correct_user,
            pid,
        })
}

/// How a queue's worker list is sent.
#[derive(Clone, Debug)]
enum Entries {
    /// No `workers` key (supervisor mode, all processes gone).
    Missing,
    Null,
    /// An empty PHP array encoded as `{}`.
    EmptyObject,
    List(Vec<WorkerModel>),
}

#[derive(Clone, Debug)]
struct QueueModel {
    entries: Entries,
    job_count: Option<(u64, Enc)>,
    /// The queue's own `ok`, which the judge must ignore (MISP <= 2.4.132 lies in it).
    queue_ok: bool,
}

impl QueueModel {
    fn workers(&self) -> &[WorkerModel] {
        match &self.entries {
            Entries::List(w) => w,
            _ => &[],
        }
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("ok".into(), json!(self.queue_ok));
        match &self.entries {
            Entries::Missing => {}
            Entries::Null => {
                o.insert("workers".into(), Value::Null);
            }
            Entries::EmptyObject => {
                o.insert("workers".into(), json!({}));
            }
            Entries::List(w) => {
                o.insert(
                    "workers".into(),
                    Value::Array(w.iter().map(WorkerModel::to_json).collect()),
                );
            }
        }
        if let Some((n, e)) = self.job_count {
            o.insert("jobCount".into(), count(n, e));
        }
        Value::Object(o)
    }
}

fn queue() -> impl Strategy<Value = QueueModel> {
    (
        prop_oneof![
            Just(Entries::Missing),
            Just(Entries::Null),
            Just(Entries::EmptyObject),
            prop::collection::vec(worker(), 0..6).prop_map(Entries::List),
        ],
        prop::option::of((0u64..1_000_000, enc())),
        any::<bool>(),
    )
        .prop_map(|(entries, job_count, queue_ok)| QueueModel {
            entries,
            job_count,
            queue_ok,
        })
}

#[derive(Clone, Debug)]
struct TableModel {
    /// Queues present in the answer, by name (a core queue may be absent).
    queues: Vec<(String, QueueModel)>,
    /// Top-level keys that are not queues: installation facts and anything else.
    extras: Vec<(String, Value)>,
}

impl TableModel {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        for (k, v) in &self.extras {
            o.insert(k.clone(), v.clone());
        }
        for (name, q) in &self.queues {
            o.insert(name.clone(), q.to_json());
        }
        Value::Object(o)
    }

    /// The contract's counts, computed the plain way: every core queue is expected
    /// (absent = no live worker), then scheduler, then other queues by name.
    fn expected(&self) -> Option<workers::Summary> {
        if self.queues.is_empty() {
            return None;
        }
        let find = |n: &str| self.queues.iter().find(|(k, _)| k == n).map(|(_, q)| q);
        let mut names: Vec<String> = workers::CORE_QUEUES
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        let mut others: Vec<String> = self
            .queues
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !workers::CORE_QUEUES.contains(&k.as_str()))
            .collect();
        others.sort_by_key(|k| (k != "scheduler", k.clone()));
        names.extend(others);
        let mut s = workers::Summary::default();
        for name in names {
            let q = find(&name);
            let entries: &[WorkerModel] = q.map_or(&[], QueueModel::workers);
            let alive = entries.iter().filter(|w| w.is_ok()).count() as u64;
            // Another user's workers: MISP cannot see them, so neither alive nor dead.
            let wrong = entries
                .iter()
                .filter(|w| !w.is_ok() && w.correct_user == Some(false))
                .count() as u64;
            s.alive += alive;
            s.wrong_user += wrong;
            s.dead += if entries.is_empty() {
                1
            } else {
                entries.len() as u64 - alive - wrong
            };
            if alive == 0 && wrong == 0 {
                s.queues_down.push(name.clone());
            }
            // A queue MISP always has, without a length, has an unknown backlog, not none.
            if let Some((n, _)) = q.and_then(|q| q.job_count) {
                s.jobs += n;
                s.jobs_by_queue.push((name.clone(), n));
            } else if workers::CORE_QUEUES.contains(&name.as_str()) {
                s.jobs_unknown.push(name.clone());
            }
            s.liveness_unknown |= entries
                .iter()
                .any(|w| matches!(w.alive, Alive::NotAvailable));
        }
        Some(s)
    }
}

fn extra() -> impl Strategy<Value = (String, Value)> {
    prop_oneof![
        (any::<bool>(), enc()).prop_map(|(b, e)| ("proc_accessible".to_owned(), flag(b, e))),
        (any::<bool>(), enc()).prop_map(|(b, e)| ("supervisord_status".to_owned(), flag(b, e))),
        Just(("controls".to_owned(), json!(1))),
        // Keys a later MISP might add: scalars, lists, objects that are not queues.
        ("[a-z_]{1,12}", leaf()).prop_map(|(k, v)| (format!("x_{k}"), v)),
        "[a-z_]{1,12}".prop_map(|k| (format!("x_{k}"), json!({"message": "n/a", "count": 3}))),
        "[a-z_]{1,12}".prop_map(|k| (format!("x_{k}"), json!([1, "two"]))),
    ]
}

fn table() -> impl Strategy<Value = TableModel> {
    let names = prop::sample::subsequence(
        vec![
            "cache",
            "default",
            "email",
            "prio",
            "update",
            "scheduler",
            "zeta",
            "alpha",
        ],
        0..=8,
    );
    (
        names,
        prop::collection::vec(queue(), 8),
        prop::collection::vec(extra(), 0..4),
    )
        .prop_map(|(names, queues, extras)| TableModel {
            queues: names.into_iter().map(String::from).zip(queues).collect(),
            extras,
        })
}

// ---- ranges ------------------------------------------------------------------------------

/// A range as a person writes it, with the numbers it stands for.
#[derive(Clone, Debug)]
struct RangeModel {
    text: String,
    start: f64,
    end: f64,
    inside: bool,
}

/// A number written as plain or one-decimal text.
fn number_text() -> impl Strategy<Value = (String, f64)> {
    prop_oneof![
        // Zero and its spellings are where the syntax has its special cases.
        prop::sample::select(vec!["0", "0.0", "-0", "00"]).prop_map(|t| (t.to_owned(), 0.0)),
        (-1000i32..1000).prop_map(|n| (n.to_string(), f64::from(n))),
        (-10_000i32..10_000).prop_map(|n| {
            let text = format!(
                "{}{}.{}",
                if n < 0 { "-" } else { "" },
                n.abs() / 10,
                n.abs() % 10
            );
            let value = text.parse().unwrap();
            (text, value)
        }),
    ]
}

fn range_model() -> impl Strategy<Value = RangeModel> {
    (
        any::<bool>(),
        prop_oneof![
            Just(None),                                      // "END"
            Just(Some((String::new(), 0.0))),                // ":END"
            Just(Some(("~".to_owned(), f64::NEG_INFINITY))), // "~:END"
            number_text().prop_map(Some),                    // "START:END"
        ],
        prop::option::of(number_text()),
    )
        .prop_filter_map("start above end", |(inside, start, end)| {
            // A bare number must be an end; "START:" leaves the end open.
            let (end_text, end) = match (&start, end) {
                (None, None) => return None,
                (_, Some((t, v))) => (t, v),
                (Some(_), None) => (String::new(), f64::INFINITY),
            };
            let (text, start) = match start {
                None => (end_text, 0.0),
                Some((st, sv)) => (format!("{st}:{end_text}"), sv),
            };
            (start <= end && !text.is_empty() && text != ":").then(|| RangeModel {
                text: format!("{}{text}", if inside { "@" } else { "" }),
                start,
                end,
                inside,
            })
        })
}

// ---- properties --------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever JSON getWorkers answers with, the parser and the judge return, and every
    /// error is one line (it ends up on okko's single stderr line).
    #[test]
    fn worker_parser_never_panics(v in any_json()) {
        match workers::parse(&v) {
            Ok(t) => {
                let s = t.summary();
                prop_assert!(s.queues_down.len() as u64 <= s.dead);
                prop_assert!(t.queues.len() >= workers::CORE_QUEUES.len());
            }
            Err(workers::ParseError::Malformed(m)) => prop_assert!(!m.contains('\n'), "{}", m),
            Err(workers::ParseError::BackgroundJobsDisabled) => {}
        }
    }

    /// On generated worker tables (both encodings, missing `workers` keys, `alive: "N/A"`,
    /// queues whose `ok` lies, extra non-queue keys), the judge equals the reference model.
    #[test]
    fn worker_summary_matches_the_reference_model(model in table()) {
        let v = model.to_json();
        match (workers::parse(&v), model.expected()) {
            (Ok(t), Some(want)) => prop_assert_eq!(t.summary(), want, "{}", v),
            (Err(workers::ParseError::Malformed(_)), None) => {}
            (got, want) => prop_assert!(false, "{v}: got {got:?}, want {want:?}"),
        }
    }

    /// Same for the statistics answer.
    #[test]
    fn stats_parser_never_panics(v in any_json()) {
        if let Err(m) = stats::parse(&v) {
            prop_assert!(!m.contains('\n'), "{}", m);
        }
        let wrapped = json!({"stats": v});
        if let Err(m) = stats::parse(&wrapped) {
            prop_assert!(!m.contains('\n'), "{}", m);
        }
    }

    /// Generated statistics in either encoding (and with the floats MISP 2.4 sends for
    /// averages) read back to the same four figures.
    #[test]
    fn stats_parser_reads_both_encodings(
        figures in prop::array::uniform4(0u64..u64::from(u32::MAX)),
        e in enc(),
        average in 0u32..1000,
    ) {
        let [em, am, users, orgs] = figures;
        let v = json!({"stats": {
            "event_count": count(em * 3, e),
            "event_count_month": count(em, e),
            "attribute_count_month": count(am, e),
            "attributes_per_event": json!(f64::from(average)),
            "user_count": count(users, e),
            "org_count": count(orgs, e),
            "average_user_per_org": json!(f64::from(average) / 4.0),
        }});
        let s = stats::parse(&v).unwrap();
        prop_assert_eq!(
            (s.events_month, s.attributes_month, s.users, s.orgs),
            (em, am, users, orgs)
        );
    }

    /// Any status, content type and body: the reader names a cause in one line, never
    /// panics, and only a 2xx with a JSON body gets through.
    #[test]
    fn response_reader_never_panics_and_errors_are_one_line(
        status in 100u16..600,
        ctype in prop_oneof![
            Just("application/json"), Just("text/html; charset=UTF-8"), Just(""), Just("text/plain")
        ],
        location in prop::option::of(any::<String>()),
        body in prop_oneof![
            any_json().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..200),
            any::<String>().prop_map(|s| format!("{{\"message\":{}}}", json!(s)).into_bytes()),
        ],
    ) {
        let mut headers = hyper::HeaderMap::new();
        if let Ok(v) = hyper::header::HeaderValue::from_str(ctype) {
            headers.insert(hyper::header::CONTENT_TYPE, v);
        }
        if let Some(loc) = location.as_deref().and_then(|l| hyper::header::HeaderValue::from_str(l).ok()) {
            headers.insert(hyper::header::LOCATION, loc);
        }
        let resp = check_misp::http::Response {
            status,
            headers,
            body: bytes::Bytes::from(body),
            timings: Default::default(),
            prefix: String::new(),
        };
        match misp::json(&resp, "GET", "/servers/getWorkers") {
            Ok(_) => prop_assert!((200..300).contains(&status)),
            Err(e) => {
                let text = e.to_string();
                prop_assert!(!text.contains(['\n', '\r']), "{:?}", text);
            }
        }
    }

    /// No text makes the range parser panic, in either unit, and errors are one line.
    #[test]
    fn range_parser_never_panics(text in prop_oneof![
        any::<String>(),
        "[@~:0-9.eE+-]{0,12}",
        "[@~:0-9]{0,6}(ms|s|m|h|d|us|ns|x)?",
    ]) {
        for unit in [RangeUnit::Count, RangeUnit::Seconds] {
            if let Err(e) = Range::parse(&text, unit) {
                let m = e.to_string();
                prop_assert!(m.lines().count() <= 1, "{:?}", m);
            }
        }
    }

    /// Generated ranges parse, alert exactly as the Monitoring Plugins guidelines say
    /// (outside [start, end], or inside with `@`), and print back as an equal range.
    #[test]
    fn ranges_alert_as_the_guidelines_say(
        r in range_model(),
        values in prop::collection::vec(-2000.0f64..2000.0, 1..16),
    ) {
        let parsed = Range::parse(&r.text, RangeUnit::Count).unwrap();
        let mut probes = values;
        probes.extend([r.start, r.end, 0.0]);
        for v in probes.into_iter().filter(|v| v.is_finite()) {
            let within = v >= r.start && v <= r.end;
            prop_assert_eq!(parsed.alerts(v), within == r.inside, "{} at {}", r.text, v);
        }
        let shown = parsed.to_string();
        let again = Range::parse(&shown, RangeUnit::Count);
        prop_assert_eq!(again.as_ref().ok(), Some(&parsed), "{} printed as {:?}", r.text, shown);
    }

    /// Any command line, however mangled (a poller splitting `args` on spaces, a link
    /// under any name), is parsed or refused with a one-line message: never a panic.
    #[test]
    fn command_line_parser_never_panics(
        argv0 in prop_oneof![
            Just("check_misp".to_owned()),
            prop::sample::select(check_misp::CheckName::NAMES.to_vec())
                .prop_map(|c| format!("/usr/lib/nagios/plugins/check_misp_{c}")),
            "check_misp[-_][a-z_-]{0,10}",
        ],
        args in prop::collection::vec(
            prop_oneof![
                prop::sample::select(check_misp::CheckName::NAMES.to_vec()).prop_map(String::from),
                prop::sample::select(vec![
                    "-u", "--url", "-H", "-t", "--timeout", "-w", "-c", "-o", "okko", "json",
                    "--insecure", "-v", "--key", "--settle", "--cooldown", "--max-age",
                    "--expect-status", "--limit", "--timeout-result", "--only", "--",
                    "http://127.0.0.1:9", "https://[::1]:0/x", "10", "0", "@1:2", "~:", "1e9",
                ]).prop_map(String::from),
                any::<String>(),
            ],
            0..8,
        ),
    ) {
        let mut argv: Vec<std::ffi::OsString> = vec![argv0.into()];
        argv.extend(args.into_iter().map(Into::into));
        if let Err(check_misp::cli::NotRun::Bad { message, .. }) = check_misp::cli::parse(argv) {
            prop_assert!(!message.contains('\n'), "{:?}", message);
        }
    }

    /// A duration end point means its number of seconds: `-c 1500ms` alerts just above
    /// 1.5 s and not just below.
    #[test]
    fn duration_end_points_are_seconds(ms in 1u64..10_000_000) {
        let secs = ms as f64 / 1000.0;
        for text in [format!("{ms}ms"), format!("{secs}s"), format!("{secs}")] {
            let r = Range::parse(&text, RangeUnit::Seconds).unwrap();
            prop_assert!(!r.alerts(secs - 0.0005) && r.alerts(secs + 0.0005), "{}", text);
        }
    }

    /// No text makes either version parser panic. A bound (`--min-version`) is numbers
    /// only: whatever `parse_bound` accepts prints back as the same version, and is
    /// exactly `[v]X.Y[.Z]`.
    #[test]
    fn version_parsers_never_panic_and_bounds_are_exact(text in prop_oneof![
        any::<String>(),
        "[vV]?[0-9]{1,3}(\\.[0-9x]{0,3}){0,4}[a-z.+ -]{0,3}",
    ]) {
        let _ = MispVersion::parse(&text);
        if let Some(v) = MispVersion::parse_bound(&text) {
            let t = text.trim();
            let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
            prop_assert!(t.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())), "{:?}", text);
            prop_assert_eq!(MispVersion::parse_bound(&v.to_string()), Some(v));
        }
    }

    /// A generated bound reads back exactly; the same with anything after it is refused.
    #[test]
    fn version_bounds_refuse_any_suffix(
        major in 0u64..100, minor in 0u64..100, hotfix in prop::option::of(0u64..1000),
        v in any::<bool>(),
        suffix in "[a-zA-Z+_-][a-zA-Z0-9.+_-]{0,4}|\\.[a-zA-Z.+_-]{0,3}|\\.[0-9]{1,3}\\.[0-9]{0,3}",
    ) {
        let text = format!(
            "{}{major}.{minor}{}",
            if v { "v" } else { "" },
            hotfix.map(|h| format!(".{h}")).unwrap_or_default()
        );
        let want = MispVersion { major, minor, hotfix: hotfix.unwrap_or(0) };
        prop_assert_eq!(MispVersion::parse_bound(&text), Some(want));
        prop_assert_eq!(MispVersion::parse_bound(&format!("{text}{suffix}")), None, "{}{}", text, suffix);
    }

    /// Every count read from MISP is at most 2^53, `count` agrees with `number`, and its
    /// error names the field in one line.
    #[test]
    fn counts_are_bounded_and_errors_name_the_field(v in leaf()) {
        let n = misp::number(&v);
        prop_assert!(n.is_none_or(|n| n <= misp::MAX_COUNT), "{}", v);
        match misp::count(&v, "jobCount") {
            Ok(c) => prop_assert_eq!(Some(c), n),
            Err(e) => {
                prop_assert!(n.is_none());
                prop_assert!(e.starts_with("jobCount is ") && !e.contains('\n'), "{}", e);
            }
        }
    }

    /// Job counts over the whole u64 range, in both encodings: the table is read with
    /// the exact total, or refused naming jobCount when a count is beyond 2^53; never a
    /// wrapped-around total (or, in a debug build, an overflow panic).
    #[test]
    fn job_counts_never_wrap(
        counts in prop::array::uniform5(prop_oneof![
            0u64..1000,
            (misp::MAX_COUNT - 2)..=(misp::MAX_COUNT + 2),
            any::<u64>(),
        ]),
        e in enc(),
    ) {
        let mut v = json!({"supervisord_status": true});
        for (q, n) in workers::CORE_QUEUES.iter().zip(counts) {
            v[*q] = json!({"ok": true, "workers": [{"pid": 1, "ok": true}], "jobCount": count(n, e)});
        }
        match workers::parse(&v) {
            Ok(t) => {
                prop_assert!(counts.iter().all(|n| *n <= misp::MAX_COUNT));
                prop_assert_eq!(u128::from(t.summary().jobs), counts.iter().map(|n| u128::from(*n)).sum::<u128>());
            }
            Err(workers::ParseError::Malformed(m)) => {
                prop_assert!(counts.iter().any(|n| *n > misp::MAX_COUNT), "{}", m);
                prop_assert!(m.contains("jobCount is ") && m.contains("above 2^53"), "{}", m);
            }
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }
}
