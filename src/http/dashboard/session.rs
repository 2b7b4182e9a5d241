//! Dashboard sessions and their cookies, and the two extractors every handler starts with:
//! [`DashboardSession`] (a GET page's staff member; without a live session, the sign-in page)
//! and [`CsrfForm`] (a form POST: the form, then the session, then its CSRF token checked).

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::signin::login_page;
use super::{COOKIE, FormMap, page};
use crate::domain::staff_access::Permission;
use crate::http::AppState;
use crate::http::error::{AppError, AppResult};
use crate::services::staff_accounts::Actor;
use crate::services::staff_tokens::hash_token;
use crate::store::{StaffSession, now};

pub(super) use crate::services::staff_tokens::random_hex;

/// The value of the request's cookie `name`.
pub(super) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn secure(state: &AppState) -> bool {
    state.config.public_base_url.starts_with("https://")
}

/// The session cookie, set to `value` for `max_age` seconds (0 clears it).
pub(super) fn set_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    named_cookie(state, COOKIE, value, max_age)
}

/// A dashboard cookie: HttpOnly, SameSite=Strict, under `/dashboard`; Secure on https.
pub(super) fn named_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/dashboard; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether `sent` is `expected`, compared in constant time.
pub(super) fn same_token(sent: &str, expected: &str) -> bool {
    sent.len() == expected.len() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// A signed-in staff member: their session, and the hash of its id.
///
/// As an extractor, a request without a live session is answered with the sign-in page (200);
/// as `Option<DashboardSession>`, it is `None` (for the CSV download, which answers 401).
pub struct DashboardSession {
    pub id_hash: String,
    pub session: StaffSession,
}

impl DashboardSession {
    /// As the use cases name who acts.
    pub fn actor(&self) -> Actor {
        Actor {
            member_id: self.session.member_id,
            name: self.session.staff_name.clone(),
            role: self.session.role,
            organization: self.session.organization.clone(),
        }
    }

    /// The organization whose campaigns they see.
    pub fn org(&self) -> &str {
        &self.session.organization
    }

    /// `Ok` when the signed-in person's role allows `p`; otherwise 403 (JSON, as the API).
    pub fn require(&self, p: Permission) -> AppResult<()> {
        self.actor().require(p).map_err(AppError::from)
    }
}

/// The live session the request's cookie names, if any.
async fn lookup(state: &AppState, headers: &HeaderMap) -> AppResult<Option<DashboardSession>> {
    let Some(id) = cookie_value(headers, COOKIE).filter(|v| v.len() == 64) else {
        return Ok(None);
    };
    let id_hash = hash_token(id);
    Ok(state
        .store
        .staff_session(&id_hash, now())
        .await?
        .map(|session| DashboardSession { id_hash, session }))
}

impl FromRequestParts<AppState> for DashboardSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match lookup(state, &parts.headers).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(login_page(state, StatusCode::OK, "", false).into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

impl OptionalFromRequestParts<AppState> for DashboardSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        lookup(state, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)
    }
}

/// A form that carries the session's CSRF token in its `csrf` field.
pub trait CsrfField {
    /// The token the form sent (empty when it sent none).
    fn csrf(&self) -> &str;
}

impl CsrfField for FormMap {
    fn csrf(&self) -> &str {
        self.get("csrf").map(String::as_str).unwrap_or("")
    }
}

/// A form POST of a signed-in staff member whose CSRF token matches their session's.
///
/// Checked in this order: the form as `axum::Form` reads it (its own rejections); a live session
/// (otherwise the sign-in page, 401, "Your session has ended"); the token (otherwise 403).
pub struct CsrfForm<T = FormMap> {
    pub session: DashboardSession,
    pub form: T,
}

/// The answer to a form whose CSRF token is not the session's.
const CSRF_FAILED: &str = "<!doctype html><title>Forbidden</title><p>This form has expired or \
    did not come from the dashboard (CSRF check failed). <a href=\"/dashboard\">Back to the \
    dashboard</a></p>";

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: CsrfField + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let Form(form) = Form::<T>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(session) = lookup(state, &headers)
            .await
            .map_err(IntoResponse::into_response)?
        else {
            return Err(login_page(
                state,
                StatusCode::UNAUTHORIZED,
                "Your session has ended; sign in again.",
                false,
            )
            .into_response());
        };
        if !same_token(form.csrf(), &session.session.csrf_token) {
            return Err(page(StatusCode::FORBIDDEN, CSRF_FAILED.into()));
        }
        Ok(CsrfForm { session, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_among_several() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; donations_session= x "),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie_value(&h, COOKIE), Some("x"));
        assert_eq!(cookie_value(&h, "b"), Some("2"));
        assert_eq!(cookie_value(&h, "donations"), None);
    }

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("ab", "abc"));
        assert!(!same_token("", "abc"));
    }

    #[test]
    fn a_form_without_a_csrf_field_sends_none() {
        let mut f = FormMap::new();
        assert_eq!(f.csrf(), "");
        f.insert("csrf".into(), "t".into());
        assert_eq!(f.csrf(), "t");
    }
}
