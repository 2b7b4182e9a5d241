//! Email on both backends: the outbox is written in the transaction of its cause (and only
//! once per cause), the worker retries with backoff through a real SMTP server on loopback
//! (Python's aiosmtpd, tests/support/smtp_sink.py), a crash between sending and recording sends
//! one duplicate over SMTP and none through the file transport, parallel workers send each message
//! once, failed installments get a nudge, statements are net of refunds and disputes, and the
//! sandbox walk-through of the issue: a monthly gift with a tribute, its receipt's link, cancel,
//! and the dashboard.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::helpers::pages::{
    get_with_cookie, give_through_sandbox, no_redirects, session_cookie, sign_in,
};
use crate::helpers::{
    Backend, TestApp, campaign, event, gift_vars, ingest, pending_donation, spawn_app, with,
};
use async_trait::async_trait;
use donations::mail::Letter;
use donations::mail::render::{MailContext, Prerendered};
use donations::mail::statements;
use donations::mail::transport::{FileTransport, SendError, SmtpTransport, Transport};
use donations::mail::worker::{LEASE, Worker, backoff};
use donations::store::{Campaign, Donation, NewMessage, OutboxMessage, now};

const SECRET: &str = "mail-test-link-secret-0123456789abcdef";

// ---- a real SMTP server ----

