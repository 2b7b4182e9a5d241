//! Stripe webhooks: verify the signature over the raw body, record the event, and apply its
//! facts to the ledger, all in one transaction keyed by the event id, so a duplicate delivery
//! (sequential or concurrent) is a no-op and a failure leaves nothing behind for Stripe's retry.
//! This is the inbound side only; forging Stripe's events (the sandbox's part) is
//! `crate::payments::sandbox`.

pub mod facts;

use serde::Deserialize;
use stripe_webhook::{Event, Webhook, WebhookError};

use crate::domain::money::AmountBounds;
use crate::services::ledger::{self, ObjectKey};
use crate::store::{LedgerTx, Store, StoreError, WebhookEvent, now};

/// What this server accepts of a verified event: its mode (a test-mode event on a live server is
/// kept, not applied) and the amounts it may count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestRules {
    pub live: bool,
    pub bounds: AmountBounds,
}

impl IngestRules {
    pub fn of(config: &crate::config::Config) -> IngestRules {
        IngestRules {
            live: config.payments.is_live(),
            bounds: AmountBounds::new(config.max_gift_major),
        }
    }
}

/// Why a delivery was refused (answered 400, nothing stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("missing Stripe-Signature header")]
    MissingSignature,
    #[error("malformed Stripe-Signature header")]
    MalformedSignature,
    #[error("no signature matches a configured webhook secret")]
    BadSignature,
    #[error("signature timestamp is outside the 300 second tolerance")]
    StaleTimestamp,
    #[error("body is not a Stripe event")]
    NotAnEvent,
}

/// A delivery whose signature checked out.
pub enum Verified {
    Event(Box<Event>),
    /// A signed event whose object did not parse (API version drift): kept raw, flagged.
    Unparsed(Envelope, String),
}

/// The fields every event has, read without the typed object.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created: i64,
    pub livemode: bool,
}

impl Envelope {
    /// The envelope of a stored event, as it was recorded.
    pub fn of(stored: &WebhookEvent) -> Envelope {
        Envelope {
            id: stored.id.clone(),
            event_type: stored.event_type.clone(),
            created: stored.created,
            livemode: stored.livemode,
        }
    }
}

/// Checks the signature with each configured secret (several during a rotation) at time `now`.
pub fn verify(
    payload: &str,
    signature: Option<&str>,
    secrets: &[String],
    now: i64,
) -> Result<Verified, Rejected> {
    let signature = signature.ok_or(Rejected::MissingSignature)?;
    let mut refusal = Rejected::BadSignature;
    for secret in secrets {
        match Webhook::construct_event_with_timestamp(payload, signature, secret, now) {
            Ok(event) => return Ok(Verified::Event(Box::new(event))),
            // async-stripe parses only after the signature and timestamp checked out.
            Err(WebhookError::BadParse(detail)) => {
                let envelope = serde_json::from_str::<Envelope>(payload)
                    .ok()
                    .filter(|e| e.id.starts_with("evt_") && !e.event_type.is_empty())
                    .ok_or(Rejected::NotAnEvent)?;
                return Ok(Verified::Unparsed(envelope, detail));
            }
            Err(WebhookError::BadTimestamp(_)) => return Err(Rejected::StaleTimestamp),
            Err(WebhookError::BadHeader(_)) => refusal = Rejected::MalformedSignature,
            Err(WebhookError::BadSignature) if !looks_like_signature(signature) => {
                refusal = Rejected::MalformedSignature
            }
            Err(_) => {}
        }
    }
    Err(refusal)
}

/// Reads an event fetched from Stripe's API with our key (the Events API), which carries no
/// signature: typed, or kept unparsed with its envelope when its object does not parse (an
/// older API version); `None` when it is not an event at all.
pub fn read_listed(raw: &str) -> Option<Verified> {
    match Webhook::insecure(raw) {
        Ok(e) => Some(Verified::Event(Box::new(e))),
        Err(WebhookError::BadParse(detail)) => serde_json::from_str::<Envelope>(raw)
            .ok()
            .map(|env| Verified::Unparsed(env, detail)),
        Err(_) => None,
    }
}

fn looks_like_signature(header: &str) -> bool {
    header.split(',').all(|p| p.split_once('=').is_some())
        && header.split(',').any(|p| p.starts_with("t="))
        && header.split(',').any(|p| p.starts_with("v1="))
}

