//! The donor's self-service page of a recurring gift (`/manage/{token}`), on both backends:
//! what a genuine link shows, that altered and expired links do nothing, canceling through the
//! sandbox (paid through the sandbox's own pages) with its effect on the staff list and the
//! campaign's recurring figures, and, against a fake Stripe answering with Stripe's own objects
//! (webhooks/objects, from fixtures3.json), the cancel and billing-portal calls and a failing
//! provider.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::helpers::fake_stripe::{CountingStripe, spawn_with_stripe};
use crate::helpers::{Backend, TestApp, event, gift_vars, pending_donation, spawn_app, with};
use donations::domain::manage_link;
use donations::store::now;
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "manage-link-secret-for-the-tests-0123456789";
const SUBSCRIPTION: &str = include_str!("../../webhooks/objects/subscription.json");
const PORTAL_SESSION: &str = include_str!("../../webhooks/objects/billing_portal.session.json");

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The self-service path of a donation, valid for a day.
fn link(id: &str) -> String {
    format!(
        "/manage/{}",
        manage_link::sign(SECRET.as_bytes(), id, now() + 86_400)
    )
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn answer(r: reqwest::RequestBuilder) -> Answer {
    let r = r.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

async fn get(app: &TestApp, path: &str) -> Answer {
    answer(client().get(app.at(path))).await
}

/// A form post as a browser sends the page's buttons (no fields).
async fn post(app: &TestApp, path: &str) -> Answer {
    answer(
        client()
            .post(app.at(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(""),
    )
    .await
}

/// The headers every answer behind a link must carry: the token is in the address.
fn assert_private(a: &Answer, what: &str) {
    assert_eq!(a.header("cache-control"), "no-store", "{what}");
    assert_eq!(a.header("referrer-policy"), "no-referrer", "{what}");
    assert!(a.header("x-robots-tag").contains("noindex"), "{what}");
    assert_eq!(a.header("x-content-type-options"), "nosniff", "{what}");
}

fn assert_page(a: &Answer, what: &str) {
    assert_private(a, what);
    assert!(a.header("content-type").starts_with("text/html"), "{what}");
    let csp = a.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        !csp.contains("script-src"),
        "{what}: no scripts at all: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!a.body.contains("<script"), "{what}");
}

/// Raised, active plans and monthly recurring value of the app's campaign (`demo` in the
/// sandbox, `policy` with the fake Stripe).
async fn progress(app: &TestApp) -> (i64, i64, i64) {
    let slug = if app.config.payments.is_sandbox() {
        "demo"
    } else {
        "policy"
    };
    let p = app.progress(slug).await;
    (
        p["raised_minor"].as_i64().unwrap(),
        p["recurring_active"].as_i64().unwrap(),
        p["recurring_monthly_minor"].as_i64().unwrap(),
    )
}

async fn donation(app: &TestApp, id: &str) -> donations::store::Donation {
    app.store.donation(id).await.unwrap().expect("donation")
}

// ---- the sandbox ----

/// A gift given through the donation page's form and paid on the sandbox's checkout page (which
/// sends Stripe-shaped events to this server's webhook): its donation id.
async fn give_through_sandbox(app: &TestApp, amount: &str, frequency: &str) -> String {
    let id = crate::helpers::pages::give_through_sandbox(
        app,
        &[
            ("amount", amount),
            ("custom_amount", ""),
            ("frequency", frequency),
            ("name", "Ana Pérez"),
            ("email", "ana.manage@example.org"),
        ],
    )
    .await;
    let d = donation(app, &id).await;
    assert!(d.counted_raised_minor > 0, "{id} not paid: {}", d.status);
    id
}

async fn sandbox_app(b: &Backend) -> TestApp {
    spawn_app(b, &[("MANAGE_LINK_SECRET", SECRET)]).await
}

async fn a_valid_link_shows_the_plan(b: Backend) {
    let app = sandbox_app(&b).await;
    let id = give_through_sandbox(&app, "25", "monthly").await;
    let d = donation(&app, &id).await;
    assert_eq!(d.plan_status.as_deref(), Some("active"));

    // One link for the whole test: a second `link(&id)` a second later would carry another
    // expiry, and so another token, than the page's forms were built from.
    let token_path = link(&id);
    let token_path = token_path.as_str();
    let page = get(&app, token_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_page(&page, "the manage page");
    let body = &page.body;
    assert!(body.contains("Manage your recurring gift"), "{body}");
    let campaign = app
        .store
        .campaign_by_id(d.campaign_id)
        .await
        .unwrap()
        .unwrap();
    assert!(body.contains(&campaign.name), "{body}");
    let total = format!(
        "${}.{:02} per month",
        d.total_minor / 100,
        d.total_minor % 100
    );
    assert!(body.contains(&total), "{total}: {body}");
    assert!(body.contains("id=\"plan-status\">Active<"), "{body}");
    // In words, as the page's language writes dates ("November 21, 2026").
    assert!(
        body.contains(&donations::i18n::format::long_date(
            donations::i18n::Lang::ENGLISH,
            d.created_at
        )),
        "the start date: {body}"
    );
    // Both actions are forms posting to this link (no script needed); canceling asks first.
    assert!(
        body.contains(&format!("action=\"{token_path}/cancel\"")),
        "{body}"
    );
    assert!(
        body.contains(&format!("action=\"{token_path}/portal\"")),
        "{body}"
    );
    assert!(
        body.contains("<details>"),
        "cancel sits behind a confirm step: {body}"
    );
    // The donor's email is not on the page.
    assert!(!body.contains("ana.manage@example.org"), "{body}");

    // A one-time gift's link says there is no plan, and offers no action.
    let once = give_through_sandbox(&app, "30", "one_time").await;
    let page = get(&app, &link(&once)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("no recurring plan to manage"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/cancel\""), "{}", page.body);
    assert!(!page.body.contains("/portal\""), "{}", page.body);
    let refused = post(&app, &format!("{}/cancel", link(&once))).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("nothing was done"),
        "{}",
        refused.body
    );
    assert_eq!(donation(&app, &once).await.status, "succeeded");

    // A monthly gift whose checkout never completed has no plan yet: nothing to do either.
    let campaign = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    let unpaid = pending_donation(
        app.store.as_ref(),
        &campaign,
        "monthly",
        2500,
        2500,
        "u@example.org",
    )
    .await;
    let page = get(&app, &link(&unpaid.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("has not started"), "{}", page.body);
    assert!(!page.body.contains("/cancel\"") && !page.body.contains("/portal\""));
    for action in ["cancel", "portal"] {
        let refused = post(&app, &format!("{}/{action}", link(&unpaid.id))).await;
        assert_eq!(refused.status, 409, "{action}: {}", refused.body);
    }
    assert_eq!(donation(&app, &unpaid.id).await.status, "pending");
}

async fn a_tampered_link_is_refused_and_changes_nothing(b: Backend) {
    let app = sandbox_app(&b).await;
    let id = give_through_sandbox(&app, "25", "monthly").await;
    let other = give_through_sandbox(&app, "40", "monthly").await;
    let before = progress(&app).await;
    let expiry = now() + 86_400;
    let good = manage_link::sign(SECRET.as_bytes(), &id, expiry);
    let (_, sig) = good.rsplit_once('.').unwrap();
    let flipped = if sig.ends_with('0') { "1" } else { "0" };
    let tampered = [
        // Another donation under this link's signature.
        good.replacen(&id, &other, 1),
        // A later expiry.
        good.replacen(
            &format!(".{expiry}."),
            &format!(".{}.", expiry + 999_999),
            1,
        ),
        // An altered or cut signature.
        format!("{}{flipped}", &good[..good.len() - 1]),
        good[..good.len() - 4].to_string(),
        // Signed with another key.
        manage_link::sign(b"someone else's key, thirty-two bytes", &id, now() + 86_400),
        "garbage".to_string(),
    ];
    let mut bodies = Vec::new();
    for t in &tampered {
        let page = get(&app, &format!("/manage/{t}")).await;
        assert_eq!(page.status, 400, "{t}: {}", page.body);
        assert_page(&page, t);
        assert!(
            page.body.contains("This link is not valid"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Campaign demo") && !page.body.contains("per month"));
        for action in ["cancel", "portal"] {
            let a = post(&app, &format!("/manage/{t}/{action}")).await;
            assert_eq!(a.status, 400, "{action} {t}: {}", a.body);
            assert_private(&a, action);
            assert!(a.header("location").is_empty());
        }
        bodies.push(page.body);
    }
    // Whether the named donation exists makes no difference to the answer.
    let none = manage_link::sign(
        b"someone else's key, thirty-two bytes",
        "don_nope",
        now() + 86_400,
    );
    let page = get(&app, &format!("/manage/{none}")).await;
    assert_eq!((page.status, &page.body), (400, &bodies[4]));

    for d in [&id, &other] {
        let d = donation(&app, d).await;
        assert_eq!(d.plan_status.as_deref(), Some("active"));
    }
    assert_eq!(progress(&app).await, before);
}

async fn an_expired_link_says_so_and_changes_nothing(b: Backend) {
    let app = sandbox_app(&b).await;
    let id = give_through_sandbox(&app, "25", "monthly").await;
    let before = progress(&app).await;
    let token = manage_link::sign(SECRET.as_bytes(), &id, now() - 60);
    let page = get(&app, &format!("/manage/{token}")).await;
    assert_eq!(page.status, 410, "{}", page.body);
    assert_page(&page, "expired");
    assert!(page.body.contains("expired"), "{}", page.body);
    assert!(page.body.contains("most recent receipt"), "{}", page.body);
    assert!(!page.body.contains("per month"), "{}", page.body);
    for action in ["cancel", "portal"] {
        let a = post(&app, &format!("/manage/{token}/{action}")).await;
        assert_eq!(a.status, 410, "{action}: {}", a.body);
        assert!(a.header("location").is_empty());
    }
    assert_eq!(
        donation(&app, &id).await.plan_status.as_deref(),
        Some("active")
    );
    assert_eq!(progress(&app).await, before);
}

async fn canceling_in_the_sandbox_ends_the_plan_once(b: Backend) {
    let app = sandbox_app(&b).await;
    let id = give_through_sandbox(&app, "25", "monthly").await;
    let kept = give_through_sandbox(&app, "10", "monthly").await;
    let (raised, active, monthly) = progress(&app).await;
    assert_eq!((active, monthly), (2, 2500 + 1000));

    // The portal button leads to the sandbox's stand-in, which links back here (to the link
    // posted: one `link(&id)`, as a later one may carry another expiry).
    let manage = link(&id);
    let to_portal = post(&app, &format!("{manage}/portal")).await;
    assert_eq!(to_portal.status, 303, "{}", to_portal.body);
    assert_private(&to_portal, "portal redirect");
    let location = to_portal.header("location").to_string();
    let portal_path = location.strip_prefix(&app.url).expect("on this server");
    assert!(
        portal_path.starts_with("/sandbox/portal/cus_sandbox_"),
        "{location}"
    );
    let portal = get(&app, portal_path).await;
    assert_eq!(portal.status, 200);
    assert_eq!(portal.header("referrer-policy"), "no-referrer");
    assert!(
        portal.body.contains("stands in for Stripe"),
        "{}",
        portal.body
    );
    assert!(
        portal
            .body
            .contains(&format!("href=\"{}{manage}\"", app.url)),
        "links back to the manage page: {}",
        portal.body
    );
    // It links back to this server's manage pages only.
    let elsewhere = get(
        &app,
        "/sandbox/portal/cus_x?return_url=https%3A%2F%2Fevil.example%2Fmanage%2Fx",
    )
    .await;
    assert!(
        !elsewhere.body.contains("evil.example"),
        "{}",
        elsewhere.body
    );

    let done = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_page(&done, "cancel confirmation");
    assert!(
        done.body.contains("Your recurring gift is canceled"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("id=\"plan-status\">Canceled"),
        "{}",
        done.body
    );
    assert!(
        !done.body.contains("/cancel\""),
        "no second cancel button: {}",
        done.body
    );

    let d = donation(&app, &id).await;
    assert_eq!(d.plan_status.as_deref(), Some("canceled"));
    assert_eq!(d.status, "canceled");
    assert_eq!(
        donation(&app, &kept).await.plan_status.as_deref(),
        Some("active")
    );
    // The campaign's recurring figures drop; the installment already paid still counts.
    assert_eq!(progress(&app).await, (raised, 1, 1000));
    // The change is on record as an event of its own.
    let subscription = d.subscription_id.clone().unwrap();
    let mut tx = app.store.begin_ledger(&[]).await.unwrap();
    let record = tx
        .event(&format!("selfservice:cancel:{subscription}"))
        .await
        .unwrap()
        .expect("the cancel is recorded");
    assert_eq!(record.outcome, "applied");
    drop(tx);
    // Staff see it in the donation list.
    let token = app.staff_token("ops").await;
    let r = client()
        .get(app.at("/api/v1/staff/donations?campaign=demo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    let row = list["donations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(row["status"], "canceled", "{row}");

    // Again: harmless, and says so.
    let again = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("already canceled"), "{}", again.body);
    let page = get(&app, &link(&id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("This recurring gift is canceled"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/cancel\"") && !page.body.contains("/portal\""));
    let portal = post(&app, &format!("{}/portal", link(&id))).await;
    assert_eq!(portal.status, 409, "{}", portal.body);
    assert_eq!(progress(&app).await, (raised, 1, 1000));
    // One "plan canceled" confirmation, however often the donor pressed the button.
    let canceled_mail = app
        .store
        .outbox(Some(&id))
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "plan_canceled")
        .count();
    assert_eq!(canceled_mail, 1);
}

// ---- Stripe (a fake answering with Stripe's own objects) ----

/// Stripe's subscription object (fixtures3.json) as this plan, in `status`.
fn subscription(id: &str, customer: &str, donation_id: &str, status: &str) -> Value {
    let mut s: Value = serde_json::from_str(SUBSCRIPTION).unwrap();
    s["id"] = json!(id);
    s["customer"] = json!(customer);
    s["status"] = json!(status);
    s["metadata"] = json!({"donation_id": donation_id, "campaign": "policy"});
    if status == "canceled" {
        s["canceled_at"] = json!(now());
        s["ended_at"] = json!(now());
        s["cancel_at"] = Value::Null;
        s["cancel_at_period_end"] = json!(false);
    }
    s
}

/// The portal session endpoint: Stripe's billing_portal.session object (fixtures3.json) for the
/// customer and return URL asked for; the forms it was sent are kept.
#[derive(Clone, Default)]
struct FakePortal {
    seen: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl Respond for FakePortal {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let form: BTreeMap<String, String> =
            form_urlencoded::parse(&req.body).into_owned().collect();
        self.seen.lock().unwrap().push(form.clone());
        let mut s: Value = serde_json::from_str(PORTAL_SESSION).unwrap();
        s["id"] = json!("bps_test_manage");
        s["customer"] = json!(form.get("customer"));
        s["return_url"] = json!(form.get("return_url"));
        s["livemode"] = json!(false);
        s["url"] = json!("https://billing.stripe.com/p/session/test_manage");
        ResponseTemplate::new(200).set_body_json(s)
    }
}

/// A monthly gift paid through signed webhooks (Stripe's objects under `sub_<tag>`/`cus_<tag>`).
async fn paid_monthly(app: &TestApp, tag: &str, gift: i64) -> String {
    let campaign = app.store.campaign_by_slug("policy").await.unwrap().unwrap();
    let d = pending_donation(
        app.store.as_ref(),
        &campaign,
        "monthly",
        gift,
        gift,
        "s@example.org",
    )
    .await;
    let v = gift_vars(&d, "policy", tag);
    for (n, kind) in [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    .iter()
    .enumerate()
    {
        let e = event(
            kind,
            &with(&v, &[("CREATED", (now() - 100 + n as i64).to_string())]),
        );
        let (s, body) = app.deliver(&e).await;
        assert_eq!(s, 200, "{kind}: {body}");
    }
    let d = donation(app, &d.id).await;
    assert_eq!(d.plan_status.as_deref(), Some("active"));
    assert_eq!(
        d.subscription_id.as_deref(),
        Some(format!("sub_{tag}").as_str())
    );
    d.id
}

async fn stripe_app(b: &Backend) -> (TestApp, MockServer) {
    spawn_with_stripe(
        b,
        &[("MANAGE_LINK_SECRET", SECRET)],
        CountingStripe::default(),
    )
    .await
}

fn requests_to(received: &[Request], verb: &str, to: &str) -> usize {
    received
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == to)
        .count()
}

async fn stripe_cancel_and_portal_reach_stripe(b: Backend) {
    let (app, stripe) = stripe_app(&b).await;
    let id = paid_monthly(&app, "mng1", 2500).await;
    let kept = paid_monthly(&app, "mng2", 1000).await;
    let (raised, active, monthly) = progress(&app).await;
    assert_eq!((active, monthly), (2, 3500));
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_mng1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(subscription("sub_mng1", "cus_mng1", &id, "canceled")),
        )
        .mount(&stripe)
        .await;
    let portal = FakePortal::default();
    Mock::given(method("POST"))
        .and(path("/v1/billing_portal/sessions"))
        .respond_with(portal.clone())
        .mount(&stripe)
        .await;

    // The portal: a session for the plan's customer, returning to this page (the link posted:
    // one `link(&kept)`, as a later one may carry another expiry); 303 to it.
    let manage = link(&kept);
    let to = post(&app, &format!("{manage}/portal")).await;
    assert_eq!(to.status, 303, "{}", to.body);
    assert_private(&to, "portal redirect");
    assert_eq!(
        to.header("location"),
        "https://billing.stripe.com/p/session/test_manage"
    );
    let seen = portal.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].get("customer").map(String::as_str),
        Some("cus_mng2")
    );
    assert_eq!(
        seen[0].get("return_url"),
        Some(&format!("{}{manage}", app.config.public_base_url))
    );
    // The page's CSP lets that redirect through.
    let page = get(&app, &link(&kept)).await;
    assert!(
        page.header("content-security-policy")
            .contains("form-action 'self' https://billing.stripe.com")
    );

    // Cancel: one DELETE, the plan canceled from Stripe's answer.
    let done = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your recurring gift is canceled"),
        "{}",
        done.body
    );
    let d = donation(&app, &id).await;
    assert_eq!(d.plan_status.as_deref(), Some("canceled"));
    assert!(d.canceled_at.is_some());
    assert_eq!(progress(&app).await, (raised, 1, 1000));
    // Pressed again, and Stripe's own webhook arriving later: nothing more.
    let again = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("already canceled"), "{}", again.body);
    let d0 = donation(&app, &id).await;
    let late = event(
        "customer.subscription.deleted",
        &gift_vars(&d0, "policy", "mng1"),
    );
    assert_eq!(app.deliver(&late).await.0, 200);
    assert_eq!(
        donation(&app, &id).await.plan_status.as_deref(),
        Some("canceled")
    );
    assert_eq!(progress(&app).await, (raised, 1, 1000));

    let received = stripe.received_requests().await.unwrap();
    assert_eq!(
        requests_to(&received, "DELETE", "/v1/subscriptions/sub_mng1"),
        1
    );
    assert_eq!(
        requests_to(&received, "DELETE", "/v1/subscriptions/sub_mng2"),
        0
    );
    assert_eq!(
        requests_to(&received, "POST", "/v1/billing_portal/sessions"),
        1
    );
}

async fn stripe_failure_is_a_502_and_changes_nothing(b: Backend) {
    let (app, stripe) = stripe_app(&b).await;
    let id = paid_monthly(&app, "fail1", 2500).await;
    let before = progress(&app).await;
    let outage = ResponseTemplate::new(500).set_body_json(
        json!({"error": {"type": "api_error", "message": "An unknown error occurred"}}),
    );
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_fail1"))
        .respond_with(outage.clone())
        .mount(&stripe)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/billing_portal/sessions"))
        .respond_with(outage)
        .mount(&stripe)
        .await;

    let failed = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(failed.status, 502, "{}", failed.body);
    assert_page(&failed, "502");
    assert!(
        failed.body.contains("nothing was changed"),
        "{}",
        failed.body
    );
    assert!(
        !failed.body.contains("unknown error"),
        "no internals: {}",
        failed.body
    );
    assert!(
        failed.body.contains("id=\"plan-status\">Active<"),
        "{}",
        failed.body
    );
    let portal = post(&app, &format!("{}/portal", link(&id))).await;
    assert_eq!(portal.status, 502, "{}", portal.body);
    assert!(portal.header("location").is_empty());

    let d = donation(&app, &id).await;
    assert_eq!(d.plan_status.as_deref(), Some("active"));
    assert_eq!(progress(&app).await, before);
    let mut tx = app.store.begin_ledger(&[]).await.unwrap();
    assert!(
        tx.event("selfservice:cancel:sub_fail1")
            .await
            .unwrap()
            .is_none()
    );
    drop(tx);
    let received = stripe.received_requests().await.unwrap();
    assert_eq!(
        requests_to(&received, "DELETE", "/v1/subscriptions/sub_fail1"),
        1
    );
}

/// Stripe refuses to cancel a subscription that already ended ("No such subscription"); when the
/// subscription itself says it is canceled, the donor is told so and the plan is recorded so.
async fn a_plan_already_canceled_at_stripe_is_no_error(b: Backend) {
    let (app, stripe) = stripe_app(&b).await;
    let id = paid_monthly(&app, "gone1", 2500).await;
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_gone1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "type": "invalid_request_error", "code": "resource_missing", "param": "id",
            "message": "No such subscription: 'sub_gone1'"
        }})))
        .mount(&stripe)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_gone1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(subscription(
            "sub_gone1",
            "cus_gone1",
            &id,
            "canceled",
        )))
        .mount(&stripe)
        .await;
    let done = post(&app, &format!("{}/cancel", link(&id))).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("is canceled"), "{}", done.body);
    assert_eq!(
        donation(&app, &id).await.plan_status.as_deref(),
        Some("canceled")
    );
    assert_eq!(progress(&app).await.1, 0);
}

backend_tests!(
    a_valid_link_shows_the_plan,
    a_tampered_link_is_refused_and_changes_nothing,
    an_expired_link_says_so_and_changes_nothing,
    canceling_in_the_sandbox_ends_the_plan_once,
    stripe_cancel_and_portal_reach_stripe,
    stripe_failure_is_a_502_and_changes_nothing,
    a_plan_already_canceled_at_stripe_is_no_error,
);
