//! The engine: everything Resonance computes, in plain Rust with no Postgres types.
//! The SQL layer (`crate::api`) only converts arguments and results around these calls.

pub mod ab_test;
pub mod batching;
pub mod bert;
pub mod bi_encoder;
pub mod cross_encoder;
pub mod error;
pub mod evaluation;
pub mod experience;
pub mod explain;
pub mod fusion;
pub mod gnn;
pub mod location;
pub mod match_request;
pub mod matching;
pub mod mining;
pub mod occupations;
pub mod model_files;
pub mod pooling;
pub mod projection;
pub mod retrieval;
pub mod rng;
pub mod skills;
pub mod taxonomy;
pub mod tokenization;
pub mod training;
