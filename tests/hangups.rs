//! Clients that hang up: a request whose client goes away must never leave a connection in a
//! transaction it did not finish, nor a record half made (issue 19).
//!
//! - `a_dropped_transaction_future_leaves_the_store_usable`: store level. Each transaction
//!   future (a ledger transaction's begin, a whole webhook ingest, a checkout's insert, a mail
//!   claim) is polled a growing number of times and then dropped, at every await point it
//!   reaches, with pauses that let the database side run on meanwhile. After each drop the
//!   store must take a write, and at the end no connection may be idle in a transaction.
//! - `hung_up_requests_never_stop_the_server_taking_gifts`: over HTTP. Many clients send
//!   checkouts, webhook deliveries and the dashboard's offline-gift form and hang up at random
//!   points (before the body, mid-body, right after sending, while waiting for the answer),
//!   interleaved with ordinary requests. Afterwards every kind of write still succeeds, no
//!   record is half made, the totals are exact, and the log has no transaction-state warning.
//! - `ready_fails_while_a_write_cannot_be_made`: `/ready` answers 503 while another connection
//!   holds the database's write lock (reads still work), and 200 again once it is let go.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::future::Future;
use std::io::Write as _;
use std::sync::{Arc, Mutex, Once};
use std::task::Poll;
use std::time::Duration;

use helpers::pages::{csrf_of, get_with_cookie, post_form, session_cookie, sign_in};
use helpers::{Backend, TestApp, TestDb, WEBHOOK_SECRET, gift_vars, pending_donation, spawn_app};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::AsyncWriteExt;

/// Everything logged at WARN and above in this test binary.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_writer(|| LogWriter)
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .try_init();
    });
}

/// Lines of the log that speak of a connection's transaction state: sqlx's "attempted to call
/// begin_with at non-zero transaction depth", PostgreSQL's "there is already a transaction in
/// progress" / "there is no transaction in progress" (from any test: none may ever appear), and
/// the pools' own "came back inside a transaction; closing it" for `database` (the name of a
/// test's database; the store-level test provokes those on purpose).
fn transaction_state_warnings(database: &str) -> Vec<String> {
    let log = String::from_utf8_lossy(&LOG.lock().unwrap()).to_string();
    log.lines()
        .filter(|l| {
            let lower = l.to_lowercase();
            lower.contains("transaction in progress")
                || lower.contains("transaction depth")
                || (lower.contains("inside a transaction") && l.contains(database))
        })
        .map(str::to_string)
        .collect()
}

/// The database a test's URL names, as the pools log it: SQLite's file, PostgreSQL's name.
fn database_of(url: &str) -> String {
    match url.strip_prefix("sqlite://") {
        Some(file) => file.to_string(),
        None => {
            let last = url.rsplit('/').next().unwrap_or(url);
            last.split('?').next().unwrap_or(last).to_string()
        }
    }
}

/// Polls `fut` up to `polls` times, pausing `pause` between polls so that the database (the
/// SQLite worker thread, the PostgreSQL server) gets on with what was sent, then drops it
/// unfinished, as hyper drops a handler whose client hung up. `Some` if it finished first.
async fn poll_then_drop<F: Future>(fut: F, polls: usize, pause: Duration) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    for _ in 0..polls {
        if let Poll::Ready(v) = futures::poll!(fut.as_mut()) {
            return Some(v);
        }
        if pause.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(pause).await;
        }
    }
    None
}

/// Connections of this test's PostgreSQL database that sit inside a transaction.
async fn idle_in_transaction(db: &TestDb) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("pg_stat_activity")
}

