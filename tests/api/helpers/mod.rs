//! Test harness: `spawn_app` starts the real server on port 0 with a fresh database per test,
//! on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set (a new database per test,
//! dropped afterwards). `backend_tests!` runs a test function once per backend.
//!
//! Shared by the `tests/api` binary (`mod helpers`) and by the suites that keep a process of
//! their own (`#[path = "api/helpers/mod.rs"] mod helpers`), so each test binary compiles it once.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use donations::app::Server;
use donations::config::Config;
use donations::store::Store;

pub mod fake_stripe;
pub mod pages;
pub mod scenario;

pub const WEBHOOK_SECRET: &str = "whsec_test_secret_for_tests";

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `TEST_DATABASE_URL` is set; `None` otherwise (and the test says so).
    pub fn postgres() -> Option<Backend> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Some(Backend::Postgres(url)),
            _ => {
                // CI must run both halves: a PostgreSQL test that skips there would prove nothing.
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but TEST_DATABASE_URL is not"
                );
                eprintln!("TEST_DATABASE_URL is not set: PostgreSQL half skipped on this machine");
                None
            }
        }
    }
}

/// Runs each named `async fn name(backend: Backend)` as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = $crate::helpers::Backend::postgres() {
                        super::$name(b).await
                    }
                }
            }
        )*
    };
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres(admin_url) => {
                let name = format!("donations_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = connect_pg(admin_url).await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                TestDb {
                    url: with_database(admin_url, &name),
                    _dir: None,
                    pg: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

async fn connect_pg(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
    })
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..host_end])
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs outside async: use a small runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut admin = connect_pg(&admin).await;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub db: TestDb,
}

impl TestApp {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .get(self.at(path))
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn progress(&self, slug: &str) -> serde_json::Value {
        let (status, body) = self.get_json(&format!("/api/v1/campaigns/{slug}")).await;
        assert_eq!(status, 200, "progress of {slug}: {body}");
        body
    }

    /// A fresh staff token, created through the store as the CLI does.
    pub async fn staff_token(&self, name: &str) -> String {
        let (token, hash) = donations::services::staff_tokens::new_token();
        self.store
            .create_staff_token(name, &hash)
            .await
            .expect("token");
        token
    }

