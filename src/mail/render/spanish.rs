//! Every donor email in Spanish, for a gift made in Spanish, beside the English snapshots
//! (`snapshots/es_*`): the legal sentences, dates and amounts as Spanish writes them, and the
//! values still escaped in HTML.

use super::tests::{NOW, campaign, ctx, donation, dues_by_bank_debit, paid, snapshot};
use super::*;
use crate::domain::contribution::payment_rank;
use crate::i18n::Lang;
use crate::store::Refund;

fn es() -> Lang {
    Lang::parse("es").expect("Spanish")
}

fn spanish(frequency: &str, gift: i64, fee: i64) -> Donation {
    let mut d = donation(frequency, gift, fee);
    d.language = "es".into();
    d
}

#[test]
fn a_receipt_in_spanish() {
    let d = spanish("one_time", 123_456, 4_123);
    let l = receipt(
        &ctx(true),
        &d,
        &campaign(),
        &paid("donation:x", 127_579),
        "R-000101",
        NOW,
    )
    .unwrap();
    assert_eq!(
        l.subject,
        "Su recibo por su donación a Immigrant Rights Coalition"
    );
    assert!(l.text.starts_with("Estimado/a Ana Pérez:\n"), "{}", l.text);
    assert!(l.text.contains(
        "Gracias por su donación única a Immigrant Rights Coalition para Policy Fund 2026."
    ));
    assert!(
        l.text.contains("Fecha: 18 de noviembre de 2026"),
        "{}",
        l.text
    );
    assert!(l.text.contains("Donación: $1,234.56"));
    assert!(
        l.text
            .contains("Comisiones de procesamiento que usted cubrió: $41.23")
    );
    assert!(l.text.contains("Total cobrado: $1,275.79"));
    assert!(l.text.contains(
        "No se proporcionaron bienes ni servicios a cambio de esta contribución. Immigrant \
         Rights Coalition es una organización exenta de impuestos conforme a la Sección \
         501(c)(3) del Código de Impuestos Internos"
    ));
    assert!(l.text.contains("en la medida en que lo permita la ley"));
    assert!(l.html.contains("<html lang=\"es\">"));
    snapshot("es_receipt_one_time", &l);
    // Without an EIN: no tax claim, in Spanish too.
    let l = receipt(
        &ctx(false),
        &d,
        &campaign(),
        &paid("donation:x", 127_579),
        "R-1",
        NOW,
    )
    .unwrap();
    assert!(
        !l.text.contains("501(c)(3)") && !l.text.contains("deducible"),
        "{}",
        l.text
    );
}

#[test]
fn a_monthly_receipt_with_a_dedication_in_spanish() {
    let mut d = spanish("monthly", 2500, 103);
    d.tribute_kind = Some("memory".into());
    d.tribute_honoree = Some("Rosa <Martínez>".into());
    d.anonymous = true;
    let mut p = paid("in_1", 2603);
    p.kind = "installment".into();
    let l = receipt(&ctx(true), &d, &campaign(), &p, "R-000102", NOW).unwrap();
    assert!(l.text.contains("Frecuencia: Donación mensual"));
    assert!(l.text.contains("En memoria de Rosa <Martínez>"));
    assert!(
        l.html.contains("En memoria de Rosa &#60;Martínez&#62;"),
        "{}",
        l.html
    );
    assert!(l.text.contains("Usted pidió donar de forma anónima"));
    assert!(
        l.text
            .contains("use este enlace privado (válido hasta el 17 de enero de 2027):")
    );
    assert!(l.html.contains(">este enlace privado</a>"));
    snapshot("es_receipt_monthly", &l);
}

