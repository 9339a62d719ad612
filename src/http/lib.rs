//! resonance-http: the design's HTTP API over the extension's SQL functions (DESIGN.md
//! section 7). An index of modules; `main.rs` starts the service.

pub mod config;
pub mod db;
pub mod errors;
pub mod metrics;
pub mod middleware;
pub mod request;
pub mod routes;
