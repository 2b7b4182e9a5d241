//! Donor checkout through the real async-stripe client against a local fake Stripe API whose
//! answers start from Stripe's own checkout.session object (webhooks/events, from fixtures3.json).
//! Asserts what reaches Stripe, fee coverage, idempotency, validation and failures; both backends.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::fake_stripe::{open_session, spawn_with_stripe};
use crate::helpers::{Backend, TestApp, spawn_app};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A request as the fake saw it: its idempotency key and its form fields.
type Call = (Option<String>, BTreeMap<String, String>);

/// A Checkout Sessions endpoint that behaves like Stripe's: it records each request, replays
/// the first answer for a repeated idempotency key with the same parameters, and refuses the
/// same key with other parameters.
#[derive(Clone, Default)]
struct FakeCheckout {
    seen: Arc<Mutex<Vec<Call>>>,
    keys: Arc<Mutex<BTreeMap<String, (String, Value)>>>,
}

impl FakeCheckout {
    fn calls(&self) -> Vec<Call> {
        self.seen.lock().unwrap().clone()
    }
}

impl Respond for FakeCheckout {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let form: BTreeMap<String, String> =
            form_urlencoded::parse(&req.body).into_owned().collect();
        let key = req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = String::from_utf8_lossy(&req.body).into_owned();
        self.seen.lock().unwrap().push((key.clone(), form.clone()));
        let mut keys = self.keys.lock().unwrap();
        if let Some(k) = &key
            && let Some((first_body, answer)) = keys.get(k)
        {
            if *first_body == body {
                return ResponseTemplate::new(200).set_body_json(answer);
            }
            return ResponseTemplate::new(400).set_body_json(json!({"error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."
            }}));
        }
        let mode = form
            .get("mode")
            .cloned()
            .unwrap_or_else(|| "payment".into());
        let mut session = open_session(&format!("cs_test_fake_{}", keys.len() + 1), &mode);
        session["client_reference_id"] = json!(form.get("client_reference_id"));
        if let Some(k) = key {
            keys.insert(k, (body, session.clone()));
        }
        ResponseTemplate::new(200).set_body_json(session)
    }
}

async fn with_fake_stripe(
    b: &Backend,
    extra: &[(&str, &str)],
) -> (TestApp, MockServer, FakeCheckout) {
    let fake = FakeCheckout::default();
    let (app, stripe) = spawn_with_stripe(b, extra, fake.clone()).await;
    (app, stripe, fake)
}

fn gift(amount: &str, frequency: &str) -> Value {
    json!({
        "amount": amount, "frequency": frequency, "cover_fee": true,
        "donor": {"name": "Ana Pérez", "email": "Ana@Example.org"},
        "anonymous": false,
        "tribute": {"kind": "memory", "honoree": "Lynda Callon", "notify_email": "family@example.org", "message": "With love"},
        "comment": "For the policy team"
    })
}

async fn post(app: &TestApp, slug: &str, body: &Value, key: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.at(&format!("/api/v1/campaigns/{slug}/checkout")))
        .json(body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn one_time_gift_reaches_stripe_as_payment_mode(b: Backend) {
    let (app, _stripe, fake) = with_fake_stripe(&b, &[]).await;
    let (status, body) = post(&app, "policy", &gift("50.00", "one_time"), None).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["gift_minor"], 5000);
    assert_eq!(body["fee_minor"], 180);
    assert_eq!(body["total_minor"], 5180);
    assert_eq!(body["currency"], "usd");
    assert_eq!(body["frequency"], "one_time");
    assert_eq!(
        body["checkout_url"],
        "https://checkout.stripe.com/c/pay/cs_test_fake_1"
    );
    let id = body["donation_id"].as_str().unwrap();

    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    let (key, f) = &calls[0];
    assert_eq!(
        key.as_deref(),
        Some(format!("donation-checkout-{id}").as_str())
    );
    let expect = [
        ("mode", "payment"),
        ("submit_type", "donate"),
        ("client_reference_id", id),
        ("customer_email", "Ana@Example.org"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "5180"),
        ("metadata[donation_id]", id),
        ("metadata[campaign]", "policy"),
        ("payment_intent_data[metadata][donation_id]", id),
        ("payment_intent_data[metadata][campaign]", "policy"),
        // The one method the donor was quoted for.
        ("allowed_payment_method_types[0]", "card"),
    ];
    for (k, v) in expect {
        assert_eq!(f.get(k).map(String::as_str), Some(v), "{k} in {f:?}");
    }
    assert!(!f.contains_key("line_items[0][price_data][recurring][interval]"));
    assert!(f["success_url"].contains(id));
    assert!(f["cancel_url"].contains("/donate/policy"));

    // The record exists, pending, with everything the donor said.
    let d = app.store.donation(id).await.unwrap().unwrap();
    assert_eq!(d.status, "pending");
    assert_eq!(d.checkout_session_id.as_deref(), Some("cs_test_fake_1"));
    assert_eq!(
        (d.gift_minor, d.fee_minor, d.total_minor),
        (5000, 180, 5180)
    );
    assert_eq!(d.donor_key, "ana@example.org");
    assert_eq!(d.tribute_kind.as_deref(), Some("memory"));
    assert_eq!(d.tribute_honoree.as_deref(), Some("Lynda Callon"));
    assert_eq!(
        d.tribute_notify_email.as_deref(),
        Some("family@example.org")
    );
    assert_eq!(d.comment.as_deref(), Some("For the policy team"));

    // The quote is what was charged.
    let (status, quote) = app
        .get_json(
            "/api/v1/campaigns/policy/fee-quote?amount=50.00&frequency=one_time&cover_fee=true",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        quote,
        json!({"currency": "usd", "gift_minor": 5000, "fee_minor": 180, "total_minor": 5180,
               "payment_method": "card"})
    );
    let (_, quote) = app
        .get_json("/api/v1/campaigns/policy/fee-quote?amount=50")
        .await;
    assert_eq!(
        (quote["fee_minor"].as_i64(), quote["total_minor"].as_i64()),
        (Some(0), Some(5000))
    );
}

