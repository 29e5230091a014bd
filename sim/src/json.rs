//! A tiny ordered JSON writer.
//!
//! MISP's answers depend on key order (queues appear as cache, default, …) and on two
//! PHP encodings: MISP's own `JsonTool::encode` (slashes and unicode left as they are,
//! pretty-printed with 4 spaces unless an automation tool asks) and CakePHP's plain
//! `json_encode` for error pages (slashes and non-ASCII escaped, compact). serde_json
//! keeps no key order without a workspace-wide feature, so the simulator writes JSON
//! itself.

/// A JSON value whose objects keep their insertion order.
#[derive(Clone, Debug)]
pub(crate) enum J {
    Null,
    Bool(bool),
    /// A number, already formatted as PHP would print it.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// How to print a value, i.e. which PHP encoder MISP would have used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `JsonTool::encode` for browsers and curl: 4-space pretty print.
    Pretty,
    /// `JsonTool::encode` for clients whose User-Agent starts with MISP/PyMISP.
    Compact,
    /// Plain `json_encode` (CakePHP error pages): compact, `\/` and `\uXXXX` escapes.
    Php,
    /// `json_encode(…, JSON_PRETTY_PRINT)` (the serverSettings download): 4-space pretty
    /// print with PHP's `\/` and `\uXXXX` escapes.
    PhpPretty,
}

impl J {
    pub(crate) fn s(v: impl Into<String>) -> J {
        J::Str(v.into())
    }

    pub(crate) fn n(v: u64) -> J {
        J::Num(v.to_string())
    }

    pub(crate) fn obj<K: Into<String>>(items: impl IntoIterator<Item = (K, J)>) -> J {
        J::Obj(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub(crate) fn render(&self, style: Style) -> String {
        let mut out = String::new();
        self.write(&mut out, style, 0);
        out
    }

    fn write(&self, out: &mut String, style: Style, depth: usize) {
        let pretty = matches!(style, Style::Pretty | Style::PhpPretty);
        let newline = |out: &mut String, d: usize| {
            if pretty {
                out.push('\n');
                out.push_str(&"    ".repeat(d));
            }
        };
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => escape(out, s, style),
            J::Arr(v) if v.is_empty() => out.push_str("[]"),
            J::Obj(v) if v.is_empty() => out.push_str("{}"),
            J::Arr(v) => {
                out.push('[');
                for (i, item) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write(out, style, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            J::Obj(v) => {
                out.push('{');
                for (i, (k, item)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    escape(out, k, style);
                    out.push_str(if pretty { ": " } else { ":" });
                    item.write(out, style, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

fn escape(out: &mut String, s: &str, style: Style) {
    let php = matches!(style, Style::Php | Style::PhpPretty);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if php => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (php && !c.is_ascii()) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        let v = J::obj([
            ("a", J::n(1)),
            ("b", J::Arr(vec![J::s("x/y"), J::Bool(true)])),
            ("c", J::Arr(vec![])),
            ("d", J::obj([("é", J::s("ü"))])),
        ]);
        assert_eq!(
            v.render(Style::Compact),
            r#"{"a":1,"b":["x/y",true],"c":[],"d":{"é":"ü"}}"#
        );
        assert_eq!(
            v.render(Style::Php),
            r#"{"a":1,"b":["x\/y",true],"c":[],"d":{"\u00e9":"\u00fc"}}"#
        );
        assert_eq!(
            J::obj([("p", J::s("a/b")), ("n", J::Null)]).render(Style::PhpPretty),
            "{\n    \"p\": \"a\\/b\",\n    \"n\": null\n}"
        );
        assert_eq!(
            v.render(Style::Pretty),
            "{\n    \"a\": 1,\n    \"b\": [\n        \"x/y\",\n        true\n    ],\n    \"c\": [],\n    \"d\": {\n        \"é\": \"ü\"\n    }\n}"
        );
    }
}
