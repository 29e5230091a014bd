//! `GET /servers/serverSettings`: the report behind MISP's "Server settings & diagnostics"
//! page (wire format §7), with a knob for every finding a monitoring check judges.

use crate::json::J;
use crate::state::State;

/// The database schema version a healthy simulated MISP is at and expects.
pub(crate) const DB_VERSION: u64 = 132;

const APP: &str = "/var/www/MISP/app";

/// Level-0 ("critical") settings that a broken instance gets wrong, with MISP's messages.
const CRITICAL_SETTINGS: [(&str, &str, &str); 5] = [
    (
        "MISP.baseurl",
        "https://misp.local",
        "Invalid baseurl, please make sure that the protocol is set.",
    ),
    (
        "Security.salt",
        "*****",
        "The salt has to be an at least 32 byte long string.",
    ),
    (
        "GnuPG.binary",
        "/usr/bin/gpg",
        "Could not find the GnuPG executable at the defined location.",
    ),
    (
        "MISP.python_bin",
        "/var/www/MISP/venv/bin/python",
        "The file cannot be found at the specified location.",
    ),
    (
        "MISP.attachments_dir",
        "/var/www/MISP/app/files",
        "The directory is not writeable.",
    ),
];

/// What the diagnostics report says; every field breaks one finding.
#[derive(Clone, Debug)]
pub(crate) struct Diag {
    /// `backgroundJobsStatus`: `OK`, `Not configured (so not tested)`, `Error connecting to …`.
    pub(crate) jobs_status: String,
    /// `redisInfo.connection`.
    pub(crate) redis: bool,
    /// `dbSchemaDiagnostics.actual_db_version` (expected is [`DB_VERSION`]).
    pub(crate) db_version: u64,
    /// `version.upToDate`: `same`, `older`, `newer`, `error`, `disabled`.
    pub(crate) up_to_date: String,
    /// `writeableDirs`, in MISP's order: 0 fine, 1 missing, 2 not writable.
    pub(crate) dirs: Vec<(String, u64)>,
    /// `writeableFiles`, same codes; a missing `.git/ORIG_HEAD` is normal without git.
    pub(crate) files: Vec<(String, u64)>,
    /// `moduleStatus`: `None` is 0 (fine), `Some(message)` an error text.
    pub(crate) modules: Vec<(String, Option<String>)>,
    /// How many level-0 settings carry `error: 1`.
    pub(crate) settings_errors: usize,
    /// `MISP.live`: false is MISP switched offline (only site admins let in).
    pub(crate) live: bool,
    /// Columns `(table, column, type)` MISP expects and the database lacks.
    pub(crate) missing_columns: Vec<(String, String, String)>,
}

impl Default for Diag {
    fn default() -> Self {
        let dirs = [
            "tmp",
            "files",
            "files/scripts/tmp",
            "tmp/csv_all",
            "tmp/csv_sig",
            "tmp/md5",
            "tmp/sha1",
            "tmp/snort",
            "tmp/suricata",
            "tmp/text",
            "tmp/xml",
            "tmp/files",
            "tmp/logs",
            "tmp/bro",
        ];
        Diag {
            jobs_status: "OK".to_string(),
            redis: true,
            db_version: DB_VERSION,
            up_to_date: "same".to_string(),
            dirs: dirs.iter().map(|d| (format!("{APP}/{d}"), 0)).collect(),
            files: vec![
                (format!("{APP}/Config/config.php"), 0),
                ("/var/www/MISP/.git/ORIG_HEAD".to_string(), 1),
            ],
            modules: ["Enrichment", "Import", "Export", "Cortex"]
                .iter()
                .map(|m| (m.to_string(), None))
                .collect(),
            settings_errors: 0,
            live: true,
            missing_columns: Vec::new(),
        }
    }
}

impl Diag {
    /// Sets the code of a writable path, adding it at the end when unknown.
    pub(crate) fn set_path(list: &mut Vec<(String, u64)>, path: &str, code: u64) {
        match list.iter_mut().find(|(p, _)| p == path) {
            Some(slot) => slot.1 = code,
            None => list.push((path.to_string(), code)),
        }
    }

