//! The routes: the design's API (`POST /v2/jobs/match`, `GET /v2/models/active`, README,
//! "Clients and the HTTP API") and the operator's (`/healthz`, `/readyz`, `/metrics`). Handlers check the
//! request, call db.rs, and shape JSON.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use deadpool_postgres::Pool;
use http_body_util::LengthLimitError;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::db;
use crate::errors::ApiError;
use crate::metrics::{Metrics, PoolGauges};
use crate::middleware::observe;
use crate::request::{MatchRequest, MAX_BODY_BYTES};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub metrics: Arc<Metrics>,
}

/// The service's routes, each wrapped in the request-id, log and metrics middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v2/jobs/match", post(match_jobs))
        .route("/v2/models/active", get(models_active))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), observe))
        .with_state(state)
}

/// `POST /v2/jobs/match`: `{"resume_id", "filters", "options"}` -> `{"jobs": [{"id",
/// "title", "rank", "score", "explanation"}], "model_version", "latency_ms"}`. `score` is
/// `final_score`; `explanation` is null when `options.explain` is false.
async fn match_jobs(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let start = Instant::now();
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let e = e.into_inner();
        if e.is::<LengthLimitError>() {
            ApiError::TooLarge { message: format!("request body is larger than {MAX_BODY_BYTES} bytes") }
        } else {
            // The client stopped sending or sent a broken chunked body.
            ApiError::bad_request("body", format!("request body could not be read: {e}"))
        }
    })?;
    let request = MatchRequest::parse(&bytes)?;
    let mut client = state.pool.get().await?;
    let outcome = db::match_jobs(&mut client, &request).await?;
    let jobs = outcome
        .jobs
        .iter()
        .map(|j| JobJson {
            id: j.id,
            title: j.title.as_deref(),
            rank: j.rank,
            // The real's shortest decimal (0.9077424), not its f64 widening (0.9077423810958862).
            score: j.score.to_string().parse().unwrap_or(f64::NAN),
            explanation: j.explanation.as_ref().map(|e| e.0.as_ref()),
        })
        .collect();
    // The service's own time for the request: body, pool, SQL and JSON.
    let latency_ms = (start.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let response = MatchResponse { jobs, model_version: db::scoring_model(outcome.stats.as_ref()), latency_ms };
    Ok(Json(response).into_response())
}

/// The body of a match answer (README, "Clients and the HTTP API").
#[derive(Serialize)]
struct MatchResponse<'a> {
    jobs: Vec<JobJson<'a>>,
    model_version: Option<String>,
    latency_ms: f64,
}

#[derive(Serialize)]
struct JobJson<'a> {
    id: uuid::Uuid,
    title: Option<&'a str>,
    rank: i32,
    score: f64,
    explanation: Option<&'a RawValue>,
}

/// `GET /v2/models/active`: `{"bi_encoder", "cross_encoder", "skill_gnn"}`, nulls included.
async fn models_active(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let client = state.pool.get().await?;
    Ok(Json(db::models_active(&client).await?))
}

/// `GET /healthz`: the process is alive and serving HTTP; says nothing about the database,
/// so an orchestrator does not restart the service for the database's outage.
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when a pooled connection answers and the database has the extension,
/// else 503 saying why.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let client = state.pool.get().await?;
    if !db::extension_installed(&client).await? {
        return Err(ApiError::unavailable("the database has no resonance extension (CREATE EXTENSION resonance CASCADE)"));
    }
    Ok(Json(json!({"status": "ready"})))
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    let s = state.pool.status();
    let gauges = PoolGauges { size: s.size, available: s.available, max_size: s.max_size, waiting: s.waiting };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render(&gauges)).into_response()
}

async fn unknown_route() -> Response {
    let body = json!({"error": "no such route (POST /v2/jobs/match, GET /v2/models/active, /healthz, /readyz, /metrics)", "field": null});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn method_not_allowed() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, Json(json!({"error": "method not allowed on this route", "field": null}))).into_response()
}
