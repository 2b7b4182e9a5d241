//! The webhook endpoint over HTTP: signatures, each event type's effect, duplicates (sequential
//! and concurrent), unparsed and foreign events, reconcile against a fake Events API, and the
//! sandbox flow end to end with `donations webhooks send`; on both backends.

use crate::helpers::{
    Backend, TestApp, WEBHOOK_SECRET, event, gift_vars, pending_donation, spawn_app, with,
};
use donations::store::Donation;
use serde_json::{Value, json};
use stripe_webhook::Webhook;

async fn donation(app: &TestApp, id: &str) -> Donation {
    app.store.donation(id).await.unwrap().unwrap()
}

async fn demo(app: &TestApp) -> donations::store::Campaign {
    app.store.campaign_by_slug("demo").await.unwrap().unwrap()
}

async fn post_signed(app: &TestApp, body: &str, header: &str) -> u16 {
    app.client
        .post(app.at("/webhooks/stripe"))
        .header("stripe-signature", header)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn now() -> i64 {
    donations::store::now()
}

async fn signatures_are_checked(b: Backend) {
    let app = spawn_app(
        &b,
        &[("STRIPE_WEBHOOK_SECRET", "whsec_old_secret,whsec_new_secret")],
    )
    .await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5180,
        "a@example.org",
    )
    .await;
    let v = gift_vars(&d, "demo", "sig");
    let payload = event("checkout.session.completed", &v);
    let id: String = serde_json::from_str::<Value>(&payload).unwrap()["id"]
        .as_str()
        .unwrap()
        .into();

    let refused = [
        (
            "wrong secret",
            Webhook::generate_test_header(&payload, "whsec_wrong", None),
        ),
        (
            "stale",
            Webhook::generate_test_header(&payload, "whsec_new_secret", Some(now() - 301)),
        ),
        (
            "future",
            Webhook::generate_test_header(&payload, "whsec_new_secret", Some(now() + 400)),
        ),
        ("malformed", "garbage".to_string()),
        ("bad timestamp", "t=abc,v1=00".to_string()),
        (
            "space after comma",
            Webhook::generate_test_header(&payload, "whsec_new_secret", None).replace(",", ", "),
        ),
    ];
    for (what, header) in &refused {
        assert_eq!(post_signed(&app, &payload, header).await, 400, "{what}");
    }
    let tampered = payload.replace("\"paid\"", "\"unpaid\"");
    assert_ne!(tampered, payload);
    let header = Webhook::generate_test_header(&payload, "whsec_new_secret", None);
    assert_eq!(
        post_signed(&app, &tampered, &header).await,
        400,
        "tampered body"
    );
    let r = app
        .client
        .post(app.at("/webhooks/stripe"))
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no signature");
    let not_event = r#"{"hello":"world"}"#;
    let header = Webhook::generate_test_header(not_event, "whsec_new_secret", None);
    assert_eq!(
        post_signed(&app, not_event, &header).await,
        400,
        "not an event"
    );
    assert!(
        app.store.webhook_event(&id).await.unwrap().is_none(),
        "nothing stored for refused deliveries"
    );
    assert_eq!(donation(&app, &d.id).await.status, "pending");

    // Either secret of a rotation is accepted.
    let header = Webhook::generate_test_header(&payload, "whsec_old_secret", None);
    assert_eq!(post_signed(&app, &payload, &header).await, 200);
    let second = event("charge.succeeded", &v);
    let header = Webhook::generate_test_header(&second, "whsec_new_secret", None);
    assert_eq!(post_signed(&app, &second, &header).await, 200);
    assert_eq!(donation(&app, &d.id).await.status, "succeeded");
}

