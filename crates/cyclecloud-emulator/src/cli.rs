//! The `cyclecloud-emulator` command line: flags, start-up lines, and running in the
//! foreground until Ctrl-C or SIGTERM. Shared by the Rust binary and the Python console
//! script, so both take the same flags and print the same lines.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Definition, EmbeddedServer, Options};
use clap::Parser;

/// A local Azure CycleCloud 8 REST server for development and tests.
#[derive(Debug, Parser)]
#[command(name = "cyclecloud-emulator", version)]
struct Args {
    /// HTTP port (0 picks a free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Also serve HTTPS on this port (0 picks a free port), with a generated CA.
    #[arg(long)]
    https_port: Option<u16>,
    /// Where to write the CA certificate when HTTPS is on (default: a temporary file).
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Address to bind (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Cluster definition file (TOML). Without it the built-in `demo` cluster is served.
    #[arg(long)]
    clusters: Option<PathBuf>,
    /// Persist every change to this file and resume from it on start.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds each lifecycle phase lasts (Acquiring, Preparing, …); 0 makes them instant.
    #[arg(long, default_value_t = 3.0)]
    phase_delay: f64,
    /// An accepted user as NAME:PASSWORD (repeatable). Default: admin:password.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<String>,
}

fn run(args: Args) -> Result<(), String> {
    let definition = match &args.clusters {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Some(Definition::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut users = Vec::new();
    for u in &args.users {
        match u.split_once(':') {
            Some((n, p)) if !n.is_empty() && !p.is_empty() => {
                users.push((n.to_string(), p.to_string()))
            }
            _ => return Err("--user takes NAME:PASSWORD with both parts non-empty".to_string()),
        }
    }
    let Ok(phase_delay) = Duration::try_from_secs_f64(args.phase_delay) else {
        return Err("--phase-delay must be a non-negative number of seconds".to_string());
    };
    if phase_delay.as_secs_f64() > crate::control::MAX_PHASE_DELAY {
        return Err(format!(
            "--phase-delay must be at most {} seconds (one day)",
            crate::control::MAX_PHASE_DELAY
        ));
    }
    let defaults = users.is_empty();
    let opts = Options {
        bind: args.bind,
        port: args.port,
        https: args.https_port.is_some(),
        https_port: args.https_port.unwrap_or(0),
        ca_path: args.ca_file.clone(),
        definition,
        state_file: args.state.clone(),
        phase_delay,
        users,
    };
    let server = EmbeddedServer::start(opts).map_err(|e| e.to_string())?;
    // Signal handlers go in before the start-up lines are printed, so a supervisor that
    // sends SIGTERM as soon as it has read them stops the server cleanly.
    let stop = server.stopper();
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        let _ctx = signals.enter();
        let int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        (int, term)
    };
    std::thread::spawn(move || {
        signals.block_on(async {
            #[cfg(unix)]
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        });
        stop();
    });
    #[allow(clippy::print_stdout)]
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.http_url());
        if let Some(u) = server.https_url() {
            let _ = writeln!(out, "listening on {u}");
        }
        if let Some(ca) = server.ca_path() {
            let _ = writeln!(out, "CA certificate: {}", ca.display());
        }
        if defaults {
            let _ = writeln!(
                out,
                "credentials: {} / {} (the well-known defaults; pass --user NAME:PASSWORD to change)",
                server.username(),
                server.password()
            );
        } else {
            let _ = writeln!(out, "credentials: as given with --user");
        }
        let _ = out.flush();
    }
    server.wait();
    Ok(())
}

/// Runs the command with `args` (without the program name); returns the exit code.
/// Errors are printed to stderr, start-up lines to stdout.
pub fn run_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv = std::iter::once(std::ffi::OsString::from("cyclecloud-emulator"))
        .chain(args.into_iter().map(Into::into));
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            // --help and --version are "errors" too; clap knows where each goes.
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cyclecloud-emulator: {e}");
            2
        }
    }
}
