//! Addresses that can be sent to (issue 17): every place an email address enters (the checkout
//! API's donor and tribute addresses, the no-JS donation form, offline gifts over the staff API
//! and the dashboard form) refuses an address lettre would refuse at send time with a 422 naming
//! the field, before anything is saved; and an internationalised address lettre can send to is
//! taken as typed. On both backends.

use serde_json::{Value, json};

use crate::helpers::pages::{csrf_of, get_with_cookie, post_form, session_cookie, sign_in};
use crate::helpers::{Backend, TestApp, campaign, spawn_app};
use donations::store::DonationFilter;

/// Shapes the old hand-written check let through and lettre refuses.
const UNSENDABLE: [&str; 4] = ["a,b@x.org", "a..b@x.org", ".a@x.org", "Ann <ann@x.org>"];

async fn donation_count(app: &TestApp) -> usize {
    app.store
        .list_donations(&DonationFilter::default(), None, 1000)
        .await
        .unwrap()
        .len()
}

fn fields_of(err: &Value) -> Vec<String> {
    err["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn gift(email: &str, notify: &str) -> Value {
    json!({
        "amount": "25", "frequency": "one_time", "cover_fee": false,
        "donor": {"name": "Ana Pérez", "email": email},
        "tribute": {"kind": "honor", "honoree": "Lynda Callon", "notify_email": notify},
    })
}

async fn checkout(app: &TestApp, slug: &str, body: &Value) -> (u16, Value) {
    app.checkout_json(slug, body).await
}

async fn checkout_refuses_unsendable_addresses_before_saving(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    for bad in UNSENDABLE {
        for (field, body) in [
            ("donor.email", gift(bad, "family@example.org")),
            ("tribute.notify_email", gift("ana@example.org", bad)),
        ] {
            let (status, err) = checkout(&app, "demo", &body).await;
            assert_eq!(status, 422, "{bad:?} as {field}: {err}");
            assert_eq!(fields_of(&err), vec![field.to_owned()], "{bad:?}: {err}");
            assert_eq!(
                err["errors"][0]["detail"], "is not a valid email address",
                "{err}"
            );
        }
    }
    assert_eq!(donation_count(&app).await, 0, "nothing was saved");

    // An internationalised domain is sendable (lettre checks it through IDNA): taken as typed.
    let (status, body) = checkout(&app, "demo", &gift("ana@bücher.de", "oma@bücher.de")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["donation_id"].as_str().expect("a donation id");
    let saved = app.store.donation(id).await.unwrap().expect("saved");
    assert_eq!(saved.donor_email.as_deref(), Some("ana@bücher.de"));
    assert_eq!(donation_count(&app).await, 1);
}

async fn the_donation_form_refuses_unsendable_addresses(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    for bad in UNSENDABLE {
        for (email, notify, error_id) in [
            (bad, "", "donor-email-error"),
            ("ana@example.org", bad, "notify-email-error"),
        ] {
            let form = [
                ("amount", "50"),
                ("custom_amount", ""),
                ("frequency", "one_time"),
                ("name", "Ana"),
                ("email", email),
                ("tribute_kind", "honor"),
                ("honoree", "Lynda Callon"),
                ("notify_email", notify),
                ("idempotency_key", "k-addr"),
            ];
            let (status, _, body) = post_form(&app, "/donate/demo", None, &form).await;
            assert_eq!(status, 422, "{bad:?}: {body}");
            assert!(
                body.contains(&format!("id=\"{error_id}\"")),
                "{bad:?}: no {error_id} in the page"
            );
        }
    }
    assert_eq!(donation_count(&app).await, 0, "nothing was saved");
}

async fn offline_gifts_refuse_unsendable_addresses(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "offline", 1_000_000).await;
    let token = app.staff_token("staff").await;
    let record = |email: &str| {
        app.client
            .post(app.at(&format!("/api/v1/staff/campaigns/{}/offline-gifts", c.slug)))
            .bearer_auth(&token)
            .json(&json!({
                "amount": "40", "date": "2026-11-20", "method": "check",
                "donor": {"name": "Ben", "email": email}
            }))
            .send()
    };
    for bad in UNSENDABLE {
        let r = record(bad).await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{bad:?}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(fields_of(&err), vec!["donor.email".to_owned()], "{err}");
    }
    assert_eq!(donation_count(&app).await, 0, "nothing was saved");
    assert!(
        app.store.outbox(None).await.unwrap().is_empty(),
        "no receipt queued"
    );

    let r = record("ben@bücher.de").await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(donation_count(&app).await, 1);

    // The dashboard's form goes through the same use case: the error sits by the field.
    let (_, headers, _) = sign_in(&app, &token).await;
    let cookie = session_cookie(&headers);
    let (_, page) = get_with_cookie(&app, "/dashboard", &cookie).await;
    let csrf = csrf_of(&page);
    let (status, _, body) = post_form(
        &app,
        "/dashboard/campaigns/offline/offline-gifts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("amount", "10"),
            ("date", "2026-01-01"),
            ("method", "cash"),
            ("donor_email", "a..b@x.org"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("id=\"og-donor_email-error\""), "{body}");
    assert!(body.contains("is not a valid email address"));
    assert_eq!(donation_count(&app).await, 1, "the form saved nothing");
}

backend_tests!(
    checkout_refuses_unsendable_addresses_before_saving,
    the_donation_form_refuses_unsendable_addresses,
    offline_gifts_refuse_unsendable_addresses,
);
