//! Every way a request fails, and the status and JSON body each one gets:
//! `{"error": text, "field": text or null}`.
//!
//! A caller without a valid bearer token gets 401 with `WWW-Authenticate: Bearer` (RFC
//! 6750); a caller whose role lacks a privilege (SQLSTATE 42501) 403, as over SQL. A body
//! that stops arriving is 408; a request over its time, or a statement Postgres canceled
//! (57014: statement_timeout), 504.
//!
//! Database errors are sorted by SQLSTATE, the contract the extension keeps (README, "Errors
//! carry a SQLSTATE a client can act on"): bad input (22023, 22004, 54000) is the caller's,
//! so 400 naming the field the message names; not found (P0002) is 404; a database that
//! cannot be reached or is shutting down is 503; anything else is ours, 500, with the detail
//! in the log and not in the body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is wrong; `field` names the part (`resume_id`, `filters.country`).
    BadRequest { field: String, message: String },
    /// 401: no bearer token, or one the tokens file does not have (`presented`).
    Unauthorized { presented: bool, message: String },
    /// 403: the caller's role may not do this (SQLSTATE 42501: a missing GRANT).
    Forbidden { message: String },
    /// 408: the client stopped sending its body.
    ClientTimeout { message: String },
    /// 504: the request, or its statement in Postgres, ran out of time.
    Timeout { message: String },
    /// 404: the request names something that does not exist (a resume, a model version).
    NotFound { field: Option<String>, message: String },
    /// 413: a body larger than the service reads.
    TooLarge { message: String },
    /// 503: no database connection could be had, or the database is going away.
    Unavailable { message: String },
    /// 500: a failure no request should cause; the message is logged, not sent.
    Internal { message: String },
}

/// The kind of a failed request, a label of `resonance_http_errors_total`; middleware reads
/// it from the response's extensions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorLabel(pub &'static str);

impl ApiError {
    pub fn bad_request(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest { field: field.to_string(), message: message.into() }
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::Unavailable { message: message.into() }
    }

