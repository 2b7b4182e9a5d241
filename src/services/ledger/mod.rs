//! Applying facts to the records, above the store. Webhook events (and offline gifts) become
//! [`Fact`]s; each fact is merged into its record by a join (so repeats and reordering cannot
//! change the result), and every donation it touches is recomputed from all of its facts with
//! `domain::contribution::contribution`. The difference from what the donation contributed before is
//! added to the campaign's aggregate in the same transaction, and to its supporter's page's when
//! it was given on one (`fundraiser`).

//!
//! Each fact family merges in a room of its own: `checkout_session`, `invoice`, `subscription`
//! and `money_back`; `joins` holds what they share. `membership` keeps the members that dues
//! payments make, recomputed with their donations.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use futures_util::future::BoxFuture;

mod checkout_session;
mod fundraiser;
mod invoice;
mod joins;
mod membership;
mod money_back;
mod subscription;

use crate::domain::contribution::{
    self as rules, PaymentFacts, contribution, plan_gift, progress_of,
};
pub use crate::domain::fact::{DisputeStage, Fact, RefundFact, checkout_payment_id};
use crate::domain::money::AmountBounds;
use crate::domain::notices;
pub use crate::domain::object_key::{ObjectKey, objects_of};
use crate::store::{
    ChargeRecord, Dispute, Donation, LedgerTx, MoneyBack, Payment, Refund, Store, StoreResult,
};

/// How many times a ledger transaction is tried when the database gives up on it for
/// contention (`StoreError::is_contention`) before the error is passed on (webhooks then answer
/// 503, and Stripe delivers the event again later).
const CONTENTION_TRIES: u32 = 8;

/// A ledger transaction as [`transact`] lends it to its work (a `dyn LedgerTx` through
/// `Deref`), tied to the lifetime `'env` of what the work borrows from its caller: the work's
/// future may hold those borrows as long as it holds the transaction.
pub struct Lent<'env> {
    tx: Box<dyn LedgerTx>,
    _env: PhantomData<&'env ()>,
}

impl Deref for Lent<'_> {
    type Target = dyn LedgerTx;
    fn deref(&self) -> &Self::Target {
        &*self.tx
    }
}

impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.tx
    }
}

/// Runs `work` in a ledger transaction that holds `objects` from its start, and commits it. When
/// the database gives up on the transaction for contention (on PostgreSQL: a cycle of waits
/// with another ledger transaction, which it breaks by failing one), the same work runs again in
/// a new transaction after a short random pause: what it did before is gone with the rolled
/// back transaction, so nothing is applied twice. A value `work` returns (even a refusal in the
/// caller's own terms) is committed with what it wrote.
///
/// `work` is `|tx| Box::pin(async move { ... })`, called once per try.
pub async fn transact<'env, T, F>(
    store: &dyn Store,
    objects: &[ObjectKey],
    mut work: F,
) -> StoreResult<T>
where
    F: for<'t> FnMut(&'t mut Lent<'env>) -> BoxFuture<'t, StoreResult<T>> + Send,
    T: Send,
{
    let mut tries = 0;
    loop {
        tries += 1;
        let result = match store.begin_ledger(objects).await {
            Ok(tx) => {
                let mut lent = Lent {
                    tx,
                    _env: PhantomData,
                };
                match work(&mut lent).await {
                    Ok(value) => lent.tx.commit().await.map(|()| value),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        match result {
            Err(e) if e.is_contention() && tries < CONTENTION_TRIES => {
                tracing::debug!(tries, error = %e, "ledger transaction contended; running it again");
                let pause = rand::random_range(1..=5u64 << tries.min(5));
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            other => return other,
        }
    }
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
        if let Some(why) = fact.out_of_range(bounds) {
            let (object, donation) = fact.object();
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
        if touched.is_empty() && !fact.stores_without_donation() {
            applied.unmatched += 1;
        }
        applied.donations.extend(touched);
    }
    for id in &applied.donations {
        recompute(tx, id, at).await?;
    }
    Ok(applied)
}

/// Merges one fact into the records, in the room of its family; returns the donations it
/// touched.
async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
    match fact {
        Fact::CheckoutCompleted { .. }
        | Fact::CheckoutAsyncFailed { .. }
        | Fact::CheckoutExpired { .. }
        | Fact::PaymentSucceeded { .. }
        | Fact::PaymentFailed { .. } => checkout_session::merge(tx, fact, at).await,
        Fact::InvoicePaid { .. }
        | Fact::InvoiceFailed { .. }
        | Fact::InvoicePaymentLinked { .. } => invoice::merge(tx, fact, at).await,
        Fact::Subscription { .. } => subscription::merge(tx, fact, at).await,
        Fact::Charge { .. }
        | Fact::BalanceTransaction(_)
        | Fact::Refund(_)
        | Fact::Dispute { .. } => money_back::merge(tx, fact, at).await,
    }
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
            let id = &listed.donation.id;
            transact(store, &[ObjectKey::Donation(id.clone())], |tx| {
                Box::pin(async move { recompute(&mut **tx, id, at).await })
            })
            .await?;
        }
        visited += page.len();
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => {
                after = Some(crate::services::reporting::cursor_of(&last.donation))
            }
            _ => return Ok(visited),
        }
    }
}

