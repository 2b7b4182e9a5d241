//! "Manage my gift": a donor whose self-service link has expired (or who lost the email) types
//! their address and is emailed fresh links to every recurring gift of theirs that is still
//! running, at the address on file. The answer is the same whether or not the address has such
//! a gift, so the form tells a stranger nothing about who gives; the emails one address is sent
//! are limited (`MANAGE_LINK_RATE_PER_EMAIL`; beyond it the same answer and no email), and the
//! page limits requests per client address (`MANAGE_LINK_RATE_PER_IP`, in `http::limits`).
//!
//! The email goes through the outbox like every other message and is rendered when sent, from
//! the request (`mail::render::manage_links`): its links are signed then and never stored.

use crate::config::SelfServiceConfig;
use crate::domain::field_error::FieldError;
use crate::domain::message::NewMessage;
use crate::domain::notices;
use crate::domain::text::Email;
use crate::services::selfservice::{PlanState, plan_state};
use crate::services::staff_tokens::random_hex;
use crate::store::{Donation, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum LinkRequestError {
    /// The address is not one we could send to (it says nothing about who gives).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// What became of a request. The page answers every case the same way; the distinction is for
/// logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// An email with links to this many running plans is on its way.
    Sent(usize),
    /// The address has no recurring gift that is still running: nothing is sent.
    NoPlans,
    /// The address was sent `MANAGE_LINK_RATE_PER_EMAIL` such emails already: nothing more.
    Throttled,
}

/// The gifts a donor's fresh links are for: their recurring gifts whose plan is still running.
pub fn manageable(gifts: Vec<Donation>) -> Vec<Donation> {
    gifts
        .into_iter()
        .filter(|d| plan_state(d) == PlanState::Running)
        .collect()
}

/// Someone asks for fresh manage links for `email` at `at`. Only a malformed address is an
/// error.
pub async fn request(
    store: &dyn Store,
    config: &SelfServiceConfig,
    email: &str,
    at: i64,
) -> Result<LinkRequest, LinkRequestError> {
    let email = Email::parse(email)
        .map_err(|e| LinkRequestError::Invalid(vec![FieldError::new("email", e.to_string())]))?;
    let donor_key = email.normalized();
    let plans = manageable(store.recurring_gifts_of(&donor_key).await?);
    // The address on file: as the donor typed it on their latest gift.
    let Some(on_file) = plans.iter().rev().find_map(|d| d.donor_email.clone()) else {
        return Ok(LinkRequest::NoPlans);
    };
    if let Some(rate) = config.link_rate_per_email {
        let since = at.saturating_sub(i64::try_from(rate.per.as_secs()).unwrap_or(i64::MAX));
        if store.manage_link_requests_since(&donor_key, since).await? >= i64::from(rate.count.get())
        {
            tracing::warn!("manage links: per-address limit reached");
            return Ok(LinkRequest::Throttled);
        }
    }
    let id = random_hex();
    let message = NewMessage {
        key: format!("{}:{id}", notices::MANAGE_LINKS),
        kind: notices::MANAGE_LINKS.into(),
        donation_id: None,
        payment_id: None,
        recipient: on_file,
        payload: Some(id.clone()),
    };
    store
        .create_manage_link_request(&id, &donor_key, &message, at)
        .await?;
    Ok(LinkRequest::Sent(plans.len()))
}
