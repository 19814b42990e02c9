//! Probes for a load balancer or an orchestrator: `GET /healthz` (the process serves requests;
//! no database access) and `GET /readyz` (the database answers and its schema is the one this
//! build migrates to). Both answer JSON, carry no data, and are exempt from the anonymous rate
//! limit, so a balancer probing from one address is never refused.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::state::AppState;

/// The probe paths.
pub const PATHS: [&str; 2] = ["/healthz", "/readyz"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and serving.
async fn healthz() -> Response {
    (
        [(CACHE_CONTROL, "no-store")],
        Json(json!({ "status": "ok" })),
    )
        .into_response()
}

/// 200 when the database answers with the current schema, 503 otherwise (the body says which).
async fn readyz(State(state): State<AppState>) -> Response {
    let r = state.app.readiness().await;
    let (status, word) = if r.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    };
    (
        status,
        [(CACHE_CONTROL, "no-store")],
        Json(json!({
            "status": word,
            "database": r.database,
            "schema": r.schema,
            "expected_schema": r.expected,
        })),
    )
        .into_response()
}
