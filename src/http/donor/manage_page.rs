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
use crate::http::donor::donation_page::{self as web, money};
use crate::services::reporting::{day_of, format_day};
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
    pub sandbox: bool,
    pub heading: String,
    pub notice: Option<Notice>,
    pub plan: Option<PlanView>,
    pub can_manage: bool,
    pub portal_hint: &'static str,
    /// `/manage/{token}`, where the forms post.
    pub action: String,
    pub campaign_slug: Option<String>,
    /// The link did not work: offer the form that emails a fresh one (`/manage`).
    pub ask_again: bool,
}

fn plan_status_text(d: &Donation) -> String {
    let status = d.plan_status.as_deref().unwrap_or(d.status.as_str());
    match status {
        "active" | "trialing" => "Active".into(),
        "past_due" | "unpaid" => {
            "Active, but the last payment did not go through; it will be tried again. \
             Updating your card can help."
                .into()
        }
        "canceled" => "Canceled: no further payments will be taken".into(),
        "incomplete" | "pending" => "Waiting for the first payment".into(),
        "incomplete_expired" => "Ended: the first payment was never completed".into(),
        "paused" => "Paused".into(),
        "succeeded" => "Received".into(),
        other => {
            let s = other.replace('_', " ");
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

fn plan_view(d: &Donation, c: &Campaign) -> PlanView {
    let every = match d.frequency.as_str() {
        "monthly" => " per month",
        "annual" => " per year",
        _ => "",
    };
    PlanView {
        recurring: d.frequency.is_recurring(),
        campaign: c.name.clone(),
        amount: format!("{}{every}", money(d.total_minor, &d.currency)),
        fee_note: (d.fee_minor > 0).then(|| {
            format!(
                "your gift of {} plus {} to cover the processing fee",
                money(d.gift_minor, &d.currency),
                money(d.fee_minor, &d.currency)
            )
        }),
        status: plan_status_text(d),
        started: format_day(day_of(d.created_at)),
        ended: d
            .canceled_at
            .filter(|_| d.plan_status.as_deref() == Some("canceled"))
            .map(|t| format_day(day_of(t))),
    }
}

/// The page for a gift, with `notice` on top.
fn gift_page(
    state: &AppState,
    token: &str,
    d: &Donation,
    c: &Campaign,
    notice: Option<Notice>,
) -> ManagePage {
    let plan_state = selfservice::plan_state(d);
    let (heading, default_notice) = match plan_state {
        PlanState::OneTime => (
            "Your gift",
            Some("This was a one-time gift, so there is no recurring plan to manage. Thank you!"),
        ),
        PlanState::NotStarted => (
            "Your recurring gift",
            Some(
                "This plan has not started through online payment, so there is nothing to change here yet.",
            ),
        ),
        PlanState::Running => ("Manage your recurring gift", None),
        PlanState::Ended => (
            "Your recurring gift",
            Some("This recurring gift is canceled. No further payments will be taken."),
        ),
    };
    ManagePage {
        sandbox: state.config.payments.is_sandbox(),
        heading: heading.into(),
        notice: notice.or(default_notice.map(|t| Notice {
            text: t.into(),
            ok: plan_state != PlanState::NotStarted,
        })),
        plan: Some(plan_view(d, c)),
        can_manage: plan_state == PlanState::Running,
        portal_hint: if state.config.payments.is_sandbox() {
            "Opens the sandbox's stand-in for Stripe's billing portal."
        } else {
            "Opens Stripe's secure billing page, where you can change the card or the amount. \
             It brings you back here when you are done."
        },
        action: format!("/manage/{token}"),
        campaign_slug: Some(c.slug.clone()),
        ask_again: false,
    }
}

/// A page with only a message (bad links, failures without a gift to show).
fn message_page(state: &AppState, heading: &str, text: &str) -> ManagePage {
    ManagePage {
        sandbox: state.config.payments.is_sandbox(),
        heading: heading.into(),
        notice: Some(Notice {
            text: text.into(),
            ok: false,
        }),
        plan: None,
        can_manage: false,
        portal_hint: "",
        action: String::new(),
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
    token: &str,
    shown: Option<(&Donation, &Campaign)>,
    e: SelfServiceError,
) -> Response {
    let (status, heading, text) = match &e {
        SelfServiceError::Link(LinkError::Invalid) | SelfServiceError::Gone => (
            StatusCode::BAD_REQUEST,
            "This link is not valid",
            "This link is not valid: it may have been copied incompletely or altered. Please \
             open the link in your most recent receipt email, or ask for a new link below.",
        ),
        SelfServiceError::Link(LinkError::Expired) => (
            StatusCode::GONE,
            "This link has expired",
            "This link has expired, so nothing can be changed through it. Each receipt for your \
             recurring gift carries a fresh link: please use the one in your most recent receipt, \
             or ask for a new link below.",
        ),
        SelfServiceError::NoPlan(_) => (
            StatusCode::CONFLICT,
            "Nothing to change",
            "There is no active recurring plan on this gift to change; nothing was done.",
        ),
        SelfServiceError::Gateway(cause) => {
            tracing::warn!(%cause, "payment provider failed during self-service");
            (
                StatusCode::BAD_GATEWAY,
                "Please try again",
                "We could not reach our payment provider, so nothing was changed. Please try \
                 again in a few minutes.",
            )
        }
        SelfServiceError::Store(cause) => {
            tracing::error!(%cause, "database failed during self-service");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "Something went wrong on our side, so nothing was changed. Please try again in a \
                 few minutes.",
            )
        }
    };
    let notice = Notice {
        text: text.into(),
        ok: false,
    };
    let page = match shown {
        Some((d, c)) => {
            let mut p = gift_page(state, token, d, c, Some(notice));
            p.heading = heading.into();
            p
        }
        None => message_page(state, heading, text),
    };
    let page = ManagePage {
        ask_again: matches!(e, SelfServiceError::Link(_) | SelfServiceError::Gone),
        ..page
    };
    respond(status, &page)
}

/// `GET /manage/{token}`
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok((d, c)) => respond(StatusCode::OK, &gift_page(&state, &token, &d, &c, None)),
        Err(e) => failure(&state, &token, None, e),
    }
}

/// `POST /manage/{token}/cancel`
pub async fn cancel(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (d, c) = match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok(found) => found,
        Err(e) => return failure(&state, &token, None, e),
    };
    let outcome = selfservice::cancel(
        state.store.as_ref(),
        state.gateway.as_ref(),
        &crate::webhooks::IngestRules::of(&state.config),
        &d,
    )
    .await;
    match outcome {
        Ok(Canceled::Now(after)) => {
            let notice = Notice {
                text: "Your recurring gift is canceled. No further payments will be taken, and \
                       we will confirm this by email. Thank you for your support."
                    .into(),
                ok: true,
            };
            let mut page = gift_page(&state, &token, &after, &c, Some(notice));
            page.heading = "Your recurring gift is canceled".into();
            respond(StatusCode::OK, &page)
        }
        Ok(Canceled::Already) => {
            let notice = Notice {
                text: "This recurring gift was already canceled; nothing more needed doing.".into(),
                ok: true,
            };
            respond(
                StatusCode::OK,
                &gift_page(&state, &token, &d, &c, Some(notice)),
            )
        }
        Err(e) => failure(&state, &token, Some((&d, &c)), e),
    }
}

/// `POST /manage/{token}/portal`: 303 to the provider's billing portal, which returns the donor
/// to this page.
pub async fn portal(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (d, c) = match selfservice::open(state.store.as_ref(), &state.link_secret, &token).await {
        Ok(found) => found,
        Err(e) => return failure(&state, &token, None, e),
    };
    let back = format!(
        "{}/manage/{token}",
        state.config.public_base_url.trim_end_matches('/')
    );
    match selfservice::billing_portal(state.gateway.as_ref(), &d, &back).await {
        Ok(url) => private(Redirect::to(&url).into_response()),
        Err(e) => failure(&state, &token, Some((&d, &c)), e),
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
