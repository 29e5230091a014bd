//! What a check remembers between polls of one MISP: a small JSON file in the state
//! directory (`--state-dir`, env `MISP_STATE_DIR`, by default `/var/tmp/check_misp-<uid>`),
//! named `<kind>-<hash of the URL>.json`.
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

/// The state file of `kind` for this MISP in `dir` (`None`: the default directory), or
/// why there is none. The directory is made private to the user if missing, and refused
/// if someone else owns it, so no other user can plant a link there.
pub fn path(dir: Option<&Path>, kind: &str, identity: &str) -> Result<PathBuf, String> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => default_dir(),
    };
    path_in(&dir, kind, identity)
}

/// `/var/tmp/check_misp-<uid>`: /var/tmp outlives a reboot, and each user has their own.
pub fn default_dir() -> PathBuf {
    let uid = rustix::process::getuid().as_raw();
    Path::new("/var/tmp").join(format!("check_misp-{uid}"))
}

fn path_in(dir: &Path, kind: &str, identity: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = rustix::process::getuid().as_raw();
    let created = fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(dir);
    // mkdir's own error says why (read-only file system, permission denied); the lookup
    // after it would only say that the directory is not there.
    let meta = fs::symlink_metadata(dir).map_err(|lookup| {
        format!(
            "cannot create state directory {}: {}; use another --state-dir",
            dir.display(),
            created.err().unwrap_or(lookup)
        )
    })?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(format!(
            "state directory {} is not a directory owned by this user; use another --state-dir",
            dir.display()
        ));
    }
    Ok(dir.join(format!("{kind}-{:016x}.json", fnv1a(identity.as_bytes()))))
}

/// FNV-1a: a stable, dependency-free name for a URL (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
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

    /// The error is mkdir's, not the "No such file or directory" of the lookup after it.
    /// As root nearly everything is writable; /sys refuses new directories to anyone.
    #[test]
    fn state_directory_errors_carry_the_os_cause() {
        let uid = rustix::process::getuid().as_raw();
        let dir = Path::new("/sys").join(format!("check_misp-{uid}"));
        let why = fs::create_dir(&dir).unwrap_err();
        assert_ne!(why.kind(), std::io::ErrorKind::NotFound, "{why}");
        let e = path(Some(&dir), "heal", "https://misp").unwrap_err();
        assert_eq!(
            e,
            format!("cannot create state directory /sys/check_misp-{uid}: {why}; use another --state-dir")
        );
        // Under a regular file: "Not a directory", from mkdir too.
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        fs::write(&file, b"").unwrap();
        let e = path(Some(&file.join("d")), "heal", "https://misp").unwrap_err();
        assert!(
            e.ends_with(": Not a directory (os error 20); use another --state-dir"),
            "{e}"
        );
        // A usable directory: made, mode 0700, the file named per kind and URL.
        let d = tmp.path().join("state");
        let p = path(Some(&d), "heal", "https://misp").unwrap();
        assert_eq!(p.parent(), Some(d.as_path()));
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&d).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_ne!(p, path(Some(&d), "workers", "https://misp").unwrap());
        assert_ne!(p, path(Some(&d), "heal", "https://other").unwrap());
    }

    #[test]
    fn state_path_is_stable_per_url() {
        assert_eq!(fnv1a(b"https://a"), fnv1a(b"https://a"));
        assert_ne!(fnv1a(b"https://a"), fnv1a(b"https://b"));
    }
}
