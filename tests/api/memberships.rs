//! Memberships (issue 14, item 2) on both backends: dues set on a campaign through the staff
//! API, gifts below the dues for their frequency refused at the field, the $5-a-month member by
//! bank debit through the sandbox paid through next month, and the member record as the ledger
//! derives it from the dues payments: renewals, refunds (full and partial), chargebacks won
//! and lost, offline checks and their voiding, any order of events with repeats; the staff
//! list, its filters, its CSV and the dashboard page.

use std::sync::Arc;

use crate::bank_debit::{checkout, gift, patch_campaign, press};
use crate::helpers::pages::{get_with_cookie, session_cookie, sign_in};
use crate::helpers::scenario::{with_balance_transactions, withdrawal};
use crate::helpers::{
    Backend, TestApp, Vars, event, gift_vars, ingest, pending_donation_with, spawn_app, with,
};
use donations::domain::membership::minimum_dues;
use donations::domain::time::{format_time, months_later};
use donations::mail::render::{MailContext, render};
use donations::store::{Campaign, Donation, Membership, now};
use serde_json::{Value, json};

async fn a_five_dollar_monthly_membership_by_bank_debit_is_paid_through_next_month(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let (status, c) = patch_campaign(
        &app,
        "demo",
        json!({"membership_dues": "60", "bank_debit": true, "dues_not_deductible": true}),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        c["membership"],
        json!({"annual_minor": 6000, "monthly_minor": 500})
    );
    assert_eq!(
        app.progress("demo").await["membership"],
        json!({"annual_minor": 6000, "monthly_minor": 500})
    );
    let (_, _, page) = crate::helpers::pages::get_page(&app, "/donate/demo").await;
    assert!(
        page.contains("Membership dues: at least $60.00 a year, or $5.00 a month"),
        "{page}"
    );

    // Below the dues for its frequency: refused at the amount, before anything is made.
    for (amount, frequency, detail) in [
        (
            "4.99",
            "monthly",
            "must be at least $5.00 a month: membership dues are $60.00 a year",
        ),
        (
            "59.99",
            "annual",
            "must be at least $60.00: membership dues are $60.00 a year",
        ),
        (
            "59.99",
            "one_time",
            "must be at least $60.00: membership dues are $60.00 a year",
        ),
    ] {
        let (status, body) = checkout(
            &app,
            "demo",
            &gift(amount, frequency, Some("us_bank_account"), "x@example.org"),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "amount");
        assert_eq!(body["errors"][0]["detail"], detail);
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/campaigns/demo/fee-quote?amount={amount}&frequency={frequency}"
            ))
            .await;
        assert_eq!(
            (status, &body["errors"][0]["detail"]),
            (422, &json!(detail))
        );
    }
    let (_, listed) = app.staff_get_json("/api/v1/staff/donations").await;
    assert_eq!(listed["donations"], json!([]), "nothing recorded");

    // $5.00 a month from a bank account, the fee covered.
    let (status, r) = checkout(
        &app,
        "demo",
        &gift("5", "monthly", Some("us_bank_account"), "Rosa@Example.org"),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["gift_minor"].as_i64(), r["fee_minor"].as_i64()),
        (Some(500), Some(4))
    );
    let id = r["donation_id"].as_str().unwrap().to_string();
    assert_eq!(press(&app, &id, "pay").await.0, 303);
    let (_, none_yet) = app.staff_get_json("/api/v1/staff/memberships").await;
    assert_eq!(
        none_yet["memberships"],
        json!([]),
        "not a member before the money"
    );
    let before = now();
    assert_eq!(press(&app, &id, "bank/succeed").await.0, 303);
    let after = now();

    let (status, list) = app.staff_get_json("/api/v1/staff/memberships").await;
    assert_eq!(status, 200, "{list}");
    let members = list["memberships"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{list}");
    let m = &members[0];
    assert_eq!(
        (
            m["email"].as_str(),
            m["name"].as_str(),
            m["status"].as_str(),
            m["payments"].as_i64(),
            m["frequency"].as_str()
        ),
        (
            Some("Rosa@Example.org"),
            Some("Rosa Díaz"),
            Some("active"),
            Some(1),
            Some("monthly")
        )
    );
    let stored = app
        .store
        .membership_of("rosa@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!((before..=after).contains(&stored.last_paid_at));
    assert_eq!(stored.since, stored.last_paid_at);
    // Paid through next month: the same day and time, a calendar month on.
    assert_eq!(
        Some(stored.paid_through),
        months_later(stored.last_paid_at, 1)
    );
    assert_eq!(m["paid_through"], format_time(stored.paid_through));

    // The receipt says it is membership dues, paid from the bank account, not deductible.
    let receipt = app
        .store
        .outbox(Some(&id))
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == "receipt")
        .expect("a receipt");
    let ctx = MailContext::new(
        &app.config,
        Arc::from(&b"0123456789abcdef0123456789abcdef"[..]),
    );
    let letter = render(app.store.as_ref(), &ctx, &receipt, now())
        .await
        .unwrap();
    assert!(
        letter.subject.contains("membership dues"),
        "{}",
        letter.subject
    );
    assert!(
        letter.text.contains("Membership dues: $5.00"),
        "{}",
        letter.text
    );
    assert!(letter.text.contains("Paid by: Bank account (ACH)"));
    assert!(letter.text.contains("are not tax-deductible"));

    // The year's statement lists it as dues paid from the bank account.
    let year: i32 = format_time(stored.last_paid_at)[..4].parse().unwrap();
    let statements = donations::mail::statements::build(
        app.store.as_ref(),
        year,
        &donations::domain::zone::Zone::utc(),
    )
    .await
    .unwrap();
    let rosa = statements
        .iter()
        .find(|s| s.donor_key == "rosa@example.org")
        .unwrap();
    let statement = donations::mail::statements::render(&app.config.org, rosa).unwrap();
    assert!(
        statement.text.contains(
            "Monthly gift (membership dues), Demo campaign, by bank account (ACH): $5.04"
        ),
        "{}",
        statement.text
    );
    assert!(statement.html.contains("Bank account (ACH)"));

    // Filters, CSV, the dashboard.
    let (_, lapsed) = app
        .staff_get_json("/api/v1/staff/memberships?status=lapsed")
        .await;
    assert_eq!(lapsed["memberships"], json!([]));
    let (status, bad) = app
        .staff_get_json("/api/v1/staff/memberships?status=gone")
        .await;
    assert_eq!(
        (status, &bad["errors"][0]["field"]),
        (422, &json!("status"))
    );
    let token = app.staff_token("csv").await;
    let csv = app
        .client
        .get(app.at("/api/v1/staff/memberships?format=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(
        csv.headers()["content-disposition"],
        "attachment; filename=\"memberships.csv\""
    );
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("email,name,status,since,paid_through,"),
        "{text}"
    );
    assert!(
        text.contains("Rosa@Example.org,Rosa Díaz,active,"),
        "{text}"
    );
    let (status, headers, _) = sign_in(&app, &token).await;
    assert_eq!(status, 303);
    let cookie = session_cookie(&headers);
    let (status, page) = get_with_cookie(&app, "/dashboard/memberships", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Rosa@Example.org") && page.contains("Active"),
        "{page}"
    );
    let (status, csv) = get_with_cookie(&app, "/dashboard/memberships.csv", &cookie).await;
    assert_eq!(status, 200);
    assert!(csv.contains("Rosa@Example.org"));

    // A bank debit the bank returns makes no member.
    let (_, r) = checkout(
        &app,
        "demo",
        &gift("5", "monthly", Some("us_bank_account"), "bo@example.org"),
    )
    .await;
    let id = r["donation_id"].as_str().unwrap();
    press(&app, id, "pay").await;
    press(&app, id, "bank/fail").await;
    assert_eq!(
        app.store.membership_of("bo@example.org").await.unwrap(),
        None
    );
}

