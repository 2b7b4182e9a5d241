//! Page helpers for tests that browse like a browser without one: plain requests that do not
//! follow redirects, forms, cookies, and the dashboard's sign-in (its CSRF cookie and field).
#![allow(dead_code)]

use reqwest::redirect::Policy;

use super::TestApp;

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub async fn get_page(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = no_redirects().get(app.at(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

pub async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = no_redirects().post(app.at(path)).form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> (u16, String) {
    let r = no_redirects()
        .get(app.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> String {
    let set = header(headers, "set-cookie");
    set.split(';').next().unwrap().trim().to_string()
}

/// Signs in as a browser does: the sign-in form first (its CSRF cookie and field), then the post.
pub async fn sign_in(app: &TestApp, token: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let (_, headers, body) = get_page(app, "/dashboard").await;
    let login_cookie = session_cookie(&headers);
    assert!(
        login_cookie.starts_with("donations_login="),
        "{login_cookie}"
    );
    let csrf = csrf_of(&body);
    post_form(
        app,
        "/dashboard/login",
        Some(&login_cookie),
        &[("csrf", &csrf), ("token", token)],
    )
    .await
}

pub fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

/// Gives through the demo campaign's donation form (`fields`, with a fresh idempotency key) and
/// pays on the sandbox's checkout page, as a donor's browser would: the donation id.
pub async fn give_through_sandbox(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let key = uuid::Uuid::new_v4().to_string();
    let mut form = fields.to_vec();
    form.push(("idempotency_key", &key));
    let r = no_redirects()
        .post(app.at("/donate/demo"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();
    assert!(id.starts_with("don_"), "{location}");
    let paid = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/pay")))
        .send()
        .await
        .unwrap();
    let status = paid.status().as_u16();
    assert_eq!(status, 303, "{}", paid.text().await.unwrap_or_default());
    id
}
