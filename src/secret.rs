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
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
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

/// The most a key file may hold: a key is 40 bytes and a newline, so anything larger is
/// some other file given by mistake, and is not read.
pub const KEY_FILE_LIMIT: u64 = 4096;

/// Why a key file gave no key. Carries the shape of the problem, never the file's text.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The OS refused to open or read it (missing, no permission, ...).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A directory, FIFO, device or socket: reading one could block or never end.
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    /// Larger than [`KEY_FILE_LIMIT`].
    #[error("is larger than 4 KiB, so not a key file")]
    TooLarge,
    /// Not UTF-8; the text says what it looks like instead, when that is known.
    #[error("is not UTF-8 text{0}")]
    NotText(&'static str),
    /// Read, but what it holds is not a key.
    #[error("{0}")]
    Format(KeyError),
}

impl ApiKey {
    /// Validates `raw` (surrounding whitespace, such as a key file's newline, is ignored,
    /// as is the byte order mark some Windows editors put at the start of a file).
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        let key = raw.trim();
        let key = key.strip_prefix('\u{feff}').unwrap_or(key).trim();
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

    /// Reads and validates the key file at `path`, within a bounded time and memory
    /// whatever the path names: it is opened non-blocking (a FIFO without a writer would
    /// otherwise block in `open`), refused unless it is a regular file (`/dev/zero` never
    /// ends), and read no further than [`KEY_FILE_LIMIT`].
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyFileError> {
        use std::io::Read;
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(open_flags(flags))
            .open(path)?;
        let meta = file.metadata()?;
        let t = meta.file_type();
        let kind = if t.is_file() {
            None
        } else if t.is_dir() {
            Some("a directory")
        } else if t.is_fifo() {
            Some("a FIFO (named pipe)")
        } else if t.is_char_device() {
            Some("a character device")
        } else if t.is_block_device() {
            Some("a block device")
        } else if t.is_socket() {
            Some("a socket")
        } else {
            Some("not a file")
        };
        if let Some(kind) = kind {
            return Err(KeyFileError::NotRegular(kind));
        }
        if meta.len() > KEY_FILE_LIMIT {
            return Err(KeyFileError::TooLarge);
        }
        let mut bytes = Vec::new();
        // The file may have grown since fstat: the cap holds anyway.
        file.take(KEY_FILE_LIMIT + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > KEY_FILE_LIMIT {
            return Err(KeyFileError::TooLarge);
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let b = e.as_bytes();
            KeyFileError::NotText(
                if b.starts_with(&[0xff, 0xfe]) || b.starts_with(&[0xfe, 0xff]) {
                    " (it looks like UTF-16: save it as plain text)"
                } else {
                    ""
                },
            )
        })?;
        ApiKey::parse(&text).map_err(KeyFileError::Format)
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
/// expected (`check_misp workers -H host KEY`, as the OpenNMS monitoring scripts take `HOST KEY`,
/// or `-k KEY`, which takes a *file*) is echoed by the very error that rejects it, and at
/// that point no [`ApiKey`] exists yet. So every argument token shaped like a MISP key
/// (exactly 40 ASCII letters or digits) is treated as one, as are the raw `--key` and
/// `MISP_KEY` values even when malformed (a key with a typo is still mostly the key).
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// True when `text` holds something shaped like a MISP key, give or take a few
/// characters of typo (a run of 36 to 44 ASCII letters and digits): such a "path" is a key
/// put where a path belongs, and must not be echoed.
pub fn looks_like_key(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|run| (36..=44).contains(&run.len()))
}

/// Shortest raw `--key`/`MISP_KEY` value worth scrubbing: below that, replacing it in the
/// output would mangle ordinary words while protecting nothing.
const MIN_RAW_SECRET: usize = 8;

impl Redactor {
    /// Collects the secrets in the raw arguments and the `MISP_KEY` value, and anything
    /// key-like in `MISP_KEY_FILE` (a key pasted where its file's path belongs).
    pub fn from_input(
        args: &[std::ffi::OsString],
        misp_key: Option<&std::ffi::OsStr>,
        misp_key_file: Option<&std::ffi::OsStr>,
    ) -> Self {
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
        if let Some(path) = misp_key_file {
            let path = path.to_string_lossy();
            for run in path.split(|c: char| !c.is_ascii_alphanumeric()) {
                if looks_like_key(run) {
                    r.add_raw(run);
                }
            }
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

/// `open(2)` flags as `OpenOptionsExt::custom_flags` takes them: the same bits, as the
/// C `int` they are.
#[allow(
    clippy::cast_possible_wrap,
    reason = "open(2) flags are a C int; the u32 only carries its bits"
)]
pub fn open_flags(flags: rustix::fs::OFlags) -> i32 {
    flags.bits() as i32
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
    fn a_leading_byte_order_mark_is_not_part_of_the_key() {
        let k = ApiKey::parse(&format!("\u{feff}{KEY}\r\n")).unwrap();
        assert_eq!(k.expose(), KEY);
        // Only at the start, as editors write it.
        let inside = format!("{}\u{feff}{}", &KEY[..20], &KEY[20..]);
        assert_eq!(ApiKey::parse(&inside), Err(KeyError::Length(41)));
    }

    #[test]
    fn key_like_paths_and_misp_key_file_values_are_secrets() {
        use std::ffi::OsStr;
        assert!(looks_like_key(KEY));
        assert!(looks_like_key(&KEY[..38]));
        assert!(looks_like_key(&format!("/run/secrets/{KEY}")));
        assert!(!looks_like_key("/etc/check_misp/misp.example.org.key"));
        // A SHA-256 or MD5 name is not a key's length.
        assert!(!looks_like_key(&"ab12".repeat(16)));
        assert!(!looks_like_key(&"ab12".repeat(8)));
        let typo = &KEY[..39];
        let r = Redactor::from_input(&[], None, Some(OsStr::new(typo)));
        assert_eq!(r.redact(&format!("file {typo}: x")), "file [redacted]: x");
        let path = Redactor::from_input(&[], None, Some(OsStr::new("/etc/misp/key")));
        assert_eq!(path.redact("file /etc/misp/key"), "file /etc/misp/key");
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
        let r = Redactor::from_input(&args, Some(OsStr::new(" envsecret123\n")), None);
        assert_eq!(
            r.redact(&format!("file {KEY}; short-but-secret; envsecret123")),
            "file [redacted]; [redacted]; [redacted]"
        );
        // Ordinary arguments and short values are left alone.
        let plain = Redactor::from_input(&args[..2], Some(OsStr::new("x")), None);
        assert_eq!(plain.redact("workers x"), "workers x");
        // A key inside a URL's user info is a token of its own.
        let url = [OsString::from(format!("--url=https://admin:{KEY}@misp"))];
        assert_eq!(
            Redactor::from_input(&url, None, None).redact(KEY),
            "[redacted]"
        );
        // A key read from a file never was in the arguments: added once validated.
        let mut from_file = Redactor::from_input(&args[..2], None, None);
        from_file.add(&ApiKey::parse(KEY).unwrap());
        assert_eq!(from_file.redact(&format!("x {KEY} y")), "x [redacted] y");
    }
}
