//! What a donation contributes to its campaign, as a pure function of the facts recorded about
//! it. Events may arrive in any order and any number of times, so every per-object state here is
//! a join (a maximum in a fixed order), and the contribution is recomputed from the whole set of
//! facts rather than adjusted event by event: the same facts always give the same figures.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::campaign::Progress;
use crate::domain::donation::Donation;
use crate::domain::payment::{ChargeRecord, Dispute, Payment, Refund};

pub use crate::domain::donation::Frequency;

/// Payment states, in the order in which a later fact may overrule an earlier one: a payment
/// that succeeded stays succeeded whatever failure or expiry event arrives after it.
pub mod payment_rank {
    pub const PENDING: i64 = 0;
    pub const FAILED: i64 = 1;
    pub const ABANDONED: i64 = 2;
    pub const SUCCEEDED: i64 = 3;

    pub fn name(rank: i64) -> &'static str {
        match rank {
            FAILED => "failed",
            ABANDONED => "abandoned",
            SUCCEEDED => "succeeded",
            _ => "pending",
        }
    }
}

/// Refund states in join order: a refund can fail or be canceled after it succeeded, never the
/// reverse. Pending and succeeded refunds take money back; failed and canceled ones do not.
pub fn refund_rank(status: &str) -> i64 {
    match status {
        "pending" | "requires_action" => 1,
        "succeeded" => 2,
        "failed" | "canceled" => 3,
        _ => 0,
    }
}

pub fn refund_counts(status: &str) -> bool {
    matches!(refund_rank(status), 1 | 2)
}

/// A refund that failed or was canceled: its money went back to the nonprofit.
fn refund_undone(status: &str) -> bool {
    refund_rank(status) == 3
}

/// Whether a dispute status is an inquiry (a "retrieval request" or pre-dispute): the bank asks
/// questions but withdraws no funds, and the payment keeps counting, also once it is closed
/// (`warning_closed`). An inquiry the bank escalates becomes a chargeback with a status of its
/// own (`needs_response`, ...), and Stripe withdraws the funds then.
pub fn dispute_is_inquiry(status: &str) -> bool {
    status.starts_with("warning_")
}

/// Dispute statuses in join order, so the furthest-along status is the one kept.
pub fn dispute_rank(status: &str) -> i64 {
    match status {
        "warning_needs_response" => 1,
        "warning_under_review" => 2,
        "needs_response" => 3,
        "under_review" => 4,
        "warning_closed" | "won" | "lost" | "prevented" => 5,
        _ => 0,
    }
}

/// Recurring plan statuses. A plan's status is a register keyed by (terminal, event time,
/// rank): the largest key wins, so the outcome does not depend on delivery order, and a
/// canceled plan can never come back to life through a late `updated` event.
pub fn plan_rank(status: &str) -> i64 {
    match status {
        "incomplete" => 1,
        "trialing" => 2,
        "active" => 3,
        "past_due" => 4,
        "unpaid" => 5,
        "paused" => 6,
        "incomplete_expired" => 90,
        "canceled" => 100,
        _ => 0,
    }
}

fn plan_key(rank: i64, at: i64) -> (bool, i64, i64) {
    (rank >= 90, at, rank)
}

/// Whether a plan status reported at `at` replaces the donation's current one.
pub fn plan_status_wins(d: &Donation, status: &str, at: i64) -> bool {
    d.plan_status.is_none()
        || plan_key(plan_rank(status), at) > plan_key(d.plan_status_rank, d.plan_status_at)
}

pub fn plan_counts_as_active(status: Option<&str>) -> bool {
    matches!(status, Some("active" | "trialing" | "past_due"))
}

