//! "Manage my gift" (`GET|POST /manage`): a donor types their email address and is emailed
//! fresh self-service links to their running recurring gifts (`services::manage_link_requests`).
//! The page answers the same whether or not the address has a gift; it is limited per client
//! address (`MANAGE_LINK_RATE_PER_IP`, 429 with `Retry-After`) and, in the use case, per donor
//! address. The expired-link page and the thank-you page of a recurring gift link here.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::http::AppState;
use crate::http::donor::donation_page as web;
use crate::http::donor::field_errors::translated_errors;
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::i18n::{Args, Tr};
use crate::services::manage_link_requests::{self, LinkRequestError};
use crate::store::now;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/manage", axum::routing::get(form).post(request))
}

/// No scripts; our stylesheet only; the form posts here; never framed.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; \
                   frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "manage_request.html")]
pub struct RequestPage {
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    pub sandbox: bool,
    pub sent: bool,
    pub notice: String,
    pub email_error: String,
}

#[derive(serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
    /// The page's language, carried through the post (the email is written in it).
    #[serde(default)]
    lang: Option<String>,
}

/// The page in `language`, `sent` or with a notice or an error.
fn page(
    state: &AppState,
    status: StatusCode,
    language: &PageLanguage,
    sent: bool,
    notice: String,
    email_error: String,
) -> AppResult<Response> {
    let lang = language.lang;
    let p = RequestPage {
        tr: Tr::html(lang, Args::new()),
        languages: switcher(lang, "/manage", &[]),
        sandbox: state.config.payments.is_sandbox(),
        sent,
        notice,
        email_error,
    };
    let mut r = web::html(status, web::render(&p)?, CSP, true);
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(r)
}

/// `GET /manage`: the form.
pub async fn form(State(state): State<AppState>, language: PageLanguage) -> AppResult<Response> {
    page(
        &state,
        StatusCode::OK,
        &language,
        false,
        String::new(),
        String::new(),
    )
}

/// `POST /manage`: emails fresh links to the address if it has running recurring gifts, and
/// answers the same either way.
pub async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    language: PageLanguage,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let language = language.or_chosen(form.lang.as_deref());
    let lang = language.lang;
    if let Err(spent) = state.limits.check_manage_link_ip(ip).await {
        state.metrics.rate_limited("manage_link_ip");
        let wait = spent.retry_after_secs.max(1);
        let minutes = i64::try_from(wait.div_ceil(60)).unwrap_or(i64::MAX);
        let notice = lang.msg(
            "manage-request-rate-limited",
            &Args::new().number("minutes", minutes),
        );
        let mut r = page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &language,
            false,
            notice,
            String::new(),
        )?;
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let outcome = manage_link_requests::request(
        state.store.as_ref(),
        &state.config.self_service,
        &form.email,
        lang.tag(),
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(?outcome, "manage links requested");
            page(
                &state,
                StatusCode::OK,
                &language,
                true,
                String::new(),
                String::new(),
            )
        }
        Err(LinkRequestError::Invalid(errors)) => {
            let detail = translated_errors(lang, errors)
                .into_values()
                .next()
                .unwrap_or_default();
            page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &language,
                false,
                String::new(),
                detail,
            )
        }
        Err(LinkRequestError::Store(e)) => Err(AppError::from(e)),
    }
}
