//! Campaigns' public pages kept in memory (`http::public_reads`): the progress route and the
//! donation page are served without the database until this server commits a change, or until
//! `PROGRESS_CACHE_TTL` has passed for changes another server made; the donation page, and a
//! supporter's page, is kept once per language.

use std::time::{Duration, Instant};

use crate::helpers::{
    Backend, TestApp, campaign, event, gift_vars, ingest, pending_donation_on, public_page,
    spawn_app, spawn_beside, with,
};

/// A one-time gift of `total` paid through `app`'s own ledger (its store, as its webhook
/// route would).
async fn paid(app: &TestApp, slug: &str, total: i64, tag: &str) {
    paid_on(app, slug, None, total, tag).await
}

/// [`paid`], on the supporter's page `page` of `slug` when there is one.
async fn paid_on(app: &TestApp, slug: &str, page: Option<&str>, total: i64, tag: &str) {
    let c = app.store.campaign_by_slug(slug).await.unwrap().unwrap();
    let page_id = match page {
        Some(p) => Some(
            app.store
                .fundraiser_by_slug(c.id, p)
                .await
                .unwrap()
                .unwrap()
                .id,
        ),
        None => None,
    };
    let email = format!("{tag}@example.org");
    let store = app.store.as_ref();
    let d = pending_donation_on(
        store,
        &c,
        page_id.as_deref(),
        "one_time",
        total,
        total,
        &email,
        |_| {},
    )
    .await;
    let vars = with(
        &gift_vars(&d, slug, tag),
        &[("EVENT_ID", format!("evt_{tag}"))],
    );
    ingest(
        app.store.as_ref(),
        &event("checkout.session.completed", &vars),
    )
    .await;
}

async fn raised(app: &TestApp, slug: &str) -> i64 {
    app.progress(slug).await["raised_minor"].as_i64().unwrap()
}

