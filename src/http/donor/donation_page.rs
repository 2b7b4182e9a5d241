//! The donor's HTML pages: the donation page (`/donate/{slug}`, with a form that works without
//! JavaScript) and the thank-you page, plus the stylesheet and script they load, and the headers
//! every HTML page sends (a strict Content-Security-Policy; framing only by `ALLOWED_ORIGINS`).

use std::collections::BTreeMap;
use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::config::Config;
use crate::domain::contribution::percent_of_goal;
use crate::domain::donation::PaymentMethod;
use crate::domain::money::{currency_of, suffix, symbol};
use crate::http::AppState;
use crate::http::donor::fundraiser_page::{self, SupporterParts};
use crate::http::error::{AppError, AppResult, FieldError};
use crate::http::limits::ClientIp;
use crate::http::public_reads::PageBody;
use crate::services::campaign_admin::{DuesView, MajorAmount};
use crate::services::checkout::{
    Checkout, CheckoutError, CheckoutInput, DonorInput, QuoteRequest, TributeInput, quote,
};
use crate::services::reporting::wall_entry;
use crate::store::{Campaign, ListedFundraiser, Progress, now};

pub const CSS: &str = include_str!("../../../assets/app.css");
pub const DONATE_JS: &str = include_str!("../../../assets/donate.js");
/// The embed snippet's script, which nonprofits load on their own pages (README, "Embedding").
pub const EMBED_JS: &str = include_str!("../../../assets/embed.js");

/// The preset gift amounts, in major units.
pub const PRESETS: [&str; 4] = ["25", "50", "100", "250"];
const DEFAULT_AMOUNT: &str = "50";
/// Donor wall entries shown on the page.
const WALL_SIZE: i64 = 20;

// ---- money and labels ----

pub use crate::domain::money::display as money;

pub fn frequency_label(f: &str) -> &'static str {
    match f {
        "monthly" => "monthly",
        "annual" => "yearly",
        _ => "one time",
    }
}

// ---- response headers ----

/// The CSP of the donor pages: only our own scripts, styles and API, and framing by this site and
/// `ALLOWED_ORIGINS` only.
pub fn donor_csp(config: &Config) -> String {
    let mut ancestors = String::from("'self'");
    for o in &config.allowed_origins {
        ancestors.push(' ');
        ancestors.push_str(o);
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self' https://checkout.stripe.com; base-uri 'none'; \
         frame-ancestors {ancestors}"
    )
}

/// An HTML response with the given CSP; `no_store` for pages with private or changing data.
pub fn html(status: StatusCode, body: String, csp: &str, no_store: bool) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

