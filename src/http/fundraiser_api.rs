//! Supporters' pages over JSON (`services::fundraisers`). Public: start a page, a campaign's
//! top pages, and one page's progress (kept in memory and answered with an ETag like the
//! campaign's, `public_reads`). Staff: a campaign's pages with their owners and review, approve
//! or hide a page, and the campaign's policy (`review`, `open` or `off`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::time::Instant;

use super::AppState;
use super::auth::Staff;
use super::campaign_api::{etagged, progress_response};
use super::error::{AppError, AppResult, ErrorBody};
use super::extract::{ApiJson, ApiQuery, RawBody, parse_json, require_json};
use super::limits::ClientIp;
use super::page_language::accept_language;
use super::staff_api::{campaign_or_404, parse_limit, public_campaign_or_404};
use crate::domain::contribution::{percent_of_goal, recurring_monthly_minor};
use crate::domain::fundraiser::{PagePolicy, Review, Standing};
use crate::domain::staff_access::Permission;
use crate::i18n::negotiate;
use crate::services::campaign_admin::format_time;
use crate::services::fundraisers::{self, FundraiserError, SignUpInput, share_url};
use crate::store::{Campaign, ListedFundraiser, now};

/// A supporter's page as anyone may see it (never its owner's address).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FundraiserView {
    /// The campaign's slug.
    pub campaign: String,
    pub slug: String,
    pub name: String,
    pub title: String,
    pub story: String,
    /// The page's address to share.
    pub url: String,
    pub currency: String,
    pub goal_minor: i64,
    pub raised_minor: i64,
    /// Percent of the page's goal raised, to two decimals.
    #[serde(with = "rust_decimal::serde::float")]
    #[schema(value_type = f64, example = 12.5)]
    pub percent: Decimal,
    pub donors: i64,
    pub gifts: i64,
    pub recurring_active: i64,
    pub recurring_monthly_minor: i64,
}

impl FundraiserView {
    pub fn new(c: &Campaign, l: &ListedFundraiser, public_base_url: &str) -> Self {
        let (f, p) = (&l.fundraiser, &l.progress);
        FundraiserView {
            campaign: c.slug.clone(),
            slug: f.slug.clone(),
            name: f.name.clone(),
            title: f.title.clone(),
            story: f.story.clone(),
            url: share_url(public_base_url, &c.slug, &f.slug),
            currency: c.currency.clone(),
            goal_minor: f.goal_minor,
            raised_minor: p.raised_minor,
            percent: percent_of_goal(p.raised_minor, f.goal_minor),
            donors: p.donors,
            gifts: p.gifts,
            recurring_active: p.recurring_active,
            recurring_monthly_minor: recurring_monthly_minor(p),
        }
    }
}

/// What a sign-up answers, whatever became of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignUpAnswer {
    pub detail: String,
}

/// `POST /api/v1/campaigns/{slug}/fundraisers`: a supporter starts a page. `202` whatever
/// became of it (the address is emailed a link to confirm the page, unless it was sent its
/// allowance of emails already), so the answer says nothing about the address.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{slug}/fundraisers",
    tag = "public",
    params(("slug" = String, Path, description = "The campaign's slug")),
    request_body = SignUpInput,
    responses(
        (status = 202, description = "A link to confirm and manage the page is emailed", body = SignUpAnswer),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No open campaign, or it takes no new pages", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<(StatusCode, Json<SignUpAnswer>)> {
    if let Err(spent) = state.limits.check_fundraiser_ip(ip).await {
        state.metrics.rate_limited("fundraiser_ip");
        return Err(spent.into());
    }
    require_json(&headers)?;
    let mut input: SignUpInput = parse_json(&body)?;
    // The supporter's language: the body's `language`, else the browser's, as one we have
    // messages for (the page's emails are written in it).
    let lang = negotiate::choose(input.language.as_deref(), accept_language(&headers));
    input.language = Some(lang.tag().to_string());
    let outcome = fundraisers::sign_up(
        state.store.as_ref(),
        &state.config.fundraisers,
        &slug,
        &input,
        now(),
    )
    .await?;
    tracing::info!(outcome = ?std::mem::discriminant(&outcome), "supporter page sign-up");
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpAnswer {
            detail: "a link to confirm and manage the page is emailed to the address given".into(),
        }),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// How many, most raised first: 1 to 100, default 10.
    limit: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FundraiserList {
    pub fundraisers: Vec<FundraiserView>,
}

