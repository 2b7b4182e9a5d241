//! Supporters' pages (peer-to-peer fundraising, `domain::fundraiser`): a supporter starts a page
//! under a campaign with their email address; the page's link to manage it (signed like donors'
//! manage links, `domain::manage_link`, of its own kind) is emailed to that address, and the
//! first use of it confirms the address. Staff approve or hide pages; a campaign's policy says
//! whether pages need approval at all. A lost link is asked for again by address, with the same
//! answer whether or not the address has a page.
//!
//! Emails to a supporter go through the outbox (`mail::render::fundraiser`), rendered when sent
//! with the link signed then. The emails sent on request to one address are limited
//! (`FUNDRAISER_RATE_PER_EMAIL`: beyond it, the same answer and no email); the pages limit
//! requests per client address (`FUNDRAISER_RATE_PER_IP`, in `http::limits`).

use serde::Deserialize;

use crate::config::FundraiserConfig;
use crate::domain::donation::{DEFAULT_LANGUAGE, language_tag};
use crate::domain::field_error::{FieldError, Reason};
use crate::domain::fundraiser::{
    PageInput, PageLinkRequest, PagePolicy, Review, nth_slug, parse_owner, parse_page, parse_slug,
    slug_from_name,
};
use crate::domain::manage_link::{self, LinkError, LinkKind};
use crate::domain::message::NewMessage;
use crate::domain::money::currency_of;
use crate::domain::notices;
use crate::services::campaign_admin::MajorAmount;
use crate::services::staff_tokens::random_hex;
use crate::store::{Campaign, Fundraiser, ListedFundraiser, Progress, Store, StoreError};

/// Why a request about a page was not done, in the supporter's or staff's terms.
#[derive(Debug, thiserror::Error)]
pub enum FundraiserError {
    /// No such campaign, or it takes no gifts now.
    #[error("no open campaign {0:?}")]
    NoCampaign(String),
    /// The campaign takes no new supporter pages.
    #[error("campaign {0:?} takes no new supporter pages")]
    SignUpsClosed(String),
    /// No such page, or not one the asker may see.
    #[error("no such supporter page")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The link is altered, foreign or expired. Nothing was looked up.
    #[error("{0}")]
    Link(#[from] LinkError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// A new page as the supporter typed it (`POST /api/v1/campaigns/{slug}/fundraisers`, or the
/// sign-up form).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpInput {
    /// The supporter's name, as the page shows it.
    pub name: String,
    /// Where the link to manage the page is sent; never shown.
    pub email: String,
    /// The personal goal in major units: `"500"`, `"500.00"`.
    #[schema(value_type = String, example = "500.00")]
    pub goal: MajorAmount,
    /// A headline (one line, optional).
    #[serde(default)]
    pub title: String,
    /// Plain text, paragraphs separated by blank lines (optional).
    #[serde(default)]
    pub story: String,
    /// The page's address under the campaign (`/donate/{campaign}/f/{slug}`); made from the
    /// name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Leave empty: a form field hidden from people, which only bots fill in.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Option<String>,
    /// The supporter's language, in which the emails about the page are written: a tag such as
    /// `en` or `es`. Without it, the request's `Accept-Language`; a language without
    /// translations is English.
    #[serde(default)]
    #[schema(example = "es")]
    pub language: Option<String>,
}

/// What became of a sign-up. The answer to the supporter is the same in every case ("check
/// your email"); the distinction is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignUp {
    /// The page is recorded (unconfirmed) and its welcome email queued.
    Created(Box<Fundraiser>),
    /// The address was sent `FUNDRAISER_RATE_PER_EMAIL` emails already: nothing was made.
    Throttled,
    /// A bot filled in the hidden field: nothing was made.
    Refused,
}

/// Tries of the slug made from a name (`ana`, `ana-2`, ...) before a random one is used.
const SLUG_TRIES: u32 = 20;

/// A new page id: `fr_` and a time-ordered UUID.
pub fn new_fundraiser_id() -> String {
    format!("fr_{}", uuid::Uuid::now_v7().simple())
}

