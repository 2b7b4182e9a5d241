//! Donor checkout: validate the gift, compute the exact fee coverage, record the donation as
//! pending, then create the Checkout Session. A Stripe failure marks the donation failed; an
//! Idempotency-Key replays the first answer.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::domain::contribution::Frequency;
use crate::domain::fees::{Coverage, FeeRate, cover, no_cover};
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Email, PersonName, ShortText};
use crate::http::error::{AppError, FieldError};
use crate::payments::{CheckoutRequest, Gateway};
use crate::services::campaign_admin::{MajorAmount, accepts_gifts};
use crate::store::{Campaign, Donation, IdempotencyClaim, Store, now};

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
    pub donor: DonorInput,
    #[serde(default)]
    pub anonymous: bool,
    pub tribute: Option<TributeInput>,
    pub comment: Option<String>,
    /// Leave empty: a form field hidden from people, which only bots fill in.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Option<serde_json::Value>,
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
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FeeQuote {
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
}

fn field(errors: &mut Vec<FieldError>, name: &str, e: impl ToString) {
    errors.push(FieldError::new(name, e.to_string()));
}

pub fn campaign_fee(c: &Campaign, config: &Config) -> FeeRate {
    FeeRate::parse(&c.fee_percent, c.fee_fixed_minor).unwrap_or(config.default_fee)
}

/// The gift and what the donor pays for it: the rule is the same for the quote and the charge.
pub fn quote(
    c: &Campaign,
    config: &Config,
    amount: &str,
    cover_fee: bool,
) -> Result<(Currency, Coverage), FieldError> {
    let currency =
        Currency::parse(&c.currency).map_err(|e| FieldError::new("currency", e.to_string()))?;
    let gift = Money::parse(amount, currency, config.max_gift_minor(currency))
        .map_err(|e| FieldError::new("amount", e.to_string()))?;
    if gift.minor() < c.min_gift_minor {
        return Err(FieldError::new(
            "amount",
            format!(
                "must be at least {}",
                crate::domain::money::format_major(c.min_gift_minor, currency)
            ),
        ));
    }
    let coverage = if cover_fee {
        cover(gift.minor(), &campaign_fee(c, config))
            .map_err(|e| FieldError::new("amount", e.to_string()))?
    } else {
        no_cover(gift.minor())
    };
    Ok((currency, coverage))
}

pub fn parse_frequency(v: &str) -> Result<Frequency, FieldError> {
    Frequency::parse(v)
        .ok_or_else(|| FieldError::new("frequency", "must be one_time, monthly or annual"))
}

/// A validated gift, ready to be recorded.
struct Gift {
    frequency: Frequency,
    coverage: Coverage,
    currency: Currency,
    name: String,
    email: Email,
    tribute: Option<(String, String, Option<String>, Option<String>)>,
    comment: Option<String>,
}

