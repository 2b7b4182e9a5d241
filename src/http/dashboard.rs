//! The staff dashboard (`/dashboard`): sign in with a staff token for a server-side session in an
//! HttpOnly, SameSite=Strict cookie; every form carries the session's CSRF token. Per campaign:
//! progress, the summary figures, a chart of the daily raised series, recent donations with
//! filters and a CSV download, offline gifts (record, void), flags; campaign create and edit.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::{AppError, AppResult, FieldError};
use super::staff::campaign_or_404;
use super::web::{ProgressBar, frequency_label, html, money, render};
use crate::domain::contribution::Frequency;
use crate::services::campaign_admin::{CampaignPatch, MajorAmount, NewCampaign, format_time};
use crate::services::checkout::campaign_fee;
use crate::services::offline_gifts::{self, OfflineDonorInput, OfflineGiftError, OfflineGiftInput};
use crate::services::reporting::{DONATION_STATUSES, format_day, parse_bound, summarize};
use crate::services::staff_tokens::{hash_token, well_formed};
use crate::store::{Campaign, DonationFilter, StaffSession, StoreError, now};

pub const COOKIE: &str = "donations_session";
/// The sign-in form's CSRF cookie (double submit: the form's hidden field must match it).
pub const LOGIN_COOKIE: &str = "donations_login";
/// How long a dashboard session lasts.
pub const SESSION_SECS: i64 = 8 * 3600;
/// Rows of the recent donations table.
const TABLE_ROWS: i64 = 50;

type FormMap = HashMap<String, String>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(index))
        .route("/dashboard/login", post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/campaigns", post(create_campaign))
        .route("/dashboard/campaigns/new", get(new_campaign))
        .route("/dashboard/campaigns/{slug}", get(campaign_page))
        .route(
            "/dashboard/campaigns/{slug}/edit",
            get(edit_campaign).post(update_campaign),
        )
        .route("/dashboard/campaigns/{slug}/donations.csv", get(csv))
        .route(
            "/dashboard/campaigns/{slug}/offline-gifts",
            post(add_offline_gift),
        )
        .route(
            "/dashboard/campaigns/{slug}/offline-gifts/{id}/void",
            post(void_offline_gift),
        )
}

/// The dashboard's CSP: our stylesheet, no script at all, never framed.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(status: StatusCode, body: String) -> Response {
    let mut r = html(status, body, CSP, true);
    r.headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

// ---- sessions ----

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A signed-in staff member: their session, and the hash of its id.
pub struct Session {
    pub id_hash: String,
    pub session: StaffSession,
}

async fn session(state: &AppState, headers: &HeaderMap) -> AppResult<Option<Session>> {
    let Some(id) = cookie_value(headers, COOKIE).filter(|v| v.len() == 64) else {
        return Ok(None);
    };
    let id_hash = hash_token(id);
    Ok(state
        .store
        .staff_session(&id_hash, now())
        .await?
        .map(|session| Session { id_hash, session }))
}

fn secure(state: &AppState) -> bool {
    state.config.public_base_url.starts_with("https://")
}

fn set_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    named_cookie(state, COOKIE, value, max_age)
}

fn named_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/dashboard; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session of a GET page, or the sign-in page.
async fn require(state: &AppState, headers: &HeaderMap) -> AppResult<Result<Session, Response>> {
    match session(state, headers).await? {
        Some(s) => Ok(Ok(s)),
        None => Ok(Err(login_page(state, StatusCode::OK, "", false)?)),
    }
}

/// The session of a form POST, checked against the form's CSRF token.
async fn require_post(
    state: &AppState,
    headers: &HeaderMap,
    form: &FormMap,
) -> AppResult<Result<Session, Response>> {
    let Some(s) = session(state, headers).await? else {
        return Ok(Err(login_page(
            state,
            StatusCode::UNAUTHORIZED,
            "Your session has ended; sign in again.",
            false,
        )?));
    };
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    let expected = s.session.csrf_token.as_bytes();
    if sent.len() != expected.len() || !bool::from(sent.as_bytes().ct_eq(expected)) {
        return Ok(Err(page(
            StatusCode::FORBIDDEN,
            "<!doctype html><title>Forbidden</title><p>This form has expired or did not come from \
             the dashboard (CSRF check failed). <a href=\"/dashboard\">Back to the dashboard</a></p>"
                .into(),
        )));
    }
    Ok(Ok(s))
}

