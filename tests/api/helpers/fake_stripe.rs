//! A fake Stripe Checkout Sessions API that answers each creation with a fresh open session
//! (built from Stripe's own checkout.session object in webhooks/events) and counts them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Backend, TestApp, spawn_app};

/// Answers every Checkout Session creation with a fresh open session, counts them and keeps
/// each request's form fields.
#[derive(Clone, Default)]
pub struct CountingStripe {
    pub created: Arc<AtomicUsize>,
    pub forms: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl Respond for CountingStripe {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let form: BTreeMap<String, String> =
            form_urlencoded::parse(&req.body).into_owned().collect();
        self.forms.lock().unwrap().push(form.clone());
        let mode = form.get("mode").map_or("payment", String::as_str);
        let mut s = open_session(&format!("cs_test_abuse_{n}"), mode);
        s["client_reference_id"] = json!(form.get("client_reference_id"));
        ResponseTemplate::new(200).set_body_json(s)
    }
}

/// Stripe's own checkout.session object (from webhooks/events), open, with `id` and its URL.
pub fn open_session(id: &str, mode: &str) -> Value {
    let mut v = super::Vars::new();
    for (k, val) in [
        ("LIVEMODE", "false"),
        ("CREATED", "1700000000"),
        ("DONATION_ID", "x"),
        ("CAMPAIGN", "x"),
        ("SESSION_ID", "x"),
        ("MODE", mode),
        ("PAYMENT_STATUS", "unpaid"),
        ("PAYMENT_INTENT_ID", ""),
        ("SUBSCRIPTION_ID", ""),
        ("CUSTOMER_ID", ""),
        ("CURRENCY", "usd"),
        ("TOTAL_MINOR", "0"),
        ("DONOR_EMAIL", "x@example.org"),
    ] {
        v.insert(k.into(), val.into());
    }
    let event: Value =
        serde_json::from_str(&super::event("checkout.session.completed", &v)).unwrap();
    let mut s = event["data"]["object"].clone();
    s["id"] = json!(id);
    s["status"] = json!("open");
    s["url"] = json!(format!("https://checkout.stripe.com/c/pay/{id}"));
    s
}

/// Starts the app against a fake Stripe whose Checkout Sessions endpoint answers with
/// `responder`, with a `policy` campaign to give to.
pub async fn spawn_with_stripe<R: Respond + Clone + 'static>(
    b: &Backend,
    extra: &[(&str, &str)],
    responder: R,
) -> (TestApp, MockServer) {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(responder)
        .mount(&stripe)
        .await;
    let mut vars = vec![
        ("STRIPE_SECRET_KEY", "sk_test_fake"),
        ("STRIPE_API_BASE", stripe.uri().leak() as &str),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_app(b, &vars).await;
    super::campaign(&app, "policy", 10_000_000).await;
    (app, stripe)
}

pub async fn with_counting_stripe(
    b: &Backend,
    extra: &[(&str, &str)],
) -> (TestApp, MockServer, CountingStripe) {
    let fake = CountingStripe::default();
    let (app, stripe) = spawn_with_stripe(b, extra, fake.clone()).await;
    (app, stripe, fake)
}
