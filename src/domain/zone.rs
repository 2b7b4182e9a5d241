//! The organization's time zone (`ORG_TIMEZONE`, an IANA name such as America/New_York): the
//! calendar dates people read on receipts and statements, and where a statement year begins.
//! IANA rules (through jiff), so a summer gift is dated by summer time; UTC by default.
//!
//! Times stay unix seconds everywhere else. A *local* time here is unix seconds shifted by the
//! zone's offset at that moment, so that the UTC formatters of `domain::time` print the
//! wall-clock date and time of the place.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time zone of the IANA database (e.g. America/New_York, Europe/Madrid, UTC)"
)]
pub struct UnknownZone(pub String);

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    /// The zone of an IANA name (`America/New_York`; `UTC`), from the system's database or the
    /// copy bundled into the binary.
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let name = name.trim();
        // The database would also take a path-like or POSIX TZ string; only names are meant.
        if name.is_empty() || name.starts_with('/') || name.contains("..") {
            return Err(UnknownZone(name.to_string()));
        }
        let tz = TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))?;
        Ok(Zone {
            name: name.to_string(),
            tz,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds the place is ahead of UTC at `unix` (negative west of Greenwich).
    pub fn offset_at(&self, unix: i64) -> i64 {
        match Timestamp::from_second(unix) {
            Ok(t) => i64::from(self.tz.to_offset(t).seconds()),
            Err(_) => 0,
        }
    }

    /// `unix` as the place's wall clock reads it (see the module's doc).
    pub fn local(&self, unix: i64) -> i64 {
        unix.saturating_add(self.offset_at(unix))
    }

    /// `[start, end)` in unix seconds of calendar year `year` here: from local midnight of
    /// January 1 to the next one.
    pub fn year_bounds(&self, year: i32) -> Option<(i64, i64)> {
        let midnight = |y: i32| -> Option<i64> {
            let y = i16::try_from(y).ok()?;
            let date = Date::new(y, 1, 1).ok()?;
            let zoned = date.to_zoned_datetime(self.tz.clone()).ok()?;
            Some(zoned.timestamp().as_second())
        };
        Some((midnight(year)?, midnight(year.checked_add(1)?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::format_time;

    // 2026-07-04T02:30:00Z: still July 3 in New York (EDT, UTC-4), July 4 in UTC.
    const JULY_4_0230Z: i64 = 1_783_132_200;
    // 2026-01-01T03:00:00Z: still December 31 in New York (EST, UTC-5).
    const NEW_YEAR_0300Z: i64 = 1_767_236_400;

    #[test]
    fn summer_and_winter_use_the_offset_of_the_day() {
        assert_eq!(format_time(JULY_4_0230Z), "2026-07-04T02:30:00Z");
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(ny.offset_at(JULY_4_0230Z), -4 * 3600);
        assert_eq!(ny.offset_at(NEW_YEAR_0300Z), -5 * 3600);
        assert_eq!(&format_time(ny.local(JULY_4_0230Z))[..10], "2026-07-03");
        assert_eq!(&format_time(ny.local(NEW_YEAR_0300Z))[..10], "2025-12-31");
        // Two hours later it is past midnight there: July 4, where the old fixed winter offset
        // (-05:00) still said July 3.
        assert_eq!(
            &format_time(ny.local(JULY_4_0230Z + 7200))[..16],
            "2026-07-04T00:30"
        );
    }

    #[test]
    fn a_year_starts_at_local_midnight() {
        let ny = Zone::parse("America/New_York").unwrap();
        let (start, end) = ny.year_bounds(2026).unwrap();
        assert_eq!(format_time(start), "2026-01-01T05:00:00Z");
        assert_eq!(format_time(end), "2027-01-01T05:00:00Z");
        let (start, _) = Zone::parse("Asia/Kolkata")
            .unwrap()
            .year_bounds(2026)
            .unwrap();
        assert_eq!(format_time(start), "2025-12-31T18:30:00Z");
        let (start, end) = Zone::utc().year_bounds(2026).unwrap();
        assert_eq!(
            (format_time(start), format_time(end).len()),
            ("2026-01-01T00:00:00Z".into(), 20)
        );
        assert_eq!(Zone::utc().year_bounds(i32::MAX), None);
    }

    #[test]
    fn only_iana_names_are_zones() {
        assert_eq!(
            Zone::parse(" Europe/Madrid ").unwrap().name(),
            "Europe/Madrid"
        );
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::utc());
        for bad in [
            "",
            "Mars/Olympus",
            "-05:00",
            "/etc/localtime",
            "../../etc/passwd",
            "EST5EDT,M3.2.0,M11.1.0",
        ] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
    }
}
