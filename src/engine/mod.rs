//! The engine: everything Resonance computes, in plain Rust with no Postgres types.
//! The SQL layer (`crate::api`) only converts arguments and results around these calls.

pub mod bert;
pub mod bi_encoder;
pub mod error;
pub mod model_files;
pub mod pooling;
pub mod tokenization;
pub mod taxonomy;
