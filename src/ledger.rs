//! Applying facts to the records, above the store. Webhook events (and offline gifts) become
//! [`Fact`]s; each fact is merged into its record by a join (so repeats and reordering cannot
//! change the result), and every donation it touches is recomputed from all of its facts with
//! `domain::ledger::contribution`. The difference from what the donation contributed before is
//! added to the campaign's aggregate in the same transaction.

use std::collections::BTreeSet;

use crate::domain::ledger::{
    self as rules, PaymentFacts, contribution, dispute_is_inquiry, dispute_rank, payment_rank,
    plan_gift, plan_rank, plan_status_wins, progress_of, refund_rank,
};
use crate::domain::money::AmountBounds;
use crate::domain::notices;
use crate::store::{ChargeRecord, Dispute, Donation, LedgerTx, Payment, Refund, StoreResult};

/// The id of the record that carries a donation's checkout state (and, for one-time gifts, its
/// one counted payment). Installments are keyed by their invoice id.
pub fn checkout_payment_id(donation_id: &str) -> String {
    format!("donation:{donation_id}")
}

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
        fee_actual_minor: Option<i64>,
        refunds: Vec<RefundFact>,
    },
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

/// What applying an event's facts did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Donations whose records changed (and were recomputed).
    pub donations: BTreeSet<String>,
    /// Facts that pointed at nothing of ours (another integration on the same Stripe account).
    pub unmatched: usize,
    /// Facts left out because an amount in them was out of bounds (flagged).
    pub out_of_range: usize,
}

