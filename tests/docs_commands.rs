//! Every command the README and `docs/` show is one a test runs.
//!
//! A `check_misp` command (a `$ check_misp ...` line in any code block, or a `check_misp ...`
//! line in a ```sh block) is run here against the simulator, its URL, key file, CA, cache
//! file, address and proxy replaced by the simulator's; where the docs show its output, the
//! first line must name the same check and state (or, for `snmp`/`cacti`, have the same
//! shape). Any other command shown must be in [`OTHER_COMMANDS`] with the test that runs it
//! (which must exist) or the reason no test can, so a new command shown fails here until it is
//! placed.

mod common;

use common::{bin, run_with, Misp, Run};
use misp_sim::{Connection, Sim, SyncServer};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Who runs a command shown in the docs.
enum Runner {
    /// A file of the repository and a text it holds: the test function (`fn name(`) or the
    /// line that runs the command.
    Test(&'static str, &'static str),
    /// No test can run it, and why.
    Exempt(&'static str),
}

use Runner::{Exempt, Test};

const DEB: Runner = Test(
    "tests/deb.rs",
    "fn deb_builds_passes_lintian_installs_runs_and_purges_cleanly(",
);
const INSTALL_SH: Runner = Test(
    "tests/plugins.rs",
    "fn install_script_creates_working_links_scripts_and_docs(",
);
const KEY_FILE: Runner =
    Exempt("creates or edits the operator's key file as root; every test writes its own key file");
const NAGIOS: Runner = Test(
    "tests/nagios4_daemon.rs",
    "fn nagios4_daemon_runs_the_shipped_commands_against_misp(",
);
const ZABBIX: Runner = Test(
    "tests/zabbix.rs",
    "fn zabbix_agent_runs_every_template_item_against_the_simulator(",
);
const BENCH: Runner =
    Exempt("the benchmark: minutes of full load; its output is the committed bench/RESULTS.md");
const CI: Runner = Test(".ci/run", "start_real_misp \"$REAL_MISP");

/// Every command shown that is not `check_misp` itself (comments and leading `VAR=value`
/// assignments left out), and who runs it.
const OTHER_COMMANDS: &[(&str, Runner)] = &[
    (
        "scripts/demo.sh",
        Exempt("the interactive demo: builds, starts a simulator and narrates; every check it runs is run here"),
    ),
    ("scripts/demo.sh --real-misp", Exempt("the demo against the real MISP, by hand")),
    (".ci/run", Exempt("the CI entry point itself: it runs every test")),
    ("cargo install cargo-deb --locked", Test(".ci/run", "cargo install cargo-deb --locked")),
    ("cargo deb", DEB),
    ("dpkg -i target/debian/check-misp_0.1.0-1_amd64.deb", DEB),
    (
        "cargo build --release",
        Exempt("8 minutes with LTO; tests/deb.rs builds the same code with the deb-test profile"),
    ),
    (
        "install -m 0755 target/release/check_misp /usr/local/bin/check_misp",
        Exempt("copies the binary into the system; plugins/install.sh does the same, tested"),
    ),
    ("plugins/install.sh /usr/lib/nagios/plugins", INSTALL_SH),
    ("plugins/install.sh /etc/opennms/monitoring-scripts", INSTALL_SH),
    ("plugins/install.sh --prefix /usr/local /usr/lib/nagios/plugins", INSTALL_SH),
    ("bench/run.sh", BENCH),
    ("bench/run.sh --quick", BENCH),
    ("bench/real-misp.py", BENCH),
    ("install -o root -g root -m 0600 /dev/null /etc/opennms/misp-api.key", KEY_FILE),
    ("${EDITOR:-vi} /etc/opennms/misp-api.key", KEY_FILE),
    (
        "/opt/opennms/bin/send-event.pl -p 'daemonName Pollerd' uei.opennms.org/internal/reloadDaemonConfig",
        Exempt("OpenNMS itself is not installed; tests/opennms_snippets.rs validates the snippets and runs their commands"),
    ),
    (
        "cp contrib/icinga2/check_misp.conf /etc/icinga2/conf.d/",
        Test("tests/icinga2_daemon.rs", "fn icinga2_daemon_runs_the_shipped_commands_against_misp("),
    ),
    ("install -o nagios -g nagios -m 0600 /dev/null /etc/icinga2/misp.key", KEY_FILE),
    ("${EDITOR:-vi} /etc/icinga2/misp.key", KEY_FILE),
    ("cp contrib/nagios/check_misp.cfg /etc/nagios4/objects/", NAGIOS),
    ("echo 'cfg_file=/etc/nagios4/objects/check_misp.cfg' >> /etc/nagios4/nagios.cfg", NAGIOS),
    ("echo '$USER3$=/etc/nagios4/misp.key' >> /etc/nagios4/resource.cfg", NAGIOS),
    ("install -o nagios -g nagios -m 0600 /dev/null /etc/nagios4/misp.key", KEY_FILE),
    ("${EDITOR:-vi} /etc/nagios4/misp.key", KEY_FILE),
    (
        "cp /usr/share/doc/check-misp/examples/zabbix/userparameter_check_misp.conf /etc/zabbix/zabbix_agentd.conf.d/",
        ZABBIX,
    ),
    ("sed -i 's/^# Timeout=3$/Timeout=30/' /etc/zabbix/zabbix_agentd.conf", ZABBIX),
    ("install -o zabbix -g zabbix -m 0400 /dev/null /etc/zabbix/misp.key", KEY_FILE),
    ("${EDITOR:-vi} /etc/zabbix/misp.key", KEY_FILE),
    (
        "systemctl restart zabbix-agent",
        Exempt("restarts the system's agent; tests/zabbix.rs runs zabbix_agentd with a private configuration"),
    ),
    ("zabbix_agentd -t 'misp.state[workers,https://misp.example.org]'", ZABBIX),
    (
        "snmpget -v2c -c public -On misp.example.org .1.3.6.1.4.1.8072.1.3.2.4.1.2.12.109.105.115.112.45.119.111.114.107.101.114.115.1",
        Test("tests/snmp.rs", "fn snmpd_serves_every_oid_and_follows_changes("),
    ),
    (
        "php /usr/share/cacti/cli/import_template.php --filename=/usr/share/doc/check-misp/examples/cacti/misp_rest_latency.xml",
        Test("tests/cacti.rs", "fn cacti_imports_the_template_and_its_command_feeds_every_field("),
    ),
    ("../shared/real-misp/setup.sh", CI),
    ("../shared/real-misp-2.4/setup.sh", CI),
    (
        "cargo test --test real_misp --test real_misp_24 --test real_misp_parity",
        Test(".ci/run", "cargo test --workspace"),
    ),
];

/// What an example's shown output needs of the simulator, found by a text in the example
/// (its line, comment included, and the output shown).
enum Setup {
    Sim(fn(&Sim)),
    /// Nothing answers at the URL.
    Down,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

const SETUPS: &[(&str, Setup)] = &[
    (
        "MISP DIAGNOSTICS CRITICAL",
        Setup::Sim(|s| {
            s.set_redis(false);
            s.set_settings_errors(2);
        }),
    ),
    (
        "MISP VERSION WARNING",
        Setup::Sim(|s| s.set_version("2.4.170")),
    ),
    (
        "old-misp.example.org",
        Setup::Sim(|s| s.set_heartbeat(false)),
    ),
    ("new-misp.example.org", Setup::Sim(|s| s.set_events(0))),
    (
        "MISP KEY WARNING",
        Setup::Sim(|s| s.set_key(Some(now() + 9 * 86400 + 3600), true, &["127.0.0.1", "::1"])),
    ),
    (
        "--published -w 6h -c 1d",
        Setup::Sim(|s| s.set_newest_event(Some(now() - 4 * 86400))),
    ),
    (
        "MISP ALL CRITICAL",
        Setup::Sim(|s| {
            s.kill_queue("email");
        }),
    ),
    (
        "\"check\":\"all\",\"state\":\"CRITICAL\"",
        Setup::Sim(|s| {
            s.kill_queue("email");
        }),
    ),
    (
        "MISP FEEDS CRITICAL",
        Setup::Sim(|s| {
            let id = s.add_feed("osint", true, false, None);
            s.add_fetch(misp_sim::Fetch::new(Some(id), 3, now() - 331));
        }),
    ),
    (
        "MISP FEEDS OK",
        Setup::Sim(|s| {
            let id = s.add_feed("osint", true, false, None);
            s.add_fetch(misp_sim::Fetch::new(Some(id), 4, now() - 120));
        }),
    ),
    (
        "MISP SYNC OK - 2 sync servers connected",
        Setup::Sim(|s| {
            s.add_server(SyncServer::new(
                "partner a",
                "https://misp.partner-a.example",
            ));
            s.add_server(SyncServer::new(
                "partner b",
                "https://misp.partner-b.example",
            ));
        }),
    ),
    (
        "MISP SYNC CRITICAL",
        Setup::Sim(|s| {
            s.add_server(SyncServer {
                connection: Connection::KeyRefused,
                ..SyncServer::new("partner a", "https://misp.partner-a.example")
            });
            s.add_server(SyncServer::new(
                "partner b",
                "https://misp.partner-b.example",
            ));
        }),
    ),
    ("# MISP down", Setup::Down),
];

/// A `check_misp` command shown in the docs.
struct Example {
    place: String,
    line: String,
    command: String,
    shown: Option<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// The command without its trailing comment.
fn strip_comment(line: &str) -> &str {
    line.find(" #").map_or(line, |i| &line[..i]).trim()
}

/// Whether a word is a `VAR=value` assignment before a command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Words of a command after any leading `VAR=value`.
fn words(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .skip_while(|w| is_assignment(w))
        .collect()
}

/// Every command shown: `check_misp` examples, and the other commands with where they are.
fn commands() -> (Vec<Example>, Vec<(String, String)>) {
    let (mut examples, mut others) = (Vec::new(), Vec::new());
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).expect("read a doc page");
        let name = file
            .strip_prefix(repo())
            .unwrap_or(&file)
            .display()
            .to_string();
        let lines: Vec<&str> = text.lines().collect();
        let mut fence: Option<String> = None;
        for (i, raw) in lines.iter().enumerate() {
            let t = raw.trim();
            if let Some(info) = t.strip_prefix("```") {
                fence = match fence {
                    None => Some(info.trim().to_string()),
                    Some(_) => None,
                };
                continue;
            }
            let Some(lang) = &fence else { continue };
            let (command, shown) = if let Some(c) = t.strip_prefix("$ ") {
                let next = lines.get(i + 1).map(|l| l.trim());
                let shown = next.filter(|l| !l.starts_with("$ ") && !l.starts_with("```"));
                (c, shown.map(str::to_string))
            } else if lang == "sh" && !t.is_empty() && !t.starts_with('#') {
                (t, None)
            } else {
                continue;
            };
            let place = format!("{name}:{}", i + 1);
            let bare = strip_comment(command);
            if words(bare).first() == Some(&"check_misp") {
                examples.push(Example {
                    place,
                    line: command.to_string(),
                    command: bare.to_string(),
                    shown,
                });
            } else {
                others.push((place, bare.to_string()));
            }
        }
    }
    (examples, others)
}

/// A CONNECT proxy on loopback that counts the tunnels it opened.
fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
    let url = format!("http://{}", listener.local_addr().expect("proxy address"));
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&tunnels);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let count = Arc::clone(&count);
            std::thread::spawn(move || tunnel(client, &count));
        }
    });
    (url, tunnels)
}

