//! `GET /dashboard/memberships`: the members (donors who pay a membership campaign's dues),
//! active or lapsed, by email, a page at a time; `GET /dashboard/memberships.csv` downloads
//! them all (the staff API's CSV). Read-only: the ledger keeps the records.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{DashboardSession, page};
use crate::domain::membership::Membership;
use crate::http::AppState;
use crate::http::donor::donation_page::render;
use crate::http::error::{AppError, AppResult};
use crate::mail::render::long_date;
use crate::services::membership_report::{decode_cursor, encode_cursor, parse_status};
use crate::store::{StaffSession, now};

/// Members per page.
const PAGE: i64 = 200;

/// One member of the list.
pub struct MemberRow {
    pub name: String,
    pub email: String,
    pub lapsed: bool,
    pub since: String,
    pub paid_through: String,
    pub payments: i64,
    /// `monthly`, `annual` or `one_time`: the template names it.
    pub frequency: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard_memberships.html")]
pub struct MembershipsPage {
    pub staff: String,
    pub csrf: String,
    /// `active`, `lapsed`, or "" for all.
    pub status: String,
    pub members: Vec<MemberRow>,
    /// The query of the next page, when there is one.
    pub next: Option<String>,
}

/// The page of `session`'s person over `members` (one more than a page tells that another
/// follows), as they stand at `now`.
pub fn memberships_page(
    session: &StaffSession,
    status: &str,
    mut members: Vec<Membership>,
    now: i64,
) -> MembershipsPage {
    let more = members.len() as i64 > PAGE;
    members.truncate(PAGE as usize);
    let next = more
        .then(|| members.last().map(encode_cursor))
        .flatten()
        .map(|c| format!("status={status}&cursor={c}"));
    MembershipsPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        status: status.to_string(),
        members: members
            .iter()
            .map(|m| MemberRow {
                name: m.name.clone(),
                email: m.email.clone(),
                lapsed: m.lapsed(now),
                since: long_date(m.since),
                paid_through: long_date(m.paid_through),
                payments: m.payments,
                frequency: m.frequency.as_str(),
            })
            .collect(),
        next,
    }
}

/// `GET /dashboard/memberships?status=active|lapsed&cursor=`
pub(super) async fn memberships(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    s: DashboardSession,
) -> AppResult<Response> {
    let at = now();
    let status = q.get("status").map(|v| v.trim()).unwrap_or_default();
    let filter = parse_status(Some(status), at, s.org()).map_err(|e| AppError::Invalid(vec![e]))?;
    let cursor = match q.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c).map_err(|e| AppError::Invalid(vec![e]))?),
    };
    let members = state
        .store
        .memberships(&filter, cursor.as_deref(), PAGE + 1)
        .await?;
    Ok(page(
        StatusCode::OK,
        render(&memberships_page(&s.session, status, members, at))?,
    ))
}

/// `GET /dashboard/memberships.csv?status=`: every matching member.
pub(super) async fn csv(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    s: Option<DashboardSession>,
) -> AppResult<Response> {
    let Some(s) = s else {
        return Err(AppError::Unauthorized("sign in to the dashboard".into()));
    };
    let filter = parse_status(q.get("status").map(String::as_str), now(), s.org())
        .map_err(|e| AppError::Invalid(vec![e]))?;
    Ok(crate::http::memberships_api::csv_download(
        state.store.clone(),
        filter,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::donation::Frequency;
    use crate::http::dashboard::fixtures::session;

    fn member(key: &str, paid_through: i64) -> Membership {
        Membership {
            donor_key: key.into(),
            email: key.into(),
            name: format!("Name of {key}"),
            since: 1_800_000_000,
            paid_through,
            last_paid_at: 1_800_000_000,
            payments: 1,
            frequency: Frequency::Monthly,
            updated_at: 0,
        }
    }

    #[test]
    fn members_are_shown_active_or_lapsed_with_their_dates() {
        let now = 1_801_000_000;
        let p = memberships_page(
            &session("ana"),
            "",
            vec![member("a@x.org", now - 1), member("b@x.org", now)],
            now,
        );
        let rows: Vec<_> = p
            .members
            .iter()
            .map(|m| (m.email.as_str(), m.lapsed, m.paid_through.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("a@x.org", true, "January 26, 2027"),
                ("b@x.org", false, "January 26, 2027")
            ]
        );
        assert_eq!(p.next, None);
        let html = p.render().unwrap();
        assert!(html.contains("Lapsed") && html.contains("Active"), "{html}");
        assert!(html.contains("/dashboard/memberships.csv"));
        assert!(html.contains("Monthly"));
    }

    #[test]
    fn a_full_page_links_to_the_next() {
        let members: Vec<_> = (0..=PAGE)
            .map(|i| member(&format!("m{i:04}@x.org"), 0))
            .collect();
        let p = memberships_page(&session("ana"), "lapsed", members, 1);
        assert_eq!(p.members.len(), PAGE as usize);
        let next = p.next.unwrap();
        assert!(next.starts_with("status=lapsed&cursor="), "{next}");
        assert_eq!(
            decode_cursor(next.rsplit('=').next().unwrap()).unwrap(),
            "m0199@x.org"
        );
        let empty = memberships_page(&session("ana"), "", vec![], 1)
            .render()
            .unwrap();
        assert!(empty.contains("No members yet"), "{empty}");
    }
}
