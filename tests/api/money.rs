//! Money in the sequences Stripe really sends (issue 12): dispute inquiries, refunds that fail
//! or are canceled, plans whose amount changed in the billing portal, amounts out of range and
//! stored figures at the edge of i64, and honorees typed as contact details. Each case checks
//! every figure that reads the money: public progress, the staff summary and the donor's annual
//! statement (and, for the extremes, every page that shows them). Events go through the signed
//! webhook endpoint as Stripe sends them.

use crate::helpers::scenario::{half_up_share, total_for, with_balance_transactions, withdrawal};
use crate::helpers::{
    Backend, TestApp, Vars, campaign, event, gift_vars, pending_donation, spawn_app, with,
};
use donations::mail::statements;
use donations::store::{Campaign, Donation};
use serde_json::Value;

/// Delivers one event through the webhook endpoint and expects Stripe's 2xx.
async fn send(app: &TestApp, kind: &str, vars: &Vars, id: &str, at: i64) {
    let v = with(
        vars,
        &[("EVENT_ID", id.to_string()), ("CREATED", at.to_string())],
    );
    send_raw(app, &event(kind, &v)).await;
}

async fn send_raw(app: &TestApp, payload: &str) {
    let (status, body) = app.deliver(payload).await;
    assert!((200..300).contains(&status), "{status}: {body}");
}

/// A one-time gift of `gift` (total `total`) paid: checkout completed and charge succeeded.
async fn paid(app: &TestApp, c: &Campaign, gift: i64, total: i64, who: &str) -> (Donation, Vars) {
    let d = pending_donation(
        app.store.as_ref(),
        c,
        "one_time",
        gift,
        total,
        &format!("{who}@example.org"),
    )
    .await;
    let v = gift_vars(&d, &c.slug, who);
    send(
        app,
        "checkout.session.completed",
        &v,
        &format!("evt_{who}_cs"),
        T0,
    )
    .await;
    send(
        app,
        "charge.succeeded",
        &v,
        &format!("evt_{who}_ch"),
        T0 + 1,
    )
    .await;
    (d, v)
}

/// 2023-11-14, the templates' date: the statements below are for 2023.
const T0: i64 = 1_700_000_000;

async fn raised(app: &TestApp, slug: &str) -> i64 {
    app.progress(slug).await["raised_minor"].as_i64().unwrap()
}

/// A staff token of its own for each call (names of active tokens are unique).
async fn token(app: &TestApp) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    app.staff_token(&format!("money-{n}")).await
}