/// aiosmtpd on a free loopback port, writing what it accepts to a folder; stopped on drop.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// `None` (and a note) when aiosmtpd is missing on a developer's machine; under CI, where
    /// `.ci/run` installs it, a missing server fails the test instead.
    fn start(fail_first: u32) -> Option<SmtpSink> {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .arg(fail_first.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().strip_prefix("ready ") {
            Some(port) => Some(SmtpSink {
                port: port.parse().unwrap(),
                child,
                dir,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                assert!(
                    std::env::var_os("CI").is_none(),
                    "the SMTP test server did not start (pip install aiosmtpd)"
                );
                eprintln!("skipping: python3 with aiosmtpd is needed for this test");
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages the server accepted, in order.
    fn messages(&self) -> Vec<String> {
        emls(self.dir.path()).into_iter().map(|(_, m)| m).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `.eml` files of a folder, by name, with quoted-printable bodies (SMTP's) decoded.
fn emls(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".eml") && !n.starts_with('.'))
                .map(|n| {
                    let raw = std::fs::read_to_string(dir.join(&n)).unwrap();
                    if raw.contains("Content-Transfer-Encoding: quoted-printable") {
                        (n, decode_qp(&raw))
                    } else {
                        (n, raw)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("")
}

// ---- workers and gifts ----

fn worker(app: &TestApp, transport: Arc<dyn Transport>, max_attempts: i64) -> Worker {
    Worker {
        store: app.store.clone(),
        transport,
        ctx: MailContext::new(&app.config, Arc::from(SECRET.as_bytes())),
        max_attempts,
    }
}

fn smtp(app: &TestApp, url: &str) -> Arc<dyn Transport> {
    Arc::new(SmtpTransport::new(url, &app.config.mail).unwrap())
}

fn files(app: &TestApp) -> Arc<dyn Transport> {
    Arc::new(FileTransport::new(&app.config.mail))
}

async fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    app.store.outbox(None).await.unwrap()
}

/// The keys of every queued message, sorted.
async fn queued_keys(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> = outbox(app)
        .await
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    keys.sort();
    keys
}

async fn send(app: &TestApp, kind: &str, vars: &crate::helpers::Vars, event_id: &str) {
    let payload = event(kind, &with(vars, &[("EVENT_ID", event_id.to_string())]));
    ingest(app.store.as_ref(), &payload).await;
}

/// A one-time gift paid through a `checkout.session.completed` event.
async fn paid_gift(app: &TestApp, c: &Campaign, total: i64, email: &str, tag: &str) -> Donation {
    let d = pending_donation(app.store.as_ref(), c, "one_time", total, total, email).await;
    send(
        app,
        "checkout.session.completed",
        &gift_vars(&d, &c.slug, tag),
        &format!("evt_{tag}"),
    )
    .await;
    d
}

/// A monthly plan whose checkout completed; its installments are sent by the test.
async fn monthly_plan(
    app: &TestApp,
    c: &Campaign,
    gift: i64,
    email: &str,
    tag: &str,
) -> (Donation, crate::helpers::Vars) {
    let d = pending_donation(app.store.as_ref(), c, "monthly", gift, gift, email).await;
    let vars = gift_vars(&d, &c.slug, tag);
    send(
        app,
        "checkout.session.completed",
        &vars,
        &format!("evt_{tag}_cs"),
    )
    .await;
    (d, vars)
}

// ---- the tests ----

async fn outbox_is_written_with_its_cause_and_once(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let c = campaign(&app, "mail", 1_000_000).await;
    let d = pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5000,
        "ana@example.org",
    )
    .await;
    let vars = gift_vars(&d, &c.slug, "t1");
    let payload = event(
        "checkout.session.completed",
        &with(&vars, &[("EVENT_ID", "evt_t1".into())]),
    );

    // A ledger transaction that records the payment queues the receipt inside it; rolled back
    // (dropped before commit), neither the payment nor the message exists.
    let parsed = stripe_webhook::Webhook::insecure(&payload).unwrap();
    let facts = donations::webhooks::facts::from_event(&parsed).unwrap();
    let mut tx = app.store.begin_ledger(&[]).await.unwrap();
    donations::services::ledger::apply(&mut *tx, &facts, now(), &Default::default())
        .await
        .unwrap();
    let key = format!("receipt:donation:{}", d.id);
    assert_eq!(tx.message_keys_of(&d.id).await.unwrap(), vec![key.clone()]);
    drop(tx);
    assert!(
        outbox(&app).await.is_empty(),
        "a rolled-back cause leaves no message"
    );
    assert_eq!(
        app.store.donation(&d.id).await.unwrap().unwrap().status,
        "pending"
    );

    // Committed through the webhook path: the payment and its receipt together.
    ingest(app.store.as_ref(), &payload).await;
    let queued = outbox(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].message_key, key);
    assert_eq!(queued[0].kind, "receipt");
    assert_eq!(queued[0].recipient, "ana@example.org");
    assert_eq!(queued[0].status, "pending");
    assert_eq!(
        app.store.donation(&d.id).await.unwrap().unwrap().status,
        "succeeded"
    );

    // The same cause again, by a duplicate delivery or another event about the same payment.
    ingest(app.store.as_ref(), &payload).await;
    send(&app, "payment_intent.succeeded", &vars, "evt_t1_pi").await;
    send(&app, "charge.succeeded", &vars, "evt_t1_ch").await;
    assert_eq!(outbox(&app).await.len(), 1, "one receipt per payment");
}

/// An app with one paid gift, and a worker sending through a new SMTP server that refuses the
/// first `fail_first` deliveries; `None` where aiosmtpd is missing (see `SmtpSink::start`).
async fn smtp_setup(b: &Backend, fail_first: u32) -> Option<(SmtpSink, TestApp, Campaign, Worker)> {
    let sink = SmtpSink::start(fail_first)?;
    let app = spawn_app(b, &[]).await;
    let c = campaign(&app, "mail", 1_000_000).await;
    paid_gift(&app, &c, 5000, "ana@example.org", "s1").await;
    let w = worker(&app, smtp(&app, &sink.url()), 8);
    Some((sink, app, c, w))
}

async fn smtp_failures_are_retried_with_backoff(b: Backend) {
    let Some((sink, app, c, w)) = smtp_setup(&b, 1).await else {
        return;
    };

    // The server answers 451 (try later): the attempt is counted and the next one scheduled.
    let t0 = now();
    let r = w.round_at(t0).await.unwrap();
    assert_eq!((r.claimed, r.sent, r.retrying), (1, 0, 1));
    let m = &outbox(&app).await[0];
    assert_eq!((m.status.as_str(), m.attempts), ("pending", 1));
    // 30 s ± 20 % of jitter (`worker::retry_delay`).
    let wait = m.next_attempt_at - t0;
    assert!((24..=36).contains(&wait), "{m:?}");
    assert_eq!(backoff(1).as_secs(), 30);
    assert!(
        m.last_error.as_deref().unwrap_or("").contains("451"),
        "{m:?}"
    );
    assert!(sink.messages().is_empty());

    // Not before its time; then sent and recorded.
    assert_eq!(w.round_at(t0 + wait - 1).await.unwrap().claimed, 0);
    let r = w.round_at(t0 + wait).await.unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1));
    let m = &outbox(&app).await[0];
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 2));
    assert!(m.sent_at.is_some() && m.last_error.is_none());
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert!(
        header(&got[0], "Subject").starts_with("Your receipt"),
        "{}",
        got[0]
    );
    assert!(got[0].contains("No goods or services were provided"));

    // No server at all: retried until MAIL_MAX_ATTEMPTS, then marked failed for staff.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    paid_gift(&app, &c, 2000, "ben@example.org", "r2").await;
    let w = worker(&app, smtp(&app, &dead_url), 2);
    let t1 = now();
    assert_eq!(w.round_at(t1).await.unwrap().retrying, 1);
    let r = w.round_at(t1 + 36).await.unwrap();
    assert_eq!((r.claimed, r.failed), (1, 1));
    let m = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.recipient == "ben@example.org")
        .unwrap();
    assert_eq!((m.status.as_str(), m.attempts), ("failed", 2));
    assert!(m.last_error.is_some());
    assert_eq!(
        w.round_at(t1 + 100_000).await.unwrap().claimed,
        0,
        "given up for good"
    );
    // Staff see it among the flags, beside its donation.
    let flags = app.store.flags().await.unwrap();
    let flag = flags
        .iter()
        .find(|f| f.kind == "email_failed")
        .expect("a flag");
    assert_eq!(flag.donation_id, m.donation_id);
    assert!(flag.detail.contains(&m.message_key), "{}", flag.detail);
}