async fn one_time_gift_lifecycle(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5180,
        "ana@example.org",
    )
    .await;
    let v = gift_vars(&d, "demo", "one");

    // A failed attempt first: failed, with Stripe's reason, not counted.
    assert_eq!(
        app.deliver(&event("payment_intent.payment_failed", &v))
            .await
            .0,
        200
    );
    let got = donation(&app, &d.id).await;
    assert_eq!(
        (got.status.as_str(), got.failure_reason.as_deref()),
        ("failed", Some("Your card was declined."))
    );
    assert_eq!(app.progress("demo").await["raised_minor"], 0);

    // Then paid: the gift counts without the covered fee.
    let (status, body) = app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("applied"));
    let p = app.progress("demo").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(5000), Some(1), Some(1))
    );
    assert_eq!(p["percent"], 0.05);

    // A duplicate changes nothing.
    let (status, body) = app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(status, 200);
    assert!(body.contains("duplicate"), "{body}");
    assert_eq!(app.progress("demo").await["raised_minor"], 5000);

    // The actual fee arrives with charge.updated, beside the estimate.
    let fee = with(
        &v,
        &[("FEE_MINOR", "180".into()), ("NET_MINOR", "5000".into())],
    );
    app.deliver(&event("charge.updated", &fee)).await;
    let got = donation(&app, &d.id).await;
    assert_eq!((got.fee_minor, got.fee_actual_minor), (180, Some(180)));

    // A partial refund takes its gift share off: 1000 × 5000 / 5180 = 965.25 → 965.
    let refund = with(
        &v,
        &[
            ("AMOUNT_MINOR", "1000".into()),
            ("REFUND_ID", "re_a".into()),
        ],
    );
    app.deliver(&event("refund.created", &refund)).await;
    app.deliver(&event("refund.updated", &refund)).await;
    let charge = with(&refund, &[("AMOUNT_REFUNDED_MINOR", "1000".into())]);
    app.deliver(&event("charge.refunded", &charge)).await;
    assert_eq!(app.progress("demo").await["raised_minor"], 5000 - 965);
    assert_eq!(donation(&app, &d.id).await.status, "partially_refunded");

    // A dispute withdraws the rest; winning it puts it back.
    let dispute = with(&v, &[("AMOUNT_MINOR", "4180".into())]);
    app.deliver(&event("charge.dispute.created", &dispute))
        .await;
    app.deliver(&event("charge.dispute.funds_withdrawn", &dispute))
        .await;
    assert_eq!(app.progress("demo").await["raised_minor"], 0);
    assert_eq!(app.progress("demo").await["gifts"], 0);
    assert_eq!(donation(&app, &d.id).await.status, "disputed");
    let won = with(&dispute, &[("DISPUTE_STATUS", "won".into())]);
    app.deliver(&event("charge.dispute.funds_reinstated", &won))
        .await;
    app.deliver(&event("charge.dispute.closed", &won)).await;
    assert_eq!(app.progress("demo").await["raised_minor"], 5000 - 965);

    // The rest refunded: nothing counts, the donor no longer counts either.
    let rest = with(
        &v,
        &[
            ("AMOUNT_MINOR", "4180".into()),
            ("REFUND_ID", "re_b".into()),
        ],
    );
    app.deliver(&event("refund.created", &rest)).await;
    let p = app.progress("demo").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(donation(&app, &d.id).await.status, "refunded");
}

