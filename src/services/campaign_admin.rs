//! Campaign rules shared by the API and the command line: parsing a new campaign or a change to
//! one, the public progress view, and the demo campaign of a first sandbox run.

use std::time::UNIX_EPOCH;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::Config;
use crate::domain::contribution::{Frequency, percent_of_goal, recurring_monthly_minor};
use crate::domain::fees::FeeRate;
use crate::domain::field_error::FieldError;
use crate::domain::membership::minimum_dues;
use crate::domain::money::{Currency, Money};
use crate::domain::text::{ShortText, Slug};
use crate::store::{Campaign, CampaignFields, CampaignOptions, Progress, Store, StoreResult};

/// An amount in major units as the client wrote it: `"50.00"` or `50.00`. JSON numbers are read
/// as their literal text (never through a float), so `50.1` is exactly fifty dollars ten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorAmount(pub String);

impl<'de> Deserialize<'de> for MajorAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
        let text = raw.get();
        if text.starts_with('"') {
            let s: String = serde_json::from_str(text).map_err(D::Error::custom)?;
            Ok(MajorAmount(s))
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ok(MajorAmount(text.to_string()))
        } else {
            Err(D::Error::custom("must be an amount such as \"50.00\""))
        }
    }
}

/// A time given as RFC 3339 (`2026-12-31T23:59:59Z`), within the range the service takes
/// (`domain::time::accepted`).
fn parse_time(field: &str, v: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let parsed =
        humantime::parse_rfc3339_weak(v.trim())
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                Err(_) => -1,
            });
    match parsed {
        Some(t) if crate::domain::time::accepted(t) => Some(t),
        Some(_) => {
            errors.push(FieldError::new(field, crate::domain::time::RANGE_DETAIL));
            None
        }
        None => {
            errors.push(FieldError::new(
                field,
                "must be a time such as 2026-12-31T23:59:59Z",
            ));
            None
        }
    }
}

pub use crate::domain::time::format_time;

fn parse_name(v: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match ShortText::parse(v, 200) {
        Ok(t) if !t.as_str().contains('\n') => Some(t.as_str().to_string()),
        Ok(_) => {
            errors.push(FieldError::new("name", "must be a single line"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("name", e.to_string()));
            None
        }
    }
}

fn parse_description(v: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if v.trim().is_empty() {
        return Some(String::new());
    }
    match ShortText::parse(v, 5000) {
        Ok(t) => Some(t.as_str().to_string()),
        Err(e) => {
            errors.push(FieldError::new("description", e.to_string()));
            None
        }
    }
}

fn parse_goal(v: &MajorAmount, currency: Currency, errors: &mut Vec<FieldError>) -> Option<i64> {
    // A goal may be far above a single gift's limit: bound it only by what i64 holds safely.
    match Money::from_major(&v.0, currency, i64::MAX / 100) {
        Ok(m) => Some(m.minor()),
        Err(e) => {
            errors.push(FieldError::new("goal", e.to_string()));
            None
        }
    }
}

fn parse_url(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v?.trim();
    if v.is_empty() {
        return None;
    }
    if (v.starts_with("https://") || v.starts_with("http://"))
        && v.len() <= 2000
        && !v.contains(char::is_whitespace)
    {
        Some(v.to_string())
    } else {
        errors.push(FieldError::new(field, "must be an http(s) URL"));
        None
    }
}

fn parse_status(v: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        "active" | "closed" => Some(v.to_string()),
        _ => {
            errors.push(FieldError::new("status", "must be active or closed"));
            None
        }
    }
}

