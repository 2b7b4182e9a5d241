//! Issue 15, items 1 and 2, on both backends, against a fake Stripe answering with Stripe's own
//! objects (webhooks/objects/balance_transaction.json; the invoice of webhooks/events): a charge
//! event names its balance transaction by id only, and the reconcile pass fetches the actual fee
//! and net, shown beside the estimate in the summary, the CSV and the dashboard; a failing
//! request backs off and is flagged after repeated failures; a repeated pass changes nothing;
//! money converted into another currency is kept out and flagged; an event listed in an older
//! API version is re-fetched through its object's endpoint and applied, or kept and flagged.

use std::time::Duration;

use donations::app::gateway;
use donations::domain::settlement::{FLAG_AFTER_FAILURES, retry_after};
use donations::payments::Gateway;
use donations::services::actual_fees::ActualFees;
use donations::services::event_refetch::EventRefetch;
use donations::services::reconcile;
use donations::store::{Campaign, Donation, Store};
use donations::webhooks::IngestRules;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::pages::{get_with_cookie, session_cookie, sign_in};
use crate::helpers::{Backend, TestApp, event, gift_vars, pending_donation, spawn_app, with};

const BALANCE_TRANSACTION: &str = include_str!("../../webhooks/objects/balance_transaction.json");
/// A time for the passes driven by hand (their backoff is in seconds from it).
const T0: i64 = 1_800_000_000;

/// Stripe's balance transaction object with a charge's values patched in.
fn balance_transaction(id: &str, charge: &str, amount: i64, currency: &str, fee: i64) -> Value {
    let mut b: Value = serde_json::from_str(BALANCE_TRANSACTION).unwrap();
    b["id"] = json!(id);
    b["source"] = json!(charge);
    b["amount"] = json!(amount);
    b["currency"] = json!(currency);
    b["fee"] = json!(fee);
    b["net"] = json!(amount - fee);
    b["fee_details"] = json!([{
        "amount": fee, "application": null, "currency": currency,
        "description": "Stripe processing fees", "type": "stripe_fee"
    }]);
    b
}

fn stripe_error(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {
        "type": if status >= 500 { "api_error" } else { "invalid_request_error" },
        "message": format!("status {status} from the fake"),
    }}))
}

/// The app with a test-mode key against a fake Stripe whose Events API lists nothing.
async fn live_app(b: &Backend, events: Vec<Value>) -> (TestApp, MockServer) {
    stripe_app(b, "sk_test_fake", events).await
}

/// The app with Stripe key `key` against a fake Stripe whose Events API lists `events`
/// (newest first, as Stripe does).
async fn stripe_app(b: &Backend, key: &str, events: Vec<Value>) -> (TestApp, MockServer) {
    let stripe = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "url": "/v1/events", "has_more": false, "data": events,
        })))
        .mount(&stripe)
        .await;
    let app = spawn_app(
        b,
        &[
            ("STRIPE_SECRET_KEY", key),
            ("STRIPE_API_BASE", &stripe.uri()),
            ("RECONCILE_INTERVAL", "off"),
        ],
    )
    .await;
    (app, stripe)
}

async fn answer(stripe: &MockServer, at: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(stripe)
        .await;
}

/// Requests the fake received for `at`.
async fn asked(stripe: &MockServer, at: &str) -> usize {
    let requests = stripe.received_requests().await.unwrap();
    requests.iter().filter(|r| r.url.path() == at).count()
}

/// A one-time $50 gift with the fee covered ($51.80), paid: its session completed and its
/// charge `ch_<tag>` succeeded, naming its balance transaction `txn_ch_<tag>` by id only (the
/// templates' convention).
async fn paid_gift(app: &TestApp, c: &Campaign, tag: &str) -> (Donation, String) {
    let d = pending_donation(
        app.store.as_ref(),
        c,
        "one_time",
        5000,
        5180,
        "ana@example.org",
    )
    .await;
    let live = app.config.payments.is_live().to_string();
    let v = with(
        &gift_vars(&d, &c.slug, tag),
        &[
            ("BALANCE_TRANSACTION_ID", format!("txn_ch_{tag}")),
            ("LIVEMODE", live),
        ],
    );
    for kind in ["checkout.session.completed", "charge.succeeded"] {
        let payload = event(kind, &v);
        if kind == "charge.succeeded" {
            let e: Value = serde_json::from_str(&payload).unwrap();
            assert_eq!(
                e["data"]["object"]["balance_transaction"],
                format!("txn_ch_{tag}")
            );
        }
        let (status, body) = app.deliver(&payload).await;
        assert_eq!(status, 200, "{kind}: {body}");
        assert!(body.contains("applied"), "{kind}: {body}");
    }
    (d, format!("ch_{tag}"))
}

