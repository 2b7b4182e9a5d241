//! Public campaign progress and donor wall, and the staff campaign routes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, AppResult, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use super::public_reads::ProgressBody;
use super::staff_api::{parse_limit, public_campaign_or_404};
use crate::services::campaign_admin::{CampaignPatch, CampaignView, NewCampaign, ProgressView};
use crate::services::reporting::{DonorWallEntry, wall_entry};
use crate::store::now;

/// `GET /api/v1/campaigns/{slug}`: one indexed read of the campaign and its aggregate (or, most
/// of the time, the answer to the last one, kept in `public_reads`), with a short cache
/// lifetime and an ETag so that polling progress bars mostly get 304s.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{slug}",
    tag = "public",
    params(
        ("slug" = String, Path, description = "The campaign's slug"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The campaign's progress (with an ETag)", body = ProgressView),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub async fn progress(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let changes = state.store.changes();
    let at = Instant::now();
    let cached = state.public_reads.progress.get(&slug, changes, at);
    let answer = match cached {
        Some(hit) => hit,
        None => {
            let (campaign, progress) = state
                .store
                .campaign_progress(&slug)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))?;
            let now = now();
            let body = etagged(&ProgressView::new(&campaign, &progress, now))?;
            state.public_reads.progress.put(
                &campaign,
                campaign.slug.clone(),
                body,
                changes,
                at,
                now,
            )
        }
    };
    Ok(progress_response(&answer, &headers))
}

/// A JSON answer with the ETag of its bytes (a campaign's progress, a supporter's page's).
pub(crate) fn etagged(value: &impl Serialize) -> AppResult<ProgressBody> {
    let json = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.to_string()))?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&json))[..32]);
    let etag = HeaderValue::from_str(&etag).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ProgressBody {
        json: json.into(),
        etag,
    })
}

/// The progress answer, or `304` when the client's `If-None-Match` names its ETag.
pub(crate) fn progress_response(answer: &ProgressBody, headers: &HeaderMap) -> Response {
    let etag = answer.etag.to_str().unwrap_or_default();
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
            answer.json.clone(),
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, answer.etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    response
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DonorsQuery {
    /// How many, newest first: 1 to 100, default 20.
    limit: Option<String>,
}

/// A campaign's public donor wall.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DonorWall {
    pub donors: Vec<DonorWallEntry>,
}

/// `GET /api/v1/campaigns/{slug}/donors`: recent gifts that count toward the goal, newest first,
/// with first names only ("Anonymous" for donors who asked) and never an email.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{slug}/donors",
    tag = "public",
    params(("slug" = String, Path, description = "The campaign's slug"), DonorsQuery),
    responses(
        (status = 200, description = "Recent counted gifts; amounts are left out when the \
            campaign hides them", body = DonorWall),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "`limit` is invalid", body = ErrorBody),
    )
)]
pub async fn donors(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<DonorsQuery>,
) -> AppResult<Response> {
    let limit = parse_limit(q.limit.as_deref(), 20, 100).map_err(|e| AppError::Invalid(vec![e]))?;
    let campaign = public_campaign_or_404(&state, &slug).await?;
    let donors = state
        .store
        .counted_donations(campaign.id, limit)
        .await?
        .iter()
        .map(|d| wall_entry(d, campaign.hide_amounts))
        .collect();
    let mut response = Json(DonorWall { donors }).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    Ok(response)
}

#[utoipa::path(
    post,
    path = "/api/v1/staff/campaigns",
    tag = "staff",
    request_body = NewCampaign,
    security(("staff_token" = [])),
    responses(
        (status = 201, description = "Created", body = CampaignView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 403, description = "Only an admin may create campaigns", body = ErrorBody),
        (status = 409, description = "The slug is taken", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewCampaign>,
) -> AppResult<(StatusCode, Json<CampaignView>)> {
    staff.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    let fields = body.parse(&state.config).map_err(AppError::Invalid)?;
    let campaign = state
        .store
        .create_campaign_in(&staff.organization, &fields, &body.options(&state.config))
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

#[utoipa::path(
    patch,
    path = "/api/v1/staff/campaigns/{slug}",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug")),
    request_body = CampaignPatch,
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Updated", body = CampaignView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 403, description = "Only an admin may edit campaigns", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<CampaignPatch>,
) -> AppResult<Json<CampaignView>> {
    staff.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    // Another organization's campaign is not found (nor changed).
    super::staff_api::campaign_or_404(&state, &staff.organization, &slug).await?;
    let campaign =
        crate::services::campaign_admin::change(state.store.as_ref(), &state.config, &slug, &patch)
            .await
            .map_err(|e| match e {
                crate::services::campaign_admin::ChangeError::NotFound => {
                    AppError::NotFound(format!("no campaign {slug:?}"))
                }
                crate::services::campaign_admin::ChangeError::Invalid(errors) => {
                    AppError::Invalid(errors)
                }
                crate::services::campaign_admin::ChangeError::Store(e) => e.into(),
            })?;
    tracing::info!(staff = %staff.name, slug = %campaign.slug, "campaign updated");
    Ok(Json(CampaignView::from(&campaign)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignList {
    pub campaigns: Vec<CampaignView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/campaigns",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Every campaign, oldest first", body = CampaignList),
        (status = 401, description = "No valid staff token", body = ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, staff: Staff) -> AppResult<Json<CampaignList>> {
    let campaigns = state
        .store
        .campaigns()
        .await?
        .iter()
        .filter(|c| c.organization == staff.organization)
        .map(CampaignView::from)
        .collect();
    Ok(Json(CampaignList { campaigns }))
}