fn parse_fee(
    percent: Option<&str>,
    fixed: Option<i64>,
    default: &FeeRate,
    errors: &mut Vec<FieldError>,
) -> Option<FeeRate> {
    let percent_text = percent
        .map(str::to_string)
        .unwrap_or_else(|| default.percent().to_string());
    let fixed = fixed.unwrap_or(default.fixed_minor());
    match FeeRate::parse(&percent_text, fixed) {
        Ok(rate) => Some(rate),
        Err(e) => {
            let field = if percent_text.trim().parse::<Decimal>().is_ok() && fixed >= 0 {
                "fee_fixed_minor"
            } else {
                "fee_percent"
            };
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

fn check_window(starts: Option<i64>, ends: Option<i64>, errors: &mut Vec<FieldError>) {
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        errors.push(FieldError::new("ends_at", "must be after starts_at"));
    }
}

/// The smallest gift must be a positive amount no larger than the largest gift.
fn check_min_gift(v: Option<i64>, currency: &str, config: &Config, errors: &mut Vec<FieldError>) {
    if let Some(v) = v {
        let max = Currency::parse(currency)
            .map(|c| config.max_gift_minor(c))
            .unwrap_or(i64::MAX);
        if v < 1 || v > max {
            errors.push(FieldError::new(
                "min_gift_minor",
                format!("must be from 1 to {max} (minor units)"),
            ));
        }
    }
}

/// Membership dues per year in major units (`"60.00"`): a positive amount no larger than the
/// largest gift.
fn parse_dues(
    v: &MajorAmount,
    currency: &str,
    config: &Config,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let c = Currency::parse(currency).unwrap_or(Currency::USD);
    Money::parse(&v.0, c, config.max_gift_minor(c))
        .map(|m| m.minor())
        .map_err(|e| errors.push(FieldError::new("membership_dues", e.to_string())))
        .ok()
}

/// US bank accounts pay in dollars: a campaign in another currency cannot offer them.
fn check_bank_debit(on: bool, currency: &str, errors: &mut Vec<FieldError>) {
    if on && !currency.eq_ignore_ascii_case("usd") {
        errors.push(FieldError::new(
            "bank_debit",
            "is only offered for usd campaigns (US bank accounts pay in dollars)",
        ));
    }
}

/// A new campaign (`POST /api/v1/staff/campaigns`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The goal in major units, as a string or a number: `"100000"`, `100000.50`.
    #[schema(value_type = String, example = "100000")]
    pub goal: MajorAmount,
    #[serde(default)]
    pub currency: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub fee_percent: Option<String>,
    pub fee_fixed_minor: Option<i64>,
    pub status: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// The public donor wall leaves amounts out (default false).
    pub hide_amounts: Option<bool>,
    /// The smallest gift accepted, in minor units (default 100, i.e. $1.00).
    pub min_gift_minor: Option<i64>,
    /// Offer US bank accounts (ACH Direct Debit) beside cards (default false; usd only).
    pub bank_debit: Option<bool>,
    /// Membership dues per year in major units (`"60.00"`): gifts must be at least this
    /// (monthly: a twelfth, rounded up to the cent) and make their donors members. Absent or
    /// null: not a membership campaign.
    #[schema(value_type = Option<String>, example = "60.00")]
    pub membership_dues: Option<MajorAmount>,
    /// Dues receipts say the dues are not tax-deductible (default false).
    pub dues_not_deductible: Option<bool>,
}

impl NewCampaign {
    /// The campaign's options, once [`NewCampaign::parse`] has accepted it.
    pub fn options(&self, config: &Config) -> CampaignOptions {
        let currency = self.currency.as_deref().unwrap_or("usd");
        CampaignOptions {
            hide_amounts: self.hide_amounts.unwrap_or(false),
            min_gift_minor: self
                .min_gift_minor
                .unwrap_or(crate::store::DEFAULT_MIN_GIFT_MINOR),
            bank_debit: self.bank_debit.unwrap_or(false),
            membership_dues_minor: self
                .membership_dues
                .as_ref()
                .and_then(|d| parse_dues(d, currency, config, &mut Vec::new())),
            dues_not_deductible: self.dues_not_deductible.unwrap_or(false),
        }
    }

    pub fn parse(&self, config: &Config) -> Result<CampaignFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let slug = Slug::parse(&self.slug)
            .map_err(|e| errors.push(FieldError::new("slug", e.to_string())))
            .ok();
        let name = parse_name(&self.name, &mut errors);
        let description = parse_description(&self.description, &mut errors);
        let currency = Currency::parse(self.currency.as_deref().unwrap_or("usd"))
            .map_err(|e| errors.push(FieldError::new("currency", e.to_string())))
            .ok();
        let goal = currency.and_then(|c| parse_goal(&self.goal, c, &mut errors));
        if let Some(c) = currency {
            check_min_gift(self.min_gift_minor, c.code(), config, &mut errors);
            check_bank_debit(self.bank_debit.unwrap_or(false), c.code(), &mut errors);
            if let Some(d) = &self.membership_dues {
                parse_dues(d, c.code(), config, &mut errors);
            }
        }
        let starts_at = self
            .starts_at
            .as_deref()
            .and_then(|v| parse_time("starts_at", v, &mut errors));
        let ends_at = self
            .ends_at
            .as_deref()
            .and_then(|v| parse_time("ends_at", v, &mut errors));
        check_window(starts_at, ends_at, &mut errors);
        let fee = parse_fee(
            self.fee_percent.as_deref(),
            self.fee_fixed_minor,
            &config.default_fee,
            &mut errors,
        );
        let status = parse_status(self.status.as_deref().unwrap_or("active"), &mut errors);
        let success_url = parse_url("success_url", self.success_url.as_deref(), &mut errors);
        let cancel_url = parse_url("cancel_url", self.cancel_url.as_deref(), &mut errors);
        match (slug, name, description, currency, goal, fee, status) {
            (
                Some(slug),
                Some(name),
                Some(description),
                Some(currency),
                Some(goal),
                Some(fee),
                Some(status),
            ) if errors.is_empty() => Ok(CampaignFields {
                slug: slug.as_str().to_string(),
                name,
                description,
                currency: currency.code().to_string(),
                goal_minor: goal,
                starts_at,
                ends_at,
                fee_percent: fee.percent().to_string(),
                fee_fixed_minor: fee.fixed_minor(),
                status,
                success_url,
                cancel_url,
            }),
            _ => Err(errors),
        }
    }
}

