//! Operations: liveness and readiness.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, AppResult, ErrorBody};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`
    pub status: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ready`
    pub status: &'static str,
    /// `sqlite` or `postgres`
    pub database: &'static str,
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Health))
)]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// A gift can be recorded now: the database answers a read and takes a write (a write
/// transaction on the heartbeat row, within `READY_TIMEOUT`). A server whose writer is wedged
/// answers 503, so a load balancer or orchestrator drains or restarts it.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "operations",
    responses(
        (status = 200, description = "Reads and writes go through", body = Ready),
        (status = 503, description = "The database does not take a write", body = ErrorBody),
    )
)]
pub async fn ready(State(state): State<AppState>) -> AppResult<Json<Ready>> {
    let limit = state.config.ready_timeout;
    match tokio::time::timeout(limit, state.readiness.check(state.store.as_ref())).await {
        Ok(Ok(())) => Ok(Json(Ready {
            status: "ready",
            database: state.store.backend(),
        })),
        Ok(Err(e)) => Err(AppError::Unavailable(format!("database: {e}"))),
        Err(_) => Err(AppError::Unavailable(format!(
            "database: a write did not complete within {limit:?}"
        ))),
    }
}

/// The last successful readiness check. Checks run one at a time and a success is trusted for
/// [`Readiness::FRESH`], so that probes (or anyone hammering `/ready`) cost at most about one
/// write a second, never one each.
#[derive(Default)]
pub struct Readiness {
    last_ok: tokio::sync::Mutex<Option<std::time::Instant>>,
}

impl Readiness {
    pub const FRESH: std::time::Duration = std::time::Duration::from_secs(1);

    async fn check(&self, store: &dyn crate::store::Store) -> crate::store::StoreResult<()> {
        let mut last_ok = self.last_ok.lock().await;
        if last_ok.is_some_and(|t| t.elapsed() < Self::FRESH) {
            return Ok(());
        }
        *last_ok = None;
        store.ping().await?;
        store.heartbeat(crate::store::now()).await?;
        *last_ok = Some(std::time::Instant::now());
        Ok(())
    }
}

/// Counters in the Prometheus text format: HTTP answers by route and status, webhook
/// deliveries by type and outcome, rate-limit refusals, reconcile runs. Counts since this
/// process started; no donor data.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text", body = String,
        content_type = "application/openmetrics-text"))
)]
pub async fn metrics(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
