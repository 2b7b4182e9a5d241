//! The objects a ledger transaction reads and writes records by, and the one order in which
//! their locks are taken. Two ledger transactions that touch a common object run one after the
//! other; two that touch none run side by side (on PostgreSQL, each key is an advisory lock).
//!
//! The order follows how the ledger finds one object from another: a refund or dispute leads to
//! its charge, a charge or an invoice to its PaymentIntent, a PaymentIntent, session or
//! subscription to its donation. Keys named by an event are locked up front in this order; a
//! key found on the way (a donation found through its subscription) is locked when it is found,
//! which then is almost always later in the order than every key already held, so two
//! transactions rarely wait on each other in a cycle. When they do (the database detects it),
//! the ledger runs the transaction again.
//!
//! A supporter's page (`domain::fundraiser`) has no key: the ledger never reads or rewrites a
//! page's record, it only adds to the page's figure rows (as to a campaign's), and each of those
//! upserts is serialized by its row's lock.

use crate::domain::fact::{CHECKOUT_PAYMENT_PREFIX, Fact};

/// An object the ledger keeps records by. Variants are in lock order (derived `Ord`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKey {
    /// A webhook event (or a recorded stand-in for one) by its id.
    Event(String),
    Refund(String),
    Dispute(String),
    Charge(String),
    /// An installment's record, by its invoice id.
    Invoice(String),
    PaymentIntent(String),
    Session(String),
    Subscription(String),
    /// A donation, with its checkout record, its donor's count and its emails.
    Donation(String),
    /// A donor's membership, by the donor's normalized email: found through a donation, so
    /// after every donation in the order.
    Member(String),
}

impl ObjectKey {
    /// The key of a payment record: a donation's checkout record belongs to the donation, an
    /// installment's to its invoice.
    pub fn of_payment(payment_id: &str) -> ObjectKey {
        match payment_id.strip_prefix(CHECKOUT_PAYMENT_PREFIX) {
            Some(donation) => ObjectKey::Donation(donation.to_string()),
            None => ObjectKey::Invoice(payment_id.to_string()),
        }
    }

    /// Its position in the lock order (0 first).
    pub fn rank(&self) -> u8 {
        match self {
            ObjectKey::Event(_) => 0,
            ObjectKey::Refund(_) => 1,
            ObjectKey::Dispute(_) => 2,
            ObjectKey::Charge(_) => 3,
            ObjectKey::Invoice(_) => 4,
            ObjectKey::PaymentIntent(_) => 5,
            ObjectKey::Session(_) => 6,
            ObjectKey::Subscription(_) => 7,
            ObjectKey::Donation(_) => 8,
            ObjectKey::Member(_) => 9,
        }
    }

    /// The object's id.
    pub fn id(&self) -> &str {
        match self {
            ObjectKey::Event(s)
            | ObjectKey::Refund(s)
            | ObjectKey::Dispute(s)
            | ObjectKey::Charge(s)
            | ObjectKey::Invoice(s)
            | ObjectKey::PaymentIntent(s)
            | ObjectKey::Session(s)
            | ObjectKey::Subscription(s)
            | ObjectKey::Donation(s)
            | ObjectKey::Member(s) => s,
        }
    }
}