/// `amount × numerator / denominator`, rounded to a whole minor unit with halves rounded up
/// (all values are non-negative, so away-from-zero is up).
pub fn share(amount: i64, numerator: i64, denominator: i64) -> i64 {
    if denominator <= 0 || amount <= 0 || numerator <= 0 {
        return 0;
    }
    if amount == denominator {
        return numerator;
    }
    // Exact in 128 bits for any i64 inputs (the product is below 2^126): the quotient, plus one
    // when the remainder is at least half the denominator (half up).
    let product = i128::from(amount) * i128::from(numerator);
    let (den, quotient, remainder) = (
        i128::from(denominator),
        product / i128::from(denominator),
        product % i128::from(denominator),
    );
    let rounded = quotient + i128::from(2 * remainder >= den);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// The gift share of an installment of `amount_minor`, by the one rule for a plan whose amount
/// changed (the donor used the billing portal): the covered fee keeps the share of the total
/// the donor chose at checkout (`fee / total`), the rest is gift, `amount × gift / total`
/// rounded half up. A plan at its checkout amount gives exactly the checkout's gift; a donor
/// who covered no fee gives the whole amount. The count toward the goal, the receipt's gift
/// line, the statement and the recurring figures all use this (webhooks/README.md).
pub fn installment_gift(d: &Donation, amount_minor: i64) -> i64 {
    share(amount_minor, d.gift_minor, d.total_minor)
}

/// The gift a recurring donation's plan brings per installment now: its current amount (as
/// Stripe last said) split by [`installment_gift`].
pub fn plan_gift(d: &Donation) -> i64 {
    installment_gift(d, d.plan_amount_minor.unwrap_or(d.total_minor))
}

/// What the refunds recorded against one charge took back, from two views of them joined in
/// any order of delivery:
/// - the charge's running `amount_refunded` as of its latest event (`refunded_at`), which
///   Stripe lowers again when a refund fails or is canceled;
/// - each refund by its own status (pending and succeeded ones count, failed and canceled ones
///   do not), its creation time, and the time its status was first heard of.
///
/// The charge's total is what was refunded at `refunded_at`. Refunds created after it are
/// added; those created at or before it that failed or were canceled after it (so that the
/// total still holds them) are taken off. Refunds created in the very second of the total may
/// or may not be in it (Stripe dates in seconds): the total is then at least their sum. The
/// figure depends only on the set of events, never on their order, as each input is a join.
fn refunded_of_charge(c: &ChargeRecord, refunds: &[&Refund]) -> i64 {
    let at = c.refunded_at;
    let created = |r: &Refund| r.refund_created.unwrap_or(r.status_at);
    let sum = |keep: &dyn Fn(&Refund) -> bool| {
        refunds
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.amount_minor.max(0))
            .fold(0, i64::saturating_add)
    };
    let same_second = sum(&|r| refund_counts(&r.status) && created(r) == at);
    let later = sum(&|r| refund_counts(&r.status) && created(r) > at);
    let undone = sum(&|r| refund_undone(&r.status) && created(r) <= at && r.status_at > at);
    c.amount_refunded_minor
        .max(0)
        .max(same_second)
        .saturating_add(later)
        .saturating_sub(undone)
        .clamp(0, c.amount_minor.max(0))
}

/// One payment of a donation with the money Stripe took back from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub id: String,
    /// Counted payments are one-time payments and installments; a recurring gift's checkout
    /// record only carries its status.
    pub counts: bool,
    pub status_rank: i64,
    /// What Stripe charged; `None` when only the status is known yet.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// Refunded so far (see `refunded_of_charge`), at most what was charged.
    pub refunded_minor: i64,
    /// Disputed amounts whose funds are withdrawn and not reinstated, at most what was charged
    /// and not refunded.
    pub withdrawn_minor: i64,
    /// Stripe's fee: Σ of its charges' actual fees, when any is known.
    pub fee_actual_minor: Option<i64>,
    /// Stripe's net (amount less fee) of the same charges.
    pub net_actual_minor: Option<i64>,
}

/// Σ of the values known, or `None` when none is.
fn sum_known(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.flatten().fold(None, |sum: Option<i64>, v| {
        Some(sum.unwrap_or(0).saturating_add(v))
    })
}

/// A payment with the refunds, disputes and charges recorded against its PaymentIntent (the
/// caller passes those of the payment's own PaymentIntent).
pub fn payment_facts(
    p: &Payment,
    refunds: &[Refund],
    charges: &[ChargeRecord],
    disputes: &[Dispute],
) -> PaymentFacts {
    let charge_ids: Vec<&str> = charges.iter().map(|c| c.id.as_str()).collect();
    // Refunds of a known charge are read with it; any other (its charge not heard of yet) by
    // its own status alone.
    let mut refunded: i64 = charges
        .iter()
        .map(|c| {
            let of_charge: Vec<&Refund> = refunds
                .iter()
                .filter(|r| r.charge_id.as_deref() == Some(c.id.as_str()))
                .collect();
            refunded_of_charge(c, &of_charge)
        })
        .fold(0, i64::saturating_add);
    refunded = refunds
        .iter()
        .filter(|r| {
            r.charge_id
                .as_deref()
                .is_none_or(|c| !charge_ids.contains(&c))
        })
        .filter(|r| refund_counts(&r.status))
        .map(|r| r.amount_minor.max(0))
        .fold(refunded, i64::saturating_add);
    let withdrawn = disputes
        .iter()
        .filter(|d| d.withdrawn && !d.reinstated)
        .map(|d| d.amount_minor.max(0))
        .fold(0, i64::saturating_add);
    let fee_actual = sum_known(charges.iter().map(|c| c.fee_actual_minor)).or(p.fee_actual_minor);
    let net_actual = sum_known(charges.iter().map(|c| c.net_actual_minor));
    // Never more taken back than was charged, in any figure that reads these.
    let charged = p.amount_minor.unwrap_or(i64::MAX).max(0);
    let refunded = refunded.clamp(0, charged);
    PaymentFacts {
        id: p.id.clone(),
        counts: p.kind != "checkout",
        status_rank: p.status_rank,
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        refunded_minor: refunded,
        withdrawn_minor: withdrawn.clamp(0, charged - refunded),
        fee_actual_minor: fee_actual,
        net_actual_minor: net_actual,
    }
}

