//! `Authorization: Bearer <token>` for every staff route: the person (or legacy token) making
//! the request, with their role; [`Staff::require`] holds them to it (403 otherwise).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::AppError;
use crate::domain::staff_access::{Permission, StaffRole};
use crate::services::staff_accounts::Actor;
use crate::services::staff_tokens::{hash_token, well_formed};

/// The staff member making the request: the token's person, or (a token made before staff
/// accounts) the token's name with an admin's rights.
#[derive(Debug, Clone)]
pub struct Staff {
    pub name: String,
    pub member_id: Option<i64>,
    pub role: StaffRole,
    /// The organization whose campaigns they see (a token's person's, or the token's own).
    pub organization: String,
}

impl Staff {
    /// `Ok` when their role allows `p`; otherwise 403.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        self.actor().require(p).map_err(AppError::from)
    }

    /// As the use cases name who acts.
    pub fn actor(&self) -> Actor {
        Actor {
            member_id: self.member_id,
            name: self.name.clone(),
            role: self.role,
            organization: self.organization.clone(),
        }
    }
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
        let t = match found {
            // The lookup is by hash; comparing again in constant time costs nothing and keeps
            // the check honest should the lookup ever become a prefix or case-folding match.
            Some(t)
                if t.revoked_at.is_none()
                    && bool::from(t.token_hash.as_bytes().ct_eq(hash.as_bytes())) =>
            {
                t
            }
            _ => return Err(unauthorized("invalid or revoked token")),
        };
        let Some(member_id) = t.member_id else {
            return Ok(Staff {
                name: t.name,
                member_id: None,
                role: StaffRole::Admin,
                organization: t.organization,
            });
        };
        match state.store.staff_member(member_id).await? {
            Some(m) if m.revoked_at.is_none() => Ok(Staff {
                name: m.name,
                member_id: Some(m.id),
                role: m.role,
                organization: m.organization,
            }),
            _ => Err(unauthorized("invalid or revoked token")),
        }
    }
}
