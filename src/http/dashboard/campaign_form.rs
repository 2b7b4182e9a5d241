//! Campaign create and edit: `GET /dashboard/campaigns/new` and `POST /dashboard/campaigns`,
//! `GET|POST /dashboard/campaigns/{slug}/edit`. The form's values go through the API's own
//! parsing (`NewCampaign`, `CampaignPatch`), so both doors accept and refuse the same campaigns;
//! a refused form comes back with each error at its field.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::fields::{Field, attach_errors, by_field, field, nonempty};
use super::{CsrfForm, DashboardSession, FormMap, page};
use crate::domain::money::{Currency, format_major};
use crate::domain::time::{RANGE_DETAIL, accepted, format_time, parse_date};
use crate::http::AppState;
use crate::http::donor::donation_page::render;
use crate::http::error::{AppResult, FieldError};
use crate::http::staff_api::campaign_or_404;
use crate::services::campaign_admin::{CampaignPatch, MajorAmount, NewCampaign};
use crate::store::{Campaign, StaffSession, StoreError};

#[derive(Template)]
#[template(path = "dashboard_campaign_form.html")]
pub struct CampaignFormPage {
    pub staff: String,
    pub csrf: String,
    pub creating: bool,
    /// Where the form posts.
    pub action: String,
    pub f: FormTitle,
    pub fields: Vec<Field>,
    pub errors: BTreeMap<String, String>,
    /// The errors of no field, joined.
    pub other_error: String,
}

pub struct FormTitle {
    /// The campaign's name before the edit (empty when creating).
    pub name: String,
}

/// A stored time as the date input shows it; the end is the last day included.
pub fn date_of(t: Option<i64>, is_end: bool) -> String {
    t.map(|t| format_time(if is_end { t - 1 } else { t })[..10].to_string())
        .unwrap_or_default()
}

/// A date input's value as the API's time: the start at its midnight UTC, the end at the next.
pub fn time_of(v: Option<String>, is_end: bool) -> Result<Option<String>, String> {
    match v {
        None => Ok(None),
        Some(v) => match parse_date(&v) {
            Some(t) => {
                let t = if is_end { t + 86_400 } else { t };
                if accepted(t) {
                    Ok(Some(format_time(t)))
                } else {
                    Err(RANGE_DETAIL.into())
                }
            }
            None => Err("must be a date such as 2026-12-31".into()),
        },
    }
}

/// The form's fields with the values of `form`; slug and currency only when creating.
pub fn campaign_fields(form: &FormMap, creating: bool) -> Vec<Field> {
    let v = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut fields = Vec::new();
    if creating {
        fields.push(Field {
            hint: "Lowercase letters, digits and dashes; the page is /donate/SLUG.",
            ..field("slug", "Slug", "text", v("slug"))
        });
    }
    fields.push(field("name", "Name", "text", v("name")));
    fields.push(field(
        "description",
        "Description",
        "textarea",
        v("description"),
    ));
    fields.push(Field {
        hint: "In major units, e.g. 100000.",
        ..field("goal", "Goal", "text", v("goal"))
    });
    if creating {
        fields.push(Field {
            hint: "A three-letter code; usd when empty.",
            ..field("currency", "Currency", "text", v("currency"))
        });
    }
    fields.push(field(
        "starts_at",
        "Starts on (optional)",
        "date",
        v("starts_at"),
    ));
    fields.push(Field {
        hint: "The last day gifts are taken (UTC).",
        ..field("ends_at", "Ends after (optional)", "date", v("ends_at"))
    });
    fields.push(Field {
        hint: "The percent part of the processing fee, e.g. 2.9.",
        ..field("fee_percent", "Fee percent", "text", v("fee_percent"))
    });
    fields.push(Field {
        hint: "The fixed part in minor units (cents), e.g. 30.",
        ..field(
            "fee_fixed_minor",
            "Fixed fee",
            "number",
            v("fee_fixed_minor"),
        )
    });
    fields.push(Field {
        options: vec!["active".into(), "closed".into()],
        ..field("status", "Status", "select", v("status"))
    });
    fields.push(field(
        "hide_amounts",
        "Hide amounts on the donor wall",
        "checkbox",
        v("hide_amounts"),
    ));
    fields.push(Field {
        hint: "US bank accounts (ACH Direct Debit) beside cards; usd campaigns only. \
               Turn ACH Direct Debit on in Stripe's payment method settings too.",
        ..field(
            "bank_debit",
            "Offer bank account (ACH) payments",
            "checkbox",
            v("bank_debit"),
        )
    });
    fields.push(Field {
        hint: "Membership dues per year in major units, e.g. 60; a monthly gift must be a \
               twelfth of it (rounded up). Empty: not a membership campaign.",
        ..field(
            "membership_dues",
            "Membership dues per year (optional)",
            "text",
            v("membership_dues"),
        )
    });
    fields.push(field(
        "dues_not_deductible",
        "Dues receipts say the dues are not tax-deductible",
        "checkbox",
        v("dues_not_deductible"),
    ));
    fields
}

