//! The database side: the connection pool and the SQL each route runs. Every answer comes
//! from the extension's functions; nothing here ranks, filters or scores.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Timeouts};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::auth::Caller;
use crate::config::ServiceConfig;
use crate::errors::ApiError;
use crate::request::MatchRequest;

/// The pool. Connections open lazily, so the service starts (and `/healthz` answers) while
/// the database is down; `/readyz` says when it can serve.
pub fn pool(config: &ServiceConfig) -> Pool {
    // Fast recycling only checks that the connection is not closed: a connection the server
    // ended (restart, idle timeout) is dropped on checkout, without a test query per request.
    let manager = Manager::from_config(config.database.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let timeouts = Timeouts { wait: Some(config.pool_timeout), create: Some(config.pool_timeout), recycle: Some(config.pool_timeout) };
    Pool::builder(manager)
        .max_size(config.pool_size)
        .timeouts(timeouts)
        .runtime(Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and timeouts always builds")
}

/// What each transaction on a caller's behalf runs first: `SET LOCAL ROLE` to the caller's
/// role (none without authentication) and `SET LOCAL statement_timeout`. LOCAL: both end
/// with the transaction, so a pooled connection never carries one caller's role into the
/// next request, even when a request is dropped mid-transaction (the rollback resets them).
pub fn transaction_setup(caller: &Caller, statement_timeout: Duration) -> String {
    let timeout = format!("SET LOCAL statement_timeout = {}", statement_timeout.as_millis());
    match &caller.role {
        Some(role) => format!("SET LOCAL ROLE {}; {timeout}", quote_identifier(role)),
        None => timeout,
    }
}

/// `name` as a quoted SQL identifier (Postgres' quote_ident, always quoting): case and
/// every character kept, a `"` doubled, so no role name can end the statement.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The setup's failure: a connection error is the database's (503); a server error means
/// the service cannot act as the role, a configuration fault that no caller can fix.
fn setup_error(setup: &str, e: tokio_postgres::Error) -> ApiError {
    match e.as_db_error() {
        Some(db) => ApiError::Internal {
            message: format!(
                "{setup}: {} (the service's login role must be a member of each role of the tokens file: GRANT <role> TO <login role>)",
                db.message()
            ),
        },
        None => e.into(),
    }
}

/// One ranked job as the extension returned it.
pub struct MatchedJob {
    pub id: Uuid,
    pub title: Option<String>,
    pub rank: i32,
    pub score: f32,
    pub explanation: Option<RawJson>,
}

/// A jsonb value kept as the JSON text Postgres sent. The explanations are most of a
/// response (about 1 kB per job); passing them through instead of building a
/// `serde_json::Value` and printing it again halves the service's CPU per match (measured
/// with scripts/bench_http.sh: 0.58 ms per request with 25 explanations).
pub struct RawJson(pub Box<RawValue>);

impl<'a> FromSql<'a> for RawJson {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        // jsonb's binary format is a version byte (1) and the text; json's is the text.
        let text = if *ty == Type::JSONB {
            match raw.split_first() {
                Some((1, text)) => text,
                _ => return Err("unsupported jsonb version".into()),
            }
        } else {
            raw
        };
        // from_string checks that the text is JSON without building a tree.
        Ok(RawJson(RawValue::from_string(std::str::from_utf8(text)?.to_string())?))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }
}

/// A match's rows and the models that scored it.
pub struct MatchAnswer {
    pub jobs: Vec<MatchedJob>,
    /// `resonance_last_match_stats()`: per-stage models, counts and milliseconds.
    pub stats: Option<Value>,
}

const MATCH_SQL: &str =
    "SELECT job_id, title, rank, final_score, explanation FROM resonance_match($1, $2, $3) ORDER BY rank";

/// `resonance_match` and, in the same transaction, the stats of that very call. The stats
/// are per backend (README, "Deployment"): reading them in the match's transaction keeps
/// them right even behind a transaction-mode pooler.
pub async fn match_jobs(client: &mut Object, setup: &str, request: &MatchRequest) -> Result<MatchAnswer, ApiError> {
    // Prepared once per connection and reused (deadpool's statement cache).
    let statement = client.prepare_cached(MATCH_SQL).await?;
    let stats_statement = client.prepare_cached("SELECT resonance_last_match_stats()").await?;
    // Dropped on an error, the transaction rolls back: no connection goes back to the pool
    // inside a transaction.
    let tx = client.transaction().await?;
    // The setup and both statements are sent at once (tokio-postgres pipelines queries
    // polled together) and run in order. Every answer is awaited and checked in order: when
    // one fails, the later ones fail too ("transaction is aborted"), and the caller must get
    // the first error (try_join! would return whichever it polled first).
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&request.resume_id, &request.filters, &request.options];
    let (set_up, rows, stats_row) =
        tokio::join!(tx.batch_execute(setup), tx.query(&statement, &params), tx.query_one(&stats_statement, &[]));
    set_up.map_err(|e| setup_error(setup, e))?;
    let (rows, stats_row) = (rows?, stats_row?);
    let stats: Option<Value> = stats_row.get(0);
    tx.commit().await?;
    let jobs = rows
        .iter()
        .map(|row| MatchedJob {
            id: row.get(0),
            title: row.get(1),
            rank: row.get(2),
            score: row.get(3),
            explanation: row.get(4),
        })
        .collect();
    Ok(MatchAnswer { jobs, stats })
}

