//! What a Stripe event (or an offline gift) says, reduced to what the ledger needs: the [`Fact`]
//! types, and the rules that judge a fact on its own (are its amounts in bounds, which Stripe
//! object is it about). The webhook room maps events to facts; the ledger merges them.

use crate::domain::money::AmountBounds;

/// The id of the record that carries a donation's checkout state (and, for one-time gifts, its
/// one counted payment). Installments are keyed by their invoice id.
pub fn checkout_payment_id(donation_id: &str) -> String {
    format!("{CHECKOUT_PAYMENT_PREFIX}{donation_id}")
}

/// What [`checkout_payment_id`] puts before the donation's id.
pub const CHECKOUT_PAYMENT_PREFIX: &str = "donation:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFact {
    pub refund_id: String,
    pub charge_id: Option<String>,
    pub payment_intent: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    /// When Stripe created the refund.
    pub created: Option<i64>,
}

/// What a charge's balance transaction says (`GET /v1/balance_transactions/{id}`, or the object
/// expanded in a charge): the money Stripe took as its fee and what it left, in the currency the
/// money settled in. When that is not the charge's own currency, `exchange_rate` is Stripe's
/// rate, kept as text to be shown (it is never used in arithmetic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceFact {
    pub id: String,
    /// The charge it belongs to (its `source`).
    pub charge_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub fee_minor: i64,
    pub net_minor: i64,
    pub exchange_rate: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeStage {
    Opened,
    FundsWithdrawn,
    FundsReinstated,
    Closed,
    Updated,
}

/// What a Stripe event says, reduced to what the ledger needs. `at` is the event's creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    CheckoutCompleted {
        session_id: String,
        donation_id: Option<String>,
        paid: bool,
        payment_intent: Option<String>,
        subscription: Option<String>,
        customer: Option<String>,
        amount_minor: Option<i64>,
        currency: Option<String>,
    },
    CheckoutAsyncFailed {
        session_id: String,
        donation_id: Option<String>,
    },
    CheckoutExpired {
        session_id: String,
        donation_id: Option<String>,
    },
    PaymentSucceeded {
        payment_intent: String,
        donation_id: Option<String>,
        amount_minor: i64,
        currency: String,
    },
    PaymentFailed {
        payment_intent: String,
        donation_id: Option<String>,
        reason: String,
    },
    InvoicePaid {
        invoice_id: String,
        subscription: Option<String>,
        donation_id: Option<String>,
        payment_intent: Option<String>,
        amount_minor: i64,
        currency: String,
    },
    InvoiceFailed {
        invoice_id: String,
        subscription: Option<String>,
        donation_id: Option<String>,
        payment_intent: Option<String>,
        attempt_count: i64,
        amount_minor: i64,
        currency: String,
    },
    /// `invoice_payment.paid`: which PaymentIntent paid an installment (refunds find it so).
    InvoicePaymentLinked {
        invoice_id: String,
        payment_intent: String,
    },
    Subscription {
        subscription: String,
        donation_id: Option<String>,
        customer: Option<String>,
        status: String,
        cancel_at: Option<i64>,
        canceled_at: Option<i64>,
        /// The plan's amount per installment (its items' prices × quantities), when known.
        amount_minor: Option<i64>,
        currency: Option<String>,
    },
    Charge {
        charge_id: String,
        payment_intent: Option<String>,
        amount_minor: i64,
        amount_refunded_minor: i64,
        currency: String,
        /// The charge's balance transaction, when the event names it (an id: webhooks never
        /// expand it; its fee is asked of Stripe later, `services::actual_fees`).
        balance_transaction_id: Option<String>,
        refunds: Vec<RefundFact>,
    },
    /// A charge's balance transaction: its actual fee and net.
    BalanceTransaction(BalanceFact),
    Refund(RefundFact),
    Dispute {
        dispute_id: String,
        charge_id: Option<String>,
        payment_intent: Option<String>,
        amount_minor: i64,
        currency: String,
        status: String,
        stage: DisputeStage,
        /// The dispute's balance transactions show funds withdrawn (a negative one) and
        /// reinstated (a positive one).
        withdraws: bool,
        reinstates: bool,
    },
}

