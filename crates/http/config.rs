//! The service's settings, read once from the environment at start. Every name, default
//! and limit is here; README ("HTTP API") lists them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where to listen when `RESONANCE_HTTP_BIND` is unset: loopback only, so a service started
/// by hand is not reachable from the network until someone says so.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Connections to Postgres when `RESONANCE_HTTP_POOL_SIZE` is unset. A match is CPU work
/// inside its backend, and each backend loads its own models (about 350 MB, README "Which
/// occupation a job is"): more connections than cores only queue inside Postgres and add
/// memory. Two per core of the 2-core machine keeps both busy while one connection's
/// result travels back (scripts/bench_http.sh measures it).
pub const DEFAULT_POOL_SIZE: usize = 4;

/// How long a request waits for a pooled connection (including connecting a new one)
/// before it gets 503, when `RESONANCE_HTTP_POOL_TIMEOUT_MS` is unset. A match takes tens
/// of milliseconds (README, "resonance_match latency"); five seconds of queueing means the
/// database is down or far behind, and the caller is better told so.
pub const DEFAULT_POOL_TIMEOUT_MS: u64 = 5_000;

/// Connect timeout used when the database URL sets none: a host that drops packets would
/// otherwise hold a request for the operating system's TCP timeout (minutes).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a client may take to send a request's line and headers, and how long a
/// keep-alive connection may sit idle, when `RESONANCE_HTTP_HEADER_TIMEOUT_MS` is unset.
/// Every client of an API sends its headers in one packet; ten seconds covers a slow
/// network and still closes a client that trickles bytes to hold a connection.
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 10_000;

/// The longest pause between two pieces of a request body when
/// `RESONANCE_HTTP_BODY_TIMEOUT_MS` is unset; a client that stops sending is answered 408.
/// A body is at most 160 kB (request.rs), one or a few packets.
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 10_000;

/// The most a request may take, body included, when `RESONANCE_HTTP_REQUEST_TIMEOUT_MS` is
/// unset; then 504. A warm match takes milliseconds and a first, cold cross-encoder pass
/// with no budget about 4 s (README, "rerank"): thirty seconds is an outage, not load.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;

/// Postgres' `statement_timeout` in each of the service's transactions when
/// `RESONANCE_HTTP_STATEMENT_TIMEOUT_MS` is unset. Below the request timeout, so the
/// database stops a statement (a lock wait included) before the request gives up on it;
/// otherwise the statement would run on, holding its connection, after the caller was told 504.
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 25_000;

/// How long a stop (SIGTERM, SIGINT) waits for requests in flight when
/// `RESONANCE_HTTP_DRAIN_TIMEOUT_MS` is unset; then the service exits with whatever is
/// still open. Under Kubernetes' default 30 s grace period, so the service ends itself.
pub const DEFAULT_DRAIN_TIMEOUT_MS: u64 = 20_000;

/// How callers prove who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthSetting {
    /// `RESONANCE_HTTP_TOKENS_FILE`: bearer tokens, each mapped to a Postgres role that the
    /// request's transaction switches to (auth.rs, tokens.rs).
    Tokens(PathBuf),
    /// `RESONANCE_HTTP_AUTH=none`: anyone who reaches the port is served, as the login role.
    /// Allowed only on a loopback address.
    Open,
}

/// Every timeout of the service (README, "HTTP API", timeouts).
#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    pub header_read: Duration,
    pub body: Duration,
    pub request: Duration,
    pub statement: Duration,
    pub drain: Duration,
}

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// `RESONANCE_HTTP_DATABASE_URL`, else `DATABASE_URL`: a libpq-style URL or key=value
    /// string (`postgresql://user@host:port/db`, `host=/tmp port=5432 dbname=db user=u`).
    pub database: tokio_postgres::Config,
    pub pool_size: usize,
    pub pool_timeout: Duration,
    pub bind: SocketAddr,
    /// `RESONANCE_HTTP_LOG`: error, warn, info (default: one line per request), debug, trace.
    pub log_level: tracing::Level,
    /// `RESONANCE_HTTP_AUTH` and `RESONANCE_HTTP_TOKENS_FILE`.
    pub auth: AuthSetting,
    /// `RESONANCE_HTTP_METRICS_PUBLIC`: `/metrics` without a token (default off).
    pub metrics_public: bool,
    pub timeouts: Timeouts,
}