#[derive(Template)]
#[template(path = "dashboard_login.html")]
struct LoginPage<'a> {
    error: &'a str,
    ended: bool,
    csrf: &'a str,
}

/// The sign-in form, with a fresh CSRF token in its hidden field and in a cookie.
fn login_page(
    state: &AppState,
    status: StatusCode,
    error: &str,
    ended: bool,
) -> AppResult<Response> {
    let csrf = random_hex();
    let mut r = page(
        status,
        render(&LoginPage {
            error,
            ended,
            csrf: &csrf,
        })?,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        named_cookie(state, LOGIN_COOKIE, &csrf, 3600),
    );
    Ok(r)
}

/// `POST /dashboard/login`: a staff token, checked as the API checks it, opens a session.
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    let expected = cookie_value(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.len() != 64 || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            "was not accepted: the sign-in form expired or did not come from this site. Please \
             try again.",
            false,
        );
    }
    let token = form.get("token").map(|t| t.trim()).unwrap_or("");
    let bad = || {
        login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            "is invalid or revoked.",
            false,
        )
    };
    if !well_formed(token) {
        return bad();
    }
    let hash = hash_token(token);
    let Some(t) = state.store.staff_token_by_hash(&hash).await? else {
        return bad();
    };
    if t.revoked_at.is_some() || !bool::from(t.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return bad();
    }
    let id = random_hex();
    state
        .store
        .create_staff_session(&hash_token(&id), t.id, &random_hex(), now() + SESSION_SECS)
        .await?;
    tracing::info!(staff = %t.name, "dashboard sign-in");
    let mut r = Redirect::to("/dashboard").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&state, &id, SESSION_SECS));
    r.headers_mut().append(
        header::SET_COOKIE,
        named_cookie(&state, LOGIN_COOKIE, "", 0),
    );
    Ok(r)
}

/// `POST /dashboard/logout`
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let s = match require_post(&state, &headers, &form).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    state.store.delete_staff_session(&s.id_hash).await?;
    let mut r = login_page(&state, StatusCode::OK, "", true)?;
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&state, "", 0));
    Ok(r)
}

// ---- the campaign list ----

struct CampaignRow {
    slug: String,
    name: String,
    status: String,
    progress: ProgressBar,
}

#[derive(Template)]
#[template(path = "dashboard_index.html")]
struct IndexPage {
    staff: String,
    csrf: String,
    campaigns: Vec<CampaignRow>,
}

/// `GET /dashboard`: the sign-in form, or every campaign's progress.
async fn index(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let s = match require(&state, &headers).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let mut campaigns = Vec::new();
    for c in state.store.campaigns().await? {
        if let Some((c, p)) = state.store.campaign_progress(&c.slug).await? {
            campaigns.push(CampaignRow {
                progress: ProgressBar::new(&c, p.raised_minor, p.donors),
                slug: c.slug,
                name: c.name,
                status: c.status,
            });
        }
    }
    Ok(page(
        StatusCode::OK,
        render(&IndexPage {
            staff: s.session.staff_name,
            csrf: s.session.csrf_token,
            campaigns,
        })?,
    ))
}

// ---- one campaign ----

struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    label: String,
}

struct Chart {
    width: i64,
    height: i64,
    left: i64,
    top: i64,
    base: i64,
    bars: Vec<Bar>,
    max_label: String,
    first: String,
    last: String,
    desc: String,
    days: Vec<(String, String)>,
}

/// Days shown at most: the latest ones.
const CHART_DAYS: i64 = 90;

