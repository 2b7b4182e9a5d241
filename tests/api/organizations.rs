//! Several organizations in one deployment (issue 14, item 4), on both backends: a 501(c)(4)
//! beside the default 501(c)(3), each page and receipt saying what its organization's tax
//! status allows (in English and Spanish), its annual statements its own; staff of one
//! organization seeing nothing of the other's, members included. Their payments:
//! `organization_payments`.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::pages::{get_page, get_with_cookie, session_cookie, sign_in};
use crate::helpers::{
    Backend, TestApp, event, gift_vars, pending_donation, pending_donation_with, spawn_app, with,
};
use donations::mail::Letter;
use donations::mail::render::{MailContext, render};
use donations::store::{Campaign, CampaignOptions, Donation, now};

const SECRET: &str = "organizations-test-link-secret-0123456789";
pub(crate) const ACTION_SECRET: &str = "whsec_action_test_secret";
const C4_NOTICE: &str = "Contributions to Coalition Action are not tax deductible as charitable \
                         contributions for federal income tax purposes.";
const C4_NOTICE_ES: &str = "Las contribuciones a Coalition Action no son deducibles de impuestos \
                            como contribuciones caritativas para fines del impuesto federal sobre \
                            la renta.";
const C3_SENTENCE: &str = "Our Coalition is a tax-exempt organization under Section 501(c)(3)";

/// The default organization (a 501(c)(3) with its EIN) and `action`, a 501(c)(4).
pub(crate) fn org_vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MANAGE_LINK_SECRET", SECRET),
        ("ORG_NAME", "Our Coalition"),
        ("ORG_EIN", "12-3456789"),
        ("ORGANIZATIONS", "action"),
        ("ORG_ACTION_NAME", "Coalition Action"),
        ("ORG_ACTION_EIN", "98-7654321"),
        ("ORG_ACTION_TAX_STATUS", "501c4"),
        (
            "ORG_ACTION_RECEIPT_WORDING",
            "Paid for by Coalition Action.",
        ),
        ("ORG_ACTION_STRIPE_SECRET_KEY", "sk_test_action"),
        ("ORG_ACTION_STRIPE_WEBHOOK_SECRET", ACTION_SECRET),
    ]
}

pub(crate) async fn spawn(b: &Backend) -> TestApp {
    spawn_app(b, &org_vars()).await
}

/// A campaign of organization `org`, made through the store as staff of it would.
pub(crate) async fn campaign_of(app: &TestApp, org: &str, slug: &str) -> Campaign {
    campaign_with(app, org, slug, &CampaignOptions::default()).await
}

async fn campaign_with(app: &TestApp, org: &str, slug: &str, o: &CampaignOptions) -> Campaign {
    let fields = crate::helpers::campaign_fields(slug, 1_000_000, "usd");
    app.store
        .create_campaign_in(org, &fields, o)
        .await
        .expect("campaign")
}

