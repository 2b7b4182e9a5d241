//! Staff accounts on both backends: the first admin from the CLI, a sign-in link asked for and
//! emailed (through the outbox and the file transport), confirmed and spent once; an invitation
//! the same way; expired links refused; the same answer for unknown addresses (and no email);
//! rate limits per address and per person; revocation ending sessions, tokens and links; and
//! the staff role answered 403 on admin actions, in the API and the dashboard.

use std::path::Path;
use std::process::Command;

use crate::helpers::pages::{
    csrf_of, get_page, get_with_cookie, header, post_form, session_cookie,
};
use crate::helpers::{Backend, TestApp, spawn_app};
use donations::services::staff_accounts::{self, Actor, InviteInput};
use donations::services::staff_tokens::{hash_token, link_secret};
use donations::store::{StaffMember, StaffRole, now};

const SECRET: &str = "staff-accounts-test-link-secret-0123456789";

/// An app whose email goes to files in `dir`, with a known link secret.
async fn app(b: &Backend, dir: &Path, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![
        ("MAIL_OUTBOX_DIR", dir.to_str().unwrap()),
        ("MANAGE_LINK_SECRET", SECRET),
    ];
    all.extend_from_slice(vars);
    spawn_app(b, &all).await
}

/// Sends what the outbox holds, as the server's worker would: (sent, failed).
async fn send_mail(app: &TestApp) -> (usize, usize) {
    let worker = donations::app::open_mail_worker(&app.config)
        .await
        .expect("worker");
    let round = worker.drain().await.expect("drain");
    worker.store.close().await;
    (round.sent, round.failed)
}

/// The emails in `dir` sent to `to`, by file name.
fn mail_to(dir: &Path, to: &str) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_else(|_| Vec::new());
    names.sort();
    names
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .filter(|m| {
            m.to_lowercase()
                .contains(&format!("to: {}", to.to_lowercase()))
        })
        .collect()
}

/// The sign-in link's secret in an email.
fn link_in(mail: &str) -> String {
    let at = mail
        .find("/dashboard/signin?link=dsl_")
        .expect("a sign-in link")
        + 23;
    mail[at..at + 68].to_string()
}

/// Asks for a sign-in link on the sign-in page, as a browser: (status, page).
async fn ask_for_link(app: &TestApp, email: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let (_, headers, body) = get_page(app, "/dashboard").await;
    let login = session_cookie(&headers);
    let csrf = csrf_of(&body);
    post_form(
        app,
        "/dashboard/login/link",
        Some(&login),
        &[("csrf", &csrf), ("email", email)],
    )
    .await
}

/// Opens the link's confirmation page and presses its button: (status, session cookie).
async fn redeem(app: &TestApp, secret: &str) -> (u16, String) {
    let (status, headers, body) = get_page(app, &format!("/dashboard/signin?link={secret}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Sign in as"), "{body}");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    let login = session_cookie(&headers);
    let csrf = csrf_of(&body);
    let (status, headers, _) = post_form(
        app,
        "/dashboard/signin",
        Some(&login),
        &[("csrf", &csrf), ("link", secret)],
    )
    .await;
    (status, session_cookie(&headers))
}

/// A person added through the store's use case, as the CLI or an invitation adds them.
async fn person(app: &TestApp, email: &str, role: StaffRole) -> StaffMember {
    let admin = Actor {
        member_id: None,
        name: "test".into(),
        role: StaffRole::Admin,
        organization: "default".into(),
    };
    let input = InviteInput {
        email: email.into(),
        name: Some(format!("Name of {email}")),
        role: role.as_str().into(),
    };
    staff_accounts::invite(
        app.store.as_ref(),
        SECRET.as_bytes(),
        &app.config.staff,
        &admin,
        &input,
        now(),
    )
    .await
    .expect("invited")
}