/// A setting that cannot be used, named with the variable it came from.
#[derive(Debug, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl ServiceConfig {
    /// The settings from the process environment.
    pub fn from_env() -> Result<ServiceConfig, ConfigError> {
        ServiceConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from any lookup of variables (the tests pass a map).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<ServiceConfig, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        // No default database: a service that quietly connected to some default would
        // answer 503 forever instead of saying what is missing.
        let (url_name, url) = ["RESONANCE_HTTP_DATABASE_URL", "DATABASE_URL"]
            .into_iter()
            .find_map(|name| set(name).map(|v| (name, v)))
            .ok_or_else(|| ConfigError("RESONANCE_HTTP_DATABASE_URL (or DATABASE_URL) is not set".into()))?;
        let mut database: tokio_postgres::Config =
            url.parse().map_err(|e| ConfigError(format!("{url_name} is not a valid database URL: {e}")))?;
        if database.get_connect_timeout().is_none() {
            database.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if database.get_application_name().is_none() {
            // Shows up in pg_stat_activity, so a DBA can tell the service's backends apart.
            database.application_name("resonance-http");
        }
        let pool_size = number(set("RESONANCE_HTTP_POOL_SIZE"), "RESONANCE_HTTP_POOL_SIZE", DEFAULT_POOL_SIZE as u64, 1..=1000)?;
        let pool_timeout_ms =
            number(set("RESONANCE_HTTP_POOL_TIMEOUT_MS"), "RESONANCE_HTTP_POOL_TIMEOUT_MS", DEFAULT_POOL_TIMEOUT_MS, 1..=600_000)?;
        let bind_text = set("RESONANCE_HTTP_BIND").unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind = bind_text.trim().parse().map_err(|_| {
            ConfigError(format!("RESONANCE_HTTP_BIND must be an address and port such as {DEFAULT_BIND}, got {bind_text:?}"))
        })?;
        let log_text = set("RESONANCE_HTTP_LOG").unwrap_or_else(|| "info".to_string());
        let log_level = log_text.trim().parse().map_err(|_| {
            ConfigError(format!("RESONANCE_HTTP_LOG must be one of error, warn, info, debug, trace, got {log_text:?}"))
        })?;
        let auth = auth(&set, &bind)?;
        let metrics_public = switch(set("RESONANCE_HTTP_METRICS_PUBLIC"), "RESONANCE_HTTP_METRICS_PUBLIC", false)?;
        let timeouts = timeouts(&set)?;
        Ok(ServiceConfig {
            database,
            pool_size: pool_size as usize,
            pool_timeout: Duration::from_millis(pool_timeout_ms),
            bind,
            log_level,
            auth,
            metrics_public,
            timeouts,
        })
    }
}

/// `RESONANCE_HTTP_AUTH` (`token`, the default, or `none`) and `RESONANCE_HTTP_TOKENS_FILE`.
/// Secure by default: without a tokens file the service does not start, and serving
/// without authentication must be asked for and is refused on an address other hosts reach.
fn auth(set: &impl Fn(&str) -> Option<String>, bind: &SocketAddr) -> Result<AuthSetting, ConfigError> {
    let mode = set("RESONANCE_HTTP_AUTH").map_or_else(|| "token".to_string(), |v| v.trim().to_ascii_lowercase());
    let file = set("RESONANCE_HTTP_TOKENS_FILE");
    match (mode.as_str(), file) {
        ("token", Some(path)) => Ok(AuthSetting::Tokens(PathBuf::from(path.trim()))),
        ("token", None) => Err(ConfigError(
            "RESONANCE_HTTP_TOKENS_FILE is not set: every caller needs a bearer token (make one with `resonance-http hash-token <role>`); \
             to serve without authentication on a loopback address, set RESONANCE_HTTP_AUTH=none"
                .into(),
        )),
        ("none", Some(_)) => Err(ConfigError("RESONANCE_HTTP_AUTH=none and RESONANCE_HTTP_TOKENS_FILE are both set: choose one".into())),
        ("none", None) if bind.ip().is_loopback() => Ok(AuthSetting::Open),
        ("none", None) => Err(ConfigError(format!(
            "RESONANCE_HTTP_AUTH=none serves anyone who reaches the port, so RESONANCE_HTTP_BIND must be a loopback address (127.0.0.1, ::1), got {bind}"
        ))),
        (other, _) => Err(ConfigError(format!("RESONANCE_HTTP_AUTH must be token or none, got {other:?}"))),
    }
}

