//! The donation page (`/donate/{slug}`, with a form that works without JavaScript; a supporter's
//! page is the same page with its own header, `fundraiser_page`) in the donor's language, with
//! what its organization says about deductibility, and the headers every HTML page sends (a
//! strict Content-Security-Policy; framing only by `ALLOWED_ORIGINS`). The assets it loads are
//! `assets`'.

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
use crate::domain::field_error::Reason;
use crate::domain::money::currency_of;
use crate::http::AppState;
use crate::http::donor::donation_form::{
    DEFAULT_AMOUNT, DonateForm, FormValues, checkout_input, new_form_key,
};
use crate::http::donor::field_errors::translated_errors;
use crate::http::donor::fundraiser_page::{self, SupporterParts};
use crate::http::error::{AppError, AppResult, FieldError};
use crate::http::limits::ClientIp;
use crate::http::page_language::{LanguageLink, PageLanguage, switcher};
use crate::http::public_reads::{PageBody, PageKey};
use crate::i18n::{Args, Lang, Tr, format};
use crate::services::campaign_admin::DuesView;
use crate::services::checkout::{Checkout, CheckoutError, QuoteRequest, quote};
use crate::services::reporting::wall_entry;
use crate::store::{Campaign, Donation, ListedFundraiser, Progress, now};

pub use super::assets::{CSS, DONATE_JS, EMBED_JS, css, donate_js, embed_js};

/// The preset gift amounts, in major units.
pub const PRESETS: [&str; 4] = ["25", "50", "100", "250"];
/// Donor wall entries shown on the page.
const WALL_SIZE: i64 = 20;

// ---- money and labels ----

pub use crate::domain::money::display as money;

/// A frequency as staff pages label it (donor pages say it in the donor's language).
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

// ---- the donation page ----

pub struct ProgressBar {
    pub raised: String,
    pub goal: String,
    /// Percent of the goal, two decimals at most, as `lang` writes it.
    pub percent: String,
    /// The bar's value, 0 to 100 (an attribute: always with a `.`).
    pub bar: String,
    pub donors: i64,
}

impl ProgressBar {
    /// In English, as staff pages show it.
    pub fn new(c: &Campaign, raised_minor: i64, donors: i64) -> Self {
        ProgressBar::in_language(Lang::ENGLISH, c, raised_minor, donors)
    }

    pub fn in_language(lang: Lang, c: &Campaign, raised_minor: i64, donors: i64) -> Self {
        Self::toward(lang, c.goal_minor, &c.currency, raised_minor, donors)
    }

    /// The bar toward any goal (a supporter's page's own) in `currency`, as `lang` writes it.
    pub fn toward(
        lang: Lang,
        goal_minor: i64,
        currency: &str,
        raised_minor: i64,
        donors: i64,
    ) -> Self {
        let percent = percent_of_goal(raised_minor, goal_minor);
        let bar = percent.clamp(0.into(), 100.into());
        ProgressBar {
            raised: format::money(lang, raised_minor, currency),
            goal: format::money(lang, goal_minor, currency),
            percent: format::decimal(lang, &percent.normalize().to_string()),
            bar: bar.normalize().to_string(),
            donors,
        }
    }

