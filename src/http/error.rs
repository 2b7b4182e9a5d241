//! One error type for every handler, answering `{"errors":[{"field":..,"detail":..}]}`.
//! Internal errors are logged with their cause and answered without it.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::services::checkout::{AllowanceSpent, CheckoutError};
use crate::services::fundraisers::FundraiserError;
use crate::services::offline_gifts::OfflineGiftError;
use crate::services::staff_accounts::StaffAccountError;
use crate::store::StoreError;

pub use crate::domain::field_error::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid request")]
    BadRequest(Vec<FieldError>),
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    #[error("unauthorized")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("not found")]
    NotFound(String),
    #[error("conflict")]
    Conflict(String),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("payment provider failed: {0}")]
    BadGateway(String),
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, detail)])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => AppError::Conflict(format!("{what} already exists")),
            StoreError::NotFound => AppError::NotFound("not found".into()),
            e if e.is_transient() => AppError::Unavailable(e.to_string()),
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl From<CheckoutError> for AppError {
    fn from(e: CheckoutError) -> Self {
        match e {
            CheckoutError::NoCampaign(slug) => AppError::NotFound(format!("no campaign {slug:?}")),
            CheckoutError::CampaignClosed(slug) => {
                AppError::NotFound(format!("campaign {slug:?} is not accepting gifts"))
            }
            CheckoutError::Invalid(errors) => AppError::Invalid(errors),
            CheckoutError::KeyReused => AppError::invalid(
                "Idempotency-Key",
                "was already used with a different request",
            ),
            CheckoutError::KeyInFlight => AppError::Conflict(
                "a request with this Idempotency-Key is still in progress; retry shortly".into(),
            ),
            CheckoutError::AllowanceSpent(spent) => spent.into(),
            CheckoutError::Gateway(cause) => AppError::BadGateway(cause),
            CheckoutError::Store(e) => e.into(),
            CheckoutError::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<AllowanceSpent> for AppError {
    fn from(spent: AllowanceSpent) -> Self {
        AppError::TooManyRequests {
            retry_after_secs: spent.retry_after_secs,
        }
    }
}

impl From<OfflineGiftError> for AppError {
    fn from(e: OfflineGiftError) -> Self {
        match e {
            OfflineGiftError::Invalid(errors) => AppError::Invalid(errors),
            e @ OfflineGiftError::NotFound(_) => AppError::NotFound(e.to_string()),
            e @ OfflineGiftError::AlreadyVoid(_) => AppError::Conflict(e.to_string()),
            e @ OfflineGiftError::Vanished => AppError::Internal(e.to_string()),
            OfflineGiftError::Store(e) => e.into(),
        }
    }
}

impl From<FundraiserError> for AppError {
    fn from(e: FundraiserError) -> Self {
        match e {
            e @ (FundraiserError::NoCampaign(_)
            | FundraiserError::SignUpsClosed(_)
            | FundraiserError::NotFound) => AppError::NotFound(e.to_string()),
            FundraiserError::Invalid(errors) => AppError::Invalid(errors),
            // The pages behind a link answer a bad link themselves; anywhere else it is refused.
            e @ FundraiserError::Link(_) => {
                AppError::BadRequest(vec![FieldError::new("token", e.to_string())])
            }
            FundraiserError::Store(e) => e.into(),
        }
    }
}

impl From<StaffAccountError> for AppError {
    fn from(e: StaffAccountError) -> Self {
        use crate::domain::staff_access::Permission;
        match e {
            StaffAccountError::Forbidden(p) => AppError::Forbidden(
                match p {
                    Permission::ManageStaff => "only an admin may manage staff",
                    Permission::ManageCampaigns => "only an admin may create or edit campaigns",
                    _ => "your role may not do this",
                }
                .into(),
            ),
            StaffAccountError::Invalid(errors) => AppError::Invalid(errors),
            e @ StaffAccountError::AlreadyMember(_) => AppError::Conflict(e.to_string()),
            e @ StaffAccountError::NotFound => AppError::NotFound(e.to_string()),
            e @ StaffAccountError::LastAdmin => AppError::Conflict(e.to_string()),
            e @ StaffAccountError::LinkUnusable => AppError::Unauthorized(e.to_string()),
            StaffAccountError::Store(e) => e.into(),
        }
    }
}

/// Every error answer: `{"errors":[{"field":..,"detail":..}]}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, errors) = match &self {
            AppError::BadRequest(e) => (StatusCode::BAD_REQUEST, e.clone()),
            AppError::Invalid(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.clone()),
            AppError::Unauthorized(d) => (StatusCode::UNAUTHORIZED, vec![FieldError::general(d)]),
            AppError::Forbidden(d) => (StatusCode::FORBIDDEN, vec![FieldError::general(d)]),
            AppError::NotFound(d) => (StatusCode::NOT_FOUND, vec![FieldError::general(d)]),
            AppError::Conflict(d) => (StatusCode::CONFLICT, vec![FieldError::general(d)]),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                vec![FieldError::new("body", "the request body is too large")],
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                vec![FieldError::new("body", "send the body as application/json")],
            ),
            AppError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                vec![FieldError::general("too many requests; try again later")],
            ),
            AppError::BadGateway(cause) => {
                tracing::warn!(%cause, "payment provider failed");
                (
                    StatusCode::BAD_GATEWAY,
                    vec![FieldError::general(
                        "the payment provider could not be reached; nothing was charged, please try again",
                    )],
                )
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "temporarily unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    vec![FieldError::general("temporarily unavailable; please retry")],
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    vec![FieldError::general("internal error")],
                )
            }
        };
        let mut response = (status, Json(ErrorBody { errors })).into_response();
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            AppError::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
