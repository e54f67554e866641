//! `cyclecloud-emulator`: run the emulated CycleCloud server in the foreground.
//! The flags are documented in `docs/emulator.md` and by `--help`.

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    std::process::exit(cyclecloud_emulator::cli::run_with_args(
        std::env::args_os().skip(1),
    ));
}
