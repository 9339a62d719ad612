//! Resonance: resume-to-job matching inside PostgreSQL.
//!
//! `engine` is pure Rust (models, pooling, tokenisation) and builds without Postgres;
//! `api` holds the SQL functions and `settings` the `resonance.*` GUCs, both compiled
//! only with the `pg` feature.

pub use resonance_engine as engine;
pub mod offline;

#[cfg(feature = "pg")]
mod api;
#[cfg(feature = "pg")]
mod settings;

#[cfg(feature = "pg")]
pgrx::pg_module_magic!();

/// Called once when the library is loaded (in the postmaster with
/// shared_preload_libraries, else in a backend). It only registers settings: no model
/// load, no threads, so nothing is inherited across fork().
#[cfg(feature = "pg")]
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::register();
}
