//! Staff accounts' sign-in links: how long a link lives, and how often one may be asked for.
//! Variables: `SIGNIN_LINK_TTL`, `STAFF_INVITE_TTL`, `SIGNIN_RATE_PER_IP`,
//! `SIGNIN_RATE_PER_EMAIL`.

use std::time::Duration;

use super::values::{Rate, parse_duration};
use super::{ConfigError, err};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffConfig {
    /// How long an emailed sign-in link stays valid (single use in any case).
    pub signin_link_ttl: Duration,
    /// How long the link in an invitation stays valid.
    pub invite_link_ttl: Duration,
    /// Sign-in link requests allowed per client address (`None`: no limit).
    pub signin_rate_per_ip: Option<Rate>,
    /// Sign-in links sent per person (`None`: no limit); requests beyond it get the same
    /// answer and no email.
    pub signin_rate_per_email: Option<Rate>,
}

impl StaffConfig {
    pub(super) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<StaffConfig, ConfigError> {
        let duration = |name: &'static str, default: u64, max: u64| match var(name) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => parse_duration(&v).map_err(|d| err(name, d)).and_then(|d| {
                if d.as_secs() >= 60 && d.as_secs() <= max {
                    Ok(d)
                } else {
                    Err(err(name, format!("must be from 1m to {}h", max / 3600)))
                }
            }),
        };
        let rate = |name: &'static str, default: &str| match var(name) {
            None => Ok(Rate::parse(default).ok().flatten()),
            Some(v) => Rate::parse(&v).map_err(|d| err(name, d)),
        };
        Ok(StaffConfig {
            signin_link_ttl: duration("SIGNIN_LINK_TTL", 15 * 60, 24 * 3600)?,
            invite_link_ttl: duration("STAFF_INVITE_TTL", 72 * 3600, 14 * 86_400)?,
            signin_rate_per_ip: rate("SIGNIN_RATE_PER_IP", "20/hour")?,
            signin_rate_per_email: rate("SIGNIN_RATE_PER_EMAIL", "5/hour")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Result<StaffConfig, ConfigError> {
        StaffConfig::from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_and_bounds() {
        let c = of(&[]).unwrap();
        assert_eq!(c.signin_link_ttl, Duration::from_secs(900));
        assert_eq!(c.invite_link_ttl, Duration::from_secs(72 * 3600));
        assert_eq!(c.signin_rate_per_ip, Rate::parse("20/hour").unwrap());
        assert_eq!(c.signin_rate_per_email, Rate::parse("5/hour").unwrap());
        let c = of(&[("SIGNIN_LINK_TTL", "10m"), ("SIGNIN_RATE_PER_IP", "off")]).unwrap();
        assert_eq!(c.signin_link_ttl, Duration::from_secs(600));
        assert_eq!(c.signin_rate_per_ip, None);
        assert_eq!(
            of(&[("SIGNIN_LINK_TTL", "5s")]).unwrap_err().var,
            "SIGNIN_LINK_TTL"
        );
        assert_eq!(
            of(&[("SIGNIN_LINK_TTL", "2d")]).unwrap_err().var,
            "SIGNIN_LINK_TTL"
        );
        assert_eq!(
            of(&[("SIGNIN_RATE_PER_EMAIL", "lots")]).unwrap_err().var,
            "SIGNIN_RATE_PER_EMAIL"
        );
    }
}
