//! The service's settings, read once from the environment at start. Every name, default
//! and limit is here; README ("HTTP API") lists them.

use std::net::SocketAddr;
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
        Ok(ServiceConfig { database, pool_size: pool_size as usize, pool_timeout: Duration::from_millis(pool_timeout_ms), bind, log_level })
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

    fn config(vars: &[(&str, &str)]) -> Result<ServiceConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
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