fn timeouts(set: &impl Fn(&str) -> Option<String>) -> Result<Timeouts, ConfigError> {
    let ms = |name: &str, default: u64| number(set(name), name, default, 1..=3_600_000).map(Duration::from_millis);
    let t = Timeouts {
        header_read: ms("RESONANCE_HTTP_HEADER_TIMEOUT_MS", DEFAULT_HEADER_TIMEOUT_MS)?,
        body: ms("RESONANCE_HTTP_BODY_TIMEOUT_MS", DEFAULT_BODY_TIMEOUT_MS)?,
        request: ms("RESONANCE_HTTP_REQUEST_TIMEOUT_MS", DEFAULT_REQUEST_TIMEOUT_MS)?,
        statement: ms("RESONANCE_HTTP_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS)?,
        drain: ms("RESONANCE_HTTP_DRAIN_TIMEOUT_MS", DEFAULT_DRAIN_TIMEOUT_MS)?,
    };
    if t.statement >= t.request {
        return Err(ConfigError(format!(
            "RESONANCE_HTTP_STATEMENT_TIMEOUT_MS ({}) must be less than RESONANCE_HTTP_REQUEST_TIMEOUT_MS ({}): \
             a statement must end before the request that waits for it gives up",
            t.statement.as_millis(),
            t.request.as_millis()
        )));
    }
    Ok(t)
}

/// An on/off setting, spelled as Postgres spells booleans; `default` when unset.
fn switch(value: Option<String>, name: &str, default: bool) -> Result<bool, ConfigError> {
    let Some(text) = value else { return Ok(default) };
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(ConfigError(format!("{name} must be on or off, got {text:?}"))),
    }
}

