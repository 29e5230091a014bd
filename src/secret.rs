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

    /// Replaces every occurrence of the key in `text`: the last guard before anything is
    /// printed, in case a server or proxy echoed the key back into a message we repeat.
    pub fn redact_in(&self, text: &str) -> String {
        text.replace(&self.0, "[redacted]")
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
        assert_eq!(k.redact_in(&format!("x {KEY} y")), "x [redacted] y");
    }
}