#[test]
fn a_tribute_notification_in_spanish() {
    let mut d = spanish("annual", 10_000, 0);
    d.tribute_kind = Some("honor".into());
    d.tribute_honoree = Some("Dolores Huerta".into());
    d.tribute_notify_email = Some("familia@example.org".into());
    d.tribute_message = Some("Con cariño <3".into());
    d.tribute_show_amount = true;
    let n = tribute(&ctx(true), &d, &campaign()).unwrap();
    assert_eq!(
        n.subject,
        "Una donación a Immigrant Rights Coalition en honor de Dolores Huerta"
    );
    assert!(n.text.contains(
        "Ana Pérez hizo una donación a Immigrant Rights Coalition para Policy Fund 2026 en \
         honor de Dolores Huerta."
    ));
    assert!(n.text.contains("La donación fue de $100.00 al año."));
    assert!(n.html.contains("Con cariño &lt;3") || n.html.contains("Con cariño &#60;3"));
    snapshot("es_tribute_notification", &n);
    d.anonymous = true;
    let n = tribute(&ctx(true), &d, &campaign()).unwrap();
    assert!(
        n.text
            .contains("Una persona que pidió permanecer en el anonimato")
    );
    assert!(!n.text.contains("Ana") && !n.html.contains("Ana"));
}

#[test]
fn a_failed_installment_and_a_canceled_plan_in_spanish() {
    let d = spanish("monthly", 2500, 0);
    let mut p = paid("in_3", 2500);
    p.kind = "installment".into();
    p.status_rank = payment_rank::FAILED;
    p.failure_reason = Some("Your card has expired.".into());
    let f = payment_failed(&ctx(true), &d, &campaign(), &p, NOW).unwrap();
    assert_eq!(
        f.subject,
        "No se pudo cobrar su donación mensual a Immigrant Rights Coalition"
    );
    assert!(f.text.contains("el 18 de noviembre de 2026"), "{}", f.text);
    assert!(f.text.contains("https://donate.example.org/manage/"));
    snapshot("es_payment_failed", &f);

    let mut d = d;
    d.plan_status = Some("canceled".into());
    d.canceled_at = Some(NOW - 60);
    let c = plan_canceled(&ctx(true), &d, &campaign(), NOW).unwrap();
    assert!(
        c.text
            .contains("quedó cancelada a partir del 18 de noviembre de 2026"),
        "{}",
        c.text
    );
    snapshot("es_plan_canceled", &c);
}

#[test]
fn membership_dues_by_bank_debit_in_spanish() {
    let (mut d, p, mut c) = dues_by_bank_debit(spanish("monthly", 500, 4));
    let l = receipt(&ctx(true), &d, &c, &p, "R-000008", NOW).unwrap();
    assert_eq!(
        l.subject,
        "Su recibo por el pago de su cuota de membresía a Immigrant Rights Coalition"
    );
    assert!(
        l.text.contains(
            "Gracias por pagar su cuota mensual de membresía a Immigrant Rights Coalition para \
             Policy Fund 2026."
        ),
        "{}",
        l.text
    );
    assert!(l.text.contains("Cuota de membresía: $5.00"));
    assert!(l.text.contains("Forma de pago: Cuenta bancaria (ACH)"));
    assert!(l.html.contains("<td>Cuenta bancaria (ACH)</td>"));
    assert!(
        l.text
            .contains("su cuota de membresía es deducible de impuestos")
    );
    assert!(l.text.contains(
        "Para cancelar su cuota mensual, o para cambiar su cuenta bancaria o su cantidad"
    ));
    snapshot("es_receipt_dues_bank_debit", &l);

    c.dues_not_deductible = true;
    let l = receipt(&ctx(true), &d, &c, &p, "R-000008", NOW).unwrap();
    assert!(l.text.contains(
        "La cuota de membresía pagada a Immigrant Rights Coalition no es deducible de \
         impuestos como contribución caritativa."
    ));
    assert!(!l.text.contains("en la medida en que lo permita la ley"));
    // A gift by card keeps the gift's words, and names the card.
    d.dues_minimum_minor = None;
    d.payment_method = Some(crate::domain::donation::PaymentMethod::Card);
    let l = receipt(&ctx(true), &d, &c, &p, "R-000009", NOW).unwrap();
    assert!(l.subject.starts_with("Su recibo por su donación a"));
    assert!(l.text.contains("Forma de pago: Tarjeta"));
    assert!(l.text.contains("o para cambiar su tarjeta o su cantidad"));
}

