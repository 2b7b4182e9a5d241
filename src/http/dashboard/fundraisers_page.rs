//! A campaign's supporters' pages (`GET /dashboard/campaigns/{slug}/fundraisers`): each page with
//! its owner, figures and standing, Approve and Hide buttons (`POST .../fundraisers/{id}/approve`
//! and `.../hide`), and the campaign's policy for new pages (`POST .../fundraising`, admins).
//! The rules are in `services::fundraisers`; every word is in `dashboard_fundraisers.html`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{CsrfForm, DashboardSession, page};
use crate::domain::staff_access::Permission;
use crate::domain::time::{day_of, format_day};
use crate::http::AppState;
use crate::http::donor::donation_page::{money, render};
use crate::http::error::{AppError, AppResult};
use crate::http::staff_api::campaign_or_404;
use crate::services::fundraisers;
use crate::store::{Campaign, ListedFundraiser, PagePolicy, Review, StaffSession, now};

pub struct PageRow {
    pub id: String,
    pub slug: String,
    /// The page's title, or its owner's name when it has none.
    pub label: String,
    pub title: String,
    pub name: String,
    pub owner_email: String,
    pub started: String,
    pub raised: String,
    pub goal: String,
    pub donors: i64,
    /// `Review::as_str`
    pub review: &'static str,
    /// `Standing::as_str`
    pub standing: &'static str,
    pub edited: bool,
    pub reviewed_by: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard_fundraisers.html")]
pub struct FundraisersPage {
    pub staff: String,
    pub csrf: String,
    pub slug: String,
    pub name: String,
    /// `PagePolicy::as_str`
    pub policy: &'static str,
    pub can_review: bool,
    pub can_set_policy: bool,
    /// After a redirect: `approved`, `hidden`, `policy` or empty.
    pub notice: &'static str,
    pub rows: Vec<PageRow>,
}

/// One row of the table.
pub fn page_row(c: &Campaign, l: &ListedFundraiser, policy: PagePolicy) -> PageRow {
    let f = &l.fundraiser;
    PageRow {
        id: f.id.clone(),
        slug: f.slug.clone(),
        label: if f.title.is_empty() {
            f.name.clone()
        } else {
            f.title.clone()
        },
        title: if f.title.is_empty() {
            String::new()
        } else {
            f.name.clone()
        },
        name: f.name.clone(),
        owner_email: f.owner_email.clone(),
        started: format_day(day_of(f.created_at)),
        raised: money(l.progress.raised_minor, &c.currency),
        goal: money(f.goal_minor, &c.currency),
        donors: l.progress.donors,
        review: f.review.as_str(),
        standing: f.standing(policy).as_str(),
        edited: f.edited_since_review(),
        reviewed_by: f.reviewed_by.clone(),
    }
}

/// The page of `c`'s pages for `session`'s staff member.
pub fn fundraisers_view(
    session: &StaffSession,
    c: &Campaign,
    policy: PagePolicy,
    pages: &[ListedFundraiser],
    notice: &'static str,
) -> FundraisersPage {
    FundraisersPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        slug: c.slug.clone(),
        name: c.name.clone(),
        policy: policy.as_str(),
        can_review: session.role.may(Permission::ReviewPages),
        can_set_policy: session.role.may(Permission::ManageCampaigns),
        notice,
        rows: pages.iter().map(|l| page_row(c, l, policy)).collect(),
    }
}

/// `GET /dashboard/campaigns/{slug}/fundraisers`
pub(super) async fn fundraisers_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    s: DashboardSession,
) -> AppResult<Response> {
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    let policy = state.store.page_policy(c.id).await?;
    let pages = state.store.fundraisers_of(c.id, None).await?;
    let notice = match q.get("done").map(String::as_str) {
        Some("approved") => "approved",
        Some("hidden") => "hidden",
        Some("policy") => "policy",
        _ => "",
    };
    let view = fundraisers_view(&s.session, &c, policy, &pages, notice);
    Ok(page(StatusCode::OK, render(&view)?))
}