fn tunnel(mut client: TcpStream, count: &AtomicUsize) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let Some(target) = head
        .strip_prefix("CONNECT ")
        .and_then(|r| r.split(' ').next())
    else {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        return;
    };
    let Ok(mut server) = TcpStream::connect(target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    count.fetch_add(1, Ordering::SeqCst);
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut c2), Ok(mut s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

/// Runs one example against a fresh simulator, set up as its shown output needs.
fn run_example(ex: &Example) -> (Run, Option<Arc<AtomicUsize>>) {
    let m = Misp::start();
    let context = format!("{}\n{}", ex.line, ex.shown.as_deref().unwrap_or(""));
    let mut https = m.sim.https_url();
    for (needle, setup) in SETUPS {
        if context.contains(needle) {
            match setup {
                Setup::Sim(f) => f(&m.sim),
                Setup::Down => https = format!("https://127.0.0.1:{}", closed_port()),
            }
        }
    }
    let all = words(&ex.command);
    let env_words: Vec<&str> = ex
        .command
        .split_whitespace()
        .take_while(|w| is_assignment(w))
        .collect();
    let check = all.get(1).copied().unwrap_or_default();
    let (key, ca, cache) = (m.path("key"), m.path("ca.pem"), m.path("stats.json"));
    let mut args: Vec<String> = Vec::new();
    let mut rest = all.iter().skip(1);
    while let Some(&w) = rest.next() {
        let value = |rest: &mut std::iter::Skip<std::slice::Iter<&str>>| {
            rest.next().map(|v| (*v).to_string()).unwrap_or_default()
        };
        match w {
            "-k" | "--key-file" => {
                value(&mut rest);
                args.extend([w.to_string(), key.clone()]);
            }
            "--ca-cert" => {
                value(&mut rest);
                args.extend([w.to_string(), ca.clone()]);
            }
            "--cache-file" => {
                value(&mut rest);
                args.extend([w.to_string(), cache.clone()]);
            }
            "-I" | "--address" => {
                value(&mut rest);
                args.extend([w.to_string(), "127.0.0.1".to_string()]);
            }
            _ if w.starts_with("https://") && w.contains("example.org") => args.push(https.clone()),
            _ => args.push(w.to_string()),
        }
    }
    // The examples assume a MISP whose certificate the system trusts; the simulator's is
    // trusted through its CA file. `cert` is the exception: its examples show what trust does.
    if check != "cert" && !args.iter().any(|a| a == "--ca-cert") {
        args.extend(["--ca-cert".to_string(), ca.clone()]);
    }
    if args.iter().any(|a| a == "--cache-file") && !args.iter().any(|a| a == "--update-cache") {
        let url = m.sim.https_url();
        let fill = [check, "--update-cache", "--cache-file", &cache, "-u", &url];
        let fill: Vec<&str> = fill
            .into_iter()
            .chain(["-k", &key, "--ca-cert", &ca])
            .collect();
        common::run(&fill).expect(0, &format!("MISP {} OK", check.to_uppercase()));
    }
    let mut proxy = None;
    let mut env: Vec<(String, String)> = Vec::new();
    for w in env_words {
        let Some((name, value)) = w.split_once('=') else {
            continue;
        };
        let value = if name.to_ascii_lowercase().ends_with("_proxy") {
            let (url, tunnels) = connect_proxy();
            proxy = Some(tunnels);
            url
        } else {
            value.to_string()
        };
        env.push((name.to_string(), value));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    (run_with(&bin(), &args, &env), proxy)
}

/// Numbers masked, so a shown `snmp`/`cacti` line compares by its shape.
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let signed = c == '-' && chars.peek().is_some_and(char::is_ascii_digit);
        if !(c.is_ascii_digit() || signed) {
            out.push(c);
            continue;
        }
        out.push('#');
        while chars.next_if(|n| n.is_ascii_digit() || *n == '.').is_some() {}
    }
    out
}