fn fees<'a>(app: &'a TestApp, gateway: &'a dyn Gateway) -> ActualFees<'a> {
    let rules = IngestRules::of(&app.config);
    ActualFees {
        store: app.store.as_ref(),
        gateway,
        org: "default",
        bounds: rules.bounds,
        live: rules.live,
    }
}

async fn pass(
    app: &TestApp,
    gateway: &dyn Gateway,
    at: i64,
) -> donations::services::actual_fees::FeeReport {
    fees(app, gateway)
        .run(at, &CancellationToken::new())
        .await
        .expect("fee pass")
}

/// One whole reconcile pass, as the server's reconciler runs it.
async fn reconcile_pass(app: &TestApp) -> reconcile::Report {
    let gateway = gateway(&app.config).unwrap();
    let since = Duration::from_secs(3600);
    reconcile::run(app.store.as_ref(), gateway.as_ref(), &app.config, since)
        .await
        .expect("a reconcile pass")
}

async fn staff_get(app: &TestApp, token: &str, at: &str) -> reqwest::Response {
    let r = app
        .client
        .get(app.at(at))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{at}");
    r
}

async fn summary(app: &TestApp, token: &str, slug: &str) -> Value {
    staff_get(
        app,
        token,
        &format!("/api/v1/staff/campaigns/{slug}/summary"),
    )
    .await
    .json()
    .await
    .unwrap()
}

/// The CSV row of a donation, by column name.
async fn csv_row(
    app: &TestApp,
    token: &str,
    id: &str,
) -> std::collections::HashMap<String, String> {
    let text = staff_get(app, token, "/api/v1/staff/donations?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let row = reader
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == id)
        .expect("the donation's row");
    header
        .into_iter()
        .zip(row.iter().map(String::from))
        .collect()
}

async fn flags_of_kind(store: &dyn Store, kind: &str) -> Vec<donations::store::Flag> {
    let flags = store.flags().await.unwrap();
    flags.into_iter().filter(|f| f.kind == kind).collect()
}

