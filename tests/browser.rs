//! A real browser (headless Chromium through chromedriver, driven by fantoccini) on SQLite: a
//! donor gives through /donate/demo with the fee covered and a tribute, pays on the sandbox page
//! and sees the thank-you page; an anonymous gift shows as "Anonymous" on the wall; staff sign in
//! to the dashboard with a token and see the progress and figures, and the CSV holds the gift;
//! on a 390-px-wide window the campaign page does not scroll sideways but its donations table
//! does, in its wrapper. A nonprofit's page on another origin (`localhost`, listed in
//! `ALLOWED_ORIGINS`) embeds the donation page with the README's snippet (`/assets/embed.js`):
//! the frame fits its content, and submitting the form in the frame reaches the checkout step in
//! the top window. Screenshots go to `screenshots/` in the target dir.
//!
//! Without chromium this test fails on CI (`CI` set) and is skipped, saying why, elsewhere.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::{Backend, spawn_app};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// An upper bound for the browser to get somewhere, never a pause: a slow machine only waits longer.
const PATIENCE: Duration = Duration::from_secs(60);

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether the browser can run here; on CI its absence is a failure, elsewhere a skip.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{} not installed (Debian packages chromium and chromium-driver)",
        missing.join(" and ")
    );
    assert!(std::env::var_os("CI").is_none(), "CI is set but {why}");
    eprintln!("browser test skipped: {why}");
    false
}

async fn start_browser(profile: &Path) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver does not start: {e}"));
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1800",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // chromedriver takes a moment to listen: retry the session until it answers, within PATIENCE.
    let started = std::time::Instant::now();
    loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(c) => return (driver, c),
            Err(e) if started.elapsed() < PATIENCE => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("chromium does not start through chromedriver: {e}"),
        }
    }
}

/// Waits (up to PATIENCE) until `f` holds.
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !f().await {
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(c: &Client, css: &str, value: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    e.clear().await.ok();
    e.send_keys(value).await.expect("typing");
}

/// `screenshots/` in the target dir (`CARGO_TARGET_DIR` when set, else `target/`).
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots dir");
    dir
}

/// A number the page's script answers.
async fn js_number(c: &Client, script: &str) -> i64 {
    let v = c
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .unwrap_or_else(|| panic!("{script}: not a number: {v}"))
}

async fn path_is(c: &Client, prefix: &str) -> bool {
    c.current_url()
        .await
        .map(|u| u.path().starts_with(prefix))
        .unwrap_or(false)
}

