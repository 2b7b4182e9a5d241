//! The benchmark: starts real server processes on loopback, loads them with a small hyper
//! client, and prints one table of figures with their baselines measured in the same run.
//! Run it with `bench/run` (full sizes) or `bench/run --quick` (CI). See BENCHMARKS.md.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sqlx::Connection;

use donations::payments::sandbox::template::{Vars, fill};

mod cpu;
mod hangups;

const SECRET: &str = "whsec_bench_secret";
const READ_CONCURRENCY: usize = 32;
const WRITE_CONCURRENCY: usize = 16;

type HttpClient = Client<HttpConnector, Full<Bytes>>;
type Request = hyper::Request<Full<Bytes>>;
type MakeRequest = Arc<dyn Fn(usize) -> Request + Send + Sync>;

struct Opts {
    quick: bool,
    runs: usize,
    secs: f64,
    sizes: Vec<i64>,
    pg_url: Option<String>,
}

impl Opts {
    fn parse() -> Opts {
        let quick = std::env::args().any(|a| a == "--quick");
        let pg = std::env::var("BENCH_DATABASE_URL")
            .or_else(|_| std::env::var("TEST_DATABASE_URL"))
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        Opts {
            quick,
            runs: if quick { 1 } else { 3 },
            secs: if quick { 0.7 } else { 5.0 },
            sizes: if quick {
                vec![100, 1_000, 10_000]
            } else {
                vec![1_000, 100_000, 1_000_000]
            },
            pg_url: Some(pg),
        }
    }
}

// ---------------------------------------------------------------- load generation

#[derive(Default, Clone)]
struct Stats {
    ok: usize,
    errors: usize,
    /// The first failure seen, to say why in a failed assertion.
    first_error: Option<String>,
    secs: f64,
    latencies_us: Vec<u64>,
    /// Where the machine's cores went meanwhile (Linux only).
    cpu: Option<cpu::Shares>,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    fn percentile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i] as f64 / 1000.0
    }
}

fn client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build(connector)
}

/// `concurrency` loops sending `make(i)` for `secs`, recording each latency. At the deadline
/// the requests still in flight are dropped with their connections, as wrk drops them when it
/// stops: [`write_after_drops`] then checks the server still takes a write.
async fn load(client: &HttpClient, concurrency: usize, secs: f64, make: MakeRequest) -> Stats {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu::snapshot();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let make = make.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            while Instant::now() < deadline {
                let req = make(next.fetch_add(1, Ordering::Relaxed));
                let t0 = Instant::now();
                let exchange = async {
                    match client.request(req).await {
                        Ok(r) => {
                            let status = r.status();
                            let body = r.into_body().collect().await.map(|b| b.to_bytes());
                            match body {
                                Ok(_) if status.is_success() || status.as_u16() == 304 => Ok(()),
                                Ok(b) => Err(format!("{status}: {}", String::from_utf8_lossy(&b))),
                                Err(e) => Err(e.to_string()),
                            }
                        }
                        Err(e) => Err(e.to_string()),
                    }
                };
                let outcome = tokio::select! {
                    outcome = exchange => outcome,
                    // Hung up on, unanswered: neither a success nor an error of the server's.
                    _ = tokio::time::sleep_until(deadline.into()) => {
                        DROPPED.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                };
                match outcome {
                    Ok(()) => {
                        s.ok += 1;
                        s.latencies_us.push(t0.elapsed().as_micros() as u64);
                    }
                    Err(e) => {
                        s.errors += 1;
                        s.first_error.get_or_insert(e);
                    }
                }
            }
            s
        }));
    }
    let mut total = Stats::default();
    for t in tasks {
        if let Ok(s) = t.await {
            total.ok += s.ok;
            total.errors += s.errors;
            if total.first_error.is_none() {
                total.first_error = s.first_error;
            }
            total.latencies_us.extend(s.latencies_us);
        }
    }
    total.secs = start.elapsed().as_secs_f64();
    total.cpu = cpu_before
        .zip(cpu::snapshot())
        .and_then(|(a, b)| cpu::between(&a, &b));
    total
}

/// A sub-row saying where the cores went during a figure's phases (their mean).
fn cores_row(what: &str, shares: &[cpu::Shares]) -> Option<Row> {
    let m = cpu::mean(shares)?;
    Some(row(
        format!("   where the cores went ({what})"),
        m.describe(),
        "–".into(),
        "–".into(),
        "–",
        None,
    ))
}