/// The "done when": a live-mode charge whose event carried only a balance transaction id has
/// its actual fee and net fetched by the reconcile pass, and staff see them beside the estimate.
async fn the_actual_fee_is_fetched_and_shown(b: Backend) {
    let (app, stripe) = stripe_app(&b, "sk_live_fake", vec![]).await;
    assert!(app.config.payments.is_live());
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (d, charge) = paid_gift(&app, &c, "fee1").await;
    let token = app.staff_token("ana").await;
    // Before the pass only the estimate is known.
    let before = summary(&app, &token, "policy").await;
    assert_eq!(
        (
            before["actual_fees_unknown"].as_i64(),
            before["fees_minor"].as_i64()
        ),
        (Some(1), Some(180)),
        "{before}"
    );
    assert_eq!(csv_row(&app, &token, &d.id).await["fee_actual_minor"], "");

    // An international card: 4.4% + 30 on $51.80 is $2.58, where the estimate is $1.80.
    answer(
        &stripe,
        "/v1/balance_transactions/txn_ch_fee1",
        balance_transaction("txn_ch_fee1", &charge, 5180, "usd", 258),
    )
    .await;
    let report = reconcile_pass(&app).await;
    assert_eq!(
        (report.fees_recorded, report.fees_failed),
        (1, 0),
        "{report:?}"
    );
    let request = stripe.received_requests().await.unwrap();
    let request = request
        .iter()
        .find(|r| r.url.path() == "/v1/balance_transactions/txn_ch_fee1")
        .expect("the balance transaction was asked for");
    assert_eq!(
        request.headers["stripe-version"].to_str().unwrap(),
        donations::STRIPE_API_VERSION
    );

    let s = summary(&app, &token, "policy").await;
    for (figure, want) in [
        ("actual_fees_minor", 258),
        ("actual_net_minor", 4922),
        ("actual_fees_estimate_minor", 180),
        ("estimated_fees_minor", 180),
        ("fees_minor", 258),
        ("actual_fees_unknown", 0),
        ("actual_fees_other_currency", 0),
        ("net_minor", 4922),
        ("raised_minor", 5000),
    ] {
        assert_eq!(s[figure].as_i64(), Some(want), "{figure}: {s}");
    }
    let row = csv_row(&app, &token, &d.id).await;
    for (column, want) in [
        ("fee_actual_minor", "258"),
        ("fee_actual", "2.58"),
        ("net_actual_minor", "4922"),
        ("net_actual", "49.22"),
        ("fee", "1.80"),
    ] {
        assert_eq!(row[column], want, "{column}");
    }
    let (_, headers, _) = sign_in(&app, &token).await;
    let (status, page) = get_with_cookie(
        &app,
        "/dashboard/campaigns/policy",
        &session_cookie(&headers),
    )
    .await;
    assert_eq!(status, 200);
    for shown in [
        "Stripe fees, estimated",
        "Stripe fees, actual (where known)",
        "$2.58",
        "Estimate for those payments",
        "Net from Stripe (where known)",
        "$49.22",
        "Stripe fee",
    ] {
        assert!(page.contains(shown), "the dashboard shows {shown}");
    }
    // The fee reached the figures as a recorded fact of its own.
    let recorded = app
        .store
        .webhook_event("fee:txn_ch_fee1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (recorded.outcome.as_str(), recorded.livemode),
        ("applied", true)
    );
    assert!(recorded.payload.contains("258"), "{}", recorded.payload);
}

