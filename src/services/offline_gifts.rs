//! Offline gifts (checks, cash, ...) that staff record by hand: validated here, then counted or
//! voided through the ledger in one transaction, like every other change to a campaign's figures.

use serde::Deserialize;

use crate::config::Config;
use crate::domain::field_error::FieldError;
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Email, PersonName, ShortText};
use crate::services::campaign_admin::MajorAmount;
use crate::services::checkout::new_donation_id;
use crate::services::ledger::{self, ObjectKey};
use crate::services::reporting::{day_of, parse_date};
use crate::store::{Campaign, Donation, Store, StoreError};

pub const MAX_NOTE_CHARS: usize = 1000;

/// `POST /api/v1/staff/campaigns/{slug}/offline-gifts`
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineGiftInput {
    /// The gift in major units, as a string or a number.
    #[schema(value_type = String, example = "250.00")]
    pub amount: MajorAmount,
    /// The day of the gift (`YYYY-MM-DD`), not in the future.
    #[schema(example = "2026-11-20")]
    pub date: String,
    /// `check`, `cash` or `other`.
    #[schema(example = "check")]
    pub method: String,
    pub donor: Option<OfflineDonorInput>,
    /// Up to 1000 characters, for staff only.
    pub note: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    /// Email the donor a receipt for it (when an email is given). Default true.
    #[serde(default = "yes")]
    pub email_receipt: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineDonorInput {
    pub name: Option<String>,
    pub email: Option<String>,
}

fn optional<T>(
    v: Option<&str>,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some(v) => parse(v)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

/// The donation an offline gift input describes, recorded at `at` (unix seconds), or every
/// problem with it.
pub fn validate(
    input: &OfflineGiftInput,
    campaign: &Campaign,
    config: &Config,
    at: i64,
) -> Result<Donation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let amount = Currency::parse(&campaign.currency)
        .map_err(|e| FieldError::new("amount", e.to_string()))
        .and_then(|c| {
            Money::parse(&input.amount.0, c, config.max_gift_minor(c))
                .map_err(|e| FieldError::new("amount", e.to_string()))
        })
        .map_err(|e| errors.push(e))
        .ok();
    let date = match parse_date(input.date.trim()) {
        None => {
            errors.push(FieldError::new("date", "must be a date such as 2026-11-21"));
            None
        }
        // Somewhere on earth it is already tomorrow (UTC+14): a gift dated so is not "future".
        Some(d) if day_of(d) > day_of(at) + 1 => {
            errors.push(FieldError::new("date", "must not be in the future"));
            None
        }
        Some(d) => Some(d),
    };
    let method = match input.method.as_str() {
        "check" | "cash" | "other" => Some(input.method.clone()),
        _ => {
            errors.push(FieldError::new("method", "must be check, cash or other"));
            None
        }
    };
    let donor = input.donor.as_ref();
    let name = optional(
        donor.and_then(|d| d.name.as_deref()),
        "donor.name",
        |v| {
            PersonName::parse(v)
                .map(|n| n.as_str().to_string())
                .map_err(|e| e.to_string())
        },
        &mut errors,
    );
    let email = optional(
        donor.and_then(|d| d.email.as_deref()),
        "donor.email",
        |v| Email::parse(v).map_err(|e| e.to_string()),
        &mut errors,
    );
    let note = optional(
        input.note.as_deref(),
        "note",
        |v| {
            ShortText::parse(v, MAX_NOTE_CHARS)
                .map(|t| t.as_str().to_string())
                .map_err(|e| e.to_string())
        },
        &mut errors,
    );
    let (Some(amount), Some(date), Some(method)) = (amount, date, method) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = new_donation_id();
    let mut d = Donation::pending(id.clone(), campaign, at);
    d.source = crate::domain::donation::Source::Offline;
    d.payment_method = None;
    // A check or cash to a membership campaign pays a year's dues when it is enough
    // (`domain::membership`).
    d.dues_minimum_minor = campaign.membership_dues_minor;
    d.status = "succeeded".into();
    d.gift_minor = amount.minor();
    d.total_minor = amount.minor();
    d.offline_method = Some(method);
    d.gift_date = Some(date);
    d.note = note;
    d.anonymous = input.anonymous;
    d.email_receipt = input.email_receipt;
    d.donor_name = name;
    // Without an email the gift is its own donor: it cannot be matched to anyone else's.
    d.donor_key = match &email {
        Some(e) => e.normalized(),
        None => format!("offline:{id}"),
    };
    d.donor_email = email.map(|e| e.as_str().to_string());
    Ok(d)
}

/// Why an offline gift was not recorded or voided.
#[derive(Debug, thiserror::Error)]
pub enum OfflineGiftError {
    /// Fields of the gift are invalid, each named.
    #[error("invalid offline gift")]
    Invalid(Vec<FieldError>),
    /// No offline gift with this id in this campaign.
    #[error("no offline gift {0:?} in this campaign")]
    NotFound(String),
    #[error("offline gift {0:?} is already void")]
    AlreadyVoid(String),
    /// The gift was committed but could not be read back (a bug).
    #[error("offline gift vanished")]
    Vanished,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records an offline gift of `campaign` at `now` and counts it; returns the donation as stored.
pub async fn record(
    store: &dyn Store,
    campaign: &Campaign,
    config: &Config,
    input: &OfflineGiftInput,
    now: i64,
) -> Result<Donation, OfflineGiftError> {
    let d = validate(input, campaign, config, now).map_err(OfflineGiftError::Invalid)?;
    let d = &d;
    let saved = ledger::transact(store, &[ObjectKey::Donation(d.id.clone())], |tx| {
        Box::pin(async move {
            ledger::record_offline_gift(&mut **tx, d).await?;
            tx.donation(&d.id).await
        })
    })
    .await?;
    saved.ok_or(OfflineGiftError::Vanished)
}

/// Voids an offline gift of `campaign` at `now`: kept, marked, no longer counted. Anything that
/// is not an offline gift of this campaign is not found.
pub async fn void(
    store: &dyn Store,
    campaign: &Campaign,
    id: &str,
    now: i64,
) -> Result<Donation, OfflineGiftError> {
    let not_found = || OfflineGiftError::NotFound(id.to_string());
    // Read inside the ledger transaction, so that two voids of one gift cannot both succeed.
    let not_found = &not_found;
    ledger::transact(store, &[ObjectKey::Donation(id.to_string())], |tx| {
        Box::pin(async move {
            let Some(d) = tx
                .donation(id)
                .await?
                .filter(|d| d.campaign_id == campaign.id && d.is_offline())
            else {
                return Ok(Err(not_found()));
            };
            if d.voided_at.is_some() {
                return Ok(Err(OfflineGiftError::AlreadyVoid(id.to_string())));
            }
            if !ledger::void_offline_gift(&mut **tx, id, now).await? {
                return Ok(Err(not_found()));
            }
            Ok(tx.donation(id).await?.ok_or_else(not_found))
        })
    })
    .await?
}
