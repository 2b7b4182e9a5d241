//! Processing-fee coverage: the donor may add the processor's fee so that the
//! nonprofit nets the full gift.
//!
//! All amounts are integer minor units; the percentage is an exact `Decimal`
//! and every rounding step is spelled out. A rate is a percent of the charged
//! total plus a fixed part (cards: 2.9 % + 30), and the percent part may be
//! capped (US bank debits, ACH: 0.8 % capped at $5.00): [`fee_on`] rounds the
//! percent part half up to a whole minor unit, then caps it, then adds the fixed
//! part; [`cover`] finds the smallest total that nets the gift under that rule.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::donation::PaymentMethod;

/// Percentages are kept below 50 so that the fee never exceeds half of the
/// total: this keeps `net` non-decreasing and all arithmetic in range.
const MAX_PERCENT_EXCLUSIVE: Decimal = Decimal::from_parts(50, 0, 0, false, 0);
/// Four places (e.g. 2.9, 1.25, 0.0125) is finer than any processor quotes
/// and keeps `total × percent` well inside Decimal's exact range.
const MAX_PERCENT_SCALE: u32 = 4;
/// $10,000.00 in cents; a larger fixed fee is certainly a typo.
pub const MAX_FIXED_MINOR: i64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("must be a percentage from 0 to below 50 with at most 4 decimal places")]
    InvalidPercent,
    #[error("must be a fixed fee from 0 to 1000000 minor units")]
    InvalidFixed,
    #[error("must be a cap from 0 to 1000000 minor units")]
    InvalidCap,
    #[error("must be a positive amount")]
    InvalidGift,
    #[error("is too large to calculate a processing fee for")]
    Overflow,
}

/// A processor's fee: `percent` of the charged total (at most `cap_minor`, when
/// capped) plus a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawFeeRate")]
pub struct FeeRate {
    // A string keeps the exact decimal in JSON, where a number might be
    // read back as a float.
    #[serde(serialize_with = "serialize_display")]
    percent: Decimal,
    fixed_minor: i64,
    /// The most the percent part comes to (after rounding), when capped.
    #[serde(skip_serializing_if = "Option::is_none")]
    cap_minor: Option<i64>,
}

/// Unvalidated wire form; deserialisation goes through `FeeRate::parse`.
#[derive(Deserialize)]
struct RawFeeRate {
    percent: String,
    fixed_minor: i64,
    #[serde(default)]
    cap_minor: Option<i64>,
}

impl TryFrom<RawFeeRate> for FeeRate {
    type Error = FeeError;

    fn try_from(raw: RawFeeRate) -> Result<Self, Self::Error> {
        let rate = FeeRate::parse(&raw.percent, raw.fixed_minor)?;
        match raw.cap_minor {
            Some(cap) => rate.capped(cap),
            None => Ok(rate),
        }
    }
}

fn serialize_display<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

impl FeeRate {
    /// `0 <= percent < 50` with at most 4 decimal places, and
    /// `0 <= fixed_minor <= 1_000_000`.
    pub fn new(percent: Decimal, fixed_minor: i64) -> Result<FeeRate, FeeError> {
        // Normalised so that "2.90" and "2.9" are the same rate.
        let percent = percent.normalize();
        if percent < Decimal::ZERO
            || percent >= MAX_PERCENT_EXCLUSIVE
            || percent.scale() > MAX_PERCENT_SCALE
        {
            return Err(FeeError::InvalidPercent);
        }
        if !(0..=MAX_FIXED_MINOR).contains(&fixed_minor) {
            return Err(FeeError::InvalidFixed);
        }
        Ok(FeeRate {
            percent,
            fixed_minor,
            cap_minor: None,
        })
    }

    /// This rate with its percent part capped at `cap_minor` (`0..=1_000_000`).
    pub fn capped(self, cap_minor: i64) -> Result<FeeRate, FeeError> {
        if !(0..=MAX_FIXED_MINOR).contains(&cap_minor) {
            return Err(FeeError::InvalidCap);
        }
        Ok(FeeRate {
            cap_minor: Some(cap_minor),
            ..self
        })
    }

    /// `percent` is a plain decimal such as "2.9" (meaning 2.9 %).
    pub fn parse(percent: &str, fixed_minor: i64) -> Result<FeeRate, FeeError> {
        let percent =
            Decimal::from_str_exact(percent.trim()).map_err(|_| FeeError::InvalidPercent)?;
        FeeRate::new(percent, fixed_minor)
    }

