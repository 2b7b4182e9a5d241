//! A supporter's own page about their fundraising page, opened by the signed link emailed to
//! them (`/fundraisers/manage/{token}`): where the page stands (unconfirmed, awaiting review,
//! public, hidden), its address to share and its figures, a button to confirm the address, and
//! a form to change the page's words and goal. And `GET|POST /fundraisers/manage`, where a
//! supporter who lost the link asks for fresh ones by address (the same answer whether or not
//! the address has a page; limited per client address and, in the use case, per address).
//!
//! The token is the supporter's only credential and sits in the address, so these pages are
//! never stored, never indexed and never send a Referer (`manage_page::private`), and the
//! request log leaves the token out (`manage_page::loggable_path`). A bad or expired link
//! reads nothing. Every word is in the templates.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::donation_page::{self as web, ProgressBar};
use super::fundraiser_signup_page::{retry_after, take_allowance};
use super::manage_page::private;
use super::manage_request_page::CSP;
use crate::domain::fundraiser::PageInput;
use crate::domain::manage_link::LinkError;
use crate::domain::money::{currency_of, format_major};
use crate::http::AppState;
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
use crate::services::fundraisers::{self, FundraiserError, share_url};
use crate::store::{Campaign, Fundraiser, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fundraisers/manage", get(ask).post(request_links))
        .route("/fundraisers/manage/{token}", get(show).post(save))
        .route("/fundraisers/manage/{token}/confirm", post(confirm))
}

/// The page's words and goal as the form holds them.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PageForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub story: String,
    #[serde(default)]
    pub goal: String,
}

pub struct OwnerView {
    pub campaign: String,
    pub campaign_slug: String,
    pub share_url: String,
    pub page_path: String,
    pub currency_upper: String,
    pub progress: ProgressBar,
}

#[derive(Template)]
#[template(path = "fundraiser_manage.html")]
pub struct OwnerPage {
    pub sandbox: bool,
    pub org: String,
    /// `ok`, `invalid` or `expired`.
    pub link: &'static str,
    /// After a redirect: `saved`, `confirmed` or empty.
    pub notice: &'static str,
    /// `Standing::as_str`.
    pub standing: &'static str,
    pub page: Option<OwnerView>,
    pub form: PageForm,
    pub errors: BTreeMap<String, String>,
    /// `/fundraisers/manage/{token}`, where the forms post.
    pub action: String,
}

impl OwnerPage {
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    pub fn err(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }
}

fn respond(status: StatusCode, body: String) -> Response {
    private(web::html(status, body, CSP, true))
}

/// The owner's page of `f`; its figures are read here.
async fn owner_page(
    state: &AppState,
    token: &str,
    f: &Fundraiser,
    c: &Campaign,
) -> AppResult<OwnerPage> {
    let policy = state.store.page_policy(c.id).await?;
    let progress = state
        .store
        .fundraiser_progress(&f.id)
        .await?
        .map(|l| l.progress)
        .unwrap_or_default();
    Ok(OwnerPage {
        sandbox: state.config.payments.is_sandbox(),
        org: state.config.org.name.clone(),
        link: "ok",
        notice: "",
        standing: f.standing(policy).as_str(),
        page: Some(OwnerView {
            campaign: c.name.clone(),
            campaign_slug: c.slug.clone(),
            share_url: share_url(&state.config.public_base_url, &c.slug, &f.slug),
            page_path: format!("/donate/{}/f/{}", c.slug, f.slug),
            currency_upper: currency_of(&c.currency).code().to_uppercase(),
            progress: ProgressBar::toward(
                f.goal_minor,
                &c.currency,
                progress.raised_minor,
                progress.donors,
            ),
        }),
        form: PageForm {
            name: f.name.clone(),
            title: f.title.clone(),
            story: f.story.clone(),
            goal: format_major(f.goal_minor, currency_of(&c.currency)),
        },
        errors: BTreeMap::new(),
        action: format!("/fundraisers/manage/{token}"),
    })
}

