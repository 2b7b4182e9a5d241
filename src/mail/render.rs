//! Rendering queued messages. A message is rendered when it is sent, from the records as they
//! are then (the same records it was queued for: a succeeded payment does not change), so the
//! ledger never needs the presentation settings and a self-service link's validity starts when
//! the donor receives it.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;

use super::Letter;
use crate::config::{Config, Organization};
use crate::domain::contribution::{Frequency, installment_gift};
use crate::domain::money::display as money;
use crate::domain::{manage_link, notices};
use crate::store::{Campaign, Donation, OutboxMessage, Payment, Store, StoreError};

mod staff;
pub use staff::{clock_time, staff_signin};

/// What rendering needs beyond the records.
#[derive(Clone)]
pub struct MailContext {
    pub org: Organization,
    pub public_base_url: String,
    pub link_secret: Arc<[u8]>,
    pub link_ttl: Duration,
}

impl MailContext {
    pub fn new(config: &Config, link_secret: Arc<[u8]>) -> Self {
        Self {
            org: config.org.clone(),
            public_base_url: config.public_base_url.clone(),
            link_secret,
            link_ttl: config.manage_link_ttl,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The records the message is about are gone or never were: retrying will not help.
    #[error("{0}")]
    Missing(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// Everything the templates show. One view for every kind keeps the templates' vocabulary the
/// same; each template uses what it needs.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub subject: String,
    pub org_name: String,
    pub org_address: String,
    pub org_ein: Option<String>,
    pub donor_name: String,
    pub campaign: String,
    pub date: String,
    pub gift: String,
    /// The covered fee, when the donor covered one and the payment is the amount they chose.
    pub fee: Option<String>,
    pub total: String,
    /// "one-time", "monthly", "annual"
    pub frequency: &'static str,
    pub frequency_label: &'static str,
    pub recurring: bool,
    /// "month" or "year"
    pub per: &'static str,
    /// "In honor of Jane Doe"
    pub tribute: Option<String>,
    /// "in honor of Jane Doe"
    pub tribute_phrase: String,
    /// Who the tribute notification says gave: the donor's name, unless they gave anonymously.
    pub tribute_giver: String,
    pub tribute_message: Option<String>,
    pub show_amount: bool,
    pub anonymous: bool,
    pub receipt_no: String,
    pub manage_url: Option<String>,
    pub manage_until: String,
    pub failure: Option<String>,
    /// How an offline gift was paid: "check", "cash", "other".
    pub method: Option<String>,
    /// A staff sign-in link (sign-in and invitation emails), and until when it works.
    pub signin_url: String,
    pub signin_until: String,
    /// Who sent an invitation, and the role it gives ("an admin", "a staff member").
    pub inviter: String,
    pub role: &'static str,
}

macro_rules! mail_templates {
    ($($text:ident, $html:ident, $txt_path:literal, $html_path:literal;)*) => {$(
        #[derive(Template)]
        #[template(path = $txt_path)]
        struct $text<'a> {
            v: &'a View,
        }
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            v: &'a View,
        }
    )*};
}

mail_templates! {
    ReceiptText, ReceiptHtml, "mail/receipt.txt", "mail/receipt.html";
    TributeText, TributeHtml, "mail/tribute.txt", "mail/tribute.html";
    FailedText, FailedHtml, "mail/payment_failed.txt", "mail/payment_failed.html";
    CanceledText, CanceledHtml, "mail/plan_canceled.txt", "mail/plan_canceled.html";
    SigninText, SigninHtml, "mail/signin.txt", "mail/signin.html";
    InviteText, InviteHtml, "mail/signin_invite.txt", "mail/signin_invite.html";
}

/// Month names as receipts and statements write dates ("July 4, 2026").
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "November 22, 2026" (UTC).
pub fn long_date(unix: i64) -> String {
    let iso = crate::services::campaign_admin::format_time(unix);
    let year = &iso[..4];
    let month: usize = iso[5..7].parse().unwrap_or(1);
    let day: u32 = iso[8..10].parse().unwrap_or(1);
    format!("{} {day}, {year}", MONTHS[month.clamp(1, 12) - 1])
}

fn base_view(ctx: &MailContext, d: &Donation, c: &Campaign) -> View {
    let frequency = d.frequency;
    let (word, label, per) = match frequency {
        Frequency::OneTime => ("one-time", "One-time gift", ""),
        Frequency::Monthly => ("monthly", "Monthly gift", "month"),
        Frequency::Annual => ("annual", "Annual gift", "year"),
    };
    let tribute_phrase = match (d.tribute_kind.as_deref(), &d.tribute_honoree) {
        (Some("memory"), Some(h)) => format!("in memory of {h}"),
        (Some(_), Some(h)) => format!("in honor of {h}"),
        _ => String::new(),
    };
    let donor_name = d
        .donor_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "friend".into());
    View {
        org_name: ctx.org.name.clone(),
        org_address: ctx.org.address.clone(),
        org_ein: ctx.org.ein.clone(),
        tribute_giver: if d.anonymous {
            "Someone who asked to remain anonymous".into()
        } else {
            donor_name.clone()
        },
        donor_name,
        campaign: c.name.clone(),
        gift: money(d.gift_minor, &d.currency),
        fee: (d.fee_minor > 0).then(|| money(d.fee_minor, &d.currency)),
        total: money(d.total_minor, &d.currency),
        frequency: word,
        frequency_label: label,
        recurring: frequency.is_recurring(),
        per,
        tribute: (!tribute_phrase.is_empty()).then(|| {
            let mut t = tribute_phrase.clone();
            t[..1].make_ascii_uppercase();
            t
        }),
        tribute_phrase,
        tribute_message: d.tribute_message.clone(),
        show_amount: d.tribute_show_amount,
        anonymous: d.anonymous,
        ..View::default()
    }
}