/// A failed request is asked again only after its wait; then it succeeds.
async fn a_failed_fetch_backs_off_then_succeeds(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (d, charge) = paid_gift(&app, &c, "retry").await;
    let at = "/v1/balance_transactions/txn_ch_retry";
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(stripe_error(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&stripe)
        .await;
    answer(
        &stripe,
        at,
        balance_transaction("txn_ch_retry", &charge, 5180, "usd", 180),
    )
    .await;
    let gateway = gateway(&app.config).unwrap();

    let first = pass(&app, gateway.as_ref(), T0).await;
    assert_eq!((first.asked, first.recorded, first.failed), (1, 0, 1));
    // Within the wait the charge is not asked about.
    let waiting = pass(&app, gateway.as_ref(), T0 + retry_after(1) - 1).await;
    assert_eq!(waiting.asked, 0, "{waiting:?}");
    assert_eq!(asked(&stripe, at).await, 1);
    let second = pass(&app, gateway.as_ref(), T0 + retry_after(1)).await;
    assert_eq!((second.asked, second.recorded, second.failed), (1, 1, 0));
    assert_eq!(asked(&stripe, at).await, 2);
    let d = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!(
        (d.fee_actual_minor, d.net_actual_minor),
        (Some(180), Some(5000))
    );
    assert!(
        flags_of_kind(app.store.as_ref(), "fee_fetch_failed")
            .await
            .is_empty()
    );
    // Recorded, it is never asked about again.
    let later = pass(&app, gateway.as_ref(), T0 + 86_400).await;
    assert_eq!(later.asked, 0);
}

/// A charge recorded without its balance transaction's id (its event had none, or it came
/// before this version) has its charge retrieved first to learn it; one whose balance
/// transaction does not exist yet (asynchronous capture) waits, without holding up the others.
async fn a_charge_without_its_balance_transaction_id_is_retrieved_first(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let mut charges = vec![];
    for tag in ["early", "late"] {
        let d = pending_donation(
            app.store.as_ref(),
            &c,
            "one_time",
            5000,
            5180,
            "e@example.org",
        )
        .await;
        let v = gift_vars(&d, "policy", tag);
        for kind in ["checkout.session.completed", "charge.succeeded"] {
            assert_eq!(app.deliver(&event(kind, &v)).await.0, 200, "{kind}");
        }
        // Stripe's charge as its own endpoint answers it: the balance transaction by id, or
        // none yet for the one still being captured.
        let bt = with(&v, &[("BALANCE_TRANSACTION_ID", format!("txn_ch_{tag}"))]);
        let bt = if tag == "late" { v.clone() } else { bt };
        let charge: Value = serde_json::from_str(&event("charge.succeeded", &bt)).unwrap();
        answer(
            &stripe,
            &format!("/v1/charges/ch_{tag}"),
            charge["data"]["object"].clone(),
        )
        .await;
        charges.push(d);
    }
    answer(
        &stripe,
        "/v1/balance_transactions/txn_ch_early",
        balance_transaction("txn_ch_early", "ch_early", 5180, "usd", 180),
    )
    .await;
    let gateway = gateway(&app.config).unwrap();
    let report = pass(&app, gateway.as_ref(), T0).await;
    assert_eq!(
        (report.asked, report.recorded, report.failed),
        (2, 1, 1),
        "{report:?}"
    );
    let early = app.store.donation(&charges[0].id).await.unwrap().unwrap();
    assert_eq!(early.fee_actual_minor, Some(180));
    let (_, records, _) = app.store.intent_records("pi_early").await.unwrap();
    assert_eq!(
        records[0].balance_transaction_id.as_deref(),
        Some("txn_ch_early")
    );
    let late = app.store.donation(&charges[1].id).await.unwrap().unwrap();
    assert_eq!(late.fee_actual_minor, None);
    // Still no balance transaction after the wait: asked again, still waiting, unflagged.
    let again = pass(&app, gateway.as_ref(), T0 + retry_after(1)).await;
    assert_eq!((again.asked, again.failed), (1, 1), "{again:?}");
    assert_eq!(asked(&stripe, "/v1/charges/ch_late").await, 2);
    assert!(
        flags_of_kind(app.store.as_ref(), "fee_fetch_failed")
            .await
            .is_empty()
    );
}

/// Staff are told once the request has failed `FLAG_AFTER_FAILURES` times in a row; until
/// then, and after, the estimate stands in for the fee.
async fn repeated_failures_are_flagged(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (d, _) = paid_gift(&app, &c, "down").await;
    Mock::given(method("GET"))
        .and(path("/v1/balance_transactions/txn_ch_down"))
        .respond_with(stripe_error(500))
        .mount(&stripe)
        .await;
    let gateway = gateway(&app.config).unwrap();
    let mut at = T0;
    for attempt in 1..=FLAG_AFTER_FAILURES {
        let report = pass(&app, gateway.as_ref(), at).await;
        assert_eq!((report.asked, report.failed), (1, 1), "attempt {attempt}");
        let flags = flags_of_kind(app.store.as_ref(), "fee_fetch_failed").await;
        assert_eq!(
            flags.len(),
            usize::from(attempt == FLAG_AFTER_FAILURES),
            "attempt {attempt}"
        );
        at += retry_after(attempt);
    }
    let flag = &flags_of_kind(app.store.as_ref(), "fee_fetch_failed").await[0];
    assert_eq!(flag.donation_id.as_deref(), Some(d.id.as_str()));
    assert!(flag.detail.contains("ch_down"), "{}", flag.detail);
    // Asking goes on at the longest wait, and the flag is kept once.
    let again = pass(&app, gateway.as_ref(), at).await;
    assert_eq!(again.failed, 1);
    assert_eq!(
        flags_of_kind(app.store.as_ref(), "fee_fetch_failed")
            .await
            .len(),
        1
    );
    let token = app.staff_token("ana").await;
    let s = summary(&app, &token, "policy").await;
    assert_eq!(
        (s["actual_fees_unknown"].as_i64(), s["fees_minor"].as_i64()),
        (Some(1), Some(180))
    );
    // The page shows the flag.
    let (_, headers, _) = sign_in(&app, &token).await;
    let (_, page) = get_with_cookie(
        &app,
        "/dashboard/campaigns/policy",
        &session_cookie(&headers),
    )
    .await;
    assert!(
        page.contains("fee fetch failed"),
        "the flag is on the campaign page"
    );
}

/// Passes that run again, or at once on two servers, and a webhook that carries the same
/// balance transaction expanded, leave the same figures.
async fn a_repeated_pass_changes_nothing(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (d, charge) = paid_gift(&app, &c, "dup").await;
    answer(
        &stripe,
        "/v1/balance_transactions/txn_ch_dup",
        balance_transaction("txn_ch_dup", &charge, 5180, "usd", 180),
    )
    .await;
    let gateway = gateway(&app.config).unwrap();
    // Two passes at once (two servers): both ask, one records.
    let (one, two) = futures::join!(
        pass(&app, gateway.as_ref(), T0),
        pass(&app, gateway.as_ref(), T0)
    );
    assert_eq!(one.recorded + two.recorded, 1, "{one:?} {two:?}");
    let token = app.staff_token("ana").await;
    let first = summary(&app, &token, "policy").await;
    let donation = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!(donation.fee_actual_minor, Some(180));

    let again = pass(&app, gateway.as_ref(), T0 + 86_400).await;
    assert_eq!(again.asked, 0);
    // The same balance transaction arriving expanded (charge.updated) changes nothing either.
    let v = with(
        &gift_vars(&d, "policy", "dup"),
        &[
            ("FEE_MINOR", "180".into()),
            ("NET_MINOR", "5000".into()),
            ("CREATED", "1700000100".into()),
        ],
    );
    assert_eq!(app.deliver(&event("charge.updated", &v)).await.0, 200);
    assert_eq!(summary(&app, &token, "policy").await, first);
    assert_eq!(app.store.donation(&d.id).await.unwrap().unwrap(), donation);
    assert_eq!(first["raised_minor"], 5000);
}

/// A charge in euros that Stripe settled in dollars: its fee is in dollars, so it stays out of
/// the euro figures, flagged; it is not asked about again.
async fn a_converted_currency_is_kept_out_and_flagged(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c =
        crate::helpers::campaign_in_currency(app.store.as_ref(), "europa", 10_000_000, "eur").await;
    let (d, charge) = paid_gift(&app, &c, "eur").await;
    let mut txn = balance_transaction("txn_ch_eur", &charge, 5632, "usd", 278);
    txn["exchange_rate"] = json!(1.0873);
    answer(&stripe, "/v1/balance_transactions/txn_ch_eur", txn).await;
    let gateway = gateway(&app.config).unwrap();
    let report = pass(&app, gateway.as_ref(), T0).await;
    assert_eq!(report.recorded, 1, "{report:?}");

    let d = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!((d.fee_actual_minor, d.net_actual_minor), (None, None));
    let flags = flags_of_kind(app.store.as_ref(), "fee_other_currency").await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].donation_id.as_deref(), Some(d.id.as_str()));
    for part in ["settled in usd", "1.0873", "txn_ch_eur", "278"] {
        assert!(
            flags[0].detail.contains(part),
            "{part}: {}",
            flags[0].detail
        );
    }
    let token = app.staff_token("ana").await;
    let s = summary(&app, &token, "europa").await;
    assert_eq!(
        (
            s["actual_fees_minor"].as_i64(),
            s["actual_fees_unknown"].as_i64(),
            s["actual_fees_other_currency"].as_i64(),
            s["gross_minor"].as_i64()
        ),
        (Some(0), Some(1), Some(1), Some(5180)),
        "{s}"
    );
    assert_eq!(pass(&app, gateway.as_ref(), T0 + 86_400).await.asked, 0);
}

