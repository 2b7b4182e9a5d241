//! Supporters' pages in Spanish on both backends (issues 14, items 1 and 5): the walk of a
//! supporter who speaks Spanish (the campaign's invitation, the sign-up form and its errors, the
//! welcome email, the owner's page in the language the page was started in, its confirmation
//! and edit errors, the approval email, the public page, a gift through it whose receipt is in
//! Spanish, the campaign's list, lost links), and the sign-up API's `language`.

use std::sync::Arc;

use serde_json::json;

use crate::fundraisers::{
    SECRET, give_on, link_in_mail, outbox_of_kind, pay, post_json, spawn, staff,
};
use crate::helpers::pages::{get_page, header, no_redirects, post_form};
use crate::helpers::{Backend, TestApp};
use donations::mail::Letter;
use donations::mail::render::{MailContext, render};
use donations::store::{OutboxMessage, now};

/// `m` rendered as the mail worker would send it now.
async fn letter(app: &TestApp, m: &OutboxMessage) -> Letter {
    let ctx = MailContext::new(&app.config, Arc::from(SECRET.as_bytes()));
    render(app.store.as_ref(), &ctx, m, now()).await.unwrap()
}

/// The newest email of `kind`, rendered.
async fn newest(app: &TestApp, kind: &str) -> Letter {
    let m = outbox_of_kind(app, kind)
        .await
        .pop()
        .unwrap_or_else(|| panic!("no {kind} email"));
    letter(app, &m).await
}

fn assert_shows(html: &str, all: &[&str]) {
    for text in all {
        assert!(html.contains(text), "missing {text}: {html}");
    }
}

