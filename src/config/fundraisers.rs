//! Supporters' pages: how often a client may start pages or ask for fresh links to manage
//! them, and how many such emails one address is sent. Variables: `FUNDRAISER_RATE_PER_IP`,
//! `FUNDRAISER_RATE_PER_EMAIL`. (The links are signed and timed like donors' manage links:
//! `MANAGE_LINK_SECRET`, `MANAGE_LINK_TTL`.)

use super::ConfigError;
use super::values::{Rate, rate_var};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundraiserConfig {
    /// Sign-ups and link requests allowed per client address (`None`: no limit); more
    /// answer 429.
    pub rate_per_ip: Option<Rate>,
    /// Emails sent on request to one supporter's address (a new page's welcome, fresh links;
    /// `None`: no limit); requests beyond it get the same answer and no email.
    pub mail_per_email: Option<Rate>,
}

impl FundraiserConfig {
    pub(super) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<FundraiserConfig, ConfigError> {
        Ok(FundraiserConfig {
            rate_per_ip: rate_var(&var, "FUNDRAISER_RATE_PER_IP", "10/hour")?,
            mail_per_email: rate_var(&var, "FUNDRAISER_RATE_PER_EMAIL", "5/day")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Result<FundraiserConfig, ConfigError> {
        FundraiserConfig::from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn sign_ups_and_emails_are_limited_by_default_and_errors_name_the_variable() {
        let c = of(&[]).unwrap();
        assert_eq!(c.rate_per_ip, Rate::parse("10/hour").unwrap());
        assert_eq!(c.mail_per_email, Rate::parse("5/day").unwrap());
        let c = of(&[("FUNDRAISER_RATE_PER_EMAIL", "off")]).unwrap();
        assert_eq!(c.mail_per_email, None);
        assert_eq!(
            of(&[("FUNDRAISER_RATE_PER_IP", "lots")]).unwrap_err().var,
            "FUNDRAISER_RATE_PER_IP"
        );
    }
}
