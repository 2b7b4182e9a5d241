//! The donation filters of a campaign page and its CSV download (`?status=&frequency=&from=&to=`):
//! each field checked, with its own error, before any donation is read.

use std::collections::HashMap;

use crate::domain::contribution::Frequency;
use crate::http::error::FieldError;
use crate::services::reporting::{DONATION_STATUSES, parse_bound};
use crate::store::{Campaign, DonationFilter};

/// The donation filters as the staff member typed them (trimmed).
#[derive(Default)]
pub struct FilterValues {
    pub status: String,
    pub frequency: String,
    pub from: String,
    pub to: String,
}

/// Each filter's error (empty: none).
#[derive(Default)]
pub struct FilterErrors {
    pub status: String,
    pub frequency: String,
    pub from: String,
    pub to: String,
}

impl FilterErrors {
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.frequency.is_empty()
            && self.from.is_empty()
            && self.to.is_empty()
    }

    /// The errors as the API names them, for the CSV download's 422.
    pub fn into_field_errors(self) -> Vec<FieldError> {
        [
            ("status", self.status),
            ("frequency", self.frequency),
            ("from", self.from),
            ("to", self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| FieldError::new(k, v))
        .collect()
    }
}

/// The donation filter of a query, with an error per bad field; the filter is `None` when any
/// field is bad.
pub fn parse_filter(
    q: &HashMap<String, String>,
    campaign: &Campaign,
) -> (FilterValues, FilterErrors, Option<DonationFilter>) {
    let v = |k: &str| q.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let values = FilterValues {
        status: v("status"),
        frequency: v("frequency"),
        from: v("from"),
        to: v("to"),
    };
    let mut errors = FilterErrors::default();
    if !values.status.is_empty() && !DONATION_STATUSES.contains(&values.status.as_str()) {
        errors.status = "is not a status".into();
    }
    if !values.frequency.is_empty() && Frequency::parse(&values.frequency).is_none() {
        errors.frequency = "must be one time, monthly or annual".into();
    }
    let bound = |name: &str, v: &str, end: bool, out: &mut String| {
        if v.is_empty() {
            return None;
        }
        parse_bound(name, v, end).map_err(|e| *out = e.detail).ok()
    };
    let from = bound("from", &values.from, false, &mut errors.from);
    let to = bound("to", &values.to, true, &mut errors.to);
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        errors.to = "must be after from".into();
    }
    let filter = errors.is_empty().then(|| DonationFilter {
        campaign_id: Some(campaign.id),
        status: (!values.status.is_empty()).then(|| values.status.clone()),
        frequency: (!values.frequency.is_empty()).then(|| values.frequency.clone()),
        from,
        to,
        fundraiser_id: None,
        organization: Some(campaign.organization.clone()),
    });
    (values, errors, filter)
}

/// The filters as a query string (without `?`), for the CSV link.
pub fn filter_query(f: &FilterValues) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", &f.status),
        ("frequency", &f.frequency),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_date;
    use crate::http::dashboard::fixtures::form;

    #[test]
    fn filters_are_checked_field_by_field() {
        let c = Campaign::sample("roof", "Roof", 100);
        let (v, e, f) = parse_filter(
            &form(&[
                ("status", " succeeded "),
                ("frequency", "monthly"),
                ("from", "2026-01-01"),
            ]),
            &c,
        );
        let f = f.unwrap();
        assert_eq!(v.status, "succeeded");
        assert_eq!(
            (f.campaign_id, f.status.as_deref(), f.frequency.as_deref()),
            (Some(1), Some("succeeded"), Some("monthly"))
        );
        assert_eq!((f.from, f.to), (parse_date("2026-01-01"), None));
        assert!(e.is_empty());
        assert_eq!(
            filter_query(&v),
            "status=succeeded&frequency=monthly&from=2026-01-01"
        );

        let (_, e, f) = parse_filter(
            &form(&[("status", "lost"), ("frequency", "weekly"), ("to", "soon")]),
            &c,
        );
        assert!(f.is_none());
        assert_eq!(e.status, "is not a status");
        assert_eq!(e.frequency, "must be one time, monthly or annual");
        assert!(!e.to.is_empty() && e.from.is_empty());
        let named: Vec<_> = e
            .into_field_errors()
            .into_iter()
            .map(|e| e.field.unwrap_or_default())
            .collect();
        assert_eq!(named, vec!["status", "frequency", "to"]);

        let (_, e, f) = parse_filter(&form(&[("from", "2026-01-05"), ("to", "2026-01-04")]), &c);
        assert!(f.is_none());
        assert_eq!(e.to, "must be after from");
    }
}