/// Whether a checkbox of the form is ticked.
fn checkbox(form: &FormMap, name: &str) -> bool {
    form.get(name).is_some_and(|v| v == "true")
}

/// A campaign as its edit form shows it.
pub fn form_of(c: &Campaign) -> FormMap {
    let mut f = FormMap::new();
    f.insert("name".into(), c.name.clone());
    f.insert("description".into(), c.description.clone());
    let cur = Currency::parse(&c.currency).unwrap_or(Currency::USD);
    f.insert("goal".into(), format_major(c.goal_minor, cur));
    f.insert("starts_at".into(), date_of(c.starts_at, false));
    f.insert("ends_at".into(), date_of(c.ends_at, true));
    f.insert("fee_percent".into(), c.fee_percent.clone());
    f.insert("fee_fixed_minor".into(), c.fee_fixed_minor.to_string());
    f.insert("status".into(), c.status.clone());
    for (name, on) in [
        ("hide_amounts", c.hide_amounts),
        ("bank_debit", c.bank_debit),
        ("dues_not_deductible", c.dues_not_deductible),
    ] {
        if on {
            f.insert(name.into(), "true".into());
        }
    }
    if let Some(dues) = c.membership_dues_minor {
        f.insert("membership_dues".into(), format_major(dues, cur));
    }
    f
}

/// Which form: a new campaign's, or the edit form of the campaign named `title`.
pub enum FormKind<'a> {
    Create,
    Edit { slug: &'a str, title: &'a str },
}

/// The form page for `session`'s staff member, with `form`'s values and `errors` by field.
pub fn campaign_form_view(
    session: &StaffSession,
    kind: FormKind<'_>,
    form: &FormMap,
    errors: BTreeMap<String, String>,
) -> CampaignFormPage {
    let (creating, action, title) = match kind {
        FormKind::Create => (true, "/dashboard/campaigns".to_string(), String::new()),
        FormKind::Edit { slug, title } => (
            false,
            format!("/dashboard/campaigns/{slug}/edit"),
            title.to_string(),
        ),
    };
    let mut fields = campaign_fields(form, creating);
    let other_error = attach_errors(&mut fields, &errors);
    CampaignFormPage {
        staff: session.staff_name.clone(),
        csrf: session.csrf_token.clone(),
        creating,
        action,
        f: FormTitle { name: title },
        fields,
        errors,
        other_error,
    }
}

fn form_page(
    s: &DashboardSession,
    kind: FormKind<'_>,
    form: &FormMap,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    Ok(page(
        status,
        render(&campaign_form_view(&s.session, kind, form, errors))?,
    ))
}

/// `GET /dashboard/campaigns/new`: the form with the default fee and status.
pub(super) async fn new_campaign(
    State(state): State<AppState>,
    s: DashboardSession,
) -> AppResult<Response> {
    s.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    let mut form = FormMap::new();
    form.insert("status".into(), "active".into());
    form.insert(
        "fee_percent".into(),
        state.config.default_fee.percent().to_string(),
    );
    form.insert(
        "fee_fixed_minor".into(),
        state.config.default_fee.fixed_minor().to_string(),
    );
    form_page(&s, FormKind::Create, &form, BTreeMap::new(), StatusCode::OK)
}

/// Dates and the fixed fee as the API types take them, or errors by field.
pub struct Common {
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub fee_fixed_minor: Option<i64>,
}

pub fn common(form: &FormMap, errors: &mut Vec<FieldError>) -> Common {
    let starts_at = time_of(nonempty(form, "starts_at"), false)
        .map_err(|e| errors.push(FieldError::new("starts_at", e)))
        .unwrap_or(None);
    let ends_at = time_of(nonempty(form, "ends_at"), true)
        .map_err(|e| errors.push(FieldError::new("ends_at", e)))
        .unwrap_or(None);
    let fee_fixed_minor = match nonempty(form, "fee_fixed_minor") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "fee_fixed_minor",
                    "must be a whole number of minor units",
                ));
                None
            }
        },
    };
    Common {
        starts_at,
        ends_at,
        fee_fixed_minor,
    }
}

/// What the API's parsing made of the form, unless the form's own checks (`form_errors`) or
/// that parsing found errors: then all of them, by field.
pub fn checked<T>(
    mut form_errors: Vec<FieldError>,
    parsed: Result<T, Vec<FieldError>>,
) -> Result<T, BTreeMap<String, String>> {
    match parsed {
        Ok(f) if form_errors.is_empty() => Ok(f),
        other => {
            if let Err(e) = other {
                form_errors.extend(e);
            }
            Err(by_field(form_errors))
        }
    }
}