pub fn render(t: &impl Template) -> AppResult<String> {
    t.render().map_err(|e| AppError::Internal(e.to_string()))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn donate_js() -> Response {
    asset("text/javascript; charset=utf-8", DONATE_JS)
}

pub async fn embed_js() -> Response {
    asset("text/javascript; charset=utf-8", EMBED_JS)
}

// ---- the donation page ----

pub struct ProgressBar {
    pub raised: String,
    pub goal: String,
    /// Percent of the goal, two decimals at most.
    pub percent: String,
    /// The bar's value, 0 to 100.
    pub bar: String,
    pub donors: i64,
}

impl ProgressBar {
    pub fn new(c: &Campaign, raised_minor: i64, donors: i64) -> Self {
        Self::toward(c.goal_minor, &c.currency, raised_minor, donors)
    }

    /// The bar toward any goal (a supporter's page's own) in `currency`.
    pub fn toward(goal_minor: i64, currency: &str, raised_minor: i64, donors: i64) -> Self {
        let percent = percent_of_goal(raised_minor, goal_minor);
        let bar = percent.clamp(0.into(), 100.into());
        ProgressBar {
            raised: money(raised_minor, currency),
            goal: money(goal_minor, currency),
            percent: percent.normalize().to_string(),
            bar: bar.normalize().to_string(),
            donors,
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct WallRow {
    pub name: String,
    pub amount: Option<String>,
    pub tribute: Option<String>,
    pub frequency: String,
    pub frequency_label: &'static str,
    pub date: String,
}

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
    fn fresh() -> Self {
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

    fn from_form(f: &DonateForm) -> Self {
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
                uuid::Uuid::new_v4().to_string()
            } else {
                f.idempotency_key.clone()
            },
            website: f.website.clone(),
        }
    }

    /// The gift amount the form names: a preset, or the custom amount with "other".
    fn gift_amount(&self) -> &str {
        if self.amount == "other" || self.amount.is_empty() {
            self.custom_amount.trim()
        } else {
            self.amount.trim()
        }
    }
}

#[derive(Template)]
#[template(path = "donate.html")]
pub struct DonatePage {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub progress: ProgressBar,
    pub open: bool,
    pub canceled: bool,
    pub sandbox: bool,
    pub presets: Vec<Choice>,
    pub frequencies: Vec<Choice>,
    pub form: FormValues,
    pub errors: BTreeMap<String, String>,
    pub fee_quote: String,
    pub exponent: u32,
    pub symbol: &'static str,
    pub suffix: String,
    pub currency_upper: String,
    pub wall: Vec<WallRow>,
    /// Supporters' pages: the form's address, and the page's own header or the campaign's list
    /// of top pages (`fundraiser_page`).
    pub supporters: SupporterParts,
    /// The campaign takes US bank accounts (ACH) beside cards: the form offers the choice.
    pub bank_debit: bool,
    /// The bank debit fee as the form states it: its percent, and its cap when it has one.
    pub bank_fee_percent: String,
    pub bank_fee_cap: Option<String>,
    /// A membership campaign's dues: per year and per month.
    pub dues: Option<DuesText>,
}

/// Membership dues as the donation page states them.
pub struct DuesText {
    pub annual: String,
    pub monthly: String,
}

impl DonatePage {
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    pub fn err(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }
}

async fn donate_page(
    state: &AppState,
    campaign: &Campaign,
    progress: &Progress,
    form: FormValues,
    errors: BTreeMap<String, String>,
    canceled: bool,
    page: Option<&ListedFundraiser>,
) -> AppResult<DonatePage> {
    let currency = currency_of(&campaign.currency);
    // The fee for the amount in the form (the default one on a first visit), by the method and
    // frequency the form names.
    let method = PaymentMethod::parse(&form.payment_method)
        .filter(|m| campaign.payment_methods().contains(m))
        .unwrap_or(PaymentMethod::Card);
    let request = |amount| QuoteRequest {
        amount,
        cover_fee: true,
        method,
        frequency: None,
    };
    let fee_quote = quote(campaign, &state.config, &request(form.gift_amount()))
        .or_else(|_| quote(campaign, &state.config, &request(DEFAULT_AMOUNT)))
        .map(|(_, q)| money(q.fee_minor, &campaign.currency))
        .unwrap_or_default();
    let bank_fee = state.config.bank_debit_fee;
    // A supporter's page shows its own gifts (anonymous ones as "Anonymous", as everywhere).
    let counted = match page {
        Some(p) => {
            state
                .store
                .fundraiser_donations(&p.fundraiser.id, WALL_SIZE)
                .await?
        }
        None => {
            state
                .store
                .counted_donations(campaign.id, WALL_SIZE)
                .await?
        }
    };
    let wall = counted
        .iter()
        .map(|d| {
            let e = wall_entry(d, campaign.hide_amounts);
            WallRow {
                name: e.name,
                amount: e.amount_minor.map(|m| money(m, &e.currency)),
                tribute: e.tribute,
                frequency_label: frequency_label(&e.frequency),
                frequency: e.frequency,
                date: e.date,
            }
        })
        .collect();
    Ok(DonatePage {
        slug: campaign.slug.clone(),
        name: campaign.name.clone(),
        description: campaign.description.clone(),
        progress: ProgressBar::new(campaign, progress.raised_minor, progress.donors),
        open: campaign.accepts_gifts(now()),
        canceled,
        sandbox: state.config.payments.is_sandbox(),
        presets: PRESETS
            .iter()
            .map(|p| Choice {
                value: (*p).into(),
                label: money(
                    p.parse::<i64>().unwrap_or(0) * 10i64.pow(currency.exponent()),
                    &campaign.currency,
                ),
            })
            .collect(),
        frequencies: [
            ("one_time", "One time"),
            ("monthly", "Monthly"),
            ("annual", "Annual"),
        ]
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
        })
        .collect(),
        form,
        errors,
        fee_quote,
        exponent: currency.exponent(),
        symbol: symbol(currency),
        suffix: suffix(currency),
        currency_upper: currency.code().to_uppercase(),
        wall,
        bank_debit: campaign.bank_debit,
        bank_fee_percent: bank_fee.percent().normalize().to_string(),
        bank_fee_cap: bank_fee.cap_minor().map(|cap| money(cap, "usd")),
        dues: DuesView::of(campaign).map(|d| DuesText {
            annual: money(d.annual_minor, &campaign.currency),
            monthly: money(d.monthly_minor, &campaign.currency),
        }),
        supporters: fundraiser_page::parts(state, campaign, page).await?,
    })
}

