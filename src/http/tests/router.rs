//! The router without a database: what must hold before any SQL runs. The pool points at
//! a closed local port, so every database call really fails to connect (no mock); the
//! answers with a live database are scripts/test_http.sh's.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::Router;
use resonance_http::config::ServiceConfig;
use resonance_http::metrics::Metrics;
use resonance_http::routes::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

/// A router whose database is a port nothing listens on (port 1 on loopback).
fn app() -> Router {
    let config = ServiceConfig::from_lookup(|name| match name {
        "DATABASE_URL" => Some("host=127.0.0.1 port=1 user=postgres dbname=none connect_timeout=2".into()),
        "RESONANCE_HTTP_POOL_TIMEOUT_MS" => Some("2000".into()),
        _ => None,
    })
    .unwrap();
    router(AppState { pool: resonance_http::db::pool(&config), metrics: Arc::new(Metrics::default()) })
}

async fn send(app: &Router, method: &str, uri: &str, body: &str, request_id: Option<&str>) -> (StatusCode, String, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = response.status();
    let id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, id, String::from_utf8(bytes.to_vec()).unwrap())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn healthz_answers_without_a_database_and_readyz_says_503() {
    let app = app();
    let (status, id, body) = send(&app, "GET", "/healthz", "", None).await;
    assert_eq!((status, json(&body)["status"].as_str()), (StatusCode::OK, Some("ok")));
    assert_eq!(id.len(), 36, "a new UUID request id: {id:?}");
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(10), send(&app, "GET", "/readyz", "", None)).await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(json(&body)["error"].as_str().unwrap().starts_with("database unavailable: "), "{body}");
}

#[tokio::test]
async fn bad_requests_are_refused_before_the_database_and_name_the_field() {
    let app = app();
    let cases = [
        ("{}", "resume_id"),
        (r#"{"resume_id": "not-a-uuid"}"#, "resume_id"),
        (r#"{"resume_id": "00000000-0000-4000-b000-000000000001", "filters": "Germany"}"#, "filters"),
        (r#"{"resume_id": "00000000-0000-4000-b000-000000000001", "limit": 3}"#, "limit"),
        ("{not json", "body"),
    ];
    for (body, field) in cases {
        let (status, _, text) = send(&app, "POST", "/v2/jobs/match", body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {text}");
        assert_eq!(json(&text)["field"].as_str(), Some(field), "{body} -> {text}");
    }
    let big = format!(r#"{{"resume_id": "00000000-0000-4000-b000-000000000001", "filters": {{"city": "{}"}}}}"#, "x".repeat(200_000));
    let (status, _, text) = send(&app, "POST", "/v2/jobs/match", &big, None).await;
    assert_eq!((status, json(&text)["field"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body")));
}

#[tokio::test]
async fn a_valid_match_without_a_database_is_503() {
    let app = app();
    let body = r#"{"resume_id": "00000000-0000-4000-b000-000000000001"}"#;
    let (status, _, text) = send(&app, "POST", "/v2/jobs/match", body, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(json(&text)["field"], Value::Null);
}

#[tokio::test]
async fn request_ids_are_echoed_and_unknown_routes_are_json_404() {
    let app = app();
    let (status, id, body) = send(&app, "GET", "/v1/nothing", "", Some("trace-7")).await;
    assert_eq!((status, id.as_str()), (StatusCode::NOT_FOUND, "trace-7"));
    assert!(json(&body)["error"].as_str().unwrap().starts_with("no such route"));
    let (status, _, _) = send(&app, "GET", "/v2/jobs/match", "", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn metrics_count_requests_by_route_status_and_error_kind() {
    let app = app();
    send(&app, "POST", "/v2/jobs/match", "{}", None).await;
    send(&app, "POST", "/v2/jobs/match", "[]", None).await;
    send(&app, "GET", "/healthz", "", None).await;
    send(&app, "GET", "/no/such/path/42", "", None).await;
    let (status, _, text) = send(&app, "GET", "/metrics", "", None).await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        r#"resonance_http_requests_total{route="/v2/jobs/match",method="POST",status="400"} 2"#,
        r#"resonance_http_requests_total{route="/healthz",method="GET",status="200"} 1"#,
        r#"resonance_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
        r#"resonance_http_errors_total{route="/v2/jobs/match",kind="bad_request"} 2"#,
        r#"resonance_http_request_duration_seconds_count{route="/v2/jobs/match"} 2"#,
        r#"resonance_http_pool_connections{state="max"} 4"#,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
}
