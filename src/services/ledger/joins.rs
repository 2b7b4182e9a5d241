//! The joins every fact family shares: finding a fact's donation (by id, session or
//! subscription), and raising a record's state only forward, so that repeats and any order of
//! delivery give the same records.

use crate::domain::contribution::{payment_rank, plan_rank, plan_status_wins};
use crate::domain::fact::checkout_payment_id;
use crate::store::{Donation, LedgerTx, Payment, StoreResult};

pub(super) async fn find_donation(
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

pub(super) fn new_payment(id: String, kind: &str, at: i64) -> Payment {
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
pub(super) fn raise(p: &mut Payment, rank: i64, at: i64) {
    if rank > p.status_rank {
        p.status_rank = rank;
        p.status = payment_rank::name(rank).into();
    }
    if rank == payment_rank::SUCCEEDED {
        p.paid_at = Some(p.paid_at.map_or(at, |t| t.min(at)));
    }
}

/// Keeps the first value learned for a link that never changes (an id Stripe assigned).
pub(super) fn learn(slot: &mut Option<String>, value: Option<&String>) {
    if slot.is_none() {
        slot.clone_from(&value.cloned());
    }
}

/// The record of a donation's checkout (and of a one-time gift's payment).
pub(super) async fn checkout_payment(
    tx: &mut dyn LedgerTx,
    d: &Donation,
    at: i64,
) -> StoreResult<Payment> {
    let id = checkout_payment_id(&d.id);
    Ok(match tx.payment(&id).await? {
        Some(p) => p,
        None => {
            let kind = if !d.frequency.is_recurring() {
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
pub(super) fn feed_plan(
    d: &mut Donation,
    status: &str,
    at: i64,
    cancel: Option<(Option<i64>, Option<i64>)>,
) {
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

/// The PaymentIntent of a refund or dispute: its own, or its charge's when already known.
pub(super) async fn intent_of_charge(
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

/// The donations whose payments a PaymentIntent paid: through each payment's donation, or, for
/// an installment not adopted yet, through its subscription (so that a refund or dispute of it
/// finds a donation that has just come to know its plan).
pub(super) async fn donations_of_intent(
    tx: &mut dyn LedgerTx,
    pi: &str,
) -> StoreResult<Vec<String>> {
    let mut found = Vec::new();
    for p in tx.payments_by_intent(pi).await? {
        match (p.donation_id, &p.subscription_id) {
            (Some(d), _) => found.push(d),
            (None, Some(sub)) => {
                found.extend(tx.donation_by_subscription(sub).await?.map(|d| d.id))
            }
            (None, None) => {}
        }
    }
    Ok(found)
}

pub(super) async fn donation_of_intent(
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
pub(super) async fn link_subscription(
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
