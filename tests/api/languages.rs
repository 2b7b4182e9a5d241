//! Spanish (issue 14, item 5) on both backends: donor pages chosen by `?lang=` and by
//! `Accept-Language` (by quality), with a switcher; the form's errors in the page's language; the
//! choice carried through the form, Checkout and back; remembered with the gift, so that its
//! receipt, the thank-you and manage pages and the annual statement are in Spanish; "manage my
//! gift" emails in the language of the page they were asked on; the JSON API's `language`; bank
//! debits and membership dues (the form's choice, dues and their errors, the sandbox's two
//! steps, the thank-you page) in Spanish.

use std::sync::Arc;

use crate::bank_debit::{patch_campaign, press};
use crate::helpers::pages::{get_page, header, no_redirects, post_form};
use crate::helpers::{Backend, TestApp, spawn_app};
use donations::mail::Letter;
use donations::mail::render::{MailContext, render};
use donations::store::now;

const SECRET: &str = "languages-test-link-secret-0123456789";

async fn spawn(b: &Backend) -> TestApp {
    spawn_app(b, &[("MANAGE_LINK_SECRET", SECRET)]).await
}

/// A page fetched with an `Accept-Language` header.
async fn get_in(app: &TestApp, path: &str, accept_language: &str) -> (u16, String) {
    let r = no_redirects()
        .get(app.at(path))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The messages queued for a donation (or for none), rendered as the mail worker sends them.
async fn letters(app: &TestApp, kind: &str) -> Vec<Letter> {
    let ctx = MailContext::new(&app.config, Arc::from(SECRET.as_bytes()));
    let mut out = Vec::new();
    for m in app.store.outbox(None).await.unwrap() {
        if m.kind == kind {
            out.push(render(app.store.as_ref(), &ctx, &m, now()).await.unwrap());
        }
    }
    out
}

fn gift_form(lang: &str) -> Vec<(&'static str, String)> {
    vec![
        ("amount", "100".into()),
        ("frequency", "monthly".into()),
        ("cover_fee", "true".into()),
        ("name", "Ana Pérez".into()),
        ("email", "ana@example.org".into()),
        ("tribute_kind", "memory".into()),
        ("honoree", "Rosa Martínez".into()),
        ("idempotency_key", uuid::Uuid::new_v4().to_string()),
        ("lang", lang.into()),
    ]
}

async fn pages_speak_the_asked_language(b: Backend) {
    let app = spawn(&b).await;
    // ?lang=es: Spanish, with the switcher back to English.
    let (status, headers, body) = get_page(&app, "/donate/demo?lang=es").await;
    assert_eq!(status, 200, "{body}");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert!(body.contains("<html lang=\"es\">"), "{body}");
    for spanish in [
        "<title>Haga una donación a Demo campaign</title>",
        "Continuar al pago",
        "Cubrir la comisión (+<span id=\"fee-amount\">$",
        "Dedicar esta donación (opcional)",
        "En memoria de",
        "Muro de donantes",
        "Mensual",
        "<input type=\"hidden\" name=\"lang\" value=\"es\">",
        "<span lang=\"es\" aria-current=\"true\">Español</span>",
        "<a href=\"/donate/demo?lang=en\" hreflang=\"en\" lang=\"en\">English</a>",
    ] {
        assert!(body.contains(spanish), "missing {spanish}: {body}");
    }
    assert!(!body.contains("Continue to payment"));
    // The browser's languages, by quality: es-MX is served Spanish.
    let (_, body) = get_in(&app, "/donate/demo", "es-MX,es;q=0.9").await;
    assert!(body.contains("<html lang=\"es\">") && body.contains("Continuar al pago"));
    let (_, body) = get_in(&app, "/donate/demo", "en-US,en;q=0.9,es;q=0.8").await;
    assert!(body.contains("<html lang=\"en\">") && body.contains("Continue to payment"));
    let (_, body) = get_in(&app, "/donate/demo", "en;q=0.3, es;q=0.7").await;
    assert!(
        body.contains("Continuar al pago"),
        "q decides, not the order"
    );
    let (_, body) = get_in(&app, "/donate/demo", "tlh").await;
    assert!(
        body.contains("Continue to payment"),
        "English when we lack them all"
    );
    // ?lang= wins over the browser.
    let (_, body) = get_in(&app, "/donate/demo?lang=en", "es").await;
    assert!(body.contains("Continue to payment"));
    // The other donor pages too.
    let (_, body) = get_in(&app, "/manage", "es").await;
    assert!(body.contains("Administre su donación recurrente"), "{body}");
    assert!(body.contains("Enviarme un enlace"));
    let (_, body) = get_in(&app, "/manage/not-a-token", "es-US").await;
    assert!(body.contains("Este enlace no es válido"), "{body}");
    assert!(body.contains("Enviarme un enlace nuevo por correo electrónico"));
    let (_, body) = get_in(&app, "/donate/demo/thanks", "es").await;
    assert!(body.contains("Su apoyo significa mucho."), "{body}");
    // Staff pages stay English.
    let (_, body) = get_in(&app, "/dashboard", "es").await;
    assert!(body.contains("<html lang=\"en\">"), "{body}");
}

async fn form_errors_in_the_pages_language(b: Backend) {
    let app = spawn(&b).await;
    let form = [
        ("amount", "other"),
        ("custom_amount", "12.345"),
        ("frequency", "monthly"),
        ("name", ""),
        ("email", "not-an-email"),
        ("tribute_kind", "honor"),
        ("honoree", ""),
        ("idempotency_key", "k-es-1"),
        ("lang", "es"),
    ];
    let (status, _, body) = post_form(&app, "/donate/demo", None, &form).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("<html lang=\"es\">"), "{body}");
    for spanish in [
        "Por favor, corrija los 4 campos marcados abajo.",
        "<p class=\"error\" id=\"amount-error\">La cantidad admite como máximo 2 decimales.</p>",
        "<p class=\"error\" id=\"donor-name-error\">Escriba su nombre.</p>",
        "<p class=\"error\" id=\"donor-email-error\">La dirección de correo electrónico no es válida.</p>",
        "<p class=\"error\" id=\"honoree-error\">Escriba el nombre de la persona a quien dedica la donación.</p>",
    ] {
        assert!(body.contains(spanish), "missing {spanish}: {body}");
    }
    // The same form in English reads as it always did.
    let mut english = form.to_vec();
    english.retain(|(k, _)| *k != "lang" && *k != "idempotency_key");
    english.push(("idempotency_key", "k-en-1"));
    let (status, _, body) = post_form(&app, "/donate/demo", None, &english).await;
    assert_eq!(status, 422);
    assert!(
        body.contains("Please correct the 4 fields marked below."),
        "{body}"
    );
    assert!(
        body.contains("Email is not a valid email address"),
        "{body}"
    );
    assert!(
        body.contains("Amount has more than 2 decimal places"),
        "{body}"
    );
    // The JSON API's details stay English, whatever the language.
    let r = app
        .client
        .post(app.at("/api/v1/campaigns/demo/checkout"))
        .header("accept-language", "es")
        .json(&serde_json::json!({
            "amount": "10", "frequency": "one_time",
            "donor": {"name": "Ana", "email": "nope"}, "language": "es"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let errors: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        errors["errors"][0]["detail"],
        "is not a valid email address"
    );
}

async fn a_gift_made_in_spanish_is_remembered(b: Backend) {
    let app = spawn(&b).await;
    let form = gift_form("es");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) = post_form(&app, "/donate/demo", None, &fields).await;
    assert_eq!(status, 303, "{body}");
    let id = header(&headers, "location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let d = app.store.donation(&id).await.unwrap().unwrap();
    assert_eq!(d.language, "es");
    // The sandbox's stand-in for Checkout is in Spanish, as Checkout would be.
    let (_, checkout) = get_in(&app, &format!("/sandbox/checkout/{id}"), "en").await;
    assert!(checkout.contains("<html lang=\"es\">"), "{checkout}");
    assert!(checkout.contains("<button>Pagar</button>"), "{checkout}");
    assert!(
        checkout.contains(" cada mes de ana@example.org, con tarjeta."),
        "{checkout}"
    );
    // Back from checkout in Spanish: canceled, or paid.
    let r = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.ends_with(&format!("/donate/demo/thanks?donation={id}&lang=es")),
        "{back}"
    );
    let path = back.trim_start_matches(&app.config.public_base_url);
    let (_, thanks) = get_in(&app, path, "en-US").await;
    assert!(thanks.contains("<html lang=\"es\">"), "{thanks}");
    assert!(
        thanks.contains("Gracias por su apoyo a Demo campaign"),
        "{thanks}"
    );
    assert!(thanks.contains("cada mes, más <strong>$"), "{thanks}");
    assert!(thanks.contains("En memoria de Rosa Martínez"));
    assert!(thanks.contains("href=\"/manage?lang=es\""), "{thanks}");
    // Without ?lang=, the thank-you page still knows the gift's language.
    let (_, thanks) = get_in(&app, &format!("/donate/demo/thanks?donation={id}"), "en").await;
    assert!(thanks.contains("Gracias por su apoyo"), "{thanks}");
    // Its receipt is in Spanish, whatever language the mail worker's server speaks.
    let receipts = letters(&app, "receipt").await;
    assert_eq!(receipts.len(), 1);
    let r = &receipts[0];
    assert_eq!(r.subject, "Su recibo por su donación a Our Organization");
    assert!(r.text.starts_with("Estimado/a Ana Pérez:"), "{}", r.text);
    assert!(
        r.text.contains("Frecuencia: Donación mensual"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Donación: $100.00"), "{}", r.text);
    assert!(r.text.contains("En memoria de Rosa Martínez"));
    assert!(r.html.contains("<html lang=\"es\">"));
    // The link in it opens the manage page in Spanish (the gift's language) for any browser.
    let base = format!("{}/manage/", app.config.public_base_url);
    let link = r
        .text
        .split_whitespace()
        .find(|w| w.starts_with(&base))
        .expect("a manage link");
    let token_path = link.trim_start_matches(&app.config.public_base_url);
    let (status, page) = get_in(&app, token_path, "en-US").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Administre su donación recurrente"), "{page}");
    assert!(page.contains("al mes"), "{page}");
    assert!(page.contains("Sí, cancelar mi donación recurrente"));
    // ?lang=en shows it in English, and its forms keep English.
    let (_, page) = get_in(&app, &format!("{token_path}?lang=en"), "es").await;
    assert!(page.contains("Manage your recurring gift"), "{page}");
    assert!(page.contains("/cancel?lang=en\""), "{page}");
    // Canceling from the page: the answer in the gift's language.
    let (status, _, page) = post_form(&app, &format!("{token_path}/cancel"), None, &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Su donación recurrente está cancelada"),
        "{page}"
    );

    // A canceled checkout comes back to the donation page in Spanish.
    let form = gift_form("es");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, headers, _) = post_form(&app, "/donate/demo", None, &fields).await;
    let id = header(&headers, "location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let r = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/cancel")))
        .send()
        .await
        .unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.ends_with("/donate/demo?canceled=1&lang=es"), "{back}");
    let (_, page) = get_in(
        &app,
        back.trim_start_matches(&app.config.public_base_url),
        "en",
    )
    .await;
    assert!(
        page.contains("Se canceló el pago; no se hizo ningún cargo."),
        "{page}"
    );

    // The year's statement is in the language of her latest gift.
    let year: i32 = donations::domain::time::format_time(now())[..4]
        .parse()
        .unwrap();
    let statements = donations::mail::statements::build(
        app.store.as_ref(),
        year,
        &donations::domain::zone::Zone::utc(),
    )
    .await
    .unwrap();
    let ana = statements
        .iter()
        .find(|s| s.donor_key == "ana@example.org")
        .unwrap();
    assert_eq!(ana.language, "es");
    let letter = donations::mail::statements::render(&app.config.org, ana).unwrap();
    assert!(
        letter.subject.starts_with("Su resumen de donaciones de"),
        "{}",
        letter.subject
    );
    assert!(
        letter.text.contains("Donación mensual, Demo campaign"),
        "{}",
        letter.text
    );
}

