//! A supporter's page (`/donate/{campaign}/f/{page}`): the campaign's donation page with the
//! supporter's header on top (their name, title, story, their own progress toward their goal
//! and the page's address to share), their gifts on the donor wall, and a form that posts to
//! the page, so that its gifts count toward the page as well as the campaign. The page is kept
//! in memory like the campaign's (`public_reads`, `donation_page::kept_page`).
//!
//! The campaign's own page lists its top supporters' pages and, when the campaign takes new
//! ones, links to the sign-up form (`fundraiser_signup_page`). Those parts of `donate.html` are
//! built here ([`parts`]) and drawn by `fundraiser_header.html` and `fundraiser_list.html`, in
//! the page's language; a page is kept once per language, so its links to other donor pages
//! name the language (`?lang=`) rather than leave it to each reader's browser.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::donation_form::DonateForm;
use super::donation_page::{DonateParams, ProgressBar, kept_page, submit_to};
use crate::domain::fundraiser::{headline, paragraphs};
use crate::http::AppState;
use crate::http::error::AppResult;
use crate::http::limits::ClientIp;
use crate::http::page_language::PageLanguage;
use crate::i18n::{Args, Lang};
use crate::services::fundraisers::{self, share_url};
use crate::store::{Campaign, ListedFundraiser, Progress};

/// Pages listed on the campaign's page.
const TOP_PAGES: i64 = 5;

/// What `donate.html` draws of supporters' pages.
pub struct SupporterParts {
    /// Where the donation form posts: the campaign's page or the supporter's.
    pub action: String,
    /// On a supporter's page: its header.
    pub header: Option<PageHeader>,
    /// On the campaign's page: its top supporters' pages, most raised first.
    pub top: Vec<PageCard>,
    /// The sign-up form, when the campaign takes new pages.
    pub start_url: Option<String>,
}

/// The top of a supporter's page.
pub struct PageHeader {
    /// `None`: the template says "{name} is raising money for {campaign}".
    pub title: Option<String>,
    /// The story's paragraphs, each a list of lines.
    pub story: Vec<Vec<String>>,
    pub progress: ProgressBar,
    pub gifts: i64,
    pub share_url: String,
    /// The header's values: `name` (the supporter's), `campaign`, `campaign_url` and the
    /// page's progress.
    pub args: Args,
}

/// A page in the campaign's list.
pub struct PageCard {
    pub name: String,
    pub title: Option<String>,
    pub url: String,
    pub progress: ProgressBar,
    /// The card's values: `name` and the page's progress.
    pub args: Args,
}

/// The supporters' parts of campaign `c`'s donation page, or of its page `page`, in `lang`.
pub async fn parts(
    state: &AppState,
    lang: Lang,
    c: &Campaign,
    page: Option<&ListedFundraiser>,
) -> AppResult<SupporterParts> {
    let base = &state.config.public_base_url;
    let policy = state.store.page_policy(c.id).await?;
    let in_lang = format!("?lang={}", lang.tag());
    let start_url = policy
        .takes_sign_ups()
        .then(|| format!("/donate/{}/fundraise{in_lang}", c.slug));
    let bar = |l: &ListedFundraiser| {
        ProgressBar::toward(
            lang,
            l.fundraiser.goal_minor,
            &c.currency,
            l.progress.raised_minor,
            l.progress.donors,
        )
    };
    Ok(match page {
        Some(l) => {
            let f = &l.fundraiser;
            let progress = bar(l);
            let args = progress
                .args(lang)
                .text("name", &f.name)
                .text("campaign", &c.name)
                .text("campaign_url", format!("/donate/{}{in_lang}", c.slug));
            SupporterParts {
                action: format!("/donate/{}/f/{}", c.slug, f.slug),
                header: Some(PageHeader {
                    title: headline(f).map(str::to_string),
                    story: paragraphs(&f.story),
                    progress,
                    gifts: l.progress.gifts,
                    share_url: share_url(base, &c.slug, &f.slug),
                    args,
                }),
                top: Vec::new(),
                start_url,
            }
        }
        None => SupporterParts {
            action: format!("/donate/{}", c.slug),
            header: None,
            top: fundraisers::top_pages(state.store.as_ref(), c, TOP_PAGES)
                .await?
                .iter()
                .map(|l| {
                    let progress = bar(l);
                    PageCard {
                        name: l.fundraiser.name.clone(),
                        title: headline(&l.fundraiser).map(str::to_string),
                        url: format!("/donate/{}/f/{}{in_lang}", c.slug, l.fundraiser.slug),
                        args: progress.args(lang).text("name", &l.fundraiser.name),
                        progress,
                    }
                })
                .collect(),
            start_url,
        },
    })
}

/// The campaign and its figures, and its public page `page` with its figures (404 otherwise).
pub async fn public_records(
    state: &AppState,
    slug: &str,
    page: &str,
) -> AppResult<(Campaign, Progress, Option<ListedFundraiser>)> {
    let shown = fundraisers::public_page(state.store.as_ref(), slug, page).await?;
    Ok((shown.campaign, shown.campaign_progress, Some(shown.page)))
}

/// `GET /donate/{slug}/f/{page}`
pub async fn show(
    State(state): State<AppState>,
    Path((slug, page)): Path<(String, String)>,
    Query(q): Query<DonateParams>,
    language: PageLanguage,
) -> AppResult<Response> {
    kept_page(
        &state,
        &slug,
        Some(&page),
        language.lang,
        q.canceled.is_some(),
    )
    .await
}

/// `POST /donate/{slug}/f/{page}`: the page's donation form (as the campaign's, the gift
/// naming the page).
pub async fn submit(
    State(state): State<AppState>,
    Path((slug, page)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    language: PageLanguage,
    Form(form): Form<DonateForm>,
) -> AppResult<Response> {
    submit_to(state, slug, Some(&page), ip, language, form).await
}