    fn status_and_kind(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized { .. } => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::ClientTimeout { .. } => (StatusCode::REQUEST_TIMEOUT, "client_timeout"),
            ApiError::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
            ApiError::Internal { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        let challenge = self.challenge();
        let (message, field) = match self {
            ApiError::BadRequest { field, message } => (message, Some(field)),
            ApiError::Unauthorized { message, .. } | ApiError::Forbidden { message } | ApiError::Timeout { message } => (message, None),
            ApiError::ClientTimeout { message } => (message, Some("body".to_string())),
            ApiError::NotFound { field, message } => (message, field),
            ApiError::TooLarge { message } => (message, Some("body".to_string())),
            ApiError::Unavailable { message } => {
                tracing::warn!(%message, "database unavailable");
                (format!("database unavailable: {message}"), None)
            }
            ApiError::Internal { message } => {
                tracing::error!(%message, "internal error");
                ("internal error; the service log has the details under this request's X-Request-Id".to_string(), None)
            }
        };
        let mut response = (status, Json(serde_json::json!({"error": message, "field": field}))).into_response();
        response.extensions_mut().insert(ErrorLabel(kind));
        if let Some(challenge) = challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

impl ApiError {
    /// The `WWW-Authenticate` header of a 401 (RFC 6750, section 3): which scheme to use,
    /// and `invalid_token` when the caller sent one that is not known.
    fn challenge(&self) -> Option<&'static str> {
        match self {
            ApiError::Unauthorized { presented: false, .. } => Some(r#"Bearer realm="resonance""#),
            ApiError::Unauthorized { presented: true, .. } => Some(r#"Bearer realm="resonance", error="invalid_token""#),
            _ => None,
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> ApiError {
        let Some(db) = e.as_db_error() else {
            // No server error: the connection broke (closed, reset, timed out) or a value did
            // not convert. The first is the database going away; the second is our bug.
            let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
            return if e.is_closed() || io {
                ApiError::unavailable(e.to_string())
            } else {
                ApiError::Internal { message: e.to_string() }
            };
        };
        let message = db.message().to_string();
        let code = db.code();
        if [SqlState::INVALID_PARAMETER_VALUE, SqlState::NULL_VALUE_NOT_ALLOWED, SqlState::PROGRAM_LIMIT_EXCEEDED].contains(code) {
            // 22023 is also raised for bad stored data (a job's malformed occupations): a
            // message that names no request field is not the caller's to fix.
            return match request_field(&message) {
                Some(field) => ApiError::BadRequest { field, message },
                None => ApiError::Internal { message: format!("{}: {message}", code.code()) },
            };
        }
        if code == &SqlState::NO_DATA_FOUND {
            return ApiError::NotFound { field: request_field(&message), message };
        }
        if code == &SqlState::INSUFFICIENT_PRIVILEGE {
            return ApiError::Forbidden { message };
        }
        // 57014: statement_timeout (or a DBA's pg_cancel_backend): the statement did not
        // finish; asking again later may work, as after the request's own timeout.
        if code == &SqlState::QUERY_CANCELED {
            return ApiError::Timeout { message: format!("the database canceled the statement: {message}") };
        }
        // Class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect
        // now), 53300 (too many connections).
        let going_away = code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
            ]
            .contains(code);
        if going_away {
            ApiError::unavailable(message)
        } else {
            ApiError::Internal { message: format!("{}: {message}", code.code()) }
        }
    }
}

impl From<PoolError> for ApiError {
    fn from(e: PoolError) -> ApiError {
        match e {
            // Any failure to get a connection (connect refused, timeout, authentication,
            // a database that does not exist) means the service cannot reach its data.
            PoolError::Timeout(_) => ApiError::unavailable("no database connection became free or could be opened in time"),
            PoolError::Backend(e) => ApiError::unavailable(e.to_string()),
            PoolError::Closed => ApiError::unavailable("the connection pool is closed (shutting down)"),
            other => ApiError::Internal { message: other.to_string() },
        }
    }
}

/// The request field an extension error message names, in the request's own terms:
/// `filters.<key>` / `options.<key>` for a key, `filters` / `options` for the whole
/// argument, `resume_id` for the resume. None when the message names none of them.
///
/// The messages are the extension's, checked byte for byte by its tests
/// (pg_regress/expected/match.out; engine `match_request.rs`): `unknown filter key "k"`,
/// `filter key "k" must ...`, `filter "k" must ...`, `option "k" ...`, `filters must be a
/// JSON object`, `resume <id> does not exist`. The earliest mention wins, so a quoted
/// value later in the message cannot redirect the field.
pub fn request_field(message: &str) -> Option<String> {
    let keyed = [("filter key \"", "filters"), ("filter \"", "filters"), ("option key \"", "options"), ("option \"", "options")];
    let first_key = keyed
        .iter()
        .filter_map(|(pattern, argument)| message.find(pattern).map(|at| (at, at + pattern.len(), *argument)))
        .min_by_key(|(at, _, _)| *at);
    if let Some((_, start, argument)) = first_key {
        if let Some(len) = message[start..].find('"') {
            return Some(format!("{argument}.{}", &message[start..start + len]));
        }
    }
    let whole = [("filters ", "filters"), ("options ", "options"), ("weight", "options"), ("resume", "resume_id")];
    whole
        .iter()
        .filter_map(|(word, field)| message.find(word).map(|at| (at, *field)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, field)| field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extensions_messages_name_request_fields() {
        let cases: [(&str, Option<&str>); 11] = [
            // pg_regress/expected/match.out's messages.
            ("invalid input: unknown filter key \"contry\" (known keys: country, city)", Some("filters.contry")),
            ("invalid input: filter key \"remote_only\" must be a boolean, got a string", Some("filters.remote_only")),
            ("invalid input: filter \"experience\" must be one of intern, junior, got \"wizard\"", Some("filters.experience")),
            ("invalid input: filters must be a JSON object, got an array", Some("filters")),
            ("invalid input: unknown option key \"top_k\" (known keys: explain)", Some("options.top_k")),
            ("invalid input: option \"top_k_retrieve\" must be an integer from 1 to 1000, got 0", Some("options.top_k_retrieve")),
            ("invalid input: at least one weight must be positive", Some("options")),
            ("option \"model_version\": no cross-encoder version \"9\" in resonance.ml_models", Some("options.model_version")),
            ("resume 00000000-0000-0000-0000-000000000000 does not exist in resonance.resumes", Some("resume_id")),
            // A value that quotes another key's words does not move the field.
            ("invalid input: filter \"experience\" must be one of intern, got \"option \\\"x\\\"\"", Some("filters.experience")),
            // Bad stored data names no request field.
            ("invalid input: job 1: stored occupation \"Nurses\" has confidence 7, outside [0, 1]", None),
        ];
        for (message, field) in cases {
            assert_eq!(request_field(&format!("resonance: {message}")).as_deref(), field, "{message}");
        }
    }

    #[test]
    fn statuses_and_kinds() {
        let status = |e: ApiError| e.into_response().status().as_u16();
        assert_eq!(status(ApiError::bad_request("resume_id", "x")), 400);
        assert_eq!(status(ApiError::NotFound { field: None, message: "x".into() }), 404);
        assert_eq!(status(ApiError::unavailable("x")), 503);
        assert_eq!(status(ApiError::Forbidden { message: "x".into() }), 403);
        assert_eq!(status(ApiError::ClientTimeout { message: "x".into() }), 408);
        assert_eq!(status(ApiError::Timeout { message: "x".into() }), 504);
        let r = ApiError::Internal { message: "secret detail".into() }.into_response();
        assert_eq!(r.extensions().get::<ErrorLabel>(), Some(&ErrorLabel("internal")));
        assert_eq!(r.headers().get(header::WWW_AUTHENTICATE), None);
    }

    #[test]
    fn a_401_names_the_bearer_scheme_and_an_unknown_token() {
        let challenge = |presented| {
            let r = ApiError::Unauthorized { presented, message: "x".into() }.into_response();
            assert_eq!((r.status().as_u16(), r.extensions().get::<ErrorLabel>()), (401, Some(&ErrorLabel("unauthorized"))));
            r.headers().get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap().to_string()
        };
        assert_eq!(challenge(false), r#"Bearer realm="resonance""#);
        assert_eq!(challenge(true), r#"Bearer realm="resonance", error="invalid_token""#);
    }
}