/// What became of a verified event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Seen before: nothing changed.
    Duplicate,
    /// A type we don't handle, another mode (test vs live), or nothing of ours: kept, not applied.
    Ignored,
    /// Kept raw and flagged for staff; `donations webhooks reprocess` retries it.
    Unparsed,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::Unparsed => "unparsed",
        }
    }
}

/// Records a verified event and applies it, in one ledger transaction holding the event and
/// every object its facts name. Errors are the store's: the caller answers 5xx so that Stripe
/// delivers the event again.
pub async fn ingest(
    store: &dyn Store,
    payload: &str,
    verified: Verified,
    rules: &IngestRules,
) -> Result<Outcome, StoreError> {
    ingest_checked(store, payload, verified, rules, None).await
}

/// [`ingest`] of an event delivered to organization `org`'s endpoint: an event naming a
/// donation of another organization's campaign is recorded, not applied (outcome `ignored`,
/// logged): one organization's Stripe account cannot move another's donations.
pub async fn ingest_for(
    store: &dyn Store,
    payload: &str,
    verified: Verified,
    rules: &IngestRules,
    org: &str,
) -> Result<Outcome, StoreError> {
    let facts = match &verified {
        Verified::Event(event) => facts::from_event(event).unwrap_or_default(),
        Verified::Unparsed(..) => Vec::new(),
    };
    let mut foreign = None;
    for f in &facts {
        let Some(id) = f.object().1 else { continue };
        let Some(d) = store.donation(id).await? else {
            continue;
        };
        let owner = store.campaign_by_id(d.campaign_id).await?;
        if let Some(c) = owner.filter(|c| c.organization != org) {
            tracing::warn!(
                endpoint = org,
                donation = id,
                owner = %c.organization,
                "event names another organization's donation: recorded, not applied"
            );
            foreign = Some("names a donation of another organization; not applied");
            break;
        }
    }
    ingest_checked(store, payload, verified, rules, foreign).await
}

/// [`ingest`], recording the event as ignored for the reason `refuse` when there is one.
async fn ingest_checked(
    store: &dyn Store,
    payload: &str,
    verified: Verified,
    rules: &IngestRules,
    refuse: Option<&str>,
) -> Result<Outcome, StoreError> {
    let (env, event, detail) = match verified {
        Verified::Unparsed(env, detail) => (env, None, Some(detail)),
        Verified::Event(event) => (envelope(&event), Some(event), None),
    };
    // The facts are the event's alone: read once, before any lock is taken.
    let facts = event.as_deref().and_then(facts::from_event);
    let mut objects = vec![ObjectKey::Event(env.id.clone())];
    objects.extend(facts.as_deref().map(ledger::objects_of).unwrap_or_default());
    let (env, event, detail, facts) = (&env, &event, &detail, &facts);
    ledger::transact(store, &objects, |tx| {
        Box::pin(async move {
            let (outcome, why) = match (event, detail) {
                (None, detail) => (Outcome::Unparsed, detail.as_deref()),
                (Some(_), _) if env.livemode != rules.live => (
                    Outcome::Ignored,
                    Some(if env.livemode {
                        "live-mode event on a test-mode server"
                    } else {
                        "test-mode event on a live-mode server"
                    }),
                ),
                (Some(_), _) if refuse.is_some() => (Outcome::Ignored, refuse),
                (Some(_), _) => (Outcome::Applied, None),
            };
            if !tx.insert_event(&record(env, payload, outcome, why)).await? {
                return Ok(Outcome::Duplicate);
            }
            match outcome {
                Outcome::Unparsed => {
                    flag_unparsed(&mut **tx, env, why.unwrap_or_default()).await?;
                    Ok(Outcome::Unparsed)
                }
                Outcome::Applied => {
                    let bounds = &rules.bounds;
                    let recorded = Some(Outcome::Applied);
                    apply_event(&mut **tx, env, facts.as_deref(), bounds, None, recorded).await
                }
                other => Ok(other),
            }
        })
    })
    .await
}

/// The fields every event has, of a parsed event.
fn envelope(event: &Event) -> Envelope {
    Envelope {
        id: event.id.as_str().to_string(),
        event_type: event.type_.as_str().to_string(),
        created: event.created,
        livemode: event.livemode,
    }
}