impl Fact {
    /// Every object the fact names (not those the ledger will find through them).
    pub fn objects(&self) -> Vec<ObjectKey> {
        use ObjectKey as K;
        let mut out = Vec::new();
        let mut opt = |make: fn(String) -> ObjectKey, id: &Option<String>| {
            if let Some(id) = id {
                out.push(make(id.clone()));
            }
        };
        match self {
            Fact::CheckoutCompleted {
                session_id,
                donation_id,
                payment_intent,
                subscription,
                ..
            } => {
                opt(K::Donation, donation_id);
                opt(K::PaymentIntent, payment_intent);
                opt(K::Subscription, subscription);
                out.push(K::Session(session_id.clone()));
            }
            Fact::CheckoutAsyncFailed {
                session_id,
                donation_id,
            }
            | Fact::CheckoutExpired {
                session_id,
                donation_id,
            } => {
                opt(K::Donation, donation_id);
                out.push(K::Session(session_id.clone()));
            }
            Fact::PaymentSucceeded {
                payment_intent,
                donation_id,
                ..
            }
            | Fact::PaymentFailed {
                payment_intent,
                donation_id,
                ..
            } => {
                opt(K::Donation, donation_id);
                out.push(K::PaymentIntent(payment_intent.clone()));
            }
            Fact::InvoicePaid {
                invoice_id,
                subscription,
                donation_id,
                payment_intent,
                ..
            }
            | Fact::InvoiceFailed {
                invoice_id,
                subscription,
                donation_id,
                payment_intent,
                ..
            } => {
                opt(K::Subscription, subscription);
                opt(K::Donation, donation_id);
                opt(K::PaymentIntent, payment_intent);
                out.push(K::Invoice(invoice_id.clone()));
            }
            Fact::InvoicePaymentLinked {
                invoice_id,
                payment_intent,
            } => {
                out.push(K::Invoice(invoice_id.clone()));
                out.push(K::PaymentIntent(payment_intent.clone()));
            }
            Fact::Subscription {
                subscription,
                donation_id,
                ..
            } => {
                opt(K::Donation, donation_id);
                out.push(K::Subscription(subscription.clone()));
            }
            Fact::Charge {
                charge_id,
                payment_intent,
                refunds,
                ..
            } => {
                opt(K::PaymentIntent, payment_intent);
                out.push(K::Charge(charge_id.clone()));
                for r in refunds {
                    out.extend(refund_objects(r));
                }
            }
            Fact::BalanceTransaction(b) => out.push(K::Charge(b.charge_id.clone())),
            Fact::Refund(r) => out.extend(refund_objects(r)),
            Fact::Dispute {
                dispute_id,
                charge_id,
                payment_intent,
                ..
            } => {
                opt(K::Charge, charge_id);
                opt(K::PaymentIntent, payment_intent);
                out.push(K::Dispute(dispute_id.clone()));
            }
        }
        out
    }
}

fn refund_objects(r: &crate::domain::fact::RefundFact) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Refund(r.refund_id.clone())];
    out.extend(r.charge_id.clone().map(ObjectKey::Charge));
    out.extend(r.payment_intent.clone().map(ObjectKey::PaymentIntent));
    out
}

/// The objects of several facts, once each, in lock order.
pub fn objects_of(facts: &[Fact]) -> Vec<ObjectKey> {
    let mut keys: Vec<ObjectKey> = facts.iter().flat_map(Fact::objects).collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fact::{RefundFact, checkout_payment_id};

    #[test]
    fn a_donations_checkout_record_is_locked_as_the_donation() {
        assert_eq!(
            ObjectKey::of_payment(&checkout_payment_id("d1")),
            ObjectKey::Donation("d1".into())
        );
        assert_eq!(
            ObjectKey::of_payment("in_123"),
            ObjectKey::Invoice("in_123".into())
        );
    }

    #[test]
    fn keys_found_through_others_come_later_in_the_order() {
        // A refund finds its charge, a charge its PaymentIntent, that its donation.
        let chain = [
            ObjectKey::Event("evt".into()),
            ObjectKey::Refund("re".into()),
            ObjectKey::Charge("ch".into()),
            ObjectKey::PaymentIntent("pi".into()),
            ObjectKey::Subscription("sub".into()),
            ObjectKey::Donation("d".into()),
        ];
        assert!(
            chain
                .windows(2)
                .all(|w| w[0] < w[1] && w[0].rank() < w[1].rank())
        );
        // The derived order agrees with the rank for every kind.
        let mut by_rank = chain.to_vec();
        by_rank.sort_by_key(ObjectKey::rank);
        assert_eq!(by_rank, chain);
    }

    #[test]
    fn a_charge_names_its_refunds_and_intent() {
        let fact = Fact::Charge {
            charge_id: "ch_1".into(),
            payment_intent: Some("pi_1".into()),
            amount_minor: 5000,
            amount_refunded_minor: 1000,
            currency: "usd".into(),
            balance_transaction_id: None,
            refunds: vec![RefundFact {
                refund_id: "re_1".into(),
                charge_id: Some("ch_1".into()),
                payment_intent: Some("pi_1".into()),
                amount_minor: 1000,
                currency: "usd".into(),
                status: "succeeded".into(),
                created: None,
            }],
        };
        assert_eq!(
            objects_of(&[fact]),
            vec![
                ObjectKey::Refund("re_1".into()),
                ObjectKey::Charge("ch_1".into()),
                ObjectKey::PaymentIntent("pi_1".into()),
            ]
        );
    }
}