/// A bar per UTC day from the first day with gifts to the last (at most [`CHART_DAYS`]), drawn
/// on the server: no script, and the same picture in every browser.
fn chart(daily: &[(i64, i64)], currency: &str) -> Chart {
    let (width, height, left, top, bottom) = (720i64, 220i64, 70i64, 10i64, 24i64);
    let base = height - bottom;
    let mut c = Chart {
        width,
        height,
        left,
        top,
        base,
        bars: Vec::new(),
        max_label: String::new(),
        first: String::new(),
        last: String::new(),
        desc: String::new(),
        days: Vec::new(),
    };
    let (Some(&(first_day, _)), Some(&(last_day, _))) = (daily.first(), daily.last()) else {
        return c;
    };
    let first_day = first_day.max(last_day - CHART_DAYS + 1);
    let shown: Vec<(i64, i64)> = daily
        .iter()
        .copied()
        .filter(|(d, _)| *d >= first_day)
        .collect();
    let max = shown.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let span = last_day - first_day + 1;
    let slot = (width - left) / span.max(1);
    let w = (slot * 4 / 5).clamp(1, 48);
    for (day, v) in &shown {
        let h = if *v <= 0 {
            0
        } else {
            ((v * (base - top)) / max).max(1)
        };
        let label = format!("{}: {}", format_day(*day), money(*v, currency));
        c.bars.push(Bar {
            x: left + (day - first_day) * slot + (slot - w) / 2,
            y: base - h,
            w,
            h,
            label,
        });
        c.days.push((format_day(*day), money(*v, currency)));
    }
    c.max_label = money(max, currency);
    c.first = format_day(first_day);
    c.last = format_day(last_day);
    let total: i64 = shown.iter().map(|(_, v)| v).sum();
    c.desc = format!(
        "{} days with gifts from {} to {}, {} in all; the most in one day {}.",
        shown.len(),
        c.first,
        c.last,
        money(total, currency),
        c.max_label
    );
    c
}

#[derive(Default)]
struct FilterValues {
    status: String,
    frequency: String,
    from: String,
    to: String,
}

#[derive(Default)]
struct FilterErrors {
    status: String,
    frequency: String,
    from: String,
    to: String,
}

struct DonationRow {
    id: String,
    date: String,
    donor: String,
    anonymous: bool,
    gift: String,
    fee: String,
    frequency: &'static str,
    status: String,
    extra: String,
    voidable: bool,
}

struct FlagRow {
    created_at: String,
    kind: String,
    reason: String,
    donation: String,
    resolved: String,
}

/// A form field as the dashboard templates draw it.
pub struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    hint: &'static str,
    error: String,
    options: Vec<String>,
}

fn field(name: &'static str, label: &'static str, kind: &'static str, value: String) -> Field {
    Field {
        name,
        label,
        kind,
        value,
        hint: "",
        error: String::new(),
        options: Vec::new(),
    }
}

fn attach_errors(fields: &mut [Field], errors: &BTreeMap<String, String>) -> String {
    let mut other = Vec::new();
    for (k, v) in errors {
        // API field names (`donor.name`) become form names (`donor_name`).
        let name = k.replace('.', "_");
        match fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.error.clone_from(v),
            None => other.push(format!("{k} {v}")),
        }
    }
    other.join("; ")
}

fn offline_fields(form: &FormMap, errors: &BTreeMap<String, String>) -> Vec<Field> {
    let v = |k: &str| form.get(k).cloned().unwrap_or_default();
    let today = format_day(crate::services::reporting::day_of(now()));
    let mut fields = vec![
        field("amount", "Amount", "text", v("amount")),
        field(
            "date",
            "Date of the gift",
            "date",
            form.get("date").cloned().unwrap_or(today),
        ),
        Field {
            options: vec!["check".into(), "cash".into(), "other".into()],
            ..field("method", "Method", "select", v("method"))
        },
        field(
            "donor_name",
            "Donor name (optional)",
            "text",
            v("donor_name"),
        ),
        field(
            "donor_email",
            "Donor email (optional)",
            "email",
            v("donor_email"),
        ),
        field("note", "Note for staff (optional)", "textarea", v("note")),
        field("anonymous", "Anonymous", "checkbox", v("anonymous")),
        // Checked on a new form; after an error, as the staff member left it.
        field(
            "email_receipt",
            "Email the donor a receipt",
            "checkbox",
            form.get("email_receipt").cloned().unwrap_or_else(|| {
                if form.is_empty() {
                    "true".into()
                } else {
                    String::new()
                }
            }),
        ),
    ];
    let other = attach_errors(&mut fields, errors);
    if !other.is_empty() {
        fields[0].error = other;
    }
    fields
}

