//! Donor mail on both backends (issue 15, item 4): refund notices (queued once whatever the
//! order and repeats of Stripe's events, partial and several refunds, a correction when an
//! announced refund fails, nothing when it failed before anyone was told), the lifetime of the
//! self-service link in an annual gift's receipt, and "manage my gift" (`/manage`): fresh links
//! by email for known addresses, the same answer for unknown ones, limits per client and per
//! address.

use std::sync::Arc;

use crate::helpers::{
    Backend, TestApp, Vars, campaign, event, gift_vars, ingest, pending_donation, spawn_app, with,
};
use donations::mail::Letter;
use donations::mail::render::{MailContext, render};
use donations::store::{Campaign, Donation, OutboxMessage, now};

const SECRET: &str = "donor-mail-test-link-secret-0123456789";

/// The server, signing links with the secret the tests render with.
async fn spawn(b: &Backend, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("MANAGE_LINK_SECRET", SECRET)];
    all.extend_from_slice(vars);
    spawn_app(b, &all).await
}

fn ctx(app: &TestApp) -> MailContext {
    MailContext::new(&app.config, Arc::from(SECRET.as_bytes()))
}

async fn send(app: &TestApp, kind: &str, vars: &Vars, event_id: &str) {
    let payload = event(kind, &with(vars, &[("EVENT_ID", event_id.to_string())]));
    ingest(app.store.as_ref(), &payload).await;
}

async fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    app.store.outbox(None).await.unwrap()
}

/// The keys of every queued message, sorted.
async fn keys(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> = outbox(app)
        .await
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    keys.sort();
    keys
}

/// The queued message with this key, rendered as the mail worker would send it now.
async fn rendered(app: &TestApp, key: &str) -> Letter {
    let m = outbox(app)
        .await
        .into_iter()
        .find(|m| m.message_key == key)
        .unwrap_or_else(|| panic!("no message {key}"));
    render(app.store.as_ref(), &ctx(app), &m, now())
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// A one-time gift of `total` (all gift) and its Stripe variables; not paid yet.
async fn gift(app: &TestApp, c: &Campaign, total: i64, email: &str, tag: &str) -> (Donation, Vars) {
    let d = pending_donation(app.store.as_ref(), c, "one_time", total, total, email).await;
    let vars = gift_vars(&d, &c.slug, tag);
    (d, vars)
}

/// A refund of `amount` with this id and status, as `refund.created`/`refund.updated` carry it.
fn refund(vars: &Vars, id: &str, amount: i64, status: &str) -> Vars {
    with(
        vars,
        &[
            ("REFUND_ID", id.into()),
            ("AMOUNT_MINOR", amount.to_string()),
            ("REFUND_STATUS", status.into()),
        ],
    )
}

async fn a_refund_notice_is_queued_once_in_any_order(b: Backend) {
    let app = spawn(&b, &[("ORG_EIN", "12-3456789")]).await;
    let c = campaign(&app, "refunds", 1_000_000).await;

    // Paid, then refunded: pending says nothing yet; succeeded queues one notice, which
    // duplicates and the charge's own refund event do not repeat.
    let (d, vars) = gift(&app, &c, 10_000, "ana@example.org", "r1").await;
    send(&app, "checkout.session.completed", &vars, "evt_r1_cs").await;
    let receipt = format!("receipt:donation:{}", d.id);
    send(
        &app,
        "refund.created",
        &refund(&vars, "re_r1", 10_000, "pending"),
        "evt_r1_rc",
    )
    .await;
    assert_eq!(
        keys(&app).await,
        vec![receipt.clone()],
        "a pending refund waits"
    );
    let done = refund(&vars, "re_r1", 10_000, "succeeded");
    send(&app, "refund.updated", &done, "evt_r1_ru").await;
    send(&app, "refund.updated", &done, "evt_r1_ru").await;
    send(&app, "refund.updated", &done, "evt_r1_ru_again").await;
    let charge = with(&done, &[("AMOUNT_REFUNDED_MINOR", "10000".into())]);
    send(&app, "charge.refunded", &charge, "evt_r1_chr").await;
    assert_eq!(
        keys(&app).await,
        [receipt.clone(), "refund:re_r1".to_string()]
    );
    let m = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.kind == "refund")
        .unwrap();
    assert_eq!(m.recipient, "ana@example.org");
    assert_eq!(m.donation_id.as_deref(), Some(d.id.as_str()));
    let receipt_id = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.message_key == receipt)
        .unwrap()
        .id;
    let l = rendered(&app, "refund:re_r1").await;
    assert!(
        l.text
            .contains("has refunded $100.00 of your one-time gift"),
        "{}",
        l.text
    );
    assert!(
        l.text
            .contains(&format!("receipt number R-{receipt_id:06}")),
        "{}",
        l.text
    );
    assert!(l.text.contains("refunded in full"), "{}", l.text);

    // The same story delivered backwards: the refund (succeeded) and the charge before the
    // checkout that paid. The refund waits for its payment, then both are queued, once.
    let (d2, vars2) = gift(&app, &c, 5000, "ben@example.org", "r2").await;
    let done2 = refund(&vars2, "re_r2", 2000, "succeeded");
    send(&app, "refund.updated", &done2, "evt_r2_ru").await;
    send(
        &app,
        "charge.refunded",
        &with(&done2, &[("AMOUNT_REFUNDED_MINOR", "2000".into())]),
        "evt_r2_chr",
    )
    .await;
    assert!(app.store.outbox(Some(&d2.id)).await.unwrap().is_empty());
    send(&app, "checkout.session.completed", &vars2, "evt_r2_cs").await;
    send(
        &app,
        "refund.created",
        &refund(&vars2, "re_r2", 2000, "pending"),
        "evt_r2_rc",
    )
    .await;
    send(&app, "checkout.session.completed", &vars2, "evt_r2_cs").await;
    let mut of_d2: Vec<String> = app
        .store
        .outbox(Some(&d2.id))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    of_d2.sort();
    assert_eq!(
        of_d2,
        [
            format!("receipt:donation:{}", d2.id),
            "refund:re_r2".to_string()
        ]
    );
    let l = rendered(&app, "refund:re_r2").await;
    assert!(l.text.contains("has refunded $20.00"), "{}", l.text);
    assert!(l.text.contains("now reduced to $30.00"), "{}", l.text);
}