    /// Stripe's standard card pricing: 2.9 % + 30.
    pub fn stripe_standard() -> FeeRate {
        FeeRate {
            percent: Decimal::new(29, 1),
            fixed_minor: 30,
            cap_minor: None,
        }
    }

    /// Stripe's discounted nonprofit pricing: 2.2 % + 30.
    pub fn stripe_nonprofit() -> FeeRate {
        FeeRate {
            percent: Decimal::new(22, 1),
            fixed_minor: 30,
            cap_minor: None,
        }
    }

    /// Stripe's US bank debit (ACH Direct Debit) pricing: 0.8 %, capped at $5.00.
    pub fn stripe_ach() -> FeeRate {
        FeeRate {
            percent: Decimal::new(8, 1),
            fixed_minor: 0,
            cap_minor: Some(500),
        }
    }

    pub fn percent(&self) -> Decimal {
        self.percent
    }

    pub fn fixed_minor(&self) -> i64 {
        self.fixed_minor
    }

    pub fn cap_minor(&self) -> Option<i64> {
        self.cap_minor
    }
}

/// The fee charged on `total_minor`: `total × percent / 100`, rounded to a
/// whole minor unit with halves rounded up, then capped at `cap_minor` when the
/// rate has a cap, plus the fixed part.
///
/// A negative total has no fee of its own and is treated as 0.
pub fn fee_on(rate: &FeeRate, total_minor: i64) -> i64 {
    let total = Decimal::from(total_minor.max(0));
    // Exact: |total| < 2^63 and percent has at most 4 places below 50, so the
    // product has under 25 significant digits (Decimal holds 28) and dividing
    // by 100 only moves the decimal point.
    let exact = total * rate.percent / Decimal::ONE_HUNDRED;
    // The value is non-negative, so "midpoint away from zero" is exactly
    // "round half up".
    let rounded = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    // Infallible: percent < 50 puts `rounded` at most total / 2 + 1, and
    // fixed_minor <= 1_000_000, so both the conversion and the sum fit.
    let percent_part = i64::try_from(rounded).expect("percent part is at most half of an i64");
    // The cap applies to the rounded percent part (Stripe: "0.8 %, $5.00 cap").
    let percent_part = rate
        .cap_minor
        .map_or(percent_part, |cap| percent_part.min(cap));
    percent_part + rate.fixed_minor
}

/// What the nonprofit keeps when `total_minor` is charged.
fn net(rate: &FeeRate, total_minor: i64) -> i64 {
    total_minor - fee_on(rate, total_minor)
}

/// How a gift is charged: `total_minor = gift_minor + fee_minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
}

/// The smallest total `T` whose net, `T − fee_on(T)`, is at least the gift.
///
/// `net` is non-decreasing in `T`: going from `T` to `T + 1` raises the exact
/// product by `percent / 100 < 1`, and rounding half up (`floor(x + ½)`) is
/// monotone, so the rounded fee rises by 0 or 1 while the total rises by 1; a
/// cap (`min(part, cap)`) keeps the part monotone and its steps 0 or 1.
/// Hence the minimum can be found by stepping from any estimate, and the
/// steps stop within a couple of units of the real-valued solution.
pub fn cover(gift_minor: i64, rate: &FeeRate) -> Result<Coverage, FeeError> {
    if gift_minor <= 0 {
        return Err(FeeError::InvalidGift);
    }
    let mut total = estimate_total(gift_minor, rate).ok_or(FeeError::Overflow)?;
    // net(T) <= T - fixed <= T, so any T with net(T) >= gift is >= gift;
    // stepping down therefore never goes below gift (and never below 0).
    while total > gift_minor && net(rate, total - 1) >= gift_minor {
        total -= 1;
    }
    while net(rate, total) < gift_minor {
        total = total.checked_add(1).ok_or(FeeError::Overflow)?;
    }
    Ok(Coverage {
        gift_minor,
        fee_minor: total - gift_minor,
        total_minor: total,
    })
}

