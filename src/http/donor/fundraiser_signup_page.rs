//! The form that starts a supporter's page under a campaign (`GET|POST /donate/{slug}/fundraise`,
//! no JavaScript needed): checked by the same use case as the JSON API
//! (`services::fundraisers::sign_up`); `422` with each error beside its field, or the same
//! "check your email" answer whatever became of the request (a new page, an address that was
//! sent its allowance of emails, a bot). Limited per client address (`FUNDRAISER_RATE_PER_IP`,
//! `429` with `Retry-After`). In the supporter's language (`http::page_language`), which the page
//! is recorded with: its emails are written in it.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::domain::money::currency_of;
use crate::http::AppState;
use crate::http::donor::donation_page::{donor_csp, html, render};
use crate::http::donor::field_errors::translated_page_errors;
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::i18n::{Args, Lang, Tr};
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
    /// The page's language, carried through the post (and recorded with the page).
    #[serde(default)]
    pub lang: Option<String>,
}

impl SignUpForm {
    fn input(&self, lang: Lang) -> SignUpInput {
        SignUpInput {
            name: self.name.clone(),
            email: self.email.clone(),
            goal: MajorAmount(self.goal.clone()),
            title: self.title.clone(),
            story: self.story.clone(),
            slug: Some(self.slug.clone()),
            website: Some(self.website.clone()),
            language: Some(lang.tag().to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "fundraiser_signup.html")]
pub struct SignUpPage {
    /// The campaign's values (`campaign`, `org`, `currency`, `slug`), the count of errors and
    /// the minutes to wait.
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    /// `?lang=xx` for the page's links, when the language was chosen.
    pub carry: String,
    pub sandbox: bool,
    pub slug: String,
    /// New pages wait for staff before they go public.
    pub review: bool,
    pub form: SignUpForm,
    pub errors: BTreeMap<String, String>,
    /// `""` (the form), `"sent"` (check your email) or `"too_many"` (429).
    pub outcome: &'static str,
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

/// What became of the form: shown again with `errors`, `sent` (check your email), or refused
/// for `retry_minutes` (429).
struct Outcome {
    errors: BTreeMap<String, String>,
    outcome: &'static str,
    retry_minutes: u64,
}

impl Outcome {
    const FORM: Outcome = Outcome {
        errors: BTreeMap::new(),
        outcome: "",
        retry_minutes: 0,
    };
}

fn page(
    state: &AppState,
    language: &PageLanguage,
    c: &Campaign,
    review: bool,
    form: SignUpForm,
    o: Outcome,
) -> SignUpPage {
    let lang = language.lang;
    let args = Args::new()
        .text("campaign", &c.name)
        .text("org", &state.config.org_or_default(&c.organization).name)
        .text("currency", currency_of(&c.currency).code().to_uppercase())
        .text("slug", &c.slug)
        .number("error_count", o.errors.len() as i64)
        .number(
            "minutes",
            i64::try_from(o.retry_minutes).unwrap_or(i64::MAX),
        );
    SignUpPage {
        tr: Tr::html(lang, args),
        languages: switcher(lang, &format!("/donate/{}/fundraise", c.slug), &[]),
        carry: language.carry('?'),
        sandbox: state.config.payments.is_sandbox(),
        slug: c.slug.clone(),
        review,
        form,
        errors: o.errors,
        outcome: o.outcome,
    }
}

fn respond(state: &AppState, status: StatusCode, p: &SignUpPage) -> AppResult<Response> {
    Ok(html(status, render(p)?, &donor_csp(&state.config), true))
}

/// `GET /donate/{slug}/fundraise`
pub async fn form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    language: PageLanguage,
) -> AppResult<Response> {
    let (c, review) = open_for_pages(&state, &slug).await?;
    let p = page(
        &state,
        &language,
        &c,
        review,
        SignUpForm::default(),
        Outcome::FORM,
    );
    respond(&state, StatusCode::OK, &p)
}

/// `POST /donate/{slug}/fundraise`
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    language: PageLanguage,
    Form(form): Form<SignUpForm>,
) -> AppResult<Response> {
    let language = language.or_chosen(form.lang.as_deref());
    let (c, review) = open_for_pages(&state, &slug).await?;
    if let Err(wait) = take_allowance(&state, ip).await {
        let o = Outcome {
            outcome: "too_many",
            retry_minutes: wait.div_ceil(60),
            ..Outcome::FORM
        };
        let p = page(&state, &language, &c, review, form, o);
        return Ok(retry_after(
            respond(&state, StatusCode::TOO_MANY_REQUESTS, &p)?,
            wait,
        ));
    }
    let outcome = fundraisers::sign_up(
        state.store.as_ref(),
        &state.config.fundraisers,
        &slug,
        &form.input(language.lang),
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(outcome = ?std::mem::discriminant(&outcome), "supporter page sign-up");
            let o = Outcome {
                outcome: "sent",
                ..Outcome::FORM
            };
            let p = page(&state, &language, &c, review, SignUpForm::default(), o);
            respond(&state, StatusCode::OK, &p)
        }
        Err(FundraiserError::Invalid(errors)) => {
            let o = Outcome {
                errors: translated_page_errors(language.lang, errors),
                ..Outcome::FORM
            };
            let p = page(&state, &language, &c, review, form, o);
            respond(&state, StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(AppError::from(e)),
    }
}
