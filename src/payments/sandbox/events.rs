//! The event templates of `webhooks/events/`, built into the binary so that the sandbox and
//! `donations webhooks send` work from any directory.

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        /// Every handled event type, with its template.
        pub const TEMPLATES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../webhooks/events/", $name, ".json")))),*
        ];
    };
}

templates!(
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice_payment.paid",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "charge.succeeded",
    "charge.updated",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
);

/// The template of an event type.
pub fn template(event_type: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(name, _)| *name == event_type)
        .map(|(_, t)| *t)
}