/// `POST /dashboard/campaigns`
pub(super) async fn create_campaign(
    State(state): State<AppState>,
    CsrfForm { session: s, form }: CsrfForm,
) -> AppResult<Response> {
    s.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    let mut errors = Vec::new();
    let cm = common(&form, &mut errors);
    let body = NewCampaign {
        slug: form.get("slug").cloned().unwrap_or_default(),
        name: form.get("name").cloned().unwrap_or_default(),
        description: form.get("description").cloned().unwrap_or_default(),
        goal: MajorAmount(form.get("goal").cloned().unwrap_or_default()),
        currency: nonempty(&form, "currency"),
        starts_at: cm.starts_at,
        ends_at: cm.ends_at,
        fee_percent: nonempty(&form, "fee_percent"),
        fee_fixed_minor: cm.fee_fixed_minor,
        status: nonempty(&form, "status"),
        success_url: None,
        cancel_url: None,
        hide_amounts: Some(form.get("hide_amounts").is_some_and(|v| v == "true")),
        // The default minimum gift ($1.00); staff change it through the API.
        min_gift_minor: None,
        bank_debit: Some(checkbox(&form, "bank_debit")),
        membership_dues: nonempty(&form, "membership_dues").map(MajorAmount),
        dues_not_deductible: Some(checkbox(&form, "dues_not_deductible")),
    };
    let fields = match checked(errors, body.parse(&state.config)) {
        Ok(f) => f,
        Err(errors) => {
            return form_page(
                &s,
                FormKind::Create,
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match state
        .store
        .create_campaign_in(s.org(), &fields, &body.options(&state.config))
        .await
    {
        Ok(c) => {
            tracing::info!(staff = %s.session.staff_name, slug = %c.slug, "campaign created");
            Ok(
                Redirect::to(&format!("/dashboard/campaigns/{}?done=created", c.slug))
                    .into_response(),
            )
        }
        Err(StoreError::Conflict(_)) => form_page(
            &s,
            FormKind::Create,
            &form,
            by_field(vec![FieldError::new("slug", "is already taken")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

/// `GET /dashboard/campaigns/{slug}/edit`
pub(super) async fn edit_campaign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    s: DashboardSession,
) -> AppResult<Response> {
    s.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    form_page(
        &s,
        FormKind::Edit {
            slug: &c.slug,
            title: &c.name,
        },
        &form_of(&c),
        BTreeMap::new(),
        StatusCode::OK,
    )
}

/// `POST /dashboard/campaigns/{slug}/edit`: every field of the form replaces the campaign's.
pub(super) async fn update_campaign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm { session: s, form }: CsrfForm,
) -> AppResult<Response> {
    s.require(crate::domain::staff_access::Permission::ManageCampaigns)?;
    let current = campaign_or_404(&state, s.org(), &slug).await?;
    let mut errors = Vec::new();
    let cm = common(&form, &mut errors);
    let patch = CampaignPatch {
        name: Some(form.get("name").cloned().unwrap_or_default()),
        description: Some(form.get("description").cloned().unwrap_or_default()),
        goal: Some(MajorAmount(form.get("goal").cloned().unwrap_or_default())),
        starts_at: Some(cm.starts_at),
        ends_at: Some(cm.ends_at),
        fee_percent: nonempty(&form, "fee_percent"),
        fee_fixed_minor: cm.fee_fixed_minor,
        status: nonempty(&form, "status"),
        hide_amounts: Some(form.get("hide_amounts").is_some_and(|v| v == "true")),
        bank_debit: Some(checkbox(&form, "bank_debit")),
        // An empty field makes it a campaign of gifts again.
        membership_dues: Some(nonempty(&form, "membership_dues").map(MajorAmount)),
        dues_not_deductible: Some(checkbox(&form, "dues_not_deductible")),
        ..CampaignPatch::default()
    };
    let fields = match checked(errors, patch.apply(&current, &state.config)) {
        Ok(f) => f,
        Err(errors) => {
            return form_page(
                &s,
                FormKind::Edit {
                    slug: &current.slug,
                    title: &current.name,
                },
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let c = state
        .store
        .update_campaign(
            current.id,
            &fields,
            &patch.apply_options(&current, &state.config),
        )
        .await?;
    tracing::info!(staff = %s.session.staff_name, slug = %c.slug, "campaign updated");
    Ok(Redirect::to(&format!("/dashboard/campaigns/{}?done=saved", c.slug)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::fixtures::{form, session};

    #[test]
    fn the_edit_form_shows_the_campaign_with_its_last_day() {
        let mut c = Campaign::sample("roof", "Roof", 1_234_567);
        c.starts_at = parse_date("2026-01-01");
        // Stored as the midnight after the last day.
        c.ends_at = parse_date("2027-01-01");
        c.hide_amounts = true;
        let f = form_of(&c);
        let get = |k: &str| f.get(k).map(String::as_str);
        assert_eq!(get("goal"), Some("12345.67"));
        assert_eq!(get("starts_at"), Some("2026-01-01"));
        assert_eq!(get("ends_at"), Some("2026-12-31"));
        assert_eq!(
            (get("fee_percent"), get("fee_fixed_minor")),
            (Some("2.9"), Some("30"))
        );
        assert_eq!(
            (get("status"), get("hide_amounts")),
            (Some("active"), Some("true"))
        );

        let p = campaign_form_view(
            &session("cy"),
            FormKind::Edit {
                slug: "roof",
                title: "Roof",
            },
            &f,
            BTreeMap::new(),
        );
        assert!(!p.creating);
        assert_eq!(p.action, "/dashboard/campaigns/roof/edit");
        assert_eq!(p.f.name, "Roof");
        // No slug or currency once created.
        let names: Vec<_> = p.fields.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            vec![
                "name",
                "description",
                "goal",
                "starts_at",
                "ends_at",
                "fee_percent",
                "fee_fixed_minor",
                "status",
                "hide_amounts",
                "bank_debit",
                "membership_dues",
                "dues_not_deductible",
            ]
        );
        assert_eq!(p.fields[4].value, "2026-12-31");
    }

    #[test]
    fn a_refused_new_campaign_shows_each_error_at_its_field() {
        let sent = form(&[("slug", "Roof!"), ("goal", "lots")]);
        let errors = by_field(vec![
            FieldError::new("slug", "must be lowercase"),
            FieldError::new("goal", "must be a number"),
            FieldError::new("success_url", "is not a URL"),
        ]);
        let p = campaign_form_view(&session("cy"), FormKind::Create, &sent, errors);
        assert!(p.creating);
        assert_eq!(p.action, "/dashboard/campaigns");
        let slug = &p.fields[0];
        assert_eq!((slug.name, slug.value.as_str()), ("slug", "Roof!"));
        assert_eq!(slug.error, "must be lowercase");
        let goal = p.fields.iter().find(|f| f.name == "goal").unwrap();
        assert_eq!(goal.error, "must be a number");
        assert!(p.fields.iter().any(|f| f.name == "currency"));
        assert_eq!(p.other_error, "success_url is not a URL");
        assert_eq!(p.errors.len(), 3);
    }

    #[test]
    fn dates_and_the_fixed_fee_are_read_as_the_api_takes_them() {
        let mut errors = Vec::new();
        let cm = common(
            &form(&[
                ("starts_at", "2026-01-01"),
                ("ends_at", " 2026-12-31 "),
                ("fee_fixed_minor", "30"),
            ]),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(cm.starts_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        // The end is the midnight after the last day.
        assert_eq!(cm.ends_at.as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(cm.fee_fixed_minor, Some(30));

        let cm = common(
            &form(&[
                ("starts_at", "soon"),
                ("ends_at", "9999-12-31"),
                ("fee_fixed_minor", "3.5"),
            ]),
            &mut errors,
        );
        assert_eq!(
            (cm.starts_at, cm.ends_at, cm.fee_fixed_minor),
            (None, None, None)
        );
        let by: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_deref().unwrap_or(""), e.detail.as_str()))
            .collect();
        assert_eq!(
            by,
            vec![
                ("starts_at", "must be a date such as 2026-12-31"),
                ("ends_at", RANGE_DETAIL),
                ("fee_fixed_minor", "must be a whole number of minor units"),
            ]
        );
        assert_eq!(time_of(None, true), Ok(None));
    }

    #[test]
    fn the_form_checks_errors_come_first_then_the_api_parse() {
        let parsed: Result<(), Vec<FieldError>> = Err(vec![
            FieldError::new("goal", "must be positive"),
            FieldError::new("ends_at", "must be after starts_at"),
        ]);
        let errors = checked(
            vec![FieldError::new(
                "ends_at",
                "must be a date such as 2026-12-31",
            )],
            parsed,
        )
        .unwrap_err();
        assert_eq!(
            errors.into_iter().collect::<Vec<_>>(),
            vec![
                (
                    "ends_at".to_string(),
                    "must be a date such as 2026-12-31".to_string()
                ),
                ("goal".to_string(), "must be positive".to_string()),
            ]
        );
        // The form's own errors refuse it even when the API's parse passes.
        assert!(checked(vec![FieldError::new("starts_at", "x")], Ok(1)).is_err());
        assert_eq!(checked(vec![], Ok(1)), Ok(1));
    }
}
