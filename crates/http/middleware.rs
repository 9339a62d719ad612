//! What happens around every request: a request id (taken from the caller's `X-Request-Id`
//! when it is a plain token, else a new UUID), a log span carrying it (and the caller's
//! role), one log line per request, the id echoed in the response, and the request counted in the metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::errors::ErrorLabel;
use crate::metrics::Metrics;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest caller-supplied request id kept; longer ones are replaced by a new id.
const MAX_REQUEST_ID_LEN: usize = 64;

/// The caller's id when it is 1-64 characters of letters, digits, `-`, `_`, `.`: a
/// caller's trace id then follows the request into our log, and nothing a caller sends can
/// forge or break a log line.
fn caller_request_id(request: &Request) -> Option<String> {
    let id = request.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let plain = !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| id.to_string())
}

/// The middleware: wraps each request in a span named by its id, logs it, counts it.
pub async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let id = caller_request_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The route's pattern, not the path: the metrics' label set stays bounded.
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let method = request.method().to_string();
    // `role` is filled in by auth.rs once the caller's token is known.
    let span = tracing::info_span!("request", id = %id, method = %method, route = %route, role = tracing::field::Empty);
    let start = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    let error = response.extensions().get::<ErrorLabel>().map(|k| k.0);
    metrics.record(&route, &method, status, elapsed, error);
    span.in_scope(|| tracing::info!(status, ms = format!("{:.3}", elapsed.as_secs_f64() * 1000.0), "answered"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request {
        Request::builder().header(REQUEST_ID_HEADER, value).body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn plain_caller_ids_are_kept_and_others_replaced() {
        assert_eq!(caller_request_id(&with_header("trace-42.a_b")).as_deref(), Some("trace-42.a_b"));
        assert_eq!(caller_request_id(&with_header("has space")), None);
        assert_eq!(caller_request_id(&with_header("x\"} fake=1")), None);
        assert_eq!(caller_request_id(&with_header(&"a".repeat(65))), None);
        assert_eq!(caller_request_id(&with_header("")), None);
    }
}