/// The answer to a link that does not open a page (nothing was read through it).
fn bad_link(state: &AppState, e: FundraiserError) -> AppResult<Response> {
    let (status, link) = match e {
        FundraiserError::Link(LinkError::Expired) => (StatusCode::GONE, "expired"),
        FundraiserError::Link(LinkError::Invalid) | FundraiserError::NotFound => {
            (StatusCode::BAD_REQUEST, "invalid")
        }
        e => return Err(e.into()),
    };
    let page = OwnerPage {
        sandbox: state.config.payments.is_sandbox(),
        org: state.config.org.name.clone(),
        link,
        notice: "",
        standing: "",
        page: None,
        form: PageForm::default(),
        errors: BTreeMap::new(),
        action: String::new(),
    };
    Ok(respond(status, web::render(&page)?))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /fundraisers/manage/{token}`
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let opened =
        fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, now()).await;
    let (f, c) = match opened {
        Ok(found) => found,
        Err(e) => return bad_link(&state, e),
    };
    let mut page = owner_page(&state, &token, &f, &c).await?;
    page.notice = match q.done.as_deref() {
        Some("saved") => "saved",
        Some("confirmed") => "confirmed",
        _ => "",
    };
    Ok(respond(StatusCode::OK, web::render(&page)?))
}

/// `POST /fundraisers/manage/{token}`: saves the page (and so confirms the address); `303`
/// back to it, or `422` with each error beside its field.
pub async fn save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<PageForm>,
) -> AppResult<Response> {
    let at = now();
    let (f, c) =
        match fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, at).await {
            Ok(found) => found,
            Err(e) => return bad_link(&state, e),
        };
    let input = PageInput {
        name: &form.name,
        title: &form.title,
        story: &form.story,
        goal: &form.goal,
    };
    match fundraisers::edit(state.store.as_ref(), &f, &c, &input, at).await {
        Ok(_) => Ok(private(
            Redirect::to(&format!("/fundraisers/manage/{token}?done=saved")).into_response(),
        )),
        Err(FundraiserError::Invalid(errors)) => {
            let mut page = owner_page(&state, &token, &f, &c).await?;
            page.form = form;
            for e in errors {
                page.errors
                    .entry(e.field.unwrap_or_else(|| "name".into()))
                    .or_insert(e.detail);
            }
            Ok(respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                web::render(&page)?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /fundraisers/manage/{token}/confirm`: the owner confirms the address; `303` back.
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let at = now();
    let (f, _) =
        match fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, at).await {
            Ok(found) => found,
            Err(e) => return bad_link(&state, e),
        };
    if state.store.confirm_fundraiser(&f.id, at).await? {
        tracing::info!(page = %f.id, "supporter page confirmed");
    }
    Ok(private(
        Redirect::to(&format!("/fundraisers/manage/{token}?done=confirmed")).into_response(),
    ))
}

#[derive(Template)]
#[template(path = "fundraiser_links.html")]
pub struct LinksPage {
    pub sandbox: bool,
    pub sent: bool,
    pub retry_minutes: u64,
    pub email_error: bool,
    pub email_detail: String,
}

fn links_page(state: &AppState, status: StatusCode, p: LinksPage) -> AppResult<Response> {
    let p = LinksPage {
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

fn blank() -> LinksPage {
    LinksPage {
        sandbox: false,
        sent: false,
        retry_minutes: 0,
        email_error: false,
        email_detail: String::new(),
    }
}

/// `GET /fundraisers/manage`: the form.
pub async fn ask(State(state): State<AppState>) -> AppResult<Response> {
    links_page(&state, StatusCode::OK, blank())
}

#[derive(serde::Deserialize)]
pub struct LinksForm {
    #[serde(default)]
    email: String,
}

/// `POST /fundraisers/manage`: emails fresh links to the address if it has pages, and answers
/// the same either way.
pub async fn request_links(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<LinksForm>,
) -> AppResult<Response> {
    if let Err(wait) = take_allowance(&state, ip).await {
        let p = LinksPage {
            retry_minutes: wait.div_ceil(60),
            ..blank()
        };
        return Ok(retry_after(
            links_page(&state, StatusCode::TOO_MANY_REQUESTS, p)?,
            wait,
        ));
    }
    let outcome = fundraisers::request_links(
        state.store.as_ref(),
        &state.config.fundraisers,
        &form.email,
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(?outcome, "supporter page links requested");
            let p = LinksPage {
                sent: true,
                ..blank()
            };
            links_page(&state, StatusCode::OK, p)
        }
        Err(FundraiserError::Invalid(errors)) => {
            let p = LinksPage {
                email_error: true,
                email_detail: errors
                    .into_iter()
                    .next()
                    .map(|e| e.detail)
                    .unwrap_or_default(),
                ..blank()
            };
            links_page(&state, StatusCode::UNPROCESSABLE_ENTITY, p)
        }
        Err(e) => Err(AppError::from(e)),
    }
}
