//! The shipped Cacti template (`contrib/cacti/misp_rest_latency.xml`), imported by Debian's
//! Cacti 1.2 (`cli/import_template.php`) into a database of its own: a private MariaDB on a
//! socket in a temp dir, loaded with the schema Debian's cacti package installs. What Cacti
//! stored is read back with SQL, and the data input method's command, as Cacti stored it,
//! is run against the simulator to show it prints every output field Cacti expects.
//!
//! Needs Debian's `cacti` and `mariadb-server` (`.ci/run` installs them).

mod common;
mod external;

use common::Misp;
use external::{have, is_root, ok, repo, text, Daemon};
use misp_sim::DEFAULT_KEY;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CACTI: &str = "/usr/share/cacti";
const SCHEMA: &str = "/usr/share/dbconfig-common/data/cacti/install/mysql";
const TEMPLATE: &str = "contrib/cacti/misp_rest_latency.xml";
const OUTPUTS: [&str; 4] = ["time_total", "time_connect", "time_tls", "time_firstbyte"];

/// A private MariaDB server holding a `cacti` database with Cacti's schema.
struct Db {
    sock: PathBuf,
    _server: Daemon,
}

impl Db {
    fn start(dir: &Path) -> Db {
        let data = dir.join("data");
        let sock = dir.join("mysql.sock");
        // mariadbd refuses to run as root unless told to stay root.
        let user: &[&str] = if is_root() { &["--user=root"] } else { &[] };
        ok(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(user)
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]));
        let mut server = Daemon::spawn(
            "mariadbd",
            Command::new("/usr/sbin/mariadbd")
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", sock.display()))
                .arg(format!("--pid-file={}", dir.join("mariadbd.pid").display()))
                .arg("--skip-networking")
                .args(user),
            &dir.join("mariadbd.log"),
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while !sock.exists() {
            assert!(
                !server.exited() && Instant::now() < deadline,
                "mariadbd did not start:\n{}",
                std::fs::read_to_string(dir.join("mariadbd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let db = Db {
            sock,
            _server: server,
        };
        db.sql_in(
            "mysql",
            "CREATE DATABASE cacti CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; \
             CREATE USER cacti@localhost IDENTIFIED BY 'cacti-test'; \
             GRANT ALL ON cacti.* TO cacti@localhost; \
             GRANT SELECT ON mysql.time_zone_name TO cacti@localhost;",
        );
        let schema = std::fs::File::open(SCHEMA).expect("Cacti's schema");
        ok(Command::new("mariadb")
            .arg("--no-defaults")
            .arg("-S")
            .arg(&db.sock)
            .args(["-uroot", "cacti"])
            .stdin(schema));
        db
    }

    /// Runs `sql` in Cacti's database as root; returns the rows, tab-separated.
    fn sql(&self, sql: &str) -> Vec<String> {
        self.sql_in("cacti", sql)
    }

    fn sql_in(&self, database: &str, sql: &str) -> Vec<String> {
        let out = ok(Command::new("mariadb")
            .arg("--no-defaults")
            .arg("-S")
            .arg(&self.sock)
            .args(["-uroot", "-N", "-B", database, "-e", sql]));
        text(&out.stdout).lines().map(str::to_owned).collect()
    }
}

/// A copy of Debian's Cacti (site and cli) whose `include/config.php`, log and RRD
/// directories are private to the test: Debian's own point into /etc and /var.
fn cacti_copy(dir: &Path, db: &Db) -> PathBuf {
    let root = dir.join("cacti");
    std::fs::create_dir(&root).unwrap();
    ok(Command::new("cp")
        .arg("-a")
        .arg(format!("{CACTI}/site"))
        .arg(format!("{CACTI}/cli"))
        .arg(&root));
    let include = root.join("site/include");
    std::fs::remove_file(include.join("config.php")).unwrap();
    let config = format!(
        "<?php\n\
         $database_type = 'mysql';\n\
         $database_default = 'cacti';\n\
         $database_hostname = '{sock}';\n\
         $database_username = 'cacti';\n\
         $database_password = 'cacti-test';\n\
         $database_port = '3306';\n\
         $database_retries = 2;\n\
         $database_ssl = false;\n\
         $database_ssl_key = '';\n\
         $database_ssl_cert = '';\n\
         $database_ssl_ca = '';\n\
         $database_persist = false;\n\
         $poller_id = 1;\n\
         $url_path = '/cacti/';\n\
         $cacti_session_name = 'Cacti';\n\
         $cacti_db_session = false;\n\
         $disable_log_rotation = true;\n\
         $path_csrf_secret = '{csrf}';\n",
        sock = db.sock.display(),
        csrf = dir.join("csrf-secret.php").display()
    );
    std::fs::write(include.join("config.php"), config).unwrap();
    for sub in ["log", "rra"] {
        let link = root.join("site").join(sub);
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_dir_all(&link);
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::os::unix::fs::symlink(dir.join(sub), &link).unwrap();
    }
    root
}

#[test]
fn cacti_imports_the_template_and_its_command_feeds_every_field() {
    if !have(
        "cacti",
        "cacti mariadb-server",
        &[
            "/usr/share/cacti/cli/import_template.php",
            SCHEMA,
            "/usr/sbin/mariadbd",
            "/usr/bin/mariadb-install-db",
            "/usr/bin/php",
        ],
    ) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("check_misp-cacti-")
        .tempdir_in("/tmp")
        .unwrap();
    let db = Db::start(dir.path());
    let cacti = cacti_copy(dir.path(), &db);

    // Cacti loops, eating memory, on a database it does not understand: bound it.
    let out = ok(Command::new("timeout")
        .args(["120", "php"])
        .arg(cacti.join("cli/import_template.php"))
        .arg(format!("--filename={}", repo().join(TEMPLATE).display()))
        // php-snmp's net-snmp would create its state directory under /var/lib/snmp.
        .env("SNMP_PERSISTENT_DIR", dir.path().join("snmp")));
    let report = text(&out.stdout);
    for line in [
        "[success] MISP - check_misp latency [new]",
        "[success] MISP - REST latency [new]",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
    assert_eq!(report.matches("[success]").count(), 4, "{report}");
    assert!(!report.contains("[fail]"), "{report}");

    // The data input method: a script whose fields are the hostname in, the four times out.
    let method = db.sql(
        "SELECT id, type_id, input_string FROM data_input WHERE name = 'MISP - check_misp latency'",
    );
    assert_eq!(method.len(), 1, "{method:?}");
    let cols: Vec<&str> = method[0].split('\t').collect();
    let (method_id, input_string) = (cols[0], cols[2]);
    assert_eq!(cols[1], "1", "type Script/Command");
    assert_eq!(
        input_string,
        "/usr/bin/check_misp latency -o cacti -t 10s --url https://<hostname> \
         --key-file /etc/cacti/misp.key"
    );
    let fields = db.sql(&format!(
        "SELECT data_name, input_output, type_code FROM data_input_fields \
         WHERE data_input_id = {method_id} ORDER BY id"
    ));
    let mut want = vec!["hostname\tin\thostname".to_owned()];
    want.extend(OUTPUTS.iter().map(|o| format!("{o}\tout\t")));
    assert_eq!(fields, want);

    // The data template: fed by that method, one GAUGE (min 0) per output field.
    let template = db.sql(
        "SELECT dtd.data_input_id, dsp.name FROM data_template dt \
         JOIN data_template_data dtd ON dtd.data_template_id = dt.id AND dtd.local_data_id = 0 \
         JOIN data_source_profiles dsp ON dsp.id = dtd.data_source_profile_id \
         WHERE dt.name = 'MISP - REST latency'",
    );
    assert_eq!(template, [format!("{method_id}\t5 Minute Collection")]);
    let rrds = db.sql(
        "SELECT dtr.data_source_name, dtr.data_source_type_id, dtr.rrd_minimum, dif.data_name \
         FROM data_template_rrd dtr JOIN data_template dt ON dt.id = dtr.data_template_id \
         JOIN data_input_fields dif ON dif.id = dtr.data_input_field_id \
         WHERE dt.name = 'MISP - REST latency' AND dtr.local_data_id = 0 ORDER BY dtr.id",
    );
    let want: Vec<String> = OUTPUTS.iter().map(|o| format!("{o}\t1\t0\t{o}")).collect();
    assert_eq!(rrds, want);

    // The graph template: every item draws one of those data sources, all four drawn.
    let items = db.sql(
        "SELECT COUNT(*), COUNT(DISTINCT dtr.data_source_name) FROM graph_templates_item gti \
         JOIN graph_templates gt ON gt.id = gti.graph_template_id \
         JOIN data_template_rrd dtr ON dtr.id = gti.task_item_id \
         JOIN data_template dt ON dt.id = dtr.data_template_id \
         WHERE gt.name = 'MISP - REST latency' AND gti.local_graph_id = 0 \
         AND dt.name = 'MISP - REST latency'",
    );
    assert_eq!(items, ["16\t4"]);
    let graphs = db.sql(
        "SELECT COUNT(*) FROM graph_templates_item gti \
         JOIN graph_templates gt ON gt.id = gti.graph_template_id \
         WHERE gt.name = 'MISP - REST latency' AND gti.local_graph_id = 0",
    );
    assert_eq!(graphs, ["16"], "items that draw something else");

    // The command as Cacti stored it, with <hostname> replaced as Cacti's poller does, and
    // only the binary's and key's paths changed to the test's.
    let m = Misp::start();
    let run = |hostname: &str| {
        let line = input_string
            .replace("<hostname>", hostname)
            .replace("/usr/bin/check_misp", &common::bin().display().to_string())
            .replace("/etc/cacti/misp.key", &m.path("key"));
        let argv: Vec<&str> = line.split_whitespace().collect();
        let out = Command::new(argv[0])
            .args(&argv[1..])
            .env("SSL_CERT_FILE", m.path("ca.pem"))
            .env_remove("MISP_KEY")
            .env_remove("MISP_KEY_FILE")
            .env_remove("MISP_URL")
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert!(!stdout.contains(DEFAULT_KEY) && !text(&out.stderr).contains(DEFAULT_KEY));
        (out.status.code(), stdout)
    };
    let value = |stdout: &str, field: &str| -> Option<String> {
        stdout
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(field)?.strip_prefix(':'))
            .map(str::to_owned)
    };
    let host = m.sim.https_url().trim_start_matches("https://").to_owned();
    let (code, stdout) = run(&host);
    assert_eq!(code, Some(0), "{stdout}");
    for field in OUTPUTS {
        let v = value(&stdout, field).unwrap_or_else(|| panic!("{field} not in {stdout:?}"));
        let seconds: f64 = v
            .parse()
            .unwrap_or_else(|_| panic!("{field}:{v} in {stdout:?}"));
        assert!((0.0..10.0).contains(&seconds), "{stdout}");
    }
    // MISP not answering: every field is U, which RRDtool stores as unknown.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (code, stdout) = run(&format!("127.0.0.1:{port}"));
    assert_eq!(code, Some(2), "{stdout}");
    for field in OUTPUTS {
        assert_eq!(value(&stdout, field).as_deref(), Some("U"), "{stdout}");
    }
}
