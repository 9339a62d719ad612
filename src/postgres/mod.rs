//! The extension's integration with Postgres, under the SQL functions of `crate::api`: the
//! per-backend model and taxonomy caches, the match pipeline's rows (with the cross-encoder
//! score cache), reading jsonb arguments, error reporting, and the extension's own SQL script.

pub mod error;
pub mod index_file;
pub mod json_arg;
pub mod kg_version;
pub mod match_store;
pub mod model_cache;
pub mod occupation_cache;
mod schema;
pub mod skill_cache;
pub mod stats;
