//! One campaign's page (`GET /dashboard/campaigns/{slug}`): progress, the summary figures, the
//! raised-per-day chart, recent donations with their filters, the offline gift form, flags;
//! and the CSV of the filtered donations (`…/donations.csv`).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::chart::{Chart, chart, daily_series};
use super::donation_filter::{FilterErrors, FilterValues, filter_query, parse_filter};
use super::fields::Field;
use super::offline_gift_form::offline_fields;
use super::{DashboardSession, FormMap, page};
use crate::domain::time::{day_of, format_time};
use crate::http::AppState;
use crate::http::donor::donation_page::{ProgressBar, frequency_label, money, render};
use crate::http::error::{AppError, AppResult};
use crate::http::staff_api::campaign_or_404;
use crate::services::checkout::campaign_fees;
use crate::services::reporting::{CampaignSummary, DONATION_STATUSES, summarize};
use crate::store::{
    Campaign, Donation, Flag, ListedDonation, ListedFlag, Progress, StaffSession, now,
};

/// Rows of the recent donations table.
const TABLE_ROWS: i64 = 50;
/// Flags shown at most.
const FLAG_ROWS: i64 = 50;

pub struct DonationRow {
    pub id: String,
    pub date: String,
    pub donor: String,
    pub anonymous: bool,
    pub gift: String,
    pub fee: String,
    /// Stripe's actual fee as its balance transactions say, or "—" while it is not known.
    pub fee_actual: String,
    pub frequency: &'static str,
    pub status: String,
    /// Dedication, comment, offline method and staff note, joined by " · ".
    pub extra: String,
    pub voidable: bool,
    /// `card`, `us_bank_account` or "" (offline): the template names it.
    pub paid_with: &'static str,
    /// The gift pays membership dues.
    pub dues: bool,
    /// The supporter's page it was given on (its slug).
    pub fundraiser: Option<String>,
}

pub struct FlagRow {
    pub created_at: String,
    pub kind: String,
    pub reason: String,
    pub donation: String,
    pub resolved: String,
}