/// The organization's local date of a moment (`ORG_TIMEZONE`).
fn local_date(ctx: &MailContext, unix: i64) -> String {
    long_date(ctx.org.zone.local(unix))
}

fn with_manage_link(v: &mut View, ctx: &MailContext, d: &Donation, now: i64) {
    if v.recurring && d.subscription_id.is_some() {
        let expires = now + ctx.link_ttl.as_secs() as i64;
        v.manage_url = Some(manage_link::url(
            &ctx.public_base_url,
            &ctx.link_secret,
            &d.id,
            expires,
        ));
        v.manage_until = local_date(ctx, expires);
    }
}

fn letter<T: Template, H: Template>(
    to: &str,
    v: &View,
    text: T,
    html: H,
) -> Result<Letter, RenderError> {
    Ok(Letter {
        to: to.to_string(),
        subject: v.subject.clone(),
        text: text.render()?,
        html: html.render()?,
    })
}

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
        ("offline", Some(day)) => long_date(day),
        (_, at) => local_date(ctx, at.unwrap_or(now)),
    };
    v.receipt_no = receipt_no.to_string();
    v.method.clone_from(&d.offline_method);
    v.subject = format!("Your receipt for your gift to {}", ctx.org.name);
    with_manage_link(&mut v, ctx, d, now);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, ReceiptText { v: &v }, ReceiptHtml { v: &v })
}

/// The note to the person a tribute gift names (sent to its `notify_email`).
pub fn tribute(ctx: &MailContext, d: &Donation, c: &Campaign) -> Result<Letter, RenderError> {
    let mut v = base_view(ctx, d, c);
    v.subject = format!("A gift to {} {}", ctx.org.name, v.tribute_phrase);
    let to = d.tribute_notify_email.as_deref().unwrap_or_default();
    letter(to, &v, TributeText { v: &v }, TributeHtml { v: &v })
}