/// An `invoice.paid` as the Events API lists it in its 2024 API version: the subscription at
/// the top level, no `parent`, no `issuer` nor `amount_overpaid` (which the pinned version
/// requires). Its data.object is Stripe's invoice of webhooks/events, turned back in time.
fn old_invoice_paid(v: &crate::helpers::Vars, event_id: &str) -> Value {
    let mut e: Value = serde_json::from_str(&event("invoice.paid", v)).unwrap();
    e["id"] = json!(event_id);
    e["api_version"] = json!("2024-06-20");
    let invoice = e["data"]["object"].as_object_mut().unwrap();
    for gone in ["parent", "issuer", "amount_overpaid", "payments"] {
        invoice.remove(gone);
    }
    invoice.insert("subscription".into(), v["SUBSCRIPTION_ID"].clone().into());
    invoice.insert("paid".into(), json!(true));
    invoice.insert(
        "payment_intent".into(),
        v["PAYMENT_INTENT_ID"].clone().into(),
    );
    e
}

/// A monthly gift whose plan is known (checkout completed), and the variables of its first
/// installment's objects.
async fn monthly_gift(app: &TestApp, c: &Campaign, tag: &str) -> (Donation, crate::helpers::Vars) {
    let d = pending_donation(
        app.store.as_ref(),
        c,
        "monthly",
        5000,
        5000,
        "mo@example.org",
    )
    .await;
    let v = gift_vars(&d, &c.slug, tag);
    let (status, body) = app.deliver(&event("checkout.session.completed", &v)).await;
    assert_eq!(status, 200, "{body}");
    let v = with(&v, &[("PAYMENT_INTENT_ID", format!("pi_{tag}_1"))]);
    (d, v)
}

