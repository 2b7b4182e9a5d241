//! What staff of one organization may reach: its campaigns, and the donations and emails of
//! them. Anything of another organization is answered 404, as if it did not exist (a 403 would
//! confirm it does).

use super::AppState;
use super::error::{AppError, AppResult};
use crate::domain::organization::DEFAULT_ORG;
use crate::store::{Campaign, Donation};

/// A campaign anyone may see (its public pages and reads), or 404.
pub async fn public_campaign_or_404(state: &AppState, slug: &str) -> AppResult<Campaign> {
    state
        .store
        .campaign_by_slug(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))
}

/// A campaign of organization `org` (the staff member's), or 404.
pub async fn campaign_or_404(state: &AppState, org: &str, slug: &str) -> AppResult<Campaign> {
    state
        .store
        .campaign_by_slug(slug)
        .await?
        .filter(|c| c.organization == org)
        .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))
}

/// A donation to a campaign of organization `org`, or 404.
pub async fn donation_or_404(state: &AppState, org: &str, id: &str) -> AppResult<Donation> {
    let not_found = || AppError::NotFound("no such donation".into());
    let d = state.store.donation(id).await?.ok_or_else(not_found)?;
    match state.store.campaign_by_id(d.campaign_id).await? {
        Some(c) if c.organization == org => Ok(d),
        _ => Err(not_found()),
    }
}

/// Whether staff of `org` may see a record of the campaign `campaign_slug` (`None`: of no
/// campaign, such as an event that did not parse, which the default organization's staff see).
pub fn sees(org_slugs: &[String], org: &str, campaign_slug: Option<&str>) -> bool {
    match campaign_slug {
        Some(slug) => org_slugs.iter().any(|s| s == slug),
        None => org == DEFAULT_ORG,
    }
}

/// The slugs of organization `org`'s campaigns.
pub async fn campaign_slugs(state: &AppState, org: &str) -> AppResult<Vec<String>> {
    Ok(state
        .store
        .campaigns()
        .await?
        .into_iter()
        .filter(|c| c.organization == org)
        .map(|c| c.slug)
        .collect())
}
