//! The `donations` binary: loads `.env`, starts logging (`RUST_LOG`, `LOG_FORMAT`), installs the
//! shutdown signals' handlers when it serves, and runs the command line.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use donations::config::LogFormat;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: .env: {e}");
        return ExitCode::FAILURE;
    }
    // Logging starts before the rest of the configuration is read, so LOG_FORMAT is read here.
    let format = match LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: not in a file, a pipe or a container's log.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    match format {
        LogFormat::Text => logs.init(),
        // One object per line, the event's fields (`message`, ...) beside timestamp, level and
        // target, and the span it happened in.
        LogFormat::Json => logs.json().flatten_event(true).with_span_list(false).init(),
    }
    let cli = donations::cli::Cli::parse();
    if matches!(cli.command, None | Some(donations::cli::Command::Serve)) {
        // Before start-up, so that a SIGTERM during the migrations is kept (and drains).
        donations::app::listen_for_shutdown();
    }
    match donations::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match format {
                LogFormat::Text => eprintln!("error: {e}"),
                // Every line of the log stays JSON.
                LogFormat::Json => tracing::error!(error = %e, "stopped with an error"),
            }
            ExitCode::FAILURE
        }
    }
}