/// The old event does not parse under the pinned version; the pass fetches its invoice from
/// `GET /v1/invoices/{id}` (which answers in the pinned version) and applies it under the
/// event's own id and type: the installment counts, once.
async fn an_old_api_version_event_is_refetched_and_applied(b: Backend) {
    // The listing is mounted once the donation (and so the event's body) exists.
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (d, v) = monthly_gift(&app, &c, "old").await;
    let old = old_invoice_paid(&v, "evt_old_invoice_paid");
    assert!(
        stripe_webhook::Webhook::insecure(&old.to_string()).is_err(),
        "the older version must not parse under the pinned one"
    );
    // The listing now holds the old event (mounted over the empty one).
    Mock::given(method("GET"))
        .and(path("/v1/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "url": "/v1/events", "has_more": false, "data": [old],
        })))
        .with_priority(1)
        .mount(&stripe)
        .await;
    let current: Value = serde_json::from_str(&event("invoice.paid", &v)).unwrap();
    let invoice_at = "/v1/invoices/in_old_1";
    answer(&stripe, invoice_at, current["data"]["object"].clone()).await;

    let report = reconcile_pass(&app).await;
    assert_eq!(
        (
            report.listed,
            report.unparsed,
            report.refetched,
            report.refetch_failed
        ),
        (1, 1, 1, 0),
        "{report:?}"
    );
    let request = stripe.received_requests().await.unwrap();
    let request = request.iter().find(|r| r.url.path() == invoice_at).unwrap();
    assert_eq!(
        request.headers["stripe-version"].to_str().unwrap(),
        donations::STRIPE_API_VERSION
    );
    let p = app.progress("policy").await;
    assert_eq!(
        (p["raised_minor"].as_i64(), p["gifts"].as_i64()),
        (Some(5000), Some(1)),
        "{p}"
    );
    let stored = app
        .store
        .webhook_event("evt_old_invoice_paid")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.outcome.as_str(), stored.event_type.as_str()),
        ("applied", "invoice.paid")
    );
    let detail = stored.detail.unwrap_or_default();
    assert!(
        detail.contains("2024-06-20") && detail.contains("fetched again"),
        "{detail}"
    );
    // The raw event is kept as Stripe sent it.
    assert!(stored.payload.contains("2024-06-20"));
    let unparsed = flags_of_kind(app.store.as_ref(), "unparsed_event").await;
    assert_eq!(unparsed.len(), 1);
    assert!(unparsed[0].resolved_at.is_some(), "{unparsed:?}");
    let payments = app.store.payments_of(&d.id).await.unwrap();
    assert!(
        payments
            .iter()
            .any(|p| p.id == "in_old_1" && p.status == "succeeded"),
        "{payments:?}"
    );

    // Listed again: a duplicate, and nothing is fetched again.
    let again = reconcile_pass(&app).await;
    assert_eq!(
        (again.duplicates, again.refetched, again.applied),
        (1, 0, 0),
        "{again:?}"
    );
    assert_eq!(asked(&stripe, invoice_at).await, 1);
    assert_eq!(app.progress("policy").await["raised_minor"], 5000);
}