/// `resonance_models_active()`: the active model of each kind, as the caller's role.
pub async fn models_active(client: &mut Object, setup: &str) -> Result<Value, ApiError> {
    let statement = client.prepare_cached("SELECT resonance_models_active()").await?;
    let tx = client.transaction().await?;
    let (set_up, row) = tokio::join!(tx.batch_execute(setup), tx.query_one(&statement, &[]));
    set_up.map_err(|e| setup_error(setup, e))?;
    let models = row?.get(0);
    tx.commit().await?;
    Ok(models)
}

/// Whether the database answers and has the extension: what `/readyz` reports.
pub async fn extension_installed(client: &Object) -> Result<bool, ApiError> {
    let row = client.query_one("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'resonance')", &[]).await?;
    Ok(row.get(0))
}

/// The model that scored a match, as the response's `model_version`: the cross-encoder's
/// `name@version` when stage 3 scored a returned job, else the bi-encoder's (whose cosine
/// then ranks, with the skill graph).
pub fn scoring_model(stats: Option<&Value>) -> Option<String> {
    let stages = stats?.get("stages")?;
    let reranked = stages.get("reranked_returned").and_then(Value::as_u64).unwrap_or(0);
    let cross = stages.get("cross_encoder").and_then(Value::as_str).filter(|_| reranked > 0);
    cross.or_else(|| stages.get("bi_encoder").and_then(Value::as_str)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn role_names_are_quoted_whatever_they_hold() {
        assert_eq!(quote_identifier("app"), r#""app""#);
        assert_eq!(quote_identifier("Recruiter-A"), r#""Recruiter-A""#);
        assert_eq!(quote_identifier(r#"x"; DROP TABLE t; --"#), r#""x""; DROP TABLE t; --""#);
        assert_eq!(quote_identifier(r#"""#), r#""""""#);
    }

    #[test]
    fn a_transaction_sets_its_role_and_statement_timeout() {
        let caller = Caller { role: Some("Recruiter-A".into()) };
        assert_eq!(
            transaction_setup(&caller, Duration::from_millis(2500)),
            r#"SET LOCAL ROLE "Recruiter-A"; SET LOCAL statement_timeout = 2500"#
        );
        assert_eq!(transaction_setup(&Caller { role: None }, Duration::from_secs(25)), "SET LOCAL statement_timeout = 25000");
    }

    #[test]
    fn the_scoring_model_is_the_cross_encoder_only_when_it_scored() {
        let stats = |cross: Value, reranked: u64| {
            json!({"stages": {"bi_encoder": "all-minilm-l6-v2", "cross_encoder": cross, "reranked_returned": reranked}})
        };
        assert_eq!(scoring_model(Some(&stats(Value::Null, 0))).as_deref(), Some("all-minilm-l6-v2"));
        assert_eq!(scoring_model(Some(&stats(json!("ce@2"), 25))).as_deref(), Some("ce@2"));
        // Active but out of budget before any returned job: the bi-encoder scored them.
        assert_eq!(scoring_model(Some(&stats(json!("ce@2"), 0))).as_deref(), Some("all-minilm-l6-v2"));
        assert_eq!(scoring_model(None), None);
    }
}
