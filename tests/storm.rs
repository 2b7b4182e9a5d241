//! Webhook storms over HTTP: many gifts' events (one-time and recurring, refunds, disputes,
//! failures, cancellations), 30% delivered twice, shuffled, sent by 32 concurrent senders —
//! into one server (both backends), into two server processes sharing one PostgreSQL, and into
//! a server process killed with SIGKILL mid-storm and restarted (both backends). Every time the
//! campaign's totals, each of its three supporters' pages' totals (three gifts in four are made
//! on one) and each donation's state must equal what the scenario alone says, and the database
//! must hold one row per distinct id sent.
//!
//! Quick by default (120 donations, about 1,100 distinct events); `STORM_FULL=1` runs 2,000
//! donations (about 18,000 events). `STORM_SEED=N` replays one scenario.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use donations::store::{Campaign, CampaignFields, Store};
use futures::StreamExt;
use helpers::scenario::{
    DisputeEnd, GiftSpec, Undo, events_of, expected, expected_gift, expected_of, total_for,
};
use helpers::{Backend, TestDb, WEBHOOK_SECRET, gift_vars, pending_donation_on, public_page};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const SENDERS: usize = 32;

fn donations_count() -> usize {
    if std::env::var("STORM_FULL").is_ok_and(|v| v == "1") {
        2000
    } else {
        120
    }
}

