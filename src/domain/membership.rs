//! Memberships: a campaign may ask membership dues, a minimum per year payable annually or
//! monthly, and a donor who pays them is a member, by their normalized email. A member's record
//! is a pure function of their dues payments, so the ledger derives it again whenever one of
//! them changes (any order of events, any number of repeats, the same record):
//!
//! - **Which payments count.** A payment of a gift that pays dues (its donation's
//!   `dues_minimum_minor`, the campaign's minimum for its frequency when the gift was made)
//!   counts once it succeeded, while what is left of its gift share after refunds and withdrawn
//!   disputes (the figure it adds to `raised`, `contribution::payment_share`) is at least those
//!   dues. So a full refund or a chargeback takes its period away; a partial refund takes it away
//!   only when what stays is less than the dues (a donor who gave $100 for $60 dues keeps their
//!   year after a $30 refund; one who gave exactly $60 does not keep it after any refund). A
//!   dispute whose funds are reinstated counts again. A staff-recorded offline gift (a check for
//!   the year's dues) counts when its gift is at least the annual dues and it is not voided.
//! - **What each one buys.** A monthly installment pays a month, an annual installment or a
//!   one-time (or offline) gift a year: calendar months in UTC, the same day of the month or
//!   the month's last day (`time::months_later`).
//! - **Paid through.** The counting payments in order of payment time (then id), each extends
//!   paid-through by its period from the later of its own payment time and the paid-through so
//!   far. A renewal paid early adds to the end; one paid after a lapse starts a new period when
//!   it is paid. Since the order is that of the payment times (not of delivery), the result
//!   depends only on the set of payments.
//! - **Since** is the first counting payment's time; **lapsed** is read, not stored: paid-through
//!   is past.
//!
//! A payment's time is the earliest event time at which its success was heard of
//! (`Payment::paid_at`): for a bank debit, when the debit cleared, not when it was authorized.

use serde::Serialize;

use crate::domain::contribution::{PaymentFacts, payment_rank, payment_share};
use crate::domain::donation::{Donation, Frequency};
use crate::domain::payment::Payment;
use crate::domain::time::months_later;

/// A member as the store keeps them (see the module's doc for how each field is derived).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The donor's normalized (lowercased) email: one member per address.
    pub donor_key: String,
    /// The address and name of the donor's latest dues-paying gift.
    pub email: String,
    pub name: String,
    pub since: i64,
    pub paid_through: i64,
    pub last_paid_at: i64,
    /// Dues payments that count.
    pub payments: i64,
    /// How the latest counting payment's gift is given (`monthly`, `annual`, `one_time`).
    pub frequency: Frequency,
    pub updated_at: i64,
}

impl Membership {
    /// Whether the membership has run out at `now`.
    pub fn lapsed(&self, now: i64) -> bool {
        self.paid_through < now
    }

    /// The record without its bookkeeping time, to tell whether a recomputation changed it.
    pub fn same_terms(&self, other: &Membership) -> bool {
        Membership {
            updated_at: 0,
            ..self.clone()
        } == Membership {
            updated_at: 0,
            ..other.clone()
        }
    }
}

/// The least a gift to a campaign asking `annual_minor` a year must be, per installment of
/// `frequency`: the annual dues once a year (or in one gift), a twelfth of them each month,
/// rounded up to the minor unit (so twelve installments never pay less than a year's dues).
pub fn minimum_dues(annual_minor: i64, frequency: Frequency) -> i64 {
    match frequency {
        Frequency::Monthly => annual_minor.saturating_add(11) / 12,
        Frequency::Annual | Frequency::OneTime => annual_minor,
    }
}

/// What one dues payment buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuesPeriod {
    Month,
    Year,
}

impl DuesPeriod {
    fn of(frequency: Frequency) -> DuesPeriod {
        match frequency {
            Frequency::Monthly => DuesPeriod::Month,
            Frequency::Annual | Frequency::OneTime => DuesPeriod::Year,
        }
    }

