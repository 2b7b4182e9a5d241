//! The donor's self-service page for a recurring gift, opened by the signed link in its receipts
//! (`/manage/{token}`): the plan, a Cancel form and an "Update card or amount" button that leads
//! to the payment provider's billing portal. The rules are in `crate::services::selfservice`; this module
//! only turns its answers into pages.
//!
//! The token is the donor's only credential and sits in the address, so these pages are never
//! stored, never indexed and never send a Referer; a bad or expired link does nothing and says
//! nothing about whether a gift exists.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::domain::manage_link::LinkError;
use crate::http::AppState;
use crate::http::donor::donation_page as web;
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::i18n::{Args, Lang, Tr, format};
use crate::services::selfservice::{self, Canceled, PlanState, SelfServiceError};
use crate::store::{Campaign, Donation};

/// No scripts; our stylesheet only; forms post here, and the portal button's redirect may go
/// on to Stripe's billing portal (browsers hold a form's redirects to `form-action`).
const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self' https://billing.stripe.com; \
                   base-uri 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/{token}", get(show))
        .route("/manage/{token}/cancel", post(cancel))
        .route("/manage/{token}/portal", post(portal))
}

/// A request path as it may be logged: a self-service link's token is the donor's credential, so
/// `/manage/<token>/cancel` is logged as `/manage/{token}/cancel` (and a supporter's
/// `/fundraisers/manage/<token>` likewise).
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/manage/", "/fundraisers/manage/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let action = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}{{token}}{action}").into();
        }
    }
    path.into()
}

pub struct Notice {
    pub text: String,
    pub ok: bool,
}

pub struct PlanView {
    pub recurring: bool,
    pub campaign: String,
    pub amount: String,
    pub fee_note: Option<String>,
    pub status: String,
    pub started: String,
    pub ended: Option<String>,
}

#[derive(Template)]
#[template(path = "manage.html")]
pub struct ManagePage {
    /// The plan's values (`amount`), for the cancel explanation.
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    pub sandbox: bool,
    pub heading: String,
    pub notice: Option<Notice>,
    pub plan: Option<PlanView>,
    pub can_manage: bool,
    pub portal_hint: String,
    /// `/manage/{token}`, where the forms post.
    pub action: String,
    /// `?lang=xx` for the page's links and forms, when the language was chosen.
    pub carry: String,
    pub campaign_slug: Option<String>,
    /// The link did not work: offer the form that emails a fresh one (`/manage`).
    pub ask_again: bool,
}

fn plan_status_text(lang: Lang, d: &Donation) -> String {
    let status = d.plan_status.as_deref().unwrap_or(d.status.as_str());
    let none = Args::new();
    match status {
        "active" | "trialing" => lang.msg("plan-status-active", &none),
        "past_due" | "unpaid" => lang.msg("plan-status-past-due", &none),
        "canceled" => lang.msg("plan-status-canceled", &none),
        "incomplete" | "pending" => lang.msg("plan-status-waiting", &none),
        "incomplete_expired" => lang.msg("plan-status-expired", &none),
        "paused" => lang.msg("plan-status-paused", &none),
        "succeeded" => lang.msg("plan-status-received", &none),
        other => lang.msg(
            "plan-status-other",
            &Args::new().text("status", other.replace('_', " ")),
        ),
    }
}

fn plan_view(lang: Lang, d: &Donation, c: &Campaign) -> PlanView {
    let args = Args::new()
        .text("amount", format::money(lang, d.total_minor, &d.currency))
        .text("gift", format::money(lang, d.gift_minor, &d.currency))
        .text("fee", format::money(lang, d.fee_minor, &d.currency))
        .word("frequency", d.frequency.as_str());
    PlanView {
        recurring: d.frequency.is_recurring(),
        campaign: c.name.clone(),
        amount: lang.msg("plan-amount", &args),
        fee_note: (d.fee_minor > 0).then(|| lang.msg("plan-fee-note", &args)),
        status: plan_status_text(lang, d),
        started: format::long_date(lang, d.created_at),
        ended: d
            .canceled_at
            .filter(|_| d.plan_status.as_deref() == Some("canceled"))
            .map(|t| format::long_date(lang, t)),
    }
}