async fn summary(app: &TestApp, slug: &str) -> Value {
    let token = token(app).await;
    let r = app
        .client
        .get(app.at(&format!("/api/v1/staff/campaigns/{slug}/summary")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn flags(app: &TestApp) -> Vec<Value> {
    let token = token(app).await;
    let r = app
        .client
        .get(app.at("/api/v1/staff/flags"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["flags"].as_array().unwrap().clone()
}

/// The donor's 2023 statement as (gift, charged, returned) per line, and its net total.
async fn statement(app: &TestApp, who: &str) -> (Vec<(i64, i64, i64)>, i64) {
    let all = statements::build(
        app.store.as_ref(),
        2023,
        &donations::domain::zone::Zone::utc(),
    )
    .await
    .unwrap();
    let key = format!("{who}@example.org");
    let s = all
        .iter()
        .find(|s| s.donor_key == key)
        .unwrap_or_else(|| panic!("no statement for {key}: {all:#?}"));
    let lines = s
        .lines
        .iter()
        .map(|l| (l.gift_minor, l.charged_minor, l.returned_minor))
        .collect();
    (lines, s.totals().get("usd").copied().unwrap_or(0))
}

// ---- 1. dispute inquiries take nothing ----

async fn a_dispute_inquiry_takes_nothing_and_a_chargeback_takes_it_until_won(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "inquiry", 1_000_000).await;
    let (_, ana) = paid(&app, &c, 5000, 5000, "ana").await;
    // An inquiry, answered and closed: no funds move at any point.
    let inquiry = |status: &str| {
        with(
            &ana,
            &[
                ("AMOUNT_MINOR", "5000".into()),
                ("DISPUTE_STATUS", status.to_string()),
            ],
        )
    };
    send(
        &app,
        "charge.dispute.created",
        &inquiry("warning_needs_response"),
        "evt_ana_dp1",
        T0 + 10,
    )
    .await;
    assert_eq!(raised(&app, "inquiry").await, 5000);
    send(
        &app,
        "charge.dispute.closed",
        &inquiry("warning_closed"),
        "evt_ana_dp2",
        T0 + 20,
    )
    .await;
    assert_eq!(raised(&app, "inquiry").await, 5000);
    let s = summary(&app, "inquiry").await;
    assert_eq!(
        (s["raised_minor"].as_i64(), s["disputed_minor"].as_i64()),
        (Some(5000), Some(0))
    );
    assert_eq!(statement(&app, "ana").await, (vec![(5000, 5000, 0)], 5000));
    let d = app
        .store
        .donation(&ana["DONATION_ID"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (d.status.as_str(), d.counted_raised_minor),
        ("succeeded", 5000)
    );

    // A chargeback: created (not an inquiry) with its withdrawal in its balance transactions,
    // which is all Stripe may say before the outcome. Won: the funds come back.
    let (_, ben) = paid(&app, &c, 3000, 3000, "ben").await;
    let created = event(
        "charge.dispute.created",
        &with(
            &ben,
            &[
                ("EVENT_ID", "evt_ben_dp1".into()),
                ("CREATED", (T0 + 30).to_string()),
                ("AMOUNT_MINOR", "3000".into()),
                ("DISPUTE_STATUS", "needs_response".into()),
            ],
        ),
    );
    send_raw(
        &app,
        &with_balance_transactions(&created, vec![withdrawal(3000, T0 + 30, "ben")]),
    )
    .await;
    assert_eq!(raised(&app, "inquiry").await, 5000);
    let s = summary(&app, "inquiry").await;
    assert_eq!(s["disputed_minor"].as_i64(), Some(3000));
    assert_eq!(statement(&app, "ben").await, (vec![(3000, 3000, 3000)], 0));
    // A created dispute that is not an inquiry but withdrew nothing (yet) takes nothing either.
    let (_, cy) = paid(&app, &c, 2000, 2000, "cy").await;
    send(
        &app,
        "charge.dispute.created",
        &with(&cy, &[("AMOUNT_MINOR", "2000".into())]),
        "evt_cy_dp1",
        T0 + 35,
    )
    .await;
    assert_eq!(raised(&app, "inquiry").await, 7000);
    let won = with(
        &ben,
        &[
            ("AMOUNT_MINOR", "3000".into()),
            ("DISPUTE_STATUS", "won".into()),
        ],
    );
    send(&app, "charge.dispute.closed", &won, "evt_ben_dp2", T0 + 40).await;
    assert_eq!(raised(&app, "inquiry").await, 10_000);
    assert_eq!(statement(&app, "ben").await, (vec![(3000, 3000, 0)], 3000));
    let s = summary(&app, "inquiry").await;
    assert_eq!(
        (s["raised_minor"].as_i64(), s["disputed_minor"].as_i64()),
        (Some(10_000), Some(0))
    );
}

// ---- 2. refunds that fail or are canceled give the gift back ----

async fn a_refund_that_fails_or_is_canceled_gives_the_gift_back(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "undo", 1_000_000).await;
    let mut people = Vec::new();
    for who in ["ana", "ben", "cy"] {
        people.push(paid(&app, &c, 4000, 4000, who).await);
    }
    // Each: a $15 refund made pending (refund.created, then charge.refunded with the running
    // total), which comes off at once.
    for (i, (_, v)) in people.iter().enumerate() {
        let tag = ["ana", "ben", "cy"][i];
        let pending = with(
            v,
            &[
                ("AMOUNT_MINOR", "1500".into()),
                ("REFUND_STATUS", "pending".into()),
                ("AMOUNT_REFUNDED_MINOR", "1500".into()),
            ],
        );
        send(
            &app,
            "refund.created",
            &pending,
            &format!("evt_{tag}_r1"),
            T0 + 10,
        )
        .await;
        send(
            &app,
            "charge.refunded",
            &pending,
            &format!("evt_{tag}_r2"),
            T0 + 20,
        )
        .await;
    }
    assert_eq!(raised(&app, "undo").await, 3 * 2500);
    assert_eq!(
        statement(&app, "ana").await,
        (vec![(4000, 4000, 1500)], 2500)
    );
    // Ana's refund fails, Ben's is canceled; Cy's charge says its refunded total went back to 0
    // (the only word of it: no refund.updated reaches us).
    for (tag, status) in [("ana", "failed"), ("ben", "canceled")] {
        let v = &people[if tag == "ana" { 0 } else { 1 }].1;
        let undone = with(
            v,
            &[
                ("AMOUNT_MINOR", "1500".into()),
                ("REFUND_STATUS", status.into()),
            ],
        );
        send(
            &app,
            "refund.updated",
            &undone,
            &format!("evt_{tag}_r3"),
            T0 + 30,
        )
        .await;
    }
    assert_eq!(raised(&app, "undo").await, 4000 + 4000 + 2500);
    let down = with(&people[2].1, &[("AMOUNT_REFUNDED_MINOR", "0".into())]);
    send(&app, "charge.updated", &down, "evt_cy_r3", T0 + 30).await;
    assert_eq!(raised(&app, "undo").await, 12_000);
    let s = summary(&app, "undo").await;
    assert_eq!(
        (s["raised_minor"].as_i64(), s["refunded_minor"].as_i64()),
        (Some(12_000), Some(0))
    );
    for who in ["ana", "ben", "cy"] {
        assert_eq!(
            statement(&app, who).await,
            (vec![(4000, 4000, 0)], 4000),
            "{who}"
        );
        let d = app
            .store
            .donation(
                &people
                    .iter()
                    .find(|(d, _)| d.donor_key.starts_with(who))
                    .unwrap()
                    .0
                    .id,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (d.status.as_str(), d.refunded_minor),
            ("succeeded", 0),
            "{who}"
        );
    }
    // A duplicate of the pending events, delivered late, changes nothing: the set is the same.
    let v = &people[0].1;
    let pending = with(
        v,
        &[
            ("AMOUNT_MINOR", "1500".into()),
            ("REFUND_STATUS", "pending".into()),
            ("AMOUNT_REFUNDED_MINOR", "1500".into()),
        ],
    );
    send(&app, "charge.refunded", &pending, "evt_ana_r2", T0 + 20).await;
    assert_eq!(raised(&app, "undo").await, 12_000);
}

// ---- 3. a plan whose amount changed ----

async fn a_plan_changed_in_the_portal_counts_by_one_rule(b: Backend) {
    let outbox_dir = tempfile::tempdir().unwrap();
    let app = spawn_app(
        &b,
        &[("MAIL_OUTBOX_DIR", outbox_dir.path().to_str().unwrap())],
    )
    .await;
    let c = campaign(&app, "plan", 1_000_000).await;
    // $25 a month with the fee covered, then the donor raises it to $100 in the portal.
    let total = total_for(2500);
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "monthly",
        2500,
        total,
        "ana@example.org",
    )
    .await;
    let v = gift_vars(&d, &c.slug, "ana");
    send(&app, "checkout.session.completed", &v, "evt_cs", T0).await;
    send(
        &app,
        "customer.subscription.created",
        &v,
        "evt_sub1",
        T0 + 1,
    )
    .await;
    let first = with(&v, &[("PAYMENT_INTENT_ID", "pi_in_ana_1".into())]);
    send(&app, "invoice.paid", &first, "evt_in1", T0 + 2).await;
    assert_eq!(raised(&app, "plan").await, 2500);
    assert_eq!(app.progress("plan").await["recurring_monthly_minor"], 2500);

    let changed = with(&v, &[("TOTAL_MINOR", "10000".into())]);
    send(
        &app,
        "customer.subscription.updated",
        &changed,
        "evt_sub2",
        T0 + 10,
    )
    .await;
    // The plan's value changes at once; what was paid does not.
    let new_gift = half_up_share(10_000, 2500, total);
    assert_eq!(
        app.progress("plan").await["recurring_monthly_minor"],
        new_gift
    );
    assert_eq!(raised(&app, "plan").await, 2500);
    let second = with(
        &v,
        &[
            ("INVOICE_ID", "in_ana_2".into()),
            ("PAYMENT_INTENT_ID", "pi_in_ana_2".into()),
            ("TOTAL_MINOR", "10000".into()),
        ],
    );
    send(&app, "invoice.paid", &second, "evt_in2", T0 + 20).await;
    let p = app.progress("plan").await;
    assert_eq!(p["raised_minor"], 2500 + new_gift);
    assert_eq!(p["recurring_monthly_minor"], new_gift);
    let s = summary(&app, "plan").await;
    assert_eq!(s["raised_minor"], 2500 + new_gift);
    assert_eq!(s["recurring_monthly_minor"], new_gift);
    assert_eq!(
        s["covered_fees_minor"].as_i64(),
        Some((total - 2500) + (10_000 - new_gift))
    );
    let (mut lines, net) = statement(&app, "ana").await;
    lines.sort();
    assert_eq!(lines, vec![(2500, total, 0), (new_gift, 10_000, 0)]);
    assert_eq!(net, total + 10_000);
    // The new installment's receipt and the statement letter show the same split.
    let mail = donations::app::mail_worker(
        app.store.clone(),
        &app.config,
        std::sync::Arc::from(&b"money-test-secret"[..]),
    )
    .unwrap();
    mail.drain().await.unwrap();
    let receipts: String = std::fs::read_dir(outbox_dir.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .filter(|m| m.contains("Total charged: $100.00"))
        .collect();
    let dollars = |m: i64| format!("${}.{:02}", m / 100, m % 100);
    assert!(
        receipts.contains(&format!("Gift: {}", dollars(new_gift)))
            && receipts.contains(&format!(
                "Processing fees you covered: {}",
                dollars(10_000 - new_gift)
            )),
        "{receipts}"
    );
    let letter = donations::mail::statements::render(
        &app.config.org,
        &statements::build(
            app.store.as_ref(),
            2023,
            &donations::domain::zone::Zone::utc(),
        )
        .await
        .unwrap()[0],
    )
    .unwrap();
    let gift_line = format!(
        "gift {} + covered fee {}",
        dollars(new_gift),
        dollars(10_000 - new_gift)
    );
    assert!(
        letter.text.contains(&gift_line),
        "{gift_line}\n{}",
        letter.text
    );
}

// ---- 4. amounts out of range ----

async fn amounts_out_of_range_are_kept_flagged_and_never_counted(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "range", 1_000_000).await;
    let (_, ana) = paid(&app, &c, 5000, 5000, "ana").await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "monthly",
        2500,
        2500,
        "ben@example.org",
    )
    .await;
    let ben = gift_vars(&d, &c.slug, "ben");
    send(&app, "checkout.session.completed", &ben, "evt_ben_cs", T0).await;
    let first = with(&ben, &[("PAYMENT_INTENT_ID", "pi_in_ben_1".into())]);
    send(&app, "invoice.paid", &first, "evt_ben_in1", T0 + 1).await;
    assert_eq!(raised(&app, "range").await, 7500);
    // Two signed invoices of 5×10^18 minor units: answered 2xx (never retried forever), kept,
    // flagged, not counted.
    for k in 2..=3 {
        let huge = with(
            &ben,
            &[
                ("INVOICE_ID", format!("in_ben_{k}")),
                ("PAYMENT_INTENT_ID", format!("pi_in_ben_{k}")),
                ("TOTAL_MINOR", "5000000000000000000".into()),
            ],
        );
        send(
            &app,
            "invoice.paid",
            &huge,
            &format!("evt_ben_in{k}"),
            T0 + 10,
        )
        .await;
    }
    // A negative refund and a zero one restore nothing; a refund above the charge is clamped.
    for (id, amount) in [("neg", "-5000"), ("zero", "0")] {
        let r = with(
            &ana,
            &[
                ("REFUND_ID", format!("re_ana_{id}")),
                ("AMOUNT_MINOR", amount.into()),
            ],
        );
        send(
            &app,
            "refund.created",
            &r,
            &format!("evt_ana_{id}"),
            T0 + 20,
        )
        .await;
    }
    assert_eq!(raised(&app, "range").await, 7500);
    let r = with(
        &ana,
        &[
            ("REFUND_ID", "re_ana_big".into()),
            ("AMOUNT_MINOR", "9000".into()),
        ],
    );
    send(&app, "refund.created", &r, "evt_ana_big", T0 + 30).await;
    assert_eq!(raised(&app, "range").await, 2500);
    let s = summary(&app, "range").await;
    assert_eq!(s["raised_minor"], 2500);
    assert_eq!(s["refunded_minor"], 5000, "clamped to the charge: {s}");
    assert!(s["net_minor"].as_i64().unwrap() >= 0, "{s}");
    assert_eq!(statement(&app, "ana").await, (vec![(5000, 5000, 5000)], 0));
    let (lines, net) = statement(&app, "ben").await;
    assert_eq!((lines, net), (vec![(2500, 2500, 0)], 2500));

    let reasons: Vec<String> = flags(&app)
        .await
        .into_iter()
        .filter(|f| f["kind"] == "amount_out_of_range")
        .map(|f| f["reason"].as_str().unwrap().to_string())
        .collect();
    for object in ["in_ben_2", "in_ben_3", "re_ana_neg", "re_ana_zero"] {
        assert!(
            reasons.iter().any(|r| r.contains(object)),
            "{object} flagged: {reasons:?}"
        );
    }
    // The events themselves are kept as they came.
    for id in ["evt_ben_in2", "evt_ben_in3", "evt_ana_neg"] {
        assert!(app.store.webhook_event(id).await.unwrap().is_some(), "{id}");
    }
    for path in [
        "/api/v1/campaigns/range",
        "/donate/range",
        "/api/v1/campaigns/range/donors",
    ] {
        let r = app.client.get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}

// ---- 4. stored figures at the edge of i64 ----

async fn extreme_stored_figures_never_answer_500(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "edge", 1_000_000).await;
    paid(&app, &c, 5000, 5000, "ana").await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "annual",
        2500,
        2500,
        "ben@example.org",
    )
    .await;
    let ben = gift_vars(&d, &c.slug, "ben");
    send(&app, "checkout.session.completed", &ben, "evt_ben_cs", T0).await;
    let max = i64::MAX.to_string();
    // Figures no event can produce any more, as an older version or a hand edit could leave them.
    // The aggregate as one row, as a database from before aggregates were sharded holds it.
    let updates = [
        "DELETE FROM campaign_progress WHERE shard <> 0".to_string(),
        format!(
            "UPDATE campaign_progress SET raised_minor = {max}, gifts = {max}, donors = {max}, \
             recurring_active = {max}, recurring_monthly_gift_minor = {max}, \
             recurring_annual_gift_minor = {max}"
        ),
        format!(
            "UPDATE donations SET counted_raised_minor = {max}, gift_minor = {max}, \
             total_minor = {max}, refunded_minor = {max}"
        ),
        format!("UPDATE payments SET amount_minor = {max}"),
        format!("UPDATE charges SET amount_minor = {max}, amount_refunded_minor = {max}"),
    ];
    sql(&app, &b, &updates).await;
    let token = token(&app).await;
    let (_, headers, _) = crate::helpers::pages::sign_in(&app, &token).await;
    let cookie = crate::helpers::pages::session_cookie(&headers);
    for path in [
        "/api/v1/campaigns/edge",
        "/api/v1/campaigns/edge/donors",
        "/donate/edge",
    ] {
        let r = app.client.get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    for path in [
        "/api/v1/staff/campaigns/edge/summary",
        "/api/v1/staff/donations?campaign=edge",
    ] {
        let r = app
            .client
            .get(app.at(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    for path in [
        "/dashboard",
        "/dashboard/campaigns/edge",
        "/dashboard/campaigns/edge/donations.csv",
    ] {
        let (status, body) = crate::helpers::pages::get_with_cookie(&app, path, &cookie).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // A new event for the donation still applies (2xx), from the figures as they are.
    send(
        &app,
        "customer.subscription.created",
        &ben,
        "evt_ben_sub",
        T0 + 5,
    )
    .await;
    assert!(
        statements::build(
            app.store.as_ref(),
            2023,
            &donations::domain::zone::Zone::utc()
        )
        .await
        .is_ok()
    );
}

// ---- 5. honorees guarded like donor names ----

async fn honorees_that_look_like_contact_details_are_not_published(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "wall", 1_000_000).await;
    for (who, honoree) in [
        ("ana", "Lynda Callon"),
        ("ben", "lynda@example.org"),
        ("cy", "+1 (555) 123-4567"),
    ] {
        let id = donations::services::checkout::new_donation_id();
        let mut d =
            donations::domain::donation::Donation::pending(id.clone(), &c, donations::store::now());
        d.gift_minor = 1000;
        d.total_minor = 1000;
        d.donor_name = Some(format!("{who} Donor"));
        d.donor_email = Some(format!("{who}@example.org"));
        d.donor_key = format!("{who}@example.org");
        d.tribute_kind = Some("honor".into());
        d.tribute_honoree = Some(honoree.into());
        d.checkout_session_id = Some(format!("cs_test_{}", id.trim_start_matches("don_")));
        app.store.insert_donation(&d, None).await.unwrap();
        let v = gift_vars(&d, &c.slug, who);
        send(
            &app,
            "checkout.session.completed",
            &v,
            &format!("evt_{who}"),
            T0,
        )
        .await;
    }
    let (status, wall) = app.get_json("/api/v1/campaigns/wall/donors").await;
    assert_eq!(status, 200);
    let text = wall.to_string();
    assert!(text.contains("In honor of Lynda Callon"), "{text}");
    let (status, _, page) = crate::helpers::pages::get_page(&app, "/donate/wall").await;
    assert_eq!(status, 200);
    assert!(page.contains("In honor of Lynda Callon"), "{page}");
    for secret in ["lynda@example.org", "555", "123-4567"] {
        assert!(!text.contains(secret), "{secret} in {text}");
        assert!(!page.contains(secret), "{secret} on the page");
    }
    // The gifts themselves are still on the wall, without the tribute.
    assert_eq!(
        wall["donors"].as_array().map(|a| a.len()),
        Some(3),
        "{wall}"
    );
}

// ---- records made before migration 0007 ----

/// Runs SQL statements on the test's database directly.
async fn sql(app: &TestApp, b: &Backend, statements: &[String]) {
    match b {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            for u in statements {
                sqlx::query(u).execute(&pool).await.unwrap();
            }
        }
        Backend::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            for u in statements {
                sqlx::query(u).execute(&pool).await.unwrap();
            }
        }
    }
}

/// The data repairs of migration 0007 (its UPDATE statements on charges and disputes), as the
/// migration runs them on rows made before it.
fn repairs_of_0007(b: &Backend) -> Vec<String> {
    let file = match b {
        Backend::Sqlite => include_str!("../../migrations/sqlite/0007_money_sequences.sql"),
        Backend::Postgres(_) => include_str!("../../migrations/postgres/0007_money_sequences.sql"),
    };
    let code: String = file
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let repairs: Vec<String> = code
        .split(';')
        .map(str::trim)
        .filter(|s| s.starts_with("UPDATE charges") || s.starts_with("UPDATE disputes"))
        .map(str::to_string)
        .collect();
    assert_eq!(repairs.len(), 2, "{repairs:?}");
    repairs
}

async fn an_upgrade_keeps_old_refunds_once_and_recounts_old_inquiries(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "upgrade", 1_000_000).await;
    // Ana: $40, $15 of it refunded (refund.created, then charge.refunded with the total).
    let (_, ana) = paid(&app, &c, 4000, 4000, "ana").await;
    let r = with(
        &ana,
        &[
            ("AMOUNT_MINOR", "1500".into()),
            ("AMOUNT_REFUNDED_MINOR", "1500".into()),
        ],
    );
    send(&app, "refund.created", &r, "evt_ana_r1", T0 + 10).await;
    send(&app, "charge.refunded", &r, "evt_ana_r2", T0 + 20).await;
    // Ben: $30 and an inquiry, which the release before 0007 counted as a chargeback.
    let (_, ben) = paid(&app, &c, 3000, 3000, "ben").await;
    let inquiry = with(
        &ben,
        &[
            ("AMOUNT_MINOR", "3000".into()),
            ("DISPUTE_STATUS", "warning_needs_response".into()),
        ],
    );
    send(
        &app,
        "charge.dispute.created",
        &inquiry,
        "evt_ben_dp",
        T0 + 30,
    )
    .await;
    assert_eq!(raised(&app, "upgrade").await, 2500 + 3000);

    // The rows as the release before 0007 left them, with the columns 0007 adds at their
    // defaults: no date for the charge's total, refunds dated by their last update, the
    // inquiry withdrawn, and Ben's gift not counted.
    sql(
        &app,
        &b,
        &[
            "UPDATE charges SET refunded_at = 0".to_string(),
            "UPDATE refunds SET refund_created = NULL, status_at = updated_at".to_string(),
            "UPDATE disputes SET withdrawn = TRUE".to_string(),
            format!(
                "UPDATE donations SET counted_raised_minor = 0, counted_gifts = 0 \
                 WHERE id = '{}'",
                ben["DONATION_ID"]
            ),
            // One aggregate row, as 0011 (sharding) makes of an older database's.
            one_aggregate_row(),
            "DELETE FROM campaign_progress WHERE shard <> 0".to_string(),
            "UPDATE campaign_progress SET raised_minor = 2500, gifts = 1".to_string(),
        ],
    )
    .await;
    sql(&app, &b, &repairs_of_0007(&b)).await;
    let recount = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            donations::services::ledger::recount_all(store.as_ref(), donations::store::now()).await
        }
    };
    assert!(recount(&app).await.unwrap() >= 2);
    // Ana's refund is taken off once (not once by the charge and again by the refund), and
    // Ben's gift counts again.
    assert_eq!(raised(&app, "upgrade").await, 2500 + 3000);
    let p = app.progress("upgrade").await;
    assert_eq!(
        (p["gifts"].as_i64(), p["donors"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        statement(&app, "ana").await,
        (vec![(4000, 4000, 1500)], 2500)
    );
    assert_eq!(statement(&app, "ben").await, (vec![(3000, 3000, 0)], 3000));
    // Running it again changes nothing; a later event for Ana applies on top as usual.
    recount(&app).await.unwrap();
    assert_eq!(raised(&app, "upgrade").await, 5500);
    let r = with(
        &ana,
        &[
            ("REFUND_ID", "re_ana_2".into()),
            ("AMOUNT_MINOR", "500".into()),
        ],
    );
    send(&app, "refund.created", &r, "evt_ana_r3", T0 + 40).await;
    assert_eq!(raised(&app, "upgrade").await, 5000);
}

/// Each campaign's aggregate rows summed into its first (shard 0), before the others are
/// deleted: the one row a database from before sharding had.
fn one_aggregate_row() -> String {
    let sum = |c: &str| {
        format!(
            "{c} = (SELECT SUM(p.{c}) FROM campaign_progress p \
             WHERE p.campaign_id = campaign_progress.campaign_id)"
        )
    };
    let columns = [
        "raised_minor",
        "gifts",
        "donors",
        "recurring_active",
        "recurring_monthly_gift_minor",
        "recurring_annual_gift_minor",
    ];
    format!(
        "UPDATE campaign_progress SET {} WHERE shard = 0",
        columns.map(sum).join(", ")
    )
}

backend_tests!(
    a_dispute_inquiry_takes_nothing_and_a_chargeback_takes_it_until_won,
    a_refund_that_fails_or_is_canceled_gives_the_gift_back,
    a_plan_changed_in_the_portal_counts_by_one_rule,
    amounts_out_of_range_are_kept_flagged_and_never_counted,
    extreme_stored_figures_never_answer_500,
    honorees_that_look_like_contact_details_are_not_published,
    an_upgrade_keeps_old_refunds_once_and_recounts_old_inquiries,
);
