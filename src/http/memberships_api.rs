//! Members over the staff API: `GET /api/v1/staff/memberships`, every donor who pays a
//! membership campaign's dues, active or lapsed, in pages or as one CSV download. The records
//! are the ledger's (`services::ledger::membership`); their views `services::membership_report`.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, AppResult, ErrorBody};
use super::extract::ApiQuery;
use super::staff_api::{parse_limit, wants_csv};
use crate::services::membership_report::{
    MembershipView, decode_cursor, encode_cursor, membership_csv, parse_status,
};
use crate::store::{MembershipFilter, Store, now};

/// Rows per query while a CSV download streams.
const CSV_PAGE: i64 = 500;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembershipsQuery {
    /// `active` (paid through now or later) or `lapsed`; all when absent.
    status: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Rows per page: 1 to 500, default 100.
    limit: Option<String>,
    /// `csv` for a CSV download of every matching member (like `Accept: text/csv`), or `json`.
    format: Option<String>,
}

/// A page of members, by email.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MembershipPage {
    pub memberships: Vec<MembershipView>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/staff/memberships`
#[utoipa::path(
    get,
    path = "/api/v1/staff/memberships",
    tag = "staff",
    params(MembershipsQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "A page of members by email (JSON), or with `Accept: \
            text/csv` or `format=csv` every matching member as a CSV download with a header row",
            content((MembershipPage = "application/json"), (String = "text/csv"))),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn memberships(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<MembershipsQuery>,
) -> AppResult<Response> {
    let at = now();
    let mut errors = Vec::new();
    let filter = parse_status(q.status.as_deref(), at, &staff.organization)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let cursor = match q.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => decode_cursor(c).map_err(|e| errors.push(e)).ok(),
    };
    let limit = parse_limit(q.limit.as_deref(), 100, 500)
        .map_err(|e| errors.push(e))
        .unwrap_or(100);
    let csv = wants_csv(q.format.as_deref(), &headers)
        .map_err(|e| errors.push(e))
        .unwrap_or(false);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if csv {
        return Ok(csv_download(state.store.clone(), filter));
    }
    let mut rows = state
        .store
        .memberships(&filter, cursor.as_deref(), limit + 1)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(encode_cursor)).flatten();
    Ok(Json(MembershipPage {
        memberships: rows.iter().map(|m| MembershipView::new(m, at)).collect(),
        next_cursor,
    })
    .into_response())
}

type StreamError = Box<dyn std::error::Error + Send + Sync>;

/// Streams every member of `filter` as CSV, a page per chunk (`memberships.csv`); a failure
/// mid-stream ends the body early.
pub(crate) fn csv_download(store: Arc<dyn Store>, filter: MembershipFilter) -> Response {
    let pages = (store, None::<String>, true, false);
    let filter = Arc::new(filter);
    let stream = futures_util::stream::try_unfold(pages, move |(store, after, first, done)| {
        let filter = filter.clone();
        async move {
            if done {
                return Ok::<_, StreamError>(None);
            }
            let rows = store
                .memberships(&filter, after.as_deref(), CSV_PAGE)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "membership CSV export failed"))?;
            let done = (rows.len() as i64) < CSV_PAGE;
            let after = rows.last().map(|m| m.donor_key.clone());
            let views: Vec<MembershipView> = rows
                .iter()
                .map(|m| MembershipView::new(m, filter.at))
                .collect();
            let chunk = membership_csv(first, &views)?;
            Ok(Some((Bytes::from(chunk), (store, after, false, done))))
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"memberships.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
