//! Offline gifts from the campaign page: the form's fields, `POST …/offline-gifts` (record a
//! check, cash or other gift; bad input shows the page again with each error at its field) and
//! `POST …/offline-gifts/{id}/void`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::campaign_page::{Shown, render_campaign};
use super::fields::{Field, attach_errors, by_field, field, nonempty};
use super::{CsrfForm, FormMap};
use crate::domain::time::format_day;
use crate::http::AppState;
use crate::http::error::AppResult;
use crate::http::staff_api::campaign_or_404;
use crate::services::campaign_admin::MajorAmount;
use crate::services::offline_gifts::{self, OfflineDonorInput, OfflineGiftError, OfflineGiftInput};
use crate::store::now;

/// The offline gift form: as sent (`form`, with `errors` by field), or fresh when `form` is
/// empty, dated `today` (a UTC day number) and with a receipt by default.
pub fn offline_fields(form: &FormMap, errors: &BTreeMap<String, String>, today: i64) -> Vec<Field> {
    let v = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut fields = vec![
        field("amount", "Amount", "text", v("amount")),
        field(
            "date",
            "Date of the gift",
            "date",
            form.get("date")
                .cloned()
                .unwrap_or_else(|| format_day(today)),
        ),
        Field {
            options: vec!["check".into(), "cash".into(), "other".into()],
            ..field("method", "Method", "select", v("method"))
        },
        field(
            "donor_name",
            "Donor name (optional)",
            "text",
            v("donor_name"),
        ),
        field(
            "donor_email",
            "Donor email (optional)",
            "email",
            v("donor_email"),
        ),
        field("note", "Note for staff (optional)", "textarea", v("note")),
        field("anonymous", "Anonymous", "checkbox", v("anonymous")),
        // Checked on a new form; after an error, as the staff member left it.
        field(
            "email_receipt",
            "Email the donor a receipt",
            "checkbox",
            form.get("email_receipt").cloned().unwrap_or_else(|| {
                if form.is_empty() {
                    "true".into()
                } else {
                    String::new()
                }
            }),
        ),
    ];
    let other = attach_errors(&mut fields, errors);
    if !other.is_empty() {
        fields[0].error = other;
    }
    fields
}

/// The form as the use case takes it.
pub fn offline_input(form: &FormMap) -> OfflineGiftInput {
    let name = nonempty(form, "donor_name");
    let email = nonempty(form, "donor_email");
    OfflineGiftInput {
        amount: MajorAmount(form.get("amount").cloned().unwrap_or_default()),
        date: form.get("date").cloned().unwrap_or_default(),
        method: form.get("method").cloned().unwrap_or_default(),
        donor: (name.is_some() || email.is_some()).then_some(OfflineDonorInput { name, email }),
        note: nonempty(form, "note"),
        anonymous: form.get("anonymous").is_some_and(|v| v == "true"),
        email_receipt: form.get("email_receipt").is_some_and(|v| v == "true"),
    }
}

/// `POST /dashboard/campaigns/{slug}/offline-gifts`
pub(super) async fn add_offline_gift(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm { session: s, form }: CsrfForm,
) -> AppResult<Response> {
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    let input = offline_input(&form);
    match offline_gifts::record(state.store.as_ref(), &c, &state.config, &input, now()).await {
        Ok(d) => {
            tracing::info!(staff = %s.session.staff_name, donation = %d.id, "offline gift recorded");
            Ok(
                Redirect::to(&format!("/dashboard/campaigns/{}?done=offline", c.slug))
                    .into_response(),
            )
        }
        Err(OfflineGiftError::Invalid(errors)) => {
            let shown = Shown {
                offline_errors: by_field(errors),
                offline_form: form,
                ..Shown::default()
            };
            render_campaign(&state, &s, &c, &shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /dashboard/campaigns/{slug}/offline-gifts/{id}/void`: voiding twice is no error.
pub(super) async fn void_offline_gift(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm { session: s, .. }: CsrfForm,
) -> AppResult<Response> {
    let c = campaign_or_404(&state, s.org(), &slug).await?;
    match offline_gifts::void(state.store.as_ref(), &c, &id, now()).await {
        Ok(_) | Err(OfflineGiftError::AlreadyVoid(_)) => {
            tracing::info!(staff = %s.session.staff_name, donation = %id, "offline gift voided");
            Ok(Redirect::to(&format!("/dashboard/campaigns/{}?done=void", c.slug)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{day_of, parse_date};
    use crate::http::dashboard::fixtures::form;

    fn values(fields: &[Field]) -> Vec<(&str, &str, &str)> {
        fields
            .iter()
            .map(|f| (f.name, f.value.as_str(), f.error.as_str()))
            .collect()
    }

    #[test]
    fn a_fresh_form_is_dated_today_with_a_receipt() {
        let today = day_of(parse_date("2026-07-04").unwrap());
        let fields = offline_fields(&FormMap::new(), &BTreeMap::new(), today);
        assert_eq!(
            values(&fields),
            vec![
                ("amount", "", ""),
                ("date", "2026-07-04", ""),
                ("method", "", ""),
                ("donor_name", "", ""),
                ("donor_email", "", ""),
                ("note", "", ""),
                ("anonymous", "", ""),
                ("email_receipt", "true", ""),
            ]
        );
        assert_eq!(fields[2].options, vec!["check", "cash", "other"]);
    }

    #[test]
    fn a_sent_form_comes_back_as_sent_with_its_errors() {
        // Only the CSRF token sent: the receipt box was left unchecked.
        let sent = form(&[("csrf", "t"), ("amount", "x"), ("donor_name", "Bo")]);
        let errors = BTreeMap::from([
            ("amount".to_string(), "must be a number".to_string()),
            ("donor.email".to_string(), "is not an email".to_string()),
            ("other".to_string(), "went wrong".to_string()),
        ]);
        let fields = offline_fields(&sent, &errors, 0);
        let v = values(&fields);
        // An error of no field is shown at the first.
        assert_eq!(v[0], ("amount", "x", "other went wrong"));
        assert_eq!(v[1], ("date", "1970-01-01", ""));
        assert_eq!(v[3], ("donor_name", "Bo", ""));
        assert_eq!(v[4], ("donor_email", "", "is not an email"));
        assert_eq!(v[7], ("email_receipt", "", ""));
    }

    #[test]
    fn the_form_becomes_the_use_case_input() {
        let i = offline_input(&form(&[
            ("amount", "12.50"),
            ("date", "2026-01-02"),
            ("method", "check"),
            ("donor_name", "  "),
            ("donor_email", " bo@example.org "),
            ("note", "at the door"),
            ("anonymous", "true"),
        ]));
        assert_eq!(i.amount.0, "12.50");
        assert_eq!(
            (i.date.as_str(), i.method.as_str()),
            ("2026-01-02", "check")
        );
        let donor = i.donor.unwrap();
        assert_eq!(
            (donor.name, donor.email.as_deref()),
            (None, Some("bo@example.org"))
        );
        assert_eq!(i.note.as_deref(), Some("at the door"));
        assert!(i.anonymous && !i.email_receipt);
        assert!(offline_input(&FormMap::new()).donor.is_none());
    }
}