async fn recurring_gifts_reach_stripe_as_subscriptions(b: Backend) {
    let (app, _stripe, fake) = with_fake_stripe(&b, &[]).await;
    for (frequency, interval) in [("monthly", "month"), ("annual", "year")] {
        let mut body = gift("25", frequency);
        body["cover_fee"] = json!(false);
        let (status, resp) = post(&app, "policy", &body, None).await;
        assert_eq!(status, 201, "{resp}");
        assert_eq!(
            (resp["total_minor"].as_i64(), resp["frequency"].as_str()),
            (Some(2500), Some(frequency))
        );
        let id = resp["donation_id"].as_str().unwrap();
        let (_, f) = fake.calls().pop().unwrap();
        assert_eq!(f["mode"], "subscription");
        assert_eq!(
            f["line_items[0][price_data][recurring][interval]"],
            interval
        );
        assert_eq!(f["line_items[0][price_data][unit_amount]"], "2500");
        assert_eq!(f["subscription_data[metadata][donation_id]"], id);
        assert_eq!(f["metadata[donation_id]"], id);
        assert!(
            !f.contains_key("submit_type"),
            "Stripe refuses submit_type in subscription mode"
        );
    }
}

async fn idempotency_keys_replay_and_refuse_misuse(b: Backend) {
    let (app, _stripe, fake) = with_fake_stripe(&b, &[]).await;
    let body = gift("10", "one_time");
    let (s1, first) = post(&app, "policy", &body, Some("key-1")).await;
    let (s2, second) = post(&app, "policy", &body, Some("key-1")).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second);
    assert_eq!(fake.calls().len(), 1, "the replay made no second session");

    let (status, err) = post(&app, "policy", &gift("11", "one_time"), Some("key-1")).await;
    assert_eq!(status, 422);
    assert_eq!(err["errors"][0]["field"], "Idempotency-Key");

    // Concurrent requests with one key: one session, one donation, the same answer for all.
    let body = gift("12", "one_time");
    let sends = (0..8).map(|_| post(&app, "policy", &body, Some("key-concurrent")));
    let answers = futures::future::join_all(sends).await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let ids: std::collections::BTreeSet<_> = answers
        .iter()
        .map(|(_, b)| b["donation_id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(fake.calls().len(), 2);
}

async fn invalid_gifts_name_their_field_and_create_nothing(b: Backend) {
    let (app, _stripe, fake) = with_fake_stripe(&b, &[]).await;
    let cases: Vec<(&str, Value)> = vec![
        ("amount", json!({"amount": "0"})),
        ("amount", json!({"amount": "-5"})),
        ("amount", json!({"amount": "abc"})),
        ("amount", json!({"amount": "10.001"})),
        ("amount", json!({"amount": "1000000.01"})),
        ("amount", json!({"amount": true})),
        ("frequency", json!({"frequency": "weekly"})),
        (
            "donor.email",
            json!({"donor": {"name": "Ana", "email": "not-an-email"}}),
        ),
        (
            "donor.name",
            json!({"donor": {"name": "x".repeat(201), "email": "a@example.org"}}),
        ),
        (
            "donor.name",
            json!({"donor": {"name": "Ana\u{0007}", "email": "a@example.org"}}),
        ),
        ("comment", json!({"comment": "y".repeat(501)})),
        ("tribute.honoree", json!({"tribute": {"kind": "honor"}})),
        (
            "tribute.kind",
            json!({"tribute": {"kind": "love", "honoree": "Someone"}}),
        ),
        (
            "tribute.notify_email",
            json!({"tribute": {"kind": "honor", "honoree": "A", "notify_email": "nope"}}),
        ),
        ("donor", json!({"donor": null})),
    ];
    for (field, change) in cases {
        let mut body = gift("20", "one_time");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) = post(&app, "policy", &body, None).await;
        assert_eq!(status, 422, "{field}: {err}");
        let fields: Vec<&str> = err["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{field} not named in {err}");
    }
    // Numbers are read exactly, never through a float.
    let mut exact = gift("0", "one_time");
    exact["amount"] = serde_json::from_str("50.10").unwrap();
    exact["cover_fee"] = json!(false);
    let (status, body) = post(&app, "policy", &exact, None).await;
    assert_eq!((status, body["gift_minor"].as_i64()), (201, Some(5010)));

    let (status, _) = post(&app, "missing", &gift("20", "one_time"), None).await;
    assert_eq!(status, 404);
    let token = app.staff_token("ops").await;
    app.client
        .patch(app.at("/api/v1/staff/campaigns/policy"))
        .bearer_auth(&token)
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .unwrap();
    let (status, _) = post(&app, "policy", &gift("20", "one_time"), None).await;
    assert_eq!(status, 404, "a closed campaign takes no gifts");
    assert_eq!(fake.calls().len(), 1, "only the valid gift reached Stripe");
}