async fn bank_debits_wait_and_sessions_expire(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let slow = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        2000,
        2000,
        "s@example.org",
    )
    .await;
    let v = gift_vars(&slow, "demo", "slow");
    app.deliver(&event(
        "checkout.session.completed",
        &with(&v, &[("PAYMENT_STATUS", "unpaid".into())]),
    ))
    .await;
    assert_eq!(donation(&app, &slow.id).await.status, "pending");
    assert_eq!(app.progress("demo").await["raised_minor"], 0);
    app.deliver(&event("checkout.session.async_payment_succeeded", &v))
        .await;
    assert_eq!(donation(&app, &slow.id).await.status, "succeeded");
    assert_eq!(app.progress("demo").await["raised_minor"], 2000);

    let bounced = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        3000,
        3000,
        "b@example.org",
    )
    .await;
    let v = gift_vars(&bounced, "demo", "bounced");
    app.deliver(&event(
        "checkout.session.completed",
        &with(&v, &[("PAYMENT_STATUS", "unpaid".into())]),
    ))
    .await;
    app.deliver(&event("checkout.session.async_payment_failed", &v))
        .await;
    assert_eq!(donation(&app, &bounced.id).await.status, "failed");

    let left = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        4000,
        4000,
        "l@example.org",
    )
    .await;
    let v = gift_vars(&left, "demo", "left");
    app.deliver(&event(
        "checkout.session.expired",
        &with(&v, &[("PAYMENT_STATUS", "unpaid".into())]),
    ))
    .await;
    assert_eq!(donation(&app, &left.id).await.status, "abandoned");
    let p = app.progress("demo").await;
    assert_eq!(
        (p["raised_minor"].as_i64(), p["gifts"].as_i64()),
        (Some(2000), Some(1))
    );
}

async fn recurring_plan_lifecycle(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "monthly",
        2500,
        2605,
        "m@example.org",
    )
    .await;
    let annual = pending_donation(
        app.store.as_ref(),
        &c,
        "annual",
        12_000,
        12_000,
        "y@example.org",
    )
    .await;
    let v = gift_vars(&d, "demo", "plan");
    let inst = |k: u32| {
        with(
            &v,
            &[
                ("INVOICE_ID", format!("in_plan_{k}")),
                ("PAYMENT_INTENT_ID", format!("pi_in_plan_{k}")),
                ("CREATED", (1_700_000_000 + k * 100).to_string()),
            ],
        )
    };
    // The first installment arrives before its checkout: found through the subscription metadata.
    app.deliver(&event("invoice.paid", &inst(1))).await;
    app.deliver(&event("checkout.session.completed", &v)).await;
    app.deliver(&event("customer.subscription.created", &v))
        .await;
    let got = donation(&app, &d.id).await;
    assert_eq!(got.subscription_id.as_deref(), Some("sub_plan"));
    assert_eq!(got.customer_id.as_deref(), Some("cus_plan"));
    assert_eq!(got.status, "active");

    // A failed installment: past due, attempt count kept, then paid on retry.
    let mut failed = inst(2);
    failed.insert("ATTEMPT_COUNT".into(), "2".into());
    app.deliver(&event("invoice.payment_failed", &failed)).await;
    assert_eq!(donation(&app, &d.id).await.status, "past_due");
    let attempts = app.store.payments_of(&d.id).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .find(|p| p.id == "in_plan_2")
            .map(|p| p.attempt_count),
        Some(2)
    );
    let mut paid = inst(2);
    paid.insert("CREATED".into(), (1_700_000_000 + 250).to_string());
    app.deliver(&event("invoice.paid", &paid)).await;
    assert_eq!(donation(&app, &d.id).await.status, "active");

    let av = gift_vars(&annual, "demo", "yearly");
    app.deliver(&event("checkout.session.completed", &av)).await;
    app.deliver(&event(
        "invoice.paid",
        &with(&av, &[("PAYMENT_INTENT_ID", "pi_in_yearly_1".into())]),
    ))
    .await;
    let p = app.progress("demo").await;
    assert_eq!(p["raised_minor"], 2 * 2500 + 12_000);
    assert_eq!(p["gifts"], 3);
    assert_eq!(p["donors"], 2);
    assert_eq!(p["recurring_active"], 2);
    assert_eq!(p["recurring_monthly_minor"], 2500 + 1000);

    // Canceled: stops counting as recurring; its paid installments still count.
    app.deliver(&event(
        "customer.subscription.deleted",
        &with(&v, &[("CREATED", "1700009999".into())]),
    ))
    .await;
    let p = app.progress("demo").await;
    assert_eq!(
        (
            p["recurring_active"].as_i64(),
            p["recurring_monthly_minor"].as_i64()
        ),
        (Some(1), Some(1000))
    );
    assert_eq!(p["raised_minor"], 2 * 2500 + 12_000);
    let got = donation(&app, &d.id).await;
    assert_eq!(
        (got.status.as_str(), got.canceled_at),
        ("canceled", Some(1_700_009_999))
    );
    // A late "active" update cannot revive it.
    app.deliver(&event(
        "customer.subscription.updated",
        &with(&v, &[("CREATED", "1700099999".into())]),
    ))
    .await;
    assert_eq!(donation(&app, &d.id).await.status, "canceled");
}

