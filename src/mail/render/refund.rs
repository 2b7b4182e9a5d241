//! Refund notices: a refund of a gift that succeeded (the amount, the gift it comes from, and
//! what that gift's receipt now stands at), and the correction when a refund the donor was told
//! of failed or was canceled. Both are rendered when sent, from the payment's refunds as they are
//! then (`domain::notices` decides when they are queued).

use super::{
    Letter, MailContext, RefundFailedHtml, RefundFailedText, RefundHtml, RefundText, RenderError,
    View, base_view, letter, local_date, money, receipt_number,
};
use crate::domain::notices;
use crate::store::{Campaign, Donation, OutboxMessage, Payment, Refund, Store};

/// When a refund was made: Stripe's creation time, else when its status was first heard of.
fn made_at(r: &Refund) -> i64 {
    r.refund_created.unwrap_or(r.status_at)
}

/// What a payment of `paid` stands at after `refund`: less `refund` and the other refunds of it
/// that succeeded and were made before it (a later one has a notice of its own, saying what is
/// left after it). `refund` counts whatever its status is by now: its notice tells of it, and a
/// correction follows if it was undone.
pub fn remaining_after(paid: i64, refund: &Refund, refunds: &[Refund]) -> i64 {
    let order = |r: &Refund| (made_at(r), r.id.clone());
    let upto = order(refund);
    let before: i64 = refunds
        .iter()
        .filter(|r| r.id != refund.id && r.status == "succeeded" && order(r) < upto)
        .map(|r| r.amount_minor.max(0))
        .fold(0, i64::saturating_add);
    paid.saturating_sub(before)
        .saturating_sub(refund.amount_minor.max(0))
        .max(0)
}

/// What a payment of `paid` stands at now: less every refund of it that succeeded (and has not
/// failed or been canceled since).
pub fn remaining_now(paid: i64, refunds: &[Refund]) -> i64 {
    let back: i64 = refunds
        .iter()
        .filter(|r| r.status == "succeeded")
        .map(|r| r.amount_minor.max(0))
        .fold(0, i64::saturating_add);
    paid.saturating_sub(back).max(0)
}

fn refund_view(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
    r: &Refund,
    receipt_no: Option<&str>,
) -> View {
    let mut v = base_view(ctx, d, c);
    let currency = p.currency.as_deref().unwrap_or(&d.currency);
    v.total = money(p.amount_minor.unwrap_or(d.total_minor), currency);
    v.date = local_date(ctx, p.paid_at.unwrap_or(p.created_at));
    v.receipt_no = receipt_no.unwrap_or_default().to_string();
    v.refund_amount = money(r.amount_minor, &r.currency);
    v.refund_date = local_date(ctx, made_at(r));
    v
}

/// The notice of a refund `r` of payment `p` that succeeded; `refunds` are all of `p`'s.
pub fn refund_notice(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
    r: &Refund,
    refunds: &[Refund],
    receipt_no: Option<&str>,
) -> Result<Letter, RenderError> {
    let mut v = refund_view(ctx, d, c, p, r, receipt_no);
    let currency = p.currency.as_deref().unwrap_or(&d.currency);
    let remaining = remaining_after(p.amount_minor.unwrap_or(d.total_minor), r, refunds);
    v.remaining = money(remaining, currency);
    v.refunded_all = remaining == 0;
    v.subject = format!("Your refund from {}", ctx.org.name);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, RefundText { v: &v }, RefundHtml { v: &v })
}

/// The correction after refund `r` of payment `p`, which the donor was told of, failed or was
/// canceled; `refunds` are all of `p`'s.
pub fn refund_failed(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
    r: &Refund,
    refunds: &[Refund],
    receipt_no: Option<&str>,
) -> Result<Letter, RenderError> {
    let mut v = refund_view(ctx, d, c, p, r, receipt_no);
    let currency = p.currency.as_deref().unwrap_or(&d.currency);
    let remaining = remaining_now(p.amount_minor.unwrap_or(d.total_minor), refunds);
    v.remaining = money(remaining, currency);
    v.refund_outcome = if r.status == "canceled" {
        "was canceled"
    } else {
        "failed"
    };
    v.subject = format!("Your refund from {} did not go through", ctx.org.name);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(
        to,
        &v,
        RefundFailedText { v: &v },
        RefundFailedHtml { v: &v },
    )
}