fn exit_code_of(state: &str) -> i32 {
    match state {
        "OK" => 0,
        "WARNING" => 1,
        "CRITICAL" => 2,
        _ => 3,
    }
}

/// Why the run does not match what the docs show, if it does not.
fn mismatch(ex: &Example, run: &Run) -> Option<String> {
    let first = run.stdout.lines().next().unwrap_or_default();
    let Some(shown) = &ex.shown else {
        return (run.code != 0).then(|| format!("not OK on a healthy MISP: {first}"));
    };
    if let Some(rest) = shown.strip_prefix("MISP ") {
        let mut w = rest.split_whitespace();
        let (check, state) = (w.next().unwrap_or_default(), w.next().unwrap_or_default());
        let want = format!("MISP {check} {state} ");
        return (!first.starts_with(&want) || run.code != exit_code_of(state))
            .then(|| format!("shows `{want}`, printed `{first}` (exit {})", run.code));
    }
    if shown.starts_with('{') {
        for field in ["\"check\":\"", "\"state\":\""] {
            let value = shown.split(field).nth(1).and_then(|r| r.split('"').next());
            let Some(value) = value else {
                return Some(format!("shown JSON has no {field}"));
            };
            let want = format!("{field}{value}\"");
            if !first.contains(&want) {
                return Some(format!("shows {want}, printed `{first}`"));
            }
        }
        return None;
    }
    (shape(shown) != shape(first)).then(|| format!("shows `{shown}`, printed `{first}`"))
}

