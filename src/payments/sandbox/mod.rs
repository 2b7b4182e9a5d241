//! The sandbox: this server playing Stripe's part when no `STRIPE_SECRET_KEY` is set. Its
//! checkout page is served by this server (`/sandbox/checkout/{id}`); pressing Pay there sends
//! signed, Stripe-shaped events to this server's own webhook endpoint, so reconciliation runs
//! exactly as it does with Stripe.
//!
//! This room holds the gateway ([`SandboxGateway`]) and the forging of Stripe's events, which
//! only the sandbox and `donations webhooks send` (and the tests and benchmark) need; the
//! inbound side, reading what Stripe sends, is `crate::webhooks`:
//! - [`events`]: the event templates of `webhooks/events/`, built into the binary;
//! - [`template`]: fills a template's placeholders (pure);
//! - [`sign`]: signs a payload as Stripe does and posts it to a local server.

pub mod events;
pub mod sign;
pub mod template;

use async_trait::async_trait;

use super::{CheckoutRequest, CreatedSession, Gateway, GatewayError, RawEvent};
use crate::domain::fact::{BalanceFact, Fact};
use crate::domain::fees::{FeeRate, fee_on};
use crate::domain::payment::ChargeRecord;
use crate::store::now;

pub struct SandboxGateway {
    public_base_url: String,
}

impl SandboxGateway {
    pub fn new(public_base_url: &str) -> Self {
        Self {
            public_base_url: public_base_url.trim_end_matches('/').to_string(),
        }
    }
}

/// How the sandbox names the balance transaction of a bank debit's charge, so that its fee is
/// Stripe's ACH rate (a card's is `txn_<charge>`).
pub const BANK_DEBIT_TXN_PREFIX: &str = "txn_ach_";

/// The sandbox's session id for a donation: derived, so that repeating a checkout for the same
/// donation gives the same session, like Stripe's idempotency key does.
pub fn session_id(donation_id: &str) -> String {
    format!("cs_test_sandbox_{}", donation_id.trim_start_matches("don_"))
}

#[async_trait]
impl Gateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create_checkout(&self, req: &CheckoutRequest) -> Result<CreatedSession, GatewayError> {
        Ok(CreatedSession {
            id: session_id(&req.donation_id),
            url: format!(
                "{}/sandbox/checkout/{}",
                self.public_base_url, req.donation_id
            ),
        })
    }

    /// Sandbox events are delivered at once by the sandbox page; there is nothing to recover.
    async fn list_events(&self, _since: i64) -> Result<Vec<RawEvent>, GatewayError> {
        Ok(vec![])
    }

    async fn session_facts(&self, _session_id: &str) -> Result<Vec<Fact>, GatewayError> {
        Ok(vec![])
    }

    /// What Stripe's answer to a cancel says, for a sandbox subscription: canceled now. (The
    /// sandbox's subscriptions exist only as this server's records, so there is nothing else to
    /// ask; canceling twice answers the same, as Stripe's subscription would.)
    async fn cancel_subscription(&self, subscription_id: &str) -> Result<Vec<Fact>, GatewayError> {
        Ok(vec![Fact::Subscription {
            subscription: subscription_id.to_string(),
            donation_id: None,
            customer: None,
            status: "canceled".into(),
            cancel_at: None,
            canceled_at: Some(now()),
            amount_minor: None,
            currency: None,
        }])
    }

    /// What Stripe's balance transaction of a sandbox charge would say: Stripe's standard US
    /// card rate (2.9% + 30, the percent rounded half up), or its ACH debit rate (0.8% capped
    /// at $5.00) for a bank debit's charge (the sandbox names those `txn_ach_...`), settled in
    /// the charge's currency.
    async fn balance_transaction(
        &self,
        charge: &ChargeRecord,
    ) -> Result<BalanceFact, GatewayError> {
        let by_bank = charge
            .balance_transaction_id
            .as_deref()
            .is_some_and(|t| t.starts_with(BANK_DEBIT_TXN_PREFIX));
        let rate = if by_bank {
            FeeRate::stripe_ach()
        } else {
            FeeRate::stripe_standard()
        };
        let fee = fee_on(&rate, charge.amount_minor);
        Ok(BalanceFact {
            id: charge
                .balance_transaction_id
                .clone()
                .unwrap_or_else(|| format!("txn_{}", charge.id)),
            charge_id: charge.id.clone(),
            amount_minor: charge.amount_minor,
            currency: charge.currency.clone(),
            fee_minor: fee,
            net_minor: charge.amount_minor - fee,
            exchange_rate: None,
        })
    }

    /// The sandbox's events are made by this server in the current API version and keeps no
    /// objects of its own: there is nothing to fetch again.
    async fn event_object(&self, _: &str, _: &str) -> Result<Option<String>, GatewayError> {
        Err(GatewayError::Refused(
            "the sandbox keeps no Stripe objects to fetch".into(),
        ))
    }

    /// The sandbox's stand-in for Stripe's billing portal (`/sandbox/portal/{customer}`).
    async fn billing_portal(
        &self,
        customer_id: &str,
        return_url: &str,
    ) -> Result<String, GatewayError> {
        let customer: String = form_urlencoded::byte_serialize(customer_id.as_bytes()).collect();
        let back: String = form_urlencoded::byte_serialize(return_url.as_bytes()).collect();
        Ok(format!(
            "{}/sandbox/portal/{customer}?return_url={back}",
            self.public_base_url
        ))
    }
}