fn seed() -> u64 {
    std::env::var("STORM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random())
}

fn random_gift(rng: &mut StdRng) -> GiftSpec {
    if rng.random_bool(0.6) {
        let refunds = (0..rng.random_range(0..3))
            .map(|_| rng.random_range(1u16..300))
            .collect();
        GiftSpec::OneTime {
            gift: rng.random_range(100i64..500_000),
            fail_first: rng.random_bool(0.2),
            fee: rng.random_bool(0.5),
            refunds,
            full: rng.random_bool(0.2),
            undone: rng.random_bool(0.15).then(|| {
                (
                    rng.random_range(1u16..300),
                    match rng.random_range(0..3) {
                        0 => Undo::Failed,
                        1 => Undo::Canceled,
                        _ => Undo::ChargeWentDown,
                    },
                )
            }),
            dispute: match rng.random_range(0..8) {
                0 => DisputeEnd::Won,
                1 => DisputeEnd::Lost,
                2 => DisputeEnd::Inquiry,
                3 => DisputeEnd::Open,
                _ => DisputeEnd::None,
            },
        }
    } else {
        let installments = rng.random_range(1u8..4);
        GiftSpec::Recurring {
            gift: rng.random_range(100i64..100_000),
            annual: rng.random_bool(0.3),
            installments,
            fail_first: rng.random_bool(0.2),
            refund_of: rng.random_bool(0.3).then(|| {
                (
                    rng.random_range(1..=installments),
                    rng.random_range(1u16..1001),
                )
            }),
            new_total: rng
                .random_bool(0.2)
                .then(|| rng.random_range(100i64..200_000)),
            cancel: rng.random_bool(0.3),
        }
    }
}

/// A scenario recorded in a campaign: its gifts, their donations, the distinct events in the
/// order they happened, and the delivery order (30% twice, shuffled).
struct Storm {
    campaign: Campaign,
    /// Its supporters' pages: gift `i` is made on page `i % 4 - 1` (none when `i % 4 == 0`).
    pages: Vec<String>,
    gifts: Vec<GiftSpec>,
    ids: Vec<String>,
    events: Vec<String>,
    deliveries: Vec<usize>,
}

async fn prepare(store: &dyn Store, slug: &str, n: usize, seed: u64) -> Storm {
    let mut rng = StdRng::seed_from_u64(seed);
    let campaign = store
        .create_campaign(&CampaignFields {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            currency: "usd".into(),
            goal_minor: 1_000_000_000,
            starts_at: None,
            ends_at: None,
            fee_percent: "2.9".into(),
            fee_fixed_minor: 30,
            status: "active".into(),
            success_url: None,
            cancel_url: None,
        })
        .await
        .unwrap();
    let gifts: Vec<GiftSpec> = (0..n).map(|_| random_gift(&mut rng)).collect();
    let mut pages = Vec::new();
    for p in 1..=3 {
        pages.push(public_page(store, &campaign, &format!("page-{p}")).await.id);
    }
    let (mut events, mut ids) = (Vec::new(), Vec::new());
    let mut clock = 1_700_000_000;
    for (i, g) in gifts.iter().enumerate() {
        let (freq, gift) = match g {
            GiftSpec::OneTime { gift, .. } => ("one_time", *gift),
            GiftSpec::Recurring { gift, annual, .. } => {
                (if *annual { "annual" } else { "monthly" }, *gift)
            }
        };
        // `expected` counts donors as i % 2.
        let email = format!("donor{}@example.org", i % 2);
        let page = (i % 4).checked_sub(1).map(|p| pages[p].as_str());
        let total = total_for(gift);
        let d =
            pending_donation_on(store, &campaign, page, freq, gift, total, &email, |_| {}).await;
        let tag = format!("{slug}_{i}");
        events.extend(events_of(g, &gift_vars(&d, slug, &tag), &tag, &mut clock));
        ids.push(d.id);
    }
    let mut deliveries: Vec<usize> = (0..events.len()).collect();
    for i in 0..events.len() {
        if rng.random_bool(0.3) {
            deliveries.push(i);
        }
    }
    deliveries.shuffle(&mut rng);
    Storm {
        campaign,
        pages,
        gifts,
        ids,
        events,
        deliveries,
    }
}

/// Signs and posts one event; `None` when the connection failed.
async fn deliver(client: &reqwest::Client, url: &str, payload: &str) -> Option<u16> {
    let sig = stripe_webhook::Webhook::generate_test_header(payload, WEBHOOK_SECRET, None);
    let r = client
        .post(format!("{url}/webhooks/stripe"))
        .header("stripe-signature", sig)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await
        .ok()?;
    Some(r.status().as_u16())
}

/// Sends `order` (indexes into `events`) with 32 senders, round-robin over `urls`; returns the
/// indexes whose delivery did not get a 2xx. `done` counts finished deliveries.
async fn send(
    urls: &[String],
    events: &[String],
    order: &[usize],
    done: Arc<AtomicUsize>,
) -> Vec<usize> {
    let client = reqwest::Client::new();
    let failed: Vec<Option<usize>> = futures::stream::iter(order.iter().enumerate())
        .map(|(n, &i)| {
            let client = client.clone();
            let url = urls[n % urls.len()].clone();
            let done = done.clone();
            async move {
                let status = deliver(&client, &url, &events[i]).await;
                done.fetch_add(1, Ordering::SeqCst);
                match status {
                    Some(s) if (200..300).contains(&s) => None,
                    Some(s) => {
                        assert!(s >= 500, "event refused with {s}: {}", events[i]);
                        Some(i)
                    }
                    None => Some(i),
                }
            }
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    failed.into_iter().flatten().collect()
}

/// Delivers until every event got a 2xx, as Stripe retries; returns how many retries it took.
async fn send_until_accepted(urls: &[String], storm: &Storm) -> usize {
    let mut pending = storm.deliveries.clone();
    let mut retries = 0;
    for round in 0..50 {
        pending = send(urls, &storm.events, &pending, Arc::new(AtomicUsize::new(0))).await;
        if pending.is_empty() {
            return retries;
        }
        retries += pending.len();
        eprintln!(
            "round {round}: {} deliveries not accepted; retrying",
            pending.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{} deliveries never accepted", pending.len());
}

/// The campaign and every donation equal the scenario's expectation.
async fn check(store: &dyn Store, storm: &Storm) {
    let (_, p) = store
        .campaign_progress(&storm.campaign.slug)
        .await
        .unwrap()
        .unwrap();
    let want = expected(&storm.gifts);
    assert_eq!(
        (p.raised_minor, p.gifts, p.donors, p.recurring_active),
        want,
        "campaign totals: {p:?}"
    );
    for (p, page) in storm.pages.iter().enumerate() {
        let l = store.fundraiser_progress(page).await.unwrap().unwrap();
        let q = &l.progress;
        assert_eq!(
            (q.raised_minor, q.gifts, q.donors, q.recurring_active),
            expected_of(&storm.gifts, |i| i % 4 == p + 1),
            "totals of supporter's page {}: {q:?}",
            l.fundraiser.slug
        );
    }
    for (g, id) in storm.gifts.iter().zip(&storm.ids) {
        let d = store.donation(id).await.unwrap().unwrap();
        let e = expected_gift(g);
        let got = (
            d.status.as_str(),
            d.counted_raised_minor,
            d.counted_gifts,
            d.counted_recurring,
            d.refunded_minor,
        );
        assert_eq!(
            got,
            (
                e.status.as_str(),
                e.raised,
                e.gifts,
                e.recurring,
                e.refunded
            ),
            "donation {id} of {g:?}"
        );
    }
    assert!(want.0 > 0, "the scenario moved no money");
}

/// Row counts equal the distinct ids sent: no event, payment, refund or dispute twice.
async fn check_rows(url: &str, storm: &Storm) {
    let mut event_ids = BTreeSet::new();
    let (mut refunds, mut disputes) = (BTreeSet::new(), BTreeSet::new());
    for e in &storm.events {
        let v: Value = serde_json::from_str(e).unwrap();
        event_ids.insert(v["id"].as_str().unwrap().to_string());
        let kind = v["type"].as_str().unwrap();
        let object = v["data"]["object"]["id"].as_str().unwrap_or("").to_string();
        if kind.starts_with("refund.") {
            refunds.insert(object);
        } else if kind.starts_with("charge.dispute.") {
            disputes.insert(object);
        }
    }
    let payments: usize = storm
        .gifts
        .iter()
        .map(|g| match g {
            // A one-time gift's payment is its checkout's record; a plan has that record and
            // one payment per invoice.
            GiftSpec::OneTime { .. } => 1,
            GiftSpec::Recurring { installments, .. } => 1 + usize::from(*installments),
        })
        .sum();
    let counts = row_counts(url).await;
    assert_eq!(
        counts,
        [
            event_ids.len() as i64,
            payments as i64,
            refunds.len() as i64,
            disputes.len() as i64
        ],
        "rows of webhook_events, payments, refunds, disputes"
    );
}

async fn row_counts(url: &str) -> [i64; 4] {
    let q = [
        "SELECT COUNT(*) FROM webhook_events",
        "SELECT COUNT(*) FROM payments",
        "SELECT COUNT(*) FROM refunds",
        "SELECT COUNT(*) FROM disputes",
    ];
    let mut out = [0; 4];
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for (i, q) in q.iter().enumerate() {
            out[i] = sqlx::query_scalar(q).fetch_one(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for (i, q) in q.iter().enumerate() {
            out[i] = sqlx::query_scalar(q).fetch_one(&pool).await.unwrap();
        }
        pool.close().await;
    }
    out
}

fn summary(name: &str, storm: &Storm, retries: usize, seed: u64) {
    eprintln!(
        "{name}: seed {seed}, {} donations, {} distinct events, {} deliveries, {} retried",
        storm.ids.len(),
        storm.events.len(),
        storm.deliveries.len(),
        retries
    );
}

async fn webhook_storm_gives_exact_totals(b: Backend) {
    let app = helpers::spawn_app(&b, &[("DATABASE_MAX_CONNECTIONS", "8")]).await;
    let seed = seed();
    let storm = prepare(app.store.as_ref(), "storm", donations_count(), seed).await;
    let retries = send_until_accepted(std::slice::from_ref(&app.url), &storm).await;
    summary("storm", &storm, retries, seed);
    check(app.store.as_ref(), &storm).await;
    check_rows(&app.db.url, &storm).await;
}

backend_tests!(webhook_storm_gives_exact_totals);

// ---- the real binary, as separate processes ----

/// A server process of this crate's binary on a free port.
struct Proc {
    child: Child,
    url: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

async fn start(db_url: &str) -> Proc {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_donations"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("DEMO_CAMPAIGN", "false")
        .env("DATABASE_MAX_CONNECTIONS", "8")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server binary");
    // From here on the process is owned by `Proc`, whose drop kills and waits for it.
    let proc = Proc {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..3000 {
        if let Ok(r) = client.get(format!("{}/ready", proc.url)).send().await
            && r.status().is_success()
        {
            return proc;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("server on port {port} did not become ready");
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The store the test prepares scenarios through (migrating the database first).
async fn open(url: &str) -> Arc<dyn Store> {
    donations::store::connect(url, 4).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_one_postgres_give_exact_totals() {
    let Some(b) = Backend::postgres() else {
        return;
    };
    let db = TestDb::new(&b).await;
    let store = open(&db.url).await;
    let seed = seed();
    let storm = prepare(store.as_ref(), "storm2", donations_count(), seed).await;
    let a = start(&db.url).await;
    let c = start(&db.url).await;
    let retries = send_until_accepted(&[a.url.clone(), c.url.clone()], &storm).await;
    summary("two servers", &storm, retries, seed);
    check(store.as_ref(), &storm).await;
    check_rows(&db.url, &storm).await;
    drop((a, c));
    store.close().await;
}

async fn a_server_killed_mid_storm_loses_nothing(b: Backend) {
    let db = TestDb::new(&b).await;
    let store = open(&db.url).await;
    let seed = seed();
    let storm = prepare(store.as_ref(), "crash", donations_count(), seed).await;
    let mut first = start(&db.url).await;
    let done = Arc::new(AtomicUsize::new(0));
    let kill_at = storm.deliveries.len() / 3;
    let watcher = {
        let done = done.clone();
        let pid = first.child.id();
        tokio::spawn(async move {
            while done.load(Ordering::SeqCst) < kill_at {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            // SIGKILL: no shutdown, requests in flight cut off.
            let status = Command::new("kill").args(["-9", &pid.to_string()]).status();
            assert!(status.is_ok_and(|s| s.success()), "kill -9 {pid}");
        })
    };
    let failed = send(
        std::slice::from_ref(&first.url),
        &storm.events,
        &storm.deliveries,
        done.clone(),
    )
    .await;
    watcher.await.unwrap();
    let _ = first.child.wait();
    assert!(
        !failed.is_empty(),
        "the kill came after every delivery: nothing was tested"
    );
    let accepted = storm.deliveries.len() - failed.len();
    // Restart on the same database and redeliver what did not get a 2xx, as Stripe would.
    let second = start(&db.url).await;
    let redo = Storm {
        campaign: storm.campaign.clone(),
        pages: storm.pages.clone(),
        gifts: storm.gifts.clone(),
        ids: storm.ids.clone(),
        events: storm.events.clone(),
        deliveries: failed.clone(),
    };
    let retries = send_until_accepted(std::slice::from_ref(&second.url), &redo).await;
    eprintln!(
        "crash: {accepted} deliveries accepted before kill -9, {} redelivered after restart",
        failed.len()
    );
    summary("crash", &storm, retries, seed);
    check(store.as_ref(), &storm).await;
    check_rows(&db.url, &storm).await;
    drop(second);
    store.close().await;
}

backend_tests!(a_server_killed_mid_storm_loses_nothing);
