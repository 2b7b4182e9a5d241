//! The donation form's field errors in the donor's language: each error's reason code
//! (`domain::field_error::Reason`) is the message `field-error-<code>`, beside the field it names
//! (the JSON API keeps the English `detail`, for developers).

use std::collections::BTreeMap;

use crate::http::error::FieldError;
use crate::i18n::{Args, Lang, format};

/// Each field error of a form in `lang`, by field (`other` for those of no field of the form).
pub fn translated_errors(lang: Lang, errors: Vec<FieldError>) -> BTreeMap<String, String> {
    let mut by_field = BTreeMap::new();
    for e in errors {
        let field = match e.field.as_deref() {
            Some("currency") | None => "other",
            Some(f) => f,
        };
        let text = field_error_text(lang, field, &e);
        by_field.entry(field.to_string()).or_insert(text);
    }
    by_field
}

/// A field error as the form shows it: `field-error-<code>` in `lang`, with the field (as a word
/// a message may select by: `donor-name`) and the reason's values; an error without a reason
/// (none of the form's) as its English detail after the field's name.
fn field_error_text(lang: Lang, field: &str, e: &FieldError) -> String {
    let field_word = field.replace('.', "-");
    let mut args = Args::new().word("field", field_word);
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
        None if field == "other" => e.detail.clone(),
        None => format!("{label} {}", e.detail),
    }
}
