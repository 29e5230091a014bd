//! What a check remembers between polls of one MISP: a small JSON file in the per-user
//! state directory `heal` uses (`/var/tmp/check_misp-<uid>/<kind>-<hash of the URL>.json`).
//!
//! The file never holds the key. It is written whole (temporary file and rename), so a
//! poller killed mid-write leaves the old or the new state, never half of one. Two polls at
//! once may each write their own view; both come from the same MISP moments apart, so
//! whichever lands last is as good as the other. A problem with the file never hides what
//! MISP answered: the check goes on without memory and says why in its long output.

use serde::{de::DeserializeOwned, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// Larger than any state this crate writes: such a file is something else.
const LIMIT: u64 = 64 * 1024;

/// The state file of `kind` for this MISP, or why there is none.
pub fn path(kind: &str, identity: &str) -> Result<PathBuf, String> {
    crate::checks::heal::default_state_path(kind, identity)
}

/// The remembered state; `Ok(None)` when there is none yet, `Err` (a sentence for the long
/// output) when the file cannot be used, in which case it is started afresh.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    let shown = path.display();
    let meta = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state file {shown}: {e}")),
        Ok(m) => m,
    };
    if !meta.is_file() {
        return Err(format!("state file {shown} is not a regular file: ignored"));
    }
    if meta.len() > LIMIT {
        return Err(format!(
            "state file {shown} was corrupt (too large) and is rewritten"
        ));
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read state file {shown}: {e}"))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|_| format!("state file {shown} was corrupt and is rewritten"))
}

/// Writes the state whole.
pub fn save<T: Serialize>(path: &Path, state: &T) -> Result<(), String> {
    let bytes = serde_json::to_vec(state).unwrap_or_default();
    crate::atomic::write(path, &bytes)
        .map_err(|e| format!("cannot write state file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_corrupt_and_odd_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        assert_eq!(load::<Vec<u64>>(&p), Ok(None));
        save(&p, &vec![1u64, 2]).unwrap();
        assert_eq!(load::<Vec<u64>>(&p), Ok(Some(vec![1, 2])));
        fs::write(&p, b"{nope").unwrap();
        assert!(load::<Vec<u64>>(&p).unwrap_err().contains("corrupt"));
        assert!(load::<Vec<u64>>(dir.path())
            .unwrap_err()
            .contains("not a regular file"));
    }
}
