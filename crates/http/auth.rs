//! Who is calling: the bearer token of each request, looked up in the tokens file
//! (tokens.rs), names the Postgres role the request's transaction runs as (db.rs switches
//! to it with `SET LOCAL ROLE`), so RLS policies and GRANTs apply to an HTTP caller as to
//! the same role over SQL.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::{AuthSetting, ConfigError};
use crate::errors::ApiError;
use crate::tokens::TokenSet;

/// Tokens longer than this are refused unhashed: ours are 68 characters.
const MAX_TOKEN_LEN: usize = 256;

/// The role a request runs as: a token's role, or None (the service's login role) when
/// the service runs without authentication.
#[derive(Clone, Debug, PartialEq)]
pub struct Caller {
    pub role: Option<Arc<str>>,
}

/// How requests are authenticated, and which routes need it.
pub struct Authenticator {
    /// None: `RESONANCE_HTTP_AUTH=none`, every request is the login role's.
    tokens: Option<TokenSet>,
    /// `/metrics` without a token (`RESONANCE_HTTP_METRICS_PUBLIC`).
    pub metrics_public: bool,
}

impl Authenticator {
    pub fn new(tokens: Option<TokenSet>, metrics_public: bool) -> Authenticator {
        Authenticator { tokens, metrics_public }
    }

    /// The authenticator the settings describe; the tokens file is read here, and an error
    /// names the variable and the line.
    pub fn from_setting(auth: &AuthSetting, metrics_public: bool) -> Result<Authenticator, ConfigError> {
        let tokens = match auth {
            AuthSetting::Open => None,
            AuthSetting::Tokens(path) => Some(
                TokenSet::load(path).map_err(|e| ConfigError(format!("RESONANCE_HTTP_TOKENS_FILE {}: {e}", path.display())))?,
            ),
        };
        Ok(Authenticator::new(tokens, metrics_public))
    }

    /// The caller a request's headers prove, or 401.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let Some(tokens) = &self.tokens else { return Ok(Caller { role: None }) };
        let token = bearer_token(headers).ok_or_else(|| ApiError::Unauthorized {
            presented: false,
            message: "this route needs a bearer token: send Authorization: Bearer <token>".into(),
        })?;
        let role = (token.len() <= MAX_TOKEN_LEN).then(|| tokens.role_of(token)).flatten();
        let role = role.ok_or_else(|| ApiError::Unauthorized { presented: true, message: "the bearer token is not valid".into() })?;
        Ok(Caller { role: Some(Arc::from(role)) })
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC 7235).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The middleware of the routes that need a caller: 401 without a valid token; else the
/// caller goes into the request's extensions for the handler, and its role into the
/// request's log span.
pub async fn authenticate(State(auth): State<Arc<Authenticator>>, mut request: Request, next: Next) -> Result<Response, ApiError> {
    let caller = auth.caller(request.headers())?;
    if let Some(role) = &caller.role {
        tracing::Span::current().record("role", role.as_ref());
    }
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::new_token;

    fn headers(authorization: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        h
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer_token(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&headers("bearer   abc ")), Some("abc"));
        assert_eq!(bearer_token(&headers("Basic YWJjOmRlZg==")), None);
        assert_eq!(bearer_token(&headers("Bearer")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn a_token_names_its_role_and_anything_else_is_401() {
        let (token, line) = new_token("Recruiter-A").unwrap();
        let auth = Authenticator::new(Some(TokenSet::parse(&line).unwrap()), false);
        assert_eq!(auth.caller(&headers(&format!("Bearer {token}"))).unwrap().role.as_deref(), Some("Recruiter-A"));
        let refused = |h: &HeaderMap| match auth.caller(h) {
            Err(ApiError::Unauthorized { presented, .. }) => presented,
            other => panic!("expected 401, got {other:?}"),
        };
        assert!(!refused(&HeaderMap::new()));
        assert!(!refused(&headers(&format!("Basic {token}"))));
        assert!(refused(&headers("Bearer rsn_0000")));
        assert!(refused(&headers(&format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1)))));
    }

    #[test]
    fn without_authentication_every_caller_is_the_login_role() {
        let auth = Authenticator::new(None, false);
        assert_eq!(auth.caller(&HeaderMap::new()).unwrap(), Caller { role: None });
    }
}