async fn campaign_and_progress(state: &AppState, slug: &str) -> AppResult<(Campaign, Progress)> {
    state
        .store
        .campaign_progress(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign {slug:?}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct DonateParams {
    pub canceled: Option<String>,
}

/// `GET /donate/{slug}`
pub async fn donate(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<DonateParams>,
) -> AppResult<Response> {
    kept_page(&state, &slug, None, q.canceled.is_some()).await
}

/// The campaign's records a donation page shows: the campaign and its figures, and the
/// supporter's page `page` of it with its figures (404 unless it is public).
async fn page_records(
    state: &AppState,
    slug: &str,
    page: Option<&str>,
) -> AppResult<(Campaign, Progress, Option<ListedFundraiser>)> {
    match page {
        None => {
            let (campaign, progress) = campaign_and_progress(state, slug).await?;
            Ok((campaign, progress, None))
        }
        Some(page) => fundraiser_page::public_records(state, slug, page).await,
    }
}

/// The donation page of campaign `slug`, or of its supporter's page `page`. A fresh page (not
/// the one a canceled checkout comes back to) is the same for everyone but for its form's key:
/// kept rendered in `public_reads`, the key put in per view.
pub(crate) async fn kept_page(
    state: &AppState,
    slug: &str,
    page: Option<&str>,
    canceled: bool,
) -> AppResult<Response> {
    let key = match page {
        Some(p) => format!("{slug}/f/{p}"),
        None => slug.to_string(),
    };
    let changes = state.store.changes();
    let at = Instant::now();
    let cached = (!canceled)
        .then(|| state.public_reads.pages.get(&key, changes, at))
        .flatten();
    let body = match cached {
        Some(page) => page.with_key(&new_form_key()),
        None => {
            let (campaign, progress, shown) = page_records(state, slug, page).await?;
            let mut form = FormValues::fresh();
            if !canceled {
                form.idempotency_key = KEY_PLACEHOLDER.into();
            }
            let page = donate_page(
                state,
                &campaign,
                &progress,
                form,
                BTreeMap::new(),
                canceled,
                shown.as_ref(),
            );
            let html = render(&page.await?)?;
            match (!canceled)
                .then(|| PageBody::split(&html, KEY_PLACEHOLDER))
                .flatten()
            {
                Some(split) => state
                    .public_reads
                    .pages
                    .put_as(&key, &campaign, split, changes, at, now())
                    .with_key(&new_form_key()),
                None => html,
            }
        }
    };
    Ok(html(StatusCode::OK, body, &donor_csp(&state.config), true))
}

/// Stands for the form's key in a page kept for many views (`public_reads::PageBody`).
const KEY_PLACEHOLDER: &str = "form-key-placeholder-0b6f1c";

/// A fresh idempotency key for a donation form: a double submission of one page is one gift.
fn new_form_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The checkout input a submitted form describes (validated by `Checkout` like the JSON API).
fn checkout_input(f: &FormValues) -> CheckoutInput {
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
    }
}

/// `POST /donate/{slug}` (a form, without JavaScript): 303 to the checkout page, or the page
/// again (422) with each error next to its field.
pub async fn submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    Form(form): Form<DonateForm>,
) -> AppResult<Response> {
    submit_to(state, slug, None, ip, form).await
}

