//! `Authorization: Bearer <token>` for every staff route.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::AppError;
use crate::services::staff_tokens::{hash_token, well_formed};

/// The staff member (token name) making the request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub name: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unauthorized = |d: &str| AppError::Unauthorized(d.to_string());
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization: Bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("Authorization must be: Bearer <token>"))?;
        if !well_formed(token) {
            return Err(unauthorized("invalid or revoked token"));
        }
        let hash = hash_token(token);
        let found = state.store.staff_token_by_hash(&hash).await?;
        match found {
            // The lookup is by hash; comparing again in constant time costs nothing and keeps
            // the check honest should the lookup ever become a prefix or case-folding match.
            Some(t)
                if t.revoked_at.is_none()
                    && bool::from(t.token_hash.as_bytes().ct_eq(hash.as_bytes())) =>
            {
                Ok(Staff { name: t.name })
            }
            _ => Err(unauthorized("invalid or revoked token")),
        }
    }
}
