//! The staff dashboard (`/dashboard`), organized as the API is: a file per page, and the
//! session checks done once, by extractors, rather than in every handler.
//!
//! Staff sign in with a staff token for a server-side session in an HttpOnly, SameSite=Strict
//! cookie; every form carries the session's CSRF token. Per campaign: progress, the summary
//! figures, a chart of the daily raised series, recent donations with filters and a CSV
//! download, offline gifts (record, void), flags; campaign create and edit.
//!
//! - [`session`]: the cookies, [`DashboardSession`] (a signed-in staff member; without one, the
//!   sign-in page) and [`CsrfForm`] (a form POST of a session, its CSRF field checked);
//! - [`signin`]: the sign-in page, sign-in and sign-out;
//! - [`signin_link`]: signing in by an emailed one-time link;
//! - [`staff_page`]: the people who may sign in; inviting and revoking (admins);
//! - [`memberships_page`]: the members dues payments made, and their CSV;
//! - [`index`]: every campaign's progress;
//! - [`campaign_page`]: one campaign (figures, chart, donations, flags) and its CSV;
//! - [`donation_filter`]: the donation filters of that page and the CSV, checked by field;
//! - [`chart`]: the raised-per-day chart, drawn on the server;
//! - [`offline_gift_form`]: the offline gift form, recording and voiding offline gifts;
//! - [`campaign_form`]: campaign create and edit;
//! - [`fundraisers_page`]: a campaign's supporters' pages: approve, hide, the policy for new ones;
//! - [`fields`]: form fields as the templates draw them, with their errors.
//!
//! Each page's data is built by a pure function (inputs → the page's view) that unit tests call
//! without HTTP or a store; the handlers only read the store and answer.

pub mod campaign_form;
pub mod campaign_page;
pub mod chart;
pub mod donation_filter;
pub mod fields;
pub mod fundraisers_page;
pub mod index;
pub mod memberships_page;
pub mod offline_gift_form;
pub mod session;
pub mod signin;
pub mod signin_link;
pub mod staff_page;

use std::collections::HashMap;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::donor::donation_page::html;
pub use session::{CsrfForm, DashboardSession};

/// The session cookie: a random id, whose hash names the session in the store.
pub const COOKIE: &str = "donations_session";
/// The sign-in form's CSRF cookie (double submit: the form's hidden field must match it).
pub const LOGIN_COOKIE: &str = "donations_login";
/// How long a dashboard session lasts.
pub const SESSION_SECS: i64 = 8 * 3600;

/// A posted form, field by field.
pub type FormMap = HashMap<String, String>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(index::index))
        .route("/dashboard/login", post(signin::login))
        .route("/dashboard/logout", post(signin::logout))
        .route("/dashboard/login/link", post(signin_link::request_link))
        .route(
            "/dashboard/signin",
            get(signin_link::confirm_page).post(signin_link::redeem),
        )
        .route(
            "/dashboard/staff",
            get(staff_page::staff).post(staff_page::invite),
        )
        .route("/dashboard/staff/{id}/revoke", post(staff_page::revoke))
        .route("/dashboard/memberships", get(memberships_page::memberships))
        .route("/dashboard/memberships.csv", get(memberships_page::csv))
        .route("/dashboard/campaigns", post(campaign_form::create_campaign))
        .route("/dashboard/campaigns/new", get(campaign_form::new_campaign))
        .route(
            "/dashboard/campaigns/{slug}",
            get(campaign_page::campaign_page),
        )
        .route(
            "/dashboard/campaigns/{slug}/edit",
            get(campaign_form::edit_campaign).post(campaign_form::update_campaign),
        )
        .route(
            "/dashboard/campaigns/{slug}/donations.csv",
            get(campaign_page::csv),
        )
        .route(
            "/dashboard/campaigns/{slug}/fundraisers",
            get(fundraisers_page::fundraisers_page),
        )
        .route(
            "/dashboard/campaigns/{slug}/fundraisers/{id}/approve",
            post(fundraisers_page::approve),
        )
        .route(
            "/dashboard/campaigns/{slug}/fundraisers/{id}/hide",
            post(fundraisers_page::hide),
        )
        .route(
            "/dashboard/campaigns/{slug}/fundraising",
            post(fundraisers_page::set_policy),
        )
        .route(
            "/dashboard/campaigns/{slug}/offline-gifts",
            post(offline_gift_form::add_offline_gift),
        )
        .route(
            "/dashboard/campaigns/{slug}/offline-gifts/{id}/void",
            post(offline_gift_form::void_offline_gift),
        )
}

/// The dashboard's CSP: our stylesheet, no script at all, never framed.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A dashboard page: its CSP, never cached, never framed.
fn page(status: StatusCode, body: String) -> Response {
    let mut r = html(status, body, CSP, true);
    r.headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

#[cfg(test)]
mod fixtures {
    use super::FormMap;
    use crate::store::StaffSession;

    /// A session of staff member `name`, whose CSRF token is `t0k`.
    pub fn session(name: &str) -> StaffSession {
        StaffSession {
            token_id: Some(1),
            member_id: None,
            staff_name: name.into(),
            role: crate::store::StaffRole::Admin,
            csrf_token: "t0k".into(),
            expires_at: 0,
            organization: "default".into(),
        }
    }

    /// A form (or a query) of these fields.
    pub fn form(pairs: &[(&str, &str)]) -> FormMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}
