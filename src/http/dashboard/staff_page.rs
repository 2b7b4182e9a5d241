//! `GET /dashboard/staff`: the people who may sign in (everyone may read it); for admins, the
//! invite form (`POST /dashboard/staff`) and a revoke button per person
//! (`POST /dashboard/staff/{id}/revoke`). The use cases are `services::staff_accounts`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{CsrfForm, DashboardSession, page};
use crate::domain::field_error::FieldError;
use crate::domain::staff_access::{Permission, StaffRole};
use crate::domain::time::format_time;
use crate::http::AppState;
use crate::http::donor::donation_page::render;
use crate::http::error::{AppError, AppResult};
use crate::mail::render::long_date;
use crate::services::staff_accounts::{self, InviteInput, StaffAccountError};
use crate::store::{StaffMember, StaffSession, now};

/// One person of the list.
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub since: String,
    pub revoked: Option<String>,
    /// The signed-in person.
    pub me: bool,
}

#[derive(Template, Default)]
#[template(path = "dashboard_staff.html")]
pub struct StaffPage {
    pub staff: String,
    pub csrf: String,
    /// Whether the forms are shown (the role may manage staff).
    pub admin: bool,
    pub members: Vec<MemberRow>,
    pub notice: String,
    /// The invite form as sent, and what was wrong with it.
    pub email: String,
    pub name: String,
    pub role: String,
    pub email_error: String,
    pub name_error: String,
    pub role_error: String,
}

/// The page of `session`'s person over `members`, with the invite form as `form` sent it.
pub fn staff_page(
    session: &StaffSession,
    members: &[StaffMember],
    form: Option<&InviteInput>,
    errors: &[FieldError],
    notice: String,
) -> StaffPage {
    let error = |f: &str| {
        errors
            .iter()
            .find(|e| e.field.as_deref() == Some(f))
            .map(|e| e.detail.clone())
            .unwrap_or_default()
    };
    StaffPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        admin: session.role.may(Permission::ManageStaff),
        members: members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                name: m.name.clone(),
                email: m.email.clone(),
                role: m.role.as_str(),
                since: long_date(m.created_at),
                revoked: m.revoked_at.map(long_date),
                me: session.member_id == Some(m.id),
            })
            .collect(),
        notice,
        email: form.map(|f| f.email.clone()).unwrap_or_default(),
        name: form.and_then(|f| f.name.clone()).unwrap_or_default(),
        role: form
            .map(|f| f.role.clone())
            .unwrap_or_else(|| StaffRole::Staff.as_str().into()),
        email_error: error("email"),
        name_error: error("name"),
        role_error: error("role"),
    }
}

async fn answer(
    state: &AppState,
    s: &DashboardSession,
    status: StatusCode,
    form: Option<&InviteInput>,
    errors: &[FieldError],
    notice: String,
) -> AppResult<Response> {
    let members = staff_accounts::list(state.store.as_ref(), &s.actor()).await?;
    Ok(page(
        status,
        render(&staff_page(&s.session, &members, form, errors, notice))?,
    ))
}

/// `GET /dashboard/staff`
pub(super) async fn staff(
    State(state): State<AppState>,
    s: DashboardSession,
) -> AppResult<Response> {
    answer(&state, &s, StatusCode::OK, None, &[], String::new()).await
}

