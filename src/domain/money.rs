//! Money as integer minor units plus an ISO 4217 currency.
//!
//! Floats never touch money: donor input is parsed with `rust_decimal` and
//! scaled to minor units exactly, or rejected.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::domain::field_error::Reason;

/// Largest single gift accepted by default: $1,000,000.00.
pub const DEFAULT_MAX_GIFT_MINOR: i64 = 100_000_000;

/// Stripe's largest amount for one payment: eight digits of minor units ($999,999.99).
pub const STRIPE_MAX_AMOUNT_MINOR: i64 = 99_999_999;

/// The amounts a Stripe event may carry and still be counted. Anything else (zero or negative
/// where money moved, more than Stripe can charge, or more than any checkout of ours could have
/// asked for) is kept with its event and flagged for staff, never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountBounds {
    /// The largest gift a checkout accepts (`MAX_GIFT_AMOUNT`), in major units.
    max_gift_major: Decimal,
}

/// `major` in `currency`'s whole minor units, truncated: exact for an amount with no more
/// decimals than the currency has; a currency without minor units drops them. Saturates.
pub fn whole_minor_units(major: Decimal, currency: Currency) -> i64 {
    major
        .checked_mul(Decimal::from(10i64.pow(currency.exponent())))
        .and_then(|scaled| i64::try_from(scaled.trunc()).ok())
        .unwrap_or(i64::MAX)
}

impl AmountBounds {
    pub fn new(max_gift_major: Decimal) -> AmountBounds {
        AmountBounds { max_gift_major }
    }

    /// The largest amount in `currency`'s minor units: Stripe's own maximum, or the largest total
    /// a checkout can create, whichever is lower. A donor covering the fee pays less than twice
    /// the gift plus twice the fixed fee (a campaign's fee is below 50 %), so that is the room
    /// left above the largest gift. (A currency we do not know is read with two decimals.)
    pub fn ceiling(&self, currency: &str) -> i64 {
        let currency = Currency::parse(currency).unwrap_or(Currency::USD);
        whole_minor_units(self.max_gift_major, currency)
            .saturating_mul(2)
            .saturating_add(2 * crate::domain::fees::MAX_FIXED_MINOR)
            .min(STRIPE_MAX_AMOUNT_MINOR)
    }

    /// An amount of money that moved (a payment, a refund, a dispute): more than zero and at
    /// most the ceiling.
    pub fn moved(&self, amount: i64, currency: &str) -> bool {
        amount > 0 && amount <= self.ceiling(currency)
    }

    /// A running total or a fee: zero or more and at most the ceiling.
    pub fn total(&self, amount: i64, currency: &str) -> bool {
        (0..=self.ceiling(currency)).contains(&amount)
    }
}

impl Default for AmountBounds {
    fn default() -> Self {
        AmountBounds {
            max_gift_major: Decimal::new(DEFAULT_MAX_GIFT_MINOR, 2),
        }
    }
}

/// Donor-facing errors: each message completes a sentence that starts with
/// the field name, e.g. "amount must be a positive amount".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a number such as 50 or 50.00")]
    NotANumber,
    #[error("must be a positive amount")]
    NotPositive,
    #[error("has more than {max} decimal places")]
    TooManyDecimals { max: u32 },
    #[error("must be at most {max}")]
    AboveMaximum { max: String },
    // The rejected code is kept for logs but not echoed back to the donor.
    #[error("is not a supported currency")]
    UnknownCurrency(String),
}

impl MoneyError {
    /// What is wrong as a code, for the donor's language (`FieldError::because`).
    pub fn reason(&self) -> Reason {
        match self {
            MoneyError::NotANumber => Reason::new("not_a_number"),
            MoneyError::NotPositive => Reason::new("not_positive"),
            MoneyError::TooManyDecimals { max } => {
                Reason::new("too_many_decimals").with("max", max)
            }
            MoneyError::AboveMaximum { max } => Reason::new("above_maximum").with("max", max),
            MoneyError::UnknownCurrency(_) => Reason::new("unsupported_currency"),
        }
    }
}

/// A supported ISO 4217 currency: lowercase code and minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
}

const fn currency(code: &'static str, exponent: u32) -> Currency {
    Currency { code, exponent }
}

/// Every currency the backend accepts. Exponents are at most 2, which the
/// formatting code relies on.
const SUPPORTED: [Currency; 17] = [
    Currency::USD,
    currency("eur", 2),
    currency("gbp", 2),
    currency("cad", 2),
    currency("aud", 2),
    currency("nzd", 2),
    currency("chf", 2),
    currency("sek", 2),
    currency("nok", 2),
    currency("dkk", 2),
    currency("mxn", 2),
    currency("brl", 2),
    currency("inr", 2),
    currency("sgd", 2),
    currency("hkd", 2),
    currency("jpy", 0),
    currency("krw", 0),
];

