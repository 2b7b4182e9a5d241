//! A fake Stripe Checkout Sessions API that answers each creation with a fresh open session
//! (built from Stripe's own checkout.session object in webhooks/events) and counts them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Backend, TestApp, spawn_app};

/// Answers every Checkout Session creation with a fresh open session and counts them.
#[derive(Clone, Default)]
pub struct CountingStripe {
    pub created: Arc<AtomicUsize>,
}

impl Respond for CountingStripe {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let form: BTreeMap<String, String> =
            form_urlencoded::parse(&req.body).into_owned().collect();
        let mut v = super::Vars::new();
        for (k, val) in [
            ("LIVEMODE", "false"),
            ("CREATED", "1700000000"),
            ("DONATION_ID", "x"),
            ("CAMPAIGN", "x"),
            ("SESSION_ID", "x"),
            ("MODE", "payment"),
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
        let id = format!("cs_test_abuse_{n}");
        s["id"] = json!(id);
        s["status"] = json!("open");
        s["url"] = json!(format!("https://checkout.stripe.com/c/pay/{id}"));
        s["client_reference_id"] = json!(form.get("client_reference_id"));
        ResponseTemplate::new(200).set_body_json(s)
    }
}

pub async fn with_counting_stripe(
    b: &Backend,
    extra: &[(&str, &str)],
) -> (TestApp, MockServer, CountingStripe) {
    let stripe = MockServer::start().await;
    let fake = CountingStripe::default();
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(fake.clone())
        .mount(&stripe)
        .await;
    let mut vars = vec![
        ("STRIPE_SECRET_KEY", "sk_test_fake"),
        ("STRIPE_API_BASE", stripe.uri().leak() as &str),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_app(b, &vars).await;
    super::campaign(&app, "policy", 10_000_000).await;
    (app, stripe, fake)
}
