//! Staff accounts over the staff API: who am I, the list of people, inviting (admins) and
//! revoking (admins). The use cases are `services::staff_accounts`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::AppState;
use super::auth::Staff;
use super::error::{AppError, AppResult, ErrorBody};
use super::extract::ApiJson;
use crate::domain::staff_access::StaffRole;
use crate::domain::time::format_time;
use crate::services::staff_accounts::{self, InviteInput};
use crate::store::{StaffMember, now};

/// A staff member as the API shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    /// RFC 3339.
    pub created_at: String,
    /// The id of the admin who invited them (none: added with the CLI).
    pub invited_by: Option<i64>,
    /// RFC 3339; none while they may sign in.
    pub revoked_at: Option<String>,
}

impl From<&StaffMember> for MemberView {
    fn from(m: &StaffMember) -> Self {
        MemberView {
            id: m.id,
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role,
            created_at: format_time(m.created_at),
            invited_by: m.invited_by,
            revoked_at: m.revoked_at.map(format_time),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberView>,
}

/// Who the token speaks for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    /// None for a token made before staff accounts (it acts as an admin).
    pub member_id: Option<i64>,
    pub role: StaffRole,
}

/// `GET /api/v1/staff/me`: the person this token belongs to, and their role.
#[utoipa::path(
    get,
    path = "/api/v1/staff/me",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The token's person", body = Me),
        (status = 401, description = "No valid staff token", body = ErrorBody),
    )
)]
pub async fn me(staff: Staff) -> Json<Me> {
    Json(Me {
        name: staff.name,
        member_id: staff.member_id,
        role: staff.role,
    })
}

/// `GET /api/v1/staff/members`: every person, revoked ones too, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/staff/members",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Every staff member", body = MemberList),
        (status = 401, description = "No valid staff token", body = ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, staff: Staff) -> AppResult<Json<MemberList>> {
    let members = staff_accounts::list(state.store.as_ref(), &staff.actor()).await?;
    Ok(Json(MemberList {
        members: members.iter().map(MemberView::from).collect(),
    }))
}

/// `POST /api/v1/staff/members`: invites a person (admins only); they are emailed a sign-in
/// link valid for `STAFF_INVITE_TTL`. A revoked person is reinstated.
#[utoipa::path(
    post,
    path = "/api/v1/staff/members",
    tag = "staff",
    request_body = InviteInput,
    security(("staff_token" = [])),
    responses(
        (status = 201, description = "Invited; the invitation is in the outbox", body = MemberView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 403, description = "Only an admin may invite", body = ErrorBody),
        (status = 409, description = "Already an active staff member", body = ErrorBody),
        (status = 415, description = "The body is not declared JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody),
    )
)]
pub async fn invite(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<InviteInput>,
) -> AppResult<(StatusCode, Json<MemberView>)> {
    let m = staff_accounts::invite(
        state.store.as_ref(),
        &state.link_secret,
        &state.config.staff,
        &staff.actor(),
        &input,
        now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(MemberView::from(&m))))
}

/// `DELETE /api/v1/staff/members/{id}`: revokes a person (admins only): their sessions, API
/// tokens and unused sign-in links end at once.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/members/{id}",
    tag = "staff",
    params(("id" = i64, Path, description = "The staff member's id")),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Revoked", body = MemberView),
        (status = 401, description = "No valid staff token", body = ErrorBody),
        (status = 403, description = "Only an admin may revoke", body = ErrorBody),
        (status = 404, description = "No such active staff member", body = ErrorBody),
        (status = 409, description = "The last admin cannot be revoked", body = ErrorBody),
        (status = 422, description = "The id is not a number", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Json<MemberView>> {
    // Held to the role before the path is read, so a staff-role token learns nothing from it.
    staff.require(crate::domain::staff_access::Permission::ManageStaff)?;
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a staff member's id (a number)"))?;
    let m = staff_accounts::revoke(state.store.as_ref(), &staff.actor(), id, now()).await?;
    Ok(Json(MemberView::from(&m)))
}