async fn partial_refunds_each_say_what_is_left(b: Backend) {
    let app = spawn(&b, &[("ORG_EIN", "12-3456789")]).await;
    let c = campaign(&app, "refunds", 1_000_000).await;
    // An anonymous donor's $100 gift: two partial refunds of $25 and $15, told apart.
    let (mut d, vars) = gift(&app, &c, 10_000, "Ana@Example.org", "p1").await;
    d.anonymous = true;
    send(&app, "checkout.session.completed", &vars, "evt_p1_cs").await;
    let first = with(
        &refund(&vars, "re_p1_a", 2500, "succeeded"),
        &[("CREATED", "1700000100".into())],
    );
    let second = with(
        &refund(&vars, "re_p1_b", 1500, "succeeded"),
        &[("CREATED", "1700000200".into())],
    );
    send(&app, "refund.updated", &second, "evt_p1_b").await;
    send(&app, "refund.created", &first, "evt_p1_a").await;
    let ks = keys(&app).await;
    assert_eq!(
        ks.iter().filter(|k| k.starts_with("refund:")).count(),
        2,
        "{ks:?}"
    );
    let a = rendered(&app, "refund:re_p1_a").await;
    assert_eq!(a.to, "Ana@Example.org", "the address as the donor gave it");
    assert!(a.text.contains("has refunded $25.00"), "{}", a.text);
    assert!(a.text.contains("reduced to $75.00"), "{}", a.text);
    let b2 = rendered(&app, "refund:re_p1_b").await;
    assert!(b2.text.contains("has refunded $15.00"), "{}", b2.text);
    assert!(b2.text.contains("reduced to $60.00"), "{}", b2.text);
    // What the campaign counts agrees: $60 of the gift still counts.
    let donation = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!(donation.refunded_minor, 4000);
    assert_eq!(donation.counted_raised_minor, 6000);
    assert_eq!(donation.status, "partially_refunded");

    // An installment of a monthly plan is refunded through its own PaymentIntent.
    let pd = pending_donation(
        app.store.as_ref(),
        &c,
        "monthly",
        2000,
        2000,
        "cy@example.org",
    )
    .await;
    let plan = gift_vars(&pd, &c.slug, "m1");
    send(&app, "checkout.session.completed", &plan, "evt_m1_cs").await;
    let inst = with(&plan, &[("PAYMENT_INTENT_ID", "pi_m1_1".into())]);
    send(&app, "invoice.paid", &inst, "evt_m1_paid").await;
    send(
        &app,
        "refund.updated",
        &refund(&inst, "re_m1", 2000, "succeeded"),
        "evt_m1_ref",
    )
    .await;
    let m = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.message_key == "refund:re_m1")
        .unwrap();
    assert_eq!(m.payment_id.as_deref(), Some("in_m1_1"));
    let l = rendered(&app, "refund:re_m1").await;
    assert!(l.text.contains("of your monthly gift"), "{}", l.text);
    assert!(l.text.contains("refunded in full"), "{}", l.text);
}