/// Pays on the sandbox page the donation form led to, and waits for the thank-you page.
async fn pay_on_sandbox(c: &Client) {
    until("the sandbox checkout page", || {
        path_is(c, "/sandbox/checkout/")
    })
    .await;
    let pay = c
        .find(Locator::XPath("//button[normalize-space()='Pay']"))
        .await
        .expect("a Pay button");
    pay.click().await.expect("Pay");
    until("the thank-you page", || async {
        c.current_url()
            .await
            .map(|u| u.path().ends_with("/thanks"))
            .unwrap_or(false)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_donor_gives_and_staff_see_it() {
    if !browser_available() {
        return;
    }
    let app = spawn_app(&Backend::Sqlite, &[]).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let (_driver, c) = start_browser(profile.path()).await;
    let shots = screenshots();

    // The donation page, its quote following the amount.
    c.goto(&app.at("/donate/demo"))
        .await
        .expect("donation page");
    assert_eq!(text(&c, "h1").await, "Demo campaign");
    let (_, q) = app
        .get_json("/api/v1/campaigns/demo/fee-quote?amount=100&cover_fee=true")
        .await;
    let fee = q["fee_minor"].as_i64().unwrap();
    let expected_fee = format!("${}.{:02}", fee / 100, fee % 100);
    click(&c, "input[name=amount][value='100']").await;
    until("the fee quote for $100", || async {
        text(&c, "#fee-amount").await == expected_fee
    })
    .await;
    assert!(
        c.find(Locator::Css("#cover-fee"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap()
            .as_deref()
            == Some("true"),
        "cover the fee is checked by default"
    );
    type_into(&c, "#donor-name", "Ana Pérez").await;
    type_into(&c, "#donor-email", "ana@example.org").await;
    click(&c, "input[name=tribute_kind][value='honor']").await;
    type_into(&c, "#honoree", "Lynda Callon").await;
    type_into(&c, "#tribute-message", "With love").await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("donation-page.png"), png).expect("save screenshot");
    click(&c, "#donate-button").await;
    pay_on_sandbox(&c).await;

    // The thank-you page shows the gift.
    let gift_line = text(&c, "#gift-line").await;
    assert!(gift_line.contains("$100.00"), "{gift_line}");
    assert!(gift_line.contains(&expected_fee), "{gift_line}");
    assert_eq!(text(&c, "#tribute-line").await, "In honor of Lynda Callon");
    assert!(text(&c, "#gift-status").await.starts_with("Received"));

    // An anonymous gift, no fee: "Anonymous" on the wall.
    c.goto(&app.at("/donate/demo")).await.unwrap();
    click(&c, "input[name=amount][value='25']").await;
    click(&c, "#cover-fee").await;
    type_into(&c, "#donor-name", "Hidden Person").await;
    type_into(&c, "#donor-email", "hidden@example.org").await;
    click(&c, "#anonymous").await;
    click(&c, "#donate-button").await;
    pay_on_sandbox(&c).await;
    c.goto(&app.at("/donate/demo")).await.unwrap();
    let wall = text(&c, "#donor-wall").await;
    assert!(wall.contains("Anonymous"), "{wall}");
    assert!(wall.contains("Ana"), "{wall}");
    assert!(!wall.contains("Hidden"), "{wall}");
    assert!(wall.contains("In honor of Lynda Callon"), "{wall}");

    // Staff sign in with a token made through the store.
    let token = app.staff_token("ana").await;
    c.goto(&app.at("/dashboard")).await.unwrap();
    type_into(&c, "#token", &token).await;
    click(&c, "form[action='/dashboard/login'] button").await;
    until("signed in", || async {
        text(&c, "header").await.contains("Signed in as ana")
    })
    .await;
    c.goto(&app.at("/dashboard/campaigns/demo")).await.unwrap();
    assert_eq!(text(&c, "#raised").await, "$125.00");
    assert_eq!(text(&c, "#donors").await, "2");
    let bar = c
        .find(Locator::Css("#progress"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(bar.starts_with("0.1"), "$125 of $100,000: {bar}");
    let summary = text(&c, "#summary").await;
    assert!(summary.contains("$125.00"), "{summary}");
    let table = text(&c, "#donations").await;
    assert!(
        table.contains("Ana Pérez") && table.contains("In honor of Lynda Callon"),
        "{table}"
    );
    assert!(
        c.find(Locator::Css("svg.chart rect")).await.is_ok(),
        "the chart has a bar"
    );
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("dashboard.png"), png).expect("save screenshot");

    // The CSV download link, with the browser's session cookie (the dashboard's CSP lets no
    // script fetch, and a download does not render), holds the gift.
    let href = c
        .find(Locator::Css("#csv-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("href");
    let session = c
        .get_named_cookie(donations::http::dashboard::COOKIE)
        .await
        .expect("the session cookie");
    let r = app
        .client
        .get(app.at(&href))
        .header("cookie", format!("{}={}", session.name(), session.value()))
        .send()
        .await
        .expect("CSV");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("id,"), "{csv}");
    assert!(
        csv.contains("ana@example.org") && csv.contains("Lynda Callon") && csv.contains(",10000,"),
        "{csv}"
    );

    // On a phone (390 px wide) with more donations: the page does not scroll sideways, the
    // donations table does, inside its card.
    for (i, note) in [
        "Check from the parish bake sale, deposited with the Friday batch",
        "Cash at the door",
        "Memorial collection for the family, see the letter in the folder",
        "Matching gift from an employer programme",
    ]
    .into_iter()
    .enumerate()
    {
        let r = app
            .client
            .post(app.at("/api/v1/staff/campaigns/demo/offline-gifts"))
            .bearer_auth(&token)
            .json(&json!({
                "amount": format!("{}", 40 + i * 10), "date": "2026-11-20", "method": "check",
                "donor": {"name": format!("Offline Donor Number {i}"), "email": format!("donor{i}@example.org")},
                "note": note, "email_receipt": false
            }))
            .send()
            .await
            .expect("offline gift");
        assert_eq!(r.status().as_u16(), 201);
    }
    // The chart at desktop width: bars, the cumulative line, the goal line.
    c.goto(&app.at("/dashboard/campaigns/demo")).await.unwrap();
    let chart = c.find(Locator::Css("svg.chart")).await.expect("the chart");
    let png = chart.screenshot().await.expect("chart screenshot");
    std::fs::write(shots.join("dashboard-chart.png"), png).expect("save screenshot");
    c.set_window_size(390, 1400)
        .await
        .expect("a phone-sized window");
    c.goto(&app.at("/dashboard/campaigns/demo")).await.unwrap();
    let viewport = js_number(&c, "return document.documentElement.clientWidth").await;
    assert!(viewport <= 390, "the window is phone-sized: {viewport}");
    let page = js_number(&c, "return document.documentElement.scrollWidth").await;
    assert!(
        page <= viewport,
        "the page scrolls sideways: {page} > {viewport}"
    );
    let wrapper = "document.getElementById('donations-scroll')";
    let inner = js_number(&c, &format!("return {wrapper}.scrollWidth")).await;
    let shown = js_number(&c, &format!("return {wrapper}.clientWidth")).await;
    assert!(
        inner > shown,
        "the table scrolls inside its wrapper: {inner} <= {shown}"
    );
    let rows = c
        .find_all(Locator::Css("#donations tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 6, "two gifts online, four offline");
    assert!(
        c.find(Locator::Css("svg.chart #chart-total")).await.is_ok(),
        "the chart has its cumulative line"
    );
    c.execute(
        "document.getElementById('donations-heading').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll to the donations");
    let png = c.screenshot().await.expect("screenshot");
    let phone = shots.join("dashboard-phone.png");
    std::fs::write(&phone, png).expect("save screenshot");
    println!("phone screenshot: {}", phone.display());
    // Scrolled sideways to the table's end: the rest of the columns.
    c.execute(
        &format!("{wrapper}.scrollLeft = {wrapper}.scrollWidth"),
        vec![],
    )
    .await
    .expect("scroll the table");
    let scrolled = js_number(&c, &format!("return {wrapper}.scrollLeft")).await;
    assert!(scrolled > 0, "the table scrolled sideways");
    let page_left = js_number(&c, "return window.scrollX").await;
    assert_eq!(page_left, 0, "the page did not");
    let png = c.screenshot().await.expect("screenshot");
    let end = shots.join("dashboard-phone-scrolled.png");
    std::fs::write(&end, png).expect("save screenshot");
    println!("phone screenshot, table scrolled: {}", end.display());

    c.close().await.ok();
}

/// A nonprofit's own page on another origin: the README's embed snippet pointing at `app_url`,
/// served at `http://localhost:<port>/` until the returned task is dropped.
async fn nonprofit_site(listener: TcpListener, app_url: &str) -> tokio::task::JoinHandle<()> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Friends of the \
         Coalition</title></head><body><h1 id=\"site\">Friends of the Coalition</h1>\
         <p>Support our policy work:</p>\
         <a class=\"donations-embed\" href=\"{app_url}/donate/demo\">Donate to the Demo campaign</a>\
         <script src=\"{app_url}/assets/embed.js\" async></script>\
         <p id=\"after\">Thank you!</p></body></html>"
    );
    listener.set_nonblocking(true).expect("nonblocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("the site's listener");
    let site = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move {
        axum::serve(listener, site).await.ok();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_embeds_the_form_and_checkout_leaves_the_frame() {
    if !browser_available() {
        return;
    }
    // The nonprofit's site is http://localhost:<port>, another origin (and site) than the
    // server's http://127.0.0.1:<port>; only it may frame the donation page.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the site");
    let site_origin = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let app = spawn_app(&Backend::Sqlite, &[("ALLOWED_ORIGINS", &site_origin)]).await;
    let _site = nonprofit_site(listener, &app.url).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let (_driver, c) = start_browser(profile.path()).await;
    let shots = screenshots();

    c.goto(&format!("{site_origin}/")).await.expect("the site");
    assert_eq!(text(&c, "#site").await, "Friends of the Coalition");
    until("the embed's frame", || async {
        c.find(Locator::Css("iframe.donations-embed-frame"))
            .await
            .is_ok()
    })
    .await;
    // The frame grows or shrinks to the page it holds (its first height is 1400 px).
    let frame_height = "return Math.round(document.querySelector('iframe.donations-embed-frame')\
                        .getBoundingClientRect().height)";
    until("the frame sized to its page", || async {
        js_number(&c, frame_height).await != 1400
    })
    .await;
    let outer = js_number(&c, frame_height).await;
    c.enter_frame(0).await.expect("into the frame");
    until("the donation page in the frame", || async {
        text(&c, "h1").await == "Demo campaign"
    })
    .await;
    let inner = js_number(
        &c,
        "return Math.ceil(document.documentElement.getBoundingClientRect().height)",
    )
    .await;
    assert!(
        (outer - inner).abs() <= 2,
        "the frame ({outer} px) fits its page ({inner} px)"
    );
    assert_eq!(
        js_number(&c, "return window.top === window ? 1 : 0").await,
        0,
        "framed"
    );

    click(&c, "input[name=amount][value='25']").await;
    type_into(&c, "#donor-name", "Framed Donor").await;
    type_into(&c, "#donor-email", "framed@example.org").await;
    c.switch_to_window(c.window().await.unwrap()).await.unwrap();
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("embed-framed.png"), png).expect("save screenshot");
    c.enter_frame(0).await.expect("into the frame again");
    click(&c, "#donate-button").await;

    // The checkout step opens in the top window, not in the frame: the top-level page is the
    // checkout page of the server's origin (which, like Stripe's, refuses to be framed).
    c.switch_to_window(c.window().await.unwrap())
        .await
        .expect("the top window");
    until("the checkout page at the top level", || {
        path_is(&c, "/sandbox/checkout/")
    })
    .await;
    let top = c.current_url().await.unwrap();
    assert_eq!(
        top.origin().ascii_serialization(),
        app.url,
        "the top window left the nonprofit's site for checkout: {top}"
    );
    assert_eq!(
        js_number(&c, "return window.top === window ? 1 : 0").await,
        1
    );
    let here = c.execute("return location.href", vec![]).await.unwrap();
    assert_eq!(here.as_str(), Some(top.as_str()));
    assert!(
        c.find(Locator::Css("iframe")).await.is_err(),
        "no frame left on the checkout page"
    );
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("embed-checkout-top.png"), png).expect("save screenshot");
    pay_on_sandbox(&c).await;
    assert!(text(&c, "#gift-line").await.contains("$25.00"));

    c.close().await.ok();
}
