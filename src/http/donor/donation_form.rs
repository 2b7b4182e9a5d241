//! The donation form: what a donor posts (`DonateForm`), the values the page puts back in it
//! after an error (`FormValues`, one fresh idempotency key per view), and the checkout input it
//! describes, which `Checkout` validates as it does the JSON API's.

use serde::Deserialize;

use crate::domain::donation::PaymentMethod;
use crate::i18n::Lang;
use crate::services::campaign_admin::MajorAmount;
use crate::services::checkout::{CheckoutInput, DonorInput, TributeInput};

/// The amount a fresh form has chosen, in major units.
pub const DEFAULT_AMOUNT: &str = "50";

/// What the donor typed, to put back in the form after an error.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DonateForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub custom_amount: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub cover_fee: Option<String>,
    /// `card` or `us_bank_account` (only offered where the campaign takes bank debits).
    #[serde(default)]
    pub payment_method: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub anonymous: Option<String>,
    #[serde(default)]
    pub tribute_kind: String,
    #[serde(default)]
    pub honoree: String,
    #[serde(default)]
    pub notify_email: String,
    #[serde(default)]
    pub tribute_message: String,
    #[serde(default)]
    pub tribute_show_amount: Option<String>,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub idempotency_key: String,
    /// The honeypot: hidden from people, filled in by bots (see `CheckoutInput::website`).
    #[serde(default)]
    pub website: String,
    /// The page's language, carried through the post (and stored with the gift).
    #[serde(default)]
    pub lang: Option<String>,
}

/// The form as the template reads it.
pub struct FormValues {
    pub amount: String,
    pub custom_amount: String,
    pub frequency: String,
    pub cover_fee: bool,
    pub payment_method: String,
    pub name: String,
    pub email: String,
    pub anonymous: bool,
    pub tribute_kind: String,
    pub honoree: String,
    pub notify_email: String,
    pub tribute_message: String,
    pub tribute_show_amount: bool,
    pub comment: String,
    pub idempotency_key: String,
    /// Never rendered back into the page.
    pub website: String,
}

fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("true" | "on" | "1"))
}

impl FormValues {
    pub(super) fn fresh() -> Self {
        FormValues {
            amount: DEFAULT_AMOUNT.into(),
            custom_amount: String::new(),
            frequency: "one_time".into(),
            cover_fee: true,
            payment_method: PaymentMethod::Card.as_str().into(),
            name: String::new(),
            email: String::new(),
            anonymous: false,
            tribute_kind: String::new(),
            honoree: String::new(),
            notify_email: String::new(),
            tribute_message: String::new(),
            tribute_show_amount: false,
            comment: String::new(),
            idempotency_key: new_form_key(),
            website: String::new(),
        }
    }

    pub(super) fn from_form(f: &DonateForm) -> Self {
        FormValues {
            amount: f.amount.clone(),
            custom_amount: f.custom_amount.clone(),
            frequency: f.frequency.clone(),
            cover_fee: checked(&f.cover_fee),
            payment_method: f.payment_method.clone(),
            name: f.name.clone(),
            email: f.email.clone(),
            anonymous: checked(&f.anonymous),
            tribute_kind: f.tribute_kind.clone(),
            honoree: f.honoree.clone(),
            notify_email: f.notify_email.clone(),
            tribute_message: f.tribute_message.clone(),
            tribute_show_amount: checked(&f.tribute_show_amount),
            comment: f.comment.clone(),
            idempotency_key: if f.idempotency_key.trim().is_empty() {
                new_form_key()
            } else {
                f.idempotency_key.clone()
            },
            website: f.website.clone(),
        }
    }

    /// The gift amount the form names: a preset, or the custom amount with "other".
    pub(super) fn gift_amount(&self) -> &str {
        if self.amount == "other" || self.amount.is_empty() {
            self.custom_amount.trim()
        } else {
            self.amount.trim()
        }
    }
}

/// A fresh idempotency key for a donation form: a double submission of one page is one gift.
pub(super) fn new_form_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The checkout input a submitted form describes (validated by `Checkout` like the JSON API).
pub(super) fn checkout_input(f: &FormValues, lang: Lang) -> CheckoutInput {
    let tribute = match f.tribute_kind.trim() {
        "" => None,
        kind => Some(TributeInput {
            kind: kind.to_string(),
            honoree: Some(f.honoree.clone()),
            notify_email: Some(f.notify_email.clone()),
            message: Some(f.tribute_message.clone()),
            show_amount: f.tribute_show_amount,
        }),
    };
    CheckoutInput {
        amount: MajorAmount(f.gift_amount().to_string()),
        frequency: f.frequency.clone(),
        cover_fee: f.cover_fee,
        payment_method: Some(f.payment_method.clone()),
        donor: DonorInput {
            name: f.name.clone(),
            email: f.email.clone(),
        },
        anonymous: f.anonymous,
        tribute,
        comment: Some(f.comment.clone()),
        website: (!f.website.is_empty()).then(|| serde_json::Value::String(f.website.clone())),
        fundraiser: None,
        language: Some(lang.tag().to_string()),
    }
}