/// The donation form of campaign `slug`, or of its supporter's page `page`.
pub(crate) async fn submit_to(
    state: AppState,
    slug: String,
    page: Option<&str>,
    ip: std::net::IpAddr,
    form: DonateForm,
) -> AppResult<Response> {
    // The same card-testing guards as the JSON API: a form is no way around them.
    crate::http::donor_api::limit_address(&state, ip).await?;
    let (campaign, progress, shown) = page_records(&state, &slug, page).await?;
    let mut values = FormValues::from_form(&form);
    let mut input = checkout_input(&values);
    input.fundraiser = page.map(str::to_string);
    crate::http::donor_api::guard_input(&input)?;
    let checkout = Checkout {
        store: state.store.as_ref(),
        gateway: state.gateway.as_ref(),
        config: &state.config,
        allowance: &crate::http::donor_api::EmailLimit(&state),
    };
    // The key is the form's own (one per page view): a double submission replays the first
    // answer, and the same page sent again with other details is asked to confirm them.
    let key = values.idempotency_key.trim();
    let key = (!key.is_empty() && key.len() <= 200).then_some(key);
    let errors = match checkout
        .create(
            &slug,
            &input,
            key.map(|k| format!("form:{k}")).as_deref(),
            now(),
        )
        .await
    {
        Ok(r) => return Ok(Redirect::to(&r.checkout_url).into_response()),
        Err(CheckoutError::Invalid(errors)) => errors,
        Err(CheckoutError::NoCampaign(_) | CheckoutError::CampaignClosed(_)) => {
            vec![FieldError::new(
                "other",
                "This campaign is not accepting gifts now (not found).",
            )]
        }
        Err(CheckoutError::Gateway(_)) => vec![FieldError::new(
            "other",
            "The payment provider did not answer; nothing was charged. Please try again.",
        )],
        // This page's form was sent before with other details (back button, edit, resend):
        // a new key lets the changed gift go through once the donor confirms it.
        Err(CheckoutError::KeyReused) => {
            values.idempotency_key = uuid::Uuid::new_v4().to_string();
            vec![FieldError::new(
                "other",
                "This form was already sent with other details. Please check them and \
                 continue again.",
            )]
        }
        Err(e) => return Err(e.into()),
    };
    let mut by_field = BTreeMap::new();
    for e in errors {
        let (field, detail) = match e.field.as_deref() {
            Some("currency" | "fundraiser") | None => ("other".to_string(), e.detail),
            Some(f) => (f.to_string(), e.detail),
        };
        by_field.entry(field).or_insert(detail);
    }
    let page = donate_page(
        &state,
        &campaign,
        &progress,
        values,
        by_field,
        false,
        shown.as_ref(),
    )
    .await?;
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&page)?,
        &donor_csp(&state.config),
        true,
    ))
}

// ---- the thank-you page ----

