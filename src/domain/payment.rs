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
    /// Stripe's fee on the charge, from its balance transaction (in the charge's currency).
    pub fee_actual_minor: Option<i64>,
    pub updated_at: i64,
    /// The charge's balance transaction (`txn_...`), as its events name it.
    pub balance_transaction_id: Option<String>,
    /// Stripe's net of the charge (its amount less the fee, before any refund or dispute), from
    /// the same balance transaction.
    pub net_actual_minor: Option<i64>,
    /// Set when the balance transaction is in another currency than the charge (Stripe
    /// converted the money): its fee and net are kept out of the charge's figures.
    pub settlement_currency: Option<String>,
}

impl ChargeRecord {
    /// A charge first heard of now, with what its event says.
    pub fn new(id: &str, amount_minor: i64, currency: &str, at: i64) -> ChargeRecord {
        ChargeRecord {
            id: id.to_string(),
            payment_intent_id: None,
            amount_minor,
            amount_refunded_minor: 0,
            refunded_at: i64::MIN,
            currency: currency.to_string(),
            fee_actual_minor: None,
            updated_at: at,
            balance_transaction_id: None,
            net_actual_minor: None,
            settlement_currency: None,
        }
    }
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
