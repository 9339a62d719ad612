//! The resonance_stats views' functions over the server-wide statistics
//! (`postgres::stats`), and resonance_stats_reset().

use pgrx::prelude::*;

use crate::postgres::stats::{self, Stats, COUNTERS, FUNCTIONS, STAGES};
use resonance_engine::latency_histogram::{quantile, BUCKETS};

/// The statistics, or the ERROR pg_stat_statements gives in the same case.
fn read() -> Stats {
    stats::read().unwrap_or_else(|| {
        ereport!(
            PgLogLevel::ERROR,
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "resonance statistics need the library in shared_preload_libraries",
            "Add 'resonance' to shared_preload_libraries in postgresql.conf and restart the server."
        );
        unreachable!()
    })
}

/// kind, name, calls, errors, P50, P95, P99 (resonance_stats's columns).
type LatencyRow = (String, String, i64, Option<i64>, Option<f64>, Option<f64>, Option<f64>);

fn latency_row(kind: &str, name: &str, errors: Option<u64>, counts: &[u64; BUCKETS]) -> LatencyRow {
    let q = |q| quantile(counts, q);
    (kind.into(), name.into(), counts.iter().sum::<u64>() as i64, errors.map(|e| e as i64), q(0.5), q(0.95), q(0.99))
}

/// One row per SQL function (calls, errors, latency) and per stage of resonance_match
/// (latency), since the server started or the last resonance_stats_reset(). Percentiles are
/// the upper bounds of log-scale buckets (at most 2x the true value).
#[pg_extern(volatile, parallel_safe)]
#[allow(clippy::type_complexity)]
fn resonance_stats() -> TableIterator<
    'static,
    (
        name!(kind, String),
        name!(name, String),
        name!(calls, i64),
        name!(errors, Option<i64>),
        name!(p50_ms, Option<f64>),
        name!(p95_ms, Option<f64>),
        name!(p99_ms, Option<f64>),
    ),
> {
    let s = read();
    let functions = FUNCTIONS.iter().enumerate().map(|(i, f)| latency_row("function", f, Some(s.errors[i]), &s.function_ms[i]));
    let stages = STAGES.iter().enumerate().map(|(i, st)| latency_row("match_stage", st, None, &s.stage_ms[i]));
    TableIterator::new(functions.chain(stages).collect::<Vec<_>>())
}

/// Counters: rerank-cache hits and misses, model loads, skill index builds and opens, and the
/// taxonomy version (resonance.kg_version) of the skill index last opened.
#[pg_extern(volatile, parallel_safe)]
fn resonance_stats_counters() -> TableIterator<'static, (name!(name, String), name!(value, i64))> {
    let s = read();
    let counters = COUNTERS.iter().zip(s.counters).map(|(n, v)| (n.to_string(), v as i64));
    let version = std::iter::once(("kg_version_in_use".to_string(), s.kg_version));
    TableIterator::new(counters.chain(version).collect::<Vec<_>>())
}

/// Sets every statistic back to zero (superuser only: REVOKEd from PUBLIC in the schema).
#[pg_extern(volatile, parallel_safe)]
fn resonance_stats_reset() {
    read();
    stats::reset();
}