#[test]
fn every_check_misp_command_shown_runs_as_shown() {
    let (examples, _) = commands();
    assert!(
        examples.len() >= 25,
        "too few examples found: {}",
        examples.len()
    );
    let mut failures = Vec::new();
    for ex in &examples {
        let (run, proxy) = run_example(ex);
        if let Some(why) = mismatch(ex, &run) {
            failures.push(format!(
                "{}: {}\n  {why}\n  stderr: {}",
                ex.place,
                ex.line,
                run.stderr.trim()
            ));
        }
        if let Some(tunnels) = proxy {
            if tunnels.load(Ordering::SeqCst) == 0 {
                failures.push(format!(
                    "{}: {}\n  never went through the proxy",
                    ex.place, ex.line
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_other_command_shown_is_run_by_a_named_test_or_exempt_with_a_reason() {
    let (_, others) = commands();
    let mut failures = Vec::new();
    for (place, command) in &others {
        match OTHER_COMMANDS.iter().find(|(c, _)| c == command) {
            None => failures.push(format!(
                "{place}: `{command}` is shown but not in OTHER_COMMANDS (name the test that runs it)"
            )),
            Some((_, Test(file, marker))) => {
                let text = std::fs::read_to_string(repo().join(file)).unwrap_or_default();
                if !text.contains(marker) {
                    failures.push(format!("{place}: `{command}`: {file} has no `{marker}`"));
                }
            }
            Some((_, Exempt(reason))) => assert!(!reason.trim().is_empty(), "{command}"),
        }
    }
    for (command, _) in OTHER_COMMANDS {
        if !others.iter().any(|(_, c)| c == command) {
            failures.push(format!(
                "OTHER_COMMANDS lists `{command}`, which no page shows"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_check_of_the_registry_has_its_section_in_docs_checks() {
    let page = read(&repo().join("docs/checks.md"));
    let sections: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(str::trim)
        .collect();
    assert_eq!(
        sections,
        check_misp::CheckName::NAMES,
        "sections of docs/checks.md"
    );
}

#[test]
fn readme_table_of_checks_lists_exactly_the_registry() {
    let readme = read(&repo().join("README.md"));
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| check |"))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(
        rows,
        check_misp::CheckName::NAMES,
        "the README's table of checks"
    );
}

#[test]
fn readme_is_short_and_every_relative_link_resolves() {
    let readme = read(&repo().join("README.md"));
    assert!(
        readme.lines().count() <= 400,
        "README.md has {} lines",
        readme.lines().count()
    );
    for file in doc_files() {
        let text = read(&file);
        let dir = file.parent().unwrap_or(Path::new("."));
        for target in text.split("](").skip(1).filter_map(|r| r.split(')').next()) {
            if target.contains("://") || target.starts_with('#') {
                continue;
            }
            let path = target.split('#').next().unwrap_or(target);
            assert!(
                dir.join(path).exists(),
                "{}: link to {target}, which does not exist",
                file.display()
            );
        }
    }
}
