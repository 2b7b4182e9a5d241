//! Times as unix seconds, and the range of them the service takes from people. A stored time
//! is shown as RFC 3339, which ends with the year 9999; campaign dates are kept well inside
//! that, so that a date typed at the edge (9999-12-31, whose end is in the year 10000) is
//! refused where it is entered, naming its field, instead of failing wherever it is shown.

/// The latest campaign time: 3000-01-01T00:00:00Z, the end of a campaign's last day
/// 2999-12-31.
pub const LATEST_ACCEPTED: i64 = 32_503_680_000;

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
pub const LAST_WRITABLE: i64 = 253_402_300_799;

/// Whether a time typed by staff or sent to the API is one the service takes: from the unix
/// epoch to the end of 2999-12-31.
pub fn accepted(unix: i64) -> bool {
    (0..=LATEST_ACCEPTED).contains(&unix)
}

/// The current time, unix seconds: the one clock the entry points read and pass down as a value.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// Every accepted time can be written.
const _: () = assert!(LATEST_ACCEPTED < LAST_WRITABLE);

/// What the error says about a time out of range.
pub const RANGE_DETAIL: &str = "must be between 1970-01-01 and 2999-12-31";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accepted_range() {
        assert!(accepted(0));
        assert!(accepted(1_795_219_200)); // 2026-11-21
        assert!(accepted(LATEST_ACCEPTED)); // the end of 2999-12-31
        assert!(!accepted(LATEST_ACCEPTED + 1));
        assert!(!accepted(-1));
        assert!(!accepted(i64::MAX));
    }
}
