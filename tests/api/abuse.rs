//! Card-testing defences over HTTP against a fake Stripe that counts Checkout Sessions: the
//! per-address and per-email limits (429 + Retry-After), `X-Forwarded-For` believed only from
//! trusted proxies, the honeypot field and each campaign's minimum gift; and `GET /metrics`
//! counting all of it. Invalid requests never spend a donor's email allowance, and IPv6
//! clients are limited per network (/64 by default). On PostgreSQL two servers share one set of
//! allowances. Limits are per hour so that no test depends on the machine's speed.

use std::sync::atomic::Ordering;

use crate::helpers::fake_stripe::with_counting_stripe;
use crate::helpers::{Backend, TestApp, campaign, spawn_app, spawn_beside};
use futures::StreamExt;
use serde_json::{Value, json};

fn gift(amount: &str, email: &str) -> Value {
    json!({
        "amount": amount, "frequency": "one_time", "cover_fee": false,
        "donor": {"name": "Ana Pérez", "email": email},
    })
}

/// Posts a checkout; returns the status, the Retry-After header and the body.
async fn post(app: &TestApp, body: &Value, xff: Option<&str>) -> (u16, Option<u64>, Value) {
    let mut req = app
        .client
        .post(app.at("/api/v1/campaigns/policy/checkout"))
        .json(body);
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

/// Sends `bodies` with 16 in flight; returns (status, retry-after) of each.
async fn burst(app: &TestApp, bodies: Vec<(Value, Option<String>)>) -> Vec<(u16, Option<u64>)> {
    futures::stream::iter(bodies)
        .map(|(b, xff)| async move {
            let (s, r, _) = post(app, &b, xff.as_deref()).await;
            (s, r)
        })
        .buffer_unordered(16)
        .collect()
        .await
}

fn tally(results: &[(u16, Option<u64>)]) -> (usize, usize) {
    for (s, r) in results {
        assert!(*s == 201 || *s == 429, "unexpected status {s}");
        if *s == 429 {
            assert!(r.is_some_and(|r| r >= 1), "429 without Retry-After");
        }
    }
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    (created, results.len() - created)
}

async fn a_burst_from_one_address_creates_at_most_the_allowed_sessions(b: Backend) {
    let (app, _stripe, fake) =
        with_counting_stripe(&b, &[("CHECKOUT_RATE_PER_IP", "10/hour")]).await;
    let bodies = (0..500)
        .map(|i| (gift("5.00", &format!("tester{i}@example.org")), None))
        .collect();
    let results = burst(&app, bodies).await;
    let (created, refused) = tally(&results);
    assert_eq!(created, 10);
    assert_eq!(refused, 490);
    assert_eq!(
        fake.created.load(Ordering::SeqCst),
        10,
        "sessions at Stripe"
    );
}

async fn the_email_limit_holds_across_addresses(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(
        &b,
        &[
            ("CHECKOUT_RATE_PER_IP", "2/hour"),
            ("CHECKOUT_RATE_PER_EMAIL", "3/hour"),
            ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ],
    )
    .await;
    // 40 addresses (each within its own limit), one donor email in varied case.
    let bodies = (0..40)
        .map(|i| {
            let email = if i % 2 == 0 {
                "Card.Tester@Example.org"
            } else {
                "card.tester@example.ORG"
            };
            (gift("5.00", email), Some(format!("203.0.113.{i}")))
        })
        .collect();
    let (created, refused) = tally(&burst(&app, bodies).await);
    assert_eq!((created, refused), (3, 37));
    assert_eq!(fake.created.load(Ordering::SeqCst), 3);
    // Behind the trusted proxy each address has its own allowance: a new email from a new
    // address passes, and the right-most untrusted hop is the one counted.
    let (s, _, body) = post(
        &app,
        &gift("5.00", "other@example.org"),
        Some("198.51.100.1, 203.0.113.200"),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, _, _) = post(
        &app,
        &gift("5.00", "third@example.org"),
        Some("198.51.100.2, 203.0.113.200"),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _, _) = post(
        &app,
        &gift("5.00", "fourth@example.org"),
        Some("198.51.100.3, 203.0.113.200"),
    )
    .await;
    assert_eq!(s, 429, "203.0.113.200 has used its 2");
}

/// Sends `bodies` alternately to `servers`, 16 in flight; returns (status, retry-after) of each.
async fn burst_across(
    servers: &[&TestApp],
    bodies: Vec<(Value, Option<String>)>,
) -> Vec<(u16, Option<u64>)> {
    futures::stream::iter(bodies.into_iter().enumerate())
        .map(|(i, (b, xff))| async move {
            let (s, r, _) = post(servers[i % servers.len()], &b, xff.as_deref()).await;
            (s, r)
        })
        .buffer_unordered(16)
        .collect()
        .await
}

async fn two_servers_on_postgres_share_one_allowance(b: Backend) {
    let vars = [
        ("CHECKOUT_RATE_PER_IP", "6/hour"),
        ("CHECKOUT_RATE_PER_EMAIL", "4/hour"),
        ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ];
    let first = spawn_app(&b, &vars).await;
    campaign(&first, "policy", 1_000_000).await;
    let second = spawn_beside(&first, &vars).await;
    let servers = [&first, &second];
    // One address, many donors: the address's allowance.
    let bodies = (0..30)
        .map(|i| {
            let body = gift("5.00", &format!("donor{i}@example.org"));
            (body, Some("203.0.113.9".to_string()))
        })
        .collect();
    let by_address = tally(&burst_across(&servers, bodies).await);
    // One donor, many addresses: the donor's allowance.
    let bodies = (0..30)
        .map(|i| {
            let body = gift("5.00", "same.donor@example.org");
            (body, Some(format!("198.51.100.{i}")))
        })
        .collect();
    let by_email = tally(&burst_across(&servers, bodies).await);
    if matches!(b, Backend::Postgres(_)) {
        // Every server counts against one allowance in the database.
        assert_eq!((by_address.0, by_email.0), (6, 4));
    } else {
        // SQLite runs one server; a second one on the same file keeps its own allowances.
        assert_eq!((by_address.0, by_email.0), (12, 8));
    }
}

async fn forwarded_for_from_an_untrusted_peer_is_ignored(b: Backend) {
    let (app, _stripe, fake) =
        with_counting_stripe(&b, &[("CHECKOUT_RATE_PER_IP", "5/hour")]).await;
    let bodies = (0..30)
        .map(|i| {
            (
                gift("5.00", &format!("t{i}@example.org")),
                Some(format!("203.0.113.{i}")),
            )
        })
        .collect();
    let (created, refused) = tally(&burst(&app, bodies).await);
    assert_eq!((created, refused), (5, 25));
    assert_eq!(fake.created.load(Ordering::SeqCst), 5);
}

async fn the_honeypot_refuses_quietly(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(&b, &[]).await;
    for trap in [json!("http://spam.example"), json!(1), json!(["x"])] {
        let mut body = gift("5.00", "bot@example.org");
        body["website"] = trap;
        let (s, _, answer) = post(&app, &body, None).await;
        assert_eq!(s, 422, "{answer}");
        let text = answer.to_string().to_lowercase();
        for word in ["website", "honeypot", "bot", "trap"] {
            assert!(
                !text.contains(word),
                "the answer reveals the trap: {answer}"
            );
        }
        assert!(answer["errors"][0].get("field").is_none(), "{answer}");
    }
    assert_eq!(
        fake.created.load(Ordering::SeqCst),
        0,
        "nothing sent to Stripe"
    );
    let c = app.store.campaign_by_slug("policy").await.unwrap().unwrap();
    let records = app.store.campaign_records(c.id).await.unwrap();
    assert!(records.donations.is_empty(), "a donation was recorded");
    // People leave it empty (or absent): the gift goes through.
    for empty in [json!(""), json!("  "), Value::Null] {
        let mut body = gift("5.00", "ana@example.org");
        body["website"] = empty;
        let (s, _, answer) = post(&app, &body, None).await;
        assert_eq!(s, 201, "{answer}");
    }
    assert_eq!(fake.created.load(Ordering::SeqCst), 3);
}

async fn each_campaign_has_a_minimum_gift(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(&b, &[]).await;
    // Default $1.00.
    let (s, _, body) = post(&app, &gift("0.99", "a@example.org"), None).await;
    assert_eq!(s, 422);
    assert_eq!(body["errors"][0]["field"], "amount", "{body}");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("1.00"),
        "{body}"
    );
    let (s, _) = app
        .get_json("/api/v1/campaigns/policy/fee-quote?amount=0.50")
        .await;
    assert_eq!(s, 422);
    let (s, _, _) = post(&app, &gift("1.00", "a@example.org"), None).await;
    assert_eq!(s, 201);

    // Staff raise it to $5.00.
    let token = app.staff_token("ana").await;
    let patch = |v: Value| {
        app.client
            .patch(app.at("/api/v1/staff/campaigns/policy"))
            .bearer_auth(&token)
            .json(&v)
            .send()
    };
    let r = patch(json!({"min_gift_minor": 500})).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["min_gift_minor"], 500);
    for bad in [json!(0), json!(-5), json!(1_000_000_000_000i64), json!("5")] {
        let r = patch(json!({ "min_gift_minor": bad })).await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{bad}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errors"][0]["field"], "min_gift_minor", "{e}");
    }
    let (s, _, body) = post(&app, &gift("4.99", "a@example.org"), None).await;
    assert_eq!((s, &body["errors"][0]["field"]), (422, &json!("amount")));
    let (s, q) = app
        .get_json("/api/v1/campaigns/policy/fee-quote?amount=4.99")
        .await;
    assert_eq!((s, &q["errors"][0]["field"]), (422, &json!("amount")));
    let (s, _) = app
        .get_json("/api/v1/campaigns/policy/fee-quote?amount=5.00&cover_fee=true")
        .await;
    assert_eq!(s, 200);
    let (s, _, _) = post(&app, &gift("5.00", "a@example.org"), None).await;
    assert_eq!(s, 201);
    assert_eq!(fake.created.load(Ordering::SeqCst), 2);

    // Set at creation too.
    let r = app
        .client
        .post(app.at("/api/v1/staff/campaigns"))
        .bearer_auth(&token)
        .json(&json!({"slug": "gala", "name": "Gala", "goal": "1000", "min_gift_minor": 2500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (s, _) = app
        .get_json("/api/v1/campaigns/gala/fee-quote?amount=20")
        .await;
    assert_eq!(s, 422);
}

/// The counter line for `name` whose labels include every one of `labels`, as a number.
fn counter(scrape: &str, name: &str, labels: &[&str]) -> f64 {
    scrape
        .lines()
        .filter(|l| l.starts_with(name) && labels.iter().all(|x| l.contains(x)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn metrics_count_requests_webhooks_limits_and_reconciles(b: Backend) {
    let (app, _stripe, _fake) = with_counting_stripe(
        &b,
        &[
            ("CHECKOUT_RATE_PER_IP", "1/hour"),
            ("RECONCILE_INTERVAL", "1s"),
        ],
    )
    .await;
    let scrape = || async {
        let r = app.client.get(app.at("/metrics")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.text().await.unwrap()
    };
    let before = scrape().await;
    app.progress("policy").await;
    app.progress("policy").await;
    let _ = app.get_json("/no/such/route").await;
    assert_eq!(
        post(&app, &gift("5.00", "a@example.org"), None).await.0,
        201
    );
    assert_eq!(
        post(&app, &gift("5.00", "b@example.org"), None).await.0,
        429
    );
    let c = app.store.campaign_by_slug("policy").await.unwrap().unwrap();
    let d = crate::helpers::pending_donation(
        app.store.as_ref(),
        &c,
        "one_time",
        500,
        500,
        "m@example.org",
    )
    .await;
    let v = crate::helpers::gift_vars(&d, "policy", "metrics");
    let payload = crate::helpers::event("checkout.session.completed", &v);
    assert_eq!(app.deliver(&payload).await.0, 200);
    assert_eq!(app.deliver(&payload).await.0, 200);
    let bad = app
        .client
        .post(app.at("/webhooks/stripe"))
        .header("stripe-signature", "t=1,v1=00")
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);

    let after = scrape().await;
    let moved = |name: &str, labels: &[&str]| {
        counter(&after, name, labels) - counter(&before, name, labels)
    };
    let http = "donations_http_requests_total";
    assert_eq!(
        moved(
            http,
            &[
                "route=\"/api/v1/campaigns/{slug}\"",
                "method=\"GET\"",
                "status=\"200\""
            ]
        ),
        2.0,
        "{after}"
    );
    assert_eq!(
        moved(http, &["route=\"unmatched\"", "status=\"404\""]),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved(
            http,
            &[
                "route=\"/api/v1/campaigns/{slug}/checkout\"",
                "status=\"201\""
            ]
        ),
        1.0
    );
    assert_eq!(
        moved(
            http,
            &[
                "route=\"/api/v1/campaigns/{slug}/checkout\"",
                "status=\"429\""
            ]
        ),
        1.0
    );
    let wh = "donations_webhook_events_total";
    assert_eq!(
        moved(
            wh,
            &["type=\"checkout.session.completed\"", "outcome=\"applied\""]
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved(
            wh,
            &[
                "type=\"checkout.session.completed\"",
                "outcome=\"duplicate\""
            ]
        ),
        1.0
    );
    assert_eq!(moved(wh, &["outcome=\"refused\""]), 1.0);
    assert_eq!(
        moved("donations_rate_limited_total", &["limit=\"ip\""]),
        1.0,
        "{after}"
    );
    // No raw paths, ids or emails in the labels.
    assert!(
        !after.contains(&d.id) && !after.contains("example.org"),
        "{after}"
    );

    // The reconciler runs every second here; wait (without a time assertion) for one run.
    let mut runs = 0.0;
    for _ in 0..600 {
        runs = counter(
            &scrape().await,
            "donations_reconcile_runs_total",
            &["outcome="],
        );
        if runs >= 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(runs >= 1.0, "no reconcile run counted");
}

async fn invalid_requests_never_spend_a_donors_allowance(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(
        &b,
        &[
            ("CHECKOUT_RATE_PER_EMAIL", "3/hour"),
            ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ],
    )
    .await;
    // Someone who knows Ana's email sends 60 invalid requests naming it, from 60 addresses:
    // bad amounts, a bad frequency, a bad tribute, a bad Idempotency-Key, the donation form
    // with a bad amount. Each is refused for what it is, never 429.
    let ana = "ana.perez@example.org";
    for i in 0..60 {
        let xff = format!("198.51.100.{i}");
        let status = match i % 6 {
            0 => post(&app, &gift("0.00", ana), Some(&xff)).await.0,
            1 => post(&app, &gift("-5", ana), Some(&xff)).await.0,
            2 => {
                let mut g = gift("5.00", ana);
                g["frequency"] = "weekly".into();
                post(&app, &g, Some(&xff)).await.0
            }
            3 => {
                let mut g = gift("5.00", ana);
                g["tribute"] = json!({"kind": "honor"});
                post(&app, &g, Some(&xff)).await.0
            }
            4 => app
                .client
                .post(app.at("/api/v1/campaigns/policy/checkout"))
                .header("x-forwarded-for", &xff)
                .header("idempotency-key", "")
                .json(&gift("5.00", ana))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            _ => app
                .client
                .post(app.at("/donate/policy"))
                .header("x-forwarded-for", &xff)
                .form(&[
                    ("amount", "abc"),
                    ("frequency", "one_time"),
                    ("name", "Ana Pérez"),
                    ("email", ana),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        };
        assert!(
            (400..500).contains(&status) && status != 429,
            "request {i}: {status}"
        );
    }
    assert_eq!(fake.created.load(Ordering::SeqCst), 0);
    // Ana's own gift goes through, and so do her allowance's other two.
    for k in 0..3 {
        let (s, _, body) = post(&app, &gift("25.00", ana), Some("203.0.113.9")).await;
        assert_eq!(s, 201, "gift {k}: {body}");
    }
    // Valid requests beyond the allowance are still refused.
    let (s, retry, _) = post(&app, &gift("25.00", ana), Some("203.0.113.10")).await;
    assert_eq!((s, retry.is_some()), (429, true));
    assert_eq!(fake.created.load(Ordering::SeqCst), 3);
}

async fn ipv6_clients_are_limited_per_network(b: Backend) {
    let (app, _stripe, fake) = with_counting_stripe(
        &b,
        &[
            ("CHECKOUT_RATE_PER_IP", "5/hour"),
            ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ],
    )
    .await;
    // 40 addresses of one /64, each new, as a client that owns the /64 can make them.
    let bodies = (0..40)
        .map(|i| {
            (
                gift("5.00", &format!("v6-{i}@example.org")),
                Some(format!("2001:db8:aa:bb:{i:x}:{:x}::1", (i * 7919) % 0xffff)),
            )
        })
        .collect();
    let (created, refused) = tally(&burst(&app, bodies).await);
    assert_eq!((created, refused), (5, 35));
    // Another /64 has its own allowance; an IPv4 client is counted on its own as before.
    let (s, _, body) = post(
        &app,
        &gift("5.00", "next@example.org"),
        Some("2001:db8:aa:bc::1"),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, _, _) = post(&app, &gift("5.00", "v4@example.org"), Some("203.0.113.5")).await;
    assert_eq!(s, 201);
    assert_eq!(fake.created.load(Ordering::SeqCst), 7);
}

async fn the_ipv6_prefix_is_configurable(b: Backend) {
    let (app, _stripe, _fake) = with_counting_stripe(
        &b,
        &[
            ("CHECKOUT_RATE_PER_IP", "2/hour"),
            ("CHECKOUT_IPV6_PREFIX", "48"),
            ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ],
    )
    .await;
    // With /48, different /64s of one /48 share an allowance.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let xff = format!("2001:db8:cc:{i:x}::1");
        statuses.push(
            post(
                &app,
                &gift("5.00", &format!("p{i}@example.org")),
                Some(&xff),
            )
            .await
            .0,
        );
    }
    assert_eq!(statuses, vec![201, 201, 429, 429]);
}

backend_tests!(
    a_burst_from_one_address_creates_at_most_the_allowed_sessions,
    the_email_limit_holds_across_addresses,
    forwarded_for_from_an_untrusted_peer_is_ignored,
    the_honeypot_refuses_quietly,
    each_campaign_has_a_minimum_gift,
    metrics_count_requests_webhooks_limits_and_reconciles,
    invalid_requests_never_spend_a_donors_allowance,
    ipv6_clients_are_limited_per_network,
    the_ipv6_prefix_is_configurable,
    two_servers_on_postgres_share_one_allowance,
);