/// The campaign `slug` if it takes gifts at `at`.
async fn open_campaign(
    store: &dyn Store,
    slug: &str,
    at: i64,
) -> Result<Campaign, FundraiserError> {
    store
        .campaign_by_slug(slug)
        .await?
        .filter(|c| c.accepts_gifts(at))
        .ok_or_else(|| FundraiserError::NoCampaign(slug.to_string()))
}

/// Whether the address was sent its allowance of emails on request already.
async fn throttled(
    store: &dyn Store,
    config: &FundraiserConfig,
    owner_key: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let Some(rate) = config.mail_per_email else {
        return Ok(false);
    };
    let since = at.saturating_sub(i64::try_from(rate.per.as_secs()).unwrap_or(i64::MAX));
    Ok(store.fundraiser_mail_since(owner_key, since).await? >= i64::from(rate.count.get()))
}

/// A supporter starts a page under `campaign_slug` at `at`: checked, recorded unconfirmed, its
/// welcome email (with the link to confirm and manage it) queued in the same transaction.
pub async fn sign_up(
    store: &dyn Store,
    config: &FundraiserConfig,
    campaign_slug: &str,
    input: &SignUpInput,
    at: i64,
) -> Result<SignUp, FundraiserError> {
    let campaign = open_campaign(store, campaign_slug, at).await?;
    if !store.page_policy(campaign.id).await?.takes_sign_ups() {
        return Err(FundraiserError::SignUpsClosed(campaign.slug));
    }
    let page = PageInput {
        name: &input.name,
        title: &input.title,
        story: &input.story,
        goal: &input.goal.0,
    };
    let currency = currency_of(&campaign.currency);
    let mut errors = Vec::new();
    let fields = parse_page(
        &page,
        currency,
        campaign.min_gift_minor,
        campaign.goal_minor,
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let owner = parse_owner(&input.email).map_err(|e| errors.push(e)).ok();
    let asked = match input
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => parse_slug(s).map_err(|e| errors.push(e)).ok(),
    };
    let (Some(fields), Some(owner)) = (fields, owner) else {
        return Err(FundraiserError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(FundraiserError::Invalid(errors));
    }
    if input
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        tracing::info!("supporter page refused: honeypot field filled");
        return Ok(SignUp::Refused);
    }
    let owner_key = owner.normalized();
    if throttled(store, config, &owner_key, at).await? {
        tracing::warn!("supporter page: per-address limit reached");
        return Ok(SignUp::Throttled);
    }
    let mut f = Fundraiser {
        id: new_fundraiser_id(),
        campaign_id: campaign.id,
        slug: String::new(),
        name: fields.name,
        title: fields.title,
        story: fields.story,
        goal_minor: fields.goal_minor,
        owner_email: owner.as_str().to_string(),
        owner_key,
        review: Review::Pending,
        confirmed_at: None,
        reviewed_at: None,
        reviewed_by: None,
        created_at: at,
        updated_at: at,
        language: input
            .language
            .as_deref()
            .and_then(language_tag)
            .unwrap_or_else(|| DEFAULT_LANGUAGE.into()),
    };
    let welcome = NewMessage {
        key: format!("{}:{}", notices::FUNDRAISER_WELCOME, f.id),
        kind: notices::FUNDRAISER_WELCOME.into(),
        donation_id: None,
        payment_id: None,
        recipient: f.owner_email.clone(),
        payload: Some(f.id.clone()),
    };
    let base = slug_from_name(&f.name).unwrap_or_else(|| "fundraiser".into());
    for n in 0..=SLUG_TRIES {
        f.slug = match (&asked, n) {
            (Some(s), _) => s.clone(),
            (None, n) if n < SLUG_TRIES => nth_slug(&base, n),
            (None, _) => nth_slug(&base, 1_000 + rand::random_range(0..1_000_000u32)),
        };
        if asked.is_none()
            && n < SLUG_TRIES
            && store
                .fundraiser_by_slug(campaign.id, &f.slug)
                .await?
                .is_some()
        {
            continue;
        }
        match store.create_fundraiser(&f, &welcome, at).await {
            Ok(()) => return Ok(SignUp::Created(Box::new(f))),
            Err(StoreError::Conflict(_)) if asked.is_none() => continue,
            Err(StoreError::Conflict(_)) => {
                return Err(FundraiserError::Invalid(vec![
                    FieldError::new(
                        "slug",
                        "is taken by another page of this campaign; choose another",
                    )
                    .because(Reason::new("slug_taken")),
                ]));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(FundraiserError::Invalid(vec![
        FieldError::new("slug", "could not be made from the name; choose one")
            .because(Reason::new("slug_not_made")),
    ]))
}

/// The page a link opens, with its campaign, if the link is genuine and unexpired. The link is
/// checked before anything is read.
pub async fn open_link(
    store: &dyn Store,
    secret: &[u8],
    token: &str,
    now: i64,
) -> Result<(Fundraiser, Campaign), FundraiserError> {
    let id = manage_link::verify_as(secret, LinkKind::Fundraiser, token, now)?;
    let f = store
        .fundraiser(&id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    let c = store
        .campaign_by_id(f.campaign_id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    Ok((f, c))
}

/// The owner's change of their page (by its link): checked like a sign-up; saving also
/// confirms the address. The page as it now is.
pub async fn edit(
    store: &dyn Store,
    f: &Fundraiser,
    c: &Campaign,
    page: &PageInput<'_>,
    at: i64,
) -> Result<Fundraiser, FundraiserError> {
    let fields = parse_page(
        page,
        currency_of(&c.currency),
        c.min_gift_minor,
        c.goal_minor,
    )
    .map_err(FundraiserError::Invalid)?;
    store
        .update_fundraiser_page(&f.id, &fields, true, at)
        .await?
        .ok_or(FundraiserError::NotFound)
}

/// What became of a request for fresh links. The page answers every case the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// An email with links to this many pages is on its way.
    Sent(usize),
    /// The address has no page: nothing is sent.
    NoPages,
    /// The address was sent its allowance of such emails already: nothing more.
    Throttled,
}

/// Someone asks for fresh links to the pages of `email` at `at`, on a page in `language` (a
/// tag, in which the email is written). Only a malformed address is an error.
pub async fn request_links(
    store: &dyn Store,
    config: &FundraiserConfig,
    email: &str,
    language: &str,
    at: i64,
) -> Result<LinkRequest, FundraiserError> {
    let email = parse_owner(email).map_err(|e| FundraiserError::Invalid(vec![e]))?;
    let owner_key = email.normalized();
    let pages = store.fundraisers_owned_by(&owner_key).await?;
    // The address on file: as the supporter typed it for their latest page.
    let Some(on_file) = pages.last().map(|f| f.owner_email.clone()) else {
        return Ok(LinkRequest::NoPages);
    };
    if throttled(store, config, &owner_key, at).await? {
        tracing::warn!("supporter links: per-address limit reached");
        return Ok(LinkRequest::Throttled);
    }
    let id = random_hex();
    let message = NewMessage {
        key: format!("{}:{id}", notices::FUNDRAISER_LINKS),
        kind: notices::FUNDRAISER_LINKS.into(),
        donation_id: None,
        payment_id: None,
        recipient: on_file,
        payload: Some(id.clone()),
    };
    let request = PageLinkRequest {
        owner_key,
        language: language_tag(language).unwrap_or_else(|| DEFAULT_LANGUAGE.into()),
    };
    store
        .create_fundraiser_link_request(&id, &request, &message, at)
        .await?;
    Ok(LinkRequest::Sent(pages.len()))
}

/// Staff's decision about page `id`, by `staff`. Approving a confirmed page emails its owner
/// that it is public (once: the email is keyed by the page); a page approved before its owner
/// confirmed goes public when they do, as its manage page says.
pub async fn review(
    store: &dyn Store,
    id: &str,
    review: Review,
    staff: &str,
    at: i64,
) -> Result<Fundraiser, FundraiserError> {
    let f = store
        .fundraiser(id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    let notice = (review == Review::Approved && f.confirmed_at.is_some()).then(|| NewMessage {
        key: format!("{}:{}", notices::FUNDRAISER_APPROVED, f.id),
        kind: notices::FUNDRAISER_APPROVED.into(),
        donation_id: None,
        payment_id: None,
        recipient: f.owner_email.clone(),
        payload: Some(f.id.clone()),
    });
    let updated = store
        .review_fundraiser(id, review, staff, notice.as_ref(), at)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    tracing::info!(staff, page = %updated.id, review = review.as_str(), "supporter page reviewed");
    Ok(updated)
}

/// A public page with everything its page shows: its campaign and the campaign's figures, the
/// page's figures and the campaign's policy. `NotFound` unless anyone may see it.
pub struct PublicPage {
    pub campaign: Campaign,
    pub campaign_progress: Progress,
    pub page: ListedFundraiser,
    pub policy: PagePolicy,
}

pub async fn public_page(
    store: &dyn Store,
    campaign_slug: &str,
    page_slug: &str,
) -> Result<PublicPage, FundraiserError> {
    let (campaign, campaign_progress) = store
        .campaign_progress(campaign_slug)
        .await?
        .ok_or_else(|| FundraiserError::NoCampaign(campaign_slug.to_string()))?;
    let f = store
        .fundraiser_by_slug(campaign.id, page_slug)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    let policy = store.page_policy(campaign.id).await?;
    if !f.is_public(policy) {
        return Err(FundraiserError::NotFound);
    }
    let page = store
        .fundraiser_progress(&f.id)
        .await?
        .ok_or(FundraiserError::NotFound)?;
    Ok(PublicPage {
        campaign,
        campaign_progress,
        page,
        policy,
    })
}

/// The campaign's public pages, most raised first, at most `limit`.
pub async fn top_pages(
    store: &dyn Store,
    campaign: &Campaign,
    limit: i64,
) -> Result<Vec<ListedFundraiser>, StoreError> {
    let policy = store.page_policy(campaign.id).await?;
    store
        .top_fundraisers(campaign.id, policy.public_reviews(), limit)
        .await
}

/// The page a gift names (`fundraiser`, a page's slug; blank: none): it must be public under
/// the campaign, or the gift is refused with an error naming the field.
pub async fn page_for_gift(
    store: &dyn Store,
    campaign: &Campaign,
    slug: Option<&str>,
) -> Result<Result<Option<Fundraiser>, FieldError>, StoreError> {
    let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Ok(None));
    };
    let found = store.fundraiser_by_slug(campaign.id, slug).await?;
    let policy = store.page_policy(campaign.id).await?;
    Ok(match found {
        Some(f) if f.is_public(policy) => Ok(Some(f)),
        _ => Err(FieldError::new(
            "fundraiser",
            "is not an open supporter page of this campaign",
        )
        .because(Reason::new("fundraiser_not_open"))),
    })
}

/// The page's address, to share: `{base}/donate/{campaign}/f/{page}`.
pub fn share_url(public_base_url: &str, campaign_slug: &str, page_slug: &str) -> String {
    format!(
        "{}/donate/{campaign_slug}/f/{page_slug}",
        public_base_url.trim_end_matches('/')
    )
}

/// The owner's link to manage the page: `{base}/fundraisers/manage/{token}`, and until when it
/// works (`ttl_secs` from `now`).
pub fn manage_url(
    public_base_url: &str,
    secret: &[u8],
    fundraiser_id: &str,
    now: i64,
    ttl_secs: i64,
) -> (String, i64) {
    let expires = now.saturating_add(ttl_secs);
    let token = manage_link::sign_as(secret, LinkKind::Fundraiser, fundraiser_id, expires);
    (
        format!(
            "{}/fundraisers/manage/{token}",
            public_base_url.trim_end_matches('/')
        ),
        expires,
    )
}
