//! Server-wide statistics in shared memory, the way pg_stat_statements keeps them: calls,
//! errors and latency histograms per SQL function, latency histograms per stage of
//! resonance_match, and counters (rerank-cache hits and misses, model loads, skill index
//! builds and opens, the taxonomy version last opened). Read through the resonance_stats
//! views (api/stats.rs).
//!
//! Shared memory can only be reserved while the postmaster loads shared_preload_libraries, so
//! without it nothing is recorded and reading raises an ERROR that says so. One LWLock guards
//! it all: an update is a few additions, far shorter than the calls it counts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use pgrx::lwlock::PgLwLock;
use pgrx::pg_shmem_init;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;

use resonance_engine::latency_histogram::{bucket_of, BUCKETS};

/// The SQL functions counted (each call's latency, and whether it raised an ERROR).
pub const FUNCTIONS: [&str; 8] = [
    "resonance_match",
    "resonance_encode",
    "resonance_rerank",
    "resonance_explain",
    "resonance_extract_skills",
    "resonance_related_skills",
    "resonance_infer_occupations",
    "resonance_infer_resume_occupations",
];

/// The stages of resonance_match, named as in resonance_last_match_stats()'s "ms".
pub const STAGES: [&str; 12] = [
    "resume",
    "retrieval",
    "bi_rescore",
    "skill_index",
    "model_load",
    "skill_graph",
    "rerank_cache_read",
    "cross_encoder",
    "rerank_cache_write",
    "fusion",
    "explain",
    "total",
];

/// The counters, in the order the counters view lists them.
#[derive(Clone, Copy)]
pub enum Counter {
    RerankCacheHits,
    RerankCacheMisses,
    ModelLoads,
    SkillIndexBuilds,
    SkillIndexOpens,
}

pub const COUNTERS: [&str; 5] =
    ["rerank_cache_hits", "rerank_cache_misses", "model_loads", "skill_index_builds", "skill_index_opens"];

#[derive(Clone, Copy)]
pub struct Stats {
    pub calls: [u64; FUNCTIONS.len()],
    pub errors: [u64; FUNCTIONS.len()],
    pub function_ms: [[u64; BUCKETS]; FUNCTIONS.len()],
    pub stage_ms: [[u64; BUCKETS]; STAGES.len()],
    pub counters: [u64; COUNTERS.len()],
    /// resonance.kg_version of the skill index last opened (0: none yet).
    pub kg_version: i64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            calls: [0; FUNCTIONS.len()],
            errors: [0; FUNCTIONS.len()],
            function_ms: [[0; BUCKETS]; FUNCTIONS.len()],
            stage_ms: [[0; BUCKETS]; STAGES.len()],
            counters: [0; COUNTERS.len()],
            kg_version: 0,
        }
    }
}

// SAFETY: plain integers and arrays of them, Copy, no pointers.
unsafe impl PGRXSharedMemory for Stats {}

// SAFETY: a unique name; initialised by pg_shmem_init! in _PG_init, under
// shared_preload_libraries only (`ENABLED` says whether that happened).
static STATS: PgLwLock<Stats> = unsafe { PgLwLock::new(c"resonance_stats") };

/// Whether shared memory was reserved (set in the postmaster, inherited by every backend).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Reserves the shared memory; called from _PG_init while shared_preload_libraries loads.
pub fn init_in_postmaster() {
    pg_shmem_init!(STATS);
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn update(change: impl FnOnce(&mut Stats)) {
    if enabled() {
        change(&mut STATS.exclusive());
    }
}

/// A copy of the statistics now; None without shared_preload_libraries.
pub fn read() -> Option<Stats> {
    enabled().then(|| *STATS.share())
}

pub fn reset() {
    update(|s| *s = Stats::default());
}

pub fn count(counter: Counter, n: u64) {
    update(|s| s.counters[counter as usize] += n);
}

pub fn opened_taxonomy(version: i64) {
    update(|s| {
        s.counters[Counter::SkillIndexOpens as usize] += 1;
        s.kg_version = version;
    });
}

/// Records resonance_match's stage timings from its stats' "ms" object (the one place they
/// are gathered), and its rerank-cache hits and misses (pairs scored because no valid cached
/// score existed).
pub fn record_match(stats: &serde_json::Value) {
    update(|s| {
        for (i, stage) in STAGES.iter().enumerate() {
            if let Some(ms) = stats["ms"][stage].as_f64() {
                s.stage_ms[i][bucket_of(ms)] += 1;
            }
        }
        let cache = &stats["stages"]["rerank_cache"];
        s.counters[Counter::RerankCacheHits as usize] += cache["hits"].as_u64().unwrap_or(0);
        s.counters[Counter::RerankCacheMisses as usize] += cache["computed"].as_u64().unwrap_or(0);
    });
}

/// Counts one call of `FUNCTIONS[function]` when dropped: its latency, and an error when it
/// ends by unwinding (a Postgres ERROR raised in or under it travels as a Rust panic).
pub struct Call {
    function: usize,
    start: Instant,
}

impl Call {
    pub fn start(name: &str) -> Call {
        let function = FUNCTIONS.iter().position(|f| *f == name).expect("a counted function");
        Call { function, start: Instant::now() }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let ms = self.start.elapsed().as_secs_f64() * 1e3;
        let failed = std::thread::panicking();
        update(|s| {
            s.calls[self.function] += 1;
            s.errors[self.function] += u64::from(failed);
            s.function_ms[self.function][bucket_of(ms)] += 1;
        });
    }
}