/// Recomputes what a donation contributes from every fact recorded about it, and moves the
/// campaign aggregate (and its donor count) by exactly the difference, and the figures of the
/// supporter's page it was given on likewise (`fundraiser`).
pub async fn recompute(tx: &mut dyn LedgerTx, donation_id: &str, at: i64) -> StoreResult<()> {
    let Some(mut d) = tx.donation(donation_id).await? else {
        return Ok(());
    };
    let payments = tx.payments_of(donation_id).await?;
    let back = tx.money_back_of(donation_id).await?;
    let facts: Vec<PaymentFacts> = payments.iter().map(|p| payment_facts(p, &back)).collect();
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
    fundraiser::count(tx, &d, &delta, donor_delta).await?;
    if donor_delta != 0 {
        let (was, now) = tx
            .add_donor_count(d.campaign_id, &d.donor_key, donor_delta)
            .await?;
        delta.donors = rules::donors_moved(was, now);
    }
    d.counted_donor = i64::from(c.donor);
    d.refunded_minor = c.refunded_minor;
    d.disputed_minor = c.disputed_minor;
    d.fee_actual_minor = c.fee_actual_minor;
    d.net_actual_minor = c.net_actual_minor;
    d.failure_reason = failure_reason(&payments, &d);
    d.status = c.status;
    d.updated_at = d.updated_at.max(at);
    if !delta.is_zero() {
        tx.add_progress(d.campaign_id, &d.id, &delta).await?;
    }
    tx.save_donation(&d).await?;
    membership::recompute(tx, &d, &payments, &facts, at).await?;
    queue_notices(tx, &d, &payments, &back.refunds, at).await
}

/// Queues the emails the donation's records now call for, in this same transaction: the
/// message commits with its cause or not at all.
async fn queue_notices(
    tx: &mut dyn LedgerTx,
    d: &Donation,
    payments: &[Payment],
    refunds: &[Refund],
    at: i64,
) -> StoreResult<()> {
    let queued = tx.message_keys_of(&d.id).await?.into_iter().collect();
    for message in notices::due(d, payments, refunds, &queued) {
        tx.enqueue(&message, at).await?;
    }
    Ok(())
}

/// Why the donation's checkout failed, as its checkout record (among `payments`) says, or as
/// the donation said before.
fn failure_reason(payments: &[Payment], d: &Donation) -> Option<String> {
    let checkout = checkout_payment_id(&d.id);
    payments
        .iter()
        .find(|p| p.id == checkout)
        .and_then(|p| p.failure_reason.clone())
        .or_else(|| d.failure_reason.clone())
}

/// A payment with the refunds, disputes and fees recorded against its PaymentIntent.
fn payment_facts(p: &Payment, back: &MoneyBack) -> PaymentFacts {
    let Some(pi) = &p.payment_intent_id else {
        return rules::payment_facts(p, &[], &[], &[]);
    };
    let ours = |of: &Option<String>| of.as_ref() == Some(pi);
    let refunds: Vec<Refund> = back
        .refunds
        .iter()
        .filter(|r| ours(&r.payment_intent_id))
        .cloned()
        .collect();
    let charges: Vec<ChargeRecord> = back
        .charges
        .iter()
        .filter(|c| ours(&c.payment_intent_id))
        .cloned()
        .collect();
    let disputes: Vec<Dispute> = back
        .disputes
        .iter()
        .filter(|d| ours(&d.payment_intent_id))
        .cloned()
        .collect();
    rules::payment_facts(p, &refunds, &charges, &disputes)
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
    if !d.is_offline() || d.voided_at.is_some() {
        return Ok(false);
    }
    d.voided_at = Some(at);
    tx.save_donation(&d).await?;
    recompute(tx, donation_id, at).await?;
    Ok(true)
}

pub use rules::Frequency;
