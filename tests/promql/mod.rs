//! The shipped Grafana dashboard and PromQL as far as tests need it: which series an
//! expression names, and which families a text exposition declares.
#![allow(dead_code)]

use serde_json::Value;

/// What node_exporter's textfile collector adds beside the files' own series.
pub const NODE_EXPORTER_SERIES: [&str; 2] =
    ["node_textfile_mtime_seconds", "node_textfile_scrape_error"];
/// PromQL words that are neither series nor functions (aggregations may be followed by
/// `by (...)` rather than their argument), and the labels `by`/`on` may name.
pub const NOT_SERIES: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "or",
    "and",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "bool",
    "group_left",
    "group_right",
    "offset",
    "queue",
    "check",
    "instance",
    "job",
    "file",
];

pub fn dashboard() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/grafana/check_misp.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (panel title, PromQL) of every panel target and query variable.
pub fn dashboard_queries(dashboard: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap_or_default();
            out.push((
                panel["title"].as_str().unwrap_or("?").to_owned(),
                expr.to_owned(),
            ));
        }
    }
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if var["type"] == "query" {
            let q = var["query"]["query"].as_str().unwrap_or_default();
            // label_values(SERIES, LABEL) is Grafana's, not PromQL: keep the series.
            let series = q
                .strip_prefix("label_values(")
                .and_then(|r| r.split(',').next())
                .unwrap_or(q);
            out.push((format!("variable {}", var["name"]), series.to_owned()));
        }
    }
    out
}

/// The series names in a PromQL expression: identifiers outside strings, label matchers and
/// ranges that are not functions (followed by `(`) or keywords.
pub fn identifiers(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let (mut i, mut depth, mut quote) = (0, 0, None::<char>);
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if matches!(c, '"' | '\'' | '`') {
            quote = Some(c);
        } else if matches!(c, '{' | '[') {
            depth += 1;
        } else if matches!(c, '}' | ']') {
            depth -= 1;
        } else if depth == 0 && (c.is_ascii_alphabetic() || c == '_' || c == ':') {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | ':'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let call = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
            if !call && !NOT_SERIES.contains(&word.as_str()) {
                names.push(word);
            }
            continue;
        } else if depth == 0 && c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    names
}

/// The family names a text exposition declares.
pub fn families(exposition: &str) -> Vec<String> {
    exposition
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}