async fn a_crash_between_sending_and_recording(b: Backend) {
    let Some((sink, app, _, w)) = smtp_setup(&b, 0).await else {
        return;
    };

    // A worker claims and sends, then dies before recording the send.
    let t0 = now();
    let claimed = app
        .store
        .claim_messages(t0, t0 + LEASE.as_secs() as i64, 20)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    w.deliver(&claimed[0], t0).await.unwrap();
    assert_eq!(sink.messages().len(), 1);

    // Its claim holds the message until the lease lapses; then another round sends it again.
    assert_eq!(w.round_at(t0 + 60).await.unwrap().claimed, 0);
    let r = w.round_at(t0 + LEASE.as_secs() as i64 + 1).await.unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1));
    assert_eq!(
        w.round_at(t0 + 10 * LEASE.as_secs() as i64)
            .await
            .unwrap()
            .claimed,
        0
    );
    // Over SMTP that is exactly one duplicate, and it is recognizably the same message.
    let got = sink.messages();
    assert_eq!(got.len(), 2, "one crash, one duplicate");
    assert!(!header(&got[0], "Message-ID").is_empty());
    assert_eq!(header(&got[0], "Message-ID"), header(&got[1], "Message-ID"));

    // The file transport writes a message under its key: the repeat replaces it, no duplicate.
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_str().unwrap();
    let file_app = spawn_app(&b, &[("MAIL_OUTBOX_DIR", dir_path)]).await;
    let c = campaign(&file_app, "mail", 1_000_000).await;
    paid_gift(&file_app, &c, 5000, "ana@example.org", "c2").await;
    let w = worker(&file_app, files(&file_app), 8);
    let claimed = file_app
        .store
        .claim_messages(t0, t0 + LEASE.as_secs() as i64, 20)
        .await
        .unwrap();
    w.deliver(&claimed[0], t0).await.unwrap();
    assert_eq!(
        w.round_at(t0 + LEASE.as_secs() as i64 + 1)
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(
        emls(dir.path()).len(),
        1,
        "the file transport never duplicates"
    );
}

/// Counts sends per key; each send takes a moment so that workers overlap.
#[derive(Default)]
struct Counting(Mutex<HashMap<String, usize>>);

#[async_trait]
impl Transport for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    async fn send(&self, _letter: &Letter, key: &str) -> Result<(), SendError> {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        *self.0.lock().unwrap().entry(key.to_string()).or_default() += 1;
        Ok(())
    }
}