/// The donation page's form key and whether the page shows `text`.
async fn page(app: &TestApp, slug: &str) -> String {
    let r = app
        .client
        .get(app.at(&format!("/donate/{slug}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn form_key(html: &str) -> String {
    let at = html
        .find(r#"name="idempotency_key" value=""#)
        .expect("the form's key")
        + 30;
    html[at..].split('"').next().unwrap().to_string()
}

async fn this_servers_commits_show_at_once_and_others_wait_for_the_ttl(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    campaign(&app, "kept", 1_000_000).await;
    let other = spawn_beside(&app, &[("PROGRESS_CACHE_TTL", "off")]).await;
    assert_eq!(raised(&app, "kept").await, 0);

    // Another server records a gift: it reads it at once, this one serves what it kept.
    paid(&other, "kept", 5_000, "ana").await;
    assert_eq!(raised(&other, "kept").await, 5_000);
    assert_eq!(
        raised(&app, "kept").await,
        0,
        "served from memory, not the database"
    );

    // A gift through this server's own ledger shows at once, with the other's.
    paid(&app, "kept", 2_500, "ben").await;
    assert_eq!(raised(&app, "kept").await, 7_500);
    let p = app.progress("kept").await;
    assert_eq!(
        (p["gifts"].as_i64(), p["donors"].as_i64()),
        (Some(2), Some(2))
    );
}

async fn another_servers_gifts_show_within_the_ttl(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "200ms")]).await;
    campaign(&app, "soon", 1_000_000).await;
    let other = spawn_beside(&app, &[]).await;
    assert_eq!(raised(&app, "soon").await, 0);
    paid(&other, "soon", 5_000, "ana").await;
    let start = Instant::now();
    while raised(&app, "soon").await != 5_000 {
        assert!(start.elapsed() < Duration::from_secs(30), "never showed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_staff_edit_shows_at_once(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    campaign(&app, "edit", 1_000_000).await;
    assert_eq!(app.progress("edit").await["goal_minor"], 1_000_000);
    let token = app.staff_token("ana").await;
    let r = app
        .client
        .patch(app.at("/api/v1/staff/campaigns/edit"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Renamed", "goal": "20000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let p = app.progress("edit").await;
    assert_eq!(
        (p["name"].as_str(), p["goal_minor"].as_i64()),
        (Some("Renamed"), Some(2_000_000))
    );
    assert!(page(&app, "edit").await.contains("Renamed"));
}

async fn the_kept_donation_page_gives_each_view_its_own_form_key(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    campaign(&app, "page", 1_000_000).await;
    let other = spawn_beside(&app, &[]).await;
    let (first, second) = (page(&app, "page").await, page(&app, "page").await);
    let (k1, k2) = (form_key(&first), form_key(&second));
    assert_ne!(
        k1, k2,
        "a double submission of one view is one gift; two views are two"
    );
    assert!(
        !k1.contains("placeholder") && uuid::Uuid::parse_str(&k1).is_ok(),
        "{k1}"
    );
    assert_eq!(
        first.replace(&k1, ""),
        second.replace(&k2, ""),
        "otherwise the same page"
    );

    paid(&other, "page", 5_317, "ana").await;
    assert!(
        !page(&app, "page").await.contains("$53.17"),
        "kept as it was"
    );
    paid(&app, "page", 2_500, "ben").await;
    let now = page(&app, "page").await;
    assert!(
        now.contains("$78.17"),
        "this server's gift shows at once, with the other's"
    );
    // A page that comes back from a canceled checkout is rendered as it always was.
    let r = app
        .client
        .get(app.at("/donate/page?canceled=1"))
        .send()
        .await
        .unwrap();
    let canceled = r.text().await.unwrap();
    assert!(uuid::Uuid::parse_str(&form_key(&canceled)).is_ok());
}

/// The donation page at `path` (with its query), read with `Accept-Language: accept`.
async fn page_at(app: &TestApp, path: &str, accept: &str) -> String {
    let r = app
        .client
        .get(app.at(path))
        .header("accept-language", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn is_english(html: &str) -> bool {
    html.contains("<html lang=\"en\">")
        && html.contains("Continue to payment")
        && !html.contains("Continuar al pago")
}

fn is_spanish(html: &str) -> bool {
    html.contains("<html lang=\"es\">")
        && html.contains("Continuar al pago")
        && html.contains(r#"<input type="hidden" name="lang" value="es">"#)
        && !html.contains("Continue to payment")
}

async fn the_kept_donation_page_is_kept_in_each_language(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    campaign(&app, "bilingual", 1_000_000).await;
    let other = spawn_beside(&app, &[]).await;
    // Spanish first: the English page read next is not the Spanish one kept.
    let es = page_at(&app, "/donate/bilingual?lang=es", "en").await;
    assert!(is_spanish(&es), "{es}");
    let en = page_at(&app, "/donate/bilingual", "en-US,en;q=0.9").await;
    assert!(is_english(&en), "{en}");

    // Another server's gift: each language's page is served as it was kept.
    paid(&other, "bilingual", 5_317, "ana").await;
    let es_kept = page_at(&app, "/donate/bilingual?lang=es", "en").await;
    let es_by_browser = page_at(&app, "/donate/bilingual", "es-MX,es;q=0.9").await;
    let en_kept = page_at(&app, "/donate/bilingual?lang=en", "es").await;
    for (html, spanish) in [(&es_kept, true), (&es_by_browser, true), (&en_kept, false)] {
        assert_eq!(is_spanish(html), spanish, "{html}");
        assert_eq!(is_english(html), !spanish, "{html}");
        assert!(!html.contains("$53.17"), "kept as it was: {html}");
    }
    // One page per language, a fresh form key per view.
    let (k1, k2) = (form_key(&es), form_key(&es_kept));
    assert_ne!(k1, k2);
    assert!(uuid::Uuid::parse_str(&k2).is_ok(), "{k2}");
    assert_eq!(es.replace(&k1, ""), es_kept.replace(&k2, ""));
    assert_eq!(
        es_kept.replace(&k2, ""),
        es_by_browser.replace(&form_key(&es_by_browser), ""),
        "?lang=es and a Spanish browser read the same kept page"
    );
    // The page a canceled checkout comes back to is not kept: read afresh, in its language.
    let canceled = page_at(&app, "/donate/bilingual?canceled=1&lang=es", "en").await;
    assert!(is_spanish(&canceled), "{canceled}");
    assert!(canceled.contains("Se canceló el pago"), "{canceled}");
    assert!(canceled.contains("$53.17"), "read afresh: {canceled}");

    // This server's own gift shows at once in both.
    paid(&app, "bilingual", 2_500, "ben").await;
    let es_now = page_at(&app, "/donate/bilingual?lang=es", "en").await;
    let en_now = page_at(&app, "/donate/bilingual", "en").await;
    assert!(is_spanish(&es_now) && es_now.contains("$78.17"), "{es_now}");
    assert!(is_english(&en_now) && en_now.contains("$78.17"), "{en_now}");
}

/// The supporter's page's own figure: what its header says it raised.
fn page_raised(html: &str) -> &str {
    let at = html
        .find(r#"<strong id="page-raised">"#)
        .expect("the page's figures")
        + 25;
    html[at..].split('<').next().unwrap()
}

async fn a_supporters_page_is_kept_in_each_language(b: Backend) {
    let app = spawn_app(&b, &[("PROGRESS_CACHE_TTL", "60s")]).await;
    let c = campaign(&app, "peer", 1_000_000).await;
    public_page(app.store.as_ref(), &c, "rosa").await;
    let other = spawn_beside(&app, &[]).await;
    let path = "/donate/peer/f/rosa";
    let english = |html: &str| {
        is_english(html)
            && html.contains("<title>Supporter rosa is raising money for Campaign peer</title>")
            && html.contains("Share this page")
            && html.contains(r#"href="/donate/peer?lang=en">Campaign peer</a>"#)
    };
    let spanish = |html: &str| {
        is_spanish(html)
            && html.contains("<title>Supporter rosa recauda fondos para Campaign peer</title>")
            && html.contains("Comparta esta página")
            && html.contains(r#"href="/donate/peer?lang=es">Campaign peer</a>"#)
    };
    // Spanish first: the English page read next is not the Spanish one kept.
    let es = page_at(&app, &format!("{path}?lang=es"), "en").await;
    assert!(spanish(&es), "{es}");
    let en = page_at(&app, path, "en-US,en;q=0.9").await;
    assert!(english(&en), "{en}");
    assert_eq!((page_raised(&es), page_raised(&en)), ("$0.00", "$0.00"));

    // Another server's gift on the page: each language's page is served as it was kept.
    paid_on(&other, "peer", Some("rosa"), 5_317, "ana").await;
    let es_kept = page_at(&app, &format!("{path}?lang=es"), "en").await;
    let es_by_browser = page_at(&app, path, "es-MX,es;q=0.9").await;
    let en_kept = page_at(&app, &format!("{path}?lang=en"), "es").await;
    assert!(spanish(&es_kept) && spanish(&es_by_browser), "{es_kept}");
    assert!(english(&en_kept), "{en_kept}");
    for html in [&es_kept, &es_by_browser, &en_kept] {
        assert_eq!(page_raised(html), "$0.00", "kept as it was: {html}");
    }
    // One page per language, a fresh form key per view.
    let (k1, k2) = (form_key(&es), form_key(&es_kept));
    assert_ne!(k1, k2);
    assert_eq!(es.replace(&k1, ""), es_kept.replace(&k2, ""));
    assert_eq!(
        es_kept.replace(&k2, ""),
        es_by_browser.replace(&form_key(&es_by_browser), ""),
        "?lang=es and a Spanish browser read the same kept page"
    );
    assert_eq!(
        en.replace(&form_key(&en), ""),
        en_kept.replace(&form_key(&en_kept), "")
    );
    // The other server, which kept nothing, reads it afresh in each language.
    let es_there = page_at(&other, &format!("{path}?lang=es"), "en").await;
    let en_there = page_at(&other, path, "en").await;
    assert!(spanish(&es_there) && english(&en_there), "{es_there}");
    assert_eq!(
        (page_raised(&es_there), page_raised(&en_there)),
        ("$53.17", "$53.17")
    );

    // This server's own gift shows at once in both, with the other's.
    paid_on(&app, "peer", Some("rosa"), 2_500, "ben").await;
    let es_now = page_at(&app, &format!("{path}?lang=es"), "en").await;
    let en_now = page_at(&app, path, "en").await;
    assert!(spanish(&es_now) && english(&en_now), "{es_now}");
    assert_eq!(
        (page_raised(&es_now), page_raised(&en_now)),
        ("$78.17", "$78.17")
    );
    assert!(
        es_now.contains("<strong>Test</strong> donó $25.00"),
        "{es_now}"
    );
    assert!(
        en_now.contains("<strong>Test</strong> gave $25.00"),
        "{en_now}"
    );
}

backend_tests!(
    this_servers_commits_show_at_once_and_others_wait_for_the_ttl,
    another_servers_gifts_show_within_the_ttl,
    a_staff_edit_shows_at_once,
    the_kept_donation_page_gives_each_view_its_own_form_key,
    the_kept_donation_page_is_kept_in_each_language,
    a_supporters_page_is_kept_in_each_language,
);
