//! Reading a parsed Stripe event into ledger [`Fact`]s: the one place that knows Stripe's object
//! shapes. Event types we do not handle give `None` (stored and acknowledged, nothing applied).

use std::collections::HashMap;

use stripe_shared::{
    BalanceTransaction, Charge, ChargeStatus, CheckoutSession, CheckoutSessionPaymentStatus,
    Dispute, Invoice, PaymentIntent, Refund, Subscription,
};
use stripe_webhook::{Event, EventObject};

use crate::domain::fact::{BalanceFact, DisputeStage, Fact, RefundFact};

fn donation_id_in(metadata: Option<&HashMap<String, String>>) -> Option<String> {
    metadata
        .and_then(|m| m.get("donation_id"))
        .filter(|s| !s.is_empty())
        .cloned()
}

fn session_fact(s: &CheckoutSession, paid: bool) -> Fact {
    Fact::CheckoutCompleted {
        session_id: s.id.as_str().to_string(),
        donation_id: session_donation_id(s),
        paid,
        payment_intent: s
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_string()),
        subscription: s.subscription.as_ref().map(|p| p.id().as_str().to_string()),
        customer: s.customer.as_ref().map(|p| p.id().as_str().to_string()),
        amount_minor: s.amount_total,
        currency: s.currency.as_ref().map(|c| c.to_string()),
    }
}

fn session_donation_id(s: &CheckoutSession) -> Option<String> {
    donation_id_in(s.metadata.as_ref()).or_else(|| s.client_reference_id.clone())
}

fn payment_intent_reason(pi: &PaymentIntent) -> String {
    pi.last_payment_error
        .as_ref()
        .and_then(|e| {
            e.message
                .clone()
                .or_else(|| e.decline_code.clone())
                .or_else(|| e.code.as_ref().map(|c| c.as_str().to_string()))
        })
        .unwrap_or_else(|| "the payment failed".into())
}

/// The subscription of an installment: `parent.subscription_details` in current API versions,
/// the top-level `subscription` field in older ones.
fn invoice_subscription(inv: &Invoice) -> (Option<String>, Option<String>) {
    let details = inv
        .parent
        .as_ref()
        .and_then(|p| p.subscription_details.as_ref());
    let subscription = details
        .map(|d| d.subscription.id().as_str().to_string())
        .or_else(|| {
            inv.subscription
                .as_ref()
                .map(|s| s.id().as_str().to_string())
        });
    let donation_id = donation_id_in(details.and_then(|d| d.metadata.as_ref()))
        .or_else(|| donation_id_in(inv.metadata.as_ref()));
    (subscription, donation_id)
}

fn invoice_payment_intent(inv: &Invoice) -> Option<String> {
    inv.payments.as_ref().and_then(|list| {
        list.data.iter().find_map(|p| {
            p.payment
                .payment_intent
                .as_ref()
                .map(|pi| pi.id().as_str().to_string())
        })
    })
}

fn refund_fact(r: &Refund) -> RefundFact {
    RefundFact {
        refund_id: r.id.as_str().to_string(),
        charge_id: r.charge.as_ref().map(|c| c.id().as_str().to_string()),
        payment_intent: r
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_string()),
        amount_minor: r.amount,
        currency: r.currency.to_string(),
        status: r.status.clone().unwrap_or_else(|| "succeeded".into()),
        created: Some(r.created),
    }
}

fn dispute_fact(d: &Dispute, stage: DisputeStage) -> Fact {
    Fact::Dispute {
        dispute_id: d.id.as_str().to_string(),
        charge_id: Some(d.charge.id().as_str().to_string()),
        payment_intent: d
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_string()),
        amount_minor: d.amount,
        currency: d.currency.to_string(),
        status: d.status.as_str().to_string(),
        stage,
        withdraws: d.balance_transactions.iter().any(|b| b.amount < 0),
        reinstates: d.balance_transactions.iter().any(|b| b.amount > 0),
    }
}

/// A plan's amount per installment: each item's price times its quantity, when every price has
/// an amount (a metered or tiered price has none, and then neither has the plan).
fn plan_amount(s: &Subscription) -> Option<i64> {
    s.items
        .data
        .iter()
        .map(|item| {
            let unit = item.price.unit_amount?;
            let quantity = i64::try_from(item.quantity.unwrap_or(1)).ok()?;
            unit.checked_mul(quantity)
        })
        .try_fold(0i64, |sum, a| sum.checked_add(a?))
        .filter(|_| !s.items.data.is_empty())
}

