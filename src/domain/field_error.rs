//! What is wrong with a piece of input, in the words a person can act on: the field at fault
//! (a body path, query parameter or header), when there is one, and what is wrong with it. Use
//! cases return these; the HTTP layer answers them as `{"errors":[{"field":..,"detail":..}]}` and
//! the donation form shows each beside its field.

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
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }
    pub fn general(detail: impl Into<String>) -> Self {
        Self {
            field: None,
            detail: detail.into(),
        }
    }
}