#[derive(Template)]
#[template(path = "dashboard_campaign.html")]
pub struct CampaignPage {
    pub staff: String,
    pub csrf: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub notice: String,
    pub progress: ProgressBar,
    pub figures: Vec<(&'static str, String)>,
    pub chart: Chart,
    pub statuses: Vec<String>,
    pub filter: FilterValues,
    pub filter_errors: FilterErrors,
    /// `?` and the filters, for the CSV link (empty when there are none).
    pub csv_query: String,
    pub donations: Vec<DonationRow>,
    pub offline_fields: Vec<Field>,
    pub flags: Vec<FlagRow>,
}

/// The summary table: a label and a figure per row, in the campaign's currency.
pub fn figures(sm: &CampaignSummary, currency: &str) -> Vec<(&'static str, String)> {
    let m = |v: i64| money(v, currency);
    let mut figures = vec![
        ("Raised (counts toward the goal)", m(sm.raised_minor)),
        ("Goal", m(sm.goal_minor)),
        ("Gross charged", m(sm.gross_minor)),
        ("Fees covered by donors", m(sm.covered_fees_minor)),
        ("Processing fees", m(sm.fees_minor)),
        ("Refunded", m(sm.refunded_minor)),
        ("Disputed", m(sm.disputed_minor)),
        ("Net (card payments)", m(sm.net_minor)),
        ("Payments", sm.payments.to_string()),
        ("Offline gifts", sm.offline_gifts.to_string()),
        ("Offline total", m(sm.offline_minor)),
        ("One-time raised", m(sm.by_frequency.one_time.raised_minor)),
        ("Monthly raised", m(sm.by_frequency.monthly.raised_minor)),
        ("Annual raised", m(sm.by_frequency.annual.raised_minor)),
        ("Active recurring plans", sm.recurring_active.to_string()),
        ("Recurring per month", m(sm.recurring_monthly_minor)),
    ];
    if sm.payments > 0 {
        figures.push(("Stripe fees, estimated", m(sm.estimated_fees_minor)));
    }
    if sm.payments > sm.actual_fees_unknown {
        // Stripe's own figures, beside our estimate for the same payments.
        figures.extend([
            ("Stripe fees, actual (where known)", m(sm.actual_fees_minor)),
            (
                "Estimate for those payments",
                m(sm.actual_fees_estimate_minor),
            ),
            ("Net from Stripe (where known)", m(sm.actual_net_minor)),
        ]);
    }
    if sm.actual_fees_unknown > 0 {
        figures.push((
            "Payments whose fee is estimated",
            sm.actual_fees_unknown.to_string(),
        ));
    }
    if sm.actual_fees_other_currency > 0 {
        figures.push((
            "Payments settled in another currency (fee left out)",
            sm.actual_fees_other_currency.to_string(),
        ));
    }
    figures
}

/// One row of the donations table.
pub fn donation_row(d: &Donation) -> DonationRow {
    let mut extra = Vec::new();
    match (d.tribute_kind.as_deref(), d.tribute_honoree.as_deref()) {
        (Some("honor"), Some(h)) => extra.push(format!("In honor of {h}")),
        (Some("memory"), Some(h)) => extra.push(format!("In memory of {h}")),
        _ => {}
    }
    if let Some(c) = &d.comment {
        extra.push(format!("Comment: {c}"));
    }
    if let Some(m) = &d.offline_method {
        extra.push(format!("Offline ({m})"));
    }
    if let Some(n) = &d.note {
        extra.push(format!("Note: {n}"));
    }
    let donor = match (&d.donor_name, &d.donor_email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => "—".into(),
    };
    DonationRow {
        id: d.id.clone(),
        date: format_time(d.gift_date.unwrap_or(d.created_at))[..10].to_string(),
        donor,
        anonymous: d.anonymous,
        gift: money(d.gift_minor, &d.currency),
        fee: money(d.fee_minor, &d.currency),
        fee_actual: d
            .fee_actual_minor
            .map_or_else(|| "—".into(), |f| money(f, &d.currency)),
        frequency: frequency_label(d.frequency.as_str()),
        status: d.status.replace('_', " "),
        extra: extra.join(" · "),
        voidable: d.is_standing_offline_gift(),
        paid_with: d.payment_method.map_or("", |m| m.as_str()),
        dues: d.dues_minimum_minor.is_some(),
        fundraiser: None,
    }
}

/// One row of the flags table.
pub fn flag_row(f: &Flag) -> FlagRow {
    FlagRow {
        created_at: format_time(f.created_at),
        kind: f.kind.replace('_', " "),
        reason: f.detail.clone(),
        donation: f.donation_id.clone().unwrap_or_default(),
        resolved: f.resolved_at.map(format_time).unwrap_or_default(),
    }
}

/// What the page shows besides the campaign's own records: the filters asked for, the offline
/// gift form as it was sent (empty: a fresh form) with its errors by field, and a notice.
#[derive(Default)]
pub struct Shown {
    pub query: HashMap<String, String>,
    pub offline_form: FormMap,
    pub offline_errors: BTreeMap<String, String>,
    pub notice: &'static str,
}

/// The campaign's records the page is drawn from, as the store gave them.
pub struct PageRecords<'a> {
    pub campaign: &'a Campaign,
    pub progress: Progress,
    pub summary: &'a CampaignSummary,
    /// The filtered donations (none when a filter is bad).
    pub donations: &'a [ListedDonation],
    pub flags: &'a [ListedFlag],
}

/// The page of `r` for `session`'s staff member; `today` (a UTC day number) is the offline
/// form's default date.
pub fn campaign_view(
    session: &StaffSession,
    r: PageRecords<'_>,
    (filter, filter_errors): (FilterValues, FilterErrors),
    shown: &Shown,
    today: i64,
) -> CampaignPage {
    let c = r.campaign;
    let csv_query = filter_query(&filter);
    CampaignPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        slug: c.slug.clone(),
        name: c.name.clone(),
        status: c.status.clone(),
        notice: shown.notice.to_string(),
        progress: ProgressBar::new(c, r.progress.raised_minor, r.progress.donors),
        figures: figures(r.summary, &c.currency),
        chart: chart(&daily_series(&r.summary.daily), &c.currency, c.goal_minor),
        statuses: DONATION_STATUSES.iter().map(|s| s.to_string()).collect(),
        filter,
        filter_errors,
        csv_query: if csv_query.is_empty() {
            String::new()
        } else {
            format!("?{csv_query}")
        },
        donations: r
            .donations
            .iter()
            .map(|l| DonationRow {
                fundraiser: l.fundraiser_slug.clone(),
                ..donation_row(&l.donation)
            })
            .collect(),
        offline_fields: offline_fields(&shown.offline_form, &shown.offline_errors, today),
        flags: r.flags.iter().map(|l| flag_row(&l.flag)).collect(),
    }
}

