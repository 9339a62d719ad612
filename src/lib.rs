//! Resonance: resume-to-job matching inside PostgreSQL. This crate is the extension: `api`
//! holds the SQL functions, `postgres` the caches, SPI access and error mapping under them,
//! and `settings` the `resonance.*` GUCs, over the serving engine (`resonance_engine`,
//! crates/engine), which knows nothing of Postgres.

mod api;
mod postgres;
mod settings;

pgrx::pg_module_magic!();

/// Called once when the library is loaded: in the postmaster with shared_preload_libraries,
/// else in a backend. It registers the settings and, in the postmaster only, loads the base
/// bi-encoder for every backend to share (`model_cache::preload_in_postmaster`) and reserves
/// the shared memory of the statistics (`postgres::stats`). It starts no thread: the
/// postmaster must not have any when it forks.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::register();
    // SAFETY: a flag the postmaster sets around loading shared_preload_libraries.
    if unsafe { pgrx::pg_sys::process_shared_preload_libraries_in_progress } {
        postgres::model_cache::preload_in_postmaster();
        // After the preload: statistics are recorded from the moment shared memory exists,
        // which is after _PG_init returns; nothing in the postmaster may record.
        postgres::stats::init_in_postmaster();
    }
}
