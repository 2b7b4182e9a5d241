//! Foundation over HTTP: the demo campaign, public progress (ETag/304, 404), staff campaign
//! routes and their authentication, body limits and error format; on both backends.

use crate::helpers::{Backend, spawn_app};
use serde_json::{Value, json};

fn field_errors(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A staff API request with a JSON body: (status, JSON answer).
async fn staff_json(
    app: &crate::helpers::TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = app
        .client
        .request(method, app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        r.status().as_u16(),
        r.json::<Value>().await.unwrap_or(Value::Null),
    )
}

async fn first_sandbox_run_has_a_demo_campaign(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let p = app.progress("demo").await;
    assert_eq!(p["slug"], "demo");
    assert_eq!(p["goal_minor"], 10_000_000);
    assert_eq!(p["currency"], "usd");
    assert_eq!(p["raised_minor"], 0);
    assert_eq!(p["percent"], 0.0);
    for key in [
        "name",
        "description",
        "donors",
        "gifts",
        "recurring_active",
        "recurring_monthly_minor",
        "starts_at",
        "ends_at",
        "status",
    ] {
        assert!(p.get(key).is_some(), "missing {key} in {p}");
    }
    // A second start finds campaigns and creates nothing.
    assert_eq!(app.store.campaigns().await.unwrap().len(), 1);
    assert!(
        !donations::services::campaign_admin::ensure_demo(app.store.as_ref(), &app.config)
            .await
            .unwrap()
    );
}

async fn live_mode_never_creates_a_demo(b: Backend) {
    let app = spawn_app(
        &b,
        &[
            ("STRIPE_SECRET_KEY", "sk_live_x"),
            ("STRIPE_API_BASE", "http://127.0.0.1:9"),
        ],
    )
    .await;
    let (status, body) = app.get_json("/api/v1/campaigns/demo").await;
    assert_eq!(status, 404, "{body}");
    assert!(app.store.campaigns().await.unwrap().is_empty());
    // And the sandbox routes do not exist.
    let r = app
        .client
        .get(app.at("/sandbox/checkout/don_x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn unknown_campaigns_and_routes_are_json_404s(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let (status, body) = app.get_json("/api/v1/campaigns/nope").await;
    assert_eq!(status, 404);
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    let (status, body) = app.get_json("/no/such/route").await;
    assert_eq!(status, 404);
    assert!(body["errors"].is_array());
}

async fn progress_has_an_etag_and_answers_304(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let r = app
        .client
        .get(app.at("/api/v1/campaigns/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let again = app
        .client
        .get(app.at("/api/v1/campaigns/demo"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    let stale = app
        .client
        .get(app.at("/api/v1/campaigns/demo"))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);

    // When progress moves, the ETag changes.
    let token = app.staff_token("ops").await;
    let r = app
        .client
        .patch(app.at("/api/v1/staff/campaigns/demo"))
        .bearer_auth(&token)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after = app
        .client
        .get(app.at("/api/v1/campaigns/demo"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
}

async fn staff_routes_need_a_valid_unrevoked_token(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let url = app.at("/api/v1/staff/campaigns");
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token");
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: Value = r.json().await.unwrap();
    assert!(body["errors"][0]["detail"].is_string());

    for bad in [
        "Basic abc",
        "Bearer",
        "Bearer not-a-token",
        &format!("Bearer dst_{}", "0".repeat(64)),
    ] {
        let r = app
            .client
            .get(&url)
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad}");
    }

    let token = app.staff_token("alice").await;
    let r = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["campaigns"][0]["slug"], "demo");

    assert!(app.store.revoke_staff_token("alice").await.unwrap());
    let r = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "revoked token");
    // A second token of the same name can be issued once the first is revoked.
    let again = app.staff_token("alice").await;
    let r = app
        .client
        .get(&url)
        .bearer_auth(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn staff_create_and_update_campaigns(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let create = |body: Value| {
        staff_json(
            &app,
            &token,
            reqwest::Method::POST,
            "/api/v1/staff/campaigns",
            body,
        )
    };

    let (status, body) = create(json!({
        "slug": "policy-2026", "name": "Policy work 2026", "goal": "100000",
        "description": "Immigrant-rights policy work", "ends_at": "2026-12-31T23:59:59Z"
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["goal_minor"], 10_000_000);
    assert_eq!(body["fee_percent"], "2.9");
    assert_eq!(body["fee_fixed_minor"], 30);
    assert_eq!(body["ends_at"], "2026-12-31T23:59:59Z");

    let (status, _) = create(json!({"slug": "policy-2026", "name": "Again", "goal": 5})).await;
    assert_eq!(status, 409, "duplicate slug");

    let (status, body) = create(json!({
        "slug": "Bad Slug", "name": "", "goal": "-5", "currency": "xyz",
        "starts_at": "yesterday", "fee_percent": "abc"
    }))
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = field_errors(&body);
    for f in ["slug", "name", "currency", "starts_at", "fee_percent"] {
        assert!(fields.contains(&f.to_string()), "{f} not named in {body}");
    }
    let (status, body) = create(json!({"slug": "x", "name": "X"})).await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), vec!["goal"]);

    let (status, body) =
        create(json!({"slug": "yen", "name": "Yen", "goal": 1000000, "currency": "JPY"})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["goal_minor"], 1_000_000);
    assert_eq!(body["currency"], "jpy");

    let patch = |slug: &str, body: Value| {
        let req = app
            .client
            .patch(app.at(&format!("/api/v1/staff/campaigns/{slug}")))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = patch(
        "policy-2026",
        json!({"goal": "150000.50", "status": "closed", "ends_at": null}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["goal_minor"], 15_000_050);
    assert_eq!(body["status"], "closed");
    assert_eq!(body["ends_at"], Value::Null);
    assert_eq!(body["name"], "Policy work 2026");
    let (status, body) = patch("policy-2026", json!({"currency": "eur"})).await;
    assert_eq!(
        (status, field_errors(&body)),
        (422, vec!["currency".to_string()])
    );
    let (status, body) = patch(
        "policy-2026",
        json!({"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        (status, field_errors(&body)),
        (422, vec!["ends_at".to_string()])
    );
    let (status, _) = patch("missing", json!({"name": "x"})).await;
    assert_eq!(status, 404);
    let (status, body) = patch("policy-2026", json!({"colour": "red"})).await;
    assert_eq!(status, 422, "unknown fields are refused: {body}");

    let p = app.progress("policy-2026").await;
    assert_eq!(p["status"], "closed");
    assert_eq!(p["goal_minor"], 15_000_050);
}

async fn bodies_are_limited_and_must_be_json(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let big = format!(
        r#"{{"slug":"big","name":"{}","goal":"5"}}"#,
        "x".repeat(70 * 1024)
    );
    let r = crate::helpers::send_oversized(|| {
        app.client
            .post(app.at("/api/v1/staff/campaigns"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(big.clone())
    })
    .await;
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "body");

    let r = app
        .client
        .post(app.at("/api/v1/staff/campaigns"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    let r = app
        .client
        .post(app.at("/api/v1/staff/campaigns"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

async fn health_and_ready(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["database"],
        if matches!(b, Backend::Sqlite) {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let r = app.client.get(app.at("/health")).send().await.unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    app.stop().await.expect("graceful shutdown");
}

/// Times at the edges of what can be written (issue 12): a 422 naming the field, never a
/// panic; a time at the edge of the accepted range is taken and shown.
async fn campaign_times_out_of_range_are_422s_naming_the_field(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let send = |method: reqwest::Method, path: &'static str, body: Value| {
        staff_json(&app, &token, method, path, body)
    };
    let post = reqwest::Method::POST;
    for (field, value) in [
        ("ends_at", "9999-12-31T23:59:59Z"),
        ("ends_at", "3000-01-01T00:00:01Z"),
        ("starts_at", "1960-01-01T00:00:00Z"),
        ("ends_at", "10000-01-01T00:00:00Z"),
    ] {
        let (status, body) = send(
            post.clone(),
            "/api/v1/staff/campaigns",
            json!({"slug": "edge", "name": "Edge", "goal": "100", field: value}),
        )
        .await;
        assert_eq!(status, 422, "{field}={value}: {body}");
        assert_eq!(field_errors(&body), vec![field.to_string()], "{body}");
    }
    // The last accepted time, and a change to an out-of-range one refused the same way.
    let (status, body) = send(
        post,
        "/api/v1/staff/campaigns",
        json!({"slug": "edge", "name": "Edge", "goal": "100",
               "ends_at": "3000-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["ends_at"], "3000-01-01T00:00:00Z");
    let (status, body) = send(
        reqwest::Method::PATCH,
        "/api/v1/staff/campaigns/edge",
        json!({"ends_at": "9999-12-31T23:59:59Z"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_errors(&body), vec!["ends_at".to_string()]);
    let (status, body) = app.get_json("/api/v1/campaigns/edge").await;
    assert_eq!(
        (status, &body["ends_at"]),
        (200, &json!("3000-01-01T00:00:00Z"))
    );
}

backend_tests!(
    first_sandbox_run_has_a_demo_campaign,
    live_mode_never_creates_a_demo,
    unknown_campaigns_and_routes_are_json_404s,
    progress_has_an_etag_and_answers_304,
    staff_routes_need_a_valid_unrevoked_token,
    staff_create_and_update_campaigns,
    bodies_are_limited_and_must_be_json,
    health_and_ready,
    cli_manages_campaigns_and_tokens,
    campaign_times_out_of_range_are_422s_naming_the_field,
);

/// The command line a nonprofit's engineer uses: campaigns and staff tokens.
async fn cli_manages_campaigns_and_tokens(b: Backend) {
    let db = crate::helpers::TestDb::new(&b).await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_donations"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run donations");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&[
        "campaign",
        "create",
        "--slug",
        "policy",
        "--name",
        "Policy work",
        "--goal",
        "100000",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("\"goal_minor\": 10000000"), "{out}");
    let (ok, _, err) = run(&[
        "campaign", "create", "--slug", "Bad Slug", "--name", "X", "--goal", "-1",
    ]);
    assert!(!ok);
    assert!(err.contains("--slug") && err.contains("--goal"), "{err}");
    let (ok, out, err) = run(&[
        "campaign", "update", "--slug", "policy", "--goal", "150000", "--status", "closed",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("\"goal_minor\": 15000000") && out.contains("\"status\": \"closed\""),
        "{out}"
    );
    let (ok, _, err) = run(&["campaign", "update", "--slug", "nope", "--goal", "5"]);
    assert!(!ok && err.contains("no campaign"), "{err}");
    let (ok, out, _) = run(&["campaign", "list"]);
    assert!(
        ok && out.contains("policy\tclosed\t15000000 usd\tPolicy work"),
        "{out}"
    );

    let (ok, token, err) = run(&["staff", "token", "create", "--name", "ana"]);
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    assert!(
        donations::services::staff_tokens::well_formed(&token),
        "{token}"
    );
    assert!(err.contains("shown only this once"));
    let store = donations::store::connect(&db.url, 2).await.unwrap();
    let found = store
        .staff_token_by_hash(&donations::services::staff_tokens::hash_token(&token))
        .await
        .unwrap();
    assert_eq!(
        found.map(|t| t.name),
        Some("ana".to_string()),
        "stored as a hash, found by it"
    );
    let (ok, _, _) = run(&["staff", "token", "revoke", "--name", "ana"]);
    assert!(ok);
    let (ok, _, err) = run(&["staff", "token", "revoke", "--name", "ana"]);
    assert!(!ok && err.contains("no active staff token"), "{err}");
    store.close().await;
}
