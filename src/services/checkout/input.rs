//! What a donor's checkout request carries (`POST /api/v1/campaigns/{slug}/checkout`, and the
//! donation form made into one) and what it answers.

use serde::{Deserialize, Serialize};

use crate::domain::donation::PaymentMethod;
use crate::services::campaign_admin::MajorAmount;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonorInput {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TributeInput {
    /// `honor` or `memory`.
    pub kind: String,
    pub honoree: Option<String>,
    pub notify_email: Option<String>,
    pub message: Option<String>,
    /// Whether the person notified may be told the amount (not by default).
    #[serde(default)]
    pub show_amount: bool,
}

/// A gift (`POST /api/v1/campaigns/{slug}/checkout`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutInput {
    /// The gift in major units, as a string or a number: `"50.00"`, `50`.
    #[schema(value_type = String, example = "50.00")]
    pub amount: MajorAmount,
    /// `one_time`, `monthly` or `annual`.
    pub frequency: String,
    #[serde(default)]
    pub cover_fee: bool,
    /// `card` (the default) or `us_bank_account` (ACH Direct Debit, where the campaign offers
    /// it). The covered fee is the method's own: the campaign's card rate, or the bank debit
    /// rate (0.8 % capped at $5.00 by default).
    #[schema(example = "card")]
    pub payment_method: Option<String>,
    pub donor: DonorInput,
    #[serde(default)]
    pub anonymous: bool,
    pub tribute: Option<TributeInput>,
    pub comment: Option<String>,
    /// Leave empty: a form field hidden from people, which only bots fill in.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Option<serde_json::Value>,
    /// The supporter's page of the campaign the gift is made on (its slug, as in
    /// `/donate/{campaign}/f/{fundraiser}`): the gift counts toward the page as well.
    #[serde(default)]
    pub fundraiser: Option<String>,
    /// The donor's language, in which every email about the gift is written (and Stripe
    /// Checkout is shown): a tag such as `en` or `es`. Without it, the request's
    /// `Accept-Language`; a language without translations is English.
    #[serde(default)]
    #[schema(example = "es")]
    pub language: Option<String>,
}

impl CheckoutInput {
    /// The hidden `website` field holds anything but nothing (null or blank).
    pub fn honeypot_filled(&self) -> bool {
        match &self.website {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CheckoutResponse {
    pub donation_id: String,
    pub checkout_url: String,
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
    pub frequency: String,
    /// `card` or `us_bank_account`.
    #[serde(default = "card")]
    pub payment_method: String,
}

/// Answers stored before payment methods were chosen were all by card.
fn card() -> String {
    PaymentMethod::Card.as_str().into()
}
