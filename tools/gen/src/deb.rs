//! The Debian package's per-check entries in the top-level `Cargo.toml`: a
//! `check_misp_<check>` link in the Nagios plugin directory and a man page alias for each
//! check. cargo-deb reads its assets from `Cargo.toml` only, so the generator rewrites the
//! lines between two marker comments there, and adding a check needs no hand edit.

use std::path::Path;

const BEGIN: &str =
    "    # BEGIN per-check links, written by tools/gen (cargo run -p check_misp-gen -- .)\n";
const END: &str = "    # END per-check links\n";

/// `Cargo.toml` with its marked block rewritten for `checks`. The text comes from
/// `root/Cargo.toml` when there is one, else from the source tree the generator was built
/// in (a fresh output directory, as the staleness test uses).
pub fn cargo_toml(root: &Path, checks: &[&str]) -> std::io::Result<String> {
    let source = root.join("Cargo.toml");
    let text = if source.is_file() {
        std::fs::read_to_string(source)?
    } else {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))?
    };
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    let start = text
        .find(BEGIN)
        .ok_or_else(|| bad("Cargo.toml has no BEGIN per-check links marker"))?;
    let end = text[start..]
        .find(END)
        .map(|i| start + i)
        .ok_or_else(|| bad("Cargo.toml has no END per-check links marker"))?;
    let mut block = String::from(BEGIN);
    for check in checks {
        block.push_str(&format!(
            "    {{ dest = \"usr/lib/nagios/plugins/check_misp_{check}\", link_name = \"../../../bin/check_misp\" }},\n"
        ));
    }
    for check in checks {
        block.push_str(&format!(
            "    {{ dest = \"usr/share/man/man1/check_misp_{check}.1.gz\", link_name = \"check_misp-{check}.1.gz\" }},\n"
        ));
    }
    Ok(format!("{}{block}{}", &text[..start], &text[end..]))
}