#[derive(Template)]
#[template(path = "dashboard_campaign.html")]
struct CampaignPage {
    staff: String,
    csrf: String,
    slug: String,
    name: String,
    status: String,
    notice: String,
    progress: ProgressBar,
    figures: Vec<(&'static str, String)>,
    chart: Chart,
    statuses: Vec<String>,
    filter: FilterValues,
    filter_errors: FilterErrors,
    csv_query: String,
    donations: Vec<DonationRow>,
    offline_fields: Vec<Field>,
    flags: Vec<FlagRow>,
}

/// The donation filter of a query, with an error per bad field.
fn parse_filter(
    q: &HashMap<String, String>,
    campaign: &Campaign,
) -> (FilterValues, FilterErrors, Option<DonationFilter>) {
    let v = |k: &str| q.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let values = FilterValues {
        status: v("status"),
        frequency: v("frequency"),
        from: v("from"),
        to: v("to"),
    };
    let mut errors = FilterErrors::default();
    if !values.status.is_empty() && !DONATION_STATUSES.contains(&values.status.as_str()) {
        errors.status = "is not a status".into();
    }
    if !values.frequency.is_empty() && Frequency::parse(&values.frequency).is_none() {
        errors.frequency = "must be one time, monthly or annual".into();
    }
    let bound = |name: &str, v: &str, end: bool, out: &mut String| {
        if v.is_empty() {
            return None;
        }
        parse_bound(name, v, end).map_err(|e| *out = e.detail).ok()
    };
    let from = bound("from", &values.from, false, &mut errors.from);
    let to = bound("to", &values.to, true, &mut errors.to);
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        errors.to = "must be after from".into();
    }
    let ok = errors.status.is_empty()
        && errors.frequency.is_empty()
        && errors.from.is_empty()
        && errors.to.is_empty();
    let filter = ok.then(|| DonationFilter {
        campaign_id: Some(campaign.id),
        status: (!values.status.is_empty()).then(|| values.status.clone()),
        frequency: (!values.frequency.is_empty()).then(|| values.frequency.clone()),
        from,
        to,
    });
    (values, errors, filter)
}

/// The filters as a query string (without `?`), for the CSV link.
fn filter_query(f: &FilterValues) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", &f.status),
        ("frequency", &f.frequency),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