/// An old event whose object Stripe will not give (gone: 404) is kept as it came, not applied;
/// it is asked for again after each wait and flagged after repeated failures.
async fn an_event_that_cannot_be_refetched_is_kept_and_flagged(b: Backend) {
    let (app, stripe) = live_app(&b, vec![]).await;
    let c = crate::helpers::campaign(&app, "policy", 10_000_000).await;
    let (_, v) = monthly_gift(&app, &c, "gone").await;
    let old = old_invoice_paid(&v, "evt_old_gone").to_string();
    // Stored as the Events API listing (or a webhook) left it: unparsed and flagged.
    let outcome = donations::webhooks::ingest(
        app.store.as_ref(),
        &old,
        donations::webhooks::read_listed(&old).expect("an event"),
        &IngestRules::of(&app.config),
    )
    .await
    .unwrap();
    assert_eq!(outcome, donations::webhooks::Outcome::Unparsed);
    Mock::given(method("GET"))
        .and(path("/v1/invoices/in_gone_1"))
        .respond_with(stripe_error(404))
        .mount(&stripe)
        .await;
    let gateway = gateway(&app.config).unwrap();
    let refetch = EventRefetch {
        store: app.store.as_ref(),
        gateway: gateway.as_ref(),
        rules: IngestRules::of(&app.config),
    };
    let stop = CancellationToken::new();
    let mut at = T0;
    for attempt in 1..=FLAG_AFTER_FAILURES {
        let report = refetch.run(at, &stop).await.unwrap();
        assert_eq!((report.applied, report.failed), (0, 1), "attempt {attempt}");
        // Not asked again within the wait.
        assert_eq!(refetch.run(at + 1, &stop).await.unwrap().failed, 0);
        let flagged = flags_of_kind(app.store.as_ref(), "event_refetch_failed").await;
        assert_eq!(flagged.len(), usize::from(attempt == FLAG_AFTER_FAILURES));
        at += retry_after(attempt);
    }
    assert_eq!(
        asked(&stripe, "/v1/invoices/in_gone_1").await,
        FLAG_AFTER_FAILURES as usize
    );
    let flag = &flags_of_kind(app.store.as_ref(), "event_refetch_failed").await[0];
    assert_eq!(flag.event_id.as_deref(), Some("evt_old_gone"));
    assert!(flag.detail.contains("404"), "{}", flag.detail);
    let stored = app
        .store
        .webhook_event("evt_old_gone")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.outcome, "unparsed");
    assert_eq!(stored.payload, old, "kept exactly as it came");
    assert_eq!(app.progress("policy").await["raised_minor"], 0);
    let unparsed = flags_of_kind(app.store.as_ref(), "unparsed_event").await;
    assert!(unparsed[0].resolved_at.is_none());
}

/// In the sandbox, a paid gift's charge names a balance transaction whose fee the sandbox
/// gateway answers at Stripe's standard rate; the reconcile pass records it.
async fn the_sandbox_charges_stripes_standard_fee(b: Backend) {
    let app = spawn_app(&b, &[("RECONCILE_INTERVAL", "off")]).await;
    let id = crate::helpers::pages::give_through_sandbox(
        &app,
        &[
            ("amount", "50"),
            ("custom_amount", ""),
            ("frequency", "one_time"),
            ("cover_fee", "true"),
            ("name", "Ana Pérez"),
            ("email", "ana@example.org"),
        ],
    )
    .await;
    let before = app.store.donation(&id).await.unwrap().unwrap();
    assert_eq!((before.total_minor, before.fee_actual_minor), (5180, None));
    let report = reconcile_pass(&app).await;
    assert_eq!(report.fees_recorded, 1, "{report:?}");
    let d = app.store.donation(&id).await.unwrap().unwrap();
    // 2.9% of $51.80 is $1.5022, rounded half up to $1.50, plus 30¢.
    assert_eq!(
        (d.fee_actual_minor, d.net_actual_minor),
        (Some(180), Some(5000))
    );
}

backend_tests!(
    the_actual_fee_is_fetched_and_shown,
    a_failed_fetch_backs_off_then_succeeds,
    a_charge_without_its_balance_transaction_id_is_retrieved_first,
    repeated_failures_are_flagged,
    a_repeated_pass_changes_nothing,
    a_converted_currency_is_kept_out_and_flagged,
    an_old_api_version_event_is_refetched_and_applied,
    an_event_that_cannot_be_refetched_is_kept_and_flagged,
    the_sandbox_charges_stripes_standard_fee,
);
