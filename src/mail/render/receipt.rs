//! Receipts: one for each paid gift or installment (and each offline gift), with the covered fee
//! apart from the gift and, for a recurring gift, the signed link to manage it.

use super::{
    Letter, MailContext, ReceiptHtml, ReceiptText, RenderError, base_view, letter, local_date,
    with_manage_link,
};
use crate::domain::contribution::installment_gift;
use crate::i18n::format;
use crate::store::{Campaign, Donation, Payment};

/// The receipt for one paid gift or installment.
pub fn receipt(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
    receipt_no: &str,
    now: i64,
) -> Result<Letter, RenderError> {
    let mut v = base_view(ctx, d, c);
    let lang = v.lang;
    let money = |minor: i64, currency: &str| format::money(lang, minor, currency);
    let paid = p.amount_minor.unwrap_or(d.total_minor);
    let currency = p.currency.as_deref().unwrap_or(&d.currency);
    // A plan whose amount was changed (in Stripe's portal) is split by the one rule the count
    // toward the goal uses too (`installment_gift`): the fee keeps the donor's chosen share.
    if paid != d.total_minor {
        let gift = installment_gift(d, paid);
        v.gift = money(gift, currency);
        v.fee = (paid > gift).then(|| money(paid - gift, currency));
    }
    v.total = money(paid, currency);
    // An offline gift's date is a calendar day already; a payment's is a moment.
    v.date = match (d.source.as_str(), p.paid_at) {
        ("offline", Some(day)) => format::long_date(lang, day),
        (_, at) => local_date(ctx, lang, at.unwrap_or(now)),
    };
    v.receipt_no = receipt_no.to_string();
    v.method.clone_from(&d.offline_method);
    v.subject = v.lang.msg("receipt-subject", &v.args());
    with_manage_link(&mut v, ctx, d, p.paid_at, now);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, ReceiptText::new, ReceiptHtml::new)
}

