//! `GET /dashboard`: every campaign with its progress (or, signed out, the sign-in page).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{DashboardSession, page};
use crate::http::AppState;
use crate::http::donor::donation_page::{ProgressBar, render};
use crate::http::error::AppResult;
use crate::store::{Campaign, Progress, StaffSession};

/// One campaign of the list.
pub struct CampaignRow {
    pub slug: String,
    pub name: String,
    pub status: String,
    pub progress: ProgressBar,
}

#[derive(Template)]
#[template(path = "dashboard_index.html")]
pub struct IndexPage {
    pub staff: String,
    pub csrf: String,
    pub campaigns: Vec<CampaignRow>,
}

/// The list page of `session`'s staff member: a row per campaign, in the order given.
pub fn index_page(session: &StaffSession, campaigns: Vec<(Campaign, Progress)>) -> IndexPage {
    IndexPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        campaigns: campaigns
            .into_iter()
            .map(|(c, p)| CampaignRow {
                progress: ProgressBar::new(&c, p.raised_minor, p.donors),
                slug: c.slug,
                name: c.name,
                status: c.status,
            })
            .collect(),
    }
}

/// `GET /dashboard`
pub(super) async fn index(
    State(state): State<AppState>,
    s: DashboardSession,
) -> AppResult<Response> {
    let mut campaigns = Vec::new();
    for c in state.store.campaigns().await? {
        if c.organization != s.org() {
            continue;
        }
        if let Some(with_progress) = state.store.campaign_progress(&c.slug).await? {
            campaigns.push(with_progress);
        }
    }
    Ok(page(
        StatusCode::OK,
        render(&index_page(&s.session, campaigns))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::fixtures::session;

    #[test]
    fn a_row_per_campaign_with_its_progress() {
        let mut roof = Campaign::sample("roof", "Roof repair", 500_000);
        roof.status = "closed".into();
        let p = Progress {
            raised_minor: 125_050,
            donors: 3,
            ..Progress::default()
        };
        let page = index_page(
            &session("ana"),
            vec![
                (
                    Campaign::sample("demo", "Demo", 100_000),
                    Progress::default(),
                ),
                (roof, p),
            ],
        );
        assert_eq!((page.staff.as_str(), page.csrf.as_str()), ("ana", "t0k"));
        let rows: Vec<_> = page
            .campaigns
            .iter()
            .map(|r| {
                (
                    r.slug.as_str(),
                    r.name.as_str(),
                    r.status.as_str(),
                    r.progress.raised.as_str(),
                    r.progress.goal.as_str(),
                    r.progress.percent.as_str(),
                    r.progress.donors,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("demo", "Demo", "active", "$0.00", "$1,000.00", "0", 0),
                (
                    "roof",
                    "Roof repair",
                    "closed",
                    "$1,250.50",
                    "$5,000.00",
                    "25.01",
                    3
                ),
            ]
        );
    }

    #[test]
    fn no_campaigns_says_so() {
        let html = index_page(&session("ana"), vec![]).render().unwrap();
        assert!(html.contains("No campaigns yet."));
        assert!(html.contains("Signed in as ana"));
    }
}
