//! Times as unix seconds, and the range of them the service takes from people. A stored time
//! is shown as RFC 3339, which ends with the year 9999; campaign dates are kept well inside
//! that, so that a date typed at the edge (9999-12-31, whose end is in the year 10000) is
//! refused where it is entered, naming its field, instead of failing wherever it is shown.
//! Dates are UTC calendar days.

use std::time::{Duration, UNIX_EPOCH};

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

/// A stored time as RFC 3339 (UTC, seconds). Never fails: a time before 1970 or after what
/// RFC 3339 can write (only a hand-edited database holds one) is shown at that edge.
pub fn format_time(unix: i64) -> String {
    let secs = unix.clamp(0, LAST_WRITABLE) as u64;
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

pub const SECONDS_PER_DAY: i64 = 86_400;

/// The UTC day number (days since 1970-01-01) of a unix time.
pub fn day_of(unix: i64) -> i64 {
    unix.div_euclid(SECONDS_PER_DAY)
}

/// `YYYY-MM-DD` of a UTC day number.
pub fn format_day(day: i64) -> String {
    format_time(day * SECONDS_PER_DAY)[..10].to_string()
}

/// The moment `months` calendar months after `unix` (UTC): the same day of the month, or the
/// month's last day when it has fewer (January 31 + 1 month is February 28 or 29), as Stripe
/// bills; `None` past what a timestamp holds.
pub fn months_later(unix: i64, months: i32) -> Option<i64> {
    let later = jiff::Timestamp::from_second(unix)
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().try_months(months).ok()?)
        .ok()?;
    Some(later.timestamp().as_second())
}

/// A calendar date `YYYY-MM-DD` as the unix time of its midnight UTC.
pub fn parse_date(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    // humantime checks the calendar (no 2026-02-30).
    let t = humantime::parse_rfc3339(&format!("{v}T00:00:00Z")).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
}

/// An RFC 3339 time, with `Z` or a numeric offset, as unix seconds.
pub fn parse_rfc3339(v: &str) -> Option<i64> {
    if !v.is_ascii() || v.len() < 19 {
        return None;
    }
    // humantime reads UTC only: a numeric offset is taken off by hand.
    let (base, offset) = v.split_at(v.len() - 6);
    let (base, offset) = match offset.as_bytes() {
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) =>
        {
            let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if hours > 23 || minutes > 59 {
                return None;
            }
            let secs = hours * 3600 + minutes * 60;
            (base, if *sign == b'-' { -secs } else { secs })
        }
        _ => (v, 0),
    };
    if !base.contains(['T', 't', ' ']) {
        return None;
    }
    let t = humantime::parse_rfc3339_weak(base).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64 - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_later_keeps_the_day_or_takes_the_months_last() {
        let jan_31 = parse_date("2027-01-31").unwrap() + 3600;
        assert_eq!(
            format_time(months_later(jan_31, 1).unwrap()),
            "2027-02-28T01:00:00Z"
        );
        assert_eq!(
            format_time(months_later(jan_31, 12).unwrap()),
            "2028-01-31T01:00:00Z"
        );
        let feb_29 = parse_date("2028-02-29").unwrap();
        assert_eq!(
            format_time(months_later(feb_29, 12).unwrap()),
            "2029-02-28T00:00:00Z"
        );
        assert_eq!(months_later(i64::MAX, 1), None);
    }

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
