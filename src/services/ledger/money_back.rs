//! The money-back family: charges (with their running refunded total and fee), refunds and
//! disputes, joined by their PaymentIntent so that they find their donation in any order.

use super::joins::*;
use crate::domain::contribution::{dispute_is_inquiry, dispute_rank, refund_rank};
use crate::domain::fact::{BalanceFact, DisputeStage, Fact, RefundFact};
use crate::domain::settlement::{Settlement, settle};
use crate::store::{ChargeRecord, Dispute, LedgerTx, Refund, StoreResult};

/// Merges a fact of this family into the records; returns the donations it touched. Facts of
/// other families touch nothing here (`super::merge` sends each fact to its family).
pub(super) async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
    match fact {
        Fact::Charge {
            charge_id,
            payment_intent,
            amount_minor,
            amount_refunded_minor,
            currency,
            balance_transaction_id,
            refunds,
        } => {
            let mut c = tx
                .charge(charge_id)
                .await?
                .unwrap_or_else(|| ChargeRecord::new(charge_id, *amount_minor, currency, at));
            learn(&mut c.payment_intent_id, payment_intent.as_ref());
            learn(
                &mut c.balance_transaction_id,
                balance_transaction_id.as_ref(),
            );
            // The running refunded total of the latest event (ties: the larger), in any order of
            // delivery: it goes down again when a refund fails (`refunded_of_charge`).
            if (at, *amount_refunded_minor) > (c.refunded_at, c.amount_refunded_minor) {
                c.amount_refunded_minor = *amount_refunded_minor;
                c.refunded_at = at;
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
        Fact::BalanceTransaction(b) => merge_balance(tx, b, at).await,
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
        _ => Ok(vec![]),
    }
}

/// A charge's balance transaction: its fee and net, when in the charge's currency; otherwise it
/// is kept out of the figures and flagged (`domain::settlement`). The same balance transaction
/// always says the same, so repeats and order change nothing. A charge not heard of yet has no
/// figures to take it (its events always come before anyone asks for its balance transaction).
async fn merge_balance(
    tx: &mut dyn LedgerTx,
    b: &BalanceFact,
    at: i64,
) -> StoreResult<Vec<String>> {
    let Some(mut c) = tx.charge(&b.charge_id).await? else {
        return Ok(vec![]);
    };
    learn(&mut c.balance_transaction_id, Some(&b.id));
    let touched = match &c.payment_intent_id {
        Some(pi) => donations_of_intent(tx, pi).await?,
        None => vec![],
    };
    match settle(&c, b) {
        Settlement::Recorded {
            fee_minor,
            net_minor,
        } => {
            c.fee_actual_minor = Some(fee_minor);
            c.net_actual_minor = Some(net_minor);
        }
        Settlement::OtherCurrency { currency, detail } => {
            c.settlement_currency = Some(currency);
            tx.flag(
                &format!("settlement:{}", c.id),
                touched.first().map(String::as_str),
                None,
                "fee_other_currency",
                &detail,
            )
            .await?;
        }
    }
    c.updated_at = c.updated_at.max(at);
    tx.save_charge(&c).await?;
    Ok(touched)
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