/// Requests dropped in flight at the end of a load phase, over the whole run.
static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// Load phases after which a write was tried, and those where it failed (with why).
static WRITES_AFTER_DROPS: AtomicUsize = AtomicUsize::new(0);
static WRITE_FAILURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// After a load phase that dropped its requests in flight: one checkout (the sandbox's, or the
/// fake Stripe's) and `/ready` must both succeed, as they must for a server that keeps taking
/// gifts. Failures are collected for the table's last row (and fail the run).
async fn write_after_drops(url: &str, what: &str) {
    WRITES_AFTER_DROPS.fetch_add(1, Ordering::Relaxed);
    let c = client();
    let n = WRITES_AFTER_DROPS.load(Ordering::Relaxed);
    let checkout = post_checkouts(url.to_string())(1_000_000 + n);
    let ready = hyper::Request::get(format!("{url}/ready"))
        .body(Full::new(Bytes::new()))
        .expect("request");
    for (name, req) in [("checkout", checkout), ("/ready", ready)] {
        let failure = match c.request(req).await {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => {
                let status = r.status();
                let body = r.into_body().collect().await.map(|b| b.to_bytes());
                Some(format!(
                    "{status} {}",
                    body.map(|b| String::from_utf8_lossy(&b).to_string())
                        .unwrap_or_default()
                ))
            }
            Err(e) => Some(e.to_string()),
        };
        if let Some(f) = failure {
            WRITE_FAILURES
                .lock()
                .unwrap()
                .push(format!("{what}: {name}: {f}"));
        }
    }
}

fn get(url: String) -> MakeRequest {
    Arc::new(move |_| {
        hyper::Request::get(url.as_str())
            .body(Full::new(Bytes::new()))
            .expect("request")
    })
}

// ---------------------------------------------------------------- databases and servers

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite",
            Kind::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for one measurement and removed after it.
struct Db {
    kind: Kind,
    url: String,
    cleanup: Option<(String, String)>,
    dir: Option<PathBuf>,
}