/// Applies a recorded event's facts (`None`: a type the ledger does not handle) and sets its
/// outcome; `note` (how the event was recovered, when it was) is added to the outcome's detail.
/// `recorded` is the outcome the event's row already holds, when it was recorded in this
/// transaction as expected to apply: if so it is not written again.
pub(crate) async fn apply_event(
    tx: &mut dyn LedgerTx,
    env: &Envelope,
    facts: Option<&[ledger::Fact]>,
    bounds: &AmountBounds,
    note: Option<&str>,
    recorded: Option<Outcome>,
) -> Result<Outcome, StoreError> {
    let (outcome, detail) = match facts {
        None => (Outcome::Ignored, Some("event type not handled")),
        Some(facts) => {
            let applied = ledger::apply(tx, facts, env.created, bounds).await?;
            if applied.donations.is_empty() && applied.out_of_range > 0 {
                (
                    Outcome::Ignored,
                    Some("an amount is out of range (flagged for staff); not counted"),
                )
            } else if applied.donations.is_empty() && applied.unmatched > 0 {
                (Outcome::Ignored, Some("no donation of ours matches"))
            } else {
                (Outcome::Applied, None)
            }
        }
    };
    let detail = match (detail, note) {
        (Some(d), Some(n)) => Some(format!("{d}; {n}")),
        (d, n) => d.or(n).map(str::to_string),
    };
    if recorded == Some(outcome) && detail.is_none() {
        return Ok(outcome);
    }
    let applied_at = (outcome == Outcome::Applied).then(now);
    tx.set_event_outcome(&env.id, outcome.as_str(), detail.as_deref(), applied_at)
        .await?;
    Ok(outcome)
}

async fn flag_unparsed(
    tx: &mut dyn LedgerTx,
    env: &Envelope,
    detail: &str,
) -> Result<(), StoreError> {
    tx.flag(
        &format!("unparsed:{}", env.id),
        None,
        Some(&env.id),
        "unparsed_event",
        &format!(
            "{} event {} did not parse ({detail}); the reconcile pass fetches its object again \
             from Stripe (in the API version this server reads) and applies it. Check the \
             webhook endpoint's API version",
            env.event_type, env.id
        ),
    )
    .await
}

/// The row of an event as it arrives: one recorded as applied is dated applied now (its facts
/// are applied in the same transaction, which commits whole or not at all).
fn record(env: &Envelope, payload: &str, outcome: Outcome, detail: Option<&str>) -> WebhookEvent {
    let at = now();
    WebhookEvent {
        id: env.id.clone(),
        event_type: env.event_type.clone(),
        created: env.created,
        livemode: env.livemode,
        outcome: outcome.as_str().to_string(),
        detail: detail.map(str::to_string),
        payload: payload.to_string(),
        received_at: at,
        applied_at: (outcome == Outcome::Applied).then_some(at),
    }
}

/// Applies again every stored event that did not parse, for after an upgrade or an endpoint's
/// API version fix. Returns (applied, still unparsed).
pub async fn reprocess(
    store: &dyn Store,
    rules: &IngestRules,
) -> Result<(usize, usize), StoreError> {
    let server_live = rules.live;
    let mut done = 0;
    let mut left = 0;
    for stored in store.webhook_events_by_outcome("unparsed").await? {
        // The signature was checked when the event arrived; the raw body is what was signed.
        let Ok(event) = Webhook::insecure(&stored.payload) else {
            left += 1;
            continue;
        };
        let env = Envelope::of(&stored);
        let facts = facts::from_event(&event);
        let mut objects = vec![ObjectKey::Event(env.id.clone())];
        objects.extend(facts.as_deref().map(ledger::objects_of).unwrap_or_default());
        let (env, facts) = (&env, &facts);
        ledger::transact(store, &objects, |tx| {
            Box::pin(async move {
                if env.livemode != server_live {
                    tx.set_event_outcome(&env.id, "ignored", Some("other mode"), None)
                        .await
                } else {
                    apply_event(&mut **tx, env, facts.as_deref(), &rules.bounds, None, None)
                        .await
                        .map(drop)
                }
            })
        })
        .await?;
        done += 1;
    }
    Ok((done, left))
}