impl Currency {
    pub const USD: Currency = currency("usd", 2);

    /// Case-insensitive, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<Currency, MoneyError> {
        let trimmed = input.trim();
        SUPPORTED
            .into_iter()
            .find(|c| c.code.eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| MoneyError::UnknownCurrency(trimmed.to_owned()))
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Number of decimal places of the minor unit (2 for usd, 0 for jpy).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(de::Error::custom)
    }
}

/// A positive amount in minor units. Only built through validating
/// constructors, so `minor > 0` always holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses donor input such as "50", "50.5" or " 50.00 " in major units.
    ///
    /// Only ASCII digits with at most one '.' are accepted: no sign, symbol,
    /// exponent or thousands separator. Trailing zeros after the point do not
    /// count as decimal places, so "100.00" is a valid yen amount.
    pub fn parse(input: &str, currency: Currency, max_minor: i64) -> Result<Money, MoneyError> {
        let trimmed = input.trim();
        // A leading '-' on an otherwise valid number is a negative amount,
        // which deserves the clearer "must be positive" message.
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return Err(MoneyError::NotANumber);
        }
        if negative {
            return Err(MoneyError::NotPositive);
        }

        let above_max = || MoneyError::AboveMaximum {
            max: format_major(max_minor, currency),
        };
        // Normalise by hand before handing the text to Decimal, so that very
        // long inputs get the right error instead of a Decimal overflow or
        // underflow reported as "not a number".
        let frac_part = frac_part.trim_end_matches('0');
        let int_part = int_part.trim_start_matches('0');
        if frac_part.len() > currency.exponent as usize {
            return Err(MoneyError::TooManyDecimals {
                max: currency.exponent,
            });
        }
        // i64::MAX has 19 digits; anything longer overflows whatever the
        // currency, and this bound keeps the Decimal parse below in range.
        if int_part.len() > 19 {
            return Err(above_max());
        }
        let int_part = if int_part.is_empty() { "0" } else { int_part };
        let major = Decimal::from_str_exact(&format!("{int_part}.{frac_part}"))
            .map_err(|_| MoneyError::NotANumber)?;
        // At most 19 + 2 digits: multiplying by 10^exponent cannot overflow
        // Decimal's 28 digits, and the result is a whole number because
        // frac_part has at most `exponent` digits.
        let minor = major
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent)))
            .and_then(|scaled| i64::try_from(scaled).ok())
            .ok_or_else(above_max)?;
        if minor == 0 {
            return Err(MoneyError::NotPositive);
        }
        if minor > max_minor {
            return Err(above_max());
        }
        Ok(Money { minor, currency })
    }

    /// Same rules as [`Money::parse`]; named for configured amounts such as
    /// a campaign goal of "100000".
    pub fn from_major(
        major: &str,
        currency: Currency,
        max_minor: i64,
    ) -> Result<Money, MoneyError> {
        Money::parse(major, currency, max_minor)
    }

    /// For amounts already in minor units (database rows, Stripe events).
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        if minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        Ok(Money { minor, currency })
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// E.g. "50.00" for 5000 usd.
    pub fn to_major_string(&self) -> String {
        format_major(self.minor, self.currency)
    }
}

/// Formats minor units as a plain major-unit number: 5000 usd → "50.00",
/// 100 jpy → "100", -5 usd → "-0.05". No symbol or separators.
pub fn format_major(minor: i64, currency: Currency) -> String {
    // Decimal::new panics only for a scale above 28; every supported
    // currency has an exponent of at most 2.
    Decimal::new(minor, currency.exponent).to_string()
}

// ---- amounts as people read them ----

/// The currency of a stored code; a code that no longer parses is shown as USD.
pub fn currency_of(code: &str) -> Currency {
    Currency::parse(code).unwrap_or(Currency::USD)
}

/// The symbol written before an amount, when the currency has a well-known one.
pub fn symbol(c: Currency) -> &'static str {
    match c.code() {
        "usd" | "cad" | "aud" | "nzd" | "hkd" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" => "¥",
        _ => "",
    }
}

/// The currency code written after an amount without a symbol (` SEK`).
pub fn suffix(c: Currency) -> String {
    if symbol(c).is_empty() {
        format!(" {}", c.code().to_uppercase())
    } else {
        String::new()
    }
}

