//! The Stripe gateway, through async-stripe's client. `STRIPE_API_BASE` points it at a local
//! fake in tests (or a Stripe-compatible server); otherwise it talks to api.stripe.com.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::subscription::{CancelSubscription, RetrieveSubscription};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionAllowedPaymentMethodTypes,
    CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionLineItemsPriceDataRecurring,
    CreateCheckoutSessionLineItemsPriceDataRecurringInterval,
    CreateCheckoutSessionPaymentIntentData, CreateCheckoutSessionSubscriptionData, ProductData,
    RetrieveCheckoutSession,
};
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::balance_transaction::RetrieveBalanceTransaction;
use stripe_core::event::ListEvent;
use stripe_shared::{
    CheckoutSessionMode, CheckoutSessionStatus, CheckoutSessionSubmitType, SubscriptionStatus,
};

use super::{CheckoutRequest, CreatedSession, Gateway, GatewayError, RawEvent};
use crate::domain::contribution::Frequency;
use crate::domain::donation::PaymentMethod;
use crate::domain::fact::{BalanceFact, Fact};
use crate::domain::payment::ChargeRecord;
use crate::webhooks::facts;

pub struct StripeGateway {
    client: Client,
    timeout: Duration,
}

impl StripeGateway {
    pub fn new(
        secret_key: &str,
        api_base: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let mut builder = ClientBuilder::new(secret_key).timeout(timeout);
        if let Some(base) = api_base {
            builder = builder.url(base);
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Self { client, timeout })
    }

    /// Bounds a call by the configured timeout as a whole (async-stripe's own timeout is per
    /// attempt), so a stuck connection cannot hold a donor's request open.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StripeError>>,
    ) -> Result<T, GatewayError> {
        match tokio::time::timeout(self.timeout + Duration::from_secs(1), call).await {
            Ok(result) => result.map_err(map_error),
            Err(_) => Err(GatewayError::Unavailable("timed out".into())),
        }
    }

    /// An object as Stripe's own endpoint answers it (in the pinned API version), as raw JSON.
    async fn retrieve_raw(&self, path: &str) -> Result<miniserde::json::Value, GatewayError> {
        let get =
            RequestBuilder::new(StripeMethod::Get, path).customize::<miniserde::json::Value>();
        self.bounded(get.send(&self.client)).await
    }

    /// The id of a charge's balance transaction, from the charge itself.
    async fn balance_transaction_of(&self, charge_id: &str) -> Result<String, GatewayError> {
        let path = object_path("charge.updated", charge_id)
            .ok_or_else(|| GatewayError::Refused(format!("not a charge id: {charge_id:?}")))?;
        let charge = serde_json::from_str::<serde_json::Value>(&miniserde::json::to_string(
            &self.retrieve_raw(&path).await?,
        ))
        .map_err(|e| GatewayError::Unreadable(e.to_string()))?;
        let id = &charge["balance_transaction"];
        id.as_str()
            .or_else(|| id["id"].as_str())
            .map(str::to_string)
            // Asynchronous capture: the balance transaction comes later.
            .ok_or_else(|| {
                GatewayError::NotYet(format!("charge {charge_id} has no balance transaction yet"))
            })
    }
}

/// The endpoint of an event's object, by the event's type (`None`: none we know, or an id that
/// is not one of Stripe's).
pub fn object_path(event_type: &str, object_id: &str) -> Option<String> {
    let is_id = !object_id.is_empty()
        && object_id.len() <= 255
        && object_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let is = |prefix: &str| event_type.starts_with(prefix);
    let collection = if is("charge.dispute.") {
        "disputes"
    } else if is("charge.refund.") || is("refund.") {
        "refunds"
    } else if is("charge.") {
        "charges"
    } else if is("checkout.session.") {
        "checkout/sessions"
    } else if is("payment_intent.") {
        "payment_intents"
    } else if is("invoice_payment.") {
        "invoice_payments"
    } else if is("invoice.") {
        "invoices"
    } else if is("customer.subscription.") {
        "subscriptions"
    } else {
        return None;
    };
    is_id.then(|| format!("/{collection}/{object_id}"))
}

fn map_error(e: StripeError) -> GatewayError {
    match e {
        StripeError::Stripe(err, status) if status == 429 || status >= 500 => {
            GatewayError::Unavailable(format!(
                "status {status}: {}",
                err.message.unwrap_or_default()
            ))
        }
        StripeError::Stripe(err, status) => GatewayError::Refused(format!(
            "status {status}: {}",
            err.message
                .unwrap_or_else(|| err.type_.as_str().to_string())
        )),
        StripeError::JSONDeserialize(m) => GatewayError::Unreadable(m),
        StripeError::Timeout => GatewayError::Unavailable("timed out".into()),
        StripeError::ClientError(m) | StripeError::ConfigError(m) => GatewayError::Unavailable(m),
    }
}

