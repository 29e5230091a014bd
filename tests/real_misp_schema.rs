//! A column MISP expects, gone from the real MISP 2.5.1's database: MISP's own schema
//! diagnostic names it, and so must `diagnostics`. The column is renamed away rather than
//! dropped, so that renaming it back restores it exactly: type, data, index and place.

mod realmisp;

use realmisp::{changing, misp, RealMisp, Undo};

const TABLE: &str = "events";
const COLUMN: &str = "extends_uuid";
const AWAY: &str = "extends_uuid_moved_by_check_misp_test";

fn sql(m: &RealMisp, statement: &str) -> String {
    let socket = m.dir.join("run/mysqld.sock").display().to_string();
    m.sh(
        "mysql",
        &[
            "-S", &socket, "-u", "root", "-N", "-B", "-e", statement, "misp",
        ],
    )
}

#[test]
fn a_missing_column_is_critical_and_named() {
    let Some(m) = misp() else { return };
    let _change = changing();
    let before = m.http("diagnostics", &[]);
    assert!(!before.stdout.contains("database schema"), "{before:#?}");
    let moved = sql(
        m,
        &format!("ALTER TABLE {TABLE} RENAME COLUMN {COLUMN} TO {AWAY}"),
    );
    assert!(moved.trim().is_empty(), "{moved}");
    let _undo = Undo(|| {
        let out = sql(
            m,
            &format!("ALTER TABLE {TABLE} RENAME COLUMN {AWAY} TO {COLUMN}"),
        );
        assert!(out.trim().is_empty(), "cannot restore {COLUMN}: {out}");
    });
    let r = m.http("diagnostics", &["-v"]);
    r.expect(2, "MISP DIAGNOSTICS CRITICAL - ").says(
        "database schema differs from what MISP expects: column events.extends_uuid (varchar(40)) is missing",
    );
    // MISP calls an extra column harmless: listed, not judged.
    r.says(&format!(
        "\ndatabase schema (not judged): column events.{AWAY} is not in MISP's schema\n"
    ));
    m.http("diagnostics", &["--ignore", "db_schema"])
        .expect(1, "MISP DIAGNOSTICS WARNING - ");
}
