//! Signing and delivering events the way Stripe does: used by the sandbox (which sends its
//! events to this server's own endpoint) and by `donations webhooks send`.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use stripe_webhook::Webhook;

use crate::store::now;

/// The `Stripe-Signature` header for `payload`, signed now with `secret`.
pub fn signature(payload: &str, secret: &str) -> String {
    Webhook::generate_test_header(payload, secret, Some(now()))
}

/// Posts a signed event to `url` (plain http: a local server); returns the status and body.
pub async fn deliver(url: &str, payload: &str, secret: &str) -> Result<(u16, String), String> {
    if !url.starts_with("http://") {
        return Err(format!(
            "{url}: only http:// URLs are supported (a local server)"
        ));
    }
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("stripe-signature", signature(payload, secret))
        .body(Full::new(Bytes::from(payload.to_string())))
        .map_err(|e| e.to_string())?;
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(30), client.request(request))
            .await
            .map_err(|_| format!("{url}: timed out"))?
            .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