/// `POST /dashboard/staff`: invites a person (admins only).
pub(super) async fn invite(
    State(state): State<AppState>,
    CsrfForm { session: s, form }: CsrfForm,
) -> AppResult<Response> {
    s.require(Permission::ManageStaff)?;
    let input = InviteInput {
        email: form.get("email").cloned().unwrap_or_default(),
        name: form.get("name").cloned(),
        role: form.get("role").cloned().unwrap_or_default(),
    };
    let result = staff_accounts::invite(
        state.store.as_ref(),
        &state.link_secret,
        &state.config.staff,
        &s.actor(),
        &input,
        now(),
    )
    .await;
    match result {
        Ok(m) => {
            let notice = format!("Invitation sent to {} ({}).", m.email, m.role);
            answer(&state, &s, StatusCode::OK, None, &[], notice).await
        }
        Err(StaffAccountError::Invalid(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            answer(&state, &s, status, Some(&input), &errors, String::new()).await
        }
        Err(e @ StaffAccountError::AlreadyMember(_)) => {
            let errors = [FieldError::new("email", e.to_string())];
            let status = StatusCode::CONFLICT;
            answer(&state, &s, status, Some(&input), &errors, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /dashboard/staff/{id}/revoke`: revokes a person (admins only).
pub(super) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session: s, .. }: CsrfForm,
) -> AppResult<Response> {
    s.require(Permission::ManageStaff)?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound("no such staff member".into()))?;
    match staff_accounts::revoke(state.store.as_ref(), &s.actor(), id, now()).await {
        Ok(m) => {
            let notice = format!(
                "{} was revoked at {}; their sessions and API tokens have ended.",
                m.email,
                format_time(m.revoked_at.unwrap_or_default())
            );
            // Revoking oneself ends one's own session too: the sign-in page then.
            if s.session.member_id == Some(m.id) {
                return Ok(page(
                    StatusCode::OK,
                    "<!doctype html><title>Revoked</title><p>You revoked yourself. \
                     <a href=\"/dashboard\">Sign in</a></p>"
                        .into(),
                ));
            }
            answer(&state, &s, StatusCode::OK, None, &[], notice).await
        }
        Err(e @ StaffAccountError::LastAdmin) => {
            answer(&state, &s, StatusCode::CONFLICT, None, &[], e.to_string()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::fixtures::session;

    fn member(id: i64, role: StaffRole, revoked: Option<i64>) -> StaffMember {
        StaffMember {
            id,
            email: format!("p{id}@example.org"),
            email_norm: format!("p{id}@example.org"),
            name: format!("Person {id}"),
            role,
            created_at: 1_795_000_000,
            invited_by: None,
            revoked_at: revoked,
            organization: "default".into(),
        }
    }

    #[test]
    fn admins_see_the_forms_and_staff_only_the_list() {
        let members = [
            member(1, StaffRole::Admin, None),
            member(2, StaffRole::Staff, Some(1_795_000_000)),
        ];
        let mut s = session("ana");
        s.member_id = Some(1);
        let p = staff_page(&s, &members, None, &[], String::new());
        let html = p.render().unwrap();
        assert!(
            html.contains("action=\"/dashboard/staff/1/revoke\""),
            "{html}"
        );
        assert!(
            !html.contains("/dashboard/staff/2/revoke"),
            "a revoked person has no button"
        );
        assert!(html.contains("Person 1 <span class=\"muted\">(you)</span>"));
        assert!(html.contains("revoked November 18, 2026"));
        assert!(html.contains("action=\"/dashboard/staff\""));
        assert!(html.contains("name=\"csrf\" value=\"t0k\""));

        s.role = StaffRole::Staff;
        let html = staff_page(&s, &members, None, &[], String::new())
            .render()
            .unwrap();
        assert!(!html.contains("/revoke"));
        assert!(!html.contains("Send invitation"));
        assert!(html.contains("p2@example.org"));
    }

    #[test]
    fn the_invite_form_keeps_what_was_sent_and_names_its_errors() {
        let input = InviteInput {
            email: "nope".into(),
            name: Some("Rosa".into()),
            role: "admin".into(),
        };
        let errors = [FieldError::new("email", "is not a valid email address")];
        let html = staff_page(&session("ana"), &[], Some(&input), &errors, String::new())
            .render()
            .unwrap();
        assert!(html.contains("id=\"email-error\">is not a valid email address</p>"));
        assert!(html.contains("name=\"email\" value=\"nope\""));
        assert!(html.contains("<option value=\"admin\" selected>"));
        assert!(!html.contains("name-error"));
    }
}
