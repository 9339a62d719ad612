//! The database side: the connection pool and the SQL each route runs. Every answer comes
//! from the extension's functions; nothing here ranks, filters or scores.

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Timeouts};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::NoTls;
use uuid::Uuid;

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
pub async fn match_jobs(client: &mut Object, request: &MatchRequest) -> Result<MatchAnswer, ApiError> {
    // Prepared once per connection and reused (deadpool's statement cache).
    let statement = client.prepare_cached(MATCH_SQL).await?;
    let stats_statement = client.prepare_cached("SELECT resonance_last_match_stats()").await?;
    // Dropped on an error, the transaction rolls back: no connection goes back to the pool
    // inside a transaction.
    let tx = client.transaction().await?;
    // Both statements are sent at once (tokio-postgres pipelines queries polled together)
    // and run in order. Both answers are awaited and the match's checked first: when it
    // fails, the stats query fails too ("transaction is aborted"), and the caller must get
    // the match's error (try_join! would return whichever it polled first).
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&request.resume_id, &request.filters, &request.options];
    let (rows, stats_row) = tokio::join!(tx.query(&statement, &params), tx.query_one(&stats_statement, &[]));
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

/// `resonance_models_active()`: the active model of each kind.
pub async fn models_active(client: &Object) -> Result<Value, ApiError> {
    let statement = client.prepare_cached("SELECT resonance_models_active()").await?;
    Ok(client.query_one(&statement, &[]).await?.get(0))
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
