//! The resonance_stats views' functions over the server-wide statistics
//! (`postgres::stats`), and resonance_stats_reset().

use pgrx::prelude::*;

use crate::postgres::stats::{self, DatabaseStats, COUNTERS, FUNCTIONS, STAGES};
use resonance_engine::latency_histogram::{quantile, BUCKETS};

/// The databases' statistics the current role may see, or the ERROR pg_stat_statements gives
/// without shared_preload_libraries. As pg_stat_statements shows other databases' rows only
/// to members of pg_read_all_stats, a role without it sees its own database's rows alone
/// (counts of another database say what its users do).
fn read() -> Vec<DatabaseStats> {
    let all = read_all();
    // SAFETY: plain reads of backend globals and a catalog lookup, inside a transaction.
    let (own, everything) = unsafe {
        (pg_sys::MyDatabaseId.to_u32(), pg_sys::has_privs_of_role(pg_sys::GetUserId(), pg_sys::Oid::from(pg_sys::ROLE_PG_READ_ALL_STATS)))
    };
    let mut visible: Vec<DatabaseStats> =
        all.databases.into_iter().filter(|d| d.used && (everything || d.dbid == own)).collect();
    // The caller's own database always has its rows, zeros before its first call.
    if !visible.iter().any(|d| d.dbid == own) {
        visible.insert(0, DatabaseStats { dbid: own, ..DatabaseStats::default() });
    }
    visible
}

fn read_all() -> stats::Stats {
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

/// dbid, kind, name, calls, errors, P50, P95, P99 (resonance_stats's columns).
type LatencyRow = (pg_sys::Oid, String, String, i64, Option<i64>, Option<f64>, Option<f64>, Option<f64>);

fn latency_row(dbid: u32, kind: &str, name: &str, errors: Option<u64>, counts: &[u64; BUCKETS]) -> LatencyRow {
    let q = |q| quantile(counts, q);
    let calls = counts.iter().sum::<u64>() as i64;
    (pg_sys::Oid::from(dbid), kind.into(), name.into(), calls, errors.map(|e| e as i64), q(0.5), q(0.95), q(0.99))
}

/// One database's rows of resonance_stats.
fn latency_rows(d: &DatabaseStats) -> impl Iterator<Item = LatencyRow> + '_ {
    let functions = FUNCTIONS.iter().enumerate().map(|(i, f)| latency_row(d.dbid, "function", f, Some(d.errors[i]), &d.function_ms[i]));
    let stages = STAGES.iter().enumerate().map(|(i, st)| latency_row(d.dbid, "match_stage", st, None, &d.stage_ms[i]));
    functions.chain(stages)
}

/// One row per SQL function (calls, errors, latency) and per stage of resonance_match
/// (latency), since the server started or the last resonance_stats_reset(). Percentiles are
/// the upper bounds of log-scale buckets (at most 2x the true value).
#[pg_extern(volatile, parallel_safe)]
#[allow(clippy::type_complexity)]
fn resonance_stats() -> TableIterator<
    'static,
    (
        name!(dbid, pg_sys::Oid),
        name!(kind, String),
        name!(name, String),
        name!(calls, i64),
        name!(errors, Option<i64>),
        name!(p50_ms, Option<f64>),
        name!(p95_ms, Option<f64>),
        name!(p99_ms, Option<f64>),
    ),
> {
    let databases = read();
    TableIterator::new(databases.iter().flat_map(latency_rows).collect::<Vec<_>>())
}

/// Counters per database: rerank-cache hits and misses, model loads, skill index builds and
/// opens, stale occupations the skill stage used, and the taxonomy version
/// (resonance.kg_version) of the skill index last opened.
#[pg_extern(volatile, parallel_safe)]
fn resonance_stats_counters() -> TableIterator<'static, (name!(dbid, pg_sys::Oid), name!(name, String), name!(value, i64))> {
    let rows = read().into_iter().flat_map(|d| {
        let dbid = pg_sys::Oid::from(d.dbid);
        let counters = COUNTERS.iter().zip(d.counters).map(move |(n, v)| (dbid, n.to_string(), v as i64));
        counters.chain(std::iter::once((dbid, "kg_version_in_use".to_string(), d.kg_version)))
    });
    TableIterator::new(rows.collect::<Vec<_>>())
}

/// Sets every statistic back to zero (superuser only: REVOKEd from PUBLIC in the schema).
#[pg_extern(volatile, parallel_safe)]
fn resonance_stats_reset() {
    read_all();
    stats::reset();
}