/// A campaign asking $60 a year in dues, set through the staff API.
async fn dues_campaign(app: &TestApp) -> Campaign {
    crate::helpers::campaign(app, "members", 1_000_000).await;
    let (status, body) = patch_campaign(app, "members", json!({"membership_dues": "60.00"})).await;
    assert_eq!(status, 200, "{body}");
    app.store
        .campaign_by_slug("members")
        .await
        .unwrap()
        .unwrap()
}

/// A pending gift paying `c`'s dues, as checkout records it.
async fn dues_gift(
    app: &TestApp,
    c: &Campaign,
    frequency: &str,
    gift: i64,
    email: &str,
) -> Donation {
    pending_donation_with(app.store.as_ref(), c, frequency, gift, gift, email, |d| {
        d.dues_minimum_minor = c
            .membership_dues_minor
            .map(|annual| minimum_dues(annual, d.frequency));
    })
    .await
}

async fn member(app: &TestApp, email: &str) -> Option<Membership> {
    app.store.membership_of(email).await.unwrap()
}

async fn send(app: &TestApp, kind: &str, vars: &Vars, at: i64) {
    ingest(
        app.store.as_ref(),
        &event(kind, &with(vars, &[("CREATED", at.to_string())])),
    )
    .await;
}

/// Nov 14, 2023, 22:13:20 UTC: long past, so these members have lapsed by now.
const T0: i64 = 1_700_000_000;