async fn the_api_and_manage_my_gift_remember_the_language(b: Backend) {
    let app = spawn(&b).await;
    let checkout = |body: serde_json::Value, accept: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.at("/api/v1/campaigns/demo/checkout"))
                .header("accept-language", accept)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201);
            let v: serde_json::Value = r.json().await.unwrap();
            let id = v["donation_id"].as_str().unwrap().to_string();
            app.store.donation(&id).await.unwrap().unwrap().language
        }
    };
    let gift = |email: &str| {
        serde_json::json!({"amount": "20", "frequency": "one_time",
            "donor": {"name": "Luis", "email": email}})
    };
    // The browser's language, or the body's, as one we have.
    assert_eq!(
        checkout(gift("a@example.org"), "es-MX,es;q=0.9").await,
        "es"
    );
    assert_eq!(checkout(gift("b@example.org"), "tlh").await, "en");
    let mut with_language = gift("c@example.org");
    with_language["language"] = "es".into();
    assert_eq!(checkout(with_language.clone(), "en-US").await, "es");
    with_language["language"] = "tlh".into();
    assert_eq!(
        checkout(with_language, "es").await,
        "es",
        "a language we lack is no choice"
    );

    // "Manage my gift" asked on the Spanish page: the email is in Spanish.
    let form = gift_form("es");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, headers, _) = post_form(&app, "/donate/demo", None, &fields).await;
    let id = header(&headers, "location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let paid = no_redirects()
        .post(app.at(&format!("/sandbox/checkout/{id}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status().as_u16(), 303);
    let (status, _, page) = post_form(
        &app,
        "/manage",
        None,
        &[("email", "ana@example.org"), ("lang", "es")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Si esa dirección tiene una donación recurrente"),
        "{page}"
    );
    let sent = letters(&app, "manage_links").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].subject,
        "Sus enlaces para administrar sus donaciones a Our Organization"
    );
    assert!(
        sent[0]
            .text
            .contains("Donación mensual para Demo campaign: $"),
        "{}",
        sent[0].text
    );
    assert!(
        sent[0].text.contains(" al mes, desde el "),
        "{}",
        sent[0].text
    );
    // A malformed address, in Spanish.
    let (status, _, page) =
        post_form(&app, "/manage", None, &[("email", "nope"), ("lang", "es")]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("La dirección de correo electrónico no es válida."),
        "{page}"
    );
}

async fn bank_debits_and_membership_dues_in_spanish(b: Backend) {
    let app = spawn(&b).await;
    let (status, c) = patch_campaign(
        &app,
        "demo",
        serde_json::json!({"membership_dues": "60", "bank_debit": true}),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    // The page's dues, payment choice and bank debit fee, in each language.
    let (_, es) = get_in(&app, "/donate/demo", "es").await;
    for spanish in [
        "Cuota de membresía: al menos $60.00 al año o $5.00 al mes.",
        "<legend>Forma de pago</legend>",
        "value=\"card\" checked> Tarjeta</label>",
        "value=\"us_bank_account\"> Cuenta bancaria (ACH)</label>",
        "le cuesta menos a la organización (0.8\u{a0}%, como máximo $5.00)",
    ] {
        assert!(es.contains(spanish), "missing {spanish}: {es}");
    }
    let (_, en) = get_in(&app, "/donate/demo", "en").await;
    for english in [
        "Membership dues: at least $60.00 a year, or $5.00 a month.",
        "<legend>Pay by</legend>",
        "value=\"us_bank_account\"> Bank account (ACH)</label>",
        "A US bank account costs the nonprofit less (0.8%, at most $5.00);",
    ] {
        assert!(en.contains(english), "missing {english}: {en}");
    }
    // Below the dues, and a method there is not: each error at its field, in Spanish.
    let form = |amount: &'static str, method: &'static str, key: &'static str| {
        vec![
            ("amount", "other"),
            ("custom_amount", amount),
            ("frequency", "monthly"),
            ("payment_method", method),
            ("name", "Ana Pérez"),
            ("email", "ana@example.org"),
            ("idempotency_key", key),
            ("lang", "es"),
        ]
    };
    let (status, _, body) = post_form(
        &app,
        "/donate/demo",
        None,
        &form("4.99", "us_bank_account", "k-1"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains(
            "<p class=\"error\" id=\"amount-error\">La cantidad mínima es de $5.00 al mes: la \
             cuota de membresía es de $60.00 al año.</p>"
        ),
        "{body}"
    );
    assert!(body.contains("value=\"us_bank_account\" checked> Cuenta bancaria (ACH)"));
    let (status, _, body) =
        post_form(&app, "/donate/demo", None, &form("5", "cheque", "k-2")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains(
            "<p class=\"error\" id=\"payment-method-error\">Elija una forma de pago: tarjeta o \
             cuenta bancaria.</p>"
        ),
        "{body}"
    );
    // The same errors in English, as the page wrote them.
    let mut english = form("4.99", "cheque", "k-3");
    english.retain(|(k, _)| *k != "lang");
    let (_, _, body) = post_form(&app, "/donate/demo", None, &english).await;
    assert!(
        body.contains("Amount must be at least $5.00 a month: membership dues are $60.00 a year"),
        "{body}"
    );
    assert!(body.contains("Payment method must be card or us_bank_account"));

    // $5.00 a month from a bank account: the sandbox's two steps and the thank-you page.
    let (status, headers, body) = post_form(
        &app,
        "/donate/demo",
        None,
        &form("5", "us_bank_account", "k-4"),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let id = header(&headers, "location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (_, checkout) = get_in(&app, &format!("/sandbox/checkout/{id}"), "en").await;
    assert!(
        checkout.contains("con cuenta bancaria (débito ACH).")
            && checkout.contains("<button>Autorizar el débito</button>"),
        "{checkout}"
    );
    assert_eq!(press(&app, &id, "pay").await.0, 303);
    let (_, checkout) = get_in(&app, &format!("/sandbox/checkout/{id}"), "en").await;
    assert!(
        checkout.contains("<button>El banco confirma el débito</button>"),
        "{checkout}"
    );
    let (_, thanks) = get_in(&app, &format!("/donate/demo/thanks?donation={id}"), "en").await;
    for spanish in [
        "Esta donación paga su cuota de membresía.",
        "Forma de pago: cuenta bancaria (ACH).",
        "Su pago bancario se está procesando: los bancos tardan unos días hábiles",
        "para cambiar la cuenta bancaria o la cantidad de esta donación",
    ] {
        assert!(thanks.contains(spanish), "missing {spanish}: {thanks}");
    }
    let (_, thanks) = get_in(
        &app,
        &format!("/donate/demo/thanks?donation={id}&lang=en"),
        "es",
    )
    .await;
    for english in [
        "This gift pays your membership dues.",
        "Paid by bank account (ACH).",
        "Your bank payment is processing: banks take a few business days to confirm it.",
        "to change the bank account or amount of this gift",
    ] {
        assert!(thanks.contains(english), "missing {english}: {thanks}");
    }
}

backend_tests!(
    pages_speak_the_asked_language,
    form_errors_in_the_pages_language,
    a_gift_made_in_spanish_is_remembered,
    the_api_and_manage_my_gift_remember_the_language,
    bank_debits_and_membership_dues_in_spanish,
);
