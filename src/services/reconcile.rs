//! Recovering what webhooks missed, and what they leave to ask: events from Stripe's Events API
//! go through the same path as deliveries (ids already seen are no-ops); events stored unparsed
//! have their object fetched again (`event_refetch`); checkouts pending too long are
//! re-checked; and charges whose actual fee is unknown have it fetched (`actual_fees`).
//!
//! Each organization's Stripe account has a run of its own, with its own client
//! ([`run_for`]): its events are applied only to its donations (`webhooks::ingest_for`), its
//! pending checkouts and its charges are asked of it. Stored unparsed events name no
//! organization: the default organization's run fetches their objects again.
//!
//! A run told to stop ([`run_until`], a shutdown) finishes the event or request it is on and
//! stops before the next: every one is applied in a transaction of its own and is idempotent,
//! so the next run takes up what this one left.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::organization::DEFAULT_ORG;
use crate::payments::Gateway;
use crate::services::actual_fees::ActualFees;
use crate::services::event_refetch::EventRefetch;
use crate::services::ledger;
use crate::store::{Store, WebhookEvent, now};
use crate::webhooks::{self, Outcome};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub listed: usize,
    pub applied: usize,
    pub duplicates: usize,
    pub ignored: usize,
    pub unparsed: usize,
    /// Stored unparsed events applied at last, and those still not.
    pub refetched: usize,
    pub refetch_failed: usize,
    pub rechecked: usize,
    /// Charges whose actual fee was recorded, and requests for one that failed.
    pub fees_recorded: usize,
    pub fees_failed: usize,
    /// Told to stop before it was through: the next run takes up the rest.
    pub stopped: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("payment provider: {0}")]
    Gateway(#[from] crate::payments::GatewayError),
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
}

pub async fn run(
    store: &dyn Store,
    gateway: &dyn Gateway,
    config: &Config,
    since: Duration,
) -> Result<Report, ReconcileError> {
    run_until(store, gateway, config, since, &CancellationToken::new()).await
}

/// [`run`], stopping between events (and between re-checks) once `stop` is cancelled.
pub async fn run_until(
    store: &dyn Store,
    gateway: &dyn Gateway,
    config: &Config,
    since: Duration,
    stop: &CancellationToken,
) -> Result<Report, ReconcileError> {
    run_for(store, gateway, config, since, stop, DEFAULT_ORG).await
}

/// [`run_until`] for organization `org`, whose account `gateway` reaches.
pub async fn run_for(
    store: &dyn Store,
    gateway: &dyn Gateway,
    config: &Config,
    since: Duration,
    stop: &CancellationToken,
    org: &str,
) -> Result<Report, ReconcileError> {
    let mut report = Report::default();
    // Stripe keeps 30 days of events.
    let since = since.min(Duration::from_secs(30 * 24 * 3600));
    let events = gateway.list_events(now() - since.as_secs() as i64).await?;
    report.listed = events.len();
    for raw in events {
        if stop.is_cancelled() {
            report.stopped = true;
            return Ok(report);
        }
        // These come from Stripe's API over TLS with our key: there is no signature to check.
        let Some(verified) = webhooks::read_listed(&raw) else {
            continue;
        };
        let rules = webhooks::IngestRules::of(config);
        match webhooks::ingest_for(store, &raw, verified, &rules, org).await? {
            Outcome::Applied => report.applied += 1,
            Outcome::Duplicate => report.duplicates += 1,
            Outcome::Ignored => report.ignored += 1,
            Outcome::Unparsed => report.unparsed += 1,
        }
    }
    let rules = webhooks::IngestRules::of(config);
    if org == DEFAULT_ORG {
        let refetch = EventRefetch {
            store,
            gateway,
            rules,
        }
        .run(now(), stop)
        .await?;
        (report.refetched, report.refetch_failed) = (refetch.applied, refetch.failed);
        if refetch.stopped {
            report.stopped = true;
            return Ok(report);
        }
    }
    (report.rechecked, report.stopped) =
        recheck_pending_until(store, gateway, config, stop, org).await?;
    if report.stopped {
        return Ok(report);
    }
    let fees = ActualFees {
        store,
        gateway,
        org,
        bounds: rules.bounds,
        live: rules.live,
    }
    .run(now(), stop)
    .await?;
    (report.fees_recorded, report.fees_failed, report.stopped) =
        (fees.recorded, fees.failed, fees.stopped);
    Ok(report)
}

/// Asks the provider about checkouts pending longer than `PENDING_RECHECK_AFTER` and applies
/// what their sessions say, once (recorded as a synthetic event keyed by session and state).
pub async fn recheck_pending(
    store: &dyn Store,
    gateway: &dyn Gateway,
    config: &Config,
) -> Result<usize, ReconcileError> {
    let (changed, _) = recheck_pending_until(
        store,
        gateway,
        config,
        &CancellationToken::new(),
        DEFAULT_ORG,
    )
    .await?;
    Ok(changed)
}

