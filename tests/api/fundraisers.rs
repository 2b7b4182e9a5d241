//! Supporters' pages on both backends (issue 14, item 1): the sandbox walk of the issue (a
//! supporter starts a page for `demo`, confirms it by the emailed link, staff approve it, two
//! friends give through it, one anonymous through the page's form, one monthly with the fee
//! covered through the JSON API, and the page's and the campaign's progress show exactly those
//! gifts); the campaign's policy (review, open, off) and hidden pages; sign-up errors, limits and
//! the same answer for known and unknown addresses; the owner's link (invalid, expired, of the
//! other kind) and edits; refunds and disputes moving the page and the campaign alike; the page
//! kept in memory; the dashboard's list with Approve and Hide.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::pages::{
    csrf_of, get_page, get_with_cookie, header, no_redirects, post_form, session_cookie, sign_in,
};
use crate::helpers::{
    Backend, TestApp, Vars, campaign, event, gift_vars, ingest, pending_donation_on, spawn_app,
    with,
};
use donations::domain::manage_link::{self, LinkKind};
use donations::mail::render::{MailContext, render};
use donations::store::{Campaign, Fundraiser, OutboxMessage, now};

pub(crate) const SECRET: &str = "fundraiser-test-link-secret-0123456789ab";

/// The server, signing links with the secret the tests render with.
pub(crate) async fn spawn(b: &Backend, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("MANAGE_LINK_SECRET", SECRET)];
    all.extend_from_slice(vars);
    spawn_app(b, &all).await
}

pub(crate) async fn outbox_of_kind(app: &TestApp, kind: &str) -> Vec<OutboxMessage> {
    let all = app.store.outbox(None).await.unwrap();
    all.into_iter().filter(|m| m.kind == kind).collect()
}

