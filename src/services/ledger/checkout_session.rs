//! The checkout family: a Checkout Session completed, failed (a delayed bank payment) or
//! expired, and a one-time gift's PaymentIntent succeeded or failed. Each joins into the donation's
//! checkout payment record.

use super::joins::*;
use crate::domain::contribution::payment_rank;
use crate::domain::fact::Fact;
use crate::store::{LedgerTx, StoreResult};

/// Merges a fact of this family into the records; returns the donations it touched. Facts of
/// other families touch nothing here (`super::merge` sends each fact to its family).
pub(super) async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
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
            if !d.frequency.is_recurring() {
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
        _ => Ok(vec![]),
    }
}
