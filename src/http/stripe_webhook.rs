//! `POST /webhooks/stripe` (the default organization's endpoint) and
//! `POST /webhooks/stripe/{org}` (another organization's, verified with its own secret):
//! verified over the raw body, then stored and applied in one transaction. Refused deliveries
//! answer 400; storage failures 503 so that Stripe retries. An event naming a donation of
//! another organization is recorded and not applied (`webhooks::ingest_for`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, AppResult, ErrorBody, FieldError};
use super::extract::RawBody;
use crate::store::now;
use crate::webhooks::{self, Verified};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookAck {
    pub received: bool,
    /// `applied`, `duplicate`, `ignored` or `unparsed`.
    pub outcome: &'static str,
}

#[utoipa::path(
    post,
    path = "/webhooks/stripe",
    tag = "stripe",
    params(("Stripe-Signature" = String, Header, description = "Stripe's signature of the body")),
    request_body(content = String, content_type = "application/json",
        description = "A Stripe event, exactly as Stripe sent it"),
    responses(
        (status = 200, description = "Stored (and applied when it is ours)", body = WebhookAck),
        (status = 400, description = "Refused: bad signature or not an event", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 503, description = "Not stored; Stripe retries", body = ErrorBody),
    )
)]
pub async fn stripe(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<Json<WebhookAck>> {
    receive(
        &state,
        crate::domain::organization::DEFAULT_ORG,
        &headers,
        &body,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/webhooks/stripe/{org}",
    tag = "stripe",
    params(
        ("org" = String, Path, description = "The organization's slug (of ORGANIZATIONS)"),
        ("Stripe-Signature" = String, Header, description = "Stripe's signature of the body"),
    ),
    request_body(content = String, content_type = "application/json",
        description = "A Stripe event of this organization's account, exactly as Stripe sent it"),
    responses(
        (status = 200, description = "Stored (and applied when it is this organization's)",
            body = WebhookAck),
        (status = 400, description = "Refused: bad signature or not an event", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 503, description = "Not stored; Stripe retries", body = ErrorBody),
    )
)]
pub async fn stripe_org(
    State(state): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<Json<WebhookAck>> {
    receive(&state, &org, &headers, &body).await
}

/// A delivery to organization `org`'s endpoint.
async fn receive(
    state: &AppState,
    org: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<Json<WebhookAck>> {
    let secrets = state
        .config
        .webhook_secrets_of(org)
        .ok_or_else(|| AppError::NotFound(format!("no organization {org:?}")))?;
    let payload = std::str::from_utf8(body)
        .map_err(|_| AppError::BadRequest(vec![FieldError::new("body", "body is not UTF-8")]))?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let verified = webhooks::verify(payload, signature, secrets, now()).map_err(|e| {
        state.metrics.webhook("unknown", "refused");
        tracing::warn!(reason = %e, "webhook refused");
        AppError::BadRequest(vec![FieldError::new("Stripe-Signature", e.to_string())])
    })?;
    let (id, kind) = match &verified {
        Verified::Event(e) => (e.id.as_str().to_string(), e.type_.as_str().to_string()),
        Verified::Unparsed(env, _) => (env.id.clone(), env.event_type.clone()),
    };
    let outcome = webhooks::ingest_for(
        state.store.as_ref(),
        payload,
        verified,
        &crate::webhooks::IngestRules::of(&state.config),
        org,
    )
    .await
    .map_err(|e| {
        state.metrics.webhook(&kind, "error");
        tracing::error!(event = %id, error = %e, "webhook not stored; Stripe will retry");
        AppError::Unavailable(e.to_string())
    })?;
    state.metrics.webhook(&kind, outcome.as_str());
    tracing::info!(event = %id, r#type = %kind, org, outcome = outcome.as_str(), "webhook");
    Ok(Json(WebhookAck {
        received: true,
        outcome: outcome.as_str(),
    }))
}
