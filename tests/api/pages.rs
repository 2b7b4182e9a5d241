//! The HTML pages over HTTP, on both backends: the donation page (campaign, fee quote, no-JS form
//! post, errors next to their fields, escaping, framing), the thank-you page, and the staff
//! dashboard's sign-in, session cookie, CSRF checks and session end on token revocation.

use crate::helpers::pages::{
    csrf_of, get_page, get_with_cookie, header, no_redirects, post_form, session_cookie, sign_in,
};
use crate::helpers::{Backend, spawn_app};

fn good_gift<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("amount", "100"),
        ("custom_amount", ""),
        ("frequency", "monthly"),
        ("cover_fee", "true"),
        ("name", "Ana Pérez"),
        ("email", "ana@example.org"),
        ("tribute_kind", "honor"),
        ("honoree", "Lynda Callon"),
        ("notify_email", ""),
        ("tribute_message", ""),
        ("comment", "Keep going"),
        ("idempotency_key", "k-1"),
    ]
}

async fn donation_page_shows_the_campaign_and_the_quote(backend: Backend) {
    let app = spawn_app(
        &backend,
        &[(
            "ALLOWED_ORIGINS",
            "https://www.example.org,https://friends.example.net",
        )],
    )
    .await;
    let (status, headers, body) = get_page(&app, "/donate/demo").await;
    assert_eq!(status, 200, "{body}");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert!(body.contains("<h1>Demo campaign</h1>"), "{body}");
    assert!(body.contains("<progress"));
    // The quote for the default $50 gift, as the fee-quote API computes it.
    let (_, q) = app
        .get_json("/api/v1/campaigns/demo/fee-quote?amount=50&cover_fee=true")
        .await;
    let fee = q["fee_minor"].as_i64().unwrap();
    let shown = format!(
        "<span id=\"fee-amount\">${}.{:02}</span>",
        fee / 100,
        fee % 100
    );
    assert!(body.contains(&shown), "expected {shown}");
    for label in [
        "$25.00", "$50.00", "$100.00", "$250.00", "Monthly", "Annual",
    ] {
        assert!(body.contains(label), "missing {label}");
    }
    // Framing only by this site and ALLOWED_ORIGINS; scripts and styles only ours.
    let csp = header(&headers, "content-security-policy");
    let ancestors = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("frame-ancestors"))
        .expect("frame-ancestors");
    assert_eq!(
        ancestors,
        "frame-ancestors 'self' https://www.example.org https://friends.example.net"
    );
    assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert!(headers.get("x-frame-options").is_none());
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    // No asset from anywhere else.
    assert!(!body.contains("src=\"http") && !body.contains("href=\"http"));
    let (s, h, js) = get_page(&app, "/assets/donate.js").await;
    assert_eq!(s, 200);
    assert!(header(&h, "content-type").starts_with("text/javascript"));
    assert!(js.contains("fee-quote"));
    // Framed, the page tells its frame how tall it is; the embed snippet's script sizes it.
    assert!(js.contains("donations:height"));
    assert!(
        body.contains("target=\"_top\""),
        "the form leaves the frame for checkout"
    );
    let (s, h, embed) = get_page(&app, "/assets/embed.js").await;
    assert_eq!(s, 200);
    assert!(header(&h, "content-type").starts_with("text/javascript"));
    assert!(embed.contains("a.donations-embed") && embed.contains("e.origin !== origin"));
    let (s, _, _) = get_page(&app, "/assets/app.css").await;
    assert_eq!(s, 200);
    let (s, _, _) = get_page(&app, "/donate/no-such-campaign").await;
    assert_eq!(s, 404);
}

