//! The donor forms' field errors in the donor's language: each error's reason code
//! (`domain::field_error::Reason`) is the message `field-error-<code>`, beside the field it names
//! (the JSON API keeps the English `detail`, for developers). The donation form's fields and a
//! supporter's page's (sign-up, the owner's edit) are named each as their form names them.

use std::collections::BTreeMap;

use crate::http::error::FieldError;
use crate::i18n::{Args, Lang, format};

/// Each field error of the donation form (or another form of a donor's: an address) in `lang`,
/// by field (`other` for those of no field of the form).
pub fn translated_errors(lang: Lang, errors: Vec<FieldError>) -> BTreeMap<String, String> {
    translate(lang, errors, |field| match field {
        Some("currency" | "fundraiser") | None => ("other".into(), "other".into()),
        Some(f) => (f.into(), f.replace('.', "-")),
    })
}

/// Each field error of a supporter's page form (sign-up, the owner's edit) in `lang`, by field:
/// the messages name the fields as the form does ("Your name": `page-name`).
pub fn translated_page_errors(lang: Lang, errors: Vec<FieldError>) -> BTreeMap<String, String> {
    translate(lang, errors, |field| {
        let f = field.unwrap_or("name");
        (f.into(), format!("page-{f}"))
    })
}

/// `errors` by the field `place` puts each in, with the word its messages select by.
fn translate(
    lang: Lang,
    errors: Vec<FieldError>,
    place: impl Fn(Option<&str>) -> (String, String),
) -> BTreeMap<String, String> {
    let mut by_field = BTreeMap::new();
    for e in errors {
        let (field, word) = place(e.field.as_deref());
        let text = field_error_text(lang, &word, &e);
        by_field.entry(field).or_insert(text);
    }
    by_field
}

/// A field error as the form shows it: `field-error-<code>` in `lang`, with the field (as a word
/// a message may select by: `donor-name`) and the reason's values; an error without a reason
/// (none of the form's) as its English detail after the field's name.
fn field_error_text(lang: Lang, field_word: &str, e: &FieldError) -> String {
    let mut args = Args::new().word("field", field_word.to_string());
    let label = lang.msg("field-label", &args);
    args = args.text("label", label.clone());
    match &e.reason {
        Some(reason) => {
            for (name, value) in &reason.values {
                args = match value.parse::<i64>() {
                    Ok(n) if !value.contains('.') => args.number(name, n),
                    _ => args.text(name, format::decimal(lang, value)),
                };
            }
            for (name, minor, currency) in &reason.amounts {
                args = args.text(name, format::money(lang, *minor, currency));
            }
            lang.msg(&format!("field-error-{}", reason.code), &args)
        }
        None if field_word == "other" => e.detail.clone(),
        None => format!("{label} {}", e.detail),
    }
}