    /// Sets a module type's status (`None`: fine), adding the type when unknown.
    pub(crate) fn set_module(&mut self, kind: &str, error: Option<&str>) {
        let error = error.map(str::to_string);
        match self.modules.iter_mut().find(|(k, _)| k == kind) {
            Some(slot) => slot.1 = error,
            None => self.modules.push((kind.to_string(), error)),
        }
    }
}

fn setting(level: u64, name: &str, value: J, kind: &str, error: Option<&str>) -> J {
    let tab = name.split('.').next().unwrap_or("MISP");
    let mut items = vec![
        ("level".to_string(), J::n(level)),
        ("value".to_string(), value),
        ("errorMessage".to_string(), J::s(error.unwrap_or(""))),
        ("test".to_string(), J::s("testForEmpty")),
        ("type".to_string(), J::s(kind)),
        ("null".to_string(), J::Bool(false)),
        ("setting".to_string(), J::s(name)),
        ("tab".to_string(), J::s(tab)),
    ];
    if error.is_some() {
        items.push(("error".to_string(), J::n(1)));
    }
    J::Obj(items)
}

fn paths(list: &[(String, u64)]) -> J {
    J::Obj(list.iter().map(|(p, c)| (p.clone(), J::n(*c))).collect())
}

/// The whole report, key order as `ServersController::serverSettings` builds it.
pub(crate) fn report(st: &State) -> J {
    let d = &st.diag;
    let current = format!("v{}", st.version);
    let newest = match d.up_to_date.as_str() {
        "older" => J::s(bump(&st.version)),
        "error" | "disabled" => J::Null,
        _ => J::s(current.clone()),
    };
    let php = |value: u64, rec: u64, unit: &str, what: &str| {
        J::obj([
            ("explanation", J::s(what)),
            ("recommended", J::n(rec)),
            ("unit", J::s(unit)),
            ("value", J::n(value)),
        ])
    };
    let mut final_settings = Vec::new();
    for (i, (name, value, message)) in CRITICAL_SETTINGS.iter().enumerate() {
        let error = (i < d.settings_errors).then_some(*message);
        let value = if *name == "MISP.baseurl" {
            st.baseurl.as_str()
        } else {
            value
        };
        final_settings.push(setting(0, name, J::s(value), "string", error));
    }
    for i in CRITICAL_SETTINGS.len()..d.settings_errors {
        final_settings.push(setting(
            0,
            &format!("Plugin.Critical_{i}"),
            J::s(""),
            "string",
            Some("Value not set."),
        ));
    }
    // A recommended (level 1) setting in error is normal and must not count as critical.
    final_settings.push(setting(
        1,
        "MISP.welcome_text_top",
        J::s(""),
        "string",
        Some("Value not set."),
    ));
    final_settings.push(setting(
        0,
        "MISP.live",
        J::Bool(d.live),
        "boolean",
        (!d.live).then_some("MISP disabled."),
    ));
    final_settings.push(setting(2, "MISP.footermidleft", J::s(""), "string", None));
    let mut redis = vec![
        ("extensionVersion".to_string(), J::s("6.0.2")),
        ("connection".to_string(), J::Bool(d.redis)),
    ];
    if d.redis {
        redis.extend([
            ("redis_version".to_string(), J::s("7.0.15")),
            ("used_memory_human".to_string(), J::s("2.13M")),
            (
                "mem_fragmentation_ratio".to_string(),
                J::Num("6.84".to_string()),
            ),
        ]);
    } else {
        redis.push(("connection_error".to_string(), J::s("Connection refused")));
    }
    J::obj([
        (
            "version",
            J::obj([
                ("current", J::s(current.clone())),
                ("newest", newest),
                ("upToDate", J::s(d.up_to_date.clone())),
            ]),
        ),
        (
            "phpSettings",
            J::obj([
                (
                    "max_execution_time",
                    php(300, 300, "seconds", "The maximum duration that a script can run (does not affect the background workers)."),
                ),
                ("memory_limit", php(2048, 2048, "MB", "The maximum memory that PHP can consume.")),
                ("upload_max_filesize", php(50, 50, "MB", "The maximum size that an uploaded file can be.")),
                ("post_max_size", php(50, 50, "MB", "The maximum size of a POSTed message.")),
            ]),
        ),
        ("gpgStatus", J::s("OK")),
        ("proxyStatus", J::s("Not configured (so not tested)")),
        ("zmqStatus", J::n(0)),
        ("stix", J::obj([("operational", J::n(1))])),
        (
            "moduleStatus",
            J::Obj(
                d.modules
                    .iter()
                    .map(|(k, e)| (k.clone(), e.clone().map_or(J::n(0), J::Str)))
                    .collect(),
            ),
        ),
        ("writeableDirs", paths(&d.dirs)),
        ("writeableFiles", paths(&d.files)),
        (
            "readableFiles",
            paths(&[(format!("{APP}/files/scripts/stixtest.py"), 0)]),
        ),
        (
            "dbDiagnostics",
            J::obj([(
                "events",
                J::obj([
                    ("table", J::s("events")),
                    ("used", J::s("1.52 MB")),
                    ("reclaimable", J::s("0 MB")),
                    ("data_in_bytes", J::n(1_589_248)),
                    ("index_in_bytes", J::n(1_015_808)),
                    ("reclaimable_in_bytes", J::n(0)),
                ]),
            )]),
        ),
        (
            "dbSchemaDiagnostics",
            J::obj([
                ("dataSource", J::s("Database/Mysql")),
                ("actual_db_version", J::s(d.db_version.to_string())),
                ("checked_table_column", J::Arr(vec![])),
                ("diagnostic", schema_diagnostic(&d.missing_columns)),
                ("diagnostic_index", J::Arr(vec![])),
                ("expected_db_version", J::s(DB_VERSION.to_string())),
                ("error", J::s("")),
                ("update_locked", J::Bool(false)),
                ("remaining_lock_time", J::n(0)),
                ("update_fail_number_reached", J::Bool(false)),
            ]),
        ),
        (
            "dbConfiguration",
            J::Arr(vec![J::obj([
                ("name", J::s("innodb_buffer_pool_size")),
                // SHOW VARIABLES answers strings.
                ("value", J::s("134217728")),
                ("default", J::s("134217728")),
                ("recommended", J::s("2147483648")),
                ("explanation", J::s("The size in bytes of the buffer pool.")),
            ])]),
        ),
        ("redisInfo", J::Obj(redis)),
        ("finalSettings", J::Arr(final_settings)),
        (
            "extensions",
            J::obj([("cli", J::obj([("phpversion", J::s("8.2.20"))]))]),
        ),
        (
            "workers",
            if st.background_jobs {
                st.workers_json()
            } else {
                J::Arr(vec![])
            },
        ),
        ("backgroundJobsStatus", J::s(d.jobs_status.clone())),
    ])
}

