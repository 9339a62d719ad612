//! The router without a database: what must hold before any SQL runs. The pool points at
//! a closed local port, so every database call really fails to connect (no mock); the
//! answers with a live database are scripts/test_http.sh's.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::Router;
use resonance_http::auth::Authenticator;
use resonance_http::config::ServiceConfig;
use resonance_http::metrics::Metrics;
use resonance_http::routes::{router, AppState};
use resonance_http::tokens::{new_token, TokenSet};
use serde_json::Value;
use futures_util::StreamExt;
use tower::ServiceExt;

/// The test service: a token for role `app`, and settings the test may add to.
struct TestApp {
    router: Router,
    token: String,
}

/// A router whose database is a port nothing listens on (port 1 on loopback), with one
/// token and the settings of `vars` (request, body timeouts; metrics public).
fn app_with(vars: &[(&str, &str)]) -> TestApp {
    let config = ServiceConfig::from_lookup(|name| match name {
        "DATABASE_URL" => Some("host=127.0.0.1 port=1 user=postgres dbname=none connect_timeout=2".into()),
        "RESONANCE_HTTP_POOL_TIMEOUT_MS" => Some("2000".into()),
        "RESONANCE_HTTP_TOKENS_FILE" => Some("unread: the tokens are given below".into()),
        _ => vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()),
    })
    .unwrap();
    let (token, line) = new_token("app").unwrap();
    let auth = Authenticator::new(Some(TokenSet::parse(&line).unwrap()), config.metrics_public);
    let state = AppState {
        pool: resonance_http::db::pool(&config),
        metrics: Arc::new(Metrics::default()),
        auth: Arc::new(auth),
        timeouts: config.timeouts.clone(),
    };
    TestApp { router: router(state), token }
}

fn app() -> TestApp {
    app_with(&[])
}

/// The answer to a request: status, X-Request-Id, WWW-Authenticate, body.
struct Answer {
    status: StatusCode,
    id: String,
    challenge: String,
    body: String,
}

impl TestApp {
    /// A request with the app's token.
    async fn send(&self, method: &str, uri: &str, body: &str, request_id: Option<&str>) -> (StatusCode, String, String) {
        let a = self.send_as(Some(&format!("Bearer {}", self.token)), method, uri, Body::from(body.to_string()), request_id).await;
        (a.status, a.id, a.body)
    }