    /// A gift through the JSON checkout API (no idempotency key): the status and the answer.
    pub async fn checkout_json(
        &self,
        slug: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(self.at(&format!("/api/v1/campaigns/{slug}/checkout")))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A staff API read with a fresh staff token: the status and the JSON answer.
    pub async fn staff_get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let token = self
            .staff_token(&format!("t-{}", uuid::Uuid::new_v4()))
            .await;
        let r = self
            .client
            .get(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Posts an event signed with the test secret, like Stripe would.
    pub async fn deliver(&self, payload: &str) -> (u16, String) {
        let sig = stripe_webhook::Webhook::generate_test_header(payload, WEBHOOK_SECRET, None);
        let r = self
            .client
            .post(self.at("/webhooks/stripe"))
            .header("stripe-signature", sig)
            .header("content-type", "application/json")
            .body(payload.to_string())
            .send()
            .await
            .expect("deliver");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Stops the server (finishing requests in flight) and returns its result.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(t) => t.await.expect("server task"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn config(db_url: &str, vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".to_string(), db_url.to_string()),
        ("BIND_ADDR".to_string(), "127.0.0.1:0".to_string()),
        (
            "STRIPE_WEBHOOK_SECRET".to_string(),
            WEBHOOK_SECRET.to_string(),
        ),
        ("DATABASE_MAX_CONNECTIONS".to_string(), "4".to_string()),
        // Tests send many checkouts from one address; tests/api/abuse.rs sets the limits it proves.
        ("CHECKOUT_RATE_PER_IP".to_string(), "off".to_string()),
        ("CHECKOUT_RATE_PER_EMAIL".to_string(), "off".to_string()),
        // Tests of email drive the worker themselves (tests/api/mail.rs) or turn it on.
        ("MAIL_WORKER_INTERVAL".to_string(), "off".to_string()),
    ]);
    for (k, v) in vars {
        map.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| map.get(k).cloned()).expect("test config")
}

/// Starts the server on port 0 with a fresh database; `vars` override the test environment.
pub async fn spawn_app(backend: &Backend, vars: &[(&str, &str)]) -> TestApp {
    let db = TestDb::new(backend).await;
    spawn_on(db, vars).await
}

/// A second server on `app`'s database (the database stays `app`'s: it goes with `app`).
pub async fn spawn_beside(app: &TestApp, vars: &[(&str, &str)]) -> TestApp {
    let db = TestDb {
        url: app.db.url.clone(),
        _dir: None,
        pg: None,
    };
    spawn_on(db, vars).await
}

pub async fn spawn_on(db: TestDb, vars: &[(&str, &str)]) -> TestApp {
    let config = config(&db.url, vars);
    let server = Server::bind(config).await.expect("server starts");
    let url = format!("http://{}", server.addr);
    let store = server.state.store.clone();
    let config = server.state.config.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    // The demo campaign is made as the server starts: wait until it answers.
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{url}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    TestApp {
        url,
        client,
        store,
        config,
        shutdown: Some(tx),
        task: Some(task),
        db,
    }
}

/// Creates a campaign through the store with the standard 2.9% + 30¢ fee.
pub async fn campaign(app: &TestApp, slug: &str, goal_minor: i64) -> donations::store::Campaign {
    campaign_in(app.store.as_ref(), slug, goal_minor).await
}

/// Creates a campaign in a store of the test's own (no server).
pub async fn campaign_in(
    store: &dyn Store,
    slug: &str,
    goal_minor: i64,
) -> donations::store::Campaign {
    campaign_in_currency(store, slug, goal_minor, "usd").await
}

/// [`campaign_in`] in another currency (the same fee rate).
pub async fn campaign_in_currency(
    store: &dyn Store,
    slug: &str,
    goal_minor: i64,
    currency: &str,
) -> donations::store::Campaign {
    store
        .create_campaign(&campaign_fields(slug, goal_minor, currency))
        .await
        .expect("campaign")
}

/// An active campaign's fields with the standard 2.9% + 30¢ fee.
pub fn campaign_fields(
    slug: &str,
    goal_minor: i64,
    currency: &str,
) -> donations::store::CampaignFields {
    donations::store::CampaignFields {
        slug: slug.into(),
        name: format!("Campaign {slug}"),
        description: String::new(),
        currency: currency.into(),
        goal_minor,
        starts_at: None,
        ends_at: None,
        fee_percent: "2.9".into(),
        fee_fixed_minor: 30,
        status: "active".into(),
        success_url: None,
        cancel_url: None,
    }
}

// ---- Stripe events from the committed templates (webhooks/events) ----

pub use donations::payments::sandbox::template::Vars;

/// An event of `kind` filled with `vars` (the template's own placeholders).
pub fn event(kind: &str, vars: &Vars) -> String {
    let template = donations::payments::sandbox::events::template(kind)
        .unwrap_or_else(|| panic!("no template {kind}"));
    donations::payments::sandbox::template::fill(template, vars)
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
}

/// Variables describing one donation's Stripe objects, as a test scenario names them.
pub fn gift_vars(d: &donations::store::Donation, campaign: &str, tag: &str) -> Vars {
    let recurring = d.frequency.is_recurring();
    let mut v = Vars::new();
    for (k, val) in [
        ("LIVEMODE", "false".to_string()),
        ("CREATED", "1700000000".to_string()),
        ("DONATION_ID", d.id.clone()),
        ("CAMPAIGN", campaign.to_string()),
        (
            "SESSION_ID",
            d.checkout_session_id.clone().unwrap_or_default(),
        ),
        (
            "MODE",
            if recurring { "subscription" } else { "payment" }.to_string(),
        ),
        ("PAYMENT_STATUS", "paid".to_string()),
        (
            "PAYMENT_INTENT_ID",
            if recurring {
                String::new()
            } else {
                format!("pi_{tag}")
            },
        ),
        ("CHARGE_ID", format!("ch_{tag}")),
        (
            "SUBSCRIPTION_ID",
            if recurring {
                format!("sub_{tag}")
            } else {
                String::new()
            },
        ),
        ("CUSTOMER_ID", format!("cus_{tag}")),
        ("INVOICE_ID", format!("in_{tag}_1")),
        ("CURRENCY", d.currency.clone()),
        ("TOTAL_MINOR", d.total_minor.to_string()),
        ("AMOUNT_MINOR", d.total_minor.to_string()),
        ("AMOUNT_REFUNDED_MINOR", "0".to_string()),
        ("FEE_MINOR", "0".to_string()),
        ("NET_MINOR", d.total_minor.to_string()),
        ("DONOR_EMAIL", d.donor_email.clone().unwrap_or_default()),
        ("ATTEMPT_COUNT", "1".to_string()),
        ("SUBSCRIPTION_STATUS", "active".to_string()),
        ("REFUND_ID", format!("re_{tag}_1")),
        ("REFUND_STATUS", "succeeded".to_string()),
        ("DISPUTE_ID", format!("dp_{tag}")),
        ("DISPUTE_STATUS", "needs_response".to_string()),
        ("FAILURE_MESSAGE", "Your card was declined.".to_string()),
        (
            "INTERVAL",
            if d.frequency == donations::domain::donation::Frequency::Annual {
                "year"
            } else {
                "month"
            }
            .to_string(),
        ),
    ] {
        v.insert(k.to_string(), val);
    }
    v
}

/// `base` with some variables replaced.
pub fn with(base: &Vars, changes: &[(&str, String)]) -> Vars {
    let mut v = base.clone();
    for (k, val) in changes {
        v.insert(k.to_string(), val.clone());
    }
    v
}

/// A pending donation recorded directly in the store, as checkout records it.
pub async fn pending_donation(
    store: &dyn Store,
    campaign: &donations::store::Campaign,
    frequency: &str,
    gift: i64,
    total: i64,
    email: &str,
) -> donations::store::Donation {
    pending_donation_with(store, campaign, frequency, gift, total, email, |_| {}).await
}

/// [`pending_donation`], changed by `edit` before it is recorded (a membership's dues, ...).
pub async fn pending_donation_with(
    store: &dyn Store,
    campaign: &donations::store::Campaign,
    frequency: &str,
    gift: i64,
    total: i64,
    email: &str,
    edit: impl FnOnce(&mut donations::store::Donation),
) -> donations::store::Donation {
    let id = donations::services::checkout::new_donation_id();
    let mut d = donations::domain::donation::Donation::pending(
        id.clone(),
        campaign,
        donations::store::now(),
    );
    d.frequency = donations::domain::donation::Frequency::parse(frequency).expect("a frequency");
    d.gift_minor = gift;
    d.fee_minor = total - gift;
    d.total_minor = total;
    d.donor_name = Some("Test Donor".into());
    d.donor_email = Some(email.into());
    d.donor_key = email.to_lowercase();
    d.checkout_session_id = Some(format!("cs_test_{}", id.trim_start_matches("don_")));
    edit(&mut d);
    store.insert_donation(&d, None).await.expect("donation");
    d
}

/// [`pending_donation`] made on the supporter's page `page` (its id), when given, and changed
/// by `edit` before it is recorded.
#[allow(clippy::too_many_arguments)]
pub async fn pending_donation_on(
    store: &dyn Store,
    campaign: &donations::store::Campaign,
    page: Option<&str>,
    frequency: &str,
    gift: i64,
    total: i64,
    email: &str,
    edit: impl FnOnce(&mut donations::store::Donation),
) -> donations::store::Donation {
    pending_donation_with(store, campaign, frequency, gift, total, email, |d| {
        d.fundraiser_id = page.map(str::to_string);
        edit(d)
    })
    .await
}

/// A supporter's page of `campaign` that anyone may see (confirmed and approved), recorded
/// directly in the store, with its welcome email.
pub async fn public_page(
    store: &dyn Store,
    campaign: &donations::store::Campaign,
    slug: &str,
) -> donations::store::Fundraiser {
    let at = donations::store::now();
    let f = donations::store::Fundraiser {
        id: donations::services::fundraisers::new_fundraiser_id(),
        campaign_id: campaign.id,
        slug: slug.into(),
        name: format!("Supporter {slug}"),
        title: String::new(),
        story: String::new(),
        goal_minor: 100_000,
        owner_email: format!("{slug}@example.org"),
        owner_key: format!("{slug}@example.org"),
        review: donations::store::Review::Approved,
        confirmed_at: Some(at),
        reviewed_at: Some(at),
        reviewed_by: Some("test".into()),
        created_at: at,
        updated_at: at,
        language: "en".into(),
    };
    let welcome = donations::store::NewMessage {
        key: format!("fundraiser_welcome:{}", f.id),
        kind: "fundraiser_welcome".into(),
        donation_id: None,
        payment_id: None,
        recipient: f.owner_email.clone(),
        payload: Some(f.id.clone()),
    };
    store
        .create_fundraiser(&f, &welcome, at)
        .await
        .expect("page");
    f
}

/// Applies a raw event exactly as the webhook endpoint does after verification.
pub async fn ingest(store: &dyn Store, payload: &str) -> donations::webhooks::Outcome {
    let verified = match stripe_webhook::Webhook::insecure(payload) {
        Ok(e) => donations::webhooks::Verified::Event(Box::new(e)),
        Err(e) => panic!("event does not parse: {e}"),
    };
    donations::webhooks::ingest(store, payload, verified, &Default::default())
        .await
        .expect("ingest")
}

/// Sends a request that may be refused before its body is read (413): the server then closes
/// the connection with the upload unread, and the client may see the close before the answer
/// (an HTTP/1.1 race, not a server failure). Such a send is retried; the answer must come.
pub async fn send_oversized(make: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Response {
    let mut last_error = None;
    for _ in 0..5 {
        match make().send().await {
            Ok(r) => return r,
            Err(e) => last_error = Some(e),
        }
    }
    panic!("no answer in 5 tries: {last_error:?}");
}