#[async_trait]
impl Gateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn create_checkout(&self, req: &CheckoutRequest) -> Result<CreatedSession, GatewayError> {
        let currency = stripe_types::Currency::from_str(&req.currency)
            .map_err(|_| GatewayError::Refused(format!("unsupported currency {}", req.currency)))?;
        // Stripe does not copy a session's metadata onto the PaymentIntent or Subscription, so
        // it is set on each: later events find their donation through it.
        let metadata = HashMap::from([
            ("donation_id".to_string(), req.donation_id.clone()),
            ("campaign".to_string(), req.campaign_slug.clone()),
        ]);
        let description = format!("Donation to {}", req.campaign_name);

        let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
        price.unit_amount = Some(req.unit_amount_minor);
        price.product_data = Some(ProductData::new(description.clone()));
        let mut line = CreateCheckoutSessionLineItems::new();
        line.quantity = Some(1);

        // The one method the donor chose, whose fee they were quoted. (API 2026-09-30 names it
        // `allowed_payment_method_types`: a filter on the methods enabled in the Stripe
        // dashboard, so ACH Direct Debit must be turned on there too.)
        let method = match req.payment_method {
            PaymentMethod::Card => CreateCheckoutSessionAllowedPaymentMethodTypes::Card,
            PaymentMethod::UsBankAccount => {
                CreateCheckoutSessionAllowedPaymentMethodTypes::UsBankAccount
            }
        };
        let mut create = CreateCheckoutSession::new()
            .allowed_payment_method_types(vec![method])
            .client_reference_id(req.donation_id.clone())
            .customer_email(req.donor_email.clone())
            .metadata(metadata.clone())
            .success_url(req.success_url.clone())
            .cancel_url(req.cancel_url.clone());
        match req.frequency {
            Frequency::OneTime => {
                let mut intent = CreateCheckoutSessionPaymentIntentData::new();
                intent.metadata = Some(metadata);
                intent.description = Some(description);
                create = create
                    .mode(CheckoutSessionMode::Payment)
                    .submit_type(CheckoutSessionSubmitType::Donate)
                    .payment_intent_data(intent);
            }
            Frequency::Monthly | Frequency::Annual => {
                let interval = if req.frequency == Frequency::Monthly {
                    CreateCheckoutSessionLineItemsPriceDataRecurringInterval::Month
                } else {
                    CreateCheckoutSessionLineItemsPriceDataRecurringInterval::Year
                };
                price.recurring = Some(CreateCheckoutSessionLineItemsPriceDataRecurring::new(
                    interval,
                ));
                let mut subscription = CreateCheckoutSessionSubscriptionData::new();
                subscription.metadata = Some(metadata);
                subscription.description = Some(description);
                create = create
                    .mode(CheckoutSessionMode::Subscription)
                    .subscription_data(subscription);
            }
        }
        line.price_data = Some(price);
        create = create.line_items(vec![line]);

