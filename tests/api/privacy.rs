//! Privacy: anonymous gifts (with names, emails and tribute notification emails) paid through
//! webhooks never show their donor's name, and no email of anyone ever shows, on any public
//! route or page: progress, donor wall, fee quote, thank-you pages, OpenAPI, operations.

use crate::helpers::fake_stripe::with_counting_stripe;
use crate::helpers::{Backend, TestApp, event, gift_vars, with};
use serde_json::{Value, json};

const ANON: [(&str, &str); 3] = [
    ("Zephyrine Quillfeather", "zephyrine.q@hidden-donor.test"),
    ("Bartholomew Okonkwo-Lindqvist", "bart.ol@hidden-donor.test"),
    ("Marisol Esquivel", "MARISOL@Hidden-Donor.test"),
];
const PUBLIC: (&str, &str) = ("Paulette Visible", "paulette@visible-donor.test");
const NOTIFY: &str = "family.notify@tribute-notice.test";

async fn give(app: &TestApp, name: &str, email: &str, anonymous: bool, frequency: &str) -> String {
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/policy/checkout"))
        .json(&json!({
            "amount": "25.00", "frequency": frequency, "cover_fee": true,
            "donor": {"name": name, "email": email}, "anonymous": anonymous,
            "tribute": {"kind": "honor", "honoree": "Lynda Callon", "notify_email": NOTIFY},
            "comment": format!("from {name}, {email}"),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = r.json().await.unwrap();
    body["donation_id"].as_str().unwrap().to_string()
}

/// Pays a donation through the webhooks Stripe would send.
async fn pay(app: &TestApp, id: &str, tag: &str) {
    let d = app.store.donation(id).await.unwrap().unwrap();
    let v = gift_vars(&d, "policy", tag);
    let kinds: &[&str] = if !d.frequency.is_recurring() {
        &["checkout.session.completed", "charge.succeeded"]
    } else {
        &[
            "checkout.session.completed",
            "customer.subscription.created",
            "invoice.paid",
            "invoice_payment.paid",
        ]
    };
    for (n, kind) in kinds.iter().enumerate() {
        let e = event(
            kind,
            &with(&v, &[("CREATED", (1_700_000_000 + n).to_string())]),
        );
        let (s, body) = app.deliver(&e).await;
        assert_eq!(s, 200, "{kind}: {body}");
    }
    let d = app.store.donation(id).await.unwrap().unwrap();
    assert!(d.counted_raised_minor > 0, "{id} not paid: {}", d.status);
}

async fn no_anonymous_name_and_no_email_on_any_public_route(b: Backend) {
    let (app, _stripe, _fake) = with_counting_stripe(&b, &[]).await;
    let mut ids = Vec::new();
    for (i, (name, email)) in ANON.iter().enumerate() {
        let freq = if i == 1 { "monthly" } else { "one_time" };
        let id = give(&app, name, email, true, freq).await;
        pay(&app, &id, &format!("anon{i}")).await;
        ids.push(id);
    }
    let id = give(&app, PUBLIC.0, PUBLIC.1, false, "one_time").await;
    pay(&app, &id, "public").await;
    ids.push(id);

    let mut pages = vec![
        "/api/v1/campaigns/policy".to_string(),
        "/api/v1/campaigns/policy/donors".to_string(),
        "/api/v1/campaigns/policy/donors?limit=100".to_string(),
        "/api/v1/campaigns/policy/fee-quote?amount=25&cover_fee=true".to_string(),
        "/api/v1/campaigns/policy/fee-quote?amount=25&frequency=monthly".to_string(),
        "/api/v1/openapi.json".to_string(),
        "/donate/policy/thanks".to_string(),
        "/health".to_string(),
        "/ready".to_string(),
        "/metrics".to_string(),
        "/no/such/page".to_string(),
        "/sandbox/checkout/x".to_string(),
    ];
    for id in &ids {
        pages.push(format!("/donate/policy/thanks?donation={id}"));
    }
    let mut seen_public = false;
    for page in &pages {
        let r = app.client.get(app.at(page)).send().await.unwrap();
        let status = r.status().as_u16();
        let headers = format!("{:?}", r.headers());
        let body = r.text().await.unwrap();
        assert!(status < 500, "{page}: {status}");
        let text = format!("{headers}\n{body}").to_lowercase();
        for (name, email) in ANON {
            for part in name.split(' ') {
                assert!(
                    !text.contains(&part.to_lowercase()),
                    "{page} shows anonymous donor {name:?}: {body}"
                );
            }
            assert!(
                !text.contains(&email.to_lowercase()),
                "{page} shows {email}"
            );
        }
        for email in [PUBLIC.1, NOTIFY] {
            assert!(!text.contains(email), "{page} shows {email}");
        }
        for domain in ["hidden-donor", "visible-donor", "tribute-notice"] {
            assert!(
                !text.contains(domain),
                "{page} shows an email at {domain}: {body}"
            );
        }
        seen_public |= text.contains("paulette");
    }
    // The walk does see donors: the public one is named on the wall.
    assert!(seen_public, "the donor wall shows no named donor at all");
    let (_, wall) = app.get_json("/api/v1/campaigns/policy/donors").await;
    let anonymous = wall.to_string().matches("Anonymous").count();
    assert!(anonymous >= 3, "{wall}");
}

backend_tests!(no_anonymous_name_and_no_email_on_any_public_route);
