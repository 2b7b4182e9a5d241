//! The HTTP surface: routes, extractors, errors and the middleware every request goes through.

pub mod auth;
pub mod campaign_api;
pub mod completion;
pub mod dashboard;
pub mod donor;
pub mod donor_api;
pub mod error;
pub mod extract;
pub mod fundraiser_api;
pub mod health;
pub mod limits;
pub mod memberships_api;
pub mod openapi;
pub mod org_scope;
pub mod page_language;
pub mod public_reads;
pub mod sandbox_pages;
pub mod serve;
pub mod staff_api;
pub mod staff_members_api;
pub mod stripe_webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::Config;
use crate::payments::Gateway;
use crate::store::Store;
use error::AppError;

/// Request bodies above this answer 413 (webhooks have their own, larger limit).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Stripe events can carry a full invoice with many lines.
pub const WEBHOOK_BODY_LIMIT: usize = 512 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The default organization's gateway.
    pub gateway: Arc<dyn Gateway>,
    /// Every organization's (`gateway` among them).
    pub gateways: Arc<crate::payments::Gateways>,
    pub config: Arc<Config>,
    /// This server's own address, for the sandbox to deliver its events to itself.
    pub self_url: Arc<str>,
    /// Checkout and sign-in rate limits (shared by every server on PostgreSQL).
    pub limits: Arc<limits::Limits>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Signs donors' self-service links (`domain::manage_link`).
    pub link_secret: Arc<[u8]>,
    /// The last successful `/ready` check.
    pub readiness: Arc<health::Readiness>,
    /// The request handlers under way (`completion`), which a shutdown waits for.
    pub tasks: tokio_util::task::TaskTracker,
    /// Campaigns' public pages as last read (`public_reads`).
    pub public_reads: Arc<public_reads::PublicReads>,
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(Duration::from_secs(600))
}

async fn not_found() -> AppError {
    AppError::NotFound("no such route".into())
}

async fn method_not_allowed() -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(serde_json::json!({ "errors": [{ "detail": "method not allowed" }] })),
    )
}

/// The API's routes in groups that take different layers, with the OpenAPI document of them
/// all. Each route is registered from its handler's `#[utoipa::path]` (method and path), so
/// serving a route and documenting it are one act.
struct Api {
    public: Router<AppState>,
    staff: Router<AppState>,
    webhooks: Router<AppState>,
    operations: Router<AppState>,
    doc: utoipa::openapi::OpenApi,
}

fn api() -> Api {
    let mut doc = openapi::ApiDoc::openapi();
    let mut part = |r: OpenApiRouter<AppState>| {
        let (router, part_doc) = r.split_for_parts();
        doc.merge(part_doc);
        router
    };
    let public = part(
        OpenApiRouter::new()
            .routes(routes!(campaign_api::progress))
            .routes(routes!(donor_api::fee_quote))
            .routes(routes!(donor_api::create))
            .routes(routes!(campaign_api::donors))
            .routes(routes!(fundraiser_api::top, fundraiser_api::sign_up))
            .routes(routes!(fundraiser_api::progress)),
    );
    let staff = part(
        OpenApiRouter::new()
            .routes(routes!(campaign_api::list, campaign_api::create))
            .routes(routes!(campaign_api::update))
            .routes(routes!(staff_api::donations))
            .routes(routes!(staff_api::summary))
            .routes(routes!(staff_api::add_offline_gift))
            .routes(routes!(staff_api::void_offline_gift))
            .routes(routes!(staff_api::flags))
            .routes(routes!(staff_api::donation_emails))
            .routes(routes!(staff_api::resend_email))
            .routes(routes!(fundraiser_api::staff_list))
            .routes(routes!(fundraiser_api::approve))
            .routes(routes!(fundraiser_api::hide))
            .routes(routes!(fundraiser_api::policy, fundraiser_api::set_policy))
            .routes(routes!(memberships_api::memberships))
            .routes(routes!(staff_members_api::me))
            .routes(routes!(staff_members_api::list, staff_members_api::invite))
            .routes(routes!(staff_members_api::revoke)),
    );
    let webhooks = part(
        OpenApiRouter::new()
            .routes(routes!(stripe_webhook::stripe))
            .routes(routes!(stripe_webhook::stripe_org)),
    );
    let operations = part(
        OpenApiRouter::new()
            .routes(routes!(health::health))
            .routes(routes!(health::ready))
            .routes(routes!(health::metrics))
            .routes(routes!(donor::thanks_page::thanks))
            .routes(routes!(openapi::document)),
    );
    Api {
        public,
        staff,
        webhooks,
        operations,
        doc,
    }
}

/// The OpenAPI 3 document of every route [`router`] serves, but the sandbox's own pages.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().doc
}

/// Counts each answer by its matched route template (or `unmatched`), method and status.
async fn count_request(
    axum::extract::State(metrics): axum::extract::State<Arc<crate::metrics::Metrics>>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let response = next.run(req).await;
    metrics.http(&route, method.as_str(), response.status().as_u16());
    response
}

/// The donor pages (the donation page and the self-service page of a recurring gift, supporters'
/// pages and their owners' pages) and the assets they load.
fn pages_router() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route(
            "/donate/{slug}",
            get(donor::donation_page::donate).post(donor::donation_page::submit),
        )
        .route(
            "/donate/{slug}/f/{page}",
            get(donor::fundraiser_page::show).post(donor::fundraiser_page::submit),
        )
        .route(
            "/donate/{slug}/fundraise",
            get(donor::fundraiser_signup_page::form).post(donor::fundraiser_signup_page::start),
        )
        .route("/assets/app.css", get(donor::donation_page::css))
        .route("/assets/donate.js", get(donor::donation_page::donate_js))
        .route("/assets/embed.js", get(donor::donation_page::embed_js))
        .merge(donor::manage_page::routes())
        .merge(donor::manage_request_page::routes())
        .merge(donor::fundraiser_manage_page::routes())
}

pub fn router(state: AppState) -> Router {
    let Api {
        public,
        staff: staff_api,
        webhooks,
        operations,
        ..
    } = api();
    let public_api = public.layer(cors(&state.config));
    let webhooks = webhooks.layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT));

    let mut app = Router::new()
        .merge(pages_router())
        .merge(dashboard::routes())
        .merge(staff_api)
        .merge(webhooks)
        .merge(operations);
    // A sandbox can never be live: with a Stripe key these routes do not exist.
    if state.config.payments.is_sandbox() {
        app = app.merge(sandbox_pages::routes());
    }
    // The public API is merged after the JSON 405 fallback is set, so that its CORS layer
    // still answers browsers' OPTIONS preflights before any 405.
    app.method_not_allowed_fallback(method_not_allowed)
        .merge(public_api)
        .fallback(not_found)
        // Innermost, so that the handler's task carries the request's span (`completion`).
        .layer(axum::middleware::from_fn_with_state(
            completion::Admission::new(
                state.tasks.clone(),
                state.config.connections.max_requests_in_flight,
            ),
            completion::run_to_completion,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Pages are self-contained (inline styles, no scripts, no images): allow nothing else,
        // so that any markup that slipped through escaping can neither run nor load.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings may carry donor input. Self-service links are
                // credentials: their token is left out.
                let path = donor::manage_page::loggable_path(req.uri().path());
                tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            count_request,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
