//! What a charge really cost: its balance transaction read against the charge (Stripe's fee and
//! net in the charge's own currency, or money Stripe converted, which is kept apart), and when
//! to ask Stripe again for a balance transaction (or an event's object) it did not give.

use crate::domain::fact::BalanceFact;
use crate::domain::payment::ChargeRecord;

/// What a balance transaction means for its charge's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The money settled in the charge's currency: its actual fee and net.
    Recorded { fee_minor: i64, net_minor: i64 },
    /// Stripe converted the money into `currency` (the account's settlement currency): the fee
    /// and net are in that currency, so they stay out of the charge's figures (flagged).
    OtherCurrency { currency: String, detail: String },
}

/// Reads a charge's balance transaction. Currencies are compared as Stripe writes them
/// (lowercase ISO codes); amounts in different currencies are never mixed.
pub fn settle(charge: &ChargeRecord, b: &BalanceFact) -> Settlement {
    if b.currency.eq_ignore_ascii_case(&charge.currency) {
        return Settlement::Recorded {
            fee_minor: b.fee_minor,
            net_minor: b.net_minor,
        };
    }
    let rate = b
        .exchange_rate
        .as_deref()
        .map(|r| format!(" at an exchange rate of {r}"))
        .unwrap_or_default();
    Settlement::OtherCurrency {
        currency: b.currency.to_lowercase(),
        detail: format!(
            "charge {} ({} minor units of {}) settled in {}{rate}: balance transaction {} has a \
             fee of {} and a net of {} minor units of {}; left out of the fee figures, which \
             are in {}",
            charge.id,
            charge.amount_minor,
            charge.currency,
            b.currency,
            b.id,
            b.fee_minor,
            b.net_minor,
            b.currency,
            charge.currency,
        ),
    }
}

/// Failed requests in a row after which staff are told (a flag); asking goes on after it.
pub const FLAG_AFTER_FAILURES: i64 = 5;

/// Seconds to wait after the `attempts`-th failure in a row before asking again: one minute,
/// doubling each time, at most six hours.
pub fn retry_after(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (60i64 << doublings).min(6 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(currency: &str) -> ChargeRecord {
        ChargeRecord::new("ch_1", 5180, currency, 0)
    }

    fn txn(currency: &str, rate: Option<&str>) -> BalanceFact {
        BalanceFact {
            id: "txn_1".into(),
            charge_id: "ch_1".into(),
            amount_minor: 5180,
            currency: currency.into(),
            fee_minor: 180,
            net_minor: 5000,
            exchange_rate: rate.map(Into::into),
        }
    }

    #[test]
    fn the_same_currency_gives_the_fee_and_net() {
        assert_eq!(
            settle(&charge("usd"), &txn("usd", None)),
            Settlement::Recorded {
                fee_minor: 180,
                net_minor: 5000
            }
        );
        assert_eq!(
            settle(&charge("usd"), &txn("USD", None)),
            Settlement::Recorded {
                fee_minor: 180,
                net_minor: 5000
            }
        );
    }

    #[test]
    fn converted_money_is_kept_apart_and_says_why() {
        let Settlement::OtherCurrency { currency, detail } =
            settle(&charge("eur"), &txn("usd", Some("1.0873")))
        else {
            panic!("a converted charge was recorded");
        };
        assert_eq!(currency, "usd");
        for part in ["ch_1", "txn_1", "1.0873", "settled in usd", "fee of 180"] {
            assert!(detail.contains(part), "{part}: {detail}");
        }
    }

    #[test]
    fn waits_double_from_a_minute_up_to_six_hours() {
        let waits: Vec<i64> = (1..=5).map(retry_after).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960]);
        assert_eq!(retry_after(0), 60);
        assert_eq!(retry_after(9), 15_360);
        assert_eq!(retry_after(10), 6 * 3600);
        assert_eq!(retry_after(i64::MAX), 6 * 3600);
    }
}