impl Fact {
    /// Why a fact's amounts cannot be counted, if they cannot: money that moved must be more than
    /// zero and within bounds, running totals and fees zero or more and within bounds.
    pub fn out_of_range(&self, b: &AmountBounds) -> Option<String> {
        let moved = |what: &str, amount: i64, currency: &str| {
            (!b.moved(amount, currency)).then(|| {
                format!(
                    "{what} {amount} (minor units of {currency}) is not between 1 and {}",
                    b.ceiling(currency)
                )
            })
        };
        let total = |what: &str, amount: i64, currency: &str| {
            (!b.total(amount, currency)).then(|| {
                format!(
                    "{what} {amount} (minor units of {currency}) is not between 0 and {}",
                    b.ceiling(currency)
                )
            })
        };
        match self {
            Fact::CheckoutCompleted {
                amount_minor: Some(a),
                currency,
                ..
            } => moved("amount_total", *a, currency.as_deref().unwrap_or("usd")),
            Fact::PaymentSucceeded {
                amount_minor,
                currency,
                ..
            } => moved("amount", *amount_minor, currency),
            Fact::InvoicePaid {
                amount_minor,
                currency,
                ..
            } => moved("amount_paid", *amount_minor, currency),
            Fact::InvoiceFailed {
                amount_minor,
                currency,
                ..
            } => moved("amount_due", *amount_minor, currency),
            Fact::Subscription {
                amount_minor: Some(a),
                currency,
                ..
            } => moved("plan amount", *a, currency.as_deref().unwrap_or("usd")),
            Fact::Charge {
                amount_minor,
                amount_refunded_minor,
                currency,
                refunds,
                ..
            } => moved("amount", *amount_minor, currency)
                .or_else(|| total("amount_refunded", *amount_refunded_minor, currency))
                .or_else(|| {
                    refunds
                        .iter()
                        .find_map(|r| moved("refund amount", r.amount_minor, &r.currency))
                }),
            Fact::BalanceTransaction(b) => total("fee", b.fee_minor, &b.currency)
                .or_else(|| total("net", b.net_minor, &b.currency)),
            Fact::Refund(r) => moved("refund amount", r.amount_minor, &r.currency),
            Fact::Dispute {
                amount_minor,
                currency,
                ..
            } => moved("disputed amount", *amount_minor, currency),
            _ => None,
        }
    }

    /// The Stripe object a fact is about, and its donation when the fact names it (for flags).
    pub fn object(&self) -> (String, Option<&str>) {
        match self {
            Fact::CheckoutCompleted {
                session_id,
                donation_id,
                ..
            }
            | Fact::CheckoutAsyncFailed {
                session_id,
                donation_id,
            }
            | Fact::CheckoutExpired {
                session_id,
                donation_id,
            } => (session_id.clone(), donation_id.as_deref()),
            Fact::PaymentSucceeded {
                payment_intent,
                donation_id,
                ..
            }
            | Fact::PaymentFailed {
                payment_intent,
                donation_id,
                ..
            } => (payment_intent.clone(), donation_id.as_deref()),
            Fact::InvoicePaid {
                invoice_id,
                donation_id,
                ..
            }
            | Fact::InvoiceFailed {
                invoice_id,
                donation_id,
                ..
            } => (invoice_id.clone(), donation_id.as_deref()),
            Fact::InvoicePaymentLinked { invoice_id, .. } => (invoice_id.clone(), None),
            Fact::Subscription {
                subscription,
                donation_id,
                ..
            } => (subscription.clone(), donation_id.as_deref()),
            Fact::Charge { charge_id, .. } => (charge_id.clone(), None),
            Fact::BalanceTransaction(b) => (b.id.clone(), None),
            Fact::Refund(r) => (r.refund_id.clone(), None),
            Fact::Dispute { dispute_id, .. } => (dispute_id.clone(), None),
        }
    }

    /// Facts kept even when no donation is known yet: they are joined when their payment arrives.
    pub fn stores_without_donation(&self) -> bool {
        matches!(
            self,
            Fact::Charge { .. }
                | Fact::BalanceTransaction(_)
                | Fact::Refund(_)
                | Fact::Dispute { .. }
                | Fact::InvoicePaid { .. }
                | Fact::InvoiceFailed { .. }
                | Fact::InvoicePaymentLinked { .. }
        )
    }
}
