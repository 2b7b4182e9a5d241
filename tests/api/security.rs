//! Auth and headers: every staff route of the OpenAPI document refuses missing, malformed,
//! wrong and revoked tokens; pages carry Content-Security-Policy, X-Content-Type-Options and
//! Referrer-Policy; and the real binary's log, through a full flow at debug level, never shows
//! the Stripe secret key, the webhook secret, a staff token or the database password.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::helpers::fake_stripe::CountingStripe;
use crate::helpers::{Backend, TestDb, WEBHOOK_SECRET, spawn_app};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

async fn every_staff_route_refuses_bad_tokens(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let (_, doc) = app.get_json("/api/v1/openapi.json").await;
    let good = app.staff_token("ana").await;
    let revoked = app.staff_token("bob").await;
    assert!(app.store.revoke_staff_token("bob").await.unwrap());
    let wrong = format!("{}x", &good[..good.len() - 1]);
    let bad_headers = [
        None,
        Some("".to_string()),
        Some("Bearer".to_string()),
        Some("Bearer ".to_string()),
        Some(format!("Basic {good}")),
        Some(format!("bearer{good}")),
        Some("Bearer not-a-token".to_string()),
        Some(format!("Bearer {wrong}")),
        Some(format!("Bearer {revoked}")),
        Some(format!("Bearer {good} {good}")),
    ];
    let mut routes = 0;
    for (p, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s.get("staff_token").is_some()));
            if !secured {
                continue;
            }
            routes += 1;
            let url = app.at(&p.replace("{slug}", "demo").replace("{id}", "1"));
            let method: reqwest::Method = m.to_uppercase().parse().unwrap();
            for h in &bad_headers {
                let mut req = app
                    .client
                    .request(method.clone(), &url)
                    .header("content-type", "application/json")
                    .body(json!({"slug": "x", "name": "x", "goal": "1"}).to_string());
                if let Some(h) = h {
                    req = req.header("authorization", h);
                }
                let r = req.send().await.unwrap();
                assert_eq!(r.status().as_u16(), 401, "{m} {p} with {h:?}");
                assert_eq!(r.headers()["www-authenticate"], "Bearer");
                let body: Value = r.json().await.unwrap();
                assert!(body["errors"][0]["detail"].is_string(), "{body}");
            }
        }
    }
    assert!(routes >= 8, "only {routes} staff routes in the document");
    // And the good token does get in.
    let r = app
        .client
        .get(app.at("/api/v1/staff/campaigns"))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

async fn pages_and_answers_carry_security_headers(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/demo/checkout"))
        .json(&json!({"amount": "5", "frequency": "one_time",
                      "donor": {"name": "Ana", "email": "ana@example.org"}}))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["donation_id"]
        .as_str()
        .unwrap()
        .to_string();
    for page in [
        "/donate/demo/thanks".to_string(),
        format!("/donate/demo/thanks?donation={id}"),
        format!("/sandbox/checkout/{id}"),
        "/api/v1/campaigns/demo".to_string(),
        "/no/such/page".to_string(),
    ] {
        let r = app.client.get(app.at(&page)).send().await.unwrap();
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{page}: no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'"), "{page}: {csp}");
        // Scripts, where a page has any, come only from this server: never inline, never
        // from elsewhere.
        if let Some(scripts) = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
        {
            assert_eq!(scripts, "script-src 'self'", "{page}: {csp}");
        }
        assert_eq!(h["x-content-type-options"], "nosniff", "{page}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{page}"
        );
    }
}

backend_tests!(
    every_staff_route_refuses_bad_tokens,
    pages_and_answers_carry_security_headers
);

// ---- the binary's log through a full flow ----

struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const STRIPE_KEY: &str = "sk_test_51LogLeakCanaryKeyDoNotPrint0000";
const DB_PASSWORD: &str = "pgCanaryPassw0rdNeverLogged";
const MANAGE_SECRET: &str = "manageLinkCanarySecretNeverLogged0123456789";