    /// The end of the period starting at `from` (saturating at the last representable time).
    pub fn end(self, from: i64) -> i64 {
        let months = match self {
            DuesPeriod::Month => 1,
            DuesPeriod::Year => 12,
        };
        months_later(from, months).unwrap_or(i64::MAX)
    }
}

/// A payment that counts toward a membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuesPayment {
    pub id: String,
    pub paid_at: i64,
    pub period: DuesPeriod,
    pub frequency: Frequency,
}

/// The payments of donation `d` that count toward its donor's membership, from its payments
/// with what was taken back from each (`contribution::payment_facts`). None when the gift pays
/// no dues.
pub fn dues_payments(d: &Donation, payments: &[(Payment, PaymentFacts)]) -> Vec<DuesPayment> {
    let Some(minimum) = d.dues_minimum_minor else {
        return vec![];
    };
    let period = DuesPeriod::of(d.frequency);
    if d.is_offline() {
        let counts = d.voided_at.is_none() && d.gift_minor >= minimum;
        return counts
            .then(|| DuesPayment {
                id: d.id.clone(),
                paid_at: d.gift_date.unwrap_or(d.created_at),
                period: DuesPeriod::Year,
                frequency: d.frequency,
            })
            .into_iter()
            .collect();
    }
    payments
        .iter()
        .filter(|(_, f)| f.counts && f.status_rank == payment_rank::SUCCEEDED)
        .filter(|(_, f)| payment_share(d, f) >= minimum)
        .filter_map(|(p, _)| {
            Some(DuesPayment {
                id: p.id.clone(),
                paid_at: p.paid_at?,
                period,
                frequency: d.frequency,
            })
        })
        .collect()
}

