//! Hostile input over HTTP: property tests throw arbitrary JSON (any value in any field, huge
//! numbers, nested arrays, HTML, SQL and control characters) at checkout, arbitrary strings at
//! the fee quote's query, and arbitrary bodies and Stripe-Signature headers at the webhook
//! endpoint. Never a 5xx, never a panic: always a documented status with the error format.
//! Also: deep nesting 400, oversized bodies 413, and strange text stored as given and shown
//! escaped on the thank-you and sandbox pages.

use crate::helpers::{Backend, TestApp, WEBHOOK_SECRET, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};

fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z]{1,8}@[a-z]{1,8}\\.org",
        Just("<script>alert(1)</script>".to_string()),
        Just("'; DROP TABLE donations; --".to_string()),
        Just("Robert\"); DELETE FROM campaigns WHERE (\"1\"=\"1".to_string()),
        Just("\u{0000}\u{0007}\u{001b}[31m\r\n\t".to_string()),
        Just("\u{202e}evil\u{200b}".to_string()),
        Just("9".repeat(400)),
        Just("1e309".to_string()),
        Just("-0.00".to_string()),
        Just("50.00".to_string()),
        Just("NaN".to_string()),
        Just("monthly".to_string()),
        Just("x".repeat(5000)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(u64::MAX)),
        nasty_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A checkout body: each field valid, absent or arbitrary, sometimes with extra keys, and
/// sometimes not an object at all.
fn checkout_body() -> impl Strategy<Value = Value> {
    let field = |valid: Value| {
        prop_oneof![
            2 => Just(Some(valid)),
            1 => Just(None),
            2 => json_value().prop_map(Some),
        ]
    };
    let object = (
        field(json!("50.00")),
        field(json!("one_time")),
        field(json!(true)),
        field(json!({"name": "Ana Pérez", "email": "ana@example.org"})),
        field(json!(false)),
        field(json!({"kind": "honor", "honoree": "Lynda"})),
        field(json!("for you")),
        prop::option::of(("[a-z]{1,8}", json_value())),
        prop::option::of(json_value()),
    )
        .prop_map(|(a, f, c, d, an, t, cm, extra, website)| {
            let mut m = serde_json::Map::new();
            for (k, v) in [
                ("amount", a),
                ("frequency", f),
                ("cover_fee", c),
                ("donor", d),
                ("anonymous", an),
                ("tribute", t),
                ("comment", cm),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            if let Some(w) = website {
                m.insert("website".into(), w);
            }
            Value::Object(m)
        });
    prop_oneof![4 => object, 1 => json_value()]
}

fn errors_are_documented(
    status: u16,
    body: &str,
    allowed: &[u16],
    what: &str,
) -> Result<(), TestCaseError> {
    if status >= 500 || !allowed.contains(&status) {
        return Err(TestCaseError::fail(format!("{what}: {status} {body}")));
    }
    if status >= 400 {
        let v: Value = serde_json::from_str(body)
            .map_err(|_| TestCaseError::fail(format!("{what}: {status} not JSON: {body}")))?;
        let ok = v["errors"]
            .as_array()
            .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e["detail"].is_string()));
        if !ok {
            return Err(TestCaseError::fail(format!("{what}: {status} {body}")));
        }
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    })
}

const CHECKOUT: &[u16] = &[201, 400, 404, 409, 413, 415, 422, 429];
const QUOTE: &[u16] = &[200, 404, 422];
const WEBHOOK: &[u16] = &[200, 400, 413];

fn hostile_input_never_gets_a_5xx(backend: Backend, cases: u32) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app: TestApp = rt.block_on(spawn_app(&backend, &[]));

    runner(cases)
        .run(&checkout_body(), |body| {
            rt.block_on(async {
                let r = app
                    .client
                    .post(app.at("/api/v1/campaigns/demo/checkout"))
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                let s = r.status().as_u16();
                errors_are_documented(s, &r.text().await.unwrap(), CHECKOUT, &body.to_string())
            })
        })
        .unwrap_or_else(|e| panic!("checkout: {e}"));

    let query = (
        prop::option::of(nasty_string()),
        prop::option::of(nasty_string()),
        prop::option::of(nasty_string()),
        prop::option::of(any::<String>()),
    );
    runner(cases)
        .run(&query, |(amount, frequency, cover, raw)| {
            rt.block_on(async {
                let mut q = form_urlencoded::Serializer::new(String::new());
                for (k, v) in [
                    ("amount", amount),
                    ("frequency", frequency),
                    ("cover_fee", cover),
                ] {
                    if let Some(v) = v {
                        q.append_pair(k, &v);
                    }
                }
                let mut q = q.finish();
                if let Some(raw) = raw {
                    // Raw text as a query, percent-encoded only where a URL must be.
                    q.push('&');
                    q.push_str(
                        &raw.bytes()
                            .map(|b| {
                                if b.is_ascii_alphanumeric() || b"=&%+.-_".contains(&b) {
                                    (b as char).to_string()
                                } else {
                                    format!("%{b:02X}")
                                }
                            })
                            .collect::<String>(),
                    );
                }
                let r = app
                    .client
                    .get(app.at(&format!("/api/v1/campaigns/demo/fee-quote?{q}")))
                    .send()
                    .await
                    .unwrap();
                let s = r.status().as_u16();
                errors_are_documented(s, &r.text().await.unwrap(), QUOTE, &q)
            })
        })
        .unwrap_or_else(|e| panic!("fee-quote: {e}"));

    // Webhooks: arbitrary bodies, signed correctly or with arbitrary headers.
    let webhook = (
        prop_oneof![json_value().prop_map(|v| v.to_string()), any::<String>()],
        prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            "t=[0-9]{1,12},v1=[0-9a-f]{0,64}".prop_map(Some),
        ],
        any::<bool>(),
    );
    runner(cases)
        .run(&webhook, |(body, header, sign)| {
            rt.block_on(async {
                let mut req = app
                    .client
                    .post(app.at("/webhooks/stripe"))
                    .header("content-type", "application/json");
                let sig = if sign {
                    Some(stripe_webhook::Webhook::generate_test_header(
                        &body,
                        WEBHOOK_SECRET,
                        None,
                    ))
                } else {
                    header.filter(|h| reqwest::header::HeaderValue::from_str(h).is_ok())
                };
                if let Some(sig) = sig {
                    req = req.header("stripe-signature", sig);
                }
                let r = req.body(body.clone()).send().await.unwrap();
                let s = r.status().as_u16();
                errors_are_documented(s, &r.text().await.unwrap(), WEBHOOK, &body)
            })
        })
        .unwrap_or_else(|e| panic!("webhook: {e}"));
}