/// [`recheck_pending`] of organization `org`'s donations, stopping between donations once
/// `stop` is cancelled (then `true`).
async fn recheck_pending_until(
    store: &dyn Store,
    gateway: &dyn Gateway,
    config: &Config,
    stop: &CancellationToken,
    org: &str,
) -> Result<(usize, bool), ReconcileError> {
    let cutoff = now() - config.pending_recheck_after.as_secs() as i64;
    let mut changed = 0;
    let mut theirs = std::collections::HashMap::new();
    for d in store.pending_donations(cutoff, 500).await? {
        if stop.is_cancelled() {
            return Ok((changed, true));
        }
        // Another organization's checkout is its own account's to answer for.
        let of_org = match theirs.get(&d.campaign_id) {
            Some(ours) => *ours,
            None => {
                let c = store.campaign_by_id(d.campaign_id).await?;
                let ours = c.is_some_and(|c| c.organization == org);
                theirs.insert(d.campaign_id, ours);
                ours
            }
        };
        if !of_org {
            continue;
        }
        let Some(session) = &d.checkout_session_id else {
            continue;
        };
        let facts = gateway.session_facts(session).await?;
        if facts.is_empty() {
            continue;
        }
        let state = if matches!(facts[0], ledger::Fact::CheckoutExpired { .. }) {
            "expired"
        } else {
            "complete"
        };
        let id = format!("recheck:{session}:{state}");
        let record = WebhookEvent {
            id: id.clone(),
            event_type: format!("recheck.checkout.session.{state}"),
            created: now(),
            livemode: config.payments.is_live(),
            outcome: "applied".into(),
            detail: Some(format!("re-checked pending donation {}", d.id)),
            payload: format!("{facts:?}"),
            received_at: now(),
            applied_at: Some(now()),
        };
        let mut objects = vec![ledger::ObjectKey::Event(id.clone())];
        objects.extend(ledger::objects_of(&facts));
        let bounds = webhooks::IngestRules::of(config).bounds;
        let (record, facts) = (&record, &facts);
        let applied = ledger::transact(store, &objects, |tx| {
            Box::pin(async move {
                if !tx.insert_event(record).await? {
                    return Ok(false);
                }
                ledger::apply(&mut **tx, facts, now(), &bounds).await?;
                Ok(true)
            })
        })
        .await?;
        changed += usize::from(applied);
    }
    Ok((changed, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fact::BalanceFact;
    use crate::payments::{CheckoutRequest, CreatedSession, GatewayError, RawEvent};
    use crate::store::ChargeRecord;

    /// Lists two events (of a kind the ledger ignores); nothing else is asked of it.
    struct TwoEvents;

    #[async_trait::async_trait]
    impl Gateway for TwoEvents {
        fn name(&self) -> &'static str {
            "two-events"
        }
        async fn create_checkout(
            &self,
            _: &CheckoutRequest,
        ) -> Result<CreatedSession, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
        async fn list_events(&self, _: i64) -> Result<Vec<RawEvent>, GatewayError> {
            Ok((1..=2)
                .map(|i| {
                    serde_json::json!({
                        "id": format!("evt_stop_{i}"), "object": "event", "type": "customer.created",
                        "created": 1_700_000_000 + i, "livemode": false, "api_version": crate::STRIPE_API_VERSION,
                        "data": {"object": {"id": format!("cus_{i}"), "object": "customer"}},
                    })
                    .to_string()
                })
                .collect())
        }
        async fn session_facts(&self, _: &str) -> Result<Vec<ledger::Fact>, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
        async fn cancel_subscription(&self, _: &str) -> Result<Vec<ledger::Fact>, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
        async fn billing_portal(&self, _: &str, _: &str) -> Result<String, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
        async fn balance_transaction(&self, _: &ChargeRecord) -> Result<BalanceFact, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
        async fn event_object(&self, _: &str, _: &str) -> Result<Option<String>, GatewayError> {
            Err(GatewayError::Refused("not in this test".into()))
        }
    }

    fn handled(r: &Report) -> usize {
        r.applied + r.duplicates + r.ignored + r.unparsed
    }

    #[tokio::test]
    async fn a_run_told_to_stop_handles_no_further_event() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let store = crate::store::connect(&url, 2).await.unwrap();
        let config = Config::from_lookup(|k| (k == "DATABASE_URL").then(|| url.clone())).unwrap();
        let since = Duration::from_secs(3600);

        let stop = CancellationToken::new();
        stop.cancel();
        let stopped = run_until(store.as_ref(), &TwoEvents, &config, since, &stop)
            .await
            .unwrap();
        assert_eq!((stopped.listed, handled(&stopped)), (2, 0), "{stopped:?}");
        assert!(stopped.stopped);

        // Not told to stop, the same run handles both (the next run takes up what one left).
        let full = run(store.as_ref(), &TwoEvents, &config, since)
            .await
            .unwrap();
        assert_eq!((full.listed, handled(&full)), (2, 2), "{full:?}");
        assert!(!full.stopped);
        store.close().await;
    }
}
