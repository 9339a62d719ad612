//! resonance-http: the design's HTTP API over the extension's SQL functions (README,
//! "Clients and the HTTP API"). An index of modules; `main.rs` starts the service.

pub mod auth;
pub mod config;
pub mod db;
pub mod errors;
pub mod metrics;
pub mod middleware;
pub mod request;
pub mod routes;
pub mod server;
pub mod tokens;
