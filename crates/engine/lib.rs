//! The serving engine: what Resonance computes for a query, in plain Rust with no Postgres
//! types: the models, the skill index and its scores, matching, fusion and explanations.
//! The SQL layer (the `resonance` extension crate) only converts arguments and results around these calls;
//! offline work (taxonomy building, training, evaluation programs) is `resonance-offline`.

pub mod ab_test;
pub mod allocator;
pub mod batching;
pub mod bert;
pub mod bf16_linear;
pub mod bi_encoder;
pub mod cross_encoder;
pub mod error;
pub mod evaluation;
pub mod experience;
pub mod explain;
pub mod fusion;
pub mod hash;
pub mod interrupt;
pub mod json_argument;
pub mod kernels;
pub mod latency_histogram;
pub mod location;
pub mod match_request;
pub mod matching;
pub mod model_files;
pub mod normalize;
pub mod occupations;
pub mod pipeline;
pub mod pooling;
pub mod projection;
pub mod ranking;
pub mod rng;
pub mod score_cache;
pub mod skills;
pub mod snapshot;
pub mod threads;
pub mod tokenization;
pub mod weights;