impl Db {
    async fn new(kind: Kind, pg_admin: Option<&str>) -> Option<Db> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("donations-bench-{tag}"));
                std::fs::create_dir_all(&dir).ok()?;
                let url = format!("sqlite://{}", dir.join("bench.db").display());
                Some(Db {
                    kind,
                    url,
                    cleanup: None,
                    dir: Some(dir),
                })
            }
            Kind::Postgres => {
                let admin = pg_admin?;
                let mut conn = sqlx::PgConnection::connect(admin).await.ok()?;
                let name = format!("donations_bench_{tag}");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
                Some(Db {
                    kind,
                    url: format!("{base}/{name}"),
                    cleanup: Some((admin.to_string(), name)),
                    dir: None,
                })
            }
        }
    }

    async fn drop_now(self) {
        if let Some((admin, name)) = &self.cleanup
            && let Ok(mut conn) = sqlx::PgConnection::connect(admin).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Creates the schema and a campaign with `n` recurring donations (inserted in bulk).
    async fn seed(&self, slug: &str, n: i64) -> i64 {
        let store = donations::store::connect(&self.url, 2)
            .await
            .expect("store");
        let campaign = store
            .create_campaign(&donations::store::CampaignFields {
                slug: slug.into(),
                name: "Bench".into(),
                description: String::new(),
                currency: "usd".into(),
                goal_minor: 10_000_000,
                starts_at: None,
                ends_at: None,
                fee_percent: "2.9".into(),
                fee_fixed_minor: 30,
                status: "active".into(),
                success_url: None,
                cancel_url: None,
            })
            .await
            .expect("campaign");
        store.close().await;
        let columns = "id, campaign_id, source, frequency, currency, gift_minor, fee_minor, total_minor, \
            donor_email, donor_key, anonymous, status, subscription_id, plan_status, plan_status_at, \
            plan_status_rank, created_at, updated_at";
        let values = format!(
            "'don_seed_' || n, {id}, 'stripe', 'monthly', 'usd', 2500, 0, 2500, 'd' || n || '@example.org', \
             'd' || n || '@example.org', {f}, 'active', 'sub_seed_' || n, 'active', 0, 3, 1700000000, 1700000000",
            id = campaign.id,
            f = if self.kind == Kind::Sqlite {
                "0"
            } else {
                "FALSE"
            },
        );
        match self.kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("sqlite");
                sqlx::query(&format!(
                    "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) \
                     INSERT INTO donations ({columns}) SELECT {values} FROM seq"
                ))
                .execute(&mut conn)
                .await
                .expect("seed");
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("postgres");
                sqlx::query(&format!(
                    "INSERT INTO donations ({columns}) SELECT {values} FROM generate_series(1, {n}) AS n"
                ))
                .execute(&mut conn)
                .await
                .expect("seed");
                sqlx::query("ANALYZE")
                    .execute(&mut conn)
                    .await
                    .expect("analyze");
            }
        }
        campaign.id
    }

    /// The baseline: one row per transaction into a plain table of the same database, with
    /// a payload the size of an event, at the same concurrency as the webhook load.
    async fn raw_insert_rate(&self, secs: f64, payload_len: usize) -> f64 {
        let payload = Arc::new("x".repeat(payload_len));
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let start = Instant::now();
        let insert = "INSERT INTO bench_raw (id, payload) VALUES ($1, $2)";
        let count = match self.kind {
            Kind::Sqlite => {
                // The server writes through one connection with synchronous=FULL: so does this.
                let opts = self
                    .url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .expect("url")
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts)
                    .await
                    .expect("pool");
                sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
                    .execute(&pool)
                    .await
                    .expect("table");
                let n = insert_loop(deadline, {
                    let pool = pool.clone();
                    move |id| {
                        let (pool, payload) = (pool.clone(), payload.clone());
                        async move {
                            sqlx::query(insert)
                                .bind(id)
                                .bind(payload.as_str())
                                .execute(&pool)
                                .await
                                .is_ok()
                        }
                    }
                })
                .await;
                pool.close().await;
                n
            }
            Kind::Postgres => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(WRITE_CONCURRENCY as u32)
                    .connect(&self.url)
                    .await
                    .expect("pool");
                sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
                    .execute(&pool)
                    .await
                    .expect("table");
                let n = insert_loop(deadline, {
                    let pool = pool.clone();
                    move |id| {
                        let (pool, payload) = (pool.clone(), payload.clone());
                        async move {
                            sqlx::query(insert)
                                .bind(id)
                                .bind(payload.as_str())
                                .execute(&pool)
                                .await
                                .is_ok()
                        }
                    }
                })
                .await;
                pool.close().await;
                n
            }
        };
        count as f64 / start.elapsed().as_secs_f64()
    }
}

/// `WRITE_CONCURRENCY` loops calling `insert(id)` with fresh ids until `deadline`; returns how
/// many succeeded.
async fn insert_loop<F, Fut>(deadline: Instant, insert: F) -> usize
where
    F: Fn(i64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WRITE_CONCURRENCY)
        .map(|_| {
            let (insert, next) = (insert.clone(), next.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < deadline {
                    if insert(next.fetch_add(1, Ordering::Relaxed) as i64).await {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    total
}

struct Server {
    child: Child,
    url: String,
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name(format!("donations{}", std::env::consts::EXE_SUFFIX))
}

impl Server {
    async fn start(db: &Db, extra: &[(&str, String)]) -> Server {
        Server::spawn(db, extra, Stdio::inherit(), Stdio::inherit()).await
    }

    async fn spawn(db: &Db, extra: &[(&str, String)], stdout: Stdio, stderr: Stdio) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let mut cmd = Command::new(server_binary());
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &db.url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("STRIPE_WEBHOOK_SECRET", SECRET)
            .env("RUST_LOG", "error")
            // The load comes from one address: the card-testing limits would refuse it.
            .env("CHECKOUT_RATE_PER_IP", "off")
            .env("CHECKOUT_RATE_PER_EMAIL", "off")
            // Only errors are logged (RUST_LOG=error), and they should be seen.
            .stdout(stdout)
            .stderr(stderr);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run bench/run, which builds it)",
                server_binary().display()
            )
        });
        // Owned from here on: dropped (and killed) on any failure below.
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let c = client();
        for _ in 0..600 {
            let req = hyper::Request::get(format!("{}/ready", server.url))
                .body(Full::new(Bytes::new()))
                .expect("req");
            if let Ok(r) = c.request(req).await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not become ready");
    }

    /// A server whose log (warnings and errors) goes to `log`, in sandbox mode.
    async fn start_logging(db: &Db, log: &std::path::Path) -> Server {
        let file = std::fs::File::create(log).expect("log file");
        Server::spawn(
            db,
            &[("RUST_LOG", "warn".into())],
            Stdio::from(file.try_clone().expect("log file")),
            Stdio::from(file),
        )
        .await
    }

    /// Peak resident memory of the server process so far (VmHWM), in KiB.
    fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    fn stop(mut self) -> u64 {
        let peak = self.peak_rss_kib();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        peak
    }
}