pub(crate) fn subscription_fact(s: &Subscription, deleted: bool) -> Fact {
    Fact::Subscription {
        subscription: s.id.as_str().to_string(),
        donation_id: donation_id_in(Some(&s.metadata)),
        customer: Some(s.customer.id().as_str().to_string()),
        status: if deleted {
            "canceled".into()
        } else {
            s.status.as_str().to_string()
        },
        cancel_at: s.cancel_at,
        canceled_at: s.canceled_at,
        amount_minor: plan_amount(s),
        currency: Some(s.currency.to_string()),
    }
}

/// A succeeded charge, and its balance transaction when the object carries it expanded (a
/// retrieved charge may; a webhook's names it by id only, and its fee is asked of Stripe later).
fn charge_facts(c: &Charge) -> Vec<Fact> {
    if !matches!(c.status, ChargeStatus::Succeeded) {
        return vec![];
    }
    let charge_id = c.id.as_str().to_string();
    let mut facts = vec![Fact::Charge {
        charge_id: charge_id.clone(),
        payment_intent: c
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_string()),
        amount_minor: c.amount,
        amount_refunded_minor: c.amount_refunded,
        currency: c.currency.to_string(),
        balance_transaction_id: c
            .balance_transaction
            .as_ref()
            .map(|b| b.id().as_str().to_string()),
        refunds: c
            .refunds
            .as_ref()
            .map(|l| l.data.iter().map(refund_fact).collect())
            .unwrap_or_default(),
    }];
    if let Some(b) = c.balance_transaction.as_ref().and_then(|b| b.as_object()) {
        facts.push(Fact::BalanceTransaction(balance_fact(b, &charge_id)));
    }
    facts
}

/// What a charge's balance transaction says. Its exchange rate (a float in Stripe's object) is
/// kept as text to be shown, never used with money.
pub fn balance_fact(b: &BalanceTransaction, charge_id: &str) -> BalanceFact {
    BalanceFact {
        id: b.id.as_str().to_string(),
        charge_id: charge_id.to_string(),
        amount_minor: b.amount,
        currency: b.currency.to_string(),
        fee_minor: b.fee,
        net_minor: b.net,
        exchange_rate: b.exchange_rate.map(|r| r.to_string()),
    }
}

/// The facts an event carries, or `None` for an event type the ledger does not use.
pub fn from_event(event: &Event) -> Option<Vec<Fact>> {
    use EventObject as E;
    let facts = match &event.data.object {
        E::CheckoutSessionCompleted(s) => {
            let paid = matches!(
                s.payment_status,
                CheckoutSessionPaymentStatus::Paid
                    | CheckoutSessionPaymentStatus::NoPaymentRequired
            );
            vec![session_fact(s, paid)]
        }
        E::CheckoutSessionAsyncPaymentSucceeded(s) => vec![session_fact(s, true)],
        E::CheckoutSessionAsyncPaymentFailed(s) => vec![Fact::CheckoutAsyncFailed {
            session_id: s.id.as_str().to_string(),
            donation_id: session_donation_id(s),
        }],
        E::CheckoutSessionExpired(s) => vec![Fact::CheckoutExpired {
            session_id: s.id.as_str().to_string(),
            donation_id: session_donation_id(s),
        }],
        E::PaymentIntentSucceeded(pi) => vec![Fact::PaymentSucceeded {
            payment_intent: pi.id.as_str().to_string(),
            donation_id: donation_id_in(Some(&pi.metadata)),
            amount_minor: if pi.amount_received > 0 {
                pi.amount_received
            } else {
                pi.amount
            },
            currency: pi.currency.to_string(),
        }],
        E::PaymentIntentPaymentFailed(pi) => vec![Fact::PaymentFailed {
            payment_intent: pi.id.as_str().to_string(),
            donation_id: donation_id_in(Some(&pi.metadata)),
            reason: payment_intent_reason(pi),
        }],
        E::InvoicePaid(inv) | E::InvoicePaymentSucceeded(inv) => {
            let (subscription, donation_id) = invoice_subscription(inv);
            let Some(id) = &inv.id else {
                return Some(vec![]);
            };
            vec![Fact::InvoicePaid {
                invoice_id: id.as_str().to_string(),
                subscription,
                donation_id,
                payment_intent: invoice_payment_intent(inv),
                amount_minor: inv.amount_paid,
                currency: inv.currency.to_string(),
            }]
        }
        E::InvoicePaymentFailed(inv) => {
            let (subscription, donation_id) = invoice_subscription(inv);
            let Some(id) = &inv.id else {
                return Some(vec![]);
            };
            vec![Fact::InvoiceFailed {
                invoice_id: id.as_str().to_string(),
                subscription,
                donation_id,
                payment_intent: invoice_payment_intent(inv),
                attempt_count: i64::try_from(inv.attempt_count).unwrap_or(i64::MAX),
                amount_minor: inv.amount_due,
                currency: inv.currency.to_string(),
            }]
        }
        E::InvoicePaymentPaid(ip) => {
            let (Some(pi), Some(invoice)) = (&ip.payment.payment_intent, ip.invoice.id()) else {
                return Some(vec![]);
            };
            vec![Fact::InvoicePaymentLinked {
                invoice_id: invoice.as_str().to_string(),
                payment_intent: pi.id().as_str().to_string(),
            }]
        }
        E::CustomerSubscriptionCreated(s) | E::CustomerSubscriptionUpdated(s) => {
            vec![subscription_fact(s, false)]
        }
        E::CustomerSubscriptionDeleted(s) => vec![subscription_fact(s, true)],
        E::ChargeSucceeded(c)
        | E::ChargeUpdated(c)
        | E::ChargeRefunded(c)
        | E::ChargeCaptured(c) => charge_facts(c),
        E::RefundCreated(r)
        | E::RefundUpdated(r)
        | E::RefundFailed(r)
        | E::ChargeRefundUpdated(r) => {
            vec![Fact::Refund(refund_fact(r))]
        }
        E::ChargeDisputeCreated(d) => vec![dispute_fact(d, DisputeStage::Opened)],
        E::ChargeDisputeFundsWithdrawn(d) => vec![dispute_fact(d, DisputeStage::FundsWithdrawn)],
        E::ChargeDisputeFundsReinstated(d) => vec![dispute_fact(d, DisputeStage::FundsReinstated)],
        E::ChargeDisputeClosed(d) => vec![dispute_fact(d, DisputeStage::Closed)],
        E::ChargeDisputeUpdated(d) => vec![dispute_fact(d, DisputeStage::Updated)],
        _ => return None,
    };
    Some(facts)
}

