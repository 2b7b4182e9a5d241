//! Signing in and out: the sign-in page (an email for a sign-in link, `signin_link`, or a staff
//! token, with its own double-submit CSRF cookie), `POST /dashboard/login` that opens a session
//! for a token, and `POST /dashboard/logout` that ends it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{cookie_value, named_cookie, random_hex, same_token, set_cookie};
use super::{CsrfForm, FormMap, LOGIN_COOKIE, SESSION_SECS, page};
use crate::http::AppState;
use crate::http::donor::donation_page::render;
use crate::http::error::AppResult;
use crate::services::staff_tokens::{hash_token, well_formed};
use crate::store::now;

#[derive(Template)]
#[template(path = "dashboard_login.html")]
pub struct LoginPage<'a> {
    /// What went wrong, after "Staff token" (empty: nothing).
    pub error: &'a str,
    /// Just signed out.
    pub ended: bool,
    pub csrf: &'a str,
    /// What went wrong, after "Email" (empty: nothing).
    pub email_error: &'a str,
    /// A sign-in link was asked for (whether or not one was sent: the page says the same).
    pub sent: bool,
    /// How long a sign-in link works.
    pub link_minutes: u64,
    /// A message about the page as a whole (a link that did not work, too many requests).
    pub notice: &'a str,
}

/// What the sign-in page says beyond its forms.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Says<'a> {
    pub error: &'a str,
    pub ended: bool,
    pub email_error: &'a str,
    pub sent: bool,
    pub notice: &'a str,
}

/// The sign-in form, with a fresh CSRF token in its hidden field and in a cookie.
pub(super) fn login_page(
    state: &AppState,
    status: StatusCode,
    error: &str,
    ended: bool,
) -> AppResult<Response> {
    login_page_saying(
        state,
        status,
        Says {
            error,
            ended,
            ..Says::default()
        },
    )
}

/// The sign-in form saying `says`.
pub(super) fn login_page_saying(
    state: &AppState,
    status: StatusCode,
    says: Says<'_>,
) -> AppResult<Response> {
    let csrf = random_hex();
    let mut r = page(
        status,
        render(&LoginPage {
            error: says.error,
            ended: says.ended,
            csrf: &csrf,
            email_error: says.email_error,
            sent: says.sent,
            link_minutes: state.config.staff.signin_link_ttl.as_secs().div_ceil(60),
            notice: says.notice,
        })?,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        named_cookie(state, LOGIN_COOKIE, &csrf, 3600),
    );
    Ok(r)
}

/// `POST /dashboard/login`: a staff token, checked as the API checks it, opens a session.
pub(super) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    let expected = cookie_value(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.len() != 64 || !same_token(sent, expected) {
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
    if t.revoked_at.is_some() || !same_token(&t.token_hash, &hash) {
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

/// `POST /dashboard/logout`: ends the session and clears its cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    CsrfForm { session: s, .. }: CsrfForm,
) -> AppResult<Response> {
    state.store.delete_staff_session(&s.id_hash).await?;
    let mut r = login_page(&state, StatusCode::OK, "", true)?;
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&state, "", 0));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(error: &'static str, ended: bool) -> LoginPage<'static> {
        LoginPage {
            error,
            ended,
            csrf: "c0ffee",
            email_error: "",
            sent: false,
            link_minutes: 15,
            notice: "",
        }
    }

    #[test]
    fn the_sign_in_page_offers_a_link_by_email_and_says_the_same_whoever_asked() {
        let html = login("", false).render().unwrap();
        assert!(html.contains("action=\"/dashboard/login/link\""), "{html}");
        assert!(html.contains("Email me a sign-in link"));
        assert!(!html.contains("a sign-in link is on its way"));
        let mut p = login("", false);
        p.sent = true;
        let html = p.render().unwrap();
        assert!(html.contains("If that address belongs to a staff member, a sign-in link is on its way to it. The link works once, for 15 minutes."));
        let mut p = login("", false);
        p.email_error = "is not a valid email address";
        let html = p.render().unwrap();
        assert!(html.contains("id=\"email-error\">is not a valid email address</p>"));
        assert!(html.contains("aria-describedby=\"email-hint email-error\" aria-invalid=\"true\""));
    }

    #[test]
    fn the_sign_in_page_names_its_error_and_carries_its_token() {
        let html = login("is invalid or revoked.", false).render().unwrap();
        assert!(html.contains("name=\"csrf\" value=\"c0ffee\""), "{html}");
        assert!(html.contains("id=\"token-error\">is invalid or revoked.</p>"));
        assert!(html.contains("aria-describedby=\"token-hint token-error\" aria-invalid=\"true\""));
        assert!(!html.contains("You are signed out."));

        let html = login("", true).render().unwrap();
        assert!(html.contains("You are signed out."));
        assert!(!html.contains("token-error"));
    }
}