/// A signed-in dashboard session of `email` (a fresh link, emailed and spent).
async fn session_of(app: &TestApp, dir: &Path, email: &str) -> String {
    let before = mail_to(dir, email).len();
    let (status, _, _) = ask_for_link(app, email).await;
    assert_eq!(status, 200);
    send_mail(app).await;
    let mails = mail_to(dir, email);
    assert_eq!(mails.len(), before + 1, "one more email to {email}");
    let (status, cookie) = redeem(app, &link_in(mails.last().unwrap())).await;
    assert_eq!(status, 303);
    cookie
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = app.client.request(method, app.at(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

backend_tests!(
    an_invitation_and_a_sign_in_link_each_sign_in_once,
    expired_links_are_refused_and_not_sent,
    unknown_addresses_get_the_same_answer_and_no_email,
    sign_in_requests_are_rate_limited_per_address_and_per_person,
    revoking_a_person_ends_their_sessions_tokens_and_links,
    the_staff_role_is_refused_admin_actions,
    the_cli_creates_the_first_admin_and_their_token,
);

async fn an_invitation_and_a_sign_in_link_each_sign_in_once(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    staff_accounts::add_admin(
        app.store.as_ref(),
        "Boss@Example.org",
        Some("Boss"),
        "default",
        now(),
    )
    .await
    .unwrap();

    // The admin asks for a link (by another spelling of the address) and signs in with it.
    let admin = session_of(&app, dir.path(), "Boss@Example.org").await;
    let (status, body) = get_with_cookie(&app, "/dashboard", &admin).await;
    assert_eq!(status, 200);
    assert!(body.contains("Signed in as Boss"), "{body}");

    // They invite Rosa as staff from the Staff page.
    let (status, body) = get_with_cookie(&app, "/dashboard/staff", &admin).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&body);
    let (status, _, body) = post_form(
        &app,
        "/dashboard/staff",
        Some(&admin),
        &[
            ("csrf", &csrf),
            ("email", "rosa@example.org"),
            ("name", "Rosa Martínez"),
            ("role", "staff"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Invitation sent to rosa@example.org (staff)."),
        "{body}"
    );
    // Without the CSRF token, nothing.
    let (status, _, _) = post_form(
        &app,
        "/dashboard/staff",
        Some(&admin),
        &[("email", "eve@example.org"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, 403);

    // The outbox names the link by id only; the store keeps only the hash of its secret.
    let outbox = app.store.outbox(None).await.unwrap();
    let invite = outbox
        .iter()
        .find(|m| m.kind == "staff_invite" && m.recipient == "rosa@example.org")
        .expect("the invitation is queued");
    let link_id = invite.payload.clone().unwrap();
    let secret = link_secret(SECRET.as_bytes(), &link_id);
    assert!(
        outbox
            .iter()
            .all(|m| !m.payload.as_deref().unwrap_or_default().contains("dsl_"))
    );
    let stored = app.store.signin_link(&link_id).await.unwrap().unwrap();
    assert_eq!(
        app.store
            .signin_link_by_hash(&hash_token(&secret))
            .await
            .unwrap(),
        Some(stored)
    );

    assert_eq!(send_mail(&app).await, (1, 0));
    let mails = mail_to(dir.path(), "rosa@example.org");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Boss has invited you"), "{}", mails[0]);
    assert_eq!(link_in(&mails[0]), secret);

    // Opening the link spends nothing (a mail scanner may open it); the button does.
    for _ in 0..2 {
        let (status, _, body) = get_page(&app, &format!("/dashboard/signin?link={secret}")).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("Sign in as <strong>Rosa Martínez</strong>"),
            "{body}"
        );
    }
    let (status, rosa) = redeem(&app, &secret).await;
    assert_eq!(status, 303);
    let (status, body) = get_with_cookie(&app, "/dashboard", &rosa).await;
    assert_eq!(status, 200);
    assert!(body.contains("Signed in as Rosa Martínez"), "{body}");
    // The session's forms work: Rosa signs out.
    let csrf = csrf_of(&body);
    let (status, _, body) =
        post_form(&app, "/dashboard/logout", Some(&rosa), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(body.contains("You are signed out."));

    // Once only: the page and the button both refuse it now.
    let (status, _, body) = get_page(&app, &format!("/dashboard/signin?link={secret}")).await;
    assert_eq!(status, 401);
    assert!(body.contains("was used already or has expired"), "{body}");
    let (_, headers, body) = get_page(&app, "/dashboard").await;
    let (status, headers, body) = post_form(
        &app,
        "/dashboard/signin",
        Some(&session_cookie(&headers)),
        &[("csrf", &csrf_of(&body)), ("link", &secret)],
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(!header(&headers, "set-cookie").starts_with("donations_session="));
    // A made-up link of the right shape is refused the same way.
    let forged = format!("dsl_{}", "ab".repeat(32));
    let (status, _, _) = get_page(&app, &format!("/dashboard/signin?link={forged}")).await;
    assert_eq!(status, 401);
}

async fn expired_links_are_refused_and_not_sent(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    let m = person(&app, "late@example.org", StaffRole::Staff).await;
    send_mail(&app).await;
    // A link asked for an hour ago (time is a value): it expired after SIGNIN_LINK_TTL (15 min).
    let asked = staff_accounts::request_link(
        app.store.as_ref(),
        SECRET.as_bytes(),
        &app.config.staff,
        "late@example.org",
        now() - 3600,
    )
    .await
    .unwrap();
    assert_eq!(asked, staff_accounts::LinkRequest::Sent);
    let message = app
        .store
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.kind == "staff_signin")
        .unwrap();
    let secret = link_secret(SECRET.as_bytes(), message.payload.as_deref().unwrap());
    let link = app
        .store
        .signin_link_by_hash(&hash_token(&secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.member.id, m.id);
    assert_eq!(link.expires_at, link.created_at + 900);

    // The worker does not send a link that can no longer be used.
    assert_eq!(send_mail(&app).await, (0, 1));
    assert_eq!(
        mail_to(dir.path(), "late@example.org").len(),
        1,
        "the invitation only"
    );

    let (status, _, body) = get_page(&app, &format!("/dashboard/signin?link={secret}")).await;
    assert_eq!(status, 401);
    assert!(body.contains("has expired"), "{body}");
    let (_, headers, body) = get_page(&app, "/dashboard").await;
    let (status, _, _) = post_form(
        &app,
        "/dashboard/signin",
        Some(&session_cookie(&headers)),
        &[("csrf", &csrf_of(&body)), ("link", &secret)],
    )
    .await;
    assert_eq!(status, 401);
    let spent = app
        .store
        .signin_link_by_hash(&hash_token(&secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spent.used_at, None, "a refused link is not marked used");
}

/// The page with its random CSRF tokens blanked, to compare two answers.
fn without_tokens(page: &str) -> String {
    let mut out = page.to_string();
    while let Some(at) = out.find("name=\"csrf\" value=\"") {
        let start = at + 19;
        let end = start + out[start..].find('"').unwrap();
        out.replace_range(at..end, "CSRF");
    }
    out
}

async fn unknown_addresses_get_the_same_answer_and_no_email(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    person(&app, "known@example.org", StaffRole::Staff).await;
    let gone = person(&app, "gone@example.org", StaffRole::Staff).await;
    let admin = person(&app, "admin@example.org", StaffRole::Admin).await;
    let cli = Actor {
        member_id: Some(admin.id),
        name: "admin".into(),
        role: StaffRole::Admin,
        organization: "default".into(),
    };
    staff_accounts::revoke(app.store.as_ref(), &cli, gone.id, now())
        .await
        .unwrap();
    send_mail(&app).await;

    let (s1, _, known) = ask_for_link(&app, "known@example.org").await;
    let (s2, _, unknown) = ask_for_link(&app, "nobody@example.org").await;
    let (s3, _, revoked) = ask_for_link(&app, "gone@example.org").await;
    assert_eq!((s1, s2, s3), (200, 200, 200));
    assert!(known.contains("If that address belongs to a staff member"));
    assert_eq!(without_tokens(&known), without_tokens(&unknown));
    assert_eq!(without_tokens(&known), without_tokens(&revoked));

    assert_eq!(send_mail(&app).await, (1, 0));
    assert_eq!(
        mail_to(dir.path(), "known@example.org").len(),
        2,
        "invitation and link"
    );
    assert!(mail_to(dir.path(), "nobody@example.org").is_empty());
    assert!(
        mail_to(dir.path(), "gone@example.org").is_empty(),
        "not even the invitation: it was revoked before it was sent"
    );

    // A malformed address is the one error, and it names the field.
    let (status, _, body) = ask_for_link(&app, "not an address").await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"email-error\""), "{body}");
    // Without the sign-in form's CSRF cookie, nothing is sent.
    let (status, _, _) = post_form(
        &app,
        "/dashboard/login/link",
        None,
        &[("csrf", "x"), ("email", "known@example.org")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(send_mail(&app).await, (0, 0));
}

async fn sign_in_requests_are_rate_limited_per_address_and_per_person(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[("SIGNIN_RATE_PER_IP", "3/hour")]).await;
    for i in 0..3 {
        let (status, _, _) = ask_for_link(&app, &format!("p{i}@example.org")).await;
        assert_eq!(status, 200);
    }
    let (status, headers, body) = ask_for_link(&app, "p9@example.org").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("Too many sign-in requests"));
    assert!(header(&headers, "retry-after").parse::<u64>().unwrap() > 0);

    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&b, dir.path(), &[("SIGNIN_RATE_PER_EMAIL", "2/hour")]).await;
    person(&app, "busy@example.org", StaffRole::Staff).await;
    send_mail(&app).await;
    let mut pages = Vec::new();
    for _ in 0..4 {
        let (status, _, body) = ask_for_link(&app, "busy@example.org").await;
        assert_eq!(status, 200, "the same answer past the limit");
        pages.push(without_tokens(&body));
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]));
    // The invitation counts as one of the person's links: one more sign-in link is sent.
    assert_eq!(send_mail(&app).await, (1, 0));
    assert_eq!(mail_to(dir.path(), "busy@example.org").len(), 2);
}

/// `app` with the per-address limit off.
async fn app_with(b: &Backend, dir: &Path, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("SIGNIN_RATE_PER_IP", "off")];
    all.extend_from_slice(vars);
    app(b, dir, &all).await
}

async fn revoking_a_person_ends_their_sessions_tokens_and_links(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    let boss = person(&app, "boss@example.org", StaffRole::Admin).await;
    let rosa = person(&app, "rosa@example.org", StaffRole::Staff).await;
    send_mail(&app).await;
    let (boss_token, _) =
        staff_accounts::create_token(app.store.as_ref(), "boss@example.org", "script")
            .await
            .unwrap();
    let (rosa_token, t) =
        staff_accounts::create_token(app.store.as_ref(), "ROSA@example.org", "export")
            .await
            .unwrap();
    assert_eq!(t.member_id, Some(rosa.id));
    let rosa_session = session_of(&app, dir.path(), "rosa@example.org").await;
    // A link Rosa asked for but has not used yet.
    ask_for_link(&app, "rosa@example.org").await;
    send_mail(&app).await;
    let unused = link_in(mail_to(dir.path(), "rosa@example.org").last().unwrap());

    let (status, me) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/staff/me",
        &rosa_token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "staff");
    assert_eq!(me["member_id"], rosa.id);
    let (status, _) = get_with_cookie(&app, "/dashboard/staff", &rosa_session).await;
    assert_eq!(status, 200);

    let path = format!("/api/v1/staff/members/{}", rosa.id);
    let (status, body) = api(&app, reqwest::Method::DELETE, &path, &boss_token, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked_at"].is_string());
    // Everything of Rosa's has ended.
    let (status, _) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/staff/me",
        &rosa_token,
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = get_with_cookie(&app, "/dashboard/staff", &rosa_session).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Email me a sign-in link"),
        "the sign-in page: {body}"
    );
    let (status, _, _) = get_page(&app, &format!("/dashboard/signin?link={unused}")).await;
    assert_eq!(status, 401);
    // Revoked twice: no such active person.
    let (status, _) = api(&app, reqwest::Method::DELETE, &path, &boss_token, None).await;
    assert_eq!(status, 404);

    // The last admin stays.
    let path = format!("/api/v1/staff/members/{}", boss.id);
    let (status, body) = api(&app, reqwest::Method::DELETE, &path, &boss_token, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("last admin")
    );

    // Re-invited, Rosa is back (with a new role), but her old link stays spent.
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/staff/members",
        &boss_token,
        Some(serde_json::json!({"email": "rosa@example.org", "role": "admin"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["id"].as_i64(), &body["role"]),
        (Some(rosa.id), &serde_json::json!("admin"))
    );
    assert!(body["revoked_at"].is_null());
    let (status, _, _) = get_page(&app, &format!("/dashboard/signin?link={unused}")).await;
    assert_eq!(status, 401);
}

async fn the_staff_role_is_refused_admin_actions(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    person(&app, "boss@example.org", StaffRole::Admin).await;
    let rosa = person(&app, "rosa@example.org", StaffRole::Staff).await;
    send_mail(&app).await;
    let (token, _) = staff_accounts::create_token(app.store.as_ref(), "rosa@example.org", "t")
        .await
        .unwrap();
    let forbidden = |(status, body): (u16, serde_json::Value)| {
        assert_eq!(status, 403, "{body}");
        assert!(
            body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("only an admin")
        );
    };
    use reqwest::Method;
    let campaign = serde_json::json!({"slug": "x", "name": "X", "goal": "100"});
    forbidden(
        api(
            &app,
            Method::POST,
            "/api/v1/staff/campaigns",
            &token,
            Some(campaign),
        )
        .await,
    );
    let patch = serde_json::json!({"name": "Renamed"});
    forbidden(
        api(
            &app,
            Method::PATCH,
            "/api/v1/staff/campaigns/demo",
            &token,
            Some(patch),
        )
        .await,
    );
    let invite = serde_json::json!({"email": "eve@example.org", "role": "admin"});
    forbidden(
        api(
            &app,
            Method::POST,
            "/api/v1/staff/members",
            &token,
            Some(invite),
        )
        .await,
    );
    forbidden(
        api(
            &app,
            Method::DELETE,
            "/api/v1/staff/members/1",
            &token,
            None,
        )
        .await,
    );
    // Reading and the staff role's own work are allowed.
    let (status, body) = api(&app, Method::GET, "/api/v1/staff/members", &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    let (status, _) = api(&app, Method::GET, "/api/v1/staff/donations", &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.progress("demo").await["name"],
        "Demo campaign",
        "unchanged"
    );

    // The dashboard holds the session to the same rule.
    let session = session_of(&app, dir.path(), "rosa@example.org").await;
    let r = crate::helpers::pages::no_redirects()
        .get(app.at("/dashboard/campaigns/new"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("only an admin")
    );
    let (status, page) = get_with_cookie(&app, "/dashboard/staff", &session).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Send invitation") && !page.contains("/revoke"));
    let csrf = csrf_of(&page);
    let (status, _, _) = post_form(
        &app,
        "/dashboard/staff",
        Some(&session),
        &[
            ("csrf", &csrf),
            ("email", "eve@example.org"),
            ("role", "admin"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let path = format!("/dashboard/staff/{}/revoke", rosa.id);
    let (status, _, _) = post_form(&app, &path, Some(&session), &[("csrf", &csrf)]).await;
    assert_eq!(status, 403);
    assert_eq!(
        app.store.staff_members().await.unwrap().len(),
        2,
        "nobody added or revoked"
    );

    // An admin's bad input names the field; a second invitation of an active person conflicts.
    let (boss, _) = staff_accounts::create_token(app.store.as_ref(), "boss@example.org", "boss-t")
        .await
        .unwrap();
    let bad = serde_json::json!({"email": "eve@example.org", "role": "owner"});
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/staff/members",
        &boss,
        Some(bad),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "role");
    let bad = serde_json::json!({"email": "eve@", "role": "staff"});
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/staff/members",
        &boss,
        Some(bad),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "email");
    let again = serde_json::json!({"email": "Rosa@Example.org", "role": "staff"});
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/staff/members",
        &boss,
        Some(again),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = api(
        &app,
        Method::DELETE,
        "/api/v1/staff/members/abc",
        &boss,
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "id");
}

async fn the_cli_creates_the_first_admin_and_their_token(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&b, dir.path(), &[]).await;
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_donations"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run donations");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["staff", "add-admin", "Boss@Example.org", "--name", "Boss"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("ask for a sign-in link"), "{out}");
    let m = app
        .store
        .staff_member_by_email("boss@example.org")
        .await
        .unwrap()
        .expect("the admin");
    assert_eq!(
        (m.role, m.name.as_str(), m.invited_by),
        (StaffRole::Admin, "Boss", None)
    );
    let (ok, _, err) = run(&["staff", "add-admin", "boss@example.org"]);
    assert!(!ok && err.contains("already a staff member"), "{err}");
    let (ok, _, err) = run(&["staff", "add-admin", "not-an-email"]);
    assert!(!ok && err.contains("--email"), "{err}");

    let (ok, token, err) = run(&[
        "staff",
        "create-token",
        "--email",
        "boss@example.org",
        "--name",
        "cron",
    ]);
    assert!(ok, "{err}");
    let (status, me) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/staff/me",
        token.trim(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("Boss"), Some("admin"))
    );
    let (ok, _, err) = run(&[
        "staff",
        "create-token",
        "--email",
        "nobody@example.org",
        "--name",
        "x",
    ]);
    assert!(!ok && err.contains("no active staff member"), "{err}");
    // The old command still makes a token (of no person, acting as an admin).
    let (ok, legacy, err) = run(&["staff", "token", "create", "--name", "old-script"]);
    assert!(ok, "{err}");
    let (status, me) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/staff/me",
        legacy.trim(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["member_id"].is_null(), me["role"].as_str()),
        (true, Some("admin"))
    );
    let (ok, out, _) = run(&["staff", "list"]);
    assert!(
        ok && out.contains("Boss@Example.org\tadmin\tactive\tBoss"),
        "{out}"
    );

    // The admin signs in by a link asked for on the page.
    let cookie = session_of(&app, dir.path(), "boss@example.org").await;
    let (status, body) = get_with_cookie(&app, "/dashboard/staff", &cookie).await;
    assert_eq!(status, 200);
    assert!(body.contains("Send invitation"));
    let (ok, out, err) = run(&["staff", "revoke", "boss@example.org"]);
    assert!(!ok && err.contains("last admin"), "{out}{err}");
}