/// What a retrieved Checkout Session's final state says (for donations whose webhook never came).
pub fn session_facts(s: &CheckoutSession, expired: bool) -> Vec<Fact> {
    if expired {
        return vec![Fact::CheckoutExpired {
            session_id: s.id.as_str().to_string(),
            donation_id: session_donation_id(s),
        }];
    }
    let paid = matches!(
        s.payment_status,
        CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
    );
    vec![session_fact(s, paid)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::sandbox::{events, template};
    use stripe_webhook::Webhook;

    fn charge_event(kind: &str, balance_transaction: Option<&str>) -> Event {
        let mut vars = template::Vars::new();
        for (k, v) in [
            ("EVENT_ID", "evt_1"),
            ("CREATED", "1700000000"),
            ("LIVEMODE", "false"),
            ("CAMPAIGN", "c"),
            ("CHARGE_ID", "ch_1"),
            ("CURRENCY", "usd"),
            ("CUSTOMER_ID", "cus_1"),
            ("DONATION_ID", "don_1"),
            ("DONOR_EMAIL", "a@example.org"),
            ("PAYMENT_INTENT_ID", "pi_1"),
            ("TOTAL_MINOR", "5180"),
            ("AMOUNT_REFUNDED_MINOR", "0"),
            ("FEE_MINOR", "180"),
            ("NET_MINOR", "5000"),
        ] {
            vars.insert(k.into(), v.into());
        }
        if let Some(id) = balance_transaction {
            vars.insert("BALANCE_TRANSACTION_ID".into(), id.into());
        }
        let payload = template::fill(events::template(kind).unwrap(), &vars).unwrap();
        Webhook::insecure(&payload).unwrap()
    }

    fn charge_of(facts: &[Fact]) -> Option<&str> {
        match &facts[0] {
            Fact::Charge {
                balance_transaction_id,
                ..
            } => balance_transaction_id.as_deref(),
            other => panic!("not a charge: {other:?}"),
        }
    }

    #[test]
    fn a_charge_names_its_balance_transaction_by_id_and_nothing_more() {
        let facts = from_event(&charge_event("charge.succeeded", Some("txn_1"))).unwrap();
        assert_eq!(facts.len(), 1, "no fee from an id: {facts:?}");
        assert_eq!(charge_of(&facts), Some("txn_1"));
        // Under asynchronous capture the charge has none yet.
        let facts = from_event(&charge_event("charge.succeeded", None)).unwrap();
        assert_eq!((facts.len(), charge_of(&facts)), (1, None));
    }

    #[test]
    fn an_expanded_balance_transaction_is_a_fact_of_its_own() {
        let facts = from_event(&charge_event("charge.updated", None)).unwrap();
        assert_eq!(charge_of(&facts), Some("txn_ch_1"));
        assert_eq!(
            facts[1],
            Fact::BalanceTransaction(BalanceFact {
                id: "txn_ch_1".into(),
                charge_id: "ch_1".into(),
                amount_minor: 5180,
                currency: "usd".into(),
                fee_minor: 180,
                net_minor: 5000,
                exchange_rate: None,
            })
        );
    }
}