/// Reads the campaign's records and answers its page with `status`.
pub(super) async fn render_campaign(
    state: &AppState,
    s: &DashboardSession,
    campaign: &Campaign,
    shown: &Shown,
    status: StatusCode,
) -> AppResult<Response> {
    let (c, progress) = state
        .store
        .campaign_progress(&campaign.slug)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    let records = state.store.campaign_records(c.id).await?;
    let summary = summarize(&c, &campaign_fees(&c, &state.config), &records);
    let (filter_values, filter_errors, filter) = parse_filter(&shown.query, &c);
    let donations = match &filter {
        Some(f) => state.store.list_donations(f, None, TABLE_ROWS).await?,
        None => Vec::new(),
    };
    let flags = state.store.recent_flags(Some(c.id), FLAG_ROWS).await?;
    let view = campaign_view(
        &s.session,
        PageRecords {
            campaign: &c,
            progress,
            summary: &summary,
            donations: &donations,
            flags: &flags,
        },
        (filter_values, filter_errors),
        shown,
        day_of(now()),
    );
    Ok(page(status, render(&view)?))
}

/// The notice of a `done=` parameter (after a redirect from a form).
pub fn notice(done: Option<&str>) -> &'static str {
    match done {
        Some("offline") => "Offline gift recorded.",
        Some("void") => "Offline gift voided.",
        Some("saved") => "Campaign saved.",
        Some("created") => "Campaign created.",
        _ => "",
    }
}

/// `GET /dashboard/campaigns/{slug}?status=&frequency=&from=&to=`
pub(super) async fn campaign_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    s: DashboardSession,
) -> AppResult<Response> {
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    let shown = Shown {
        notice: notice(q.get("done").map(String::as_str)),
        query: q,
        ..Shown::default()
    };
    render_campaign(&state, &s, &c, &shown, StatusCode::OK).await
}