async fn refunds_and_chargebacks_shorten_a_membership(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = dues_campaign(&app).await;
    let year = |from: i64| months_later(from, 12).unwrap();

    // $60 once: a year. A chargeback takes it away while its funds are withdrawn.
    let d = dues_gift(&app, &c, "one_time", 6000, "ana@example.org").await;
    let v = gift_vars(&d, "members", "ana");
    send(&app, "checkout.session.completed", &v, T0).await;
    send(&app, "charge.succeeded", &v, T0 + 1).await;
    let m = member(&app, "ana@example.org").await.unwrap();
    assert_eq!((m.since, m.paid_through, m.payments), (T0, year(T0), 1));
    let disputed = with(&v, &[("AMOUNT_MINOR", "6000".into())]);
    send(&app, "charge.dispute.created", &disputed, T0 + 100).await;
    send(&app, "charge.dispute.funds_withdrawn", &disputed, T0 + 200).await;
    assert_eq!(member(&app, "ana@example.org").await, None, "charged back");
    let won = with(&disputed, &[("DISPUTE_STATUS", "won".into())]);
    send(&app, "charge.dispute.funds_reinstated", &won, T0 + 300).await;
    assert_eq!(
        member(&app, "ana@example.org")
            .await
            .map(|m| m.paid_through),
        Some(year(T0)),
        "won: the year is back"
    );

    // $100 for $60 dues: a partial refund that leaves the dues keeps the year; more does not.
    let d = dues_gift(&app, &c, "one_time", 10_000, "bo@example.org").await;
    let v = gift_vars(&d, "members", "bo");
    send(&app, "checkout.session.completed", &v, T0).await;
    let refund = |id: &str, amount: i64| {
        with(
            &v,
            &[
                ("REFUND_ID", id.to_string()),
                ("AMOUNT_MINOR", amount.to_string()),
            ],
        )
    };
    send(&app, "refund.created", &refund("re_bo_1", 4000), T0 + 10).await;
    assert!(member(&app, "bo@example.org").await.is_some(), "$60 left");
    send(&app, "refund.created", &refund("re_bo_2", 1), T0 + 20).await;
    assert_eq!(member(&app, "bo@example.org").await, None, "$59.99 left");

    // An open chargeback whose only event is its creation (the withdrawal in its balance
    // transactions) takes the year away too.
    let d = dues_gift(&app, &c, "annual", 6000, "cy@example.org").await;
    let v = with(
        &gift_vars(&d, "members", "cy"),
        &[
            ("INVOICE_ID", "in_cy_1".into()),
            ("PAYMENT_INTENT_ID", "pi_in_cy_1".into()),
            ("CHARGE_ID", "ch_in_cy_1".into()),
        ],
    );
    send(&app, "invoice.paid", &v, T0).await;
    assert_eq!(
        member(&app, "cy@example.org").await.map(|m| m.paid_through),
        Some(year(T0))
    );
    let created = with_balance_transactions(
        &event(
            "charge.dispute.created",
            &with(
                &v,
                &[
                    ("AMOUNT_MINOR", "6000".into()),
                    ("CREATED", (T0 + 50).to_string()),
                ],
            ),
        ),
        vec![withdrawal(6000, T0 + 50, "cy")],
    );
    ingest(app.store.as_ref(), &created).await;
    assert_eq!(member(&app, "cy@example.org").await, None);

    // Staff list them: lapsed long ago, as paid through 2024.
    let (_, lapsed) = app
        .staff_get_json("/api/v1/staff/memberships?status=lapsed")
        .await;
    let emails: Vec<&str> = lapsed["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ana@example.org"]);
}

