//! What Stripe says happened to the money of a gift: payments (one-time or installments), their
//! charges, refunds and disputes, each as the latest state the ledger has applied.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: String,
    pub donation_id: Option<String>,
    pub subscription_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub status_rank: i64,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub failure_reason: Option<String>,
    pub attempt_count: i64,
    pub fee_actual_minor: Option<i64>,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChargeRecord {
    pub id: String,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    /// The running refunded total of the latest event about the charge (it goes down again when
    /// a refund fails or is canceled).
    pub amount_refunded_minor: i64,
    /// The event time of `amount_refunded_minor`.
    pub refunded_at: i64,
    pub currency: String,
    pub fee_actual_minor: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    pub id: String,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub status_rank: i64,
    /// The earliest event time at which `status` was heard of.
    pub status_at: i64,
    /// When Stripe created the refund, when known.
    pub refund_created: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dispute {
    pub id: String,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub withdrawn: bool,
    pub reinstated: bool,
    pub created_at: i64,
    pub updated_at: i64,
}