#[test]
fn a_failed_bank_debit_in_spanish_and_english() {
    let mut d = spanish("monthly", 2500, 0);
    d.payment_method = Some(crate::domain::donation::PaymentMethod::UsBankAccount);
    let mut p = paid("in_3", 2500);
    p.kind = "installment".into();
    p.status_rank = payment_rank::FAILED;
    p.failure_reason = Some("The account has insufficient funds.".into());
    let f = payment_failed(&ctx(true), &d, &campaign(), &p, NOW).unwrap();
    assert!(
        f.text.contains(
            "Esto sucede cuando la cuenta bancaria no tiene fondos suficientes, o se cerró o \
             cambió. Es posible que se vuelva a intentar el débito en unos días; si cambió de \
             cuenta, puede actualizarla aquí (válido hasta el"
        ),
        "{}",
        f.text
    );
    assert!(
        f.html
            .contains("si cambió de cuenta, puede <a href=\"https://donate.example.org/manage/")
    );
    snapshot("es_payment_failed_bank_debit", &f);
    d.language = "en".into();
    let f = payment_failed(&ctx(true), &d, &campaign(), &p, NOW).unwrap();
    assert!(f.text.contains(
        "This happens when the bank account has too little in it, or was closed or changed. \
         The debit may be tried again in a few days; if the account has changed, you can \
         update it here (valid until"
    ));
    assert!(
        f.html
            .contains("if the account has changed, you can <a href=")
    );
}

fn refund(id: &str, amount: i64, status: &str) -> Refund {
    Refund {
        id: id.into(),
        charge_id: Some("ch_1".into()),
        payment_intent_id: Some("pi_1".into()),
        amount_minor: amount,
        currency: "usd".into(),
        status: status.into(),
        status_rank: crate::domain::contribution::refund_rank(status),
        status_at: NOW - 60,
        refund_created: Some(NOW - 60),
        created_at: NOW - 60,
        updated_at: NOW - 60,
    }
}

#[test]
fn a_refund_notice_and_its_correction_in_spanish() {
    let d = spanish("one_time", 10_000, 330);
    let p = paid("donation:x", 10_330);
    let r = refund("re_1", 3000, "succeeded");
    let all = [r.clone()];
    let l =
        refund::refund_notice(&ctx(true), &d, &campaign(), &p, &r, &all, Some("R-000012")).unwrap();
    assert_eq!(l.subject, "Su reembolso de Immigrant Rights Coalition");
    assert!(
        l.text.contains(
            "la cantidad deducible de impuestos de esta donación se reduce ahora a $73.30"
        )
    );
    assert!(l.text.contains(
        "La donación: $103.30 pagados el 18 de noviembre de 2026, número de recibo R-000012"
    ));
    assert!(l.html.contains("<strong>$73.30</strong>"));
    snapshot("es_refund_partial", &l);
    let all = [refund("re_1", 10_330, "succeeded")];
    let full = refund::refund_notice(&ctx(true), &d, &campaign(), &p, &all[0], &all, None).unwrap();
    assert!(full.text.contains("se reembolsó por completo"));
    assert!(
        full.text
            .contains("No la declare como deducción de impuestos.")
    );

    let failed = refund("re_1", 3000, "failed");
    let l = refund::refund_failed(
        &ctx(true),
        &d,
        &campaign(),
        &p,
        &failed,
        std::slice::from_ref(&failed),
        Some("R-000012"),
    )
    .unwrap();
    assert_eq!(
        l.subject,
        "Su reembolso de Immigrant Rights Coalition no se completó"
    );
    assert!(
        l.text.contains("Ese reembolso no se completó"),
        "{}",
        l.text
    );
    assert!(l.text.contains("es de $103.30"), "{}", l.text);
    snapshot("es_refund_failed", &l);
}

