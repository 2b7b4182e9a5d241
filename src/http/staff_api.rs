//! Staff reporting routes: the donation list (JSON pages or a streamed CSV), a campaign's
//! summary, offline gifts, and the flags staff should look at.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, AppResult, ErrorBody, FieldError};
use super::extract::{ApiJson, ApiQuery};
use crate::domain::contribution::Frequency;
use crate::services::campaign_admin::format_time;
use crate::services::checkout::campaign_fees;
use crate::services::offline_gifts::{self, OfflineGiftInput};
use crate::services::reporting::{
    CampaignSummary, DONATION_STATUSES, DonationView, csv_chunk, cursor_of, decode_cursor,
    encode_cursor, parse_bound, summarize,
};
use crate::store::{Campaign, DonationCursor, DonationFilter, OutboxMessage, Store, now};

/// Rows per query while a CSV download streams.
const CSV_PAGE: i64 = 500;

/// `limit`: absent gives `default`; otherwise a whole number from 1 to `max`.
pub fn parse_limit(v: Option<&str>, default: i64, max: i64) -> Result<i64, FieldError> {
    match v.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                FieldError::new("limit", format!("must be a whole number from 1 to {max}"))
            }),
    }
}

pub use super::org_scope::{campaign_or_404, public_campaign_or_404};

/// A `campaign` filter parameter: its campaign, or a 422 naming the parameter.
async fn campaign_param(
    state: &AppState,
    org: &str,
    slug: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<Campaign>> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(slug) => {
            let found = state
                .store
                .campaign_by_slug(slug)
                .await?
                .filter(|c| c.organization == org);
            if found.is_none() {
                errors.push(FieldError::new("campaign", "is not a campaign's slug"));
            }
            Ok(found)
        }
    }
}

/// A `fundraiser` filter parameter (a page's slug in the `campaign` given): the page's id, or
/// an error naming the parameter.
async fn fundraiser_param(
    state: &AppState,
    campaign: Option<&Campaign>,
    slug: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<String>> {
    let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some(c) = campaign else {
        errors.push(FieldError::new(
            "fundraiser",
            "needs the campaign parameter",
        ));
        return Ok(None);
    };
    let found = state.store.fundraiser_by_slug(c.id, slug).await?;
    if found.is_none() {
        errors.push(FieldError::new(
            "fundraiser",
            "is not a supporter page of the campaign",
        ));
    }
    Ok(found.map(|f| f.id))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DonationsQuery {
    /// Only this campaign's donations (its slug).
    campaign: Option<String>,
    /// Only donations with this status (`succeeded`, `refunded`, `active`, `voided`, ...).
    status: Option<String>,
    /// `one_time`, `monthly` or `annual`.
    frequency: Option<String>,
    /// Created at or after: an RFC 3339 time, or a date (from its midnight UTC).
    from: Option<String>,
    /// Created before: an RFC 3339 time, or a date (through its end, UTC).
    to: Option<String>,
    /// Only gifts made on this supporter's page (its slug; with `campaign`).
    fundraiser: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Rows per page: 1 to 200, default 50.
    limit: Option<String>,
    /// `csv` for a CSV download of every matching row (like `Accept: text/csv`), or `json`.
    format: Option<String>,
}

/// A page of the staff donation list, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DonationPage {
    pub donations: Vec<DonationView>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

pub(crate) fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> Result<bool, FieldError> {
    match format.map(str::trim) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(FieldError::new("format", "must be csv or json")),
        None => Ok(headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|m| {
                m.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
            })),
    }
}

/// `GET /api/v1/staff/donations`: every donation, newest first, in pages or as one CSV.
#[utoipa::path(
    get,
    path = "/api/v1/staff/donations",
    tag = "staff",
    params(DonationsQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "A page of donations (JSON), or with `Accept: text/csv` or \
            `format=csv` every matching donation as a streamed CSV download with a header row; \
            text cells starting with = + - @ are prefixed with '",
            content((DonationPage = "application/json"), (String = "text/csv"))),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn donations(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<DonationsQuery>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let org = staff.organization.as_str();
    let campaign = campaign_param(&state, org, q.campaign.as_deref(), &mut errors).await?;
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if status.is_some_and(|s| !DONATION_STATUSES.contains(&s)) {
        errors.push(FieldError::new(
            "status",
            format!("must be one of {}", DONATION_STATUSES.join(", ")),
        ));
    }
    let frequency = q
        .frequency
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if frequency.is_some_and(|f| Frequency::parse(f).is_none()) {
        errors.push(FieldError::new(
            "frequency",
            "must be one_time, monthly or annual",
        ));
    }
    let mut bound = |field: &str, v: Option<&str>, is_end: bool| match v
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => parse_bound(field, v, is_end)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let from = bound("from", q.from.as_deref(), false);
    let to = bound("to", q.to.as_deref(), true);
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        errors.push(FieldError::new("to", "must be after from"));
    }
    let fundraiser_id = fundraiser_param(
        &state,
        campaign.as_ref(),
        q.fundraiser.as_deref(),
        &mut errors,
    )
    .await?;
    let cursor = match q.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => decode_cursor(c).map_err(|e| errors.push(e)).ok(),
    };
    let limit = parse_limit(q.limit.as_deref(), 50, 200)
        .map_err(|e| errors.push(e))
        .unwrap_or(50);
    let csv = wants_csv(q.format.as_deref(), &headers)
        .map_err(|e| errors.push(e))
        .unwrap_or(false);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let filter = DonationFilter {
        campaign_id: campaign.as_ref().map(|c| c.id),
        status: status.map(str::to_string),
        frequency: frequency.map(str::to_string),
        from,
        to,
        fundraiser_id,
        organization: Some(staff.organization.clone()),
    };

    if csv {
        let name = campaign.as_ref().map_or("all", |c| c.slug.as_str());
        return Ok(csv_download(state.store.clone(), filter, name));
    }

    // One row more than asked tells whether another page follows.
    let mut rows = state
        .store
        .list_donations(&filter, cursor.as_ref(), limit + 1)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|l| encode_cursor(&l.donation)))
        .flatten();
    Ok(Json(DonationPage {
        donations: rows.iter().map(DonationView::from).collect(),
        next_cursor,
    })
    .into_response())
}