#[allow(clippy::too_many_arguments)]
async fn render_campaign(
    state: &AppState,
    s: &Session,
    campaign: &Campaign,
    query: &HashMap<String, String>,
    offline_form: &FormMap,
    offline_errors: &BTreeMap<String, String>,
    notice: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let (c, p) = state
        .store
        .campaign_progress(&campaign.slug)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    let records = state.store.campaign_records(c.id).await?;
    let sm = summarize(&c, &campaign_fee(&c, &state.config), &records);
    let cur = c.currency.as_str();
    let m = |v: i64| money(v, cur);
    let mut figures = vec![
        ("Raised (counts toward the goal)", m(sm.raised_minor)),
        ("Goal", m(sm.goal_minor)),
        ("Gross charged", m(sm.gross_minor)),
        ("Fees covered by donors", m(sm.covered_fees_minor)),
        ("Processing fees", m(sm.fees_minor)),
        ("Refunded", m(sm.refunded_minor)),
        ("Disputed", m(sm.disputed_minor)),
        ("Net (card payments)", m(sm.net_minor)),
        ("Payments", sm.payments.to_string()),
        ("Offline gifts", sm.offline_gifts.to_string()),
        ("Offline total", m(sm.offline_minor)),
        ("One-time raised", m(sm.by_frequency.one_time.raised_minor)),
        ("Monthly raised", m(sm.by_frequency.monthly.raised_minor)),
        ("Annual raised", m(sm.by_frequency.annual.raised_minor)),
        ("Active recurring plans", sm.recurring_active.to_string()),
        ("Recurring per month", m(sm.recurring_monthly_minor)),
    ];
    if sm.actual_fees_unknown > 0 {
        figures.push((
            "Payments whose fee is estimated",
            sm.actual_fees_unknown.to_string(),
        ));
    }
    let daily: Vec<(i64, i64)> = sm
        .daily
        .iter()
        .filter_map(|d| {
            crate::services::reporting::parse_date(&d.date)
                .map(|t| (crate::services::reporting::day_of(t), d.raised_minor))
        })
        .collect();

    let (filter_values, filter_errors, filter) = parse_filter(query, &c);
    let rows = match &filter {
        Some(f) => state.store.list_donations(f, None, TABLE_ROWS).await?,
        None => Vec::new(),
    };
    let donations = rows
        .iter()
        .map(|l| {
            let d = &l.donation;
            let mut extra = Vec::new();
            match (d.tribute_kind.as_deref(), d.tribute_honoree.as_deref()) {
                (Some("honor"), Some(h)) => extra.push(format!("In honor of {h}")),
                (Some("memory"), Some(h)) => extra.push(format!("In memory of {h}")),
                _ => {}
            }
            if let Some(c) = &d.comment {
                extra.push(format!("Comment: {c}"));
            }
            if let Some(m) = &d.offline_method {
                extra.push(format!("Offline ({m})"));
            }
            if let Some(n) = &d.note {
                extra.push(format!("Note: {n}"));
            }
            let donor = match (&d.donor_name, &d.donor_email) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (Some(n), None) => n.clone(),
                (None, Some(e)) => e.clone(),
                (None, None) => "—".into(),
            };
            DonationRow {
                id: d.id.clone(),
                date: format_time(d.gift_date.unwrap_or(d.created_at))[..10].to_string(),
                donor,
                anonymous: d.anonymous,
                gift: money(d.gift_minor, &d.currency),
                fee: money(d.fee_minor, &d.currency),
                frequency: frequency_label(&d.frequency),
                status: d.status.replace('_', " "),
                extra: extra.join(" · "),
                voidable: d.source == "offline" && d.voided_at.is_none(),
            }
        })
        .collect();
    let csv_query = filter_query(&filter_values);
    let flags = state
        .store
        .recent_flags(Some(c.id), 50)
        .await?
        .into_iter()
        .map(|l| FlagRow {
            created_at: format_time(l.flag.created_at),
            kind: l.flag.kind.replace('_', " "),
            reason: l.flag.detail,
            donation: l.flag.donation_id.unwrap_or_default(),
            resolved: l.flag.resolved_at.map(format_time).unwrap_or_default(),
        })
        .collect();
    let body = render(&CampaignPage {
        staff: s.session.staff_name.clone(),
        csrf: s.session.csrf_token.clone(),
        slug: c.slug.clone(),
        name: c.name.clone(),
        status: c.status.clone(),
        notice: notice.to_string(),
        progress: ProgressBar::new(&c, p.raised_minor, p.donors),
        figures,
        chart: chart(&daily, cur),
        statuses: DONATION_STATUSES.iter().map(|s| s.to_string()).collect(),
        filter: filter_values,
        filter_errors,
        csv_query: if csv_query.is_empty() {
            String::new()
        } else {
            format!("?{csv_query}")
        },
        donations,
        offline_fields: offline_fields(offline_form, offline_errors),
        flags,
    })?;
    Ok(page(status, body))
}

