//! Events that did not parse are not left behind. Stripe renders an event in the API version
//! of its creation: one listed from the Events API (or delivered to an endpoint set to another
//! version) may lack fields the pinned version requires, and async-stripe then refuses the
//! whole event. Such an event is stored as it came and flagged (`webhooks::ingest`); here, on
//! each reconcile pass, its object is fetched again from the object's own endpoint, which
//! answers in the pinned version, and the event is applied under its own id and type, in one
//! ledger transaction with its row. The object's current state stands in for the state at the
//! event's time: the ledger only moves records forward, so a later state gives the same result
//! once every event is in.
//!
//! An event whose object cannot be fetched stays stored as it came: it is asked for again after
//! a growing wait, and flagged for staff (`event_refetch_failed`) when it never can be (no
//! endpoint for its type, no object id) or after `FLAG_AFTER_FAILURES` failures in a row.

use serde_json::Value;
use stripe_webhook::{Event, Webhook};
use tokio_util::sync::CancellationToken;

use crate::domain::settlement::{FLAG_AFTER_FAILURES, retry_after};
use crate::payments::{Gateway, GatewayError};
use crate::services::ledger;
use crate::store::{FetchKind, Store, StoreResult, UnparsedEvent, WebhookEvent};
use crate::webhooks::{self, Envelope, IngestRules};

/// Events taken up in one pass at most.
pub const BATCH: i64 = 100;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefetchReport {
    /// Events applied at last (their object fetched again, or parsed on a later try).
    pub applied: usize,
    /// Events still stored unparsed after this pass.
    pub failed: usize,
    pub stopped: bool,
}

/// Why an event's object could not be had.
struct Failure {
    why: String,
    /// It will never work by asking again (no endpoint for the type, no object id).
    permanent: bool,
    /// Stripe is down: the rest of the batch waits for the next pass.
    unavailable: bool,
}

impl Failure {
    fn permanent(why: String) -> Failure {
        Failure {
            why,
            permanent: true,
            unavailable: false,
        }
    }
}

impl From<GatewayError> for Failure {
    fn from(e: GatewayError) -> Failure {
        Failure {
            unavailable: matches!(e, GatewayError::Unavailable(_)),
            permanent: false,
            why: e.to_string(),
        }
    }
}

/// The use case: the store, the gateway it asks, and what this server accepts of an event.
pub struct EventRefetch<'a> {
    pub store: &'a dyn Store,
    pub gateway: &'a dyn Gateway,
    pub rules: IngestRules,
}