#[test]
fn hostile_input_never_gets_a_5xx_sqlite() {
    hostile_input_never_gets_a_5xx(Backend::Sqlite, 200);
}

#[test]
fn hostile_input_never_gets_a_5xx_postgres() {
    if let Some(b) = Backend::postgres() {
        hostile_input_never_gets_a_5xx(b, 120);
    }
}

async fn post_raw(app: &TestApp, path: &str, body: Vec<u8>) -> (u16, Value) {
    let r = crate::helpers::send_oversized(|| {
        app.client
            .post(app.at(path))
            .header("content-type", "application/json")
            .header("stripe-signature", "t=1,v1=00")
            .body(body.clone())
    })
    .await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn deep_and_huge_bodies_are_refused(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (s, e) = post_raw(
        &app,
        "/api/v1/campaigns/demo/checkout",
        deep.clone().into_bytes(),
    )
    .await;
    assert_eq!((s, &e["errors"][0]["field"]), (413, &json!("body")), "{e}");
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let (s, e) = post_raw(&app, "/api/v1/campaigns/demo/checkout", deep.into_bytes()).await;
    assert_eq!(s, 400, "{e}");
    let nested = format!(
        r#"{{"amount":"5","frequency":"one_time","donor":{}{}}}"#,
        "{\"a\":".repeat(40),
        "1".to_string() + &"}".repeat(40)
    );
    let (s, e) = post_raw(&app, "/api/v1/campaigns/demo/checkout", nested.into_bytes()).await;
    assert_eq!(s, 400, "{e}");
    let big = json!({"amount": "5", "comment": "x".repeat(100 * 1024)}).to_string();
    let (s, e) = post_raw(&app, "/api/v1/campaigns/demo/checkout", big.into_bytes()).await;
    assert_eq!((s, &e["errors"][0]["field"]), (413, &json!("body")), "{e}");
    let (s, _) = post_raw(&app, "/webhooks/stripe", vec![b' '; 600 * 1024]).await;
    assert_eq!(s, 413);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let sig = stripe_webhook::Webhook::generate_test_header(&deep, WEBHOOK_SECRET, None);
    let r = app
        .client
        .post(app.at("/webhooks/stripe"))
        .header("stripe-signature", sig)
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        400,
        "a deep signed body is refused, not a crash"
    );
}

async fn strange_text_is_stored_as_given_and_shown_escaped(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let name = "Ana <b>O'Brien</b> & \"Co\"; DROP TABLE donations; --";
    let comment = "<script>alert('x')</script> ' OR 1=1; --";
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/demo/checkout"))
        .json(&json!({
            "amount": "5.00", "frequency": "one_time",
            "donor": {"name": name, "email": "ana@example.org"},
            "comment": comment,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = r.json::<Value>().await.unwrap()["donation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = app.store.donation(&id).await.unwrap().unwrap();
    assert_eq!(d.donor_name.as_deref(), Some(name));
    assert_eq!(d.comment.as_deref(), Some(comment));
    // Control characters are refused, naming the field.
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/demo/checkout"))
        .json(&json!({
            "amount": "5.00", "frequency": "one_time",
            "donor": {"name": "Ana\u{0000}\u{001b}[2J", "email": "ana@example.org"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errors"][0]["field"], "donor.name");

    for page in [
        format!("/sandbox/checkout/{id}"),
        format!("/donate/demo/thanks?donation={id}"),
    ] {
        let r = app.client.get(app.at(&page)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{page}");
        let html = r.text().await.unwrap();
        for raw in ["<b>", "<script>", "O'Brien", "\"Co\""] {
            assert!(!html.contains(raw), "{page} shows {raw:?} unescaped");
        }
    }
    // A campaign name with markup, on the thank-you page.
    let token = app.staff_token("ana").await;
    let r = app
        .client
        .patch(app.at("/api/v1/staff/campaigns/demo"))
        .bearer_auth(&token)
        .json(&json!({"name": "<img src=x onerror=alert(1)>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = app
        .client
        .get(app.at("/donate/demo/thanks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Escaped (as named or numeric entities, whichever the page's template engine writes),
    // never the raw tag.
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;")
            || html.contains("&#60;img src=x onerror=alert(1)&#62;"),
        "{html}"
    );
}

backend_tests!(
    deep_and_huge_bodies_are_refused,
    strange_text_is_stored_as_given_and_shown_escaped
);
