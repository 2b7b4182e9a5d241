//! US bank debits (ACH Direct Debit): the fee a donor covers when paying from a bank account.
//! Variables: `ACH_FEE_PERCENT` (default 0.8) and `ACH_FEE_CAP` (in dollars, default 5.00), the
//! percent part capped as Stripe prices ACH debits. Cards keep each campaign's own rate.

use super::{ConfigError, err};
use crate::domain::fees::{FeeRate, MAX_FIXED_MINOR};
use crate::domain::money::{Currency, Money};

pub(super) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<FeeRate, ConfigError> {
    let default = FeeRate::stripe_ach();
    let rate = match var("ACH_FEE_PERCENT") {
        None => default,
        Some(v) => FeeRate::parse(&v, 0).map_err(|e| err("ACH_FEE_PERCENT", e.to_string()))?,
    };
    let cap = match var("ACH_FEE_CAP") {
        None => default.cap_minor().unwrap_or(MAX_FIXED_MINOR),
        Some(v) if v.trim() == "0" => 0,
        // Bank debits are in US dollars: the cap is dollars and cents.
        Some(v) => Money::parse(&v, Currency::USD, MAX_FIXED_MINOR)
            .map(|m| m.minor())
            .map_err(|e| {
                err(
                    "ACH_FEE_CAP",
                    format!("{v:?} {e} (dollars and cents, such as 5.00, at most 10000)"),
                )
            })?,
    };
    rate.capped(cap)
        .map_err(|e| err("ACH_FEE_CAP", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Result<FeeRate, ConfigError> {
        from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn stripes_ach_price_by_default_and_errors_name_the_variable() {
        assert_eq!(of(&[]).unwrap(), FeeRate::stripe_ach());
        let r = of(&[("ACH_FEE_PERCENT", "1"), ("ACH_FEE_CAP", "7.50")]).unwrap();
        assert_eq!(
            (r.percent().to_string(), r.cap_minor()),
            ("1".into(), Some(750))
        );
        assert_eq!(of(&[("ACH_FEE_CAP", "0")]).unwrap().cap_minor(), Some(0));
        for (var, bad) in [
            ("ACH_FEE_PERCENT", "60"),
            ("ACH_FEE_PERCENT", "0.8%"),
            ("ACH_FEE_CAP", "five"),
            ("ACH_FEE_CAP", "-5"),
            ("ACH_FEE_CAP", "20000"),
        ] {
            assert_eq!(of(&[(var, bad)]).unwrap_err().var, var, "{var}={bad}");
        }
    }
}
