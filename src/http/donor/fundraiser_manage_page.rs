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
//! reads nothing. Each page is in the owner's language: `?lang=` (which its forms and links
//! carry), else the language the page was started in, else the browser's; a request for links
//! records the language it was asked in, for its email.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::donation_page::{self as web, ProgressBar};
use super::field_errors::{translated_errors, translated_page_errors};
use super::fundraiser_signup_page::{retry_after, take_allowance};
use super::manage_page::private;
use super::manage_request_page::CSP;
use crate::domain::fundraiser::PageInput;
use crate::domain::manage_link::LinkError;
use crate::domain::money::{currency_of, format_major};
use crate::http::AppState;
use crate::http::error::{AppError, AppResult};
use crate::http::limits::ClientIp;
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::i18n::{Args, Lang, Tr};
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
    pub campaign_slug: String,
    pub share_url: String,
    pub page_path: String,
    pub progress: ProgressBar,
}

#[derive(Template)]
#[template(path = "fundraiser_manage.html")]
pub struct OwnerPage {
    /// The page's values: `campaign`, `org`, `standing`, `currency`, the count of errors and
    /// the page's progress.
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    pub sandbox: bool,
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

/// The owner's page of `f` in `lang`, with `errors` in its form (`form`, else the page as it
/// is); its figures are read here.
async fn owner_page(
    state: &AppState,
    lang: Lang,
    token: &str,
    (f, c): (&Fundraiser, &Campaign),
    form: Option<PageForm>,
    errors: BTreeMap<String, String>,
) -> AppResult<OwnerPage> {
    let policy = state.store.page_policy(c.id).await?;
    let progress = state
        .store
        .fundraiser_progress(&f.id)
        .await?
        .map(|l| l.progress)
        .unwrap_or_default();
    let progress = ProgressBar::toward(
        lang,
        f.goal_minor,
        &c.currency,
        progress.raised_minor,
        progress.donors,
    );
    let standing = f.standing(policy).as_str();
    let action = format!("/fundraisers/manage/{token}");
    let args = progress
        .args(lang)
        .text("campaign", &c.name)
        .text("org", &state.config.org_or_default(&c.organization).name)
        .word("standing", standing)
        .text("currency", currency_of(&c.currency).code().to_uppercase())
        .number("error_count", errors.len() as i64);
    Ok(OwnerPage {
        tr: Tr::html(lang, args),
        languages: switcher(lang, &action, &[]),
        sandbox: state.config.payments.is_sandbox(),
        link: "ok",
        notice: "",
        standing,
        page: Some(OwnerView {
            campaign_slug: c.slug.clone(),
            share_url: share_url(&state.config.public_base_url, &c.slug, &f.slug),
            page_path: format!("/donate/{}/f/{}", c.slug, f.slug),
            progress,
        }),
        form: form.unwrap_or_else(|| PageForm {
            name: f.name.clone(),
            title: f.title.clone(),
            story: f.story.clone(),
            goal: format_major(f.goal_minor, currency_of(&c.currency)),
        }),
        errors,
        action,
    })
}

/// The answer to a link that does not open a page (nothing was read through it), in the
/// language of the request (no page tells another).
fn bad_link(state: &AppState, language: &PageLanguage, e: FundraiserError) -> AppResult<Response> {
    let (status, link) = match e {
        FundraiserError::Link(LinkError::Expired) => (StatusCode::GONE, "expired"),
        FundraiserError::Link(LinkError::Invalid) | FundraiserError::NotFound => {
            (StatusCode::BAD_REQUEST, "invalid")
        }
        e => return Err(e.into()),
    };
    let lang = language.lang;
    let page = OwnerPage {
        tr: Tr::html(lang, Args::new()),
        // (Relative links: the page must not repeat the token it was opened with.)
        languages: switcher(lang, "", &[]),
        sandbox: state.config.payments.is_sandbox(),
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
    language: PageLanguage,
) -> AppResult<Response> {
    let opened =
        fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, now()).await;
    let (f, c) = match opened {
        Ok(found) => found,
        Err(e) => return bad_link(&state, &language, e),
    };
    // Without `?lang=`, the language the page was started in.
    let lang = language.or_chosen(Some(&f.language)).lang;
    let mut page = owner_page(&state, lang, &token, (&f, &c), None, BTreeMap::new()).await?;
    page.notice = match q.done.as_deref() {
        Some("saved") => "saved",
        Some("confirmed") => "confirmed",
        _ => "",
    };
    Ok(respond(StatusCode::OK, web::render(&page)?))
}

/// Back to page `f`'s owner's page after `done`, in `lang` (which its forms named; said only
/// when it is not the page's own, which the owner's page is shown in anyway).
fn back(token: &str, done: &str, lang: Lang, f: &Fundraiser) -> Response {
    let mut to = format!("/fundraisers/manage/{token}?done={done}");
    if lang != Lang::stored(&f.language) {
        to.push_str(&format!("&lang={}", lang.tag()));
    }
    private(Redirect::to(&to).into_response())
}

/// `POST /fundraisers/manage/{token}`: saves the page (and so confirms the address); `303`
/// back to it, or `422` with each error beside its field.
pub async fn save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    language: PageLanguage,
    Form(form): Form<PageForm>,
) -> AppResult<Response> {
    let at = now();
    let (f, c) =
        match fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, at).await {
            Ok(found) => found,
            Err(e) => return bad_link(&state, &language, e),
        };
    let lang = language.or_chosen(Some(&f.language)).lang;
    let input = PageInput {
        name: &form.name,
        title: &form.title,
        story: &form.story,
        goal: &form.goal,
    };
    match fundraisers::edit(state.store.as_ref(), &f, &c, &input, at).await {
        Ok(_) => Ok(back(&token, "saved", lang, &f)),
        Err(FundraiserError::Invalid(errors)) => {
            let errors = translated_page_errors(lang, errors);
            let page = owner_page(&state, lang, &token, (&f, &c), Some(form), errors).await?;
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
    language: PageLanguage,
) -> AppResult<Response> {
    let at = now();
    let (f, _) =
        match fundraisers::open_link(state.store.as_ref(), &state.link_secret, &token, at).await {
            Ok(found) => found,
            Err(e) => return bad_link(&state, &language, e),
        };
    if state.store.confirm_fundraiser(&f.id, at).await? {
        tracing::info!(page = %f.id, "supporter page confirmed");
    }
    let lang = language.or_chosen(Some(&f.language)).lang;
    Ok(back(&token, "confirmed", lang, &f))
}

#[derive(Template)]
#[template(path = "fundraiser_links.html")]
pub struct LinksPage {
    /// The minutes to wait, after too many requests.
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    pub sandbox: bool,
    pub sent: bool,
    pub retry_minutes: u64,
    /// What is wrong with the address typed, in the page's language.
    pub email_error: String,
}

/// The links page in `language`: `sent`, with an error, or refused for `retry_minutes`.
fn links_page(
    state: &AppState,
    status: StatusCode,
    language: &PageLanguage,
    sent: bool,
    retry_minutes: u64,
    email_error: String,
) -> AppResult<Response> {
    let lang = language.lang;
    let minutes = i64::try_from(retry_minutes).unwrap_or(i64::MAX);
    let p = LinksPage {
        tr: Tr::html(lang, Args::new().number("minutes", minutes)),
        languages: switcher(lang, "/fundraisers/manage", &[]),
        sandbox: state.config.payments.is_sandbox(),
        sent,
        retry_minutes,
        email_error,
    };
    let mut r = web::html(status, web::render(&p)?, CSP, true);
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(r)
}

/// `GET /fundraisers/manage`: the form.
pub async fn ask(State(state): State<AppState>, language: PageLanguage) -> AppResult<Response> {
    links_page(&state, StatusCode::OK, &language, false, 0, String::new())
}

#[derive(serde::Deserialize)]
pub struct LinksForm {
    #[serde(default)]
    email: String,
    /// The page's language, carried through the post (the email is written in it).
    #[serde(default)]
    lang: Option<String>,
}

/// `POST /fundraisers/manage`: emails fresh links to the address if it has pages, and answers
/// the same either way.
pub async fn request_links(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    language: PageLanguage,
    Form(form): Form<LinksForm>,
) -> AppResult<Response> {
    let language = language.or_chosen(form.lang.as_deref());
    if let Err(wait) = take_allowance(&state, ip).await {
        let minutes = wait.div_ceil(60);
        let page = links_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &language,
            false,
            minutes,
            String::new(),
        )?;
        return Ok(retry_after(page, wait));
    }
    let outcome = fundraisers::request_links(
        state.store.as_ref(),
        &state.config.fundraisers,
        &form.email,
        language.lang.tag(),
        now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            tracing::info!(?outcome, "supporter page links requested");
            links_page(&state, StatusCode::OK, &language, true, 0, String::new())
        }
        Err(FundraiserError::Invalid(errors)) => {
            let detail = translated_errors(language.lang, errors)
                .into_values()
                .next()
                .unwrap_or_default();
            links_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &language,
                false,
                0,
                detail,
            )
        }
        Err(e) => Err(AppError::from(e)),
    }
}
