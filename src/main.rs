//! `check_misp`: monitoring plugins for MISP.
//!
//! Data flows one way: parse args → fetch from MISP → judge → render → exit. This file is
//! the only place that prints or exits.

use check_misp::checks::{self, Invocation};
use check_misp::cli::{self, NotRun};
use check_misp::error::{Error, Phase};
use check_misp::outcome::{Outcome, State};
use check_misp::output;
use std::io::Write;
use std::time::Duration;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Collected before parsing: a key typed in the wrong place is echoed by the very error
    // that rejects it, before any validated key exists.
    let mut redactor = check_misp::secret::Redactor::from_input(
        &args,
        std::env::var_os("MISP_KEY").as_deref(),
        std::env::var_os("MISP_KEY_FILE").as_deref(),
    );
    let (rendered, key, file) = match cli::parse(args) {
        Ok(inv) => {
            let outcome = execute(&inv);
            let layout = checks::layout(inv.name());
            (
                output::render(inv.opts.output, &outcome, layout, None, inv.opts.verbose),
                inv.opts.key,
                inv.opts.output_file,
            )
        }
        Err(NotRun::Info(text)) => {
            // Help and version go to stdout and exit UNKNOWN, as the guidelines require.
            print_and_exit(&text, "", 3)
        }
        Err(NotRun::Bad {
            check,
            output,
            message,
            usage,
        }) => {
            let outcome = Outcome::of(check, State::Unknown, message);
            let layout = check.map_or(&[][..], checks::layout);
            (
                output::render(output, &outcome, layout, usage.as_deref(), 0),
                None,
                None,
            )
        }
    };
    if let Some(k) = &key {
        redactor.add(k);
    }
    let stdout = redactor.redact(&rendered.stdout);
    let stderr = redactor.redact(&rendered.stderr);
    match file {
        // Written whole or not at all, so a collector reading it never sees half a file;
        // 0644 because the reader (node_exporter) is rarely the user who wrote it.
        Some(path) => match check_misp::atomic::write_mode(&path, stdout.as_bytes(), 0o644) {
            Ok(()) => print_and_exit("", &stderr, rendered.code),
            Err(e) => {
                let why = format!("cannot write --output-file {}: {e}\n", path.display());
                print_and_exit("", &format!("{stderr}{why}"), 3)
            }
        },
        None => print_and_exit(&stdout, &stderr, rendered.code),
    }
}

/// Runs the check on a single-threaded runtime under the deadline; SIGTERM or SIGINT
/// (OpenNMS and Icinga kill late plugins) ends it at once with what is known.
fn execute(inv: &Invocation) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            return Outcome::new(
                inv.name(),
                State::Unknown,
                format!("cannot start the I/O runtime: {e}"),
            )
        }
    };
    let result = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + inv.opts.timeout;
        // Every phase has its own deadline check naming what it waited for; this outer one
        // is only a backstop and fires a moment later.
        let guarded = tokio::time::timeout_at(
            deadline + Duration::from_millis(200),
            checks::run(inv, deadline),
        );
        tokio::select! {
            r = guarded => r.unwrap_or_else(|_| Err(Error::Timeout {
                after: humantime::format_duration(inv.opts.timeout).to_string(),
                phase: Phase::Check,
            })),
            signal = termination() => Err(Error::Terminated(signal)),
        }
    });
    // Leave a resolver thread still blocked in getaddrinfo behind instead of waiting for it.
    runtime.shutdown_background();
    result.unwrap_or_else(|e| checks::failed(inv, &e))
}

async fn termination() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => std::future::pending().await,
    }
}

fn print_and_exit(stdout: &str, stderr: &str, code: u8) -> ! {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(stdout.as_bytes());
    let _ = out.flush();
    if !stderr.is_empty() {
        let _ = std::io::stderr().write_all(stderr.as_bytes());
    }
    std::process::exit(i32::from(code))
}