async fn form_post_redirects_to_checkout_or_shows_errors(backend: Backend) {
    let app = spawn_app(&backend, &[]).await;
    let (status, headers, body) = post_form(&app, "/donate/demo", None, &good_gift()).await;
    assert_eq!(status, 303, "{body}");
    let location = header(&headers, "location").to_string();
    assert!(location.contains("/sandbox/checkout/don_"), "{location}");
    let id = location.rsplit('/').next().unwrap();
    let d = app.store.donation(id).await.unwrap().expect("donation");
    assert_eq!(d.gift_minor, 10_000);
    assert!(d.fee_minor > 0);
    assert_eq!(d.frequency.as_str(), "monthly");
    assert_eq!(d.tribute_kind.as_deref(), Some("honor"));
    assert_eq!(d.tribute_honoree.as_deref(), Some("Lynda Callon"));
    assert_eq!(d.comment.as_deref(), Some("Keep going"));
    // The same form posted twice (a double click) is one donation.
    let (_, again, _) = post_form(&app, "/donate/demo", None, &good_gift()).await;
    assert_eq!(header(&again, "location"), location);

    // The same page's form sent again with other details (back button): the donor is asked to
    // confirm, and the confirmed form goes through as a new gift.
    let mut changed = good_gift();
    changed.retain(|(k, _)| *k != "amount");
    changed.push(("amount", "250"));
    let (status, _, body) = post_form(&app, "/donate/demo", None, &changed).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("already sent with other details"), "{body}");
    assert!(
        !body.contains("value=\"k-1\""),
        "a new key for the next try"
    );
    let key = body
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    changed.retain(|(k, _)| *k != "idempotency_key");
    changed.push(("idempotency_key", &key));
    let (status, headers, _) = post_form(&app, "/donate/demo", None, &changed).await;
    assert_eq!(status, 303);
    assert_ne!(header(&headers, "location"), location);

    // A custom amount, no fee, anonymous.
    let mut custom = good_gift();
    custom
        .retain(|(k, _)| !["amount", "custom_amount", "cover_fee", "idempotency_key"].contains(k));
    custom.extend([
        ("amount", "other"),
        ("custom_amount", "12.34"),
        ("anonymous", "true"),
    ]);
    let (status, headers, _) = post_form(&app, "/donate/demo", None, &custom).await;
    assert_eq!(status, 303);
    let id = header(&headers, "location").rsplit('/').next().unwrap();
    let d = app.store.donation(id).await.unwrap().unwrap();
    assert_eq!((d.gift_minor, d.fee_minor, d.anonymous), (1234, 0, true));

    // Bad input: the page again, each error next to its field, the donor's input kept.
    let bad = [
        ("amount", "other"),
        ("custom_amount", "abc"),
        ("frequency", "one_time"),
        ("name", "Ana"),
        ("email", "not-an-email"),
        ("tribute_kind", "memory"),
        ("honoree", ""),
    ];
    let (status, headers, body) = post_form(&app, "/donate/demo", None, &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    for (input, error) in [
        ("custom-amount", "amount-error"),
        ("donor-email", "donor-email-error"),
        ("honoree", "honoree-error"),
    ] {
        assert!(
            body.contains(&format!("id=\"{error}\"")),
            "no {error} in the page"
        );
        let tag_start = body.find(&format!("id=\"{input}\"")).expect(input);
        let tag = &body[tag_start..tag_start + body[tag_start..].find('>').unwrap()];
        assert!(
            tag.contains("aria-invalid=\"true\"")
                && tag.contains(&format!("aria-describedby=\"{error}\"")),
            "{input}: {tag}"
        );
    }
    assert!(!body.contains("id=\"donor-name-error\""));
    assert!(body.contains("value=\"not-an-email\""));
    assert!(body.contains("value=\"abc\""));
}

async fn donor_text_is_escaped(backend: Backend) {
    let app = spawn_app(&backend, &[]).await;
    let nasty = "<script>alert(1)</script>";
    let form = [
        ("amount", "50"),
        ("frequency", "one_time"),
        ("name", nasty),
        ("email", "\"><img src=x onerror=alert(1)>"),
        ("comment", "<b>bold</b>"),
    ];
    let (status, _, body) = post_form(&app, "/donate/demo", None, &form).await;
    assert_eq!(status, 422, "{body}");
    assert!(!body.contains("<script>alert"), "unescaped script");
    assert!(
        !body.contains("<img src=x"),
        "unescaped attribute break-out"
    );
    assert!(body.contains("&lt;b&gt;bold&lt;/b&gt;") || body.contains("&#60;b&#62;"));

    // A stored gift whose tribute carries markup: escaped on the thank-you page.
    let c = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    let mut d = crate::helpers::pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        5000,
        5000,
        "x@example.org",
    )
    .await;
    d.tribute_kind = Some("honor".into());
    d.tribute_honoree = Some("<i>Grandma</i>".into());
    let id = donations::services::checkout::new_donation_id();
    d.id = id.clone();
    d.checkout_session_id = None;
    app.store.insert_donation(&d, None).await.unwrap();
    let (status, headers, body) =
        get_page(&app, &format!("/donate/demo/thanks?donation={id}")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("In honor of &lt;i&gt;Grandma&lt;/i&gt;")
            || body.contains("&#60;i&#62;Grandma"),
        "{body}"
    );
    assert!(!body.contains("<i>Grandma"));
    assert!(body.contains("$50.00"));
    // Still pending: the page reloads itself until the payment is confirmed.
    assert!(body.contains("http-equiv=\"refresh\""));
    assert!(header(&headers, "content-security-policy").contains("frame-ancestors 'self'"));
}

