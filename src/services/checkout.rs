//! Donor checkout: validate the gift (a membership campaign's dues for its frequency, the
//! payment methods the campaign offers), compute the exact fee coverage at the chosen method's
//! rate, record the donation as pending, then create the Checkout Session. A Stripe failure marks the donation failed; an
//! Idempotency-Key replays the first answer.

use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::domain::contribution::Frequency;
use crate::domain::donation::{DEFAULT_LANGUAGE, PaymentMethod, language_tag};
use crate::domain::fees::{Coverage, FeeRate, MethodRates, cover, no_cover};
use crate::domain::field_error::{FieldError, Reason};
use crate::domain::membership::minimum_dues;
use crate::domain::money::display as money;
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Email, PersonName, ShortText, TextError};
use crate::payments::CheckoutRequest;
use crate::services::fundraisers;
use crate::store::{Campaign, Donation, Fundraiser, IdempotencyClaim, Store, StoreError};

mod input;
pub use input::{CheckoutInput, CheckoutResponse, DonorInput, TributeInput};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FeeQuote {
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
    /// The payment method the fee was quoted for: `card` or `us_bank_account`.
    pub payment_method: String,
}

fn field(errors: &mut Vec<FieldError>, name: &str, e: &TextError) {
    errors.push(FieldError::new(name, e.to_string()).because(e.reason()));
}

pub fn campaign_fee(c: &Campaign, config: &Config) -> FeeRate {
    FeeRate::parse(&c.fee_percent, c.fee_fixed_minor).unwrap_or(config.default_fee)
}

/// The fee rate of each way to pay a campaign: its own card rate, and the bank debit rate
/// (`ACH_FEE_PERCENT`, `ACH_FEE_CAP`).
pub fn campaign_fees(c: &Campaign, config: &Config) -> MethodRates {
    MethodRates {
        card: campaign_fee(c, config),
        bank_debit: config.bank_debit_fee,
    }
}

/// What a gift is quoted for: the amount as typed, whether the donor covers the fee, how they
/// pay, and how often (when known: a membership campaign's least gift depends on it).
#[derive(Debug, Clone, Copy)]
pub struct QuoteRequest<'a> {
    pub amount: &'a str,
    pub cover_fee: bool,
    pub method: PaymentMethod,
    pub frequency: Option<Frequency>,
}

/// The gift and what the donor pays for it: the rule is the same for the quote and the charge.
pub fn quote(
    c: &Campaign,
    config: &Config,
    q: &QuoteRequest<'_>,
) -> Result<(Currency, Coverage), FieldError> {
    let currency = Currency::parse(&c.currency)
        .map_err(|e| FieldError::new("currency", e.to_string()).because(e.reason()))?;
    let gift = Money::parse(q.amount, currency, config.max_gift_minor(currency))
        .map_err(|e| FieldError::new("amount", e.to_string()).because(e.reason()))?;
    if gift.minor() < c.min_gift_minor {
        let min = crate::domain::money::format_major(c.min_gift_minor, currency);
        return Err(FieldError::new("amount", format!("must be at least {min}"))
            .because(Reason::new("below_minimum").with("min", min)));
    }
    if let (Some(annual), Some(frequency)) = (c.membership_dues_minor, q.frequency) {
        check_dues(gift.minor(), annual, frequency, &c.currency)?;
    }
    let coverage = if q.cover_fee {
        cover(gift.minor(), campaign_fees(c, config).of(q.method)).map_err(|e| {
            FieldError::new("amount", e.to_string()).because(Reason::new("fee_not_computable"))
        })?
    } else {
        no_cover(gift.minor())
    };
    Ok((currency, coverage))
}

/// A membership campaign refuses a gift below its dues for the gift's frequency.
fn check_dues(
    gift_minor: i64,
    annual_minor: i64,
    frequency: Frequency,
    currency: &str,
) -> Result<(), FieldError> {
    let least = minimum_dues(annual_minor, frequency);
    if gift_minor >= least {
        return Ok(());
    }
    let (code, detail) = {
        let (least, annual) = (money(least, currency), money(annual_minor, currency));
        match frequency {
            Frequency::Monthly => (
                "below_dues_monthly",
                format!("must be at least {least} a month: membership dues are {annual} a year"),
            ),
            _ => (
                "below_dues",
                format!("must be at least {least}: membership dues are {annual} a year"),
            ),
        }
    };
    Err(FieldError::new("amount", detail).because(
        Reason::new(code)
            .with_amount("least", least, currency)
            .with_amount("annual", annual_minor, currency),
    ))
}