struct CsvPages {
    store: Arc<dyn Store>,
    filter: DonationFilter,
    cursor: Option<DonationCursor>,
    first: bool,
    done: bool,
}

type StreamError = Box<dyn std::error::Error + Send + Sync>;

/// Streams every row of `filter` as CSV, a page per chunk, so a large export is never held in
/// memory. A failure mid-stream ends the body early; the client sees a truncated download.
pub(crate) fn csv_download(store: Arc<dyn Store>, filter: DonationFilter, name: &str) -> Response {
    let pages = CsvPages {
        store,
        filter,
        cursor: None,
        first: true,
        done: false,
    };
    let stream = futures_util::stream::try_unfold(pages, |mut p| async move {
        if p.done {
            return Ok::<_, StreamError>(None);
        }
        let rows = p
            .store
            .list_donations(&p.filter, p.cursor.as_ref(), CSV_PAGE)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "CSV export failed"))?;
        p.done = (rows.len() as i64) < CSV_PAGE;
        p.cursor = rows.last().map(|l| cursor_of(&l.donation));
        let views: Vec<DonationView> = rows.iter().map(DonationView::from).collect();
        let chunk = csv_chunk(p.first, &views)?;
        p.first = false;
        Ok(Some((Bytes::from(chunk), p)))
    });
    // Slugs are [a-z0-9-]: safe inside the quoted filename.
    let disposition = format!("attachment; filename=\"donations-{name}.csv\"");
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/v1/staff/campaigns/{slug}/summary`: the campaign's money figures (see
/// [`CampaignSummary`] for how each is computed).
#[utoipa::path(
    get,
    path = "/api/v1/staff/campaigns/{slug}/summary",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The campaign's figures, in its currency's minor units",
            body = CampaignSummary),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub async fn summary(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> AppResult<Json<CampaignSummary>> {
    let campaign = campaign_or_404(&state, &staff.organization, &slug).await?;
    let records = state.store.campaign_records(campaign.id).await?;
    let rates = campaign_fees(&campaign, &state.config);
    Ok(Json(summarize(&campaign, &rates, &records)))
}

/// `POST /api/v1/staff/campaigns/{slug}/offline-gifts`: records a check, cash or other gift;
/// it counts toward the goal like any gift.
#[utoipa::path(
    post,
    path = "/api/v1/staff/campaigns/{slug}/offline-gifts",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug")),
    request_body = OfflineGiftInput,
    security(("staff_token" = [])),
    responses(
        (status = 201, description = "Recorded and counted", body = DonationView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn add_offline_gift(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<OfflineGiftInput>,
) -> AppResult<(StatusCode, Json<DonationView>)> {
    let campaign = campaign_or_404(&state, &staff.organization, &slug).await?;
    let d = offline_gifts::record(
        state.store.as_ref(),
        &campaign,
        &state.config,
        &input,
        now(),
    )
    .await?;
    tracing::info!(staff = %staff.name, donation = %d.id, amount = d.gift_minor, "offline gift recorded");
    Ok((
        StatusCode::CREATED,
        Json(DonationView::new(&campaign.slug, &d)),
    ))
}

/// `DELETE /api/v1/staff/campaigns/{slug}/offline-gifts/{id}`: voids an offline gift. It is
/// kept, marked void, and no longer counts.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/campaigns/{slug}/offline-gifts/{id}",
    tag = "staff",
    params(
        ("slug" = String, Path, description = "The campaign's slug"),
        ("id" = String, Path, description = "The offline gift's donation id"),
    ),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Voided", body = DonationView),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such campaign, or no such offline gift in it",
            body = ErrorBody),
        (status = 409, description = "Already void", body = ErrorBody),
    )
)]
pub async fn void_offline_gift(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Json<DonationView>> {
    let campaign = campaign_or_404(&state, &staff.organization, &slug).await?;
    let d = offline_gifts::void(state.store.as_ref(), &campaign, &id, now()).await?;
    tracing::info!(staff = %staff.name, donation = %d.id, "offline gift voided");
    Ok(Json(DonationView::new(&campaign.slug, &d)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagsQuery {
    /// Only flags tied to this campaign's donations (its slug).
    campaign: Option<String>,
    /// How many, newest first: 1 to 500, default 100.
    limit: Option<String>,
}

/// Something staff should look at: an amount or currency mismatch, an event that did not
/// parse, a subscription that does not match its donation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    pub id: i64,
    /// `amount_mismatch`, `amount_out_of_range`, `unparsed_event`, `subscription_mismatch`.
    pub kind: String,
    pub reason: String,
    pub donation_id: Option<String>,
    /// The slug of the donation's campaign.
    pub campaign: Option<String>,
    pub event_id: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagList {
    pub flags: Vec<FlagView>,
}

/// `GET /api/v1/staff/flags`
#[utoipa::path(
    get,
    path = "/api/v1/staff/flags",
    tag = "staff",
    params(FlagsQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Flags, newest first", body = FlagList),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn flags(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> AppResult<Json<FlagList>> {
    let mut errors = Vec::new();
    let org = staff.organization.as_str();
    let campaign = campaign_param(&state, org, q.campaign.as_deref(), &mut errors).await?;
    let limit = parse_limit(q.limit.as_deref(), 100, 500)
        .map_err(|e| errors.push(e))
        .unwrap_or(100);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ours = super::org_scope::campaign_slugs(&state, org).await?;
    let flags = state
        .store
        .recent_flags(campaign.map(|c| c.id), limit)
        .await?
        .into_iter()
        .filter(|l| super::org_scope::sees(&ours, org, l.campaign_slug.as_deref()))
        .map(|l| FlagView {
            id: l.flag.id,
            kind: l.flag.kind,
            reason: l.flag.detail,
            donation_id: l.flag.donation_id,
            campaign: l.campaign_slug,
            event_id: l.flag.event_id,
            created_at: format_time(l.flag.created_at),
            resolved_at: l.flag.resolved_at.map(format_time),
        })
        .collect();
    Ok(Json(FlagList { flags }))
}

/// An email about a donation: queued with its cause, then sent, retried or given up on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmailView {
    pub id: i64,
    /// `receipt`, `tribute`, `payment_failed`, `plan_canceled` or `statement`.
    pub kind: String,
    pub recipient: String,
    /// `pending`, `sent` or `failed` (given up after its last attempt).
    pub status: String,
    pub attempts: i64,
    pub subject: Option<String>,
    pub last_error: Option<String>,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

impl From<OutboxMessage> for EmailView {
    fn from(m: OutboxMessage) -> Self {
        EmailView {
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            status: m.status,
            attempts: m.attempts,
            subject: m.subject,
            last_error: m.last_error,
            queued_at: format_time(m.created_at),
            sent_at: m.sent_at.map(format_time),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmailList {
    pub emails: Vec<EmailView>,
}

/// `GET /api/v1/staff/donations/{id}/emails`: what was sent about a donation, or why not.
#[utoipa::path(
    get,
    path = "/api/v1/staff/donations/{id}/emails",
    tag = "staff",
    params(("id" = String, Path, description = "The donation id")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The donation's emails, oldest first", body = EmailList),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such donation", body = ErrorBody),
    )
)]
pub async fn donation_emails(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Json<EmailList>> {
    super::org_scope::donation_or_404(&state, &staff.organization, &id).await?;
    let emails = state.store.outbox(Some(&id)).await?;
    Ok(Json(EmailList {
        emails: emails.into_iter().map(EmailView::from).collect(),
    }))
}

/// `POST /api/v1/staff/emails/{id}/resend`: sends an email again (a donor lost a receipt, or
/// a message was given up on during a mail outage); the worker sends it within its interval.
#[utoipa::path(
    post,
    path = "/api/v1/staff/emails/{id}/resend",
    tag = "staff",
    params(("id" = i64, Path, description = "The email's id")),
    security(("staff_token" = [])),
    responses(
        (status = 202, description = "Queued to be sent again", body = EmailView),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such email", body = ErrorBody),
        (status = 409, description = "It is still waiting to be sent", body = ErrorBody),
    )
)]
pub async fn resend_email(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<EmailView>)> {
    let not_found = || AppError::NotFound("no such email".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let message = state.store.message(id).await?.ok_or_else(not_found)?;
    // An email about another organization's gift is not found; one of no gift (a staff
    // sign-in, a supporter's page) is the default organization's to resend.
    match &message.donation_id {
        Some(d) => {
            super::org_scope::donation_or_404(&state, &staff.organization, d)
                .await
                .map_err(|_| not_found())?;
        }
        None if staff.organization != crate::domain::organization::DEFAULT_ORG => {
            return Err(not_found());
        }
        None => {}
    }
    if !state.store.requeue_message(id, now()).await? {
        return Err(AppError::Conflict(
            "this email is still waiting to be sent".into(),
        ));
    }
    let m = state.store.message(id).await?.ok_or_else(not_found)?;
    tracing::info!(staff = %staff.name, email = id, kind = %m.kind, "email queued again");
    Ok((StatusCode::ACCEPTED, Json(EmailView::from(m))))
}