/// Why a fact's amounts cannot be counted, if they cannot: money that moved must be more than
/// zero and within bounds, running totals and fees zero or more and within bounds.
fn out_of_range(fact: &Fact, b: &AmountBounds) -> Option<String> {
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
    match fact {
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
            fee_actual_minor,
            refunds,
            ..
        } => moved("amount", *amount_minor, currency)
            .or_else(|| total("amount_refunded", *amount_refunded_minor, currency))
            .or_else(|| fee_actual_minor.and_then(|f| total("fee", f, currency)))
            .or_else(|| {
                refunds
                    .iter()
                    .find_map(|r| moved("refund amount", r.amount_minor, &r.currency))
            }),
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
fn fact_object(fact: &Fact) -> (String, Option<&str>) {
    match fact {
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
        Fact::Refund(r) => (r.refund_id.clone(), None),
        Fact::Dispute { dispute_id, .. } => (dispute_id.clone(), None),
    }
}

/// Merges the facts of one event into the records and recomputes the donations they touch. A
/// fact whose amount is out of `bounds` is not merged: it is flagged for staff (the event that
/// carried it is kept as it came) and counted in `Applied::out_of_range`.
pub async fn apply(
    tx: &mut dyn LedgerTx,
    facts: &[Fact],
    at: i64,
    bounds: &AmountBounds,
) -> StoreResult<Applied> {
    let mut applied = Applied::default();
    for fact in facts {
        if let Some(why) = out_of_range(fact, bounds) {
            let (object, donation) = fact_object(fact);
            tx.flag(
                &format!("amount:{object}"),
                donation,
                None,
                "amount_out_of_range",
                &format!("{object}: {why}; not counted"),
            )
            .await?;
            applied.out_of_range += 1;
            continue;
        }
        let touched = merge(tx, fact, at).await?;
        if touched.is_empty() && !stores_without_donation(fact) {
            applied.unmatched += 1;
        }
        applied.donations.extend(touched);
    }
    for id in &applied.donations {
        recompute(tx, id, at).await?;
    }
    Ok(applied)
}

/// Facts kept even when no donation is known yet: they are joined when their payment arrives.
fn stores_without_donation(fact: &Fact) -> bool {
    matches!(
        fact,
        Fact::Charge { .. }
            | Fact::Refund(_)
            | Fact::Dispute { .. }
            | Fact::InvoicePaid { .. }
            | Fact::InvoiceFailed { .. }
            | Fact::InvoicePaymentLinked { .. }
    )
}

async fn find_donation(
    tx: &mut dyn LedgerTx,
    donation_id: Option<&str>,
    session_id: Option<&str>,
    subscription: Option<&str>,
) -> StoreResult<Option<Donation>> {
    if let Some(id) = donation_id
        && let Some(d) = tx.donation(id).await?
    {
        return Ok(Some(d));
    }
    if let Some(s) = session_id
        && let Some(d) = tx.donation_by_session(s).await?
    {
        return Ok(Some(d));
    }
    if let Some(s) = subscription
        && let Some(d) = tx.donation_by_subscription(s).await?
    {
        return Ok(Some(d));
    }
    Ok(None)
}

fn new_payment(id: String, kind: &str, at: i64) -> Payment {
    Payment {
        id,
        donation_id: None,
        subscription_id: None,
        payment_intent_id: None,
        kind: kind.into(),
        status: payment_rank::name(payment_rank::PENDING).into(),
        status_rank: payment_rank::PENDING,
        amount_minor: None,
        currency: None,
        failure_reason: None,
        attempt_count: 0,
        fee_actual_minor: None,
        paid_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// Raises a payment's status to `rank` if that is further along (a join, never a step back).
fn raise(p: &mut Payment, rank: i64, at: i64) {
    if rank > p.status_rank {
        p.status_rank = rank;
        p.status = payment_rank::name(rank).into();
    }
    if rank == payment_rank::SUCCEEDED {
        p.paid_at = Some(p.paid_at.map_or(at, |t| t.min(at)));
    }
}

/// Keeps the first value learned for a link that never changes (an id Stripe assigned).
fn learn(slot: &mut Option<String>, value: Option<&String>) {
    if slot.is_none() {
        slot.clone_from(&value.cloned());
    }
}

/// The record of a donation's checkout (and of a one-time gift's payment).
async fn checkout_payment(tx: &mut dyn LedgerTx, d: &Donation, at: i64) -> StoreResult<Payment> {
    let id = checkout_payment_id(&d.id);
    Ok(match tx.payment(&id).await? {
        Some(p) => p,
        None => {
            let kind = if d.frequency == "one_time" {
                "one_time"
            } else {
                "checkout"
            };
            let mut p = new_payment(id, kind, at);
            p.donation_id = Some(d.id.clone());
            p
        }
    })
}

/// Records a plan status if it wins the (terminal, time, rank) register.
fn feed_plan(d: &mut Donation, status: &str, at: i64, cancel: Option<(Option<i64>, Option<i64>)>) {
    if plan_status_wins(d, status, at) {
        d.plan_status = Some(status.to_string());
        d.plan_status_at = at;
        d.plan_status_rank = plan_rank(status);
        if let Some((cancel_at, canceled_at)) = cancel {
            d.cancel_at = cancel_at;
            d.canceled_at = canceled_at;
        }
    }
}

/// Merges one fact into the records; returns the donations it touched.
async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
    match fact {
        Fact::CheckoutCompleted {
            session_id,
            donation_id,
            paid,
            payment_intent,
            subscription,
            customer,
            amount_minor,
            currency,
        } => {
            let Some(mut d) =
                find_donation(tx, donation_id.as_deref(), Some(session_id), None).await?
            else {
                return Ok(vec![]);
            };
            learn(&mut d.checkout_session_id, Some(session_id));
            let mut p = checkout_payment(tx, &d, at).await?;
            learn(&mut p.payment_intent_id, payment_intent.as_ref());
            if d.frequency == "one_time" {
                if p.amount_minor.is_none() {
                    p.amount_minor = *amount_minor;
                    p.currency.clone_from(currency);
                }
                if *paid {
                    raise(&mut p, payment_rank::SUCCEEDED, at);
                }
            } else {
                if *paid {
                    raise(&mut p, payment_rank::SUCCEEDED, at);
                    feed_plan(&mut d, "active", at, None);
                }
                link_subscription(tx, &mut d, subscription.as_ref(), customer.as_ref()).await?;
            }
            tx.save_payment(&p).await?;
            tx.save_donation(&d).await?;
            Ok(vec![d.id])
        }
        Fact::CheckoutAsyncFailed {
            session_id,
            donation_id,
        }
        | Fact::CheckoutExpired {
            session_id,
            donation_id,
        } => {
            let Some(mut d) =
                find_donation(tx, donation_id.as_deref(), Some(session_id), None).await?
            else {
                return Ok(vec![]);
            };
            learn(&mut d.checkout_session_id, Some(session_id));
            let mut p = checkout_payment(tx, &d, at).await?;
            if matches!(fact, Fact::CheckoutExpired { .. }) {
                raise(&mut p, payment_rank::ABANDONED, at);
            } else {
                raise(&mut p, payment_rank::FAILED, at);
                p.failure_reason
                    .get_or_insert_with(|| "the bank payment failed".into());
            }
            tx.save_payment(&p).await?;
            tx.save_donation(&d).await?;
            Ok(vec![d.id])
        }
        Fact::PaymentSucceeded {
            payment_intent,
            donation_id,
            amount_minor,
            currency,
        } => {
            let Some(d) = donation_of_intent(tx, donation_id.as_deref(), payment_intent).await?
            else {
                return Ok(vec![]);
            };
            let mut p = checkout_payment(tx, &d, at).await?;
            learn(&mut p.payment_intent_id, Some(payment_intent));
            p.amount_minor = Some(*amount_minor);
            p.currency = Some(currency.clone());
            raise(&mut p, payment_rank::SUCCEEDED, at);
            tx.save_payment(&p).await?;
            Ok(vec![d.id])
        }
        Fact::PaymentFailed {
            payment_intent,
            donation_id,
            reason,
        } => {
            let Some(d) = donation_of_intent(tx, donation_id.as_deref(), payment_intent).await?
            else {
                return Ok(vec![]);
            };
            let mut p = checkout_payment(tx, &d, at).await?;
            learn(&mut p.payment_intent_id, Some(payment_intent));
            raise(&mut p, payment_rank::FAILED, at);
            // Of several failures, keep the reason that sorts last: deterministic in any order.
            if p.failure_reason.as_ref().is_none_or(|r| reason > r) {
                p.failure_reason = Some(reason.clone());
            }
            tx.save_payment(&p).await?;
            Ok(vec![d.id])
        }
        Fact::InvoicePaid {
            invoice_id,
            subscription,
            donation_id,
            payment_intent,
            amount_minor,
            currency,
        }
        | Fact::InvoiceFailed {
            invoice_id,
            subscription,
            donation_id,
            payment_intent,
            amount_minor,
            currency,
            ..
        } => {
            let paid = matches!(fact, Fact::InvoicePaid { .. });
            let mut p = match tx.payment(invoice_id).await? {
                Some(p) => p,
                None => new_payment(invoice_id.clone(), "installment", at),
            };
            learn(&mut p.subscription_id, subscription.as_ref());
            learn(&mut p.payment_intent_id, payment_intent.as_ref());
            // What was paid overrules what was due, whichever arrives first.
            if paid || p.amount_minor.is_none() {
                p.amount_minor = Some(*amount_minor);
                p.currency = Some(currency.clone());
            }
            if paid {
                raise(&mut p, payment_rank::SUCCEEDED, at);
            } else {
                raise(&mut p, payment_rank::FAILED, at);
                if let Fact::InvoiceFailed { attempt_count, .. } = fact {
                    p.attempt_count = p.attempt_count.max(*attempt_count);
                }
                p.failure_reason
                    .get_or_insert_with(|| "the installment payment failed".into());
            }
            let donation =
                find_donation(tx, donation_id.as_deref(), None, subscription.as_deref()).await?;
            let mut touched = vec![];
            if let Some(mut d) = donation {
                learn(&mut p.donation_id, Some(&d.id));
                link_subscription(tx, &mut d, subscription.as_ref(), None).await?;
                feed_plan(&mut d, if paid { "active" } else { "past_due" }, at, None);
                tx.save_donation(&d).await?;
                touched.push(d.id);
            }
            tx.save_payment(&p).await?;
            Ok(touched)
        }
        Fact::InvoicePaymentLinked {
            invoice_id,
            payment_intent,
        } => {
            let mut p = match tx.payment(invoice_id).await? {
                Some(p) => p,
                None => new_payment(invoice_id.clone(), "installment", at),
            };
            learn(&mut p.payment_intent_id, Some(payment_intent));
            tx.save_payment(&p).await?;
            Ok(p.donation_id.into_iter().collect())
        }
        Fact::Subscription {
            subscription,
            donation_id,
            customer,
            status,
            cancel_at,
            canceled_at,
            amount_minor,
            currency,
        } => {
            let Some(mut d) =
                find_donation(tx, donation_id.as_deref(), None, Some(subscription)).await?
            else {
                return Ok(vec![]);
            };
            link_subscription(tx, &mut d, Some(subscription), customer.as_ref()).await?;
            feed_plan(&mut d, status, at, Some((*cancel_at, *canceled_at)));
            // The plan's amount as of its latest event (ties: the larger), in its own currency.
            if let Some(a) = *amount_minor
                && currency.as_deref().is_none_or(|c| c == d.currency)
                && (at, a) > (d.plan_amount_at, d.plan_amount_minor.unwrap_or(i64::MIN))
            {
                d.plan_amount_minor = Some(a);
                d.plan_amount_at = at;
            }
            tx.save_donation(&d).await?;
            Ok(vec![d.id])
        }
        Fact::Charge {
            charge_id,
            payment_intent,
            amount_minor,
            amount_refunded_minor,
            currency,
            fee_actual_minor,
            refunds,
        } => {
            let mut c = tx.charge(charge_id).await?.unwrap_or(ChargeRecord {
                id: charge_id.clone(),
                payment_intent_id: None,
                amount_minor: *amount_minor,
                amount_refunded_minor: 0,
                refunded_at: i64::MIN,
                currency: currency.clone(),
                fee_actual_minor: None,
                updated_at: at,
            });
            learn(&mut c.payment_intent_id, payment_intent.as_ref());
            // The running refunded total of the latest event (ties: the larger), in any order of
            // delivery: it goes down again when a refund fails (`refunded_of_charge`).
            if (at, *amount_refunded_minor) > (c.refunded_at, c.amount_refunded_minor) {
                c.amount_refunded_minor = *amount_refunded_minor;
                c.refunded_at = at;
            }
            if fee_actual_minor.is_some() {
                c.fee_actual_minor = *fee_actual_minor;
            }
            c.updated_at = c.updated_at.max(at);
            tx.save_charge(&c).await?;
            let mut touched = vec![];
            if let Some(pi) = &c.payment_intent_id {
                tx.backfill_intent(charge_id, pi).await?;
                touched.extend(donations_of_intent(tx, pi).await?);
            }
            for r in refunds {
                touched.extend(merge_refund(tx, r, at).await?);
            }
            Ok(touched)
        }
        Fact::Refund(r) => merge_refund(tx, r, at).await,
        Fact::Dispute {
            dispute_id,
            charge_id,
            payment_intent,
            amount_minor,
            currency,
            status,
            stage,
            withdraws,
            reinstates,
        } => {
            let mut d = tx.dispute(dispute_id).await?.unwrap_or(Dispute {
                id: dispute_id.clone(),
                charge_id: None,
                payment_intent_id: None,
                amount_minor: *amount_minor,
                currency: currency.clone(),
                status: status.clone(),
                withdrawn: false,
                reinstated: false,
                created_at: at,
                updated_at: at,
            });
            learn(&mut d.charge_id, charge_id.as_ref());
            learn(&mut d.payment_intent_id, payment_intent.as_ref());
            let pi =
                intent_of_charge(tx, d.payment_intent_id.clone(), d.charge_id.as_deref()).await?;
            d.payment_intent_id = pi;
            if dispute_rank(status) > dispute_rank(&d.status) {
                d.status = status.clone();
            }
            // Monotone flags: once withdrawn or reinstated, always so. An inquiry withdraws
            // nothing (`dispute_is_inquiry`); a chargeback does, as its funds_withdrawn event or
            // its balance transactions say; a lost one keeps them, a won one gets them back.
            d.withdrawn |= *stage == DisputeStage::FundsWithdrawn
                || status == "lost"
                || (*withdraws && !dispute_is_inquiry(status));
            d.reinstated |=
                *stage == DisputeStage::FundsReinstated || status == "won" || *reinstates;
            d.amount_minor = d.amount_minor.max(*amount_minor);
            d.updated_at = d.updated_at.max(at);
            tx.save_dispute(&d).await?;
            match &d.payment_intent_id {
                Some(pi) => donations_of_intent(tx, pi).await,
                None => Ok(vec![]),
            }
        }
    }
}

async fn merge_refund(tx: &mut dyn LedgerTx, r: &RefundFact, at: i64) -> StoreResult<Vec<String>> {
    let mut rec = tx.refund(&r.refund_id).await?.unwrap_or(Refund {
        id: r.refund_id.clone(),
        charge_id: None,
        payment_intent_id: None,
        amount_minor: r.amount_minor,
        currency: r.currency.clone(),
        status: r.status.clone(),
        status_rank: refund_rank(&r.status),
        status_at: at,
        refund_created: r.created,
        created_at: at,
        updated_at: at,
    });
    // Stripe's creation time of the refund; of several values heard (a template or an older
    // API version may date the object by its event), the earliest.
    rec.refund_created = match (rec.refund_created, r.created) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    learn(&mut rec.charge_id, r.charge_id.as_ref());
    learn(&mut rec.payment_intent_id, r.payment_intent.as_ref());
    rec.payment_intent_id =
        intent_of_charge(tx, rec.payment_intent_id.clone(), rec.charge_id.as_deref()).await?;
    // The status joins by rank; the time it was first heard of is the earliest event saying so.
    match refund_rank(&r.status).cmp(&rec.status_rank) {
        std::cmp::Ordering::Greater => {
            rec.status = r.status.clone();
            rec.status_rank = refund_rank(&r.status);
            rec.status_at = at;
        }
        std::cmp::Ordering::Equal => rec.status_at = rec.status_at.min(at),
        std::cmp::Ordering::Less => {}
    }
    rec.updated_at = rec.updated_at.max(at);
    tx.save_refund(&rec).await?;
    match &rec.payment_intent_id {
        Some(pi) => donations_of_intent(tx, pi).await,
        None => Ok(vec![]),
    }
}

/// The PaymentIntent of a refund or dispute: its own, or its charge's when already known.
async fn intent_of_charge(
    tx: &mut dyn LedgerTx,
    own: Option<String>,
    charge_id: Option<&str>,
) -> StoreResult<Option<String>> {
    if own.is_some() {
        return Ok(own);
    }
    match charge_id {
        Some(c) => Ok(tx.charge(c).await?.and_then(|c| c.payment_intent_id)),
        None => Ok(None),
    }
}

async fn donations_of_intent(tx: &mut dyn LedgerTx, pi: &str) -> StoreResult<Vec<String>> {
    Ok(tx
        .payments_by_intent(pi)
        .await?
        .into_iter()
        .filter_map(|p| p.donation_id)
        .collect())
}

async fn donation_of_intent(
    tx: &mut dyn LedgerTx,
    donation_id: Option<&str>,
    pi: &str,
) -> StoreResult<Option<Donation>> {
    if let Some(d) = find_donation(tx, donation_id, None, None).await? {
        return Ok(Some(d));
    }
    for id in donations_of_intent(tx, pi).await? {
        if let Some(d) = tx.donation(&id).await? {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

/// Records a recurring donation's subscription (once) and adopts installments that arrived
/// before anyone knew whose they were.
async fn link_subscription(
    tx: &mut dyn LedgerTx,
    d: &mut Donation,
    subscription: Option<&String>,
    customer: Option<&String>,
) -> StoreResult<()> {
    learn(&mut d.customer_id, customer);
    let Some(sub) = subscription else {
        return Ok(());
    };
    match &d.subscription_id {
        None => {
            d.subscription_id = Some(sub.clone());
            tx.adopt_subscription_payments(sub, &d.id).await?;
        }
        Some(known) if known != sub => {
            tx.flag(
                &format!("subscription:{}:{sub}", d.id),
                Some(&d.id),
                None,
                "subscription_mismatch",
                &format!("Stripe linked subscription {sub}, the donation already has {known}"),
            )
            .await?;
        }
        Some(_) => {}
    }
    Ok(())
}

/// Recomputes every donation of every campaign, one ledger transaction each: after an upgrade
/// whose rules count some records differently (`donations webhooks recount`). A donation whose
/// figures already agree with its records is left as it is. Returns how many were visited.
pub async fn recount_all(store: &dyn crate::store::Store, at: i64) -> StoreResult<usize> {
    // Page through the staff list (all campaigns, newest first) rather than loading every
    // campaign's records at once: a recount of a million donations holds one page.
    const PAGE: i64 = 500;
    let every = crate::store::DonationFilter::default();
    let (mut visited, mut after) = (0, None);
    loop {
        let page = store.list_donations(&every, after.as_ref(), PAGE).await?;
        for listed in &page {
            let mut tx = store.begin_ledger().await?;
            recompute(&mut *tx, &listed.donation.id, at).await?;
            tx.commit().await?;
        }
        visited += page.len();
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => {
                after = Some(crate::reports::cursor_of(&last.donation))
            }
            _ => return Ok(visited),
        }
    }
}

/// Recomputes what a donation contributes from every fact recorded about it, and moves the
/// campaign aggregate (and its donor count) by exactly the difference.
pub async fn recompute(tx: &mut dyn LedgerTx, donation_id: &str, at: i64) -> StoreResult<()> {
    let Some(mut d) = tx.donation(donation_id).await? else {
        return Ok(());
    };
    let payments = tx.payments_of(donation_id).await?;
    let mut facts = Vec::new();
    for p in &payments {
        facts.push(payment_facts(tx, p).await?);
    }
    let c = contribution(&d, &facts);
    for (payment_id, detail) in &c.mismatches {
        tx.flag(
            &format!("mismatch:{payment_id}"),
            Some(&d.id),
            None,
            "amount_mismatch",
            detail,
        )
        .await?;
    }

    let before = progress_of(&d);
    d.counted_raised_minor = c.raised_minor;
    d.counted_gifts = c.gifts;
    d.counted_recurring = i64::from(c.recurring_active);
    d.counted_recurring_gift_minor = if c.recurring_active { plan_gift(&d) } else { 0 };
    let after = progress_of(&d);
    let mut delta = after.minus(&before);
    let donor_delta = i64::from(c.donor) - d.counted_donor;
    if donor_delta != 0 {
        let (was, now) = tx
            .add_donor_count(d.campaign_id, &d.donor_key, donor_delta)
            .await?;
        delta.donors = i64::from(now > 0) - i64::from(was > 0);
    }
    d.counted_donor = i64::from(c.donor);
    d.refunded_minor = c.refunded_minor;
    d.disputed_minor = c.disputed_minor;
    d.fee_actual_minor = c.fee_actual_minor;
    d.failure_reason = failure_reason(tx, donation_id, &d).await?;
    d.status = c.status;
    d.updated_at = d.updated_at.max(at);
    if !delta.is_zero() {
        tx.add_progress(d.campaign_id, &delta).await?;
    }
    tx.save_donation(&d).await?;
    queue_notices(tx, &d, &payments, at).await
}

/// Queues the emails the donation's records now call for, in this same transaction: the
/// message commits with its cause or not at all.
async fn queue_notices(
    tx: &mut dyn LedgerTx,
    d: &Donation,
    payments: &[Payment],
    at: i64,
) -> StoreResult<()> {
    let queued = tx.message_keys_of(&d.id).await?.into_iter().collect();
    for message in notices::due(d, payments, &queued) {
        tx.enqueue(&message, at).await?;
    }
    Ok(())
}

async fn failure_reason(
    tx: &mut dyn LedgerTx,
    donation_id: &str,
    d: &Donation,
) -> StoreResult<Option<String>> {
    let checkout = tx.payment(&checkout_payment_id(donation_id)).await?;
    Ok(checkout
        .and_then(|p| p.failure_reason)
        .or_else(|| d.failure_reason.clone()))
}

/// A payment with the refunds, disputes and fees recorded against its PaymentIntent.
async fn payment_facts(tx: &mut dyn LedgerTx, p: &Payment) -> StoreResult<PaymentFacts> {
    let (refunds, charges, disputes) = match &p.payment_intent_id {
        Some(pi) => (
            tx.refunds_by_intent(pi).await?,
            tx.charges_by_intent(pi).await?,
            tx.disputes_by_intent(pi).await?,
        ),
        None => (vec![], vec![], vec![]),
    };
    Ok(rules::payment_facts(p, &refunds, &charges, &disputes))
}

/// Records an offline gift (check, cash, ...) and counts it, in one ledger transaction.
pub async fn record_offline_gift(tx: &mut dyn LedgerTx, d: &Donation) -> StoreResult<()> {
    tx.insert_donation(d).await?;
    recompute(tx, &d.id, d.created_at).await
}

/// Voids an offline gift: it is kept, marked, and no longer counts.
pub async fn void_offline_gift(
    tx: &mut dyn LedgerTx,
    donation_id: &str,
    at: i64,
) -> StoreResult<bool> {
    let Some(mut d) = tx.donation(donation_id).await? else {
        return Ok(false);
    };
    if d.source != "offline" || d.voided_at.is_some() {
        return Ok(false);
    }
    d.voided_at = Some(at);
    tx.save_donation(&d).await?;
    recompute(tx, donation_id, at).await?;
    Ok(true)
}

pub use rules::Frequency;