async fn parallel_workers_send_each_message_once(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let payload = serde_json::to_string(&Prerendered {
        subject: "Hello".into(),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
    })
    .unwrap();
    for i in 0..60 {
        let m = NewMessage {
            key: format!("statement:2026:donor{i}@example.org"),
            kind: "statement".into(),
            donation_id: None,
            payment_id: None,
            recipient: format!("donor{i}@example.org"),
            payload: Some(payload.clone()),
        };
        assert!(app.store.enqueue_message(&m, now()).await.unwrap());
    }
    // Four workers, each with its own connection pool as separate processes would have.
    let counting = Arc::new(Counting::default());
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = donations::store::connect(&app.db.url, 2).await.unwrap();
        let w = Worker {
            store,
            transport: counting.clone(),
            ctx: MailContext::new(&app.config, Arc::from(SECRET.as_bytes())),
            max_attempts: 8,
        };
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            loop {
                let r = w.round_at(now()).await.unwrap();
                sent += r.sent;
                if r.claimed == 0 {
                    return sent;
                }
            }
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 60);
    let counts = counting.0.lock().unwrap().clone();
    assert_eq!(counts.len(), 60);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    assert!(outbox(&app).await.iter().all(|m| m.status == "sent"));
}

async fn a_failed_installment_gets_a_nudge_with_a_link(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(&b, &[("MAIL_OUTBOX_DIR", dir.path().to_str().unwrap())]).await;
    let c = campaign(&app, "mail", 1_000_000).await;
    let (d, vars) = monthly_plan(&app, &c, 2500, "ana@example.org", "f1").await;
    let paid = with(&vars, &[("PAYMENT_INTENT_ID", "pi_f1_1".into())]);
    send(&app, "invoice.paid", &paid, "evt_f1_paid1").await;
    let failed = with(
        &vars,
        &[
            ("INVOICE_ID", "in_f1_2".into()),
            ("PAYMENT_INTENT_ID", "pi_f1_2".into()),
        ],
    );
    send(&app, "invoice.payment_failed", &failed, "evt_f1_fail2").await;
    let keys = queued_keys(&app).await;
    assert_eq!(keys, ["payment_failed:in_f1_2", "receipt:in_f1_1"]);

    let r = worker(&app, files(&app), 8).drain().await.unwrap();
    assert_eq!(r.sent, 2);
    let sent = emls(dir.path());
    let (_, nudge) = sent
        .iter()
        .find(|(n, _)| n.starts_with("payment_failed"))
        .unwrap();
    // Stripe's invoice.payment_failed carries no decline reason: the nudge says what it knows.
    assert!(
        nudge.contains("What happened: the installment payment failed"),
        "{nudge}"
    );
    assert!(
        nudge.contains(&format!("{}/manage/{}.", app.config.public_base_url, d.id)),
        "{nudge}"
    );

    // Paid on a retry: a receipt for it, and no second nudge.
    send(&app, "invoice.paid", &failed, "evt_f1_paid2").await;
    send(
        &app,
        "invoice.payment_failed",
        &failed,
        "evt_f1_fail2_again",
    )
    .await;
    let keys = queued_keys(&app).await;
    assert_eq!(
        keys,
        [
            "payment_failed:in_f1_2",
            "receipt:in_f1_1",
            "receipt:in_f1_2"
        ]
    );
}