async fn a_dropped_transaction_future_leaves_the_store_usable(backend: Backend) {
    capture_logs();
    let db = TestDb::new(&backend).await;
    // Two connections on PostgreSQL (its least), so that a connection left dirty is soon
    // handed out again; SQLite has its single writer anyway.
    let store = donations::store::connect(&db.url, 2).await.expect("store");
    let campaign = helpers::campaign_in(store.as_ref(), "drops", 1_000_000).await;
    let pauses = [
        Duration::ZERO,
        Duration::from_micros(50),
        Duration::from_micros(300),
        Duration::from_millis(2),
    ];
    let mut writes = 0;
    for round in 0..96 {
        let polls = round / pauses.len();
        let pause = pauses[round % pauses.len()];
        // A ledger transaction's begin, dropped.
        if let Some(tx) = poll_then_drop(store.begin_ledger(&[]), polls, pause).await {
            drop(tx.expect("begin_ledger"));
        }
        // A whole webhook ingest, dropped at each of its await points.
        let d = pending_donation(
            store.as_ref(),
            &campaign,
            "one_time",
            1000,
            1000,
            &format!("drop{round}@example.org"),
        )
        .await;
        let vars = gift_vars(&d, "drops", &format!("drop{round}"));
        let payload = helpers::event("checkout.session.completed", &vars);
        let verified = donations::webhooks::Verified::Event(Box::new(
            stripe_webhook::Webhook::insecure(&payload).expect("event"),
        ));
        let _ = poll_then_drop(
            donations::webhooks::ingest(store.as_ref(), &payload, verified, &Default::default()),
            polls,
            pause,
        )
        .await;
        // A checkout's pending donation, dropped.
        let mut other = d.clone();
        other.id = donations::services::checkout::new_donation_id();
        other.checkout_session_id = None;
        let _ = poll_then_drop(store.insert_donation(&other, None), polls, pause).await;
        // The mail worker's claim, dropped.
        let _ = poll_then_drop(store.claim_messages(0, 1, 10), polls, pause).await;

        // Whatever was dropped where, the next writes go through.
        let (_, hash) = donations::services::staff_tokens::new_token();
        store
            .create_staff_token(&format!("after-drop-{round}"), &hash)
            .await
            .unwrap_or_else(|e| panic!("round {round} ({polls} polls, {pause:?}): write: {e}"));
        // Committed, not left inside a transaction nobody will finish: another connection sees it.
        assert!(
            store
                .staff_token_by_hash(&hash)
                .await
                .expect("read")
                .is_some(),
            "round {round} ({polls} polls, {pause:?}): a write made after a drop is not committed"
        );
        let tx = store
            .begin_ledger(&[])
            .await
            .unwrap_or_else(|e| panic!("round {round}: begin_ledger: {e}"));
        tx.commit().await.expect("commit");
        // And the event, delivered again as Stripe would, applies once: the dropped ingest
        // either committed whole or left nothing.
        let again = helpers::ingest(store.as_ref(), &payload).await;
        assert!(
            matches!(
                again,
                donations::webhooks::Outcome::Applied | donations::webhooks::Outcome::Duplicate
            ),
            "round {round}: {again:?}"
        );
        writes += 1;
        let _ = polls;
    }
    let (_, progress) = store
        .campaign_progress("drops")
        .await
        .expect("progress")
        .expect("campaign");
    assert_eq!(progress.gifts, writes, "every gift counted once");
    assert_eq!(progress.raised_minor, 1000 * writes);
    if let Backend::Postgres(_) = backend {
        // Releases run in the background: give them a moment, then no session may sit inside a
        // transaction (it would hold its locks, and the next borrower would write inside it).
        let mut left = idle_in_transaction(&db).await;
        for _ in 0..50 {
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            left = idle_in_transaction(&db).await;
        }
        assert_eq!(left, 0, "connections left idle in a transaction");
    }
    store.close().await;
    // Dropped midway through a statement, a SQLite transaction cannot be rolled back by sqlx,
    // and its pool closes that connection (logged): that is what kept the store usable above.
    // No driver-level warning may appear: begin and commit cannot be cut.
    let database = database_of(&db.url);
    let recovered = transaction_state_warnings(&database);
    let driver_warnings: Vec<_> = recovered
        .iter()
        .filter(|l| !l.contains("closing it"))
        .collect();
    assert!(driver_warnings.is_empty(), "{driver_warnings:#?}");
    eprintln!(
        "{}: {} connections found inside a transaction on release, closed and replaced",
        backend_name(&backend),
        recovered.len()
    );
    if let Backend::Postgres(_) = backend {
        // PostgreSQL rolls a dropped transaction back whatever the statement it was at.
        assert_eq!(recovered, Vec::<String>::new());
    }
}

fn backend_name(b: &Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    }
}

/// Where a client hangs up.
#[derive(Debug, Clone, Copy)]
enum HangUp {
    /// Headers sent, body announced but never sent.
    BeforeBody,
    /// Half the body sent.
    MidBody,
    /// The whole request sent, then closed at once.
    AfterSending,
    /// The whole request sent, then closed after a pause, before the answer is read.
    WhileWaiting(Duration),
}