/// The page for a gift, with `notice` on top.
fn gift_page(
    state: &AppState,
    language: &PageLanguage,
    token: &str,
    d: &Donation,
    c: &Campaign,
    notice: Option<Notice>,
) -> ManagePage {
    let lang = language.lang;
    let none = Args::new();
    let plan_state = selfservice::plan_state(d);
    let (heading, default_notice) = match plan_state {
        PlanState::OneTime => (
            lang.msg("manage-heading-gift", &none),
            Some(lang.msg("manage-one-time", &none)),
        ),
        PlanState::NotStarted => (
            lang.msg("manage-heading-recurring", &none),
            Some(lang.msg("manage-not-started", &none)),
        ),
        PlanState::Running => (lang.msg("manage-heading-running", &none), None),
        PlanState::Ended => (
            lang.msg("manage-heading-recurring", &none),
            Some(lang.msg("manage-ended", &none)),
        ),
    };
    let plan = plan_view(lang, d, c);
    ManagePage {
        tr: Tr::html(lang, Args::new().text("amount", &plan.amount)),
        languages: switcher(lang, &format!("/manage/{token}"), &[]),
        sandbox: state.config.payments.is_sandbox(),
        heading,
        notice: notice.or(default_notice.map(|text| Notice {
            text,
            ok: plan_state != PlanState::NotStarted,
        })),
        plan: Some(plan),
        can_manage: plan_state == PlanState::Running,
        portal_hint: if state.config.payments.is_sandbox() {
            lang.msg("manage-portal-hint-sandbox", &none)
        } else {
            lang.msg("manage-portal-hint", &none)
        },
        action: format!("/manage/{token}"),
        carry: language.carry('?'),
        campaign_slug: Some(c.slug.clone()),
        ask_again: false,
    }
}

/// A page with only a message (bad links, failures without a gift to show).
fn message_page(
    state: &AppState,
    language: &PageLanguage,
    heading: String,
    text: String,
) -> ManagePage {
    let lang = language.lang;
    ManagePage {
        tr: Tr::html(lang, Args::new()),
        // A bad link's page is the same whatever the link: it does not repeat it.
        languages: switcher(lang, "", &[]),
        sandbox: state.config.payments.is_sandbox(),
        heading,
        notice: Some(Notice { text, ok: false }),
        plan: None,
        can_manage: false,
        portal_hint: String::new(),
        action: String::new(),
        carry: language.carry('?'),
        campaign_slug: None,
        ask_again: false,
    }
}

/// Adds the headers every answer behind a link carries: the token is in the address.
pub(crate) fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    r
}

fn respond(status: StatusCode, page: &ManagePage) -> Response {
    let body = match page.render() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "manage page did not render");
            return private(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side; nothing was changed.",
                )
                    .into_response(),
            );
        }
    };
    private(web::html(status, body, CSP, true))
}

/// The page for an error; `shown` is the gift to show with it, if there is one.
fn failure(
    state: &AppState,
    language: &PageLanguage,
    token: &str,
    shown: Option<(&Donation, &Campaign)>,
    e: SelfServiceError,
) -> Response {
    // A page about a gift speaks the gift's language unless `?lang=` chose another.
    let language = language
        .clone()
        .or_chosen(shown.map(|(d, _)| d.language.as_str()));
    let lang = language.lang;
    let none = Args::new();
    let (status, heading, text) = match &e {
        SelfServiceError::Link(LinkError::Invalid) | SelfServiceError::Gone => (
            StatusCode::BAD_REQUEST,
            lang.msg("manage-invalid-heading", &none),
            lang.msg("manage-invalid", &none),
        ),
        SelfServiceError::Link(LinkError::Expired) => (
            StatusCode::GONE,
            lang.msg("manage-expired-heading", &none),
            lang.msg("manage-expired", &none),
        ),
        SelfServiceError::NoPlan(_) => (
            StatusCode::CONFLICT,
            lang.msg("manage-no-plan-heading", &none),
            lang.msg("manage-no-plan", &none),
        ),
        SelfServiceError::Gateway(cause) => {
            tracing::warn!(%cause, "payment provider failed during self-service");
            (
                StatusCode::BAD_GATEWAY,
                lang.msg("manage-try-again-heading", &none),
                lang.msg("manage-gateway-failed", &none),
            )
        }
        SelfServiceError::Store(cause) => {
            tracing::error!(%cause, "database failed during self-service");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                lang.msg("manage-try-again-heading", &none),
                lang.msg("manage-store-failed", &none),
            )
        }
    };
    let page = match shown {
        Some((d, c)) => {
            let notice = Notice { text, ok: false };
            let mut p = gift_page(state, &language, token, d, c, Some(notice));
            p.heading = heading;
            p
        }
        None => message_page(state, &language, heading, text),
    };
    let page = ManagePage {
        ask_again: matches!(e, SelfServiceError::Link(_) | SelfServiceError::Gone),
        ..page
    };
    respond(status, &page)
}

