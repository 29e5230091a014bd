//! Any bytes as a key file: read or refused, never a panic, and an error never contains
//! the file's text (a malformed key is still mostly the key).
#![no_main]

use check_misp::secret::ApiKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("check_misp-fuzz-key-{}", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Err(e) = ApiKey::from_file(&path) {
        let msg = e.to_string();
        assert!(!msg.contains('\n'));
        let text = String::from_utf8_lossy(data);
        let text = text.trim();
        assert!(text.len() < 8 || !msg.contains(text));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check_misp::secret::looks_like_key(text);
    }
});
