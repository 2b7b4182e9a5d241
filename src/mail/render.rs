//! Rendering queued messages. A message is rendered when it is sent, from the records as they
//! are then (the same records it was queued for: a succeeded payment does not change), so the
//! ledger never needs the presentation settings and a self-service link's validity starts when
//! the donor receives it.

use askama::Template;

use super::Letter;
use crate::domain::contribution::Frequency;
use crate::domain::{manage_link, notices};
use crate::i18n::{Args, Lang, Tr, format};
use crate::store::{Campaign, Donation, OutboxMessage, Payment, Store, StoreError};

mod context;
mod fundraiser;
mod manage_links;
mod receipt;
mod refund;
#[cfg(test)]
mod spanish;
mod staff;
pub use context::MailContext;
pub use fundraiser::{PageLink, PageMail, page_mail};
pub use manage_links::manage_links;
pub use receipt::{offline_payment, receipt};
pub use refund::{refund_failed, refund_notice};
pub use staff::{clock_time, staff_signin};

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
/// same; each template uses what it needs, mostly through its messages ([`View::args`]), in the
/// view's language.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The language of the donor (of the gift the message is about).
    pub lang: Lang,
    pub subject: String,
    pub org_name: String,
    pub org_address: String,
    pub org_ein: Option<String>,
    /// The organization is not a 501(c)(3): gifts are not deductible, and emails say so
    /// instead of the deductibility sentence.
    pub not_deductible: bool,
    /// The organization's own words for its receipts (`ORG_RECEIPT_WORDING`), as given.
    pub receipt_wording: Option<String>,
    /// The donor's name; empty when they gave none (the greeting says "friend").
    pub donor_name: String,
    pub campaign: String,
    pub date: String,
    pub gift: String,
    /// The covered fee, when the donor covered one and the payment is the amount they chose.
    pub fee: Option<String>,
    pub total: String,
    pub frequency: Frequency,
    pub recurring: bool,
    /// "In honor of Jane Doe", in the view's language.
    pub tribute: Option<String>,
    /// `honor` or `memory`, and whom.
    pub tribute_kind: Option<&'static str>,
    pub honoree: String,
    pub tribute_message: Option<String>,
    pub show_amount: bool,
    pub anonymous: bool,
    pub receipt_no: String,
    pub manage_url: Option<String>,
    pub manage_until: String,
    /// Where a donor asks for a fresh link once that one has expired (`/manage`).
    pub ask_url: String,
    pub failure: Option<String>,
    /// How an offline gift was paid: "check", "cash", "other".
    pub method: Option<String>,
    /// How a checkout gift is paid: "card" or "us_bank_account" ("" for offline gifts); the
    /// templates name it ("Card", "Bank account (ACH)").
    pub paid_with: &'static str,
    /// The gift pays membership dues: receipts call it so.
    pub dues: bool,
    /// ... and say dues are not tax-deductible (the campaign's setting).
    pub dues_not_deductible: bool,
    /// A staff sign-in link (sign-in and invitation emails), and until when it works.
    pub signin_url: String,
    pub signin_until: String,
    /// Who sent an invitation, and the role it gives ("an admin", "a staff member").
    pub inviter: String,
    pub role: &'static str,
    /// A refund notice (or its correction): the refund, when it was made, what the gift's
    /// receipt now stands at, whether nothing is left of it, and what became of a refund that
    /// was undone ("failed", "was canceled").
    pub refund_amount: String,
    pub refund_date: String,
    pub remaining: String,
    pub refunded_all: bool,
    /// `failed` or `canceled`.
    pub refund_outcome: &'static str,
    /// Fresh self-service links asked for on the "manage my gift" page, one per running plan.
    pub gifts: Vec<GiftLink>,
}

