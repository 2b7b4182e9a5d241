//! US bank debits (ACH Direct Debit; issue 14, item 3) on both backends: the campaign setting
//! (staff API), the donor's choice before the fee is quoted (fee quote, JSON checkout, the
//! donation form) at the method's own capped rate, what reaches Stripe
//! (`allowed_payment_method_types`), the delayed confirmation Stripe really sends
//! (`checkout.session.completed` unpaid, then `async_payment_succeeded` or `async_payment_failed`)
//! in any order with repeats, receipts and the summary's fee, and the sandbox's two-step flow.

use std::sync::Arc;

use crate::helpers::fake_stripe::with_counting_stripe;
use crate::helpers::pages::{
    get_page, get_with_cookie, no_redirects, post_form, session_cookie, sign_in,
};
use crate::helpers::{
    Backend, TestApp, Vars, campaign_in_currency, event, gift_vars, spawn_app, with,
};
use donations::domain::donation::PaymentMethod;
use donations::domain::fees::{FeeRate, cover};
use donations::mail::render::{MailContext, render};
use donations::payments::sandbox::events::paid_by;
use donations::store::{Donation, now};
use serde_json::{Value, json};

/// Turns a campaign's options on through the staff API, as staff would.
pub async fn patch_campaign(app: &TestApp, slug: &str, body: Value) -> (u16, Value) {
    let token = app
        .staff_token(&format!("admin-{}", uuid::Uuid::new_v4()))
        .await;
    let r = app
        .client
        .patch(app.at(&format!("/api/v1/staff/campaigns/{slug}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A gift through the JSON checkout API.
pub async fn checkout(app: &TestApp, slug: &str, body: &Value) -> (u16, Value) {
    app.checkout_json(slug, body).await
}

pub fn gift(amount: &str, frequency: &str, method: Option<&str>, email: &str) -> Value {
    let mut g = json!({
        "amount": amount, "frequency": frequency, "cover_fee": true,
        "donor": {"name": "Rosa Díaz", "email": email},
    });
    if let Some(m) = method {
        g["payment_method"] = json!(m);
    }
    g
}

fn field_of(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_string(),
                e["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

async fn bank_debit_is_chosen_before_the_fee_is_quoted(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(&b, &[]).await;
    // Cards only until staff turn bank debits on.
    let (_, progress) = app.get_json("/api/v1/campaigns/policy").await;
    assert_eq!(progress["payment_methods"], json!(["card"]));
    let (status, body) = checkout(
        &app,
        "policy",
        &gift("50", "one_time", Some("us_bank_account"), "a@example.org"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_of(&body),
        [(
            "payment_method".into(),
            "is not offered by this campaign (it takes card)".into()
        )]
    );
    let (status, campaign) = patch_campaign(&app, "policy", json!({"bank_debit": true})).await;
    assert_eq!((status, &campaign["bank_debit"]), (200, &json!(true)));
    let (_, progress) = app.get_json("/api/v1/campaigns/policy").await;
    assert_eq!(
        progress["payment_methods"],
        json!(["card", "us_bank_account"])
    );

    // The quote is the method's own: ACH 0.8 % capped at $5.00, cards the campaign's rate.
    let quote = |q: &str| {
        let app = &app;
        let path = format!("/api/v1/campaigns/policy/fee-quote?{q}");
        async move { app.get_json(&path).await }
    };
    let (status, q) = quote("amount=1000&cover_fee=true&payment_method=us_bank_account").await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(
        q,
        json!({"currency": "usd", "gift_minor": 100_000, "fee_minor": 500,
               "total_minor": 100_500, "payment_method": "us_bank_account"})
    );
    let (_, q) = quote("amount=50&cover_fee=true&payment_method=us_bank_account").await;
    assert_eq!(
        (q["fee_minor"].as_i64(), q["total_minor"].as_i64()),
        (Some(40), Some(5040))
    );
    let card = cover(100_000, &FeeRate::stripe_standard()).unwrap();
    let (_, q) = quote("amount=1000&cover_fee=true").await;
    assert_eq!(
        (q["fee_minor"].as_i64(), q["payment_method"].as_str()),
        (Some(card.fee_minor), Some("card"))
    );
    let (status, q) = quote("amount=1000&cover_fee=true&payment_method=paypal").await;
    assert_eq!(status, 422);
    assert_eq!(
        field_of(&q),
        [(
            "payment_method".into(),
            "must be card or us_bank_account".into()
        )]
    );

    // The chosen method goes to Stripe, and with it the fee quoted for it.
    let (status, r) = checkout(
        &app,
        "policy",
        &gift("1000", "one_time", Some("us_bank_account"), "a@example.org"),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (
            r["fee_minor"].as_i64(),
            r["total_minor"].as_i64(),
            r["payment_method"].as_str()
        ),
        (Some(500), Some(100_500), Some("us_bank_account"))
    );
    let id = r["donation_id"].as_str().unwrap();
    let forms = fake.forms.lock().unwrap().clone();
    let sent = forms.last().unwrap();
    assert_eq!(sent["allowed_payment_method_types[0]"], "us_bank_account");
    assert!(!sent.contains_key("allowed_payment_method_types[1]"));
    assert_eq!(sent["line_items[0][price_data][unit_amount]"], "100500");
    let d = app.store.donation(id).await.unwrap().unwrap();
    assert_eq!(d.payment_method, Some(PaymentMethod::UsBankAccount));
    // A monthly bank debit is a subscription paid from the bank account.
    let (status, r) = checkout(
        &app,
        "policy",
        &gift("25", "monthly", Some("us_bank_account"), "m@example.org"),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let forms = fake.forms.lock().unwrap().clone();
    let sent = forms.last().unwrap();
    assert_eq!(
        (
            sent["mode"].as_str(),
            sent["allowed_payment_method_types[0]"].as_str()
        ),
        ("subscription", "us_bank_account")
    );
    // Cards stay the default, and say so to Stripe.
    let (status, r) = checkout(
        &app,
        "policy",
        &gift("1000", "one_time", None, "c@example.org"),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["fee_minor"].as_i64(), Some(card.fee_minor));
    assert_eq!(
        fake.forms.lock().unwrap().last().unwrap()["allowed_payment_method_types[0]"],
        "card"
    );

    // US bank accounts pay in dollars: a campaign in euros cannot offer them.
    campaign_in_currency(app.store.as_ref(), "euro", 100_000, "eur").await;
    let (status, body) = patch_campaign(&app, "euro", json!({"bank_debit": true})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_of(&body)[0].0, "bank_debit");
}

/// A bank debit's variables: its checkout's Stripe objects, as `gift_vars` names them.
fn bank_vars(d: &Donation, tag: &str) -> Vars {
    with(
        &gift_vars(d, "demo", tag),
        &[(
            "FAILURE_MESSAGE",
            "The customer's bank account has insufficient funds.".into(),
        )],
    )
}

/// An event as Stripe sends it for a bank debit.
fn bank_event(kind: &str, vars: &Vars) -> String {
    paid_by(&event(kind, vars), PaymentMethod::UsBankAccount)
}

async fn bank_donation(app: &TestApp, amount: &str, email: &str) -> Donation {
    let (status, r) = checkout(
        app,
        "demo",
        &gift(amount, "one_time", Some("us_bank_account"), email),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let id = r["donation_id"].as_str().unwrap();
    app.store.donation(id).await.unwrap().unwrap()
}

async fn donation(app: &TestApp, id: &str) -> Donation {
    app.store.donation(id).await.unwrap().unwrap()
}

async fn receipts_of(app: &TestApp, id: &str) -> Vec<donations::store::OutboxMessage> {
    app.store
        .outbox(Some(id))
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "receipt")
        .collect()
}

async fn a_bank_debit_waits_for_the_bank_in_any_order(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    patch_campaign(&app, "demo", json!({"bank_debit": true})).await;

    // $1,000 with the fee covered at the capped rate: $1,005.00.
    let d = bank_donation(&app, "1000", "rosa@example.org").await;
    assert_eq!(
        (d.gift_minor, d.fee_minor, d.total_minor),
        (100_000, 500, 100_500)
    );
    let v = bank_vars(&d, "ach1");
    let unpaid = with(&v, &[("PAYMENT_STATUS", "unpaid".into())]);
    // The donor authorized the debit: Stripe completes the session unpaid, twice delivered.
    for _ in 0..2 {
        let (status, _) = app
            .deliver(&bank_event("checkout.session.completed", &unpaid))
            .await;
        assert_eq!(status, 200);
    }
    let pending = donation(&app, &d.id).await;
    assert_eq!(
        (pending.status.as_str(), pending.counted_raised_minor),
        ("pending", 0)
    );
    assert_eq!(app.progress("demo").await["raised_minor"], 0);
    assert!(
        receipts_of(&app, &d.id).await.is_empty(),
        "no receipt before the money"
    );

    // Days later the debit clears.
    app.deliver(&bank_event("checkout.session.async_payment_succeeded", &v))
        .await;
    app.deliver(&bank_event("charge.succeeded", &v)).await;
    let paid = donation(&app, &d.id).await;
    assert_eq!(
        (paid.status.as_str(), paid.counted_raised_minor),
        ("succeeded", 100_000)
    );
    assert_eq!(app.progress("demo").await["raised_minor"], 100_000);
    let receipts = receipts_of(&app, &d.id).await;
    assert_eq!(receipts.len(), 1);
    let ctx = MailContext::new(
        &app.config,
        Arc::from(&b"0123456789abcdef0123456789abcdef"[..]),
    );
    let letter = render(app.store.as_ref(), &ctx, &receipts[0], now())
        .await
        .unwrap();
    assert!(letter.text.contains("Gift: $1,000.00"), "{}", letter.text);
    assert!(letter.text.contains("Processing fees you covered: $5.00"));
    assert!(letter.text.contains("Paid by: Bank account (ACH)"));

    // The summary estimates the bank debit's fee at its own rate (0.8 %, at most $5.00).
    let (_, summary) = app
        .staff_get_json("/api/v1/staff/campaigns/demo/summary")
        .await;
    assert_eq!(summary["estimated_fees_minor"], 500, "{summary}");
    // The staff list says how it was paid.
    let (_, list) = app
        .staff_get_json("/api/v1/staff/donations?campaign=demo")
        .await;
    assert_eq!(list["donations"][0]["payment_method"], "us_bank_account");
    // ... and so does the dashboard's campaign page.
    let token = app.staff_token("dashboard").await;
    let (_, headers, _) = sign_in(&app, &token).await;
    let (status, page) =
        get_with_cookie(&app, "/dashboard/campaigns/demo", &session_cookie(&headers)).await;
    assert_eq!(status, 200);
    assert!(page.contains("one time · bank account (ACH)"), "{page}");

    // The bank returns another debit: the gift fails and never counts.
    let bounced = bank_donation(&app, "80", "bo@example.org").await;
    let v = bank_vars(&bounced, "ach2");
    app.deliver(&bank_event(
        "checkout.session.completed",
        &with(&v, &[("PAYMENT_STATUS", "unpaid".into())]),
    ))
    .await;
    app.deliver(&bank_event("payment_intent.payment_failed", &v))
        .await;
    app.deliver(&bank_event("checkout.session.async_payment_failed", &v))
        .await;
    let failed = donation(&app, &bounced.id).await;
    assert_eq!(failed.status, "failed");
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("The customer's bank account has insufficient funds.")
    );
    assert!(receipts_of(&app, &bounced.id).await.is_empty());
    assert_eq!(app.progress("demo").await["raised_minor"], 100_000);

    // The same gift's events in another order, with repeats: the same end.
    let again = bank_donation(&app, "1000", "cy@example.org").await;
    let v = bank_vars(&again, "ach3");
    let unpaid = with(&v, &[("PAYMENT_STATUS", "unpaid".into())]);
    for (kind, vars) in [
        ("charge.succeeded", &v),
        ("checkout.session.async_payment_succeeded", &v),
        ("checkout.session.completed", &unpaid),
        ("checkout.session.async_payment_succeeded", &v),
        ("checkout.session.completed", &unpaid),
    ] {
        let (status, body) = app.deliver(&bank_event(kind, vars)).await;
        assert_eq!(status, 200, "{kind}: {body}");
    }
    let late = donation(&app, &again.id).await;
    assert_eq!(
        (
            late.status.as_str(),
            late.counted_raised_minor,
            late.counted_gifts
        ),
        (
            paid.status.as_str(),
            paid.counted_raised_minor,
            paid.counted_gifts
        )
    );
    assert_eq!(receipts_of(&app, &again.id).await.len(), 1);
    let p = app.progress("demo").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(200_000), Some(2), Some(2))
    );
}

/// Posts to a sandbox checkout's button, as its page does: the redirect's target.
pub async fn press(app: &TestApp, id: &str, button: &str) -> (u16, String) {
    let r = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/{button}")))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location)
}

async fn the_sandbox_takes_a_bank_debit_in_two_steps(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    patch_campaign(&app, "demo", json!({"bank_debit": true})).await;
    let d = bank_donation(&app, "100", "rosa@example.org").await;
    let (_, _, page) = get_page(&app, &format!("/sandbox/checkout/{}", d.id)).await;
    assert!(page.contains("Authorize the debit"), "{page}");
    assert!(page.contains("bank account (ACH debit)"));

    // Authorizing completes the session unpaid: nothing counts yet.
    let (status, to) = press(&app, &d.id, "pay").await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/sandbox/checkout/{}", d.id).as_str())
    );
    assert_eq!(donation(&app, &d.id).await.status, "pending");
    assert_eq!(app.progress("demo").await["raised_minor"], 0);
    let (_, _, page) = get_page(&app, &format!("/sandbox/checkout/{}", d.id)).await;
    assert!(
        page.contains("The debit clears") && page.contains("The debit fails"),
        "{page}"
    );
    // The thank-you page says the bank takes days, and does not reload itself meanwhile.
    let (_, _, thanks) = get_page(&app, &format!("/donate/demo/thanks?donation={}", d.id)).await;
    assert!(
        thanks.contains("Your bank payment is processing"),
        "{thanks}"
    );
    assert!(thanks.contains("Paid by bank account (ACH)"));
    assert!(!thanks.contains("http-equiv=\"refresh\""));
    assert_eq!(press(&app, &d.id, "pay").await.0, 409, "authorized once");

    // The bank's answer: the debit clears.
    let (status, to) = press(&app, &d.id, "bank/succeed").await;
    assert_eq!(status, 303);
    assert!(to.contains("/donate/demo/thanks"), "{to}");
    let paid = donation(&app, &d.id).await;
    assert_eq!(
        (paid.status.as_str(), paid.counted_raised_minor),
        ("succeeded", 10_000)
    );
    assert_eq!(
        press(&app, &d.id, "bank/succeed").await.0,
        409,
        "answered once"
    );
    assert_eq!(app.progress("demo").await["raised_minor"], 10_000);

    // A monthly bank debit the bank returns: the plan's first payment failed, nothing counts.
    let (status, r) = checkout(
        &app,
        "demo",
        &gift("20", "monthly", Some("us_bank_account"), "bo@example.org"),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let id = r["donation_id"].as_str().unwrap();
    assert_eq!(press(&app, id, "pay").await.0, 303);
    assert_eq!(press(&app, id, "bank/nonsense").await.0, 404);
    assert_eq!(press(&app, id, "bank/fail").await.0, 303);
    let failed = donation(&app, id).await;
    assert_eq!((failed.counted_raised_minor, failed.counted_gifts), (0, 0));
    assert_eq!(failed.plan_status.as_deref(), Some("past_due"));
    let checkout_record = app
        .store
        .payments_of(id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.kind == "checkout")
        .unwrap();
    assert_eq!(checkout_record.status, "failed");
    assert_eq!(app.progress("demo").await["raised_minor"], 10_000);
}

/// The donation form's fields for a $50 one-time gift with the fee covered.
fn form<'a>(method: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("amount", "50"),
        ("frequency", "one_time"),
        ("cover_fee", "true"),
        ("payment_method", method),
        ("name", "Rosa Díaz"),
        ("email", "rosa@example.org"),
        ("idempotency_key", key),
    ]
}

async fn the_donation_form_offers_a_bank_account_where_the_campaign_does(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let (_, _, page) = get_page(&app, "/donate/demo").await;
    assert!(!page.contains("Bank account (ACH)"), "cards only at first");
    // A form sent with a bank account anyway is refused at the field.
    let key = uuid::Uuid::new_v4().to_string();
    let (status, _, page) =
        post_form(&app, "/donate/demo", None, &form("us_bank_account", &key)).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Payment method is not offered by this campaign"),
        "{page}"
    );

    patch_campaign(&app, "demo", json!({"bank_debit": true})).await;
    let (_, _, page) = get_page(&app, "/donate/demo").await;
    assert!(page.contains("Bank account (ACH)"), "{page}");
    assert!(
        page.contains("(0.8%, at most $5.00)"),
        "the bank debit's fee"
    );
    let key = uuid::Uuid::new_v4().to_string();
    let (status, headers, _) =
        post_form(&app, "/donate/demo", None, &form("us_bank_account", &key)).await;
    assert_eq!(status, 303);
    let id = headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let d = donation(&app, &id).await;
    assert_eq!(d.payment_method, Some(PaymentMethod::UsBankAccount));
    assert_eq!((d.fee_minor, d.total_minor), (40, 5040));
}

backend_tests!(
    bank_debit_is_chosen_before_the_fee_is_quoted,
    a_bank_debit_waits_for_the_bank_in_any_order,
    the_sandbox_takes_a_bank_debit_in_two_steps,
    the_donation_form_offers_a_bank_account_where_the_campaign_does,
);
