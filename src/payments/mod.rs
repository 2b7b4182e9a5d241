//! Payment gateways behind one trait: Stripe (async-stripe) and the sandbox that stands in for it
//! when no Stripe key is configured.

pub mod sandbox;
pub mod stripe;

use async_trait::async_trait;

use crate::domain::contribution::Frequency;
use crate::domain::donation::PaymentMethod;
use crate::domain::fact::{BalanceFact, Fact};
use crate::domain::payment::ChargeRecord;

/// What a Checkout Session is created for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub donation_id: String,
    pub campaign_slug: String,
    pub campaign_name: String,
    pub currency: String,
    /// Charged per payment (per installment for recurring gifts): the gift plus any covered fee.
    pub unit_amount_minor: i64,
    pub frequency: Frequency,
    /// The one way to pay the session offers: the donor chose it, and the covered fee is its.
    pub payment_method: PaymentMethod,
    pub donor_email: String,
    pub success_url: String,
    pub cancel_url: String,
    /// The donor's language (`es`): the provider's checkout page is shown in it when it can be.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedSession {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// The payment provider refused the request (a 4xx): a bug or misconfiguration of ours.
    #[error("payment provider refused the request: {0}")]
    Refused(String),
    /// Timeout, network failure or a 5xx: may work later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider answered something we could not read.
    #[error("unreadable answer from the payment provider: {0}")]
    Unreadable(String),
    /// What was asked for does not exist yet at the provider (a charge's balance transaction
    /// before an asynchronous capture): ask again later.
    #[error("not yet at the payment provider: {0}")]
    NotYet(String),
}

/// One gateway per organization (each its own Stripe account): `default` for the default
/// organization, `others` by slug. In sandbox mode they are all the one sandbox.
#[derive(Clone)]
pub struct Gateways {
    pub default: std::sync::Arc<dyn Gateway>,
    pub others: Vec<(String, std::sync::Arc<dyn Gateway>)>,
}

impl Gateways {
    /// Only the default organization's.
    pub fn single(default: std::sync::Arc<dyn Gateway>) -> Gateways {
        Gateways {
            default,
            others: Vec::new(),
        }
    }

    /// The gateway of organization `org`; `None` for one not configured (its money must not
    /// go to another's account).
    pub fn of(&self, org: &str) -> Option<&dyn Gateway> {
        if org == crate::domain::organization::DEFAULT_ORG {
            return Some(self.default.as_ref());
        }
        self.others
            .iter()
            .find(|(slug, _)| slug == org)
            .map(|(_, g)| g.as_ref())
    }

    /// Every organization's, the default one first.
    pub fn all(&self) -> impl Iterator<Item = (&str, &std::sync::Arc<dyn Gateway>)> {
        std::iter::once((crate::domain::organization::DEFAULT_ORG, &self.default))
            .chain(self.others.iter().map(|(s, g)| (s.as_str(), g)))
    }
}

/// An event listed by the provider's Events API, as the raw JSON a webhook would have carried.
pub type RawEvent = String;

#[async_trait]
pub trait Gateway: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Creates a Checkout Session. Repeating the call for the same donation must not create a
    /// second session (the request carries an idempotency key derived from the donation id).
    async fn create_checkout(&self, req: &CheckoutRequest) -> Result<CreatedSession, GatewayError>;

    /// Events created at or after `since` (unix seconds), oldest first, at most the last 30 days.
    async fn list_events(&self, since: i64) -> Result<Vec<RawEvent>, GatewayError>;

    /// What a Checkout Session's current state says, for donations whose webhook never came:
    /// nothing while it is open, a completion or an expiry once it has ended.
    async fn session_facts(&self, session_id: &str) -> Result<Vec<Fact>, GatewayError>;

    /// Cancels a recurring gift's subscription at once and returns what the provider's answer
    /// says about it (a [`Fact::Subscription`], normally `canceled`). A subscription that was
    /// already canceled is not an error: its current state is returned.
    async fn cancel_subscription(&self, subscription_id: &str) -> Result<Vec<Fact>, GatewayError>;

    /// The balance transaction of a succeeded charge: Stripe's actual fee and net
    /// (`GET /v1/balance_transactions/{id}`). A charge recorded without its balance
    /// transaction's id is retrieved first (`GET /v1/charges/{id}`) to learn it.
    async fn balance_transaction(&self, charge: &ChargeRecord)
    -> Result<BalanceFact, GatewayError>;

    /// The current state of an event's object as JSON, from the object's own endpoint (`GET
    /// /v1/invoices/{id}`, ...), which answers in the API version this server is built for: an
    /// event listed from the Events API comes in the version of its creation, which may not
    /// parse. `None` when the event type has no endpoint we know.
    async fn event_object(
        &self,
        event_type: &str,
        object_id: &str,
    ) -> Result<Option<String>, GatewayError>;

    /// A short-lived address of the provider's billing portal for a customer, where the donor
    /// can change the card or amount; the portal links back to `return_url`.
    async fn billing_portal(
        &self,
        customer_id: &str,
        return_url: &str,
    ) -> Result<String, GatewayError>;
}