/// An integer setting within `range`, or `default` when unset.
fn number(value: Option<String>, name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, ConfigError> {
    let Some(text) = value else { return Ok(default) };
    match text.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError(format!(
            "{name} must be an integer from {} to {}, got {text:?}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKENS: (&str, &str) = ("RESONANCE_HTTP_TOKENS_FILE", "/etc/resonance/tokens");

    /// The settings from `vars`, with a tokens file unless `vars` sets RESONANCE_HTTP_AUTH
    /// or the file itself.
    fn config(vars: &[(&str, &str)]) -> Result<ServiceConfig, ConfigError> {
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !map.contains_key("RESONANCE_HTTP_AUTH") {
            map.entry(TOKENS.0.to_string()).or_insert(TOKENS.1.to_string());
        }
        ServiceConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_set() {
        let c = config(&[("DATABASE_URL", "postgresql://postgres@localhost:5432/resonance")]).unwrap();
        assert_eq!(c.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(c.pool_timeout, Duration::from_millis(DEFAULT_POOL_TIMEOUT_MS));
        assert_eq!(c.bind, DEFAULT_BIND.parse().unwrap());
        assert_eq!(c.database.get_dbname(), Some("resonance"));
        assert_eq!(c.database.get_connect_timeout(), Some(&DEFAULT_CONNECT_TIMEOUT));
        assert_eq!(c.database.get_application_name(), Some("resonance-http"));
        assert_eq!(c.log_level, tracing::Level::INFO);
        assert_eq!(c.auth, AuthSetting::Tokens(PathBuf::from(TOKENS.1)));
        assert!(!c.metrics_public);
        let ms = Duration::from_millis;
        assert_eq!(
            c.timeouts,
            Timeouts {
                header_read: ms(DEFAULT_HEADER_TIMEOUT_MS),
                body: ms(DEFAULT_BODY_TIMEOUT_MS),
                request: ms(DEFAULT_REQUEST_TIMEOUT_MS),
                statement: ms(DEFAULT_STATEMENT_TIMEOUT_MS),
                drain: ms(DEFAULT_DRAIN_TIMEOUT_MS),
            }
        );
    }

    #[test]
    fn authentication_is_required_unless_refused_explicitly_on_loopback() {
        let db = ("DATABASE_URL", "postgresql://localhost/db");
        let only_db = ServiceConfig::from_lookup(|name| (name == db.0).then(|| db.1.to_string())).unwrap_err().0;
        assert!(only_db.starts_with("RESONANCE_HTTP_TOKENS_FILE is not set"), "{only_db}");
        assert_eq!(config(&[db, ("RESONANCE_HTTP_AUTH", "none")]).unwrap().auth, AuthSetting::Open);
        assert_eq!(config(&[db, ("RESONANCE_HTTP_AUTH", "None"), ("RESONANCE_HTTP_BIND", "[::1]:80")]).unwrap().auth, AuthSetting::Open);
        let exposed = config(&[db, ("RESONANCE_HTTP_AUTH", "none"), ("RESONANCE_HTTP_BIND", "0.0.0.0:8080")]).unwrap_err().0;
        assert!(exposed.starts_with("RESONANCE_HTTP_AUTH=none serves anyone") && exposed.ends_with("got 0.0.0.0:8080"), "{exposed}");
        assert!(config(&[db, ("RESONANCE_HTTP_AUTH", "none"), TOKENS]).unwrap_err().0.contains("both set"));
        assert_eq!(
            config(&[db, ("RESONANCE_HTTP_AUTH", "basic"), TOKENS]).unwrap_err().0,
            "RESONANCE_HTTP_AUTH must be token or none, got \"basic\""
        );
        assert!(config(&[db, ("RESONANCE_HTTP_METRICS_PUBLIC", "on")]).unwrap().metrics_public);
        assert_eq!(
            config(&[db, ("RESONANCE_HTTP_METRICS_PUBLIC", "public")]).unwrap_err().0,
            "RESONANCE_HTTP_METRICS_PUBLIC must be on or off, got \"public\""
        );
    }

    #[test]
    fn timeouts_are_read_and_the_statement_ends_before_the_request() {
        let db = ("DATABASE_URL", "postgresql://localhost/db");
        let c = config(&[db, ("RESONANCE_HTTP_HEADER_TIMEOUT_MS", "2000"), ("RESONANCE_HTTP_DRAIN_TIMEOUT_MS", "3000")]).unwrap();
        assert_eq!((c.timeouts.header_read, c.timeouts.drain), (Duration::from_secs(2), Duration::from_secs(3)));
        assert_eq!(
            config(&[db, ("RESONANCE_HTTP_BODY_TIMEOUT_MS", "0")]).unwrap_err().0,
            "RESONANCE_HTTP_BODY_TIMEOUT_MS must be an integer from 1 to 3600000, got \"0\""
        );
        let late = config(&[db, ("RESONANCE_HTTP_REQUEST_TIMEOUT_MS", "5000"), ("RESONANCE_HTTP_STATEMENT_TIMEOUT_MS", "5000")]).unwrap_err().0;
        assert!(late.starts_with("RESONANCE_HTTP_STATEMENT_TIMEOUT_MS (5000) must be less than RESONANCE_HTTP_REQUEST_TIMEOUT_MS (5000)"), "{late}");
    }

    #[test]
    fn the_service_variable_wins_over_database_url_and_keeps_its_own_timeout() {
        let c = config(&[
            ("DATABASE_URL", "postgresql://a@localhost/one"),
            ("RESONANCE_HTTP_DATABASE_URL", "host=/tmp port=55450 dbname=two user=postgres connect_timeout=9"),
            ("RESONANCE_HTTP_POOL_SIZE", "8"),
            ("RESONANCE_HTTP_BIND", "0.0.0.0:9000"),
        ])
        .unwrap();
        assert_eq!(c.database.get_dbname(), Some("two"));
        assert_eq!(c.database.get_connect_timeout(), Some(&Duration::from_secs(9)));
        assert_eq!((c.pool_size, c.bind), (8, "0.0.0.0:9000".parse().unwrap()));
    }

    #[test]
    fn bad_settings_name_the_variable() {
        assert_eq!(config(&[]).unwrap_err().0, "RESONANCE_HTTP_DATABASE_URL (or DATABASE_URL) is not set");
        let base = ("DATABASE_URL", "postgresql://localhost/db");
        assert_eq!(
            config(&[base, ("RESONANCE_HTTP_POOL_SIZE", "0")]).unwrap_err().0,
            "RESONANCE_HTTP_POOL_SIZE must be an integer from 1 to 1000, got \"0\""
        );
        assert!(config(&[base, ("RESONANCE_HTTP_BIND", "localhost")]).unwrap_err().0.starts_with("RESONANCE_HTTP_BIND must be"));
        assert!(config(&[base, ("RESONANCE_HTTP_LOG", "loud")]).unwrap_err().0.starts_with("RESONANCE_HTTP_LOG must be one of"));
        assert!(config(&[("DATABASE_URL", "postgresql://localhost:notaport/db")])
            .unwrap_err()
            .0
            .starts_with("DATABASE_URL is not a valid database URL"));
    }
}
