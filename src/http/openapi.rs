//! The OpenAPI 3 document of the API, built from the handlers' own `#[utoipa::path]`
//! annotations and types: the router registers each handler through the same annotations
//! (`utoipa_axum::routes!`), so a route cannot be served without being documented.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::{AppError, AppResult, ErrorBody, FieldError};

/// The security scheme every staff operation names.
pub const STAFF_TOKEN: &str = "staff_token";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "donations",
        description = "Donation campaigns: public progress, fee quotes, checkout and donor wall; \
            staff campaigns, donations, summaries, offline gifts and flags; Stripe webhooks. \
            Money is integer minor units of the currency named beside it. Every error answers \
            `{\"errors\":[{\"field\":..,\"detail\":..}]}`."
    ),
    modifiers(&StaffTokenScheme),
    components(schemas(ErrorBody, FieldError)),
    tags(
        (name = "public", description = "No authentication; CORS for ALLOWED_ORIGINS"),
        (name = "staff", description = "`Authorization: Bearer <token>` from `donations staff create-token --email EMAIL --name NAME`; the token acts with its person's role (admin or staff)"),
        (name = "stripe", description = "Stripe's webhook deliveries"),
        (name = "operations", description = "Health checks and this document"),
    )
)]
pub struct ApiDoc;

struct StaffTokenScheme;

impl utoipa::Modify for StaffTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            STAFF_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A staff token from `donations staff token create --name N`",
                    ))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document of this API",
        body = Object, content_type = "application/json"))
)]
pub async fn document() -> AppResult<Response> {
    // The document depends only on the code: built once per process.
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    let json = JSON
        .get_or_init(|| super::openapi().to_json().map_err(|e| e.to_string()))
        .clone()
        .map_err(AppError::Internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response())
}