fn validate(input: &CheckoutInput, c: &Campaign, config: &Config) -> Result<Gift, Vec<FieldError>> {
    let mut errors = Vec::new();
    let frequency = parse_frequency(&input.frequency)
        .map_err(|e| errors.push(e))
        .ok();
    let quoted = quote(c, config, &input.amount.0, input.cover_fee)
        .map_err(|e| errors.push(e))
        .ok();
    let name = PersonName::parse(&input.donor.name)
        .map_err(|e| field(&mut errors, "donor.name", e))
        .ok();
    let email = Email::parse(&input.donor.email)
        .map_err(|e| field(&mut errors, "donor.email", e))
        .ok();
    let comment = match input.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => ShortText::parse(v, ShortText::MAX_COMMENT_CHARS)
            .map(|t| t.as_str().to_string())
            .map_err(|e| field(&mut errors, "comment", e))
            .ok(),
    };
    let tribute = input.tribute.as_ref().and_then(|t| {
        let kind = match t.kind.as_str() {
            "honor" | "memory" => Some(t.kind.clone()),
            _ => {
                field(&mut errors, "tribute.kind", "must be honor or memory");
                None
            }
        };
        let honoree = match t.honoree.as_deref().map(str::trim) {
            None | Some("") => {
                field(&mut errors, "tribute.honoree", "is required with a tribute");
                None
            }
            Some(v) => PersonName::parse(v)
                .map(|n| n.as_str().to_string())
                .map_err(|e| field(&mut errors, "tribute.honoree", e))
                .ok(),
        };
        let notify = match t.notify_email.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => Email::parse(v)
                .map(|e| Some(e.as_str().to_string()))
                .map_err(|e| field(&mut errors, "tribute.notify_email", e))
                .ok(),
        };
        let message = match t.message.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => ShortText::parse(v, ShortText::MAX_TRIBUTE_CHARS)
                .map(|m| Some(m.as_str().to_string()))
                .map_err(|e| field(&mut errors, "tribute.message", e))
                .ok(),
        };
        Some((kind?, honoree?, notify?, message?))
    });
    match (frequency, quoted, name, email) {
        (Some(frequency), Some((currency, coverage)), Some(name), Some(email))
            if errors.is_empty() =>
        {
            Ok(Gift {
                frequency,
                coverage,
                currency,
                name: name.as_str().to_string(),
                email,
                tribute,
                comment,
            })
        }
        _ => Err(errors),
    }
}

pub fn new_donation_id() -> String {
    format!("don_{}", uuid::Uuid::now_v7().simple())
}