impl View {
    /// The values the messages of a donor email may name.
    pub fn args(&self) -> Args {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        Args::new()
            .text("org", &self.org_name)
            // The deductibility sentences name the EIN of a 501(c)(3): never another's.
            .flag("has_ein", self.org_ein.is_some() && !self.not_deductible)
            .text("donor_name", &self.donor_name)
            .flag("named", !self.donor_name.trim().is_empty())
            .text("campaign", &self.campaign)
            .flag("has_campaign", !self.campaign.is_empty())
            .text("date", &self.date)
            .text("gift", &self.gift)
            .text("fee", opt(&self.fee))
            .text("total", &self.total)
            .word("frequency", self.frequency.as_str())
            .flag("recurring", self.recurring)
            .word("tribute_kind", self.tribute_kind.unwrap_or("none"))
            .text("honoree", &self.honoree)
            .flag("anonymous", self.anonymous)
            .text("receipt_no", &self.receipt_no)
            .text("manage_url", opt(&self.manage_url))
            .text("manage_until", &self.manage_until)
            .text("ask_url", &self.ask_url)
            .text("failure", opt(&self.failure))
            .word("method", self.method.clone().unwrap_or_default())
            .word("paid_with", self.paid_with)
            .flag("dues", self.dues)
            .text("refund_amount", &self.refund_amount)
            .text("refund_date", &self.refund_date)
            .text("remaining", &self.remaining)
            .flag("refunded_all", self.refunded_all)
            .word("refund_outcome", self.refund_outcome)
            .flag("has_gifts", !self.gifts.is_empty())
    }
}

/// One recurring gift in a "manage my gift" email, with its fresh link.
#[derive(Debug, Clone, Default)]
pub struct GiftLink {
    /// "Monthly gift for Policy Fund 2026"
    pub label: String,
    /// "$25.00 a month"
    pub amount: String,
    pub url: String,
    /// The gift's own values: `started`, `until` (dates).
    pub args: Args,
}