/// Renders a queued refund notice or correction: the refund its payload names, among the
/// refunds of its payment's PaymentIntent, and the number of that payment's receipt.
pub(super) async fn refund_message(
    store: &dyn Store,
    ctx: &MailContext,
    m: &OutboxMessage,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
) -> Result<Letter, RenderError> {
    let missing =
        |what: &str| RenderError::Missing(format!("{what} of message {} not found", m.message_key));
    let pi = p
        .payment_intent_id
        .as_deref()
        .ok_or_else(|| missing("PaymentIntent"))?;
    let (refunds, _, _) = store.intent_records(pi).await?;
    let refund_id = m.payload.as_deref().unwrap_or_default();
    let r = refunds
        .iter()
        .find(|r| r.id == refund_id)
        .ok_or_else(|| missing("refund"))?;
    let receipt_key = format!("{}:{}", notices::RECEIPT, p.id);
    let receipt_no = store
        .outbox(Some(&d.id))
        .await?
        .into_iter()
        .find(|o| o.message_key == receipt_key)
        .map(|o| receipt_number(o.id));
    let receipt_no = receipt_no.as_deref();
    if m.kind == notices::REFUND_FAILED {
        refund_failed(ctx, d, c, p, r, &refunds, receipt_no)
    } else {
        refund_notice(ctx, d, c, p, r, &refunds, receipt_no)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, campaign, ctx, donation, paid, snapshot};
    use super::*;

    fn refund(id: &str, amount: i64, status: &str, made: i64) -> Refund {
        Refund {
            id: id.into(),
            charge_id: Some("ch_1".into()),
            payment_intent_id: Some("pi_1".into()),
            amount_minor: amount,
            currency: "usd".into(),
            status: status.into(),
            status_rank: crate::domain::contribution::refund_rank(status),
            status_at: made,
            refund_created: Some(made),
            created_at: made,
            updated_at: made,
        }
    }

    #[test]
    fn a_partial_refund_says_what_the_receipt_now_stands_at() {
        // $100 gift with $3.30 covered: $103.30 charged, $30.00 refunded, $73.30 left.
        let d = donation("one_time", 10_000, 330);
        let p = paid("donation:x", 10_330);
        let r = refund("re_1", 3000, "succeeded", NOW - 60);
        let all = [r.clone()];
        let l = refund_notice(&ctx(true), &d, &campaign(), &p, &r, &all, Some("R-000012")).unwrap();
        assert_eq!(l.to, "ana@example.org");
        assert_eq!(l.subject, "Your refund from Immigrant Rights Coalition");
        assert!(
            l.text.contains("has refunded $30.00 of your one-time gift"),
            "{}",
            l.text
        );
        assert!(
            l.text
                .contains("The gift: $103.30 paid on November 18, 2026, receipt number R-000012"),
            "{}",
            l.text
        );
        assert!(
            l.text
                .contains("the tax-deductible amount of this gift is now reduced to $73.30"),
            "{}",
            l.text
        );
        assert!(l.html.contains("<strong>$73.30</strong>"));
        snapshot("refund_partial", &l);
        // Without an EIN no tax claim is made.
        let l = refund_notice(&ctx(false), &d, &campaign(), &p, &r, &all, None).unwrap();
        assert!(!l.text.contains("tax"), "{}", l.text);
        assert!(
            l.text
                .contains("your contribution for this gift is now $73.30")
        );
        assert!(!l.text.contains("receipt number"));
    }

    #[test]
    fn several_refunds_each_say_what_is_left_after_them() {
        let d = donation("one_time", 10_000, 0);
        let p = paid("donation:x", 10_000);
        let first = refund("re_b", 2500, "succeeded", NOW - 600);
        let second = refund("re_a", 7500, "succeeded", NOW - 60);
        let undone = refund("re_c", 1000, "failed", NOW - 300);
        let all = [first.clone(), second.clone(), undone];
        let l = refund_notice(&ctx(true), &d, &campaign(), &p, &first, &all, None).unwrap();
        assert!(l.text.contains("now reduced to $75.00"), "{}", l.text);
        // The second takes the rest: refunded in full, no longer deductible.
        let l = refund_notice(&ctx(true), &d, &campaign(), &p, &second, &all, None).unwrap();
        assert!(l.text.contains("refunded in full"), "{}", l.text);
        assert!(
            l.text
                .contains("Please do not claim it as a tax deduction.")
        );
        assert!(!l.text.contains("reduced to"));
        snapshot("refund_full", &l);
        assert_eq!(remaining_now(10_000, &all), 0);
    }

    #[test]
    fn a_refund_that_failed_after_its_notice_is_corrected() {
        let mut d = donation("annual", 50_000, 0);
        d.anonymous = true;
        let mut p = paid("in_1", 50_000);
        p.kind = "installment".into();
        let kept = refund("re_1", 10_000, "succeeded", NOW - 900);
        let failed = refund("re_2", 20_000, "failed", NOW - 600);
        let all = [kept, failed.clone()];
        let l = refund_failed(
            &ctx(true),
            &d,
            &campaign(),
            &p,
            &failed,
            &all,
            Some("R-000040"),
        )
        .unwrap();
        assert_eq!(
            l.subject,
            "Your refund from Immigrant Rights Coalition did not go through"
        );
        assert!(
            l.text.contains("that $200.00 of your annual gift"),
            "{}",
            l.text
        );
        assert!(l.text.contains("That refund failed"), "{}", l.text);
        // The first refund stands; the failed one is back in the gift.
        assert!(
            l.text
                .contains("the tax-deductible amount of this gift is $400.00"),
            "{}",
            l.text
        );
        assert!(
            l.text.contains("Dear Ana Pérez"),
            "an anonymous donor's own mail names them"
        );
        snapshot("refund_failed", &l);
        let canceled = refund("re_2", 20_000, "canceled", NOW - 600);
        let l = refund_failed(
            &ctx(true),
            &d,
            &campaign(),
            &p,
            &canceled,
            std::slice::from_ref(&canceled),
            None,
        )
        .unwrap();
        assert!(l.text.contains("That refund was canceled"), "{}", l.text);
        assert!(l.text.contains("is $500.00"), "{}", l.text);
    }
}
