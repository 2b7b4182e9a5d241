//! One error type for every handler, answering `{"errors":[{"field":..,"detail":..}]}`.
//! Internal errors are logged with their cause and answered without it.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// One problem with a request: the field (body path, query parameter or header) at fault, when
/// there is one, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "donor.email")]
    pub field: Option<String>,
    #[schema(example = "is not a valid email address")]
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }
    pub fn general(detail: impl Into<String>) -> Self {
        Self {
            field: None,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid request")]
    BadRequest(Vec<FieldError>),
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    #[error("unauthorized")]
    Unauthorized(String),
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
