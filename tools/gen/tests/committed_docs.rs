//! The man pages, completions and Icinga 2 commands committed under `doc/` and
//! `contrib/icinga2/` are exactly what the generator makes from today's clap definitions,
//! and they render.

use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "cargo run -p check_misp-gen -- .";

/// The source tree's root, where the generated files are committed.
fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generate() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_check_misp-gen"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let files = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    (dir, files)
}

/// Files in the directories that hold nothing but generated files.
fn relative_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for sub in ["doc/man", "doc/completions"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            found.push(entry.unwrap().path().strip_prefix(root).unwrap().to_owned());
        }
    }
    found.sort();
    found
}

#[test]
fn committed_files_match_a_fresh_generation() {
    let (dir, written) = generate();
    // A man page per check, the three shells, the Icinga 2 file and Cargo.toml's package
    // links, so a missing piece is noticed too.
    assert_eq!(
        written.len(),
        1 + check_misp::CheckName::NAMES.len() + 3 + 1 + 1
    );
    assert_eq!(
        relative_files(&committed()),
        relative_files(dir.path()),
        "doc/ holds other files than the generator writes: run `{REGENERATE}`"
    );
    for path in written {
        let rel = path.strip_prefix(dir.path()).unwrap();
        let want = std::fs::read_to_string(&path).unwrap();
        let have = std::fs::read_to_string(committed().join(rel)).unwrap_or_default();
        assert!(
            want == have,
            "{} is stale (the clap definitions changed): run `{REGENERATE}` and commit it",
            rel.display()
        );
    }
}

#[test]
fn pages_document_every_check_and_option() {
    let (dir, _) = generate();
    let main = std::fs::read_to_string(dir.path().join("doc/man/check_misp.1")).unwrap();
    for &name in check_misp::CheckName::NAMES {
        assert!(main.contains(&format!("check_misp_{name}")), "{name}");
        let page = dir.path().join(format!("doc/man/check_misp-{name}.1"));
        let text = std::fs::read_to_string(&page).unwrap();
        assert!(text.contains("key\\-file"), "{name} page lacks --key-file");
    }
    for section in ["EXIT STATUS", "ENVIRONMENT", "MISP_KEY_FILE", "EXAMPLES"] {
        assert!(main.contains(section), "{section}");
    }
    let bash = std::fs::read_to_string(dir.path().join("doc/completions/check_misp.bash")).unwrap();
    assert!(bash.contains("complete -F _check_misp"), "{bash}");
    assert!(bash.contains("--key-file") && bash.contains("okko"));
}

/// groff (from man-db's dependencies) renders every page without a warning, and bash
/// accepts the completion script and registers it.
#[test]
fn pages_render_and_bash_completion_loads() {
    let (dir, written) = generate();
    let have_groff = Command::new("groff").arg("--version").output().is_ok();
    // .ci/run installs groff-base: on CI a missing groff is a failure, not a skip.
    assert!(
        have_groff || std::env::var_os("CI").is_none(),
        "groff missing on CI"
    );
    for page in written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "1"))
    {
        if !have_groff {
            eprintln!("groff not installed: rendering not checked");
            break;
        }
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(page)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{page:?}: {out:?}"
        );
        let out = Command::new("groff")
            // -P-cbu: plain text, no overstrike for bold and underline.
            .args(["-man", "-Tutf8", "-P-cbu"])
            .arg(page)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("OPTIONS") && text.contains("key-file"),
            "{text}"
        );
    }
    let script = dir.path().join("doc/completions/check_misp.bash");
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1" && complete -p check_misp &&
               COMP_WORDS=(check_misp workers --out) COMP_CWORD=2 COMP_LINE='check_misp workers --out' COMP_POINT=25 &&
               _check_misp check_misp --out workers && printf '%s\n' "${COMPREPLY[@]}""#,
        )
        .arg("bash")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("--output"), "{stdout}");
}