/// How a donor pays: `card` when not said, `us_bank_account` where the campaign offers it.
pub fn parse_payment_method(c: &Campaign, v: Option<&str>) -> Result<PaymentMethod, FieldError> {
    let method = match v.map(str::trim) {
        None | Some("") => return Ok(PaymentMethod::Card),
        Some(v) => PaymentMethod::parse(v).ok_or_else(|| {
            FieldError::new("payment_method", "must be card or us_bank_account")
                .because(Reason::new("invalid_payment_method"))
        })?,
    };
    if !c.payment_methods().contains(&method) {
        return Err(FieldError::new(
            "payment_method",
            "is not offered by this campaign (it takes card)",
        )
        .because(Reason::new("payment_method_not_offered")));
    }
    Ok(method)
}

pub fn parse_frequency(v: &str) -> Result<Frequency, FieldError> {
    Frequency::parse(v).ok_or_else(|| {
        FieldError::new("frequency", "must be one_time, monthly or annual")
            .because(Reason::new("invalid_frequency"))
    })
}

/// Why a checkout was not created, in the donor's terms (`http::error` gives each its status).
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("no campaign {0:?}")]
    NoCampaign(String),
    #[error("campaign {0:?} is not accepting gifts")]
    CampaignClosed(String),
    /// Fields of the gift are invalid, each named.
    #[error("invalid gift")]
    Invalid(Vec<FieldError>),
    /// The idempotency key was used before with a different gift.
    #[error("the idempotency key was already used with a different request")]
    KeyReused,
    /// Another request with this key is still talking to the payment provider.
    #[error("a request with this idempotency key is still in progress")]
    KeyInFlight,
    /// The donor's allowance of checkouts is spent for now.
    #[error("too many checkouts for this email")]
    AllowanceSpent(AllowanceSpent),
    /// The payment provider refused or did not answer; the donation is marked failed.
    #[error("payment provider failed: {0}")]
    Gateway(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored answer could not be read back or written (a bug, not the donor's doing).
    #[error("internal: {0}")]
    Internal(String),
}

/// A validated gift, ready to be recorded.
struct Gift {
    frequency: Frequency,
    method: PaymentMethod,
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
    let method = parse_payment_method(c, input.payment_method.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let quoted = quote(
        c,
        config,
        &QuoteRequest {
            amount: &input.amount.0,
            cover_fee: input.cover_fee,
            method: method.unwrap_or(PaymentMethod::Card),
            frequency,
        },
    )
    .map_err(|e| errors.push(e))
    .ok();
    let name = PersonName::parse(&input.donor.name)
        .map_err(|e| field(&mut errors, "donor.name", &e))
        .ok();
    let email = Email::parse(&input.donor.email)
        .map_err(|e| field(&mut errors, "donor.email", &e))
        .ok();
    let comment = match input.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => ShortText::parse(v, ShortText::MAX_COMMENT_CHARS)
            .map(|t| t.as_str().to_string())
            .map_err(|e| field(&mut errors, "comment", &e))
            .ok(),
    };
    let tribute = input.tribute.as_ref().and_then(|t| {
        let kind = match t.kind.as_str() {
            "honor" | "memory" => Some(t.kind.clone()),
            _ => {
                errors.push(
                    FieldError::new("tribute.kind", "must be honor or memory")
                        .because(Reason::new("invalid_tribute_kind")),
                );
                None
            }
        };
        let honoree = match t.honoree.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(
                    FieldError::new("tribute.honoree", "is required with a tribute")
                        .because(Reason::new("required")),
                );
                None
            }
            Some(v) => PersonName::parse(v)
                .map(|n| n.as_str().to_string())
                .map_err(|e| field(&mut errors, "tribute.honoree", &e))
                .ok(),
        };
        let notify = match t.notify_email.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => Email::parse(v)
                .map(|e| Some(e.as_str().to_string()))
                .map_err(|e| field(&mut errors, "tribute.notify_email", &e))
                .ok(),
        };
        let message = match t.message.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => ShortText::parse(v, ShortText::MAX_TRIBUTE_CHARS)
                .map(|m| Some(m.as_str().to_string()))
                .map_err(|e| field(&mut errors, "tribute.message", &e))
                .ok(),
        };
        Some((kind?, honoree?, notify?, message?))
    });
    match (frequency, method, quoted, name, email) {
        (Some(frequency), Some(method), Some((currency, coverage)), Some(name), Some(email))
            if errors.is_empty() =>
        {
            Ok(Gift {
                frequency,
                method,
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

impl Gift {
    /// What an idempotency key is bound to: the campaign and the gift as validated (not the
    /// bytes that carried it), so that the JSON API and the donation form compare requests
    /// alike.
    fn request_hash(&self, slug: &str, input: &CheckoutInput) -> String {
        let mut h = Sha256::new();
        let mut part = |s: &str| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        part(slug);
        part(self.frequency.as_str());
        part(self.method.as_str());
        part(self.currency.code());
        part(&self.coverage.gift_minor.to_string());
        part(&self.coverage.fee_minor.to_string());
        part(&self.name);
        part(self.email.as_str());
        part(if input.anonymous {
            "anonymous"
        } else {
            "named"
        });
        match &self.tribute {
            None => part("no tribute"),
            Some((kind, honoree, notify, message)) => {
                part(kind);
                part(honoree);
                part(notify.as_deref().unwrap_or(""));
                part(message.as_deref().unwrap_or(""));
                part(
                    &input
                        .tribute
                        .as_ref()
                        .is_some_and(|t| t.show_amount)
                        .to_string(),
                );
            }
        }
        part(self.comment.as_deref().unwrap_or(""));
        // Only named when given, so that the hash of a gift without a page is as it always was.
        if let Some(page) = input
            .fundraiser
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            part("fundraiser");
            part(page);
        }
        hex::encode(h.finalize())
    }
}

pub fn new_donation_id() -> String {
    format!("don_{}", uuid::Uuid::now_v7().simple())
}

/// How long a request with a key that another request is still using waits for its answer.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);

/// The per-donor allowance of checkouts (card testers try many cards on one email). It is
/// asked only once a request is valid and about to create a checkout, so that invalid requests
/// naming someone's email can never use up that donor's allowance and lock them out.
#[async_trait::async_trait]
pub trait EmailAllowance: Send + Sync {
    /// Takes one checkout from the allowance of a normalized email, or refuses.
    async fn spend(&self, normalized_email: &str) -> Result<(), AllowanceSpent>;
}

/// An allowance is used up: the next checkout may come after `retry_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowanceSpent {
    pub retry_after_secs: u64,
}

/// No per-email limit (the CLI, tests).
pub struct Unlimited;

#[async_trait::async_trait]
impl EmailAllowance for Unlimited {
    async fn spend(&self, _: &str) -> Result<(), AllowanceSpent> {
        Ok(())
    }
}

pub struct Checkout<'a> {
    pub store: &'a dyn Store,
    /// The campaign's organization's gateway is the one used.
    pub gateways: &'a crate::payments::Gateways,
    pub config: &'a Config,
    pub allowance: &'a dyn EmailAllowance,
}

impl Checkout<'_> {
    /// Creates the donation and its Checkout Session at `now`. With the client's idempotency
    /// key, a retry of the same gift replays the first answer; the same key with another gift
    /// is refused.
    pub async fn create(
        &self,
        slug: &str,
        input: &CheckoutInput,
        idempotency_key: Option<&str>,
        now: i64,
    ) -> Result<CheckoutResponse, CheckoutError> {
        let campaign = self
            .store
            .campaign_by_slug(slug)
            .await?
            .ok_or_else(|| CheckoutError::NoCampaign(slug.to_string()))?;
        if !campaign.accepts_gifts(now) {
            return Err(CheckoutError::CampaignClosed(slug.to_string()));
        }
        let gift = validate(input, &campaign, self.config).map_err(CheckoutError::Invalid)?;
        let page = fundraisers::page_for_gift(self.store, &campaign, input.fundraiser.as_deref())
            .await?
            .map_err(|e| CheckoutError::Invalid(vec![e]))?;
        // Valid, so this request creates a checkout (or replays one): only now does it count
        // against the donor's allowance.
        self.allowance
            .spend(&gift.email.normalized())
            .await
            .map_err(CheckoutError::AllowanceSpent)?;

        let request_hash = idempotency_key.map(|_| gift.request_hash(slug, input));
        let scoped_key = idempotency_key.map(|k| format!("checkout:{k}"));

        let started = tokio::time::Instant::now();
        loop {
            // The time of this attempt: `now`, moved on by the time spent waiting for another
            // request with the same key.
            let at = now + started.elapsed().as_secs() as i64;
            let mut d = Donation::pending(new_donation_id(), &campaign, at);
            d.frequency = gift.frequency;
            d.payment_method = Some(gift.method);
            d.dues_minimum_minor = campaign
                .membership_dues_minor
                .map(|annual| minimum_dues(annual, gift.frequency));
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
            d.fundraiser_id = page.as_ref().map(|f| f.id.clone());
            d.language = input
                .language
                .as_deref()
                .and_then(language_tag)
                .unwrap_or_else(|| DEFAULT_LANGUAGE.into());

            let claim = self
                .store
                .insert_donation(&d, scoped_key.as_deref().zip(request_hash.as_deref()))
                .await?;
            match claim {
                IdempotencyClaim::Claimed => {
                    return self
                        .start_session(&campaign, &d, page.as_ref(), scoped_key.as_deref())
                        .await;
                }
                IdempotencyClaim::Existing {
                    request_hash: seen,
                    response_json,
                    ..
                } => {
                    if Some(seen.as_str()) != request_hash.as_deref() {
                        return Err(CheckoutError::KeyReused);
                    }
                    if let Some(json) = response_json {
                        return serde_json::from_str(&json)
                            .map_err(|e| CheckoutError::Internal(e.to_string()));
                    }
                    // Another request with this key is still talking to Stripe: wait for its answer.
                    if started.elapsed() > IN_FLIGHT_WAIT {
                        return Err(CheckoutError::KeyInFlight);
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
        page: Option<&Fundraiser>,
        key: Option<&str>,
    ) -> Result<CheckoutResponse, CheckoutError> {
        let base = &self.config.public_base_url;
        // Back from Checkout in the language the donor gave in; a donor who turns back returns
        // to the page they gave on.
        let lang = &d.language;
        let back = match page {
            Some(f) => fundraisers::share_url(base, &campaign.slug, &f.slug),
            None => format!("{base}/donate/{}", campaign.slug),
        };
        let request = CheckoutRequest {
            donation_id: d.id.clone(),
            campaign_slug: campaign.slug.clone(),
            campaign_name: campaign.name.clone(),
            currency: d.currency.clone(),
            unit_amount_minor: d.total_minor,
            frequency: d.frequency,
            payment_method: d.payment_method.unwrap_or(PaymentMethod::Card),
            donor_email: d.donor_email.clone().unwrap_or_default(),
            success_url: campaign.success_url.clone().unwrap_or_else(|| {
                format!(
                    "{base}/donate/{}/thanks?donation={}&lang={lang}",
                    campaign.slug, d.id
                )
            }),
            cancel_url: campaign
                .cancel_url
                .clone()
                .unwrap_or_else(|| format!("{back}?canceled=1&lang={lang}")),
            language: d.language.clone(),
        };
        let created = match self.gateways.of(&campaign.organization) {
            Some(gateway) => gateway.create_checkout(&request).await,
            None => Err(crate::payments::GatewayError::Refused(format!(
                "organization {:?} is not configured",
                campaign.organization
            ))),
        };
        match created {
            Ok(session) => {
                let response = CheckoutResponse {
                    donation_id: d.id.clone(),
                    checkout_url: session.url.clone(),
                    currency: d.currency.clone(),
                    gift_minor: d.gift_minor,
                    fee_minor: d.fee_minor,
                    total_minor: d.total_minor,
                    frequency: d.frequency.as_str().to_string(),
                    payment_method: d
                        .payment_method
                        .unwrap_or(PaymentMethod::Card)
                        .as_str()
                        .into(),
                };
                let json = serde_json::to_string(&response)
                    .map_err(|e| CheckoutError::Internal(e.to_string()))?;
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
                Err(CheckoutError::Gateway(e.to_string()))
            }
        }
    }
}