async fn statements_are_net_of_refunds_and_disputes(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(
        &b,
        &[
            ("MAIL_OUTBOX_DIR", dir.path().to_str().unwrap()),
            ("ORG_NAME", "Immigrant Rights Coalition"),
        ],
    )
    .await;
    let c = campaign(&app, "mail", 1_000_000).await;
    // Ana: $100 one-time, $30 of it refunded; a monthly plan with two $10 installments; a $25 check.
    let a1 = paid_gift(&app, &c, 10_000, "ana@example.org", "a1").await;
    let refund = with(
        &gift_vars(&a1, &c.slug, "a1"),
        &[("AMOUNT_MINOR", "3000".into())],
    );
    send(&app, "refund.created", &refund, "evt_a1_refund").await;
    let (_, plan) = monthly_plan(&app, &c, 1000, "Ana@Example.org", "a2").await;
    send(
        &app,
        "invoice.paid",
        &with(&plan, &[("PAYMENT_INTENT_ID", "pi_a2_1".into())]),
        "evt_a2_1",
    )
    .await;
    let second = with(
        &plan,
        &[
            ("INVOICE_ID", "in_a2_2".into()),
            ("PAYMENT_INTENT_ID", "pi_a2_2".into()),
        ],
    );
    send(&app, "invoice.paid", &second, "evt_a2_2").await;
    let check = donations::services::offline_gifts::OfflineGiftInput {
        amount: donations::services::campaign_admin::MajorAmount("25".into()),
        date: "2023-11-20".into(),
        method: "check".into(),
        donor: Some(donations::services::offline_gifts::OfflineDonorInput {
            name: Some("Ana Pérez".into()),
            email: Some("ana@example.org".into()),
        }),
        note: None,
        anonymous: false,
        email_receipt: true,
    };
    donations::services::offline_gifts::record(
        app.store.as_ref(),
        &c,
        &app.config,
        &check,
        donations::store::now(),
    )
    .await
    .unwrap();
    // Ben: $50, disputed and the funds withdrawn (a chargeback: Stripe withdraws the funds and
    // says so with charge.dispute.funds_withdrawn).
    let b1 = paid_gift(&app, &c, 5000, "ben@example.org", "b1").await;
    send(
        &app,
        "charge.dispute.created",
        &gift_vars(&b1, &c.slug, "b1"),
        "evt_b1_dispute",
    )
    .await;
    send(
        &app,
        "charge.dispute.funds_withdrawn",
        &gift_vars(&b1, &c.slug, "b1"),
        "evt_b1_withdrawn",
    )
    .await;

    // The events are dated 2023-11-14.
    let all = statements::build(
        app.store.as_ref(),
        2023,
        &donations::domain::zone::Zone::utc(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
    let ana = &all[0];
    assert_eq!(ana.donor_key, "ana@example.org");
    assert_eq!(ana.email.as_deref(), Some("ana@example.org"));
    let lines: Vec<(i64, i64, i64)> = ana
        .lines
        .iter()
        .map(|l| (l.charged_minor, l.returned_minor, l.net_minor()))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines.contains(&(10_000, 3000, 7000)), "{lines:?}");
    assert_eq!(lines.iter().filter(|l| **l == (1000, 0, 1000)).count(), 2);
    assert!(lines.contains(&(2500, 0, 2500)));
    assert_eq!(ana.totals().get("usd"), Some(&11_500));
    let ben = &all[1];
    assert_eq!(ben.lines.len(), 1);
    assert_eq!(
        (ben.lines[0].returned_minor, ben.totals()["usd"]),
        (5000, 0)
    );
    assert!(
        statements::build(
            app.store.as_ref(),
            2024,
            &donations::domain::zone::Zone::utc()
        )
        .await
        .unwrap()
        .is_empty()
    );

    let letter = statements::render(&app.config.org, ana).unwrap();
    assert!(
        letter
            .text
            .contains("Total 2023 contributions, net of refunds and disputes: $115.00"),
        "{}",
        letter.text
    );
    assert!(
        letter
            .text
            .contains("$100.00 less $30.00 refunded or disputed = $70.00")
    );
    assert!(letter.text.contains("Gift by check"));

    // `donations statements --year 2023 --send`: written to files, queued once per donor and
    // year however often it runs, and sent (here, as files in MAIL_OUTBOX_DIR).
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_donations"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db.url)
            .env("MAIL_OUTBOX_DIR", dir.path())
            .env("ORG_NAME", "Immigrant Rights Coalition")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run donations");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        text
    };
    let out_dir = out.path().to_str().unwrap();
    let said = run(&["statements", "--year", "2023", "--out", out_dir, "--send"]);
    assert!(said.contains("wrote 2 statements"), "{said}");
    assert!(
        said.contains("queued 2 (already queued before: 0"),
        "{said}"
    );
    // It sends what is due: the two statements, the five receipts still waiting (four card
    // payments and the check) and the notice of Ana's refund.
    assert!(said.contains("sent 8, to retry 0, failed 0"), "{said}");
    assert!(
        out.path()
            .join("statement-2023-ana_example.org.txt")
            .exists()
    );
    assert!(
        out.path()
            .join("statement-2023-ben_example.org.html")
            .exists()
    );
    let said = run(&["statements", "--year", "2023", "--out", out_dir, "--send"]);
    assert!(
        said.contains("queued 0 (already queued before: 2"),
        "{said}"
    );
    let q = statements::queue(app.store.as_ref(), &app.config.org, &all, now())
        .await
        .unwrap();
    assert_eq!((q.queued, q.already), (0, 2));
    let listed = run(&["mail", "list"]);
    assert_eq!(
        listed.matches("\tsent\tstatement:2023:").count(),
        2,
        "{listed}"
    );
    let sent = emls(dir.path());
    let (_, mail) = sent
        .iter()
        .find(|(n, _)| n.starts_with("statement_2023_ana"))
        .unwrap();
    assert!(mail.contains("Your 2023 giving statement from Immigrant Rights Coalition"));
    assert!(mail.contains("$115.00"));
}

