//! Resonance: resume-to-job matching inside PostgreSQL. This crate is the extension: `api`
//! holds the SQL functions, `postgres` the caches, SPI access and error mapping under them,
//! and `settings` the `resonance.*` GUCs, over the serving engine (`resonance_engine`,
//! src/engine), which knows nothing of Postgres.

mod api;
mod postgres;
mod settings;

pgrx::pg_module_magic!();

/// Called once when the library is loaded (in the postmaster with
/// shared_preload_libraries, else in a backend). It only registers settings: no model
/// load, no threads, so nothing is inherited across fork().
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::register();
}