/// `GET /api/v1/campaigns/{slug}/fundraisers`: the campaign's public pages, most raised first.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{slug}/fundraisers",
    tag = "public",
    params(("slug" = String, Path, description = "The campaign's slug"), TopQuery),
    responses(
        (status = 200, description = "Public supporters' pages, most raised first", body = FundraiserList),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "`limit` is invalid", body = ErrorBody),
    )
)]
pub async fn top(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<TopQuery>,
) -> AppResult<Json<FundraiserList>> {
    let limit = parse_limit(q.limit.as_deref(), 10, 100).map_err(|e| AppError::Invalid(vec![e]))?;
    let c = public_campaign_or_404(&state, &slug).await?;
    let base = &state.config.public_base_url;
    let fundraisers = fundraisers::top_pages(state.store.as_ref(), &c, limit)
        .await?
        .iter()
        .map(|l| FundraiserView::new(&c, l, base))
        .collect();
    Ok(Json(FundraiserList { fundraisers }))
}

/// `GET /api/v1/campaigns/{slug}/fundraisers/{fundraiser}`: a public page's progress, kept in
/// memory like the campaign's, with an ETag.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{slug}/fundraisers/{fundraiser}",
    tag = "public",
    params(
        ("slug" = String, Path, description = "The campaign's slug"),
        ("fundraiser" = String, Path, description = "The page's slug"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The page's progress toward its own goal (with an ETag)", body = FundraiserView),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "No such public page", body = ErrorBody),
    )
)]
pub async fn progress(
    State(state): State<AppState>,
    Path((slug, page)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = format!("{slug}/f/{page}");
    let changes = state.store.changes();
    let at = Instant::now();
    let answer = match state.public_reads.progress.get(&key, changes, at) {
        Some(hit) => hit,
        None => {
            let shown = fundraisers::public_page(state.store.as_ref(), &slug, &page).await?;
            let view =
                FundraiserView::new(&shown.campaign, &shown.page, &state.config.public_base_url);
            let body = etagged(&view)?;
            state
                .public_reads
                .progress
                .put(&shown.campaign, key, body, changes, at, now())
        }
    };
    Ok(progress_response(&answer, &headers))
}

// ---- staff ----

/// A page as staff see it: its owner's address, review and standing, and its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffFundraiserView {
    pub id: String,
    #[serde(flatten)]
    pub page: FundraiserView,
    pub owner_email: String,
    pub review: Review,
    /// Where the page stands under the campaign's policy.
    pub standing: Standing,
    /// The owner changed the page since staff approved it.
    pub edited_since_review: bool,
    pub confirmed_at: Option<String>,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl StaffFundraiserView {
    pub fn new(c: &Campaign, l: &ListedFundraiser, policy: PagePolicy, base: &str) -> Self {
        let f = &l.fundraiser;
        StaffFundraiserView {
            id: f.id.clone(),
            page: FundraiserView::new(c, l, base),
            owner_email: f.owner_email.clone(),
            review: f.review,
            standing: f.standing(policy),
            edited_since_review: f.edited_since_review(),
            confirmed_at: f.confirmed_at.map(format_time),
            reviewed_at: f.reviewed_at.map(format_time),
            reviewed_by: f.reviewed_by.clone(),
            created_at: format_time(f.created_at),
            updated_at: format_time(f.updated_at),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffListQuery {
    /// Only pages under this review: `pending`, `approved` or `hidden`.
    review: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffFundraiserList {
    /// The campaign's policy for supporters' pages.
    pub pages: PagePolicy,
    /// Newest first.
    pub fundraisers: Vec<StaffFundraiserView>,
}

/// `GET /api/v1/staff/campaigns/{slug}/fundraisers`
#[utoipa::path(
    get,
    path = "/api/v1/staff/campaigns/{slug}/fundraisers",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug"), StaffListQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Every page of the campaign, newest first", body = StaffFundraiserList),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "`review` is invalid", body = ErrorBody),
    )
)]
pub async fn staff_list(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<StaffListQuery>,
) -> AppResult<Json<StaffFundraiserList>> {
    staff.require(Permission::Read)?;
    let review = match q.review.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(
            r.parse::<Review>()
                .map_err(|_| AppError::invalid("review", "must be pending, approved or hidden"))?,
        ),
    };
    let c = campaign_or_404(&state, &staff.organization, &slug).await?;
    let policy = state.store.page_policy(c.id).await?;
    let only = review.map(|r| [r]);
    let base = &state.config.public_base_url;
    let fundraisers = state
        .store
        .fundraisers_of(c.id, only.as_ref().map(|r| &r[..]))
        .await?
        .iter()
        .map(|l| StaffFundraiserView::new(&c, l, policy, base))
        .collect();
    Ok(Json(StaffFundraiserList {
        pages: policy,
        fundraisers,
    }))
}