impl HangUp {
    /// A random point; a pause while waiting falls anywhere in the `typical` time the server
    /// takes to answer such a request (and a little after), so that hang-ups land inside the
    /// handler's transactions as often as its time there allows.
    fn random(rng: &mut StdRng, typical: Duration) -> HangUp {
        let within = (typical.as_micros() as u64 * 3 / 2).max(1);
        match rng.random_range(0..6) {
            0 => HangUp::BeforeBody,
            1 => HangUp::MidBody,
            2 => HangUp::AfterSending,
            _ => HangUp::WhileWaiting(Duration::from_micros(rng.random_range(0..within))),
        }
    }
}

/// One request, as its bytes go on the wire.
#[derive(Debug, Clone)]
struct Raw {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    /// Sends the request over a fresh connection and hangs up at `at`.
    async fn hang_up(&self, app: &TestApp, at: HangUp) {
        let addr = app.url.trim_start_matches("http://").to_string();
        let Ok(mut conn) = tokio::net::TcpStream::connect(&addr).await else {
            return;
        };
        let mut head = format!(
            "POST {} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
            self.path,
            self.body.len()
        );
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = conn.write_all(head.as_bytes()).await;
        match at {
            HangUp::BeforeBody => {}
            HangUp::MidBody => {
                let _ = conn.write_all(&self.body[..self.body.len() / 2]).await;
            }
            HangUp::AfterSending => {
                let _ = conn.write_all(&self.body).await;
            }
            HangUp::WhileWaiting(pause) => {
                let _ = conn.write_all(&self.body).await;
                tokio::time::sleep(pause).await;
            }
        }
        // Dropping the stream closes the connection, as a client that went away does.
        drop(conn);
    }

    /// Sends the request whole and reads the answer: an ordinary client.
    async fn send(&self, app: &TestApp) -> u16 {
        let mut req = helpers::pages::no_redirects()
            .post(app.at(&self.path))
            .body(self.body.clone());
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    }
}

fn checkout_request(n: usize) -> Raw {
    let body = serde_json::json!({
        "amount": format!("{}.00", 5 + n % 20),
        "frequency": if n.is_multiple_of(3) { "monthly" } else { "one_time" },
        "cover_fee": n.is_multiple_of(2),
        "donor": {"name": format!("Donor {n}"), "email": format!("donor{n}@example.org")},
    });
    Raw {
        path: "/api/v1/campaigns/hang/checkout".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("idempotency-key".into(), format!("hang-checkout-{n}")),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn webhook_request(payload: &str) -> Raw {
    let sig = stripe_webhook::Webhook::generate_test_header(payload, WEBHOOK_SECRET, None);
    Raw {
        path: "/webhooks/stripe".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("stripe-signature".into(), sig),
        ],
        body: payload.as_bytes().to_vec(),
    }
}

fn offline_gift_request(cookie: &str, csrf: &str, n: usize) -> Raw {
    let body = serde_urlencoded::to_string([
        ("csrf", csrf.to_string()),
        ("amount", format!("{}.00", 1 + n % 9)),
        ("date", "2026-03-01".to_string()),
        ("method", "check".to_string()),
        ("donor_name", format!("Check donor {n}")),
    ])
    .unwrap();
    Raw {
        path: "/dashboard/campaigns/hang/offline-gifts".into(),
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("cookie".into(), cookie.to_string()),
        ],
        body: body.into_bytes(),
    }
}

/// Every donation of a campaign, from the store.
async fn donations_of(app: &TestApp, campaign_id: i64) -> Vec<donations::store::Donation> {
    app.store
        .list_donations(
            &donations::store::DonationFilter {
                campaign_id: Some(campaign_id),
                ..Default::default()
            },
            None,
            100_000,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.donation)
        .collect()
}