#[test]
fn manage_links_in_spanish() {
    let gifts = vec![GiftLink {
        label: "Donación mensual para Policy Fund 2026".into(),
        amount: "$25.00 al mes".into(),
        url: "https://donate.example.org/manage/don_1.2.ab".into(),
        args: Args::new()
            .text("started", "3 de marzo de 2026")
            .text("until", "17 de enero de 2027"),
    }];
    let mut l = manage_links(&ctx(true), es(), "Ana Pérez", gifts).unwrap();
    l.to = "ana@example.org".into();
    assert_eq!(
        l.subject,
        "Sus enlaces para administrar sus donaciones a Immigrant Rights Coalition"
    );
    assert!(l.text.contains(
        "Donación mensual para Policy Fund 2026: $25.00 al mes, desde el 3 de marzo de 2026"
    ));
    assert!(l.text.contains("(válido hasta el 17 de enero de 2027)"));
    snapshot("es_manage_links", &l);
    let none = manage_links(&ctx(true), es(), "", vec![]).unwrap();
    assert!(none.text.starts_with("Estimado/a amigo/a:"));
    assert!(none.text.contains("no hay nada que administrar"));
}

#[test]
fn the_annual_statement_in_spanish() {
    use crate::mail::statements::{Line, Statement, render};
    let s = Statement {
        year: 2026,
        organization: "default".into(),
        donor_key: "ana@example.org".into(),
        donor_name: "Ana Pérez".into(),
        email: Some("ana@example.org".into()),
        language: "es".into(),
        lines: vec![
            Line {
                at: 1_780_000_000,
                campaign: "Policy Fund 2026".into(),
                kind: "monthly",
                currency: "usd".into(),
                charged_minor: 2603,
                gift_minor: 2500,
                returned_minor: 0,
                paid_with: "card",
                dues: false,
            },
            Line {
                at: 1_790_000_000,
                campaign: "Policy Fund 2026".into(),
                kind: "check",
                currency: "usd".into(),
                charged_minor: 150_000,
                gift_minor: 150_000,
                returned_minor: 50_000,
                paid_with: "",
                dues: false,
            },
            Line {
                at: 1_795_000_000,
                campaign: "Members 2026".into(),
                kind: "annual",
                currency: "usd".into(),
                charged_minor: 6_000,
                gift_minor: 6_000,
                returned_minor: 0,
                paid_with: "us_bank_account",
                dues: true,
            },
        ],
    };
    let l = render(&ctx(true).org, &s).unwrap();
    assert_eq!(
        l.subject,
        "Su resumen de donaciones de 2026 de Immigrant Rights Coalition"
    );
    assert!(l.text.contains("28 de mayo de 2026  Donación mensual, Policy Fund 2026, con tarjeta: $26.03 (donación $25.00 + comisión cubierta $1.03) = $26.03"), "{}", l.text);
    assert!(l.text.contains("Donación con cheque, Policy Fund 2026: $1,500.00 menos $500.00 reembolsados o disputados = $1,000.00"), "{}", l.text);
    assert!(l.text.contains("18 de noviembre de 2026  Donación anual (cuota de membresía), Members 2026, con cuenta bancaria (ACH): $60.00 = $60.00"), "{}", l.text);
    assert!(l.html.contains("<small>Cuenta bancaria (ACH)</small>"));
    assert!(l.html.contains("<small>Tarjeta</small>"));
    assert!(
        l.text.contains(
            "Total de contribuciones de 2026, descontados reembolsos y disputas: $1,086.03"
        )
    );
    assert!(
        l.text
            .contains("sus donaciones son deducibles de impuestos")
    );
    snapshot("es_statement", &l);
    // The same statement for a donor who gave in English is in English.
    let english = render(
        &ctx(true).org,
        &Statement {
            language: "en".into(),
            ..s
        },
    )
    .unwrap();
    assert!(english.text.starts_with("Dear Ana Pérez,"));
    assert!(english.text.contains(
        "Annual gift (membership dues), Members 2026, by bank account (ACH): $60.00 = $60.00"
    ));
    assert!(english.html.contains("<small>Bank account (ACH)</small>"));
}

