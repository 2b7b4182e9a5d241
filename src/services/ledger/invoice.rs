//! The invoice family: a recurring gift's installments (paid or failed) and the PaymentIntent
//! that paid one, each joined into the installment's record, keyed by its invoice id.

use super::joins::*;
use crate::domain::contribution::payment_rank;
use crate::domain::fact::Fact;
use crate::store::{LedgerTx, StoreResult};

/// Merges a fact of this family into the records; returns the donations it touched. Facts of
/// other families touch nothing here (`super::merge` sends each fact to its family).
pub(super) async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
    match fact {
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
        _ => Ok(vec![]),
    }
}