async fn hung_up_requests_never_stop_the_server_taking_gifts(backend: Backend) {
    capture_logs();
    let requests: usize = std::env::var("HANGUP_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("HANGUP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("hang-up storm: {requests} requests, HANGUP_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    // Two connections on PostgreSQL, so that one left dirty would soon serve someone else.
    let app = spawn_app(&backend, &[("DATABASE_MAX_CONNECTIONS", "2")]).await;
    let campaign = helpers::campaign(&app, "hang", 10_000_000).await;
    let token = app.staff_token("hangups").await;
    let (status, headers, _) = sign_in(&app, &token).await;
    assert_eq!(status, 303);
    let cookie = session_cookie(&headers);
    let (_, page) = get_with_cookie(&app, "/dashboard/campaigns/hang", &cookie).await;
    let csrf = csrf_of(&page);

    // Gifts whose events Stripe will deliver: a pending donation each, as checkout leaves it.
    let gifts = requests / 3;
    let mut payloads = Vec::new();
    for i in 0..gifts {
        let d = pending_donation(
            app.store.as_ref(),
            &campaign,
            "one_time",
            1000 + i as i64,
            1000 + i as i64,
            &format!("paid{i}@example.org"),
        )
        .await;
        let vars = gift_vars(&d, "hang", &format!("hang{i}"));
        payloads.push(helpers::event("checkout.session.completed", &vars));
    }
    let expected_webhook_raised: i64 = (0..gifts).map(|i| 1000 + i as i64).sum();

    // How long each kind of request takes whole, on this machine, now (the median of a few).
    let request = |kind: usize, n: usize, rng: &mut StdRng| match kind {
        0 => checkout_request(n),
        1 => webhook_request(&payloads[rng.random_range(0..gifts)]),
        _ => offline_gift_request(&cookie, &csrf, n),
    };
    let mut typical = [Duration::ZERO; 3];
    for (kind, typical) in typical.iter_mut().enumerate() {
        let mut took = Vec::new();
        for i in 0..9 {
            let raw = request(kind, requests + 9 * kind + i, &mut rng);
            let start = std::time::Instant::now();
            let status = raw.send(&app).await;
            took.push(start.elapsed());
            assert!((200..400).contains(&status), "{}: {status}", raw.path);
        }
        took.sort();
        *typical = took[took.len() / 2];
    }
    eprintln!("typical answer times (checkout, webhook, offline gift): {typical:?}");

    // The storm: each request is hung up at a random point, or (one in eight) sent whole.
    let mut plan = Vec::new();
    for n in 0..requests {
        let kind = n % 3;
        let raw = request(kind, n, &mut rng);
        let hang = (rng.random_range(0..8) != 0).then(|| HangUp::random(&mut rng, typical[kind]));
        plan.push((raw, hang));
    }
    let app = Arc::new(app);
    let plan = Arc::new(Mutex::new(plan));
    let mut workers = Vec::new();
    for _ in 0..16 {
        let app = app.clone();
        let plan = plan.clone();
        workers.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            loop {
                let next = plan.lock().unwrap().pop();
                let Some((raw, hang)) = next else { break };
                match hang {
                    Some(at) => raw.hang_up(&app, at).await,
                    None => answers.push((raw.path.clone(), raw.send(&app).await)),
                }
            }
            answers
        }));
    }
    for w in workers {
        for (path, status) in w.await.unwrap() {
            // A request sent whole gets a real answer, never a 5xx, in the middle of the storm.
            assert!(
                (200..500).contains(&status),
                "{path}: {status} during the storm"
            );
        }
    }

    // Every kind of write still goes through.
    let (status, body) = {
        let r = app
            .client
            .post(app.at("/api/v1/campaigns/hang/checkout"))
            .header("idempotency-key", "after-the-storm")
            .json(
                &serde_json::json!({"amount": "25.00", "frequency": "one_time",
                "donor": {"name": "After", "email": "after@example.org"}}),
            )
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert!(
        status == 200 || status == 201,
        "checkout after the storm: {status} {body}"
    );
    // Stripe delivers again every event that did not get a 2xx: here, all of them.
    for p in &payloads {
        let (status, body) = app.deliver(p).await;
        assert_eq!(status, 200, "delivery after the storm: {body}");
    }
    let (status, _, body) = post_form(
        &app,
        "/dashboard/campaigns/hang/offline-gifts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("amount", "7.00"),
            ("date", "2026-03-02"),
            ("method", "cash"),
        ],
    )
    .await;
    assert_eq!(status, 303, "offline gift after the storm: {body}");
    let (_, hash) = donations::services::staff_tokens::new_token();
    app.store
        .create_staff_token("after-the-storm", &hash)
        .await
        .expect("staff write after the storm");
    app.store
        .claim_messages(donations::store::now(), donations::store::now() + 60, 100)
        .await
        .expect("mail claim after the storm");
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200, "/ready after the storm: {body}");

    // No record is half made: every checkout's donation got its Checkout Session (handlers of
    // hung-up requests run to their end, so wait for the last of them).
    let mut half_made = Vec::new();
    for _ in 0..200 {
        let donations = donations_of(&app, campaign.id).await;
        half_made = donations
            .iter()
            .filter(|d| !d.is_offline() && d.status == "pending")
            .filter(|d| d.checkout_session_id.is_none())
            .map(|d| d.id.clone())
            .collect::<Vec<_>>();
        if half_made.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(half_made, Vec::<String>::new(), "pending without a session");
    let checkouts = donations_of(&app, campaign.id)
        .await
        .iter()
        .filter(|d| !d.is_offline())
        .count();
    assert!(
        checkouts > gifts + 9,
        "the storm's checkouts were made ({checkouts} donations for {gifts} paid gifts)"
    );

    // The totals are exact: every delivered gift once, and every offline gift recorded (whether
    // its client waited for the answer or not) counted with its record.
    let donations = donations_of(&app, campaign.id).await;
    let offline: Vec<_> = donations.iter().filter(|d| d.is_offline()).collect();
    let offline_raised: i64 = offline.iter().map(|d| d.gift_minor).sum();
    let progress = app.progress("hang").await;
    assert_eq!(
        progress["raised_minor"].as_i64().unwrap(),
        expected_webhook_raised + offline_raised,
        "{progress}"
    );
    assert_eq!(
        progress["gifts"].as_i64().unwrap(),
        (gifts + offline.len()) as i64,
        "{progress}"
    );
    let events = app
        .store
        .webhook_events_by_outcome("applied")
        .await
        .unwrap();
    assert_eq!(events.len(), gifts, "each event recorded once");

    let app = Arc::into_inner(app).expect("workers are done");
    let database = database_of(&app.db.url);
    app.stop().await.expect("server stops");
    let warnings = transaction_state_warnings(&database);
    assert!(
        warnings.is_empty(),
        "transaction-state warnings: {warnings:#?}"
    );
    let _ = std::io::stderr().flush();
}

