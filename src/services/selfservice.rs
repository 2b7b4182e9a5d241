//! Donors' self-service for recurring gifts, behind the signed, expiring link of
//! `domain::manage_link` that every receipt of a recurring gift carries: what the link opens,
//! what state its plan is in, canceling the plan through the payment provider, and the
//! provider's billing portal for a new card or amount. The HTTP pages (`http::manage`) only
//! show what this decides.

use crate::domain::manage_link::{self, LinkError};
use crate::payments::{Gateway, GatewayError};
use crate::services::ledger::{self, Fact};
use crate::store::{Campaign, Donation, Store, StoreError, WebhookEvent, now};

#[derive(Debug, thiserror::Error)]
pub enum SelfServiceError {
    /// The link is altered, foreign or expired. Nothing was looked up.
    #[error("{0}")]
    Link(#[from] LinkError),
    /// A genuine link whose donation (or campaign) is gone.
    #[error("the link's donation no longer exists")]
    Gone,
    /// The gift has no plan this action applies to.
    #[error("no plan to act on: {0:?}")]
    NoPlan(PlanState),
    #[error("payment provider: {0}")]
    Gateway(#[from] GatewayError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// What a donor can do with a gift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    /// A one-time gift: there is no plan.
    OneTime,
    /// A recurring gift whose plan has not started (checkout not completed, or an offline
    /// pledge): nothing to cancel or update online.
    NotStarted,
    /// The plan is running (possibly behind on a payment): it can be canceled or updated.
    Running,
    /// The plan has ended: canceled, or its first payment never completed.
    Ended,
}

pub fn plan_state(d: &Donation) -> PlanState {
    if !d.frequency.is_recurring() {
        return PlanState::OneTime;
    }
    let status = d.plan_status.as_deref().unwrap_or(d.status.as_str());
    if matches!(status, "canceled" | "incomplete_expired") {
        PlanState::Ended
    } else if d.is_offline() || d.subscription_id.is_none() {
        // Only a plan made through the payment provider can be managed through it.
        PlanState::NotStarted
    } else {
        PlanState::Running
    }
}

/// The donation and campaign a link opens, if the link is genuine and unexpired. The link is
/// checked before anything is read, so a bad link learns nothing about what exists.
pub async fn open(
    store: &dyn Store,
    secret: &[u8],
    token: &str,
) -> Result<(Donation, Campaign), SelfServiceError> {
    let id = manage_link::verify(secret, token, now())?;
    let d = store.donation(&id).await?.ok_or(SelfServiceError::Gone)?;
    let c = store
        .campaign_by_id(d.campaign_id)
        .await?
        .ok_or(SelfServiceError::Gone)?;
    Ok((d, c))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canceled {
    /// Canceled now; the donation as it is after the provider's answer was applied.
    Now(Box<Donation>),
    /// It had already ended: nothing was asked of the provider.
    Already,
}

/// Cancels a running plan through the provider and applies what the provider answered to the
/// ledger, recorded as a synthetic event (`selfservice:cancel:<subscription>`) so the change is
/// auditable and applied once. The webhook the provider sends later carries the same fact and
/// merges as a no-op. On a provider failure nothing is changed.
pub async fn cancel(
    store: &dyn Store,
    gateway: &dyn Gateway,
    rules: &crate::webhooks::IngestRules,
    d: &Donation,
) -> Result<Canceled, SelfServiceError> {
    let livemode = rules.live;
    let subscription = match (plan_state(d), &d.subscription_id) {
        (PlanState::Ended, _) => return Ok(Canceled::Already),
        (PlanState::Running, Some(s)) => s.clone(),
        (state, _) => return Err(SelfServiceError::NoPlan(state)),
    };
    let facts = gateway.cancel_subscription(&subscription).await?;
    // Only facts about this plan are applied: an answer about anything else is not ours to use.
    let facts: Vec<Fact> = facts
        .into_iter()
        .filter(|f| matches!(f, Fact::Subscription { subscription: s, .. } if *s == subscription))
        .collect();
    if facts.is_empty() {
        return Err(GatewayError::Unreadable("the answer did not describe the plan".into()).into());
    }
    let at = now();
    let record = WebhookEvent {
        id: format!("selfservice:cancel:{subscription}"),
        event_type: "selfservice.subscription.cancel".into(),
        created: at,
        livemode,
        outcome: "applied".into(),
        detail: Some(format!("donor canceled the plan of donation {}", d.id)),
        payload: format!("{facts:?}"),
        received_at: at,
        applied_at: Some(at),
    };
    let mut objects = vec![ledger::ObjectKey::Event(record.id.clone())];
    objects.extend(ledger::objects_of(&facts));
    let (record, facts) = (&record, &facts);
    ledger::transact(store, &objects, |tx| {
        Box::pin(async move {
            if tx.insert_event(record).await? {
                ledger::apply(&mut **tx, facts, at, &rules.bounds).await?;
            }
            Ok(())
        })
    })
    .await?;
    let after = store.donation(&d.id).await?.ok_or(SelfServiceError::Gone)?;
    if plan_state(&after) != PlanState::Ended {
        return Err(
            GatewayError::Unreadable("the answer did not say the plan ended".into()).into(),
        );
    }
    Ok(Canceled::Now(Box::new(after)))
}

/// The provider's billing portal for the plan's customer, returning to `return_url`.
pub async fn billing_portal(
    gateway: &dyn Gateway,
    d: &Donation,
    return_url: &str,
) -> Result<String, SelfServiceError> {
    match (plan_state(d), &d.customer_id) {
        (PlanState::Running, Some(customer)) => {
            Ok(gateway.billing_portal(customer, return_url).await?)
        }
        (PlanState::Running, None) => Err(SelfServiceError::NoPlan(PlanState::NotStarted)),
        (state, _) => Err(SelfServiceError::NoPlan(state)),
    }
}
