//! The MISP API key: validated once, never shown.

use std::fmt;

/// A MISP API key (authkey).
///
/// MISP accepts exactly 40 ASCII letters or digits (`AppController::__loginByAuthKey`), so the
/// key is checked for that shape before any request is made: a typo then costs one clear
/// UNKNOWN line instead of a 403 that looks like an outage. `Debug` and `Display` are redacted
/// so the key cannot leak through a log line or an error message by accident; the only way to
/// the text is [`ApiKey::expose`], used where the `Authorization` header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why a key was refused. Deliberately carries only the shape of the input, never its text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// Nothing left after trimming whitespace.
    #[error("is empty")]
    Empty,
    /// Not 40 characters long.
    #[error("is malformed: expected 40 letters or digits, found {0} characters")]
    Length(usize),
    /// 40 characters, but not all ASCII letters or digits.
    #[error("is malformed: expected 40 letters or digits, found other characters")]
    Charset,
}

impl ApiKey {
    /// Validates `raw` (surrounding whitespace, such as a key file's newline, is ignored).
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        let len = key.chars().count();
        if len != 40 {
            return Err(KeyError::Length(len));
        }
        if !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyError::Charset);
        }
        Ok(ApiKey(key.to_owned()))
    }

    /// The key's text, for the one place that builds the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The last guard before anything is printed: scrubs every secret the user handed over,
/// whether or not the command line could be parsed.
///
/// Redacting only the validated key is not enough: a key typed where something else was
/// expected (`check_misp workers -H host KEY`, as the seed blog's scripts take `HOST KEY`,
/// or `-k KEY`, which takes a *file*) is echoed by the very error that rejects it, and at
/// that point no [`ApiKey`] exists yet. So every argument token shaped like a MISP key
/// (exactly 40 ASCII letters or digits) is treated as one, as are the raw `--key` and
/// `MISP_KEY` values even when malformed (a key with a typo is still mostly the key).
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// Shortest raw `--key`/`MISP_KEY` value worth scrubbing: below that, replacing it in the
/// output would mangle ordinary words while protecting nothing.
const MIN_RAW_SECRET: usize = 8;

impl Redactor {
    /// Collects the secrets in the raw arguments and the `MISP_KEY` value.
    pub fn from_input(args: &[std::ffi::OsString], misp_key: Option<&std::ffi::OsStr>) -> Self {
        let mut r = Redactor::default();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        for (i, arg) in args.iter().enumerate() {
            for token in arg.split(|c: char| !c.is_ascii_alphanumeric()) {
                if token.len() == 40 {
                    r.add_raw(token);
                }
            }
            if arg == "--key" {
                if let Some(value) = args.get(i + 1) {
                    r.add_raw(value);
                }
            } else if let Some(value) = arg.strip_prefix("--key=") {
                r.add_raw(value);
            }
        }
        if let Some(k) = misp_key {
            r.add_raw(&k.to_string_lossy());
        }
        r
    }

    /// Adds the validated key.
    pub fn add(&mut self, key: &ApiKey) {
        self.add_raw(key.expose());
    }

    fn add_raw(&mut self, text: &str) {
        let t = text.trim();
        if t.chars().count() >= MIN_RAW_SECRET && !self.secrets.iter().any(|s| s == t) {
            self.secrets.push(t.to_owned());
            // Longest first, so a key is replaced whole before a part of it could be.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every collected secret replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "[redacted]"))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";

    #[test]
    fn accepts_forty_alphanumerics_and_trims() {
        let k = ApiKey::parse(&format!("  {KEY}\n")).unwrap();
        assert_eq!(k.expose(), KEY);
    }

    #[test]
    fn rejects_wrong_length_and_charset() {
        assert_eq!(ApiKey::parse(""), Err(KeyError::Empty));
        assert_eq!(ApiKey::parse(" \n"), Err(KeyError::Empty));
        assert_eq!(ApiKey::parse(&KEY[..39]), Err(KeyError::Length(39)));
        let bad = format!("{}-", &KEY[..39]);
        assert_eq!(ApiKey::parse(&bad), Err(KeyError::Charset));
        // A multi-byte character must be counted as one character, and refused.
        let uni = format!("{}é", &KEY[..39]);
        assert_eq!(ApiKey::parse(&uni), Err(KeyError::Charset));
    }

    #[test]
    fn never_formats_the_key() {
        let k = ApiKey::parse(KEY).unwrap();
        assert!(!format!("{k}").contains(KEY));
        assert!(!format!("{k:?}").contains(KEY));
        assert!(!format!("{:?}", Some(k.clone())).contains(KEY));
    }

    #[test]
    fn redactor_finds_keys_anywhere_in_the_input() {
        use std::ffi::{OsStr, OsString};
        let args: Vec<OsString> = ["check_misp", "workers", "-k", KEY, "--key=short-but-secret"]
            .iter()
            .map(OsString::from)
            .collect();
        let r = Redactor::from_input(&args, Some(OsStr::new(" envsecret123\n")));
        assert_eq!(
            r.redact(&format!("file {KEY}; short-but-secret; envsecret123")),
            "file [redacted]; [redacted]; [redacted]"
        );
        // Ordinary arguments and short values are left alone.
        let plain = Redactor::from_input(&args[..2], Some(OsStr::new("x")));
        assert_eq!(plain.redact("workers x"), "workers x");
        // A key inside a URL's user info is a token of its own.
        let url = [OsString::from(format!("--url=https://admin:{KEY}@misp"))];
        assert_eq!(Redactor::from_input(&url, None).redact(KEY), "[redacted]");
        // A key read from a file never was in the arguments: added once validated.
        let mut from_file = Redactor::from_input(&args[..2], None);
        from_file.add(&ApiKey::parse(KEY).unwrap());
        assert_eq!(from_file.redact(&format!("x {KEY} y")), "x [redacted] y");
    }
}