/// The next hotfix release after `version` (what GitHub would call newest).
/// MISP's schema comparison: `[]` when the tables agree, else `{table: [difference]}`.
fn schema_diagnostic(missing: &[(String, String, String)]) -> J {
    if missing.is_empty() {
        return J::Arr(vec![]);
    }
    let mut tables: Vec<(String, J)> = Vec::new();
    for (table, column, kind) in missing {
        let entry = J::obj([
            (
                "description",
                J::s(format!("Column `{column}` does not exist but should")),
            ),
            ("column_name", J::s(column.clone())),
            ("error_type", J::s("missing_column")),
            ("actual", J::Arr(vec![])),
            (
                "expected",
                J::obj([
                    ("column_name", J::s(column.clone())),
                    ("column_type", J::s(kind.clone())),
                ]),
            ),
            ("is_critical", J::Bool(true)),
        ]);
        match tables.iter_mut().find(|(t, _)| t == table) {
            Some((_, J::Arr(list))) => list.push(entry),
            _ => tables.push((table.clone(), J::Arr(vec![entry]))),
        }
    }
    J::Obj(tables)
}

fn bump(version: &str) -> String {
    let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    if let Some(last) = parts.last_mut() {
        *last += 1;
    }
    let joined: Vec<String> = parts.iter().map(u64::to_string).collect();
    format!("v{}", joined.join("."))
}