async fn a_supporters_walk_in_spanish(b: Backend) {
    let app = spawn(&b, &[]).await;
    let token = app.staff_token("staff-es").await;
    let org = app.config.org.name.clone();

    // The campaign's page in Spanish invites supporters, in Spanish.
    let (_, _, campaign_page) = get_page(&app, "/donate/demo?lang=es").await;
    assert_shows(
        &campaign_page,
        &[
            r#"<a href="/donate/demo/fundraise?lang=es" id="start-fundraiser">Cree su propia página de recaudación para esta campaña</a>"#,
        ],
    );

    // The sign-up form, with its switcher (the browser says nothing: `?lang=` chose).
    let (status, _, form) = get_page(&app, "/donate/demo/fundraise?lang=es").await;
    assert_eq!(status, 200, "{form}");
    assert_shows(
        &form,
        &[
            "<html lang=\"es\">",
            "<title>Cree una página de recaudación para Demo campaign</title>",
            "<h1>Recaude fondos para Demo campaign</h1>",
            "Su nombre (aparece en la página)",
            "Su meta (USD)",
            "revisa cada página de recaudación nueva antes de publicarla.",
            r#"<input type="hidden" name="lang" value="es">"#,
            r#"<a href="/donate/demo/fundraise?lang=en" hreflang="en" lang="en">English</a>"#,
            r#"<a href="/fundraisers/manage?lang=es">¿Perdió el enlace"#,
            ">Crear mi página</button>",
        ],
    );
    assert!(!form.contains("Start my page") && !form.contains("Your name"));

    // Its errors, in Spanish beside each field (the form's `lang`, not the browser, decides).
    let (status, _, body) = post_form(
        &app,
        "/donate/demo/fundraise",
        None,
        &[
            ("name", " "),
            ("email", "ana@"),
            ("goal", "mucho"),
            ("title", "Una\nlínea"),
            ("lang", "es"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_shows(
        &body,
        &[
            "<html lang=\"es\">",
            "Por favor, corrija los 4 campos marcados abajo.",
            r#"<p class="error" id="fr-name-error">Escriba su nombre.</p>"#,
            r#"<p class="error" id="fr-email-error">La dirección de correo electrónico no es válida.</p>"#,
            r#"<p class="error" id="fr-goal-error">Escriba su meta en números, como 500 o 500.00.</p>"#,
            r#"<p class="error" id="fr-title-error">El título: escríbalo en una sola línea.</p>"#,
        ],
    );
    assert!(!body.contains("must"), "no English: {body}");
    assert!(outbox_of_kind(&app, "fundraiser_welcome").await.is_empty());

    // Started in Spanish: the page records it, and its welcome email is in Spanish.
    let (status, _, sent) = post_form(
        &app,
        "/donate/demo/fundraise",
        None,
        &[
            ("name", "Ana Pérez"),
            ("email", "ana@example.org"),
            ("goal", "500"),
            ("story", "Corro el maratón en mayo."),
            ("lang", "es"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_shows(
        &sent,
        &["¡Gracias! Le enviamos por correo electrónico un enlace privado"],
    );
    let welcome = outbox_of_kind(&app, "fundraiser_welcome").await;
    let id = welcome[0].payload.clone().unwrap();
    let f = app.store.fundraiser(&id).await.unwrap().unwrap();
    assert_eq!((f.slug.as_str(), f.language.as_str()), ("ana-perez", "es"));
    let mail = letter(&app, &welcome[0]).await;
    assert_eq!(
        mail.subject,
        "Confirme su página de recaudación para Demo campaign"
    );
    assert!(
        mail.text.starts_with("Estimado/a Ana Pérez:\n"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("Para confirmar que esta dirección es suya")
    );
    assert!(mail.text.contains(&format!(
        "{org} revisa cada página de recaudación nueva antes de publicarla"
    )));
    assert!(mail.html.contains("<html lang=\"es\">"));

    // The owner's page is in the page's language, whatever the browser says; `?lang=` wins.
    let link = link_in_mail(&app, "fundraiser_welcome").await;
    let (status, _, owner) = get_page(&app, &link).await;
    assert_eq!(status, 200, "{owner}");
    assert_shows(
        &owner,
        &[
            "<html lang=\"es\">",
            "<h1>Su página de recaudación para Demo campaign</h1>",
            "Su página de recaudación todavía no es pública",
            ">Confirmar mi dirección</button>",
            "Guardar mi página",
        ],
    );
    let (_, _, english) = get_page(&app, &format!("{link}?lang=en")).await;
    assert!(
        english.contains("<h1>Your page for Demo campaign</h1>"),
        "{english}"
    );
    // Confirmed from the Spanish page: back to it (its own language, not repeated).
    let (status, headers, _) = post_form(&app, &format!("{link}/confirm?lang=es"), None, &[]).await;
    assert_eq!(status, 303);
    assert!(header(&headers, "location").ends_with("?done=confirmed"));
    let (_, _, owner) = get_page(&app, &format!("{link}?done=confirmed")).await;
    assert_shows(
        &owner,
        &[
            "Gracias: su dirección quedó confirmada.",
            "Su dirección quedó confirmada. ",
            "revisa cada página de recaudación nueva antes de publicarla",
        ],
    );
    // An edit with errors, in Spanish; an edit from the English page comes back in English.
    let (status, _, body) = post_form(
        &app,
        &format!("{link}?lang=es"),
        None,
        &[
            ("name", "ana@example.org"),
            ("goal", "0"),
            ("title", ""),
            ("story", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_shows(
        &body,
        &[
            "Por favor, corrija los 2 campos marcados abajo; no se guardó nada.",
            "Escriba un nombre (la página es pública), no una dirección de correo electrónico ni un número de teléfono.",
            "La meta debe ser mayor que cero.",
        ],
    );
    let (status, headers, _) = post_form(
        &app,
        &format!("{link}?lang=en"),
        None,
        &[
            ("name", "Ana Pérez"),
            ("goal", "500"),
            ("title", ""),
            ("story", "Corro el maratón en mayo."),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(header(&headers, "location").ends_with("?done=saved&lang=en"));

    // Staff approve it (in English: staff pages are English); its owner is told in Spanish.
    let path = format!("/api/v1/staff/fundraisers/{}/approve", f.id);
    let (status, body) = staff(&app, &token, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let approved = newest(&app, "fundraiser_approved").await;
    assert_eq!(
        approved.subject,
        "Su página de recaudación para Demo campaign ya está publicada"
    );
    assert!(approved.text.contains("ya es pública"), "{}", approved.text);

    // The supporter's page in Spanish.
    let (status, _, page) = get_page(&app, "/donate/demo/f/ana-perez?lang=es").await;
    assert_eq!(status, 200, "{page}");
    assert_shows(
        &page,
        &[
            "<html lang=\"es\">",
            "<title>Ana Pérez recauda fondos para Demo campaign</title>",
            r#"Página de recaudación de <strong id="page-owner">Ana Pérez</strong> para <a href="/donate/demo?lang=es">Demo campaign</a>"#,
            "Corro el maratón en mayo.",
            "<h2 id=\"page-progress-heading\">La meta de Ana Pérez</h2>",
            r#"<strong id="page-raised">$0.00</strong> recaudados"#,
            "Comparta esta página",
            "Cada donación que se haga aquí también cuenta para Demo campaign:",
            r#"action="/donate/demo/f/ana-perez""#,
            r#"<input type="hidden" name="lang" value="es">"#,
            r#"<a href="/donate/demo/f/ana-perez?lang=en" hreflang="en" lang="en">English</a>"#,
            "Continuar al pago",
        ],
    );
    assert!(!page.contains("is raising money") && !page.contains("Share this page"));

    // A gift through it records the donor's language and the page; its receipt is in Spanish.
    let gift = give_on(
        &app,
        "/donate/demo/f/ana-perez",
        &[
            ("amount", "other"),
            ("custom_amount", "40"),
            ("frequency", "one_time"),
            ("name", "Luis Gómez"),
            ("email", "luis@example.org"),
            ("lang", "es"),
        ],
    )
    .await;
    let d = app.store.donation(&gift).await.unwrap().unwrap();
    assert_eq!(
        (d.language.as_str(), d.fundraiser_id.as_deref()),
        ("es", Some(f.id.as_str()))
    );
    let r = no_redirects()
        .get(app.at(&format!("/sandbox/checkout/{gift}")))
        .send()
        .await
        .unwrap();
    let sandbox = r.text().await.unwrap();
    assert!(sandbox.contains("<html lang=\"es\">"), "{sandbox}");
    pay(&app, &gift).await;
    let receipts: Vec<_> = outbox_of_kind(&app, "receipt")
        .await
        .into_iter()
        .filter(|m| m.donation_id.as_deref() == Some(gift.as_str()))
        .collect();
    assert_eq!(receipts.len(), 1);
    let receipt = letter(&app, &receipts[0]).await;
    assert_eq!(
        receipt.subject,
        format!("Su recibo por su donación a {org}")
    );
    assert!(
        receipt.text.starts_with("Estimado/a Luis Gómez:"),
        "{}",
        receipt.text
    );
    assert!(receipt.text.contains("Gracias por su donación única"));
    assert!(
        receipt.text.contains("Donación: $40.00"),
        "{}",
        receipt.text
    );

    // The page and the campaign's list show it, in Spanish.
    let (_, _, page) = get_page(&app, "/donate/demo/f/ana-perez?lang=es").await;
    assert_shows(
        &page,
        &[
            r#"<strong id="page-raised">$40.00</strong> recaudados"#,
            r#"<strong id="page-donors">1</strong> donante"#,
            "<strong>Luis</strong> donó $40.00",
        ],
    );
    let (_, _, campaign_page) = get_page(&app, "/donate/demo?lang=es").await;
    assert_shows(
        &campaign_page,
        &[
            "Páginas de recaudación de quienes apoyan la campaña",
            r#"<a href="/donate/demo/f/ana-perez?lang=es"><strong>Ana Pérez</strong></a>"#,
            "$40.00 de $500.00 · 1 donante",
        ],
    );

    // Lost links, asked for in Spanish: the page and its email in Spanish; asked for in English,
    // the email in English.
    let (_, _, ask) = get_page(&app, "/fundraisers/manage?lang=es").await;
    assert_shows(
        &ask,
        &[
            "<h1>Administre su página de recaudación</h1>",
            r#"<input type="hidden" name="lang" value="es">"#,
        ],
    );
    let (status, _, bad) = post_form(
        &app,
        "/fundraisers/manage",
        None,
        &[("email", "no es un correo"), ("lang", "es")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        bad.contains("La dirección de correo electrónico no es válida."),
        "{bad}"
    );
    let (status, _, sent) = post_form(
        &app,
        "/fundraisers/manage",
        None,
        &[("email", "ANA@example.org"), ("lang", "es")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        sent.contains("Si esa dirección creó una página de recaudación"),
        "{sent}"
    );
    let links = newest(&app, "fundraiser_links").await;
    assert_eq!(
        links.subject,
        format!("Sus enlaces para administrar sus páginas de recaudación para {org}")
    );
    assert!(links.text.contains("Administrarla: "), "{}", links.text);
    post_form(
        &app,
        "/fundraisers/manage",
        None,
        &[("email", "ana@example.org"), ("lang", "en")],
    )
    .await;
    let links = newest(&app, "fundraiser_links").await;
    assert_eq!(
        links.subject,
        format!("Your links to manage your pages for {org}")
    );
}

/// The sign-up API records the body's `language`, else the browser's.
async fn the_sign_up_api_records_the_supporters_language(b: Backend) {
    let app = spawn(&b, &[]).await;
    let sign_up = |email: &str, language: Option<&str>, accept: &str| {
        let mut body = json!({"name": "Rosa Díaz", "email": email, "goal": "300"});
        if let Some(l) = language {
            body["language"] = json!(l);
        }
        app.client
            .post(app.at("/api/v1/campaigns/demo/fundraisers"))
            .header("accept-language", accept)
            .json(&body)
            .send()
    };
    for (email, language, accept, want) in [
        ("rosa@example.org", None, "es-MX,es;q=0.9", "es"),
        ("rosa2@example.org", Some("en"), "es", "en"),
        ("rosa3@example.org", Some("es"), "en", "es"),
        ("rosa4@example.org", Some("tlh"), "fr", "en"),
    ] {
        let r = sign_up(email, language, accept).await.unwrap();
        assert_eq!(r.status().as_u16(), 202);
        let m = outbox_of_kind(&app, "fundraiser_welcome")
            .await
            .pop()
            .unwrap();
        let f = app
            .store
            .fundraiser(m.payload.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.language, want, "{email}");
        let mail = letter(&app, &m).await;
        assert_eq!(
            mail.text.starts_with("Estimado/a"),
            want == "es",
            "{}",
            mail.text
        );
    }
    // The JSON API's errors stay English, for developers.
    let (status, _, e) = post_json(
        &app,
        "/api/v1/campaigns/demo/fundraisers",
        &json!({"name": "", "email": "x", "goal": "300", "language": "es"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(e["errors"][0]["detail"], "must not be empty", "{e}");
}

backend_tests!(
    a_supporters_walk_in_spanish,
    the_sign_up_api_records_the_supporters_language,
);