async fn an_announced_refund_that_fails_is_corrected(b: Backend) {
    let app = spawn(&b, &[]).await;
    let c = campaign(&app, "refunds", 1_000_000).await;

    // Told of the refund, then it fails (a closed card): a correction, once; the gift counts
    // again.
    let (d, vars) = gift(&app, &c, 8000, "ana@example.org", "f1").await;
    send(&app, "checkout.session.completed", &vars, "evt_f1_cs").await;
    send(
        &app,
        "refund.updated",
        &refund(&vars, "re_f1", 3000, "succeeded"),
        "evt_f1_ok",
    )
    .await;
    let failed = with(
        &refund(&vars, "re_f1", 3000, "failed"),
        &[("CREATED", "1700000300".into())],
    );
    send(&app, "refund.updated", &failed, "evt_f1_failed").await;
    send(&app, "refund.updated", &failed, "evt_f1_failed").await;
    send(
        &app,
        "refund.updated",
        &refund(&vars, "re_f1", 3000, "succeeded"),
        "evt_f1_ok_late",
    )
    .await;
    let receipt = format!("receipt:donation:{}", d.id);
    assert_eq!(
        keys(&app).await,
        [
            receipt.clone(),
            "refund:re_f1".to_string(),
            "refund_failed:re_f1".to_string()
        ]
    );
    let l = rendered(&app, "refund_failed:re_f1").await;
    assert!(l.subject.ends_with("did not go through"), "{}", l.subject);
    assert!(l.text.contains("We wrote to you that $30.00"), "{}", l.text);
    assert!(l.text.contains("That refund failed"), "{}", l.text);
    // No EIN configured: no tax claim, the contribution as it stands.
    assert!(
        l.text.contains("your contribution for this gift is $80.00"),
        "{}",
        l.text
    );
    assert!(!l.text.contains("tax"), "{}", l.text);
    let donation = app.store.donation(&d.id).await.unwrap().unwrap();
    assert_eq!(donation.counted_raised_minor, 8000);

    // Its failure heard of first (events out of order): no notice and no correction, also when
    // the earlier "succeeded" event arrives after it.
    let (d2, vars2) = gift(&app, &c, 8000, "ben@example.org", "f2").await;
    send(&app, "checkout.session.completed", &vars2, "evt_f2_cs").await;
    send(
        &app,
        "refund.updated",
        &refund(&vars2, "re_f2", 8000, "failed"),
        "evt_f2_failed",
    )
    .await;
    send(
        &app,
        "refund.created",
        &refund(&vars2, "re_f2", 8000, "succeeded"),
        "evt_f2_ok",
    )
    .await;
    let of_d2: Vec<String> = app
        .store
        .outbox(Some(&d2.id))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    assert_eq!(of_d2, [format!("receipt:donation:{}", d2.id)]);

    // The worker sends what was queued.
    let dir = tempfile::tempdir().unwrap();
    let files = donations::mail::transport::FileTransport::new(&donations::config::MailConfig {
        outbox_dir: dir.path().to_path_buf(),
        ..app.config.mail.clone()
    });
    let w = donations::mail::worker::Worker {
        store: app.store.clone(),
        transport: Arc::new(files),
        ctx: ctx(&app),
        max_attempts: 3,
    };
    let r = w.drain().await.unwrap();
    assert_eq!((r.sent, r.failed), (4, 0), "{r:?}");
}