impl Drop for Server {
    /// A benchmark that fails midway leaves no server behind (after `stop`, this is a no-op).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- workloads

/// Signed `invoice.paid` events for distinct invoices of the seeded plans, with every tenth a
/// repeat of an earlier one (Stripe's duplicates).
fn invoice_events(n: usize, seeded: i64, run: &str) -> Vec<(String, String)> {
    let template =
        donations::payments::sandbox::events::template("invoice.paid").expect("template");
    let mut out: Vec<(String, String)> = Vec::with_capacity(n);
    let now = donations::store::now();
    for i in 0..n {
        if i % 10 == 9 {
            let again = out[(i * 7919) % out.len()].clone();
            out.push(again);
            continue;
        }
        let k = (i as i64 * 2_654_435_761 % seeded).abs() + 1;
        let invoice = format!("in_bench_{run}_{i}");
        let mut v = Vars::new();
        for (name, value) in [
            ("LIVEMODE", "false".to_string()),
            ("CREATED", now.to_string()),
            ("DONATION_ID", format!("don_seed_{k}")),
            ("CAMPAIGN", "bench".into()),
            ("SUBSCRIPTION_ID", format!("sub_seed_{k}")),
            ("CUSTOMER_ID", format!("cus_seed_{k}")),
            ("INVOICE_ID", invoice.clone()),
            ("PAYMENT_INTENT_ID", format!("pi_{invoice}")),
            ("CURRENCY", "usd".into()),
            ("TOTAL_MINOR", "2500".into()),
            ("DONOR_EMAIL", format!("d{k}@example.org")),
        ] {
            v.insert(name.into(), value);
        }
        let payload = fill(template, &v).expect("fill");
        let sig = donations::payments::sandbox::sign::signature(&payload, SECRET);
        out.push((payload, sig));
    }
    out
}

/// Posts the events in turn, each to the next of `urls`.
fn post_events(urls: Vec<String>, events: Arc<Vec<(String, String)>>) -> MakeRequest {
    Arc::new(move |i| {
        let (payload, sig) = &events[i % events.len()];
        let url = &urls[i % urls.len()];
        hyper::Request::post(format!("{url}/webhooks/stripe"))
            .header("content-type", "application/json")
            .header("stripe-signature", sig)
            .body(Full::new(Bytes::from(payload.clone())))
            .expect("request")
    })
}

/// A fake Stripe that answers every Checkout Session at once, with Stripe's own object shape.
async fn fake_stripe() -> String {
    let mut v = Vars::new();
    for (k, val) in [
        ("LIVEMODE", "false"),
        ("CREATED", "1700000000"),
        ("DONATION_ID", "x"),
        ("CAMPAIGN", "x"),
        ("SESSION_ID", "cs_test_bench"),
        ("MODE", "payment"),
        ("PAYMENT_STATUS", "unpaid"),
        ("PAYMENT_INTENT_ID", ""),
        ("SUBSCRIPTION_ID", ""),
        ("CUSTOMER_ID", ""),
        ("CURRENCY", "usd"),
        ("TOTAL_MINOR", "0"),
        ("DONOR_EMAIL", "x@example.org"),
    ] {
        v.insert(k.into(), val.into());
    }
    let template = donations::payments::sandbox::events::template("checkout.session.completed")
        .expect("template");
    let event: serde_json::Value =
        serde_json::from_str(&fill(template, &v).expect("fill")).expect("json");
    let mut session = event["data"]["object"].clone();
    session["status"] = "open".into();
    session["url"] = "https://checkout.stripe.com/c/pay/cs_test_bench".into();
    // Every session gets its own id, as Stripe's do (donations keep them unique).
    let (head, tail) = {
        session["id"] = "cs_test_bench_SEQ".into();
        let text = session.to_string();
        let at = text.find("cs_test_bench_SEQ").expect("id");
        (
            text[..at].to_string(),
            text[at + "cs_test_bench_SEQ".len()..].to_string(),
        )
    };
    let counter = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/v1/checkout/sessions",
        axum::routing::post(move || {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let body = format!("{head}cs_test_bench_{n}{tail}");
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

fn post_checkouts(url: String) -> MakeRequest {
    Arc::new(move |i| {
        let body = format!(
            r#"{{"amount":"{}.00","frequency":"one_time","cover_fee":true,"donor":{{"name":"Bench Donor","email":"b{i}@example.org"}}}}"#,
            10 + i % 90
        );
        hyper::Request::post(format!("{url}/api/v1/campaigns/bench/checkout"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    })
}

// ---------------------------------------------------------------- the table

/// Several runs of one figure: the median, with the spread.
struct Figure {
    values: Vec<f64>,
}

impl Figure {
    fn of(values: Vec<f64>) -> Figure {
        Figure { values }
    }
    fn median(&self) -> f64 {
        let mut v = self.values.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        if v.is_empty() {
            f64::NAN
        } else {
            v[v.len() / 2]
        }
    }
    fn show(&self, unit: &str) -> String {
        let min = self.values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if self.values.len() > 1 {
            format!("{:.1} {unit} ({:.1}–{:.1})", self.median(), min, max)
        } else {
            format!("{:.1} {unit}", self.median())
        }
    }
}

struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

fn row(
    what: impl Into<String>,
    value: String,
    baseline: String,
    ratio: String,
    target: &str,
    met: Option<bool>,
) -> Row {
    Row {
        what: what.into(),
        value,
        baseline,
        ratio,
        target: target.into(),
        met,
    }
}

fn print_table(rows: &[Row]) {
    println!("| measurement | value (median, min–max) | baseline | ratio | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.what, r.value, r.baseline, r.ratio, r.target, met
        );
    }
}

// ---------------------------------------------------------------- the measurements

async fn progress_vs_baseline(o: &Opts, peak: &mut u64, rows: &mut Vec<Row>) {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let (mut rps, mut base, mut p50, mut p99, mut ratio) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut cores_static, mut cores_progress) = (vec![], vec![]);
        for _ in 0..o.runs {
            let Some(db) = Db::new(kind, o.pg_url.as_deref()).await else {
                break;
            };
            db.seed("bench", 1).await;
            let server = Server::start(&db, &[]).await;
            let c = client();
            // Warm up both routes, then measure them back to back.
            for path in ["/health", "/api/v1/campaigns/bench"] {
                load(
                    &c,
                    READ_CONCURRENCY,
                    0.3,
                    get(format!("{}{path}", server.url)),
                )
                .await;
            }
            let b = load(
                &c,
                READ_CONCURRENCY,
                o.secs,
                get(format!("{}/health", server.url)),
            )
            .await;
            let p = load(
                &c,
                READ_CONCURRENCY,
                o.secs,
                get(format!("{}/api/v1/campaigns/bench", server.url)),
            )
            .await;
            assert!(
                p.errors == 0 && b.errors == 0,
                "errors during the read benchmark"
            );
            rps.push(p.rps());
            base.push(b.rps());
            cores_static.extend(b.cpu);
            cores_progress.extend(p.cpu);
            p50.push(p.percentile_ms(0.5));
            p99.push(p.percentile_ms(0.99));
            ratio.push(p.rps() / b.rps());
            write_after_drops(&server.url, &format!("1. progress reads ({})", kind.name())).await;
            *peak = (*peak).max(server.stop());
            db.drop_now().await;
        }
        if rps.is_empty() {
            continue;
        }
        let r = Figure::of(ratio);
        rows.push(row(
            format!("1. progress GET, c={READ_CONCURRENCY} ({})", kind.name()),
            Figure::of(rps).show("req/s"),
            format!("{} (static route)", Figure::of(base).show("req/s")),
            format!("{:.2}", r.median()),
            "≥ 0.85",
            Some(r.median() >= 0.85),
        ));
        rows.push(row(
            "   progress latency p50 / p99",
            format!(
                "{} / {}",
                Figure::of(p50).show("ms"),
                Figure::of(p99).show("ms")
            ),
            "–".into(),
            "–".into(),
            "–",
            None,
        ));
        rows.extend(cores_row("static route", &cores_static));
        rows.extend(cores_row("progress", &cores_progress));
    }
}

/// Webhook ingest rate against `seeded` plans; returns (events/s, baseline inserts/s).
async fn ingest_once(
    kind: Kind,
    o: &Opts,
    seeded: i64,
    peak: &mut u64,
) -> Option<(f64, f64, usize, Option<cpu::Shares>)> {
    let db = Db::new(kind, o.pg_url.as_deref()).await?;
    db.seed("bench", seeded).await;
    let (rate, errors, cores) = ingest_into(&db, o, seeded, 1, peak, kind.name()).await;
    let payload_len = invoice_events(1, seeded, "len")[0].0.len();
    let base = db.raw_insert_rate(o.secs, payload_len).await;
    db.drop_now().await;
    Some((rate, base, errors, cores))
}

/// Starts `servers` server processes on `db` and sends them signed events (each request to the
/// next server in turn) for `o.secs`; returns (events/s, errors, where the cores went).
async fn ingest_into(
    db: &Db,
    o: &Opts,
    seeded: i64,
    servers: usize,
    peak: &mut u64,
    what: &str,
) -> (f64, usize, Option<cpu::Shares>) {
    let mut started = Vec::new();
    for _ in 0..servers {
        started.push(Server::start(db, &[]).await);
    }
    let events = Arc::new(invoice_events(
        if o.quick { 4_000 } else { 40_000 },
        seeded,
        &uuid::Uuid::new_v4().simple().to_string()[..8],
    ));
    let urls: Vec<String> = started.iter().map(|s| s.url.clone()).collect();
    let c = client();
    let s = load(&c, WRITE_CONCURRENCY, o.secs, post_events(urls, events)).await;
    for server in started {
        write_after_drops(
            &server.url,
            &format!("2. ingest ({what}, {servers} server(s))"),
        )
        .await;
        *peak = (*peak).max(server.stop());
    }
    (s.rps(), s.errors, s.cpu)
}

/// Two servers on one PostgreSQL against one, in the same run: what a second server adds.
async fn ingest_two_servers(o: &Opts, peak: &mut u64, rows: &mut Vec<Row>) {
    let (mut one, mut two, mut ratio) = (vec![], vec![], vec![]);
    let (mut cores_one, mut cores_two) = (vec![], vec![]);
    for _ in 0..o.runs {
        let Some(db) = Db::new(Kind::Postgres, o.pg_url.as_deref()).await else {
            break;
        };
        db.seed("bench", 1_000).await;
        let (single, e1, c1) = ingest_into(&db, o, 1_000, 1, peak, "postgres").await;
        let (double, e2, c2) = ingest_into(&db, o, 1_000, 2, peak, "postgres").await;
        cores_one.extend(c1);
        cores_two.extend(c2);
        assert_eq!(e1 + e2, 0, "webhook errors with two servers");
        one.push(single);
        two.push(double);
        ratio.push(double / single);
        db.drop_now().await;
    }
    if ratio.is_empty() {
        return;
    }
    let r = Figure::of(ratio);
    rows.push(row(
        format!("2. webhook ingest, two servers on one PostgreSQL, c={WRITE_CONCURRENCY}"),
        Figure::of(two).show("events/s"),
        format!("{} (one server)", Figure::of(one).show("events/s")),
        format!("{:.2}", r.median()),
        "≥ 1.6",
        Some(r.median() >= 1.6),
    ));
    rows.extend(cores_row("one server", &cores_one));
    rows.extend(cores_row("two servers", &cores_two));
}

async fn ingest_vs_baseline(o: &Opts, peak: &mut u64, rows: &mut Vec<Row>) {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let (mut rate, mut base, mut ratio, mut cores) = (vec![], vec![], vec![], vec![]);
        for _ in 0..o.runs {
            match ingest_once(kind, o, 1_000, peak).await {
                Some((r, b, errors, c)) => {
                    cores.extend(c);
                    assert_eq!(errors, 0, "webhook errors on {}", kind.name());
                    rate.push(r);
                    base.push(b);
                    ratio.push(r / b);
                }
                None => break,
            }
        }
        if rate.is_empty() {
            rows.push(row(
                format!("2. webhook ingest ({})", kind.name()),
                "not reachable".into(),
                "–".into(),
                "–".into(),
                "≥ 0.50",
                None,
            ));
            continue;
        }
        let r = Figure::of(ratio);
        rows.push(row(
            format!(
                "2. webhook ingest, c={WRITE_CONCURRENCY}, 10% duplicates ({})",
                kind.name()
            ),
            Figure::of(rate).show("events/s"),
            format!("{} (1 row/tx)", Figure::of(base).show("inserts/s")),
            format!("{:.2}", r.median()),
            "≥ 0.50",
            Some(r.median() >= 0.5),
        ));
        rows.extend(cores_row("ingest", &cores));
    }
}

async fn checkout(o: &Opts, peak: &mut u64, rows: &mut Vec<Row>) {
    let stripe = fake_stripe().await;
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let (mut rps, mut p99) = (vec![], vec![]);
        // One checkout at a time: its own work (two commits and the Stripe call), without
        // waiting behind others; what c=16 adds to it is queueing.
        let (mut alone_p50, mut alone_p99) = (vec![], vec![]);
        let mut cores = vec![];
        for _ in 0..o.runs {
            let Some(db) = Db::new(kind, o.pg_url.as_deref()).await else {
                break;
            };
            db.seed("bench", 1).await;
            let server = Server::start(
                &db,
                &[
                    ("STRIPE_SECRET_KEY", "sk_test_bench".into()),
                    ("STRIPE_API_BASE", stripe.clone()),
                ],
            )
            .await;
            let c = client();
            let alone = load(&c, 1, o.secs / 2.0, post_checkouts(server.url.clone())).await;
            let s = load(
                &c,
                WRITE_CONCURRENCY,
                o.secs,
                post_checkouts(server.url.clone()),
            )
            .await;
            for (stats, what) in [(&alone, "c=1"), (&s, "c=16")] {
                assert_eq!(
                    stats.errors,
                    0,
                    "checkout errors on {} at {what}: {:?}",
                    kind.name(),
                    stats.first_error
                );
            }
            rps.push(s.rps());
            p99.push(s.percentile_ms(0.99));
            cores.extend(s.cpu);
            alone_p50.push(alone.percentile_ms(0.5));
            alone_p99.push(alone.percentile_ms(0.99));
            write_after_drops(&server.url, &format!("3. checkout ({})", kind.name())).await;
            *peak = (*peak).max(server.stop());
            db.drop_now().await;
        }
        if rps.is_empty() {
            continue;
        }
        let p = Figure::of(p99);
        rows.push(row(
            format!(
                "3. checkout, c={WRITE_CONCURRENCY}, fake Stripe ({})",
                kind.name()
            ),
            format!("{}, p99 {}", Figure::of(rps).show("req/s"), p.show("ms")),
            "–".into(),
            "–".into(),
            "p99 < 5 ms",
            Some(p.median() < 5.0),
        ));
        rows.push(row(
            "   checkout alone (c=1) p50 / p99",
            format!(
                "{} / {}",
                Figure::of(alone_p50).show("ms"),
                Figure::of(alone_p99).show("ms")
            ),
            "–".into(),
            "–".into(),
            "–",
            None,
        ));
        rows.extend(cores_row("checkout, c=16", &cores));
    }
}

async fn growth(o: &Opts, peak: &mut u64, rows: &mut Vec<Row>) {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let mut read_p50 = Vec::new();
        let mut ingest = Vec::new();
        for &n in &o.sizes {
            let Some(db) = Db::new(kind, o.pg_url.as_deref()).await else {
                break;
            };
            let t = Instant::now();
            db.seed("bench", n).await;
            eprintln!(
                "seeded {n} donations on {} in {:.1}s",
                kind.name(),
                t.elapsed().as_secs_f64()
            );
            let server = Server::start(&db, &[]).await;
            let c = client();
            let (mut lat, mut rate) = (vec![], vec![]);
            for _ in 0..o.runs {
                let r = load(
                    &c,
                    READ_CONCURRENCY,
                    o.secs,
                    get(format!("{}/api/v1/campaigns/bench", server.url)),
                )
                .await;
                lat.push(r.percentile_ms(0.5));
                let events = Arc::new(invoice_events(
                    if o.quick { 4_000 } else { 40_000 },
                    n,
                    &uuid::Uuid::new_v4().simple().to_string()[..8],
                ));
                let s = load(
                    &c,
                    WRITE_CONCURRENCY,
                    o.secs,
                    post_events(vec![server.url.clone()], events),
                )
                .await;
                rate.push(s.rps());
            }
            write_after_drops(&server.url, &format!("4. growth at {n} ({})", kind.name())).await;
            *peak = (*peak).max(server.stop());
            db.drop_now().await;
            read_p50.push((n, Figure::of(lat).median()));
            ingest.push((n, Figure::of(rate).median()));
        }
        if read_p50.len() < 2 {
            continue;
        }
        let (first, last) = (read_p50[0], read_p50[read_p50.len() - 1]);
        let read_ratio = last.1 / first.1;
        rows.push(row(
            format!(
                "4. progress p50 at {} vs {} donations ({})",
                last.0,
                first.0,
                kind.name()
            ),
            read_p50
                .iter()
                .map(|(n, v)| format!("{n}: {v:.2} ms"))
                .collect::<Vec<_>>()
                .join(", "),
            "smallest".into(),
            format!("{read_ratio:.2}"),
            "≤ 1.25",
            Some(read_ratio <= 1.25),
        ));
        let (first, last) = (ingest[0], ingest[ingest.len() - 1]);
        // A rate that falls is cost that grows: compare cost per event.
        let ingest_ratio = first.1 / last.1;
        rows.push(row(
            format!(
                "4. ingest cost at {} vs {} donations ({})",
                last.0,
                first.0,
                kind.name()
            ),
            ingest
                .iter()
                .map(|(n, v)| format!("{n}: {v:.0}/s"))
                .collect::<Vec<_>>()
                .join(", "),
            "smallest".into(),
            format!("{ingest_ratio:.2}"),
            "≤ 1.25",
            Some(ingest_ratio <= 1.25),
        ));
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    format!("{cores} cores, {mem} memory")
}

#[tokio::main]
async fn main() {
    let o = Opts::parse();
    if std::env::args().any(|a| a == "--hangups") {
        let minutes = std::env::args()
            .skip_while(|a| a != "--minutes")
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(if o.quick { 0.1 } else { 3.0 });
        hangups::run(minutes, o.pg_url.as_deref()).await;
        return;
    }
    let profile = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    println!(
        "donations benchmark ({} mode, {profile}): {} — {} run(s) of {:.1}s per figure\n",
        if o.quick { "quick" } else { "full" },
        machine(),
        o.runs,
        o.secs
    );
    let mut rows = Vec::new();
    let mut peak = 0u64;
    progress_vs_baseline(&o, &mut peak, &mut rows).await;
    ingest_vs_baseline(&o, &mut peak, &mut rows).await;
    ingest_two_servers(&o, &mut peak, &mut rows).await;
    checkout(&o, &mut peak, &mut rows).await;
    growth(&o, &mut peak, &mut rows).await;
    let mib = peak as f64 / 1024.0;
    rows.push(row(
        "5. peak server RSS (largest of all runs)",
        format!("{mib:.1} MiB"),
        "–".into(),
        "–".into(),
        "≤ 64 MiB",
        Some(mib <= 64.0),
    ));
    let failures = WRITE_FAILURES.lock().unwrap().clone();
    let phases = WRITES_AFTER_DROPS.load(Ordering::Relaxed);
    rows.push(row(
        "6. a checkout and /ready after each load phase, whose requests in flight were dropped",
        format!(
            "{} of {phases} phases ({} requests dropped in all)",
            phases - failures.len(),
            DROPPED.load(Ordering::Relaxed)
        ),
        "–".into(),
        "–".into(),
        "all",
        Some(failures.is_empty()),
    ));
    print_table(&rows);
    // Not a figure but a defect: a server that stops taking gifts after clients hang up.
    assert!(
        failures.is_empty(),
        "writes failed after dropped requests: {failures:#?}"
    );
}