    async fn send_as(&self, authorization: Option<&str>, method: &str, uri: &str, body: Body, request_id: Option<&str>) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let (status, id, challenge) = (response.status(), header("x-request-id"), header("www-authenticate"));
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Answer { status, id, challenge, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn healthz_answers_without_a_database_and_readyz_says_503() {
    let app = app();
    let (status, id, body) = app.send("GET", "/healthz", "", None).await;
    assert_eq!((status, json(&body)["status"].as_str()), (StatusCode::OK, Some("ok")));
    assert_eq!(id.len(), 36, "a new UUID request id: {id:?}");
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(10), app.send("GET", "/readyz", "", None)).await.unwrap();
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
        let (status, _, text) = app.send("POST", "/v2/jobs/match", body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {text}");
        assert_eq!(json(&text)["field"].as_str(), Some(field), "{body} -> {text}");
    }
    let big = format!(r#"{{"resume_id": "00000000-0000-4000-b000-000000000001", "filters": {{"city": "{}"}}}}"#, "x".repeat(200_000));
    let (status, _, text) = app.send("POST", "/v2/jobs/match", &big, None).await;
    assert_eq!((status, json(&text)["field"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body")));
}

#[tokio::test]
async fn a_valid_match_without_a_database_is_503() {
    let app = app();
    let body = r#"{"resume_id": "00000000-0000-4000-b000-000000000001"}"#;
    let (status, _, text) = app.send("POST", "/v2/jobs/match", body, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(json(&text)["field"], Value::Null);
}

#[tokio::test]
async fn request_ids_are_echoed_and_unknown_routes_are_json_404() {
    let app = app();
    let (status, id, body) = app.send("GET", "/v1/nothing", "", Some("trace-7")).await;
    assert_eq!((status, id.as_str()), (StatusCode::NOT_FOUND, "trace-7"));
    assert!(json(&body)["error"].as_str().unwrap().starts_with("no such route"));
    let (status, _, _) = app.send("GET", "/v2/jobs/match", "", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn metrics_count_requests_by_route_status_and_error_kind() {
    let app = app();
    app.send("POST", "/v2/jobs/match", "{}", None).await;
    app.send("POST", "/v2/jobs/match", "[]", None).await;
    app.send("GET", "/healthz", "", None).await;
    app.send("GET", "/no/such/path/42", "", None).await;
    let (status, _, text) = app.send("GET", "/metrics", "", None).await;
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

#[tokio::test]
async fn the_api_and_metrics_need_a_valid_bearer_token() {
    let app = app();
    for (method, uri) in [("POST", "/v2/jobs/match"), ("GET", "/v2/models/active"), ("GET", "/metrics")] {
        for (authorization, challenge) in [
            (None, r#"Bearer realm="resonance""#),
            (Some("Basic YXBwOmFwcA=="), r#"Bearer realm="resonance""#),
            (Some("Bearer rsn_wrong"), r#"Bearer realm="resonance", error="invalid_token""#),
            (Some(&format!("Bearer {}x", app.token)[..]), r#"Bearer realm="resonance", error="invalid_token""#),
        ] {
            let a = app.send_as(authorization, method, uri, Body::from("{}"), None).await;
            assert_eq!((a.status, a.challenge.as_str()), (StatusCode::UNAUTHORIZED, challenge), "{method} {uri} {authorization:?}");
            assert_eq!(json(&a.body)["field"], Value::Null);
            assert!(json(&a.body)["error"].as_str().unwrap().contains("bearer token"), "{}", a.body);
        }
    }
    // With the token, the request gets past authentication: to body validation here.
    let (status, _, _) = app.send("POST", "/v2/jobs/match", "{}", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn health_probes_need_no_token_and_metrics_can_be_made_public() {
    let app = app();
    assert_eq!(app.send_as(None, "GET", "/healthz", Body::empty(), None).await.status, StatusCode::OK);
    let ready = tokio::time::timeout(Duration::from_secs(10), app.send_as(None, "GET", "/readyz", Body::empty(), None)).await.unwrap();
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "no database, but not 401");
    let public = app_with(&[("RESONANCE_HTTP_METRICS_PUBLIC", "on")]);
    public.send_as(Some("Bearer rsn_wrong"), "GET", "/v2/models/active", Body::empty(), None).await;
    let metrics = public.send_as(None, "GET", "/metrics", Body::empty(), None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let refused = r#"resonance_http_errors_total{route="/v2/models/active",kind="unauthorized"} 1"#;
    assert!(metrics.body.lines().any(|l| l == refused), "missing {refused:?} in\n{}", metrics.body);
    assert_eq!(public.send_as(None, "POST", "/v2/jobs/match", Body::from("{}"), None).await.status, StatusCode::UNAUTHORIZED);
}

/// A body that sends its first bytes and then nothing: answered 408 once the body timeout passes.
#[tokio::test]
async fn a_body_that_stops_arriving_is_408() {
    let app = app_with(&[("RESONANCE_HTTP_BODY_TIMEOUT_MS", "200")]);
    let stalled = futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"{\"resume_id\": ")) })
        .chain(futures_util::stream::pending());
    let start = std::time::Instant::now();
    let auth = format!("Bearer {}", app.token);
    let a = app.send_as(Some(&auth), "POST", "/v2/jobs/match", Body::from_stream(stalled), None).await;
    assert_eq!((a.status, json(&a.body)["field"].as_str()), (StatusCode::REQUEST_TIMEOUT, Some("body")), "{}", a.body);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

/// A body that trickles a byte every 50 ms never pauses long enough for the body timeout;
/// the request timeout ends it: 504 in the service's JSON.
#[tokio::test]
async fn a_request_over_its_time_is_504() {
    let app = app_with(&[
        ("RESONANCE_HTTP_REQUEST_TIMEOUT_MS", "400"),
        ("RESONANCE_HTTP_STATEMENT_TIMEOUT_MS", "300"),
        ("RESONANCE_HTTP_BODY_TIMEOUT_MS", "200"),
    ]);
    let trickle = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
    });
    let start = std::time::Instant::now();
    let auth = format!("Bearer {}", app.token);
    let a = app.send_as(Some(&auth), "POST", "/v2/jobs/match", Body::from_stream(trickle), Some("slow-1")).await;
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT, "{}", a.body);
    assert_eq!((json(&a.body)["field"].clone(), a.id.as_str()), (Value::Null, "slow-1"));
    assert!(json(&a.body)["error"].as_str().unwrap().contains("request timeout"), "{}", a.body);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(2), "{elapsed:?}");
}
