//! `dbSchemaDiagnostics.diagnostic`: MISP compares the live database with the schema it
//! expects, table by table (`{table: [{error_type, column_name, is_critical, ...}]}`, or
//! `[]` when they agree). A column or table MISP needs that is missing or of another type
//! breaks the requests that touch it (`/events/add` answers 500 without a column of
//! `events`) while the schema version still matches, so the version alone says nothing.
//! MISP's own `is_critical` decides: extra columns and tables, collations and indexes are
//! listed, not judged.

use super::{finding, text, Problem};
use crate::misp::flag;
use crate::outcome::State;
use serde_json::{Map, Value};

/// The critical differences as one CRITICAL `db_schema` finding; the others go to `notes`.
pub(super) fn drift(r: &Map<String, Value>, notes: &mut Vec<String>) -> Option<Problem> {
    let d = r.get("dbSchemaDiagnostics")?;
    let tables = d.get("diagnostic")?.as_object()?;
    let mut critical = Vec::new();
    for (table, entries) in tables {
        for e in entries.as_array().into_iter().flatten() {
            let said = describe(table, e);
            if e.get("is_critical").and_then(flag) == Some(false) {
                notes.push(format!("database schema (not judged): {said}"));
            } else {
                critical.push(said);
            }
        }
    }
    if let Some(indexes) = d.get("diagnostic_index").and_then(Value::as_object) {
        let n: usize = indexes
            .values()
            .map(|v| v.as_object().map_or(0, Map::len))
            .sum();
        if n > 0 {
            notes.push(format!("database indexes differ from MISP's schema in {n} column(s) (not judged)"));
        }
    }
    if critical.is_empty() {
        return None;
    }
    finding(
        "db_schema",
        State::Critical,
        format!(
            "database schema differs from what MISP expects: {}",
            critical.join("; ")
        ),
    )
}

/// One difference, named by table and column.
fn describe(table: &str, e: &Value) -> String {
    let column = e.get("column_name").map_or_else(|| "?".into(), text);
    let column_type = |side: &str| {
        e.get(side)
            .and_then(|c| c.get("column_type"))
            .filter(|t| !t.is_null())
            .map(text)
    };
    match e.get("error_type").and_then(Value::as_str) {
        Some("missing_column") => match column_type("expected") {
            Some(t) => format!("column {table}.{column} ({t}) is missing"),
            None => format!("column {table}.{column} is missing"),
        },
        Some("missing_table") => format!("table {table} is missing"),
        Some("column_different") => match (column_type("expected"), column_type("actual")) {
            (Some(want), Some(have)) if want != have => {
                format!("column {table}.{column} is {have}, MISP expects {want}")
            }
            _ => format!("column {table}.{column} differs from MISP's schema"),
        },
        Some("additional_column") => format!("column {table}.{column} is not in MISP's schema"),
        Some("additional_table") => format!("table {table} is not in MISP's schema"),
        _ => format!(
            "{table}: {}",
            e.get("description").map_or_else(|| "?".into(), text)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn critical_differences_are_named_and_the_rest_listed() {
        let report = json!({"dbSchemaDiagnostics": {
            "actual_db_version": "130", "expected_db_version": "130",
            "diagnostic": {
                "events": [
                    {"description": "Column `extends_uuid` does not exist but should", "column_name": "extends_uuid",
                     "error_type": "missing_column", "actual": [], "is_critical": true,
                     "expected": {"column_name": "extends_uuid", "column_type": "varchar(40)"}}
                ],
                "attributes": [
                    {"description": "Column `value1` is different", "column_name": "value1", "error_type": "column_different",
                     "is_critical": true, "actual": {"column_type": "varchar(255)"}, "expected": {"column_type": "text"}},
                    {"description": "Column `x` exists but should not", "column_name": "x",
                     "error_type": "additional_column", "is_critical": false}
                ]
            },
            "diagnostic_index": {"events": {"extends_uuid": {"message": "Column `extends_uuid` should be indexed"}}}
        }});
        let mut notes = Vec::new();
        let p = drift(report.as_object().unwrap(), &mut notes).unwrap();
        assert_eq!((p.name, p.state), ("db_schema", State::Critical));
        assert_eq!(
            p.text,
            "database schema differs from what MISP expects: column events.extends_uuid (varchar(40)) is missing; column attributes.value1 is varchar(255), MISP expects text"
        );
        assert_eq!(
            notes,
            [
                "database schema (not judged): column attributes.x is not in MISP's schema",
                "database indexes differ from MISP's schema in 1 column(s) (not judged)"
            ]
        );
    }

    #[test]
    fn agreement_is_an_empty_list() {
        let report = json!({"dbSchemaDiagnostics": {"diagnostic": [], "diagnostic_index": []}});
        let mut notes = Vec::new();
        assert!(drift(report.as_object().unwrap(), &mut notes).is_none());
        assert!(notes.is_empty());
    }
}
