//! The stylesheet and scripts the donor pages load (and the embed snippet's script), served
//! from the binary with a short public cache lifetime.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub const CSS: &str = include_str!("../../../assets/app.css");
pub const DONATE_JS: &str = include_str!("../../../assets/donate.js");
/// The embed snippet's script, which nonprofits load on their own pages (README, "Embedding").
pub const EMBED_JS: &str = include_str!("../../../assets/embed.js");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn donate_js() -> Response {
    asset("text/javascript; charset=utf-8", DONATE_JS)
}

pub async fn embed_js() -> Response {
    asset("text/javascript; charset=utf-8", EMBED_JS)
}
