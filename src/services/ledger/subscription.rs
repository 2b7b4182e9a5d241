//! The subscription family: a plan's status, cancellation and amount per installment (which a
//! donor may change in the billing portal), kept as the latest Stripe said.

use super::joins::*;
use crate::domain::fact::Fact;
use crate::store::{LedgerTx, StoreResult};

/// Merges a fact of this family into the records; returns the donations it touched. Facts of
/// other families touch nothing here (`super::merge` sends each fact to its family).
pub(super) async fn merge(tx: &mut dyn LedgerTx, fact: &Fact, at: i64) -> StoreResult<Vec<String>> {
    match fact {
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
        _ => Ok(vec![]),
    }
}
