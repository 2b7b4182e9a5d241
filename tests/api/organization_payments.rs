//! Several organizations' payments (issue 14, item 4), on both backends: each organization's
//! webhook endpoint verified with its own secret and moving only its own donations; a checkout
//! through its campaign's organization's Stripe account; the reconcile pass asking each account
//! only about its own checkouts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::fake_stripe::{open_session, with_counting_stripe};
use crate::helpers::{
    Backend, event, gift_vars, pending_donation, pending_donation_with, spawn_app,
};
use crate::organizations::{ACTION_SECRET, campaign_of, deliver_to, org_vars, spawn};
use donations::store::now;

async fn each_endpoint_verifies_with_its_own_secret_and_moves_only_its_own(b: Backend) {
    let app = spawn(&b).await;
    let c4 = campaign_of(&app, "action", "action-fund").await;
    let c3 = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    let d = pending_donation(
        app.store.as_ref(),
        &c4,
        "one_time",
        5000,
        5000,
        "a@example.org",
    )
    .await;
    let completed = event("checkout.session.completed", &gift_vars(&d, &c4.slug, "w1"));
    // The default organization's secret is refused at the other's endpoint, and an unknown
    // organization has no endpoint.
    let (status, body) = deliver_to(
        &app,
        "/webhooks/stripe/action",
        &completed,
        crate::helpers::WEBHOOK_SECRET,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = deliver_to(&app, "/webhooks/stripe/nobody", &completed, ACTION_SECRET).await;
    assert_eq!(status, 404);
    // The default endpoint, with its own secret, may not move the c4's donation.
    let (status, body) = app.deliver(&completed).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ignored\""), "{body}");
    let still = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!(still.status, "pending");
    assert_eq!(app.progress("action-fund").await["raised_minor"], 0);
    // Its own endpoint and secret do (the same event again: recorded before, so a fresh id).
    let again = event("checkout.session.completed", &gift_vars(&d, &c4.slug, "w2"));
    let (status, body) = deliver_to(&app, "/webhooks/stripe/action", &again, ACTION_SECRET).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"applied\""), "{body}");
    assert_eq!(app.progress("action-fund").await["raised_minor"], 5000);
    // And the c4's endpoint may not move the default organization's donation.
    let d3 = pending_donation(
        app.store.as_ref(),
        &c3,
        "one_time",
        700,
        700,
        "c@example.org",
    )
    .await;
    let theirs = event("checkout.session.completed", &gift_vars(&d3, "demo", "w3"));
    let (_, body) = deliver_to(&app, "/webhooks/stripe/action", &theirs, ACTION_SECRET).await;
    assert!(body.contains("\"ignored\""), "{body}");
    assert_eq!(
        app.store.donation(&d3.id).await.unwrap().unwrap().status,
        "pending"
    );
}

/// The second organization's fake Stripe: sessions of ids of its own (`cs_test_action_N`).
#[derive(Clone, Default)]
struct ActionStripe {
    created: Arc<AtomicUsize>,
}

impl Respond for ActionStripe {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(open_session(&format!("cs_test_action_{n}"), "payment"))
    }
}

async fn a_checkout_uses_its_organizations_stripe_account(b: Backend) {
    let action_stripe = MockServer::start().await;
    let action = ActionStripe::default();
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(action.clone())
        .mount(&action_stripe)
        .await;
    let mut vars = org_vars();
    vars.push(("ORG_ACTION_STRIPE_API_BASE", action_stripe.uri().leak()));
    let (app, _default_stripe, default) = with_counting_stripe(&b, &vars).await;
    campaign_of(&app, "action", "action-fund").await;
    let gift = json!({
        "amount": "25.00", "frequency": "one_time", "cover_fee": false,
        "donor": {"name": "Rosa Díaz", "email": "rosa@example.org"},
    });
    let (status, body) = app.checkout_json("action-fund", &gift).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(action.created.load(Ordering::SeqCst), 1);
    assert_eq!(default.created.load(Ordering::SeqCst), 0);
    let (status, body) = app.checkout_json("policy", &gift).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(default.created.load(Ordering::SeqCst), 1);
    assert_eq!(action.created.load(Ordering::SeqCst), 1);
}

/// A fake Stripe account that lists no events and answers every Checkout Session as still
/// open; what it was asked is in its `received_requests`.
async fn quiet_stripe() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [], "has_more": false, "url": "/v1/events"}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/checkout/sessions/.+"))
        .respond_with(ResponseTemplate::new(200).set_body_json(open_session("cs_open", "payment")))
        .mount(&s)
        .await;
    s
}

/// The paths `s` was asked for.
async fn asked(s: &MockServer) -> Vec<String> {
    s.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect()
}

async fn each_accounts_reconcile_asks_only_about_its_own_checkouts(b: Backend) {
    let (default_stripe, action_stripe) = (quiet_stripe().await, quiet_stripe().await);
    let mut vars = org_vars();
    vars.extend([
        ("STRIPE_SECRET_KEY", "sk_test_default"),
        ("STRIPE_API_BASE", default_stripe.uri().leak() as &str),
        ("ORG_ACTION_STRIPE_API_BASE", action_stripe.uri().leak()),
        ("RECONCILE_INTERVAL", "off"),
    ]);
    let app = spawn_app(&b, &vars).await;
    let c4 = campaign_of(&app, "action", "action-fund").await;
    let c3 = campaign_of(&app, "default", "coalition").await;
    // Checkouts left pending for hours: each is re-checked with its own account's key.
    let old = |d: &mut donations::store::Donation| d.created_at = now() - 86_400;
    let store = app.store.as_ref();
    let ours = pending_donation_with(store, &c4, "one_time", 900, 900, "o@example.org", old).await;
    let theirs =
        pending_donation_with(store, &c3, "one_time", 800, 800, "t@example.org", old).await;
    let gateways = donations::app::gateways(&app.config).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    for (org, gateway) in gateways.all() {
        let since = std::time::Duration::from_secs(3600);
        let report = donations::services::reconcile::run_for(
            store,
            gateway.as_ref(),
            &app.config,
            since,
            &stop,
            org,
        )
        .await
        .unwrap();
        assert_eq!(report.rechecked, 0, "{org}: still open, nothing applied");
    }
    let session = |d: &donations::store::Donation| {
        format!(
            "/v1/checkout/sessions/{}",
            d.checkout_session_id.as_deref().unwrap()
        )
    };
    let (by_action, by_default) = (asked(&action_stripe).await, asked(&default_stripe).await);
    assert!(by_action.contains(&session(&ours)), "{by_action:?}");
    assert!(!by_action.contains(&session(&theirs)), "{by_action:?}");
    assert!(by_default.contains(&session(&theirs)), "{by_default:?}");
    assert!(!by_default.contains(&session(&ours)), "{by_default:?}");
    assert!(
        by_action.contains(&"/v1/events".to_string()),
        "{by_action:?}"
    );
}

backend_tests!(
    each_endpoint_verifies_with_its_own_secret_and_moves_only_its_own,
    a_checkout_uses_its_organizations_stripe_account,
    each_accounts_reconcile_asks_only_about_its_own_checkouts,
);