/// What one payment adds to `raised` now: its gift share less what was taken back, the same
/// figure [`contribution`] adds up; 0 for a payment that does not count.
pub fn payment_share(d: &Donation, p: &PaymentFacts) -> i64 {
    if d.is_offline() || !p.counts || p.status_rank != payment_rank::SUCCEEDED {
        return 0;
    }
    counted_share(d, p).0
}

/// What one donation contributes to its campaign, and its status as shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contribution {
    pub raised_minor: i64,
    pub gifts: i64,
    pub donor: bool,
    pub recurring_active: bool,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    pub fee_actual_minor: Option<i64>,
    pub net_actual_minor: Option<i64>,
    pub status: String,
    /// Payments whose amount or currency disagrees with the donation: (payment id, detail).
    pub mismatches: Vec<(String, String)>,
}

/// The gift share a payment adds to `raised`: the whole gift when Stripe charged the expected
/// total, in proportion when it charged something else, nothing in another currency; less the
/// gift share of what was refunded or is withdrawn by a dispute.
fn counted_share(d: &Donation, p: &PaymentFacts) -> (i64, Option<String>) {
    let amount = p.amount_minor.unwrap_or(d.total_minor);
    let currency = p.currency.as_deref().unwrap_or(&d.currency);
    if currency != d.currency {
        return (
            0,
            Some(format!(
                "payment {} is in {currency}, the donation in {}; not counted",
                p.id, d.currency
            )),
        );
    }
    let mismatch = (amount != d.total_minor).then(|| {
        format!(
            "payment {} charged {amount}, the donation expected {} (minor units); counted in proportion",
            p.id, d.total_minor
        )
    });
    let gift_share = installment_gift(d, amount);
    // A full refund removes the whole gift; a partial one its proportional share, rounded once
    // over the running total so that several partial refunds add up exactly.
    let off = p
        .refunded_minor
        .saturating_add(p.withdrawn_minor)
        .clamp(0, amount);
    let off_share = if off >= amount {
        gift_share
    } else {
        share(off, gift_share, amount)
    };
    (gift_share - off_share, mismatch)
}

pub fn contribution(d: &Donation, payments: &[PaymentFacts]) -> Contribution {
    let mut c = Contribution::default();
    if d.is_offline() {
        let counted = d.voided_at.is_none();
        c.raised_minor = if counted { d.gift_minor } else { 0 };
        c.gifts = i64::from(counted);
        c.donor = counted;
        c.status = if counted { "succeeded" } else { "voided" }.into();
        return c;
    }

    let mut checkout_rank = payment_rank::PENDING;
    let mut checkout_failure = false;
    let (mut fee_actual, mut net_actual): (Option<i64>, Option<i64>) = (None, None);
    for p in payments {
        checkout_rank = checkout_rank.max(if p.counts && !is_one_time(d) {
            // An installment's own state says nothing about the checkout.
            payment_rank::PENDING
        } else {
            p.status_rank
        });
        checkout_failure |= p.status_rank == payment_rank::FAILED;
        if !p.counts || p.status_rank != payment_rank::SUCCEEDED {
            continue;
        }
        let (counted, mismatch) = counted_share(d, p);
        if let Some(m) = mismatch {
            c.mismatches.push((p.id.clone(), m));
        }
        c.raised_minor = c.raised_minor.saturating_add(counted);
        c.gifts += i64::from(counted > 0);
        c.refunded_minor = c.refunded_minor.saturating_add(p.refunded_minor);
        c.disputed_minor = c.disputed_minor.saturating_add(p.withdrawn_minor);
        fee_actual = sum_known([fee_actual, p.fee_actual_minor].into_iter());
        net_actual = sum_known([net_actual, p.net_actual_minor].into_iter());
    }
    c.fee_actual_minor = fee_actual;
    c.net_actual_minor = net_actual;
    c.donor = c.gifts > 0;

    if is_one_time(d) {
        c.status = match checkout_rank {
            payment_rank::SUCCEEDED => {
                let charged = payments
                    .iter()
                    .filter(|p| p.counts)
                    .map(|p| p.amount_minor.unwrap_or(d.total_minor))
                    .fold(0, i64::saturating_add);
                if c.disputed_minor > 0 {
                    "disputed"
                } else if c.refunded_minor >= charged && charged > 0 {
                    "refunded"
                } else if c.refunded_minor > 0 {
                    "partially_refunded"
                } else {
                    "succeeded"
                }
            }
            r => payment_rank::name(r),
        }
        .into();
    } else {
        c.recurring_active = plan_counts_as_active(d.plan_status.as_deref());
        c.status = match (&d.plan_status, checkout_rank) {
            (Some(s), _) => s.clone(),
            (None, r) if r != payment_rank::PENDING => payment_rank::name(r).into(),
            (None, _) if c.gifts > 0 => "active".into(),
            (None, _) if checkout_failure => "failed".into(),
            _ => "pending".into(),
        };
    }
    c
}