/// Posts `payload` to `endpoint`, signed with `secret`.
pub(crate) async fn deliver_to(
    app: &TestApp,
    endpoint: &str,
    payload: &str,
    secret: &str,
) -> (u16, String) {
    let sig = stripe_webhook::Webhook::generate_test_header(payload, secret, None);
    let r = app
        .client
        .post(app.at(endpoint))
        .header("stripe-signature", sig)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Completes `d`'s checkout of campaign `c` now (an event dated now) through `endpoint`.
async fn complete_now(app: &TestApp, d: &Donation, c: &Campaign, endpoint: &str, secret: &str) {
    let v = with(
        &gift_vars(d, &c.slug, &d.id),
        &[("CREATED", now().to_string())],
    );
    let (status, body) = deliver_to(
        app,
        endpoint,
        &event("checkout.session.completed", &v),
        secret,
    )
    .await;
    assert!(status == 200 && body.contains("\"applied\""), "{body}");
}

/// The receipts queued for donation `id`, rendered as the mail worker sends them.
async fn receipts(app: &TestApp, id: &str) -> Vec<Letter> {
    let ctx = MailContext::new(&app.config, Arc::from(SECRET.as_bytes()));
    let mut out = Vec::new();
    for m in app.store.outbox(Some(id)).await.unwrap() {
        if m.kind == "receipt" {
            out.push(render(app.store.as_ref(), &ctx, &m, now()).await.unwrap());
        }
    }
    out
}

/// A paid gift to `c`, completed through `endpoint` with `secret`; its receipt.
async fn paid_gift(
    app: &TestApp,
    c: &Campaign,
    lang: &str,
    endpoint: &str,
    secret: &str,
) -> Letter {
    let d = pending_donation_with(
        app.store.as_ref(),
        c,
        "one_time",
        5000,
        5000,
        "ana@example.org",
        |d| d.language = lang.to_string(),
    )
    .await;
    complete_now(app, &d, c, endpoint, secret).await;
    let mut r = receipts(app, &d.id).await;
    assert_eq!(r.len(), 1, "one receipt for {}", d.id);
    r.remove(0)
}

async fn each_page_and_receipt_says_what_its_tax_status_allows(b: Backend) {
    let app = spawn(&b).await;
    let c4 = campaign_of(&app, "action", "action-fund").await;
    let c3 = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    assert_eq!(c3.organization, "default");

    // The pages: the c4's notice near its button, in English and Spanish; the c3's sentence.
    let (status, _, page) = get_page(&app, "/donate/action-fund").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(C4_NOTICE), "{page}");
    assert!(!page.contains("tax-deductible"), "{page}");
    let (_, _, page) = get_page(&app, "/donate/action-fund?lang=es").await;
    assert!(page.contains(C4_NOTICE_ES), "{page}");
    let (_, _, page) = get_page(&app, "/donate/demo").await;
    assert!(page.contains(C3_SENTENCE), "{page}");
    assert!(!page.contains("not tax deductible"), "{page}");
    let (_, _, page) = get_page(&app, "/donate/demo?lang=es").await;
    assert!(
        page.contains("Our Coalition es una organización exenta"),
        "{page}"
    );

    // The receipts: the c4's names it, says it is not deductible, and never "tax-deductible".
    let r = paid_gift(&app, &c4, "en", "/webhooks/stripe/action", ACTION_SECRET).await;
    for part in [&r.text, &r.html] {
        assert!(part.contains(C4_NOTICE), "{part}");
        assert!(part.contains("Coalition Action"), "{part}");
        assert!(part.contains("Paid for by Coalition Action."), "{part}");
        assert!(!part.contains("tax-deductible"), "{part}");
        assert!(!part.contains("Our Coalition"), "{part}");
    }
    let r = paid_gift(&app, &c4, "es", "/webhooks/stripe/action", ACTION_SECRET).await;
    for part in [&r.text, &r.html] {
        assert!(part.contains(C4_NOTICE_ES), "{part}");
        assert!(
            !part.contains("deducible de impuestos en la medida"),
            "{part}"
        );
    }
    // The c3's receipt keeps today's deductibility sentence.
    let r = paid_gift(
        &app,
        &c3,
        "en",
        "/webhooks/stripe",
        crate::helpers::WEBHOOK_SECRET,
    )
    .await;
    assert!(r.text.contains(C3_SENTENCE), "{}", r.text);
    assert!(r.text.contains("tax-deductible"), "{}", r.text);
    assert!(!r.text.contains("not tax deductible"), "{}", r.text);
}