/// A change to a campaign: absent fields stay as they are; `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>, example = "150000.50")]
    pub goal: Option<MajorAmount>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub ends_at: Option<Option<String>>,
    pub fee_percent: Option<String>,
    pub fee_fixed_minor: Option<i64>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub success_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub cancel_url: Option<Option<String>>,
    pub hide_amounts: Option<bool>,
    /// The smallest gift accepted, in minor units.
    pub min_gift_minor: Option<i64>,
    /// Offer US bank accounts (ACH Direct Debit) beside cards (usd campaigns only).
    pub bank_debit: Option<bool>,
    /// Membership dues per year in major units; `null` makes it a campaign of gifts again.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "60.00")]
    pub membership_dues: Option<Option<MajorAmount>>,
    /// Dues receipts say the dues are not tax-deductible.
    pub dues_not_deductible: Option<bool>,
    /// Refused with a clear message: the currency of a campaign that has gifts cannot change.
    pub currency: Option<String>,
    pub slug: Option<String>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

impl CampaignPatch {
    /// The campaign's options after this change, once [`CampaignPatch::apply`] has accepted it.
    pub fn apply_options(&self, current: &Campaign, config: &Config) -> CampaignOptions {
        let mut o = current.options();
        if let Some(v) = self.hide_amounts {
            o.hide_amounts = v;
        }
        if let Some(v) = self.min_gift_minor {
            o.min_gift_minor = v;
        }
        if let Some(v) = self.bank_debit {
            o.bank_debit = v;
        }
        if let Some(v) = &self.membership_dues {
            o.membership_dues_minor = v
                .as_ref()
                .and_then(|d| parse_dues(d, &current.currency, config, &mut Vec::new()));
        }
        if let Some(v) = self.dues_not_deductible {
            o.dues_not_deductible = v;
        }
        o
    }