async fn an_annual_receipts_link_lasts_past_the_next_installment(b: Backend) {
    let app = spawn(&b, &[("MANAGE_LINK_TTL", "60d")]).await;
    let c = campaign(&app, "annual", 1_000_000).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "annual",
        50_000,
        50_000,
        "ana@example.org",
    )
    .await;
    // Paid an hour ago (the templates date objects by CREATED).
    let vars = with(
        &gift_vars(&d, &c.slug, "y1"),
        &[("CREATED", (now() - 3600).to_string())],
    );
    send(&app, "checkout.session.completed", &vars, "evt_y1_cs").await;
    send(
        &app,
        "invoice.paid",
        &with(&vars, &[("PAYMENT_INTENT_ID", "pi_y1_1".into())]),
        "evt_y1_paid",
    )
    .await;
    let paid_at = app
        .store
        .payments_of(&d.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "in_y1_1")
        .and_then(|p| p.paid_at)
        .expect("the installment is paid");
    let l = rendered(&app, "receipt:in_y1_1").await;
    let prefix = format!("{}/manage/{}.", app.config.public_base_url, d.id);
    let at = l.text.find(&prefix).expect("a manage link") + prefix.len();
    let expires: i64 = l.text[at..].split('.').next().unwrap().parse().unwrap();
    let next = donations::domain::manage_link::next_installment(paid_at, d.frequency).unwrap();
    assert!(next - paid_at >= 365 * 86_400, "a year later");
    assert_eq!(
        expires,
        next + 30 * 86_400,
        "30 days after the next installment"
    );
    assert!(
        expires > now() + 60 * 86_400,
        "longer than MANAGE_LINK_TTL from now"
    );
}

/// A monthly plan of `gift` for `email`, its checkout completed and first installment paid.
async fn running_plan(app: &TestApp, c: &Campaign, gift: i64, email: &str, tag: &str) -> Donation {
    let d = pending_donation(app.store.as_ref(), c, "monthly", gift, gift, email).await;
    let vars = gift_vars(&d, &c.slug, tag);
    send(
        app,
        "checkout.session.completed",
        &vars,
        &format!("evt_{tag}_cs"),
    )
    .await;
    let paid = with(&vars, &[("PAYMENT_INTENT_ID", format!("pi_{tag}_1"))]);
    send(app, "invoice.paid", &paid, &format!("evt_{tag}_paid")).await;
    d
}

