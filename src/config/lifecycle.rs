//! How the process starts and stops: `SHUTDOWN_TIMEOUT` (the drain deadline after SIGTERM or
//! Ctrl-C, `app::Server::run`) and `LOG_FORMAT` (text or JSON lines, read by the binary before
//! the rest of the configuration, since logging starts first).

use std::time::Duration;

use super::values::parse_duration;
use super::{ConfigError, err};

/// The drain deadline when `SHUTDOWN_TIMEOUT` is unset: under Kubernetes' default grace
/// period (30 s) with room for the last writes and the database's close.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(25);

/// `SHUTDOWN_TIMEOUT`: how long a shutdown may take to finish requests, the mail round and the
/// reconcile run in progress before what is left is abandoned.
pub(super) fn shutdown_timeout(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Duration, ConfigError> {
    match var("SHUTDOWN_TIMEOUT") {
        None => Ok(DEFAULT_SHUTDOWN_TIMEOUT),
        Some(v) => parse_duration(&v).map_err(|d| err("SHUTDOWN_TIMEOUT", d)),
    }
}

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, with the event's fields (`message`, ...) at the top level.
    Json,
}

impl LogFormat {
    /// Reads `LOG_FORMAT` (`text` or `json`, any case; unset or empty: text).
    pub fn parse(value: Option<&str>) -> Result<LogFormat, ConfigError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(LogFormat::Text),
            Some(v) if v.eq_ignore_ascii_case("text") => Ok(LogFormat::Text),
            Some(v) if v.eq_ignore_ascii_case("json") => Ok(LogFormat::Json),
            Some(v) => Err(err("LOG_FORMAT", format!("{v:?} must be text or json"))),
        }
    }
}