async fn installments_of_unknown_plans_wait_for_their_checkout(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "monthly",
        1000,
        1000,
        "o@example.org",
    )
    .await;
    let v = gift_vars(&d, "demo", "orphan");
    // No metadata on the invoice: nobody knows whose it is until the checkout names the subscription.
    let bare = with(
        &v,
        &[
            ("DONATION_ID", String::new()),
            ("PAYMENT_INTENT_ID", "pi_in_orphan_1".into()),
        ],
    );
    let (status, _) = app.deliver(&event("invoice.paid", &bare)).await;
    assert_eq!(status, 200);
    assert_eq!(app.progress("demo").await["raised_minor"], 0);
    app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(app.progress("demo").await["raised_minor"], 1000);
}

async fn mismatches_are_recorded_as_stripe_says_and_flagged(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5180,
        "x@example.org",
    )
    .await;
    let v = with(
        &gift_vars(&d, "demo", "mm"),
        &[("TOTAL_MINOR", "2590".into())],
    );
    app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(app.progress("demo").await["raised_minor"], 2500);
    let flags = app.store.flags().await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].kind.as_str(), flags[0].donation_id.as_deref()),
        ("amount_mismatch", Some(d.id.as_str()))
    );
    assert!(flags[0].detail.contains("2590"));

    let eur = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        1000,
        1000,
        "e@example.org",
    )
    .await;
    let v = with(
        &gift_vars(&eur, "demo", "eur"),
        &[("CURRENCY", "eur".into())],
    );
    app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(
        app.progress("demo").await["raised_minor"],
        2500,
        "another currency is not counted"
    );
    assert_eq!(app.store.flags().await.unwrap().len(), 2);
}

