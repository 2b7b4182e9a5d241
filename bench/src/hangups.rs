//! `bench --hangups [--minutes M]`: the hang-up storm of issue 19 against the built server
//! binary, on SQLite and PostgreSQL. For M minutes (default 3), bursts of one second at
//! concurrency 32 mix checkouts, webhook deliveries and staff offline gifts, and most requests
//! are dropped in flight at a random moment (a client timeout of 0–6 ms), the rest at the
//! burst's end as wrk drops them. After every burst a checkout, a new webhook event, an offline
//! gift and `/ready` must each succeed; at the end the server's own log (RUST_LOG=warn) must hold
//! no transaction-state warning. Prints one line per backend and fails on any miss.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use super::{Db, HttpClient, Kind, Server, client, invoice_events, post_checkouts};

const CONCURRENCY: usize = 32;

pub async fn run(minutes: f64, pg_url: Option<&str>) {
    let mut failed = false;
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let Some(db) = Db::new(kind, pg_url).await else {
            println!("{}: not reachable, skipped", kind.name());
            continue;
        };
        db.seed("bench", 1_000).await;
        let token = staff_token(&db.url).await;
        let log = std::env::temp_dir().join(format!(
            "donations-hangups-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let server = Server::start_logging(&db, &log).await;
        let c = client();
        let deadline = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
        let (mut bursts, mut misses) = (0usize, Vec::new());
        let (sent, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        while Instant::now() < deadline {
            let events = Arc::new(invoice_events(
                4_000,
                1_000,
                &uuid::Uuid::new_v4().simple().to_string()[..8],
            ));
            burst(&c, &server.url, &token, events, &sent, &dropped).await;
            bursts += 1;
            if let Some(miss) = writes_go_through(&c, &server.url, &token, bursts).await {
                misses.push(format!("after burst {bursts}: {miss}"));
            }
        }
        let rss = server.stop();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let warnings: Vec<&str> = text
            .lines()
            .filter(|l| {
                let l = l.to_lowercase();
                l.contains("transaction in progress")
                    || l.contains("transaction depth")
                    || l.contains("inside a transaction")
            })
            .collect();
        println!(
            "{}: {bursts} bursts in {minutes} min, {} requests sent, {} dropped in flight; \
             writes failed after {} bursts; {} transaction-state warnings in the log; \
             peak RSS {:.1} MiB",
            kind.name(),
            sent.load(Ordering::Relaxed),
            dropped.load(Ordering::Relaxed),
            misses.len(),
            warnings.len(),
            rss as f64 / 1024.0
        );
        for m in misses.iter().take(5) {
            println!("  {m}");
        }
        for w in warnings.iter().take(5) {
            println!("  {w}");
        }
        failed |= !misses.is_empty() || !warnings.is_empty();
        let _ = std::fs::remove_file(&log);
        db.drop_now().await;
    }
    assert!(!failed, "the server stopped taking gifts after hang-ups");
}

async fn staff_token(url: &str) -> String {
    let store = donations::store::connect(url, 2).await.expect("store");
    let (token, hash) = donations::services::staff_tokens::new_token();
    store
        .create_staff_token("bench-hangups", &hash)
        .await
        .expect("token");
    store.close().await;
    token
}

fn offline_gift(url: &str, token: &str, i: usize) -> super::Request {
    hyper::Request::post(format!("{url}/api/v1/staff/campaigns/bench/offline-gifts"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(format!(
            r#"{{"amount":"{}.00","date":"2026-03-01","method":"check"}}"#,
            1 + i % 50
        ))))
        .expect("request")
}

fn event(payload: &str, sig: &str, url: &str) -> super::Request {
    hyper::Request::post(format!("{url}/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", sig)
        .body(Full::new(Bytes::from(payload.to_string())))
        .expect("request")
}

/// One second of load; each request is dropped after a random 0–6 ms, or at the burst's end.
async fn burst(
    c: &HttpClient,
    url: &str,
    token: &str,
    events: Arc<Vec<(String, String)>>,
    sent: &Arc<AtomicUsize>,
    dropped: &Arc<AtomicUsize>,
) {
    let end = Instant::now() + Duration::from_secs(1);
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (c, url, token, events) = (
            c.clone(),
            url.to_string(),
            token.to_string(),
            events.clone(),
        );
        let (sent, dropped) = (sent.clone(), dropped.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while Instant::now() < end {
                i += CONCURRENCY;
                let req = match i % 3 {
                    0 => post_checkouts(url.clone())(i),
                    1 => {
                        let (p, s) = &events[i % events.len()];
                        event(p, s, &url)
                    }
                    _ => offline_gift(&url, &token, i),
                };
                sent.fetch_add(1, Ordering::Relaxed);
                // A pseudo-random patience from the request number: most hang up mid-request.
                let patience =
                    Duration::from_micros(((i as u64).wrapping_mul(2_654_435_761)) % 6_000);
                let exchange = async {
                    if let Ok(r) = c.request(req).await {
                        let _ = r.into_body().collect().await;
                    }
                };
                tokio::select! {
                    _ = exchange => {}
                    _ = tokio::time::sleep(patience) => { dropped.fetch_add(1, Ordering::Relaxed); }
                    _ = tokio::time::sleep_until(end.into()) => {
                        dropped.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Each kind of write, whole: `None` if all went through, else what failed.
async fn writes_go_through(c: &HttpClient, url: &str, token: &str, n: usize) -> Option<String> {
    let fresh = invoice_events(
        1,
        1_000,
        &format!(
            "after{n}{}",
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        ),
    );
    let ready = hyper::Request::get(format!("{url}/ready"))
        .body(Full::new(Bytes::new()))
        .expect("request");
    let requests = [
        ("checkout", post_checkouts(url.to_string())(10_000_000 + n)),
        ("webhook", event(&fresh[0].0, &fresh[0].1, url)),
        ("offline gift", offline_gift(url, token, n)),
        ("/ready", ready),
    ];
    for (what, req) in requests {
        match c.request(req).await {
            Ok(r) if r.status().is_success() => {
                let _ = r.into_body().collect().await;
            }
            Ok(r) => return Some(format!("{what}: {}", r.status())),
            Err(e) => return Some(format!("{what}: {e}")),
        }
    }
    None
}