async fn ready_fails_while_a_write_cannot_be_made(backend: Backend) {
    use sqlx::Connection;
    let app = spawn_app(&backend, &[("READY_TIMEOUT", "1s")]).await;
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200, "{body}");
    // Someone else holds the write lock: SQLite's (a write transaction on the same file),
    // PostgreSQL's on the heartbeat row's table.
    let mut blocker: Box<dyn std::any::Any + Send> = match &backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut c)
                .await
                .unwrap();
            Box::new(c)
        }
        Backend::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::raw_sql("BEGIN; LOCK TABLE heartbeat IN ACCESS EXCLUSIVE MODE")
                .execute(&mut c)
                .await
                .unwrap();
            Box::new(c)
        }
    };
    // A success is trusted for a second; after it, the check writes again and cannot.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 503, "/ready while no write can be made: {body}");
    assert_eq!(
        body["errors"][0]["detail"], "temporarily unavailable; please retry",
        "no internals in the answer: {body}"
    );
    let (status, _) = app.get_json("/api/v1/campaigns/demo").await;
    assert_eq!(status, 200, "reads still work");
    // Let go: ready again (the blocked heartbeat gives up or goes through, and the next check
    // writes).
    match &backend {
        Backend::Sqlite => {
            let c = blocker.downcast_mut::<sqlx::SqliteConnection>().unwrap();
            sqlx::raw_sql("ROLLBACK").execute(c).await.unwrap();
        }
        Backend::Postgres(_) => {
            let c = blocker.downcast_mut::<sqlx::PgConnection>().unwrap();
            sqlx::raw_sql("ROLLBACK").execute(c).await.unwrap();
        }
    }
    drop(blocker);
    let mut status = 0;
    for _ in 0..100 {
        status = app.get_json("/ready").await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "/ready once writes go through again");
}

backend_tests!(
    a_dropped_transaction_future_leaves_the_store_usable,
    hung_up_requests_never_stop_the_server_taking_gifts,
    ready_fails_while_a_write_cannot_be_made
);