/// A staff API call with `token`: the status and the body.
async fn call(app: &TestApp, method: &str, path: &str, token: &str) -> (u16, String) {
    let req = match method {
        "PATCH" => app
            .client
            .patch(app.at(path))
            .json(&json!({"name": "Taken"})),
        "POST" if path.ends_with("/offline-gifts") => app
            .client
            .post(app.at(path))
            .json(&json!({"amount": "25.00", "date": "2026-11-01", "method": "check"})),
        "POST" => app.client.post(app.at(path)).json(&json!({
            "slug": "action-new", "name": "New", "goal": "100.00"
        })),
        _ => app.client.get(app.at(path)),
    };
    let r = req.bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn staff_of_one_organization_see_nothing_of_another(b: Backend) {
    let app = spawn(&b).await;
    let c4 = campaign_of(&app, "action", "action-fund").await;
    let c3 = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    let ours = pending_donation(
        app.store.as_ref(),
        &c4,
        "one_time",
        900,
        900,
        "o@example.org",
    )
    .await;
    let theirs = pending_donation(
        app.store.as_ref(),
        &c3,
        "one_time",
        800,
        800,
        "t@example.org",
    )
    .await;
    let (token, hash) = donations::services::staff_tokens::new_token();
    let t = app
        .store
        .create_org_staff_token("action", "action admin", &hash)
        .await
        .unwrap();
    assert_eq!(t.organization, "action");

    let (status, body) = call(&app, "GET", "/api/v1/staff/campaigns", &token).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("action-fund") && !body.contains("\"demo\""),
        "{body}"
    );
    for path in [
        "/api/v1/staff/campaigns/demo/summary",
        "/api/v1/staff/campaigns/demo/fundraisers",
        &format!("/api/v1/staff/donations/{}/emails", theirs.id),
    ] {
        let (status, body) = call(&app, "GET", path, &token).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    // Nor changed: the campaign, its offline gifts, its supporters' pages.
    let page = crate::helpers::public_page(app.store.as_ref(), &c3, "ana").await;
    let hide = format!("/api/v1/staff/fundraisers/{}/hide", page.id);
    for path in [hide.as_str(), "/api/v1/staff/campaigns/demo/offline-gifts"] {
        let (status, body) = call(&app, "POST", path, &token).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let still = app.store.fundraiser(&page.id).await.unwrap().unwrap();
    assert_eq!(still.review, page.review, "not hidden");
    let (status, _) = call(&app, "PATCH", "/api/v1/staff/campaigns/demo", &token).await;
    assert_eq!(status, 404);
    assert_eq!(
        app.store
            .campaign_by_slug("demo")
            .await
            .unwrap()
            .unwrap()
            .name,
        c3.name
    );
    let (status, body) = call(&app, "GET", "/api/v1/staff/donations?campaign=demo", &token).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(&app, "GET", "/api/v1/staff/donations", &token).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&ours.id) && !body.contains(&theirs.id),
        "{body}"
    );
    let (status, csv) = call(&app, "GET", "/api/v1/staff/donations?format=csv", &token).await;
    assert_eq!(status, 200);
    assert!(csv.contains(&ours.id) && !csv.contains(&theirs.id), "{csv}");
    // The default organization's staff do not see the c4's.
    let default_token = app.staff_token("default admin").await;
    let (_, body) = call(&app, "GET", "/api/v1/staff/donations", &default_token).await;
    assert!(
        body.contains(&theirs.id) && !body.contains(&ours.id),
        "{body}"
    );
    // (The same offline gift the other organization's token was refused is a good one.)
    let gift = "/api/v1/staff/campaigns/demo/offline-gifts";
    let (status, body) = call(&app, "POST", gift, &default_token).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = call(
        &app,
        "GET",
        "/api/v1/staff/campaigns/action-fund/summary",
        &default_token,
    )
    .await;
    assert_eq!(status, 404);
    // A campaign made by the c4's staff is the c4's.
    let (status, body) = call(&app, "POST", "/api/v1/staff/campaigns", &token).await;
    assert_eq!(status, 201, "{body}");
    let made = app
        .store
        .campaign_by_slug("action-new")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.organization, "action");

    // The dashboard: the index lists only the c4's campaigns; the other's pages are not found.
    let (_, headers, _) = sign_in(&app, &token).await;
    let cookie = session_cookie(&headers);
    let (status, page) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("action-fund") && !page.contains("/dashboard/campaigns/demo"),
        "{page}"
    );
    for path in [
        "/dashboard/campaigns/demo",
        "/dashboard/campaigns/demo/donations.csv",
    ] {
        let (status, body) = get_with_cookie(&app, path, &cookie).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

async fn staff_see_only_the_members_who_paid_their_organizations_dues(b: Backend) {
    let app = spawn(&b).await;
    let dues = CampaignOptions {
        membership_dues_minor: Some(6000),
        ..CampaignOptions::default()
    };
    let c4 = campaign_with(&app, "action", "action-dues", &dues).await;
    let c3 = campaign_with(&app, "default", "coalition-dues", &dues).await;
    for (c, email, endpoint, secret) in [
        (
            &c4,
            "rosa@example.org",
            "/webhooks/stripe/action",
            ACTION_SECRET,
        ),
        (
            &c3,
            "luis@example.org",
            "/webhooks/stripe",
            crate::helpers::WEBHOOK_SECRET,
        ),
    ] {
        let d = pending_donation_with(app.store.as_ref(), c, "one_time", 6000, 6000, email, |d| {
            d.dues_minimum_minor = Some(6000)
        })
        .await;
        // Paid now: a member paid through next year (the status filter is checked too).
        complete_now(&app, &d, c, endpoint, secret).await;
    }
    let (token, hash) = donations::services::staff_tokens::new_token();
    app.store
        .create_org_staff_token("action", "action admin", &hash)
        .await
        .unwrap();
    let default_token = app.staff_token("default admin").await;
    for (t, ours, theirs) in [
        (&token, "rosa@example.org", "luis@example.org"),
        (&default_token, "luis@example.org", "rosa@example.org"),
    ] {
        for path in [
            "/api/v1/staff/memberships",
            "/api/v1/staff/memberships?status=active",
            "/api/v1/staff/memberships?format=csv",
        ] {
            let (status, body) = call(&app, "GET", path, t).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(
                body.contains(ours) && !body.contains(theirs),
                "{path}: {body}"
            );
        }
    }
}

async fn a_donor_of_both_gets_a_statement_from_each(b: Backend) {
    use donations::mail::statements;
    let app = spawn(&b).await;
    let c4 = campaign_of(&app, "action", "action-fund").await;
    let c3 = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    for (c, endpoint, secret) in [
        (&c4, "/webhooks/stripe/action", ACTION_SECRET),
        (&c3, "/webhooks/stripe", crate::helpers::WEBHOOK_SECRET),
    ] {
        let d = pending_donation(
            app.store.as_ref(),
            c,
            "one_time",
            5000,
            5000,
            "ana@example.org",
        )
        .await;
        complete_now(&app, &d, c, endpoint, secret).await;
    }
    let year: i32 = donations::domain::time::format_time(now())[..4]
        .parse()
        .unwrap();
    let all = statements::build(app.store.as_ref(), year, &app.config.org.zone)
        .await
        .unwrap();
    let orgs: Vec<&str> = all.iter().map(|s| s.organization.as_str()).collect();
    assert_eq!(orgs, ["action", "default"], "{all:?}");
    for s in &all {
        assert_eq!(s.lines.len(), 1, "each its own gift: {s:?}");
        let org = app.config.org_or_default(&s.organization);
        let l = statements::render(org, s).unwrap();
        if s.organization == "action" {
            assert!(l.text.contains(C4_NOTICE), "{}", l.text);
            assert!(!l.text.contains("tax-deductible") && !l.text.contains("Our Coalition"));
        } else {
            assert!(
                l.text
                    .contains("Our Coalition is a tax-exempt organization"),
                "{}",
                l.text
            );
            assert!(!l.text.contains("Coalition Action"), "{}", l.text);
        }
        let q = statements::queue(app.store.as_ref(), org, std::slice::from_ref(s), now())
            .await
            .unwrap();
        assert_eq!(q.queued, 1, "one email from each organization");
    }
}

backend_tests!(
    a_donor_of_both_gets_a_statement_from_each,
    each_page_and_receipt_says_what_its_tax_status_allows,
    staff_of_one_organization_see_nothing_of_another,
    staff_see_only_the_members_who_paid_their_organizations_dues,
);