/// `GET /dashboard/campaigns/{slug}/donations.csv`: the staff CSV download, with the session
/// (without one: 401, as the API answers).
pub(super) async fn csv(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    s: Option<DashboardSession>,
) -> AppResult<Response> {
    let Some(s) = s else {
        return Err(AppError::Unauthorized("sign in to the dashboard".into()));
    };
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    match parse_filter(&q, &c) {
        (_, _, Some(filter)) => Ok(crate::http::staff_api::csv_download(
            state.store.clone(),
            filter,
            &c.slug,
        )),
        (_, e, None) => Err(AppError::Invalid(e.into_field_errors())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fees::FeeRate;
    use crate::domain::time::parse_date;
    use crate::http::dashboard::fixtures::session;

    /// A counted offline gift of `minor` on `date`.
    fn offline(c: &Campaign, id: &str, minor: i64, date: &str) -> Donation {
        let at = parse_date(date).unwrap();
        Donation {
            source: crate::domain::donation::Source::Offline,
            status: "succeeded".into(),
            gift_minor: minor,
            total_minor: minor,
            counted_raised_minor: minor,
            counted_gifts: 1,
            offline_method: Some("check".into()),
            gift_date: Some(at),
            ..Donation::pending(id.into(), c, at + 3600)
        }
    }

    #[test]
    fn the_page_shows_the_summary_chart_and_rows_of_its_records() {
        let c = Campaign::sample("roof", "Roof repair", 100_000);
        let mut voided = offline(&c, "don_3", 9_900, "2026-01-02");
        voided.counted_raised_minor = 0;
        voided.counted_gifts = 0;
        voided.voided_at = Some(parse_date("2026-01-04").unwrap());
        let progress = Progress {
            raised_minor: 3_500,
            gifts: 2,
            donors: 2,
            ..Progress::default()
        };
        let mut named = offline(&c, "don_1", 2_500, "2026-01-03");
        named.donor_name = Some("Ana".into());
        named.note = Some("by hand".into());
        let donations = vec![named, offline(&c, "don_2", 1_000, "2026-01-01"), voided];
        let records = crate::store::CampaignRecords {
            progress,
            donations: donations.clone(),
            ..Default::default()
        };
        let rates = crate::domain::fees::MethodRates {
            card: FeeRate::parse("2.9", 30).unwrap(),
            bank_debit: FeeRate::stripe_ach(),
        };
        let summary = summarize(&c, &rates, &records);
        let listed: Vec<ListedDonation> = donations
            .into_iter()
            .map(|donation| ListedDonation {
                campaign_slug: c.slug.clone(),
                fundraiser_slug: None,
                donation,
            })
            .collect();
        let flag = Flag {
            id: 1,
            flag_key: "k".into(),
            donation_id: Some("don_1".into()),
            event_id: None,
            kind: "amount_mismatch".into(),
            detail: "the charge differs".into(),
            created_at: parse_date("2026-01-05").unwrap() + 61,
            resolved_at: None,
        };
        let flags = vec![ListedFlag {
            campaign_slug: Some(c.slug.clone()),
            flag,
        }];
        let shown = Shown {
            notice: notice(Some("offline")),
            ..Shown::default()
        };
        let today = day_of(parse_date("2026-02-01").unwrap());
        let p = campaign_view(
            &session("bo"),
            PageRecords {
                campaign: &c,
                progress,
                summary: &summary,
                donations: &listed,
                flags: &flags,
            },
            (FilterValues::default(), FilterErrors::default()),
            &shown,
            today,
        );

        assert_eq!((p.staff.as_str(), p.csrf.as_str()), ("bo", "t0k"));
        assert_eq!(p.notice, "Offline gift recorded.");
        assert_eq!(
            (p.progress.raised.as_str(), p.progress.percent.as_str()),
            ("$35.00", "3.5")
        );
        let figure = |label: &str| {
            p.figures
                .iter()
                .find(|(l, _)| *l == label)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert_eq!(figure("Raised (counts toward the goal)"), "$35.00");
        assert_eq!(figure("Goal"), "$1,000.00");
        assert_eq!(figure("Offline gifts"), "2");
        assert_eq!(figure("Offline total"), "$35.00");
        assert_eq!(figure("One-time raised"), "$35.00");
        assert_eq!(figure("Payments"), "0");
        assert_eq!(p.figures.len(), 16, "no estimated fees without payments");
        // The voided gift is not drawn: a bar on the 1st and on the 3rd.
        let days: Vec<_> = p
            .chart
            .days
            .iter()
            .map(|(d, v, total)| format!("{d} {v} {total}"))
            .collect();
        assert_eq!(
            days,
            vec!["2026-01-01 $10.00 $10.00", "2026-01-03 $25.00 $35.00"]
        );
        // Rows: the gift's own date, the donor, the method and note; only live gifts void.
        let rows: Vec<_> = p
            .donations
            .iter()
            .map(|r| {
                (
                    r.date.as_str(),
                    r.donor.as_str(),
                    r.gift.as_str(),
                    r.extra.as_str(),
                    r.voidable,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "2026-01-03",
                    "Ana",
                    "$25.00",
                    "Offline (check) · Note: by hand",
                    true
                ),
                ("2026-01-01", "—", "$10.00", "Offline (check)", true),
                ("2026-01-02", "—", "$99.00", "Offline (check)", false),
            ]
        );
        assert_eq!(p.donations[0].status, "succeeded");
        assert_eq!(p.donations[0].frequency, "one time");
        let f = &p.flags[0];
        assert_eq!(
            (
                f.created_at.as_str(),
                f.kind.as_str(),
                f.donation.as_str(),
                f.resolved.as_str()
            ),
            ("2026-01-05T00:01:01Z", "amount mismatch", "don_1", "")
        );
        // A fresh offline form: today's date, a receipt by default.
        let field = |name: &str| p.offline_fields.iter().find(|f| f.name == name).unwrap();
        assert_eq!(field("date").value, "2026-02-01");
        assert_eq!(field("email_receipt").value, "true");
        assert_eq!(p.csv_query, "");
    }

    #[test]
    fn a_card_gift_row_names_its_donor_and_dedication() {
        let c = Campaign::sample("roof", "Roof", 100);
        let d = Donation {
            donor_name: Some("Ana Pérez".into()),
            donor_email: Some("ana@example.org".into()),
            tribute_kind: Some("memory".into()),
            tribute_honoree: Some("Lynda".into()),
            comment: Some("Keep going".into()),
            frequency: crate::domain::donation::Frequency::Annual,
            status: "partially_refunded".into(),
            gift_minor: 5_000,
            fee_minor: 175,
            anonymous: true,
            ..Donation::pending(
                "don_9".into(),
                &c,
                parse_date("2026-03-04").unwrap() + 80_000,
            )
        };
        let r = donation_row(&d);
        assert_eq!(r.donor, "Ana Pérez <ana@example.org>");
        assert_eq!(r.extra, "In memory of Lynda · Comment: Keep going");
        assert_eq!((r.gift.as_str(), r.fee.as_str()), ("$50.00", "$1.75"));
        assert_eq!((r.date.as_str(), r.frequency), ("2026-03-04", "yearly"));
        assert_eq!(r.status, "partially refunded");
        assert!(r.anonymous && !r.voidable);
        let r = donation_row(&Donation {
            donor_name: None,
            ..d
        });
        assert_eq!(r.donor, "ana@example.org");
    }

    #[test]
    fn notices_after_each_form() {
        assert_eq!(notice(Some("void")), "Offline gift voided.");
        assert_eq!(notice(Some("created")), "Campaign created.");
        assert_eq!(notice(Some("other")), "");
        assert_eq!(notice(None), "");
    }
}