async fn unknown_foreign_and_unparsable_events_are_kept(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5000,
        "k@example.org",
    )
    .await;
    let v = gift_vars(&d, "demo", "kept");

    // A type we don't handle: stored, 200.
    let mut unknown: Value =
        serde_json::from_str(&event("checkout.session.completed", &v)).unwrap();
    unknown["type"] = json!("made_up.event");
    unknown["id"] = json!("evt_unknown_type");
    let (status, body) = app.deliver(&unknown.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.store
            .webhook_event("evt_unknown_type")
            .await
            .unwrap()
            .unwrap()
            .outcome,
        "ignored"
    );

    // A live-mode event on this test-mode server: stored and ignored.
    let live = event(
        "checkout.session.completed",
        &with(&v, &[("LIVEMODE", "true".into())]),
    );
    let (status, body) = app.deliver(&live).await;
    assert_eq!(status, 200);
    assert!(body.contains("ignored"), "{body}");
    assert_eq!(donation(&app, &d.id).await.status, "pending");

    // A known type whose object does not parse (API version drift): kept raw, flagged, 200.
    let mut drift: Value = serde_json::from_str(&event("checkout.session.completed", &v)).unwrap();
    drift["id"] = json!("evt_drifted");
    drift["data"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("mode");
    let (status, body) = app.deliver(&drift.to_string()).await;
    assert_eq!(status, 200, "{body}");
    let stored = app
        .store
        .webhook_event("evt_drifted")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.outcome, "unparsed");
    assert_eq!(
        stored.payload,
        drift.to_string(),
        "the raw body is kept exactly"
    );
    assert!(
        app.store
            .flags()
            .await
            .unwrap()
            .iter()
            .any(|f| f.kind == "unparsed_event")
    );
    let (status, body) = app.deliver(&drift.to_string()).await;
    assert_eq!(status, 200);
    assert!(body.contains("duplicate"));

    // Reprocess: what still does not parse stays; what parses now (here: a stored event whose
    // payload an upgraded parser reads) is applied.
    let (done, left) = donations::webhooks::reprocess(app.store.as_ref(), &Default::default())
        .await
        .unwrap();
    assert_eq!((done, left), (0, 1));
    let good = event("checkout.session.completed", &v);
    let good_id = serde_json::from_str::<Value>(&good).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tx = app.store.begin_ledger(&[]).await.unwrap();
    tx.insert_event(&donations::store::WebhookEvent {
        id: good_id.clone(),
        event_type: "checkout.session.completed".into(),
        created: 1,
        livemode: false,
        outcome: "unparsed".into(),
        detail: Some("could not parse event object".into()),
        payload: good,
        received_at: 1,
        applied_at: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (done, left) = donations::webhooks::reprocess(app.store.as_ref(), &Default::default())
        .await
        .unwrap();
    assert_eq!((done, left), (1, 1));
    assert_eq!(
        app.store
            .webhook_event(&good_id)
            .await
            .unwrap()
            .unwrap()
            .outcome,
        "applied"
    );
    assert_eq!(app.progress("demo").await["raised_minor"], 5000);
}

async fn concurrent_duplicates_apply_once(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = demo(&app).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        7000,
        7000,
        "c@example.org",
    )
    .await;
    let payload = event("checkout.session.completed", &gift_vars(&d, "demo", "conc"));
    let sends = (0..16).map(|_| app.deliver(&payload));
    let results = futures::future::join_all(sends).await;
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    assert_eq!(
        results
            .iter()
            .filter(|(_, body)| body.contains("applied"))
            .count(),
        1
    );
    let p = app.progress("demo").await;
    assert_eq!(
        (p["raised_minor"].as_i64(), p["gifts"].as_i64()),
        (Some(7000), Some(1))
    );
}

async fn reconcile_applies_missed_events_once(b: Backend) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let stripe = MockServer::start().await;
    let app = spawn_app(
        &b,
        &[
            ("STRIPE_SECRET_KEY", "sk_test_fake"),
            ("STRIPE_API_BASE", &stripe.uri()),
            ("PENDING_RECHECK_AFTER", "1s"),
        ],
    )
    .await;
    let c = crate::helpers::campaign(&app, "spring", 1_000_000).await;
    let missed = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5000,
        "r@example.org",
    )
    .await;
    let stuck = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        3000,
        3000,
        "q@example.org",
    )
    .await;
    let events = [
        event(
            "checkout.session.completed",
            &gift_vars(&missed, "spring", "missed"),
        ),
        event("charge.succeeded", &gift_vars(&missed, "spring", "missed")),
    ];
    let list = json!({
        "object": "list",
        "url": "/v1/events",
        "has_more": false,
        "data": events.iter().rev().map(|e| serde_json::from_str::<Value>(e).unwrap()).collect::<Vec<_>>(),
    });
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&list))
        .mount(&stripe)
        .await;
    // The stuck donation's session is complete at Stripe, but its webhook never came.
    let session: Value = serde_json::from_str(&event(
        "checkout.session.completed",
        &gift_vars(&stuck, "spring", "stuck"),
    ))
    .unwrap();
    let mut session = session["data"]["object"].clone();
    session["status"] = json!("complete");
    let session_path = format!(
        "/v1/checkout/sessions/{}",
        stuck.checkout_session_id.as_deref().unwrap()
    );
    Mock::given(method("GET"))
        .and(path(session_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&session))
        .mount(&stripe)
        .await;

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let gateway = donations::app::gateway(&app.config).unwrap();
    let since = std::time::Duration::from_secs(72 * 3600);
    let report = donations::services::reconcile::run(
        app.store.as_ref(),
        gateway.as_ref(),
        &app.config,
        since,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.listed,
            report.applied,
            report.duplicates,
            report.rechecked
        ),
        (2, 2, 0, 1),
        "{report:?}"
    );
    let p = app.progress("spring").await;
    assert_eq!(
        (p["raised_minor"].as_i64(), p["gifts"].as_i64()),
        (Some(8000), Some(2))
    );
    let again = donations::services::reconcile::run(
        app.store.as_ref(),
        gateway.as_ref(),
        &app.config,
        since,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.applied, again.duplicates, again.rechecked),
        (0, 2, 0),
        "{again:?}"
    );
    assert_eq!(app.progress("spring").await["raised_minor"], 8000);
    let asked = stripe.received_requests().await.unwrap();
    let listing = asked.iter().find(|r| r.url.path() == "/v1/events").unwrap();
    assert!(
        listing.url.query().unwrap_or("").contains("created"),
        "{:?}",
        listing.url
    );
}