/// The events of a $5-a-month member's first two installments and a full refund of the
/// second, each with its time.
fn monthly_events(d: &Donation, tag: &str) -> Vec<(String, i64)> {
    let v = gift_vars(d, "members", tag);
    let installment = |k: u8| {
        let invoice = format!("in_{tag}_{k}");
        with(
            &v,
            &[
                ("INVOICE_ID", invoice.clone()),
                ("PAYMENT_INTENT_ID", format!("pi_{invoice}")),
                ("CHARGE_ID", format!("ch_{invoice}")),
            ],
        )
    };
    let second_due = months_later(T0 + 20, 1).unwrap() + 3600;
    let refund = with(
        &installment(2),
        &[
            ("REFUND_ID", format!("re_{tag}")),
            ("AMOUNT_MINOR", "500".into()),
        ],
    );
    let at = |kind: &str, vars: &Vars, t: i64| {
        (event(kind, &with(vars, &[("CREATED", t.to_string())])), t)
    };
    vec![
        at("checkout.session.completed", &v, T0),
        at("customer.subscription.created", &v, T0 + 10),
        at("invoice.paid", &installment(1), T0 + 20),
        at("invoice_payment.paid", &installment(1), T0 + 21),
        at("invoice.paid", &installment(2), second_due),
        at("invoice_payment.paid", &installment(2), second_due + 1),
        at("refund.created", &refund, second_due + 500),
    ]
}