async fn stripe_failures_leave_a_failed_donation_and_a_502(b: Backend) {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"type": "api_error", "message": "boom"}})),
        )
        .up_to_n_times(1)
        .mount(&stripe)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&stripe)
        .await;
    let app = spawn_app(
        &b,
        &[
            ("STRIPE_SECRET_KEY", "sk_test_fake"),
            ("STRIPE_API_BASE", &stripe.uri()),
            ("STRIPE_TIMEOUT", "1s"),
        ],
    )
    .await;
    crate::helpers::campaign(&app, "policy", 10_000_000).await;

    for what in ["error", "timeout"] {
        let (status, body) = post(&app, "policy", &gift("30", "one_time"), Some(what)).await;
        assert_eq!(status, 502, "{what}: {body}");
        let detail = body["errors"][0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("try again") && !detail.contains("boom"),
            "{detail}"
        );
    }
    let requests = stripe.received_requests().await.unwrap();
    let ids: Vec<String> = requests
        .iter()
        .filter_map(|r| {
            form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "client_reference_id")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert!(ids.len() >= 2);
    for id in &ids {
        let d = app.store.donation(id).await.unwrap().unwrap();
        assert_eq!(d.status, "failed", "{id}");
        assert!(d.failure_reason.is_some());
        assert!(d.checkout_session_id.is_none());
    }
    // The key of a failed attempt is free again: the donor's retry is a new attempt.
    let (status, _) = post(&app, "policy", &gift("30", "one_time"), Some("error")).await;
    assert_eq!(status, 502);
    assert_eq!(app.progress("policy").await["raised_minor"], 0);
}

async fn sandbox_checkout_points_at_its_own_page(b: Backend) {
    let app = spawn_app(&b, &[("ALLOWED_ORIGINS", "https://coalition.example.org")]).await;
    let (status, body) = post(&app, "demo", &gift("50", "monthly"), None).await;
    assert_eq!(status, 201, "{body}");
    let id = body["donation_id"].as_str().unwrap();
    assert_eq!(
        body["checkout_url"],
        app.at(&format!("/sandbox/checkout/{id}"))
    );

    // CORS: the configured origin may call the public API, others may not.
    let allowed = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.at("/api/v1/campaigns/demo/checkout"),
        )
        .header("origin", "https://coalition.example.org")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://coalition.example.org"
    );
    let other = app
        .client
        .get(app.at("/api/v1/campaigns/demo"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

backend_tests!(
    one_time_gift_reaches_stripe_as_payment_mode,
    recurring_gifts_reach_stripe_as_subscriptions,
    idempotency_keys_replay_and_refuse_misuse,
    invalid_gifts_name_their_field_and_create_nothing,
    stripe_failures_leave_a_failed_donation_and_a_502,
    sandbox_checkout_points_at_its_own_page,
);
