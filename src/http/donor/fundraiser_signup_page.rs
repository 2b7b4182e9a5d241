//! The form that starts a supporter's page under a campaign (`GET|POST /donate/{slug}/fundraise`,
//! no JavaScript needed): checked by the same use case as the JSON API
//! (`services::fundraisers::sign_up`); `422` with each error beside its field, or the same
//! "check your email" answer whatever became of the request (a new page, an address that was
//! sent its allowance of emails, a bot). Limited per client address (`FUNDRAISER_RATE_PER_IP`,
//! `429` with `Retry-After`).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::domain::money::currency_of;
use crate::http::AppState;
use crate::http::donor::donation_page::{donor_csp, html, render};
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
use crate::services::campaign_admin::MajorAmount;
use crate::services::fundraisers::{self, FundraiserError, SignUpInput};
use crate::store::{Campaign, now};

/// What the supporter typed, to put back in the form after an error.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub story: String,
    #[serde(default)]
    pub slug: String,
    /// The honeypot (see `SignUpInput::website`).
    #[serde(default)]
    pub website: String,
}

impl SignUpForm {
    fn input(&self) -> SignUpInput {
        SignUpInput {
            name: self.name.clone(),
            email: self.email.clone(),
            goal: MajorAmount(self.goal.clone()),
            title: self.title.clone(),
            story: self.story.clone(),
            slug: Some(self.slug.clone()),
            website: Some(self.website.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "fundraiser_signup.html")]
pub struct SignUpPage {
    pub sandbox: bool,
    pub slug: String,
    pub campaign: String,
    pub org: String,
    pub currency_upper: String,
    /// New pages wait for staff before they go public.
    pub review: bool,
    pub form: SignUpForm,
    pub errors: BTreeMap<String, String>,
    /// `""` (the form), `"sent"` (check your email) or `"too_many"` (429).
    pub outcome: &'static str,
    pub retry_minutes: u64,
}

impl SignUpPage {
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    pub fn err(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }
}

/// Takes one sign-up or link request from the client's allowance (`FUNDRAISER_RATE_PER_IP`);
/// when it is spent, the seconds to wait (at least 1), counted in the metrics.
pub(crate) async fn take_allowance(state: &AppState, ip: std::net::IpAddr) -> Result<(), u64> {
    state.limits.check_fundraiser_ip(ip).await.map_err(|spent| {
        state.metrics.rate_limited("fundraiser_ip");
        spent.retry_after_secs.max(1)
    })
}

/// `r` (a 429 page) with its `Retry-After`.
pub(crate) fn retry_after(mut r: Response, wait: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The campaign if it takes new pages now (404 otherwise), and whether they wait for review.
async fn open_for_pages(state: &AppState, slug: &str) -> AppResult<(Campaign, bool)> {
    let c = state
        .store
        .campaign_by_slug(slug)
        .await?
        .filter(|c| c.accepts_gifts(now()))
        .ok_or_else(|| FundraiserError::NoCampaign(slug.to_string()))?;
    let policy = state.store.page_policy(c.id).await?;
    if !policy.takes_sign_ups() {
        return Err(FundraiserError::SignUpsClosed(c.slug).into());
    }
    Ok((c, policy.needs_review()))
}

fn page(state: &AppState, c: &Campaign, review: bool, form: SignUpForm) -> SignUpPage {
    SignUpPage {
        sandbox: state.config.payments.is_sandbox(),
        slug: c.slug.clone(),
        campaign: c.name.clone(),
        org: state.config.org.name.clone(),
        currency_upper: currency_of(&c.currency).code().to_uppercase(),
        review,
        form,
        errors: BTreeMap::new(),
        outcome: "",
        retry_minutes: 0,
    }
}

fn respond(state: &AppState, status: StatusCode, p: &SignUpPage) -> AppResult<Response> {
    Ok(html(status, render(p)?, &donor_csp(&state.config), true))
}

/// `GET /donate/{slug}/fundraise`
pub async fn form(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (c, review) = open_for_pages(&state, &slug).await?;
    respond(
        &state,
        StatusCode::OK,
        &page(&state, &c, review, SignUpForm::default()),
    )
}

/// `POST /donate/{slug}/fundraise`
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignUpForm>,
) -> AppResult<Response> {
    let (c, review) = open_for_pages(&state, &slug).await?;
    if let Err(wait) = take_allowance(&state, ip).await {
        let p = SignUpPage {
            outcome: "too_many",
            retry_minutes: wait.div_ceil(60),
            ..page(&state, &c, review, form)
        };
        return Ok(retry_after(
            respond(&state, StatusCode::TOO_MANY_REQUESTS, &p)?,
            wait,
        ));
    }
    let outcome = fundraisers::sign_up(
        state.store.as_ref(),
        &state.config.fundraisers,
        &slug,
        &form.input(),
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(outcome = ?std::mem::discriminant(&outcome), "supporter page sign-up");
            let p = SignUpPage {
                outcome: "sent",
                ..page(&state, &c, review, SignUpForm::default())
            };
            respond(&state, StatusCode::OK, &p)
        }
        Err(FundraiserError::Invalid(errors)) => {
            let mut p = page(&state, &c, review, form);
            for e in errors {
                let field = e.field.unwrap_or_else(|| "name".into());
                p.errors.entry(field).or_insert(e.detail);
            }
            respond(&state, StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(AppError::from(e)),
    }
}
