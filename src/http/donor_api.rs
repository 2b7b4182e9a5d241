//! The donor's public routes: the fee quote and checkout creation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::AppState;
use super::error::{AppError, AppResult, ErrorBody, FieldError};
use super::extract::{ApiQuery, RawBody, parse_json};
use super::limits::{ClientIp, LimitKind};
use super::page_language::accept_language;
use crate::domain::donation::PaymentMethod;
use crate::i18n::negotiate;
use crate::services::checkout::{
    AllowanceSpent, Checkout, CheckoutInput, CheckoutResponse, FeeQuote, QuoteRequest,
    parse_frequency, parse_payment_method, quote,
};
use crate::store::now;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteParams {
    /// The gift in major units, e.g. `50.00`.
    amount: String,
    /// `one_time`, `monthly` or `annual`.
    frequency: Option<String>,
    /// `true` when the donor covers the fee.
    cover_fee: Option<String>,
    /// `card` (default) or `us_bank_account`: the fee is the method's own.
    payment_method: Option<String>,
}

/// `GET /api/v1/campaigns/{slug}/fee-quote?amount=50.00&frequency=monthly&cover_fee=true&payment_method=us_bank_account`
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{slug}/fee-quote",
    tag = "public",
    params(("slug" = String, Path, description = "The campaign's slug"), QuoteParams),
    responses(
        (status = 200, description = "What the donor would be charged", body = FeeQuote),
        (status = 404, description = "No campaign open for gifts", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn fee_quote(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(params): ApiQuery<QuoteParams>,
) -> AppResult<Json<FeeQuote>> {
    let campaign = state
        .store
        .campaign_by_slug(&slug)
        .await?
        .filter(|c| c.accepts_gifts(now()))
        .ok_or_else(|| AppError::NotFound(format!("no open campaign {slug:?}")))?;
    let mut errors = Vec::new();
    let frequency = match params.frequency.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(f) => parse_frequency(f).map_err(|e| errors.push(e)).ok(),
    };
    let cover_fee = match params.cover_fee.as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") | Some("on") => true,
        Some(_) => {
            errors.push(FieldError::new("cover_fee", "must be true or false"));
            false
        }
    };
    let method = parse_payment_method(&campaign, params.payment_method.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let request = QuoteRequest {
        amount: &params.amount,
        cover_fee,
        method: method.unwrap_or(PaymentMethod::Card),
        frequency,
    };
    let quoted = quote(&campaign, &state.config, &request)
        .map_err(|e| errors.push(e))
        .ok();
    match quoted {
        Some((currency, c)) if errors.is_empty() => Ok(Json(FeeQuote {
            currency: currency.code().to_string(),
            gift_minor: c.gift_minor,
            fee_minor: c.fee_minor,
            total_minor: c.total_minor,
            payment_method: request.method.as_str().into(),
        })),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// `POST /api/v1/campaigns/{slug}/checkout`
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{slug}/checkout",
    tag = "public",
    params(
        ("slug" = String, Path, description = "The campaign's slug"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Replays the first answer for a retry of the same request"),
    ),
    request_body = CheckoutInput,
    responses(
        (status = 201, description = "The donation, pending, and where to pay", body = CheckoutResponse),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No campaign open for gifts", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is still in progress",
            body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`), or the gift is refused",
            body = ErrorBody),
        (status = 429, description = "Too many checkouts from this address or for this email; see Retry-After",
            body = ErrorBody),
        (status = 502, description = "The payment provider failed; nothing was charged",
            body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<(StatusCode, Json<CheckoutResponse>)> {
    // Every attempt counts against its address, valid or not: card testers send many.
    limit_address(&state, ip).await?;
    super::extract::require_json(&headers)?;
    let mut input: CheckoutInput = parse_json(&body)?;
    guard_input(&input)?;
    // The donor's language: the body's `language`, else the browser's (an embedding site's
    // script calls from the donor's browser), as one we have messages for.
    let lang = negotiate::choose(input.language.as_deref(), accept_language(&headers));
    input.language = Some(lang.tag().to_string());
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= 255)
                .ok_or_else(|| {
                    AppError::invalid("Idempotency-Key", "must be 1 to 255 visible characters")
                })?,
        ),
    };
    let checkout = Checkout {
        store: state.store.as_ref(),
        gateways: &state.gateways,
        config: &state.config,
        allowance: &EmailLimit(&state),
    };
    let response = checkout.create(&slug, &input, key, now()).await?;
    Ok((StatusCode::CREATED, Json(response)))
}

fn rate_limited(state: &AppState, (kind, e): (LimitKind, AllowanceSpent)) -> AllowanceSpent {
    state.metrics.rate_limited(kind.as_str());
    tracing::info!(limit = kind.as_str(), "checkout rate-limited");
    e
}

/// The per-address limit on checkout attempts, for every way of starting a checkout (this API
/// and the donation page's form).
pub async fn limit_address(state: &AppState, ip: std::net::IpAddr) -> Result<(), AppError> {
    state
        .limits
        .check_ip(ip)
        .await
        .map_err(|e| rate_limited(state, e).into())
}

/// The honeypot guard on a parsed gift, for every way of starting a checkout.
pub fn guard_input(input: &CheckoutInput) -> Result<(), AppError> {
    if input.honeypot_filled() {
        // A field people never see was filled in: a bot. The answer does not say why.
        tracing::info!("checkout refused: honeypot field filled");
        return Err(AppError::Invalid(vec![FieldError::general(
            "this gift could not be accepted",
        )]));
    }
    Ok(())
}

/// The per-email limit, asked by the use case once a request is valid (see
/// [`crate::services::checkout::EmailAllowance`]).
pub struct EmailLimit<'a>(pub &'a AppState);

#[async_trait::async_trait]
impl crate::services::checkout::EmailAllowance for EmailLimit<'_> {
    async fn spend(&self, normalized_email: &str) -> Result<(), AllowanceSpent> {
        self.0
            .limits
            .check_email(normalized_email)
            .await
            .map_err(|e| rate_limited(self.0, e))
    }
}