impl EventRefetch<'_> {
    /// Takes up each stored unparsed event due at `at`, stopping between events once `stop`
    /// is cancelled.
    pub async fn run(&self, at: i64, stop: &CancellationToken) -> StoreResult<RefetchReport> {
        let mut report = RefetchReport::default();
        for UnparsedEvent { event, attempts } in self.store.unparsed_events_due(at, BATCH).await? {
            if stop.is_cancelled() {
                report.stopped = true;
                break;
            }
            // Another mode's event (a test-mode one on a live server) is never applied here:
            // there is nothing to fetch for it.
            let recovered = if event.livemode != self.rules.live {
                Ok(None)
            } else {
                self.recover(&event).await.map(Some)
            };
            match recovered {
                Ok(recovered) => {
                    let recovered = recovered.as_ref().map(|(e, note)| (e, note.as_str()));
                    if self.apply(&event, recovered, at).await? {
                        report.applied += 1;
                    }
                    self.store
                        .fetch_succeeded(FetchKind::Event, &event.id)
                        .await?;
                }
                Err(failure) => {
                    report.failed += 1;
                    self.failed(&event, attempts + 1, &failure, at).await?;
                    if failure.unavailable {
                        break;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The event as the pinned version reads it, and how it was had.
    async fn recover(&self, stored: &WebhookEvent) -> Result<(Event, String), Failure> {
        // An upgrade of the crate (or of the endpoint's version) may let it parse as it came.
        if let Ok(event) = Webhook::insecure(&stored.payload) {
            return Ok((event, "parsed on a later try".into()));
        }
        let mut raw: Value = serde_json::from_str(&stored.payload)
            .map_err(|e| Failure::permanent(format!("the stored event is not JSON: {e}")))?;
        let version = raw["api_version"].as_str().unwrap_or("unknown").to_string();
        let object_id = raw["data"]["object"]["id"]
            .as_str()
            .ok_or_else(|| Failure::permanent("its object has no id".into()))?
            .to_string();
        let object = self
            .gateway
            .event_object(&stored.event_type, &object_id)
            .await?
            .ok_or_else(|| {
                Failure::permanent(format!(
                    "there is no endpoint to fetch the object of a {} event from",
                    stored.event_type
                ))
            })?;
        raw["data"]["object"] = serde_json::from_str(&object)
            .map_err(|e| Failure::from(GatewayError::Unreadable(e.to_string())))?;
        raw["api_version"] = Value::String(crate::STRIPE_API_VERSION.into());
        let event = Webhook::insecure(&raw.to_string()).map_err(|e| {
            Failure::from(GatewayError::Unreadable(format!(
                "{object_id} fetched again did not parse either: {e}"
            )))
        })?;
        Ok((
            event,
            format!(
                "its object {object_id} fetched again in API version {} (the event's own \
                 version {version} did not parse)",
                crate::STRIPE_API_VERSION
            ),
        ))
    }

    /// Applies a recovered event in one ledger transaction with its row (`None`: an event of
    /// the other mode, marked ignored), unless another pass (or `donations webhooks
    /// reprocess`) did first; true when it was settled here.
    async fn apply(
        &self,
        stored: &WebhookEvent,
        recovered: Option<(&Event, &str)>,
        at: i64,
    ) -> StoreResult<bool> {
        let facts = recovered.and_then(|(event, _)| webhooks::facts::from_event(event));
        let mut objects = vec![ledger::ObjectKey::Event(stored.id.clone())];
        objects.extend(facts.as_deref().map(ledger::objects_of).unwrap_or_default());
        let (env, facts) = (&Envelope::of(stored), &facts);
        ledger::transact(self.store, &objects, |tx| {
            Box::pin(async move {
                if tx.event(&stored.id).await?.map(|e| e.outcome).as_deref() != Some("unparsed") {
                    return Ok(false);
                }
                match recovered {
                    Some((_, note)) => {
                        let bounds = &self.rules.bounds;
                        webhooks::apply_event(
                            &mut **tx,
                            env,
                            facts.as_deref(),
                            bounds,
                            Some(note),
                            None,
                        )
                        .await?;
                    }
                    None => {
                        tx.set_event_outcome(&env.id, "ignored", Some("other mode"), None)
                            .await?;
                    }
                }
                tx.resolve_flag(&format!("unparsed:{}", env.id), at).await?;
                Ok(true)
            })
        })
        .await
    }

    /// Records a failed try and when to try again; flags it when it cannot work or has failed
    /// `FLAG_AFTER_FAILURES` times in a row.
    async fn failed(
        &self,
        stored: &WebhookEvent,
        attempts: i64,
        failure: &Failure,
        at: i64,
    ) -> StoreResult<()> {
        tracing::warn!(event = %stored.id, attempts, error = %failure.why, "unparsed event not recovered");
        self.store
            .fetch_failed(
                FetchKind::Event,
                &stored.id,
                attempts,
                at + retry_after(attempts),
                &failure.why,
                at,
            )
            .await?;
        if !failure.permanent && attempts < FLAG_AFTER_FAILURES {
            return Ok(());
        }
        let detail = format!(
            "{} event {} did not parse in its own API version, and its object could not be \
             fetched again ({}; {attempts} tries). It is kept as it came, not applied: check \
             the object in Stripe's dashboard",
            stored.event_type, stored.id, failure.why
        );
        let (key, detail) = (&format!("refetch:{}", stored.id), &detail);
        ledger::transact(self.store, &[], |tx| {
            Box::pin(async move {
                tx.flag(key, None, Some(&stored.id), "event_refetch_failed", detail)
                    .await
            })
        })
        .await
    }
}
