//! Public campaign progress and the staff campaign routes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, AppResult};
use super::extract::ApiJson;
use crate::campaigns::{CampaignPatch, CampaignView, NewCampaign, ProgressView};
use crate::store::now;

/// `GET /api/v1/campaigns/{slug}`: one indexed read of the campaign and its aggregate, with a
/// short cache lifetime and an ETag so that polling progress bars mostly get 304s.
pub async fn progress(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (campaign, progress) = state
        .store
        .campaign_progress(&slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))?;
    let body = serde_json::to_vec(&ProgressView::new(&campaign, &progress, now()))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| AppError::Internal(e.to_string()))?;
    let cache = HeaderValue::from_static("public, max-age=5");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                t.trim() == etag || t.trim() == "*" || t.trim().trim_start_matches("W/") == etag
            })
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    };
    response.headers_mut().insert(header::ETAG, etag_value);
    response.headers_mut().insert(header::CACHE_CONTROL, cache);
    Ok(response)
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewCampaign>,
) -> AppResult<(StatusCode, Json<CampaignView>)> {
    let fields = body.parse(&state.config).map_err(AppError::Invalid)?;
    let campaign = state
        .store
        .create_campaign(&fields)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => AppError::Conflict(format!(
                "a campaign with slug {:?} already exists",
                fields.slug
            )),
            e => e.into(),
        })?;
    tracing::info!(staff = %staff.name, slug = %campaign.slug, "campaign created");
    Ok((StatusCode::CREATED, Json(CampaignView::from(&campaign))))
}

pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<CampaignPatch>,
) -> AppResult<Json<CampaignView>> {
    let current = state
        .store
        .campaign_by_slug(&slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))?;
    let fields = patch
        .apply(&current, &state.config)
        .map_err(AppError::Invalid)?;
    let campaign = state.store.update_campaign(current.id, &fields).await?;
    tracing::info!(staff = %staff.name, slug = %campaign.slug, "campaign updated");
    Ok(Json(CampaignView::from(&campaign)))
}

pub async fn list(
    State(state): State<AppState>,
    _staff: Staff,
) -> AppResult<Json<serde_json::Value>> {
    let campaigns: Vec<CampaignView> = state
        .store
        .campaigns()
        .await?
        .iter()
        .map(CampaignView::from)
        .collect();
    Ok(Json(serde_json::json!({ "campaigns": campaigns })))
}