/// An empty donation record of `campaign`, pending, to be filled in by the caller.
pub fn blank_donation(id: String, campaign: &Campaign, at: i64) -> Donation {
    Donation {
        id,
        campaign_id: campaign.id,
        source: "stripe".into(),
        frequency: Frequency::OneTime.as_str().into(),
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
        offline_method: None,
        note: None,
        gift_date: None,
        voided_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// How long a request with a key that another request is still using waits for its answer.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);

/// The per-donor allowance of checkouts (card testers try many cards on one email). It is
/// asked only once a request is valid and about to create a checkout, so that invalid requests
/// naming someone's email can never use up that donor's allowance and lock them out.
pub trait EmailAllowance: Send + Sync {
    /// Takes one checkout from the allowance of a normalized email, or refuses.
    fn spend(&self, normalized_email: &str) -> Result<(), AppError>;
}

/// No per-email limit (the CLI, tests).
pub struct Unlimited;

impl EmailAllowance for Unlimited {
    fn spend(&self, _: &str) -> Result<(), AppError> {
        Ok(())
    }
}

pub struct Checkout<'a> {
    pub store: &'a dyn Store,
    pub gateway: &'a dyn Gateway,
    pub config: &'a Config,
    pub allowance: &'a dyn EmailAllowance,
}

impl Checkout<'_> {
    /// Creates the donation and its Checkout Session. `idempotency` is the client's key and a
    /// hash of its request; `body` is the raw request, hashed to tell a replay from a misuse.
    pub async fn create(
        &self,
        slug: &str,
        input: &CheckoutInput,
        idempotency_key: Option<&str>,
        body: &[u8],
    ) -> Result<CheckoutResponse, AppError> {
        let campaign = self
            .store
            .campaign_by_slug(slug)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))?;
        if !accepts_gifts(&campaign, now()) {
            return Err(AppError::NotFound(format!(
                "campaign {slug:?} is not accepting gifts"
            )));
        }
        let gift = validate(input, &campaign, self.config).map_err(AppError::Invalid)?;
        // Valid, so this request creates a checkout (or replays one): only now does it count
        // against the donor's allowance.
        self.allowance.spend(&gift.email.normalized())?;

        let request_hash = idempotency_key.map(|_| {
            let mut h = Sha256::new();
            h.update(slug.as_bytes());
            h.update([0]);
            h.update(body);
            hex::encode(h.finalize())
        });
        let scoped_key = idempotency_key.map(|k| format!("checkout:{k}"));

        let started = tokio::time::Instant::now();
        loop {
            let at = now();
            let mut d = blank_donation(new_donation_id(), &campaign, at);
            d.frequency = gift.frequency.as_str().into();
            d.currency = gift.currency.code().into();
            d.gift_minor = gift.coverage.gift_minor;
            d.fee_minor = gift.coverage.fee_minor;
            d.total_minor = gift.coverage.total_minor;
            d.donor_name = Some(gift.name.clone());
            d.donor_email = Some(gift.email.as_str().to_string());
            d.donor_key = gift.email.normalized();
            d.anonymous = input.anonymous;
            if let Some((kind, honoree, notify, message)) = &gift.tribute {
                d.tribute_kind = Some(kind.clone());
                d.tribute_honoree = Some(honoree.clone());
                d.tribute_notify_email.clone_from(notify);
                d.tribute_message.clone_from(message);
                d.tribute_show_amount = input.tribute.as_ref().is_some_and(|t| t.show_amount);
            }
            d.comment.clone_from(&gift.comment);

            let claim = self
                .store
                .insert_donation(&d, scoped_key.as_deref().zip(request_hash.as_deref()))
                .await?;
            match claim {
                IdempotencyClaim::Claimed => {
                    return self
                        .start_session(&campaign, &d, scoped_key.as_deref())
                        .await;
                }
                IdempotencyClaim::Existing {
                    request_hash: seen,
                    response_json,
                    ..
                } => {
                    if Some(seen.as_str()) != request_hash.as_deref() {
                        return Err(AppError::invalid(
                            "Idempotency-Key",
                            "was already used with a different request",
                        ));
                    }
                    if let Some(json) = response_json {
                        return serde_json::from_str(&json)
                            .map_err(|e| AppError::Internal(e.to_string()));
                    }
                    // Another request with this key is still talking to Stripe: wait for its answer.
                    if started.elapsed() > IN_FLIGHT_WAIT {
                        return Err(AppError::Conflict(
                            "a request with this Idempotency-Key is still in progress; retry shortly".into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn start_session(
        &self,
        campaign: &Campaign,
        d: &Donation,
        key: Option<&str>,
    ) -> Result<CheckoutResponse, AppError> {
        let base = &self.config.public_base_url;
        let request = CheckoutRequest {
            donation_id: d.id.clone(),
            campaign_slug: campaign.slug.clone(),
            campaign_name: campaign.name.clone(),
            currency: d.currency.clone(),
            unit_amount_minor: d.total_minor,
            frequency: Frequency::parse(&d.frequency).unwrap_or(Frequency::OneTime),
            donor_email: d.donor_email.clone().unwrap_or_default(),
            success_url: campaign.success_url.clone().unwrap_or_else(|| {
                format!("{base}/donate/{}/thanks?donation={}", campaign.slug, d.id)
            }),
            cancel_url: campaign
                .cancel_url
                .clone()
                .unwrap_or_else(|| format!("{base}/donate/{}?canceled=1", campaign.slug)),
        };
        match self.gateway.create_checkout(&request).await {
            Ok(session) => {
                let response = CheckoutResponse {
                    donation_id: d.id.clone(),
                    checkout_url: session.url.clone(),
                    currency: d.currency.clone(),
                    gift_minor: d.gift_minor,
                    fee_minor: d.fee_minor,
                    total_minor: d.total_minor,
                    frequency: d.frequency.clone(),
                };
                let json = serde_json::to_string(&response)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                self.store
                    .checkout_created(&d.id, &session.id, &session.url, key, &json)
                    .await?;
                tracing::info!(donation = %d.id, session = %session.id, total = d.total_minor, "checkout created");
                Ok(response)
            }
            Err(e) => {
                tracing::warn!(donation = %d.id, error = %e, "checkout failed");
                self.store
                    .checkout_failed(&d.id, &e.to_string(), key)
                    .await?;
                Err(AppError::BadGateway(e.to_string()))
            }
        }
    }
}
