//! Server-wide statistics in shared memory, the way pg_stat_statements keeps them: calls,
//! errors and latency histograms per SQL function, latency histograms per stage of
//! resonance_match, and counters (rerank-cache hits and misses, model loads, skill index
//! builds and opens, the taxonomy version last opened, stale occupations used), per
//! database. Read through the resonance_stats views (api/stats.rs).
//!
//! Shared memory can only be reserved while the postmaster loads shared_preload_libraries, so
//! without it nothing is recorded and reading raises an ERROR that says so. One LWLock guards
//! it all: an update is a few additions, far shorter than the calls it counts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    StaleOccupations,
    TextsEncoded,
}

pub const COUNTERS: [&str; 7] = [
    "rerank_cache_hits",
    "rerank_cache_misses",
    "model_loads",
    "skill_index_builds",
    "skill_index_opens",
    "stale_occupations_used",
    "texts_encoded",
];

/// Databases kept apart, as pg_stat_statements keeps them apart by dbid. A server with more
/// databases using Resonance counts the rest together, under dbid 0 (the last slot).
pub const DATABASES: usize = 64;

/// One database's statistics.
#[derive(Clone, Copy)]
pub struct DatabaseStats {
    /// The database's oid; 0 for a free slot (and for the last slot, the overflow).
    pub dbid: u32,
    pub calls: [u64; FUNCTIONS.len()],
    pub errors: [u64; FUNCTIONS.len()],
    pub function_ms: [[u64; BUCKETS]; FUNCTIONS.len()],
    pub stage_ms: [[u64; BUCKETS]; STAGES.len()],
    pub counters: [u64; COUNTERS.len()],
    /// resonance.kg_version of the skill index last opened in this database (0: none yet).
    pub kg_version: i64,
    /// Whether anything was recorded for it since the start or the last reset.
    pub used: bool,
}

impl Default for DatabaseStats {
    fn default() -> Self {
        DatabaseStats {
            dbid: 0,
            calls: [0; FUNCTIONS.len()],
            errors: [0; FUNCTIONS.len()],
            function_ms: [[0; BUCKETS]; FUNCTIONS.len()],
            stage_ms: [[0; BUCKETS]; STAGES.len()],
            counters: [0; COUNTERS.len()],
            kg_version: 0,
            used: false,
        }
    }
}

#[derive(Clone, Copy)]
pub struct Stats {
    pub databases: [DatabaseStats; DATABASES],
}

impl Default for Stats {
    fn default() -> Self {
        Stats { databases: [DatabaseStats::default(); DATABASES] }
    }
}

impl Stats {
    /// The slot of database `dbid`, claimed on first use; the overflow slot when all are taken.
    fn database(&mut self, dbid: u32) -> &mut DatabaseStats {
        let slots = &self.databases[..DATABASES - 1];
        let index = slots
            .iter()
            .position(|d| d.used && d.dbid == dbid)
            .or_else(|| slots.iter().position(|d| !d.used))
            .unwrap_or(DATABASES - 1);
        let slot = &mut self.databases[index];
        if !slot.used {
            *slot = DatabaseStats { dbid: if index == DATABASES - 1 { 0 } else { dbid }, used: true, ..DatabaseStats::default() };
        }
        slot
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
    // SAFETY: _PG_init runs in the postmaster's only thread, before any hook can run.
    unsafe {
        PREVIOUS_STARTUP_HOOK = pg_sys::shmem_startup_hook;
        pg_sys::shmem_startup_hook = Some(after_shared_memory_startup);
    }
}

static mut PREVIOUS_STARTUP_HOOK: Option<unsafe extern "C-unwind" fn()> = None;

/// Shared memory (re)initialisations seen by this postmaster. Its own memory outlives a
/// crash restart, which creates shared memory anew and so zeroes the statistics: that is
/// said in the log, so that a drop in the counters is not taken for a drop in traffic.
static STARTUPS: AtomicU64 = AtomicU64::new(0);

#[pg_guard]
unsafe extern "C-unwind" fn after_shared_memory_startup() {
    // SAFETY: set once in init_in_postmaster; the hook chain runs in the postmaster.
    if let Some(previous) = unsafe { PREVIOUS_STARTUP_HOOK } {
        unsafe { pg_sys::submodules::ffi::pg_guard_ffi_boundary(|| previous()) };
    }
    if STARTUPS.fetch_add(1, Ordering::Relaxed) > 0 {
        log!("resonance: server-wide statistics (resonance_stats, resonance_stats_counters) were reset by the restart after a crash");
    }
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// This backend's database.
fn this_database() -> u32 {
    // SAFETY: MyDatabaseId is set before any SQL function runs and never changes after.
    unsafe { pg_sys::MyDatabaseId }.to_u32()
}

fn update(change: impl FnOnce(&mut DatabaseStats)) {
    if enabled() {
        change(STATS.exclusive().database(this_database()));
    }
}

/// A copy of the statistics now; None without shared_preload_libraries.
pub fn read() -> Option<Stats> {
    enabled().then(|| *STATS.share())
}

pub fn reset() {
    if enabled() {
        *STATS.exclusive() = Stats::default();
    }
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
        s.counters[Counter::StaleOccupations as usize] += stats["stale_occupations"].as_u64().unwrap_or(0);
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
