//! A gift record: a Stripe checkout (one-time or recurring plan) or an offline gift, with what it
//! currently counts toward its campaign.

use serde::Serialize;

use crate::domain::campaign::Campaign;

/// The language of a gift whose donor's language is not known (an offline gift, and every gift
/// made before gifts recorded one).
pub const DEFAULT_LANGUAGE: &str = "en";

/// A language tag as a gift stores it (`es`, `es-MX`): letters, digits and hyphens, at most 35
/// characters (BCP 47's longest useful tag). Which languages have messages is the edge's business
/// (`crate::i18n`); a stored tag without them reads as English there.
pub fn language_tag(raw: &str) -> Option<String> {
    let tag = raw.trim();
    let ok = !tag.is_empty()
        && tag.len() <= 35
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| tag.to_string())
}

/// A gift record: a Stripe checkout (one-time or recurring plan) or an offline gift.
/// The `counted_*` fields are what this donation currently contributes to its campaign's
/// aggregate, so that a recomputation can apply the exact difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Donation {
    pub id: String,
    pub campaign_id: i64,
    pub source: Source,
    pub frequency: Frequency,
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
    pub donor_name: Option<String>,
    pub donor_email: Option<String>,
    pub donor_key: String,
    pub anonymous: bool,
    pub tribute_kind: Option<String>,
    pub tribute_honoree: Option<String>,
    pub tribute_notify_email: Option<String>,
    pub tribute_message: Option<String>,
    /// The donor agreed to tell the person notified of a tribute how much was given.
    pub tribute_show_amount: bool,
    /// Whether the donor is emailed a receipt (staff may say no for an offline gift).
    pub email_receipt: bool,
    pub comment: Option<String>,
    pub status: String,
    pub failure_reason: Option<String>,
    pub checkout_session_id: Option<String>,
    pub checkout_url: Option<String>,
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    pub plan_status: Option<String>,
    pub plan_status_at: i64,
    pub plan_status_rank: i64,
    pub cancel_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub counted_raised_minor: i64,
    pub counted_gifts: i64,
    pub counted_donor: i64,
    pub counted_recurring: i64,
    /// The gift value this donation adds to the recurring figures now (its plan's current
    /// installment gift, `domain::contribution::installment_gift`), 0 while it is not active.
    pub counted_recurring_gift_minor: i64,
    /// The plan's amount per installment as Stripe last said (a donor may change it in the
    /// billing portal); `None` while only the checkout's total is known.
    pub plan_amount_minor: Option<i64>,
    /// The event time of `plan_amount_minor`: the latest wins.
    pub plan_amount_at: i64,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    /// Stripe's fee on the donation's counted payments, as their balance transactions say
    /// (`None` while none is known).
    pub fee_actual_minor: Option<i64>,
    /// Stripe's net (amount less fee) of the same payments.
    pub net_actual_minor: Option<i64>,
    pub offline_method: Option<String>,
    /// How a checkout gift is paid (`None` for offline gifts, whose `offline_method` says).
    pub payment_method: Option<PaymentMethod>,
    /// The membership dues this gift pays at least, per installment (per year for a one-time
    /// gift), as the campaign asked them at checkout; `None` when it pays no dues
    /// (`domain::membership`).
    pub dues_minimum_minor: Option<i64>,
    /// The supporter's page the gift was made on (`domain::fundraiser`): it counts toward that
    /// page as well as the campaign. Set at checkout, never changed.
    pub fundraiser_id: Option<String>,
    pub note: Option<String>,
    pub gift_date: Option<i64>,
    pub voided_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The language the gift was made in (a tag such as `en` or `es`): every email about it is
    /// written in it.
    pub language: String,
}

/// How often a gift is given: once, or each month or year until the plan ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    #[default]
    OneTime,
    Monthly,
    Annual,
}