fn is_one_time(d: &Donation) -> bool {
    d.frequency == Frequency::OneTime
}

/// What this donation adds to each aggregate figure (donors are counted separately, per donor),
/// from what it was last counted with.
pub fn progress_of(d: &Donation) -> Progress {
    let recurring = d.counted_recurring > 0;
    let value = if recurring {
        d.counted_recurring_gift_minor
    } else {
        0
    };
    Progress {
        raised_minor: d.counted_raised_minor,
        gifts: d.counted_gifts,
        donors: 0,
        recurring_active: d.counted_recurring,
        recurring_monthly_gift_minor: if d.frequency == crate::domain::donation::Frequency::Monthly
        {
            value
        } else {
            0
        },
        recurring_annual_gift_minor: if d.frequency == crate::domain::donation::Frequency::Annual {
            value
        } else {
            0
        },
    }
}

/// How a distinct-donor figure moves when one donor's count of counted donations goes from
/// `was` to `now`: +1 when they start counting, -1 when they stop, 0 otherwise. The same rule
/// for a campaign and for a supporter's page.
pub fn donors_moved(was: i64, now: i64) -> i64 {
    i64::from(now > 0) - i64::from(was > 0)
}

/// The monthly value of active recurring gifts: monthly ones plus annual ones / 12, rounded
/// half up once over the sum. (Saturating: no stored figure can make a read fail.)
pub fn recurring_monthly_minor(p: &Progress) -> i64 {
    p.recurring_monthly_gift_minor
        .saturating_add(share(p.recurring_annual_gift_minor, 1, 12))
}