macro_rules! mail_templates {
    ($($text:ident, $html:ident, $txt_path:literal, $html_path:literal;)*) => {$(
        #[derive(Template)]
        #[template(path = $txt_path)]
        struct $text<'a> {
            v: &'a View,
            // (Staff emails' text part, in English, names no message.)
            #[allow(dead_code)]
            tr: Tr,
        }
        impl<'a> $text<'a> {
            fn new(v: &'a View, tr: Tr) -> Self {
                $text { v, tr }
            }
        }
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            v: &'a View,
            tr: Tr,
        }
        impl<'a> $html<'a> {
            fn new(v: &'a View, tr: Tr) -> Self {
                $html { v, tr }
            }
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
    RefundText, RefundHtml, "mail/refund.txt", "mail/refund.html";
    RefundFailedText, RefundFailedHtml, "mail/refund_failed.txt", "mail/refund_failed.html";
    ManageLinksText, ManageLinksHtml, "mail/manage_links.txt", "mail/manage_links.html";
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

/// The view of a message about gift `d`, in the gift's language.
pub(super) fn base_view(ctx: &MailContext, d: &Donation, c: &Campaign) -> View {
    let lang = Lang::stored(&d.language);
    let tribute_kind = match (d.tribute_kind.as_deref(), &d.tribute_honoree) {
        (Some("memory"), Some(_)) => Some("memory"),
        (Some(_), Some(_)) => Some("honor"),
        _ => None,
    };
    let honoree = d.tribute_honoree.clone().unwrap_or_default();
    let org = ctx.org_of(&c.organization);
    View {
        lang,
        org_name: org.name.clone(),
        org_address: org.address.clone(),
        org_ein: org.ein.clone(),
        not_deductible: !org.tax_status.deductible(),
        receipt_wording: org.receipt_wording.clone(),
        donor_name: d
            .donor_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_default(),
        campaign: c.name.clone(),
        gift: format::money(lang, d.gift_minor, &d.currency),
        fee: (d.fee_minor > 0).then(|| format::money(lang, d.fee_minor, &d.currency)),
        total: format::money(lang, d.total_minor, &d.currency),
        frequency: d.frequency,
        recurring: d.frequency.is_recurring(),
        tribute: tribute_kind.map(|kind| {
            let args = Args::new().word("kind", kind).text("honoree", &honoree);
            lang.msg("tribute-line", &args)
        }),
        tribute_kind,
        honoree,
        tribute_message: d.tribute_message.clone(),
        show_amount: d.tribute_show_amount,
        anonymous: d.anonymous,
        paid_with: d.payment_method.map_or("", |m| m.as_str()),
        dues: d.dues_minimum_minor.is_some(),
        dues_not_deductible: c.dues_not_deductible,
        ..View::default()
    }
}

/// The organization's local date of a moment (`ORG_TIMEZONE`), as `lang` writes it.
pub(super) fn local_date(ctx: &MailContext, lang: Lang, unix: i64) -> String {
    format::long_date(lang, ctx.org.zone.local(unix))
}

/// A self-service link for `d` mailed at `now`, and until when it works: `MANAGE_LINK_TTL`, or
/// longer for a recurring gift whose latest installment was paid at `paid_at`
/// (`manage_link::expiry`: until 30 days after the next installment is due).
pub(super) fn manage_link_of(
    ctx: &MailContext,
    d: &Donation,
    paid_at: Option<i64>,
    now: i64,
) -> (String, i64) {
    let ttl = i64::try_from(ctx.link_ttl.as_secs()).unwrap_or(i64::MAX);
    let expires = manage_link::expiry(now, ttl, d.frequency, paid_at);
    let url = manage_link::url(&ctx.public_base_url, &ctx.link_secret, &d.id, expires);
    (url, expires)
}

/// Puts the self-service link in a recurring gift's message (see [`manage_link_of`]).
pub(super) fn with_manage_link(
    v: &mut View,
    ctx: &MailContext,
    d: &Donation,
    paid_at: Option<i64>,
    now: i64,
) {
    if v.recurring && d.subscription_id.is_some() {
        let (url, expires) = manage_link_of(ctx, d, paid_at, now);
        v.manage_url = Some(url);
        v.manage_until = local_date(ctx, v.lang, expires);
        v.ask_url = format!("{}/manage", ctx.public_base_url.trim_end_matches('/'));
    }
}

/// Renders `v`'s text and HTML templates (made by `text` and `html`) in its language.
pub(super) fn letter<'a, T, H>(
    to: &str,
    v: &'a View,
    text: impl FnOnce(&'a View, Tr) -> T,
    html: impl FnOnce(&'a View, Tr) -> H,
) -> Result<Letter, RenderError>
where
    T: Template,
    H: Template,
{
    let args = v.args();
    Ok(Letter {
        to: to.to_string(),
        subject: v.subject.clone(),
        text: text(v, Tr::text(v.lang, args.clone())).render()?,
        html: html(v, Tr::html(v.lang, args)).render()?,
    })
}

/// A receipt's number, from its outbox message's id: `R-000042`.
pub fn receipt_number(message_id: i64) -> String {
    format!("R-{message_id:06}")
}

/// The note to the person a tribute gift names (sent to its `notify_email`).
pub fn tribute(ctx: &MailContext, d: &Donation, c: &Campaign) -> Result<Letter, RenderError> {
    let mut v = base_view(ctx, d, c);
    v.subject = v.lang.msg("tribute-subject", &v.args());
    let to = d.tribute_notify_email.as_deref().unwrap_or_default();
    letter(to, &v, TributeText::new, TributeHtml::new)
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
        v.total = format::money(v.lang, amount, p.currency.as_deref().unwrap_or(&d.currency));
    }
    v.date = local_date(ctx, v.lang, p.updated_at.min(now));
    v.failure = p.failure_reason.clone();
    v.subject = v.lang.msg("failed-subject", &v.args());
    with_manage_link(&mut v, ctx, d, p.paid_at, now);
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, FailedText::new, FailedHtml::new)
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
        v.lang,
        d.canceled_at.unwrap_or(d.plan_status_at.max(0)).min(now),
    );
    v.subject = v.lang.msg("canceled-subject", &v.args());
    let to = d.donor_email.as_deref().unwrap_or_default();
    letter(to, &v, CanceledText::new, CanceledHtml::new)
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
    if m.kind == notices::MANAGE_LINKS {
        return manage_links::manage_links_message(store, ctx, m, now).await;
    }
    if [
        notices::FUNDRAISER_WELCOME,
        notices::FUNDRAISER_APPROVED,
        notices::FUNDRAISER_LINKS,
    ]
    .contains(&m.kind.as_str())
    {
        return fundraiser::fundraiser_message(store, ctx, m, now).await;
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
        (notices::RECEIPT, Some(p)) => receipt(ctx, &d, &c, p, &receipt_number(m.id), now)?,
        (notices::RECEIPT, None) if d.is_offline() => receipt(
            ctx,
            &d,
            &c,
            &offline_payment(&d),
            &receipt_number(m.id),
            now,
        )?,
        (notices::PAYMENT_FAILED, Some(p)) => payment_failed(ctx, &d, &c, p, now)?,
        (notices::TRIBUTE, _) => tribute(ctx, &d, &c)?,
        (notices::PLAN_CANCELED, _) => plan_canceled(ctx, &d, &c, now)?,
        (notices::REFUND | notices::REFUND_FAILED, Some(p)) => {
            refund::refund_message(store, ctx, m, &d, &c, p).await?
        }
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

    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::config::Organization;
    use crate::domain::contribution::payment_rank;

    pub(super) const NOW: i64 = 1_795_000_000; // 2026-11-18
    pub(super) const SECRET: &[u8] = b"snapshot-secret-0123456789abcdef";

    pub(super) fn ctx(ein: bool) -> MailContext {
        MailContext {
            org: Organization {
                slug: "default".into(),
                name: "Immigrant Rights Coalition".into(),
                address: "100 Liberty Ave, Springfield, IL 62701".into(),
                ein: ein.then(|| "12-3456789".into()),
                zone: crate::domain::zone::Zone::utc(),
                tax_status: crate::domain::organization::TaxStatus::C3,
                receipt_wording: None,
            },
            others: vec![Organization {
                slug: "action".into(),
                name: "Immigrant Rights Action".into(),
                address: "100 Liberty Ave, Springfield, IL 62701".into(),
                ein: ein.then(|| "98-7654321".into()),
                zone: crate::domain::zone::Zone::utc(),
                tax_status: crate::domain::organization::TaxStatus::C4,
                receipt_wording: Some("Paid for by Immigrant Rights Action.".into()),
            }],
            public_base_url: "https://donate.example.org".into(),
            link_secret: Arc::from(SECRET),
            link_ttl: Duration::from_secs(60 * 86_400),
        }
    }

    pub(super) fn campaign() -> Campaign {
        Campaign::sample("policy", "Policy Fund 2026", 10_000_000)
    }

    pub(super) fn donation(frequency: &str, gift: i64, fee: i64) -> Donation {
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

    pub(super) fn paid(id: &str, amount: i64) -> Payment {
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

    /// $5.00 a month of a campaign's dues ($60 a year), paid from a bank account with the fee
    /// covered: `d` (a monthly gift of 500 with a fee of 4) made a dues payment, its installment
    /// and the campaign.
    pub(super) fn dues_by_bank_debit(mut d: Donation) -> (Donation, Payment, Campaign) {
        d.payment_method = Some(crate::domain::donation::PaymentMethod::UsBankAccount);
        d.dues_minimum_minor = Some(500);
        let mut p = paid("in_1", 504);
        p.kind = "installment".into();
        let mut c = campaign();
        c.membership_dues_minor = Some(6000);
        (d, p, c)
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
    fn dates_read_as_words() {
        assert_eq!(long_date(0), "January 1, 1970");
        assert_eq!(long_date(1_795_000_000), "November 18, 2026");
    }
}
