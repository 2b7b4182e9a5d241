//! Emails to supporters about their pages (`services::fundraisers`): the welcome of a new page
//! (its link to confirm and manage it), the news that staff approved it, and fresh links asked
//! for by address. Rendered when sent, from the page (or the request) their outbox row names,
//! each link signed then and valid for `MANAGE_LINK_TTL`. Every word is in the templates
//! (`templates/mail/fundraiser_*`), the subject too.

use askama::Template;

use super::{Letter, MailContext, RenderError, local_date};
use crate::domain::notices;
use crate::services::fundraisers::{manage_url, share_url};
use crate::store::{Fundraiser, OutboxMessage, Store};

/// What a supporter's email shows.
#[derive(Debug, Clone, Default)]
pub struct PageMail {
    /// `welcome`, `approved` or `links` (the subject template reads it).
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
    pub manage_until: String,
    /// `Standing::as_str` under the campaign's policy.
    pub standing: &'static str,
    /// The campaign's staff look at each page before it goes public.
    pub needs_review: bool,
}

macro_rules! page_mail {
    ($($name:ident => $path:literal;)*) => {$(
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            v: &'a PageMail,
        }
    )*};
}

page_mail! {
    Subject => "mail/fundraiser_subject.txt";
    WelcomeText => "mail/fundraiser_welcome.txt";
    WelcomeHtml => "mail/fundraiser_welcome.html";
    ApprovedText => "mail/fundraiser_approved.txt";
    ApprovedHtml => "mail/fundraiser_approved.html";
    LinksText => "mail/fundraiser_links.txt";
    LinksHtml => "mail/fundraiser_links.html";
}

/// The email of `v` (its kind says which) to `to`.
pub fn page_mail(mut v: PageMail, to: &str) -> Result<Letter, RenderError> {
    v.subject = Subject { v: &v }.render()?.trim().to_string();
    let (text, html) = match v.kind {
        "welcome" => (
            WelcomeText { v: &v }.render()?,
            WelcomeHtml { v: &v }.render()?,
        ),
        "approved" => (
            ApprovedText { v: &v }.render()?,
            ApprovedHtml { v: &v }.render()?,
        ),
        _ => (LinksText { v: &v }.render()?, LinksHtml { v: &v }.render()?),
    };
    Ok(Letter {
        to: to.to_string(),
        subject: v.subject,
        text,
        html,
    })
}

/// A page as its email names it, with a link signed at `now`.
async fn page_link(
    store: &dyn Store,
    ctx: &MailContext,
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
        manage_until: local_date(ctx, expires),
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
    let (kind, pages) = if m.kind == notices::FUNDRAISER_LINKS {
        let owner = store.fundraiser_link_request(id).await?.ok_or_else(gone)?;
        ("links", store.fundraisers_owned_by(&owner).await?)
    } else {
        let f = store.fundraiser(id).await?.ok_or_else(gone)?;
        let kind = if m.kind == notices::FUNDRAISER_APPROVED {
            "approved"
        } else {
            "welcome"
        };
        (kind, vec![f])
    };
    let mut links = Vec::with_capacity(pages.len());
    for f in &pages {
        links.push(page_link(store, ctx, f, now).await?);
    }
    let v = PageMail {
        kind,
        org_name: ctx.org.name.clone(),
        org_address: ctx.org.address.clone(),
        org_ein: ctx.org.ein.clone(),
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
mod tests {
    use super::super::tests::{ctx, snapshot};
    use super::*;

    fn page(standing: &'static str, needs_review: bool) -> PageLink {
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

    fn mail(kind: &'static str, pages: Vec<PageLink>) -> PageMail {
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