/// The path of the owner's link in the newest email of `kind` (rendered as the mail worker
/// would send it now).
pub(crate) async fn link_in_mail(app: &TestApp, kind: &str) -> String {
    let m = outbox_of_kind(app, kind)
        .await
        .pop()
        .unwrap_or_else(|| panic!("no {kind} email"));
    let ctx = MailContext::new(&app.config, Arc::from(SECRET.as_bytes()));
    let letter = render(app.store.as_ref(), &ctx, &m, now()).await.unwrap();
    let at = letter.text.find("/fundraisers/manage/").expect("a link");
    letter.text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

pub(crate) async fn post_json(
    app: &TestApp,
    path: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = app
        .client
        .post(app.at(path))
        .json(body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn staff(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app.client.request(method, app.at(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn page_input(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email, "goal": "500", "title": "", "story": ""})
}

/// Starts a page through the JSON API (202) and returns it as recorded.
async fn start(app: &TestApp, campaign: &str, body: &Value) -> Fundraiser {
    let before = outbox_of_kind(app, "fundraiser_welcome").await.len();
    let (status, _, answer) = post_json(
        app,
        &format!("/api/v1/campaigns/{campaign}/fundraisers"),
        body,
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    let welcome = outbox_of_kind(app, "fundraiser_welcome").await;
    assert_eq!(welcome.len(), before + 1, "a welcome email per new page");
    let id = welcome.last().unwrap().payload.clone().unwrap();
    app.store.fundraiser(&id).await.unwrap().unwrap()
}

/// Confirms a page through its owner's link, as its owner's browser would.
async fn confirm(app: &TestApp, link: &str) {
    let (status, headers, _) = post_form(app, &format!("{link}/confirm"), None, &[]).await;
    assert_eq!(status, 303);
    assert!(header(&headers, "location").ends_with("?done=confirmed"));
}

/// Confirms the newest page by its welcome email's link, and approves it as staff.
async fn make_public(app: &TestApp, token: &str, f: &Fundraiser) {
    confirm(app, &link_in_mail(app, "fundraiser_welcome").await).await;
    let path = format!("/api/v1/staff/fundraisers/{}/approve", f.id);
    let (status, body) = staff(app, token, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
}

/// A one-time gift of `minor` on page `f` of `c`, paid through the server's ledger.
async fn paid_on(app: &TestApp, c: &Campaign, f: &Fundraiser, minor: i64, tag: &str) {
    let d = pending_donation_on(
        app.store.as_ref(),
        c,
        Some(&f.id),
        "one_time",
        minor,
        minor,
        "eve@example.org",
        |_| {},
    )
    .await;
    let paid = event("checkout.session.completed", &gift_vars(&d, &c.slug, tag));
    ingest(app.store.as_ref(), &paid).await;
}

/// Sends a donation form (`fields`, with a fresh key) to `path`: the donation id of the 303.
pub(crate) async fn give_on(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    let key = uuid::Uuid::new_v4().to_string();
    let mut form = fields.to_vec();
    form.push(("idempotency_key", &key));
    let (status, headers, body) = post_form(app, path, None, &form).await;
    assert_eq!(status, 303, "{body}");
    let location = header(&headers, "location");
    location.rsplit('/').next().unwrap().to_string()
}

/// Pays a sandbox checkout as the donor's browser would.
pub(crate) async fn pay(app: &TestApp, donation_id: &str) {
    let r = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{donation_id}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "{}",
        r.text().await.unwrap_or_default()
    );
}

async fn page_progress(app: &TestApp, campaign: &str, page: &str) -> Value {
    let (status, body) = app
        .get_json(&format!("/api/v1/campaigns/{campaign}/fundraisers/{page}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn figures(v: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    (
        n("raised_minor"),
        n("gifts"),
        n("donors"),
        n("recurring_active"),
        n("recurring_monthly_minor"),
    )
}

/// The issue's walk, as a new user would try it in the sandbox.
async fn the_sandbox_walk_a_page_and_two_friends(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("ana-staff").await;

    // A supporter starts a page for the demo campaign.
    let f = start(
        &app,
        "demo",
        &json!({
            "name": "Ana Pérez", "email": "Ana@Example.org", "goal": "500",
            "title": "Ana runs for the coalition",
            "story": "I run the city marathon in May.\n\nEvery mile is for our neighbors."
        }),
    )
    .await;
    assert_eq!(f.slug, "ana-perez");
    let welcome = &outbox_of_kind(&app, "fundraiser_welcome").await[0];
    assert_eq!(welcome.recipient, "Ana@Example.org");
    let (status, _, _) = get_page(&app, "/donate/demo/f/ana-perez").await;
    assert_eq!(status, 404, "not public before its owner confirms");

    // The emailed link opens the owner's page; confirming waits for staff (review by default).
    let link = link_in_mail(&app, "fundraiser_welcome").await;
    let (status, headers, body) = get_page(&app, &link).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"data-standing="unconfirmed""#), "{body}");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    confirm(&app, &link).await;
    let (_, _, body) = get_page(&app, &link).await;
    assert!(
        body.contains(r#"data-standing="awaiting_review""#),
        "{body}"
    );
    assert_eq!(get_page(&app, "/donate/demo/f/ana-perez").await.0, 404);

    // Staff see it waiting and approve it; its owner is told.
    let (status, list) = staff(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/staff/campaigns/demo/fundraisers",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["pages"], "review");
    let row = &list["fundraisers"][0];
    assert_eq!(
        (row["standing"].as_str(), row["owner_email"].as_str()),
        (Some("awaiting_review"), Some("Ana@Example.org"))
    );
    let (status, approved) = staff(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/staff/fundraisers/{}/approve", f.id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["standing"], "public");
    assert_eq!(approved["reviewed_by"], "ana-staff");
    assert_eq!(outbox_of_kind(&app, "fundraiser_approved").await.len(), 1);

    // The public page: the supporter's words, goal and share link, and a form that posts to it.
    let (status, _, html) = get_page(&app, "/donate/demo/f/ana-perez").await;
    assert_eq!(status, 200);
    for shown in [
        "Ana runs for the coalition",
        "I run the city marathon in May.",
        "/donate/demo/f/ana-perez\" readonly",
        r#"action="/donate/demo/f/ana-perez""#,
        "$500.00",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }
    assert!(
        !html.to_lowercase().contains("ana@example.org"),
        "never the owner's address"
    );

    // Friend 1: $40 once, anonymously, through the page's own form.
    let first = give_on(
        &app,
        "/donate/demo/f/ana-perez",
        &[
            ("amount", "other"),
            ("custom_amount", "40"),
            ("frequency", "one_time"),
            ("name", "Carla Quiroga"),
            ("email", "carla@example.org"),
            ("anonymous", "true"),
        ],
    )
    .await;
    pay(&app, &first).await;

    // Friend 2: $25 a month with the fee covered, through the JSON API.
    let (status, _, checkout) = post_json(
        &app,
        "/api/v1/campaigns/demo/checkout",
        &json!({
            "amount": "25.00", "frequency": "monthly", "cover_fee": true,
            "donor": {"name": "Ben Ortiz", "email": "ben@example.org"},
            "fundraiser": "ana-perez"
        }),
    )
    .await;
    assert_eq!(status, 201, "{checkout}");
    assert!(checkout["fee_minor"].as_i64().unwrap() > 0);
    let second = checkout["donation_id"].as_str().unwrap().to_string();
    pay(&app, &second).await;

    // Both the page's and the campaign's progress show exactly those gifts.
    let want = (4_000 + 2_500, 2, 2, 1, 2_500);
    assert_eq!(
        figures(&page_progress(&app, "demo", "ana-perez").await),
        want
    );
    assert_eq!(figures(&app.progress("demo").await), want);
    let p = page_progress(&app, "demo", "ana-perez").await;
    assert_eq!(
        (p["goal_minor"].as_i64(), p["percent"].as_f64()),
        (Some(50_000), Some(13.0))
    );

    // The page's wall: the anonymous gift stays anonymous; the other shows a first name.
    let (_, _, html) = get_page(&app, "/donate/demo/f/ana-perez").await;
    let wall = &html[html.find("id=\"donor-wall\"").expect("a wall")..];
    assert!(wall.contains("Anonymous") && wall.contains("Ben"), "{wall}");
    assert!(
        !html.contains("Carla") && !html.contains("Quiroga"),
        "the anonymous donor is not named"
    );
    // The campaign's page lists the page among its top supporters.
    let (_, _, campaign_page) = get_page(&app, "/donate/demo").await;
    let top = &campaign_page[campaign_page
        .find("id=\"top-fundraisers\"")
        .expect("a list")..];
    assert!(
        top.contains("Ana runs for the coalition") && top.contains("$65.00"),
        "{top}"
    );
    assert!(
        campaign_page.contains("/donate/demo/fundraise"),
        "the way to start one"
    );
    let (_, listed) = {
        let r = app.get_json("/api/v1/campaigns/demo/fundraisers").await;
        (r.0, r.1)
    };
    assert_eq!(listed["fundraisers"][0]["slug"], "ana-perez");
    assert!(listed["fundraisers"][0].get("owner_email").is_none());

    // Staff see each gift's page: the JSON list, its filter, and the CSV's last column.
    let (_, gifts) = staff(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/staff/donations?campaign=demo&fundraiser=ana-perez",
        None,
    )
    .await;
    let ids: Vec<_> = gifts["donations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&first) && ids.contains(&second));
    assert!(
        gifts["donations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["fundraiser"] == "ana-perez")
    );
    let csv = app
        .client
        .get(app.at("/api/v1/staff/donations?format=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let head: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head.last().map(String::as_str), Some("fundraiser"));
    assert_eq!(head[0], "id", "the first columns keep their places");
    for r in reader.records() {
        let r = r.unwrap();
        assert_eq!(&r[head.len() - 1], "ana-perez", "{r:?}");
    }
    // The dashboard's campaign page names it too.
    let (_, headers, _) = sign_in(&app, &token).await;
    let (status, dash) =
        get_with_cookie(&app, "/dashboard/campaigns/demo", &session_cookie(&headers)).await;
    assert_eq!(status, 200);
    assert!(
        dash.contains(r#"<a href="/donate/demo/f/ana-perez">ana-perez</a>"#),
        "{dash}"
    );
}

/// A campaign that takes pages openly, one that takes none, and a page staff hide.
async fn the_campaigns_policy_and_hidden_pages(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let c = campaign(&app, "open", 1_000_000).await;
    let (status, set) = staff(
        &app,
        &token,
        reqwest::Method::PUT,
        "/api/v1/staff/campaigns/open/fundraising",
        Some(json!({"pages": "open"})),
    )
    .await;
    assert_eq!((status, set["pages"].as_str()), (200, Some("open")));
    let (status, bad) = staff(
        &app,
        &token,
        reqwest::Method::PUT,
        "/api/v1/staff/campaigns/open/fundraising",
        Some(json!({"pages": "maybe"})),
    )
    .await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (422, Some("pages"))
    );
    // Staff (not admins) review pages but do not set the policy.
    let member = app
        .store
        .create_staff_member(
            &donations::store::NewStaffMember {
                email: "sam@example.org",
                email_norm: "sam@example.org",
                name: "Sam",
                role: donations::store::StaffRole::Staff,
                invited_by: None,
                organization: "default",
            },
            now(),
        )
        .await
        .unwrap();
    let (sam, hash) = donations::services::staff_tokens::new_token();
    app.store
        .create_member_token(member.id, "sam", &hash)
        .await
        .unwrap();
    let (status, _) = staff(
        &app,
        &sam,
        reqwest::Method::PUT,
        "/api/v1/staff/campaigns/open/fundraising",
        Some(json!({"pages": "off"})),
    )
    .await;
    assert_eq!(status, 403);

    // The sign-up form: the same answer, and the page is public once its owner confirms.
    let (status, _, form) = get_page(&app, "/donate/open/fundraise").await;
    assert_eq!(status, 200);
    assert!(
        !form.contains("looks at each new page"),
        "no review on this campaign"
    );
    let (status, _, answer) = post_form(
        &app,
        "/donate/open/fundraise",
        None,
        &[
            ("name", "Dee Park"),
            ("email", "dee@example.org"),
            ("goal", "250"),
            ("title", ""),
            ("story", ""),
            ("slug", "dee-bikes"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("We have emailed you a private link"));
    let f = app
        .store
        .fundraiser_by_slug(c.id, "dee-bikes")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(get_page(&app, "/donate/open/f/dee-bikes").await.0, 404);
    confirm(&app, &link_in_mail(&app, "fundraiser_welcome").await).await;
    assert_eq!(
        get_page(&app, "/donate/open/f/dee-bikes").await.0,
        200,
        "open: public at once"
    );

    // A gift on it counts; then staff hide the page.
    paid_on(&app, &c, &f, 3_000, "hid1").await;
    assert_eq!(
        figures(&page_progress(&app, "open", "dee-bikes").await).0,
        3_000
    );
    let (status, hidden) = staff(
        &app,
        &sam,
        reqwest::Method::POST,
        &format!("/api/v1/staff/fundraisers/{}/hide", f.id),
        None,
    )
    .await;
    assert_eq!((status, hidden["standing"].as_str()), (200, Some("hidden")));
    assert_eq!(
        get_page(&app, "/donate/open/f/dee-bikes").await.0,
        404,
        "at once, on this server"
    );
    assert_eq!(
        app.get_json("/api/v1/campaigns/open/fundraisers/dee-bikes")
            .await
            .0,
        404
    );
    // It takes no more gifts, by the JSON API or its form; its gifts still count.
    let (status, _, refused) = post_json(
        &app,
        "/api/v1/campaigns/open/checkout",
        &json!({"amount": "10", "frequency": "one_time", "donor": {"name": "Fay", "email": "fay@example.org"}, "fundraiser": "dee-bikes"}),
    )
    .await;
    assert_eq!(
        (status, refused["errors"][0]["field"].as_str()),
        (422, Some("fundraiser"))
    );
    let (status, _, _) = post_form(
        &app,
        "/donate/open/f/dee-bikes",
        None,
        &[
            ("amount", "25"),
            ("frequency", "one_time"),
            ("name", "Fay"),
            ("email", "fay@example.org"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.progress("open").await["raised_minor"], 3_000);
    let (_, list) = staff(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/staff/campaigns/open/fundraisers?review=hidden",
        None,
    )
    .await;
    assert_eq!(list["fundraisers"][0]["raised_minor"], 3_000);
    let (status, _) = staff(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/staff/campaigns/open/fundraisers?review=gone",
        None,
    )
    .await;
    assert_eq!(status, 422);

    // Off: no new pages; the campaign's page offers none.
    staff(
        &app,
        &token,
        reqwest::Method::PUT,
        "/api/v1/staff/campaigns/open/fundraising",
        Some(json!({"pages": "off"})),
    )
    .await;
    assert_eq!(get_page(&app, "/donate/open/fundraise").await.0, 404);
    let (status, _, _) = post_json(
        &app,
        "/api/v1/campaigns/open/fundraisers",
        &page_input("Gus", "gus@example.org"),
    )
    .await;
    assert_eq!(status, 404);
    let (_, _, html) = get_page(&app, "/donate/open").await;
    assert!(!html.contains("start-fundraiser"), "no way to start one");
    // A gift naming a page of another campaign, or none at all, is refused by name.
    let (status, _, refused) = post_json(
        &app,
        "/api/v1/campaigns/demo/checkout",
        &json!({"amount": "10", "frequency": "one_time", "donor": {"name": "Fay", "email": "fay@example.org"}, "fundraiser": "dee-bikes"}),
    )
    .await;
    assert_eq!(
        (status, refused["errors"][0]["field"].as_str()),
        (422, Some("fundraiser"))
    );
}

/// Bad fields are named; limits per client and per address; the same answer for any address.
async fn sign_up_errors_limits_and_the_same_answer(b: Backend) {
    let app = spawn(
        &b,
        &[
            ("FUNDRAISER_RATE_PER_IP", "6/hour"),
            ("FUNDRAISER_RATE_PER_EMAIL", "2/day"),
        ],
    )
    .await;
    let c = app.store.campaign_by_slug("demo").await.unwrap().unwrap();

    // 1: invalid fields, each named; nothing is made or sent.
    let (status, _, e) = post_json(
        &app,
        "/api/v1/campaigns/demo/fundraisers",
        &json!({"name": "ana@example.org", "email": "not an address", "goal": "0.10", "slug": "Ana"}),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    let fields: Vec<_> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "goal", "email", "slug"]);
    assert!(outbox_of_kind(&app, "fundraiser_welcome").await.is_empty());
    // 2, 3: two pages of one name; the second's address is made unique.
    let first = start(&app, "demo", &page_input("Ana Pérez", "ana@example.org")).await;
    let second = start(&app, "demo", &page_input("Ana Pérez", "ana2@example.org")).await;
    assert_eq!(
        (first.slug.as_str(), second.slug.as_str()),
        ("ana-perez", "ana-perez-2")
    );
    // 4: an address asked for is refused by name when taken.
    let mut taken = page_input("Other Ana", "ana3@example.org");
    taken["slug"] = "ana-perez".into();
    let (status, _, e) = post_json(&app, "/api/v1/campaigns/demo/fundraisers", &taken).await;
    assert_eq!(
        (status, e["errors"][0]["field"].as_str()),
        (422, Some("slug"))
    );
    // 5: an address sent its allowance (2 a day) gets the same answer and nothing more.
    let (status, _, _) = post_json(
        &app,
        "/api/v1/campaigns/demo/fundraisers",
        &page_input("Ana Again", "ANA@example.org"),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _, _) = post_json(
        &app,
        "/api/v1/campaigns/demo/fundraisers",
        &page_input("Ana Thrice", "ana@example.org"),
    )
    .await;
    assert_eq!(status, 202, "6");
    assert_eq!(
        app.store
            .fundraisers_owned_by("ana@example.org")
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        app.store
            .fundraiser_by_slug(c.id, "ana-thrice")
            .await
            .unwrap()
            .is_none()
    );
    // 7: the client's allowance is spent (6 an hour): 429 with Retry-After, for the form too.
    let (status, headers, _) = post_json(
        &app,
        "/api/v1/campaigns/demo/fundraisers",
        &page_input("Hal", "hal@example.org"),
    )
    .await;
    assert_eq!(status, 429);
    assert!(header(&headers, "retry-after").parse::<u64>().unwrap() > 0);
    let (status, headers, body) = post_form(
        &app,
        "/donate/demo/fundraise",
        None,
        &[
            ("name", "Hal"),
            ("email", "hal@example.org"),
            ("goal", "100"),
        ],
    )
    .await;
    assert_eq!(status, 429);
    assert!(body.contains("Too many requests") && !header(&headers, "retry-after").is_empty());
    // The lost-link form is limited by the same allowance.
    assert_eq!(
        post_form(
            &app,
            "/fundraisers/manage",
            None,
            &[("email", "ana@example.org")]
        )
        .await
        .0,
        429
    );
}

async fn lost_links_answer_the_same_for_any_address(b: Backend) {
    let app = spawn(&b, &[]).await;
    start(&app, "demo", &page_input("Ana Pérez", "Ana@Example.org")).await;
    // The honeypot: the same answer, nothing made.
    let mut bot = page_input("Bot", "bot@example.org");
    bot["website"] = "http://spam.example".into();
    let (status, _, _) = post_json(&app, "/api/v1/campaigns/demo/fundraisers", &bot).await;
    assert_eq!(status, 202);
    assert!(
        app.store
            .fundraisers_owned_by("bot@example.org")
            .await
            .unwrap()
            .is_empty()
    );

    let (status, _, known) = post_form(
        &app,
        "/fundraisers/manage",
        None,
        &[("email", " ana@EXAMPLE.org ")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, unknown) = post_form(
        &app,
        "/fundraisers/manage",
        None,
        &[("email", "nobody@example.org")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(known, unknown, "the answer says nothing about the address");
    let links = outbox_of_kind(&app, "fundraiser_links").await;
    assert_eq!(links.len(), 1, "only the known address is emailed");
    assert_eq!(
        links[0].recipient, "Ana@Example.org",
        "at the address on file"
    );
    let link = link_in_mail(&app, "fundraiser_links").await;
    assert_eq!(get_page(&app, &link).await.0, 200);
    let (status, _, bad) = post_form(&app, "/fundraisers/manage", None, &[("email", "nope")]).await;
    assert_eq!(status, 422);
    assert!(
        bad.contains("This email address is not a valid email address"),
        "{bad}"
    );
    assert_eq!(get_page(&app, "/fundraisers/manage").await.0, 200);
}

/// The owner's link: bad, expired, of the other kind; an edit checked and saved.
async fn the_owners_link_and_edits(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let f = start(&app, "demo", &page_input("Ana Pérez", "ana@example.org")).await;
    let link = link_in_mail(&app, "fundraiser_welcome").await;

    let (status, headers, body) = get_page(&app, "/fundraisers/manage/fr_x.99.abcd").await;
    assert_eq!(status, 400);
    assert!(body.contains("This link is not valid") && body.contains("/fundraisers/manage"));
    assert_eq!(header(&headers, "x-robots-tag"), "noindex, nofollow");
    let expired = manage_link::sign_as(SECRET.as_bytes(), LinkKind::Fundraiser, &f.id, now() - 1);
    assert_eq!(
        get_page(&app, &format!("/fundraisers/manage/{expired}"))
            .await
            .0,
        410
    );
    // A donor's link naming the page's id opens nothing, and the page's link no gift.
    let gift_kind = manage_link::sign(SECRET.as_bytes(), &f.id, now() + 600);
    assert_eq!(
        get_page(&app, &format!("/fundraisers/manage/{gift_kind}"))
            .await
            .0,
        400
    );
    let token_part = link.trim_start_matches("/fundraisers/manage/");
    assert_eq!(
        get_page(&app, &format!("/manage/{token_part}")).await.0,
        400
    );
    assert_eq!(
        post_form(
            &app,
            &format!("/fundraisers/manage/{expired}/confirm"),
            None,
            &[]
        )
        .await
        .0,
        410
    );

    // An edit with a bad goal saves nothing and names the field; a good one saves and confirms.
    let (status, _, body) = post_form(
        &app,
        &link,
        None,
        &[
            ("name", "Ana P."),
            ("goal", "lots"),
            ("title", "New title"),
            ("story", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("fr-goal-error") && body.contains(r#"value="New title""#),
        "{body}"
    );
    assert_eq!(
        app.store.fundraiser(&f.id).await.unwrap().unwrap().title,
        ""
    );
    let (status, headers, _) = post_form(
        &app,
        &link,
        None,
        &[
            ("name", "Ana P."),
            ("goal", "750"),
            ("title", "Ana runs again"),
            ("story", "Miles\nand miles"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(header(&headers, "location").ends_with("?done=saved"));
    let saved = app.store.fundraiser(&f.id).await.unwrap().unwrap();
    assert_eq!(
        (saved.name.as_str(), saved.goal_minor, saved.title.as_str()),
        ("Ana P.", 75_000, "Ana runs again")
    );
    assert!(saved.confirmed_at.is_some(), "saving confirms the address");
    let (_, _, body) = get_page(&app, &format!("{link}?done=saved")).await;
    assert!(body.contains("Your page is saved."));

    // Approved, then edited: public still, and staff see the edit.
    staff(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/staff/fundraisers/{}/approve", f.id),
        None,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    post_form(
        &app,
        &link,
        None,
        &[
            ("name", "Ana P."),
            ("goal", "750"),
            ("title", "Ana runs a third time"),
            ("story", ""),
        ],
    )
    .await;
    let (_, list) = staff(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/staff/campaigns/demo/fundraisers",
        None,
    )
    .await;
    assert_eq!(list["fundraisers"][0]["edited_since_review"], true);
    let (status, _, html) = get_page(&app, "/donate/demo/f/ana-perez").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ana runs a third time"),
        "this server's edit shows at once"
    );
}

/// A paid gift on the page, refunded in part, then disputed and lost: the page moves exactly as
/// the campaign does, and a gift on no page moves only the campaign.
async fn refunds_and_disputes_move_the_page_and_the_campaign_alike(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let c = campaign(&app, "money", 10_000_000).await;
    let f = start(&app, "money", &page_input("Ana Pérez", "ana@example.org")).await;
    make_public(&app, &token, &f).await;

    let d = pending_donation_on(
        app.store.as_ref(),
        &c,
        Some(&f.id),
        "one_time",
        10_000,
        10_000,
        "eve@example.org",
        |_| {},
    )
    .await;
    let v = gift_vars(&d, "money", "pg1");
    let send = |kind: &'static str, v: Vars, id: &'static str| {
        let payload = event(kind, &with(&v, &[("EVENT_ID", id.to_string())]));
        let store = app.store.clone();
        async move { ingest(store.as_ref(), &payload).await }
    };
    let elsewhere = pending_donation_on(
        app.store.as_ref(),
        &c,
        None,
        "one_time",
        7_000,
        7_000,
        "eve@example.org",
        |_| {},
    )
    .await;
    send(
        "checkout.session.completed",
        gift_vars(&elsewhere, "money", "pg2"),
        "evt_pg2",
    )
    .await;
    send("checkout.session.completed", v.clone(), "evt_pg1_cs").await;
    send("charge.succeeded", v.clone(), "evt_pg1_ch").await;
    let page = || page_progress(&app, "money", "ana-perez");
    assert_eq!(figures(&page().await), (10_000, 1, 1, 0, 0));
    assert_eq!(
        figures(&app.progress("money").await),
        (17_000, 2, 1, 0, 0),
        "one donor in all"
    );
    let refund = with(
        &v,
        &[
            ("REFUND_ID", "re_pg1".into()),
            ("AMOUNT_MINOR", "2500".into()),
            ("REFUND_STATUS", "succeeded".into()),
        ],
    );
    send("refund.created", refund.clone(), "evt_pg1_re").await;
    send("refund.created", refund, "evt_pg1_re").await;
    assert_eq!(figures(&page().await).0, 7_500);
    assert_eq!(figures(&app.progress("money").await).0, 14_500);
    let dispute = with(&v, &[("AMOUNT_MINOR", "7500".into())]);
    send(
        "charge.dispute.funds_withdrawn",
        dispute.clone(),
        "evt_pg1_dw",
    )
    .await;
    send("charge.dispute.created", dispute.clone(), "evt_pg1_dc").await;
    assert_eq!(
        figures(&page().await),
        (0, 0, 0, 0, 0),
        "a lost chargeback takes all of it"
    );
    assert_eq!(figures(&app.progress("money").await), (7_000, 1, 1, 0, 0));
    let won = with(&dispute, &[("DISPUTE_STATUS", "won".into())]);
    send("charge.dispute.funds_reinstated", won, "evt_pg1_dr").await;
    assert_eq!(
        figures(&page().await),
        (7_500, 1, 1, 0, 0),
        "and gives it back when won"
    );
    assert_eq!(figures(&app.progress("money").await), (14_500, 2, 1, 0, 0));
}

/// The page and its progress are kept in memory like the campaign's: this server's commits
/// show at once; an unchanged page answers 304 to its ETag.
async fn the_page_is_kept_like_the_campaigns(b: Backend) {
    let app = spawn(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    let token = app.staff_token("admin").await;
    let c = campaign(&app, "kept", 1_000_000).await;
    let f = start(&app, "kept", &page_input("Ana Pérez", "ana@example.org")).await;
    make_public(&app, &token, &f).await;
    let (_, _, one) = get_page(&app, "/donate/kept/f/ana-perez").await;
    let (_, _, two) = get_page(&app, "/donate/kept/f/ana-perez").await;
    let key = |html: &str| {
        let at = html.find(r#"name="idempotency_key" value=""#).unwrap() + 30;
        html[at..].split('"').next().unwrap().to_string()
    };
    assert_ne!(
        key(&one),
        key(&two),
        "one form key per view, also from memory"
    );
    let r = app
        .client
        .get(app.at("/api/v1/campaigns/kept/fundraisers/ana-perez"))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.at("/api/v1/campaigns/kept/fundraisers/ana-perez"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // A gift on the page, through this server's ledger: shown at once on both.
    paid_on(&app, &c, &f, 4_200, "kp1").await;
    assert_eq!(
        figures(&page_progress(&app, "kept", "ana-perez").await).0,
        4_200
    );
    let (_, _, html) = get_page(&app, "/donate/kept/f/ana-perez").await;
    assert!(html.contains("$42.00"), "the page's figures moved");
    let (_, _, campaign_page) = get_page(&app, "/donate/kept").await;
    assert!(
        campaign_page.contains("id=\"top-fundraisers\""),
        "and the campaign's list"
    );
}

/// The dashboard's list: each page with its standing; Approve and Hide with the session's CSRF
/// token; the policy for admins.
async fn the_dashboard_reviews_pages(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let f = start(&app, "demo", &page_input("Ana Pérez", "ana@example.org")).await;
    confirm(&app, &link_in_mail(&app, "fundraiser_welcome").await).await;
    let (_, headers, _) = sign_in(&app, &token).await;
    let cookie = session_cookie(&headers);
    let (status, page) =
        get_with_cookie(&app, "/dashboard/campaigns/demo/fundraisers", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Awaiting review") && page.contains("ana@example.org"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let approve = format!("/dashboard/campaigns/demo/fundraisers/{}/approve", f.id);
    assert_eq!(
        post_form(&app, &approve, Some(&cookie), &[("csrf", "wrong")])
            .await
            .0,
        403
    );
    let (status, headers, _) = post_form(&app, &approve, Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(header(&headers, "location").ends_with("/fundraisers?done=approved"));
    let (_, page) = get_with_cookie(
        &app,
        "/dashboard/campaigns/demo/fundraisers?done=approved",
        &cookie,
    )
    .await;
    assert!(
        page.contains("Page approved.") && page.contains(">Public<"),
        "{page}"
    );
    assert_eq!(get_page(&app, "/donate/demo/f/ana-perez").await.0, 200);
    let hide = format!("/dashboard/campaigns/demo/fundraisers/{}/hide", f.id);
    assert_eq!(
        post_form(&app, &hide, Some(&cookie), &[("csrf", &csrf)])
            .await
            .0,
        303
    );
    assert_eq!(get_page(&app, "/donate/demo/f/ana-perez").await.0, 404);
    let (status, _, _) = post_form(
        &app,
        "/dashboard/campaigns/demo/fundraising",
        Some(&cookie),
        &[("csrf", &csrf), ("pages", "open")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get_with_cookie(&app, "/dashboard/campaigns/demo/fundraisers", &cookie).await;
    assert!(page.contains(r#"data-policy="open""#), "{page}");
    // A page of another campaign is not this campaign's to review.
    let other = campaign(&app, "other", 1_000).await;
    let _ = other;
    let wrong = format!("/dashboard/campaigns/other/fundraisers/{}/approve", f.id);
    assert_eq!(
        post_form(&app, &wrong, Some(&cookie), &[("csrf", &csrf)])
            .await
            .0,
        404
    );
}

/// A supporter's words are shown as text, never as markup; a canceled checkout returns to the
/// page it started on.
async fn a_supporters_words_are_text_and_a_canceled_gift_returns_to_the_page(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("admin").await;
    let f = start(
        &app,
        "demo",
        &json!({
            "name": "Ana <img src=x onerror=alert(1)>", "email": "ana@example.org", "goal": "100",
            "title": "</title><script>alert(1)</script>", "story": "<b>bold</b>\n<a href=x>link</a>",
            "slug": "ana"
        }),
    )
    .await;
    make_public(&app, &token, &f).await;
    for path in ["/donate/demo/f/ana", "/donate/demo"] {
        let (status, _, html) = get_page(&app, path).await;
        assert_eq!(status, 200);
        for raw in ["<script>alert", "<img src=x", "<b>bold", "<a href=x>"] {
            assert!(!html.contains(raw), "{path} shows {raw} as markup");
        }
        assert!(!html.contains("</title><script>"), "{path}");
        assert!(
            html.contains("&#60;/title&#62;&#60;script&#62;alert(1)"),
            "{path}: shown escaped"
        );
    }
    let id = give_on(
        &app,
        "/donate/demo/f/ana",
        &[
            ("amount", "25"),
            ("frequency", "one_time"),
            ("name", "Ben"),
            ("email", "ben@example.org"),
        ],
    )
    .await;
    let r = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let back = r.headers()["location"].to_str().unwrap();
    // (In the language the gift was made in, as every return from checkout.)
    assert!(
        back.ends_with("/donate/demo/f/ana?canceled=1&lang=en"),
        "{back}"
    );
    assert_eq!(get_page(&app, "/donate/demo/f/ana?canceled=1").await.0, 200);
}

backend_tests!(
    a_supporters_words_are_text_and_a_canceled_gift_returns_to_the_page,
    the_sandbox_walk_a_page_and_two_friends,
    the_campaigns_policy_and_hidden_pages,
    sign_up_errors_limits_and_the_same_answer,
    lost_links_answer_the_same_for_any_address,
    the_owners_link_and_edits,
    refunds_and_disputes_move_the_page_and_the_campaign_alike,
    the_page_is_kept_like_the_campaigns,
    the_dashboard_reviews_pages,
);