    pub fn apply(
        &self,
        current: &Campaign,
        config: &Config,
    ) -> Result<CampaignFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut f = current.fields();
        check_min_gift(self.min_gift_minor, &current.currency, config, &mut errors);
        if let Some(on) = self.bank_debit {
            check_bank_debit(on, &current.currency, &mut errors);
        }
        if let Some(Some(d)) = &self.membership_dues {
            parse_dues(d, &current.currency, config, &mut errors);
        }
        if self
            .currency
            .as_deref()
            .is_some_and(|c| c != current.currency)
        {
            errors.push(FieldError::new(
                "currency",
                "cannot be changed; create a new campaign",
            ));
        }
        if self.slug.as_deref().is_some_and(|s| s != current.slug) {
            errors.push(FieldError::new(
                "slug",
                "cannot be changed; links to the campaign use it",
            ));
        }
        if let Some(v) = &self.name {
            f.name = parse_name(v, &mut errors).unwrap_or_default();
        }
        if let Some(v) = &self.description {
            f.description = parse_description(v, &mut errors).unwrap_or_default();
        }
        if let Some(v) = &self.goal {
            let currency = Currency::parse(&current.currency).unwrap_or(Currency::USD);
            f.goal_minor = parse_goal(v, currency, &mut errors).unwrap_or(f.goal_minor);
        }
        if let Some(v) = &self.starts_at {
            f.starts_at = v
                .as_deref()
                .and_then(|v| parse_time("starts_at", v, &mut errors));
        }
        if let Some(v) = &self.ends_at {
            f.ends_at = v
                .as_deref()
                .and_then(|v| parse_time("ends_at", v, &mut errors));
        }
        check_window(f.starts_at, f.ends_at, &mut errors);
        if self.fee_percent.is_some() || self.fee_fixed_minor.is_some() {
            let current_fee = FeeRate::parse(&current.fee_percent, current.fee_fixed_minor)
                .unwrap_or(config.default_fee);
            if let Some(fee) = parse_fee(
                self.fee_percent.as_deref(),
                self.fee_fixed_minor,
                &current_fee,
                &mut errors,
            ) {
                f.fee_percent = fee.percent().to_string();
                f.fee_fixed_minor = fee.fixed_minor();
            }
        }
        if let Some(v) = &self.status {
            f.status = parse_status(v, &mut errors).unwrap_or(f.status);
        }
        if let Some(v) = &self.success_url {
            f.success_url = parse_url("success_url", v.as_deref(), &mut errors);
        }
        if let Some(v) = &self.cancel_url {
            f.cancel_url = parse_url("cancel_url", v.as_deref(), &mut errors);
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }
}

/// Why a change to a campaign was not made.
#[derive(Debug)]
pub enum ChangeError {
    NotFound,
    Invalid(Vec<FieldError>),
    Store(crate::store::StoreError),
}

/// Applies `patch` to the campaign `slug`: the one path for the staff API and the CLI.
pub async fn change(
    store: &dyn Store,
    config: &Config,
    slug: &str,
    patch: &CampaignPatch,
) -> Result<Campaign, ChangeError> {
    let current = store
        .campaign_by_slug(slug)
        .await
        .map_err(ChangeError::Store)?
        .ok_or(ChangeError::NotFound)?;
    let fields = patch
        .apply(&current, config)
        .map_err(ChangeError::Invalid)?;
    store
        .update_campaign(current.id, &fields, &patch.apply_options(&current, config))
        .await
        .map_err(ChangeError::Store)
}

/// The public progress of a campaign (`GET /api/v1/campaigns/{slug}`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ProgressView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub raised_minor: i64,
    /// Percent of the goal raised, to two decimals.
    #[serde(with = "rust_decimal::serde::float")]
    #[schema(value_type = f64, example = 12.5)]
    pub percent: Decimal,
    pub donors: i64,
    pub gifts: i64,
    pub recurring_active: i64,
    pub recurring_monthly_minor: i64,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub status: String,
    /// How donors may pay: `card`, and `us_bank_account` where the campaign offers it.
    pub payment_methods: Vec<&'static str>,
    /// A membership campaign's dues: the least gift per year (annual or one-time) and per
    /// month; `null` for a campaign of gifts.
    pub membership: Option<DuesView>,
}

