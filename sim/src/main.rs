//! `misp-sim`: runs the MISP simulator on loopback until SIGTERM/SIGINT.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use misp_sim::{Encoding, Sim, SimOptions, WorkerMode};

const USAGE: &str = "usage: misp-sim [--bind 127.0.0.1] [--http-port N] [--https-port N] \
[--key KEY | --key-file PATH] [--mode supervisor|cakeresque|legacy] [--encoding 2.4|2.5] \
[--ca-out PATH] [--revive-delay-ms N] [--events N] [--baseurl URL]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("misp-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut opts = SimOptions::default();
    let mut ca_out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        let port = |v: &str| {
            v.parse::<u16>()
                .map_err(|_| format!("{flag}: not a port: {v}"))
        };
        match flag.as_str() {
            "--bind" => {
                let ip: std::net::IpAddr = value
                    .parse()
                    .map_err(|_| format!("--bind: not an IP address: {value}"))?;
                // The simulator accepts well-known keys: it must never face a network.
                if !ip.is_loopback() {
                    return Err(format!("--bind {ip}: only loopback addresses are allowed"));
                }
                opts.bind = ip;
            }
            "--http-port" => opts.http_port = port(&value)?,
            "--https-port" => opts.https_port = port(&value)?,
            "--key" => opts.key = value,
            "--key-file" => {
                opts.key = std::fs::read_to_string(&value)
                    .map_err(|e| format!("--key-file {value}: {e}"))?
                    .trim()
                    .to_string()
            }
            "--mode" => {
                opts.mode = match value.as_str() {
                    "supervisor" => WorkerMode::Supervisor,
                    "cakeresque" => WorkerMode::CakeResque,
                    "legacy" => WorkerMode::Legacy,
                    _ => return Err(format!("--mode: unknown mode {value}\n{USAGE}")),
                }
            }
            "--encoding" => {
                opts.encoding = match value.as_str() {
                    "2.4" => Encoding::V24,
                    "2.5" => Encoding::V25,
                    _ => return Err(format!("--encoding: use 2.4 or 2.5, not {value}")),
                }
            }
            "--baseurl" => opts.baseurl = Some(value.trim_end_matches('/').to_string()),
            "--ca-out" => ca_out = Some(PathBuf::from(value)),
            "--revive-delay-ms" => {
                opts.revive_delay = std::time::Duration::from_millis(num(&value)?)
            }
            "--events" => {
                opts.events = u32::try_from(num(&value)?).map_err(|_| "--events: too large")?
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    if opts.key.len() != 40 || !opts.key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("the key must be 40 letters or digits, as MISP requires".to_string());
    }

    let sim = Sim::start(opts).map_err(|e| format!("cannot start: {e}"))?;
    let ca = ca_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("misp-sim-{}-ca.pem", std::process::id()))
    });
    sim.write_ca(&ca)
        .map_err(|e| format!("cannot write {}: {e}", ca.display()))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "misp-sim ready http={} https={} ca={}",
        sim.http_url(),
        sim.https_url(),
        ca.display()
    );
    let _ = out.flush();
    drop(out);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => {}
            r = tokio::signal::ctrl_c() => r?,
        }
        Ok::<(), std::io::Error>(())
    })
    .map_err(|e| format!("signal handling: {e}"))?;
    drop(sim);
    Ok(())
}
