//! What is wrong with a piece of input, in the words a person can act on: the field at fault
//! (a body path, query parameter or header), when there is one, and what is wrong with it. Use
//! cases return these; the HTTP layer answers them as `{"errors":[{"field":..,"detail":..}]}` and
//! the donation form shows each beside its field, in the donor's language (by its [`Reason`]).

use serde::Serialize;

/// One problem with a request: the field (body path, query parameter or header) at fault, when
/// there is one, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "donor.email")]
    pub field: Option<String>,
    #[schema(example = "is not a valid email address")]
    pub detail: String,
    /// The same as a code and its values, for pages that show it in the donor's language
    /// (`detail` is English, for developers). Not part of the JSON.
    #[serde(skip)]
    pub reason: Option<Reason>,
}

/// What is wrong, as a stable code (`not_a_number`, `required`, ...) and the values its message
/// names (`max`; amounts of money such as `least`): the donation form's message is
/// `field-error-<code>` in the donor's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    /// Counts and plain decimals (`2`, `50.00`).
    pub values: Vec<(&'static str, String)>,
    /// Amounts as minor units of a currency, which each language writes as money (`$5.00`).
    pub amounts: Vec<(&'static str, i64, String)>,
}

impl Reason {
    pub fn new(code: &'static str) -> Self {
        Reason {
            code,
            values: Vec::new(),
            amounts: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.values.push((name, value.to_string()));
        self
    }

    /// An amount of `minor` units of `currency`, shown as money.
    pub fn with_amount(mut self, name: &'static str, minor: i64, currency: &str) -> Self {
        self.amounts.push((name, minor, currency.to_string()));
        self
    }
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            detail: detail.into(),
            reason: None,
        }
    }
    pub fn general(detail: impl Into<String>) -> Self {
        Self {
            field: None,
            detail: detail.into(),
            reason: None,
        }
    }
    /// This error with its reason as a code, for the donor's language.
    pub fn because(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }
}
