//! The event templates of `webhooks/events/`, built into the binary so that the sandbox and
//! `donations webhooks send` work from any directory, and the change a bank debit makes to them.

use crate::domain::donation::PaymentMethod;

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

/// Stripe's details of a charge paid from a US bank account (webhooks/objects).
const US_BANK_ACCOUNT_DETAILS: &str =
    include_str!("../../../webhooks/objects/payment_method_details.us_bank_account.json");

/// A filled event as Stripe sends it when the payment is made by `method`: the templates are
/// card payments; for a US bank debit the session's (or PaymentIntent's) `payment_method_types`
/// name `us_bank_account`, and a charge carries the bank account's details instead of a card's.
/// An event that is not JSON, or names no payment method, is returned as it is.
pub fn paid_by(event: &str, method: PaymentMethod) -> String {
    if method == PaymentMethod::Card {
        return event.to_string();
    }
    let Ok(mut e) = serde_json::from_str::<serde_json::Value>(event) else {
        return event.to_string();
    };
    let object = &mut e["data"]["object"];
    if object.get("payment_method_types").is_some() {
        object["payment_method_types"] = serde_json::json!([method.as_str()]);
    }
    if object.get("payment_method_details").is_some() {
        let details: serde_json::Value = serde_json::from_str(US_BANK_ACCOUNT_DETAILS)
            .expect("the committed us_bank_account object is JSON");
        object["payment_method_details"] =
            serde_json::json!({ "type": method.as_str(), method.as_str(): details });
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::sandbox::template::{Vars, fill};

    fn filled(kind: &str) -> String {
        let mut v = Vars::new();
        for name in crate::payments::sandbox::template::variables(template(kind).unwrap()).unwrap()
        {
            let value = match name.as_str() {
                n if n.ends_with("_MINOR") || n == "CREATED" || n == "ATTEMPT_COUNT" => "1",
                "LIVEMODE" => "false",
                _ => "x",
            };
            v.insert(name, value.into());
        }
        v.insert("MODE".into(), "payment".into());
        fill(template(kind).unwrap(), &v).unwrap()
    }

    #[test]
    fn a_bank_debit_names_its_method_and_still_parses() {
        for kind in [
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded",
            "charge.succeeded",
            "payment_intent.payment_failed",
        ] {
            let card = filled(kind);
            assert_eq!(paid_by(&card, PaymentMethod::Card), card);
            let bank = paid_by(&card, PaymentMethod::UsBankAccount);
            assert!(bank.contains("us_bank_account"), "{kind}");
            assert!(!bank.contains(r#""brand":"visa""#), "{kind}: no card left");
            stripe_webhook::Webhook::insecure(&bank)
                .unwrap_or_else(|e| panic!("{kind} does not parse: {e}"));
        }
        let session: serde_json::Value = serde_json::from_str(&paid_by(
            &filled("checkout.session.completed"),
            PaymentMethod::UsBankAccount,
        ))
        .unwrap();
        assert_eq!(
            session["data"]["object"]["payment_method_types"],
            serde_json::json!(["us_bank_account"])
        );
    }
}