impl Frequency {
    pub fn parse(s: &str) -> Option<Frequency> {
        match s {
            "one_time" => Some(Frequency::OneTime),
            "monthly" => Some(Frequency::Monthly),
            "annual" => Some(Frequency::Annual),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Frequency::OneTime => "one_time",
            Frequency::Monthly => "monthly",
            Frequency::Annual => "annual",
        }
    }
    pub fn is_recurring(&self) -> bool {
        !matches!(self, Frequency::OneTime)
    }
}

impl std::str::FromStr for Frequency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Frequency::parse(s).ok_or_else(|| format!("unknown frequency {s:?}"))
    }
}

/// How a donor pays through checkout: by card (with the wallets Stripe offers on cards), or
/// from a US bank account (ACH Direct Debit, which Stripe confirms days later). The names are
/// Stripe's payment method types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    UsBankAccount,
}

impl PaymentMethod {
    pub fn parse(s: &str) -> Option<PaymentMethod> {
        match s {
            "card" => Some(PaymentMethod::Card),
            "us_bank_account" => Some(PaymentMethod::UsBankAccount),
            _ => None,
        }
    }
    /// Stripe's name of the type (`card`, `us_bank_account`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::UsBankAccount => "us_bank_account",
        }
    }
    /// Whether Stripe confirms the payment only days later (a bank debit).
    pub fn is_delayed(&self) -> bool {
        matches!(self, PaymentMethod::UsBankAccount)
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PaymentMethod::parse(s).ok_or_else(|| format!("unknown payment method {s:?}"))
    }
}

/// Where a gift came from: a Stripe checkout, or recorded by staff (check, cash, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Stripe,
    Offline,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Stripe => "stripe",
            Source::Offline => "offline",
        }
    }
}

impl std::str::FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stripe" => Ok(Source::Stripe),
            "offline" => Ok(Source::Offline),
            other => Err(format!("unknown donation source {other:?}")),
        }
    }
}

impl Donation {
    /// Whether staff recorded this gift (it has no Stripe records).
    pub fn is_offline(&self) -> bool {
        self.source == Source::Offline
    }

    /// Whether this is an offline gift that still counts (it was not voided).
    pub fn is_standing_offline_gift(&self) -> bool {
        self.is_offline() && self.voided_at.is_none()
    }

    /// A new donation record of `campaign`, pending, to be filled in by the caller.
    pub fn pending(id: String, campaign: &Campaign, at: i64) -> Donation {
        Donation {
            id,
            campaign_id: campaign.id,
            source: Source::Stripe,
            frequency: Frequency::OneTime,
            currency: campaign.currency.clone(),
            gift_minor: 0,
            fee_minor: 0,
            total_minor: 0,
            donor_name: None,
            donor_email: None,
            donor_key: String::new(),
            anonymous: false,
            tribute_kind: None,
            tribute_honoree: None,
            tribute_notify_email: None,
            tribute_message: None,
            tribute_show_amount: false,
            email_receipt: true,
            comment: None,
            status: "pending".into(),
            failure_reason: None,
            checkout_session_id: None,
            checkout_url: None,
            subscription_id: None,
            customer_id: None,
            plan_status: None,
            plan_status_at: 0,
            plan_status_rank: 0,
            cancel_at: None,
            canceled_at: None,
            counted_raised_minor: 0,
            counted_gifts: 0,
            counted_donor: 0,
            counted_recurring: 0,
            counted_recurring_gift_minor: 0,
            plan_amount_minor: None,
            plan_amount_at: 0,
            refunded_minor: 0,
            disputed_minor: 0,
            fee_actual_minor: None,
            net_actual_minor: None,
            offline_method: None,
            payment_method: Some(PaymentMethod::Card),
            dues_minimum_minor: None,
            fundraiser_id: None,
            note: None,
            gift_date: None,
            voided_at: None,
            created_at: at,
            updated_at: at,
            language: DEFAULT_LANGUAGE.into(),
        }
    }
}
