//! `check_misp-gen ROOT`: writes check_misp's man pages, shell completions and Icinga 2
//! CheckCommand definitions below the source tree ROOT.
//!
//! Everything is generated from the same clap definitions the binary parses with, so the
//! documentation cannot drift from the options. The output is committed (installing needs
//! no cargo); a test regenerates it and fails when it differs. After changing an option
//! run `cargo run -p check_misp-gen -- .` at the top of the tree.
//!
//! Files written below ROOT:
//! - `doc/man/check_misp.1` and `doc/man/check_misp-<check>.1`
//! - `doc/completions/check_misp.bash`, `doc/completions/_check_misp` (zsh),
//!   `doc/completions/check_misp.fish`
//! - `contrib/icinga2/check_misp.conf`
//! - the per-check links of the Debian package, in `Cargo.toml`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Roff};
use clap_mangen::Man;

mod deb;
mod icinga2;

const BIN: &str = "check_misp";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: check_misp-gen ROOT");
        return ExitCode::from(2);
    };
    match generate(Path::new(&out)) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("check_misp-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes every generated file below `root`, returning the paths written.
fn generate(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let man_dir = root.join("doc/man");
    let comp_dir = root.join("doc/completions");
    let icinga_dir = root.join("contrib/icinga2");
    for d in [&man_dir, &comp_dir, &icinga_dir] {
        std::fs::create_dir_all(d)?;
    }
    let mut written = Vec::new();

    let mut cmd = check_misp::cli::Cli::command();
    cmd.build();

    let main_page = man_dir.join(format!("{BIN}.1"));
    let mut page = Vec::new();
    render_main_page(&cmd, &mut page)?;
    std::fs::write(&main_page, page)?;
    written.push(main_page);

    // One page per check, so `man check_misp-workers` shows that check's own options.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        // clap_mangen names the source after the subcommand ("login 0.1.0"); the
        // package is check_misp.
        let man = Man::new(sub.clone())
            .source(format!("{BIN} {}", cmd.get_version().unwrap_or_default()));
        let path = man_dir.join(man.get_filename());
        let mut page = Vec::new();
        man.render(&mut page)?;
        let mut see_also = Roff::new();
        see_also.control("SH", ["SEE ALSO"]);
        see_also.text([bold(BIN), roman("(1)")]);
        page.write_all(see_also.to_roff().as_bytes())?;
        std::fs::write(&path, page)?;
        written.push(path);
    }

    for (shell, name) in [
        (Shell::Bash, format!("{BIN}.bash")),
        (Shell::Zsh, format!("_{BIN}")),
        (Shell::Fish, format!("{BIN}.fish")),
    ] {
        let path = comp_dir.join(name);
        let mut text = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), BIN, &mut text);
        std::fs::write(&path, text)?;
        written.push(path);
    }

    let path = icinga_dir.join("check_misp.conf");
    std::fs::write(&path, icinga2::render(&cmd))?;
    written.push(path);

    let path = root.join("Cargo.toml");
    let toml = deb::cargo_toml(root, check_misp::CheckName::NAMES)?;
    std::fs::write(&path, toml)?;
    written.push(path);
    Ok(written)
}

/// The main page: clap's sections, then what `--help` cannot say at length.
fn render_main_page(cmd: &clap::Command, w: &mut dyn Write) -> std::io::Result<()> {
    let man = Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;

    let mut r = Roff::new();
    r.control("SH", ["PROGRAM NAMES"]);
    r.text([
        roman("The binary may also be installed (symlink, hard link or copy) as "),
        bold("check_misp_"),
        italic("CHECK"),
        roman(", which runs that check: "),
        roman(
            check_misp::CheckName::NAMES
                .iter()
                .map(|c| format!("check_misp_{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        roman(". A dash may replace the underscore."),
    ]);

    r.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "OK"),
        ("1", "WARNING (with -o okko: KO, the check failed)"),
        ("2", "CRITICAL"),
        (
            "3",
            "UNKNOWN: bad command line, unreadable or malformed key, --help, --version",
        ),
    ] {
        r.control("TP", []);
        r.text([bold(code)]);
        r.text([roman(meaning)]);
    }

    r.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in [
        ("MISP_URL", "Base URL, as --url."),
        ("MISP_KEY_FILE", "File holding the API key, as --key-file."),
        (
            "MISP_KEY",
            "The API key itself; unlike --key it does not show in ps.",
        ),
    ] {
        r.control("TP", []);
        r.text([bold(var)]);
        r.text([roman(meaning)]);
    }

    r.control("SH", ["EXAMPLES"]);
    for (what, line) in [
        (
            "Workers of a MISP, warning on any dead worker:",
            "check_misp workers -H misp.example.org -k /etc/check_misp/key",
        ),
        (
            "The same for OpenNMS, OK or KO:",
            "check_misp_workers -o okko -H misp.example.org -k /etc/check_misp/key",
        ),
        (
            "REST latency, warning above 2 s, critical above 5 s:",
            "check_misp latency -u https://misp.example.org -k /etc/check_misp/key -w 2s -c 5s",
        ),
    ] {
        r.control("PP", []);
        r.text([roman(what)]);
        r.control("RS", ["4"]);
        r.control("nf", []);
        r.text([bold(line)]);
        r.control("fi", []);
        r.control("RE", []);
    }

    r.control("SH", ["SEE ALSO"]);
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect();
    for (i, name) in subs.iter().enumerate() {
        let sep = if i + 1 < subs.len() { "(1), " } else { "(1)" };
        r.text([bold(format!("{BIN}-{name}")), roman(sep)]);
    }
    w.write_all(r.to_roff().as_bytes())?;

    man.render_version_section(w)
}