/// The nudge after an installment failed, with the link to fix the card.
pub fn payment_failed(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    p: &Payment,
    now: i64,
) -> Result<Letter, RenderError> {
    let mut v = base_view(ctx, d, c);
    if let Some(amount) = p.amount_minor {
        v.total = money(amount, p.currency.as_deref().unwrap_or(&d.currency));
    }
    v.date = local_date(ctx, p.updated_at.min(now));
    v.failure = p.failure_reason.clone();
    v.subject = format!(
        "Your {} gift to {} did not go through",
        v.frequency, ctx.org.name
    );
    with_manage_link(&mut v, ctx, d, now);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, FailedText { v: &v }, FailedHtml { v: &v })
}

/// The confirmation that a recurring gift has ended.
pub fn plan_canceled(
    ctx: &MailContext,
    d: &Donation,
    c: &Campaign,
    now: i64,
) -> Result<Letter, RenderError> {
    let mut v = base_view(ctx, d, c);
    v.date = local_date(
        ctx,
        d.canceled_at.unwrap_or(d.plan_status_at.max(0)).min(now),
    );
    v.subject = format!(
        "Your {} gift to {} has been canceled",
        v.frequency, ctx.org.name
    );
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, CanceledText { v: &v }, CanceledHtml { v: &v })
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

/// A statement's rendered parts, kept in its outbox payload when it is queued.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Prerendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders a queued message from the records it names.
pub async fn render(
    store: &dyn Store,
    ctx: &MailContext,
    m: &OutboxMessage,
    now: i64,
) -> Result<Letter, RenderError> {
    if m.kind == notices::STAFF_SIGNIN || m.kind == notices::STAFF_INVITE {
        return staff::staff_message(store, ctx, m, now).await;
    }
    if m.kind == notices::STATEMENT {
        let p: Prerendered = serde_json::from_str(m.payload.as_deref().unwrap_or_default())
            .map_err(|e| RenderError::Missing(format!("statement payload: {e}")))?;
        return Ok(Letter {
            to: m.recipient.clone(),
            subject: p.subject,
            text: p.text,
            html: p.html,
        });
    }
    let missing =
        |what: &str| RenderError::Missing(format!("{what} of message {} not found", m.message_key));
    let donation_id = m
        .donation_id
        .as_deref()
        .ok_or_else(|| missing("donation"))?;
    let d = store
        .donation(donation_id)
        .await?
        .ok_or_else(|| missing("donation"))?;
    let c = store
        .campaign_by_id(d.campaign_id)
        .await?
        .ok_or_else(|| missing("campaign"))?;
    let payment = match &m.payment_id {
        Some(id) => Some(
            store
                .payments_of(&d.id)
                .await?
                .into_iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| missing("payment"))?,
        ),
        None => None,
    };
    let mut letter = match (m.kind.as_str(), &payment) {
        (notices::RECEIPT, Some(p)) => receipt(ctx, &d, &c, p, &format!("R-{:06}", m.id), now)?,
        (notices::RECEIPT, None) if d.is_offline() => receipt(
            ctx,
            &d,
            &c,
            &offline_payment(&d),
            &format!("R-{:06}", m.id),
            now,
        )?,
        (notices::PAYMENT_FAILED, Some(p)) => payment_failed(ctx, &d, &c, p, now)?,
        (notices::TRIBUTE, _) => tribute(ctx, &d, &c)?,
        (notices::PLAN_CANCELED, _) => plan_canceled(ctx, &d, &c, now)?,
        (kind, _) => return Err(RenderError::Missing(format!("no template for {kind:?}"))),
    };
    // The address it was queued for, even if the record has changed since.
    letter.to = m.recipient.clone();
    Ok(letter)
}

#[cfg(test)]
mod tests {
    //! Snapshot tests: each message's text and HTML parts are compared with the files in
    //! `src/mail/snapshots/`. After an intended change, `UPDATE_SNAPSHOTS=1 cargo test --lib mail`
    //! rewrites them; review the diff before committing.

    use super::*;
    use crate::domain::contribution::payment_rank;

    pub(super) const NOW: i64 = 1_795_000_000; // 2026-11-18
    pub(super) const SECRET: &[u8] = b"snapshot-secret-0123456789abcdef";