        // Derived from the donation id: a retry of the same donation replays Stripe's first
        // answer instead of making a second session.
        let key = IdempotencyKey::new(format!("donation-checkout-{}", req.donation_id))
            .map_err(|e| GatewayError::Refused(format!("idempotency key: {e:?}")))?;
        let session = self
            .bounded(
                create
                    .customize()
                    .request_strategy(RequestStrategy::Idempotent(key))
                    .send(&self.client),
            )
            .await?;
        let url = session
            .url
            .ok_or_else(|| GatewayError::Unreadable("the session has no url".into()))?;
        Ok(CreatedSession {
            id: session.id.as_str().to_string(),
            url,
        })
    }

    async fn list_events(&self, since: i64) -> Result<Vec<RawEvent>, GatewayError> {
        let mut events = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut list = ListEvent::new()
                .created(stripe_types::RangeQueryTs::gte(since))
                .limit(100);
            if let Some(a) = &after {
                list = list.starting_after(a.clone());
            }
            let page = self.bounded(list.send(&self.client)).await?;
            after = page.data.last().map(|e| e.id.as_str().to_string());
            for e in &page.data {
                events.push(raw_event(e));
            }
            if !page.has_more || after.is_none() {
                break;
            }
        }
        // Stripe lists newest first; apply in the order they happened (order does not change
        // the result, but it makes the log read naturally).
        events.reverse();
        Ok(events)
    }

    async fn session_facts(&self, session_id: &str) -> Result<Vec<Fact>, GatewayError> {
        let session = self
            .bounded(RetrieveCheckoutSession::new(session_id.to_string()).send(&self.client))
            .await?;
        Ok(match session.status {
            Some(CheckoutSessionStatus::Complete) => facts::session_facts(&session, false),
            Some(CheckoutSessionStatus::Expired) => facts::session_facts(&session, true),
            _ => vec![],
        })
    }

    async fn cancel_subscription(&self, subscription_id: &str) -> Result<Vec<Fact>, GatewayError> {
        let cancel = CancelSubscription::new(subscription_id.to_string());
        match self.bounded(cancel.send(&self.client)).await {
            Ok(sub) => Ok(vec![facts::subscription_fact(&sub, false)]),
            // Stripe refuses to cancel a subscription that has already ended ("No such
            // subscription", a 404). Whether that is what happened is for the subscription
            // itself to say: if it is canceled, the donor's wish is already true.
            Err(refused @ GatewayError::Refused(_)) => {
                let retrieve = RetrieveSubscription::new(subscription_id.to_string());
                match self.bounded(retrieve.send(&self.client)).await {
                    Ok(sub) if sub.status == SubscriptionStatus::Canceled => {
                        Ok(vec![facts::subscription_fact(&sub, false)])
                    }
                    _ => Err(refused),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn balance_transaction(
        &self,
        charge: &ChargeRecord,
    ) -> Result<BalanceFact, GatewayError> {
        let id = match &charge.balance_transaction_id {
            Some(id) => id.clone(),
            None => self.balance_transaction_of(&charge.id).await?,
        };
        let txn = self
            .bounded(RetrieveBalanceTransaction::new(id.as_str()).send(&self.client))
            .await?;
        match txn.source.as_ref().map(|s| s.id().as_str()) {
            Some(source) if source != charge.id => Err(GatewayError::Unreadable(format!(
                "balance transaction {id} is {source}'s, not charge {}'s",
                charge.id
            ))),
            _ => Ok(facts::balance_fact(&txn, &charge.id)),
        }
    }

    async fn event_object(
        &self,
        event_type: &str,
        object_id: &str,
    ) -> Result<Option<String>, GatewayError> {
        let Some(path) = object_path(event_type, object_id) else {
            return Ok(None);
        };
        let object = self.retrieve_raw(&path).await?;
        Ok(Some(miniserde::json::to_string(&object)))
    }

    async fn billing_portal(
        &self,
        customer_id: &str,
        return_url: &str,
    ) -> Result<String, GatewayError> {
        let create = CreateBillingPortalSession::new()
            .customer(customer_id.to_string())
            .return_url(return_url.to_string());
        let session = self.bounded(create.send(&self.client)).await?;
        Ok(session.url)
    }
}

/// An event from the Events API as the JSON a webhook delivery would have carried. In
/// async-stripe rc.10 listed events keep `data.object` as raw JSON, so it is written back as is.
fn raw_event(e: &stripe_shared::Event) -> RawEvent {
    let text = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    format!(
        r#"{{"id":{},"object":"event","api_version":{},"created":{},"livemode":{},"pending_webhooks":{},"request":{{"id":null,"idempotency_key":null}},"type":{},"data":{{"object":{}}}}}"#,
        text(e.id.as_str()),
        e.api_version.as_deref().map_or("null".to_string(), text),
        e.created,
        e.livemode,
        e.pending_webhooks,
        text(e.type_.as_str()),
        miniserde::json::to_string(&e.data.object),
    )
}

#[cfg(test)]
mod tests {
    use super::object_path;

    #[test]
    fn each_handled_event_type_has_its_objects_endpoint() {
        for (event_type, id, path) in [
            ("charge.succeeded", "ch_1", "/charges/ch_1"),
            ("charge.updated", "ch_1", "/charges/ch_1"),
            ("charge.refunded", "ch_1", "/charges/ch_1"),
            ("charge.dispute.closed", "dp_1", "/disputes/dp_1"),
            ("charge.refund.updated", "re_1", "/refunds/re_1"),
            ("refund.created", "re_1", "/refunds/re_1"),
            (
                "checkout.session.completed",
                "cs_1",
                "/checkout/sessions/cs_1",
            ),
            ("payment_intent.succeeded", "pi_1", "/payment_intents/pi_1"),
            ("invoice.paid", "in_1", "/invoices/in_1"),
            (
                "invoice_payment.paid",
                "inpay_1",
                "/invoice_payments/inpay_1",
            ),
            (
                "customer.subscription.deleted",
                "sub_1",
                "/subscriptions/sub_1",
            ),
        ] {
            assert_eq!(
                object_path(event_type, id).as_deref(),
                Some(path),
                "{event_type}"
            );
        }
    }

    #[test]
    fn no_endpoint_for_other_types_or_ids_that_are_not_stripes() {
        assert_eq!(object_path("customer.created", "cus_1"), None);
        assert_eq!(object_path("payout.paid", "po_1"), None);
        for id in ["", "in_1/../charges", "in 1", "in_1?expand[]=x", "in_é"] {
            assert_eq!(object_path("invoice.paid", id), None, "{id:?}");
        }
    }
}
