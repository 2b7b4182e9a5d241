//! Which emails a donation's records call for (card gifts and offline gifts alike). Each message is named by its cause (a payment, a
//! tribute, a plan's end, a refund), and the decision depends only on states that never go back (a
//! payment that succeeded stays succeeded, a canceled plan stays canceled, a refund's status only
//! moves forward: pending, succeeded, then failed or canceled), so duplicates and any order of
//! events queue the same messages, each once. The ledger queues them in the transaction that
//! records their cause.
//!
//! Refunds (Stripe's statuses `pending`, `requires_action`, `succeeded`, `failed`, `canceled`):
//! the donor is told when a refund has **succeeded** (`refund:<refund id>`); a pending one (the
//! account's balance short, the charge not settled, a bank refund under way) or one waiting for
//! the donor's bank details may still be canceled, so it waits for its outcome. A refund that
//! fails or is canceled after the donor was told gets a correction
//! (`refund_failed:<refund id>`); one that failed before anyone was told needs no message.

use std::collections::HashSet;

use crate::domain::contribution::{payment_rank, refund_rank};
use crate::domain::donation::Donation;
use crate::domain::message::NewMessage;
use crate::domain::payment::{Payment, Refund};

pub const RECEIPT: &str = "receipt";
pub const TRIBUTE: &str = "tribute";
pub const PAYMENT_FAILED: &str = "payment_failed";
pub const PLAN_CANCELED: &str = "plan_canceled";
pub const STATEMENT: &str = "statement";
/// A refund of a gift succeeded (key `refund:<refund id>`, payload the refund id).
pub const REFUND: &str = "refund";
/// A refund the donor was told of failed or was canceled (key `refund_failed:<refund id>`).
pub const REFUND_FAILED: &str = "refund_failed";
/// A donor asked for fresh links to manage their recurring gifts (key
/// `manage_links:<request id>`, payload the request id; not about one donation).
pub const MANAGE_LINKS: &str = "manage_links";
/// A supporter started a page: the link to confirm and manage it (key
/// `fundraiser_welcome:<page id>`, payload the page id; not about a donation).
pub const FUNDRAISER_WELCOME: &str = "fundraiser_welcome";
/// A supporter asked for fresh links to their pages (key `fundraiser_links:<request id>`,
/// payload the request id).
pub const FUNDRAISER_LINKS: &str = "fundraiser_links";
/// Staff approved a supporter's confirmed page (key `fundraiser_approved:<page id>`, once).
pub const FUNDRAISER_APPROVED: &str = "fundraiser_approved";
/// A staff sign-in link asked for on the sign-in page (key `staff_signin:<link id>`, payload the
/// link id; not about a donation).
pub const STAFF_SIGNIN: &str = "staff_signin";
/// An admin's invitation, carrying a first sign-in link (key `staff_invite:<link id>`).
pub const STAFF_INVITE: &str = "staff_invite";

/// Payments a receipt is owed for: one-time gifts and installments (a recurring gift's checkout
/// record is not a payment of its own; its first invoice is).
fn is_gift_payment(p: &Payment) -> bool {
    matches!(p.kind.as_str(), "one_time" | "installment")
}

