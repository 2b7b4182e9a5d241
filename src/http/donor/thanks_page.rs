//! The thank-you page that Checkout returns donors to (in the language they gave in: the return
//! address carries it), and the small layout the sandbox checkout page uses.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::donor::donation_page::{self as web, tribute_line};
use crate::http::error::{AppError, AppResult, ErrorBody};
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::i18n::{Args, Lang, Tr, format};
use crate::store::{Campaign, Donation};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The sandbox's pages: a page in language `lang` (a tag).
pub fn layout(lang: &str, title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         .sandbox{{background:#fff3cd;padding:.5rem 1rem;border-radius:.5rem}}button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style>\
         </head><body>{body}</body></html>",
        escape(lang),
        escape(title)
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThanksParams {
    /// The donation id, to show the gift and its status.
    donation: Option<String>,
}

pub struct GiftView {
    pub tribute: Option<String>,
    pub tribute_message: Option<String>,
    pub status_text: String,
    pub good: bool,
    /// A recurring gift: the page says how to manage it later (`/manage`).
    pub recurring: bool,
    /// How it is paid: `card`, `us_bank_account`, or "" (an offline gift); the messages name it
    /// (`paid_with` among `tr`'s values).
    pub paid_with: &'static str,
    /// A bank debit not confirmed yet: the bank answers in days, and the page says so rather
    /// than reloading itself meanwhile.
    pub bank_processing: bool,
    /// The gift pays membership dues.
    pub dues: bool,
}

#[derive(Template)]
#[template(path = "thanks.html")]
pub struct ThanksPage {
    /// The gift's values (`amount`, `fee`, `total`, `frequency`, `fee_covered`) and the campaign's.
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
    /// While the payment is being confirmed, the page reloads itself every few seconds.
    pub refresh: bool,
    pub slug: String,
    /// `?lang=xx` for the page's links, when the language was chosen.
    pub carry: String,
    pub gift: Option<GiftView>,
    /// What the campaign's organization says about deductibility (as on the donation page).
    pub tax_notice: Option<&'static str>,
}

/// What a donation's status means to its donor, and whether it is good news.
fn status_text(lang: Lang, status: &str) -> (String, bool) {
    let none = Args::new();
    let (text, good) = match status {
        "succeeded" => (lang.msg("gift-status-succeeded", &none), true),
        "active" | "trialing" => (lang.msg("gift-status-active", &none), true),
        "pending" | "incomplete" => (lang.msg("gift-status-pending", &none), false),
        "failed" => (lang.msg("gift-status-failed", &none), false),
        "abandoned" | "incomplete_expired" => (lang.msg("gift-status-abandoned", &none), false),
        "refunded" | "partially_refunded" => (lang.msg("gift-status-refunded", &none), false),
        "canceled" => (lang.msg("gift-status-canceled", &none), false),
        other => {
            let args = Args::new().text("status", other.replace('_', " "));
            (lang.msg("gift-status-other", &args), false)
        }
    };
    (text, good)
}

/// A bank debit whose money has not come yet: pending, or a plan Stripe already calls active
/// while its first debit processes, with nothing counted.
fn bank_processing(d: &Donation) -> bool {
    d.payment_method.is_some_and(|m| m.is_delayed())
        && d.counted_gifts == 0
        && matches!(d.status.as_str(), "pending" | "active" | "incomplete")
}

pub fn thanks_page(
    language: &PageLanguage,
    languages: Vec<LanguageLink>,
    c: &Campaign,
    org: &crate::config::Organization,
    d: Option<&Donation>,
) -> ThanksPage {
    let lang = language.lang;
    let mut args = Args::new()
        .text("org", &org.name)
        .text("campaign", &c.name)
        .text("ask_url", format!("/manage{}", language.carry('?')));
    let gift = d.map(|d| {
        let (status_text, good) = status_text(lang, &d.status);
        let paid_with = d.payment_method.map_or("", |m| m.as_str());
        args = std::mem::take(&mut args)
            .text("amount", format::money(lang, d.gift_minor, &d.currency))
            .text("fee", format::money(lang, d.fee_minor, &d.currency))
            .text("total", format::money(lang, d.total_minor, &d.currency))
            .word("frequency", d.frequency.as_str())
            .flag("fee_covered", d.fee_minor > 0)
            .word("paid_with", paid_with);
        GiftView {
            tribute: tribute_line(
                lang,
                d.tribute_kind.as_deref(),
                d.tribute_honoree.as_deref(),
            ),
            tribute_message: d.tribute_message.clone(),
            status_text,
            good,
            recurring: d.frequency.is_recurring(),
            paid_with,
            bank_processing: bank_processing(d),
            dues: d.dues_minimum_minor.is_some(),
        }
    });
    ThanksPage {
        tr: Tr::html(lang, args),
        languages,
        refresh: d.is_some_and(|d| d.status == "pending" && !bank_processing(d)),
        slug: c.slug.clone(),
        carry: language.carry('?'),
        gift,
        tax_notice: crate::domain::organization::page_notice(org.tax_status, org.ein.is_some()),
    }
}

/// Where Checkout returns the donor: the gift and its status (which the webhooks set).
#[utoipa::path(
    get,
    path = "/donate/{slug}/thanks",
    tag = "public",
    params(("slug" = String, Path, description = "The campaign's slug"), ThanksParams),
    responses(
        (status = 200, description = "The thank-you page", body = String, content_type = "text/html"),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub async fn thanks(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ThanksParams>,
    language: PageLanguage,
) -> AppResult<Response> {
    let c = state
        .store
        .campaign_by_slug(&slug)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    let gift = match &q.donation {
        Some(id) => state
            .store
            .donation(id)
            .await?
            .filter(|d| d.campaign_id == c.id),
        None => None,
    };
    // Without `?lang=`, the language the gift was made in.
    let language = language.or_chosen(gift.as_ref().map(|d| d.language.as_str()));
    let query: Vec<(&str, &str)> = q
        .donation
        .as_deref()
        .map(|id| ("donation", id))
        .into_iter()
        .collect();
    let languages = switcher(language.lang, &format!("/donate/{}/thanks", c.slug), &query);
    let org = state.config.org_or_default(&c.organization);
    let page = thanks_page(&language, languages, &c, org, gift.as_ref());
    Ok(web::html(
        StatusCode::OK,
        web::render(&page)?,
        &web::donor_csp(&state.config),
        true,
    ))
}