/// A membership campaign's dues, in minor units.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DuesView {
    pub annual_minor: i64,
    /// A twelfth of the annual dues, rounded up to the minor unit.
    pub monthly_minor: i64,
}

impl DuesView {
    pub fn of(c: &Campaign) -> Option<DuesView> {
        c.membership_dues_minor.map(|annual| DuesView {
            annual_minor: annual,
            monthly_minor: minimum_dues(annual, Frequency::Monthly),
        })
    }
}

impl ProgressView {
    pub fn new(c: &Campaign, p: &Progress, now: i64) -> Self {
        ProgressView {
            slug: c.slug.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            currency: c.currency.clone(),
            goal_minor: c.goal_minor,
            raised_minor: p.raised_minor,
            percent: percent_of_goal(p.raised_minor, c.goal_minor),
            donors: p.donors,
            gifts: p.gifts,
            recurring_active: p.recurring_active,
            recurring_monthly_minor: recurring_monthly_minor(p),
            starts_at: c.starts_at.map(format_time),
            ends_at: c.ends_at.map(format_time),
            // A campaign past its end date reads as closed even before staff close it.
            status: if c.status == "active"
                && !c.accepts_gifts(now)
                && c.ends_at.is_some_and(|e| now >= e)
            {
                "closed".into()
            } else {
                c.status.clone()
            },
            payment_methods: c.payment_methods().iter().map(|m| m.as_str()).collect(),
            membership: DuesView::of(c),
        }
    }
}

/// A campaign as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub fee_percent: String,
    pub fee_fixed_minor: i64,
    pub status: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub hide_amounts: bool,
    pub min_gift_minor: i64,
    pub bank_debit: bool,
    /// Membership dues (`null`: a campaign of gifts).
    pub membership: Option<DuesView>,
    pub dues_not_deductible: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Campaign> for CampaignView {
    fn from(c: &Campaign) -> Self {
        CampaignView {
            slug: c.slug.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            currency: c.currency.clone(),
            goal_minor: c.goal_minor,
            starts_at: c.starts_at.map(format_time),
            ends_at: c.ends_at.map(format_time),
            fee_percent: c.fee_percent.clone(),
            fee_fixed_minor: c.fee_fixed_minor,
            status: c.status.clone(),
            success_url: c.success_url.clone(),
            cancel_url: c.cancel_url.clone(),
            hide_amounts: c.hide_amounts,
            min_gift_minor: c.min_gift_minor,
            bank_debit: c.bank_debit,
            membership: DuesView::of(c),
            dues_not_deductible: c.dues_not_deductible,
            created_at: format_time(c.created_at),
            updated_at: format_time(c.updated_at),
        }
    }
}

pub const DEMO_SLUG: &str = "demo";

/// On a sandbox's first run (no campaigns at all), creates the `demo` campaign so a newcomer
/// has something to look at. Never in live mode. Returns whether it was created.
pub async fn ensure_demo(store: &dyn Store, config: &Config) -> StoreResult<bool> {
    if !config.payments.is_sandbox()
        || !config.demo_campaign
        || !store.campaigns().await?.is_empty()
    {
        return Ok(false);
    }
    let fields = CampaignFields {
        slug: DEMO_SLUG.into(),
        name: "Demo campaign".into(),
        description: "A sandbox campaign created on first run: try a gift at /donate/demo.".into(),
        currency: "usd".into(),
        goal_minor: 10_000_000,
        starts_at: None,
        ends_at: None,
        fee_percent: config.default_fee.percent().to_string(),
        fee_fixed_minor: config.default_fee.fixed_minor(),
        status: "active".into(),
        success_url: None,
        cancel_url: None,
    };
    match store.create_campaign(&fields).await {
        Ok(_) => Ok(true),
        // Another process created it first.
        Err(crate::store::StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