/// A supporter's page as its Spanish emails name it.
fn spanish_page(standing: &'static str, needs_review: bool) -> PageLink {
    PageLink {
        title: "Ana corre por la coalición".into(),
        manage_until: "17 de enero de 2027".into(),
        ..super::fundraiser::tests::page(standing, needs_review)
    }
}

fn spanish_page_mail(kind: &'static str, pages: Vec<PageLink>) -> PageMail {
    PageMail {
        lang: es(),
        ..super::fundraiser::tests::mail(kind, pages)
    }
}

#[test]
fn a_supporters_emails_in_spanish() {
    let l = page_mail(
        spanish_page_mail("welcome", vec![spanish_page("unconfirmed", true)]),
        "ana@example.org",
    )
    .unwrap();
    assert_eq!(
        l.subject,
        "Confirme su página de recaudación para Policy Fund 2026"
    );
    assert!(l.text.starts_with("Estimado/a Ana Pérez:\n"), "{}", l.text);
    assert!(l.text.contains(
        "Para confirmar que esta dirección es suya, abra el enlace privado de su página:\n\n\
         https://donate.example.org/fundraisers/manage/fr_1.2.ab\n\n\
         Con el enlace también puede cambiar las palabras y la meta de su página. Funciona hasta \
         el 17 de enero de 2027"
    ));
    assert!(
        l.text
            .contains("Immigrant Rights Coalition revisa cada página")
    );
    assert!(l.html.contains("<html lang=\"es\">"));
    assert!(l.html.contains(
        "<a href=\"https://donate.example.org/fundraisers/manage/fr_1.2.ab\">Confirmar y \
         administrar mi página</a>"
    ));
    assert!(!l.text.contains("Dear") && !l.html.contains("Thank you"));
    snapshot("es_fundraiser_welcome", &l);
    let open = page_mail(
        spanish_page_mail("welcome", vec![spanish_page("unconfirmed", false)]),
        "ana@example.org",
    )
    .unwrap();
    assert!(open.text.contains("se publica en cuanto usted la confirme"));

    let l = page_mail(
        spanish_page_mail("approved", vec![spanish_page("public", true)]),
        "ana@example.org",
    )
    .unwrap();
    assert_eq!(
        l.subject,
        "Su página de recaudación para Policy Fund 2026 ya está publicada"
    );
    assert!(l.text.contains("ya es pública"));
    assert!(l.text.contains("(válido hasta el 17 de enero de 2027)"));
    snapshot("es_fundraiser_approved", &l);

    let mut untitled = spanish_page("awaiting_review", true);
    untitled.title.clear();
    let l = page_mail(
        spanish_page_mail("links", vec![spanish_page("public", true), untitled]),
        "ana@example.org",
    )
    .unwrap();
    assert_eq!(
        l.subject,
        "Sus enlaces para administrar sus páginas de recaudación para Immigrant Rights Coalition"
    );
    assert!(
        l.text
            .contains("Su página de recaudación (Policy Fund 2026)\nAdministrarla: https://"),
        "{}",
        l.text
    );
    assert!(
        l.text
            .contains("En espera de que Immigrant Rights Coalition la revise antes de publicarla.")
    );
    assert_eq!(l.html.matches("Administrar esta página").count(), 2);
    snapshot("es_fundraiser_links", &l);
    // The supporter's words are theirs, and escaped in HTML.
    let mut page = spanish_page("public", true);
    page.title = "<b>Ana</b> & co".into();
    let l = page_mail(spanish_page_mail("links", vec![page]), "a@b.co").unwrap();
    assert!(
        l.html.contains("&#60;b&#62;Ana&#60;/b&#62; &#38; co"),
        "{}",
        l.html
    );
    assert!(l.text.contains("<b>Ana</b> & co"));
}