pub struct GiftView {
    pub amount: String,
    pub fee: String,
    pub total: String,
    pub fee_covered: bool,
    pub frequency_label: &'static str,
    pub tribute: Option<String>,
    pub tribute_message: Option<String>,
    pub status_text: String,
    pub good: bool,
    /// A recurring gift: the page says how to manage it later (`/manage`).
    pub recurring: bool,
    /// How it is paid: `card`, `us_bank_account`, or "" (an offline gift); the template names it.
    pub paid_with: &'static str,
    /// A bank debit not confirmed yet: the bank answers in days, and the page says so rather
    /// than reloading itself meanwhile.
    pub bank_processing: bool,
    /// The gift pays membership dues.
    pub dues: bool,
}

#[derive(Template)]
#[template(path = "thanks.html")]
pub struct ThanksPage {
    /// While the payment is being confirmed, the page reloads itself every few seconds.
    pub refresh: bool,
    pub slug: String,
    pub name: String,
    pub gift: Option<GiftView>,
}

/// What a donation's status means to its donor.
fn status_text(status: &str) -> (String, bool) {
    let (text, good) = match status {
        "succeeded" => ("Received — thank you! A receipt is on its way.", true),
        "active" | "trialing" => (
            "Received — your recurring gift is active. A receipt is on its way.",
            true,
        ),
        "pending" | "incomplete" => (
            "Processing: we are confirming your payment. This page shows the result once it arrives.",
            false,
        ),
        "failed" => ("The payment failed; nothing was charged.", false),
        "abandoned" | "incomplete_expired" => (
            "This checkout was not completed; nothing was charged.",
            false,
        ),
        "refunded" | "partially_refunded" => ("This gift was refunded.", false),
        "canceled" => ("This recurring gift is canceled.", false),
        _ => ("", false),
    };
    if text.is_empty() {
        (format!("Status: {}", status.replace('_', " ")), false)
    } else {
        (text.to_string(), good)
    }
}

/// A bank debit whose money has not come yet: pending, or a plan Stripe already calls active
/// while its first debit processes, with nothing counted.
fn bank_processing(d: &crate::store::Donation) -> bool {
    d.payment_method.is_some_and(|m| m.is_delayed())
        && d.counted_gifts == 0
        && matches!(d.status.as_str(), "pending" | "active" | "incomplete")
}

pub fn thanks_page(c: &Campaign, d: Option<&crate::store::Donation>) -> ThanksPage {
    let gift = d.map(|d| {
        let (status_text, good) = status_text(&d.status);
        let frequency_label = match d.frequency.as_str() {
            "monthly" => "every month",
            "annual" => "every year",
            _ => "(one time)",
        };
        let tribute = match (d.tribute_kind.as_deref(), d.tribute_honoree.as_deref()) {
            (Some("honor"), Some(h)) => Some(format!("In honor of {h}")),
            (Some("memory"), Some(h)) => Some(format!("In memory of {h}")),
            _ => None,
        };
        GiftView {
            amount: money(d.gift_minor, &d.currency),
            fee: money(d.fee_minor, &d.currency),
            total: money(d.total_minor, &d.currency),
            fee_covered: d.fee_minor > 0,
            frequency_label,
            tribute,
            tribute_message: d.tribute_message.clone(),
            status_text,
            good,
            recurring: d.frequency.is_recurring(),
            paid_with: d.payment_method.map_or("", |m| m.as_str()),
            bank_processing: bank_processing(d),
            dues: d.dues_minimum_minor.is_some(),
        }
    });
    ThanksPage {
        refresh: d.is_some_and(|d| d.status == "pending" && !bank_processing(d)),
        slug: c.slug.clone(),
        name: c.name.clone(),
        gift,
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn amounts_read_as_money() {
        assert_eq!(money(5000, "usd"), "$50.00");
        assert_eq!(money(10_000_000, "usd"), "$100,000.00");
        assert_eq!(money(-5, "usd"), "-$0.05");
        assert_eq!(money(123_456, "jpy"), "¥123,456");
        assert_eq!(money(100_000, "sek"), "1,000.00 SEK");
    }
}
