//! What a slow or idle client may hold of the server. Variables: `HEADER_READ_TIMEOUT`,
//! `BODY_READ_TIMEOUT`, `IDLE_TIMEOUT`, `MAX_CONNECTIONS`, `MAX_REQUESTS_IN_FLIGHT`.

use std::time::Duration;

use super::values::parse_duration;
use super::{ConfigError, err};

/// What a slow or idle client may hold of the server (`http::serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's head (request line and headers) must arrive within this, counted from the
    /// connection's accept for its first request, from the request's first byte for later ones.
    pub header_read_timeout: Duration,
    /// A request's whole body must arrive within this, counted from the first read of it
    /// (else `408`).
    pub body_read_timeout: Duration,
    /// A keep-alive connection with no request in flight is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Requests whose handlers run at once (`http::completion`); more wait their turn, and one
    /// whose client hangs up while it waits is never started.
    pub max_requests_in_flight: usize,
}

impl ConnectionLimits {
    pub(super) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnectionLimits, ConfigError> {
        let duration = |name: &'static str, default: u64| match var(name) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => parse_duration(&v).map_err(|d| err(name, d)),
        };
        Ok(ConnectionLimits {
            header_read_timeout: duration("HEADER_READ_TIMEOUT", 10)?,
            body_read_timeout: duration("BODY_READ_TIMEOUT", 30)?,
            idle_timeout: duration("IDLE_TIMEOUT", 60)?,
            max_connections: match var("MAX_CONNECTIONS") {
                None => 1024,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| err("MAX_CONNECTIONS", "must be a number from 1 to 1000000"))?,
            },
            max_requests_in_flight: match var("MAX_REQUESTS_IN_FLIGHT") {
                None => 64,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        err(
                            "MAX_REQUESTS_IN_FLIGHT",
                            "must be a number from 1 to 100000",
                        )
                    })?,
            },
        })
    }
}