/// A donor's membership from every dues payment of theirs (in any order), and the
/// donations they were made with (for the donor's address and name: those of the latest gift
/// that has them and is not void); `None` when no payment counts. `at` is the time of the
/// recomputation.
pub fn membership_of(
    donor_key: &str,
    donations: &[Donation],
    mut payments: Vec<DuesPayment>,
    at: i64,
) -> Option<Membership> {
    payments.sort_by(|a, b| (a.paid_at, &a.id).cmp(&(b.paid_at, &b.id)));
    let first = payments.first()?;
    let mut paid_through = first.paid_at;
    for p in &payments {
        paid_through = p.period.end(paid_through.max(p.paid_at));
    }
    let last = payments.last()?;
    // A voided offline gift no longer speaks for the donor.
    let mut latest: Vec<&Donation> = donations.iter().filter(|d| d.voided_at.is_none()).collect();
    latest.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let email = latest
        .iter()
        .rev()
        .find_map(|d| d.donor_email.clone())
        .unwrap_or_else(|| donor_key.to_string());
    let name = latest
        .iter()
        .rev()
        .find_map(|d| d.donor_name.clone().filter(|n| !n.trim().is_empty()))
        .unwrap_or_default();
    Some(Membership {
        donor_key: donor_key.to_string(),
        email,
        name,
        since: first.paid_at,
        paid_through,
        last_paid_at: last.paid_at,
        payments: payments.len() as i64,
        frequency: last.frequency,
        updated_at: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contribution::{payment_facts, tests::donation};
    use crate::domain::time::{format_time, parse_date};
    use proptest::prelude::*;

    fn day(d: &str) -> i64 {
        parse_date(d).unwrap()
    }

    fn paid(id: &str, amount: i64, at: i64) -> (Payment, PaymentFacts) {
        let p = Payment {
            id: id.into(),
            donation_id: Some("don_1".into()),
            subscription_id: None,
            payment_intent_id: None,
            kind: "installment".into(),
            status: "succeeded".into(),
            status_rank: payment_rank::SUCCEEDED,
            amount_minor: Some(amount),
            currency: Some("usd".into()),
            failure_reason: None,
            attempt_count: 0,
            fee_actual_minor: None,
            paid_at: Some(at),
            created_at: at,
            updated_at: at,
        };
        let f = payment_facts(&p, &[], &[], &[]);
        (p, f)
    }

    fn dues(frequency: &str, gift: i64, total: i64, minimum: i64) -> Donation {
        let mut d = donation(frequency, gift, total);
        d.dues_minimum_minor = Some(minimum);
        d
    }

    fn through(d: &Donation, payments: &[(Payment, PaymentFacts)]) -> Option<String> {
        membership_of(
            "a@example.org",
            std::slice::from_ref(d),
            dues_payments(d, payments),
            0,
        )
        .map(|m| format_time(m.paid_through))
    }

    #[test]
    fn the_monthly_minimum_is_a_twelfth_rounded_up() {
        assert_eq!(minimum_dues(6000, Frequency::Monthly), 500);
        assert_eq!(minimum_dues(6001, Frequency::Monthly), 501);
        assert_eq!(minimum_dues(5000, Frequency::Monthly), 417); // 416.67 → 417
        assert_eq!(minimum_dues(6000, Frequency::Annual), 6000);
        assert_eq!(minimum_dues(6000, Frequency::OneTime), 6000);
        assert!(12 * minimum_dues(5000, Frequency::Monthly) >= 5000);
    }

    #[test]
    fn five_dollars_a_month_pays_through_next_month() {
        let d = dues("monthly", 500, 500, 500);
        let at = day("2027-01-15") + 3600;
        assert_eq!(
            through(&d, &[paid("in_1", 500, at)]).as_deref(),
            Some("2027-02-15T01:00:00Z")
        );
        // Each installment paid on time adds a month.
        let second = day("2027-02-15") + 3700;
        assert_eq!(
            through(&d, &[paid("in_1", 500, at), paid("in_2", 500, second)]).as_deref(),
            Some("2027-03-15T01:01:40Z")
        );
    }

    #[test]
    fn a_renewal_paid_early_adds_to_the_end_and_one_after_a_lapse_starts_anew() {
        let d = dues("one_time", 6000, 6000, 6000);
        let early = [
            paid("a", 6000, day("2027-01-01")),
            paid("b", 6000, day("2027-11-01")),
        ];
        assert_eq!(through(&d, &early).as_deref(), Some("2029-01-01T00:00:00Z"));
        let late = [
            paid("a", 6000, day("2027-01-01")),
            paid("b", 6000, day("2028-03-01")),
        ];
        assert_eq!(through(&d, &late).as_deref(), Some("2029-03-01T00:00:00Z"));
        let m = membership_of(
            "a@example.org",
            std::slice::from_ref(&d),
            dues_payments(&d, &late),
            9,
        )
        .unwrap();
        assert_eq!(m.since, day("2027-01-01"));
        assert_eq!(m.last_paid_at, day("2028-03-01"));
        assert_eq!(m.payments, 2);
        assert!(!m.lapsed(day("2029-02-28")));
        assert!(m.lapsed(day("2029-03-02")));
    }

    #[test]
    fn gifts_below_the_dues_failures_and_checkout_records_do_not_count() {
        let d = dues("monthly", 400, 400, 500);
        assert_eq!(through(&d, &[paid("in_1", 400, day("2027-01-01"))]), None);
        let d = dues("monthly", 500, 500, 500);
        let (mut p, _) = paid("in_1", 500, day("2027-01-01"));
        p.status_rank = payment_rank::FAILED;
        let f = payment_facts(&p, &[], &[], &[]);
        assert_eq!(through(&d, &[(p.clone(), f)]), None);
        p.status_rank = payment_rank::SUCCEEDED;
        p.kind = "checkout".into();
        let f = payment_facts(&p, &[], &[], &[]);
        assert_eq!(through(&d, &[(p, f)]), None);
        // A gift that pays no dues is no member's.
        let gift = donation("monthly", 500, 500);
        assert!(dues_payments(&gift, &[paid("in_1", 500, 0)]).is_empty());
    }

    #[test]
    fn refunds_and_chargebacks_take_a_period_away_unless_enough_is_left() {
        let d = dues("annual", 10_000, 10_000, 6000);
        let (p, mut f) = paid("in_1", 10_000, day("2027-01-01"));
        f.refunded_minor = 4000; // 6000 of the gift is left: still the dues.
        assert!(through(&d, &[(p.clone(), f.clone())]).is_some());
        f.refunded_minor = 4001;
        assert_eq!(through(&d, &[(p.clone(), f.clone())]), None);
        f.refunded_minor = 0;
        f.withdrawn_minor = 10_000;
        assert_eq!(through(&d, &[(p, f)]), None);
        // Exactly the dues, with a covered fee: refunding the fee alone takes some gift too.
        let d = dues("annual", 6000, 6209, 6000);
        let (p, mut f) = paid("in_1", 6209, day("2027-01-01"));
        assert!(through(&d, &[(p.clone(), f.clone())]).is_some());
        f.refunded_minor = 209;
        assert_eq!(through(&d, &[(p, f)]), None);
    }

    #[test]
    fn an_offline_gift_pays_a_year_until_voided() {
        let mut d = dues("one_time", 6000, 6000, 6000);
        d.source = crate::domain::donation::Source::Offline;
        d.gift_date = Some(day("2027-05-01"));
        assert_eq!(through(&d, &[]).as_deref(), Some("2028-05-01T00:00:00Z"));
        d.voided_at = Some(1);
        assert_eq!(through(&d, &[]), None);
    }

    #[test]
    fn the_address_and_name_are_the_latest_gifts() {
        let mut old = dues("annual", 6000, 6000, 6000);
        old.donor_name = Some("Ana".into());
        old.donor_email = Some("ANA@example.org".into());
        let mut new = old.clone();
        new.id = "don_2".into();
        new.created_at = 10;
        new.donor_name = Some("Ana Pérez".into());
        new.donor_email = Some("ana@example.org".into());
        let payments = vec![DuesPayment {
            id: "p".into(),
            paid_at: 5,
            period: DuesPeriod::Year,
            frequency: Frequency::Annual,
        }];
        let m = membership_of("ana@example.org", &[new, old], payments, 0).unwrap();
        assert_eq!(
            (m.email.as_str(), m.name.as_str()),
            ("ana@example.org", "Ana Pérez")
        );
    }

    proptest! {
        /// The record depends on the set of payments only: any order, any repeats of the list
        /// the ledger reads (repeats of one payment are one row there) give the same one.
        #[test]
        fn paid_through_is_a_function_of_the_set(
            mut spec in prop::collection::vec((0..3_000_i64, any::<bool>()), 1..12),
            seed in any::<u64>(),
        ) {
            spec.sort();
            spec.dedup_by_key(|(day, _)| *day);
            let payments: Vec<DuesPayment> = spec
                .iter()
                .enumerate()
                .map(|(i, (d, monthly))| DuesPayment {
                    id: format!("p{i}"),
                    paid_at: 1_800_000_000 + d * 86_400,
                    period: if *monthly { DuesPeriod::Month } else { DuesPeriod::Year },
                    frequency: if *monthly { Frequency::Monthly } else { Frequency::Annual },
                })
                .collect();
            let expected = membership_of("k", &[], payments.clone(), 0);
            let mut shuffled = payments.clone();
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(membership_of("k", &[], shuffled, 0), expected.clone());
            // Paid-through covers at least the sum of the periods from the first payment.
            let m = expected.unwrap();
            prop_assert!(m.paid_through > m.last_paid_at);
            prop_assert!(m.since <= m.last_paid_at);
        }
    }
}
