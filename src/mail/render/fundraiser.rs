//! Emails to supporters about their pages (`services::fundraisers`): the welcome of a new page
//! (its link to confirm and manage it), the news that staff approved it, and fresh links asked
//! for by address. Rendered when sent, from the page (or the request) their outbox row names,
//! each link signed then and valid for `MANAGE_LINK_TTL`, in the supporter's language: the one
//! they signed up in (welcome, approval), or the one of the page they asked for links on. Every
//! word is a message of `locales/` (`fundraiser-*`), the subject too.

use askama::Template;

use super::{Letter, MailContext, RenderError, local_date};
use crate::domain::notices;
use crate::i18n::{Args, Lang, Tr};
use crate::services::fundraisers::{manage_url, share_url};
use crate::store::{Fundraiser, OutboxMessage, Store};

/// What a supporter's email shows.
#[derive(Debug, Clone, Default)]
pub struct PageMail {
    /// The supporter's language.
    pub lang: Lang,
    /// `welcome`, `approved` or `links`.
    pub kind: &'static str,
    pub subject: String,
    pub org_name: String,
    pub org_address: String,
    pub org_ein: Option<String>,
    pub supporter_name: String,
    /// The campaign of the page (welcome and approval emails, which are about one page).
    pub campaign: String,
    /// Where a lost link is asked for again.
    pub ask_url: String,
    pub pages: Vec<PageLink>,
}

/// One page in a supporter's email.
#[derive(Debug, Clone, Default)]
pub struct PageLink {
    pub title: String,
    pub campaign: String,
    pub share_url: String,
    pub manage_url: String,
    /// The date the link works until, as the email's language writes it.
    pub manage_until: String,
    /// `Standing::as_str` under the campaign's policy.
    pub standing: &'static str,
    /// The campaign's staff look at each page before it goes public.
    pub needs_review: bool,
}

/// What the templates draw of a page: its label (its title, or "Your page"), and its values
/// for the messages.
struct ShownPage<'a> {
    label: String,
    campaign: &'a str,
    share_url: &'a str,
    manage_url: &'a str,
    standing: &'static str,
    args: Args,
}

/// The email's own values, for its templates: the page's fields and the email's.
struct Shown<'a> {
    subject: &'a str,
    org_name: &'a str,
    org_address: &'a str,
    org_ein: &'a Option<String>,
    pages: Vec<ShownPage<'a>>,
}

macro_rules! page_mail {
    ($($name:ident => $path:literal;)*) => {$(
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            v: &'a Shown<'a>,
            tr: Tr,
        }
    )*};
}

page_mail! {
    WelcomeText => "mail/fundraiser_welcome.txt";
    WelcomeHtml => "mail/fundraiser_welcome.html";
    ApprovedText => "mail/fundraiser_approved.txt";
    ApprovedHtml => "mail/fundraiser_approved.html";
    LinksText => "mail/fundraiser_links.txt";
    LinksHtml => "mail/fundraiser_links.html";
}

impl PageMail {
    /// The values the email's messages name.
    fn args(&self) -> Args {
        Args::new()
            .text("org", &self.org_name)
            .text("donor_name", &self.supporter_name)
            .flag("named", !self.supporter_name.trim().is_empty())
            .text("campaign", &self.campaign)
            .text("ask_url", &self.ask_url)
    }
}

impl PageLink {
    fn shown(&self, lang: Lang) -> ShownPage<'_> {
        let label = if self.title.is_empty() {
            lang.msg("fundraiser-links-untitled", &Args::new())
        } else {
            self.title.clone()
        };
        ShownPage {
            label,
            campaign: &self.campaign,
            share_url: &self.share_url,
            manage_url: &self.manage_url,
            standing: self.standing,
            args: Args::new()
                .text("title", &self.title)
                .text("campaign", &self.campaign)
                .text("share_url", &self.share_url)
                .text("manage_url", &self.manage_url)
                .text("manage_until", &self.manage_until)
                .text("until", &self.manage_until)
                .word("standing", self.standing)
                .flag("needs_review", self.needs_review),
        }
    }
}

