use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;
use super::error::{AppError, AppResult};

/// The process is up.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers: load balancers stop sending traffic here while it does not.
pub async fn ready(State(state): State<AppState>) -> AppResult<Json<Value>> {
    state
        .store
        .ping()
        .await
        .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
    Ok(Json(
        json!({ "status": "ready", "database": state.store.backend() }),
    ))
}