/// Minor units as the page shows them: `$50.00`, `$100,000.00`, `1,000.00 SEK`.
pub fn display(minor: i64, currency: &str) -> String {
    let c = currency_of(currency);
    let (sign, abs) = if minor < 0 {
        // (i64::MIN has no positive twin: shown one unit short rather than panicking.)
        ("-", minor.checked_neg().unwrap_or(i64::MAX))
    } else {
        ("", minor)
    };
    let plain = format_major(abs, c);
    let (whole, fraction) = match plain.split_once('.') {
        Some((w, f)) => (w, format!(".{f}")),
        None => (plain.as_str(), String::new()),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{}{grouped}{fraction}{}", symbol(c), suffix(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jpy() -> Currency {
        Currency::parse("jpy").unwrap()
    }

    fn usd(input: &str) -> Result<i64, MoneyError> {
        Money::parse(input, Currency::USD, DEFAULT_MAX_GIFT_MINOR).map(|m| m.minor())
    }

    #[test]
    fn amount_bounds_follow_the_largest_gift_and_stripes_maximum() {
        // The default gift ceiling ($1,000,000) is above what Stripe can charge.
        let b = AmountBounds::default();
        assert_eq!(b.ceiling("usd"), STRIPE_MAX_AMOUNT_MINOR);
        // $500.00: twice the gift plus twice the largest fixed fee, in each currency's units.
        let b = AmountBounds::new(Decimal::new(50_000, 2));
        assert_eq!(b.ceiling("usd"), 100_000 + 2_000_000);
        assert_eq!(b.ceiling("jpy"), 1_000 + 2_000_000);
        assert_eq!(b.ceiling("xyz"), b.ceiling("usd"), "unknown: two decimals");
        assert!(b.moved(1, "usd") && !b.moved(0, "usd") && !b.moved(-5, "usd"));
        assert!(b.moved(2_100_000, "usd") && !b.moved(2_100_001, "usd"));
        assert!(b.total(0, "usd") && !b.total(-1, "usd") && !b.total(2_100_001, "usd"));
        assert_eq!(whole_minor_units(Decimal::new(1999, 2), jpy()), 19);
        assert_eq!(whole_minor_units(Decimal::MAX, Currency::USD), i64::MAX);
    }

    #[test]
    fn currency_parse_is_case_insensitive_and_trims() {
        assert_eq!(Currency::parse(" USD "), Ok(Currency::USD));
        assert_eq!(Currency::parse("Eur").unwrap().code(), "eur");
        assert_eq!(jpy().exponent(), 0);
        assert_eq!(Currency::parse("krw").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("gbp").unwrap().exponent(), 2);
        assert_eq!(Currency::USD.to_string(), "usd");
        assert_eq!("hkd".parse::<Currency>().unwrap().code(), "hkd");
    }

    #[test]
    fn currency_parse_rejects_unknown_codes() {
        for bad in ["", "us", "usdd", "xxx", "u sd", "€"] {
            assert_eq!(
                Currency::parse(bad),
                Err(MoneyError::UnknownCurrency(bad.trim().to_owned()))
            );
        }
    }

    #[test]
    fn every_supported_currency_round_trips_and_is_lowercase() {
        for c in SUPPORTED {
            assert_eq!(c.code(), c.code().to_ascii_lowercase());
            assert!(c.exponent() <= 2);
            assert_eq!(Currency::parse(&c.code().to_uppercase()), Ok(c));
        }
    }

    #[test]
    fn currency_serde_uses_lowercase_code() {
        assert_eq!(serde_json::to_string(&Currency::USD).unwrap(), "\"usd\"");
        let c: Currency = serde_json::from_str("\"JPY\"").unwrap();
        assert_eq!(c, jpy());
        let err = serde_json::from_str::<Currency>("\"zzz\"").unwrap_err();
        assert!(err.to_string().contains("is not a supported currency"));
    }

    #[test]
    fn parse_accepts_plain_amounts() {
        assert_eq!(usd("50"), Ok(5000));
        assert_eq!(usd("50.5"), Ok(5050));
        assert_eq!(usd("50.00"), Ok(5000));
        assert_eq!(usd(" 50 "), Ok(5000));
        assert_eq!(usd("0.01"), Ok(1));
        assert_eq!(usd(".5"), Ok(50));
        assert_eq!(usd("5."), Ok(500));
        assert_eq!(usd("007.10"), Ok(710));
        assert_eq!(usd("50.000"), Ok(5000));
        assert_eq!(usd("1000000.00"), Ok(100_000_000));
        let yen = Money::parse("100.00", jpy(), 1_000_000).unwrap();
        assert_eq!((yen.minor(), yen.currency()), (100, jpy()));
    }

    #[test]
    fn parse_rejects_non_numbers() {
        for bad in [
            "", " ", ".", "-", "$50", "50$", "+50", "5e3", "1,000", "1_000", "50.0.0", "fifty",
            "5 0", "٥", "NaN", "inf", "0x10", "-abc", "--5", "50 usd",
        ] {
            assert_eq!(usd(bad), Err(MoneyError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn parse_rejects_zero_and_negatives() {
        for bad in ["0", "0.00", "-5", "-0.01", " -50.00", "-0", "000"] {
            assert_eq!(usd(bad), Err(MoneyError::NotPositive), "{bad:?}");
        }
        assert_eq!(
            Money::from_minor(0, Currency::USD),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(Money::from_minor(7, Currency::USD).unwrap().minor(), 7);
    }

    #[test]
    fn parse_rejects_too_many_decimals() {
        assert_eq!(usd("50.001"), Err(MoneyError::TooManyDecimals { max: 2 }));
        assert_eq!(usd("0.001"), Err(MoneyError::TooManyDecimals { max: 2 }));
        let long = format!("1.{}1", "0".repeat(40));
        assert_eq!(usd(&long), Err(MoneyError::TooManyDecimals { max: 2 }));
        assert_eq!(
            Money::parse("100.5", jpy(), 1_000_000),
            Err(MoneyError::TooManyDecimals { max: 0 })
        );
    }

    #[test]
    fn parse_rejects_above_maximum_and_overflow() {
        let above = Err(MoneyError::AboveMaximum {
            max: "1000000.00".to_owned(),
        });
        assert_eq!(usd("1000000.01"), above);
        assert_eq!(usd("92233720368547758.08"), above); // i64::MAX + 1 minor units
        assert_eq!(usd(&"9".repeat(40)), above);
        assert_eq!(
            Money::parse("92233720368547758.07", Currency::USD, i64::MAX)
                .unwrap()
                .minor(),
            i64::MAX
        );
        assert_eq!(
            Money::parse("92233720368547758.08", Currency::USD, i64::MAX),
            Err(MoneyError::AboveMaximum {
                max: "92233720368547758.07".to_owned()
            })
        );
    }

    #[test]
    fn from_major_is_parse() {
        let goal = Money::from_major("100000", Currency::USD, i64::MAX).unwrap();
        assert_eq!(goal.minor(), 10_000_000);
        assert_eq!(goal.to_major_string(), "100000.00");
    }

    #[test]
    fn format_major_examples() {
        assert_eq!(format_major(5000, Currency::USD), "50.00");
        assert_eq!(format_major(100, jpy()), "100");
        assert_eq!(format_major(-5, Currency::USD), "-0.05");
        assert_eq!(format_major(0, Currency::USD), "0.00");
        assert_eq!(
            format_major(i64::MIN, Currency::USD),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn error_messages_are_sentences() {
        assert_eq!(
            MoneyError::NotPositive.to_string(),
            "must be a positive amount"
        );
        assert_eq!(
            MoneyError::TooManyDecimals { max: 2 }.to_string(),
            "has more than 2 decimal places"
        );
        assert_eq!(
            MoneyError::AboveMaximum {
                max: "1000000.00".into()
            }
            .to_string(),
            "must be at most 1000000.00"
        );
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in 1..=i64::MAX, zero_decimals in any::<bool>()) {
            let currency = if zero_decimals { jpy() } else { Currency::USD };
            let text = format_major(minor, currency);
            let money = Money::parse(&text, currency, i64::MAX).unwrap();
            prop_assert_eq!(money.minor(), minor);
            prop_assert_eq!(money.to_major_string(), text);
        }

        #[test]
        fn parse_respects_maximum(minor in 1..=1_000_000_000_i64, max in 1..=1_000_000_000_i64) {
            let result = Money::parse(&format_major(minor, Currency::USD), Currency::USD, max);
            prop_assert_eq!(result.is_ok(), minor <= max);
        }

        #[test]
        fn parse_never_panics(input in any::<String>(), max in any::<i64>()) {
            if let Ok(money) = Money::parse(&input, Currency::USD, max) {
                prop_assert!(money.minor() > 0 && money.minor() <= max);
            }
        }

        #[test]
        fn parse_never_panics_on_numberish_input(input in "[-+ 0-9.,$e_]{0,40}") {
            let _ = Money::parse(&input, Currency::USD, DEFAULT_MAX_GIFT_MINOR);
        }
    }
}