/// The email of `v` (its kind says which) to `to`, in `v.lang`.
pub fn page_mail(mut v: PageMail, to: &str) -> Result<Letter, RenderError> {
    let (lang, kind) = (v.lang, v.kind);
    let args = v.args();
    let subject_key = match kind {
        "welcome" => "fundraiser-welcome-subject",
        "approved" => "fundraiser-approved-subject",
        _ => "fundraiser-links-subject",
    };
    v.subject = lang.msg(subject_key, &args);
    let shown = Shown {
        subject: &v.subject,
        org_name: &v.org_name,
        org_address: &v.org_address,
        org_ein: &v.org_ein,
        pages: v.pages.iter().map(|p| p.shown(lang)).collect(),
    };
    let text = || Tr::text(lang, args.clone());
    let html = || Tr::html(lang, args.clone());
    let v = &shown;
    let (text, html) = match kind {
        "welcome" => (
            WelcomeText { v, tr: text() }.render()?,
            WelcomeHtml { v, tr: html() }.render()?,
        ),
        "approved" => (
            ApprovedText { v, tr: text() }.render()?,
            ApprovedHtml { v, tr: html() }.render()?,
        ),
        _ => (
            LinksText { v, tr: text() }.render()?,
            LinksHtml { v, tr: html() }.render()?,
        ),
    };
    Ok(Letter {
        to: to.to_string(),
        subject: shown.subject.to_string(),
        text,
        html,
    })
}

/// A page as its email in `lang` names it, with a link signed at `now`.
async fn page_link(
    store: &dyn Store,
    ctx: &MailContext,
    lang: Lang,
    f: &Fundraiser,
    now: i64,
) -> Result<PageLink, RenderError> {
    let campaign = store
        .campaign_by_id(f.campaign_id)
        .await?
        .ok_or_else(|| RenderError::Missing(format!("the campaign of page {} is gone", f.id)))?;
    let policy = store.page_policy(campaign.id).await?;
    let ttl = i64::try_from(ctx.link_ttl.as_secs()).unwrap_or(i64::MAX);
    let (manage, expires) = manage_url(&ctx.public_base_url, &ctx.link_secret, &f.id, now, ttl);
    Ok(PageLink {
        title: f.title.clone(),
        campaign: campaign.name,
        share_url: share_url(&ctx.public_base_url, &campaign.slug, &f.slug),
        manage_url: manage,
        manage_until: local_date(ctx, lang, expires),
        standing: f.standing(policy).as_str(),
        needs_review: policy.needs_review(),
    })
}