async fn dashboard_sessions(backend: Backend) {
    let app = spawn_app(&backend, &[]).await;
    let token = app.staff_token("ana").await;

    // Signed out: the sign-in form, framed by nobody.
    let (status, headers, body) = get_page(&app, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(body.contains("<label for=\"token\">Staff token</label>"));
    assert!(header(&headers, "content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(!header(&headers, "referrer-policy").is_empty());

    let (status, headers, body) = sign_in(&app, "dst_nope").await;
    assert_eq!(status, 401);
    assert!(!header(&headers, "set-cookie").starts_with("donations_session"));
    assert!(body.contains("id=\"token-error\""));
    // The sign-in form has its own CSRF check (a double-submit cookie).
    let (status, headers, _) =
        post_form(&app, "/dashboard/login", None, &[("token", &token)]).await;
    assert_eq!(status, 403);
    assert!(!header(&headers, "set-cookie").starts_with("donations_session"));

    let (status, headers, _) = sign_in(&app, &token).await;
    assert_eq!(status, 303);
    assert_eq!(header(&headers, "location"), "/dashboard");
    let set = header(&headers, "set-cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "http base URL: {set}");
    assert!(!set.contains(&token), "the cookie is not the token");
    let cookie = session_cookie(&headers);

    let (status, body) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert_eq!(status, 200);
    assert!(body.contains("Signed in as ana"));
    assert!(body.contains("Demo campaign"));
    let csrf = csrf_of(&body);
    let (status, body) = get_with_cookie(&app, "/dashboard/campaigns/demo", &cookie).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Recent donations") && body.contains("Download CSV"));

    // A form without the session's CSRF token is refused, and changes nothing.
    let (status, _, _) = post_form(
        &app,
        "/dashboard/campaigns/demo/offline-gifts",
        Some(&cookie),
        &[("amount", "10"), ("date", "2026-01-01"), ("method", "cash")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = post_form(
        &app,
        "/dashboard/logout",
        Some(&cookie),
        &[(
            "csrf",
            "0000000000000000000000000000000000000000000000000000000000000000",
        )],
    )
    .await;
    assert_eq!(status, 403);
    let (_, body) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert!(body.contains("Signed in as ana"), "still signed in");

    // With it, an offline gift is recorded and counts.
    let (status, headers, body) = post_form(
        &app,
        "/dashboard/campaigns/demo/offline-gifts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("amount", "10"),
            ("date", "2026-01-01"),
            ("method", "cash"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(header(&headers, "location").starts_with("/dashboard/campaigns/demo"));
    assert_eq!(app.progress("demo").await["raised_minor"], 1000);
    // Bad offline input: the page again with the error next to its field.
    let (status, _, body) = post_form(
        &app,
        "/dashboard/campaigns/demo/offline-gifts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("amount", "x"),
            ("date", "2026-01-01"),
            ("method", "cash"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"og-amount-error\""));

    // The CSV download needs the session.
    let r = no_redirects()
        .get(app.at("/dashboard/campaigns/demo/donations.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = no_redirects()
        .get(app.at("/dashboard/campaigns/demo/donations.csv"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("offline"));

    // Logout ends the session and clears the cookie.
    let (status, headers, _) =
        post_form(&app, "/dashboard/logout", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(
        headers.get_all("set-cookie").iter().any(|v| v
            .to_str()
            .unwrap()
            .starts_with("donations_session=;")
            && v.to_str().unwrap().contains("Max-Age=0"))
    );
    let (_, body) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert!(!body.contains("Signed in as"));

    // Revoking the token ends its sessions.
    let (_, headers, _) = sign_in(&app, &token).await;
    let cookie = session_cookie(&headers);
    let (_, body) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert!(body.contains("Signed in as ana"));
    assert!(app.store.revoke_staff_token("ana").await.unwrap());
    let (_, body) = get_with_cookie(&app, "/dashboard", &cookie).await;
    assert!(!body.contains("Signed in as"));
    assert!(body.contains("Staff token"));
    let (status, _, _) = sign_in(&app, &token).await;
    assert_eq!(status, 401);
}

async fn dashboard_cookie_is_secure_on_https(backend: Backend) {
    let app = spawn_app(
        &backend,
        &[("PUBLIC_BASE_URL", "https://donate.example.org")],
    )
    .await;
    let token = app.staff_token("bo").await;
    let (status, headers, _) = sign_in(&app, &token).await;
    assert_eq!(status, 303);
    let set = header(&headers, "set-cookie");
    assert!(
        set.contains("; Secure") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
}

async fn dashboard_campaign_forms(backend: Backend) {
    let app = spawn_app(&backend, &[]).await;
    let token = app.staff_token("cy").await;
    let (_, headers, _) = sign_in(&app, &token).await;
    let cookie = session_cookie(&headers);
    let (_, body) = get_with_cookie(&app, "/dashboard/campaigns/new", &cookie).await;
    let csrf = csrf_of(&body);
    let form = |slug: &'static str, goal: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("slug", slug.to_string()),
            ("name", "Roof <repair>".to_string()),
            ("goal", goal.to_string()),
            ("fee_percent", "2.2".to_string()),
            ("fee_fixed_minor", "30".to_string()),
            ("status", "active".to_string()),
            ("ends_at", "2030-12-31".to_string()),
        ]
    };
    let bad = form("roof", "lots");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = post_form(&app, "/dashboard/campaigns", Some(&cookie), &bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"f-goal-error\""));
    assert!(body.contains("Roof &lt;repair&gt;") || body.contains("Roof &#60;repair&#62;"));
    // An end date whose end is past what can be written (its next midnight is in the year
    // 10000): the form again, the date's own message, no panic and no dropped connection.
    let mut far = form("roof", "5000");
    far.retain(|(k, _)| *k != "ends_at");
    far.push(("ends_at", "9999-12-31".to_string()));
    let far: Vec<(&str, &str)> = far.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = post_form(&app, "/dashboard/campaigns", Some(&cookie), &far).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("id=\"f-ends_at-error\""), "{body}");
    assert!(body.contains("between 1970-01-01 and 2999-12-31"), "{body}");
    assert!(app.store.campaign_by_slug("roof").await.unwrap().is_none());
    let good = form("roof", "5000");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) =
        post_form(&app, "/dashboard/campaigns", Some(&cookie), &good).await;
    assert_eq!(status, 303, "{body}");
    assert!(header(&headers, "location").starts_with("/dashboard/campaigns/roof"));
    let c = app.store.campaign_by_slug("roof").await.unwrap().unwrap();
    assert_eq!((c.goal_minor, c.fee_percent.as_str()), (500_000, "2.2"));
    assert_eq!(
        c.ends_at,
        donations::services::reporting::parse_date("2031-01-01")
    );

    let edit = [
        ("csrf", csrf.as_str()),
        ("name", "Roof repair"),
        ("description", "New roof"),
        ("goal", "6000"),
        ("fee_percent", "2.2"),
        ("fee_fixed_minor", "30"),
        ("status", "closed"),
        ("hide_amounts", "true"),
        ("starts_at", ""),
        ("ends_at", ""),
    ];
    let (status, _, body) =
        post_form(&app, "/dashboard/campaigns/roof/edit", Some(&cookie), &edit).await;
    assert_eq!(status, 303, "{body}");
    let c = app.store.campaign_by_slug("roof").await.unwrap().unwrap();
    assert_eq!(
        (c.goal_minor, c.status.as_str(), c.hide_amounts, c.ends_at),
        (600_000, "closed", true, None)
    );
}

/// The hidden honeypot field: a bot that fills it is refused like a bad form, nothing recorded.
async fn honeypot_on_the_page_form(backend: Backend) {
    let app = spawn_app(&backend, &[]).await;
    let (_, _, page) = get_page(&app, "/donate/demo").await;
    assert!(
        page.contains("name=\"website\""),
        "the page carries the honeypot field"
    );
    let mut bot = good_gift();
    bot.push(("website", "https://spam.example"));
    let (status, _, body) = post_form(&app, "/donate/demo", None, &bot).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        !body.contains("spam.example"),
        "the trap's value is never shown back"
    );
    let (_, staff) = {
        let token = app.staff_token("ops").await;
        let r = app
            .client
            .get(app.at("/api/v1/staff/donations"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(
        staff["donations"].as_array().map(Vec::len),
        Some(0),
        "nothing recorded"
    );
    // A person leaves it empty and gets to checkout.
    let (status, _, _) = post_form(&app, "/donate/demo", None, &good_gift()).await;
    assert_eq!(status, 303);
}

/// The page form is no way around the checkout rate limits.
async fn page_form_is_rate_limited(backend: Backend) {
    let app = spawn_app(&backend, &[("CHECKOUT_RATE_PER_IP", "2/hour")]).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let key = format!("k-{i}");
        let mut gift = good_gift();
        gift.retain(|(k, _)| *k != "idempotency_key");
        gift.push(("idempotency_key", key.as_str()));
        let (status, headers, _) = post_form(&app, "/donate/demo", None, &gift).await;
        if status == 429 {
            assert!(!header(&headers, "retry-after").is_empty());
        }
        statuses.push(status);
    }
    assert_eq!(statuses, vec![303, 303, 429, 429]);
}

backend_tests!(
    page_form_is_rate_limited,
    honeypot_on_the_page_form,
    donation_page_shows_the_campaign_and_the_quote,
    form_post_redirects_to_checkout_or_shows_errors,
    donor_text_is_escaped,
    dashboard_sessions,
    dashboard_cookie_is_secure_on_https,
    dashboard_campaign_forms,
);