/// `GET /manage/{token}`
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    language: PageLanguage,
) -> Response {
    match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok((d, c)) => {
            let language = language.or_chosen(Some(&d.language));
            respond(
                StatusCode::OK,
                &gift_page(&state, &language, &token, &d, &c, None),
            )
        }
        Err(e) => failure(&state, &language, &token, None, e),
    }
}

/// `POST /manage/{token}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    language: PageLanguage,
) -> Response {
    let (d, c) = match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok(found) => found,
        Err(e) => return failure(&state, &language, &token, None, e),
    };
    let outcome = selfservice::cancel(
        state.store.as_ref(),
        state.gateway.as_ref(),
        &crate::webhooks::IngestRules::of(&state.config),
        &d,
    )
    .await;
    let chosen = language.clone().or_chosen(Some(&d.language));
    let none = Args::new();
    match outcome {
        Ok(Canceled::Now(after)) => {
            let notice = Notice {
                text: chosen.lang.msg("manage-canceled-now", &none),
                ok: true,
            };
            let mut page = gift_page(&state, &chosen, &token, &after, &c, Some(notice));
            page.heading = chosen.lang.msg("manage-canceled-heading", &none);
            respond(StatusCode::OK, &page)
        }
        Ok(Canceled::Already) => {
            let notice = Notice {
                text: chosen.lang.msg("manage-canceled-already", &none),
                ok: true,
            };
            respond(
                StatusCode::OK,
                &gift_page(&state, &chosen, &token, &d, &c, Some(notice)),
            )
        }
        Err(e) => failure(&state, &language, &token, Some((&d, &c)), e),
    }
}

/// `POST /manage/{token}/portal`: 303 to the provider's billing portal, which returns the donor
/// to this page.
pub async fn portal(
    State(state): State<AppState>,
    Path(token): Path<String>,
    language: PageLanguage,
) -> Response {
    let (d, c) = match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok(found) => found,
        Err(e) => return failure(&state, &language, &token, None, e),
    };
    let back = format!(
        "{}/manage/{token}{}",
        state.config.public_base_url.trim_end_matches('/'),
        language.carry('?')
    );
    match selfservice::billing_portal(state.gateway.as_ref(), &d, &back).await {
        Ok(url) => private(Redirect::to(&url).into_response()),
        Err(e) => failure(&state, &language, &token, Some((&d, &c)), e),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn link_tokens_stay_out_of_logged_paths() {
        assert_eq!(
            loggable_path("/manage/don_1.99.abcdef/cancel"),
            "/manage/{token}/cancel"
        );
        assert_eq!(loggable_path("/manage/don_1.99.abcdef"), "/manage/{token}");
        assert_eq!(loggable_path("/donate/demo"), "/donate/demo");
        assert_eq!(
            loggable_path("/fundraisers/manage/fr_1.99.abcdef/confirm"),
            "/fundraisers/manage/{token}/confirm"
        );
        assert_eq!(loggable_path("/fundraisers/manage"), "/fundraisers/manage");
    }
}