/// An offline gift as the one payment its receipt is for.
pub fn offline_payment(d: &Donation) -> Payment {
    let at = d.gift_date.unwrap_or(d.created_at);
    Payment {
        id: crate::domain::fact::checkout_payment_id(&d.id),
        donation_id: Some(d.id.clone()),
        subscription_id: None,
        payment_intent_id: None,
        kind: "offline".into(),
        status: "succeeded".into(),
        status_rank: crate::domain::contribution::payment_rank::SUCCEEDED,
        amount_minor: Some(d.total_minor),
        currency: Some(d.currency.clone()),
        failure_reason: None,
        attempt_count: 0,
        fee_actual_minor: None,
        paid_at: Some(at),
        created_at: at,
        updated_at: at,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{
        NOW, SECRET, campaign, ctx, donation, dues_by_bank_debit, paid, snapshot,
    };
    use super::super::tribute;
    use super::*;
    use crate::domain::manage_link;
    #[test]
    fn one_time_receipt() {
        let d = donation("one_time", 5000, 0);
        let l = receipt(
            &ctx(true),
            &d,
            &campaign(),
            &paid("donation:x", 5000),
            "R-000001",
            NOW,
        )
        .unwrap();
        assert!(l.text.contains("No goods or services were provided"));
        assert!(l.text.contains("EIN 12-3456789"));
        assert!(!l.text.contains("Processing fees"));
        assert!(
            !l.text.contains("/manage/"),
            "one-time gifts have no plan to manage"
        );
        snapshot("receipt_one_time", &l);
    }

    #[test]
    fn covered_fee_receipt() {
        let d = donation("one_time", 10_000, 330);
        let l = receipt(
            &ctx(true),
            &d,
            &campaign(),
            &paid("donation:x", 10_330),
            "R-000002",
            NOW,
        )
        .unwrap();
        assert!(l.text.contains("Gift: $100.00"));
        assert!(l.text.contains("Processing fees you covered: $3.30"));
        assert!(l.text.contains("Total charged: $103.30"));
        snapshot("receipt_covered_fee", &l);
    }

    #[test]
    fn monthly_receipt_carries_a_signed_manage_link() {
        let d = donation("monthly", 2500, 103);
        let mut p = paid("in_1", 2603);
        p.kind = "installment".into();
        let l = receipt(&ctx(true), &d, &campaign(), &p, "R-000003", NOW).unwrap();
        let expires = NOW + 60 * 86_400;
        let url = manage_link::url("https://donate.example.org", SECRET, &d.id, expires);
        assert!(l.text.contains(&url), "{}", l.text);
        assert!(l.html.contains(&url));
        assert!(l.text.contains("Frequency: Monthly gift"));
        snapshot("receipt_monthly", &l);
        // A plan whose amount was changed in the portal: what was paid, split by the rule the
        // count uses (4000 × 2500 / 2603 = 3841.7 → 38.42 gift, 1.58 covered fee).
        let l = receipt(
            &ctx(true),
            &d,
            &campaign(),
            &paid("in_2", 4000),
            "R-000004",
            NOW,
        )
        .unwrap();
        assert!(l.text.contains("Gift: $38.42"), "{}", l.text);
        assert!(l.text.contains("Processing fees you covered: $1.58"));
        assert!(l.text.contains("Total charged: $40.00"));
        assert_eq!(
            crate::domain::contribution::installment_gift(&d, 4000),
            3842,
            "the count toward the goal agrees"
        );
    }

    #[test]
    fn tribute_receipt_and_notification() {
        let mut d = donation("one_time", 7500, 0);
        d.tribute_kind = Some("memory".into());
        d.tribute_honoree = Some("Rosa Martínez".into());
        d.tribute_notify_email = Some("luis@example.org".into());
        d.tribute_message = Some("She taught us <all> to read.".into());
        let r = receipt(
            &ctx(false),
            &d,
            &campaign(),
            &paid("donation:x", 7500),
            "R-000005",
            NOW,
        )
        .unwrap();
        assert!(r.text.contains("In memory of Rosa Martínez"));
        // Without an EIN the receipt makes no tax-exemption claim.
        assert!(!r.text.contains("501(c)(3)"));
        snapshot("receipt_tribute", &r);

        let n = tribute(&ctx(false), &d, &campaign()).unwrap();
        assert_eq!(n.to, "luis@example.org");
        assert!(n.text.contains("Ana Pérez made a gift"));
        assert!(
            !n.text.contains("$75.00"),
            "no amount unless the donor chose to show it"
        );
        assert!(
            n.html.contains("She taught us &#60;all&#62; to read.")
                || n.html.contains("&lt;all&gt;"),
            "{}",
            n.html
        );
        snapshot("tribute_notification", &n);

        d.tribute_show_amount = true;
        let shown = tribute(&ctx(false), &d, &campaign()).unwrap();
        assert!(shown.text.contains("The gift was $75.00."));
    }

    #[test]
    fn anonymous_gift() {
        let mut d = donation("annual", 100_000, 0);
        d.anonymous = true;
        d.tribute_kind = Some("honor".into());
        d.tribute_honoree = Some("Dr. King".into());
        d.tribute_notify_email = Some("family@example.org".into());
        let mut p = paid("in_9", 100_000);
        p.kind = "installment".into();
        let r = receipt(&ctx(true), &d, &campaign(), &p, "R-000006", NOW).unwrap();
        assert!(
            r.text.contains("Dear Ana Pérez"),
            "the donor's own receipt names them"
        );
        assert!(r.text.contains("your name is not shown publicly"));
        // An annual gift's link lasts until 30 days after the next installment (paid
        // 2026-11-18, next due 2027-11-18), not MANAGE_LINK_TTL (60 days) from sending.
        let expires = manage_link::expiry(NOW, 60 * 86_400, d.frequency, p.paid_at);
        assert_eq!(expires, NOW - 3600 + 365 * 86_400 + 30 * 86_400);
        let url = manage_link::url("https://donate.example.org", SECRET, &d.id, expires);
        assert!(r.text.contains(&url), "{}", r.text);
        assert!(
            r.text.contains("valid until December 18, 2027"),
            "{}",
            r.text
        );
        snapshot("receipt_anonymous", &r);
        let n = tribute(&ctx(true), &d, &campaign()).unwrap();
        assert!(
            !n.text.contains("Ana") && !n.html.contains("Ana"),
            "{}",
            n.text
        );
        assert!(n.text.contains("Someone who asked to remain anonymous"));
        snapshot("tribute_anonymous", &n);
    }

    #[test]
    fn offline_gift_receipt() {
        let mut d = donation("one_time", 25_000, 0);
        d.source = crate::domain::donation::Source::Offline;
        d.payment_method = None;
        d.offline_method = Some("check".into());
        d.gift_date = Some(NOW - 2 * 86_400);
        let l = receipt(
            &ctx(true),
            &d,
            &campaign(),
            &offline_payment(&d),
            "R-000007",
            NOW,
        )
        .unwrap();
        assert!(l.text.contains("Gift: $250.00"));
        assert!(l.text.contains("Paid by: check"));
        assert!(l.text.contains("Date: November 16, 2026"));
        snapshot("receipt_offline", &l);
    }

    #[test]
    fn membership_dues_by_bank_debit() {
        let (mut d, p, mut c) = dues_by_bank_debit(donation("monthly", 500, 4));
        let l = receipt(&ctx(true), &d, &c, &p, "R-000008", NOW).unwrap();
        assert!(
            l.subject
                .starts_with("Your receipt for your membership dues to"),
            "{}",
            l.subject
        );
        assert!(l.text.contains("monthly membership dues"), "{}", l.text);
        assert!(l.text.contains("Membership dues: $5.00"));
        assert!(l.text.contains("Paid by: Bank account (ACH)"));
        assert!(l.html.contains("Bank account (ACH)"));
        // Dues to a 501(c)(3) may be deductible: the usual sentence, unless configured.
        assert!(l.text.contains("your dues are tax-deductible"));
        assert!(!l.text.contains("not tax-deductible"));
        snapshot("receipt_dues_bank_debit", &l);

        c.dues_not_deductible = true;
        let l = receipt(&ctx(true), &d, &c, &p, "R-000008", NOW).unwrap();
        assert!(
            l.text
                .contains("Membership dues to Immigrant Rights Coalition are not tax-deductible"),
            "{}",
            l.text
        );
        assert!(!l.text.contains("tax-deductible to the extent"));
        assert!(l.html.contains("are not tax-deductible"));
        // A gift (not dues) of the same campaign keeps the usual words.
        d.dues_minimum_minor = None;
        let l = receipt(&ctx(true), &d, &c, &p, "R-000009", NOW).unwrap();
        assert!(l.subject.starts_with("Your receipt for your gift to"));
        assert!(l.text.contains("your gift is tax-deductible"));
    }

    #[test]
    fn receipts_are_dated_in_the_organizations_time() {
        let mut eastern = ctx(true);
        eastern.org.zone = crate::domain::zone::Zone::parse("America/New_York").unwrap();
        let d = donation("one_time", 5000, 0);
        // 2027-01-01 03:00 UTC is still New Year's Eve in New York: last year's gift.
        let mut p = paid("donation:x", 5000);
        p.paid_at = Some(1_798_772_400);
        let l = receipt(&eastern, &d, &campaign(), &p, "R-1", NOW).unwrap();
        assert!(l.text.contains("Date: December 31, 2026"), "{}", l.text);
        let l = receipt(&ctx(true), &d, &campaign(), &p, "R-1", NOW).unwrap();
        assert!(l.text.contains("Date: January 1, 2027"));
        // Summer time: 2026-07-04 03:30 UTC is 23:30 on July 3 in New York (UTC-4), which a
        // fixed standard offset (UTC-5) would also say; at 04:30 UTC it is July 4, 00:30
        // there, which the fixed offset would have dated July 3.
        p.paid_at = Some(1_783_135_800);
        let l = receipt(&eastern, &d, &campaign(), &p, "R-1", NOW).unwrap();
        assert!(l.text.contains("Date: July 3, 2026"), "{}", l.text);
        p.paid_at = Some(1_783_139_400);
        let l = receipt(&eastern, &d, &campaign(), &p, "R-1", NOW).unwrap();
        assert!(l.text.contains("Date: July 4, 2026"), "{}", l.text);
    }

    #[test]
    fn a_501c4s_receipts_say_gifts_are_not_deductible() {
        // `action` is the test context's 501(c)(4), with its own receipt wording.
        let mut c = campaign();
        c.organization = "action".into();
        let mut d = donation("one_time", 5000, 0);
        let l = receipt(
            &ctx(true),
            &d,
            &c,
            &paid("donation:x", 5000),
            "R-000010",
            NOW,
        )
        .unwrap();
        let notice = "Contributions to Immigrant Rights Action are not tax deductible as \
                      charitable contributions for federal income tax purposes.";
        for part in [&l.text, &l.html] {
            assert!(part.contains(notice), "{part}");
            assert!(
                part.contains("Paid for by Immigrant Rights Action."),
                "{part}"
            );
            assert!(!part.contains("tax-deductible"), "{part}");
            assert!(!part.contains("501(c)(3)"), "{part}");
            assert!(!part.contains("Immigrant Rights Coalition"), "{part}");
        }
        assert!(l.text.contains("EIN 98-7654321"), "its own EIN: {}", l.text);
        snapshot("receipt_c4", &l);
        // Its dues are not deductible either, whatever the campaign's dues setting says.
        d.dues_minimum_minor = Some(5000);
        c.membership_dues_minor = Some(5000);
        for dues_not_deductible in [false, true] {
            c.dues_not_deductible = dues_not_deductible;
            let l = receipt(&ctx(true), &d, &c, &paid("donation:x", 5000), "R-1", NOW).unwrap();
            assert!(l.text.contains(notice), "{}", l.text);
            assert!(!l.text.contains("tax-deductible"), "{}", l.text);
        }
        // In Spanish.
        d.dues_minimum_minor = None;
        d.language = "es".into();
        let l = receipt(
            &ctx(true),
            &d,
            &c,
            &paid("donation:x", 5000),
            "R-000011",
            NOW,
        )
        .unwrap();
        let aviso = "Las contribuciones a Immigrant Rights Action no son deducibles de impuestos \
                     como contribuciones caritativas para fines del impuesto federal sobre la \
                     renta.";
        for part in [&l.text, &l.html] {
            assert!(part.contains(aviso), "{part}");
            assert!(
                !part.contains("en la medida en que lo permita la ley"),
                "{part}"
            );
        }
        snapshot("es_receipt_c4", &l);
        // The 501(c)(3) beside it keeps its sentence.
        let l = receipt(
            &ctx(true),
            &d,
            &campaign(),
            &paid("donation:x", 5000),
            "R-1",
            NOW,
        )
        .unwrap();
        assert!(l.text.contains("en la medida en que lo permita la ley"));
        assert!(!l.text.contains("no son deducibles"));
    }
}