/// `(gift + fixed) / (1 − percent / 100)`, rounded up, and with a cap at most
/// `gift + fixed + cap` (which always nets the gift: its fee is at most
/// `cap + fixed`); `None` if it does not fit in an i64. Only a starting point:
/// the division is not exact. (Without the second bound, a large gift under a
/// cap would start far above its total and step down for a long time.)
fn estimate_total(gift_minor: i64, rate: &FeeRate) -> Option<i64> {
    let numerator = Decimal::from(gift_minor.checked_add(rate.fixed_minor)?);
    let keep = Decimal::ONE - rate.percent / Decimal::ONE_HUNDRED;
    let estimate = i64::try_from(numerator.checked_div(keep)?.ceil()).ok();
    let capped = rate
        .cap_minor
        .and_then(|cap| gift_minor.checked_add(rate.fixed_minor)?.checked_add(cap));
    match (estimate, capped) {
        (Some(e), Some(c)) => Some(e.min(c)),
        (e, c) => e.or(c),
    }
}

/// The rate of each way to pay: a campaign's card rate (percent + fixed), and the bank debit
/// rate (`ACH_FEE_PERCENT`, capped at `ACH_FEE_CAP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodRates {
    pub card: FeeRate,
    pub bank_debit: FeeRate,
}

impl MethodRates {
    /// The rate of payments made by `method`.
    pub fn of(&self, method: PaymentMethod) -> &FeeRate {
        match method {
            PaymentMethod::Card => &self.card,
            PaymentMethod::UsBankAccount => &self.bank_debit,
        }
    }
}

