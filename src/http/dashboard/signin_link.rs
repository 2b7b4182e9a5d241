//! Signing in by an emailed link: `POST /dashboard/login/link` asks for one (the same answer
//! whether or not the address is a person's; limited per client address), `GET /dashboard/signin`
//! shows the link's confirmation button without spending it (mail scanners that follow links
//! do not burn it), and `POST /dashboard/signin` spends it for a session.
//!
//! The link's secret rides in the query string, which the request log leaves out (it logs the
//! path only), and the confirmation page is served with `Referrer-Policy: no-referrer`.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{cookie_value, named_cookie, random_hex, same_token, set_cookie};
use super::signin::{Says, login_page_saying};
use super::{FormMap, LOGIN_COOKIE, SESSION_SECS, page};
use crate::http::AppState;
use crate::http::donor::donation_page::render;
use crate::http::error::AppResult;
use crate::http::limits::ClientIp;
use crate::mail::render::clock_time;
use crate::services::staff_accounts::{self, StaffAccountError};
use crate::store::now;

const UNUSABLE: &str = "This sign-in link is invalid, was used already or has expired. Ask for \
    a new one below.";
const FORM_EXPIRED: &str = "The sign-in form expired or did not come from this site. Please try \
    again.";

#[derive(Template)]
#[template(path = "dashboard_signin_confirm.html")]
pub struct ConfirmPage<'a> {
    pub csrf: &'a str,
    pub link: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub until: &'a str,
}

/// Whether the form's `csrf` field is the sign-in CSRF cookie (double submit).
fn login_csrf_ok(headers: &HeaderMap, form: &FormMap) -> bool {
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    let expected = cookie_value(headers, LOGIN_COOKIE).unwrap_or("");
    expected.len() == 64 && same_token(sent, expected)
}

fn says_notice(notice: &str) -> Says<'_> {
    Says {
        notice,
        ..Says::default()
    }
}

/// `POST /dashboard/login/link`: emails a sign-in link to the address if it is an active
/// person's, and answers the same either way.
pub(super) async fn request_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    if !login_csrf_ok(&headers, &form) {
        return login_page_saying(&state, StatusCode::FORBIDDEN, says_notice(FORM_EXPIRED));
    }
    if let Err(spent) = state.limits.check_signin_ip(ip).await {
        state.metrics.rate_limited("signin_ip");
        let wait = spent.retry_after_secs.max(1);
        let notice = format!(
            "Too many sign-in requests from your network. Try again in {} minute{}.",
            wait.div_ceil(60),
            if wait.div_ceil(60) == 1 { "" } else { "s" }
        );
        let mut r = login_page_saying(&state, StatusCode::TOO_MANY_REQUESTS, says_notice(&notice))?;
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let email = form.get("email").map(String::as_str).unwrap_or("");
    match staff_accounts::request_link(
        state.store.as_ref(),
        &state.link_secret,
        &state.config.staff,
        email,
        now(),
    )
    .await
    {
        Ok(outcome) => {
            tracing::info!(?outcome, "sign-in link requested");
            login_page_saying(
                &state,
                StatusCode::OK,
                Says {
                    sent: true,
                    ..Says::default()
                },
            )
        }
        Err(StaffAccountError::Invalid(errors)) => {
            let detail = errors.first().map(|e| e.detail.clone()).unwrap_or_default();
            login_page_saying(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Says {
                    email_error: &detail,
                    ..Says::default()
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /dashboard/signin?link=...`: the confirmation button (a POST), or why the link will not
/// work. Nothing is spent here.
pub(super) async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<FormMap>,
) -> AppResult<Response> {
    let presented = q.get("link").map(|l| l.trim()).unwrap_or("");
    let link = match staff_accounts::check_link(state.store.as_ref(), presented, now()).await {
        Ok(link) => link,
        Err(StaffAccountError::LinkUnusable) => {
            return login_page_saying(&state, StatusCode::UNAUTHORIZED, says_notice(UNUSABLE));
        }
        Err(e) => return Err(e.into()),
    };
    let csrf = random_hex();
    let mut r = page(
        StatusCode::OK,
        render(&ConfirmPage {
            csrf: &csrf,
            link: presented,
            name: &link.member.name,
            email: &link.member.email,
            until: &clock_time(link.expires_at),
        })?,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        named_cookie(&state, LOGIN_COOKIE, &csrf, 3600),
    );
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(r)
}

/// `POST /dashboard/signin`: spends the link for a session, once.
pub(super) async fn redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<FormMap>,
) -> AppResult<Response> {
    if !login_csrf_ok(&headers, &form) {
        return login_page_saying(&state, StatusCode::FORBIDDEN, says_notice(FORM_EXPIRED));
    }
    let presented = form.get("link").map(|l| l.trim()).unwrap_or("");
    let ttl = Duration::from_secs(SESSION_SECS as u64);
    let done = match staff_accounts::redeem(state.store.as_ref(), presented, ttl, now()).await {
        Ok(done) => done,
        Err(StaffAccountError::LinkUnusable) => {
            return login_page_saying(&state, StatusCode::UNAUTHORIZED, says_notice(UNUSABLE));
        }
        Err(e) => return Err(e.into()),
    };
    let mut r = Redirect::to("/dashboard").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&state, &done.session_id, SESSION_SECS),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        named_cookie(&state, LOGIN_COOKIE, "", 0),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_posts_the_link_with_the_sign_in_token() {
        let html = ConfirmPage {
            csrf: "c0ffee",
            link: "dsl_abc",
            name: "Rosa <M>",
            email: "rosa@example.org",
            until: "11:21 UTC on November 18, 2026",
        }
        .render()
        .unwrap();
        assert!(
            html.contains("method=\"post\" action=\"/dashboard/signin\""),
            "{html}"
        );
        assert!(html.contains("name=\"link\" value=\"dsl_abc\""));
        assert!(html.contains("name=\"csrf\" value=\"c0ffee\""));
        assert!(
            html.contains("Rosa &#60;M&#62;") || html.contains("Rosa &lt;M&gt;"),
            "{html}"
        );
    }
}