async fn secrets_never_reach_the_log(b: Backend) {
    let db = TestDb::new(&b).await;
    // A password in the URL (the test server trusts local connections, so any works).
    let db_url = match b {
        Backend::Sqlite => db.url.clone(),
        Backend::Postgres(_) => {
            db.url
                .replacen("://postgres@", &format!("://postgres:{DB_PASSWORD}@"), 1)
        }
    };
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(CountingStripe::default())
        .mount(&stripe)
        .await;
    let exe = env!("CARGO_BIN_EXE_donations");
    let env = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &db_url)
            .env("STRIPE_SECRET_KEY", STRIPE_KEY)
            .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("STRIPE_API_BASE", stripe.uri())
            .env("MANAGE_LINK_SECRET", MANAGE_SECRET)
            .env("RUST_LOG", "debug");
    };
    // A staff token, made with the CLI (which prints it once, to its own stdout).
    let mut cli = Command::new(exe);
    env(&mut cli);
    let out = cli
        .args(["staff", "token", "create", "--name", "ops"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let token = printed
        .split_whitespace()
        .find(|w| w.starts_with("dst_"))
        .unwrap_or_else(|| panic!("no token in {printed:?}"))
        .to_string();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut cmd = Command::new(exe);
    env(&mut cmd);
    let child = cmd
        .arg("serve")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed and reaped however the test ends, a panic included.
    let mut child = Reaped(child);
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..3000 {
        if client
            .get(format!("{url}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The flow: staff create a campaign, a donor checks out, Stripe's events arrive (one with a
    // bad signature), a wrong token is tried.
    let r = client
        .post(format!("{url}/api/v1/staff/campaigns"))
        .bearer_auth(&token)
        .json(&json!({"slug": "logs", "name": "Logs", "goal": "1000"}))
        .send()
        .await
        .unwrap();
    let created = r.status().as_u16();
    let r = client
        .post(format!("{url}/api/v1/campaigns/logs/checkout"))
        .json(&json!({"amount": "20", "frequency": "one_time",
                      "donor": {"name": "Ana", "email": "ana@example.org"}}))
        .send()
        .await
        .unwrap();
    let checkout = r.status().as_u16();
    let id = r.json::<Value>().await.unwrap()["donation_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let store = donations::store::connect(&db_url, 2).await.unwrap();
    let payload = match store.donation(&id).await.unwrap() {
        Some(d) => crate::helpers::event(
            "checkout.session.completed",
            &crate::helpers::gift_vars(&d, "logs", "log"),
        ),
        None => "{}".to_string(),
    };
    let sig = stripe_webhook::Webhook::generate_test_header(&payload, WEBHOOK_SECRET, None);
    let mut webhook = Vec::new();
    for s in [sig.as_str(), "t=1,v1=deadbeef"] {
        let r = client
            .post(format!("{url}/webhooks/stripe"))
            .header("stripe-signature", s)
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        webhook.push(r.status().as_u16());
    }
    // The donor opens the self-service link of the gift (the token is a credential).
    let link = donations::domain::manage_link::sign(
        MANAGE_SECRET.as_bytes(),
        &id,
        donations::store::now() + 3600,
    );
    let mut manage = Vec::new();
    for (verb, suffix) in [("GET", ""), ("POST", "/cancel")] {
        let to = format!("{url}/manage/{link}{suffix}");
        let req = if verb == "GET" {
            client.get(to)
        } else {
            client.post(to)
        };
        manage.push(req.send().await.unwrap().status().as_u16());
    }
    let wrong = client
        .get(format!("{url}/api/v1/staff/campaigns"))
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    store.close().await;
    // Stop it gracefully (SIGTERM) and read everything it wrote.
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    let _ = child.0.wait();
    let mut log = String::new();
    child
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(up, "server did not start: {log}");
    assert_eq!(
        (
            created,
            checkout,
            webhook.as_slice(),
            manage.as_slice(),
            wrong
        ),
        (201, 201, &[200u16, 400][..], &[200u16, 409][..], 401),
        "{log}"
    );
    assert!(
        log.contains("checkout created")
            && log.contains("webhook")
            && log.contains("/manage/{token}"),
        "the log is too quiet to prove anything: {log}"
    );
    for (what, secret) in [
        ("STRIPE_SECRET_KEY", STRIPE_KEY),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("staff token", token.as_str()),
        ("database password", DB_PASSWORD),
        ("MANAGE_LINK_SECRET", MANAGE_SECRET),
        ("self-service link", link.as_str()),
        (
            "self-service link signature",
            link.rsplit('.').next().unwrap_or(""),
        ),
    ] {
        assert!(!log.contains(secret), "{what} in the log");
    }
    // Not even the webhook secret's distinctive tail.
    assert!(!log.contains("test_secret_for_tests"));
}

backend_tests!(secrets_never_reach_the_log);