/// The donor chose not to cover the fee: they are charged just the gift.
pub fn no_cover(gift_minor: i64) -> Coverage {
    Coverage {
        gift_minor,
        fee_minor: 0,
        total_minor: gift_minor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(percent: &str, fixed: i64) -> FeeRate {
        FeeRate::parse(percent, fixed).unwrap()
    }

    /// Reference fee in plain integer arithmetic, independent of Decimal:
    /// with percent = m / 10^s, fee = floor((T·m + d/2) / d) + fixed where
    /// d = 10^(s+2).
    fn reference_fee(rate: &FeeRate, total: i64) -> i64 {
        let m = rate.percent().mantissa();
        let d = 10_i128.pow(rate.percent().scale() + 2);
        let percent_part = (i128::from(total) * m + d / 2) / d;
        let percent_part = match rate.cap_minor() {
            Some(cap) => percent_part.min(i128::from(cap)),
            None => percent_part,
        };
        i64::try_from(percent_part).unwrap() + rate.fixed_minor()
    }

    fn assert_minimal(gift: i64, rate: &FeeRate) -> Result<(), TestCaseError> {
        let c = cover(gift, rate).unwrap();
        prop_assert_eq!(c.gift_minor, gift);
        prop_assert_eq!(c.total_minor, c.gift_minor + c.fee_minor);
        prop_assert!(c.fee_minor >= 0);
        prop_assert!(
            net(rate, c.total_minor) >= gift,
            "net(T) below gift: {:?}",
            c
        );
        prop_assert!(
            net(rate, c.total_minor - 1) < gift,
            "T not minimal: {:?}",
            c
        );
        Ok(())
    }

    #[test]
    fn fifty_dollars_at_stripe_standard() {
        // 5180 × 2.9 % = 150.22 → 150, + 30 = 180, net 5000.
        // 5179 × 2.9 % = 150.191 → 150, + 30 = 180, net 4999: too little.
        let c = cover(5000, &FeeRate::stripe_standard()).unwrap();
        assert_eq!(
            c,
            Coverage {
                gift_minor: 5000,
                fee_minor: 180,
                total_minor: 5180
            }
        );
    }

    #[test]
    fn hundred_dollars_at_stripe_nonprofit() {
        // 10256 × 2.2 % = 225.632 → 226, + 30 = 256, net 10000.
        // 10255 × 2.2 % = 225.61 → 226, + 30 = 256, net 9999.
        let c = cover(10_000, &FeeRate::stripe_nonprofit()).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (256, 10_256));
    }

    #[test]
    fn one_cent_gift() {
        // 32 × 2.9 % = 0.928 → 1, + 30 = 31, net 1; 31 nets 0.
        let c = cover(1, &FeeRate::stripe_standard()).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (31, 32));
        let c = cover(1, &FeeRate::stripe_nonprofit()).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (31, 32));
    }

    #[test]
    fn half_cent_rounds_up() {
        let stripe = FeeRate::stripe_standard();
        // 500 × 2.9 % = 14.5 exactly, rounded up to 15.
        assert_eq!(fee_on(&stripe, 500), 45);
        assert_eq!(fee_on(&stripe, 499), 44); // 14.471 → 14
        // So 500 nets 455, not 456, and a 4.56 gift needs 501 (14.529 → 15).
        // Banker's rounding (14.5 → 14) would wrongly give 500.
        let c = cover(456, &stripe).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (45, 501));
        let c = cover(455, &stripe).unwrap();
        assert_eq!(c.total_minor, 499);
    }

    #[test]
    fn zero_rate_charges_the_gift() {
        let free = rate("0", 0);
        assert_eq!(cover(1234, &free).unwrap(), no_cover(1234));
        assert_eq!(fee_on(&free, 1234), 0);
    }

    #[test]
    fn no_cover_charges_only_the_gift() {
        assert_eq!(
            no_cover(5000),
            Coverage {
                gift_minor: 5000,
                fee_minor: 0,
                total_minor: 5000
            }
        );
    }

    #[test]
    fn cover_rejects_non_positive_gifts_and_overflow() {
        let stripe = FeeRate::stripe_standard();
        assert_eq!(cover(0, &stripe), Err(FeeError::InvalidGift));
        assert_eq!(cover(-1, &stripe), Err(FeeError::InvalidGift));
        assert_eq!(cover(i64::MAX, &stripe), Err(FeeError::Overflow));
        assert_eq!(
            cover(i64::MAX - 10, &rate("0", 30)),
            Err(FeeError::Overflow)
        );
        assert_eq!(
            cover(i64::MAX, &rate("49.9999", 1_000_000)),
            Err(FeeError::Overflow)
        );
        // Just in range: T = gift when nothing is charged.
        assert_eq!(
            cover(i64::MAX, &rate("0", 0)).unwrap().total_minor,
            i64::MAX
        );
    }

    #[test]
    fn fee_on_extremes_do_not_overflow() {
        let worst = rate("49.9999", 1_000_000);
        assert_eq!(fee_on(&worst, i64::MAX), reference_fee(&worst, i64::MAX));
        assert_eq!(fee_on(&worst, -5), 1_000_000);
    }

    #[test]
    fn rate_validation() {
        assert_eq!(rate("2.90", 30), FeeRate::stripe_standard());
        assert_eq!(rate(" 2.2 ", 30), FeeRate::stripe_nonprofit());
        assert_eq!(rate("49.9999", 0).percent(), Decimal::new(499_999, 4));
        for bad in [
            "-0.1", "50", "50.0", "120", "1.23456", "", "abc", "2.9%", "1e1",
        ] {
            assert_eq!(
                FeeRate::parse(bad, 30),
                Err(FeeError::InvalidPercent),
                "{bad:?}"
            );
        }
        assert_eq!(FeeRate::parse("2.9", -1), Err(FeeError::InvalidFixed));
        assert_eq!(
            FeeRate::parse("2.9", 1_000_001),
            Err(FeeError::InvalidFixed)
        );
        assert!(FeeRate::parse("2.9", 1_000_000).is_ok());
        assert_eq!(
            FeeRate::new(Decimal::new(-0, 0), 0).unwrap().percent(),
            Decimal::ZERO
        );
    }

    #[test]
    fn serde_keeps_percent_as_string() {
        let json = serde_json::to_string(&FeeRate::stripe_standard()).unwrap();
        assert_eq!(json, r#"{"percent":"2.9","fixed_minor":30}"#);
        let back: FeeRate = serde_json::from_str(&json).unwrap();
        assert_eq!(back, FeeRate::stripe_standard());
        let err = serde_json::from_str::<FeeRate>(r#"{"percent":"75","fixed_minor":30}"#);
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("must be a percentage")
        );
        let c = serde_json::to_string(&no_cover(5)).unwrap();
        assert_eq!(c, r#"{"gift_minor":5,"fee_minor":0,"total_minor":5}"#);
    }

    #[test]
    fn ach_is_point_eight_percent_capped_at_five_dollars() {
        let ach = FeeRate::stripe_ach();
        // 5040 × 0.8 % = 40.32 → 40: net 5000. 5039 × 0.8 % = 40.312 → 40: net 4999.
        let c = cover(5000, &ach).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (40, 5040));
        // 62400 × 0.8 % = 499.2 → 499 (under the cap): 62399 nets 61900, 62398 does not.
        let c = cover(61_900, &ach).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (499, 62_399));
        // 62500 × 0.8 % = 500 exactly, the cap: 62499 × 0.8 % = 499.992 → 500, nets 61999.
        let c = cover(62_000, &ach).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (500, 62_500));
        // Above the cap the fee stays $5.00: $1,000.00 costs $1,005.00, not $1,008.07.
        let c = cover(100_000, &ach).unwrap();
        assert_eq!((c.fee_minor, c.total_minor), (500, 100_500));
        assert_eq!(fee_on(&ach, 100_499), 500);
        // The cap applies after rounding: 62437 × 0.8 % = 499.496 → 499; 62438 → 500.
        assert_eq!(fee_on(&ach, 62_437), 499);
        assert_eq!(fee_on(&ach, 62_438), 500);
        // The largest gift a cap makes cheap, and one whose estimate would overflow uncapped.
        let c = cover(i64::MAX - 500, &ach).unwrap();
        assert_eq!(c.fee_minor, 500);
        assert_eq!(cover(i64::MAX - 499, &ach), Err(FeeError::Overflow));
    }

    #[test]
    fn a_cap_is_validated_and_kept_through_serde() {
        let card = FeeRate::stripe_standard();
        assert_eq!(card.cap_minor(), None);
        assert_eq!(card.capped(-1), Err(FeeError::InvalidCap));
        assert_eq!(card.capped(MAX_FIXED_MINOR + 1), Err(FeeError::InvalidCap));
        let ach = rate("0.8", 0).capped(500).unwrap();
        assert_eq!(ach, FeeRate::stripe_ach());
        let json = serde_json::to_string(&ach).unwrap();
        assert_eq!(json, r#"{"percent":"0.8","fixed_minor":0,"cap_minor":500}"#);
        assert_eq!(serde_json::from_str::<FeeRate>(&json).unwrap(), ach);
        assert!(
            serde_json::from_str::<FeeRate>(r#"{"percent":"0.8","fixed_minor":0,"cap_minor":-5}"#)
                .is_err()
        );
    }

    fn any_rate() -> impl Strategy<Value = FeeRate> {
        (0..=2000_i64, 0..=1000_i64).prop_map(|(hundredths, fixed)| {
            FeeRate::new(Decimal::new(hundredths, 2), fixed).unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn cover_is_minimal_for_any_rate(gift in 1..=100_000_000_i64, rate in any_rate()) {
            assert_minimal(gift, &rate)?;
        }

        #[test]
        fn cover_is_minimal_for_stripe_rates(gift in 1..=100_000_000_i64) {
            assert_minimal(gift, &FeeRate::stripe_standard())?;
            assert_minimal(gift, &FeeRate::stripe_nonprofit())?;
        }

        #[test]
        fn fee_on_matches_integer_reference(
            total in 0..=i64::MAX,
            ten_thousandths in 0..500_000_i64,
            fixed in 0..=MAX_FIXED_MINOR,
        ) {
            let rate = FeeRate::new(Decimal::new(ten_thousandths, 4), fixed).unwrap();
            prop_assert_eq!(fee_on(&rate, total), reference_fee(&rate, total));
        }

        #[test]
        fn net_is_non_decreasing(total in 0..=1_000_000_000_i64, rate in any_rate()) {
            prop_assert!(net(&rate, total + 1) >= net(&rate, total));
        }

        #[test]
        fn cover_is_minimal_for_capped_rates(
            gift in 1..=100_000_000_i64,
            rate in any_rate(),
            cap in 0..=2_000_i64,
        ) {
            assert_minimal(gift, &FeeRate::stripe_ach())?;
            assert_minimal(gift, &rate.capped(cap).unwrap())?;
        }

        #[test]
        fn capped_fee_matches_integer_reference_and_never_passes_the_cap(
            total in 0..=i64::MAX,
            ten_thousandths in 0..500_000_i64,
            fixed in 0..=MAX_FIXED_MINOR,
            cap in 0..=MAX_FIXED_MINOR,
        ) {
            let rate = FeeRate::new(Decimal::new(ten_thousandths, 4), fixed)
                .unwrap()
                .capped(cap)
                .unwrap();
            let fee = fee_on(&rate, total);
            prop_assert_eq!(fee, reference_fee(&rate, total));
            prop_assert!(fee <= cap + fixed);
        }

        #[test]
        fn capped_net_is_non_decreasing(
            total in 0..=1_000_000_000_i64,
            rate in any_rate(),
            cap in 0..=2_000_i64,
        ) {
            let rate = rate.capped(cap).unwrap();
            prop_assert!(net(&rate, total + 1) >= net(&rate, total));
        }
    }
}
