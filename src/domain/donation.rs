//! A gift record: a Stripe checkout (one-time or recurring plan) or an offline gift, with what it
//! currently counts toward its campaign.

use serde::Serialize;

/// A gift record: a Stripe checkout (one-time or recurring plan) or an offline gift.
/// The `counted_*` fields are what this donation currently contributes to its campaign's
/// aggregate, so that a recomputation can apply the exact difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Donation {
    pub id: String,
    pub campaign_id: i64,
    pub source: String,
    pub frequency: String,
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
    pub donor_name: Option<String>,
    pub donor_email: Option<String>,
    pub donor_key: String,
    pub anonymous: bool,
    pub tribute_kind: Option<String>,
    pub tribute_honoree: Option<String>,
    pub tribute_notify_email: Option<String>,
    pub tribute_message: Option<String>,
    /// The donor agreed to tell the person notified of a tribute how much was given.
    pub tribute_show_amount: bool,
    /// Whether the donor is emailed a receipt (staff may say no for an offline gift).
    pub email_receipt: bool,
    pub comment: Option<String>,
    pub status: String,
    pub failure_reason: Option<String>,
    pub checkout_session_id: Option<String>,
    pub checkout_url: Option<String>,
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    pub plan_status: Option<String>,
    pub plan_status_at: i64,
    pub plan_status_rank: i64,
    pub cancel_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub counted_raised_minor: i64,
    pub counted_gifts: i64,
    pub counted_donor: i64,
    pub counted_recurring: i64,
    /// The gift value this donation adds to the recurring figures now (its plan's current
    /// installment gift, `domain::contribution::installment_gift`), 0 while it is not active.
    pub counted_recurring_gift_minor: i64,
    /// The plan's amount per installment as Stripe last said (a donor may change it in the
    /// billing portal); `None` while only the checkout's total is known.
    pub plan_amount_minor: Option<i64>,
    /// The event time of `plan_amount_minor`: the latest wins.
    pub plan_amount_at: i64,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    pub fee_actual_minor: Option<i64>,
    pub offline_method: Option<String>,
    pub note: Option<String>,
    pub gift_date: Option<i64>,
    pub voided_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}