    pub(super) fn ctx(ein: bool) -> MailContext {
        MailContext {
            org: Organization {
                name: "Immigrant Rights Coalition".into(),
                address: "100 Liberty Ave, Springfield, IL 62701".into(),
                ein: ein.then(|| "12-3456789".into()),
                zone: crate::domain::zone::Zone::utc(),
            },
            public_base_url: "https://donate.example.org".into(),
            link_secret: Arc::from(SECRET),
            link_ttl: Duration::from_secs(60 * 86_400),
        }
    }

    fn campaign() -> Campaign {
        Campaign::sample("policy", "Policy Fund 2026", 10_000_000)
    }

    fn donation(frequency: &str, gift: i64, fee: i64) -> Donation {
        let mut d =
            crate::domain::donation::Donation::pending("don_0193snapshot".into(), &campaign(), NOW);
        d.frequency = Frequency::parse(frequency).expect("a frequency");
        d.gift_minor = gift;
        d.fee_minor = fee;
        d.total_minor = gift + fee;
        d.donor_name = Some("Ana Pérez".into());
        d.donor_email = Some("ana@example.org".into());
        d.donor_key = "ana@example.org".into();
        if frequency != "one_time" {
            d.subscription_id = Some("sub_1".into());
        }
        d
    }

    fn paid(id: &str, amount: i64) -> Payment {
        Payment {
            id: id.into(),
            donation_id: Some("don_0193snapshot".into()),
            subscription_id: None,
            payment_intent_id: Some("pi_1".into()),
            kind: "one_time".into(),
            status: "succeeded".into(),
            status_rank: payment_rank::SUCCEEDED,
            amount_minor: Some(amount),
            currency: Some("usd".into()),
            failure_reason: None,
            attempt_count: 0,
            fee_actual_minor: None,
            paid_at: Some(NOW - 3600),
            created_at: NOW - 3600,
            updated_at: NOW - 3600,
        }
    }

    /// Compares `letter` with `snapshots/<name>.{txt,html}` (subject first in the text file).
    pub(super) fn snapshot(name: &str, letter: &Letter) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mail/snapshots");
        let text = format!(
            "To: {}\nSubject: {}\n\n{}",
            letter.to, letter.subject, letter.text
        );
        for (ext, got) in [("txt", &text), ("html", &letter.html)] {
            let path = dir.join(format!("{name}.{ext}"));
            if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
                panic!(
                    "no snapshot {}; run with UPDATE_SNAPSHOTS=1",
                    path.display()
                )
            });
            assert_eq!(got, &want, "{} differs from its snapshot", path.display());
        }
    }

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
    fn failed_installment_and_canceled_plan() {
        let d = donation("monthly", 2500, 0);
        let mut p = paid("in_3", 2500);
        p.kind = "installment".into();
        p.status_rank = payment_rank::FAILED;
        p.failure_reason = Some("Your card has expired.".into());
        let f = payment_failed(&ctx(true), &d, &campaign(), &p, NOW).unwrap();
        assert!(f.text.contains("Your card has expired."));
        assert!(f.text.contains("https://donate.example.org/manage/"));
        snapshot("payment_failed", &f);

        let mut d = d;
        d.plan_status = Some("canceled".into());
        d.canceled_at = Some(NOW - 60);
        let c = plan_canceled(&ctx(true), &d, &campaign(), NOW).unwrap();
        assert!(
            c.text.contains("has been canceled as of November 18, 2026"),
            "{}",
            c.text
        );
        snapshot("plan_canceled", &c);
    }

    #[test]
    fn offline_gift_receipt() {
        let mut d = donation("one_time", 25_000, 0);
        d.source = crate::domain::donation::Source::Offline;
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
    fn dates_read_as_words() {
        assert_eq!(long_date(0), "January 1, 1970");
        assert_eq!(long_date(1_795_000_000), "November 18, 2026");
    }
}