/// Staff's decision about a page of campaign `slug`, then back to the list.
async fn decide(
    state: &AppState,
    s: &DashboardSession,
    slug: &str,
    id: &str,
    review: Review,
) -> AppResult<Response> {
    s.require(Permission::ReviewPages)?;
    let c = campaign_or_404(state, s.org(), slug).await?;
    let f = state
        .store
        .fundraiser(id)
        .await?
        .filter(|f| f.campaign_id == c.id)
        .ok_or_else(|| AppError::NotFound("no such page in this campaign".into()))?;
    fundraisers::review(
        state.store.as_ref(),
        &f.id,
        review,
        &s.session.staff_name,
        now(),
    )
    .await?;
    let done = match review {
        Review::Hidden => "hidden",
        _ => "approved",
    };
    Ok(Redirect::to(&format!(
        "/dashboard/campaigns/{slug}/fundraisers?done={done}"
    ))
    .into_response())
}

/// `POST /dashboard/campaigns/{slug}/fundraisers/{id}/approve`
pub(super) async fn approve(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    f: CsrfForm,
) -> AppResult<Response> {
    decide(&state, &f.session, &slug, &id, Review::Approved).await
}

/// `POST /dashboard/campaigns/{slug}/fundraisers/{id}/hide`
pub(super) async fn hide(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    f: CsrfForm,
) -> AppResult<Response> {
    decide(&state, &f.session, &slug, &id, Review::Hidden).await
}

/// `POST /dashboard/campaigns/{slug}/fundraising`: the campaign's policy for new pages.
pub(super) async fn set_policy(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    f: CsrfForm,
) -> AppResult<Response> {
    f.session.require(Permission::ManageCampaigns)?;
    let c = campaign_or_404(&state, f.session.org(), &slug).await?;
    let policy: PagePolicy = f
        .form
        .get("pages")
        .map(|p| p.trim())
        .unwrap_or_default()
        .parse()
        .map_err(|_| AppError::invalid("pages", "must be review, open or off"))?;
    state.store.set_page_policy(c.id, policy, now()).await?;
    Ok(Redirect::to(&format!(
        "/dashboard/campaigns/{slug}/fundraisers?done=policy"
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::fixtures::session;
    use crate::store::{Fundraiser, Progress};

    fn listed(slug: &str, title: &str, review: Review, confirmed: bool) -> ListedFundraiser {
        ListedFundraiser {
            fundraiser: Fundraiser {
                id: format!("fr_{slug}"),
                campaign_id: 1,
                slug: slug.into(),
                name: "Ana Pérez".into(),
                title: title.into(),
                story: String::new(),
                goal_minor: 50_000,
                owner_email: "ana@example.org".into(),
                owner_key: "ana@example.org".into(),
                review,
                confirmed_at: confirmed.then_some(10),
                reviewed_at: Some(20),
                reviewed_by: Some("bo".into()),
                created_at: 1_795_219_200,
                updated_at: 30,
                language: "en".into(),
            },
            progress: Progress {
                raised_minor: 7_500,
                donors: 2,
                gifts: 2,
                ..Progress::default()
            },
        }
    }

    #[test]
    fn each_page_shows_its_owner_figures_and_standing() {
        let c = Campaign::sample("roof", "Roof", 1_000_000);
        let pages = vec![
            listed("ana", "", Review::Approved, true),
            listed("ben", "Ben bikes", Review::Pending, true),
            listed("cy", "", Review::Pending, false),
            listed("dee", "", Review::Hidden, true),
        ];
        let mut staff = session("bo");
        staff.role = crate::store::StaffRole::Staff;
        let p = fundraisers_view(&staff, &c, PagePolicy::Review, &pages, "approved");
        assert!(p.can_review && !p.can_set_policy);
        assert_eq!(p.policy, "review");
        let r = &p.rows[0];
        assert_eq!(
            (
                r.label.as_str(),
                r.raised.as_str(),
                r.goal.as_str(),
                r.donors
            ),
            ("Ana Pérez", "$75.00", "$500.00", 2)
        );
        assert_eq!(
            (r.started.as_str(), r.owner_email.as_str()),
            ("2026-11-21", "ana@example.org")
        );
        assert!(r.edited, "edited after it was approved");
        let standings: Vec<_> = p.rows.iter().map(|r| r.standing).collect();
        assert_eq!(
            standings,
            ["public", "awaiting_review", "unconfirmed", "hidden"]
        );
        assert_eq!(
            (p.rows[1].label.as_str(), p.rows[1].title.as_str()),
            ("Ben bikes", "Ana Pérez")
        );
        // Open: a confirmed page needs no approval.
        let p = fundraisers_view(&session("bo"), &c, PagePolicy::Open, &pages, "");
        assert_eq!(p.rows[1].standing, "public");
        assert!(p.can_set_policy);
    }
}
