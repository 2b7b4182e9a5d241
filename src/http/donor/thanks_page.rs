//! Server-rendered pages: the thank-you page that Checkout returns donors to (rendered by
//! `web`), and the small layout the sandbox checkout page uses.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use serde::Deserialize;

use crate::domain::money::{Currency, format_major};
use crate::http::AppState;
use crate::http::donor::donation_page as web;
use crate::http::error::{AppError, AppResult, ErrorBody};

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

pub fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         .sandbox{{background:#fff3cd;padding:.5rem 1rem;border-radius:.5rem}}button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style>\
         </head><body>{body}</body></html>",
        escape(title)
    ))
}

pub fn amount(minor: i64, currency: &str) -> String {
    let c = Currency::parse(currency).unwrap_or(Currency::USD);
    format!("{} {}", format_major(minor, c), c.code().to_uppercase())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThanksParams {
    /// The donation id, to show the gift and its status.
    donation: Option<String>,
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
) -> AppResult<Response> {
    let c = state
        .store
        .campaign_by_slug(&slug)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    let gift = match q.donation {
        Some(id) => state
            .store
            .donation(&id)
            .await?
            .filter(|d| d.campaign_id == c.id),
        None => None,
    };
    let page = web::thanks_page(&c, gift.as_ref());
    Ok(web::html(
        StatusCode::OK,
        web::render(&page)?,
        &web::donor_csp(&state.config),
        true,
    ))
}
