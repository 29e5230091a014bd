//! Files that are either wholly old or wholly new: write a temporary, fsync, rename.
//!
//! A poller killed mid-write (OpenNMS sends SIGTERM on its timeout) must never leave a
//! half-written state or cache file behind for the next run to trip over. The temporary
//! is created under a fresh random name with `O_EXCL` (by `tempfile`), so a link another
//! user planted in a shared directory is never followed, truncated or chmod'ed.

use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes` atomically (same directory, so the rename cannot cross
/// file systems). The file is created readable by its owner only.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_mode(path, bytes, 0o600)
}

/// Like [`write`], with the file's permission bits set to exactly `mode` (whatever the
/// umask), e.g. `0o644` for a cache another user (snmpd's) must read.
///
/// An error names the step that failed and carries that call's OS error, e.g.
/// "cannot create a temporary file in /var/tmp: Read-only file system (os error 30)".
pub fn write_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let step = |what: String| move |e: io::Error| named(&what, e);
    // Dropped on any error below, which removes the temporary.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(step(format!(
        "create a temporary file in {}",
        dir.display()
    )))?;
    let shown = tmp.path().display().to_string();
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(step(format!("set the mode of {shown}")))?;
    tmp.write_all(bytes)
        .map_err(step(format!("write {shown}")))?;
    tmp.as_file()
        .sync_all()
        .map_err(step(format!("flush {shown} to disk")))?;
    tmp.persist(path)
        .map_err(|e| named(&format!("rename {shown} to {}", path.display()), e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `cannot {what}: {the OS error}`. `tempfile` appends ` at path "…"` (Rust debug
/// quoting) to the OS error it saw; the step already names the place, so that is cut.
fn named(what: &str, e: io::Error) -> io::Error {
    let text = e.to_string();
    let cause = text
        .split_once(" at path ")
        .map_or(text.as_str(), |(c, _)| c);
    io::Error::new(e.kind(), format!("cannot {what}: {cause}"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        super::write(&p, b"one").unwrap();
        super::write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn mode_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache.json");
        super::write_mode(&p, b"{}", 0o644).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        super::write(&p, b"{}").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// Another user who can write the directory plants links at every name a predictable
    /// temporary could have: the targets keep their bytes and mode, and the file written
    /// is a regular file, not one of the links.
    #[test]
    fn planted_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let p = dir.path().join("heal.json");
        let planted = dir
            .path()
            .join(format!(".heal.json.tmp.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        super::write_mode(&p, b"new", 0o644).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_file());
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
    }

    /// The OS error of the call that failed, named with its step, in one plain sentence.
    #[test]
    fn errors_name_the_step_and_the_os_cause() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"").unwrap();
        let e = super::write(&file.join("state.json"), b"x").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot create a temporary file in {}: Not a directory (os error 20)",
                file.display()
            )
        );
        // /proc refuses new files whoever asks, root included.
        let e = super::write(std::path::Path::new("/proc/check_misp.json"), b"x").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("cannot create a temporary file in /proc: ")
                && text.ends_with(")")
                && !text.contains('"'),
            "{text}"
        );
    }
}