async fn a_membership_is_the_same_in_any_order_of_events(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = dues_campaign(&app).await;
    let first_month = months_later(T0 + 20, 1).unwrap();
    let second_due = first_month + 3600;

    // In order, watching paid-through move: a month, a second month from its end, and back.
    let d = dues_gift(&app, &c, "monthly", 500, "ana@example.org").await;
    let events = monthly_events(&d, "ana");
    for (i, (payload, _)) in events.iter().enumerate() {
        ingest(app.store.as_ref(), payload).await;
        let through = member(&app, "ana@example.org")
            .await
            .map(|m| m.paid_through);
        let expected = match i {
            0 | 1 => None,
            2 | 3 => Some(first_month),
            4 | 5 => months_later(second_due, 1),
            _ => Some(first_month),
        };
        assert_eq!(through, expected, "after event {i}");
    }
    let reference = member(&app, "ana@example.org").await.unwrap();
    assert_eq!((reference.since, reference.payments), (T0 + 20, 1));

    // The same events reversed, shuffled, and with repeats, each for a donor of its own: the
    // same membership.
    let orders: [&[usize]; 4] = [
        &[6, 5, 4, 3, 2, 1, 0],
        &[4, 6, 0, 2, 5, 1, 3],
        &[2, 2, 6, 4, 4, 0, 1, 3, 5, 6],
        &[6, 0, 1, 2, 3, 4, 5, 2, 4],
    ];
    for (n, order) in orders.iter().enumerate() {
        let email = format!("member{n}@example.org");
        let d = dues_gift(&app, &c, "monthly", 500, &email).await;
        let events = monthly_events(&d, &format!("m{n}"));
        for i in order.iter() {
            ingest(app.store.as_ref(), &events[*i].0).await;
        }
        let m = member(&app, &email).await.unwrap();
        assert_eq!(
            (
                m.since,
                m.paid_through,
                m.last_paid_at,
                m.payments,
                m.frequency
            ),
            (
                reference.since,
                reference.paid_through,
                reference.last_paid_at,
                reference.payments,
                reference.frequency
            ),
            "order {order:?}"
        );
    }

    // A check for the year's dues, recorded by staff, renews from the end of the month paid;
    // voided, it no longer counts.
    let token = app.staff_token("ana").await;
    let r = app
        .client
        .post(app.at("/api/v1/staff/campaigns/members/offline-gifts"))
        .bearer_auth(&token)
        .json(
            &json!({"amount": "60", "date": "2023-11-20", "method": "check",
                      "donor": {"name": "Ana", "email": "ana@example.org"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let check: Value = r.json().await.unwrap();
    assert_eq!(check["dues_minimum_minor"], 6000);
    // By payment time the month paid on November 14 comes first, then the check of November
    // 20, which extends from the end of that month: a year on.
    let renewed = member(&app, "ana@example.org").await.unwrap();
    assert_eq!(renewed.since, T0 + 20);
    assert_eq!(Some(renewed.paid_through), months_later(first_month, 12));
    assert_eq!(renewed.payments, 2);
    let void = app
        .client
        .delete(app.at(&format!(
            "/api/v1/staff/campaigns/members/offline-gifts/{}",
            check["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(void.status(), 200);
    let voided: Membership = member(&app, "ana@example.org").await.unwrap();
    assert!(voided.same_terms(&reference), "{voided:?}");
}

async fn dues_are_set_checked_and_cleared_through_the_staff_api(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let r = app
        .client
        .post(app.at("/api/v1/staff/campaigns"))
        .bearer_auth(&token)
        .json(&json!({"slug": "join", "name": "Join us", "goal": "10000",
                      "membership_dues": "120", "bank_debit": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(
        (
            &created["membership"],
            &created["bank_debit"],
            &created["dues_not_deductible"]
        ),
        (
            &json!({"annual_minor": 12_000, "monthly_minor": 1000}),
            &json!(true),
            &json!(false)
        )
    );
    for bad in [json!("-5"), json!("abc"), json!("0")] {
        let (status, body) = patch_campaign(&app, "join", json!({"membership_dues": bad})).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "membership_dues", "{body}");
    }
    // $50 a year: a twelfth is $4.1666…, rounded up to $4.17 a month.
    let (_, c) = patch_campaign(&app, "join", json!({"membership_dues": "50"})).await;
    assert_eq!(c["membership"]["monthly_minor"], 417);
    let (status, c) = patch_campaign(&app, "join", json!({"membership_dues": null})).await;
    assert_eq!((status, &c["membership"]), (200, &Value::Null));
    let (status, _) = checkout(&app, "join", &gift("1", "monthly", None, "a@example.org")).await;
    assert_eq!(status, 201, "a campaign of gifts again");
}

backend_tests!(
    dues_are_set_checked_and_cleared_through_the_staff_api,
    a_five_dollar_monthly_membership_by_bank_debit_is_paid_through_next_month,
    refunds_and_chargebacks_shorten_a_membership,
    a_membership_is_the_same_in_any_order_of_events,
);
