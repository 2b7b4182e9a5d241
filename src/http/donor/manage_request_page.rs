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
use crate::http::donor::donation_page::{self as web};
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
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
pub struct RequestPage<'a> {
    pub sandbox: bool,
    pub sent: bool,
    pub notice: &'a str,
    pub email_error: &'a str,
}

#[derive(serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

fn page(state: &AppState, status: StatusCode, p: RequestPage<'_>) -> AppResult<Response> {
    let p = RequestPage {
        sandbox: state.config.payments.is_sandbox(),
        ..p
    };
    let mut r = web::html(status, web::render(&p)?, CSP, true);
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(r)
}

const BLANK: RequestPage<'static> = RequestPage {
    sandbox: false,
    sent: false,
    notice: "",
    email_error: "",
};

/// `GET /manage`: the form.
pub async fn form(State(state): State<AppState>) -> AppResult<Response> {
    page(&state, StatusCode::OK, BLANK)
}

/// `POST /manage`: emails fresh links to the address if it has running recurring gifts, and
/// answers the same either way.
pub async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    if let Err(spent) = state.limits.check_manage_link_ip(ip).await {
        state.metrics.rate_limited("manage_link_ip");
        let wait = spent.retry_after_secs.max(1);
        let minutes = wait.div_ceil(60);
        let notice = format!(
            "Too many requests from your network. Please try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        let mut r = page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            RequestPage {
                notice: &notice,
                ..BLANK
            },
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
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(?outcome, "manage links requested");
            page(
                &state,
                StatusCode::OK,
                RequestPage {
                    sent: true,
                    ..BLANK
                },
            )
        }
        Err(LinkRequestError::Invalid(errors)) => {
            let detail = errors.first().map(|e| e.detail.clone()).unwrap_or_default();
            let detail = format!("This email address {detail}.");
            page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                RequestPage {
                    email_error: &detail,
                    ..BLANK
                },
            )
        }
        Err(LinkRequestError::Store(e)) => Err(AppError::from(e)),
    }
}
