//! Memberships, kept by the ledger: once a dues-paying donation is recomputed, its donor's
//! membership is derived again from every dues payment of theirs (`domain::membership`) and
//! written in the same transaction, or removed when none counts any more. Nothing is added up
//! event by event, so repeats and any order of events give the same row.
//!
//! Objects a transaction touches here: the member row keyed by the donor's normalized email
//! (`donor_key`), locked as `ObjectKey::Member` (after the donation, last in the lock order); it
//! reads the donor's other dues-paying donations and their payments, charges, refunds and
//! disputes without locking them, and writes nothing but the member row. Whoever changes one of
//! those gifts derives the membership again after taking the same lock, so the last derivation
//! sees every dues payment.

use crate::domain::contribution::PaymentFacts;
use crate::domain::membership::{dues_payments, membership_of};
use crate::store::{Donation, LedgerTx, Payment, StoreResult};

/// Derives the membership of `d`'s donor again; `d` has just been recomputed from `payments`
/// and their `facts` (so they are not read twice).
pub(super) async fn recompute(
    tx: &mut dyn LedgerTx,
    d: &Donation,
    payments: &[Payment],
    facts: &[PaymentFacts],
    at: i64,
) -> StoreResult<()> {
    if d.dues_minimum_minor.is_none() || d.donor_key.is_empty() {
        return Ok(());
    }
    let donations = tx.dues_donations_of(&d.donor_key).await?;
    let mut dues = dues_payments(d, &pair(payments, facts));
    for other in donations.iter().filter(|o| o.id != d.id) {
        let mut of_other = Vec::new();
        if !other.is_offline() {
            let (payments, back) = tx.dues_payments_of(&other.id).await?;
            for p in payments {
                let f = super::payment_facts(&p, &back);
                of_other.push((p, f));
            }
        }
        dues.extend(dues_payments(other, &of_other));
    }
    let before = tx.membership(&d.donor_key).await?;
    match membership_of(&d.donor_key, &donations, dues, at) {
        Some(mut m) => {
            if let Some(b) = &before {
                if b.same_terms(&m) {
                    return Ok(());
                }
                m.updated_at = m.updated_at.max(b.updated_at);
            }
            tx.save_membership(&m).await
        }
        None if before.is_some() => tx.delete_membership(&d.donor_key).await,
        None => Ok(()),
    }
}

fn pair(payments: &[Payment], facts: &[PaymentFacts]) -> Vec<(Payment, PaymentFacts)> {
    payments
        .iter()
        .cloned()
        .zip(facts.iter().cloned())
        .collect()
}
