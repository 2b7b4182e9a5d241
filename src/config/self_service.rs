//! Donors' self-service: how often fresh manage links may be asked for on the "manage my gift"
//! page (`/manage`). Variables: `MANAGE_LINK_RATE_PER_IP`, `MANAGE_LINK_RATE_PER_EMAIL`.
//! (The links themselves: `MANAGE_LINK_SECRET` and `MANAGE_LINK_TTL`, read in `config`.)

use super::values::Rate;
use super::{ConfigError, err};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfServiceConfig {
    /// Link requests allowed per client address (`None`: no limit); more answer 429.
    pub link_rate_per_ip: Option<Rate>,
    /// Link emails sent per donor address (`None`: no limit); requests beyond it get the same
    /// answer and no email.
    pub link_rate_per_email: Option<Rate>,
}

impl SelfServiceConfig {
    pub(super) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<SelfServiceConfig, ConfigError> {
        let rate = |name: &'static str, default: &str| match var(name) {
            None => Ok(Rate::parse(default).ok().flatten()),
            Some(v) => Rate::parse(&v).map_err(|d| err(name, d)),
        };
        Ok(SelfServiceConfig {
            link_rate_per_ip: rate("MANAGE_LINK_RATE_PER_IP", "10/hour")?,
            link_rate_per_email: rate("MANAGE_LINK_RATE_PER_EMAIL", "3/day")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Result<SelfServiceConfig, ConfigError> {
        SelfServiceConfig::from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn link_requests_are_limited_by_default_and_errors_name_the_variable() {
        let c = of(&[]).unwrap();
        assert_eq!(c.link_rate_per_ip, Rate::parse("10/hour").unwrap());
        assert_eq!(c.link_rate_per_email, Rate::parse("3/day").unwrap());
        let c = of(&[("MANAGE_LINK_RATE_PER_IP", "off")]).unwrap();
        assert_eq!(c.link_rate_per_ip, None);
        assert_eq!(
            of(&[("MANAGE_LINK_RATE_PER_EMAIL", "often")])
                .unwrap_err()
                .var,
            "MANAGE_LINK_RATE_PER_EMAIL"
        );
    }
}
