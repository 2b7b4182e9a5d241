//! Form fields as the dashboard's templates draw them (the offline gift form, the campaign
//! form), and the errors of a use case put next to the fields they name.

use std::collections::BTreeMap;

use super::FormMap;
use crate::http::error::FieldError;

/// A form field as the dashboard templates draw it.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date`, `email`, `number`, `select`, `checkbox` or `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub hint: &'static str,
    /// After the label, when set: "Amount must be…".
    pub error: String,
    /// A select's choices.
    pub options: Vec<String>,
}

/// A field without hint, error or options.
pub fn field(name: &'static str, label: &'static str, kind: &'static str, value: String) -> Field {
    Field {
        name,
        label,
        kind,
        value,
        hint: "",
        error: String::new(),
        options: Vec::new(),
    }
}

/// Puts each error on the field it names; the errors of no field, joined, are returned.
pub fn attach_errors(fields: &mut [Field], errors: &BTreeMap<String, String>) -> String {
    let mut other = Vec::new();
    for (k, v) in errors {
        // API field names (`donor.name`) become form names (`donor_name`).
        let name = k.replace('.', "_");
        match fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.error.clone_from(v),
            None => other.push(format!("{k} {v}")),
        }
    }
    other.join("; ")
}

/// Errors by field (the first of each; those of no field under `other`).
pub fn by_field(errors: Vec<FieldError>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in errors {
        m.entry(e.field.unwrap_or_else(|| "other".into()))
            .or_insert(e.detail);
    }
    m
}

/// A form value, trimmed; `None` when absent or blank.
pub fn nonempty(form: &FormMap, k: &str) -> Option<String> {
    form.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dashboard::fixtures::form;

    #[test]
    fn errors_go_next_to_their_fields() {
        let mut fields = vec![
            field("amount", "Amount", "text", String::new()),
            field("donor_name", "Donor name", "text", String::new()),
        ];
        let errors = by_field(vec![
            FieldError::new("donor.name", "is too long"),
            FieldError::new("amount", "must be positive"),
            FieldError::new("amount", "second error, dropped"),
            FieldError::new("date", "is in the future"),
            FieldError::general("try again"),
        ]);
        let other = attach_errors(&mut fields, &errors);
        assert_eq!(fields[0].error, "must be positive");
        assert_eq!(fields[1].error, "is too long");
        assert_eq!(other, "date is in the future; other try again");
    }

    #[test]
    fn blank_values_are_none() {
        let form = form(&[("a", " x "), ("b", "  ")]);
        assert_eq!(nonempty(&form, "a").as_deref(), Some("x"));
        assert_eq!(nonempty(&form, "b"), None);
        assert_eq!(nonempty(&form, "c"), None);
    }
}