/// Staff's decision about page `id`, answered with the page as it now is.
async fn decide(
    state: &AppState,
    staff: &Staff,
    id: &str,
    review: Review,
) -> AppResult<Json<StaffFundraiserView>> {
    staff.require(Permission::ReviewPages)?;
    // A page under another organization's campaign is not found, and not reviewed.
    let page = state
        .store
        .fundraiser(id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    let c = state
        .store
        .campaign_by_id(page.campaign_id)
        .await?
        .filter(|c| c.organization == staff.organization)
        .ok_or(FundraiserError::NotFound)?;
    let f = fundraisers::review(state.store.as_ref(), id, review, &staff.name, now()).await?;
    let listed = state
        .store
        .fundraiser_progress(&f.id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    let policy = state.store.page_policy(c.id).await?;
    Ok(Json(StaffFundraiserView::new(
        &c,
        &listed,
        policy,
        &state.config.public_base_url,
    )))
}

/// `POST /api/v1/staff/fundraisers/{id}/approve`
#[utoipa::path(
    post,
    path = "/api/v1/staff/fundraisers/{id}/approve",
    tag = "staff",
    params(("id" = String, Path, description = "The page's id (`fr_...`)")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Approved: public once its owner confirmed the address; the owner is emailed", body = StaffFundraiserView),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such page", body = ErrorBody),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Json<StaffFundraiserView>> {
    decide(&state, &staff, &id, Review::Approved).await
}

/// `POST /api/v1/staff/fundraisers/{id}/hide`
#[utoipa::path(
    post,
    path = "/api/v1/staff/fundraisers/{id}/hide",
    tag = "staff",
    params(("id" = String, Path, description = "The page's id (`fr_...`)")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Hidden: the page answers 404 and takes no gifts; its gifts still count", body = StaffFundraiserView),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such page", body = ErrorBody),
    )
)]
pub async fn hide(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Json<StaffFundraiserView>> {
    decide(&state, &staff, &id, Review::Hidden).await
}

/// A campaign's policy for supporters' pages.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fundraising {
    /// `review` (new pages are public once staff approve them; the default), `open` (public
    /// once their owner confirms the address) or `off` (no new pages).
    #[schema(value_type = String, example = "review")]
    pub pages: String,
}

/// `GET /api/v1/staff/campaigns/{slug}/fundraising`
#[utoipa::path(
    get,
    path = "/api/v1/staff/campaigns/{slug}/fundraising",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The campaign's policy", body = Fundraising),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub async fn policy(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> AppResult<Json<Fundraising>> {
    staff.require(Permission::Read)?;
    let c = campaign_or_404(&state, &staff.organization, &slug).await?;
    let pages = state.store.page_policy(c.id).await?;
    Ok(Json(Fundraising {
        pages: pages.as_str().into(),
    }))
}

/// `PUT /api/v1/staff/campaigns/{slug}/fundraising`
#[utoipa::path(
    put,
    path = "/api/v1/staff/campaigns/{slug}/fundraising",
    tag = "staff",
    params(("slug" = String, Path, description = "The campaign's slug")),
    request_body = Fundraising,
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Set", body = Fundraising),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 403, description = "Only an admin may change it", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "`pages` is invalid", body = ErrorBody),
    )
)]
pub async fn set_policy(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<Fundraising>,
) -> AppResult<Json<Fundraising>> {
    staff.require(Permission::ManageCampaigns)?;
    let pages: PagePolicy = body
        .pages
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("pages", "must be review, open or off"))?;
    let c = campaign_or_404(&state, &staff.organization, &slug).await?;
    state.store.set_page_policy(c.id, pages, now()).await?;
    tracing::info!(staff = %staff.name, slug = %c.slug, pages = pages.as_str(), "supporter page policy set");
    Ok(Json(Fundraising {
        pages: pages.as_str().into(),
    }))
}
