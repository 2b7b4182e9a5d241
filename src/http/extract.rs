//! Extractors whose rejections speak the API's error format and name the field at fault.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::{AppError, FieldError};

/// Deepest nesting accepted in a JSON body; our bodies are two levels deep.
const MAX_DEPTH: usize = 16;

/// A JSON body. Syntax errors answer 400; type errors and missing fields answer 422 naming the
/// field (its path, such as `donor.email`); bodies over the limit answer 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        require_json(req.headers())?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Bodies must be declared JSON (`application/json` or `application/*+json`).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false);
    if is_json {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

pub fn body_rejection(e: BytesRejection) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(vec![FieldError::new(
            "body",
            "the request body could not be read",
        )])
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if nesting_depth(bytes) > MAX_DEPTH {
        return Err(AppError::BadRequest(vec![FieldError::new(
            "body",
            "JSON is nested too deeply",
        )]));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            AppError::BadRequest(vec![FieldError::new("body", "the body is not valid JSON")])
        } else {
            let detail = strip_position(&inner.to_string());
            let (field, detail) = match detail.strip_prefix("missing field `") {
                Some(rest) => {
                    let name = rest.split('`').next().unwrap_or("").to_string();
                    let field = if path == "." {
                        name
                    } else {
                        format!("{path}.{name}")
                    };
                    (field, "is required".to_string())
                }
                None => (if path == "." { "body".into() } else { path }, detail),
            };
            AppError::Invalid(vec![FieldError::new(field, detail)])
        }
    })
}

/// serde_json appends " at line 1 column 17" to its messages: position is noise to a donor.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Bracket depth outside strings: a cheap guard before parsing.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Query parameters, with the same error format (422 naming the parameter).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let detail = e.into_inner().to_string();
                let (field, detail) = match detail.strip_prefix("missing field `") {
                    Some(rest) => (
                        rest.split('`').next().unwrap_or("query").to_string(),
                        "is required".into(),
                    ),
                    None => (if path == "." { "query".into() } else { path }, detail),
                };
                AppError::Invalid(vec![FieldError::new(field, detail)])
            })
    }
}

/// The raw body (for webhooks, whose signature covers the exact bytes), with 413 in our format.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(body_rejection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Donor {
        email: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        amount: String,
        donor: Donor,
    }

    fn field_of(e: AppError) -> (u16, String) {
        match e {
            AppError::Invalid(f) => (422, f[0].field.clone().unwrap_or_default()),
            AppError::BadRequest(f) => (400, f[0].field.clone().unwrap_or_default()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"amount":"5","donor":{}}"#).unwrap_err();
        assert_eq!(field_of(e), (422, "donor.email".into()));
        let e = parse_json::<Body>(br#"{"donor":{"email":"a@b.co"}}"#).unwrap_err();
        assert_eq!(field_of(e), (422, "amount".into()));
        let e = parse_json::<Body>(br#"{"amount":5,"donor":{"email":"a@b.co"}}"#).unwrap_err();
        assert_eq!(field_of(e), (422, "amount".into()));
        let e = parse_json::<Body>(br#"{"amount":"#).unwrap_err();
        assert_eq!(field_of(e), (400, "body".into()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse_json::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(field_of(e), (400, "body".into()));
        // Brackets inside strings do not count.
        let ok = format!(r#"{{"a":"{}"}}"#, "[".repeat(100));
        assert!(parse_json::<serde_json::Value>(ok.as_bytes()).is_ok());
    }
}