/// The messages `d`'s records call for that are not queued yet (`queued` holds the keys of
/// those that are). `refunds` are those recorded against the payments' PaymentIntents.
pub fn due(
    d: &Donation,
    payments: &[Payment],
    refunds: &[Refund],
    queued: &HashSet<String>,
) -> Vec<NewMessage> {
    let mut out = Vec::new();
    let mut push = |key: String,
                    kind: &str,
                    payment_id: Option<&str>,
                    to: Option<&String>,
                    payload: Option<&str>| {
        if let Some(to) = to
            && !queued.contains(&key)
        {
            out.push(NewMessage {
                key,
                kind: kind.into(),
                donation_id: Some(d.id.clone()),
                payment_id: payment_id.map(str::to_string),
                recipient: to.clone(),
                payload: payload.map(str::to_string),
            });
        }
    };
    // An offline gift is receipted when recorded (unless staff said not to), until voided.
    if d.is_offline() {
        if d.email_receipt && d.voided_at.is_none() && d.counted_gifts > 0 {
            push(
                format!("{RECEIPT}:donation:{}", d.id),
                RECEIPT,
                None,
                d.donor_email.as_ref(),
                None,
            );
        }
        return out;
    }
    let mut paid_any = false;
    let mut gift_payments: Vec<&Payment> = payments.iter().filter(|p| is_gift_payment(p)).collect();
    gift_payments.sort_by(|a, b| a.id.cmp(&b.id));
    for p in gift_payments {
        if p.status_rank == payment_rank::SUCCEEDED {
            paid_any = true;
            push(
                format!("{RECEIPT}:{}", p.id),
                RECEIPT,
                Some(&p.id),
                d.donor_email.as_ref(),
                None,
            );
            let mut of_payment: Vec<&Refund> = refunds
                .iter()
                .filter(|r| {
                    r.payment_intent_id.is_some() && r.payment_intent_id == p.payment_intent_id
                })
                .collect();
            of_payment.sort_by(|a, b| a.id.cmp(&b.id));
            for r in of_payment {
                let told = format!("{REFUND}:{}", r.id);
                if r.status == "succeeded" {
                    push(
                        told,
                        REFUND,
                        Some(&p.id),
                        d.donor_email.as_ref(),
                        Some(&r.id),
                    );
                } else if refund_rank(&r.status) == refund_rank("failed") && queued.contains(&told)
                {
                    push(
                        format!("{REFUND_FAILED}:{}", r.id),
                        REFUND_FAILED,
                        Some(&p.id),
                        d.donor_email.as_ref(),
                        Some(&r.id),
                    );
                }
            }
        } else if p.kind == "installment" && p.status_rank == payment_rank::FAILED {
            // A nudge while the installment is still unpaid; once it is paid, a late failure
            // event has nothing to ask of the donor.
            push(
                format!("{PAYMENT_FAILED}:{}", p.id),
                PAYMENT_FAILED,
                Some(&p.id),
                d.donor_email.as_ref(),
                None,
            );
        }
    }
    if paid_any && d.tribute_kind.is_some() {
        push(
            format!("{TRIBUTE}:{}", d.id),
            TRIBUTE,
            None,
            d.tribute_notify_email.as_ref(),
            None,
        );
    }
    if paid_any && d.frequency.is_recurring() && d.plan_status.as_deref() == Some("canceled") {
        push(
            format!("{PLAN_CANCELED}:{}", d.id),
            PLAN_CANCELED,
            None,
            d.donor_email.as_ref(),
            None,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contribution::tests::donation;

    fn payment(id: &str, kind: &str, rank: i64) -> Payment {
        Payment {
            id: id.into(),
            donation_id: Some("don_1".into()),
            subscription_id: None,
            payment_intent_id: None,
            kind: kind.into(),
            status: payment_rank::name(rank).into(),
            status_rank: rank,
            amount_minor: Some(1000),
            currency: Some("usd".into()),
            failure_reason: None,
            attempt_count: 0,
            fee_actual_minor: None,
            paid_at: Some(1),
            created_at: 1,
            updated_at: 1,
        }
    }

    fn refund(id: &str, pi: &str, amount: i64, status: &str) -> Refund {
        Refund {
            id: id.into(),
            charge_id: Some("ch_1".into()),
            payment_intent_id: Some(pi.into()),
            amount_minor: amount,
            currency: "usd".into(),
            status: status.into(),
            status_rank: crate::domain::contribution::refund_rank(status),
            status_at: 5,
            refund_created: Some(5),
            created_at: 5,
            updated_at: 5,
        }
    }

    fn keys(m: &[NewMessage]) -> Vec<&str> {
        m.iter().map(|m| m.key.as_str()).collect()
    }

    #[test]
    fn a_paid_gift_with_a_tribute_gets_a_receipt_and_a_notification() {
        let mut d = donation("one_time", 1000, 1000);
        d.tribute_kind = Some("honor".into());
        d.tribute_notify_email = Some("mom@example.org".into());
        let paid = [payment(
            "donation:don_1",
            "one_time",
            payment_rank::SUCCEEDED,
        )];
        let due = due(&d, &paid, &[], &HashSet::new());
        assert_eq!(keys(&due), ["receipt:donation:don_1", "tribute:don_1"]);
        assert_eq!(due[0].recipient, "a@example.org");
        assert_eq!(due[1].recipient, "mom@example.org");
        // Queued already: nothing more.
        let queued = due.iter().map(|m| m.key.clone()).collect();
        assert!(super::due(&d, &paid, &[], &queued).is_empty());
        // Not paid: nothing at all.
        let pending = [payment("donation:don_1", "one_time", payment_rank::PENDING)];
        assert!(super::due(&d, &pending, &[], &HashSet::new()).is_empty());
    }

    #[test]
    fn installments_get_receipts_and_failure_nudges_and_a_canceled_plan_a_confirmation() {
        let mut d = donation("monthly", 1000, 1000);
        d.plan_status = Some("canceled".into());
        let records = [
            payment("donation:don_1", "checkout", payment_rank::SUCCEEDED),
            payment("in_1", "installment", payment_rank::SUCCEEDED),
            payment("in_2", "installment", payment_rank::FAILED),
        ];
        assert_eq!(
            keys(&due(&d, &records, &[], &HashSet::new())),
            ["receipt:in_1", "payment_failed:in_2", "plan_canceled:don_1"]
        );
        // A plan that never took a payment ends without a message.
        assert!(due(&d, &records[..1], &[], &HashSet::new()).is_empty());
    }

    #[test]
    fn a_succeeded_refund_is_announced_once_and_a_later_failure_corrected() {
        let d = donation("one_time", 10_000, 10_000);
        let mut paid = payment("donation:don_1", "one_time", payment_rank::SUCCEEDED);
        paid.payment_intent_id = Some("pi_1".into());
        let paid = [paid];
        let receipt: HashSet<String> = ["receipt:donation:don_1".to_string()].into();
        // Pending or waiting for the donor's bank details: not yet.
        for status in ["pending", "requires_action"] {
            let r = [refund("re_1", "pi_1", 3000, status)];
            assert!(due(&d, &paid, &r, &receipt).is_empty(), "{status}");
        }
        // Succeeded: one notice, to the donor, naming the payment and the refund.
        let r = [refund("re_1", "pi_1", 3000, "succeeded")];
        let due1 = due(&d, &paid, &r, &receipt);
        assert_eq!(keys(&due1), ["refund:re_1"]);
        assert_eq!(due1[0].kind, REFUND);
        assert_eq!(due1[0].recipient, "a@example.org");
        assert_eq!(due1[0].payment_id.as_deref(), Some("donation:don_1"));
        assert_eq!(due1[0].payload.as_deref(), Some("re_1"));
        let mut told = receipt.clone();
        told.insert("refund:re_1".into());
        assert!(due(&d, &paid, &r, &told).is_empty(), "once");
        // Failed or canceled after the notice: a correction, once.
        for status in ["failed", "canceled"] {
            let r = [refund("re_1", "pi_1", 3000, status)];
            let fix = due(&d, &paid, &r, &told);
            assert_eq!(keys(&fix), ["refund_failed:re_1"], "{status}");
            let mut both = told.clone();
            both.insert("refund_failed:re_1".into());
            assert!(due(&d, &paid, &r, &both).is_empty());
            // Failed before anyone was told (or its events came in that order): nothing.
            assert!(due(&d, &paid, &r, &receipt).is_empty());
        }
        // Several refunds: one notice each; another payment's refunds are not this one's.
        let r = [
            refund("re_2", "pi_1", 1000, "succeeded"),
            refund("re_1", "pi_1", 3000, "succeeded"),
            refund("re_9", "pi_other", 500, "succeeded"),
        ];
        assert_eq!(
            keys(&due(&d, &paid, &r, &receipt)),
            ["refund:re_1", "refund:re_2"]
        );
        // No email, no notice.
        let mut nobody = d.clone();
        nobody.donor_email = None;
        assert!(due(&nobody, &paid, &r, &HashSet::new()).is_empty());
    }

    #[test]
    fn offline_gifts_get_a_receipt_unless_staff_say_not() {
        let mut d = donation("one_time", 1000, 1000);
        d.source = crate::domain::donation::Source::Offline;
        d.counted_gifts = 1;
        assert_eq!(
            keys(&due(&d, &[], &[], &HashSet::new())),
            ["receipt:donation:don_1"]
        );
        d.email_receipt = false;
        assert!(due(&d, &[], &[], &HashSet::new()).is_empty());
        d.email_receipt = true;
        d.voided_at = Some(5);
        assert!(due(&d, &[], &[], &HashSet::new()).is_empty());
    }

    #[test]
    fn donors_without_email_get_nothing() {
        let mut d = donation("one_time", 1000, 1000);
        let paid = [payment(
            "donation:don_1",
            "one_time",
            payment_rank::SUCCEEDED,
        )];
        d.donor_email = None;
        assert!(due(&d, &paid, &[], &HashSet::new()).is_empty());
        d.source = crate::domain::donation::Source::Offline;
        d.counted_gifts = 1;
        assert!(due(&d, &[], &[], &HashSet::new()).is_empty());
    }
}
