//! Organizations one deployment serves: their slugs (the default one is [`DEFAULT_ORG`]) and
//! their tax status, which decides what their pages and receipts say about deductibility.

use std::fmt;
use std::str::FromStr;

/// The slug of the organization configured by the plain `ORG_*` and `STRIPE_*` variables;
/// campaigns and staff made before several organizations existed belong to it.
pub const DEFAULT_ORG: &str = "default";

/// How the IRS treats gifts to an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaxStatus {
    /// A 501(c)(3): gifts are tax-deductible (receipts say so when the EIN is given).
    #[default]
    C3,
    /// A 501(c)(4) (social welfare, lobbying): gifts are not deductible, and must say so.
    C4,
    /// Any other organization: gifts are not deductible as charitable contributions.
    Other,
}

impl TaxStatus {
    /// Whether gifts are tax-deductible as charitable contributions.
    pub fn deductible(self) -> bool {
        matches!(self, TaxStatus::C3)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaxStatus::C3 => "501c3",
            TaxStatus::C4 => "501c4",
            TaxStatus::Other => "other",
        }
    }
}

impl FromStr for TaxStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "501c3" => Ok(TaxStatus::C3),
            "501c4" => Ok(TaxStatus::C4),
            "other" => Ok(TaxStatus::Other),
            other => Err(format!(
                "{other:?} is not a tax status (501c3, 501c4 or other)"
            )),
        }
    }
}

impl fmt::Display for TaxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message a donation page shows about deductibility (`org-deductible` for a 501(c)(3)
/// that gives its EIN, `org-not-deductible` for any other status), if any.
pub fn page_notice(status: TaxStatus, has_ein: bool) -> Option<&'static str> {
    match (status.deductible(), has_ein) {
        (true, true) => Some("org-deductible"),
        (true, false) => None,
        (false, _) => Some("org-not-deductible"),
    }
}

/// An organization's slug: 1 to 32 lowercase ASCII letters, digits or `-`, starting with a
/// letter (it is part of environment variable names and of the webhook endpoint's path).
pub fn is_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_statuses_parse_and_only_c3_is_deductible() {
        for t in [TaxStatus::C3, TaxStatus::C4, TaxStatus::Other] {
            assert_eq!(t.as_str().parse::<TaxStatus>(), Ok(t));
        }
        assert!("501(c)(3)".parse::<TaxStatus>().is_err());
        assert!(TaxStatus::C3.deductible());
        assert!(!TaxStatus::C4.deductible());
        assert!(!TaxStatus::Other.deductible());
    }

    #[test]
    fn only_a_c3_with_its_ein_says_gifts_are_deductible() {
        assert_eq!(page_notice(TaxStatus::C3, true), Some("org-deductible"));
        assert_eq!(page_notice(TaxStatus::C3, false), None);
        for t in [TaxStatus::C4, TaxStatus::Other] {
            assert_eq!(page_notice(t, true), Some("org-not-deductible"));
            assert_eq!(page_notice(t, false), Some("org-not-deductible"));
        }
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert!(is_slug("action"));
        assert!(is_slug("fund-2"));
        for bad in ["", "Action", "2fund", "a_b", "a b", &"a".repeat(33)] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
