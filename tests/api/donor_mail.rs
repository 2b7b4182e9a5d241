//! Donor mail on both backends (issue 15, item 4): refund notices (queued once whatever the
//! order and repeats of Stripe's events, partial and several refunds, a correction when an
//! announced refund fails, nothing when it failed before anyone was told), and the lifetime of
//! the self-service link in an annual gift's receipt.

use std::sync::Arc;

use crate::helpers::{
    Backend, TestApp, Vars, campaign, event, gift_vars, ingest, pending_donation, spawn_app, with,
};
use donations::mail::Letter;
use donations::mail::render::{MailContext, render};
use donations::store::{Campaign, Donation, OutboxMessage, now};

const SECRET: &str = "donor-mail-test-link-secret-0123456789";

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
    let app = spawn_app(&b, &[("ORG_EIN", "12-3456789")]).await;
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
        [receipt.clone()],
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
    let app = spawn_app(&b, &[("ORG_EIN", "12-3456789")]).await;
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
    let app = spawn_app(&b, &[]).await;
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
    let app = spawn_app(&b, &[("MANAGE_LINK_TTL", "60d")]).await;
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

backend_tests!(
    a_refund_notice_is_queued_once_in_any_order,
    partial_refunds_each_say_what_is_left,
    an_announced_refund_that_fails_is_corrected,
    an_annual_receipts_link_lasts_past_the_next_installment,
);
