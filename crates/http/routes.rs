//! The routes: the design's API (`POST /v2/jobs/match`, `GET /v2/models/active`, README,
//! "Clients and the HTTP API") and the operator's (`/healthz`, `/readyz`, `/metrics`). Handlers check the
//! request, call db.rs, and shape JSON. The API's routes, and `/metrics` unless it is made
//! public, need a bearer token (auth.rs); `/healthz` and `/readyz` say only whether the
//! service and its database are up, so orchestrators probe them without one.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body, Bytes};
use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, BoxError, Extension, Json, Router};
use deadpool_postgres::Pool;
use http_body_util::LengthLimitError;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tower::ServiceBuilder;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutError};

use crate::auth::{authenticate, Authenticator, Caller};
use crate::config::Timeouts;
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
    pub auth: Arc<Authenticator>,
    /// The request, body and statement timeouts are applied here; the header read
    /// timeout and the drain are the server's (server.rs).
    pub timeouts: Timeouts,
}

/// The service's routes: the API's behind authentication, each in the request and body
/// timeouts, and all in the request-id, log and metrics middleware (outermost, so a 401 or
/// a 504 is logged and counted too).
pub fn router(state: AppState) -> Router {
    let mut protected = Router::new().route("/v2/jobs/match", post(match_jobs)).route("/v2/models/active", get(models_active));
    let mut public = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    if state.auth.metrics_public {
        public = public.route("/metrics", get(metrics));
    } else {
        protected = protected.route("/metrics", get(metrics));
    }
    let protected = protected.route_layer(middleware::from_fn_with_state(state.auth.clone(), authenticate));
    // tower's timeout drops the request's future (and so its transaction, which rolls
    // back) and HandleErrorLayer answers in the service's JSON; tower-http's body timeout
    // fails a body read that waits too long for the next bytes.
    let timeouts = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(request_timed_out))
        .timeout(state.timeouts.request)
        .layer(RequestBodyTimeoutLayer::new(state.timeouts.body));
    public
        .merge(protected)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(timeouts)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), observe))
        .with_state(state)
}

/// The answer to a request over `RESONANCE_HTTP_REQUEST_TIMEOUT_MS`.
async fn request_timed_out(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout { message: "the request took longer than the service's request timeout".into() }
    } else {
        ApiError::Internal { message: format!("request failed in the timeout layer: {error}") }
    }
}

/// Whether `E` is `error` or in its chain of sources: the body timeout's error reaches the
/// handler wrapped in axum's body error.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|e| e.is::<E>())
}

/// The whole request body, up to MAX_BODY_BYTES.
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let e = e.into_inner();
        if e.is::<LengthLimitError>() {
            ApiError::TooLarge { message: format!("request body is larger than {MAX_BODY_BYTES} bytes") }
        } else if caused_by::<TimeoutError>(e.as_ref()) {
            ApiError::ClientTimeout { message: "the request body stopped arriving (the service's body timeout)".into() }
        } else {
            // The client stopped sending or sent a broken chunked body.
            ApiError::bad_request("body", format!("request body could not be read: {e}"))
        }
    })
}

/// `POST /v2/jobs/match`: `{"resume_id", "filters", "options"}` -> `{"jobs": [{"id",
/// "title", "rank", "score", "explanation"}], "model_version", "latency_ms"}`. `score` is
/// `final_score`; `explanation` is null when `options.explain` is false.
async fn match_jobs(State(state): State<AppState>, Extension(caller): Extension<Caller>, body: Body) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request = MatchRequest::parse(&read_body(body).await?)?;
    let mut client = state.pool.get().await?;
    let setup = db::transaction_setup(&caller, state.timeouts.statement);
    let outcome = db::match_jobs(&mut client, &setup, &request).await?;
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
async fn models_active(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    let mut client = state.pool.get().await?;
    Ok(Json(db::models_active(&mut client, &db::transaction_setup(&caller, state.timeouts.statement)).await?))
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