/// `GET /dashboard/campaigns/{slug}?status=&frequency=&from=&to=`
async fn campaign_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let s = match require(&state, &headers).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let c = campaign_or_404(&state, &slug).await?;
    let notice = match q.get("done").map(String::as_str) {
        Some("offline") => "Offline gift recorded.",
        Some("void") => "Offline gift voided.",
        Some("saved") => "Campaign saved.",
        Some("created") => "Campaign created.",
        _ => "",
    };
    render_campaign(
        &state,
        &s,
        &c,
        &q,
        &FormMap::new(),
        &BTreeMap::new(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// `GET /dashboard/campaigns/{slug}/donations.csv`: the staff CSV download, with the session.
async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    if session(&state, &headers).await?.is_none() {
        return Err(AppError::Unauthorized("sign in to the dashboard".into()));
    }
    let c = campaign_or_404(&state, &slug).await?;
    match parse_filter(&q, &c) {
        (_, _, Some(filter)) => Ok(super::staff::csv_download(
            state.store.clone(),
            filter,
            &c.slug,
        )),
        (_, e, None) => {
            let mut errors = Vec::new();
            for (k, v) in [
                ("status", e.status),
                ("frequency", e.frequency),
                ("from", e.from),
                ("to", e.to),
            ] {
                if !v.is_empty() {
                    errors.push(FieldError::new(k, v));
                }
            }
            Err(AppError::Invalid(errors))
        }
    }
}

fn by_field(errors: Vec<FieldError>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in errors {
        m.entry(e.field.unwrap_or_else(|| "other".into()))
            .or_insert(e.detail);
    }
    m
}

fn nonempty(form: &FormMap, k: &str) -> Option<String> {
    form.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `POST /dashboard/campaigns/{slug}/offline-gifts`
async fn add_offline_gift(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let s = match require_post(&state, &headers, &form).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let c = campaign_or_404(&state, &slug).await?;
    let name = nonempty(&form, "donor_name");
    let email = nonempty(&form, "donor_email");
    let input = OfflineGiftInput {
        amount: MajorAmount(form.get("amount").cloned().unwrap_or_default()),
        date: form.get("date").cloned().unwrap_or_default(),
        method: form.get("method").cloned().unwrap_or_default(),
        donor: (name.is_some() || email.is_some()).then_some(OfflineDonorInput { name, email }),
        note: nonempty(&form, "note"),
        anonymous: form.get("anonymous").is_some_and(|v| v == "true"),
        email_receipt: form.get("email_receipt").is_some_and(|v| v == "true"),
    };
    match offline_gifts::record(state.store.as_ref(), &c, &state.config, &input, now()).await {
        Ok(d) => {
            tracing::info!(staff = %s.session.staff_name, donation = %d.id, "offline gift recorded");
            Ok(
                Redirect::to(&format!("/dashboard/campaigns/{}?done=offline", c.slug))
                    .into_response(),
            )
        }
        Err(OfflineGiftError::Invalid(errors)) => {
            render_campaign(
                &state,
                &s,
                &c,
                &HashMap::new(),
                &form,
                &by_field(errors),
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /dashboard/campaigns/{slug}/offline-gifts/{id}/void`
async fn void_offline_gift(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let s = match require_post(&state, &headers, &form).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let c = campaign_or_404(&state, &slug).await?;
    match offline_gifts::void(state.store.as_ref(), &c, &id, now()).await {
        Ok(_) | Err(OfflineGiftError::AlreadyVoid(_)) => {
            tracing::info!(staff = %s.session.staff_name, donation = %id, "offline gift voided");
            Ok(Redirect::to(&format!("/dashboard/campaigns/{}?done=void", c.slug)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- campaign create and edit ----

#[derive(Template)]
#[template(path = "dashboard_campaign_form.html")]
struct CampaignFormPage {
    staff: String,
    csrf: String,
    creating: bool,
    action: String,
    f: FormTitle,
    fields: Vec<Field>,
    errors: BTreeMap<String, String>,
    other_error: String,
}

struct FormTitle {
    name: String,
}

/// A stored time as the date input shows it; the end is the last day included.
fn date_of(t: Option<i64>, is_end: bool) -> String {
    t.map(|t| format_time(if is_end { t - 1 } else { t })[..10].to_string())
        .unwrap_or_default()
}

/// A date input's value as the API's time: the start at its midnight UTC, the end at the next.
fn time_of(v: Option<String>, is_end: bool) -> Result<Option<String>, String> {
    match v {
        None => Ok(None),
        Some(v) => match crate::services::reporting::parse_date(&v) {
            Some(t) => {
                let t = if is_end { t + 86_400 } else { t };
                if crate::domain::time::accepted(t) {
                    Ok(Some(format_time(t)))
                } else {
                    Err(crate::domain::time::RANGE_DETAIL.into())
                }
            }
            None => Err("must be a date such as 2026-12-31".into()),
        },
    }
}

fn campaign_fields(form: &FormMap, creating: bool) -> Vec<Field> {
    let v = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut fields = Vec::new();
    if creating {
        fields.push(Field {
            hint: "Lowercase letters, digits and dashes; the page is /donate/SLUG.",
            ..field("slug", "Slug", "text", v("slug"))
        });
    }
    fields.push(field("name", "Name", "text", v("name")));
    fields.push(field(
        "description",
        "Description",
        "textarea",
        v("description"),
    ));
    fields.push(Field {
        hint: "In major units, e.g. 100000.",
        ..field("goal", "Goal", "text", v("goal"))
    });
    if creating {
        fields.push(Field {
            hint: "A three-letter code; usd when empty.",
            ..field("currency", "Currency", "text", v("currency"))
        });
    }
    fields.push(field(
        "starts_at",
        "Starts on (optional)",
        "date",
        v("starts_at"),
    ));
    fields.push(Field {
        hint: "The last day gifts are taken (UTC).",
        ..field("ends_at", "Ends after (optional)", "date", v("ends_at"))
    });
    fields.push(Field {
        hint: "The percent part of the processing fee, e.g. 2.9.",
        ..field("fee_percent", "Fee percent", "text", v("fee_percent"))
    });
    fields.push(Field {
        hint: "The fixed part in minor units (cents), e.g. 30.",
        ..field(
            "fee_fixed_minor",
            "Fixed fee",
            "number",
            v("fee_fixed_minor"),
        )
    });
    fields.push(Field {
        options: vec!["active".into(), "closed".into()],
        ..field("status", "Status", "select", v("status"))
    });
    fields.push(field(
        "hide_amounts",
        "Hide amounts on the donor wall",
        "checkbox",
        v("hide_amounts"),
    ));
    fields
}

fn form_of(c: &Campaign) -> FormMap {
    let mut f = FormMap::new();
    f.insert("name".into(), c.name.clone());
    f.insert("description".into(), c.description.clone());
    let cur = crate::domain::money::Currency::parse(&c.currency)
        .unwrap_or(crate::domain::money::Currency::USD);
    f.insert(
        "goal".into(),
        crate::domain::money::format_major(c.goal_minor, cur),
    );
    f.insert("starts_at".into(), date_of(c.starts_at, false));
    f.insert("ends_at".into(), date_of(c.ends_at, true));
    f.insert("fee_percent".into(), c.fee_percent.clone());
    f.insert("fee_fixed_minor".into(), c.fee_fixed_minor.to_string());
    f.insert("status".into(), c.status.clone());
    if c.hide_amounts {
        f.insert("hide_amounts".into(), "true".into());
    }
    f
}

#[allow(clippy::too_many_arguments)]
fn campaign_form_page(
    s: &Session,
    creating: bool,
    action: String,
    title: String,
    form: &FormMap,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let mut fields = campaign_fields(form, creating);
    let other_error = attach_errors(&mut fields, &errors);
    Ok(page(
        status,
        render(&CampaignFormPage {
            staff: s.session.staff_name.clone(),
            csrf: s.session.csrf_token.clone(),
            creating,
            action,
            f: FormTitle { name: title },
            fields,
            errors,
            other_error,
        })?,
    ))
}

async fn new_campaign(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let s = match require(&state, &headers).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let mut form = FormMap::new();
    form.insert("status".into(), "active".into());
    form.insert(
        "fee_percent".into(),
        state.config.default_fee.percent().to_string(),
    );
    form.insert(
        "fee_fixed_minor".into(),
        state.config.default_fee.fixed_minor().to_string(),
    );
    campaign_form_page(
        &s,
        true,
        "/dashboard/campaigns".into(),
        String::new(),
        &form,
        BTreeMap::new(),
        StatusCode::OK,
    )
}

/// Dates and the fixed fee as the API types take them, or errors by field.
struct Common {
    starts_at: Option<String>,
    ends_at: Option<String>,
    fee_fixed_minor: Option<i64>,
}

fn common(form: &FormMap, errors: &mut Vec<FieldError>) -> Common {
    let starts_at = time_of(nonempty(form, "starts_at"), false)
        .map_err(|e| errors.push(FieldError::new("starts_at", e)))
        .unwrap_or(None);
    let ends_at = time_of(nonempty(form, "ends_at"), true)
        .map_err(|e| errors.push(FieldError::new("ends_at", e)))
        .unwrap_or(None);
    let fee_fixed_minor = match nonempty(form, "fee_fixed_minor") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "fee_fixed_minor",
                    "must be a whole number of minor units",
                ));
                None
            }
        },
    };
    Common {
        starts_at,
        ends_at,
        fee_fixed_minor,
    }
}

/// `POST /dashboard/campaigns`
async fn create_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let s = match require_post(&state, &headers, &form).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let mut errors = Vec::new();
    let cm = common(&form, &mut errors);
    let body = NewCampaign {
        slug: form.get("slug").cloned().unwrap_or_default(),
        name: form.get("name").cloned().unwrap_or_default(),
        description: form.get("description").cloned().unwrap_or_default(),
        goal: MajorAmount(form.get("goal").cloned().unwrap_or_default()),
        currency: nonempty(&form, "currency"),
        starts_at: cm.starts_at,
        ends_at: cm.ends_at,
        fee_percent: nonempty(&form, "fee_percent"),
        fee_fixed_minor: cm.fee_fixed_minor,
        status: nonempty(&form, "status"),
        success_url: None,
        cancel_url: None,
        hide_amounts: Some(form.get("hide_amounts").is_some_and(|v| v == "true")),
        // The default minimum gift ($1.00); staff change it through the API.
        min_gift_minor: None,
    };
    let fields = match body.parse(&state.config) {
        Ok(f) if errors.is_empty() => f,
        other => {
            if let Err(e) = other {
                errors.extend(e);
            }
            return campaign_form_page(
                &s,
                true,
                "/dashboard/campaigns".into(),
                String::new(),
                &form,
                by_field(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match state
        .store
        .create_campaign_with(&fields, &body.options())
        .await
    {
        Ok(c) => {
            tracing::info!(staff = %s.session.staff_name, slug = %c.slug, "campaign created");
            Ok(
                Redirect::to(&format!("/dashboard/campaigns/{}?done=created", c.slug))
                    .into_response(),
            )
        }
        Err(StoreError::Conflict(_)) => campaign_form_page(
            &s,
            true,
            "/dashboard/campaigns".into(),
            String::new(),
            &form,
            by_field(vec![FieldError::new("slug", "is already taken")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn edit_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let s = match require(&state, &headers).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let c = campaign_or_404(&state, &slug).await?;
    campaign_form_page(
        &s,
        false,
        format!("/dashboard/campaigns/{}/edit", c.slug),
        c.name.clone(),
        &form_of(&c),
        BTreeMap::new(),
        StatusCode::OK,
    )
}

/// `POST /dashboard/campaigns/{slug}/edit`: every field of the form replaces the campaign's.
async fn update_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let s = match require_post(&state, &headers, &form).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let current = campaign_or_404(&state, &slug).await?;
    let mut errors = Vec::new();
    let cm = common(&form, &mut errors);
    let patch = CampaignPatch {
        name: Some(form.get("name").cloned().unwrap_or_default()),
        description: Some(form.get("description").cloned().unwrap_or_default()),
        goal: Some(MajorAmount(form.get("goal").cloned().unwrap_or_default())),
        starts_at: Some(cm.starts_at),
        ends_at: Some(cm.ends_at),
        fee_percent: nonempty(&form, "fee_percent"),
        fee_fixed_minor: cm.fee_fixed_minor,
        status: nonempty(&form, "status"),
        hide_amounts: Some(form.get("hide_amounts").is_some_and(|v| v == "true")),
        ..CampaignPatch::default()
    };
    let fields = match patch.apply(&current, &state.config) {
        Ok(f) if errors.is_empty() => f,
        other => {
            if let Err(e) = other {
                errors.extend(e);
            }
            return campaign_form_page(
                &s,
                false,
                format!("/dashboard/campaigns/{}/edit", current.slug),
                current.name.clone(),
                &form,
                by_field(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let c = state
        .store
        .update_campaign(current.id, &fields, &patch.apply_options(&current))
        .await?;
    tracing::info!(staff = %s.session.staff_name, slug = %c.slug, "campaign updated");
    Ok(Redirect::to(&format!("/dashboard/campaigns/{}?done=saved", c.slug)).into_response())
}