    /// The values the progress messages name.
    pub fn args(&self, lang: Lang) -> Args {
        Args::new()
            .text("raised", &self.raised)
            .text("goal", &self.goal)
            .text("percent", &self.percent)
            .number("donors", self.donors)
            .text(
                "donors_shown",
                format::decimal(lang, &self.donors.to_string()),
            )
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct WallRow {
    pub amount: Option<String>,
    pub tribute: Option<String>,
    pub recurring: bool,
    pub date: String,
    /// The row's values: `name`, `amount`, `frequency`.
    pub args: Args,
}

#[derive(Template)]
#[template(path = "donate.html")]
pub struct DonatePage {
    pub tr: Tr,
    pub languages: Vec<LanguageLink>,
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
    pub exponent: u32,
    /// For the fee quote's script: the decimal separator, zero as the page writes it (`0.00`),
    /// and zero as an amount (`$0.00`), in which the script puts each new quote.
    pub decimal: String,
    pub zero: String,
    pub money_zero: String,
    pub wall: Vec<WallRow>,
    /// Supporters' pages: the form's address, and the page's own header or the campaign's list
    /// of top pages (`fundraiser_page`).
    pub supporters: SupporterParts,
    /// The campaign takes US bank accounts (ACH) beside cards: the form offers the choice of
    /// `payment_methods` (the bank debit fee, its percent and cap, is among `tr`'s values).
    pub bank_debit: bool,
    pub payment_methods: Vec<Choice>,
    /// A membership campaign: the page states its dues (per year and per month, `tr`'s values).
    pub dues: bool,
    /// What the page says about deductibility, by the campaign's organization's tax status
    /// (`domain::organization::page_notice`; `$org` is its name among `tr`'s values).
    pub tax_notice: Option<&'static str>,
}

impl DonatePage {
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    pub fn err(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }
}

/// "In honor of Rosa", "En memoria de Rosa": a gift's dedication as a line of its own.
pub fn tribute_line(lang: Lang, kind: Option<&str>, honoree: Option<&str>) -> Option<String> {
    let (kind, honoree) = (kind?, honoree?);
    let args = Args::new()
        .word("kind", if kind == "memory" { "memory" } else { "honor" })
        .text("honoree", honoree);
    Some(lang.msg("tribute-line", &args))
}

/// A donor wall's row in `lang`.
fn wall_row(lang: Lang, d: &Donation, hide_amounts: bool) -> WallRow {
    let e = wall_entry(d, hide_amounts);
    let name = if e.anonymous {
        lang.msg("wall-anonymous", &Args::new())
    } else {
        e.name
    };
    let amount = e.amount_minor.map(|m| format::money(lang, m, &e.currency));
    WallRow {
        tribute: tribute_line(lang, e.tribute_kind.as_deref(), e.honoree.as_deref()),
        recurring: e.frequency != "one_time",
        date: format::long_date(lang, e.at),
        args: Args::new()
            .text("name", name)
            .text("amount", amount.clone().unwrap_or_default())
            .word("frequency", e.frequency),
        amount,
    }
}

/// The donation page of `campaign`, or of its supporter's page `page`, in `lang` (only the
/// language, not how it was chosen: a page kept for a language is the same for every reader of
/// it).
#[allow(clippy::too_many_arguments)]
async fn donate_page(
    state: &AppState,
    lang: Lang,
    campaign: &Campaign,
    progress: &Progress,
    form: FormValues,
    errors: BTreeMap<String, String>,
    canceled: bool,
    page: Option<&ListedFundraiser>,
) -> AppResult<DonatePage> {
    let currency = currency_of(&campaign.currency);
    // The fee for the amount in the form (the default one on a first visit), by the method the
    // form names.
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
        .map(|(_, q)| format::money(lang, q.fee_minor, &campaign.currency))
        .unwrap_or_default();
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
        .map(|d| wall_row(lang, d, campaign.hide_amounts))
        .collect();
    let progress = ProgressBar::in_language(lang, campaign, progress.raised_minor, progress.donors);
    let bank_fee = state.config.bank_debit_fee;
    let dues = DuesView::of(campaign);
    let org = state.config.org_or_default(&campaign.organization);
    let args = progress
        .args(lang)
        .text("org", &org.name)
        .text("campaign", &campaign.name)
        .text("fee", fee_quote)
        .text("currency", currency.code().to_uppercase())
        .number("error_count", errors.len() as i64)
        .text(
            "bank_fee_percent",
            format::decimal(lang, &bank_fee.percent().normalize().to_string()),
        )
        .flag("has_cap", bank_fee.cap_minor().is_some())
        .text(
            "bank_fee_cap",
            bank_fee
                .cap_minor()
                .map(|cap| format::money(lang, cap, "usd"))
                .unwrap_or_default(),
        )
        .text(
            "dues_annual",
            dues.map(|d| format::money(lang, d.annual_minor, &campaign.currency))
                .unwrap_or_default(),
        )
        .text(
            "dues_monthly",
            dues.map(|d| format::money(lang, d.monthly_minor, &campaign.currency))
                .unwrap_or_default(),
        );
    let zero = format::decimal(lang, &crate::domain::money::format_major(0, currency));
    let supporters = fundraiser_page::parts(state, lang, campaign, page).await?;
    Ok(DonatePage {
        tr: Tr::html(lang, args),
        // This page (the campaign's or the supporter's, where the form posts) in each language.
        languages: switcher(lang, &supporters.action, &[]),
        slug: campaign.slug.clone(),
        name: campaign.name.clone(),
        description: campaign.description.clone(),
        progress,
        open: campaign.accepts_gifts(now()),
        canceled,
        sandbox: state.config.payments.is_sandbox(),
        presets: PRESETS
            .iter()
            .map(|p| Choice {
                value: (*p).into(),
                label: format::money(
                    lang,
                    p.parse::<i64>().unwrap_or(0) * 10i64.pow(currency.exponent()),
                    &campaign.currency,
                ),
            })
            .collect(),
        frequencies: ["one_time", "monthly", "annual"]
            .into_iter()
            .map(|v| Choice {
                value: v.into(),
                label: lang.msg("frequency-choice", &Args::new().word("frequency", v)),
            })
            .collect(),
        form,
        errors,
        exponent: currency.exponent(),
        decimal: lang.msg("number-decimal-separator", &Args::new()),
        money_zero: format::money(lang, 0, &campaign.currency),
        zero,
        wall,
        bank_debit: campaign.bank_debit,
        payment_methods: campaign
            .payment_methods()
            .into_iter()
            .map(|m| Choice {
                value: m.as_str().into(),
                label: lang.msg("payment-method", &Args::new().word("paid_with", m.as_str())),
            })
            .collect(),
        dues: dues.is_some(),
        tax_notice: crate::domain::organization::page_notice(org.tax_status, org.ein.is_some()),
        supporters,
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
    language: PageLanguage,
) -> AppResult<Response> {
    kept_page(&state, &slug, None, language.lang, q.canceled.is_some()).await
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

/// The donation page of campaign `slug`, or of its supporter's page `page`, in `lang`. A fresh
/// page (not the one a canceled checkout comes back to) is the same for everyone who reads it
/// in one language but for its form's key: kept rendered in `public_reads` by page and
/// language, the key put in per view.
pub(crate) async fn kept_page(
    state: &AppState,
    slug: &str,
    page: Option<&str>,
    lang: Lang,
    canceled: bool,
) -> AppResult<Response> {
    let cache_key = match page {
        Some(p) => PageKey::new(&format!("{slug}/f/{p}"), lang),
        None => PageKey::new(slug, lang),
    };
    let changes = state.store.changes();
    let at = Instant::now();
    let cached = (!canceled)
        .then(|| state.public_reads.pages.get(&cache_key, changes, at))
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
                lang,
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
                    .put(&campaign, cache_key, split, changes, at, now())
                    .with_key(&new_form_key()),
                None => html,
            }
        }
    };
    Ok(html(StatusCode::OK, body, &donor_csp(&state.config), true))
}

/// Stands for the form's key in a page kept for many views (`public_reads::PageBody`).
const KEY_PLACEHOLDER: &str = "form-key-placeholder-0b6f1c";

/// `POST /donate/{slug}` (a form, without JavaScript): 303 to the checkout page, or the page
/// again (422) with each error next to its field.
pub async fn submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    language: PageLanguage,
    Form(form): Form<DonateForm>,
) -> AppResult<Response> {
    submit_to(state, slug, None, ip, language, form).await
}

/// The donation form of campaign `slug`, or of its supporter's page `page`.
pub(crate) async fn submit_to(
    state: AppState,
    slug: String,
    page: Option<&str>,
    ip: std::net::IpAddr,
    language: PageLanguage,
    form: DonateForm,
) -> AppResult<Response> {
    // The same card-testing guards as the JSON API: a form is no way around them.
    crate::http::donor_api::limit_address(&state, ip).await?;
    let language = language.or_chosen(form.lang.as_deref());
    let (campaign, progress, shown) = page_records(&state, &slug, page).await?;
    let mut values = FormValues::from_form(&form);
    let mut input = checkout_input(&values, language.lang);
    input.fundraiser = page.map(str::to_string);
    crate::http::donor_api::guard_input(&input)?;
    let checkout = Checkout {
        store: state.store.as_ref(),
        gateways: &state.gateways,
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
            vec![
                FieldError::new(
                    "other",
                    "This campaign is not accepting gifts now (not found).",
                )
                .because(Reason::new("campaign_closed")),
            ]
        }
        Err(CheckoutError::Gateway(_)) => vec![
            FieldError::new(
                "other",
                "The payment provider did not answer; nothing was charged. Please try again.",
            )
            .because(Reason::new("gateway_failed")),
        ],
        // This page's form was sent before with other details (back button, edit, resend):
        // a new key lets the changed gift go through once the donor confirms it.
        Err(CheckoutError::KeyReused) => {
            values.idempotency_key = new_form_key();
            vec![
                FieldError::new(
                    "other",
                    "This form was already sent with other details. Please check them and \
                     continue again.",
                )
                .because(Reason::new("form_resent")),
            ]
        }
        Err(e) => return Err(e.into()),
    };
    let by_field = translated_errors(language.lang, errors);
    let page = donate_page(
        &state,
        language.lang,
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