/// Renders a queued supporter's email from the page or request its payload names.
pub(super) async fn fundraiser_message(
    store: &dyn Store,
    ctx: &MailContext,
    m: &OutboxMessage,
    now: i64,
) -> Result<Letter, RenderError> {
    let id = m.payload.as_deref().unwrap_or_default();
    let gone = || RenderError::Missing(format!("the page or request of {} is gone", m.message_key));
    // Fresh links in the language of the page they were asked on; a page's own emails in the
    // language its owner signed up in.
    let (kind, lang, pages) = if m.kind == notices::FUNDRAISER_LINKS {
        let request = store.fundraiser_link_request(id).await?.ok_or_else(gone)?;
        let pages = store.fundraisers_owned_by(&request.owner_key).await?;
        ("links", Lang::stored(&request.language), pages)
    } else {
        let f = store.fundraiser(id).await?.ok_or_else(gone)?;
        let kind = if m.kind == notices::FUNDRAISER_APPROVED {
            "approved"
        } else {
            "welcome"
        };
        (kind, Lang::stored(&f.language), vec![f])
    };
    let mut links = Vec::with_capacity(pages.len());
    for f in &pages {
        links.push(page_link(store, ctx, lang, f, now).await?);
    }
    // The pages' campaign's organization (a supporter's pages are all under one's campaigns,
    // or the default organization speaks for them).
    let org = match pages.first() {
        Some(f) => store
            .campaign_by_id(f.campaign_id)
            .await?
            .map_or(&ctx.org, |c| ctx.org_of(&c.organization)),
        None => &ctx.org,
    };
    let v = PageMail {
        lang,
        kind,
        org_name: org.name.clone(),
        org_address: org.address.clone(),
        org_ein: org.ein.clone(),
        supporter_name: pages.last().map(|f| f.name.clone()).unwrap_or_default(),
        campaign: links
            .first()
            .map(|l| l.campaign.clone())
            .unwrap_or_default(),
        ask_url: format!(
            "{}/fundraisers/manage",
            ctx.public_base_url.trim_end_matches('/')
        ),
        pages: links,
        ..PageMail::default()
    };
    page_mail(v, &m.recipient)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{ctx, snapshot};
    use super::*;

    /// A page of Ana's, in English (the Spanish emails' tests change its words).
    pub(in crate::mail::render) fn page(standing: &'static str, needs_review: bool) -> PageLink {
        PageLink {
            title: "Ana runs for the coalition".into(),
            campaign: "Policy Fund 2026".into(),
            share_url: "https://donate.example.org/donate/policy/f/ana-perez".into(),
            manage_url: "https://donate.example.org/fundraisers/manage/fr_1.2.ab".into(),
            manage_until: "January 17, 2027".into(),
            standing,
            needs_review,
        }
    }

    /// Ana's email of `kind` about `pages`, in English.
    pub(in crate::mail::render) fn mail(kind: &'static str, pages: Vec<PageLink>) -> PageMail {
        let c = ctx(true);
        PageMail {
            kind,
            org_name: c.org.name,
            org_address: c.org.address,
            org_ein: c.org.ein,
            supporter_name: "Ana Pérez".into(),
            campaign: "Policy Fund 2026".into(),
            ask_url: "https://donate.example.org/fundraisers/manage".into(),
            pages,
            ..PageMail::default()
        }
    }

    #[test]
    fn a_new_page_is_welcomed_with_its_links() {
        let l = page_mail(
            mail("welcome", vec![page("unconfirmed", true)]),
            "ana@example.org",
        )
        .unwrap();
        assert_eq!(l.subject, "Confirm your page for Policy Fund 2026");
        assert!(
            l.text.contains("/fundraisers/manage/fr_1.2.ab"),
            "{}",
            l.text
        );
        assert!(l.text.contains("looks at each new page"), "{}", l.text);
        assert!(l.html.contains("/donate/policy/f/ana-perez"));
        snapshot("fundraiser_welcome", &l);
        let open = page_mail(mail("welcome", vec![page("unconfirmed", false)]), "a@b.co").unwrap();
        assert!(open.text.contains("goes public as soon as you confirm"));
    }

    #[test]
    fn approval_and_fresh_links() {
        let l = page_mail(
            mail("approved", vec![page("public", true)]),
            "ana@example.org",
        )
        .unwrap();
        assert_eq!(l.subject, "Your page for Policy Fund 2026 is live");
        assert!(l.text.contains("is now public"));
        snapshot("fundraiser_approved", &l);
        let mut untitled = page("awaiting_review", true);
        untitled.title.clear();
        let l = page_mail(
            mail("links", vec![page("public", true), untitled]),
            "ana@example.org",
        )
        .unwrap();
        assert_eq!(
            l.subject,
            "Your links to manage your pages for Immigrant Rights Coalition"
        );
        assert!(
            l.text.contains("Your page (Policy Fund 2026)"),
            "{}",
            l.text
        );
        assert!(l.text.contains("Waiting for Immigrant Rights Coalition"));
        assert_eq!(l.html.matches("Manage this page").count(), 2);
        snapshot("fundraiser_links", &l);
    }
}