/// Percent of the goal raised, to two decimals (rounded half up); can exceed 100.
pub fn percent_of_goal(raised_minor: i64, goal_minor: i64) -> Decimal {
    if goal_minor <= 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(raised_minor) * Decimal::from(100) / Decimal::from(goal_minor))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn donation(frequency: &str, gift: i64, total: i64) -> Donation {
        let campaign = crate::domain::campaign::Campaign::sample("roof", "Roof", 100_000);
        Donation {
            frequency: Frequency::parse(frequency).expect("a frequency"),
            gift_minor: gift,
            fee_minor: total - gift,
            total_minor: total,
            donor_email: Some("a@example.org".into()),
            donor_key: "a@example.org".into(),
            ..Donation::pending("don_1".into(), &campaign, 0)
        }
    }

    fn paid(id: &str, amount: i64) -> PaymentFacts {
        PaymentFacts {
            id: id.into(),
            counts: true,
            status_rank: payment_rank::SUCCEEDED,
            amount_minor: Some(amount),
            currency: Some("usd".into()),
            refunded_minor: 0,
            withdrawn_minor: 0,
            fee_actual_minor: None,
            net_actual_minor: None,
        }
    }

    #[test]
    fn a_paid_one_time_gift_counts_its_gift_without_the_fee() {
        let d = donation("one_time", 5000, 5180);
        let c = contribution(&d, &[paid("p", 5180)]);
        assert_eq!((c.raised_minor, c.gifts, c.donor), (5000, 1, true));
        assert_eq!(c.status, "succeeded");
        assert!(c.mismatches.is_empty());
    }

    #[test]
    fn pending_failed_and_abandoned_gifts_never_count() {
        let d = donation("one_time", 5000, 5180);
        for rank in [
            payment_rank::PENDING,
            payment_rank::FAILED,
            payment_rank::ABANDONED,
        ] {
            let mut p = paid("p", 5180);
            p.status_rank = rank;
            let c = contribution(&d, &[p]);
            assert_eq!((c.raised_minor, c.gifts, c.donor), (0, 0, false));
            assert_eq!(c.status, payment_rank::name(rank));
        }
    }

    #[test]
    fn a_partial_refund_removes_its_gift_share_rounded_to_the_cent() {
        let d = donation("one_time", 5000, 5180);
        let mut p = paid("p", 5180);
        p.refunded_minor = 1000; // 1000 × 5000 / 5180 = 965.25… → 965
        let c = contribution(&d, &[p.clone()]);
        assert_eq!(c.raised_minor, 5000 - 965);
        assert_eq!(c.status, "partially_refunded");
        p.refunded_minor = 5180;
        let c = contribution(&d, &[p]);
        assert_eq!((c.raised_minor, c.gifts, c.donor), (0, 0, false));
        assert_eq!(c.status, "refunded");
    }

    #[test]
    fn a_withdrawn_dispute_is_off_the_total() {
        let d = donation("one_time", 5000, 5000);
        let mut p = paid("p", 5000);
        p.withdrawn_minor = 5000;
        let c = contribution(&d, &[p]);
        assert_eq!((c.raised_minor, c.status.as_str()), (0, "disputed"));
    }

    #[test]
    fn installments_each_count_and_the_plan_status_decides_recurring() {
        let mut d = donation("monthly", 2500, 2603);
        d.plan_status = Some("active".into());
        let c = contribution(&d, &[paid("in_1", 2603), paid("in_2", 2603)]);
        assert_eq!(
            (c.raised_minor, c.gifts, c.recurring_active),
            (5000, 2, true)
        );
        d.plan_status = Some("canceled".into());
        let c = contribution(&d, &[paid("in_1", 2603), paid("in_2", 2603)]);
        assert_eq!(
            (c.raised_minor, c.gifts, c.recurring_active),
            (5000, 2, false)
        );
        assert_eq!(c.status, "canceled");
    }

    #[test]
    fn amounts_that_disagree_are_flagged_and_other_currencies_not_counted() {
        let d = donation("one_time", 5000, 5180);
        let c = contribution(&d, &[paid("p", 2590)]);
        assert_eq!(c.raised_minor, 2500);
        assert_eq!(c.mismatches.len(), 1);
        let mut eur = paid("p", 5180);
        eur.currency = Some("eur".into());
        let c = contribution(&d, &[eur]);
        assert_eq!((c.raised_minor, c.mismatches.len()), (0, 1));
    }

    #[test]
    fn a_canceled_plan_stays_canceled_whatever_arrives_later() {
        let mut d = donation("monthly", 100, 100);
        assert!(plan_status_wins(&d, "active", 10));
        d.plan_status = Some("canceled".into());
        d.plan_status_rank = plan_rank("canceled");
        d.plan_status_at = 5;
        assert!(!plan_status_wins(&d, "active", 50));
        assert!(!plan_status_wins(&d, "past_due", 50));
    }

    #[test]
    fn recurring_monthly_value_rounds_annual_gifts_once() {
        let p = Progress {
            recurring_monthly_gift_minor: 2500,
            recurring_annual_gift_minor: 12_000 + 6,
            ..Progress::default()
        };
        // 12006 / 12 = 1000.5 → 1001
        assert_eq!(recurring_monthly_minor(&p), 3501);
    }

    #[test]
    fn percent_is_exact_to_two_decimals() {
        assert_eq!(percent_of_goal(12_345, 10_000_000).to_string(), "0.12");
        assert_eq!(percent_of_goal(5_000_000, 10_000_000), Decimal::from(50));
        assert_eq!(percent_of_goal(100, 300).to_string(), "33.33");
        assert_eq!(percent_of_goal(200, 300).to_string(), "66.67");
        assert_eq!(percent_of_goal(1, 0), Decimal::ZERO);
    }

    #[test]
    fn offline_gifts_count_until_voided() {
        let mut d = donation("one_time", 10_000, 10_000);
        d.source = crate::domain::donation::Source::Offline;
        assert_eq!(contribution(&d, &[]).raised_minor, 10_000);
        d.voided_at = Some(1);
        let c = contribution(&d, &[]);
        assert_eq!(
            (c.raised_minor, c.gifts, c.status.as_str()),
            (0, 0, "voided")
        );
    }
}