/// The walk-through, as a new user would try it in sandbox mode.
async fn sandbox_monthly_gift_with_a_tribute_end_to_end(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(&b, &[("MAIL_OUTBOX_DIR", dir.path().to_str().unwrap())]).await;
    let id = give_through_sandbox(
        &app,
        &[
            ("amount", "25"),
            ("custom_amount", ""),
            ("frequency", "monthly"),
            ("name", "Ana Pérez"),
            ("email", "ana@example.org"),
            ("tribute_kind", "honor"),
            ("honoree", "Lynda Callon"),
            ("notify_email", "lynda@example.org"),
            ("tribute_message", "For all you taught me."),
        ],
    )
    .await;

    // The server's own link secret (made on first start, kept in the database).
    let secret = donations::app::link_secret(app.store.as_ref(), &app.config)
        .await
        .unwrap();
    let w = donations::app::mail_worker(app.store.clone(), &app.config, secret).unwrap();
    assert_eq!(w.drain().await.unwrap().sent, 2);
    let sent = emls(dir.path());
    let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let (_, receipt) = sent
        .iter()
        .find(|(n, _)| n.starts_with("receipt_"))
        .unwrap();
    let (_, note) = sent
        .iter()
        .find(|(n, _)| n.starts_with("tribute_"))
        .unwrap();
    assert_eq!(header(receipt, "To"), "ana@example.org");
    assert!(receipt.contains("In honor of Lynda Callon"));
    assert!(receipt.contains("Frequency: Monthly gift"));
    assert_eq!(header(note, "To"), "lynda@example.org");
    assert!(note.contains("Ana Pérez made a gift") && note.contains("in honor of Lynda Callon"));
    assert!(note.contains("For all you taught me."));
    assert!(
        !note.contains("$25"),
        "the amount is not shared unless the donor chose so"
    );

    // The receipt's link opens the manage page; cancel stops the plan.
    let base = format!("{}/manage/", app.config.public_base_url);
    let at = receipt.find(&base).expect("a manage link in the receipt");
    let link: String = receipt[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();
    let path = &link[app.config.public_base_url.len()..];
    let page = no_redirects().get(app.at(path)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("$25.00"));
    let canceled = no_redirects()
        .post(app.at(&format!("{path}/cancel")))
        .send()
        .await
        .unwrap();
    assert!(canceled.status().is_success(), "{}", canceled.status());
    let d = app.store.donation(&id).await.unwrap().unwrap();
    assert_eq!(d.plan_status.as_deref(), Some("canceled"));

    // The staff dashboard shows it, and the donor gets the confirmation.
    let token = app.staff_token("staff").await;
    let (status, headers, _) = sign_in(&app, &token).await;
    assert_eq!(status, 303);
    let (_, page) =
        get_with_cookie(&app, "/dashboard/campaigns/demo", &session_cookie(&headers)).await;
    let row = page
        .lines()
        .find(|l| l.contains("Ana Pérez") || l.contains("Ana P&#233;rez"))
        .unwrap_or("");
    assert!(row.contains("canceled"), "{row}\n{page}");
    assert_eq!(w.drain().await.unwrap().sent, 1);
    let sent = emls(dir.path());
    let (_, confirmation) = sent
        .iter()
        .find(|(n, _)| n.starts_with("plan_canceled_"))
        .unwrap();
    assert!(confirmation.contains("has been canceled"));
}

async fn staff_see_and_resend_a_donations_emails(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(&b, &[("MAIL_OUTBOX_DIR", dir.path().to_str().unwrap())]).await;
    let c = campaign(&app, "mail", 1_000_000).await;
    let d = paid_gift(&app, &c, 5000, "ana@example.org", "e1").await;
    let w = worker(&app, files(&app), 8);
    assert_eq!(w.drain().await.unwrap().sent, 1);
    let token = app.staff_token("staff").await;
    let staff = |r: reqwest::RequestBuilder| r.bearer_auth(&token);

    let path = format!("/api/v1/staff/donations/{}/emails", d.id);
    let r = app.client.get(app.at(&path)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401, "staff only");
    let r = staff(app.client.get(app.at(&path))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let list: serde_json::Value = r.json().await.unwrap();
    let emails = list["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["kind"], "receipt");
    assert_eq!(emails[0]["status"], "sent");
    assert_eq!(emails[0]["recipient"], "ana@example.org");
    assert!(
        emails[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Your receipt")
    );
    let id = emails[0]["id"].as_i64().unwrap();

    // The donor lost it: staff send it again, once.
    let resend = format!("/api/v1/staff/emails/{id}/resend");
    let r = staff(app.client.post(app.at(&resend)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let again: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (again["status"].as_str(), again["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    let r = staff(app.client.post(app.at(&resend)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409, "already waiting to be sent");
    std::fs::remove_dir_all(dir.path()).unwrap();
    assert_eq!(w.drain().await.unwrap().sent, 1);
    assert_eq!(emls(dir.path()).len(), 1, "sent again");

    for (verb, p) in [
        ("GET", "/api/v1/staff/donations/don_nope/emails".to_string()),
        ("POST", "/api/v1/staff/emails/999999/resend".to_string()),
        ("POST", "/api/v1/staff/emails/x/resend".to_string()),
    ] {
        let req = if verb == "GET" {
            app.client.get(app.at(&p))
        } else {
            app.client.post(app.at(&p))
        };
        let r = staff(req).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{verb} {p}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["errors"][0]["detail"].is_string(), "{body}");
    }
}

async fn offline_gifts_are_receipted_unless_staff_say_not(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(&b, &[("MAIL_OUTBOX_DIR", dir.path().to_str().unwrap())]).await;
    let c = campaign(&app, "mail", 1_000_000).await;
    let token = app.staff_token("staff").await;
    let record = |body: serde_json::Value| {
        app.client
            .post(app.at(&format!("/api/v1/staff/campaigns/{}/offline-gifts", c.slug)))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = record(serde_json::json!({
        "amount": "250", "date": "2026-11-20", "method": "check",
        "donor": {"name": "Ana Pérez", "email": "ana@example.org"}
    }))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let receipted: serde_json::Value = r.json().await.unwrap();
    let r = record(serde_json::json!({
        "amount": "40", "date": "2026-11-20", "method": "cash", "email_receipt": false,
        "donor": {"name": "Ben", "email": "ben@example.org"}
    }))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let queued = outbox(&app).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].recipient, "ana@example.org");
    assert_eq!(queued[0].donation_id.as_deref(), receipted["id"].as_str());
    assert_eq!(worker(&app, files(&app), 8).drain().await.unwrap().sent, 1);
    let (_, mail) = &emls(dir.path())[0];
    assert!(
        mail.contains("Gift: $250.00") && mail.contains("Paid by: check"),
        "{mail}"
    );
    assert!(mail.contains("Date: November 20, 2026"));
}

backend_tests!(
    outbox_is_written_with_its_cause_and_once,
    smtp_failures_are_retried_with_backoff,
    a_crash_between_sending_and_recording,
    parallel_workers_send_each_message_once,
    a_failed_installment_gets_a_nudge_with_a_link,
    statements_are_net_of_refunds_and_disputes,
    sandbox_monthly_gift_with_a_tribute_end_to_end,
    staff_see_and_resend_a_donations_emails,
    offline_gifts_are_receipted_unless_staff_say_not,
);