/// Issue 4's "done when", as a new user would do it: a monthly gift paid in the sandbox, two more
/// installments and a partial refund sent with `donations webhooks send`, each sent twice.
async fn sandbox_gift_then_cli_sent_installments(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/demo/checkout"))
        .json(
            &json!({"amount": "50.00", "frequency": "monthly", "cover_fee": true,
                      "donor": {"name": "Ana Pérez", "email": "ana@example.org"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["gift_minor"].as_i64(), body["total_minor"].as_i64()),
        (Some(5000), Some(5180))
    );
    let id = body["donation_id"].as_str().unwrap().to_string();
    let page = app
        .client
        .get(body["checkout_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Pay"));
    let paid = app
        .client
        .post(app.at(&format!("/sandbox/checkout/{id}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200, "redirected to the thank-you page");
    assert!(paid.text().await.unwrap().contains("active"));
    let p = app.progress("demo").await;
    assert_eq!(
        (p["raised_minor"].as_i64(), p["recurring_active"].as_i64()),
        (Some(5000), Some(1))
    );

    let send = |args: Vec<String>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_donations"));
        cmd.args(["webhooks", "send"])
            .args(&args)
            .args(["--donation", &id, "--url", &app.at("/webhooks/stripe")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db.url)
            .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("RUST_LOG", "warn");
        let out = cmd.output().expect("run donations");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for round in 0..2 {
        let out = send(vec![
            "webhooks/events/invoice.paid.json".into(),
            "--var".into(),
            "INVOICE_ID=in_2".into(),
        ]);
        assert!(
            out.contains(if round == 0 { "applied" } else { "duplicate" }),
            "{out}"
        );
        send(vec![
            "webhooks/events/invoice.paid.json".into(),
            "--var".into(),
            "INVOICE_ID=in_3".into(),
        ]);
        send(vec![
            "webhooks/events/refund.created.json".into(),
            "--var".into(),
            "INVOICE_ID=in_2".into(),
            "--var".into(),
            "AMOUNT_MINOR=1000".into(),
        ]);
    }
    let p = app.progress("demo").await;
    // Three installments of 5000, less 1000 × 5000 / 5180 = 965 for the refund.
    assert_eq!(p["raised_minor"], 15_000 - 965);
    assert_eq!(p["gifts"], 3);
    assert_eq!(p["donors"], 1);
    assert_eq!(p["recurring_active"], 1);
    assert_eq!(p["recurring_monthly_minor"], 5000);
}

backend_tests!(
    signatures_are_checked,
    one_time_gift_lifecycle,
    bank_debits_wait_and_sessions_expire,
    recurring_plan_lifecycle,
    installments_of_unknown_plans_wait_for_their_checkout,
    mismatches_are_recorded_as_stripe_says_and_flagged,
    unknown_foreign_and_unparsable_events_are_kept,
    concurrent_duplicates_apply_once,
    reconcile_applies_missed_events_once,
    sandbox_gift_then_cli_sent_installments,
);