/// Posts the "manage my gift" form: (status, body, Retry-After).
async fn ask(app: &TestApp, email: &str) -> (u16, String, String) {
    let r = app
        .client
        .post(app.at("/manage"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, r.text().await.unwrap(), retry)
}

async fn link_requests(app: &TestApp) -> Vec<OutboxMessage> {
    outbox(app)
        .await
        .into_iter()
        .filter(|m| m.kind == "manage_links")
        .collect()
}

async fn fresh_links_go_to_known_addresses_only(b: Backend) {
    let app = spawn(&b, &[]).await;
    let c = campaign(&app, "plans", 1_000_000).await;
    let plan = running_plan(&app, &c, 2500, "Ana.Perez@Example.org", "k1").await;
    // A second, annual plan of hers, and one that was canceled: links for the running two.
    let annual = pending_donation(
        app.store.as_ref(),
        &c,
        "annual",
        50_000,
        50_000,
        "ana.perez@example.org",
    )
    .await;
    let avars = gift_vars(&annual, &c.slug, "k2");
    send(&app, "checkout.session.completed", &avars, "evt_k2_cs").await;
    let ended = running_plan(&app, &c, 1000, "ana.perez@example.org", "k3").await;
    let evars = with(
        &gift_vars(&ended, &c.slug, "k3"),
        &[("SUBSCRIPTION_STATUS", "canceled".into())],
    );
    send(&app, "customer.subscription.deleted", &evars, "evt_k3_del").await;
    // Ben gave once: no plan to manage.
    let once = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5000,
        "ben@example.org",
    )
    .await;
    send(
        &app,
        "checkout.session.completed",
        &gift_vars(&once, &c.slug, "k4"),
        "evt_k4_cs",
    )
    .await;

    // The form.
    let r = app.client.get(app.at("/manage")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let form = r.text().await.unwrap();
    assert!(
        form.contains("<form class=\"card\" method=\"post\" action=\"/manage\">"),
        "{form}"
    );

    // Known (typed in another case), unknown, and one-time only: the same answer, byte for byte.
    let known = ask(&app, "  ANA.PEREZ@example.ORG ").await;
    let unknown = ask(&app, "nobody@example.org").await;
    let one_time = ask(&app, "ben@example.org").await;
    assert_eq!(known.0, 200, "{}", known.1);
    assert_eq!(known, unknown);
    assert_eq!(known, one_time);
    assert!(
        known
            .1
            .contains("If that address has a recurring gift with us"),
        "{}",
        known.1
    );

    // One email, to the address on file (as she typed it on her latest gift).
    let sent = link_requests(&app).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].recipient, "ana.perez@example.org");
    assert_eq!(sent[0].donation_id, None);
    let l = rendered(&app, &sent[0].message_key).await;
    assert_eq!(l.to, "ana.perez@example.org");
    let base = format!("{}/manage/", app.config.public_base_url);
    let links: Vec<&str> = l
        .text
        .split_whitespace()
        .filter(|w| w.starts_with(&base))
        .collect();
    assert_eq!(links.len(), 2, "the two running plans: {}", l.text);
    assert!(
        links[0].contains(&plan.id) && links[1].contains(&annual.id),
        "{links:?}"
    );
    assert!(!l.text.contains(&ended.id), "no link to the canceled plan");
    assert!(
        l.text
            .contains("Monthly gift for Campaign plans: $25.00 a month"),
        "{}",
        l.text
    );
    assert!(
        l.text
            .contains("Annual gift for Campaign plans: $500.00 a year"),
        "{}",
        l.text
    );
    // The links work, for the gift they name.
    for link in links {
        let token = link.trim_start_matches(&base);
        let (_, rest) = token.split_once('.').unwrap();
        let expires: i64 = rest.split('.').next().unwrap().parse().unwrap();
        assert!(
            expires >= now() + 60 * 86_400 - 5,
            "MANAGE_LINK_TTL at least"
        );
        let r = app.client.get(link).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Manage your recurring gift")
        );
    }

    // A malformed address is the only other answer, naming the field.
    let (status, body, _) = ask(&app, "not an address").await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"email-error\""), "{body}");
    assert!(body.contains("is not a valid email address"), "{body}");
    assert_eq!(link_requests(&app).await.len(), 1);

    // An expired link's page leads here; so does a recurring gift's thank-you page.
    let expired = donations::domain::manage_link::sign(SECRET.as_bytes(), &plan.id, now() - 60);
    let r = app
        .client
        .get(app.at(&format!("/manage/{expired}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 410);
    let body = r.text().await.unwrap();
    assert!(body.contains("href=\"/manage\""), "{body}");
    let thanks = app
        .client
        .get(app.at(&format!("/donate/plans/thanks?donation={}", plan.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        thanks.contains("id=\"manage-hint\"") && thanks.contains("href=\"/manage\""),
        "{thanks}"
    );
}

async fn link_requests_are_limited_per_client_and_per_address(b: Backend) {
    // Per client address: the third request within the hour is refused, with Retry-After.
    let app = spawn(&b, &[("MANAGE_LINK_RATE_PER_IP", "2/hour")]).await;
    let c = campaign(&app, "plans", 1_000_000).await;
    running_plan(&app, &c, 2500, "ana@example.org", "l1").await;
    assert_eq!(ask(&app, "ana@example.org").await.0, 200);
    assert_eq!(ask(&app, "nobody@example.org").await.0, 200);
    let (status, body, retry) = ask(&app, "ana@example.org").await;
    assert_eq!(status, 429, "{body}");
    assert!(retry.parse::<u64>().unwrap() > 0, "{retry}");
    assert!(body.contains("Too many requests"), "{body}");
    assert_eq!(link_requests(&app).await.len(), 1);

    // Per donor address: beyond MANAGE_LINK_RATE_PER_EMAIL the same answer and no email.
    let app = spawn(
        &b,
        &[
            ("MANAGE_LINK_RATE_PER_IP", "off"),
            ("MANAGE_LINK_RATE_PER_EMAIL", "2/day"),
        ],
    )
    .await;
    let c = campaign(&app, "plans", 1_000_000).await;
    running_plan(&app, &c, 2500, "ana@example.org", "l2").await;
    let answers: Vec<(u16, String, String)> = {
        let mut v = Vec::new();
        for email in [
            "ana@example.org",
            "ANA@example.org",
            "ana@example.org",
            "ana@example.org",
        ] {
            v.push(ask(&app, email).await);
        }
        v
    };
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "the same answer every time"
    );
    assert_eq!(answers[0].0, 200);
    assert_eq!(
        link_requests(&app).await.len(),
        2,
        "two emails a day to one address"
    );
    assert_eq!(
        app.store
            .manage_link_requests_since("ana@example.org", now() - 86_400)
            .await
            .unwrap(),
        2
    );
}

backend_tests!(
    fresh_links_go_to_known_addresses_only,
    link_requests_are_limited_per_client_and_per_address,
    a_refund_notice_is_queued_once_in_any_order,
    partial_refunds_each_say_what_is_left,
    an_announced_refund_that_fails_is_corrected,
    an_annual_receipts_link_lasts_past_the_next_installment,
);
