//! Property tests of what check_misp reads from local files: the key file (any bytes, any
//! size around the cap), the statistics cache and the heal state (any contents, any
//! recorded time against any clock). None may panic; the key file never shows up in an
//! error; a time ahead of the clock (beyond the skew allowed between hosts) is never
//! taken as "just now", for ever.

use check_misp::checks::heal;
use check_misp::secret::{ApiKey, KeyFileError, KEY_FILE_LIMIT};
use check_misp::statistics as stats;
use check_misp::words::CLOCK_SKEW;
use proptest::prelude::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const KEY: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";

/// Key-file contents: random bytes, or a key-like text with the decorations editors add.
fn key_file_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        (
            prop::option::of(Just("\u{feff}")),
            "[ \t\r\n]{0,3}",
            "[A-Za-z0-9]{36,44}|[A-Za-z0-9 _.é-]{0,50}",
            "[ \t\r\n]{0,3}",
        )
            .prop_map(|(bom, pre, body, post)| {
                format!("{}{pre}{body}{post}", bom.unwrap_or("")).into_bytes()
            }),
    ]
}

/// What MISP accepts, computed the plain way: the text without surrounding whitespace and
/// one leading byte order mark, exactly 40 ASCII letters or digits.
fn expected_key(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    (text.len() == 40 && text.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| text.to_owned())
}

/// A Unix time as the files hold them: around now, far ahead, or anything at all.
fn unix_time() -> impl Strategy<Value = u64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    prop_oneof![
        (now - 7200)..(now + 7200),
        (now + 250)..(now + 350),
        Just(4_102_444_800u64),
        any::<u64>(),
        0u64..(1 << 40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any key file: the key is read exactly when MISP would accept its text, and an
    /// error is one line that never contains the file's text.
    #[test]
    fn key_files_are_read_or_refused_without_echo(bytes in key_file_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, &bytes).unwrap();
        match (ApiKey::from_file(&path), expected_key(&bytes)) {
            (Ok(k), Some(want)) => prop_assert_eq!(k.expose(), want),
            (Err(e), None) => {
                let msg = e.to_string();
                prop_assert!(!msg.contains('\n'), "{:?}", msg);
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                prop_assert!(text.len() < 8 || !msg.contains(text), "{:?} in {:?}", text, msg);
            }
            (got, want) => prop_assert!(false, "{:?}: got {:?}, want {:?}", bytes, got, want),
        }
    }

    /// Around the 4 KiB cap: a key padded with whitespace is read up to the cap and
    /// refused beyond it, without reading on.
    #[test]
    fn key_files_are_capped(len in 0u64..(2 * KEY_FILE_LIMIT)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let pad = usize::try_from(len.saturating_sub(KEY.len() as u64)).unwrap();
        std::fs::write(&path, format!("{KEY}{}", " ".repeat(pad))).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        match ApiKey::from_file(&path) {
            Ok(k) => prop_assert!(size <= KEY_FILE_LIMIT && k.expose() == KEY),
            Err(KeyFileError::TooLarge) => prop_assert!(size > KEY_FILE_LIMIT),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    /// The statistics cache with any fetch time against any clock: a time beyond the skew
    /// is ignored (and said) and the file's own time judges; otherwise the age is the
    /// time since the fetch (zero within the skew), and only a young enough cache is used.
    #[test]
    fn cache_fetch_times_against_any_clock(
        fetched_at in unix_time(),
        offset in -7200i64..7200,
        max_age in 1u64..10_000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        std::fs::write(
            &path,
            format!(r#"{{"events":1,"attributes":2,"users":3,"orgs":4,"fetched_at":{fetched_at}}}"#),
        )
        .unwrap();
        let written = std::fs::metadata(&path).unwrap().modified().unwrap();
        let now = if offset >= 0 {
            written + Duration::from_secs(offset.unsigned_abs())
        } else {
            written - Duration::from_secs(offset.unsigned_abs())
        };
        let max_age = Duration::from_secs(max_age);
        let result = stats::read_cache(&path, max_age, now);
        if fetched_at > check_misp::misp::MAX_COUNT {
            let msg = result.unwrap_err().to_string();
            prop_assert!(msg.contains("\"fetched_at\" is not a Unix time"), "{}", msg);
            return Ok(());
        }
        let recorded = UNIX_EPOCH + Duration::from_secs(fetched_at);
        let ahead = |t: SystemTime| t.duration_since(now).is_ok_and(|d| d > CLOCK_SKEW);
        let used = if ahead(recorded) { written } else { recorded };
        let want_age = now.duration_since(used).unwrap_or_default();
        match result {
            Ok(c) => {
                prop_assert!(!ahead(used));
                prop_assert_eq!(c.age.as_secs(), want_age.as_secs());
                prop_assert!(c.age <= max_age);
                prop_assert_eq!(c.note.is_some(), ahead(recorded));
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(!msg.contains('\n'), "{:?}", msg);
                prop_assert!(ahead(used) || want_age > max_age, "{}", msg);
            }
        }
    }

    /// Any bytes as a cache: parsed or refused in one line, never a panic.
    #[test]
    fn cache_parser_never_panics(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        (any::<i64>(), any::<u64>(), "[0-9e.+-]{1,25}").prop_map(|(a, b, c)| format!(
            r#"{{"events":{a},"attributes":"{c}","users":{b},"orgs":1,"fetched_at":{b}}}"#
        ).into_bytes()),
    ]) {
        if let Err(e) = stats::parse_cache(&bytes) {
            prop_assert!(!e.contains('\n'), "{:?}", e);
        }
    }

    /// The heal state with any recorded restart against any clock: a restart beyond the
    /// skew ahead is ignored and said; otherwise the cooldown holds exactly for this MISP.
    #[test]
    fn heal_state_times_against_any_clock(
        last in unix_time(),
        now in (1u64 << 30)..(1u64 << 33),
        cooldown in 0u64..100_000,
        same_url in any::<bool>(),
    ) {
        let url = if same_url { "https://misp" } else { "https://other" };
        let bytes = format!(r#"{{"url":"{url}","last_restart":{last}}}"#);
        let now_t = UNIX_EPOCH + Duration::from_secs(now);
        let cooldown = Duration::from_secs(cooldown);
        let got = heal::prior(bytes.as_bytes(), "state.json", "https://misp", now_t, cooldown);
        let future = last > now + CLOCK_SKEW.as_secs();
        let ago = now.saturating_sub(last);
        match got {
            heal::Prior::Clear(Some(note)) => {
                prop_assert!(future, "{}", note);
                prop_assert!(note.contains("records a restart in the future") && !note.contains('\n'), "{}", note);
            }
            heal::Prior::Clear(None) => prop_assert!(!future && (!same_url || ago >= cooldown.as_secs())),
            heal::Prior::CoolingDown(d) => {
                prop_assert!(!future && same_url);
                prop_assert_eq!(d.as_secs(), ago);
                prop_assert!(d < cooldown);
            }
        }
    }

    /// Any bytes as a heal state: a verdict, never a panic; junk is "corrupt".
    #[test]
    fn heal_state_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let now = SystemTime::now();
        match heal::prior(&bytes, "s", "https://misp", now, Duration::from_secs(900)) {
            heal::Prior::Clear(Some(note)) => prop_assert!(!note.contains('\n')),
            _ => prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()),
        }
    }
}
